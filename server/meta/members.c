/*
 * members: the cluster module's etcd side.  Loads nodes/ (the dataservers'
 * registrations, put under their leases) and meta/drain/ (decommission
 * marks), watches both, persists decommission marks, and runs the tick
 * thread.  When etcd reports that a watch fell behind a compaction, the tick
 * thread reloads and watches anew (a watch cannot be stopped from its own
 * callback).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/etcd.h"
#include "common/json.h"
#include "common/log.h"
#include "common/names.h"
#include "common/xalloc.h"
#include "server/meta/cluster_int.h"

/* Applies one nodes/ or meta/drain/ event; cluster->lock held. */
static void
apply(struct cluster *c, enum etcd_event_type t, const struct etcd_kv *kv)
{
	size_t		 nl = strlen(EK_NODES), dl = strlen(EK_DRAIN);
	const char	*id, *addr = NULL;
	uint64_t	 cap = 0;
	cJSON		*v;

	if (strncmp(kv->key, EK_NODES, nl) == 0) {
		id = kv->key + nl;
		if (t == ETCD_WATCH_DELETE) {
			cl_node_unregister(c, id);
			return;
		}
		if ((v = json_parse(kv->value, kv->value_len, NULL, 0)) ==
		    NULL || json_get_str(v, JF_ADDR, &addr) != 0) {
			log_warnx("cluster: unreadable registration %s",
			    kv->key);
			cJSON_Delete(v);
			return;
		}
		(void)json_get_u64(v, JF_CAPACITY, &cap);
		cl_node_register(c, id, addr, cap);
		cJSON_Delete(v);
	} else if (strncmp(kv->key, EK_DRAIN, dl) == 0) {
		id = kv->key + dl;
		if (!names_node_id_valid(id))
			return;
		if (t == ETCD_WATCH_PUT && cl_node_get(c, id, NULL) != NULL)
			(void)cl_node_drain(c, id, 1);
		else if (t == ETCD_WATCH_DELETE)
			(void)cl_node_drain(c, id, 0);
	}
}

static void
on_event(enum etcd_event_type t, const struct etcd_kv *kv, int64_t rev,
    void *arg)
{
	struct cluster	*c = arg;

	(void)rev;
	pthread_mutex_lock(&c->lock);
	if (t == ETCD_WATCH_COMPACTED)
		c->reload = 1;
	else
		apply(c, t, kv);
	pthread_mutex_unlock(&c->lock);
	if (t == ETCD_WATCH_COMPACTED)
		pthread_cond_broadcast(&c->stop_cond);
}

/* Reads every key under prefix (a handful: one per dataserver) and applies
 * them.  Returns 0 and the revision, or an etcd error. */
static int
load(struct cluster *c, const char *prefix, int64_t *rev)
{
	struct etcd_range r = ETCD_RANGE_INIT;
	char		 err[256];
	size_t		 i;
	int		 rc;

	rc = etcd_range(c->etcd, prefix, NULL, 0, 0, 0, &r, err, sizeof(err));
	if (rc != 0) {
		log_warnx("cluster: reading %s: %s", prefix, err);
		return rc;
	}
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < r.count; i++)
		apply(c, ETCD_WATCH_PUT, &r.kvs[i]);
	pthread_mutex_unlock(&c->lock);
	*rev = r.revision;
	etcd_range_release(&r);
	return 0;
}

static void
stop_watches(struct cluster *c)
{
	if (c->watch != NULL)
		etcd_watch_stop(c->watch);
	if (c->drain_watch != NULL)
		etcd_watch_stop(c->drain_watch);
	c->watch = c->drain_watch = NULL;
}

static int
reload_and_watch(struct cluster *c)
{
	char	 err[256];
	int64_t	 rev_nodes = 0, rev_drain = 0;
	size_t	 i;
	int	 rc;

	stop_watches(c);
	pthread_mutex_lock(&c->lock);
	c->reload = 0;
	/* a node whose key vanished while we were not watching is gone */
	for (i = 0; i < c->nnodes; i++)
		c->nodes[i].registered = 0;
	for (i = 0; i < c->nnodes; i++)
		c->nodes[i].draining = 0;
	pthread_mutex_unlock(&c->lock);
	if ((rc = load(c, EK_NODES, &rev_nodes)) != 0 ||
	    (rc = load(c, EK_DRAIN, &rev_drain)) != 0)
		return rc;
	c->watch = etcd_watch_start(c->etcd, EK_NODES, rev_nodes + 1,
	    on_event, c, err, sizeof(err));
	if (c->watch == NULL) {
		log_warnx("cluster: watching %s: %s", EK_NODES, err);
		return -EIO;
	}
	c->drain_watch = etcd_watch_start(c->etcd, EK_DRAIN, rev_drain + 1,
	    on_event, c, err, sizeof(err));
	if (c->drain_watch == NULL) {
		log_warnx("cluster: watching %s: %s", EK_DRAIN, err);
		stop_watches(c);
		return -EIO;
	}
	return 0;
}

static void *
tick_thread(void *arg)
{
	struct cluster	*c = arg;
	struct timespec	 ts;
	int		 reload;

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += CLUSTER_TICK_MS / 1000;
		pthread_cond_timedwait(&c->stop_cond, &c->lock, &ts);
		if (c->stop)
			break;
		reload = c->reload;
		pthread_mutex_unlock(&c->lock);
		if (reload && c->etcd != NULL &&
		    reload_and_watch(c) != 0) {
			pthread_mutex_lock(&c->lock);
			c->reload = 1;	/* try again next tick */
			pthread_mutex_unlock(&c->lock);
		}
		cluster_tick(c);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void
detach(struct cluster *c)
{
	pthread_mutex_lock(&c->lock);
	c->stop = 1;
	pthread_mutex_unlock(&c->lock);
	pthread_cond_broadcast(&c->stop_cond);
	if (c->thread_started)
		pthread_join(c->thread, NULL);
	c->thread_started = 0;
	stop_watches(c);
}

int
cluster_start(struct cluster *c)
{
	int	 rc;

	c->detach = detach;
	if (c->etcd != NULL && (rc = reload_and_watch(c)) != 0)
		return rc;
	if ((rc = pthread_create(&c->thread, NULL, tick_thread, c)) != 0) {
		stop_watches(c);
		return -rc;
	}
	c->thread_started = 1;
	return 0;
}

int
cluster_decommission(struct cluster *c, const char *node_id, int on)
{
	char	 err[256], *key;
	int	 rc;

	if (!names_node_id_valid(node_id))
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	rc = cl_node_find(c, node_id, NULL) == NULL ? -ENOENT : 0;
	pthread_mutex_unlock(&c->lock);
	if (rc != 0)
		return rc;
	if (c->etcd != NULL) {
		key = xasprintf("%s%s", EK_DRAIN, node_id);
		if (on)
			rc = etcd_put(c->etcd, key, "1", 1, 0, NULL, err,
			    sizeof(err));
		else
			rc = etcd_delete(c->etcd, key, 0, NULL, err,
			    sizeof(err));
		free(key);
		if (rc != 0) {
			log_warnx("cluster: decommission %s: %s", node_id,
			    err);
			return rc;
		}
	}
	pthread_mutex_lock(&c->lock);
	rc = cl_node_drain(c, node_id, on);
	pthread_mutex_unlock(&c->lock);
	return rc;
}
