/*
 * h_fs_data: the filesystem routes for xattrs, open handles and block maps
 * (blockmap read, block allocation through cluster placement, commit).
 * Block tokens are signed here when the cluster has a secret.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/blockid.h"
#include "common/etcd.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/log.h"
#include "common/names.h"
#include "common/protocol.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "server/meta/cluster.h"
#include "server/meta/election.h"
#include "server/meta/h_fs.h"
#include "server/meta/meta.h"
#include "server/meta/ns.h"

/* ---- xattrs -------------------------------------------------------------- */

void
meta_h_fs_setxattr(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	uint64_t	 ino;
	uint32_t	 flags = 0;
	const char	*name, *b64;
	void		*value;
	size_t		 len;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0 ||
	    h_fs_opt_u32(j, JF_FLAGS, &flags, resp) != 0)
		return;
	if (json_get_str(j, JF_NAME, &name) != 0) {
		h_fs_bad_field(resp, JF_NAME);
		return;
	}
	if (json_get_str(j, JF_VALUE, &b64) != 0) {
		h_fs_bad_field(resp, JF_VALUE);
		return;
	}
	if (*b64 == '\0') {
		value = xstrdup("");
		len = 0;
	} else if ((value = etcd_b64_decode(b64, &len)) == NULL) {
		httpd_resp_error(resp, EINVAL, "field \"%s\": not base64",
		    JF_VALUE);
		return;
	}
	rc = ns_setxattr(m->ns, ino, name, value, len, (int)flags);
	free(value);
	h_fs_answer(resp, rc, NULL);
}

void
meta_h_fs_getxattr(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	uint64_t	 ino;
	const char	*name;
	char		*value = NULL, *b64;
	size_t		 len;
	cJSON		*o = NULL;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0)
		return;
	if (json_get_str(j, JF_NAME, &name) != 0) {
		h_fs_bad_field(resp, JF_NAME);
		return;
	}
	if ((rc = ns_getxattr(m->ns, ino, name, &value, &len)) == 0) {
		if ((b64 = etcd_b64_encode(value, len)) == NULL)
			fatalx("getxattr: out of memory");
		o = json_new_object();
		json_add_str(o, JF_VALUE, b64);
		free(b64);
		free(value);
	}
	h_fs_answer(resp, rc, o);
}

static void
list_cb(const char *name, void *arg)
{
	cJSON_AddItemToArray(arg, cJSON_CreateString(name));
}

void
meta_h_fs_listxattr(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	uint64_t	 ino;
	cJSON		*o, *arr;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0)
		return;
	o = json_new_object();
	arr = json_new_array();
	cJSON_AddItemToObject(o, JF_NAMES, arr);
	rc = ns_listxattr(m->ns, ino, list_cb, arr);
	h_fs_answer(resp, rc, o);
}

void
meta_h_fs_removexattr(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	uint64_t	 ino;
	const char	*name;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0)
		return;
	if (json_get_str(j, JF_NAME, &name) != 0) {
		h_fs_bad_field(resp, JF_NAME);
		return;
	}
	h_fs_answer(resp, ns_removexattr(m->ns, ino, name), NULL);
}

/* ---- open handles -------------------------------------------------------- */

static int	 get_count(const cJSON *, const char *, int, uint32_t *,
		    struct httpd_resp *);
static int	 add_blockmap(const struct meta *, cJSON *, uint64_t, uint64_t,
		    uint32_t);

void
meta_h_fs_open(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_attr	 a;
	uint64_t	 ino, session, fh = 0;
	uint32_t	 flags = 0, map;
	cJSON		*o = NULL;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0 ||
	    h_fs_opt_u32(j, JF_FLAGS, &flags, resp) != 0 ||
	    h_fs_need_session(j, &session, resp) != 0 ||
	    get_count(j, JF_MAP, 1, &map, resp) != 0)
		return;
	if ((rc = ns_open(m->ns, ino, (int)flags, session, &fh, &a)) == 0) {
		o = h_fs_entry_json(m, &a);
		json_add_u64(o, JF_FH, fh);
		/* the handle is registered: a map that cannot be read (not
		 * a regular file) is left out, the open still succeeds */
		if (map > 0)
			(void)add_blockmap(m, o, ino, 0, map);
	}
	h_fs_answer(resp, rc, o);
}

void
meta_h_fs_release(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	uint64_t	 ino, session, fh;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0 ||
	    h_fs_need_u64(j, JF_FH, &fh, resp) != 0 ||
	    h_fs_need_session(j, &session, resp) != 0)
		return;
	h_fs_answer(resp, ns_release(m->ns, ino, fh, session), NULL);
}

/* ---- block maps ------------------------------------------------------ */

/* Adds a block token for id (ops) when the cluster has a secret. */
static void
add_token(const struct meta *m, cJSON *o, const char *id, unsigned ops)
{
	char	 tok[TOKEN_MAX_LEN];

	if (m->secret == NULL)
		return;
	if (token_sign(m->secret, m->secret_len, id, ops,
	    (int64_t)time(NULL) + MDFS_TOKEN_TTL_S, tok, sizeof(tok)) != 0)
		fatalx("token_sign failed for a valid block id");
	json_add_str(o, JF_TOKEN, tok);
}

static cJSON *
chain_json(const struct chain *c)
{
	cJSON	*arr = json_new_array(), *e;
	size_t	 i;

	for (i = 0; i < c->n; i++) {
		e = json_new_object();
		json_add_str(e, JF_ID, c->nodes[i].id);
		json_add_str(e, JF_ADDR, c->nodes[i].addr);
		cJSON_AddItemToArray(arr, e);
	}
	return arr;
}

struct blockmap_ctx {
	const struct meta *m;
	cJSON		*arr;
};

/* Called under the ns read lock: cluster is next in the lock order. */
static void
blockmap_cb(uint64_t index, const char *id, uint64_t len, void *arg)
{
	struct blockmap_ctx *ctx = arg;
	struct chain	 c;
	cJSON		*e = json_new_object();

	json_add_u64(e, JF_INDEX, index);
	json_add_str(e, JF_ID, id);
	json_add_u64(e, JF_LEN, len);
	c.n = 0;
	if (ctx->m->cluster != NULL)
		cluster_block_locations(ctx->m->cluster, id, &c);
	cJSON_AddItemToObject(e, JF_LOCATIONS, chain_json(&c));
	add_token(ctx->m, e, id, TOKEN_OP_READ);
	cJSON_AddItemToArray(ctx->arr, e);
}

/* A chunk count (1..MDFS_BLOCKMAP_MAX) in field f; an optional one that
 * is absent is 0.  0, or -1 after answering 400. */
static int
get_count(const cJSON *j, const char *f, int optional, uint32_t *v,
    struct httpd_resp *resp)
{
	int	 rc;

	if ((rc = json_get_u32(j, f, v)) == -ENOENT && optional) {
		*v = 0;
		return 0;
	}
	if (rc != 0 || *v == 0 || *v > MDFS_BLOCKMAP_MAX)
		return h_fs_bad_field(resp, f);
	return 0;
}

/* Adds a blockmap answer's fields for chunks [first, first+count) of ino
 * to o ("size", "block_size", "chunks"): the blockmap route's answer and
 * the open route's "map".  Returns 0, or ns_blockmap's errno with o
 * unchanged. */
static int
add_blockmap(const struct meta *m, cJSON *o, uint64_t ino, uint64_t first,
    uint32_t count)
{
	struct blockmap_ctx ctx;
	uint64_t	 size = 0;
	unsigned	 replicas;
	int		 rc;

	ctx.m = m;
	ctx.arr = json_new_array();
	rc = ns_blockmap(m->ns, ino, first, count, blockmap_cb, &ctx, &size,
	    &replicas);
	if (rc != 0) {
		cJSON_Delete(ctx.arr);
		return rc;
	}
	json_add_u64(o, JF_SIZE, size);
	json_add_u64(o, JF_BLOCK_SIZE, m->conf.block_size);
	cJSON_AddItemToObject(o, JF_CHUNKS, ctx.arr);
	return 0;
}

void
meta_h_fs_blockmap(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	uint64_t	 ino, first;
	uint32_t	 count;
	cJSON		*o;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0 ||
	    h_fs_need_u64(j, JF_FIRST, &first, resp) != 0 ||
	    get_count(j, JF_COUNT, 0, &count, resp) != 0)
		return;
	o = json_new_object();
	h_fs_answer(resp, add_blockmap(m, o, ino, first, count), o);
}

void
meta_h_fs_badreplica(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	const char	*id, *node;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (json_get_str(j, JF_ID, &id) != 0 || !blockid_valid(id)) {
		h_fs_bad_field(resp, JF_ID);
		return;
	}
	if (json_get_str(j, JF_NODE, &node) != 0 ||
	    !names_node_id_valid(node)) {
		h_fs_bad_field(resp, JF_NODE);
		return;
	}
	rc = m->cluster == NULL ? -ENOENT :
	    cluster_suspect(m->cluster, id, node);
	h_fs_answer(resp, rc, rc == 0 ? json_new_object() : NULL);
}

void
meta_h_fs_alloc(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j, *ex = NULL, *e;
	const char	*id, *exclude[MDFS_EXCLUDE_MAX];
	struct chain	 c;
	uint64_t	 ino, size, fsize;
	unsigned	 replicas;
	size_t		 nex = 0;
	int		 present = 0, rc;
	cJSON		*o;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0 ||
	    h_fs_need_u64(j, JF_SIZE, &size, resp) != 0)
		return;
	if (json_get_str(j, JF_ID, &id) != 0 || !blockid_valid(id)) {
		h_fs_bad_field(resp, JF_ID);
		return;
	}
	if (size == 0 || size > m->conf.block_size) {
		h_fs_bad_field(resp, JF_SIZE);
		return;
	}
	if ((rc = json_get_array(j, JF_EXCLUDE, &ex)) != 0 && rc != -ENOENT) {
		h_fs_bad_field(resp, JF_EXCLUDE);
		return;
	}
	cJSON_ArrayForEach(e, ex) {
		if (!cJSON_IsString(e) || nex == MDFS_EXCLUDE_MAX) {
			h_fs_bad_field(resp, JF_EXCLUDE);
			return;
		}
		exclude[nex++] = e->valuestring;
	}
	if ((rc = ns_file_info(m->ns, ino, &replicas, &fsize)) != 0) {
		h_fs_answer(resp, rc, NULL);
		return;
	}
	if (m->cluster == NULL)
		rc = -ENOSPC;
	else
		rc = cluster_alloc(m->cluster, id, size, replicas, exclude, nex,
		    &c, &present);
	if (rc != 0) {
		h_fs_answer(resp, rc, NULL);
		return;
	}
	o = json_new_object();
	json_add_bool(o, JF_PRESENT, present);
	cJSON_AddItemToObject(o, JF_CHAIN, chain_json(&c));
	add_token(m, o, id, TOKEN_OP_WRITE | TOKEN_OP_READ);
	h_fs_answer(resp, 0, o);
}

void
meta_h_fs_commit(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j, *arr, *e, *st, *s, *ao;
	struct ns_chunk_in *in = NULL;
	struct ns_setattr sa;
	struct ns_attr	 a;
	const char	*id, *nodes[MDFS_MAX_CHAIN];
	uint64_t	 ino, session, size;
	int64_t		 mtime = 0;
	size_t		 n = 0, k;
	int		 has_mtime = 0, has_attr = 0, rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0 ||
	    h_fs_need_session(j, &session, resp) != 0 ||
	    h_fs_need_u64(j, JF_SIZE, &size, resp) != 0)
		return;
	if ((rc = json_get_i64(j, JF_MTIME, &mtime)) == 0)
		has_mtime = 1;
	else if (rc != -ENOENT) {
		h_fs_bad_field(resp, JF_MTIME);
		return;
	}
	/* root's deferred attributes, folded into this write */
	if ((rc = json_get_object(j, JF_ATTR, &ao)) == 0) {
		if (h_fs_get_setattr(ao, &sa, resp) != 0)
			return;
		if ((sa.valid & ~NS_COMMIT_SET) != 0) {
			h_fs_bad_field(resp, JF_ATTR);
			return;
		}
		has_attr = 1;
	} else if (rc != -ENOENT) {
		h_fs_bad_field(resp, JF_ATTR);
		return;
	}
	if (json_get_array(j, JF_CHUNKS, &arr) != 0 || !cJSON_IsArray(arr) ||
	    cJSON_GetArraySize(arr) > MDFS_BLOCKMAP_MAX) {
		h_fs_bad_field(resp, JF_CHUNKS);
		return;
	}
	in = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*in));
	cJSON_ArrayForEach(e, arr) {
		if (json_get_u64(e, JF_INDEX, &in[n].index) != 0 ||
		    json_get_u64(e, JF_LEN, &in[n].len) != 0 ||
		    json_get_str(e, JF_ID, &id) != 0 || !blockid_valid(id) ||
		    ((rc = json_get_array(e, JF_STORED, &st)) != 0 &&
		    rc != -ENOENT)) {
			free(in);
			h_fs_bad_field(resp, JF_CHUNKS);
			return;
		}
		memcpy(in[n].id, id, BLOCKID_BUFSZ);
		n++;
	}
	rc = ns_commit_attr(m->ns, ino, session, size, has_mtime, mtime, in, n,
	    has_attr ? &sa : NULL, &a);
	if (rc == 0 && m->cluster != NULL) {
		/* where the client stored each block */
		cJSON_ArrayForEach(e, arr) {
			k = 0;
			if (json_get_array(e, JF_STORED, &st) == 0)
				cJSON_ArrayForEach(s, st)
					if (cJSON_IsString(s) &&
					    k < MDFS_MAX_CHAIN)
						nodes[k++] = s->valuestring;
			if (k > 0 && json_get_str(e, JF_ID, &id) == 0) {
				uint64_t len = 0;

				(void)json_get_u64(e, JF_LEN, &len);
				cluster_block_stored(m->cluster, id, len,
				    nodes, k);
			}
		}
	}
	free(in);
	h_fs_answer(resp, rc, rc == 0 ? h_fs_entry_json(m, &a) : NULL);
}
