/*
 * httpc: the HTTP client every program uses, over libcurl.
 *
 * A struct httpc wraps one CURL easy handle and so keeps its connections
 * alive between requests.  It is NOT thread-safe: give each thread its own, or
 * borrow one from a struct httpc_pool (thread-safe) for the length of a call.
 * curl_global_init() must have been called once in main() (httpc_global_init).
 * CURLOPT_NOSIGNAL is always set (libcurl-thread(3)).
 *
 * Ownership: request fields are borrowed for the duration of httpc_do();
 * response bodies land in a caller-owned struct buf or go to a callback.
 */
#ifndef MINIDFS_HTTPC_H
#define MINIDFS_HTTPC_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct buf;
struct httpc;
struct httpc_pool;

#define HTTPC_MAX_HEADERS	16	/* request headers per call */
#define HTTPC_READ_ABORT	((size_t)-1) /* read_cb: abort the upload */

struct httpc_options {
	long	 connect_timeout_ms;	/* 0: HTTPC_DEFAULT_CONNECT_MS */
	long	 timeout_ms;		/* whole request; 0: HTTPC_DEFAULT_MS */
	const char *ca_file;		/* TLS: CA bundle, NULL = system */
	int	 tls_no_verify;		/* TLS: accept any certificate (tests) */
	long	 recv_buffer;		/* receive buffer; 0: curl's 16 KiB */
};
#define HTTPC_DEFAULT_CONNECT_MS	3000
#define HTTPC_DEFAULT_MS		30000
/* For clients that download blocks: fewer, larger reads per block. */
#define HTTPC_BULK_RECV_BUFFER	(256 * 1024)

struct httpc_header {
	const char	*name;
	const char	*value;
};

struct httpc_req {
	/* in */
	const char	*method;	/* "GET", "PUT", "POST", "DELETE", "HEAD" */
	const char	*url;		/* http://host:port/path?query */
	struct httpc_header headers[HTTPC_MAX_HEADERS];
	size_t		 nheaders;
	const void	*body;		/* whole body, or NULL */
	size_t		 body_len;
	/* streamed upload instead of body: fill dst with up to max bytes and
	 * return the count, 0 at the end, HTTPC_READ_ABORT to abort. */
	size_t		(*read_cb)(char *dst, size_t max, void *arg);
	void		*read_arg;
	int64_t		 upload_len;	/* with read_cb: length, or -1 chunked */
	/* streamed response body: return 0 to go on, -errno to abort. Called
	 * only for 2xx answers; other answers are collected in resp. */
	int		(*write_cb)(const char *p, size_t n, void *arg);
	void		*write_arg;
	/* each response header; name without ':', value trimmed */
	void		(*header_cb)(const char *name, const char *value,
			    void *arg);
	void		*header_arg;
	struct buf	*resp;		/* collects the body when write_cb is NULL
					 * or the answer is not 2xx; may be NULL */
	long		 timeout_ms;	/* 0: the client's default */
	/* polled during the transfer, at least once a second even when no
	 * data flows: return nonzero to abort the call with -ECANCELED
	 * (e.g. a stop flag for a long stream).  May be NULL. */
	int		(*abort_cb)(void *arg);
	void		*abort_arg;
	/* out */
	long		 status;	/* HTTP status, 0 if none arrived */
};

void	 httpc_global_init(void);

/* Fills err (when given: err != NULL and errlen > 0) like snprintf; the one
 * error-message filler of httpc and of the etcd client built on it. */
void	 httpc_set_err(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Returns a new client or NULL (ENOMEM). Caller httpc_free()s. */
struct httpc	*httpc_new(const struct httpc_options *);
void		 httpc_free(struct httpc *);

/* Adds a request header (name and value are borrowed). -E2BIG when full. */
int	 httpc_req_header(struct httpc_req *, const char *name,
	    const char *value) __attribute__((warn_unused_result));

/* Performs one request.  Returns 0 when an answer arrived (whatever its
 * status, in req->status), or -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH,
 * -ECONNRESET, -ECANCELED (a callback aborted), -EFBIG (resp over its cap),
 * -EIO (anything else); err names the failing step when given. */
int	 httpc_do(struct httpc *, struct httpc_req *, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/* JSON in one call: sends body (may be NULL) with Content-Type
 * application/json and parses the answer into *resp (caller cJSON_Delete()s;
 * NULL for an empty body).  Returns 0 for a 2xx answer; for other answers the
 * negative errno decoded from the JSON error body (errmap_decode), message in
 * err; transport errors as httpc_do.  *status (may be NULL) gets the status. */
int	 httpc_json(struct httpc *, const char *method, const char *url,
	    const struct httpc_header *hdrs, size_t nhdrs,
	    const struct cJSON *body, long *status, struct cJSON **resp,
	    char *err, size_t errlen) __attribute__((warn_unused_result));

/* A thread-safe pool of clients sharing options.  get never fails (it makes a
 * new client when none is idle); put returns it (keeps at most max idle). */
struct httpc_pool *httpc_pool_new(const struct httpc_options *, size_t max_idle);
void		 httpc_pool_free(struct httpc_pool *);
struct httpc	*httpc_pool_get(struct httpc_pool *);
void		 httpc_pool_put(struct httpc_pool *, struct httpc *);

#endif /* MINIDFS_HTTPC_H */
