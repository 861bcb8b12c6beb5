/*
 * cmd_status: "status" (the cluster at a glance: leader, nodes, capacity,
 * blocks, under-replicated, sessions) and "nodes" (one line per
 * dataserver).  Both exit ADMIN_EXIT_UNHEALTHY when a node is dead or a
 * block is missing or under-replicated, so a cron job can alert on them.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin.h"
#include "cli/output.h"
#include "common/adminapi.h"
#include "common/errmap.h"
#include "common/json.h"
#include "common/protocol.h"

cJSON *
admin_node_json(const struct adminapi_node *n)
{
	cJSON	*o = json_new_object();

	json_add_str(o, JF_ID, n->id);
	json_add_str(o, JF_ADDR, n->addr);
	json_add_str(o, JF_STATE, n->state);
	json_add_bool(o, JF_REGISTERED, n->registered);
	json_add_bool(o, JF_REPORTED, n->reported);
	json_add_u64(o, JF_CAPACITY, n->capacity);
	json_add_u64(o, JF_USED, n->used);
	json_add_u64(o, JF_FREE, n->free);
	json_add_u64(o, JF_BLOCKS, n->blocks);
	json_add_u64(o, JF_DRAIN_REMAINING, n->drain_remaining);
	json_add_i64(o, JF_LAST_HEARTBEAT, n->last_heartbeat_ms);
	json_add_u64(o, JF_QUEUED, n->queued);
	return o;
}

static const struct out_col node_cols[] = {
	{ "ID", OUT_LEFT },
	{ "ADDRESS", OUT_LEFT },
	{ "STATE", OUT_LEFT },
	{ "CAPACITY", OUT_RIGHT },
	{ "USED", OUT_RIGHT },
	{ "FREE", OUT_RIGHT },
	{ "BLOCKS", OUT_RIGHT },
	{ "DRAINING", OUT_RIGHT },
	{ "HEARTBEAT", OUT_RIGHT },
};

void
admin_nodes_table(FILE *f, const struct adminapi_node *nodes, size_t n)
{
	struct out_table	*t;
	char			 b[7][OUT_NUM_LEN];

	t = out_table_new(node_cols, sizeof(node_cols) / sizeof(node_cols[0]));
	for (size_t i = 0; i < n; i++) {
		const struct adminapi_node *x = &nodes[i];
		const char *cells[] = { x->id, x->addr, x->state,
		    out_bytes(x->capacity, b[0]), out_bytes(x->used, b[1]),
		    out_bytes(x->free, b[2]), out_u64(x->blocks, b[3]),
		    strcmp(x->state, "draining") == 0 ?
		    out_u64(x->drain_remaining, b[4]) : "-",
		    out_age_ms(x->last_heartbeat_ms, b[5]) };

		out_table_row(t, cells);
	}
	out_table_print(t, f);
	out_table_free(t);
}

/* 1 when a node is dead (a decommissioned, drained node may be). */
static int
nodes_unhealthy(const struct adminapi_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].state, "dead") == 0)
			return 1;
	return 0;
}

/* ---- status -------------------------------------------------------------- */

static cJSON *
status_json(const struct adminapi_status *st, int healthy)
{
	cJSON	*o = json_new_object(), *nodes = json_new_object(), *list;

	json_add_str(o, JF_LEADER, st->leader);
	json_add_bool(o, JF_IS_LEADER, st->is_leader);
	json_add_bool(o, "healthy", healthy);
	json_add_num(nodes, "live", st->live);
	json_add_num(nodes, "dead", st->dead);
	json_add_num(nodes, "draining", st->draining);
	cJSON_AddItemToObject(o, JF_NODES, nodes);
	json_add_u64(o, JF_CAPACITY, st->capacity);
	json_add_u64(o, JF_FREE, st->free);
	json_add_u64(o, JF_BLOCKS, st->blocks);
	json_add_u64(o, "referenced", st->referenced);
	json_add_u64(o, "under_replicated", st->under_replicated);
	json_add_u64(o, "missing", st->missing);
	json_add_u64(o, "pending", st->pending);
	json_add_num(o, "sessions", st->sessions);
	json_add_num(o, "locks", st->locks);
	json_add_bool(o, "gc_held", st->gc_held);
	json_add_str(o, "gc_held_reason", st->gc_held_reason);
	json_add_u64(o, "inodes", st->inodes);
	json_add_u64(o, JF_FILES, st->files);
	json_add_u64(o, "dirs", st->dirs);
	json_add_u64(o, "bytes", st->bytes);
	list = json_new_array();
	for (size_t i = 0; i < st->nnodes; i++)
		cJSON_AddItemToArray(list, admin_node_json(&st->nodes[i]));
	cJSON_AddItemToObject(o, "node_list", list);
	return o;
}

static void
status_text(FILE *f, const struct adminapi_status *st)
{
	char	 leader[MDFS_ADDR_MAX + 64], nodes[96], cap[96], blocks[128];
	char	 under[OUT_NUM_LEN], missing[OUT_NUM_LEN], sess[64], gc[320];
	char	 files[128], b[4][OUT_NUM_LEN];

	snprintf(leader, sizeof(leader), "%s%s", st->leader[0] != '\0' ?
	    st->leader : "none known", st->is_leader ? "" :
	    " (answered by a standby: block counts unknown)");
	snprintf(nodes, sizeof(nodes), "%u live, %u dead, %u draining",
	    st->live, st->dead, st->draining);
	snprintf(cap, sizeof(cap), "%s total, %s free",
	    out_bytes(st->capacity, b[0]), out_bytes(st->free, b[1]));
	snprintf(blocks, sizeof(blocks), "%s (%s referenced, %s pending)",
	    out_u64(st->blocks, b[0]), out_u64(st->referenced, b[1]),
	    out_u64(st->pending, b[2]));
	snprintf(sess, sizeof(sess), "%u (%u locks)", st->sessions, st->locks);
	snprintf(gc, sizeof(gc), "%s%s", st->gc_held ? "held: " : "active",
	    st->gc_held ? st->gc_held_reason : "");
	snprintf(files, sizeof(files), "%s files, %s directories, %s",
	    out_u64(st->files, b[0]), out_u64(st->dirs, b[1]),
	    out_bytes(st->bytes, b[3]));
	{
		const char *const kv[][2] = {
			{ "Leader", leader },
			{ "Nodes", nodes },
			{ "Capacity", cap },
			{ "Blocks", blocks },
			{ "Under-replicated", out_u64(st->under_replicated,
			    under) },
			{ "Missing", out_u64(st->missing, missing) },
			{ "Sessions", sess },
			{ "Namespace", files },
			{ "GC", gc },
		};

		out_kv_print(f, kv, sizeof(kv) / sizeof(kv[0]));
	}
	if (st->nnodes > 0) {
		fputc('\n', f);
		admin_nodes_table(f, st->nodes, st->nnodes);
	}
}

static int
status_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct metaconn		*api;
	struct adminapi_status	 st;
	struct adminapi_node	*nodes = NULL;
	size_t			 n = 0;
	char			 err[ADMIN_ERR_LEN];
	int			 rc, healthy;

	if ((api = admin_meta(ctx)) == NULL)
		return ADMIN_EXIT_USAGE;
	/* A leader-only call first: it follows the redirect, so the status
	 * read comes from the leader, which alone knows the block table. */
	if ((rc = adminapi_nodes(api, &nodes, &n, err, sizeof(err))) != 0 &&
	    rc != -EAGAIN)
		return admin_fail(ctx, "status: %s", err);
	free(nodes);
	if ((rc = adminapi_status(api, &st, err, sizeof(err))) != 0)
		return admin_fail(ctx, "status: %s", err);
	healthy = st.is_leader && st.dead == 0 && st.missing == 0 &&
	    st.under_replicated == 0;
	if (ctx->json) {
		cJSON *o = status_json(&st, healthy);
		out_json(ctx->out, o);
		cJSON_Delete(o);
	} else
		status_text(ctx->out, &st);
	adminapi_status_release(&st);
	return healthy ? ADMIN_EXIT_OK : ADMIN_EXIT_UNHEALTHY;
}

const struct admin_cmd admin_cmd_status = {
	.name = "status",
	.usage = "",
	.help = "leader, nodes, capacity, blocks, under-replicated, sessions",
	.min_args = 0,
	.max_args = 0,
	.exec = status_exec,
};

/* ---- nodes --------------------------------------------------------------- */

static int
nodes_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct metaconn		*api;
	struct adminapi_node	*nodes = NULL, one;
	size_t			 n = 0;
	char			 err[ADMIN_ERR_LEN];
	int			 rc, bad;

	if ((api = admin_meta(ctx)) == NULL)
		return ADMIN_EXIT_USAGE;
	if (args->argc == 1) {
		if (!adminapi_node_name_valid(args->argv[0]))
			return admin_usage_error(ctx, "nodes: bad node name "
			    "\"%s\"", args->argv[0]);
		if ((rc = adminapi_node(api, args->argv[0], &one, err,
		    sizeof(err))) != 0)
			return admin_fail(ctx, "nodes: %s", err);
		nodes = &one;
		n = 1;
	} else if ((rc = adminapi_nodes(api, &nodes, &n, err,
	    sizeof(err))) != 0)
		return admin_fail(ctx, "nodes: %s", err);
	bad = nodes_unhealthy(nodes, n);
	if (ctx->json) {
		cJSON *o = json_new_object(), *arr = json_new_array();
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, admin_node_json(&nodes[i]));
		cJSON_AddItemToObject(o, JF_NODES, arr);
		out_json(ctx->out, o);
		cJSON_Delete(o);
	} else
		admin_nodes_table(ctx->out, nodes, n);
	if (nodes != &one)
		free(nodes);
	return bad ? ADMIN_EXIT_UNHEALTHY : ADMIN_EXIT_OK;
}

const struct admin_cmd admin_cmd_nodes = {
	.name = "nodes",
	.usage = "[NODE]",
	.help = "the dataservers (or one): state, capacity, blocks, heartbeat",
	.min_args = 0,
	.max_args = 1,
	.exec = nodes_exec,
};
