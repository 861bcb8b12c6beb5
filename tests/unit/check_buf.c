/*
 * check_buf: the bounded buffer keeps its invariants (NUL-terminated, len
 * never over max), frees itself and answers -EFBIG past its cap, and hands
 * its memory over on detach.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "tests/lib/check_main.h"

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_init)
{
	struct buf	 a = BUF_INIT(100), b;

	ck_assert_ptr_null(a.data);
	ck_assert_uint_eq(a.len, 0);
	ck_assert_uint_eq(a.cap, 0);
	ck_assert_uint_eq(a.max, 100);
	memset(&b, 0xa5, sizeof(b));
	buf_init(&b, 7);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_uint_eq(b.max, 7);
}
END_TEST

START_TEST(test_append)
{
	struct buf	 b = BUF_INIT(BUF_MAX_JSON);

	ck_assert_int_eq(buf_append(&b, "hello", 5), 0);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_str_eq(b.data, "hello");
	ck_assert_int_eq(buf_append(&b, ", world", 7), 0);
	ck_assert_uint_eq(b.len, 12);
	ck_assert_str_eq(b.data, "hello, world");
	ck_assert_uint_ge(b.cap, b.len + 1);
	/* Binary data with a NUL inside is kept byte for byte. */
	ck_assert_int_eq(buf_append(&b, "a\0b", 3), 0);
	ck_assert_uint_eq(b.len, 15);
	ck_assert_int_eq(memcmp(b.data + 12, "a\0b", 3), 0);
	ck_assert_int_eq(b.data[15], '\0');
	buf_release(&b);
}
END_TEST

START_TEST(test_appendf)
{
	struct buf	 b = BUF_INIT(1024);

	ck_assert_int_eq(buf_appendf(&b, "%d-%s", 42, "x"), 0);
	ck_assert_str_eq(b.data, "42-x");
	ck_assert_int_eq(buf_appendf(&b, "%s", ""), 0);
	ck_assert_str_eq(b.data, "42-x");
	ck_assert_int_eq(buf_appendf(&b, "[%05u]", 7u), 0);
	ck_assert_str_eq(b.data, "42-x[00007]");
	ck_assert_uint_eq(b.len, strlen("42-x[00007]"));
	buf_release(&b);
}
END_TEST

START_TEST(test_reset_keeps_memory)
{
	struct buf	 b = BUF_INIT(1024);
	char		*p;
	size_t		 cap;

	ck_assert_int_eq(buf_append(&b, "abcdef", 6), 0);
	p = b.data;
	cap = b.cap;
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_eq(b.data, p);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(buf_append(&b, "xy", 2), 0);
	ck_assert_str_eq(b.data, "xy");
	buf_release(&b);
	/* Resetting an empty buffer is harmless. */
	buf_reset(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_release_reuse)
{
	struct buf	 b = BUF_INIT(16);

	ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
	buf_release(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_uint_eq(b.max, 16);
	buf_release(&b);
	ck_assert_int_eq(buf_append(&b, "def", 3), 0);
	ck_assert_str_eq(b.data, "def");
	buf_release(&b);
}
END_TEST

START_TEST(test_detach)
{
	struct buf	 b = BUF_INIT(64);
	char		*p;
	size_t		 len = 99;

	ck_assert_int_eq(buf_append(&b, "payload", 7), 0);
	p = buf_detach(&b, &len);
	ck_assert_str_eq(p, "payload");
	ck_assert_uint_eq(len, 7);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	free(p);

	/* An empty buffer gives "", never NULL; len may be omitted. */
	p = buf_detach(&b, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(len, 0);
	free(p);
	ck_assert_int_eq(buf_append(&b, "z", 1), 0);
	p = buf_detach(&b, NULL);
	ck_assert_str_eq(p, "z");
	free(p);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_append_over_cap)
{
	struct buf	 b = BUF_INIT(8);

	ck_assert_int_eq(buf_append(&b, "12345", 5), 0);
	ck_assert_int_eq(buf_append(&b, "6789", 4), -EFBIG);
	/* Over the cap the buffer is released, and is reusable. */
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_uint_eq(b.max, 8);
	ck_assert_int_eq(buf_append(&b, "12345678", 8), 0);
	ck_assert_str_eq(b.data, "12345678");
	buf_release(&b);
}
END_TEST

START_TEST(test_appendf_over_cap)
{
	struct buf	 b = BUF_INIT(10);

	ck_assert_int_eq(buf_appendf(&b, "%s", "0123456"), 0);
	ck_assert_int_eq(buf_appendf(&b, "%d", 1234), -EFBIG);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(buf_appendf(&b, "%s", "01234567890"), -EFBIG);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_append_huge_length)
{
	struct buf	 b = BUF_INIT(BUF_MAX_ETCD);
	char		 c = 'x';

	ck_assert_int_eq(buf_append(&b, "ab", 2), 0);
	/* len + n would wrap around: still -EFBIG, nothing read from p. */
	ck_assert_int_eq(buf_append(&b, &c, SIZE_MAX), -EFBIG);
	ck_assert_int_eq(buf_append(&b, &c, SIZE_MAX - 1), -EFBIG);
	ck_assert_ptr_null(b.data);
}
END_TEST

/* ASan aborts on an allocation this large instead of returning NULL. */
#ifndef __SANITIZE_ADDRESS__
START_TEST(test_append_enomem)
{
	struct buf	 b = BUF_INIT(SIZE_MAX);
	char		*p;
	size_t		 cap;

	ck_assert_int_eq(buf_append(&b, "keep", 4), 0);
	p = b.data;
	cap = b.cap;
	/* No machine can give 2^60 bytes: -ENOMEM, and the buffer is as it
	 * was (unlike -EFBIG). */
	ck_assert_int_eq(buf_append(&b, "x", (size_t)1 << 60), -ENOMEM);
	ck_assert_ptr_eq(b.data, p);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_str_eq(b.data, "keep");
	buf_release(&b);
}
END_TEST
#endif

START_TEST(test_init_with)
{
	struct buf	 b;
	char		*mem = malloc(8), *p;
	size_t		 len;

	ck_assert_ptr_nonnull(mem);
	memcpy(mem, "garbage", 8);
	buf_init_with(&b, 100, mem, 8);
	/* starts empty in the memory it was given, and fills it in place */
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(buf_append(&b, "1234567", 7), 0);
	ck_assert_ptr_eq(b.data, mem);
	ck_assert_str_eq(b.data, "1234567");
	/* past it, grows as any buf */
	ck_assert_int_eq(buf_append(&b, "89", 2), 0);
	ck_assert_uint_ge(b.cap, 10);
	p = buf_detach(&b, &len);
	ck_assert_str_eq(p, "123456789");
	ck_assert_uint_eq(len, 9);
	free(p);
	/* no memory: an ordinary empty buf */
	buf_init_with(&b, 4, NULL, 99);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_int_eq(buf_append(&b, "12345", 5), -EFBIG);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

START_TEST(test_exact_cap)
{
	struct buf	 b = BUF_INIT(5);

	ck_assert_int_eq(buf_append(&b, "12", 2), 0);
	ck_assert_int_eq(buf_append(&b, "345", 3), 0);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_str_eq(b.data, "12345");
	/* Never more memory than the cap can use. */
	ck_assert_uint_le(b.cap, 6);
	ck_assert_int_eq(buf_append(&b, "", 0), 0);
	ck_assert_int_eq(buf_append(&b, "6", 1), -EFBIG);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_zero_cap)
{
	struct buf	 b = BUF_INIT(0);
	char		*p;
	size_t		 len = 1;

	ck_assert_int_eq(buf_append(&b, "", 0), 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(buf_appendf(&b, "%s", ""), 0);
	p = buf_detach(&b, &len);
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(len, 0);
	free(p);
	ck_assert_int_eq(buf_append(&b, "a", 1), -EFBIG);
	ck_assert_int_eq(buf_appendf(&b, "%c", 'a'), -EFBIG);
}
END_TEST

/* Grows byte by byte and in chunks of several sizes up to its cap. */
static const size_t chunk_sizes[] = { 1, 3, 63, 64, 65, 1000, 4096 };

START_TEST(test_grow_to_cap)
{
	const size_t	 max = 20000, chunk = chunk_sizes[_i];
	struct buf	 b = BUF_INIT(max);
	char		 src[4096];
	size_t		 i, n;

	for (n = 0; n + chunk <= max; n += chunk) {
		for (i = 0; i < chunk; i++)
			src[i] = (char)('a' + (n + i) % 26);
		ck_assert_int_eq(buf_append(&b, src, chunk), 0);
		ck_assert_uint_eq(b.len, n + chunk);
		ck_assert_int_eq(b.data[b.len], '\0');
		ck_assert_uint_le(b.cap, max + 1);
	}
	for (i = 0; i < b.len; i++)
		ck_assert_int_eq(b.data[i], (char)('a' + i % 26));
	/* One chunk more goes over. */
	ck_assert_int_eq(buf_append(&b, src, chunk), -EFBIG);
	ck_assert_ptr_null(b.data);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite	*s = suite_create("buf");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_appendf);
	tcase_add_test(tc, test_reset_keeps_memory);
	tcase_add_test(tc, test_release_reuse);
	tcase_add_test(tc, test_detach);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_append_over_cap);
	tcase_add_test(tc, test_appendf_over_cap);
	tcase_add_test(tc, test_append_huge_length);
#ifndef __SANITIZE_ADDRESS__
	tcase_add_test(tc, test_append_enomem);
#endif
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_exact_cap);
	tcase_add_test(tc, test_init_with);
	tcase_add_test(tc, test_zero_cap);
	tcase_add_loop_test(tc, test_grow_to_cap, 0,
	    sizeof(chunk_sizes) / sizeof(chunk_sizes[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(buf_suite());
}
