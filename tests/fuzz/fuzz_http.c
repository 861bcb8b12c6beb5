/*
 * fuzz_http: turns a fuzz input into a request for httpd_synth and checks
 * the answer against the invariants every server keeps (fuzz_http.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/httpd.h"
#include "common/strnum.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_http.h"

void
fuzz_fail(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz: invariant broken: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %xx and '+' in place, as MHD does for query arguments. */
static void
unescape(char *s)
{
	char	*o = s;

	for (; *s != '\0'; s++) {
		if (*s == '%' && hexv(s[1]) >= 0 && hexv(s[2]) >= 0) {
			*o++ = (char)(hexv(s[1]) * 16 + hexv(s[2]));
			s += 2;
		} else if (*s == '+')
			*o++ = ' ';
		else
			*o++ = *s;
	}
	*o = '\0';
}

static void
split_query(struct fuzz_http *fh, const char *uri)
{
	const char	*q = strchr(uri, '?');
	char		*p, *amp, *eq;

	fh->query[0] = NULL;
	if (q == NULL)
		return;
	fh->qbuf = xstrdup(q + 1);
	for (p = fh->qbuf; p != NULL && fh->nquery < FUZZ_HTTP_MAX_QUERY;
	    p = amp) {
		if ((amp = strchr(p, '&')) != NULL)
			*amp++ = '\0';
		if (*p == '\0')
			continue;
		if ((eq = strchr(p, '=')) != NULL)
			*eq++ = '\0';
		else
			eq = p + strlen(p);	/* "?all": an empty value */
		unescape(p);
		unescape(eq);
		fh->query[2 * fh->nquery] = p;
		fh->query[2 * fh->nquery + 1] = eq;
		fh->nquery++;
	}
	fh->query[2 * fh->nquery] = NULL;
}

/* "@tok:OPS:SUBJECT[:TTL]" into a signed token; NULL if not one. */
static const char *
sign_placeholder(struct fuzz_http *fh, const char *v, size_t slot)
{
	char		 ops_s[8], subj[128];
	const char	*p, *c;
	unsigned	 ops = 0;
	int64_t		 ttl = 3600;
	size_t		 i, n;

	if (strncmp(v, "@tok:", 5) != 0)
		return NULL;
	p = v + 5;
	if ((c = strchr(p, ':')) == NULL || (size_t)(c - p) >= sizeof(ops_s))
		return NULL;
	memcpy(ops_s, p, (size_t)(c - p));
	ops_s[c - p] = '\0';
	for (i = 0; ops_s[i] != '\0'; i++) {
		const char *l = strchr(TOKEN_OPS_LETTERS, ops_s[i]);

		if (l == NULL)
			return NULL;
		ops |= 1u << (l - TOKEN_OPS_LETTERS);
	}
	p = c + 1;
	n = strcspn(p, ":");
	if (n >= sizeof(subj))
		return NULL;
	memcpy(subj, p, n);
	subj[n] = '\0';
	if (p[n] == ':' && parse_i64(p + n + 1, -1000000, 1000000, &ttl) != 0)
		return NULL;
	if (token_sign(FUZZ_SECRET, strlen(FUZZ_SECRET), subj, ops,
	    (int64_t)time(NULL) + ttl, fh->tokens[slot],
	    sizeof(fh->tokens[slot])) != 0)
		return NULL;
	fh->signed_tokens++;
	return fh->tokens[slot];
}

int
fuzz_http_parse(struct fuzz_http *fh, const uint8_t *data, size_t size)
{
	char		*line, *nl, *sp, *colon, *v;
	const char	*signed_tok;
	uint64_t	 piece;
	size_t		 off;

	memset(fh, 0, sizeof(*fh));
	fh->with_secret = 1;
	fh->text = xmalloc(size + 1);
	memcpy(fh->text, data, size);
	fh->text[size] = '\0';
	fh->hdr[0] = NULL;
	fh->query[0] = NULL;

	/* request line */
	line = fh->text;
	if ((nl = memchr(line, '\n', size)) == NULL)
		return -1;
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	if ((sp = strchr(line, ' ')) == NULL || sp == line)
		return -1;
	*sp = '\0';
	fh->sr.method = line;
	fh->sr.uri = sp + 1;
	split_query(fh, fh->sr.uri);

	/* headers, up to an empty line */
	off = (size_t)(nl - fh->text) + 1;
	while (off < size) {
		line = fh->text + off;
		if ((nl = memchr(line, '\n', size - off)) == NULL)
			nl = fh->text + size;
		off = (size_t)(nl - fh->text) + 1;
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (line[0] == '\0')
			break;
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			continue;
		*colon = '\0';
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (strcasecmp(line, "X-Fuzz-Secret") == 0) {
			fh->with_secret = strcmp(v, "0") != 0;
			continue;
		}
		if (strcasecmp(line, "X-Fuzz-Piece") == 0) {
			if (parse_u64(v, 1, 1u << 20, &piece) == 0)
				fh->sr.piece = (size_t)piece;
			continue;
		}
		if (fh->nhdr == FUZZ_HTTP_MAX_HEADERS)
			continue;
		if ((signed_tok = sign_placeholder(fh, v, fh->nhdr)) != NULL)
			v = (char *)signed_tok;
		fh->hdr[2 * fh->nhdr] = line;
		fh->hdr[2 * fh->nhdr + 1] = v;
		fh->nhdr++;
	}
	fh->hdr[2 * fh->nhdr] = NULL;
	fh->sr.headers = fh->hdr;
	fh->sr.query = fh->query;
	if (off < size) {
		fh->sr.body = (const char *)data + off;
		fh->sr.body_len = size - off;
	} else {
		fh->sr.body = "";
		fh->sr.body_len = 0;
	}
	return 0;
}

void
fuzz_http_release(struct fuzz_http *fh)
{
	free(fh->text);
	free(fh->qbuf);
	memset(fh, 0, sizeof(*fh));
}

const char *
fuzz_http_header(const struct fuzz_http *fh, const char *name)
{
	size_t	 i;

	for (i = 0; i < fh->nhdr; i++)
		if (strcasecmp(fh->hdr[2 * i], name) == 0)
			return fh->hdr[2 * i + 1];
	return NULL;
}

void
fuzz_http_set_header(struct fuzz_http *fh, const char *name,
    const char *value)
{
	size_t	 i;

	for (i = 0; i < fh->nhdr; i++)
		if (strcasecmp(fh->hdr[2 * i], name) == 0)
			fh->hdr[2 * i + 1] = value;
}

void
fuzz_http_check(const struct fuzz_http *fh, const struct httpd_synth_ans *ans)
{
	const unsigned tok = HTTPD_AUTH | HTTPD_TOKEN_R | HTTPD_TOKEN_W |
	    HTTPD_TOKEN_D;

	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz: %s %s -> %d%s%s %.*s\n", fh->sr.method,
		    fh->sr.uri, ans->status, ans->accepted ? " accepted" : "",
		    ans->handled ? " handled" : "",
		    ans->body != NULL && ans->body[0] == '{' ?
		    (int)ans->body_len : 0, ans->body != NULL ? ans->body : "");

	if (ans->status != 0 && (ans->status < 100 || ans->status > 599))
		fuzz_fail("status %d", ans->status);
	if (ans->fd_short)
		fuzz_fail("a file answer reaches past its file");
	if (fh->with_secret && ans->route != NULL &&
	    (ans->route->flags & tok) && ans->accepted &&
	    fh->signed_tokens == 0)
		fuzz_fail("%s %s accepted without a signed token",
		    ans->route->method, ans->route->pattern);
	if (ans->route == NULL && ans->status != 400 && ans->status != 404 &&
	    ans->status != 405)
		fuzz_fail("no route, yet status %d", ans->status);
	if (ans->status == 405 && (ans->allow == NULL || ans->allow[0] == '\0'))
		fuzz_fail("405 without an Allow list");
	if (ans->handled && !ans->accepted)
		fuzz_fail("a handler ran for a refused request");
	if (ans->status >= 400 && ans->body == NULL)
		fuzz_fail("error %d without a body", ans->status);
}
