// SPDX-License-Identifier: MIT
/*
 * tamalloc-run: run a program with its malloc family served by the tamalloc
 * allocator (libtamalloc-preload.so through LD_PRELOAD), so its heap is
 * lazily zeroed memory that tamalloc-stat shows.
 *
 *   tamalloc-run [-s] [--no-inherit] [--] CMD [ARGS...]
 *
 * Exit status: CMD's; 125 if tamalloc-run itself fails (the device or the
 * library is missing, a bad option), 126 if CMD cannot run, 127 if it is
 * not found, as env(1) does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/tamalloc.h>

#ifndef TAM_PRELOAD_PATH
#define TAM_PRELOAD_PATH	"/usr/local/lib/libtamalloc-preload.so"
#endif

enum { EXIT_RUN_FAILED = 125, EXIT_CANNOT_RUN = 126, EXIT_NOT_FOUND = 127 };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tamalloc-run [-s] [--no-inherit] [--] CMD [ARGS...]\n"
		"Run CMD with malloc, calloc, realloc, free and the rest served from\n"
		"/dev/tamalloc by libtamalloc-preload.so.\n"
		"\n"
		"  -s, --stats      print CMD's tamalloc figures when it exits\n"
		"      --no-inherit programs CMD executes use the C library's malloc\n"
		"  -h, --help       this help\n"
		"  -V, --version    the version\n"
		"\n"
		"TAMALLOC_PRELOAD names another preload library.  Exit status: CMD's;\n"
		"125 if tamalloc-run fails, 126 if CMD cannot run, 127 if not found.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "no-inherit", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lib = getenv("TAMALLOC_PRELOAD"), *old;
	int stats = 0, inherit = 1, opt, fd, out;
	char *preload, pid[16], outfd[16];

	while ((opt = getopt_long(argc, argv, "+shV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': stats = 1; break;
		case 'n': inherit = 0; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tamalloc-run %s\n", TAM_PACKAGE_VERSION); return 0;
		default: usage(stderr); return EXIT_RUN_FAILED;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tamalloc-run: no command given\n");
		usage(stderr);
		return EXIT_RUN_FAILED;
	}

	/* Run nothing rather than something that would fail at its first malloc. */
	fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		fprintf(stderr, "tamalloc-run: cannot open %s: %s; %s\n",
			TAM_DEVICE_PATH, strerror(err),
			err == EACCES || err == EPERM ?
			"tamalloc-doctor tells why (the node should be mode 0666)" :
			"is the module loaded? (modprobe tamalloc)");
		return EXIT_RUN_FAILED;
	}
	close(fd);
	if (!lib || !*lib)
		lib = TAM_PRELOAD_PATH;
	if (access(lib, R_OK)) {
		fprintf(stderr, "tamalloc-run: %s: %s\n", lib, strerror(errno));
		return EXIT_RUN_FAILED;
	}

	old = getenv("LD_PRELOAD");
	if (asprintf(&preload, "%s%s%s", lib, old && *old ? ":" : "",
		     old ? old : "") < 0 ||
	    setenv("LD_PRELOAD", preload, 1) ||
	    (!inherit && (setenv("TAMALLOC_RUN_NO_INHERIT", "1", 1) ||
			  setenv("TAMALLOC_RUN_LD_PRELOAD", old ? old : "", 1)))) {
		fprintf(stderr, "tamalloc-run: %s\n", strerror(errno));
		return EXIT_RUN_FAILED;
	}
	if (stats) {
		/*
		 * exec keeps the pid: the library prints for this process only,
		 * to a copy of our stderr, as CMD may close its own before it
		 * exits (xz does).
		 */
		out = fcntl(STDERR_FILENO, F_DUPFD, 3);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		snprintf(outfd, sizeof(outfd), "%d", out);
		if (out < 0 || setenv("TAMALLOC_RUN_STATS", pid, 1) ||
		    setenv("TAMALLOC_RUN_STATS_FD", outfd, 1)) {
			fprintf(stderr, "tamalloc-run: -s: %s\n", strerror(errno));
			return EXIT_RUN_FAILED;
		}
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "tamalloc-run: %s: %s\n", argv[optind], strerror(errno));
	return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}
