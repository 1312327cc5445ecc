// SPDX-License-Identifier: MIT
/*
 * libtamalloc in the VM: every public call, against the live module.
 * Exits 77 (skip) when /dev/tamalloc is missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tam_test.h"
#include "tamalloc.h"
#include "check_run.h"

START_TEST(region_shared_and_private)
{
	static const unsigned int flags[] = { TAM_REGION_SHARED, 0 };
	struct tam_proc_info me = TAM_PROC_INFO_INIT;
	struct tam_region *r;
	char *p;

	ck_assert_int_eq(tam_region_create(10 * PAGE + 1, flags[_i], &r), 0);
	ck_assert_uint_eq(tam_region_size(r), 11 * PAGE);	/* whole pages */
	p = tam_region_base(r);
	ck_assert_ptr_nonnull(p);
	ck_assert(all_bytes(p, 11 * PAGE, 0));
	memset(p, 7, 3 * PAGE);
	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	ck_assert_uint_eq(me.reserved_bytes, 11 * PAGE);
	ck_assert_uint_eq(me.resident_bytes, 11 * PAGE);	/* all read, 3 written */
	ck_assert_int_eq(tam_region_destroy(r), 0);
	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	ck_assert_uint_eq(me.reserved_bytes, 0);
}
END_TEST

START_TEST(region_bigger_than_memory)
{
	static const unsigned int flags[] = { TAM_REGION_SHARED, 0 };
	struct tam_region *r;

	ck_assert_int_eq(tam_region_create(64 * GIB, flags[_i], &r), 0);
	((char *)tam_region_base(r))[64 * GIB - 1] = 1;
	ck_assert_int_eq(tam_region_destroy(r), 0);
}
END_TEST

/* TAM_REGION_HUGE: a touch of a shared region takes a whole 2 MiB page. */
START_TEST(region_huge)
{
	struct tam_proc_info me = TAM_PROC_INFO_INIT;
	struct tam_region *r;

	if (access("/sys/kernel/mm/transparent_hugepage/shmem_enabled", F_OK)) {
		printf("SKIP region_huge: no transparent huge pages in this kernel\n");
		return;
	}
	ck_assert_int_eq(tam_region_create(8 * MIB, TAM_REGION_SHARED | TAM_REGION_HUGE, &r), 0);
	((char *)tam_region_base(r))[3 * MIB] = 1;
	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	ck_assert_uint_eq(me.resident_bytes, 2 * MIB);
	ck_assert_uint_eq(me.shared_bytes, 2 * MIB);
	ck_assert_uint_eq(me.shared_swap_bytes, 0);
	ck_assert_int_eq(tam_region_destroy(r), 0);
}
END_TEST

START_TEST(region_bad_arguments)
{
	struct tam_region *r;

	ck_assert_int_eq(tam_region_create(0, 0, &r), -EINVAL);
	ck_assert_int_eq(tam_region_create(PAGE, 0x80, &r), -EINVAL);
	ck_assert_int_eq(tam_region_create(PAGE, 0, NULL), -EINVAL);
	ck_assert_int_eq(tam_region_create(SIZE_MAX, 0, &r), -ENOMEM);
	ck_assert_int_eq(tam_region_create((size_t)1 << 62, TAM_REGION_SHARED, &r), -ENOMEM);
	ck_assert_int_eq(tam_region_destroy(NULL), -EINVAL);
	errno = 0;
	ck_assert_ptr_null(tam_region_base(NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(tam_region_size(NULL), 0);
}
END_TEST

/* Discard: resident drops, the range reads zero, the rest is kept. */
START_TEST(discard)
{
	static const unsigned int flags[] = { TAM_REGION_SHARED, 0 };
	struct tam_proc_info me = TAM_PROC_INFO_INIT;
	struct tam_region *r;
	char *p;

	ck_assert_int_eq(tam_region_create(16 * PAGE, flags[_i], &r), 0);
	p = tam_region_base(r);
	memset(p, 0x3c, 16 * PAGE);
	ck_assert_int_eq(tam_region_discard(r, 4 * PAGE, 8 * PAGE), 0);
	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	ck_assert_uint_eq(me.resident_bytes, 8 * PAGE);
	ck_assert(all_bytes(p + 4 * PAGE, 8 * PAGE, 0));
	ck_assert(all_bytes(p, 4 * PAGE, 0x3c));
	ck_assert(all_bytes(p + 12 * PAGE, 4 * PAGE, 0x3c));

	ck_assert_int_eq(tam_region_discard(r, 1, PAGE), -EINVAL);
	ck_assert_int_eq(tam_region_discard(r, 0, 0), -EINVAL);
	ck_assert_int_eq(tam_region_discard(r, 0, 17 * PAGE), -EINVAL);
	ck_assert_int_eq(tam_region_discard(r, 16 * PAGE, PAGE), -EINVAL);
	ck_assert_int_eq(tam_region_discard(r, SIZE_MAX & ~(PAGE - 1), 2 * PAGE), -EINVAL);
	ck_assert_int_eq(tam_region_discard(NULL, 0, PAGE), -EINVAL);
	ck_assert_int_eq(tam_region_destroy(r), 0);
}
END_TEST

/*
 * Unpin, purge, pin: the bytes purged, the figures, the contents; private
 * regions cannot be unpinned.
 */
START_TEST(unpin_purge_pin)
{
	struct tam_proc_info me = TAM_PROC_INFO_INIT;
	struct tam_sys_info sys = TAM_SYS_INFO_INIT;
	struct tam_region *r, *priv;
	uint64_t purged = 1;
	char *p;

	ck_assert_int_eq(tam_region_create(16 * PAGE, TAM_REGION_SHARED, &r), 0);
	ck_assert_int_eq(tam_region_create(16 * PAGE, 0, &priv), 0);
	p = tam_region_base(r);
	memset(p, 0x3c, 16 * PAGE);
	ck_assert_int_eq(tam_region_pin(r, 0, 16 * PAGE, &purged), 0);
	ck_assert_uint_eq(purged, 0);
	ck_assert_int_eq(tam_region_unpin(r, 4 * PAGE, 8 * PAGE, TAM_PRIORITY_MAX), 0);
	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	ck_assert_uint_eq(me.unpinned_bytes, 8 * PAGE);
	ck_assert_int_eq(tam_purge(&purged), 0);
	ck_assert_uint_eq(purged, 8 * PAGE);
	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	ck_assert_uint_eq(me.unpinned_bytes, 0);
	ck_assert_uint_eq(me.purged_bytes, 8 * PAGE);
	ck_assert_uint_eq(me.purges, 1);
	ck_assert_int_eq(tam_sys_info(&sys), 0);
	ck_assert_uint_ge(sys.purged_bytes, 8 * PAGE);
	ck_assert_int_eq(tam_pin(p, 16 * PAGE, &purged), 0);
	ck_assert_uint_eq(purged, 8 * PAGE);
	ck_assert(all_bytes(p + 4 * PAGE, 8 * PAGE, 0));
	ck_assert(all_bytes(p, 4 * PAGE, 0x3c));
	ck_assert(all_bytes(p + 12 * PAGE, 4 * PAGE, 0x3c));

	ck_assert_int_eq(tam_region_unpin(priv, 0, PAGE, 0), -EINVAL);
	ck_assert_int_eq(tam_region_unpin(r, 0, PAGE, TAM_PRIORITY_MAX + 1), -EINVAL);
	ck_assert_int_eq(tam_region_unpin(r, 1, PAGE, 0), -EINVAL);
	ck_assert_int_eq(tam_region_pin(r, 0, 17 * PAGE, NULL), -EINVAL);
	ck_assert_int_eq(tam_region_pin(NULL, 0, PAGE, NULL), -EINVAL);
	ck_assert_int_eq(tam_region_destroy(priv), 0);
	ck_assert_int_eq(tam_region_destroy(r), 0);
}
END_TEST

/* The loaded module's version, as /sys/module/tamalloc/version says it. */
START_TEST(module_version)
{
	char buf[64], sys[64] = "";
	FILE *f = fopen("/sys/module/tamalloc/version", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(sys, sizeof(sys), f));
	fclose(f);
	sys[strcspn(sys, "\n")] = '\0';
	ck_assert_int_eq(tam_module_version(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, sys);
	ck_assert_str_ne(buf, "unknown");
	ck_assert_int_eq(tam_module_version(buf, 2), -ERANGE);
	ck_assert_int_eq(tam_module_version(NULL, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(proc_and_sys_info)
{
	struct tam_proc_info me = TAM_PROC_INFO_INIT;
	struct tam_sys_info sys = TAM_SYS_INFO_INIT;
	struct tam_region *r;
	pid_t *pids;
	size_t n, i;
	int found = 0;

	ck_assert_int_eq(tam_region_create(500 * MIB, TAM_REGION_SHARED, &r), 0);
	tam_touch(tam_region_base(r), 150 * MIB, PAGE, 1);
	ck_assert_int_eq(tam_proc_info(getpid(), &me), 0);
	ck_assert_uint_eq(me.size, sizeof(me));
	ck_assert_int_eq(me.pid, getpid());
	ck_assert_uint_eq(me.reserved_bytes, 524288000);
	ck_assert_uint_eq(me.resident_bytes, 157286400);
	ck_assert(me.used_percent == 30.0);
	ck_assert_str_eq(me.comm, "tamalloc-lib-te");
	ck_assert_int_eq(tam_sys_info(&sys), 0);
	ck_assert_uint_eq(sys.reserved_bytes, 524288000);
	ck_assert_uint_eq(sys.resident_bytes, 157286400);
	ck_assert(sys.used_percent == 30.0);
	ck_assert_uint_eq(sys.processes, 1);

	ck_assert_int_eq(tam_list_pids(&pids, &n), 0);
	for (i = 0; i < n; i++)
		found |= pids[i] == getpid();
	ck_assert(found);
	free(pids);
	tam_region_destroy(r);
}
END_TEST

/* An older caller's smaller struct gets its prefix; too small is refused. */
START_TEST(sized_structs)
{
	union {
		struct tam_proc_info info;
		unsigned char bytes[sizeof(struct tam_proc_info) + 32];
	} u;

	memset(&u, 0xee, sizeof(u));
	u.info.size = sizeof(u.info) + 32;
	ck_assert_int_eq(tam_proc_info(0, &u.info), 0);
	ck_assert_uint_eq(u.info.size, sizeof(u.info));
	ck_assert(all_bytes(u.bytes + sizeof(u.info), 32, 0xee));	/* untouched */
	u.info.size = 8;
	ck_assert_int_eq(tam_proc_info(0, &u.info), -EINVAL);
	ck_assert_int_eq(tam_proc_info(0, NULL), -EINVAL);
	ck_assert_int_eq(tam_sys_info(NULL), -EINVAL);
	ck_assert_int_eq(tam_list_pids(NULL, NULL), -EINVAL);
}
END_TEST

/* A caller built against 0.1 passes 0.1's size and gets just that. */
START_TEST(struct_from_version_0_1)
{
	size_t old = offsetof(struct tam_proc_info, reserved_limit);
	union {
		struct tam_proc_info info;
		unsigned char bytes[sizeof(struct tam_proc_info)];
	} u;

	memset(&u, 0xee, sizeof(u));
	u.info.size = old;
	ck_assert_int_eq(tam_proc_info(0, &u.info), 0);
	ck_assert_uint_eq(u.info.size, old);
	ck_assert_int_eq(u.info.pid, getpid());
	ck_assert(all_bytes(u.bytes + old, sizeof(u) - old, 0xee));
}
END_TEST

static void limits_in_child(void *arg)
{
	struct tam_proc_info info = TAM_PROC_INFO_INIT;
	struct tam_region *r;

	(void)arg;
	child_check(tam_set_limits(0, 8 * PAGE, 4 * PAGE) == 0);
	child_check(tam_proc_info(0, &info) == 0);
	child_check(info.reserved_limit == 8 * PAGE);
	child_check(info.resident_limit == 4 * PAGE);
	child_check(tam_region_create(9 * PAGE, 0, &r) == -ENOMEM);
	child_check(tam_region_create(8 * PAGE, 0, &r) == 0);
	child_check(setgid(65534) == 0 && setuid(65534) == 0);
	child_check(tam_set_limits(0, 16 * PAGE, 4 * PAGE) == -EPERM);
	child_check(tam_set_limits(0, 8 * PAGE, 2 * PAGE) == 0);
	child_check(tam_set_limits(1, 8 * PAGE, 2 * PAGE) == -EPERM);
}

START_TEST(limits)
{
	struct tam_sys_info sys = TAM_SYS_INFO_INIT;
	struct tam_proc_info me = TAM_PROC_INFO_INIT;

	ck_assert_int_eq(in_child(limits_in_child, NULL), 0);
	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	ck_assert_uint_eq(me.reserved_limit, 0);
	ck_assert_uint_eq(me.resident_limit, 0);
	ck_assert_int_eq(tam_sys_info(&sys), 0);
	ck_assert_uint_eq(sys.reserved_limit, 0);
	ck_assert_uint_eq(sys.resident_limit, 0);
	ck_assert_int_eq(tam_set_limits(-1, 0, 0), -EINVAL);
	ck_assert_int_eq(tam_set_limits(4194304, 0, 0), -ESRCH);
}
END_TEST

static void query_root_as_nobody(void *arg)
{
	struct tam_proc_info info = TAM_PROC_INFO_INIT;

	(void)arg;
	child_check(setgid(65534) == 0 && setuid(65534) == 0);
	child_check(tam_proc_info(1, &info) == -EACCES);
	child_check(tam_proc_info(0, &info) == 0);
}

START_TEST(errors_from_the_module)
{
	struct tam_proc_info info = TAM_PROC_INFO_INIT;

	ck_assert_int_eq(tam_proc_info(4194304, &info), -ESRCH);
	ck_assert_int_eq(tam_proc_info(-3, &info), -EINVAL);
	ck_assert_int_eq(in_child(query_root_as_nobody, NULL), 0);
}
END_TEST

/* The device is opened once however many threads race to use it. */
static void *open_race(void *arg)
{
	struct tam_sys_info sys = TAM_SYS_INFO_INIT;

	(void)arg;
	return (void *)(intptr_t)tam_sys_info(&sys);
}

static int count_device_fds(void)
{
	char link[64], target[256];
	int fd, n = 0;
	ssize_t len;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = 0;
			n += !strcmp(target, TAM_DEVICE_PATH);
		}
	}
	return n;
}

START_TEST(device_opened_once_and_cloexec)
{
	pthread_t t[8];
	void *ret;
	int i, flags, fd;

	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, open_race, NULL), 0);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], &ret);
		ck_assert_int_eq((intptr_t)ret, 0);
	}
	ck_assert_int_eq(count_device_fds(), 1);
	for (fd = 0; fd < 1024; fd++) {
		char link[64], target[256];
		ssize_t len;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (strcmp(target, TAM_DEVICE_PATH))
			continue;
		flags = fcntl(fd, F_GETFD);
		ck_assert(flags & FD_CLOEXEC);
	}
}
END_TEST

static void use_after_fork(void *arg)
{
	struct tam_region *shared = arg, *mine;
	struct tam_proc_info me = TAM_PROC_INFO_INIT;

	child_check(((char *)tam_region_base(shared))[0] == 9);
	child_check(tam_region_create(PAGE, 0, &mine) == 0);
	((char *)tam_region_base(mine))[0] = 1;
	child_check(tam_proc_info(0, &me) == 0);
	child_check(me.pid == getpid());
	child_check(me.reserved_bytes == 2 * PAGE);
	child_check(tam_region_destroy(mine) == 0);
}

START_TEST(works_after_fork)
{
	struct tam_region *r;

	ck_assert_int_eq(tam_region_create(PAGE, TAM_REGION_SHARED, &r), 0);
	((char *)tam_region_base(r))[0] = 9;
	ck_assert_int_eq(in_child(use_after_fork, r), 0);
	ck_assert_int_eq(tam_region_destroy(r), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libtamalloc");
	TCase *tc = tcase_create("calls");

	if (access(TAM_DEVICE_PATH, R_OK | W_OK)) {
		printf("SKIP: %s: %s\n", TAM_DEVICE_PATH, strerror(errno));
		return TAM_EXIT_SKIP;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, region_shared_and_private, 0, 2);
	tcase_add_loop_test(tc, region_bigger_than_memory, 0, 2);
	tcase_add_test(tc, region_huge);
	tcase_add_test(tc, region_bad_arguments);
	tcase_add_loop_test(tc, discard, 0, 2);
	tcase_add_test(tc, unpin_purge_pin);
	tcase_add_test(tc, proc_and_sys_info);
	tcase_add_test(tc, module_version);
	tcase_add_test(tc, sized_structs);
	tcase_add_test(tc, struct_from_version_0_1);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, errors_from_the_module);
	tcase_add_test(tc, device_opened_once_and_cloexec);
	tcase_add_test(tc, works_after_fork);
	suite_add_tcase(s, tc);
	return check_run((Suite *[]){ s, NULL });
}
