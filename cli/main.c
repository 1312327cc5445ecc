// SPDX-License-Identifier: MIT
/*
 * tamalloc-stat: show tamalloc's figures, in the manner of vmstat and free.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/tamalloc.h>

#include "stat.h"

static int exit_for(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return EXIT_NO_MODULE;
	case -EACCES:
	case -EPERM:
		return EXIT_NO_PERMISSION;
	case -ESRCH:
		return EXIT_NO_PROCESS;
	default:
		return EXIT_ERROR;
	}
}

static int report(int err, const char *what)
{
	int code = exit_for(err);

	if (code == EXIT_NO_MODULE)
		fprintf(stderr, "tamalloc-stat: %s: %s: the tamalloc module is not "
			"loaded (load it with 'modprobe tamalloc')\n",
			TAM_DEVICE_PATH, strerror(-err));
	else if (code == EXIT_NO_PERMISSION && !strncmp(what, "process ", 8))
		fprintf(stderr, "tamalloc-stat: %s: %s: only its owner and root may "
			"read its figures\n", what, strerror(-err));
	else if (code == EXIT_NO_PERMISSION)
		fprintf(stderr, "tamalloc-stat: %s: %s: cannot use %s; tamalloc-doctor "
			"tells why (the node should be mode 0666)\n", what, strerror(-err),
			TAM_DEVICE_PATH);
	else
		fprintf(stderr, "tamalloc-stat: %s: %s\n", what, strerror(-err));
	return code;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int add_row(struct sample *s, pid_t pid, bool must_exist)
{
	struct proc_row *r = &s->rows[s->nrows];
	char what[64];
	int err;

	memset(r, 0, sizeof(*r));
	r->info.size = sizeof(r->info);
	err = tam_proc_info(pid, &r->info);
	if (!err) {
		s->nrows++;
		return 0;
	}
	/* A listed process may exit before it is read: that is no error. */
	if (err == -ESRCH && !must_exist)
		return 0;
	snprintf(what, sizeof(what), "process %d", pid);
	return report(err, what);
}

static int take_sample(struct sample *s, const struct options *o)
{
	pid_t *pids = NULL;
	size_t n = 0, i;
	int err, code = 0;

	memset(s, 0, sizeof(*s));
	s->time = now();
	s->sys.size = sizeof(s->sys);
	err = tam_sys_info(&s->sys);
	if (err)
		return report(err, "system figures");

	if (o->npids) {
		n = (size_t)o->npids;
	} else {
		err = tam_list_pids(&pids, &n);
		if (err)
			return report(err, "listing processes");
	}
	s->rows = calloc(n ? n : 1, sizeof(*s->rows));
	if (!s->rows) {
		free(pids);
		return report(-ENOMEM, "sample");
	}
	/* As ps -p: what exists is shown, and each that does not is told. */
	for (i = 0; i < n; i++) {
		err = add_row(s, o->npids ? o->pids[i] : pids[i], o->npids);
		code = code ?: err;
	}
	free(pids);
	/* Not root: the system counts processes the caller may not read. */
	if (!o->npids && geteuid() && s->sys.processes > s->nrows)
		s->hidden = s->sys.processes - s->nrows;
	sort_rows(s->rows, s->nrows, o->sort);
	return code;
}

/* Sum of Rss over /proc/PID/smaps entries of tamalloc mappings, in bytes. */
static int smaps_rss(pid_t pid, uint64_t *rss)
{
	char path[64], line[512];
	bool ours = false;
	uint64_t kib;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*rss = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;

		/* A mapping's header line; its fields follow until the next. */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			ours = strstr(line, " " TAM_DEVICE_PATH) != NULL;
			continue;
		}
		if (ours && sscanf(line, "Rss: %" SCNu64 " kB", &kib) == 1)
			*rss += kib * 1024;
	}
	fclose(f);
	return 0;
}

/*
 * --check: a process may be touching memory between two reads, so a
 * difference must hold over three tries to count as a mismatch.
 */
static int check(const struct sample *s)
{
	int mismatches = 0, tries, err;
	size_t i;

	for (i = 0; i < s->nrows; i++) {
		struct tam_proc_info info = s->rows[i].info;
		uint64_t rss = 0;

		for (tries = 0; tries < 3; tries++) {
			err = smaps_rss(info.pid, &rss);
			if (err == -ENOENT)
				break;		/* exited meanwhile */
			if (err)
				return report(err, "reading smaps");
			if (rss == info.resident_bytes)
				break;
			info.size = sizeof(info);
			err = tam_proc_info(info.pid, &info);
			if (err == -ESRCH)
				break;
			if (err)
				return report(err, "re-reading a process");
		}
		if (err == -ENOENT || err == -ESRCH)
			continue;
		if (rss == info.resident_bytes) {
			printf("ok       %7d %-16s resident %" PRIu64 " = smaps Rss %" PRIu64 "\n",
			       info.pid, info.comm, info.resident_bytes, rss);
		} else {
			printf("MISMATCH %7d %-16s resident %" PRIu64 " != smaps Rss %" PRIu64 "\n",
			       info.pid, info.comm, info.resident_bytes, rss);
			mismatches++;
		}
	}
	return mismatches ? EXIT_MISMATCH : EXIT_OK;
}

static void print_sample(const struct sample *s, const struct options *o,
			 bool first)
{
	switch (o->format) {
	case FORMAT_TABLE:
		print_table(stdout, s, o);
		break;
	case FORMAT_JSON:
		print_json(stdout, s, o);
		break;
	case FORMAT_PROMETHEUS:
		print_prometheus(stdout, s, first, o->timestamps || o->delay > 0);
		break;
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sample cur, prev = { 0 };
	struct options o;
	char err[256];
	long n;
	int code;

	code = parse_options(argc, argv, &o, err, sizeof(err));
	if (code) {
		fprintf(stderr, "tamalloc-stat: %s\n", err);
		fprintf(stderr, "Try 'tamalloc-stat --help' for more information.\n");
		return code;
	}
	if (o.help) {
		usage(stdout);
		return EXIT_OK;
	}
	if (o.version) {
		char module[64];
		int err = tam_module_version(module, sizeof(module));

		printf("tamalloc-stat %s\n", TAM_PACKAGE_VERSION);
		if (!err)
			printf("tamalloc module %s\n", module);
		else if (err == -ENOTTY)
			printf("tamalloc module older than 0.4 (it does not tell its version)\n");
		else if (exit_for(err) == EXIT_NO_MODULE)
			printf("tamalloc module not loaded\n");
		else
			printf("tamalloc module: %s\n", strerror(-err));
		return EXIT_OK;
	}

	for (n = 0;; n++) {
		code = take_sample(&cur, &o);
		/* Some of -p's processes missing: the others are shown first. */
		if (code && !cur.nrows) {
			free(cur.rows);
			break;
		}
		if (o.check) {
			code = check(&cur) ?: code;
			free(cur.rows);
			break;
		}
		if (n)
			compute_rates(&cur, &prev);
		if (n && o.format == FORMAT_TABLE)
			putchar('\n');
		print_sample(&cur, &o, !n);
		free(prev.rows);
		prev = cur;
		if (code || !o.delay || (o.count && n + 1 >= o.count))
			break;
		usleep((useconds_t)(o.delay * 1e6));
	}
	free(prev.rows);
	return code;
}
