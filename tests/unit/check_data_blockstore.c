/*
 * check_data_blockstore: the dataserver's block store on a mktemp directory.
 * core: write, commit, read, verify (whole and ranges), idempotent commit,
 * delete, counting, the change log.  errors: every refused write leaves no
 * block and no temp file (bad id, content that does not hash to the id, a
 * short or long body, no space), corruption is caught and quarantined.
 * limits: sub-block boundaries, empty blocks, max_storage_size exactly
 * full, sweeping leftovers at open, the change log's cap and put_back order.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blockid.h"
#include "common/protocol.h"
#include "server/data/blockstore.h"
#include "tests/lib/check_main.h"

static char	 root[PATH_MAX];

/* snprintf into a PATH_MAX buffer, failing the test on truncation. */
static void
tpath(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
tpath(char *out, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && n < PATH_MAX);
}

static void
setup(void)
{
	tpath(root, "%s/check_bs.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void
teardown(void)
{
	char	 cmd[PATH_MAX + 16];

	tpath(cmd, "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

static struct blockstore *
open_store(uint64_t max)
{
	struct blockstore	*bs;
	char			 err[256];

	bs = blockstore_open(root, max, err, sizeof(err));
	ck_assert_msg(bs != NULL, "open: %s", err);
	return bs;
}

/* Fills p with a deterministic pattern and puts its id in id. */
static void
make_block(char *p, size_t n, unsigned seed, char id[BLOCKID_BUFSZ])
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (char)((i * 31 + seed * 7 + (i >> 9)) & 0xff);
	ck_assert_int_eq(blockid_of(p, n, id), 0);
}

/* Writes n bytes of p as id in pieces of step; returns commit's result. */
static int
store(struct blockstore *bs, const char *id, const char *p, size_t n,
    size_t step, int64_t expect, int *existed)
{
	struct bs_writer	*w;
	size_t			 off, k;
	int			 rc;

	if ((rc = blockstore_writer_new(bs, id, expect, &w)) < 0)
		return rc;
	for (off = 0; off < n; off += k) {
		k = n - off < step ? n - off : step;
		if ((rc = blockstore_writer_write(w, p + off, k)) < 0) {
			blockstore_writer_abort(w);
			return rc;
		}
	}
	return blockstore_writer_commit(w, existed);
}

static int
count_dir(const char *sub)
{
	char		 d[PATH_MAX];
	DIR		*dp;
	struct dirent	*e;
	int		 n = 0;

	tpath(d, "%s/%s", root, sub);
	ck_assert_ptr_nonnull(dp = opendir(d));
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static void
block_file(const char *id, char *out, const char *suffix)
{
	tpath(out, "%s/blocks/%.2s/%.2s/%s%s", root, id, id + 2,
	    id, suffix);
}

/* Overwrites one byte of the stored block. */
static void
corrupt(const char *id, off_t off)
{
	char	 path[PATH_MAX], c;
	int	 fd;

	block_file(id, path, "");
	ck_assert_int_ne(fd = open(path, O_RDWR), -1);
	ck_assert_int_eq(pread(fd, &c, 1, off), 1);
	c ^= 0x5a;
	ck_assert_int_eq(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_write_read)
{
	struct blockstore	*bs = open_store(0);
	struct blockstore_stats	 st;
	char			*p, *q, id[BLOCKID_BUFSZ], path[PATH_MAX];
	size_t			 n = 300000;
	uint64_t		 size;
	int			 existed, fd;
	struct stat		 sb;

	p = malloc(n);
	q = malloc(n);
	make_block(p, n, 1, id);
	ck_assert_int_eq(blockstore_has(bs, id, NULL), 0);
	ck_assert_int_eq(store(bs, id, p, n, 16384, (int64_t)n, &existed), 0);
	ck_assert_int_eq(existed, 0);
	ck_assert_int_eq(blockstore_has(bs, id, &size), 1);
	ck_assert_uint_eq(size, n);

	block_file(id, path, ".sum");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 5 * BS_SUM_LINE);	/* 300000 / 64 KiB */

	ck_assert_int_eq(blockstore_open_read(bs, id, &fd, &size), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 0, size), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 65530, 20), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, size - 1, 1), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 0, size + 1),
	    -ERANGE);
	ck_assert_int_eq(pread(fd, q, n, 0), (ssize_t)n);
	ck_assert_mem_eq(p, q, n);
	close(fd);

	blockstore_stats(bs, &st);
	ck_assert_uint_eq(st.blocks, 1);
	ck_assert_uint_eq(st.used, n);
	ck_assert_uint_eq(st.reserved, 0);
	ck_assert_uint_eq(st.writes_inflight, 0);
	ck_assert(st.capacity >= st.used);
	ck_assert_int_eq(count_dir("tmp"), 0);
	blockstore_close(bs);
	free(p);
	free(q);
}
END_TEST

START_TEST(test_idempotent_and_delete)
{
	struct blockstore	*bs = open_store(0);
	struct blockstore_stats	 st;
	char			 p[5000], id[BLOCKID_BUFSZ];
	int			 existed;

	make_block(p, sizeof(p), 2, id);
	ck_assert_int_eq(store(bs, id, p, sizeof(p), 999, -1, &existed), 0);
	ck_assert_int_eq(existed, 0);
	ck_assert_int_eq(store(bs, id, p, sizeof(p), 5000, 5000, &existed), 0);
	ck_assert_int_eq(existed, 1);
	blockstore_stats(bs, &st);
	ck_assert_uint_eq(st.blocks, 1);
	ck_assert_uint_eq(st.used, sizeof(p));
	ck_assert_int_eq(count_dir("tmp"), 0);

	ck_assert_int_eq(blockstore_delete(bs, id), 0);
	ck_assert_int_eq(blockstore_delete(bs, id), -ENOENT);
	ck_assert_int_eq(blockstore_has(bs, id, NULL), 0);
	blockstore_stats(bs, &st);
	ck_assert_uint_eq(st.blocks, 0);
	ck_assert_uint_eq(st.used, 0);
	blockstore_close(bs);
}
END_TEST

START_TEST(test_change_log_and_reopen)
{
	struct blockstore	*bs = open_store(0);
	struct bs_changes	 ch;
	char			 p[3000], id1[BLOCKID_BUFSZ], id2[BLOCKID_BUFSZ];
	int			 existed;

	make_block(p, sizeof(p), 3, id1);
	ck_assert_int_eq(store(bs, id1, p, sizeof(p), 3000, -1, &existed), 0);
	make_block(p, sizeof(p), 4, id2);
	ck_assert_int_eq(store(bs, id2, p, sizeof(p), 3000, -1, &existed), 0);
	ck_assert_int_eq(blockstore_delete(bs, id1), 0);

	blockstore_changes_take(bs, &ch, 0);
	ck_assert_uint_eq(ch.n, 3);
	ck_assert_int_eq(ch.v[0].kind, BS_ADDED);
	ck_assert_str_eq(ch.v[0].id, id1);
	ck_assert_uint_eq(ch.v[0].size, sizeof(p));
	ck_assert_int_eq(ch.v[1].kind, BS_ADDED);
	ck_assert_str_eq(ch.v[1].id, id2);
	ck_assert_int_eq(ch.v[2].kind, BS_REMOVED);
	ck_assert_str_eq(ch.v[2].id, id1);
	ck_assert_int_eq(ch.overflow, 0);
	blockstore_changes_release(&ch);
	blockstore_changes_take(bs, &ch, 0);
	ck_assert_uint_eq(ch.n, 0);
	blockstore_changes_release(&ch);
	blockstore_close(bs);

	/* the counts are rebuilt from disk */
	bs = open_store(0);
	{
		struct blockstore_stats st;

		blockstore_stats(bs, &st);
		ck_assert_uint_eq(st.blocks, 1);
		ck_assert_uint_eq(st.used, sizeof(p));
	}
	ck_assert_int_eq(blockstore_has(bs, id2, NULL), 1);
	blockstore_close(bs);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

static const char *bad_ids[] = {
	"",
	"abc",
	"../../../../etc/passwd",
	"0000000000000000000000000000000000000000000000000000000000000000/",
	"000000000000000000000000000000000000000000000000000000000000000",
	"00000000000000000000000000000000000000000000000000000000000000000",
	"000000000000000000000000000000000000000000000000000000000000000A",
	"..00000000000000000000000000000000000000000000000000000000000000",
};

START_TEST(test_bad_ids)
{
	struct blockstore	*bs = open_store(0);
	struct bs_writer	*w = NULL;
	const char		*id = bad_ids[_i];
	uint64_t		 size;
	int			 fd;

	ck_assert_int_eq(blockstore_writer_new(bs, id, 10, &w), -EINVAL);
	ck_assert_ptr_null(w);
	ck_assert_int_eq(blockstore_has(bs, id, NULL), -EINVAL);
	ck_assert_int_eq(blockstore_open_read(bs, id, &fd, &size), -EINVAL);
	ck_assert_int_eq(blockstore_delete(bs, id), -EINVAL);
	ck_assert_int_eq(blockstore_quarantine(bs, id, "x"), -EINVAL);
	ck_assert_int_eq(count_dir("tmp"), 0);
	blockstore_close(bs);
}
END_TEST

START_TEST(test_mismatch)
{
	struct blockstore	*bs = open_store(0);
	struct blockstore_stats	 st;
	char			 p[70000], id[BLOCKID_BUFSZ];
	int			 existed;

	make_block(p, sizeof(p), 5, id);
	p[100] ^= 1;
	ck_assert_int_eq(store(bs, id, p, sizeof(p), 4096, sizeof(p),
	    &existed), -EILSEQ);
	ck_assert_int_eq(blockstore_has(bs, id, NULL), 0);
	ck_assert_int_eq(count_dir("tmp"), 0);
	blockstore_stats(bs, &st);
	ck_assert_uint_eq(st.reserved, 0);
	ck_assert_uint_eq(st.writes_inflight, 0);
	blockstore_close(bs);
}
END_TEST

START_TEST(test_short_and_long)
{
	struct blockstore	*bs = open_store(0);
	struct bs_writer	*w;
	char			 p[1000], id[BLOCKID_BUFSZ];
	int			 existed;

	make_block(p, sizeof(p), 6, id);
	/* fewer bytes than announced */
	ck_assert_int_eq(store(bs, id, p, 500, 500, 1000, &existed), -EIO);
	/* more bytes than announced */
	ck_assert_int_eq(blockstore_writer_new(bs, id, 999, &w), 0);
	ck_assert_int_eq(blockstore_writer_write(w, p, 1000), -EFBIG);
	ck_assert_int_eq(blockstore_writer_write(w, p, 1), -EIO);
	blockstore_writer_abort(w);
	/* more than any block may be */
	ck_assert_int_eq(blockstore_writer_new(bs, id,
	    (int64_t)MDFS_BLOCK_SIZE_MAX + 1, &w), -EFBIG);
	ck_assert_int_eq(blockstore_has(bs, id, NULL), 0);
	ck_assert_int_eq(count_dir("tmp"), 0);
	blockstore_close(bs);
}
END_TEST

START_TEST(test_no_space)
{
	struct blockstore	*bs = open_store(10000);
	struct blockstore_stats	 st;
	struct bs_writer	*w;
	char			 p[6000], id1[BLOCKID_BUFSZ], id2[BLOCKID_BUFSZ];
	int			 existed;

	make_block(p, sizeof(p), 7, id1);
	ck_assert_int_eq(store(bs, id1, p, sizeof(p), 6000, 6000, &existed), 0);
	make_block(p, sizeof(p), 8, id2);
	/* known length: refused before a byte is written */
	ck_assert_int_eq(blockstore_writer_new(bs, id2, 6000, &w), -ENOSPC);
	ck_assert_int_eq(count_dir("tmp"), 0);
	/* unknown length: refused when the bytes no longer fit */
	ck_assert_int_eq(store(bs, id2, p, sizeof(p), 1000, -1, &existed),
	    -ENOSPC);
	ck_assert_int_eq(count_dir("tmp"), 0);
	blockstore_stats(bs, &st);
	ck_assert_uint_eq(st.capacity, 10000);
	ck_assert_uint_eq(st.free, 4000);
	ck_assert_uint_eq(st.reserved, 0);
	ck_assert_int_eq(blockstore_has(bs, id2, NULL), 0);
	blockstore_close(bs);
}
END_TEST

START_TEST(test_corruption)
{
	struct blockstore	*bs = open_store(0);
	struct blockstore_stats	 st;
	struct bs_changes	 ch;
	char			*p, id[BLOCKID_BUFSZ], path[PATH_MAX];
	size_t			 n = 200000;
	uint64_t		 size;
	int			 existed, fd;

	p = malloc(n);
	make_block(p, n, 9, id);
	ck_assert_int_eq(store(bs, id, p, n, 65536, (int64_t)n, &existed), 0);
	blockstore_changes_take(bs, &ch, 0);
	blockstore_changes_release(&ch);
	corrupt(id, 150000);		/* sub-block 2 */
	ck_assert_int_eq(blockstore_open_read(bs, id, &fd, &size), 0);
	/* sub-blocks 0 and 1 are still good */
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 0, 131072), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 131072, 10),
	    -EUCLEAN);
	close(fd);
	ck_assert_int_eq(blockstore_has(bs, id, NULL), 0);
	tpath(path, "%s/quarantine/%s", root, id);
	ck_assert_int_eq(access(path, F_OK), 0);
	blockstore_stats(bs, &st);
	ck_assert_uint_eq(st.quarantined, 1);
	ck_assert_uint_eq(st.blocks, 0);
	ck_assert_uint_eq(st.used, 0);
	blockstore_changes_take(bs, &ch, 0);
	ck_assert_uint_eq(ch.n, 1);
	ck_assert_int_eq(ch.v[0].kind, BS_BAD);
	ck_assert_str_eq(ch.v[0].id, id);
	blockstore_changes_release(&ch);

	/* the whole-block check catches what a range would miss too */
	ck_assert_int_eq(store(bs, id, p, n, 65536, (int64_t)n, &existed), 0);
	corrupt(id, 5);
	ck_assert_int_eq(blockstore_open_read(bs, id, &fd, &size), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 0, size),
	    -EUCLEAN);
	close(fd);
	ck_assert_int_eq(blockstore_has(bs, id, NULL), 0);
	blockstore_close(bs);
	free(p);
}
END_TEST

/* A .sum of SHA-256 lines, as stores written before XXH3 hold, still
 * verifies ranges, and still catches a flipped byte. */
START_TEST(test_sha256_sum_file)
{
	struct blockstore	*bs = open_store(0);
	char			*p, id[BLOCKID_BUFSZ], path[PATH_MAX];
	char			 hex[BLOCKID_BUFSZ];
	size_t			 n = 200000, i, plen;
	uint64_t		 size;
	int			 existed, fd, sfd;

	p = malloc(n);
	make_block(p, n, 11, id);
	ck_assert_int_eq(store(bs, id, p, n, 65536, (int64_t)n, &existed), 0);
	block_file(id, path, ".sum");
	ck_assert_int_ne(sfd = open(path, O_WRONLY | O_TRUNC), -1);
	for (i = 0; i < n; i += MDFS_SUBBLOCK_SIZE) {
		plen = n - i < MDFS_SUBBLOCK_SIZE ? n - i : MDFS_SUBBLOCK_SIZE;
		ck_assert_int_eq(blockid_of(p + i, plen, hex), 0);
		ck_assert_int_eq(write(sfd, hex, BLOCKID_HEX_LEN),
		    BLOCKID_HEX_LEN);
		ck_assert_int_eq(write(sfd, "\n", 1), 1);
	}
	close(sfd);
	ck_assert_int_eq(blockstore_open_read(bs, id, &fd, &size), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 65530, 20), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, size - 1, 1), 0);
	close(fd);
	corrupt(id, 150000);
	ck_assert_int_eq(blockstore_open_read(bs, id, &fd, &size), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 0, 131072), 0);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 131072, 10),
	    -EUCLEAN);
	close(fd);
	ck_assert_int_eq(blockstore_has(bs, id, NULL), 0);
	blockstore_close(bs);
	free(p);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

static const size_t sizes[] = {
	0, 1, MDFS_SUBBLOCK_SIZE - 1, MDFS_SUBBLOCK_SIZE,
	MDFS_SUBBLOCK_SIZE + 1, 3 * MDFS_SUBBLOCK_SIZE, 1048576 + 17,
};

START_TEST(test_sizes)
{
	struct blockstore	*bs = open_store(0);
	size_t			 n = sizes[_i], nsub, i;
	char			*p, id[BLOCKID_BUFSZ], path[PATH_MAX];
	struct stat		 sb;
	uint64_t		 size;
	int			 existed, fd;

	p = malloc(n + 1);
	make_block(p, n, 10 + (unsigned)_i, id);
	ck_assert_int_eq(store(bs, id, p, n, 7777, -1, &existed), 0);
	block_file(id, path, ".sum");
	nsub = (n + MDFS_SUBBLOCK_SIZE - 1) / MDFS_SUBBLOCK_SIZE;
	if (n <= MDFS_SUBBLOCK_SIZE)
		/* one sub-block: its checksum is the id, no .sum */
		ck_assert_int_eq(stat(path, &sb), -1);
	else {
		ck_assert_int_eq(stat(path, &sb), 0);
		ck_assert_int_eq(sb.st_size, (off_t)(nsub * BS_SUM_LINE));
	}
	ck_assert_int_eq(blockstore_open_read(bs, id, &fd, &size), 0);
	ck_assert_uint_eq(size, n);
	ck_assert_int_eq(blockstore_verify(bs, id, fd, size, 0, size), 0);
	for (i = 0; i + 1 < n; i += MDFS_SUBBLOCK_SIZE / 2)
		ck_assert_int_eq(blockstore_verify(bs, id, fd, size, i, 2), 0);
	close(fd);
	blockstore_close(bs);
	free(p);
}
END_TEST

START_TEST(test_exactly_full)
{
	struct blockstore	*bs = open_store(8000);
	char			 p[4000], id[BLOCKID_BUFSZ];
	int			 existed;

	make_block(p, sizeof(p), 20, id);
	ck_assert_int_eq(store(bs, id, p, sizeof(p), 4000, 4000, &existed), 0);
	make_block(p, sizeof(p), 21, id);
	ck_assert_int_eq(store(bs, id, p, sizeof(p), 4000, 4000, &existed), 0);
	make_block(p, 1, 22, id);
	ck_assert_int_eq(store(bs, id, p, 1, 1, 1, &existed), -ENOSPC);
	/* an empty block needs no space */
	make_block(p, 0, 23, id);
	ck_assert_int_eq(store(bs, id, p, 0, 1, 0, &existed), 0);
	blockstore_close(bs);
}
END_TEST

START_TEST(test_sweep_at_open)
{
	struct blockstore	*bs = open_store(0);
	char			 p[100], id[BLOCKID_BUFSZ], path[PATH_MAX];
	char			 orphan[BLOCKID_BUFSZ];
	int			 existed, fd;

	make_block(p, sizeof(p), 30, id);
	ck_assert_int_eq(store(bs, id, p, sizeof(p), 100, 100, &existed), 0);
	blockstore_close(bs);
	/* what a crash leaves: a temp file and a .sum whose block never
	 * arrived */
	tpath(path, "%s/tmp/%s.abcdef", root, id);
	ck_assert_int_ne(fd = open(path, O_CREAT | O_WRONLY, 0644), -1);
	close(fd);
	make_block(p, sizeof(p), 31, orphan);
	tpath(path, "%s/blocks/%.2s", root, orphan);
	mkdir(path, 0755);
	tpath(path, "%s/blocks/%.2s/%.2s", root, orphan,
	    orphan + 2);
	mkdir(path, 0755);
	block_file(orphan, path, ".sum");
	ck_assert_int_ne(fd = open(path, O_CREAT | O_WRONLY, 0644), -1);
	close(fd);

	bs = open_store(0);
	ck_assert_int_eq(count_dir("tmp"), 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(blockstore_has(bs, id, NULL), 1);
	blockstore_close(bs);
}
END_TEST

START_TEST(test_change_log_limits)
{
	struct blockstore	*bs = open_store(0);
	struct bs_changes	 a, b;
	char			 p[10], id[5][BLOCKID_BUFSZ];
	int			 existed, i;

	for (i = 0; i < 5; i++) {
		make_block(p, sizeof(p), 40 + (unsigned)i, id[i]);
		ck_assert_int_eq(store(bs, id[i], p, sizeof(p), 10, 10,
		    &existed), 0);
	}
	/* take two, fail, put back: the order is kept */
	blockstore_changes_take(bs, &a, 2);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_str_eq(a.v[0].id, id[0]);
	ck_assert_str_eq(a.v[1].id, id[1]);
	blockstore_changes_put_back(bs, &a);
	ck_assert_ptr_null(a.v);
	blockstore_changes_take(bs, &b, 0);
	ck_assert_uint_eq(b.n, 5);
	for (i = 0; i < 5; i++)
		ck_assert_str_eq(b.v[i].id, id[i]);
	ck_assert_int_eq(b.overflow, 0);
	blockstore_changes_release(&b);

	/* overflow asks for a full report */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(blockstore_delete(bs, id[i]), 0);
	blockstore_changes_take(bs, &a, 1);
	a.overflow = 1;
	blockstore_changes_put_back(bs, &a);
	blockstore_changes_take(bs, &b, 0);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_int_eq(b.overflow, 1);
	ck_assert_int_eq(b.v[0].kind, BS_REMOVED);
	ck_assert_str_eq(b.v[0].id, id[0]);
	blockstore_changes_release(&b);
	blockstore_close(bs);
}
END_TEST

static Suite *
data_blockstore_suite(void)
{
	Suite	*s = suite_create("data_blockstore");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_idempotent_and_delete);
	tcase_add_test(tc, test_change_log_and_reopen);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad_ids, 0,
	    (int)(sizeof(bad_ids) / sizeof(bad_ids[0])));
	tcase_add_test(tc, test_mismatch);
	tcase_add_test(tc, test_short_and_long);
	tcase_add_test(tc, test_no_space);
	tcase_add_test(tc, test_corruption);
	tcase_add_test(tc, test_sha256_sum_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_sizes, 0,
	    (int)(sizeof(sizes) / sizeof(sizes[0])));
	tcase_add_test(tc, test_exactly_full);
	tcase_add_test(tc, test_sweep_at_open);
	tcase_add_test(tc, test_change_log_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(data_blockstore_suite());
}
