// SPDX-License-Identifier: GPL-2.0
/*
 * Counting the pages a process has in memory in a range of its address
 * space, as /proc/PID/smaps counts its Rss: from the page tables.
 *
 * hmm_range_fault() is the walker the kernel exports to modules on every
 * kernel from 5.10 to 7.3.  Without HMM_PFN_REQ_FAULT it faults nothing in
 * and allocates no page table.  (apply_to_existing_page_range(), used
 * before, is not exported from 7.x, and from 6.14 it fails with EINVAL on
 * page tables freed under the read lock.)  It does report every page of a
 * hole, though, so a 64 TiB reservation would cost 2^34 entries per
 * measurement: the walk first skips, level by level, what has no page table
 * down to the PMD, and asks hmm_range_fault() about the rest only.  Tables
 * above the PTE level that cover a VMA are freed only under mmap_lock held
 * for write, so reading them under the read lock is safe; PTE tables, which
 * newer kernels free under the read lock, are left to hmm_range_fault().
 *
 * hmm_range_fault() takes an interval notifier, so that a device's mirror
 * can tell when what it read went stale and read again.  A count taken under
 * mmap_read_lock, as smaps takes its own, needs no such check: the notifier
 * here is never inserted into the mm, it only names the mm, and its sequence
 * never moves, so the walk never asks for a retry.
 *
 * A page NUMA balancing has made inaccessible for a while (a PROT_NONE
 * hinting entry in a readable mapping) is reported by its pfn without
 * HMM_PFN_VALID: it is in memory, and smaps counts it, so this does too.
 * What hmm_range_fault() does not report, this does not count: pages of a
 * mapping while it is not readable (PROT_NONE, write-only; the caller knows
 * these), and, for the moment their migration entry stands, pages being
 * migrated.  Swapped-out pages are not resident, here as in smaps.
 */

#include <linux/hmm.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pgtable.h>
#include <linux/sched.h>

#include "tamalloc.h"

#if !IS_ENABLED(CONFIG_HMM_MIRROR)
#error "tamalloc measures page tables with hmm_range_fault(): it needs CONFIG_HMM_MIRROR=y"
#endif

void tam_walk_init(struct tam_walk *walk, struct mm_struct *mm)
{
	memset(&walk->notifier, 0, sizeof(walk->notifier));
	walk->notifier.mm = mm;
}

/*
 * The first address in [@addr, @end) whose PMD entry is not empty (a PTE
 * table, a huge page, or something for hmm_range_fault() to judge), or @end.
 * Each level's end is bounded by the level above, as the kernel's walkers
 * bound it: a folded level's pXd_addr_end() returns the end it is given.
 */
static unsigned long tam_next_mapped(struct mm_struct *mm, unsigned long addr,
				     unsigned long end)
{
	unsigned long pgd_end, p4d_end, pud_end;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud, pudval;
	pmd_t *pmd;

	while (addr < end) {
		pgd = pgd_offset(mm, addr);
		pgd_end = pgd_addr_end(addr, end);
		if (pgd_none(READ_ONCE(*pgd))) {
			addr = pgd_end;
			continue;
		}
		p4d = p4d_offset(pgd, addr);
		p4d_end = p4d_addr_end(addr, pgd_end);
		if (p4d_none(READ_ONCE(*p4d))) {
			addr = p4d_end;
			continue;
		}
		pud = pud_offset(p4d, addr);
		pud_end = pud_addr_end(addr, p4d_end);
		pudval = READ_ONCE(*pud);
		if (pud_none(pudval)) {
			addr = pud_end;
			continue;
		}
		if (pud_bad(pudval))	/* a huge page: not a table to look into */
			return addr;
		pmd = pmd_offset(pud, addr);
		if (pmd_none(READ_ONCE(*pmd))) {
			addr = pmd_addr_end(addr, pud_end);
			continue;
		}
		return addr;
	}
	return end;
}

/*
 * Is the page behind one of hmm_range_fault()'s answers in memory?  Without
 * HMM_PFN_REQ_FAULT it answers 0 for no page (none, swapped out, migrating),
 * HMM_PFN_ERROR for a special mapping, and the pfn, with HMM_PFN_VALID if
 * the page may be read now, for a page in memory: NUMA hinting entries come
 * without it.
 */
static bool tam_walk_present(unsigned long hmm_pfn)
{
	return !(hmm_pfn & HMM_PFN_ERROR) &&
	       ((hmm_pfn & HMM_PFN_VALID) || (hmm_pfn & ~HMM_PFN_FLAGS));
}

/* Pages present in [@start, @end), where page tables may exist. */
static int tam_walk_span(struct tam_walk *walk, unsigned long start,
			 unsigned long end, unsigned long *present)
{
	struct hmm_range range = {
		.notifier	= &walk->notifier,
		.notifier_seq	= walk->notifier.invalidate_seq,
		.hmm_pfns	= walk->pfns,
		/* A snapshot: default_flags without HMM_PFN_REQ_FAULT. */
	};
	unsigned long i, n;
	int err;

	for (range.start = start; range.start < end; range.start = range.end) {
		n = min((end - range.start) >> PAGE_SHIFT, ARRAY_SIZE(walk->pfns));
		range.end = range.start + (n << PAGE_SHIFT);
		memset(walk->pfns, 0, n * sizeof(walk->pfns[0]));
		err = hmm_range_fault(&range);
		if (err)
			return err;
		for (i = 0; i < n; i++)
			if (tam_walk_present(walk->pfns[i]))
				(*present)++;
	}
	return 0;
}

/*
 * Add the pages present in [@start, @end) of the walk's mm to *@present.
 * Under mmap_lock (read or write); @start and @end page aligned.
 */
int tam_walk_count(struct tam_walk *walk, unsigned long start,
		   unsigned long end, unsigned long *present)
{
	struct mm_struct *mm = walk->notifier.mm;
	unsigned long addr = start, next;
	int err;

	lockdep_assert_held(&mm->mmap_lock);
	while ((addr = tam_next_mapped(mm, addr, end)) < end) {
		next = pmd_addr_end(addr, end);
		err = tam_walk_span(walk, addr, next, present);
		if (err)
			return err;
		addr = next;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}
