/*
 * metaconn: the transport of every client call to the metaservers -- the
 * one place that follows the leader and fails over.  The functions that
 * build and decode requests (adminapi_*, and the filesystem calls) sit on
 * metaconn_call().
 *
 * The connection knows every metaserver of a "h:p[,h:p...]" list.  It sends
 * to the last known leader; a standby's 307 names the leader
 * (HTTP_HDR_LEADER) and the request is resent there (at most
 * METACONN_REDIRECTS_MAX times in a row); a 503 (no leader yet) or a
 * transport error moves on to the next address after a back-off growing
 * from METACONN_BACKOFF_MIN_MS to METACONN_BACKOFF_MAX_MS.  All of that is
 * bounded by the retry time given at creation.  An answer with an error
 * status is returned as its negative errno (common/errmap.h), with the
 * server's message, and is never retried.  With a cluster secret every call
 * carries HTTP_HDR_AUTH (a TOKEN_OP_ALL token, re-signed every half TTL).
 *
 * Thread-safe: HTTP clients come from an httpc_pool; the leader and the
 * auth token are guarded by a mutex.
 */
#ifndef MINIDFS_METACONN_H
#define MINIDFS_METACONN_H

#include <stddef.h>

#include "common/protocol.h"

struct cJSON;
struct metaconn;

#define METACONN_ADDRS_MAX	16	/* metaservers in a list */
#define METACONN_REDIRECTS_MAX	4	/* 307s followed before backing off */
#define METACONN_BACKOFF_MIN_MS	100	/* first pause between attempts */
#define METACONN_BACKOFF_MAX_MS	2000	/* longest pause between attempts */

/* Parses "h:p[,h:p...]" into addrs.  Returns the count, or -EINVAL with a
 * message in err (empty entry, no port, port not 1..65535, over
 * METACONN_ADDRS_MAX entries, an address too long).  Pure. */
int	 metaconn_parse_list(const char *list,
	    char addrs[METACONN_ADDRS_MAX][MDFS_ADDR_MAX], char *err,
	    size_t errlen);

/* A connection to the metaservers of list.  secret (may be NULL; copied)
 * signs HTTP_HDR_AUTH.  retry_ms bounds each call's retries and
 * fail-over, timeout_ms each HTTP request (0: the httpc default).  Returns
 * 0 and *out (metaconn_free), or -EINVAL with a message in err. */
int	 metaconn_new(const char *list, const void *secret, size_t secret_len,
	    long retry_ms, long timeout_ms, struct metaconn **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/* NULL is a no-op. */
void	 metaconn_free(struct metaconn *);

/* Sends method path (with body as JSON when not NULL) and decodes the
 * answer.  Returns 0 with *resp (NULL for an empty body; caller
 * cJSON_Delete()s); the negative errno of an error answer with
 * "METHOD path: message" in err; -ETIMEDOUT when no metaserver answered
 * within the retry time or -EIO (bad JSON, last transport error), err
 * naming the addresses tried. */
int	 metaconn_call(struct metaconn *, const char *method, const char *path,
	    const struct cJSON *body, struct cJSON **resp, char *err,
	    size_t errlen) __attribute__((warn_unused_result));

/* The leader's address as last learned ("" unknown) into buf. */
void	 metaconn_leader(struct metaconn *, char *buf, size_t len);

#endif /* MINIDFS_METACONN_H */
