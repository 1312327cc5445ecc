// SPDX-License-Identifier: GPL-2.0
/*
 * Counting the pages a process has in memory in a range of its address
 * space, as /proc/PID/smaps counts its Rss: from the page tables.
 *
 * hmm_range_fault() is the walker the kernel exports to modules on every
 * kernel from 5.10 to 7.3.  Without HMM_PFN_REQ_FAULT it faults nothing in
 * and allocates no page table: a hole costs time, never memory, so a huge
 * untouched reservation can be measured.  (apply_to_existing_page_range(),
 * used before, is not exported from 7.x, and from 6.14 it fails with EINVAL
 * on page tables freed under the read lock.)
 *
 * hmm_range_fault() takes an interval notifier, so that a device's mirror
 * can tell when what it read went stale and read again.  A count taken under
 * mmap_read_lock, as smaps takes its own, needs no such check: the notifier
 * here is never inserted into the mm, it only names the mm, and its sequence
 * never moves, so the walk never asks for a retry.
 *
 * What hmm_range_fault() does not report, this does not count: pages of a
 * mapping while it is not readable (PROT_NONE, write-only), and pages whose
 * entries NUMA balancing has made inaccessible for a moment.
 */

#include <linux/hmm.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "tamalloc.h"

#if !IS_ENABLED(CONFIG_HMM_MIRROR)
#error "tamalloc measures page tables with hmm_range_fault(): it needs CONFIG_HMM_MIRROR=y"
#endif

/* Entries read per call: a 32 KiB buffer, 16 MiB of address space. */
#define TAM_WALK_PAGES	4096

int tam_walk_init(struct tam_walk *walk, struct mm_struct *mm)
{
	walk->pfns = kvmalloc_array(TAM_WALK_PAGES, sizeof(*walk->pfns),
				    GFP_KERNEL);
	if (!walk->pfns)
		return -ENOMEM;
	memset(&walk->notifier, 0, sizeof(walk->notifier));
	walk->notifier.mm = mm;
	return 0;
}

void tam_walk_done(struct tam_walk *walk)
{
	kvfree(walk->pfns);
}

/*
 * Add the pages present in [start, end) of the walk's mm to *@present.
 * Under mmap_read_lock (or write); @start and @end page aligned.
 */
int tam_walk_count(struct tam_walk *walk, unsigned long start,
		   unsigned long end, unsigned long *present)
{
	struct hmm_range range = {
		.notifier	= &walk->notifier,
		.notifier_seq	= walk->notifier.invalidate_seq,
		.hmm_pfns	= walk->pfns,
		/* A snapshot: default_flags without HMM_PFN_REQ_FAULT. */
	};
	unsigned long addr, i, n;
	int err;

	lockdep_assert_held(&walk->notifier.mm->mmap_lock);
	for (addr = start; addr < end; addr = range.end) {
		n = min((end - addr) >> PAGE_SHIFT, (unsigned long)TAM_WALK_PAGES);
		range.start = addr;
		range.end = addr + (n << PAGE_SHIFT);
		memset(walk->pfns, 0, n * sizeof(*walk->pfns));
		err = hmm_range_fault(&range);
		if (err)
			return err;
		for (i = 0; i < n; i++)
			if ((walk->pfns[i] & (HMM_PFN_VALID | HMM_PFN_ERROR)) ==
			    HMM_PFN_VALID)
				(*present)++;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}
