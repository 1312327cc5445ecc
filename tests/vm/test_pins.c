// SPDX-License-Identifier: MIT
/*
 * Purgeable memory (issue 19): TAM_IOC_UNPIN, TAM_IOC_PIN and TAM_IOC_PURGE,
 * their answers to bad input, the figures, and purging under pressure: in a
 * memory cgroup at its memory.max, unpinned memory goes before an OOM kill,
 * lowest priority and least recently unpinned first, and only the group's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tam_test.h"

static int pin_errno(unsigned long req, void *addr, size_t len,
		     unsigned int priority, uint64_t *purged)
{
	struct tam_pin p = {
		.size = sizeof(p), .addr = (uintptr_t)addr, .len = len,
		.priority = priority,
	};
	int fd = tam_open(), err;

	err = ioctl(fd, req, &p) ? errno : 0;
	close(fd);
	if (purged)
		*purged = p.purged_bytes;
	return err;
}

static void unpin(void *addr, size_t len, unsigned int priority)
{
	ck_assert_int_eq(pin_errno(TAM_IOC_UNPIN, addr, len, priority, NULL), 0);
}

/* PIN, and its answer: the bytes purged. */
static uint64_t pin(void *addr, size_t len)
{
	uint64_t purged = ~0ULL;

	ck_assert_int_eq(pin_errno(TAM_IOC_PIN, addr, len, 0, &purged), 0);
	return purged;
}

static uint64_t purge(void)
{
	struct tam_purge p = { .size = sizeof(p) };
	int fd = tam_open();

	ck_assert_msg(ioctl(fd, TAM_IOC_PURGE, &p) == 0, "PURGE: %s", strerror(errno));
	close(fd);
	return p.purged_bytes;
}

/* Each page of [p, p + len) holds its own index and then @seed. */
static void fill(char *p, size_t len, int seed)
{
	size_t off;

	for (off = 0; off < len; off += PAGE) {
		memset(p + off, seed, PAGE);
		*(uint64_t *)(p + off) = off / PAGE;
	}
}

/* Is [base + from, base + from + len) as fill(base, ..., seed) left it? */
static int intact(const char *base, size_t from, size_t len, int seed)
{
	size_t off;

	for (off = from; off < from + len; off += PAGE)
		if (*(const uint64_t *)(base + off) != off / PAGE ||
		    !all_bytes(base + off + 8, PAGE - 8, seed))
			return 0;
	return 1;
}

/* The bytes of [p, p + len) whose page reads as zeros. */
static uint64_t zeroed_bytes(const char *p, size_t len)
{
	uint64_t n = 0;
	size_t off;

	for (off = 0; off < len; off += PAGE)
		if (all_bytes(p + off, PAGE, 0))
			n += PAGE;
	return n;
}

START_TEST(bad_input)
{
	struct {
		struct tam_pin p;
		uint64_t extra;
	} u = { { .size = sizeof(u.p) }, 0 };
	char *shared = tam_map(4 * PAGE, MAP_SHARED);
	char *priv = tam_map(4 * PAGE, MAP_PRIVATE);
	char *anon = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ro = open(TAM_DEVICE_PATH, O_RDONLY | O_CLOEXEC), fd = tam_open();
	char *readonly;
	unsigned long reqs[] = { TAM_IOC_UNPIN, TAM_IOC_PIN };
	unsigned int i;

	ck_assert_int_ge(ro, 0);
	readonly = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, ro, 0);
	ck_assert_ptr_ne(readonly, MAP_FAILED);
	ck_assert_int_eq(munmap(shared + 2 * PAGE, PAGE), 0);	/* a hole */
	for (i = 0; i < 2; i++) {
		unsigned long r = reqs[i];

		ck_assert_int_eq(pin_errno(r, shared, 4 * PAGE, 0, NULL), ENOMEM);
		ck_assert_int_eq(pin_errno(r, anon, PAGE, 0, NULL), EINVAL);
		ck_assert_int_eq(pin_errno(r, priv, PAGE, 0, NULL), EINVAL);
		ck_assert_int_eq(pin_errno(r, readonly, PAGE, 0, NULL), EACCES);
		ck_assert_int_eq(pin_errno(r, shared + 1, PAGE, 0, NULL), EINVAL);
		ck_assert_int_eq(pin_errno(r, shared, 0, 0, NULL), EINVAL);
		ck_assert_int_eq(pin_errno(r, shared, PAGE + 1, 0, NULL), EINVAL);
		ck_assert_int_eq(pin_errno(r, (void *)-PAGE, 2 * PAGE, 0, NULL), EINVAL);
		ck_assert_int_eq(pin_errno(r, shared, PAGE, TAM_UNPIN_PRIORITIES, NULL),
				 EINVAL);
		/* Unknown flags, a size too small, garbage past our struct. */
		u.p.addr = (uintptr_t)shared;
		u.p.len = PAGE;
		u.p.flags = 1;
		ck_assert_int_eq(ioctl(fd, r, &u) ? errno : 0, EINVAL);
		u.p.flags = 0;
		u.p.size = TAM_PIN_SIZE_VER0 - 8;
		ck_assert_int_eq(ioctl(fd, r, &u) ? errno : 0, EINVAL);
		u.p.size = sizeof(u);
		u.extra = 1;
		ck_assert_int_eq(ioctl(fd, r, &u) ? errno : 0, E2BIG);
		u.extra = 0;
		u.p.size = sizeof(u.p);
		ck_assert_int_eq(ioctl(fd, r, NULL) ? errno : 0, EFAULT);
	}
	/* PIN takes no priority; PURGE no flags. */
	ck_assert_int_eq(pin_errno(TAM_IOC_PIN, shared, PAGE, 1, NULL), EINVAL);
	{
		struct tam_purge p = { .size = sizeof(p), .flags = 1 };

		ck_assert_int_eq(ioctl(fd, TAM_IOC_PURGE, &p) ? errno : 0, EINVAL);
	}
	close(fd);
	close(ro);
}
END_TEST

/*
 * MADV_FREE, the analogue for private memory, is the kernel's for anonymous
 * VMAs only (madvise_free_single_vma(): !vma_is_anonymous() is EINVAL, on
 * every series): a private tamalloc mapping is the device's file mapping,
 * and no export lets a module mark pages lazily free.  Should a kernel ever
 * take it, the allocator's kept mappings (lib/alloc.c) could use it.
 */
START_TEST(madv_free_is_for_anonymous_memory_only)
{
	char *priv = tam_map(4 * PAGE, MAP_PRIVATE);
	char *anon = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(anon, MAP_FAILED);
	memset(priv, 1, 4 * PAGE);
	memset(anon, 1, 4 * PAGE);
	ck_assert_int_eq(madvise(anon, 4 * PAGE, MADV_FREE), 0);
	ck_assert_int_eq(madvise(priv, 4 * PAGE, MADV_FREE) ? errno : 0, EINVAL);
	ck_assert(all_bytes(priv, 4 * PAGE, 1));
	ck_assert_int_eq(munmap(priv, 4 * PAGE), 0);
	ck_assert_int_eq(munmap(anon, 4 * PAGE), 0);
}
END_TEST

/*
 * Pin what is pinned: 0.  Unpin, purge, pin: the bytes purged, exactly where
 * a written pattern reads zero; the pinned parts are intact.
 */
START_TEST(purge_then_pin_answers_exactly)
{
	size_t len = 64 * PAGE;
	char *p = tam_map(len, MAP_SHARED);
	struct tam_proc_stats st;
	uint64_t purged;

	fill(p, len, 0x5a);
	ck_assert_uint_eq(pin(p, len), 0);
	unpin(p + 8 * PAGE, 16 * PAGE, 1);
	unpin(p + 40 * PAGE, 8 * PAGE, 0);
	st = proc_stats(0);
	ck_assert_uint_eq(st.unpinned_bytes, 24 * PAGE);
	ck_assert_uint_eq(sys_stats().unpinned_bytes, 24 * PAGE);

	purged = purge();
	ck_assert_uint_eq(purged, 24 * PAGE);
	st = proc_stats(0);
	ck_assert_uint_eq(st.unpinned_bytes, 0);
	ck_assert_uint_eq(st.purged_bytes, 24 * PAGE);
	ck_assert_uint_eq(st.purges, 2);
	ck_assert_uint_eq(st.shared_bytes, 40 * PAGE);

	/* A part first, then the rest and more: each purged byte once. */
	ck_assert_uint_eq(pin(p + 8 * PAGE, 4 * PAGE), 4 * PAGE);
	ck_assert_uint_eq(pin(p, len), 20 * PAGE);
	ck_assert_uint_eq(zeroed_bytes(p, len), 24 * PAGE);
	ck_assert(intact(p, 0, 8 * PAGE, 0x5a));
	ck_assert(intact(p, 24 * PAGE, 16 * PAGE, 0x5a));
	ck_assert(intact(p, 48 * PAGE, 16 * PAGE, 0x5a));
	ck_assert(all_bytes(p + 8 * PAGE, 16 * PAGE, 0));
	ck_assert_uint_eq(pin(p, len), 0);
	ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/*
 * What large ranges hold is counted after the call, by a worker the figures
 * wait for: exact, touched pages only, and again for both parts of a split.
 */
START_TEST(figures_count_large_ranges)
{
	size_t len = 4 * MIB, touched = 600 * PAGE;
	char *p = tam_map(len, MAP_SHARED);

	fill(p, touched, 0x33);
	unpin(p, len, 2);
	ck_assert_uint_eq(proc_stats(0).unpinned_bytes, touched);
	ck_assert_uint_eq(pin(p + 100 * PAGE, PAGE), 0);
	ck_assert_uint_eq(proc_stats(0).unpinned_bytes, touched - PAGE);
	ck_assert_uint_eq(sys_stats().unpinned_bytes, touched - PAGE);
	ck_assert_uint_eq(pin(p, len), 0);
	ck_assert_uint_eq(proc_stats(0).unpinned_bytes, 0);
	ck_assert(intact(p, 0, touched, 0x33));
	ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/*
 * The state belongs to the object: a range one process unpins, another that
 * maps the object pins, and hears it was purged; ranges may span mappings
 * and objects.
 */
static void pin_in_child(void *arg)
{
	char *p = arg;
	uint64_t purged = 0;

	child_check(pin_errno(TAM_IOC_PIN, p, 8 * PAGE, 0, &purged) == 0);
	child_check(purged == 8 * PAGE);
}

START_TEST(state_belongs_to_the_object)
{
	char *base = mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = tam_open();
	char *a, *b;

	ck_assert_ptr_ne(base, MAP_FAILED);
	a = mmap(base, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	b = mmap(base + 8 * PAGE, 8 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	close(fd);
	ck_assert_ptr_eq(a, base);
	ck_assert_ptr_eq(b, base + 8 * PAGE);
	fill(a, 16 * PAGE, 1);
	unpin(a + 4 * PAGE, 8 * PAGE, 2);	/* half of each object */
	ck_assert_uint_eq(purge(), 8 * PAGE);
	ck_assert_int_eq(in_child(pin_in_child, a + 4 * PAGE), 0);
	ck_assert_uint_eq(pin(a, 16 * PAGE), 0);
	ck_assert(intact(a, 0, 4 * PAGE, 1));
	ck_assert(intact(a, 12 * PAGE, 4 * PAGE, 1));
	ck_assert_int_eq(munmap(base, 16 * PAGE), 0);
}
END_TEST

/*
 * Without CAP_SYS_ADMIN, TAM_IOC_PURGE purges what the caller maps and
 * nothing else: nobody's purge leaves root's unpinned range alone.
 */
static void purge_as_nobody(void *arg)
{
	char *mine = tam_map(8 * PAGE, MAP_SHARED);

	/* Root's object, inherited, is not the child's to purge once unmapped. */
	child_check(munmap(arg, 8 * PAGE) == 0);
	fill(mine, 8 * PAGE, 6);
	child_check(setgid(65534) == 0 && setuid(65534) == 0);
	unpin(mine, 8 * PAGE, 1);
	child_check(purge() == 8 * PAGE);
}

START_TEST(purge_takes_only_what_the_caller_maps)
{
	char *p = tam_map(8 * PAGE, MAP_SHARED);

	fill(p, 8 * PAGE, 5);
	unpin(p, 8 * PAGE, 0);
	ck_assert_int_eq(in_child(purge_as_nobody, p), 0);
	ck_assert_uint_eq(pin(p, 8 * PAGE), 0);
	ck_assert(intact(p, 0, 8 * PAGE, 5));
	ck_assert_int_eq(munmap(p, 8 * PAGE), 0);
}
END_TEST

/*
 * The resident caps count unpinned memory until it is purged; a touch over
 * the cap purges the process's own unpinned memory first, as much as it
 * needs: one range here, the other stays.
 */
static void cap_child(void *arg)
{
	char *p = map_or_null(1 * MIB, MAP_SHARED), *q = map_or_null(PAGE, MAP_PRIVATE);
	uint64_t purged = 0;

	(void)arg;
	child_check(p && q);
	child_check(set_limits_errno(0, 0, 1 * MIB) == 0);
	child_check(touch_until_sigbus(p, MIB / PAGE) == MIB / PAGE);
	child_check(touch_until_sigbus(q, 1) == 0);	/* full */
	child_check(pin_errno(TAM_IOC_UNPIN, p, 64 * KIB, 0, NULL) == 0);
	child_check(pin_errno(TAM_IOC_UNPIN, p + 64 * KIB, 1 * MIB - 64 * KIB,
			      0, NULL) == 0);
	child_check(touch_until_sigbus(q, 1) == 1);	/* purged for it */
	child_check(pin_errno(TAM_IOC_PIN, p, 1 * MIB, 0, &purged) == 0);
	child_check(purged == 64 * KIB);
	child_check(proc_stats(0).purges == 1);
}

START_TEST(cap_purges_own_unpinned_first)
{
	ck_assert_int_eq(in_child(cap_child, NULL), 0);
}
END_TEST

/* Unpinned and purged ranges outstanding when processes exit: figures back to 0. */
static void exit_unpinned(void *arg)
{
	char *p = tam_map(32 * PAGE, MAP_SHARED);

	(void)arg;
	fill(p, 32 * PAGE, 3);
	unpin(p, 8 * PAGE, 0);
	child_check(purge() == 8 * PAGE);
	unpin(p + 8 * PAGE, 8 * PAGE, 3);
	_exit(0);
}

START_TEST(exit_with_ranges_outstanding)
{
	struct tam_sys_stats st;

	ck_assert_int_eq(in_child(exit_unpinned, NULL), 0);
	st = sys_stats();
	ck_assert_uint_eq(st.unpinned_bytes, 0);
	ck_assert_uint_eq(st.shared_bytes, 0);
	ck_assert_uint_ge(st.purged_bytes, 8 * PAGE);
}
END_TEST

/*
 * Pressure: a memory cgroup with memory.max, swap off.  A process in it
 * unpins ranges, then allocates anonymous memory until reclaim must take
 * some back: the unpinned ranges go, in order, before any OOM kill, and the
 * pinned data survives bit for bit.
 */
#define CG		"/sys/fs/cgroup/tamalloc-pins"
#define CG_MAX		(96 * MIB)
#define RANGE		(8 * MIB)

/* Write @value to the file @name of the cgroup at @cg. */
static void cg_write(const char *cg, const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", cg, name);
	write_file(path, value);
}

static void cg_make(const char *cg, uint64_t max)
{
	char v[32], swap[128];

	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	ck_assert(!mkdir(cg, 0755) || errno == EEXIST);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)max);
	cg_write(cg, "memory.max", v);
	snprintf(swap, sizeof(swap), "%s/memory.swap.max", cg);
	if (!access(swap, F_OK))
		write_file(swap, "0");
}

static uint64_t cg_oom_kills(const char *path)
{
	char events[128];

	snprintf(events, sizeof(events), "%s/memory.events", path);
	return file_key(events, "oom_kill");
}

/*
 * Has the range at @p been purged?  Its first page's seed (past its index,
 * which is 0 there) reads zero then; reading it costs a page.
 */
static int purged_now(const char *p)
{
	return p[8] == 0;
}

/*
 * In the group: four ranges of RANGE, unpinned in the order 3, 0, 0, 1 of
 * priority (ranges B and C at 0, B first), 32 MiB pinned; then 2 MiB of
 * anonymous memory at a time.  Each time something has gone, what has gone
 * must be a prefix of B, C, D, A.
 */
static void order_child(void *arg)
{
	const char *cg = arg;
	char *r[4], *pinned = map_or_null(32 * MIB, MAP_SHARED), *anon;
	static const int order[4] = { 1, 2, 3, 0 };	/* B, C, D, A */
	int i, gone, seen = 0, steps;

	cg_write(cg, "cgroup.procs", "0");
	child_check(pinned);
	fill(pinned, 32 * MIB, 0x77);
	for (i = 0; i < 4; i++) {
		r[i] = map_or_null(RANGE, MAP_SHARED);
		child_check(r[i]);
		fill(r[i], RANGE, i + 1);
	}
	child_check(pin_errno(TAM_IOC_UNPIN, r[0], RANGE, 3, NULL) == 0);
	child_check(pin_errno(TAM_IOC_UNPIN, r[1], RANGE, 0, NULL) == 0);
	child_check(pin_errno(TAM_IOC_UNPIN, r[2], RANGE, 0, NULL) == 0);
	child_check(pin_errno(TAM_IOC_UNPIN, r[3], RANGE, 1, NULL) == 0);
	for (steps = 0; seen < 4 && steps < 64; steps++) {
		anon = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		child_check(anon != MAP_FAILED);
		memset(anon, 1, 2 * MIB);
		for (gone = 0; gone < 4 && purged_now(r[order[gone]]); gone++)
			;
		for (i = gone; i < 4; i++)
			child_check(!purged_now(r[order[i]]));
		seen = gone;
	}
	fprintf(stderr, "order: %d of 4 ranges purged after %d steps of 2 MiB\n",
		seen, steps);
	child_check(seen > 0);
	child_check(intact(pinned, 0, 32 * MIB, 0x77));
	child_check(proc_stats(0).purges >= (uint64_t)seen);
}

/* Run @child in a group of @max bytes: it passes, and no OOM kill came. */
static void in_group_without_oom(void (*child)(void *), uint64_t max)
{
	cg_make(CG, max);
	ck_assert_int_eq(in_child(child, CG), 0);
	ck_assert_uint_eq(cg_oom_kills(CG), 0);
	ck_assert_int_eq(rmdir(CG), 0);
}

START_TEST(purged_in_order_before_oom)
{
	in_group_without_oom(order_child, CG_MAX);
}
END_TEST

/*
 * One range alone is purged too: reclaim asks the shrinker for a share of
 * the pages it counts, not of its ranges (a share of one range would be
 * none).  64 MiB unpinned as one range, then 64 MiB of anonymous memory in
 * a group of 96 MiB: no OOM kill, and the range is gone.
 */
static void single_child(void *arg)
{
	const char *cg = arg;
	char *p = map_or_null(64 * MIB, MAP_SHARED), *anon;
	uint64_t purged = 0;

	cg_write(cg, "cgroup.procs", "0");
	child_check(p);
	fill(p, 64 * MIB, 4);
	child_check(pin_errno(TAM_IOC_UNPIN, p, 64 * MIB, 2, NULL) == 0);
	anon = mmap(NULL, 64 * MIB, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	child_check(anon != MAP_FAILED);
	memset(anon, 1, 64 * MIB);
	child_check(pin_errno(TAM_IOC_PIN, p, 64 * MIB, 0, &purged) == 0);
	child_check(purged == 64 * MIB);
}

START_TEST(single_range_purged_before_oom)
{
	in_group_without_oom(single_child, CG_MAX);
}
END_TEST

/*
 * A cache of one object in a group at its memory.max, the common case: each
 * entry written, then unpinned, 4096 of them in a group of 32 MiB.  Its own
 * faults, and the unpins' allocations, reclaim from the one object the
 * group has: no OOM kill.
 */
static void one_object_child(void *arg)
{
	const char *cg = arg;
	size_t entry = 64 * KIB, len = 256 * MIB, off;
	char *p = map_or_null(len, MAP_SHARED);

	cg_write(cg, "cgroup.procs", "0");
	child_check(p);
	for (off = 0; off < len; off += entry) {
		fill(p + off, entry, 6);
		child_check(pin_errno(TAM_IOC_UNPIN, p + off, entry, 0, NULL) == 0);
	}
	child_check(proc_stats(0).purges > 0);
}

START_TEST(one_object_cache_at_its_limit)
{
	in_group_without_oom(one_object_child, 32 * MIB);
}
END_TEST

/*
 * Two groups: A unpins 32 MiB and waits; B, at its memory.max, reclaims.
 * B's pressure purges nothing of A's.
 */
#define CG_A		"/sys/fs/cgroup/tamalloc-pins-a"
#define CG_B		"/sys/fs/cgroup/tamalloc-pins-b"

START_TEST(only_the_groups_own)
{
	struct sync_pair sync;
	int status;
	pid_t a;

	cg_make(CG_A, 512 * MIB);
	cg_make(CG_B, 64 * MIB);
	sync_init(&sync);
	a = fork();
	ck_assert_int_ge(a, 0);
	if (a == 0) {
		char *p;

		write_file(CG_A "/cgroup.procs", "0");
		p = map_or_null(32 * MIB, MAP_SHARED);
		child_check(p);
		fill(p, 32 * MIB, 9);
		/* Several ranges, as many as B's own test purges. */
		for (int i = 0; i < 4; i++)
			child_check(pin_errno(TAM_IOC_UNPIN, p + i * 8 * MIB,
					      8 * MIB, 0, NULL) == 0);
		sync_signal_parent(&sync);
		sync_wait_parent(&sync);
		child_check(proc_stats(0).purges == 0);
		child_check(intact(p, 0, 32 * MIB, 9));
		_exit(0);
	}
	sync_wait_child(&sync);
	/* B: 128 MiB of anonymous memory against its 64 MiB: its OOM kill. */
	if (!fork()) {
		char *m;

		write_file(CG_B "/cgroup.procs", "0");
		m = mmap(NULL, 128 * MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED)
			memset(m, 1, 128 * MIB);
		_exit(0);
	}
	ck_assert_int_ge(wait(&status), 0);
	ck_assert_uint_ge(cg_oom_kills(CG_B), 1);
	sync_signal_child(&sync);
	ck_assert_int_eq(waitpid(a, &status, 0), a);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "A: status %#x", status);
	ck_assert_int_eq(rmdir(CG_A), 0);
	ck_assert_int_eq(rmdir(CG_B), 0);
}
END_TEST

Suite *pins_suite(void)
{
	Suite *s = suite_create("pins");
	TCase *tc = tcase_create("ioctls");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, purge_then_pin_answers_exactly);
	tcase_add_test(tc, state_belongs_to_the_object);
	tcase_add_test(tc, exit_with_ranges_outstanding);
	tcase_add_test(tc, purge_takes_only_what_the_caller_maps);
	tcase_add_test(tc, cap_purges_own_unpinned_first);
	tcase_add_test(tc, madv_free_is_for_anonymous_memory_only);
	tcase_add_test(tc, figures_count_large_ranges);
	suite_add_tcase(s, tc);
	return s;
}

/* Ends in an OOM kill in a memory cgroup: only by name (tests/oom-test.sh). */
Suite *purge_suite(void)
{
	Suite *s = suite_create("purge");
	TCase *tc = tcase_create("pressure");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, purged_in_order_before_oom);
	tcase_add_test(tc, single_range_purged_before_oom);
	tcase_add_test(tc, one_object_cache_at_its_limit);
	tcase_add_test(tc, only_the_groups_own);
	suite_add_tcase(s, tc);
	return s;
}
