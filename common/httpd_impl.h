/*
 * httpd_impl: what httpd.c (the request pipeline over libmicrohttpd: MHD
 * callbacks, body collection and streams, responses, start and stop) shares
 * with httpd_route.c (the route table: checks at start, matching,
 * percent-decoding, path parameters, tokens, and the request accessors).
 * Private to those two files; servers use common/httpd.h.
 *
 * Threads: a struct httpd_req belongs to its connection's thread; the
 * struct httpd is read-only after httpd_start except inflight, which is
 * protected by its lock.
 */
#ifndef MINIDFS_HTTPD_IMPL_H
#define MINIDFS_HTTPD_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/buf.h"
#include "common/httpd.h"

struct MHD_Connection;
struct MHD_Daemon;

#define HTTPD_MAX_SEGMENTS	32		/* path segments of a route */
#define HTTPD_ERRMSG_MAX	256		/* bytes of an error message */
#define HTTPD_PEER_MAX		64		/* bytes of "[ip]:port" */
#define HTTPD_ALLOW_MAX		128		/* bytes of an Allow header */

/* One segment of a route's pattern: literal text or a {param}. */
struct httpd_pattern_seg {
	const char	*s;		/* into the route's pattern */
	size_t		 len;		/* without the braces for a param */
	int		 is_param;
};

/* A route's pattern split into segments, compiled once at start. */
struct httpd_pattern {
	const struct httpd_route *route;
	struct httpd_pattern_seg seg[HTTPD_MAX_SEGMENTS];
	size_t		 nseg;
};

/* A server; made by httpd_start, freed by httpd_stop. */
struct httpd {
	struct MHD_Daemon *daemon;
	const struct httpd_route *routes;
	struct httpd_pattern *pats;	/* one per route */
	size_t		 npats;
	void		*arg;
	char		*secret;	/* copy; NULL: no token checks */
	size_t		 secret_len;
	char		*tls_cert;	/* PEM text, kept for the daemon */
	char		*tls_key;
	unsigned	 port;
	pthread_mutex_t	 lock;
	pthread_cond_t	 drained;
	unsigned	 inflight;	/* protected by lock */
};

enum httpd_phase {
	HTTPD_PHASE_NEW = 0,	/* headers not looked at yet */
	HTTPD_PHASE_BODY,	/* accepted: collecting or streaming */
	HTTPD_PHASE_DISCARD,	/* refused: reading the rest to answer */
	HTTPD_PHASE_ANSWERED,	/* an answer is queued */
};

/* One request, from uri_log() to on_completed() (httpd.c); only the
 * thread of its connection touches it. */
struct httpd_req {
	struct httpd	*h;
	struct MHD_Connection *conn;
	const struct httpd_route *route;
	enum httpd_phase phase;
	char		*raw_uri;	/* as sent, percent-encoded */
	char		*segbuf;	/* decoded segments, NUL-separated */
	char		*seg[HTTPD_MAX_SEGMENTS];
	size_t		 nseg;
	int		 seg_bad;	/* bad percent-encoding in the path */
	const char	*method;	/* MHD's, live for the request */
	const char	*path;		/* MHD's decoded url */
	const struct httpd_pattern_seg *pname[HTTPD_MAX_PARAMS];
	const char	*pval[HTTPD_MAX_PARAMS];
	size_t		 nparams;
	int64_t		 content_length; /* -1: chunked */
	uint64_t	 received;	/* body bytes read */
	struct buf	 body;
	struct cJSON	*json;
	void		*state;
	int		 begun;		/* on_begin ran */
	int		 finished;	/* handler or on_abort ran */
	struct httpd_resp resp;
	int		 status;	/* queued, 0 when none */
	uint64_t	 out_bytes;
	struct timespec	 t0;
	char		 peer[HTTPD_PEER_MAX];
	/* Without a connection (conn NULL: httpd_synth.c), headers and query
	 * arguments come from these: name, value, name, value, ..., NULL. */
	const char *const *synth_headers;
	const char *const *synth_query;
};

/* ---- httpd_route.c ------------------------------------------------------ */

/* Compiles every route of the table into h->pats (h->npats of them, freed
 * with h) and checks the table: patterns, streams with on_data and on_abort,
 * no JSON streams, token routes with an {id}.  Returns 0 or -EINVAL with a
 * message in err; h->pats is set either way. */
int	 httpd_routes_compile(struct httpd *h, const struct httpd_route *routes,
	    char *err, size_t errlen);
/* Splits req->raw_uri into percent-decoded segments (req->segbuf, freed
 * with req); bad escapes set req->seg_bad. */
void	 httpd_split_path(struct httpd_req *req);
/* The pattern for req's method and path, or NULL: then *path_known says
 * whether some route fits the path (405, with the methods it takes in allow)
 * or none does (404). */
const struct httpd_pattern *httpd_route_find(const struct httpd *h,
	    const struct httpd_req *req, int *path_known, char *allow,
	    size_t allowlen);
/* Records and validates pat's path parameters; 0, or -EINVAL with a 400 in
 * req->resp. */
int	 httpd_params_take(struct httpd_req *req,
	    const struct httpd_pattern *pat);
/* The token checks of req's route; 0, or -errno with a 403 in req->resp. */
int	 httpd_token_check(struct httpd_req *req);

/* ---- httpd.c ------------------------------------------------------------ */

/* Replaces resp's answer by status + an errmap body for err. */
void	 httpd_resp_fail(struct httpd_resp *resp, int status, int err,
	    const char *msg);
/* The status resp goes out with (200 when 0); gives an error without a body
 * its errmap body. */
int	 httpd_resp_settle(struct httpd_resp *resp);
/* Frees whatever resp owns and leaves it initialized. */
void	 httpd_resp_release(struct httpd_resp *resp);

/* A server without a daemon (routes compiled, secret copied), for
 * httpd_start and httpd_synth.c; NULL with a message.  httpd_free frees it
 * once no request is in flight. */
struct httpd *httpd_new(const struct httpd_options *, char *err,
	    size_t errlen);
void	 httpd_free(struct httpd *);

/*
 * The request pipeline without libmicrohttpd, which the MHD callbacks and
 * httpd_synth.c both drive:
 *   httpd_req_new    the request line: state, split path (conn may be NULL)
 *   httpd_req_begin  headers in: the checks; 0 accepted, or 1 with the
 *                    answer in req->resp (*close_after: close after it)
 *   httpd_req_body   a piece of body; -1: close the connection unanswered
 *   httpd_req_end    the whole body is in: JSON, the handler; the answer is
 *                    in req->resp
 *   httpd_req_done   the end, answered (req->status set) or not: on_abort for
 *                    an unfinished stream, one log line, free
 */
struct httpd_req *httpd_req_new(struct httpd *, struct MHD_Connection *,
	    const char *uri);
int	 httpd_req_begin(struct httpd_req *, const char *url,
	    const char *method, int *close_after);
int	 httpd_req_body(struct httpd_req *, const char *p, size_t n);
void	 httpd_req_end(struct httpd_req *);
void	 httpd_req_done(struct httpd_req *, int completed, const char *how);

#endif /* MINIDFS_HTTPD_IMPL_H */
