// SPDX-License-Identifier: MIT
/* tamalloc-stat: units, sorting and the three output formats. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stat.h"

const char *format_bytes(char *buf, size_t len, double bytes,
			 enum unit_mode unit, bool si)
{
	static const char *const binary[] = { "B", "K", "M", "G", "T", "P", "E" };
	static const char *const decimal[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double base = si ? 1000.0 : 1024.0, v = bytes;
	int i = 0;

	switch (unit) {
	case UNIT_BYTES:
		snprintf(buf, len, "%.0f", bytes);
		return buf;
	case UNIT_KIB:
		snprintf(buf, len, "%.0f", bytes / base);
		return buf;
	case UNIT_MIB:
		snprintf(buf, len, "%.0f", bytes / (base * base));
		return buf;
	case UNIT_GIB:
		snprintf(buf, len, "%.0f", bytes / (base * base * base));
		return buf;
	case UNIT_HUMAN:
		break;
	}
	while ((v >= base || v <= -base) && i < 6) {
		v /= base;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%.0fB", v);
	else
		snprintf(buf, len, "%.1f%s", v, si ? decimal[i] : binary[i]);
	return buf;
}

static enum sort_key current_key;

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return (a < b) - (a > b);
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct tam_proc_info *a = &((const struct proc_row *)pa)->info;
	const struct tam_proc_info *b = &((const struct proc_row *)pb)->info;
	int c = 0;

	switch (current_key) {
	case SORT_RESIDENT: c = cmp_u64_desc(a->resident_bytes, b->resident_bytes); break;
	case SORT_RESERVED: c = cmp_u64_desc(a->reserved_bytes, b->reserved_bytes); break;
	case SORT_PCT: c = (a->used_percent < b->used_percent) - (a->used_percent > b->used_percent); break;
	case SORT_FAULTS: c = cmp_u64_desc(a->faults, b->faults); break;
	case SORT_OOM: c = cmp_u64_desc(a->oom_score, b->oom_score); break;
	case SORT_PID: break;
	}
	return c ? c : (a->pid > b->pid) - (a->pid < b->pid);
}

void sort_rows(struct proc_row *rows, size_t n, enum sort_key key)
{
	current_key = key;
	qsort(rows, n, sizeof(*rows), cmp_rows);
}

void compute_rates(struct sample *now, const struct sample *prev)
{
	double dt = now->time - prev->time;
	size_t i, j;

	if (!(dt > 0))
		return;
	now->has_rates = true;
	now->fault_rate = ((double)now->sys.faults - (double)prev->sys.faults) / dt;
	now->resident_rate = ((double)now->sys.resident_bytes -
			      (double)prev->sys.resident_bytes) / dt;
	for (i = 0; i < now->nrows; i++) {
		struct proc_row *r = &now->rows[i];

		for (j = 0; j < prev->nrows; j++) {
			const struct proc_row *p = &prev->rows[j];

			if (p->info.pid != r->info.pid)
				continue;
			r->has_rates = true;
			r->fault_rate = ((double)r->info.faults - (double)p->info.faults) / dt;
			r->resident_rate = ((double)r->info.resident_bytes -
					    (double)p->info.resident_bytes) / dt;
			break;
		}
	}
}

/* Table */

struct column_def {
	const char *heading;
	int width;
	bool left;
};

static const struct column_def columns[NCOLUMNS] = {
	[COL_PID] = { "PID", 7, false },
	[COL_COMM] = { "COMMAND", 16, true },
	[COL_RESERVED] = { "RESERVED", 10, false },
	[COL_RESIDENT] = { "RESIDENT", 10, false },
	[COL_PCT] = { "%USED", 6, false },
	[COL_PEAK] = { "PEAK", 10, false },
	[COL_FAULTS] = { "FAULTS", 10, false },
	[COL_MAPS] = { "MAPS", 5, false },
	[COL_OOM] = { "OOM", 5, false },
	[COL_OOMADJ] = { "OOMADJ", 6, false },
	[COL_FAULT_RATE] = { "FLT/S", 9, false },
	[COL_RESIDENT_RATE] = { "RES/S", 10, false },
	[COL_RESERVED_LIMIT] = { "RSVCAP", 10, false },
	[COL_RESIDENT_LIMIT] = { "RESCAP", 10, false },
	[COL_UNPINNED] = { "UNPINNED", 10, false },
	[COL_PURGED] = { "PURGED", 10, false },
	[COL_PURGES] = { "PURGES", 8, false },
};

/* A cap in bytes, or "-" for none. */
static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/*
 * The length of the valid UTF-8 sequence at @s (1 to 4), or 0 if the bytes
 * there are not one: overlong forms, surrogates and code points past
 * U+10FFFF are not (RFC 3629).
 */
static size_t utf8_length(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A process name as a terminal may show it: control characters and bytes
 * that are not UTF-8 become '?', as ps(1) shows them, so that no name can
 * make a row of its own.
 */
static void printable_name(char *buf, size_t len, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t out = 0, n;

	while (*s && out + 4 < len) {
		n = utf8_length(s);
		if (!n || *s < 0x20 || *s == 0x7f) {
			buf[out++] = '?';
			s++;
		} else {
			memcpy(buf + out, s, n);
			out += n;
			s += n;
		}
	}
	buf[out] = 0;
}

/* The width in characters of @text, UTF-8 (as printable_name() makes it). */
static size_t text_width(const char *text)
{
	size_t width = 0;

	for (; *text; text++)
		width += ((unsigned char)*text & 0xc0) != 0x80;
	return width;
}

static const char *format_limit(char *buf, size_t len, uint64_t limit,
				const struct options *o)
{
	return limit ? format_bytes(buf, len, limit, o->unit, o->si) : "-";
}

static int default_columns(const struct sample *s, enum column *cols)
{
	static const enum column base[] = {
		COL_PID, COL_COMM, COL_RESERVED, COL_RESIDENT, COL_PCT,
		COL_FAULTS, COL_OOM,
	};
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		cols[n++] = base[i];
	if (s->has_rates) {
		cols[n++] = COL_FAULT_RATE;
		cols[n++] = COL_RESIDENT_RATE;
	}
	return n;
}

static const char *cell(char *buf, size_t len, enum column c,
			const struct proc_row *r, const struct options *o)
{
	const struct tam_proc_info *p = &r->info;

	switch (c) {
	case COL_PID: snprintf(buf, len, "%d", p->pid); break;
	case COL_COMM: printable_name(buf, len, p->comm); break;
	case COL_RESERVED: return format_bytes(buf, len, p->reserved_bytes, o->unit, o->si);
	case COL_RESIDENT: return format_bytes(buf, len, p->resident_bytes, o->unit, o->si);
	case COL_PEAK: return format_bytes(buf, len, p->peak_resident_bytes, o->unit, o->si);
	case COL_PCT: snprintf(buf, len, "%.1f", p->used_percent); break;
	case COL_FAULTS: snprintf(buf, len, "%" PRIu64, p->faults); break;
	case COL_MAPS: snprintf(buf, len, "%" PRIu64, p->mappings); break;
	case COL_OOM: snprintf(buf, len, "%" PRIu64, p->oom_score); break;
	case COL_OOMADJ: snprintf(buf, len, "%d", p->oom_score_adj); break;
	case COL_FAULT_RATE:
		if (!r->has_rates)
			return "-";
		snprintf(buf, len, "%.0f", r->fault_rate);
		break;
	case COL_RESIDENT_RATE:
		if (!r->has_rates)
			return "-";
		return format_bytes(buf, len, r->resident_rate, o->unit, o->si);
	case COL_RESERVED_LIMIT: return format_limit(buf, len, p->reserved_limit, o);
	case COL_RESIDENT_LIMIT: return format_limit(buf, len, p->resident_limit, o);
	case COL_UNPINNED: return format_bytes(buf, len, p->unpinned_bytes, o->unit, o->si);
	case COL_PURGED: return format_bytes(buf, len, p->purged_bytes, o->unit, o->si);
	case COL_PURGES: snprintf(buf, len, "%" PRIu64, p->purges); break;
	case NCOLUMNS:
		return "";
	}
	return buf;
}

static void print_timestamp(FILE *out, double t)
{
	time_t secs = (time_t)t;
	struct tm tm;
	char buf[64];

	localtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(out, "%s ", buf);
}

/* Print @text in a column @width characters wide, to the left or right. */
static void print_cell(FILE *out, const char *text, size_t width, bool left,
		       bool first)
{
	size_t pad = width - min_size(width, text_width(text));

	if (!first)
		fputc(' ', out);
	if (!left)
		fprintf(out, "%*s", (int)pad, "");
	fputs(text, out);
	if (left)
		fprintf(out, "%*s", (int)pad, "");
}

void print_table(FILE *out, const struct sample *s, const struct options *o)
{
	enum column cols[NCOLUMNS];
	size_t width[NCOLUMNS];
	char b[5][64];
	int ncols, c;
	size_t i;

	ncols = o->ncolumns ? o->ncolumns : default_columns(s, cols);
	if (o->ncolumns)
		memcpy(cols, o->columns, sizeof(cols[0]) * ncols);
	/* Each column as wide as its widest cell: none runs into the next. */
	for (c = 0; c < ncols; c++) {
		width[c] = columns[cols[c]].width;
		for (i = 0; i < s->nrows; i++)
			width[c] = max_size(width[c],
					    text_width(cell(b[0], sizeof(b[0]), cols[c],
							    &s->rows[i], o)));
	}

	if (!o->noheadings) {
		if (o->timestamps)
			print_timestamp(out, s->time);
		fprintf(out, "tamalloc: %" PRIu64 " process%s", s->sys.processes,
			s->sys.processes == 1 ? "" : "es");
		if (s->hidden)
			fprintf(out, " (%" PRIu64 " not yours, not shown)", s->hidden);
		fprintf(out, ", %" PRIu64 " mapping%s; "
			"reserved %s, resident %s (%.1f%%), peak %s, shared %s, faults %" PRIu64,
			s->sys.mappings, s->sys.mappings == 1 ? "" : "s",
			format_bytes(b[0], 32, s->sys.reserved_bytes, o->unit, o->si),
			format_bytes(b[1], 32, s->sys.resident_bytes, o->unit, o->si),
			s->sys.used_percent,
			format_bytes(b[2], 32, s->sys.peak_resident_bytes, o->unit, o->si),
			format_bytes(b[3], 32, s->sys.shared_bytes, o->unit, o->si),
			s->sys.faults);
		if (s->has_rates)
			fprintf(out, "; %.0f faults/s, resident %s/s", s->fault_rate,
				format_bytes(b[4], 32, s->resident_rate, o->unit, o->si));
		if (s->sys.reserved_limit || s->sys.resident_limit)
			fprintf(out, "; caps: reserved %s, resident %s",
				format_limit(b[0], 32, s->sys.reserved_limit, o),
				format_limit(b[1], 32, s->sys.resident_limit, o));
		if (s->sys.unpinned_bytes || s->sys.purges)
			fprintf(out, "; unpinned %s, purged %s in %" PRIu64 " purge%s",
				format_bytes(b[0], 32, s->sys.unpinned_bytes, o->unit, o->si),
				format_bytes(b[1], 32, s->sys.purged_bytes, o->unit, o->si),
				s->sys.purges, s->sys.purges == 1 ? "" : "s");
		fputc('\n', out);
		for (c = 0; c < ncols; c++)
			print_cell(out, columns[cols[c]].heading, width[c],
				   columns[cols[c]].left, !c);
		fputc('\n', out);
	}
	for (i = 0; i < s->nrows; i++) {
		for (c = 0; c < ncols; c++)
			print_cell(out, cell(b[0], sizeof(b[0]), cols[c], &s->rows[i], o),
				   width[c], columns[cols[c]].left, !c);
		fputc('\n', out);
	}
}

/* JSON */

/* A JSON string: UTF-8 as it is, a byte that is not UTF-8 as U+FFFD. */
static void json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', out);
	while (*s) {
		n = utf8_length(s);
		if (!n) {
			fputs("\\ufffd", out);
			n = 1;
		} else if (*s == '"' || *s == '\\') {
			fprintf(out, "\\%c", *s);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(out, "\\u%04x", *s);
		} else {
			fwrite(s, 1, n, out);
		}
		s += n;
	}
	fputc('"', out);
}

void print_json(FILE *out, const struct sample *s, const struct options *o)
{
	const struct tam_sys_info *y = &s->sys;
	size_t i;

	fprintf(out, "{\"version\":1,");
	if (o->timestamps)
		fprintf(out, "\"timestamp\":%.3f,", s->time);
	fprintf(out, "\"system\":{\"reserved_bytes\":%" PRIu64 ",\"resident_bytes\":%" PRIu64
		",\"peak_resident_bytes\":%" PRIu64 ",\"faults\":%" PRIu64
		",\"processes\":%" PRIu64 ",\"mappings\":%" PRIu64
		",\"shared_bytes\":%" PRIu64 ",\"used_percent\":%.2f"
		",\"reserved_limit\":%" PRIu64 ",\"resident_limit\":%" PRIu64
		",\"shared_swap_bytes\":%" PRIu64 ",\"unpinned_bytes\":%" PRIu64
		",\"purged_bytes\":%" PRIu64 ",\"purges\":%" PRIu64,
		y->reserved_bytes, y->resident_bytes, y->peak_resident_bytes,
		y->faults, y->processes, y->mappings, y->shared_bytes,
		y->used_percent, y->reserved_limit, y->resident_limit,
		y->shared_swap_bytes, y->unpinned_bytes, y->purged_bytes,
		y->purges);
	if (s->has_rates)
		fprintf(out, ",\"faults_per_second\":%.2f,\"resident_bytes_per_second\":%.2f",
			s->fault_rate, s->resident_rate);
	fprintf(out, "},\"processes\":[");
	for (i = 0; i < s->nrows; i++) {
		const struct proc_row *r = &s->rows[i];
		const struct tam_proc_info *p = &r->info;

		fprintf(out, "%s{\"pid\":%d,\"comm\":", i ? "," : "", p->pid);
		json_string(out, p->comm);
		fprintf(out, ",\"reserved_bytes\":%" PRIu64 ",\"resident_bytes\":%" PRIu64
			",\"used_percent\":%.2f,\"faults\":%" PRIu64
			",\"oom_score\":%" PRIu64 ",\"oom_score_adj\":%d"
			",\"peak_resident_bytes\":%" PRIu64 ",\"mappings\":%" PRIu64
			",\"reserved_limit\":%" PRIu64 ",\"resident_limit\":%" PRIu64
			",\"shared_bytes\":%" PRIu64 ",\"shared_swap_bytes\":%" PRIu64
			",\"unpinned_bytes\":%" PRIu64 ",\"purged_bytes\":%" PRIu64
			",\"purges\":%" PRIu64,
			p->reserved_bytes, p->resident_bytes, p->used_percent,
			p->faults, p->oom_score, p->oom_score_adj,
			p->peak_resident_bytes, p->mappings, p->reserved_limit,
			p->resident_limit, p->shared_bytes, p->shared_swap_bytes,
			p->unpinned_bytes, p->purged_bytes, p->purges);
		if (r->has_rates)
			fprintf(out, ",\"faults_per_second\":%.2f,\"resident_bytes_per_second\":%.2f",
				r->fault_rate, r->resident_rate);
		fputc('}', out);
	}
	fprintf(out, "]}\n");
}

/* Prometheus text format 0.0.4 */

/* A label value: UTF-8, as Prometheus requires (a byte that is not, U+FFFD). */
static void prom_label(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	while (*s) {
		n = utf8_length(s);
		if (!n) {
			fputs("\xef\xbf\xbd", out);
			n = 1;
		} else if (*s == '\\' || *s == '"') {
			fprintf(out, "\\%c", *s);
		} else if (*s == '\n') {
			fputs("\\n", out);
		} else {
			fwrite(s, 1, n, out);
		}
		s += n;
	}
}

static void prom_header(FILE *out, const char *name, const char *type,
			const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * The Prometheus text format.  HELP and TYPE come once in an output, with
 * its first sample (@headers): a second HELP for a name is an error to
 * Prometheus's parser, and samples that follow, without them, parse on
 * their own too.  With @timestamps each value carries its sample's time,
 * so that repeated samples are points in time, not duplicates.
 */
void print_prometheus(FILE *out, const struct sample *s, bool headers,
		      bool timestamps)
{
	static const struct {
		const char *name, *type, *help;
		size_t offset;
	} sys_metrics[] = {
		{ "tamalloc_reserved_bytes", "gauge", "Bytes of all tamalloc mappings.",
		  offsetof(struct tam_sys_info, reserved_bytes) },
		{ "tamalloc_resident_bytes", "gauge", "Bytes of tamalloc mappings resident in page tables.",
		  offsetof(struct tam_sys_info, resident_bytes) },
		{ "tamalloc_peak_resident_bytes", "gauge", "Highest resident bytes measured.",
		  offsetof(struct tam_sys_info, peak_resident_bytes) },
		{ "tamalloc_faults_total", "counter", "Page faults taken by tamalloc.",
		  offsetof(struct tam_sys_info, faults) },
		{ "tamalloc_processes", "gauge", "Processes with tamalloc mappings.",
		  offsetof(struct tam_sys_info, processes) },
		{ "tamalloc_mappings", "gauge", "tamalloc mappings (VMAs).",
		  offsetof(struct tam_sys_info, mappings) },
		{ "tamalloc_shared_bytes", "gauge", "Memory held by shared tamalloc objects, in RAM.",
		  offsetof(struct tam_sys_info, shared_bytes) },
		{ "tamalloc_shared_swap_bytes", "gauge", "Memory held by shared tamalloc objects, swapped out.",
		  offsetof(struct tam_sys_info, shared_swap_bytes) },
		{ "tamalloc_reserved_limit_bytes", "gauge", "System cap on reserved bytes (0: none).",
		  offsetof(struct tam_sys_info, reserved_limit) },
		{ "tamalloc_resident_limit_bytes", "gauge", "System cap on resident bytes (0: none).",
		  offsetof(struct tam_sys_info, resident_limit) },
		{ "tamalloc_unpinned_bytes", "gauge", "Memory the kernel may purge: what unpinned ranges held as they were unpinned.",
		  offsetof(struct tam_sys_info, unpinned_bytes) },
		{ "tamalloc_purged_bytes_total", "counter", "Memory purges took back from unpinned ranges.",
		  offsetof(struct tam_sys_info, purged_bytes) },
		{ "tamalloc_purges_total", "counter", "Unpinned ranges purged.",
		  offsetof(struct tam_sys_info, purges) },
	};
	static const struct {
		const char *name, *type, *help;
		size_t offset;
	} proc_metrics[] = {
		{ "tamalloc_process_reserved_bytes", "gauge", "Bytes of the process's tamalloc mappings.",
		  offsetof(struct tam_proc_info, reserved_bytes) },
		{ "tamalloc_process_resident_bytes", "gauge", "Resident bytes of the process's tamalloc mappings.",
		  offsetof(struct tam_proc_info, resident_bytes) },
		{ "tamalloc_process_peak_resident_bytes", "gauge", "Highest resident bytes measured for the process.",
		  offsetof(struct tam_proc_info, peak_resident_bytes) },
		{ "tamalloc_process_faults_total", "counter", "tamalloc page faults taken by the process.",
		  offsetof(struct tam_proc_info, faults) },
		{ "tamalloc_process_oom_score", "gauge", "The process's /proc/PID/oom_score.",
		  offsetof(struct tam_proc_info, oom_score) },
		{ "tamalloc_process_reserved_limit_bytes", "gauge", "The process's cap on reserved bytes (0: none).",
		  offsetof(struct tam_proc_info, reserved_limit) },
		{ "tamalloc_process_resident_limit_bytes", "gauge", "The process's cap on resident bytes (0: none).",
		  offsetof(struct tam_proc_info, resident_limit) },
		{ "tamalloc_process_shared_bytes", "gauge", "Shared objects' memory charged to the process, in RAM.",
		  offsetof(struct tam_proc_info, shared_bytes) },
		{ "tamalloc_process_shared_swap_bytes", "gauge", "Shared objects' memory charged to the process, swapped out.",
		  offsetof(struct tam_proc_info, shared_swap_bytes) },
		{ "tamalloc_process_unpinned_bytes", "gauge", "Unpinned memory of the objects charged to the process.",
		  offsetof(struct tam_proc_info, unpinned_bytes) },
		{ "tamalloc_process_purged_bytes_total", "counter", "Memory purged from the objects charged to the process.",
		  offsetof(struct tam_proc_info, purged_bytes) },
		{ "tamalloc_process_purges_total", "counter", "Ranges purged from the objects charged to the process.",
		  offsetof(struct tam_proc_info, purges) },
	};
	char when[32] = "";
	size_t m, i;

	if (timestamps)
		snprintf(when, sizeof(when), " %lld", (long long)(s->time * 1000));
	for (m = 0; m < sizeof(sys_metrics) / sizeof(sys_metrics[0]); m++) {
		if (headers)
			prom_header(out, sys_metrics[m].name, sys_metrics[m].type,
				    sys_metrics[m].help);
		fprintf(out, "%s %" PRIu64 "%s\n", sys_metrics[m].name,
			*(const uint64_t *)((const char *)&s->sys + sys_metrics[m].offset),
			when);
	}
	for (m = 0; m < sizeof(proc_metrics) / sizeof(proc_metrics[0]); m++) {
		if (headers)
			prom_header(out, proc_metrics[m].name, proc_metrics[m].type,
				    proc_metrics[m].help);
		for (i = 0; i < s->nrows; i++) {
			const struct tam_proc_info *p = &s->rows[i].info;

			fprintf(out, "%s{pid=\"%d\",comm=\"", proc_metrics[m].name, p->pid);
			prom_label(out, p->comm);
			fprintf(out, "\"} %" PRIu64 "%s\n",
				*(const uint64_t *)((const char *)p + proc_metrics[m].offset),
				when);
		}
	}
	if (headers)
		prom_header(out, "tamalloc_process_oom_score_adj", "gauge",
			    "The process's /proc/PID/oom_score_adj.");
	for (i = 0; i < s->nrows; i++) {
		const struct tam_proc_info *p = &s->rows[i].info;

		fprintf(out, "tamalloc_process_oom_score_adj{pid=\"%d\",comm=\"", p->pid);
		prom_label(out, p->comm);
		fprintf(out, "\"} %d%s\n", p->oom_score_adj, when);
	}
}
