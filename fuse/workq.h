/*
 * workq: a fixed pool of threads running queued jobs in FIFO order (the
 * uploaders and the read-ahead fetchers).  A job is a function and its
 * argument; the job owns the argument.  Thread-safe.
 */
#ifndef MINIDFS_FUSE_WORKQ_H
#define MINIDFS_FUSE_WORKQ_H

#include <stddef.h>

struct workq;

/* Starts nthreads (>= 1) threads.  Returns NULL when a thread cannot be
 * created (errno set). */
struct workq	*workq_new(size_t nthreads);
/* Queues fn(arg).  Never fails (small allocation). */
void		 workq_push(struct workq *, void (*fn)(void *), void *arg);
/* Jobs queued or running. */
size_t		 workq_pending(struct workq *);
/* Runs the jobs still queued, stops and joins the threads, frees.  NULL is
 * a no-op. */
void		 workq_free(struct workq *);

#endif /* MINIDFS_FUSE_WORKQ_H */
