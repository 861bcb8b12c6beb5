/*
 * check_blockcache: the mount daemon's in-memory LRU block cache.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/blockpool.h"
#include "fuse/blockcache.h"
#include "tests/lib/check_main.h"

/* A 64-hex id made from one digit. */
static const char *
id_of(char c, char *buf)
{
	memset(buf, c, 64);
	buf[64] = '\0';
	return buf;
}

static void *
bytes(size_t n, int v)
{
	void	*p = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(p);
	memset(p, v, n);
	return p;
}

START_TEST(test_insert_read)
{
	struct blockcache	*bc = blockcache_new(1000, NULL);
	char			 id[65], out[16];
	uint64_t		 b, n;

	blockcache_insert(bc, id_of('a', id), bytes(10, 'x'), 10);
	ck_assert_int_eq(blockcache_has(bc, id), 1);
	ck_assert_int_eq(blockcache_read(bc, id, 0, out, sizeof(out)), 10);
	ck_assert_int_eq(out[0], 'x');
	ck_assert_int_eq(out[9], 'x');
	/* a range in the middle, and one past the end */
	ck_assert_int_eq(blockcache_read(bc, id, 7, out, 2), 2);
	ck_assert_int_eq(blockcache_read(bc, id, 10, out, 2), 0);
	ck_assert_int_eq(blockcache_read(bc, id, 99, out, 2), 0);
	blockcache_stats(bc, &b, &n);
	ck_assert_uint_eq(b, 10);
	ck_assert_uint_eq(n, 1);
	blockcache_free(bc);
}
END_TEST

START_TEST(test_lru_eviction)
{
	struct blockcache	*bc = blockcache_new(30, NULL);
	char			 a[65], b[65], c[65], d[65], out[4];
	uint64_t		 bytes_, n;

	id_of('a', a);
	id_of('b', b);
	id_of('c', c);
	id_of('d', d);
	blockcache_insert(bc, a, bytes(10, 'a'), 10);
	blockcache_insert(bc, b, bytes(10, 'b'), 10);
	blockcache_insert(bc, c, bytes(10, 'c'), 10);
	/* touching a makes b the least recently used */
	ck_assert_int_eq(blockcache_read(bc, a, 0, out, 1), 1);
	blockcache_insert(bc, d, bytes(10, 'd'), 10);
	ck_assert_int_eq(blockcache_has(bc, b), 0);
	ck_assert_int_eq(blockcache_has(bc, a), 1);
	ck_assert_int_eq(blockcache_has(bc, c), 1);
	ck_assert_int_eq(blockcache_has(bc, d), 1);
	blockcache_stats(bc, &bytes_, &n);
	ck_assert_uint_eq(bytes_, 30);
	ck_assert_uint_eq(n, 3);
	/* a big block pushes out several */
	blockcache_insert(bc, b, bytes(25, 'b'), 25);
	blockcache_stats(bc, &bytes_, &n);
	ck_assert_uint_le(bytes_, 30);
	ck_assert_int_eq(blockcache_has(bc, b), 1);
	ck_assert_uint_eq(n, 1);
	blockcache_free(bc);
}
END_TEST

START_TEST(test_missing)
{
	struct blockcache	*bc = blockcache_new(100, NULL);
	char			 id[65], out[4];

	ck_assert_int_eq(blockcache_read(bc, id_of('e', id), 0, out, 4),
	    -ENOENT);
	ck_assert_int_eq(blockcache_has(bc, id), 0);
	blockcache_free(bc);
}
END_TEST

START_TEST(test_duplicate_keeps_first)
{
	struct blockcache	*bc = blockcache_new(100, NULL);
	char			 id[65], out[4];
	uint64_t		 b;

	blockcache_insert(bc, id_of('f', id), bytes(4, '1'), 4);
	blockcache_insert(bc, id, bytes(4, '2'), 4);
	ck_assert_int_eq(blockcache_read(bc, id, 0, out, 4), 4);
	ck_assert_int_eq(out[0], '1');
	blockcache_stats(bc, &b, NULL);
	ck_assert_uint_eq(b, 4);
	blockcache_free(bc);
}
END_TEST

START_TEST(test_too_big_not_kept)
{
	struct blockcache	*bc = blockcache_new(8, NULL);
	char			 id[65];

	blockcache_insert(bc, id_of('1', id), bytes(9, 0), 9);
	ck_assert_int_eq(blockcache_has(bc, id), 0);
	blockcache_free(bc);
	blockcache_free(NULL);
}
END_TEST

START_TEST(test_zero_cap_and_exact_fit)
{
	struct blockcache	*bc = blockcache_new(0, NULL);
	char			 id[65], id2[65];
	uint64_t		 b, n;

	blockcache_insert(bc, id_of('2', id), bytes(1, 0), 1);
	ck_assert_int_eq(blockcache_has(bc, id), 0);
	blockcache_free(bc);

	bc = blockcache_new(16, NULL);
	blockcache_insert(bc, id, bytes(16, 0), 16);
	ck_assert_int_eq(blockcache_has(bc, id), 1);
	blockcache_insert(bc, id_of('3', id2), bytes(0, 0), 0);
	blockcache_stats(bc, &b, &n);
	ck_assert_uint_eq(b, 16);
	ck_assert_uint_eq(n, 2);
	blockcache_free(bc);
}
END_TEST

START_TEST(test_dropped_to_pool)
{
	const size_t		 sz = 1024 * 1024;	/* a "block" */
	struct blockpool	*bp = blockpool_new(sz + 1, 4);
	struct blockcache	*bc = blockcache_new(2 * sz, bp);
	char			 id[65];

	/* evicted, refused as a duplicate, too big: each goes to the pool */
	blockcache_insert(bc, id_of('a', id), bytes(sz + 1, 'a'), sz);
	blockcache_insert(bc, id_of('b', id), bytes(sz + 1, 'b'), sz);
	ck_assert_uint_eq(blockpool_spares(bp), 0);
	blockcache_insert(bc, id_of('c', id), bytes(sz + 1, 'c'), sz);
	ck_assert_uint_eq(blockpool_spares(bp), 1);
	blockcache_insert(bc, id_of('c', id), bytes(sz + 1, 'c'), sz);
	ck_assert_uint_eq(blockpool_spares(bp), 2);
	/* too big, and not the pool's size either: freed */
	blockcache_insert(bc, id_of('d', id), bytes(3 * sz, 'd'), 3 * sz);
	ck_assert_uint_eq(blockpool_spares(bp), 2);
	/* a small block is not the pool's size: freed when dropped */
	blockcache_insert(bc, id_of('e', id), bytes(10, 'e'), 10);
	ck_assert_uint_eq(blockpool_spares(bp), 3);	/* 'b' made room */
	blockcache_free(bc);
	/* 'c' kept, 'e' freed */
	ck_assert_uint_eq(blockpool_spares(bp), 4);
	blockpool_free(bp);
}
END_TEST

static Suite *
blockcache_suite(void)
{
	Suite	*s = suite_create("blockcache");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_insert_read);
	tcase_add_test(tc, test_lru_eviction);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_duplicate_keeps_first);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_too_big_not_kept);
	tcase_add_test(tc, test_zero_cap_and_exact_fit);
	tcase_add_test(tc, test_dropped_to_pool);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(blockcache_suite());
}
