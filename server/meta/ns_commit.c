/*
 * ns_commit: group commit of the namespace's batches.  A mutation checks,
 * queues its batch and applies the change in memory under ns->mu, then
 * leaves ns->mu and waits until its batch is durable; the first waiter
 * finds no commit running and becomes the committer for everything queued
 * so far, so concurrent mutations share etcd txns (and their fsync)
 * instead of waiting for each other's round trips.
 *
 * Packing: whole mutations go into one txn while it stays within
 * conf.max_txn_ops; etcd refuses a txn that changes a key twice or puts
 * into a range it deletes, so a later op on the same key replaces the
 * earlier one (the txn is atomic: only the last value is ever seen), and a
 * mutation whose ops overlap a prefix delete starts a new txn.  A mutation
 * larger than a txn is handed to the store alone, which splits it in the
 * safe order ns arranged.  Txns are written in queue order, so a crash
 * leaves a prefix of the mutations, each whole.
 *
 * Nothing is answered before it is durable: a mutation's caller waits for
 * its batch, and readers wait for every batch queued when they read, so no
 * one ever sees a change etcd may not hold.  A failed commit poisons the
 * namespace: memory may now hold changes etcd does not, so every waiter
 * and every later call gets the error until ns_swap() installs a freshly
 * loaded namespace (the store steps the leader down on such failures).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "server/meta/ns.h"
#include "server/meta/ns_impl.h"

void
ns_commit_init(struct ns *ns)
{
	pthread_mutex_init(&ns->gc_mu, NULL);
	pthread_cond_init(&ns->gc_cond, NULL);
}

void
ns_commit_destroy(struct ns *ns)
{
	ns_batch_release(&ns->pending);
	free(ns->marks);
	pthread_mutex_destroy(&ns->gc_mu);
	pthread_cond_destroy(&ns->gc_cond);
}

void
ns_commit_reset(struct ns *ns)
{
	pthread_mutex_lock(&ns->gc_mu);
	while (ns->committing)
		pthread_cond_wait(&ns->gc_cond, &ns->gc_mu);
	ns_batch_release(&ns->pending);
	ns->nmarks = 0;
	ns->queued_seq = ns->durable_seq = 0;
	ns->poisoned = 0;
	ns->epoch++;
	pthread_cond_broadcast(&ns->gc_cond);
	pthread_mutex_unlock(&ns->gc_mu);
}

uint64_t
ns_queued_seq(struct ns *ns)
{
	uint64_t	 seq;

	pthread_mutex_lock(&ns->gc_mu);
	seq = ns->queued_seq;
	pthread_mutex_unlock(&ns->gc_mu);
	return seq;
}

int
ns_commit_batch(struct ns *ns, struct ns_batch *b)
{
	size_t	 i;
	int	 rc = 0;

	pthread_mutex_lock(&ns->gc_mu);
	if (ns->poisoned != 0) {
		/* this node no longer knows what etcd holds */
		rc = -EAGAIN;
		pthread_mutex_unlock(&ns->gc_mu);
		ns_batch_release(b);
		return rc;
	}
	if (b->n == 0) {
		ns->mut_seq = ns->queued_seq;
		pthread_mutex_unlock(&ns->gc_mu);
		ns_batch_release(b);
		return 0;
	}
	if (ns->nmarks == ns->capmarks) {
		ns->capmarks = ns->capmarks == 0 ? 64 : ns->capmarks * 2;
		ns->marks = xrealloc(ns->marks,
		    ns->capmarks * sizeof(*ns->marks));
	}
	ns->marks[ns->nmarks++] = ns->pending.n;
	for (i = 0; i < b->n; i++) {
		if (ns->pending.n == ns->pending.cap) {
			ns->pending.cap = ns->pending.cap == 0 ? 64 :
			    ns->pending.cap * 2;
			ns->pending.ops = xrealloc(ns->pending.ops,
			    ns->pending.cap * sizeof(*ns->pending.ops));
		}
		ns->pending.ops[ns->pending.n++] = b->ops[i];
	}
	free(b->ops);
	b->ops = NULL;
	b->n = b->cap = 0;
	ns->mut_seq = ++ns->queued_seq;
	if (ns->hooks.commit == NULL) {
		/* no store: durable at once */
		ns_batch_release(&ns->pending);
		ns->nmarks = 0;
		ns->durable_seq = ns->queued_seq;
	}
	pthread_mutex_unlock(&ns->gc_mu);
	return 0;
}

/* 1 when two ops touch a common key through a prefix delete. */
static int
prefix_overlap(const struct ns_op *a, const struct ns_op *b)
{
	if (a->prefix && strncmp(b->key, a->key, strlen(a->key)) == 0)
		return 1;
	if (b->prefix && strncmp(a->key, b->key, strlen(b->key)) == 0)
		return 1;
	return 0;
}

static int
conflicts(const struct ns_batch *txn, const struct ns_op *ops, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < txn->n; j++)
			if (prefix_overlap(&ops[i], &txn->ops[j]))
				return 1;
	return 0;
}

/*
 * Adds a mutation's ops to txn.  An op on a key the txn already changes
 * (the parent directory's record, written by every create in it) replaces
 * the earlier op: the txn is atomic, so only the last value counts.
 */
static void
add_ops(struct ns_batch *txn, const struct ns_op *ops, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < txn->n; j++)
			if (!txn->ops[j].prefix && !ops[i].prefix &&
			    strcmp(txn->ops[j].key, ops[i].key) == 0)
				break;
		txn->ops[j] = ops[i];
		if (j == txn->n)
			txn->n++;
	}
}

/* Commits txn (a view: its ops belong to the queue) and empties it. */
static int
flush(struct ns *ns, struct ns_batch *txn)
{
	int	 rc = 0;

	if (txn->n > 0)
		rc = ns->hooks.commit(ns->hooks.arg, txn);
	txn->n = 0;
	return rc;
}

/* Writes the taken mutations (ops, marks) in order. */
static int
write_all(struct ns *ns, struct ns_batch *all, const size_t *marks,
    size_t nmarks)
{
	struct ns_batch	 txn = { NULL, 0, 0 }, one;
	size_t		 m, start, end, max = ns->conf.max_txn_ops;
	int		 rc = 0;

	txn.ops = xcalloc(max, sizeof(*txn.ops));
	txn.cap = max;
	for (m = 0; m < nmarks && rc == 0; m++) {
		start = marks[m];
		end = m + 1 < nmarks ? marks[m + 1] : all->n;
		if (end - start > max) {
			if ((rc = flush(ns, &txn)) != 0)
				break;
			one.ops = &all->ops[start];
			one.n = one.cap = end - start;
			rc = ns->hooks.commit(ns->hooks.arg, &one);
			continue;
		}
		if (txn.n + (end - start) > max ||
		    conflicts(&txn, &all->ops[start], end - start))
			if ((rc = flush(ns, &txn)) != 0)
				break;
		add_ops(&txn, &all->ops[start], end - start);
	}
	if (rc == 0)
		rc = flush(ns, &txn);
	free(txn.ops);
	return rc;
}

int
ns_wait_durable(struct ns *ns, uint64_t seq)
{
	struct ns_batch	 all;
	size_t		*marks, nmarks;
	uint64_t	 upto, epoch;
	int		 rc = 0;

	pthread_mutex_lock(&ns->gc_mu);
	epoch = ns->epoch;
	while (ns->durable_seq < seq && ns->poisoned == 0 &&
	    ns->epoch == epoch) {
		if (ns->committing || ns->nmarks == 0) {
			pthread_cond_wait(&ns->gc_cond, &ns->gc_mu);
			continue;
		}
		/* become the committer of everything queued so far */
		ns->committing = 1;
		all = ns->pending;
		marks = ns->marks;
		nmarks = ns->nmarks;
		upto = ns->queued_seq;
		memset(&ns->pending, 0, sizeof(ns->pending));
		ns->marks = NULL;
		ns->nmarks = ns->capmarks = 0;
		pthread_mutex_unlock(&ns->gc_mu);

		rc = write_all(ns, &all, marks, nmarks);
		ns_batch_release(&all);
		free(marks);

		pthread_mutex_lock(&ns->gc_mu);
		ns->committing = 0;
		if (rc != 0)
			ns->poisoned = rc;
		else if (ns->epoch == epoch)
			ns->durable_seq = upto;
		pthread_cond_broadcast(&ns->gc_cond);
	}
	if (ns->epoch != epoch)
		rc = -EAGAIN;
	else if (ns->durable_seq < seq)
		rc = ns->poisoned;
	else
		rc = 0;
	pthread_mutex_unlock(&ns->gc_mu);
	return rc;
}

int
ns_mut_end(struct ns *ns, int rc)
{
	uint64_t	 seq = ns->mut_seq;
	int		 wrc;

	ns->mut_seq = 0;
	if (seq == 0)
		seq = ns_queued_seq(ns);
	pthread_mutex_unlock(&ns->mu);
	if ((wrc = ns_wait_durable(ns, seq)) != 0)
		return wrc;
	return rc;
}
