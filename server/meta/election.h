/*
 * election: leader election of the metaservers through etcd, fencing, and
 * the standby answer.
 *
 * Each metaserver holds a lease (TTL election.lease_ttl) with
 * meta/members/<id> = its address attached, and campaigns with one txn:
 * "create_revision(meta/leader) == 0 -> put meta/leader = my address with
 * my lease".  The winner's fencing revision is the revision of that txn
 * (the key's create_revision): every namespace write of the leader carries
 * the compare "create_revision(meta/leader) == fencing revision", so once
 * the key is gone or re-created by another node, a deposed leader's writes
 * fail in etcd itself.  Standbys watch meta/leader (and poll it at the
 * keepalive interval) and campaign when it vanishes.
 *
 * Winning calls on_lead (which loads the namespace) before the node answers
 * as leader; a leader whose keepalive fails with an expired lease, or that
 * cannot renew for a whole TTL, steps down at once (on_lose) and takes a
 * new lease.  election_is_leader() is also false once a TTL has passed
 * since the last successful renewal, so a paused leader serves nothing
 * from its stale memory after it wakes up.
 *
 * Thread-safety: all functions may be called from any thread.  The
 * callbacks run on the election thread.
 */
#ifndef MINIDFS_ELECTION_H
#define MINIDFS_ELECTION_H

#include <stddef.h>
#include <stdint.h>

#include "common/protocol.h"

struct etcd_client;
struct etcd_txn;
struct election;
struct httpd_req;
struct httpd_resp;

struct election_config {
	const char	*id;		/* this metaserver's id */
	const char	*addr;		/* advertised "host:port" */
	int64_t		 ttl_s;		/* lease TTL, >= 2 */
	/* Called after winning, before answering as leader, with the fencing
	 * revision; nonzero: resign and campaign again later. */
	int		(*on_lead)(void *arg, int64_t fence_rev);
	/* Called when leadership is lost (not after a failed on_lead). */
	void		(*on_lose)(void *arg);
	void		*arg;
};

/* Never NULL (aborts on OOM).  conf's strings are copied. */
struct election	*election_new(struct etcd_client *,
		    const struct election_config *);
/* Starts the campaign thread and the watch.  0 or -errno (err). */
int		 election_start(struct election *, char *err, size_t errlen);
/* Stops campaigning; a leader resigns (its lease is revoked so a standby
 * takes over at once).  The election stays usable (never leading). */
void		 election_stop(struct election *);
/* Stops (if needed) and frees.  NULL is a no-op. */
void		 election_free(struct election *);

/* 1 while this node leads (and renewed its lease within the TTL). */
int		 election_is_leader(struct election *);
/* The leader's address as last seen ("" unknown) into buf. */
void		 election_leader(struct election *, char *buf, size_t len);
/* Adds the fencing compare to a txn.  On a node that does not lead it adds
 * a compare that always fails. */
void		 election_fence(struct election *, struct etcd_txn *);
/* A write failed in a way that leaves this node's state in doubt: stop
 * leading now, resign, campaign again (and reload if it wins). */
void		 election_step_down(struct election *, const char *why);

/*
 * Every leader-only handler starts with it: returns 0 when this node leads;
 * otherwise fills resp with the standby answer of common/protocol.h (307 +
 * HTTP_HDR_LEADER + Location, or 503 EAGAIN when no leader is known) and
 * returns 1.
 */
int		 meta_require_leader(struct httpd_req *, struct httpd_resp *);

#endif /* MINIDFS_ELECTION_H */
