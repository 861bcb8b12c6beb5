/*
 * httpd_synth: a request through a server's real route table and the real
 * httpd pipeline (the same httpd_req_* steps the libmicrohttpd callbacks
 * run: route match 404/405, Content-Length 413, path parameters 400, token
 * 403, body collection or streaming, JSON 400, the handler), without a
 * socket or a daemon.  For the fuzz targets (tests/fuzz) and tests; servers
 * never call it.
 *
 * What libmicrohttpd itself does is not reproduced: the caller gives
 * headers and query arguments already split (and the query decoded), and
 * the body as the client sends it.  Body delivery follows HTTP/1.1 as MHD
 * applies it: with a Content-Length of n only n bytes are read, and fewer
 * means the client went away (no answer, streams get on_abort); with
 * Transfer-Encoding every byte is read; with neither there is no body.
 *
 * Threads: a server from httpd_synth_new may take requests from several
 * threads, as a real one does; each answer belongs to its caller.
 */
#ifndef MINIDFS_HTTPD_SYNTH_H
#define MINIDFS_HTTPD_SYNTH_H

#include <stddef.h>
#include <stdint.h>

struct httpd;
struct httpd_route;

#define HTTPD_SYNTH_FD_MAX	(64u * 1024 * 1024) /* bytes read back from
						 * a file answer */

struct httpd_synth_req {
	const char	*method;
	const char	*uri;		/* raw, percent-encoded, may have '?' */
	const char *const *headers;	/* name, value, ..., NULL; or NULL */
	const char *const *query;	/* decoded arguments, likewise */
	const char	*body;		/* what the client sends */
	size_t		 body_len;
	size_t		 piece;		/* body fed in pieces of this many
					 * bytes; 0: in one */
};

struct httpd_synth_ans {
	int		 status;	/* 0: no answer (client gone, closed) */
	int		 accepted;	/* passed the checks before the body */
	int		 handled;	/* the route's handler ran */
	const struct httpd_route *route; /* matched, or NULL */
	char		*body;		/* malloc'ed answer body, NUL-ended */
	size_t		 body_len;
	int		 fd_short;	/* a file answer reached past the file */
	char		*allow;		/* malloc'ed Allow header or NULL */
};

/* A server over routes (checked as httpd_start checks them), with arg as
 * httpd_arg() and an optional secret.  NULL with a message in err. */
struct httpd	*httpd_synth_new(const struct httpd_route *routes, void *arg,
		    const void *secret, size_t secret_len, char *err,
		    size_t errlen);
void		 httpd_synth_free(struct httpd *);

/* Runs one request to its end; fills ans (release it).  Returns 0, or
 * -ENOMEM when the answer could not be kept. */
int		 httpd_synth_dispatch(struct httpd *,
		    const struct httpd_synth_req *, struct httpd_synth_ans *)
		    __attribute__((warn_unused_result));
void		 httpd_synth_ans_release(struct httpd_synth_ans *);

#endif /* MINIDFS_HTTPD_SYNTH_H */
