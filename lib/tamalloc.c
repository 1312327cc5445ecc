// SPDX-License-Identifier: MIT
/*
 * libtamalloc: regions of lazily zeroed memory and the module's figures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/tamalloc.h>

#include "internal.h"
#include "tamalloc.h"

struct tam_region {
	void *base;
	size_t size;
	unsigned int flags;
};

static int tam_dev = -1;

/*
 * The device, opened on first use.  Threads racing here may each open it;
 * one descriptor wins and the others are closed.  A failed open is retried
 * next time (the module may have been loaded since).  The descriptor is
 * inherited by fork() and closed by exec().
 */
int tam_device_fd(void)
{
	int fd = __atomic_load_n(&tam_dev, __ATOMIC_ACQUIRE), expected = -1;

	if (fd >= 0)
		return fd;
	fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!__atomic_compare_exchange_n(&tam_dev, &expected, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

static int tam_ioctl(unsigned long cmd, void *arg)
{
	int fd = tam_device_fd();

	if (fd < 0)
		return fd;
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

TAM_EXPORT int tam_region_create(size_t size, unsigned int flags,
				 struct tam_region **region)
{
	struct tam_region *r;
	int fd, err;

	if (!region || !size || (flags & ~(TAM_REGION_SHARED | TAM_REGION_HUGE)))
		return -EINVAL;
	if (size > SIZE_MAX - page_size())
		return -ENOMEM;
	fd = tam_device_fd();
	if (fd < 0)
		return fd;
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->size = (size + page_size() - 1) & ~(page_size() - 1);
	r->flags = flags;
	/* Private regions of any size: no up-front commit charge. */
	r->base = mmap(NULL, r->size, PROT_READ | PROT_WRITE,
		       flags & TAM_REGION_SHARED ? MAP_SHARED : MAP_PRIVATE | MAP_NORESERVE,
		       fd, 0);
	if (r->base == MAP_FAILED) {
		err = -errno;
		free(r);
		return err;
	}
	if ((flags & TAM_REGION_HUGE) && madvise(r->base, r->size, MADV_HUGEPAGE)) {
		err = -errno;
		munmap(r->base, r->size);
		free(r);
		return err;
	}
	*region = r;
	return 0;
}

TAM_EXPORT int tam_region_destroy(struct tam_region *region)
{
	if (!region)
		return -EINVAL;
	if (munmap(region->base, region->size))
		return -errno;
	free(region);
	return 0;
}

TAM_EXPORT void *tam_region_base(const struct tam_region *region)
{
	if (!region) {
		errno = EINVAL;
		return NULL;
	}
	return region->base;
}

TAM_EXPORT size_t tam_region_size(const struct tam_region *region)
{
	return region ? region->size : 0;
}

static void *region_range(struct tam_region *region, size_t offset,
			  size_t length);

TAM_EXPORT int tam_region_discard(struct tam_region *region, size_t offset,
				  size_t length)
{
	struct tam_range range = { .size = sizeof(range) };
	char *start = region_range(region, offset, length);

	if (!start)
		return -EINVAL;
	if (!(region->flags & TAM_REGION_SHARED))
		return madvise(start, length, MADV_DONTNEED) ? -errno : 0;
	range.addr = (uintptr_t)start;
	range.len = length;
	return tam_ioctl(TAM_IOC_DISCARD, &range);
}

TAM_EXPORT int tam_unpin(void *addr, size_t length, unsigned int priority)
{
	struct tam_pin req = {
		.size = sizeof(req), .addr = (uintptr_t)addr, .len = length,
		.priority = priority,
	};

	return tam_ioctl(TAM_IOC_UNPIN, &req);
}

TAM_EXPORT int tam_pin(void *addr, size_t length, uint64_t *purged_bytes)
{
	struct tam_pin req = {
		.size = sizeof(req), .addr = (uintptr_t)addr, .len = length,
	};
	int err = tam_ioctl(TAM_IOC_PIN, &req);

	if (!err && purged_bytes)
		*purged_bytes = req.purged_bytes;
	return err;
}

TAM_EXPORT int tam_purge(uint64_t *purged_bytes)
{
	struct tam_purge req = { .size = sizeof(req) };
	int err = tam_ioctl(TAM_IOC_PURGE, &req);

	if (!err && purged_bytes)
		*purged_bytes = req.purged_bytes;
	return err;
}

TAM_EXPORT int tam_module_version(char *buf, size_t len)
{
	struct tam_version req = { .size = sizeof(req) };
	int err;

	if (!buf || !len)
		return -EINVAL;
	err = tam_ioctl(TAM_IOC_VERSION, &req);
	if (err)
		return err;
	req.module_version[sizeof(req.module_version) - 1] = '\0';
	if (strlen(req.module_version) >= len)
		return -ERANGE;
	strcpy(buf, req.module_version);
	return 0;
}

/* [offset, offset + length) of @region, page aligned, as an address. */
static void *region_range(struct tam_region *region, size_t offset,
			  size_t length)
{
	if (!region || !length || offset > region->size ||
	    length > region->size - offset ||
	    (offset | length) & (page_size() - 1))
		return NULL;
	return (char *)region->base + offset;
}

TAM_EXPORT int tam_region_unpin(struct tam_region *region, size_t offset,
				size_t length, unsigned int priority)
{
	void *start = region_range(region, offset, length);

	if (!start)
		return -EINVAL;
	return tam_unpin(start, length, priority);
}

TAM_EXPORT int tam_region_pin(struct tam_region *region, size_t offset,
			      size_t length, uint64_t *purged_bytes)
{
	void *start = region_range(region, offset, length);

	if (!start)
		return -EINVAL;
	return tam_pin(start, length, purged_bytes);
}

static double used_percent(uint64_t resident, uint64_t reserved)
{
	return reserved ? 100.0 * (double)resident / (double)reserved : 0.0;
}

/*
 * Copy @full (whose first member is a size_t) into the caller's @out, which
 * is out->size bytes long: as much as both know, size set to that.
 */
static int copy_sized(void *out, const void *full, size_t full_size,
		      size_t min_size)
{
	size_t want;

	if (!out)
		return -EINVAL;
	memcpy(&want, out, sizeof(want));
	if (want < min_size)
		return -EINVAL;
	if (want > full_size)
		want = full_size;
	memcpy(out, full, want);
	memcpy(out, &want, sizeof(want));
	return 0;
}

/* 0.1's structs end here; callers built against it pass that size. */
#define TAM_PROC_INFO_MIN	offsetof(struct tam_proc_info, reserved_limit)
#define TAM_SYS_INFO_MIN	offsetof(struct tam_sys_info, reserved_limit)

TAM_EXPORT int tam_proc_info(pid_t pid, struct tam_proc_info *info)
{
	struct tam_proc_stats st = { .size = sizeof(st), .pid = pid };
	struct tam_proc_info full = { .size = sizeof(full) };
	int err;

	if (pid < 0)
		return -EINVAL;
	err = tam_ioctl(TAM_IOC_PROC_STATS, &st);
	if (err)
		return err;
	full.pid = st.pid;
	full.oom_score_adj = st.oom_score_adj;
	full.reserved_bytes = st.reserved_bytes;
	full.resident_bytes = st.resident_bytes;
	full.peak_resident_bytes = st.peak_resident_bytes;
	full.faults = st.faults;
	full.mappings = st.mappings;
	full.oom_score = st.oom_score;
	full.used_percent = used_percent(st.resident_bytes, st.reserved_bytes);
	memcpy(full.comm, st.comm, sizeof(full.comm));
	full.comm[sizeof(full.comm) - 1] = '\0';
	/* A module older than the caps leaves them 0: none. */
	full.reserved_limit = st.reserved_limit;
	full.resident_limit = st.resident_limit;
	full.shared_bytes = st.shared_bytes;
	full.shared_swap_bytes = st.shared_swap_bytes;
	full.unpinned_bytes = st.unpinned_bytes;
	full.purged_bytes = st.purged_bytes;
	full.purges = st.purges;
	return copy_sized(info, &full, sizeof(full), TAM_PROC_INFO_MIN);
}

TAM_EXPORT int tam_sys_info(struct tam_sys_info *info)
{
	struct tam_sys_stats st = { .size = sizeof(st) };
	struct tam_sys_info full = { .size = sizeof(full) };
	int err;

	err = tam_ioctl(TAM_IOC_SYS_STATS, &st);
	if (err)
		return err;
	full.reserved_bytes = st.reserved_bytes;
	full.resident_bytes = st.resident_bytes;
	full.peak_resident_bytes = st.peak_resident_bytes;
	full.faults = st.faults;
	full.processes = st.processes;
	full.mappings = st.mappings;
	full.shared_bytes = st.shared_bytes;
	full.used_percent = used_percent(st.resident_bytes, st.reserved_bytes);
	full.reserved_limit = st.reserved_limit;
	full.resident_limit = st.resident_limit;
	full.shared_swap_bytes = st.shared_swap_bytes;
	full.unpinned_bytes = st.unpinned_bytes;
	full.purged_bytes = st.purged_bytes;
	full.purges = st.purges;
	return copy_sized(info, &full, sizeof(full), TAM_SYS_INFO_MIN);
}

TAM_EXPORT int tam_list_pids(pid_t **pids, size_t *count)
{
	struct tam_pid_list list = { .size = sizeof(list) };
	int32_t *buf = NULL, *grown;
	uint32_t capacity = 0;
	size_t i;
	pid_t *out;
	int err;

	if (!pids || !count)
		return -EINVAL;
	/* Processes may come and go between calls: ask until it all fits. */
	for (;;) {
		list.pids = (uintptr_t)buf;
		list.capacity = capacity;
		err = tam_ioctl(TAM_IOC_LIST_PIDS, &list);
		if (err)
			goto out;
		if (list.count <= capacity)
			break;
		capacity = list.count + 16;
		grown = realloc(buf, capacity * sizeof(*buf));
		if (!grown) {
			err = -ENOMEM;
			goto out;
		}
		buf = grown;
	}
	out = malloc((list.count ? list.count : 1) * sizeof(*out));
	if (!out) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < list.count; i++)
		out[i] = buf[i];
	*pids = out;
	*count = list.count;
out:
	free(buf);
	return err;
}

TAM_EXPORT int tam_set_limits(pid_t pid, uint64_t reserved_limit,
			      uint64_t resident_limit)
{
	struct tam_limits lim = {
		.size = sizeof(lim),
		.pid = pid,
		.reserved_limit = reserved_limit,
		.resident_limit = resident_limit,
	};

	if (pid < 0)
		return -EINVAL;
	return tam_ioctl(TAM_IOC_SET_LIMITS, &lim);
}
