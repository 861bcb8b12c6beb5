/*
 * writer: the write side of the data path -- per-file block buffers, the
 * uploader pool, commits of the block map (writer.c), and the attributes
 * it keeps of open files (writer_attr.c).  The consistency argument is the
 * comment at the top of writer.c.  Thread-safe (see ofile.h for locking).
 */
#ifndef MINIDFS_FUSE_WRITER_H
#define MINIDFS_FUSE_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mdfs;
struct mc_attr;
struct mc_setattr;
struct ofile;
struct writer;
struct wblock;

#define WRITER_MIN_ALLOC	(64u * 1024)	/* first buffer of a block */

/* Starts the uploader pool (fs->conf.uploaders threads) with at most
 * fs->conf.write_buffer bytes of buffers.  NULL when threads fail. */
struct writer	*writer_new(struct mdfs *);
/* Stops the pool (after the queued uploads).  NULL is a no-op. */
void		 writer_free(struct writer *);

/* Writes n bytes at off (at the end of the file when append).  Returns n or
 * -errno (-EIO when an existing block could not be read back for a partial
 * overwrite, -EFBIG past the largest offset).  The data is acknowledged to
 * the application but not yet stored: see writer_flush. */
ssize_t		 writer_write(struct ofile *, uint64_t off, const char *buf,
		    size_t n, int append);
/* Uploads every pending block, waits for the uploads, commits the block
 * map and size.  Returns 0, or the first error since the last flush
 * (-EIO, -ENOSPC, -ETIMEDOUT ...): pending data stays buffered and a later
 * flush tries again. */
int		 writer_flush(struct ofile *);
/* After a truncate of an open file to size (the map went stale). */
void		 writer_truncated(struct ofile *, uint64_t size);
/* Overlays the pending size and mtime of an open file on attributes from
 * the metaserver. */
void		 writer_patch_attr(struct ofile *, struct mc_attr *);
/* 1 when s may wait for the next flush (writer.c, point 6): the file was
 * created by this mount and s changes only mode, owner and explicit times.
 * The caller has checked that root asks. */
int		 writer_may_defer(struct ofile *, const struct mc_setattr *s);
/* Records s (writer_may_defer said yes) for the next flush; this mount's
 * getattr and lookup replies show it at once (writer_patch_attr). */
void		 writer_defer_attr(struct ofile *, const struct mc_setattr *s);
/* With the kernel's writeback cache: its mtime of the file, sent before
 * the flush or fsync that commits the file's pending writes, becomes the
 * mtime of that commit.  1 when it was taken, 0 when the file has nothing
 * pending (then the caller sends it as a setattr). */
int		 writer_fold_mtime(struct ofile *, int64_t mtime);
/* The metaserver's attributes of a file this mount created, as last
 * answered to its create, flush or commit (without this mount's pending
 * changes: see writer_patch_attr): 0, or -ENOENT when unknown or when a
 * link, unlink or rename of this mount may have changed nlink or ctime
 * since. */
int		 writer_base_attr(struct ofile *, struct mc_attr *);
/* writer_base_attr, but only when the metaserver answered at most
 * max_age_ns ago (getattr of an open file this mount created, within the
 * attribute timeout, as the kernel's own cache would answer). */
int		 writer_recent_attr(struct ofile *, struct mc_attr *,
		    int64_t max_age_ns);
/* With of->lock held: a is what the metaserver answered about the file
 * just now, asked with fs->names_gen at ngen (the base attributes). */
void		 writer_set_base(struct ofile *, const struct mc_attr *,
		    uint64_t ngen);
/* After a setattr sent past the writer: the base attributes are stale. */
void		 writer_forget_base(struct ofile *);
/* 1 when deferred attribute changes wait for the next flush. */
int		 writer_attr_pending(struct ofile *);
/* With of->lock held: the pending block at index, or NULL. */
struct wblock	*writer_find(struct ofile *, uint64_t index);

/* Pure arithmetic (tests): the piece of a write of n bytes at off that
 * falls in its first block: block index, offset inside it, length. */
void		 writer_split(uint64_t block_size, uint64_t off, size_t n,
		    uint64_t *index, uint64_t *boff, size_t *len);
/* The next buffer capacity for a block that must hold need bytes, growing
 * from cap (doubling from WRITER_MIN_ALLOC, never past block_size). */
size_t		 writer_grow(size_t cap, size_t need, uint64_t block_size);

#endif /* MINIDFS_FUSE_WRITER_H */
