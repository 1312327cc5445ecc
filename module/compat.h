/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels tamalloc builds for (6.1 to 6.12)
 * lives here.  Kbuild finds each feature in the kernel's headers (TAM_HAVE_*),
 * so a distribution's backport is picked up where a version check would not.
 */
#ifndef _TAM_COMPAT_H
#define _TAM_COMPAT_H

#include <linux/mm.h>

/* Since 6.3 drivers change vm_flags through vm_flags_set(). */
static inline void tam_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#ifdef TAM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * Since 6.4 a fault may hold the faulting VMA's lock only, not mmap_lock
 * (for file VMAs with ->map_pages, since 6.7).
 */
static inline bool tam_fault_holds_mmap_lock(const struct vm_fault *vmf)
{
#ifdef TAM_HAVE_FAULT_FLAG_VMA_LOCK
	return !(vmf->flags & FAULT_FLAG_VMA_LOCK);
#else
	return true;
#endif
}

/*
 * A fault under the VMA lock that needs mmap_lock drops the VMA lock and asks
 * to be retried: the kernel then retries it under mmap_lock.  Only called
 * when tam_fault_holds_mmap_lock() is false.
 */
static inline vm_fault_t tam_fault_retry_under_mmap_lock(struct vm_fault *vmf)
{
#ifdef TAM_HAVE_FAULT_FLAG_VMA_LOCK
	vma_end_read(vmf->vma);
	return VM_FAULT_RETRY;
#else
	WARN_ON_ONCE(1);
	return VM_FAULT_SIGBUS;
#endif
}

#endif /* _TAM_COMPAT_H */
