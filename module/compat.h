/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels tamalloc builds for (5.10 to 7.3)
 * lives here.  Kbuild finds each feature in the kernel's headers (TAM_HAVE_*),
 * so a distribution's backport is picked up where a version check would not.
 * Each entry names the release that changed the interface.
 */
#ifndef _TAM_COMPAT_H
#define _TAM_COMPAT_H

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#ifdef TAM_HAVE_TASK_EXEC_STATE
#include <linux/sched/exec_state.h>
#endif

/* Since 6.3 drivers change vm_flags through vm_flags_set(). */
static inline void tam_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#ifdef TAM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * Since 6.4 a fault may hold the faulting VMA's lock only, not mmap_lock
 * (for file VMAs with ->map_pages, since 6.7).
 */
static inline bool tam_fault_holds_mmap_lock(const struct vm_fault *vmf)
{
#ifdef TAM_HAVE_FAULT_FLAG_VMA_LOCK
	return !(vmf->flags & FAULT_FLAG_VMA_LOCK);
#else
	return true;
#endif
}

/*
 * A fault under the VMA lock that needs mmap_lock drops the VMA lock and asks
 * to be retried: the kernel then retries it under mmap_lock.  Only called
 * when tam_fault_holds_mmap_lock() is false.
 */
static inline vm_fault_t tam_fault_retry_under_mmap_lock(struct vm_fault *vmf)
{
#ifdef TAM_HAVE_FAULT_FLAG_VMA_LOCK
	vma_end_read(vmf->vma);
	return VM_FAULT_RETRY;
#else
	WARN_ON_ONCE(1);
	return VM_FAULT_SIGBUS;
#endif
}

/*
 * A ->map_pages that maps nothing (fault-around is optional; ->fault then
 * handles the page that faulted).  It returns vm_fault_t since 5.12.
 */
#ifdef TAM_HAVE_MAP_PAGES_VM_FAULT_T
static inline vm_fault_t tam_map_nothing(struct vm_fault *vmf,
					 pgoff_t start_pgoff, pgoff_t end_pgoff)
{
	return 0;
}
#else
static inline void tam_map_nothing(struct vm_fault *vmf, pgoff_t start_pgoff,
				   pgoff_t end_pgoff)
{
}
#endif

/* vma_lookup() came in 5.14. */
#ifndef TAM_HAVE_VMA_LOOKUP
static inline struct vm_area_struct *vma_lookup(struct mm_struct *mm,
						unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (vma && addr < vma->vm_start)
		vma = NULL;
	return vma;
}
#endif

/* vma_set_file() came in 5.11. */
#ifndef TAM_HAVE_VMA_SET_FILE
static inline void vma_set_file(struct vm_area_struct *vma, struct file *file)
{
	get_file(file);
	swap(vma->vm_file, file);
	fput(file);
}
#endif

/*
 * Walking an mm's VMAs: the maple tree's iterator since 6.1, the linked list
 * before.  Under mmap_lock.
 */
#ifdef TAM_HAVE_VMA_ITERATOR
struct tam_vma_iter {
	struct vma_iterator vmi;
};

static inline struct vm_area_struct *tam_vma_first(struct mm_struct *mm,
						   struct tam_vma_iter *it)
{
	vma_iter_init(&it->vmi, mm, 0);
	return vma_next(&it->vmi);
}

static inline struct vm_area_struct *tam_vma_next(struct tam_vma_iter *it,
						  struct vm_area_struct *vma)
{
	return vma_next(&it->vmi);
}
#else
struct tam_vma_iter {
};

static inline struct vm_area_struct *tam_vma_first(struct mm_struct *mm,
						   struct tam_vma_iter *it)
{
	return mm->mmap;
}

static inline struct vm_area_struct *tam_vma_next(struct tam_vma_iter *it,
						  struct vm_area_struct *vma)
{
	return vma->vm_next;
}
#endif

/* mm->flags became an mm_flags_t read with mm_flags_test() in 7.x. */
static inline bool tam_mm_flag_test(int flag, struct mm_struct *mm)
{
#ifdef TAM_HAVE_MM_FLAGS_TEST
	return mm_flags_test(flag, mm);
#else
	return test_bit(flag, &mm->flags);
#endif
}

/*
 * The pages oom_badness() weighs an mm by, before its page tables: RSS and
 * swap entries.  It sums the per-CPU counters exactly since get_mm_rss_sum()
 * came (after 6.12; Debian's 7.x have it), and reads them approximately
 * before.
 */
static inline unsigned long tam_oom_rss_and_swap(struct mm_struct *mm)
{
#ifdef TAM_HAVE_GET_MM_RSS_SUM
	return get_mm_rss_sum(mm) + get_mm_counter_sum(mm, MM_SWAPENTS);
#else
	return get_mm_rss(mm) + get_mm_counter(mm, MM_SWAPENTS);
#endif
}

/*
 * The dumpability part of a PTRACE_MODE_READ check on @task, task_lock()ed:
 * a task that is not dumpable by its owner may be read only with
 * CAP_SYS_PTRACE over its user namespace.  Dumpability and that namespace
 * moved from the mm to task->exec_state in 7.x.
 */
static inline bool tam_task_dumpable_or_capable(struct task_struct *task)
{
#ifdef TAM_HAVE_TASK_EXEC_STATE
	const struct task_exec_state *es;
	bool ok;

	rcu_read_lock();
	es = rcu_dereference_check(task->exec_state,
				   lockdep_is_held(&task->alloc_lock));
	ok = READ_ONCE(es->dumpable) == TASK_DUMPABLE_OWNER ||
	     ns_capable(es->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	return ok;
#else
	struct mm_struct *mm = task->mm;

	return !mm || get_dumpable(mm) == SUID_DUMP_USER ||
	       ns_capable(mm->user_ns, CAP_SYS_PTRACE);
#endif
}

#endif /* _TAM_COMPAT_H */
