/*
 * repair: keeps every referenced block at its wanted number of replicas.
 * Once a tick the leader scans the block table:
 *   - a referenced block with fewer live, non-draining replicas than wanted
 *     (copies already commanded and not yet confirmed count as replicas until
 *     repair_timeout) becomes a candidate; candidates are served most
 *     endangered first (fewest live replicas, then most missing), within the
 *     cluster-wide budget of repair_per_second; each gets a "fetch id from
 *     <a live holder>" command queued for a target chosen by placement
 *     (never a node that holds or is deleting the block, nor one an
 *     unconfirmed copy of it was commanded to);
 *   - a block with more live, non-draining replicas than wanted and no copy
 *     in flight gets delete commands for the extras (on the fullest nodes);
 *   - each draining node's count of blocks still lacking their replicas
 *     elsewhere is recomputed (decommission progress).
 * "Wanted" is the highest replication any reference to the block asks for;
 * blockmap.c lowers it when that reference goes or is lowered
 * (set-replicas), and the extras are then trimmed as above.
 * Quarantined replicas were dropped from the replica set when reported, so
 * they are replaced like lost ones.  Commands wait in the node's outbox for
 * its next heartbeat (at most commands_per_heartbeat per answer).
 * Repair is held after a takeover until every live node sent its full report
 * (or the takeover is repair_timeout old): before that we would copy blocks
 * whose other replicas we have simply not heard of yet.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "server/meta/cluster_int.h"

struct cand {
	struct cblock	*b;
	unsigned	 live;
	unsigned	 need;
};

struct scan {
	int64_t		 now;
	int		 repair;	/* not held: queue commands */
	struct cand	*cands;
	size_t		 ncands, capcands;
	uint64_t	 under, missing, over;
};

int
cl_repair_held(struct cluster *c, int64_t now)
{
	size_t	 i;

	if (!c->leader || !c->refs_loaded)
		return 1;
	if (now - c->leader_since_ms >= (int64_t)c->conf.repair_timeout * 1000)
		return 0;
	for (i = 0; i < c->nnodes; i++)
		if (cl_node_live(c, &c->nodes[i], now) &&
		    !c->nodes[i].reported)
			return 1;
	return 0;
}

/* Deletes extras: the holders with the least free space go first. */
static void
trim(struct cluster *c, struct cblock *b, unsigned extra, int64_t now)
{
	char	 hex[BLOCKID_BUFSZ];

	cl_id_to_hex(b->id, hex);
	while (extra > 0) {
		struct replica *pick = NULL;
		size_t	 i;

		for (i = 0; i < b->nrep; i++) {
			struct replica *r = &b->rep[i];
			const struct cnode *nd = &c->nodes[r->node];

			if ((r->flags & REP_DELETING) || nd->draining ||
			    !cl_node_live(c, nd, now) ||
			    cl_outbox_room(c, nd) == 0)
				continue;
			if (pick == NULL || cl_node_free(nd) <
			    cl_node_free(&c->nodes[pick->node]))
				pick = r;
		}
		if (pick == NULL)
			return;
		if (cl_outbox_push(c, &c->nodes[pick->node], CLUSTER_CMD_DELETE,
		    hex, NULL) != 0)
			return;
		pick->flags |= REP_DEL_QUEUED;
		c->deletes_issued++;
		extra--;
	}
}

static void
scan_block(struct cluster *c, struct cblock *b, void *arg)
{
	struct scan	*s = arg;
	unsigned	 live, sources, wanted;
	size_t		 i;

	if (b->refs == 0 || b->wanted == 0)
		return;
	if (b->inflight > 0 && b->inflight_until_ms <= s->now)
		cl_copies_clear(b);
	wanted = b->wanted;
	live = cl_block_live(c, b, s->now);
	sources = cl_block_sources(c, b, s->now);

	/* decommission progress: holders that are draining still wait */
	if (live < wanted)
		for (i = 0; i < b->nrep; i++) {
			struct cnode *nd = &c->nodes[b->rep[i].node];

			if (nd->draining && !(b->rep[i].flags & REP_DELETING))
				nd->drain_remaining++;
		}

	if (sources == 0) {
		s->missing++;
		return;
	}
	if (live < wanted) {
		s->under++;
		if (s->repair && live + b->inflight < wanted) {
			if (s->ncands == s->capcands) {
				s->capcands = s->capcands ?
				    s->capcands * 2 : 64;
				s->cands = xrealloc(s->cands,
				    s->capcands * sizeof(*s->cands));
			}
			s->cands[s->ncands].b = b;
			s->cands[s->ncands].live = live;
			s->cands[s->ncands].need = wanted - live - b->inflight;
			s->ncands++;
		}
	} else if (live > wanted) {
		s->over++;
		if (s->repair && b->inflight == 0)
			trim(c, b, live - wanted, s->now);
	}
}

static int
cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->live != b->live)
		return a->live < b->live ? -1 : 1;
	if (a->need != b->need)
		return a->need > b->need ? -1 : 1;
	return memcmp(a->b->id, b->b->id, BLOCKID_LEN);
}

/* Picks the live holder with the shortest outbox as the copy source; a
 * replica a client reported bad only when no other is left. */
static const struct cnode *
pick_source(struct cluster *c, const struct cblock *b, int64_t now)
{
	const struct cnode *best = NULL;
	int	 best_sus = 0, sus;
	size_t	 i;

	for (i = 0; i < b->nrep; i++) {
		const struct cnode *nd = &c->nodes[b->rep[i].node];

		if ((b->rep[i].flags & REP_DELETING) ||
		    !cl_node_live(c, nd, now))
			continue;
		sus = (b->rep[i].flags & REP_SUSPECT) != 0;
		if (best == NULL || sus < best_sus ||
		    (sus == best_sus && nd->out_n < best->out_n)) {
			best = nd;
			best_sus = sus;
		}
	}
	return best;
}

/* Queues one copy of b; returns 1 when a command was queued. */
static int
repair_one(struct cluster *c, struct cblock *b, int64_t now, uint8_t *skip)
{
	char		 hex[BLOCKID_BUFSZ];
	const struct cnode *src;
	struct cnode	*dst;
	size_t		 i, target;

	if ((src = pick_source(c, b, now)) == NULL)
		return 0;
	memset(skip, 0, c->nnodes);
	for (i = 0; i < b->nrep; i++)
		skip[b->rep[i].node] = 1;
	/* a target not yet confirmed would only get the same copy again */
	for (i = 0; i < b->inflight; i++)
		skip[b->copy_to[i]] = 1;
	for (i = 0; i < c->nnodes; i++)
		if (cl_outbox_room(c, &c->nodes[i]) == 0)
			skip[i] = 1;
	if (cl_place(c, b->size, 1, skip, NULL, 0, now, &target) != 1)
		return 0;
	dst = &c->nodes[target];
	cl_id_to_hex(b->id, hex);
	if (cl_outbox_push(c, dst, CLUSTER_CMD_FETCH, hex, src->addr) != 0)
		return 0;
	cl_copy_sent(b, target);
	b->inflight_until_ms = now + (int64_t)c->conf.repair_timeout * 1000;
	c->repairs_issued++;
	log_debug("cluster: repair %s: %s fetches from %s", hex, dst->id,
	    src->id);
	return 1;
}

void
cl_repair_scan(struct cluster *c, int64_t now)
{
	struct scan	 s;
	size_t		 i;
	uint8_t		*skip;
	double		 rate = (double)c->conf.repair_per_second;

	memset(&s, 0, sizeof(s));
	s.now = now;
	s.repair = !cl_repair_held(c, now);
	for (i = 0; i < c->nnodes; i++)
		c->nodes[i].drain_remaining = 0;
	cl_blocks_foreach(c, scan_block, &s);
	c->under = s.under;
	c->missing = s.missing;
	c->over = s.over;

	/* token bucket: repair_per_second, at most one second of burst */
	if (c->repair_tokens_ms != 0 && now > c->repair_tokens_ms)
		c->repair_tokens += rate * (double)(now - c->repair_tokens_ms) /
		    1000.0;
	else if (c->repair_tokens_ms == 0)
		c->repair_tokens = rate;
	if (c->repair_tokens > rate)
		c->repair_tokens = rate;
	c->repair_tokens_ms = now;

	if (s.ncands > 0 && c->repair_tokens >= 1.0) {
		qsort(s.cands, s.ncands, sizeof(*s.cands), cand_cmp);
		skip = xcalloc(c->nnodes, 1);
		for (i = 0; i < s.ncands && c->repair_tokens >= 1.0; i++)
			if (repair_one(c, s.cands[i].b, now, skip))
				c->repair_tokens -= 1.0;
		free(skip);
	}
	free(s.cands);
}

int
cluster_suspect(struct cluster *c, const char *blockid, const char *node_id)
{
	uint8_t		 id[BLOCKID_LEN];
	struct cblock	*b;
	struct cnode	*n;
	struct replica	*r;
	size_t		 idx, i;
	int		 rc = 0;

	if (cl_hex_to_id(blockid, id) != 0)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	if ((n = cl_node_find(c, node_id, &idx)) == NULL ||
	    (b = cl_block_find(c, id)) == NULL ||
	    (r = cl_replica_find(b, idx)) == NULL) {
		rc = -ENOENT;
		goto out;
	}
	/* until the node has checked it: readers and repair go elsewhere */
	r->flags |= REP_SUSPECT;
	for (i = 0; i < n->out_n; i++)
		if (n->out[n->out_head + i].op == CLUSTER_CMD_VERIFY &&
		    strcmp(n->out[n->out_head + i].id, blockid) == 0)
			goto out;	/* already asked */
	if ((rc = cl_outbox_push(c, n, CLUSTER_CMD_VERIFY, blockid,
	    NULL)) == 0)
		log_warnx("cluster: a client reported %s's replica of %s bad; "
		    "asked it to verify", n->id, blockid);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}
