/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of the tamalloc module:
 *
 *   main.c    the misc device, its file operations and module set-up
 *   region.c  the memory object behind each mmap() and its fault handler
 *   procs.c   the registry of processes (mms) that have tamalloc mappings
 *   stats.c   measuring processes, and the ioctls
 */
#ifndef _TAM_TAMALLOC_H
#define _TAM_TAMALLOC_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/types.h>

/* region.c */
int tam_region_mmap(struct file *file, struct vm_area_struct *vma);
int tam_region_discard(struct mm_struct *mm, unsigned long start,
		       unsigned long end);
bool tam_vma_is_ours(const struct vm_area_struct *vma);
int tam_region_init(void);
void tam_region_exit(void);

/* procs.c */
int tam_procs_add_vma(struct mm_struct *mm, gfp_t gfp);
void tam_procs_remove_vma(struct mm_struct *mm);
void tam_procs_count_fault(struct mm_struct *mm);
u64 tam_procs_faults(struct mm_struct *mm);
u64 tam_procs_update_peak(struct mm_struct *mm, u64 resident);
struct mm_struct **tam_procs_get_mms(unsigned int *nr);
bool tam_procs_has_mm(struct mm_struct *mm);

/* Counters kept as things happen; reading any of them is O(1). */
struct tam_counters {
	atomic64_t faults;
	atomic64_t processes;
	atomic64_t mappings;
	atomic64_t shared_pages;
};

extern struct tam_counters tam_counters;

/* stats.c */
long tam_ioctl(unsigned int cmd, void __user *arg);

#endif /* _TAM_TAMALLOC_H */
