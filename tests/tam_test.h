/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the in-VM test suites: the device, its stats, and what
 * the kernel itself reports in /proc for the same memory.
 */
#ifndef TAM_TEST_H
#define TAM_TEST_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/types.h>

#include <linux/tamalloc.h>

#define PAGE		4096UL
#define KIB		1024UL
#define MIB		(1024UL * 1024UL)
#define GIB		(1024UL * MIB)
#define TIB		(1024UL * GIB)

/* Skip status for automake-style runners: the device is not there. */
#define TAM_EXIT_SKIP	77

int tam_open(void);
void *tam_map(size_t len, int flags);
void *zero_map(size_t len, int flags);
void tam_touch(void *p, size_t len, size_t stride, char value);
/* TAM_IOC_DISCARD of [addr, addr + len): 0 or the errno. */
int tam_discard(void *addr, size_t len);

struct tam_proc_stats proc_stats(pid_t pid);
int proc_stats_errno(pid_t pid);
struct tam_sys_stats sys_stats(void);

/* Size and Rss in bytes of the VMA of @pid that starts at @addr. */
struct smaps_vma {
	uint64_t size;
	uint64_t rss;
};
struct smaps_vma smaps_vma(pid_t pid, const void *addr);
/* Summed Size and Rss of every tamalloc VMA of @pid. */
struct smaps_vma smaps_tamalloc(pid_t pid);

/* True if every byte of [p, p + len) is @value. */
int all_bytes(const void *p, size_t len, unsigned char value);

/*
 * Checks inside forked children: report and exit non-zero.  (ck_assert
 * belongs to the test process itself.)
 */
#define child_check(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "child %d: check failed: %s (%s:%d)\n", \
				(int)getpid(), #cond, __FILE__, __LINE__); \
			_exit(1);					\
		}							\
	} while (0)

/* Write @value and a newline to the file at @path (sysfs, procfs, cgroupfs). */
void write_file(const char *path, const char *value);
/* The value of a "key value" line of a file (/proc/vmstat, memory.events). */
uint64_t file_key(const char *path, const char *key);
/* The module parameter @name (max_reserved_bytes, max_resident_bytes). */
void write_param(const char *name, uint64_t value);
uint64_t read_param(const char *name);
/* Lift both system-wide caps: every caps test starts and ends so. */
void no_system_caps(void);
/* TAM_IOC_SET_LIMITS on @pid (0: the caller): 0 or the errno. */
int set_limits_errno(pid_t pid, uint64_t reserved, uint64_t resident);
/* mmap() of @len bytes of /dev/tamalloc, read-write, or NULL (errno set). */
void *map_or_null(size_t len, int flags);
/*
 * Write 2 to the first byte of each page of [p, p + pages * PAGE) until a
 * SIGBUS: returns how many pages were written.  One thread at a time.
 */
size_t touch_until_sigbus(char *p, size_t pages);

/* Run @fn in a child; returns its exit status, or 128 + signal. */
int in_child(void (*fn)(void *), void *arg);

/* A parent-child rendezvous over two pipes. */
struct sync_pair {
	int to_child[2];
	int to_parent[2];
};
void sync_init(struct sync_pair *s);
void sync_signal_parent(struct sync_pair *s);
void sync_wait_child(struct sync_pair *s);
void sync_signal_child(struct sync_pair *s);
void sync_wait_parent(struct sync_pair *s);

/* main() hands its arguments to this step of a limits test (test_limits.c). */
int setuid_exec_step(int argc, char **argv);

Suite *mapping_suite(void);
Suite *stats_suite(void);
Suite *abi_suite(void);
Suite *limits_suite(void);
Suite *huge_suite(void);
Suite *swap_suite(void);
Suite *holds_suite(void);
Suite *numa_suite(void);
Suite *pinned_suite(void);
Suite *pins_suite(void);
Suite *purge_suite(void);
Suite *module_suite(void);

#endif /* TAM_TEST_H */
