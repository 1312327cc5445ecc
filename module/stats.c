// SPDX-License-Identifier: GPL-2.0
/*
 * Measuring processes, and the ioctls: the stats, discarding a range, caps.
 *
 * Reserved and resident bytes are measured, not counted: the kernel zaps PTEs
 * (munmap of a part, MADV_DONTNEED, exit) and copies private pages (COW after
 * fork) without telling the driver, so the only exact figure is the one the
 * page tables give.  A measurement walks the process's tamalloc VMAs under
 * mmap_read_lock and counts present pages (walk.c), as /proc/PID/smaps does,
 * and its figures equal the Size and Rss smaps shows for those mappings, but
 * for the pages walk.c says it cannot see.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/pid.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <linux/tamalloc.h>

#include "compat.h"
#include "tamalloc.h"

/* Bigger structs than this are not an older or newer ABI but garbage. */
#define TAM_MAX_STRUCT_SIZE	PAGE_SIZE

static atomic64_t tam_peak_resident;

/*
 * The private pages to charge @mm for the caps, from a measurement that found
 * @present pages in its private tamalloc mappings of @private_pages pages:
 * what is in memory, and what may be swapped out, since a page read back
 * from swap takes no fault of ours.  Swap entries are counted for the whole
 * mm (per mapping there is no exported count), at most as many as the
 * private mappings could hold: never below the truth.
 */
static u64 tam_charge_pages(struct mm_struct *mm, unsigned long present,
			    unsigned long private_pages,
			    unsigned long swapped_before)
{
	/*
	 * A page swapped in or out while the walk ran is in the count before
	 * or in the count after, if the walk did not see it.
	 */
	unsigned long swapped = max(swapped_before,
				    get_mm_counter(mm, MM_SWAPENTS));

	return present + min(swapped, private_pages);
}

/*
 * Add @mm's tamalloc figures to @m, and reset the private pages charged to it
 * for the caps.  @lock says how to hold mmap_lock (enum tam_lock_mode).
 */
int tam_measure_mm(struct mm_struct *mm, struct tam_measure *m,
		   enum tam_lock_mode lock)
{
	unsigned long present = 0, private_present = 0, private_pages = 0;
	unsigned long swapped, *count;
	struct vm_area_struct *vma;
	struct tam_vma_iter it;
	struct tam_walk walk;
	bool all_seen = true;
	struct tam_faults_mark before;
	int err = 0;

	if (lock == TAM_LOCK && mmap_read_lock_killable(mm))
		return -EINTR;
	if (lock == TAM_TRYLOCK && !mmap_read_trylock(mm))
		return -EBUSY;
	tam_walk_init(&walk, mm);
	/*
	 * Every fault counted in @before has its page mapped after the
	 * drain.  A caller that may not wait for other processes (TAM_TRYLOCK)
	 * and finds a fault in flight measures without resetting the charge.
	 */
	tam_procs_private_faults(mm, &before);
	swapped = get_mm_counter(mm, MM_SWAPENTS);
	if (tam_private_faults_drain(lock == TAM_TRYLOCK))
		all_seen = false;
	for (vma = tam_vma_first(mm, &it); vma; vma = tam_vma_next(&it, vma)) {
		if (!tam_vma_is_ours(vma))
			continue;
		m->mappings++;
		m->reserved += vma->vm_end - vma->vm_start;
		count = &present;
		if (!tam_vma_is_object(vma)) {
			private_pages += vma_pages(vma);
			count = &private_present;
			/* The walk cannot see into it (walk.c): no figure to charge. */
			if (!(vma->vm_flags & VM_READ))
				all_seen = false;
		}
		err = tam_walk_count(&walk, vma->vm_start, vma->vm_end, count);
		if (err)
			break;
	}
	if (!err && all_seen)
		tam_procs_set_charged(mm, tam_charge_pages(mm, private_present,
							   private_pages, swapped),
				      &before);
	if (lock != TAM_LOCKED)
		mmap_read_unlock(mm);
	m->resident += (u64)(present + private_present) << PAGE_SHIFT;
	return err;
}

/*
 * Call @fn with task_lock() held on the first thread of @p that still has an
 * mm, the thread find_lock_task_mm() (not exported) would find: the group
 * leader may be a zombie while other threads run.  Returns what @fn returns,
 * or @none if no thread has an mm.
 */
static long tam_with_task_mm(struct task_struct *p,
			     long (*fn)(struct task_struct *t), long none)
{
	struct task_struct *t;
	long ret = none;

	rcu_read_lock();
	for_each_thread(p, t) {
		bool has_mm;

		task_lock(t);
		has_mm = t->mm;
		if (has_mm)
			ret = fn(t);
		task_unlock(t);
		if (has_mm)
			break;
	}
	rcu_read_unlock();
	return ret;
}

/*
 * The OOM killer's scale: RAM plus swap.  Total swap is not exported to
 * modules; free swap stands in for it, so figures are exact on a machine with
 * no swap in use.
 */
static unsigned long tam_oom_totalpages(void)
{
	return totalram_pages() + get_nr_swap_pages();
}

/* oom_badness() (not exported) for a task_lock()ed thread with an mm. */
static long tam_oom_badness_locked(struct task_struct *t)
{
	long points, adj = t->signal->oom_score_adj;

	if (adj == OOM_SCORE_ADJ_MIN ||
	    tam_mm_flag_test(MMF_OOM_SKIP, t->mm) || in_vfork(t))
		return LONG_MIN;
	points = tam_oom_rss_and_swap(t->mm) +
		 mm_pgtables_bytes(t->mm) / PAGE_SIZE;
	return points + adj * (long)(tam_oom_totalpages() / 1000);
}

/* The figure /proc/PID/oom_score shows, as proc_oom_score() computes it. */
static u64 tam_oom_score(struct task_struct *task)
{
	long badness;

	if (is_global_init(task) || (task->flags & PF_KTHREAD))
		return 0;
	badness = tam_with_task_mm(task, tam_oom_badness_locked, LONG_MIN);
	if (badness == LONG_MIN)
		return 0;
	return (1000 + badness * 1000 / (long)tam_oom_totalpages()) * 2 / 3;
}

/*
 * Does the caller have the credentials of @task (@uid and @gid match all of
 * its uids and gids), or @cap over its user namespace?
 */
static bool tam_creds_match(struct task_struct *task, kuid_t uid, kgid_t gid,
			    int cap)
{
	const struct cred *tcred;
	bool ok;

	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (uid_eq(uid, tcred->euid) && uid_eq(uid, tcred->suid) &&
	      uid_eq(uid, tcred->uid) && gid_eq(gid, tcred->egid) &&
	      gid_eq(gid, tcred->sgid) && gid_eq(gid, tcred->gid)) ||
	     ns_capable(tcred->user_ns, cap);
	rcu_read_unlock();
	return ok;
}

/*
 * The right /proc/PID/smaps asks for: PTRACE_MODE_READ_FSCREDS, as
 * __ptrace_may_access() decides it (ptrace_may_access() is not exported).
 * The LSM hook is not reachable from a module.
 */
static bool tam_may_read(struct task_struct *task)
{
	const struct cred *cred = current_cred();
	bool ok;

	if (same_thread_group(task, current))
		return true;
	if (!tam_creds_match(task, cred->fsuid, cred->fsgid, CAP_SYS_PTRACE))
		return false;

	/*
	 * A setuid process that is not dumpable is not readable either.  Its
	 * dumpability is read after its credentials, as __ptrace_may_access()
	 * reads them (pairs with commit_creds()).
	 */
	smp_rmb();
	task_lock(task);
	ok = tam_task_dumpable_or_capable(task);
	task_unlock(task);
	return ok;
}

/* The right prlimit() asks for, as check_prlimit_permission() decides it. */
static bool tam_may_limit(struct task_struct *task)
{
	const struct cred *cred = current_cred();

	return same_thread_group(task, current) ||
	       tam_creds_match(task, cred->uid, cred->gid, CAP_SYS_RESOURCE);
}

/* Read the size the caller's struct was compiled with. */
static int tam_get_size(void __user *arg, u64 ver0_size, u64 *usize)
{
	if (get_user(*usize, (u64 __user *)arg))
		return -EFAULT;
	if (*usize < ver0_size)
		return -EINVAL;
	if (*usize > TAM_MAX_STRUCT_SIZE)
		return -E2BIG;
	return 0;
}

/*
 * Copy an input-only struct of @ksize bytes: a caller's older struct must hold
 * at least version 0, a newer one zeroes past what we know (E2BIG).
 */
static int tam_get_input(void __user *arg, u64 ver0_size, void *kbuf,
			 size_t ksize)
{
	u64 usize;
	int err = tam_get_size(arg, ver0_size, &usize);

	if (err)
		return err;
	return copy_struct_from_user(kbuf, ksize, arg, usize);
}

/*
 * Copy a reply: the bytes both sides know, then zeroes for whatever the
 * caller's newer struct has beyond ours.  @kbuf starts with its size field.
 */
static int tam_put_reply(void __user *arg, u64 usize, void *kbuf, u64 ksize)
{
	u64 n = min(usize, ksize);

	*(u64 *)kbuf = n;
	if (copy_to_user(arg, kbuf, n))
		return -EFAULT;
	if (usize > ksize && clear_user(arg + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static struct task_struct *tam_get_task(pid_t nr)
{
	struct task_struct *task;
	struct pid *pid;

	if (!nr) {
		get_task_struct(current->group_leader);
		return current->group_leader;
	}
	pid = find_get_pid(nr);
	task = get_pid_task(pid, PIDTYPE_TGID);
	put_pid(pid);
	return task;
}

static long tam_mmget_locked(struct task_struct *t)
{
	if (t->flags & PF_KTHREAD)
		return 0;	/* a kernel thread borrowing an mm */
	mmget(t->mm);
	return (long)t->mm;
}

/*
 * @task's mm if @may allows the caller to reach it, else ERR_PTR(@denied);
 * NULL if the process is exiting.  The check and the reference are taken
 * under exec_update_lock, as mm_access() (not exported) takes them: an
 * execve() in between, of a setuid program say, cannot hand the caller an mm
 * it was not allowed.  The mm is any thread's: the group leader may be a
 * zombie while other threads run.
 */
static struct mm_struct *tam_mm_access(struct task_struct *task,
				       bool (*may)(struct task_struct *task),
				       int denied)
{
	struct mm_struct *mm;

	if (down_read_killable(&task->signal->exec_update_lock))
		return ERR_PTR(-EINTR);
	if (may(task))
		mm = (struct mm_struct *)tam_with_task_mm(task, tam_mmget_locked, 0);
	else
		mm = ERR_PTR(denied);
	up_read(&task->signal->exec_update_lock);
	return mm;
}

static int tam_fill_proc(struct task_struct *task, struct tam_proc_stats *st)
{
	struct tam_measure m = {};
	struct mm_struct *mm;
	int err = 0;

	mm = tam_mm_access(task, tam_may_read, -EACCES);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	st->pid = task_tgid_vnr(task);
	st->oom_score_adj = task->signal->oom_score_adj;
	st->oom_score = tam_oom_score(task);
	get_task_comm(st->comm, task);
	if (!mm)
		return 0;	/* exiting, or a kernel thread: nothing mapped */

	/* Its objects' unpinned ranges counted, as its page tables are walked. */
	err = tam_pins_flush_mm(mm) ?: tam_measure_mm(mm, &m, TAM_LOCK);
	if (!err) {
		st->reserved_bytes = m.reserved;
		st->resident_bytes = m.resident;
		st->mappings = m.mappings;
		st->peak_resident_bytes = tam_procs_record(mm, &m);
		tam_procs_get_proc(mm, st);
	}
	mmput(mm);
	return err;
}

static int tam_ioctl_proc_stats(void __user *arg)
{
	struct tam_proc_stats __user *uarg = arg;
	struct tam_proc_stats st = {};
	struct task_struct *task;
	u64 usize;
	s32 pid;
	int err;

	err = tam_get_size(arg, TAM_PROC_STATS_SIZE_VER0, &usize);
	if (err)
		return err;
	if (get_user(pid, &uarg->pid))
		return -EFAULT;
	if (pid < 0)
		return -EINVAL;

	task = tam_get_task(pid);
	if (!task)
		return -ESRCH;
	err = tam_fill_proc(task, &st);
	put_task_struct(task);
	if (err)
		return err;
	return tam_put_reply(arg, usize, &st, sizeof(st));
}

/* A system-wide measurement: every process's, and every shared object's. */
struct tam_sys_measure {
	struct tam_measure procs;
	u64 shared_pages;
	u64 shared_swap_pages;
	enum tam_lock_mode lock;	/* how to take each process's mmap_lock */
};

/*
 * Add one process's figures to a system-wide measurement: measured now or,
 * when its mmap_lock is busy and the caller may not wait for it, its last.
 */
static int tam_measure_one(struct mm_struct *mm, void *arg)
{
	struct tam_sys_measure *sys = arg;
	struct tam_measure m = {};
	int err;

	err = tam_measure_mm(mm, &m, sys->lock);
	if (err && err != -EBUSY)
		return err;
	if (!err)
		tam_procs_record(mm, &m);
	else if (!tam_procs_last(mm, &m))
		return 0;	/* busy, never measured: it counts from its first */
	sys->procs.reserved += m.reserved;
	sys->procs.resident += m.resident;
	sys->procs.mappings += m.mappings;
	return 0;
}

/*
 * The last system-wide measurement.  Measuring takes every tamalloc process's
 * mmap_lock, other users' too, and walks every shared object: a caller
 * without CAP_SYS_PTRACE gets a measurement at most TAM_SYS_MEASURE_EVERY
 * old, made by one such caller at a time, so that no loop of calls, however
 * many threads run it, makes the module do that more often.  Such a caller
 * never waits for another process's mmap_lock either (a process that holds
 * its own for long would stall every caller behind the mutex): a process
 * whose lock is busy counts with its last measured figures.  Nor for a
 * private fault in flight (tam_private_faults_drain()): such a process is
 * measured without its charge being reset.  The counters
 * are read fresh for everyone.
 */
#define TAM_SYS_MEASURE_EVERY	HZ

static DEFINE_MUTEX(tam_sys_mutex);
static struct tam_sys_measure tam_sys_last;
static unsigned long tam_sys_last_time;
static bool tam_sys_last_valid;

static int tam_sys_measure_now(struct tam_sys_measure *m)
{
	int err = tam_procs_call_each_mm(tam_measure_one, m);

	if (!err)
		tam_objects_sys_pages(&m->shared_pages, &m->shared_swap_pages);
	return err;
}

static int tam_sys_measure(struct tam_sys_measure *m)
{
	int err = 0;

	if (ns_capable_noaudit(&init_user_ns, CAP_SYS_PTRACE)) {
		m->lock = TAM_LOCK;
		/* Every unpinned range counted; for others, within a second. */
		return tam_pins_flush() ?: tam_sys_measure_now(m);
	}
	m->lock = TAM_TRYLOCK;

	if (mutex_lock_killable(&tam_sys_mutex))
		return -EINTR;
	if (!tam_sys_last_valid ||
	    time_after_eq(jiffies, tam_sys_last_time + TAM_SYS_MEASURE_EVERY)) {
		err = tam_sys_measure_now(m);
		if (!err) {
			tam_sys_last = *m;
			tam_sys_last_time = jiffies;
			tam_sys_last_valid = true;
		}
	} else {
		*m = tam_sys_last;
	}
	mutex_unlock(&tam_sys_mutex);
	return err;
}

static int tam_ioctl_sys_stats(void __user *arg)
{
	struct tam_sys_measure m = {};
	struct tam_sys_stats st = {};
	u64 usize, peak;
	int err;

	err = tam_get_size(arg, TAM_SYS_STATS_SIZE_VER0, &usize);
	if (err)
		return err;
	err = tam_sys_measure(&m);
	if (err)
		return err;

	peak = atomic64_read(&tam_peak_resident);
	while (m.procs.resident > peak &&
	       !atomic64_try_cmpxchg(&tam_peak_resident, &peak, m.procs.resident))
		;

	st.reserved_bytes = m.procs.reserved;
	st.resident_bytes = m.procs.resident;
	st.peak_resident_bytes = max(peak, m.procs.resident);
	st.faults = percpu_counter_sum_positive(&tam_counters.faults);
	st.processes = atomic64_read(&tam_counters.processes);
	st.mappings = atomic64_read(&tam_counters.mappings);
	st.shared_bytes = m.shared_pages << PAGE_SHIFT;
	st.shared_swap_bytes = m.shared_swap_pages << PAGE_SHIFT;
	st.reserved_limit = READ_ONCE(tam_max_reserved_bytes);
	st.resident_limit = READ_ONCE(tam_max_resident_bytes);
	st.unpinned_bytes = atomic64_read(&tam_counters.unpinned_pages) << PAGE_SHIFT;
	st.purged_bytes = atomic64_read(&tam_counters.purged_pages) << PAGE_SHIFT;
	st.purges = atomic64_read(&tam_counters.purges);
	return tam_put_reply(arg, usize, &st, sizeof(st));
}

static long tam_mm_is_registered_locked(struct task_struct *t)
{
	return tam_procs_has_mm(t->mm);
}

/*
 * The thread group ids of the processes with tamalloc mappings whose figures
 * the caller may read, as procfs with hidepid=invisible shows only the
 * processes the caller may read.
 */
static u32 tam_collect_pids(s32 *pids, u32 capacity)
{
	struct task_struct *p;
	u32 count = 0;
	pid_t nr;

	rcu_read_lock();
	for_each_process(p) {
		if (!tam_with_task_mm(p, tam_mm_is_registered_locked, false) ||
		    !tam_may_read(p))
			continue;
		nr = task_tgid_vnr(p);
		if (!nr)
			continue;	/* not in the caller's pid namespace */
		if (count < capacity)
			pids[count] = nr;
		count++;
	}
	rcu_read_unlock();
	return count;
}

static int tam_ioctl_list_pids(void __user *arg)
{
	struct tam_pid_list __user *uarg = arg;
	struct tam_pid_list list = {};
	u32 capacity, size, stored;
	s32 *pids;
	u64 usize;
	int err;

	err = tam_get_size(arg, TAM_PID_LIST_SIZE_VER0, &usize);
	if (err)
		return err;
	if (get_user(list.pids, &uarg->pids) ||
	    get_user(list.capacity, &uarg->capacity))
		return -EFAULT;

	/*
	 * A buffer for the processes there are, not for whatever capacity the
	 * caller claims; bigger if more came meanwhile.
	 */
	capacity = min_t(u32, list.capacity, PID_MAX_LIMIT);
	size = min_t(u32, capacity, atomic64_read(&tam_counters.processes) + 64);
	for (;;) {
		pids = kvcalloc(max(size, 1U), sizeof(*pids), GFP_KERNEL_ACCOUNT);
		if (!pids)
			return -ENOMEM;
		list.count = tam_collect_pids(pids, size);
		if (list.count <= size || size == capacity)
			break;
		kvfree(pids);
		size = min(list.count, capacity);
	}
	stored = min(list.count, size);
	err = copy_to_user(u64_to_user_ptr(list.pids), pids,
			   stored * sizeof(*pids)) ? -EFAULT : 0;
	kvfree(pids);
	if (err)
		return err;
	return tam_put_reply(arg, usize, &list, sizeof(list));
}

/* A range of the caller's address space: page aligned, not empty, no wrap. */
static bool tam_range_valid(u64 addr, u64 len)
{
	return len && PAGE_ALIGNED(addr) && PAGE_ALIGNED(len) &&
	       addr + len > addr && addr + len <= TASK_SIZE;
}

static int tam_ioctl_discard(void __user *arg)
{
	struct tam_range range;
	int err;

	err = tam_get_input(arg, TAM_RANGE_SIZE_VER0, &range, sizeof(range));
	if (err)
		return err;
	if (!tam_range_valid(range.addr, range.len))
		return -EINVAL;
	return tam_object_discard(current->mm, range.addr, range.addr + range.len);
}

/*
 * TAM_IOC_UNPIN and TAM_IOC_PIN.  The struct is read as an input (a newer
 * caller's unknown fields must be 0); PIN writes purged_bytes back into it.
 */
static int tam_ioctl_pin(void __user *arg, bool pin)
{
	struct tam_pin __user *uarg = arg;
	struct tam_pin req;
	u64 purged;
	int err;

	err = tam_get_input(arg, TAM_PIN_SIZE_VER0, &req, sizeof(req));
	if (err)
		return err;
	if (req.flags || req.priority >= (pin ? 1 : TAM_UNPIN_PRIORITIES) ||
	    !tam_range_valid(req.addr, req.len))
		return -EINVAL;
	if (!pin)
		return tam_pins_unpin(current->mm, req.addr, req.addr + req.len,
				      req.priority);
	/* Even after an error: what was purged of the part pinned is told. */
	err = tam_pins_pin(current->mm, req.addr, req.addr + req.len, &purged);
	if (put_user(purged, &uarg->purged_bytes))
		err = -EFAULT;
	return err;
}

static int tam_ioctl_purge(void __user *arg)
{
	struct tam_purge __user *uarg = arg;
	struct tam_purge req;
	u64 purged;
	int err;

	err = tam_get_input(arg, TAM_PURGE_SIZE_VER0, &req, sizeof(req));
	if (err)
		return err;
	if (req.flags || req.reserved)
		return -EINVAL;
	err = tam_pins_purge(current->mm, &purged);
	if (!err && put_user(purged, &uarg->purged_bytes))
		err = -EFAULT;
	return err;
}

/* TAM_IOC_VERSION: the module's version (MODULE_VERSION, main.c). */
static int tam_ioctl_version(void __user *arg)
{
	struct tam_version v = {};
	u64 usize;
	int err;

	err = tam_get_size(arg, TAM_VERSION_SIZE_VER0, &usize);
	if (err)
		return err;
	strscpy(v.module_version, TAM_MODULE_VERSION, sizeof(v.module_version));
	return tam_put_reply(arg, usize, &v, sizeof(v));
}

static int tam_ioctl_set_limits(void __user *arg)
{
	struct tam_limits lim;
	struct task_struct *task;
	struct mm_struct *mm;
	int err;

	err = tam_get_input(arg, TAM_LIMITS_SIZE_VER0, &lim, sizeof(lim));
	if (err)
		return err;
	if (lim.flags || lim.pid < 0)
		return -EINVAL;

	task = tam_get_task(lim.pid);
	if (!task)
		return -ESRCH;
	mm = tam_mm_access(task, tam_may_limit, -EPERM);
	if (IS_ERR_OR_NULL(mm)) {
		err = mm ? PTR_ERR(mm) : -ESRCH;	/* exiting: nothing to cap */
		goto out;
	}
	err = tam_limits_set(mm, lim.reserved_limit, lim.resident_limit);
	mmput(mm);
out:
	put_task_struct(task);
	return err;
}

long tam_ioctl(unsigned int cmd, void __user *arg)
{
	switch (cmd) {
	case TAM_IOC_PROC_STATS:
		return tam_ioctl_proc_stats(arg);
	case TAM_IOC_SYS_STATS:
		return tam_ioctl_sys_stats(arg);
	case TAM_IOC_LIST_PIDS:
		return tam_ioctl_list_pids(arg);
	case TAM_IOC_DISCARD:
		return tam_ioctl_discard(arg);
	case TAM_IOC_SET_LIMITS:
		return tam_ioctl_set_limits(arg);
	case TAM_IOC_UNPIN:
		return tam_ioctl_pin(arg, false);
	case TAM_IOC_PIN:
		return tam_ioctl_pin(arg, true);
	case TAM_IOC_PURGE:
		return tam_ioctl_purge(arg);
	case TAM_IOC_VERSION:
		return tam_ioctl_version(arg);
	default:
		return -ENOTTY;
	}
}
