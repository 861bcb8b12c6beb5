/*
 * blockpool: spare block-sized buffers kept for the next block, so that
 * reading or writing a stream of blocks reuses memory whose pages are
 * already mapped instead of mapping (and page-faulting) fresh memory for
 * every block and unmapping it again when the block leaves the cache.
 *
 * Every buffer the pool hands out holds at least the pool's size bytes and
 * is an ordinary malloc(3) allocation: whoever holds it may free(3) or
 * realloc(3) it instead of giving it back.  blockpool_put() takes any
 * malloc'ed pointer and keeps it only when its usable size is the pool's
 * size (give or take a page), so a caller never has to remember where a
 * buffer came from.  The pool keeps at most max_spare buffers; the memory
 * they hold is the only memory it adds.  Thread-safe.
 */
#ifndef MINIDFS_BLOCKPOOL_H
#define MINIDFS_BLOCKPOOL_H

#include <stddef.h>

struct blockpool;

/* A pool of buffers of size bytes keeping at most max_spare of them
 * (0: a pool that keeps nothing).  Never fails (small allocation). */
struct blockpool	*blockpool_new(size_t size, unsigned max_spare);
/* Frees the pool and its spares; NULL is a no-op. */
void			 blockpool_free(struct blockpool *);

/* The pool's buffer size (0 for a NULL pool). */
size_t	 blockpool_size(const struct blockpool *);
/* A buffer of at least blockpool_size() bytes: a spare or a new one.
 * NULL when out of memory (or for a NULL pool). */
void	*blockpool_get(struct blockpool *);
/* Gives p back: kept as a spare when it is pool-sized and there is room,
 * otherwise freed.  NULL p is a no-op; a NULL pool frees p. */
void	 blockpool_put(struct blockpool *, void *p);
/* The spares held now (statistics and tests). */
unsigned blockpool_spares(struct blockpool *);

#endif /* MINIDFS_BLOCKPOOL_H */
