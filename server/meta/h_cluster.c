/*
 * h_cluster: the metaserver's routes for dataservers (heartbeat, block
 * report) and for administrators (nodes, decommission, gc, fsck).  Each
 * handler checks leadership, reads its fields with the json_* getters (400
 * naming the field), calls the cluster module and answers.  Bodies and
 * errors are documented in common/protocol.h.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/blockid.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/protocol.h"
#include "common/strnum.h"
#include "common/xalloc.h"
#include "server/meta/cluster.h"
#include "server/meta/election.h"
#include "server/meta/h_cluster.h"
#include "server/meta/meta.h"
#include "server/meta/ns.h"

static void
bad_field(struct httpd_resp *resp, const char *field)
{
	httpd_resp_error(resp, EINVAL, "field \"%s\": missing or invalid",
	    field);
}

/* A JSON array of block ids (strings), at most MDFS_REPORT_BATCH.  Absent
 * is empty.  Returns 0 with *ids malloc'ed (caller frees; strings point
 * into the tree) or -1 after answering. */
static int
get_id_list(const cJSON *j, const char *f, const char ***ids, size_t *n,
    struct httpd_resp *resp)
{
	const cJSON	*a, *e;
	size_t		 k = 0;
	int		 rc;

	*ids = NULL;
	*n = 0;
	if ((rc = json_get_array(j, f, &a)) == -ENOENT)
		return 0;
	if (rc != 0 || !cJSON_IsArray(a)) {
		bad_field(resp, f);
		return -1;
	}
	if ((size_t)cJSON_GetArraySize(a) > MDFS_REPORT_BATCH) {
		httpd_resp_error(resp, E2BIG, "field \"%s\": over %u ids", f,
		    MDFS_REPORT_BATCH);
		return -1;
	}
	*ids = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(**ids));
	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsString(e) || !blockid_valid(e->valuestring)) {
			free(*ids);
			*ids = NULL;
			httpd_resp_error(resp, EINVAL,
			    "field \"%s\": not a block id", f);
			return -1;
		}
		(*ids)[k++] = e->valuestring;
	}
	*n = k;
	return 0;
}

/* A JSON array of {"id","size"} (added, blocks).  Same contract. */
static int
get_block_list(const cJSON *j, const char *f, const char ***ids,
    uint64_t **sizes, size_t *n, struct httpd_resp *resp)
{
	const cJSON	*a, *e;
	const char	*id;
	size_t		 k = 0, cnt;
	int		 rc;

	*ids = NULL;
	*sizes = NULL;
	*n = 0;
	if ((rc = json_get_array(j, f, &a)) == -ENOENT)
		return 0;
	if (rc != 0 || !cJSON_IsArray(a)) {
		bad_field(resp, f);
		return -1;
	}
	cnt = (size_t)cJSON_GetArraySize(a);
	if (cnt > MDFS_REPORT_BATCH) {
		httpd_resp_error(resp, E2BIG, "field \"%s\": over %u blocks",
		    f, MDFS_REPORT_BATCH);
		return -1;
	}
	*ids = xcalloc(cnt + 1, sizeof(**ids));
	*sizes = xcalloc(cnt + 1, sizeof(**sizes));
	cJSON_ArrayForEach(e, a) {
		uint64_t size = 0;

		if (!cJSON_IsObject(e) || json_get_str(e, JF_ID, &id) != 0 ||
		    !blockid_valid(id) ||
		    (rc = json_get_u64(e, JF_SIZE, &size)) == -EINVAL ||
		    size > MDFS_BLOCK_SIZE_MAX) {
			free(*ids);
			free(*sizes);
			*ids = NULL;
			*sizes = NULL;
			httpd_resp_error(resp, EINVAL,
			    "field \"%s\": entry %zu needs a block id and a "
			    "size", f, k);
			return -1;
		}
		(*ids)[k] = id;
		(*sizes)[k] = size;
		k++;
	}
	*n = k;
	return 0;
}

static const char *
cmd_op_name(enum cluster_cmd_op op)
{
	switch (op) {
	case CLUSTER_CMD_DELETE:
		return CMD_DELETE;
	case CLUSTER_CMD_FETCH:
		return CMD_FETCH;
	case CLUSTER_CMD_PUSH:
		return CMD_PUSH;
	case CLUSTER_CMD_VERIFY:
		return CMD_VERIFY;
	}
	return CMD_DELETE;
}

void
meta_h_cluster_heartbeat(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	const cJSON	*j = httpd_json(req);
	struct cluster_hb hb;
	struct cluster_cmd *cmds = NULL;
	const char	**added = NULL, **removed = NULL, **bad = NULL;
	uint64_t	*added_size = NULL;
	size_t		 ncmds = 0, i, max;
	int		 full = 0, rc;
	cJSON		*o, *arr;

	cluster_count_request(m->cluster, CLUSTER_REQ_HEARTBEAT);
	if (meta_require_leader(req, resp))
		return;
	memset(&hb, 0, sizeof(hb));
	if (json_get_str(j, JF_ID, &hb.id) != 0) {
		bad_field(resp, JF_ID);
		return;
	}
	if (json_get_str(j, JF_ADDR, &hb.addr) != 0) {
		bad_field(resp, JF_ADDR);
		return;
	}
	if (json_get_u64(j, JF_CAPACITY, &hb.capacity) != 0 ||
	    json_get_u64(j, JF_FREE, &hb.free) != 0) {
		bad_field(resp, JF_CAPACITY "/" JF_FREE);
		return;
	}
	if (json_get_u64(j, JF_USED, &hb.used) == -EINVAL) {
		bad_field(resp, JF_USED);
		return;
	}
	if (json_get_u64(j, JF_BLOCKS, &hb.blocks) == -EINVAL) {
		bad_field(resp, JF_BLOCKS);
		return;
	}
	if (get_block_list(j, JF_ADDED, &added, &added_size, &hb.nadded,
	    resp) != 0 ||
	    get_id_list(j, JF_REMOVED, &removed, &hb.nremoved, resp) != 0 ||
	    get_id_list(j, JF_BAD, &bad, &hb.nbad, resp) != 0)
		goto out;
	hb.added = added;
	hb.added_size = added_size;
	hb.removed = removed;
	hb.bad = bad;
	max = m->conf.cluster.commands_per_heartbeat;
	cmds = xcalloc(max, sizeof(*cmds));
	rc = cluster_heartbeat(m->cluster, &hb, cmds, max, &ncmds, &full);
	if (rc != 0) {
		httpd_resp_error(resp, -rc, "heartbeat refused: %s",
		    rc == -EINVAL ? "bad node id or address" : "node table full");
		goto out;
	}
	o = json_new_object();
	json_add_bool(o, JF_FULL_REPORT, full);
	arr = json_new_array();
	for (i = 0; i < ncmds; i++) {
		cJSON *c = json_new_object();

		json_add_str(c, JF_OP, cmd_op_name(cmds[i].op));
		json_add_str(c, JF_ID, cmds[i].id);
		if (cmds[i].op == CLUSTER_CMD_FETCH)
			json_add_str(c, JF_FROM, cmds[i].addr);
		else if (cmds[i].op == CLUSTER_CMD_PUSH)
			json_add_str(c, JF_TO, cmds[i].addr);
		cJSON_AddItemToArray(arr, c);
	}
	cJSON_AddItemToObject(o, JF_COMMANDS, arr);
	httpd_resp_json(resp, 200, o);
out:
	free(cmds);
	free(added);
	free(added_size);
	free(removed);
	free(bad);
}

void
meta_h_cluster_blockreport(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	const cJSON	*j = httpd_json(req);
	const char	*id, **ids = NULL;
	uint64_t	 seq, *sizes = NULL;
	size_t		 n;
	int		 last, rc;

	cluster_count_request(m->cluster, CLUSTER_REQ_BLOCKREPORT);
	if (meta_require_leader(req, resp))
		return;
	if (json_get_str(j, JF_ID, &id) != 0) {
		bad_field(resp, JF_ID);
		return;
	}
	if (json_get_u64(j, JF_SEQ, &seq) != 0) {
		bad_field(resp, JF_SEQ);
		return;
	}
	if (json_get_bool(j, JF_LAST, &last) != 0) {
		bad_field(resp, JF_LAST);
		return;
	}
	if (get_block_list(j, JF_BLOCKS, &ids, &sizes, &n, resp) != 0)
		return;
	rc = cluster_blockreport(m->cluster, id, seq, last, ids, sizes, n);
	free(ids);
	free(sizes);
	switch (rc) {
	case 0:
		httpd_resp_json(resp, 200, json_new_object());
		break;
	case -EINVAL:
		httpd_resp_error(resp, EINVAL, "bad node id or batch %llu out "
		    "of order (start again at 0)", (unsigned long long)seq);
		break;
	default:
		httpd_resp_error(resp, -rc, "block report refused");
		break;
	}
}

/* ---- admin ------------------------------------------------------------------ */

static cJSON *
node_json(const struct cluster_node_info *ni)
{
	cJSON	*o = json_new_object();

	json_add_str(o, JF_ID, ni->id);
	json_add_str(o, JF_ADDR, ni->addr);
	json_add_str(o, JF_STATE, cluster_node_state_name(ni->state));
	json_add_bool(o, JF_REGISTERED, ni->registered);
	json_add_bool(o, JF_REPORTED, ni->reported);
	json_add_u64(o, JF_CAPACITY, ni->capacity);
	json_add_u64(o, JF_USED, ni->used);
	json_add_u64(o, JF_FREE, ni->free);
	json_add_u64(o, JF_BLOCKS, ni->blocks);
	json_add_u64(o, JF_DRAIN_REMAINING, ni->drain_remaining);
	json_add_i64(o, JF_LAST_HEARTBEAT, ni->last_heartbeat_ms);
	json_add_u64(o, JF_QUEUED, ni->queued);
	return o;
}

cJSON *
meta_nodes_json(struct meta *m)
{
	struct cluster_node_info *v;
	size_t	 n, i;
	cJSON	*arr = json_new_array();

	if (cluster_nodes(m->cluster, &v, &n) != 0)
		return arr;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, node_json(&v[i]));
	free(v);
	return arr;
}

void
meta_h_nodes_list(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	cJSON		*o;

	cluster_count_request(m->cluster, CLUSTER_REQ_ADMIN);
	if (meta_require_leader(req, resp))
		return;
	o = json_new_object();
	cJSON_AddItemToObject(o, JF_NODES, meta_nodes_json(m));
	httpd_resp_json(resp, 200, o);
}

void
meta_h_nodes_get(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	struct cluster_node_info ni;
	const char	*name = httpd_param(req, "name");

	cluster_count_request(m->cluster, CLUSTER_REQ_ADMIN);
	if (meta_require_leader(req, resp))
		return;
	if (cluster_node(m->cluster, name, &ni) != 0) {
		httpd_resp_error(resp, ENXIO, "no dataserver named %s", name);
		return;
	}
	httpd_resp_json(resp, 200, node_json(&ni));
}

void
meta_h_nodes_decommission(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	struct cluster_node_info ni;
	const char	*name = httpd_param(req, "name");
	int		 cancel = 0, rc;

	cluster_count_request(m->cluster, CLUSTER_REQ_ADMIN);
	if (meta_require_leader(req, resp))
		return;
	if (httpd_json(req) != NULL &&
	    json_get_bool(httpd_json(req), JF_CANCEL, &cancel) == -EINVAL) {
		bad_field(resp, JF_CANCEL);
		return;
	}
	rc = cluster_decommission(m->cluster, name, !cancel);
	if (rc == -ENOENT || rc == -EINVAL) {
		httpd_resp_error(resp, ENXIO, "no dataserver named %s", name);
		return;
	}
	if (rc != 0) {
		httpd_resp_error(resp, -rc, "recording the decommission of %s "
		    "failed", name);
		return;
	}
	if (cluster_node(m->cluster, name, &ni) != 0) {
		httpd_resp_error(resp, ENXIO, "no dataserver named %s", name);
		return;
	}
	httpd_resp_json(resp, 200, node_json(&ni));
}

void
meta_h_gc_run(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	struct cluster_gc_result r;
	char		 err[192];
	cJSON		*o;
	int		 rc;

	cluster_count_request(m->cluster, CLUSTER_REQ_ADMIN);
	if (meta_require_leader(req, resp))
		return;
	if ((rc = cluster_gc_now(m->cluster, &r, err, sizeof(err))) != 0) {
		httpd_resp_error(resp, -rc, "%s", err);
		return;
	}
	o = json_new_object();
	json_add_u64(o, JF_BLOCKS, r.blocks);
	json_add_u64(o, JF_COMMANDS, r.commands);
	httpd_resp_json(resp, 200, o);
}

struct fsck {
	struct cluster	*c;
	int		 all;
	uint64_t	 chunks, healthy, under, missing, unknown, listed;
	uint64_t	 last_ino, files;
	int		 truncated;
	cJSON		*problems;
};

/* Relates one chunk to the replica table, counts it and lists it when it
 * is a problem (or with all).  Takes the cluster lock. */
static void
fsck_chunk(uint64_t ino, uint64_t index, const char *blockid, uint64_t len,
    void *arg)
{
	struct fsck	*f = arg;
	struct cluster_block_info bi;
	const char	*state;
	cJSON		*p;

	f->chunks++;
	if (ino != f->last_ino) {
		f->files++;
		f->last_ino = ino;
	}
	if (cluster_block_info(f->c, blockid, &bi) != 0 || !bi.known ||
	    bi.total == 0) {
		/* never reported, or every replica gone */
		state = bi.known ? "missing" : "unknown";
		if (bi.known)
			f->missing++;
		else
			f->unknown++;
	} else if (bi.live == 0) {
		state = "missing";
		f->missing++;
	} else if (bi.live < bi.wanted) {
		state = "under";
		f->under++;
	} else {
		state = "ok";
		f->healthy++;
		if (!f->all)
			return;
	}
	if (f->listed >= MDFS_FSCK_MAX) {
		f->truncated = 1;
		return;
	}
	p = json_new_object();
	json_add_u64(p, JF_INO, ino);
	json_add_u64(p, JF_INDEX, index);
	json_add_str(p, JF_ID, blockid);
	json_add_u64(p, JF_LEN, len);
	json_add_str(p, JF_STATE, state);
	json_add_num(p, JF_LIVE, bi.live);
	json_add_num(p, JF_WANTED, bi.wanted);
	cJSON_AddItemToArray(f->problems, p);
	f->listed++;
}

/*
 * A page of fsck: the `max` chunks that follow the cursor (inode, index)
 * in (inode, index) order.  The namespace is a hash table, so one pass over
 * it keeps the smallest keys seen in a max-heap of at most `max` entries;
 * the page is then sorted and related to the replica table outside the
 * namespace lock.  Memory: max entries; time: chunks * log(max) per page.
 */
struct fsck_ent {
	uint64_t	 ino, index, len;
	char		 id[BLOCKID_BUFSZ];
};

struct fsck_page {
	uint64_t	 after_ino, after_index;	/* the cursor */
	struct fsck_ent	*heap;
	size_t		 n, max;
	int		 more;		/* a chunk after the page exists */
};

static int
ent_cmp_key(uint64_t ino, uint64_t index, const struct fsck_ent *e)
{
	if (ino != e->ino)
		return ino < e->ino ? -1 : 1;
	if (index != e->index)
		return index < e->index ? -1 : 1;
	return 0;
}

static int
ent_cmp(const void *pa, const void *pb)
{
	const struct fsck_ent *a = pa;

	return ent_cmp_key(a->ino, a->index, pb);
}

static void
heap_down(struct fsck_ent *h, size_t n, size_t i)
{
	struct fsck_ent	 t;
	size_t		 big, l;

	for (;;) {
		big = i;
		l = 2 * i + 1;
		if (l < n && ent_cmp(&h[l], &h[big]) > 0)
			big = l;
		if (l + 1 < n && ent_cmp(&h[l + 1], &h[big]) > 0)
			big = l + 1;
		if (big == i)
			return;
		t = h[i];
		h[i] = h[big];
		h[big] = t;
		i = big;
	}
}

static void
heap_up(struct fsck_ent *h, size_t i)
{
	struct fsck_ent	 t;

	while (i > 0 && ent_cmp(&h[i], &h[(i - 1) / 2]) > 0) {
		t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void
page_chunk(uint64_t ino, uint64_t index, const char *blockid, uint64_t len,
    void *arg)
{
	struct fsck_page *pg = arg;
	struct fsck_ent	*e;
	int		 full = pg->n == pg->max;

	if (ino < pg->after_ino ||
	    (ino == pg->after_ino && index <= pg->after_index))
		return;
	if (full) {
		pg->more = 1;
		/* heap[0] is the largest kept: keep the smaller of the two */
		if (ent_cmp_key(ino, index, &pg->heap[0]) > 0)
			return;
		e = &pg->heap[0];
	} else
		e = &pg->heap[pg->n++];
	e->ino = ino;
	e->index = index;
	e->len = len;
	snprintf(e->id, sizeof(e->id), "%s", blockid);
	if (full)
		heap_down(pg->heap, pg->n, 0);
	else
		heap_up(pg->heap, pg->n - 1);
}

/* Parses the cursor "INO" (after every chunk of INO; "0" is the start) or
 * "INO:INDEX" (after that chunk). */
static int
parse_cursor(const char *s, struct fsck_page *pg)
{
	const char	*colon = strchr(s, ':');
	char		 ino[24];
	size_t		 len = colon != NULL ? (size_t)(colon - s) : strlen(s);

	if (len == 0 || len >= sizeof(ino))
		return -EINVAL;
	memcpy(ino, s, len);
	ino[len] = '\0';
	if (parse_u64(ino, 0, UINT64_MAX, &pg->after_ino) != 0)
		return -EINVAL;
	if (colon == NULL) {
		pg->after_index = UINT64_MAX;
		return 0;
	}
	return parse_u64(colon + 1, 0, UINT64_MAX, &pg->after_index) != 0 ?
	    -EINVAL : 0;
}

/* Scans one page into f; *next gets the cursor of its last chunk when
 * more chunks follow, else "". */
static void
fsck_page(struct meta *m, struct fsck_page *pg, struct fsck *f,
    char next[MDFS_FSCK_CURSOR_MAX])
{
	const struct fsck_ent *last;

	pg->max = (size_t)m->conf.cluster.fsck_page;
	pg->heap = xcalloc(pg->max, sizeof(*pg->heap));
	ns_foreach_chunk(m->ns, page_chunk, pg);
	qsort(pg->heap, pg->n, sizeof(*pg->heap), ent_cmp);
	for (size_t i = 0; i < pg->n; i++)
		fsck_chunk(pg->heap[i].ino, pg->heap[i].index,
		    pg->heap[i].id, pg->heap[i].len, f);
	next[0] = '\0';
	if (pg->more && pg->n > 0) {
		last = &pg->heap[pg->n - 1];
		snprintf(next, MDFS_FSCK_CURSOR_MAX, "%llu:%llu",
		    (unsigned long long)last->ino,
		    (unsigned long long)last->index);
	}
	free(pg->heap);
	pg->heap = NULL;
}

void
meta_h_fsck(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	const char	*all = httpd_query(req, "all");
	const char	*after = httpd_query(req, JF_AFTER);
	struct fsck	 f;
	struct fsck_page pg;
	char		 next[MDFS_FSCK_CURSOR_MAX];
	cJSON		*o;

	cluster_count_request(m->cluster, CLUSTER_REQ_ADMIN);
	if (meta_require_leader(req, resp))
		return;
	memset(&f, 0, sizeof(f));
	memset(&pg, 0, sizeof(pg));
	f.c = m->cluster;
	if (all != NULL && strcmp(all, "1") != 0 && strcmp(all, "0") != 0) {
		httpd_resp_error(resp, EINVAL, "query \"all\": 0 or 1");
		return;
	}
	if (after != NULL && parse_cursor(after, &pg) != 0) {
		httpd_resp_error(resp, EINVAL, "query \"%s\": INO or "
		    "INO:INDEX (a \"%s\" cursor)", JF_AFTER, JF_NEXT);
		return;
	}
	f.all = all != NULL && strcmp(all, "1") == 0;
	f.problems = json_new_array();
	next[0] = '\0';
	if (after != NULL)
		fsck_page(m, &pg, &f, next);
	else
		ns_foreach_chunk(m->ns, fsck_chunk, &f);
	o = json_new_object();
	json_add_u64(o, "files", f.files);
	json_add_u64(o, JF_CHUNKS, f.chunks);
	json_add_u64(o, "healthy", f.healthy);
	json_add_u64(o, "under_replicated", f.under);
	json_add_u64(o, "missing", f.missing);
	json_add_u64(o, "unknown", f.unknown);
	json_add_bool(o, JF_TRUNCATED, f.truncated);
	if (next[0] != '\0')
		json_add_str(o, JF_NEXT, next);
	cJSON_AddItemToObject(o, JF_PROBLEMS, f.problems);
	httpd_resp_json(resp, 200, o);
}
