/*
 * atime: the atime updates of reads and directory listings (relatime by
 * default, noatime, strictatime), sent off the read's path.
 *
 * A read or listing calls atimes_accessed() with the attributes the mount
 * knows of the inode.  When common/relatime.h's rule holds on them (or
 * nothing is known), a touch is queued for a background thread, which
 * sends it to the metaserver (the atime route); the metaserver applies the
 * same rule to its current attributes, so a stale view here costs at most
 * a request that changes nothing, and never moves atime back.  The read
 * itself never waits.  At most one touch per inode is queued or in flight;
 * a read meanwhile is covered by it.
 *
 * Until the metaserver answered, and for ATIME_LINGER_NS after, every
 * attribute this mount answers (getattr, lookup, readdirplus, via
 * mdfs_patch) shows the touch: atimes_patch() raises the atime of
 * attributes no newer than the touch -- whose ctime is not past the one
 * the touch was decided on (a touch leaves ctime alone, while every other
 * change, a utimensat of another mount included, moves it).  So `stat`
 * right after `cat` shows the new atime, and an answer that was on its way
 * while the touch landed is not shown stale.
 *
 * Thread-safe: one mutex guards the table.
 */
#ifndef MINIDFS_FUSE_ATIME_H
#define MINIDFS_FUSE_ATIME_H

#include <stdint.h>

struct atimes;
struct mc_attr;
struct metaclient;

enum atime_mode {
	ATIME_RELATIME,		/* Linux's default (common/relatime.h) */
	ATIME_NOATIME,		/* reads and listings never touch */
	ATIME_STRICT,		/* every read and listing touches */
};

#define ATIME_THREADS		2	/* threads sending touches */
#define ATIME_LINGER_NS		(10LL * 1000000000)	/* ns an answered
					 * touch is still overlaid */
#define ATIME_PENDING_MAX	65536	/* touches queued; more are dropped */

/* Parses "relatime", "noatime" or "strictatime": 0, or -EINVAL. */
int		 atime_mode_parse(const char *, enum atime_mode *);

/* The touches of a mount, sent through mc (which must outlive it).
 * NULL when the threads cannot be started (errno set); with
 * ATIME_NOATIME no thread is started and every call is a no-op. */
struct atimes	*atimes_new(struct metaclient *, enum atime_mode);
/* Sends what is still queued, stops the threads, frees.  NULL: no-op. */
void		 atimes_free(struct atimes *);
/* A read or listing of ino happened.  known: the attributes this mount
 * has of it (without the touch overlay; NULL when none: the metaserver
 * decides).  Never blocks on the network. */
void		 atimes_accessed(struct atimes *, uint64_t ino,
		    const struct mc_attr *known);
/* Shows a pending or recently answered touch of a->ino in *a (see
 * above). */
void		 atimes_patch(struct atimes *, struct mc_attr *a);
/* Before this mount sets ino's atime itself (utimensat): waits until no
 * touch of ino is in flight, so none lands after the explicit time, and
 * drops what is kept of it. */
void		 atimes_settle(struct atimes *, uint64_t ino);

#endif /* MINIDFS_FUSE_ATIME_H */
