// SPDX-License-Identifier: MIT
/*
 * Bad input gets a clear errno, never a crash or a stray byte: offsets,
 * unknown ioctls, bad pointers, wrong struct sizes, other users' pids.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "tam_test.h"

static int ioctl_errno(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

START_TEST(mmap_offset_refused)
{
	int fd = tam_open();

	ck_assert(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE) == MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 16 * PAGE) == MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
}
END_TEST

START_TEST(unknown_ioctl)
{
	int fd = tam_open();
	char buf[256] = { 0 };

	ck_assert_int_eq(ioctl_errno(fd, _IOWR(TAM_IOC_MAGIC, 0x7f, buf), buf), ENOTTY);
	ck_assert_int_eq(ioctl_errno(fd, 0x5401 /* TCGETS */, buf), ENOTTY);
	/* Our numbers with another size are other ioctls. */
	ck_assert_int_eq(ioctl_errno(fd, _IOWR(TAM_IOC_MAGIC, 0x01, buf), buf), ENOTTY);
	ck_assert_int_eq(ioctl_errno(fd, 0, NULL), ENOTTY);
	close(fd);
}
END_TEST

static const unsigned long cmds[] = {
	TAM_IOC_PROC_STATS, TAM_IOC_SYS_STATS, TAM_IOC_LIST_PIDS, TAM_IOC_DISCARD,
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

START_TEST(bad_pointers)
{
	int fd = tam_open();
	void *ro, *bad[] = {
		NULL, (void *)1, (void *)(uintptr_t)0xffffffff81000000ULL,
		(void *)(uintptr_t)-8,
	};
	unsigned int i, c;

	for (c = 0; c < NCMDS; c++)
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ck_assert_int_eq(ioctl_errno(fd, cmds[c], bad[i]), EFAULT);

	/* Readable but not writable: the reply cannot be stored. */
	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(ro != MAP_FAILED);
	*(uint64_t *)ro = sizeof(struct tam_sys_stats);
	ck_assert_int_eq(mprotect(ro, PAGE, PROT_READ), 0);
	ck_assert_int_eq(ioctl_errno(fd, TAM_IOC_SYS_STATS, ro), EFAULT);
	close(fd);
}
END_TEST

START_TEST(bad_pid_list_buffer)
{
	struct tam_pid_list list = { .size = sizeof(list), .capacity = 16 };
	char *p = tam_map(PAGE, MAP_SHARED);	/* so at least one pid is listed */
	int fd = tam_open();

	p[0] = 1;
	list.pids = 1;
	ck_assert_int_eq(ioctl_errno(fd, TAM_IOC_LIST_PIDS, &list), EFAULT);
	list.pids = 0xffffffff81000000ULL;
	ck_assert_int_eq(ioctl_errno(fd, TAM_IOC_LIST_PIDS, &list), EFAULT);
	/* Capacity 0 just counts. */
	list.pids = 0;
	list.capacity = 0;
	ck_assert_int_eq(ioctl_errno(fd, TAM_IOC_LIST_PIDS, &list), 0);
	ck_assert_uint_ge(list.count, 1);
	close(fd);
}
END_TEST

START_TEST(wrong_struct_sizes)
{
	static const uint64_t too_small[] = { 0, 8, 16 };
	union {
		uint64_t size;
		unsigned char bytes[8192];
	} u;
	int fd = tam_open();
	unsigned int c, i;

	for (c = 0; c < NCMDS; c++) {
		for (i = 0; i < 3; i++) {
			memset(&u, 0, sizeof(u));
			u.size = too_small[i];
			ck_assert_int_eq(ioctl_errno(fd, cmds[c], &u), EINVAL);
		}
		memset(&u, 0, sizeof(u));
		u.size = 4097;
		ck_assert_int_eq(ioctl_errno(fd, cmds[c], &u), E2BIG);
		u.size = ~0ULL;
		ck_assert_int_eq(ioctl_errno(fd, cmds[c], &u), E2BIG);
	}
	/* One byte short of version 0 is refused too. */
	memset(&u, 0, sizeof(u));
	u.size = TAM_PROC_STATS_SIZE_VER0 - 1;
	ck_assert_int_eq(ioctl_errno(fd, TAM_IOC_PROC_STATS, &u), EINVAL);
	close(fd);
}
END_TEST

/*
 * A newer caller's bigger struct: the kernel fills what it knows, zeroes the
 * rest and says how much it filled.  No byte comes back uninitialised.
 */
START_TEST(bigger_struct_is_zero_filled)
{
	union {
		struct tam_proc_stats st;
		unsigned char bytes[512];
	} u;
	size_t comm_len, i;
	int fd = tam_open();

	memset(&u, 0xff, sizeof(u));
	u.st.size = sizeof(u);
	u.st.pid = 0;
	ck_assert_int_eq(ioctl_errno(fd, TAM_IOC_PROC_STATS, &u), 0);
	ck_assert_uint_eq(u.st.size, sizeof(struct tam_proc_stats));
	ck_assert(all_bytes(u.bytes + sizeof(u.st), sizeof(u) - sizeof(u.st), 0));
	comm_len = strnlen(u.st.comm, sizeof(u.st.comm));
	ck_assert_uint_lt(comm_len, sizeof(u.st.comm));
	for (i = comm_len; i < sizeof(u.st.comm); i++)
		ck_assert_int_eq(u.st.comm[i], 0);
	ck_assert_uint_eq(u.st.reserved_bytes, 0);
	close(fd);
}
END_TEST

/* An older caller's version-0 struct gets exactly version 0's bytes. */
START_TEST(version0_struct)
{
	unsigned char buf[TAM_SYS_STATS_SIZE_VER0 + 16];
	int fd = tam_open();

	memset(buf, 0xee, sizeof(buf));
	*(uint64_t *)buf = TAM_SYS_STATS_SIZE_VER0;
	ck_assert_int_eq(ioctl_errno(fd, TAM_IOC_SYS_STATS, buf), 0);
	ck_assert_uint_eq(*(uint64_t *)buf, TAM_SYS_STATS_SIZE_VER0);
	ck_assert(all_bytes(buf + TAM_SYS_STATS_SIZE_VER0, 16, 0xee));
	close(fd);
}
END_TEST

static void query_as_nobody(void *arg)
{
	pid_t root_pid = *(pid_t *)arg;

	child_check(setgid(65534) == 0 && setuid(65534) == 0);
	child_check(proc_stats_errno(root_pid) == EACCES);
	child_check(proc_stats_errno(1) == EACCES);
	child_check(proc_stats_errno(0) == 0);		/* itself */
	child_check(proc_stats_errno(getpid()) == 0);
}

START_TEST(other_users_pids)
{
	pid_t self = getpid();

	ck_assert_int_eq(in_child(query_as_nobody, &self), 0);
}
END_TEST

START_TEST(missing_and_bad_pids)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(proc_stats_errno(pid), ESRCH);		/* reaped */
	ck_assert_int_eq(proc_stats_errno(4194304), ESRCH);	/* > pid_max */
	ck_assert_int_eq(proc_stats_errno(-1), EINVAL);
	/* Root may read anyone, even a process without tamalloc mappings. */
	ck_assert_int_eq(proc_stats_errno(1), 0);
	ck_assert_uint_eq(proc_stats(1).reserved_bytes, 0);
}
END_TEST

static int discard_errno(uint64_t size, uint64_t addr, uint64_t len)
{
	struct { struct tam_range r; uint64_t extra; } u = { { size, addr, len }, 0 };
	int fd = tam_open(), err;

	err = ioctl_errno(fd, TAM_IOC_DISCARD, &u);
	close(fd);
	return err;
}

START_TEST(discard_bad_input)
{
	char *s = tam_map(8 * PAGE, MAP_SHARED);
	char *p = tam_map(8 * PAGE, MAP_PRIVATE);
	char *anon = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct { struct tam_range r; uint64_t extra; } u;
	int fd = tam_open(), rd = open(TAM_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	char *ro = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, rd, 0);
	uintptr_t a = (uintptr_t)s;

	ck_assert(anon != MAP_FAILED);
	ck_assert(ro != MAP_FAILED);
	close(rd);
	ck_assert_int_eq(discard_errno(24, a + 1, PAGE), EINVAL);
	ck_assert_int_eq(discard_errno(24, a, PAGE + 1), EINVAL);
	ck_assert_int_eq(discard_errno(24, a, 0), EINVAL);
	ck_assert_int_eq(discard_errno(24, ~0xfffULL, 2 * PAGE), EINVAL);
	/* MADV_REMOVE's rule: shared, and may be written. */
	ck_assert_int_eq(discard_errno(24, (uintptr_t)p, PAGE), EACCES);
	ck_assert_int_eq(discard_errno(24, (uintptr_t)ro, PAGE), EACCES);
	ck_assert_int_eq(discard_errno(24, (uintptr_t)anon, PAGE), EINVAL);
	ck_assert_int_eq(munmap(s + 4 * PAGE, PAGE), 0);
	ck_assert_int_eq(discard_errno(24, a, 8 * PAGE), ENOMEM);
	ck_assert_int_eq(discard_errno(16, a, PAGE), EINVAL);
	ck_assert_int_eq(discard_errno(8192, a, PAGE), E2BIG);
	ck_assert_int_eq(discard_errno(32, a, PAGE), 0);	/* zero tail */
	u.r = (struct tam_range){ 32, a, PAGE };
	u.extra = 1;		/* a field this module does not know */
	ck_assert_int_eq(ioctl_errno(fd, TAM_IOC_DISCARD, &u), E2BIG);
	ck_assert_int_eq(ioctl_errno(fd, TAM_IOC_DISCARD, NULL), EFAULT);
	close(fd);
}
END_TEST

Suite *abi_suite(void)
{
	Suite *s = suite_create("abi");
	TCase *tc = tcase_create("bad input");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, mmap_offset_refused);
	tcase_add_test(tc, unknown_ioctl);
	tcase_add_test(tc, bad_pointers);
	tcase_add_test(tc, bad_pid_list_buffer);
	tcase_add_test(tc, wrong_struct_sizes);
	tcase_add_test(tc, bigger_struct_is_zero_filled);
	tcase_add_test(tc, version0_struct);
	tcase_add_test(tc, other_users_pids);
	tcase_add_test(tc, missing_and_bad_pids);
	tcase_add_test(tc, discard_bad_input);
	suite_add_tcase(s, tc);
	return s;
}
