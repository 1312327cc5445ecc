// SPDX-License-Identifier: MIT
/*
 * The seed scenario with libtamalloc: reserve 500 MiB of lazily zeroed
 * memory, touch 150 MiB of it, and print the figures the module reports for
 * this process and for the system.
 *
 *   tamalloc-seed [-p] [-w FILE] [RESERVE_MIB TOUCH_MIB]
 *
 *   -p       a private region (default: shared)
 *   -w FILE  after touching, write the pid to FILE and wait for SIGTERM or
 *            SIGINT, so other tools can look at the process
 *
 * Build against the installed library:
 *   cc seed.c -o tamalloc-seed $(pkg-config --cflags --libs tamalloc)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tamalloc.h>

#define MIB (1024UL * 1024UL)

static void show(const char *what, uint64_t bytes)
{
	printf("  %-16s %12llu bytes (%.1f MiB)\n", what,
	       (unsigned long long)bytes, (double)bytes / MIB);
}

static int wait_for_signal(const char *path)
{
	sigset_t set;
	FILE *f;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	return sigwait(&set, &sig) ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct tam_proc_info me = TAM_PROC_INFO_INIT;
	struct tam_sys_info sys = TAM_SYS_INFO_INIT;
	unsigned long reserve = 500 * MIB, touch = 150 * MIB, off;
	unsigned int flags = TAM_REGION_SHARED;
	const char *wait_file = NULL;
	struct tam_region *region;
	char *base;
	int opt, err;

	while ((opt = getopt(argc, argv, "pw:")) != -1) {
		switch (opt) {
		case 'p':
			flags = 0;
			break;
		case 'w':
			wait_file = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-p] [-w FILE] [RESERVE_MIB TOUCH_MIB]\n",
				argv[0]);
			return 2;
		}
	}
	if (argc - optind == 2) {
		reserve = strtoul(argv[optind], NULL, 0) * MIB;
		touch = strtoul(argv[optind + 1], NULL, 0) * MIB;
	}
	if (!reserve || touch > reserve) {
		fprintf(stderr, "tamalloc-seed: need 0 < TOUCH_MIB <= RESERVE_MIB\n");
		return 2;
	}

	err = tam_region_create(reserve, flags, &region);
	if (err) {
		fprintf(stderr, "tamalloc-seed: reserving %lu MiB: %s\n",
			reserve / MIB, strerror(-err));
		return 1;
	}
	base = tam_region_base(region);
	for (off = 0; off < touch; off += 4096)
		base[off] = 1;

	err = tam_proc_info(0, &me);
	if (!err)
		err = tam_sys_info(&sys);
	if (err) {
		fprintf(stderr, "tamalloc-seed: reading figures: %s\n", strerror(-err));
		return 1;
	}
	printf("process %d (%s): reserved %lu MiB, touched %lu MiB (%s)\n",
	       me.pid, me.comm, reserve / MIB, touch / MIB,
	       flags ? "shared" : "private");
	show("reserved", me.reserved_bytes);
	show("resident", me.resident_bytes);
	printf("  %-16s %12.1f %%\n", "used", me.used_percent);
	printf("  %-16s %12llu\n", "faults", (unsigned long long)me.faults);
	printf("  %-16s %12llu (oom_score_adj %d)\n", "oom_score",
	       (unsigned long long)me.oom_score, me.oom_score_adj);
	printf("system: %llu process(es), %llu mapping(s)\n",
	       (unsigned long long)sys.processes, (unsigned long long)sys.mappings);
	show("reserved", sys.reserved_bytes);
	show("resident", sys.resident_bytes);
	fflush(stdout);

	if (wait_file && wait_for_signal(wait_file))
		return 1;
	return tam_region_destroy(region) ? 1 : 0;
}
