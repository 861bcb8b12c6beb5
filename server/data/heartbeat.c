/*
 * heartbeat: reports to the metaserver leader and runs its commands (see
 * heartbeat.h).  Two threads: the reporter (heartbeats and block reports,
 * with its own httpc) and the command worker (a bounded FIFO of commands).
 *
 * Changes are taken from the store's change log at most MDFS_REPORT_BATCH at
 * a time and put back when the heartbeat fails, so nothing is lost while the
 * metaserver is away; after a failure the next contact starts with a full
 * report anyway, since the leader may have changed or restarted.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/blockid.h"
#include "common/etcd.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "server/data/blockstore.h"
#include "server/data/chain.h"
#include "server/data/data.h"
#include "server/data/heartbeat.h"

enum cmd_op {
	CMD_OP_DELETE,
	CMD_OP_FETCH,
	CMD_OP_PUSH,
	CMD_OP_VERIFY,
};

struct cmd {
	enum cmd_op	 op;
	char		 id[BLOCKID_BUFSZ];
	char		 addr[MDFS_ADDR_MAX];	/* from / to */
};

struct heartbeat {
	struct data_server *ds;
	pthread_t	 reporter;
	pthread_t	 worker;
	struct httpc	*http;		/* the reporter's own */
	char		 leader[MDFS_ADDR_MAX];

	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 stop;		/* protected by lock */
	struct cmd	*q;		/* ring; protected by lock */
	size_t		 qhead;		/* protected by lock */
	size_t		 qlen;		/* protected by lock */
};

struct report_ctx {
	struct heartbeat *hb;
	struct cJSON	*batch;		/* the "blocks" array being filled */
	size_t		 n;		/* entries in batch */
	unsigned	 seq;
	uint64_t	 total;
	int		 rc;
	char		 err[256];
};

static int
nap(struct heartbeat *hb, unsigned s)
{
	return data_nap(&hb->lock, &hb->cond, &hb->stop, s);
}

/* The leader from etcd, or the configured address. */
static void
find_leader(struct heartbeat *hb, char *out, size_t len)
{
	struct data_server	*ds = hb->ds;
	struct etcd_kv		 kv;
	char			 err[128];

	if (etcd_get(ds->etcd, EK_LEADER, &kv, err, sizeof(err)) == 0) {
		if (chain_addr_valid(kv.value)) {
			snprintf(out, len, "%s", kv.value);
			etcd_kv_release(&kv);
			return;
		}
		log_warnx("heartbeat: %s holds \"%.64s\", not a host:port",
		    EK_LEADER, kv.value);
		etcd_kv_release(&kv);
	}
	snprintf(out, len, "%s", ds->conf.meta_address);
}

/* POSTs body to the leader's route; *ans (may be NULL) gets the answer. */
static int
post(struct heartbeat *hb, const char *route, const struct cJSON *body,
    struct cJSON **ans, char *err, size_t errlen)
{
	struct httpc_header	 hdr[1];
	char			 tok[TOKEN_MAX_LEN], *url;
	struct cJSON		*a = NULL;
	size_t			 nh = 0;
	long			 status = 0;
	int			 rc;

	if (data_cluster_token(hb->ds, tok, sizeof(tok))) {
		hdr[0].name = HTTP_HDR_AUTH;
		hdr[0].value = tok;
		nh = 1;
	}
	url = data_url(hb->ds, hb->leader, route);
	rc = httpc_json(hb->http, "POST", url, hdr, nh, body, &status, &a,
	    err, errlen);
	free(url);
	if (ans != NULL)
		*ans = a;
	else
		cJSON_Delete(a);
	return rc;
}

static int
send_batch(struct report_ctx *rc, int last)
{
	struct heartbeat	*hb = rc->hb;
	struct cJSON		*o;
	int			 r;

	o = json_new_object();
	json_add_str(o, JF_ID, hb->ds->conf.id);
	json_add_num(o, JF_SEQ, rc->seq);
	json_add_bool(o, JF_LAST, last);
	cJSON_AddItemToObject(o, JF_BLOCKS, rc->batch);
	r = post(hb, META_ROUTE_BLOCKREPORT, o, NULL, rc->err,
	    sizeof(rc->err));
	cJSON_Delete(o);
	rc->batch = json_new_array();
	rc->n = 0;
	rc->seq++;
	return r;
}

static int
report_one(const char *id, uint64_t size, void *arg)
{
	struct report_ctx	*rc = arg;
	struct cJSON		*b;

	b = json_new_object();
	json_add_str(b, JF_ID, id);
	json_add_u64(b, JF_SIZE, size);
	cJSON_AddItemToArray(rc->batch, b);
	rc->n++;
	rc->total++;
	if (rc->n == MDFS_REPORT_BATCH &&
	    (rc->rc = send_batch(rc, 0)) < 0)
		return 1;
	return 0;
}

static int
full_report(struct heartbeat *hb)
{
	struct report_ctx	 rc;

	memset(&rc, 0, sizeof(rc));
	rc.hb = hb;
	rc.batch = json_new_array();
	if (blockstore_foreach(hb->ds->store, report_one, &rc) != 0 &&
	    rc.rc == 0)
		rc.rc = -EIO;
	if (rc.rc == 0)
		rc.rc = send_batch(&rc, 1);
	cJSON_Delete(rc.batch);
	if (rc.rc < 0) {
		log_debug("heartbeat: full report to %s failed: %s",
		    hb->leader, rc.err[0] ? rc.err : strerror(-rc.rc));
		return rc.rc;
	}
	DATA_STAT_ADD(hb->ds, full_reports, 1);
	log_info("heartbeat: full report to %s: %llu blocks in %u batch(es)",
	    hb->leader, (unsigned long long)rc.total, rc.seq);
	return 0;
}

/* Queues a command unless the same one is already waiting. */
static void
enqueue(struct heartbeat *hb, const struct cmd *c)
{
	size_t	 i;
	struct cmd *q;

	pthread_mutex_lock(&hb->lock);
	for (i = 0; i < hb->qlen; i++) {
		q = &hb->q[(hb->qhead + i) % HB_CMD_QUEUE_MAX];
		if (q->op == c->op && strcmp(q->id, c->id) == 0 &&
		    strcmp(q->addr, c->addr) == 0) {
			pthread_mutex_unlock(&hb->lock);
			return;
		}
	}
	if (hb->qlen == HB_CMD_QUEUE_MAX) {
		pthread_mutex_unlock(&hb->lock);
		log_warnx("heartbeat: command queue full, dropping %s",
		    c->id);
		return;
	}
	hb->q[(hb->qhead + hb->qlen++) % HB_CMD_QUEUE_MAX] = *c;
	pthread_cond_broadcast(&hb->cond);
	pthread_mutex_unlock(&hb->lock);
}

/* Checks and queues the commands of a heartbeat answer. */
static void
take_commands(struct heartbeat *hb, const struct cJSON *ans)
{
	const struct cJSON	*arr, *it;
	const char		*op, *id, *addr;
	struct cmd		 c;

	if (json_get_array(ans, JF_COMMANDS, &arr) < 0)
		return;
	cJSON_ArrayForEach(it, arr) {
		memset(&c, 0, sizeof(c));
		if (json_get_str(it, JF_OP, &op) < 0 ||
		    json_get_str(it, JF_ID, &id) < 0 || !blockid_valid(id)) {
			log_warnx("heartbeat: malformed command ignored");
			continue;
		}
		snprintf(c.id, sizeof(c.id), "%s", id);
		if (strcmp(op, CMD_DELETE) == 0)
			c.op = CMD_OP_DELETE;
		else if (strcmp(op, CMD_VERIFY) == 0)
			c.op = CMD_OP_VERIFY;
		else if (strcmp(op, CMD_FETCH) == 0 &&
		    json_get_str(it, JF_FROM, &addr) == 0 &&
		    chain_addr_valid(addr)) {
			c.op = CMD_OP_FETCH;
			snprintf(c.addr, sizeof(c.addr), "%s", addr);
		} else if (strcmp(op, CMD_PUSH) == 0 &&
		    json_get_str(it, JF_TO, &addr) == 0 &&
		    chain_addr_valid(addr)) {
			c.op = CMD_OP_PUSH;
			snprintf(c.addr, sizeof(c.addr), "%s", addr);
		} else {
			log_warnx("heartbeat: bad command \"%.16s\" for %s "
			    "ignored", op, id);
			continue;
		}
		enqueue(hb, &c);
	}
}

static void
add_change(struct cJSON *added, struct cJSON *removed, struct cJSON *bad,
    const struct bs_change *c)
{
	struct cJSON	*o;

	switch (c->kind) {
	case BS_ADDED:
		o = json_new_object();
		json_add_str(o, JF_ID, c->id);
		json_add_u64(o, JF_SIZE, c->size);
		cJSON_AddItemToArray(added, o);
		break;
	case BS_REMOVED:
		cJSON_AddItemToArray(removed, cJSON_CreateString(c->id));
		break;
	case BS_BAD:
		cJSON_AddItemToArray(bad, cJSON_CreateString(c->id));
		break;
	}
}

/* One heartbeat.  Returns 0, 1 when a full report was asked for, or -errno. */
static int
beat(struct heartbeat *hb)
{
	struct data_server	*ds = hb->ds;
	struct blockstore_stats	 st;
	struct bs_changes	 ch;
	struct cJSON		*o, *added, *removed, *bad, *ans = NULL;
	char			 err[256];
	size_t			 i;
	int			 rc, full = 0;

	blockstore_stats(ds->store, &st);
	blockstore_changes_take(ds->store, &ch, MDFS_REPORT_BATCH);
	o = json_new_object();
	json_add_str(o, JF_ID, ds->conf.id);
	json_add_str(o, JF_ADDR, ds->addr);
	json_add_u64(o, JF_CAPACITY, st.capacity);
	json_add_u64(o, JF_USED, st.used);
	json_add_u64(o, JF_FREE, st.free);
	json_add_u64(o, JF_BLOCKS, st.blocks);
	added = json_new_array();
	removed = json_new_array();
	bad = json_new_array();
	for (i = 0; i < ch.n; i++)
		add_change(added, removed, bad, &ch.v[i]);
	cJSON_AddItemToObject(o, JF_ADDED, added);
	cJSON_AddItemToObject(o, JF_REMOVED, removed);
	cJSON_AddItemToObject(o, JF_BAD, bad);
	rc = post(hb, META_ROUTE_HEARTBEAT, o, &ans, err, sizeof(err));
	cJSON_Delete(o);
	if (rc < 0) {
		blockstore_changes_put_back(ds->store, &ch);
		log_debug("heartbeat to %s failed: %s", hb->leader, err);
		cJSON_Delete(ans);
		return rc;
	}
	DATA_STAT_ADD(ds, heartbeats, 1);
	if (ch.overflow)
		full = 1;
	blockstore_changes_release(&ch);
	if (json_get_bool(ans, JF_FULL_REPORT, &rc) == 0 && rc)
		full = 1;
	take_commands(hb, ans);
	cJSON_Delete(ans);
	return full;
}

static void *
reporter_main(void *arg)
{
	struct heartbeat	*hb = arg;
	struct data_server	*ds = hb->ds;
	char			 leader[MDFS_ADDR_MAX];
	unsigned		 backoff = 1, interval;
	time_t			 last_full = 0;
	int			 need_full = 1, rc, up = -1;

	interval = (unsigned)ds->conf.heartbeat_interval;
	while (!nap(hb, 0)) {
		find_leader(hb, leader, sizeof(leader));
		if (strcmp(leader, hb->leader) != 0) {
			if (hb->leader[0] != '\0')
				log_info("heartbeat: metaserver leader is now "
				    "%s", leader);
			snprintf(hb->leader, sizeof(hb->leader), "%s", leader);
			need_full = 1;
		}
		if (time(NULL) - last_full >=
		    (time_t)ds->conf.full_report_interval)
			need_full = 1;
		rc = 0;
		if (need_full && (rc = full_report(hb)) == 0) {
			need_full = 0;
			last_full = time(NULL);
		}
		if (rc == 0 && (rc = beat(hb)) == 1) {
			need_full = 1;
			continue;	/* the report is wanted now */
		}
		if (rc < 0) {
			DATA_STAT_ADD(ds, heartbeat_failures, 1);
			if (up != 0)
				log_warnx("heartbeat: metaserver %s not "
				    "answering; retrying with back-off",
				    hb->leader);
			up = 0;
			need_full = 1;
			if (nap(hb, backoff))
				break;
			backoff = backoff * 2 > interval ? interval :
			    backoff * 2;
			continue;
		}
		if (up != 1)
			log_info("heartbeat: reporting to metaserver %s every "
			    "%us", hb->leader, interval);
		up = 1;
		backoff = 1;
		if (nap(hb, interval))
			break;
	}
	return NULL;
}

static void
run_command(struct heartbeat *hb, const struct cmd *c)
{
	struct data_server	*ds = hb->ds;
	char			 err[512];
	uint64_t		 size;
	int			 rc;

	DATA_STAT_ADD(ds, commands, 1);
	switch (c->op) {
	case CMD_OP_DELETE:
		rc = blockstore_delete(ds->store, c->id);
		if (rc < 0 && rc != -ENOENT)
			log_warnx("command delete %s: %s", c->id,
			    strerror(-rc));
		else
			log_info("command delete %s: %s", c->id,
			    rc == 0 ? "deleted" : "was not here");
		break;
	case CMD_OP_VERIFY:
		rc = blockstore_check(ds->store, c->id);
		log_info("command verify %s: %s", c->id, rc == 0 ? "good" :
		    rc == -EUCLEAN ? "bad, quarantined" :
		    rc == -ENOENT ? "not here" : strerror(-rc));
		break;
	case CMD_OP_FETCH:
		DATA_STAT_ADD(ds, fetches, 1);
		if ((rc = chain_fetch(ds->chain, c->id, c->addr, &size, err,
		    sizeof(err))) < 0) {
			DATA_STAT_ADD(ds, copy_failures, 1);
			log_warnx("command fetch %s from %s: %s", c->id,
			    c->addr, err);
		} else
			log_info("command fetch %s from %s: done", c->id,
			    c->addr);
		break;
	case CMD_OP_PUSH:
		DATA_STAT_ADD(ds, pushes, 1);
		if ((rc = chain_push(ds->chain, c->id, c->addr, NULL, err,
		    sizeof(err))) < 0) {
			DATA_STAT_ADD(ds, copy_failures, 1);
			log_warnx("command push %s to %s: %s", c->id, c->addr,
			    err);
		} else
			log_info("command push %s to %s: done", c->id,
			    c->addr);
		break;
	}
}

static void *
worker_main(void *arg)
{
	struct heartbeat	*hb = arg;
	struct cmd		 c;

	pthread_mutex_lock(&hb->lock);
	for (;;) {
		while (hb->qlen == 0 && !hb->stop)
			pthread_cond_wait(&hb->cond, &hb->lock);
		if (hb->stop)
			break;
		c = hb->q[hb->qhead];
		hb->qhead = (hb->qhead + 1) % HB_CMD_QUEUE_MAX;
		hb->qlen--;
		pthread_mutex_unlock(&hb->lock);
		run_command(hb, &c);
		pthread_mutex_lock(&hb->lock);
	}
	pthread_mutex_unlock(&hb->lock);
	return NULL;
}

struct heartbeat *
heartbeat_start(struct data_server *ds)
{
	struct heartbeat	*hb;
	struct httpc_options	 o;
	pthread_condattr_t	 ca;
	int			 rc;

	hb = xcalloc(1, sizeof(*hb));
	hb->ds = ds;
	hb->q = xcalloc(HB_CMD_QUEUE_MAX, sizeof(*hb->q));
	memset(&o, 0, sizeof(o));
	o.connect_timeout_ms = (long)ds->conf.meta_timeout * 1000;
	o.timeout_ms = (long)ds->conf.meta_timeout * 1000 * 4;
	o.ca_file = ds->conf.tls_ca;
	o.tls_no_verify = ds->conf.tls_no_verify;
	if ((hb->http = httpc_new(&o)) == NULL)
		fatalx("heartbeat: httpc_new: out of memory");
	pthread_mutex_init(&hb->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hb->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&hb->reporter, NULL, reporter_main, hb)) != 0 ||
	    (rc = pthread_create(&hb->worker, NULL, worker_main, hb)) != 0)
		fatalx("heartbeat: pthread_create: %d", rc);
	return hb;
}

void
heartbeat_stop(struct heartbeat *hb)
{
	if (hb == NULL)
		return;
	pthread_mutex_lock(&hb->lock);
	hb->stop = 1;
	pthread_cond_broadcast(&hb->cond);
	pthread_mutex_unlock(&hb->lock);
	pthread_join(hb->reporter, NULL);
	pthread_join(hb->worker, NULL);
	httpc_free(hb->http);
	pthread_mutex_destroy(&hb->lock);
	pthread_cond_destroy(&hb->cond);
	free(hb->q);
	free(hb);
}
