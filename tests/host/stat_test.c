// SPDX-License-Identifier: MIT
/*
 * tamalloc-stat's device-free parts: options, units, sorting, rates, and the
 * JSON and Prometheus outputs, each checked by a real parser (jq, and
 * python3's prometheus_client).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "stat.h"
#include "check_run.h"

static int parse(struct options *o, char *err, ...)
{
	char *argv[32] = { "tamalloc-stat" };
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, err);
	while ((a = va_arg(ap, char *)))
		argv[argc++] = a;
	va_end(ap);
	return parse_options(argc, argv, o, err, 256);
}

START_TEST(options_defaults)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, NULL), 0);
	ck_assert_int_eq(o.npids, 0);
	ck_assert_int_eq(o.sort, SORT_RESIDENT);
	ck_assert_int_eq(o.unit, UNIT_HUMAN);
	ck_assert_int_eq(o.format, FORMAT_TABLE);
	ck_assert(o.delay == 0 && o.count == 0);
}
END_TEST

START_TEST(options_all)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, "-p", "12,34", "--sort=faults", "-o",
			       "pid,comm,oom", "-n", "-m", "--si", "-t", "-J",
			       "2.5", "3", NULL), 0);
	ck_assert_int_eq(o.npids, 2);
	ck_assert_int_eq(o.pids[0], 12);
	ck_assert_int_eq(o.pids[1], 34);
	ck_assert_int_eq(o.sort, SORT_FAULTS);
	ck_assert_int_eq(o.ncolumns, 3);
	ck_assert_int_eq(o.columns[2], COL_OOM);
	ck_assert(o.noheadings && o.si && o.timestamps);
	ck_assert_int_eq(o.unit, UNIT_MIB);
	ck_assert_int_eq(o.format, FORMAT_JSON);
	ck_assert(o.delay == 2.5);
	ck_assert_int_eq(o.count, 3);
	ck_assert_int_eq(parse(&o, err, "--prometheus", "-b", NULL), 0);
	ck_assert_int_eq(o.format, FORMAT_PROMETHEUS);
	ck_assert_int_eq(o.unit, UNIT_BYTES);
	ck_assert_int_eq(parse(&o, err, "--check", "-p", "1", NULL), 0);
	ck_assert(o.check);
}
END_TEST

START_TEST(options_rejected)
{
	static const char *bad[][3] = {
		{ "-p", "0", NULL }, { "-p", "x", NULL }, { "-p", "1,", NULL },
		{ "-p", "-5", NULL }, { "-p", "99999999999", NULL },
		{ "--sort=size", NULL, NULL }, { "-o", "pid,nope", NULL },
		{ "-o", ",", NULL }, { "-q", NULL, NULL }, { "--frobnicate", NULL, NULL },
		{ "0", NULL, NULL }, { "-1", NULL, NULL }, { "abc", NULL, NULL },
		{ "1", "0", NULL }, { "1", "2", "3" }, { "--check", "1", NULL },
		{ "-p", NULL, NULL },
	};
	struct options o;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		ck_assert_msg(parse(&o, err, bad[i][0], bad[i][1], bad[i][2], NULL) == EXIT_USAGE,
			      "case %zu accepted", i);
		ck_assert_msg(err[0], "case %zu has no message", i);
	}
}
END_TEST

/* Options anywhere, as vmstat takes them; a missing argument named as written. */
START_TEST(options_anywhere)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, "1", "3", "-J", NULL), 0);
	ck_assert(o.delay == 1.0);
	ck_assert_int_eq(o.count, 3);
	ck_assert_int_eq(o.format, FORMAT_JSON);
	ck_assert_int_eq(parse(&o, err, "0.5", "--prometheus", "2", NULL), 0);
	ck_assert_int_eq(o.count, 2);
	ck_assert_int_eq(o.format, FORMAT_PROMETHEUS);

	ck_assert_int_eq(parse(&o, err, "--pid", NULL), EXIT_USAGE);
	ck_assert_str_eq(err, "option '--pid' needs an argument");
	ck_assert_int_eq(parse(&o, err, "-J", "-p", NULL), EXIT_USAGE);
	ck_assert_str_eq(err, "option '-p' needs an argument");
	ck_assert_int_eq(parse(&o, err, "--frobnicate", NULL), EXIT_USAGE);
	ck_assert_str_eq(err, "unknown option '--frobnicate'");
	ck_assert_int_eq(parse(&o, err, "-q", NULL), EXIT_USAGE);
	ck_assert_str_eq(err, "unknown option '-q'");
}
END_TEST

START_TEST(units)
{
	char b[32];

	ck_assert_str_eq(format_bytes(b, 32, 157286400, UNIT_HUMAN, false), "150.0M");
	ck_assert_str_eq(format_bytes(b, 32, 524288000, UNIT_HUMAN, false), "500.0M");
	ck_assert_str_eq(format_bytes(b, 32, 68719476736.0, UNIT_HUMAN, false), "64.0G");
	ck_assert_str_eq(format_bytes(b, 32, 1023, UNIT_HUMAN, false), "1023B");
	ck_assert_str_eq(format_bytes(b, 32, 0, UNIT_HUMAN, false), "0B");
	ck_assert_str_eq(format_bytes(b, 32, 524288000, UNIT_HUMAN, true), "524.3MB");
	ck_assert_str_eq(format_bytes(b, 32, 157286400, UNIT_BYTES, false), "157286400");
	ck_assert_str_eq(format_bytes(b, 32, 157286400, UNIT_KIB, false), "153600");
	ck_assert_str_eq(format_bytes(b, 32, 157286400, UNIT_MIB, false), "150");
	ck_assert_str_eq(format_bytes(b, 32, 157286400, UNIT_MIB, true), "157");
	ck_assert_str_eq(format_bytes(b, 32, 3 * 1073741824.0, UNIT_GIB, false), "3");
	ck_assert_str_eq(format_bytes(b, 32, -2048, UNIT_HUMAN, false), "-2.0K");
}
END_TEST

static struct proc_row row(pid_t pid, const char *comm, uint64_t reserved,
			   uint64_t resident, uint64_t faults, uint64_t oom)
{
	struct proc_row r;

	memset(&r, 0, sizeof(r));
	r.info.size = sizeof(r.info);
	r.info.pid = pid;
	snprintf(r.info.comm, sizeof(r.info.comm), "%s", comm);
	r.info.reserved_bytes = reserved;
	r.info.resident_bytes = resident;
	r.info.faults = faults;
	r.info.oom_score = oom;
	r.info.used_percent = reserved ? 100.0 * resident / reserved : 0;
	return r;
}

START_TEST(sorting)
{
	struct proc_row rows[4] = {
		row(30, "c", 100, 10, 5, 1), row(10, "a", 400, 40, 1, 9),
		row(20, "b", 200, 40, 9, 3), row(40, "d", 50, 50, 2, 2),
	};

	sort_rows(rows, 4, SORT_RESIDENT);	/* ties by pid */
	ck_assert_int_eq(rows[0].info.pid, 40);
	ck_assert_int_eq(rows[1].info.pid, 10);
	ck_assert_int_eq(rows[2].info.pid, 20);
	ck_assert_int_eq(rows[3].info.pid, 30);
	sort_rows(rows, 4, SORT_PID);
	ck_assert_int_eq(rows[0].info.pid, 10);
	ck_assert_int_eq(rows[3].info.pid, 40);
	sort_rows(rows, 4, SORT_RESERVED);
	ck_assert_int_eq(rows[0].info.pid, 10);
	sort_rows(rows, 4, SORT_PCT);
	ck_assert_int_eq(rows[0].info.pid, 40);	/* 100 % */
	sort_rows(rows, 4, SORT_FAULTS);
	ck_assert_int_eq(rows[0].info.pid, 20);
	sort_rows(rows, 4, SORT_OOM);
	ck_assert_int_eq(rows[0].info.pid, 10);
}
END_TEST

static struct sample seed_sample(struct proc_row *rows, size_t n)
{
	struct sample s;

	memset(&s, 0, sizeof(s));
	s.sys.size = sizeof(s.sys);
	s.sys.reserved_bytes = 524288000;
	s.sys.resident_bytes = 157286400;
	s.sys.peak_resident_bytes = 157286400;
	s.sys.faults = 38400;
	s.sys.processes = n;
	s.sys.mappings = n;
	s.sys.used_percent = 30.0;
	s.rows = rows;
	s.nrows = n;
	s.time = 1700000000.25;
	return s;
}

/* Run @cmd with @text on its stdin and its stdout into @out; exit status. */
static int filter(const char *cmd, const char *text, char *out, size_t outlen)
{
	char in_path[] = "/tmp/stat-test-XXXXXX", shell[512];
	FILE *f, *p;
	size_t n;
	int fd, status;

	fd = mkstemp(in_path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	snprintf(shell, sizeof(shell), "%s < %s", cmd, in_path);
	p = popen(shell, "r");
	ck_assert(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = 0;
	status = pclose(p);
	unlink(in_path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static char *capture(void (*print)(FILE *, const struct sample *, const struct options *),
		     const struct sample *s, const struct options *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	print(f, s, o);
	fclose(f);
	return buf;
}

static void prometheus_adapter(FILE *f, const struct sample *s, const struct options *o)
{
	(void)o;
	print_prometheus(f, s, true, false);
}

START_TEST(json_shape)
{
	struct proc_row rows[2] = {
		row(4242, "seed \"x\"\\", 524288000, 157286400, 38400, 770),
		row(7, "tab\there", 8192, 0, 0, 0),
	};
	struct sample s = seed_sample(rows, 2);
	struct options o;
	char err[256], out[4096], *json;

	ck_assert_int_eq(parse(&o, err, "-J", NULL), 0);
	rows[0].info.oom_score_adj = -17;
	json = capture(print_json, &s, &o);
	ck_assert_int_eq(filter("jq -e -c '[.version, .system.reserved_bytes, "
				".system.resident_bytes, .system.peak_resident_bytes, "
				".system.faults, .system.processes, .system.mappings, "
				".processes[0].pid, .processes[0].comm, "
				".processes[0].reserved_bytes, .processes[0].resident_bytes, "
				".processes[0].used_percent, .processes[0].faults, "
				".processes[0].oom_score, .processes[0].oom_score_adj, "
				".processes[1].comm]'", json, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[1,524288000,157286400,157286400,38400,2,2,4242,"
			 "\"seed \\\"x\\\"\\\\\",524288000,157286400,30,38400,770,-17,"
			 "\"tab\\there\"]\n");
	ck_assert_int_eq(filter("/usr/bin/python3 -m json.tool >/dev/null", json, out, sizeof(out)), 0);
	free(json);

	/* With rates and timestamps, more keys; one object per line. */
	ck_assert_int_eq(parse(&o, err, "-J", "-t", NULL), 0);
	s.has_rates = true;
	s.fault_rate = 12.5;
	json = capture(print_json, &s, &o);
	ck_assert_int_eq(filter("jq -e -c '[.timestamp, .system.faults_per_second]'",
				json, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[1700000000.25,12.5]\n");
	ck_assert_ptr_eq(strchr(json, '\n'), json + strlen(json) - 1);
	free(json);
}
END_TEST

START_TEST(prometheus_parses)
{
	struct proc_row rows[1] = { row(4242, "we\"ird\\name", 524288000, 157286400, 38400, 770) };
	struct sample s = seed_sample(rows, 1);
	char out[8192], *text;

	text = capture(prometheus_adapter, &s, NULL);
	ck_assert_int_eq(filter(
		"/usr/bin/python3 -c 'import sys\n"
		"from prometheus_client.parser import text_string_to_metric_families as p\n"
		"for f in p(sys.stdin.read()):\n"
		"    for s in f.samples:\n"
		"        print(s.name, s.labels.get(\"pid\", \"\"), s.labels.get(\"comm\", \"\"), int(s.value))'",
		text, out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "tamalloc_reserved_bytes   524288000\n"));
	ck_assert_ptr_nonnull(strstr(out, "tamalloc_faults_total   38400\n"));
	ck_assert_ptr_nonnull(strstr(out, "tamalloc_process_resident_bytes 4242 we\"ird\\name 157286400\n"));
	ck_assert_ptr_nonnull(strstr(out, "tamalloc_process_oom_score 4242 we\"ird\\name 770\n"));
	free(text);
}
END_TEST

static void prometheus_later(FILE *f, const struct sample *s, const struct options *o)
{
	(void)o;
	print_prometheus(f, s, false, true);
}

/*
 * Repeated samples: HELP and TYPE once in the output (a second HELP is an
 * error to Prometheus's own parser), the later samples parse on their own,
 * and each value carries its sample's time.
 */
START_TEST(prometheus_repeated)
{
	struct proc_row rows[1] = { row(4242, "seed", 524288000, 157286400, 38400, 770) };
	struct sample s = seed_sample(rows, 1);
	char out[16384], *first, *later, *both;
	size_t help = 0;
	const char *line;

	first = capture(prometheus_adapter, &s, NULL);
	s.time += 0.5;
	later = capture(prometheus_later, &s, NULL);
	both = malloc(strlen(first) + strlen(later) + 1);
	ck_assert_ptr_nonnull(both);
	strcpy(both, first);
	strcat(both, later);
	for (line = both; (line = strstr(line, "# HELP tamalloc_reserved_bytes ")); line++)
		help++;
	ck_assert_uint_eq(help, 1);
	ck_assert_ptr_null(strstr(later, "# HELP"));
	ck_assert_ptr_null(strstr(later, "# TYPE"));
	ck_assert_int_eq(strncmp(later, "tamalloc_reserved_bytes 524288000 1700000000750\n", 48), 0);
	ck_assert_int_eq(filter(
		"/usr/bin/python3 -c 'import sys\n"
		"from prometheus_client.parser import text_string_to_metric_families as p\n"
		"for f in p(sys.stdin.read()):\n"
		"    for s in f.samples:\n"
		"        if s.name == \"tamalloc_process_resident_bytes\":\n"
		"            print(int(s.value), s.timestamp)'",
		both, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "157286400 None\n157286400 1700000000.75\n");
	ck_assert_int_eq(filter("/usr/bin/python3 -c 'import sys\n"
				"from prometheus_client.parser import text_string_to_metric_families as p\n"
				"print(len(list(p(sys.stdin.read()))))'", later, out, sizeof(out)), 0);
	free(first);
	free(later);
	free(both);
}
END_TEST

START_TEST(table_output)
{
	struct proc_row rows[1] = { row(4242, "seed", 524288000, 157286400, 38400, 770) };
	struct sample s = seed_sample(rows, 1);
	struct options o;
	char err[256], *text;

	ck_assert_int_eq(parse(&o, err, NULL), 0);
	text = capture(print_table, &s, &o);
	ck_assert_ptr_nonnull(strstr(text, "reserved 500.0M, resident 150.0M (30.0%)"));
	ck_assert_ptr_nonnull(strstr(text, "    PID COMMAND            RESERVED   RESIDENT  %USED     FAULTS   OOM\n"));
	ck_assert_ptr_nonnull(strstr(text, "   4242 seed                 500.0M     150.0M   30.0      38400   770\n"));
	free(text);

	ck_assert_int_eq(parse(&o, err, "-n", "-b", "-o", "pid,resident", NULL), 0);
	text = capture(print_table, &s, &o);
	ck_assert_str_eq(text, "   4242  157286400\n");
	free(text);
}
END_TEST

/* Caps: in the summary line when set, in their columns, JSON and Prometheus. */
/*
 * A name is the process's to choose: one with a newline must not make a
 * row of its own in root's table (ps shows '?'), nor any control character
 * reach the terminal; UTF-8 passes, and keeps the columns aligned.
 */
START_TEST(table_escapes_names)
{
	struct proc_row rows[3] = {
		row(4242, "x\n 666 sshd", 524288000, 157286400, 38400, 770),
		row(4243, "caf\xc3\xa9\x1b[2J", 524288000, 157286400, 38400, 770),
		row(4244, "bad\xff\xfe", 524288000, 157286400, 38400, 770),
	};
	struct sample s = seed_sample(rows, 3);
	struct options o;
	char err[256], *text, *line;
	int lines = 0;

	ck_assert_int_eq(parse(&o, err, NULL), 0);
	text = capture(print_table, &s, &o);
	for (line = text; (line = strchr(line, '\n')); line++)
		lines++;
	ck_assert_int_eq(lines, 2 + 3);
	ck_assert_ptr_null(strchr(text, '\x1b'));
	ck_assert_ptr_nonnull(strstr(text, "   4242 x? 666 sshd          500.0M"));
	ck_assert_ptr_nonnull(strstr(text, "   4243 caf\xc3\xa9?[2J             500.0M"));
	ck_assert_ptr_nonnull(strstr(text, "   4244 bad??                500.0M"));
	free(text);

	ck_assert_int_eq(parse(&o, err, "-n", "-o", "comm", NULL), 0);
	text = capture(print_table, &s, &o);
	ck_assert_str_eq(text, "x? 666 sshd     \ncaf\xc3\xa9?[2J        \nbad??           \n");
	free(text);
}
END_TEST

/* A figure wider than its column widens it: the columns stay apart. */
START_TEST(table_columns_fit)
{
	struct proc_row rows[2] = {
		row(4242, "big", 64ULL << 30, 1ULL << 30, 123456789012ULL, 770),
		row(7, "small", 4096, 0, 0, 0),
	};
	struct sample s = seed_sample(rows, 2);
	struct options o;
	char err[256], *text;

	ck_assert_int_eq(parse(&o, err, "-b", NULL), 0);
	text = capture(print_table, &s, &o);
	ck_assert_ptr_nonnull(strstr(text, "    PID COMMAND             RESERVED   RESIDENT  %USED       FAULTS   OOM\n"));
	ck_assert_ptr_nonnull(strstr(text, "   4242 big              68719476736 1073741824    1.6 123456789012   770\n"));
	ck_assert_ptr_nonnull(strstr(text, "      7 small                   4096          0    0.0            0     0\n"));
	free(text);
}
END_TEST

/* JSON and Prometheus carry UTF-8 names as they are, other bytes as U+FFFD. */
START_TEST(names_in_utf8)
{
	struct proc_row rows[2] = {
		row(4242, "caf\xc3\xa9", 524288000, 157286400, 38400, 770),
		row(7, "bad\xff\xc3(", 8192, 0, 0, 0),
	};
	struct sample s = seed_sample(rows, 2);
	struct options o;
	char err[256], out[8192], *text;

	ck_assert_int_eq(parse(&o, err, "-J", NULL), 0);
	text = capture(print_json, &s, &o);
	ck_assert_int_eq(filter("jq -e -c '[.processes[0].comm, .processes[1].comm]'",
				text, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[\"caf\xc3\xa9\",\"bad\xef\xbf\xbd\xef\xbf\xbd(\"]\n");
	free(text);

	text = capture(prometheus_adapter, &s, NULL);
	ck_assert_int_eq(filter(
		"/usr/bin/python3 -c 'import sys\n"
		"from prometheus_client.parser import text_string_to_metric_families as p\n"
		"for f in p(sys.stdin.buffer.read().decode(\"utf-8\")):\n"
		"    for s in f.samples:\n"
		"        if s.name == \"tamalloc_process_faults_total\": print(s.labels[\"comm\"])'",
		text, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "caf\xc3\xa9\nbad\xef\xbf\xbd\xef\xbf\xbd(\n");
	free(text);
}
END_TEST

/* Processes the system counts that the caller may not read are said to be. */
START_TEST(hidden_counted)
{
	struct proc_row rows[1] = { row(4242, "seed", 524288000, 157286400, 38400, 770) };
	struct sample s = seed_sample(rows, 1);
	struct options o;
	char err[256], *text;

	s.sys.processes = 3;
	s.hidden = 2;
	ck_assert_int_eq(parse(&o, err, NULL), 0);
	text = capture(print_table, &s, &o);
	ck_assert_ptr_nonnull(strstr(text, "tamalloc: 3 processes (2 not yours, not shown), 1 mapping;"));
	free(text);
}
END_TEST

START_TEST(caps_shown)
{
	struct proc_row rows[1] = { row(4242, "seed", 524288000, 157286400, 38400, 770) };
	struct sample s = seed_sample(rows, 1);
	struct options o;
	char err[256], out[8192], *text;

	ck_assert_int_eq(parse(&o, err, NULL), 0);
	text = capture(print_table, &s, &o);
	ck_assert_ptr_null(strstr(text, "caps"));	/* none set: not shown */
	free(text);

	s.sys.resident_limit = 1073741824;
	rows[0].info.reserved_limit = 2097152;
	text = capture(print_table, &s, &o);
	ck_assert_ptr_nonnull(strstr(text, "; caps: reserved -, resident 1.0G\n"));
	free(text);
	ck_assert_int_eq(parse(&o, err, "-n", "-o", "pid,rsvcap,rescap", NULL), 0);
	text = capture(print_table, &s, &o);
	ck_assert_str_eq(text, "   4242       2.0M          -\n");
	free(text);

	ck_assert_int_eq(parse(&o, err, "-J", NULL), 0);
	text = capture(print_json, &s, &o);
	ck_assert_int_eq(filter("jq -e -c '[.system.reserved_limit, .system.resident_limit, "
				".processes[0].reserved_limit, .processes[0].resident_limit]'",
				text, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[0,1073741824,2097152,0]\n");
	free(text);

	text = capture(prometheus_adapter, &s, NULL);
	ck_assert_ptr_nonnull(strstr(text, "\ntamalloc_resident_limit_bytes 1073741824\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntamalloc_process_reserved_limit_bytes{pid=\"4242\",comm=\"seed\"} 2097152\n"));
	free(text);
}
END_TEST

START_TEST(rates)
{
	struct proc_row a[1] = { row(1, "a", 100, 4096, 10, 0) };
	struct proc_row b[2] = { row(1, "a", 100, 8192 + 4096, 30, 0), row(2, "new", 1, 1, 1, 0) };
	struct sample prev = seed_sample(a, 1), now = seed_sample(b, 2);

	prev.time = 100.0;
	now.time = 102.0;
	prev.sys.faults = 100;
	now.sys.faults = 300;
	compute_rates(&now, &prev);
	ck_assert(now.has_rates);
	ck_assert(now.fault_rate == 100.0);
	ck_assert(b[0].has_rates && b[0].fault_rate == 10.0 && b[0].resident_rate == 4096.0);
	ck_assert(!b[1].has_rates);	/* not in the previous sample */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tamalloc-stat");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, options_defaults);
	tcase_add_test(tc, options_all);
	tcase_add_test(tc, options_rejected);
	tcase_add_test(tc, units);
	tcase_add_test(tc, sorting);
	tcase_add_test(tc, json_shape);
	tcase_add_test(tc, prometheus_parses);
	tcase_add_test(tc, table_output);
	tcase_add_test(tc, table_escapes_names);
	tcase_add_test(tc, table_columns_fit);
	tcase_add_test(tc, names_in_utf8);
	tcase_add_test(tc, caps_shown);
	tcase_add_test(tc, prometheus_repeated);
	tcase_add_test(tc, options_anywhere);
	tcase_add_test(tc, hidden_counted);
	tcase_add_test(tc, rates);
	suite_add_tcase(s, tc);
	return check_run((Suite *[]){ s, NULL });
}
