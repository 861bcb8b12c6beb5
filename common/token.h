/*
 * token: HMAC-SHA256 tokens with an expiry, signed with the cluster secret.
 *
 * Text form:  "<expiry>.<ops>.<subject>.<mac>"
 *   expiry   unix seconds, decimal
 *   ops      letters from TOKEN_OPS_LETTERS, in that order ("rw", "rwd", "a")
 *   subject  a block id, or "*" for any subject
 *   mac      64 lowercase hex digits: HMAC-SHA256(secret,
 *            "minidfs-token-v1\n<expiry>\n<ops>\n<subject>")
 * The ops letter 'a' (TOKEN_OP_ALL) grants every op on every subject: that is
 * what servers and authenticated clients present for cluster calls.
 * Comparisons are constant-time (CRYPTO_memcmp).  No state; thread-safe.
 */
#ifndef MINIDFS_TOKEN_H
#define MINIDFS_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_OP_READ		0x01u	/* 'r': GET/HEAD a block */
#define TOKEN_OP_WRITE		0x02u	/* 'w': PUT a block */
#define TOKEN_OP_DELETE		0x04u	/* 'd': DELETE a block */
#define TOKEN_OP_ALL		0x08u	/* 'a': cluster-internal, everything */
#define TOKEN_OPS_LETTERS	"rwda"
#define TOKEN_MAX_LEN		256	/* bytes of a token, with the NUL */
#define TOKEN_SUBJECT_ANY	"*"
#define TOKEN_SECRET_MIN	16	/* bytes: shorter secrets are refused */
#define TOKEN_SECRET_MAX	4096	/* bytes */

/* Signs a token into out (outlen >= TOKEN_MAX_LEN).  Returns 0, -EINVAL (empty
 * ops or subject with '.' or too long), or -ENOMEM. */
int	 token_sign(const void *secret, size_t secret_len, const char *subject,
	    unsigned ops, int64_t expiry, char *out, size_t outlen)
	    __attribute__((warn_unused_result));

/* Verifies token for subject and every op in need at time now (unix s).
 * A token for TOKEN_SUBJECT_ANY matches every subject; TOKEN_OP_ALL grants
 * every op.  Returns 0; -EINVAL malformed; -EACCES bad mac, wrong subject or
 * missing op; -EKEYEXPIRED past its expiry. */
int	 token_verify(const void *secret, size_t secret_len, const char *token,
	    const char *subject, unsigned need, int64_t now)
	    __attribute__((warn_unused_result));

/* Reads the cluster secret from path (trailing newline stripped).  The file
 * must not be readable by group or others.  On success *secret is malloc'ed
 * (caller frees) and *len set.  Returns 0 or -errno with a message in err. */
int	 token_load_secret(const char *path, char **secret, size_t *len,
	    char *err, size_t errlen) __attribute__((warn_unused_result));

#endif /* MINIDFS_TOKEN_H */
