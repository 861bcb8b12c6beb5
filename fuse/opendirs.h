/*
 * opendirs: the directories open in this mount (opendir to releasedir),
 * with the attributes they had when opened.  A directory removed while
 * open (here or by another mount) is gone from the metaserver, but POSIX
 * keeps its open descriptors usable: fstat shows it with no links and
 * readdir lists nothing.  getattr and readdir fall back on this table when
 * the metaserver says ENOENT.  Thread-safe.
 */
#ifndef MINIDFS_FUSE_OPENDIRS_H
#define MINIDFS_FUSE_OPENDIRS_H

#include <stdint.h>

struct mc_attr;
struct opendirs;

struct opendirs	*opendirs_new(void);
/* NULL: no-op. */
void		 opendirs_free(struct opendirs *);
/* One more open handle of the directory a (its attributes now). */
void		 opendirs_open(struct opendirs *, const struct mc_attr *a);
/* One handle of ino closed. */
void		 opendirs_close(struct opendirs *, uint64_t ino);
/* 0 with *a (the attributes at its last opendir) when ino is open here,
 * else -ENOENT. */
int		 opendirs_attr(struct opendirs *, uint64_t ino,
		    struct mc_attr *a);
/* 0 with *a (the attributes at open, nlink 0: it is gone) when ino is open
 * here, else -ENOENT. */
int		 opendirs_removed(struct opendirs *, uint64_t ino,
		    struct mc_attr *a);

#endif /* MINIDFS_FUSE_OPENDIRS_H */
