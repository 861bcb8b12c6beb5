/*
 * scrub: slow, continuous re-verification of every stored block (see
 * scrub.h).  The rate limit is enforced between blocks: after each block the
 * thread sleeps until the bytes read so far in this pass fit the rate.  It
 * drops the blocks it read from the page cache so a pass does not evict the
 * blocks clients are reading.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "server/data/blockstore.h"
#include "server/data/data.h"
#include "server/data/scrub.h"

struct scrub {
	struct data_server *ds;
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 stop;		/* protected by lock */
	struct timespec	 pass_start;	/* CLOCK_MONOTONIC */
	uint64_t	 pass_bytes;
	uint64_t	 pass_blocks;
	uint64_t	 pass_bad;
};

static double
since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Waits up to s seconds or until stopped; returns 1 when stopped. */
static int
nap(struct scrub *sc, double s)
{
	struct timespec	 dl;
	int		 stop;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)s;
	dl.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&sc->lock);
	while (!sc->stop && s > 0)
		if (pthread_cond_timedwait(&sc->cond, &sc->lock, &dl) ==
		    ETIMEDOUT)
			break;
	stop = sc->stop;
	pthread_mutex_unlock(&sc->lock);
	return stop;
}

static int
scrub_one(const char *id, uint64_t size, void *arg)
{
	struct scrub		*sc = arg;
	struct data_server	*ds = sc->ds;
	uint64_t		 fsize;
	double			 due;
	int			 fd, rc;

	if (blockstore_open_read(ds->store, id, &fd, &fsize) < 0)
		return nap(sc, 0);	/* deleted meanwhile */
	rc = blockstore_verify(ds->store, id, fd, fsize, 0, fsize);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	sc->pass_blocks++;
	sc->pass_bytes += fsize;
	if (rc == -EUCLEAN) {
		sc->pass_bad++;
		DATA_STAT_ADD(ds, verify_failures, 1);
		log_warnx("scrub: block %s is bad, quarantined", id);
	}
	DATA_STAT_ADD(ds, scrub_bytes, fsize);
	/* when the bytes so far are due at this rate */
	due = (double)sc->pass_bytes / (double)ds->conf.scrub_rate;
	return nap(sc, due - since(&sc->pass_start));
}

static void *
scrub_main(void *arg)
{
	struct scrub	*sc = arg;
	double		 took;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &sc->pass_start);
		sc->pass_bytes = sc->pass_blocks = sc->pass_bad = 0;
		if (blockstore_foreach(sc->ds->store, scrub_one, sc) != 0)
			break;
		took = since(&sc->pass_start);
		DATA_STAT_ADD(sc->ds, scrub_passes, 1);
		log_info("scrub: pass done, %llu blocks, %llu bytes, %llu bad, "
		    "%.1fs", (unsigned long long)sc->pass_blocks,
		    (unsigned long long)sc->pass_bytes,
		    (unsigned long long)sc->pass_bad, took);
		/* at least a second between passes of an empty store */
		if (nap(sc, (double)sc->ds->conf.scrub_interval - took > 1 ?
		    (double)sc->ds->conf.scrub_interval - took : 1))
			break;
	}
	return NULL;
}

struct scrub *
scrub_start(struct data_server *ds)
{
	struct scrub		*sc;
	pthread_condattr_t	 ca;
	int			 rc;

	if (ds->conf.scrub_rate == 0) {
		log_info("scrub: disabled (storage.scrub_rate is 0)");
		return NULL;
	}
	sc = xcalloc(1, sizeof(*sc));
	sc->ds = ds;
	pthread_mutex_init(&sc->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sc->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&sc->thread, NULL, scrub_main, sc)) != 0)
		fatalx("scrub: pthread_create: %d", rc);
	log_info("scrub: started, %llu bytes/s, a pass every %llus",
	    (unsigned long long)ds->conf.scrub_rate,
	    (unsigned long long)ds->conf.scrub_interval);
	return sc;
}

void
scrub_stop(struct scrub *sc)
{
	if (sc == NULL)
		return;
	pthread_mutex_lock(&sc->lock);
	sc->stop = 1;
	pthread_cond_broadcast(&sc->cond);
	pthread_mutex_unlock(&sc->lock);
	pthread_join(sc->thread, NULL);
	pthread_mutex_destroy(&sc->lock);
	pthread_cond_destroy(&sc->cond);
	free(sc);
}
