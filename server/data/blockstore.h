/*
 * blockstore: the dataserver's on-disk block store.
 *
 * Layout under the data root:
 *   blocks/ab/cd/<id>      the block, named by its SHA-256 (ab, cd: its first
 *                          two bytes in hex)
 *   blocks/ab/cd/<id>.sum  one line "<checksum hex>\n" per MDFS_SUBBLOCK_SIZE
 *                          piece of the block (the last may be shorter), so
 *                          a range can be verified without reading it all;
 *                          none for a block of one piece (its checksum is
 *                          the id: ranges of it are verified whole).  The
 *                          checksum is XXH3-128 (common/subsum.h); files of
 *                          SHA-256 lines written by older versions are
 *                          still read, told apart by their size
 *   tmp/                   blocks being written; swept at open
 *   quarantine/            blocks (and their .sum) that failed verification
 *
 * A write goes to a temp file while it is hashed, is verified against its id,
 * fsynced, renamed into place (the .sum first, the block last: a block never
 * exists without its checksums) and the directory fsynced (and the parents
 * of directories the write created), all before it is acknowledged.  A
 * crash at any point leaves the whole block or nothing.  Space is reserved before a byte is
 * written: max_storage_size (0: the filesystem's size) and the filesystem's
 * free space are both enforced.
 *
 * The store also keeps the change log the heartbeat reports (blocks added,
 * removed, found bad since the last heartbeat).
 *
 * Thread-safety: every function may be called from any thread; a struct
 * bs_writer belongs to one thread at a time.  Ids are checked with
 * blockid_valid() on every call (-EINVAL), so no path outside the root can be
 * named.
 */
#ifndef MINIDFS_DATA_BLOCKSTORE_H
#define MINIDFS_DATA_BLOCKSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/blockid.h"
#include "common/subsum.h"

struct blockstore;
struct bs_writer;

#define BS_SUM_LINE		(SUBSUM_HEX_LEN + 1)	/* bytes per .sum line */
#define BS_SUM_LINE_SHA256	(BLOCKID_HEX_LEN + 1)	/* older .sum files */
#define BS_CHANGES_MAX		100000	/* change-log entries kept */
#define BS_DIR_MODE		0755
#define BS_FILE_MODE		0644

struct blockstore_stats {
	uint64_t	 capacity;	/* bytes: max_storage_size or the fs size */
	uint64_t	 used;		/* bytes in stored blocks */
	uint64_t	 free;		/* bytes a new block may still take */
	uint64_t	 reserved;	/* bytes reserved by writes in progress */
	uint64_t	 blocks;	/* stored blocks */
	uint64_t	 quarantined;	/* blocks moved to quarantine (ever) */
	uint64_t	 writes_inflight;
};

enum bs_change_kind {
	BS_ADDED,
	BS_REMOVED,
	BS_BAD,
};

struct bs_change {
	enum bs_change_kind kind;
	char		 id[BLOCKID_BUFSZ];
	uint64_t	 size;		/* BS_ADDED */
};

struct bs_changes {
	struct bs_change *v;		/* malloc'ed; blockstore_changes_release */
	size_t		 n;
	int		 overflow;	/* entries were dropped: send a full report */
};

/* Opens (creating the directories) the store at root, sweeps tmp/ and counts
 * the blocks.  Returns the store or NULL with a message in err. */
struct blockstore *blockstore_open(const char *root, uint64_t max_size,
		    char *err, size_t errlen);
void		 blockstore_close(struct blockstore *);
/*
 * Drop behind writes: once a block is on disk its pages leave the page
 * cache.  The mounts cache what they wrote, so the pages rarely serve a
 * read, and keeping them makes every later write fill fresh memory
 * (sequential writes through a 3-node chain slowed from ~150 to ~85 MiB/s
 * after 2.5 GiB here without it, flat with it).  Call before writing.
 */
void		 blockstore_set_drop_behind(struct blockstore *, int on);

void		 blockstore_stats(struct blockstore *, struct blockstore_stats *);

/* 1 and *size when the block is stored, 0 when not, -errno on error. */
int		 blockstore_has(struct blockstore *, const char *id,
		    uint64_t *size);

/*
 * Starts writing block id.  expect_len is the body's length, or -1 when not
 * known (then space is reserved as bytes arrive).  Returns 0 and *w, or
 * -EINVAL (bad id), -ENOSPC (over max_storage_size or the disk), -errno.
 */
int		 blockstore_writer_new(struct blockstore *, const char *id,
		    int64_t expect_len, struct bs_writer **w)
		    __attribute__((warn_unused_result));
/* Appends bytes.  -EFBIG past expect_len, -ENOSPC, -EIO.  After an error the
 * writer can only be aborted. */
int		 blockstore_writer_write(struct bs_writer *, const void *p,
		    size_t n) __attribute__((warn_unused_result));
uint64_t	 blockstore_writer_len(const struct bs_writer *);
/*
 * Verifies, fsyncs and renames into place; always frees w.  Returns 0 (*existed
 * is 1 when the block was already stored, and nothing changed), -EILSEQ (the
 * bytes do not hash to the id; the temp file is removed), -EIO (short body:
 * fewer bytes than expect_len) or -errno.
 */
int		 blockstore_writer_commit(struct bs_writer *, int *existed)
		    __attribute__((warn_unused_result));
/* Removes the temp file and frees w.  NULL is a no-op. */
void		 blockstore_writer_abort(struct bs_writer *);

/* Opens a stored block for reading: *fd (caller closes) and *size.  Returns
 * 0, -ENOENT, -EINVAL, -errno.  Nothing is verified yet. */
int		 blockstore_open_read(struct blockstore *, const char *id,
		    int *fd, uint64_t *size) __attribute__((warn_unused_result));
/*
 * Verifies [off, off+len) of an opened block: the whole block against its id,
 * a range against the sub-block checksums that cover it.  Returns 0, or
 * -EUCLEAN after quarantining the block (it is reported as bad), or -errno.
 */
int		 blockstore_verify(struct blockstore *, const char *id, int fd,
		    uint64_t size, uint64_t off, uint64_t len)
		    __attribute__((warn_unused_result));

/* Checks a stored block whole against its id (a client reported it bad):
 * 0 when it is good; -EUCLEAN after quarantining a bad one (reported as
 * bad); -ENOENT when it is not here, after recording it as removed, so the
 * next heartbeat corrects the metaserver; -EINVAL, -errno. */
int		 blockstore_check(struct blockstore *, const char *id);
/* Deletes a block.  0, -ENOENT (was not there), -EINVAL, -errno. */
int		 blockstore_delete(struct blockstore *, const char *id);
/* Moves a block to quarantine/ and records it as bad.  0 or -errno. */
int		 blockstore_quarantine(struct blockstore *, const char *id,
		    const char *why);

/* Calls cb for every stored block (in directory order) until it returns
 * nonzero, which is then returned.  The store may change meanwhile. */
int		 blockstore_foreach(struct blockstore *,
		    int (*cb)(const char *id, uint64_t size, void *arg),
		    void *arg);

/* Takes the oldest max entries of the change log (0: all).  put_back
 * returns entries (a heartbeat that failed) ahead of newer ones; it frees
 * ch->v. */
void		 blockstore_changes_take(struct blockstore *,
		    struct bs_changes *, size_t max);
void		 blockstore_changes_put_back(struct blockstore *,
		    struct bs_changes *);
void		 blockstore_changes_release(struct bs_changes *);

#endif /* MINIDFS_DATA_BLOCKSTORE_H */
