/*
 * writer_attr: the attributes the writer keeps of an open file -- the
 * metaserver's last answer about it (the base), and root's chmod, chown
 * and utimes of a file this mount created, deferred to its next flush
 * (writer.c, point 6) -- and how they are overlaid on attributes read from
 * the metaserver.  Every function takes of->lock (writer_set_base: the
 * caller holds it).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/metaclient.h"
#include "fuse/mdfs.h"
#include "fuse/ofile.h"
#include "fuse/writer.h"

void
writer_set_base(struct ofile *of, const struct mc_attr *a, uint64_t ngen)
{
	of->base = *a;
	of->base_gen = ngen;
	of->base_at = clock_mono_ns();
	of->base_valid = 1;
}

void
writer_forget_base(struct ofile *of)
{
	pthread_mutex_lock(&of->lock);
	of->base_valid = 0;
	pthread_mutex_unlock(&of->lock);
}

void
writer_patch_attr(struct ofile *of, struct mc_attr *a)
{
	const struct mc_setattr	*p = &of->pend;

	pthread_mutex_lock(&of->lock);
	if (of->dirty || of->nwb > 0) {
		a->size = of->size;
		if (of->mtime > a->mtime) {
			a->mtime = of->mtime;
			a->ctime = of->mtime > a->ctime ? of->mtime : a->ctime;
		}
	} else if (of->size > a->size) {
		a->size = of->size;
	}
	if (p->set & MC_SET_MODE)
		a->mode = (a->mode & S_IFMT) | (p->mode & 07777);
	if (p->set & MC_SET_UID)
		a->uid = p->uid;
	if (p->set & MC_SET_GID)
		a->gid = p->gid;
	if (p->set & MC_SET_ATIME)
		a->atime = p->atime;
	/* a write after the utimes moved mtime on (of->mtime, above) */
	if ((p->set & MC_SET_MTIME) && of->pend_wseq == of->wseq)
		a->mtime = p->mtime;
	if (p->set != 0 && of->pend_ctime > a->ctime)
		a->ctime = of->pend_ctime;
	pthread_mutex_unlock(&of->lock);
}

int
writer_may_defer(struct ofile *of, const struct mc_setattr *s)
{
	const unsigned	 ok = MC_SET_MODE | MC_SET_UID | MC_SET_GID |
	    MC_SET_ATIME | MC_SET_MTIME;
	int		 r;

	if (s->set == 0 || (s->set & ~ok) != 0)
		return 0;
	pthread_mutex_lock(&of->lock);
	r = of->created;
	pthread_mutex_unlock(&of->lock);
	return r;
}

void
writer_defer_attr(struct ofile *of, const struct mc_setattr *s)
{
	struct mc_setattr	*p = &of->pend;

	pthread_mutex_lock(&of->lock);
	if (s->set & MC_SET_MODE)
		p->mode = s->mode & 07777;
	else if ((s->set & (MC_SET_UID | MC_SET_GID)) &&
	    (p->set & MC_SET_MODE)) {
		/* as the metaserver does on a chown without a mode */
		p->mode &= ~(uint32_t)S_ISUID;
		if (p->mode & S_IXGRP)
			p->mode &= ~(uint32_t)S_ISGID;
	}
	if (s->set & MC_SET_UID)
		p->uid = s->uid;
	if (s->set & MC_SET_GID)
		p->gid = s->gid;
	if (s->set & MC_SET_ATIME)
		p->atime = s->atime;
	if (s->set & MC_SET_MTIME) {
		p->mtime = s->mtime;
		of->mtime = s->mtime;	/* the commit's mtime */
		of->pend_wseq = of->wseq;
	}
	p->set |= s->set;
	of->pend_seq++;
	of->pend_ctime = clock_real_ns();
	pthread_mutex_unlock(&of->lock);
}

int
writer_fold_mtime(struct ofile *of, int64_t mtime)
{
	int	 r;

	pthread_mutex_lock(&of->lock);
	if ((r = of->dirty || of->nwb > 0)) {
		of->mtime = mtime;	/* the commit's mtime */
		/* counts as a change: a commit already on its way (it took
		 * the older mtime) leaves the file dirty, and the next
		 * flush commits again with this one; it also supersedes a
		 * deferred utimes' mtime (writer_patch_attr) */
		of->wseq++;
		of->dirty = 1;
	}
	pthread_mutex_unlock(&of->lock);
	return r;
}

int
writer_base_attr(struct ofile *of, struct mc_attr *a)
{
	return writer_recent_attr(of, a, INT64_MAX);
}

int
writer_recent_attr(struct ofile *of, struct mc_attr *a, int64_t max_age_ns)
{
	uint64_t	 ngen = __atomic_load_n(&of->fs->names_gen,
	    __ATOMIC_SEQ_CST);
	int64_t		 now = clock_mono_ns();
	int		 rc = -ENOENT;

	pthread_mutex_lock(&of->lock);
	if (of->base_valid && of->base_gen == ngen &&
	    now - of->base_at <= max_age_ns) {
		*a = of->base;
		rc = 0;
	}
	pthread_mutex_unlock(&of->lock);
	return rc;
}

int
writer_attr_pending(struct ofile *of)
{
	int	 r;

	pthread_mutex_lock(&of->lock);
	r = of->pend.set != 0;
	pthread_mutex_unlock(&of->lock);
	return r;
}
