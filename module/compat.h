/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels tamalloc builds for (5.10 to 7.3)
 * lives here.  Kbuild finds each feature in the kernel's headers (TAM_HAVE_*),
 * so a distribution's backport is picked up where a version check would not.
 * Each entry names the release that changed the interface.
 */
#ifndef _TAM_COMPAT_H
#define _TAM_COMPAT_H

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/list_lru.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/swap.h>
#include <linux/slab.h>
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
 *
 * Since 6.8 a fork whose copy of the VMAs fails part way (a fatal signal,
 * ENOMEM under a memcg limit) leaves XA_ZERO_ENTRY in the child's tree where
 * the copy stopped, and the child's VMAs already copied, each of which our
 * ->open registered, are torn down only when the child's mm goes: a walk
 * that takes such an mm's lock meanwhile must stop at the marker, as
 * exit_mmap() does.  (7.x empties the tree instead.)
 */
#ifdef TAM_HAVE_VMA_ITERATOR
struct tam_vma_iter {
	struct vma_iterator vmi;
};

static inline struct vm_area_struct *tam_vma_checked(struct vm_area_struct *vma)
{
	return xa_is_zero(vma) ? NULL : vma;
}

static inline struct vm_area_struct *tam_vma_first(struct mm_struct *mm,
						   struct tam_vma_iter *it)
{
	vma_iter_init(&it->vmi, mm, 0);
	return tam_vma_checked(vma_next(&it->vmi));
}

static inline struct vm_area_struct *tam_vma_next(struct tam_vma_iter *it,
						  struct vm_area_struct *vma)
{
	return tam_vma_checked(vma_next(&it->vmi));
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

/*
 * A shmem file that accounts its pages as they are allocated, not its whole
 * size at once (VM_NORESERVE).  The flags became a vma_flags_t in 7.x.
 */
static inline struct file *tam_shmem_file_setup(struct vfsmount *mnt,
						const char *name, loff_t size)
{
#ifdef TAM_HAVE_SHMEM_VMA_FLAGS
	return shmem_file_setup_with_mnt(mnt, name, size,
					 mk_vma_flags(VMA_NORESERVE_BIT));
#else
	return shmem_file_setup_with_mnt(mnt, name, size, VM_NORESERVE);
#endif
}

/*
 * Map @vma with @file's own mmap.  shmem has ->mmap_prepare only in 7.x,
 * where vfs_mmap() applies it to an existing VMA.
 */
static inline int tam_vfs_mmap(struct file *file, struct vm_area_struct *vma)
{
#ifdef TAM_HAVE_VFS_MMAP
	return vfs_mmap(file, vma);
#else
	if (WARN_ON_ONCE(!file->f_op->mmap))
		return -ENODEV;	/* a kernel whose vfs_mmap() was not found */
	return file->f_op->mmap(file, vma);
#endif
}

#ifdef CONFIG_NUMA
/*
 * ->get_policy() of shared objects (object.c), handed to shmem's: it is told
 * the interleave index too since 6.8.
 */
extern const struct vm_operations_struct *tam_shmem_vm_ops;

#ifdef TAM_HAVE_GET_POLICY_ILX
static inline struct mempolicy *tam_shmem_get_policy(struct vm_area_struct *vma,
						     unsigned long addr,
						     pgoff_t *ilx)
{
	return tam_shmem_vm_ops->get_policy(vma, addr, ilx);
}
#else
static inline struct mempolicy *tam_shmem_get_policy(struct vm_area_struct *vma,
						     unsigned long addr)
{
	return tam_shmem_vm_ops->get_policy(vma, addr);
}
#endif
#endif

/*
 * Mappings of 2 MiB or more on a 2 MiB boundary.  thp_get_unmapped_area()
 * does it for any file since 5.18, for DAX files only before; until 6.10
 * (which made it mm_get_unmapped_area()) the mm's own get_unmapped_area is
 * there to do it with here, as thp_get_unmapped_area() does.
 */
#ifdef TAM_HAVE_MM_GET_UNMAPPED_AREA
static inline unsigned long tam_thp_get_unmapped_area(struct file *file,
						      unsigned long addr,
						      unsigned long len,
						      unsigned long pgoff,
						      unsigned long flags)
{
	unsigned long len_pad = len + PMD_SIZE, ret;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) || in_compat_syscall() ||
	    pgoff || len < PMD_SIZE || len_pad < len || (flags & MAP_FIXED))
		goto plain;
	ret = current->mm->get_unmapped_area(file, addr, len_pad, 0, flags);
	if (IS_ERR_VALUE(ret))
		goto plain;	/* the padding may not fit: try without */
	if (ret == addr)
		return addr;	/* the hint was free: keep it */
	return ALIGN(ret, PMD_SIZE);
plain:
	return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
}
#else
#define tam_thp_get_unmapped_area thp_get_unmapped_area
#endif

/* lock_page_killable() became folio_lock_killable() with folios (5.16). */
static inline int tam_lock_page_killable(struct page *page)
{
#ifdef TAM_HAVE_FOLIO
	return folio_lock_killable(page_folio(page));
#else
	return lock_page_killable(page);
#endif
}

/*
 * The pages of the page-cache entry at @xas that lie in [@start, @end): a
 * large folio, or its swap entry (6.12 swaps them whole), is one
 * multi-index entry, whose size the xarray tells (xas_get_order(): no need
 * to hold the folio); 5.10 gave each page of a huge page its own slot.
 */
static inline unsigned long tam_cache_entry_pages(struct xa_state *xas,
						  pgoff_t start, pgoff_t end)
{
#ifdef TAM_HAVE_XAS_GET_ORDER
	unsigned long size = 1UL << xas_get_order(xas);
	pgoff_t first = round_down(xas->xa_index, size);

	/* From where the walk stands: after a pause, not the entry's start. */
	return min_t(pgoff_t, first + size, end) -
	       max_t(pgoff_t, xas->xa_index, start);
#else
	return 1;
#endif
}

/* Is a page-cache entry (a folio since 5.16; a page before) locked? */
static inline bool tam_cache_entry_locked(void *entry)
{
#ifdef TAM_HAVE_FOLIO
	return folio_test_locked(entry);
#else
	return PageLocked((struct page *)entry);
#endif
}

/*
 * A list_lru item is listed under the memory cgroup and node of the memory
 * it lives in: list_lru_add() found them itself until 6.8, which made that
 * list_lru_add_obj().
 */
static inline bool tam_list_lru_add(struct list_lru *lru, struct list_head *item)
{
#ifdef TAM_HAVE_LIST_LRU_ADD_OBJ
	return list_lru_add_obj(lru, item);
#else
	return list_lru_add(lru, item);
#endif
}

static inline bool tam_list_lru_del(struct list_lru *lru, struct list_head *item)
{
#ifdef TAM_HAVE_LIST_LRU_ADD_OBJ
	return list_lru_del_obj(lru, item);
#else
	return list_lru_del(lru, item);
#endif
}

/*
 * Since 5.18 a memcg-aware list_lru makes a cgroup's list when an item is
 * allocated for it with kmem_cache_alloc_lru(); before, every cgroup had one.
 */
#ifdef TAM_HAVE_KMEM_CACHE_ALLOC_LRU
#define tam_kmem_cache_alloc_lru(cache, lru, gfp) \
	kmem_cache_alloc_lru(cache, lru, gfp)
#else
#define tam_kmem_cache_alloc_lru(cache, lru, gfp) kmem_cache_alloc(cache, gfp)
#endif

/* A list_lru walk's callback is told the list's lock until 7.x. */
#ifdef TAM_HAVE_LIST_LRU_WALK_CB_LOCK
#define TAM_LIST_LRU_WALK_CB_ARGS struct list_head *item, \
	struct list_lru_one *list, spinlock_t *lock, void *cb_arg
#else
#define TAM_LIST_LRU_WALK_CB_ARGS struct list_head *item, \
	struct list_lru_one *list, void *cb_arg
#endif

/*
 * Pages a shrinker freed that are not slab (a purge truncates shmem pages):
 * reclaim counts them as progress, as it counts the slab's, and stops
 * escalating instead of going on until everything is purged.  6.4 named
 * the helper; before, xfs added to the same field itself.  From 6.4 only
 * reclaim for the whole machine counts them: a memory cgroup's reclaim
 * sees its usage fall, but goes on with its LRUs as if nothing was freed
 * (memory.reclaim takes that much more).
 */
static inline void tam_account_reclaimed(unsigned long pages)
{
#ifdef TAM_HAVE_MM_ACCOUNT_RECLAIMED_PAGES
	mm_account_reclaimed_pages(pages);
#else
	if (current->reclaim_state)
		current->reclaim_state->reclaimed_slab += pages;
#endif
}

/*
 * A memcg- and NUMA-aware shrinker, made in two steps: allocated (its id,
 * which a memcg-aware list_lru needs, given) and then registered.  6.7 made
 * shrinkers allocated by the kernel;
 * before, the only step exported is register_shrinker(), which gives the id
 * and registers at once: the callbacks must cope with being called before
 * tam_shrinker_register() (pins.c's ready flag).  It takes a name since 6.0.
 */
typedef unsigned long (*tam_shrink_fn)(struct shrinker *s,
				       struct shrink_control *sc);

#ifdef TAM_HAVE_SHRINKER_ALLOC
static inline struct shrinker *tam_shrinker_alloc(tam_shrink_fn count,
						  tam_shrink_fn scan, int seeks,
						  const char *name)
{
	struct shrinker *s;

	s = shrinker_alloc(SHRINKER_MEMCG_AWARE | SHRINKER_NUMA_AWARE, "%s",
			   name);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = seeks;
	return s;
}

static inline void tam_shrinker_register(struct shrinker *s)
{
	shrinker_register(s);
}

static inline void tam_shrinker_free(struct shrinker *s)
{
	shrinker_free(s);
}
#else
static inline struct shrinker *tam_shrinker_alloc(tam_shrink_fn count,
						  tam_shrink_fn scan, int seeks,
						  const char *name)
{
	struct shrinker *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int err;

	if (!s)
		return ERR_PTR(-ENOMEM);
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = seeks;
	s->flags = SHRINKER_MEMCG_AWARE | SHRINKER_NUMA_AWARE;
#ifdef TAM_HAVE_REGISTER_SHRINKER_NAME
	err = register_shrinker(s, "%s", name);
#else
	err = register_shrinker(s);
#endif
	if (err) {
		kfree(s);
		return ERR_PTR(err);
	}
	return s;
}

static inline void tam_shrinker_register(struct shrinker *s)
{
}

static inline void tam_shrinker_free(struct shrinker *s)
{
	unregister_shrinker(s);
	kfree(s);
}
#endif

#endif /* _TAM_COMPAT_H */
