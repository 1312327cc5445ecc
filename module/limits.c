// SPDX-License-Identifier: GPL-2.0
/*
 * The caps on tamalloc memory: system-wide (module parameters) and per
 * process (TAM_IOC_SET_LIMITS), on reserved bytes and on touched pages.
 *
 * Reserved bytes are charged by the VMAs that cannot grow in place
 * (VM_DONTEXPAND), each for its size: every shared VMA, and every private
 * one while a reserved cap applies to it.  A charge that is a VMA's size
 * stays exact through whatever the kernel does without telling the driver:
 * a split shrinks one VMA by what ->open gives the new one, a split that
 * fails after ->open (6.1) closes the new VMA with size 0, and the kernel
 * merges no VM_DONTEXPAND VMA (VM_SPECIAL; 6.12 merges others with ->close
 * when it only expands one).  mremap() growth in place, which has no
 * callback at all, is refused for them (EFAULT; moving works).  Private
 * VMAs made without a cap may grow, and are charged nothing until a cap
 * comes: setting one charges them and stops their growth.
 * Over a reserved cap, mmap() fails with ENOMEM; a fork or mremap() move,
 * which cannot fail in ->open, is charged even past it.
 *
 * Touched pages are charged as struct tam_proc says: private pages by the
 * fault handler, as an estimate that is never below the truth, and the pages
 * of shared objects from shmem's own count (object.c).  A fault that would
 * pass a cap first brings every figure the refusal rests on up to date: it
 * measures the faulting process, whoever the memory is charged to, and
 * re-reads the pages of its objects and, under the system's cap, of every
 * object.  It gets SIGBUS only if the cap is still in the way.  No fault
 * measures another process: what other processes have unmapped since their
 * last measurement stays charged to them.
 */

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/capability.h>

#include "compat.h"
#include "tamalloc.h"

/*
 * A size, as memparse() reads it for mem= and tmpfs's size= (a number, in
 * any base, and K, M, G, T, P or E), but refusing what it would not: other
 * characters after it, and sizes past 2^64.
 */
static int tam_param_set_size(const char *val, const struct kernel_param *kp)
{
	static const char suffixes[] = "kmgtpe";
	unsigned long long size;
	unsigned int shift = 0;
	char buf[32], *suffix;
	size_t len;
	int err;

	len = strscpy(buf, skip_spaces(val), sizeof(buf)) < 0 ? 0 : strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (!len)
		return -EINVAL;
	suffix = strchr(suffixes, tolower(buf[len - 1]));
	if (suffix && *suffix) {
		shift = 10 * (suffix - suffixes + 1);
		buf[--len] = '\0';
	}
	err = kstrtoull(buf, 0, &size);
	if (err)
		return err;
	if (shift && size > (ULLONG_MAX >> shift))
		return -ERANGE;
	*(unsigned long long *)kp->arg = size << shift;
	return 0;
}

unsigned long long tam_max_resident_bytes;

/* max_resident_bytes: shared objects' charges are kept only under a cap. */
static int tam_set_max_resident(const char *val, const struct kernel_param *kp)
{
	int err = tam_param_set_size(val, kp);

	if (!err && tam_max_resident_bytes)
		tam_objects_sync(NULL);
	return err;
}

static const struct kernel_param_ops tam_max_resident_ops = {
	.set	= tam_set_max_resident,
	.get	= param_get_ullong,
};

module_param_cb(max_resident_bytes, &tam_max_resident_ops,
		&tam_max_resident_bytes, 0644);
MODULE_PARM_DESC(max_resident_bytes,
		 "Cap on the tamalloc pages all processes have touched, in bytes, K, M, G... (0: none)");

unsigned long long tam_max_reserved_bytes;

static bool tam_over(u64 used, u64 limit)
{
	return limit && used > limit;
}

/* The bytes @vma is charged for: its size if it cannot grow in place. */
static long tam_vma_charge(const struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_DONTEXPAND))
		return 0;
	return vma->vm_end - vma->vm_start;
}

static void tam_charge_reserved(struct tam_proc *proc, long bytes)
{
	atomic64_add(bytes, &proc->reserved);
	atomic64_add(bytes, &tam_counters.reserved);
}

/*
 * Charge @mm's VMAs that are not yet, and keep them from growing in place: a
 * reserved cap is about to apply.  Under mmap_write_lock.
 */
static void tam_reserve_fix(struct mm_struct *mm)
{
	struct tam_proc *proc = tam_procs_find(mm);
	struct vm_area_struct *vma;
	struct tam_vma_iter it;

	/* mmap_assert_write_locked() needs dump_mm(), not exported in 6.1. */
	lockdep_assert_held_write(&mm->mmap_lock);
	if (!proc)
		return;		/* no tamalloc VMA */
	for (vma = tam_vma_first(mm, &it); vma; vma = tam_vma_next(&it, vma)) {
		if (!tam_vma_is_ours(vma) || tam_vma_charge(vma))
			continue;
		tam_vm_flags_set(vma, VM_DONTEXPAND);
		tam_charge_reserved(proc, tam_vma_charge(vma));
	}
}

static int tam_reserve_fix_locking(struct mm_struct *mm, void *unused)
{
	if (mmap_write_lock_killable(mm))
		return -EINTR;
	tam_reserve_fix(mm);
	mmap_write_unlock(mm);
	return 0;
}

/* max_reserved_bytes: a new cap first fixes every process's charges. */
static int tam_set_max_reserved(const char *val, const struct kernel_param *kp)
{
	unsigned long long old = tam_max_reserved_bytes;
	int err = tam_param_set_size(val, kp);

	if (err || !tam_max_reserved_bytes)
		return err;
	/* Processes that map or fork after this see the cap themselves. */
	err = tam_procs_call_each_mm(tam_reserve_fix_locking, NULL);
	if (err)	/* not every process was fixed: the cap is not set */
		WRITE_ONCE(tam_max_reserved_bytes, old);
	return err;
}

static const struct kernel_param_ops tam_max_reserved_ops = {
	.set	= tam_set_max_reserved,
	.get	= param_get_ullong,
};

module_param_cb(max_reserved_bytes, &tam_max_reserved_ops,
		&tam_max_reserved_bytes, 0644);
MODULE_PARM_DESC(max_reserved_bytes,
		 "Cap on the size of all tamalloc mappings together, in bytes, K, M, G... (0: none)");

/*
 * mmap(): charge the new VMA, or fail with ENOMEM over a cap.  A shared one
 * comes with VM_DONTEXPAND; a private one gets it if a cap applies.  The
 * caps are read after the mm's entry was made (under tam_procs_lock): a
 * system cap set meanwhile either sees the entry, and charges the VMA when
 * this mmap() is done, or is seen here.
 */
int tam_reserve_mmap(struct vm_area_struct *vma)
{
	struct tam_proc *proc = tam_procs_find(vma->vm_mm);
	u64 sys_limit = READ_ONCE(tam_max_reserved_bytes);
	long size = vma->vm_end - vma->vm_start;
	u64 limit;

	if (WARN_ON_ONCE(!proc))
		return -ENOMEM;
	limit = READ_ONCE(proc->reserved_limit);
	if (limit || sys_limit)
		tam_vm_flags_set(vma, VM_DONTEXPAND);
	if (!tam_vma_charge(vma))
		return 0;
	if (tam_over(atomic64_read(&proc->reserved) + size, limit))
		return -ENOMEM;
	if (tam_over(atomic64_add_return(size, &tam_counters.reserved), sys_limit)) {
		atomic64_sub(size, &tam_counters.reserved);
		return -ENOMEM;
	}
	atomic64_add(size, &proc->reserved);
	return 0;
}

/*
 * ->open: a split, a fork or an mremap() move.  After tam_procs_add_vma(),
 * so the entry exists.  A split moves part of a VMA's size, and so of its
 * charge, to the new VMA; the others add a VMA.
 */
void tam_reserve_open(struct vm_area_struct *vma)
{
	struct vm_area_struct *old = find_vma(vma->vm_mm, vma->vm_start);
	struct tam_proc *proc = tam_procs_find(vma->vm_mm);

	if (old && old != vma && tam_vma_is_ours(old) &&
	    old->vm_start <= vma->vm_start && old->vm_end >= vma->vm_end)
		return;		/* a split: @old still spans both pieces */
	/*
	 * As in mmap(): a cap set while the process was forked, after the pass
	 * that fixes every process had passed it, is seen here.
	 */
	if (READ_ONCE(tam_max_reserved_bytes) || READ_ONCE(proc->reserved_limit))
		tam_vm_flags_set(vma, VM_DONTEXPAND);
	tam_charge_reserved(proc, tam_vma_charge(vma));
}

/* ->close: before tam_procs_remove_vma(). */
void tam_reserve_close(struct vm_area_struct *vma)
{
	tam_charge_reserved(tam_procs_find(vma->vm_mm), -tam_vma_charge(vma));
}

/*
 * Would @pages more pass the system's resident cap?  The per-CPU counters are
 * summed exactly only near the cap, as __vm_enough_memory() does for
 * vm_committed_as.
 */
static bool tam_sys_resident_over(u64 pages)
{
	u64 limit = READ_ONCE(tam_max_resident_bytes) >> PAGE_SHIFT;
	s64 slack = 2 * (s64)percpu_counter_batch * num_online_cpus();
	s64 used;

	if (!limit)
		return false;
	used = percpu_counter_read(&tam_counters.private_pages) +
	       percpu_counter_read(&tam_counters.object_pages);
	if (used + (s64)pages + slack <= (s64)limit)
		return false;
	used = percpu_counter_sum(&tam_counters.private_pages) +
	       percpu_counter_sum(&tam_counters.object_pages);
	return used + (s64)pages > (s64)limit;
}

/* Is the system's resident cap full? */
bool tam_system_over(void)
{
	return tam_sys_resident_over(1);
}

/* Would @pages more pass @proc's or the system's resident cap? */
bool tam_resident_over(struct tam_proc *proc, u64 pages)
{
	return tam_over((tam_proc_charged_pages(proc) + pages) << PAGE_SHIFT,
			READ_ONCE(proc->resident_limit)) ||
	       tam_sys_resident_over(pages);
}

/*
 * A fault of @proc's would pass a resident cap.  Before it is refused, bring
 * every figure the refusal rests on up to date: measure the faulting
 * process's page tables (its private estimate may be stale, whoever the
 * memory is charged to) and re-read the pages of its objects and, under the
 * system's cap, of every object (MADV_REMOVE gives pages back without
 * telling us).  Returns 0, or VM_FAULT_RETRY to be retried under mmap_lock,
 * which the measurement needs.
 */
vm_fault_t tam_charges_refresh(struct vm_fault *vmf, struct tam_proc *proc)
{
	struct tam_measure m = {};

	if (!tam_fault_holds_mmap_lock(vmf))
		return tam_fault_retry_under_mmap_lock(vmf);
	tam_measure_mm(vmf->vma->vm_mm, &m, TAM_LOCKED);
	tam_objects_sync(proc);
	if (tam_sys_resident_over(0))
		tam_objects_sync(NULL);
	return 0;
}

/*
 * A resident cap is still in the way after tam_charges_refresh().  Like
 * hugetlbfs with an empty pool, the faulting process alone pays, never an
 * OOM kill of someone else.
 */
vm_fault_t tam_cap_refused(void)
{
	pr_info_ratelimited("%s[%d]: tamalloc resident cap reached, SIGBUS\n",
			    current->comm, task_pid_nr(current));
	return VM_FAULT_SIGBUS;
}

static void tam_charge_private_pages(struct tam_proc *proc, long pages)
{
	atomic64_add(pages, &proc->faults);
	atomic64_add(pages, &proc->private_faults);
	percpu_counter_add(&tam_counters.private_pages, pages);
	percpu_counter_add(&tam_counters.faults, pages);
}

/*
 * A private fault is about to map a page: count it and charge the page, and
 * return true, or leave nothing charged and return false if that would pass
 * a resident cap.  The page is charged before the caps are read, so that
 * concurrent faults see it.
 */
bool tam_charge_private(struct tam_proc *proc)
{
	tam_charge_private_pages(proc, 1);
	if (likely(!tam_resident_over(proc, 0)))
		return true;
	tam_charge_private_pages(proc, -1);
	/*
	 * The return before the refusal: pairs with the read barrier in
	 * tam_procs_private_faults().  Both come before the page is unlocked,
	 * which a measurement waits for.
	 */
	smp_mb__before_atomic();
	atomic64_inc(&proc->private_refused);
	return false;
}

/* TAM_IOC_SET_LIMITS, once permissions are checked. */
int tam_limits_set(struct mm_struct *mm, u64 reserved, u64 resident)
{
	int err;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	err = tam_procs_set_limits(mm, reserved, resident,
				   capable(CAP_SYS_RESOURCE));
	if (!err && reserved)
		tam_reserve_fix(mm);
	if (!err && resident)
		tam_procs_sync_objects(mm);
	mmap_write_unlock(mm);
	return err;
}
