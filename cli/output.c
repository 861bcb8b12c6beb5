/*
 * output: tables, key/value lists, number formatting and JSON printing for
 * minidfs-admin (see output.h).  Everything goes to the FILE the caller
 * names, so the unit tests print into memory streams.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/output.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"

struct out_table {
	const struct out_col	*cols;
	size_t			 ncols;
	char			**cells;	/* rows * ncols, row-major */
	size_t			 rows;
	size_t			 cap;		/* rows allocated */
};

struct out_table *
out_table_new(const struct out_col *cols, size_t ncols)
{
	struct out_table	*t;

	if (ncols == 0 || ncols > OUT_MAX_COLS)
		fatalx("out_table_new: %zu columns", ncols);
	t = xcalloc(1, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

void
out_table_free(struct out_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->rows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void
out_table_row(struct out_table *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->cells = xrealloc(t->cells, t->cap * t->ncols *
		    sizeof(*t->cells));
	}
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->rows * t->ncols + c] = xstrdup(cells[c] != NULL ?
		    cells[c] : "-");
	t->rows++;
}

size_t
out_table_rows(const struct out_table *t)
{
	return t->rows;
}

/* One line: cells padded to widths; the last column is not padded on the
 * right so no line ends in spaces. */
static void
print_line(FILE *f, const struct out_table *t, const size_t *w,
    const char *const *cells)
{
	size_t	 len;

	for (size_t c = 0; c < t->ncols; c++) {
		len = strlen(cells[c]);
		if (c > 0)
			fprintf(f, "%*s", OUT_COL_GAP, "");
		if (t->cols[c].align == OUT_RIGHT)
			fprintf(f, "%*s%s", (int)(w[c] - len), "", cells[c]);
		else if (c + 1 < t->ncols)
			fprintf(f, "%s%*s", cells[c], (int)(w[c] - len), "");
		else
			fputs(cells[c], f);
	}
	fputc('\n', f);
}

void
out_table_print(const struct out_table *t, FILE *f)
{
	size_t		 w[OUT_MAX_COLS];
	const char	*hdr[OUT_MAX_COLS];

	for (size_t c = 0; c < t->ncols; c++) {
		hdr[c] = t->cols[c].title;
		w[c] = strlen(hdr[c]);
		for (size_t r = 0; r < t->rows; r++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);
			if (l > w[c])
				w[c] = l;
		}
	}
	print_line(f, t, w, hdr);
	for (size_t r = 0; r < t->rows; r++)
		print_line(f, t, w,
		    (const char *const *)&t->cells[r * t->ncols]);
}

void
out_kv_print(FILE *f, const char *const (*pairs)[2], size_t n)
{
	size_t	 w = 0, l;

	for (size_t i = 0; i < n; i++)
		if ((l = strlen(pairs[i][0])) > w)
			w = l;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s:%*s%s\n", pairs[i][0],
		    (int)(w - strlen(pairs[i][0]) + OUT_COL_GAP), "",
		    pairs[i][1] != NULL ? pairs[i][1] : "-");
}

char *
out_bytes(uint64_t v, char *buf)
{
	static const char units[] = "BKMGTPE";
	size_t		 u = 0;
	uint64_t	 whole = v, rem = 0;

	if (v < 1024) {
		snprintf(buf, OUT_NUM_LEN, "%" PRIu64, v);
		return buf;
	}
	while (whole >= 1024 && u + 1 < sizeof(units) - 1) {
		rem = whole % 1024;
		whole /= 1024;
		u++;
	}
	/* one decimal, rounded down so "1023.9K" never shows as "1024.0K" */
	snprintf(buf, OUT_NUM_LEN, "%" PRIu64 ".%" PRIu64 "%c", whole,
	    rem * 10 / 1024, units[u]);
	return buf;
}

char *
out_u64(uint64_t v, char *buf)
{
	snprintf(buf, OUT_NUM_LEN, "%" PRIu64, v);
	return buf;
}

char *
out_age_ms(int64_t ms, char *buf)
{
	if (ms < 0)
		snprintf(buf, OUT_NUM_LEN, "-");
	else if (ms < 1000)
		snprintf(buf, OUT_NUM_LEN, "%" PRId64 "ms", ms);
	else if (ms < 60 * 1000)
		snprintf(buf, OUT_NUM_LEN, "%" PRId64 "s", ms / 1000);
	else if (ms < 3600 * 1000)
		snprintf(buf, OUT_NUM_LEN, "%" PRId64 "m", ms / 60000);
	else if (ms < 86400 * (int64_t)1000)
		snprintf(buf, OUT_NUM_LEN, "%" PRId64 "h", ms / 3600000);
	else
		snprintf(buf, OUT_NUM_LEN, "%" PRId64 "d", ms / 86400000);
	return buf;
}

char *
out_mode(uint32_t mode, char *buf)
{
	static const char rwx[] = "rwxrwxrwx";
	char		 t;

	switch (mode & S_IFMT) {
	case S_IFDIR:	t = 'd'; break;
	case S_IFLNK:	t = 'l'; break;
	case S_IFCHR:	t = 'c'; break;
	case S_IFBLK:	t = 'b'; break;
	case S_IFIFO:	t = 'p'; break;
	case S_IFSOCK:	t = 's'; break;
	default:	t = '-'; break;
	}
	buf[0] = t;
	for (int i = 0; i < 9; i++)
		buf[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		buf[3] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		buf[6] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		buf[9] = (mode & S_IXOTH) ? 't' : 'T';
	buf[10] = '\0';
	return buf;
}

void
out_json(FILE *f, const cJSON *doc)
{
	char	*s = cJSON_Print(doc);

	if (s == NULL)
		fatalx("out_json: out of memory");
	fprintf(f, "%s\n", s);
	cJSON_free(s);
}
