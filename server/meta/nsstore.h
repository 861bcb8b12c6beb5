/*
 * nsstore: the namespace's persistence in etcd.  nsstore_commit is the
 * ns commit hook: it writes a batch of key changes as fenced etcd txns
 * (election_fence), and nsstore_load rebuilds a namespace from the fs/ keys
 * at takeover.  Layout of the keys and values: common/protocol.h (EK_*) and
 * ns.c (the records).
 *
 * Thread-safety: a struct nsstore is read-only after nsstore_new; calls may
 * run concurrently (ns serializes its commits anyway).
 */
#ifndef MINIDFS_NSSTORE_H
#define MINIDFS_NSSTORE_H

#include <stddef.h>
#include <stdint.h>

struct election;
struct etcd_client;
struct ns;
struct ns_batch;

/* Operations per etcd txn: etcd's default --max-txn-ops is 128. */
#define NSSTORE_TXN_OPS		128
/* Loading: keys per range read, threads reading at once, ranges per kind
 * of key, pages read ahead of the thread that applies them, attempts per
 * page when etcd does not answer in time. */
#define NSSTORE_LOAD_PAGE	5000
#define NSSTORE_LOAD_THREADS	2
#define NSSTORE_LOAD_TRIES	3
#define NSSTORE_LOAD_JOBS	16
/* Entries are keyed by their directory's inode, so their ranges are cut at
 * directories (etcd 3.4 walks a range read's whole [key, range_end) in its
 * index whatever the limit, so a job holding most entries would cost each
 * of its pages a walk over all of them): at most this many jobs. */
#define NSSTORE_LOAD_DIR_JOBS	256
#define NSSTORE_LOAD_QUEUE	16

struct nsstore;

/* Never NULL (aborts on OOM).  Both pointers are borrowed. */
struct nsstore	*nsstore_new(struct etcd_client *, struct election *);
void		 nsstore_free(struct nsstore *);

/*
 * The ns commit hook (arg is the struct nsstore).  A batch of at most
 * NSSTORE_TXN_OPS operations is one txn; a larger one (a commit of many
 * chunks, a truncation dropping many) is written as several txns in the
 * batch's order, which ns arranges so every prefix is safe: chunks before
 * the size that covers them, a smaller size before the deletion of the
 * chunks past it -- and loading drops chunks past a size.  Each txn
 * carries the fencing compare.  Returns 0; -EAGAIN when the compare failed
 * (this node no longer leads: it steps down); an etcd error (-ETIMEDOUT,
 * -ECONNREFUSED, ...), after which the outcome is unknown and the node
 * steps down so the next leader reloads what etcd holds.
 */
int	 nsstore_commit(void *arg, const struct ns_batch *);

/*
 * Loads every fs/ key at one etcd revision into ns (a fresh ns_new() with
 * the final hooks), then commits the cleanup ns_load_finish asks for.
 * Records that cannot be used are logged and (except inodes) deleted.
 * An empty store gets a root directory (a new filesystem).
 * *count (may be NULL) gets the number of inodes.  Returns 0, an etcd
 * error, or -EUCLEAN (no usable root: the store is left alone) with a
 * message in err.
 */
int	 nsstore_load(struct nsstore *, struct ns *, uint64_t *count,
	    char *err, size_t errlen) __attribute__((warn_unused_result));

#endif /* MINIDFS_NSSTORE_H */
