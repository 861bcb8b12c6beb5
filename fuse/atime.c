/*
 * atime: the touches of reads and listings -- a small hash table of the
 * inodes with a touch queued, in flight or recently answered, and a work
 * queue that sends them (see atime.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/metaclient.h"
#include "common/relatime.h"
#include "common/xalloc.h"
#include "fuse/atime.h"
#include "fuse/workq.h"

#define ATIME_BUCKETS		1024	/* hash buckets (a power of two) */
#define ATIME_PURGE_NS		1000000000LL	/* ns between table sweeps */

/* One inode's touch. */
struct atouch {
	uint64_t	 ino;
	int		 pending;	/* queued or in flight */
	/* the touch as shown: atime (INT64_MIN: unknown until answered),
	 * and the mtime and ctime it was decided on (then: answered) */
	int64_t		 atime, mtime, ctime;
	int64_t		 done_at;	/* CLOCK_MONOTONIC ns of the answer */
	struct atouch	*next;
};

struct atimes {
	struct metaclient	*mc;
	enum atime_mode		 mode;
	struct workq		*wq;		/* NULL with noatime */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* a touch was answered */
	struct atouch		*b[ATIME_BUCKETS];	/* protected by lock */
	size_t			 npending;	/* protected by lock */
	int64_t			 swept_at;	/* protected by lock */
};

struct touch_job {
	struct atimes	*at;
	uint64_t	 ino;
};

int
atime_mode_parse(const char *s, enum atime_mode *m)
{
	if (strcmp(s, "relatime") == 0)
		*m = ATIME_RELATIME;
	else if (strcmp(s, "noatime") == 0)
		*m = ATIME_NOATIME;
	else if (strcmp(s, "strictatime") == 0)
		*m = ATIME_STRICT;
	else
		return -EINVAL;
	return 0;
}

struct atimes *
atimes_new(struct metaclient *mc, enum atime_mode mode)
{
	struct atimes	*at = xcalloc(1, sizeof(*at));

	at->mc = mc;
	at->mode = mode;
	if (mode != ATIME_NOATIME && (at->wq = workq_new(ATIME_THREADS)) ==
	    NULL) {
		free(at);
		return NULL;
	}
	pthread_mutex_init(&at->lock, NULL);
	pthread_cond_init(&at->cond, NULL);
	return at;
}

void
atimes_free(struct atimes *at)
{
	struct atouch	*e, *next;

	if (at == NULL)
		return;
	workq_free(at->wq);
	for (size_t i = 0; i < ATIME_BUCKETS; i++)
		for (e = at->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	pthread_cond_destroy(&at->cond);
	pthread_mutex_destroy(&at->lock);
	free(at);
}

static struct atouch **
slot(struct atimes *at, uint64_t ino)
{
	/* inode numbers are sequential: the low bits spread them */
	return &at->b[(ino ^ (ino >> 10)) & (ATIME_BUCKETS - 1)];
}

/* With the lock held: the entry of ino, or NULL; *pp (may be NULL): the
 * link that points to it. */
static struct atouch *
find(struct atimes *at, uint64_t ino, struct atouch ***pp)
{
	struct atouch	**p;

	for (p = slot(at, ino); *p != NULL; p = &(*p)->next)
		if ((*p)->ino == ino) {
			if (pp != NULL)
				*pp = p;
			return *p;
		}
	return NULL;
}

/* With the lock held: drops answered touches older than ATIME_LINGER_NS,
 * at most once per ATIME_PURGE_NS. */
static void
sweep(struct atimes *at)
{
	int64_t		 now = clock_mono_ns();
	struct atouch	**p, *e;

	if (now - at->swept_at < ATIME_PURGE_NS)
		return;
	at->swept_at = now;
	for (size_t i = 0; i < ATIME_BUCKETS; i++)
		for (p = &at->b[i]; (e = *p) != NULL;) {
			if (!e->pending && now - e->done_at > ATIME_LINGER_NS) {
				*p = e->next;
				free(e);
			} else
				p = &e->next;
		}
}

/* With the lock held: e's touch shown on a (see atime.h). */
static void
overlay(const struct atouch *e, struct mc_attr *a)
{
	if (a->ctime <= e->ctime && a->atime < e->atime)
		a->atime = e->atime;
}

static void
touch_job(void *arg)
{
	struct touch_job	*j = arg;
	struct atimes		*at = j->at;
	struct atouch		*e, **pp = NULL;
	struct mc_attr		 a;
	int			 rc;

	rc = mc_atime(at->mc, j->ino, at->mode == ATIME_STRICT, &a);
	if (rc != 0 && rc != -ENOENT)
		log_debug("atime of inode %llu: %s",
		    (unsigned long long)j->ino, strerror(-rc));
	pthread_mutex_lock(&at->lock);
	if ((e = find(at, j->ino, &pp)) != NULL) {
		e->pending = 0;
		at->npending--;
		if (rc == 0) {
			e->atime = a.atime;
			e->mtime = a.mtime;
			e->ctime = a.ctime;
			e->done_at = clock_mono_ns();
		} else {
			/* best effort: the next read tries again */
			*pp = e->next;
			free(e);
		}
	}
	pthread_cond_broadcast(&at->cond);
	pthread_mutex_unlock(&at->lock);
	free(j);
}

void
atimes_accessed(struct atimes *at, uint64_t ino, const struct mc_attr *known)
{
	struct touch_job	*j;
	struct atouch		*e;
	struct mc_attr		 k;
	int64_t			 now = clock_real_ns();
	int			 due, strict;

	if (at == NULL || at->mode == ATIME_NOATIME)
		return;
	strict = at->mode == ATIME_STRICT;
	pthread_mutex_lock(&at->lock);
	sweep(at);
	e = find(at, ino, NULL);
	if (e != NULL && e->pending) {
		/* one touch at a time: the queued one covers this read */
		pthread_mutex_unlock(&at->lock);
		return;
	}
	if (known != NULL) {
		k = *known;
		if (e != NULL)
			overlay(e, &k);
		due = relatime_due(k.atime, k.mtime, k.ctime, now, strict);
	} else if (e != NULL)
		due = relatime_due(e->atime, e->mtime, e->ctime, now, strict);
	else
		due = 1;	/* nothing known: the metaserver decides */
	if (!due || at->npending >= ATIME_PENDING_MAX) {
		pthread_mutex_unlock(&at->lock);
		return;
	}
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->ino = ino;
		e->atime = e->mtime = e->ctime = INT64_MIN;
		e->next = *slot(at, ino);
		*slot(at, ino) = e;
	}
	e->pending = 1;
	e->atime = now;
	if (known != NULL) {
		/* the newest state seen: the touch is ordered after it */
		e->mtime = k.mtime > e->mtime ? k.mtime : e->mtime;
		e->ctime = k.ctime > e->ctime ? k.ctime : e->ctime;
	} else if (e->ctime == INT64_MIN)
		e->atime = INT64_MIN;	/* shown once answered */
	at->npending++;
	pthread_mutex_unlock(&at->lock);
	j = xmalloc(sizeof(*j));
	j->at = at;
	j->ino = ino;
	workq_push(at->wq, touch_job, j);
}

void
atimes_patch(struct atimes *at, struct mc_attr *a)
{
	struct atouch	*e;

	if (at == NULL || at->mode == ATIME_NOATIME)
		return;
	pthread_mutex_lock(&at->lock);
	if ((e = find(at, a->ino, NULL)) != NULL)
		overlay(e, a);
	pthread_mutex_unlock(&at->lock);
}

void
atimes_settle(struct atimes *at, uint64_t ino)
{
	struct atouch	*e, **pp = NULL;

	if (at == NULL || at->mode == ATIME_NOATIME)
		return;
	pthread_mutex_lock(&at->lock);
	while ((e = find(at, ino, &pp)) != NULL && e->pending)
		pthread_cond_wait(&at->cond, &at->lock);
	if (e != NULL) {
		*pp = e->next;
		free(e);
	}
	pthread_mutex_unlock(&at->lock);
}
