/*
 * check_strnum: tables of good and bad inputs for every strnum parser; each
 * bad input expects its exact error (-EINVAL for junk, -ERANGE for a number
 * outside its bounds) and an untouched output.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/strnum.h"
#include "tests/lib/check_main.h"

#define POISON_U64	UINT64_C(0xdeadbeefdeadbeef)
#define POISON_I64	INT64_C(-1234567)
#define POISON_BOOL	42

/* ---- parse_u64 ---------------------------------------------------------- */

static const struct {
	const char	*s;
	uint64_t	 min, max, want;
} u64_good[] = {
	{ "0", 0, UINT64_MAX, 0 },
	{ "1", 0, UINT64_MAX, 1 },
	{ "42", 0, 100, 42 },
	{ "007", 0, 100, 7 },
	{ "100", 0, 100, 100 },		/* max is inclusive */
	{ "5", 5, 10, 5 },		/* min is inclusive */
	{ "4294967296", 0, UINT64_MAX, UINT64_C(4294967296) },
	{ "18446744073709551615", 0, UINT64_MAX, UINT64_MAX },
	{ "18446744073709551615", UINT64_MAX, UINT64_MAX, UINT64_MAX },
};

static const struct {
	const char	*s;
	uint64_t	 min, max;
	int		 err;
} u64_bad[] = {
	{ "", 0, UINT64_MAX, -EINVAL },
	{ " 1", 0, UINT64_MAX, -EINVAL },
	{ "1 ", 0, UINT64_MAX, -EINVAL },
	{ "\t1", 0, UINT64_MAX, -EINVAL },
	{ "1\n", 0, UINT64_MAX, -EINVAL },
	{ "+1", 0, UINT64_MAX, -EINVAL },
	{ "-1", 0, UINT64_MAX, -EINVAL },
	{ "-0", 0, UINT64_MAX, -EINVAL },
	{ "0x10", 0, UINT64_MAX, -EINVAL },
	{ "1e3", 0, UINT64_MAX, -EINVAL },
	{ "1.0", 0, UINT64_MAX, -EINVAL },
	{ "12abc", 0, UINT64_MAX, -EINVAL },
	{ "abc", 0, UINT64_MAX, -EINVAL },
	{ "1,000", 0, UINT64_MAX, -EINVAL },
	{ "4K", 0, UINT64_MAX, -EINVAL },	/* suffixes are parse_size's */
	{ "99999999999999999999x", 0, UINT64_MAX, -EINVAL },
	{ "18446744073709551616", 0, UINT64_MAX, -ERANGE },
	{ "99999999999999999999", 0, UINT64_MAX, -ERANGE },
	{ "184467440737095516150", 0, UINT64_MAX, -ERANGE },
	{ "101", 0, 100, -ERANGE },
	{ "4", 5, 10, -ERANGE },
	{ "0", 1, 10, -ERANGE },
};

START_TEST(test_u64_good)
{
	uint64_t v = POISON_U64;

	ck_assert_int_eq(parse_u64(u64_good[_i].s, u64_good[_i].min,
	    u64_good[_i].max, &v), 0);
	ck_assert_uint_eq(v, u64_good[_i].want);
}
END_TEST

START_TEST(test_u64_bad)
{
	uint64_t v = POISON_U64;

	ck_assert_msg(parse_u64(u64_bad[_i].s, u64_bad[_i].min,
	    u64_bad[_i].max, &v) == u64_bad[_i].err,
	    "input \"%s\"", u64_bad[_i].s);
	ck_assert_uint_eq(v, POISON_U64);
}
END_TEST

/* ---- parse_i64 ---------------------------------------------------------- */

static const struct {
	const char	*s;
	int64_t		 min, max, want;
} i64_good[] = {
	{ "0", INT64_MIN, INT64_MAX, 0 },
	{ "-0", INT64_MIN, INT64_MAX, 0 },
	{ "17", INT64_MIN, INT64_MAX, 17 },
	{ "-17", INT64_MIN, INT64_MAX, -17 },
	{ "-10", -10, 10, -10 },
	{ "10", -10, 10, 10 },
	{ "9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX },
	{ "-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN },
	{ "-9223372036854775807", INT64_MIN, INT64_MAX, INT64_MIN + 1 },
};

static const struct {
	const char	*s;
	int64_t		 min, max;
	int		 err;
} i64_bad[] = {
	{ "", INT64_MIN, INT64_MAX, -EINVAL },
	{ "-", INT64_MIN, INT64_MAX, -EINVAL },
	{ "+1", INT64_MIN, INT64_MAX, -EINVAL },
	{ "--1", INT64_MIN, INT64_MAX, -EINVAL },
	{ "- 1", INT64_MIN, INT64_MAX, -EINVAL },
	{ " -1", INT64_MIN, INT64_MAX, -EINVAL },
	{ "-1 ", INT64_MIN, INT64_MAX, -EINVAL },
	{ "1-", INT64_MIN, INT64_MAX, -EINVAL },
	{ "0x1", INT64_MIN, INT64_MAX, -EINVAL },
	{ "-1a", INT64_MIN, INT64_MAX, -EINVAL },
	{ "9223372036854775808", INT64_MIN, INT64_MAX, -ERANGE },
	{ "-9223372036854775809", INT64_MIN, INT64_MAX, -ERANGE },
	{ "-99999999999999999999", INT64_MIN, INT64_MAX, -ERANGE },
	{ "11", -10, 10, -ERANGE },
	{ "-11", -10, 10, -ERANGE },
	{ "-1", 0, 10, -ERANGE },
};

START_TEST(test_i64_good)
{
	int64_t v = POISON_I64;

	ck_assert_int_eq(parse_i64(i64_good[_i].s, i64_good[_i].min,
	    i64_good[_i].max, &v), 0);
	ck_assert_int_eq(v, i64_good[_i].want);
}
END_TEST

START_TEST(test_i64_bad)
{
	int64_t v = POISON_I64;

	ck_assert_msg(parse_i64(i64_bad[_i].s, i64_bad[_i].min,
	    i64_bad[_i].max, &v) == i64_bad[_i].err,
	    "input \"%s\"", i64_bad[_i].s);
	ck_assert_int_eq(v, POISON_I64);
}
END_TEST

/* ---- parse_hex_u64 ------------------------------------------------------ */

static const struct {
	const char	*s;
	uint64_t	 want;
} hex_good[] = {
	{ "0", 0 },
	{ "1", 1 },
	{ "a", 10 },
	{ "ff", 255 },
	{ "00ff", 255 },
	{ "deadbeef", UINT64_C(0xdeadbeef) },
	{ "0123456789abcdef", UINT64_C(0x0123456789abcdef) },
	{ "ffffffffffffffff", UINT64_MAX },
	{ "0000000000000001", 1 },
};

static const struct {
	const char	*s;
	int		 err;
} hex_bad[] = {
	{ "", -EINVAL },
	{ "0x1", -EINVAL },
	{ "FF", -EINVAL },
	{ "aB", -EINVAL },
	{ "g", -EINVAL },
	{ " 1", -EINVAL },
	{ "1 ", -EINVAL },
	{ "-1", -EINVAL },
	{ "+1", -EINVAL },
	{ "12345678901234567z", -EINVAL },
	{ "10000000000000000", -ERANGE },
	{ "00000000000000001", -ERANGE },
};

START_TEST(test_hex_good)
{
	uint64_t v = POISON_U64;

	ck_assert_int_eq(parse_hex_u64(hex_good[_i].s, &v), 0);
	ck_assert_uint_eq(v, hex_good[_i].want);
}
END_TEST

START_TEST(test_hex_bad)
{
	uint64_t v = POISON_U64;

	ck_assert_msg(parse_hex_u64(hex_bad[_i].s, &v) == hex_bad[_i].err,
	    "input \"%s\"", hex_bad[_i].s);
	ck_assert_uint_eq(v, POISON_U64);
}
END_TEST

/* ---- parse_size --------------------------------------------------------- */

static const struct {
	const char	*s;
	uint64_t	 min, max, want;
} size_good[] = {
	{ "0", 0, UINT64_MAX, 0 },
	{ "512", 0, UINT64_MAX, 512 },
	{ "0K", 0, UINT64_MAX, 0 },
	{ "1K", 0, UINT64_MAX, 1024 },
	{ "4M", 0, UINT64_MAX, UINT64_C(4) << 20 },
	{ "3G", 0, UINT64_MAX, UINT64_C(3) << 30 },
	{ "2T", 0, UINT64_MAX, UINT64_C(2) << 40 },
	{ "16777215T", 0, UINT64_MAX, UINT64_C(16777215) << 40 },
	{ "1M", UINT64_C(1) << 20, UINT64_C(1) << 20, UINT64_C(1) << 20 },
	{ "18446744073709551615", 0, UINT64_MAX, UINT64_MAX },
};

static const struct {
	const char	*s;
	uint64_t	 min, max;
	int		 err;
} size_bad[] = {
	{ "", 0, UINT64_MAX, -EINVAL },
	{ "K", 0, UINT64_MAX, -EINVAL },
	{ "4k", 0, UINT64_MAX, -EINVAL },
	{ "4KB", 0, UINT64_MAX, -EINVAL },
	{ "4KiB", 0, UINT64_MAX, -EINVAL },
	{ "4 M", 0, UINT64_MAX, -EINVAL },
	{ " 4M", 0, UINT64_MAX, -EINVAL },
	{ "4M ", 0, UINT64_MAX, -EINVAL },
	{ "4P", 0, UINT64_MAX, -EINVAL },
	{ "4MM", 0, UINT64_MAX, -EINVAL },
	{ "-4M", 0, UINT64_MAX, -EINVAL },
	{ "+4M", 0, UINT64_MAX, -EINVAL },
	{ "1.5M", 0, UINT64_MAX, -EINVAL },
	{ "0x10", 0, UINT64_MAX, -EINVAL },
	{ "16777216T", 0, UINT64_MAX, -ERANGE },
	{ "17179869184G", 0, UINT64_MAX, -ERANGE },
	{ "99999999999999999999K", 0, UINT64_MAX, -ERANGE },
	{ "18446744073709551616", 0, UINT64_MAX, -ERANGE },
	{ "2M", 0, UINT64_C(1) << 20, -ERANGE },
	{ "1023", 1024, UINT64_MAX, -ERANGE },
};

START_TEST(test_size_good)
{
	uint64_t v = POISON_U64;

	ck_assert_int_eq(parse_size(size_good[_i].s, size_good[_i].min,
	    size_good[_i].max, &v), 0);
	ck_assert_uint_eq(v, size_good[_i].want);
}
END_TEST

START_TEST(test_size_bad)
{
	uint64_t v = POISON_U64;

	ck_assert_msg(parse_size(size_bad[_i].s, size_bad[_i].min,
	    size_bad[_i].max, &v) == size_bad[_i].err,
	    "input \"%s\"", size_bad[_i].s);
	ck_assert_uint_eq(v, POISON_U64);
}
END_TEST

/* ---- parse_bool --------------------------------------------------------- */

static const struct {
	const char	*s;
	int		 want;
} bool_good[] = {
	{ "true", 1 }, { "yes", 1 }, { "on", 1 }, { "1", 1 },
	{ "false", 0 }, { "no", 0 }, { "off", 0 }, { "0", 0 },
};

static const char *const bool_bad[] = {
	"", "2", "TRUE", "True", "y", "n", "t", "f", " true", "true ",
	"truex", "-1", "01", "nope",
};

START_TEST(test_bool_good)
{
	int v = POISON_BOOL;

	ck_assert_int_eq(parse_bool(bool_good[_i].s, &v), 0);
	ck_assert_int_eq(v, bool_good[_i].want);
}
END_TEST

START_TEST(test_bool_bad)
{
	int v = POISON_BOOL;

	ck_assert_msg(parse_bool(bool_bad[_i], &v) == -EINVAL,
	    "input \"%s\"", bool_bad[_i]);
	ck_assert_int_eq(v, POISON_BOOL);
}
END_TEST

/* ---- limits: NULL and the edges of the types ----------------------------- */

START_TEST(test_null)
{
	uint64_t u = POISON_U64;
	int64_t i = POISON_I64;
	int b = POISON_BOOL;

	ck_assert_int_eq(parse_u64(NULL, 0, UINT64_MAX, &u), -EINVAL);
	ck_assert_int_eq(parse_i64(NULL, INT64_MIN, INT64_MAX, &i), -EINVAL);
	ck_assert_int_eq(parse_hex_u64(NULL, &u), -EINVAL);
	ck_assert_int_eq(parse_size(NULL, 0, UINT64_MAX, &u), -EINVAL);
	ck_assert_int_eq(parse_bool(NULL, &b), -EINVAL);
	ck_assert_uint_eq(u, POISON_U64);
	ck_assert_int_eq(i, POISON_I64);
	ck_assert_int_eq(b, POISON_BOOL);
}
END_TEST

START_TEST(test_long_zeros)
{
	/* Leading zeros do not overflow: only the value counts. */
	uint64_t v = POISON_U64;

	ck_assert_int_eq(parse_u64("000000000000000000000000000000042", 0,
	    UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(parse_size("00000000000000000000000001T", 0,
	    UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_C(1) << 40);
}
END_TEST

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
strnum_suite(void)
{
	Suite *s = suite_create("strnum");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_u64_good, 0, N(u64_good));
	tcase_add_loop_test(tc, test_i64_good, 0, N(i64_good));
	tcase_add_loop_test(tc, test_hex_good, 0, N(hex_good));
	tcase_add_loop_test(tc, test_size_good, 0, N(size_good));
	tcase_add_loop_test(tc, test_bool_good, 0, N(bool_good));
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_u64_bad, 0, N(u64_bad));
	tcase_add_loop_test(tc, test_i64_bad, 0, N(i64_bad));
	tcase_add_loop_test(tc, test_hex_bad, 0, N(hex_bad));
	tcase_add_loop_test(tc, test_size_bad, 0, N(size_bad));
	tcase_add_loop_test(tc, test_bool_bad, 0, N(bool_bad));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_long_zeros);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(strnum_suite());
}
