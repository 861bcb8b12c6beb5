/*
 * check_log: level names, the line format, that lines below the level are
 * dropped, that log_warn appends strerror(errno) and that every call keeps
 * errno.  stderr is captured by dup2() onto a temporary file.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "tests/lib/check_main.h"

#define IDENT	"ckident"

static int	 saved_stderr = -1;
static int	 cap_fd = -1;
static char	 cap_path[] = "/tmp/check_log.XXXXXX";
static char	 captured[16384];

static void
capture_setup(void)
{
	strcpy(cap_path, "/tmp/check_log.XXXXXX");
	cap_fd = mkstemp(cap_path);
	ck_assert_int_ge(cap_fd, 0);
	/* Unlinked at once: the exit tests never reach the teardown. */
	ck_assert_int_eq(unlink(cap_path), 0);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_eq(dup2(cap_fd, STDERR_FILENO), STDERR_FILENO);
	log_init(IDENT, LOG_LEVEL_DEBUG, 0);
}

static void
capture_teardown(void)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	close(cap_fd);
}

/* Everything logged so far, NUL-terminated in captured. */
static const char *
logged(void)
{
	ssize_t	 n;

	n = pread(cap_fd, captured, sizeof(captured) - 1, 0);
	ck_assert_int_ge(n, 0);
	captured[n] = '\0';
	return captured;
}

static int
count_lines(const char *s)
{
	int	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* ---- core ---------------------------------------------------------------- */

static const struct {
	const char	*s;
	enum log_level	 level;
} levels[] = {
	{ "error", LOG_LEVEL_ERROR },
	{ "warn", LOG_LEVEL_WARN },
	{ "info", LOG_LEVEL_INFO },
	{ "debug", LOG_LEVEL_DEBUG },
	{ "DEBUG", LOG_LEVEL_DEBUG },
	{ "Warn", LOG_LEVEL_WARN },
};

START_TEST(test_parse_level)
{
	enum log_level	 l = (enum log_level)99;

	ck_assert_int_eq(log_parse_level(levels[_i].s, &l), 0);
	ck_assert_int_eq(l, levels[_i].level);
}
END_TEST

START_TEST(test_set_get_level)
{
	log_setlevel(LOG_LEVEL_WARN);
	ck_assert_int_eq(log_getlevel(), LOG_LEVEL_WARN);
	log_setlevel(LOG_LEVEL_DEBUG);
	ck_assert_int_eq(log_getlevel(), LOG_LEVEL_DEBUG);
	log_init(IDENT, LOG_LEVEL_ERROR, 0);
	ck_assert_int_eq(log_getlevel(), LOG_LEVEL_ERROR);
}
END_TEST

/* "2026-11-22T03:12:22.123Z ident[pid] level message\n" */
START_TEST(test_line_format)
{
	char		 want[128];
	const char	*s, *rest;
	size_t		 i;

	log_info("hello %d %s", 42, "world");
	s = logged();
	ck_assert_int_eq(count_lines(s), 1);
	for (i = 0; i < 23; i++) {
		if (i == 4 || i == 7)
			ck_assert_int_eq(s[i], '-');
		else if (i == 10)
			ck_assert_int_eq(s[i], 'T');
		else if (i == 13 || i == 16)
			ck_assert_int_eq(s[i], ':');
		else if (i == 19)
			ck_assert_int_eq(s[i], '.');
		else
			ck_assert_msg(s[i] >= '0' && s[i] <= '9',
			    "bad timestamp: %s", s);
	}
	ck_assert_int_eq(s[23], 'Z');
	ck_assert_int_eq(s[24], ' ');
	rest = s + 25;
	snprintf(want, sizeof(want), IDENT "[%ld] info hello 42 world\n",
	    (long)getpid());
	ck_assert_str_eq(rest, want);
}
END_TEST

START_TEST(test_level_names_in_lines)
{
	const char	*s;

	log_debug("d");
	log_info("i");
	log_warnx("w");
	s = logged();
	ck_assert_int_eq(count_lines(s), 3);
	ck_assert_ptr_nonnull(strstr(s, "] debug d\n"));
	ck_assert_ptr_nonnull(strstr(s, "] info i\n"));
	ck_assert_ptr_nonnull(strstr(s, "] warn w\n"));
}
END_TEST

START_TEST(test_warn_appends_strerror)
{
	char		 want[256];
	const char	*s;

	errno = ENOENT;
	log_warn("open %s", "/x");
	ck_assert_int_eq(errno, ENOENT);
	snprintf(want, sizeof(want), "] warn open /x: %s\n", strerror(ENOENT));
	s = logged();
	ck_assert_ptr_nonnull(strstr(s, want));
	ck_assert_int_eq(count_lines(s), 1);
}
END_TEST

START_TEST(test_warnx_appends_nothing)
{
	const char	*s;

	errno = EACCES;
	log_warnx("plain");
	ck_assert_int_eq(errno, EACCES);
	s = logged();
	ck_assert_ptr_nonnull(strstr(s, "] warn plain\n"));
	ck_assert_ptr_null(strstr(s, strerror(EACCES)));
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

static const char *const bad_levels[] = {
	"", "warning", "err", "inf", "verbose", "trace", "debug ", " info",
	"0", "3", "info\n",
};

START_TEST(test_parse_level_bad)
{
	enum log_level	 l = (enum log_level)99;

	ck_assert_int_eq(log_parse_level(bad_levels[_i], &l), -EINVAL);
	ck_assert_int_eq(l, 99);
}
END_TEST

/* Each level drops exactly the lines below it. */
START_TEST(test_below_level_dropped)
{
	enum log_level	 level = (enum log_level)_i;
	const char	*s;

	log_setlevel(level);
	errno = EIO;
	log_debug("D");
	log_info("I");
	log_warnx("W");
	log_warn("V");
	ck_assert_int_eq(errno, EIO);
	s = logged();
	ck_assert_int_eq(strstr(s, "] debug D\n") != NULL,
	    level >= LOG_LEVEL_DEBUG);
	ck_assert_int_eq(strstr(s, "] info I\n") != NULL,
	    level >= LOG_LEVEL_INFO);
	ck_assert_int_eq(strstr(s, "] warn W\n") != NULL,
	    level >= LOG_LEVEL_WARN);
	ck_assert_int_eq(strstr(s, "] warn V: ") != NULL,
	    level >= LOG_LEVEL_WARN);
	ck_assert_int_eq(count_lines(s), (int)level == 0 ? 0 : (int)level + 1);
}
END_TEST

/* errno survives every call, logged or dropped. */
START_TEST(test_errno_preserved)
{
	log_setlevel(LOG_LEVEL_ERROR);
	errno = ETIMEDOUT;
	log_warn("dropped");
	ck_assert_int_eq(errno, ETIMEDOUT);
	log_debug("dropped");
	ck_assert_int_eq(errno, ETIMEDOUT);
	log_setlevel(LOG_LEVEL_DEBUG);
	log_warn("kept");
	ck_assert_int_eq(errno, ETIMEDOUT);
	log_info("kept");
	ck_assert_int_eq(errno, ETIMEDOUT);
	log_debug("kept");
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_eq(count_lines(logged()), 3);
}
END_TEST

START_TEST(test_fatalx)
{
	fatalx("broken %s", "invariant");
}
END_TEST

START_TEST(test_fatal)
{
	errno = ENOMEM;
	fatal("cannot go on");
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

/* A message over the line limit is cut, and still one whole line. */
START_TEST(test_long_message)
{
	static char	 msg[10000];
	const char	*s;

	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	log_info("%s", msg);
	errno = EIO;
	log_warn("%s", msg);
	ck_assert_int_eq(errno, EIO);
	s = logged();
	ck_assert_int_eq(count_lines(s), 2);
	ck_assert_uint_lt(strlen(s), 2 * 4096 + 2 * 128 + 1);
	ck_assert_int_eq(s[strlen(s) - 1], '\n');
}
END_TEST

START_TEST(test_empty_message)
{
	const char	*s;

	log_info("%s", "");
	s = logged();
	ck_assert_ptr_nonnull(strstr(s, "] info \n"));
	ck_assert_int_eq(count_lines(s), 1);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite		*s = suite_create("log");
	TCase		*tc;
	const char	*fork_env = getenv("CK_FORK");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, capture_setup, capture_teardown);
	tcase_add_loop_test(tc, test_parse_level, 0,
	    sizeof(levels) / sizeof(levels[0]));
	tcase_add_test(tc, test_set_get_level);
	tcase_add_test(tc, test_line_format);
	tcase_add_test(tc, test_level_names_in_lines);
	tcase_add_test(tc, test_warn_appends_strerror);
	tcase_add_test(tc, test_warnx_appends_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, capture_setup, capture_teardown);
	tcase_add_loop_test(tc, test_parse_level_bad, 0,
	    sizeof(bad_levels) / sizeof(bad_levels[0]));
	tcase_add_loop_test(tc, test_below_level_dropped, LOG_LEVEL_ERROR,
	    LOG_LEVEL_DEBUG + 1);
	tcase_add_test(tc, test_errno_preserved);
	/* exit(1) would end the whole run without a fork. */
	if (fork_env == NULL || strcmp(fork_env, "no") != 0) {
		tcase_add_exit_test(tc, test_fatalx, 1);
		tcase_add_exit_test(tc, test_fatal, 1);
	}
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, capture_setup, capture_teardown);
	tcase_add_test(tc, test_long_message);
	tcase_add_test(tc, test_empty_message);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(log_suite());
}
