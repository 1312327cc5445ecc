// SPDX-License-Identifier: GPL-2.0
/*
 * The device's mmap(), and the memory behind MAP_PRIVATE mappings.
 *
 * A mapping reserves address space only: nothing is allocated until a page
 * is touched, so a mapping may be far larger than memory.  MAP_SHARED
 * mappings get an object of their own (object.c).
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

#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "compat.h"
#include "tamalloc.h"

/*
 * A page mapped read-only by many PTEs holds one reference per PTE.  Past
 * this many, private read faults get a fresh zeroed page of their own rather
 * than push the shared zero page towards refcount overflow.
 */
#define TAM_ZERO_PAGE_MAX_REFS	BIT(30)

/*
 * One zero page per CPU: do_cow_fault() locks the page ->fault returns while
 * it copies, and a single page would serialise private faults across CPUs.
 */
static struct page **tam_zero_pages;

static struct page *tam_private_page(void)
{
	struct page *page = tam_zero_pages[raw_smp_processor_id()];

	/*
	 * A zero page a memory error hit is not handed out again: the kernel
	 * would take a poisoned page returned locked for a page cache's.
	 */
	if (page_ref_count(page) < TAM_ZERO_PAGE_MAX_REFS && !PageHWPoison(page)) {
		get_page(page);
		return page;
	}
	return alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
}

/*
 * Wait for every private fault in flight to have mapped its page.  A fault
 * locks the zero page it hands out before charging it, and the kernel keeps
 * it locked until the page (or its copy) is in the page tables
 * (VM_FAULT_LOCKED: do_cow_fault() and do_read_fault() unlock it after
 * finish_fault(), which allocates nothing: __do_fault() gave it its page
 * table first).  So once each CPU's zero page has been locked and unlocked,
 * every fault charged before has mapped its page, and a walk of the page
 * tables sees it: a measurement never misses a fault it counted (stats.c).
 * The fresh pages of the fallbacks are not waited for: those faults come only
 * past 2^30 mappings of one CPU's zero page, or after a memory error on it.
 * With @nowait, a fault in flight makes it -EBUSY instead; else a fatal
 * signal makes it -EINTR.
 */
int tam_private_faults_drain(bool nowait)
{
	struct page *page;
	unsigned int cpu;

	/* The fault counts read before are ordered before the locks. */
	smp_mb();
	for_each_possible_cpu(cpu) {
		page = tam_zero_pages[cpu];
		if (nowait ? !trylock_page(page) : tam_lock_page_killable(page))
			return nowait ? -EBUSY : -EINTR;
		unlock_page(page);
	}
	return 0;
}

/*
 * A private fault: charge the page and hand the kernel a zeroed page to map
 * (or to copy, for a write), within the resident caps.  The page stays
 * locked from before its charge until the kernel has mapped it (see
 * tam_private_faults_drain()), but not while the faulting process is
 * measured (tam_charges_refresh()), which waits for every locked one.
 */
static vm_fault_t tam_private_fault(struct vm_fault *vmf)
{
	struct tam_proc *proc = tam_procs_of_vma(vmf->vma);
	struct page *page;
	vm_fault_t ret;

	if (WARN_ON_ONCE(!proc))
		return VM_FAULT_SIGBUS;
	if (tam_fault_for_core_dump(vmf))
		return VM_FAULT_SIGBUS;
	page = tam_private_page();
	if (!page)
		return VM_FAULT_OOM;
	lock_page(page);
	if (likely(tam_charge_private(proc)))
		goto mapped;

	unlock_page(page);
	ret = tam_charges_refresh(vmf, proc);
	if (!ret) {
		lock_page(page);
		if (tam_charge_private(proc))
			goto mapped;
		unlock_page(page);
		/* The caps count unpinned memory: it goes first. */
		if (tam_pins_purge_for_fault(vmf->vma->vm_mm, proc,
					     tam_system_over(), 1)) {
			lock_page(page);
			if (tam_charge_private(proc))
				goto mapped;
			unlock_page(page);
		}
		ret = tam_cap_refused();
	}
	put_page(page);
	return ret;

mapped:
	vmf->page = page;
	return VM_FAULT_LOCKED;
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
void tam_vma_open(struct vm_area_struct *vma)
{
	tam_procs_add_vma(vma->vm_mm, current->mm,
			  GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	tam_reserve_open(vma);
}

void tam_private_close(struct vm_area_struct *vma)
{
	tam_reserve_close(vma);
	tam_procs_remove_vma(vma->vm_mm);
}

/*
 * Since 6.7 a fault is first tried under the per-VMA lock only if the VMA's
 * ops have ->map_pages; without it every fault is retried under mmap_lock,
 * entering the fault path twice.  Fault-around is optional, so one that maps
 * nothing will do.
 */
static const struct vm_operations_struct tam_private_vm_ops = {
	.open	= tam_vma_open,
	.close	= tam_private_close,
	.fault	= tam_private_fault,
	.map_pages = tam_map_nothing,
};

bool tam_vma_is_ours(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &tam_private_vm_ops || tam_vma_is_object(vma);
}

/* Each mapping is an object of its own, starting at offset 0. */
int tam_region_mmap(struct file *file, struct vm_area_struct *vma)
{
	int err;

	if (vma->vm_pgoff)
		return -EINVAL;

	err = tam_procs_add_vma(vma->vm_mm, NULL, GFP_KERNEL_ACCOUNT);
	if (err)
		return err;
	/* An object has the size it was made with (object.c). */
	if (vma->vm_flags & VM_SHARED)
		tam_vm_flags_set(vma, VM_DONTEXPAND);
	err = tam_reserve_mmap(vma);
	if (err)
		goto err_remove;

	if (!(vma->vm_flags & VM_SHARED)) {
		vma->vm_ops = &tam_private_vm_ops;
		return 0;
	}
	err = tam_object_mmap(vma);
	if (err)
		goto err_unreserve;
	return 0;

err_unreserve:
	tam_reserve_close(vma);
err_remove:
	tam_procs_remove_vma(vma->vm_mm);
	return err;
}

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
	return 0;

err_free:
	tam_region_exit();
	return -ENOMEM;
}

void tam_region_exit(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		/* put_page(): a pinned PTE-less user may still hold one. */
		if (tam_zero_pages[cpu])
			put_page(tam_zero_pages[cpu]);
	}
	kfree(tam_zero_pages);
	tam_zero_pages = NULL;
}
