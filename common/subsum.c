/*
 * subsum: sub-block checksums (see subsum.h), libxxhash's XXH3-128 in its
 * canonical (big-endian) byte order, hex-encoded like block ids.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <xxhash.h>

#include "common/blockid.h"
#include "common/log.h"
#include "common/subsum.h"

int
subsum_init(struct subsum_ctx *c)
{
	if ((c->st = XXH3_createState()) == NULL)
		return -ENOMEM;
	if (XXH3_128bits_reset(c->st) != XXH_OK) {
		XXH3_freeState(c->st);
		c->st = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Updates of a started state fail only on a NULL pointer: an invariant. */
void
subsum_update(struct subsum_ctx *c, const void *p, size_t len)
{
	if (len == 0)
		return;
	if (XXH3_128bits_update(c->st, p, len) != XXH_OK)
		fatalx("subsum_update: XXH3_128bits_update failed");
}

static void
subsum_hex(XXH128_hash_t h, char out[SUBSUM_BUFSZ])
{
	XXH128_canonical_t	 canon;

	XXH128_canonicalFromHash(&canon, h);
	blockid_hex(canon.digest, sizeof(canon.digest), out);
}

void
subsum_next(struct subsum_ctx *c, char out[SUBSUM_BUFSZ])
{
	subsum_hex(XXH3_128bits_digest(c->st), out);
	if (XXH3_128bits_reset(c->st) != XXH_OK)
		fatalx("subsum_next: XXH3_128bits_reset failed");
}

void
subsum_release(struct subsum_ctx *c)
{
	if (c->st != NULL)
		XXH3_freeState(c->st);
	c->st = NULL;
}

int
subsum_of_kind(size_t hexlen, const void *p, size_t len,
    char out[SUBSUM_BUFSZ])
{
	uint8_t	 md[BLOCKID_LEN];
	int	 rc;

	if (hexlen == SUBSUM_HEX_LEN) {
		subsum_hex(XXH3_128bits(len == 0 ? "" : p, len), out);
		return 0;
	}
	if (hexlen != BLOCKID_HEX_LEN)
		return -EINVAL;
	if ((rc = blockid_digest(p, len, md)) != 0)
		return rc;
	blockid_hex(md, BLOCKID_LEN, out);
	return 0;
}
