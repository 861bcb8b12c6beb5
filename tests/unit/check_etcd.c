/*
 * check_etcd: common/etcd.c against a real etcd 3.4 (tests/lib/etcd_fixture),
 * one private etcd per TCase started by an unchecked fixture.  Each test
 * works under its own key prefix so the tests of a TCase cannot see each
 * other's keys.  The "outage" TCase kills and restarts its etcd, so it holds
 * a single test.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/etcd.h"
#include "common/httpc.h"
#include "common/json.h"
#include "tests/lib/check_main.h"
#include "tests/lib/etcd_fixture.h"

#define TEST_TIMEOUT_MS	3000	/* client timeout in these tests */
#define WAIT_MS		10000	/* longest wait for an event or expiry */

static struct etcd_client *
client(const char *prefix)
{
	return etcd_fixture_client(prefix, TEST_TIMEOUT_MS);
}

static void
put_str(struct etcd_client *c, const char *k, const char *v)
{
	char	 err[256] = "";

	ck_assert_msg(etcd_put(c, k, v, strlen(v), 0, NULL, err,
	    sizeof(err)) == 0, "put %s: %s", k, err);
}

/* ---- core */

START_TEST(test_get_put_delete)
{
	struct etcd_client	*c = client("/t/gpd/");
	struct etcd_kv		 kv;
	int64_t			 rev1, rev2, n;
	char			 err[256];

	ck_assert_int_eq(etcd_get(c, "a", &kv, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(etcd_put(c, "a", "one", 3, 0, &rev1, err,
	    sizeof(err)), 0);
	ck_assert_int_gt(rev1, 0);
	ck_assert_int_eq(etcd_get(c, "a", &kv, err, sizeof(err)), 0);
	ck_assert_str_eq(kv.key, "a");
	ck_assert_uint_eq(kv.value_len, 3);
	ck_assert_str_eq(kv.value, "one");
	ck_assert_int_eq(kv.create_revision, rev1);
	ck_assert_int_eq(kv.mod_revision, rev1);
	ck_assert_int_eq(kv.version, 1);
	ck_assert_int_eq(kv.lease, 0);
	etcd_kv_release(&kv);

	ck_assert_int_eq(etcd_put(c, "a", "two!", 4, 0, &rev2, err,
	    sizeof(err)), 0);
	ck_assert_int_gt(rev2, rev1);
	ck_assert_int_eq(etcd_get(c, "a", &kv, err, sizeof(err)), 0);
	ck_assert_str_eq(kv.value, "two!");
	ck_assert_int_eq(kv.create_revision, rev1);
	ck_assert_int_eq(kv.mod_revision, rev2);
	ck_assert_int_eq(kv.version, 2);
	etcd_kv_release(&kv);

	/* an empty value is a value */
	ck_assert_int_eq(etcd_put(c, "empty", NULL, 0, 0, NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(etcd_get(c, "empty", &kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv.value_len, 0);
	ck_assert_str_eq(kv.value, "");
	etcd_kv_release(&kv);

	ck_assert_int_eq(etcd_delete(c, "a", 0, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(etcd_get(c, "a", &kv, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(etcd_delete(c, "a", 0, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(etcd_delete(c, "empty", 0, NULL, err, sizeof(err)),
	    0);
	ck_assert_str_eq(etcd_endpoint(c) + strlen("http://"),
	    etcd_fx.endpoint);
	etcd_free(c);
}
END_TEST

START_TEST(test_delete_prefix)
{
	struct etcd_client	*c = client("/t/dp/");
	struct etcd_range	 r = ETCD_RANGE_INIT;
	struct etcd_kv		 kv;
	int64_t			 n;
	char			 err[256];

	put_str(c, "dir/a", "1");
	put_str(c, "dir/b", "2");
	put_str(c, "dir/c/d", "3");
	put_str(c, "dir0", "keep");	/* '0' = '/' + 1: the range end */
	put_str(c, "di", "keep");
	ck_assert_int_eq(etcd_delete(c, "dir/", 1, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(etcd_get(c, "dir0", &kv, err, sizeof(err)), 0);
	etcd_kv_release(&kv);
	ck_assert_int_eq(etcd_get(c, "di", &kv, err, sizeof(err)), 0);
	etcd_kv_release(&kv);
	ck_assert_int_eq(etcd_range(c, "", NULL, 0, 0, 0, &r, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(r.count, 2);
	ck_assert_str_eq(r.kvs[0].key, "di");
	ck_assert_str_eq(r.kvs[1].key, "dir0");
	etcd_range_release(&r);
	/* "" with prefix set: everything under the client's prefix */
	ck_assert_int_eq(etcd_delete(c, "", 1, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 2);
	etcd_free(c);
}
END_TEST

START_TEST(test_binary_values)
{
	struct etcd_client	*c = client("/t/bin/");
	struct etcd_kv		 kv;
	unsigned char		 v[512];
	char			 err[256];
	size_t			 i;

	for (i = 0; i < sizeof(v); i++)
		v[i] = (unsigned char)(i * 7);
	v[3] = 0;
	v[sizeof(v) - 1] = 0xff;
	ck_assert_int_eq(etcd_put(c, "b", v, sizeof(v), 0, NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(etcd_get(c, "b", &kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv.value_len, sizeof(v));
	ck_assert_mem_eq(kv.value, v, sizeof(v));
	ck_assert_int_eq(kv.value[sizeof(v)], '\0');
	etcd_kv_release(&kv);
	/* keys with bytes that base64 and JSON must carry */
	put_str(c, "k \"\\\xc3\xa9\x01", "x");
	ck_assert_int_eq(etcd_get(c, "k \"\\\xc3\xa9\x01", &kv, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(kv.key, "k \"\\\xc3\xa9\x01");
	etcd_kv_release(&kv);
	etcd_free(c);
}
END_TEST

START_TEST(test_range_pages)
{
	struct etcd_client	*c = client("/t/rng/");
	struct etcd_range	 r = ETCD_RANGE_INIT;
	char			 k[32], v[32], err[256];
	int			 i, seen = 0, pages = 0;

	for (i = 0; i < 25; i++) {
		snprintf(k, sizeof(k), "p/%03d", i);
		snprintf(v, sizeof(v), "v%d", i);
		put_str(c, k, v);
	}
	put_str(c, "q", "outside");
	ck_assert_int_eq(etcd_range(c, "p/", NULL, 10, 0, 0, &r, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(r.count, 10);
	ck_assert_int_eq(r.total, 25);
	ck_assert_int_eq(r.more, 1);
	ck_assert_int_gt(r.revision, 0);
	for (;;) {
		size_t	 j;

		pages++;
		for (j = 0; j < r.count; j++, seen++) {
			snprintf(k, sizeof(k), "p/%03d", seen);
			snprintf(v, sizeof(v), "v%d", seen);
			ck_assert_str_eq(r.kvs[j].key, k);
			ck_assert_str_eq(r.kvs[j].value, v);
		}
		if (!r.more)
			break;
		if (pages == 1) {
			/* a write between pages is not in the snapshot */
			put_str(c, "p/0005x", "new");
		}
		ck_assert_int_eq(etcd_range_next(c, "p/", NULL, 10, 0, &r,
		    err, sizeof(err)), 0);
	}
	ck_assert_int_eq(seen, 25);
	ck_assert_int_eq(pages, 3);
	etcd_range_release(&r);
	/* nothing left to continue from */
	ck_assert_int_eq(etcd_range_next(c, "p/", NULL, 10, 0, &r, err,
	    sizeof(err)), -EINVAL);

	/* explicit end: [p/010, p/012) */
	ck_assert_int_eq(etcd_range(c, "p/010", "p/012", 0, 0, 0, &r, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(r.count, 2);
	ck_assert_str_eq(r.kvs[0].key, "p/010");
	ck_assert_str_eq(r.kvs[1].key, "p/011");
	ck_assert_int_eq(r.more, 0);
	etcd_range_release(&r);

	/* an empty range: no kvs, no count in the answer */
	ck_assert_int_eq(etcd_range(c, "none/", NULL, 0, 0, 0, &r, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(r.count, 0);
	ck_assert_int_eq(r.total, 0);
	ck_assert_ptr_null(r.kvs);
	etcd_range_release(&r);
	etcd_free(c);
}
END_TEST

START_TEST(test_range_keys_only_and_revision)
{
	struct etcd_client	*c = client("/t/ko/");
	struct etcd_range	 r = ETCD_RANGE_INIT;
	int64_t			 rev1, rev2;
	char			 err[256];

	ck_assert_int_eq(etcd_put(c, "x/1", "old", 3, 0, &rev1, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(etcd_put(c, "x/1", "newer", 5, 0, &rev2, err,
	    sizeof(err)), 0);
	put_str(c, "x/2", "two");

	ck_assert_int_eq(etcd_range(c, "x/", NULL, 0, 0, 1, &r, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(r.count, 2);
	ck_assert_str_eq(r.kvs[0].key, "x/1");
	ck_assert_uint_eq(r.kvs[0].value_len, 0);
	ck_assert_str_eq(r.kvs[0].value, "");
	ck_assert_int_eq(r.kvs[0].mod_revision, rev2);

	/* at rev1 only the first version of x/1 existed */
	ck_assert_int_eq(etcd_range(c, "x/", NULL, 0, rev1, 0, &r, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_str_eq(r.kvs[0].value, "old");
	ck_assert_int_eq(r.kvs[0].version, 1);
	etcd_range_release(&r);

	/* a future revision is refused by etcd */
	ck_assert_int_eq(etcd_range(c, "x/", NULL, 0, rev2 + 1000, 0, &r,
	    err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "future revision"));
	ck_assert_ptr_nonnull(strstr(err, etcd_fx.endpoint));
	etcd_free(c);
}
END_TEST

START_TEST(test_prefix_stripping)
{
	struct etcd_client	*a = client("/t/pfx/");
	struct etcd_client	*raw = client(NULL);
	struct etcd_kv		 kv;
	struct etcd_range	 r = ETCD_RANGE_INIT;
	char			 err[256];

	put_str(a, "nodes/ds1", "addr");
	/* stored under the prefix... */
	ck_assert_int_eq(etcd_get(raw, "/t/pfx/nodes/ds1", &kv, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(kv.key, "/t/pfx/nodes/ds1");
	ck_assert_str_eq(kv.value, "addr");
	etcd_kv_release(&kv);
	/* ...and returned without it */
	ck_assert_int_eq(etcd_range(a, "nodes/", NULL, 0, 0, 0, &r, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_str_eq(r.kvs[0].key, "nodes/ds1");
	etcd_range_release(&r);
	/* a key outside the prefix is invisible */
	put_str(raw, "/t/pfy", "other");
	ck_assert_int_eq(etcd_range(a, "", NULL, 0, 0, 0, &r, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(r.count, 1);
	etcd_range_release(&r);
	etcd_free(a);
	/* without the trailing '/', the separator is added: same keys */
	a = client("/t/pfx");
	ck_assert_int_eq(etcd_get(a, "nodes/ds1", &kv, err, sizeof(err)), 0);
	ck_assert_str_eq(kv.key, "nodes/ds1");
	etcd_kv_release(&kv);
	etcd_free(a);
	etcd_free(raw);
}
END_TEST

START_TEST(test_txn)
{
	struct etcd_client	*c = client("/t/txn/");
	struct etcd_txn		*t;
	struct etcd_txn_result	 res = ETCD_TXN_RESULT_INIT;
	struct etcd_kv		 kv, leader;
	char			 err[256];
	int64_t			 rev;

	ck_assert_int_eq(etcd_put(c, "leader", "me", 2, 0, &rev, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(etcd_get(c, "leader", &leader, err, sizeof(err)), 0);

	/* all compares hold: success branch, gets in order */
	t = etcd_txn_new();
	etcd_txn_cmp_value(t, "leader", ETCD_EQUAL, "me", 2);
	etcd_txn_cmp(t, "leader", ETCD_CMP_CREATE, ETCD_EQUAL,
	    leader.create_revision);
	etcd_txn_cmp(t, "leader", ETCD_CMP_MOD, ETCD_LESS,
	    leader.mod_revision + 1);
	etcd_txn_cmp(t, "leader", ETCD_CMP_VERSION, ETCD_GREATER, 0);
	etcd_txn_cmp(t, "absent", ETCD_CMP_VERSION, ETCD_EQUAL, 0);
	etcd_txn_put(t, 1, "f/1", "one", 3, 0);
	etcd_txn_get(t, 1, "leader");
	etcd_txn_get(t, 1, "nothing");
	etcd_txn_put(t, 0, "f/1", "failed", 6, 0);
	etcd_txn_get(t, 0, "f/1");
	ck_assert_uint_eq(etcd_txn_ops(t), 5);
	ck_assert_int_eq(etcd_txn_commit(c, t, &res, err, sizeof(err)), 0);
	ck_assert_int_eq(res.succeeded, 1);
	ck_assert_int_gt(res.revision, rev);
	ck_assert_uint_eq(res.nranges, 2);
	ck_assert_uint_eq(res.ranges[0].count, 1);
	ck_assert_str_eq(res.ranges[0].kvs[0].key, "leader");
	ck_assert_str_eq(res.ranges[0].kvs[0].value, "me");
	ck_assert_uint_eq(res.ranges[1].count, 0);
	ck_assert_int_eq(etcd_get(c, "f/1", &kv, err, sizeof(err)), 0);
	ck_assert_str_eq(kv.value, "one");
	etcd_kv_release(&kv);

	/* committing the same txn again: f/1 is untouched by compares, but
	 * the mod revision compare no longer holds after another write */
	put_str(c, "leader", "me");
	ck_assert_int_eq(etcd_txn_commit(c, t, &res, err, sizeof(err)), 0);
	ck_assert_int_eq(res.succeeded, 0);
	ck_assert_uint_eq(res.nranges, 1);
	ck_assert_uint_eq(res.ranges[0].count, 1);
	ck_assert_str_eq(res.ranges[0].kvs[0].value, "failed");
	etcd_txn_result_release(&res);
	etcd_txn_free(t);

	/* each kind of compare failing on its own */
	{
		static const struct {
			enum etcd_cmp_target	 tgt;
			enum etcd_cmp_op	 op;
			int			 delta;
		} fails[] = {
			{ ETCD_CMP_CREATE, ETCD_NOT_EQUAL, 0 },
			{ ETCD_CMP_VERSION, ETCD_LESS, 0 },
			{ ETCD_CMP_MOD, ETCD_GREATER, 1000 },
		};
		size_t	 i;

		for (i = 0; i < 3; i++) {
			t = etcd_txn_new();
			etcd_txn_cmp(t, "leader", fails[i].tgt, fails[i].op,
			    fails[i].tgt == ETCD_CMP_CREATE ?
			    leader.create_revision : fails[i].delta);
			etcd_txn_delete(t, 1, "leader", 0);
			ck_assert_int_eq(etcd_txn_commit(c, t, NULL, err,
			    sizeof(err)), 0);
			etcd_txn_free(t);
			ck_assert_int_eq(etcd_get(c, "leader", &kv, err,
			    sizeof(err)), 0);
			etcd_kv_release(&kv);
		}
	}
	t = etcd_txn_new();
	etcd_txn_cmp_value(t, "leader", ETCD_NOT_EQUAL, "me", 2);
	etcd_txn_delete(t, 0, "f/", 1);
	ck_assert_int_eq(etcd_txn_commit(c, t, &res, err, sizeof(err)), 0);
	ck_assert_int_eq(res.succeeded, 0);
	ck_assert_uint_eq(res.nranges, 0);
	ck_assert_int_eq(etcd_get(c, "f/1", &kv, err, sizeof(err)), -ENOENT);
	etcd_txn_free(t);
	etcd_txn_result_release(&res);
	etcd_kv_release(&leader);
	etcd_free(c);
}
END_TEST

/* ---- leases */

/* Waits until key is gone; returns the ms it took or -1. */
static long
wait_gone(struct etcd_client *c, const char *key)
{
	struct etcd_kv	 kv;
	char		 err[256];
	long		 t0 = test_now_ms();
	int		 rc;

	while (test_now_ms() - t0 < WAIT_MS) {
		rc = etcd_get(c, key, &kv, err, sizeof(err));
		if (rc == -ENOENT)
			return test_now_ms() - t0;
		ck_assert_msg(rc == 0, "get: %s", err);
		etcd_kv_release(&kv);
		test_sleep_ms(100);
	}
	return -1;
}

START_TEST(test_lease_expiry)
{
	struct etcd_client	*c = client("/t/lease/");
	struct etcd_kv		 kv;
	int64_t			 id, ttl;
	char			 err[256];

	ck_assert_int_eq(etcd_lease_grant(c, 2, &id, err, sizeof(err)), 0);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(etcd_put(c, "eph", "x", 1, id, NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(etcd_get(c, "eph", &kv, err, sizeof(err)), 0);
	ck_assert_int_eq(kv.lease, id);
	etcd_kv_release(&kv);
	ck_assert_int_ge(wait_gone(c, "eph"), 1000);
	/* a keepalive cannot bring it back */
	ck_assert_int_eq(etcd_lease_keepalive(c, id, &ttl, err, sizeof(err)),
	    -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "expired"));
	/* a put with the dead lease is refused */
	ck_assert_int_eq(etcd_put(c, "eph", "x", 1, id, NULL, err,
	    sizeof(err)), -ENOENT);
	etcd_free(c);
}
END_TEST

START_TEST(test_lease_keepalive)
{
	struct etcd_client	*c = client("/t/keep/");
	struct etcd_kv		 kv;
	int64_t			 id, ttl = 0;
	char			 err[256];
	long			 t0;

	ck_assert_int_eq(etcd_lease_grant(c, 2, &id, err, sizeof(err)), 0);
	ck_assert_int_eq(etcd_put(c, "alive", "x", 1, id, NULL, err,
	    sizeof(err)), 0);
	t0 = test_now_ms();
	while (test_now_ms() - t0 < 4000) {
		ck_assert_int_eq(etcd_lease_keepalive(c, id, &ttl, err,
		    sizeof(err)), 0);
		ck_assert_int_ge(ttl, 1);
		ck_assert_int_le(ttl, 2);
		test_sleep_ms(400);
	}
	ck_assert_int_eq(etcd_get(c, "alive", &kv, err, sizeof(err)), 0);
	etcd_kv_release(&kv);
	etcd_free(c);
}
END_TEST

START_TEST(test_lease_revoke)
{
	struct etcd_client	*c = client("/t/rev/");
	struct etcd_kv		 kv;
	int64_t			 id;
	char			 err[256];

	ck_assert_int_eq(etcd_lease_grant(c, 60, &id, err, sizeof(err)), 0);
	ck_assert_int_eq(etcd_put(c, "a", "x", 1, id, NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(etcd_put(c, "b", "y", 1, id, NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(etcd_lease_revoke(c, id, err, sizeof(err)), 0);
	ck_assert_int_eq(etcd_get(c, "a", &kv, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(etcd_get(c, "b", &kv, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(etcd_lease_revoke(c, id, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "lease not found"));
	ck_assert_int_eq(etcd_lease_keepalive(c, id, NULL, err, sizeof(err)),
	    -ENOENT);
	etcd_free(c);
}
END_TEST

/* ---- watch */

#define MAX_EVENTS	64

struct seen {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 n;
	enum etcd_event_type	 type[MAX_EVENTS];
	char			 key[MAX_EVENTS][32];
	char			 value[MAX_EVENTS][32];
	int64_t			 rev[MAX_EVENTS];
};

static void
seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
}

static void
seen_release(struct seen *s)
{
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
}

static void
on_event(enum etcd_event_type t, const struct etcd_kv *kv, int64_t rev,
    void *arg)
{
	struct seen	*s = arg;

	pthread_mutex_lock(&s->lock);
	if (s->n < MAX_EVENTS) {
		s->type[s->n] = t;
		snprintf(s->key[s->n], sizeof(s->key[0]), "%s",
		    kv != NULL ? kv->key : "(null)");
		snprintf(s->value[s->n], sizeof(s->value[0]), "%s",
		    kv != NULL ? kv->value : "(null)");
		s->rev[s->n] = rev;
		s->n++;
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/* Waits until s holds n events; returns how many it holds. */
static int
wait_events(struct seen *s, int n)
{
	long	 t0 = test_now_ms();
	int	 have;

	pthread_mutex_lock(&s->lock);
	while (s->n < n && test_now_ms() - t0 < WAIT_MS) {
		pthread_mutex_unlock(&s->lock);
		test_sleep_ms(20);
		pthread_mutex_lock(&s->lock);
	}
	have = s->n;
	pthread_mutex_unlock(&s->lock);
	return have;
}

START_TEST(test_watch_events)
{
	struct etcd_client	*c = client("/t/w/");
	struct etcd_watch	*w;
	struct etcd_txn		*t;
	struct seen		 s;
	int64_t			 r1, r2;
	char			 err[256] = "";

	seen_init(&s);
	put_str(c, "dir/before", "not seen");
	w = etcd_watch_start(c, "dir/", 0, on_event, &s, err, sizeof(err));
	ck_assert_msg(w != NULL, "watch: %s", err);
	ck_assert_int_eq(etcd_put(c, "dir/a", "1", 1, 0, &r1, err,
	    sizeof(err)), 0);
	put_str(c, "other", "not watched");
	put_str(c, "dir/b", "2");
	ck_assert_int_eq(etcd_delete(c, "dir/a", 0, NULL, err, sizeof(err)),
	    0);
	/* two events in one revision */
	t = etcd_txn_new();
	etcd_txn_put(t, 1, "dir/c", "3", 1, 0);
	etcd_txn_put(t, 1, "dir/d", "4", 1, 0);
	ck_assert_int_eq(etcd_txn_commit(c, t, NULL, err, sizeof(err)), 0);
	etcd_txn_free(t);
	ck_assert_int_eq(etcd_put(c, "dir/b", "22", 2, 0, &r2, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(wait_events(&s, 6), 6);
	etcd_watch_stop(w);

	ck_assert_int_eq(s.type[0], ETCD_WATCH_PUT);
	ck_assert_str_eq(s.key[0], "dir/a");
	ck_assert_str_eq(s.value[0], "1");
	ck_assert_int_eq(s.rev[0], r1);
	ck_assert_str_eq(s.key[1], "dir/b");
	ck_assert_int_eq(s.type[2], ETCD_WATCH_DELETE);
	ck_assert_str_eq(s.key[2], "dir/a");
	ck_assert_str_eq(s.key[3], "dir/c");
	ck_assert_str_eq(s.key[4], "dir/d");
	ck_assert_int_eq(s.rev[3], s.rev[4]);
	ck_assert_str_eq(s.value[5], "22");
	ck_assert_int_eq(s.rev[5], r2);
	ck_assert_int_lt(s.rev[1], s.rev[2]);
	ck_assert_int_lt(s.rev[2], s.rev[3]);
	/* stopped: nothing more arrives */
	put_str(c, "dir/e", "late");
	test_sleep_ms(300);
	ck_assert_int_eq(s.n, 6);

	/* resume from a revision: history is replayed in order */
	seen_init(&s);
	w = etcd_watch_start(c, "dir/", r1, on_event, &s, err, sizeof(err));
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(wait_events(&s, 7), 7);
	etcd_watch_stop(w);
	ck_assert_int_eq(s.rev[0], r1);
	ck_assert_str_eq(s.key[0], "dir/a");
	ck_assert_str_eq(s.key[6], "dir/e");
	ck_assert_str_eq(s.value[6], "late");
	seen_release(&s);
	etcd_free(c);
}
END_TEST

START_TEST(test_watch_compacted)
{
	struct etcd_client	*c = client("/t/wc/");
	struct etcd_watch	*w;
	struct httpc		*h;
	struct seen		 s;
	cJSON			*body, *ans = NULL;
	int64_t			 r1, r2;
	char			 url[128], err[256] = "";

	seen_init(&s);
	ck_assert_int_eq(etcd_put(c, "k", "1", 1, 0, &r1, err, sizeof(err)),
	    0);
	ck_assert_int_eq(etcd_put(c, "k", "2", 1, 0, &r2, err, sizeof(err)),
	    0);
	/* compact through the gateway directly: the client has no call */
	h = httpc_new(NULL);
	body = json_new_object();
	json_add_i64(body, "revision", r2);
	snprintf(url, sizeof(url), "http://%s/v3/kv/compaction",
	    etcd_fx.endpoint);
	ck_assert_int_eq(httpc_json(h, "POST", url, NULL, 0, body, NULL, &ans,
	    err, sizeof(err)), 0);
	cJSON_Delete(body);
	cJSON_Delete(ans);
	httpc_free(h);

	w = etcd_watch_start(c, "k", r1, on_event, &s, err, sizeof(err));
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(wait_events(&s, 1), 1);
	etcd_watch_stop(w);
	ck_assert_int_eq(s.type[0], ETCD_WATCH_COMPACTED);
	ck_assert_int_eq(s.rev[0], r2);
	ck_assert_str_eq(s.key[0], "(null)");
	seen_release(&s);
	/* reading at the compacted revision is refused */
	{
		struct etcd_range	 r = ETCD_RANGE_INIT;

		ck_assert_int_eq(etcd_range(c, "k", NULL, 0, r1, 0, &r, err,
		    sizeof(err)), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "compacted"));
	}
	etcd_free(c);
}
END_TEST

START_TEST(test_watch_stop_prompt)
{
	struct etcd_client	*c = client("/t/ws/");
	struct etcd_watch	*w;
	struct seen		 s;
	char			 err[256];
	long			 t0;

	seen_init(&s);
	w = etcd_watch_start(c, "", 0, on_event, &s, err, sizeof(err));
	ck_assert_ptr_nonnull(w);
	test_sleep_ms(300);		/* the stream is open and idle */
	t0 = test_now_ms();
	etcd_watch_stop(w);
	ck_assert_int_lt(test_now_ms() - t0, 1500);
	etcd_watch_stop(NULL);
	seen_release(&s);
	etcd_free(c);
}
END_TEST

/* ---- outage: kill and restart etcd, fail over */

/* A listening socket that never accepts: connects succeed, nothing answers. */
static int
blackhole(unsigned *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	/* for drain(): accept must not block once the queue is empty */
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Accepts and closes every connection queued on fd; returns how many. */
static int
drain(int fd)
{
	int	 n = 0, c;

	while ((c = accept(fd, NULL, NULL)) != -1 || errno == EINTR) {
		if (c != -1) {
			close(c);
			n++;
		}
	}
	return n;
}

START_TEST(test_failover)
{
	char			 dead[64], live[80], bh[64], err[256];
	const char		*eps[3];
	struct etcd_client	*c;
	struct etcd_kv		 kv;
	unsigned		 port;
	long			 t0;
	int			 fd, rc;

	snprintf(dead, sizeof(dead), "127.0.0.1:%u", test_free_port());
	snprintf(live, sizeof(live), "http://%s", etcd_fx.endpoint);
	eps[0] = dead;
	eps[1] = live;
	c = etcd_fixture_client_eps(eps, 2, "/t/fo/", TEST_TIMEOUT_MS);
	put_str(c, "k", "v");
	ck_assert_str_eq(etcd_endpoint(c), live);
	ck_assert_int_eq(etcd_get(c, "k", &kv, err, sizeof(err)), 0);
	etcd_kv_release(&kv);
	etcd_free(c);

	/* every endpoint refuses: -ECONNREFUSED, at once */
	eps[1] = dead;
	c = etcd_fixture_client_eps(eps, 2, "/t/fo/", TEST_TIMEOUT_MS);
	t0 = test_now_ms();
	rc = etcd_get(c, "k", &kv, err, sizeof(err));
	ck_assert_int_eq(rc, -ECONNREFUSED);
	ck_assert_int_lt(test_now_ms() - t0, TEST_TIMEOUT_MS);
	ck_assert_ptr_nonnull(strstr(err, dead));
	ck_assert_ptr_nonnull(strstr(err, "/v3/kv/range"));
	etcd_free(c);

	/* every endpoint accepts and stays silent: -ETIMEDOUT in time */
	fd = blackhole(&port);
	snprintf(bh, sizeof(bh), "127.0.0.1:%u", port);
	eps[0] = bh;
	eps[1] = bh;
	eps[2] = dead;
	c = etcd_fixture_client_eps(eps, 3, "/t/fo/", 1000);
	t0 = test_now_ms();
	rc = etcd_put(c, "k", "v", 1, 0, NULL, err, sizeof(err));
	ck_assert_int_eq(rc, -ETIMEDOUT);
	ck_assert_int_lt(test_now_ms() - t0, 1000 + 500);
	/* it did wait for them */
	ck_assert_int_ge(test_now_ms() - t0, 300);
	etcd_free(c);

	/* a silent endpoint first, the live one second: the first gets its
	 * share of the time, the second answers */
	drain(fd);
	eps[0] = bh;
	eps[1] = etcd_fx.endpoint;
	c = etcd_fixture_client_eps(eps, 2, "/t/fo/", 2000);
	t0 = test_now_ms();
	rc = etcd_get(c, "k", &kv, err, sizeof(err));
	ck_assert_msg(rc == 0, "get: %s", err);
	ck_assert_str_eq(kv.value, "v");
	etcd_kv_release(&kv);
	ck_assert_int_lt(test_now_ms() - t0, 2000);
	ck_assert_str_eq(etcd_endpoint(c) + strlen("http://"),
	    etcd_fx.endpoint);
	/* and is remembered: the next calls go straight there, which the
	 * silent endpoint's accept queue shows */
	ck_assert_int_ge(drain(fd), 1);
	put_str(c, "k2", "v2");
	put_str(c, "k3", "v3");
	ck_assert_int_eq(drain(fd), 0);
	etcd_free(c);
	close(fd);
}
END_TEST

START_TEST(test_watch_survives_restart)
{
	struct etcd_client	*c = client("/t/wr/");
	struct etcd_watch	*w;
	struct seen		 s;
	char			 k[16], err[256] = "";
	int			 i, rc;

	seen_init(&s);
	w = etcd_watch_start(c, "", 0, on_event, &s, err, sizeof(err));
	ck_assert_msg(w != NULL, "watch: %s", err);
	put_str(c, "k0", "before");
	put_str(c, "k1", "before");
	ck_assert_int_eq(wait_events(&s, 2), 2);

	ck_assert_int_eq(etcd_fixture_kill(&etcd_fx), 0);
	rc = etcd_put(c, "k2", "x", 1, 0, NULL, err, sizeof(err));
	ck_assert_msg(rc == -ECONNREFUSED || rc == -ECONNRESET,
	    "put to a dead etcd: %d %s", rc, err);
	ck_assert_int_eq(etcd_fixture_restart(&etcd_fx), 0);

	for (i = 2; i < 5; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		put_str(c, k, "after");
	}
	ck_assert_int_eq(wait_events(&s, 5), 5);
	test_sleep_ms(200);
	etcd_watch_stop(w);
	ck_assert_int_eq(s.n, 5);	/* no duplicates */
	for (i = 0; i < 5; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		ck_assert_str_eq(s.key[i], k);
		if (i > 0)
			ck_assert_int_gt(s.rev[i], s.rev[i - 1]);
	}
	seen_release(&s);
	etcd_free(c);
}
END_TEST

/* ---- errors (no etcd needed) */

static const char *const bad_endpoints[] = {
	"",
	"127.0.0.1",
	"127.0.0.1:",
	":2379",
	"127.0.0.1:0",
	"127.0.0.1:65536",
	"127.0.0.1:23x9",
	"127.0.0.1:-1",
	"ftp://127.0.0.1:2379",
	"http://127.0.0.1:2379/v3",
	"http://user@127.0.0.1:2379",
	"[::1]2379",
	"host name:2379",
};

START_TEST(test_bad_endpoint)
{
	const char		*eps[2] = { "127.0.0.1:2379",
				    bad_endpoints[_i] };
	struct etcd_options	 o = { eps, 2, NULL, 0, 0 };
	char			 err[256] = "";

	ck_assert_ptr_null(etcd_new(&o, err, sizeof(err)));
	ck_assert_msg(strstr(err, "etcd") != NULL, "no message for \"%s\"",
	    bad_endpoints[_i]);
}
END_TEST

START_TEST(test_bad_options)
{
	const char		*eps[ETCD_MAX_ENDPOINTS + 1];
	struct etcd_options	 o = { eps, 0, NULL, 0, 0 };
	struct etcd_client	*c;
	char			 err[256] = "";
	size_t			 i;

	for (i = 0; i <= ETCD_MAX_ENDPOINTS; i++)
		eps[i] = "127.0.0.1:2379";
	ck_assert_ptr_null(etcd_new(&o, err, sizeof(err)));
	ck_assert_str_eq(err, "etcd: no endpoints");
	ck_assert_ptr_null(etcd_new(NULL, err, sizeof(err)));
	o.nendpoints = ETCD_MAX_ENDPOINTS + 1;
	ck_assert_ptr_null(etcd_new(&o, err, sizeof(err)));
	o.nendpoints = 1;
	o.timeout_ms = -1;
	ck_assert_ptr_null(etcd_new(&o, err, sizeof(err)));
	eps[1] = NULL;
	o.nendpoints = 2;
	o.timeout_ms = 0;
	ck_assert_ptr_null(etcd_new(&o, err, sizeof(err)));

	/* good forms, normalised */
	eps[0] = "localhost:2379";
	o.nendpoints = 1;
	c = etcd_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(etcd_endpoint(c), "http://localhost:2379");
	etcd_free(c);
	eps[0] = "http://[::1]:2379/";
	c = etcd_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(etcd_endpoint(c), "http://[::1]:2379");
	etcd_free(c);
	etcd_free(NULL);
}
END_TEST

START_TEST(test_bad_arguments)
{
	const char		*eps[1] = { "127.0.0.1:1" };
	struct etcd_client	*c = etcd_fixture_client_eps(eps, 1, "", 1000);
	struct etcd_range	 r = ETCD_RANGE_INIT;
	struct etcd_kv		 kv;
	struct seen		 s;
	char			 err[256];

	/* refused before anything is sent */
	ck_assert_int_eq(etcd_get(c, NULL, &kv, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(etcd_put(c, "k", NULL, 3, 0, NULL, err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(etcd_put(c, "k", "v", 1, -1, NULL, err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(etcd_range(c, "k", NULL, -1, 0, 0, &r, err,
	    sizeof(err)), -EINVAL);
	ck_assert_int_eq(etcd_range(c, "k", NULL, 0, -1, 0, &r, err,
	    sizeof(err)), -EINVAL);
	ck_assert_int_eq(etcd_lease_grant(c, 0, NULL, err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(etcd_lease_keepalive(c, 0, NULL, err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(etcd_lease_revoke(c, -5, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(etcd_txn_commit(c, NULL, NULL, err, sizeof(err)),
	    -EINVAL);
	ck_assert_ptr_null(etcd_watch_start(c, "x", -1, on_event, &s, err,
	    sizeof(err)));
	ck_assert_ptr_null(etcd_watch_start(c, "x", 1, NULL, &s, err,
	    sizeof(err)));
	/* a watch from "now" needs etcd to say what now is */
	ck_assert_ptr_null(etcd_watch_start(c, "x", 0, on_event, &s, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "127.0.0.1:1"));
	etcd_free(c);
}
END_TEST

static const char *const bad_b64[] = {
	"A", "AA", "AAA", "AAAAA", "A===", "====", "=AAA", "AA=A", "AB C",
	"AB\nC", "Zm9v!", "Zm9v-_8=", "Zm9vYg=", "\xc3\xa9\xc3\xa9",
};

START_TEST(test_b64_bad)
{
	size_t	 len = 12345;

	ck_assert_ptr_null(etcd_b64_decode(bad_b64[_i], &len));
	ck_assert_uint_eq(len, 12345);
}
END_TEST

START_TEST(test_b64_good)
{
	static const struct {
		const char	*plain;
		size_t		 len;
		const char	*enc;
	} t[] = {
		{ "", 0, "" },
		{ "f", 1, "Zg==" },
		{ "fo", 2, "Zm8=" },
		{ "foo", 3, "Zm9v" },
		{ "foob", 4, "Zm9vYg==" },
		{ "\0\xff\0", 3, "AP8A" },
		{ "\xfb\xff", 2, "+/8=" },
	};
	size_t	 i, len;
	char	*e, *d;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		e = etcd_b64_encode(t[i].plain, t[i].len);
		ck_assert_str_eq(e, t[i].enc);
		d = etcd_b64_decode(e, &len);
		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(len, t[i].len);
		ck_assert_mem_eq(d, t[i].plain, len);
		ck_assert_int_eq(d[len], '\0');
		free(e);
		free(d);
	}
	ck_assert_ptr_null(etcd_b64_decode(NULL, &len));
}
END_TEST

/* ---- limits */

START_TEST(test_txn_too_many_ops)
{
	struct etcd_client	*c = client("/t/lim/");
	struct etcd_txn		*t = etcd_txn_new();
	char			 k[32], err[256] = "";
	int			 i;

	for (i = 0; i < 129; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		etcd_txn_put(t, 1, k, "v", 1, 0);
	}
	ck_assert_uint_eq(etcd_txn_ops(t), 129);
	ck_assert_int_eq(etcd_txn_commit(c, t, NULL, err, sizeof(err)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "too many operations"));
	etcd_txn_free(t);
	etcd_free(c);
}
END_TEST

START_TEST(test_big_value)
{
	struct etcd_client	*c = client("/t/big/");
	struct etcd_kv		 kv;
	size_t			 n = 1024 * 1024, i;
	char			*v = malloc(n), err[256] = "";

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < n; i++)
		v[i] = (char)(i % 253);
	ck_assert_int_eq(etcd_put(c, "big", v, n, 0, NULL, err, sizeof(err)),
	    0);
	ck_assert_int_eq(etcd_get(c, "big", &kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv.value_len, n);
	ck_assert_mem_eq(kv.value, v, n);
	etcd_kv_release(&kv);
	free(v);
	etcd_free(c);
}
END_TEST

static TCase *
etcd_tcase(const char *name, int timeout_s)
{
	TCase	*tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, etcd_fixture_up,
	    etcd_fixture_down);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

static Suite *
etcd_suite(void)
{
	Suite	*s = suite_create("etcd");
	TCase	*tc;

	httpc_global_init();
	tc = etcd_tcase("core", 60);
	tcase_add_test(tc, test_get_put_delete);
	tcase_add_test(tc, test_delete_prefix);
	tcase_add_test(tc, test_binary_values);
	tcase_add_test(tc, test_range_pages);
	tcase_add_test(tc, test_range_keys_only_and_revision);
	tcase_add_test(tc, test_prefix_stripping);
	tcase_add_test(tc, test_txn);
	tcase_add_test(tc, test_lease_expiry);
	tcase_add_test(tc, test_lease_keepalive);
	tcase_add_test(tc, test_lease_revoke);
	suite_add_tcase(s, tc);

	tc = etcd_tcase("watch", 60);
	tcase_add_test(tc, test_watch_events);
	tcase_add_test(tc, test_watch_compacted);
	tcase_add_test(tc, test_watch_stop_prompt);
	suite_add_tcase(s, tc);

	tc = etcd_tcase("failover", 60);
	tcase_add_test(tc, test_failover);
	suite_add_tcase(s, tc);

	/* kills and restarts its etcd: alone in its TCase */
	tc = etcd_tcase("outage", 90);
	tcase_add_test(tc, test_watch_survives_restart);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_bad_endpoint, 0,
	    sizeof(bad_endpoints) / sizeof(bad_endpoints[0]));
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_loop_test(tc, test_b64_bad, 0,
	    sizeof(bad_b64) / sizeof(bad_b64[0]));
	tcase_add_test(tc, test_b64_good);
	suite_add_tcase(s, tc);

	tc = etcd_tcase("limits", 60);
	tcase_add_test(tc, test_txn_too_many_ops);
	tcase_add_test(tc, test_big_value);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(etcd_suite());
}
