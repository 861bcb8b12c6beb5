/*
 * dirattrs: the attributes of directories as the metaserver last answered
 * them after a change this mount made in them (the "dirs" of an entry
 * call's answer), so the getattr the kernel sends after every such change
 * is answered here while they are younger than the attribute timeout --
 * what the kernel's own attribute cache would have shown had it not
 * dropped them.  A fixed table indexed by inode number (a newer entry takes
 * the slot of an older one).  Thread-safe.
 */
#ifndef MINIDFS_FUSE_DIRATTRS_H
#define MINIDFS_FUSE_DIRATTRS_H

#include <stdint.h>

struct mc_attr;
struct dirattrs;

struct dirattrs	*dirattrs_new(void);
/* NULL: no-op. */
void		 dirattrs_free(struct dirattrs *);
/* Records a (a directory's) as of now, unless the slot holds the same
 * directory with a later ctime (answers may arrive out of order). */
void		 dirattrs_put(struct dirattrs *, const struct mc_attr *a);
/* 0 with *a when ino was recorded at most max_age_ns ago, else -ENOENT. */
int		 dirattrs_get(struct dirattrs *, uint64_t ino, int64_t max_age_ns,
		    struct mc_attr *a);
/* Drops what is recorded of ino. */
void		 dirattrs_forget(struct dirattrs *, uint64_t ino);
/* Drops everything (a rename or rmdir may change directories the answer
 * does not name: the one moved or removed). */
void		 dirattrs_clear(struct dirattrs *);

#endif /* MINIDFS_FUSE_DIRATTRS_H */
