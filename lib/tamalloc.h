/* SPDX-License-Identifier: MIT */
/*
 * libtamalloc: lazily zeroed memory from /dev/tamalloc, and its figures.
 *
 * Conventions: calls returning int give 0 or a negative errno; calls
 * returning a pointer give NULL and set errno.  The device is opened once, on
 * first use, close-on-exec, and is safe to use from many threads and after
 * fork().  Info structs are sized: set .size = sizeof(struct) before a call
 * (TAM_PROC_INFO_INIT and TAM_SYS_INFO_INIT do it), and the library fills the
 * fields both sides know, so programs keep working with newer libraries.
 */
#ifndef TAMALLOC_H
#define TAMALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TAMALLOC_VERSION_MAJOR	0
#define TAMALLOC_VERSION_MINOR	4

/* A lazily zeroed region of address space. */
struct tam_region;

/* Flags for tam_region_create(). */
#define TAM_REGION_SHARED	(1u << 0)	/* shared with forked children */
#define TAM_REGION_HUGE		(1u << 1)	/* 2 MiB pages where they fit (0.3) */

int tam_region_create(size_t size, unsigned int flags,
		      struct tam_region **region);
int tam_region_destroy(struct tam_region *region);
void *tam_region_base(const struct tam_region *region);
size_t tam_region_size(const struct tam_region *region);
int tam_region_discard(struct tam_region *region, size_t offset, size_t length);

#define TAM_COMM_MAX		16

/* One process's figures; see tam_proc_info(3). */
struct tam_proc_info {
	size_t size;			/* sizeof(struct tam_proc_info) */
	pid_t pid;
	int oom_score_adj;
	uint64_t reserved_bytes;
	uint64_t resident_bytes;
	uint64_t peak_resident_bytes;
	uint64_t faults;
	uint64_t mappings;
	uint64_t oom_score;
	double used_percent;		/* resident / reserved * 100 */
	char comm[TAM_COMM_MAX];
	/* since 0.2: the process's caps (tam_set_limits), 0 = none */
	uint64_t reserved_limit;
	uint64_t resident_limit;
	/*
	 * since 0.3: the shared regions' memory charged to the process (those
	 * it created), in memory and swapped out
	 */
	uint64_t shared_bytes;
	uint64_t shared_swap_bytes;
	/*
	 * since 0.4: purgeable memory of those regions (tam_unpin): what the
	 * unpinned ranges held as they were unpinned, and what purges took
	 * back, in bytes and in ranges
	 */
	uint64_t unpinned_bytes;
	uint64_t purged_bytes;
	uint64_t purges;
};

/* The system's figures; see tam_sys_info(3). */
struct tam_sys_info {
	size_t size;			/* sizeof(struct tam_sys_info) */
	uint64_t reserved_bytes;
	uint64_t resident_bytes;
	uint64_t peak_resident_bytes;
	uint64_t faults;
	uint64_t processes;
	uint64_t mappings;
	uint64_t shared_bytes;
	double used_percent;		/* resident / reserved * 100 */
	/*
	 * since 0.2: the system's caps, the module parameters
	 * max_reserved_bytes and max_resident_bytes; 0 = none
	 */
	uint64_t reserved_limit;
	uint64_t resident_limit;
	/* since 0.3: of shared_bytes' memory, what is swapped out instead */
	uint64_t shared_swap_bytes;
	/* since 0.4: purgeable memory, as in struct tam_proc_info */
	uint64_t unpinned_bytes;
	uint64_t purged_bytes;
	uint64_t purges;
};

#define TAM_PROC_INFO_INIT	{ .size = sizeof(struct tam_proc_info) }
#define TAM_SYS_INFO_INIT	{ .size = sizeof(struct tam_sys_info) }

int tam_proc_info(pid_t pid, struct tam_proc_info *info);
int tam_sys_info(struct tam_sys_info *info);
int tam_list_pids(pid_t **pids, size_t *count);

/* Cap a process's tamalloc memory, in bytes (0: no cap); see tam_set_limits(3). */
int tam_set_limits(pid_t pid, uint64_t reserved_limit, uint64_t resident_limit);

/*
 * The loaded module's version into @buf (0.4; -ENOTTY from a module older
 * than 0.4, -ERANGE if @len is too small, -ENOENT if none is loaded).
 */
int tam_module_version(char *buf, size_t len);

/*
 * Purgeable memory (0.4; see tam_unpin(3)): unpinned pages of shared regions
 * may be taken back by the kernel under memory pressure, lowest priority
 * first; pinning them again says how many bytes were.  Shared regions only:
 * for private anonymous memory, madvise(MADV_FREE) is the analogue (the
 * kernel refuses it on tamalloc's private mappings).
 */
#define TAM_PRIORITY_MAX	3	/* priorities 0 (purged first) to 3 */

int tam_unpin(void *addr, size_t length, unsigned int priority);
int tam_pin(void *addr, size_t length, uint64_t *purged_bytes);
int tam_purge(uint64_t *purged_bytes);
int tam_region_unpin(struct tam_region *region, size_t offset, size_t length,
		     unsigned int priority);
int tam_region_pin(struct tam_region *region, size_t offset, size_t length,
		   uint64_t *purged_bytes);

/*
 * The allocator: the malloc family over /dev/tamalloc private mappings (see
 * tam_malloc(3)).  Like malloc: NULL and errno ENOMEM when memory runs out;
 * a bad or double free aborts with a message.
 */
void *tam_malloc(size_t size);
void *tam_calloc(size_t nmemb, size_t size);
void *tam_realloc(void *ptr, size_t size);
void tam_free(void *ptr);
void *tam_aligned_alloc(size_t alignment, size_t size);
int tam_posix_memalign(void **memptr, size_t alignment, size_t size);
size_t tam_malloc_usable_size(void *ptr);

/* The allocator's heap in this process; see tam_heap_info(3). */
struct tam_heap_info {
	size_t size;			/* sizeof(struct tam_heap_info) */
	uint64_t in_use_bytes;		/* usable bytes of live allocations */
	uint64_t reserved_bytes;	/* address space the heap has mapped */
	uint64_t resident_bytes;	/* of it, in memory now */
	uint64_t large_bytes;		/* of reserved, large objects' own mappings */
};

#define TAM_HEAP_INFO_INIT	{ .size = sizeof(struct tam_heap_info) }

int tam_heap_info(struct tam_heap_info *info);

#ifdef __cplusplus
}
#endif

#endif /* TAMALLOC_H */
