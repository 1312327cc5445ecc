// SPDX-License-Identifier: MIT
/*
 * Caps: the module parameters max_reserved_bytes and max_resident_bytes, and
 * per-process caps set by TAM_IOC_SET_LIMITS.  Over a reserved cap mmap()
 * fails with ENOMEM; over a resident cap the faulting access gets SIGBUS and
 * nobody else is touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include "tam_test.h"

#define CAP_PAGES	16

static const int kinds[] = { MAP_PRIVATE, MAP_SHARED };

/* mmap() of @len bytes must fail with ENOMEM. */
static void assert_map_refused(size_t len, int flags)
{
	errno = 0;
	ck_assert_ptr_null(map_or_null(len, flags));
	ck_assert_int_eq(errno, ENOMEM);
}

START_TEST(parameters_readable_writable)
{
	struct tam_sys_stats st;

	ck_assert_uint_eq(read_param("max_reserved_bytes"), 0);
	ck_assert_uint_eq(read_param("max_resident_bytes"), 0);
	write_param("max_reserved_bytes", 3 * GIB);
	write_param("max_resident_bytes", 5 * MIB);
	ck_assert_uint_eq(read_param("max_reserved_bytes"), 3 * GIB);
	ck_assert_uint_eq(read_param("max_resident_bytes"), 5 * MIB);
	st = sys_stats();
	ck_assert_uint_eq(st.reserved_limit, 3 * GIB);
	ck_assert_uint_eq(st.resident_limit, 5 * MIB);
	no_system_caps();
	st = sys_stats();
	ck_assert_uint_eq(st.reserved_limit, 0);
	ck_assert_uint_eq(st.resident_limit, 0);
}
END_TEST

/* Write @value to a parameter with write(2): 0 or the errno. */
static int param_errno(const char *name, const char *value)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/module/tamalloc/parameters/%s", name);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	if (write(fd, value, strlen(value)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* The caps take sizes as mem= and tmpfs's size= do: 8G, 512M, 0x1000. */
START_TEST(parameters_take_units)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} good[] = {
		{ "8G\n", 8 * GIB }, { "512m", 512 * MIB }, { "64K\n", 64 * KIB },
		{ "0x1000", 4096 }, { "1T", 1024 * GIB }, { "12345", 12345 },
		{ "15E", 15ULL << 60 }, { "0", 0 },
	};
	static const char *const bad[] = {
		"G", "8Q", "8GB", "-1", "1.5G", "16E", "99999999999999999999",
		"8G\n\n", "12 34",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(param_errno("max_reserved_bytes", good[i].text) == 0,
			      "'%s' refused", good[i].text);
		ck_assert_uint_eq(read_param("max_reserved_bytes"), good[i].bytes);
		ck_assert_int_eq(param_errno("max_resident_bytes", good[i].text), 0);
		ck_assert_uint_eq(read_param("max_resident_bytes"), good[i].bytes);
	}
	write_param("max_resident_bytes", 5 * MIB);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(param_errno("max_resident_bytes", bad[i]) != 0,
			      "'%s' accepted", bad[i]);
		ck_assert_uint_eq(read_param("max_resident_bytes"), 5 * MIB);
	}
	no_system_caps();
}
END_TEST

/*
 * The system reserved cap counts exactly through splits and moves: every
 * byte given back by a partial munmap can be mapped again, and not one more.
 */
START_TEST(system_reserved_cap)
{
	int flags = kinds[_i];
	char *p, *q, *target;

	write_param("max_reserved_bytes", CAP_PAGES * PAGE);
	assert_map_refused((CAP_PAGES + 1) * PAGE, flags);
	p = map_or_null(CAP_PAGES * PAGE, flags);
	ck_assert_ptr_nonnull(p);
	assert_map_refused(PAGE, flags);

	/* A hole in the middle splits the VMA in three. */
	ck_assert_int_eq(munmap(p + 4 * PAGE, 4 * PAGE), 0);
	q = map_or_null(4 * PAGE, flags);
	ck_assert_ptr_nonnull(q);
	assert_map_refused(PAGE, flags);

	/* Growth in place is refused while a cap applies; moving is fine. */
	errno = 0;
	ck_assert_ptr_eq(mremap(q, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE), MAP_FAILED);
	ck_assert_int_eq(errno, EFAULT);
	target = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(target, MAP_FAILED);
	q = mremap(q, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	ck_assert_ptr_eq(q, target);
	assert_map_refused(PAGE, flags);

	ck_assert_int_eq(munmap(q, 4 * PAGE), 0);
	ck_assert_int_eq(munmap(p, 4 * PAGE), 0);
	q = map_or_null(8 * PAGE, flags);
	ck_assert_ptr_nonnull(q);
	assert_map_refused(PAGE, flags);
	ck_assert_int_eq(munmap(q, 8 * PAGE), 0);
	ck_assert_int_eq(munmap(p + 8 * PAGE, 8 * PAGE), 0);

	/* A lifted cap lifts the refusal. */
	no_system_caps();
	p = map_or_null(64 * PAGE, flags);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(munmap(p, 64 * PAGE), 0);
}
END_TEST

/*
 * Mappings grown in place before a cap existed are charged in full by it.
 * (Private ones: a shared mapping cannot grow.)
 */
START_TEST(cap_charges_earlier_growth)
{
	int fd = tam_open();
	char *base, *p, *q;

	/* Room for growth in place: a reservation the mapping replaces. */
	base = mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(base, MAP_FAILED);
	p = mmap(base, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
	ck_assert_ptr_eq(p, base);
	close(fd);
	ck_assert_int_eq(munmap(base + 8 * PAGE, 8 * PAGE), 0);
	q = mremap(p, 8 * PAGE, 12 * PAGE, 0);
	ck_assert_msg(q == p, "mremap in place: %s", strerror(errno));

	write_param("max_reserved_bytes", CAP_PAGES * PAGE);
	q = map_or_null(4 * PAGE, MAP_PRIVATE);
	ck_assert_ptr_nonnull(q);
	assert_map_refused(PAGE, MAP_PRIVATE);
	errno = 0;
	ck_assert_ptr_eq(mremap(p, 12 * PAGE, 13 * PAGE, 0), MAP_FAILED);
	ck_assert_int_eq(errno, EFAULT);
	no_system_caps();
	ck_assert_int_eq(munmap(p, 12 * PAGE), 0);
	ck_assert_int_eq(munmap(q, 4 * PAGE), 0);
}
END_TEST

/* Map @len of tamalloc at @addr exactly (over a reservation), or NULL. */
static char *map_at(char *addr, size_t len, int flags)
{
	int fd = tam_open();
	char *p = mmap(addr, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);

	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static void adjacent_in_child(void *arg)
{
	int flags = *(int *)arg;
	char *base = mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	child_check(base != MAP_FAILED);
	child_check(set_limits_errno(0, CAP_PAGES * PAGE, 0) == 0);
	child_check(map_at(base, 4 * PAGE, flags) == base);
	child_check(map_at(base + 4 * PAGE, 4 * PAGE, flags) == base + 4 * PAGE);
	child_check(proc_stats(0).reserved_bytes == 8 * PAGE);
	/* Exactly 8 pages are left under the cap, as charged. */
	child_check(map_at(base + 8 * PAGE, 8 * PAGE, flags) == base + 8 * PAGE);
	errno = 0;
	child_check(!map_or_null(PAGE, flags) && errno == ENOMEM);
	child_check(munmap(base, 16 * PAGE) == 0);
	child_check(proc_stats(0).reserved_bytes == 0);
	child_check(map_or_null(CAP_PAGES * PAGE, flags));
}

/*
 * Mappings made next to each other, which 6.12 could merge or expand without
 * ->open: the charges stay exact (issue 11, finding 10), and the module's
 * check that a process leaves with nothing charged holds (a WARN fails the
 * run).
 */
START_TEST(adjacent_mappings_charged_exactly)
{
	int flags = kinds[_i];

	ck_assert_int_eq(in_child(adjacent_in_child, &flags), 0);
}
END_TEST

/* Write to each page of [p, p + pages * PAGE); true if one got SIGBUS. */
static int touch_gets_sigbus(char *p, size_t pages)
{
	return touch_until_sigbus(p, pages) < pages;
}

/*
 * Over the system resident cap the faulting access gets SIGBUS; pages given
 * back (MADV_DONTNEED, or discard for shared memory) make room again.
 */
START_TEST(system_resident_cap)
{
	int flags = kinds[_i];
	char *p = tam_map(4 * CAP_PAGES * PAGE, flags);
	struct tam_range range = {
		.size = sizeof(range), .addr = (uintptr_t)p, .len = 8 * PAGE,
	};
	int fd;

	write_param("max_resident_bytes", CAP_PAGES * PAGE);
	ck_assert(!touch_gets_sigbus(p, CAP_PAGES));	/* exactly at the cap */
	ck_assert(touch_gets_sigbus(p + 2 * CAP_PAGES * PAGE, 1));
	/* Pages already touched stay usable. */
	ck_assert(!touch_gets_sigbus(p, CAP_PAGES));
	ck_assert_int_eq(p[(CAP_PAGES - 1) * PAGE], 2);

	/* Give 8 back: 8 more fit, the 9th does not. */
	if (flags & MAP_SHARED) {
		fd = tam_open();
		ck_assert_int_eq(ioctl(fd, TAM_IOC_DISCARD, &range), 0);
		close(fd);
	} else {
		ck_assert_int_eq(madvise(p, 8 * PAGE, MADV_DONTNEED), 0);
	}
	ck_assert(!touch_gets_sigbus(p + CAP_PAGES * PAGE, 8));
	ck_assert(touch_gets_sigbus(p + 3 * CAP_PAGES * PAGE, 1));
	ck_assert_uint_eq(proc_stats(0).resident_bytes, CAP_PAGES * PAGE);

	no_system_caps();
	ck_assert(!touch_gets_sigbus(p + 2 * CAP_PAGES * PAGE, 2 * CAP_PAGES));
	ck_assert_int_eq(munmap(p, 4 * CAP_PAGES * PAGE), 0);
}
END_TEST

START_TEST(own_caps_reported)
{
	struct tam_proc_stats st = proc_stats(0);

	ck_assert_uint_eq(st.reserved_limit, 0);
	ck_assert_uint_eq(st.resident_limit, 0);
	ck_assert_int_eq(set_limits_errno(0, 2 * GIB, 64 * MIB), 0);
	st = proc_stats(0);
	ck_assert_uint_eq(st.reserved_limit, 2 * GIB);
	ck_assert_uint_eq(st.resident_limit, 64 * MIB);
	/* Caps outlive the mappings. */
	ck_assert_int_eq(munmap(tam_map(PAGE, MAP_PRIVATE), PAGE), 0);
	st = proc_stats(0);
	ck_assert_uint_eq(st.reserved_limit, 2 * GIB);
	ck_assert_uint_eq(st.resident_limit, 64 * MIB);
	/* Root may lift them. */
	ck_assert_int_eq(set_limits_errno(0, 0, 0), 0);
	st = proc_stats(0);
	ck_assert_uint_eq(st.reserved_limit, 0);
	ck_assert_uint_eq(st.resident_limit, 0);
}
END_TEST

static void reserved_cap_in_child(void *arg)
{
	int flags = *(int *)arg;
	char *p;

	child_check(set_limits_errno(0, CAP_PAGES * PAGE, 0) == 0);
	p = map_or_null(CAP_PAGES * PAGE, flags);
	child_check(p);
	errno = 0;
	child_check(!map_or_null(PAGE, flags) && errno == ENOMEM);
	child_check(munmap(p + 4 * PAGE, 2 * PAGE) == 0);
	child_check(map_or_null(2 * PAGE, flags));
	child_check(!map_or_null(PAGE, flags));
}

/* A process's own reserved cap binds it and nobody else. */
START_TEST(own_reserved_cap)
{
	int flags = kinds[_i];
	char *p;

	ck_assert_int_eq(in_child(reserved_cap_in_child, &flags), 0);
	p = map_or_null(4 * CAP_PAGES * PAGE, flags);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(munmap(p, 4 * CAP_PAGES * PAGE), 0);
}
END_TEST

struct resident_case {
	int flags;
	int hide;	/* make the touched pages write-only before the next */
};

/*
 * Touch a new page and give it up with MADV_DONTNEED, again and again: a
 * private page is freed each time, a shared object keeps every one (MADV_
 * DONTNEED only drops the page table entries), so the shared loop holds
 * more and more memory and must get SIGBUS at the cap.
 */
static void dontneed_loop_in_child(void *arg)
{
	int flags = *(int *)arg;
	char *p = map_or_null(4 * CAP_PAGES * PAGE, flags);
	int i;

	child_check(p);
	child_check(set_limits_errno(0, 0, CAP_PAGES * PAGE) == 0);
	for (i = 0; i < 4 * CAP_PAGES; i++) {
		p[i * PAGE] = 1;
		child_check(madvise(p + i * PAGE, PAGE, MADV_DONTNEED) == 0);
	}
	_exit(3);
}

START_TEST(dontneed_loop_held_memory_capped)
{
	int flags = kinds[_i];

	ck_assert_int_eq(in_child(dontneed_loop_in_child, &flags),
			 flags & MAP_SHARED ? 128 + SIGBUS : 3);
}
END_TEST

static void touch_one_child(void *arg)
{
	char *p = arg;

	p[0] = 1;
}

/*
 * Children that touch new pages of an inherited shared object and exit
 * leave the pages in it: they count against the cap of the process the
 * object is charged to, and the child that would pass it gets SIGBUS.
 */
static void children_touch_in_child(void *arg)
{
	char *p = map_or_null(4 * CAP_PAGES * PAGE, MAP_SHARED);
	int i;

	(void)arg;
	child_check(p);
	child_check(set_limits_errno(0, 0, CAP_PAGES * PAGE) == 0);
	for (i = 0; i < CAP_PAGES; i++)
		child_check(in_child(touch_one_child, p + i * PAGE) == 0);
	child_check(in_child(touch_one_child, p + CAP_PAGES * PAGE) ==
		    128 + SIGBUS);
	child_check(proc_stats(0).shared_bytes == CAP_PAGES * PAGE);
	_exit(3);
}

START_TEST(children_fill_shared_object_capped)
{
	ck_assert_int_eq(in_child(children_touch_in_child, NULL), 3);
}
END_TEST

static void resident_cap_in_child(void *arg)
{
	const struct resident_case *c = arg;
	char *p = map_or_null(2 * CAP_PAGES * PAGE, c->flags);

	child_check(p);
	child_check(set_limits_errno(0, 0, CAP_PAGES * PAGE) == 0);
	tam_touch(p, CAP_PAGES * PAGE, PAGE, 1);
	if (c->hide)
		child_check(mprotect(p, CAP_PAGES * PAGE, PROT_WRITE) == 0);
	p[CAP_PAGES * PAGE] = 1;	/* SIGBUS */
	_exit(3);
}

START_TEST(own_resident_cap)
{
	int flags = kinds[_i];
	struct resident_case c = { flags, 0 };

	ck_assert_int_eq(in_child(resident_cap_in_child, &c), 128 + SIGBUS);
	/* The parent has no cap. */
	tam_touch(tam_map(4 * CAP_PAGES * PAGE, flags), 4 * CAP_PAGES * PAGE,
		  PAGE, 1);
}
END_TEST

/*
 * Pages the measuring walk cannot see (a mapping made write-only or
 * PROT_NONE after they were touched) stay charged: hiding them makes no room
 * under a resident cap.
 */
START_TEST(hidden_pages_stay_charged)
{
	struct resident_case c = { kinds[_i], 1 };

	ck_assert_int_eq(in_child(resident_cap_in_child, &c), 128 + SIGBUS);
}
END_TEST

static void inherit_in_child(void *arg)
{
	struct tam_proc_stats st = proc_stats(0);

	(void)arg;
	child_check(st.reserved_limit == 1 * GIB);
	child_check(st.resident_limit == 8 * MIB);
	child_check(set_limits_errno(0, 1 * GIB, 8 * MIB + PAGE) == 0);
}

/*
 * Children forked while the process has tamalloc mappings inherit its caps;
 * root may raise its own.
 */
START_TEST(caps_inherited_by_fork)
{
	tam_map(PAGE, MAP_PRIVATE);
	ck_assert_int_eq(set_limits_errno(0, 1 * GIB, 8 * MIB), 0);
	ck_assert_int_eq(in_child(inherit_in_child, NULL), 0);
}
END_TEST

static void unprivileged(void *arg)
{
	pid_t root_pid = *(pid_t *)arg;
	struct tam_proc_stats st;

	tam_map(PAGE, MAP_PRIVATE);
	child_check(set_limits_errno(0, 1 * GIB, 64 * MIB) == 0);
	child_check(setgid(65534) == 0 && setuid(65534) == 0);
	/* Lowering is anyone's right; raising or lifting is not. */
	child_check(set_limits_errno(0, 512 * MIB, 32 * MIB) == 0);
	child_check(set_limits_errno(0, 1 * GIB, 32 * MIB) == EPERM);
	child_check(set_limits_errno(0, 512 * MIB, 0) == EPERM);
	child_check(set_limits_errno(0, 0, 0) == EPERM);
	st = proc_stats(0);
	child_check(st.reserved_limit == 512 * MIB);
	child_check(st.resident_limit == 32 * MIB);
	/* Another user's process, even a lowering: as prlimit() says. */
	child_check(set_limits_errno(root_pid, PAGE, PAGE) == EPERM);
}

START_TEST(raising_needs_cap_sys_resource)
{
	pid_t self = getpid();

	ck_assert_int_eq(in_child(unprivileged, &self), 0);
	ck_assert_uint_eq(proc_stats(0).reserved_limit, 0);
}
END_TEST

/* Root sets the caps of another process, which sees them. */
START_TEST(caps_of_another_process)
{
	struct sync_pair sync;
	struct tam_proc_stats st;
	int status;
	pid_t pid;

	sync_init(&sync);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *p;

		sync_signal_parent(&sync);
		sync_wait_parent(&sync);
		p = map_or_null(CAP_PAGES * PAGE, MAP_PRIVATE);
		child_check(p);
		child_check(!map_or_null(PAGE, MAP_PRIVATE));
		_exit(0);
	}
	sync_wait_child(&sync);
	ck_assert_int_eq(set_limits_errno(pid, CAP_PAGES * PAGE, 0), 0);
	st = proc_stats(pid);
	ck_assert_uint_eq(st.reserved_limit, CAP_PAGES * PAGE);
	sync_signal_child(&sync);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/*
 * Finding 4: the permission check and the mm the caps land on are taken under
 * exec_update_lock, as mm_access() takes them.  The victim, running as nobody,
 * execs a setuid-root copy of this program over and over; an attacker, also
 * nobody, caps the victim in a loop.  It may cap the nobody process, never the
 * setuid one: execve() swaps the mm before it commits the new credentials, so
 * without the lock a cap checked against the old credentials lands on the new
 * mm, and the setuid program's mmap() fails.
 */
#define SETUID_STEP	"--setuid-exec-step"
#define SETUID_EXECS	"300"
#define SETUID_CAPPED	42

/*
 * One step of the victim, run by main() as the setuid copy: map what a
 * setuid program of ours would, drop to nobody and exec the next step.
 */
int setuid_exec_step(int argc, char **argv)
{
	long left = argc == 4 ? strtol(argv[2], NULL, 10) : 0;
	char next[24];
	void *p;
	int fd;

	if (argc != 4 || strcmp(argv[1], SETUID_STEP) || left < 1 || geteuid())
		return 2;
	fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 3;
	p = mmap(NULL, CAP_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 fd, 0);
	if (p == MAP_FAILED)
		return errno == ENOMEM ? SETUID_CAPPED : 4;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 5;
	if (left == 1)
		return 0;
	snprintf(next, sizeof(next), "%ld", left - 1);
	execl(argv[3], argv[3], SETUID_STEP, next, argv[3], (char *)NULL);
	return 6;
}

/*
 * A setuid-root copy of this program, on a file system that honours setuid
 * (systemd mounts /tmp nosuid): its path in @path.
 */
static void copy_setuid(char *path, size_t size)
{
	static const char *const dirs[] = { "/tmp", "/var/tmp", "/root" };
	char buf[65536];
	struct statvfs vfs;
	unsigned int i;
	ssize_t n;
	int in, out;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!statvfs(dirs[i], &vfs) && !(vfs.f_flag & ST_NOSUID))
			break;
	ck_assert_msg(i < sizeof(dirs) / sizeof(dirs[0]),
		      "no directory on a file system that allows setuid");
	snprintf(path, size, "%s/tamalloc-tests-setuid", dirs[i]);
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in >= 0, "open /proc/self/exe: %s", strerror(errno));
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ck_assert_msg(out >= 0, "open %s: %s", path, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, n), n);
	ck_assert_int_eq(n, 0);
	close(in);
	ck_assert_int_eq(fchown(out, 0, 0), 0);
	ck_assert_int_eq(fchmod(out, 04755), 0);
	ck_assert_int_eq(close(out), 0);
}

/* Cap the victim until it is gone; exit 0 if both outcomes were seen. */
static void cap_in_loop(pid_t victim)
{
	struct tam_limits lim = {
		.size = sizeof(lim), .pid = victim, .reserved_limit = PAGE,
	};
	unsigned long capped = 0, refused = 0;
	int fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	child_check(fd >= 0);
	child_check(setgid(65534) == 0 && setuid(65534) == 0);
	for (;;) {
		if (!ioctl(fd, TAM_IOC_SET_LIMITS, &lim))
			capped++;
		else if (errno == EPERM)
			refused++;
		else if (errno == ESRCH)
			break;
		else
			child_check(!"SET_LIMITS: neither 0, EPERM nor ESRCH");
	}
	fprintf(stderr, "setuid_exec_never_capped: %lu caps of nobody, %lu refused\n",
		capped, refused);
	child_check(capped && refused);
	_exit(0);
}

START_TEST(setuid_exec_never_capped)
{
	int victim_status, attacker_status;
	pid_t victim, attacker;
	char path[64];

	copy_setuid(path, sizeof(path));
	victim = fork();
	ck_assert_int_ge(victim, 0);
	if (victim == 0) {
		child_check(setgid(65534) == 0 && setuid(65534) == 0);
		execl(path, path, SETUID_STEP, SETUID_EXECS, path, (char *)NULL);
		_exit(7);
	}
	attacker = fork();
	ck_assert_int_ge(attacker, 0);
	if (attacker == 0)
		cap_in_loop(victim);
	ck_assert_int_eq(waitpid(victim, &victim_status, 0), victim);
	ck_assert_int_eq(waitpid(attacker, &attacker_status, 0), attacker);
	unlink(path);
	ck_assert_msg(WIFEXITED(victim_status) &&
		      WEXITSTATUS(victim_status) != SETUID_CAPPED,
		      "a cap checked against nobody landed on the setuid program");
	ck_assert_msg(WIFEXITED(victim_status) && WEXITSTATUS(victim_status) == 0,
		      "victim: status %#x", victim_status);
	ck_assert_msg(WIFEXITED(attacker_status) &&
		      WEXITSTATUS(attacker_status) == 0,
		      "attacker: status %#x", attacker_status);
}
END_TEST

START_TEST(bad_limits_input)
{
	struct {
		struct tam_limits lim;
		uint64_t extra;
	} u = { { .size = sizeof(u.lim) }, 0 };
	int fd = tam_open();

	/* Unknown flags, a negative pid, a size too small or garbage past ours. */
	u.lim.flags = 1;
	ck_assert_int_eq(ioctl(fd, TAM_IOC_SET_LIMITS, &u) ? errno : 0, EINVAL);
	u.lim.flags = 0;
	u.lim.pid = -1;
	ck_assert_int_eq(ioctl(fd, TAM_IOC_SET_LIMITS, &u) ? errno : 0, EINVAL);
	u.lim.pid = 0;
	u.lim.size = TAM_LIMITS_SIZE_VER0 - 8;
	ck_assert_int_eq(ioctl(fd, TAM_IOC_SET_LIMITS, &u) ? errno : 0, EINVAL);
	u.lim.size = sizeof(u);
	u.extra = 1;
	ck_assert_int_eq(ioctl(fd, TAM_IOC_SET_LIMITS, &u) ? errno : 0, E2BIG);
	/* Zeroes past ours are a newer caller's defaults: accepted. */
	u.extra = 0;
	ck_assert_int_eq(ioctl(fd, TAM_IOC_SET_LIMITS, &u) ? errno : 0, 0);
	ck_assert_int_eq(ioctl(fd, TAM_IOC_SET_LIMITS, NULL) ? errno : 0, EFAULT);
	ck_assert_int_eq(set_limits_errno(0x3fffffff, 0, 0), ESRCH);
	close(fd);
}
END_TEST

Suite *limits_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("caps");

	tcase_add_unchecked_fixture(tc, no_system_caps, no_system_caps);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, parameters_readable_writable);
	tcase_add_test(tc, parameters_take_units);
	tcase_add_loop_test(tc, system_reserved_cap, 0, 2);
	tcase_add_test(tc, cap_charges_earlier_growth);
	tcase_add_loop_test(tc, adjacent_mappings_charged_exactly, 0, 2);
	tcase_add_loop_test(tc, system_resident_cap, 0, 2);
	tcase_add_test(tc, own_caps_reported);
	tcase_add_loop_test(tc, own_reserved_cap, 0, 2);
	tcase_add_loop_test(tc, own_resident_cap, 0, 2);
	tcase_add_loop_test(tc, hidden_pages_stay_charged, 0, 2);
	tcase_add_loop_test(tc, dontneed_loop_held_memory_capped, 0, 2);
	tcase_add_test(tc, children_fill_shared_object_capped);
	tcase_add_test(tc, caps_inherited_by_fork);
	tcase_add_test(tc, raising_needs_cap_sys_resource);
	tcase_add_test(tc, caps_of_another_process);
	tcase_add_test(tc, setuid_exec_never_capped);
	tcase_add_test(tc, bad_limits_input);
	suite_add_tcase(s, tc);
	return s;
}
