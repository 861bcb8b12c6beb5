/*
 * etcd: a client for etcd's v3 JSON gateway (POST /v3/kv/range, /kv/put,
 * /kv/deleterange, /kv/txn, /lease/grant, /lease/keepalive, /lease/revoke,
 * /watch), over httpc and cJSON, keys and values base64-encoded on the wire.
 *
 * Keys given to every call are relative to the client's prefix (which may be
 * ""): with prefix "/minidfs" (or "/minidfs/": the separator is added when
 * missing), "nodes/ds1" is stored as "/minidfs/nodes/ds1", and keys returned
 * are stripped of it again.  Values are byte strings.
 *
 * Several endpoints may be configured; a call that cannot reach one (refused,
 * timed out) tries the next, and the client remembers the one that worked.
 * Every call is bounded by the client's timeout.  Errors: 0 or a negative
 * errno: -ENOENT (no such key / lease), -ETIMEDOUT or -ECONNREFUSED (no
 * endpoint answered), -EPROTO (an answer we cannot parse), -EINVAL (etcd
 * refused the request), -ENOMEM.  A message goes into err when given.
 *
 * Thread-safety: a struct etcd_client may be shared by any number of threads
 * (each call borrows an HTTP handle from an internal pool).  Results are owned
 * by the caller and freed with the matching _free/_release.
 */
#ifndef MINIDFS_ETCD_H
#define MINIDFS_ETCD_H

#include <stddef.h>
#include <stdint.h>

#define ETCD_MAX_ENDPOINTS	16
#define ETCD_DEFAULT_TIMEOUT_MS	5000

struct etcd_client;
struct etcd_txn;
struct etcd_watch;

struct etcd_options {
	const char * const *endpoints;	/* "host:port" or "http://host:port" */
	size_t		 nendpoints;
	const char	*prefix;	/* key prefix, e.g. "/minidfs"; NULL = "" */
	long		 timeout_ms;	/* per call; 0: ETCD_DEFAULT_TIMEOUT_MS */
	long		 connect_timeout_ms; /* 0: min(timeout, 2000) */
};

/* One key-value.  key is NUL-terminated (relative to the prefix); value has
 * value_len bytes plus a NUL after them, so text values can be used as C
 * strings. */
struct etcd_kv {
	char		*key;
	char		*value;
	size_t		 value_len;
	int64_t		 create_revision;
	int64_t		 mod_revision;
	int64_t		 version;
	int64_t		 lease;
};

struct etcd_range {
	struct etcd_kv	*kvs;
	size_t		 count;		/* entries in kvs */
	int64_t		 total;		/* matching keys (etcd "count") */
	int		 more;		/* more keys beyond the limit */
	int64_t		 revision;	/* store revision of the answer */
};
#define ETCD_RANGE_INIT { NULL, 0, 0, 0, 0 }

/* Returns a client or NULL with a message in err (bad endpoint, none). */
struct etcd_client *etcd_new(const struct etcd_options *, char *err,
		    size_t errlen);
void		 etcd_free(struct etcd_client *);
/* The endpoint that last answered, e.g. "http://127.0.0.1:2379". */
const char	*etcd_endpoint(struct etcd_client *);

void		 etcd_kv_release(struct etcd_kv *);
void		 etcd_range_release(struct etcd_range *);

/* Gets one key.  Returns 0 and fills kv (caller etcd_kv_release()s), or
 * -ENOENT when absent. */
int	 etcd_get(struct etcd_client *, const char *key, struct etcd_kv *kv,
	    char *err, size_t errlen) __attribute__((warn_unused_result));

/* Reads keys in [start, end) (end NULL: all keys with the prefix start),
 * at most limit (0: no limit), at revision rev (0: latest), sorted by key.
 * keys_only leaves values empty.  res is released first.  To page, call
 * etcd_range_next() while res->more is set. */
int	 etcd_range(struct etcd_client *, const char *start, const char *end,
	    int64_t limit, int64_t rev, int keys_only, struct etcd_range *res,
	    char *err, size_t errlen) __attribute__((warn_unused_result));

/* The page after res, which a call to etcd_range (or etcd_range_next) with
 * the same start and end filled and which holds at least one key: the keys
 * after res's last key, at res's revision so that the pages form one
 * snapshot.  On success res is released and refilled; on error it is left
 * as it was (-EINVAL when res is empty). */
int	 etcd_range_next(struct etcd_client *, const char *start,
	    const char *end, int64_t limit, int keys_only,
	    struct etcd_range *res, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/* Puts key=value (lease 0: none).  *rev (may be NULL) gets the revision. */
int	 etcd_put(struct etcd_client *, const char *key, const void *value,
	    size_t value_len, int64_t lease, int64_t *rev, char *err,
	    size_t errlen) __attribute__((warn_unused_result));

/* Deletes key, or every key starting with key when prefix is set.  *deleted
 * (may be NULL) gets the count (0 is not an error). */
int	 etcd_delete(struct etcd_client *, const char *key, int prefix,
	    int64_t *deleted, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/* Transactions: build, then commit. */
enum etcd_cmp_target {
	ETCD_CMP_VALUE,
	ETCD_CMP_VERSION,
	ETCD_CMP_CREATE,	/* create_revision */
	ETCD_CMP_MOD,		/* mod_revision */
};
enum etcd_cmp_op {
	ETCD_EQUAL,
	ETCD_NOT_EQUAL,
	ETCD_GREATER,
	ETCD_LESS,
};
struct etcd_txn	*etcd_txn_new(void);
void		 etcd_txn_free(struct etcd_txn *);
/* Compares; for ETCD_CMP_VALUE use etcd_txn_cmp_value. */
void	 etcd_txn_cmp(struct etcd_txn *, const char *key,
	    enum etcd_cmp_target, enum etcd_cmp_op, int64_t n);
void	 etcd_txn_cmp_value(struct etcd_txn *, const char *key,
	    enum etcd_cmp_op, const void *value, size_t len);
/* Operations, on the success (then = 1) or failure (then = 0) branch.
 * Copies key and value. */
void	 etcd_txn_put(struct etcd_txn *, int then, const char *key,
	    const void *value, size_t len, int64_t lease);
void	 etcd_txn_delete(struct etcd_txn *, int then, const char *key,
	    int prefix);
void	 etcd_txn_get(struct etcd_txn *, int then, const char *key);
/* Number of operations on both branches (to bound txn size: etcd's default
 * --max-txn-ops is 128). */
size_t	 etcd_txn_ops(const struct etcd_txn *);

struct etcd_txn_result {
	int		 succeeded;	/* the compares held */
	int64_t		 revision;
	/* one range per etcd_txn_get on the branch taken, in order */
	struct etcd_range *ranges;
	size_t		 nranges;
};
#define ETCD_TXN_RESULT_INIT { 0, 0, NULL, 0 }
void	 etcd_txn_result_release(struct etcd_txn_result *);

/* Commits.  Returns 0 whether or not the compares held (see res->succeeded);
 * an error only when etcd did not execute it. res may be NULL. */
int	 etcd_txn_commit(struct etcd_client *, struct etcd_txn *,
	    struct etcd_txn_result *res, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/* Leases. */
int	 etcd_lease_grant(struct etcd_client *, int64_t ttl_s, int64_t *id,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
/* Renews; *ttl (may be NULL) gets the remaining TTL.  -ENOENT when the lease
 * has expired or was revoked. */
int	 etcd_lease_keepalive(struct etcd_client *, int64_t id, int64_t *ttl,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
int	 etcd_lease_revoke(struct etcd_client *, int64_t id, char *err,
	    size_t errlen) __attribute__((warn_unused_result));

/* Watch every key with the given prefix, from revision start_rev (0: now).
 * A thread streams events and calls cb for each, in revision order, from
 * that thread.  When the stream breaks it reconnects (failing over between
 * endpoints) and resumes after the last revision delivered.  If etcd has
 * compacted past that revision cb gets ETCD_WATCH_COMPACTED (with kv NULL and
 * rev the compact revision): the caller must reload and watch anew. */
enum etcd_event_type {
	ETCD_WATCH_PUT,
	ETCD_WATCH_DELETE,
	ETCD_WATCH_COMPACTED,
};
/* kv is valid only during the call; rev is the event's mod_revision. */
typedef void (*etcd_watch_cb)(enum etcd_event_type, const struct etcd_kv *kv,
    int64_t rev, void *arg);

/* Returns the watch or NULL with err.  Events start flowing at once. */
struct etcd_watch *etcd_watch_start(struct etcd_client *, const char *prefix,
		    int64_t start_rev, etcd_watch_cb cb, void *arg, char *err,
		    size_t errlen);
/* Stops the thread (cb is not called after it returns) and frees. */
void		 etcd_watch_stop(struct etcd_watch *);

/* base64 helpers used on the wire (EVP_EncodeBlock / EVP_DecodeBlock).
 * encode: malloc'ed NUL-terminated text; decode: malloc'ed bytes + NUL, *len;
 * NULL on bad input (decode) or OOM. */
char	*etcd_b64_encode(const void *p, size_t len);
void	*etcd_b64_decode(const char *s, size_t *len);

#endif /* MINIDFS_ETCD_H */
