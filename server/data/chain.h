/*
 * chain: everything the dataserver sends to other dataservers.
 *
 *  - Chain forwarding: while a PUT is being received, the same bytes are
 *    streamed to the next node of the chain (no store-and-forward).  The
 *    request thread pushes each piece into a bounded queue; a forwarding
 *    thread's httpc read callback drains it into the downstream PUT.  A slow
 *    downstream slows the upstream down (the queue is bounded); a failed
 *    downstream is recorded and the local write goes on.
 *  - Pull copy (fetch a block from a peer, verify, store) and push copy (send
 *    a local block to a peer's PUT).
 *
 * Connections are reused through one httpc_pool per peer address.
 * Thread-safety: struct chain may be used from any thread; a struct chain_fwd
 * belongs to the request that started it.
 */
#ifndef MINIDFS_DATA_CHAIN_H
#define MINIDFS_DATA_CHAIN_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct data_server;
struct chain;
struct chain_fwd;

#define CHAIN_QUEUE_BYTES	(1024u * 1024)	/* per forwarded PUT */
#define CHAIN_POOL_IDLE		8	/* idle connections kept per peer */
#define CHAIN_MAX_PEERS		1024	/* peers with a pool */

/* Returns the chain sender for ds (never NULL). */
struct chain	*chain_new(struct data_server *);
void		 chain_free(struct chain *);

/*
 * Parses an HTTP_HDR_CHAIN value "h:p,h:p" into at most max addresses
 * (pointers into the malloc'ed *copy the caller frees).  Returns the count
 * (0 for NULL or ""), or -EINVAL (empty entry, bad address) / -E2BIG.
 */
int		 chain_parse(const char *hdr, char **copy, const char **addrs,
		    size_t max) __attribute__((warn_unused_result));
/* 1 when s looks like "host:port" (no spaces, no '/', a port 1-65535). */
int		 chain_addr_valid(const char *s);

/*
 * Starts forwarding block id to addrs[0], telling it addrs[1..n-1] as its
 * chain.  token (may be NULL) is the client's block token, passed on.
 * len is the body length or -1 (chunked).  Never fails: a downstream that
 * cannot be reached shows up in chain_fwd_finish().
 */
struct chain_fwd *chain_fwd_start(struct chain *, const char *id,
		    const char * const *addrs, size_t n, const char *token,
		    int64_t len);
/* Queues n bytes for the downstream, waiting while the queue is full.
 * Returns 0, or -errno once the downstream failed (the bytes are dropped). */
int		 chain_fwd_push(struct chain_fwd *, const char *p, size_t n);
/* Tells the downstream the body is complete (the queue still drains), so it
 * can verify and fsync while we do the same.  chain_fwd_finish must follow. */
void		 chain_fwd_eof(struct chain_fwd *);
/*
 * Ends the upload (abort: make the downstream discard it) and waits for the
 * downstream's answer.  Appends what it stored to stored and what failed to
 * failed ({"addr","error"}; nodes behind a failed one are listed with
 * ECANCELED).  Returns the number of failed nodes.  Frees f.
 */
int		 chain_fwd_finish(struct chain_fwd *, int abort,
		    struct cJSON *stored, struct cJSON *failed);

/*
 * Pull copy: GETs block id from the dataserver at from, verifies and stores
 * it.  Returns 0 (also when it was already here), -ENOSPC, -EREMOTEIO (the
 * source failed or sent bad bytes) or -errno, with a message in err.
 */
int		 chain_fetch(struct chain *, const char *id, const char *from,
		    uint64_t *size, char *err, size_t errlen)
		    __attribute__((warn_unused_result));
/*
 * Push copy: verifies the local block and PUTs it to the dataserver at to.
 * *answer (may be NULL; caller cJSON_Delete()s) gets the target's answer.
 * Returns 0, -ENOENT (not here), -EUCLEAN (bad here, quarantined),
 * -EREMOTEIO (the target failed) or -errno, with a message in err.
 */
int		 chain_push(struct chain *, const char *id, const char *to,
		    struct cJSON **answer, char *err, size_t errlen)
		    __attribute__((warn_unused_result));

#endif /* MINIDFS_DATA_CHAIN_H */
