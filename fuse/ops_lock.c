/*
 * ops_lock: cluster-wide advisory locks -- fcntl byte ranges (getlk, setlk)
 * and flock -- held by the metaserver for this mount's session, so two
 * mounts exclude each other like two processes on one machine.  The lock
 * owner is the kernel's lock_owner of the request.  A blocking request
 * (F_SETLKW, flock without LOCK_NB) is re-asked while the metaserver says
 * "retry" (it waits a bounded time per call) until granted or the caller is
 * interrupted; an interrupted wait unlocks the range in case the last
 * attempt was granted after the caller gave up.
 *
 * Locks also order the data between mounts (as NFS does): before a lock is
 * released the file's pending writes are committed, and after a lock is
 * granted the file's cached data and attributes are dropped (ours and the
 * kernel's), so a process that takes a lock reads what the last holder
 * wrote -- what SQLite and other lock-based programs rely on.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>

#include "common/log.h"
#include "fuse/inode.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/ofile.h"
#include "fuse/ops.h"
#include "fuse/reader.h"
#include "fuse/writer.h"

/* struct flock (absolute, as libfuse hands it over) -> [start, end]. */
static int
range_of(const struct flock *fl, struct mc_lock *l)
{
	if (fl->l_start < 0 || fl->l_len < 0)
		return -EINVAL;
	l->start = (uint64_t)fl->l_start;
	if (fl->l_len == 0)
		l->end = MC_LOCK_EOF;
	else if ((uint64_t)fl->l_start > INT64_MAX - (uint64_t)fl->l_len)
		return -EOVERFLOW;
	else
		l->end = (uint64_t)fl->l_start + (uint64_t)fl->l_len - 1;
	return 0;
}

/* A lock was granted: note it, and forget cached data of the file. */
static void
granted(struct mdfs *fs, fuse_ino_t ino, int posix)
{
	struct ofile	*of;
	struct mc_attr	 a;

	/* before the lookup: an open attaching later must not install a
	 * map its answer brought from before the lock */
	reader_maps_stale(fs);
	if ((of = inodes_get(fs->inodes, ino)) != NULL) {
		int fresh = mc_getattr(fs->mc, ino, &a) == 0;

		pthread_mutex_lock(&of->lock);
		if (posix)
			of->locked = 1;
		if (fresh && !of->dirty && of->nwb == 0)
			of->size = a.size;
		ofile_map_invalidate(of);
		pthread_mutex_unlock(&of->lock);
		inodes_put(fs->inodes, of);
	}
	if (fs->se != NULL)
		(void)fuse_lowlevel_notify_inval_inode(fs->se, ino, 0, 0);
}

/* A lock is about to be released: commit what was written under it. */
static int
releasing(struct mdfs *fs, fuse_ino_t ino)
{
	struct ofile	*of = inodes_get(fs->inodes, ino);
	int		 rc = 0;

	if (of != NULL) {
		rc = writer_flush(of);
		inodes_put(fs->inodes, of);
	}
	return rc;
}

/* Sets l, re-asking while the metaserver says to wait longer. */
static int
set_wait(fuse_req_t req, struct mdfs *fs, fuse_ino_t ino,
    const struct mc_lock *l, int wait)
{
	struct mc_lock	 un;
	int		 rc;

	for (;;) {
		rc = mc_lock_set(fs->mc, ino, l, wait);
		if (!wait || rc != -EINPROGRESS)
			return rc;
		if (fuse_req_interrupted(req)) {
			un = *l;
			un.type = F_UNLCK;
			(void)mc_lock_set(fs->mc, ino, &un, 0);
			return -EINTR;
		}
	}
}

void
mdfs_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
    struct flock *fl)
{
	struct mdfs	*fs = mdfs_of(req);
	struct mc_lock	 l = { 0 };
	struct flock	 out;
	int		 rc;

	l.kind = MC_LOCK_POSIX;
	l.type = fl->l_type;
	l.owner = fi->lock_owner;
	l.pid = (uint32_t)fl->l_pid;
	if ((rc = range_of(fl, &l)) == 0)
		rc = mc_lock_get(fs->mc, ino, &l);
	if (rc != 0) {
		mdfs_reply_err(req, rc);
		return;
	}
	memset(&out, 0, sizeof(out));
	out.l_type = (short)l.type;
	out.l_whence = SEEK_SET;
	if (l.type != F_UNLCK) {
		out.l_start = (off_t)l.start;
		out.l_len = l.end == MC_LOCK_EOF ? 0 :
		    (off_t)(l.end - l.start + 1);
		out.l_pid = (pid_t)l.pid;
	}
	fuse_reply_lock(req, &out);
}

void
mdfs_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
    struct flock *fl, int sleep)
{
	struct mdfs	*fs = mdfs_of(req);
	struct mc_lock	 l = { 0 };
	int		 rc;

	if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK &&
	    fl->l_type != F_UNLCK) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	l.kind = MC_LOCK_POSIX;
	l.type = fl->l_type;
	l.owner = fi->lock_owner;
	l.pid = (uint32_t)fl->l_pid;
	if ((rc = range_of(fl, &l)) == 0 && l.type == F_UNLCK)
		rc = releasing(fs, ino);
	if (rc == 0)
		rc = set_wait(req, fs, ino, &l, sleep);
	if (rc == 0 && l.type != F_UNLCK)
		granted(fs, ino, 1);
	mdfs_reply_err(req, rc);
}

void
mdfs_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	struct mdfs	*fs = mdfs_of(req);
	struct mc_lock	 l = { 0 };
	int		 rc;

	l.kind = MC_LOCK_FLOCK;
	l.owner = fi->lock_owner;
	l.start = 0;
	l.end = MC_LOCK_EOF;
	switch (op & ~LOCK_NB) {
	case LOCK_SH:
		l.type = F_RDLCK;
		break;
	case LOCK_EX:
		l.type = F_WRLCK;
		break;
	case LOCK_UN:
		l.type = F_UNLCK;
		break;
	default:
		fuse_reply_err(req, EINVAL);
		return;
	}
	rc = l.type == F_UNLCK ? releasing(fs, ino) : 0;
	if (rc == 0)
		rc = set_wait(req, fs, ino, &l, (op & LOCK_NB) == 0 &&
		    l.type != F_UNLCK);
	if (rc == 0 && l.type != F_UNLCK)
		granted(fs, ino, 0);
	mdfs_reply_err(req, rc == -EAGAIN && (op & LOCK_NB) ? -EWOULDBLOCK :
	    rc);
}

void
mdfs_locks_drop(struct mdfs *fs, fuse_ino_t ino, struct fuse_file_info *fi,
    int flock_too)
{
	struct ofile	*of;
	int		 locked = 0, rc;

	if ((of = inodes_get(fs->inodes, ino)) != NULL) {
		pthread_mutex_lock(&of->lock);
		locked = of->locked;
		pthread_mutex_unlock(&of->lock);
		inodes_put(fs->inodes, of);
	}
	/* one call drops both kinds of the owner (flush and flock use
	 * different owner ids, so a flush never drops another's flock) */
	if ((locked || flock_too) && (rc = mc_lock_release(fs->mc, ino,
	    flock_too ? MC_LOCK_FLOCK : MC_LOCK_POSIX, fi->lock_owner)) != 0)
		log_warnx("inode %llu: dropping locks: %s",
		    (unsigned long long)ino, strerror(-rc));
}
