/*
 * dirattrs: recent directory attributes from entry-call answers (see
 * dirattrs.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/metaclient.h"
#include "common/xalloc.h"
#include "fuse/dirattrs.h"

#define DIRATTRS_SLOTS	1024	/* a power of two */

struct slot {
	int		 used;
	int64_t		 at;		/* CLOCK_MONOTONIC ns */
	struct mc_attr	 a;
};

struct dirattrs {
	pthread_mutex_t	 lock;
	struct slot	 s[DIRATTRS_SLOTS];
};

static struct slot *
slot_of(struct dirattrs *d, uint64_t ino)
{
	return &d->s[ino & (DIRATTRS_SLOTS - 1)];
}

struct dirattrs *
dirattrs_new(void)
{
	struct dirattrs	*d = xcalloc(1, sizeof(*d));

	pthread_mutex_init(&d->lock, NULL);
	return d;
}

void
dirattrs_free(struct dirattrs *d)
{
	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void
dirattrs_put(struct dirattrs *d, const struct mc_attr *a)
{
	struct slot	*s;

	pthread_mutex_lock(&d->lock);
	s = slot_of(d, a->ino);
	if (!s->used || s->a.ino != a->ino || s->a.ctime <= a->ctime) {
		s->used = 1;
		s->at = clock_mono_ns();
		s->a = *a;
	}
	pthread_mutex_unlock(&d->lock);
}

int
dirattrs_get(struct dirattrs *d, uint64_t ino, int64_t max_age_ns,
    struct mc_attr *a)
{
	struct slot	*s;
	int		 rc = -ENOENT;

	pthread_mutex_lock(&d->lock);
	s = slot_of(d, ino);
	if (s->used && s->a.ino == ino && clock_mono_ns() - s->at <= max_age_ns) {
		*a = s->a;
		rc = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

void
dirattrs_forget(struct dirattrs *d, uint64_t ino)
{
	struct slot	*s;

	pthread_mutex_lock(&d->lock);
	s = slot_of(d, ino);
	if (s->used && s->a.ino == ino)
		s->used = 0;
	pthread_mutex_unlock(&d->lock);
}

void
dirattrs_clear(struct dirattrs *d)
{
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < DIRATTRS_SLOTS; i++)
		d->s[i].used = 0;
	pthread_mutex_unlock(&d->lock);
}
