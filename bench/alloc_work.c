// SPDX-License-Identifier: MIT
/*
 * tamalloc-bench-alloc: allocation-heavy workloads for comparing the C
 * library's malloc with tamalloc's (run it plain and under tamalloc-run;
 * bench/alloc-bench.sh does both and prints ratios).  Linked dynamically, so
 * LD_PRELOAD can replace its malloc.
 *
 *   tamalloc-bench-alloc small|larson|large
 *
 *   small   4 threads each allocate and free 2,000,000 objects of 8 to 512
 *           bytes, keeping a window of 1000 alive
 *   larson  producer/consumer: 4 threads allocate objects of 16 to 4096
 *           bytes and hand them to the next thread, which frees them
 *   large   calloc of 1 to 64 MiB buffers, touched sparsely, and a buffer
 *           grown by realloc from 4 KiB to 256 MiB in steps of 1.5x
 *
 * Prints a checksum of what it read back, so a broken allocator shows.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS		4

static uint64_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static void *small(void *arg)
{
	uint64_t seed = (uintptr_t)arg + 1, sum = 0;
	void *window[1000] = { 0 };
	long i;

	for (i = 0; i < 2000000; i++) {
		unsigned int k = (unsigned int)(next(&seed) % 1000);
		size_t size = 8 + next(&seed) % 505;

		if (window[k]) {
			sum += *(unsigned char *)window[k];
			free(window[k]);
		}
		window[k] = malloc(size);
		if (!window[k])
			abort();
		memset(window[k], (int)(i & 0xff), size < 64 ? size : 64);
	}
	for (i = 0; i < 1000; i++)
		free(window[i]);
	return (void *)(uintptr_t)sum;
}

/* Larson-style: thread t frees what thread t - 1 allocated. */
struct mailbox {
	pthread_mutex_t lock;
	void *slot[4096];
	unsigned int head, tail;
	int done;
};

static struct mailbox boxes[THREADS];

static void *larson(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg;
	struct mailbox *out = &boxes[(me + 1) % THREADS], *in = &boxes[me];
	uint64_t seed = me + 7, sum = 0;
	long i;

	for (i = 0; i < 500000; i++) {
		size_t size = 16 + next(&seed) % 4081;
		char *p = malloc(size);

		if (!p)
			abort();
		p[0] = (char)i;
		p[size - 1] = (char)i;
		/* Never wait for room: with every box full, all would wait. */
		pthread_mutex_lock(&out->lock);
		if (out->head - out->tail < 4096) {
			out->slot[out->head++ % 4096] = p;
			p = NULL;
		}
		pthread_mutex_unlock(&out->lock);
		free(p);

		pthread_mutex_lock(&in->lock);
		while (in->tail != in->head) {
			char *q = in->slot[in->tail++ % 4096];

			sum += (unsigned char)q[0];
			free(q);
		}
		pthread_mutex_unlock(&in->lock);
	}
	return (void *)(uintptr_t)sum;
}

static uint64_t large(void)
{
	uint64_t sum = 0, seed = 3;
	size_t size, off;
	char *p = NULL, *q;
	int i;

	for (i = 0; i < 200; i++) {
		size = (1 + next(&seed) % 64) << 20;
		q = calloc(1, size);
		if (!q)
			abort();
		for (off = 0; off < size; off += 64 << 10)
			sum += (unsigned char)q[off]++;
		free(q);
	}
	for (size = 4096; size <= (256 << 20); size = size * 3 / 2) {
		q = realloc(p, size);
		if (!q)
			abort();
		q[size - 1] = 1;
		sum += (unsigned char)q[size / 2];
		p = q;
	}
	free(p);
	return sum;
}

static uint64_t run_threads(void *(*fn)(void *))
{
	pthread_t t[THREADS];
	uint64_t sum = 0;
	void *ret;
	int i;

	for (i = 0; i < THREADS; i++)
		pthread_mutex_init(&boxes[i].lock, NULL);
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, fn, (void *)(uintptr_t)i))
			abort();
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &ret);
		sum += (uintptr_t)ret;
	}
	/* Larson: what the last rounds left in the mailboxes. */
	for (i = 0; i < THREADS; i++)
		while (boxes[i].tail != boxes[i].head)
			free(boxes[i].slot[boxes[i].tail++ % 4096]);
	return sum;
}

int main(int argc, char **argv)
{
	uint64_t sum;

	if (argc != 2)
		goto usage;
	if (!strcmp(argv[1], "small"))
		sum = run_threads(small);
	else if (!strcmp(argv[1], "larson"))
		sum = run_threads(larson);
	else if (!strcmp(argv[1], "large"))
		sum = large();
	else
		goto usage;
	printf("%s: checksum %llu\n", argv[1], (unsigned long long)sum);
	return 0;
usage:
	fprintf(stderr, "usage: tamalloc-bench-alloc small|larson|large\n");
	return 2;
}
