/*
 * check_names: which directory entry names pass, and the exact error of each
 * kind of bad name, at the 255-byte limit and around it; which dataserver
 * ids pass, at the MDFS_NODE_ID_MAX limit and around it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "common/protocol.h"
#include "tests/lib/check_main.h"

/* ---- core ---------------------------------------------------------------- */

static const char *const good[] = {
	"a", "file.txt", "...", ".hidden", "..x", "x..", ". ", " ", "-",
	"with space", "tab\there", "line\nbreak", "\xc3\xa9t\xc3\xa9",
	"\xff\xfe", "*", "\\", "a:b",
};

START_TEST(test_good)
{
	ck_assert_int_eq(names_valid_str(good[_i]), 0);
	ck_assert_int_eq(names_valid(good[_i], strlen(good[_i])), 0);
}
END_TEST

/* Only len bytes count: the rest of the string is not looked at. */
START_TEST(test_len_prefix)
{
	ck_assert_int_eq(names_valid("ab/cd", 2), 0);
	ck_assert_int_eq(names_valid("...", 1), -EINVAL);
	ck_assert_int_eq(names_valid("...", 2), -EINVAL);
	ck_assert_int_eq(names_valid("...", 3), 0);
}
END_TEST

static const char *const good_ids[] = {
	"d1", "A.b_c-9", "0", "-", ".", "..", "node-01.rack_2", "ZZZ",
};

START_TEST(test_node_id_good)
{
	ck_assert_int_eq(names_node_id_valid(good_ids[_i]), 1);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

static const char *const bad_ids[] = {
	"", "a b", "a/b", "a%2fb", "a:b", "a\tb", "a\nb", "\xc3\xa9",
	"a+b", "a=b", "a@b", "a\\b", "a*", "/", " ",
};

START_TEST(test_node_id_bad)
{
	ck_assert_int_eq(names_node_id_valid(bad_ids[_i]), 0);
}
END_TEST

START_TEST(test_node_id_null)
{
	ck_assert_int_eq(names_node_id_valid(NULL), 0);
}
END_TEST

static const struct {
	const char	*name;
	size_t		 len;
	int		 err;
} bad[] = {
	{ "", 0, -EINVAL },
	{ ".", 1, -EINVAL },
	{ "..", 2, -EINVAL },
	{ "/", 1, -EINVAL },
	{ "a/b", 3, -EINVAL },
	{ "a/", 2, -EINVAL },
	{ "/a", 2, -EINVAL },
	{ "./", 2, -EINVAL },
	{ "a\0b", 3, -EINVAL },
	{ "a\0", 2, -EINVAL },
	{ "\0", 1, -EINVAL },
	{ "x", 0, -EINVAL },
};

START_TEST(test_bad)
{
	ck_assert_int_eq(names_valid(bad[_i].name, bad[_i].len), bad[_i].err);
}
END_TEST

static const char *const bad_str[] = { "", ".", "..", "/", "a/b", "../x" };

START_TEST(test_bad_str)
{
	ck_assert_int_eq(names_valid_str(bad_str[_i]), -EINVAL);
}
END_TEST

START_TEST(test_null)
{
	ck_assert_int_eq(names_valid(NULL, 3), -EINVAL);
	ck_assert_int_eq(names_valid_str(NULL), -EINVAL);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

/* MDFS_NODE_ID_MAX bytes pass, one more fails whatever the bytes are. */
START_TEST(test_node_id_lengths)
{
	char	 id[MDFS_NODE_ID_MAX + 2];

	memset(id, 'n', sizeof(id) - 1);
	id[MDFS_NODE_ID_MAX] = '\0';
	ck_assert_int_eq(names_node_id_valid(id), 1);
	id[MDFS_NODE_ID_MAX - 1] = '/';
	ck_assert_int_eq(names_node_id_valid(id), 0);
	id[MDFS_NODE_ID_MAX - 1] = 'n';
	id[MDFS_NODE_ID_MAX] = 'n';
	id[MDFS_NODE_ID_MAX + 1] = '\0';
	ck_assert_int_eq(names_node_id_valid(id), 0);
}
END_TEST

static const struct {
	size_t	 len;
	int	 err;
} lengths[] = {
	{ 1, 0 }, { 254, 0 }, { NAMES_MAX, 0 }, { NAMES_MAX + 1, -ENAMETOOLONG },
	{ 4096, -ENAMETOOLONG }, { 100000, -ENAMETOOLONG },
};

START_TEST(test_lengths)
{
	size_t	 n = lengths[_i].len;
	char	*s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, 'n', n);
	s[n] = '\0';
	ck_assert_int_eq(names_valid(s, n), lengths[_i].err);
	ck_assert_int_eq(names_valid_str(s), lengths[_i].err);
	/* Too long wins over a bad byte: the kernel's order. */
	if (n > NAMES_MAX) {
		s[0] = '/';
		ck_assert_int_eq(names_valid(s, n), -ENAMETOOLONG);
	} else {
		s[n - 1] = '/';
		ck_assert_int_eq(names_valid(s, n), -EINVAL);
	}
	free(s);
}
END_TEST

static Suite *
names_suite(void)
{
	Suite	*s = suite_create("names");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_test(tc, test_len_prefix);
	tcase_add_loop_test(tc, test_node_id_good, 0,
	    sizeof(good_ids) / sizeof(good_ids[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_loop_test(tc, test_bad_str, 0,
	    sizeof(bad_str) / sizeof(bad_str[0]));
	tcase_add_test(tc, test_null);
	tcase_add_loop_test(tc, test_node_id_bad, 0,
	    sizeof(bad_ids) / sizeof(bad_ids[0]));
	tcase_add_test(tc, test_node_id_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_lengths, 0,
	    sizeof(lengths) / sizeof(lengths[0]));
	tcase_add_test(tc, test_node_id_lengths);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(names_suite());
}
