// SPDX-License-Identifier: MIT
/*
 * tamalloc-alloc-tests: the allocator in the VM.  Every call, every size
 * class edge, alignment, calloc's zeroes, realloc both ways, memory given
 * back, pages touched only when used, threads freeing each other's objects
 * and exiting with batches in their caches, empty spans serving other
 * classes, fork, exhaustion (under a reserved cap) and bad frees.  Exits 77
 * (skip) when /dev/tamalloc is missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tam_test.h"
#include "tamalloc.h"
#include "check_run.h"

static void fill(void *p, size_t len, unsigned char seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		c[i] = (unsigned char)(seed + i * 7);
}

static int filled(const void *p, size_t len, unsigned char seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

static struct tam_heap_info heap(void)
{
	struct tam_heap_info h = TAM_HEAP_INFO_INIT;

	ck_assert_int_eq(tam_heap_info(&h), 0);
	return h;
}

/*
 * The most a small request of @n bytes may cost: four size classes per power
 * of two (a quarter at most is wasted), and a page plus a header of up to
 * 512 bytes (a page cache's entry) in a class of its own.
 */
static size_t max_usable(size_t n)
{
	if (n < 16)
		return 16;
	if (n > 4096 && n <= 4096 + 512)
		return 4096 + 512;
	return n + (n / 4 > 15 ? n / 4 : 15);
}

/*
 * Every size from 0 to 40 KiB, each checked intact after the next 256 sizes
 * were allocated and written next to it, and then some large ones.
 */
START_TEST(every_size)
{
	static const size_t large[] = { 64 << 10, 1 << 20, (3 << 20) + 5, 64 << 20 };
	enum { LAST = 40960, WINDOW = 256 };
	static void *p[LAST + 1];
	size_t n, i;

	for (n = 0; n <= LAST + WINDOW; n++) {
		if (n <= LAST) {
			p[n] = tam_malloc(n);
			ck_assert_ptr_nonnull(p[n]);
			ck_assert_uint_eq((uintptr_t)p[n] % 16, 0);
			ck_assert_uint_ge(tam_malloc_usable_size(p[n]), n);
			if (n <= 32768)
				ck_assert_uint_le(tam_malloc_usable_size(p[n]), max_usable(n));
			fill(p[n], n, (unsigned char)n);
		}
		if (n >= WINDOW && n - WINDOW <= LAST) {
			i = n - WINDOW;
			ck_assert_msg(filled(p[i], i, (unsigned char)i), "size %zu overwritten", i);
			tam_free(p[i]);
		}
	}
	for (i = 0; i < sizeof(large) / sizeof(large[0]); i++) {
		char *q = tam_malloc(large[i]);

		ck_assert_ptr_nonnull(q);
		ck_assert_uint_ge(tam_malloc_usable_size(q), large[i]);
		q[0] = 1;
		q[large[i] - 1] = 2;
		tam_free(q);
	}
	ck_assert_uint_eq(tam_malloc_usable_size(NULL), 0);
	tam_free(NULL);
}
END_TEST

/* calloc gives zeroes, even in memory a free just dirtied. */
START_TEST(calloc_zeroes)
{
	static const size_t sizes[] = { 1, 16, 100, 4096, 32768, 40000, 5 << 20 };
	size_t i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < 50; j++) {
			char *p = tam_malloc(sizes[i]);

			ck_assert_ptr_nonnull(p);
			memset(p, 0xa5, sizes[i]);
			tam_free(p);
			p = tam_calloc(1, sizes[i]);
			ck_assert_ptr_nonnull(p);
			ck_assert_msg(all_bytes(p, sizes[i], 0), "calloc(%zu) not zero", sizes[i]);
			tam_free(p);
		}
	}
	errno = 0;
	ck_assert_ptr_null(tam_calloc(SIZE_MAX / 2, 3));
	ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(realloc_keeps_contents)
{
	static const size_t steps[] = {
		1, 24, 100, 4000, 32768, 32769, 200000, 3 << 20, 50 << 20, 1 << 20,
		30000, 17, 0,
	};
	size_t i, keep = 0;
	char *p = NULL;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		p = tam_realloc(p, steps[i]);
		if (!steps[i]) {
			ck_assert_ptr_null(p);	/* realloc(p, 0) frees, as glibc's */
			break;
		}
		ck_assert_ptr_nonnull(p);
		ck_assert_msg(filled(p, keep < steps[i] ? keep : steps[i], 9),
			      "realloc to %zu lost data", steps[i]);
		fill(p, steps[i], 9);
		keep = steps[i];
	}
}
END_TEST

START_TEST(alignment)
{
	size_t a, sizes[] = { 1, 100, 5000, 100000 }, i;
	void *p;

	for (a = 1; a <= (4 << 20); a <<= 1) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			p = tam_aligned_alloc(a, sizes[i]);
			ck_assert_ptr_nonnull(p);
			ck_assert_msg((uintptr_t)p % a == 0, "align %zu size %zu: %p", a, sizes[i], p);
			fill(p, sizes[i], 3);
			tam_free(p);
			ck_assert_int_eq(tam_posix_memalign(&p, a < 8 ? 8 : a, sizes[i]), 0);
			ck_assert_uint_eq((uintptr_t)p % (a < 8 ? 8 : a), 0);
			tam_free(p);
		}
	}
	errno = 0;
	ck_assert_ptr_null(tam_aligned_alloc(24, 100));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(tam_aligned_alloc(0, 100));
	ck_assert_int_eq(tam_posix_memalign(&p, 4, 100), EINVAL);
	ck_assert_int_eq(tam_posix_memalign(&p, 24, 100), EINVAL);
	ck_assert_int_eq(tam_posix_memalign(NULL, 16, 100), EINVAL);
}
END_TEST

/* Freed memory goes back to the kernel: the heap's and the module's figures fall. */
START_TEST(free_gives_memory_back)
{
	enum { N = 65536 };
	struct tam_proc_info me = TAM_PROC_INFO_INIT;
	static void *objs[N];
	uint64_t before, touched, after;
	char *big;
	size_t i;

	before = heap().resident_bytes;
	for (i = 0; i < N; i++) {
		objs[i] = tam_malloc(1000);
		ck_assert_ptr_nonnull(objs[i]);
		memset(objs[i], 1, 1000);
	}
	big = tam_malloc(32 << 20);
	memset(big, 1, 32 << 20);
	touched = heap().resident_bytes;
	ck_assert_uint_ge(touched, before + 64 * MIB + 32 * MIB);
	ck_assert_uint_ge(heap().in_use_bytes, 64 * MIB + 32 * MIB);
	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	ck_assert_uint_ge(me.resident_bytes, touched);

	for (i = 0; i < N; i++)
		tam_free(objs[i]);
	tam_free(big);
	/* The heap keeps at most 16 MiB of empty spans for reuse. */
	after = heap().resident_bytes;
	ck_assert_msg(after < before + 20 * MIB, "resident %llu -> %llu -> %llu",
		      (unsigned long long)before, (unsigned long long)touched,
		      (unsigned long long)after);
	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	ck_assert_uint_lt(me.resident_bytes, touched - 64 * MIB);

	/* What comes back is zero. */
	big = tam_calloc(1, 32 << 20);
	ck_assert(all_bytes(big, 32 << 20, 0));
	tam_free(big);
}
END_TEST

#define THREADS		8
#define ROUNDS		20000

struct ring {
	void *slot[256];
	size_t size[256];
	unsigned int head, tail;
	pthread_mutex_t lock;
};

static struct ring rings[THREADS];

/* Each thread allocates, hands half to its neighbour, frees what it gets. */
static void *churn(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg, i, seed = me * 7919 + 1;
	struct ring *out = &rings[(me + 1) % THREADS], *in = &rings[me];
	void *keep[64] = { 0 };
	size_t keep_size[64] = { 0 };

	for (i = 0; i < ROUNDS; i++) {
		size_t size = (seed = seed * 1103515245 + 12345) >> 16 & 1 ?
			      (seed >> 8) % 512 : (seed >> 8) % 70000;
		unsigned int k = (seed >> 20) % 64;
		void *p = tam_malloc(size);

		if (!p)
			return (void *)1;
		fill(p, size, (unsigned char)size);
		if (keep[k]) {
			if (!filled(keep[k], keep_size[k], (unsigned char)keep_size[k]))
				return (void *)2;
			pthread_mutex_lock(&out->lock);
			if (out->head - out->tail < 256) {
				out->slot[out->head % 256] = keep[k];
				out->size[out->head % 256] = keep_size[k];
				out->head++;
				keep[k] = NULL;
			}
			pthread_mutex_unlock(&out->lock);
			tam_free(keep[k]);
		}
		keep[k] = p;
		keep_size[k] = size;
		pthread_mutex_lock(&in->lock);
		while (in->tail != in->head) {
			void *q = in->slot[in->tail % 256];
			size_t qs = in->size[in->tail % 256];

			in->tail++;
			if (!filled(q, qs, (unsigned char)qs)) {
				pthread_mutex_unlock(&in->lock);
				return (void *)3;
			}
			tam_free(q);
		}
		pthread_mutex_unlock(&in->lock);
	}
	for (i = 0; i < 64; i++)
		tam_free(keep[i]);
	return NULL;
}

START_TEST(threads_free_each_others_objects)
{
	pthread_t t[THREADS];
	uint64_t before = heap().in_use_bytes;
	void *ret;
	unsigned int i;

	for (i = 0; i < THREADS; i++)
		pthread_mutex_init(&rings[i].lock, NULL);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)i), 0);
	for (i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], &ret), 0);
		ck_assert_msg(!ret, "thread %u: error %d", i, (int)(intptr_t)ret);
	}
	for (i = 0; i < THREADS; i++)
		while (rings[i].tail != rings[i].head)
			tam_free(rings[i].slot[rings[i].tail++ % 256]);
	ck_assert_uint_eq(heap().in_use_bytes, before);
}
END_TEST

static volatile int stop_churn;

static void *background_churn(void *arg)
{
	(void)arg;
	while (!stop_churn)
		tam_free(tam_malloc(100 + (size_t)(rand() % 50000)));
	return NULL;
}

static void fork_child(void *arg)
{
	char *p = arg, *q;
	int i;

	child_check(filled(p, 5000, 5));
	fill(p, 5000, 6);		/* copy-on-write: the parent keeps its own */
	for (i = 0; i < 10000; i++) {
		q = tam_malloc((size_t)i % 3000 + 1);
		child_check(q);
		fill(q, (size_t)i % 3000 + 1, 1);
		tam_free(q);
	}
	tam_free(p);
}

/* The heap is private after fork, and usable in the child even if other threads were busy in it. */
START_TEST(fork_is_private_and_safe)
{
	pthread_t t[2];
	char *p = tam_malloc(5000);
	int i;

	fill(p, 5000, 5);
	stop_churn = 0;
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, background_churn, NULL), 0);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(in_child(fork_child, p), 0);
	stop_churn = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ck_assert(filled(p, 5000, 5));
	tam_free(p);
}
END_TEST

static void exhaust(void *arg)
{
	static void *held[4096];
	size_t n = 0, i;
	void *p;

	(void)arg;
	child_check(tam_set_limits(0, 64 * MIB, 0) == 0);
	for (;;) {
		p = tam_malloc(n % 2 ? 1000 : 300000);
		if (!p)
			break;
		child_check(n < 4096);
		held[n++] = p;
	}
	child_check(errno == ENOMEM);
	child_check(n > 100);
	errno = 0;
	child_check(!tam_malloc(64 * MIB) && errno == ENOMEM);
	child_check(!tam_calloc(1, 64 * MIB));
	child_check(!tam_realloc(held[0], 64 * MIB));
	for (i = 0; i < n; i++)
		tam_free(held[i]);
	child_check((p = tam_malloc(16 * MIB)));
	tam_free(p);
}

/* Out of memory (a reserved cap here) is NULL and ENOMEM, never a crash. */
START_TEST(exhaustion_is_null_and_enomem)
{
	ck_assert_int_eq(in_child(exhaust, NULL), 0);
}
END_TEST

/* Run @fn in a child with stderr captured; returns its status, message in @msg. */
static int child_stderr(void (*fn)(void *), void *arg, char *msg, size_t len)
{
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(pipefd[1], 2);
		fn(arg);
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, len - 1);
	msg[n > 0 ? n : 0] = 0;
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void free_stack(void *arg) { char x[64]; (void)arg; tam_free(x + 16); }
static void free_interior(void *arg) { char *p = tam_malloc(100); (void)arg; tam_free(p + 16); }
static void free_twice_cached(void *arg) { void *p = tam_malloc(48); (void)arg; tam_free(p); tam_free(p); }
static void free_large_twice(void *arg) { void *p = tam_malloc(1 << 20); (void)arg; tam_free(p); tam_free(p); }

/* A double free the thread cache no longer holds is caught when it goes back. */
static void free_twice_flushed(void *arg)
{
	void *p = tam_malloc(64), *others[1024];
	int i;

	(void)arg;
	for (i = 0; i < 1024; i++)
		others[i] = tam_malloc(64);
	tam_free(p);
	for (i = 0; i < 1024; i++)
		tam_free(others[i]);
	tam_free(p);
	for (i = 0; i < 1024; i++)
		tam_free(tam_malloc(64));
	for (i = 0; i < 1024; i++)
		others[i] = tam_malloc(64);
	for (i = 0; i < 1024; i++)
		tam_free(others[i]);
}

START_TEST(bad_frees_abort_with_a_message)
{
	static const struct {
		void (*fn)(void *);
		const char *says;
	} cases[] = {
		{ free_stack, "free(): invalid pointer" },
		{ free_interior, "free(): invalid pointer" },
		{ free_twice_cached, "double free detected" },
		{ free_twice_flushed, "double free detected" },
		{ free_large_twice, "free(): invalid pointer" },
	};
	char msg[256];
	int status = child_stderr(cases[_i].fn, NULL, msg, sizeof(msg));

	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		      "case %d: status %#x, said: %s", _i, status, msg);
	ck_assert_msg(strstr(msg, cases[_i].says), "case %d said: %s", _i, msg);
	ck_assert_ptr_nonnull(strstr(msg, "tamalloc: "));
}
END_TEST

/*
 * A thread cache refills in batches but faults in no page before it hands an
 * object out: a first object of a class costs its own page, not its batch's.
 */
START_TEST(pages_touched_only_when_used)
{
	uint64_t before = heap().resident_bytes;
	char *p = tam_malloc(2000), *q = tam_malloc(2000);	/* a batch is 16 */

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	memset(p, 1, 2000);
	memset(q, 1, 2000);
	/* Their page (or two), and the segment's header page on a first use. */
	ck_assert_uint_le(heap().resident_bytes, before + 3 * PAGE);
	tam_free(p);
	tam_free(q);
}
END_TEST

static void *one_object(void *arg)
{
	pthread_barrier_t *barrier = arg;
	char *p = tam_malloc(3000);	/* a batch of 10 objects of 3072 */

	ck_assert_ptr_nonnull(p);
	memset(p, 0xff, 3000);
	tam_free(p);
	if (barrier) {
		pthread_barrier_wait(barrier);	/* main takes the next batch */
		pthread_barrier_wait(barrier);
	}
	return NULL;
}

/*
 * A thread that exits gives back the objects its cache never handed out:
 * untouched if nothing was taken after them, else to the free lists; either
 * way they come back once each, and calloc() clears what was written.
 */
START_TEST(exiting_threads_give_batches_back)
{
	enum { N = 40 };
	struct tam_heap_info before = heap();
	pthread_barrier_t barrier;
	char *objs[N];
	pthread_t t;
	size_t i, j;

	/* Exits before anyone else takes from the class: nothing is touched. */
	ck_assert_int_eq(pthread_create(&t, NULL, one_object, NULL), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_uint_le(heap().resident_bytes, before.resident_bytes + 3 * PAGE);
	ck_assert_uint_eq(heap().in_use_bytes, before.in_use_bytes);

	/* Exits after this thread took the next batch. */
	ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, 2), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, one_object, &barrier), 0);
	pthread_barrier_wait(&barrier);
	objs[0] = tam_calloc(1, 3000);
	pthread_barrier_wait(&barrier);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	pthread_barrier_destroy(&barrier);

	for (i = 1; i < N; i++)
		objs[i] = tam_calloc(1, 3000);
	for (i = 0; i < N; i++) {
		ck_assert_ptr_nonnull(objs[i]);
		ck_assert_msg(all_bytes(objs[i], 3000, 0), "object %zu not zero", i);
		for (j = 0; j < i; j++)
			ck_assert_ptr_ne(objs[i], objs[j]);
		memset(objs[i], (int)i, 3000);
	}
	for (i = 0; i < N; i++) {
		ck_assert_msg(all_bytes(objs[i], 3000, (unsigned char)i),
			      "object %zu overwritten", i);
		tam_free(objs[i]);
	}
	ck_assert_uint_eq(heap().in_use_bytes, before.in_use_bytes);
}
END_TEST

/*
 * Spans a class has emptied serve another class before fresh ones are
 * touched, and calloc() clears what the first class wrote there.
 */
START_TEST(empty_spans_serve_other_classes)
{
	enum { N = 1024 };	/* 4 MiB of 4096-byte objects, then 3 MiB of 3072 */
	static char *objs[N];
	uint64_t before, after;
	size_t i;

	for (i = 0; i < N; i++) {
		objs[i] = tam_malloc(4000);
		ck_assert_ptr_nonnull(objs[i]);
		memset(objs[i], 0xa5, 4000);
	}
	for (i = 0; i < N; i++)
		tam_free(objs[i]);
	before = heap().resident_bytes;
	for (i = 0; i < N; i++) {
		objs[i] = tam_calloc(1, 3000);
		ck_assert_ptr_nonnull(objs[i]);
		ck_assert_msg(all_bytes(objs[i], 3000, 0), "object %zu not zero", i);
		memset(objs[i], 0x5a, 3000);
	}
	after = heap().resident_bytes;
	ck_assert_msg(after < before + 512 * 1024, "resident %llu -> %llu",
		      (unsigned long long)before, (unsigned long long)after);
	for (i = 0; i < N; i++)
		tam_free(objs[i]);
}
END_TEST

static uint64_t my_faults(void)
{
	struct tam_proc_info me = TAM_PROC_INFO_INIT;

	ck_assert_int_eq(tam_proc_info(0, &me), 0);
	return me.faults;
}

/*
 * A freed large mapping of up to 1 MiB serves the next request of about its
 * size without a system call or a fault, calloc() clears it, and the heap
 * keeps at most 8 MiB of them: bigger ones, and the oldest, are unmapped.
 */
START_TEST(freed_large_mappings_are_reused)
{
	enum { N = 24, LEN = 512 << 10 };
	struct tam_heap_info before = heap();
	uint64_t faults;
	char *p, *q, *objs[N];
	size_t i;

	p = tam_malloc(40000);
	ck_assert_ptr_nonnull(p);
	memset(p, 0x77, 40000);
	tam_free(p);
	faults = my_faults();
	q = tam_malloc(39000);		/* same pages: the kept mapping */
	ck_assert_ptr_eq(q, p);
	memset(q, 0x66, 39000);
	ck_assert_uint_eq(my_faults(), faults);
	tam_free(q);
	q = tam_calloc(1, 38000);
	ck_assert_ptr_eq(q, p);
	ck_assert_msg(all_bytes(q, 38000, 0), "a reused mapping is not zero");
	tam_free(q);
	q = tam_malloc(20000 << 2);	/* twice the size: a mapping of its own */
	ck_assert_ptr_ne(q, p);
	tam_free(q);

	for (i = 0; i < N; i++) {
		objs[i] = tam_malloc(LEN);
		ck_assert_ptr_nonnull(objs[i]);
		memset(objs[i], 1, LEN);
	}
	for (i = 0; i < N; i++)
		tam_free(objs[i]);
	ck_assert_uint_le(heap().reserved_bytes, before.reserved_bytes + (8 << 20));
	ck_assert_uint_ge(heap().reserved_bytes, before.reserved_bytes + (4 << 20));
	ck_assert_uint_eq(heap().in_use_bytes, before.in_use_bytes);

	p = tam_malloc(2 << 20);	/* too big to keep */
	ck_assert_ptr_nonnull(p);
	before = heap();
	tam_free(p);
	ck_assert_uint_eq(heap().reserved_bytes, before.reserved_bytes - (2 << 20));
}
END_TEST

START_TEST(heap_info)
{
	struct tam_heap_info h = TAM_HEAP_INFO_INIT, before = heap();
	void *p = tam_malloc(10 << 20), *q = tam_malloc(100);

	h = heap();
	ck_assert_uint_ge(h.in_use_bytes, before.in_use_bytes + (10 << 20) + 100);
	ck_assert_uint_ge(h.large_bytes, 10 << 20);
	ck_assert_uint_ge(h.reserved_bytes, h.large_bytes + (4 << 20));
	tam_free(p);
	tam_free(q);
	ck_assert_uint_eq(heap().in_use_bytes, before.in_use_bytes);
	ck_assert_int_eq(tam_heap_info(NULL), -EINVAL);
	h.size = 4;
	ck_assert_int_eq(tam_heap_info(&h), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("allocator");
	TCase *tc = tcase_create("calls");
	int fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("SKIP: %s: %s\n", TAM_DEVICE_PATH, strerror(errno));
		return TAM_EXIT_SKIP;
	}
	close(fd);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, every_size);
	tcase_add_test(tc, calloc_zeroes);
	tcase_add_test(tc, realloc_keeps_contents);
	tcase_add_test(tc, alignment);
	tcase_add_test(tc, free_gives_memory_back);
	tcase_add_test(tc, threads_free_each_others_objects);
	tcase_add_test(tc, fork_is_private_and_safe);
	tcase_add_test(tc, exhaustion_is_null_and_enomem);
	tcase_add_loop_test(tc, bad_frees_abort_with_a_message, 0, 5);
	tcase_add_test(tc, pages_touched_only_when_used);
	tcase_add_test(tc, exiting_threads_give_batches_back);
	tcase_add_test(tc, empty_spans_serve_other_classes);
	tcase_add_test(tc, freed_large_mappings_are_reused);
	tcase_add_test(tc, heap_info);
	suite_add_tcase(s, tc);
	return check_run((Suite *[]){ s, NULL });
}
