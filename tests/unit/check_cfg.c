/*
 * check_cfg: the config table machinery on a table shaped like the
 * dataserver's: defaults, YAML loading (nested sections, block and flow
 * lists), command-line overrides, usage and dump; every kind of bad input
 * with its exact "file:line: key" message and an unchanged config; and the
 * size limits.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/log.h"
#include "tests/lib/check_main.h"

struct tconf {
	char			*listen_address;
	char			*dataserver_id;
	char			*data_root_path;
	uint64_t		 max_storage_size;
	struct cfg_strlist	 endpoints;
	uint64_t		 dial_timeout;
	uint64_t		 lease_ttl;
	char			*meta_address;
	uint64_t		 heartbeat_interval;
	uint64_t		 connection_timeout;
	enum log_level		 level;
	int			 syslog;
};

#define OFF(f)	offsetof(struct tconf, f)

static const struct cfg_key tkeys[] = {
	{ "server.listen_address", CFG_STR, 0, 0, "127.0.0.1:8001",
	    OFF(listen_address), "address to listen on" },
	{ "server.dataServer_id", CFG_STR, 0, 0, NULL, OFF(dataserver_id),
	    "this server's id" },
	{ "storage.data_root_path", CFG_STR, 0, 0, "./data",
	    OFF(data_root_path), "block directory" },
	{ "storage.max_storage_size", CFG_SIZE, 0, UINT64_MAX, "0",
	    OFF(max_storage_size), "bytes to use, 0 for no limit" },
	{ "etcd.endpoints", CFG_STRLIST, 0, 0, "localhost:2379",
	    OFF(endpoints), "etcd gateway addresses" },
	{ "etcd.dial_timeout", CFG_U64, 1, 60, "5", OFF(dial_timeout),
	    "seconds to connect" },
	{ "etcd.lease_ttl", CFG_U64, 5, 3600, "30", OFF(lease_ttl),
	    "seconds" },
	{ "metaServer.address", CFG_STR, 0, 0, "localhost:8000",
	    OFF(meta_address), "metaserver address" },
	{ "metaServer.heartbeat_interval", CFG_U64, 1, 3600, "10",
	    OFF(heartbeat_interval), "seconds between heartbeats" },
	{ "metaServer.connection_timeout", CFG_U64, 1, 300, "5",
	    OFF(connection_timeout), "seconds" },
	{ "log.level", CFG_LEVEL, 0, 0, "info", OFF(level), "log level" },
	{ "log.syslog", CFG_BOOL, 0, 0, "false", OFF(syslog),
	    "log to syslog" },
	{ NULL },
};
#define NKEYS	(sizeof(tkeys) / sizeof(tkeys[0]) - 1)

static const char seed[] =
    "server:\n"
    "  listen_address: \"0.0.0.0:8001\"\n"
    "  dataServer_id: \"dataServer-01\"\n"
    "storage:\n"
    "  data_root_path: \"./data\"\n"
    "  max_storage_size: 0\n"
    "etcd:\n"
    "  endpoints: [\"localhost:2379\"]\n"
    "  dial_timeout: 5\n"
    "  lease_ttl: 30\n"
    "metaServer:\n"
    "  address: \"localhost:8000\"\n"
    "  heartbeat_interval: 10\n"
    "  connection_timeout: 5\n";

/* cfg_dump into a malloc'ed string. */
static char *
dump(const struct tconf *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);

	ck_assert_ptr_nonnull(fp);
	cfg_dump(tkeys, c, fp);
	ck_assert_int_eq(fclose(fp), 0);
	return s;
}

static int
load(struct tconf *c, const char *text, char *err, size_t errlen)
{
	return cfg_load_mem(tkeys, c, "t.yaml", text, strlen(text), err,
	    errlen);
}

/* Redirects fd 2 to a temporary file; capture_end() returns what was
 * written (log.c writes to the descriptor directly). */
struct capture {
	int	 saved;
	FILE	*fp;
};

static void
capture_start(struct capture *cap)
{
	cap->fp = tmpfile();
	ck_assert_ptr_nonnull(cap->fp);
	cap->saved = dup(STDERR_FILENO);
	ck_assert_int_ge(cap->saved, 0);
	ck_assert_int_ge(dup2(fileno(cap->fp), STDERR_FILENO), 0);
}

static char *
capture_end(struct capture *cap)
{
	char *s;
	long n;

	ck_assert_int_ge(dup2(cap->saved, STDERR_FILENO), 0);
	close(cap->saved);
	n = ftell(cap->fp);
	ck_assert_int_ge(n, 0);
	s = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	rewind(cap->fp);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, cap->fp), (size_t)n);
	fclose(cap->fp);
	return s;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* A private directory for the file tests of one TCase: an unchecked
 * fixture, so the parent removes it even when a forked test fails. */
static char tmpdir[64];

static void
tmpdir_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_cfg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
tmpdir_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static char *
write_file(const char *name, const char *text, size_t len)
{
	char *path;
	FILE *fp;

	ck_assert_int_gt(asprintf(&path, "%s/%s", tmpdir, name), 0);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_defaults)
{
	struct tconf c;

	memset(&c, 0xa5, sizeof(c));	/* cfg_defaults must set everything */
	cfg_defaults(tkeys, &c);
	ck_assert_str_eq(c.listen_address, "127.0.0.1:8001");
	ck_assert_ptr_null(c.dataserver_id);
	ck_assert_str_eq(c.data_root_path, "./data");
	ck_assert_uint_eq(c.max_storage_size, 0);
	ck_assert_uint_eq(c.endpoints.n, 1);
	ck_assert_str_eq(c.endpoints.v[0], "localhost:2379");
	ck_assert_uint_eq(c.dial_timeout, 5);
	ck_assert_uint_eq(c.lease_ttl, 30);
	ck_assert_str_eq(c.meta_address, "localhost:8000");
	ck_assert_uint_eq(c.heartbeat_interval, 10);
	ck_assert_uint_eq(c.connection_timeout, 5);
	ck_assert_int_eq(c.level, LOG_LEVEL_INFO);
	ck_assert_int_eq(c.syslog, 0);
	cfg_release(tkeys, &c);
	ck_assert_ptr_null(c.listen_address);
	ck_assert_uint_eq(c.endpoints.n, 0);
}
END_TEST

START_TEST(test_seed)
{
	struct tconf c;
	char err[256] = "";

	cfg_defaults(tkeys, &c);
	ck_assert_int_eq(load(&c, seed, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(c.listen_address, "0.0.0.0:8001");
	ck_assert_str_eq(c.dataserver_id, "dataServer-01");
	ck_assert_str_eq(c.data_root_path, "./data");
	ck_assert_uint_eq(c.max_storage_size, 0);
	ck_assert_uint_eq(c.endpoints.n, 1);
	ck_assert_str_eq(c.endpoints.v[0], "localhost:2379");
	ck_assert_uint_eq(c.dial_timeout, 5);
	ck_assert_uint_eq(c.lease_ttl, 30);
	ck_assert_str_eq(c.meta_address, "localhost:8000");
	ck_assert_uint_eq(c.heartbeat_interval, 10);
	ck_assert_uint_eq(c.connection_timeout, 5);
	cfg_release(tkeys, &c);
}
END_TEST

START_TEST(test_seed_file)
{
	struct tconf c;
	char err[256] = "", *path;

	path = write_file("seed.yaml", seed, strlen(seed));
	cfg_defaults(tkeys, &c);
	ck_assert_int_eq(cfg_load(tkeys, &c, path, err, sizeof(err)), 0);
	ck_assert_str_eq(c.dataserver_id, "dataServer-01");
	ck_assert_str_eq(c.listen_address, "0.0.0.0:8001");
	cfg_release(tkeys, &c);
	free(path);
}
END_TEST

START_TEST(test_nested_and_lists)
{
	struct tconf c;

	cfg_defaults(tkeys, &c);
	/* Block list, size suffix, comments, other scalar styles. */
	ck_assert_int_eq(load(&c,
	    "# comment\n"
	    "etcd:\n"
	    "  endpoints:\n"
	    "    - a:1\n"
	    "    - 'b:2'\n"
	    "    - \"c:3\"\n"
	    "  lease_ttl: \"60\"\n"
	    "storage: {max_storage_size: 4G}\n"
	    "log:\n"
	    "  level: debug\n"
	    "  syslog: yes\n", NULL, 0), 0);
	ck_assert_uint_eq(c.endpoints.n, 3);
	ck_assert_str_eq(c.endpoints.v[0], "a:1");
	ck_assert_str_eq(c.endpoints.v[1], "b:2");
	ck_assert_str_eq(c.endpoints.v[2], "c:3");
	ck_assert_uint_eq(c.lease_ttl, 60);
	ck_assert_uint_eq(c.max_storage_size, UINT64_C(4) << 30);
	ck_assert_int_eq(c.level, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(c.syslog, 1);
	/* Untouched keys keep their defaults. */
	ck_assert_str_eq(c.listen_address, "127.0.0.1:8001");

	/* A second load replaces (and frees) the earlier values: flow list,
	 * a list given as one "a,b" scalar, the empty list. */
	ck_assert_int_eq(load(&c, "etcd:\n  endpoints: [\"x\", \"y\"]\n",
	    NULL, 0), 0);
	ck_assert_uint_eq(c.endpoints.n, 2);
	ck_assert_str_eq(c.endpoints.v[0], "x");
	ck_assert_str_eq(c.endpoints.v[1], "y");
	ck_assert_int_eq(load(&c, "etcd:\n  endpoints: p:1, q:2\n", NULL, 0),
	    0);
	ck_assert_uint_eq(c.endpoints.n, 2);
	ck_assert_str_eq(c.endpoints.v[1], "q:2");
	ck_assert_int_eq(load(&c, "etcd:\n  endpoints: []\n", NULL, 0), 0);
	ck_assert_uint_eq(c.endpoints.n, 0);
	ck_assert_int_eq(load(&c, "server:\n  listen_address: a\n"
	    "server2: \n", NULL, 0), -EINVAL);
	ck_assert_str_eq(c.listen_address, "127.0.0.1:8001");
	ck_assert_int_eq(load(&c, "server:\n  listen_address: a\n", NULL, 0),
	    0);
	ck_assert_int_eq(load(&c, "server:\n  listen_address: b\n", NULL, 0),
	    0);
	ck_assert_str_eq(c.listen_address, "b");
	cfg_release(tkeys, &c);
}
END_TEST

START_TEST(test_empty_documents)
{
	static const char *const texts[] = {
		"", "# only a comment\n", "---\n", "---\n...\n", "server: {}\n",
		"server:\n  # listen_address: x\netcd:\n",
	};
	struct tconf c;
	char *before, *after;
	size_t i;

	cfg_defaults(tkeys, &c);
	before = dump(&c);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ck_assert_msg(load(&c, texts[i], NULL, 0) == 0, "text %zu", i);
		after = dump(&c);
		ck_assert_str_eq(after, before);
		free(after);
	}
	free(before);
	cfg_release(tkeys, &c);
}
END_TEST

START_TEST(test_set)
{
	struct tconf c;
	char err[256] = "";

	cfg_defaults(tkeys, &c);
	ck_assert_int_eq(cfg_set(tkeys, &c, "etcd.endpoints", "a, b,c", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(c.endpoints.n, 3);
	ck_assert_str_eq(c.endpoints.v[0], "a");
	ck_assert_str_eq(c.endpoints.v[1], "b");
	ck_assert_str_eq(c.endpoints.v[2], "c");
	ck_assert_int_eq(cfg_set(tkeys, &c, "server.dataServer_id", "d1", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(cfg_set(tkeys, &c, "server.dataServer_id", "d2", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.dataserver_id, "d2");
	ck_assert_int_eq(cfg_set(tkeys, &c, "log.level", "warn", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.level, LOG_LEVEL_WARN);

	ck_assert_int_eq(cfg_set(tkeys, &c, "etcd.nope", "1", err,
	    sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "etcd.nope: unknown key");
	ck_assert_int_eq(cfg_set(tkeys, &c, "etcd", "1", err, sizeof(err)),
	    -ENOENT);
	ck_assert_int_eq(cfg_set(tkeys, &c, "etcd.lease_ttl", "x", err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "etcd.lease_ttl: not a number: \"x\"");
	ck_assert_int_eq(cfg_set(tkeys, &c, "etcd.lease_ttl", "4", err,
	    sizeof(err)), -ERANGE);
	ck_assert_str_eq(err, "etcd.lease_ttl: out of range [5, 3600]: \"4\"");
	ck_assert_int_eq(cfg_set(tkeys, &c, "etcd.endpoints", "a,,b", err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "etcd.endpoints: empty list entry");
	ck_assert_uint_eq(c.lease_ttl, 30);
	ck_assert_uint_eq(c.endpoints.n, 3);
	cfg_release(tkeys, &c);
}
END_TEST

START_TEST(test_arg)
{
	char *argv[] = {
		"prog", "--server.listen_address=1.2.3.4:5",
		"--etcd.dial_timeout", "7", "--help", "-v", "pos",
		"--etcd.endpoints=", "--log.syslog=on",
		"--etcd.lease_ttl=x", "--etcd.lease_ttl", "1", "--log.level",
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0]));
	struct tconf c;
	struct capture cap;
	char *out;

	cfg_defaults(tkeys, &c);
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 1), 1);
	ck_assert_str_eq(c.listen_address, "1.2.3.4:5");
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 2), 2);
	ck_assert_uint_eq(c.dial_timeout, 7);
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 4), 0);
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 5), 0);
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 6), 0);
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 7), 1);
	ck_assert_uint_eq(c.endpoints.n, 0);
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 8), 1);
	ck_assert_int_eq(c.syslog, 1);

	capture_start(&cap);
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 9), -1);
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 10), -1);
	ck_assert_int_eq(cfg_arg(tkeys, &c, argc, argv, 12), -1);
	out = capture_end(&cap);
	ck_assert_ptr_nonnull(strstr(out,
	    "--etcd.lease_ttl: not a number: \"x\""));
	ck_assert_ptr_nonnull(strstr(out,
	    "--etcd.lease_ttl: out of range [5, 3600]: \"1\""));
	ck_assert_ptr_nonnull(strstr(out, "--log.level: missing value"));
	ck_assert_uint_eq(c.lease_ttl, 30);
	ck_assert_int_eq(c.level, LOG_LEVEL_INFO);
	free(out);
	cfg_release(tkeys, &c);
}
END_TEST

START_TEST(test_dump)
{
	struct tconf c;
	char *s;

	cfg_defaults(tkeys, &c);
	ck_assert_int_eq(load(&c, seed, NULL, 0), 0);
	ck_assert_int_eq(cfg_set(tkeys, &c, "storage.data_root_path",
	    "a\"b\\c\n", NULL, 0), 0);
	s = dump(&c);
	ck_assert_str_eq(s,
	    "server.listen_address: \"0.0.0.0:8001\"\n"
	    "server.dataServer_id: \"dataServer-01\"\n"
	    "storage.data_root_path: \"a\\\"b\\\\c\\x0a\"\n"
	    "storage.max_storage_size: 0\n"
	    "etcd.endpoints: [\"localhost:2379\"]\n"
	    "etcd.dial_timeout: 5\n"
	    "etcd.lease_ttl: 30\n"
	    "metaServer.address: \"localhost:8000\"\n"
	    "metaServer.heartbeat_interval: 10\n"
	    "metaServer.connection_timeout: 5\n"
	    "log.level: info\n"
	    "log.syslog: false\n");
	free(s);
	cfg_release(tkeys, &c);
	cfg_defaults(tkeys, &c);
	s = dump(&c);
	ck_assert_ptr_nonnull(strstr(s, "server.dataServer_id: ~\n"));
	free(s);
	cfg_release(tkeys, &c);
}
END_TEST

START_TEST(test_usage)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);

	ck_assert_ptr_nonnull(fp);
	cfg_usage(tkeys, fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_uint_eq(count(s, "\n"), NKEYS);
	ck_assert_uint_eq(count(s, "  --"), NKEYS);
	ck_assert_ptr_nonnull(strstr(s, "  --etcd.dial_timeout=N  seconds to "
	    "connect (default: 5)\n"));
	ck_assert_ptr_nonnull(strstr(s, "  --server.dataServer_id=STRING  "
	    "this server's id (default: none)\n"));
	ck_assert_ptr_nonnull(strstr(s, "  --etcd.endpoints=A,B,...  etcd "
	    "gateway addresses (default: localhost:2379)\n"));
	free(s);
}
END_TEST

/* ---- errors ---------------------------------------------------------------- */

static const struct {
	const char	*text;
	const char	*msg;	/* expected in err, after "t.yaml:" */
} bad[] = {
	{ "server:\n  listen_address: x\n  bogus: 1\n",
	    "3: server.bogus: unknown key" },
	{ "verbose: 1\n", "1: verbose: unknown key" },
	{ "server:\n  listen_address: x\nnosuch:\n  a: 1\n",
	    "3: nosuch: unknown section" },
	{ "server:\n  listen_address:\n    host: x\n",
	    "2: server.listen_address: expected a string, got a mapping" },
	{ "etcd:\n  lease_ttl: {a: 1}\n",
	    "2: etcd.lease_ttl: expected a number, got a mapping" },
	{ "server: \"\"\n",
	    "1: server: expected a mapping (a section), got a scalar" },
	{ "server: 5\n",
	    "1: server: expected a mapping (a section), got a scalar" },
	{ "server: [a]\n",
	    "1: server: expected a mapping (a section), got a list" },
	{ "etcd:\n  dial_timeout: [1]\n",
	    "2: etcd.dial_timeout: expected a number, got a list" },
	{ "server:\n  listen_address: y\netcd:\n  dial_timeout: 61\n",
	    "4: etcd.dial_timeout: out of range [1, 60]: \"61\"" },
	{ "etcd:\n  dial_timeout: 0\n",
	    "2: etcd.dial_timeout: out of range [1, 60]: \"0\"" },
	{ "etcd:\n  lease_ttl: 30s\n",
	    "2: etcd.lease_ttl: not a number: \"30s\"" },
	{ "etcd:\n  lease_ttl: -30\n",
	    "2: etcd.lease_ttl: not a number: \"-30\"" },
	{ "etcd:\n  lease_ttl: \" 30\"\n",
	    "2: etcd.lease_ttl: not a number: \" 30\"" },
	{ "etcd:\n  lease_ttl: 99999999999999999999\n",
	    "2: etcd.lease_ttl: out of range [5, 3600]" },
	{ "storage:\n  max_storage_size: 10X\n",
	    "2: storage.max_storage_size: not a size" },
	{ "storage:\n  max_storage_size: 99999999T\n",
	    "2: storage.max_storage_size: out of range" },
	{ "log:\n  syslog: maybe\n", "2: log.syslog: not a boolean" },
	{ "log:\n  level: loud\n", "2: log.level: not a log level" },
	{ "etcd:\n  endpoints: [a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q]\n",
	    "2: etcd.endpoints: too many entries (max 16)" },
	{ "etcd:\n  endpoints:\n"
	    "  - a\n  - b\n  - c\n  - d\n  - e\n  - f\n  - g\n  - h\n"
	    "  - i\n  - j\n  - k\n  - l\n  - m\n  - n\n  - o\n  - p\n"
	    "  - q\n  - r\n",
	    "19: etcd.endpoints: too many entries (max 16)" },
	{ "etcd:\n  endpoints: [\"a\", \"\"]\n",
	    "2: etcd.endpoints: empty list entry" },
	{ "etcd:\n  endpoints:\n  - a\n  - [b]\n",
	    "4: etcd.endpoints: list entries must be strings, got a list" },
	{ "server:\n  listen_address: \"x\n  dataServer_id: y\n",
	    "4: syntax error: found unexpected end of stream while scanning "
	    "a quoted scalar started at line 2" },
	{ "server:\n  listen_address: x\n bad: y\n", "3: syntax error" },
	{ "etcd:\n  endpoints: [a\n", "3: syntax error" },
	{ "etcd:\n  lease_ttl: 30\n  lease_ttl: 31\n",
	    "3: etcd.lease_ttl: duplicate key (first at line 2)" },
	{ "etcd:\n  lease_ttl: 30\netcd:\n  dial_timeout: 5\n",
	    "3: etcd: duplicate key (first at line 1)" },
	{ "etcd:\n  lease_ttl:\n", "2: etcd.lease_ttl: missing value" },
	{ "- a\n", "1: the top level must be a mapping of sections" },
	{ "plain words\n", "1: the top level must be a mapping of sections" },
	{ "server.listen_address: x\n", "1: server.listen_address: bad key" },
	{ "server:\n  listen_address: &a x\n  dataServer_id: *a\n",
	    "3: server.dataServer_id: aliases are not supported" },
	{ "server: {}\n---\nserver: {}\n",
	    "2: only one YAML document is allowed" },
	{ "server:\n  listen_address: \"a\\0b\"\n",
	    "2: server.listen_address: value contains a NUL byte" },
	{ "? [a]\n: 1\n", "1: keys must be plain strings, got a list" },
};

START_TEST(test_bad)
{
	struct tconf c;
	char err[512] = "", want[256], *before, *after;

	cfg_defaults(tkeys, &c);
	before = dump(&c);
	ck_assert_int_eq(load(&c, bad[_i].text, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "t.yaml:%s", bad[_i].msg);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "case %d: got \"%s\", want \"%s...\"", _i, err, want);
	/* A bad file changes nothing, not even its good lines. */
	after = dump(&c);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	cfg_release(tkeys, &c);
}
END_TEST

START_TEST(test_all_errors_reported)
{
	struct tconf c;
	struct capture cap;
	char err[512] = "", *out;

	cfg_defaults(tkeys, &c);
	capture_start(&cap);
	ck_assert_int_eq(load(&c,
	    "server:\n"
	    "  listen_address: ok\n"
	    "  bogus: 1\n"
	    "etcd:\n"
	    "  dial_timeout: 100\n"
	    "  endpoints: [a, [b]]\n"
	    "log:\n"
	    "  syslog: maybe\n"
	    "  level: debug\n"
	    "  level: info\n", err, sizeof(err)), -EINVAL);
	out = capture_end(&cap);
	ck_assert_uint_eq(count(out, "t.yaml:"), 5);
	ck_assert_ptr_nonnull(strstr(out, "t.yaml:3: server.bogus: "));
	ck_assert_ptr_nonnull(strstr(out, "t.yaml:5: etcd.dial_timeout: "));
	ck_assert_ptr_nonnull(strstr(out, "t.yaml:6: etcd.endpoints: "));
	ck_assert_ptr_nonnull(strstr(out, "t.yaml:8: log.syslog: "));
	ck_assert_ptr_nonnull(strstr(out, "t.yaml:10: log.level: duplicate"));
	/* err holds the first message only. */
	ck_assert_str_eq(err, "t.yaml:3: server.bogus: unknown key");
	ck_assert_str_eq(c.listen_address, "127.0.0.1:8001");
	free(out);
	cfg_release(tkeys, &c);
}
END_TEST

START_TEST(test_missing_file)
{
	struct tconf c;
	char err[512] = "", *path, want[256];

	ck_assert_int_gt(asprintf(&path, "%s/nope.yaml", tmpdir), 0);
	cfg_defaults(tkeys, &c);
	ck_assert_int_eq(cfg_load(tkeys, &c, path, err, sizeof(err)),
	    -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: %s", path,
	    strerror(ENOENT));
	ck_assert_str_eq(err, want);
	free(path);
	cfg_release(tkeys, &c);
}
END_TEST

START_TEST(test_directory)
{
	struct tconf c;
	char err[512] = "", want[256];

	cfg_defaults(tkeys, &c);
	ck_assert_int_eq(cfg_load(tkeys, &c, tmpdir, err, sizeof(err)),
	    -EISDIR);
	snprintf(want, sizeof(want), "%s: cannot read: %s", tmpdir,
	    strerror(EISDIR));
	ck_assert_str_eq(err, want);
	cfg_release(tkeys, &c);
}
END_TEST

#define NOBODY	65534	/* uid and gid for the permission test */

/* Unreadable file: root reads anything, so the load runs in a child that
 * has dropped to an unprivileged user when we are root. */
START_TEST(test_unreadable)
{
	char *path;
	pid_t pid;
	int status;

	path = write_file("secret.yaml", seed, strlen(seed));
	ck_assert_int_eq(chmod(path, 0), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct tconf c;
		char err[512] = "", want[256];
		int rc;

		if (geteuid() == 0 && (setgid(NOBODY) != 0 ||
		    setuid(NOBODY) != 0))
			_exit(2);
		cfg_defaults(tkeys, &c);
		rc = cfg_load(tkeys, &c, path, err, sizeof(err));
		snprintf(want, sizeof(want), "%s: cannot open: %s", path,
		    strerror(EACCES));
		cfg_release(tkeys, &c);
		_exit(rc == -EACCES && strcmp(err, want) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	free(path);
}
END_TEST

/* ---- limits ---------------------------------------------------------------- */

/* The seed padded with comment lines to exactly len bytes. */
static char *
padded_seed(size_t len)
{
	size_t slen = strlen(seed), i;
	char *buf = malloc(len + 1);

	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_ge(len, slen + 2);
	memcpy(buf, seed, slen);
	buf[slen] = '#';
	for (i = slen + 1; i < len; i++)
		buf[i] = (i - slen) % 80 == 0 ? '#' : 'x';
	buf[len - 1] = '\n';
	buf[len] = '\0';
	return buf;
}

START_TEST(test_file_size)
{
	struct tconf c;
	char err[512] = "", *text, *path;

	cfg_defaults(tkeys, &c);
	text = padded_seed(CFG_MAX_FILE);
	ck_assert_int_eq(cfg_load_mem(tkeys, &c, "t.yaml", text, CFG_MAX_FILE,
	    err, sizeof(err)), 0);
	path = write_file("max.yaml", text, CFG_MAX_FILE);
	ck_assert_int_eq(cfg_load(tkeys, &c, path, err, sizeof(err)), 0);
	ck_assert_str_eq(c.dataserver_id, "dataServer-01");
	free(path);
	free(text);

	text = padded_seed(CFG_MAX_FILE + 1);
	ck_assert_int_eq(cfg_set(tkeys, &c, "server.dataServer_id", "d", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(cfg_load_mem(tkeys, &c, "t.yaml", text,
	    CFG_MAX_FILE + 1, err, sizeof(err)), -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml: file too large"));
	path = write_file("big.yaml", text, CFG_MAX_FILE + 1);
	err[0] = '\0';
	ck_assert_int_eq(cfg_load(tkeys, &c, path, err, sizeof(err)), -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, ": file too large"));
	ck_assert_int_eq(strncmp(err, path, strlen(path)), 0);
	ck_assert_str_eq(c.dataserver_id, "d");
	free(path);
	free(text);
	cfg_release(tkeys, &c);
}
END_TEST

#define LONG_VALUE	(64 * 1024)	/* bytes of the long string test */

START_TEST(test_long_values)
{
	struct tconf c;
	char *text, *v, list[512];
	size_t n, i;

	cfg_defaults(tkeys, &c);
	/* A long string survives intact. */
	v = malloc(LONG_VALUE + 1);
	ck_assert_ptr_nonnull(v);
	memset(v, 'a', LONG_VALUE);
	v[LONG_VALUE] = '\0';
	ck_assert_int_gt(asprintf(&text, "storage:\n  data_root_path: %s\n",
	    v), 0);
	ck_assert_int_eq(load(&c, text, NULL, 0), 0);
	ck_assert_str_eq(c.data_root_path, v);
	free(text);
	free(v);

	/* Exactly CFG_MAX_LIST entries, both ways. */
	n = (size_t)snprintf(list, sizeof(list), "etcd:\n  endpoints: [");
	for (i = 0; i < CFG_MAX_LIST; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s\"e%zu\"",
		    i > 0 ? ", " : "", i);
	snprintf(list + n, sizeof(list) - n, "]\n");
	ck_assert_int_eq(load(&c, list, NULL, 0), 0);
	ck_assert_uint_eq(c.endpoints.n, CFG_MAX_LIST);
	ck_assert_str_eq(c.endpoints.v[CFG_MAX_LIST - 1], "e15");
	ck_assert_int_eq(cfg_set(tkeys, &c, "etcd.endpoints",
	    "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", NULL, 0), 0);
	ck_assert_uint_eq(c.endpoints.n, CFG_MAX_LIST);
	ck_assert_int_eq(cfg_set(tkeys, &c, "etcd.endpoints",
	    "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", NULL, 0), -ERANGE);
	ck_assert_uint_eq(c.endpoints.n, CFG_MAX_LIST);

	/* Numbers at their bounds. */
	ck_assert_int_eq(load(&c, "storage:\n  max_storage_size: "
	    "18446744073709551615\netcd:\n  dial_timeout: 60\n"
	    "  lease_ttl: 5\n", NULL, 0), 0);
	ck_assert_uint_eq(c.max_storage_size, UINT64_MAX);
	ck_assert_uint_eq(c.dial_timeout, 60);
	ck_assert_uint_eq(c.lease_ttl, 5);
	ck_assert_int_eq(load(&c, "storage:\n  max_storage_size: "
	    "16777215T\n", NULL, 0), 0);
	ck_assert_uint_eq(c.max_storage_size, UINT64_C(16777215) << 40);
	ck_assert_int_eq(load(&c, "storage:\n  max_storage_size: "
	    "18446744073709551616\n", NULL, 0), -EINVAL);
	ck_assert_uint_eq(c.max_storage_size, UINT64_C(16777215) << 40);
	cfg_release(tkeys, &c);
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_seed);
	tcase_add_test(tc, test_seed_file);
	tcase_add_test(tc, test_nested_and_lists);
	tcase_add_test(tc, test_empty_documents);
	tcase_add_test(tc, test_set);
	tcase_add_test(tc, test_arg);
	tcase_add_test(tc, test_dump);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_unchecked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_loop_test(tc, test_bad, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_unreadable);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_unchecked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, test_file_size);
	tcase_add_test(tc, test_long_values);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(cfg_suite());
}
