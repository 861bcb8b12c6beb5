/*
 * httpd: every minidfs server's HTTP front, over libmicrohttpd 0.9.75.  It
 * owns the daemon and the route table, and runs the checks every route shares
 * (match, size caps, body collection or streaming, JSON, tokens, path
 * parameters) before a handler sees a request, so no handler repeats them.
 *
 * One thread per connection: a handler may block.  A request's life is
 *   uri_log()       the request line arrived: allocate the struct httpd_req
 *                   and keep the raw URI (MHD decodes %2F into '/' in the url
 *                   it passes on, so path segments are split from the raw one)
 *   on_request()    first call: the checks, then on_begin for streams;
 *                   calls with body bytes: collect, stream or discard;
 *                   the last call: the handler, then queue the answer
 *   on_completed()  on_abort when a stream never reached its handler, one log
 *                   line, free.
 * libmicrohttpd only lets us answer on the first call or after the whole body
 * arrived, so a body refused half-way is read and thrown away (up to
 * HTTPD_DISCARD_MAX bytes past the route's cap; beyond that the connection is
 * closed without an answer).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "common/blockid.h"
#include "common/buf.h"
#include "common/errmap.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/strnum.h"
#include "common/token.h"
#include "common/xalloc.h"

#define HTTPD_MAX_SEGMENTS	32		/* path segments of a route */
#define HTTPD_DISCARD_MAX	(16u * 1024 * 1024) /* bytes read past a cap
						 * to still answer a refusal */
#define HTTPD_STOP_GRACE_MS	3000		/* httpd_stop waits this long
						 * for requests in flight */
#define HTTPD_TLS_FILE_MAX	(1024u * 1024)	/* bytes of a PEM file */
#define HTTPD_ERRMSG_MAX	256		/* bytes of an error message */
#define HTTPD_PEER_MAX		64		/* bytes of "[ip]:port" */
#define HTTPD_ALLOW_MAX		128		/* bytes of an Allow header */
#define HTTPD_LOG_LINE_MAX	1024		/* bytes of an MHD log line */
#define HTTPD_CT_JSON		"application/json"
#define HTTPD_CT_OCTETS		"application/octet-stream"

struct pattern_seg {
	const char	*s;		/* into the route's pattern */
	size_t		 len;		/* without the braces for a param */
	int		 is_param;
};

struct pattern {
	const struct httpd_route *route;
	struct pattern_seg seg[HTTPD_MAX_SEGMENTS];
	size_t		 nseg;
};

struct httpd {
	struct MHD_Daemon *daemon;
	const struct httpd_route *routes;
	struct pattern	*pats;		/* one per route */
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

enum req_phase {
	PHASE_NEW = 0,		/* headers not looked at yet */
	PHASE_BODY,		/* accepted: collecting or streaming */
	PHASE_DISCARD,		/* refused: reading the rest to answer */
	PHASE_ANSWERED,		/* an answer is queued */
};

struct httpd_req {
	struct httpd	*h;
	struct MHD_Connection *conn;
	const struct httpd_route *route;
	enum req_phase	 phase;
	char		*raw_uri;	/* as sent, percent-encoded */
	char		*segbuf;	/* decoded path segments, NUL-separated */
	char		*seg[HTTPD_MAX_SEGMENTS];
	size_t		 nseg;
	int		 seg_bad;	/* bad percent-encoding in the path */
	const char	*method;	/* MHD's, live for the request */
	const char	*path;		/* MHD's decoded url */
	const struct pattern_seg *pname[HTTPD_MAX_PARAMS];
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
};

/* ---- responses ---------------------------------------------------------- */

void
httpd_resp_init(struct httpd_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->fd = -1;
}

/* Frees whatever resp still owns and leaves it initialized. */
static void
resp_release(struct httpd_resp *resp)
{
	size_t	 i;

	cJSON_Delete(resp->json);
	free(resp->body);
	if (resp->fd >= 0)
		close(resp->fd);
	for (i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	httpd_resp_init(resp);
}

/* Replaces resp's answer by status + an errmap body for err. */
static void
resp_fail(struct httpd_resp *resp, int status, int err, const char *msg)
{
	cJSON_Delete(resp->json);
	resp->json = errmap_body(err, msg);
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	if (resp->fd >= 0)
		close(resp->fd);
	resp->fd = -1;
	resp->status = status;
}

void
httpd_resp_error(struct httpd_resp *resp, int err, const char *fmt, ...)
{
	char	 msg[HTTPD_ERRMSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err < 0)
		err = -err;
	resp_fail(resp, errmap_status(err), err, msg);
}

void
httpd_resp_json(struct httpd_resp *resp, int status, struct cJSON *json)
{
	if (resp->json != json)
		cJSON_Delete(resp->json);
	resp->json = json;
	resp->status = status;
}

int
httpd_resp_header(struct httpd_resp *resp, const char *name,
    const char *value)
{
	if (name[0] == '\0' || strpbrk(name, ":\r\n \t") != NULL ||
	    strpbrk(value, "\r\n") != NULL)
		return -EINVAL;
	if (resp->nheaders >= HTTPD_MAX_RESP_HEADERS)
		return -E2BIG;
	resp->headers[resp->nheaders].name = xstrdup(name);
	resp->headers[resp->nheaders].value = xstrdup(value);
	resp->nheaders++;
	return 0;
}

/*
 * Turns resp into an MHD response (taking its body, json or fd) and queues
 * it.  An error answer without a body gets an errmap body, so every error is
 * JSON.  Returns MHD's verdict; resp is released either way.
 */
static enum MHD_Result
queue_resp(struct httpd_req *req, struct httpd_resp *resp, int close_after)
{
	struct MHD_Response *mr = NULL;
	const char	*ctype = NULL;
	enum MHD_Result	 rc;
	char		*text;
	size_t		 i, len;
	int		 status;

	status = resp->status != 0 ? resp->status : MHD_HTTP_OK;
	if (status >= 400 && resp->json == NULL && resp->body == NULL &&
	    resp->fd < 0) {
		const char *reason = MHD_get_reason_phrase_for(status);

		resp->json = errmap_body(errmap_from_status(status),
		    reason != NULL ? reason : "error");
	}
	if (resp->json != NULL) {
		text = json_print(resp->json);
		len = strlen(text);
		mr = MHD_create_response_from_buffer(len, text,
		    MHD_RESPMEM_MUST_FREE);
		if (mr == NULL)
			free(text);
		ctype = HTTPD_CT_JSON;
		req->out_bytes = len;
	} else if (resp->body != NULL) {
		mr = MHD_create_response_from_buffer(resp->body_len, resp->body,
		    MHD_RESPMEM_MUST_FREE);
		if (mr != NULL)
			resp->body = NULL;
		ctype = resp->content_type != NULL ? resp->content_type :
		    HTTPD_CT_OCTETS;
		req->out_bytes = resp->body_len;
	} else if (resp->fd >= 0) {
		mr = MHD_create_response_from_fd_at_offset64(resp->fd_len,
		    resp->fd, resp->fd_offset);
		if (mr != NULL)
			resp->fd = -1;
		ctype = resp->content_type != NULL ? resp->content_type :
		    HTTPD_CT_OCTETS;
		req->out_bytes = resp->fd_len;
	} else {
		static char empty[1];

		mr = MHD_create_response_from_buffer(0, empty,
		    MHD_RESPMEM_PERSISTENT);
		req->out_bytes = 0;
	}
	if (mr == NULL) {
		log_warnx("httpd: %s %s: cannot build the response",
		    req->method, req->path);
		resp_release(resp);
		return MHD_NO;
	}
	if (ctype != NULL)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
		    ctype);
	for (i = 0; i < resp->nheaders; i++)
		if (MHD_add_response_header(mr, resp->headers[i].name,
		    resp->headers[i].value) != MHD_YES)
			log_warnx("httpd: %s %s: header %s refused",
			    req->method, req->path, resp->headers[i].name);
	if (close_after)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	rc = MHD_queue_response(req->conn, (unsigned)status, mr);
	MHD_destroy_response(mr);
	resp_release(resp);
	req->status = status;
	req->phase = PHASE_ANSWERED;
	return rc;
}

/* ---- the route table ---------------------------------------------------- */

/* Splits a route's pattern; returns 0 or -EINVAL with a message. */
static int
pattern_compile(const struct httpd_route *r, struct pattern *pat, char *err,
    size_t errlen)
{
	const char	*p, *end;
	size_t		 nparams = 0;

	pat->route = r;
	pat->nseg = 0;
	if (r->pattern == NULL || r->pattern[0] != '/' || r->method == NULL ||
	    r->handler == NULL) {
		snprintf(err, errlen, "route %s %s: needs a method, a pattern "
		    "starting with '/' and a handler",
		    r->method != NULL ? r->method : "(null)",
		    r->pattern != NULL ? r->pattern : "(null)");
		return -EINVAL;
	}
	if ((r->flags & HTTPD_STREAM) &&
	    (r->on_data == NULL || r->on_abort == NULL)) {
		snprintf(err, errlen, "route %s %s: a stream needs on_data and "
		    "on_abort", r->method, r->pattern);
		return -EINVAL;
	}
	p = r->pattern + 1;
	for (;;) {
		struct pattern_seg *s;

		if (pat->nseg == HTTPD_MAX_SEGMENTS)
			goto bad;
		end = strchr(p, '/');
		if (end == NULL)
			end = p + strlen(p);
		s = &pat->seg[pat->nseg++];
		s->s = p;
		s->len = (size_t)(end - p);
		s->is_param = 0;
		if (s->len > 0 && p[0] == '{') {
			if (s->len < 3 || p[s->len - 1] != '}' ||
			    memchr(p + 1, '{', s->len - 2) != NULL ||
			    memchr(p + 1, '}', s->len - 2) != NULL)
				goto bad;
			if (++nparams > HTTPD_MAX_PARAMS)
				goto bad;
			s->s = p + 1;
			s->len -= 2;
			s->is_param = 1;
		} else if (memchr(p, '{', s->len) != NULL ||
		    memchr(p, '}', s->len) != NULL)
			goto bad;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	return 0;
bad:
	snprintf(err, errlen, "route %s %s: bad pattern (at most %d segments "
	    "and %d {params}, each a whole segment)", r->method, r->pattern,
	    HTTPD_MAX_SEGMENTS, HTTPD_MAX_PARAMS);
	return -EINVAL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Splits the raw path (up to '?') into percent-decoded segments.  A path
 * that does not start with '/' has no segments (matches nothing); bad
 * escapes and NUL bytes set seg_bad.
 */
static void
split_path(struct httpd_req *req)
{
	const char	*p;
	char		*o;
	size_t		 n;
	int		 hi, lo;

	p = req->raw_uri;
	if (p == NULL || p[0] != '/')
		return;
	n = strcspn(p, "?#");
	req->segbuf = xmalloc(n + 1);
	o = req->segbuf;
	req->seg[req->nseg++] = o;
	for (p++, n--; n > 0; p++, n--) {
		if (*p == '/') {
			*o++ = '\0';
			if (req->nseg == HTTPD_MAX_SEGMENTS) {
				/* longer than any route: matches nothing */
				req->nseg = 0;
				return;
			}
			req->seg[req->nseg++] = o;
		} else if (*p == '%') {
			if (n < 3 || (hi = hexval(p[1])) < 0 ||
			    (lo = hexval(p[2])) < 0 || (hi == 0 && lo == 0)) {
				req->seg_bad = 1;
				return;
			}
			*o++ = (char)(hi * 16 + lo);
			p += 2;
			n -= 2;
		} else
			*o++ = *p;
	}
	*o = '\0';
}

/* 1 when the decoded segments fit the pattern (params non-empty). */
static int
pattern_match(const struct pattern *pat, const struct httpd_req *req)
{
	size_t	 i;

	if (pat->nseg != req->nseg)
		return 0;
	for (i = 0; i < pat->nseg; i++) {
		const struct pattern_seg *s = &pat->seg[i];

		if (s->is_param) {
			if (req->seg[i][0] == '\0')
				return 0;
		} else if (strlen(req->seg[i]) != s->len ||
		    memcmp(req->seg[i], s->s, s->len) != 0)
			return 0;
	}
	return 1;
}

/* Adds m to the comma-separated Allow list unless it is there already. */
static void
allow_add(char *allow, size_t allowlen, const char *m)
{
	const char	*p = allow;
	size_t		 n = strlen(m), used;

	while ((p = strstr(p, m)) != NULL) {
		if ((p == allow || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ','))
			return;
		p += n;
	}
	used = strlen(allow);
	snprintf(allow + used, allowlen - used, "%s%s", used > 0 ? ", " : "",
	    m);
}

/*
 * Picks the route for method and path.  HEAD falls back to GET when no HEAD
 * route fits the path.  Returns the pattern, or NULL with *path_known set
 * when some route fits the path (405) and the methods it takes in allow.
 */
static const struct pattern *
route_find(const struct httpd *h, const struct httpd_req *req, int *path_known,
    char *allow, size_t allowlen)
{
	const struct pattern *get = NULL;
	size_t	 i;
	int	 head = strcmp(req->method, MHD_HTTP_METHOD_HEAD) == 0;

	*path_known = 0;
	allow[0] = '\0';
	for (i = 0; i < h->npats; i++) {
		const struct pattern *pat = &h->pats[i];
		const char *m = pat->route->method;

		if (!pattern_match(pat, req))
			continue;
		*path_known = 1;
		if (strcmp(m, req->method) == 0)
			return pat;
		if (head && get == NULL && strcmp(m, MHD_HTTP_METHOD_GET) == 0)
			get = pat;
		allow_add(allow, allowlen, m);
		if (strcmp(m, MHD_HTTP_METHOD_GET) == 0)
			allow_add(allow, allowlen, MHD_HTTP_METHOD_HEAD);
	}
	return get;
}

/* ---- the checks before a handler --------------------------------------- */

/*
 * Records the route's path parameters and validates them: {id} must be a
 * block id, every parameter one non-empty segment without '/' or NUL once
 * decoded.  Returns 0 or fills resp with a 400.
 */
static int
params_take(struct httpd_req *req, const struct pattern *pat)
{
	size_t	 i;

	req->nparams = 0;
	for (i = 0; i < pat->nseg; i++) {
		const struct pattern_seg *s = &pat->seg[i];
		const char *v = req->seg[i];

		if (!s->is_param)
			continue;
		if (strchr(v, '/') != NULL) {
			httpd_resp_error(&req->resp, EINVAL, "path parameter "
			    "{%.*s} must not contain '/'", (int)s->len, s->s);
			return -EINVAL;
		}
		if (s->len == 2 && memcmp(s->s, "id", 2) == 0 &&
		    !blockid_valid(v)) {
			httpd_resp_error(&req->resp, EINVAL, "bad block id "
			    "(%d lowercase hex digits expected)",
			    BLOCKID_HEX_LEN);
			return -EINVAL;
		}
		req->pname[req->nparams] = s;
		req->pval[req->nparams] = v;
		req->nparams++;
	}
	return 0;
}

/* Verifies the token in header hdr; 0 or -errno with a message. */
static int
token_in(const struct httpd_req *req, const char *hdr, const char *subject,
    unsigned need, char *msg, size_t msglen)
{
	const struct httpd *h = req->h;
	const char	*tok;
	int		 rc;

	if ((tok = httpd_header(req, hdr)) == NULL) {
		snprintf(msg, msglen, "missing %s header", hdr);
		return -ENOKEY;
	}
	rc = token_verify(h->secret, h->secret_len, tok, subject, need,
	    (int64_t)time(NULL));
	switch (rc) {
	case 0:
		break;
	case -EKEYEXPIRED:
		snprintf(msg, msglen, "%s: token expired", hdr);
		break;
	case -EINVAL:
		snprintf(msg, msglen, "%s: malformed token", hdr);
		break;
	default:
		snprintf(msg, msglen, "%s: token refused for %s", hdr,
		    subject);
		break;
	}
	return rc;
}

/*
 * Token checks, only when a secret is set.  HTTPD_AUTH: a cluster token in
 * HTTP_HDR_AUTH.  HTTPD_TOKEN_*: a block token for {id} in HTTP_HDR_TOKEN, or
 * a cluster token (in either header).  Every refusal is a 403; the code says
 * why (EACCES, or EKEYEXPIRED for an expired token).
 * Returns 0 or fills resp.
 */
static int
token_check(struct httpd_req *req)
{
	const struct httpd_route *r = req->route;
	char		 msg[HTTPD_ERRMSG_MAX];
	unsigned	 need = 0;
	int		 rc;

	if (req->h->secret == NULL)
		return 0;
	if (r->flags & HTTPD_AUTH) {
		rc = token_in(req, HTTP_HDR_AUTH, TOKEN_SUBJECT_ANY,
		    TOKEN_OP_ALL, msg, sizeof(msg));
		if (rc != 0)
			goto refuse;
	}
	if (r->flags & HTTPD_TOKEN_R)
		need |= TOKEN_OP_READ;
	if (r->flags & HTTPD_TOKEN_W)
		need |= TOKEN_OP_WRITE;
	if (r->flags & HTTPD_TOKEN_D)
		need |= TOKEN_OP_DELETE;
	if (need == 0)
		return 0;
	rc = token_in(req, HTTP_HDR_TOKEN, httpd_param(req, "id"), need, msg,
	    sizeof(msg));
	if (rc != 0 && httpd_header(req, HTTP_HDR_AUTH) != NULL) {
		char	 msg2[HTTPD_ERRMSG_MAX];

		if (token_in(req, HTTP_HDR_AUTH, TOKEN_SUBJECT_ANY,
		    TOKEN_OP_ALL, msg2, sizeof(msg2)) == 0)
			return 0;
	}
	if (rc == 0)
		return 0;
refuse:
	resp_fail(&req->resp, MHD_HTTP_FORBIDDEN,
	    rc == -EKEYEXPIRED ? EKEYEXPIRED : EACCES, msg);
	return rc;
}

/* The declared body length: bytes, -1 for chunked, -EINVAL if unreadable. */
static int64_t
declared_length(struct MHD_Connection *conn)
{
	const char	*v;
	uint64_t	 n;

	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v != NULL)
		return parse_u64(v, 0, INT64_MAX, &n) == 0 ? (int64_t)n :
		    -EINVAL;
	if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
		return -1;
	return 0;
}

static void
peer_fill(struct httpd_req *req)
{
	const union MHD_ConnectionInfo *ci;
	char	 host[NI_MAXHOST], serv[NI_MAXSERV];
	const struct sockaddr *sa;
	socklen_t salen;

	snprintf(req->peer, sizeof(req->peer), "?");
	ci = MHD_get_connection_info(req->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sa = ci->client_addr;
	salen = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	snprintf(req->peer, sizeof(req->peer),
	    sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

/* Refuses a stream that on_begin/on_data accepted: on_abort, then discard. */
static void
stream_refuse(struct httpd_req *req)
{
	if (req->begun && !req->finished) {
		req->finished = 1;
		req->route->on_abort(req);
	}
	req->phase = PHASE_DISCARD;
}

/*
 * MHD's first call: headers are in.  Runs every check that needs no body
 * (route 404/405, Content-Length 413, path parameters 400, token 403) and
 * answers at once on failure, then starts the stream or the buffer.
 */
static enum MHD_Result
first_call(struct httpd_req *req, const char *url, const char *method)
{
	const struct pattern *pat;
	const struct httpd_route *r;
	char	 allow[HTTPD_ALLOW_MAX];
	int	 path_known, early_close;

	req->method = method;
	req->path = url;
	req->content_length = declared_length(req->conn);
	peer_fill(req);
	/* An answer now leaves any body unread: close after it. */
	early_close = req->content_length != 0;
	if (req->content_length < -1) {
		httpd_resp_error(&req->resp, EINVAL, "bad Content-Length");
		return queue_resp(req, &req->resp, 1);
	}
	if (req->seg_bad) {
		httpd_resp_error(&req->resp, EINVAL,
		    "bad percent-encoding in the path");
		return queue_resp(req, &req->resp, early_close);
	}
	pat = route_find(req->h, req, &path_known, allow, sizeof(allow));
	if (pat == NULL && path_known) {
		resp_fail(&req->resp, MHD_HTTP_METHOD_NOT_ALLOWED, EOPNOTSUPP,
		    "method not allowed");
		if (httpd_resp_header(&req->resp, MHD_HTTP_HEADER_ALLOW,
		    allow) != 0)
			log_warnx("httpd: cannot add Allow: %s", allow);
		return queue_resp(req, &req->resp, early_close);
	}
	if (pat == NULL) {
		httpd_resp_error(&req->resp, ENOENT, "no such resource");
		return queue_resp(req, &req->resp, early_close);
	}
	req->route = r = pat->route;
	if (req->content_length > 0 &&
	    (uint64_t)req->content_length > r->max_body) {
		httpd_resp_error(&req->resp, EFBIG, "body of %" PRId64 " bytes "
		    "over the limit of %zu", req->content_length, r->max_body);
		return queue_resp(req, &req->resp, 1);
	}
	if (params_take(req, pat) != 0 || token_check(req) != 0)
		return queue_resp(req, &req->resp, early_close);
	req->phase = PHASE_BODY;
	if (r->flags & HTTPD_STREAM) {
		req->begun = 1;
		if (r->on_begin != NULL)
			r->on_begin(req, &req->resp);
		if (req->resp.status >= 400) {
			stream_refuse(req);
			return queue_resp(req, &req->resp, early_close);
		}
	} else
		buf_init(&req->body, r->max_body);
	return MHD_YES;
}

/* A piece of body: stream it, collect it, or (refused) drop it. */
static enum MHD_Result
body_call(struct httpd_req *req, const char *p, size_t n)
{
	const struct httpd_route *r = req->route;
	int	 rc;

	if (req->phase == PHASE_DISCARD) {
		req->received += n;
		if (req->received > r->max_body &&
		    req->received - r->max_body > HTTPD_DISCARD_MAX) {
			log_info("httpd: %s %s from %s: body still coming "
			    "after a refusal, closing", req->method, req->path,
			    req->peer);
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (n > r->max_body - req->received) {
		/* Only a chunked body gets here: Content-Length was checked. */
		req->received += n;
		buf_release(&req->body);
		httpd_resp_error(&req->resp, EFBIG, "body over the limit of "
		    "%zu bytes", r->max_body);
		stream_refuse(req);
		return MHD_YES;
	}
	req->received += n;
	if (r->flags & HTTPD_STREAM) {
		r->on_data(req, p, n, &req->resp);
		if (req->resp.status >= 400)
			stream_refuse(req);
		return MHD_YES;
	}
	if ((rc = buf_append(&req->body, p, n)) != 0) {
		httpd_resp_error(&req->resp, -rc, "cannot keep the body: %s",
		    strerror(-rc));
		req->phase = PHASE_DISCARD;
	}
	return MHD_YES;
}

/* The whole body is in: parse it if asked, run the handler, answer. */
static enum MHD_Result
final_call(struct httpd_req *req)
{
	const struct httpd_route *r = req->route;
	char	 msg[HTTPD_ERRMSG_MAX];

	if (req->phase == PHASE_DISCARD)
		return queue_resp(req, &req->resp, 0);
	if (r->flags & HTTPD_JSON) {
		if (req->body.len == 0) {
			httpd_resp_error(&req->resp, EBADMSG,
			    "a JSON body is required");
			return queue_resp(req, &req->resp, 0);
		}
		req->json = json_parse(req->body.data, req->body.len, msg,
		    sizeof(msg));
		if (req->json == NULL) {
			httpd_resp_error(&req->resp, EBADMSG,
			    "malformed JSON: %s", msg);
			return queue_resp(req, &req->resp, 0);
		}
	}
	req->finished = 1;
	r->handler(req, &req->resp);
	return queue_resp(req, &req->resp, 0);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct httpd_req *req = *con_cls;
	size_t	 n;

	/* uri_log() made the request; without it we know nothing. */
	if (req == NULL)
		return MHD_NO;
	req->conn = conn;
	if (req->phase == PHASE_NEW)
		return first_call(req, url, method);
	if (req->phase == PHASE_ANSWERED) {
		/* answered early: MHD drops the rest itself */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		n = *upload_data_size;
		*upload_data_size = 0;
		return body_call(req, upload_data, n);
	}
	return final_call(req);
}

/* The request line arrived: the request's state starts here. */
static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct httpd	*h = cls;
	struct httpd_req *req;

	req = xcalloc(1, sizeof(*req));
	req->h = h;
	req->conn = conn;
	req->raw_uri = xstrdup(uri);
	buf_init(&req->body, 0);
	httpd_resp_init(&req->resp);
	clock_gettime(CLOCK_MONOTONIC, &req->t0);
	split_path(req);
	pthread_mutex_lock(&h->lock);
	h->inflight++;
	pthread_mutex_unlock(&h->lock);
	return req;
}

static const char *
toe_name(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return "completed";
	case MHD_REQUEST_TERMINATED_WITH_ERROR:
		return "error";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "shutdown";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return "read error";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return "client went away";
	}
	return "unknown";
}

/* The request is over, answered or not: abort a pending stream, log, free. */
static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct httpd	*h = cls;
	struct httpd_req *req = *con_cls;
	struct timespec	 t1;
	long long	 ms;
	const char	*m, *p;
	int		 pl;

	if (req == NULL)
		return;
	*con_cls = NULL;
	if (req->begun && !req->finished) {
		req->finished = 1;
		req->route->on_abort(req);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (long long)(t1.tv_sec - req->t0.tv_sec) * 1000 +
	    (t1.tv_nsec - req->t0.tv_nsec) / 1000000;
	m = req->method != NULL ? req->method : "-";
	/* The path as sent (still encoded), without the query. */
	p = req->raw_uri;
	pl = (int)strcspn(p, "?");
	if (req->status == 0)
		log_info("httpd: %s %s %.*s no answer (%s) in=%" PRIu64
		    " %lldms", req->peer, m, pl, p, toe_name(toe),
		    req->received, ms);
	else if (req->status >= 400 ||
	    toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_info("httpd: %s %s %.*s %d in=%" PRIu64 " out=%" PRIu64
		    " %lldms%s%s", req->peer, m, pl, p, req->status,
		    req->received,
		    req->out_bytes, ms,
		    toe != MHD_REQUEST_TERMINATED_COMPLETED_OK ? " " : "",
		    toe != MHD_REQUEST_TERMINATED_COMPLETED_OK ?
		    toe_name(toe) : "");
	else
		log_debug("httpd: %s %s %.*s %d in=%" PRIu64 " out=%" PRIu64
		    " %lldms", req->peer, m, pl, p, req->status, req->received,
		    req->out_bytes, ms);
	resp_release(&req->resp);
	buf_release(&req->body);
	cJSON_Delete(req->json);
	free(req->segbuf);
	free(req->raw_uri);
	free(req);
	pthread_mutex_lock(&h->lock);
	if (--h->inflight == 0)
		pthread_cond_broadcast(&h->drained);
	pthread_mutex_unlock(&h->lock);
}

/* libmicrohttpd's own messages, one warning line each. */
__attribute__((format(printf, 2, 0)))
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	 line[HTTPD_LOG_LINE_MAX];
	size_t	 n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warnx("httpd: libmicrohttpd: %s", line);
}

/* ---- request accessors -------------------------------------------------- */

void *
httpd_arg(const struct httpd_req *req)
{
	return req->h->arg;
}

const char *
httpd_method(const struct httpd_req *req)
{
	return req->method;
}

const char *
httpd_path(const struct httpd_req *req)
{
	return req->path;
}

const char *
httpd_param(const struct httpd_req *req, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < req->nparams; i++)
		if (req->pname[i]->len == n &&
		    memcmp(req->pname[i]->s, name, n) == 0)
			return req->pval[i];
	return NULL;
}

const char *
httpd_header(const struct httpd_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
httpd_query(const struct httpd_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

const struct cJSON *
httpd_json(const struct httpd_req *req)
{
	return req->json;
}

const char *
httpd_body(const struct httpd_req *req, size_t *len)
{
	if (req->route != NULL && (req->route->flags & HTTPD_STREAM)) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = req->body.len;
	return req->body.data != NULL ? req->body.data : "";
}

int64_t
httpd_content_length(const struct httpd_req *req)
{
	return req->content_length;
}

const char *
httpd_peer(const struct httpd_req *req)
{
	return req->peer;
}

void *
httpd_state(const struct httpd_req *req)
{
	return req->state;
}

void
httpd_set_state(struct httpd_req *req, void *state)
{
	req->state = state;
}

/* ---- start and stop ----------------------------------------------------- */

/* Reads a PEM file into a NUL-terminated string; 0 or -errno + err. */
static int
read_pem(const char *what, const char *path, char **out, char *err,
    size_t errlen)
{
	struct buf	 b = BUF_INIT(HTTPD_TLS_FILE_MAX);
	char		 chunk[4096];
	ssize_t		 n;
	int		 fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = -errno;
		snprintf(err, errlen, "tls %s %s: %s", what, path,
		    strerror(-rc));
		return rc;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if ((rc = buf_append(&b, chunk, (size_t)n)) != 0)
			break;
	}
	close(fd);
	if (rc == 0 && b.len == 0)
		rc = -ENODATA;
	if (rc != 0) {
		buf_release(&b);
		snprintf(err, errlen, "tls %s %s: %s", what, path,
		    rc == -ENODATA ? "empty file" : rc == -EFBIG ?
		    "file too large" : strerror(-rc));
		return rc;
	}
	*out = buf_detach(&b, NULL);
	return 0;
}

/* "host:port", "[v6]:port", ":port" or "*:port" into a socket address. */
static int
parse_listen(const char *listen, struct sockaddr_storage *ss, int *v6,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 host[MDFS_ADDR_MAX], port[8];
	const char	*colon, *hp;
	uint64_t	 pn;
	size_t		 hl;
	int		 rc;

	if (listen == NULL || (colon = strrchr(listen, ':')) == NULL) {
		snprintf(err, errlen, "listen address %s: host:port expected",
		    listen != NULL ? listen : "(none)");
		return -EINVAL;
	}
	hl = (size_t)(colon - listen);
	if (hl >= sizeof(host)) {
		snprintf(err, errlen, "listen address %s: host too long",
		    listen);
		return -EINVAL;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	hp = host;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		hp = host + 1;
	}
	if (parse_u64(colon + 1, 0, 65535, &pn) != 0) {
		snprintf(err, errlen, "listen address %s: bad port", listen);
		return -EINVAL;
	}
	snprintf(port, sizeof(port), "%u", (unsigned)pn);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (hp[0] == '\0' || strcmp(hp, "*") == 0) {
		hp = NULL;
		hints.ai_family = AF_INET;
	}
	if ((rc = getaddrinfo(hp, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "listen address %s: %s", listen,
		    gai_strerror(rc));
		return -EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
}

static void
httpd_free(struct httpd *h)
{
	free(h->pats);
	free(h->secret);
	free(h->tls_cert);
	free(h->tls_key);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->drained);
	free(h);
}

/*
 * Starts serving.  Route tables are checked here (patterns, streams with
 * on_data and on_abort, token routes with an {id}), so a bad table fails at
 * start-up with a message rather than on the first request.
 */
struct httpd *
httpd_start(const struct httpd_options *o, char *err, size_t errlen)
{
	struct MHD_OptionItem opts[16];
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	struct httpd	*h;
	unsigned	 flags;
	uint16_t	 port;
	size_t		 i, n, no = 0;
	int		 v6;

	if (o->routes == NULL) {
		snprintf(err, errlen, "no route table");
		return NULL;
	}
	if ((o->tls_cert_file == NULL) != (o->tls_key_file == NULL)) {
		snprintf(err, errlen, "tls needs both a certificate and a key");
		return NULL;
	}
	if (o->secret != NULL && o->secret_len == 0) {
		snprintf(err, errlen, "empty cluster secret");
		return NULL;
	}
	if (parse_listen(o->listen, &ss, &v6, err, errlen) != 0)
		return NULL;
	port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);

	h = xcalloc(1, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->drained, NULL);
	h->routes = o->routes;
	h->arg = o->arg;
	for (n = 0; o->routes[n].method != NULL; n++)
		;
	h->npats = n;
	h->pats = xcalloc(n > 0 ? n : 1, sizeof(*h->pats));
	for (i = 0; i < n; i++) {
		const struct httpd_route *r = &o->routes[i];

		if (pattern_compile(r, &h->pats[i], err, errlen) != 0)
			goto fail;
		if ((r->flags & HTTPD_STREAM) && (r->flags & HTTPD_JSON)) {
			snprintf(err, errlen, "route %s %s: a stream cannot be "
			    "parsed as JSON", r->method, r->pattern);
			goto fail;
		}
		if ((r->flags & (HTTPD_TOKEN_R | HTTPD_TOKEN_W |
		    HTTPD_TOKEN_D)) && strstr(r->pattern, "{id}") == NULL) {
			snprintf(err, errlen, "route %s %s: a block token "
			    "route needs an {id}", r->method, r->pattern);
			goto fail;
		}
	}
	if (o->secret != NULL) {
		h->secret = xmalloc(o->secret_len);
		memcpy(h->secret, o->secret, o->secret_len);
		h->secret_len = o->secret_len;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert_file != NULL) {
		if (read_pem("certificate", o->tls_cert_file, &h->tls_cert,
		    err, errlen) != 0 || read_pem("key", o->tls_key_file,
		    &h->tls_key, err, errlen) != 0)
			goto fail;
		flags |= MHD_USE_TLS;
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert };
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key };
	}
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK,
	    (intptr_t)uri_log, h };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
	    (intptr_t)on_completed, h };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
	    o->max_connections != 0 ? o->max_connections :
	    HTTPD_DEFAULT_MAX_CONN, NULL };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
	    o->timeout_s != 0 ? o->timeout_s : HTTPD_DEFAULT_TIMEOUT_S, NULL };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &ss };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	errno = 0;
	/* The logger goes first so that MHD logs nothing on its own. */
	h->daemon = MHD_start_daemon(flags, port, NULL, NULL, on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (h->daemon == NULL) {
		snprintf(err, errlen, "cannot serve on %s%s%s", o->listen,
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		goto fail;
	}
	di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di != NULL ? di->port : 0;
	log_info("httpd: serving %zu routes on %s (port %u%s)", n, o->listen,
	    h->port, h->tls_cert != NULL ? ", tls" : "");
	return h;
fail:
	httpd_free(h);
	return NULL;
}

unsigned
httpd_port(const struct httpd *h)
{
	return h->port;
}

/*
 * Stops accepting at once, gives the requests in flight up to
 * HTTPD_STOP_GRACE_MS to finish, then stops the daemon, which closes every
 * connection and joins every connection thread (so no handler runs after
 * this returns; unfinished streams get on_abort).
 */
void
httpd_stop(struct httpd *h)
{
	struct timespec	 deadline;
	MHD_socket	 s;

	if (h == NULL)
		return;
	s = MHD_quiesce_daemon(h->daemon);
	if (s != MHD_INVALID_SOCKET)
		close(s);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += HTTPD_STOP_GRACE_MS / 1000;
	deadline.tv_nsec += (HTTPD_STOP_GRACE_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->lock);
	while (h->inflight > 0)
		if (pthread_cond_timedwait(&h->drained, &h->lock,
		    &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&h->lock);
	MHD_stop_daemon(h->daemon);
	httpd_free(h);
}
