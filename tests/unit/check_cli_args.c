/*
 * check_cli_args: the argument checks minidfs-admin makes before a
 * command's exec runs (cli/args.c): flags short and long, bundled, with
 * values, "--", "-" as an argument, --json and -h everywhere, and the
 * exact message of every kind of bad command line.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin.h"
#include "tests/lib/check_main.h"

static const struct admin_flag flags[] = {
	{ 'l', "long", 0, NULL, "long listing" },
	{ 'r', "repair", 0, NULL, "repair" },
	{ 'w', "max-wait", 1, "SECONDS", "bound" },
	{ 0 }
};

static int
no_exec(struct admin_ctx *ctx, const struct admin_args *a)
{
	return 0;
}

static const struct admin_cmd cmd = {
	.name = "demo",
	.usage = "[-lr] [-w SECONDS] SRC [DST]",
	.help = "a test command",
	.flags = flags,
	.min_args = 1,
	.max_args = 2,
	.exec = no_exec,
};

static const struct admin_cmd bare = {
	.name = "bare",
	.usage = "",
	.help = "no flags, no arguments",
	.min_args = 0,
	.max_args = 0,
	.exec = no_exec,
};

/* Parses the words of line (split at spaces; at most 16). */
static int
parse(const struct admin_cmd *c, const char *line, struct admin_args *a,
    int *json, int *help, char *err)
{
	static char	 buf[256];
	char		*argv[16], *p, *save = NULL;
	int		 argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (p = strtok_r(buf, " ", &save); p != NULL && argc < 16;
	    p = strtok_r(NULL, " ", &save))
		argv[argc++] = p;
	*json = 0;
	err[0] = '\0';
	return admin_parse(c, argc, argv, a, json, help, err, 256);
}

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_plain)
{
	struct admin_args a;
	int		 json, help;
	char		 err[256];

	ck_assert_int_eq(parse(&cmd, "src", &a, &json, &help, err), 0);
	ck_assert_uint_eq(a.argc, 1);
	ck_assert_str_eq(a.argv[0], "src");
	ck_assert_int_eq(admin_has(&cmd, &a, 'l'), 0);
	ck_assert_ptr_null(admin_value(&cmd, &a, 'w'));
	ck_assert_int_eq(json, 0);
	ck_assert_int_eq(help, 0);
}
END_TEST

START_TEST(test_flags)
{
	struct admin_args a;
	int		 json, help;
	char		 err[256];

	ck_assert_int_eq(parse(&cmd, "-l src --json dst --max-wait=30", &a,
	    &json, &help, err), 0);
	ck_assert_uint_eq(a.argc, 2);
	ck_assert_str_eq(a.argv[1], "dst");
	ck_assert_int_eq(admin_has(&cmd, &a, 'l'), 1);
	ck_assert_int_eq(admin_has(&cmd, &a, 'r'), 0);
	ck_assert_str_eq(admin_value(&cmd, &a, 'w'), "30");
	ck_assert_int_eq(json, 1);
	/* bundled letters, a value in the same word or the next */
	ck_assert_int_eq(parse(&cmd, "-rlw5 x", &a, &json, &help, err), 0);
	ck_assert_int_eq(admin_has(&cmd, &a, 'r'), 1);
	ck_assert_int_eq(admin_has(&cmd, &a, 'l'), 1);
	ck_assert_str_eq(admin_value(&cmd, &a, 'w'), "5");
	ck_assert_int_eq(parse(&cmd, "-w 7 x --long --repair", &a, &json,
	    &help, err), 0);
	ck_assert_str_eq(admin_value(&cmd, &a, 'w'), "7");
	ck_assert_int_eq(admin_has(&cmd, &a, 'l'), 1);
	ck_assert_int_eq(admin_has(&cmd, &a, 'r'), 1);
	ck_assert_uint_eq(a.argc, 1);
	/* --max-wait SECONDS as two words */
	ck_assert_int_eq(parse(&cmd, "--max-wait 9 x", &a, &json, &help,
	    err), 0);
	ck_assert_str_eq(admin_value(&cmd, &a, 'w'), "9");
}
END_TEST

/* "-" is stdin/stdout, "--" ends the flags, "-5" is a (bad) number. */
START_TEST(test_dash)
{
	struct admin_args a;
	int		 json, help;
	char		 err[256];

	ck_assert_int_eq(parse(&cmd, "- dst", &a, &json, &help, err), 0);
	ck_assert_str_eq(a.argv[0], "-");
	ck_assert_int_eq(parse(&cmd, "-- -l --json", &a, &json, &help, err),
	    0);
	ck_assert_uint_eq(a.argc, 2);
	ck_assert_str_eq(a.argv[0], "-l");
	ck_assert_str_eq(a.argv[1], "--json");
	ck_assert_int_eq(json, 0);
	ck_assert_int_eq(admin_has(&cmd, &a, 'l'), 0);
	ck_assert_int_eq(parse(&cmd, "src -5", &a, &json, &help, err), 0);
	ck_assert_str_eq(a.argv[1], "-5");
}
END_TEST

/* -h needs no arguments: "put -h" prints the usage. */
START_TEST(test_help)
{
	struct admin_args a;
	int		 json, help;
	char		 err[256];

	ck_assert_int_eq(parse(&cmd, "-h", &a, &json, &help, err), 0);
	ck_assert_int_eq(help, 1);
	ck_assert_int_eq(parse(&cmd, "--help", &a, &json, &help, err), 0);
	ck_assert_int_eq(help, 1);
	ck_assert_int_eq(parse(&bare, "-h", &a, &json, &help, err), 0);
	ck_assert_int_eq(help, 1);
}
END_TEST

START_TEST(test_usage_text)
{
	char	*p = NULL;
	size_t	 n = 0;
	FILE	*f = open_memstream(&p, &n);

	admin_cmd_usage(&cmd, "minidfs-admin", f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(p, "usage: minidfs-admin [options] demo "
	    "[-lr] [-w SECONDS] SRC [DST]\n  a test command\n"));
	ck_assert_ptr_nonnull(strstr(p, "  -w, --max-wait SECONDS   bound\n"));
	ck_assert_ptr_nonnull(strstr(p, "--json"));
	free(p);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

static const struct {
	const struct admin_cmd *c;
	const char	*line;
	const char	*msg;
} bad[] = {
	{ &cmd, "", "demo: missing arguments (usage: demo [-lr] [-w SECONDS] "
	    "SRC [DST])" },
	{ &cmd, "a b c", "demo: too many arguments (usage: demo [-lr] "
	    "[-w SECONDS] SRC [DST])" },
	{ &cmd, "-x a", "demo: unknown option -x" },
	{ &cmd, "-lx a", "demo: unknown option -x" },
	{ &cmd, "--nope a", "demo: unknown option --nope" },
	{ &cmd, "--nope=1 a", "demo: unknown option --nope" },
	{ &cmd, "--long=1 a", "demo: option --long takes no value" },
	{ &cmd, "a -w", "demo: option -w needs a value" },
	{ &cmd, "a --max-wait", "demo: option --max-wait needs a value" },
	{ &cmd, "--js a", "demo: unknown option --js" },
	{ &bare, "x", "bare: too many arguments (usage: bare)" },
	{ &bare, "-l", "bare: unknown option -l" },
};

START_TEST(test_bad)
{
	struct admin_args a;
	int		 json, help;
	char		 err[256];

	ck_assert_int_eq(parse(bad[_i].c, bad[_i].line, &a, &json, &help,
	    err), -EINVAL);
	ck_assert_str_eq(err, bad[_i].msg);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

/* Every command in the real table has a name, usage, help, exec, a sane
 * count range and unique names and flag letters; -h is never a flag. */
START_TEST(test_table)
{
	const struct admin_cmd	*c;
	size_t			 n = 0;

	for (size_t i = 0; (c = admin_cmds[i]) != NULL; i++, n++) {
		ck_assert_ptr_nonnull(c->name);
		ck_assert_ptr_nonnull(c->usage);
		ck_assert_ptr_nonnull(c->help);
		ck_assert_ptr_nonnull(c->exec);
		ck_assert_uint_le(c->min_args, c->max_args);
		ck_assert_uint_le(c->max_args, ADMIN_MAX_ARGS);
		ck_assert_ptr_eq(admin_find(c->name), c);
		for (size_t j = 0; c->flags != NULL &&
		    c->flags[j].letter != '\0'; j++) {
			ck_assert_uint_lt(j, ADMIN_MAX_FLAGS);
			ck_assert_int_ne(c->flags[j].letter, 'h');
			ck_assert_ptr_nonnull(c->flags[j].name);
		}
	}
	ck_assert_uint_eq(n, 12);
	ck_assert_ptr_null(admin_find("nope"));
	ck_assert_ptr_null(admin_find(""));
	ck_assert_ptr_nonnull(admin_find("decommission"));
	ck_assert_ptr_nonnull(admin_find("set-replicas"));
	ck_assert_ptr_nonnull(admin_find("get-replicas"));
}
END_TEST

/* ---- admin_run: the whole command line, exit status and the one line ---- */

static const struct {
	const char	*line;
	int		 status;
	const char	*err;		/* stderr, exactly; NULL: not checked */
} runs[] = {
	{ "frobnicate", ADMIN_EXIT_USAGE,
	    "minidfs-admin: unknown command \"frobnicate\" (try -h)\n" },
	{ "gc extra", ADMIN_EXIT_USAGE,
	    "minidfs-admin: gc: too many arguments (usage: gc)\n" },
	{ "decommission", ADMIN_EXIT_USAGE,
	    "minidfs-admin: decommission: missing arguments (usage: "
	    "decommission [-n | -c | -w SECONDS] NODE)\n" },
	{ "--bogus status", ADMIN_EXIT_USAGE,
	    "minidfs-admin: unknown option --bogus (try -h)\n" },
	{ "-t 0 status", ADMIN_EXIT_USAGE,
	    "minidfs-admin: -t 0: want 1..3600 seconds\n" },
	{ "-t 3601 status", ADMIN_EXIT_USAGE,
	    "minidfs-admin: -t 3601: want 1..3600 seconds\n" },
	{ "-m nohost status", ADMIN_EXIT_USAGE,
	    "minidfs-admin: -m: nohost: want host:port\n" },
	{ "-m h:1 nodes a/b", ADMIN_EXIT_USAGE,
	    "minidfs-admin: nodes: bad node name \"a/b\"\n" },
	{ "-m h:1 decommission -w x d1", ADMIN_EXIT_USAGE,
	    "minidfs-admin: decommission: --max-wait x: want 1..604800 "
	    "seconds\n" },
	{ "-m h:1 decommission -c -n d1", ADMIN_EXIT_USAGE,
	    "minidfs-admin: decommission: --cancel takes neither --no-wait "
	    "nor --max-wait\n" },
	{ "--secret-file /nonexistent/secret status", ADMIN_EXIT_FAIL, NULL },
	{ "put /etc/hostname", ADMIN_EXIT_USAGE,
	    "minidfs-admin: put: missing arguments (usage: put LOCAL|- "
	    "REMOTE)\n" },
	{ "get /a b c", ADMIN_EXIT_USAGE,
	    "minidfs-admin: get: too many arguments (usage: get REMOTE "
	    "LOCAL|-)\n" },
	{ "ls -x /", ADMIN_EXIT_USAGE,
	    "minidfs-admin: ls: unknown option -x\n" },
	{ "-m nohost ls /", ADMIN_EXIT_USAGE,
	    "minidfs-admin: -m: nohost: want host:port\n" },
	{ "-m nohost mkdir /d", ADMIN_EXIT_USAGE,
	    "minidfs-admin: -m: nohost: want host:port\n" },
	{ "put /nonexistent/local /x", ADMIN_EXIT_FAIL,
	    "minidfs-admin: /nonexistent/local: No such file or directory\n" },
	{ "set-replicas /x abc", ADMIN_EXIT_USAGE,
	    "minidfs-admin: set-replicas: N \"abc\": want 1..16\n" },
	{ "set-replicas /x 0", ADMIN_EXIT_USAGE,
	    "minidfs-admin: set-replicas: N \"0\": want 1..16\n" },
	{ "set-replicas /x 17", ADMIN_EXIT_USAGE,
	    "minidfs-admin: set-replicas: N \"17\": want 1..16\n" },
	{ "set-replicas /x -1", ADMIN_EXIT_USAGE,
	    "minidfs-admin: set-replicas: N \"-1\": want 1..16\n" },
	{ "set-replicas -r /x 3x", ADMIN_EXIT_USAGE,
	    "minidfs-admin: set-replicas: N \"3x\": want 1..16\n" },
	{ "set-replicas /x", ADMIN_EXIT_USAGE,
	    "minidfs-admin: set-replicas: missing arguments (usage: "
	    "set-replicas [-r] PATH N)\n" },
	{ "set-replicas /x 2 3", ADMIN_EXIT_USAGE,
	    "minidfs-admin: set-replicas: too many arguments (usage: "
	    "set-replicas [-r] PATH N)\n" },
	{ "set-replicas -q /x 2", ADMIN_EXIT_USAGE,
	    "minidfs-admin: set-replicas: unknown option -q\n" },
	{ "-m nohost set-replicas /x 2", ADMIN_EXIT_USAGE,
	    "minidfs-admin: -m: nohost: want host:port\n" },
	{ "get-replicas", ADMIN_EXIT_USAGE,
	    "minidfs-admin: get-replicas: missing arguments (usage: "
	    "get-replicas PATH)\n" },
	{ "get-replicas -r /x", ADMIN_EXIT_USAGE,
	    "minidfs-admin: get-replicas: unknown option -r\n" },
	{ "set-replicas -h", ADMIN_EXIT_OK, "" },
	{ "-h", ADMIN_EXIT_OK, "" },
	{ "fsck -h", ADMIN_EXIT_OK, "" },
	{ "--json gc --help", ADMIN_EXIT_OK, "" },
	{ "", ADMIN_EXIT_USAGE, NULL },
};

START_TEST(test_run)
{
	char	 buf[256], *argv[16], *p, *save = NULL, *o = NULL, *e = NULL;
	size_t	 on = 0, en = 0;
	int	 argc = 0, rc;
	FILE	*of = open_memstream(&o, &on), *ef = open_memstream(&e, &en);

	snprintf(buf, sizeof(buf), "minidfs-admin %s", runs[_i].line);
	for (p = strtok_r(buf, " ", &save); p != NULL && argc < 15;
	    p = strtok_r(NULL, " ", &save))
		argv[argc++] = p;
	argv[argc] = NULL;
	rc = admin_run(argc, argv, of, ef);
	fclose(of);
	fclose(ef);
	ck_assert_int_eq(rc, runs[_i].status);
	if (runs[_i].err != NULL)
		ck_assert_str_eq(e, runs[_i].err);
	else
		ck_assert_ptr_nonnull(strchr(e, '\n'));
	if (runs[_i].status == ADMIN_EXIT_OK)
		ck_assert_ptr_nonnull(strstr(o, "usage: minidfs-admin"));
	free(o);
	free(e);
}
END_TEST

static Suite *
cli_args_suite(void)
{
	Suite	*s = suite_create("cli_args");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_dash);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_usage_text);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_loop_test(tc, test_run, 0, sizeof(runs) / sizeof(runs[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_table);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(cli_args_suite());
}
