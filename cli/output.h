/*
 * output: how minidfs-admin prints.  Human-readable tables and key/value
 * lists by default; with --json every command prints one JSON document
 * built with cJSON (64-bit counters as decimal strings, as on the wire,
 * common/protocol.h).  Errors are always one line on stderr.
 *
 * A struct out_table is filled row by row with strings (the caller formats
 * numbers with out_bytes/out_age/...), then printed with the columns padded
 * to their widest cell; numeric columns are right-aligned.  Not
 * thread-safe; the caller owns the table (out_table_free).
 */
#ifndef MINIDFS_CLI_OUTPUT_H
#define MINIDFS_CLI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cJSON;
struct out_table;

#define OUT_MAX_COLS	16	/* columns of one table */
#define OUT_NUM_LEN	32	/* bytes of a formatted number, with the NUL */
#define OUT_COL_GAP	2	/* spaces between two columns */

enum out_align {
	OUT_LEFT,
	OUT_RIGHT,
};

struct out_col {
	const char	*title;		/* the header, e.g. "ID" */
	enum out_align	 align;
};

/* A table of ncols columns (1..OUT_MAX_COLS; aborts otherwise: a
 * programming error).  cols is borrowed and must outlive the table. */
struct out_table *out_table_new(const struct out_col *cols, size_t ncols);
void		 out_table_free(struct out_table *);
/* Appends a row of ncols cells (copied; NULL prints as "-"). */
void		 out_table_row(struct out_table *, const char *const *cells);
size_t		 out_table_rows(const struct out_table *);
/* Prints the header and the rows; trailing spaces are never printed. */
void		 out_table_print(const struct out_table *, FILE *);

/* "Key:  value" lines, keys padded to the widest (n pairs). */
void		 out_kv_print(FILE *, const char *const (*pairs)[2], size_t n);

/* Formatting into a caller buffer of OUT_NUM_LEN bytes; each returns buf. */
/* 1536 -> "1.5K", 0 -> "0", 4194304 -> "4.0M" (binary units B K M G T P E). */
char		*out_bytes(uint64_t v, char *buf);
char		*out_u64(uint64_t v, char *buf);
/* Milliseconds of age: "-" when ms < 0 (never), "850ms", "12s", "5m", "3h",
 * "2d". */
char		*out_age_ms(int64_t ms, char *buf);
/* "rw-r--r--" style string of mode with the type letter first
 * ("drwxr-xr-x"); buf of at least 11 bytes. */
char		*out_mode(uint32_t mode, char *buf);

/* Prints a JSON document, indented, with a final newline. */
void		 out_json(FILE *, const struct cJSON *);

#endif /* MINIDFS_CLI_OUTPUT_H */
