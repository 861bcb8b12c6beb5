/*
 * ops_entry: the FUSE operations on names and inodes -- lookup, forget,
 * getattr/setattr, the creating and removing calls, rename, link, readlink,
 * statfs -- and the helpers every ops_*.c shares.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/log.h"
#include "common/names.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "fuse/atime.h"
#include "fuse/dirattrs.h"
#include "fuse/inode.h"
#include "fuse/lookahead.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/ofile.h"
#include "fuse/opendirs.h"
#include "fuse/ops.h"
#include "fuse/reader.h"
#include "fuse/writer.h"

/* ---- helpers ------------------------------------------------------------------ */

struct mdfs *
mdfs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

void
mdfs_caller(fuse_req_t req, struct mc_caller *c)
{
	const struct fuse_ctx	*ctx = fuse_req_ctx(req);
	gid_t			 g[MC_GROUPS_MAX];
	int			 n;

	memset(c, 0, sizeof(*c));
	c->uid = ctx->uid;
	c->gid = ctx->gid;
	n = fuse_req_getgroups(req, MC_GROUPS_MAX, g);
	if (n > MC_GROUPS_MAX)
		n = MC_GROUPS_MAX;	/* the first ones are enough */
	for (int i = 0; i < n; i++)
		c->groups[c->ngroups++] = g[i];
}

static void
ns_to_ts(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / 1000000000LL;
	ts->tv_nsec = ns % 1000000000LL;
	if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += 1000000000LL;
	}
}

void
mdfs_stat(const struct mc_attr *a, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = a->ino;
	st->st_mode = a->mode;
	st->st_nlink = a->nlink;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = a->rdev;
	st->st_size = (off_t)a->size;
	st->st_blksize = a->blksize > 0 ? a->blksize : 4096;
	/* pending writes are not in blocks yet: never under-report */
	st->st_blocks = a->blocks > 0 ? (blkcnt_t)a->blocks :
	    (blkcnt_t)((a->size + 511) / 512);
	ns_to_ts(a->atime, &st->st_atim);
	ns_to_ts(a->mtime, &st->st_mtim);
	ns_to_ts(a->ctime, &st->st_ctim);
}

void
mdfs_patch(struct mdfs *fs, struct mc_attr *a)
{
	struct ofile	*of;

	/* first: an open file's deferred utimes (below) win over a read */
	atimes_patch(fs->atimes, a);
	if (!S_ISREG(a->mode) || (of = inodes_get(fs->inodes, a->ino)) == NULL)
		return;
	writer_patch_attr(of, a);
	inodes_put(fs->inodes, of);
}

/* An entry whose answer is age_ns old: the kernel keeps it for what is
 * left of the timeouts. */
static void
reply_entry_aged(fuse_req_t req, struct mdfs *fs, const struct mc_attr *a,
    int64_t age_ns)
{
	struct fuse_entry_param	 e;
	struct mc_attr		 p = *a;
	double			 age = (double)age_ns / 1e9;

	mdfs_patch(fs, &p);
	memset(&e, 0, sizeof(e));
	e.ino = p.ino;
	e.generation = p.generation;
	e.attr_timeout = fs->attr_timeout > age ? fs->attr_timeout - age : 0;
	e.entry_timeout = fs->entry_timeout > age ? fs->entry_timeout - age :
	    0;
	mdfs_stat(&p, &e.attr);
	inodes_ref(fs->inodes, p.ino, 1);
	if (fuse_reply_entry(req, &e) != 0)
		inodes_forget(fs->inodes, p.ino, 1);	/* interrupted */
}

void
mdfs_reply_entry(fuse_req_t req, struct mdfs *fs, const struct mc_attr *a)
{
	reply_entry_aged(req, fs, a, 0);
}

void
mdfs_reply_err(fuse_req_t req, int rc)
{
	int	 e = -rc;

	if (e < 0 || e > 4095)
		e = EIO;
	fuse_reply_err(req, e);
}

int
mdfs_name_ok(const char *name)
{
	return names_valid_str(name);
}

void
mdfs_ctime_moved(struct mdfs *fs, fuse_ino_t ino)
{
	struct ofile	*of;

	dirattrs_forget(fs->dirattrs, ino);
	if ((of = inodes_get(fs->inodes, ino)) != NULL) {
		writer_forget_base(of);
		inodes_put(fs->inodes, of);
	}
}

/* Around a call that may change some inode's nlink or ctime: the base
 * attributes writer.c keeps of open files go stale (writer_base_attr). */
static void
names_changing(struct mdfs *fs)
{
	__atomic_add_fetch(&fs->names_gen, 1, __ATOMIC_SEQ_CST);
}

/* ---- ops ------------------------------------------------------------------- */

/*
 * The listing the lookahead keeps: up to LOOKAHEAD_PAGES pages from the
 * start (entries come in hash order, so one page of a bigger directory
 * holds a random part of its names).  0 with *ents (mc_dirents_free), *n
 * and *complete, or -errno.
 */
static int
fetch_listing(struct mdfs *fs, fuse_ino_t dir, struct mc_dirent **ents,
    size_t *n, int *complete)
{
	struct mc_dirent	*all = NULL, *page;
	size_t			 nall = 0, np;
	uint64_t		 cookie = 0;
	int			 rc = 0, eof = 0;

	for (unsigned i = 0; i < LOOKAHEAD_PAGES && !eof; i++) {
		if ((rc = mc_readdir(fs->mc, dir, cookie, MDFS_READDIR_MAX,
		    &page, &np, &eof)) != 0)
			break;
		if (np == 0) {
			free(page);
			eof = 1;
			break;
		}
		cookie = page[np - 1].cookie;
		all = xrealloc(all, (nall + np) * sizeof(*all));
		memcpy(all + nall, page, np * sizeof(*page));
		nall += np;
		free(page);	/* the names moved to all */
	}
	if (rc != 0 && nall == 0)
		return rc;
	/* a failed later page leaves a partial listing, still right */
	*ents = all;
	*n = nall;
	*complete = rc == 0 && eof;
	return 0;
}

/*
 * From a listing fetched ahead (fuse/lookahead.h): 0 when it answered the
 * request.  A lookup that has to ask counts as a miss; the third in a row
 * in one directory fetches its listing first, at the generation read
 * before asking.
 */
static int
lookup_ahead(fuse_req_t req, struct mdfs *fs, fuse_ino_t parent,
    const char *name)
{
	struct mc_dirent	*ents;
	struct mc_attr		 a;
	uint64_t		 gen = mc_changes(fs->mc);
	int64_t			 max_age, age;
	size_t			 n;
	int			 rc, eof, fetched = 0;

	if (fs->entry_timeout <= 0 || fs->attr_timeout <= 0)
		return -EAGAIN;
	max_age = (int64_t)((fs->entry_timeout < fs->attr_timeout ?
	    fs->entry_timeout : fs->attr_timeout) * 1e9);
	for (;;) {
		rc = lookahead_get(fs->lookahead, parent, name, gen, max_age,
		    &a, &age);
		if (rc == 0) {
			reply_entry_aged(req, fs, &a, age);
			return 0;
		}
		if (fetched || !lookahead_miss(fs->lookahead, parent, gen))
			return -EAGAIN;
		fetched = 1;
		if (fetch_listing(fs, parent, &ents, &n, &eof) != 0) {
			lookahead_put_failed(fs->lookahead, parent);
			return -EAGAIN;
		}
		lookahead_put(fs->lookahead, parent, gen, ents, n, eof);
	}
}

void
mdfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mc_attr		 a;
	struct fuse_entry_param	 e;
	int			 rc;

	if ((rc = mdfs_name_ok(name)) != 0) {
		mdfs_reply_err(req, rc);
		return;
	}
	if (lookup_ahead(req, fs, parent, name) == 0)
		return;
	rc = mc_lookup(fs->mc, parent, name, &a);
	if (rc == -ENOENT && fs->entry_timeout > 0) {
		/* a negative entry, cached like a positive one */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = fs->entry_timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (rc != 0) {
		mdfs_reply_err(req, rc);
		return;
	}
	mdfs_reply_entry(req, fs, &a);
}

void
mdfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	inodes_forget(mdfs_of(req)->inodes, ino, nlookup);
	fuse_reply_none(req);
}

void
mdfs_forget_multi(fuse_req_t req, size_t count,
    struct fuse_forget_data *forgets)
{
	struct mdfs	*fs = mdfs_of(req);

	for (size_t i = 0; i < count; i++)
		inodes_forget(fs->inodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

void
mdfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mdfs	*fs = mdfs_of(req);
	struct ofile	*of;
	struct mc_attr	 a;
	struct stat	 st;
	int		 rc = -ENOENT;

	/* A file this mount holds open: what the metaserver
	 * answered less than attr_timeout ago is as good as the kernel's
	 * cache (tar's fchown makes the kernel ask, for its killpriv). */
	if (fs->attr_timeout > 0 &&
	    (of = inodes_get(fs->inodes, ino)) != NULL) {
		rc = writer_recent_attr(of, &a,
		    (int64_t)(fs->attr_timeout * 1e9));
		inodes_put(fs->inodes, of);
	}
	/* A directory this mount just changed: the kernel dropped its
	 * attributes, the answer to the change gave the new ones. */
	if (rc != 0 && fs->attr_timeout > 0)
		rc = dirattrs_get(fs->dirattrs, ino,
		    (int64_t)(fs->attr_timeout * 1e9), &a);
	if (rc != 0 && (rc = mc_getattr(fs->mc, ino, &a)) == -ENOENT)
		/* a directory removed while open here: POSIX keeps it */
		rc = opendirs_removed(fs->opendirs, ino, &a);
	if (rc != 0) {
		mdfs_reply_err(req, rc);
		return;
	}
	mdfs_patch(fs, &a);
	mdfs_stat(&a, &st);
	fuse_reply_attr(req, &st, fs->attr_timeout);
}

static int64_t
ts_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/*
 * 1 when the change only drops S_ISUID/S_ISGID from the current mode.  The
 * kernel asks for that itself, in the writer's name, when another user
 * writes to a setuid file or changes its owner (we leave HANDLE_KILLPRIV to
 * it); the metaserver would refuse a mode change by a non-owner, and with
 * default_permissions the kernel has checked the call already.  Clearing
 * those bits never grants anything, so it goes without a caller (as root).
 */
static int
kills_privs(struct mdfs *fs, fuse_ino_t ino, const struct mc_setattr *s)
{
	const uint32_t	 priv = S_ISUID | S_ISGID;
	struct mc_attr	 cur;
	uint32_t	 was;

	if (!(s->set & MC_SET_MODE) || mc_getattr(fs->mc, ino, &cur) != 0)
		return 0;
	was = cur.mode & 07777;
	return was != s->mode && (was & ~priv) == (s->mode & ~priv) &&
	    (s->mode & priv & ~was) == 0;
}

/*
 * Some changes the kernel makes in a caller's name are more than the
 * metaserver lets that caller make: a write or truncate by a non-owner
 * comes with the mode minus setuid and setgid (the kernel's killpriv,
 * checked by kills_privs), and with the writeback cache a truncate or
 * touch by one comes with an explicit mtime (mdfs_setattr).  The rest of
 * the change goes as the caller, so its permission checks hold, and only
 * the fields in `mine` go as the mount.
 */
static int
setattr_split(struct mdfs *fs, const struct mc_caller *c, fuse_ino_t ino,
    const struct mc_setattr *s, unsigned mine, struct mc_attr *a)
{
	struct mc_setattr	 rest = *s, own = *s;
	int			 rc;

	rest.set &= ~mine;
	own.set &= mine;
	if (rest.set != 0 && (rc = mc_setattr(fs->mc, c, ino, &rest, a)) != 0)
		return rc;
	return mc_setattr(fs->mc, NULL, ino, &own, a);
}

/* The fields of a setattr that change something (FUSE_SET_ATTR_CTIME
 * alone needs no field: the metaserver sets ctime on every setattr). */
#define SETATTR_FIELDS	(FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | \
	FUSE_SET_ATTR_GID | FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | \
	FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW)

void
mdfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
    struct fuse_file_info *fi)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mc_setattr	 s = { 0 };
	struct mc_caller	 c;
	struct mc_attr		 a;
	struct ofile		*of;
	struct stat		 st;
	int			 rc = 0, trunc;

	if (to_set & FUSE_SET_ATTR_MODE) {
		s.set |= MC_SET_MODE;
		s.mode = attr->st_mode & 07777;
	}
	if (to_set & FUSE_SET_ATTR_UID) {
		s.set |= MC_SET_UID;
		s.uid = attr->st_uid;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		s.set |= MC_SET_GID;
		s.gid = attr->st_gid;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (attr->st_size < 0) {
			fuse_reply_err(req, EINVAL);
			return;
		}
		s.set |= MC_SET_SIZE;
		s.size = (uint64_t)attr->st_size;
	}
	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		s.set |= MC_SET_ATIME_NOW;
	else if (to_set & FUSE_SET_ATTR_ATIME) {
		s.set |= MC_SET_ATIME;
		s.atime = ts_to_ns(&attr->st_atim);
	}
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		s.set |= MC_SET_MTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_MTIME) {
		s.set |= MC_SET_MTIME;
		s.mtime = ts_to_ns(&attr->st_mtim);
	}
	/* FUSE_SET_ATTR_CTIME needs no field: the metaserver sets ctime on
	 * every setattr and commit.  The writeback cache sends it with
	 * every setattr of a regular file, the kernel's ctime. */

	mdfs_caller(req, &c);
	/* an explicit atime: no read's touch may land after it */
	if (s.set & (MC_SET_ATIME | MC_SET_ATIME_NOW))
		atimes_settle(fs->atimes, ino);
	/* before the lookup: the file may get opened here meanwhile, with a
	 * map from before the truncation (reader.h, "map epochs") */
	trunc = (s.set & MC_SET_SIZE) != 0;
	if (trunc)
		reader_maps_change_begin(fs);
	of = inodes_get(fs->inodes, ino);
	/* Root's changes to a file this mount created and holds open wait
	 * for its close (writer.c, point 6): the reply needs no etcd write. */
	if (of != NULL && c.uid == 0 && writer_may_defer(of, &s)) {
		if (writer_base_attr(of, &a) == 0 ||
		    (rc = mc_getattr(fs->mc, ino, &a)) == 0)
			writer_defer_attr(of, &s);
		goto reply;
	}
	/* With the writeback cache the kernel sends the mtime of its last
	 * write (alone, with its ctime) before the flush or fsync that
	 * stores the write: while writes are pending it goes with their
	 * commit, one metaserver write for both (writer_fold_mtime). */
	if (of != NULL && fs->writeback &&
	    (to_set & SETATTR_FIELDS) == FUSE_SET_ATTR_MTIME &&
	    writer_fold_mtime(of, s.mtime)) {
		if (writer_base_attr(of, &a) != 0)
			rc = mc_getattr(fs->mc, ino, &a);
		goto reply;
	}
	/* A size or time change must come after the writes before it, or the
	 * commit of those writes would undo it: commit them first; so must
	 * deferred changes, to reach the metaserver in call order. */
	if (of != NULL && ((s.set & (MC_SET_SIZE | MC_SET_ATIME | MC_SET_MTIME |
	    MC_SET_ATIME_NOW | MC_SET_MTIME_NOW)) || writer_attr_pending(of)))
		rc = writer_flush(of);
	if (rc == 0) {
		rc = mc_setattr(fs->mc, &c, ino, &s, &a);
		/* only then the extra round trip of the killpriv check */
		if (rc == -EPERM) {
			unsigned mine = 0;

			if (kills_privs(fs, ino, &s))
				mine |= MC_SET_MODE;
			/* The writeback cache keeps mtime in the kernel: a
			 * truncate or touch of a file the caller may write
			 * but does not own comes with the kernel's "now" as
			 * an explicit mtime, which the metaserver allows the
			 * owner only.  The kernel has checked the call
			 * (default_permissions; an explicit time from a
			 * non-owner never gets here), so that goes as the
			 * mount. */
			if (fs->writeback && (s.set & MC_SET_MTIME))
				mine |= MC_SET_MTIME;
			if (mine != 0)
				rc = setattr_split(fs, &c, ino, &s, mine, &a);
		}
	}
	if (rc == 0)
		dirattrs_forget(fs->dirattrs, ino);	/* ctime moved */
	if (rc == 0 && of != NULL && (s.set & MC_SET_SIZE))
		writer_truncated(of, a.size);
	else if (rc == 0 && of != NULL)
		writer_forget_base(of);
reply:
	if (trunc)
		reader_maps_change_end(fs);
	inodes_put(fs->inodes, of);
	if (rc != 0) {
		mdfs_reply_err(req, rc);
		return;
	}
	mdfs_patch(fs, &a);
	mdfs_stat(&a, &st);
	fuse_reply_attr(req, &st, fs->attr_timeout);
}

void
mdfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct mdfs	*fs = mdfs_of(req);
	char		 target[MDFS_SYMLINK_MAX + 1];
	int		 rc;

	if ((rc = mc_readlink(fs->mc, ino, target, sizeof(target))) != 0)
		mdfs_reply_err(req, rc);
	else
		fuse_reply_readlink(req, target);
}

void
mdfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    dev_t rdev)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mc_caller	 c;
	struct mc_attr		 a;
	int			 rc;

	if ((rc = mdfs_name_ok(name)) == 0) {
		mdfs_caller(req, &c);
		rc = mc_mknod(fs->mc, &c, parent, name, mode, rdev, &a);
	}
	if (rc != 0)
		mdfs_reply_err(req, rc);
	else
		mdfs_reply_entry(req, fs, &a);
}

void
mdfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mc_caller	 c;
	struct mc_attr		 a;
	int			 rc;

	if ((rc = mdfs_name_ok(name)) == 0) {
		mdfs_caller(req, &c);
		rc = mc_mkdir(fs->mc, &c, parent, name, mode, &a);
	}
	if (rc != 0)
		mdfs_reply_err(req, rc);
	else
		mdfs_reply_entry(req, fs, &a);
}

void
mdfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mc_caller	 c;
	int			 rc;

	if ((rc = mdfs_name_ok(name)) == 0) {
		mdfs_caller(req, &c);
		names_changing(fs);
		rc = mc_unlink(fs->mc, &c, parent, name);
		names_changing(fs);
	}
	mdfs_reply_err(req, rc);
}

void
mdfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mc_caller	 c;
	int			 rc;

	if ((rc = mdfs_name_ok(name)) == 0) {
		mdfs_caller(req, &c);
		names_changing(fs);
		/* the removed directory is not named by the answer */
		dirattrs_clear(fs->dirattrs);
		rc = mc_rmdir(fs->mc, &c, parent, name);
		names_changing(fs);
	}
	mdfs_reply_err(req, rc);
}

void
mdfs_symlink(fuse_req_t req, const char *target, fuse_ino_t parent,
    const char *name)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mc_caller	 c;
	struct mc_attr		 a;
	int			 rc;

	if ((rc = mdfs_name_ok(name)) == 0 && strlen(target) > MDFS_SYMLINK_MAX)
		rc = -ENAMETOOLONG;
	if (rc == 0) {
		mdfs_caller(req, &c);
		rc = mc_symlink(fs->mc, &c, parent, name, target, &a);
	}
	if (rc != 0)
		mdfs_reply_err(req, rc);
	else
		mdfs_reply_entry(req, fs, &a);
}

void
mdfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
    fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mc_caller	 c;
	int			 rc;

	if ((rc = mdfs_name_ok(name)) == 0)
		rc = mdfs_name_ok(newname);
	if (rc == 0) {
		mdfs_caller(req, &c);
		names_changing(fs);
		/* a moved directory's ctime and ".." change too */
		dirattrs_clear(fs->dirattrs);
		rc = mc_rename(fs->mc, &c, parent, name, newparent, newname,
		    flags);
		names_changing(fs);
	}
	mdfs_reply_err(req, rc);
}

void
mdfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
    const char *newname)
{
	struct mdfs	*fs = mdfs_of(req);
	struct mc_attr	 a;
	int		 rc;

	if ((rc = mdfs_name_ok(newname)) == 0) {
		names_changing(fs);
		rc = mc_link(fs->mc, ino, newparent, newname, &a);
		names_changing(fs);
	}
	if (rc != 0)
		mdfs_reply_err(req, rc);
	else
		mdfs_reply_entry(req, fs, &a);
}

void
mdfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct mdfs	*fs = mdfs_of(req);
	struct statvfs	 st;
	int		 rc;

	if ((rc = mc_statfs(fs->mc, &st)) != 0)
		mdfs_reply_err(req, rc);
	else
		fuse_reply_statfs(req, &st);
}
