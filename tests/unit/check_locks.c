/*
 * check_locks: the lock table and the session table without etcd -- POSIX
 * conflicts, merge and split per owner, getlk, flock conversion, flock vs
 * fcntl independence, blocking waits (woken by a release, or timing out),
 * release by owner and on session expiry/close, and the error paths.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/meta/locks.h"
#include "server/meta/sessions.h"
#include "tests/lib/check_main.h"

static struct locks_req
rq(uint64_t session, uint64_t owner, enum locks_type t, uint64_t s,
    uint64_t e)
{
	struct locks_req r;

	memset(&r, 0, sizeof(r));
	r.ino = 42;
	r.session = session;
	r.owner = owner;
	r.pid = (uint32_t)(1000 + session);
	r.type = t;
	r.start = s;
	r.end = e;
	return r;
}

static int
setp(struct locks *l, uint64_t session, enum locks_type t, uint64_t s,
    uint64_t e)
{
	struct locks_req r = rq(session, 7, t, s, e);

	return locks_set(l, LOCKS_POSIX, &r, 0, NULL);
}

/* The posix ranges of a session, sorted by start, as "r0-9,w20-29". */
static void
ranges(struct locks *l, uint64_t session, char *out, size_t len)
{
	struct locks_req *v;
	enum locks_kind	*k;
	size_t		 n, i, j, o = 0;

	ck_assert_int_eq(locks_of_session(l, session, &v, &k, &n), 0);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1].start > v[j].start; j--) {
			struct locks_req t = v[j];
			enum locks_kind tk = k[j];

			v[j] = v[j - 1];
			k[j] = k[j - 1];
			v[j - 1] = t;
			k[j - 1] = tk;
		}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (k[i] != LOCKS_POSIX)
			continue;
		if (v[i].end == LOCKS_EOF)
			o += (size_t)snprintf(out + o, len - o, "%s%c%llu-",
			    o ? "," : "", v[i].type == LOCKS_READ ? 'r' : 'w',
			    (unsigned long long)v[i].start);
		else
			o += (size_t)snprintf(out + o, len - o,
			    "%s%c%llu-%llu", o ? "," : "",
			    v[i].type == LOCKS_READ ? 'r' : 'w',
			    (unsigned long long)v[i].start,
			    (unsigned long long)v[i].end);
	}
	free(v);
	free(k);
}

#define RANGES(l, s, want) do {						\
	char got_[256];							\
	ranges(l, s, got_, sizeof(got_));				\
	ck_assert_str_eq(got_, want);					\
} while (0)

START_TEST(test_conflicts)
{
	struct locks	*l = locks_new();
	struct locks_req r, c;

	ck_assert_int_eq(setp(l, 1, LOCKS_READ, 0, 99), 0);
	/* readers share */
	ck_assert_int_eq(setp(l, 2, LOCKS_READ, 50, 149), 0);
	/* a writer conflicts with both, reports the first */
	r = rq(3, 7, LOCKS_WRITE, 90, 95);
	ck_assert_int_eq(locks_set(l, LOCKS_POSIX, &r, 0, &c), -EAGAIN);
	ck_assert(c.session == 1 || c.session == 2);
	ck_assert_uint_eq(c.pid, 1000 + c.session);
	ck_assert_int_eq(locks_get(l, LOCKS_POSIX, &r, &c), 1);
	ck_assert_int_eq(c.type, LOCKS_READ);
	/* no overlap: fine */
	ck_assert_int_eq(setp(l, 3, LOCKS_WRITE, 150, 199), 0);
	/* another inode is independent */
	r = rq(4, 7, LOCKS_WRITE, 0, LOCKS_EOF);
	r.ino = 43;
	ck_assert_int_eq(locks_set(l, LOCKS_POSIX, &r, 0, NULL), 0);
	/* getlk of a grantable lock */
	r = rq(4, 7, LOCKS_READ, 0, 10);
	ck_assert_int_eq(locks_get(l, LOCKS_POSIX, &r, &c), 0);
	/* same session, other owner: conflicts too (POSIX owners) */
	r = rq(3, 8, LOCKS_WRITE, 150, 150);
	ck_assert_int_eq(locks_set(l, LOCKS_POSIX, &r, 0, &c), -EAGAIN);
	ck_assert_uint_eq(c.owner, 7);
	/* a failed call changed nothing */
	RANGES(l, 3, "w150-199");
	locks_free(l);
}
END_TEST

START_TEST(test_merge_split)
{
	struct locks	*l = locks_new();

	ck_assert_int_eq(setp(l, 1, LOCKS_READ, 0, 9), 0);
	ck_assert_int_eq(setp(l, 1, LOCKS_READ, 10, 19), 0);	/* adjacent */
	RANGES(l, 1, "r0-19");
	ck_assert_int_eq(setp(l, 1, LOCKS_READ, 30, 39), 0);
	RANGES(l, 1, "r0-19,r30-39");
	ck_assert_int_eq(setp(l, 1, LOCKS_READ, 15, 32), 0);	/* bridges */
	RANGES(l, 1, "r0-39");
	/* a write in the middle splits */
	ck_assert_int_eq(setp(l, 1, LOCKS_WRITE, 10, 19), 0);
	RANGES(l, 1, "r0-9,w10-19,r20-39");
	/* unlock over a boundary */
	ck_assert_int_eq(setp(l, 1, LOCKS_UNLOCK, 5, 14), 0);
	RANGES(l, 1, "r0-4,w15-19,r20-39");
	/* read over the write merges with both neighbours */
	ck_assert_int_eq(setp(l, 1, LOCKS_READ, 15, 19), 0);
	RANGES(l, 1, "r0-4,r15-39");
	/* to EOF and back */
	ck_assert_int_eq(setp(l, 1, LOCKS_WRITE, 30, LOCKS_EOF), 0);
	RANGES(l, 1, "r0-4,r15-29,w30-");
	ck_assert_int_eq(setp(l, 1, LOCKS_UNLOCK, 0, LOCKS_EOF), 0);
	RANGES(l, 1, "");
	ck_assert_uint_eq(locks_count(l), 0);
	/* unlock of nothing is fine */
	ck_assert_int_eq(setp(l, 1, LOCKS_UNLOCK, 0, 10), 0);
	locks_free(l);
}
END_TEST

START_TEST(test_flock)
{
	struct locks	*l = locks_new();
	struct locks_req a = rq(1, 100, LOCKS_READ, 0, 0);
	struct locks_req b = rq(2, 200, LOCKS_READ, 0, 0);
	struct locks_req c;

	ck_assert_int_eq(locks_set(l, LOCKS_FLOCK, &a, 0, NULL), 0);
	ck_assert_int_eq(locks_set(l, LOCKS_FLOCK, &b, 0, NULL), 0);
	/* upgrade conflicts with the other reader and keeps the old lock */
	a.type = LOCKS_WRITE;
	ck_assert_int_eq(locks_set(l, LOCKS_FLOCK, &a, 0, &c), -EAGAIN);
	ck_assert_uint_eq(c.session, 2);
	ck_assert_uint_eq(locks_count(l), 2);
	b.type = LOCKS_UNLOCK;
	ck_assert_int_eq(locks_set(l, LOCKS_FLOCK, &b, 0, NULL), 0);
	ck_assert_int_eq(locks_set(l, LOCKS_FLOCK, &a, 0, NULL), 0);
	ck_assert_uint_eq(locks_count(l), 1);	/* converted, not added */
	/* flock and fcntl locks are independent */
	b = rq(2, 200, LOCKS_WRITE, 0, LOCKS_EOF);
	ck_assert_int_eq(locks_set(l, LOCKS_POSIX, &b, 0, NULL), 0);
	b.type = LOCKS_READ;
	ck_assert_int_eq(locks_get(l, LOCKS_FLOCK, &b, &c), 1);
	ck_assert_uint_eq(c.session, 1);
	ck_assert_uint_eq(c.start, 0);
	ck_assert_uint_eq(c.end, LOCKS_EOF);
	locks_free(l);
}
END_TEST

struct waiter {
	struct locks	*l;
	int		 rc;
	unsigned	 wait_ms;
};

static void *
wait_thread(void *arg)
{
	struct waiter	*w = arg;
	struct locks_req r = rq(2, 7, LOCKS_WRITE, 0, 9);

	w->rc = locks_set(w->l, LOCKS_POSIX, &r, w->wait_ms, NULL);
	return NULL;
}

START_TEST(test_blocking_wait)
{
	struct waiter	 w;
	pthread_t	 t;
	struct timespec	 t0, t1;

	w.l = locks_new();
	w.rc = 1;
	w.wait_ms = 5000;
	ck_assert_int_eq(setp(w.l, 1, LOCKS_WRITE, 5, 5), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, wait_thread, &w), 0);
	usleep(100000);
	ck_assert_int_eq(w.rc, 1);	/* still waiting */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(setp(w.l, 1, LOCKS_UNLOCK, 0, LOCKS_EOF), 0);
	pthread_join(t, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(w.rc, 0);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);	/* woken, not timed out */
	RANGES(w.l, 2, "w0-9");
	/* a wait that times out */
	w.wait_ms = 200;
	w.rc = 1;
	ck_assert_int_eq(setp(w.l, 3, LOCKS_READ, 9, 9), -EAGAIN);
	locks_release_owner(w.l, 42, 2, 7);
	ck_assert_uint_eq(locks_count(w.l), 0);
	ck_assert_int_eq(setp(w.l, 3, LOCKS_READ, 9, 9), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wait_thread(&w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(w.rc, -EAGAIN);
	ck_assert_int_ge((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000, 190);
	locks_free(w.l);
}
END_TEST

struct tclock {
	int64_t	 ms;
};

static int64_t
tnow(void *arg)
{
	return ((struct tclock *)arg)->ms;
}

struct gone_log {
	uint64_t	 ids[8];
	size_t		 n;
};

static void
note_gone(uint64_t session, void *arg)
{
	struct gone_log *g = arg;

	if (g->n < 8)
		g->ids[g->n++] = session;
}

START_TEST(test_session_expiry_releases)
{
	struct locks	*l = locks_new();
	struct sessions	*s = sessions_new(NULL, 10, NULL, NULL);
	struct tclock	 clock = { 5000 };
	struct gone_log	 g = { { 0 }, 0 };
	struct locks_req r;
	uint64_t	 a, b;
	unsigned	 ttl;

	sessions_set_clock(s, tnow, &clock);
	ck_assert_int_eq(sessions_on_gone(s, locks_session_gone, l), 0);
	ck_assert_int_eq(sessions_on_gone(s, note_gone, &g), 0);
	ck_assert_int_eq(sessions_open(s, "host:/mnt", &a), 0);
	ck_assert_int_eq(sessions_open(s, "other", &b), 0);
	ck_assert_uint_ne(a, b);
	ck_assert_int_eq(sessions_valid(s, a), 1);
	ck_assert_uint_eq(sessions_count(s), 2);
	ck_assert_int_eq(setp(l, a, LOCKS_WRITE, 0, LOCKS_EOF), 0);
	r = rq(a, 9, LOCKS_WRITE, 0, 0);
	ck_assert_int_eq(locks_set(l, LOCKS_FLOCK, &r, 0, NULL), 0);
	ck_assert_int_eq(setp(l, b, LOCKS_WRITE, 0, 0), -EAGAIN);
	/* b renews, a does not */
	clock.ms += 6000;
	ck_assert_int_eq(sessions_renew(s, b, &ttl), 0);
	ck_assert_uint_eq(ttl, 10);
	clock.ms += 4000;
	ck_assert_uint_eq(sessions_tick(s), 1);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_uint_eq(g.ids[0], a);
	ck_assert_int_eq(sessions_valid(s, a), 0);
	ck_assert_int_eq(sessions_renew(s, a, &ttl), -ENOENT);
	/* a's locks are gone: b gets its lock */
	ck_assert_int_eq(setp(l, b, LOCKS_WRITE, 0, 0), 0);
	ck_assert_uint_eq(locks_count(l), 1);
	/* close releases too, once */
	ck_assert_int_eq(sessions_close(s, b), 0);
	ck_assert_uint_eq(locks_count(l), 0);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_int_eq(sessions_close(s, b), -ENOENT);
	ck_assert_uint_eq(sessions_count(s), 0);
	sessions_free(s);
	locks_free(l);
}
END_TEST

START_TEST(test_session_list)
{
	struct sessions	*s = sessions_new(NULL, 10, NULL, NULL);
	struct sessions_info *v;
	struct tclock	 clock = { 0 };
	char		 longname[300];
	uint64_t	 a, b;
	size_t		 n;

	sessions_set_clock(s, tnow, &clock);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(sessions_open(s, longname, &a), 0);
	ck_assert_int_eq(sessions_open(s, NULL, &b), 0);
	clock.ms = 2500;
	ck_assert_int_eq(sessions_list(s, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].id, a);
	ck_assert_uint_eq(strlen(v[0].client), SESSIONS_CLIENT_MAX - 1);
	ck_assert_str_eq(v[1].client, "");
	ck_assert_int_eq(v[1].expires_in_ms, 7500);
	free(v);
	ck_assert_uint_eq(sessions_ttl(s), 10);
	sessions_free(s);
}
END_TEST

START_TEST(test_errors)
{
	struct locks	*l = locks_new();
	struct sessions	*s = sessions_new(NULL, 10, NULL, NULL);
	struct locks_req r = rq(1, 1, LOCKS_READ, 10, 5);
	struct locks_req c;
	int		 i;

	ck_assert_int_eq(locks_set(l, LOCKS_POSIX, &r, 0, NULL), -EINVAL);
	ck_assert_int_eq(locks_get(l, LOCKS_POSIX, &r, &c), -EINVAL);
	r = rq(1, 1, (enum locks_type)7, 0, 5);
	ck_assert_int_eq(locks_set(l, LOCKS_POSIX, &r, 0, NULL), -EINVAL);
	r = rq(1, 1, LOCKS_READ, 0, 5);
	ck_assert_int_eq(locks_set(l, (enum locks_kind)5, &r, 0, NULL),
	    -EINVAL);
	ck_assert_uint_eq(locks_count(l), 0);
	ck_assert_int_eq(sessions_renew(s, 12345, NULL), -ENOENT);
	ck_assert_int_eq(sessions_valid(s, 12345), 0);
	for (i = 0; i < SESSIONS_MAX_CALLBACKS; i++)
		ck_assert_int_eq(sessions_on_gone(s, note_gone, NULL), 0);
	ck_assert_int_eq(sessions_on_gone(s, note_gone, NULL), -E2BIG);
	sessions_free(s);
	locks_free(l);
}
END_TEST

START_TEST(test_too_many_ranges)
{
	struct locks	*l = locks_new();
	uint64_t	 i;

	/* every other byte: nothing merges */
	for (i = 0; i < LOCKS_MAX_PER_OWNER; i++)
		ck_assert_int_eq(setp(l, 1, LOCKS_READ, 2 * i, 2 * i), 0);
	ck_assert_int_eq(setp(l, 1, LOCKS_READ, 2 * i, 2 * i), -ENOLCK);
	ck_assert_uint_eq(locks_count(l), LOCKS_MAX_PER_OWNER);
	/* a split that would go over is refused too */
	ck_assert_int_eq(setp(l, 1, LOCKS_WRITE, 0, 0), 0);	/* replace */
	ck_assert_uint_eq(locks_count(l), LOCKS_MAX_PER_OWNER);
	/* merging brings it down */
	ck_assert_int_eq(setp(l, 1, LOCKS_READ, 0, 3 * LOCKS_MAX_PER_OWNER),
	    0);
	ck_assert_uint_eq(locks_count(l), 1);
	locks_free(l);
}
END_TEST

START_TEST(test_release_and_restore)
{
	struct locks	*l = locks_new();
	struct locks	*l2 = locks_new();
	struct locks_req f = rq(1, 7, LOCKS_WRITE, 0, 0), *v, c;
	size_t		 n, i;

	ck_assert_int_eq(setp(l, 1, LOCKS_READ, 0, 9), 0);
	ck_assert_int_eq(setp(l, 1, LOCKS_WRITE, 20, 29), 0);
	ck_assert_int_eq(locks_set(l, LOCKS_FLOCK, &f, 0, NULL), 0);
	/* the persisted view of one owner and kind, sorted */
	ck_assert_int_eq(locks_owner_ranges(l, LOCKS_POSIX, 42, 1, 7, &v, &n),
	    0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].start, 0);
	ck_assert_int_eq(v[1].type, LOCKS_WRITE);
	/* restore into a fresh table: same state, same conflicts */
	for (i = 0; i < n; i++)
		ck_assert_int_eq(locks_restore(l2, LOCKS_POSIX, &v[i]), 0);
	free(v);
	ck_assert_int_eq(locks_restore(l2, LOCKS_FLOCK, &f), 0);
	RANGES(l2, 1, "r0-9,w20-29");
	c = rq(2, 7, LOCKS_READ, 25, 25);
	ck_assert_int_eq(locks_get(l2, LOCKS_POSIX, &c, NULL), 1);
	ck_assert_int_eq(locks_get(l2, LOCKS_FLOCK, &c, NULL), 1);
	c.type = LOCKS_UNLOCK;
	ck_assert_int_eq(locks_restore(l2, LOCKS_POSIX, &c), -EINVAL);
	/* release one kind only */
	locks_release_kind(l, LOCKS_POSIX, 42, 1, 7);
	ck_assert_uint_eq(locks_count(l), 1);
	ck_assert_int_eq(locks_owner_ranges(l, LOCKS_POSIX, 42, 1, 7, &v, &n),
	    0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(v);
	locks_release_kind(l, LOCKS_FLOCK, 42, 1, 7);
	ck_assert_uint_eq(locks_count(l), 0);
	/* clear empties everything */
	locks_clear(l2);
	ck_assert_uint_eq(locks_count(l2), 0);
	c = rq(2, 7, LOCKS_WRITE, 0, LOCKS_EOF);
	ck_assert_int_eq(locks_set(l2, LOCKS_POSIX, &c, 0, NULL), 0);
	locks_free(l);
	locks_free(l2);
}
END_TEST

static Suite *
locks_suite(void)
{
	Suite	*s = suite_create("locks");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_conflicts);
	tcase_add_test(tc, test_merge_split);
	tcase_add_test(tc, test_flock);
	tcase_add_test(tc, test_blocking_wait);
	tcase_add_test(tc, test_session_expiry_releases);
	tcase_add_test(tc, test_session_list);
	tcase_add_test(tc, test_release_and_restore);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_too_many_ranges);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(locks_suite());
}
