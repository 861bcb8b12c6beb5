/*
 * locks: the cluster-wide advisory lock table (see locks.h for the rules).
 * Locks live in a hash table keyed by inode; each inode keeps a small array
 * of ranges, each tagged with its kind and owner.  One owner's ranges of one
 * kind never overlap and same-type neighbours are always merged, which keeps
 * the POSIX replace/merge/split below a single pass.  Waiters sleep on one
 * condition variable that every release broadcasts.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"
#include "server/meta/locks.h"

#define LOCKS_BUCKETS	4096	/* inode hash buckets (power of two) */

struct lk {
	enum locks_kind	 kind;
	struct locks_req r;		/* r.type is READ or WRITE */
};

struct lkino {
	struct lkino	*next;
	uint64_t	 ino;
	struct lk	*v;
	size_t		 n, cap;
};

struct locks {
	pthread_mutex_t	 lock;
	pthread_cond_t	 released;	/* broadcast on every release */
	struct lkino	*buckets[LOCKS_BUCKETS];
	size_t		 count;		/* ranges held */
};

struct locks *
locks_new(void)
{
	struct locks		*l = xcalloc(1, sizeof(*l));
	pthread_condattr_t	 ca;

	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->released, &ca);
	pthread_condattr_destroy(&ca);
	return l;
}

void
locks_free(struct locks *l)
{
	struct lkino	*li, *next;
	size_t		 i;

	if (l == NULL)
		return;
	for (i = 0; i < LOCKS_BUCKETS; i++)
		for (li = l->buckets[i]; li != NULL; li = next) {
			next = li->next;
			free(li->v);
			free(li);
		}
	pthread_cond_destroy(&l->released);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static size_t
bucket(uint64_t ino)
{
	ino ^= ino >> 33;
	ino *= UINT64_C(0xff51afd7ed558ccd);
	ino ^= ino >> 33;
	return (size_t)(ino & (LOCKS_BUCKETS - 1));
}

static struct lkino *
ino_find(struct locks *l, uint64_t ino, int create)
{
	struct lkino	*li;
	size_t		 k = bucket(ino);

	for (li = l->buckets[k]; li != NULL; li = li->next)
		if (li->ino == ino)
			return li;
	if (!create)
		return NULL;
	li = xcalloc(1, sizeof(*li));
	li->ino = ino;
	li->next = l->buckets[k];
	l->buckets[k] = li;
	return li;
}

static void
ino_drop_if_empty(struct locks *l, struct lkino *li)
{
	struct lkino	**pp;

	if (li->n != 0)
		return;
	for (pp = &l->buckets[bucket(li->ino)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == li) {
			*pp = li->next;
			break;
		}
	free(li->v);
	free(li);
}

static int
same_owner(const struct locks_req *a, const struct locks_req *b)
{
	return a->session == b->session && a->owner == b->owner;
}

static int
overlap(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	return s1 <= e2 && s2 <= e1;
}

/* [s1,e1] ends right before [s2,e2] starts, or the other way round */
static int
adjacent(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	return (e1 != UINT64_MAX && e1 + 1 == s2) ||
	    (e2 != UINT64_MAX && e2 + 1 == s1);
}

static int
check(enum locks_kind kind, const struct locks_req *r)
{
	if (kind != LOCKS_FLOCK && kind != LOCKS_POSIX)
		return -EINVAL;
	if (r->type != LOCKS_UNLOCK && r->type != LOCKS_READ &&
	    r->type != LOCKS_WRITE)
		return -EINVAL;
	if (kind == LOCKS_POSIX && r->start > r->end)
		return -EINVAL;
	return 0;
}

/* The first lock of another owner that conflicts with r, or NULL. */
static const struct lk *
conflict_of(const struct lkino *li, enum locks_kind kind,
    const struct locks_req *r)
{
	size_t	 i;

	if (li == NULL || r->type == LOCKS_UNLOCK)
		return NULL;
	for (i = 0; i < li->n; i++) {
		const struct lk *x = &li->v[i];

		if (x->kind != kind || same_owner(&x->r, r))
			continue;
		if (!overlap(x->r.start, x->r.end, r->start, r->end))
			continue;
		if (r->type == LOCKS_WRITE || x->r.type == LOCKS_WRITE)
			return x;
	}
	return NULL;
}

/* Applies r (no conflict) for its owner: replace, merge, split.  Returns 0,
 * or -ENOLCK when the owner would hold too many ranges (nothing changed). */
static int
apply(struct locks *l, struct lkino *li, enum locks_kind kind,
    const struct locks_req *r, int *released)
{
	struct lk	*nv;
	size_t		 i, nn = 0, mine = 0;
	uint64_t	 s = r->start, e = r->end;

	*released = 0;
	/* at most one extra range per existing one (a split) plus the new */
	nv = xcalloc(li->n * 2 + 1, sizeof(*nv));
	for (i = 0; i < li->n; i++) {
		const struct lk *x = &li->v[i];

		if (x->kind != kind || !same_owner(&x->r, r)) {
			nv[nn++] = *x;
			continue;
		}
		if (r->type == x->r.type &&
		    (overlap(x->r.start, x->r.end, r->start, r->end) ||
		    adjacent(x->r.start, x->r.end, r->start, r->end))) {
			/* merged into the new range */
			if (x->r.start < s)
				s = x->r.start;
			if (x->r.end > e)
				e = x->r.end;
			continue;
		}
		if (!overlap(x->r.start, x->r.end, r->start, r->end)) {
			nv[nn++] = *x;
			mine++;
			continue;
		}
		/* overlapped by another type or an unlock: keep the rest */
		*released = 1;
		if (x->r.start < r->start) {
			nv[nn] = *x;
			nv[nn].r.end = r->start - 1;
			nn++;
			mine++;
		}
		if (x->r.end > r->end) {
			nv[nn] = *x;
			nv[nn].r.start = r->end + 1;
			nn++;
			mine++;
		}
	}
	if (r->type != LOCKS_UNLOCK) {
		nv[nn].kind = kind;
		nv[nn].r = *r;
		nv[nn].r.start = s;
		nv[nn].r.end = e;
		nn++;
		mine++;
	}
	if (mine > LOCKS_MAX_PER_OWNER) {
		free(nv);
		return -ENOLCK;
	}
	/* a WRITE turned READ also lets readers in */
	if (r->type == LOCKS_READ)
		*released = 1;
	l->count = l->count - li->n + nn;
	free(li->v);
	li->v = nv;
	li->n = nn;
	li->cap = li->n * 2 + 1;
	return 0;
}

static void
deadline_after(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int
locks_set(struct locks *l, enum locks_kind kind, const struct locks_req *req,
    unsigned wait_ms, struct locks_req *conflict)
{
	struct locks_req r = *req;
	struct timespec	 deadline;
	const struct lk	*x;
	struct lkino	*li;
	int		 rc, released;

	if ((rc = check(kind, &r)) != 0)
		return rc;
	if (kind == LOCKS_FLOCK) {
		r.start = 0;
		r.end = LOCKS_EOF;
	}
	if (wait_ms > 0)
		deadline_after(&deadline, wait_ms);
	pthread_mutex_lock(&l->lock);
	for (;;) {
		li = ino_find(l, r.ino, 0);
		if ((x = conflict_of(li, kind, &r)) == NULL)
			break;
		if (wait_ms == 0 || pthread_cond_timedwait(&l->released,
		    &l->lock, &deadline) == ETIMEDOUT) {
			/* one last look: a release may have raced the timeout */
			li = ino_find(l, r.ino, 0);
			if ((x = conflict_of(li, kind, &r)) == NULL)
				break;
			if (conflict != NULL)
				*conflict = x->r;
			pthread_mutex_unlock(&l->lock);
			return -EAGAIN;
		}
	}
	if (li == NULL && r.type == LOCKS_UNLOCK) {
		pthread_mutex_unlock(&l->lock);
		return 0;
	}
	li = ino_find(l, r.ino, 1);
	rc = apply(l, li, kind, &r, &released);
	ino_drop_if_empty(l, li);
	pthread_mutex_unlock(&l->lock);
	if (rc == 0 && released)
		pthread_cond_broadcast(&l->released);
	return rc;
}

int
locks_get(struct locks *l, enum locks_kind kind, const struct locks_req *req,
    struct locks_req *conflict)
{
	struct locks_req r = *req;
	const struct lk	*x;
	int		 rc;

	if ((rc = check(kind, &r)) != 0)
		return rc;
	if (kind == LOCKS_FLOCK) {
		r.start = 0;
		r.end = LOCKS_EOF;
	}
	pthread_mutex_lock(&l->lock);
	x = conflict_of(ino_find(l, r.ino, 0), kind, &r);
	if (x != NULL && conflict != NULL)
		*conflict = x->r;
	pthread_mutex_unlock(&l->lock);
	return x != NULL;
}

#define ANY_KIND	(-1)

/* Removes the ranges matching (session, owner or any owner, kind or
 * ANY_KIND) from li. */
static size_t
drop(struct locks *l, struct lkino *li, uint64_t session, int any_owner,
    uint64_t owner, int kind)
{
	size_t	 i, j, gone;

	for (i = j = 0; i < li->n; i++) {
		if (li->v[i].r.session == session &&
		    (any_owner || li->v[i].r.owner == owner) &&
		    (kind == ANY_KIND || (int)li->v[i].kind == kind))
			continue;
		li->v[j++] = li->v[i];
	}
	gone = li->n - j;
	li->n = j;
	l->count -= gone;
	return gone;
}

static void
release(struct locks *l, int kind, uint64_t ino, uint64_t session,
    uint64_t owner)
{
	struct lkino	*li;
	size_t		 gone = 0;

	pthread_mutex_lock(&l->lock);
	if ((li = ino_find(l, ino, 0)) != NULL) {
		gone = drop(l, li, session, 0, owner, kind);
		ino_drop_if_empty(l, li);
	}
	pthread_mutex_unlock(&l->lock);
	if (gone > 0)
		pthread_cond_broadcast(&l->released);
}

void
locks_release_owner(struct locks *l, uint64_t ino, uint64_t session,
    uint64_t owner)
{
	release(l, ANY_KIND, ino, session, owner);
}

void
locks_release_kind(struct locks *l, enum locks_kind kind, uint64_t ino,
    uint64_t session, uint64_t owner)
{
	release(l, (int)kind, ino, session, owner);
}

void
locks_session_gone(uint64_t session, void *arg)
{
	struct locks	*l = arg;
	struct lkino	*li, *next;
	size_t		 i, gone = 0;

	pthread_mutex_lock(&l->lock);
	for (i = 0; i < LOCKS_BUCKETS; i++)
		for (li = l->buckets[i]; li != NULL; li = next) {
			next = li->next;
			gone += drop(l, li, session, 1, 0, ANY_KIND);
			ino_drop_if_empty(l, li);
		}
	pthread_mutex_unlock(&l->lock);
	if (gone > 0)
		pthread_cond_broadcast(&l->released);
}

size_t
locks_count(struct locks *l)
{
	size_t	 n;

	pthread_mutex_lock(&l->lock);
	n = l->count;
	pthread_mutex_unlock(&l->lock);
	return n;
}

int
locks_of_session(struct locks *l, uint64_t session, struct locks_req **out,
    enum locks_kind **kinds, size_t *n)
{
	struct lkino	*li;
	size_t		 i, j, k = 0;

	*out = NULL;
	*kinds = NULL;
	*n = 0;
	pthread_mutex_lock(&l->lock);
	for (i = 0; i < LOCKS_BUCKETS; i++)
		for (li = l->buckets[i]; li != NULL; li = li->next)
			for (j = 0; j < li->n; j++)
				if (li->v[j].r.session == session)
					k++;
	if (k > 0) {
		*out = calloc(k, sizeof(**out));
		*kinds = calloc(k, sizeof(**kinds));
		if (*out == NULL || *kinds == NULL) {
			pthread_mutex_unlock(&l->lock);
			free(*out);
			free(*kinds);
			*out = NULL;
			*kinds = NULL;
			return -ENOMEM;
		}
	}
	k = 0;
	for (i = 0; i < LOCKS_BUCKETS; i++)
		for (li = l->buckets[i]; li != NULL; li = li->next)
			for (j = 0; j < li->n; j++)
				if (li->v[j].r.session == session) {
					(*out)[k] = li->v[j].r;
					(*kinds)[k] = li->v[j].kind;
					k++;
				}
	pthread_mutex_unlock(&l->lock);
	*n = k;
	return 0;
}

static int
start_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct locks_req *)a)->start;
	uint64_t y = ((const struct locks_req *)b)->start;

	return x < y ? -1 : x > y;
}

int
locks_owner_ranges(struct locks *l, enum locks_kind kind, uint64_t ino,
    uint64_t session, uint64_t owner, struct locks_req **out, size_t *n)
{
	struct lkino	*li;
	size_t		 i, k = 0;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&l->lock);
	if ((li = ino_find(l, ino, 0)) != NULL && li->n > 0) {
		if ((*out = calloc(li->n, sizeof(**out))) == NULL) {
			pthread_mutex_unlock(&l->lock);
			return -ENOMEM;
		}
		for (i = 0; i < li->n; i++)
			if (li->v[i].kind == kind &&
			    li->v[i].r.session == session &&
			    li->v[i].r.owner == owner)
				(*out)[k++] = li->v[i].r;
	}
	pthread_mutex_unlock(&l->lock);
	if (k == 0) {
		free(*out);
		*out = NULL;
	}
	if (k > 1)
		qsort(*out, k, sizeof(**out), start_cmp);
	*n = k;
	return 0;
}

int
locks_restore(struct locks *l, enum locks_kind kind,
    const struct locks_req *req)
{
	struct locks_req r = *req;
	struct lkino	*li;
	int		 rc, released;

	if ((rc = check(kind, &r)) != 0 || r.type == LOCKS_UNLOCK)
		return rc != 0 ? rc : -EINVAL;
	if (kind == LOCKS_FLOCK) {
		r.start = 0;
		r.end = LOCKS_EOF;
	}
	pthread_mutex_lock(&l->lock);
	li = ino_find(l, r.ino, 1);
	rc = apply(l, li, kind, &r, &released);
	ino_drop_if_empty(l, li);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

void
locks_clear(struct locks *l)
{
	struct lkino	*li, *next;
	size_t		 i;

	pthread_mutex_lock(&l->lock);
	for (i = 0; i < LOCKS_BUCKETS; i++) {
		for (li = l->buckets[i]; li != NULL; li = next) {
			next = li->next;
			free(li->v);
			free(li);
		}
		l->buckets[i] = NULL;
	}
	l->count = 0;
	pthread_mutex_unlock(&l->lock);
	pthread_cond_broadcast(&l->released);
}
