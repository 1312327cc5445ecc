// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of processes that have tamalloc mappings.
 *
 * A process here is an mm: threads share one.  An entry lives exactly as long
 * as its mm has tamalloc VMAs, so the mm it points to is always alive (its
 * VMAs are closed in exit_mmap() before the mm is freed).  Entries are
 * created by mmap() and by ->open() in a forked child, counted up by every
 * ->open() and down by every ->close().
 *
 * The fault path looks entries up under RCU; everything else takes
 * tam_procs_lock.
 */

#include <linux/hashtable.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "tamalloc.h"

#define TAM_PROCS_HASH_BITS	8

struct tam_proc {
	struct hlist_node node;
	struct mm_struct *mm;
	unsigned long vmas;		/* under tam_procs_lock */
	u64 peak_resident;		/* under tam_procs_lock */
	atomic64_t faults;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(tam_procs, TAM_PROCS_HASH_BITS);
static DEFINE_SPINLOCK(tam_procs_lock);

struct tam_counters tam_counters;

/* Under tam_procs_lock or rcu_read_lock(). */
static struct tam_proc *tam_proc_find(struct mm_struct *mm)
{
	struct tam_proc *proc;

	hash_for_each_possible_rcu(tam_procs, proc, node, (unsigned long)mm,
				   lockdep_is_held(&tam_procs_lock)) {
		if (proc->mm == mm)
			return proc;
	}
	return NULL;
}

int tam_procs_add_vma(struct mm_struct *mm, gfp_t gfp)
{
	struct tam_proc *proc, *fresh = NULL;

	for (;;) {
		spin_lock(&tam_procs_lock);
		proc = tam_proc_find(mm);
		if (proc || fresh)
			break;
		/* First mapping in this mm: allocate outside the lock. */
		spin_unlock(&tam_procs_lock);
		fresh = kzalloc(sizeof(*fresh), gfp);
		if (!fresh)
			return -ENOMEM;
		fresh->mm = mm;
	}

	if (!proc) {
		proc = fresh;
		fresh = NULL;
		hash_add_rcu(tam_procs, &proc->node, (unsigned long)mm);
		atomic64_inc(&tam_counters.processes);
	}
	proc->vmas++;
	atomic64_inc(&tam_counters.mappings);
	spin_unlock(&tam_procs_lock);

	kfree(fresh);
	return 0;
}

void tam_procs_remove_vma(struct mm_struct *mm)
{
	struct tam_proc *proc;

	spin_lock(&tam_procs_lock);
	proc = tam_proc_find(mm);
	if (WARN_ON_ONCE(!proc)) {
		spin_unlock(&tam_procs_lock);
		return;
	}
	atomic64_dec(&tam_counters.mappings);
	if (--proc->vmas) {
		spin_unlock(&tam_procs_lock);
		return;
	}
	hash_del_rcu(&proc->node);
	atomic64_dec(&tam_counters.processes);
	spin_unlock(&tam_procs_lock);
	kfree_rcu(proc, rcu);
}

void tam_procs_count_fault(struct mm_struct *mm)
{
	struct tam_proc *proc;

	rcu_read_lock();
	proc = tam_proc_find(mm);
	if (proc)
		atomic64_inc(&proc->faults);
	rcu_read_unlock();
}

bool tam_procs_has_mm(struct mm_struct *mm)
{
	bool found;

	rcu_read_lock();
	found = tam_proc_find(mm);
	rcu_read_unlock();
	return found;
}

u64 tam_procs_faults(struct mm_struct *mm)
{
	struct tam_proc *proc;
	u64 faults = 0;

	rcu_read_lock();
	proc = tam_proc_find(mm);
	if (proc)
		faults = atomic64_read(&proc->faults);
	rcu_read_unlock();
	return faults;
}

/* Record a measured resident figure; returns the peak so far. */
u64 tam_procs_update_peak(struct mm_struct *mm, u64 resident)
{
	struct tam_proc *proc;
	u64 peak = resident;

	spin_lock(&tam_procs_lock);
	proc = tam_proc_find(mm);
	if (proc) {
		proc->peak_resident = max(proc->peak_resident, resident);
		peak = proc->peak_resident;
	}
	spin_unlock(&tam_procs_lock);
	return peak;
}

/*
 * Take a reference (mmget) on every registered mm that is still in use, so the
 * caller can measure them without holding the lock: measuring takes mmap_lock,
 * which ranks above tam_procs_lock (->close runs under it).  Returns a
 * kvmalloc'd array the caller mmput()s and kvfree()s, or NULL.
 */
struct mm_struct **tam_procs_get_mms(unsigned int *nr)
{
	struct mm_struct **mms = NULL;
	struct tam_proc *proc;
	unsigned int bkt, size, n;

	for (;;) {
		size = atomic64_read(&tam_counters.processes) + 8;
		mms = kvmalloc_array(size, sizeof(*mms), GFP_KERNEL);
		if (!mms)
			return NULL;

		n = 0;
		spin_lock(&tam_procs_lock);
		if (atomic64_read(&tam_counters.processes) <= size)
			break;
		spin_unlock(&tam_procs_lock);
		kvfree(mms);
	}

	hash_for_each(tam_procs, bkt, proc, node) {
		if (mmget_not_zero(proc->mm))
			mms[n++] = proc->mm;
	}
	spin_unlock(&tam_procs_lock);
	*nr = n;
	return mms;
}
