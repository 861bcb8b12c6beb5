/*
 * cluster_int: the state behind struct cluster, shared by the files that
 * implement it (cluster.c, nodes.c, blockmap.c, placement.c, repair.c, gc.c,
 * members.c).  Not for other modules: they use cluster.h.
 *
 * Everything below is protected by cluster->lock; every function declared
 * here expects the caller to hold it (the "_locked" contract), except where
 * a comment says otherwise.
 */
#ifndef MINIDFS_CLUSTER_INT_H
#define MINIDFS_CLUSTER_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "server/meta/cluster.h"

struct etcd_client;
struct etcd_watch;

#define CLUSTER_MAX_NODES	65535	/* node indexes are uint16_t */
#define CLUSTER_TICK_MS		1000	/* period of the tick thread */
#define CLUSTER_OUTBOX_FACTOR	4	/* outbox cap: this many answers'
					 * worth of commands per node */
#define CLUSTER_BUCKETS_MIN	1024	/* initial hash buckets */

/* replica flags */
#define REP_DEL_QUEUED	0x01	/* a delete command waits in the outbox */
#define REP_DEL_SENT	0x02	/* a delete command was handed out */
#define REP_DELETING	(REP_DEL_QUEUED | REP_DEL_SENT)
#define REP_SUSPECT	0x04	/* a client reported it bad: offered last,
				 * a copy source only when nothing else is */

struct replica {
	uint16_t	 node;		/* index into cluster->nodes */
	uint8_t		 flags;		/* REP_* */
	int64_t		 del_at_ms;	/* when the delete was handed out */
};

struct cblock {
	struct cblock	*next;		/* hash chain */
	uint8_t		 id[BLOCKID_LEN];
	uint64_t	 size;
	uint64_t	 refs;
	uint8_t		 wanted;	/* max replication of its references */
	uint64_t	*levels;	/* refs per replication level (index
					 * 1..MDFS_REPLICAS_MAX) once they
					 * differ; NULL while all want
					 * `wanted` (blockmap.c) */
	uint8_t		 nrep;
	uint8_t		 caprep;
	uint8_t		 inflight;	/* copies commanded, not confirmed */
	uint16_t	*copy_to;	/* their target nodes (inflight of
					 * them; MDFS_REPLICAS_MAX slots), NULL
					 * when none: never commanded twice */
	struct replica	*rep;
	int64_t		 pending_until_ms; /* alloc'ed, not committed: 0 none */
	int64_t		 zero_since_ms;	/* refs == 0 since (GC age) */
	int64_t		 inflight_until_ms;
};

struct cl_report_ent {
	uint8_t		 id[BLOCKID_LEN];
	uint64_t	 size;
};

struct cnode {
	char		 id[MDFS_NODE_ID_MAX + 1];
	char		 addr[MDFS_ADDR_MAX];
	int		 registered;	/* etcd key exists */
	int		 draining;
	int64_t		 last_hb_ms;	/* last heartbeat (or grace start) */
	int		 heartbeated;	/* at least one heartbeat seen */
	int		 was_live;	/* live at the last check */
	uint64_t	 capacity, used, free;
	uint64_t	 reserved;	/* bytes placed since the heartbeat */
	uint64_t	 nblocks;	/* replicas in the table */
	uint64_t	 drain_remaining;
	/* full report state */
	int		 reported;	/* a full report since takeover */
	int		 need_report;
	int64_t		 report_asked_ms;
	int		 report_active;
	uint64_t	 report_seq;	/* next expected batch */
	struct cl_report_ent *report;	/* batches so far */
	size_t		 report_n, report_cap;
	/* commands for the next heartbeats (FIFO) */
	struct cluster_cmd *out;
	size_t		 out_head, out_n, out_cap;
	uint32_t	 first_hops;	/* recent chains it headed (decays) */
};

struct cluster {
	pthread_mutex_t	 lock;
	struct cluster_config conf;
	struct etcd_client *etcd;	/* may be NULL */

	int		 leader;
	int		 refs_loaded;	/* refs replayed since the reset */
	int64_t		 leader_since_ms;

	struct cnode	*nodes;		/* never shrinks: indexes are stable */
	size_t		 nnodes, capnodes;

	struct cblock	**buckets;
	size_t		 nbuckets;	/* power of two */
	size_t		 nblocks;

	double		 repair_tokens;
	int64_t		 repair_tokens_ms;
	int64_t		 last_gc_ms;
	uint64_t	 repairs_issued;
	uint64_t	 deletes_issued;
	uint64_t	 under, missing, over; /* from the last scan */
	uint64_t	 requests[CLUSTER_REQ_KINDS]; /* __atomic, no lock */

	int64_t		(*now_ms)(void *);
	void		*now_arg;
	uint32_t	(*rnd)(void *);
	void		*rnd_arg;
	uint64_t	 rnd_state;

	/* members.c: the watch and the tick thread; cluster_free() calls
	 * detach (set by cluster_start) before freeing. */
	struct etcd_watch *watch;	/* nodes/ */
	struct etcd_watch *drain_watch;	/* meta/drain/ */
	int		 reload;	/* a watch fell behind a compaction */
	pthread_t	 thread;
	int		 thread_started;
	int		 stop;
	pthread_cond_t	 stop_cond;
	void		(*detach)(struct cluster *);
};

/* cluster.c */
int64_t	 cl_now(struct cluster *);
uint32_t cl_random(struct cluster *);

/* nodes.c */
struct cnode *cl_node_find(struct cluster *, const char *id, size_t *idx);
struct cnode *cl_node_get(struct cluster *, const char *id, size_t *idx);
int	 cl_node_live(struct cluster *, const struct cnode *, int64_t now);
void	 cl_node_register(struct cluster *, const char *id, const char *addr,
	    uint64_t capacity);
void	 cl_node_unregister(struct cluster *, const char *id);
int	 cl_node_drain(struct cluster *, const char *id, int on);
int	 cl_outbox_push(struct cluster *, struct cnode *,
	    enum cluster_cmd_op, const char *id, const char *addr);
size_t	 cl_outbox_room(struct cluster *, const struct cnode *);
void	 cl_outbox_cancel_delete(struct cnode *, const char *hexid);
void	 cl_node_info(struct cluster *, const struct cnode *, int64_t now,
	    struct cluster_node_info *);
uint64_t cl_node_free(const struct cnode *);

/* blockmap.c */
int	 cl_hex_to_id(const char *hex, uint8_t id[BLOCKID_LEN]);
void	 cl_id_to_hex(const uint8_t id[BLOCKID_LEN], char hex[BLOCKID_BUFSZ]);
struct cblock *cl_block_find(struct cluster *, const uint8_t id[BLOCKID_LEN]);
struct cblock *cl_block_get(struct cluster *, const uint8_t id[BLOCKID_LEN],
	    uint64_t size, int64_t now);
void	 cl_block_remove(struct cluster *, struct cblock *);
struct replica *cl_replica_find(struct cblock *, size_t node);
void	 cl_replica_add(struct cluster *, struct cblock *, size_t node);
void	 cl_replica_del(struct cluster *, struct cblock *, size_t node);
/* live, non-draining, not deleting */
unsigned cl_block_live(struct cluster *, const struct cblock *, int64_t now);
/* live (draining too), not deleting: usable as copy sources */
unsigned cl_block_sources(struct cluster *, const struct cblock *,
	    int64_t now);
void	 cl_blocks_clear(struct cluster *);
void	 cl_block_revive(struct cluster *, struct cblock *);
/* Copies in flight (repair): records a command to node, forgets them all
 * (timeout, takeover).  The target's report of the block ends one
 * (cl_replica_add). */
void	 cl_copy_sent(struct cblock *, size_t node);
void	 cl_copies_clear(struct cblock *);
/* Iterates every block; cb may remove the block it is given. */
void	 cl_blocks_foreach(struct cluster *, void (*cb)(struct cluster *,
	    struct cblock *, void *), void *arg);

/* placement.c: picks up to n usable nodes for a block of size bytes into
 * idx (chain order), excluding nodes whose bit is set in skip (nnodes
 * bytes, may be NULL) and addresses in exclude.  Returns the count. */
size_t	 cl_place(struct cluster *, uint64_t size, size_t n,
	    const uint8_t *skip, const char *const *exclude, size_t nexclude,
	    int64_t now, size_t *idx);

/* repair.c */
void	 cl_repair_scan(struct cluster *, int64_t now);
int	 cl_repair_held(struct cluster *, int64_t now);

/* gc.c */
int	 cl_gc_held(struct cluster *, int64_t now, char *why, size_t whylen);
void	 cl_gc_pass(struct cluster *, int64_t now,
	    struct cluster_gc_result *);

#endif /* MINIDFS_CLUSTER_INT_H */
