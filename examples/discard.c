// SPDX-License-Identifier: MIT
/*
 * Give memory back: fill a shared region, discard half of it, and watch the
 * resident figure fall while the discarded half reads zero again.
 *
 * Build against the installed library:
 *   cc discard.c -o tamalloc-discard $(pkg-config --cflags --libs tamalloc)
 */
#include <stdio.h>
#include <string.h>

#include <tamalloc.h>

#define MIB (1024UL * 1024UL)

static unsigned long long resident(void)
{
	struct tam_proc_info me = TAM_PROC_INFO_INIT;

	return tam_proc_info(0, &me) ? 0 : (unsigned long long)me.resident_bytes;
}

int main(void)
{
	struct tam_region *region;
	size_t size = 64 * MIB;
	char *p;
	int err;

	err = tam_region_create(size, TAM_REGION_SHARED, &region);
	if (err) {
		fprintf(stderr, "tamalloc-discard: %s\n", strerror(-err));
		return 1;
	}
	p = tam_region_base(region);
	memset(p, 0xab, size);
	printf("filled:    resident %llu bytes\n", resident());
	err = tam_region_discard(region, size / 2, size / 2);
	if (err) {
		fprintf(stderr, "tamalloc-discard: discard: %s\n", strerror(-err));
		return 1;
	}
	printf("discarded: resident %llu bytes; second half reads %d\n",
	       resident(), p[size - 1]);
	return tam_region_destroy(region) ? 1 : 0;
}
