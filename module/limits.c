// SPDX-License-Identifier: GPL-2.0
/*
 * The caps on tamalloc memory: system-wide (module parameters) and per
 * process (TAM_IOC_SET_LIMITS), on reserved bytes and on touched pages.
 *
 * Reserved bytes are charged exactly: each private VMA records in
 * vm_private_data the bytes it has charged, so ->close gives back just that
 * (a shared one cannot grow, so its charge is its size).  A split calls
 * ->open on the new piece and shrinks the old one without a callback; the
 * old one is recognisable then, since it still spans the new piece, and hands
 * the new piece its part of the charge.  mremap() growth in place has no
 * callback at all, so private VMAs get VM_DONTEXPAND while a reserved cap
 * applies to them (mremap answers EFAULT; moving still works), and setting a cap first
 * brings the charges of existing VMAs up to date.  Over a reserved cap, mmap()
 * fails with ENOMEM; a fork or mremap() move, which cannot fail in ->open, is
 * charged even past it.
 *
 * Touched pages are charged as struct tam_proc says: private pages by the
 * fault handler, as an estimate that is never below the truth, and the pages
 * of shared objects exactly (object.c).  A fault that would pass a cap
 * measures the faulting process first and gets SIGBUS only if the cap is
 * still in the way.  No fault measures another process: what other processes
 * have unmapped since their last measurement stays charged to them.
 */

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/capability.h>

#include "compat.h"
#include "tamalloc.h"

unsigned long long tam_max_resident_bytes;

/* max_resident_bytes: shared objects' charges are kept only under a cap. */
static int tam_set_max_resident(const char *val, const struct kernel_param *kp)
{
	int err = param_set_ullong(val, kp);

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
		 "Cap on the tamalloc pages all processes have touched, in bytes (0: none)");

unsigned long long tam_max_reserved_bytes;

static bool tam_over(u64 used, u64 limit)
{
	return limit && used > limit;
}

/*
 * The bytes @vma has charged.  A shared VMA cannot grow (object.c), so its
 * charge is its size; a private one records it in vm_private_data.
 */
static long tam_vma_charge(const struct vm_area_struct *vma)
{
	if (tam_vma_is_object(vma))
		return vma->vm_end - vma->vm_start;
	return (long)vma->vm_private_data;
}

static void tam_vma_set_charge(struct vm_area_struct *vma, long bytes)
{
	if (!tam_vma_is_object(vma))
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
	return tam_procs_call_each_mm(tam_reserve_fix_locking, NULL);
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

/* Would @pages more pass @proc's or the system's resident cap? */
bool tam_resident_over(struct tam_proc *proc, u64 pages)
{
	return tam_over((tam_proc_charged_pages(proc) + pages) << PAGE_SHIFT,
			READ_ONCE(proc->resident_limit)) ||
	       tam_sys_resident_over(pages);
}

/*
 * @proc, the faulting process, would pass a resident cap with @pages more.
 * Its private estimate may be stale (struct tam_proc): measure its own
 * mappings, never another process's, and refuse with SIGBUS if the cap is
 * still in the way.  Like hugetlbfs with an empty pool, the faulting process
 * alone pays, never an OOM kill of someone else.
 */
vm_fault_t tam_charge_slow(struct vm_fault *vmf, struct tam_proc *proc,
			   unsigned long pages)
{
	struct tam_measure m = {};

	if (!tam_fault_holds_mmap_lock(vmf))
		return tam_fault_retry_under_mmap_lock(vmf);
	tam_measure_mm(vmf->vma->vm_mm, &m, TAM_LOCKED);
	if (!tam_resident_over(proc, pages))
		return 0;
	pr_info_ratelimited("%s[%d]: tamalloc resident cap reached, SIGBUS\n",
			    current->comm, task_pid_nr(current));
	return VM_FAULT_SIGBUS;
}

/* The faulting VMA keeps its mm's entry alive: no lock needed. */
static struct tam_proc *tam_fault_proc(struct vm_fault *vmf)
{
	struct tam_proc *proc;

	rcu_read_lock();
	proc = tam_procs_find(vmf->vma->vm_mm);
	rcu_read_unlock();
	return proc;
}

static void tam_charge_private(struct tam_proc *proc, long pages)
{
	atomic64_add(pages, &proc->faults);
	atomic64_add(pages, &proc->private_faults);
	percpu_counter_add(&tam_counters.private_pages, pages);
}

/*
 * A private fault is about to map a page: count it and charge the page, or
 * refuse with SIGBUS over a resident cap.  Returns 0 to go on.  The page is
 * charged before the caps are read, so that concurrent faults see it.
 */
vm_fault_t tam_charge_private_fault(struct vm_fault *vmf)
{
	struct tam_proc *proc = tam_fault_proc(vmf);
	vm_fault_t ret;

	if (WARN_ON_ONCE(!proc))
		return VM_FAULT_SIGBUS;
	tam_charge_private(proc, 1);
	if (likely(!tam_resident_over(proc, 0)))
		return 0;

	tam_charge_private(proc, -1);
	ret = tam_charge_slow(vmf, proc, 1);
	if (!ret)
		tam_charge_private(proc, 1);
	return ret;
}

/* The fault tam_charge_private_fault() let through mapped nothing after all. */
void tam_uncharge_private_fault(struct mm_struct *mm)
{
	struct tam_proc *proc;

	rcu_read_lock();
	proc = tam_procs_find(mm);
	if (proc)
		tam_charge_private(proc, -1);
	rcu_read_unlock();
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
