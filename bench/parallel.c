// SPDX-License-Identifier: MIT
/*
 * tamalloc-bench-parallel: what memory calls cost while other processes
 * make the same calls at the same time, as a ratio to the kernel's own
 * memory of the same kind measured in the same run.  A lock or a counter
 * that every tamalloc user shares (issue 11's findings 7 and 8: one
 * i_mmap_rwsem for every private mapping of the device, global atomics on
 * every fault) shows here as a method that scales worse than its baseline.
 *
 * Each workload runs with 1 worker process and then with one per online CPU
 * (each pinned to its CPU, each with its own open of the device, as
 * separate programs have):
 *   map-churn      mmap 64 KiB, write one byte, munmap
 *   touch          mmap 4 MiB, write one byte per 4 KiB page, munmap
 * with each method:
 *   anon           MAP_PRIVATE | MAP_ANONYMOUS: the baseline of private
 *   zero-private   /dev/zero MAP_PRIVATE
 *   tam-private    /dev/tamalloc MAP_PRIVATE
 *   zero-shared    /dev/zero MAP_SHARED: the baseline of shared
 *   tam-shared     /dev/tamalloc MAP_SHARED
 * The figure is the median over rounds of the time per operation; the
 * methods are interleaved round by round so that drift hits them all alike.
 * "scaling" is the time with every worker over the time with one: 1.0 when
 * the workers never wait for each other (`make bench-parallel` gives each
 * vCPU a host thread of its own; under single-threaded TCG the vCPUs take
 * turns and 2 vCPUs scale at best 2.0); "ratio" compares the method with its
 * baseline, with every worker running.
 *
 * Usage: tamalloc-bench-parallel [-r ROUNDS] [-w WORKERS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/tamalloc.h>

#include "bench.h"

#define PAGE		4096UL

struct method {
	const char *name;
	const char *path;	/* device to map, or NULL for anonymous */
	int flags;
	int baseline;		/* index of the method it is compared with */
};

enum { ANON, ZERO_PRIVATE, TAM_PRIVATE, ZERO_SHARED, TAM_SHARED, NMETHODS };

static const struct method methods[NMETHODS] = {
	[ANON] = { "anon", NULL, MAP_PRIVATE | MAP_ANONYMOUS, ANON },
	[ZERO_PRIVATE] = { "zero-private", "/dev/zero", MAP_PRIVATE, ANON },
	[TAM_PRIVATE] = { "tam-private", TAM_DEVICE_PATH, MAP_PRIVATE, ANON },
	[ZERO_SHARED] = { "zero-shared", "/dev/zero", MAP_SHARED, ZERO_SHARED },
	[TAM_SHARED] = { "tam-shared", TAM_DEVICE_PATH, MAP_SHARED, ZERO_SHARED },
};

struct workload {
	const char *name;
	size_t len;		/* bytes mapped per operation */
	size_t stride;		/* one byte written every stride bytes */
	unsigned int ops;	/* operations per worker */
};

static const struct workload workloads[] = {
	{ "map-churn", 64 * 1024, 64 * 1024, 2000 },
	{ "touch", 4 << 20, PAGE, 12 },
};

#define NWORKLOADS	(sizeof(workloads) / sizeof(workloads[0]))

/* ns per operation: [workload][method][0: one worker, 1: every worker][round] */
static double figures[NWORKLOADS][NMETHODS][2][MAX_ROUNDS];

static void one_op(const struct workload *w, int fd, int flags)
{
	volatile char *p;
	size_t off;

	p = mmap(NULL, w->len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	for (off = 0; off < w->len; off += w->stride)
		p[off] = 1;
	if (munmap((void *)p, w->len))
		die("munmap");
}

/* The CPUs this process may run on; worker i is pinned to the i-th of them. */
static cpu_set_t allowed;

static int nth_allowed_cpu(int n)
{
	int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &allowed) && n-- == 0)
			return cpu;
	return -1;
}

/*
 * A worker: pinned to the nth CPU it may use, its own open of the device, one operation to
 * warm up, then it says it is ready and waits for the start (the parent
 * closing the pipe's write end).
 */
static void worker(const struct workload *w, const struct method *m, int nth,
		   int ready, int go)
{
	cpu_set_t set;
	unsigned int i;
	int fd = -1;
	char c;

	CPU_ZERO(&set);
	CPU_SET(nth_allowed_cpu(nth), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
	if (m->path) {
		fd = open(m->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die(m->path);
	}
	one_op(w, fd, m->flags);
	if (write(ready, "r", 1) != 1)
		die("write");
	close(ready);	/* so that a worker that dies is an end of file */
	if (read(go, &c, 1) != 0)
		die("read");
	for (i = 0; i < w->ops; i++)
		one_op(w, fd, m->flags);
	_exit(0);
}

/* ns per operation with n workers at once. */
static double run(const struct workload *w, const struct method *m, int n)
{
	int ready[2], go[2], i, status;
	double t0, t1;
	char c;

	if (pipe(ready) || pipe(go))
		die("pipe");
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid) {
			close(ready[0]);
			close(go[1]);
			worker(w, m, i, ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < n; i++)
		if (read(ready[0], &c, 1) != 1) {
			fprintf(stderr, "tamalloc-bench-parallel: a %s %s worker failed to start\n",
				w->name, m->name);
			exit(1);
		}
	t0 = now_ns();
	close(go[1]);
	for (i = 0; i < n; i++) {
		if (wait(&status) < 0)
			die("wait");
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "tamalloc-bench-parallel: a %s %s worker failed\n",
				w->name, m->name);
			exit(1);
		}
	}
	t1 = now_ns();
	close(ready[0]);
	return (t1 - t0) / w->ops;
}

int main(int argc, char **argv)
{
	int rounds = 5, workers, cpus, r, opt;
	unsigned int wl, i;
	struct utsname u;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		die("sched_getaffinity");
	cpus = CPU_COUNT(&allowed);
	workers = cpus;
	while ((opt = getopt(argc, argv, "r:w:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'w':
			workers = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-r ROUNDS] [-w WORKERS]\n", argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || workers < 2 || workers > cpus) {
		fprintf(stderr,
			"tamalloc-bench-parallel: need 1 <= ROUNDS <= %d and 2 <= WORKERS <= %d (the CPUs it may use)\n",
			MAX_ROUNDS, cpus);
		return 2;
	}

	for (r = 0; r < rounds; r++)
		for (wl = 0; wl < NWORKLOADS; wl++)
			for (i = 0; i < NMETHODS; i++) {
				unsigned int m = (i + r) % NMETHODS;

				figures[wl][m][0][r] = run(&workloads[wl], &methods[m], 1);
				figures[wl][m][1][r] = run(&workloads[wl], &methods[m], workers);
			}

	uname(&u);
	printf("parallel, 1 and %d workers x %d rounds; kernel %s\n", workers, rounds, u.release);
	printf("%-10s %-13s %12s %12s %8s %7s  %s\n", "workload", "method", "1: ns/op",
	       "all: ns/op", "scaling", "ratio", "baseline");
	for (wl = 0; wl < NWORKLOADS; wl++)
		for (i = 0; i < NMETHODS; i++) {
			double one = median(figures[wl][i][0], rounds);
			double all = median(figures[wl][i][1], rounds);
			int b = methods[i].baseline;

			printf("%-10s %-13s %12.0f %12.0f %8.2f %6.2fx  %s\n", workloads[wl].name,
			       methods[i].name, one, all, all / one,
			       all / median(figures[wl][b][1], rounds), methods[b].name);
		}
	return 0;
}
