/*
 * ops_file: the FUSE operations on open regular files -- open, create, read,
 * write, flush, release, fsync, fallocate, lseek.  The data path itself is
 * in reader.c and writer.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blockpool.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "fuse/atime.h"
#include "fuse/inode.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/ofile.h"
#include "fuse/ops.h"
#include "fuse/reader.h"
#include "fuse/writer.h"

/* READs from this size up reply from a pool's buffer: malloc serves them
 * from mmap (main.c's MDFS_MMAP_THRESHOLD), page faults and all. */
#define READ_POOLED_MIN	(256u * 1024)

static struct mdfs_fh *
fh_of(struct fuse_file_info *fi)
{
	return (struct mdfs_fh *)(uintptr_t)fi->fh;
}

/* This mount's counters, read before an open is sent to the metaserver:
 * what attach() compares with to tell whether the answer may be older
 * than a change made here meanwhile. */
struct open_gens {
	uint64_t	 commit;	/* fs->commit_gen */
	uint64_t	 names;		/* fs->names_gen */
	uint64_t	 map;		/* reader_map_epoch() */
};

static void
gens_read(struct mdfs *fs, struct open_gens *g)
{
	g->commit = __atomic_load_n(&fs->commit_gen, __ATOMIC_SEQ_CST);
	g->names = __atomic_load_n(&fs->names_gen, __ATOMIC_SEQ_CST);
	g->map = reader_map_epoch(fs);
}

/* Sets up the handle of a freshly opened file.  g: read before the open
 * was sent.  m (or NULL): the block map the answer carried, of the asked
 * chunks; installed when it can be trusted (ofile_map_install), else
 * left to the caller to release. */
static struct mdfs_fh *
attach(struct mdfs *fs, const struct mc_attr *a, uint64_t mfh,
    struct fuse_file_info *fi, int created, const struct open_gens *g,
    struct mc_map *m, unsigned asked)
{
	struct mdfs_fh	*fh = xcalloc(1, sizeof(*fh));
	struct ofile	*of;
	int		 fresh;

	of = inodes_open(fs->inodes, fs, a->ino, a->size);
	pthread_mutex_lock(&of->lock);
	fresh = !of->dirty && of->nwb == 0;
	if (fresh) {
		/* close-to-open: what the metaserver says now, map reloaded
		 * -- unless this mount's own commit of the file finished
		 * while the open was on its way: the answer may predate it,
		 * and an O_APPEND writer would overwrite what the other
		 * handle just wrote. */
		if ((fi->flags & O_TRUNC) || of->commit_gen <= g->commit ||
		    a->size > of->size)
			of->size = a->size;
		ofile_map_invalidate(of);
		/* the open's answer is as fresh as a getattr: the kernel's
		 * getattr after the invalidation below is answered from it
		 * (mdfs_getattr), within attr_timeout, not by a round trip */
		writer_set_base(of, a, g->names);
		if (created) {
			of->created = 1;
			/* a new file has no chunks: no map to fetch */
			ofile_map_set(of, NULL, 0);
		} else if (m != NULL)
			(void)ofile_map_install(of, m, asked, g->map);
	}
	/* a truncating open makes the maps other opens bring stale */
	if (fi->flags & O_TRUNC)
		reader_maps_stale(fs);
	pthread_mutex_unlock(&of->lock);
	if (fresh && !created && fs->se != NULL)
		/* drop the kernel's cached attributes (size) of the inode */
		(void)fuse_lowlevel_notify_inval_inode(fs->se, a->ino, -1, 0);
	fh->of = of;
	fh->mfh = mfh;
	fh->flags = fi->flags;
	/* With the writeback cache the kernel places appends itself, at its
	 * i_size, and writes the pages back through any writable handle of
	 * the inode: a WRITE's offset is where the data goes, even through
	 * an O_APPEND handle (main.c's init). */
	if (fs->writeback)
		fh->flags &= ~O_APPEND;
	fi->fh = (uint64_t)(uintptr_t)fh;
	/* The page cache is dropped at every open (close-to-open; with the
	 * writeback cache dirty pages are written back first, by the
	 * kernel's launder). */
	fi->keep_cache = 0;
	fi->direct_io = 0;
	return fh;
}

static void
detach(struct mdfs *fs, struct mdfs_fh *fh)
{
	int	 rc;

	if ((rc = mc_release(fs->mc, fh->of->ino, fh->mfh)) != 0)
		log_warnx("release of inode %llu: %s",
		    (unsigned long long)fh->of->ino, strerror(-rc));
	inodes_put(fs->inodes, fh->of);
	free(fh);
}

void
mdfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mdfs	*fs = mdfs_of(req);
	struct mdfs_fh	*fh;
	struct mc_attr	 a;
	struct mc_map	 m;
	struct open_gens g;
	uint64_t	 mfh;
	unsigned	 asked = 0;
	int		 rc;

	/* An open that will read gets the block map with its answer, so a
	 * small file's first read needs no blockmap request; a truncating
	 * or write-only one reads nothing that is there now. */
	if ((fi->flags & O_ACCMODE) != O_WRONLY && !(fi->flags & O_TRUNC))
		asked = READER_OPEN_MAP;
	gens_read(fs, &g);
	rc = mc_open_map(fs->mc, ino, fi->flags, asked, &a, &mfh, &m);
	if (rc != 0) {
		mc_map_release(&m);
		mdfs_reply_err(req, rc);
		return;
	}
	if (S_ISDIR(a.mode)) {
		mc_map_release(&m);
		(void)mc_release(fs->mc, ino, mfh);
		fuse_reply_err(req, EISDIR);
		return;
	}
	fh = attach(fs, &a, mfh, fi, 0, &g, &m, asked);
	mc_map_release(&m);
	if (fuse_reply_open(req, fi) != 0)
		detach(fs, fh);		/* interrupted: no release will come */
}

void
mdfs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    struct fuse_file_info *fi)
{
	struct mdfs		*fs = mdfs_of(req);
	struct fuse_entry_param	 e;
	struct mc_caller	 c;
	struct mc_attr		 a;
	struct mdfs_fh		*fh;
	struct open_gens	 g;
	uint64_t		 mfh;
	int			 rc, created;

	if ((rc = mdfs_name_ok(name)) != 0) {
		mdfs_reply_err(req, rc);
		return;
	}
	mdfs_caller(req, &c);
	gens_read(fs, &g);
	rc = mc_create(fs->mc, &c, parent, name, mode, fi->flags, &a, &mfh,
	    &created);
	if (rc != 0) {
		mdfs_reply_err(req, rc);
		return;
	}
	fh = attach(fs, &a, mfh, fi, created && a.size == 0, &g, NULL, 0);
	memset(&e, 0, sizeof(e));
	e.ino = a.ino;
	e.generation = a.generation;
	e.attr_timeout = fs->attr_timeout;
	e.entry_timeout = fs->entry_timeout;
	mdfs_patch(fs, &a);
	mdfs_stat(&a, &e.attr);
	inodes_ref(fs->inodes, a.ino, 1);
	if (fuse_reply_create(req, &e, fi) != 0) {
		inodes_forget(fs->inodes, a.ino, 1);
		detach(fs, fh);
	}
}

/* The attributes a read's atime touch is decided on: what the open's
 * answer gave, with this mount's pending writes.  0, or -ENOENT when not
 * known. */
static int
read_known(struct ofile *of, struct mc_attr *a)
{
	if (writer_base_attr(of, a) != 0)
		return -ENOENT;
	writer_patch_attr(of, a);
	return 0;
}

void
mdfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct mdfs	*fs = mdfs_of(req);
	struct mdfs_fh	*fh = fh_of(fi);
	struct mc_attr	 known;
	char		*buf;
	ssize_t		 n;
	int		 kn;

	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	/* a big READ's reply would be fresh mmap'ed memory every time */
	buf = size >= READ_POOLED_MIN && size <= blockpool_size(fs->rpool) ?
	    blockpool_get(fs->rpool) : malloc(size > 0 ? size : 1);
	if (buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = reader_read(fh->of, (uint64_t)off, size, buf);
	/* before the reply, which lets a release free the handle */
	kn = n >= 0 ? read_known(fh->of, &known) : 0;
	if (n < 0)
		mdfs_reply_err(req, (int)n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	blockpool_put(fs->rpool, buf);
	/* after it: the read never waits for its atime (atime.h) */
	if (n >= 0)
		atimes_accessed(fs->atimes, ino, kn == 0 ? &known : NULL);
}

void
mdfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	struct mdfs_fh	*fh = fh_of(fi);
	ssize_t		 n;

	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	n = writer_write(fh->of, (uint64_t)off, buf, size,
	    (fh->flags & O_APPEND) != 0);
	if (n < 0)
		mdfs_reply_err(req, (int)n);
	else
		fuse_reply_write(req, (size_t)n);
}

void
mdfs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mdfs_fh	*fh = fh_of(fi);
	int		 rc;

	rc = writer_flush(fh->of);
	/* closing any descriptor drops the process's POSIX locks */
	mdfs_locks_drop(mdfs_of(req), ino, fi, 0);
	mdfs_reply_err(req, rc);
}

void
mdfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mdfs	*fs = mdfs_of(req);
	struct mdfs_fh	*fh = fh_of(fi);
	int		 rc;

	/* flush already reported errors to close(); this catches writes
	 * through a handle that was never flushed (mmap, abort) */
	if ((rc = writer_flush(fh->of)) != 0)
		log_warnx("inode %llu: data lost at release: %s",
		    (unsigned long long)ino, strerror(-rc));
	if (fi->flock_release)
		mdfs_locks_drop(fs, ino, fi, 1);
	detach(fs, fh);
	fuse_reply_err(req, 0);
}

void
mdfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	struct mdfs_fh	*fh = fh_of(fi);

	mdfs_reply_err(req, writer_flush(fh->of));
}

void
mdfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
    off_t len, struct fuse_file_info *fi)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mdfs_fh		*fh = fh_of(fi);
	struct mc_setattr	 s = { 0 };
	struct mc_caller	 c;
	struct mc_attr		 a;
	uint64_t		 end, size;
	int			 rc;

	if (off < 0 || len <= 0 || off > INT64_MAX - len) {
		fuse_reply_err(req, off > INT64_MAX - len ? EFBIG : EINVAL);
		return;
	}
	/* Blocks are stored when written; there is nothing to reserve.
	 * Mode 0 extends the size; KEEP_SIZE has nothing left to do. */
	if (mode & ~FALLOC_FL_KEEP_SIZE) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (mode & FALLOC_FL_KEEP_SIZE) {
		fuse_reply_err(req, 0);
		return;
	}
	end = (uint64_t)off + (uint64_t)len;
	pthread_mutex_lock(&fh->of->lock);
	size = fh->of->size;
	pthread_mutex_unlock(&fh->of->lock);
	if (end <= size) {
		fuse_reply_err(req, 0);
		return;
	}
	if ((rc = writer_flush(fh->of)) == 0) {
		s.set = MC_SET_SIZE;
		s.size = end;
		mdfs_caller(req, &c);
		rc = mc_setattr(fs->mc, &c, ino, &s, &a);
	}
	if (rc == 0)
		writer_truncated(fh->of, a.size);
	mdfs_reply_err(req, rc);
}

void
mdfs_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
    struct fuse_file_info *fi)
{
	struct mdfs	*fs = mdfs_of(req);
	struct ofile	*of = fh_of(fi)->of;
	const uint64_t	 B = fs->block_size;
	uint64_t	 idx, pos = (uint64_t)off;
	int		 rc, data;

	if (whence != SEEK_DATA && whence != SEEK_HOLE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	/* With the writeback cache the kernel's dirty pages and its i_size
	 * may be ahead of what reached us: ENOSYS makes it answer from its
	 * own i_size (all data, the hole at the end), now and from then on. */
	if (fs->writeback) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (off < 0) {
		fuse_reply_err(req, ENXIO);
		return;
	}
	pthread_mutex_lock(&of->lock);
	if (pos >= of->size) {
		pthread_mutex_unlock(&of->lock);
		fuse_reply_err(req, ENXIO);
		return;
	}
	if ((rc = ofile_map_ensure(of)) != 0) {
		pthread_mutex_unlock(&of->lock);
		mdfs_reply_err(req, rc);
		return;
	}
	/* Granularity is the block: a stored or pending block is data (even
	 * its zero tail), a missing one a hole; the file's end is a hole. */
	for (idx = pos / B; idx * B < of->size; idx++) {
		data = writer_find(of, idx) != NULL ||
		    ofile_map_find(of, idx) != NULL;
		if (data == (whence == SEEK_DATA))
			break;
	}
	if (idx * B >= of->size) {
		pos = whence == SEEK_HOLE ? of->size : UINT64_MAX;
	} else if (idx * B > pos) {
		pos = idx * B;
	}
	pthread_mutex_unlock(&of->lock);
	if (pos == UINT64_MAX)
		fuse_reply_err(req, ENXIO);
	else
		fuse_reply_lseek(req, (off_t)pos);
}
