/*
 * register: keeps nodes/<id> alive in etcd under a lease (see register.h).
 *
 * One loop, three states: no lease (grant one and put the key), registered
 * (renew every ttl/3 and check the key is still there), and etcd unreachable
 * (keep the lease id and retry with back-off; when etcd answers again the
 * keepalive says whether the lease survived, and -ENOENT sends us back to
 * the first state).  Each state change is logged once, not once per retry.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/etcd.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "server/data/blockstore.h"
#include "server/data/data.h"
#include "server/data/register.h"

struct regist {
	struct data_server *ds;
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 stop;		/* protected by lock */
	int64_t		 lease;		/* owned by the thread until joined */
	char		*key;
	time_t		 started;
};

static int
nap(struct regist *r, unsigned s)
{
	return data_nap(&r->lock, &r->cond, &r->stop, s);
}

static char *
node_value(struct regist *r)
{
	struct data_server	*ds = r->ds;
	struct blockstore_stats	 st;
	struct cJSON		*o;
	char			*s;

	blockstore_stats(ds->store, &st);
	o = json_new_object();
	json_add_str(o, JF_ID, ds->conf.id);
	json_add_str(o, JF_ADDR, ds->addr);
	json_add_u64(o, JF_CAPACITY, st.capacity);
	json_add_u64(o, JF_USED, st.used);
	json_add_u64(o, JF_FREE, st.free);
	json_add_u64(o, JF_BLOCKS, st.blocks);
	json_add_i64(o, "started", (int64_t)r->started);
	s = json_print(o);
	cJSON_Delete(o);
	return s;
}

static int
put_key(struct regist *r, char *err, size_t errlen)
{
	char	*v;
	int	 rc;

	v = node_value(r);
	rc = etcd_put(r->ds->etcd, r->key, v, strlen(v), r->lease, NULL, err,
	    errlen);
	free(v);
	return rc;
}

static void *
regist_main(void *arg)
{
	struct regist	*r = arg;
	struct data_server *ds = r->ds;
	struct etcd_kv	 kv;
	unsigned	 backoff = 1, period;
	int		 rc, down = 0;
	char		 err[256];

	period = (unsigned)(ds->conf.lease_ttl / 3);
	if (period < 1)
		period = 1;
	while (!nap(r, 0)) {
		if (r->lease == 0) {
			rc = etcd_lease_grant(ds->etcd,
			    (int64_t)ds->conf.lease_ttl, &r->lease, err,
			    sizeof(err));
			if (rc == 0 && (rc = put_key(r, err, sizeof(err))) < 0) {
				char e2[64];

				(void)!etcd_lease_revoke(ds->etcd, r->lease,
				    e2, sizeof(e2));
				r->lease = 0;
			}
			if (rc < 0) {
				r->lease = 0;
				if (!down)
					log_warnx("register: etcd: %s; "
					    "retrying", err);
				down = 1;
				if (nap(r, backoff))
					break;
				backoff = backoff * 2 > REG_BACKOFF_MAX_S ?
				    REG_BACKOFF_MAX_S : backoff * 2;
				continue;
			}
			down = 0;
			backoff = 1;
			DATA_STAT_ADD(ds, registrations, 1);
			log_info("register: %s%s = %s with lease %lld "
			    "(ttl %llus)", EK_NODES, ds->conf.id, ds->addr,
			    (long long)r->lease,
			    (unsigned long long)ds->conf.lease_ttl);
		}
		if (nap(r, down ? backoff : period))
			break;
		rc = etcd_lease_keepalive(ds->etcd, r->lease, NULL, err,
		    sizeof(err));
		if (rc == -ENOENT) {
			log_warnx("register: lease %lld lost, registering "
			    "again", (long long)r->lease);
			r->lease = 0;
			down = 0;
			continue;
		}
		if (rc == 0) {
			rc = etcd_get(ds->etcd, r->key, &kv, err, sizeof(err));
			if (rc == 0)
				etcd_kv_release(&kv);
			else if (rc == -ENOENT) {
				log_warnx("register: %s vanished, putting it "
				    "back", r->key);
				rc = put_key(r, err, sizeof(err));
			}
		}
		if (rc < 0) {
			if (!down)
				log_warnx("register: etcd: %s; retrying",
				    err);
			down = 1;
			backoff = backoff * 2 > REG_BACKOFF_MAX_S ?
			    REG_BACKOFF_MAX_S : backoff * 2;
		} else {
			if (down)
				log_info("register: etcd reachable again, "
				    "lease %lld kept", (long long)r->lease);
			down = 0;
			backoff = 1;
		}
	}
	return NULL;
}

struct regist *
regist_start(struct data_server *ds)
{
	struct regist		*r;
	pthread_condattr_t	 ca;
	int			 rc;

	r = xcalloc(1, sizeof(*r));
	r->ds = ds;
	r->key = xasprintf("%s%s", EK_NODES, ds->conf.id);
	r->started = time(NULL);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&r->thread, NULL, regist_main, r)) != 0)
		fatalx("register: pthread_create: %d", rc);
	return r;
}

void
regist_stop(struct regist *r)
{
	char	 err[256];

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	if (r->lease != 0) {
		if (etcd_lease_revoke(r->ds->etcd, r->lease, err,
		    sizeof(err)) < 0)
			log_warnx("register: revoking lease %lld: %s",
			    (long long)r->lease, err);
		else
			log_info("register: lease %lld revoked, %s removed",
			    (long long)r->lease, r->key);
	}
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->key);
	free(r);
}
