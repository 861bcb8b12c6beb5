/*
 * check_blockid: known SHA-256 vectors (FIPS 180-2 examples), streaming in
 * every chunking equals one-shot, the raw digest matches the hex id, and the
 * validator accepts exactly 64 lowercase hex digits.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/blockid.h"
#include "tests/lib/check_main.h"

/* ---- core ---------------------------------------------------------------- */

static const struct {
	const char	*in;
	const char	*id;
} vectors[] = {
	{ "",
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc",
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "The quick brown fox jumps over the lazy dog",
	  "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592" },
};

START_TEST(test_vectors)
{
	char			 id[BLOCKID_BUFSZ];
	struct blockid_ctx	 c;

	ck_assert_int_eq(blockid_of(vectors[_i].in, strlen(vectors[_i].in),
	    id), 0);
	ck_assert_str_eq(id, vectors[_i].id);
	ck_assert(blockid_valid(id));

	memset(id, 0, sizeof(id));
	ck_assert_int_eq(blockid_init(&c), 0);
	blockid_update(&c, vectors[_i].in, strlen(vectors[_i].in));
	blockid_final(&c, id);
	ck_assert_str_eq(id, vectors[_i].id);
	ck_assert_ptr_null(c.md);
}
END_TEST

/* One million 'a' (FIPS 180-2), fed 1000 bytes at a time. */
START_TEST(test_million_a)
{
	char			 chunk[1000], id[BLOCKID_BUFSZ];
	struct blockid_ctx	 c;
	int			 i;

	memset(chunk, 'a', sizeof(chunk));
	ck_assert_int_eq(blockid_init(&c), 0);
	for (i = 0; i < 1000; i++)
		blockid_update(&c, chunk, sizeof(chunk));
	blockid_final(&c, id);
	ck_assert_str_eq(id,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* Streaming in chunks of each size (and zero-length updates) == one-shot. */
static const size_t chunks[] = { 1, 7, 63, 64, 65, 4096, 65536, 70000 };

START_TEST(test_streaming)
{
	static uint8_t		 data[70000];
	char			 one[BLOCKID_BUFSZ], streamed[BLOCKID_BUFSZ];
	struct blockid_ctx	 c;
	size_t			 i, n, chunk;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + (i >> 8));
	ck_assert_int_eq(blockid_of(data, sizeof(data), one), 0);
	chunk = chunks[_i];
	ck_assert_int_eq(blockid_init(&c), 0);
	for (i = 0; i < sizeof(data); i += n) {
		n = sizeof(data) - i < chunk ? sizeof(data) - i : chunk;
		blockid_update(&c, data + i, n);
		blockid_update(&c, data + i, 0);
	}
	blockid_final(&c, streamed);
	ck_assert_str_eq(streamed, one);
}
END_TEST

START_TEST(test_digest_matches_hex)
{
	uint8_t	 md[BLOCKID_LEN];
	char	 hex[BLOCKID_BUFSZ], id[BLOCKID_BUFSZ];

	ck_assert_int_eq(blockid_digest("abc", 3, md), 0);
	ck_assert_int_eq(md[0], 0xba);
	ck_assert_int_eq(md[31], 0xad);
	blockid_hex(md, BLOCKID_LEN, hex);
	ck_assert_int_eq(blockid_of("abc", 3, id), 0);
	ck_assert_str_eq(hex, id);
	/* An empty input may come with a NULL pointer. */
	ck_assert_int_eq(blockid_of(NULL, 0, id), 0);
	ck_assert_str_eq(id, vectors[0].id);
	ck_assert_int_eq(blockid_digest(NULL, 0, md), 0);
	ck_assert_int_eq(md[0], 0xe3);
}
END_TEST

START_TEST(test_hex)
{
	static const uint8_t	 in[] = { 0x00, 0x0f, 0xa0, 0xff, 0x5c };
	char			 out[2 * sizeof(in) + 1];

	memset(out, 'x', sizeof(out));
	blockid_hex(in, sizeof(in), out);
	ck_assert_str_eq(out, "000fa0ff5c");
	blockid_hex(in, 0, out);
	ck_assert_str_eq(out, "");
}
END_TEST

/* parse is hex's inverse, over every byte value. */
START_TEST(test_parse_roundtrip)
{
	uint8_t	 in[BLOCKID_LEN], out[BLOCKID_LEN];
	char	 hex[BLOCKID_BUFSZ];
	int	 k;

	for (k = 0; k < 256; k += BLOCKID_LEN) {
		for (int i = 0; i < BLOCKID_LEN; i++)
			in[i] = (uint8_t)(k + i);
		blockid_hex(in, BLOCKID_LEN, hex);
		memset(out, 0, sizeof(out));
		ck_assert_int_eq(blockid_parse(hex, out), 0);
		ck_assert_mem_eq(out, in, BLOCKID_LEN);
	}
}
END_TEST

/* Released without finishing: nothing leaks (valgrind run), reusable. */
START_TEST(test_release)
{
	struct blockid_ctx	 c;
	char			 id[BLOCKID_BUFSZ];

	ck_assert_int_eq(blockid_init(&c), 0);
	blockid_update(&c, "partial", 7);
	blockid_release(&c);
	ck_assert_ptr_null(c.md);
	blockid_release(&c);
	ck_assert_int_eq(blockid_init(&c), 0);
	blockid_update(&c, "abc", 3);
	blockid_final(&c, id);
	ck_assert_str_eq(id, vectors[1].id);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

static const char *const invalid[] = {
	"",
	"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	"E3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85F",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550",
	"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 ",
	" e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
	"e3b0c44298fc1c149afbf4c8996fb924-7ae41e4649b934ca495991b7852b855",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
	"../../../../etc/passwd",
	"0x3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"*",
};

START_TEST(test_invalid)
{
	ck_assert_int_eq(blockid_valid(invalid[_i]), 0);
}
END_TEST

START_TEST(test_invalid_null)
{
	uint8_t	 out[BLOCKID_LEN];

	ck_assert_int_eq(blockid_valid(NULL), 0);
	ck_assert_int_eq(blockid_parse(NULL, out), -EINVAL);
}
END_TEST

/* parse refuses what valid refuses, and leaves out untouched */
START_TEST(test_parse_invalid)
{
	uint8_t	 out[BLOCKID_LEN], zero[BLOCKID_LEN] = { 0 };

	memset(out, 0, sizeof(out));
	ck_assert_int_eq(blockid_parse(invalid[_i], out), -EINVAL);
	ck_assert_mem_eq(out, zero, BLOCKID_LEN);
}
END_TEST

/* A NUL inside: only the first 63 bytes are hex. */
START_TEST(test_invalid_embedded_nul)
{
	char	 s[BLOCKID_BUFSZ + 1];

	memset(s, 'a', sizeof(s));
	s[BLOCKID_HEX_LEN] = '\0';
	ck_assert_int_eq(blockid_valid(s), 1);
	s[10] = '\0';
	ck_assert_int_eq(blockid_valid(s), 0);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

static const struct {
	size_t	 len;
	int	 valid;
} lengths[] = {
	{ 0, 0 }, { 1, 0 }, { 32, 0 }, { 63, 0 }, { 64, 1 }, { 65, 0 },
	{ 128, 0 },
};

START_TEST(test_lengths)
{
	char	 s[129];

	memset(s, '0', lengths[_i].len);
	s[lengths[_i].len] = '\0';
	ck_assert_int_eq(blockid_valid(s), lengths[_i].valid);
	memset(s, 'f', lengths[_i].len);
	ck_assert_int_eq(blockid_valid(s), lengths[_i].valid);
}
END_TEST

START_TEST(test_every_digit)
{
	char	 s[BLOCKID_BUFSZ];
	int	 c;

	memset(s, '0', BLOCKID_HEX_LEN);
	s[BLOCKID_HEX_LEN] = '\0';
	for (c = 1; c < 256; c++) {
		s[37] = (char)c;
		ck_assert_int_eq(blockid_valid(s),
		    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
	}
}
END_TEST

/* A 4 MiB block, the default block size: one-shot == streamed. */
START_TEST(test_block_size)
{
	size_t			 n = 4u * 1024 * 1024, i;
	uint8_t			*p = malloc(n);
	char			 a[BLOCKID_BUFSZ], b[BLOCKID_BUFSZ];
	struct blockid_ctx	 c;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i ^ (i >> 11));
	ck_assert_int_eq(blockid_of(p, n, a), 0);
	ck_assert_int_eq(blockid_init(&c), 0);
	for (i = 0; i < n; i += 65536)
		blockid_update(&c, p + i, 65536);
	blockid_final(&c, b);
	ck_assert_str_eq(a, b);
	p[n - 1] ^= 1;
	ck_assert_int_eq(blockid_of(p, n, b), 0);
	ck_assert_str_ne(a, b);
	free(p);
}
END_TEST

static Suite *
blockid_suite(void)
{
	Suite	*s = suite_create("blockid");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_vectors, 0,
	    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, test_million_a);
	tcase_add_loop_test(tc, test_streaming, 0,
	    sizeof(chunks) / sizeof(chunks[0]));
	tcase_add_test(tc, test_digest_matches_hex);
	tcase_add_test(tc, test_hex);
	tcase_add_test(tc, test_parse_roundtrip);
	tcase_add_test(tc, test_release);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_invalid, 0,
	    sizeof(invalid) / sizeof(invalid[0]));
	tcase_add_test(tc, test_invalid_null);
	tcase_add_loop_test(tc, test_parse_invalid, 0,
	    sizeof(invalid) / sizeof(invalid[0]));
	tcase_add_test(tc, test_invalid_embedded_nul);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_lengths, 0,
	    sizeof(lengths) / sizeof(lengths[0]));
	tcase_add_test(tc, test_every_digit);
	tcase_add_test(tc, test_block_size);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(blockid_suite());
}
