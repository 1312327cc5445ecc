// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tam_test.h"

int tam_open(void)
{
	int fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", TAM_DEVICE_PATH, strerror(errno));
	return fd;
}

static void *map_path(const char *path, size_t len, int flags)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p;

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	ck_assert_msg(p != MAP_FAILED, "mmap %s of %zu bytes: %s", path, len,
		      strerror(errno));
	close(fd);	/* the mapping outlives the descriptor */
	return p;
}

void *tam_map(size_t len, int flags)
{
	return map_path(TAM_DEVICE_PATH, len, flags);
}

void *zero_map(size_t len, int flags)
{
	return map_path("/dev/zero", len, flags);
}

void tam_touch(void *p, size_t len, size_t stride, char value)
{
	volatile char *c = p;
	size_t off;

	for (off = 0; off < len; off += stride)
		c[off] = value;
}

int proc_stats_errno(pid_t pid)
{
	struct tam_proc_stats st = { .size = sizeof(st), .pid = pid };
	int fd = tam_open(), err;

	err = ioctl(fd, TAM_IOC_PROC_STATS, &st) ? errno : 0;
	close(fd);
	return err;
}

struct tam_proc_stats proc_stats(pid_t pid)
{
	struct tam_proc_stats st = { .size = sizeof(st), .pid = pid };
	int fd = tam_open();

	ck_assert_msg(ioctl(fd, TAM_IOC_PROC_STATS, &st) == 0,
		      "TAM_IOC_PROC_STATS(%d): %s", pid, strerror(errno));
	ck_assert_uint_eq(st.size, sizeof(st));
	close(fd);
	return st;
}

struct tam_sys_stats sys_stats(void)
{
	struct tam_sys_stats st = { .size = sizeof(st) };
	int fd = tam_open();

	ck_assert_msg(ioctl(fd, TAM_IOC_SYS_STATS, &st) == 0,
		      "TAM_IOC_SYS_STATS: %s", strerror(errno));
	ck_assert_uint_eq(st.size, sizeof(st));
	close(fd);
	return st;
}

/*
 * Walk /proc/PID/smaps; for each VMA header line call @match, and add up the
 * Size and Rss of those it accepts.
 */
static struct smaps_vma smaps_sum(pid_t pid,
				  int (*match)(uintptr_t start, const char *line,
					       const void *arg),
				  const void *arg)
{
	struct smaps_vma sum = { 0, 0 };
	char path[64], line[512];
	int in_vma = 0;
	uint64_t kib;
	uintptr_t start, end;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid ? pid : getpid());
	f = fopen(path, "r");
	ck_assert_msg(f, "fopen %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's header line: "start-end perms ...". */
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &start, &end) == 2) {
			in_vma = match(start, line, arg);
			continue;
		}
		if (!in_vma)
			continue;
		if (sscanf(line, "Size: %" SCNu64 " kB", &kib) == 1)
			sum.size += kib * 1024;
		else if (sscanf(line, "Rss: %" SCNu64 " kB", &kib) == 1)
			sum.rss += kib * 1024;
	}
	fclose(f);
	return sum;
}

static int match_start(uintptr_t start, const char *line, const void *arg)
{
	(void)line;
	return start == (uintptr_t)arg;
}

static int match_tamalloc(uintptr_t start, const char *line, const void *arg)
{
	(void)start;
	(void)arg;
	return strstr(line, " " TAM_DEVICE_PATH) != NULL;
}

struct smaps_vma smaps_vma(pid_t pid, const void *addr)
{
	return smaps_sum(pid, match_start, addr);
}

struct smaps_vma smaps_tamalloc(pid_t pid)
{
	return smaps_sum(pid, match_tamalloc, NULL);
}

int all_bytes(const void *p, size_t len, unsigned char value)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != value)
			return 0;
	return 1;
}

int tam_discard(void *addr, size_t len)
{
	struct tam_range r = { sizeof(r), (uintptr_t)addr, len };
	int fd = tam_open(), err;

	err = ioctl(fd, TAM_IOC_DISCARD, &r) ? errno : 0;
	close(fd);
	return err;
}

int in_child(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

void sync_init(struct sync_pair *s)
{
	ck_assert_int_eq(pipe(s->to_child), 0);
	ck_assert_int_eq(pipe(s->to_parent), 0);
}

static void sync_send(int fd)
{
	char c = 1;

	if (write(fd, &c, 1) != 1)
		_exit(99);
}

static void sync_recv(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(99);
}

void sync_signal_parent(struct sync_pair *s) { sync_send(s->to_parent[1]); }
void sync_wait_child(struct sync_pair *s) { sync_recv(s->to_parent[0]); }
void sync_signal_child(struct sync_pair *s) { sync_send(s->to_child[1]); }
void sync_wait_parent(struct sync_pair *s) { sync_recv(s->to_child[0]); }

void write_file(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f, "fopen %s: %s", path, strerror(errno));
	ck_assert_int_gt(fprintf(f, "%s\n", value), 0);
	ck_assert_msg(fclose(f) == 0, "write %s: %s", path, strerror(errno));
}

uint64_t file_key(const char *path, const char *key)
{
	char line[256];
	uint64_t v = 0;
	size_t n = strlen(key);
	FILE *f = fopen(path, "r");

	ck_assert_msg(f, "fopen %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ')
			v = strtoull(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

#define PARAMS		"/sys/module/tamalloc/parameters/"

void write_param(const char *name, uint64_t value)
{
	char path[128], v[32];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)value);
	write_file(path, v);
}

uint64_t read_param(const char *name)
{
	unsigned long long v;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	ck_assert_msg(f, "fopen %s: %s", path, strerror(errno));
	ck_assert_int_eq(fscanf(f, "%llu", &v), 1);
	fclose(f);
	return v;
}

void no_system_caps(void)
{
	write_param("max_reserved_bytes", 0);
	write_param("max_resident_bytes", 0);
}

int set_limits_errno(pid_t pid, uint64_t reserved, uint64_t resident)
{
	struct tam_limits lim = {
		.size = sizeof(lim), .pid = pid,
		.reserved_limit = reserved, .resident_limit = resident,
	};
	int fd = tam_open(), err;

	err = ioctl(fd, TAM_IOC_SET_LIMITS, &lim) ? errno : 0;
	close(fd);
	return err;
}

void *map_or_null(size_t len, int flags)
{
	int fd = tam_open();
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static sigjmp_buf sigbus_jump;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(sigbus_jump, 1);
}

size_t touch_until_sigbus(char *p, size_t pages)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile size_t i = 0;

	if (sigaction(SIGBUS, &sa, &old))
		_exit(90);
	if (!sigsetjmp(sigbus_jump, 1))
		for (; i < pages; i++)
			((volatile char *)p)[i * PAGE] = 2;
	if (sigaction(SIGBUS, &old, NULL))
		_exit(91);
	return i;
}
