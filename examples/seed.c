// SPDX-License-Identifier: MIT
/*
 * The seed scenario: reserve 500 MiB of tamalloc memory, touch 150 MiB of it,
 * and show the figures the module reports for this process and the system,
 * next to what the kernel's own /proc/self/smaps and oom_score say.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/tamalloc.h>

#define MIB (1024UL * 1024UL)

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void print_size(const char *what, unsigned long long bytes)
{
	printf("  %-22s %12llu bytes  (%.1f MiB)\n", what, bytes,
	       (double)bytes / MIB);
}

int main(int argc, char **argv)
{
	unsigned long reserve = 500 * MIB, touch = 150 * MIB;
	struct tam_proc_stats ps = { .size = sizeof(ps) };
	struct tam_sys_stats ss = { .size = sizeof(ss) };
	unsigned long off;
	char *p;
	int fd;

	if (argc == 3) {
		reserve = strtoul(argv[1], NULL, 0) * MIB;
		touch = strtoul(argv[2], NULL, 0) * MIB;
	}
	fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tamalloc-seed: %s: %s (is the module loaded?)\n",
			TAM_DEVICE_PATH, strerror(errno));
		return 1;
	}
	p = mmap(NULL, reserve, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("tamalloc-seed: mmap");
		return 1;
	}
	for (off = 0; off < touch; off += 4096)
		p[off] = 1;

	if (ioctl(fd, TAM_IOC_PROC_STATS, &ps) || ioctl(fd, TAM_IOC_SYS_STATS, &ss)) {
		perror("tamalloc-seed: ioctl");
		return 1;
	}

	printf("process %d (%s): reserved %lu MiB, touched %lu MiB\n",
	       ps.pid, ps.comm, reserve / MIB, touch / MIB);
	print_size("reserved", ps.reserved_bytes);
	print_size("resident", ps.resident_bytes);
	printf("  %-22s %12.1f %%\n", "used",
	       ps.reserved_bytes ? 100.0 * ps.resident_bytes / ps.reserved_bytes : 0.0);
	printf("  %-22s %12llu\n", "faults", (unsigned long long)ps.faults);
	printf("  %-22s %12llu  (/proc/self/oom_score: %ld)\n", "oom_score",
	       (unsigned long long)ps.oom_score, read_long("/proc/self/oom_score"));
	printf("  %-22s %12d\n", "oom_score_adj", ps.oom_score_adj);
	printf("system:\n");
	print_size("reserved", ss.reserved_bytes);
	print_size("resident", ss.resident_bytes);
	print_size("peak resident", ss.peak_resident_bytes);
	print_size("shared objects", ss.shared_bytes);
	printf("  %-22s %12llu\n  %-22s %12llu\n  %-22s %12llu\n",
	       "faults", (unsigned long long)ss.faults,
	       "processes", (unsigned long long)ss.processes,
	       "mappings", (unsigned long long)ss.mappings);

	munmap(p, reserve);
	close(fd);
	return 0;
}
