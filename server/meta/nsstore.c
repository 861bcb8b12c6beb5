/*
 * nsstore: writes the namespace's batches to etcd as fenced txns and loads
 * the namespace back at takeover (paginated range reads at one revision, so
 * the loader sees one consistent snapshot however long it takes).
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
#include "server/meta/election.h"
#include "server/meta/ns.h"
#include "server/meta/nsstore.h"

struct nsstore {
	struct etcd_client	*etcd;
	struct election		*election;
};

struct nsstore *
nsstore_new(struct etcd_client *etcd, struct election *el)
{
	struct nsstore	*st = xcalloc(1, sizeof(*st));

	st->etcd = etcd;
	st->election = el;
	return st;
}

void
nsstore_free(struct nsstore *st)
{
	free(st);
}

int
nsstore_commit(void *arg, const struct ns_batch *b)
{
	struct nsstore	*st = arg;
	struct etcd_txn	*txn;
	struct etcd_txn_result res = ETCD_TXN_RESULT_INIT;
	const struct ns_op *op;
	char		 err[256];
	size_t		 i, start;
	int		 rc;

	for (start = 0; start < b->n; start += NSSTORE_TXN_OPS) {
		txn = etcd_txn_new();
		election_fence(st->election, txn);
		for (i = start; i < b->n && i < start + NSSTORE_TXN_OPS; i++) {
			op = &b->ops[i];
			if (op->del)
				etcd_txn_delete(txn, 1, op->key, op->prefix);
			else
				etcd_txn_put(txn, 1, op->key, op->val, op->len,
				    0);
		}
		rc = etcd_txn_commit(st->etcd, txn, &res, err, sizeof(err));
		etcd_txn_free(txn);
		if (rc != 0) {
			log_warnx("namespace write: %s", err);
			election_step_down(st->election, "a namespace write "
			    "failed; the outcome is unknown");
			/* protocol.h: etcd trouble reaches clients as 504
			 * ETIMEDOUT or 503 ENOTCONN, never as a transport
			 * errno of ours (ECONNREFUSED would reach an
			 * application as "Connection refused"). */
			return rc == -ETIMEDOUT || rc == -ENOMEM ? rc :
			    -ENOTCONN;
		}
		if (!res.succeeded) {
			etcd_txn_result_release(&res);
			election_step_down(st->election, "the fencing compare "
			    "failed");
			return -EAGAIN;
		}
		etcd_txn_result_release(&res);
	}
	return 0;
}

/* ---- loading ------------------------------------------------------------ */

struct loader {
	struct ns	*ns;
	struct ns_batch	 cleanup;
	uint64_t	 inodes;
	uint64_t	 bad;
};

typedef int (*kv_fn)(struct loader *, const struct etcd_kv *);

/*
 * Loading reads every fs/ key at one revision.  The JSON gateway costs
 * etcd tens of microseconds per key, so the key space of each kind is cut
 * into NSSTORE_LOAD_JOBS ranges by inode number (the first component of
 * every fs/ key) that NSSTORE_LOAD_THREADS threads page through at once;
 * the calling thread applies the pages to ns (which is not thread-safe)
 * as they come, at most NSSTORE_LOAD_QUEUE pages ahead of it.
 */
struct page {
	struct page	*next;
	struct etcd_range res;
	size_t		 skip;		/* kvs already delivered (0 or 1) */
};

struct fetch {
	struct nsstore	*st;
	int64_t		 rev;
	char		**starts;	/* job i: [starts[i], ends[i]) */
	char		**ends;
	size_t		 njobs;
	size_t		 next_job;	/* protected by mu */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cond;
	struct page	*head, *tail;	/* protected by mu */
	size_t		 queued;
	size_t		 running;	/* workers not finished */
	int		 stop;		/* the consumer gave up */
	int		 rc;
	char		 err[256];
};

static void
fetch_put(struct fetch *f, struct page *pg)
{
	pthread_mutex_lock(&f->mu);
	while (f->queued >= NSSTORE_LOAD_QUEUE && !f->stop)
		pthread_cond_wait(&f->cond, &f->mu);
	if (f->stop) {
		pthread_mutex_unlock(&f->mu);
		etcd_range_release(&pg->res);
		free(pg);
		return;
	}
	if (f->tail != NULL)
		f->tail->next = pg;
	else
		f->head = pg;
	f->tail = pg;
	f->queued++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
}

static void *
fetch_worker(void *arg)
{
	struct fetch	*f = arg;
	struct page	*pg;
	char		*start, err[256];
	size_t		 job;
	int		 first, try, rc = 0;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		job = f->next_job++;
		if (f->stop || f->rc != 0)
			job = f->njobs;
		pthread_mutex_unlock(&f->mu);
		if (job >= f->njobs)
			break;
		start = xstrdup(f->starts[job]);
		for (first = 1;; first = 0) {
			pg = xcalloc(1, sizeof(*pg));
			/* a busy etcd may miss the call's deadline: a page
			 * is read again rather than the takeover abandoned */
			for (try = 0; try < NSSTORE_LOAD_TRIES; try++) {
				rc = etcd_range(f->st->etcd, start,
				    f->ends[job], NSSTORE_LOAD_PAGE, f->rev, 0,
				    &pg->res, err, sizeof(err));
				if (rc != -ETIMEDOUT && rc != -ECONNREFUSED &&
				    rc != -ECONNRESET)
					break;
				log_warnx("namespace load: %s; again", err);
			}
			if (rc != 0) {
				free(pg);
				break;
			}
			/* a later page starts at the previous one's last key */
			if (!first && pg->res.count > 0 &&
			    strcmp(pg->res.kvs[0].key, start) == 0)
				pg->skip = 1;
			free(start);
			start = pg->res.more && pg->res.count > 0 ?
			    xstrdup(pg->res.kvs[pg->res.count - 1].key) : NULL;
			fetch_put(f, pg);
			if (start == NULL)
				break;
		}
		free(start);
		if (rc != 0)
			break;
	}
	pthread_mutex_lock(&f->mu);
	if (rc != 0 && f->rc == 0) {
		f->rc = rc;
		snprintf(f->err, sizeof(f->err), "%s", err);
	}
	f->running--;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* The jobs of prefix: ncuts + 1 ranges, cut where the keys of inode
 * cuts[i] (ascending) start. */
static void
fetch_jobs_at(struct fetch *f, const char *prefix, const uint64_t *cuts,
    size_t ncuts)
{
	size_t		 i, n = ncuts + 1;
	char		*end;

	end = xstrdup(prefix);
	end[strlen(end) - 1]++;
	f->njobs = n;
	f->starts = xcalloc(n, sizeof(*f->starts));
	f->ends = xcalloc(n, sizeof(*f->ends));
	for (i = 0; i < n; i++) {
		f->starts[i] = i == 0 ? xstrdup(prefix) :
		    xasprintf("%s%016" PRIx64, prefix, cuts[i - 1]);
		f->ends[i] = i + 1 < n ? xasprintf("%s%016" PRIx64, prefix,
		    cuts[i]) : xstrdup(end);
	}
	free(end);
}

/* The jobs of prefix: ranges of the inode number below next_ino. */
static void
fetch_jobs(struct fetch *f, const char *prefix, uint64_t next_ino)
{
	size_t		 i, n = next_ino > NSSTORE_LOAD_JOBS * 64 ?
			    NSSTORE_LOAD_JOBS : 1;
	uint64_t	 cuts[NSSTORE_LOAD_JOBS];

	for (i = 0; i + 1 < n; i++)
		cuts[i] = next_ino / n * (i + 1);
	fetch_jobs_at(f, prefix, cuts, n - 1);
}

/* The jobs of the entries under prefix: ranges of the directory inode
 * (the first component of every entry key) holding about as many
 * directories each, cut where a directory's keys start. */
static void
fetch_jobs_dirs(struct fetch *f, const char *prefix, const uint64_t *dirs,
    size_t ndirs)
{
	size_t		 i, n, per;
	uint64_t	 cuts[NSSTORE_LOAD_DIR_JOBS];

	n = ndirs < NSSTORE_LOAD_DIR_JOBS ? ndirs : NSSTORE_LOAD_DIR_JOBS;
	per = n == 0 ? 1 : (ndirs + n - 1) / n;
	n = ndirs == 0 ? 1 : (ndirs + per - 1) / per;
	for (i = 0; i + 1 < n; i++)
		cuts[i] = dirs[(i + 1) * per];
	fetch_jobs_at(f, prefix, cuts, n - 1);
}

/* Calls fn for every key under prefix at revision rev. */
static int
load_kind(struct nsstore *st, const char *prefix, int64_t rev,
    uint64_t next_ino, kv_fn fn, struct loader *ld, char *err, size_t errlen)
{
	struct fetch	 f;
	pthread_t	 th[NSSTORE_LOAD_THREADS];
	struct page	*pg;
	size_t		 i, nth = 0;
	int		 rc;

	memset(&f, 0, sizeof(f));
	f.st = st;
	f.rev = rev;
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.cond, NULL);
	if (strcmp(prefix, EK_DENTRY) == 0) {
		uint64_t	*dirs;
		size_t		 ndirs = ns_load_dirs(ld->ns, &dirs);

		fetch_jobs_dirs(&f, prefix, dirs, ndirs);
		free(dirs);
	} else
		fetch_jobs(&f, prefix, next_ino);
	for (i = 0; i < NSSTORE_LOAD_THREADS && i < f.njobs; i++) {
		f.running++;
		if ((rc = pthread_create(&th[nth], NULL, fetch_worker,
		    &f)) != 0) {
			f.running--;
			break;
		}
		nth++;
	}
	if (nth == 0) {
		f.rc = -EAGAIN;
		snprintf(f.err, sizeof(f.err), "no loader thread");
	}
	for (;;) {
		pthread_mutex_lock(&f.mu);
		while (f.head == NULL && f.running > 0 && f.rc == 0)
			pthread_cond_wait(&f.cond, &f.mu);
		if (f.rc != 0 || f.head == NULL) {
			f.stop = 1;
			pthread_cond_broadcast(&f.cond);
			pthread_mutex_unlock(&f.mu);
			break;
		}
		pg = f.head;
		if ((f.head = pg->next) == NULL)
			f.tail = NULL;
		f.queued--;
		pthread_cond_broadcast(&f.cond);
		pthread_mutex_unlock(&f.mu);
		for (i = pg->skip; i < pg->res.count; i++) {
			if (fn(ld, &pg->res.kvs[i]) != 0) {
				ld->bad++;
				log_warnx("namespace load: unusable record "
				    "%s", pg->res.kvs[i].key);
			}
		}
		etcd_range_release(&pg->res);
		free(pg);
	}
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	while ((pg = f.head) != NULL) {
		f.head = pg->next;
		etcd_range_release(&pg->res);
		free(pg);
	}
	rc = f.rc;
	if (rc != 0)
		snprintf(err, errlen, "%s", f.err);
	for (i = 0; i < f.njobs; i++) {
		free(f.starts[i]);
		free(f.ends[i]);
	}
	free(f.starts);
	free(f.ends);
	pthread_mutex_destroy(&f.mu);
	pthread_cond_destroy(&f.cond);
	return rc;
}

/* "<16 hex>" at p, followed by term ('\0' or '/'); *next after it. */
static int
parse_ino_at(const char *p, char term, uint64_t *ino, const char **next)
{
	char	 hex[17];

	if (strlen(p) < 16 || p[16] != term)
		return -EINVAL;
	memcpy(hex, p, 16);
	hex[16] = '\0';
	if (parse_hex_u64(hex, ino) != 0)
		return -EINVAL;
	*next = p + 16 + (term != '\0');
	return 0;
}

static int
load_inode(struct loader *ld, const struct etcd_kv *kv)
{
	struct ns_load_inode r;
	cJSON		*o;
	const char	*rest;
	uint32_t	 replicas = 0;
	int		 rc = -EINVAL;

	memset(&r, 0, sizeof(r));
	if (parse_ino_at(kv->key + strlen(EK_INODE), '\0', &r.ino, &rest) != 0)
		return -EINVAL;
	if ((o = json_parse(kv->value, kv->value_len, NULL, 0)) == NULL)
		return -EINVAL;
	if (json_get_u32(o, JF_MODE, &r.mode) == 0 &&
	    json_get_u32(o, JF_UID, &r.uid) == 0 &&
	    json_get_u32(o, JF_GID, &r.gid) == 0 &&
	    json_get_u32(o, JF_NLINK, &r.nlink) == 0 &&
	    json_get_u64(o, JF_SIZE, &r.size) == 0 &&
	    json_get_u64(o, JF_RDEV, &r.rdev) == 0 &&
	    json_get_i64(o, JF_ATIME, &r.atime) == 0 &&
	    json_get_i64(o, JF_MTIME, &r.mtime) == 0 &&
	    json_get_i64(o, JF_CTIME, &r.ctime) == 0 &&
	    json_get_u64(o, JF_PARENT, &r.parent) != -EINVAL &&
	    json_get_str(o, JF_TARGET, &r.target) != -EINVAL &&
	    json_get_u32(o, JF_REPLICAS, &replicas) != -EINVAL) {
		r.replicas = replicas;
		rc = ns_load_inode(ld->ns, &r);
	}
	cJSON_Delete(o);
	if (rc == 0)
		ld->inodes++;
	return rc;
}

static void
drop(struct loader *ld, const struct etcd_kv *kv)
{
	ns_batch_del(&ld->cleanup, xstrdup(kv->key), 0);
}

static int
load_dentry(struct loader *ld, const struct etcd_kv *kv)
{
	uint64_t	 parent, child;
	const char	*name, *rest;

	if (parse_ino_at(kv->key + strlen(EK_DENTRY), '/', &parent,
	    &name) != 0 || parse_ino_at(kv->value, '\0', &child, &rest) != 0 ||
	    ns_load_dentry(ld->ns, parent, name, child) != 0) {
		drop(ld, kv);
		return -EINVAL;
	}
	return 0;
}

static int
load_chunk(struct loader *ld, const struct etcd_kv *kv)
{
	uint64_t	 ino, index, len;
	const char	*p, *rest, *id;
	cJSON		*o;
	int		 rc = -EINVAL;

	if (parse_ino_at(kv->key + strlen(EK_CHUNK), '/', &ino, &p) == 0 &&
	    parse_ino_at(p, '\0', &index, &rest) == 0 &&
	    (o = json_parse(kv->value, kv->value_len, NULL, 0)) != NULL) {
		if (json_get_str(o, JF_ID, &id) == 0 &&
		    json_get_u64(o, JF_LEN, &len) == 0)
			rc = ns_load_chunk(ld->ns, ino, index, id, len);
		cJSON_Delete(o);
	}
	if (rc != 0)
		drop(ld, kv);
	return rc;
}

static int
load_xattr(struct loader *ld, const struct etcd_kv *kv)
{
	uint64_t	 ino;
	const char	*name;

	if (parse_ino_at(kv->key + strlen(EK_XATTR), '/', &ino, &name) != 0 ||
	    ns_load_xattr(ld->ns, ino, name, kv->value, kv->value_len) != 0) {
		drop(ld, kv);
		return -EINVAL;
	}
	return 0;
}

static int
load_orphan(struct loader *ld, const struct etcd_kv *kv)
{
	const cJSON	*arr, *e;
	cJSON		*o;
	uint64_t	 ino, session, fh;
	const char	*rest;
	int		 rc = -EINVAL;

	if (parse_ino_at(kv->key + strlen(EK_ORPHAN), '\0', &ino, &rest) == 0 &&
	    (o = json_parse(kv->value, kv->value_len, NULL, 0)) != NULL) {
		if (json_get_array(o, "handles", &arr) == 0) {
			rc = 0;
			cJSON_ArrayForEach(e, arr) {
				if (json_get_u64(e, JF_SESSION, &session) != 0 ||
				    json_get_u64(e, JF_FH, &fh) != 0 ||
				    ns_load_orphan_handle(ld->ns, ino, session,
				    fh) != 0)
					rc = -EINVAL;
			}
		}
		cJSON_Delete(o);
	}
	/* a bad mark is rewritten (or dropped) by ns_load_finish */
	return rc;
}

int
nsstore_load(struct nsstore *st, struct ns *ns, uint64_t *count, char *err,
    size_t errlen)
{
	static const struct {
		const char	*prefix;
		kv_fn		 fn;
	} kinds[] = {
		{ EK_INODE, load_inode },
		{ EK_DENTRY, load_dentry },
		{ EK_CHUNK, load_chunk },
		{ EK_XATTR, load_xattr },
		{ EK_ORPHAN, load_orphan },
	};
	struct loader	 ld;
	struct etcd_range res = ETCD_RANGE_INIT;
	struct timespec	 t0, t1;
	int64_t		 rev = 0;
	uint64_t	 next = 0;
	size_t		 i;
	int		 rc;

	memset(&ld, 0, sizeof(ld));
	ld.ns = ns;
	/* the inode counter first: its answer fixes the revision */
	rc = etcd_range(st->etcd, EK_NEXT_INO, NULL, 1, 0, 0, &res, err,
	    errlen);
	if (rc != 0)
		goto out;
	rev = res.revision;
	if (res.count == 1 && strcmp(res.kvs[0].key, EK_NEXT_INO) == 0 &&
	    parse_u64(res.kvs[0].value, 1, UINT64_MAX, &next) != 0) {
		log_warnx("namespace load: bad %s; using the largest inode",
		    EK_NEXT_INO);
		next = 0;
	}
	etcd_range_release(&res);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((rc = load_kind(st, kinds[i].prefix, rev, next,
		    kinds[i].fn, &ld, err, errlen)) != 0)
			goto out;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_debug("namespace load: %s in %.3f s", kinds[i].prefix,
		    (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if ((rc = ns_load_finish(ns, next, &ld.cleanup)) != 0) {
		snprintf(err, errlen, "the namespace in etcd has no usable "
		    "root directory");
		goto out;
	}
	if (ld.cleanup.n > 0) {
		log_info("namespace load: %zu repairs to write",
		    ld.cleanup.n);
		if ((rc = nsstore_commit(st, &ld.cleanup)) != 0) {
			snprintf(err, errlen, "writing the load repairs "
			    "failed");
			goto out;
		}
	}
	if (count != NULL)
		*count = ld.inodes;
	if (ld.bad > 0)
		log_warnx("namespace load: %" PRIu64 " unusable records",
		    ld.bad);
out:
	ns_batch_release(&ld.cleanup);
	return rc;
}
