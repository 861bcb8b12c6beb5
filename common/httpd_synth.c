/*
 * httpd_synth: one request through the real httpd pipeline without
 * libmicrohttpd (common/httpd_synth.h).  It calls the same steps the MHD
 * callbacks in httpd.c call (httpd_req_new, _begin, _body, _end, _done), so
 * what a fuzz target or a test reaches here is the code a socket reaches:
 * only the transport (and MHD's own parsing of the request head) is left
 * out.  The answer is settled as queue_resp() settles it and read back.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/httpd.h"
#include "common/httpd_impl.h"
#include "common/httpd_synth.h"
#include "common/json.h"

struct httpd *
httpd_synth_new(const struct httpd_route *routes, void *arg,
    const void *secret, size_t secret_len, char *err, size_t errlen)
{
	struct httpd_options o;

	memset(&o, 0, sizeof(o));
	o.routes = routes;
	o.arg = arg;
	o.secret = secret;
	o.secret_len = secret_len;
	return httpd_new(&o, err, errlen);
}

void
httpd_synth_free(struct httpd *h)
{
	if (h != NULL)
		httpd_free(h);
}

void
httpd_synth_ans_release(struct httpd_synth_ans *ans)
{
	free(ans->body);
	free(ans->allow);
	memset(ans, 0, sizeof(*ans));
}

/* Reads a file answer back: fd_len bytes at fd_offset, as MHD would send. */
static int
read_fd(const struct httpd_resp *resp, struct httpd_synth_ans *ans)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0, len;

	if (fstat(resp->fd, &st) != 0 || resp->fd_offset > (uint64_t)st.st_size ||
	    resp->fd_len > (uint64_t)st.st_size - resp->fd_offset)
		ans->fd_short = 1;
	len = resp->fd_len > HTTPD_SYNTH_FD_MAX ? HTTPD_SYNTH_FD_MAX :
	    (size_t)resp->fd_len;
	if ((ans->body = malloc(len + 1)) == NULL)
		return -ENOMEM;
	while (got < len) {
		n = pread(resp->fd, ans->body + got, len - got,
		    (off_t)(resp->fd_offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ans->fd_short = 1;
			break;
		}
		got += (size_t)n;
	}
	ans->body[got] = '\0';
	ans->body_len = got;
	return 0;
}

/* Keeps the settled answer of req in ans. */
static int
take_answer(struct httpd_req *req, struct httpd_synth_ans *ans)
{
	struct httpd_resp *resp = &req->resp;
	size_t		 i;

	ans->status = req->status = httpd_resp_settle(resp);
	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, "Allow") == 0 &&
		    ans->allow == NULL &&
		    (ans->allow = strdup(resp->headers[i].value)) == NULL)
			return -ENOMEM;
	if (resp->json != NULL) {
		ans->body = json_print(resp->json);
		ans->body_len = strlen(ans->body);
	} else if (resp->body != NULL) {
		if ((ans->body = malloc(resp->body_len + 1)) == NULL)
			return -ENOMEM;
		memcpy(ans->body, resp->body, resp->body_len);
		ans->body[resp->body_len] = '\0';
		ans->body_len = resp->body_len;
	} else if (resp->fd >= 0)
		return read_fd(resp, ans);
	return 0;
}

int
httpd_synth_dispatch(struct httpd *h, const struct httpd_synth_req *sr,
    struct httpd_synth_ans *ans)
{
	struct httpd_req *req;
	size_t		 send, off, n;
	int		 close_after, rc = 0;

	memset(ans, 0, sizeof(*ans));
	req = httpd_req_new(h, NULL, sr->uri);
	req->synth_headers = sr->headers;
	req->synth_query = sr->query;
	if (httpd_req_begin(req, sr->uri, sr->method, &close_after) != 0) {
		ans->route = req->route;
		rc = take_answer(req, ans);
		httpd_req_done(req, 1, "completed");
		return rc;
	}
	ans->accepted = 1;
	ans->route = req->route;
	/* the bytes the server reads as this request's body */
	if (req->content_length < 0)
		send = sr->body_len;
	else
		send = (uint64_t)req->content_length < sr->body_len ?
		    (size_t)req->content_length : sr->body_len;
	for (off = 0; off < send; off += n) {
		n = sr->piece > 0 && sr->piece < send - off ? sr->piece :
		    send - off;
		if (httpd_req_body(req, sr->body + off, n) != 0) {
			httpd_req_done(req, 0, "error");
			return 0;
		}
	}
	if (req->content_length > 0 &&
	    (uint64_t)req->content_length > sr->body_len) {
		/* the client went away before the declared end */
		httpd_req_done(req, 0, "client went away");
		return 0;
	}
	httpd_req_end(req);
	ans->handled = req->finished && req->phase != HTTPD_PHASE_DISCARD;
	rc = take_answer(req, ans);
	httpd_req_done(req, 1, "completed");
	return rc;
}
