/*
 * diskcache: an optional on-disk cache of whole blocks in one directory, with
 * a size cap.  Files are named by block id; since a block id is the SHA-256 of
 * the content, a cached block can never be stale, only damaged: every load
 * re-verifies the content and drops a file that does not match.  Eviction is
 * least recently used (use order kept in memory, rebuilt from the files'
 * mtimes at start).  Thread-safe (one mutex for the index, file I/O outside
 * it; puts are serialized, so a file being written counts against the cap
 * and the directory never holds more than it).
 */
#ifndef MINIDFS_FUSE_DISKCACHE_H
#define MINIDFS_FUSE_DISKCACHE_H

#include <stddef.h>
#include <stdint.h>

struct diskcache;

/* Opens (creating, mode 0700) the cache in dir holding at most max_bytes, and
 * adopts the blocks already there (evicting down to the cap; other files are
 * left alone, stale temp files removed).  Returns 0 and *out, or -errno with a
 * message in err. */
int	 diskcache_open(const char *dir, uint64_t max_bytes,
	    struct diskcache **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* Frees the in-memory index (the files stay); NULL is a no-op. */
void	 diskcache_free(struct diskcache *);

/* Loads block id: *data is malloc'ed (caller frees), *len its length.
 * Returns 0, -ENOENT (not cached), -EIO (damaged: the file was removed) or
 * -ENOMEM. */
int	 diskcache_get(struct diskcache *, const char *id, void **data,
	    size_t *len) __attribute__((warn_unused_result));
/* Stores len bytes as block id (a temp file renamed into place), evicting
 * old blocks to stay within the cap.  Data stays the caller's.  Failures are
 * logged and otherwise ignored: the cache is an optimisation. */
void	 diskcache_put(struct diskcache *, const char *id, const void *data,
	    size_t len);
/* Bytes and blocks held (tests, statistics). */
void	 diskcache_stats(struct diskcache *, uint64_t *bytes,
	    uint64_t *blocks);

#endif /* MINIDFS_FUSE_DISKCACHE_H */
