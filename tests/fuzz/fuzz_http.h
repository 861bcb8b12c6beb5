/*
 * fuzz_http: the request side of the route fuzz targets.  An input is a
 * small HTTP request in text:
 *
 *   METHOD SP URI LF            (URI raw: percent-encoded, maybe ?query)
 *   Name: value LF              (any number of header lines, up to 32)
 *   LF
 *   body                        (the rest, as the client sends it)
 *
 * CR before LF is dropped.  Query arguments are split from the URI and
 * decoded as libmicrohttpd would.  Pseudo-headers the harness takes for
 * itself (never passed on):
 *   X-Fuzz-Secret: 0        serve without a cluster secret (default: with)
 *   X-Fuzz-Piece: N         feed the body in pieces of N bytes
 * and a header value "@tok:OPS:SUBJECT[:TTL]" is replaced by a token signed
 * with the harness's secret (token_sign; TTL in seconds from now, default
 * 3600, may be negative), so the fuzzer can get past the token checks.
 *
 * fuzz_http_check() holds the invariants every server must keep, whatever
 * the input: with a secret, a route that needs a token never accepts a
 * request that carries no token signed with that secret; statuses are real;
 * a file answer stays inside its file; unmatched requests get 400, 404 or
 * 405 (with an Allow list).
 */
#ifndef MINIDFS_FUZZ_HTTP_H
#define MINIDFS_FUZZ_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/httpd_synth.h"

#define FUZZ_HTTP_MAX_HEADERS	32
#define FUZZ_HTTP_MAX_QUERY	16
#define FUZZ_SECRET		"fuzz-cluster-secret-0123456789"

struct fuzz_http {
	char		*text;		/* the input, NUL-terminated copy */
	struct httpd_synth_req sr;
	const char	*hdr[2 * FUZZ_HTTP_MAX_HEADERS + 1];
	size_t		 nhdr;		/* pairs */
	const char	*query[2 * FUZZ_HTTP_MAX_QUERY + 1];
	size_t		 nquery;
	char		*qbuf;		/* decoded query arguments */
	char		 tokens[FUZZ_HTTP_MAX_HEADERS][256];
	int		 with_secret;
	int		 signed_tokens;	/* how many @tok: values were signed */
};

/* Parses data into fh; 0, or -1 when the input is not a request. */
int	 fuzz_http_parse(struct fuzz_http *fh, const uint8_t *data,
	    size_t size);
void	 fuzz_http_release(struct fuzz_http *fh);
/* A header of the parsed request, or NULL. */
const char *fuzz_http_header(const struct fuzz_http *fh, const char *name);
/* Replaces the value of a header (value must outlive the request). */
void	 fuzz_http_set_header(struct fuzz_http *fh, const char *name,
	    const char *value);
/* The invariants above; aborts when one is broken. */
void	 fuzz_http_check(const struct fuzz_http *fh,
	    const struct httpd_synth_ans *ans);

#endif /* MINIDFS_FUZZ_HTTP_H */
