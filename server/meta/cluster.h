/*
 * cluster: the metaserver's view of its dataservers and of the blocks they
 * hold.  It offers
 *   - membership: nodes registered in etcd under nodes/ (watched) that keep
 *     heartbeating; on the leader a node is live while its key exists and
 *     its last heartbeat is younger than heartbeat_timeout (a standby, which
 *     hears no heartbeats, goes by the key alone);
 *   - the block table: block id -> size, reference count (from the
 *     namespace), wanted replication, replica set (from heartbeats, block
 *     reports and commit answers), pending allocations;
 *   - placement of new blocks (cluster_alloc);
 *   - repair, trimming and GC (leader only): commands handed to the nodes in
 *     their next heartbeat answer;
 *   - decommission (draining) and the summaries the status page, the admin
 *     routes and fsck read.
 *
 * Safety rules (see gc.c for the argument): a block is deleted only when it
 * has no reference, no pending allocation, has been unreferenced for
 * gc_grace seconds as seen by THIS leader, the namespace references were
 * loaded (cluster_set_leader(c, 1) after the reload) and every live node has
 * sent a full block report since the takeover.
 *
 * Thread-safety: every function may be called from any thread; one mutex
 * guards the whole state.  Lock order: ns -> cluster -> sessions -> locks;
 * cluster never calls into ns, sessions or locks.
 *
 * The decision logic does not need etcd: cluster_new(conf, NULL, ...) gives a
 * cluster whose nodes are fed in with cluster_node_register() (what the
 * nodes/ watch calls) and whose clock can be replaced (cluster_set_clock),
 * which is how the unit tests drive it.
 */
#ifndef MINIDFS_CLUSTER_H
#define MINIDFS_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "common/blockid.h"
#include "common/protocol.h"

struct etcd_client;
struct cluster;

/* Configuration (embedded in struct meta_config as `cluster`; the rows of the
 * metaserver's config table are CLUSTER_CFG_KEYS below). */
struct cluster_config {
	uint64_t	 replicas;		/* default replication factor */
	uint64_t	 heartbeat_timeout;	/* s without heartbeat: dead */
	uint64_t	 commands_per_heartbeat; /* max commands in one answer */
	uint64_t	 repair_per_second;	/* new copy commands per second */
	uint64_t	 repair_timeout;	/* s before an unconfirmed copy
						 * is retried */
	uint64_t	 gc_grace;		/* s a block stays unreferenced
						 * (or pending) before GC */
	uint64_t	 gc_interval;		/* s between GC passes */
	uint64_t	 session_ttl;		/* s: sessions.ttl */
	uint64_t	 lock_wait;		/* s a blocking lock call waits
						 * before answering "retry" */
	uint64_t	 fsck_page;		/* chunks per paged /v1/fsck
						 * answer (h_cluster.c) */
};

/*
 * The config rows for the metaserver's table (common/cfg.h), e.g.
 *     static const struct cfg_key meta_cfg[] = {
 *         ...,
 *         CLUSTER_CFG_KEYS(struct meta_config, cluster),
 *         { NULL }
 *     };
 * (needs <stddef.h> and common/cfg.h).  Defaults live only here.
 */
#define CLUSTER_CFG_KEYS(type, member)					\
	{ "cluster.replicas", CFG_U64, 1, MDFS_REPLICAS_MAX, "3",	\
	  offsetof(type, member.replicas),				\
	  "replicas of each block (default for new files)" },		\
	{ "cluster.heartbeat_timeout", CFG_U64, 1, 3600, "15",		\
	  offsetof(type, member.heartbeat_timeout),			\
	  "seconds without a heartbeat before a dataserver is dead" },	\
	{ "cluster.commands_per_heartbeat", CFG_U64, 1, 10000, "200",	\
	  offsetof(type, member.commands_per_heartbeat),		\
	  "most commands (copy, delete) in one heartbeat answer" },	\
	{ "cluster.repair_per_second", CFG_U64, 1, 100000, "20",	\
	  offsetof(type, member.repair_per_second),			\
	  "new re-replication commands per second, cluster-wide" },	\
	{ "cluster.repair_timeout", CFG_U64, 1, 86400, "120",		\
	  offsetof(type, member.repair_timeout),			\
	  "seconds before an unconfirmed copy command is retried" },	\
	{ "cluster.gc_grace", CFG_U64, 1, 30 * 86400, "3600",		\
	  offsetof(type, member.gc_grace),				\
	  "seconds an unreferenced or pending block is kept before GC" }, \
	{ "cluster.gc_interval", CFG_U64, 1, 86400, "10",		\
	  offsetof(type, member.gc_interval),				\
	  "seconds between garbage collection passes" },		\
	{ "sessions.ttl", CFG_U64, 2, 3600, "30",			\
	  offsetof(type, member.session_ttl),				\
	  "seconds a client session lives without renewal" },		\
	{ "sessions.lock_wait", CFG_U64, 1, 300, "10",			\
	  offsetof(type, member.lock_wait),				\
	  "seconds a blocking lock request waits before asking the "	\
	  "client to retry" },						\
	{ "cluster.fsck_page", CFG_U64, 1, MDFS_FSCK_MAX, "10000",	\
	  offsetof(type, member.fsck_page),				\
	  "chunks in one page of a paged fsck (GET /v1/fsck?after=)" }

/* ---- the interface meta-ns uses ------------------------------------------ */

struct chain_node {
	char	 id[MDFS_NODE_ID_MAX + 1];
	char	 addr[MDFS_ADDR_MAX];
};
struct chain {
	size_t		 n;
	struct chain_node nodes[MDFS_MAX_CHAIN];
};

/* A new cluster (conf is copied).  etcd may be NULL (tests: no membership
 * watch, no persisted drain marks).  secret is not used by the cluster
 * itself (commands travel inside the authenticated heartbeat answer); it is
 * accepted so the constructor matches the other server modules.  Never NULL
 * (aborts on OOM). */
struct cluster *cluster_new(const struct cluster_config *, struct etcd_client *,
		const char *secret, size_t secret_len);
/* Loads nodes/ and the drain marks, starts the nodes/ watch and the 1 s tick
 * thread (dead nodes, repair, GC).  Returns 0 or -errno (etcd unreachable:
 * the message is logged). */
int	 cluster_start(struct cluster *);
/* Stops the threads and frees everything.  NULL is a no-op. */
void	 cluster_free(struct cluster *);
/* Repair, trimming and GC run only on the leader.  Gaining leadership
 * (called after the namespace was reloaded with its cluster_block_ref
 * replays) forgets every replica location, asks every node for a full
 * report and holds GC until every live node sent one. */
void	 cluster_set_leader(struct cluster *, int leader);

/* A chain of `replicas` distinct live dataservers (weighted by free space,
 * spreading first hops, never an excluded address, never a draining node)
 * for a new block.  Records blockid as pending so GC cannot delete it before
 * the commit (pending entries expire after gc_grace).  *present = 1 when the
 * block already has >= replicas live replicas (dedup: the client skips the
 * upload; out then lists those holders).  Returns 0, -EINVAL (bad id,
 * replicas 0 or > MDFS_MAX_CHAIN), -ENOSPC when no live dataserver has
 * room, or -EHOSTDOWN when none is there to take it (every one dead,
 * draining or in exclude_addrs).  With fewer usable nodes than replicas it returns the ones it has
 * (n >= 1). */
int	 cluster_alloc(struct cluster *, const char *blockid, uint64_t size,
	    unsigned replicas, const char *const *exclude_addrs,
	    size_t nexclude, struct chain *out, int *present);
/* A client found node_id's replica of blockid bad or missing: flags the
 * replica (listed last, a repair source only when no other is left) and
 * queues a verify command for the node (once: a queued one is not
 * repeated).
 * Returns 0, -EINVAL (bad id), -ENOENT (unknown block or node, or the node
 * holds no replica of it), -ENOBUFS (the node's outbox is full). */
int	 cluster_suspect(struct cluster *, const char *blockid,
	    const char *node_id);
/* The client reports where a block was stored (node ids from the PUT
 * answer's "stored") when it commits the block map.  Unknown node ids and a
 * bad block id are ignored. */
void	 cluster_block_stored(struct cluster *, const char *blockid,
	    uint64_t size, const char *const *node_ids, size_t n);
/* Live replicas of a block, best first (non-draining, most free space),
 * for reads.  Returns out->n (0 when unknown). */
size_t	 cluster_block_locations(struct cluster *, const char *blockid,
	    struct chain *out);
/* Reference counting by the namespace: +1 when a file's block map gains the
 * block, -1 when it loses it.  replicas is the file's wanted replication (the
 * block wants the largest value any reference asked for).  A -1 below 0 is
 * logged and ignored.  Called under the ns lock. */
void	 cluster_block_ref(struct cluster *, const char *blockid, uint64_t size,
	    unsigned replicas, int delta);
/* Drops all references before a reload at takeover and holds GC until
 * cluster_set_leader(c, 1). */
void	 cluster_block_refs_reset(struct cluster *);
/* Sum of live nodes' capacity and free bytes, and their count. */
void	 cluster_capacity(struct cluster *, uint64_t *total, uint64_t *free,
	    uint64_t *live_nodes);

/* ---- dataserver protocol (h_cluster.c) ----------------------------------- */

enum cluster_cmd_op {
	CLUSTER_CMD_DELETE,	/* delete id */
	CLUSTER_CMD_FETCH,	/* fetch id from addr */
	CLUSTER_CMD_PUSH,	/* push id to addr */
	CLUSTER_CMD_VERIFY,	/* verify id (a client reported it bad) */
};

struct cluster_cmd {
	enum cluster_cmd_op op;
	char		 id[BLOCKID_BUFSZ];
	char		 addr[MDFS_ADDR_MAX];	/* from / to; "" for delete */
};

struct cluster_hb {
	const char	*id;		/* node id */
	const char	*addr;		/* "host:port" */
	uint64_t	 capacity, used, free, blocks;
	const char *const *added;	/* block ids now stored */
	const uint64_t	*added_size;	/* their sizes */
	size_t		 nadded;
	const char *const *removed;	/* block ids no longer stored */
	size_t		 nremoved;
	const char *const *bad;		/* block ids quarantined */
	size_t		 nbad;
};

/* One heartbeat: records the node's stats and block changes, then hands out
 * up to min(max, commands_per_heartbeat) queued commands for the node into
 * cmds (*ncmds).  *full_report = 1 asks for a full block report.  Returns 0,
 * -EINVAL (bad node id or block id: nothing is changed). */
int	 cluster_heartbeat(struct cluster *, const struct cluster_hb *,
	    struct cluster_cmd *cmds, size_t max, size_t *ncmds,
	    int *full_report);
/* One batch of a full block report (a node may report before its first
 * heartbeat).  Batches must come with seq 0, 1, 2...; the list replaces the
 * node's replicas when the batch with last = 1 arrives.  Returns 0, -EINVAL
 * (bad id, seq out of order: the partial report is dropped, the node is
 * asked for a new one), -E2BIG (more than MDFS_REPORT_BATCH ids), -ENOSPC
 * (node table full). */
int	 cluster_blockreport(struct cluster *, const char *node_id,
	    uint64_t seq, int last, const char *const *ids,
	    const uint64_t *sizes, size_t n);

/* ---- periodic work, admin --------------------------------------------- */

/* What the tick thread runs once a second (tests call it directly): marks
 * dead nodes, queues repair/trim commands (leader), runs GC every
 * gc_interval (leader). */
void	 cluster_tick(struct cluster *);

struct cluster_gc_result {
	uint64_t	 blocks;	/* blocks condemned */
	uint64_t	 commands;	/* delete commands queued */
};
/* Runs a GC pass now.  Returns 0, -EAGAIN when GC is held (not leader,
 * references not loaded, reports missing: reason in err). */
int	 cluster_gc_now(struct cluster *, struct cluster_gc_result *,
	    char *err, size_t errlen);

/* Starts (on = 1) or cancels (on = 0) the decommission of a node; persisted
 * in etcd (meta/drain/<id>) when the cluster has an etcd client.  Returns 0,
 * -ENOENT (unknown node), or an etcd error. */
int	 cluster_decommission(struct cluster *, const char *node_id, int on);

enum cluster_node_state {
	CLUSTER_NODE_LIVE,
	CLUSTER_NODE_DEAD,	/* key gone or heartbeats stopped */
	CLUSTER_NODE_DRAINING,
	CLUSTER_NODE_DRAINED,	/* draining and every block it holds has its
				 * wanted replicas elsewhere: safe to remove */
};
/* "live", "dead", "draining", "drained". */
const char *cluster_node_state_name(enum cluster_node_state);

struct cluster_node_info {
	char		 id[MDFS_NODE_ID_MAX + 1];
	char		 addr[MDFS_ADDR_MAX];
	enum cluster_node_state state;
	int		 registered;	/* its etcd key exists */
	int		 reported;	/* full report since takeover */
	uint64_t	 capacity, used, free;
	uint64_t	 blocks;	/* replicas we know it holds */
	uint64_t	 drain_remaining; /* blocks still lacking replicas
					 * elsewhere (draining nodes) */
	int64_t		 last_heartbeat_ms; /* age in ms; -1 never */
	uint64_t	 queued;	/* commands waiting for its heartbeat */
};
/* A snapshot of every known node, sorted by id.  Returns 0 with *out
 * malloc'ed (caller free()s) and *n set, or -ENOMEM. */
int	 cluster_nodes(struct cluster *, struct cluster_node_info **out,
	    size_t *n);
/* One node; 0 or -ENOENT. */
int	 cluster_node(struct cluster *, const char *node_id,
	    struct cluster_node_info *out);

struct cluster_summary {
	int		 leader;
	uint64_t	 nodes_live, nodes_dead, nodes_draining;
	uint64_t	 capacity, free;	/* live nodes, bytes */
	uint64_t	 blocks;		/* in the table */
	uint64_t	 referenced;		/* blocks with references */
	uint64_t	 under_replicated;	/* referenced, 0 < live < wanted */
	uint64_t	 missing;		/* referenced, no live replica */
	uint64_t	 over_replicated;
	uint64_t	 pending;		/* allocations not yet committed */
	uint64_t	 queued_commands;
	uint64_t	 repairs_issued;	/* since start (counter) */
	uint64_t	 deletes_issued;	/* since start (counter) */
	int		 gc_held;		/* GC would be refused now */
	char		 gc_held_reason[128];
};
void	 cluster_summarize(struct cluster *, struct cluster_summary *);

struct cluster_block_info {
	int		 known;		/* in the table */
	uint64_t	 size;
	uint64_t	 refs;
	unsigned	 wanted;
	unsigned	 live;		/* live, non-draining replicas */
	unsigned	 total;		/* replicas on any node */
	int		 pending;
};
/* Health of one block (fsck).  Returns 0, -EINVAL for a bad id. */
int	 cluster_block_info(struct cluster *, const char *blockid,
	    struct cluster_block_info *);

/* Request counters for /metrics (lock-free; any thread). */
enum cluster_req_kind {
	CLUSTER_REQ_HEARTBEAT,
	CLUSTER_REQ_BLOCKREPORT,
	CLUSTER_REQ_SESSION,
	CLUSTER_REQ_LOCK,
	CLUSTER_REQ_ADMIN,
	CLUSTER_REQ_STATUS,
	CLUSTER_REQ_FS,		/* for meta-ns's filesystem routes */
	CLUSTER_REQ_KINDS
};
void	 cluster_count_request(struct cluster *, enum cluster_req_kind);
uint64_t cluster_requests(struct cluster *, enum cluster_req_kind);
/* "heartbeat", "blockreport", "session", "lock", "admin", "status", "fs" */
const char *cluster_req_kind_name(enum cluster_req_kind);

/* ---- hooks for tests and the nodes/ watch -------------------------------- */

/* A node's etcd key appeared or changed (capacity may be 0). */
void	 cluster_node_register(struct cluster *, const char *id,
	    const char *addr, uint64_t capacity);
/* A node's etcd key vanished: it is dead at once. */
void	 cluster_node_unregister(struct cluster *, const char *id);
/* Replaces the monotonic clock (milliseconds). */
void	 cluster_set_clock(struct cluster *, int64_t (*now_ms)(void *),
	    void *arg);
/* Replaces the random source used by placement (returns [0, 2^32)). */
void	 cluster_set_random(struct cluster *, uint32_t (*rnd)(void *),
	    void *arg);

#endif /* MINIDFS_CLUSTER_H */
