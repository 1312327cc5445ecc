// SPDX-License-Identifier: MIT
/*
 * Module life cycle: it cannot be unloaded while a descriptor or a mapping
 * (of this process or a child's) exists, unloads cleanly after, and loads
 * again.  Needs the module file: the one the VM harness installs, or
 * $TAM_MODULE_FILE (the whole-system test's, uncompressed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "tam_test.h"

static const char *module_file(void)
{
	const char *path = getenv("TAM_MODULE_FILE");

	return path && *path ? path : "/lib/modules/tamalloc.ko";
}

static int unload(void)
{
	return syscall(SYS_delete_module, "tamalloc", O_NONBLOCK) ? errno : 0;
}

static void load(void)
{
	int fd = open(module_file(), O_RDONLY | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", module_file(), strerror(errno));
	ck_assert_msg(syscall(SYS_finit_module, fd, "", 0) == 0,
		      "finit_module: %s", strerror(errno));
	close(fd);
}

/* devtmpfs adds and removes device nodes asynchronously. */
static int wait_for_node(int present)
{
	int i;

	for (i = 0; i < 500; i++) {
		if ((access(TAM_DEVICE_PATH, F_OK) == 0) == present)
			return 1;
		usleep(10000);
	}
	return 0;
}

START_TEST(unload_refused_while_in_use)
{
	struct sync_pair sync;
	int fd = tam_open(), status;
	char *s, *p;
	pid_t pid;

	if (access(module_file(), R_OK))
		ck_abort_msg("%s is missing: this test runs under scripts/vm-run", module_file());

	ck_assert_int_eq(unload(), EWOULDBLOCK);	/* an open descriptor */
	s = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ck_assert(s != MAP_FAILED && p != MAP_FAILED);
	s[0] = p[0] = 1;
	close(fd);
	ck_assert_int_eq(unload(), EWOULDBLOCK);	/* mappings */

	ck_assert_int_eq(munmap(p, 4 * PAGE), 0);
	ck_assert_int_eq(unload(), EWOULDBLOCK);	/* the shared one */

	/* A child that inherited the mapping keeps the module too. */
	sync_init(&sync);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sync_wait_parent(&sync);
		child_check(s[0] == 1);
		_exit(0);
	}
	ck_assert_int_eq(munmap(s, 4 * PAGE), 0);
	ck_assert_int_eq(unload(), EWOULDBLOCK);
	sync_signal_child(&sync);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);

	ck_assert_int_eq(unload(), 0);
	ck_assert(wait_for_node(0));
	load();
	ck_assert(wait_for_node(1));
	/* Fresh module, fresh figures. */
	ck_assert_uint_eq(sys_stats().faults, 0);
	s = tam_map(PAGE, MAP_SHARED);
	ck_assert(all_bytes(s, PAGE, 0));
}
END_TEST

Suite *module_suite(void)
{
	Suite *s = suite_create("module");
	TCase *tc = tcase_create("life cycle");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, unload_refused_while_in_use);
	suite_add_tcase(s, tc);
	return s;
}
