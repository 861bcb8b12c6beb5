/*
 * reader: the read side of the data path.  Whole blocks are fetched from
 * the dataservers (GET /v1/blocks/{id}), verified against their id (the
 * SHA-256 of the content) and kept in the block cache (and the optional disk
 * cache), so a read of any range of a block after the first is served from
 * memory.  A replica that fails or returns bad bytes is logged and skipped
 * for the next.  Concurrent fetches of the same block are merged.
 * Read-ahead fetches the following blocks on a small thread pool.
 *
 * Also here: the per-open-file block map (loaded from the metaserver at the
 * first read after an open or a commit: close-to-open), and reader_read(),
 * which merges the map with the pending writes of writer.c.
 * Thread-safe.
 */
#ifndef MINIDFS_FUSE_READER_H
#define MINIDFS_FUSE_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mdfs;
struct mc_chunk;
struct ofile;
struct reader;

#define READER_PREFETCH_THREADS	2	/* read-ahead fetchers */

struct reader	*reader_new(struct mdfs *);
/* Waits for read-ahead jobs, frees.  NULL is a no-op. */
void		 reader_free(struct reader *);

/* Copies bytes [off, off+n) of the block of ch into dst (n may be 0: only
 * loads the block into the cache).  Returns the count copied (short when
 * the block ends first), -ENOENT (no replica has it: stale map), -EACCES
 * (token refused: stale map), -EIO (every replica failed or lied). */
ssize_t		 reader_chunk(struct reader *, const struct mc_chunk *ch,
		    uint64_t off, void *dst, size_t n);
/* Only bytes [off, off+n) of the block of ch, by a ranged GET (the
 * dataserver verifies them against the block's sub-block checksums); not
 * cached.  Returns the count or an error as reader_chunk. */
ssize_t		 reader_range(struct reader *, const struct mc_chunk *ch,
		    uint64_t off, void *dst, size_t n);
/* The whole block of ch: *data malloc'ed (caller frees), *len.  Errors as
 * reader_chunk, and -ENOMEM. */
int		 reader_block(struct reader *, const struct mc_chunk *ch,
		    void **data, size_t *len);

/* Reads [off, off+size) of an open file into dst: pending writes first,
 * then committed chunks, zeros for holes.  Returns the count (short at
 * the end of the file) or -errno. */
ssize_t		 reader_read(struct ofile *, uint64_t off, size_t size,
		    char *dst);

/* With of->lock held: loads the block map when it is not valid (dropping
 * the lock during the calls).  Returns 0 or -errno. */
int		 ofile_map_ensure(struct ofile *);
/* With of->lock held: the committed chunk at index, or NULL (a hole, or
 * past the map). */
const struct mc_chunk *ofile_map_find(struct ofile *, uint64_t index);
/* With of->lock held: marks the map stale. */
void		 ofile_map_invalidate(struct ofile *);

#endif /* MINIDFS_FUSE_READER_H */
