/*
 * token: HMAC-SHA256 capability tokens.  The metaserver signs a short-lived
 * token naming a block and the ops allowed on it; a dataserver checks it with
 * the same cluster secret and no call back to anyone.  Servers and clients
 * sign an "a" token for cluster-internal calls.  The text form is in
 * token.h.  Parsing is strict: a token has exactly one textual form, so the
 * expiry and ops must be canonical (no leading zeros, letters in order, each
 * once), and the mac is compared in constant time (CRYPTO_memcmp).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/blockid.h"
#include "common/strnum.h"
#include "common/token.h"

#define TOKEN_MAC_PREFIX	"minidfs-token-v1\n"
#define TOKEN_MAC_LEN		32	/* bytes of HMAC-SHA256 */
#define TOKEN_MAC_HEX_LEN	64	/* hex digits of the mac */
#define TOKEN_OPS_MASK		(TOKEN_OP_READ | TOKEN_OP_WRITE | \
				    TOKEN_OP_DELETE | TOKEN_OP_ALL)

/* The bit of each letter of TOKEN_OPS_LETTERS, in the same order. */
static const unsigned token_op_bits[] = {
	TOKEN_OP_READ, TOKEN_OP_WRITE, TOKEN_OP_DELETE, TOKEN_OP_ALL,
};

/*
 * A subject is a block id or "*": printable ASCII without '.', the field
 * separator, and without anything that could not travel in an HTTP header.
 */
static int
subject_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '.')
			return 0;
	return 1;
}

/* Writes the letters of ops into out (5 bytes); 0 or -EINVAL. */
static int
ops_format(unsigned ops, char out[5])
{
	size_t	 i, n = 0;

	if (ops == 0 || (ops & ~TOKEN_OPS_MASK) != 0)
		return -EINVAL;
	for (i = 0; i < sizeof(token_op_bits) / sizeof(token_op_bits[0]); i++)
		if (ops & token_op_bits[i])
			out[n++] = TOKEN_OPS_LETTERS[i];
	out[n] = '\0';
	return 0;
}

/* Parses len letters at s: in TOKEN_OPS_LETTERS order, each at most once. */
static int
ops_parse(const char *s, size_t len, unsigned *out)
{
	size_t		 i, next = 0;
	const char	*l;
	unsigned	 ops = 0;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] == '\0' ||
		    (l = strchr(TOKEN_OPS_LETTERS, s[i])) == NULL)
			return -EINVAL;
		if ((size_t)(l - TOKEN_OPS_LETTERS) < next)
			return -EINVAL;
		next = (size_t)(l - TOKEN_OPS_LETTERS) + 1;
		ops |= token_op_bits[l - TOKEN_OPS_LETTERS];
	}
	*out = ops;
	return 0;
}

/* The hex mac of the canonical fields. 0 or -EINVAL / -ENOMEM. */
static int
token_mac(const void *secret, size_t secret_len, const char *expiry,
    const char *ops, const char *subject, size_t subject_len,
    char out[TOKEN_MAC_HEX_LEN + 1])
{
	char		 msg[TOKEN_MAX_LEN + sizeof(TOKEN_MAC_PREFIX)];
	uint8_t		 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	int		 n;

	if (secret == NULL || secret_len == 0 || secret_len > TOKEN_SECRET_MAX)
		return -EINVAL;
	n = snprintf(msg, sizeof(msg), TOKEN_MAC_PREFIX "%s\n%s\n%.*s",
	    expiry, ops, (int)subject_len, subject);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -EINVAL;
	if (HMAC(EVP_sha256(), secret, (int)secret_len, (const uint8_t *)msg,
	    (size_t)n, md, &mdlen) == NULL || mdlen != TOKEN_MAC_LEN)
		return -ENOMEM;
	blockid_hex(md, TOKEN_MAC_LEN, out);
	return 0;
}

/*
 * The expiry must be >= 0 (a unix time).  The subject is checked as a
 * verifier will parse it, so every signed token verifies.
 */
int
token_sign(const void *secret, size_t secret_len, const char *subject,
    unsigned ops, int64_t expiry, char *out, size_t outlen)
{
	char	 exp[24], letters[5], mac[TOKEN_MAC_HEX_LEN + 1];
	size_t	 slen;
	int	 n, rc;

	if (out == NULL || outlen < TOKEN_MAX_LEN || subject == NULL ||
	    expiry < 0)
		return -EINVAL;
	slen = strlen(subject);
	if (!subject_ok(subject, slen))
		return -EINVAL;
	if ((rc = ops_format(ops, letters)) != 0)
		return rc;
	snprintf(exp, sizeof(exp), "%" PRId64, expiry);
	/* Check the length before signing so nothing is truncated. */
	if (strlen(exp) + strlen(letters) + slen + TOKEN_MAC_HEX_LEN + 3 >=
	    TOKEN_MAX_LEN)
		return -EINVAL;
	if ((rc = token_mac(secret, secret_len, exp, letters, subject, slen,
	    mac)) != 0)
		return rc;
	n = snprintf(out, outlen, "%s.%s.%s.%s", exp, letters, subject, mac);
	if (n < 0 || (size_t)n >= outlen)
		return -EINVAL;
	return 0;
}

/*
 * A NULL subject asks for a token valid on every subject ("*" or an 'a'
 * token).  need bits outside TOKEN_OP_* cannot be granted: -EACCES.  A token
 * is valid up to and including the second of its expiry.
 */
int
token_verify(const void *secret, size_t secret_len, const char *token,
    const char *subject, unsigned need, int64_t now)
{
	const char	*dot1, *dot2, *dot3, *subj, *mac;
	char		 exp[24], letters[5], canon[24];
	char		 want[TOKEN_MAC_HEX_LEN + 1];
	size_t		 tlen, slen;
	int64_t		 expiry;
	unsigned	 ops;
	int		 rc;

	if (token == NULL)
		return -EINVAL;
	tlen = strnlen(token, TOKEN_MAX_LEN);
	if (tlen >= TOKEN_MAX_LEN)
		return -EINVAL;
	if ((dot1 = strchr(token, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    (dot3 = strchr(dot2 + 1, '.')) == NULL)
		return -EINVAL;

	/* expiry: canonical decimal, >= 0 */
	if ((size_t)(dot1 - token) >= sizeof(exp))
		return -EINVAL;
	memcpy(exp, token, (size_t)(dot1 - token));
	exp[dot1 - token] = '\0';
	if (parse_i64(exp, 0, INT64_MAX, &expiry) != 0)
		return -EINVAL;
	snprintf(canon, sizeof(canon), "%" PRId64, expiry);
	if (strcmp(canon, exp) != 0)
		return -EINVAL;

	/* ops: then re-formatted, which is the canonical form */
	if (ops_parse(dot1 + 1, (size_t)(dot2 - dot1 - 1), &ops) != 0 ||
	    ops_format(ops, letters) != 0)
		return -EINVAL;

	subj = dot2 + 1;
	slen = (size_t)(dot3 - subj);
	if (!subject_ok(subj, slen))
		return -EINVAL;

	/* mac: 64 lowercase hex digits and nothing after them */
	mac = dot3 + 1;
	if (!blockid_valid(mac))
		return -EINVAL;

	if ((rc = token_mac(secret, secret_len, exp, letters, subj, slen,
	    want)) != 0)
		return rc;
	if (CRYPTO_memcmp(want, mac, TOKEN_MAC_HEX_LEN) != 0)
		return -EACCES;

	if (now > expiry)
		return -EKEYEXPIRED;
	if (ops & TOKEN_OP_ALL)
		return 0;
	if ((need & ~(ops & TOKEN_OPS_MASK)) != 0)
		return -EACCES;
	if (slen == 1 && subj[0] == TOKEN_SUBJECT_ANY[0])
		return 0;
	if (subject == NULL || strlen(subject) != slen ||
	    memcmp(subject, subj, slen) != 0)
		return -EACCES;
	return 0;
}

static void
seterr(char *err, size_t errlen, const char *path, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", path, what);
}

/*
 * Refuses a file that group or others may access at all (read access leaks
 * the secret, write access lets them replace it), like ssh with a private
 * key.  Errors: -errno of open/fstat/read, -EINVAL (not a regular file,
 * shorter than TOKEN_SECRET_MIN), -EACCES (mode too open), -EFBIG (over
 * TOKEN_SECRET_MAX), -ENOMEM.
 */
int
token_load_secret(const char *path, char **secret, size_t *len, char *err,
    size_t errlen)
{
	char		 buf[TOKEN_SECRET_MAX + 3], msg[128], *p;
	struct stat	 st;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		rc = -errno;
		seterr(err, errlen, path, strerror_r(-rc, msg, sizeof(msg)));
		return rc;
	}
	if (fstat(fd, &st) == -1) {
		rc = -errno;
		seterr(err, errlen, path, strerror_r(-rc, msg, sizeof(msg)));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		seterr(err, errlen, path, "not a regular file");
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		rc = -EACCES;
		snprintf(msg, sizeof(msg), "permissions %04o are too open: the "
		    "secret must not be accessible by group or others "
		    "(chmod 600)", (unsigned)(st.st_mode & 07777));
		seterr(err, errlen, path, msg);
		goto out;
	}
	/* Read one byte more than any acceptable file holds, to see if the
	 * file is too long. */
	while (n < sizeof(buf)) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			rc = -errno;
			seterr(err, errlen, path,
			    strerror_r(-rc, msg, sizeof(msg)));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > 0 && buf[n - 1] == '\n') {
		n--;
		if (n > 0 && buf[n - 1] == '\r')
			n--;
	}
	if (n > TOKEN_SECRET_MAX) {
		rc = -EFBIG;
		snprintf(msg, sizeof(msg), "secret longer than %d bytes",
		    TOKEN_SECRET_MAX);
		seterr(err, errlen, path, msg);
		goto out;
	}
	if (n < TOKEN_SECRET_MIN) {
		rc = -EINVAL;
		snprintf(msg, sizeof(msg), "secret shorter than %d bytes",
		    TOKEN_SECRET_MIN);
		seterr(err, errlen, path, msg);
		goto out;
	}
	if ((p = malloc(n + 1)) == NULL) {
		rc = -ENOMEM;
		seterr(err, errlen, path, "out of memory");
		goto out;
	}
	memcpy(p, buf, n);
	p[n] = '\0';
	*secret = p;
	*len = n;
	rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return rc;
}
