/*
 * httpd_route: the route table side of httpd.  It checks a server's table
 * once at start (patterns, stream callbacks, token routes with an {id}),
 * splits each request's raw path into percent-decoded segments, picks the
 * route for method and path (HEAD falling back to GET; 404 or 405 with an
 * Allow list), validates path parameters ({id} must be a block id) and
 * checks tokens (403), and holds the accessors through which a handler
 * reads its request.  The request pipeline that calls it (MHD callbacks,
 * bodies, responses, start and stop) is httpd.c; the structs they share are
 * in httpd_impl.h.  Everything here runs on the request's connection thread
 * and touches only that request and the read-only route table.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "common/blockid.h"
#include "common/httpd.h"
#include "common/httpd_impl.h"
#include "common/protocol.h"
#include "common/token.h"
#include "common/xalloc.h"

/* ---- the route table ---------------------------------------------------- */

/* Splits a route's pattern; returns 0 or -EINVAL with a message. */
static int
pattern_compile(const struct httpd_route *r, struct httpd_pattern *pat,
    char *err, size_t errlen)
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
		struct httpd_pattern_seg *s;

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

/*
 * Compiles the table into h->pats.  Route tables are checked here
 * (patterns, streams with on_data and on_abort, token routes with an {id}),
 * so a bad table fails at start-up with a message rather than on the first
 * request.
 */
int
httpd_routes_compile(struct httpd *h, const struct httpd_route *routes,
    char *err, size_t errlen)
{
	size_t	 i, n;

	for (n = 0; routes[n].method != NULL; n++)
		;
	h->npats = n;
	h->pats = xcalloc(n > 0 ? n : 1, sizeof(*h->pats));
	for (i = 0; i < n; i++) {
		const struct httpd_route *r = &routes[i];

		if (pattern_compile(r, &h->pats[i], err, errlen) != 0)
			return -EINVAL;
		if ((r->flags & HTTPD_STREAM) && (r->flags & HTTPD_JSON)) {
			snprintf(err, errlen, "route %s %s: a stream cannot be "
			    "parsed as JSON", r->method, r->pattern);
			return -EINVAL;
		}
		if ((r->flags & (HTTPD_TOKEN_R | HTTPD_TOKEN_W |
		    HTTPD_TOKEN_D)) && strstr(r->pattern, "{id}") == NULL) {
			snprintf(err, errlen, "route %s %s: a block token "
			    "route needs an {id}", r->method, r->pattern);
			return -EINVAL;
		}
	}
	return 0;
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
void
httpd_split_path(struct httpd_req *req)
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
pattern_match(const struct httpd_pattern *pat, const struct httpd_req *req)
{
	size_t	 i;

	if (pat->nseg != req->nseg)
		return 0;
	for (i = 0; i < pat->nseg; i++) {
		const struct httpd_pattern_seg *s = &pat->seg[i];

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
const struct httpd_pattern *
httpd_route_find(const struct httpd *h, const struct httpd_req *req,
    int *path_known, char *allow, size_t allowlen)
{
	const struct httpd_pattern *get = NULL;
	size_t	 i;
	int	 head = strcmp(req->method, MHD_HTTP_METHOD_HEAD) == 0;

	*path_known = 0;
	allow[0] = '\0';
	for (i = 0; i < h->npats; i++) {
		const struct httpd_pattern *pat = &h->pats[i];
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
int
httpd_params_take(struct httpd_req *req, const struct httpd_pattern *pat)
{
	size_t	 i;

	req->nparams = 0;
	for (i = 0; i < pat->nseg; i++) {
		const struct httpd_pattern_seg *s = &pat->seg[i];
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
int
httpd_token_check(struct httpd_req *req)
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
	httpd_resp_fail(&req->resp, MHD_HTTP_FORBIDDEN,
	    rc == -EKEYEXPIRED ? EKEYEXPIRED : EACCES, msg);
	return rc;
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

/* The first value of name in a synthetic list (case-insensitive, as MHD). */
static const char *
synth_lookup(const char *const *kv, const char *name)
{
	size_t	 i;

	if (kv == NULL)
		return NULL;
	for (i = 0; kv[i] != NULL && kv[i + 1] != NULL; i += 2)
		if (strcasecmp(kv[i], name) == 0)
			return kv[i + 1];
	return NULL;
}

const char *
httpd_header(const struct httpd_req *req, const char *name)
{
	if (req->conn == NULL)
		return synth_lookup(req->synth_headers, name);
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
httpd_query(const struct httpd_req *req, const char *name)
{
	if (req->conn == NULL)
		return synth_lookup(req->synth_query, name);
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
