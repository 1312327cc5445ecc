// SPDX-License-Identifier: MIT
/*
 * tamalloc-bench-purge: what purgeable memory costs and gives, as ratios to
 * the kernel's own mechanisms measured in the same run.
 *
 *   pair      an unpin and a pin of a range nothing purged, against one
 *             madvise(MADV_FREE) of the same range of anonymous memory, both
 *             resident and dirty, for ranges of 4 KiB to 64 MiB
 *   ranges    the same pair on one page, with N other ranges unpinned in
 *             the object (the cost grows with them)
 *   reclaim   memory given back per second of reclaim: an object of 128 MiB
 *             in a memory cgroup, unpinned and purged, against the same
 *             object pinned and swapped out, both by memory.reclaim (5.19+;
 *             needs swap: scripts/vm-run --swap)
 *
 * Figures are medians over rounds.  Usage: tamalloc-bench-purge [-r ROUNDS]
 * [pair|ranges|reclaim]...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/tamalloc.h>

#include "bench.h"

#define PAGE		4096UL
#define MIB		(1UL << 20)
#define CG		"/sys/fs/cgroup/tamalloc-bench-purge"

static int dev;
static int rounds = 9;

static void *map(size_t len, int tamalloc)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       tamalloc ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS,
		       tamalloc ? dev : -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	if (!tamalloc)
		madvise(p, len, MADV_NOHUGEPAGE);	/* page by page, as the object */
	return p;
}

/* One byte a page: every page resident and dirty. */
static void dirty(char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += PAGE)
		p[off] = 1;
}

static void pin_ioctl(unsigned long req, void *addr, size_t len)
{
	struct tam_pin pin = { .size = sizeof(pin), .addr = (uintptr_t)addr, .len = len };

	if (ioctl(dev, req, &pin))
		die(req == TAM_IOC_PIN ? "TAM_IOC_PIN" : "TAM_IOC_UNPIN");
	if (req == TAM_IOC_PIN && pin.purged_bytes) {
		fprintf(stderr, "tamalloc-bench-purge: purged during the benchmark\n");
		exit(1);
	}
}

/* Nanoseconds of one unpin and pin pair of [p, p + len), median of rounds. */
static double pair_ns(char *p, size_t len, int inner)
{
	double v[MAX_ROUNDS], t;
	int r, i;

	for (r = 0; r < rounds; r++) {
		t = now_ns();
		for (i = 0; i < inner; i++) {
			pin_ioctl(TAM_IOC_UNPIN, p, len);
			pin_ioctl(TAM_IOC_PIN, p, len);
		}
		v[r] = (now_ns() - t) / inner;
	}
	return median(v, rounds);
}

/* Nanoseconds of one madvise(MADV_FREE) of dirty [p, p + len), median. */
static double madvise_ns(char *p, size_t len, int inner)
{
	double v[MAX_ROUNDS], t, sum;
	int r, i;

	for (r = 0; r < rounds; r++) {
		sum = 0;
		for (i = 0; i < inner; i++) {
			dirty(p, len);
			t = now_ns();
			if (madvise(p, len, MADV_FREE))
				die("madvise(MADV_FREE)");
			sum += now_ns() - t;
		}
		v[r] = sum / inner;
	}
	return median(v, rounds);
}

static void bench_pair(void)
{
	static const size_t sizes[] = { 4096, 64 << 10, 1 << 20, 16 << 20, 64 << 20 };
	unsigned int i;

	printf("\n%-10s %14s %16s %8s\n", "range", "unpin+pin ns", "MADV_FREE ns", "ratio");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i];
		int inner = len <= MIB ? 32 : 4;
		char *t = map(len, 1), *a = map(len, 0);
		double pair, madv;

		dirty(t, len);
		dirty(a, len);
		pair = pair_ns(t, len, inner);
		madv = madvise_ns(a, len, inner);
		printf("%-10zu %14.0f %16.0f %8.2f\n", len, pair, madv, pair / madv);
		munmap(t, len);
		munmap(a, len);
	}
}

static void bench_ranges(void)
{
	static const size_t counts[] = { 0, 64, 1024, 8192 };
	size_t len = 2 * 8193 * PAGE, n, k;
	char *a = map(PAGE, 0);
	unsigned int i;
	double madv;

	dirty(a, PAGE);
	madv = madvise_ns(a, PAGE, 32);
	printf("\n%-10s %14s %16s %8s\n", "ranges", "unpin+pin ns", "MADV_FREE ns", "ratio");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		char *t = map(len, 1);
		double pair;

		n = counts[i];
		dirty(t, len);
		/* N ranges of one page, apart, before the page benchmarked. */
		for (k = 0; k < n; k++)
			pin_ioctl(TAM_IOC_UNPIN, t + 2 * k * PAGE, PAGE);
		pair = pair_ns(t + 2 * 8192 * PAGE, PAGE, 32);
		printf("%-10zu %14.0f %16.0f %8.2f\n", n, pair, madv, pair / madv);
		munmap(t, len);
	}
	munmap(a, PAGE);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) < 0)
		err = errno;
	close(fd);
	return err;
}

static long long read_ll(const char *path)
{
	FILE *f = fopen(path, "r");
	long long v = -1;

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* MiB per second that memory.reclaim takes back from the group (median). */
static double reclaim_rate(char *p, size_t len, int unpinned)
{
	double v[MAX_ROUNDS], t;
	long long before, after;
	char ask[32];
	int r, n = rounds < 5 ? rounds : 5;

	snprintf(ask, sizeof(ask), "%zu", len);
	for (r = 0; r < n; r++) {
		memset(p, 0x5a, len);
		if (unpinned)
			pin_ioctl(TAM_IOC_UNPIN, p, len);
		before = read_ll(CG "/memory.current");
		t = now_ns();
		/* EAGAIN: not all of it; what was taken still counts. */
		write_str(CG "/memory.reclaim", ask);
		t = now_ns() - t;
		after = read_ll(CG "/memory.current");
		v[r] = (double)(before - after) / MIB / (t / 1e9);
		if (unpinned) {
			struct tam_pin pin = { .size = sizeof(pin), .addr = (uintptr_t)p,
					       .len = len };

			if (ioctl(dev, TAM_IOC_PIN, &pin))
				die("TAM_IOC_PIN");
		}
	}
	return median(v, n);
}

static void bench_reclaim(void)
{
	size_t len = 128 * MIB;
	double purge, swap;
	char *p;

	if (access("/sys/fs/cgroup/cgroup.subtree_control", F_OK)) {
		printf("\nreclaim: skipped: no cgroup v2 hierarchy at /sys/fs/cgroup\n");
		return;
	}
	write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (mkdir(CG, 0755) && errno != EEXIST)
		die("mkdir " CG);
	if (access(CG "/memory.reclaim", F_OK)) {
		printf("\nreclaim: skipped: no memory.reclaim (Linux 5.19 and later)\n");
		rmdir(CG);
		return;
	}
	if (read_ll("/proc/sys/vm/swappiness") < 0 || access("/proc/swaps", F_OK))
		die("/proc/swaps");
	if (write_str(CG "/cgroup.procs", "0"))
		die(CG "/cgroup.procs");
	p = map(len, 1);
	purge = reclaim_rate(p, len, 1);
	swap = reclaim_rate(p, len, 0);
	munmap(p, len);
	write_str("/sys/fs/cgroup/cgroup.procs", "0");
	rmdir(CG);
	printf("\n%-28s %10s\n", "memory.reclaim of 128 MiB", "MiB/s");
	printf("%-28s %10.0f\n", "unpinned: purged", purge);
	printf("%-28s %10.0f\n", "pinned: swapped out", swap);
	printf("%-28s %10.1f\n", "ratio purge / swap-out", swap > 0 ? purge / swap : 0.0);
}

int main(int argc, char **argv)
{
	int opt, i;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r') {
			fprintf(stderr, "usage: tamalloc-bench-purge [-r ROUNDS] [pair|ranges|reclaim]...\n");
			return 2;
		}
		rounds = atoi(optarg);
		if (rounds < 1 || rounds > MAX_ROUNDS)
			rounds = 9;
	}
	dev = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "tamalloc-bench-purge: %s: %s\n", TAM_DEVICE_PATH, strerror(errno));
		return 77;
	}
	printf("tamalloc-bench-purge: medians of %d rounds\n", rounds);
	for (i = optind; i < argc || (i == optind && argc == optind); i++) {
		const char *what = i < argc ? argv[i] : NULL;

		if (!what || !strcmp(what, "pair"))
			bench_pair();
		if (!what || !strcmp(what, "ranges"))
			bench_ranges();
		if (!what || !strcmp(what, "reclaim"))
			bench_reclaim();
	}
	return 0;
}
