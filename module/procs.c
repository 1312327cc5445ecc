// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of processes that have tamalloc mappings or caps.
 *
 * A process here is an mm: threads share one.  An entry is created by mmap(),
 * by ->open() in a forked child, or by setting caps; it is counted up by every
 * ->open() and down by every ->close().  It goes when the mm has no tamalloc
 * VMA left and either has no caps or is exiting; an entry left with caps by a
 * process that exited without tamalloc mappings is reaped the next time an
 * entry is made.
 *
 * The fault path looks entries up under RCU; everything else takes
 * tam_procs_lock.
 */

#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/percpu_counter.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tamalloc.h>

#include "tamalloc.h"

#define TAM_PROCS_HASH_BITS	8

static DEFINE_HASHTABLE(tam_procs, TAM_PROCS_HASH_BITS);
static DEFINE_SPINLOCK(tam_procs_lock);

struct tam_counters tam_counters;

/*
 * Under tam_procs_lock or rcu_read_lock(), or from a context that keeps one
 * of the mm's tamalloc VMAs alive (its entry cannot go then).
 */
struct tam_proc *tam_procs_find(struct mm_struct *mm)
{
	struct tam_proc *proc;

	hash_for_each_possible_rcu(tam_procs, proc, node, (unsigned long)mm,
				   lockdep_is_held(&tam_procs_lock)) {
		if (proc->mm == mm)
			return proc;
	}
	return NULL;
}

/* The entry of a tamalloc VMA's mm, which the VMA keeps alive. */
struct tam_proc *tam_procs_of_vma(struct vm_area_struct *vma)
{
	struct tam_proc *proc;

	rcu_read_lock();
	proc = tam_procs_find(vma->vm_mm);
	rcu_read_unlock();
	return proc;
}

static s64 tam_proc_private_pages(struct tam_proc *proc)
{
	return atomic64_read(&proc->charged_base) +
	       atomic64_read(&proc->private_faults);
}

/* The pages charged to @proc: see struct tam_proc. */
u64 tam_proc_charged_pages(struct tam_proc *proc)
{
	return max_t(s64, tam_proc_private_pages(proc), 0) +
	       atomic64_read(&proc->object_pages);
}

static bool tam_proc_has_limits(const struct tam_proc *proc)
{
	return proc->reserved_limit || proc->resident_limit;
}

/* Unhash @proc; the caller drops the mm and frees it after unlocking. */
static void tam_proc_unhash(struct tam_proc *proc)
{
	lockdep_assert_held(&tam_procs_lock);
	hash_del_rcu(&proc->node);
	/* Its private charge leaves the system's with it; its faults stay. */
	percpu_counter_sub(&tam_counters.private_pages,
			   tam_proc_private_pages(proc));
	WARN_ON_ONCE(atomic64_read(&proc->reserved));
}

/* After tam_proc_unhash(), or for an entry never hashed. */
static void tam_proc_free(struct tam_proc *proc)
{
	tam_objects_disown(proc);
	mmdrop(proc->mm);
	kfree_rcu(proc, rcu);
}

/* Entries kept for their caps whose process has exited. */
static struct tam_proc *tam_procs_find_dead_locked(void)
{
	struct tam_proc *proc;
	unsigned int bkt;

	hash_for_each(tam_procs, bkt, proc, node) {
		if (!proc->vmas && !atomic_read(&proc->mm->mm_users))
			return proc;
	}
	return NULL;
}

static void tam_procs_reap(void)
{
	struct tam_proc *proc;

	for (;;) {
		spin_lock(&tam_procs_lock);
		proc = tam_procs_find_dead_locked();
		if (proc)
			tam_proc_unhash(proc);
		spin_unlock(&tam_procs_lock);
		if (!proc)
			return;
		tam_proc_free(proc);
	}
}

static struct tam_proc *tam_proc_alloc(struct mm_struct *mm, gfp_t gfp)
{
	struct tam_proc *proc = kzalloc(sizeof(*proc), gfp);

	if (proc) {
		mmgrab(mm);
		proc->mm = mm;
		spin_lock_init(&proc->objects_lock);
		INIT_LIST_HEAD(&proc->objects);
	}
	return proc;
}

/*
 * The entry of @mm, made from @fresh if there is none: a forked child
 * (@parent is the mm it was forked from) starts with its parent's caps and
 * private charge (the shared objects stay charged to their owners).  Returns
 * NULL if there is none and no @fresh.
 */
static struct tam_proc *tam_procs_get_locked(struct mm_struct *mm,
					     struct mm_struct *parent,
					     struct tam_proc **fresh)
{
	struct tam_proc *proc = tam_procs_find(mm), *from;
	u64 pages;

	if (proc || !*fresh)
		return proc;
	proc = *fresh;
	*fresh = NULL;
	from = parent && parent != mm ? tam_procs_find(parent) : NULL;
	if (from) {
		proc->reserved_limit = from->reserved_limit;
		proc->resident_limit = from->resident_limit;
		/* An upper bound of the pages the child's copy may have. */
		pages = max_t(s64, tam_proc_private_pages(from), 0);
		atomic64_set(&proc->charged_base, pages);
		percpu_counter_add(&tam_counters.private_pages, pages);
	}
	hash_add_rcu(tam_procs, &proc->node, (unsigned long)mm);
	return proc;
}

/* @parent: the mm a VMA is being copied from at fork, or NULL. */
int tam_procs_add_vma(struct mm_struct *mm, struct mm_struct *parent, gfp_t gfp)
{
	struct tam_proc *proc, *fresh = NULL;
	bool made = false;

	for (;;) {
		spin_lock(&tam_procs_lock);
		proc = tam_procs_get_locked(mm, parent, &fresh);
		if (proc)
			break;
		/* First mapping in this mm: allocate outside the lock. */
		spin_unlock(&tam_procs_lock);
		fresh = tam_proc_alloc(mm, gfp);
		if (!fresh)
			return -ENOMEM;
		made = true;
	}

	if (!proc->vmas++)
		atomic64_inc(&tam_counters.processes);
	atomic64_inc(&tam_counters.mappings);
	spin_unlock(&tam_procs_lock);

	if (fresh)
		tam_proc_free(fresh);
	else if (made)
		tam_procs_reap();
	return 0;
}

void tam_procs_remove_vma(struct mm_struct *mm)
{
	struct tam_proc *proc;

	spin_lock(&tam_procs_lock);
	proc = tam_procs_find(mm);
	if (WARN_ON_ONCE(!proc || !proc->vmas)) {
		spin_unlock(&tam_procs_lock);
		return;
	}
	atomic64_dec(&tam_counters.mappings);
	if (--proc->vmas) {
		spin_unlock(&tam_procs_lock);
		return;
	}
	atomic64_dec(&tam_counters.processes);
	/* Caps outlive the mappings, not the process (exit_mmap() is here). */
	/* Its objects went to whoever maps them still, each with its map. */
	if (tam_proc_has_limits(proc) && atomic_read(&mm->mm_users)) {
		spin_unlock(&tam_procs_lock);
		return;
	}
	tam_proc_unhash(proc);
	spin_unlock(&tam_procs_lock);
	tam_proc_free(proc);
}

/* Is @new a looser cap than @old?  0 is no cap at all. */
static bool tam_limit_raised(u64 old, u64 new)
{
	return old && (!new || new > old);
}

/*
 * Set @mm's caps.  Lowering is always allowed; raising one, or lifting it
 * (0), only if @may_raise.
 */
int tam_procs_set_limits(struct mm_struct *mm, u64 reserved, u64 resident,
			 bool may_raise)
{
	struct tam_proc *proc, *fresh = NULL, *gone = NULL;
	bool raise;
	int err = 0;

	for (;;) {
		spin_lock(&tam_procs_lock);
		proc = tam_procs_get_locked(mm, NULL, &fresh);
		if (proc)
			break;
		spin_unlock(&tam_procs_lock);
		/* Nothing to keep for a process that has no entry and no caps. */
		if (!reserved && !resident)
			return 0;
		fresh = tam_proc_alloc(mm, GFP_KERNEL_ACCOUNT);
		if (!fresh)
			return -ENOMEM;
	}

	raise = tam_limit_raised(proc->reserved_limit, reserved) ||
		tam_limit_raised(proc->resident_limit, resident);
	if (raise && !may_raise) {
		err = -EPERM;
	} else {
		WRITE_ONCE(proc->reserved_limit, reserved);
		WRITE_ONCE(proc->resident_limit, resident);
	}
	if (!proc->vmas && !tam_proc_has_limits(proc)) {
		tam_proc_unhash(proc);
		gone = proc;
	}
	spin_unlock(&tam_procs_lock);

	if (fresh)
		tam_proc_free(fresh);
	if (gone)
		tam_proc_free(gone);
	tam_procs_reap();
	return err;
}

/* A resident cap now applies to @mm: bring its objects' charges up to date. */
void tam_procs_sync_objects(struct mm_struct *mm)
{
	struct tam_proc *proc;

	spin_lock(&tam_procs_lock);
	proc = tam_procs_find(mm);
	if (proc)
		tam_objects_sync(proc);
	spin_unlock(&tam_procs_lock);
}

/*
 * @mm's counted figures and caps, into @st.  Under RCU, not tam_procs_lock:
 * the walk of its objects would hold every mmap() and fork() meanwhile.
 */
void tam_procs_get_proc(struct mm_struct *mm, struct tam_proc_stats *st)
{
	struct tam_proc *proc;

	rcu_read_lock();
	proc = tam_procs_find(mm);
	if (proc) {
		st->faults = atomic64_read(&proc->faults);
		st->reserved_limit = READ_ONCE(proc->reserved_limit);
		st->resident_limit = READ_ONCE(proc->resident_limit);
		tam_objects_pages(proc, &st->shared_bytes,
				  &st->shared_swap_bytes, &st->unpinned_bytes);
		st->shared_bytes <<= PAGE_SHIFT;
		st->shared_swap_bytes <<= PAGE_SHIFT;
		st->unpinned_bytes <<= PAGE_SHIFT;
		st->purged_bytes = atomic64_read(&proc->purged_pages) << PAGE_SHIFT;
		st->purges = atomic64_read(&proc->purges);
	}
	rcu_read_unlock();
}

bool tam_procs_has_mm(struct mm_struct *mm)
{
	struct tam_proc *proc;
	bool found;

	rcu_read_lock();
	proc = tam_procs_find(mm);
	found = proc && READ_ONCE(proc->vmas);
	rcu_read_unlock();
	return found;
}

/*
 * The private faults of @mm, and its refusals, for a measurement to start
 * from.  Refusals first: a fault gives its one back before it counts its
 * refusal (tam_charge_private()), so a fault whose one is read here but not
 * its return has its refusal still to come.
 */
void tam_procs_private_faults(struct mm_struct *mm, struct tam_faults_mark *mark)
{
	struct tam_proc *proc;

	*mark = (struct tam_faults_mark){ 0, 0 };
	rcu_read_lock();
	proc = tam_procs_find(mm);
	if (proc) {
		mark->refused = atomic64_read(&proc->private_refused);
		/* Pairs with the barrier in tam_charge_private(). */
		smp_rmb();
		mark->faults = atomic64_read(&proc->private_faults);
	}
	rcu_read_unlock();
}

/*
 * A measurement found @pages of private memory charged to @mm, from the
 * counts in @before.  Faults counted since may or may not be among @pages:
 * they stay charged.  A fault counted in @before but refused since is not
 * among @pages, and its return is not in @before: each refusal since adds
 * one back (a refused fault not in @before is then charged, harmlessly,
 * until the next measurement).  Every refusal of a fault in @before is
 * counted by now: the measurement waited for faults in flight.
 */
void tam_procs_set_charged(struct mm_struct *mm, u64 pages,
			   const struct tam_faults_mark *before)
{
	struct tam_proc *proc;
	s64 base;

	spin_lock(&tam_procs_lock);
	proc = tam_procs_find(mm);
	if (proc) {
		base = (s64)pages - (s64)before->faults +
		       (s64)(atomic64_read(&proc->private_refused) -
			     before->refused);
		percpu_counter_add(&tam_counters.private_pages,
				   base - atomic64_xchg(&proc->charged_base, base));
	}
	spin_unlock(&tam_procs_lock);
}

/* Record a measurement of @mm; returns its peak resident figure so far. */
u64 tam_procs_record(struct mm_struct *mm, const struct tam_measure *m)
{
	struct tam_proc *proc;
	u64 peak = m->resident;

	spin_lock(&tam_procs_lock);
	proc = tam_procs_find(mm);
	if (proc) {
		proc->last = *m;
		proc->peak_resident = max(proc->peak_resident, m->resident);
		peak = proc->peak_resident;
	}
	spin_unlock(&tam_procs_lock);
	return peak;
}

/* The last measurement of @mm into *@m; false if there was none. */
bool tam_procs_last(struct mm_struct *mm, struct tam_measure *m)
{
	struct tam_proc *proc;

	spin_lock(&tam_procs_lock);
	proc = tam_procs_find(mm);
	if (proc)
		*m = proc->last;
	spin_unlock(&tam_procs_lock);
	return proc;
}

/*
 * Take a reference (mmget) on every registered mm that has tamalloc mappings
 * and is still in use.  Returns a kvmalloc'd array, or NULL.
 */
static struct mm_struct **tam_procs_get_mms(unsigned int *nr)
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
		if (proc->vmas && mmget_not_zero(proc->mm))
			mms[n++] = proc->mm;
	}
	spin_unlock(&tam_procs_lock);
	*nr = n;
	return mms;
}

/*
 * Call @fn on every process that has tamalloc mappings, until it returns an
 * error, which is returned.  @fn runs without tam_procs_lock, since it may
 * take mmap_lock, which ranks above it (->close runs under mmap_lock); each
 * mm is held with mmget meanwhile.  The caller holds no mmap_lock: a last
 * reference may tear an mm down here.
 */
int tam_procs_call_each_mm(int (*fn)(struct mm_struct *mm, void *arg),
			   void *arg)
{
	struct mm_struct **mms;
	unsigned int i, nr;
	int err = 0;

	mms = tam_procs_get_mms(&nr);
	if (!mms)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (!err)
			err = fn(mms[i], arg);
		mmput(mms[i]);
	}
	kvfree(mms);
	return err;
}

int tam_procs_init(void)
{
	int err;

	err = percpu_counter_init(&tam_counters.private_pages, 0, GFP_KERNEL);
	if (err)
		return err;
	err = percpu_counter_init(&tam_counters.object_pages, 0, GFP_KERNEL);
	if (err)
		goto err_private;
	err = percpu_counter_init(&tam_counters.faults, 0, GFP_KERNEL);
	if (err)
		goto err_object;
	return 0;

err_object:
	percpu_counter_destroy(&tam_counters.object_pages);
err_private:
	percpu_counter_destroy(&tam_counters.private_pages);
	return err;
}

/*
 * Module unload: no mapping and no descriptor exists, so only entries kept
 * for caps are left.
 */
void tam_procs_exit(void)
{
	struct hlist_node *tmp;
	struct tam_proc *proc;
	unsigned int bkt;

	hash_for_each_safe(tam_procs, bkt, tmp, proc, node) {
		WARN_ON_ONCE(proc->vmas);
		hash_del(&proc->node);
		mmdrop(proc->mm);
		kfree(proc);
	}
	percpu_counter_destroy(&tam_counters.faults);
	percpu_counter_destroy(&tam_counters.object_pages);
	percpu_counter_destroy(&tam_counters.private_pages);
}
