/*
 * gc: deletes blocks that no file references.  A block is deleted only when
 * ALL of these hold:
 *   1. this metaserver leads, and the namespace's references were replayed
 *      since the last reset (cluster_block_refs_reset .. cluster_set_leader)
 *      -- otherwise every block looks unreferenced;
 *   2. every live node has sent a full block report since the takeover -- a
 *      node we have not heard from may hold blocks whose table entries would
 *      otherwise look fresh or absent, and the ages below only mean something
 *      once the table is complete;
 *   3. its reference count is 0;
 *   4. it has no pending allocation: cluster_alloc records one for gc_grace
 *      seconds, so a block a client is uploading or about to commit is kept
 *      (a client that allocs again renews it);
 *   5. it has been unreferenced for gc_grace seconds as seen by THIS leader
 *      (a block first heard of at a takeover starts its grace then), which
 *      also covers a client that got its allocation from the previous leader
 *      and commits to this one.
 * Clocks are monotonic, so wall-clock jumps cannot age a block.  When a
 * block is referenced or allocated again before its deletes were handed
 * out, they are cancelled (cl_block_revive); deletes already handed out
 * cannot be, so those nodes are kept out of the block's placement until they
 * report the removal.  The entry itself is dropped once no replica is left.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "server/meta/cluster_int.h"

/* 1 when GC must not run now, with the reason in why. */
int
cl_gc_held(struct cluster *c, int64_t now, char *why, size_t whylen)
{
	size_t	 i;

	if (!c->leader) {
		snprintf(why, whylen, "not the leader");
		return 1;
	}
	if (!c->refs_loaded) {
		snprintf(why, whylen, "namespace references not loaded");
		return 1;
	}
	for (i = 0; i < c->nnodes; i++) {
		const struct cnode *n = &c->nodes[i];

		if (cl_node_live(c, n, now) && !n->reported) {
			snprintf(why, whylen,
			    "waiting for the full block report of %s", n->id);
			return 1;
		}
	}
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	return 0;
}

struct gcpass {
	int64_t		 now;
	int64_t		 grace_ms;
	struct cluster_gc_result *res;
};

static void
gc_block(struct cluster *c, struct cblock *b, void *arg)
{
	struct gcpass	*g = arg;
	char		 hex[BLOCKID_BUFSZ];
	size_t		 i;
	int		 condemned = 0;

	if (b->refs != 0 || b->pending_until_ms > g->now ||
	    g->now - b->zero_since_ms < g->grace_ms)
		return;
	if (b->nrep == 0) {
		cl_block_remove(c, b);
		return;
	}
	cl_id_to_hex(b->id, hex);
	for (i = 0; i < b->nrep; i++) {
		struct replica *r = &b->rep[i];
		struct cnode *nd = &c->nodes[r->node];

		if (r->flags & REP_DELETING)
			continue;
		/* a dead node gets its delete when it is back and reports */
		if (!cl_node_live(c, nd, g->now))
			continue;
		if (cl_outbox_push(c, nd, CLUSTER_CMD_DELETE, hex, NULL) != 0)
			continue;	/* outbox full: next pass */
		r->flags |= REP_DEL_QUEUED;
		c->deletes_issued++;
		g->res->commands++;
		condemned = 1;
	}
	if (condemned)
		g->res->blocks++;
}

void
cl_gc_pass(struct cluster *c, int64_t now, struct cluster_gc_result *res)
{
	struct gcpass	 g;

	memset(res, 0, sizeof(*res));
	g.now = now;
	g.grace_ms = (int64_t)c->conf.gc_grace * 1000;
	g.res = res;
	cl_blocks_foreach(c, gc_block, &g);
	c->last_gc_ms = now;
	if (res->blocks > 0)
		log_info("cluster: gc condemned %llu blocks (%llu deletes)",
		    (unsigned long long)res->blocks,
		    (unsigned long long)res->commands);
}

int
cluster_gc_now(struct cluster *c, struct cluster_gc_result *res, char *err,
    size_t errlen)
{
	char	 why[128];
	int64_t	 now;
	int	 rc = 0;

	memset(res, 0, sizeof(*res));
	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	if (cl_gc_held(c, now, why, sizeof(why))) {
		if (err != NULL)
			snprintf(err, errlen, "gc held: %s", why);
		rc = -EAGAIN;
	} else
		cl_gc_pass(c, now, res);
	pthread_mutex_unlock(&c->lock);
	return rc;
}
