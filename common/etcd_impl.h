/*
 * etcd_impl: what etcd.c (the client, requests, keys, values) shares with
 * etcd_txn.c, etcd_lease.c and etcd_watch.c (the watch thread).  Private to
 * those files; everyone else uses common/etcd.h.
 */
#ifndef MINIDFS_ETCD_IMPL_H
#define MINIDFS_ETCD_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/etcd.h"

struct cJSON;

#define ETCD_URL_MAX		320	/* bytes of "http://host:port/v3/..." */
#define ETCD_POOL_IDLE		8	/* idle HTTP handles kept per client */

struct etcd_client {
	char		**endpoints;	/* "http://host:port", nendpoints */
	size_t		  nendpoints;
	char		 *prefix;	/* never NULL */
	size_t		  prefix_len;
	long		  timeout_ms;	/* per call */
	long		  connect_ms;
	struct httpc_pool *pool;
	pthread_mutex_t	  lock;
	size_t		  cur;		/* last endpoint that answered;
					 * protected by lock */
};

/* Milliseconds on the monotonic clock. */
long	 etcd_now_ms(void);

/* The index of the endpoint to try first / that just answered. */
size_t	 etcd_cur(struct etcd_client *);
void	 etcd_set_cur(struct etcd_client *, size_t);

/* prefix + key, xmalloc'ed, NUL-terminated; *len (may be NULL) its length. */
char	*etcd_full_key(const struct etcd_client *, const char *key,
	    size_t *len);
/* The range end that covers every key starting with p[0..len): the prefix
 * with its last byte below 0xff incremented and the rest dropped, or the
 * single byte "\0" (every key) when there is none.  xmalloc'ed. */
char	*etcd_prefix_end(const char *p, size_t len, size_t *outlen);

/* Adds name: base64(p, len) to obj.  -ENOMEM or -E2BIG. */
int	 etcd_add_b64(struct cJSON *obj, const char *name, const void *p,
	    size_t len);
/* An int64 field that etcd omits when zero: 0 (and *out = 0 when absent)
 * or -EPROTO. */
int	 etcd_get_i64(const struct cJSON *obj, const char *name,
	    int64_t *out);
/* Decodes a gateway KeyValue into kv (released by the caller), stripping
 * the client's prefix.  0, -EPROTO, -ENOMEM. */
int	 etcd_parse_kv(const struct etcd_client *, const struct cJSON *obj,
	    struct etcd_kv *kv);

/* POSTs body to path (e.g. "/v3/kv/put") with fail-over between the
 * endpoints, bounded by the client's timeout.  On 0 *out is the parsed
 * answer (caller cJSON_Delete()s).  Errors as etcd.h says, message in err
 * naming path and endpoint. */
int	 etcd_call(struct etcd_client *, const char *path,
	    const struct cJSON *body, struct cJSON **out, char *err,
	    size_t errlen);
/* Fills res from a RangeResponse; on error res is left empty. */
int	 etcd_parse_range(const struct etcd_client *, const struct cJSON *o,
	    struct etcd_range *res);
/* header.revision of an answer; -EPROTO when missing. */
int	 etcd_header_revision(const struct cJSON *ans, int64_t *rev);
/* Request bodies for put and delete (also used in transactions); NULL when
 * a value is too large to encode.  Caller cJSON_Delete()s. */
struct cJSON *etcd_put_body(struct etcd_client *, const char *key,
	    const void *value, size_t len, int64_t lease);
struct cJSON *etcd_delete_body(struct etcd_client *, const char *key,
	    int prefix);

#endif /* MINIDFS_ETCD_IMPL_H */
