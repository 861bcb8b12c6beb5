/*
 * check_cli_output: minidfs-admin's tables, key/value lists and number
 * formats, printed into memory streams and compared byte for byte.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/output.h"
#include "common/json.h"
#include "tests/lib/check_main.h"

/* Runs fn into a memory stream; returns the text (caller frees). */
struct mem {
	char	*p;
	size_t	 n;
	FILE	*f;
};

static void
mem_open(struct mem *m)
{
	m->p = NULL;
	m->n = 0;
	m->f = open_memstream(&m->p, &m->n);
	ck_assert_ptr_nonnull(m->f);
}

static char *
mem_close(struct mem *m)
{
	fclose(m->f);
	return m->p;
}

/* ---- core ---------------------------------------------------------------- */

static const struct out_col cols[] = {
	{ "ID", OUT_LEFT },
	{ "SIZE", OUT_RIGHT },
	{ "NOTE", OUT_LEFT },
};

START_TEST(test_table)
{
	struct out_table *t = out_table_new(cols, 3);
	const char	*r1[] = { "d1", "4.0M", "first" };
	const char	*r2[] = { "node-two", "12", NULL };
	struct mem	 m;
	char		*s;

	out_table_row(t, r1);
	out_table_row(t, r2);
	ck_assert_uint_eq(out_table_rows(t), 2);
	mem_open(&m);
	out_table_print(t, m.f);
	s = mem_close(&m);
	ck_assert_str_eq(s,
	    "ID        SIZE  NOTE\n"
	    "d1        4.0M  first\n"
	    "node-two    12  -\n");
	free(s);
	out_table_free(t);
}
END_TEST

/* A table without rows still prints its header; the last column is never
 * padded (no trailing spaces). */
START_TEST(test_table_empty)
{
	struct out_table *t = out_table_new(cols, 3);
	struct mem	 m;
	char		*s;

	mem_open(&m);
	out_table_print(t, m.f);
	s = mem_close(&m);
	ck_assert_str_eq(s, "ID  SIZE  NOTE\n");
	free(s);
	out_table_free(t);
	out_table_free(NULL);
}
END_TEST

START_TEST(test_kv)
{
	const char *const kv[][2] = {
		{ "Leader", "127.0.0.1:8000" },
		{ "Under-replicated", "0" },
		{ "GC", NULL },
	};
	struct mem	 m;
	char		*s;

	mem_open(&m);
	out_kv_print(m.f, kv, 3);
	s = mem_close(&m);
	ck_assert_str_eq(s,
	    "Leader:            127.0.0.1:8000\n"
	    "Under-replicated:  0\n"
	    "GC:                -\n");
	free(s);
}
END_TEST

static const struct {
	uint64_t	 v;
	const char	*want;
} bytes_cases[] = {
	{ 0, "0" },
	{ 1, "1" },
	{ 1023, "1023" },
	{ 1024, "1.0K" },
	{ 1536, "1.5K" },
	{ 1048575, "1023.9K" },
	{ 4u * 1024 * 1024, "4.0M" },
	{ 10ull * 1024 * 1024 * 1024 + 512ull * 1024 * 1024, "10.5G" },
	{ 1ull << 40, "1.0T" },
	{ UINT64_MAX, "15.9E" },
};

START_TEST(test_bytes)
{
	char	 b[OUT_NUM_LEN];

	ck_assert_str_eq(out_bytes(bytes_cases[_i].v, b),
	    bytes_cases[_i].want);
}
END_TEST

START_TEST(test_age)
{
	char	 b[OUT_NUM_LEN];

	ck_assert_str_eq(out_age_ms(-1, b), "-");
	ck_assert_str_eq(out_age_ms(0, b), "0ms");
	ck_assert_str_eq(out_age_ms(999, b), "999ms");
	ck_assert_str_eq(out_age_ms(1000, b), "1s");
	ck_assert_str_eq(out_age_ms(59999, b), "59s");
	ck_assert_str_eq(out_age_ms(60000, b), "1m");
	ck_assert_str_eq(out_age_ms(3600000, b), "1h");
	ck_assert_str_eq(out_age_ms(86400000ll * 3, b), "3d");
}
END_TEST

START_TEST(test_mode)
{
	char	 b[11];

	ck_assert_str_eq(out_mode(S_IFREG | 0644, b), "-rw-r--r--");
	ck_assert_str_eq(out_mode(S_IFDIR | 0755, b), "drwxr-xr-x");
	ck_assert_str_eq(out_mode(S_IFLNK | 0777, b), "lrwxrwxrwx");
	ck_assert_str_eq(out_mode(S_IFDIR | 01777, b), "drwxrwxrwt");
	ck_assert_str_eq(out_mode(S_IFREG | 04755, b), "-rwsr-xr-x");
	ck_assert_str_eq(out_mode(S_IFREG | 02644, b), "-rw-r-Sr--");
	ck_assert_str_eq(out_mode(S_IFIFO | 0600, b), "prw-------");
}
END_TEST

START_TEST(test_json)
{
	cJSON		*o = json_new_object();
	struct mem	 m;
	char		*s;
	cJSON		*back;

	json_add_u64(o, "blocks", 18446744073709551615ull);
	json_add_str(o, "id", "d\"1");
	mem_open(&m);
	out_json(m.f, o);
	s = mem_close(&m);
	ck_assert_uint_eq(s[strlen(s) - 1], '\n');
	back = cJSON_Parse(s);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(cJSON_GetObjectItem(back, "blocks")->valuestring,
	    "18446744073709551615");
	ck_assert_str_eq(cJSON_GetObjectItem(back, "id")->valuestring,
	    "d\"1");
	cJSON_Delete(back);
	cJSON_Delete(o);
	free(s);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

/* More rows than the first allocation; cells are copies. */
START_TEST(test_many_rows)
{
	struct out_table *t = out_table_new(cols, 3);
	char		 id[16];
	struct mem	 m;
	char		*s, *line;
	size_t		 lines = 0;

	for (int i = 0; i < 100; i++) {
		const char *r[] = { id, "1", "x" };
		snprintf(id, sizeof(id), "n%d", i);
		out_table_row(t, r);
	}
	snprintf(id, sizeof(id), "changed");
	mem_open(&m);
	out_table_print(t, m.f);
	s = mem_close(&m);
	for (line = s; (line = strchr(line, '\n')) != NULL; line++)
		lines++;
	ck_assert_uint_eq(lines, 101);
	ck_assert_ptr_nonnull(strstr(s, "\nn99  "));
	ck_assert_ptr_null(strstr(s, "changed"));
	free(s);
	out_table_free(t);
}
END_TEST

static Suite *
cli_output_suite(void)
{
	Suite	*s = suite_create("cli_output");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_table_empty);
	tcase_add_test(tc, test_kv);
	tcase_add_loop_test(tc, test_bytes, 0,
	    sizeof(bytes_cases) / sizeof(bytes_cases[0]));
	tcase_add_test(tc, test_age);
	tcase_add_test(tc, test_mode);
	tcase_add_test(tc, test_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_many_rows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(cli_output_suite());
}
