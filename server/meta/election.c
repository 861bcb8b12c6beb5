/*
 * election: the campaign thread (lease, member key, campaign txn,
 * keepalive), the meta/leader watch that wakes standbys, fencing, and the
 * standby answer.  The protocol is described in election.h.
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

#include "common/errmap.h"
#include "common/etcd.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "server/meta/election.h"
#include "server/meta/meta.h"

struct election {
	struct etcd_client	*etcd;
	char			*id;
	char			*addr;
	int64_t			 ttl_s;
	int			(*on_lead)(void *, int64_t);
	void			(*on_lose)(void *);
	void			*arg;

	pthread_t		 thread;	/* campaign, takeover */
	pthread_t		 keeper;	/* lease keepalive */
	int			 started;
	struct etcd_watch	*watch;

	pthread_mutex_t		 mu;
	pthread_cond_t		 cond;		/* campaign thread wakeups */
	pthread_cond_t		 kcond;		/* keeper wakeups (stop) */
	/* protected by mu */
	int			 stop;
	int			 wake;		/* the leader key changed */
	int			 leader;	/* this node leads */
	int			 resign;	/* election_step_down asked */
	int			 lease_lost;	/* the keeper found it gone */
	int64_t			 fence_rev;	/* 0 when not leading */
	int64_t			 lease;		/* 0: none */
	int64_t			 renewed_ms;	/* last good keepalive */
	char			 leader_addr[MDFS_ADDR_MAX];
};

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct election *
election_new(struct etcd_client *etcd, const struct election_config *conf)
{
	struct election	*e = xcalloc(1, sizeof(*e));

	e->etcd = etcd;
	e->id = xstrdup(conf->id);
	e->addr = xstrdup(conf->addr);
	e->ttl_s = conf->ttl_s < 2 ? 2 : conf->ttl_s;
	e->on_lead = conf->on_lead;
	e->on_lose = conf->on_lose;
	e->arg = conf->arg;
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cond, NULL);
	pthread_cond_init(&e->kcond, NULL);
	return e;
}

int
election_is_leader(struct election *e)
{
	int	 r;

	pthread_mutex_lock(&e->mu);
	r = e->leader && mono_ms() - e->renewed_ms < e->ttl_s * 1000;
	pthread_mutex_unlock(&e->mu);
	return r;
}

void
election_leader(struct election *e, char *buf, size_t len)
{
	pthread_mutex_lock(&e->mu);
	snprintf(buf, len, "%s", e->leader_addr);
	pthread_mutex_unlock(&e->mu);
}

void
election_fence(struct election *e, struct etcd_txn *txn)
{
	int64_t	 rev;

	pthread_mutex_lock(&e->mu);
	rev = e->fence_rev;
	pthread_mutex_unlock(&e->mu);
	/* rev 0 never matches an existing key's create_revision, and an
	 * absent key compares as 0 only for a node that never won: use -1 */
	etcd_txn_cmp(txn, EK_LEADER, ETCD_CMP_CREATE, ETCD_EQUAL,
	    rev != 0 ? rev : -1);
}

void
election_step_down(struct election *e, const char *why)
{
	pthread_mutex_lock(&e->mu);
	if (e->leader || e->fence_rev != 0) {
		log_warnx("stepping down: %s", why);
		e->leader = 0;
		e->resign = 1;
		pthread_cond_broadcast(&e->cond);
	}
	pthread_mutex_unlock(&e->mu);
}

static void
watch_cb(enum etcd_event_type type, const struct etcd_kv *kv, int64_t rev,
    void *arg)
{
	struct election	*e = arg;

	(void)rev;
	pthread_mutex_lock(&e->mu);
	if (type == ETCD_WATCH_PUT && kv != NULL &&
	    strcmp(kv->key, EK_LEADER) == 0)
		snprintf(e->leader_addr, sizeof(e->leader_addr), "%s",
		    kv->value);
	else if (type == ETCD_WATCH_DELETE && kv != NULL &&
	    strcmp(kv->key, EK_LEADER) == 0 && !e->leader)
		e->leader_addr[0] = '\0';
	e->wake = 1;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->mu);
}

/* Leaves leadership (caller does not hold mu); calls on_lose when this
 * node had been answering as leader. */
static void
lose(struct election *e, int was_leader)
{
	pthread_mutex_lock(&e->mu);
	e->leader = 0;
	e->fence_rev = 0;
	if (strcmp(e->leader_addr, e->addr) == 0)
		e->leader_addr[0] = '\0';
	pthread_mutex_unlock(&e->mu);
	if (was_leader && e->on_lose != NULL)
		e->on_lose(e->arg);
}

/* Revokes the lease: the leader and member keys vanish at once. */
static void
drop_lease(struct election *e)
{
	char	 err[256];
	int64_t	 lease;

	pthread_mutex_lock(&e->mu);
	lease = e->lease;
	e->lease = 0;
	pthread_mutex_unlock(&e->mu);
	if (lease != 0 && etcd_lease_revoke(e->etcd, lease, err,
	    sizeof(err)) != 0 && etcd_lease_revoke(e->etcd, lease, err,
	    sizeof(err)) != 0)
		log_warnx("election: revoking the lease: %s", err);
}

static int
get_lease(struct election *e)
{
	char	 err[256], *key;
	int64_t	 lease;
	int	 rc;

	if ((rc = etcd_lease_grant(e->etcd, e->ttl_s, &lease, err,
	    sizeof(err))) != 0) {
		log_warnx("election: lease: %s", err);
		return rc;
	}
	key = xasprintf(EK_MEMBERS "%s", e->id);
	rc = etcd_put(e->etcd, key, e->addr, strlen(e->addr), lease, NULL,
	    err, sizeof(err));
	free(key);
	if (rc != 0) {
		log_warnx("election: member key: %s", err);
		/* the lease expires by itself if this fails too */
		if (etcd_lease_revoke(e->etcd, lease, err, sizeof(err)) != 0)
			log_debug("election: revoking: %s", err);
		return rc;
	}
	pthread_mutex_lock(&e->mu);
	e->lease = lease;
	e->renewed_ms = mono_ms();
	pthread_mutex_unlock(&e->mu);
	return 0;
}

/* One campaign txn.  Returns 1 won (fence revision in *rev), 0 lost, or
 * -errno. */
static int
campaign(struct election *e, int64_t lease, int64_t *rev)
{
	struct etcd_txn	*txn = etcd_txn_new();
	struct etcd_txn_result res = ETCD_TXN_RESULT_INIT;
	char		 err[256];
	int		 rc;

	etcd_txn_cmp(txn, EK_LEADER, ETCD_CMP_CREATE, ETCD_EQUAL, 0);
	etcd_txn_put(txn, 1, EK_LEADER, e->addr, strlen(e->addr), lease);
	etcd_txn_get(txn, 0, EK_LEADER);
	rc = etcd_txn_commit(e->etcd, txn, &res, err, sizeof(err));
	etcd_txn_free(txn);
	if (rc != 0) {
		log_warnx("election: campaign: %s", err);
		return rc;
	}
	if (res.succeeded) {
		*rev = res.revision;
		rc = 1;
	} else {
		pthread_mutex_lock(&e->mu);
		if (res.nranges > 0 && res.ranges[0].count > 0)
			snprintf(e->leader_addr, sizeof(e->leader_addr), "%s",
			    res.ranges[0].kvs[0].value);
		pthread_mutex_unlock(&e->mu);
		rc = 0;
	}
	etcd_txn_result_release(&res);
	return rc;
}

/* Deletes meta/leader if it is still ours (after a failed on_lead). */
static void
resign_key(struct election *e, int64_t rev)
{
	struct etcd_txn	*txn = etcd_txn_new();
	char		 err[256];

	etcd_txn_cmp(txn, EK_LEADER, ETCD_CMP_CREATE, ETCD_EQUAL, rev);
	etcd_txn_delete(txn, 1, EK_LEADER, 0);
	if (etcd_txn_commit(e->etcd, txn, NULL, err, sizeof(err)) != 0)
		log_warnx("election: resigning: %s", err);
	etcd_txn_free(txn);
}

static void
wait_ms(struct election *e, int64_t ms)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&e->mu);
	while (!e->stop && !e->wake && !e->resign && !e->lease_lost)
		if (pthread_cond_timedwait(&e->cond, &e->mu, &ts) != 0)
			break;
	e->wake = 0;
	pthread_mutex_unlock(&e->mu);
}

static void *
run(void *arg)
{
	struct election	*e = arg;
	int64_t		 lease, rev = 0, interval = e->ttl_s * 1000 / 3;
	int		 leader, resign, stop, lost, rc;

	for (;;) {
		pthread_mutex_lock(&e->mu);
		stop = e->stop;
		resign = e->resign;
		e->resign = 0;
		leader = e->fence_rev != 0;
		lost = e->lease_lost;
		if (lost)
			e->lease = 0;
		e->lease_lost = 0;
		lease = e->lease;
		pthread_mutex_unlock(&e->mu);
		if (stop)
			break;
		if (resign) {
			lose(e, leader);
			drop_lease(e);
			continue;
		}
		if (lost) {
			log_warnx("election: lease lost%s",
			    leader ? "; stepping down" : "");
			lose(e, leader);
			continue;
		}
		if (lease == 0) {
			if (get_lease(e) != 0) {
				wait_ms(e, 1000);
				continue;
			}
			continue;
		}
		if (!leader && (rc = campaign(e, lease, &rev)) == 1) {
			log_info("election: won (fencing revision %" PRId64
			    "); loading the namespace", rev);
			pthread_mutex_lock(&e->mu);
			e->fence_rev = rev;
			pthread_mutex_unlock(&e->mu);
			if (e->on_lead != NULL && e->on_lead(e->arg, rev) != 0) {
				log_warnx("election: taking over failed; "
				    "resigning");
				lose(e, 0);
				resign_key(e, rev);
				wait_ms(e, interval);
				continue;
			}
			pthread_mutex_lock(&e->mu);
			if (e->fence_rev == rev && !e->resign) {
				e->leader = 1;
				snprintf(e->leader_addr,
				    sizeof(e->leader_addr), "%s", e->addr);
				log_info("election: leading as %s", e->addr);
			}
			pthread_mutex_unlock(&e->mu);
			continue;
		}
		wait_ms(e, interval);
	}
	return NULL;
}

/*
 * The keeper renews the lease every third of the TTL on its own thread, so
 * the lease lives on while the campaign thread loads a large namespace.
 * An expired lease, or a whole TTL without a successful renewal, is lost.
 */
static void *
keep(void *arg)
{
	struct election	*e = arg;
	int64_t		 lease, ttl, interval = e->ttl_s * 1000 / 3;
	struct timespec	 ts;
	char		 err[256];
	int		 rc;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += interval / 1000;
		ts.tv_nsec += (interval % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&e->mu);
		while (!e->stop && pthread_cond_timedwait(&e->kcond, &e->mu,
		    &ts) == 0)
			;
		lease = e->lease;
		if (e->stop) {
			pthread_mutex_unlock(&e->mu);
			break;
		}
		pthread_mutex_unlock(&e->mu);
		if (lease == 0)
			continue;
		err[0] = '\0';
		rc = etcd_lease_keepalive(e->etcd, lease, &ttl, err,
		    sizeof(err));
		pthread_mutex_lock(&e->mu);
		if (e->lease == lease) {
			if (rc == 0)
				e->renewed_ms = mono_ms();
			else if (rc == -ENOENT || mono_ms() - e->renewed_ms >=
			    e->ttl_s * 1000) {
				log_warnx("election: keepalive: %s", err);
				e->lease_lost = 1;
				pthread_cond_broadcast(&e->cond);
			} else
				log_warnx("election: keepalive: %s", err);
		}
		pthread_mutex_unlock(&e->mu);
	}
	return NULL;
}

int
election_start(struct election *e, char *err, size_t errlen)
{
	int	 rc;

	e->watch = etcd_watch_start(e->etcd, EK_LEADER, 0, watch_cb, e, err,
	    errlen);
	if (e->watch == NULL)
		return -EIO;
	if ((rc = pthread_create(&e->keeper, NULL, keep, e)) != 0) {
		snprintf(err, errlen, "keepalive thread: %s", strerror(rc));
		etcd_watch_stop(e->watch);
		e->watch = NULL;
		return -rc;
	}
	if ((rc = pthread_create(&e->thread, NULL, run, e)) != 0) {
		snprintf(err, errlen, "election thread: %s", strerror(rc));
		pthread_mutex_lock(&e->mu);
		e->stop = 1;
		pthread_cond_broadcast(&e->kcond);
		pthread_mutex_unlock(&e->mu);
		pthread_join(e->keeper, NULL);
		etcd_watch_stop(e->watch);
		e->watch = NULL;
		return -rc;
	}
	e->started = 1;
	return 0;
}

void
election_stop(struct election *e)
{
	int	 leader;

	pthread_mutex_lock(&e->mu);
	if (e->stop) {
		pthread_mutex_unlock(&e->mu);
		return;
	}
	e->stop = 1;
	e->leader = 0;
	pthread_cond_broadcast(&e->cond);
	pthread_cond_broadcast(&e->kcond);
	pthread_mutex_unlock(&e->mu);
	if (e->started) {
		pthread_join(e->thread, NULL);
		pthread_join(e->keeper, NULL);
	}
	e->started = 0;
	if (e->watch != NULL)
		etcd_watch_stop(e->watch);
	e->watch = NULL;
	pthread_mutex_lock(&e->mu);
	leader = e->fence_rev != 0;
	pthread_mutex_unlock(&e->mu);
	lose(e, leader);
	drop_lease(e);
}

void
election_free(struct election *e)
{
	if (e == NULL)
		return;
	election_stop(e);
	pthread_mutex_destroy(&e->mu);
	pthread_cond_destroy(&e->cond);
	pthread_cond_destroy(&e->kcond);
	free(e->id);
	free(e->addr);
	free(e);
}

int
meta_require_leader(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	char		 leader[MDFS_ADDR_MAX], *loc;
	cJSON		*body;

	if (election_is_leader(m->election))
		return 0;
	election_leader(m->election, leader, sizeof(leader));
	if (leader[0] == '\0' || strcmp(leader, m->conf.advertise) == 0) {
		body = errmap_body(EAGAIN, "no leader is elected yet");
		json_add_str(body, JF_LEADER, "");
		httpd_resp_json(resp, errmap_status(EAGAIN), body);
		return 1;
	}
	body = json_new_object();
	json_add_str(body, JF_ERROR, MDFS_ERR_NOTLEADER);
	json_add_str(body, JF_MESSAGE, "this metaserver is a standby");
	json_add_str(body, JF_LEADER, leader);
	httpd_resp_json(resp, 307, body);
	(void)httpd_resp_header(resp, HTTP_HDR_LEADER, leader);
	loc = xasprintf("http://%s%s", leader, httpd_path(req));
	(void)httpd_resp_header(resp, "Location", loc);
	free(loc);
	return 1;
}
