/*
 * reader: block fetches with verification, the caches, read-ahead, the
 * per-file block map and the read path.  See reader.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/blockid.h"
#include "common/buf.h"
#include "common/dataapi.h"
#include "common/httpc.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "fuse/blockcache.h"
#include "fuse/diskcache.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/ofile.h"
#include "fuse/reader.h"
#include "fuse/workq.h"
#include "fuse/writer.h"

#define READER_INFLIGHT_MAX	64	/* blocks fetched at once */
/* bytes a read may start away from where the last one ended and still count
 * as sequential: the kernel's parallel read-ahead reorders requests, by
 * several of its 1 MiB READs since the mount's read_ahead_kb is raised
 * (fuse/bdi.h) -- at 2 MiB a reordered sequential READ was taken for a
 * random one, fetched as a range and not cached */
#define READER_SEQ_SLACK	(8u * 1024 * 1024)

struct reader {
	struct mdfs	*fs;
	struct workq	*prefetch;
	struct workq	*reports;	/* bad replicas to the metaserver */
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	/* protected by lock: ids being fetched */
	char		 inflight[READER_INFLIGHT_MAX][BLOCKID_BUFSZ];
	size_t		 ninflight;
};

struct reader *
reader_new(struct mdfs *fs)
{
	struct reader	*rd = xcalloc(1, sizeof(*rd));

	rd->fs = fs;
	pthread_mutex_init(&rd->lock, NULL);
	pthread_cond_init(&rd->cond, NULL);
	/* one fetcher per block of the window, so the reader never waits
	 * for blocks ahead fetched one after another */
	if ((fs->conf.readahead > 0 &&
	    (rd->prefetch = workq_new(fs->conf.readahead)) == NULL) ||
	    (rd->reports = workq_new(1)) == NULL) {
		log_warn("reader: threads");
		reader_free(rd);
		return NULL;
	}
	return rd;
}

struct report {
	struct mdfs	*fs;
	char		 id[BLOCKID_BUFSZ];
	char		 node[MDFS_NODE_ID_MAX + 1];
};

static void
report_run(void *arg)
{
	struct report	*r = arg;
	int		 rc;

	if ((rc = mc_report_bad(r->fs->mc, r->id, r->node)) != 0)
		log_warnx("reader: reporting %s's replica of %s: %s", r->node,
		    r->id, strerror(-rc));
	free(r);
}

/* dataapi_report: hands the report to the reports thread, so the read
 * goes on to the next replica without waiting for the metaserver. */
static void
report_bad(void *arg, const char *id, const char *node_id)
{
	struct reader	*rd = arg;
	struct report	*r = xcalloc(1, sizeof(*r));

	r->fs = rd->fs;
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->node, sizeof(r->node), "%s", node_id);
	workq_push(rd->reports, report_run, r);
}

void
reader_free(struct reader *rd)
{
	if (rd == NULL)
		return;
	workq_free(rd->prefetch);
	workq_free(rd->reports);
	pthread_mutex_destroy(&rd->lock);
	pthread_cond_destroy(&rd->cond);
	free(rd);
}

static ssize_t
inflight_find(struct reader *rd, const char *id)
{
	for (size_t i = 0; i < rd->ninflight; i++)
		if (strcmp(rd->inflight[i], id) == 0)
			return (ssize_t)i;
	return -1;
}

/* Claims the fetch of id: 1 claimed, 0 someone else fetched it meanwhile
 * (look in the cache again). */
static int
inflight_claim(struct reader *rd, const char *id)
{
	int	 waited = 0;

	pthread_mutex_lock(&rd->lock);
	while (inflight_find(rd, id) >= 0 ||
	    rd->ninflight == READER_INFLIGHT_MAX) {
		if (inflight_find(rd, id) >= 0)
			waited = 1;
		pthread_cond_wait(&rd->cond, &rd->lock);
	}
	if (!waited)
		memcpy(rd->inflight[rd->ninflight++], id, BLOCKID_BUFSZ);
	pthread_mutex_unlock(&rd->lock);
	return !waited;
}

static void
inflight_done(struct reader *rd, const char *id)
{
	ssize_t	 i;

	pthread_mutex_lock(&rd->lock);
	if ((i = inflight_find(rd, id)) >= 0) {
		rd->ninflight--;
		memmove(rd->inflight[i], rd->inflight[rd->ninflight],
		    BLOCKID_BUFSZ);
	}
	pthread_cond_broadcast(&rd->cond);
	pthread_mutex_unlock(&rd->lock);
}

ssize_t
reader_chunk(struct reader *rd, const struct mc_chunk *ch, uint64_t off,
    void *dst, size_t n)
{
	struct mdfs	*fs = rd->fs;
	void		*data = NULL;
	size_t		 len = 0, got = 0;
	ssize_t		 r;
	int		 rc;

	/* only the chunk's first len bytes belong to the file */
	if (off >= ch->len)
		n = 0;
	else if (n > ch->len - off)
		n = (size_t)(ch->len - off);
	for (;;) {
		if ((r = blockcache_read(fs->bc, ch->id, off, dst, n)) >= 0) {
			if (r == 0 && n > 0)
				return -EIO;	/* the block is shorter */
			return r;
		}
		if (inflight_claim(rd, ch->id))
			break;
	}
	rc = -ENOENT;
	if (fs->dc != NULL)
		rc = diskcache_get(fs->dc, ch->id, &data, &len);
	if (rc != 0) {
		struct dataapi_report rep = { report_bad, rd };

		rc = dataapi_get(fs->data, ch, fs->block_size, &rep,
		    fs->bpool, &data, &len);
		if (rc == 0 && fs->dc != NULL)
			diskcache_put(fs->dc, ch->id, data, len);
	}
	if (rc == 0) {
		if (off < len && n > 0) {
			got = len - off < n ? len - off : n;
			memcpy(dst, (char *)data + off, got);
		}
		blockcache_insert(fs->bc, ch->id, data, len);
	}
	inflight_done(rd, ch->id);
	return rc != 0 ? rc : (ssize_t)got;
}

ssize_t
reader_range(struct reader *rd, const struct mc_chunk *ch, uint64_t off,
    void *dst, size_t n)
{
	struct mdfs	*fs = rd->fs;
	char		 url[MDFS_ADDR_MAX + 96], range[64], err[128];
	int		 rc, n404 = 0, n403 = 0;

	if (off >= ch->len)
		return 0;
	if (n > ch->len - off)
		n = (size_t)(ch->len - off);
	if (n == 0)
		return 0;
	snprintf(range, sizeof(range), "bytes=%llu-%llu",
	    (unsigned long long)off, (unsigned long long)(off + n - 1));
	for (size_t i = 0; i < ch->nloc; i++) {
		struct httpc_req req = { 0 };
		struct buf	 out = BUF_INIT(n);
		struct httpc	*h;

		snprintf(url, sizeof(url), "http://%s%s%s", ch->loc[i].addr,
		    DATA_PATH_BLOCKS, ch->id);
		req.method = "GET";
		req.url = url;
		req.resp = &out;
		if ((ch->token[0] != '\0' && httpc_req_header(&req,
		    HTTP_HDR_TOKEN, ch->token) != 0) ||
		    httpc_req_header(&req, "Range", range) != 0)
			return -EIO;
		h = httpc_pool_get(fs->data);
		rc = httpc_do(h, &req, err, sizeof(err));
		httpc_pool_put(fs->data, h);
		if (rc != 0) {
			log_warnx("reader: block %s from %s: %s", ch->id,
			    ch->loc[i].addr, err);
		} else if (req.status == 206 && out.len == n) {
			/* the dataserver checked the sub-block checksums */
			memcpy(dst, out.data, n);
			buf_release(&out);
			return (ssize_t)n;
		} else {
			if (req.status == 404)
				n404++;
			else if (req.status == 403 || req.status == 401)
				n403++;
			log_warnx("reader: block %s range from %s: HTTP %ld, "
			    "%zu bytes", ch->id, ch->loc[i].addr, req.status,
			    out.len);
		}
		buf_release(&out);
	}
	if (ch->nloc == 0 || (size_t)n404 == ch->nloc)
		return -ENOENT;
	if (n403 > 0)
		return -EACCES;
	return -EIO;
}

int
reader_block(struct reader *rd, const struct mc_chunk *ch, void **data,
    size_t *len)
{
	void	*p;
	ssize_t	 r;

	if ((p = malloc(ch->len > 0 ? ch->len : 1)) == NULL)
		return -ENOMEM;
	r = reader_chunk(rd, ch, 0, p, ch->len);
	if (r < 0) {
		free(p);
		return (int)r;
	}
	*data = p;
	*len = (size_t)r;
	return 0;
}

struct prefetch_job {
	struct reader	*rd;
	struct mc_chunk	 ch;
};

static void
prefetch_run(void *arg)
{
	struct prefetch_job	*j = arg;

	if (!blockcache_has(j->rd->fs->bc, j->ch.id))
		(void)reader_chunk(j->rd, &j->ch, 0, NULL, 0);
	free(j);
}

/* With of->lock held: queues the blocks after index for read-ahead. */
static void
prefetch_after(struct ofile *of, uint64_t index)
{
	struct mdfs		*fs = of->fs;
	struct reader		*rd = fs->rd;
	const struct mc_chunk	*c;
	struct prefetch_job	*j;
	/* at most half the cache ahead, or the blocks read ahead would
	 * evict the one being read and each other */
	uint64_t		 ahead = fs->conf.cache_size / fs->block_size / 2;

	if (ahead > fs->conf.readahead)
		ahead = fs->conf.readahead;
	if (rd->prefetch == NULL || !of->map_valid || ahead == 0 ||
	    workq_pending(rd->prefetch) >= 2 * fs->conf.readahead)
		return;
	for (uint64_t i = index + 1; i <= index + ahead; i++) {
		if ((c = ofile_map_find(of, i)) == NULL ||
		    blockcache_has(fs->bc, c->id))
			continue;
		pthread_mutex_lock(&rd->lock);
		if (inflight_find(rd, c->id) >= 0) {
			pthread_mutex_unlock(&rd->lock);
			continue;
		}
		pthread_mutex_unlock(&rd->lock);
		j = xmalloc(sizeof(*j));
		j->rd = rd;
		j->ch = *c;
		workq_push(rd->prefetch, prefetch_run, j);
	}
}

/* ---- block map ------------------------------------------------------------ */

static int
by_index(const void *a, const void *b)
{
	const struct mc_chunk *ca = a, *cb = b;

	return (ca->index > cb->index) - (ca->index < cb->index);
}

const struct mc_chunk *
ofile_map_find(struct ofile *of, uint64_t index)
{
	struct mc_chunk	 key;

	if (!of->map_valid || of->nmap == 0)
		return NULL;
	key.index = index;
	return bsearch(&key, of->map, of->nmap, sizeof(*of->map), by_index);
}

void
ofile_map_invalidate(struct ofile *of)
{
	of->map_valid = 0;
	of->map_gen++;
}

/* Loads the whole map of ino (every page) without any lock. */
static int
map_load(struct ofile *of, uint64_t size, struct mc_chunk **out, size_t *nout)
{
	struct mdfs	*fs = of->fs;
	struct mc_chunk	*all = NULL, *page, *na;
	size_t		 n = 0, np;
	uint64_t	 first = 0, ssize, nblocks;
	int		 rc;

	nblocks = (size + fs->block_size - 1) / fs->block_size;
	do {
		rc = mc_blockmap(fs->mc, of->ino, first, MDFS_BLOCKMAP_MAX,
		    &page, &np, &ssize);
		if (rc != 0) {
			free(all);
			return rc;
		}
		if ((ssize + fs->block_size - 1) / fs->block_size > nblocks)
			nblocks = (ssize + fs->block_size - 1) / fs->block_size;
		if (np > 0) {
			na = realloc(all, (n + np) * sizeof(*all));
			if (na == NULL) {
				free(page);
				free(all);
				return -ENOMEM;
			}
			all = na;
			memcpy(all + n, page, np * sizeof(*page));
			n += np;
		}
		free(page);
		first += MDFS_BLOCKMAP_MAX;
	} while (first < nblocks);
	if (n > 1)
		qsort(all, n, sizeof(*all), by_index);
	*out = all;
	*nout = n;
	return 0;
}

void
ofile_map_set(struct ofile *of, struct mc_chunk *chunks, size_t n)
{
	free(of->map);
	of->map = chunks;
	of->nmap = n;
	of->map_valid = 1;
}

uint64_t
reader_map_epoch(struct mdfs *fs)
{
	return __atomic_load_n(&fs->map_epoch, __ATOMIC_SEQ_CST);
}

void
reader_maps_stale(struct mdfs *fs)
{
	__atomic_add_fetch(&fs->map_epoch, 1, __ATOMIC_SEQ_CST);
}

void
reader_maps_change_begin(struct mdfs *fs)
{
	__atomic_add_fetch(&fs->map_changing, 1, __ATOMIC_SEQ_CST);
}

void
reader_maps_change_end(struct mdfs *fs)
{
	reader_maps_stale(fs);
	__atomic_sub_fetch(&fs->map_changing, 1, __ATOMIC_SEQ_CST);
}

int
ofile_map_install(struct ofile *of, struct mc_map *m, unsigned asked,
    uint64_t epoch)
{
	struct mdfs	*fs = of->fs;

	if (!m->valid || m->block_size != fs->block_size ||
	    m->size != of->size || m->size > (uint64_t)asked * fs->block_size ||
	    of->dirty || of->nwb != 0 ||
	    __atomic_load_n(&fs->map_changing, __ATOMIC_SEQ_CST) != 0 ||
	    reader_map_epoch(fs) != epoch)
		return 0;
	if (m->n > 1)	/* at most the asked chunks */
		qsort(m->chunks, m->n, sizeof(*m->chunks), by_index);
	ofile_map_set(of, m->chunks, m->n);
	m->chunks = NULL;
	m->n = 0;
	return 1;
}

int
ofile_map_ensure(struct ofile *of)
{
	struct mc_chunk	*map;
	size_t		 n;
	uint64_t	 gen;
	int		 rc;

	while (!of->map_valid) {
		if (of->map_loading) {
			pthread_cond_wait(&of->cond, &of->lock);
			continue;
		}
		of->map_loading = 1;
		gen = of->map_gen;
		pthread_mutex_unlock(&of->lock);
		rc = map_load(of, of->size, &map, &n);
		pthread_mutex_lock(&of->lock);
		of->map_loading = 0;
		pthread_cond_broadcast(&of->cond);
		if (rc != 0)
			return rc;
		if (gen != of->map_gen) {
			free(map);	/* went stale while loading */
			continue;
		}
		ofile_map_set(of, map, n);
	}
	return 0;
}

/* ---- the read path ---------------------------------------------------------- */

ssize_t
reader_read(struct ofile *of, uint64_t off, size_t size, char *dst)
{
	struct mdfs		*fs = of->fs;
	const uint64_t		 B = fs->block_size;
	const struct mc_chunk	*mc;
	struct mc_chunk		 ch;
	struct wblock		*w;
	size_t			 n, done = 0, piece, have;
	uint64_t		 pos, idx, boff;
	ssize_t			 r;
	int			 rc, retried = 0, random, near, seq;

	pthread_mutex_lock(&of->lock);
	if (off >= of->size) {
		pthread_mutex_unlock(&of->lock);
		return 0;
	}
	/* A sequential reader is one whose read starts near where the last
	 * ended, twice running (or at the start of the file): one random
	 * read landing near the last by chance does not make a stream. */
	near = off + READER_SEQ_SLACK >= of->last_end &&
	    off <= of->last_end + READER_SEQ_SLACK;
	seq = near && (of->last_near || off == 0);
	of->last_near = near;
	n = of->size - off < size ? (size_t)(of->size - off) : size;
	while (done < n) {
		pos = off + done;
		idx = pos / B;
		boff = pos % B;
		piece = B - boff < n - done ? (size_t)(B - boff) : n - done;
		w = writer_find(of, idx);
		if (w != NULL && w->state != WB_DONE) {
			have = boff < w->len ? w->len - boff : 0;
			if (have > piece)
				have = piece;
			memcpy(dst + done, w->data + boff, have);
			memset(dst + done + have, 0, piece - have);
			done += piece;
			continue;
		}
		if (w != NULL) {
			ch = w->ch;
		} else {
			if ((rc = ofile_map_ensure(of)) != 0)
				goto fail;
			/* the lock was dropped: pending blocks may differ */
			if (writer_find(of, idx) != NULL)
				continue;
			if ((mc = ofile_map_find(of, idx)) == NULL) {
				memset(dst + done, 0, piece);
				done += piece;
				continue;
			}
			ch = *mc;
		}
		/* Sequential readers get whole blocks (cached, read ahead);
		 * a random read of a block not cached fetches only its range
		 * instead of a whole block it may never touch again, and reads
		 * nothing ahead even when its block is cached. */
		random = !seq && piece < B && !blockcache_has(fs->bc, ch.id);
		if (seq)
			prefetch_after(of, idx);
		pthread_mutex_unlock(&of->lock);
		if (random)
			r = reader_range(fs->rd, &ch, boff, dst + done, piece);
		else
			r = reader_chunk(fs->rd, &ch, boff, dst + done, piece);
		pthread_mutex_lock(&of->lock);
		if ((r == -ENOENT || r == -EACCES) && !retried && w == NULL) {
			/* locations or token went stale: reload the map once */
			retried = 1;
			ofile_map_invalidate(of);
			continue;
		}
		if (r < 0) {
			rc = (int)r;
			goto fail;
		}
		memset(dst + done + r, 0, piece - (size_t)r);
		done += piece;
	}
	of->last_end = off + done;
	pthread_mutex_unlock(&of->lock);
	return (ssize_t)done;
fail:
	pthread_mutex_unlock(&of->lock);
	if (rc == -ENOENT || rc == -EACCES) {
		log_warnx("reader: inode %llu: no replica of a block answered",
		    (unsigned long long)of->ino);
		rc = -EIO;
	}
	return done > 0 ? (ssize_t)done : rc;
}
