// SPDX-License-Identifier: MIT
/*
 * libtamalloc-preload.so: the whole malloc family of a dynamically linked
 * program, served by the tamalloc allocator.  tamalloc-run(1) loads it with
 * LD_PRELOAD; so can anyone.
 *
 * Environment, set by tamalloc-run:
 *   TAMALLOC_RUN_STATS=PID      print that process's figures when it exits
 *   TAMALLOC_RUN_STATS_FD=FD    to FD, tamalloc-run's stderr (else to ours)
 *   TAMALLOC_RUN_NO_INHERIT=1   programs this one execs get the libc malloc:
 *                               LD_PRELOAD goes back to TAMALLOC_RUN_LD_PRELOAD
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "tamalloc.h"

TAM_EXPORT void *malloc(size_t size)
{
	return tam_malloc(size);
}

TAM_EXPORT void *calloc(size_t nmemb, size_t size)
{
	return tam_calloc(nmemb, size);
}

TAM_EXPORT void *realloc(void *ptr, size_t size)
{
	return tam_realloc(ptr, size);
}

TAM_EXPORT void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(nmemb, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return tam_realloc(ptr, total);
}

TAM_EXPORT void free(void *ptr)
{
	tam_free(ptr);
}

TAM_EXPORT void cfree(void *ptr)
{
	tam_free(ptr);
}

TAM_EXPORT void *aligned_alloc(size_t alignment, size_t size)
{
	return tam_aligned_alloc(alignment, size);
}

TAM_EXPORT int posix_memalign(void **memptr, size_t alignment, size_t size)
{
	return tam_posix_memalign(memptr, alignment, size);
}

/* glibc's memalign takes any alignment and rounds it up to a power of two. */
TAM_EXPORT void *memalign(size_t alignment, size_t size)
{
	size_t a = 16;

	while (a < alignment && a)
		a <<= 1;
	if (!a) {
		errno = EINVAL;
		return NULL;
	}
	return tam_aligned_alloc(a, size);
}

TAM_EXPORT void *valloc(size_t size)
{
	return tam_aligned_alloc((size_t)sysconf(_SC_PAGESIZE), size);
}

TAM_EXPORT void *pvalloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t rounded = (size + page - 1) & ~(page - 1);

	if (rounded < size) {
		errno = ENOMEM;
		return NULL;
	}
	return tam_aligned_alloc(page, rounded ? rounded : page);
}

TAM_EXPORT size_t malloc_usable_size(void *ptr)
{
	return tam_malloc_usable_size(ptr);
}

static pid_t stats_pid;
static int stats_fd = STDERR_FILENO;

__attribute__((constructor)) static void preload_init(void)
{
	const char *pid = getenv("TAMALLOC_RUN_STATS");
	const char *saved;

	if (pid)
		stats_pid = (pid_t)atoi(pid);
	if (stats_pid == getpid()) {
		const char *fd_name = getenv("TAMALLOC_RUN_STATS_FD");
		int fd = fd_name ? atoi(fd_name) : -1;

		/* Ours till exit; what this process runs need not inherit it. */
		if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0)
			stats_fd = fd;
		/*
		 * The device, opened before main(): a program that sandboxes
		 * itself (xz's Landlock rules deny ioctl() on devices it opens
		 * later) still has it for the figures at exit.
		 */
		tam_device_fd();
	}
	if (getenv("TAMALLOC_RUN_NO_INHERIT")) {
		saved = getenv("TAMALLOC_RUN_LD_PRELOAD");
		if (saved && *saved)
			setenv("LD_PRELOAD", saved, 1);
		else
			unsetenv("LD_PRELOAD");
		unsetenv("TAMALLOC_RUN_LD_PRELOAD");
		unsetenv("TAMALLOC_RUN_NO_INHERIT");
	}
}

/* tamalloc-run -s: the figures of the process it started, as it exits. */
__attribute__((destructor)) static void preload_fini(void)
{
	struct tam_proc_info me = TAM_PROC_INFO_INIT;
	struct tam_heap_info heap = TAM_HEAP_INFO_INIT;
	int err;

	if (!stats_pid || stats_pid != getpid())
		return;
	err = tam_proc_info(0, &me);
	if (!err)
		err = tam_heap_info(&heap);
	if (err) {
		dprintf(stats_fd, "tamalloc-run: pid %d: no figures: %s\n",
			(int)getpid(), strerror(-err));
		return;
	}
	dprintf(stats_fd,
		"tamalloc-run: pid %d (%s): reserved %llu, resident %llu (%.1f%%), "
		"peak resident %llu bytes, %llu faults; heap: in use %llu, "
		"resident %llu, reserved %llu bytes\n",
		(int)me.pid, me.comm, (unsigned long long)me.reserved_bytes,
		(unsigned long long)me.resident_bytes, me.used_percent,
		(unsigned long long)me.peak_resident_bytes,
		(unsigned long long)me.faults,
		(unsigned long long)heap.in_use_bytes,
		(unsigned long long)heap.resident_bytes,
		(unsigned long long)heap.reserved_bytes);
}
