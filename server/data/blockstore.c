/*
 * blockstore: hashed directories of immutable, content-addressed blocks, with
 * per-sub-block checksums, atomic writes, quarantine and a change log for the
 * heartbeat.  See blockstore.h for the layout and the crash argument.
 *
 * Accounting (used, blocks, reserved) lives in memory under bs->lock; it is
 * rebuilt from the directories at open.  The lock is held only for
 * bookkeeping and renames, never across reads, writes or fsyncs of data.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blockid.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/subsum.h"
#include "common/xalloc.h"
#include "server/data/blockstore.h"
#include "server/data/blockstore_impl.h"

/* bytes of the root path, leaving room for blocks/ab/cd/<id>.sum and temp
 * names under PATH_MAX */
#define BS_ROOT_MAX	(PATH_MAX - 512)
/* bytes written before we ask the kernel to start writing them back, so the
 * fsync at commit finds most of the block already on its way to the disk
 * (RocksDB's bytes_per_sync) */
#define BS_WRITEBACK_STEP	(1024u * 1024)
/* bytes of the largest .sum file */
#define BS_SUMS_MAX	((MDFS_BLOCK_SIZE_MAX / MDFS_SUBBLOCK_SIZE + 1) * \
			    BS_SUM_LINE)

struct blockstore {
	char		*root;
	char		*blocks_dir;
	char		*tmp_dir;
	char		*quar_dir;
	uint64_t	 max_size;	/* 0: the filesystem's size */
	int		 drop_behind;	/* set before any writer exists */

	pthread_mutex_t	 lock;
	uint64_t	 used;		/* protected by lock */
	uint64_t	 nblocks;	/* protected by lock */
	uint64_t	 reserved;	/* protected by lock */
	uint64_t	 quarantined;	/* protected by lock */
	uint64_t	 writers;	/* protected by lock */
	struct bs_change *log;		/* protected by lock */
	size_t		 nlog;		/* protected by lock */
	size_t		 caplog;	/* protected by lock */
	int		 overflow;	/* protected by lock */
};

struct bs_writer {
	struct blockstore *bs;
	char		 id[BLOCKID_BUFSZ];
	char		 tmp[PATH_MAX];
	int		 fd;
	int		 failed;	/* a write failed: only abort is left */
	int		 whole_done;	/* whole was finalised (and released) */
	int64_t		 expect;	/* -1: unknown length */
	uint64_t	 len;		/* bytes written */
	uint64_t	 reserved;	/* bytes reserved in bs */
	uint64_t	 sub_len;	/* bytes in the current sub-block */
	uint64_t	 flushed;	/* bytes handed to writeback */
	struct blockid_ctx whole;
	struct subsum_ctx sub;
	struct buf	 sums;		/* .sum lines so far */
};

/* snprintf into a PATH_MAX buffer; -ENAMETOOLONG when it does not fit
 * (open checks the root is short enough for every block path). */
int
bs_pathf(char *out, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

void
bs_block_paths(const struct blockstore *bs, const char *id, char *dir,
    char *path, char *sum)
{
	/* ids are validated by every caller: 64 hex digits, no '/' or '.' */
	bs_pathf(dir, "%s/%.2s/%.2s", bs->blocks_dir, id, id + 2);
	if (path != NULL)
		bs_pathf(path, "%s/%s", dir, id);
	if (sum != NULL)
		bs_pathf(sum, "%s/%s.sum", dir, id);
}

static int
fsync_dir(const char *dir)
{
	int	 fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	if (fsync(fd) == -1)
		rc = -errno;
	close(fd);
	return rc;
}

/* mkdir that fsyncs the parent when it created the directory. */
static int
mkdir_durable(const char *dir, const char *parent)
{
	if (mkdir(dir, BS_DIR_MODE) == 0)
		return fsync_dir(parent);
	if (errno == EEXIST)
		return 0;
	return -errno;
}

/* mkdir that says (*made) whether it created the directory; the caller
 * fsyncs the parent before it relies on the new entry. */
static int
mkdir_new(const char *dir, int *made)
{
	*made = 0;
	if (mkdir(dir, BS_DIR_MODE) == 0) {
		*made = 1;
		return 0;
	}
	return errno == EEXIST ? 0 : -errno;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t
bs_pread_all(int fd, void *p, size_t n, uint64_t off)
{
	char	*c = p;
	size_t	 got = 0;
	ssize_t	 r;

	while (got < n) {
		r = pread(fd, c + got, n - got, (off_t)(off + got));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Appends one change; caller holds bs->lock. */
static void
log_change(struct blockstore *bs, enum bs_change_kind kind, const char *id,
    uint64_t size)
{
	struct bs_change	*c;

	if (bs->nlog >= BS_CHANGES_MAX) {
		bs->overflow = 1;
		return;
	}
	if (bs->nlog == bs->caplog) {
		bs->caplog = bs->caplog ? bs->caplog * 2 : 256;
		bs->log = xrealloc(bs->log, bs->caplog * sizeof(*bs->log));
	}
	c = &bs->log[bs->nlog++];
	c->kind = kind;
	memcpy(c->id, id, BLOCKID_BUFSZ);
	c->size = size;
}

static int
disk_free(const struct blockstore *bs, uint64_t *total, uint64_t *avail)
{
	struct statvfs	 sv;

	if (statvfs(bs->root, &sv) == -1)
		return -errno;
	*total = (uint64_t)sv.f_blocks * sv.f_frsize;
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

/* Reserves n bytes for a write.  -ENOSPC when it does not fit. */
static int
reserve(struct blockstore *bs, uint64_t n)
{
	uint64_t	 total = 0, avail = 0, cap;
	int		 rc;

	if (n == 0)
		return 0;
	if ((rc = disk_free(bs, &total, &avail)) < 0)
		return rc;
	pthread_mutex_lock(&bs->lock);
	cap = bs->max_size ? bs->max_size : total;
	if (bs->used + bs->reserved + n > cap || bs->reserved + n > avail) {
		pthread_mutex_unlock(&bs->lock);
		return -ENOSPC;
	}
	bs->reserved += n;
	pthread_mutex_unlock(&bs->lock);
	return 0;
}

static void
unreserve(struct blockstore *bs, uint64_t n)
{
	pthread_mutex_lock(&bs->lock);
	bs->reserved -= n;
	pthread_mutex_unlock(&bs->lock);
}

static int
is_hex2(const char *s)
{
	return strlen(s) == 2 && strchr("0123456789abcdef", s[0]) != NULL &&
	    strchr("0123456789abcdef", s[1]) != NULL && s[0] && s[1];
}

/*
 * Walks blocks/ab/cd/.  For each block calls cb; orphan .sum files (a crash
 * between the two renames) are removed when clean is set.
 */
static int
walk(struct blockstore *bs, int clean,
    int (*cb)(const char *, uint64_t, void *), void *arg)
{
	char		 d1[PATH_MAX], d2[PATH_MAX], p[PATH_MAX];
	DIR		*top, *mid, *low;
	struct dirent	*e1, *e2, *e3;
	struct stat	 st;
	size_t		 l;
	int		 rc = 0;

	if ((top = opendir(bs->blocks_dir)) == NULL)
		return -errno;
	while (rc == 0 && (e1 = readdir(top)) != NULL) {
		if (!is_hex2(e1->d_name))
			continue;
		bs_pathf(d1, "%s/%s", bs->blocks_dir, e1->d_name);
		if ((mid = opendir(d1)) == NULL)
			continue;
		while (rc == 0 && (e2 = readdir(mid)) != NULL) {
			if (!is_hex2(e2->d_name))
				continue;
			bs_pathf(d2, "%s/%s", d1, e2->d_name);
			if ((low = opendir(d2)) == NULL)
				continue;
			while (rc == 0 && (e3 = readdir(low)) != NULL) {
				l = strlen(e3->d_name);
				if (clean && l == BLOCKID_HEX_LEN + 4 &&
				    strcmp(e3->d_name + BLOCKID_HEX_LEN,
				    ".sum") == 0) {
					bs_pathf(p, "%s/%.*s", d2,
					    BLOCKID_HEX_LEN, e3->d_name);
					if (access(p, F_OK) == -1 &&
					    errno == ENOENT) {
						bs_pathf(p, "%s/%s",
						    d2, e3->d_name);
						log_info("removing orphan "
						    "checksum file %s", p);
						unlink(p);
					}
					continue;
				}
				if (!blockid_valid(e3->d_name))
					continue;
				bs_pathf(p, "%s/%s", d2,
				    e3->d_name);
				if (stat(p, &st) == -1 || !S_ISREG(st.st_mode))
					continue;
				rc = cb(e3->d_name, (uint64_t)st.st_size, arg);
			}
			closedir(low);
		}
		closedir(mid);
	}
	closedir(top);
	return rc;
}

static int
count_cb(const char *id, uint64_t size, void *arg)
{
	struct blockstore	*bs = arg;

	bs->used += size;
	bs->nblocks++;
	return 0;
}

static int
sweep_tmp(struct blockstore *bs)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[PATH_MAX];
	unsigned	 n = 0;

	if ((d = opendir(bs->tmp_dir)) == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (bs_pathf(p, "%s/%s", bs->tmp_dir, e->d_name) < 0)
			continue;
		if (unlink(p) == 0)
			n++;
		else
			log_warn("sweep %s", p);
	}
	closedir(d);
	if (n > 0)
		log_info("swept %u leftover temp file(s) from %s", n,
		    bs->tmp_dir);
	return 0;
}

struct blockstore *
blockstore_open(const char *root, uint64_t max_size, char *err, size_t errlen)
{
	struct blockstore	*bs;
	const char		*dirs[3];
	int			 rc;
	size_t			 i;

	if (strlen(root) > BS_ROOT_MAX) {
		snprintf(err, errlen, "%s: path longer than %d bytes", root,
		    BS_ROOT_MAX);
		return NULL;
	}
	if (mkdir(root, BS_DIR_MODE) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", root, strerror(errno));
		return NULL;
	}
	bs = xcalloc(1, sizeof(*bs));
	bs->root = xstrdup(root);
	bs->blocks_dir = xasprintf("%s/blocks", root);
	bs->tmp_dir = xasprintf("%s/tmp", root);
	bs->quar_dir = xasprintf("%s/quarantine", root);
	bs->max_size = max_size;
	pthread_mutex_init(&bs->lock, NULL);

	dirs[0] = bs->blocks_dir;
	dirs[1] = bs->tmp_dir;
	dirs[2] = bs->quar_dir;
	for (i = 0; i < 3; i++) {
		if ((rc = mkdir_durable(dirs[i], root)) < 0) {
			snprintf(err, errlen, "mkdir %s: %s", dirs[i],
			    strerror(-rc));
			goto fail;
		}
	}
	if ((rc = sweep_tmp(bs)) < 0) {
		snprintf(err, errlen, "sweep %s: %s", bs->tmp_dir,
		    strerror(-rc));
		goto fail;
	}
	if ((rc = walk(bs, 1, count_cb, bs)) < 0) {
		snprintf(err, errlen, "scan %s: %s", bs->blocks_dir,
		    strerror(-rc));
		goto fail;
	}
	log_info("block store %s: %llu blocks, %llu bytes", root,
	    (unsigned long long)bs->nblocks, (unsigned long long)bs->used);
	return bs;
fail:
	blockstore_close(bs);
	return NULL;
}

void
blockstore_set_drop_behind(struct blockstore *bs, int on)
{
	bs->drop_behind = on;
}

void
blockstore_close(struct blockstore *bs)
{
	if (bs == NULL)
		return;
	pthread_mutex_destroy(&bs->lock);
	free(bs->log);
	free(bs->root);
	free(bs->blocks_dir);
	free(bs->tmp_dir);
	free(bs->quar_dir);
	free(bs);
}

void
blockstore_stats(struct blockstore *bs, struct blockstore_stats *st)
{
	uint64_t	 total = 0, avail = 0, left;

	memset(st, 0, sizeof(*st));
	if (disk_free(bs, &total, &avail) < 0)
		total = avail = 0;
	pthread_mutex_lock(&bs->lock);
	st->capacity = bs->max_size ? bs->max_size : total;
	st->used = bs->used;
	st->reserved = bs->reserved;
	st->blocks = bs->nblocks;
	st->quarantined = bs->quarantined;
	st->writes_inflight = bs->writers;
	pthread_mutex_unlock(&bs->lock);
	left = st->capacity > st->used + st->reserved ?
	    st->capacity - st->used - st->reserved : 0;
	avail = avail > st->reserved ? avail - st->reserved : 0;
	st->free = left < avail ? left : avail;
}

int
blockstore_has(struct blockstore *bs, const char *id, uint64_t *size)
{
	char		 dir[PATH_MAX], path[PATH_MAX];
	struct stat	 st;

	if (!blockid_valid(id))
		return -EINVAL;
	bs_block_paths(bs, id, dir, path, NULL);
	if (stat(path, &st) == -1)
		return errno == ENOENT ? 0 : -errno;
	if (size != NULL)
		*size = (uint64_t)st.st_size;
	return 1;
}

int
blockstore_writer_new(struct blockstore *bs, const char *id,
    int64_t expect_len, struct bs_writer **out)
{
	struct bs_writer	*w;
	int			 rc;

	if (!blockid_valid(id))
		return -EINVAL;
	if (expect_len > (int64_t)MDFS_BLOCK_SIZE_MAX)
		return -EFBIG;
	if (expect_len > 0 && (rc = reserve(bs, (uint64_t)expect_len)) < 0)
		return rc;
	w = xcalloc(1, sizeof(*w));
	w->bs = bs;
	w->fd = -1;
	w->expect = expect_len;
	w->reserved = expect_len > 0 ? (uint64_t)expect_len : 0;
	memcpy(w->id, id, BLOCKID_BUFSZ);
	buf_init(&w->sums, BS_SUMS_MAX);
	snprintf(w->tmp, sizeof(w->tmp), "%s/%s.XXXXXX", bs->tmp_dir, id);
	if ((w->fd = mkostemp(w->tmp, O_CLOEXEC)) == -1) {
		rc = -errno;
		log_warn("create %s", w->tmp);
		w->tmp[0] = '\0';
		goto fail;
	}
	if ((rc = blockid_init(&w->whole)) < 0)
		goto fail;
	if ((rc = subsum_init(&w->sub)) < 0) {
		blockid_release(&w->whole);
		goto fail;
	}
	pthread_mutex_lock(&bs->lock);
	bs->writers++;
	pthread_mutex_unlock(&bs->lock);
	*out = w;
	return 0;
fail:
	if (w->fd != -1) {
		close(w->fd);
		unlink(w->tmp);
	}
	unreserve(bs, w->reserved);
	buf_release(&w->sums);
	free(w);
	return rc;
}

/* Ends the current sub-block: its digest becomes one .sum line. */
static int
finish_sub(struct bs_writer *w)
{
	char	 hex[SUBSUM_BUFSZ];
	int	 rc;

	subsum_next(&w->sub, hex);
	w->sub_len = 0;
	if ((rc = buf_append(&w->sums, hex, SUBSUM_HEX_LEN)) < 0 ||
	    (rc = buf_append(&w->sums, "\n", 1)) < 0)
		return rc;
	return 0;
}

int
blockstore_writer_write(struct bs_writer *w, const void *p, size_t n)
{
	const char	*c = p;
	size_t		 take;
	int		 rc;

	if (w->failed)
		return -EIO;
	if (w->len + n > MDFS_BLOCK_SIZE_MAX ||
	    (w->expect >= 0 && w->len + n > (uint64_t)w->expect)) {
		w->failed = 1;
		return -EFBIG;
	}
	if (w->len + n > w->reserved) {
		if ((rc = reserve(w->bs, w->len + n - w->reserved)) < 0) {
			w->failed = 1;
			return rc;
		}
		w->reserved = w->len + n;
	}
	if ((rc = write_all(w->fd, p, n)) < 0) {
		w->failed = 1;
		return rc;
	}
	if (w->len + n - w->flushed >= BS_WRITEBACK_STEP) {
		/* a hint only: an error here shows up at fsync */
		(void)sync_file_range(w->fd, (off_t)w->flushed,
		    (off_t)(w->len + n - w->flushed), SYNC_FILE_RANGE_WRITE);
		w->flushed = w->len + n;
	}
	blockid_update(&w->whole, p, n);
	while (n > 0) {
		take = MDFS_SUBBLOCK_SIZE - w->sub_len;
		if (take > n)
			take = n;
		subsum_update(&w->sub, c, take);
		w->sub_len += take;
		c += take;
		n -= take;
		w->len += take;
		if (w->sub_len == MDFS_SUBBLOCK_SIZE &&
		    (rc = finish_sub(w)) < 0) {
			w->failed = 1;
			return rc;
		}
	}
	return 0;
}

uint64_t
blockstore_writer_len(const struct bs_writer *w)
{
	return w->len;
}

static void
writer_free(struct bs_writer *w)
{
	struct blockstore	*bs = w->bs;

	if (w->fd != -1)
		close(w->fd);
	if (w->tmp[0] != '\0')
		unlink(w->tmp);
	if (!w->whole_done)
		blockid_release(&w->whole);
	subsum_release(&w->sub);
	buf_release(&w->sums);
	pthread_mutex_lock(&bs->lock);
	bs->reserved -= w->reserved;
	bs->writers--;
	pthread_mutex_unlock(&bs->lock);
	free(w);
}

void
blockstore_writer_abort(struct bs_writer *w)
{
	if (w != NULL)
		writer_free(w);
}

/* Writes the .sum temp file next to the block's temp file; *fd stays
 * open for the caller's fsync. */
static int
write_sums(struct bs_writer *w, char *sumtmp, int *fd)
{
	int	 rc;

	bs_pathf(sumtmp, "%s.sum", w->tmp);
	if ((*fd = open(sumtmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    BS_FILE_MODE)) == -1)
		return -errno;
	rc = write_all(*fd, w->sums.data ? w->sums.data : "", w->sums.len);
	if (rc < 0) {
		close(*fd);
		*fd = -1;
		unlink(sumtmp);
	}
	return rc;
}

/*
 * The order of a commit's writes and fsyncs: every file and directory
 * change is written first and fsynced afterwards, each fsync still before
 * the step that relies on it (the block and its .sum before their renames,
 * the directories before the answer).  A journaling filesystem commits
 * all the changes written so far with the first fsync, so the later ones
 * find their changes already on disk and return at once: one journal
 * commit for the files and one for the directories, not one per fsync.
 */

int
blockstore_writer_commit(struct bs_writer *w, int *existed)
{
	struct blockstore	*bs = w->bs;
	char			 hex[BLOCKID_BUFSZ], sumtmp[PATH_MAX];
	char			 dir[PATH_MAX], path[PATH_MAX], sum[PATH_MAX];
	char			 d1[PATH_MAX];
	struct stat		 st;
	const char		*sd;
	int			 rc, sfd = -1, made1 = 0, made2 = 0;

	*existed = 0;
	sumtmp[0] = '\0';
	if (w->failed) {
		rc = -EIO;
		goto out;
	}
	if (w->expect >= 0 && w->len != (uint64_t)w->expect) {
		rc = -EIO;
		goto out;
	}
	if (w->sub_len > 0 && (rc = finish_sub(w)) < 0)
		goto out;
	blockid_final(&w->whole, hex);
	w->whole_done = 1;
	if (strcmp(hex, w->id) != 0) {
		log_warnx("block %s: content hashes to %s, refused", w->id,
		    hex);
		rc = -EILSEQ;
		goto out;
	}
	/* A block of one sub-block needs no .sum: its only sub-block
	 * checksum is its id (blockstore_verify checks it whole). */
	if (w->len > MDFS_SUBBLOCK_SIZE &&
	    (rc = write_sums(w, sumtmp, &sfd)) < 0) {
		log_warnx("write %s: %s", sumtmp, strerror(-rc));
		goto out;
	}
	if (fsync(w->fd) == -1 || (sfd != -1 && fsync(sfd) == -1)) {
		rc = -errno;
		log_warn("fsync %s", w->tmp);
		goto out;
	}
	if (bs->drop_behind)
		(void)posix_fadvise(w->fd, 0, 0, POSIX_FADV_DONTNEED);
	bs_block_paths(bs, w->id, dir, path, sum);
	bs_pathf(d1, "%s/%.2s", bs->blocks_dir, w->id);
	if ((rc = mkdir_new(d1, &made1)) < 0 ||
	    (rc = mkdir_new(dir, &made2)) < 0) {
		log_warnx("mkdir %s: %s", dir, strerror(-rc));
		goto out;
	}

	pthread_mutex_lock(&bs->lock);
	if (stat(path, &st) == 0) {
		pthread_mutex_unlock(&bs->lock);
		*existed = 1;
		rc = 0;
		goto sync_dirs;	/* another writer's, maybe not yet synced */
	}
	if ((sumtmp[0] != '\0' && rename(sumtmp, sum) == -1) ||
	    rename(w->tmp, path) == -1) {
		rc = -errno;
		pthread_mutex_unlock(&bs->lock);
		log_warn("rename into %s", dir);
		unlink(sum);
		goto out;
	}
	sumtmp[0] = '\0';
	w->tmp[0] = '\0';
	bs->used += w->len;
	bs->nblocks++;
	log_change(bs, BS_ADDED, w->id, w->len);
	pthread_mutex_unlock(&bs->lock);
sync_dirs:
	/* the block's directory, then the entries of new directories */
	sd = dir;
	if ((rc = fsync_dir(sd)) == 0 && made2)
		rc = fsync_dir(sd = d1);
	if (rc == 0 && made1)
		rc = fsync_dir(sd = bs->blocks_dir);
	if (rc < 0)
		log_warnx("fsync %s: %s", sd, strerror(-rc));
out:
	if (sfd != -1)
		close(sfd);
	if (sumtmp[0] != '\0')
		unlink(sumtmp);
	writer_free(w);
	return rc;
}

void
bs_note_removed(struct blockstore *bs, const char *id)
{
	pthread_mutex_lock(&bs->lock);
	log_change(bs, BS_REMOVED, id, 0);
	pthread_mutex_unlock(&bs->lock);
}

int
blockstore_delete(struct blockstore *bs, const char *id)
{
	char		 dir[PATH_MAX], path[PATH_MAX], sum[PATH_MAX];
	struct stat	 st;
	int		 rc;

	if (!blockid_valid(id))
		return -EINVAL;
	bs_block_paths(bs, id, dir, path, sum);
	pthread_mutex_lock(&bs->lock);
	if (stat(path, &st) == -1 || unlink(path) == -1) {
		rc = -errno;
		pthread_mutex_unlock(&bs->lock);
		return rc;
	}
	unlink(sum);
	bs->used -= (uint64_t)st.st_size;
	bs->nblocks--;
	log_change(bs, BS_REMOVED, id, 0);
	pthread_mutex_unlock(&bs->lock);
	if ((rc = fsync_dir(dir)) < 0)
		log_warnx("fsync %s: %s", dir, strerror(-rc));
	log_info("block %s deleted", id);
	return 0;
}

int
blockstore_quarantine(struct blockstore *bs, const char *id, const char *why)
{
	char		 dir[PATH_MAX], path[PATH_MAX], sum[PATH_MAX];
	char		 q[PATH_MAX];
	struct stat	 st;
	int		 rc;

	if (!blockid_valid(id))
		return -EINVAL;
	bs_block_paths(bs, id, dir, path, sum);
	bs_pathf(q, "%s/%s", bs->quar_dir, id);
	pthread_mutex_lock(&bs->lock);
	if (stat(path, &st) == -1 || rename(path, q) == -1) {
		rc = -errno;
		pthread_mutex_unlock(&bs->lock);
		return rc;
	}
	bs_pathf(q, "%s/%s.sum", bs->quar_dir, id);
	if (rename(sum, q) == -1)
		unlink(sum);
	bs->used -= (uint64_t)st.st_size;
	bs->nblocks--;
	bs->quarantined++;
	log_change(bs, BS_BAD, id, 0);
	pthread_mutex_unlock(&bs->lock);
	fsync_dir(dir);
	fsync_dir(bs->quar_dir);
	log_warnx("block %s quarantined: %s", id, why);
	return 0;
}

int
blockstore_foreach(struct blockstore *bs,
    int (*cb)(const char *, uint64_t, void *), void *arg)
{
	return walk(bs, 0, cb, arg);
}

void
blockstore_changes_take(struct blockstore *bs, struct bs_changes *ch,
    size_t max)
{
	pthread_mutex_lock(&bs->lock);
	ch->overflow = bs->overflow;
	bs->overflow = 0;
	if (max == 0 || bs->nlog <= max) {
		ch->v = bs->log;
		ch->n = bs->nlog;
		bs->log = NULL;
		bs->nlog = bs->caplog = 0;
	} else {
		ch->v = xmalloc(max * sizeof(*ch->v));
		ch->n = max;
		memcpy(ch->v, bs->log, max * sizeof(*ch->v));
		memmove(bs->log, bs->log + max,
		    (bs->nlog - max) * sizeof(*bs->log));
		bs->nlog -= max;
	}
	pthread_mutex_unlock(&bs->lock);
}

void
blockstore_changes_put_back(struct blockstore *bs, struct bs_changes *ch)
{
	struct bs_change	*v;
	size_t			 n, keep;

	pthread_mutex_lock(&bs->lock);
	n = ch->n + bs->nlog;
	keep = n > BS_CHANGES_MAX ? BS_CHANGES_MAX : n;
	if (keep > 0) {
		v = xmalloc(keep * sizeof(*v));
		/* older entries first, so replaying keeps the order */
		if (ch->n >= keep)
			memcpy(v, ch->v, keep * sizeof(*v));
		else {
			memcpy(v, ch->v, ch->n * sizeof(*v));
			memcpy(v + ch->n, bs->log,
			    (keep - ch->n) * sizeof(*v));
		}
		free(bs->log);
		bs->log = v;
		bs->nlog = bs->caplog = keep;
	}
	if (keep < n || ch->overflow)
		bs->overflow = 1;
	pthread_mutex_unlock(&bs->lock);
	blockstore_changes_release(ch);
}

void
blockstore_changes_release(struct bs_changes *ch)
{
	free(ch->v);
	ch->v = NULL;
	ch->n = 0;
}
