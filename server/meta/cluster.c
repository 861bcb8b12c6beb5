/*
 * cluster: the cluster module's lifecycle and its dataserver protocol --
 * construction, leadership changes, heartbeats, full block reports, the
 * once-a-second tick and the summaries.  The node table is nodes.c, the
 * block table blockmap.c, placement placement.c, repair repair.c, GC gc.c,
 * and everything that talks to etcd members.c (so the decision logic links
 * and runs without etcd in the unit tests).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/names.h"
#include "common/xalloc.h"
#include "server/meta/cluster_int.h"

static int64_t
mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
cl_now(struct cluster *c)
{
	return c->now_ms(c->now_arg);
}

/* xorshift64*: placement needs spread, not secrecy */
static uint32_t
xorshift(void *arg)
{
	uint64_t *s = arg;

	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * UINT64_C(2685821657736338717)) >> 32);
}

uint32_t
cl_random(struct cluster *c)
{
	return c->rnd(c->rnd_arg);
}

struct cluster *
cluster_new(const struct cluster_config *conf, struct etcd_client *etcd,
    const char *secret, size_t secret_len)
{
	struct cluster	*c = xcalloc(1, sizeof(*c));
	struct timespec	 ts;

	(void)secret;
	(void)secret_len;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->stop_cond, NULL);
	c->conf = *conf;
	c->etcd = etcd;
	c->now_ms = mono_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->rnd_state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
	    ((uint64_t)getpid() << 40) ^ UINT64_C(0x9e3779b97f4a7c15);
	c->rnd = xorshift;
	c->rnd_arg = &c->rnd_state;
	return c;
}

void
cluster_free(struct cluster *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	if (c->detach != NULL)
		c->detach(c);
	cl_blocks_clear(c);
	free(c->buckets);
	for (i = 0; i < c->nnodes; i++) {
		free(c->nodes[i].out);
		free(c->nodes[i].report);
	}
	free(c->nodes);
	pthread_cond_destroy(&c->stop_cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
cluster_set_clock(struct cluster *c, int64_t (*now_ms)(void *), void *arg)
{
	pthread_mutex_lock(&c->lock);
	c->now_ms = now_ms ? now_ms : mono_ms;
	c->now_arg = arg;
	pthread_mutex_unlock(&c->lock);
}

void
cluster_set_random(struct cluster *c, uint32_t (*rnd)(void *), void *arg)
{
	pthread_mutex_lock(&c->lock);
	c->rnd = rnd ? rnd : xorshift;
	c->rnd_arg = rnd ? arg : &c->rnd_state;
	pthread_mutex_unlock(&c->lock);
}

void
cluster_node_register(struct cluster *c, const char *id, const char *addr,
    uint64_t capacity)
{
	pthread_mutex_lock(&c->lock);
	cl_node_register(c, id, addr, capacity);
	pthread_mutex_unlock(&c->lock);
}

void
cluster_node_unregister(struct cluster *c, const char *id)
{
	pthread_mutex_lock(&c->lock);
	cl_node_unregister(c, id);
	pthread_mutex_unlock(&c->lock);
}

static void
forget_replicas(struct cluster *c, struct cblock *b, void *arg)
{
	int64_t now = *(int64_t *)arg;

	b->nrep = 0;
	cl_copies_clear(b);
	/* the grace of unreferenced blocks restarts with this leader */
	if (b->refs == 0)
		b->zero_since_ms = now;
}

void
cluster_set_leader(struct cluster *c, int leader)
{
	int64_t	 now;
	size_t	 i;

	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	if (leader && !c->leader) {
		/* what a previous term knew may be stale: start over from
		 * full reports, and give every node a heartbeat's grace */
		cl_blocks_foreach(c, forget_replicas, &now);
		for (i = 0; i < c->nnodes; i++) {
			struct cnode *n = &c->nodes[i];

			n->nblocks = 0;
			n->reported = 0;
			n->need_report = 1;
			n->report_asked_ms = 0;
			n->report_active = 0;
			n->last_hb_ms = now;
			n->was_live = 1;
		}
		c->leader_since_ms = now;
		c->last_gc_ms = now;
		c->repair_tokens_ms = 0;
		log_info("cluster: leading; waiting for full block reports");
	}
	if (leader)
		c->refs_loaded = 1;
	if (!leader)
		for (i = 0; i < c->nnodes; i++)
			c->nodes[i].out_head = c->nodes[i].out_n = 0;
	c->leader = leader ? 1 : 0;
	pthread_mutex_unlock(&c->lock);
}

void
cluster_capacity(struct cluster *c, uint64_t *total, uint64_t *free,
    uint64_t *live_nodes)
{
	uint64_t t = 0, f = 0, n = 0;
	int64_t	 now;
	size_t	 i;

	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	for (i = 0; i < c->nnodes; i++) {
		const struct cnode *nd = &c->nodes[i];

		if (!cl_node_live(c, nd, now))
			continue;
		n++;
		t += nd->capacity;
		f += nd->heartbeated ? nd->free : nd->capacity;
	}
	pthread_mutex_unlock(&c->lock);
	if (total != NULL)
		*total = t;
	if (free != NULL)
		*free = f;
	if (live_nodes != NULL)
		*live_nodes = n;
}

/* ---- heartbeats and reports --------------------------------------------- */

static int
ids_valid(const char *const *ids, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (ids[i] == NULL || !blockid_valid(ids[i]))
			return 0;
	return 1;
}

/* Marks the replica of a handed-out delete as sent. */
static void
delete_sent(struct cluster *c, size_t node, const char *hex, int64_t now)
{
	uint8_t		 id[BLOCKID_LEN];
	struct cblock	*b;
	struct replica	*r;

	if (cl_hex_to_id(hex, id) != 0 || (b = cl_block_find(c, id)) == NULL ||
	    (r = cl_replica_find(b, node)) == NULL)
		return;
	r->flags = REP_DEL_SENT;
	r->del_at_ms = now;
}

int
cluster_heartbeat(struct cluster *c, const struct cluster_hb *hb,
    struct cluster_cmd *cmds, size_t max, size_t *ncmds, int *full_report)
{
	struct cnode	*n;
	size_t		 idx, i, give;
	int64_t		 now;
	uint8_t		 id[BLOCKID_LEN];

	*ncmds = 0;
	*full_report = 0;
	if (!names_node_id_valid(hb->id) || hb->addr == NULL ||
	    hb->addr[0] == '\0' || strlen(hb->addr) >= MDFS_ADDR_MAX ||
	    !ids_valid(hb->added, hb->nadded) ||
	    !ids_valid(hb->removed, hb->nremoved) ||
	    !ids_valid(hb->bad, hb->nbad))
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	if ((n = cl_node_get(c, hb->id, &idx)) == NULL) {
		pthread_mutex_unlock(&c->lock);
		return -ENOSPC;
	}
	if ((!n->heartbeated && !n->reported) || now - n->last_hb_ms >
	    (int64_t)c->conf.heartbeat_timeout * 1000) {
		/* new or back from the dead: its block list is unknown */
		n->need_report = 1;
		n->reported = 0;
		n->report_asked_ms = 0;
	}
	snprintf(n->addr, sizeof(n->addr), "%s", hb->addr);
	n->capacity = hb->capacity;
	n->used = hb->used;
	n->free = hb->free;
	n->reserved = 0;
	n->heartbeated = 1;
	n->last_hb_ms = now;
	n->was_live = n->registered;

	for (i = 0; i < hb->nadded; i++) {
		struct cblock *b;

		(void)cl_hex_to_id(hb->added[i], id);
		b = cl_block_get(c, id, hb->added_size ? hb->added_size[i] : 0,
		    now);
		cl_replica_add(c, b, idx);
	}
	for (i = 0; i < hb->nremoved; i++) {
		struct cblock *b;

		(void)cl_hex_to_id(hb->removed[i], id);
		if ((b = cl_block_find(c, id)) != NULL)
			cl_replica_del(c, b, idx);
	}
	for (i = 0; i < hb->nbad; i++) {
		struct cblock *b;

		(void)cl_hex_to_id(hb->bad[i], id);
		if ((b = cl_block_find(c, id)) != NULL &&
		    cl_replica_find(b, idx) != NULL) {
			log_warnx("cluster: %s quarantined block %s", n->id,
			    hb->bad[i]);
			cl_replica_del(c, b, idx);
		}
	}

	if (c->leader) {
		give = n->out_n;
		if (give > max)
			give = max;
		if (give > c->conf.commands_per_heartbeat)
			give = c->conf.commands_per_heartbeat;
		for (i = 0; i < give; i++) {
			cmds[i] = n->out[n->out_head + i];
			if (cmds[i].op == CLUSTER_CMD_DELETE)
				delete_sent(c, idx, cmds[i].id, now);
		}
		n->out_head += give;
		n->out_n -= give;
		if (n->out_n == 0)
			n->out_head = 0;
		*ncmds = give;
		if (n->need_report && !n->report_active &&
		    (n->report_asked_ms == 0 || now - n->report_asked_ms >=
		    (int64_t)c->conf.heartbeat_timeout * 1000)) {
			*full_report = 1;
			n->report_asked_ms = now;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int
ent_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cl_report_ent *)a)->id,
	    ((const struct cl_report_ent *)b)->id, BLOCKID_LEN);
}

struct apply {
	struct cnode	*n;
	size_t		 idx;
};

/* Drops the node's replicas that its report does not list. */
static void
apply_missing(struct cluster *c, struct cblock *b, void *arg)
{
	struct apply	*a = arg;
	struct cl_report_ent key;

	if (cl_replica_find(b, a->idx) == NULL)
		return;
	memcpy(key.id, b->id, BLOCKID_LEN);
	if (a->n->report_n == 0 || bsearch(&key, a->n->report,
	    a->n->report_n, sizeof(key), ent_cmp) == NULL)
		cl_replica_del(c, b, a->idx);
}

static void
report_apply(struct cluster *c, struct cnode *n, size_t idx, int64_t now)
{
	struct apply	 a = { n, idx };
	size_t		 i;

	if (n->report_n > 1)
		qsort(n->report, n->report_n, sizeof(*n->report), ent_cmp);
	cl_blocks_foreach(c, apply_missing, &a);
	for (i = 0; i < n->report_n; i++) {
		struct cblock *b = cl_block_get(c, n->report[i].id,
		    n->report[i].size, now);
		struct replica *r = cl_replica_find(b, idx);

		if (r == NULL) {
			cl_replica_add(c, b, idx);
			continue;
		}
		/* still listed after the node checked a reported copy: it
		 * was good (a bad one would have left in "bad") */
		r->flags &= ~REP_SUSPECT;
		if ((r->flags & REP_DEL_SENT) && now - r->del_at_ms >=
		    (int64_t)c->conf.repair_timeout * 1000)
			r->flags = 0;	/* that delete was lost: decide anew */
	}
	free(n->report);
	n->report = NULL;
	n->report_n = n->report_cap = 0;
	n->report_active = 0;
	n->need_report = 0;
	n->reported = 1;
	log_info("cluster: full block report of %s: %llu blocks", n->id,
	    (unsigned long long)n->nblocks);
}

int
cluster_blockreport(struct cluster *c, const char *node_id, uint64_t seq,
    int last, const char *const *ids, const uint64_t *sizes, size_t n)
{
	struct cnode	*nd;
	size_t		 idx, i;
	int		 rc = 0;

	if (!names_node_id_valid(node_id) || !ids_valid(ids, n))
		return -EINVAL;
	if (n > MDFS_REPORT_BATCH)
		return -E2BIG;
	pthread_mutex_lock(&c->lock);
	/* dataservers report before their first heartbeat */
	if ((nd = cl_node_get(c, node_id, &idx)) == NULL) {
		rc = -ENOSPC;
		goto out;
	}
	nd->last_hb_ms = cl_now(c);	/* it is talking to us */
	if (seq == 0) {
		nd->report_n = 0;
		nd->report_active = 1;
		nd->report_seq = 0;
	}
	if (!nd->report_active || seq != nd->report_seq) {
		/* a lost or repeated batch: start over */
		nd->report_active = 0;
		nd->report_n = 0;
		nd->need_report = 1;
		nd->report_asked_ms = 0;
		rc = -EINVAL;
		goto out;
	}
	if (nd->report_n + n > nd->report_cap) {
		size_t cap = nd->report_cap ? nd->report_cap : 1024;

		while (cap < nd->report_n + n)
			cap *= 2;
		nd->report = xrealloc(nd->report, cap * sizeof(*nd->report));
		nd->report_cap = cap;
	}
	for (i = 0; i < n; i++) {
		(void)cl_hex_to_id(ids[i], nd->report[nd->report_n].id);
		nd->report[nd->report_n].size = sizes ? sizes[i] : 0;
		nd->report_n++;
	}
	nd->report_seq++;
	if (last)
		report_apply(c, nd, idx, cl_now(c));
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* ---- periodic work -------------------------------------------------------- */

void
cluster_tick(struct cluster *c)
{
	struct cluster_gc_result res;
	int64_t	 now;
	size_t	 i;

	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	for (i = 0; i < c->nnodes; i++) {
		struct cnode *n = &c->nodes[i];
		int live = cl_node_live(c, n, now);

		if (n->was_live && !live) {
			log_warnx("cluster: node %s is dead (%s)", n->id,
			    n->registered ? "no heartbeat" : "key gone");
			n->out_head = n->out_n = 0;
			n->reported = 0;
			n->report_active = 0;
		}
		n->was_live = live;
		n->first_hops /= 2;
	}
	if (c->leader) {
		cl_repair_scan(c, now);
		if (now - c->last_gc_ms >= (int64_t)c->conf.gc_interval * 1000 &&
		    !cl_gc_held(c, now, NULL, 0))
			cl_gc_pass(c, now, &res);
	}
	pthread_mutex_unlock(&c->lock);
}

/* ---- summaries ------------------------------------------------------------ */

struct count {
	int64_t		 now;
	uint64_t	 referenced, pending;
};

static void
count_block(struct cluster *c, struct cblock *b, void *arg)
{
	struct count *k = arg;

	(void)c;
	if (b->refs > 0)
		k->referenced++;
	if (b->pending_until_ms > k->now)
		k->pending++;
}

void
cluster_summarize(struct cluster *c, struct cluster_summary *s)
{
	struct count	 k;
	size_t		 i;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&c->lock);
	k.now = cl_now(c);
	k.referenced = k.pending = 0;
	s->leader = c->leader;
	for (i = 0; i < c->nnodes; i++) {
		const struct cnode *n = &c->nodes[i];

		if (!n->registered && !n->heartbeated)
			continue;
		if (!cl_node_live(c, n, k.now)) {
			s->nodes_dead++;
			continue;
		}
		s->nodes_live++;
		if (n->draining)
			s->nodes_draining++;
		s->capacity += n->capacity;
		s->free += n->heartbeated ? n->free : n->capacity;
		s->queued_commands += n->out_n;
	}
	cl_blocks_foreach(c, count_block, &k);
	s->blocks = c->nblocks;
	s->referenced = k.referenced;
	s->pending = k.pending;
	s->under_replicated = c->under;
	s->missing = c->missing;
	s->over_replicated = c->over;
	s->repairs_issued = c->repairs_issued;
	s->deletes_issued = c->deletes_issued;
	s->gc_held = cl_gc_held(c, k.now, s->gc_held_reason,
	    sizeof(s->gc_held_reason));
	pthread_mutex_unlock(&c->lock);
}

static int
info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cluster_node_info *)a)->id,
	    ((const struct cluster_node_info *)b)->id);
}

int
cluster_nodes(struct cluster *c, struct cluster_node_info **out, size_t *n)
{
	struct cluster_node_info *v;
	int64_t	 now;
	size_t	 i, k = 0;

	pthread_mutex_lock(&c->lock);
	now = cl_now(c);
	if ((v = calloc(c->nnodes ? c->nnodes : 1, sizeof(*v))) == NULL) {
		pthread_mutex_unlock(&c->lock);
		return -ENOMEM;
	}
	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].registered || c->nodes[i].heartbeated)
			cl_node_info(c, &c->nodes[i], now, &v[k++]);
	pthread_mutex_unlock(&c->lock);
	qsort(v, k, sizeof(*v), info_cmp);
	*out = v;
	*n = k;
	return 0;
}

int
cluster_node(struct cluster *c, const char *node_id,
    struct cluster_node_info *out)
{
	struct cnode	*n;
	int		 rc = -ENOENT;

	pthread_mutex_lock(&c->lock);
	if (node_id != NULL && (n = cl_node_find(c, node_id, NULL)) != NULL) {
		cl_node_info(c, n, cl_now(c), out);
		rc = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* ---- request counters ------------------------------------------------------ */

void
cluster_count_request(struct cluster *c, enum cluster_req_kind k)
{
	if ((unsigned)k < CLUSTER_REQ_KINDS)
		__atomic_add_fetch(&c->requests[k], 1, __ATOMIC_RELAXED);
}

uint64_t
cluster_requests(struct cluster *c, enum cluster_req_kind k)
{
	if ((unsigned)k >= CLUSTER_REQ_KINDS)
		return 0;
	return __atomic_load_n(&c->requests[k], __ATOMIC_RELAXED);
}

const char *
cluster_req_kind_name(enum cluster_req_kind k)
{
	static const char *const names[CLUSTER_REQ_KINDS] = {
		"heartbeat", "blockreport", "session", "lock", "admin",
		"status", "fs",
	};

	return (unsigned)k < CLUSTER_REQ_KINDS ? names[k] : "unknown";
}
