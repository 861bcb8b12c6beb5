/*
 * etcd_watch: one thread per watch, holding a POST /v3/watch stream open.
 * The gateway answers with newline-separated JSON messages
 *     {"result":{"header":{...},"created":true}}
 *     {"result":{"header":{...},"events":[{"type":"DELETE"?,"kv":{...}}]}}
 *     {"result":{...,"canceled":true,"compact_revision":"N"}}
 * which the write callback cuts into lines (each bounded by
 * BUF_MAX_WATCH_LINE) and delivers in order.  The thread remembers the next
 * revision it owes the caller; when the stream breaks it reconnects (the same
 * endpoint once, then the others, then a bounded back-off) and asks for that
 * revision again, dropping anything older that comes back twice.  A stop
 * flag, polled by httpc's abort callback and the back-off's condvar, ends it
 * within about a second.
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

#include "common/buf.h"
#include "common/etcd.h"
#include "common/etcd_impl.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"

#define WATCH_STREAM_MS		(10 * 60 * 1000) /* reopen a quiet stream */
#define WATCH_BACKOFF_MIN_MS	100	/* after every endpoint failed */
#define WATCH_BACKOFF_MAX_MS	2000

struct etcd_watch {
	struct etcd_client	*c;
	char			*key;		/* full key and range end */
	size_t			 keylen;
	char			*end;
	size_t			 endlen;
	etcd_watch_cb		 cb;
	void			*arg;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* wakes the back-off */
	int			 stop;		/* set under lock, read
						 * atomically anywhere */
	/* the rest belongs to the watch thread */
	int64_t			 next_rev;	/* first revision not yet
						 * delivered */
	struct buf		 line;		/* a partial message */
	size_t			 idx;		/* endpoint of this stream */
	int			 created;	/* this stream was accepted */
	int			 finished;	/* compacted: no more events */
	char			 why[256];	/* why the stream ended */
};

static int
stopped(void *arg)
{
	struct etcd_watch	*w = arg;

	return __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE);
}

/* Delivers the events of one message, skipping any already delivered. */
static int
deliver(struct etcd_watch *w, const cJSON *events)
{
	const cJSON		*ev, *kvo;
	const char		*type;
	struct etcd_kv		 kv;
	enum etcd_event_type	 t;
	int64_t			 floor = w->next_rev;
	int			 rc;

	if (!cJSON_IsArray(events))
		return -EPROTO;
	cJSON_ArrayForEach(ev, events) {
		rc = json_get_str(ev, "type", &type);
		if (rc == -ENOENT || (rc == 0 && strcmp(type, "PUT") == 0))
			t = ETCD_WATCH_PUT;
		else if (rc == 0 && strcmp(type, "DELETE") == 0)
			t = ETCD_WATCH_DELETE;
		else
			return -EPROTO;
		if (json_get_object(ev, "kv", &kvo) != 0 ||
		    (rc = etcd_parse_kv(w->c, kvo, &kv)) != 0)
			return -EPROTO;
		if (kv.mod_revision >= floor && !stopped(w)) {
			w->cb(t, &kv, kv.mod_revision, w->arg);
			if (kv.mod_revision >= w->next_rev)
				w->next_rev = kv.mod_revision + 1;
		}
		etcd_kv_release(&kv);
	}
	return 0;
}

/* One message; nonzero ends the stream. */
static int
handle_line(struct etcd_watch *w, const char *p, size_t len)
{
	cJSON		*root;
	const cJSON	*res, *e, *events;
	const char	*m;
	int64_t		 compact;
	int		 canceled = 0, rc = 0;
	char		 perr[64];

	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
		len--;
	if (len == 0)
		return 0;
	if ((root = json_parse(p, len, perr, sizeof(perr))) == NULL) {
		snprintf(w->why, sizeof(w->why), "bad message: %s", perr);
		return -EPROTO;
	}
	if (json_get_object(root, "error", &e) == 0) {
		if (json_get_str(e, "message", &m) != 0)
			m = "stream error";
		snprintf(w->why, sizeof(w->why), "etcd: %s", m);
		rc = -EIO;
		goto out;
	}
	if (json_get_object(root, "result", &res) != 0 ||
	    etcd_get_i64(res, "compact_revision", &compact) != 0 ||
	    json_get_bool(res, "canceled", &canceled) == -EINVAL) {
		snprintf(w->why, sizeof(w->why), "bad message");
		rc = -EPROTO;
		goto out;
	}
	if (compact > 0) {
		/* the revision we asked for is gone: the caller reloads */
		if (!stopped(w))
			w->cb(ETCD_WATCH_COMPACTED, NULL, compact, w->arg);
		w->finished = 1;
		snprintf(w->why, sizeof(w->why), "compacted at %" PRId64,
		    compact);
		rc = -ECANCELED;
		goto out;
	}
	if (canceled) {
		if (json_get_str(res, "cancel_reason", &m) != 0)
			m = "no reason given";
		snprintf(w->why, sizeof(w->why), "watch canceled: %s", m);
		rc = -EIO;
		goto out;
	}
	if (!w->created) {
		w->created = 1;
		etcd_set_cur(w->c, w->idx);
	}
	if (json_get_array(res, "events", &events) == 0 &&
	    (rc = deliver(w, events)) != 0)
		snprintf(w->why, sizeof(w->why), "bad event");
out:
	cJSON_Delete(root);
	return rc;
}

/* httpc write callback: cuts the stream into lines. */
static int
on_data(const char *p, size_t n, void *arg)
{
	struct etcd_watch	*w = arg;
	const char		*nl;
	size_t			 k;
	int			 rc;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		if (k > 0 && (rc = buf_append(&w->line, p, k)) != 0) {
			snprintf(w->why, sizeof(w->why), "message over %u "
			    "bytes", BUF_MAX_WATCH_LINE);
			return rc;
		}
		if (nl == NULL)
			break;
		rc = handle_line(w, w->line.data != NULL ? w->line.data : "",
		    w->line.len);
		buf_reset(&w->line);
		if (rc != 0)
			return rc;
		p += k + 1;
		n -= k + 1;
	}
	return 0;
}

/* Opens one stream on endpoint w->idx and follows it until it ends. */
static void
stream_once(struct etcd_watch *w)
{
	struct httpc_req	 req;
	struct httpc		*h;
	struct buf		 errbody = BUF_INIT(BUF_MAX_ERRBODY);
	cJSON			*body, *cr;
	char			 url[ETCD_URL_MAX], herr[256];
	char			*text;
	int			 rc;

	w->created = 0;
	w->why[0] = '\0';
	buf_reset(&w->line);
	body = json_new_object();
	cr = json_new_object();
	cJSON_AddItemToObject(body, "create_request", cr);
	if (etcd_add_b64(cr, "key", w->key, w->keylen) != 0 ||
	    etcd_add_b64(cr, "range_end", w->end, w->endlen) != 0)
		fatalx("etcd watch: cannot encode the key");
	json_add_i64(cr, "start_revision", w->next_rev);
	text = json_print(body);
	cJSON_Delete(body);

	snprintf(url, sizeof(url), "%s/v3/watch", w->c->endpoints[w->idx]);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.body = text;
	req.body_len = strlen(text);
	req.write_cb = on_data;
	req.write_arg = w;
	req.abort_cb = stopped;
	req.abort_arg = w;
	req.resp = &errbody;
	req.timeout_ms = WATCH_STREAM_MS;
	if (httpc_req_header(&req, "Content-Type", "application/json") != 0)
		fatalx("etcd: no room for the first header");
	h = httpc_pool_get(w->c->pool);
	rc = httpc_do(h, &req, herr, sizeof(herr));
	httpc_pool_put(w->c->pool, h);
	free(text);
	if (stopped(w) || w->finished) {
		/* ended on purpose: nothing to report */
	} else if (rc == 0 && (req.status < 200 || req.status >= 300))
		log_warnx("etcd watch at %s: HTTP %ld: %.200s",
		    w->c->endpoints[w->idx], req.status,
		    errbody.data != NULL ? errbody.data : "");
	else if (w->why[0] != '\0')
		log_warnx("etcd watch at %s: %s", w->c->endpoints[w->idx],
		    w->why);
	else if (rc != 0 && !w->created)
		log_debug("etcd watch: %s", herr);
	else
		log_debug("etcd watch at %s: stream ended (%s)",
		    w->c->endpoints[w->idx], rc != 0 ? herr : "closed");
	buf_release(&errbody);
}

/* Sleeps ms unless stopped first. */
static void
backoff(struct etcd_watch *w, long ms)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->stop &&
	    pthread_cond_timedwait(&w->cond, &w->lock, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&w->lock);
}

static void *
watch_main(void *arg)
{
	struct etcd_watch	*w = arg;
	size_t			 n = w->c->nendpoints, failed = 0;
	long			 delay = WATCH_BACKOFF_MIN_MS;

	w->idx = etcd_cur(w->c);
	while (!stopped(w) && !w->finished) {
		stream_once(w);
		if (stopped(w) || w->finished)
			break;
		if (w->created && w->why[0] == '\0') {
			/* it worked for a while: that endpoint again first
			 * (a message we could not take backs off instead) */
			failed = 0;
			delay = WATCH_BACKOFF_MIN_MS;
			continue;
		}
		w->idx = (w->idx + 1) % n;
		if (++failed >= n) {
			log_warnx("etcd watch: no endpoint answers; retrying "
			    "in %ld ms", delay);
			backoff(w, delay);
			failed = 0;
			delay = delay * 2 > WATCH_BACKOFF_MAX_MS ?
			    WATCH_BACKOFF_MAX_MS : delay * 2;
		}
	}
	return NULL;
}

struct etcd_watch *
etcd_watch_start(struct etcd_client *c, const char *prefix,
    int64_t start_rev, etcd_watch_cb cb, void *arg, char *err, size_t errlen)
{
	struct etcd_watch	*w;
	struct etcd_range	 now = ETCD_RANGE_INIT;
	pthread_condattr_t	 ca;
	int			 rc;

	if (prefix == NULL || cb == NULL || start_rev < 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "etcd watch: bad arguments");
		return NULL;
	}
	if (start_rev == 0) {
		/* "now" is the revision of this answer: events after it
		 * are the caller's, whenever the stream opens */
		if (etcd_range(c, prefix, NULL, 1, 0, 1, &now, err,
		    errlen) != 0)
			return NULL;
		start_rev = now.revision + 1;
		etcd_range_release(&now);
	}
	w = xcalloc(1, sizeof(*w));
	w->c = c;
	w->cb = cb;
	w->arg = arg;
	w->next_rev = start_rev;
	w->key = etcd_full_key(c, prefix, &w->keylen);
	w->end = etcd_prefix_end(w->key, w->keylen, &w->endlen);
	buf_init(&w->line, BUF_MAX_WATCH_LINE);
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&w->thread, NULL, watch_main, w)) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "etcd watch: pthread_create: "
			    "%s", strerror(rc));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w->key);
		free(w->end);
		free(w);
		return NULL;
	}
	return w;
}

void
etcd_watch_stop(struct etcd_watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	buf_release(&w->line);
	free(w->key);
	free(w->end);
	free(w);
}
