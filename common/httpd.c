/*
 * httpd: every minidfs server's HTTP front, over libmicrohttpd 0.9.75.  It
 * owns the daemon and runs the checks every route shares (match, size caps,
 * body collection or streaming, JSON, tokens, path parameters) before a
 * handler sees a request, so no handler repeats them.  This file is the
 * request pipeline: the MHD callbacks, body collection and streams,
 * queueing the answers, start and stop.  Building answers (struct
 * httpd_resp) is httpd_resp.c.  The route table (its checks at start, matching,
 * percent-decoding, path parameters, tokens) and the request accessors are in
 * httpd_route.c; the structs both use are in httpd_impl.h.
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
 * closed without an answer).  So is a body refused from the headers alone,
 * unless the client waits for "100 Continue" (refuse_now()).
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
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "common/buf.h"
#include "common/errmap.h"
#include "common/httpd.h"
#include "common/httpd_impl.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/strnum.h"
#include "common/xalloc.h"

#define HTTPD_DISCARD_MAX	(16u * 1024 * 1024) /* bytes read past a cap
						 * to still answer a refusal */
#define HTTPD_STOP_GRACE_MS	3000		/* httpd_stop waits this long
						 * for requests in flight */
#define HTTPD_TLS_FILE_MAX	(1024u * 1024)	/* bytes of a PEM file */
#define HTTPD_LOG_LINE_MAX	1024		/* bytes of an MHD log line */
#define HTTPD_CT_JSON		"application/json"
#define HTTPD_CT_OCTETS		"application/octet-stream"

/* ---- queueing an answer ----------------------------------------------- */

/*
 * Turns resp into an MHD response (taking its body, json or fd) and queues
 * it.  Returns MHD's verdict; resp is released either way.
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

	status = httpd_resp_settle(resp);
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
		httpd_resp_release(resp);
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
	httpd_resp_release(resp);
	req->status = status;
	req->phase = HTTPD_PHASE_ANSWERED;
	return rc;
}

/* ---- the request pipeline ----------------------------------------------- */

/* The declared body length: bytes, -1 for chunked, -EINVAL if unreadable. */
static int64_t
declared_length(const struct httpd_req *req)
{
	const char	*v;
	uint64_t	 n;

	v = httpd_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v != NULL)
		return parse_u64(v, 0, INT64_MAX, &n) == 0 ? (int64_t)n :
		    -EINVAL;
	if (httpd_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
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
	if (req->conn == NULL)
		return;
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
	req->phase = HTTPD_PHASE_DISCARD;
}

/*
 * The headers are in.  Runs every check that needs no body (route 404/405,
 * Content-Length 413, path parameters 400, token 403), then starts the
 * stream or the buffer.  Returns 0 (accepted) or 1 with the answer in
 * req->resp, *close_after set when the connection must close after it.
 */
int
httpd_req_begin(struct httpd_req *req, const char *url, const char *method,
    int *close_after)
{
	const struct httpd_pattern *pat;
	const struct httpd_route *r;
	char	 allow[HTTPD_ALLOW_MAX];
	int	 path_known;

	req->method = method;
	req->path = url;
	req->content_length = declared_length(req);
	peer_fill(req);
	/* An answer now leaves any body unread: close after it. */
	*close_after = req->content_length != 0;
	if (req->content_length < -1) {
		httpd_resp_error(&req->resp, EINVAL, "bad Content-Length");
		*close_after = 1;
		return 1;
	}
	if (req->seg_bad) {
		httpd_resp_error(&req->resp, EINVAL,
		    "bad percent-encoding in the path");
		return 1;
	}
	pat = httpd_route_find(req->h, req, &path_known, allow, sizeof(allow));
	if (pat == NULL && path_known) {
		httpd_resp_fail(&req->resp, MHD_HTTP_METHOD_NOT_ALLOWED,
		    EOPNOTSUPP, "method not allowed");
		if (httpd_resp_header(&req->resp, MHD_HTTP_HEADER_ALLOW,
		    allow) != 0)
			log_warnx("httpd: cannot add Allow: %s", allow);
		return 1;
	}
	if (pat == NULL) {
		httpd_resp_error(&req->resp, ENOENT, "no such resource");
		return 1;
	}
	req->route = r = pat->route;
	if (req->content_length > 0 &&
	    (uint64_t)req->content_length > r->max_body) {
		httpd_resp_error(&req->resp, EFBIG, "body of %" PRId64 " bytes "
		    "over the limit of %zu", req->content_length, r->max_body);
		*close_after = 1;
		return 1;
	}
	if (httpd_params_take(req, pat) != 0 || httpd_token_check(req) != 0)
		return 1;
	req->phase = HTTPD_PHASE_BODY;
	if (r->flags & HTTPD_STREAM) {
		req->begun = 1;
		if (r->on_begin != NULL)
			r->on_begin(req, &req->resp);
		if (req->resp.status >= 400) {
			stream_refuse(req);
			return 1;
		}
	} else
		buf_init(&req->body, r->max_body);
	return 0;
}

/* The most body bytes read and dropped to still answer a refusal. */
static uint64_t
discard_cap(const struct httpd_req *req)
{
	return (req->route != NULL ? req->route->max_body : 0) +
	    (uint64_t)HTTPD_DISCARD_MAX;
}

/*
 * A refusal decided from the headers: answer now, or read the body first?
 * Answering while the client is still sending makes the close that follows
 * reset the connection, and the client may lose the answer with it; so a
 * body that will come (no "Expect: 100-continue" holding it back) and is
 * small enough is read and dropped, and the answer follows it on a
 * connection that stays open.  Returns 1 to answer now.
 */
static int
refuse_now(struct httpd_req *req)
{
	const char *expect;

	if (req->content_length == 0 || req->content_length < -1)
		return 1;
	expect = httpd_header(req, MHD_HTTP_HEADER_EXPECT);
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0)
		return 1;
	if (req->content_length > 0 &&
	    (uint64_t)req->content_length > discard_cap(req))
		return 1;
	req->phase = HTTPD_PHASE_DISCARD;
	return 0;
}

/* A piece of body: stream it, collect it, or (refused) drop it.  Returns 0,
 * or -1 when the connection should be closed without an answer. */
int
httpd_req_body(struct httpd_req *req, const char *p, size_t n)
{
	const struct httpd_route *r = req->route;
	int	 rc;

	if (req->phase == HTTPD_PHASE_DISCARD) {
		req->received += n;
		if (req->received > discard_cap(req)) {
			log_info("httpd: %s %s from %s: body still coming "
			    "after a refusal, closing", req->method, req->path,
			    req->peer);
			return -1;
		}
		return 0;
	}
	if (n > r->max_body - req->received) {
		/* Only a chunked body gets here: Content-Length was checked. */
		req->received += n;
		buf_release(&req->body);
		httpd_resp_error(&req->resp, EFBIG, "body over the limit of "
		    "%zu bytes", r->max_body);
		stream_refuse(req);
		return 0;
	}
	req->received += n;
	if (r->flags & HTTPD_STREAM) {
		r->on_data(req, p, n, &req->resp);
		if (req->resp.status >= 400)
			stream_refuse(req);
		return 0;
	}
	if ((rc = buf_append(&req->body, p, n)) != 0) {
		httpd_resp_error(&req->resp, -rc, "cannot keep the body: %s",
		    strerror(-rc));
		req->phase = HTTPD_PHASE_DISCARD;
	}
	return 0;
}

/* The whole body is in: parse it if asked, run the handler.  The answer is
 * in req->resp. */
void
httpd_req_end(struct httpd_req *req)
{
	const struct httpd_route *r = req->route;
	char	 msg[HTTPD_ERRMSG_MAX];

	if (req->phase == HTTPD_PHASE_DISCARD)
		return;
	if (r->flags & HTTPD_JSON) {
		if (req->body.len == 0) {
			httpd_resp_error(&req->resp, EBADMSG,
			    "a JSON body is required");
			return;
		}
		req->json = json_parse(req->body.data, req->body.len, msg,
		    sizeof(msg));
		if (req->json == NULL) {
			httpd_resp_error(&req->resp, EBADMSG,
			    "malformed JSON: %s", msg);
			return;
		}
	}
	req->finished = 1;
	r->handler(req, &req->resp);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct httpd_req *req = *con_cls;
	size_t	 n;
	int	 close_after;

	/* uri_log() made the request; without it we know nothing. */
	if (req == NULL)
		return MHD_NO;
	req->conn = conn;
	if (req->phase == HTTPD_PHASE_NEW) {
		if (httpd_req_begin(req, url, method, &close_after) != 0 &&
		    refuse_now(req))
			return queue_resp(req, &req->resp, close_after);
		return MHD_YES;
	}
	if (req->phase == HTTPD_PHASE_ANSWERED) {
		/* answered early: MHD drops the rest itself */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		n = *upload_data_size;
		*upload_data_size = 0;
		return httpd_req_body(req, upload_data, n) == 0 ? MHD_YES :
		    MHD_NO;
	}
	httpd_req_end(req);
	return queue_resp(req, &req->resp, 0);
}

/* A request's state, from its request line on. */
struct httpd_req *
httpd_req_new(struct httpd *h, struct MHD_Connection *conn, const char *uri)
{
	struct httpd_req *req;

	req = xcalloc(1, sizeof(*req));
	req->h = h;
	req->conn = conn;
	req->raw_uri = xstrdup(uri);
	buf_init(&req->body, 0);
	httpd_resp_init(&req->resp);
	clock_gettime(CLOCK_MONOTONIC, &req->t0);
	httpd_split_path(req);
	pthread_mutex_lock(&h->lock);
	h->inflight++;
	pthread_mutex_unlock(&h->lock);
	return req;
}

/* The request line arrived: the request's state starts here. */
static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	return httpd_req_new(cls, conn, uri);
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

/*
 * The request is over, answered or not (completed: it ended normally, else
 * how says why): abort a pending stream, log, free.
 */
void
httpd_req_done(struct httpd_req *req, int completed, const char *how)
{
	struct httpd	*h = req->h;
	struct timespec	 t1;
	long long	 ms;
	const char	*m, *p;
	int		 pl;

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
		    " %lldms", req->peer, m, pl, p, how,
		    req->received, ms);
	else if ((req->status >= 400 && req->status != 404) || !completed)
		/* a 404 is an everyday answer (every create's lookup): debug */
		log_info("httpd: %s %s %.*s %d in=%" PRIu64 " out=%" PRIu64
		    " %lldms%s%s", req->peer, m, pl, p, req->status,
		    req->received,
		    req->out_bytes, ms,
		    !completed ? " " : "",
		    !completed ? how : "");
	else
		log_debug("httpd: %s %s %.*s %d in=%" PRIu64 " out=%" PRIu64
		    " %lldms", req->peer, m, pl, p, req->status, req->received,
		    req->out_bytes, ms);
	httpd_resp_release(&req->resp);
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

/* MHD's end of a request. */
static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct httpd_req *req = *con_cls;

	if (req == NULL)
		return;
	*con_cls = NULL;
	httpd_req_done(req, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK,
	    toe_name(toe));
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

/* Frees a server made by httpd_new (its daemon stopped or never started). */
void
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
 * A server without a daemon: the route table compiled and checked, the
 * secret copied (o->listen and TLS are not looked at).  NULL with a message
 * in err.
 */
struct httpd *
httpd_new(const struct httpd_options *o, char *err, size_t errlen)
{
	struct httpd	*h;

	if (o->routes == NULL) {
		snprintf(err, errlen, "no route table");
		return NULL;
	}
	if (o->secret != NULL && o->secret_len == 0) {
		snprintf(err, errlen, "empty cluster secret");
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->drained, NULL);
	h->routes = o->routes;
	h->arg = o->arg;
	if (httpd_routes_compile(h, o->routes, err, errlen) != 0) {
		httpd_free(h);
		return NULL;
	}
	if (o->secret != NULL) {
		h->secret = xmalloc(o->secret_len);
		memcpy(h->secret, o->secret, o->secret_len);
		h->secret_len = o->secret_len;
	}
	return h;
}

/*
 * Starts serving.  Route tables are checked here (httpd_routes_compile), so
 * a bad table fails at start-up with a message rather than on the first
 * request.
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
	size_t		 no = 0;
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

	if ((h = httpd_new(o, err, errlen)) == NULL)
		return NULL;
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
	if (o->conn_memory != 0) {
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		    (intptr_t)o->conn_memory, NULL };
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_CONNECTION_MEMORY_INCREMENT,
		    (intptr_t)(o->conn_memory / 4), NULL };
	}
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &ss };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	/*
	 * libmicrohttpd leaves SIGPIPE to the application.  0.9.75 on Linux
	 * does not avoid it with MSG_NOSIGNAL alone: sendfile(), which it uses
	 * for fd responses, takes no flags, so it blocks SIGPIPE in the threads
	 * it starts instead (MHD_FEATURE_AUTOSUPPRESS_SIGPIPE, and
	 * MHD_OPTION_SIGPIPE_HANDLED_BY_APP in microhttpd.h).  A peer that goes
	 * away must never kill a server, whichever thread writes, so SIGPIPE is
	 * ignored process-wide, once the options are known to be good.
	 */
	signal(SIGPIPE, SIG_IGN);
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
	log_info("httpd: serving %zu routes on %s (port %u%s)", h->npats,
	    o->listen,
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
