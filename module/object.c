// SPDX-License-Identifier: GPL-2.0
/*
 * Shared objects: the memory behind each MAP_SHARED mmap() of /dev/tamalloc.
 *
 * As /dev/zero does (drivers/char/mem.c), every shared mmap() makes a new
 * shmem file the size of the mapping and installs it as the VMA's vm_file, so
 * the kernel manages the memory as it manages any shared anonymous memory:
 * pages are allocated zeroed on first touch, charged to the memory cgroup of
 * the process that touches them, swapped out under pressure, migrated and
 * compacted, and freed when the last mapping goes.  The files live on tmpfs
 * mounts of the module's own, one per huge page policy (as i915 keeps its
 * objects, gem/i915_gemfs.c), so an object can be backed by 2 MiB pages.
 *
 * The VMA gets the module's operations in place of shmem's: ->fault counts
 * the fault and checks the resident caps before handing it to shmem's, ->open
 * and ->close follow the VMAs for the registry and the reserved charges, and
 * NUMA policies go to shmem's.  ->map_pages maps nothing, so that every page
 * a process maps comes through ->fault (fault-around would map pages without
 * it).
 *
 * Pages of an object stay in it until they are given back (TAM_IOC_DISCARD,
 * MADV_REMOVE) or the last mapping of it goes, as for /dev/zero: unmapping a
 * part of a mapping does not free that part.  Shared VMAs cannot grow
 * (VM_DONTEXPAND, set by region.c: mremap() answers EFAULT, where
 * /dev/zero's would map past the object's end).  VM_DONTEXPAND
 * makes the VMA one mlock() and khugepaged skip (from 6.1): shmem memory
 * is swappable, and the pages khugepaged would add would come without a fault.
 *
 * Each object's pages are charged, for the resident caps, to one process: the
 * one that created it or, once that one no longer maps it, another that maps
 * it (if none does, the next to fault on it: none can but a call in flight).
 * Who maps an object is known exactly: each process's VMAs of it share one
 * struct tam_object_map (their vm_private_data), which goes with the last of
 * them.  The charge is the object's own count of its pages (in memory and
 * swapped out), shmem's: exact however many processes map the object and
 * whatever they unmap or MADV_DONTNEED.  It is read again on each capped
 * fault and discard, and for every object a refusal depends on before a
 * fault is refused (tam_objects_sync()), since MADV_REMOVE gives pages back
 * without telling us.
 */

#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/mempolicy.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sort.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tamalloc.h>

#include "compat.h"
#include "object.h"
#include "tamalloc.h"

/* Without it, shmem_file_setup() gives ramfs files, which hold pages for good. */
#if !IS_ENABLED(CONFIG_SHMEM)
#error "tamalloc keeps shared mappings in shmem: it needs CONFIG_SHMEM=y"
#endif

static const char * const tam_huge_names[TAM_HUGE_NR] = {
	[TAM_HUGE_NEVER]	= "never",
	[TAM_HUGE_ALWAYS]	= "always",
	[TAM_HUGE_WITHIN_SIZE]	= "within_size",
	[TAM_HUGE_ADVISE]	= "advise",
};

/*
 * advise: a touch costs one 4 KiB page, as with /dev/zero, unless the mapping
 * asks for huge pages (MADV_HUGEPAGE).
 */
static enum tam_huge tam_huge = TAM_HUGE_ADVISE;

/*
 * A mount per policy, made under the mutex when an object first needs it and
 * read without it from then on (every shared mmap() needs one).
 */
static struct vfsmount *tam_mnts[TAM_HUGE_NR];
static DEFINE_MUTEX(tam_mnts_mutex);

/*
 * shmem's operations for its unlinked files, which ours hand faults and NUMA
 * policies to.  shmem does not export them: they are taken from the first
 * VMA shmem sets up, before any VMA has ours.
 */
const struct vm_operations_struct *tam_shmem_vm_ops;
static const struct vm_operations_struct tam_object_vm_ops;

/*
 * Every object, for the system's figures: read under RCU (objects and shmem
 * inodes are freed after a grace period), changed under the lock.
 */
static LIST_HEAD(tam_objects);
static DEFINE_SPINLOCK(tam_objects_lock);

static int tam_huge_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(tam_huge_names, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(tam_huge, i);
	return 0;
}

static int tam_huge_get(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%s\n", tam_huge_names[READ_ONCE(tam_huge)]);
}

static const struct kernel_param_ops tam_huge_ops = {
	.set	= tam_huge_set,
	.get	= tam_huge_get,
};

module_param_cb(huge, &tam_huge_ops, NULL, 0644);
MODULE_PARM_DESC(huge,
		 "2 MiB pages for new shared mappings, as tmpfs's huge=: never, always, within_size, advise (default: advise)");

/*
 * The mount for @huge, made on first use.  A kernel without transparent huge
 * pages (or a CPU without them) refuses any huge= but "never": its objects
 * get 4 KiB pages whatever the policy.
 */
static struct vfsmount *tam_mount(enum tam_huge huge)
{
	struct file_system_type *type;
	struct vfsmount *mnt;
	char options[32];

	/* Pairs with the release below: a mount seen is a mount made. */
	mnt = smp_load_acquire(&tam_mnts[huge]);
	if (mnt)
		return mnt;
	mutex_lock(&tam_mnts_mutex);
	mnt = tam_mnts[huge];
	if (mnt)
		goto out;
	type = get_fs_type("tmpfs");
	if (!type) {
		mnt = ERR_PTR(-ENODEV);
		goto out;
	}
	/* A kernel-internal mount has no size or inode limit. */
	snprintf(options, sizeof(options), "huge=%s", tam_huge_names[huge]);
	mnt = vfs_kern_mount(type, SB_KERNMOUNT, type->name, options);
	if (IS_ERR(mnt) && huge != TAM_HUGE_NEVER)
		mnt = vfs_kern_mount(type, SB_KERNMOUNT, type->name, NULL);
	if (!IS_ERR(mnt))	/* made whole before anyone reads it unlocked */
		smp_store_release(&tam_mnts[huge], mnt);
out:
	mutex_unlock(&tam_mnts_mutex);
	return mnt;
}

bool tam_vma_is_object(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &tam_object_vm_ops;
}

static struct tam_object_map *tam_vma_map(const struct vm_area_struct *vma)
{
	return vma->vm_private_data;
}

static struct tam_object *tam_vma_object(const struct vm_area_struct *vma)
{
	return tam_vma_map(vma)->obj;
}

/* The pages the object holds, in memory and swapped out. */
long tam_object_pages(const struct tam_object *obj)
{
	return READ_ONCE(SHMEM_I(obj->inode)->alloced);
}

/*
 * Bring the charge of @obj to the pages it holds now and those reserved.
 * Under obj->lock.
 */
static void tam_object_recharge_locked(struct tam_object *obj)
{
	long delta = tam_object_pages(obj) + obj->reserved - obj->charged;
	struct tam_proc *owner;

	lockdep_assert_held(&obj->lock);
	if (!delta)
		return;
	obj->charged += delta;
	owner = rcu_dereference_protected(obj->owner, lockdep_is_held(&obj->lock));
	if (owner)
		atomic64_add(delta, &owner->object_pages);
	percpu_counter_add(&tam_counters.object_pages, delta);
}

/*
 * Faults, discards, MADV_REMOVE and, on 5.10, khugepaged change the pages an
 * object holds.  Its charge is brought up to date by each fault under a
 * resident cap (uncapped faults leave it: the fault path stays free of
 * shared writes), by each discard, and for all objects a cap is about to
 * apply to, when it is set (tam_objects_sync()).
 */
void tam_object_sync(struct tam_object *obj)
{
	if (READ_ONCE(obj->charged) ==
	    tam_object_pages(obj) + READ_ONCE(obj->reserved))
		return;
	spin_lock(&obj->lock);
	tam_object_recharge_locked(obj);
	spin_unlock(&obj->lock);
}

/* Charge (or, negative, give back) @pages a fault in flight may add. */
static void tam_object_reserve(struct tam_object *obj, long pages)
{
	spin_lock(&obj->lock);
	obj->reserved += pages;
	tam_object_recharge_locked(obj);
	spin_unlock(&obj->lock);
}

/*
 * Owners change under the owner's objects_lock, then the object's lock;
 * faults read the owner under RCU (entries are freed after a grace period).
 * @map is the new owner's map of @obj.
 */
static void tam_object_adopt_locked(struct tam_object *obj,
				    struct tam_object_map *map)
{
	struct tam_proc *proc = map->proc;

	rcu_assign_pointer(obj->owner, proc);
	obj->owner_map = map;
	list_add(&obj->owner_node, &proc->objects);
	atomic64_add(obj->charged, &proc->object_pages);
}

static void tam_object_adopt(struct tam_object *obj, struct tam_object_map *map)
{
	struct tam_proc *proc = map->proc;

	spin_lock(&proc->objects_lock);
	spin_lock(&obj->lock);
	if (!rcu_access_pointer(obj->owner))
		tam_object_adopt_locked(obj, map);
	spin_unlock(&obj->lock);
	spin_unlock(&proc->objects_lock);
}

/* Under @owner's objects_lock and the object's lock. */
static void tam_object_disown_locked(struct tam_object *obj,
				     struct tam_proc *owner)
{
	atomic64_sub(obj->charged, &owner->object_pages);
	list_del_init(&obj->owner_node);
	obj->owner_map = NULL;
	RCU_INIT_POINTER(obj->owner, NULL);
}

/*
 * @proc's entry is going: no object should be charged to it any more (each
 * was disowned with its map), but none may be left pointing at it either.
 */
void tam_objects_disown(struct tam_proc *proc)
{
	struct tam_object *obj, *tmp;

	spin_lock(&proc->objects_lock);
	list_for_each_entry_safe(obj, tmp, &proc->objects, owner_node) {
		spin_lock(&obj->lock);
		tam_object_disown_locked(obj, proc);
		spin_unlock(&obj->lock);
	}
	spin_unlock(&proc->objects_lock);
}

/*
 * @proc's map of @obj, with one VMA more, made if it has none.  Under the
 * mmap_lock of @proc's mm, held for writing: only that mm's VMAs come and go
 * in its map, and nobody else adds one for it.
 */
static struct tam_object_map *tam_object_map_get(struct tam_object *obj,
						 struct tam_proc *proc,
						 gfp_t gfp)
{
	struct tam_object_map *map;

	spin_lock(&obj->lock);
	list_for_each_entry(map, &obj->maps, node) {
		if (map->proc == proc) {
			map->vmas++;
			spin_unlock(&obj->lock);
			return map;
		}
	}
	spin_unlock(&obj->lock);

	map = kmalloc(sizeof(*map), gfp);
	if (!map)
		return NULL;
	map->obj = obj;
	map->proc = proc;
	map->vmas = 1;
	spin_lock(&obj->lock);
	list_add(&map->node, &obj->maps);
	spin_unlock(&obj->lock);
	return map;
}

/*
 * @obj has no owner: charge it to a process that maps it, if one does, even
 * past its cap (as a fork charges): a process that has every page of it in
 * its page tables may never fault on it again.  The maps are freed after a
 * grace period, so a map seen under the lock can be looked at without it;
 * it is taken only if it is still there once its process's lock is held.
 */
static void tam_object_hand_over(struct tam_object *obj)
{
	struct tam_object_map *map, *m;
	struct tam_proc *proc;
	bool done = false;

	rcu_read_lock();
	while (!done) {
		spin_lock(&obj->lock);
		map = list_first_entry_or_null(&obj->maps, struct tam_object_map,
					       node);
		done = !map || rcu_access_pointer(obj->owner);
		spin_unlock(&obj->lock);
		if (done)
			break;
		proc = map->proc;
		spin_lock(&proc->objects_lock);
		spin_lock(&obj->lock);
		list_for_each_entry(m, &obj->maps, node) {
			if (m != map || rcu_access_pointer(obj->owner))
				continue;
			tam_object_adopt_locked(obj, map);
			done = true;
			break;
		}
		spin_unlock(&obj->lock);
		spin_unlock(&proc->objects_lock);
	}
	rcu_read_unlock();
}

/*
 * One VMA of @map is gone.  With its last, the process no longer maps the
 * object: if it was charged with it, another process that maps it is.
 */
static void tam_object_map_put(struct tam_object_map *map)
{
	struct tam_object *obj = map->obj;
	struct tam_proc *proc = map->proc;
	bool gone, disowned = false;

	spin_lock(&proc->objects_lock);
	spin_lock(&obj->lock);
	gone = !--map->vmas;
	if (gone) {
		list_del(&map->node);
		disowned = obj->owner_map == map;
		if (disowned)
			tam_object_disown_locked(obj, proc);
	}
	spin_unlock(&obj->lock);
	spin_unlock(&proc->objects_lock);
	if (!gone)
		return;
	kfree_rcu(map, rcu);
	if (disowned)
		tam_object_hand_over(obj);
}

static void tam_object_add_pages(const struct tam_object *obj, u64 *in_memory,
				 u64 *swapped)
{
	struct shmem_inode_info *info = SHMEM_I(obj->inode);
	unsigned long held = READ_ONCE(info->alloced);
	unsigned long out = min(READ_ONCE(info->swapped), held);

	*in_memory += held - out;
	*swapped += out;
}

/*
 * The pages of the objects charged to @proc: in memory, swapped out, and in
 * their unpinned ranges (as held when counted, after the unpin).
 */
void tam_objects_pages(struct tam_proc *proc, u64 *in_memory, u64 *swapped,
		       u64 *unpinned)
{
	struct tam_object *obj;

	*in_memory = 0;
	*swapped = 0;
	*unpinned = 0;
	spin_lock(&proc->objects_lock);
	list_for_each_entry(obj, &proc->objects, owner_node) {
		tam_object_add_pages(obj, in_memory, swapped);
		*unpinned += atomic_long_read(&obj->unpinned_pages);
	}
	spin_unlock(&proc->objects_lock);
}

/* The pages of every object, in memory and swapped out; takes no lock. */
void tam_objects_sys_pages(u64 *in_memory, u64 *swapped)
{
	struct tam_object *obj;

	*in_memory = 0;
	*swapped = 0;
	rcu_read_lock();
	list_for_each_entry_rcu(obj, &tam_objects, node)
		tam_object_add_pages(obj, in_memory, swapped);
	rcu_read_unlock();
}

/*
 * Could this fault allocate a 2 MiB page, as its mount's policy decides it?
 * Then the caps must have room for one: the fault cannot be made to take a
 * smaller page.  shmem may choose one for a VMA a 2 MiB page does not fit in
 * (and map it by PTEs), so only the policy is asked.  (shmem_enabled's
 * "force", a testing setting, is not foreseen.)
 */
static unsigned long tam_object_fault_pages(struct vm_fault *vmf,
					    const struct tam_object *obj)
{
	unsigned long flags = vmf->vma->vm_flags;
	bool huge;

	switch (obj->huge) {
	case TAM_HUGE_ALWAYS:
	case TAM_HUGE_WITHIN_SIZE:
		huge = true;
		break;
	case TAM_HUGE_ADVISE:
		huge = flags & VM_HUGEPAGE;
		break;
	default:
		huge = false;
	}
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) || !huge ||
	    (flags & VM_NOHUGEPAGE))
		return 1;
	return HPAGE_PMD_NR;
}

/* Is the page at @vmf->pgoff in the object already (in memory or swap)? */
static bool tam_object_has_page(struct vm_fault *vmf)
{
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	bool found;

	rcu_read_lock();
	found = xa_load(&mapping->i_pages, vmf->pgoff);
	rcu_read_unlock();
	return found;
}

/*
 * The pages this fault may add are charged already (reserved): do they pass
 * a resident cap of the process charged with the object (@proc, if none is
 * yet)?  A fault that maps a page the object has adds nothing.
 */
static bool tam_object_over(struct vm_fault *vmf, struct tam_object *obj,
			    struct tam_proc *proc)
{
	struct tam_proc *owner;
	bool over;

	rcu_read_lock();
	owner = rcu_dereference(obj->owner) ?: proc;
	over = tam_resident_over(owner, 0);
	rcu_read_unlock();
	return over && !tam_object_has_page(vmf);
}

/*
 * Before a fault on @obj is refused: the faulting process's figures, and
 * those of the process charged with the object, brought up to date.
 */
static vm_fault_t tam_object_refresh(struct vm_fault *vmf,
				     struct tam_object *obj,
				     struct tam_proc *proc)
{
	struct tam_proc *owner;
	vm_fault_t ret;

	ret = tam_charges_refresh(vmf, proc);
	if (ret)
		return ret;
	rcu_read_lock();
	owner = rcu_dereference(obj->owner);
	if (owner && owner != proc)
		tam_objects_sync(owner);
	rcu_read_unlock();
	return 0;
}

void tam_object_get(struct tam_object *obj)
{
	refcount_inc(&obj->refs);
}

/* The last VMA is gone: the kernel releases the file, and its pages, next. */
void tam_object_put(struct tam_object *obj)
{
	struct file *device, *file;

	if (!refcount_dec_and_test(&obj->refs))
		return;
	/* Every map went with its VMAs, and the owner's with it. */
	WARN_ON_ONCE(!list_empty(&obj->maps) || rcu_access_pointer(obj->owner));
	tam_pins_release(obj);
	spin_lock(&tam_objects_lock);
	list_del_rcu(&obj->node);
	spin_unlock(&tam_objects_lock);
	percpu_counter_sub(&tam_counters.object_pages, obj->charged);
	file = obj->file;
	device = obj->device;
	/* Readers under RCU may still look at the inode: shmem frees it after a grace period. */
	kfree_rcu(obj, rcu);
	fput(file);
	/*
	 * The device file holds the module, whose code the VMAs run: its
	 * last fput() releases it later, from the kernel's own code.
	 */
	fput(device);
}

/*
 * A resident cap is about to apply to @proc (or, NULL, to everyone): bring
 * the charges of its objects (of every object) up to date.
 */
void tam_objects_sync(struct tam_proc *proc)
{
	struct tam_object *obj;

	if (proc) {
		spin_lock(&proc->objects_lock);
		list_for_each_entry(obj, &proc->objects, owner_node)
			tam_object_sync(obj);
		spin_unlock(&proc->objects_lock);
		return;
	}
	rcu_read_lock();
	list_for_each_entry_rcu(obj, &tam_objects, node) {
		if (!refcount_inc_not_zero(&obj->refs))
			continue;	/* on its way out */
		tam_object_sync(obj);
		tam_object_put(obj);
	}
	rcu_read_unlock();
}

/*
 * Count the fault and hand it to shmem, within the resident caps.  Under a
 * cap the pages the fault may add are reserved first, so that concurrent
 * faults see each other's, and the object is held meanwhile: shmem's fault
 * may drop the VMA's lock (VM_FAULT_RETRY), after which the VMA, and the
 * object with it, may go.
 */
static vm_fault_t tam_object_fault(struct vm_fault *vmf)
{
	struct tam_object_map *map = tam_vma_map(vmf->vma);
	struct tam_object *obj = map->obj;
	struct tam_proc *proc = map->proc, *owner;
	long reserved = 0;
	vm_fault_t ret;
	bool capped;

	/* A hole in a core dump, as for anonymous memory: it reads as zeros. */
	if (tam_fault_for_core_dump(vmf) && !tam_object_has_page(vmf))
		return VM_FAULT_SIGBUS;

	/* The owner, another process's entry perhaps, is read under RCU. */
	rcu_read_lock();
	owner = rcu_dereference(obj->owner);
	capped = READ_ONCE(tam_max_resident_bytes) ||
		 (owner && READ_ONCE(owner->resident_limit));
	rcu_read_unlock();
	if (!owner) {
		tam_object_adopt(obj, map);
		capped |= !!READ_ONCE(proc->resident_limit);
	}

	/* Without a cap the charge is not kept: tam_objects_sync() when one comes. */
	if (capped) {
		reserved = tam_object_fault_pages(vmf, obj);
		tam_object_reserve(obj, reserved);
		if (tam_object_over(vmf, obj, proc)) {
			tam_object_reserve(obj, -reserved);
			ret = tam_object_refresh(vmf, obj, proc);
			if (ret)
				return ret;
			tam_object_reserve(obj, reserved);
			if (tam_object_over(vmf, obj, proc)) {
				tam_object_reserve(obj, -reserved);
				/*
				 * The caps count unpinned memory: it goes
				 * first, that of the process charged (only
				 * compared: no need to hold it).
				 */
				owner = rcu_access_pointer(obj->owner) ?: proc;
				if (!tam_pins_purge_for_fault(vmf->vma->vm_mm,
							      owner,
							      tam_system_over(),
							      reserved))
					return tam_cap_refused();
				tam_object_reserve(obj, reserved);
				if (tam_object_over(vmf, obj, proc)) {
					tam_object_reserve(obj, -reserved);
					return tam_cap_refused();
				}
			}
		}
		tam_object_get(obj);
	}

	ret = tam_shmem_vm_ops->fault(vmf);
	/* A fault to be retried is counted when it is. */
	if (!(ret & (VM_FAULT_ERROR | VM_FAULT_RETRY))) {
		atomic64_inc(&proc->faults);
		percpu_counter_inc(&tam_counters.faults);
	}
	if (reserved) {
		tam_object_reserve(obj, -reserved);
		tam_object_put(obj);
	}
	return ret;
}

/*
 * A split or an mremap() move adds a VMA to its process's map of the
 * object; a fork, one to the child's.  open() cannot fail, hence
 * __GFP_NOFAIL for a child's map (a few dozen bytes).
 */
static void tam_object_open(struct vm_area_struct *vma)
{
	struct tam_object *obj = tam_vma_object(vma);

	refcount_inc(&obj->refs);
	tam_vma_open(vma);
	vma->vm_private_data = tam_object_map_get(obj, tam_procs_of_vma(vma),
						  GFP_KERNEL_ACCOUNT |
						  __GFP_NOFAIL);
}

static void tam_object_close(struct vm_area_struct *vma)
{
	struct tam_object *obj = tam_vma_object(vma);

	tam_object_map_put(tam_vma_map(vma));
	tam_private_close(vma);
	tam_object_put(obj);
}

/* Note shmem's operations, or check that @ops are the ones noted. */
static int tam_note_shmem_vm_ops(const struct vm_operations_struct *ops)
{
	const struct vm_operations_struct *noted;

	noted = cmpxchg(&tam_shmem_vm_ops, NULL, ops);
	if (WARN_ON_ONCE(noted && noted != ops))
		return -EINVAL;
	return 0;
}

#ifdef CONFIG_NUMA
static int tam_object_set_policy(struct vm_area_struct *vma,
				 struct mempolicy *new)
{
	return tam_shmem_vm_ops->set_policy(vma, new);
}
#endif

/*
 * shmem's operations, but for ->map_pages, which maps nothing so that every
 * page a process maps comes through ->fault (it is there since 6.7 faults
 * are tried under the VMA lock only for VMAs that have it), and but for
 * userfaultfd, which would map pages without ->fault (7.x finds what a VMA
 * supports in its ops; before, only shmem's own ops qualify).
 */
static const struct vm_operations_struct tam_object_vm_ops = {
	.open		= tam_object_open,
	.close		= tam_object_close,
	.fault		= tam_object_fault,
	.map_pages	= tam_map_nothing,
#ifdef CONFIG_NUMA
	.set_policy	= tam_object_set_policy,
	.get_policy	= tam_shmem_get_policy,
#endif
};

static struct tam_object *tam_object_alloc(struct file *file,
					   struct file *device,
					   enum tam_huge huge)
{
	struct tam_object *obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);

	if (!obj)
		return NULL;
	obj->file = file;
	obj->inode = file_inode(file);
	obj->device = get_file(device);
	obj->huge = huge;
	refcount_set(&obj->refs, 1);
	spin_lock_init(&obj->lock);
	INIT_LIST_HEAD(&obj->maps);
	tam_pins_init_object(obj);
	INIT_LIST_HEAD(&obj->owner_node);
	spin_lock(&tam_objects_lock);
	list_add_rcu(&obj->node, &tam_objects);
	spin_unlock(&tam_objects_lock);
	return obj;
}

/*
 * ->mmap of a MAP_SHARED mapping: a new shmem file the size of @vma, mapped
 * by shmem, then given our operations.  The registry entry exists already.
 * On failure @vma is as it came (its file, its private data), for the
 * kernel and region.c to undo the rest.
 */
int tam_object_mmap(struct vm_area_struct *vma)
{
	const struct vm_operations_struct *ops = vma->vm_ops;
	void *private_data = vma->vm_private_data;
	struct file *device = vma->vm_file;
	enum tam_huge huge = READ_ONCE(tam_huge);
	struct vfsmount *mnt = tam_mount(huge);
	struct tam_object_map *map;
	struct tam_object *obj;
	struct file *file;
	int err;

	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	file = tam_shmem_file_setup(mnt, "dev/tamalloc",
				    vma->vm_end - vma->vm_start);
	if (IS_ERR(file))
		return PTR_ERR(file);
	/* The object holds the file's first reference from here on. */
	obj = tam_object_alloc(file, device, huge);
	if (!obj) {
		fput(file);
		return -ENOMEM;
	}
	map = tam_object_map_get(obj, tam_procs_of_vma(vma), GFP_KERNEL_ACCOUNT);
	if (!map) {
		err = -ENOMEM;
		goto err_put;
	}

	/* As shmem_zero_setup() does; the VMA holds its own reference. */
	vma_set_file(vma, file);
	err = tam_vfs_mmap(file, vma);
	if (!err)
		err = tam_note_shmem_vm_ops(vma->vm_ops);
	if (err)
		goto err_restore;

	/*
	 * remap_file_pages() would map the file again with shmem's own ->mmap,
	 * past our fault handler, caps and figures; do_mmap() refuses a file
	 * not open for reading (EACCES).  No descriptor of it exists, faults
	 * go through the mapping, discard needs FMODE_WRITE only, and the
	 * release balances no read count for a file opened read-write; only
	 * /proc/PID/map_files shows the mode (-w).
	 */
	file->f_mode &= ~(FMODE_READ | FMODE_CAN_READ);

	tam_object_adopt(obj, map);
	vma->vm_private_data = map;
	vma->vm_ops = &tam_object_vm_ops;
	return 0;

err_restore:
	vma_set_file(vma, device);
	vma->vm_private_data = private_data;
	vma->vm_ops = ops;
	tam_object_map_put(map);
err_put:
	tam_object_put(obj);
	return err;
}

/*
 * Call @fn on the part of each object that [@start, @end) of @mm maps, as
 * madvise() walks a range: the range must be mapped (ENOMEM) by tamalloc
 * mappings (EINVAL) that are shared (@private_err otherwise) and may be
 * written (EACCES: the kernel makes a MAP_SHARED mapping of a file open
 * read-only VM_MAYSHARE without VM_SHARED); nothing is done unless all of it
 * is.  @fn gets pages
 * [@first, @last) of the object, held, and runs without mmap_lock, as
 * madvise_remove() punches its holes.
 */
int tam_objects_in_range(struct mm_struct *mm, unsigned long start,
			 unsigned long end, int private_err,
			 tam_object_range_fn fn, void *arg)
{
	struct vm_area_struct *vma;
	struct tam_object *obj;
	unsigned long addr, to;
	pgoff_t first;
	int err = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = vma_lookup(mm, addr);
		if (!vma)
			err = -ENOMEM;
		else if (!tam_vma_is_ours(vma))
			err = -EINVAL;
		else if (!(vma->vm_flags & VM_MAYSHARE))
			err = private_err;
		else if (!(vma->vm_flags & VM_SHARED))
			err = -EACCES;	/* MAP_SHARED of a read-only open */
		if (err)
			break;
	}
	mmap_read_unlock(mm);

	for (addr = start; !err && addr < end; addr = to) {
		if (mmap_read_lock_killable(mm))
			return -EINTR;
		vma = vma_lookup(mm, addr);
		if (!vma || !tam_vma_is_object(vma)) {
			/* Unmapped meanwhile: answer as madvise() would. */
			mmap_read_unlock(mm);
			return vma ? -EINVAL : -ENOMEM;
		}
		obj = tam_vma_object(vma);
		tam_object_get(obj);
		first = linear_page_index(vma, addr);
		to = min(end, vma->vm_end);
		mmap_read_unlock(mm);

		err = fn(obj, first, first + ((to - addr) >> PAGE_SHIFT), arg);
		tam_object_put(obj);
	}
	return err;
}

/*
 * Call @fn once on each object @mm maps, held.  With @locked
 * the caller holds mmap_lock; else it is taken to look, and @fn runs
 * without it.
 */
static int tam_object_cmp(const void *a, const void *b)
{
	const struct tam_object *x = *(struct tam_object * const *)a;
	const struct tam_object *y = *(struct tam_object * const *)b;

	return x < y ? -1 : x > y;
}

int tam_objects_of_mm(struct mm_struct *mm, bool locked,
		      void (*fn)(struct tam_object *obj, void *arg), void *arg)
{
	struct tam_object **objs;
	struct vm_area_struct *vma;
	struct tam_vma_iter it;
	unsigned long n = 0, i;

	if (!locked && mmap_read_lock_killable(mm))
		return -EINTR;
	for (vma = tam_vma_first(mm, &it); vma; vma = tam_vma_next(&it, vma))
		n += tam_vma_is_object(vma);
	objs = kvmalloc_array(max(n, 1UL), sizeof(*objs), GFP_KERNEL);
	if (!objs) {
		if (!locked)
			mmap_read_unlock(mm);
		return -ENOMEM;
	}
	n = 0;
	for (vma = tam_vma_first(mm, &it); vma; vma = tam_vma_next(&it, vma)) {
		if (!tam_vma_is_object(vma))
			continue;
		objs[n] = tam_vma_object(vma);
		tam_object_get(objs[n++]);
	}
	if (!locked)
		mmap_read_unlock(mm);
	/* An object split into many VMAs is done once. */
	sort(objs, n, sizeof(*objs), tam_object_cmp, NULL);
	for (i = 0; i < n; i++) {
		if (!i || objs[i] != objs[i - 1])
			fn(objs[i], arg);
		tam_object_put(objs[i]);
	}
	kvfree(objs);
	return 0;
}

/* TAM_IOC_DISCARD's work on one object: MADV_REMOVE's. */
static int tam_object_punch(struct tam_object *obj, pgoff_t first,
			    pgoff_t last, void *unused)
{
	int err = vfs_fallocate(obj->file,
				FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(loff_t)first << PAGE_SHIFT,
				(loff_t)(last - first) << PAGE_SHIFT);

	tam_object_sync(obj);
	return err;
}

/*
 * TAM_IOC_DISCARD: give the pages of [@start, @end) back, as MADV_REMOVE
 * does (for a private mapping, EACCES, as MADV_REMOVE answers).
 */
int tam_object_discard(struct mm_struct *mm, unsigned long start,
		       unsigned long end)
{
	return tam_objects_in_range(mm, start, end, -EACCES, tam_object_punch,
				    NULL);
}

/* The default policy's mount, so that mmap() seldom has to make one. */
int tam_object_init(void)
{
	struct vfsmount *mnt = tam_mount(READ_ONCE(tam_huge));

	return PTR_ERR_OR_ZERO(mnt);
}

void tam_object_exit(void)
{
	int i;

	/* No object is left: each held the module through its VMA's file. */
	for (i = 0; i < TAM_HUGE_NR; i++)
		if (tam_mnts[i])
			kern_unmount(tam_mnts[i]);
}
