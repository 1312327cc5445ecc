// SPDX-License-Identifier: MIT
/*
 * tamalloc-preload-tests: every call libtamalloc-preload.so replaces, called
 * the way programs call them, run under tamalloc-run.  Each must hand out
 * memory from /dev/tamalloc and keep the C library's semantics.  Linked
 * dynamically (LD_PRELOAD needs it); exits 77 if not run under tamalloc-run.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"

/* Sizes the compiler cannot see, for the overflow checks. */
static volatile size_t huge = SIZE_MAX / 2;

/* Is [p, p + len) inside one /dev/tamalloc mapping of this process? */
static int from_tamalloc(const void *p, size_t len)
{
	uintptr_t start, end, a = (uintptr_t)p;
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%lx-%lx", &start, &end) == 2 &&
			strstr(line, "/dev/tamalloc") && a >= start && a + len <= end;
	fclose(f);
	return found;
}

START_TEST(malloc_calloc_realloc_free)
{
	char *p = malloc(100), *q;

	ck_assert(from_tamalloc(p, 100));
	memset(p, 7, 100);
	q = realloc(p, 100000);
	ck_assert(from_tamalloc(q, 100000));
	ck_assert_int_eq(q[99], 7);
	free(q);
	p = calloc(1000, 100);
	ck_assert(from_tamalloc(p, 100000));
	ck_assert_int_eq(p[99999], 0);
	free(p);
	errno = 0;
	ck_assert_ptr_null(calloc(huge, 3));
	ck_assert_int_eq(errno, ENOMEM);
	free(NULL);
}
END_TEST

START_TEST(reallocarray_checks_overflow)
{
	int *p = reallocarray(NULL, 1000, sizeof(int));

	ck_assert(from_tamalloc(p, 1000 * sizeof(int)));
	p[999] = 5;
	p = reallocarray(p, 2000, sizeof(int));
	ck_assert_int_eq(p[999], 5);
	errno = 0;
	ck_assert_ptr_null(reallocarray(p, huge, 4));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(p[999], 5);		/* untouched on failure */
	free(p);
}
END_TEST

START_TEST(aligned_calls)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	p = aligned_alloc(64, 1000);
	ck_assert(from_tamalloc(p, 1000) && (uintptr_t)p % 64 == 0);
	free(p);
	ck_assert_int_eq(posix_memalign(&p, 1 << 16, 5000), 0);
	ck_assert(from_tamalloc(p, 5000) && (uintptr_t)p % (1 << 16) == 0);
	free(p);
	ck_assert_int_eq(posix_memalign(&p, 3, 10), EINVAL);
	p = memalign(48, 100);			/* rounded up to 64, as glibc does */
	ck_assert(from_tamalloc(p, 100) && (uintptr_t)p % 64 == 0);
	free(p);
	p = valloc(10);
	ck_assert(from_tamalloc(p, 10) && (uintptr_t)p % page == 0);
	free(p);
	p = pvalloc(page + 1);
	ck_assert(from_tamalloc(p, 2 * page) && (uintptr_t)p % page == 0);
	ck_assert_uint_ge(malloc_usable_size(p), 2 * (size_t)page);
	free(p);
}
END_TEST

START_TEST(usable_size)
{
	char *p = malloc(33);

	ck_assert_uint_ge(malloc_usable_size(p), 33);
	memset(p, 1, malloc_usable_size(p));
	free(p);
	ck_assert_uint_eq(malloc_usable_size(NULL), 0);
}
END_TEST

/* The C library's own allocations go through it too. */
START_TEST(libc_uses_it)
{
	char *s = strdup("tamalloc"), *line = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/self/status", "r");

	ck_assert(from_tamalloc(s, 9));
	ck_assert_int_gt(getline(&line, &cap, f), 0);
	ck_assert(from_tamalloc(line, cap));
	free(line);
	fclose(f);
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("preload");
	TCase *tc = tcase_create("calls");
	const char *preload = getenv("LD_PRELOAD");

	if (!preload || !strstr(preload, "libtamalloc-preload.so")) {
		printf("SKIP: not run under tamalloc-run (LD_PRELOAD has no libtamalloc-preload.so)\n");
		return 77;
	}
	tcase_add_test(tc, malloc_calloc_realloc_free);
	tcase_add_test(tc, reallocarray_checks_overflow);
	tcase_add_test(tc, aligned_calls);
	tcase_add_test(tc, usable_size);
	tcase_add_test(tc, libc_uses_it);
	suite_add_tcase(s, tc);
	return check_run((Suite *[]){ s, NULL });
}
