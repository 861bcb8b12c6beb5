/*
 * blockpool: a mutex-guarded stack of spare buffers.  See blockpool.h.
 */
#include "config.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/blockpool.h"
#include "common/xalloc.h"

/* A buffer more than a sixteenth over the pool's size is not one of ours:
 * it would hold pages no block uses (a block from mmap is only rounded up
 * to a page). */
#define BLOCKPOOL_SLACK(size)	((size) / 16)

struct blockpool {
	pthread_mutex_t	 lock;
	size_t		 size;
	unsigned	 max_spare;
	unsigned	 nspare;	/* protected by lock */
	void		**spare;	/* max_spare slots, protected by lock */
};

struct blockpool *
blockpool_new(size_t size, unsigned max_spare)
{
	struct blockpool	*bp = xcalloc(1, sizeof(*bp));

	pthread_mutex_init(&bp->lock, NULL);
	bp->size = size;
	bp->max_spare = max_spare;
	bp->spare = xcalloc(max_spare > 0 ? max_spare : 1, sizeof(void *));
	return bp;
}

void
blockpool_free(struct blockpool *bp)
{
	if (bp == NULL)
		return;
	while (bp->nspare > 0)
		free(bp->spare[--bp->nspare]);
	pthread_mutex_destroy(&bp->lock);
	free(bp->spare);
	free(bp);
}

size_t
blockpool_size(const struct blockpool *bp)
{
	return bp != NULL ? bp->size : 0;
}

void *
blockpool_get(struct blockpool *bp)
{
	void	*p = NULL;

	if (bp == NULL)
		return NULL;
	pthread_mutex_lock(&bp->lock);
	if (bp->nspare > 0)
		p = bp->spare[--bp->nspare];
	pthread_mutex_unlock(&bp->lock);
	return p != NULL ? p : malloc(bp->size);
}

void
blockpool_put(struct blockpool *bp, void *p)
{
	size_t	 usable;

	if (p == NULL)
		return;
	if (bp != NULL) {
		usable = malloc_usable_size(p);
		if (usable >= bp->size && usable - bp->size <= BLOCKPOOL_SLACK(bp->size)) {
			pthread_mutex_lock(&bp->lock);
			if (bp->nspare < bp->max_spare) {
				bp->spare[bp->nspare++] = p;
				p = NULL;
			}
			pthread_mutex_unlock(&bp->lock);
		}
	}
	free(p);
}

unsigned
blockpool_spares(struct blockpool *bp)
{
	unsigned	 n;

	pthread_mutex_lock(&bp->lock);
	n = bp->nspare;
	pthread_mutex_unlock(&bp->lock);
	return n;
}
