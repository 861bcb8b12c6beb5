/*
 * fuzz_token: common/token.c, the tokens every server checks.  An input is
 * lines: TOKEN LF SUBJECT LF NEED LF NOW (NEED: letters of "rwda", NOW: a
 * decimal time); missing lines are empty.
 *   - token_verify on the input's token never crashes and answers 0,
 *     -EINVAL, -EACCES or -EKEYEXPIRED; an accepted token must be one
 *     token_sign gives for its own fields;
 *   - token_sign of the input's subject and ops, then token_verify: the
 *     token is accepted for its subject and ops until its expiry, expired
 *     one second later, refused with a changed MAC or another secret.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strnum.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_http.h"

#define OTHER_SECRET	"another-secret-of-enough-length"

static unsigned
ops_of(const char *s)
{
	unsigned ops = 0;
	const char *l;

	for (; *s != '\0'; s++)
		if ((l = strchr(TOKEN_OPS_LETTERS, *s)) != NULL)
			ops |= 1u << (l - TOKEN_OPS_LETTERS);
	return ops;
}

/* Splits text at LF into at most n fields (the rest are ""). */
static void
fields(char *text, char **f, size_t n)
{
	size_t	 i;
	char	*nl;

	for (i = 0; i < n; i++) {
		f[i] = text;
		if (text[0] != '\0' && (nl = strchr(text, '\n')) != NULL) {
			*nl = '\0';
			text = nl + 1;
		} else
			text += strlen(text);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*sec = FUZZ_SECRET;
	size_t		 sl = strlen(FUZZ_SECRET);
	char		*text, *f[4], tok[TOKEN_MAX_LEN], again[TOKEN_MAX_LEN];
	char		*d1, *d2, *d3;
	unsigned	 need, ops;
	int64_t		 now = 0, exp;
	int		 rc;

	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	fields(text, f, 4);
	need = ops_of(f[2]);
	if (parse_i64(f[3], INT64_MIN, INT64_MAX, &now) != 0)
		now = 0;

	rc = token_verify(sec, sl, f[0], f[1], need, now);
	if (rc != 0 && rc != -EINVAL && rc != -EACCES && rc != -EKEYEXPIRED)
		fuzz_fail("token_verify: %d", rc);
	if (rc == 0) {
		/* accepted: re-signing its own fields gives the same token */
		snprintf(tok, sizeof(tok), "%s", f[0]);
		if ((d1 = strchr(tok, '.')) == NULL ||
		    (d2 = strchr(d1 + 1, '.')) == NULL ||
		    (d3 = strchr(d2 + 1, '.')) == NULL)
			fuzz_fail("accepted a token without three dots");
		*d1 = *d2 = *d3 = '\0';
		if (parse_i64(tok, 0, INT64_MAX, &exp) != 0 ||
		    token_sign(sec, sl, d2 + 1, ops_of(d1 + 1), exp, again,
		    sizeof(again)) != 0 || strcmp(again, f[0]) != 0)
			fuzz_fail("accepted a token token_sign does not make");
	}

	/* round trip of the input's subject and ops */
	ops = ops_of(f[2]);
	exp = now < 0 ? 0 : now;
	if (token_sign(sec, sl, f[1], ops, exp, tok, sizeof(tok)) == 0) {
		unsigned plain = ops & ~TOKEN_OP_ALL;

		if ((rc = token_verify(sec, sl, tok, f[1], plain, exp)) != 0)
			fuzz_fail("own token refused (%d): %s", rc, tok);
		if (exp < INT64_MAX && token_verify(sec, sl, tok, f[1], plain,
		    exp + 1) != -EKEYEXPIRED)
			fuzz_fail("token not expired after its expiry: %s",
			    tok);
		if (token_verify(OTHER_SECRET, strlen(OTHER_SECRET), tok,
		    f[1], plain, exp) == 0)
			fuzz_fail("token accepted under another secret");
		tok[strlen(tok) - 1] ^= 1;
		if (token_verify(sec, sl, tok, f[1], plain, exp) == 0)
			fuzz_fail("token accepted with a changed MAC");
	}
	free(text);
	return 0;
}
