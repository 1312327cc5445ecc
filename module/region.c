// SPDX-License-Identifier: GPL-2.0
/*
 * The memory behind each mmap() of /dev/tamalloc.
 *
 * MAP_SHARED: every mmap() call makes a new object, as with /dev/zero: a file
 * on the module's internal pseudo filesystem, installed as the VMA's vm_file
 * (as shmem_zero_setup() does), holding an xarray of zeroed pages indexed by
 * page offset.  A page is allocated on first touch; the fault handler hands it
 * to the kernel's fault path (vmf->page) with a reference for the page tables,
 * so smaps Rss, the RSS counters and the OOM killer all see it.  Forked
 * children share the object; the kernel does not copy the PTEs of such a VMA
 * at fork, so a child faults the same pages in again.  The object's own
 * address_space lists the VMAs that map it, with their current offsets, so
 * when a VMA closes the pages no other VMA covers are freed at once: nothing
 * can reach them again, since no new mapping of the object can be made.  The
 * rest go when the last VMA drops the file.
 *
 * MAP_PRIVATE: the kernel, not the driver, owns private pages.  A write fault
 * on a private VMA with a ->fault handler goes through do_cow_fault(), which
 * copies whatever page ->fault returns into a new anonymous page charged to
 * the process and drops the driver's page; a read fault maps the returned
 * page read-only until a write copies it.  So for private VMAs ->fault returns
 * a zeroed page the module keeps for the purpose and allocates nothing: a
 * touched private page costs exactly one page (the kernel's copy), and fork,
 * mprotect and mremap behave as for any private mapping.  The driver never
 * sees a private copy again, so resident figures are measured from the page
 * tables (stats.c), the way smaps measures them, instead of being counted.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/xarray.h>
#include <linux/tamalloc.h>

#include "compat.h"
#include "tamalloc.h"

/*
 * A page mapped read-only by many PTEs holds one reference per PTE.  Past
 * this many, private read faults get a fresh zeroed page of their own rather
 * than push the shared zero page towards refcount overflow.
 */
#define TAM_ZERO_PAGE_MAX_REFS	BIT(30)

#define TAMALLOC_FS_MAGIC	0x74616d61	/* "tama" */

struct tam_region {
	struct xarray pages;
};

/*
 * One zero page per CPU: do_cow_fault() locks the page ->fault returns while
 * it copies, and a single page would serialise private faults across CPUs.
 */
static struct page **tam_zero_pages;
static struct vfsmount *tam_mnt;

static void tam_region_free_page(struct tam_region *region, pgoff_t index)
{
	struct page *page = xa_erase(&region->pages, index);

	if (page) {
		/* GUP users (O_DIRECT, io_uring) may still hold the page. */
		put_page(page);
		atomic64_dec(&tam_counters.shared_pages);
	}
}

static int tam_region_release(struct inode *inode, struct file *file)
{
	struct tam_region *region = file->private_data;
	unsigned long index;
	struct page *page;

	xa_for_each(&region->pages, index, page)
		tam_region_free_page(region, index);
	xa_destroy(&region->pages);
	kfree(region);
	return 0;
}

static const struct file_operations tam_region_fops = {
	.owner		= THIS_MODULE,
	.release	= tam_region_release,
};

static struct file *tam_region_create(void)
{
	struct tam_region *region;
	struct inode *inode;
	struct file *file;
	int err = -ENOMEM;

	region = kzalloc(sizeof(*region), GFP_KERNEL_ACCOUNT);
	if (!region)
		return ERR_PTR(-ENOMEM);
	xa_init(&region->pages);

	inode = alloc_anon_inode(tam_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		err = PTR_ERR(inode);
		goto err_free_region;
	}
	/*
	 * __fput() will drop a module reference for the file's f_op, which
	 * alloc_file_pseudo() does not take.  The caller's open /dev/tamalloc
	 * already holds one, so this cannot race with unloading.
	 */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, tam_mnt, "tamalloc", O_RDWR,
				 &tam_region_fops);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto err_module_put;
	}
	file->private_data = region;
	return file;

err_module_put:
	module_put(THIS_MODULE);
	iput(inode);
err_free_region:
	kfree(region);
	return ERR_PTR(err);
}

/* Is @index of the object mapped by any VMA still linked to it? */
static bool tam_region_index_mapped(struct address_space *mapping,
				    pgoff_t index)
{
	struct vm_area_struct *vma;
	struct rb_node *node;

	/*
	 * vma_interval_tree_foreach() is not exported; objects are mapped by
	 * few VMAs (one per process sharing it), so a walk of them all will do.
	 */
	for (node = rb_first_cached(&mapping->i_mmap); node; node = rb_next(node)) {
		vma = rb_entry(node, struct vm_area_struct, shared.rb);
		if (index >= vma->vm_pgoff && index < vma->vm_pgoff + vma_pages(vma))
			return true;
	}
	return false;
}

/*
 * @vma is closing and already unlinked from the object's address_space: free
 * the pages in its range that no remaining VMA maps.  If none remains, the
 * release of the file frees everything.
 */
static void tam_region_trim(struct vm_area_struct *vma)
{
	struct tam_region *region = vma->vm_file->private_data;
	struct address_space *mapping = vma->vm_file->f_mapping;
	unsigned long index;
	struct page *page;

	i_mmap_lock_read(mapping);
	if (mapping_mapped(mapping)) {
		xa_for_each_range(&region->pages, index, page, vma->vm_pgoff,
				  vma->vm_pgoff + vma_pages(vma) - 1) {
			if (!tam_region_index_mapped(mapping, index))
				tam_region_free_page(region, index);
		}
	}
	i_mmap_unlock_read(mapping);
}

/*
 * The page at @index of a shared object, allocated on first use, returned
 * locked and with a reference for the page tables.
 *
 * tam_region_discard() may take a page out of the object at any time.  The
 * lookup takes its reference speculatively, as the page cache does, and the
 * page is checked to still be the object's once locked: discard takes it out
 * of the xarray first and then waits on the page lock, so a fault that got
 * the page either sees it gone or has mapped it before discard zaps.
 */
static struct page *tam_region_page(struct tam_region *region, pgoff_t index)
{
	struct page *page, *old;

retry:
	rcu_read_lock();
	page = xa_load(&region->pages, index);
	if (page && !get_page_unless_zero(page)) {
		rcu_read_unlock();
		goto retry;
	}
	rcu_read_unlock();

	if (!page) {
		page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
		if (!page)
			return NULL;
		/*
		 * The page tables' reference is taken before the page is
		 * published: once in the xarray, a discard may take the
		 * object's reference away at once.
		 */
		get_page(page);
		/* Two threads may fault one offset: both must map one page. */
		old = xa_cmpxchg(&region->pages, index, NULL, page,
				 GFP_KERNEL_ACCOUNT);
		if (old) {
			put_page(page);
			put_page(page);
			if (xa_is_err(old))
				return NULL;
			goto retry;
		}
		atomic64_inc(&tam_counters.shared_pages);
	}

	lock_page(page);
	if (xa_load(&region->pages, index) != page) {
		unlock_page(page);
		put_page(page);
		goto retry;
	}
	return page;
}

/*
 * Take pages [first, last] out of a shared object and unmap them from every
 * process: the next touch anywhere faults in a fresh zeroed page.  Pages go
 * in batches: out of the xarray, unmapped, then released.
 */
static void tam_region_discard_pages(struct file *file, pgoff_t first,
				     pgoff_t last)
{
	struct tam_region *region = file->private_data;
	struct page *page, *batch[16];
	unsigned long index = first, batch_first = first;
	unsigned int i, n;

	do {
		n = 0;
		xa_for_each_range(&region->pages, index, page, index, last) {
			if (xa_cmpxchg(&region->pages, index, page, NULL, 0) != page)
				continue;
			/* Wait for a fault that found the page to map it. */
			lock_page(page);
			unlock_page(page);
			if (!n)
				batch_first = index;
			batch[n++] = page;
			if (n == ARRAY_SIZE(batch))
				break;
		}
		if (!n)
			break;
		/*
		 * even_cows: the object is mapped shared only, so there are no
		 * private copies to keep, and before 6.1 the zap would keep
		 * every page whose ->mapping is not the object's (ours have
		 * none) as if it were one.
		 */
		unmap_mapping_range(file->f_mapping,
				    (loff_t)batch_first << PAGE_SHIFT,
				    (loff_t)(index - batch_first + 1) << PAGE_SHIFT, 1);
		for (i = 0; i < n; i++)
			put_page(batch[i]);
		atomic64_sub(n, &tam_counters.shared_pages);
	} while (n == ARRAY_SIZE(batch) && index++ < last);
}

static struct page *tam_private_page(void)
{
	struct page *page = tam_zero_pages[raw_smp_processor_id()];

	if (page_ref_count(page) < TAM_ZERO_PAGE_MAX_REFS) {
		get_page(page);
		return page;
	}
	return alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
}

/* Hand @page to the kernel's fault path, or undo the charge if there is none. */
static vm_fault_t tam_fault_page(struct vm_fault *vmf, struct page *page,
				 vm_fault_t locked)
{
	if (!page) {
		tam_uncharge_fault(vmf->vma->vm_mm);
		return VM_FAULT_OOM;
	}
	vmf->page = page;
	return locked;
}

static vm_fault_t tam_shared_fault(struct vm_fault *vmf)
{
	struct tam_region *region = vmf->vma->vm_file->private_data;
	vm_fault_t ret = tam_charge_fault(vmf);

	if (ret)
		return ret;
	return tam_fault_page(vmf, tam_region_page(region, vmf->pgoff),
			      VM_FAULT_LOCKED);
}

static vm_fault_t tam_private_fault(struct vm_fault *vmf)
{
	vm_fault_t ret = tam_charge_fault(vmf);

	if (ret)
		return ret;
	return tam_fault_page(vmf, tam_private_page(), 0);
}

/*
 * ->open runs for the new VMA of a split, for the new VMA of an mremap move
 * and for each VMA a child inherits at fork (current is the parent then);
 * ->close runs for every VMA that goes away.  Every VMA is opened (or
 * mmapped) once and closed once, which is what the per-process registry and
 * the reserved charges count on.
 * open() cannot fail, hence __GFP_NOFAIL for the registry entry a forked
 * child needs (a few dozen bytes).
 */
static void tam_vma_open(struct vm_area_struct *vma)
{
	tam_procs_add_vma(vma->vm_mm, current->mm,
			  GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	tam_reserve_open(vma);
}

static void tam_private_close(struct vm_area_struct *vma)
{
	tam_reserve_close(vma);
	tam_procs_remove_vma(vma->vm_mm);
}

static void tam_shared_close(struct vm_area_struct *vma)
{
	tam_private_close(vma);
	tam_region_trim(vma);
}

/*
 * Since 6.7 a fault is first tried under the per-VMA lock only if the VMA's
 * ops have ->map_pages; without it every fault is retried under mmap_lock,
 * entering the fault path twice.  Fault-around is optional, so one that maps
 * nothing will do.
 */
static const struct vm_operations_struct tam_shared_vm_ops = {
	.open	= tam_vma_open,
	.close	= tam_shared_close,
	.fault	= tam_shared_fault,
	.map_pages = tam_map_nothing,
};

static const struct vm_operations_struct tam_private_vm_ops = {
	.open	= tam_vma_open,
	.close	= tam_private_close,
	.fault	= tam_private_fault,
	.map_pages = tam_map_nothing,
};

bool tam_vma_is_ours(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &tam_shared_vm_ops ||
	       vma->vm_ops == &tam_private_vm_ops;
}

/*
 * TAM_IOC_DISCARD: give the pages of [start, end) of the caller's MAP_SHARED
 * tamalloc mappings back to the kernel.  The whole range must be mapped by
 * such mappings (ENOMEM for a hole, EINVAL for other memory, as madvise()
 * answers); for MAP_PRIVATE ones, madvise(MADV_DONTNEED) does the same job.
 */
int tam_region_discard(struct mm_struct *mm, unsigned long start,
		       unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long addr, from, to;
	int err = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = vma_lookup(mm, addr);
		if (!vma) {
			err = -ENOMEM;
			goto out;
		}
		if (vma->vm_ops != &tam_shared_vm_ops) {
			err = -EINVAL;
			goto out;
		}
	}
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = vma_lookup(mm, addr);
		from = addr;
		to = min(end, vma->vm_end);
		tam_region_discard_pages(vma->vm_file,
					 linear_page_index(vma, from),
					 linear_page_index(vma, to - 1));
	}
out:
	mmap_read_unlock(mm);
	return err;
}

/*
 * Reserve address space only: nothing is allocated until a page is touched,
 * so a mapping may be far larger than memory.
 */
int tam_region_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct file *object;
	int err;

	/* Each mapping is an object of its own, starting at offset 0. */
	if (vma->vm_pgoff)
		return -EINVAL;

	err = tam_procs_add_vma(vma->vm_mm, NULL, GFP_KERNEL_ACCOUNT);
	if (err)
		return err;
	err = tam_reserve_mmap(vma);
	if (err)
		goto err_remove;

	if (!(vma->vm_flags & VM_SHARED)) {
		vma->vm_ops = &tam_private_vm_ops;
		return 0;
	}

	object = tam_region_create();
	if (IS_ERR(object)) {
		err = PTR_ERR(object);
		goto err_unreserve;
	}
	vma_set_file(vma, object);
	fput(object);		/* the VMA holds its own reference now */
	vma->vm_ops = &tam_shared_vm_ops;
	return 0;

err_unreserve:
	tam_reserve_close(vma);
err_remove:
	tam_procs_remove_vma(vma->vm_mm);
	return err;
}

/* /proc/PID/maps names shared objects after the device, as private ones are. */
static char *tam_region_dname(struct dentry *dentry, char *buffer, int buflen)
{
	static const char name[] = TAM_DEVICE_PATH;

	/* ->d_dname() builds the name at the end of @buffer. */
	if (buflen < (int)sizeof(name))
		return ERR_PTR(-ENAMETOOLONG);
	return memcpy(buffer + buflen - sizeof(name), name, sizeof(name));
}

static const struct dentry_operations tam_region_dops = {
	.d_dname	= tam_region_dname,
};

static int tam_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, TAMALLOC_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->dops = &tam_region_dops;
	return 0;
}

static struct file_system_type tam_fs_type = {
	.name			= "tamalloc",
	.init_fs_context	= tam_init_fs_context,
	.kill_sb		= kill_anon_super,
};

int tam_region_init(void)
{
	unsigned int cpu;

	tam_zero_pages = kcalloc(nr_cpu_ids, sizeof(*tam_zero_pages),
				 GFP_KERNEL);
	if (!tam_zero_pages)
		return -ENOMEM;

	for_each_possible_cpu(cpu) {
		tam_zero_pages[cpu] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!tam_zero_pages[cpu])
			goto err_free;
	}

	tam_mnt = kern_mount(&tam_fs_type);
	if (IS_ERR(tam_mnt)) {
		tam_mnt = NULL;
		goto err_free;
	}
	return 0;

err_free:
	tam_region_exit();
	return -ENOMEM;
}

void tam_region_exit(void)
{
	unsigned int cpu;

	if (tam_mnt)
		kern_unmount(tam_mnt);
	tam_mnt = NULL;

	for_each_possible_cpu(cpu) {
		/* put_page(): a pinned PTE-less user may still hold one. */
		if (tam_zero_pages[cpu])
			put_page(tam_zero_pages[cpu]);
	}
	kfree(tam_zero_pages);
	tam_zero_pages = NULL;
}
