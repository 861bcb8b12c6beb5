/*
 * check_httpc: common/httpc.c against a tiny HTTP/1.1 server that runs in a
 * thread of the test on 127.0.0.1 and answers canned responses by path.  The
 * server records what it received (method, headers, body, whether it came
 * chunked) so that the tests can check the request side as well.
 *
 *   /status/<n>    answers <n> with body "status <n>"
 *   /echo          answers 200 with the request body (Content-Type copied)
 *   /err/<CODE>    answers errmap's status for CODE with its JSON error body
 *   /text500       answers 500 with a non-JSON body
 *   /empty404      answers 404 with no body
 *   /badjson       answers 200 "{not json" as application/json
 *   /big/<n>       answers 200 with n bytes, byte i = i % 251
 *   /headers       answers 200 with "X-Test:   hello  "
 *   /slow          answers after SLOW_MS
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/errmap.h"
#include "common/httpc.h"
#include "common/json.h"
#include "tests/lib/check_main.h"
#include "tests/lib/etcd_fixture.h"

#define SLOW_MS		2000	/* /slow answers after this */
#define REQ_MAX		(4u * 1024 * 1024)	/* request bytes kept */

struct srv {
	int		 lfd;
	int		 stop[2];	/* pipe: write to stop the thread */
	unsigned	 port;
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	/* what the last request looked like; protected by lock */
	char		 method[16];
	char		 path[256];
	char		 ctype[128];
	int		 chunked;
	int		 expect;
	long		 content_length;	/* -1: none */
	size_t		 body_len;
	unsigned long	 body_sum;
	int		 accepts;
};

static struct srv	 srv;

static long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
send_all(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = send(fd, c, n, MSG_NOSIGNAL)) <= 0)
			return;
		c += w;
		n -= w;
	}
}

static void
respond(int fd, int status, const char *ctype, const char *extra,
    const void *body, size_t len)
{
	char	 hdr[512];
	int	 n;

	n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d X\r\nContent-Length: %zu"
	    "\r\n%s%s%s%s\r\n", status, len, ctype != NULL ? "Content-Type: " :
	    "", ctype != NULL ? ctype : "", ctype != NULL ? "\r\n" : "",
	    extra != NULL ? extra : "");
	send_all(fd, hdr, n);
	send_all(fd, body, len);
}

/* Reads into *buf until it holds n bytes (or more); 0 on EOF / stop. */
static int
fill(int fd, char **buf, size_t *have, size_t *cap, size_t n)
{
	struct pollfd	 pfd[2];
	ssize_t		 r;

	while (*have < n) {
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = srv.stop[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) <= 0 || (pfd[1].revents & POLLIN))
			return 0;
		if (*cap - *have < 65536) {
			*cap = *cap * 2 + 65536;
			*buf = realloc(*buf, *cap);
			if (*buf == NULL)
				abort();
		}
		if ((r = recv(fd, *buf + *have, *cap - *have - 1, 0)) <= 0)
			return 0;
		*have += r;
		(*buf)[*have] = '\0';
	}
	return 1;
}

static void
consume(char *buf, size_t *have, size_t n)
{
	memmove(buf, buf + n, *have - n);
	*have -= n;
	buf[*have] = '\0';
}

/* Serves requests on one connection until it closes; 0 when stopping. */
static int
serve_conn(int fd)
{
	char	*buf = NULL, *body = NULL, *eoh, *line, *p;
	size_t	 have = 0, cap = 0, blen, i, hlen;
	char	 method[16], path[256], ctype[128];
	long	 clen;
	int	 chunked, expect, code, alive = 1;

	while (alive) {
		/* headers */
		while ((buf == NULL || (eoh = strstr(buf, "\r\n\r\n")) ==
		    NULL))
			if (!fill(fd, &buf, &have, &cap, have + 1))
				goto out;
		hlen = eoh - buf + 4;
		*eoh = '\0';
		if (sscanf(buf, "%15s %255s", method, path) != 2)
			goto out;
		clen = -1;
		chunked = expect = 0;
		ctype[0] = '\0';
		for (line = strstr(buf, "\r\n"); line != NULL;
		    line = strstr(line + 2, "\r\n")) {
			p = line + 2;
			if (strncasecmp(p, "Content-Length:", 15) == 0)
				clen = strtol(p + 15, NULL, 10);
			else if (strncasecmp(p, "Transfer-Encoding:",
			    18) == 0 && strstr(p, "chunked") != NULL)
				chunked = 1;
			else if (strncasecmp(p, "Expect:", 7) == 0)
				expect = 1;
			else if (strncasecmp(p, "Content-Type:", 13) == 0)
				sscanf(p + 13, " %127[^\r]", ctype);
		}
		consume(buf, &have, hlen);
		/* body */
		free(body);
		body = NULL;
		blen = 0;
		if (chunked) {
			for (;;) {
				size_t	 sz;

				while ((eoh = strstr(buf != NULL ? buf : "",
				    "\r\n")) == NULL)
					if (!fill(fd, &buf, &have, &cap,
					    have + 1))
						goto out;
				sz = strtoul(buf, NULL, 16);
				consume(buf, &have, eoh - buf + 2);
				if (!fill(fd, &buf, &have, &cap, sz + 2))
					goto out;
				if ((body = realloc(body, blen + sz + 1)) ==
				    NULL)
					abort();
				memcpy(body + blen, buf, sz);
				blen += sz;
				consume(buf, &have, sz + 2);
				if (sz == 0)
					break;
			}
		} else if (clen > 0) {
			if (!fill(fd, &buf, &have, &cap, clen))
				goto out;
			if ((body = malloc(clen + 1)) == NULL)
				abort();
			memcpy(body, buf, clen);
			blen = clen;
			consume(buf, &have, clen);
		}
		pthread_mutex_lock(&srv.lock);
		snprintf(srv.method, sizeof(srv.method), "%s", method);
		snprintf(srv.path, sizeof(srv.path), "%s", path);
		snprintf(srv.ctype, sizeof(srv.ctype), "%s", ctype);
		srv.chunked = chunked;
		srv.expect = expect;
		srv.content_length = clen;
		srv.body_len = blen;
		srv.body_sum = 0;
		for (i = 0; i < blen; i++)
			srv.body_sum = srv.body_sum * 31 +
			    (unsigned char)body[i];
		pthread_mutex_unlock(&srv.lock);

		/* answer */
		if (strncmp(path, "/status/", 8) == 0) {
			char	 b[32];

			code = atoi(path + 8);
			snprintf(b, sizeof(b), "status %d", code);
			/* a 204 carries no body */
			respond(fd, code, "text/plain", NULL, b,
			    code == 204 ? 0 : strlen(b));
		} else if (strcmp(path, "/echo") == 0) {
			respond(fd, 200, ctype[0] ? ctype : NULL, NULL,
			    body != NULL ? body : "", blen);
		} else if (strncmp(path, "/err/", 5) == 0) {
			int	 e = errmap_from_code(path + 5);
			cJSON	*eb = errmap_body(e, "no such thing");
			char	*t = json_print(eb);

			respond(fd, errmap_status(e), "application/json",
			    NULL, t, strlen(t));
			free(t);
			cJSON_Delete(eb);
		} else if (strcmp(path, "/text500") == 0) {
			respond(fd, 500, "text/plain", NULL, "oops", 4);
		} else if (strcmp(path, "/empty404") == 0) {
			respond(fd, 404, NULL, NULL, "", 0);
		} else if (strcmp(path, "/badjson") == 0) {
			respond(fd, 200, "application/json", NULL,
			    "{not json", 9);
		} else if (strncmp(path, "/big/", 5) == 0) {
			size_t	 n = strtoul(path + 5, NULL, 10);
			char	*b = malloc(n + 1);

			if (b == NULL)
				abort();
			for (i = 0; i < n; i++)
				b[i] = (char)(i % 251);
			respond(fd, 200, "application/octet-stream", NULL,
			    b, n);
			free(b);
		} else if (strcmp(path, "/headers") == 0) {
			respond(fd, 200, "text/plain",
			    "X-Test:   hello  \r\nX-Other: 2\r\n", "ok", 2);
		} else if (strcmp(path, "/slow") == 0) {
			struct pollfd	 pfd = { srv.stop[0], POLLIN, 0 };

			if (poll(&pfd, 1, SLOW_MS) != 0)
				goto out;
			respond(fd, 200, "text/plain", NULL, "late", 4);
			alive = 0;
		} else
			respond(fd, 404, NULL, NULL, "", 0);
	}
out:
	free(buf);
	free(body);
	return 1;
}

static void *
srv_main(void *arg)
{
	struct pollfd	 pfd[2];
	int		 fd;

	for (;;) {
		pfd[0].fd = srv.lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = srv.stop[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) <= 0 || (pfd[1].revents & POLLIN))
			break;
		if ((fd = accept(srv.lfd, NULL, NULL)) == -1)
			continue;
		pthread_mutex_lock(&srv.lock);
		srv.accepts++;
		pthread_mutex_unlock(&srv.lock);
		serve_conn(fd);
		close(fd);
	}
	return NULL;
}

static void
srv_start(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 one = 1;

	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.lock, NULL);
	ck_assert_int_eq(pipe(srv.stop), 0);
	srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(srv.lfd, 0);
	setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(srv.lfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	ck_assert_int_eq(listen(srv.lfd, 16), 0);
	ck_assert_int_eq(getsockname(srv.lfd, (struct sockaddr *)&sin, &len),
	    0);
	srv.port = ntohs(sin.sin_port);
	ck_assert_int_eq(pthread_create(&srv.thread, NULL, srv_main, NULL),
	    0);
}

static void
srv_stop(void)
{
	ck_assert_int_eq(write(srv.stop[1], "x", 1), 1);
	pthread_join(srv.thread, NULL);
	close(srv.lfd);
	close(srv.stop[0]);
	close(srv.stop[1]);
	pthread_mutex_destroy(&srv.lock);
}

/* The URL of path on the server; valid until four more calls. */
static char *
url(const char *path)
{
	static char	 u[4][300];
	static int	 next;
	char		*p = u[next++ % 4];

	snprintf(p, sizeof(u[0]), "http://127.0.0.1:%u%s", srv.port, path);
	return p;
}

/* ---- core */

START_TEST(test_status_codes)
{
	static const int codes[] = { 200, 201, 204, 400, 404, 409, 500, 503 };
	struct httpc	*c = httpc_new(NULL);
	struct buf	 resp = BUF_INIT(1024);
	char		 path[32], want[32], err[256];
	size_t		 i;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct httpc_req req = { .method = "GET", .resp = &resp };

		snprintf(path, sizeof(path), "/status/%d", codes[i]);
		req.url = url(path);
		buf_reset(&resp);
		ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
		ck_assert_int_eq(req.status, codes[i]);
		snprintf(want, sizeof(want), "status %d", codes[i]);
		if (codes[i] == 204)
			ck_assert_uint_eq(resp.len, 0);
		else
			ck_assert_str_eq(resp.data, want);
	}
	pthread_mutex_lock(&srv.lock);
	ck_assert_str_eq(srv.method, "GET");
	/* one connection carried every request */
	ck_assert_int_eq(srv.accepts, 1);
	pthread_mutex_unlock(&srv.lock);
	buf_release(&resp);
	httpc_free(c);
}
END_TEST

START_TEST(test_methods_and_body)
{
	static const char *methods[] = { "PUT", "POST", "DELETE", "GET" };
	struct httpc	*c = httpc_new(NULL);
	struct buf	 resp = BUF_INIT(1024);
	char		 err[256];
	size_t		 i;

	for (i = 0; i < 4; i++) {
		struct httpc_req req = { .method = methods[i],
		    .url = url("/echo"), .body = "a\0b", .body_len = 3,
		    .resp = &resp };

		buf_reset(&resp);
		ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
		ck_assert_int_eq(req.status, 200);
		ck_assert_uint_eq(resp.len, 3);
		ck_assert_mem_eq(resp.data, "a\0b", 3);
		pthread_mutex_lock(&srv.lock);
		ck_assert_str_eq(srv.method, methods[i]);
		ck_assert_int_eq(srv.expect, 0);
		ck_assert_int_eq(srv.content_length, 3);
		ck_assert_str_eq(srv.ctype, "application/octet-stream");
		pthread_mutex_unlock(&srv.lock);
	}
	{
		/* no body: nothing is read from stdin, length 0 */
		struct httpc_req req = { .method = "DELETE",
		    .url = url("/echo"), .resp = &resp };

		buf_reset(&resp);
		ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
		ck_assert_int_eq(req.status, 200);
		ck_assert_uint_eq(resp.len, 0);
		pthread_mutex_lock(&srv.lock);
		ck_assert_str_eq(srv.method, "DELETE");
		ck_assert_uint_eq(srv.body_len, 0);
		pthread_mutex_unlock(&srv.lock);
	}
	buf_release(&resp);
	httpc_free(c);
}
END_TEST

START_TEST(test_json_round_trip)
{
	struct httpc		*c = httpc_new(NULL);
	struct httpc_header	 h = { "X-Minidfs-Auth", "tok" };
	cJSON			*body, *ans = NULL;
	const char		*s;
	uint64_t		 n;
	long			 status = 0;
	char			 err[256];

	body = json_new_object();
	json_add_str(body, "name", "caf\xc3\xa9 \"q\"");
	json_add_u64(body, "size", UINT64_C(18446744073709551615));
	ck_assert_int_eq(httpc_json(c, "POST", url("/echo"), &h, 1, body,
	    &status, &ans, err, sizeof(err)), 0);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(ans);
	ck_assert_int_eq(json_get_str(ans, "name", &s), 0);
	ck_assert_str_eq(s, "caf\xc3\xa9 \"q\"");
	ck_assert_int_eq(json_get_u64(ans, "size", &n), 0);
	ck_assert(n == UINT64_C(18446744073709551615));
	pthread_mutex_lock(&srv.lock);
	ck_assert_str_eq(srv.ctype, "application/json");
	pthread_mutex_unlock(&srv.lock);
	cJSON_Delete(ans);
	cJSON_Delete(body);

	/* an empty 2xx body gives NULL */
	ans = (cJSON *)1;
	ck_assert_int_eq(httpc_json(c, "GET", url("/status/204"), NULL, 0,
	    NULL, &status, &ans, err, sizeof(err)), 0);
	ck_assert_int_eq(status, 204);
	ck_assert_ptr_null(ans);
	httpc_free(c);
}
END_TEST

START_TEST(test_error_bodies)
{
	struct httpc	*c = httpc_new(NULL);
	cJSON		*ans = NULL;
	long		 status;
	char		 err[256];

	ck_assert_int_eq(httpc_json(c, "GET", url("/err/ENOENT"), NULL, 0,
	    NULL, &status, &ans, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(status, 404);
	ck_assert_ptr_null(ans);
	ck_assert_ptr_nonnull(strstr(err, "no such thing"));
	ck_assert_int_eq(httpc_json(c, "GET", url("/err/EEXIST"), NULL, 0,
	    NULL, &status, &ans, err, sizeof(err)), -EEXIST);
	ck_assert_int_eq(status, errmap_status(EEXIST));
	ck_assert_int_eq(httpc_json(c, "GET", url("/err/ENOSPC"), NULL, 0,
	    NULL, &status, NULL, err, sizeof(err)), -ENOSPC);
	/* no usable body: fall back on the status */
	ck_assert_int_eq(httpc_json(c, "GET", url("/empty404"), NULL, 0,
	    NULL, &status, &ans, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(httpc_json(c, "GET", url("/text500"), NULL, 0,
	    NULL, &status, &ans, err, sizeof(err)),
	    -errmap_from_status(500));
	ck_assert_ptr_nonnull(strstr(err, "oops"));
	/* a 2xx that is not JSON */
	ck_assert_int_eq(httpc_json(c, "GET", url("/badjson"), NULL, 0,
	    NULL, &status, &ans, err, sizeof(err)), -EPROTO);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_null(ans);
	httpc_free(c);
}
END_TEST

struct upload {
	size_t	 total;
	size_t	 sent;
	size_t	 piece;
	int	 abort_at;	/* abort once sent reaches this (0: never) */
};

static size_t
up_read(char *dst, size_t max, void *arg)
{
	struct upload	*u = arg;
	size_t		 n, i;

	if (u->abort_at != 0 && u->sent >= (size_t)u->abort_at)
		return HTTPC_READ_ABORT;
	n = u->total - u->sent;
	if (n > max)
		n = max;
	if (n > u->piece)
		n = u->piece;
	for (i = 0; i < n; i++)
		dst[i] = (char)((u->sent + i) % 251);
	u->sent += n;
	return n;
}

static unsigned long
pattern_sum(size_t n)
{
	unsigned long	 s = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		s = s * 31 + (unsigned char)(i % 251);
	return s;
}

START_TEST(test_upload_chunked)
{
	struct httpc	*c = httpc_new(NULL);
	struct upload	 u = { 3 * 1024 * 1024 + 17, 0, 7000, 0 };
	struct buf	 resp = BUF_INIT(64);
	struct httpc_req req = { .method = "PUT", .url = url("/status/201"),
	    .read_cb = up_read, .read_arg = &u, .upload_len = -1,
	    .resp = &resp };
	char		 err[256];

	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
	ck_assert_int_eq(req.status, 201);
	pthread_mutex_lock(&srv.lock);
	ck_assert_str_eq(srv.method, "PUT");
	ck_assert_int_eq(srv.chunked, 1);
	ck_assert_int_eq(srv.expect, 0);
	ck_assert_int_eq(srv.content_length, -1);
	ck_assert_uint_eq(srv.body_len, u.total);
	ck_assert(srv.body_sum == pattern_sum(u.total));
	pthread_mutex_unlock(&srv.lock);
	buf_release(&resp);
	httpc_free(c);
}
END_TEST

START_TEST(test_upload_sized)
{
	struct httpc	*c = httpc_new(NULL);
	struct upload	 u = { 100000, 0, 999, 0 };
	struct httpc_req req = { .method = "POST", .url = url("/status/200"),
	    .read_cb = up_read, .read_arg = &u, .upload_len = 100000 };
	char		 err[256];

	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
	ck_assert_int_eq(req.status, 200);
	pthread_mutex_lock(&srv.lock);
	ck_assert_int_eq(srv.chunked, 0);
	ck_assert_int_eq(srv.expect, 0);
	ck_assert_int_eq(srv.content_length, 100000);
	ck_assert(srv.body_sum == pattern_sum(100000));
	pthread_mutex_unlock(&srv.lock);
	httpc_free(c);
}
END_TEST

struct sink {
	size_t		 len;
	unsigned long	 sum;
	int		 calls;
	size_t		 abort_after;	/* 0: never */
};

static int
sink_write(const char *p, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 i;

	s->calls++;
	for (i = 0; i < n; i++)
		s->sum = s->sum * 31 + (unsigned char)p[i];
	s->len += n;
	if (s->abort_after != 0 && s->len >= s->abort_after)
		return -EIO;
	return 0;
}

START_TEST(test_download_streamed)
{
	struct httpc	*c = httpc_new(NULL);
	struct sink	 s = { 0, 0, 0, 0 };
	struct buf	 resp = BUF_INIT(1024);
	struct httpc_req req = { .method = "GET", .url = url("/big/5000000"),
	    .write_cb = sink_write, .write_arg = &s, .resp = &resp };
	char		 err[256];

	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
	ck_assert_int_eq(req.status, 200);
	ck_assert_uint_eq(s.len, 5000000);
	ck_assert(s.sum == pattern_sum(5000000));
	ck_assert_uint_eq(resp.len, 0);	/* a 2xx went to the callback only */

	/* a non-2xx answer lands in resp, never in the callback */
	memset(&s, 0, sizeof(s));
	req.url = url("/status/404");
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
	ck_assert_int_eq(req.status, 404);
	ck_assert_int_eq(s.calls, 0);
	ck_assert_str_eq(resp.data, "status 404");
	buf_release(&resp);
	httpc_free(c);
}
END_TEST

static void
hdr_collect(const char *name, const char *value, void *arg)
{
	struct buf	*b = arg;

	ck_assert_int_eq(buf_appendf(b, "[%s=%s]", name, value), 0);
}

START_TEST(test_header_cb)
{
	struct httpc	*c = httpc_new(NULL);
	struct buf	 seen = BUF_INIT(4096);
	struct httpc_req req = { .method = "GET", .url = url("/headers"),
	    .header_cb = hdr_collect, .header_arg = &seen };
	char		 err[256];

	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
	ck_assert_int_eq(req.status, 200);
	ck_assert_ptr_nonnull(strstr(seen.data, "[X-Test=hello]"));
	ck_assert_ptr_nonnull(strstr(seen.data, "[X-Other=2]"));
	ck_assert_ptr_nonnull(strstr(seen.data, "[Content-Length=2]"));
	ck_assert_ptr_null(strstr(seen.data, "HTTP/"));
	buf_release(&seen);
	httpc_free(c);
}
END_TEST

START_TEST(test_request_headers)
{
	struct httpc_req req = { .method = "GET" };
	int		 i;

	for (i = 0; i < HTTPC_MAX_HEADERS; i++)
		ck_assert_int_eq(httpc_req_header(&req, "X-A", "b"), 0);
	ck_assert_int_eq(httpc_req_header(&req, "X-A", "b"), -E2BIG);
	ck_assert_uint_eq(req.nheaders, HTTPC_MAX_HEADERS);
}
END_TEST

START_TEST(test_custom_content_type)
{
	struct httpc	*c = httpc_new(NULL);
	struct buf	 resp = BUF_INIT(64);
	struct httpc_req req = { .method = "PUT", .url = url("/echo"),
	    .body = "x", .body_len = 1, .resp = &resp };
	char		 err[256];

	ck_assert_int_eq(httpc_req_header(&req, "Content-Type", "text/x-a"),
	    0);
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
	pthread_mutex_lock(&srv.lock);
	ck_assert_str_eq(srv.ctype, "text/x-a");
	pthread_mutex_unlock(&srv.lock);
	buf_release(&resp);
	httpc_free(c);
}
END_TEST

START_TEST(test_pool)
{
	struct httpc_options	 o = { .timeout_ms = 2000 };
	struct httpc_pool	*p = httpc_pool_new(&o, 1);
	struct httpc		*a, *b, *a2;
	struct httpc_req	 req = { .method = "GET" };
	char			 err[256];

	a = httpc_pool_get(p);
	b = httpc_pool_get(p);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	req.url = url("/status/200");
	ck_assert_int_eq(httpc_do(a, &req, err, sizeof(err)), 0);
	ck_assert_int_eq(req.status, 200);
	httpc_pool_put(p, a);
	httpc_pool_put(p, b);		/* over max_idle: freed */
	a2 = httpc_pool_get(p);
	ck_assert_ptr_eq(a2, a);	/* the idle one comes back */
	httpc_pool_put(p, a2);
	httpc_pool_put(p, NULL);
	httpc_pool_free(p);
	httpc_pool_free(NULL);
	httpc_free(NULL);
}
END_TEST

/* ---- errors */

START_TEST(test_refused)
{
	struct httpc	*c = httpc_new(NULL);
	struct httpc_req req = { .method = "GET" };
	char		 u[64], err[256] = "";
	unsigned	 port = test_free_port();

	ck_assert_uint_ne(port, 0);
	snprintf(u, sizeof(u), "http://127.0.0.1:%u/x", port);
	req.url = u;
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), -ECONNREFUSED);
	ck_assert_int_eq(req.status, 0);
	ck_assert_ptr_nonnull(strstr(err, u));
	ck_assert_int_eq(httpc_json(c, "GET", u, NULL, 0, NULL, NULL, NULL,
	    err, sizeof(err)), -ECONNREFUSED);
	httpc_free(c);
}
END_TEST

START_TEST(test_timeout)
{
	struct httpc_options o = { .timeout_ms = 300 };
	struct httpc	*c = httpc_new(&o);
	struct httpc_req req = { .method = "GET" };
	char		 err[256] = "";
	long		 t0;

	req.url = url("/slow");
	t0 = now_ms();
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), -ETIMEDOUT);
	ck_assert_int_lt(now_ms() - t0, SLOW_MS);
	ck_assert_str_ne(err, "");
	/* a per-request timeout overrides the client's */
	httpc_free(c);
	c = httpc_new(NULL);
	req.timeout_ms = 200;
	t0 = now_ms();
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), -ETIMEDOUT);
	ck_assert_int_lt(now_ms() - t0, SLOW_MS);
	httpc_free(c);
}
END_TEST

static int
abort_soon(void *arg)
{
	long	*deadline = arg;

	return now_ms() >= *deadline;
}

START_TEST(test_abort_cb)
{
	struct httpc	*c = httpc_new(NULL);
	struct httpc_req req = { .method = "GET", .abort_cb = abort_soon };
	long		 deadline = now_ms() + 200, t0 = now_ms();
	char		 err[256];

	req.url = url("/slow");
	req.abort_arg = &deadline;
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), -ECANCELED);
	ck_assert_int_lt(now_ms() - t0, SLOW_MS);
	httpc_free(c);
}
END_TEST

START_TEST(test_callback_aborts)
{
	struct httpc	*c = httpc_new(NULL);
	struct sink	 s = { 0, 0, 0, 1000 };
	struct upload	 u = { 1000000, 0, 4096, 50000 };
	struct httpc_req dl = { .method = "GET", .url = url("/big/2000000"),
	    .write_cb = sink_write, .write_arg = &s };
	struct httpc_req ul = { .method = "PUT", .url = url("/echo"),
	    .read_cb = up_read, .read_arg = &u, .upload_len = -1 };
	char		 err[256];

	ck_assert_int_eq(httpc_do(c, &dl, err, sizeof(err)), -ECANCELED);
	ck_assert_uint_lt(s.len, 2000000);
	ck_assert_int_eq(httpc_do(c, &ul, err, sizeof(err)), -ECANCELED);
	ck_assert_uint_ge(u.sent, 50000);
	ck_assert_uint_lt(u.sent, 1000000);
	/* the handle still works afterwards */
	dl.url = url("/status/200");
	dl.write_cb = NULL;
	ck_assert_int_eq(httpc_do(c, &dl, err, sizeof(err)), 0);
	ck_assert_int_eq(dl.status, 200);
	httpc_free(c);
}
END_TEST

START_TEST(test_bad_requests)
{
	struct httpc	*c = httpc_new(NULL);
	struct httpc_req req = { .method = "GET" };
	char		 err[256] = "";

	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), -EINVAL);
	ck_assert_str_ne(err, "");
	req.url = "ftp://127.0.0.1/x";
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), -EIO);
	req.url = "http://no-such-host.invalid/";
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), -EHOSTUNREACH);
	httpc_free(c);
}
END_TEST

/* ---- limits */

START_TEST(test_body_cap)
{
	struct httpc	*c = httpc_new(NULL);
	struct buf	 resp = BUF_INIT(1000);
	struct httpc_req req = { .method = "GET", .resp = &resp };
	char		 err[256] = "";

	req.url = url("/big/1000");
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), 0);
	ck_assert_uint_eq(resp.len, 1000);
	buf_reset(&resp);
	req.url = url("/big/1001");
	ck_assert_int_eq(httpc_do(c, &req, err, sizeof(err)), -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, "cap"));
	buf_release(&resp);
	httpc_free(c);
}
END_TEST

static Suite *
httpc_suite(void)
{
	Suite	*s = suite_create("httpc");
	TCase	*tc;

	httpc_global_init();
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, srv_start, srv_stop);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_status_codes);
	tcase_add_test(tc, test_methods_and_body);
	tcase_add_test(tc, test_json_round_trip);
	tcase_add_test(tc, test_error_bodies);
	tcase_add_test(tc, test_upload_chunked);
	tcase_add_test(tc, test_upload_sized);
	tcase_add_test(tc, test_download_streamed);
	tcase_add_test(tc, test_header_cb);
	tcase_add_test(tc, test_request_headers);
	tcase_add_test(tc, test_custom_content_type);
	tcase_add_test(tc, test_pool);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, srv_start, srv_stop);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_abort_cb);
	tcase_add_test(tc, test_callback_aborts);
	tcase_add_test(tc, test_bad_requests);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, srv_start, srv_stop);
	tcase_add_test(tc, test_body_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(httpc_suite());
}
