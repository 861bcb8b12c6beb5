/*
 * httpc: the HTTP client every program uses, over libcurl's easy interface.
 * One struct httpc owns one CURL handle, reset (not recreated) between calls
 * so that its connection cache survives; httpc_do() turns one struct
 * httpc_req into one transfer and libcurl's outcome into a negative errno;
 * httpc_json() adds JSON bodies and errmap decoding on top; httpc_pool hands
 * clients to threads.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "common/buf.h"
#include "common/errmap.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"

#define HTTPC_HDR_LINE_MAX	8192	/* bytes of one request header line */

struct httpc {
	CURL			*curl;
	struct httpc_options	 opts;
	char			*ca_file;	/* owned copy of opts.ca_file */
};

struct httpc_pool {
	pthread_mutex_t		 lock;
	struct httpc_options	 opts;
	char			*ca_file;	/* owned copy of opts.ca_file */
	struct httpc		**idle;		/* protected by lock */
	size_t			 nidle;		/* protected by lock */
	size_t			 max_idle;
};

/* The state of one httpc_do() call, shared with libcurl's callbacks. */
struct xfer {
	CURL		*curl;
	struct httpc_req *req;
	long		 status;	/* of the last answer (not 1xx) */
	int		 in_interim;	/* skipping a 1xx answer's headers */
	int		 err;		/* why a callback aborted, -errno */
	char		 why[128];	/* and its words */
};

void
httpc_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
}

struct httpc *
httpc_new(const struct httpc_options *opts)
{
	struct httpc	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (opts != NULL)
		c->opts = *opts;
	if (c->opts.ca_file != NULL) {
		if ((c->ca_file = strdup(c->opts.ca_file)) == NULL) {
			free(c);
			return NULL;
		}
		c->opts.ca_file = c->ca_file;
	}
	if ((c->curl = curl_easy_init()) == NULL) {
		free(c->ca_file);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void
httpc_free(struct httpc *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c->ca_file);
	free(c);
}

int
httpc_req_header(struct httpc_req *req, const char *name, const char *value)
{
	if (req->nheaders >= HTTPC_MAX_HEADERS)
		return -E2BIG;
	req->headers[req->nheaders].name = name;
	req->headers[req->nheaders].value = value;
	req->nheaders++;
	return 0;
}

static void
xfer_fail(struct xfer *x, int err, const char *why)
{
	if (x->err != 0)
		return;
	x->err = err;
	snprintf(x->why, sizeof(x->why), "%s", why);
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer	*x = arg;
	struct httpc_req *req = x->req;
	size_t		 n = size * nmemb;
	long		 status = 0;
	int		 rc;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300 && req->write_cb != NULL) {
		if ((rc = req->write_cb(p, n, req->write_arg)) != 0) {
			xfer_fail(x, -ECANCELED, "write callback aborted");
			return 0;
		}
		return n;
	}
	if (req->resp == NULL)
		return n;
	if ((rc = buf_append(req->resp, p, n)) != 0) {
		xfer_fail(x, rc, rc == -EFBIG ?
		    "response body over its cap" : "out of memory");
		return 0;
	}
	return n;
}

static size_t
read_cb(char *dst, size_t size, size_t nitems, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n;

	n = x->req->read_cb(dst, size * nitems, x->req->read_arg);
	if (n == HTTPC_READ_ABORT) {
		xfer_fail(x, -ECANCELED, "read callback aborted");
		return CURL_READFUNC_ABORT;
	}
	if (n > size * nitems) {
		xfer_fail(x, -ECANCELED, "read callback overran its buffer");
		return CURL_READFUNC_ABORT;
	}
	return n;
}

static int
xferinfo_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer	*x = arg;

	if (x->req->abort_cb != NULL && x->req->abort_cb(x->req->abort_arg)) {
		xfer_fail(x, -ECANCELED, "aborted by the caller");
		return 1;
	}
	return 0;
}

/* Each header line of the answer; hands name and trimmed value on. */
static size_t
header_cb(char *p, size_t size, size_t nitems, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = size * nitems, nlen;
	char		 line[HTTPC_HDR_LINE_MAX];
	char		*colon, *v, *end;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a status line: "HTTP/1.1 200 OK" */
		const char *sp = memchr(p, ' ', n);

		x->status = 0;
		if (sp != NULL && (size_t)(sp - p) + 4 <= n &&
		    sp[1] >= '1' && sp[1] <= '5')
			x->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 +
			    (sp[3] - '0');
		x->in_interim = x->status >= 100 && x->status < 200;
		return n;
	}
	if (x->in_interim || x->req->header_cb == NULL)
		return n;
	if (n >= sizeof(line))
		return n;	/* longer than any header we care about */
	memcpy(line, p, n);
	line[n] = '\0';
	if ((colon = strchr(line, ':')) == NULL)
		return n;	/* the blank line, or a folded continuation */
	*colon = '\0';
	nlen = strlen(line);
	while (nlen > 0 && (line[nlen - 1] == ' ' || line[nlen - 1] == '\t'))
		line[--nlen] = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	x->req->header_cb(line, v, x->req->header_arg);
	return n;
}

/* The errno for a failed transfer, from curl's code and the socket's. */
static int
map_curl_error(CURL *curl, CURLcode rc)
{
	long	 oserr = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == EHOSTUNREACH || oserr == ENETUNREACH)
			return -EHOSTUNREACH;
		if (oserr == ETIMEDOUT)
			return -ETIMEDOUT;
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_WRITE_ERROR:
	case CURLE_READ_ERROR:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

static int
has_header(const struct httpc_req *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return 1;
	return 0;
}

/* Appends "name: value" to *list; "name;" sends an empty value. */
static int
add_header(struct curl_slist **list, const char *name, const char *value)
{
	char			 line[HTTPC_HDR_LINE_MAX];
	struct curl_slist	*l;
	int			 n;

	if (value == NULL || *value == '\0')
		n = snprintf(line, sizeof(line), "%s;", name);
	else
		n = snprintf(line, sizeof(line), "%s: %s", name, value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -E2BIG;
	if ((l = curl_slist_append(*list, line)) == NULL)
		return -ENOMEM;
	*list = l;
	return 0;
}

static int
build_headers(const struct httpc_req *req, int has_body,
    struct curl_slist **out)
{
	struct curl_slist	*list = NULL;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < req->nheaders && rc == 0; i++)
		rc = add_header(&list, req->headers[i].name,
		    req->headers[i].value);
	if (rc == 0 && has_body) {
		/* no 100-continue round trip; no form-encoding default */
		if ((list = curl_slist_append(list, "Expect:")) == NULL)
			rc = -ENOMEM;
		else if (!has_header(req, "Content-Type"))
			rc = add_header(&list, "Content-Type",
			    "application/octet-stream");
	}
	if (rc == 0 && req->read_cb != NULL && req->upload_len < 0 &&
	    !has_header(req, "Transfer-Encoding"))
		rc = add_header(&list, "Transfer-Encoding", "chunked");
	if (rc != 0) {
		curl_slist_free_all(list);
		return rc;
	}
	*out = list;
	return 0;
}

void
httpc_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
httpc_do(struct httpc *c, struct httpc_req *req, char *err, size_t errlen)
{
	CURL			*curl = c->curl;
	struct curl_slist	*hdrs = NULL;
	struct xfer		 x;
	char			 cerr[CURL_ERROR_SIZE];
	const char		*method;
	long			 timeout, status = 0;
	int			 has_body, rc;
	CURLcode		 crc;

	req->status = 0;
	method = req->method != NULL ? req->method : "GET";
	if (req->url == NULL) {
		httpc_set_err(err, errlen, "%s: no URL", method);
		return -EINVAL;
	}
	has_body = req->body != NULL || req->read_cb != NULL;
	if ((rc = build_headers(req, has_body, &hdrs)) != 0) {
		httpc_set_err(err, errlen, "%s %s: request headers: %s", method,
		    req->url, strerror(-rc));
		return rc;
	}
	memset(&x, 0, sizeof(x));
	x.curl = curl;
	x.req = req;
	cerr[0] = '\0';

	/* reset keeps live connections, the DNS and TLS session caches */
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
	    c->opts.connect_timeout_ms > 0 ? c->opts.connect_timeout_ms :
	    (long)HTTPC_DEFAULT_CONNECT_MS);
	timeout = req->timeout_ms > 0 ? req->timeout_ms :
	    c->opts.timeout_ms > 0 ? c->opts.timeout_ms : HTTPC_DEFAULT_MS;
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
	if (c->opts.ca_file != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->opts.ca_file);
	if (c->opts.tls_no_verify) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	if (c->opts.recv_buffer > 0)
		curl_easy_setopt(curl, CURLOPT_BUFFERSIZE,
		    c->opts.recv_buffer);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
	if (req->abort_cb != NULL) {
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &x);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	}

	if (strcmp(method, "GET") == 0 && !has_body)
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	else {
		/* every other method goes out as a POST renamed, which lets
		 * the same code send a buffer, a stream, or nothing */
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		if (req->read_cb != NULL) {
			curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
			curl_easy_setopt(curl, CURLOPT_READDATA, &x);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)(req->upload_len >= 0 ?
			    req->upload_len : -1));
		} else {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
			    req->body != NULL ? req->body : "");
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)(req->body != NULL ?
			    req->body_len : 0));
		}
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	}
	if (hdrs != NULL)
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);

	crc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	req->status = status;
	/* do not leave pointers into this frame in the handle */
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);

	if (crc == CURLE_OK)
		return 0;
	if (x.err != 0) {
		rc = x.err;
		httpc_set_err(err, errlen, "%s %s: %s", method, req->url,
		    x.why);
	} else {
		rc = map_curl_error(curl, crc);
		httpc_set_err(err, errlen, "%s %s: %s", method, req->url,
		    cerr[0] != '\0' ? cerr : curl_easy_strerror(crc));
	}
	return rc;
}

int
httpc_json(struct httpc *c, const char *method, const char *url,
    const struct httpc_header *hdrs, size_t nhdrs, const struct cJSON *body,
    long *status, struct cJSON **resp, char *err, size_t errlen)
{
	struct httpc_req	 req;
	struct buf		 out = BUF_INIT(BUF_MAX_JSON);
	struct cJSON		*root = NULL;
	char			*text = NULL;
	char			 perr[128];
	size_t			 i;
	int			 rc;

	if (resp != NULL)
		*resp = NULL;
	if (status != NULL)
		*status = 0;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.resp = &out;
	for (i = 0; i < nhdrs; i++) {
		if (httpc_req_header(&req, hdrs[i].name, hdrs[i].value) != 0) {
			httpc_set_err(err, errlen,
			    "%s %s: more than %d headers", method, url,
			    HTTPC_MAX_HEADERS);
			return -E2BIG;
		}
	}
	if (httpc_req_header(&req, "Accept", "application/json") != 0 ||
	    (body != NULL && httpc_req_header(&req, "Content-Type",
	    "application/json") != 0)) {
		httpc_set_err(err, errlen, "%s %s: more than %d headers",
		    method, url, HTTPC_MAX_HEADERS);
		return -E2BIG;
	}
	if (body != NULL) {
		text = json_print(body);
		req.body = text;
		req.body_len = strlen(text);
	}
	rc = httpc_do(c, &req, err, errlen);
	free(text);
	if (status != NULL)
		*status = req.status;
	if (rc != 0) {
		buf_release(&out);
		return rc;
	}
	if (out.len > 0) {
		root = json_parse(out.data, out.len, perr, sizeof(perr));
		if (root == NULL && req.status >= 200 && req.status < 300) {
			httpc_set_err(err, errlen,
			    "%s %s: answer %ld: bad JSON: %s", method, url,
			    req.status, perr);
			buf_release(&out);
			return -EPROTO;
		}
	}
	if (req.status < 200 || req.status >= 300) {
		char	 msg[256];
		int	 e;

		msg[0] = '\0';
		e = errmap_decode(root, (int)req.status, msg, sizeof(msg));
		if (msg[0] == '\0' && root == NULL && out.len > 0)
			snprintf(msg, sizeof(msg), "%.*s",
			    (int)(out.len < 200 ? out.len : 200), out.data);
		httpc_set_err(err, errlen, "%s %s: HTTP %ld: %s", method, url,
		    req.status, msg[0] != '\0' ? msg : strerror(e));
		cJSON_Delete(root);
		buf_release(&out);
		return -(e > 0 ? e : EIO);
	}
	buf_release(&out);
	if (resp != NULL)
		*resp = root;
	else
		cJSON_Delete(root);
	return 0;
}

struct httpc_pool *
httpc_pool_new(const struct httpc_options *opts, size_t max_idle)
{
	struct httpc_pool	*p;

	p = xcalloc(1, sizeof(*p));
	if (opts != NULL)
		p->opts = *opts;
	if (p->opts.ca_file != NULL) {
		p->ca_file = xstrdup(p->opts.ca_file);
		p->opts.ca_file = p->ca_file;
	}
	p->max_idle = max_idle;
	p->idle = xcalloc(max_idle > 0 ? max_idle : 1, sizeof(*p->idle));
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		fatalx("httpc_pool_new: pthread_mutex_init failed");
	return p;
}

void
httpc_pool_free(struct httpc_pool *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nidle; i++)
		httpc_free(p->idle[i]);
	pthread_mutex_destroy(&p->lock);
	free(p->idle);
	free(p->ca_file);
	free(p);
}

struct httpc *
httpc_pool_get(struct httpc_pool *p)
{
	struct httpc	*c = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->nidle > 0)
		c = p->idle[--p->nidle];
	pthread_mutex_unlock(&p->lock);
	if (c == NULL && (c = httpc_new(&p->opts)) == NULL)
		fatalx("httpc_pool_get: out of memory");
	return c;
}

void
httpc_pool_put(struct httpc_pool *p, struct httpc *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->nidle < p->max_idle) {
		p->idle[p->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	httpc_free(c);	/* over the idle cap: close it outside the lock */
}
