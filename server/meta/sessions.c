/*
 * sessions: the client sessions (see sessions.h).  The table is a small
 * array (one entry per mount); etcd calls are made outside the table lock,
 * and the gone-callbacks always run without it.  The leader's tick is the
 * authority on expiry; the etcd lease is what makes a session outlive the
 * leader and what removes its key when nobody renews it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/etcd.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/strnum.h"
#include "common/xalloc.h"
#include "server/meta/sessions.h"

#define SESSIONS_TICK_MS	1000

struct session {
	uint64_t	 id;
	char		 client[SESSIONS_CLIENT_MAX];
	int64_t		 deadline_ms;
};

struct sessions {
	pthread_mutex_t	 lock;
	pthread_cond_t	 stop_cond;
	struct etcd_client *etcd;
	unsigned	 ttl_s;
	sessions_fence_fn fence;
	struct election	*election;
	struct {
		sessions_gone_cb cb;
		void	*arg;
	} cbs[SESSIONS_MAX_CALLBACKS];
	size_t		 ncbs;
	struct session	*v;		/* protected by lock */
	size_t		 n, cap;
	uint64_t	 next_id;	/* memory-only ids */
	int		 leader;
	int64_t		(*now_ms)(void *);
	void		*now_arg;
	pthread_t	 thread;
	int		 thread_started;
	int		 stop;
	struct locks	*locks;		/* persisted and restored, or NULL */
	pthread_mutex_t	 save_lock;	/* serializes sessions_save_locks */
};

static int64_t
mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sessions *
sessions_new(struct etcd_client *etcd, unsigned ttl_s, sessions_fence_fn fence,
    struct election *election)
{
	struct sessions	*s = xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->save_lock, NULL);
	pthread_cond_init(&s->stop_cond, NULL);
	s->etcd = etcd;
	s->ttl_s = ttl_s < 2 ? 2 : ttl_s;
	s->fence = fence;
	s->election = election;
	s->now_ms = mono_ms;
	return s;
}

void
sessions_free(struct sessions *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_mutex_unlock(&s->lock);
	pthread_cond_broadcast(&s->stop_cond);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	free(s->v);
	pthread_cond_destroy(&s->stop_cond);
	pthread_mutex_destroy(&s->save_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int
sessions_on_gone(struct sessions *s, sessions_gone_cb cb, void *arg)
{
	if (s->ncbs == SESSIONS_MAX_CALLBACKS)
		return -E2BIG;
	s->cbs[s->ncbs].cb = cb;
	s->cbs[s->ncbs].arg = arg;
	s->ncbs++;
	return 0;
}

void
sessions_set_clock(struct sessions *s, int64_t (*now_ms)(void *), void *arg)
{
	pthread_mutex_lock(&s->lock);
	s->now_ms = now_ms ? now_ms : mono_ms;
	s->now_arg = arg;
	pthread_mutex_unlock(&s->lock);
}

unsigned
sessions_ttl(const struct sessions *s)
{
	return s->ttl_s;
}

static struct session *
find(struct sessions *s, uint64_t id)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return &s->v[i];
	return NULL;
}

/* Adds a session; lock held. */
static void
add(struct sessions *s, uint64_t id, const char *client, int64_t deadline)
{
	struct session	*x;

	if ((x = find(s, id)) == NULL) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 16;
			s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
		}
		x = &s->v[s->n++];
	}
	memset(x, 0, sizeof(*x));
	x->id = id;
	snprintf(x->client, sizeof(x->client), "%s", client ? client : "");
	x->deadline_ms = deadline;
}

/* Removes a session; lock held.  Returns 1 when it existed. */
static int
del(struct sessions *s, uint64_t id)
{
	struct session	*x;

	if ((x = find(s, id)) == NULL)
		return 0;
	*x = s->v[--s->n];
	return 1;
}

/* Calls every callback for id, then revokes its lease; no lock held. */
static void
gone(struct sessions *s, uint64_t id, const char *why)
{
	char	 err[256];
	size_t	 i;

	log_info("session %016" PRIx64 " %s", id, why);
	for (i = 0; i < s->ncbs; i++)
		s->cbs[i].cb(id, s->cbs[i].arg);
	if (s->etcd != NULL && etcd_lease_revoke(s->etcd, (int64_t)id, err,
	    sizeof(err)) != 0)
		log_debug("session %016" PRIx64 ": revoke: %s", id, err);
}

static char *
session_key(uint64_t id)
{
	return xasprintf("%s%016" PRIx64, EK_SESSIONS, id);
}

int
sessions_open(struct sessions *s, const char *client, uint64_t *id)
{
	struct etcd_txn	*txn;
	struct etcd_txn_result res = ETCD_TXN_RESULT_INIT;
	char		 err[256], *key, *val, cl[SESSIONS_CLIENT_MAX];
	int64_t		 lease;
	cJSON		*o;
	int		 rc;

	snprintf(cl, sizeof(cl), "%s", client ? client : "");
	if (s->etcd == NULL) {
		pthread_mutex_lock(&s->lock);
		*id = ++s->next_id;
		add(s, *id, cl, s->now_ms(s->now_arg) +
		    (int64_t)s->ttl_s * 1000);
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	if ((rc = etcd_lease_grant(s->etcd, s->ttl_s, &lease, err,
	    sizeof(err))) != 0) {
		log_warnx("session open: lease: %s", err);
		return rc;
	}
	o = json_new_object();
	json_add_u64(o, JF_ID, (uint64_t)lease);
	json_add_str(o, JF_CLIENT, cl);
	val = json_print(o);
	cJSON_Delete(o);
	key = session_key((uint64_t)lease);
	txn = etcd_txn_new();
	if (s->fence != NULL)
		s->fence(s->election, txn);
	etcd_txn_put(txn, 1, key, val, strlen(val), lease);
	rc = etcd_txn_commit(s->etcd, txn, &res, err, sizeof(err));
	etcd_txn_free(txn);
	free(key);
	free(val);
	if (rc == 0 && !res.succeeded)
		rc = -EAGAIN;	/* fenced out: no longer the leader */
	etcd_txn_result_release(&res);
	if (rc != 0) {
		log_warnx("session open: %s", rc == -EAGAIN ?
		    "not the leader any more" : err);
		if (etcd_lease_revoke(s->etcd, lease, NULL, 0) != 0)
			log_debug("session open: revoking the lease failed");
		return rc;
	}
	pthread_mutex_lock(&s->lock);
	add(s, (uint64_t)lease, cl, s->now_ms(s->now_arg) +
	    (int64_t)s->ttl_s * 1000);
	pthread_mutex_unlock(&s->lock);
	*id = (uint64_t)lease;
	return 0;
}

int
sessions_renew(struct sessions *s, uint64_t id, unsigned *ttl_s)
{
	char	 err[256];
	int	 rc, known;

	pthread_mutex_lock(&s->lock);
	known = find(s, id) != NULL &&
	    find(s, id)->deadline_ms > s->now_ms(s->now_arg);
	pthread_mutex_unlock(&s->lock);
	if (!known)
		return -ENOENT;
	if (s->etcd != NULL && id <= INT64_MAX) {
		rc = etcd_lease_keepalive(s->etcd, (int64_t)id, NULL, err,
		    sizeof(err));
		if (rc == -ENOENT) {
			/* etcd let it expire: it is gone for everybody */
			pthread_mutex_lock(&s->lock);
			known = del(s, id);
			pthread_mutex_unlock(&s->lock);
			if (known)
				gone(s, id, "expired in etcd");
			return -ENOENT;
		}
		if (rc != 0) {
			log_warnx("session renew: %s", err);
			return rc;
		}
	}
	pthread_mutex_lock(&s->lock);
	if (find(s, id) == NULL)
		rc = -ENOENT;	/* expired while we talked to etcd */
	else {
		find(s, id)->deadline_ms = s->now_ms(s->now_arg) +
		    (int64_t)s->ttl_s * 1000;
		rc = 0;
	}
	pthread_mutex_unlock(&s->lock);
	if (rc == 0 && ttl_s != NULL)
		*ttl_s = s->ttl_s;
	return rc;
}

int
sessions_close(struct sessions *s, uint64_t id)
{
	int	 known;

	pthread_mutex_lock(&s->lock);
	known = del(s, id);
	pthread_mutex_unlock(&s->lock);
	if (!known)
		return -ENOENT;
	gone(s, id, "closed");
	return 0;
}

int
sessions_valid(struct sessions *s, uint64_t id)
{
	struct session	*x;
	int		 ok;

	pthread_mutex_lock(&s->lock);
	ok = (x = find(s, id)) != NULL &&
	    x->deadline_ms > s->now_ms(s->now_arg);
	pthread_mutex_unlock(&s->lock);
	return ok;
}

size_t
sessions_count(struct sessions *s)
{
	size_t	 n;

	pthread_mutex_lock(&s->lock);
	n = s->n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static int
info_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct sessions_info *)a)->id;
	uint64_t y = ((const struct sessions_info *)b)->id;

	return x < y ? -1 : x > y;
}

int
sessions_list(struct sessions *s, struct sessions_info **out, size_t *n)
{
	struct sessions_info *v;
	int64_t	 now;
	size_t	 i;

	pthread_mutex_lock(&s->lock);
	if ((v = calloc(s->n ? s->n : 1, sizeof(*v))) == NULL) {
		pthread_mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	now = s->now_ms(s->now_arg);
	for (i = 0; i < s->n; i++) {
		v[i].id = s->v[i].id;
		memcpy(v[i].client, s->v[i].client, sizeof(v[i].client));
		v[i].expires_in_ms = s->v[i].deadline_ms - now;
	}
	*n = s->n;
	pthread_mutex_unlock(&s->lock);
	qsort(v, *n, sizeof(*v), info_cmp);
	*out = v;
	return 0;
}

size_t
sessions_tick(struct sessions *s)
{
	uint64_t *ids = NULL;
	size_t	 i, n = 0;
	int64_t	 now;

	pthread_mutex_lock(&s->lock);
	now = s->now_ms(s->now_arg);
	for (i = 0; i < s->n; i++)
		if (s->v[i].deadline_ms <= now)
			n++;
	if (n > 0) {
		ids = xcalloc(n, sizeof(*ids));
		n = 0;
		for (i = 0; i < s->n; )
			if (s->v[i].deadline_ms <= now) {
				ids[n++] = s->v[i].id;
				s->v[i] = s->v[--s->n];
			} else
				i++;
	}
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < n; i++)
		gone(s, ids[i], "expired");
	free(ids);
	return n;
}

static void *
tick_thread(void *arg)
{
	struct sessions	*s = arg;
	struct timespec	 ts;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += SESSIONS_TICK_MS / 1000;
		pthread_cond_timedwait(&s->stop_cond, &s->lock, &ts);
		if (s->stop || !s->leader)
			continue;
		pthread_mutex_unlock(&s->lock);
		(void)sessions_tick(s);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int
sessions_start(struct sessions *s)
{
	int	 rc;

	if ((rc = pthread_create(&s->thread, NULL, tick_thread, s)) != 0)
		return -rc;
	s->thread_started = 1;
	return 0;
}

/* Loads meta/sessions/ at takeover.  Each session's lease is renewed at
 * once, so memory and etcd agree on a full TTL; a lease that already
 * expired is skipped (its key is gone, or goes with it). */
static void
load(struct sessions *s)
{
	struct etcd_range r = ETCD_RANGE_INIT;
	char		 err[256];
	size_t		 i, loaded = 0;

	if (etcd_range(s->etcd, EK_SESSIONS, NULL, 0, 0, 0, &r, err,
	    sizeof(err)) != 0) {
		log_warnx("sessions: loading: %s", err);
		return;
	}
	for (i = 0; i < r.count; i++) {
		const char	*client = "";
		uint64_t	 id;
		cJSON		*v;

		if (parse_hex_u64(r.kvs[i].key + strlen(EK_SESSIONS),
		    &id) != 0 || id == 0 || id > INT64_MAX ||
		    r.kvs[i].lease != (int64_t)id) {
			log_warnx("sessions: ignoring key %s", r.kvs[i].key);
			continue;
		}
		if (etcd_lease_keepalive(s->etcd, (int64_t)id, NULL, NULL,
		    0) != 0)
			continue;
		v = json_parse(r.kvs[i].value, r.kvs[i].value_len, NULL, 0);
		if (v != NULL)
			(void)json_get_str(v, JF_CLIENT, &client);
		pthread_mutex_lock(&s->lock);
		add(s, id, client, s->now_ms(s->now_arg) +
		    (int64_t)s->ttl_s * 1000);
		pthread_mutex_unlock(&s->lock);
		cJSON_Delete(v);
		loaded++;
	}
	etcd_range_release(&r);
	log_info("sessions: %zu loaded", loaded);
}

/* ---- lock persistence ----------------------------------------------------- */

void
sessions_set_locks(struct sessions *s, struct locks *l)
{
	s->locks = l;
}

static const char *
kind_letter(enum locks_kind k)
{
	return k == LOCKS_FLOCK ? "f" : "p";
}

static char *
locks_key(uint64_t session, uint64_t ino, enum locks_kind k, uint64_t owner)
{
	return xasprintf("%s%016" PRIx64 "/%016" PRIx64 "/%s%016" PRIx64,
	    EK_LOCKS, session, ino, kind_letter(k), owner);
}

int
sessions_save_locks(struct sessions *s, enum locks_kind kind, uint64_t ino,
    uint64_t session, uint64_t owner)
{
	struct etcd_txn	*txn;
	struct etcd_txn_result res = ETCD_TXN_RESULT_INIT;
	struct locks_req *v;
	char		 err[256], *key, *val = NULL;
	size_t		 n, i;
	int		 rc;
	cJSON		*o, *arr;

	if (s->etcd == NULL || s->locks == NULL)
		return 0;
	if (session == 0 || session > INT64_MAX)
		return -ESRCH;
	pthread_mutex_lock(&s->save_lock);
	if ((rc = locks_owner_ranges(s->locks, kind, ino, session, owner, &v,
	    &n)) != 0) {
		pthread_mutex_unlock(&s->save_lock);
		return rc;
	}
	key = locks_key(session, ino, kind, owner);
	txn = etcd_txn_new();
	if (s->fence != NULL)
		s->fence(s->election, txn);
	if (n == 0)
		etcd_txn_delete(txn, 1, key, 0);
	else {
		o = json_new_object();
		arr = json_new_array();
		for (i = 0; i < n; i++) {
			cJSON *e = json_new_object();

			json_add_str(e, JF_TYPE, v[i].type == LOCKS_WRITE ?
			    LOCK_TYPE_WRITE : LOCK_TYPE_READ);
			json_add_u64(e, JF_START, v[i].start);
			json_add_u64(e, JF_END, v[i].end);
			json_add_num(e, JF_PID, v[i].pid);
			cJSON_AddItemToArray(arr, e);
		}
		cJSON_AddItemToObject(o, "ranges", arr);
		val = json_print(o);
		cJSON_Delete(o);
		etcd_txn_put(txn, 1, key, val, strlen(val), (int64_t)session);
	}
	rc = etcd_txn_commit(s->etcd, txn, &res, err, sizeof(err));
	if (rc == 0 && !res.succeeded)
		rc = -EAGAIN;
	else if (rc == -ENOENT || (rc == -EINVAL && strstr(err, "lease")))
		rc = -ESRCH;	/* the session's lease expired */
	if (rc != 0 && rc != -EAGAIN)
		log_warnx("saving locks of session %016" PRIx64 ": %s",
		    session, err);
	etcd_txn_result_release(&res);
	etcd_txn_free(txn);
	pthread_mutex_unlock(&s->save_lock);
	free(key);
	free(val);
	free(v);
	return rc;
}

/* Parses one meta/locks/ record and restores its ranges; lock held by
 * nobody (called at takeover).  Returns the ranges restored. */
static size_t
restore_one(struct sessions *s, const struct etcd_kv *kv)
{
	const char	*k = kv->key + strlen(EK_LOCKS), *t;
	char		 sbuf[17], ibuf[17];
	uint64_t	 session, ino, owner;
	enum locks_kind	 kind;
	const cJSON	*arr, *e;
	struct locks_req r;
	size_t		 got = 0;
	cJSON		*o;

	/* <16 hex>/<16 hex>/<p|f><16 hex> */
	if (strlen(k) != 16 + 1 + 16 + 1 + 1 + 16 || k[16] != '/' ||
	    k[33] != '/' || (k[34] != 'p' && k[34] != 'f'))
		return 0;
	memcpy(sbuf, k, 16);
	sbuf[16] = '\0';
	memcpy(ibuf, k + 17, 16);
	ibuf[16] = '\0';
	if (parse_hex_u64(sbuf, &session) != 0 ||
	    parse_hex_u64(ibuf, &ino) != 0 ||
	    parse_hex_u64(k + 35, &owner) != 0)
		return 0;
	kind = k[34] == 'f' ? LOCKS_FLOCK : LOCKS_POSIX;
	if (!sessions_valid(s, session))
		return 0;	/* its session is gone: so are its locks */
	if ((o = json_parse(kv->value, kv->value_len, NULL, 0)) == NULL)
		return 0;
	if (json_get_array(o, "ranges", &arr) == 0) {
		cJSON_ArrayForEach(e, arr) {
			memset(&r, 0, sizeof(r));
			r.ino = ino;
			r.session = session;
			r.owner = owner;
			if (json_get_str(e, JF_TYPE, &t) != 0 ||
			    json_get_u64(e, JF_START, &r.start) != 0 ||
			    json_get_u64(e, JF_END, &r.end) != 0)
				continue;
			(void)json_get_u32(e, JF_PID, &r.pid);
			r.type = strcmp(t, LOCK_TYPE_WRITE) == 0 ?
			    LOCKS_WRITE : LOCKS_READ;
			if (locks_restore(s->locks, kind, &r) == 0)
				got++;
		}
	}
	cJSON_Delete(o);
	return got;
}

static void
load_locks(struct sessions *s)
{
	struct etcd_range r = ETCD_RANGE_INIT;
	char		 err[256];
	size_t		 i, got = 0;

	locks_clear(s->locks);
	if (etcd_range(s->etcd, EK_LOCKS, NULL, 0, 0, 0, &r, err,
	    sizeof(err)) != 0) {
		log_warnx("sessions: loading locks: %s", err);
		return;
	}
	for (i = 0; i < r.count; i++)
		got += restore_one(s, &r.kvs[i]);
	etcd_range_release(&r);
	log_info("sessions: %zu lock ranges restored", got);
}

void
sessions_set_leader(struct sessions *s, int leader)
{
	pthread_mutex_lock(&s->lock);
	s->leader = leader ? 1 : 0;
	if (!leader)
		s->n = 0;	/* the next leader owns them */
	pthread_mutex_unlock(&s->lock);
	if (!leader && s->locks != NULL)
		locks_clear(s->locks);
	if (leader && s->etcd != NULL) {
		load(s);
		if (s->locks != NULL)
			load_locks(s);
	}
}
