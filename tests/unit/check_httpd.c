/*
 * check_httpd: a real httpd on 127.0.0.1 (port 0) with a small route table of
 * test handlers, driven with libcurl and, for a client that vanishes
 * mid-upload, a raw socket.  Covers routing and parameters, every error
 * answer (404, 405, 400, 403, 413) and its JSON body, HEAD, JSON echo,
 * streamed bodies (piecewise delivery, refusal, client abort), tokens, file
 * range answers, response headers, concurrency and TLS.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "common/blockid.h"
#include "common/buf.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/token.h"
#include "tests/lib/check_main.h"

#define SMALL_MAX	1024			/* bytes: /v1/echo, /v1/raw */
#define STREAM_MAX	(2u * 1024 * 1024)	/* bytes: /v1/stream/{name} */
#define MIB		(1024u * 1024)
#define REFUSE_AT	(64u * 1024)		/* bytes before "refuse" says no */
#define NCONC		4			/* concurrent requests */
#define WAIT_MS		5000			/* waiting for server events */
#define FILE_TEXT	"0123456789abcdefghijklmnopqrstuvwxyz"

static const char SECRET[] = "0123456789abcdef0123456789abcdef";
static const char BLOCK_A[] =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char BLOCK_B[] =
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/* What the handlers saw; the test reads it.  Protected by lock. */
struct tctx {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 nbegin, ndata, nabort, nhandler;
	int		 waiting;	/* /v1/barrier handlers inside */
	char		 file[PATH_MAX];
};

static struct tctx	 T = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0,
	""
};
static struct httpd	*srv;
static char		 base[64];

/* ---- handlers ------------------------------------------------------------ */

static void
bump(int *counter)
{
	pthread_mutex_lock(&T.lock);
	(*counter)++;
	pthread_cond_broadcast(&T.cond);
	pthread_mutex_unlock(&T.lock);
}

static void
h_ping(struct httpd_req *req, struct httpd_resp *resp)
{
	cJSON	*o = json_new_object();

	json_add_bool(o, "pong", 1);
	httpd_resp_json(resp, 200, o);
	ck_assert_int_eq(httpd_resp_header(resp, "X-Test", "yes"), 0);
}

static void
h_item_get(struct httpd_req *req, struct httpd_resp *resp)
{
	cJSON		*o = json_new_object();
	const char	*q = httpd_query(req, "x");

	json_add_str(o, "name", httpd_param(req, "name"));
	json_add_str(o, "method", httpd_method(req));
	if (q != NULL)
		json_add_str(o, "x", q);
	if (httpd_param(req, "id") != NULL)
		json_add_str(o, "bogus", "id param present");
	httpd_resp_json(resp, 200, o);
}

static void
h_item_put(struct httpd_req *req, struct httpd_resp *resp)
{
	cJSON	*o = json_new_object();

	json_add_str(o, "put", httpd_param(req, "name"));
	httpd_resp_json(resp, 201, o);
}

static void
h_block(struct httpd_req *req, struct httpd_resp *resp)
{
	cJSON	*o = json_new_object();

	json_add_str(o, "id", httpd_param(req, "id"));
	json_add_str(o, "method", httpd_method(req));
	httpd_resp_json(resp, 200, o);
}

static void
h_echo(struct httpd_req *req, struct httpd_resp *resp)
{
	ck_assert_ptr_nonnull(httpd_json(req));
	httpd_resp_json(resp, 200, cJSON_Duplicate(httpd_json(req), 1));
}

/* Answers the raw body as text with its length in X-Len. */
static void
h_raw(struct httpd_req *req, struct httpd_resp *resp)
{
	const char	*p;
	size_t		 n;
	char		 len[32];

	p = httpd_body(req, &n);
	ck_assert_ptr_null(httpd_json(req));
	resp->body = malloc(n > 0 ? n : 1);
	ck_assert_ptr_nonnull(resp->body);
	memcpy(resp->body, p, n);
	resp->body_len = n;
	resp->content_type = "text/plain";
	snprintf(len, sizeof(len), "%zu/%lld", n,
	    (long long)httpd_content_length(req));
	ck_assert_int_eq(httpd_resp_header(resp, "X-Len", len), 0);
}

static void
h_cluster(struct httpd_req *req, struct httpd_resp *resp)
{
	httpd_resp_json(resp, 200, json_new_object());
}

/* Bytes 10..29 of the test file. */
static void
h_file(struct httpd_req *req, struct httpd_resp *resp)
{
	resp->fd = open(T.file, O_RDONLY);
	ck_assert_int_ge(resp->fd, 0);
	resp->fd_offset = 10;
	resp->fd_len = 20;
	resp->content_type = "text/plain";
}

/* A 500 without a body: httpd must still answer JSON. */
static void
h_fail(struct httpd_req *req, struct httpd_resp *resp)
{
	resp->status = 500;
}

static void
h_peer(struct httpd_req *req, struct httpd_resp *resp)
{
	cJSON	*o = json_new_object();

	json_add_str(o, "peer", httpd_peer(req));
	json_add_str(o, "path", httpd_path(req));
	json_add_str(o, "arg", httpd_arg(req) == &T ? "ok" : "wrong");
	httpd_resp_json(resp, 200, o);
}

/* Waits until NCONC handlers are inside at once (5 s at most). */
static void
h_barrier(struct httpd_req *req, struct httpd_resp *resp)
{
	struct timespec	 dl;
	int		 met;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&T.lock);
	T.waiting++;
	pthread_cond_broadcast(&T.cond);
	while (T.waiting < NCONC)
		if (pthread_cond_timedwait(&T.cond, &T.lock, &dl) != 0)
			break;
	met = T.waiting >= NCONC;
	pthread_mutex_unlock(&T.lock);
	resp->status = met ? 200 : 504;
}

struct stream_state {
	struct buf	 data;
	int		 calls;
};

static void
s_begin(struct httpd_req *req, struct httpd_resp *resp)
{
	struct stream_state *st = calloc(1, sizeof(*st));

	ck_assert_ptr_nonnull(st);
	buf_init(&st->data, STREAM_MAX);
	httpd_set_state(req, st);
	bump(&T.nbegin);
	if (strcmp(httpd_param(req, "name"), "refuse-begin") == 0)
		httpd_resp_error(resp, ENOSPC, "no room for %s",
		    httpd_param(req, "name"));
}

static void
s_data(struct httpd_req *req, const char *p, size_t n,
    struct httpd_resp *resp)
{
	struct stream_state *st = httpd_state(req);

	ck_assert_ptr_null(httpd_body(req, NULL));
	ck_assert_int_eq(buf_append(&st->data, p, n), 0);
	st->calls++;
	bump(&T.ndata);
	if (strcmp(httpd_param(req, "name"), "refuse") == 0 &&
	    st->data.len > REFUSE_AT)
		httpd_resp_error(resp, ENOSPC, "full after %zu bytes",
		    st->data.len);
}

static void
s_abort(struct httpd_req *req)
{
	struct stream_state *st = httpd_state(req);

	buf_release(&st->data);
	free(st);
	httpd_set_state(req, NULL);
	bump(&T.nabort);
}

static void
s_done(struct httpd_req *req, struct httpd_resp *resp)
{
	struct stream_state *st = httpd_state(req);
	char	 id[BLOCKID_BUFSZ];
	cJSON	*o = json_new_object();

	ck_assert_int_eq(blockid_of(st->data.data != NULL ? st->data.data : "",
	    st->data.len, id), 0);
	json_add_u64(o, "bytes", st->data.len);
	json_add_u64(o, "calls", (uint64_t)st->calls);
	json_add_str(o, "id", id);
	httpd_resp_json(resp, 201, o);
	buf_release(&st->data);
	free(st);
	httpd_set_state(req, NULL);
	bump(&T.nhandler);
}

static const struct httpd_route routes[] = {
	{ "GET", "/ping", 0, 0, h_ping, NULL, NULL, NULL },
	{ "GET", "/v1/items/{name}", 0, 0, h_item_get, NULL, NULL, NULL },
	{ "PUT", "/v1/items/{name}", SMALL_MAX, 0, h_item_put, NULL, NULL,
	    NULL },
	{ "GET", "/v1/blocks/{id}", 0, HTTPD_TOKEN_R, h_block, NULL, NULL,
	    NULL },
	{ "DELETE", "/v1/blocks/{id}", 0, HTTPD_TOKEN_D, h_block, NULL, NULL,
	    NULL },
	{ "POST", "/v1/echo", SMALL_MAX, HTTPD_JSON, h_echo, NULL, NULL,
	    NULL },
	{ "POST", "/v1/raw", SMALL_MAX, 0, h_raw, NULL, NULL, NULL },
	{ "POST", "/v1/cluster", SMALL_MAX, HTTPD_AUTH | HTTPD_JSON,
	    h_cluster, NULL, NULL, NULL },
	{ "GET", "/v1/file", 0, 0, h_file, NULL, NULL, NULL },
	{ "GET", "/v1/fail", 0, 0, h_fail, NULL, NULL, NULL },
	{ "GET", "/v1/peer/{a}/{b}", 0, 0, h_peer, NULL, NULL, NULL },
	{ "GET", "/v1/barrier", 0, 0, h_barrier, NULL, NULL, NULL },
	{ "PUT", "/v1/stream/{name}", STREAM_MAX, HTTPD_STREAM, s_done,
	    s_begin, s_data, s_abort },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};

/* ---- client side ---------------------------------------------------------- */

struct upload {
	const char	*p;
	size_t		 len, off;
	size_t		 piece;		/* bytes per read call at most */
};

static size_t
upload_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct upload	*u = arg;
	size_t		 n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	if (u->piece != 0 && n > u->piece)
		n = u->piece;
	memcpy(dst, u->p + u->off, n);
	u->off += n;
	return n;
}

static size_t
collect(char *p, size_t size, size_t nmemb, void *arg)
{
	if (buf_append(arg, p, size * nmemb) != 0)
		return 0;
	return size * nmemb;
}

struct call {
	/* in */
	const char	*method;
	const char	*path;		/* appended to base */
	const char	*hdrs[6];	/* "Name: value", NULL-terminated */
	const char	*body;
	size_t		 body_len;
	int		 chunked;	/* send body without a length */
	const char	*url;		/* instead of base + path */
	/* out */
	long		 status;
	struct buf	 resp;
	struct buf	 rhdrs;
	cJSON		*json;		/* parsed resp, when JSON */
	CURLcode	 cc;
};

/* Runs one request; the caller call_release()s. */
static long
call_do(struct call *c)
{
	struct curl_slist *sl = NULL;
	struct upload	 up = { c->body, c->body_len, 0, 16 * 1024 };
	char		 url[512];
	CURL		*e;
	size_t		 i;

	buf_init(&c->resp, 16 * MIB);
	buf_init(&c->rhdrs, 64 * 1024);
	c->json = NULL;
	c->status = 0;
	snprintf(url, sizeof(url), "%s%s", c->url != NULL ? c->url : base,
	    c->path);
	ck_assert_ptr_nonnull(e = curl_easy_init());
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &c->resp);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &c->rhdrs);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	if (strcmp(c->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (c->body != NULL) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, upload_read);
		curl_easy_setopt(e, CURLOPT_READDATA, &up);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
		    c->chunked ? (curl_off_t)-1 : (curl_off_t)c->body_len);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
	} else if (strcmp(c->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
	for (i = 0; c->hdrs[i] != NULL; i++)
		sl = curl_slist_append(sl, c->hdrs[i]);
	if (sl != NULL)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, sl);
	c->cc = curl_easy_perform(e);
	if (c->cc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &c->status);
	curl_easy_cleanup(e);
	curl_slist_free_all(sl);
	if (c->resp.len > 0)
		c->json = cJSON_Parse(c->resp.data);
	return c->status;
}

static void
call_release(struct call *c)
{
	buf_release(&c->resp);
	buf_release(&c->rhdrs);
	cJSON_Delete(c->json);
	c->json = NULL;
}

/* The value of response header name (last one wins), or NULL. */
static const char *
call_header(struct call *c, const char *name, char *out, size_t outlen)
{
	const char	*line, *found = NULL;
	size_t		 n = strlen(name), vl;

	for (line = c->rhdrs.data; line != NULL && *line != '\0';) {
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			line += n + 1;
			while (*line == ' ')
				line++;
			vl = strcspn(line, "\r\n");
			snprintf(out, outlen, "%.*s", (int)vl, line);
			found = out;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return found;
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const char	*v = NULL;

	ck_assert_ptr_nonnull(o);
	if (json_get_str(o, key, &v) != 0)
		return NULL;
	return v;
}

/* Asserts an errmap error answer: status and code. */
static void
assert_error(struct call *c, long status, const char *code)
{
	char	 ct[128];

	ck_assert_int_eq(c->cc, CURLE_OK);
	ck_assert_int_eq(c->status, status);
	ck_assert_ptr_nonnull(c->json);
	ck_assert_str_eq(jstr(c->json, "error"), code);
	ck_assert_ptr_nonnull(jstr(c->json, "message"));
	ck_assert_ptr_nonnull(call_header(c, "Content-Type", ct, sizeof(ct)));
	ck_assert_str_eq(ct, "application/json");
}

static int
wait_count(int *counter, int want)
{
	struct timespec	 dl;
	int		 got;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&T.lock);
	while (*counter < want)
		if (pthread_cond_timedwait(&T.cond, &T.lock, &dl) != 0)
			break;
	got = *counter;
	pthread_mutex_unlock(&T.lock);
	return got;
}

static int
count(int *counter)
{
	int	 v;

	pthread_mutex_lock(&T.lock);
	v = *counter;
	pthread_mutex_unlock(&T.lock);
	return v;
}

/* 1 MiB (or n bytes) of a pattern that no shifted copy matches. */
static char *
pattern(size_t n)
{
	char	*p = malloc(n);
	size_t	 i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++)
		p[i] = (char)((i * 7) ^ (i >> 9));
	return p;
}

/* ---- fixture -------------------------------------------------------------- */

static struct httpd *
start(const char *secret, const char *cert, const char *key, char *url,
    size_t urllen)
{
	struct httpd_options o;
	struct httpd	*h;
	char		 err[256];

	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:0";
	o.routes = routes;
	o.arg = &T;
	o.secret = secret;
	o.secret_len = secret != NULL ? strlen(secret) : 0;
	o.tls_cert_file = cert;
	o.tls_key_file = key;
	o.max_connections = 64;
	o.timeout_s = 30;
	h = httpd_start(&o, err, sizeof(err));
	ck_assert_msg(h != NULL, "httpd_start: %s", err);
	ck_assert_uint_ne(httpd_port(h), 0);
	snprintf(url, urllen, "%s://127.0.0.1:%u", cert != NULL ? "https" :
	    "http", httpd_port(h));
	return h;
}

static void
setup(void)
{
	int	 fd;

	pthread_mutex_lock(&T.lock);
	T.nbegin = T.ndata = T.nabort = T.nhandler = T.waiting = 0;
	pthread_mutex_unlock(&T.lock);
	snprintf(T.file, sizeof(T.file), "/tmp/check_httpd.XXXXXX");
	ck_assert_int_ge(fd = mkstemp(T.file), 0);
	ck_assert_int_eq(write(fd, FILE_TEXT, strlen(FILE_TEXT)),
	    (ssize_t)strlen(FILE_TEXT));
	close(fd);
	srv = start(NULL, NULL, NULL, base, sizeof(base));
}

static void
teardown(void)
{
	httpd_stop(srv);
	srv = NULL;
	unlink(T.file);
}

/* ---- core ----------------------------------------------------------------- */

START_TEST(test_route_and_headers)
{
	struct call	 c = { .method = "GET", .path = "/ping" };
	char		 v[128];
	int		 b;

	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_int_eq(json_get_bool(c.json, "pong", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_ptr_nonnull(call_header(&c, "X-Test", v, sizeof(v)));
	ck_assert_str_eq(v, "yes");
	ck_assert_ptr_nonnull(call_header(&c, "Content-Type", v, sizeof(v)));
	ck_assert_str_eq(v, "application/json");
	call_release(&c);
}
END_TEST

START_TEST(test_params)
{
	struct call	 c = { .method = "GET",
	    .path = "/v1/items/hello%20world?x=a%26b" };
	struct call	 p = { .method = "GET", .path = "/v1/peer/one/two" };
	char		 want[128];

	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_str_eq(jstr(c.json, "name"), "hello world");
	ck_assert_str_eq(jstr(c.json, "x"), "a&b");
	ck_assert_str_eq(jstr(c.json, "method"), "GET");
	ck_assert_ptr_null(jstr(c.json, "bogus"));
	call_release(&c);

	ck_assert_int_eq(call_do(&p), 200);
	ck_assert_str_eq(jstr(p.json, "path"), "/v1/peer/one/two");
	ck_assert_str_eq(jstr(p.json, "arg"), "ok");
	ck_assert_ptr_nonnull(jstr(p.json, "peer"));
	ck_assert_int_eq(strncmp(jstr(p.json, "peer"), "127.0.0.1:", 10), 0);
	call_release(&p);

	/* The same name through PUT, with a body. */
	c = (struct call){ .method = "PUT", .path = "/v1/items/n-1",
	    .body = "x", .body_len = 1 };
	ck_assert_int_eq(call_do(&c), 201);
	ck_assert_str_eq(jstr(c.json, "put"), "n-1");
	call_release(&c);

	snprintf(want, sizeof(want), "/v1/blocks/%s", BLOCK_A);
	c = (struct call){ .method = "GET", .path = want };
	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_str_eq(jstr(c.json, "id"), BLOCK_A);
	call_release(&c);
}
END_TEST

START_TEST(test_head)
{
	struct call	 c = { .method = "HEAD", .path = "/ping" };
	struct call	 g = { .method = "GET", .path = "/ping" };
	char		 v[64], w[64];

	ck_assert_int_eq(call_do(&g), 200);
	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_uint_eq(c.resp.len, 0);
	ck_assert_ptr_nonnull(call_header(&c, "Content-Length", v, sizeof(v)));
	ck_assert_ptr_nonnull(call_header(&g, "Content-Length", w, sizeof(w)));
	ck_assert_str_eq(v, w);
	ck_assert_uint_eq((size_t)atoi(v), g.resp.len);
	call_release(&c);
	call_release(&g);

	c = (struct call){ .method = "HEAD", .path = "/v1/file" };
	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_uint_eq(c.resp.len, 0);
	ck_assert_ptr_nonnull(call_header(&c, "Content-Length", v, sizeof(v)));
	ck_assert_str_eq(v, "20");
	call_release(&c);
}
END_TEST

START_TEST(test_json_echo)
{
	const char	*in = "{\"a\":1,\"b\":\"x\",\"c\":[true,null]}";
	struct call	 c = { .method = "POST", .path = "/v1/echo",
	    .body = in, .body_len = strlen(in) };
	char		*out;

	ck_assert_int_eq(call_do(&c), 200);
	out = json_print(c.json);
	ck_assert_str_eq(out, in);
	free(out);
	call_release(&c);

	/* Chunked JSON is collected just the same. */
	c = (struct call){ .method = "POST", .path = "/v1/echo",
	    .body = in, .body_len = strlen(in), .chunked = 1 };
	ck_assert_int_eq(call_do(&c), 200);
	out = json_print(c.json);
	ck_assert_str_eq(out, in);
	free(out);
	call_release(&c);
}
END_TEST

START_TEST(test_raw_body)
{
	struct call	 c = { .method = "POST", .path = "/v1/raw",
	    .body = "a\0b\nc", .body_len = 5 };
	char		 v[64];

	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_uint_eq(c.resp.len, 5);
	ck_assert_int_eq(memcmp(c.resp.data, "a\0b\nc", 5), 0);
	ck_assert_ptr_nonnull(call_header(&c, "X-Len", v, sizeof(v)));
	ck_assert_str_eq(v, "5/5");
	ck_assert_ptr_nonnull(call_header(&c, "Content-Type", v, sizeof(v)));
	ck_assert_str_eq(v, "text/plain");
	call_release(&c);

	c = (struct call){ .method = "POST", .path = "/v1/raw",
	    .body = "abc", .body_len = 3, .chunked = 1 };
	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_ptr_nonnull(call_header(&c, "X-Len", v, sizeof(v)));
	ck_assert_str_eq(v, "3/-1");
	call_release(&c);
}
END_TEST

START_TEST(test_fd_range)
{
	struct call	 c = { .method = "GET", .path = "/v1/file" };
	char		 v[64];

	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_uint_eq(c.resp.len, 20);
	ck_assert_int_eq(memcmp(c.resp.data, FILE_TEXT + 10, 20), 0);
	ck_assert_ptr_nonnull(call_header(&c, "Content-Type", v, sizeof(v)));
	ck_assert_str_eq(v, "text/plain");
	call_release(&c);
}
END_TEST

START_TEST(test_stream_1mib)
{
	char		*data = pattern(MIB);
	char		 id[BLOCKID_BUFSZ];
	struct call	 c = { .method = "PUT", .path = "/v1/stream/big",
	    .body = data, .body_len = MIB, .chunked = 1 };
	uint64_t	 bytes, calls;

	ck_assert_int_eq(blockid_of(data, MIB, id), 0);
	ck_assert_int_eq(call_do(&c), 201);
	ck_assert_int_eq(json_get_u64(c.json, "bytes", &bytes), 0);
	ck_assert_uint_eq(bytes, MIB);
	ck_assert_str_eq(jstr(c.json, "id"), id);
	ck_assert_int_eq(json_get_u64(c.json, "calls", &calls), 0);
	ck_assert_uint_gt(calls, 4);
	ck_assert_int_eq(count(&T.nbegin), 1);
	ck_assert_int_eq(count(&T.nhandler), 1);
	ck_assert_int_eq(count(&T.nabort), 0);
	call_release(&c);

	/* With a Content-Length too, and an empty stream. */
	c = (struct call){ .method = "PUT", .path = "/v1/stream/len",
	    .body = data, .body_len = 100000 };
	ck_assert_int_eq(call_do(&c), 201);
	ck_assert_int_eq(json_get_u64(c.json, "bytes", &bytes), 0);
	ck_assert_uint_eq(bytes, 100000);
	call_release(&c);
	c = (struct call){ .method = "PUT", .path = "/v1/stream/empty" };
	ck_assert_int_eq(call_do(&c), 201);
	ck_assert_int_eq(json_get_u64(c.json, "bytes", &bytes), 0);
	ck_assert_uint_eq(bytes, 0);
	call_release(&c);
	ck_assert_int_eq(count(&T.nhandler), 3);
	ck_assert_int_eq(count(&T.nabort), 0);
	free(data);
}
END_TEST

struct conc_arg {
	long	 status;
};

static void *
conc_thread(void *arg)
{
	struct conc_arg	*a = arg;
	struct call	 c = { .method = "GET", .path = "/v1/barrier" };

	a->status = call_do(&c);
	call_release(&c);
	return NULL;
}

START_TEST(test_concurrent)
{
	pthread_t	 th[NCONC];
	struct conc_arg	 a[NCONC];
	int		 i;

	for (i = 0; i < NCONC; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, conc_thread,
		    &a[i]), 0);
	for (i = 0; i < NCONC; i++)
		pthread_join(th[i], NULL);
	/* 200 only if all NCONC handlers were inside at the same time. */
	for (i = 0; i < NCONC; i++)
		ck_assert_int_eq(a[i].status, 200);
}
END_TEST

START_TEST(test_keepalive_reuse)
{
	CURL		*e;
	struct buf	 b = BUF_INIT(4096);
	char		 url[128];
	long		 n = -1;
	int		 i;

	/* One handle, several requests: the connection is reused. */
	ck_assert_ptr_nonnull(e = curl_easy_init());
	snprintf(url, sizeof(url), "%s/ping", base);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(curl_easy_perform(e), CURLE_OK);
	curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &n);
	ck_assert_int_eq(n, 0);
	curl_easy_cleanup(e);
	buf_release(&b);
}
END_TEST

START_TEST(test_tls)
{
	char		 dir[] = "/tmp/check_httpd_tls.XXXXXX";
	char		 cmd[1024], cert[256], key[256], url[64];
	struct httpd	*h;
	struct call	 c = { .method = "GET", .path = "/ping" };
	int		 b;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 "
	    "-nodes -subj /CN=localhost -days 1 -keyout %s -out %s "
	    ">/dev/null 2>&1", key, cert);
	ck_assert_int_eq(system(cmd), 0);
	h = start(NULL, cert, key, url, sizeof(url));
	unlink(cert);
	unlink(key);
	rmdir(dir);

	c.url = url;
	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_int_eq(json_get_bool(c.json, "pong", &b), 0);
	ck_assert_int_eq(b, 1);
	call_release(&c);

	/* A streamed upload over TLS as well. */
	c = (struct call){ .method = "PUT", .path = "/v1/stream/tls",
	    .url = url, .body = FILE_TEXT, .body_len = strlen(FILE_TEXT),
	    .chunked = 1 };
	ck_assert_int_eq(call_do(&c), 201);
	call_release(&c);

	/* Plain HTTP to the TLS port gets no HTTP answer. */
	snprintf(cmd, sizeof(cmd), "http://127.0.0.1:%u", httpd_port(h));
	c = (struct call){ .method = "GET", .path = "/ping", .url = cmd };
	call_do(&c);
	ck_assert_int_ne(c.status, 200);
	call_release(&c);
	httpd_stop(h);
}
END_TEST

START_TEST(test_no_secret_no_token)
{
	char		 path[128];
	struct call	 c = { .method = "GET" };

	snprintf(path, sizeof(path), "/v1/blocks/%s", BLOCK_A);
	c.path = path;
	ck_assert_int_eq(call_do(&c), 200);
	call_release(&c);
	c = (struct call){ .method = "POST", .path = "/v1/cluster",
	    .body = "{}", .body_len = 2 };
	ck_assert_int_eq(call_do(&c), 200);
	call_release(&c);
}
END_TEST

START_TEST(test_resp_helpers)
{
	struct httpd_resp r;
	char		 name[16];
	int		 i;

	httpd_resp_init(&r);
	ck_assert_int_eq(r.fd, -1);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_null(r.json);
	for (i = 0; i < HTTPD_MAX_RESP_HEADERS; i++) {
		snprintf(name, sizeof(name), "X-H%d", i);
		ck_assert_int_eq(httpd_resp_header(&r, name, "v"), 0);
	}
	ck_assert_int_eq(httpd_resp_header(&r, "X-More", "v"), -E2BIG);
	ck_assert_uint_eq(r.nheaders, HTTPD_MAX_RESP_HEADERS);
	httpd_resp_error(&r, ENOENT, "no %s", "thing");
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(jstr(r.json, "error"), "ENOENT");
	ck_assert_str_eq(jstr(r.json, "message"), "no thing");
	/* Negative errnos are taken too; the old body is replaced. */
	httpd_resp_error(&r, -EFBIG, "big");
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(jstr(r.json, "error"), "EFBIG");
	httpd_resp_json(&r, 202, json_new_object());
	ck_assert_int_eq(r.status, 202);
	ck_assert_ptr_null(jstr(r.json, "error"));
	cJSON_Delete(r.json);
	for (i = 0; i < HTTPD_MAX_RESP_HEADERS; i++) {
		free(r.headers[i].name);
		free(r.headers[i].value);
	}
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

START_TEST(test_404)
{
	static const char *const paths[] = {
		"/nope", "/", "/v1/items/", "/v1/items/a/b", "/ping/x",
		"/v1/peer/one", "/PING",
	};
	struct call	 c;
	size_t		 i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		c = (struct call){ .method = "GET", .path = paths[i] };
		call_do(&c);
		ck_assert_msg(c.status == 404, "%s: %ld", paths[i], c.status);
		assert_error(&c, 404, "ENOENT");
		call_release(&c);
	}
	/* An unknown path with a body is refused before the body. */
	c = (struct call){ .method = "POST", .path = "/nope", .body = "{}",
	    .body_len = 2, .hdrs = { "Expect: 100-continue" } };
	call_do(&c);
	assert_error(&c, 404, "ENOENT");
	call_release(&c);
}
END_TEST

START_TEST(test_405)
{
	struct call	 c = { .method = "DELETE", .path = "/v1/items/a" };
	char		 v[128];

	call_do(&c);
	assert_error(&c, 405, "EOPNOTSUPP");
	ck_assert_ptr_nonnull(call_header(&c, "Allow", v, sizeof(v)));
	ck_assert_str_eq(v, "GET, HEAD, PUT");
	call_release(&c);

	c = (struct call){ .method = "POST", .path = "/ping", .body = "x",
	    .body_len = 1, .hdrs = { "Expect: 100-continue" } };
	call_do(&c);
	assert_error(&c, 405, "EOPNOTSUPP");
	call_release(&c);

	/* HEAD only falls back to GET routes. */
	c = (struct call){ .method = "HEAD", .path = "/v1/echo" };
	call_do(&c);
	ck_assert_int_eq(c.status, 405);
	call_release(&c);
}
END_TEST

START_TEST(test_bad_json)
{
	static const char *const bad[] = {
		"{bad", "{\"a\":1", "[1,2]x", "nul", "\"unterminated",
	};
	struct call	 c;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = (struct call){ .method = "POST", .path = "/v1/echo",
		    .body = bad[i], .body_len = strlen(bad[i]) };
		call_do(&c);
		assert_error(&c, 400, "EBADMSG");
		call_release(&c);
	}
	/* A JSON route without a body. */
	c = (struct call){ .method = "POST", .path = "/v1/echo" };
	call_do(&c);
	assert_error(&c, 400, "EBADMSG");
	call_release(&c);
}
END_TEST

START_TEST(test_bad_id_and_params)
{
	static const char *const bad[] = {
		"/v1/blocks/xyz",
		"/v1/blocks/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"/v1/blocks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"/v1/blocks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"/v1/items/a%2Fb",
		"/v1/items/a%zzb",
		"/v1/items/a%2",
		"/v1/items/a%00b",
	};
	struct call	 c;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = (struct call){ .method = "GET", .path = bad[i] };
		call_do(&c);
		ck_assert_msg(c.status == 400, "%s: %ld", bad[i], c.status);
		assert_error(&c, 400, "EINVAL");
		call_release(&c);
	}
}
END_TEST

START_TEST(test_handler_error_is_json)
{
	struct call	 c = { .method = "GET", .path = "/v1/fail" };

	call_do(&c);
	assert_error(&c, 500, "EIO");
	call_release(&c);
}
END_TEST

START_TEST(test_tokens)
{
	struct httpd	*h;
	char		 url[64], path[128], tok[TOKEN_MAX_LEN];
	char		 hdr[TOKEN_MAX_LEN + 32], auth[TOKEN_MAX_LEN + 32];
	int64_t		 now = (int64_t)time(NULL);
	struct call	 c;

	h = start(SECRET, NULL, NULL, url, sizeof(url));
	snprintf(path, sizeof(path), "/v1/blocks/%s", BLOCK_A);

	/* Missing. */
	c = (struct call){ .method = "GET", .path = path, .url = url };
	call_do(&c);
	assert_error(&c, 403, "EACCES");
	call_release(&c);

	/* Accepted. */
	ck_assert_int_eq(token_sign(SECRET, strlen(SECRET), BLOCK_A,
	    TOKEN_OP_READ, now + 60, tok, sizeof(tok)), 0);
	snprintf(hdr, sizeof(hdr), "%s: %s", HTTP_HDR_TOKEN, tok);
	c = (struct call){ .method = "GET", .path = path, .url = url,
	    .hdrs = { hdr } };
	ck_assert_int_eq(call_do(&c), 200);
	call_release(&c);

	/* A read token does not delete. */
	c = (struct call){ .method = "DELETE", .path = path, .url = url,
	    .hdrs = { hdr } };
	call_do(&c);
	assert_error(&c, 403, "EACCES");
	call_release(&c);

	/* Expired. */
	ck_assert_int_eq(token_sign(SECRET, strlen(SECRET), BLOCK_A,
	    TOKEN_OP_READ, now - 10, tok, sizeof(tok)), 0);
	snprintf(hdr, sizeof(hdr), "%s: %s", HTTP_HDR_TOKEN, tok);
	c = (struct call){ .method = "GET", .path = path, .url = url,
	    .hdrs = { hdr } };
	call_do(&c);
	assert_error(&c, 403, "EKEYEXPIRED");
	call_release(&c);

	/* For another block. */
	ck_assert_int_eq(token_sign(SECRET, strlen(SECRET), BLOCK_B,
	    TOKEN_OP_READ, now + 60, tok, sizeof(tok)), 0);
	snprintf(hdr, sizeof(hdr), "%s: %s", HTTP_HDR_TOKEN, tok);
	c = (struct call){ .method = "GET", .path = path, .url = url,
	    .hdrs = { hdr } };
	call_do(&c);
	assert_error(&c, 403, "EACCES");
	call_release(&c);

	/* Signed with another secret; garbage. */
	ck_assert_int_eq(token_sign("another secret, 16+ bytes", 25, BLOCK_A,
	    TOKEN_OP_READ, now + 60, tok, sizeof(tok)), 0);
	snprintf(hdr, sizeof(hdr), "%s: %s", HTTP_HDR_TOKEN, tok);
	c = (struct call){ .method = "GET", .path = path, .url = url,
	    .hdrs = { hdr } };
	call_do(&c);
	assert_error(&c, 403, "EACCES");
	call_release(&c);
	snprintf(hdr, sizeof(hdr), "%s: not-a-token", HTTP_HDR_TOKEN);
	c = (struct call){ .method = "GET", .path = path, .url = url,
	    .hdrs = { hdr } };
	call_do(&c);
	assert_error(&c, 403, "EACCES");
	call_release(&c);

	/* A cluster token passes block routes, in either header. */
	ck_assert_int_eq(token_sign(SECRET, strlen(SECRET), TOKEN_SUBJECT_ANY,
	    TOKEN_OP_ALL, now + 60, tok, sizeof(tok)), 0);
	snprintf(auth, sizeof(auth), "%s: %s", HTTP_HDR_AUTH, tok);
	snprintf(hdr, sizeof(hdr), "%s: %s", HTTP_HDR_TOKEN, tok);
	c = (struct call){ .method = "DELETE", .path = path, .url = url,
	    .hdrs = { auth } };
	ck_assert_int_eq(call_do(&c), 200);
	call_release(&c);
	c = (struct call){ .method = "DELETE", .path = path, .url = url,
	    .hdrs = { hdr } };
	ck_assert_int_eq(call_do(&c), 200);
	call_release(&c);

	/* Cluster routes: the cluster token, nothing less. */
	c = (struct call){ .method = "POST", .path = "/v1/cluster",
	    .url = url, .body = "{}", .body_len = 2, .hdrs = { auth } };
	ck_assert_int_eq(call_do(&c), 200);
	call_release(&c);
	c = (struct call){ .method = "POST", .path = "/v1/cluster",
	    .url = url, .body = "{}", .body_len = 2 };
	call_do(&c);
	assert_error(&c, 403, "EACCES");
	call_release(&c);
	ck_assert_int_eq(token_sign(SECRET, strlen(SECRET), TOKEN_SUBJECT_ANY,
	    TOKEN_OP_READ | TOKEN_OP_WRITE | TOKEN_OP_DELETE, now + 60, tok,
	    sizeof(tok)), 0);
	snprintf(auth, sizeof(auth), "%s: %s", HTTP_HDR_AUTH, tok);
	c = (struct call){ .method = "POST", .path = "/v1/cluster",
	    .url = url, .body = "{}", .body_len = 2, .hdrs = { auth } };
	call_do(&c);
	assert_error(&c, 403, "EACCES");
	call_release(&c);
	ck_assert_int_eq(token_sign(SECRET, strlen(SECRET), TOKEN_SUBJECT_ANY,
	    TOKEN_OP_ALL, now - 1, tok, sizeof(tok)), 0);
	snprintf(auth, sizeof(auth), "%s: %s", HTTP_HDR_AUTH, tok);
	c = (struct call){ .method = "POST", .path = "/v1/cluster",
	    .url = url, .body = "{}", .body_len = 2, .hdrs = { auth } };
	call_do(&c);
	assert_error(&c, 403, "EKEYEXPIRED");
	call_release(&c);

	/* Routes without token flags stay open. */
	c = (struct call){ .method = "GET", .path = "/ping", .url = url };
	ck_assert_int_eq(call_do(&c), 200);
	call_release(&c);
	httpd_stop(h);
}
END_TEST

START_TEST(test_stream_refused_midway)
{
	char		*data = pattern(MIB);
	struct call	 c = { .method = "PUT", .path = "/v1/stream/refuse",
	    .body = data, .body_len = MIB, .chunked = 1 };

	call_do(&c);
	assert_error(&c, 507, "ENOSPC");
	ck_assert_ptr_nonnull(strstr(jstr(c.json, "message"), "full after"));
	call_release(&c);
	ck_assert_int_eq(count(&T.nabort), 1);
	ck_assert_int_eq(count(&T.nhandler), 0);
	/* No piece was delivered after the refusal. */
	ck_assert_int_le(count(&T.ndata), REFUSE_AT / 1024 + 2);

	/* The same with a Content-Length. */
	c = (struct call){ .method = "PUT", .path = "/v1/stream/refuse",
	    .body = data, .body_len = MIB };
	call_do(&c);
	assert_error(&c, 507, "ENOSPC");
	call_release(&c);
	ck_assert_int_eq(count(&T.nabort), 2);
	ck_assert_int_eq(count(&T.nhandler), 0);
	free(data);
}
END_TEST

START_TEST(test_stream_refused_at_begin)
{
	struct call	 c = { .method = "PUT",
	    .path = "/v1/stream/refuse-begin", .body = FILE_TEXT,
	    .body_len = strlen(FILE_TEXT),
	    .hdrs = { "Expect: 100-continue" } };

	call_do(&c);
	assert_error(&c, 507, "ENOSPC");
	call_release(&c);
	ck_assert_int_eq(count(&T.nbegin), 1);
	ck_assert_int_eq(count(&T.ndata), 0);
	ck_assert_int_eq(count(&T.nabort), 1);
	ck_assert_int_eq(count(&T.nhandler), 0);
}
END_TEST

START_TEST(test_client_disconnect)
{
	struct sockaddr_in sin;
	char		 req[512], body[1000];
	int		 s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)httpd_port(srv));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(s = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(connect(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(req, sizeof(req), "PUT /v1/stream/gone HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n");
	memset(body, 'x', sizeof(body));
	ck_assert_int_eq(write(s, req, strlen(req)), (ssize_t)strlen(req));
	ck_assert_int_eq(write(s, body, sizeof(body)), (ssize_t)sizeof(body));
	ck_assert_int_ge(wait_count(&T.ndata, 1), 1);
	ck_assert_int_eq(count(&T.nabort), 0);
	close(s);
	ck_assert_int_eq(wait_count(&T.nabort, 1), 1);
	ck_assert_int_eq(count(&T.nhandler), 0);
}
END_TEST

START_TEST(test_stop_aborts_streams)
{
	struct sockaddr_in sin;
	char		 req[512];
	int		 s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)httpd_port(srv));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(s = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(connect(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(req, sizeof(req), "PUT /v1/stream/stuck HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789");
	ck_assert_int_eq(write(s, req, strlen(req)), (ssize_t)strlen(req));
	ck_assert_int_ge(wait_count(&T.ndata, 1), 1);
	/* The client stalls; stopping the server must abort the stream. */
	httpd_stop(srv);
	srv = NULL;
	ck_assert_int_eq(count(&T.nabort), 1);
	ck_assert_int_eq(count(&T.nhandler), 0);
	close(s);
}
END_TEST

static const struct httpd_route bad_pattern[] = {
	{ "GET", "no-slash", 0, 0, h_ping, NULL, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};
static const struct httpd_route bad_brace[] = {
	{ "GET", "/a/{id", 0, 0, h_ping, NULL, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};
static const struct httpd_route bad_params[] = {
	{ "GET", "/{a}/{b}/{c}/{d}/{e}", 0, 0, h_ping, NULL, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};
static const struct httpd_route bad_stream[] = {
	{ "PUT", "/s", 10, HTTPD_STREAM, s_done, s_begin, s_data, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};
static const struct httpd_route bad_token[] = {
	{ "GET", "/b/{name}", 0, HTTPD_TOKEN_R, h_ping, NULL, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};
static const struct httpd_route bad_handler[] = {
	{ "GET", "/x", 0, 0, NULL, NULL, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};
static const struct httpd_route bad_json_stream[] = {
	{ "PUT", "/s", 10, HTTPD_STREAM | HTTPD_JSON, s_done, s_begin, s_data,
	    s_abort },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct {
	const char	*listen;
	const struct httpd_route *routes;
	const char	*cert, *key;
	const char	*expect;	/* in the error message */
} start_errors[] = {
	{ "nocolon", routes, NULL, NULL, "host:port expected" },
	{ NULL, routes, NULL, NULL, "host:port expected" },
	{ "127.0.0.1:99999", routes, NULL, NULL, "bad port" },
	{ "127.0.0.1:", routes, NULL, NULL, "bad port" },
	{ "127.0.0.1:8x", routes, NULL, NULL, "bad port" },
	{ "no.such.host.invalid:0", routes, NULL, NULL, "no.such.host" },
	{ "127.0.0.1:0", NULL, NULL, NULL, "no route table" },
	{ "127.0.0.1:0", bad_pattern, NULL, NULL, "no-slash" },
	{ "127.0.0.1:0", bad_brace, NULL, NULL, "bad pattern" },
	{ "127.0.0.1:0", bad_params, NULL, NULL, "bad pattern" },
	{ "127.0.0.1:0", bad_stream, NULL, NULL, "on_abort" },
	{ "127.0.0.1:0", bad_token, NULL, NULL, "needs an {id}" },
	{ "127.0.0.1:0", bad_handler, NULL, NULL, "handler" },
	{ "127.0.0.1:0", bad_json_stream, NULL, NULL, "JSON" },
	{ "127.0.0.1:0", routes, "/nonexistent/cert.pem",
	    "/nonexistent/key.pem", "/nonexistent/cert.pem" },
	{ "127.0.0.1:0", routes, "/dev/null", "/dev/null", "empty file" },
	{ "127.0.0.1:0", routes, "/etc/hostname", NULL, "both" },
};

START_TEST(test_start_errors)
{
	struct httpd_options o;
	char		 err[256];

	memset(&o, 0, sizeof(o));
	o.listen = start_errors[_i].listen;
	o.routes = start_errors[_i].routes;
	o.tls_cert_file = start_errors[_i].cert;
	o.tls_key_file = start_errors[_i].key;
	err[0] = '\0';
	ck_assert_ptr_null(httpd_start(&o, err, sizeof(err)));
	ck_assert_msg(strstr(err, start_errors[_i].expect) != NULL,
	    "case %d: \"%s\" lacks \"%s\"", _i, err, start_errors[_i].expect);
}
END_TEST

START_TEST(test_start_port_in_use)
{
	struct httpd_options o;
	char		 listen[64], err[256];

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", httpd_port(srv));
	memset(&o, 0, sizeof(o));
	o.listen = listen;
	o.routes = routes;
	err[0] = '\0';
	ck_assert_ptr_null(httpd_start(&o, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cannot serve on"));
	httpd_stop(NULL);
}
END_TEST

/* ---- limits --------------------------------------------------------------- */

START_TEST(test_length_over_cap)
{
	char		*data = pattern(SMALL_MAX + 1);
	struct call	 c = { .method = "POST", .path = "/v1/raw",
	    .body = data, .body_len = SMALL_MAX + 1,
	    .hdrs = { "Expect: 100-continue" } };

	call_do(&c);
	assert_error(&c, 413, "EFBIG");
	call_release(&c);

	/* Exactly the cap passes. */
	c = (struct call){ .method = "POST", .path = "/v1/raw", .body = data,
	    .body_len = SMALL_MAX };
	ck_assert_int_eq(call_do(&c), 200);
	ck_assert_uint_eq(c.resp.len, SMALL_MAX);
	call_release(&c);

	/* A route with max_body 0 takes no body at all. */
	c = (struct call){ .method = "GET", .path = "/ping", .body = "x",
	    .body_len = 1, .hdrs = { "Expect: 100-continue" } };
	call_do(&c);
	assert_error(&c, 413, "EFBIG");
	call_release(&c);

	/* A stream over its cap, announced: refused before on_begin. */
	c = (struct call){ .method = "PUT", .path = "/v1/stream/x",
	    .body = data, .body_len = SMALL_MAX,
	    .hdrs = { "Content-Length: 3000000", "Expect: 100-continue" } };
	call_do(&c);
	assert_error(&c, 413, "EFBIG");
	call_release(&c);
	ck_assert_int_eq(count(&T.nbegin), 0);
	free(data);
}
END_TEST

START_TEST(test_chunked_over_cap)
{
	char		*data = pattern(STREAM_MAX + 4096);
	struct call	 c = { .method = "POST", .path = "/v1/raw",
	    .body = data, .body_len = 8 * SMALL_MAX, .chunked = 1 };

	call_do(&c);
	assert_error(&c, 413, "EFBIG");
	call_release(&c);

	/* JSON route too. */
	c = (struct call){ .method = "POST", .path = "/v1/echo",
	    .body = data, .body_len = SMALL_MAX + 1, .chunked = 1 };
	call_do(&c);
	assert_error(&c, 413, "EFBIG");
	call_release(&c);

	/* A stream cut off at its cap: on_abort, no handler. */
	c = (struct call){ .method = "PUT", .path = "/v1/stream/over",
	    .body = data, .body_len = STREAM_MAX + 4096, .chunked = 1 };
	call_do(&c);
	assert_error(&c, 413, "EFBIG");
	call_release(&c);
	ck_assert_int_eq(count(&T.nabort), 1);
	ck_assert_int_eq(count(&T.nhandler), 0);

	/* Exactly the cap, chunked, is fine. */
	c = (struct call){ .method = "PUT", .path = "/v1/stream/exact",
	    .body = data, .body_len = STREAM_MAX, .chunked = 1 };
	ck_assert_int_eq(call_do(&c), 201);
	call_release(&c);
	ck_assert_int_eq(count(&T.nhandler), 1);
	free(data);
}
END_TEST

START_TEST(test_long_path)
{
	char		 path[1024];
	struct call	 c = { .method = "GET" };
	size_t		 i;

	/* More segments than any route may have: just 404. */
	for (i = 0; i < 100; i++)
		memcpy(path + 2 * i, "/a", 2);
	path[200] = '\0';
	c.path = path;
	call_do(&c);
	assert_error(&c, 404, "ENOENT");
	call_release(&c);
}
END_TEST

static Suite *
httpd_suite(void)
{
	Suite	*s = suite_create("httpd");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_route_and_headers);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_head);
	tcase_add_test(tc, test_json_echo);
	tcase_add_test(tc, test_raw_body);
	tcase_add_test(tc, test_fd_range);
	tcase_add_test(tc, test_stream_1mib);
	tcase_add_test(tc, test_concurrent);
	tcase_add_test(tc, test_keepalive_reuse);
	tcase_add_test(tc, test_tls);
	tcase_add_test(tc, test_no_secret_no_token);
	tcase_add_test(tc, test_resp_helpers);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_404);
	tcase_add_test(tc, test_405);
	tcase_add_test(tc, test_bad_json);
	tcase_add_test(tc, test_bad_id_and_params);
	tcase_add_test(tc, test_handler_error_is_json);
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_stream_refused_midway);
	tcase_add_test(tc, test_stream_refused_at_begin);
	tcase_add_test(tc, test_client_disconnect);
	tcase_add_test(tc, test_stop_aborts_streams);
	tcase_add_loop_test(tc, test_start_errors, 0,
	    (int)(sizeof(start_errors) / sizeof(start_errors[0])));
	tcase_add_test(tc, test_start_port_in_use);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_length_over_cap);
	tcase_add_test(tc, test_chunked_over_cap);
	tcase_add_test(tc, test_long_path);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 rc;

	/* A peer closing mid-answer must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	log_init("check_httpd", LOG_LEVEL_DEBUG, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = check_main(httpd_suite());
	curl_global_cleanup();
	return rc;
}
