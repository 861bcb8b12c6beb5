/*
 * check_fusecore: the pure parts of the mount daemon's core: the writer's
 * block arithmetic, the SOURCE parser (common/metaconn's, as main() uses
 * it), the inode table's lookup counts and open files, the work queue, the
 * attribute changes the writer defers to the next flush, the table of
 * recent directory attributes, the listings fetched ahead of lookups and
 * the table of open directories.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/metaconn.h"
#include "fuse/dirattrs.h"
#include "fuse/inode.h"
#include "fuse/lookahead.h"
#include "fuse/opendirs.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/ofile.h"
#include "fuse/workq.h"
#include "fuse/writer.h"
#include "tests/lib/check_main.h"

#define MiB	(1024u * 1024)

START_TEST(test_split)
{
	uint64_t	 idx, boff;
	size_t		 len;

	writer_split(4 * MiB, 0, 10, &idx, &boff, &len);
	ck_assert_uint_eq(idx, 0);
	ck_assert_uint_eq(boff, 0);
	ck_assert_uint_eq(len, 10);
	/* a write across a block boundary: the first piece ends at it */
	writer_split(4 * MiB, 4 * MiB - 1, 2, &idx, &boff, &len);
	ck_assert_uint_eq(idx, 0);
	ck_assert_uint_eq(boff, 4 * MiB - 1);
	ck_assert_uint_eq(len, 1);
	writer_split(4 * MiB, 4 * MiB, 1 * MiB, &idx, &boff, &len);
	ck_assert_uint_eq(idx, 1);
	ck_assert_uint_eq(boff, 0);
	ck_assert_uint_eq(len, 1 * MiB);
	writer_split(4 * MiB, 9 * MiB + 5, 8 * MiB, &idx, &boff, &len);
	ck_assert_uint_eq(idx, 2);
	ck_assert_uint_eq(boff, 1 * MiB + 5);
	ck_assert_uint_eq(len, 3 * MiB - 5);
}
END_TEST

START_TEST(test_grow)
{
	ck_assert_uint_eq(writer_grow(0, 1, 4 * MiB), WRITER_MIN_ALLOC);
	ck_assert_uint_eq(writer_grow(0, WRITER_MIN_ALLOC + 1, 4 * MiB),
	    2 * WRITER_MIN_ALLOC);
	ck_assert_uint_eq(writer_grow(WRITER_MIN_ALLOC, WRITER_MIN_ALLOC + 1,
	    4 * MiB), 2 * WRITER_MIN_ALLOC);
	ck_assert_uint_eq(writer_grow(2 * MiB, 3 * MiB, 4 * MiB), 4 * MiB);
	/* never past the block size, even for odd block sizes */
	ck_assert_uint_eq(writer_grow(0, 100000, 100000), 100000);
	ck_assert_uint_eq(writer_grow(0, 10, 1000), 1000);
}
END_TEST

START_TEST(test_source_ok)
{
	char	 a[METACONN_ADDRS_MAX][MDFS_ADDR_MAX], err[128];

	ck_assert_int_eq(metaconn_parse_list("127.0.0.1:8000", a, err,
	    sizeof(err)), 1);
	ck_assert_str_eq(a[0], "127.0.0.1:8000");
	ck_assert_int_eq(metaconn_parse_list("m1:8000,m2:9,[::1]:65535", a, err,
	    sizeof(err)), 3);
	ck_assert_str_eq(a[1], "m2:9");
	ck_assert_str_eq(a[2], "[::1]:65535");
}
END_TEST

static const char *const bad_sources[] = {
	"", "m1", "m1:", ":80", "m1:0", "m1:65536", "m1:80,", ",m1:80",
	"m1:80,,m2:80", "m1:8x", "m1:-1", "m1:123456789",
	"a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1,a:1",
};

START_TEST(test_source_bad)
{
	char	 a[METACONN_ADDRS_MAX][MDFS_ADDR_MAX], err[128] = "";

	ck_assert_int_eq(metaconn_parse_list(bad_sources[_i], a, err,
	    sizeof(err)), -EINVAL);
	ck_assert_int_ne(err[0], '\0');
}
END_TEST

START_TEST(test_source_too_long)
{
	char	 a[METACONN_ADDRS_MAX][MDFS_ADDR_MAX], err[128];
	char	 s[MDFS_ADDR_MAX + 16];

	memset(s, 'h', sizeof(s));
	memcpy(s + MDFS_ADDR_MAX, ":80", 4);
	ck_assert_int_eq(metaconn_parse_list(s, a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(metaconn_parse_list(NULL, a, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_inode_counts)
{
	struct inodes	*t = inodes_new();

	inodes_ref(t, 5, 1);
	inodes_ref(t, 5, 2);
	ck_assert_uint_eq(inodes_lookups(t, 5), 3);
	ck_assert_uint_eq(inodes_count(t), 1);
	inodes_forget(t, 5, 2);
	ck_assert_uint_eq(inodes_lookups(t, 5), 1);
	/* forgetting more than known never goes below zero, drops it */
	inodes_forget(t, 5, 10);
	ck_assert_uint_eq(inodes_lookups(t, 5), 0);
	ck_assert_uint_eq(inodes_count(t), 0);
	inodes_forget(t, 42, 1);	/* unknown: no-op */
	ck_assert_uint_eq(inodes_count(t), 0);
	inodes_free(t);
}
END_TEST

static void
count_open(struct ofile *of, void *arg)
{
	(*(int *)arg)++;
}

START_TEST(test_inode_open_files)
{
	struct mdfs	 fs = { 0 };
	struct inodes	*t = inodes_new();
	struct ofile	*a, *b;
	int		 n = 0;

	fs.block_size = MiB;
	a = inodes_open(t, &fs, 7, 100);
	b = inodes_open(t, &fs, 7, 999);
	ck_assert_ptr_eq(a, b);		/* one ofile per inode */
	ck_assert_uint_eq(a->size, 100);
	ck_assert_ptr_null(inodes_get(t, 8));
	ck_assert_ptr_eq(inodes_get(t, 7), a);
	inodes_put(t, a);
	inodes_foreach_open(t, count_open, &n);
	ck_assert_int_eq(n, 1);
	inodes_forget(t, 7, 1);		/* open keeps the entry */
	ck_assert_uint_eq(inodes_count(t), 1);
	inodes_put(t, a);
	inodes_put(t, b);
	ck_assert_ptr_null(inodes_get(t, 7));
	ck_assert_uint_eq(inodes_count(t), 0);
	inodes_free(t);
}
END_TEST

static struct mc_attr
server_attr(void)
{
	struct mc_attr	 a = { 0 };

	a.ino = 9;
	a.mode = S_IFREG | 0644;
	a.nlink = 1;
	a.size = 0;
	a.atime = a.mtime = a.ctime = 9000000000LL;
	return a;
}

START_TEST(test_defer_attr)
{
	struct mdfs		 fs = { 0 };
	struct ofile		*of;
	struct mc_setattr	 s = { 0 };
	struct mc_attr		 a, b;

	fs.block_size = MiB;
	of = ofile_new(&fs, 9, 0);
	of->created = 1;
	s.set = MC_SET_MODE | MC_SET_UID;
	s.mode = 04755;
	s.uid = 5;
	ck_assert_int_eq(writer_may_defer(of, &s), 1);
	ck_assert_int_eq(writer_attr_pending(of), 0);
	writer_defer_attr(of, &s);
	ck_assert_int_eq(writer_attr_pending(of), 1);
	/* a chown without a mode clears setuid, as the metaserver would */
	s.set = MC_SET_GID;
	s.gid = 6;
	writer_defer_attr(of, &s);
	s.set = MC_SET_ATIME | MC_SET_MTIME;
	s.atime = 1000000000LL;
	s.mtime = 2000000000LL;
	writer_defer_attr(of, &s);
	a = server_attr();
	writer_patch_attr(of, &a);
	ck_assert_uint_eq(a.mode, S_IFREG | 0755);
	ck_assert_uint_eq(a.uid, 5);
	ck_assert_uint_eq(a.gid, 6);
	ck_assert_int_eq(a.atime, 1000000000LL);
	ck_assert_int_eq(a.mtime, 2000000000LL);	/* older than the server's */
	ck_assert_int_ge(a.ctime, 9000000000LL);
	/* a write after the utimes moves mtime on */
	of->wseq++;
	of->dirty = 1;
	of->mtime = 30000000000LL;
	a = server_attr();
	writer_patch_attr(of, &a);
	ck_assert_int_eq(a.mtime, 30000000000LL);
	ck_assert_uint_eq(a.mode, S_IFREG | 0755);

	/* the base attributes: valid until a name changes or a truncate */
	ck_assert_int_eq(writer_base_attr(of, &b), -ENOENT);
	of->base = server_attr();
	of->base_valid = 1;
	ck_assert_int_eq(writer_base_attr(of, &b), 0);
	ck_assert_uint_eq(b.ino, 9);
	ck_assert_uint_eq(b.mode, S_IFREG | 0644);	/* without the pending */
	fs.names_gen++;
	ck_assert_int_eq(writer_base_attr(of, &b), -ENOENT);
	of->base_gen = fs.names_gen;
	ck_assert_int_eq(writer_base_attr(of, &b), 0);
	writer_forget_base(of);
	ck_assert_int_eq(writer_base_attr(of, &b), -ENOENT);
	of->pend.set = 0;	/* no metaserver here to send them to */
	ofile_free(of);
}
END_TEST

START_TEST(test_defer_refused)
{
	struct mdfs		 fs = { 0 };
	struct ofile		*of;
	struct mc_setattr	 s = { 0 };
	static const unsigned	 never[] = { MC_SET_SIZE, MC_SET_ATIME_NOW,
	    MC_SET_MTIME_NOW, MC_SET_MODE | MC_SET_SIZE, 0 };

	fs.block_size = MiB;
	of = ofile_new(&fs, 9, 0);
	s.set = MC_SET_MODE;
	ck_assert_int_eq(writer_may_defer(of, &s), 0);	/* not created here */
	of->created = 1;
	ck_assert_int_eq(writer_may_defer(of, &s), 1);
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		s.set = never[i];
		ck_assert_int_eq(writer_may_defer(of, &s), 0);
	}
	ck_assert_int_eq(writer_attr_pending(of), 0);
	ofile_free(of);
}
END_TEST

/* The writeback cache's mtime goes with the commit of pending writes only
 * (writer_fold_mtime), and keeps the file dirty for the next flush. */
START_TEST(test_fold_mtime)
{
	struct mdfs		 fs = { 0 };
	struct ofile		*of;
	struct mc_attr		 a;
	uint64_t		 wseq;

	fs.block_size = MiB;
	of = ofile_new(&fs, 9, 0);
	/* nothing pending: not taken, nothing changes */
	ck_assert_int_eq(writer_fold_mtime(of, 20000000000LL), 0);
	ck_assert_int_eq(of->dirty, 0);
	ck_assert_int_eq(of->mtime, -1);
	/* a write is pending: its commit carries the kernel's mtime */
	of->dirty = 1;
	of->size = 10;
	of->mtime = 30000000000LL;
	wseq = of->wseq;
	ck_assert_int_eq(writer_fold_mtime(of, 20000000000LL), 1);
	ck_assert_int_eq(of->mtime, 20000000000LL);
	/* as a change: a commit already sent with the older mtime does not
	 * clear dirty (writer_flush compares wseq) */
	ck_assert_uint_gt(of->wseq, wseq);
	a = server_attr();
	a.mtime = a.ctime = 1000000000LL;
	writer_patch_attr(of, &a);
	ck_assert_int_eq(a.mtime, 20000000000LL);
	ck_assert_uint_eq(a.size, 10);
	ofile_free(of);
}
END_TEST

struct counter {
	pthread_mutex_t	 lock;
	int		 n;
};

static void
bump(void *arg)
{
	struct counter	*c = arg;

	pthread_mutex_lock(&c->lock);
	c->n++;
	pthread_mutex_unlock(&c->lock);
}

START_TEST(test_workq)
{
	struct counter	 c = { PTHREAD_MUTEX_INITIALIZER, 0 };
	struct workq	*wq = workq_new(3);

	ck_assert_ptr_nonnull(wq);
	for (int i = 0; i < 1000; i++)
		workq_push(wq, bump, &c);
	workq_free(wq);		/* runs what is queued before stopping */
	ck_assert_int_eq(c.n, 1000);
	workq_free(NULL);
}
END_TEST

static struct mc_attr
dir_attr(uint64_t ino, int64_t ctime)
{
	struct mc_attr	 a;

	memset(&a, 0, sizeof(a));
	a.ino = ino;
	a.mode = S_IFDIR | 0755;
	a.nlink = 2;
	a.ctime = a.mtime = ctime;
	return a;
}

START_TEST(test_dirattrs)
{
	struct dirattrs	*d = dirattrs_new();
	struct mc_attr	 a = dir_attr(7, 100), b;
	const int64_t	 hour = 3600LL * 1000000000LL;

	ck_assert_int_eq(dirattrs_get(d, 7, hour, &b), -ENOENT);
	dirattrs_put(d, &a);
	ck_assert_int_eq(dirattrs_get(d, 7, hour, &b), 0);
	ck_assert_uint_eq(b.ino, 7);
	ck_assert_int_eq(b.ctime, 100);
	/* too old for a zero age: only what is recorded "now" counts */
	ck_assert_int_eq(dirattrs_get(d, 7, -1, &b), -ENOENT);
	/* an older answer arriving late does not replace a newer one */
	a = dir_attr(7, 50);
	dirattrs_put(d, &a);
	ck_assert_int_eq(dirattrs_get(d, 7, hour, &b), 0);
	ck_assert_int_eq(b.ctime, 100);
	a = dir_attr(7, 200);
	dirattrs_put(d, &a);
	ck_assert_int_eq(dirattrs_get(d, 7, hour, &b), 0);
	ck_assert_int_eq(b.ctime, 200);
	/* an inode sharing the slot takes it; the other is then unknown */
	a = dir_attr(7 + 1024, 10);
	dirattrs_put(d, &a);
	ck_assert_int_eq(dirattrs_get(d, 7, hour, &b), -ENOENT);
	ck_assert_int_eq(dirattrs_get(d, 7 + 1024, hour, &b), 0);
	dirattrs_forget(d, 7);		/* not there: a no-op */
	ck_assert_int_eq(dirattrs_get(d, 7 + 1024, hour, &b), 0);
	dirattrs_forget(d, 7 + 1024);
	ck_assert_int_eq(dirattrs_get(d, 7 + 1024, hour, &b), -ENOENT);
	a = dir_attr(9, 1);
	dirattrs_put(d, &a);
	dirattrs_clear(d);
	ck_assert_int_eq(dirattrs_get(d, 9, hour, &b), -ENOENT);
	dirattrs_free(d);
	dirattrs_free(NULL);
}
END_TEST

/* A listing of n names "n0".."n<n-1>" with inode numbers 100 + i. */
static struct mc_dirent *
listing(size_t n)
{
	struct mc_dirent	*d = calloc(n, sizeof(*d));
	char			 name[32];

	ck_assert_ptr_nonnull(d);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "n%zu", i);
		d[i].name = strdup(name);
		d[i].attr.ino = 100 + i;
		d[i].attr.mode = S_IFREG | 0644;
	}
	return d;
}

START_TEST(test_lookahead)
{
	struct lookahead	*la = lookahead_new();
	struct mc_attr		 a;
	const int64_t		 hour = 3600LL * 1000000000LL;
	int64_t			 age = -1;
	int			 i;

	/* nothing until LOOKAHEAD_MISSES misses at one generation */
	ck_assert_int_eq(lookahead_get(la, 1, "n3", 5, hour, &a, &age),
	    -EAGAIN);
	for (i = 1; i < LOOKAHEAD_MISSES; i++)
		ck_assert_int_eq(lookahead_miss(la, 1, 5), 0);
	/* a change: the count starts anew with this miss */
	for (i = 1; i < LOOKAHEAD_MISSES; i++)
		ck_assert_int_eq(lookahead_miss(la, 1, 6), 0);
	ck_assert_int_eq(lookahead_miss(la, 1, 6), 1);
	ck_assert_int_eq(lookahead_miss(la, 1, 6), 0);	/* one fetch at a time */
	lookahead_put(la, 1, 6, listing(10), 10, 1);

	ck_assert_int_eq(lookahead_get(la, 1, "n3", 6, hour, &a, &age), 0);
	ck_assert_uint_eq(a.ino, 103);
	ck_assert(age >= 0 && age < hour);
	ck_assert_int_eq(lookahead_get(la, 1, "n9", 6, hour, &a, &age), 0);
	ck_assert_uint_eq(a.ino, 109);
	/* a name not listed, another directory, another generation, too
	 * old, "." and "..": all asked */
	ck_assert_int_eq(lookahead_get(la, 1, "n10", 6, hour, &a, &age),
	    -EAGAIN);
	ck_assert_int_eq(lookahead_get(la, 2, "n3", 6, hour, &a, &age),
	    -EAGAIN);
	ck_assert_int_eq(lookahead_get(la, 1, "n3", 7, hour, &a, &age),
	    -EAGAIN);
	ck_assert_int_eq(lookahead_get(la, 1, "n3", 6, -1, &a, &age),
	    -EAGAIN);
	ck_assert_int_eq(lookahead_get(la, 1, ".", 6, hour, &a, &age),
	    -EAGAIN);

	/* a partial listing is fetched again only after LOOKAHEAD_REFETCH
	 * misses; a failed fetch lets the next one try */
	ck_assert_int_eq(lookahead_miss(la, 3, 6), 0);
	ck_assert_int_eq(lookahead_miss(la, 3, 6), 0);
	ck_assert_int_eq(lookahead_miss(la, 3, 6), 1);
	lookahead_put_failed(la, 3);
	for (i = 1; i < LOOKAHEAD_MISSES; i++)
		ck_assert_int_eq(lookahead_miss(la, 3, 6), 0);
	ck_assert_int_eq(lookahead_miss(la, 3, 6), 1);
	lookahead_put(la, 3, 6, listing(4), 4, 0);
	for (i = 1; i < LOOKAHEAD_REFETCH; i++)
		ck_assert_int_eq(lookahead_miss(la, 3, 6), 0);
	ck_assert_int_eq(lookahead_miss(la, 3, 6), 1);
	lookahead_put(la, 3, 6, listing(4), 4, 0);

	/* LOOKAHEAD_DIRS directories are kept: the least recently used
	 * goes (directory 1 was read last, directory 3 goes first) */
	ck_assert_int_eq(lookahead_get(la, 1, "n3", 6, hour, &a, &age), 0);
	for (uint64_t dir = 10; dir < 10 + LOOKAHEAD_DIRS - 2; dir++)
		(void)lookahead_miss(la, dir, 6);
	ck_assert_int_eq(lookahead_get(la, 3, "n1", 6, hour, &a, &age), 0);
	ck_assert_int_eq(lookahead_get(la, 1, "n3", 6, hour, &a, &age), 0);
	(void)lookahead_miss(la, 99, 6);	/* takes the oldest: dir 10 */
	ck_assert_int_eq(lookahead_get(la, 1, "n3", 6, hour, &a, &age), 0);
	ck_assert_int_eq(lookahead_get(la, 3, "n1", 6, hour, &a, &age), 0);
	(void)lookahead_miss(la, 98, 6);
	(void)lookahead_miss(la, 97, 6);
	for (uint64_t dir = 11; dir < 10 + LOOKAHEAD_DIRS - 2; dir++)
		(void)lookahead_miss(la, 200 + dir, 6);
	/* the five newer ones took 13, 14, 15, 99 and then 1 (read
	 * before 3 last time) */
	ck_assert_int_eq(lookahead_get(la, 1, "n3", 6, hour, &a, &age),
	    -EAGAIN);
	lookahead_free(la);
	lookahead_free(NULL);
}
END_TEST

START_TEST(test_opendirs)
{
	struct opendirs	*o = opendirs_new();
	struct mc_attr	 a = dir_attr(5, 10), b = dir_attr(6, 20), g;

	ck_assert_int_eq(opendirs_removed(o, 5, &g), -ENOENT);
	opendirs_open(o, &a);
	opendirs_open(o, &a);		/* two handles */
	opendirs_open(o, &b);
	ck_assert_int_eq(opendirs_removed(o, 5, &g), 0);
	ck_assert_uint_eq(g.ino, 5);
	ck_assert_uint_eq(g.nlink, 0);	/* gone: no links */
	ck_assert_int_eq(g.ctime, 10);
	opendirs_close(o, 5);
	ck_assert_int_eq(opendirs_removed(o, 5, &g), 0);
	opendirs_close(o, 5);
	ck_assert_int_eq(opendirs_removed(o, 5, &g), -ENOENT);
	ck_assert_int_eq(opendirs_removed(o, 6, &g), 0);
	opendirs_close(o, 99);		/* never opened: a no-op */
	opendirs_close(o, 6);
	ck_assert_int_eq(opendirs_removed(o, 6, &g), -ENOENT);
	for (uint64_t i = 100; i < 200; i++) {	/* growth */
		a = dir_attr(i, 1);
		opendirs_open(o, &a);
	}
	ck_assert_int_eq(opendirs_removed(o, 150, &g), 0);
	opendirs_free(o);
	opendirs_free(NULL);
}
END_TEST

static Suite *
fusecore_suite(void)
{
	Suite	*s = suite_create("fusecore");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_grow);
	tcase_add_test(tc, test_source_ok);
	tcase_add_test(tc, test_inode_counts);
	tcase_add_test(tc, test_inode_open_files);
	tcase_add_test(tc, test_workq);
	tcase_add_test(tc, test_defer_attr);
	tcase_add_test(tc, test_dirattrs);
	tcase_add_test(tc, test_lookahead);
	tcase_add_test(tc, test_opendirs);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_source_bad, 0,
	    sizeof(bad_sources) / sizeof(bad_sources[0]));
	tcase_add_test(tc, test_defer_refused);
	tcase_add_test(tc, test_fold_mtime);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_source_too_long);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(fusecore_suite());
}
