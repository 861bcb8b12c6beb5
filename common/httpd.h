/*
 * httpd: the HTTP server glue every server uses, over libmicrohttpd.
 *
 * A server declares ONE table of routes (server/<x>/routes.c).  Before a
 * handler runs httpd has:
 *   - matched method and path (404 unknown path, 405 wrong method);
 *   - checked Content-Length against the route's max_body (413), and keeps a
 *     chunked body within it too;
 *   - collected the body (or, for HTTPD_STREAM routes, fed it piecewise);
 *   - parsed it as JSON for HTTPD_JSON routes (400 with a JSON error body);
 *   - checked the token when a secret is set (403): HTTPD_AUTH routes need a
 *     cluster token (TOKEN_OP_ALL) in HTTP_HDR_AUTH; HTTPD_TOKEN_{R,W,D}
 *     routes need a block token for the {id} path parameter in HTTP_HDR_TOKEN
 *     (a cluster token also passes);
 *   - validated path parameters: {id} must pass blockid_valid (400), {name}
 *     is any non-empty segment without '/' (percent-decoded).
 * Errors are answered as errmap_body() JSON.
 *
 * Threads: one thread per connection (MHD_USE_THREAD_PER_CONNECTION), so a
 * handler may block (disk, etcd, a downstream upload).  Handlers run
 * concurrently; the server context they share must do its own locking.
 *
 * Signals: httpd_start() sets SIGPIPE to SIG_IGN for the whole process (and
 * so for any child it later execs), so a client that goes away mid-answer
 * is a failed write, never a dead server.  It does not restore it.
 */
#ifndef MINIDFS_HTTPD_H
#define MINIDFS_HTTPD_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct httpd;
struct httpd_req;

#define HTTPD_MAX_PARAMS	4	/* path parameters per route */
#define HTTPD_MAX_RESP_HEADERS	8

enum httpd_flags {
	HTTPD_JSON	= 0x01,	/* parse the body as JSON into req->json */
	HTTPD_STREAM	= 0x02,	/* body fed to on_data piece by piece */
	HTTPD_AUTH	= 0x04,	/* cluster token required (when secret set) */
	HTTPD_TOKEN_R	= 0x08,	/* block token with read for {id} */
	HTTPD_TOKEN_W	= 0x10,	/* ... with write */
	HTTPD_TOKEN_D	= 0x20,	/* ... with delete */
};

struct httpd_resp {
	int		 status;	/* 200 when left 0 */
	struct cJSON	*json;		/* answer body; httpd frees it */
	char		*body;		/* or a malloc'ed body; httpd frees it */
	size_t		 body_len;
	const char	*content_type;	/* static string, for body */
	int		 fd;		/* or a file range: fd (closed by httpd), */
	uint64_t	 fd_offset;	/*   -1 when unused (httpd_resp_init) */
	uint64_t	 fd_len;
	struct {
		char	*name;		/* malloc'ed; httpd frees */
		char	*value;
	} headers[HTTPD_MAX_RESP_HEADERS];
	size_t		 nheaders;
};

struct httpd_route {
	const char	*method;	/* "GET", "PUT", ... (HEAD matches GET
					 * routes unless a HEAD route exists) */
	const char	*pattern;	/* "/v1/blocks/{id}" */
	size_t		 max_body;	/* bytes; 0 = no body allowed */
	unsigned	 flags;		/* enum httpd_flags */
	/* Called once the body is complete (or, for streams, after the last
	 * on_data).  Fills resp.  Must not keep req. */
	void		(*handler)(struct httpd_req *, struct httpd_resp *);
	/* HTTPD_STREAM only: on_begin runs before any body byte, on_data for
	 * each piece; either may set resp->status >= 400 (and json) to refuse,
	 * after which the rest of the body is discarded and that answer sent.
	 * on_abort runs instead of handler when the client goes away or the
	 * request is refused; it must release req's state. */
	void		(*on_begin)(struct httpd_req *, struct httpd_resp *);
	void		(*on_data)(struct httpd_req *, const char *p, size_t n,
			    struct httpd_resp *);
	void		(*on_abort)(struct httpd_req *);
};

struct httpd_options {
	const char	*listen;	/* "host:port" */
	const struct httpd_route *routes; /* table ending in { NULL } */
	void		*arg;		/* the server's context, httpd_arg() */
	const void	*secret;	/* cluster secret or NULL (no auth) */
	size_t		 secret_len;
	const char	*tls_cert_file;	/* PEM; both or neither */
	const char	*tls_key_file;
	unsigned	 max_connections; /* 0: HTTPD_DEFAULT_MAX_CONN */
	unsigned	 timeout_s;	/* idle connection timeout; 0: default */
	/* Memory per connection, which bounds how much of a request body one
	 * on_data call gets; 0: libmicrohttpd's 32 KiB.  Servers that take
	 * bulk uploads want more (HTTPD_BULK_CONN_MEMORY). */
	size_t		 conn_memory;
};
#define HTTPD_DEFAULT_MAX_CONN	1024
#define HTTPD_DEFAULT_TIMEOUT_S	120
/* 256 KiB: a 4 MiB block arrives in ~16 reads, not ~250 (measured: a
 * fifth less CPU per byte on a 3-node chain write; more gains nothing). */
#define HTTPD_BULK_CONN_MEMORY	(256 * 1024)

/* Starts serving.  Returns the server or NULL with a message in err. */
struct httpd	*httpd_start(const struct httpd_options *, char *err,
		    size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned	 httpd_port(const struct httpd *);
/* Stops accepting, waits for running handlers, frees. NULL is a no-op. */
void		 httpd_stop(struct httpd *);

/* Request accessors; strings live until the handler returns. */
void		*httpd_arg(const struct httpd_req *);
const char	*httpd_method(const struct httpd_req *);
const char	*httpd_path(const struct httpd_req *);
/* Path parameter by name ("id"), NULL if the route has none. */
const char	*httpd_param(const struct httpd_req *, const char *name);
/* Request header (case-insensitive) or query argument, NULL if absent. */
const char	*httpd_header(const struct httpd_req *, const char *name);
const char	*httpd_query(const struct httpd_req *, const char *name);
/* Parsed JSON body (HTTPD_JSON) or NULL; owned by httpd. */
const struct cJSON *httpd_json(const struct httpd_req *);
/* Raw body (not for streams); owned by httpd. */
const char	*httpd_body(const struct httpd_req *, size_t *len);
/* Declared Content-Length, or -1 when chunked. */
int64_t		 httpd_content_length(const struct httpd_req *);
/* The peer's address as "ip:port" (static per request). */
const char	*httpd_peer(const struct httpd_req *);
/* Per-request handler state (streams). */
void		*httpd_state(const struct httpd_req *);
void		 httpd_set_state(struct httpd_req *, void *);

/* Response helpers. */
void	 httpd_resp_init(struct httpd_resp *);
/* Sets status and an errmap_body(err, printf-message) JSON answer. */
void	 httpd_resp_error(struct httpd_resp *, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Sets status and the json body (resp takes it). */
void	 httpd_resp_json(struct httpd_resp *, int status, struct cJSON *);
/* Adds a header (copied). -E2BIG when full. */
int	 httpd_resp_header(struct httpd_resp *, const char *name,
	    const char *value);

#endif /* MINIDFS_HTTPD_H */
