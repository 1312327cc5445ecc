// SPDX-License-Identifier: MIT
/*
 * A cache on purgeable memory: entries (decoded images, rendered tiles) live
 * in a shared tamalloc region; those not in use are unpinned, and the kernel
 * takes them back under memory pressure instead of swapping or OOM-killing.
 * Pinning an entry again says whether it was: a hit, or a miss to rebuild.
 *
 *   tamalloc-cache [-z | -c CAPACITY] [-t TOTAL] [-e ENTRY] [-k KEEP]
 *                  [-s SEED] [-w FILE]
 *
 *   (default)    purgeable: the last KEEP entries used stay pinned, the
 *                rest are unpinned, the oldest purged first
 *   -z           the same cache on /dev/zero shared memory, where nothing
 *                can be unpinned: every entry stays until the OOM killer
 *   -c CAPACITY  the same cache capped at CAPACITY bytes, pinned, evicting
 *                its least recently used entry (TAM_IOC_DISCARD) when full
 *   -t TOTAL     bytes of entries made over the run (default 2G)
 *   -e ENTRY     bytes per entry (default 1M)
 *   -k KEEP      entries kept pinned while in use (default 8)
 *   -s SEED      the request stream's seed (default 1)
 *   -w FILE      at the end, write the pid to FILE and wait for SIGTERM
 *
 * The stream: every fourth request makes a new entry (until TOTAL bytes of
 * them are made), the others ask again for an earlier one, the recent ones
 * most often.  Every hit is checked (one word per page): pinned contents
 * must come back intact.  Sizes take K, M and G.
 *
 * Build against the installed library:
 *   cc cache.c -o tamalloc-cache $(pkg-config --cflags --libs tamalloc)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <tamalloc.h>

#define PAGE	4096UL

enum mode { PURGEABLE, ZERO, CAPPED };

struct cache {
	enum mode mode;
	struct tam_region *region;	/* PURGEABLE, CAPPED */
	char *base;
	size_t entry;			/* bytes per entry */
	size_t entries;			/* of the whole run */
	size_t capacity;		/* CAPPED: entries held at most */
	uint64_t *used;			/* per entry: the request last using it, 0: none */
	unsigned char *state;		/* per entry */
	size_t *pinned;			/* PURGEABLE: the last entries used, a ring */
	size_t keep, npinned, held;
	unsigned long hits, misses, made, requests, purged;
};

enum { ABSENT, PINNED, UNPINNED, HELD };

static uint64_t rng;

static uint64_t next_random(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "tamalloc-cache: %s: %s\n", what, strerror(err));
	exit(1);
}

/* A size with an optional K, M or G suffix, or 0 if it is not one. */
static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return 0;
	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	case '\0': break;
	default: return 0;
	}
	return *end ? 0 : (size_t)v;
}

static uint64_t word_of(size_t key, size_t page)
{
	return ((uint64_t)key << 32 | page) * 0x9e3779b97f4a7c15ULL;
}

static char *entry_at(struct cache *c, size_t key)
{
	return c->base + key * c->entry;
}

/* Build the entry: the costly work a cache saves (here: writing it). */
static void build(struct cache *c, size_t key)
{
	char *p = entry_at(c, key);
	size_t pg;

	for (pg = 0; pg < c->entry / PAGE; pg++) {
		memset(p + pg * PAGE + 8, (int)(key & 0xff), PAGE - 8);
		*(uint64_t *)(p + pg * PAGE) = word_of(key, pg);
	}
}

static void check(struct cache *c, size_t key)
{
	const char *p = entry_at(c, key);
	size_t pg;

	for (pg = 0; pg < c->entry / PAGE; pg++)
		if (*(const uint64_t *)(p + pg * PAGE) != word_of(key, pg)) {
			fprintf(stderr, "tamalloc-cache: entry %zu page %zu lost its contents\n",
				key, pg);
			exit(1);
		}
}

/* PURGEABLE: @key is in use; the entry used KEEP requests ago is unpinned. */
static void keep_pinned(struct cache *c, size_t key)
{
	size_t slot = c->npinned++ % c->keep, old = c->pinned[slot], i;
	int err;

	c->pinned[slot] = key;
	if (c->npinned <= c->keep || c->state[old] != PINNED)
		return;
	for (i = 0; i < c->keep; i++)
		if (c->pinned[i] == old)
			return;		/* used again since: still in use */
	err = tam_region_unpin(c->region, old * c->entry, c->entry, 0);
	if (err)
		die("unpin", -err);
	c->state[old] = UNPINNED;
}

/* CAPPED: make room for one more entry, evicting the least recently used. */
static void make_room(struct cache *c)
{
	size_t key, lru = SIZE_MAX;
	int err;

	if (c->held < c->capacity)
		return;
	for (key = 0; key < c->made; key++)
		if (c->state[key] == HELD && (lru == SIZE_MAX || c->used[key] < c->used[lru]))
			lru = key;
	err = tam_region_discard(c->region, lru * c->entry, c->entry);
	if (err)
		die("discard", -err);
	c->state[lru] = ABSENT;
	c->held--;
}

static void request(struct cache *c, size_t key)
{
	uint64_t purged;
	int err, hit;

	c->requests++;
	if (key == c->made) {			/* a new entry */
		if (c->mode == CAPPED)
			make_room(c);
		build(c, key);
		c->made++;
		hit = -1;
	} else if (c->mode == ZERO || c->state[key] == PINNED || c->state[key] == HELD) {
		hit = 1;
	} else if (c->mode == CAPPED) {		/* evicted */
		make_room(c);
		build(c, key);
		hit = 0;
	} else {				/* unpinned: was it purged? */
		err = tam_region_pin(c->region, key * c->entry, c->entry, &purged);
		if (err)
			die("pin", -err);
		hit = !purged;
		if (purged) {
			c->purged++;
			build(c, key);
		}
	}
	if (hit > 0) {
		c->hits++;
		check(c, key);
	} else if (!hit) {
		c->misses++;
	}
	c->used[key] = c->requests;
	if (c->mode == CAPPED) {
		if (c->state[key] != HELD)
			c->held++;
		c->state[key] = HELD;
	} else {
		c->state[key] = PINNED;
	}
	if (c->mode == PURGEABLE)
		keep_pinned(c, key);
}

/* An earlier entry, the recent ones most often (a cube of a uniform draw). */
static size_t earlier(const struct cache *c)
{
	double u = (double)(next_random() >> 11) / (double)(1ULL << 53);

	return c->made - 1 - (size_t)(u * u * u * (double)c->made);
}

static void usage(void)
{
	fprintf(stderr, "usage: tamalloc-cache [-z | -c CAPACITY] [-t TOTAL] [-e ENTRY] "
		"[-k KEEP] [-s SEED] [-w FILE]\n");
	exit(2);
}

static void wait_for_signal(const char *pidfile)
{
	sigset_t set;
	FILE *f;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	f = fopen(pidfile, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f))
		die(pidfile, errno);
	sigwait(&set, &sig);
}

int main(int argc, char **argv)
{
	struct cache c = { .mode = PURGEABLE, .entry = 1UL << 20, .keep = 8 };
	size_t total = 2UL << 30, capacity = 0;
	struct tam_proc_info me = TAM_PROC_INFO_INIT;
	const char *pidfile = NULL;
	struct timespec t0, t1;
	int opt, err;

	rng = 1;
	while ((opt = getopt(argc, argv, "zc:t:e:k:s:w:")) != -1) {
		switch (opt) {
		case 'z': c.mode = ZERO; break;
		case 'c': c.mode = CAPPED; capacity = parse_size(optarg); if (!capacity) usage(); break;
		case 't': total = parse_size(optarg); break;
		case 'e': c.entry = parse_size(optarg); break;
		case 'k': c.keep = strtoul(optarg, NULL, 10); break;
		case 's': rng = strtoull(optarg, NULL, 10); break;
		case 'w': pidfile = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !c.entry || c.entry % PAGE || total < c.entry || !c.keep) {
		fprintf(stderr, "tamalloc-cache: ENTRY must be a multiple of %lu bytes, "
			"TOTAL at least one entry, KEEP at least 1\n", PAGE);
		usage();
	}
	c.entries = total / c.entry;
	c.capacity = capacity / c.entry;
	if (c.mode == CAPPED && !c.capacity)
		usage();
	c.used = calloc(c.entries, sizeof(*c.used));
	c.state = calloc(c.entries, 1);
	c.pinned = calloc(c.keep, sizeof(*c.pinned));
	if (!c.used || !c.state || !c.pinned)
		die("calloc", ENOMEM);

	if (c.mode == ZERO) {
		int fd = open("/dev/zero", O_RDWR);

		if (fd < 0)
			die("/dev/zero", errno);
		/* Unaccounted, as tamalloc's mappings are: pages come on touch. */
		c.base = mmap(NULL, c.entries * c.entry, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_NORESERVE, fd, 0);
		if (c.base == MAP_FAILED)
			die("mmap /dev/zero", errno);
		close(fd);
	} else {
		err = tam_region_create(c.entries * c.entry, TAM_REGION_SHARED, &c.region);
		if (err)
			die("tam_region_create", -err);
		c.base = tam_region_base(c.region);
	}

	printf("tamalloc-cache: %s, %zu entries of %zu KiB (%zu MiB in all)",
	       c.mode == ZERO ? "/dev/zero" : c.mode == CAPPED ? "capped" : "purgeable",
	       c.entries, c.entry >> 10, (c.entries * c.entry) >> 20);
	if (c.mode == CAPPED)
		printf(", at most %zu held", c.capacity);
	printf("\n");
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (c.made < c.entries)
		request(&c, c.requests % 4 == 0 || !c.made ? c.made : earlier(&c));
	clock_gettime(CLOCK_MONOTONIC, &t1);

	printf("requests %lu: %lu new, %lu hits, %lu misses (hit rate %.1f %%); "
	       "%lu purged; %.2f s\n", c.requests, c.made, c.hits, c.misses,
	       c.hits + c.misses ? 100.0 * (double)c.hits / (double)(c.hits + c.misses) : 0.0,
	       c.purged, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (c.mode != ZERO && !tam_proc_info(0, &me))
		printf("tamalloc: resident %llu MiB, unpinned %llu MiB, purged %llu MiB in %llu purges\n",
		       (unsigned long long)me.resident_bytes >> 20,
		       (unsigned long long)me.unpinned_bytes >> 20,
		       (unsigned long long)me.purged_bytes >> 20,
		       (unsigned long long)me.purges);
	fflush(stdout);
	if (pidfile)
		wait_for_signal(pidfile);
	if (c.region)
		tam_region_destroy(c.region);
	return 0;
}
