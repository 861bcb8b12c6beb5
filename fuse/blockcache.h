/*
 * blockcache: the in-memory LRU cache of whole blocks, keyed by block id.
 *
 * Blocks are named by the SHA-256 of their content, so a cached block is never
 * stale: the cache needs no invalidation, only eviction.  The cache holds at
 * most max_bytes of block data (a block larger than max_bytes is not kept).
 * Thread-safe: one mutex guards the table and the LRU list; readers copy the
 * bytes they need out under the lock, so an entry is never freed while in use.
 */
#ifndef MINIDFS_FUSE_BLOCKCACHE_H
#define MINIDFS_FUSE_BLOCKCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct blockcache;

struct blockpool;

/* A cache holding at most max_bytes (0: a cache that keeps nothing).  The
 * blocks it drops go to pool (blockpool.h; NULL: freed), which must outlive
 * the cache.  Never fails (small fixed allocation). */
struct blockcache	*blockcache_new(uint64_t max_bytes,
			    struct blockpool *pool);
/* Frees the cache and every block in it; NULL is a no-op. */
void			 blockcache_free(struct blockcache *);

/* Copies up to n bytes from offset off of block id into dst and marks the
 * block most recently used.  Returns the count copied (0 when off is at or
 * past the block's end), or -ENOENT when the block is not cached. */
ssize_t	 blockcache_read(struct blockcache *, const char *id, uint64_t off,
	    void *dst, size_t n);
/* 1 when the block is cached (without touching its LRU position), else 0. */
int	 blockcache_has(struct blockcache *, const char *id);
/* Inserts len bytes as block id.  The cache takes data (malloc'ed) in every
 * case: it drops it at once when the block is already cached or too big.
 * Evicts least recently used blocks to stay within the cap. */
void	 blockcache_insert(struct blockcache *, const char *id, void *data,
	    size_t len);
/* Bytes and blocks currently held (statistics and tests). */
void	 blockcache_stats(struct blockcache *, uint64_t *bytes,
	    uint64_t *blocks);

#endif /* MINIDFS_FUSE_BLOCKCACHE_H */
