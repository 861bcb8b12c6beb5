/*
 * opendirs: directories open in this mount, for the ones removed while
 * open (see opendirs.h).  A short array: a process holds few directories
 * open at once (find and tar walk them one at a time).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/metaclient.h"
#include "common/xalloc.h"
#include "fuse/opendirs.h"

struct odir {
	uint64_t	 ino;
	unsigned	 handles;
	struct mc_attr	 a;
};

struct opendirs {
	pthread_mutex_t	 lock;
	struct odir	*v;
	size_t		 n, cap;
};

struct opendirs *
opendirs_new(void)
{
	struct opendirs	*o = xcalloc(1, sizeof(*o));

	pthread_mutex_init(&o->lock, NULL);
	return o;
}

void
opendirs_free(struct opendirs *o)
{
	if (o == NULL)
		return;
	pthread_mutex_destroy(&o->lock);
	free(o->v);
	free(o);
}

/* With the lock held: the entry of ino, or NULL. */
static struct odir *
find(struct opendirs *o, uint64_t ino)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].ino == ino)
			return &o->v[i];
	return NULL;
}

void
opendirs_open(struct opendirs *o, const struct mc_attr *a)
{
	struct odir	*d;

	pthread_mutex_lock(&o->lock);
	if ((d = find(o, a->ino)) == NULL) {
		if (o->n == o->cap) {
			o->cap = o->cap ? o->cap * 2 : 16;
			o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
		}
		d = &o->v[o->n++];
		d->ino = a->ino;
		d->handles = 0;
	}
	d->handles++;
	d->a = *a;
	pthread_mutex_unlock(&o->lock);
}

void
opendirs_close(struct opendirs *o, uint64_t ino)
{
	struct odir	*d;

	pthread_mutex_lock(&o->lock);
	if ((d = find(o, ino)) != NULL && --d->handles == 0)
		*d = o->v[--o->n];
	pthread_mutex_unlock(&o->lock);
}

int
opendirs_removed(struct opendirs *o, uint64_t ino, struct mc_attr *a)
{
	struct odir	*d;
	int		 rc = -ENOENT;

	pthread_mutex_lock(&o->lock);
	if ((d = find(o, ino)) != NULL) {
		*a = d->a;
		a->nlink = 0;
		rc = 0;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int
opendirs_attr(struct opendirs *o, uint64_t ino, struct mc_attr *a)
{
	struct odir	*d;
	int		 rc = -ENOENT;

	pthread_mutex_lock(&o->lock);
	if ((d = find(o, ino)) != NULL) {
		*a = d->a;
		rc = 0;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}
