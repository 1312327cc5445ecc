/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of the tamalloc module:
 *
 *   main.c    the misc device, its file operations and module set-up
 *   region.c  the device's mmap(), and private mappings' fault handler
 *   object.c  shared mappings: a shmem file each, behind our fault handler
 *   procs.c   the registry of processes (mms) that have tamalloc mappings
 *   limits.c  the caps: charging reserved bytes and touched pages
 *   stats.c   measuring processes, and the ioctls
 *   walk.c    counting the pages present in a range, from the page tables
 *   pins.c    purgeable memory: unpinned ranges of objects, and the shrinker
 */
#ifndef _TAM_TAMALLOC_H
#define _TAM_TAMALLOC_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>
#include <linux/percpu_counter.h>
#include <linux/sched.h>
#include <linux/types.h>

/*
 * Is this fault the core dump reading the process's memory (get_dump_page())?
 * The dumping thread carries PF_DUMPCORE from before it reads any, on every
 * kernel (zap_threads()).  Refused, a page is a hole in the dump, as an
 * untouched page of anonymous memory is: it reads as zeros all the same, and
 * a dump of a 64 GiB reservation allocates nothing.
 */
static inline bool tam_fault_for_core_dump(const struct vm_fault *vmf)
{
	return (current->flags & PF_DUMPCORE) &&
	       !(vmf->flags & FAULT_FLAG_WRITE);
}

/* region.c: the device's mmap(), and private mappings */
int tam_region_mmap(struct file *file, struct vm_area_struct *vma);
bool tam_vma_is_ours(const struct vm_area_struct *vma);
int tam_private_faults_drain(bool nowait);
void tam_vma_open(struct vm_area_struct *vma);
void tam_private_close(struct vm_area_struct *vma);
int tam_region_init(void);
void tam_region_exit(void);

/* object.c: shared mappings, on shmem */
struct tam_object;
int tam_object_mmap(struct vm_area_struct *vma);
bool tam_vma_is_object(const struct vm_area_struct *vma);
int tam_object_discard(struct mm_struct *mm, unsigned long start,
		       unsigned long end);
typedef int (*tam_object_range_fn)(struct tam_object *obj, pgoff_t first,
				   pgoff_t last, void *arg);
int tam_objects_in_range(struct mm_struct *mm, unsigned long start,
			 unsigned long end, int private_err,
			 tam_object_range_fn fn, void *arg);
int tam_objects_of_mm(struct mm_struct *mm, bool locked,
		      void (*fn)(struct tam_object *obj, void *arg), void *arg);
struct tam_proc;
void tam_objects_disown(struct tam_proc *proc);
void tam_objects_sync(struct tam_proc *proc);
void tam_objects_sys_pages(u64 *in_memory, u64 *swapped);
void tam_objects_pages(struct tam_proc *proc, u64 *in_memory, u64 *swapped,
		       u64 *unpinned);
int tam_object_init(void);
void tam_object_exit(void);

/* A process's figures, measured from its page tables (stats.c). */
struct tam_measure {
	u64 reserved;
	u64 resident;
	u64 mappings;
};

/*
 * A process (an mm: threads share it) known to the registry: it has tamalloc
 * mappings, or caps set on it.  The entry holds a reference on the
 * mm_struct (mmgrab) so no other mm can take its address while it lives.
 *
 * Touched pages are charged, for the resident caps, in two parts:
 *  - the pages of the shared objects it is charged with (object.c), shmem's
 *    own count, read again before a fault is refused;
 *  - its private pages, as an estimate that is never below the truth:
 *    charged_base + private_faults, where each private fault adds one and a
 *    measurement of its page tables (stats.c) resets charged_base.  Pages the
 *    kernel zaps without telling the driver (munmap, MADV_DONTNEED) stay
 *    charged until the next measurement; a measurement waits for the faults
 *    in flight (tam_private_faults_drain()), and counts pages that NUMA
 *    balancing has made inaccessible for a while (walk.c).  A fault refused
 *    over a cap gives its one back: a measurement that counted the one
 *    but not its return adds back the refusals made meanwhile
 *    (tam_procs_set_charged()).
 */
struct tam_proc {
	struct hlist_node node;
	struct mm_struct *mm;
	unsigned long vmas;		/* under tam_procs_lock */
	u64 peak_resident;		/* under tam_procs_lock */
	struct tam_measure last;	/* the last measurement; the same */
	u64 reserved_limit;		/* bytes, 0 = none; set under the lock */
	u64 resident_limit;		/* bytes, 0 = none; set under the lock */
	atomic64_t faults;		/* every tamalloc fault it took */
	atomic64_t private_faults;
	atomic64_t private_refused;	/* faults counted, then given back */
	atomic64_t charged_base;	/* pages; may be negative */
	atomic64_t object_pages;	/* pages of the objects charged to it */
	atomic64_t reserved;		/* bytes charged by the mm's VMAs */
	atomic64_t purged_pages;	/* purged from its objects (pins.c) */
	atomic64_t purges;		/* ranges purged */
	spinlock_t objects_lock;
	struct list_head objects;	/* the objects charged to it (object.c) */
	struct rcu_head rcu;
};

/* pins.c: purgeable memory */
int tam_pins_unpin(struct mm_struct *mm, unsigned long start,
		   unsigned long end, unsigned int priority);
int tam_pins_pin(struct mm_struct *mm, unsigned long start, unsigned long end,
		 u64 *purged_bytes);
int tam_pins_purge(struct mm_struct *mm, u64 *purged_bytes);
int tam_pins_flush(void);
int tam_pins_flush_mm(struct mm_struct *mm);
unsigned long tam_pins_purge_for_fault(struct mm_struct *mm,
				       struct tam_proc *proc, bool everyone,
				       unsigned long pages);
int tam_pins_init(void);
void tam_pins_exit(void);

/* procs.c */
int tam_procs_add_vma(struct mm_struct *mm, struct mm_struct *parent, gfp_t gfp);
void tam_procs_remove_vma(struct mm_struct *mm);
struct tam_proc *tam_procs_find(struct mm_struct *mm);
struct tam_proc *tam_procs_of_vma(struct vm_area_struct *vma);
/* Where a measurement of private pages starts from (tam_procs_private_faults()). */
struct tam_faults_mark {
	u64 faults;
	u64 refused;
};

void tam_procs_private_faults(struct mm_struct *mm, struct tam_faults_mark *mark);
void tam_procs_set_charged(struct mm_struct *mm, u64 pages,
			   const struct tam_faults_mark *before);
u64 tam_proc_charged_pages(struct tam_proc *proc);
u64 tam_procs_record(struct mm_struct *mm, const struct tam_measure *m);
bool tam_procs_last(struct mm_struct *mm, struct tam_measure *m);
int tam_procs_set_limits(struct mm_struct *mm, u64 reserved, u64 resident,
			 bool may_raise);
void tam_procs_sync_objects(struct mm_struct *mm);
struct tam_proc_stats;
void tam_procs_get_proc(struct mm_struct *mm, struct tam_proc_stats *st);
int tam_procs_call_each_mm(int (*fn)(struct mm_struct *mm, void *arg),
			   void *arg);
bool tam_procs_has_mm(struct mm_struct *mm);
int tam_procs_init(void);
void tam_procs_exit(void);

/*
 * Counters kept as things happen; reading any of them is O(1).  The ones a
 * fault changes are per-CPU: no fault writes a cache line all CPUs share.
 */
struct tam_counters {
	struct percpu_counter private_pages;	/* charged, as in struct tam_proc */
	struct percpu_counter object_pages;	/* held by every shared object */
	struct percpu_counter faults;		/* every tamalloc fault taken */
	atomic64_t processes;
	atomic64_t mappings;
	atomic64_t reserved;		/* bytes charged by every VMA */
	atomic64_t unpinned_pages;	/* as each range held, once counted */
	atomic64_t purged_pages;	/* every purge's */
	atomic64_t purges;		/* ranges purged */
};

extern struct tam_counters tam_counters;

/* limits.c */
extern unsigned long long tam_max_reserved_bytes;
extern unsigned long long tam_max_resident_bytes;
int tam_reserve_mmap(struct vm_area_struct *vma);
void tam_reserve_open(struct vm_area_struct *vma);
void tam_reserve_close(struct vm_area_struct *vma);
bool tam_charge_private(struct tam_proc *proc);
bool tam_resident_over(struct tam_proc *proc, u64 pages);
bool tam_system_over(void);
vm_fault_t tam_charges_refresh(struct vm_fault *vmf, struct tam_proc *proc);
vm_fault_t tam_cap_refused(void);
int tam_limits_set(struct mm_struct *mm, u64 reserved, u64 resident);

/* stats.c */
/*
 * Take the mm's mmap_lock, or rely on the caller holding it, or take it only
 * if it is free (-EBUSY otherwise).
 */
enum tam_lock_mode { TAM_LOCK, TAM_LOCKED, TAM_TRYLOCK };

int tam_measure_mm(struct mm_struct *mm, struct tam_measure *m,
		   enum tam_lock_mode lock);
long tam_ioctl(unsigned int cmd, void __user *arg);

/* walk.c: one walk of an mm's page tables, range by range. */
struct tam_walk {
	struct mmu_interval_notifier notifier;	/* names the mm; never inserted */
	unsigned long pfns[64];			/* hmm_range_fault()'s answers */
};

void tam_walk_init(struct tam_walk *walk, struct mm_struct *mm);
int tam_walk_count(struct tam_walk *walk, unsigned long start,
		   unsigned long end, unsigned long *present);

#endif /* _TAM_TAMALLOC_H */
