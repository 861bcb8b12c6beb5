/*
 * blockid: a block's id is the SHA-256 of its content in lowercase hex.  The
 * hashing goes through libcrypto's EVP interface (no private SHA code), one
 * EVP_MD_CTX per stream, so a block can be hashed while it is received.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/blockid.h"
#include "common/log.h"

int
blockid_init(struct blockid_ctx *c)
{
	if ((c->md = EVP_MD_CTX_new()) == NULL)
		return -ENOMEM;
	if (EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c->md);
		c->md = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* SHA-256 updates on an initialised context cannot fail short of a broken
 * library: that is an invariant, not an input error. */
void
blockid_update(struct blockid_ctx *c, const void *p, size_t len)
{
	if (len == 0)
		return;
	if (EVP_DigestUpdate(c->md, p, len) != 1)
		fatalx("blockid_update: EVP_DigestUpdate failed");
}

void
blockid_final(struct blockid_ctx *c, char out[BLOCKID_BUFSZ])
{
	uint8_t		 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;

	if (EVP_DigestFinal_ex(c->md, md, &n) != 1 || n != BLOCKID_LEN)
		fatalx("blockid_final: EVP_DigestFinal_ex failed");
	blockid_hex(md, BLOCKID_LEN, out);
	blockid_release(c);
}

void
blockid_release(struct blockid_ctx *c)
{
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
}

int
blockid_digest(const void *p, size_t len, uint8_t out[BLOCKID_LEN])
{
	unsigned int	 n = 0;

	/* EVP_Digest reads nothing when len is 0, but wants a pointer. */
	if (EVP_Digest(len == 0 ? "" : p, len, out, &n, EVP_sha256(),
	    NULL) != 1 || n != BLOCKID_LEN)
		return -ENOMEM;
	return 0;
}

int
blockid_of(const void *p, size_t len, char out[BLOCKID_BUFSZ])
{
	uint8_t	 md[BLOCKID_LEN];
	int	 rc;

	if ((rc = blockid_digest(p, len, md)) != 0)
		return rc;
	blockid_hex(md, BLOCKID_LEN, out);
	return 0;
}

int
blockid_valid(const char *s)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	/* Stops at the NUL of a short string: '\0' is not a hex digit. */
	for (i = 0; i < BLOCKID_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[BLOCKID_HEX_LEN] == '\0';
}

void
blockid_hex(const uint8_t *p, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

static int
hexdigit(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

int
blockid_parse(const char *hex, uint8_t out[BLOCKID_LEN])
{
	size_t	 i;

	if (!blockid_valid(hex))
		return -EINVAL;
	for (i = 0; i < BLOCKID_LEN; i++)
		out[i] = (uint8_t)(hexdigit(hex[2 * i]) << 4 |
		    hexdigit(hex[2 * i + 1]));
	return 0;
}
