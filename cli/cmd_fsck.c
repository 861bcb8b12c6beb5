/*
 * cmd_fsck: "fsck" checks that every chunk of every file has its wanted
 * number of replicas, and verifies them itself instead of trusting the
 * metaserver's replica table: the chunk list comes page by page from
 * GET /v1/fsck?all=1&after=CURSOR (ino, index, block id, length, wanted
 * replicas; each page is probed before the next is asked for, so memory
 * stays bounded by a page and the listing), then every dataserver
 * that is not dead is asked (HEAD) whether it holds each block with the
 * right length.  A block file lost behind the metaserver's back (a disk
 * wiped, a file deleted) therefore shows up at once, before any scrub or
 * block report.  With --repair a chunk that has fewer verified replicas than
 * wanted, but at least one, is copied (dataserver push) from a holder to
 * live nodes without it; a chunk with none is lost and only reported.
 * Exits ADMIN_EXIT_UNHEALTHY while any chunk is missing or short.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/admin.h"
#include "cli/output.h"
#include "common/adminapi.h"
#include "common/json.h"
#include "common/protocol.h"
#include "common/token.h"
#include "common/xalloc.h"

#define FSCK_ID_SHORT	12	/* hex digits of a block id in the table */

static const struct admin_flag fsck_flags[] = {
	{ 'r', "repair", 0, NULL, "copy short chunks from a verified replica "
	    "to live nodes without one" },
	{ 'a', "all", 0, NULL, "list healthy chunks too" },
	{ 0 }
};

/* What the dataservers said about one chunk. */
struct fsck_chunk {
	const struct adminapi_chunk *c;	/* the metaserver's line */
	uint32_t	 verified;	/* holders with the right length */
	int		*held;		/* per probed node: 1 holds, 0 not,
					 * -1 unreachable */
	uint32_t	 repaired;	/* copies made by --repair */
	const char	*state;		/* "ok", "under", "missing" */
};

struct fsck_run {
	struct admin_ctx	*ctx;
	struct httpc		*h;
	const struct adminapi_node *nodes;	/* the probed nodes */
	size_t			 nnodes;
	char			*warned;	/* per node: an error was shown */
	char			 token[TOKEN_MAX_LEN];	/* "" without secret */
	uint64_t		 errors;	/* unreachable probes */
	uint64_t		 repairs, repair_failures;
};

/* HEADs the chunk's block on every probed node. */
static void
probe(struct fsck_run *r, struct fsck_chunk *fc)
{
	char		 err[ADMIN_ERR_LEN];
	uint64_t	 size;
	int		 rc;

	fc->verified = 0;
	for (size_t i = 0; i < r->nnodes; i++) {
		rc = adminapi_block_head(r->h, r->nodes[i].addr, fc->c->id,
		    r->token, &size, err, sizeof(err));
		if (rc == 0 && size == fc->c->len) {
			fc->held[i] = 1;
			fc->verified++;
		} else if (rc == 0 || rc == -ENOENT) {
			/* absent, or a copy of the wrong length */
			fc->held[i] = 0;
		} else {
			fc->held[i] = -1;
			r->errors++;
			/* one line per node, not one per chunk */
			if (!r->warned[i])
				fprintf(r->ctx->err, "%s: fsck: %s: %s\n",
				    r->ctx->prog, r->nodes[i].id, err);
			r->warned[i] = 1;
		}
	}
}

/* Copies a short chunk from its first verified holder to live nodes that
 * answered "absent", until it has its wanted replicas. */
static void
repair(struct fsck_run *r, struct fsck_chunk *fc)
{
	char		 err[ADMIN_ERR_LEN];
	size_t		 from = SIZE_MAX;

	for (size_t i = 0; i < r->nnodes && from == SIZE_MAX; i++)
		if (fc->held[i] == 1)
			from = i;
	if (from == SIZE_MAX)
		return;
	for (size_t i = 0; i < r->nnodes && fc->verified < fc->c->wanted;
	    i++) {
		if (fc->held[i] != 0 ||
		    strcmp(r->nodes[i].state, "live") != 0)
			continue;
		if (adminapi_block_push(r->h, r->nodes[from].addr, fc->c->id,
		    r->nodes[i].addr, r->ctx->secret, r->ctx->secret_len, err,
		    sizeof(err)) != 0) {
			r->repair_failures++;
			fprintf(r->ctx->err, "%s: fsck: copying %s to %s: %s\n",
			    r->ctx->prog, fc->c->id, r->nodes[i].id, err);
			continue;
		}
		fc->held[i] = 1;
		fc->verified++;
		fc->repaired++;
		r->repairs++;
	}
}

static const char *
chunk_state(const struct fsck_chunk *fc)
{
	if (fc->verified == 0)
		return "missing";
	if (fc->verified < fc->c->wanted)
		return "under";
	return "ok";
}

static cJSON *
chunk_json(const struct fsck_run *r, const struct fsck_chunk *fc)
{
	cJSON	*o = json_new_object(), *h = json_new_array();

	json_add_u64(o, JF_INO, fc->c->ino);
	json_add_u64(o, JF_INDEX, fc->c->index);
	json_add_str(o, JF_ID, fc->c->id);
	json_add_u64(o, JF_LEN, fc->c->len);
	json_add_str(o, JF_STATE, fc->state);
	json_add_num(o, "verified", fc->verified);
	json_add_num(o, JF_WANTED, fc->c->wanted);
	json_add_num(o, "table", fc->c->live);
	json_add_num(o, "repaired", fc->repaired);
	for (size_t i = 0; i < r->nnodes; i++)
		if (fc->held[i] == 1)
			cJSON_AddItemToArray(h,
			    cJSON_CreateString(r->nodes[i].id));
	cJSON_AddItemToObject(o, "holders", h);
	return o;
}

static const struct out_col chunk_cols[] = {
	{ "INODE", OUT_RIGHT },
	{ "INDEX", OUT_RIGHT },
	{ "BLOCK", OUT_LEFT },
	{ "LEN", OUT_RIGHT },
	{ "STATE", OUT_LEFT },
	{ "VERIFIED", OUT_RIGHT },
	{ "WANTED", OUT_RIGHT },
	{ "REPAIRED", OUT_RIGHT },
};

/* What the whole walk found, over every page. */
struct fsck_totals {
	uint64_t	 files, chunks, checked, pages;
	uint64_t	 ok, under, missing;
	uint64_t	 last_ino;	/* of the chunk before: files counted once */
	int		 truncated;
	cJSON		*arr;		/* --json: the chunks listed */
	struct out_table *t;		/* else: the table rows */
};

/* Probes (and with --repair fixes) every chunk of one page and adds it to
 * the totals and the listing. */
static void
fsck_one_page(struct fsck_run *r, const struct adminapi_fsck *f, int all,
    int do_repair, struct fsck_totals *tot)
{
	struct fsck_chunk	 fc;
	int			*held;

	held = xcalloc(r->nnodes > 0 ? r->nnodes : 1, sizeof(*held));
	for (size_t i = 0; i < f->nproblems; i++) {
		memset(&fc, 0, sizeof(fc));
		fc.c = &f->problems[i];
		fc.held = held;
		if (tot->checked == 0 || fc.c->ino != tot->last_ino)
			tot->files++;
		tot->last_ino = fc.c->ino;
		tot->checked++;
		probe(r, &fc);
		if (do_repair && fc.verified > 0 && fc.verified < fc.c->wanted)
			repair(r, &fc);
		fc.state = chunk_state(&fc);
		if (strcmp(fc.state, "ok") == 0)
			tot->ok++;
		else if (strcmp(fc.state, "under") == 0)
			tot->under++;
		else
			tot->missing++;
		if (!all && strcmp(fc.state, "ok") == 0 && fc.repaired == 0)
			continue;
		if (tot->arr != NULL) {
			cJSON_AddItemToArray(tot->arr, chunk_json(r, &fc));
		} else {
			char b[6][OUT_NUM_LEN], id[FSCK_ID_SHORT + 1];

			/* a prefix is enough to tell blocks apart */
			memcpy(id, fc.c->id, FSCK_ID_SHORT);
			id[FSCK_ID_SHORT] = '\0';
			{
				const char *cells[] = {
				    out_u64(fc.c->ino, b[0]),
				    out_u64(fc.c->index, b[1]), id,
				    out_bytes(fc.c->len, b[2]), fc.state,
				    out_u64(fc.verified, b[3]),
				    out_u64(fc.c->wanted, b[4]),
				    out_u64(fc.repaired, b[5]) };
				out_table_row(tot->t, cells);
			}
		}
	}
	free(held);
}

/* Walks the namespace page by page (GET /v1/fsck?after=..., protocol.h);
 * a metaserver that does not page answers everything at once.  Returns
 * ADMIN_EXIT_OK or the status after reporting. */
static int
fsck_walk(struct fsck_run *r, struct metaconn *api, int all, int do_repair,
    struct fsck_totals *tot)
{
	struct adminapi_fsck	 f;
	char			 cursor[MDFS_FSCK_CURSOR_MAX] = "0";
	char			 err[ADMIN_ERR_LEN];

	do {
		if (adminapi_fsck_page(api, 1, cursor, &f, err,
		    sizeof(err)) != 0)
			return admin_fail(r->ctx, "fsck: %s", err);
		if (f.next[0] != '\0' && strcmp(f.next, cursor) == 0) {
			adminapi_fsck_release(&f);
			return admin_fail(r->ctx, "fsck: the metaserver "
			    "answered the same page twice (cursor %s)",
			    cursor);
		}
		tot->pages++;
		tot->chunks += f.chunks;
		tot->truncated |= f.truncated;
		fsck_one_page(r, &f, all, do_repair, tot);
		memcpy(cursor, f.next, sizeof(cursor));
		adminapi_fsck_release(&f);
	} while (cursor[0] != '\0');
	return ADMIN_EXIT_OK;
}

static int
fsck_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	const struct admin_cmd	*cmd = &admin_cmd_fsck;
	struct fsck_run		 r;
	struct fsck_totals	 tot;
	struct metaconn		*api;
	struct adminapi_node	*nodes = NULL, *probed = NULL;
	char			 err[ADMIN_ERR_LEN];
	size_t			 nn = 0, np = 0;
	int			 all = admin_has(cmd, args, 'a');
	int			 do_repair = admin_has(cmd, args, 'r');
	int			 healthy, st;

	memset(&r, 0, sizeof(r));
	memset(&tot, 0, sizeof(tot));
	r.ctx = ctx;
	if ((api = admin_meta(ctx)) == NULL)
		return ADMIN_EXIT_USAGE;
	if (adminapi_nodes(api, &nodes, &nn, err, sizeof(err)) != 0)
		return admin_fail(ctx, "fsck: %s", err);
	/* probe every node that may hold replicas: live and draining */
	probed = xcalloc(nn > 0 ? nn : 1, sizeof(*probed));
	for (size_t i = 0; i < nn; i++)
		if (strcmp(nodes[i].state, "dead") != 0)
			probed[np++] = nodes[i];
	r.nodes = probed;
	r.nnodes = np;
	r.warned = xcalloc(np > 0 ? np : 1, 1);
	r.h = admin_data(ctx);
	if (ctx->secret != NULL && token_sign(ctx->secret, ctx->secret_len,
	    TOKEN_SUBJECT_ANY, TOKEN_OP_ALL, (int64_t)time(NULL) +
	    MDFS_TOKEN_TTL_S, r.token, sizeof(r.token)) != 0) {
		st = admin_fail(ctx, "fsck: signing a token failed");
		goto out;
	}
	if (ctx->json)
		tot.arr = json_new_array();
	else
		tot.t = out_table_new(chunk_cols,
		    sizeof(chunk_cols) / sizeof(chunk_cols[0]));
	if ((st = fsck_walk(&r, api, all, do_repair, &tot)) != ADMIN_EXIT_OK)
		goto out;
	healthy = tot.under == 0 && tot.missing == 0 && r.errors == 0 &&
	    !tot.truncated;
	if (ctx->json) {
		cJSON *o = json_new_object();

		json_add_bool(o, "healthy", healthy);
		json_add_u64(o, JF_FILES, tot.files);
		json_add_u64(o, JF_CHUNKS, tot.chunks);
		json_add_u64(o, "checked", tot.checked);
		json_add_u64(o, "pages", tot.pages);
		json_add_u64(o, "healthy_chunks", tot.ok);
		json_add_u64(o, "under_replicated", tot.under);
		json_add_u64(o, "missing", tot.missing);
		json_add_u64(o, "probe_errors", r.errors);
		json_add_u64(o, "repairs", r.repairs);
		json_add_u64(o, "repair_failures", r.repair_failures);
		json_add_num(o, "nodes_probed", (double)np);
		json_add_bool(o, JF_TRUNCATED, tot.truncated);
		cJSON_AddItemToObject(o, JF_PROBLEMS, tot.arr);
		tot.arr = NULL;
		out_json(ctx->out, o);
		cJSON_Delete(o);
	} else {
		if (out_table_rows(tot.t) > 0) {
			out_table_print(tot.t, ctx->out);
			fputc('\n', ctx->out);
		}
		fprintf(ctx->out, "%" PRIu64 " files, %" PRIu64 " chunks "
		    "checked on %zu nodes: %" PRIu64 " healthy, %" PRIu64
		    " under-replicated, %" PRIu64 " missing", tot.files,
		    tot.checked, np, tot.ok, tot.under, tot.missing);
		if (do_repair)
			fprintf(ctx->out, "; %" PRIu64 " replicas copied, %"
			    PRIu64 " copies failed", r.repairs,
			    r.repair_failures);
		fputc('\n', ctx->out);
		if (tot.truncated)
			fprintf(ctx->out, "only the first %d chunks were "
			    "checked (listing truncated)\n", MDFS_FSCK_MAX);
		if (r.errors > 0)
			fprintf(ctx->out, "%" PRIu64 " probes failed: "
			    "unreachable dataservers\n", r.errors);
	}
	st = healthy ? ADMIN_EXIT_OK : ADMIN_EXIT_UNHEALTHY;
out:
	cJSON_Delete(tot.arr);
	out_table_free(tot.t);
	free(r.warned);
	free(probed);
	free(nodes);
	return st;
}

const struct admin_cmd admin_cmd_fsck = {
	.name = "fsck",
	.usage = "[-r] [-a]",
	.help = "verify every chunk has its replicas on the dataservers; "
	    "repair",
	.flags = fsck_flags,
	.min_args = 0,
	.max_args = 0,
	.exec = fsck_exec,
};
