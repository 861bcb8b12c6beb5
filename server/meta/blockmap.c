/*
 * blockmap: the cluster's block table, a chained hash table keyed by the
 * 32-byte binary block id (SHA-256 output is uniform, so its first bytes are
 * the hash).  Each entry holds the size, the namespace's reference count and
 * wanted replication, the replica set (node indexes with delete flags), the
 * pending-allocation deadline and the time the block became unreferenced.
 * All functions expect cluster->lock held.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "server/meta/cluster_int.h"

/* Returns 0, or -EINVAL when hex is not a valid block id. */
int
cl_hex_to_id(const char *hex, uint8_t id[BLOCKID_LEN])
{
	return blockid_parse(hex, id);
}

void
cl_id_to_hex(const uint8_t id[BLOCKID_LEN], char hex[BLOCKID_BUFSZ])
{
	blockid_hex(id, BLOCKID_LEN, hex);
}

static size_t
bucket_of(const struct cluster *c, const uint8_t id[BLOCKID_LEN])
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));
	return (size_t)(h & (c->nbuckets - 1));
}

struct cblock *
cl_block_find(struct cluster *c, const uint8_t id[BLOCKID_LEN])
{
	struct cblock	*b;

	if (c->nbuckets == 0)
		return NULL;
	for (b = c->buckets[bucket_of(c, id)]; b != NULL; b = b->next)
		if (memcmp(b->id, id, BLOCKID_LEN) == 0)
			return b;
	return NULL;
}

static void
grow(struct cluster *c)
{
	struct cblock	**old = c->buckets, *b, *next;
	size_t		 oldn = c->nbuckets, i;

	c->nbuckets = oldn ? oldn * 2 : CLUSTER_BUCKETS_MIN;
	c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
	for (i = 0; i < oldn; i++)
		for (b = old[i]; b != NULL; b = next) {
			size_t k = bucket_of(c, b->id);

			next = b->next;
			b->next = c->buckets[k];
			c->buckets[k] = b;
		}
	free(old);
}

/* Finds or adds the block; a new block is unreferenced since now. */
struct cblock *
cl_block_get(struct cluster *c, const uint8_t id[BLOCKID_LEN], uint64_t size,
    int64_t now)
{
	struct cblock	*b;
	size_t		 k;

	if ((b = cl_block_find(c, id)) != NULL) {
		if (size != 0)
			b->size = size;
		return b;
	}
	if (c->nblocks >= c->nbuckets)
		grow(c);
	b = xcalloc(1, sizeof(*b));
	memcpy(b->id, id, BLOCKID_LEN);
	b->size = size;
	b->zero_since_ms = now;
	k = bucket_of(c, id);
	b->next = c->buckets[k];
	c->buckets[k] = b;
	c->nblocks++;
	return b;
}

void
cl_block_remove(struct cluster *c, struct cblock *b)
{
	struct cblock	**pp;
	size_t		 i;

	for (pp = &c->buckets[bucket_of(c, b->id)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	for (i = 0; i < b->nrep; i++)
		c->nodes[b->rep[i].node].nblocks--;
	c->nblocks--;
	free(b->copy_to);
	free(b->levels);
	free(b->rep);
	free(b);
}

struct replica *
cl_replica_find(struct cblock *b, size_t node)
{
	size_t	 i;

	for (i = 0; i < b->nrep; i++)
		if (b->rep[i].node == node)
			return &b->rep[i];
	return NULL;
}

void
cl_copy_sent(struct cblock *b, size_t node)
{
	if (b->inflight >= MDFS_REPLICAS_MAX)
		return;
	if (b->copy_to == NULL)
		b->copy_to = xcalloc(MDFS_REPLICAS_MAX, sizeof(*b->copy_to));
	b->copy_to[b->inflight++] = (uint16_t)node;
}

void
cl_copies_clear(struct cblock *b)
{
	b->inflight = 0;
	free(b->copy_to);
	b->copy_to = NULL;
}

/* A new replica on node ends the copy commanded there; one that came some
 * other way (a client's write) ends one copy too, as it makes one
 * unnecessary, and its target may be commanded again later. */
static void
copy_done(struct cblock *b, size_t node)
{
	size_t	 i;

	if (b->inflight == 0)
		return;
	for (i = 0; i + 1 < b->inflight; i++)
		if (b->copy_to[i] == node)
			break;
	b->copy_to[i] = b->copy_to[b->inflight - 1];
	if (--b->inflight == 0)
		cl_copies_clear(b);
}

void
cl_replica_add(struct cluster *c, struct cblock *b, size_t node)
{
	if (cl_replica_find(b, node) != NULL)
		return;
	if (b->nrep == UINT8_MAX)
		return;		/* 255 copies of one block: enough */
	if (b->nrep == b->caprep) {
		size_t cap = b->caprep ? (size_t)b->caprep * 2 : 4;

		if (cap > UINT8_MAX)
			cap = UINT8_MAX;
		b->rep = xrealloc(b->rep, cap * sizeof(*b->rep));
		b->caprep = (uint8_t)cap;
	}
	memset(&b->rep[b->nrep], 0, sizeof(b->rep[b->nrep]));
	b->rep[b->nrep].node = (uint16_t)node;
	b->nrep++;
	c->nodes[node].nblocks++;
	copy_done(b, node);
}

void
cl_replica_del(struct cluster *c, struct cblock *b, size_t node)
{
	size_t	 i;

	for (i = 0; i < b->nrep; i++)
		if (b->rep[i].node == node) {
			b->rep[i] = b->rep[b->nrep - 1];
			b->nrep--;
			c->nodes[node].nblocks--;
			return;
		}
}

unsigned
cl_block_live(struct cluster *c, const struct cblock *b, int64_t now)
{
	unsigned n = 0;
	size_t	 i;

	for (i = 0; i < b->nrep; i++) {
		const struct cnode *nd = &c->nodes[b->rep[i].node];

		if (!(b->rep[i].flags & REP_DELETING) && !nd->draining &&
		    cl_node_live(c, nd, now))
			n++;
	}
	return n;
}

unsigned
cl_block_sources(struct cluster *c, const struct cblock *b, int64_t now)
{
	unsigned n = 0;
	size_t	 i;

	for (i = 0; i < b->nrep; i++)
		if (!(b->rep[i].flags & REP_DELETING) &&
		    cl_node_live(c, &c->nodes[b->rep[i].node], now))
			n++;
	return n;
}

/* A block someone wants again (alloc, new reference): deletes that still
 * wait in outboxes are cancelled.  Deletes already handed out cannot be;
 * those replicas stay flagged (never counted, never offered, and placement
 * avoids their nodes) until the node reports the removal. */
void
cl_block_revive(struct cluster *c, struct cblock *b)
{
	char	 hex[BLOCKID_BUFSZ];
	size_t	 i;
	int	 hexed = 0;

	for (i = 0; i < b->nrep; i++) {
		if (!(b->rep[i].flags & REP_DEL_QUEUED))
			continue;
		if (!hexed) {
			cl_id_to_hex(b->id, hex);
			hexed = 1;
		}
		cl_outbox_cancel_delete(&c->nodes[b->rep[i].node], hex);
		b->rep[i].flags &= (uint8_t)~REP_DEL_QUEUED;
	}
}

void
cl_blocks_foreach(struct cluster *c, void (*cb)(struct cluster *,
    struct cblock *, void *), void *arg)
{
	struct cblock	*b, *next;
	size_t		 i;

	for (i = 0; i < c->nbuckets; i++)
		for (b = c->buckets[i]; b != NULL; b = next) {
			next = b->next;
			cb(c, b, arg);
		}
}

void
cl_blocks_clear(struct cluster *c)
{
	struct cblock	*b, *next;
	size_t		 i;

	for (i = 0; i < c->nbuckets; i++) {
		for (b = c->buckets[i]; b != NULL; b = next) {
			next = b->next;
			free(b->copy_to);
			free(b->levels);
			free(b->rep);
			free(b);
		}
		c->buckets[i] = NULL;
	}
	c->nblocks = 0;
	for (i = 0; i < c->nnodes; i++)
		c->nodes[i].nblocks = 0;
}

/* ---- the public block functions ------------------------------------------ */

/*
 * The wanted replication of a block is the largest any of its references
 * asks for, and must come down again when that reference goes or lowers its
 * replication (set-replicas, a dedup'ed block shared by files of different
 * replication), so that repair trims the extra copies.  The common case,
 * every reference at one level, needs nothing but refs and wanted; once two
 * levels meet, b->levels counts the references per level.  A dereference
 * at a level nobody holds (replicas 0: the caller does not know) is taken
 * from the lowest level held, which keeps wanted as high as possible.
 */
static void
levels_settle(struct cblock *b)
{
	unsigned	 r, top = 0, distinct = 0;

	for (r = 1; r <= MDFS_REPLICAS_MAX; r++)
		if (b->levels[r] != 0) {
			top = r;
			distinct++;
		}
	b->wanted = (uint8_t)top;
	if (distinct <= 1) {
		free(b->levels);
		b->levels = NULL;
	}
}

static void
levels_add(struct cblock *b, unsigned replicas, uint64_t n)
{
	if (replicas == 0)
		replicas = b->wanted != 0 ? b->wanted : 1;
	if (b->levels == NULL) {
		if (b->refs == 0 || replicas == b->wanted) {
			b->wanted = (uint8_t)replicas;
			return;
		}
		b->levels = xcalloc(MDFS_REPLICAS_MAX + 1,
		    sizeof(*b->levels));
		b->levels[b->wanted] = b->refs;
	}
	b->levels[replicas] += n;
	levels_settle(b);
}

/* Drops n references (n <= b->refs, refs not yet lowered). */
static void
levels_del(struct cblock *b, unsigned replicas, uint64_t n)
{
	unsigned	 r;
	uint64_t	 k;

	if (b->levels == NULL)
		return;
	if (replicas <= MDFS_REPLICAS_MAX && replicas != 0) {
		k = b->levels[replicas] < n ? b->levels[replicas] : n;
		b->levels[replicas] -= k;
		n -= k;
	}
	for (r = 1; r <= MDFS_REPLICAS_MAX && n > 0; r++) {
		k = b->levels[r] < n ? b->levels[r] : n;
		b->levels[r] -= k;
		n -= k;
	}
	levels_settle(b);
}

void
cluster_block_ref(struct cluster *c, const char *blockid, uint64_t size,
    unsigned replicas, int delta)
{
	uint8_t		 id[BLOCKID_LEN];
	struct cblock	*b;
	int64_t		 now;

	if (cl_hex_to_id(blockid, id) != 0 || delta == 0) {
		log_warnx("cluster: bad block reference change");
		return;
	}
	if (replicas > MDFS_REPLICAS_MAX)
		replicas = MDFS_REPLICAS_MAX;
	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	b = cl_block_get(c, id, size, now);
	if (delta > 0) {
		levels_add(b, replicas, (uint64_t)delta);
		b->refs += (uint64_t)delta;
		cl_block_revive(c, b);
	} else if (b->refs < (uint64_t)-delta) {
		log_warnx("cluster: block %s dereferenced below zero",
		    blockid);
		b->refs = 0;
	} else {
		levels_del(b, replicas, (uint64_t)-delta);
		b->refs -= (uint64_t)-delta;
	}
	if (b->refs == 0 && delta < 0) {
		b->zero_since_ms = now;
		b->wanted = 0;
		free(b->levels);
		b->levels = NULL;
	}
	pthread_mutex_unlock(&c->lock);
}

static void
drop_refs(struct cluster *c, struct cblock *b, void *arg)
{
	(void)arg;
	if (b->refs != 0)
		b->zero_since_ms = cl_now(c);
	b->refs = 0;
	b->wanted = 0;
	free(b->levels);
	b->levels = NULL;
}

void
cluster_block_refs_reset(struct cluster *c)
{
	pthread_mutex_lock(&c->lock);
	c->refs_loaded = 0;
	cl_blocks_foreach(c, drop_refs, NULL);
	pthread_mutex_unlock(&c->lock);
}

void
cluster_block_stored(struct cluster *c, const char *blockid, uint64_t size,
    const char *const *node_ids, size_t n)
{
	uint8_t		 id[BLOCKID_LEN];
	struct cblock	*b;
	size_t		 i, idx;

	if (cl_hex_to_id(blockid, id) != 0)
		return;
	pthread_mutex_lock(&c->lock);
	b = cl_block_get(c, id, size, cl_now(c));
	for (i = 0; i < n; i++) {
		struct replica *r;

		if (node_ids[i] == NULL ||
		    cl_node_find(c, node_ids[i], &idx) == NULL)
			continue;
		/* a node told to delete the block keeps its flag */
		if ((r = cl_replica_find(b, idx)) == NULL)
			cl_replica_add(c, b, idx);
	}
	pthread_mutex_unlock(&c->lock);
}

size_t
cluster_block_locations(struct cluster *c, const char *blockid,
    struct chain *out)
{
	uint8_t		 id[BLOCKID_LEN];
	struct cblock	*b;
	size_t		 i, j, n = 0;
	size_t		 idx[UINT8_MAX];
	uint8_t		 sus[UINT8_MAX];
	int64_t		 now;

	out->n = 0;
	if (cl_hex_to_id(blockid, id) != 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	if ((b = cl_block_find(c, id)) != NULL) {
		for (i = 0; i < b->nrep && n < UINT8_MAX; i++)
			if (!(b->rep[i].flags & REP_DELETING) &&
			    cl_node_live(c, &c->nodes[b->rep[i].node], now)) {
				sus[n] = (b->rep[i].flags & REP_SUSPECT) != 0;
				idx[n++] = b->rep[i].node;
			}
	}
	/* insertion sort: replicas reported bad last, then non-draining
	 * first, then most free space */
	for (i = 1; i < n; i++) {
		size_t	 v = idx[i];
		uint8_t	 vs = sus[i];

		for (j = i; j > 0; j--) {
			const struct cnode *a = &c->nodes[idx[j - 1]];
			const struct cnode *x = &c->nodes[v];

			if (sus[j - 1] < vs || (sus[j - 1] == vs &&
			    (a->draining < x->draining ||
			    (a->draining == x->draining &&
			    cl_node_free(a) >= cl_node_free(x)))))
				break;
			idx[j] = idx[j - 1];
			sus[j] = sus[j - 1];
		}
		idx[j] = v;
		sus[j] = vs;
	}
	/* Until a live node has sent its full report since this leader took
	 * over, nobody here knows what it holds: offer it after the known
	 * replicas, so a reader tries it (a node without the block answers
	 * 404) instead of failing right after a takeover or an etcd outage. */
	for (i = 0; i < c->nnodes && n < UINT8_MAX; i++) {
		if (c->nodes[i].reported || !cl_node_live(c, &c->nodes[i], now))
			continue;
		for (j = 0; j < n && idx[j] != i; j++)
			;
		if (j == n)
			idx[n++] = i;
	}
	for (i = 0; i < n && i < MDFS_MAX_CHAIN; i++) {
		memcpy(out->nodes[i].id, c->nodes[idx[i]].id,
		    sizeof(out->nodes[i].id));
		memcpy(out->nodes[i].addr, c->nodes[idx[i]].addr,
		    sizeof(out->nodes[i].addr));
	}
	out->n = i;
	pthread_mutex_unlock(&c->lock);
	return out->n;
}

int
cluster_block_info(struct cluster *c, const char *blockid,
    struct cluster_block_info *info)
{
	uint8_t		 id[BLOCKID_LEN];
	struct cblock	*b;
	int64_t		 now;

	memset(info, 0, sizeof(*info));
	if (cl_hex_to_id(blockid, id) != 0)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	if ((b = cl_block_find(c, id)) != NULL) {
		info->known = 1;
		info->size = b->size;
		info->refs = b->refs;
		info->wanted = b->wanted;
		info->live = cl_block_live(c, b, now);
		info->total = b->nrep;
		info->pending = b->pending_until_ms > now;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}
