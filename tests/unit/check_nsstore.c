/*
 * check_nsstore: the namespace persisted in a real etcd (tests/lib/
 * etcd_fixture, one etcd per TCase) -- server/meta/election.c and
 * nsstore.c with ns: one leader among two candidates, fenced writes, a
 * deposed leader's writes refused, takeover by the standby, the namespace
 * loaded back identical, commits larger than one txn, and load repairs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <check.h>

#include "common/etcd.h"
#include "common/protocol.h"
#include "server/meta/election.h"
#include "server/meta/ns.h"
#include "server/meta/nsstore.h"
#include "tests/lib/check_main.h"
#include "tests/lib/etcd_fixture.h"

#define TTL_S		2
#define WAIT_MS		10000
#define B		4096

struct node {
	struct etcd_client	*etcd;
	struct election		*el;
	struct nsstore		*st;
	struct ns		*ns;
	int64_t			 fence;
	int			 leads;
	int			 lost;
};

static struct etcd_client *
client(const char *prefix)
{
	return etcd_fixture_client(prefix, 3000);
}

static int
commit_hook(void *arg, const struct ns_batch *b)
{
	struct node	*n = arg;

	return nsstore_commit(n->st, b);
}

static struct ns *
node_ns(struct node *n)
{
	struct ns_config c = { B, 3, 0, 0 };
	struct ns_hooks	 h = { commit_hook, NULL, NULL, n };

	return ns_new(&c, &h);
}

static int
on_lead(void *arg, int64_t rev)
{
	struct node	*n = arg;
	struct ns	*fresh = node_ns(n);
	char		 err[256];

	if (nsstore_load(n->st, fresh, NULL, err, sizeof(err)) != 0) {
		ns_free(fresh);
		return -1;
	}
	ns_swap(n->ns, fresh);
	ns_free(fresh);
	n->fence = rev;
	n->leads++;
	return 0;
}

static void
on_lose(void *arg)
{
	struct node	*n = arg;

	n->lost++;
}

static void
node_start(struct node *n, const char *prefix, const char *addr)
{
	struct election_config ec;
	char		 err[256] = "";

	memset(n, 0, sizeof(*n));
	n->etcd = client(prefix);
	memset(&ec, 0, sizeof(ec));
	ec.id = addr;
	ec.addr = addr;
	ec.ttl_s = TTL_S;
	ec.on_lead = on_lead;
	ec.on_lose = on_lose;
	ec.arg = n;
	n->el = election_new(n->etcd, &ec);
	n->st = nsstore_new(n->etcd, n->el);
	n->ns = node_ns(n);
	ck_assert_msg(election_start(n->el, err, sizeof(err)) == 0, "%s", err);
}

static void
node_stop(struct node *n)
{
	election_free(n->el);
	nsstore_free(n->st);
	ns_free(n->ns);
	etcd_free(n->etcd);
}

static int
wait_leader(struct node *a, struct node *b, long ms)
{
	long	 end = test_now_ms() + ms;

	while (test_now_ms() < end) {
		if (election_is_leader(a->el))
			return 0;
		if (b != NULL && election_is_leader(b->el))
			return 1;
		test_sleep_ms(20);
	}
	return -1;
}

START_TEST(test_one_leader_and_takeover)
{
	struct node	 a, b, *l, *s;
	struct ns_attr	 at;
	char		 leader[MDFS_ADDR_MAX];
	long		 t0;
	int		 w;

	node_start(&a, "/t/elect/", "127.0.0.1:1");
	node_start(&b, "/t/elect/", "127.0.0.1:2");
	w = wait_leader(&a, &b, WAIT_MS);
	ck_assert_int_ge(w, 0);
	l = w == 0 ? &a : &b;
	s = w == 0 ? &b : &a;
	test_sleep_ms(300);
	ck_assert(!election_is_leader(s->el));
	ck_assert_int_eq(l->leads, 1);
	election_leader(s->el, leader, sizeof(leader));
	ck_assert_str_eq(leader, l == &a ? "127.0.0.1:1" : "127.0.0.1:2");
	/* a fenced write */
	ck_assert_int_eq(ns_mkdir(l->ns, MDFS_ROOT_INO, "d", 0755, NULL, &at),
	    0);
	/* the leader resigns: the standby takes over at once and loads it */
	t0 = test_now_ms();
	election_stop(l->el);
	ck_assert_int_eq(l->lost, 1);
	ck_assert_int_eq(wait_leader(s, NULL, WAIT_MS), 0);
	ck_assert_int_lt(test_now_ms() - t0, 3000);
	ck_assert_int_eq(ns_lookup(s->ns, MDFS_ROOT_INO, "d", &at), 0);
	/* the deposed leader's writes are refused by etcd */
	ck_assert_int_eq(ns_mkdir(l->ns, MDFS_ROOT_INO, "e", 0755, NULL, &at),
	    -EAGAIN);
	ck_assert_int_eq(ns_mkdir(s->ns, MDFS_ROOT_INO, "e", 0755, NULL, &at),
	    0);
	node_stop(&a);
	node_stop(&b);
}
END_TEST

/* A node that never won cannot write either. */
START_TEST(test_fence_without_leadership)
{
	struct etcd_client *c = client("/t/fence/");
	struct election_config ec = { "x", "127.0.0.1:9", TTL_S, NULL, NULL,
	    NULL };
	struct election	*el = election_new(c, &ec);
	struct nsstore	*st = nsstore_new(c, el);
	struct ns_batch	 b = { NULL, 0, 0 };
	struct etcd_kv	 kv;
	char		 err[256];

	ns_batch_put(&b, strdup("fs/i/0000000000000001"), strdup("x"), 1);
	ck_assert_int_eq(nsstore_commit(st, &b), -EAGAIN);
	ck_assert_int_eq(etcd_get(c, "fs/i/0000000000000001", &kv, err,
	    sizeof(err)), -ENOENT);
	ns_batch_release(&b);
	nsstore_free(st);
	election_free(el);
	etcd_free(c);
}
END_TEST

static char	 listing[8192];

static int
list_cb(const char *name, uint64_t cookie, const struct ns_attr *a,
    void *arg)
{
	char	 line[512];

	(void)cookie;
	(void)arg;
	snprintf(line, sizeof(line), "%s:%o:%u:%" PRIu64 ":%" PRId64 " ",
	    name, a->mode, a->nlink, a->size, a->mtime);
	strcat(listing, line);
	return 0;
}

START_TEST(test_load_roundtrip)
{
	struct node	 a;
	struct ns	*fresh;
	struct ns_attr	 at;
	struct ns_setattr sa;
	struct ns_chunk_in *c;
	struct etcd_range res = ETCD_RANGE_INIT;
	char		 before[8192], err[256], *v, *t;
	size_t		 len, i;
	uint64_t	 d, f, fh, count = 0;
	int		 eof, created;

	node_start(&a, "/t/load/", "127.0.0.1:1");
	ck_assert_int_eq(wait_leader(&a, NULL, WAIT_MS), 0);
	ck_assert_int_eq(ns_mkdir(a.ns, MDFS_ROOT_INO, "d", 0750, NULL, &at),
	    0);
	d = at.ino;
	ck_assert_int_eq(ns_symlink(a.ns, d, "l", "../x y", NULL, &at), 0);
	ck_assert_int_eq(ns_create(a.ns, d, "f", 0640, O_RDWR, 1, NULL, &at,
	    &fh, &created), 0);
	f = at.ino;
	ck_assert_int_eq(ns_link(a.ns, f, MDFS_ROOT_INO, "hard", &at), 0);
	ck_assert_int_eq(ns_setxattr(a.ns, f, "user.k", "v\0w", 3, 0), 0);
	ck_assert_int_eq(ns_setxattr(a.ns, d, MDFS_XATTR_REPLICAS, "2", 1, 0),
	    0);
	memset(&sa, 0, sizeof(sa));
	sa.valid = NS_SET_MTIME;
	sa.mtime = -123456789;
	ck_assert_int_eq(ns_setattr(a.ns, d, &sa, NULL, &at), 0);
	/* 300 chunks: more than one txn (chunks first, the size last) */
	c = calloc(300, sizeof(*c));
	for (i = 0; i < 300; i++) {
		c[i].index = i * 2;
		c[i].len = B;
		snprintf(c[i].id, sizeof(c[i].id), "%064zx", i + 1);
	}
	/* with a tar's deferred attributes, which go with the inode (last) */
	memset(&sa, 0, sizeof(sa));
	sa.valid = NS_SET_MODE | NS_SET_UID | NS_SET_GID | NS_SET_ATIME;
	sa.mode = 04711;
	sa.uid = 123;
	sa.gid = 456;
	sa.atime = -42;
	ck_assert_int_eq(ns_commit_attr(a.ns, f, 1, 600 * B, 1, 987654321, c,
	    300, &sa, &at), 0);
	free(c);
	ck_assert_int_eq(etcd_range(a.etcd, EK_CHUNK, NULL, 0, 0, 1, &res,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(res.count, 300);
	etcd_range_release(&res);
	/* an orphan: unlinked while open */
	ck_assert_int_eq(ns_create(a.ns, MDFS_ROOT_INO, "o", 0600, O_RDWR, 1,
	    NULL, &at, &fh, &created), 0);
	ck_assert_int_eq(ns_unlink(a.ns, MDFS_ROOT_INO, "o", NULL), 0);

	listing[0] = '\0';
	ck_assert_int_eq(ns_readdir(a.ns, d, 0, 100, list_cb, NULL, &eof), 0);
	ck_assert_int_eq(ns_readdir(a.ns, MDFS_ROOT_INO, 0, 100, list_cb,
	    NULL, &eof), 0);
	snprintf(before, sizeof(before), "%s", listing);

	fresh = node_ns(&a);
	ck_assert_int_eq(nsstore_load(a.st, fresh, &count, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(count, 5);	/* root, d, l, f, the orphan */
	listing[0] = '\0';
	ck_assert_int_eq(ns_readdir(fresh, d, 0, 100, list_cb, NULL, &eof), 0);
	ck_assert_int_eq(ns_readdir(fresh, MDFS_ROOT_INO, 0, 100, list_cb,
	    NULL, &eof), 0);
	ck_assert_str_eq(listing, before);
	ck_assert_int_eq(ns_getxattr(fresh, f, "user.k", &v, &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(v, "v\0w", 3) == 0);
	free(v);
	ck_assert_int_eq(ns_lookup(fresh, d, "l", &at), 0);
	ck_assert_int_eq(ns_readlink(fresh, at.ino, &t), 0);
	ck_assert_str_eq(t, "../x y");
	free(t);
	ck_assert_int_eq(ns_getattr(fresh, f, &at), 0);
	ck_assert_uint_eq(at.size, 600 * B);
	ck_assert_uint_eq(at.nlink, 2);
	ck_assert_uint_eq(at.blocks, 300 * B / 512);
	ck_assert_uint_eq(at.mode, S_IFREG | 04711);
	ck_assert_uint_eq(at.uid, 123);
	ck_assert_uint_eq(at.gid, 456);
	ck_assert_int_eq(at.atime, -42);
	ck_assert_int_eq(at.mtime, 987654321);
	/* the orphan survived with its handle; its release reclaims it */
	ck_assert_int_eq(ns_getattr(fresh, f + 1, &at), 0);
	ck_assert_uint_eq(at.nlink, 0);
	ns_swap(a.ns, fresh);
	ns_free(fresh);
	ck_assert_int_eq(ns_release(a.ns, f + 1, fh, 1), 0);
	ck_assert_int_eq(ns_getattr(a.ns, f + 1, &at), -ENOENT);
	ck_assert_int_eq(etcd_range(a.etcd, EK_ORPHAN, NULL, 0, 0, 1, &res,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(res.count, 0);
	etcd_range_release(&res);
	/* new inodes after a reload get fresh numbers */
	ck_assert_int_eq(ns_mknod(a.ns, MDFS_ROOT_INO, "n", 0644, 0, NULL,
	    &at), 0);
	ck_assert_uint_gt(at.ino, f + 1);
	node_stop(&a);
}
END_TEST

START_TEST(test_load_repairs)
{
	struct node	 a;
	struct ns	*fresh;
	struct ns_attr	 at;
	struct etcd_kv	 kv;
	char		 err[256];
	const char	*chunk = "{\"id\":\"" "0000000000000000000000000000000"
	    "00000000000000000000000000000000a\",\"len\":\"10\"}";
	const char	*lost = "{\"mode\":33188,\"uid\":0,\"gid\":0,"
	    "\"nlink\":1,\"size\":\"0\",\"rdev\":\"0\",\"atime\":\"0\","
	    "\"mtime\":\"0\",\"ctime\":\"0\"}";

	node_start(&a, "/t/repair/", "127.0.0.1:1");
	ck_assert_int_eq(wait_leader(&a, NULL, WAIT_MS), 0);
	ck_assert_int_eq(ns_mknod(a.ns, MDFS_ROOT_INO, "f", 0644, 0, NULL,
	    &at), 0);
	/* what crashes can leave: a chunk past the size, an entry to a
	 * missing inode, an inode without a name, garbage */
	ck_assert_int_eq(etcd_put(a.etcd, "fs/c/0000000000000002/"
	    "0000000000000005", chunk, strlen(chunk), 0, NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(etcd_put(a.etcd, "fs/d/0000000000000001/ghost",
	    "00000000000000ff", 16, 0, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(etcd_put(a.etcd, "fs/i/0000000000000077", lost,
	    strlen(lost), 0, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(etcd_put(a.etcd, "fs/c/0000000000000002/zz", "x", 1,
	    0, NULL, err, sizeof(err)), 0);
	fresh = node_ns(&a);
	ck_assert_int_eq(nsstore_load(a.st, fresh, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(ns_lookup(fresh, MDFS_ROOT_INO, "ghost", &at),
	    -ENOENT);
	ck_assert_int_eq(ns_getattr(fresh, 0x77, &at), -ENOENT);
	ck_assert_int_eq(ns_lookup(fresh, MDFS_ROOT_INO, "f", &at), 0);
	ck_assert_uint_eq(at.blocks, 0);
	/* and etcd was repaired */
	ck_assert_int_eq(etcd_get(a.etcd, "fs/c/0000000000000002/"
	    "0000000000000005", &kv, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(etcd_get(a.etcd, "fs/d/0000000000000001/ghost", &kv,
	    err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(etcd_get(a.etcd, "fs/i/0000000000000077", &kv, err,
	    sizeof(err)), -ENOENT);
	ck_assert_int_eq(etcd_get(a.etcd, "fs/c/0000000000000002/zz", &kv, err,
	    sizeof(err)), -ENOENT);
	ns_free(fresh);
	node_stop(&a);
}
END_TEST

/* Enough inodes that loading splits every kind into ranges read by
 * several threads: every record arrives exactly once. */
START_TEST(test_load_parallel)
{
	struct node	 a;
	struct ns	*fresh;
	struct ns_attr	 at;
	char		 name[32], err[256];
	uint64_t	 count = 0, d[4];
	int		 i;

	node_start(&a, "/t/par/", "127.0.0.1:1");
	ck_assert_int_eq(wait_leader(&a, NULL, WAIT_MS), 0);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		ck_assert_int_eq(ns_mkdir(a.ns, MDFS_ROOT_INO, name, 0755,
		    NULL, &at), 0);
		d[i] = at.ino;
	}
	for (i = 0; i < 1500; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(ns_mknod(a.ns, d[i % 4], name, 0644, 0, NULL,
		    &at), 0);
	}
	fresh = node_ns(&a);
	ck_assert_int_eq(nsstore_load(a.st, fresh, &count, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(count, 1505);
	for (i = 0; i < 1500; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(ns_lookup(fresh, d[i % 4], name, &at), 0);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(ns_getattr(fresh, d[i], &at), 0);
		ck_assert_uint_eq(at.nlink, 2);
	}
	ns_free(fresh);
	node_stop(&a);
}
END_TEST

/* More directories than entry jobs (NSSTORE_LOAD_DIR_JOBS): entry ranges
 * are cut at directories, several to a job, some of them empty; the
 * root's own entries and those of the last directory are the edges. */
START_TEST(test_load_dir_jobs)
{
	const int	 nd = NSSTORE_LOAD_DIR_JOBS * 2 + 3;
	struct node	 a;
	struct ns	*fresh;
	struct ns_attr	 at;
	char		 name[32], err[256];
	uint64_t	 count = 0, *d = calloc((size_t)nd, sizeof(*d));
	int		 i, files = 0;

	node_start(&a, "/t/dirjobs/", "127.0.0.1:1");
	ck_assert_int_eq(wait_leader(&a, NULL, WAIT_MS), 0);
	for (i = 0; i < nd; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		ck_assert_int_eq(ns_mkdir(a.ns, MDFS_ROOT_INO, name, 0755,
		    NULL, &at), 0);
		d[i] = at.ino;
	}
	for (i = 0; i < nd; i++) {
		if (i % 3 == 1)
			continue;	/* an empty one */
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(ns_mknod(a.ns, d[i], name, 0644, 0, NULL,
		    &at), 0);
		files++;
	}
	fresh = node_ns(&a);
	ck_assert_int_eq(nsstore_load(a.st, fresh, &count, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(count, (uint64_t)(1 + nd + files));
	for (i = 0; i < nd; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		ck_assert_int_eq(ns_lookup(fresh, MDFS_ROOT_INO, name, &at), 0);
		ck_assert_uint_eq(at.ino, d[i]);
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(ns_lookup(fresh, d[i], name, &at),
		    i % 3 == 1 ? -ENOENT : 0);
	}
	ns_free(fresh);
	node_stop(&a);
	free(d);
}
END_TEST

static Suite *
nsstore_suite(void)
{
	Suite	*s = suite_create("nsstore");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, etcd_fixture_up,
	    etcd_fixture_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_one_leader_and_takeover);
	tcase_add_test(tc, test_load_roundtrip);
	tcase_add_test(tc, test_load_parallel);
	tcase_add_test(tc, test_load_dir_jobs);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_unchecked_fixture(tc, etcd_fixture_up,
	    etcd_fixture_down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fence_without_leadership);
	tcase_add_test(tc, test_load_repairs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(nsstore_suite());
}
