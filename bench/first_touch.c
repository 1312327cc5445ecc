// SPDX-License-Identifier: MIT
/*
 * tamalloc-bench-touch: first-touch cost per 4 KiB page, as a ratio to the
 * kernel's own memory of the same kind measured in the same run.
 *
 * Methods, interleaved round by round so that drift hits them all alike:
 *   anon          mmap(MAP_PRIVATE | MAP_ANONYMOUS) with MADV_NOHUGEPAGE
 *   anon-thp      the same with MADV_HUGEPAGE: 2 MiB pages
 *   tam-shared    /dev/tamalloc MAP_SHARED
 *   tam-shared-2m /dev/tamalloc MAP_SHARED with MADV_HUGEPAGE
 *   tam-private   /dev/tamalloc MAP_PRIVATE
 *   zero-private  /dev/zero MAP_PRIVATE
 *   zero-shared   /dev/zero MAP_SHARED
 *   zero-shared-nr /dev/zero MAP_SHARED | MAP_NORESERVE: shmem accounts each
 *                 page as it allocates it, as tamalloc's objects do (they
 *                 may be larger than memory), instead of the whole at mmap()
 *   tmpfs-2m      a file on a tmpfs mounted with huge=advise, MADV_HUGEPAGE:
 *                 the kernel's own shmem with 2 MiB pages, which tamalloc's
 *                 objects are (skipped where the mount is refused)
 *   uffd-zeropage anonymous memory whose missing pages a userfaultfd
 *                 handler thread fills with UFFDIO_ZEROPAGE
 * Each touch is a one-byte write per 4 KiB page (with 2 MiB pages most of
 * them find the page there already: the figure is the cost per 4 KiB of
 * memory).  The figure per method is the median over rounds of (time of the
 * touch loop) / pages, and each is compared with its baseline: the kernel's
 * memory of the same kind.  Under QEMU's -icount (scripts/vm-run --icount)
 * the guest's clock counts instructions, and the figures repeat exactly.
 *
 * Usage: tamalloc-bench-touch [-p PAGES] [-r ROUNDS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/tamalloc.h>

#include "bench.h"

#define PAGE		4096UL
#define TMPFS_DIR	"/tmp/tamalloc-bench-huge"
#define TMPFS_FILE	TMPFS_DIR "/object"

struct uffd_ctx {
	int uffd;
	int stop[2];
};

struct method {
	const char *name;
	const char *path;	/* device to map, or NULL for anonymous */
	int flags;
	int advice;		/* madvise() after mmap(), or 0 */
	int kind;		/* PLAIN, UFFD or TMPFS */
	int baseline;		/* index of the method it is compared with */
	double ns_per_page[MAX_ROUNDS];
};

enum { ANON, ANON_THP, ZERO_SHARED };
enum { PLAIN, UFFD, TMPFS };

static struct method methods[] = {
	[ANON] = { "anon", NULL, MAP_PRIVATE | MAP_ANONYMOUS, MADV_NOHUGEPAGE, 0, ANON, {0} },
	[ANON_THP] = { "anon-thp", NULL, MAP_PRIVATE | MAP_ANONYMOUS, MADV_HUGEPAGE, 0, ANON_THP, {0} },
	[ZERO_SHARED] = { "zero-shared", "/dev/zero", MAP_SHARED, 0, 0, ZERO_SHARED, {0} },
	{ "tam-shared",    TAM_DEVICE_PATH, MAP_SHARED, 0, 0, ZERO_SHARED, {0} },
	{ "tam-shared-2m", TAM_DEVICE_PATH, MAP_SHARED, MADV_HUGEPAGE, 0, ANON_THP, {0} },
	{ "tam-private",   TAM_DEVICE_PATH, MAP_PRIVATE, 0, 0, ANON, {0} },
	{ "zero-private",  "/dev/zero", MAP_PRIVATE, 0, 0, ANON, {0} },
	{ "zero-shared-nr", "/dev/zero", MAP_SHARED | MAP_NORESERVE, 0, 0, ZERO_SHARED, {0} },
	{ "tmpfs-2m", TMPFS_FILE, MAP_SHARED, MADV_HUGEPAGE, TMPFS, ANON_THP, {0} },
	{ "uffd-zeropage", NULL, MAP_PRIVATE | MAP_ANONYMOUS, MADV_NOHUGEPAGE, UFFD, ANON, {0} },
};

#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

static int tmpfs_ok;

static int usable(const struct method *m)
{
	return m->kind != TMPFS || tmpfs_ok;
}

static void *uffd_handler(void *arg)
{
	struct uffd_ctx *ctx = arg;
	struct pollfd pfd[2] = {
		{ .fd = ctx->uffd, .events = POLLIN },
		{ .fd = ctx->stop[0], .events = POLLIN },
	};
	struct uffd_msg msg;

	for (;;) {
		if (poll(pfd, 2, -1) < 0)
			die("poll");
		if (pfd[1].revents)
			return NULL;
		if (read(ctx->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_PAGEFAULT) {
			struct uffdio_zeropage zp = {
				.range.start = msg.arg.pagefault.address & ~(PAGE - 1),
				.range.len = PAGE,
			};

			if (ioctl(ctx->uffd, UFFDIO_ZEROPAGE, &zp) && errno != EEXIST)
				die("UFFDIO_ZEROPAGE");
		}
	}
}

static double touch_ns(char *p, size_t pages)
{
	volatile char *c = p;
	double t0 = now_ns();
	size_t i;

	for (i = 0; i < pages; i++)
		c[i * PAGE] = 1;
	return now_ns() - t0;
}

static double run_once(struct method *m, size_t pages)
{
	size_t len = pages * PAGE;
	struct uffd_ctx ctx;
	pthread_t thread;
	int fd = -1;
	double ns;
	char *p;

	if (m->kind == TMPFS) {
		fd = open(m->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, len) || unlink(m->path))
			die(m->path);
	} else if (m->path) {
		fd = open(m->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die(m->path);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, m->flags, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (m->advice && madvise(p, len, m->advice))
		die("madvise");

	if (m->kind == UFFD) {
		struct uffdio_api api = { .api = UFFD_API };
		struct uffdio_register reg = {
			.range = { .start = (unsigned long)p, .len = len },
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};

		ctx.uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		if (ctx.uffd < 0)
			die("userfaultfd");
		if (ioctl(ctx.uffd, UFFDIO_API, &api) || ioctl(ctx.uffd, UFFDIO_REGISTER, &reg))
			die("userfaultfd set-up");
		if (pipe(ctx.stop) || pthread_create(&thread, NULL, uffd_handler, &ctx))
			die("userfaultfd handler");
	}

	ns = touch_ns(p, pages);

	if (m->kind == UFFD) {
		if (write(ctx.stop[1], "x", 1) != 1)
			die("write");
		pthread_join(thread, NULL);
		close(ctx.uffd);
		close(ctx.stop[0]);
		close(ctx.stop[1]);
	}
	munmap(p, len);
	if (fd >= 0)
		close(fd);
	return ns / pages;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && colon) {
			snprintf(buf, len, "%s", colon + 2);
			buf[strcspn(buf, "\n")] = 0;
			break;
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	size_t pages = 16384;
	int rounds = 11, r, opt;
	unsigned int i;
	struct utsname u;
	char cpu[128];
	double base, med;

	while ((opt = getopt(argc, argv, "p:r:")) != -1) {
		switch (opt) {
		case 'p':
			pages = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-p PAGES] [-r ROUNDS]\n", argv[0]);
			return 2;
		}
	}
	if (!pages || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "tamalloc-bench-touch: need PAGES > 0 and 1 <= ROUNDS <= %d\n",
			MAX_ROUNDS);
		return 2;
	}

	/* The kernel's own shmem with 2 MiB pages, if it has them. */
	mkdir(TMPFS_DIR, 0700);
	tmpfs_ok = !mount("tmpfs", TMPFS_DIR, "tmpfs", 0, "huge=advise");

	/* Warm-up, then rounds in rotating order. */
	for (i = 0; i < NMETHODS; i++)
		if (usable(&methods[i]))
			run_once(&methods[i], pages / 8 + 1);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < NMETHODS; i++) {
			struct method *m = &methods[(i + r) % NMETHODS];

			if (usable(m))
				m->ns_per_page[r] = run_once(m, pages);
		}

	uname(&u);
	cpu_model(cpu, sizeof(cpu));
	printf("first touch, %zu pages x %d rounds; kernel %s; cpu %s\n",
	       pages, rounds, u.release, cpu);
	printf("%-15s %12s %10s  %s\n", "method", "ns/page", "ratio", "baseline");
	for (i = 0; i < NMETHODS; i++) {
		if (!usable(&methods[i])) {
			printf("%-15s %12s  (skipped: no tmpfs with huge=advise)\n",
			       methods[i].name, "-");
			continue;
		}
		med = median(methods[i].ns_per_page, rounds);
		base = median(methods[methods[i].baseline].ns_per_page, rounds);
		printf("%-15s %12.0f %9.2fx  %s\n", methods[i].name, med, med / base,
		       methods[methods[i].baseline].name);
	}
	return 0;
}
