/*
 * check_adminapi: the admin calls and the metaserver transport under them.
 * A "leader" and a "standby" (common/httpd on 127.0.0.1, canned answers in
 * the shapes of common/protocol.h) show: the standby's 307 is followed, a
 * dead address is failed over, error answers come back as their errno with
 * the server's message, auth is sent when a secret is set, and every
 * decoder refuses malformed answers with -EIO.  Bad metaserver lists and
 * node names are refused before anything is sent.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/adminapi.h"
#include "common/errmap.h"
#include "common/httpc.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/metaconn.h"
#include "common/protocol.h"
#include "common/token.h"
#include "tests/lib/check_main.h"

#define SECRET	"0123456789abcdef0123456789abcdef"

static const char node_d1[] =
	"{\"id\":\"d1\",\"addr\":\"127.0.0.1:9001\",\"state\":\"live\","
	"\"registered\":true,\"reported\":true,\"capacity\":\"1000\","
	"\"used\":\"10\",\"free\":\"990\",\"blocks\":\"3\","
	"\"drain_remaining\":\"0\",\"last_heartbeat_ms\":\"250\","
	"\"queued\":\"0\"}";

static const char status_body[] =
	"{\"leader\":\"127.0.0.1:1\",\"is_leader\":true,"
	"\"nodes\":{\"live\":1,\"dead\":2,\"draining\":0},"
	"\"capacity\":\"1000\",\"free\":\"990\",\"blocks\":\"3\","
	"\"referenced\":\"2\",\"under_replicated\":\"1\",\"missing\":\"0\","
	"\"pending\":\"0\",\"sessions\":4,\"locks\":5,\"gc_held\":true,"
	"\"gc_held_reason\":\"waiting for reports\",\"inodes\":\"9\","
	"\"files\":\"6\",\"dirs\":\"3\",\"bytes\":\"12345\","
	"\"requests\":\"77\",\"node_list\":[%s]}";

#define BLK "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
static const char fsck_body[] =
	"{\"files\":\"1\",\"chunks\":\"2\",\"healthy\":\"1\","
	"\"under_replicated\":\"1\",\"missing\":\"0\",\"unknown\":\"0\","
	"\"truncated\":false,\"problems\":[{\"ino\":\"5\",\"index\":\"1\","
	"\"id\":\"" BLK "\",\"len\":\"100\",\"state\":\"under\",\"live\":1,"
	"\"wanted\":3}]}";

/* the first of two pages: the second is fsck_body */
static const char fsck_page1[] =
	"{\"files\":\"1\",\"chunks\":\"1\",\"healthy\":\"1\","
	"\"under_replicated\":\"0\",\"missing\":\"0\",\"unknown\":\"0\","
	"\"truncated\":false,\"next\":\"5:1\",\"problems\":[{\"ino\":\"5\","
	"\"index\":\"0\",\"id\":\"" BLK "\",\"len\":\"100\",\"state\":\"ok\","
	"\"live\":3,\"wanted\":3}]}";

/* ---- the fake metaservers ------------------------------------------------ */

struct fake {
	struct httpd	*h;
	char		 addr[64];
	char		 leader[64];	/* standby: where to redirect */
	int		 no_leader;	/* standby: 503, no leader known */
	int		 calls;
	char		 last_auth[TOKEN_MAX_LEN + 1];
};

static struct fake	 leader, standby;

static void
answer_text(struct httpd_resp *resp, const char *text)
{
	httpd_resp_json(resp, 200, cJSON_Parse(text));
}

static void
h_any(struct httpd_req *req, struct httpd_resp *resp)
{
	struct fake	*f = httpd_arg(req);
	const char	*path = httpd_path(req), *name, *auth;
	char		 buf[2048];

	f->calls++;
	auth = httpd_header(req, HTTP_HDR_AUTH);
	snprintf(f->last_auth, sizeof(f->last_auth), "%s", auth ? auth : "");
	if (f->no_leader) {
		cJSON *o = errmap_body(EAGAIN, "no leader yet");
		json_add_str(o, JF_LEADER, "");
		httpd_resp_json(resp, 503, o);
		return;
	}
	if (f->leader[0] != '\0') {
		httpd_resp_error(resp, EAGAIN, "not the leader");
		resp->status = 307;
		(void)httpd_resp_header(resp, HTTP_HDR_LEADER, f->leader);
		return;
	}
	name = httpd_param(req, "name");
	if (strcmp(path, META_ROUTE_NODES) == 0)
		snprintf(buf, sizeof(buf), "{\"nodes\":[%s,%s]}", node_d1,
		    node_d1);
	else if (strcmp(path, META_ROUTE_STATUS) == 0)
		snprintf(buf, sizeof(buf), status_body, node_d1);
	else if (strcmp(path, META_ROUTE_FSCK) == 0) {
		const char *all = httpd_query(req, "all");
		const char *after = httpd_query(req, JF_AFTER);
		if (all == NULL || strcmp(all, "1") != 0) {
			httpd_resp_error(resp, EINVAL, "want all=1 here");
			return;
		}
		if (after != NULL && strcmp(after, "0") == 0)
			snprintf(buf, sizeof(buf), "%s", fsck_page1);
		else if (after != NULL && strcmp(after, "5:1") == 0)
			snprintf(buf, sizeof(buf), "%s", fsck_body);
		else if (after != NULL) {
			httpd_resp_error(resp, EINVAL, "cursor %s", after);
			return;
		} else
			snprintf(buf, sizeof(buf), "%s", fsck_body);
	} else if (strcmp(path, META_ROUTE_GC) == 0) {
		httpd_resp_error(resp, EAGAIN, "GC held: waiting for reports");
		return;
	} else if (name != NULL && strcmp(name, "d1") == 0)
		snprintf(buf, sizeof(buf), "%s", node_d1);
	else if (name != NULL && strcmp(name, "junk") == 0)
		snprintf(buf, sizeof(buf), "{\"id\":\"junk\"}");
	else if (name != NULL) {
		httpd_resp_error(resp, ENXIO, "no dataserver named %s", name);
		return;
	} else {
		httpd_resp_error(resp, ENOENT, "no route");
		return;
	}
	answer_text(resp, buf);
}

/* A dataserver's block routes: BLK is held (100 bytes), any other is not;
 * a push to "127.0.0.1:1" fails as a target would. */
static void
h_block(struct httpd_req *req, struct httpd_resp *resp)
{
	struct fake	*f = httpd_arg(req);
	const char	*id = httpd_param(req, "id"), *to;

	f->calls++;
	if (strcmp(id, BLK) != 0) {
		httpd_resp_error(resp, ENOENT, "no block %s", id);
		return;
	}
	if (strcmp(httpd_method(req), "POST") == 0) {
		if (json_get_str(httpd_json(req), JF_TO, &to) != 0) {
			httpd_resp_error(resp, EINVAL, "no \"to\"");
			return;
		}
		if (strcmp(to, "127.0.0.1:1") == 0) {
			httpd_resp_error(resp, EHOSTUNREACH, "target %s failed",
			    to);
			resp->status = 502;
			return;
		}
		answer_text(resp, "{\"id\":\"" BLK "\",\"stored\":[]}");
		return;
	}
	resp->body = calloc(1, 100);
	resp->body_len = 100;
	resp->content_type = "application/octet-stream";
}

static const struct httpd_route routes[] = {
	{ "GET", DATA_ROUTE_BLOCK, 0, 0, h_block, NULL, NULL, NULL },
	{ "POST", DATA_ROUTE_PUSH, 4096, HTTPD_JSON | HTTPD_AUTH, h_block,
	  NULL, NULL, NULL },
	{ "GET", META_ROUTE_NODES, 0, 0, h_any, NULL, NULL, NULL },
	{ "GET", META_ROUTE_NODE, 0, 0, h_any, NULL, NULL, NULL },
	{ "POST", META_ROUTE_DECOMMISSION, 4096, HTTPD_JSON, h_any, NULL, NULL,
	  NULL },
	{ "POST", META_ROUTE_GC, 4096, HTTPD_JSON, h_any, NULL, NULL, NULL },
	{ "GET", META_ROUTE_FSCK, 0, 0, h_any, NULL, NULL, NULL },
	{ "GET", META_ROUTE_STATUS, 0, 0, h_any, NULL, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static void
fake_start(struct fake *f, const char *secret)
{
	struct httpd_options	 o = { 0 };
	char			 err[256];

	o.listen = "127.0.0.1:0";
	o.routes = routes;
	o.arg = f;
	o.secret = secret;
	o.secret_len = secret != NULL ? strlen(secret) : 0;
	f->h = httpd_start(&o, err, sizeof(err));
	ck_assert_msg(f->h != NULL, "%s", err);
	snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%u", httpd_port(f->h));
}

static void
setup(void)
{
	httpc_global_init();
	memset(&leader, 0, sizeof(leader));
	memset(&standby, 0, sizeof(standby));
	fake_start(&leader, NULL);
	fake_start(&standby, NULL);
	snprintf(standby.leader, sizeof(standby.leader), "%s", leader.addr);
}

static void
teardown(void)
{
	httpd_stop(leader.h);
	httpd_stop(standby.h);
}

static struct metaconn *
conn(const char *list, const char *secret, long retry_ms)
{
	struct metaconn	*c = NULL;
	char		 err[256];

	ck_assert_int_eq(metaconn_new(list, secret, secret ? strlen(secret) :
	    0, retry_ms, 2000, &c, err, sizeof(err)), 0);
	return c;
}

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_nodes_via_standby)
{
	struct metaconn		*c = conn(standby.addr, NULL, 3000);
	struct adminapi_node	*nodes = NULL;
	size_t			 n = 0;
	char			 err[256] = "", who[MDFS_ADDR_MAX];

	ck_assert_int_eq(adminapi_nodes(c, &nodes, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(nodes[0].id, "d1");
	ck_assert_str_eq(nodes[0].addr, "127.0.0.1:9001");
	ck_assert_str_eq(nodes[0].state, "live");
	ck_assert_uint_eq(nodes[0].capacity, 1000);
	ck_assert_uint_eq(nodes[0].free, 990);
	ck_assert_uint_eq(nodes[0].blocks, 3);
	ck_assert_int_eq(nodes[0].last_heartbeat_ms, 250);
	ck_assert_int_eq(nodes[0].reported, 1);
	ck_assert_int_eq(standby.calls, 1);
	ck_assert_int_eq(leader.calls, 1);
	metaconn_leader(c, who, sizeof(who));
	ck_assert_str_eq(who, leader.addr);
	free(nodes);
	/* the leader is remembered: the standby is not asked again */
	ck_assert_int_eq(adminapi_nodes(c, &nodes, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(standby.calls, 1);
	ck_assert_int_eq(leader.calls, 2);
	free(nodes);
	metaconn_free(c);
}
END_TEST

/* A dead first address is skipped for the next one. */
START_TEST(test_failover)
{
	char			 list[256];
	struct metaconn		*c;
	struct adminapi_node	 nd;
	char			 err[256];

	snprintf(list, sizeof(list), "127.0.0.1:1,%s", leader.addr);
	c = conn(list, NULL, 5000);
	ck_assert_int_eq(adminapi_node(c, "d1", &nd, err, sizeof(err)), 0);
	ck_assert_str_eq(nd.id, "d1");
	ck_assert_int_eq(adminapi_decommission(c, "d1", 1, &nd, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(nd.addr, "127.0.0.1:9001");
	metaconn_free(c);
}
END_TEST

START_TEST(test_status)
{
	struct metaconn		*c = conn(leader.addr, NULL, 3000);
	struct adminapi_status	 st;
	char			 err[256];

	ck_assert_int_eq(adminapi_status(c, &st, err, sizeof(err)), 0);
	ck_assert_int_eq(st.is_leader, 1);
	ck_assert_uint_eq(st.live, 1);
	ck_assert_uint_eq(st.dead, 2);
	ck_assert_uint_eq(st.under_replicated, 1);
	ck_assert_uint_eq(st.sessions, 4);
	ck_assert_uint_eq(st.locks, 5);
	ck_assert_int_eq(st.gc_held, 1);
	ck_assert_str_eq(st.gc_held_reason, "waiting for reports");
	ck_assert_uint_eq(st.bytes, 12345);
	ck_assert_uint_eq(st.nnodes, 1);
	ck_assert_str_eq(st.nodes[0].id, "d1");
	adminapi_status_release(&st);
	ck_assert_ptr_null(st.nodes);
	metaconn_free(c);
}
END_TEST

START_TEST(test_fsck)
{
	struct metaconn		*c = conn(leader.addr, NULL, 3000);
	struct adminapi_fsck	 f;
	char			 err[256];

	ck_assert_int_eq(adminapi_fsck(c, 1, &f, err, sizeof(err)), 0);
	ck_assert_uint_eq(f.files, 1);
	ck_assert_uint_eq(f.chunks, 2);
	ck_assert_uint_eq(f.under_replicated, 1);
	ck_assert_uint_eq(f.nproblems, 1);
	ck_assert_uint_eq(f.problems[0].ino, 5);
	ck_assert_uint_eq(f.problems[0].index, 1);
	ck_assert_uint_eq(f.problems[0].len, 100);
	ck_assert_str_eq(f.problems[0].id, BLK);
	ck_assert_str_eq(f.problems[0].state, "under");
	ck_assert_uint_eq(f.problems[0].wanted, 3);
	adminapi_fsck_release(&f);
	/* without all=1 the fake refuses: the query string is what we sent */
	ck_assert_int_eq(adminapi_fsck(c, 0, &f, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "GET /v1/fsck: EINVAL: want all=1 here");
	metaconn_free(c);
}
END_TEST

START_TEST(test_fsck_pages)
{
	struct metaconn		*c = conn(leader.addr, NULL, 3000);
	struct adminapi_fsck	 f;
	char			 err[256];

	ck_assert_int_eq(adminapi_fsck_page(c, 1, "0", &f, err, sizeof(err)),
	    0);
	ck_assert_str_eq(f.next, "5:1");
	ck_assert_uint_eq(f.nproblems, 1);
	ck_assert_uint_eq(f.problems[0].index, 0);
	ck_assert_str_eq(f.problems[0].state, "ok");
	adminapi_fsck_release(&f);
	ck_assert_int_eq(adminapi_fsck_page(c, 1, "5:1", &f, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(f.next, "");
	ck_assert_uint_eq(f.problems[0].index, 1);
	adminapi_fsck_release(&f);
	/* the cursor reaches the server as it is */
	ck_assert_int_eq(adminapi_fsck_page(c, 1, "7", &f, err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "GET /v1/fsck?after=7&all=1: EINVAL: cursor 7");
	metaconn_free(c);
}
END_TEST

START_TEST(test_fsck_bad_cursor)
{
	static const char *const bad[] = { "", "1&all=0", "a", "1 2",
	    "12345678901234567890:12345678901234567890:1234567" };
	struct metaconn		*c = conn(leader.addr, NULL, 3000);
	struct adminapi_fsck	 f;
	char			 err[256];
	int			 calls = leader.calls;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(adminapi_fsck_page(c, 1, bad[i], &f, err,
		    sizeof(err)), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "bad page cursor"));
	}
	ck_assert_int_eq(adminapi_fsck_page(c, 1, NULL, &f, err,
	    sizeof(err)), -EINVAL);
	ck_assert_int_eq(leader.calls, calls);	/* nothing sent */
	metaconn_free(c);
}
END_TEST

/* With a secret every call carries a cluster token the server accepts. */
START_TEST(test_auth)
{
	struct metaconn		*c;
	struct adminapi_node	*nodes = NULL;
	size_t			 n;
	char			 err[256];
	struct fake		 sec;

	memset(&sec, 0, sizeof(sec));
	fake_start(&sec, SECRET);
	c = conn(sec.addr, NULL, 2000);
	ck_assert_int_eq(adminapi_nodes(c, &nodes, &n, err, sizeof(err)), 0);
	free(nodes);
	metaconn_free(c);
	ck_assert_str_eq(sec.last_auth, "");
	c = conn(sec.addr, SECRET, 2000);
	ck_assert_int_eq(adminapi_nodes(c, &nodes, &n, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(sec.last_auth, ".a.*."));
	free(nodes);
	metaconn_free(c);
	httpd_stop(sec.h);
}
END_TEST

START_TEST(test_block_calls)
{
	struct httpc	*h = httpc_new(&(struct httpc_options){ 0 });
	uint64_t	 size = 0;
	char		 err[512];
	char		 other[BLOCKID_BUFSZ];
	struct fake	 sec;

	memset(other, 'b', BLOCKID_HEX_LEN);
	other[BLOCKID_HEX_LEN] = '\0';

	ck_assert_int_eq(adminapi_block_head(h, leader.addr, BLK, "tok",
	    &size, err, sizeof(err)), 0);
	ck_assert_uint_eq(size, 100);
	ck_assert_int_eq(adminapi_block_head(h, leader.addr, other, NULL,
	    &size, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "no such block"));
	ck_assert_int_lt(adminapi_block_head(h, "127.0.0.1:1", BLK, NULL,
	    &size, err, sizeof(err)), 0);
	ck_assert_int_eq(adminapi_block_push(h, leader.addr, BLK,
	    "127.0.0.1:9", NULL, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(adminapi_block_push(h, leader.addr, other,
	    "127.0.0.1:9", NULL, 0, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(adminapi_block_push(h, leader.addr, BLK,
	    "127.0.0.1:1", NULL, 0, err, sizeof(err)), -EHOSTUNREACH);
	ck_assert_ptr_nonnull(strstr(err, "/push: HTTP 502 EHOSTUNREACH: "
	    "target 127.0.0.1:1 failed"));
	/* with a secret the push carries the cluster token, else 401/403 */
	memset(&sec, 0, sizeof(sec));
	fake_start(&sec, SECRET);
	ck_assert_int_lt(adminapi_block_push(h, sec.addr, BLK, "127.0.0.1:9",
	    NULL, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(adminapi_block_push(h, sec.addr, BLK, "127.0.0.1:9",
	    SECRET, strlen(SECRET), err, sizeof(err)), 0);
	httpd_stop(sec.h);
	httpc_free(h);
}
END_TEST

START_TEST(test_node_names)
{
	char	 name[MDFS_NODE_ID_MAX + 2];

	ck_assert_int_eq(adminapi_node_name_valid("d1"), 1);
	ck_assert_int_eq(adminapi_node_name_valid("A.b_c-9"), 1);
	memset(name, 'x', MDFS_NODE_ID_MAX);
	name[MDFS_NODE_ID_MAX] = '\0';
	ck_assert_int_eq(adminapi_node_name_valid(name), 1);
	name[MDFS_NODE_ID_MAX] = 'x';
	name[MDFS_NODE_ID_MAX + 1] = '\0';
	ck_assert_int_eq(adminapi_node_name_valid(name), 0);
	ck_assert_int_eq(adminapi_node_name_valid(""), 0);
	ck_assert_int_eq(adminapi_node_name_valid(NULL), 0);
	ck_assert_int_eq(adminapi_node_name_valid("a b"), 0);
	ck_assert_int_eq(adminapi_node_name_valid("a/b"), 0);
	ck_assert_int_eq(adminapi_node_name_valid("a%2fb"), 0);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_error_answers)
{
	struct metaconn		*c = conn(standby.addr, NULL, 3000);
	struct adminapi_node	 nd;
	uint64_t		 b, cm;
	char			 err[256];
	int			 before;

	ck_assert_int_eq(adminapi_node(c, "ghost", &nd, err, sizeof(err)),
	    -ENXIO);
	ck_assert_str_eq(err, "GET /v1/nodes/ghost: ENXIO: no dataserver "
	    "named ghost");
	ck_assert_int_eq(adminapi_gc(c, &b, &cm, err, sizeof(err)), -EAGAIN);
	ck_assert_str_eq(err, "POST /v1/gc: EAGAIN: GC held: waiting for "
	    "reports");
	/* a bad name is refused before anything is sent */
	before = leader.calls + standby.calls;
	ck_assert_int_eq(adminapi_node(c, "a b", &nd, err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(adminapi_decommission(c, "../x", 0, &nd, err,
	    sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bad node name \"../x\""));
	ck_assert_int_eq(leader.calls + standby.calls, before);
	/* a node object without its fields */
	ck_assert_int_eq(adminapi_node(c, "junk", &nd, err, sizeof(err)),
	    -EIO);
	ck_assert_str_eq(err, "bad answer to /v1/nodes/junk");
	metaconn_free(c);
}
END_TEST

/* Nobody listening: bounded by the retry time, the message says so. */
START_TEST(test_unreachable)
{
	struct metaconn		*c = conn("127.0.0.1:1,127.0.0.1:2", NULL,
				    400);
	struct adminapi_node	*nodes = NULL;
	size_t			 n;
	char			 err[512];
	int			 rc;

	rc = adminapi_nodes(c, &nodes, &n, err, sizeof(err));
	ck_assert(rc == -EIO || rc == -ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(err, "GET /v1/nodes: no metaserver "
	    "answered within 400 ms (last: 127.0.0.1:"));
	metaconn_free(c);
}
END_TEST

/* A standby that knows no leader (503 naming "leader":"") is retried,
 * then the next address is; a 503 without "leader" (GC held, above) is
 * not. */
START_TEST(test_no_leader)
{
	struct metaconn		*c;
	struct adminapi_node	*nodes = NULL;
	size_t			 n;
	char			 err[512], list[128];

	standby.no_leader = 1;
	c = conn(standby.addr, NULL, 500);
	ck_assert_int_eq(adminapi_nodes(c, &nodes, &n, err, sizeof(err)),
	    -ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(err, "no leader (HTTP 503)"));
	ck_assert_int_ge(standby.calls, 2);
	metaconn_free(c);
	snprintf(list, sizeof(list), "%s,%s", standby.addr, leader.addr);
	c = conn(list, NULL, 3000);
	ck_assert_int_eq(adminapi_nodes(c, &nodes, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	free(nodes);
	metaconn_free(c);
}
END_TEST

static const struct {
	const char	*list;
	const char	*msg;
} bad_lists[] = {
	{ "", "empty metaserver list" },
	{ "a:1,", "a:1,: empty address" },
	{ ",a:1", ",a:1: empty address" },
	{ "host", "host: want host:port" },
	{ ":80", ":80: want host:port" },
	{ "h:", "h:: want host:port" },
	{ "h:0", "h:0: bad port" },
	{ "h:65536", "h:65536: bad port" },
	{ "h:8x", "h:8x: bad port" },
	{ "h:123456789", "h:123456789: want host:port" },
	{ "1.2.3.4:1.2.3.4:80", "1.2.3.4:1.2.3.4:80: want host:port" },
	{ "::1:80", "::1:80: want host:port" },
	{ "h:1,[::1:80", "[::1:80: want host:port" },
};

START_TEST(test_bad_list)
{
	char		 addrs[METACONN_ADDRS_MAX][MDFS_ADDR_MAX], err[256];
	struct metaconn	*c = NULL;

	ck_assert_int_eq(metaconn_parse_list(bad_lists[_i].list, addrs, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, bad_lists[_i].msg);
	ck_assert_int_eq(metaconn_new(bad_lists[_i].list, NULL, 0, 100, 100,
	    &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(c);
}
END_TEST

static const char *const bad_nodes[] = {
	"[]",
	"{}",
	"{\"id\":\"d1\",\"addr\":\"h:1\",\"state\":\"live\",\"capacity\":\"1\"}",
	"{\"id\":1,\"addr\":\"h:1\",\"state\":\"live\",\"capacity\":\"1\","
	    "\"free\":\"1\"}",
	"{\"id\":\"d1\",\"addr\":\"h:1\",\"state\":\"live\",\"capacity\":\"-1\","
	    "\"free\":\"1\"}",
	"{\"id\":\"d1\",\"addr\":\"h:1\",\"state\":\"a-state-far-too-long\","
	    "\"capacity\":\"1\",\"free\":\"1\"}",
	"{\"id\":\"d1\",\"addr\":\"h:1\",\"state\":\"live\",\"capacity\":\"1\","
	    "\"free\":\"1\",\"reported\":\"yes\"}",
	"{\"id\":\"d1\",\"addr\":\"h:1\",\"state\":\"live\",\"capacity\":\"1\","
	    "\"free\":\"1\",\"last_heartbeat_ms\":\"soon\"}",
};

START_TEST(test_bad_node)
{
	cJSON			*o = cJSON_Parse(bad_nodes[_i]);
	struct adminapi_node	 n;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(adminapi_decode_node(o, &n), -EIO);
	cJSON_Delete(o);
}
END_TEST

static const char *const bad_fscks[] = {
	"{}",
	"{\"files\":\"1\",\"chunks\":\"2\",\"healthy\":\"1\","
	    "\"under_replicated\":\"1\",\"missing\":\"0\",\"unknown\":\"0\"}",
	"{\"files\":\"1\",\"chunks\":\"2\",\"healthy\":\"1\","
	    "\"under_replicated\":\"1\",\"missing\":\"0\",\"unknown\":\"0\","
	    "\"problems\":{}}",
	"{\"files\":\"1\",\"chunks\":\"2\",\"healthy\":\"1\","
	    "\"under_replicated\":\"1\",\"missing\":\"0\",\"unknown\":\"0\","
	    "\"problems\":[{\"ino\":\"5\",\"index\":\"1\",\"id\":\"XYZ\","
	    "\"len\":\"1\",\"state\":\"ok\",\"live\":1,\"wanted\":1}]}",
	"{\"files\":\"1\",\"chunks\":\"2\",\"healthy\":\"1\","
	    "\"under_replicated\":\"1\",\"missing\":\"0\",\"unknown\":\"0\","
	    "\"problems\":[{\"ino\":\"5\",\"index\":\"1\",\"id\":\"" BLK "\","
	    "\"len\":\"1\",\"state\":\"ok\",\"live\":1}]}",
	"{\"files\":\"x\",\"chunks\":\"2\",\"healthy\":\"1\","
	    "\"under_replicated\":\"1\",\"missing\":\"0\",\"unknown\":\"0\","
	    "\"problems\":[]}",
	/* cursors that could not go back into a query string as they are */
	"{\"files\":\"1\",\"chunks\":\"2\",\"healthy\":\"1\","
	    "\"under_replicated\":\"1\",\"missing\":\"0\",\"unknown\":\"0\","
	    "\"next\":\"5&x=1\",\"problems\":[]}",
	"{\"files\":\"1\",\"chunks\":\"2\",\"healthy\":\"1\","
	    "\"under_replicated\":\"1\",\"missing\":\"0\",\"unknown\":\"0\","
	    "\"next\":\"\",\"problems\":[]}",
	"{\"files\":\"1\",\"chunks\":\"2\",\"healthy\":\"1\","
	    "\"under_replicated\":\"1\",\"missing\":\"0\",\"unknown\":\"0\","
	    "\"next\":5,\"problems\":[]}",
};

START_TEST(test_bad_fsck)
{
	cJSON			*o = cJSON_Parse(bad_fscks[_i]);
	struct adminapi_fsck	 f;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(adminapi_decode_fsck(o, &f), -EIO);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_bad_status)
{
	static const char *const bad[] = {
		"{}",
		"{\"leader\":\"\",\"is_leader\":false}",
		"{\"leader\":\"\",\"is_leader\":false,\"nodes\":{\"live\":1}}",
		"{\"leader\":\"\",\"is_leader\":false,\"nodes\":{\"live\":1,"
		    "\"dead\":0,\"draining\":0},\"blocks\":true}",
		"{\"leader\":\"\",\"is_leader\":false,\"nodes\":{\"live\":1,"
		    "\"dead\":0,\"draining\":0},\"node_list\":{}}",
		"{\"leader\":\"\",\"is_leader\":false,\"nodes\":{\"live\":1,"
		    "\"dead\":0,\"draining\":0},\"node_list\":[{}]}",
	};
	struct adminapi_status	 st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *o = cJSON_Parse(bad[i]);
		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(adminapi_decode_status(o, &st), -EIO);
		cJSON_Delete(o);
	}
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

START_TEST(test_list_limits)
{
	char	 addrs[METACONN_ADDRS_MAX][MDFS_ADDR_MAX], err[256];
	char	 list[METACONN_ADDRS_MAX * 16 + 16] = "";
	char	 lng[MDFS_ADDR_MAX + 8];
	size_t	 len = 0;

	for (int i = 0; i < METACONN_ADDRS_MAX; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
		    "%sh%d:%d", i ? "," : "", i, 1000 + i);
	ck_assert_int_eq(metaconn_parse_list(list, addrs, err, sizeof(err)),
	    METACONN_ADDRS_MAX);
	ck_assert_str_eq(addrs[METACONN_ADDRS_MAX - 1], "h15:1015");
	snprintf(list + len, sizeof(list) - len, ",x:1");
	ck_assert_int_eq(metaconn_parse_list(list, addrs, err, sizeof(err)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "more than 16 metaservers"));
	memset(lng, 'a', sizeof(lng));
	memcpy(lng + MDFS_ADDR_MAX - 6, ":8000", 6);
	ck_assert_int_eq(metaconn_parse_list(lng, addrs, err, sizeof(err)),
	    1);
	lng[MDFS_ADDR_MAX - 6] = 'a';
	memcpy(lng + MDFS_ADDR_MAX - 5, ":8000", 6);
	ck_assert_int_eq(metaconn_parse_list(lng, addrs, err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "metaserver address too long (256 bytes, at "
	    "most 255)");
	ck_assert_int_eq(metaconn_parse_list("[::1]:8000", addrs, err,
	    sizeof(err)), 1);
	ck_assert_str_eq(addrs[0], "[::1]:8000");
}
END_TEST

static Suite *
adminapi_suite(void)
{
	Suite	*s = suite_create("adminapi");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_nodes_via_standby);
	tcase_add_test(tc, test_failover);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_fsck);
	tcase_add_test(tc, test_fsck_pages);
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_node_names);
	tcase_add_test(tc, test_block_calls);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_error_answers);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_no_leader);
	tcase_add_loop_test(tc, test_bad_list, 0,
	    sizeof(bad_lists) / sizeof(bad_lists[0]));
	tcase_add_loop_test(tc, test_bad_node, 0,
	    sizeof(bad_nodes) / sizeof(bad_nodes[0]));
	tcase_add_loop_test(tc, test_bad_fsck, 0,
	    sizeof(bad_fscks) / sizeof(bad_fscks[0]));
	tcase_add_test(tc, test_bad_status);
	tcase_add_test(tc, test_fsck_bad_cursor);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_list_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(adminapi_suite());
}
