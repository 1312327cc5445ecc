// SPDX-License-Identifier: MIT
/*
 * Figures: per process and system-wide, exactly what was mapped and touched,
 * equal to what the kernel's smaps and oom_score say, and back to the
 * baseline once the processes are gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "tam_test.h"

#define NCHILDREN	16

static long read_long(const char *fmt, pid_t pid)
{
	char path[64];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), fmt, pid);
	f = fopen(path, "r");
	ck_assert_msg(f, "fopen %s", path);
	ck_assert_int_eq(fscanf(f, "%ld", &v), 1);
	fclose(f);
	return v;
}

/* A "Name:   N kB" line of /proc/self/status. */
static long read_status_kb(const char *name)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)) && line[strlen(name)] == ':')
			kb = strtol(line + strlen(name) + 1, NULL, 10);
	fclose(f);
	ck_assert_int_ge(kb, 0);
	return kb;
}

/* The state letter of /proc/PID/stat. */
static char read_state(pid_t pid)
{
	char path[64], state = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	ck_assert_msg(f, "fopen %s", path);
	ck_assert_int_eq(fscanf(f, "%*d (%*[^)]) %c", &state), 1);
	fclose(f);
	return state;
}

/* Is @pid in TAM_IOC_LIST_PIDS's answer?  -1 if the call fails. */
static int pid_in_list(pid_t pid)
{
	struct tam_pid_list list = { .size = sizeof(list) };
	int32_t pids[1024];
	int fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC), found = 0;
	uint32_t i;

	list.pids = (uintptr_t)pids;
	list.capacity = 1024;
	if (fd < 0 || ioctl(fd, TAM_IOC_LIST_PIDS, &list) ||
	    list.count > list.capacity)
		found = -1;
	close(fd);
	for (i = 0; found >= 0 && i < list.count; i++)
		found |= pids[i] == pid;
	return found;
}

static int pid_listed(pid_t pid)
{
	int found = pid_in_list(pid);

	ck_assert_int_ge(found, 0);
	return found;
}

static void list_as_nobody(void *arg)
{
	(void)arg;
	tam_map(PAGE, MAP_PRIVATE);
	child_check(setgid(65534) == 0 && setuid(65534) == 0);
	child_check(pid_in_list(getpid()) == 1);
	child_check(pid_in_list(getppid()) == 0);
}

/*
 * The pid list shows the processes whose figures the caller may read, as
 * procfs with hidepid=invisible would (issue 11, finding 12).
 */
START_TEST(list_pids_shows_readable_only)
{
	tam_map(PAGE, MAP_PRIVATE);
	ck_assert(pid_listed(getpid()));
	ck_assert_int_eq(in_child(list_as_nobody, NULL), 0);
}
END_TEST

/* The seed scenario: 500 MiB reserved, 150 MiB touched, read exactly. */
START_TEST(seed_scenario_exact)
{
	static const int kinds[] = { MAP_SHARED, MAP_PRIVATE };
	struct tam_sys_stats base = sys_stats(), sys;
	size_t reserve = 500 * MIB, touch = 150 * MIB;
	struct tam_proc_stats st;
	char *p = tam_map(reserve, kinds[_i]);

	tam_touch(p, touch, PAGE, 1);
	st = proc_stats(0);
	ck_assert_uint_eq(st.reserved_bytes, 524288000);
	ck_assert_uint_eq(st.resident_bytes, 157286400);
	ck_assert_uint_eq(st.peak_resident_bytes, 157286400);
	ck_assert_uint_eq(st.faults, 38400);
	ck_assert_uint_eq(st.mappings, 1);
	ck_assert_int_eq(st.pid, getpid());
	ck_assert_str_eq(st.comm, "tamalloc-tests");
	ck_assert_uint_eq(st.oom_score, read_long("/proc/%d/oom_score", getpid()));
	ck_assert_int_eq(st.oom_score_adj, read_long("/proc/%d/oom_score_adj", getpid()));
	ck_assert_uint_eq(smaps_tamalloc(0).rss, st.resident_bytes);
	ck_assert(pid_listed(getpid()));

	sys = sys_stats();
	ck_assert_uint_eq(sys.reserved_bytes - base.reserved_bytes, 524288000);
	ck_assert_uint_eq(sys.resident_bytes - base.resident_bytes, 157286400);
	ck_assert_uint_eq(sys.processes - base.processes, 1);
	ck_assert_uint_eq(sys.mappings - base.mappings, 1);
	ck_assert_uint_eq(sys.faults - base.faults, 38400);
	ck_assert_uint_ge(sys.peak_resident_bytes, sys.resident_bytes);

	/* Giving pages back lowers resident; the peak stays. */
	ck_assert_int_eq(munmap(p + 100 * MIB, 50 * MIB), 0);
	st = proc_stats(0);
	ck_assert_uint_eq(st.resident_bytes, 100 * MIB);
	ck_assert_uint_eq(st.peak_resident_bytes, 157286400);
}
END_TEST

/* The oom_score_adj the process sets is the one reported, and so is the score. */
START_TEST(oom_score_follows_adj)
{
	char *p = tam_map(64 * MIB, MAP_SHARED);
	struct tam_proc_stats st;
	long before, after;
	FILE *f;

	tam_touch(p, 64 * MIB, PAGE, 1);
	f = fopen("/proc/self/oom_score_adj", "w");
	ck_assert(f);
	fprintf(f, "500\n");
	fclose(f);
	/*
	 * The test's own stdio may fault in a page between two reads: the
	 * kernel's figure just before and just after bracket the module's.
	 */
	before = read_long("/proc/%d/oom_score", getpid());
	st = proc_stats(0);
	after = read_long("/proc/%d/oom_score", getpid());
	ck_assert_int_eq(st.oom_score_adj, 500);
	ck_assert_int_ge(st.oom_score, before < after ? before : after);
	ck_assert_int_le(st.oom_score, before < after ? after : before);
	ck_assert_uint_gt(st.oom_score, 333);
}
END_TEST

struct child_plan {
	size_t reserve;
	size_t touch;
	int flags;
};

static struct child_plan plan_for(int i)
{
	struct child_plan c = {
		.reserve = (size_t)(i + 1) * MIB,
		.touch = (size_t)(i + 1) * 16 * PAGE,
		.flags = i % 2 ? MAP_PRIVATE : MAP_SHARED,
	};
	return c;
}

/* 16 processes at once: each one's figures, and the sums. */
START_TEST(sixteen_processes)
{
	struct tam_sys_stats base = sys_stats(), sys;
	struct sync_pair sync[NCHILDREN];
	pid_t pids[NCHILDREN];
	uint64_t reserved = 0, resident = 0;
	int i, status;

	for (i = 0; i < NCHILDREN; i++) {
		struct child_plan c = plan_for(i);

		sync_init(&sync[i]);
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			char *p = tam_map(c.reserve, c.flags);

			tam_touch(p, c.touch, PAGE, 1);
			sync_signal_parent(&sync[i]);
			sync_wait_parent(&sync[i]);
			_exit(0);
		}
		reserved += c.reserve;
		resident += c.touch;
	}
	for (i = 0; i < NCHILDREN; i++)
		sync_wait_child(&sync[i]);

	for (i = 0; i < NCHILDREN; i++) {
		struct child_plan c = plan_for(i);
		struct tam_proc_stats st = proc_stats(pids[i]);

		ck_assert_int_eq(st.pid, pids[i]);
		ck_assert_uint_eq(st.reserved_bytes, c.reserve);
		ck_assert_uint_eq(st.resident_bytes, c.touch);
		ck_assert_uint_eq(st.faults, c.touch / PAGE);
		ck_assert_uint_eq(smaps_tamalloc(pids[i]).rss, c.touch);
		ck_assert(pid_listed(pids[i]));
	}
	sys = sys_stats();
	ck_assert_uint_eq(sys.reserved_bytes - base.reserved_bytes, reserved);
	ck_assert_uint_eq(sys.resident_bytes - base.resident_bytes, resident);
	ck_assert_uint_eq(sys.processes - base.processes, NCHILDREN);
	ck_assert_uint_eq(sys.mappings - base.mappings, NCHILDREN);

	for (i = 0; i < NCHILDREN; i++) {
		sync_signal_child(&sync[i]);
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_int_eq(status, 0);
	}
	sys = sys_stats();
	ck_assert_uint_eq(sys.reserved_bytes, base.reserved_bytes);
	ck_assert_uint_eq(sys.resident_bytes, base.resident_bytes);
	ck_assert_uint_eq(sys.shared_bytes, base.shared_bytes);
	ck_assert_uint_eq(sys.processes, base.processes);
	ck_assert_uint_eq(sys.mappings, base.mappings);
	for (i = 0; i < NCHILDREN; i++)
		ck_assert(!pid_listed(pids[i]));
}
END_TEST

/* A forked child's inherited mappings are its own figures. */
START_TEST(fork_child_figures)
{
	struct sync_pair sync;
	char *s = tam_map(8 * PAGE, MAP_SHARED);
	char *p = tam_map(8 * PAGE, MAP_PRIVATE);
	struct tam_proc_stats st;
	pid_t pid;
	int status;

	tam_touch(s, 8 * PAGE, PAGE, 1);
	tam_touch(p, 8 * PAGE, PAGE, 1);
	sync_init(&sync);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		tam_touch(s, 2 * PAGE, PAGE, 2);	/* re-faults 2 shared pages */
		sync_signal_parent(&sync);
		sync_wait_parent(&sync);
		_exit(0);
	}
	sync_wait_child(&sync);
	st = proc_stats(pid);
	ck_assert_uint_eq(st.reserved_bytes, 16 * PAGE);
	ck_assert_uint_eq(st.mappings, 2);
	/* The private PTEs were copied at fork; the shared ones re-fault. */
	ck_assert_uint_eq(st.resident_bytes, smaps_tamalloc(pid).rss);
	ck_assert_uint_eq(st.resident_bytes, 10 * PAGE);
	ck_assert_uint_eq(proc_stats(0).resident_bytes, 16 * PAGE);
	sync_signal_child(&sync);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
}
END_TEST

/*
 * Resident bytes come from a walk of the page tables that counts what smaps
 * counts in readable mappings, read-only ones too, and skips mappings while
 * they are not readable (include/linux/tamalloc.h).  A huge reservation
 * costs the walk no page tables, and no time for what is not mapped: 16 TiB
 * would be 2^32 entries to look at one by one, minutes under TCG.
 */
START_TEST(resident_follows_protection)
{
	static const int kinds[] = { MAP_SHARED, MAP_PRIVATE };
	char *p = tam_map(16 * PAGE, kinds[_i]);
	char *huge = tam_map(16 * TIB, kinds[_i] | MAP_NORESERVE);
	long tables;

	tam_touch(p, 16 * PAGE, PAGE, 1);
	huge[8 * TIB] = 1;
	ck_assert_int_eq(mprotect(p, 4 * PAGE, PROT_READ), 0);
	tables = read_status_kb("VmPTE");
	ck_assert_uint_eq(proc_stats(0).resident_bytes, 17 * PAGE);
	ck_assert_uint_eq(smaps_tamalloc(0).rss, 17 * PAGE);
	ck_assert_int_eq(read_status_kb("VmPTE"), tables);

	ck_assert_int_eq(mprotect(p + 8 * PAGE, 8 * PAGE, PROT_NONE), 0);
	ck_assert_uint_eq(proc_stats(0).resident_bytes, 9 * PAGE);
	ck_assert_uint_eq(smaps_tamalloc(0).rss, 17 * PAGE);	/* smaps counts them */
	ck_assert_int_eq(mprotect(p + 8 * PAGE, 8 * PAGE, PROT_READ | PROT_WRITE), 0);
	ck_assert_uint_eq(proc_stats(0).resident_bytes, 17 * PAGE);
	ck_assert_int_eq(p[15 * PAGE], 1);
}
END_TEST

static struct sync_pair leader_sync;

static void *outlive_leader(void *arg)
{
	(void)arg;
	sync_signal_parent(&leader_sync);
	pause();
	return NULL;
}

/* The leader maps and touches 4 pages, starts a thread and exits alone. */
static void zombie_leader(void *arg)
{
	pthread_t t;

	(void)arg;
	tam_touch(tam_map(4 * PAGE, MAP_PRIVATE), 4 * PAGE, PAGE, 1);
	child_check(pthread_create(&t, NULL, outlive_leader, NULL) == 0);
	pthread_exit(NULL);
}

/*
 * A process whose group leader has exited while another thread runs still
 * has its address space: its figures are there, and it can be capped
 * (issue 11, finding 14).
 */
START_TEST(zombie_leader_figures)
{
	struct tam_proc_stats st;
	struct tam_limits lim = { .size = sizeof(lim), .resident_limit = MIB };
	pid_t pid;
	int fd;

	sync_init(&leader_sync);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		zombie_leader(NULL);
	sync_wait_child(&leader_sync);
	/* The leader is a zombie once its status says so. */
	while (read_state(pid) != 'Z')
		usleep(1000);
	st = proc_stats(pid);
	ck_assert_uint_eq(st.reserved_bytes, 4 * PAGE);
	ck_assert_uint_eq(st.resident_bytes, 4 * PAGE);
	lim.pid = pid;
	fd = tam_open();
	ck_assert_int_eq(ioctl(fd, TAM_IOC_SET_LIMITS, &lim), 0);
	close(fd);
	ck_assert_uint_eq(proc_stats(pid).resident_limit, MIB);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

/*
 * Forks forever, from an address space of some 300 tamalloc VMAs, so that
 * a SIGKILL is likely to land while the kernel copies them.
 */
static void forker(void)
{
	char *p = tam_map(600 * PAGE, MAP_PRIVATE);
	int i, status;
	pid_t pid;

	for (i = 0; i < 600; i += 2)
		child_check(mprotect(p + i * PAGE, PAGE, PROT_READ) == 0);
	for (;;) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, &status, 0);
	}
}

static void sys_stats_forever(void)
{
	struct tam_sys_stats st;
	int fd = tam_open();

	for (;;) {
		st.size = sizeof(st);
		child_check(ioctl(fd, TAM_IOC_SYS_STATS, &st) == 0);
	}
}

static pid_t spawn(void (*fn)(void))
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	return pid;
}

/*
 * A fork killed while the kernel copies the parent's VMAs leaves the child's
 * address space half built (6.8 to 6.x mark where the copy stopped with
 * XA_ZERO_ENTRY); the child is registered already, by ->open of each VMA
 * copied.  System figures read meanwhile must stop at the mark: walking
 * past it was an oops any user could cause (issue 11, finding 1).
 */
START_TEST(forks_killed_mid_copy)
{
	pid_t reader = spawn(sys_stats_forever), pid;
	int round, status;

	srand(1);
	for (round = 0; round < 200; round++) {
		pid = spawn(forker);
		usleep(2000 + rand() % 20000);
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	}
	/* The reader never failed: it is still running, to be killed now. */
	ck_assert_int_eq(waitpid(reader, &status, WNOHANG), 0);
	ck_assert_int_eq(kill(reader, SIGKILL), 0);
	ck_assert_int_eq(waitpid(reader, &status, 0), reader);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* Orphaned grandchildren may still be on their way out. */
	for (round = 0; round < 500 && sys_stats().processes; round++)
		usleep(10000);
	ck_assert_uint_eq(sys_stats().processes, 0);
}
END_TEST

/* After everything has exited, the system figures are back to zero. */
START_TEST(quiet_system_is_zero)
{
	struct tam_sys_stats sys = sys_stats();

	ck_assert_uint_eq(sys.reserved_bytes, 0);
	ck_assert_uint_eq(sys.resident_bytes, 0);
	ck_assert_uint_eq(sys.shared_bytes, 0);
	ck_assert_uint_eq(sys.processes, 0);
	ck_assert_uint_eq(sys.mappings, 0);
}
END_TEST

Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("figures");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, seed_scenario_exact, 0, 2);
	tcase_add_test(tc, oom_score_follows_adj);
	tcase_add_test(tc, sixteen_processes);
	tcase_add_test(tc, fork_child_figures);
	tcase_add_loop_test(tc, resident_follows_protection, 0, 2);
	tcase_add_test(tc, zombie_leader_figures);
	tcase_add_test(tc, list_pids_shows_readable_only);
	tcase_add_test(tc, forks_killed_mid_copy);
	tcase_add_test(tc, quiet_system_is_zero);
	suite_add_tcase(s, tc);
	return s;
}
