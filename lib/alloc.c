// SPDX-License-Identifier: MIT
/*
 * The tamalloc allocator: the malloc family over /dev/tamalloc private
 * mappings, so a program's heap is lazily zeroed memory the module accounts.
 *
 * Small objects (up to TAM_SMALL_MAX bytes) come in size classes.  The heap
 * maps 4 MiB segments and cuts them into 64 KiB spans, each serving one
 * class; the first span of a segment holds its bookkeeping.  Every thread
 * keeps a cache of free objects per class and allocates and frees there
 * without a lock; the central lists behind the caches have a lock per class.
 * A cache refills with objects given back earlier or else with a run of
 * objects never handed out, which it leaves untouched until it hands each
 * out, so no page is faulted in before the program uses it.  Spans whose
 * objects are all free again wait for reuse, by their class or, before a
 * fresh span is touched, by another (span_steal()), and the coldest go back
 * to the kernel with MADV_DONTNEED (their pages go, and come back zeroed)
 * when the heap keeps too many (span_emptied()).  Large objects are
 * mappings of their own; realloc() moves them with mremap(), without
 * copying.  free() unmaps them, but keeps the last few of up to 1 MiB for the
 * next requests of about their size (large_keep()): a program that allocates
 * and frees such buffers in a loop would otherwise pay an mmap(), a munmap()
 * and a fault per page each time (glibc keeps them in its heap instead).
 * Kept mappings stay resident (8 MiB at most): the kernel refuses
 * MADV_FREE, which would let it take them back meanwhile, on any mapping
 * that is not anonymous, and these are the device's (tests/vm/test_pins.c).
 *
 * Zeroed memory is known: objects past a span's high-water mark were never
 * handed out (unless the span served another class before), and fresh large
 * mappings are zero, so calloc() clears only what may have been written.
 *
 * Checks that cost nothing on the fast path: free() of a pointer that is not
 * an object of this heap, and double frees (a key in freed objects, as
 * glibc's tcache does, and a bit per object in its span), abort with a
 * message, as glibc does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "tamalloc.h"

#define TAM_PAGE		4096UL
#define TAM_SEG_SIZE		(4UL << 20)
#define TAM_SPAN_SIZE		(64UL << 10)
#define TAM_SPANS		(TAM_SEG_SIZE / TAM_SPAN_SIZE)
#define TAM_SMALL_MAX		32768UL
#define TAM_NCLASSES		41
#define TAM_MIN_OBJ		16UL
#define TAM_SPAN_MAX_OBJS	(TAM_SPAN_SIZE / TAM_MIN_OBJ)
#define TAM_SEG_MAGIC		0x74616d7365676d74ULL	/* "tamsegmt" */
#define TAM_MAX_SEGMENTS	65536			/* 256 GiB of small objects */
#define TAM_CACHE_BYTES		(128UL << 10)		/* per class and thread */
#define TAM_BATCH_BYTES		(32UL << 10)		/* moved per refill */
#define TAM_EMPTY_MIN		256	/* empty spans the heap may always keep (16 MiB) */
#define TAM_KEPT_MAX		32	/* freed large mappings kept for reuse, */
#define TAM_KEPT_MAX_LEN	(1UL << 20)	/* each at most this big, */
#define TAM_KEPT_MAX_BYTES	(8UL << 20)	/* and this much in all */

#define TAM_LIKELY(x)		__builtin_expect(!!(x), 1)
#define TAM_UNLIKELY(x)		__builtin_expect(!!(x), 0)
#define TAM_TLS			__attribute__((tls_model("initial-exec"))) __thread

enum { TAM_LIST_NONE, TAM_LIST_PARTIAL, TAM_LIST_EMPTY };

struct tam_span {
	uint32_t cls;			/* size class + 1; 0: free span */
	uint32_t nobjs;			/* objects that fit */
	uint32_t bump;			/* objects past this were never handed out */
	uint32_t used;			/* objects out (in use or in thread caches) */
	void *free;			/* objects given back */
	struct tam_span *next, *prev;	/* in one of its class's lists */
	int list;			/* which: TAM_LIST_* */
	int dirty;			/* served another class: past bump is not zero */
	uint64_t out[TAM_SPAN_MAX_OBJS / 64];	/* a bit per object that is out */
};

/* A class's list of spans: doubly linked, newest first. */
struct tam_span_list {
	struct tam_span *head, *tail;
	unsigned int n;
};

struct tam_segment {
	uint64_t magic;
	struct tam_segment *next;
	struct tam_span spans[TAM_SPANS];	/* spans[0] is this header */
};

/* A cache line each: the classes' locks are taken from every thread. */
struct tam_class {
	pthread_mutex_t lock __attribute__((aligned(64)));
	struct tam_span_list partial;	/* spans in use with objects to hand out */
	struct tam_span_list empty;	/* spans with no object out */
	uint32_t size;
	uint32_t reciprocal;		/* 2^32 / size, rounded up: index by multiply */
	uint32_t cache_max;		/* objects a thread cache keeps */
	uint32_t batch;			/* objects a refill moves */
};

/* Objects of a span never handed out, in a row, and not touched since. */
struct tam_run {
	char *next;
	uint32_t n;
	uint32_t dirty;			/* the span's: not known to be zero */
};

struct tam_tcache {
	void *list[TAM_NCLASSES];	/* objects freed, linked through their first word */
	uint32_t count[TAM_NCLASSES];
	struct tam_run run[TAM_NCLASSES];
	int64_t in_use;			/* bytes; frees elsewhere may make it negative */
	struct tam_tcache *next, *prev;
};

/* A large object: its own mapping. */
struct tam_large {
	uintptr_t ptr;			/* what the caller got; 0: empty slot */
	void *map;
	size_t map_len;
	size_t usable;
};

static struct tam_class classes[TAM_NCLASSES];
static unsigned long spans_in_use, spans_empty;	/* all classes, atomic */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t tcache_key;
static uint64_t free_key;		/* marks freed objects, as glibc's tcache_key */

static pthread_mutex_t seg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tam_segment *segments;
static uintptr_t seg_table[TAM_MAX_SEGMENTS];	/* bases, open addressing */
static uint64_t seg_count;

static pthread_mutex_t large_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tam_large *large_table;
static size_t large_cap, large_count;
static uint64_t large_bytes;

/* Freed large mappings kept for reuse, oldest first; under large_lock. */
struct tam_kept {
	void *map;
	size_t len;
};

static struct tam_kept kept[TAM_KEPT_MAX];
static unsigned int kept_count;
static uint64_t kept_bytes;

static pthread_mutex_t tcache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tam_tcache *tcaches, *tcache_pool;
static int64_t retired_in_use;		/* of exited threads, and uncached calls */

/* NULL: none yet; TAM_TCACHE_OFF: being made or torn down: go central. */
#define TAM_TCACHE_OFF		((struct tam_tcache *)1)
static TAM_TLS struct tam_tcache *my_tcache;

/*
 * Four classes per power of two, and one for a page plus a header: page
 * caches allocate such objects by the thousand (sqlite's are 4368 bytes),
 * and the next class, 5120, would waste a seventh of each.
 */
#define TAM_PAGE_PLUS_CLASS	28
#define TAM_PAGE_PLUS_SIZE	(4096 + 512)

static const uint32_t class_sizes[TAM_NCLASSES] = {
	16, 32, 48, 64, 80, 96, 112, 128,
	160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1280, 1536, 1792, 2048,
	2560, 3072, 3584, 4096, TAM_PAGE_PLUS_SIZE, 5120, 6144, 7168, 8192,
	10240, 12288, 14336, 16384, 20480, 24576, 28672, 32768,
};

static void tam_die(const char *what, const void *ptr)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "tamalloc: %s (%p)\n", what, ptr);

	if (write(STDERR_FILENO, msg, (size_t)n) < 0)
		n = 0;
	abort();
}

/* The class of a request of @size bytes (1 <= size <= TAM_SMALL_MAX). */
static unsigned int size_class(size_t size)
{
	unsigned int p, cls;

	if (size <= 128)
		return (unsigned int)((size + 15) / 16) - 1;
	if (size > 4096 && size <= TAM_PAGE_PLUS_SIZE)
		return TAM_PAGE_PLUS_CLASS;
	p = 63 - (unsigned int)__builtin_clzl(size - 1);	/* 2^p < size <= 2^(p+1) */
	cls = 8 + 4 * (p - 7) + (unsigned int)((size - 1 - (1UL << p)) >> (p - 2));
	return cls < TAM_PAGE_PLUS_CLASS ? cls : cls + 1;
}

/*
 * Locks, in this order: a class, seg_lock; large_lock and tcache_lock alone.
 * span_steal() takes a second class's lock under the first only by trylock.
 */
static void lock_all(void)
{
	unsigned int i;

	for (i = 0; i < TAM_NCLASSES; i++)
		pthread_mutex_lock(&classes[i].lock);
	pthread_mutex_lock(&seg_lock);
	pthread_mutex_lock(&large_lock);
	pthread_mutex_lock(&tcache_lock);
}

static void unlock_all(void)
{
	unsigned int i;

	pthread_mutex_unlock(&tcache_lock);
	pthread_mutex_unlock(&large_lock);
	pthread_mutex_unlock(&seg_lock);
	for (i = TAM_NCLASSES; i-- > 0;)
		pthread_mutex_unlock(&classes[i].lock);
}

static void tcache_destroy(void *arg);

static void tam_alloc_init(void)
{
	unsigned int i;
	uint32_t n;

	for (i = 0; i < TAM_NCLASSES; i++) {
		pthread_mutex_init(&classes[i].lock, NULL);
		classes[i].size = class_sizes[i];
		classes[i].reciprocal = (uint32_t)(((1ULL << 32) + class_sizes[i] - 1) /
						   class_sizes[i]);
		n = (uint32_t)(TAM_CACHE_BYTES / class_sizes[i]);
		classes[i].cache_max = n < 4 ? 4 : n > 256 ? 256 : n;
		n = (uint32_t)(TAM_BATCH_BYTES / class_sizes[i]);
		classes[i].batch = n < 1 ? 1 : n > 64 ? 64 : n;
	}
	free_key = ((uint64_t)(uintptr_t)&free_key * 0x9e3779b97f4a7c15ULL) ^
		   (uint64_t)getpid() ^ 0x7461666b6579ULL;
	pthread_key_create(&tcache_key, tcache_destroy);
	/* The heap stays consistent in a forked child, as glibc's does. */
	pthread_atfork(lock_all, unlock_all, unlock_all);
}

static int ready;

static void tam_alloc_ready(void)
{
	if (TAM_LIKELY(__atomic_load_n(&ready, __ATOMIC_ACQUIRE)))
		return;
	pthread_once(&init_once, tam_alloc_init);
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
}

/* Private, lazily zeroed memory from the device. */
static void *map_device(size_t len)
{
	int fd = tam_device_fd();
	void *p;

	if (fd < 0) {
		errno = -fd == ENOENT ? ENOMEM : -fd;
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE,
		 fd, 0);
	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/* @len bytes aligned to @align (a power of two, at least a page). */
static void *map_aligned(size_t len, size_t align, void **map, size_t *map_len)
{
	size_t total = len + align - TAM_PAGE, head, tail;
	char *p;
	uintptr_t a;

	if (total < len)
		return errno = ENOMEM, NULL;
	p = map_device(total);
	if (!p)
		return NULL;
	a = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	head = a - (uintptr_t)p;
	tail = total - head - len;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((char *)a + len, tail);
	*map = (void *)a;
	*map_len = len;
	return (void *)a;
}

static size_t seg_slot(uintptr_t base)
{
	return (size_t)((base / TAM_SEG_SIZE) * 0x9e3779b97f4a7c15ULL >> 48) &
	       (TAM_MAX_SEGMENTS - 1);
}

/* The segment @ptr lies in, if it is one of ours.  Lock-free: never removed. */
static struct tam_segment *segment_of(const void *ptr)
{
	uintptr_t base = (uintptr_t)ptr & ~(TAM_SEG_SIZE - 1), found;
	size_t i = seg_slot(base), probes;

	for (probes = 0; probes < TAM_MAX_SEGMENTS; probes++) {
		found = __atomic_load_n(&seg_table[i], __ATOMIC_ACQUIRE);
		if (found == base)
			return (struct tam_segment *)base;
		if (!found)
			return NULL;
		i = (i + 1) & (TAM_MAX_SEGMENTS - 1);
	}
	return NULL;
}

/* Under seg_lock. */
static struct tam_segment *segment_new(void)
{
	struct tam_segment *seg;
	void *map;
	size_t len, i;

	if (seg_count >= TAM_MAX_SEGMENTS / 2)
		return errno = ENOMEM, NULL;
	seg = map_aligned(TAM_SEG_SIZE, TAM_SEG_SIZE, &map, &len);
	if (!seg)
		return NULL;
	seg->magic = TAM_SEG_MAGIC;
	seg->spans[0].cls = UINT32_MAX;		/* the header's own span */
	seg->next = segments;
	segments = seg;
	for (i = seg_slot((uintptr_t)seg); seg_table[i];
	     i = (i + 1) & (TAM_MAX_SEGMENTS - 1))
		;
	__atomic_store_n(&seg_table[i], (uintptr_t)seg, __ATOMIC_RELEASE);
	seg_count++;
	return seg;
}

/* Spans are aligned to their size and their headers sit at segment starts. */
static char *span_base(struct tam_span *span)
{
	struct tam_segment *seg =
		(struct tam_segment *)((uintptr_t)span & ~(TAM_SEG_SIZE - 1));

	return (char *)seg + (size_t)(span - seg->spans) * TAM_SPAN_SIZE;
}

static struct tam_span *span_of(struct tam_segment *seg, const void *ptr)
{
	return &seg->spans[((uintptr_t)ptr - (uintptr_t)seg) / TAM_SPAN_SIZE];
}

/* Make @span, which has no object out, serve class @cls.  Under seg_lock. */
static void span_init(struct tam_span *span, unsigned int cls, int dirty)
{
	span->cls = cls + 1;
	span->nobjs = (uint32_t)(TAM_SPAN_SIZE / classes[cls].size);
	span->bump = 0;
	span->used = 0;
	span->free = NULL;
	span->dirty = dirty;
}

/* A free span for class @cls, under that class's lock. */
static struct tam_span *span_new(unsigned int cls)
{
	struct tam_segment *seg;
	struct tam_span *span = NULL;
	size_t i;

	pthread_mutex_lock(&seg_lock);
	for (seg = segments; seg && !span; seg = seg->next)
		for (i = 1; i < TAM_SPANS; i++)
			if (!seg->spans[i].cls) {
				span = &seg->spans[i];
				break;
			}
	if (!span) {
		seg = segment_new();
		if (seg)
			span = &seg->spans[1];
	}
	if (span)
		span_init(span, cls, 0);
	pthread_mutex_unlock(&seg_lock);
	return span;
}

static void list_add(struct tam_span_list *l, struct tam_span *span, int which)
{
	span->prev = NULL;
	span->next = l->head;
	if (l->head)
		l->head->prev = span;
	else
		l->tail = span;
	l->head = span;
	l->n++;
	span->list = which;
}

static void list_remove(struct tam_span_list *l, struct tam_span *span)
{
	if (span->prev)
		span->prev->next = span->next;
	else
		l->head = span->next;
	if (span->next)
		span->next->prev = span->prev;
	else
		l->tail = span->prev;
	l->n--;
	span->list = TAM_LIST_NONE;
}

/*
 * @span has no object out any more.  Empty spans wait on their class's empty
 * list while all classes together keep no more than a quarter of the spans
 * in use, and at least TAM_EMPTY_MIN: a program that frees and allocates at
 * the same pace pays neither a MADV_DONTNEED (a TLB shootdown across its
 * CPUs) nor a page fault per page for reusing one.  Past that the coldest go
 * back to the kernel and to their segment, so a program that frees most of
 * its memory gives most of it back at once.
 */
static void span_emptied(struct tam_class *c, struct tam_span *span)
{
	unsigned long in_use, empty, limit;

	list_remove(&c->partial, span);
	list_add(&c->empty, span, TAM_LIST_EMPTY);
	in_use = __atomic_sub_fetch(&spans_in_use, 1, __ATOMIC_RELAXED);
	empty = __atomic_add_fetch(&spans_empty, 1, __ATOMIC_RELAXED);
	limit = in_use / 4 > TAM_EMPTY_MIN ? in_use / 4 : TAM_EMPTY_MIN;
	while (empty > limit && c->empty.n) {
		span = c->empty.tail;
		list_remove(&c->empty, span);
		madvise(span_base(span), TAM_SPAN_SIZE, MADV_DONTNEED);
		pthread_mutex_lock(&seg_lock);
		span->cls = 0;
		pthread_mutex_unlock(&seg_lock);
		empty = __atomic_sub_fetch(&spans_empty, 1, __ATOMIC_RELAXED);
	}
}

/* The index of @ptr in its span, or -1 if it is not on an object boundary. */
static long obj_index(const void *ptr, const struct tam_class *c)
{
	uint32_t off = (uint32_t)((uintptr_t)ptr & (TAM_SPAN_SIZE - 1));
	uint32_t idx = (uint32_t)(((uint64_t)off * c->reciprocal) >> 32);

	return idx * c->size == off ? (long)idx : -1;
}

static void mark_out(struct tam_span *span, size_t idx)
{
	span->out[idx / 64] |= 1ULL << (idx % 64);
}

/*
 * An empty span of another class, made over for class @cls (whose lock the
 * caller holds): its pages are in memory already, where a free span's would
 * be faulted in afresh.  Other classes' locks are only tried, so two classes
 * taking from each other cannot deadlock.
 */
static struct tam_span *span_steal(unsigned int cls)
{
	struct tam_class *other;
	struct tam_span *span;
	unsigned int i;

	if (!__atomic_load_n(&spans_empty, __ATOMIC_RELAXED))
		return NULL;
	for (i = 0; i < TAM_NCLASSES; i++) {
		other = &classes[i];
		if (i == cls || pthread_mutex_trylock(&other->lock))
			continue;
		span = other->empty.tail;	/* the coldest */
		if (span)
			list_remove(&other->empty, span);
		pthread_mutex_unlock(&other->lock);
		if (span) {
			__atomic_sub_fetch(&spans_empty, 1, __ATOMIC_RELAXED);
			pthread_mutex_lock(&seg_lock);
			span_init(span, cls, 1);
			pthread_mutex_unlock(&seg_lock);
			return span;
		}
	}
	return NULL;
}

/*
 * Take objects of class @cls from the central lists: up to @want given back
 * earlier into @out, and, if that is fewer, a run of objects never handed out
 * (@run).  Returns how many went to @out.
 */
static unsigned int central_take(unsigned int cls, void **out, unsigned int want,
				 struct tam_run *run)
{
	struct tam_class *c = &classes[cls];
	struct tam_span *span;
	unsigned int got = 0, n, i;
	void *obj;

	run->n = 0;
	pthread_mutex_lock(&c->lock);
	while (got < want && !run->n) {
		/* Fill spans in use before taking an empty one. */
		span = c->partial.head;
		if (!span) {
			span = c->empty.head;
			if (span) {
				list_remove(&c->empty, span);
				__atomic_sub_fetch(&spans_empty, 1, __ATOMIC_RELAXED);
			} else {
				span = span_steal(cls);
				if (!span)
					span = span_new(cls);
			}
			if (!span)
				break;
			list_add(&c->partial, span, TAM_LIST_PARTIAL);
			__atomic_add_fetch(&spans_in_use, 1, __ATOMIC_RELAXED);
		}
		/* Every object is out, on the free list or past bump. */
		while (got < want && span->free) {
			obj = span->free;
			span->free = *(void **)obj;
			out[got++] = obj;
			mark_out(span, (size_t)obj_index(obj, c));
			span->used++;
		}
		if (got < want && span->bump < span->nobjs) {
			n = span->nobjs - span->bump;
			if (n > want - got)
				n = want - got;
			run->next = span_base(span) + (size_t)span->bump * c->size;
			run->n = n;
			run->dirty = (uint32_t)span->dirty;
			for (i = 0; i < n; i++)
				mark_out(span, span->bump + i);
			span->bump += n;
			span->used += n;
		}
		if (span->used == span->nobjs)
			list_remove(&c->partial, span);
	}
	pthread_mutex_unlock(&c->lock);
	return got;
}

/* Give @n objects of class @cls back to their spans. */
static void central_give(unsigned int cls, void **objs, unsigned int n)
{
	struct tam_class *c = &classes[cls];
	struct tam_span *span;
	unsigned int i;
	size_t idx;
	uint64_t bit;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < n; i++) {
		span = span_of(segment_of(objs[i]), objs[i]);
		idx = (size_t)obj_index(objs[i], c);
		bit = 1ULL << (idx % 64);
		if (!(span->out[idx / 64] & bit)) {
			pthread_mutex_unlock(&c->lock);
			tam_die("free(): double free detected", objs[i]);
		}
		span->out[idx / 64] &= ~bit;
		*(void **)objs[i] = span->free;
		span->free = objs[i];
		if (span->list == TAM_LIST_NONE)	/* it was full */
			list_add(&c->partial, span, TAM_LIST_PARTIAL);
		if (!--span->used)
			span_emptied(c, span);
	}
	pthread_mutex_unlock(&c->lock);
}

/*
 * Give back a run central_take() handed out whose objects were never used.
 * If nothing was taken past it, the span's bump moves back and the objects
 * stay untouched; otherwise they go on the free list like any freed object.
 */
static void central_give_run(unsigned int cls, const struct tam_run *run)
{
	struct tam_class *c = &classes[cls];
	struct tam_span *span = span_of(segment_of(run->next), run->next);
	uint32_t first = (uint32_t)obj_index(run->next, c), n = run->n, i;
	void *objs[64];

	pthread_mutex_lock(&c->lock);
	if (span->bump != first + n) {
		pthread_mutex_unlock(&c->lock);
		for (i = 0; i < n; i++)
			objs[i] = run->next + (size_t)i * c->size;
		central_give(cls, objs, n);
		return;
	}
	for (i = first; i < first + n; i++)
		span->out[i / 64] &= ~(1ULL << (i % 64));
	span->bump = first;
	if (span->list == TAM_LIST_NONE)	/* it was full */
		list_add(&c->partial, span, TAM_LIST_PARTIAL);
	span->used -= n;
	if (!span->used)
		span_emptied(c, span);
	pthread_mutex_unlock(&c->lock);
}

static struct tam_tcache *tcache_get(void)
{
	struct tam_tcache *tc = my_tcache;
	struct tam_tcache *chunk;
	size_t i, n;

	if (TAM_LIKELY(tc))
		return tc == TAM_TCACHE_OFF ? NULL : tc;
	tam_alloc_ready();
	my_tcache = TAM_TCACHE_OFF;	/* what follows may allocate */
	pthread_mutex_lock(&tcache_lock);
	if (!tcache_pool) {
		chunk = mmap(NULL, TAM_SPAN_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		n = chunk == MAP_FAILED ? 0 : TAM_SPAN_SIZE / sizeof(*chunk);
		for (i = 0; i < n; i++) {
			chunk[i].next = tcache_pool;
			tcache_pool = &chunk[i];
		}
	}
	tc = tcache_pool;
	if (tc) {
		tcache_pool = tc->next;
		memset(tc, 0, sizeof(*tc));
		tc->next = tcaches;
		if (tcaches)
			tcaches->prev = tc;
		tcaches = tc;
	}
	pthread_mutex_unlock(&tcache_lock);
	if (!tc)
		return NULL;
	pthread_setspecific(tcache_key, tc);
	my_tcache = tc;
	return tc;
}

/* Move @n cached objects of class @cls back to the central lists. */
static void tcache_flush(struct tam_tcache *tc, unsigned int cls, unsigned int n)
{
	void *objs[256];
	unsigned int i;

	for (i = 0; i < n && tc->list[cls]; i++) {
		objs[i] = tc->list[cls];
		tc->list[cls] = *(void **)objs[i];
		((uint64_t *)objs[i])[1] = 0;
		tc->count[cls]--;
	}
	central_give(cls, objs, i);
}

static void tcache_destroy(void *arg)
{
	struct tam_tcache *tc = arg;
	unsigned int cls;

	my_tcache = TAM_TCACHE_OFF;
	for (cls = 0; cls < TAM_NCLASSES; cls++) {
		while (tc->count[cls])
			tcache_flush(tc, cls, tc->count[cls] > 256 ? 256 : tc->count[cls]);
		if (tc->run[cls].n)
			central_give_run(cls, &tc->run[cls]);
	}
	pthread_mutex_lock(&tcache_lock);
	retired_in_use += tc->in_use;
	if (tc->prev)
		tc->prev->next = tc->next;
	else
		tcaches = tc->next;
	if (tc->next)
		tc->next->prev = tc->prev;
	tc->next = tcache_pool;
	tcache_pool = tc;
	pthread_mutex_unlock(&tcache_lock);
}

static void count_in_use(struct tam_tcache *tc, int64_t bytes)
{
	if (TAM_LIKELY(tc)) {
		tc->in_use += bytes;
		return;
	}
	pthread_mutex_lock(&tcache_lock);
	retired_in_use += bytes;
	pthread_mutex_unlock(&tcache_lock);
}

/* The next object of @run; *@clean says whether it is known to be zero. */
static void *run_take(struct tam_run *run, size_t size, int *clean)
{
	void *obj = run->next;

	run->next += size;
	run->n--;
	*clean = !run->dirty;
	return obj;
}

/*
 * An object of class @cls; *@clean says whether it is known to be all zero
 * (never handed out before).
 */
static void *small_alloc(unsigned int cls, int *clean)
{
	struct tam_tcache *tc = tcache_get();
	size_t size = classes[cls].size;
	struct tam_run run;
	void *got[64], *obj;
	unsigned int n, i;

	if (TAM_LIKELY(tc && tc->list[cls])) {
		obj = tc->list[cls];
		tc->list[cls] = *(void **)obj;
		tc->count[cls]--;
		*clean = 0;
	} else if (tc && tc->run[cls].n) {
		obj = run_take(&tc->run[cls], size, clean);
	} else {
		n = central_take(cls, got, tc ? classes[cls].batch : 1, &run);
		if (n) {
			obj = got[0];
			*clean = 0;
		} else if (run.n) {
			obj = run_take(&run, size, clean);
		} else {
			errno = ENOMEM;
			return NULL;
		}
		/* Without a cache, one object was asked for and taken. */
		for (i = 1; i < n; i++) {
			*(void **)got[i] = tc->list[cls];
			((uint64_t *)got[i])[1] = free_key;
			tc->list[cls] = got[i];
			tc->count[cls]++;
		}
		if (tc)
			tc->run[cls] = run;
	}
	if (!*clean)
		((uint64_t *)obj)[1] = 0;	/* the free key: no false double free */
	count_in_use(tc, (int64_t)size);
	return obj;
}

static void small_free(struct tam_segment *seg, void *ptr)
{
	struct tam_span *span = span_of(seg, ptr);
	struct tam_tcache *tc;
	unsigned int cls;
	void *cached;
	uint32_t size;

	cls = span->cls - 1;
	if (TAM_UNLIKELY(cls >= TAM_NCLASSES))
		tam_die("free(): invalid pointer", ptr);
	size = classes[cls].size;
	if (TAM_UNLIKELY(obj_index(ptr, &classes[cls]) < 0))
		tam_die("free(): invalid pointer", ptr);

	tc = tcache_get();
	count_in_use(tc, -(int64_t)size);
	if (TAM_UNLIKELY(!tc)) {
		central_give(cls, &ptr, 1);
		return;
	}
	if (TAM_UNLIKELY(((uint64_t *)ptr)[1] == free_key)) {
		/* Perhaps in this cache already: look, as glibc does. */
		for (cached = tc->list[cls]; cached; cached = *(void **)cached)
			if (cached == ptr)
				tam_die("free(): double free detected in thread cache", ptr);
	}
	*(void **)ptr = tc->list[cls];
	((uint64_t *)ptr)[1] = free_key;
	tc->list[cls] = ptr;
	if (++tc->count[cls] > classes[cls].cache_max)
		tcache_flush(tc, cls, classes[cls].cache_max / 2 + 1);
}

/* Large objects: a table from the caller's pointer to its mapping. */

static size_t large_slot(uintptr_t ptr)
{
	return (size_t)((ptr >> 12) * 0x9e3779b97f4a7c15ULL >> 17) & (large_cap - 1);
}

/* Under large_lock. */
static struct tam_large *large_find(uintptr_t ptr)
{
	size_t i;

	if (!large_cap)
		return NULL;
	for (i = large_slot(ptr); large_table[i].ptr; i = (i + 1) & (large_cap - 1))
		if (large_table[i].ptr == ptr)
			return &large_table[i];
	return NULL;
}

/* Under large_lock; the table has room. */
static void large_put(const struct tam_large *l)
{
	size_t i;

	for (i = large_slot(l->ptr); large_table[i].ptr; i = (i + 1) & (large_cap - 1))
		;
	large_table[i] = *l;
	large_count++;
	large_bytes += l->map_len;
}

/* Under large_lock: remove @e, shifting later entries back (linear probing). */
static void large_remove(struct tam_large *e)
{
	size_t i = (size_t)(e - large_table), j = i, k;

	large_count--;
	large_bytes -= e->map_len;
	for (;;) {
		large_table[i].ptr = 0;
		do {
			j = (j + 1) & (large_cap - 1);
			if (!large_table[j].ptr)
				return;
			k = large_slot(large_table[j].ptr);
		} while (i <= j ? (i < k && k <= j) : (i < k || k <= j));
		large_table[i] = large_table[j];
		i = j;
	}
}

/* Under large_lock: room for one more entry. */
static int large_reserve(void)
{
	struct tam_large *old = large_table, *fresh;
	size_t old_cap = large_cap, cap = large_cap ? large_cap * 2 : 256, i;

	if ((large_count + 1) * 2 <= large_cap)
		return 0;
	fresh = mmap(NULL, cap * sizeof(*fresh), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED)
		return -ENOMEM;
	large_table = fresh;
	large_cap = cap;
	large_count = 0;
	large_bytes = 0;
	for (i = 0; i < old_cap; i++)
		if (old[i].ptr)
			large_put(&old[i]);
	if (old)
		munmap(old, old_cap * sizeof(*old));
	return 0;
}

static int large_record(void *ptr, void *map, size_t map_len)
{
	struct tam_large l = { (uintptr_t)ptr, map, map_len, map_len };
	int err;

	pthread_mutex_lock(&large_lock);
	err = large_reserve();
	if (!err)
		large_put(&l);
	pthread_mutex_unlock(&large_lock);
	return err;
}

/* Under large_lock: take kept mapping @i out of the list. */
static struct tam_kept kept_take(unsigned int i)
{
	struct tam_kept k = kept[i];

	kept_count--;
	kept_bytes -= k.len;
	memmove(&kept[i], &kept[i + 1], (kept_count - i) * sizeof(kept[0]));
	return k;
}

/*
 * Under large_lock: a kept mapping for a request of @len bytes (page
 * aligned), if one is at least that big and wastes at most a quarter of it,
 * recorded as a large object; the best fit, the newest among equals.
 */
static void *kept_reuse(size_t len)
{
	unsigned int i, best = TAM_KEPT_MAX;
	struct tam_kept k;

	for (i = 0; i < kept_count; i++)
		if (kept[i].len >= len && kept[i].len <= len + len / 4 &&
		    (best == TAM_KEPT_MAX || kept[i].len <= kept[best].len))
			best = i;
	if (best == TAM_KEPT_MAX || large_reserve())
		return NULL;
	k = kept_take(best);
	large_put(&(struct tam_large){ (uintptr_t)k.map, k.map, k.len, k.len });
	return k.map;
}

/*
 * Under large_lock: keep the mapping of a freed large object for reuse.
 * Returns how many older ones it pushed out into @gone, for the caller to
 * unmap once unlocked, or -1 if it is not kept (the caller unmaps it).
 */
static int large_keep(const struct tam_large *l, struct tam_kept *gone)
{
	int n = 0;

	if (l->map_len > TAM_KEPT_MAX_LEN)
		return -1;
	while (kept_count == TAM_KEPT_MAX ||
	       kept_bytes + l->map_len > TAM_KEPT_MAX_BYTES)
		gone[n++] = kept_take(0);
	kept[kept_count++] = (struct tam_kept){ l->map, l->map_len };
	kept_bytes += l->map_len;
	return n;
}

/* Sets *@clean when the object is known to be zero. */
static void *large_alloc(size_t size, size_t align, int *clean)
{
	size_t len = (size + TAM_PAGE - 1) & ~(TAM_PAGE - 1);
	struct tam_tcache *tc = tcache_get();
	void *map, *ptr;
	size_t map_len;

	if (len < size)
		return errno = ENOMEM, NULL;
	if (align == TAM_PAGE && len <= TAM_KEPT_MAX_LEN) {
		pthread_mutex_lock(&large_lock);
		ptr = kept_reuse(len);
		map_len = ptr ? large_find((uintptr_t)ptr)->map_len : 0;
		pthread_mutex_unlock(&large_lock);
		if (ptr) {
			*clean = 0;
			count_in_use(tc, (int64_t)map_len);
			return ptr;
		}
	}
	ptr = align > TAM_PAGE ? map_aligned(len, align, &map, &map_len) :
				 (map = map_device(len), map_len = len, map);
	if (!ptr)
		return NULL;
	if (large_record(ptr, map, map_len)) {
		munmap(map, map_len);
		return errno = ENOMEM, NULL;
	}
	*clean = 1;
	count_in_use(tc, (int64_t)map_len);
	return ptr;
}

/* Returns 0 if @ptr was a large object (now freed), -1 if it is not one. */
static int large_free(void *ptr)
{
	struct tam_kept gone[TAM_KEPT_MAX];
	struct tam_large *e, l;
	int n = -1, i;

	pthread_mutex_lock(&large_lock);
	e = large_find((uintptr_t)ptr);
	if (e) {
		l = *e;
		large_remove(e);
		n = large_keep(&l, gone);
	}
	pthread_mutex_unlock(&large_lock);
	if (!e)
		return -1;
	if (n < 0)
		munmap(l.map, l.map_len);
	for (i = 0; i < n; i++)
		munmap(gone[i].map, gone[i].len);
	count_in_use(tcache_get(), -(int64_t)l.map_len);
	return 0;
}

static size_t large_usable(const void *ptr)
{
	struct tam_large *e;
	size_t usable = 0;

	pthread_mutex_lock(&large_lock);
	e = large_find((uintptr_t)ptr);
	if (e)
		usable = e->usable;
	pthread_mutex_unlock(&large_lock);
	return usable;
}

/* Grow or shrink a large object in place or by moving its pages. */
static void *large_resize(void *ptr, size_t size)
{
	size_t len = (size + TAM_PAGE - 1) & ~(TAM_PAGE - 1), old_len;
	struct tam_large *e, l;
	void *moved;

	if (len < size)
		return NULL;
	pthread_mutex_lock(&large_lock);
	e = large_find((uintptr_t)ptr);
	if (!e || e->map != ptr) {	/* over-aligned ones are copied */
		pthread_mutex_unlock(&large_lock);
		return NULL;
	}
	moved = mremap(ptr, e->map_len, len, MREMAP_MAYMOVE);
	if (moved == MAP_FAILED) {	/* EFAULT while a reserved cap applies */
		pthread_mutex_unlock(&large_lock);
		return NULL;
	}
	l = *e;
	old_len = l.map_len;
	large_remove(e);
	l.ptr = (uintptr_t)moved;
	l.map = moved;
	l.map_len = l.usable = len;
	large_put(&l);		/* the slot just freed is room */
	pthread_mutex_unlock(&large_lock);
	count_in_use(tcache_get(), (int64_t)len - (int64_t)old_len);
	return moved;
}

/* The usable size of @ptr, which must be ours; 0 for NULL. */
static size_t usable_size(void *ptr, struct tam_segment **segp)
{
	struct tam_segment *seg;
	struct tam_span *span;
	size_t usable;

	if (!ptr)
		return 0;
	seg = segment_of(ptr);
	if (segp)
		*segp = seg;
	if (seg) {
		span = span_of(seg, ptr);
		if (span->cls - 1 < TAM_NCLASSES)
			return classes[span->cls - 1].size;
		tam_die("invalid pointer", ptr);
	}
	usable = large_usable(ptr);
	if (!usable)
		tam_die("invalid pointer", ptr);
	return usable;
}

static void *alloc(size_t size, size_t align, int zero)
{
	unsigned int cls;
	int clean;
	void *p;

	tam_alloc_ready();
	if (size <= TAM_SMALL_MAX && align <= TAM_PAGE) {
		cls = size_class(size ? size : 1);
		/* A class whose objects all sit on @align boundaries. */
		while (classes[cls].size % align && cls < TAM_NCLASSES - 1)
			cls++;
		if (classes[cls].size % align == 0) {
			p = small_alloc(cls, &clean);
			if (p && zero && !clean)
				memset(p, 0, size);
			return p;
		}
	}
	p = large_alloc(size, align > TAM_PAGE ? align : TAM_PAGE, &clean);
	if (p && zero && !clean)
		memset(p, 0, size);
	return p;
}

TAM_EXPORT void *tam_malloc(size_t size)
{
	return alloc(size, TAM_MIN_OBJ, 0);
}

TAM_EXPORT void *tam_calloc(size_t nmemb, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(nmemb, size, &total))
		return errno = ENOMEM, NULL;
	return alloc(total, TAM_MIN_OBJ, 1);
}

TAM_EXPORT void tam_free(void *ptr)
{
	struct tam_segment *seg;

	if (!ptr)
		return;
	seg = segment_of(ptr);
	if (seg)
		small_free(seg, ptr);
	else if (large_free(ptr))
		tam_die("free(): invalid pointer", ptr);
}

TAM_EXPORT void *tam_realloc(void *ptr, size_t size)
{
	struct tam_segment *seg;
	size_t old;
	void *p;

	if (!ptr)
		return tam_malloc(size);
	if (!size) {
		tam_free(ptr);
		return NULL;
	}
	old = usable_size(ptr, &seg);
	if (seg) {
		/* Stay put while the object is neither outgrown nor mostly empty. */
		if (size <= old && size > old / 2)
			return ptr;
	} else if (size > TAM_SMALL_MAX) {
		p = large_resize(ptr, size);
		if (p)
			return p;
	}
	p = tam_malloc(size);
	if (!p)
		return NULL;
	memcpy(p, ptr, old < size ? old : size);
	tam_free(ptr);
	return p;
}

static int valid_alignment(size_t align)
{
	return align && !(align & (align - 1));
}

TAM_EXPORT void *tam_aligned_alloc(size_t alignment, size_t size)
{
	if (!valid_alignment(alignment))
		return errno = EINVAL, NULL;
	return alloc(size, alignment < TAM_MIN_OBJ ? TAM_MIN_OBJ : alignment, 0);
}

TAM_EXPORT int tam_posix_memalign(void **memptr, size_t alignment, size_t size)
{
	int saved = errno;
	void *p;

	if (!memptr || !valid_alignment(alignment) || alignment % sizeof(void *))
		return EINVAL;
	p = tam_aligned_alloc(alignment, size);
	if (!p) {
		errno = saved;
		return ENOMEM;
	}
	*memptr = p;
	return 0;
}

TAM_EXPORT size_t tam_malloc_usable_size(void *ptr)
{
	return usable_size(ptr, NULL);
}

/* Pages of [p, p + len) in memory now. */
static uint64_t resident_of(void *p, size_t len)
{
	unsigned char vec[1024];
	uint64_t pages = 0;
	size_t off, n, i;

	for (off = 0; off < len; off += n * TAM_PAGE) {
		n = (len - off) / TAM_PAGE;
		if (n > sizeof(vec))
			n = sizeof(vec);
		if (mincore((char *)p + off, n * TAM_PAGE, vec))
			break;
		for (i = 0; i < n; i++)
			pages += vec[i] & 1;
	}
	return pages * TAM_PAGE;
}

TAM_EXPORT int tam_heap_info(struct tam_heap_info *info)
{
	struct tam_heap_info full = { .size = sizeof(full) };
	struct tam_segment *seg;
	struct tam_tcache *tc;
	int64_t in_use;
	size_t i, want;

	if (!info || info->size < sizeof(info->size) + 4 * sizeof(uint64_t))
		return -EINVAL;
	tam_alloc_ready();

	pthread_mutex_lock(&tcache_lock);
	in_use = retired_in_use;
	for (tc = tcaches; tc; tc = tc->next)
		in_use += __atomic_load_n(&tc->in_use, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&tcache_lock);
	full.in_use_bytes = in_use > 0 ? (uint64_t)in_use : 0;

	pthread_mutex_lock(&seg_lock);
	for (seg = segments; seg; seg = seg->next) {
		full.reserved_bytes += TAM_SEG_SIZE;
		full.resident_bytes += resident_of(seg, TAM_SEG_SIZE);
	}
	pthread_mutex_unlock(&seg_lock);

	pthread_mutex_lock(&large_lock);
	full.large_bytes = large_bytes;
	full.reserved_bytes += large_bytes + kept_bytes;
	for (i = 0; i < large_cap; i++)
		if (large_table[i].ptr)
			full.resident_bytes += resident_of(large_table[i].map,
							   large_table[i].map_len);
	for (i = 0; i < kept_count; i++)
		full.resident_bytes += resident_of(kept[i].map, kept[i].len);
	pthread_mutex_unlock(&large_lock);

	want = info->size < sizeof(full) ? info->size : sizeof(full);
	full.size = want;
	memcpy(info, &full, want);
	return 0;
}
