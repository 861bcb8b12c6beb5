/*
 * dataapi: the block routes of the dataservers (common/protocol.h,
 * DATA_PATH_BLOCKS) as seen by a client, shared by the mount daemon and
 * minidfs-admin.  Every call borrows a client from the given pool for its
 * duration, so all are thread-safe as long as the caller's structs are its
 * own.  Failures are logged (log_warnx) with the node and the reason.
 */
#ifndef MINIDFS_DATAAPI_H
#define MINIDFS_DATAAPI_H

#include <stddef.h>
#include <stdint.h>

#include "common/metaclient.h"
#include "common/protocol.h"

struct blockpool;
struct httpc_pool;

/* PUTs len bytes of data along ch's chain (ch->loc[0] first, the rest in
 * HTTP_HDR_CHAIN, ch->token as HTTP_HDR_TOKEN).  On an answer fills
 * cm->stored and ch->loc with the nodes that stored the block and adds
 * nodes that failed to ex (*nex entries, at most MDFS_EXCLUDE_MAX).
 * Returns 0 (an answer arrived: count cm->nstored), -ETIMEDOUT, -ENOSPC
 * (HTTP 507) or -EIO. */
int	 dataapi_put(struct httpc_pool *, struct mc_chunk *ch, const char *data,
	    size_t len, struct mc_commit *cm, char (*ex)[MDFS_ADDR_MAX],
	    size_t *nex) __attribute__((warn_unused_result));

/* Stores one block of inode ino on at least *need dataservers: hashes it,
 * asks the metaserver for a chain (mc_alloc; no upload when the cluster has
 * it already), PUTs it, and allocates again without the failed nodes for
 * at most retry_s seconds.  *need is lowered to the file's own replication
 * (MDFS_XATTR_REPLICAS) when that is smaller.  On 0 ch and cm describe the
 * stored block (id, len, locations; index left 0 for the caller); else a
 * negative errno from the metaserver or the last upload: -ENOSPC when no
 * dataserver has room, -EIO when none could be written to for retry_s. */
int	 dataapi_store(struct metaclient *, struct httpc_pool *, uint64_t ino,
	    const char *data, size_t len, unsigned retry_s, unsigned *need,
	    struct mc_chunk *ch, struct mc_commit *cm)
	    __attribute__((warn_unused_result));

/* Where dataapi_get reports a replica that answered bad bytes, a 404 or a
 * server error (not one that could not be reached: the metaserver learns
 * of dead nodes by itself).  fn(arg, block id, node id) is called at once,
 * in the reading thread: it should hand the report on (mc_report_bad). */
struct dataapi_report {
	void	(*fn)(void *arg, const char *id, const char *node_id);
	void	*arg;
};

/* GETs the whole block of ch from each replica in turn until one returns
 * at least ch->len bytes whose SHA-256 is ch->id (at most block_size bytes
 * are accepted); bad replicas are skipped and reported to rep (NULL: not
 * reported).  The bytes land in a buffer from bp when it is given and its
 * buffers hold block_size + 1 bytes (else in a new one); a whole block keeps
 * it, a shorter one is moved to an allocation of its size.  Returns 0 with
 * *data (malloc'ed: the caller frees it or gives it to bp) and *len,
 * or -ENOENT (no replica has it), -EACCES (token refused), -EIO (every
 * replica failed or returned bad bytes). */
int	 dataapi_get(struct httpc_pool *, const struct mc_chunk *ch,
	    uint64_t block_size, const struct dataapi_report *rep,
	    struct blockpool *bp, void **data, size_t *len)
	    __attribute__((warn_unused_result));

#endif /* MINIDFS_DATAAPI_H */
