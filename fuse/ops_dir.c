/*
 * ops_dir: directory listing -- opendir, readdir, readdirplus, releasedir,
 * fsyncdir.  Listings are stateless: the FUSE offset of an entry is the
 * metaserver's cookie for it (a hash of the name, stable across changes and
 * leader changes), so a listing resumes correctly however the directory
 * changed in between.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"
#include "fuse/atime.h"
#include "fuse/inode.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/opendirs.h"
#include "fuse/ops.h"

#define DIR_ENTRY_GUESS	48	/* bytes per listed entry, for the page size */

void
mdfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mdfs	*fs = mdfs_of(req);
	struct mc_attr	 a;
	int		 rc;

	if ((rc = mc_getattr(fs->mc, ino, &a)) != 0) {
		mdfs_reply_err(req, rc);
		return;
	}
	if (!S_ISDIR(a.mode)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	fi->fh = 0;
	fi->cache_readdir = 0;
	fi->keep_cache = 0;
	opendirs_open(fs->opendirs, &a);
	if (fuse_reply_open(req, fi) != 0)
		opendirs_close(fs->opendirs, ino);	/* interrupted */
}

static int
is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static void
list(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, int plus)
{
	struct mdfs		*fs = mdfs_of(req);
	struct mc_dirent	*ents;
	struct mc_attr		 gone, dir;
	struct fuse_entry_param	 e;
	struct stat		 st;
	size_t			 n, used = 0, es;
	uint64_t		 cookie = (uint64_t)off;
	unsigned		 limit;
	char			*buf;
	int			 rc = 0, eof = 0, full = 0;

	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if ((buf = calloc(1, size > 0 ? size : 1)) == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	limit = size / DIR_ENTRY_GUESS;
	if (limit < 1)
		limit = 1;
	if (limit > MDFS_READDIR_MAX)
		limit = MDFS_READDIR_MAX;
	while (!full && !eof) {
		rc = mc_readdir(fs->mc, ino, cookie, limit, &ents, &n, &eof);
		if (rc != 0)
			break;
		for (size_t i = 0; i < n && !full; i++) {
			if (plus) {
				memset(&e, 0, sizeof(e));
				mdfs_patch(fs, &ents[i].attr);
				mdfs_stat(&ents[i].attr, &e.attr);
				if (!is_dot(ents[i].name)) {
					e.ino = ents[i].attr.ino;
					e.generation = ents[i].attr.generation;
					e.attr_timeout = fs->attr_timeout;
					e.entry_timeout = fs->entry_timeout;
				}
				es = fuse_add_direntry_plus(req, buf + used,
				    size - used, ents[i].name, &e,
				    (off_t)ents[i].cookie);
			} else {
				mdfs_stat(&ents[i].attr, &st);
				es = fuse_add_direntry(req, buf + used,
				    size - used, ents[i].name, &st,
				    (off_t)ents[i].cookie);
			}
			if (es > size - used) {
				full = 1;
				break;
			}
			if (plus && e.ino != 0)
				inodes_ref(fs->inodes, e.ino, 1);
			used += es;
			cookie = ents[i].cookie;
		}
		if (n == 0)
			eof = 1;
		mc_dirents_free(ents, n);
	}
	if (rc == -ENOENT && used == 0 &&
	    opendirs_removed(fs->opendirs, ino, &gone) == 0)
		fuse_reply_buf(req, buf, 0);	/* removed while open: empty */
	else if (rc != 0 && used == 0)
		mdfs_reply_err(req, rc);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
	/* after the reply: a listing is a read of the directory (atime.h),
	 * decided on the attributes opendir had */
	if (rc == 0 || used > 0)
		atimes_accessed(fs->atimes, ino,
		    opendirs_attr(fs->opendirs, ino, &dir) == 0 ? &dir : NULL);
}

void
mdfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	list(req, ino, size, off, 0);
}

void
mdfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	list(req, ino, size, off, 1);
}

void
mdfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	opendirs_close(mdfs_of(req)->opendirs, ino);
	fuse_reply_err(req, 0);
}

void
mdfs_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	/* every namespace change was committed to etcd before it returned */
	fuse_reply_err(req, 0);
}
