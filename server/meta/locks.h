/*
 * locks: cluster-wide advisory locks held by the metaserver against client
 * sessions.  Two independent kinds, as on Linux:
 *   - flock: whole-file shared (READ) or exclusive (WRITE) locks; the owner is
 *     the open file (the client sends fuse's lock_owner of the open file);
 *     an owner has at most one flock per inode, and a new request replaces
 *     it (conversion).  If the conversion conflicts the old lock is kept.
 *   - posix (fcntl F_SETLK/F_GETLK): byte ranges [start, end] (end inclusive,
 *     LOCKS_EOF = to the end of any file) of type READ or WRITE, with POSIX
 *     merge and split semantics per owner: a new lock replaces the owner's
 *     overlapping parts, adjacent/overlapping ranges of the same type merge,
 *     UNLOCK over the middle of a range splits it.
 * An owner is (session, lock_owner).  Locks of one owner never conflict with
 * each other; locks of different owners conflict when they overlap and one of
 * them is WRITE.  flock and posix locks never conflict with each other.
 *
 * Blocking requests (F_SETLKW, LOCK_EX without LOCK_NB) wait inside
 * locks_set() on a condition variable that every release broadcasts, for at
 * most wait_ms; if the conflict is still there the call returns -EAGAIN and
 * the HTTP handler answers "retry" so the client re-issues the request (a
 * client whose caller was interrupted simply stops re-issuing, and releases
 * the range in case the last attempt was granted after it gave up).
 * Deadlocks between sessions are not detected; the bounded wait keeps every
 * call finite.
 *
 * Thread-safety: all functions may be called concurrently; one mutex.  Lock
 * order: ns -> cluster -> sessions -> locks; locks calls no other module.
 */
#ifndef MINIDFS_LOCKS_H
#define MINIDFS_LOCKS_H

#include <stddef.h>
#include <stdint.h>

struct locks;

#define LOCKS_EOF	UINT64_MAX	/* end of a range "to end of file" */
#define LOCKS_MAX_PER_OWNER 1024	/* posix ranges one owner may hold on
					 * one inode (-ENOLCK beyond) */

enum locks_kind {
	LOCKS_FLOCK,
	LOCKS_POSIX,
};

enum locks_type {
	LOCKS_UNLOCK,
	LOCKS_READ,
	LOCKS_WRITE,
};

struct locks_req {
	uint64_t	 ino;
	uint64_t	 session;
	uint64_t	 owner;		/* lock_owner within the session */
	uint32_t	 pid;		/* reported to getlk callers */
	enum locks_type	 type;
	uint64_t	 start;		/* posix only; flock: 0..LOCKS_EOF */
	uint64_t	 end;		/* inclusive */
};

/* A new, empty lock table.  Never NULL (aborts on OOM). */
struct locks	*locks_new(void);
/* Frees.  No waiter may be inside locks_set().  NULL is a no-op. */
void		 locks_free(struct locks *);

/* Sets (READ/WRITE) or releases (UNLOCK) a lock.  wait_ms 0: non-blocking.
 * Returns 0; -EAGAIN on conflict (after waiting up to wait_ms), with the
 * first conflicting lock in *conflict when given; -EINVAL (start > end, bad
 * type); -ENOLCK (owner over LOCKS_MAX_PER_OWNER ranges).  A failed call
 * changes nothing. */
int	 locks_set(struct locks *, enum locks_kind, const struct locks_req *,
	    unsigned wait_ms, struct locks_req *conflict);
/* F_GETLK: 1 and *conflict filled when another owner holds a conflicting
 * lock, 0 when the request could be granted now; -EINVAL as locks_set. */
int	 locks_get(struct locks *, enum locks_kind, const struct locks_req *,
	    struct locks_req *conflict);
/* Releases every lock of (session, owner) on ino, both kinds (close of a
 * file / release of a lock owner). */
void	 locks_release_owner(struct locks *, uint64_t ino, uint64_t session,
	    uint64_t owner);
/* The same for one kind only (fuse's release of flock vs posix owners). */
void	 locks_release_kind(struct locks *, enum locks_kind, uint64_t ino,
	    uint64_t session, uint64_t owner);
/* Releases every lock of a session (its expiry or close); suitable as a
 * sessions_gone_cb with arg = the struct locks. */
void	 locks_session_gone(uint64_t session, void *arg);
/* Number of lock ranges held (both kinds). */
size_t	 locks_count(struct locks *);

/* The ranges of one owner of one kind on ino (what is persisted), sorted
 * by start: 0 with *out malloc'ed (NULL when none; caller free()s), or
 * -ENOMEM. */
int	 locks_owner_ranges(struct locks *, enum locks_kind, uint64_t ino,
	    uint64_t session, uint64_t owner, struct locks_req **out,
	    size_t *n);
/* Puts back a persisted range at takeover, without the conflict check
 * (the previous leader granted it).  0, -EINVAL, -ENOLCK. */
int	 locks_restore(struct locks *, enum locks_kind, const struct locks_req *);
/* Drops every lock (leadership lost: the next leader restores them). */
void	 locks_clear(struct locks *);

/* Copies every lock held by session into *out (malloc'ed, caller free()s);
 * 0 or -ENOMEM.  kinds[i] tells each one's kind. */
int	 locks_of_session(struct locks *, uint64_t session,
	    struct locks_req **out, enum locks_kind **kinds, size_t *n);

#endif /* MINIDFS_LOCKS_H */
