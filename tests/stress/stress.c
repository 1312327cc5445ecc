// SPDX-License-Identifier: MIT
/*
 * tamalloc-stress: randomized, seeded, reproducible stress of the device.
 *
 *   tamalloc-stress [-s SEED] [-p PROCS] [-n SEQUENCES] [-l OPS] [-K]
 *
 * PROCS worker processes (default 8) run SEQUENCES random operation
 * sequences between them (default 1000), each of up to OPS operations, on a
 * pool of shared and private mappings: mmap of random sizes, touches, partial
 * munmap, mprotect, mremap, madvise(MADV_DONTNEED), discard, unpin (and
 * purge) then pin, unpin left for later (the range may be purged at any time
 * from then on, across the other operations, a fork and the exit), fork (the
 * child checks, writes and exits), and threads faulting one region at once.
 * A poller process meanwhile reads every stats ioctl in a loop, and a purger
 * purges every unpinned range (TAM_IOC_PURGE as root) and runs the shrinkers
 * (drop_caches) in a loop.
 *
 * Checked all along: every page reads what this process last wrote there or
 * zero, as the semantics say (either, while it is unpinned); the process's resident and reserved figures
 * equal what smaps reports for its tamalloc mappings.  Checked at the end:
 * the system figures are back to 0 and free memory (MemFree and the per-CPU
 * free lists) is within 1 % of the start.
 * -K skips the MemFree check, for KASAN kernels: KASAN's quarantine keeps
 * freed objects (up to 1/32 of memory) out of MemFree, and kmemleak is the
 * leak check there.
 * A failure prints the worker's seed, sequence and operation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/tamalloc.h>

#define PAGE		4096UL
#define POOL		8
#define MAX_PAGES	64

struct mapping {
	char *addr;
	size_t pages;
	int shared;
	unsigned char *shadow;	/* expected byte of each page; 0: zero */
	unsigned char *loose;	/* per page: unpinned, may read zeros */
};

static struct mapping pool[POOL];
static int dev;
static uint64_t rng;
static unsigned long seq_no, op_no;
static uint64_t worker_seed;
static const char *op_name = "start";

static uint64_t next(void)
{
	/* splitmix64: small, fast, and the same everywhere. */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long below(unsigned long n)
{
	return n ? next() % n : 0;
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tamalloc-stress: FAILED: worker seed %" PRIu64
		", sequence %lu, operation %lu (%s): ", worker_seed, seq_no, op_no,
		op_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(1);
}

static void verify_page(struct mapping *m, size_t i)
{
	const unsigned char *p = (unsigned char *)m->addr + i * PAGE;
	unsigned char want = m->shadow[i];
	size_t b;

	/*
	 * Unpinned, it may have been purged at any time, even in the middle
	 * of a write (which went on into a new zero page): each byte reads
	 * as written or zero.
	 */
	for (b = 0; b < PAGE; b++)
		if (p[b] != want && !(m->loose[i] && !p[b]))
			fail("%s mapping %p page %zu byte %zu reads %u, expected %u",
			     m->shared ? "shared" : "private", m->addr, i, b, p[b], want);
}

static void verify_all(void)
{
	size_t i;
	int k;

	for (k = 0; k < POOL; k++)
		for (i = 0; pool[k].addr && i < pool[k].pages; i++)
			verify_page(&pool[k], i);
}

static int all_zero(const char *p)
{
	size_t b;

	for (b = 0; b < PAGE; b++)
		if (p[b])
			return 0;
	return 1;
}

static void write_page(struct mapping *m, size_t i, unsigned char v)
{
	memset(m->addr + i * PAGE, v, PAGE);
	m->shadow[i] = v;
}

static void forget(struct mapping *m)
{
	free(m->shadow);
	free(m->loose);
	memset(m, 0, sizeof(*m));
}

/* Sum of Size and Rss over this process's tamalloc VMAs, from smaps. */
static void smaps_figures(uint64_t *size, uint64_t *rss)
{
	char line[512];
	unsigned long start, end;
	uint64_t kib;
	int ours = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		fail("smaps: %s", strerror(errno));
	*size = *rss = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			ours = strstr(line, " " TAM_DEVICE_PATH) != NULL;
			continue;
		}
		if (ours && sscanf(line, "Size: %" SCNu64 " kB", &kib) == 1)
			*size += kib * 1024;
		else if (ours && sscanf(line, "Rss: %" SCNu64 " kB", &kib) == 1)
			*rss += kib * 1024;
	}
	fclose(f);
}

static int any_loose(void)
{
	size_t i;
	int k;

	for (k = 0; k < POOL; k++)
		for (i = 0; pool[k].addr && i < pool[k].pages; i++)
			if (pool[k].loose[i])
				return 1;
	return 0;
}

static uint64_t resident_figure(void)
{
	struct tam_proc_stats st = { .size = sizeof(st) };

	if (ioctl(dev, TAM_IOC_PROC_STATS, &st))
		fail("TAM_IOC_PROC_STATS: %s", strerror(errno));
	return st.resident_bytes;
}

static void check_figures(void)
{
	struct tam_proc_stats st = { .size = sizeof(st) };
	uint64_t size, rss, reserved = 0, before, after;
	int k, tries = 0;

	for (k = 0; k < POOL; k++)
		reserved += pool[k].pages * PAGE;
	if (ioctl(dev, TAM_IOC_PROC_STATS, &st))
		fail("TAM_IOC_PROC_STATS: %s", strerror(errno));
	smaps_figures(&size, &rss);
	if (st.reserved_bytes != reserved || size != reserved)
		fail("reserved %" PRIu64 ", smaps Size %" PRIu64 ", pool %" PRIu64,
		     (uint64_t)st.reserved_bytes, size, reserved);
	/*
	 * With ranges unpinned a purge may come between the two readings:
	 * the figure must match smaps' whenever none came (the figure the
	 * same on both sides of the smaps reading).
	 */
	before = st.resident_bytes;
	after = resident_figure();
	while (before != after && any_loose() && ++tries < 100) {
		before = resident_figure();
		smaps_figures(&size, &rss);
		after = resident_figure();
	}
	if (before != rss || after != rss)
		fail("resident %" PRIu64 " then %" PRIu64 " but smaps Rss %" PRIu64,
		     before, after, rss);
}

static int free_slot(void)
{
	int k;

	for (k = 0; k < POOL; k++)
		if (!pool[k].addr)
			return k;
	return -1;
}

static int used_slot(void)
{
	int k, start = (int)below(POOL);

	for (k = 0; k < POOL; k++)
		if (pool[(start + k) % POOL].addr)
			return (start + k) % POOL;
	return -1;
}

static void op_mmap(void)
{
	int k = free_slot();
	struct mapping *m;

	if (k < 0)
		return;
	m = &pool[k];
	m->pages = 1 + below(MAX_PAGES);
	m->shared = (int)below(2);
	m->addr = mmap(NULL, m->pages * PAGE, PROT_READ | PROT_WRITE,
		       m->shared ? MAP_SHARED : MAP_PRIVATE, dev, 0);
	if (m->addr == MAP_FAILED)
		fail("mmap of %zu pages: %s", m->pages, strerror(errno));
	m->shadow = calloc(m->pages, 1);
	m->loose = calloc(m->pages, 1);
	if (!m->shadow || !m->loose)
		fail("out of memory");
}

static void op_touch(struct mapping *m)
{
	size_t first = below(m->pages), n = 1 + below(m->pages - first), i;

	for (i = first; i < first + n; i++) {
		if (below(2))
			write_page(m, i, (unsigned char)(1 + below(255)));
		else
			verify_page(m, i);
	}
}

/*
 * Split @m at page @at (0 < at < pages): the head stays in @m, the tail
 * takes a free slot, or is unmapped if there is none.
 */
static void split_at(struct mapping *m, size_t at)
{
	size_t tail = m->pages - at;
	int k = free_slot();

	if (k < 0) {
		if (munmap(m->addr + at * PAGE, tail * PAGE))
			fail("munmap tail: %s", strerror(errno));
	} else {
		pool[k].addr = m->addr + at * PAGE;
		pool[k].pages = tail;
		pool[k].shared = m->shared;
		pool[k].shadow = malloc(tail);
		pool[k].loose = malloc(tail);
		if (!pool[k].shadow || !pool[k].loose)
			fail("out of memory");
		memcpy(pool[k].shadow, m->shadow + at, tail);
		memcpy(pool[k].loose, m->loose + at, tail);
	}
	m->pages = at;
}

/* Unmap [first, first + n) of @m: keep the head in @m, the tail elsewhere. */
static void op_munmap(struct mapping *m)
{
	size_t first = below(m->pages), n = 1 + below(m->pages - first);

	if (first + n < m->pages)
		split_at(m, first + n);
	if (munmap(m->addr + first * PAGE, n * PAGE))
		fail("munmap: %s", strerror(errno));
	if (!first)
		forget(m);
	else
		m->pages = first;
}

/*
 * A tamalloc VMA has a ->close, so the kernel never merges it with its
 * neighbour again: after mprotect() and back, the range stays split in up to
 * three VMAs, and each piece is a mapping of its own from then on (mremap
 * cannot span them).
 */
static void op_mprotect(struct mapping *m)
{
	size_t first = below(m->pages), n = 1 + below(m->pages - first), i;
	char *p = m->addr + first * PAGE;

	if (mprotect(p, n * PAGE, PROT_READ))
		fail("mprotect read-only: %s", strerror(errno));
	for (i = first; i < first + n; i++)
		verify_page(m, i);
	if (mprotect(p, n * PAGE, PROT_READ | PROT_WRITE))
		fail("mprotect read-write: %s", strerror(errno));
	if (first + n < m->pages)
		split_at(m, first + n);
	if (first)
		split_at(m, first);
}

/*
 * Private mappings move, shrink and grow.  Shared ones only move and shrink:
 * growing a shared mapping in place extends it over the object's next
 * offsets, which another piece of it may still map (as with shmem), and this
 * shadow does not model objects.
 */
static void op_mremap(struct mapping *m)
{
	size_t pages = 1 + below(m->shared ? m->pages : MAX_PAGES), i;
	unsigned char *shadow, *loose;
	char *q;

	q = mremap(m->addr, m->pages * PAGE, pages * PAGE, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		fail("mremap %zu -> %zu pages: %s", m->pages, pages, strerror(errno));
	shadow = calloc(pages, 1);
	loose = calloc(pages, 1);
	if (!shadow || !loose)
		fail("out of memory");
	for (i = 0; i < pages && i < m->pages; i++) {
		shadow[i] = m->shadow[i];
		loose[i] = m->loose[i];
	}
	free(m->shadow);
	free(m->loose);
	m->shadow = shadow;
	m->loose = loose;
	m->addr = q;
	m->pages = pages;
}

static void op_dontneed(struct mapping *m)
{
	size_t first = below(m->pages), n = 1 + below(m->pages - first), i;

	if (madvise(m->addr + first * PAGE, n * PAGE, MADV_DONTNEED))
		fail("madvise: %s", strerror(errno));
	/* Private pages go; a shared object keeps its data, as shmem does. */
	if (!m->shared)
		for (i = first; i < first + n; i++)
			m->shadow[i] = 0;
}

static void op_discard(struct mapping *m)
{
	size_t first = below(m->pages), n = 1 + below(m->pages - first);
	struct tam_range r = { sizeof(r), (uintptr_t)(m->addr + first * PAGE), n * PAGE };

	if (!m->shared) {
		if (ioctl(dev, TAM_IOC_DISCARD, &r) == 0 || errno != EACCES)
			fail("discard of a private mapping: %s", strerror(errno));
		return;
	}
	if (ioctl(dev, TAM_IOC_DISCARD, &r))
		fail("discard: %s", strerror(errno));
	memset(m->shadow + first, 0, n);
}

/*
 * Unpin a part of a mapping, perhaps purge it, pin it back: the purged
 * answer is all of it or nothing, and the contents follow (zeros if purged).
 * Where a part was unpinned already (op_unpin), what it held may be zeros:
 * the answer is then at most the whole.  A private mapping cannot be
 * unpinned.
 */
static void op_pin_cycle(struct mapping *m)
{
	size_t first = below(m->pages), n = 1 + below(m->pages - first), i;
	struct tam_pin pin = {
		.size = sizeof(pin), .addr = (uintptr_t)(m->addr + first * PAGE),
		.len = n * PAGE, .priority = (uint32_t)below(TAM_UNPIN_PRIORITIES),
	};
	struct tam_purge purge = { .size = sizeof(purge) };
	int purged_now = below(2), was_loose = 0;

	if (!m->shared) {
		if (ioctl(dev, TAM_IOC_UNPIN, &pin) == 0 || errno != EINVAL)
			fail("unpin of a private mapping: %s", strerror(errno));
		return;
	}
	for (i = first; i < first + n; i++)
		was_loose |= m->loose[i];
	if (ioctl(dev, TAM_IOC_UNPIN, &pin))
		fail("unpin: %s", strerror(errno));
	if (purged_now && ioctl(dev, TAM_IOC_PURGE, &purge))
		fail("purge: %s", strerror(errno));
	pin.priority = 0;
	if (ioctl(dev, TAM_IOC_PIN, &pin))
		fail("pin: %s", strerror(errno));
	if (was_loose) {
		if (pin.purged_bytes > n * PAGE)
			fail("pin: %" PRIu64 " bytes purged of %zu", pin.purged_bytes,
			     n * PAGE);
		/*
		 * Every page may hold zeros now; pinned, it is rewritten whole
		 * if a purge tore a write, and then stays as it is.
		 */
		for (i = first; i < first + n; i++) {
			m->loose[i] = 1;
			verify_page(m, i);
			m->loose[i] = 0;
			if (all_zero(m->addr + i * PAGE))
				m->shadow[i] = 0;
			else if (m->shadow[i])
				write_page(m, i, m->shadow[i]);
		}
		return;
	}
	/*
	 * All of it or nothing: a purge takes whole ranges, and another
	 * worker's (root purges every process's), the purger's or reclaim may
	 * have come.
	 */
	if ((pin.purged_bytes && pin.purged_bytes != n * PAGE) ||
	    (purged_now && !pin.purged_bytes))
		fail("pin: %" PRIu64 " bytes purged of %zu", pin.purged_bytes, n * PAGE);
	if (pin.purged_bytes)
		memset(m->shadow + first, 0, n);
}

/*
 * Unpin a part of a shared mapping and leave it so: from then on it may be
 * purged at any time, through every other operation, until a pin cycle
 * takes it back or the mapping goes.
 */
static void op_unpin(struct mapping *m)
{
	size_t first = below(m->pages), n = 1 + below(m->pages - first);
	struct tam_pin pin = {
		.size = sizeof(pin), .addr = (uintptr_t)(m->addr + first * PAGE),
		.len = n * PAGE, .priority = (uint32_t)below(TAM_UNPIN_PRIORITIES),
	};

	if (!m->shared)
		return;
	if (ioctl(dev, TAM_IOC_UNPIN, &pin))
		fail("unpin: %s", strerror(errno));
	memset(m->loose + first, 1, n);
}

static void op_fork(void)
{
	int k, status;
	size_t i;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		op_name = "fork child";
		verify_all();
		check_figures();
		/* Private writes stay the child's; shared ones reach the parent. */
		for (k = 0; k < POOL; k++)
			for (i = 0; pool[k].addr && i < pool[k].pages; i++)
				if (!pool[k].shared)
					write_page(&pool[k], i, 0xee);
		verify_all();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || status)
		fail("fork child failed (status %#x)", status);
}

struct fault_arg {
	struct mapping *m;
	unsigned char v;
};

static void *fault_thread(void *arg)
{
	struct fault_arg *a = arg;
	size_t i;

	for (i = 0; i < a->m->pages; i++)
		memset(a->m->addr + i * PAGE, a->v, PAGE);
	return NULL;
}

static void op_threads(struct mapping *m)
{
	struct fault_arg a = { m, (unsigned char)(1 + below(255)) };
	pthread_t t[3];
	size_t i;
	int j;

	for (j = 0; j < 3; j++)
		if (pthread_create(&t[j], NULL, fault_thread, &a))
			fail("pthread_create");
	for (j = 0; j < 3; j++)
		pthread_join(t[j], NULL);
	for (i = 0; i < m->pages; i++)
		m->shadow[i] = a.v;
}

static void run_sequence(unsigned long max_ops)
{
	unsigned long n = 1 + below(max_ops);
	int k;

	for (op_no = 0; op_no < n; op_no++) {
		unsigned long what = below(100);

		k = used_slot();
		if (k < 0 || what < 15) {
			op_name = "mmap";
			op_mmap();
		} else if (what < 45) {
			op_name = "touch";
			op_touch(&pool[k]);
		} else if (what < 55) {
			op_name = "munmap";
			op_munmap(&pool[k]);
		} else if (what < 62) {
			op_name = "mprotect";
			op_mprotect(&pool[k]);
		} else if (what < 70) {
			op_name = "mremap";
			op_mremap(&pool[k]);
		} else if (what < 78) {
			op_name = "madvise";
			op_dontneed(&pool[k]);
		} else if (what < 83) {
			op_name = "discard";
			op_discard(&pool[k]);
		} else if (what < 87) {
			op_name = "pin cycle";
			op_pin_cycle(&pool[k]);
		} else if (what < 89) {
			op_name = "unpin";
			op_unpin(&pool[k]);
		} else if (what < 93) {
			op_name = "threads";
			op_threads(&pool[k]);
		} else {
			op_name = "fork";
			op_fork();
		}
		if (below(4) == 0) {
			op_name = "check";
			verify_all();
			check_figures();
		}
	}
	op_name = "end of sequence";
	verify_all();
	check_figures();
}

static void worker(uint64_t seed, unsigned long sequences, unsigned long max_ops)
{
	worker_seed = seed;
	rng = seed;
	dev = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		fail("open: %s", strerror(errno));
	for (seq_no = 0; seq_no < sequences; seq_no++)
		run_sequence(max_ops);
	_exit(0);
}

/* Read every stats ioctl in a loop until killed. */
static void poller(void)
{
	int fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	int32_t pids[64];

	if (fd < 0)
		_exit(1);
	for (;;) {
		struct tam_sys_stats sys = { .size = sizeof(sys) };
		struct tam_pid_list list = { sizeof(list), (uintptr_t)pids, 64, 0 };
		uint32_t i;

		if (ioctl(fd, TAM_IOC_SYS_STATS, &sys) ||
		    ioctl(fd, TAM_IOC_LIST_PIDS, &list))
			_exit(2);
		for (i = 0; i < list.count && i < 64; i++) {
			struct tam_proc_stats st = { .size = sizeof(st), .pid = pids[i] };

			if (ioctl(fd, TAM_IOC_PROC_STATS, &st) && errno != ESRCH)
				_exit(3);
		}
	}
}

/*
 * Purge every unpinned range in the system, and run every shrinker (ours
 * among them, as reclaim does), in a loop until killed.
 */
static void purger(void)
{
	int fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	unsigned long i;

	if (fd < 0)
		_exit(1);
	for (i = 0;; i++) {
		struct tam_purge purge = { .size = sizeof(purge) };
		FILE *f;

		if (ioctl(fd, TAM_IOC_PURGE, &purge))
			_exit(2);
		if (i % 16 == 0 && (f = fopen("/proc/sys/vm/drop_caches", "w"))) {
			fputs("2\n", f);	/* slab: the shrinkers */
			fclose(f);
		}
		usleep(2000);
	}
}

/*
 * Free memory after dropping clean caches and reclaimable slab, so what the
 * kernel keeps around only because memory is plentiful does not count:
 * MemFree plus the pages waiting on per-CPU free lists (/proc/zoneinfo's
 * pagesets), which MemFree leaves out and which swing by tens of MB.
 */
static long mem_free_kib(void)
{
	long kib = -1, pages = 0, n;
	char line[128];
	FILE *f = fopen("/proc/sys/vm/drop_caches", "w");

	if (f) {
		fputs("3\n", f);
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	f = fopen("/proc/zoneinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			pages += n;
	if (f)
		fclose(f);
	return kib < 0 ? kib : kib + pages * (long)(PAGE / 1024);
}

/* @procs workers share @sequences sequences; returns non-zero on a failure. */
static int run_workers(uint64_t seed, unsigned long procs, unsigned long sequences,
		       unsigned long max_ops, pid_t *pids)
{
	int status, failed = 0;
	unsigned long i;

	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (!pids[i])
			worker(seed * 1000003 + i, sequences / procs + (i < sequences % procs),
			       max_ops);
	}
	for (i = 0; i < procs; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] || status) {
			fprintf(stderr, "tamalloc-stress: worker %lu (seed %" PRIu64 ") failed, status %#x\n",
				i, seed * 1000003 + i, status);
			failed = 1;
		}
	}
	return failed;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	unsigned long procs = 8, sequences = 1000, max_ops = 40, i;
	struct tam_sys_stats sys = { .size = sizeof(sys) };
	long free_before, free_after;
	int opt, status, failed = 0, check_free = 1;
	pid_t poll_pid, purge_pid, *pids;

	while ((opt = getopt(argc, argv, "s:p:n:l:K")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'p': procs = strtoul(optarg, NULL, 0); break;
		case 'n': sequences = strtoul(optarg, NULL, 0); break;
		case 'l': max_ops = strtoul(optarg, NULL, 0); break;
		case 'K': check_free = 0; break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-p PROCS] [-n SEQUENCES] [-l OPS] [-K]\n",
				argv[0]);
			return 2;
		}
	}
	if (!procs || procs > 64 || !sequences || !max_ops) {
		fprintf(stderr, "tamalloc-stress: need 1 <= PROCS <= 64, SEQUENCES > 0, OPS > 0\n");
		return 2;
	}
	pids = calloc(procs, sizeof(*pids));
	dev = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (!pids || dev < 0) {
		fprintf(stderr, "tamalloc-stress: %s: %s\n", TAM_DEVICE_PATH, strerror(errno));
		return 77;
	}
	printf("tamalloc-stress: seed %" PRIu64 ", %lu processes, %lu sequences of up to %lu operations\n",
	       seed, procs, sequences, max_ops);
	fflush(stdout);

	/*
	 * A short warm-up first (seeded apart from the run): the kernel's slab
	 * caches grow once to hold this many processes, VMAs and page tables
	 * and keep that memory; a leak grows with the work after it.
	 */
	if (run_workers(~seed, procs, procs * 4, max_ops, pids))
		return 1;
	free_before = mem_free_kib();

	poll_pid = fork();
	if (!poll_pid)
		poller();
	purge_pid = fork();
	if (!purge_pid)
		purger();
	failed = run_workers(seed, procs, sequences, max_ops, pids);
	kill(poll_pid, SIGKILL);
	waitpid(poll_pid, &status, 0);
	if (!WIFSIGNALED(status)) {
		fprintf(stderr, "tamalloc-stress: the stats poller failed, status %#x\n", status);
		failed = 1;
	}
	kill(purge_pid, SIGKILL);
	waitpid(purge_pid, &status, 0);
	if (!WIFSIGNALED(status)) {
		fprintf(stderr, "tamalloc-stress: the purger failed, status %#x\n", status);
		failed = 1;
	}

	if (ioctl(dev, TAM_IOC_SYS_STATS, &sys))
		return 1;
	if (sys.reserved_bytes || sys.resident_bytes || sys.shared_bytes ||
	    sys.unpinned_bytes || sys.processes || sys.mappings) {
		fprintf(stderr, "tamalloc-stress: system figures not back to 0: reserved %llu "
			"resident %llu shared %llu unpinned %llu processes %llu mappings %llu\n",
			(unsigned long long)sys.reserved_bytes,
			(unsigned long long)sys.resident_bytes,
			(unsigned long long)sys.shared_bytes,
			(unsigned long long)sys.unpinned_bytes,
			(unsigned long long)sys.processes, (unsigned long long)sys.mappings);
		failed = 1;
	}
	/*
	 * Freed memory drifts back through per-CPU lists and RCU: take the best
	 * of a few readings.  Only a fall counts; more free memory is no leak.
	 */
	free_after = 0;
	for (i = 0; i < 10; i++) {
		long kib = mem_free_kib();

		if (kib > free_after)
			free_after = kib;
		usleep(100000);
	}
	if (!check_free) {
		printf("tamalloc-stress: MemFree not checked (-K: KASAN quarantine; kmemleak checks leaks)\n");
	} else if ((free_before - free_after) * 100 > free_before) {
		fprintf(stderr, "tamalloc-stress: free memory %ld kB before, %ld kB after\n",
			free_before, free_after);
		failed = 1;
	}
	printf("tamalloc-stress: %lu sequences, %" PRIu64 " faults; free memory %ld -> %ld kB; "
	       "pages leaked: %llu\n", sequences, (uint64_t)sys.faults, free_before,
	       free_after, (unsigned long long)(sys.shared_bytes / PAGE));
	printf("stress: %d passed, %d failed\n", !failed, failed);
	return failed;
}
