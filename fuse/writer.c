/*
 * writer: buffered writes, the uploader pool and block map commits.
 *
 * Consistency (the argument this file must keep true)
 * ---------------------------------------------------
 * A file's content is its block map in the metaserver: chunk index -> block
 * id (the SHA-256 of the block's bytes) and length, plus the size.  Blocks
 * are immutable and named by content, so a block id either names exactly the
 * bytes that were written or nothing; no reader can ever see a torn block.
 *
 * 1. Buffering.  write() copies into a per-file buffer of the block at that
 *    offset (struct wblock) and returns.  Every open handle of the inode in
 *    this mount shares the same struct ofile, so reads in this mount see the
 *    pending bytes at once (reader_read consults the buffers first).  A
 *    partial overwrite of a block that exists first reads the whole old block
 *    (read-modify-write), so a buffer always holds the complete new content
 *    of its block, never a patch.
 *
 * 2. Uploading.  A buffer that fills its block is handed to an uploader at
 *    once; while it uploads it is immutable (a write to it waits), so the id
 *    computed from it is the id of what gets stored.  The uploader asks the
 *    metaserver for a chain (alloc; if the block is already stored often
 *    enough, nothing is sent: dedup), PUTs it along the chain and counts the
 *    replicas the dataservers report as stored.  Fewer than min_replicas
 *    (default: the cluster's replication) is a failure: the failed nodes are
 *    excluded and the block is allocated again, for at most retry_time.
 *
 * 3. Commit.  flush (close), fsync and release upload what is left, wait for
 *    every upload of the file, and then send ONE commit with the new chunks
 *    and the size (the metaserver applies it in etcd before answering, and
 *    takes max(current size, ours), so a commit never cuts a file another
 *    mount extended).  The commit names only blocks that are already stored
 *    on >= min_replicas dataservers, so the metaserver never points at
 *    missing data.  Data reaches the map only through a commit, and a commit
 *    happens only after all of the file's earlier writes were stored: the
 *    map moves from one complete state to the next in write order.
 *
 * 4. Acknowledgement.  A write() is acknowledged to the application when it
 *    is buffered; it is durable when the flush/fsync/close that follows
 *    returns 0.  Any upload or commit failure is remembered (werr) and
 *    returned by the next flush or fsync, so close() and fsync() never
 *    report success for data that is not stored; the buffers are kept so a
 *    later flush retries them.
 *
 * 5. Close-to-open.  open() always asks the metaserver for fresh attributes,
 *    the file's block map is loaded at the first read after an open or a
 *    commit, and the kernel page cache is dropped at open (no keep_cache).
 *    So a process that opens a file after another mount's close returned
 *    sees everything that close committed.  Two mounts writing the same file
 *    at the same time get last-commit-wins per chunk, as on NFS.
 *
 * 6. Deferred attributes.  A chmod, chown or explicit utimes by root on a
 *    file this mount created and still holds open (tar: futimens, fchown,
 *    fchmod, close) is not sent at once: it is kept in of->pend, shown by
 *    this mount's getattr/lookup replies at once, and sent by the next
 *    flush, fsync or close inside its commit ("attr": applied in the same
 *    metaserver write as the chunks and size, so a tar'd file costs create
 *    and commit only), or as ONE setattr, sent while the blocks upload,
 *    when that flush has nothing to commit (a failed commit or setattr
 *    fails the flush and keeps data and attributes pending).  Like the
 *    file's unflushed data these changes are what fsync(2) makes durable,
 *    and what close makes visible to other mounts (until then they see the
 *    attributes the create gave, as they see the old size).  Only root's
 *    changes are deferred: the metaserver never refuses them (the commit
 *    applies them as root), so no error that the call itself must return
 *    is postponed to close.  Any other setattr of the inode sends the
 *    pending ones first (writer_flush) so the metaserver applies them in
 *    call order.  A pending mtime goes with the commit as its mtime (a
 *    write after it moves it on, as POSIX says).
 *
 * 7. The kernel's writeback cache (-o writeback_cache, off by default).
 *    The kernel then keeps writes in dirty pages and sends them later as
 *    WRITEs of whole pages; they land in the buffers above like any write.
 *    Points 1-4 still hold for what close and fsync return, because the
 *    kernel writes its dirty pages back (and returns their errors) before
 *    it sends the FLUSH or FSYNC that commits them; the mtime of its last
 *    write comes just before, as a setattr, and goes with that commit
 *    (writer_fold_mtime).  Point 5 holds for contents but not for sizes
 *    and times: the kernel trusts its own i_size, mtime and ctime of an
 *    inode it has cached and ignores ours, so another mount's growth or
 *    truncation of such a file is not seen here.  That is why it is opt-in
 *    (man page: a tree only this mount changes).
 *
 * Memory: buffers are bounded by write_buffer bytes (a counter and a
 * condvar, like sshfs's outstanding_len): a writer that would exceed it
 * first hands its file's dirty blocks to the uploaders and then waits until
 * an upload finishes.  A stored block's buffer moves into the block cache.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/blockid.h"
#include "common/blockpool.h"
#include "common/dataapi.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/strnum.h"
#include "common/xalloc.h"
#include "fuse/blockcache.h"
#include "fuse/diskcache.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/ofile.h"
#include "fuse/reader.h"
#include "fuse/workq.h"
#include "fuse/writer.h"

#define WRITER_MAX_OFFSET	((uint64_t)INT64_MAX)	/* bytes */

struct writer {
	struct mdfs	*fs;
	struct workq	*pool;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	uint64_t	 max;		/* bytes of buffers allowed */
	uint64_t	 buffered;	/* protected by lock */
	unsigned	 uploads;	/* protected by lock: in flight */
};

struct upjob {
	struct ofile	*of;
	struct wblock	*w;
	unsigned	 need;
};

/* ---- arithmetic ------------------------------------------------------------ */

void
writer_split(uint64_t block_size, uint64_t off, size_t n, uint64_t *index,
    uint64_t *boff, size_t *len)
{
	*index = off / block_size;
	*boff = off % block_size;
	*len = block_size - *boff < n ? (size_t)(block_size - *boff) : n;
}

size_t
writer_grow(size_t cap, size_t need, uint64_t block_size)
{
	size_t	 c = cap > 0 ? cap : WRITER_MIN_ALLOC;

	while (c < need)
		c *= 2;
	if (c > block_size)
		c = (size_t)block_size;
	return c;
}

/*
 * A block buffer grown to cap bytes keeping its first len: a whole block's
 * comes from the pool (its pages are mapped already, blockpool.h), any
 * other size from realloc.  NULL when out of memory (p is then unchanged).
 */
static void *
wbuf_resize(struct mdfs *fs, void *p, size_t len, size_t cap)
{
	void	*n;

	if (cap != fs->block_size || blockpool_size(fs->bpool) != cap + 1)
		return realloc(p, cap);
	if ((n = blockpool_get(fs->bpool)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(n, p, len);
	free(p);
	return n;
}

/* ---- ofile ------------------------------------------------------------------ */

struct ofile *
ofile_new(struct mdfs *fs, uint64_t ino, uint64_t size)
{
	struct ofile	*of = xcalloc(1, sizeof(*of));

	of->fs = fs;
	of->ino = ino;
	of->size = size;
	of->mtime = -1;
	pthread_mutex_init(&of->lock, NULL);
	pthread_cond_init(&of->cond, NULL);
	return of;
}

static void
release_bytes(struct writer *wr, uint64_t n)
{
	if (n == 0)
		return;
	pthread_mutex_lock(&wr->lock);
	wr->buffered = wr->buffered > n ? wr->buffered - n : 0;
	pthread_cond_broadcast(&wr->cond);
	pthread_mutex_unlock(&wr->lock);
}

void
ofile_free(struct ofile *of)
{
	struct wblock	*w, *next;
	struct mc_attr	 attr;
	uint64_t	 held = 0;
	int		 rc;

	if (of == NULL)
		return;
	/* a setattr that raced the last close's flush: send it now */
	if (of->pend.set != 0 && (rc = mc_setattr(of->fs->mc, NULL, of->ino,
	    &of->pend, &attr)) != 0)
		log_warnx("writer: attributes of inode %llu lost: %s",
		    (unsigned long long)of->ino, strerror(-rc));
	if (of->nwb > 0)
		log_warnx("writer: inode %llu closed with %zu unstored "
		    "block(s)", (unsigned long long)of->ino, of->nwb);
	for (w = of->wb; w != NULL; w = next) {
		next = w->next;
		held += w->cap;
		blockpool_put(of->fs->bpool, w->data);
		free(w);
	}
	if (of->fs->wr != NULL)
		release_bytes(of->fs->wr, held);
	free(of->map);
	pthread_mutex_destroy(&of->lock);
	pthread_cond_destroy(&of->cond);
	free(of);
}

struct wblock *
writer_find(struct ofile *of, uint64_t index)
{
	struct wblock	*w;

	for (w = of->wb; w != NULL; w = w->next)
		if (w->index == index)
			return w;
	return NULL;
}

static void
wb_remove(struct ofile *of, struct wblock *w)
{
	struct wblock	**pp;

	for (pp = &of->wb; *pp != w; pp = &(*pp)->next)
		;
	*pp = w->next;
	of->nwb--;
}

/* ---- the pool ---------------------------------------------------------------- */

struct writer *
writer_new(struct mdfs *fs)
{
	struct writer	*wr = xcalloc(1, sizeof(*wr));

	wr->fs = fs;
	wr->max = fs->conf.write_buffer;
	pthread_mutex_init(&wr->lock, NULL);
	pthread_cond_init(&wr->cond, NULL);
	if ((wr->pool = workq_new(fs->conf.uploaders)) == NULL) {
		log_warn("writer: uploader threads");
		writer_free(wr);
		return NULL;
	}
	return wr;
}

void
writer_free(struct writer *wr)
{
	if (wr == NULL)
		return;
	workq_free(wr->pool);
	pthread_mutex_destroy(&wr->lock);
	pthread_cond_destroy(&wr->cond);
	free(wr);
}

static void
upload_run(void *arg)
{
	struct upjob	*j = arg;
	struct ofile	*of = j->of;
	struct wblock	*w = j->w;
	struct mdfs	*fs = of->fs;
	struct writer	*wr = fs->wr;
	struct mc_chunk	*ch = xmalloc(sizeof(*ch));
	struct mc_commit *cm = xmalloc(sizeof(*cm));
	void		*keep = NULL;
	size_t		 freed = 0, klen;
	int		 rc;

	/* w->data and w->len are stable while the block is WB_UPLOADING */
	rc = dataapi_store(fs->mc, fs->data, of->ino, w->data, w->len,
	    (unsigned)fs->conf.retry_time, &j->need, ch, cm);
	pthread_mutex_lock(&of->lock);
	if (j->need < of->need)
		of->need = j->need;	/* the file's own replication */
	if (rc == 0) {
		ch->index = cm->index = w->index;
		w->ch = *ch;
		w->cm = *cm;
		w->state = WB_DONE;
		keep = w->data;
		freed = w->cap;
		w->data = NULL;
		w->cap = 0;
	} else {
		w->state = WB_DIRTY;
		if (of->werr == 0)
			of->werr = rc;
	}
	klen = w->len;
	of->uploading--;
	pthread_cond_broadcast(&of->cond);
	pthread_mutex_unlock(&of->lock);

	if (keep != NULL) {
		/* the stored bytes move to the caches; the block cache charges
		 * len, so do not let it hold a bigger allocation (a whole
		 * block's is the pool's, block size + 1) */
		void	*shrunk = klen == fs->block_size ? keep :
			    realloc(keep, klen > 0 ? klen : 1);

		if (shrunk != NULL)
			keep = shrunk;
		if (fs->dc != NULL)
			diskcache_put(fs->dc, ch->id, keep, klen);
		blockcache_insert(fs->bc, ch->id, keep, klen);
	}
	pthread_mutex_lock(&wr->lock);
	wr->uploads--;
	wr->buffered = wr->buffered > freed ? wr->buffered - freed : 0;
	pthread_cond_broadcast(&wr->cond);
	pthread_mutex_unlock(&wr->lock);
	free(ch);
	free(cm);
	free(j);
}

/* With of->lock held: hands w to an uploader. */
static void
submit(struct ofile *of, struct wblock *w)
{
	struct writer	*wr = of->fs->wr;
	struct upjob	*j = xmalloc(sizeof(*j));

	w->state = WB_UPLOADING;
	of->uploading++;
	if (of->need == 0)
		of->need = of->fs->min_replicas;
	j->of = of;
	j->w = w;
	j->need = of->need;
	pthread_mutex_lock(&wr->lock);
	wr->uploads++;
	pthread_mutex_unlock(&wr->lock);
	workq_push(wr->pool, upload_run, j);
}

/* With of->lock held: hands every dirty block to the uploaders. */
static void
submit_dirty(struct ofile *of)
{
	for (struct wblock *w = of->wb; w != NULL; w = w->next)
		if (w->state == WB_DIRTY && w->data != NULL)
			submit(of, w);
}

/* Reserves n bytes of buffer, waiting while over the cap and an upload is
 * running (when none runs, waiting could not help: go over). */
static void
reserve(struct ofile *of, uint64_t n)
{
	struct writer	*wr = of->fs->wr;
	int		 over;

	pthread_mutex_lock(&wr->lock);
	over = wr->buffered + n > wr->max;
	pthread_mutex_unlock(&wr->lock);
	if (over) {
		/* a file that sits on idle dirty buffers gives them up; one
		 * whose blocks are already uploading just waits (never cut the
		 * block a sequential writer is filling) */
		pthread_mutex_lock(&of->lock);
		if (of->uploading == 0)
			submit_dirty(of);
		pthread_mutex_unlock(&of->lock);
	}
	pthread_mutex_lock(&wr->lock);
	while (wr->buffered + n > wr->max && wr->uploads > 0)
		pthread_cond_wait(&wr->cond, &wr->lock);
	wr->buffered += n;
	pthread_mutex_unlock(&wr->lock);
}

/*
 * With of->lock held: makes the block at idx a DIRTY buffer able to take
 * bytes [a, b), reading the old content when the write does not cover it.
 * *budget is the reserved byte count the buffer may grow by (decremented).
 * Returns the block, or NULL with *err set.  May drop the lock.
 */
static struct wblock *
prepare(struct ofile *of, uint64_t idx, size_t a, size_t b, uint64_t *budget,
    int *err)
{
	struct mdfs		*fs = of->fs;
	const struct mc_chunk	*mc;
	struct mc_chunk		*old = NULL;
	struct wblock		*w;
	void			*odata = NULL;
	size_t			 olen = 0, cap, need;
	uint64_t		 gen;
	int			 rc;

	for (;;) {
		w = writer_find(of, idx);
		if (w != NULL && w->state == WB_UPLOADING) {
			pthread_cond_wait(&of->cond, &of->lock);
			continue;
		}
		if (w != NULL && w->state == WB_DIRTY)
			break;
		/* a new buffer, or a stored one changed again: old bytes? */
		if (w == NULL) {
			if ((rc = ofile_map_ensure(of)) != 0) {
				*err = rc;
				goto fail;
			}
			if (writer_find(of, idx) != NULL)
				continue;
			mc = ofile_map_find(of, idx);
		} else {
			mc = &w->ch;
		}
		if (odata == NULL && mc != NULL && (a > 0 || b < mc->len)) {
			if (old == NULL)
				old = xmalloc(sizeof(*old));
			*old = *mc;
			gen = of->map_gen;
			pthread_mutex_unlock(&of->lock);
			rc = reader_block(fs->rd, old, &odata, &olen);
			pthread_mutex_lock(&of->lock);
			if (rc != 0) {
				*err = rc == -ENOMEM ? rc : -EIO;
				log_warnx("writer: inode %llu block %llu: "
				    "cannot read it back for a partial write",
				    (unsigned long long)of->ino,
				    (unsigned long long)idx);
				goto fail;
			}
			if (gen != of->map_gen || writer_find(of, idx) != w) {
				free(odata);	/* changed meanwhile: again */
				odata = NULL;
			}
			continue;
		}
		need = olen > b ? olen : b;
		cap = writer_grow(0, need, fs->block_size);
		if (w == NULL) {
			w = xcalloc(1, sizeof(*w));
			w->index = idx;
			w->next = of->wb;
			of->wb = w;
			of->nwb++;
		}
		if ((w->data = wbuf_resize(fs, NULL, 0, cap)) == NULL) {
			if (w->state != WB_DONE) {
				wb_remove(of, w);
				free(w);
			}
			*err = -ENOMEM;
			goto fail;
		}
		*budget -= cap;
		w->cap = cap;
		w->state = WB_DIRTY;
		w->len = olen;
		if (olen > 0)
			memcpy(w->data, odata, olen);
		break;
	}
	if (b > w->cap) {
		cap = writer_grow(w->cap, b, fs->block_size);
		void	*p = wbuf_resize(fs, w->data, w->len, cap);

		if (p == NULL) {
			*err = -ENOMEM;
			goto fail;
		}
		*budget -= cap - w->cap;
		w->data = p;
		w->cap = cap;
	}
	free(odata);
	free(old);
	return w;
fail:
	free(odata);
	free(old);
	return NULL;
}

ssize_t
writer_write(struct ofile *of, uint64_t off, const char *buf, size_t n,
    int append)
{
	struct mdfs	*fs = of->fs;
	struct wblock	*w;
	uint64_t	 idx, boff, budget;
	size_t		 done = 0, piece;
	int		 err = 0;

	if (n == 0)
		return 0;
	while (done < n) {
		budget = fs->block_size;
		reserve(of, budget);
		pthread_mutex_lock(&of->lock);
		if (append && done == 0)
			off = of->size;
		if (off > WRITER_MAX_OFFSET - n) {
			pthread_mutex_unlock(&of->lock);
			release_bytes(fs->wr, budget);
			return -EFBIG;
		}
		writer_split(fs->block_size, off + done, n - done, &idx, &boff,
		    &piece);
		w = prepare(of, idx, (size_t)boff, (size_t)boff + piece,
		    &budget, &err);
		if (w == NULL) {
			pthread_mutex_unlock(&of->lock);
			release_bytes(fs->wr, budget);
			return done > 0 ? (ssize_t)done : err;
		}
		if (boff > w->len)
			memset(w->data + w->len, 0, boff - w->len);
		memcpy(w->data + boff, buf + done, piece);
		if (boff + piece > w->len)
			w->len = boff + piece;
		w->gen++;
		done += piece;
		if (off + done > of->size)
			of->size = off + done;
		if (off + done > of->wend)
			of->wend = off + done;
		of->mtime = clock_real_ns();
		of->wseq++;
		of->dirty = 1;
		if (w->len == fs->block_size && boff + piece == fs->block_size)
			submit(of, w);
		pthread_mutex_unlock(&of->lock);
		release_bytes(fs->wr, budget);
	}
	return (ssize_t)n;
}

/* With of->lock held: the deferred changes of pend_seq seq were stored;
 * drops `bits` of them unless more were deferred since (then all stay, and
 * the next flush sends them again with the newer values). */
static void
pend_done(struct ofile *of, uint64_t seq, unsigned bits)
{
	if (of->pend_seq == seq)
		of->pend.set &= ~bits;
}

int
writer_flush(struct ofile *of)
{
	struct mdfs	*fs = of->fs;
	struct mc_commit *cms = NULL;
	struct mc_setattr pend = { 0 };
	uint64_t	*gens = NULL, size, wseq, end;
	struct mc_attr	 attr;
	struct wblock	*w, *next;
	size_t		 n = 0, done;
	int64_t		 mtime;
	uint64_t	 ngen, pseq;
	unsigned	 fold = 0;
	int		 rc = 0, arc = 0, commit;

	pthread_mutex_lock(&of->lock);
	while (of->committing)
		pthread_cond_wait(&of->cond, &of->lock);
	of->committing = 1;
	submit_dirty(of);
	commit = of->dirty || of->nwb > 0;
	/* Deferred attributes go inside the commit (one metaserver write for
	 * both); only without a commit, or with a field a commit cannot carry,
	 * as a setattr sent while the blocks upload (setattr and commit change
	 * disjoint fields: mode, owner, atime; chunks, size, mtime).  They stay
	 * shown (writer_patch_attr) until stored. */
	pend = of->pend;
	pseq = of->pend_seq;
	if (commit) {
		pend.set &= ~MC_SET_MTIME;	/* of->mtime goes with the commit */
		if ((pend.set & ~MC_COMMIT_SET) == 0) {
			fold = pend.set;
			pend.set = 0;
		}
	}
	ngen = __atomic_load_n(&fs->names_gen, __ATOMIC_SEQ_CST);
	if (pend.set != 0) {
		pthread_mutex_unlock(&of->lock);
		arc = mc_setattr(fs->mc, NULL, of->ino, &pend, &attr);
		pthread_mutex_lock(&of->lock);
		if (arc != 0)
			log_warnx("writer: attributes of inode %llu: %s",
			    (unsigned long long)of->ino, strerror(-arc));
		else {
			pend_done(of, pseq, pend.set);
			if (!commit)
				writer_set_base(of, &attr, ngen);
		}
	}
	while (of->uploading > 0)
		pthread_cond_wait(&of->cond, &of->lock);
	if (of->werr != 0) {
		rc = of->werr;
		of->werr = 0;
		goto out;
	}
	if ((rc = arc) != 0 || !commit)
		goto out;
	cms = xcalloc(of->nwb > 0 ? of->nwb : 1, sizeof(*cms));
	gens = xcalloc(of->nwb > 0 ? of->nwb : 1, sizeof(*gens));
	size = of->wend;
	for (w = of->wb; w != NULL; w = w->next) {
		if (w->state != WB_DONE)
			continue;	/* re-dirtied by a write just now */
		cms[n] = w->cm;
		cms[n].index = w->index;
		gens[n] = w->gen;
		end = w->index * fs->block_size + w->len;
		if (end > size)
			size = end;
		n++;
	}
	mtime = of->mtime;
	wseq = of->wseq;
	pthread_mutex_unlock(&of->lock);

	/* at most MDFS_BLOCKMAP_MAX chunks per commit; the size goes with
	 * every part (chunks must lie within it), the attributes with the
	 * last */
	pend.set = fold;
	for (done = 0; rc == 0 && (done < n || n == 0);) {
		size_t	 k = n - done > MDFS_BLOCKMAP_MAX ? MDFS_BLOCKMAP_MAX :
		    n - done;

		rc = mc_commit_attr(fs->mc, of->ino, size, mtime, cms + done,
		    k, done + k == n ? &pend : NULL, &attr);
		done += k;
		if (n == 0)
			break;
	}

	pthread_mutex_lock(&of->lock);
	if (rc != 0) {
		log_warnx("writer: commit of inode %llu failed: %s",
		    (unsigned long long)of->ino, strerror(-rc));
		goto out;
	}
	for (w = of->wb; w != NULL; w = next) {
		next = w->next;
		if (w->state != WB_DONE)
			continue;
		for (size_t i = 0; i < n; i++)
			if (cms[i].index == w->index && gens[i] == w->gen) {
				wb_remove(of, w);
				free(w->data);
				free(w);
				break;
			}
	}
	if (of->wseq == wseq) {
		of->dirty = 0;
		of->wend = 0;
	}
	of->commit_gen = __atomic_add_fetch(&fs->commit_gen, 1,
	    __ATOMIC_SEQ_CST);
	if (attr.size > of->size)
		of->size = attr.size;
	writer_set_base(of, &attr, ngen);
	pend_done(of, pseq, MC_SET_MTIME | fold);	/* went with the commit */
	reader_maps_stale(fs);
	ofile_map_invalidate(of);
out:
	of->committing = 0;
	pthread_cond_broadcast(&of->cond);
	pthread_mutex_unlock(&of->lock);
	free(cms);
	free(gens);
	return rc;
}

void
writer_truncated(struct ofile *of, uint64_t size)
{
	pthread_mutex_lock(&of->lock);
	of->size = size;
	if (of->wend > size)
		of->wend = size;
	of->base_valid = 0;
	reader_maps_stale(of->fs);
	ofile_map_invalidate(of);
	pthread_mutex_unlock(&of->lock);
}
