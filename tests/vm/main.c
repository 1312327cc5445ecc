// SPDX-License-Identifier: MIT
/*
 * tamalloc-tests: the in-VM suites.  Run as root inside scripts/vm-run on a
 * kernel with the module loaded; exits 77 (skip) when /dev/tamalloc is
 * missing.  Prints Check's own summary line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tam_test.h"
#include "check_run.h"

int main(int argc, char **argv)
{
	const char *only;
	int fd;

	if (argc > 1)
		return setuid_exec_step(argc, argv);

	fd = open(TAM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: %s: %s (load the module, or run under scripts/vm-run)\n",
		       TAM_DEVICE_PATH, strerror(errno));
		return TAM_EXIT_SKIP;
	}
	close(fd);
	if (geteuid() != 0) {
		printf("SKIP: the suites need root (module unload, setuid)\n");
		return TAM_EXIT_SKIP;
	}

	/*
	 * pinned and purge end in OOM kills inside memory cgroups: only when
	 * asked for by name, in a VM that expects them (tests/oom-test.sh).
	 */
	only = getenv("CK_RUN_SUITE");
	if (only && !strcmp(only, "pinned"))
		return check_run((Suite *[]){ pinned_suite(), NULL });
	if (only && !strcmp(only, "purge"))
		return check_run((Suite *[]){ purge_suite(), NULL });

	/* module_suite last: it unloads and reloads the module. */
	return check_run((Suite *[]){ mapping_suite(), stats_suite(),
				       abi_suite(), limits_suite(),
				       holds_suite(), pins_suite(), huge_suite(), swap_suite(),
				       numa_suite(), module_suite(), NULL });
}
