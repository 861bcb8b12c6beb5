/*
 * inode: the mount's inode table, keyed by the metaserver's inode numbers
 * (which are the FUSE inode numbers; MDFS_ROOT_INO is FUSE_ROOT_ID).  It
 * keeps the kernel's lookup count of every inode (+1 per reply_entry or
 * readdirplus entry, -n per forget) and the ofile of inodes open in this
 * mount.  An entry goes away when both its lookup count and its open count
 * are zero.  Thread-safe: one mutex guards the table and every ofile's refs.
 */
#ifndef MINIDFS_FUSE_INODE_H
#define MINIDFS_FUSE_INODE_H

#include <stddef.h>
#include <stdint.h>

struct inodes;
struct ofile;
struct mdfs;

struct inodes	*inodes_new(void);
/* Frees the table; the ofiles still in it are freed too.  NULL: no-op. */
void		 inodes_free(struct inodes *);

/* The kernel learnt ino n more times (n >= 1). */
void		 inodes_ref(struct inodes *, uint64_t ino, uint64_t n);
/* The kernel forgot ino n times; counts never go below zero. */
void		 inodes_forget(struct inodes *, uint64_t ino, uint64_t n);
/* The lookup count of ino (0 when unknown); for tests and debugging. */
uint64_t	 inodes_lookups(struct inodes *, uint64_t ino);
/* Entries in the table. */
size_t		 inodes_count(struct inodes *);

/* The ofile of ino with one more reference, created (ofile_new with size)
 * when ino is not open yet.  Never fails. */
struct ofile	*inodes_open(struct inodes *, struct mdfs *, uint64_t ino,
		    uint64_t size);
/* The ofile of ino with one more reference, or NULL when not open. */
struct ofile	*inodes_get(struct inodes *, uint64_t ino);
/* Drops a reference; the last one frees the ofile (ofile_free). */
void		 inodes_put(struct inodes *, struct ofile *);
/* Calls fn for every open ofile (each held by a reference during the
 * call, the table unlocked). */
void		 inodes_foreach_open(struct inodes *,
		    void (*fn)(struct ofile *, void *), void *arg);

#endif /* MINIDFS_FUSE_INODE_H */
