/*
 * check_blockpool: spare block buffers (common/blockpool).
 */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "common/blockpool.h"
#include "tests/lib/check_main.h"

#define SZ	(1024u * 1024 + 1)

START_TEST(test_reuse)
{
	struct blockpool	*bp = blockpool_new(SZ, 2);
	char			*a, *b;

	ck_assert_uint_eq(blockpool_size(bp), SZ);
	a = blockpool_get(bp);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_ge(malloc_usable_size(a), SZ);
	memset(a, 'a', SZ);
	ck_assert_uint_eq(blockpool_spares(bp), 0);
	blockpool_put(bp, a);
	ck_assert_uint_eq(blockpool_spares(bp), 1);
	/* the same memory comes back, its bytes as they were left */
	b = blockpool_get(bp);
	ck_assert_ptr_eq(b, a);
	ck_assert_int_eq(b[SZ - 1], 'a');
	ck_assert_uint_eq(blockpool_spares(bp), 0);
	blockpool_put(bp, b);
	blockpool_free(bp);
}
END_TEST

START_TEST(test_bounded)
{
	struct blockpool	*bp = blockpool_new(SZ, 2);
	void			*p[3];

	for (int i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(p[i] = blockpool_get(bp));
	for (int i = 0; i < 3; i++)
		blockpool_put(bp, p[i]);
	/* the third is freed, not kept */
	ck_assert_uint_eq(blockpool_spares(bp), 2);
	blockpool_free(bp);
	/* a pool that keeps nothing */
	bp = blockpool_new(SZ, 0);
	blockpool_put(bp, blockpool_get(bp));
	ck_assert_uint_eq(blockpool_spares(bp), 0);
	blockpool_free(bp);
}
END_TEST

START_TEST(test_only_pool_sized)
{
	struct blockpool	*bp = blockpool_new(SZ, 4);
	void			*p;

	/* any allocation of the pool's size is taken, whoever made it */
	p = malloc(SZ);
	ck_assert_ptr_nonnull(p);
	blockpool_put(bp, p);
	ck_assert_uint_eq(blockpool_spares(bp), 1);
	/* smaller (it could not hold a block) or much bigger: freed */
	blockpool_put(bp, malloc(SZ / 2));
	blockpool_put(bp, malloc(100));
	blockpool_put(bp, malloc(2 * SZ));
	ck_assert_uint_eq(blockpool_spares(bp), 1);
	blockpool_put(bp, NULL);
	ck_assert_uint_eq(blockpool_spares(bp), 1);
	blockpool_free(bp);
}
END_TEST

START_TEST(test_null_pool)
{
	/* no pool: get gives nothing, put frees */
	ck_assert_uint_eq(blockpool_size(NULL), 0);
	ck_assert_ptr_null(blockpool_get(NULL));
	blockpool_put(NULL, malloc(SZ));
	blockpool_put(NULL, NULL);
	blockpool_free(NULL);
}
END_TEST

static Suite *
blockpool_suite(void)
{
	Suite	*s = suite_create("blockpool");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_bounded);
	suite_add_tcase(s, tc);
	tc = tcase_create("sizes");
	tcase_add_test(tc, test_only_pool_sized);
	tcase_add_test(tc, test_null_pool);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(blockpool_suite());
}
