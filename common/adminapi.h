/*
 * adminapi: the administrator's remote calls, one function per route
 * (common/protocol.h sections "admin" and "status", and the two dataserver
 * block calls an fsck needs: HEAD to verify a replica exists, push to
 * re-create a lost replica from a good one).  Metaserver calls go through
 * metaconn_call() (common/metaconn.h): leader following, fail-over and auth
 * live there, once.  Every answer is decoded into plain C structs with the
 * json getters; a malformed answer is -EIO ("bad answer to ...").
 *
 * Errors: 0 or a negative errno; err (when given) gets one line a person
 * can read: the server's message, or the transport failure.  Arrays are
 * malloc'ed and freed with the matching *_release / free(3) as stated.
 * No state of its own; thread-safety is that of the metaconn / httpc passed.
 */
#ifndef MINIDFS_ADMINAPI_H
#define MINIDFS_ADMINAPI_H

#include <stddef.h>
#include <stdint.h>

#include "common/blockid.h"
#include "common/protocol.h"

struct cJSON;
struct httpc;
struct metaconn;

#define ADMINAPI_STATE_LEN	16	/* bytes of a node or chunk state */
#define ADMINAPI_REASON_LEN	256	/* bytes of gc_held_reason kept */

/* A dataserver as the leader sees it (GET /v1/nodes). */
struct adminapi_node {
	char		 id[MDFS_NODE_ID_MAX + 1];
	char		 addr[MDFS_ADDR_MAX];
	char		 state[ADMINAPI_STATE_LEN];	/* live dead draining
							 * drained */
	int		 registered;
	int		 reported;
	uint64_t	 capacity;
	uint64_t	 used;
	uint64_t	 free;
	uint64_t	 blocks;
	uint64_t	 drain_remaining;
	uint64_t	 queued;
	int64_t		 last_heartbeat_ms;	/* age; -1 never */
};

/* GET /v1/status. */
struct adminapi_status {
	char		 leader[MDFS_ADDR_MAX];	/* "" unknown */
	int		 is_leader;
	uint32_t	 live, dead, draining;
	uint64_t	 capacity, free, blocks, referenced;
	uint64_t	 under_replicated, missing, pending;
	uint32_t	 sessions, locks;
	int		 gc_held;
	char		 gc_held_reason[ADMINAPI_REASON_LEN];
	uint64_t	 inodes, files, dirs, bytes, requests;
	struct adminapi_node *nodes;	/* malloc'ed; adminapi_status_release */
	size_t		 nnodes;
};

/* One chunk of GET /v1/fsck. */
struct adminapi_chunk {
	uint64_t	 ino;
	uint64_t	 index;
	uint64_t	 len;
	char		 id[BLOCKID_BUFSZ];
	char		 state[ADMINAPI_STATE_LEN];	/* under missing unknown
							 * ok */
	uint32_t	 live;
	uint32_t	 wanted;
};

struct adminapi_fsck {
	uint64_t	 files, chunks, healthy, under_replicated, missing;
	uint64_t	 unknown;
	int		 truncated;
	struct adminapi_chunk *problems;	/* malloc'ed */
	size_t		 nproblems;
	char		 next[MDFS_FSCK_CURSOR_MAX];	/* paged: the next
							 * page's cursor, ""
							 * after the last */
};

/* 1 when name can be a dataserver id: 1..MDFS_NODE_ID_MAX bytes of
 * [A-Za-z0-9._-]. */
int	 adminapi_node_name_valid(const char *name);

/* GET /v1/status (any metaserver answers; a standby knows no block table:
 * check is_leader).  Fills *st; adminapi_status_release() it. */
int	 adminapi_status(struct metaconn *, struct adminapi_status *st,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
void	 adminapi_status_release(struct adminapi_status *);
/* GET /v1/nodes: *nodes malloc'ed (free(3)), *n. */
int	 adminapi_nodes(struct metaconn *, struct adminapi_node **nodes,
	    size_t *n, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* GET /v1/nodes/{name}.  -EINVAL for a bad name (nothing sent), -ENXIO
 * unknown node. */
int	 adminapi_node(struct metaconn *, const char *name,
	    struct adminapi_node *, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* POST /v1/nodes/{name}/decommission {"cancel":cancel}: the node after the
 * change.  Errors as adminapi_node. */
int	 adminapi_decommission(struct metaconn *, const char *name, int cancel,
	    struct adminapi_node *, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* POST /v1/gc: blocks condemned and delete commands queued.  -EAGAIN while
 * GC is held (the reason in err). */
int	 adminapi_gc(struct metaconn *, uint64_t *blocks, uint64_t *commands,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
/* GET /v1/fsck[?all=1]: fills *f; adminapi_fsck_release() it. */
int	 adminapi_fsck(struct metaconn *, int all, struct adminapi_fsck *f,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
/* GET /v1/fsck?after=CURSOR[&all=1]: one page (protocol.h), "0" the
 * first; f->next is the cursor of the following page ("" after the last).
 * A metaserver that does not page answers for the whole namespace, with
 * f->next "".  -EINVAL (nothing sent) for a cursor that is not 1..
 * MDFS_FSCK_CURSOR_MAX-1 bytes of digits and ':'.  Fills *f;
 * adminapi_fsck_release() it. */
int	 adminapi_fsck_page(struct metaconn *, int all, const char *after,
	    struct adminapi_fsck *f, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
void	 adminapi_fsck_release(struct adminapi_fsck *);

/* HEAD http://addr/v1/blocks/{id} with the block token (may be NULL or "").
 * Returns 0 and *size when the dataserver holds it, -ENOENT when not,
 * -EACCES (token refused), or a transport error. */
int	 adminapi_block_head(struct httpc *, const char *addr, const char *id,
	    const char *token, uint64_t *size, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* POST http://from/v1/blocks/{id}/push {"to":to} with cluster auth signed
 * from secret (NULL: none): from copies its replica to to.  Returns 0,
 * -ENOENT (from does not hold it), or the decoded error. */
int	 adminapi_block_push(struct httpc *, const char *from, const char *id,
	    const char *to, const void *secret, size_t secret_len, char *err,
	    size_t errlen) __attribute__((warn_unused_result));

/* Pure decoders (tests): 0 or -EIO for a malformed object. */
int	 adminapi_decode_node(const struct cJSON *, struct adminapi_node *);
int	 adminapi_decode_status(const struct cJSON *, struct adminapi_status *);
int	 adminapi_decode_fsck(const struct cJSON *, struct adminapi_fsck *);

#endif /* MINIDFS_ADMINAPI_H */
