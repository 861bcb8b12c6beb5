/*
 * fuzz_blockid: common/blockid.c, the block ids every path and token
 * carries.  blockid_valid on the input (as a string, up to its first NUL)
 * must agree with the definition (exactly 64 lowercase hex digits);
 * blockid_of the input is valid and equals the streamed hash of the same
 * bytes in two pieces; blockid_hex of the digest is that id.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/blockid.h"
#include "common/xalloc.h"
#include "tests/fuzz/fuzz.h"

static int
reference_valid(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == BLOCKID_HEX_LEN;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blockid_ctx ctx;
	char		*s, id[BLOCKID_BUFSZ], id2[BLOCKID_BUFSZ];
	char		 hex[BLOCKID_BUFSZ];
	uint8_t		 dg[BLOCKID_LEN];
	size_t		 half = size / 2;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (!blockid_valid(s) != !reference_valid(s))
		fuzz_fail("blockid_valid disagrees on \"%s\"", s);
	free(s);

	if (blockid_of(data, size, id) != 0 || !blockid_valid(id))
		fuzz_fail("blockid_of gave no valid id");
	if (blockid_init(&ctx) != 0)
		fuzz_fail("blockid_init");
	blockid_update(&ctx, data, half);
	blockid_update(&ctx, data + half, size - half);
	blockid_final(&ctx, id2);
	blockid_release(&ctx);
	if (strcmp(id, id2) != 0)
		fuzz_fail("streamed hash differs");
	if (blockid_digest(data, size, dg) != 0)
		fuzz_fail("blockid_digest");
	blockid_hex(dg, sizeof(dg), hex);
	if (strcmp(hex, id) != 0)
		fuzz_fail("blockid_hex differs from blockid_of");
	return 0;
}
