/*
 * adminapi: the admin, status and fsck routes of the metaserver and the
 * block HEAD / push calls of a dataserver, one function per route, each
 * building its request and decoding the answer with the json getters.  The
 * metaserver transport (leader following, fail-over, auth) is
 * metaconn_call(); see adminapi.h.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/adminapi.h"
#include "common/buf.h"
#include "common/errmap.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/metaconn.h"
#include "common/names.h"
#include "common/protocol.h"
#include "common/strnum.h"
#include "common/token.h"

#define ADMINAPI_PATH_MAX	(sizeof(META_ROUTE_NODES) + MDFS_NODE_ID_MAX + \
				    sizeof("/decommission") + 1)
#define ADMINAPI_URL_MAX	(MDFS_ADDR_MAX + sizeof(DATA_PATH_BLOCKS) + \
				    BLOCKID_BUFSZ + sizeof("/push") + 16)

int
adminapi_node_name_valid(const char *name)
{
	return names_node_id_valid(name);
}

static void
seterr(char *err, size_t errlen, const char *fmt, const char *arg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, arg);
}

/* Copies a string field of at most size-1 bytes; -EIO when absent or too
 * long. */
static int
get_strbuf(const cJSON *o, const char *key, char *out, size_t size)
{
	const char	*s;

	if (json_get_str(o, key, &s) != 0 || strlen(s) >= size)
		return -EIO;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int
adminapi_decode_node(const cJSON *o, struct adminapi_node *n)
{
	struct adminapi_node	 t;

	memset(&t, 0, sizeof(t));
	t.last_heartbeat_ms = -1;
	if (o == NULL || !cJSON_IsObject(o) ||
	    get_strbuf(o, JF_ID, t.id, sizeof(t.id)) != 0 ||
	    get_strbuf(o, JF_ADDR, t.addr, sizeof(t.addr)) != 0 ||
	    get_strbuf(o, JF_STATE, t.state, sizeof(t.state)) != 0 ||
	    json_get_u64(o, JF_CAPACITY, &t.capacity) != 0 ||
	    json_get_u64(o, JF_FREE, &t.free) != 0)
		return -EIO;
	/* the rest is informative: absent reads as 0 / never */
	if (json_get_bool(o, JF_REGISTERED, &t.registered) == -EINVAL ||
	    json_get_bool(o, JF_REPORTED, &t.reported) == -EINVAL ||
	    json_get_u64(o, JF_USED, &t.used) == -EINVAL ||
	    json_get_u64(o, JF_BLOCKS, &t.blocks) == -EINVAL ||
	    json_get_u64(o, JF_DRAIN_REMAINING, &t.drain_remaining) ==
	    -EINVAL ||
	    json_get_u64(o, JF_QUEUED, &t.queued) == -EINVAL ||
	    json_get_i64(o, JF_LAST_HEARTBEAT, &t.last_heartbeat_ms) ==
	    -EINVAL)
		return -EIO;
	*n = t;
	return 0;
}

/* An array of node objects into a malloc'ed array. */
static int
decode_nodes(const cJSON *arr, struct adminapi_node **out, size_t *n)
{
	struct adminapi_node	*v;
	const cJSON		*it;
	size_t			 cnt = (size_t)cJSON_GetArraySize(arr), i = 0;

	if (!cJSON_IsArray(arr))
		return -EIO;
	if ((v = calloc(cnt > 0 ? cnt : 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	cJSON_ArrayForEach(it, arr) {
		if (adminapi_decode_node(it, &v[i]) != 0) {
			free(v);
			return -EIO;
		}
		i++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int
adminapi_decode_status(const cJSON *o, struct adminapi_status *st)
{
	struct adminapi_status	 t;
	const cJSON		*nodes, *list;
	const char		*reason;
	int			 rc;

	memset(&t, 0, sizeof(t));
	if (o == NULL || !cJSON_IsObject(o) ||
	    get_strbuf(o, JF_LEADER, t.leader, sizeof(t.leader)) != 0 ||
	    json_get_bool(o, JF_IS_LEADER, &t.is_leader) != 0 ||
	    json_get_object(o, JF_NODES, &nodes) != 0 ||
	    json_get_u32(nodes, "live", &t.live) != 0 ||
	    json_get_u32(nodes, "dead", &t.dead) != 0 ||
	    json_get_u32(nodes, "draining", &t.draining) != 0)
		return -EIO;
	if (json_get_u64(o, JF_CAPACITY, &t.capacity) == -EINVAL ||
	    json_get_u64(o, JF_FREE, &t.free) == -EINVAL ||
	    json_get_u64(o, JF_BLOCKS, &t.blocks) == -EINVAL ||
	    json_get_u64(o, "referenced", &t.referenced) == -EINVAL ||
	    json_get_u64(o, "under_replicated", &t.under_replicated) ==
	    -EINVAL ||
	    json_get_u64(o, "missing", &t.missing) == -EINVAL ||
	    json_get_u64(o, "pending", &t.pending) == -EINVAL ||
	    json_get_u32(o, "sessions", &t.sessions) == -EINVAL ||
	    json_get_u32(o, "locks", &t.locks) == -EINVAL ||
	    json_get_bool(o, "gc_held", &t.gc_held) == -EINVAL ||
	    json_get_u64(o, "inodes", &t.inodes) == -EINVAL ||
	    json_get_u64(o, JF_FILES, &t.files) == -EINVAL ||
	    json_get_u64(o, "dirs", &t.dirs) == -EINVAL ||
	    json_get_u64(o, "bytes", &t.bytes) == -EINVAL ||
	    json_get_u64(o, "requests", &t.requests) == -EINVAL)
		return -EIO;
	if (json_get_str(o, "gc_held_reason", &reason) == 0)
		snprintf(t.gc_held_reason, sizeof(t.gc_held_reason), "%s",
		    reason);
	if ((rc = json_get_array(o, "node_list", &list)) == -EINVAL)
		return -EIO;
	if (rc == 0 && (rc = decode_nodes(list, &t.nodes, &t.nnodes)) != 0)
		return rc;
	*st = t;
	return 0;
}

void
adminapi_status_release(struct adminapi_status *st)
{
	free(st->nodes);
	st->nodes = NULL;
	st->nnodes = 0;
}

static int
decode_chunk(const cJSON *o, struct adminapi_chunk *c)
{
	memset(c, 0, sizeof(*c));
	if (!cJSON_IsObject(o) ||
	    json_get_u64(o, JF_INO, &c->ino) != 0 ||
	    json_get_u64(o, JF_INDEX, &c->index) != 0 ||
	    json_get_u64(o, JF_LEN, &c->len) != 0 ||
	    get_strbuf(o, JF_ID, c->id, sizeof(c->id)) != 0 ||
	    !blockid_valid(c->id) ||
	    get_strbuf(o, JF_STATE, c->state, sizeof(c->state)) != 0 ||
	    json_get_u32(o, JF_LIVE, &c->live) != 0 ||
	    json_get_u32(o, JF_WANTED, &c->wanted) != 0)
		return -EIO;
	return 0;
}

/* A fsck page cursor: 1..MDFS_FSCK_CURSOR_MAX-1 bytes of [0-9:], so it
 * goes into a query string as it is. */
static int
cursor_valid(const char *s)
{
	size_t	 len = strlen(s);

	return len > 0 && len < MDFS_FSCK_CURSOR_MAX &&
	    strspn(s, "0123456789:") == len;
}

int
adminapi_decode_fsck(const cJSON *o, struct adminapi_fsck *f)
{
	struct adminapi_fsck	 t;
	const cJSON		*arr, *it;
	size_t			 i = 0;

	memset(&t, 0, sizeof(t));
	if (o == NULL || !cJSON_IsObject(o) ||
	    json_get_u64(o, JF_FILES, &t.files) != 0 ||
	    json_get_u64(o, JF_CHUNKS, &t.chunks) != 0 ||
	    json_get_u64(o, "healthy", &t.healthy) != 0 ||
	    json_get_u64(o, "under_replicated", &t.under_replicated) != 0 ||
	    json_get_u64(o, "missing", &t.missing) != 0 ||
	    json_get_u64(o, "unknown", &t.unknown) != 0 ||
	    json_get_bool(o, JF_TRUNCATED, &t.truncated) == -EINVAL ||
	    json_get_array(o, JF_PROBLEMS, &arr) != 0 || !cJSON_IsArray(arr))
		return -EIO;
	if (cJSON_GetObjectItemCaseSensitive(o, JF_NEXT) != NULL &&
	    (get_strbuf(o, JF_NEXT, t.next, sizeof(t.next)) != 0 ||
	    !cursor_valid(t.next)))
		return -EIO;
	t.nproblems = (size_t)cJSON_GetArraySize(arr);
	t.problems = calloc(t.nproblems > 0 ? t.nproblems : 1,
	    sizeof(*t.problems));
	if (t.problems == NULL)
		return -ENOMEM;
	cJSON_ArrayForEach(it, arr) {
		if (decode_chunk(it, &t.problems[i++]) != 0) {
			free(t.problems);
			return -EIO;
		}
	}
	*f = t;
	return 0;
}

void
adminapi_fsck_release(struct adminapi_fsck *f)
{
	free(f->problems);
	f->problems = NULL;
	f->nproblems = 0;
}

/* ---- metaserver calls ---------------------------------------------------- */

/* One call whose answer must be a JSON object; *resp for the caller. */
static int
meta_json(struct metaconn *api, const char *method, const char *path,
    const cJSON *body, cJSON **resp, char *err, size_t errlen)
{
	int	 rc;

	*resp = NULL;
	if ((rc = metaconn_call(api, method, path, body, resp, err,
	    errlen)) != 0)
		return rc;
	if (*resp == NULL || !cJSON_IsObject(*resp)) {
		cJSON_Delete(*resp);
		*resp = NULL;
		seterr(err, errlen, "bad answer to %s", path);
		return -EIO;
	}
	return 0;
}

int
adminapi_status(struct metaconn *api, struct adminapi_status *st, char *err,
    size_t errlen)
{
	cJSON	*resp;
	int	 rc;

	if ((rc = meta_json(api, "GET", META_ROUTE_STATUS, NULL, &resp, err,
	    errlen)) != 0)
		return rc;
	if ((rc = adminapi_decode_status(resp, st)) == -EIO)
		seterr(err, errlen, "bad answer to %s", META_ROUTE_STATUS);
	cJSON_Delete(resp);
	return rc;
}

int
adminapi_nodes(struct metaconn *api, struct adminapi_node **nodes, size_t *n,
    char *err, size_t errlen)
{
	const cJSON	*arr;
	cJSON		*resp;
	int		 rc;

	if ((rc = meta_json(api, "GET", META_ROUTE_NODES, NULL, &resp, err,
	    errlen)) != 0)
		return rc;
	if (json_get_array(resp, JF_NODES, &arr) != 0)
		rc = -EIO;
	else
		rc = decode_nodes(arr, nodes, n);
	if (rc == -EIO)
		seterr(err, errlen, "bad answer to %s", META_ROUTE_NODES);
	cJSON_Delete(resp);
	return rc;
}

/* "/v1/nodes/<name><suffix>" after checking the name. */
static int
node_path(const char *name, const char *suffix, char *path, size_t size,
    char *err, size_t errlen)
{
	if (!adminapi_node_name_valid(name)) {
		seterr(err, errlen, "bad node name \"%s\" (1 to 64 of "
		    "A-Z a-z 0-9 . _ -)", name);
		return -EINVAL;
	}
	snprintf(path, size, "%s/%s%s", META_ROUTE_NODES, name, suffix);
	return 0;
}

static int
node_call(struct metaconn *api, const char *method, const char *path,
    const cJSON *body, struct adminapi_node *n, char *err, size_t errlen)
{
	cJSON	*resp;
	int	 rc;

	if ((rc = meta_json(api, method, path, body, &resp, err,
	    errlen)) != 0)
		return rc;
	if ((rc = adminapi_decode_node(resp, n)) != 0)
		seterr(err, errlen, "bad answer to %s", path);
	cJSON_Delete(resp);
	return rc;
}

int
adminapi_node(struct metaconn *api, const char *name, struct adminapi_node *n,
    char *err, size_t errlen)
{
	char	 path[ADMINAPI_PATH_MAX];
	int	 rc;

	if ((rc = node_path(name, "", path, sizeof(path), err, errlen)) != 0)
		return rc;
	return node_call(api, "GET", path, NULL, n, err, errlen);
}

int
adminapi_decommission(struct metaconn *api, const char *name, int cancel,
    struct adminapi_node *n, char *err, size_t errlen)
{
	char	 path[ADMINAPI_PATH_MAX];
	cJSON	*body;
	int	 rc;

	if ((rc = node_path(name, "/decommission", path, sizeof(path), err,
	    errlen)) != 0)
		return rc;
	body = json_new_object();
	json_add_bool(body, JF_CANCEL, cancel);
	rc = node_call(api, "POST", path, body, n, err, errlen);
	cJSON_Delete(body);
	return rc;
}

int
adminapi_gc(struct metaconn *api, uint64_t *blocks, uint64_t *commands,
    char *err, size_t errlen)
{
	cJSON	*body = json_new_object(), *resp;
	int	 rc;

	rc = meta_json(api, "POST", META_ROUTE_GC, body, &resp, err, errlen);
	cJSON_Delete(body);
	if (rc != 0)
		return rc;
	if (json_get_u64(resp, JF_BLOCKS, blocks) != 0 ||
	    json_get_u64(resp, JF_COMMANDS, commands) != 0) {
		seterr(err, errlen, "bad answer to %s", META_ROUTE_GC);
		rc = -EIO;
	}
	cJSON_Delete(resp);
	return rc;
}

int
adminapi_fsck(struct metaconn *api, int all, struct adminapi_fsck *f,
    char *err, size_t errlen)
{
	cJSON	*resp;
	int	 rc;

	if ((rc = meta_json(api, "GET", all ? META_ROUTE_FSCK "?all=1" :
	    META_ROUTE_FSCK, NULL, &resp, err, errlen)) != 0)
		return rc;
	if ((rc = adminapi_decode_fsck(resp, f)) == -EIO)
		seterr(err, errlen, "bad answer to %s", META_ROUTE_FSCK);
	cJSON_Delete(resp);
	return rc;
}

int
adminapi_fsck_page(struct metaconn *api, int all, const char *after,
    struct adminapi_fsck *f, char *err, size_t errlen)
{
	char	 path[sizeof(META_ROUTE_FSCK "?" JF_AFTER "=&all=1") +
		     MDFS_FSCK_CURSOR_MAX];
	cJSON	*resp;
	int	 rc;

	if (after == NULL || !cursor_valid(after)) {
		seterr(err, errlen, "fsck: bad page cursor \"%s\"",
		    after != NULL ? after : "(null)");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s?%s=%s%s", META_ROUTE_FSCK, JF_AFTER,
	    after, all ? "&all=1" : "");
	if ((rc = meta_json(api, "GET", path, NULL, &resp, err, errlen)) != 0)
		return rc;
	if ((rc = adminapi_decode_fsck(resp, f)) == -EIO)
		seterr(err, errlen, "bad answer to %s", META_ROUTE_FSCK);
	cJSON_Delete(resp);
	return rc;
}

/* ---- dataserver calls ---------------------------------------------------- */

/* The error of a non-2xx answer in body, message into err. */
static int
answer_error(const struct buf *b, long status, const char *what, char *err,
    size_t errlen)
{
	char	 msg[256] = "";
	cJSON	*root = NULL;
	int	 e;

	if (b->len > 0)
		root = json_parse(b->data, b->len, NULL, 0);
	e = errmap_decode(root, (int)status, msg, sizeof(msg));
	cJSON_Delete(root);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: HTTP %ld %s%s%s", what, status,
		    errmap_code(e), msg[0] != '\0' ? ": " : "", msg);
	return -e;
}

static void
on_length(const char *name, const char *value, void *arg)
{
	uint64_t	*len = arg;

	if (strcasecmp(name, "Content-Length") == 0 &&
	    parse_u64(value, 0, UINT64_MAX, len) != 0)
		*len = UINT64_MAX;
}

int
adminapi_block_head(struct httpc *h, const char *addr, const char *id,
    const char *token, uint64_t *size, char *err, size_t errlen)
{
	struct httpc_req req = { 0 };
	char		 url[ADMINAPI_URL_MAX];
	uint64_t	 len = UINT64_MAX;
	int		 rc;

	snprintf(url, sizeof(url), "http://%s%s%s", addr, DATA_PATH_BLOCKS,
	    id);
	req.method = "HEAD";
	req.url = url;
	req.header_cb = on_length;
	req.header_arg = &len;
	if (token != NULL && token[0] != '\0' &&
	    (rc = httpc_req_header(&req, HTTP_HDR_TOKEN, token)) != 0)
		return rc;
	if ((rc = httpc_do(h, &req, err, errlen)) != 0)
		return rc;
	if (req.status == 200 && len != UINT64_MAX) {
		*size = len;
		return 0;
	}
	if (req.status == 404) {
		seterr(err, errlen, "%s: no such block", url);
		return -ENOENT;
	}
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "HEAD %s: HTTP %ld%s", url, req.status,
		    req.status == 200 ? " without a length" : "");
	return req.status == 200 ? -EIO :
	    -errmap_from_status((int)req.status);
}

int
adminapi_block_push(struct httpc *h, const char *from, const char *id,
    const char *to, const void *secret, size_t secret_len, char *err,
    size_t errlen)
{
	struct httpc_req req = { 0 };
	struct buf	 out = BUF_INIT(BUF_MAX_ERRBODY);
	char		 url[ADMINAPI_URL_MAX], auth[TOKEN_MAX_LEN], *text;
	cJSON		*body;
	int		 rc;

	snprintf(url, sizeof(url), "http://%s%s%s/push", from,
	    DATA_PATH_BLOCKS, id);
	body = json_new_object();
	json_add_str(body, JF_TO, to);
	text = json_print(body);
	cJSON_Delete(body);
	req.method = "POST";
	req.url = url;
	req.body = text;
	req.body_len = strlen(text);
	req.resp = &out;
	if ((rc = httpc_req_header(&req, "Content-Type",
	    "application/json")) != 0)
		goto done;
	if (secret != NULL) {
		if ((rc = token_sign(secret, secret_len, TOKEN_SUBJECT_ANY,
		    TOKEN_OP_ALL, (int64_t)time(NULL) + MDFS_TOKEN_TTL_S,
		    auth, sizeof(auth))) != 0 ||
		    (rc = httpc_req_header(&req, HTTP_HDR_AUTH, auth)) != 0)
			goto done;
	}
	if ((rc = httpc_do(h, &req, err, errlen)) != 0)
		goto done;
	if (req.status < 200 || req.status >= 300)
		rc = answer_error(&out, req.status, url, err, errlen);
done:
	buf_release(&out);
	free(text);
	return rc;
}
