/*
 * workq: a job queue drained by a fixed set of threads.  See workq.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "fuse/workq.h"

struct job {
	void		(*fn)(void *);
	void		*arg;
	struct job	*next;
};

struct workq {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct job	*head, *tail;	/* protected by lock */
	size_t		 pending;	/* protected by lock: queued + running */
	int		 stop;		/* protected by lock */
	size_t		 nthreads;
	pthread_t	*threads;
};

static void *
worker(void *arg)
{
	struct workq	*wq = arg;
	struct job	*j;

	pthread_mutex_lock(&wq->lock);
	for (;;) {
		while (wq->head == NULL && !wq->stop)
			pthread_cond_wait(&wq->cond, &wq->lock);
		if ((j = wq->head) == NULL)
			break;		/* stopping and drained */
		wq->head = j->next;
		if (wq->head == NULL)
			wq->tail = NULL;
		pthread_mutex_unlock(&wq->lock);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&wq->lock);
		wq->pending--;
	}
	pthread_mutex_unlock(&wq->lock);
	return NULL;
}

struct workq *
workq_new(size_t nthreads)
{
	struct workq	*wq = xcalloc(1, sizeof(*wq));
	int		 rc;

	pthread_mutex_init(&wq->lock, NULL);
	pthread_cond_init(&wq->cond, NULL);
	wq->threads = xcalloc(nthreads, sizeof(*wq->threads));
	for (; wq->nthreads < nthreads; wq->nthreads++) {
		rc = pthread_create(&wq->threads[wq->nthreads], NULL, worker,
		    wq);
		if (rc != 0) {
			workq_free(wq);
			errno = rc;
			return NULL;
		}
	}
	return wq;
}

void
workq_push(struct workq *wq, void (*fn)(void *), void *arg)
{
	struct job	*j = xmalloc(sizeof(*j));

	j->fn = fn;
	j->arg = arg;
	j->next = NULL;
	pthread_mutex_lock(&wq->lock);
	if (wq->tail != NULL)
		wq->tail->next = j;
	else
		wq->head = j;
	wq->tail = j;
	wq->pending++;
	pthread_cond_signal(&wq->cond);
	pthread_mutex_unlock(&wq->lock);
}

size_t
workq_pending(struct workq *wq)
{
	size_t	 n;

	pthread_mutex_lock(&wq->lock);
	n = wq->pending;
	pthread_mutex_unlock(&wq->lock);
	return n;
}

void
workq_free(struct workq *wq)
{
	if (wq == NULL)
		return;
	pthread_mutex_lock(&wq->lock);
	wq->stop = 1;
	pthread_cond_broadcast(&wq->cond);
	pthread_mutex_unlock(&wq->lock);
	for (size_t i = 0; i < wq->nthreads; i++)
		pthread_join(wq->threads[i], NULL);
	pthread_mutex_destroy(&wq->lock);
	pthread_cond_destroy(&wq->cond);
	free(wq->threads);
	free(wq);
}
