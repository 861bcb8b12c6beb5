/*
 * check_json: json_parse is bounded by its length and names the offset of
 * an error; every getter answers 0, -ENOENT or -EINVAL exactly as json.h says
 * and leaves its output alone on error; 64-bit values survive a round trip
 * through the setters, the printer and the parser.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "tests/lib/check_main.h"

#define POISON_U64	UINT64_C(0xdeadbeefdeadbeef)
#define POISON_I64	INT64_C(-1234567)
#define POISON_U32	UINT32_C(0xdeadbeef)

/* One document with a member of every kind the tables below ask for. */
static const char doc_text[] =
    "{\"s\":\"str\",\"n\":42,\"zero\":0,\"neg\":-1,\"frac\":1.5,"
    "\"exp\":1e3,\"negzero\":-0,"
    "\"big\":9007199254740992,\"maxexact\":9007199254740991,"
    "\"negbig\":-9007199254740992,\"minexact\":-9007199254740991,"
    "\"huge\":1e400,"
    "\"t\":true,\"f\":false,\"nul\":null,\"arr\":[1,2],\"obj\":{\"k\":1},"
    "\"u64max\":\"18446744073709551615\",\"u64ovf\":\"18446744073709551616\","
    "\"m1\":\"-1\",\"junk\":\"1x\",\"empty\":\"\",\"sp\":\" 1\",\"plus\":\"+1\","
    "\"hex\":\"0x10\",\"dec\":\"1.0\","
    "\"i64min\":\"-9223372036854775808\",\"i64max\":\"9223372036854775807\","
    "\"i64ovf\":\"9223372036854775808\",\"i64unf\":\"-9223372036854775809\","
    "\"u32max\":4294967295,\"u32ovf\":4294967296,"
    "\"u32maxs\":\"4294967295\",\"u32ovfs\":\"4294967296\","
    "\"dup\":1,\"dup\":2,\"Case\":7}";

static cJSON *doc;

static void
doc_setup(void)
{
	char	 err[128];

	doc = json_parse(doc_text, strlen(doc_text), err, sizeof(err));
	ck_assert_msg(doc != NULL, "%s", err);
}

static void
doc_teardown(void)
{
	cJSON_Delete(doc);
	doc = NULL;
}

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_parse_bounded)
{
	static const char text[] = "{\"a\":1}garbage";
	char		 err[128] = "";
	cJSON		*r;
	uint64_t	 v = 0;

	/* Only len bytes are read: the garbage after them is not seen. */
	r = json_parse(text, 7, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(json_get_u64(r, "a", &v), 0);
	ck_assert_uint_eq(v, 1);
	cJSON_Delete(r);

	/* Trailing JSON whitespace is fine; the buffer need not end in NUL. */
	r = json_parse("[1] \n\t\r", 7, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	cJSON_Delete(r);
	r = json_parse("  {}  ", 6, NULL, 0);
	ck_assert_ptr_nonnull(r);
	cJSON_Delete(r);
}
END_TEST

START_TEST(test_get_scalars)
{
	const char	*s = NULL;
	uint64_t	 u = POISON_U64;
	int64_t		 i = POISON_I64;
	uint32_t	 w = POISON_U32;
	int		 b = 42;

	ck_assert_int_eq(json_get_str(doc, "s", &s), 0);
	ck_assert_str_eq(s, "str");
	ck_assert_int_eq(json_get_str(doc, "empty", &s), 0);
	ck_assert_str_eq(s, "");
	ck_assert_int_eq(json_get_u64(doc, "n", &u), 0);
	ck_assert_uint_eq(u, 42);
	ck_assert_int_eq(json_get_u64(doc, "zero", &u), 0);
	ck_assert_uint_eq(u, 0);
	ck_assert_int_eq(json_get_u64(doc, "u64max", &u), 0);
	ck_assert_uint_eq(u, UINT64_MAX);
	ck_assert_int_eq(json_get_i64(doc, "neg", &i), 0);
	ck_assert_int_eq(i, -1);
	ck_assert_int_eq(json_get_i64(doc, "m1", &i), 0);
	ck_assert_int_eq(i, -1);
	ck_assert_int_eq(json_get_i64(doc, "n", &i), 0);
	ck_assert_int_eq(i, 42);
	ck_assert_int_eq(json_get_i64(doc, "i64min", &i), 0);
	ck_assert_int_eq(i, INT64_MIN);
	ck_assert_int_eq(json_get_i64(doc, "i64max", &i), 0);
	ck_assert_int_eq(i, INT64_MAX);
	ck_assert_int_eq(json_get_u32(doc, "n", &w), 0);
	ck_assert_uint_eq(w, 42);
	ck_assert_int_eq(json_get_bool(doc, "t", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(json_get_bool(doc, "f", &b), 0);
	ck_assert_int_eq(b, 0);
	/* Keys are case-sensitive; the first of duplicate keys wins. */
	ck_assert_int_eq(json_get_u64(doc, "Case", &u), 0);
	ck_assert_uint_eq(u, 7);
	ck_assert_int_eq(json_get_u64(doc, "case", &u), -ENOENT);
	ck_assert_int_eq(json_get_u64(doc, "dup", &u), 0);
	ck_assert_uint_eq(u, 1);
}
END_TEST

START_TEST(test_get_containers)
{
	const cJSON	*a = NULL, *o = NULL;
	uint64_t	 k = 0;

	ck_assert_int_eq(json_get_array(doc, "arr", &a), 0);
	ck_assert_int_eq(cJSON_GetArraySize(a), 2);
	ck_assert_int_eq(json_get_object(doc, "obj", &o), 0);
	ck_assert_int_eq(json_get_u64(o, "k", &k), 0);
	ck_assert_uint_eq(k, 1);
}
END_TEST

START_TEST(test_setters_round_trip)
{
	cJSON		*o, *r;
	char		*text, err[128];
	const char	*s;
	uint64_t	 u = 0;
	int64_t		 i = 0;
	uint32_t	 w = 0;
	int		 b = -1;

	o = json_new_object();
	json_add_str(o, "s", "a \"quoted\"\n string");
	json_add_u64(o, "u", UINT64_MAX);
	json_add_i64(o, "i", INT64_MIN);
	json_add_i64(o, "j", 5);
	json_add_num(o, "n", 12.5);
	json_add_num(o, "w", 4294967295.0);
	json_add_bool(o, "b", 7);
	json_add_bool(o, "c", 0);
	cJSON_AddItemToObject(o, "a", json_new_array());
	text = json_print(o);
	/* 64-bit integers travel as strings. */
	ck_assert_str_eq(text, "{\"s\":\"a \\\"quoted\\\"\\n string\","
	    "\"u\":\"18446744073709551615\",\"i\":\"-9223372036854775808\","
	    "\"j\":\"5\",\"n\":12.5,\"w\":4294967295,\"b\":true,\"c\":false,"
	    "\"a\":[]}");
	r = json_parse(text, strlen(text), err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_eq(json_get_str(r, "s", &s), 0);
	ck_assert_str_eq(s, "a \"quoted\"\n string");
	ck_assert_int_eq(json_get_u64(r, "u", &u), 0);
	ck_assert_uint_eq(u, UINT64_MAX);
	ck_assert_int_eq(json_get_i64(r, "i", &i), 0);
	ck_assert_int_eq(i, INT64_MIN);
	ck_assert_int_eq(json_get_u32(r, "w", &w), 0);
	ck_assert_uint_eq(w, UINT32_MAX);
	ck_assert_int_eq(json_get_bool(r, "b", &b), 0);
	ck_assert_int_eq(b, 1);
	free(text);
	cJSON_Delete(r);
	cJSON_Delete(o);
}
END_TEST

/* json_add_uint: plain JSON numbers that a parse reads back exactly. */
START_TEST(test_add_uint)
{
	cJSON		*o, *r;
	char		*text, err[128];
	uint64_t	 u = 0;
	uint32_t	 w = 0;

	o = json_new_object();
	json_add_uint(o, "zero", 0);
	json_add_uint(o, "mode", 0100644);
	json_add_uint(o, "u32", UINT32_MAX);
	json_add_uint(o, "max", JSON_UINT_MAX);
	text = json_print(o);
	ck_assert_str_eq(text, "{\"zero\":0,\"mode\":33188,"
	    "\"u32\":4294967295,\"max\":9007199254740991}");
	r = json_parse(text, strlen(text), err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_eq(json_get_u32(r, "mode", &w), 0);
	ck_assert_uint_eq(w, 0100644);
	ck_assert_int_eq(json_get_u32(r, "u32", &w), 0);
	ck_assert_uint_eq(w, UINT32_MAX);
	ck_assert_int_eq(json_get_u64(r, "max", &u), 0);
	ck_assert_uint_eq(u, JSON_UINT_MAX);
	ck_assert_int_eq(json_get_u64(r, "zero", &u), 0);
	ck_assert_uint_eq(u, 0);
	free(text);
	cJSON_Delete(r);
	cJSON_Delete(o);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

static const struct {
	const char	*text;
	size_t		 len;
	const char	*err;		/* the message, with its offset */
} parse_bad[] = {
	{ "", 0, "empty JSON text (offset 0)" },
	{ "   ", 3, "invalid JSON at offset 2" },
	{ "{", 1, "invalid JSON at offset 0" },
	{ "{\"a\":}", 6, "invalid JSON at offset 5" },
	{ "[1,]", 4, "invalid JSON at offset 3" },
	{ "nul", 3, "invalid JSON at offset 0" },
	{ "\"abc", 4, "invalid JSON at offset 1" },
	{ "{\"a\":1}", 6, "invalid JSON at offset 5" },	/* cut by len */
	{ "{} x", 4, "unexpected data after JSON value at offset 3" },
	{ "{}{}", 4, "unexpected data after JSON value at offset 2" },
	{ "1.5e", 4, "unexpected data after JSON value at offset 3" },
	{ "[1]\0[2]", 7, "unexpected data after JSON value at offset 3" },
	{ "[1] \0", 5, "unexpected data after JSON value at offset 4" },
};

START_TEST(test_parse_bad)
{
	char	 err[128];
	cJSON	*r;

	memset(err, 0, sizeof(err));
	r = json_parse(parse_bad[_i].text, parse_bad[_i].len, err,
	    sizeof(err));
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err, parse_bad[_i].err);
	/* No error buffer: still refused, nothing written. */
	ck_assert_ptr_null(json_parse(parse_bad[_i].text, parse_bad[_i].len,
	    NULL, 0));
}
END_TEST

START_TEST(test_parse_null_pointer)
{
	char	 err[8];

	ck_assert_ptr_null(json_parse(NULL, 0, err, sizeof(err)));
	/* A short err buffer is truncated, never overrun. */
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
}
END_TEST

enum getter { G_STR, G_U64, G_I64, G_U32, G_BOOL, G_ARRAY, G_OBJECT };

static const struct {
	enum getter	 g;
	const char	*key;
	int		 err;
} get_bad[] = {
	{ G_STR, "missing", -ENOENT },
	{ G_STR, "nul", -ENOENT },
	{ G_STR, "n", -EINVAL },
	{ G_STR, "t", -EINVAL },
	{ G_STR, "arr", -EINVAL },
	{ G_STR, "obj", -EINVAL },
	{ G_U64, "missing", -ENOENT },
	{ G_U64, "nul", -ENOENT },
	{ G_U64, "s", -EINVAL },
	{ G_U64, "neg", -EINVAL },
	{ G_U64, "frac", -EINVAL },
	{ G_U64, "big", -EINVAL },
	{ G_U64, "huge", -EINVAL },
	{ G_U64, "t", -EINVAL },
	{ G_U64, "arr", -EINVAL },
	{ G_U64, "obj", -EINVAL },
	{ G_U64, "m1", -EINVAL },
	{ G_U64, "junk", -EINVAL },
	{ G_U64, "empty", -EINVAL },
	{ G_U64, "sp", -EINVAL },
	{ G_U64, "plus", -EINVAL },
	{ G_U64, "hex", -EINVAL },
	{ G_U64, "dec", -EINVAL },
	{ G_U64, "u64ovf", -EINVAL },
	{ G_I64, "missing", -ENOENT },
	{ G_I64, "nul", -ENOENT },
	{ G_I64, "s", -EINVAL },
	{ G_I64, "frac", -EINVAL },
	{ G_I64, "big", -EINVAL },
	{ G_I64, "negbig", -EINVAL },
	{ G_I64, "huge", -EINVAL },
	{ G_I64, "f", -EINVAL },
	{ G_I64, "junk", -EINVAL },
	{ G_I64, "empty", -EINVAL },
	{ G_I64, "plus", -EINVAL },
	{ G_I64, "i64ovf", -EINVAL },
	{ G_I64, "i64unf", -EINVAL },
	{ G_I64, "u64max", -EINVAL },
	{ G_U32, "missing", -ENOENT },
	{ G_U32, "nul", -ENOENT },
	{ G_U32, "u32ovf", -EINVAL },
	{ G_U32, "u32ovfs", -EINVAL },
	{ G_U32, "neg", -EINVAL },
	{ G_U32, "frac", -EINVAL },
	{ G_U32, "m1", -EINVAL },
	{ G_U32, "s", -EINVAL },
	{ G_BOOL, "missing", -ENOENT },
	{ G_BOOL, "nul", -ENOENT },
	{ G_BOOL, "n", -EINVAL },
	{ G_BOOL, "zero", -EINVAL },
	{ G_BOOL, "s", -EINVAL },
	{ G_ARRAY, "missing", -ENOENT },
	{ G_ARRAY, "nul", -ENOENT },
	{ G_ARRAY, "obj", -EINVAL },
	{ G_ARRAY, "s", -EINVAL },
	{ G_OBJECT, "missing", -ENOENT },
	{ G_OBJECT, "nul", -ENOENT },
	{ G_OBJECT, "arr", -EINVAL },
	{ G_OBJECT, "n", -EINVAL },
};

/* Calls getter g; *changed tells whether the output was written. */
static int
call_getter(const cJSON *o, enum getter g, const char *key, int *changed)
{
	const char	*s = (const char *)1;
	const cJSON	*c = (const cJSON *)1;
	uint64_t	 u = POISON_U64;
	int64_t		 i = POISON_I64;
	uint32_t	 w = POISON_U32;
	int		 b = 42, rc = 0;

	switch (g) {
	case G_STR:
		rc = json_get_str(o, key, &s);
		break;
	case G_U64:
		rc = json_get_u64(o, key, &u);
		break;
	case G_I64:
		rc = json_get_i64(o, key, &i);
		break;
	case G_U32:
		rc = json_get_u32(o, key, &w);
		break;
	case G_BOOL:
		rc = json_get_bool(o, key, &b);
		break;
	case G_ARRAY:
		rc = json_get_array(o, key, &c);
		break;
	case G_OBJECT:
		rc = json_get_object(o, key, &c);
		break;
	}
	*changed = s != (const char *)1 || c != (const cJSON *)1 ||
	    u != POISON_U64 || i != POISON_I64 || w != POISON_U32 || b != 42;
	return rc;
}

START_TEST(test_get_bad)
{
	int	 changed, rc;

	rc = call_getter(doc, get_bad[_i].g, get_bad[_i].key, &changed);
	ck_assert_msg(rc == get_bad[_i].err, "getter %d key \"%s\": got %d, "
	    "want %d", (int)get_bad[_i].g, get_bad[_i].key, rc,
	    get_bad[_i].err);
	ck_assert_msg(!changed, "output written on error");
}
END_TEST

/* A field asked of something that is not an object is a type error. */
START_TEST(test_get_not_object)
{
	const cJSON	*arr = NULL;
	int		 changed;

	ck_assert_int_eq(json_get_array(doc, "arr", &arr), 0);
	ck_assert_int_eq(call_getter(arr, (enum getter)_i, "k", &changed),
	    -EINVAL);
	ck_assert(!changed);
	ck_assert_int_eq(call_getter(NULL, (enum getter)_i, "k", &changed),
	    -EINVAL);
	ck_assert(!changed);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

START_TEST(test_exact_numbers)
{
	uint64_t	 u = 0;
	int64_t		 i = 0;
	uint32_t	 w = 0;

	ck_assert_int_eq(json_get_u64(doc, "maxexact", &u), 0);
	ck_assert_uint_eq(u, UINT64_C(9007199254740991));
	ck_assert_int_eq(json_get_i64(doc, "maxexact", &i), 0);
	ck_assert_int_eq(i, INT64_C(9007199254740991));
	ck_assert_int_eq(json_get_i64(doc, "minexact", &i), 0);
	ck_assert_int_eq(i, INT64_C(-9007199254740991));
	ck_assert_int_eq(json_get_u64(doc, "exp", &u), 0);
	ck_assert_uint_eq(u, 1000);
	ck_assert_int_eq(json_get_u64(doc, "negzero", &u), 0);
	ck_assert_uint_eq(u, 0);
	ck_assert_int_eq(json_get_u32(doc, "u32max", &w), 0);
	ck_assert_uint_eq(w, UINT32_MAX);
	ck_assert_int_eq(json_get_u32(doc, "u32maxs", &w), 0);
	ck_assert_uint_eq(w, UINT32_MAX);
}
END_TEST

/* Past 2^53 a number would lose digits in a double: a caller's bug. */
START_TEST(test_add_uint_too_large)
{
	cJSON	*o = json_new_object();

	json_add_uint(o, "big", JSON_UINT_MAX + 1);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_deep_nesting)
{
	size_t	 n = 5000, i;
	char	*text = malloc(2 * n), err[128];

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < n; i++) {
		text[i] = '[';
		text[n + i] = ']';
	}
	/* cJSON's nesting limit refuses it instead of overflowing the stack. */
	ck_assert_ptr_null(json_parse(text, 2 * n, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "invalid JSON at offset "));
	free(text);
}
END_TEST

START_TEST(test_large_string)
{
	size_t		 n = 1024 * 1024, i;
	char		*text = malloc(n + 2), err[128];
	cJSON		*o;

	ck_assert_ptr_nonnull(text);
	text[0] = '"';
	for (i = 1; i <= n; i++)
		text[i] = 'x';
	text[n + 1] = '"';
	o = json_parse(text, n + 2, err, sizeof(err));
	ck_assert_msg(o != NULL, "%s", err);
	ck_assert(cJSON_IsString(o));
	ck_assert_uint_eq(strlen(o->valuestring), n);
	cJSON_Delete(o);
	/* Cut one byte short: the closing quote is never read. */
	ck_assert_ptr_null(json_parse(text, n + 1, err, sizeof(err)));
	free(text);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite	*s = suite_create("json");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, doc_setup, doc_teardown);
	tcase_add_test(tc, test_parse_bounded);
	tcase_add_test(tc, test_get_scalars);
	tcase_add_test(tc, test_get_containers);
	tcase_add_test(tc, test_setters_round_trip);
	tcase_add_test(tc, test_add_uint);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, doc_setup, doc_teardown);
	tcase_add_loop_test(tc, test_parse_bad, 0,
	    sizeof(parse_bad) / sizeof(parse_bad[0]));
	tcase_add_test(tc, test_parse_null_pointer);
	tcase_add_loop_test(tc, test_get_bad, 0,
	    sizeof(get_bad) / sizeof(get_bad[0]));
	tcase_add_loop_test(tc, test_get_not_object, G_STR, G_OBJECT + 1);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, doc_setup, doc_teardown);
	tcase_add_test(tc, test_exact_numbers);
	tcase_add_exit_test(tc, test_add_uint_too_large, 1);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_large_string);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(json_suite());
}
