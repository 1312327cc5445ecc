/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A shared object (object.c), as the parts that work on objects see it:
 * object.c, which makes them and handles their faults, and pins.c, which
 * purges their unpinned ranges.
 */
#ifndef _TAM_OBJECT_H
#define _TAM_OBJECT_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct tam_proc;
struct tam_object_map;

/* The tmpfs huge= policies, in the order of their mount option's names. */
enum tam_huge { TAM_HUGE_NEVER, TAM_HUGE_ALWAYS, TAM_HUGE_WITHIN_SIZE,
		TAM_HUGE_ADVISE, TAM_HUGE_NR };

struct tam_object {
	struct file *file;		/* the shmem file, held while we live */
	struct inode *inode;		/* its inode */
	struct file *device;		/* the /dev/tamalloc file it was made from */
	enum tam_huge huge;		/* the policy of its mount */
	refcount_t refs;		/* the VMAs that map it, and calls in flight */
	spinlock_t lock;		/* charged, reserved, maps; owner's changes */
	struct list_head maps;		/* struct tam_object_map, one per process */
	struct tam_object_map *owner_map; /* the owner's, under lock */
	struct tam_proc __rcu *owner;	/* charged with its pages, or NULL */
	struct list_head owner_node;	/* on owner->objects */
	long charged;			/* pages charged: held + reserved */
	long reserved;			/* pages faults in flight may add */
	struct mutex pins_lock;		/* its unpinned ranges (pins.c) */
	struct rb_root unpinned;	/* struct tam_unpinned by offset */
	struct list_head uncounted;	/* those not counted yet */
	struct list_head count_node;	/* pending a count (pins.c) */
	atomic_long_t unpinned_pages;	/* what those held, once counted */
	struct list_head node;		/* on tam_objects, RCU */
	struct rcu_head rcu;
};

/*
 * The VMAs of one process that map one object: the vm_private_data of each.
 * Its process's registry entry lives at least as long (it counts the VMAs).
 */
struct tam_object_map {
	struct tam_object *obj;
	struct tam_proc *proc;
	unsigned long vmas;		/* under obj->lock */
	struct list_head node;		/* on obj->maps, under obj->lock */
	struct rcu_head rcu;
};

/* object.c */
void tam_object_get(struct tam_object *obj);
void tam_object_put(struct tam_object *obj);
long tam_object_pages(const struct tam_object *obj);
void tam_object_sync(struct tam_object *obj);

/* pins.c */
void tam_pins_init_object(struct tam_object *obj);
/* The object's unpinned ranges go with it (no lock: nothing else reaches it). */
void tam_pins_release(struct tam_object *obj);

#endif /* _TAM_OBJECT_H */
