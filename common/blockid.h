/*
 * blockid: block ids are the SHA-256 of the block's content as 64 lowercase
 * hex digits.  Streaming hashing through libcrypto's EVP API.
 * A struct blockid_ctx is owned by its user and not shared between threads.
 */
#ifndef MINIDFS_BLOCKID_H
#define MINIDFS_BLOCKID_H

#include <stddef.h>
#include <stdint.h>

#define BLOCKID_LEN	32			/* bytes of SHA-256 */
#define BLOCKID_HEX_LEN	64			/* hex digits */
#define BLOCKID_BUFSZ	(BLOCKID_HEX_LEN + 1)	/* with the NUL */

struct evp_md_ctx_st;

struct blockid_ctx {
	struct evp_md_ctx_st	*md;
};

/* Returns 0 or -ENOMEM. */
int	 blockid_init(struct blockid_ctx *) __attribute__((warn_unused_result));
void	 blockid_update(struct blockid_ctx *, const void *, size_t);
/* Writes the hex id (BLOCKID_BUFSZ bytes) and releases the context. */
void	 blockid_final(struct blockid_ctx *, char out[BLOCKID_BUFSZ]);
/* Releases a context without finishing it (error paths). */
void	 blockid_release(struct blockid_ctx *);
/* One-shot: the id of len bytes at p.  Returns 0 or -ENOMEM. */
int	 blockid_of(const void *p, size_t len, char out[BLOCKID_BUFSZ])
	    __attribute__((warn_unused_result));
/* Raw 32-byte digest of len bytes (sub-block checksums).  0 or -ENOMEM. */
int	 blockid_digest(const void *p, size_t len, uint8_t out[BLOCKID_LEN])
	    __attribute__((warn_unused_result));
/* 1 when s is exactly 64 lowercase hex digits followed by NUL, else 0. */
int	 blockid_valid(const char *s);
/* Hex-encodes n bytes into out (2n+1 bytes with the NUL). */
void	 blockid_hex(const uint8_t *p, size_t n, char *out);
/* The inverse for ids: the 32 bytes of hex, which must pass blockid_valid.
 * Returns 0, or -EINVAL (out untouched). */
int	 blockid_parse(const char *hex, uint8_t out[BLOCKID_LEN])
	    __attribute__((warn_unused_result));

#endif /* MINIDFS_BLOCKID_H */
