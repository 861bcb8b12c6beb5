/*
 * check_subsum: sub-block checksums are XXH3-128 in canonical hex (vectors
 * from xxhsum -H2), streaming in any chunking equals one-shot, a context
 * starts afresh after each subsum_next, and subsum_of_kind also gives the
 * SHA-256 of older .sum files and refuses any other line length.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/blockid.h"
#include "common/protocol.h"
#include "common/subsum.h"
#include "tests/lib/check_main.h"

/* ---- core ---------------------------------------------------------------- */

static const struct {
	const char	*in;
	const char	*sum;
} vectors[] = {
	{ "", "99aa06d3014798d86001c324468d497f" },
	{ "abc", "06b05ab6733a618578af5f94892f3950" },
};

START_TEST(test_vectors)
{
	struct subsum_ctx	 c;
	char			 out[SUBSUM_BUFSZ];
	const char		*in = vectors[_i].in;

	ck_assert_int_eq(subsum_of_kind(SUBSUM_HEX_LEN, in, strlen(in), out),
	    0);
	ck_assert_str_eq(out, vectors[_i].sum);
	ck_assert_int_eq(subsum_init(&c), 0);
	subsum_update(&c, in, strlen(in));
	subsum_next(&c, out);
	ck_assert_str_eq(out, vectors[_i].sum);
	subsum_release(&c);
}
END_TEST

/* 64 KiB of zeros, as xxhsum -H2 gives it. */
START_TEST(test_sub_block_of_zeros)
{
	char	*z = calloc(1, MDFS_SUBBLOCK_SIZE);
	char	 out[SUBSUM_BUFSZ];

	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(subsum_of_kind(SUBSUM_HEX_LEN, z, MDFS_SUBBLOCK_SIZE,
	    out), 0);
	ck_assert_str_eq(out, "fd5ee061c8433a0f33b202d302b65caa");
	free(z);
}
END_TEST

/* Every chunk size gives the one-shot answer, and each subsum_next starts
 * the next sub-block from nothing. */
START_TEST(test_chunked_and_next)
{
	static const size_t	 chunks[] = { 1, 7, 4096, 65535, 65536 };
	const size_t		 n = 200000;
	struct subsum_ctx	 c;
	char			 want[SUBSUM_BUFSZ], got[SUBSUM_BUFSZ];
	uint8_t			*p = malloc(n);
	size_t			 i, k, off, take;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 2654435761u >> 13);
	ck_assert_int_eq(subsum_of_kind(SUBSUM_HEX_LEN, p, n, want), 0);
	ck_assert_int_eq(subsum_init(&c), 0);
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		for (off = 0; off < n; off += take) {
			take = n - off < chunks[k] ? n - off : chunks[k];
			subsum_update(&c, p + off, take);
		}
		subsum_next(&c, got);
		ck_assert_str_eq(got, want);
	}
	subsum_release(&c);
	subsum_release(&c);	/* twice is harmless */
	free(p);
}
END_TEST

/* The older kind: 64-digit lines are the SHA-256 of the sub-block. */
START_TEST(test_sha256_kind)
{
	char	 out[SUBSUM_BUFSZ];

	ck_assert_int_eq(subsum_of_kind(BLOCKID_HEX_LEN, "abc", 3, out), 0);
	ck_assert_str_eq(out,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_other_kind)
{
	char	 out[SUBSUM_BUFSZ] = "untouched";

	ck_assert_int_eq(subsum_of_kind(40, "abc", 3, out), -EINVAL);
	ck_assert_int_eq(subsum_of_kind(0, "abc", 3, out), -EINVAL);
	ck_assert_str_eq(out, "untouched");
}
END_TEST

static Suite *
subsum_suite(void)
{
	Suite	*s = suite_create("subsum");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_vectors, 0,
	    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, test_sub_block_of_zeros);
	tcase_add_test(tc, test_chunked_and_next);
	tcase_add_test(tc, test_sha256_kind);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_other_kind);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(subsum_suite());
}
