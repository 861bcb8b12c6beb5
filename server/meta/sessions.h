/*
 * sessions: the client sessions of the metaserver.  A mount opens a session,
 * renews it well within its TTL and closes it on unmount; a session that is
 * not renewed expires.  Open handles (ns) and locks (locks) belong to a
 * session and are released when it ends: the module calls every callback
 * registered with sessions_on_gone(), outside its lock.
 *
 * Each session is an etcd lease (the session id IS the lease id, so ids are
 * unique across leaders) with the key meta/sessions/<id %016llx> attached:
 * sessions survive a leader change.  The leader renews the lease on each
 * client renewal; the key vanishes when the lease expires.  A new leader
 * loads meta/sessions/ (sessions_set_leader(s, 1)) and gives every session a
 * full TTL to renew with it.  With a NULL etcd client (tests) sessions live
 * only in memory with ids counting from 1.
 *
 * Expiry: sessions_tick() (the module's thread calls it every second) ends
 * every session whose deadline has passed; the leader also watches
 * meta/sessions/ and ends a session whose key was deleted.
 *
 * Thread-safety: every function may be called from any thread.  Lock order:
 * ns -> cluster -> sessions -> locks; callbacks run without the sessions lock
 * held, so they may take the ns and locks locks.
 */
#ifndef MINIDFS_SESSIONS_H
#define MINIDFS_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "server/meta/locks.h"

struct etcd_client;
struct etcd_txn;
struct election;
struct sessions;

#define SESSIONS_MAX_CALLBACKS	4
#define SESSIONS_CLIENT_MAX	128	/* bytes of a client description */

/* Called when a session ends (expired or closed). */
typedef void (*sessions_gone_cb)(uint64_t session, void *arg);
/* Adds the leader's fencing compare to a txn (election_fence). */
typedef void (*sessions_fence_fn)(struct election *, struct etcd_txn *);

/* A new session table.  etcd may be NULL (memory only); fence/election may
 * be NULL (no fencing compare).  ttl_s >= 2.  Never NULL (aborts on OOM). */
struct sessions *sessions_new(struct etcd_client *, unsigned ttl_s,
		    sessions_fence_fn fence, struct election *election);
/* Stops the thread and the watch, frees.  Does not call the callbacks and
 * does not touch etcd (the leases expire by themselves).  NULL is a no-op. */
void	 sessions_free(struct sessions *);
/* Registers a callback (before sessions_start).  -E2BIG when full. */
int	 sessions_on_gone(struct sessions *, sessions_gone_cb, void *arg);
/* Starts the expiry thread.  Returns 0 or -errno. */
int	 sessions_start(struct sessions *);
/* Gaining leadership loads meta/sessions/ and watches it; losing it forgets
 * every session WITHOUT calling the callbacks (the new leader owns them). */
void	 sessions_set_leader(struct sessions *, int leader);

/* Opens a session for client (a free text such as "host:/mnt/dfs", cut to
 * SESSIONS_CLIENT_MAX - 1 bytes).  Returns 0 and *id, or an etcd error
 * (-EAGAIN when the fencing compare failed: this node is no longer the
 * leader). */
int	 sessions_open(struct sessions *, const char *client, uint64_t *id)
	    __attribute__((warn_unused_result));
/* Renews; *ttl_s (may be NULL) gets the TTL.  Returns 0, -ENOENT (unknown or
 * expired: the client must open a new session and has lost its locks), or
 * an etcd error. */
int	 sessions_renew(struct sessions *, uint64_t id, unsigned *ttl_s)
	    __attribute__((warn_unused_result));
/* Closes: calls the callbacks and revokes the lease.  0 or -ENOENT. */
int	 sessions_close(struct sessions *, uint64_t id);
/* 1 when the session exists and has not expired, else 0. */
int	 sessions_valid(struct sessions *, uint64_t session);
unsigned sessions_ttl(const struct sessions *);
size_t	 sessions_count(struct sessions *);

struct sessions_info {
	uint64_t	 id;
	char		 client[SESSIONS_CLIENT_MAX];
	int64_t		 expires_in_ms;
};
/* A snapshot sorted by id: 0 with *out malloc'ed (caller free()s), or
 * -ENOMEM. */
int	 sessions_list(struct sessions *, struct sessions_info **out,
	    size_t *n);

/*
 * Locks survive a leader change too: with a lock table attached (before
 * sessions_start), every change of one owner's locks is saved by
 * sessions_save_locks() as meta/locks/<session>/<ino>/<p|f><owner> (all
 * %016llx) under the session's lease, so the keys vanish with the session;
 * sessions_set_leader(s, 1) restores them after loading the sessions and
 * sessions_set_leader(s, 0) empties the lock table.
 */
void	 sessions_set_locks(struct sessions *, struct locks *);
/* Saves the current locks of (session, owner) of one kind on ino: one
 * fenced etcd txn (a put, or a delete when none are left).  Concurrent
 * saves are serialized and each takes its snapshot inside, so the last
 * write is the newest state.  Returns 0 (also without etcd or without an
 * attached table), -EAGAIN (fenced out: no longer the leader), -ESRCH (the
 * session's lease is gone), or an etcd error. */
int	 sessions_save_locks(struct sessions *, enum locks_kind, uint64_t ino,
	    uint64_t session, uint64_t owner)
	    __attribute__((warn_unused_result));

/* Ends every expired session (calls the callbacks).  Returns how many. */
size_t	 sessions_tick(struct sessions *);
/* Replaces the monotonic clock (milliseconds), for tests. */
void	 sessions_set_clock(struct sessions *, int64_t (*now_ms)(void *),
	    void *arg);

#endif /* MINIDFS_SESSIONS_H */
