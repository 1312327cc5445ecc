// SPDX-License-Identifier: GPL-2.0
/*
 * Purgeable memory: ranges of shared objects that their processes have
 * unpinned (TAM_IOC_UNPIN), which the kernel takes back under memory pressure
 * before it swaps or OOM-kills, as Android's ashmem did up to 5.17.
 *
 * An object keeps its unpinned ranges in a list by offset.  Each range not
 * yet purged is also on the LRU of its priority: a list_lru, per memory cgroup
 * and NUMA node, so that a group at its memory.max gives up its own unpinned
 * memory, and only its own.  The shrinker purges whole ranges, the oldest of
 * the lowest priority first: their pages are truncated out of the object's
 * shmem file and read as zeros again.  TAM_IOC_PIN takes a range back and says
 * how many of its bytes were purged.
 *
 * Each object's mutex (pins_lock) guards its ranges: unpin, pin and purge
 * of the object hold it, and no lock is shared between objects.  Reclaim
 * takes a range off its LRU only if it can take that mutex without waiting
 * (under the LRU's lock, as binder's shrinker takes its locks), and purges
 * it only with __GFP_FS and the object's inode lock tried: a task that holds
 * either may be allocating, and so reclaiming.  Pin and unpin allocate the
 * ranges they need before they take the mutex, for the same reason: under
 * it, their reclaim could not purge that object.  The lock a fault holds
 * while it allocates is not among these.  An object's ranges go with it,
 * when nothing reaches them but the LRUs, whose walk takes an object only
 * if it can take a reference on it.
 *
 * The shrinker's objects are pages: it counts what the unpinned ranges of a
 * group and node held, and reclaim asks it for a share of them at each pass
 * (TAM_PURGE_SEEKS), more as pressure grows, and all of them before an OOM
 * kill.  What it frees counts as reclaim's progress.
 *
 * What a range holds is counted when the figures are read, or by a worker
 * a second after the unpin: an unpin and a pin cost the same however much
 * the range holds, and a range pinned again soon is never walked.
 */

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/list_lru.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/shmem_fs.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/tamalloc.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "compat.h"
#include "object.h"
#include "tamalloc.h"

/* [start, end) of an object's pages, unpinned. */
struct tam_unpinned {
	struct list_head lru;		/* on its priority's LRU, until purged */
	struct rb_node node;		/* in obj->unpinned, by offset */
	struct list_head count_link;	/* on obj->uncounted, until counted */
	struct tam_object *obj;
	pgoff_t start;
	pgoff_t end;
	unsigned long pages;		/* what the object held in it, once counted */
	unsigned int priority;
	bool counted;			/* pages is known (tam_pins_flush()) */
	bool purged;
};

/*
 * The first range of @obj that ends past @at, or NULL: ranges do not
 * overlap, so the tree, by start, is in the order of their ends too.
 */
static struct tam_unpinned *tam_unpinned_from(struct tam_object *obj,
					      pgoff_t at)
{
	struct rb_node *n = obj->unpinned.rb_node;
	struct tam_unpinned *r, *found = NULL;

	while (n) {
		r = rb_entry(n, struct tam_unpinned, node);
		if (r->end > at) {
			found = r;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return found;
}

static struct tam_unpinned *tam_unpinned_next(struct tam_unpinned *r)
{
	struct rb_node *n = rb_next(&r->node);

	return n ? rb_entry(n, struct tam_unpinned, node) : NULL;
}

static struct kmem_cache *tam_unpinned_cache;
static struct list_lru tam_unpinned_lrus[TAM_UNPIN_PRIORITIES];
static struct shrinker *tam_purge_shrinker;
/* Set once the LRUs exist: the shrinker is registered before them (compat.h). */
static bool tam_pins_ready;
/*
 * Objects with ranges not counted yet, counted when the figures are read
 * (tam_pins_flush()) or a while after the unpin, by a worker.  An object
 * leaves the list before it goes (tam_pins_release()).
 */
static LIST_HEAD(tam_count_pending);
static DEFINE_SPINLOCK(tam_count_lock);
static struct workqueue_struct *tam_count_wq;
static void tam_pins_count_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(tam_count_work, tam_pins_count_work);
/* Unpinned ranges not purged, counted or not. */
static atomic_long_t tam_unpinned_ranges;

/* How long a range waits to be counted, unless the figures are read. */
#define TAM_COUNT_DELAY		HZ
/* Pages of the page cache walked between two reschedules. */
#define TAM_COUNT_BATCH		4096

/*
 * In a walk of the page cache under RCU, every TAM_COUNT_BATCH entries @seen:
 * a chance to reschedule, the walk paused to go on where it stands.
 */
static void tam_walk_breathe(struct xa_state *xas, unsigned long *seen)
{
	if (++*seen % TAM_COUNT_BATCH)
		return;
	xas_pause(xas);
	rcu_read_unlock();
	cond_resched();
	rcu_read_lock();
}

/*
 * The pages @obj holds in [@start, @end), in memory or swapped out, from the
 * page cache's own entries (a large folio, or its swap entry, is one).
 * Sleeps, between batches.
 */
static unsigned long tam_object_pages_in(struct tam_object *obj, pgoff_t start,
					 pgoff_t end)
{
	XA_STATE(xas, &obj->inode->i_mapping->i_pages, start);
	unsigned long pages = 0, seen = 0;
	void *entry;

	rcu_read_lock();
	xas_for_each(&xas, entry, end - 1) {
		if (xas_retry(&xas, entry))
			continue;
		pages += tam_cache_entry_pages(&xas, start, end);
		tam_walk_breathe(&xas, &seen);
	}
	rcu_read_unlock();
	return pages;
}

/* Is a folio of @obj in [@start, @end) locked? */
static bool tam_object_locked_in(struct tam_object *obj, pgoff_t start,
				 pgoff_t end)
{
	XA_STATE(xas, &obj->inode->i_mapping->i_pages, start);
	unsigned long seen = 0;
	bool locked = false;
	void *entry;

	rcu_read_lock();
	xas_for_each(&xas, entry, end - 1) {
		if (xas_retry(&xas, entry) || xa_is_value(entry))
			continue;
		if (tam_cache_entry_locked(entry)) {
			locked = true;
			break;
		}
		tam_walk_breathe(&xas, &seen);
	}
	rcu_read_unlock();
	return locked;
}

/* Add (@sign 1) or take away (-1) what @r holds to the figures, if counted. */
static void tam_unpinned_count(struct tam_unpinned *r, long sign)
{
	if (!r->counted)
		return;
	atomic_long_add(sign * r->pages, &r->obj->unpinned_pages);
	atomic64_add(sign * r->pages, &tam_counters.unpinned_pages);
}

/* Count what @r holds.  Under obj->pins_lock. */
static void tam_unpinned_count_now(struct tam_unpinned *r)
{
	list_del_init(&r->count_link);
	WRITE_ONCE(r->pages, tam_object_pages_in(r->obj, r->start, r->end));
	/* Read beside the object's lock by the shrinker's count. */
	WRITE_ONCE(r->counted, true);
	tam_unpinned_count(r, 1);
}

/* @obj has ranges to count: the worker counts them soon, if no reader does. */
static void tam_pins_count_later(struct tam_object *obj)
{
	spin_lock(&tam_count_lock);
	if (list_empty(&obj->count_node))
		list_add_tail(&obj->count_node, &tam_count_pending);
	spin_unlock(&tam_count_lock);
	queue_delayed_work(tam_count_wq, &tam_count_work, TAM_COUNT_DELAY);
}

/* @r is new, or was split: count it later.  Under obj->pins_lock. */
static void tam_unpinned_count_soon(struct tam_unpinned *r)
{
	struct tam_object *obj = r->obj;

	tam_unpinned_count(r, -1);
	WRITE_ONCE(r->counted, false);
	if (list_empty(&r->count_link))
		list_add_tail(&r->count_link, &obj->uncounted);
	tam_pins_count_later(obj);
}

/* Count the ranges of @obj not counted yet.  Under obj->pins_lock. */
static void tam_object_count(struct tam_object *obj)
{
	struct tam_unpinned *r, *tmp;

	list_for_each_entry_safe(r, tmp, &obj->uncounted, count_link) {
		tam_unpinned_count_now(r);
		cond_resched();
	}
}

/*
 * Count the ranges of every object pending so far, object by object, and
 * let each go.  With @wait, for a reader of the figures, its lock is waited
 * for, killably (-EINTR: the rest stays pending); without, for the worker,
 * an object whose lock is taken stays pending for the next time.
 */
static int tam_pins_count_pending(bool wait)
{
	struct tam_object *obj;
	LIST_HEAD(batch);
	bool held;

	spin_lock(&tam_count_lock);
	list_splice_init(&tam_count_pending, &batch);
	spin_unlock(&tam_count_lock);
	for (;;) {
		spin_lock(&tam_count_lock);
		obj = list_first_entry_or_null(&batch, struct tam_object,
					       count_node);
		if (!obj) {
			spin_unlock(&tam_count_lock);
			return 0;
		}
		list_del_init(&obj->count_node);
		/* Listed, it is not released yet; going, it needs no count. */
		held = refcount_inc_not_zero(&obj->refs);
		spin_unlock(&tam_count_lock);
		if (!held)
			continue;
		if (wait ? mutex_lock_killable(&obj->pins_lock) :
			   !mutex_trylock(&obj->pins_lock)) {
			tam_pins_count_later(obj);
			tam_object_put(obj);
			if (!wait)
				continue;
			spin_lock(&tam_count_lock);
			list_splice(&batch, &tam_count_pending);
			spin_unlock(&tam_count_lock);
			return -EINTR;
		}
		tam_object_count(obj);
		mutex_unlock(&obj->pins_lock);
		tam_object_put(obj);
	}
}

/* Every range unpinned so far is counted in the figures (or -EINTR). */
int tam_pins_flush(void)
{
	return tam_pins_count_pending(true);
}

static void tam_pins_count_work(struct work_struct *work)
{
	tam_pins_count_pending(false);
}

/* One object @mm maps: its ranges, counted. */
static void tam_pins_count_mapped(struct tam_object *obj, void *arg)
{
	int *err = arg;

	if (*err || mutex_lock_killable(&obj->pins_lock)) {
		*err = -EINTR;
		return;
	}
	tam_object_count(obj);
	mutex_unlock(&obj->pins_lock);
}

/*
 * Every range of the objects @mm maps, unpinned so far, is counted in the
 * figures (or -EINTR): what a reader of that process's figures pays for,
 * as it pays for the walk of its page tables.
 */
int tam_pins_flush_mm(struct mm_struct *mm)
{
	int err = 0, ret;

	ret = tam_objects_of_mm(mm, false, tam_pins_count_mapped, &err);
	return ret ?: err;
}

void tam_pins_init_object(struct tam_object *obj)
{
	mutex_init(&obj->pins_lock);
	obj->unpinned = RB_ROOT;
	INIT_LIST_HEAD(&obj->uncounted);
	INIT_LIST_HEAD(&obj->count_node);
}

/*
 * Ranges a pin or unpin allocated before it took the object's lock, by
 * priority (each allocation made the lists of its LRU for the caller's
 * memory cgroup): an allocation under the lock could reclaim, and reclaim
 * could not purge that object meanwhile.  Linked by their lru heads.
 */
struct tam_spares {
	struct list_head ranges[TAM_UNPIN_PRIORITIES];
	unsigned int have[TAM_UNPIN_PRIORITIES];
};

static void tam_spares_init(struct tam_spares *sp)
{
	unsigned int prio;

	for (prio = 0; prio < TAM_UNPIN_PRIORITIES; prio++) {
		INIT_LIST_HEAD(&sp->ranges[prio]);
		sp->have[prio] = 0;
	}
}

/* Allocate, unlocked, up to @need[] of each priority. */
static int tam_spares_fill(struct tam_spares *sp, const unsigned int *need)
{
	struct tam_unpinned *r;
	unsigned int prio;

	for (prio = 0; prio < TAM_UNPIN_PRIORITIES; prio++)
		while (sp->have[prio] < need[prio]) {
			r = tam_kmem_cache_alloc_lru(tam_unpinned_cache,
						     &tam_unpinned_lrus[prio],
						     GFP_KERNEL_ACCOUNT);
			if (!r)
				return -ENOMEM;
			list_add(&r->lru, &sp->ranges[prio]);
			sp->have[prio]++;
		}
	return 0;
}

static bool tam_spares_cover(const struct tam_spares *sp,
			     const unsigned int *need)
{
	unsigned int prio;

	for (prio = 0; prio < TAM_UNPIN_PRIORITIES; prio++)
		if (sp->have[prio] < need[prio])
			return false;
	return true;
}

static void tam_spares_free(struct tam_spares *sp)
{
	struct tam_unpinned *r, *tmp;
	unsigned int prio;

	for (prio = 0; prio < TAM_UNPIN_PRIORITIES; prio++)
		list_for_each_entry_safe(r, tmp, &sp->ranges[prio], lru)
			kmem_cache_free(tam_unpinned_cache, r);
}

/* A new range [@start, @end) of @obj at @priority, from @sp. */
static struct tam_unpinned *tam_unpinned_alloc(struct tam_spares *sp,
					       struct tam_object *obj,
					       pgoff_t start, pgoff_t end,
					       unsigned int priority)
{
	struct tam_unpinned *r;

	r = list_first_entry(&sp->ranges[priority], struct tam_unpinned, lru);
	list_del_init(&r->lru);
	INIT_LIST_HEAD(&r->count_link);
	sp->have[priority]--;
	r->obj = obj;
	r->start = start;
	r->end = end;
	r->priority = priority;
	r->counted = false;
	r->purged = false;
	r->pages = 0;
	return r;
}

/* @r takes its place among the unpinned, and on its LRU unless purged. */
static void tam_unpinned_add(struct tam_unpinned *r)
{
	struct rb_node **link = &r->obj->unpinned.rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (r->start < rb_entry(parent, struct tam_unpinned, node)->start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&r->node, parent, link);
	rb_insert_color(&r->node, &r->obj->unpinned);
	if (r->purged)
		return;
	atomic_long_inc(&tam_unpinned_ranges);
	tam_unpinned_count_soon(r);
	tam_list_lru_add(&tam_unpinned_lrus[r->priority], &r->lru);
}

/* @r leaves its LRU and the figures, and goes (the caller unlinks it). */
static void tam_unpinned_free(struct tam_unpinned *r)
{
	list_del(&r->count_link);
	if (!r->purged) {
		tam_list_lru_del(&tam_unpinned_lrus[r->priority], &r->lru);
		tam_unpinned_count(r, -1);
		atomic_long_dec(&tam_unpinned_ranges);
	}
	kmem_cache_free(tam_unpinned_cache, r);
}

static void tam_unpinned_remove(struct tam_unpinned *r)
{
	rb_erase(&r->node, &r->obj->unpinned);
	tam_unpinned_free(r);
}

/*
 * Split the range of @obj that straddles @at, if one does, so that every
 * range lies on one side of it.  Under obj->pins_lock.
 */
static void tam_unpinned_split(struct tam_spares *sp, struct tam_object *obj,
			       pgoff_t at)
{
	struct tam_unpinned *r = tam_unpinned_from(obj, at), *tail;

	if (!r || r->start >= at)
		return;
	tail = tam_unpinned_alloc(sp, obj, at, r->end, r->priority);
	tail->purged = r->purged;
	WRITE_ONCE(r->end, at);
	if (!r->purged)
		tam_unpinned_count_soon(r);	/* both parts, again */
	tam_unpinned_add(tail);
}

/* Split the ranges of @obj so that each lies inside [@first, @last) or out. */
static void tam_unpinned_split_at(struct tam_spares *sp, struct tam_object *obj,
				  pgoff_t first, pgoff_t last)
{
	tam_unpinned_split(sp, obj, first);
	tam_unpinned_split(sp, obj, last);
}

/*
 * The ranges a pin (@unpin false) or an unpin at @prio of [@first, @last)
 * of @obj will make, by priority, into @need: one for each end that cuts a
 * range, and for an unpin one for each gap between the purged ranges it
 * keeps.  Under obj->pins_lock.
 */
static void tam_pins_needs(struct tam_object *obj, pgoff_t first, pgoff_t last,
			   bool unpin, unsigned int prio, unsigned int *need)
{
	struct tam_unpinned *r;
	pgoff_t pos;

	memset(need, 0, TAM_UNPIN_PRIORITIES * sizeof(*need));
	r = tam_unpinned_from(obj, first);
	if (r && r->start < first)
		need[r->priority]++;
	r = tam_unpinned_from(obj, last);
	if (r && r->start < last)
		need[r->priority]++;
	if (!unpin)
		return;
	/* The gaps the purged ranges that stay leave in [first, last). */
	pos = first;
	for (r = tam_unpinned_from(obj, first); r && r->start < last;
	     r = tam_unpinned_next(r)) {
		if (!r->purged)
			continue;
		need[prio] += max(r->start, first) > pos;
		pos = min(r->end, last);
		cond_resched();
	}
	need[prio] += pos < last;
}

/*
 * Take @obj's lock with the ranges a pin or unpin of [@first, @last) needs
 * allocated into @sp, which were allocated without it.  Returns 0 locked,
 * or an error unlocked.
 */
static int tam_pins_lock(struct tam_object *obj, pgoff_t first, pgoff_t last,
			 bool unpin, unsigned int prio, struct tam_spares *sp)
{
	unsigned int need[TAM_UNPIN_PRIORITIES];
	int err;

	for (;;) {
		if (mutex_lock_killable(&obj->pins_lock))
			return -EINTR;
		tam_pins_needs(obj, first, last, unpin, prio, need);
		if (tam_spares_cover(sp, need))
			return 0;
		/* The ranges may change meanwhile: count again after. */
		mutex_unlock(&obj->pins_lock);
		err = tam_spares_fill(sp, need);
		if (err)
			return err;
	}
}

/*
 * Take [@first, @last) of @obj out of the unpinned ranges; add to *@purged
 * the bytes of it that were purged.
 */
static int tam_object_pin(struct tam_object *obj, pgoff_t first, pgoff_t last,
			  void *purged)
{
	struct tam_unpinned *r, *next;
	struct tam_spares sp;
	int err;

	tam_spares_init(&sp);
	err = tam_pins_lock(obj, first, last, false, 0, &sp);
	if (err)
		goto out;
	tam_unpinned_split_at(&sp, obj, first, last);
	for (r = tam_unpinned_from(obj, first); r && r->start < last; r = next) {
		next = tam_unpinned_next(r);
		if (r->purged)
			*(u64 *)purged += (u64)(r->end - r->start) << PAGE_SHIFT;
		tam_unpinned_remove(r);
		cond_resched();
	}
	mutex_unlock(&obj->pins_lock);
out:
	tam_spares_free(&sp);
	return err;
}

/*
 * Unpin [@first, @last) of @obj at @priority: it goes to the young end of its
 * LRU, but for the parts purged already, which stay purged (their pages are
 * gone: PIN will say so).
 */
static int tam_object_unpin(struct tam_object *obj, pgoff_t first,
			    pgoff_t last, void *priority)
{
	unsigned int prio = *(unsigned int *)priority;
	struct tam_unpinned *r, *next, *fresh;
	struct tam_spares sp;
	pgoff_t pos = first;
	int err;

	tam_spares_init(&sp);
	err = tam_pins_lock(obj, first, last, true, prio, &sp);
	if (err)
		goto out;
	tam_unpinned_split_at(&sp, obj, first, last);
	for (r = tam_unpinned_from(obj, first); r && r->start < last; r = next) {
		next = tam_unpinned_next(r);
		if (!r->purged)
			tam_unpinned_remove(r);
		cond_resched();
	}

	/* Fill what is left of [first, last) between the purged ranges. */
	for (r = tam_unpinned_from(obj, first); pos < last; r = next) {
		next = r && r->start < last ? tam_unpinned_next(r) : NULL;
		if (!r || r->start > pos) {
			fresh = tam_unpinned_alloc(&sp, obj, pos,
						   r && r->start < last ?
						   r->start : last, prio);
			tam_unpinned_add(fresh);
		}
		if (!r || r->start >= last)
			break;
		pos = r->end;
		cond_resched();
	}
	mutex_unlock(&obj->pins_lock);
out:
	tam_spares_free(&sp);
	return err;
}

int tam_pins_unpin(struct mm_struct *mm, unsigned long start,
		   unsigned long end, unsigned int priority)
{
	return tam_objects_in_range(mm, start, end, -EINVAL, tam_object_unpin,
				    &priority);
}

int tam_pins_pin(struct mm_struct *mm, unsigned long start, unsigned long end,
		 u64 *purged_bytes)
{
	*purged_bytes = 0;
	return tam_objects_in_range(mm, start, end, -EINVAL, tam_object_pin,
				    purged_bytes);
}

/*
 * Purge @r, isolated from its LRU, with its object held: truncate its pages
 * out of the object.  Under obj->pins_lock.  Returns the pages it took back,
 * or -EBUSY if the object's inode was locked and @wait is false.
 */
static long tam_unpinned_purge(struct tam_unpinned *r, bool wait)
{
	struct tam_object *obj = r->obj;
	struct inode *inode = obj->inode;
	loff_t start = (loff_t)r->start << PAGE_SHIFT;
	loff_t len = (loff_t)(r->end - r->start) << PAGE_SHIFT;
	struct tam_proc *owner;
	unsigned long resident;
	long before, freed;

	if (wait)
		inode_lock(inode);
	else if (!inode_trylock(inode))
		return -EBUSY;
	/*
	 * shmem_truncate_range() waits for the folios it takes: a task that
	 * reclaims while it holds one of them locked (a migration of this
	 * object's pages, 5.10's khugepaged collapsing it) would wait for
	 * itself.  Without waiting, such a range is left for later.
	 */
	if (!wait && tam_object_locked_in(obj, r->start, r->end)) {
		inode_unlock(inode);
		return -EBUSY;
	}
	before = tam_object_pages(obj);
	resident = inode->i_mapping->nrpages;
	/* As shmem_fallocate() punches: unmap first, then truncate. */
	unmap_mapping_range(inode->i_mapping, start, len, 0);
	shmem_truncate_range(inode, start, start + len - 1);
	freed = clamp_t(long, before - tam_object_pages(obj), 0,
			r->end - r->start);
	inode_unlock(inode);

	r->purged = true;
	list_del_init(&r->count_link);	/* nothing left to count */
	tam_unpinned_count(r, -1);
	atomic_long_dec(&tam_unpinned_ranges);
	/* Reclaim's progress is memory: the pages that were in it. */
	tam_account_reclaimed(resident - min(resident,
					     READ_ONCE(inode->i_mapping->nrpages)));
	atomic64_add(freed, &tam_counters.purged_pages);
	atomic64_inc(&tam_counters.purges);
	rcu_read_lock();
	owner = rcu_dereference(obj->owner);
	if (owner) {
		atomic64_add(freed, &owner->purged_pages);
		atomic64_inc(&owner->purges);
	}
	rcu_read_unlock();
	tam_object_sync(obj);
	return freed;
}

/* The most ranges a call of tam_purge_lru() looks at. */
#define TAM_PURGE_VISITS	256
/* How many times a task's reclaim waits a tick for busy ranges. */
#define TAM_PURGE_WAITS		4

/* A walk of an LRU that takes the first range off it that is not busy. */
struct tam_purge_walk {
	struct list_head isolated;	/* the range, its object held and locked */
	bool busy;			/* it passed busy ones */
};

/*
 * Under the LRU's lock: take the first range that is not busy off it, with
 * its object held and locked (a walker holds one object's lock at a time).
 * A range whose object is busy (or going, its ranges with it) stays where
 * it is, in its turn.  Until an object's ranges have left the LRU, which
 * takes this lock, the object is not freed.
 */
static enum lru_status tam_purge_isolate(TAM_LIST_LRU_WALK_CB_ARGS)
{
	struct tam_unpinned *r = container_of(item, struct tam_unpinned, lru);
	struct tam_purge_walk *walk = cb_arg;
	struct tam_object *obj = r->obj;

	if (!list_empty(&walk->isolated))
		return LRU_SKIP;
	if (!mutex_trylock(&obj->pins_lock))
		goto busy;
	if (!refcount_inc_not_zero(&obj->refs)) {
		mutex_unlock(&obj->pins_lock);
		goto busy;
	}
	list_lru_isolate_move(list, item, &walk->isolated);
	return LRU_REMOVED;
busy:
	walk->busy = true;
	return LRU_SKIP;
}

/*
 * Purge @r, taken off its LRU; if it cannot be purged now it goes back.
 * Under obj->pins_lock.  Returns the pages purged, or -EBUSY.
 */
static long tam_unpinned_try_purge(struct tam_unpinned *r, bool wait)
{
	long freed = tam_unpinned_purge(r, wait);

	if (freed < 0)
		tam_list_lru_add(&tam_unpinned_lrus[r->priority], &r->lru);
	return freed;
}

/*
 * Purge the range a walk of an LRU isolated, if it did, and let its object
 * go.  Returns the pages purged (at least 1, a range's share of the count
 * when it held none), 0 if nothing was isolated, or -EBUSY.
 */
static long tam_purge_isolated(struct tam_purge_walk *walk)
{
	struct tam_unpinned *r;
	struct tam_object *obj;
	long pages;

	r = list_first_entry_or_null(&walk->isolated, struct tam_unpinned, lru);
	if (!r)
		return 0;
	list_del_init(&r->lru);
	obj = r->obj;
	pages = tam_unpinned_try_purge(r, false);
	mutex_unlock(&obj->pins_lock);
	/* May be the last reference: @r may go with its object. */
	tam_object_put(obj);
	return pages < 0 ? pages : max(pages, 1L);
}

/*
 * Purge the oldest ranges of @prio's LRU of @memcg and @nid (every group's
 * if @all) until @budget pages are freed, one range at a time (a range is
 * purged whole), passing over those whose object is busy.  Returns the
 * pages purged.
 */
static unsigned long tam_purge_lru(unsigned int prio, int nid,
				   struct mem_cgroup *memcg, bool all,
				   unsigned long budget, bool *busy)
{
	struct tam_purge_walk walk = { .isolated = LIST_HEAD_INIT(walk.isolated) };
	struct list_lru *lru = &tam_unpinned_lrus[prio];
	unsigned long freed = 0, tries, nr;
	long pages;

	/*
	 * Each walk looks at TAM_PURGE_VISITS ranges at most, from the
	 * oldest, past the busy ones; a call makes as many walks at most
	 * (those put back because their inode was busy go to the young end).
	 */
	tries = all ? list_lru_count_node(lru, nid) :
		      list_lru_count_one(lru, nid, memcg);
	tries = min_t(unsigned long, tries, TAM_PURGE_VISITS);
	while (freed < budget && tries--) {
		nr = TAM_PURGE_VISITS;
		walk.busy = false;
		if (all)
			list_lru_walk_node(lru, nid, tam_purge_isolate, &walk, &nr);
		else
			list_lru_walk_one(lru, nid, memcg, tam_purge_isolate,
					  &walk, &nr);
		pages = tam_purge_isolated(&walk);
		*busy |= walk.busy || pages < 0;
		if (pages > 0)
			freed += pages;
		else if (!pages)
			break;		/* none left, or all busy */
		cond_resched();
	}
	return freed;
}

/*
 * The cost of recreating a purged page, in reclaim's units: 1, half the
 * default (DEFAULT_SEEKS), since no I/O brings it back, so that reclaim
 * asks for twice the share of unpinned memory that it asks of other caches.
 * Not 0, which asks for half of it at every pass, however light the
 * pressure: a cache of 2 GiB in a 512 MiB VM (scripts/demo --purgeable)
 * kept 240 MiB resident and 69 % of hits with 0, 390 MiB and 74 % with 1.
 */
#define TAM_PURGE_SEEKS	1

/* How many of a list's ranges count_objects looks at to weigh them all. */
#define TAM_PURGE_COUNT_SAMPLE	256

struct tam_purge_weight {
	unsigned long pages;
	unsigned long ranges;
};

static enum lru_status tam_purge_weigh(TAM_LIST_LRU_WALK_CB_ARGS)
{
	struct tam_unpinned *r = container_of(item, struct tam_unpinned, lru);
	struct tam_purge_weight *w = cb_arg;
	unsigned long pages;

	/*
	 * Read beside the object's lock: a range is counted, or split,
	 * meanwhile (then weighed either way).  Not counted yet, a range
	 * weighs its size, but no more than its object holds.
	 */
	pages = READ_ONCE(r->counted) ? READ_ONCE(r->pages) :
		min_t(unsigned long, READ_ONCE(r->end) - r->start,
		      max(tam_object_pages(r->obj), 0L));
	w->pages += max(pages, 1UL);
	w->ranges++;
	return LRU_SKIP;
}

/*
 * The shrinker's objects are pages: the pages the unpinned ranges of @sc's
 * group and node held when counted (before, their size; at least one a
 * range), from
 * the oldest TAM_PURGE_COUNT_SAMPLE ranges of each list and their average
 * for the rest, so that counting stays cheap however many ranges there are.
 */
static unsigned long tam_purge_count(struct shrinker *shrinker,
				     struct shrink_control *sc)
{
	struct tam_purge_weight w;
	unsigned long pages = 0, ranges, nr;
	unsigned int prio;

	/* Pairs with the release in tam_pins_init(): the LRUs are made. */
	if (!smp_load_acquire(&tam_pins_ready))
		return 0;
	for (prio = 0; prio < TAM_UNPIN_PRIORITIES; prio++) {
		ranges = list_lru_count_one(&tam_unpinned_lrus[prio], sc->nid,
					    sc->memcg);
		if (!ranges)
			continue;
		w = (struct tam_purge_weight){ 0, 0 };
		nr = TAM_PURGE_COUNT_SAMPLE;
		list_lru_walk_one(&tam_unpinned_lrus[prio], sc->nid, sc->memcg,
				  tam_purge_weigh, &w, &nr);
		pages += w.ranges ? w.pages / w.ranges * max(ranges, w.ranges) :
			 ranges;
	}
	return pages ?: SHRINK_EMPTY;
}

/*
 * Purge at least sc->nr_to_scan pages, lowest priority first, whole ranges.
 */
static unsigned long tam_purge_scan(struct shrinker *shrinker,
				    struct shrink_control *sc)
{
	unsigned long freed = 0;
	unsigned int prio, waits;
	bool busy;

	/* As ashmem: a task reclaiming without __GFP_FS may hold fs locks. */
	/* The acquire pairs with the release in tam_pins_init(). */
	if (!(sc->gfp_mask & __GFP_FS) || !smp_load_acquire(&tam_pins_ready))
		return SHRINK_STOP;
	for (waits = 0;; waits++) {
		busy = false;
		for (prio = 0; prio < TAM_UNPIN_PRIORITIES &&
		     freed < sc->nr_to_scan; prio++)
			freed += tam_purge_lru(prio, sc->nid, sc->memcg, false,
					       sc->nr_to_scan - freed, &busy);
		/*
		 * Only busy ranges: kswapd purging them, a pin or a count
		 * holding their object a moment.  A task's own reclaim that
		 * gives up here ends in an OOM kill after a few tries, with
		 * unpinned memory left: it waits a little, a few times, but
		 * never for a lock, whose holder may be waiting for memory.
		 */
		if (freed || !busy || current_is_kswapd() ||
		    waits == TAM_PURGE_WAITS)
			break;
		schedule_timeout_uninterruptible(1);
	}
	/* Nothing to take now (all busy, or none left): leave it for later. */
	if (!freed)
		return SHRINK_STOP;
	/* A range is purged whole: what it freed past the request counts. */
	sc->nr_scanned = max(sc->nr_scanned, freed);
	return freed;
}

/*
 * Purge the unpinned ranges of @obj, by offset, until @budget pages are
 * freed (with @wait, waiting for its inode's lock; without, leaving the
 * ranges it cannot have).  Under obj->pins_lock.  Returns the pages purged.
 */
static u64 tam_object_purge(struct tam_object *obj, bool wait, u64 budget)
{
	struct tam_unpinned *r;
	u64 pages = 0;
	long freed;

	for (r = tam_unpinned_from(obj, 0); r; r = tam_unpinned_next(r)) {
		if (pages >= budget)
			break;
		if (r->purged)
			continue;
		tam_list_lru_del(&tam_unpinned_lrus[r->priority], &r->lru);
		freed = tam_unpinned_try_purge(r, wait);
		if (freed > 0)
			pages += freed;
	}
	return pages;
}

struct tam_purge_call {
	struct tam_proc *owner;	/* only objects charged to it, if set */
	bool wait;
	u64 budget;
	u64 pages;
};

/* One object @mm maps: its unpinned ranges, purged. */
static void tam_purge_mapped(struct tam_object *obj, void *arg)
{
	struct tam_purge_call *call = arg;

	if (call->pages >= call->budget)
		return;
	if (call->owner && rcu_access_pointer(obj->owner) != call->owner)
		return;
	if (call->wait) {
		if (mutex_lock_killable(&obj->pins_lock))
			return;
	} else if (!mutex_trylock(&obj->pins_lock)) {
		return;
	}
	call->pages += tam_object_purge(obj, call->wait,
					call->budget - call->pages);
	mutex_unlock(&obj->pins_lock);
}

/*
 * Unpinned ranges anywhere in the system, lowest priority first, the least
 * recently unpinned first, until @budget pages are freed.
 */
static u64 tam_purge_everywhere(u64 budget)
{
	unsigned int prio;
	bool busy = false;
	u64 pages = 0;
	int nid;

	for (prio = 0; prio < TAM_UNPIN_PRIORITIES; prio++)
		for_each_node(nid) {
			if (pages >= budget)
				return pages;
			pages += tam_purge_lru(prio, nid, NULL, true,
					       budget - pages, &busy);
			cond_resched();
		}
	return pages;
}

/*
 * TAM_IOC_PURGE: every unpinned range of the objects @mm maps, found from
 * its own mappings (no walk of anyone else's ranges), or with CAP_SYS_ADMIN
 * every one in the system, purged now.  Ranges that a pin or unpin holds at
 * that moment are left.
 */
int tam_pins_purge(struct mm_struct *mm, u64 *purged_bytes)
{
	struct tam_purge_call call = { .wait = true, .budget = U64_MAX };
	int err = 0;

	if (capable(CAP_SYS_ADMIN))
		call.pages = tam_purge_everywhere(U64_MAX);
	else
		err = tam_objects_of_mm(mm, false, tam_purge_mapped, &call);
	*purged_bytes = call.pages << PAGE_SHIFT;
	return err;
}

/*
 * A fault of @proc for @pages would pass a resident cap (limits.c), which
 * counts unpinned memory: unpinned memory goes before a refusal, as it goes
 * before an OOM kill.  Purges, until @pages are freed, the objects the
 * faulting @mm maps (its mmap_lock held) that are charged to @proc or, when
 * the system's cap is what refuses, the oldest unpinned ranges anywhere,
 * without waiting for a lock (a fault's caller may hold anything).  Returns
 * the pages purged.
 */
unsigned long tam_pins_purge_for_fault(struct mm_struct *mm,
				       struct tam_proc *proc, bool everyone,
				       unsigned long pages)
{
	struct tam_purge_call call = { .owner = proc, .budget = pages };

	if (!atomic_long_read(&tam_unpinned_ranges))
		return 0;
	if (everyone)
		return tam_purge_everywhere(pages);
	tam_objects_of_mm(mm, true, tam_purge_mapped, &call);
	return call.pages;
}

/*
 * @obj is going (its last reference): its ranges leave their LRUs and go.
 * No one else can reach them: pin, unpin and purge hold a reference.
 */
void tam_pins_release(struct tam_object *obj)
{
	struct tam_unpinned *r, *tmp;

	spin_lock(&tam_count_lock);
	list_del_init(&obj->count_node);
	spin_unlock(&tam_count_lock);
	rbtree_postorder_for_each_entry_safe(r, tmp, &obj->unpinned, node)
		tam_unpinned_free(r);
	obj->unpinned = RB_ROOT;
}

int tam_pins_init(void)
{
	unsigned int prio;
	int err;

	tam_unpinned_cache = KMEM_CACHE(tam_unpinned, SLAB_ACCOUNT);
	if (!tam_unpinned_cache)
		return -ENOMEM;
	tam_count_wq = alloc_workqueue("tamalloc-count", WQ_UNBOUND, 0);
	if (!tam_count_wq) {
		err = -ENOMEM;
		goto err_cache;
	}
	tam_purge_shrinker = tam_shrinker_alloc(tam_purge_count, tam_purge_scan,
						TAM_PURGE_SEEKS, "tamalloc-purge");
	if (IS_ERR(tam_purge_shrinker)) {
		err = PTR_ERR(tam_purge_shrinker);
		goto err_wq;
	}
	for (prio = 0; prio < TAM_UNPIN_PRIORITIES; prio++) {
		err = list_lru_init_memcg(&tam_unpinned_lrus[prio],
					  tam_purge_shrinker);
		if (err)
			goto err_lrus;
	}
	/* Pairs with the shrinker's acquire: it sees the LRUs made. */
	smp_store_release(&tam_pins_ready, true);
	tam_shrinker_register(tam_purge_shrinker);
	return 0;

err_lrus:
	while (prio--)
		list_lru_destroy(&tam_unpinned_lrus[prio]);
	tam_shrinker_free(tam_purge_shrinker);
err_wq:
	destroy_workqueue(tam_count_wq);
err_cache:
	kmem_cache_destroy(tam_unpinned_cache);
	return err;
}

/*
 * No object is left, and no range with it, but a count may still be
 * running its last lines after it let its object go.
 */
void tam_pins_exit(void)
{
	unsigned int prio;

	cancel_delayed_work_sync(&tam_count_work);
	destroy_workqueue(tam_count_wq);
	tam_shrinker_free(tam_purge_shrinker);
	for (prio = 0; prio < TAM_UNPIN_PRIORITIES; prio++)
		list_lru_destroy(&tam_unpinned_lrus[prio]);
	kmem_cache_destroy(tam_unpinned_cache);
}
