/*
 * session: opening and renewing the mount's session.  See session.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/session.h"

/* The renewal thread's controls: a stop flag with a condvar, so stopping
 * never waits a whole period. */
struct session {
	pthread_t	 tid;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 stop;		/* protected by lock */
	unsigned	 ttl_s;
	struct mdfs	*fs;
};

/* Waits s seconds or until stopped: 1 when stopped. */
static int
pause_s(struct session *ss, unsigned s)
{
	struct timespec	 ts;
	int		 stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += s;
	pthread_mutex_lock(&ss->lock);
	while (!ss->stop && pthread_cond_timedwait(&ss->cond, &ss->lock,
	    &ts) != ETIMEDOUT)
		;
	stop = ss->stop;
	pthread_mutex_unlock(&ss->lock);
	return stop;
}

static void *
renewer(void *arg)
{
	struct session	*ss = arg;
	struct mdfs	*fs = ss->fs;
	unsigned	 ttl = ss->ttl_s, period;
	int		 rc;

	for (;;) {
		period = ttl / 3 > 0 ? ttl / 3 : 1;
		if (pause_s(ss, period))
			break;
		rc = mc_session_renew(fs->mc, &ttl);
		if (rc == -ENOENT || rc == -ESRCH) {
			log_warnx("session %llu expired: its locks are lost; "
			    "opening a new one",
			    (unsigned long long)mc_session(fs->mc));
			rc = mc_session_open(fs->mc, NULL, &ttl);
		}
		if (rc != 0) {
			log_warnx("session renewal failed: %s", strerror(-rc));
			ttl = SESSION_RETRY_S * 3;
		}
	}
	return NULL;
}

int
session_start(struct mdfs *fs)
{
	struct session	*ss;
	char		 host[256], client[320];
	int		 rc;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(client, sizeof(client), "%s pid %ld", host, (long)getpid());
	ss = xcalloc(1, sizeof(*ss));
	pthread_mutex_init(&ss->lock, NULL);
	pthread_cond_init(&ss->cond, NULL);
	ss->fs = fs;
	if ((rc = mc_session_open(fs->mc, client, &ss->ttl_s)) != 0)
		goto fail;
	if ((rc = pthread_create(&ss->tid, NULL, renewer, ss)) != 0) {
		(void)mc_session_close(fs->mc);
		rc = -rc;
		goto fail;
	}
	fs->sess = ss;
	return 0;
fail:
	pthread_mutex_destroy(&ss->lock);
	pthread_cond_destroy(&ss->cond);
	free(ss);
	return rc;
}

void
session_stop(struct mdfs *fs)
{
	struct session	*ss = fs->sess;

	if (ss == NULL)
		return;
	pthread_mutex_lock(&ss->lock);
	ss->stop = 1;
	pthread_cond_broadcast(&ss->cond);
	pthread_mutex_unlock(&ss->lock);
	pthread_join(ss->tid, NULL);
	(void)mc_session_close(fs->mc);
	pthread_mutex_destroy(&ss->lock);
	pthread_cond_destroy(&ss->cond);
	free(ss);
	fs->sess = NULL;
}
