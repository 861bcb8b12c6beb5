/*
 * check_diskcache: the mount daemon's on-disk block cache: round trips,
 * damaged files, the size cap and adoption of an existing directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/blockid.h"
#include "fuse/diskcache.h"
#include "tests/lib/check_main.h"

static char	 dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_diskcache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Stores n bytes of v; returns the id in id. */
static void
put(struct diskcache *dc, size_t n, int v, char id[BLOCKID_BUFSZ])
{
	char	*p = malloc(n);

	ck_assert_ptr_nonnull(p);
	memset(p, v, n);
	ck_assert_int_eq(blockid_of(p, n, id), 0);
	diskcache_put(dc, id, p, n);
	free(p);
}

static char *
path_of(const char *id)
{
	static char	 p[256];

	snprintf(p, sizeof(p), "%s/cache/%s", dir, id);
	return p;
}

static struct diskcache *
open_cache(uint64_t cap)
{
	struct diskcache	*dc = NULL;
	char			 sub[128], err[128];

	snprintf(sub, sizeof(sub), "%s/cache", dir);
	ck_assert_int_eq(diskcache_open(sub, cap, &dc, err, sizeof(err)), 0);
	return dc;
}

START_TEST(test_roundtrip)
{
	struct diskcache	*dc = open_cache(1 << 20);
	char			 id[BLOCKID_BUFSZ];
	void			*data;
	size_t			 len;
	uint64_t		 b, n;
	struct stat		 st;

	put(dc, 1000, 'q', id);
	ck_assert_int_eq(diskcache_get(dc, id, &data, &len), 0);
	ck_assert_uint_eq(len, 1000);
	ck_assert_int_eq(((char *)data)[999], 'q');
	free(data);
	diskcache_stats(dc, &b, &n);
	ck_assert_uint_eq(b, 1000);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(stat(path_of(id), &st), 0);
	ck_assert_int_eq(st.st_mode & 077, 0);
	diskcache_free(dc);
}
END_TEST

START_TEST(test_missing_and_damaged)
{
	struct diskcache	*dc = open_cache(1 << 20);
	char			 id[BLOCKID_BUFSZ];
	void			*data = NULL;
	size_t			 len;
	FILE			*fp;
	uint64_t		 n;

	ck_assert_int_eq(diskcache_get(dc, "0000000000000000000000000000000000000000000000000000000000000000",
	    &data, &len), -ENOENT);
	put(dc, 100, 'z', id);
	fp = fopen(path_of(id), "r+");
	ck_assert_ptr_nonnull(fp);
	fputc('Z', fp);
	fclose(fp);
	ck_assert_int_eq(diskcache_get(dc, id, &data, &len), -EIO);
	ck_assert_int_eq(access(path_of(id), F_OK), -1);
	diskcache_stats(dc, NULL, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(diskcache_get(dc, id, &data, &len), -ENOENT);
	diskcache_free(dc);
}
END_TEST

START_TEST(test_not_a_directory)
{
	struct diskcache	*dc = NULL;
	char			 file[128], err[128];
	int			 fd;

	snprintf(file, sizeof(file), "%s/plain", dir);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(diskcache_open(file, 100, &dc, err, sizeof(err)),
	    -ENOTDIR);
	ck_assert_ptr_null(dc);
	ck_assert_ptr_nonnull(strstr(err, "not a directory"));
	snprintf(file, sizeof(file), "%s/no/such/dir", dir);
	ck_assert_int_eq(diskcache_open(file, 100, &dc, err, sizeof(err)),
	    -ENOENT);
}
END_TEST

START_TEST(test_cap_evicts_oldest)
{
	struct diskcache	*dc = open_cache(250);
	char			 a[BLOCKID_BUFSZ], b[BLOCKID_BUFSZ];
	char			 c[BLOCKID_BUFSZ];
	void			*data;
	size_t			 len;
	uint64_t		 bytes;

	put(dc, 100, 'a', a);
	put(dc, 100, 'b', b);
	/* using a makes b the oldest */
	ck_assert_int_eq(diskcache_get(dc, a, &data, &len), 0);
	free(data);
	put(dc, 100, 'c', c);
	ck_assert_int_eq(access(path_of(b), F_OK), -1);
	ck_assert_int_eq(access(path_of(a), F_OK), 0);
	ck_assert_int_eq(access(path_of(c), F_OK), 0);
	diskcache_stats(dc, &bytes, NULL);
	ck_assert_uint_eq(bytes, 200);
	/* larger than the whole cap: not stored */
	put(dc, 300, 'd', b);
	ck_assert_int_eq(access(path_of(b), F_OK), -1);
	diskcache_free(dc);
}
END_TEST

START_TEST(test_adopt_existing)
{
	struct diskcache	*dc = open_cache(1000);
	char			 a[BLOCKID_BUFSZ], tmp[320];
	void			*data;
	size_t			 len;
	uint64_t		 n;
	int			 fd;

	put(dc, 10, 'a', a);
	diskcache_free(dc);
	/* a stale temp file from a crash is swept, other files stay */
	snprintf(tmp, sizeof(tmp), "%s.7.tmp", path_of(a));
	fd = open(tmp, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	dc = open_cache(1000);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	diskcache_stats(dc, NULL, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(diskcache_get(dc, a, &data, &len), 0);
	ck_assert_uint_eq(len, 10);
	free(data);
	diskcache_free(dc);
	/* reopened with a smaller cap, it evicts down to it */
	dc = open_cache(5);
	diskcache_stats(dc, NULL, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(access(path_of(a), F_OK), -1);
	diskcache_free(dc);
	diskcache_free(NULL);
}
END_TEST

static Suite *
diskcache_suite(void)
{
	Suite	*s = suite_create("diskcache");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_and_damaged);
	tcase_add_test(tc, test_not_a_directory);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cap_evicts_oldest);
	tcase_add_test(tc, test_adopt_existing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(diskcache_suite());
}
