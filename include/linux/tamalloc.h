/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * tamalloc: lazily zeroed memory from /dev/tamalloc, with exact accounting.
 *
 * This is the user-space ABI of the tamalloc module, shared by the module,
 * libtamalloc and any program that talks to the device directly.
 *
 * Every reply struct starts with a __u64 size.  The caller sets it to the
 * sizeof() it was compiled with; the kernel fills at most that many bytes,
 * zeroes whatever it has no figure for, and writes back in size how many bytes
 * it understood.  Older binaries keep working against newer modules and the
 * other way round, as with clone3() and openat2().
 *
 * All byte counters are __u64 bytes.
 */
#ifndef _UAPI_LINUX_TAMALLOC_H
#define _UAPI_LINUX_TAMALLOC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define TAM_DEVICE_PATH		"/dev/tamalloc"
#define TAM_COMM_LEN		16

/*
 * Figures for one process (one mm: threads share them).
 *
 * reserved_bytes and resident_bytes are measured when asked, the way
 * /proc/PID/smaps measures: the sum of the sizes of the process's tamalloc
 * mappings, and the bytes of them its page tables map right now (shared pages
 * and private copies alike).  They equal the Size and Rss smaps shows for
 * those mappings, except that pages of a mapping while it is not readable
 * (PROT_NONE, write-only) count as not resident: the page-table walker the
 * kernel exports to modules skips such mappings.  peak_resident_bytes is the
 * highest resident figure the module has measured for the process.
 */
struct tam_proc_stats {
	__u64 size;			/* in: sizeof(struct); out: bytes filled */
	__s32 pid;			/* in: thread group id, 0 for the caller */
	__s32 oom_score_adj;		/* as /proc/PID/oom_score_adj */
	__u64 reserved_bytes;
	__u64 resident_bytes;
	__u64 peak_resident_bytes;
	__u64 faults;			/* tamalloc page faults taken */
	__u64 mappings;			/* tamalloc VMAs in the process */
	__u64 oom_score;		/* as /proc/PID/oom_score */
	char comm[TAM_COMM_LEN];	/* NUL-terminated */
	/* since version 1: the process's caps (TAM_IOC_SET_LIMITS), 0 = none */
	__u64 reserved_limit;
	__u64 resident_limit;
	/*
	 * since version 2: the pages of the MAP_SHARED objects charged to the
	 * process, in memory and swapped out.  An object is charged to the
	 * process that created it and, once that one no longer maps it, to
	 * another process that maps it; its pages count against that
	 * process's resident cap wherever they are mapped.
	 */
	__u64 shared_bytes;
	__u64 shared_swap_bytes;
	/*
	 * since version 3: purgeable memory (TAM_IOC_UNPIN) of the objects
	 * charged to the process.  unpinned_bytes: what its unpinned ranges
	 * held, counted once after each was unpinned (pages touched in it
	 * later are not), not purged since; purged_bytes and
	 * purges: the memory purges took back from them, and how many ranges,
	 * since the process began.
	 */
	__u64 unpinned_bytes;
	__u64 purged_bytes;
	__u64 purges;
};

#define TAM_PROC_STATS_SIZE_VER0	80
#define TAM_PROC_STATS_SIZE_VER1	96
#define TAM_PROC_STATS_SIZE_VER2	112
#define TAM_PROC_STATS_SIZE_VER3	136

/*
 * System-wide figures.  faults, processes and mappings are counters kept by
 * the module.  reserved_bytes and resident_bytes are the sums of every
 * process's figures above, measured when asked; peak_resident_bytes is the
 * highest such sum measured.  Measuring takes every tamalloc process's
 * mmap_lock for reading: for a caller without CAP_SYS_PTRACE the module
 * measures at most once a second, and answers with the last measurement in
 * between; it takes no lock another process holds, counting such a process
 * with its last measured figures.
 * shared_bytes is the memory held by MAP_SHARED tamalloc objects, counted once
 * however many processes map it; shared_swap_bytes, what of it is swapped
 * out.  An object holds its pages until they are discarded (TAM_IOC_DISCARD,
 * MADV_REMOVE) or its last mapping goes, as /dev/zero's shared memory does:
 * unmapping a part of a mapping does not free that part.
 */
struct tam_sys_stats {
	__u64 size;			/* in: sizeof(struct); out: bytes filled */
	__u64 reserved_bytes;
	__u64 resident_bytes;
	__u64 peak_resident_bytes;
	__u64 faults;
	__u64 processes;
	__u64 mappings;
	__u64 shared_bytes;
	/*
	 * since version 1: the system-wide caps, the module parameters
	 * max_reserved_bytes and max_resident_bytes; 0 = none
	 */
	__u64 reserved_limit;
	__u64 resident_limit;
	/* since version 2 */
	__u64 shared_swap_bytes;
	/* since version 3: purgeable memory, as in struct tam_proc_stats */
	__u64 unpinned_bytes;
	__u64 purged_bytes;
	__u64 purges;
};

#define TAM_SYS_STATS_SIZE_VER0		64
#define TAM_SYS_STATS_SIZE_VER1		80
#define TAM_SYS_STATS_SIZE_VER2		88
#define TAM_SYS_STATS_SIZE_VER3		112

/*
 * The processes that have tamalloc mappings.  The kernel stores up to
 * capacity pids (__s32) at pids and sets count to the number that exist, which
 * may be larger than capacity: call again with a bigger array then.
 */
struct tam_pid_list {
	__u64 size;			/* in: sizeof(struct); out: bytes filled */
	__u64 pids;			/* in: user pointer to __s32[capacity] */
	__u32 capacity;			/* in */
	__u32 count;			/* out */
};

#define TAM_PID_LIST_SIZE_VER0		24

/*
 * Give the pages of [addr, addr + len) of the caller's MAP_SHARED tamalloc
 * mappings back to the kernel, as madvise(MADV_REMOVE) does: every process
 * that maps them reads zeros on its next touch.  addr and len are page
 * aligned; the whole range must be tamalloc mappings (ENOMEM for unmapped
 * holes, EINVAL for other memory) that are shared and may be written
 * (EACCES).  For MAP_PRIVATE mappings, madvise(MADV_DONTNEED) does the same.
 * Input only: a newer caller's struct must have zeroes past the fields known
 * here (E2BIG).
 */
struct tam_range {
	__u64 size;			/* sizeof(struct) */
	__u64 addr;
	__u64 len;
};

#define TAM_RANGE_SIZE_VER0		24

/*
 * Caps on one process's tamalloc memory, in bytes; 0 = no cap.  Both are
 * set at once: to keep one, pass the value TAM_IOC_PROC_STATS reports.
 *
 * reserved_limit bounds the sum of the sizes of its tamalloc mappings: an
 * mmap() that would pass it fails with ENOMEM.  resident_limit bounds the
 * pages of them it has touched and not given back (in memory or swapped out):
 * a fault that would pass it gets SIGBUS.  Anyone may lower the caps of a
 * process they may prlimit(); raising one (or lifting it with 0) needs
 * CAP_SYS_RESOURCE (EPERM).  The caps belong to the address space: children
 * forked while it has tamalloc mappings inherit them, exec() drops them.
 * Input only; flags must be 0.
 */
struct tam_limits {
	__u64 size;			/* sizeof(struct) */
	__s32 pid;			/* thread group id, 0 for the caller */
	__u32 flags;
	__u64 reserved_limit;
	__u64 resident_limit;
};

#define TAM_LIMITS_SIZE_VER0		32

/*
 * Purgeable memory, as Android's ashmem had it.  TAM_IOC_UNPIN: the kernel
 * may purge the pages of [addr, addr + len) of the caller's MAP_SHARED
 * tamalloc mappings under memory pressure, before it swaps or OOM-kills:
 * lowest priority first and, within a priority, the range unpinned longest
 * ago first.  TAM_IOC_PIN: they may no longer be purged; purged_bytes says
 * how many bytes of the range were purged while it was unpinned (0: the
 * contents are intact).  Purged pages read as zeros, zero-filled on the next
 * touch like untouched ones; pinned pages are never purged.  The state
 * belongs to the object, so every process that maps it sees the same;
 * pinning what is pinned answers 0.  Ranges are page aligned and may span
 * several mappings and objects.  Errors are TAM_IOC_DISCARD's, but that a
 * private mapping gives EINVAL (madvise(MADV_FREE) is the analogue for
 * anonymous memory; the kernel refuses it on the device's mappings).  Each
 * is 0 or the errno; on an error part of the range may have changed.
 */
#define TAM_UNPIN_PRIORITIES	4	/* priority 0 is purged first */

struct tam_pin {
	__u64 size;			/* sizeof(struct) */
	__u64 addr;
	__u64 len;
	__u32 priority;			/* UNPIN: < TAM_UNPIN_PRIORITIES; PIN: 0 */
	__u32 flags;			/* 0 */
	__u64 purged_bytes;		/* PIN: out */
};

#define TAM_PIN_SIZE_VER0		40

/*
 * TAM_IOC_PURGE: purge now every unpinned range of the objects the caller
 * maps (with CAP_SYS_ADMIN, every unpinned range in the system), as
 * ASHMEM_PURGE_ALL_CACHES did.  purged_bytes: the memory it took back.
 */
struct tam_purge {
	__u64 size;			/* sizeof(struct) */
	__u32 flags;			/* 0 */
	__u32 reserved;			/* 0 */
	__u64 purged_bytes;		/* out */
};

#define TAM_PURGE_SIZE_VER0		24

/*
 * TAM_IOC_VERSION: the loaded module's version, its package's (as
 * /sys/module/tamalloc/version shows it), NUL-terminated.  A module older
 * than 0.4 answers ENOTTY.
 */
struct tam_version {
	__u64 size;			/* sizeof(struct) */
	char module_version[64];	/* out */
};

#define TAM_VERSION_SIZE_VER0		72

/*
 * The numbers encode the first version's sizes and never change: growth is
 * carried by the size field, not by new ioctl numbers.
 */
#define TAM_IOC_MAGIC		0xE7
#define TAM_IOC_PROC_STATS	_IOC(_IOC_READ | _IOC_WRITE, TAM_IOC_MAGIC, 0x01, \
				     TAM_PROC_STATS_SIZE_VER0)
#define TAM_IOC_SYS_STATS	_IOC(_IOC_READ | _IOC_WRITE, TAM_IOC_MAGIC, 0x02, \
				     TAM_SYS_STATS_SIZE_VER0)
#define TAM_IOC_LIST_PIDS	_IOC(_IOC_READ | _IOC_WRITE, TAM_IOC_MAGIC, 0x03, \
				     TAM_PID_LIST_SIZE_VER0)
#define TAM_IOC_DISCARD		_IOC(_IOC_WRITE, TAM_IOC_MAGIC, 0x04, \
				     TAM_RANGE_SIZE_VER0)
#define TAM_IOC_SET_LIMITS	_IOC(_IOC_WRITE, TAM_IOC_MAGIC, 0x05, \
				     TAM_LIMITS_SIZE_VER0)
#define TAM_IOC_UNPIN		_IOC(_IOC_WRITE, TAM_IOC_MAGIC, 0x06, \
				     TAM_PIN_SIZE_VER0)
#define TAM_IOC_PIN		_IOC(_IOC_READ | _IOC_WRITE, TAM_IOC_MAGIC, 0x07, \
				     TAM_PIN_SIZE_VER0)
#define TAM_IOC_PURGE		_IOC(_IOC_READ | _IOC_WRITE, TAM_IOC_MAGIC, 0x08, \
				     TAM_PURGE_SIZE_VER0)
#define TAM_IOC_VERSION		_IOC(_IOC_READ | _IOC_WRITE, TAM_IOC_MAGIC, 0x09, \
				     TAM_VERSION_SIZE_VER0)

#endif /* _UAPI_LINUX_TAMALLOC_H */
