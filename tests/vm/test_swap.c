// SPDX-License-Identifier: MIT
/*
 * Swap: under memory pressure the pages of a shared tamalloc object are
 * swapped out and read back intact, as /dev/zero's shared pages are, and the
 * figures follow them.  Needs a VM with little memory and some swap
 * (scripts/vm-run --swap, as tests/vm-suites.sh runs it); skips, saying so,
 * where no swap is on.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tam_test.h"

/* More than the VM's memory (vm-suites.sh gives it 384 MiB). */
#define FILL		(512 * MIB)

/* A "Name:   N kB" line of /proc/meminfo, in bytes. */
static uint64_t meminfo(const char *name)
{
	char line[256];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)) && line[strlen(name)] == ':')
			kb = strtoull(line + strlen(name) + 1, NULL, 10);
	fclose(f);
	return kb * 1024;
}

/* Every page holds its own index, so a page read back from the wrong slot shows. */
static void fill(char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += PAGE) {
		memset(p + off, (int)(off / PAGE) & 0xff, PAGE);
		*(uint64_t *)(p + off) = off / PAGE;
	}
}

static int intact(const char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += PAGE)
		if (*(const uint64_t *)(p + off) != off / PAGE ||
		    !all_bytes(p + off + 8, PAGE - 8, (off / PAGE) & 0xff))
			return 0;
	return 1;
}

/*
 * Resident bytes equal smaps' Rss, though reclaim may be unmapping pages
 * while both are read: with nothing touching the memory Rss only falls, so
 * the module's figure lies between smaps read before and after it.
 */
static void assert_rss_bracketed(void)
{
	uint64_t before = smaps_tamalloc(0).rss, figure, after;

	figure = proc_stats(0).resident_bytes;
	after = smaps_tamalloc(0).rss;
	ck_assert_uint_le(figure, before);
	ck_assert_uint_ge(figure, after);
}

#define REQUIRE_SWAP()							\
	do {								\
		if (meminfo("SwapTotal") < FILL) {			\
			printf("SKIP %s: needs %lu MiB of swap (scripts/vm-run --swap)\n", \
			       __func__, FILL / MIB);			\
			return;						\
		}							\
	} while (0)

/* The kernel's own shared memory first: what tamalloc's must match. */
START_TEST(dev_zero_shared_swaps)
{
	char *p;

	REQUIRE_SWAP();
	p = zero_map(FILL, MAP_SHARED);
	fill(p, FILL);
	ck_assert_uint_gt(meminfo("SwapTotal") - meminfo("SwapFree"), 0);
	ck_assert(intact(p, FILL));
	ck_assert_int_eq(munmap(p, FILL), 0);
}
END_TEST

START_TEST(tamalloc_shared_swaps)
{
	struct tam_proc_stats st;
	struct tam_sys_stats sys;
	uint64_t swap_before;
	char *p;

	REQUIRE_SWAP();
	swap_before = meminfo("SwapTotal") - meminfo("SwapFree");
	p = tam_map(FILL, MAP_SHARED);
	fill(p, FILL);

	/* Part of it is out: in the kernel's figures and in the object's. */
	ck_assert_uint_gt(meminfo("SwapTotal") - meminfo("SwapFree"), swap_before);
	st = proc_stats(0);
	sys = sys_stats();
	printf("swap: %lu of %lu MiB of the object swapped out, %lu MiB mapped\n",
	       (unsigned long)(st.shared_swap_bytes / MIB), FILL / MIB,
	       (unsigned long)(st.resident_bytes / MIB));
	fflush(stdout);
	ck_assert_uint_gt(st.shared_swap_bytes, 0);
	ck_assert_uint_eq(st.shared_bytes + st.shared_swap_bytes, FILL);
	ck_assert_uint_eq(sys.shared_bytes + sys.shared_swap_bytes, FILL);
	ck_assert_uint_lt(st.resident_bytes, FILL);
	assert_rss_bracketed();

	/* Read back, every page where it was. */
	ck_assert(intact(p, FILL));
	assert_rss_bracketed();
	ck_assert_int_eq(munmap(p, FILL), 0);
	sys = sys_stats();
	ck_assert_uint_eq(sys.shared_bytes, 0);
	ck_assert_uint_eq(sys.shared_swap_bytes, 0);
}
END_TEST

Suite *swap_suite(void)
{
	Suite *s = suite_create("swap");
	TCase *tc = tcase_create("pressure");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, dev_zero_shared_swaps);
	tcase_add_test(tc, tamalloc_shared_swaps);
	suite_add_tcase(s, tc);
	return s;
}
