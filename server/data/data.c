/*
 * data: small helpers on the server context that every subsystem shares:
 * the cluster token for outgoing calls, peer URLs, the in-flight write
 * count that graceful shutdown waits on, and the stoppable sleep of the
 * background threads.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "common/log.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "server/data/data.h"

int
data_cluster_token(struct data_server *ds, char *buf, size_t len)
{
	int64_t	 expiry;

	if (ds->secret == NULL)
		return 0;
	expiry = (int64_t)time(NULL) + DATA_CLUSTER_TOKEN_TTL_S;
	if (token_sign(ds->secret, ds->secret_len, TOKEN_SUBJECT_ANY,
	    TOKEN_OP_ALL, expiry, buf, len) < 0)
		fatalx("token_sign failed for the cluster token");
	return 1;
}

char *
data_url(const struct data_server *ds, const char *addr, const char *path)
{
	return xasprintf("%s://%s%s", ds->scheme, addr, path);
}

int
data_nap(pthread_mutex_t *lock, pthread_cond_t *cond, const int *stop,
    unsigned s)
{
	struct timespec	 dl;
	int		 ret;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += s;
	pthread_mutex_lock(lock);
	while (!*stop)
		if (pthread_cond_timedwait(cond, lock, &dl) == ETIMEDOUT)
			break;
	ret = *stop;
	pthread_mutex_unlock(lock);
	return ret;
}

int
data_write_begin(struct data_server *ds)
{
	pthread_mutex_lock(&ds->lock);
	if (ds->draining) {
		pthread_mutex_unlock(&ds->lock);
		return -ESHUTDOWN;
	}
	ds->inflight++;
	pthread_mutex_unlock(&ds->lock);
	return 0;
}

void
data_write_end(struct data_server *ds)
{
	pthread_mutex_lock(&ds->lock);
	if (--ds->inflight == 0)
		pthread_cond_broadcast(&ds->idle);
	pthread_mutex_unlock(&ds->lock);
}
