/* SPDX-License-Identifier: MIT */
/*
 * tamalloc-stat's parts that need no device: options, units, sorting and
 * the table, JSON and Prometheus outputs.  Host unit tests cover them.
 */
#ifndef TAMALLOC_STAT_H
#define TAMALLOC_STAT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "tamalloc.h"

enum stat_exit {
	EXIT_OK = 0,
	EXIT_MISMATCH = 1,	/* --check found a difference */
	EXIT_USAGE = 2,
	EXIT_NO_MODULE = 3,
	EXIT_NO_PERMISSION = 4,
	EXIT_NO_PROCESS = 5,
	EXIT_ERROR = 6,
};

enum unit_mode { UNIT_HUMAN, UNIT_BYTES, UNIT_KIB, UNIT_MIB, UNIT_GIB };

enum column {
	COL_PID, COL_COMM, COL_RESERVED, COL_RESIDENT, COL_PCT, COL_PEAK,
	COL_FAULTS, COL_MAPS, COL_OOM, COL_OOMADJ, COL_FAULT_RATE,
	COL_RESIDENT_RATE, COL_RESERVED_LIMIT, COL_RESIDENT_LIMIT,
	COL_UNPINNED, COL_PURGED, COL_PURGES, NCOLUMNS
};

enum sort_key {
	SORT_RESIDENT, SORT_RESERVED, SORT_PCT, SORT_FAULTS, SORT_OOM, SORT_PID
};

enum output_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_PROMETHEUS };

#define MAX_PIDS	256

struct options {
	pid_t pids[MAX_PIDS];
	int npids;			/* 0: every process */
	enum sort_key sort;
	enum column columns[NCOLUMNS];
	int ncolumns;			/* 0: the default set */
	bool noheadings;
	enum unit_mode unit;
	bool si;
	bool timestamps;
	enum output_format format;
	bool check;
	double delay;			/* seconds; 0: once */
	long count;			/* samples; 0: forever (with a delay) */
	bool help;
	bool version;
};

/* One process in a sample, with its rates against the previous sample. */
struct proc_row {
	struct tam_proc_info info;
	double fault_rate;		/* faults per second */
	double resident_rate;		/* bytes per second */
	bool has_rates;
};

struct sample {
	struct tam_sys_info sys;
	struct proc_row *rows;
	size_t nrows;
	double time;			/* seconds since the epoch */
	double fault_rate;
	double resident_rate;
	bool has_rates;
	uint64_t hidden;		/* counted in sys, not readable by the caller */
};

/* Returns 0, or EXIT_USAGE with a message in @err. */
int parse_options(int argc, char **argv, struct options *opts,
		  char *err, size_t errlen);
void usage(FILE *out);

/* "150.0M", "157286400", "153600" ... into @buf. */
const char *format_bytes(char *buf, size_t len, double bytes,
			 enum unit_mode unit, bool si);

void sort_rows(struct proc_row *rows, size_t n, enum sort_key key);

void print_table(FILE *out, const struct sample *s, const struct options *o);
void print_json(FILE *out, const struct sample *s, const struct options *o);
void print_prometheus(FILE *out, const struct sample *s, bool headers,
		      bool timestamps);

/* Fill @now's rates from @prev (matching processes by pid). */
void compute_rates(struct sample *now, const struct sample *prev);

#endif /* TAMALLOC_STAT_H */
