/*
 * check_metaclient: the mount daemon's metaserver client (over
 * common/metaconn) against small in-process HTTP servers (common/httpd):
 * following a standby's 307 to the leader, failing over past a dead
 * address, bounded retries (a standby with no leader ends in ETIMEDOUT,
 * never EAGAIN), error bodies decoded to errno without retrying, malformed
 * answers, the base64 of xattr values, that commit's "attr" is encoded
 * exactly as setattr's fields, and the block map an open's answer carries.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "common/errmap.h"
#include "common/httpc.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/protocol.h"
#include "common/metaclient.h"
#include "tests/lib/check_main.h"

struct fake {
	struct httpd	*h;
	char		 addr[64];
	char		 leader[64];	/* standby: where to send clients */
	int		 mode;		/* FAKE_* */
	int		 calls;
	cJSON		*last;		/* the last request's body */
};

enum { FAKE_LEADER, FAKE_STANDBY, FAKE_NOLEADER, FAKE_BADATTR };

static void
attr_json(cJSON *o, uint64_t ino)
{
	cJSON	*a = json_new_object();

	json_add_u64(a, JF_INO, ino);
	json_add_num(a, JF_MODE, 0100644);
	json_add_num(a, JF_UID, 1000);
	json_add_num(a, JF_GID, 100);
	json_add_u64(a, JF_SIZE, UINT64_C(5000000000));
	json_add_num(a, JF_NLINK, 1);
	json_add_u64(a, JF_RDEV, 0);
	json_add_i64(a, JF_ATIME, -1000000000LL);
	json_add_i64(a, JF_MTIME, INT64_C(1700000000123456789));
	json_add_i64(a, JF_CTIME, 5);
	json_add_num(a, JF_BLKSIZE, 4194304);
	json_add_u64(a, JF_BLOCKS, 9765625);
	json_add_u64(a, JF_GENERATION, 3);
	cJSON_AddItemToObject(o, JF_ATTR, a);
}

#define FAKE_ID		"0123456789abcdef0123456789abcdef" \
			"0123456789abcdef0123456789abcdef"
#define FAKE_BAD_MAP	66	/* inode whose map has a bad block id */

/* A blockmap answer's fields: chunks 0 and 3 of a 4-block file, the
 * first with two replicas and a token. */
static void
map_json(cJSON *o, uint64_t ino)
{
	cJSON	*arr = json_new_array(), *c, *locs, *l;

	json_add_u64(o, JF_SIZE, 3 * 4194304 + 10);
	json_add_u64(o, JF_BLOCK_SIZE, 4194304);
	c = json_new_object();
	json_add_u64(c, JF_INDEX, 0);
	json_add_str(c, JF_ID, ino == FAKE_BAD_MAP ? "not-hex" : FAKE_ID);
	json_add_u64(c, JF_LEN, 4194304);
	locs = json_new_array();
	l = json_new_object();
	json_add_str(l, JF_ID, "ds1");
	json_add_str(l, JF_ADDR, "127.0.0.1:8001");
	cJSON_AddItemToArray(locs, l);
	l = json_new_object();
	json_add_str(l, JF_ID, "ds2");
	json_add_str(l, JF_ADDR, "127.0.0.1:8002");
	cJSON_AddItemToArray(locs, l);
	cJSON_AddItemToObject(c, JF_LOCATIONS, locs);
	json_add_str(c, JF_TOKEN, "tok.en");
	cJSON_AddItemToArray(arr, c);
	c = json_new_object();
	json_add_u64(c, JF_INDEX, 3);
	json_add_str(c, JF_ID, FAKE_ID);
	json_add_u64(c, JF_LEN, 10);
	cJSON_AddItemToObject(c, JF_LOCATIONS, json_new_array());
	cJSON_AddItemToArray(arr, c);
	cJSON_AddItemToObject(o, JF_CHUNKS, arr);
}

static void
h_any(struct httpd_req *req, struct httpd_resp *resp)
{
	struct fake	*f = httpd_arg(req);
	const cJSON	*j = httpd_json(req);
	const char	*path = httpd_path(req), *name, *v;
	uint64_t	 ino = 0;
	cJSON		*o;

	__atomic_add_fetch(&f->calls, 1, __ATOMIC_SEQ_CST);
	cJSON_Delete(f->last);
	f->last = cJSON_Duplicate(j, 1);
	if (f->mode == FAKE_STANDBY) {
		(void)httpd_resp_header(resp, HTTP_HDR_LEADER, f->leader);
		httpd_resp_error(resp, EIO, "not the leader");
		resp->status = 307;
		return;
	}
	if (f->mode == FAKE_NOLEADER) {
		/* protocol.h's standby answer while no leader is known */
		o = errmap_body(EAGAIN, "no leader yet");
		json_add_str(o, JF_LEADER, "");
		httpd_resp_json(resp, 503, o);
		return;
	}
	o = json_new_object();
	if (strcmp(path, META_ROUTE_FS_LOOKUP) == 0 &&
	    json_get_str(j, JF_NAME, &name) == 0 &&
	    strcmp(name, "missing") == 0) {
		cJSON_Delete(o);
		httpd_resp_error(resp, ENOENT, "no such entry");
		return;
	}
	if (strcmp(path, META_ROUTE_FS_GETXATTR) == 0) {
		/* the value is the name, base64'ed by the test itself */
		(void)json_get_str(j, JF_NAME, &v);
		json_add_str(o, JF_VALUE, v + strlen("user."));
		httpd_resp_json(resp, 200, o);
		return;
	}
	(void)json_get_u64(j, JF_INO, &ino);
	if (f->mode == FAKE_BADATTR)
		json_add_str(o, JF_ATTR, "not an object");
	else
		attr_json(o, ino != 0 ? ino : 1);
	if (strcmp(path, META_ROUTE_FS_OPEN) == 0)
		json_add_u64(o, JF_FH, 5);
	if (strcmp(path, META_ROUTE_FS_BLOCKMAP) == 0 ||
	    (strcmp(path, META_ROUTE_FS_OPEN) == 0 &&
	    cJSON_GetObjectItem(j, JF_MAP) != NULL))
		map_json(o, ino);
	httpd_resp_json(resp, 200, o);
}

static const struct httpd_route fake_routes[] = {
	{ "POST", "/v1/fs/{name}", 65536, HTTPD_JSON, h_any, NULL, NULL,
	    NULL },
	{ NULL }
};

static struct fake *
fake_start(int mode, const char *leader)
{
	struct fake		*f = calloc(1, sizeof(*f));
	struct httpd_options	 o = { 0 };
	char			 err[128];

	ck_assert_ptr_nonnull(f);
	f->mode = mode;
	if (leader != NULL)
		snprintf(f->leader, sizeof(f->leader), "%s", leader);
	o.listen = "127.0.0.1:0";
	o.routes = fake_routes;
	o.arg = f;
	f->h = httpd_start(&o, err, sizeof(err));
	ck_assert_msg(f->h != NULL, "httpd_start: %s", err);
	snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%u", httpd_port(f->h));
	return f;
}

static void
fake_stop(struct fake *f)
{
	httpd_stop(f->h);
	cJSON_Delete(f->last);
	free(f);
}

/* A loopback port nobody listens on. */
static unsigned
dead_port(void)
{
	struct sockaddr_in	 sa = { 0 };
	socklen_t		 len = sizeof(sa);
	int			 fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned		 port;

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static struct metaclient *
client(const char *source, long retry_ms)
{
	struct metaclient	*mc = NULL;
	char			 err[128];

	ck_assert_int_eq(mc_new(source, NULL, 0, retry_ms, 2000, &mc, err,
	    sizeof(err)), 0);
	return mc;
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
setup(void)
{
	httpc_global_init();
}

START_TEST(test_attr_decoded)
{
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct metaclient	*mc = client(l->addr, 2000);
	struct mc_attr		 a;

	ck_assert_int_eq(mc_getattr(mc, 42, &a), 0);
	ck_assert_uint_eq(a.ino, 42);
	ck_assert_uint_eq(a.mode, 0100644);
	ck_assert_uint_eq(a.uid, 1000);
	ck_assert_uint_eq(a.gid, 100);
	ck_assert_uint_eq(a.size, UINT64_C(5000000000));
	ck_assert_int_eq(a.atime, -1000000000LL);
	ck_assert_int_eq(a.mtime, INT64_C(1700000000123456789));
	ck_assert_uint_eq(a.blksize, 4194304);
	ck_assert_uint_eq(a.generation, 3);
	mc_free(mc);
	fake_stop(l);
}
END_TEST

/* mc_changes moves twice (before and after) for each request that may
 * change names or attributes, answered or not, and never for reads. */
START_TEST(test_changes_counted)
{
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct metaclient	*mc = client(l->addr, 2000);
	struct mc_setattr	 sa = { .set = MC_SET_MODE, .mode = 0600 };
	struct mc_attr		 a;
	uint64_t		 g0, fh;

	g0 = mc_changes(mc);
	ck_assert_int_eq(mc_getattr(mc, 42, &a), 0);
	ck_assert_int_eq(mc_lookup(mc, 1, "missing", &a), -ENOENT);
	(void)mc_open(mc, 42, O_RDWR, &a, &fh);
	ck_assert_uint_eq(mc_changes(mc), g0);
	ck_assert_int_eq(mc_setattr(mc, NULL, 42, &sa, &a), 0);
	ck_assert_uint_eq(mc_changes(mc), g0 + 2);
	(void)mc_open(mc, 42, O_WRONLY | O_TRUNC, &a, &fh);
	ck_assert_uint_eq(mc_changes(mc), g0 + 4);
	(void)mc_unlink(mc, NULL, 1, "x");
	ck_assert_uint_eq(mc_changes(mc), g0 + 6);
	mc_free(mc);
	fake_stop(l);
}
END_TEST

START_TEST(test_follows_redirect)
{
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct fake		*s = fake_start(FAKE_STANDBY, l->addr);
	struct metaclient	*mc = client(s->addr, 2000);
	struct mc_attr		 a;

	ck_assert_int_eq(mc_getattr(mc, 7, &a), 0);
	ck_assert_uint_eq(a.ino, 7);
	ck_assert_int_eq(s->calls, 1);
	ck_assert_int_eq(l->calls, 1);
	/* the leader is remembered: the standby is not asked again */
	ck_assert_int_eq(mc_getattr(mc, 8, &a), 0);
	ck_assert_int_eq(s->calls, 1);
	ck_assert_int_eq(l->calls, 2);
	mc_free(mc);
	fake_stop(s);
	fake_stop(l);
}
END_TEST

START_TEST(test_fails_over_dead_address)
{
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct metaclient	*mc;
	struct mc_attr		 a;
	char			 src[160];

	snprintf(src, sizeof(src), "127.0.0.1:%u,%s", dead_port(), l->addr);
	mc = client(src, 5000);
	ck_assert_int_eq(mc_getattr(mc, 9, &a), 0);
	ck_assert_uint_eq(a.ino, 9);
	mc_free(mc);
	fake_stop(l);
}
END_TEST

START_TEST(test_error_not_retried)
{
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct metaclient	*mc = client(l->addr, 5000);
	struct mc_attr		 a;

	ck_assert_int_eq(mc_lookup(mc, 1, "missing", &a), -ENOENT);
	ck_assert_int_eq(l->calls, 1);
	mc_free(mc);
	fake_stop(l);
}
END_TEST

START_TEST(test_bounded_when_all_dead)
{
	struct metaclient	*mc;
	struct mc_attr		 a;
	char			 src[64];
	double			 t0 = now_s();
	int			 rc;

	snprintf(src, sizeof(src), "127.0.0.1:%u", dead_port());
	mc = client(src, 800);
	rc = mc_getattr(mc, 1, &a);
	ck_assert_msg(rc == -EIO || rc == -ETIMEDOUT, "rc %d", rc);
	ck_assert_double_lt(now_s() - t0, 5.0);
	mc_free(mc);
}
END_TEST

START_TEST(test_bounded_without_leader)
{
	struct fake		*n = fake_start(FAKE_NOLEADER, NULL);
	struct metaclient	*mc = client(n->addr, 800);
	struct mc_attr		 a;
	double			 t0 = now_s();

	ck_assert_int_eq(mc_getattr(mc, 1, &a), -ETIMEDOUT);
	ck_assert_double_lt(now_s() - t0, 5.0);
	ck_assert_int_ge(n->calls, 2);	/* it did retry */
	mc_free(mc);
	fake_stop(n);
}
END_TEST

START_TEST(test_bad_answer)
{
	struct fake		*b = fake_start(FAKE_BADATTR, NULL);
	struct metaclient	*mc = client(b->addr, 2000);
	struct mc_attr		 a;

	ck_assert_int_eq(mc_getattr(mc, 1, &a), -EIO);
	mc_free(mc);
	fake_stop(b);
}
END_TEST

START_TEST(test_xattr_base64)
{
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct metaclient	*mc = client(l->addr, 2000);
	void			*v;
	size_t			 len;

	/* "user.<b64>": the fake answers the b64 part as the value */
	ck_assert_int_eq(mc_getxattr(mc, 1, "user.AAEC", &v, &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(v, "\0\1\2", 3), 0);
	free(v);
	ck_assert_int_eq(mc_getxattr(mc, 1, "user.aGk=", &v, &len), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(memcmp(v, "hi", 2), 0);
	free(v);
	ck_assert_int_eq(mc_getxattr(mc, 1, "user.", &v, &len), 0);
	ck_assert_uint_eq(len, 0);
	free(v);
	ck_assert_int_eq(mc_getxattr(mc, 1, "user.abc", &v, &len), -EIO);
	mc_free(mc);
	fake_stop(l);
}
END_TEST

static void
check_map(const struct mc_chunk *c, size_t n, uint64_t size)
{
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(size, 3 * 4194304 + 10);
	ck_assert_uint_eq(c[0].index, 0);
	ck_assert_uint_eq(c[0].len, 4194304);
	ck_assert_str_eq(c[0].id, FAKE_ID);
	ck_assert_str_eq(c[0].token, "tok.en");
	ck_assert_uint_eq(c[0].nloc, 2);
	ck_assert_str_eq(c[0].loc[1].id, "ds2");
	ck_assert_str_eq(c[0].loc[1].addr, "127.0.0.1:8002");
	ck_assert_uint_eq(c[1].index, 3);
	ck_assert_uint_eq(c[1].len, 10);
	ck_assert_str_eq(c[1].token, "");
	ck_assert_uint_eq(c[1].nloc, 0);
}

/* The map an open's answer carries is decoded as a blockmap answer is;
 * none is asked without "map"; a bad one is dropped, the open stands. */
START_TEST(test_open_map)
{
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct metaclient	*mc = client(l->addr, 2000);
	struct mc_attr		 a;
	struct mc_map		 m;
	struct mc_chunk		*c;
	uint32_t		 asked = 0;
	uint64_t		 fh = 0, size;
	size_t			 n;

	ck_assert_int_eq(mc_open_map(mc, 9, 0, 64, &a, &fh, &m), 0);
	ck_assert_int_eq(json_get_u32(l->last, JF_MAP, &asked), 0);
	ck_assert_uint_eq(asked, 64);
	ck_assert_uint_eq(fh, 5);
	ck_assert_uint_eq(a.ino, 9);
	ck_assert(m.valid);
	ck_assert_uint_eq(m.block_size, 4194304);
	check_map(m.chunks, m.n, m.size);
	mc_map_release(&m);
	ck_assert_ptr_null(m.chunks);
	ck_assert(!m.valid);
	ck_assert_int_eq(mc_blockmap(mc, 9, 0, 16, &c, &n, &size), 0);
	check_map(c, n, size);
	free(c);

	ck_assert_int_eq(mc_open(mc, 9, 0, &a, &fh), 0);
	ck_assert_ptr_null(cJSON_GetObjectItem(l->last, JF_MAP));
	ck_assert_int_eq(mc_open_map(mc, 9, 0, 0, &a, &fh, &m), 0);
	ck_assert_ptr_null(cJSON_GetObjectItem(l->last, JF_MAP));
	ck_assert(!m.valid);
	mc_map_release(&m);

	ck_assert_int_eq(mc_open_map(mc, FAKE_BAD_MAP, 0, 4, &a, &fh, &m), 0);
	ck_assert_uint_eq(fh, 5);
	ck_assert(!m.valid);
	ck_assert_ptr_null(m.chunks);
	mc_map_release(&m);
	ck_assert_int_eq(mc_blockmap(mc, FAKE_BAD_MAP, 0, 4, &c, &n, &size),
	    -EIO);
	mc_free(mc);
	fake_stop(l);
}
END_TEST

/* A map size out of 1..MDFS_BLOCKMAP_MAX: EINVAL, nothing sent. */
START_TEST(test_open_map_refused)
{
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct metaclient	*mc = client(l->addr, 2000);
	struct mc_attr		 a;
	struct mc_map		 m;
	uint64_t		 fh;

	ck_assert_int_eq(mc_open_map(mc, 9, 0, MDFS_BLOCKMAP_MAX + 1, &a, &fh,
	    &m), -EINVAL);
	ck_assert(!m.valid);
	ck_assert_int_eq(mc_open_map(mc, 9, 0, 4, &a, &fh, NULL), -EINVAL);
	ck_assert_int_eq(__atomic_load_n(&l->calls, __ATOMIC_SEQ_CST), 0);
	mc_free(mc);
	fake_stop(l);
}
END_TEST

/* The last body's fields other than ino and caller (setattr's fields). */
static cJSON *
setattr_fields(const struct fake *f)
{
	cJSON	*o = cJSON_Duplicate(f->last, 1);

	cJSON_DeleteItemFromObject(o, JF_INO);
	cJSON_DeleteItemFromObject(o, JF_CALLER);
	return o;
}

START_TEST(test_commit_attr_encoded)
{
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct metaclient	*mc = client(l->addr, 2000);
	struct mc_setattr	 s = { 0 };
	struct mc_attr		 a;
	const cJSON		*ao;
	cJSON			*want;
	int64_t			 mt = 0;

	s.set = MC_SET_MODE | MC_SET_UID | MC_SET_GID | MC_SET_ATIME;
	s.mode = 04640;
	s.uid = 4000000000u;
	s.gid = 6;
	s.atime = -3;
	ck_assert_int_eq(mc_setattr(mc, NULL, 7, &s, &a), 0);
	want = setattr_fields(l);
	ck_assert_int_eq(cJSON_GetArraySize(want), 4);
	ck_assert_int_eq(mc_commit_attr(mc, 7, 10, 99, NULL, 0, &s, &a), 0);
	ck_assert_int_eq(json_get_object(l->last, JF_ATTR, &ao), 0);
	ck_assert(cJSON_Compare(ao, want, 1));
	ck_assert_int_eq(json_get_i64(l->last, JF_MTIME, &mt), 0);
	ck_assert_int_eq(mt, 99);
	cJSON_Delete(want);
	/* "now" as setattr sends it */
	s.set = MC_SET_ATIME_NOW;
	ck_assert_int_eq(mc_setattr(mc, NULL, 7, &s, &a), 0);
	want = setattr_fields(l);
	ck_assert_int_eq(mc_commit_attr(mc, 7, 10, -1, NULL, 0, &s, &a), 0);
	ck_assert_int_eq(json_get_object(l->last, JF_ATTR, &ao), 0);
	ck_assert(cJSON_Compare(ao, want, 1));
	ck_assert_str_eq(cJSON_GetObjectItem(ao, JF_ATIME)->valuestring,
	    JF_TIME_NOW);
	cJSON_Delete(want);
	/* nothing to set: no "attr" at all, as mc_commit */
	s.set = 0;
	ck_assert_int_eq(mc_commit_attr(mc, 7, 10, -1, NULL, 0, &s, &a), 0);
	ck_assert_int_eq(json_get_object(l->last, JF_ATTR, &ao), -ENOENT);
	ck_assert_int_eq(mc_commit(mc, 7, 10, -1, NULL, 0, &a), 0);
	ck_assert_int_eq(json_get_object(l->last, JF_ATTR, &ao), -ENOENT);
	mc_free(mc);
	fake_stop(l);
}
END_TEST

/* Fields a commit cannot carry: EINVAL, nothing sent. */
START_TEST(test_commit_attr_refused)
{
	static const unsigned bad[] = { MC_SET_SIZE, MC_SET_MTIME,
	    MC_SET_MTIME_NOW, MC_SET_MODE | MC_SET_SIZE, 0x100u };
	struct fake		*l = fake_start(FAKE_LEADER, NULL);
	struct metaclient	*mc = client(l->addr, 2000);
	struct mc_setattr	 s = { 0 };
	struct mc_attr		 a;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.set = bad[i];
		ck_assert_int_eq(mc_commit_attr(mc, 7, 10, -1, NULL, 0, &s,
		    &a), -EINVAL);
	}
	ck_assert_int_eq(__atomic_load_n(&l->calls, __ATOMIC_SEQ_CST), 0);
	mc_free(mc);
	fake_stop(l);
}
END_TEST

static Suite *
metaclient_suite(void)
{
	Suite	*s = suite_create("metaclient");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_attr_decoded);
	tcase_add_test(tc, test_changes_counted);
	tcase_add_test(tc, test_follows_redirect);
	tcase_add_test(tc, test_fails_over_dead_address);
	tcase_add_test(tc, test_xattr_base64);
	tcase_add_test(tc, test_commit_attr_encoded);
	tcase_add_test(tc, test_open_map);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_error_not_retried);
	tcase_add_test(tc, test_bounded_when_all_dead);
	tcase_add_test(tc, test_bounded_without_leader);
	tcase_add_test(tc, test_bad_answer);
	tcase_add_test(tc, test_commit_attr_refused);
	tcase_add_test(tc, test_open_map_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(metaclient_suite());
}
