/*
 * cmd_maint: maintenance commands.  "gc" runs a garbage-collection pass
 * now; "decommission NODE" drains a dataserver and, unless told not to,
 * shows the progress until every block it held has its replicas elsewhere
 * (then it is safe to stop the node); "set-replicas PATH N" sets the
 * replication of a file, or the inherited default of a directory (the
 * virtual xattr MDFS_XATTR_REPLICAS; repair and trimming follow).
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/admin.h"
#include "cli/output.h"
#include "common/adminapi.h"
#include "common/json.h"
#include "common/protocol.h"
#include "common/strnum.h"

#define DECOMMISSION_POLL_MS	1000	/* progress polling interval */
#define DECOMMISSION_MAX_WAIT_S	(7 * 86400)	/* --max-wait bound */

/* ---- gc ------------------------------------------------------------------ */

static int
gc_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct metaconn	*api;
	uint64_t	 blocks, commands;
	char		 err[ADMIN_ERR_LEN];

	if ((api = admin_meta(ctx)) == NULL)
		return ADMIN_EXIT_USAGE;
	if (adminapi_gc(api, &blocks, &commands, err, sizeof(err)) != 0)
		return admin_fail(ctx, "gc: %s", err);
	if (ctx->json) {
		cJSON *o = json_new_object();
		json_add_u64(o, JF_BLOCKS, blocks);
		json_add_u64(o, JF_COMMANDS, commands);
		out_json(ctx->out, o);
		cJSON_Delete(o);
	} else
		fprintf(ctx->out, "gc: %" PRIu64 " unreferenced blocks "
		    "condemned, %" PRIu64 " delete commands queued\n", blocks,
		    commands);
	return ADMIN_EXIT_OK;
}

const struct admin_cmd admin_cmd_gc = {
	.name = "gc",
	.usage = "",
	.help = "run a garbage-collection pass now",
	.min_args = 0,
	.max_args = 0,
	.exec = gc_exec,
};

/* ---- decommission -------------------------------------------------------- */

static const struct admin_flag decommission_flags[] = {
	{ 'n', "no-wait", 0, NULL, "start draining and return at once" },
	{ 'c', "cancel", 0, NULL, "stop draining; the node takes blocks again" },
	{ 'w', "max-wait", 1, "SECONDS", "give up waiting after SECONDS "
	    "(exit 1; draining goes on)" },
	{ 0 }
};

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
print_node(struct admin_ctx *ctx, const struct adminapi_node *n)
{
	if (ctx->json) {
		cJSON *o = admin_node_json(n);
		out_json(ctx->out, o);
		cJSON_Delete(o);
	} else
		admin_nodes_table(ctx->out, n, 1);
}

static int
decommission_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	const struct admin_cmd	*cmd = &admin_cmd_decommission;
	const char		*name = args->argv[0], *mw;
	struct metaconn		*api;
	struct adminapi_node	 n;
	char			 err[ADMIN_ERR_LEN];
	uint64_t		 max_wait = 0, left = UINT64_MAX;
	struct timespec		 t0, t;
	int			 cancel = admin_has(cmd, args, 'c');

	if (!adminapi_node_name_valid(name))
		return admin_usage_error(ctx, "decommission: bad node name "
		    "\"%s\"", name);
	if ((mw = admin_value(cmd, args, 'w')) != NULL &&
	    parse_u64(mw, 1, DECOMMISSION_MAX_WAIT_S, &max_wait) != 0)
		return admin_usage_error(ctx, "decommission: --max-wait %s: "
		    "want 1..%d seconds", mw, DECOMMISSION_MAX_WAIT_S);
	if (cancel && (admin_has(cmd, args, 'n') || mw != NULL))
		return admin_usage_error(ctx, "decommission: --cancel takes "
		    "neither --no-wait nor --max-wait");
	if ((api = admin_meta(ctx)) == NULL)
		return ADMIN_EXIT_USAGE;
	if (adminapi_decommission(api, name, cancel, &n, err,
	    sizeof(err)) != 0)
		return admin_fail(ctx, "decommission: %s", err);
	if (cancel || admin_has(cmd, args, 'n')) {
		print_node(ctx, &n);
		return ADMIN_EXIT_OK;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (strcmp(n.state, "drained") != 0) {
		if (!ctx->json && n.drain_remaining != left) {
			left = n.drain_remaining;
			fprintf(ctx->out, "%s: %s, %" PRIu64 " blocks to copy "
			    "elsewhere\n", n.id, n.state, left);
			fflush(ctx->out);
		}
		if (strcmp(n.state, "draining") != 0 &&
		    strcmp(n.state, "dead") != 0)
			return admin_fail(ctx, "decommission: %s is %s (was "
			    "the decommission cancelled?)", n.id, n.state);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (max_wait > 0 && (uint64_t)(t.tv_sec - t0.tv_sec) >=
		    max_wait)
			return admin_fail(ctx, "decommission: %s not drained "
			    "after %" PRIu64 " s (%" PRIu64 " blocks left; "
			    "draining goes on)", n.id, max_wait,
			    n.drain_remaining);
		sleep_ms(DECOMMISSION_POLL_MS);
		if (adminapi_node(api, name, &n, err, sizeof(err)) != 0)
			return admin_fail(ctx, "decommission: %s", err);
	}
	if (!ctx->json)
		fprintf(ctx->out, "%s: drained; safe to stop\n", n.id);
	else
		print_node(ctx, &n);
	return ADMIN_EXIT_OK;
}

const struct admin_cmd admin_cmd_decommission = {
	.name = "decommission",
	.usage = "[-n | -c | -w SECONDS] NODE",
	.help = "drain a dataserver, showing progress until it is safe to stop",
	.flags = decommission_flags,
	.min_args = 1,
	.max_args = 1,
	.exec = decommission_exec,
};
