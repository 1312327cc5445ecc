// SPDX-License-Identifier: MIT
/*
 * 2 MiB pages: shared mappings that ask for them (MADV_HUGEPAGE, with the
 * module's default huge=advise) get them, and splits, partial munmap,
 * mprotect, mremap, fork, discard, caps and the figures hold as they do with
 * 4 KiB pages.  Without MADV_HUGEPAGE a touch costs 4 KiB, as with /dev/zero.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tam_test.h"

#define HUGE		(2 * MIB)
#define NHUGE		4

/* A shared mapping of NHUGE huge pages that asked for them. */
static char *huge_map(void)
{
	char *p = tam_map(NHUGE * HUGE, MAP_SHARED);

	/* Mappings of 2 MiB or more are placed on a 2 MiB boundary. */
	ck_assert_uint_eq((uintptr_t)p % HUGE, 0);
	ck_assert_int_eq(madvise(p, NHUGE * HUGE, MADV_HUGEPAGE), 0);
	return p;
}

/* The kernel has transparent huge pages (the cloud kernels all do). */
static int have_thp(void)
{
	return access("/sys/kernel/mm/transparent_hugepage/shmem_enabled", F_OK) == 0;
}

#define REQUIRE_THP()							\
	do {								\
		if (!have_thp()) {					\
			printf("SKIP %s: no transparent huge pages in this kernel\n", \
			       __func__);				\
			return;						\
		}							\
	} while (0)

static void assert_figures(const char *p, uint64_t resident)
{
	ck_assert_uint_eq(proc_stats(0).resident_bytes, resident);
	ck_assert_uint_eq(smaps_tamalloc(0).rss, resident);
	(void)p;
}

/* One touch maps a whole 2 MiB page: one fault, 2 MiB resident and held. */
START_TEST(touch_maps_2mib)
{
	struct tam_sys_stats base = sys_stats();
	struct tam_proc_stats st;
	char *p;
	int i;

	REQUIRE_THP();
	p = huge_map();
	for (i = 0; i < NHUGE; i++)
		p[i * HUGE + 12345] = (char)(i + 1);
	st = proc_stats(0);
	ck_assert_uint_eq(st.resident_bytes, NHUGE * HUGE);
	ck_assert_uint_eq(st.faults, NHUGE);
	ck_assert_uint_eq(st.shared_bytes, NHUGE * HUGE);
	ck_assert_uint_eq(sys_stats().shared_bytes - base.shared_bytes, NHUGE * HUGE);
	assert_figures(p, NHUGE * HUGE);
	for (i = 0; i < NHUGE; i++) {
		ck_assert_int_eq(p[i * HUGE + 12345], i + 1);
		ck_assert(all_bytes(p + i * HUGE, 12345, 0));
	}
}
END_TEST

/* Without MADV_HUGEPAGE a touch costs 4 KiB, as with /dev/zero. */
START_TEST(default_is_4k)
{
	char *p = tam_map(NHUGE * HUGE, MAP_SHARED);

	p[0] = 1;
	p[HUGE] = 1;
	assert_figures(p, 2 * PAGE);
	ck_assert_uint_eq(proc_stats(0).shared_bytes, 2 * PAGE);
}
END_TEST

/* mprotect of 4 KiB inside a huge page splits the mapping, keeps the data. */
START_TEST(mprotect_inside)
{
	char *p;

	REQUIRE_THP();
	p = huge_map();
	memset(p, 0x5a, NHUGE * HUGE);
	ck_assert_int_eq(mprotect(p + HUGE + PAGE, PAGE, PROT_READ), 0);
	ck_assert_uint_eq(proc_stats(0).mappings, 3);
	/*
	 * The kernel unmaps the split huge page (it stays in the object) and
	 * maps it again page by page as it is touched.
	 */
	ck_assert_uint_eq(proc_stats(0).resident_bytes, smaps_tamalloc(0).rss);
	ck_assert_uint_eq(proc_stats(0).shared_bytes, NHUGE * HUGE);
	ck_assert(all_bytes(p, NHUGE * HUGE, 0x5a));
	assert_figures(p, NHUGE * HUGE);
	ck_assert_int_eq(mprotect(p + HUGE + PAGE, PAGE, PROT_READ | PROT_WRITE), 0);
	p[HUGE + PAGE] = 1;
	ck_assert_int_eq(p[HUGE + PAGE], 1);
}
END_TEST

/* munmap of 4 KiB inside a huge page: the rest stays, the object keeps all. */
START_TEST(munmap_inside)
{
	char *p;

	REQUIRE_THP();
	p = huge_map();
	memset(p, 0x6b, NHUGE * HUGE);
	ck_assert_int_eq(munmap(p + 2 * HUGE + 3 * PAGE, PAGE), 0);
	ck_assert_uint_eq(proc_stats(0).resident_bytes, smaps_tamalloc(0).rss);
	ck_assert_uint_eq(proc_stats(0).shared_bytes, NHUGE * HUGE);
	ck_assert(all_bytes(p, 2 * HUGE + 3 * PAGE, 0x6b));
	ck_assert(all_bytes(p + 2 * HUGE + 4 * PAGE, 2 * HUGE - 4 * PAGE, 0x6b));
	assert_figures(p, NHUGE * HUGE - PAGE);
}
END_TEST

/* A free place @off bytes past a 2 MiB boundary, for NHUGE huge pages. */
static char *free_place(size_t off)
{
	char *r = mmap(NULL, (NHUGE + 2) * HUGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert(r != MAP_FAILED);
	return (char *)(((uintptr_t)r + HUGE - 1) & ~(HUGE - 1)) + off;
}

/* mremap moves keep the data, to an aligned place or not. */
START_TEST(mremap_moves)
{
	char *p, *target, *q;

	REQUIRE_THP();
	p = huge_map();
	memset(p, 0x7c, NHUGE * HUGE);
	target = free_place(0);
	q = mremap(p, NHUGE * HUGE, NHUGE * HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	ck_assert(q == target);
	ck_assert(all_bytes(q, NHUGE * HUGE, 0x7c));
	assert_figures(q, NHUGE * HUGE);
	target = free_place(PAGE);
	p = mremap(q, NHUGE * HUGE, NHUGE * HUGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   target);
	ck_assert(p == target);
	ck_assert(all_bytes(p, NHUGE * HUGE, 0x7c));
	ck_assert_uint_eq(proc_stats(0).resident_bytes, smaps_tamalloc(0).rss);
	ck_assert_uint_eq(proc_stats(0).shared_bytes, NHUGE * HUGE);
}
END_TEST

static void huge_child(void *arg)
{
	char *p = arg;

	child_check(all_bytes(p, NHUGE * HUGE, 0x11));
	child_check(proc_stats(0).resident_bytes == NHUGE * HUGE);
	memset(p + HUGE, 0x22, HUGE);
}

/* A child shares the huge pages: it reads the parent's, writes for both. */
START_TEST(fork_shares)
{
	char *p;

	REQUIRE_THP();
	p = huge_map();
	memset(p, 0x11, NHUGE * HUGE);
	ck_assert_int_eq(in_child(huge_child, p), 0);
	ck_assert(all_bytes(p + HUGE, HUGE, 0x22));
	ck_assert(all_bytes(p, HUGE, 0x11));
	ck_assert_uint_eq(proc_stats(0).shared_bytes, NHUGE * HUGE);
}
END_TEST

/* Discarding a whole huge page frees it; a part reads zeros after. */
START_TEST(discard_huge)
{
	struct tam_sys_stats base = sys_stats();
	char *p;

	REQUIRE_THP();
	p = huge_map();
	memset(p, 0x33, NHUGE * HUGE);
	ck_assert_int_eq(tam_discard(p + HUGE, HUGE), 0);
	ck_assert_uint_eq(sys_stats().shared_bytes - base.shared_bytes,
			  (NHUGE - 1) * HUGE);
	assert_figures(p, (NHUGE - 1) * HUGE);
	ck_assert(all_bytes(p + HUGE, HUGE, 0));
	ck_assert_int_eq(tam_discard(p + 2 * HUGE + 5 * PAGE, 2 * PAGE), 0);
	ck_assert(all_bytes(p + 2 * HUGE + 5 * PAGE, 2 * PAGE, 0));
	ck_assert(all_bytes(p + 2 * HUGE, 5 * PAGE, 0x33));
	ck_assert(all_bytes(p + 2 * HUGE + 7 * PAGE, HUGE - 7 * PAGE, 0x33));
	ck_assert(all_bytes(p, HUGE, 0x33));
	ck_assert_uint_eq(proc_stats(0).resident_bytes, smaps_tamalloc(0).rss);
}
END_TEST

static void capped_child(void *arg)
{
	struct tam_limits lim = {
		.size = sizeof(lim), .resident_limit = 3 * MIB,
	};
	char *p = huge_map();
	int fd = tam_open();

	(void)arg;
	child_check(ioctl(fd, TAM_IOC_SET_LIMITS, &lim) == 0);
	p[0] = 1;		/* 2 MiB: fits */
	child_check(proc_stats(0).shared_bytes == HUGE);
	p[HUGE] = 1;		/* 2 MiB more would pass 3 MiB: SIGBUS */
	_exit(3);
}

/* A resident cap needs room for the whole 2 MiB page a touch would take. */
START_TEST(cap_counts_2mib)
{
	REQUIRE_THP();
	ck_assert_int_eq(in_child(capped_child, NULL), 128 + SIGBUS);
}
END_TEST

Suite *huge_suite(void)
{
	Suite *s = suite_create("huge");
	TCase *tc = tcase_create("2mib");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, touch_maps_2mib);
	tcase_add_test(tc, default_is_4k);
	tcase_add_test(tc, mprotect_inside);
	tcase_add_test(tc, munmap_inside);
	tcase_add_test(tc, mremap_moves);
	tcase_add_test(tc, fork_shares);
	tcase_add_test(tc, discard_huge);
	tcase_add_test(tc, cap_counts_2mib);
	suite_add_tcase(s, tc);
	return s;
}
