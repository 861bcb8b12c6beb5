/*
 * lookahead: listings fetched ahead of lookups (see lookahead.h).  Each
 * kept directory holds its page of entries sorted by name, searched with
 * bsearch under one mutex.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/metaclient.h"
#include "common/xalloc.h"
#include "fuse/lookahead.h"

struct ladir {
	int			 used;
	uint64_t		 parent;
	int64_t			 touched;	/* CLOCK_MONOTONIC ns, for LRU */
	/* the listing (ents NULL: none) */
	struct mc_dirent	*ents;		/* sorted by name */
	size_t			 n;
	uint64_t		 gen;		/* mc_changes() it was asked at */
	int64_t			 at;		/* CLOCK_MONOTONIC ns */
	int			 complete;
	/* the misses since */
	int			 fetching;
	uint64_t		 miss_gen;
	unsigned		 misses;
};

struct lookahead {
	pthread_mutex_t		 lock;
	struct ladir		 d[LOOKAHEAD_DIRS];
};

struct lookahead *
lookahead_new(void)
{
	struct lookahead	*la = xcalloc(1, sizeof(*la));

	pthread_mutex_init(&la->lock, NULL);
	return la;
}

static void
drop_listing(struct ladir *d)
{
	mc_dirents_free(d->ents, d->n);
	d->ents = NULL;
	d->n = 0;
}

void
lookahead_free(struct lookahead *la)
{
	if (la == NULL)
		return;
	for (size_t i = 0; i < LOOKAHEAD_DIRS; i++)
		drop_listing(&la->d[i]);
	pthread_mutex_destroy(&la->lock);
	free(la);
}

static struct ladir *
find(struct lookahead *la, uint64_t parent)
{
	for (size_t i = 0; i < LOOKAHEAD_DIRS; i++)
		if (la->d[i].used && la->d[i].parent == parent)
			return &la->d[i];
	return NULL;
}

/* The slot of parent, taking a free one or the least recently touched one
 * that is not being fetched; NULL when every slot is being fetched. */
static struct ladir *
find_or_take(struct lookahead *la, uint64_t parent)
{
	struct ladir	*d, *victim = NULL;

	if ((d = find(la, parent)) != NULL)
		return d;
	for (size_t i = 0; i < LOOKAHEAD_DIRS; i++) {
		d = &la->d[i];
		if (!d->used) {
			victim = d;
			break;
		}
		if (!d->fetching &&
		    (victim == NULL || d->touched < victim->touched))
			victim = d;
	}
	if (victim == NULL)
		return NULL;
	drop_listing(victim);
	memset(victim, 0, sizeof(*victim));
	victim->used = 1;
	victim->parent = parent;
	return victim;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct mc_dirent *)a)->name,
	    ((const struct mc_dirent *)b)->name);
}

int
lookahead_get(struct lookahead *la, uint64_t parent, const char *name,
    uint64_t gen, int64_t max_age_ns, struct mc_attr *a, int64_t *age_ns)
{
	struct mc_dirent	 key, *hit;
	struct ladir		*d;
	int64_t			 now = clock_mono_ns();
	int			 rc = -EAGAIN;

	/* "." and ".." are in listings but are not names to look up */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EAGAIN;
	pthread_mutex_lock(&la->lock);
	d = find(la, parent);
	if (d == NULL || d->ents == NULL || d->gen != gen ||
	    now - d->at > max_age_ns)
		goto out;
	d->touched = now;
	*age_ns = now - d->at;
	key.name = (char *)name;
	hit = bsearch(&key, d->ents, d->n, sizeof(*d->ents), by_name);
	if (hit != NULL) {
		*a = hit->attr;
		rc = 0;
	}
out:
	pthread_mutex_unlock(&la->lock);
	return rc;
}

int
lookahead_miss(struct lookahead *la, uint64_t parent, uint64_t gen)
{
	struct ladir	*d;
	unsigned	 need;
	int		 fetch = 0;

	pthread_mutex_lock(&la->lock);
	if ((d = find_or_take(la, parent)) == NULL || d->fetching)
		goto out;
	d->touched = clock_mono_ns();
	if (d->miss_gen != gen) {
		d->miss_gen = gen;
		d->misses = 0;
	}
	need = d->ents != NULL && !d->complete && d->gen == gen ?
	    LOOKAHEAD_REFETCH : LOOKAHEAD_MISSES;
	if (++d->misses >= need) {
		d->misses = 0;
		d->fetching = 1;
		fetch = 1;
	}
out:
	pthread_mutex_unlock(&la->lock);
	return fetch;
}

void
lookahead_put(struct lookahead *la, uint64_t parent, uint64_t gen,
    struct mc_dirent *ents, size_t n, int complete)
{
	struct ladir	*d;

	if (n > 1)
		qsort(ents, n, sizeof(*ents), by_name);
	pthread_mutex_lock(&la->lock);
	/* a fetching slot is never taken, so it is still there */
	if ((d = find(la, parent)) == NULL) {
		pthread_mutex_unlock(&la->lock);
		mc_dirents_free(ents, n);
		return;
	}
	drop_listing(d);
	d->ents = ents;
	d->n = n;
	d->gen = gen;
	d->at = clock_mono_ns();
	d->touched = d->at;
	d->complete = complete;
	d->fetching = 0;
	pthread_mutex_unlock(&la->lock);
}

void
lookahead_put_failed(struct lookahead *la, uint64_t parent)
{
	struct ladir	*d;

	pthread_mutex_lock(&la->lock);
	if ((d = find(la, parent)) != NULL)
		d->fetching = 0;
	pthread_mutex_unlock(&la->lock);
}
