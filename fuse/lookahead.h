/*
 * lookahead: directory listings fetched ahead of lookups.  A program that
 * stats or opens many names of one directory (find, make, tar, a backup)
 * costs one metaserver round trip per name; after LOOKAHEAD_MISSES lookups
 * in a row in the same directory had to ask, the mount fetches the
 * directory's listing with attributes (up to LOOKAHEAD_PAGES pages of
 * MDFS_READDIR_MAX entries) and answers the next lookups in it from that.
 *
 * A listing answers only while it is younger than the caller's bound (the
 * entry and attribute timeouts: what the kernel's own caches would keep)
 * and while nothing this mount sent could have changed it: it is taken at
 * a generation of mc_changes() read before the listing was asked for, and
 * is dead once that moved (every create, unlink, rename, setattr, commit
 * ... of this mount moves it, before it is sent and after it is answered).
 * Changes by other mounts show after the timeouts, as with the kernel's
 * caches -- the same as if this mount had listed the directory (ls -l)
 * just before.  A listing answers only the names it holds: a name missing
 * from it is asked for (another mount may have just created it; the
 * kernel caches no negative entry from a listing either).
 *
 * A few directories are kept (LOOKAHEAD_DIRS, the oldest replaced).
 * Thread-safe.
 */
#ifndef MINIDFS_FUSE_LOOKAHEAD_H
#define MINIDFS_FUSE_LOOKAHEAD_H

#include <stddef.h>
#include <stdint.h>

#define LOOKAHEAD_DIRS		8	/* directories kept */
#define LOOKAHEAD_MISSES	3	/* asked lookups in a row before a fetch */
#define LOOKAHEAD_REFETCH	256	/* the same past a partial listing */
#define LOOKAHEAD_PAGES		4	/* readdir pages of a listing (of
					 * MDFS_READDIR_MAX entries) */

struct mc_attr;
struct mc_dirent;
struct lookahead;

struct lookahead	*lookahead_new(void);
/* NULL: no-op. */
void		 lookahead_free(struct lookahead *);

/*
 * Answers name in parent from a listing taken at generation gen at most
 * max_age_ns ago: 0 with *a and *age_ns (how old the listing is), or
 * -EAGAIN when no listing holds it (ask the metaserver).
 */
int		 lookahead_get(struct lookahead *, uint64_t parent,
		    const char *name, uint64_t gen, int64_t max_age_ns,
		    struct mc_attr *a, int64_t *age_ns);
/*
 * Counts a lookup in parent that has to ask the metaserver, at generation
 * gen.  1 when the caller should fetch parent's listing now (it then owes
 * a lookahead_put or lookahead_put_failed), else 0.  One fetch per
 * directory at a time; while a partial listing is current it is fetched
 * again only after LOOKAHEAD_REFETCH misses (the names asked are not in
 * its page).
 */
int		 lookahead_miss(struct lookahead *, uint64_t parent,
		    uint64_t gen);
/* The listing of parent asked for at generation gen (its first pages, in
 * the metaserver's order; complete: it held the whole directory, which
 * makes a miss past it a change elsewhere, fetched again after
 * LOOKAHEAD_MISSES like a missing listing).  Takes ents (freed with
 * mc_dirents_free). */
void		 lookahead_put(struct lookahead *, uint64_t parent,
		    uint64_t gen, struct mc_dirent *ents, size_t n,
		    int complete);
/* The fetch lookahead_miss asked for failed. */
void		 lookahead_put_failed(struct lookahead *, uint64_t parent);

#endif /* MINIDFS_FUSE_LOOKAHEAD_H */
