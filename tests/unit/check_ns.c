/*
 * check_ns: the namespace's POSIX rules without etcd (server/meta/ns.c,
 * ns_ops.c).  A fake store records every batch and can be told to fail, so
 * the tests also show that a failed commit changes nothing and that the
 * batches carry the right keys in a safe order; a fake block_ref counts
 * references; loading is tested by replaying recorded batches into a fresh
 * namespace.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pthread.h>
#include <time.h>

#include <check.h>

#include "common/protocol.h"
#include "common/relatime.h"
#include "common/strnum.h"
#include "common/xalloc.h"
#include "server/meta/ns.h"
#include "tests/lib/check_main.h"

#define B		4096	/* block size of the tests */
#define ROOT		MDFS_ROOT_INO
#define ID_A	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C	"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* A key-value store in memory that mirrors what etcd would hold. */
struct kv {
	char	*key;
	char	*val;
	size_t	 len;
};

struct fake {
	int		 fail;		/* next commits fail with this */
	size_t		 commits;
	size_t		 last_ops;
	struct kv	*kvs;
	size_t		 n;
	int		 refs[3];	/* ID_A, ID_B, ID_C */
	unsigned	 last_replicas;
	int		 dead_session;	/* session_valid says 0 for it */
	char		 last_first_key[128];
	char		 last_last_key[128];
	int		 slow_ms;	/* each commit takes this long */
};

static struct fake F;
static struct ns *N;

static void
kv_del(const char *key, int prefix)
{
	size_t	 i;

	for (i = 0; i < F.n; ) {
		if (prefix ? strncmp(F.kvs[i].key, key, strlen(key)) == 0 :
		    strcmp(F.kvs[i].key, key) == 0) {
			free(F.kvs[i].key);
			free(F.kvs[i].val);
			F.kvs[i] = F.kvs[--F.n];
		} else
			i++;
	}
}

static void
kv_put(const char *key, const char *val, size_t len)
{
	kv_del(key, 0);
	F.kvs = xrealloc(F.kvs, (F.n + 1) * sizeof(*F.kvs));
	F.kvs[F.n].key = xstrdup(key);
	F.kvs[F.n].val = xmalloc(len + 1);
	memcpy(F.kvs[F.n].val, val, len);
	F.kvs[F.n].val[len] = '\0';
	F.kvs[F.n].len = len;
	F.n++;
}

static const struct kv *
kv_get(const char *key)
{
	size_t	 i;

	for (i = 0; i < F.n; i++)
		if (strcmp(F.kvs[i].key, key) == 0)
			return &F.kvs[i];
	return NULL;
}

static size_t
kv_count(const char *prefix)
{
	size_t	 i, c = 0;

	for (i = 0; i < F.n; i++)
		if (strncmp(F.kvs[i].key, prefix, strlen(prefix)) == 0)
			c++;
	return c;
}

static int
fake_commit(void *arg, const struct ns_batch *b)
{
	size_t	 i;

	(void)arg;
	if (F.fail != 0)
		return F.fail;
	/* etcd refuses a txn touching a key twice */
	for (i = 0; i < b->n; i++) {
		size_t j;

		for (j = 0; j < i; j++) {
			const struct ns_op *x = &b->ops[i], *y = &b->ops[j];

			ck_assert_msg(strcmp(x->key, y->key) != 0 &&
			    !(x->prefix && strncmp(y->key, x->key,
			    strlen(x->key)) == 0) &&
			    !(y->prefix && strncmp(x->key, y->key,
			    strlen(y->key)) == 0), "txn with %s twice", x->key);
		}
	}
	if (F.slow_ms > 0) {
		struct timespec ts = { 0, F.slow_ms * 1000000L };

		nanosleep(&ts, NULL);
	}
	F.commits++;
	F.last_ops = b->n;
	snprintf(F.last_first_key, sizeof(F.last_first_key), "%s",
	    b->ops[0].key);
	snprintf(F.last_last_key, sizeof(F.last_last_key), "%s",
	    b->ops[b->n - 1].key);
	for (i = 0; i < b->n; i++) {
		if (b->ops[i].del)
			kv_del(b->ops[i].key, b->ops[i].prefix);
		else
			kv_put(b->ops[i].key, b->ops[i].val, b->ops[i].len);
	}
	return 0;
}

static void
fake_ref(void *arg, const char *id, uint64_t size, unsigned replicas,
    int delta)
{
	(void)arg;
	(void)size;
	F.last_replicas = replicas;
	F.refs[id[0] - 'a'] += delta;
}

static int
fake_session(void *arg, uint64_t s)
{
	(void)arg;
	return (int)s != F.dead_session;
}

static struct ns *
make_ns(void)
{
	struct ns_config c = { B, 3, 1000, 0 };
	struct ns_hooks	 h = { fake_commit, fake_ref, fake_session, NULL };

	return ns_new(&c, &h);
}

static void
setup(void)
{
	memset(&F, 0, sizeof(F));
	F.dead_session = -1;
	N = make_ns();
}

static void
teardown(void)
{
	size_t	 i;

	ns_free(N);
	for (i = 0; i < F.n; i++) {
		free(F.kvs[i].key);
		free(F.kvs[i].val);
	}
	free(F.kvs);
}

static const struct ns_cred USER = { 1000, 1000, { 1000 }, 1 };
static const struct ns_cred OTHER = { 1001, 1001, { 1001 }, 1 };

static uint64_t
mk(uint64_t parent, const char *name, uint32_t mode)
{
	struct ns_attr	 a;

	ck_assert_int_eq(ns_mknod(N, parent, name, mode, 0, NULL, &a), 0);
	return a.ino;
}

static uint64_t
mkd(uint64_t parent, const char *name)
{
	struct ns_attr	 a;

	ck_assert_int_eq(ns_mkdir(N, parent, name, 0755, NULL, &a), 0);
	return a.ino;
}

static struct ns_attr
attr(uint64_t ino)
{
	struct ns_attr	 a;

	ck_assert_int_eq(ns_getattr(N, ino, &a), 0);
	return a;
}

static char *
ikey(uint64_t ino)
{
	static char	 k[64];

	snprintf(k, sizeof(k), EK_INODE "%016" PRIx64, ino);
	return k;
}

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_root_and_mkdir)
{
	struct ns_attr	 a, p;
	uint64_t	 d;

	a = attr(ROOT);
	ck_assert(S_ISDIR(a.mode));
	ck_assert_uint_eq(a.nlink, 2);
	d = mkd(ROOT, "d");
	ck_assert_uint_gt(d, ROOT);
	ck_assert_int_eq(ns_lookup(N, ROOT, "d", &a), 0);
	ck_assert_uint_eq(a.ino, d);
	ck_assert_uint_eq(a.nlink, 2);
	p = attr(ROOT);
	ck_assert_uint_eq(p.nlink, 3);
	ck_assert_int_ge(p.mtime, a.mtime);
	ck_assert_int_eq(p.mtime, p.ctime);
	/* the new directory, its entry, the parent, the inode counter */
	ck_assert_ptr_nonnull(kv_get(ikey(d)));
	ck_assert_ptr_nonnull(kv_get(EK_DENTRY "0000000000000001/d"));
	ck_assert_ptr_nonnull(kv_get(EK_NEXT_INO));
	ck_assert_int_eq(ns_rmdir(N, ROOT, "d", NULL), 0);
	ck_assert_uint_eq(attr(ROOT).nlink, 2);
	ck_assert_ptr_null(kv_get(ikey(d)));
	ck_assert_int_eq(ns_getattr(N, d, &a), -ENOENT);
}
END_TEST

START_TEST(test_mknod_types)
{
	struct ns_attr	 a;

	ck_assert(S_ISREG(attr(mk(ROOT, "f", 0644)).mode));
	ck_assert(S_ISFIFO(attr(mk(ROOT, "p", S_IFIFO | 0600)).mode));
	ck_assert(S_ISSOCK(attr(mk(ROOT, "s", S_IFSOCK | 0600)).mode));
	ck_assert_int_eq(ns_mknod(N, ROOT, "c", S_IFCHR | 0600, 0x0501, NULL,
	    &a), 0);
	ck_assert(S_ISCHR(a.mode));
	ck_assert_uint_eq(a.rdev, 0x0501);
	ck_assert_int_eq(ns_mknod(N, ROOT, "b", S_IFBLK | 0600, 7, NULL, &a),
	    0);
	ck_assert_uint_eq(a.rdev, 7);
	/* rdev only for devices */
	ck_assert_int_eq(ns_mknod(N, ROOT, "r", S_IFREG | 0600, 7, NULL, &a),
	    0);
	ck_assert_uint_eq(a.rdev, 0);
	ck_assert_int_eq(ns_mknod(N, ROOT, "dir", S_IFDIR | 0700, 0, NULL, &a),
	    -EINVAL);
	ck_assert_int_eq(ns_mknod(N, ROOT, "lnk", S_IFLNK | 0700, 0, NULL, &a),
	    -EINVAL);
}
END_TEST

START_TEST(test_owner_and_setgid_dirs)
{
	struct ns_attr	 a;
	struct ns_setattr sa = { NS_SET_MODE | NS_SET_GID, 02775, 0, 50, 0, 0,
	    0 };
	uint64_t	 d;

	d = mkd(ROOT, "g");
	ck_assert_int_eq(ns_setattr(N, d, &sa, NULL, &a), 0);
	ck_assert_uint_eq(a.mode & 07777, 02775);
	ck_assert_int_eq(ns_mknod(N, d, "f", 02755, 0, &USER, &a), 0);
	ck_assert_uint_eq(a.uid, 1000);
	ck_assert_uint_eq(a.gid, 50);	/* the directory's group */
	/* not in group 50: the file loses S_ISGID */
	ck_assert_uint_eq(a.mode & 07777, 0755);
	ck_assert_int_eq(ns_mkdir(N, d, "sub", 0755, &USER, &a), 0);
	ck_assert_uint_eq(a.gid, 50);
	ck_assert_uint_eq(a.mode & 07777, 02755);	/* inherited */
	ck_assert_int_eq(ns_mknod(N, ROOT, "plain", 0644, 0, &USER, &a), 0);
	ck_assert_uint_eq(a.gid, 1000);
}
END_TEST

START_TEST(test_symlink)
{
	struct ns_attr	 a;
	char		*t;

	ck_assert_int_eq(ns_symlink(N, ROOT, "l", "/some/where", NULL, &a), 0);
	ck_assert(S_ISLNK(a.mode));
	ck_assert_uint_eq(a.size, strlen("/some/where"));
	ck_assert_int_eq(ns_readlink(N, a.ino, &t), 0);
	ck_assert_str_eq(t, "/some/where");
	free(t);
	ck_assert_int_eq(ns_readlink(N, ROOT, &t), -EINVAL);
	ck_assert_int_eq(ns_readlink(N, 999, &t), -ENOENT);
}
END_TEST

START_TEST(test_link_unlink)
{
	struct ns_attr	 a;
	uint64_t	 f, d;

	f = mk(ROOT, "f", 0644);
	d = mkd(ROOT, "d");
	ck_assert_int_eq(ns_link(N, f, d, "g", &a), 0);
	ck_assert_uint_eq(a.nlink, 2);
	ck_assert_uint_eq(attr(d).nlink, 2);	/* files don't count */
	ck_assert_int_eq(ns_unlink(N, ROOT, "f", NULL), 0);
	ck_assert_uint_eq(attr(f).nlink, 1);
	ck_assert_int_eq(ns_lookup(N, ROOT, "f", &a), -ENOENT);
	ck_assert_int_eq(ns_unlink(N, d, "g", NULL), 0);
	ck_assert_int_eq(ns_getattr(N, f, &a), -ENOENT);
	ck_assert_ptr_null(kv_get(ikey(f)));
}
END_TEST

START_TEST(test_setattr)
{
	struct ns_attr	 a, b;
	struct ns_setattr sa;
	uint64_t	 f;

	f = mk(ROOT, "f", 06755);
	b = attr(f);
	memset(&sa, 0, sizeof(sa));
	sa.valid = NS_SET_ATIME | NS_SET_MTIME;
	sa.atime = -1500000000;			/* before 1970 */
	sa.mtime = INT64_C(5000000000) * 1000000000 + 7; /* after 2106 */
	ck_assert_int_eq(ns_setattr(N, f, &sa, NULL, &a), 0);
	ck_assert_int_eq(a.atime, -1500000000);
	ck_assert_int_eq(a.mtime, INT64_C(5000000000) * 1000000000 + 7);
	ck_assert_int_ge(a.ctime, b.ctime);
	/* chown clears set-user-ID and (group-executable) set-group-ID */
	sa.valid = NS_SET_UID | NS_SET_GID;
	sa.uid = 5;
	sa.gid = 6;
	ck_assert_int_eq(ns_setattr(N, f, &sa, NULL, &a), 0);
	ck_assert_uint_eq(a.uid, 5);
	ck_assert_uint_eq(a.gid, 6);
	ck_assert_uint_eq(a.mode & 07777, 0755);
	/* the type bits stay */
	sa.valid = NS_SET_MODE;
	sa.mode = S_IFDIR | 0600;
	ck_assert_int_eq(ns_setattr(N, f, &sa, NULL, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFREG | 0600);
	sa.valid = NS_SET_ATIME_NOW | NS_SET_MTIME_NOW;
	ck_assert_int_eq(ns_setattr(N, f, &sa, NULL, &a), 0);
	ck_assert_int_gt(a.mtime, 0);
	ck_assert_int_lt(a.mtime, INT64_C(5000000000) * 1000000000);
}
END_TEST

/* The stored inode record of ino holds atime t. */
static int
stored_atime(uint64_t ino, int64_t t)
{
	char	 want[64];

	snprintf(want, sizeof(want), "\"atime\":\"%" PRId64 "\"", t);
	return kv_get(ikey(ino)) != NULL &&
	    strstr(kv_get(ikey(ino))->val, want) != NULL;
}

/* relatime on the metaserver: a read's touch sets atime alone, only when
 * it is not newer than mtime or ctime (or a day old), never backwards. */
START_TEST(test_touch_atime)
{
	struct ns_attr	 a, b;
	struct ns_setattr sa;
	uint64_t	 f, d;
	int		 touched;

	f = mk(ROOT, "f", 0600);
	d = mkd(ROOT, "d");
	/* a new inode: atime == mtime == ctime, so the first read touches */
	b = attr(f);
	ck_assert_int_eq(ns_touch_atime(N, f, 0, &touched, &a), 0);
	ck_assert_int_eq(touched, 1);
	ck_assert_int_gt(a.atime, b.atime);
	ck_assert_int_eq(a.mtime, b.mtime);
	ck_assert_int_eq(a.ctime, b.ctime);	/* a read is no change */
	ck_assert_uint_eq(a.mode, b.mode);
	ck_assert_uint_eq(a.size, b.size);
	ck_assert(stored_atime(f, a.atime));
	/* now atime > mtime and ctime and young: the next read changes
	 * nothing, in memory or in the store */
	b = a;
	ck_assert_int_eq(ns_touch_atime(N, f, 0, &touched, &a), 0);
	ck_assert_int_eq(touched, 0);
	ck_assert_int_eq(a.atime, b.atime);
	ck_assert_int_eq(attr(f).atime, b.atime);
	ck_assert_int_eq(attr(f).ctime, b.ctime);
	/* ... unless strict (strictatime) */
	ck_assert_int_eq(ns_touch_atime(N, f, 1, &touched, &a), 0);
	ck_assert_int_eq(touched, 1);
	ck_assert_int_gt(a.atime, b.atime);
	ck_assert_int_eq(a.ctime, b.ctime);
	/* an atime older than mtime (utimensat): touched, ctime kept */
	memset(&sa, 0, sizeof(sa));
	sa.valid = NS_SET_ATIME | NS_SET_MTIME;
	sa.atime = 1000;
	sa.mtime = 2000;
	ck_assert_int_eq(ns_setattr(N, f, &sa, NULL, &b), 0);
	ck_assert_int_eq(ns_touch_atime(N, f, 0, NULL, &a), 0);
	ck_assert_int_gt(a.atime, b.ctime - 1);
	ck_assert_int_eq(a.mtime, 2000);
	ck_assert_int_eq(a.ctime, b.ctime);
	/* never backwards: an atime in the future stays, even where the
	 * rule holds (atime <= mtime) and even when strict */
	sa.atime = INT64_C(4000000000) * 1000000000;
	sa.mtime = INT64_C(4100000000) * 1000000000;
	ck_assert_int_eq(ns_setattr(N, f, &sa, NULL, &b), 0);
	ck_assert_int_eq(ns_touch_atime(N, f, 0, &touched, &a), 0);
	ck_assert_int_eq(touched, 0);
	ck_assert_int_eq(a.atime, sa.atime);
	ck_assert_int_eq(ns_touch_atime(N, f, 1, &touched, &a), 0);
	ck_assert_int_eq(touched, 0);
	ck_assert_int_eq(a.atime, sa.atime);
	ck_assert(stored_atime(f, sa.atime));
	/* directories (a listing) alike; its parent is untouched */
	b = attr(ROOT);
	ck_assert_int_eq(ns_touch_atime(N, d, 0, &touched, &a), 0);
	ck_assert_int_eq(touched, 1);
	ck_assert_int_eq(attr(ROOT).atime, b.atime);
	ck_assert_int_eq(attr(ROOT).ctime, b.ctime);
	ck_assert_int_eq(ns_touch_atime(N, 999999, 0, &touched, &a), -ENOENT);
	ck_assert_int_eq(touched, 0);
}
END_TEST

/* The rule itself (common/relatime.h), where time can be chosen. */
START_TEST(test_relatime_rule)
{
	const int64_t	 H = INT64_C(3600) * 1000000000, now = 1000 * H;

	/* atime not newer than mtime or ctime */
	ck_assert_int_eq(relatime_due(now - 2 * H, now - 2 * H, now - 3 * H,
	    now, 0), 1);
	ck_assert_int_eq(relatime_due(now - 2 * H, now - 3 * H, now - H,
	    now, 0), 1);
	/* newer than both and younger than a day: no update */
	ck_assert_int_eq(relatime_due(now - H, now - 2 * H, now - 2 * H,
	    now, 0), 0);
	ck_assert_int_eq(relatime_due(now - 24 * H, now - 25 * H,
	    now - 25 * H, now, 0), 0);
	/* more than a day old: updated */
	ck_assert_int_eq(relatime_due(now - 24 * H - 1, now - 25 * H,
	    now - 25 * H, now, 0), 1);
	/* strict: always, but never backwards (nor to the same time) */
	ck_assert_int_eq(relatime_due(now - H, now - 2 * H, now - 2 * H,
	    now, 1), 1);
	ck_assert_int_eq(relatime_due(now, now, now, now, 1), 0);
	ck_assert_int_eq(relatime_due(now + 1, now + 2, now + 2, now, 0), 0);
	ck_assert_int_eq(relatime_due(now + 1, now + 2, now + 2, now, 1), 0);
}
END_TEST

START_TEST(test_truncate_and_commit)
{
	struct ns_attr	 a;
	struct ns_setattr sa;
	struct ns_chunk_in c[3];
	uint64_t	 f, size;
	unsigned	 r;

	f = mk(ROOT, "f", 0644);
	memset(c, 0, sizeof(c));
	c[0].index = 0; c[0].len = B; memcpy(c[0].id, ID_A, 65);
	c[1].index = 2; c[1].len = 100; memcpy(c[1].id, ID_B, 65);
	ck_assert_int_eq(ns_commit(N, f, 1, 2 * B + 100, 0, 0, c, 2, &a), 0);
	ck_assert_uint_eq(a.size, 2 * B + 100);
	ck_assert_uint_eq(a.blocks, (B + 100 + 511) / 512);
	ck_assert_int_eq(F.refs[0], 1);
	ck_assert_int_eq(F.refs[1], 1);
	/* chunks first, the inode (size) last */
	ck_assert(strncmp(F.last_first_key, EK_CHUNK, 5) == 0);
	ck_assert_str_eq(F.last_last_key, ikey(f));
	ck_assert_uint_eq(kv_count(EK_CHUNK), 2);
	/* a smaller size never shrinks: max(current, size) */
	ck_assert_int_eq(ns_commit(N, f, 1, 10, 0, 0, NULL, 0, &a), 0);
	ck_assert_uint_eq(a.size, 2 * B + 100);
	/* replace chunk 0 */
	memcpy(c[2].id, ID_C, 65);
	c[2].index = 0;
	c[2].len = 10;
	ck_assert_int_eq(ns_commit(N, f, 1, 0, 1, 123, &c[2], 1, &a), 0);
	ck_assert_int_eq(a.mtime, 123);
	ck_assert_int_eq(F.refs[0], 0);
	ck_assert_int_eq(F.refs[2], 1);
	/* truncate into chunk 0: chunk 2 goes, chunk 0 keeps 5 bytes */
	memset(&sa, 0, sizeof(sa));
	sa.valid = NS_SET_SIZE;
	sa.size = 5;
	ck_assert_int_eq(ns_setattr(N, f, &sa, NULL, &a), 0);
	ck_assert_uint_eq(a.size, 5);
	ck_assert_int_eq(F.refs[1], 0);
	ck_assert_uint_eq(kv_count(EK_CHUNK), 1);
	ck_assert_str_eq(F.last_first_key, ikey(f));	/* size first */
	ck_assert_int_eq(ns_file_info(N, f, &r, &size), 0);
	ck_assert_uint_eq(size, 5);
	ck_assert_uint_eq(r, 3);
	/* extending leaves a hole */
	sa.size = 10 * B;
	ck_assert_int_eq(ns_setattr(N, f, &sa, NULL, &a), 0);
	ck_assert_uint_eq(a.size, 10 * B);
	ck_assert_uint_eq(a.blocks, 1);
	sa.size = 0;
	ck_assert_int_eq(ns_setattr(N, f, &sa, NULL, &a), 0);
	ck_assert_int_eq(F.refs[2], 0);
	ck_assert_uint_eq(kv_count(EK_CHUNK), 0);
}
END_TEST

static int
collect(const char *name, uint64_t cookie, const struct ns_attr *a, void *arg)
{
	char	*buf = arg;

	(void)a;
	(void)cookie;
	strcat(buf, name);
	strcat(buf, " ");
	return 0;
}

struct page {
	uint64_t	 last;
	size_t		 n;
	char		 names[4096];
};

static int
page_cb(const char *name, uint64_t cookie, const struct ns_attr *a,
    void *arg)
{
	struct page	*p = arg;

	(void)a;
	p->last = cookie;
	p->n++;
	strcat(p->names, name);
	strcat(p->names, "/");
	return 0;
}

START_TEST(test_readdir)
{
	struct page	 p;
	char		 buf[4096] = "", name[16];
	uint64_t	 cookie = 0;
	size_t		 total = 0;
	int		 eof = 0, i;

	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		mk(ROOT, name, 0644);
	}
	ck_assert_int_eq(ns_readdir(N, ROOT, 0, 3, collect, buf, &eof), 0);
	ck_assert(strncmp(buf, ". .. ", 5) == 0);
	ck_assert_int_eq(eof, 0);
	/* resumable: a removed entry does not disturb the cookies */
	while (!eof) {
		memset(&p, 0, sizeof(p));
		ck_assert_int_eq(ns_readdir(N, ROOT, cookie, 7, page_cb, &p,
		    &eof), 0);
		total += p.n;
		cookie = p.last;
		if (total == 14)
			ck_assert_int_eq(ns_unlink(N, ROOT, "f49", NULL), 0);
	}
	ck_assert(total == 52 || total == 51);
	ck_assert_int_eq(ns_readdir(N, 999, 0, 3, collect, buf, &eof),
	    -ENOENT);
	ck_assert_int_eq(ns_readdir(N, mk(ROOT, "x", 0644), 0, 3, collect, buf,
	    &eof), -ENOTDIR);
}
END_TEST

START_TEST(test_readdir_exact)
{
	struct page	 p;
	uint64_t	 cookie = 2;
	int		 eof = 0;
	size_t		 n = 0;

	mk(ROOT, "a", 0644);
	mk(ROOT, "b", 0644);
	mk(ROOT, "c", 0644);
	/* after "." and "..", each entry exactly once */
	while (!eof) {
		memset(&p, 0, sizeof(p));
		ck_assert_int_eq(ns_readdir(N, ROOT, cookie, 1, page_cb, &p,
		    &eof), 0);
		n += p.n;
		if (p.n > 0)
			cookie = p.last;
	}
	ck_assert_uint_eq(n, 3);
}
END_TEST

static int
dotdot_cb(const char *name, uint64_t cookie, const struct ns_attr *a,
    void *arg)
{
	(void)cookie;
	if (strcmp(name, "..") == 0)
		*(uint64_t *)arg = a->ino;
	return 0;
}

static void
names_cb(const char *name, void *arg)
{
	strcat(arg, name);
	strcat(arg, " ");
}

START_TEST(test_rename_basic)
{
	struct ns_attr	 a;
	uint64_t	 f, d1, d2, sub;

	f = mk(ROOT, "f", 0644);
	d1 = mkd(ROOT, "d1");
	d2 = mkd(ROOT, "d2");
	ck_assert_int_eq(ns_rename(N, ROOT, "f", d1, "g", 0, NULL), 0);
	ck_assert_int_eq(ns_lookup(N, d1, "g", &a), 0);
	ck_assert_uint_eq(a.ino, f);
	/* a directory across parents moves a link count */
	sub = mkd(d1, "sub");
	ck_assert_uint_eq(attr(d1).nlink, 3);
	ck_assert_int_eq(ns_rename(N, d1, "sub", d2, "sub", 0, NULL), 0);
	ck_assert_uint_eq(attr(d1).nlink, 2);
	ck_assert_uint_eq(attr(d2).nlink, 3);
	ck_assert_int_eq(ns_lookup(N, d2, "sub", &a), 0);
	ck_assert_uint_eq(a.ino, sub);
	/* ".." follows */
	{
		uint64_t dotdot = 0;
		int	 eof;

		ck_assert_int_eq(ns_readdir(N, sub, 0, 2, dotdot_cb, &dotdot,
		    &eof), 0);
		ck_assert_uint_eq(dotdot, d2);
	}
	/* over an existing file: the old one goes */
	mk(ROOT, "x", 0644);
	mk(ROOT, "y", 0644);
	ck_assert_int_eq(ns_lookup(N, ROOT, "y", &a), 0);
	ck_assert_int_eq(ns_rename(N, ROOT, "x", ROOT, "y", 0, NULL), 0);
	ck_assert_int_eq(ns_getattr(N, a.ino, &a), -ENOENT);
	/* over an empty directory */
	mkd(ROOT, "e1");
	mkd(ROOT, "e2");
	ck_assert_uint_eq(attr(ROOT).nlink, 6);
	ck_assert_int_eq(ns_rename(N, ROOT, "e1", ROOT, "e2", 0, NULL), 0);
	ck_assert_uint_eq(attr(ROOT).nlink, 5);
	/* same inode: nothing */
	ck_assert_int_eq(ns_link(N, f, ROOT, "f2", &a), 0);
	ck_assert_int_eq(ns_rename(N, d1, "g", ROOT, "f2", 0, NULL), 0);
	ck_assert_int_eq(ns_lookup(N, d1, "g", &a), 0);
}
END_TEST

START_TEST(test_rename_flags)
{
	struct ns_attr	 a;
	uint64_t	 f, d, sub;

	f = mk(ROOT, "f", 0644);
	d = mkd(ROOT, "d");
	sub = mkd(d, "sub");
	ck_assert_int_eq(ns_rename(N, ROOT, "f", ROOT, "d", NS_RENAME_NOREPLACE,
	    NULL), -EEXIST);
	/* exchange a file and a directory across parents */
	ck_assert_int_eq(ns_rename(N, ROOT, "f", d, "sub", NS_RENAME_EXCHANGE,
	    NULL), 0);
	ck_assert_int_eq(ns_lookup(N, ROOT, "f", &a), 0);
	ck_assert_uint_eq(a.ino, sub);
	ck_assert_int_eq(ns_lookup(N, d, "sub", &a), 0);
	ck_assert_uint_eq(a.ino, f);
	ck_assert_uint_eq(attr(d).nlink, 2);
	ck_assert_uint_eq(attr(ROOT).nlink, 4);
	ck_assert_int_eq(ns_rename(N, ROOT, "f", ROOT, "nothere",
	    NS_RENAME_EXCHANGE, NULL), -ENOENT);
	ck_assert_int_eq(ns_rename(N, ROOT, "f", ROOT, "g",
	    NS_RENAME_EXCHANGE | NS_RENAME_NOREPLACE, NULL), -EINVAL);
	ck_assert_int_eq(ns_rename(N, ROOT, "f", ROOT, "g", 8, NULL), -EINVAL);
}
END_TEST

START_TEST(test_xattrs)
{
	char		*v;
	size_t		 len;
	uint64_t	 f;
	char		 buf[1024] = "";

	f = mk(ROOT, "f", 0644);
	ck_assert_int_eq(ns_setxattr(N, f, "user.a", "1\0002", 3, 0), 0);
	ck_assert_int_eq(ns_getxattr(N, f, "user.a", &v, &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(v, "1\0002", 3) == 0);
	free(v);
	ck_assert_int_eq(ns_setxattr(N, f, "user.a", "x", 1,
	    NS_XATTR_CREATE), -EEXIST);
	ck_assert_int_eq(ns_setxattr(N, f, "user.b", "x", 1,
	    NS_XATTR_REPLACE), -ENODATA);
	ck_assert_int_eq(ns_setxattr(N, f, "user.a", "", 0,
	    NS_XATTR_REPLACE), 0);
	ck_assert_int_eq(ns_getxattr(N, f, "user.a", &v, &len), 0);
	ck_assert_uint_eq(len, 0);
	free(v);
	ck_assert_int_eq(ns_listxattr(N, f, names_cb, buf), 0);
	ck_assert_str_eq(buf, "user.a ");
	ck_assert_int_eq(ns_removexattr(N, f, "user.a"), 0);
	ck_assert_int_eq(ns_removexattr(N, f, "user.a"), -ENODATA);
	ck_assert_int_eq(ns_getxattr(N, f, "user.a", &v, &len), -ENODATA);
	ck_assert_uint_eq(kv_count(EK_XATTR), 0);
}
END_TEST

START_TEST(test_replicas_inherited)
{
	struct ns_chunk_in c;
	struct ns_attr	 a;
	char		*v;
	size_t		 len;
	uint64_t	 d, f, size;
	unsigned	 r;

	d = mkd(ROOT, "d");
	ck_assert_int_eq(ns_setxattr(N, d, MDFS_XATTR_REPLICAS, "2", 1, 0), 0);
	ck_assert_int_eq(ns_getxattr(N, d, MDFS_XATTR_REPLICAS, &v, &len), 0);
	ck_assert_str_eq(v, "2");
	free(v);
	f = mk(d, "f", 0644);
	ck_assert_int_eq(ns_file_info(N, f, &r, &size), 0);
	ck_assert_uint_eq(r, 2);
	memset(&c, 0, sizeof(c));
	c.len = 1;
	memcpy(c.id, ID_A, 65);
	ck_assert_int_eq(ns_commit(N, f, 1, 1, 0, 0, &c, 1, &a), 0);
	ck_assert_uint_eq(F.last_replicas, 2);
	/* the file's own value re-references its blocks */
	ck_assert_int_eq(ns_setxattr(N, f, MDFS_XATTR_REPLICAS, "5", 1, 0), 0);
	ck_assert_int_eq(F.refs[0], 1);
	ck_assert_uint_eq(F.last_replicas, 2);	/* the old -1 came last */
	ck_assert_int_eq(ns_setxattr(N, d, MDFS_XATTR_REPLICAS, "0", 1, 0),
	    -EINVAL);
	ck_assert_int_eq(ns_setxattr(N, d, MDFS_XATTR_REPLICAS, "17", 2, 0),
	    -EINVAL);
	ck_assert_int_eq(ns_setxattr(N, d, MDFS_XATTR_REPLICAS, "2x", 2, 0),
	    -EINVAL);
	ck_assert_int_eq(ns_removexattr(N, d, MDFS_XATTR_REPLICAS), 0);
	ck_assert_int_eq(ns_removexattr(N, d, MDFS_XATTR_REPLICAS), -ENODATA);
}
END_TEST

START_TEST(test_orphans)
{
	struct ns_attr	 a;
	struct ns_chunk_in c;
	uint64_t	 fh1, fh2, f;
	int		 created;

	ck_assert_int_eq(ns_create(N, ROOT, "f", 0644, O_RDWR, 7, NULL, &a,
	    &fh1, &created), 0);
	ck_assert_int_eq(created, 1);
	f = a.ino;
	ck_assert_uint_gt(fh1, 1000);	/* the handle base */
	ck_assert_int_eq(ns_open(N, f, O_RDONLY, 8, &fh2, &a), 0);
	ck_assert_uint_ne(fh1, fh2);
	memset(&c, 0, sizeof(c));
	c.len = 3;
	memcpy(c.id, ID_A, 65);
	ck_assert_int_eq(ns_commit(N, f, 7, 3, 0, 0, &c, 1, &a), 0);
	ck_assert_int_eq(ns_unlink(N, ROOT, "f", NULL), 0);
	/* still there, with nlink 0 and an orphan record */
	ck_assert_int_eq(ns_getattr(N, f, &a), 0);
	ck_assert_uint_eq(a.nlink, 0);
	ck_assert_uint_eq(kv_count(EK_ORPHAN), 1);
	ck_assert_int_eq(F.refs[0], 1);
	ck_assert_int_eq(ns_release(N, f, fh1, 7), 0);
	ck_assert_int_eq(ns_getattr(N, f, &a), 0);
	/* an unknown handle is no error */
	ck_assert_int_eq(ns_release(N, f, 424242, 7), 0);
	/* the session of the last handle dies: reclaimed */
	ns_session_gone(N, 8);
	ck_assert_int_eq(ns_getattr(N, f, &a), -ENOENT);
	ck_assert_int_eq(F.refs[0], 0);
	ck_assert_uint_eq(kv_count(EK_ORPHAN), 0);
	ck_assert_ptr_null(kv_get(ikey(f)));
	ck_assert_uint_eq(kv_count(EK_CHUNK), 0);
}
END_TEST

START_TEST(test_orphans_sweep)
{
	struct ns_attr	 a;
	uint64_t	 fh, f;
	int		 created;

	ck_assert_int_eq(ns_create(N, ROOT, "f", 0644, O_RDWR, 5, NULL, &a,
	    &fh, &created), 0);
	f = a.ino;
	ck_assert_int_eq(ns_open(N, f, O_RDONLY, 6, &fh, &a), 0);
	ck_assert_int_eq(ns_unlink(N, ROOT, "f", NULL), 0);
	F.dead_session = 5;
	ns_sweep_sessions(N);
	ck_assert_int_eq(ns_getattr(N, f, &a), 0);	/* 6 still holds it */
	F.dead_session = 6;
	ns_sweep_sessions(N);
	ck_assert_int_eq(ns_getattr(N, f, &a), -ENOENT);
	ck_assert_uint_eq(kv_count(EK_ORPHAN), 0);
}
END_TEST

START_TEST(test_create_existing)
{
	struct ns_attr	 a;
	struct ns_chunk_in c;
	uint64_t	 fh, f;
	int		 created;

	f = mk(ROOT, "f", 0644);
	memset(&c, 0, sizeof(c));
	c.len = 3;
	memcpy(c.id, ID_A, 65);
	ck_assert_int_eq(ns_commit(N, f, 1, 3, 0, 0, &c, 1, &a), 0);
	ck_assert_int_eq(ns_create(N, ROOT, "f", 0644, O_RDWR, 1, NULL, &a,
	    &fh, &created), 0);
	ck_assert_int_eq(created, 0);
	ck_assert_uint_eq(a.ino, f);
	ck_assert_uint_eq(a.size, 3);
	ck_assert_int_eq(ns_create(N, ROOT, "f", 0644, O_RDWR | O_TRUNC, 1,
	    NULL, &a, &fh, &created), 0);
	ck_assert_uint_eq(a.size, 0);
	ck_assert_int_eq(F.refs[0], 0);
	ck_assert_int_eq(ns_create(N, ROOT, "f", 0644, O_RDWR | O_EXCL, 1,
	    NULL, &a, &fh, &created), -EEXIST);
	mkd(ROOT, "d");
	ck_assert_int_eq(ns_create(N, ROOT, "d", 0644, O_RDWR, 1, NULL, &a,
	    &fh, &created), -EISDIR);
	mk(ROOT, "p", S_IFIFO | 0644);
	ck_assert_int_eq(ns_create(N, ROOT, "p", 0644, O_RDWR, 1, NULL, &a,
	    &fh, &created), -EEXIST);
}
END_TEST

/* Replays the fake store into a fresh namespace, as nsstore_load does. */
static struct ns *
reload(uint64_t *next, struct ns_batch *cleanup)
{
	struct ns	*n2 = make_ns();
	size_t		 i, pass;
	uint64_t	 ino, parent, index, child;
	char		 hex[17];

	*next = 0;
	for (pass = 0; pass < 3; pass++)
		for (i = 0; i < F.n; i++) {
			const char *k = F.kvs[i].key;

			if (pass == 0 && strncmp(k, EK_INODE, 5) == 0) {
				struct ns_load_inode r;
				/* the records are JSON: parse a few fields */
				char *v = F.kvs[i].val, *p;

				memset(&r, 0, sizeof(r));
				ck_assert_int_eq(parse_hex_u64(k + 5, &ino), 0);
				r.ino = ino;
				p = strstr(v, "\"mode\":");
				r.mode = (uint32_t)strtoul(p + 7, NULL, 10);
				p = strstr(v, "\"nlink\":");
				r.nlink = (uint32_t)strtoul(p + 8, NULL, 10);
				p = strstr(v, "\"size\":\"");
				r.size = strtoull(p + 8, NULL, 10);
				if ((p = strstr(v, "\"parent\":\"")) != NULL)
					r.parent = strtoull(p + 10, NULL, 10);
				r.target = "t";
				ck_assert_int_eq(ns_load_inode(n2, &r), 0);
			} else if (pass == 1 && strncmp(k, EK_DENTRY, 5) == 0) {
				memcpy(hex, k + 5, 16);
				hex[16] = '\0';
				ck_assert_int_eq(parse_hex_u64(hex, &parent), 0);
				ck_assert_int_eq(parse_hex_u64(F.kvs[i].val,
				    &child), 0);
				ck_assert_int_eq(ns_load_dentry(n2, parent,
				    k + 22, child), 0);
			} else if (pass == 2 && strncmp(k, EK_CHUNK, 5) == 0) {
				char *id = strstr(F.kvs[i].val, "\"id\":\"");
				char *len = strstr(F.kvs[i].val, "\"len\":\"");
				char idbuf[65];

				memcpy(hex, k + 5, 16);
				ck_assert_int_eq(parse_hex_u64(hex, &ino), 0);
				ck_assert_int_eq(parse_hex_u64(k + 22, &index),
				    0);
				memcpy(idbuf, id + 6, 64);
				idbuf[64] = '\0';
				ck_assert_int_eq(ns_load_chunk(n2, ino, index,
				    idbuf, strtoull(len + 7, NULL, 10)), 0);
			} else if (pass == 0 && strcmp(k, EK_NEXT_INO) == 0)
				*next = strtoull(F.kvs[i].val, NULL, 10);
		}
	ck_assert_int_eq(ns_load_finish(n2, *next, cleanup), 0);
	return n2;
}

/* A commit's "attr": applied as setattr by root would, in the commit's one
 * store write, and what a reload from the store finds. */
START_TEST(test_commit_attrs)
{
	struct ns_batch	 cleanup = { NULL, 0, 0 };
	struct ns_attr	 a;
	struct ns_setattr sa;
	struct ns_chunk_in c;
	struct ns	*n2;
	uint64_t	 f, g, next;
	size_t		 commits;

	f = mk(ROOT, "f", 0644);
	memset(&c, 0, sizeof(c));
	c.len = 100;
	memcpy(c.id, ID_A, 65);
	memset(&sa, 0, sizeof(sa));
	sa.valid = NS_SET_MODE | NS_SET_UID | NS_SET_GID | NS_SET_ATIME;
	sa.mode = S_IFDIR | 06750;	/* the type bits are the file's */
	sa.uid = 10;
	sa.gid = 20;
	sa.atime = 555;
	commits = F.commits;
	ck_assert_int_eq(ns_commit_attr(N, f, 1, 100, 1, 777, &c, 1, &sa, &a),
	    0);
	ck_assert_uint_eq(F.commits, commits + 1);	/* one store write */
	ck_assert_str_eq(F.last_last_key, ikey(f));
	ck_assert_uint_eq(a.mode, S_IFREG | 06750);	/* mode set: kept */
	ck_assert_uint_eq(a.uid, 10);
	ck_assert_uint_eq(a.gid, 20);
	ck_assert_int_eq(a.atime, 555);
	ck_assert_int_eq(a.mtime, 777);
	ck_assert_uint_eq(a.size, 100);
	ck_assert_int_eq(F.refs[0], 1);
	a = attr(f);
	ck_assert_uint_eq(a.mode, S_IFREG | 06750);
	ck_assert_uint_eq(a.uid, 10);
	ck_assert_int_eq(a.atime, 555);
	/* uid without mode clears S_ISUID, and S_ISGID with S_IXGRP */
	memset(&sa, 0, sizeof(sa));
	sa.valid = NS_SET_UID;
	sa.uid = 11;
	ck_assert_int_eq(ns_commit_attr(N, f, 1, 100, 0, 0, NULL, 0, &sa, &a),
	    0);
	ck_assert_uint_eq(a.mode, S_IFREG | 0750);
	ck_assert_uint_eq(a.uid, 11);
	ck_assert_uint_eq(a.gid, 20);
	ck_assert_int_eq(a.atime, 555);
	/* gid without mode, no S_IXGRP: S_ISGID (mandatory locking) stays */
	g = mk(ROOT, "g", 06740);
	sa.valid = NS_SET_GID | NS_SET_ATIME_NOW;
	sa.gid = 30;
	ck_assert_int_eq(ns_commit_attr(N, g, 1, 0, 0, 0, NULL, 0, &sa, &a),
	    0);
	ck_assert_uint_eq(a.mode, S_IFREG | 02740);
	ck_assert_uint_eq(a.gid, 30);
	ck_assert_int_eq(a.atime, a.ctime);		/* "now" */
	/* no attr at all: as ns_commit */
	ck_assert_int_eq(ns_commit_attr(N, g, 1, 5, 0, 0, NULL, 0, NULL, &a),
	    0);
	ck_assert_uint_eq(a.mode, S_IFREG | 02740);
	ck_assert_uint_eq(a.size, 5);
	/* the store has them */
	n2 = reload(&next, &cleanup);
	ns_batch_release(&cleanup);
	ck_assert_int_eq(ns_getattr(n2, f, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFREG | 0750);
	ck_assert_uint_eq(a.size, 100);
	ck_assert_int_eq(ns_getattr(n2, g, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFREG | 02740);
	ns_free(n2);
	ck_assert(strstr(kv_get(ikey(f))->val, "\"uid\":11") != NULL);
	ck_assert(strstr(kv_get(ikey(f))->val, "\"gid\":20") != NULL);
	ck_assert(strstr(kv_get(ikey(f))->val, "\"atime\":\"555\"") != NULL);
}
END_TEST

START_TEST(test_load)
{
	struct ns_batch	 cleanup = { NULL, 0, 0 };
	struct ns_chunk_in c;
	struct ns_attr	 a;
	struct ns	*n2;
	uint64_t	 d, f, next, f2;
	char		 buf[256] = "";
	int		 eof;

	d = mkd(ROOT, "d");
	f = mk(d, "f", 0644);
	ck_assert_int_eq(ns_link(N, f, ROOT, "f2", &a), 0);
	memset(&c, 0, sizeof(c));
	c.len = 100;
	memcpy(c.id, ID_B, 65);
	ck_assert_int_eq(ns_commit(N, f, 1, 100, 0, 0, &c, 1, &a), 0);
	/* a chunk a crashed split commit left past the size */
	{
		const char *v = "{\"id\":\"" ID_C "\",\"len\":\"5\"}";

		kv_put(EK_CHUNK "0000000000000003/0000000000000009", v,
		    strlen(v));
	}
	F.refs[1] = 0;
	n2 = reload(&next, &cleanup);
	ck_assert_uint_ge(next, f + 1);
	ck_assert_int_eq(ns_lookup(n2, d, "f", &a), 0);
	ck_assert_uint_eq(a.ino, f);
	ck_assert_uint_eq(a.nlink, 2);
	ck_assert_uint_eq(a.size, 100);
	ck_assert_int_eq(ns_getattr(n2, d, &a), 0);
	ck_assert_uint_eq(a.nlink, 2);
	ck_assert_int_eq(ns_getattr(n2, ROOT, &a), 0);
	ck_assert_uint_eq(a.nlink, 3);
	ck_assert_int_eq(ns_readdir(n2, d, 0, 10, collect, buf, &eof), 0);
	ck_assert_str_eq(buf, ". .. f ");
	/* references replayed; the stray chunk dropped and deleted */
	ck_assert_int_eq(F.refs[1], 1);
	ck_assert_int_eq(F.refs[2], 0);
	ck_assert_uint_eq(cleanup.n, 1);
	ck_assert_int_eq(cleanup.ops[0].del, 1);
	ns_batch_release(&cleanup);
	/* new inodes never reuse numbers */
	ck_assert_int_eq(ns_mknod(n2, ROOT, "new", 0644, 0, NULL, &a), 0);
	f2 = a.ino;
	ck_assert_uint_ge(f2, next);
	ns_free(n2);
}
END_TEST

START_TEST(test_load_unreachable)
{
	struct ns_batch	 cleanup = { NULL, 0, 0 };
	struct ns	*n2;
	struct ns_attr	 a;
	uint64_t	 f, next;

	f = mk(ROOT, "f", 0644);
	/* an inode without a name (a write lost halfway) */
	kv_del(EK_DENTRY "0000000000000001/f", 0);
	n2 = reload(&next, &cleanup);
	ck_assert_int_eq(ns_getattr(n2, f, &a), -ENOENT);
	ck_assert_uint_ge(cleanup.n, 1);
	ns_batch_release(&cleanup);
	ns_free(n2);
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(test_errors_names)
{
	struct ns_attr	 a;
	char		 longname[300];

	memset(longname, 'x', sizeof(longname));
	longname[256] = '\0';
	ck_assert_int_eq(ns_mknod(N, ROOT, longname, 0644, 0, NULL, &a),
	    -ENAMETOOLONG);
	ck_assert_int_eq(ns_mkdir(N, ROOT, "", 0755, NULL, &a), -EINVAL);
	ck_assert_int_eq(ns_mkdir(N, ROOT, "a/b", 0755, NULL, &a), -EINVAL);
	ck_assert_int_eq(ns_mkdir(N, ROOT, ".", 0755, NULL, &a), -EINVAL);
	ck_assert_int_eq(ns_lookup(N, ROOT, "..", &a), -EINVAL);
	ck_assert_int_eq(ns_lookup(N, ROOT, longname, &a), -ENAMETOOLONG);
	ck_assert_int_eq(ns_rename(N, ROOT, "a", ROOT, longname, 0, NULL),
	    -ENAMETOOLONG);
	ck_assert_uint_eq(F.commits, 0);
}
END_TEST

START_TEST(test_errors_entries)
{
	struct ns_attr	 a;
	uint64_t	 f, d;

	f = mk(ROOT, "f", 0644);
	d = mkd(ROOT, "d");
	mk(d, "inner", 0644);
	ck_assert_int_eq(ns_lookup(N, ROOT, "nope", &a), -ENOENT);
	ck_assert_int_eq(ns_lookup(N, 999, "x", &a), -ENOENT);
	ck_assert_int_eq(ns_lookup(N, f, "x", &a), -ENOTDIR);
	ck_assert_int_eq(ns_getattr(N, 999, &a), -ENOENT);
	ck_assert_int_eq(ns_mknod(N, ROOT, "f", 0644, 0, NULL, &a), -EEXIST);
	ck_assert_int_eq(ns_mkdir(N, ROOT, "d", 0755, NULL, &a), -EEXIST);
	ck_assert_int_eq(ns_symlink(N, ROOT, "f", "t", NULL, &a), -EEXIST);
	ck_assert_int_eq(ns_mknod(N, f, "x", 0644, 0, NULL, &a), -ENOTDIR);
	ck_assert_int_eq(ns_mkdir(N, 999, "x", 0755, NULL, &a), -ENOENT);
	ck_assert_int_eq(ns_unlink(N, ROOT, "nope", NULL), -ENOENT);
	ck_assert_int_eq(ns_unlink(N, ROOT, "d", NULL), -EISDIR);
	ck_assert_int_eq(ns_unlink(N, f, "x", NULL), -ENOTDIR);
	ck_assert_int_eq(ns_rmdir(N, ROOT, "f", NULL), -ENOTDIR);
	ck_assert_int_eq(ns_rmdir(N, ROOT, "d", NULL), -ENOTEMPTY);
	ck_assert_int_eq(ns_rmdir(N, ROOT, "nope", NULL), -ENOENT);
	ck_assert_int_eq(ns_link(N, d, ROOT, "dl", &a), -EPERM);
	ck_assert_int_eq(ns_link(N, 999, ROOT, "x", &a), -ENOENT);
	ck_assert_int_eq(ns_link(N, f, ROOT, "d", &a), -EEXIST);
	ck_assert_int_eq(ns_link(N, f, f, "x", &a), -ENOTDIR);
	ck_assert_int_eq(ns_symlink(N, ROOT, "l", "", NULL, &a), -EINVAL);
}
END_TEST

START_TEST(test_errors_rename)
{
	uint64_t	 f, d, e, sub;

	f = mk(ROOT, "f", 0644);
	d = mkd(ROOT, "d");
	e = mkd(ROOT, "e");
	sub = mkd(d, "sub");
	mk(e, "x", 0644);
	(void)f;
	ck_assert_int_eq(ns_rename(N, ROOT, "nope", ROOT, "x", 0, NULL),
	    -ENOENT);
	ck_assert_int_eq(ns_rename(N, 999, "f", ROOT, "x", 0, NULL), -ENOENT);
	ck_assert_int_eq(ns_rename(N, ROOT, "f", f, "x", 0, NULL), -ENOTDIR);
	ck_assert_int_eq(ns_rename(N, ROOT, "d", ROOT, "f", 0, NULL),
	    -ENOTDIR);
	ck_assert_int_eq(ns_rename(N, ROOT, "f", ROOT, "d", 0, NULL), -EISDIR);
	ck_assert_int_eq(ns_rename(N, ROOT, "d", ROOT, "e", 0, NULL),
	    -ENOTEMPTY);
	/* into its own subtree */
	ck_assert_int_eq(ns_rename(N, ROOT, "d", sub, "d", 0, NULL), -EINVAL);
	ck_assert_int_eq(ns_rename(N, ROOT, "d", d, "self", 0, NULL), -EINVAL);
	ck_assert_int_eq(ns_rename(N, d, "sub", ROOT, "d", NS_RENAME_EXCHANGE,
	    NULL), -EINVAL);
	ck_assert_uint_eq(attr(d).nlink, 3);
}
END_TEST

START_TEST(test_errors_sticky_and_perm)
{
	struct ns_attr	 a;
	struct ns_setattr sa;
	uint64_t	 t, f;

	t = mkd(ROOT, "tmp");
	memset(&sa, 0, sizeof(sa));
	sa.valid = NS_SET_MODE;
	sa.mode = 01777;
	ck_assert_int_eq(ns_setattr(N, t, &sa, NULL, &a), 0);
	ck_assert_int_eq(ns_mknod(N, t, "mine", 0644, 0, &USER, &a), 0);
	f = a.ino;
	ck_assert_int_eq(ns_unlink(N, t, "mine", &OTHER), -EPERM);
	ck_assert_int_eq(ns_rename(N, t, "mine", t, "other", 0, &OTHER),
	    -EPERM);
	ck_assert_int_eq(ns_rename(N, t, "mine", t, "still", 0, &USER), 0);
	ck_assert_int_eq(ns_mkdir(N, t, "dd", 0755, &USER, &a), 0);
	ck_assert_int_eq(ns_rmdir(N, t, "dd", &OTHER), -EPERM);
	ck_assert_int_eq(ns_rmdir(N, t, "dd", &USER), 0);
	/* setattr by others */
	sa.mode = 0600;
	ck_assert_int_eq(ns_setattr(N, f, &sa, &OTHER, &a), -EPERM);
	sa.valid = NS_SET_UID;
	sa.uid = 1001;
	ck_assert_int_eq(ns_setattr(N, f, &sa, &USER, &a), -EPERM);
	sa.valid = NS_SET_GID;
	sa.gid = 4242;
	ck_assert_int_eq(ns_setattr(N, f, &sa, &USER, &a), -EPERM);
	sa.gid = 1000;
	ck_assert_int_eq(ns_setattr(N, f, &sa, &USER, &a), 0);
	sa.valid = NS_SET_MTIME;
	sa.mtime = 1;
	ck_assert_int_eq(ns_setattr(N, f, &sa, &OTHER, &a), -EPERM);
	sa.valid = NS_SET_MTIME_NOW;
	ck_assert_int_eq(ns_setattr(N, f, &sa, &OTHER, &a), -EACCES);
	ck_assert_int_eq(ns_unlink(N, t, "still", &USER), 0);
}
END_TEST

START_TEST(test_errors_setattr)
{
	struct ns_attr	 a;
	struct ns_setattr sa;
	uint64_t	 p, d;

	p = mk(ROOT, "p", S_IFIFO | 0644);
	d = mkd(ROOT, "d");
	memset(&sa, 0, sizeof(sa));
	sa.valid = NS_SET_SIZE;
	sa.size = 1;
	ck_assert_int_eq(ns_setattr(N, 999, &sa, NULL, &a), -ENOENT);
	ck_assert_int_eq(ns_setattr(N, d, &sa, NULL, &a), -EISDIR);
	ck_assert_int_eq(ns_setattr(N, p, &sa, NULL, &a), -EINVAL);
	sa.size = (uint64_t)INT64_MAX + 1;
	ck_assert_int_eq(ns_setattr(N, mk(ROOT, "f", 0644), &sa, NULL, &a),
	    -EFBIG);
}
END_TEST

START_TEST(test_errors_commit)
{
	struct ns_attr	 a;
	struct ns_chunk_in c[2];
	uint64_t	 f, d;

	f = mk(ROOT, "f", 0644);
	d = mkd(ROOT, "d");
	memset(c, 0, sizeof(c));
	memcpy(c[0].id, ID_A, 65);
	memcpy(c[1].id, ID_B, 65);
	c[0].len = 10;
	c[1].len = 10;
	ck_assert_int_eq(ns_commit(N, 999, 1, 10, 0, 0, c, 1, &a), -ENOENT);
	ck_assert_int_eq(ns_commit(N, d, 1, 10, 0, 0, c, 1, &a), -EISDIR);
	ck_assert_int_eq(ns_commit(N, mk(ROOT, "p", S_IFIFO | 0600), 1, 10, 0,
	    0, c, 1, &a), -EINVAL);
	/* outside the size */
	ck_assert_int_eq(ns_commit(N, f, 1, 5, 0, 0, c, 1, &a), -EINVAL);
	/* duplicate index */
	ck_assert_int_eq(ns_commit(N, f, 1, 10, 0, 0, c, 2, &a), -EINVAL);
	/* longer than a block, empty */
	c[0].len = B + 1;
	ck_assert_int_eq(ns_commit(N, f, 1, 2 * B, 0, 0, c, 1, &a), -EINVAL);
	c[0].len = 0;
	ck_assert_int_eq(ns_commit(N, f, 1, 2 * B, 0, 0, c, 1, &a), -EINVAL);
	/* a bad id */
	c[0].len = 1;
	c[0].id[3] = 'X';
	ck_assert_int_eq(ns_commit(N, f, 1, 2 * B, 0, 0, c, 1, &a), -EINVAL);
	/* an index whose offset overflows */
	memcpy(c[0].id, ID_A, 65);
	c[0].index = UINT64_MAX / 2;
	ck_assert_int_eq(ns_commit(N, f, 1, INT64_MAX, 0, 0, c, 1, &a),
	    -EINVAL);
	ck_assert_int_eq(ns_commit(N, f, 1, (uint64_t)INT64_MAX + 1, 0, 0,
	    NULL, 0, &a), -EFBIG);
	/* sessions */
	F.dead_session = 9;
	c[0].index = 0;
	ck_assert_int_eq(ns_commit(N, f, 9, 1, 0, 0, c, 1, &a), -ESRCH);
	ck_assert_uint_eq(attr(f).size, 0);
	ck_assert_int_eq(F.refs[0], 0);
}
END_TEST

/* Bad attrs in a commit: EINVAL and nothing changes, in memory or store. */
START_TEST(test_errors_commit_attrs)
{
	static const unsigned bad[] = { NS_SET_SIZE, NS_SET_MTIME,
	    NS_SET_MTIME_NOW, NS_SET_MODE | NS_SET_SIZE, 0x100u };
	struct ns_attr	 a, before;
	struct ns_setattr sa;
	struct ns_chunk_in c;
	uint64_t	 f;
	size_t		 i, commits;
	char		*rec;

	f = mk(ROOT, "f", 04755);
	memset(&c, 0, sizeof(c));
	c.len = 10;
	memcpy(c.id, ID_A, 65);
	before = attr(f);
	rec = xstrdup(kv_get(ikey(f))->val);
	commits = F.commits;
	memset(&sa, 0, sizeof(sa));
	sa.mode = 0600;
	sa.uid = 5;
	sa.size = 1;
	sa.mtime = 9;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sa.valid = bad[i] | NS_SET_UID;
		ck_assert_int_eq(ns_commit_attr(N, f, 1, 10, 0, 0, &c, 1, &sa,
		    &a), -EINVAL);
	}
	/* the commit's own errors with attrs: nothing applied either */
	sa.valid = NS_SET_UID;
	ck_assert_int_eq(ns_commit_attr(N, f, 1, 5, 0, 0, &c, 1, &sa, &a),
	    -EINVAL);
	ck_assert_int_eq(ns_commit_attr(N, 999, 1, 10, 0, 0, &c, 1, &sa, &a),
	    -ENOENT);
	F.dead_session = 9;
	ck_assert_int_eq(ns_commit_attr(N, f, 9, 10, 0, 0, &c, 1, &sa, &a),
	    -ESRCH);
	ck_assert_uint_eq(F.commits, commits);
	a = attr(f);
	ck_assert_uint_eq(a.mode, before.mode);
	ck_assert_uint_eq(a.mode, S_IFREG | 04755);
	ck_assert_uint_eq(a.uid, before.uid);
	ck_assert_uint_eq(a.size, 0);
	ck_assert_int_eq(a.ctime, before.ctime);
	ck_assert_int_eq(F.refs[0], 0);
	ck_assert_str_eq(kv_get(ikey(f))->val, rec);
	free(rec);
}
END_TEST

START_TEST(test_errors_open)
{
	struct ns_attr	 a;
	uint64_t	 fh;
	int		 created;

	F.dead_session = 9;
	ck_assert_int_eq(ns_open(N, ROOT, O_RDONLY, 9, &fh, &a), -ESRCH);
	ck_assert_int_eq(ns_create(N, ROOT, "f", 0644, O_RDWR, 9, NULL, &a,
	    &fh, &created), -ESRCH);
	ck_assert_int_eq(ns_open(N, 999, O_RDONLY, 1, &fh, &a), -ENOENT);
	ck_assert_int_eq(ns_open(N, ROOT, O_RDWR, 1, &fh, &a), -EISDIR);
	ck_assert_int_eq(ns_open(N, ROOT, O_RDONLY, 1, &fh, &a), 0);
	ck_assert_int_eq(ns_create(N, 999, "f", 0644, O_RDWR, 1, NULL, &a,
	    &fh, &created), -ENOENT);
}
END_TEST

START_TEST(test_errors_xattr)
{
	char		 name[300], *v;
	size_t		 len;
	static char	 big[MDFS_XATTR_VALUE_MAX + 1];
	uint64_t	 f = mk(ROOT, "f", 0644);

	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	ck_assert_int_eq(ns_setxattr(N, f, name, "x", 1, 0), -ERANGE);
	ck_assert_int_eq(ns_setxattr(N, f, "", "x", 1, 0), -ERANGE);
	ck_assert_int_eq(ns_getxattr(N, f, "", &v, &len), -ERANGE);
	ck_assert_int_eq(ns_setxattr(N, f, "user.x", big, sizeof(big), 0),
	    -E2BIG);
	ck_assert_int_eq(ns_setxattr(N, f, "user.x", "x", 1, 3), -EINVAL);
	ck_assert_int_eq(ns_setxattr(N, 999, "user.x", "x", 1, 0), -ENOENT);
	ck_assert_int_eq(ns_getxattr(N, 999, "user.x", &v, &len), -ENOENT);
	ck_assert_int_eq(ns_removexattr(N, 999, "user.x"), -ENOENT);
	ck_assert_int_eq(ns_listxattr(N, 999, NULL, NULL), -ENOENT);
}
END_TEST

/* A failed commit poisons the namespace until a reloaded one replaces it;
 * a failed check changes nothing. */
START_TEST(test_errors_store_fails)
{
	struct ns_batch	 cleanup = { NULL, 0, 0 };
	struct ns_attr	 a;
	struct ns	*n2;
	uint64_t	 f, next;

	f = mk(ROOT, "f", 0644);
	ck_assert_int_eq(ns_mknod(N, ROOT, "f", 0644, 0, NULL, &a), -EEXIST);
	ck_assert_int_eq(ns_getattr(N, f, &a), 0);
	F.fail = -ETIMEDOUT;
	ck_assert_int_eq(ns_mknod(N, ROOT, "g", 0644, 0, NULL, &a),
	    -ETIMEDOUT);
	F.fail = 0;
	/* memory may be ahead of etcd: nothing is answered any more */
	ck_assert_int_eq(ns_lookup(N, ROOT, "g", &a), -ETIMEDOUT);
	ck_assert_int_eq(ns_getattr(N, ROOT, &a), -ETIMEDOUT);
	ck_assert_int_lt(ns_mkdir(N, ROOT, "h", 0755, NULL, &a), 0);
	ck_assert_int_lt(ns_unlink(N, ROOT, "f", NULL), 0);
	ck_assert_uint_eq(kv_count(EK_DENTRY), 1);
	/* until a namespace reloaded from the store replaces it */
	n2 = reload(&next, &cleanup);
	ns_batch_release(&cleanup);
	ns_swap(N, n2);
	ns_free(n2);
	ck_assert_int_eq(ns_lookup(N, ROOT, "g", &a), -ENOENT);
	ck_assert_int_eq(ns_lookup(N, ROOT, "h", &a), -ENOENT);
	ck_assert_int_eq(ns_lookup(N, ROOT, "f", &a), 0);
	ck_assert_int_eq(ns_mknod(N, ROOT, "g", 0644, 0, NULL, &a), 0);
	ck_assert_uint_gt(a.ino, f);
}
END_TEST

struct worker {
	int		 id;
	int		 n;
};

static void *
creator(void *arg)
{
	struct worker	*w = arg;
	struct ns_attr	 a;
	char		 name[32];
	int		 i;

	for (i = 0; i < w->n; i++) {
		snprintf(name, sizeof(name), "w%d-%d", w->id, i);
		if (ns_mknod(N, ROOT, name, 0644, 0, NULL, &a) != 0)
			return (void *)1;
		if (ns_getattr(N, a.ino, &a) != 0)
			return (void *)1;
	}
	return NULL;
}

/* Concurrent mutations share txns, none with a key twice. */
START_TEST(test_group_commit)
{
	pthread_t	 t[8];
	struct worker	 w[8];
	struct ns_attr	 a;
	char		 name[32];
	void		*r;
	int		 i, k;

	F.slow_ms = 2;
	for (i = 0; i < 8; i++) {
		w[i].id = i;
		w[i].n = 50;
		ck_assert_int_eq(pthread_create(&t[i], NULL, creator, &w[i]),
		    0);
	}
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(t[i], &r), 0);
		ck_assert_ptr_null(r);
	}
	ck_assert_uint_lt(F.commits, 400);	/* grouped */
	ck_assert_uint_eq(attr(ROOT).nlink, 2);
	for (i = 0; i < 8; i++)
		for (k = 0; k < 50; k++) {
			snprintf(name, sizeof(name), "w%d-%d", i, k);
			ck_assert_int_eq(ns_lookup(N, ROOT, name, &a), 0);
			ck_assert_ptr_nonnull(kv_get(ikey(a.ino)));
		}
	ck_assert_uint_eq(kv_count(EK_DENTRY), 400);
}
END_TEST

/* ---- limits ---------------------------------------------------------------- */

START_TEST(test_limits_symlink)
{
	struct ns_attr	 a;
	static char	 t[MDFS_SYMLINK_MAX + 2];

	memset(t, 'x', MDFS_SYMLINK_MAX);
	ck_assert_int_eq(ns_symlink(N, ROOT, "ok", t, NULL, &a), 0);
	t[MDFS_SYMLINK_MAX] = 'x';
	ck_assert_int_eq(ns_symlink(N, ROOT, "long", t, NULL, &a),
	    -ENAMETOOLONG);
}
END_TEST

START_TEST(test_limits_xattr_total)
{
	static char	 v[MDFS_XATTR_VALUE_MAX];
	char		 name[32];
	uint64_t	 f = mk(ROOT, "f", 0644);
	int		 i, rc = 0;

	for (i = 0; i < 10 && rc == 0; i++) {
		snprintf(name, sizeof(name), "user.%d", i);
		rc = ns_setxattr(N, f, name, v, sizeof(v), 0);
	}
	ck_assert_int_eq(rc, -ENOSPC);
	ck_assert_int_eq(i, 4);
	/* replacing one of the same size still fits */
	ck_assert_int_eq(ns_setxattr(N, f, "user.0", v, sizeof(v), 0), 0);
}
END_TEST

START_TEST(test_limits_inode_batches)
{
	struct ns_attr	 a;
	char		 name[32];
	size_t		 i, before;

	/* the counter is written once per NS_INO_BATCH inodes */
	ck_assert_int_eq(ns_mknod(N, ROOT, "first", 0644, 0, NULL, &a), 0);
	before = F.commits;
	for (i = 0; i < NS_INO_BATCH + 10; i++) {
		snprintf(name, sizeof(name), "n%zu", i);
		ck_assert_int_eq(ns_mknod(N, ROOT, name, 0644, 0, NULL, &a),
		    0);
	}
	ck_assert_uint_eq(F.commits - before, NS_INO_BATCH + 10);
	ck_assert_uint_eq(strtoull(kv_get(EK_NEXT_INO)->val, NULL, 10),
	    2 + 2 * NS_INO_BATCH);
	ck_assert_uint_gt(a.ino, NS_INO_BATCH);
}
END_TEST

START_TEST(test_limits_emlink)
{
	struct ns_config c = { B, 3, 0, 0 };
	struct ns	*n = ns_new(&c, NULL);	/* no store: fast */
	struct ns_attr	 a;
	char		 name[32];
	uint64_t	 f, d;
	int		 i, rc = 0;

	ck_assert_int_eq(ns_mknod(n, ROOT, "f", 0644, 0, NULL, &a), 0);
	f = a.ino;
	ck_assert_int_eq(ns_mkdir(n, ROOT, "d", 0755, NULL, &a), 0);
	d = a.ino;
	for (i = 0; rc == 0; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		rc = ns_link(n, f, d, name, &a);
	}
	ck_assert_int_eq(rc, -EMLINK);
	ck_assert_int_eq(ns_getattr(n, f, &a), 0);
	ck_assert_uint_eq(a.nlink, MDFS_LINK_MAX);
	/* subdirectories count against the parent */
	for (rc = 0, i = 0; rc == 0; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		rc = ns_mkdir(n, d, name, 0755, NULL, &a);
	}
	ck_assert_int_eq(rc, -EMLINK);
	ck_assert_int_eq(ns_getattr(n, d, &a), 0);
	ck_assert_uint_eq(a.nlink, MDFS_LINK_MAX);
	ck_assert_int_eq(ns_rename(n, ROOT, "d", d, "x", 0, NULL), -EINVAL);
	ck_assert_int_eq(ns_mkdir(n, ROOT, "e", 0755, NULL, &a), 0);
	ck_assert_int_eq(ns_mkdir(n, a.ino, "sub", 0755, NULL, &a), 0);
	ck_assert_int_eq(ns_rename(n, ROOT + 0, "e", d, "moved", 0, NULL),
	    -EMLINK);
	ns_free(n);
}
END_TEST

static Suite *
ns_suite(void)
{
	Suite	*s = suite_create("ns");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_root_and_mkdir);
	tcase_add_test(tc, test_mknod_types);
	tcase_add_test(tc, test_owner_and_setgid_dirs);
	tcase_add_test(tc, test_symlink);
	tcase_add_test(tc, test_link_unlink);
	tcase_add_test(tc, test_setattr);
	tcase_add_test(tc, test_touch_atime);
	tcase_add_test(tc, test_relatime_rule);
	tcase_add_test(tc, test_truncate_and_commit);
	tcase_add_test(tc, test_commit_attrs);
	tcase_add_test(tc, test_readdir);
	tcase_add_test(tc, test_readdir_exact);
	tcase_add_test(tc, test_rename_basic);
	tcase_add_test(tc, test_rename_flags);
	tcase_add_test(tc, test_xattrs);
	tcase_add_test(tc, test_replicas_inherited);
	tcase_add_test(tc, test_orphans);
	tcase_add_test(tc, test_orphans_sweep);
	tcase_add_test(tc, test_create_existing);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_load_unreachable);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_errors_names);
	tcase_add_test(tc, test_errors_entries);
	tcase_add_test(tc, test_errors_rename);
	tcase_add_test(tc, test_errors_sticky_and_perm);
	tcase_add_test(tc, test_errors_setattr);
	tcase_add_test(tc, test_errors_commit);
	tcase_add_test(tc, test_errors_commit_attrs);
	tcase_add_test(tc, test_errors_open);
	tcase_add_test(tc, test_errors_xattr);
	tcase_add_test(tc, test_errors_store_fails);
	tcase_add_test(tc, test_group_commit);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_limits_symlink);
	tcase_add_test(tc, test_limits_xattr_total);
	tcase_add_test(tc, test_limits_inode_batches);
	tcase_add_test(tc, test_limits_emlink);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(ns_suite());
}
