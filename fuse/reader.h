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
 * first read after an open or a commit: close-to-open, unless the open's
 * answer brought it), and reader_read(),
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
struct mc_map;
struct ofile;
struct reader;

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
/* With of->lock held: takes chunks (n of them, sorted by index, malloc'ed
 * or NULL) as the valid map, freeing the old one. */
void		 ofile_map_set(struct ofile *, struct mc_chunk *chunks,
		    size_t n);

/*
 * The map an open's answer carries (mc_open_map, READER_OPEN_MAP chunks)
 * saves the first read its blockmap request, but it was read when the
 * metaserver answered, and the ofile may have changed since: this
 * mount's commit, truncation, or a granted lock (whose invalidation
 * came before the install would then be undone by it).  Map epochs tell:
 * read reader_map_epoch() before sending the open; every such change
 * calls reader_maps_stale() before it invalidates (under the ofile's
 * lock, or, for a lock, before looking for the ofile); a truncation of a
 * file perhaps not open here is bracketed by reader_maps_change_begin()
 * (before looking for its ofile) and _end() (after the answer).
 */
#define READER_OPEN_MAP	64	/* chunks an open asks for: 256 MiB of file
				 * at 4 MiB blocks */
uint64_t	 reader_map_epoch(struct mdfs *);
void		 reader_maps_stale(struct mdfs *);
void		 reader_maps_change_begin(struct mdfs *);
void		 reader_maps_change_end(struct mdfs *);
/* With of->lock held, right after the open's ofile_map_invalidate: takes
 * m's chunks as of's map (m emptied) and returns 1 when m (asked: the
 * chunks the open asked for) is the whole file at of->size, of has no
 * pending writes, and no change since epoch (reader_map_epoch) may have
 * made it stale; else returns 0 and m is untouched (the first read loads
 * the map). */
int		 ofile_map_install(struct ofile *, struct mc_map *m,
		    unsigned asked, uint64_t epoch);

#endif /* MINIDFS_FUSE_READER_H */
