// SPDX-License-Identifier: GPL-2.0
/*
 * The caps on tamalloc memory: system-wide (module parameters) and per
 * process (TAM_IOC_SET_LIMITS), on reserved bytes and on touched pages.
 *
 * Reserved bytes are charged exactly: each VMA records in vm_private_data the
 * bytes it has charged, so ->close gives back just that.  A split calls
 * ->open on the new piece and shrinks the old one without a callback; the
 * old one is recognisable then, since it still spans the new piece, and hands
 * the new piece its part of the charge.  mremap() growth in place has no
 * callback at all, so VMAs get VM_DONTEXPAND while a reserved cap applies to
 * them (mremap answers EFAULT; moving still works), and setting a cap first
 * brings the charges of existing VMAs up to date.  Over a reserved cap, mmap()
 * fails with ENOMEM; a fork or mremap() move, which cannot fail in ->open, is
 * charged even past it.
 *
 * Touched pages are charged by the fault handler, as an estimate that is
 * never below the truth (struct tam_proc).  A fault that would pass a cap
 * measures first and gets SIGBUS only if the measured figure is at the cap:
 * like hugetlbfs with an empty pool, the faulting process alone pays, never
 * an OOM kill of someone else.
 */

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/capability.h>

#include "compat.h"
#include "tamalloc.h"

unsigned long long tam_max_resident_bytes;
module_param_named(max_resident_bytes, tam_max_resident_bytes, ullong, 0644);
MODULE_PARM_DESC(max_resident_bytes,
		 "Cap on the tamalloc pages all processes have touched, in bytes (0: none)");

unsigned long long tam_max_reserved_bytes;

static bool tam_over(u64 used, u64 limit)
{
	return limit && used > limit;
}

static long tam_vma_charge(const struct vm_area_struct *vma)
{
	return (long)vma->vm_private_data;
}

static void tam_vma_set_charge(struct vm_area_struct *vma, long bytes)
{
	vma->vm_private_data = (void *)bytes;
}

static void tam_charge_reserved(struct tam_proc *proc, long bytes)
{
	atomic64_add(bytes, &proc->reserved);
	atomic64_add(bytes, &tam_counters.reserved);
}

/*
 * Bring the charges of @mm's VMAs up to date and keep them from growing in
 * place: a reserved cap is about to apply.  Under mmap_write_lock.
 */
static void tam_reserve_fix(struct mm_struct *mm)
{
	struct tam_proc *proc = tam_procs_find(mm);
	struct vm_area_struct *vma;
	struct tam_vma_iter it;
	long size;

	/* mmap_assert_write_locked() needs dump_mm(), not exported in 6.1. */
	lockdep_assert_held_write(&mm->mmap_lock);
	if (!proc)
		return;		/* no tamalloc VMA */
	for (vma = tam_vma_first(mm, &it); vma; vma = tam_vma_next(&it, vma)) {
		if (!tam_vma_is_ours(vma))
			continue;
		size = vma->vm_end - vma->vm_start;
		tam_charge_reserved(proc, size - tam_vma_charge(vma));
		tam_vma_set_charge(vma, size);
		tam_vm_flags_set(vma, VM_DONTEXPAND);
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
	int err = param_set_ullong(val, kp);

	if (err || !tam_max_reserved_bytes)
		return err;
	/* Processes that map after this see the cap and fix themselves. */
	return tam_procs_call_each_mm(tam_reserve_fix_locking, NULL, false);
}

static const struct kernel_param_ops tam_max_reserved_ops = {
	.set	= tam_set_max_reserved,
	.get	= param_get_ullong,
};

module_param_cb(max_reserved_bytes, &tam_max_reserved_ops,
		&tam_max_reserved_bytes, 0644);
MODULE_PARM_DESC(max_reserved_bytes,
		 "Cap on the size of all tamalloc mappings together, in bytes (0: none)");

/* mmap(): charge the new VMA, or fail with ENOMEM over a cap. */
int tam_reserve_mmap(struct vm_area_struct *vma)
{
	struct tam_proc *proc = tam_procs_find(vma->vm_mm);
	u64 sys_limit = READ_ONCE(tam_max_reserved_bytes);
	long size = vma->vm_end - vma->vm_start;
	u64 limit;

	if (WARN_ON_ONCE(!proc))
		return -ENOMEM;
	limit = READ_ONCE(proc->reserved_limit);
	if (tam_over(atomic64_read(&proc->reserved) + size, limit))
		return -ENOMEM;
	if (tam_over(atomic64_add_return(size, &tam_counters.reserved), sys_limit)) {
		atomic64_sub(size, &tam_counters.reserved);
		return -ENOMEM;
	}
	atomic64_add(size, &proc->reserved);
	tam_vma_set_charge(vma, size);
	if (limit || sys_limit)
		tam_vm_flags_set(vma, VM_DONTEXPAND);
	return 0;
}

/*
 * ->open: a split, a fork or an mremap() move.  After tam_procs_add_vma(),
 * so the entry exists.
 */
void tam_reserve_open(struct vm_area_struct *vma)
{
	struct vm_area_struct *old = find_vma(vma->vm_mm, vma->vm_start);
	long size = vma->vm_end - vma->vm_start;

	tam_vma_set_charge(vma, size);
	if (old && old != vma && tam_vma_is_ours(old) &&
	    old->vm_start <= vma->vm_start && old->vm_end >= vma->vm_end) {
		/* A split: @old still spans both pieces. */
		tam_vma_set_charge(old, tam_vma_charge(old) - size);
		return;
	}
	tam_charge_reserved(tam_procs_find(vma->vm_mm), size);
}

/* ->close: before tam_procs_remove_vma(). */
void tam_reserve_close(struct vm_area_struct *vma)
{
	tam_charge_reserved(tam_procs_find(vma->vm_mm), -tam_vma_charge(vma));
}

static u64 tam_sys_charged_pages(void)
{
	s64 pages = atomic64_read(&tam_counters.faults) +
		    atomic64_read(&tam_counters.charged_base);

	return max_t(s64, pages, 0);
}

/* Would one more page pass a resident cap?  Charges already include it. */
static bool tam_resident_over(struct tam_proc *proc, u64 extra)
{
	return tam_over((tam_proc_charged_pages(proc) + extra) << PAGE_SHIFT,
			READ_ONCE(proc->resident_limit)) ||
	       tam_over((tam_sys_charged_pages() + extra) << PAGE_SHIFT,
			READ_ONCE(tam_max_resident_bytes));
}

/* Measure another process, if its mmap_lock is free: the caller holds one. */
static int tam_remeasure_other(struct mm_struct *mm, void *faulting_mm)
{
	struct tam_measure m = {};

	if (mm != faulting_mm)
		tam_measure_mm(mm, &m, TAM_TRYLOCK);
	return 0;
}

/*
 * Measure what is charged to @mm (whose mmap_lock the caller holds) or, with
 * @others, to every process; a process busy now keeps its estimate.
 */
static void tam_remeasure(struct mm_struct *mm, bool others)
{
	struct tam_measure m = {};

	tam_measure_mm(mm, &m, TAM_LOCKED);
	if (others)
		tam_procs_call_each_mm(tam_remeasure_other, mm, true);
}

static vm_fault_t tam_charge_fault_slow(struct vm_fault *vmf,
					struct tam_proc *proc)
{
	struct mm_struct *mm = vmf->vma->vm_mm;

	tam_uncharge_fault(mm);
	if (!tam_fault_holds_mmap_lock(vmf))
		return tam_fault_retry_under_mmap_lock(vmf);

	tam_remeasure(mm, false);
	if (tam_resident_over(proc, 1)) {
		tam_remeasure(mm, true);
		if (tam_resident_over(proc, 1)) {
			pr_info_ratelimited("%s[%d]: resident cap reached, SIGBUS\n",
					    current->comm, task_pid_nr(current));
			return VM_FAULT_SIGBUS;
		}
	}
	atomic64_inc(&proc->faults);
	atomic64_inc(&tam_counters.faults);
	return 0;
}

/*
 * A fault is about to map a page: count it and charge the page, or refuse
 * with SIGBUS over a resident cap.  Returns 0 to go on.
 */
vm_fault_t tam_charge_fault(struct vm_fault *vmf)
{
	struct tam_proc *proc;

	/* The faulting VMA keeps the entry alive; RCU covers the lookup. */
	rcu_read_lock();
	proc = tam_procs_find(vmf->vma->vm_mm);
	rcu_read_unlock();
	if (WARN_ON_ONCE(!proc))
		return VM_FAULT_SIGBUS;

	atomic64_inc(&proc->faults);
	atomic64_inc(&tam_counters.faults);
	if (likely(!tam_resident_over(proc, 0)))
		return 0;
	return tam_charge_fault_slow(vmf, proc);
}

/* The fault tam_charge_fault() let through mapped nothing after all. */
void tam_uncharge_fault(struct mm_struct *mm)
{
	struct tam_proc *proc;

	rcu_read_lock();
	proc = tam_procs_find(mm);
	if (proc)
		atomic64_dec(&proc->faults);
	rcu_read_unlock();
	atomic64_dec(&tam_counters.faults);
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
	mmap_write_unlock(mm);
	return err;
}
