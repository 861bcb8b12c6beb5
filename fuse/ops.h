/*
 * ops: the FUSE low-level operations (mdfs_<op>, after passthrough_ll.c's
 * lo_<op>) and the helpers they share.  Each op checks its input, calls
 * metaclient, reader or writer (which return -errno) and sends exactly one
 * fuse_reply_*.  The operations table is at the bottom of main.c.
 */
#ifndef MINIDFS_FUSE_OPS_H
#define MINIDFS_FUSE_OPS_H

#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 12)
#include <fuse_lowlevel.h>

#include <stdint.h>
#include <sys/stat.h>

struct mdfs;
struct mc_attr;
struct mc_caller;

/* The open-file handle behind fi->fh of a regular file. */
struct mdfs_fh {
	struct ofile	*of;
	uint64_t	 mfh;		/* the metaserver's handle */
	int		 flags;		/* open flags */
};

/* ---- helpers (ops_entry.c) ------------------------------------------------- */
struct mdfs	*mdfs_of(fuse_req_t);
void		 mdfs_caller(fuse_req_t, struct mc_caller *);
void		 mdfs_stat(const struct mc_attr *, struct stat *);
/* Overlays pending writes of an open file, and this mount's atime
 * touches (atime.h), on a. */
void		 mdfs_patch(struct mdfs *, struct mc_attr *);
/* Replies an entry for a and counts the lookup. */
void		 mdfs_reply_entry(fuse_req_t, struct mdfs *,
		    const struct mc_attr *);
/* Replies -rc (0: success, a negative errno: that error; junk: EIO). */
void		 mdfs_reply_err(fuse_req_t, int rc);
/* Checks a name from the kernel: 0, -ENAMETOOLONG or -EINVAL. */
int		 mdfs_name_ok(const char *name);
/* After a change of ino's ctime (attributes, xattrs): the attributes this
 * mount keeps of it (a directory's, an open file's) are forgotten. */
void		 mdfs_ctime_moved(struct mdfs *, fuse_ino_t ino);

/* ---- ops_entry.c ------------------------------------------------------------ */
void	 mdfs_lookup(fuse_req_t, fuse_ino_t, const char *);
void	 mdfs_forget(fuse_req_t, fuse_ino_t, uint64_t);
void	 mdfs_forget_multi(fuse_req_t, size_t, struct fuse_forget_data *);
void	 mdfs_getattr(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	 mdfs_setattr(fuse_req_t, fuse_ino_t, struct stat *, int,
	    struct fuse_file_info *);
void	 mdfs_readlink(fuse_req_t, fuse_ino_t);
void	 mdfs_mknod(fuse_req_t, fuse_ino_t, const char *, mode_t, dev_t);
void	 mdfs_mkdir(fuse_req_t, fuse_ino_t, const char *, mode_t);
void	 mdfs_unlink(fuse_req_t, fuse_ino_t, const char *);
void	 mdfs_rmdir(fuse_req_t, fuse_ino_t, const char *);
void	 mdfs_symlink(fuse_req_t, const char *, fuse_ino_t, const char *);
void	 mdfs_rename(fuse_req_t, fuse_ino_t, const char *, fuse_ino_t,
	    const char *, unsigned int);
void	 mdfs_link(fuse_req_t, fuse_ino_t, fuse_ino_t, const char *);
void	 mdfs_statfs(fuse_req_t, fuse_ino_t);

/* ---- ops_file.c ------------------------------------------------------------- */
void	 mdfs_open(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	 mdfs_create(fuse_req_t, fuse_ino_t, const char *, mode_t,
	    struct fuse_file_info *);
void	 mdfs_read(fuse_req_t, fuse_ino_t, size_t, off_t,
	    struct fuse_file_info *);
void	 mdfs_write(fuse_req_t, fuse_ino_t, const char *, size_t, off_t,
	    struct fuse_file_info *);
void	 mdfs_flush(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	 mdfs_release(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	 mdfs_fsync(fuse_req_t, fuse_ino_t, int, struct fuse_file_info *);
void	 mdfs_fallocate(fuse_req_t, fuse_ino_t, int, off_t, off_t,
	    struct fuse_file_info *);
void	 mdfs_lseek(fuse_req_t, fuse_ino_t, off_t, int,
	    struct fuse_file_info *);

/* ---- ops_dir.c -------------------------------------------------------------- */
void	 mdfs_opendir(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	 mdfs_readdir(fuse_req_t, fuse_ino_t, size_t, off_t,
	    struct fuse_file_info *);
void	 mdfs_readdirplus(fuse_req_t, fuse_ino_t, size_t, off_t,
	    struct fuse_file_info *);
void	 mdfs_releasedir(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	 mdfs_fsyncdir(fuse_req_t, fuse_ino_t, int, struct fuse_file_info *);

/* ---- ops_xattr.c ------------------------------------------------------------ */
void	 mdfs_setxattr(fuse_req_t, fuse_ino_t, const char *, const char *,
	    size_t, int);
void	 mdfs_getxattr(fuse_req_t, fuse_ino_t, const char *, size_t);
void	 mdfs_listxattr(fuse_req_t, fuse_ino_t, size_t);
void	 mdfs_removexattr(fuse_req_t, fuse_ino_t, const char *);

/* ---- ops_lock.c ------------------------------------------------------------- */
void	 mdfs_getlk(fuse_req_t, fuse_ino_t, struct fuse_file_info *,
	    struct flock *);
void	 mdfs_setlk(fuse_req_t, fuse_ino_t, struct fuse_file_info *,
	    struct flock *, int);
void	 mdfs_flock(fuse_req_t, fuse_ino_t, struct fuse_file_info *, int);
/* Drops the POSIX locks of fi's lock owner (flush) or its flock (release
 * with fi->flock_release).  Errors are logged. */
void	 mdfs_locks_drop(struct mdfs *, fuse_ino_t, struct fuse_file_info *,
	    int flock_too);

#endif /* MINIDFS_FUSE_OPS_H */
