/*
 * placement: where a new block (or a new replica) goes.  Candidates are
 * live, registered, non-draining nodes with room for the block that the
 * caller did not exclude.  They are drawn without replacement with a
 * probability proportional to their free space (minus what was placed on
 * them since their last heartbeat, so a burst of allocations between two
 * heartbeats does not pile onto one node).  The chain head receives the
 * client's bytes, so among the drawn nodes the one that headed the fewest
 * recent chains goes first (the counters decay every tick).
 * cluster_alloc() adds the pending record (GC protection) and dedup.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "server/meta/cluster_int.h"

#define PLACE_UNIT	(1024.0 * 1024.0)	/* weights in MiB */

static int
excluded_addr(const struct cnode *n, const char *const *ex, size_t nex)
{
	size_t	 i;

	for (i = 0; i < nex; i++)
		if (ex[i] != NULL && strcmp(ex[i], n->addr) == 0)
			return 1;
	return 0;
}

/* Node i may take blocks, room aside: live, not draining, not skipped or
 * excluded by the caller. */
static int
usable(struct cluster *c, size_t i, const uint8_t *skip,
    const char *const *exclude, size_t nexclude, int64_t now)
{
	const struct cnode *nd = &c->nodes[i];

	return cl_node_live(c, nd, now) && !nd->draining &&
	    (skip == NULL || !skip[i]) &&
	    !excluded_addr(nd, exclude, nexclude);
}

/* Why nothing was placed: -ENOSPC when some usable node lacks room, else
 * -EHOSTDOWN (no dataserver to write to: all dead, draining or excluded). */
static int
place_failure(struct cluster *c, const uint8_t *skip,
    const char *const *exclude, size_t nexclude, int64_t now)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (usable(c, i, skip, exclude, nexclude, now))
			return -ENOSPC;
	return -EHOSTDOWN;
}

size_t
cl_place(struct cluster *c, uint64_t size, size_t n, const uint8_t *skip,
    const char *const *exclude, size_t nexclude, int64_t now, size_t *idx)
{
	size_t		*cand, ncand = 0, i, got = 0, best;
	double		*w, total = 0;

	if (n == 0 || c->nnodes == 0)
		return 0;
	cand = xcalloc(c->nnodes, sizeof(*cand));
	w = xcalloc(c->nnodes, sizeof(*w));
	for (i = 0; i < c->nnodes; i++) {
		const struct cnode *nd = &c->nodes[i];
		uint64_t free = cl_node_free(nd);

		if (!usable(c, i, skip, exclude, nexclude, now) ||
		    free < size || free == 0)
			continue;
		cand[ncand] = i;
		/* +1 so nodes with under 1 MiB free still have a chance */
		w[ncand] = (double)free / PLACE_UNIT + 1.0;
		total += w[ncand];
		ncand++;
	}
	while (got < n && ncand > 0) {
		double r = (double)cl_random(c) / 4294967296.0 * total;
		size_t k;

		for (k = 0; k + 1 < ncand && r >= w[k]; k++)
			r -= w[k];
		idx[got++] = cand[k];
		total -= w[k];
		cand[k] = cand[ncand - 1];
		w[k] = w[ncand - 1];
		ncand--;
	}
	free(cand);
	free(w);
	if (got == 0)
		return 0;
	/* spread first hops: the least recent head goes first */
	best = 0;
	for (i = 1; i < got; i++)
		if (c->nodes[idx[i]].first_hops <
		    c->nodes[idx[best]].first_hops)
			best = i;
	if (best != 0) {
		size_t t = idx[0];

		idx[0] = idx[best];
		idx[best] = t;
	}
	c->nodes[idx[0]].first_hops++;
	for (i = 0; i < got; i++)
		c->nodes[idx[i]].reserved += size;
	return got;
}

static void
fill_chain(struct cluster *c, const size_t *idx, size_t n, struct chain *out)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		memcpy(out->nodes[i].id, c->nodes[idx[i]].id,
		    sizeof(out->nodes[i].id));
		memcpy(out->nodes[i].addr, c->nodes[idx[i]].addr,
		    sizeof(out->nodes[i].addr));
	}
	out->n = n;
}

int
cluster_alloc(struct cluster *c, const char *blockid, uint64_t size,
    unsigned replicas, const char *const *exclude_addrs, size_t nexclude,
    struct chain *out, int *present)
{
	uint8_t		 id[BLOCKID_LEN];
	uint8_t		*skip = NULL;
	size_t		 idx[MDFS_MAX_CHAIN], i, n = 0;
	struct cblock	*b;
	int64_t		 now;
	int		 rc = 0;

	out->n = 0;
	*present = 0;
	if (cl_hex_to_id(blockid, id) != 0 || replicas == 0 ||
	    replicas > MDFS_MAX_CHAIN || size > MDFS_BLOCK_SIZE_MAX)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	b = cl_block_get(c, id, size, now);
	b->pending_until_ms = now + (int64_t)c->conf.gc_grace * 1000;
	cl_block_revive(c, b);

	if (cl_block_live(c, b, now) >= replicas) {
		/* dedup: list the live, non-draining holders */
		for (i = 0; i < b->nrep && n < MDFS_MAX_CHAIN; i++) {
			const struct cnode *nd = &c->nodes[b->rep[i].node];

			if (!(b->rep[i].flags & REP_DELETING) &&
			    !nd->draining && cl_node_live(c, nd, now))
				idx[n++] = b->rep[i].node;
		}
		fill_chain(c, idx, n, out);
		*present = 1;
		goto out;
	}
	/* never a node that was told to delete this block: the delete may
	 * run after the new upload landed there */
	for (i = 0; i < b->nrep; i++) {
		if (!(b->rep[i].flags & REP_DELETING))
			continue;
		if (skip == NULL)
			skip = xcalloc(c->nnodes, 1);
		skip[b->rep[i].node] = 1;
	}
	n = cl_place(c, size, replicas, skip, exclude_addrs, nexclude, now,
	    idx);
	if (n == 0) {
		rc = place_failure(c, skip, exclude_addrs, nexclude, now);
		goto out;
	}
	fill_chain(c, idx, n, out);
out:
	pthread_mutex_unlock(&c->lock);
	free(skip);
	return rc;
}
