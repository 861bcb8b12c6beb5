/*
 * inode: the inode table, a chained hash table of lookup counts and open
 * files.  See inode.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "fuse/inode.h"
#include "fuse/ofile.h"

#define INODES_BUCKETS	4096	/* a power of two */

struct ientry {
	uint64_t	 ino;
	uint64_t	 nlookup;
	struct ofile	*of;
	struct ientry	*next;
};

struct inodes {
	pthread_mutex_t	 lock;
	size_t		 count;				/* protected by lock */
	struct ientry	*buckets[INODES_BUCKETS];	/* protected by lock */
};

static size_t
bucket_of(uint64_t ino)
{
	ino ^= ino >> 29;
	ino *= 0xbf58476d1ce4e5b9ULL;
	ino ^= ino >> 32;
	return (size_t)ino & (INODES_BUCKETS - 1);
}

struct inodes *
inodes_new(void)
{
	struct inodes	*t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void
inodes_free(struct inodes *t)
{
	struct ientry	*e, *next;

	if (t == NULL)
		return;
	for (size_t b = 0; b < INODES_BUCKETS; b++)
		for (e = t->buckets[b]; e != NULL; e = next) {
			next = e->next;
			ofile_free(e->of);
			free(e);
		}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static struct ientry *
find(struct inodes *t, uint64_t ino, int create)
{
	struct ientry	*e;
	size_t		 b = bucket_of(ino);

	for (e = t->buckets[b]; e != NULL; e = e->next)
		if (e->ino == ino)
			return e;
	if (!create)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->ino = ino;
	e->next = t->buckets[b];
	t->buckets[b] = e;
	t->count++;
	return e;
}

/* Removes e when nothing holds it; called with the lock. */
static void
maybe_drop(struct inodes *t, struct ientry *e)
{
	struct ientry	**pp;

	if (e->nlookup > 0 || e->of != NULL)
		return;
	for (pp = &t->buckets[bucket_of(e->ino)]; *pp != e; pp = &(*pp)->next)
		;
	*pp = e->next;
	t->count--;
	free(e);
}

void
inodes_ref(struct inodes *t, uint64_t ino, uint64_t n)
{
	pthread_mutex_lock(&t->lock);
	find(t, ino, 1)->nlookup += n;
	pthread_mutex_unlock(&t->lock);
}

void
inodes_forget(struct inodes *t, uint64_t ino, uint64_t n)
{
	struct ientry	*e;

	pthread_mutex_lock(&t->lock);
	if ((e = find(t, ino, 0)) != NULL) {
		e->nlookup = e->nlookup > n ? e->nlookup - n : 0;
		maybe_drop(t, e);
	}
	pthread_mutex_unlock(&t->lock);
}

uint64_t
inodes_lookups(struct inodes *t, uint64_t ino)
{
	struct ientry	*e;
	uint64_t	 n;

	pthread_mutex_lock(&t->lock);
	e = find(t, ino, 0);
	n = e != NULL ? e->nlookup : 0;
	pthread_mutex_unlock(&t->lock);
	return n;
}

size_t
inodes_count(struct inodes *t)
{
	size_t	 n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

struct ofile *
inodes_open(struct inodes *t, struct mdfs *fs, uint64_t ino, uint64_t size)
{
	struct ientry	*e;
	struct ofile	*of;

	pthread_mutex_lock(&t->lock);
	e = find(t, ino, 1);
	if (e->of == NULL)
		e->of = ofile_new(fs, ino, size);
	of = e->of;
	of->refs++;
	pthread_mutex_unlock(&t->lock);
	return of;
}

struct ofile *
inodes_get(struct inodes *t, uint64_t ino)
{
	struct ientry	*e;
	struct ofile	*of = NULL;

	pthread_mutex_lock(&t->lock);
	if ((e = find(t, ino, 0)) != NULL && e->of != NULL) {
		of = e->of;
		of->refs++;
	}
	pthread_mutex_unlock(&t->lock);
	return of;
}

void
inodes_put(struct inodes *t, struct ofile *of)
{
	struct ientry	*e;
	struct ofile	*dead = NULL;

	if (of == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	if (--of->refs == 0) {
		dead = of;
		if ((e = find(t, of->ino, 0)) != NULL && e->of == of) {
			e->of = NULL;
			maybe_drop(t, e);
		}
	}
	pthread_mutex_unlock(&t->lock);
	ofile_free(dead);
}

void
inodes_foreach_open(struct inodes *t, void (*fn)(struct ofile *, void *),
    void *arg)
{
	struct ofile	**v = NULL;
	struct ientry	 *e;
	size_t		  n = 0, cap = 0;

	pthread_mutex_lock(&t->lock);
	for (size_t b = 0; b < INODES_BUCKETS; b++)
		for (e = t->buckets[b]; e != NULL; e = e->next) {
			if (e->of == NULL)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				v = xrealloc(v, cap * sizeof(*v));
			}
			e->of->refs++;
			v[n++] = e->of;
		}
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; i < n; i++) {
		fn(v[i], arg);
		inodes_put(t, v[i]);
	}
	free(v);
}
