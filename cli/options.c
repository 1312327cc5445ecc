// SPDX-License-Identifier: MIT
/* tamalloc-stat: command-line parsing. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "stat.h"

static const char *const column_names[NCOLUMNS] = {
	[COL_PID] = "pid", [COL_COMM] = "comm", [COL_RESERVED] = "reserved",
	[COL_RESIDENT] = "resident", [COL_PCT] = "pct", [COL_PEAK] = "peak",
	[COL_FAULTS] = "faults", [COL_MAPS] = "maps", [COL_OOM] = "oom",
	[COL_OOMADJ] = "oomadj", [COL_FAULT_RATE] = "fltrate",
	[COL_RESIDENT_RATE] = "resrate", [COL_RESERVED_LIMIT] = "rsvcap",
	[COL_RESIDENT_LIMIT] = "rescap", [COL_UNPINNED] = "unpinned",
	[COL_PURGED] = "purged", [COL_PURGES] = "purges",
};

static const char *const sort_names[] = {
	[SORT_RESIDENT] = "resident", [SORT_RESERVED] = "reserved",
	[SORT_PCT] = "pct", [SORT_FAULTS] = "faults", [SORT_OOM] = "oom",
	[SORT_PID] = "pid",
};

void usage(FILE *out)
{
	fputs("Usage: tamalloc-stat [options] [delay [count]]\n"
	      "\n"
	      "Show tamalloc's figures: a system summary and a table of the\n"
	      "processes using it.  With a delay, repeat every delay seconds\n"
	      "(count times), adding rates.\n"
	      "\n"
	      "Options:\n"
	      " -p, --pid PID[,PID...]  only these processes\n"
	      " -s, --sort KEY          resident (default), reserved, pct, faults, oom, pid\n"
	      " -o, --output COLS       columns: pid,comm,reserved,resident,pct,peak,\n"
	      "                         faults,maps,oom,oomadj,fltrate,resrate,\n"
	      "                         rsvcap,rescap,unpinned,purged,purges\n"
	      " -n, --noheadings        no summary line or column headings\n"
	      " -b, --bytes             sizes in bytes\n"
	      " -k, --kibi              sizes in KiB (kB with --si)\n"
	      " -m, --mebi              sizes in MiB (MB with --si)\n"
	      " -g, --gibi              sizes in GiB (GB with --si)\n"
	      " -h, --human             sizes with a unit suffix (default)\n"
	      "     --si                powers of 1000, not 1024\n"
	      " -t, --timestamp         show when each sample was taken\n"
	      " -J, --json              JSON (one object per sample)\n"
	      "     --prometheus        Prometheus text format\n"
	      "     --check             compare each process's resident bytes with\n"
	      "                         /proc/PID/smaps; exit 1 on any mismatch\n"
	      "     --help              this help\n"
	      " -V, --version           the version\n"
	      "\n"
	      "Exit status: 0 ok, 1 --check mismatch, 2 bad usage, 3 module not\n"
	      "loaded, 4 permission denied, 5 no such process, 6 other error.\n",
	      out);
}

static int fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return EXIT_USAGE;
}

static int parse_pids(const char *arg, struct options *o, char *err,
		      size_t errlen)
{
	const char *p = arg;
	char *end;
	long v;

	while (*p) {
		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v <= 0 || v > INT_MAX ||
		    (*end && *end != ','))
			return fail(err, errlen, "invalid pid list '%s'", arg);
		if (o->npids == MAX_PIDS)
			return fail(err, errlen, "too many pids in '%s'", arg);
		o->pids[o->npids++] = (pid_t)v;
		p = *end ? end + 1 : end;
		if (*end == ',' && !*p)
			return fail(err, errlen, "invalid pid list '%s'", arg);
	}
	if (!o->npids)
		return fail(err, errlen, "invalid pid list '%s'", arg);
	return 0;
}

static int parse_columns(const char *arg, struct options *o, char *err,
			 size_t errlen)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int c, ret = 0;

	if (!copy)
		return fail(err, errlen, "out of memory parsing '%s'", arg);
	o->ncolumns = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (c = 0; c < NCOLUMNS; c++)
			if (!strcasecmp(tok, column_names[c]))
				break;
		if (c == NCOLUMNS) {
			ret = fail(err, errlen, "unknown column '%s'", tok);
			break;
		}
		if (o->ncolumns == NCOLUMNS) {
			ret = fail(err, errlen, "too many columns in '%s'", arg);
			break;
		}
		o->columns[o->ncolumns++] = (enum column)c;
	}
	if (!ret && !o->ncolumns)
		ret = fail(err, errlen, "no columns in '%s'", arg);
	free(copy);
	return ret;
}

static int parse_sort(const char *arg, struct options *o, char *err,
		      size_t errlen)
{
	size_t k;

	for (k = 0; k < sizeof(sort_names) / sizeof(sort_names[0]); k++) {
		if (!strcmp(arg, sort_names[k])) {
			o->sort = (enum sort_key)k;
			return 0;
		}
	}
	return fail(err, errlen, "unknown sort key '%s'", arg);
}

enum { OPT_SI = 256, OPT_PROMETHEUS, OPT_CHECK, OPT_HELP };

int parse_options(int argc, char **argv, struct options *o, char *err,
		  size_t errlen)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "sort", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "kibi", no_argument, NULL, 'k' },
		{ "mebi", no_argument, NULL, 'm' },
		{ "gibi", no_argument, NULL, 'g' },
		{ "human", no_argument, NULL, 'h' },
		{ "si", no_argument, NULL, OPT_SI },
		{ "timestamp", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'J' },
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->sort = SORT_RESIDENT;
	o->unit = UNIT_HUMAN;
	optind = 0;	/* restartable, for tests */
	opterr = 0;
	/* Options anywhere, as procps's vmstat and free take them. */
	while ((c = getopt_long(argc, argv, ":p:s:o:nbkmghtJV", longopts, NULL)) != -1) {
		ret = 0;
		switch (c) {
		case 'p': ret = parse_pids(optarg, o, err, errlen); break;
		case 's': ret = parse_sort(optarg, o, err, errlen); break;
		case 'o': ret = parse_columns(optarg, o, err, errlen); break;
		case 'n': o->noheadings = true; break;
		case 'b': o->unit = UNIT_BYTES; break;
		case 'k': o->unit = UNIT_KIB; break;
		case 'm': o->unit = UNIT_MIB; break;
		case 'g': o->unit = UNIT_GIB; break;
		case 'h': o->unit = UNIT_HUMAN; break;
		case OPT_SI: o->si = true; break;
		case 't': o->timestamps = true; break;
		case 'J': o->format = FORMAT_JSON; break;
		case OPT_PROMETHEUS: o->format = FORMAT_PROMETHEUS; break;
		case OPT_CHECK: o->check = true; break;
		case OPT_HELP: o->help = true; break;
		case 'V': o->version = true; break;
		case ':':	/* as it was written: -p or --pid */
			if (!strncmp(argv[optind - 1], "--", 2))
				return fail(err, errlen, "option '%s' needs an argument",
					    argv[optind - 1]);
			snprintf(err, errlen, "option '-%c' needs an argument", optopt);
			return EXIT_USAGE;
		case '?':
		default:
			if (optopt && optopt < 256)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (ret)
			return ret;
	}

	if (optind < argc) {
		errno = 0;
		o->delay = strtod(argv[optind], &end);
		if (*end || errno || !(o->delay > 0) || o->delay > 86400)
			return fail(err, errlen, "invalid delay '%s' (seconds, > 0)",
				    argv[optind]);
		optind++;
	}
	if (optind < argc) {
		errno = 0;
		o->count = strtol(argv[optind], &end, 10);
		if (*end || errno || o->count <= 0)
			return fail(err, errlen, "invalid count '%s'", argv[optind]);
		optind++;
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	if (o->check && o->delay > 0)
		return fail(err, errlen, "%s", "--check takes no delay or count");
	return 0;
}
