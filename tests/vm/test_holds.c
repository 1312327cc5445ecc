// SPDX-License-Identifier: MIT
/*
 * Caps and figures that hold against what the kernel does with pages behind
 * the driver's back (issue 18): NUMA hinting entries, MADV_REMOVE, objects
 * that change hands, stale estimates of the faulting process, core dumps,
 * VMA merges, faults in flight, and pages pinned in pipes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "tam_test.h"

static int set_own_caps(uint64_t reserved, uint64_t resident)
{
	return set_limits_errno(0, reserved, resident);
}

/*
 * Item 3: P maps objects Y and X, forks C and unmaps X but keeps Y.  X is
 * then charged to the next process to fault on it, C, whose 1 MiB cap stops
 * it; P is charged with Y alone.
 */
struct owner_case {
	char *x;
	pid_t parent;
};

static void owner_child(void *arg)
{
	struct owner_case *c = arg;
	struct tam_proc_stats st;
	size_t n;

	/* The parent has unmapped X by now (see below). */
	child_check(set_own_caps(0, 1 * MIB) == 0);
	n = touch_until_sigbus(c->x, 4 * MIB / PAGE);
	child_check(n == 1 * MIB / PAGE);
	st = proc_stats(0);
	child_check(st.shared_bytes == 1 * MIB);
	st = proc_stats(c->parent);
	child_check(st.shared_bytes == 64 * 1024);
}

START_TEST(object_charged_to_who_maps_it)
{
	struct owner_case c = { .parent = getpid() };
	struct sync_pair sync;
	char *y = tam_map(64 * 1024, MAP_SHARED);
	int status;
	pid_t pid;

	c.x = tam_map(4 * MIB, MAP_SHARED);
	tam_touch(y, 64 * 1024, PAGE, 1);
	sync_init(&sync);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sync_wait_parent(&sync);
		owner_child(&c);
		_exit(0);
	}
	ck_assert_int_eq(munmap(c.x, 4 * MIB), 0);
	ck_assert_uint_eq(proc_stats(0).shared_bytes, 64 * 1024);
	sync_signal_child(&sync);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child: status %#x", status);
	ck_assert_int_eq(munmap(y, 64 * 1024), 0);
}
END_TEST

/*
 * An object whose owner unmaps it passes at once to a process that maps it:
 * a child that has every page in its page tables never faults on it again,
 * and would otherwise hold the pages charged to nobody.  Parent and child
 * share a 1 MiB cap; the parent fills two objects of 512 KiB, one at a time,
 * the child reads each and the parent unmaps it: the child then holds 1 MiB
 * and a page more is refused.
 */
#define HANDED		(512 * 1024)

START_TEST(object_handed_to_who_maps_it)
{
	char *objs[2] = { tam_map(HANDED, MAP_SHARED), tam_map(HANDED, MAP_SHARED) };
	struct sync_pair sync;
	int status, i;
	pid_t pid;

	ck_assert_int_eq(set_own_caps(0, 1 * MIB), 0);
	sync_init(&sync);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *priv = map_or_null(PAGE, MAP_PRIVATE);
		size_t off;

		for (i = 0; i < 2; i++) {
			sync_wait_parent(&sync);
			for (off = 0; off < HANDED; off += PAGE)
				child_check(objs[i][off] == 2);
			sync_signal_parent(&sync);
		}
		sync_wait_parent(&sync);
		child_check(proc_stats(0).shared_bytes == 2 * HANDED);
		child_check(priv && touch_until_sigbus(priv, 1) == 0);
		_exit(0);
	}
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(touch_until_sigbus(objs[i], HANDED / PAGE), HANDED / PAGE);
		sync_signal_child(&sync);
		sync_wait_child(&sync);
		ck_assert_int_eq(munmap(objs[i], HANDED), 0);
	}
	sync_signal_child(&sync);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child: status %#x", status);
}
END_TEST

/*
 * Item 4: pages MADV_REMOVE gives back make room under the cap at once, as
 * TAM_IOC_DISCARD's do: for a new object's page and for a private page.
 */
static void madv_remove_child(void *arg)
{
	int own = *(int *)arg;
	char *a = map_or_null(1 * MIB, MAP_SHARED), *b, *priv;

	child_check(a);
	if (own)
		child_check(set_own_caps(0, 1 * MIB) == 0);
	child_check(touch_until_sigbus(a, 1 * MIB / PAGE) == 1 * MIB / PAGE);
	child_check(madvise(a, 1 * MIB, MADV_REMOVE) == 0);
	b = map_or_null(1 * MIB, MAP_SHARED);
	priv = map_or_null(1 * MIB, MAP_PRIVATE);
	child_check(b && priv);
	child_check(touch_until_sigbus(b, 1) == 1);
	child_check(touch_until_sigbus(priv, 1) == 1);
	/* And no more than the cap: 254 more pages fit, then SIGBUS. */
	child_check(touch_until_sigbus(a, 1 * MIB / PAGE) == 1 * MIB / PAGE - 2);
}

START_TEST(madv_remove_uncharges)
{
	int own = _i;

	if (!own)
		write_param("max_resident_bytes", 1 * MIB);
	ck_assert_int_eq(in_child(madv_remove_child, &own), 0);
}
END_TEST

/*
 * Item 5: under a 1 MiB system cap, a child's estimate of its own private
 * pages is stale (it MADV_DONTNEEDed 960 KiB of them); a fault on its
 * parent's object measures the child before it is refused, and goes ahead.
 */
static void stale_child(void *arg)
{
	char *obj = arg, *priv = map_or_null(960 * 1024, MAP_PRIVATE);

	child_check(priv);
	child_check(touch_until_sigbus(priv, 240) == 240);
	child_check(madvise(priv, 960 * 1024, MADV_DONTNEED) == 0);
	child_check(touch_until_sigbus(obj + 16 * PAGE, 1) == 1);
}

START_TEST(refusal_measures_faulting_process)
{
	char *obj = tam_map(64 * PAGE, MAP_SHARED);

	write_param("max_resident_bytes", 1 * MIB);
	tam_touch(obj, 16 * PAGE, PAGE, 1);
	ck_assert_int_eq(in_child(stale_child, obj), 0);
	ck_assert_int_eq(munmap(obj, 64 * PAGE), 0);
}
END_TEST

/*
 * Item 6: a core dump of a 48 MiB mapping with one page written holds about
 * that page, as anonymous memory's does: untouched pages are holes, not
 * pages faulted in and charged to write out.
 */
#define DUMP_MAP	(48 * MIB)
#define CORE_DIR	"/tmp/tamalloc-cores"

static void dump_child(void *arg)
{
	int flags = *(int *)arg;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	char *p;

	child_check(setrlimit(RLIMIT_CORE, &rl) == 0);
	p = flags ? map_or_null(DUMP_MAP, flags | MAP_NORESERVE)
		  : mmap(NULL, DUMP_MAP, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	child_check(p && p != MAP_FAILED);
	p[DUMP_MAP / 2] = 1;
	abort();
}

/* The blocks the core file of @pid holds, in bytes. */
static uint64_t core_bytes(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), CORE_DIR "/core.%d", (int)pid);
	ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	unlink(path);
	return (uint64_t)st.st_blocks * 512;
}

/* Dump a child that maps DUMP_MAP (@flags: tamalloc's, or 0 for anonymous). */
static uint64_t dumped_bytes(int flags)
{
	int status;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dump_child(&flags);
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WCOREDUMP(status),
		      "no core dump: status %#x", status);
	return core_bytes(pid);
}

START_TEST(core_dump_skips_untouched)
{
	int flags = _i ? MAP_SHARED : MAP_PRIVATE;
	uint64_t anon, tam;

	if (access("/proc/sys/kernel/core_pattern", F_OK)) {
		printf("SKIP %s: this kernel has no core dumps\n", __func__);
		return;
	}
	mkdir(CORE_DIR, 0700);
	write_file("/proc/sys/kernel/core_pattern", CORE_DIR "/core.%p");
	anon = dumped_bytes(0);
	tam = dumped_bytes(flags);
	printf("core dump with %lu MiB of %s memory, 1 page written: %llu KiB (anonymous: %llu KiB)\n",
	       DUMP_MAP / MIB, _i ? "shared" : "private",
	       (unsigned long long)tam / 1024, (unsigned long long)anon / 1024);
	fflush(stdout);
	/* The same process but for the mapping's kind: the same dump, give or take a page. */
	ck_assert_uint_le(tam, anon + 2 * PAGE);
}
END_TEST

/*
 * Item 8: private mappings made without a cap may merge (6.12 on, after
 * mprotect() of a part and back); the counted figures stay exact, and a cap
 * set afterwards charges exactly what is mapped.
 */
static void merge_child(void *arg)
{
	char *p = map_or_null(64 * PAGE, MAP_PRIVATE);
	struct tam_sys_stats before = sys_stats(), after;
	int i;

	(void)arg;
	child_check(p);
	for (i = 0; i < 8; i++) {
		child_check(mprotect(p + 8 * PAGE, 8 * PAGE, PROT_READ) == 0);
		child_check(mprotect(p + 8 * PAGE, 4 * PAGE,
				     PROT_READ | PROT_WRITE) == 0);
		child_check(mprotect(p + 12 * PAGE, 4 * PAGE,
				     PROT_READ | PROT_WRITE) == 0);
	}
	after = sys_stats();
	/* However the kernel merged them, the counter matches what is there. */
	child_check(after.mappings - before.mappings + 1 ==
		    proc_stats(0).mappings);
	child_check(proc_stats(0).reserved_bytes == 64 * PAGE);
	child_check(set_own_caps(64 * PAGE, 0) == 0);
	errno = 0;
	child_check(!map_or_null(PAGE, MAP_PRIVATE) && errno == ENOMEM);
	child_check(munmap(p + 60 * PAGE, 4 * PAGE) == 0);
	child_check(map_or_null(4 * PAGE, MAP_PRIVATE));
	child_check(!map_or_null(PAGE, MAP_PRIVATE));
}

START_TEST(merged_mappings_charged_exactly)
{
	ck_assert_int_eq(in_child(merge_child, NULL), 0);
	/* Every charge and count went with the process (a WARN fails the run). */
	ck_assert_uint_eq(sys_stats().mappings, 0);
}
END_TEST

/*
 * Item 11: on 6.1 a VMA split whose vma_adjust() fails, after ->open gave the
 * new piece its part, closes the new piece with size 0.  Slab allocations
 * made to fail one by one (fault injection: the debug kernel's fail-nth) show
 * that whatever fails, the charge stays what is mapped.  Skips, saying so,
 * without fault injection.
 */
#define FAILSLAB	"/sys/kernel/debug/failslab/"

static int read_fail_nth(int fd)
{
	char buf[16] = "";

	child_check(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
	return atoi(buf);
}

static void write_fail_nth(int fd, int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	child_check(pwrite(fd, buf, len, 0) == len);
}

static void failed_split_child(void *arg)
{
	int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	int n, injected = 0, refused;
	char *p, *q;

	(void)arg;
	child_check(fd >= 0);
	child_check(set_own_caps(64 * PAGE, 0) == 0);
	for (n = 1; n < 1000; n++) {
		p = map_or_null(64 * PAGE, MAP_PRIVATE);
		child_check(p);
		p[0] = 1;		/* an anon_vma: the split clones it */
		write_fail_nth(fd, n);
		refused = mprotect(p + 8 * PAGE, 8 * PAGE, PROT_READ);
		if (read_fail_nth(fd)) {
			write_fail_nth(fd, 0);
			child_check(!refused);
			break;		/* fewer than n allocations: all were tried */
		}
		injected++;
		/* Still all of the cap is used, split or not. */
		errno = 0;
		child_check(!map_or_null(PAGE, MAP_PRIVATE) && errno == ENOMEM);
		child_check(munmap(p, 64 * PAGE) == 0);
		/* Exactly what is mapped is charged: all of the cap is free. */
		q = map_or_null(64 * PAGE, MAP_PRIVATE);
		child_check(q);
		errno = 0;
		child_check(!map_or_null(PAGE, MAP_PRIVATE) && errno == ENOMEM);
		child_check(munmap(q, 64 * PAGE) == 0);
	}
	fprintf(stderr, "failed splits: %d allocations of a split made to fail\n",
		injected);
	child_check(injected > 0);
}

START_TEST(failed_splits_charged_exactly)
{
	if (access("/proc/thread-self/fail-nth", F_OK) ||
	    access(FAILSLAB "ignore-gfp-wait", F_OK)) {
		printf("SKIP %s: needs fault injection (the debug kernel, debugfs mounted)\n",
		       __func__);
		return;
	}
	/* Sleeping allocations may fail too; no stack dump for each. */
	write_file(FAILSLAB "ignore-gfp-wait", "N");
	write_file(FAILSLAB "verbose", "0");
	ck_assert_int_eq(in_child(failed_split_child, NULL), 0);
}
END_TEST

/*
 * Item 10: threads fault private pages under a cap while another measures
 * the process over and over: however a measurement falls between a fault's
 * charge and its page, the pages mapped never pass the cap.
 */
#define INFLIGHT_THREADS	4
#define INFLIGHT_CAP		64
#define INFLIGHT_PAGES		(4 * INFLIGHT_CAP)

struct inflight {
	char *p;
	volatile int *stop;
	int thread;
};

static __thread sigjmp_buf thread_jump;

static void on_thread_sigbus(int sig)
{
	(void)sig;
	siglongjmp(thread_jump, 1);
}

/* Thread t touches pages t, t + T, t + 2T, ... until SIGBUS. */
static void *inflight_toucher(void *arg)
{
	struct inflight *in = arg;
	volatile size_t i = 0;

	if (!sigsetjmp(thread_jump, 1))
		for (; i < INFLIGHT_PAGES / INFLIGHT_THREADS; i++)
			in->p[(i * INFLIGHT_THREADS + in->thread) * PAGE] = 1;
	return NULL;
}

static void *inflight_measurer(void *arg)
{
	struct inflight *in = arg;

	while (!*in->stop)
		proc_stats(0);
	return NULL;
}

static void inflight_child(void *arg)
{
	struct sigaction sa = { .sa_handler = on_thread_sigbus };
	struct inflight in[INFLIGHT_THREADS + 1];
	pthread_t threads[INFLIGHT_THREADS + 1];
	volatile int stop;
	char *p;
	int round, t;

	(void)arg;
	child_check(sigaction(SIGBUS, &sa, NULL) == 0);
	child_check(set_own_caps(0, INFLIGHT_CAP * PAGE) == 0);
	for (round = 0; round < 20; round++) {
		p = map_or_null(INFLIGHT_PAGES * PAGE, MAP_PRIVATE);
		child_check(p);
		stop = 0;
		for (t = 0; t <= INFLIGHT_THREADS; t++) {
			in[t] = (struct inflight){ p, &stop, t };
			child_check(!pthread_create(&threads[t], NULL,
						    t < INFLIGHT_THREADS ?
						    inflight_toucher : inflight_measurer,
						    &in[t]));
		}
		for (t = 0; t < INFLIGHT_THREADS; t++)
			child_check(!pthread_join(threads[t], NULL));
		stop = 1;
		child_check(!pthread_join(threads[INFLIGHT_THREADS], NULL));
		child_check(smaps_vma(0, p).rss <= INFLIGHT_CAP * PAGE);
		child_check(munmap(p, INFLIGHT_PAGES * PAGE) == 0);
	}
}

START_TEST(faults_in_flight_stay_under_cap)
{
	ck_assert_int_eq(in_child(inflight_child, NULL), 0);
}
END_TEST

/*
 * Item 1: automatic NUMA balancing makes a multi-threaded process's private
 * PTEs PROT_NONE for a while (hinting entries).  The pages are still in
 * memory: a measurement counts them, so the charge under a cap stays whole.
 * Needs a guest with two NUMA nodes (scripts/vm-run --numa, as
 * tests/vm-suites.sh runs the numa suite); skips, saying so, elsewhere.
 */
#define NUMA_CAP	(4 * MIB)

/* A "name value" line of /proc/vmstat. */
static uint64_t vmstat(const char *name)
{
	return file_key("/proc/vmstat", name);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void numa_child(void *arg)
{
	char *p = map_or_null(2 * NUMA_CAP, MAP_PRIVATE);
	uint64_t updates, resident;
	volatile unsigned long spin = 0;
	pthread_t idle;
	double start;

	(void)arg;
	child_check(p);
	child_check(!pthread_create(&idle, NULL, idle_thread, NULL));
	child_check(set_own_caps(0, NUMA_CAP) == 0);
	child_check(touch_until_sigbus(p, NUMA_CAP / PAGE) == NUMA_CAP / PAGE);

	/* Run (balancing scans running tasks) until a scan has passed over them. */
	updates = vmstat("numa_pte_updates");
	start = now();
	while (vmstat("numa_pte_updates") < updates + NUMA_CAP / PAGE) {
		child_check(now() - start < 120);
		for (int i = 0; i < 1000000; i++)
			spin++;
	}
	resident = proc_stats(0).resident_bytes;
	fprintf(stderr, "numa: %llu PTEs updated after %.1f s; resident %llu KiB, smaps Rss %llu KiB\n",
		(unsigned long long)(vmstat("numa_pte_updates") - updates),
		now() - start, (unsigned long long)resident / 1024,
		(unsigned long long)smaps_vma(0, p).rss / 1024);
	child_check(resident == NUMA_CAP);
	/* The cap is still full: a new page is refused. */
	child_check(touch_until_sigbus(p + NUMA_CAP, 1) == 0);
}

START_TEST(numa_hinting_entries_stay_charged)
{
	if (access("/sys/devices/system/node/node1", F_OK)) {
		printf("SKIP %s: needs two NUMA nodes (scripts/vm-run --numa)\n",
		       __func__);
		return;
	}
	write_file("/proc/sys/kernel/numa_balancing", "1");
	ck_assert_int_eq(in_child(numa_child, NULL), 0);
}
END_TEST

Suite *numa_suite(void)
{
	Suite *s = suite_create("numa");
	TCase *tc = tcase_create("balancing");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, numa_hinting_entries_stay_charged);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * Item 2: a page vmsplice()d into a pipe stays in memory after its object
 * gives it back (TAM_IOC_DISCARD), and with it its whole 2 MiB folio: the
 * module no longer sees it, so no tamalloc cap bounds such pages.  The memory
 * cgroup does, since it charges a page until the page is freed: a process in
 * a group with memory.max pins more than the module's system cap, but never
 * more than its group's limit (reclaim, or the group's OOM killer, stops it).
 * Run where OOM kills are expected (the oom lane: CK_RUN_SUITE=pinned in
 * tests/oom-test.sh).
 */
#define PIN_CG		"/sys/fs/cgroup/tamalloc-pinned"
#define PIN_MAX		(32 * MIB)
#define PIN_SYS_CAP	(8 * MIB)
#define PIN_OBJECT	(2 * MIB)
#define PIN_OBJECTS	24		/* 48 MiB of folios, if all were huge */

/* The group's memory.current, in bytes. */
static uint64_t cg_current(void)
{
	unsigned long long v = 0;
	FILE *f = fopen(PIN_CG "/memory.current", "r");

	child_check(f && fscanf(f, "%llu", &v) == 1);
	fclose(f);
	return v;
}

/* Pin the first page of PIN_OBJECTS objects; report memory.current after each. */
static void pin_child(int report)
{
	struct iovec iov = { .iov_len = PAGE };
	struct tam_sys_stats st;
	uint64_t current;
	int fds[2], i;
	char *p;

	write_file(PIN_CG "/cgroup.procs", "0");
	for (i = 0; i < PIN_OBJECTS; i++) {
		p = map_or_null(PIN_OBJECT, MAP_SHARED);
		child_check(p);
		child_check(madvise(p, PIN_OBJECT, MADV_HUGEPAGE) == 0);
		p[0] = 1;
		child_check(pipe(fds) == 0);
		iov.iov_base = p;
		child_check(vmsplice(fds[1], &iov, 1, 0) == PAGE);
		child_check(tam_discard(p, PIN_OBJECT) == 0);
		child_check(munmap(p, PIN_OBJECT) == 0);
		current = cg_current();
		child_check(write(report, &current, sizeof(current)) == sizeof(current));
	}
	/* Nothing of it is tamalloc's any more. */
	st = sys_stats();
	child_check(st.shared_bytes == 0 && st.resident_bytes == 0);
}

START_TEST(pipe_pinned_pages_held_by_memcg)
{
	uint64_t current, peak = 0;
	unsigned int reports = 0;
	char max[32];
	int report[2], status;
	pid_t pid;

	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK)) {
		printf("SKIP %s: needs transparent huge pages\n", __func__);
		return;
	}
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	ck_assert(!mkdir(PIN_CG, 0755) || errno == EEXIST);
	snprintf(max, sizeof(max), "%lu", PIN_MAX);
	write_file(PIN_CG "/memory.max", max);
	if (!access(PIN_CG "/memory.swap.max", F_OK))
		write_file(PIN_CG "/memory.swap.max", "0");
	write_param("max_resident_bytes", PIN_SYS_CAP);

	ck_assert_int_eq(pipe(report), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(report[0]);
		pin_child(report[1]);
		_exit(0);
	}
	close(report[1]);
	while (read(report[0], &current, sizeof(current)) == sizeof(current)) {
		peak = current > peak ? current : peak;
		reports++;
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	printf("pinned: %u objects' first pages; the group's memory peaked at %llu MiB (memory.max %lu MiB, tamalloc's system cap %lu MiB)\n",
	       reports, (unsigned long long)peak / MIB, PIN_MAX / MIB,
	       PIN_SYS_CAP / MIB);
	fflush(stdout);
	/* Done, or OOM-killed in its group: either way, held to the group. */
	ck_assert_msg((WIFEXITED(status) && !WEXITSTATUS(status)) ||
		      (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
		      "status %#x", status);
	/* The module's cap did not hold the pinned folios; the group's did. */
	ck_assert_uint_gt(peak, 2 * PIN_SYS_CAP);
	ck_assert_uint_le(peak, PIN_MAX);
	ck_assert_int_eq(rmdir(PIN_CG), 0);
}
END_TEST

Suite *pinned_suite(void)
{
	Suite *s = suite_create("pinned");
	TCase *tc = tcase_create("memcg");

	tcase_add_unchecked_fixture(tc, no_system_caps, no_system_caps);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, pipe_pinned_pages_held_by_memcg);
	suite_add_tcase(s, tc);
	return s;
}

Suite *holds_suite(void)
{
	Suite *s = suite_create("holds");
	TCase *tc = tcase_create("escapes");

	tcase_add_unchecked_fixture(tc, no_system_caps, no_system_caps);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, object_charged_to_who_maps_it);
	tcase_add_test(tc, object_handed_to_who_maps_it);
	tcase_add_loop_test(tc, madv_remove_uncharges, 0, 2);
	tcase_add_test(tc, refusal_measures_faulting_process);
	tcase_add_loop_test(tc, core_dump_skips_untouched, 0, 2);
	tcase_add_test(tc, merged_mappings_charged_exactly);
	tcase_add_test(tc, failed_splits_charged_exactly);
	tcase_add_test(tc, faults_in_flight_stay_under_cap);
	suite_add_tcase(s, tc);
	return s;
}
