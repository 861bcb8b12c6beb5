/*
 * diskcache: whole blocks as files <dir>/<blockid>, least recently used
 * evicted first.  The in-memory index is a hash table (lookups) and a list
 * ordered by use (head most recent, the tail is evicted), one small node
 * per cached block.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/blockid.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "fuse/diskcache.h"

#define DC_BUCKETS	1024		/* hash buckets (a power of two) */
#define DC_TMP_SUFFIX	".tmp"		/* files being written */

struct dc_entry {
	char		 id[BLOCKID_BUFSZ];
	uint64_t	 len;
	time_t		 mtime;		/* only while adopting at start */
	struct dc_entry	*hnext;
	struct dc_entry	*prev, *next;	/* head = most recent */
};

struct diskcache {
	char		*dir;
	uint64_t	 max_bytes;
	/* Serializes puts, from eviction to the rename: the file being
	 * written counts against the cap, and victims are gone before it is
	 * written, so the directory never holds more than max_bytes. */
	pthread_mutex_t	 put_lock;
	pthread_mutex_t	 lock;
	uint64_t	 bytes;		/* protected by lock */
	uint64_t	 count;		/* protected by lock */
	uint64_t	 seq;		/* protected by lock: temp names */
	struct dc_entry	*head, *tail;	/* protected by lock */
	struct dc_entry	*buckets[DC_BUCKETS]; /* protected by lock */
};

static size_t
bucket_of(const char *id)
{
	size_t	 h = 5381;

	for (int i = 0; i < 8 && id[i] != '\0'; i++)
		h = h * 33 + (unsigned char)id[i];
	return h & (DC_BUCKETS - 1);
}

static struct dc_entry *
find(struct diskcache *dc, const char *id)
{
	struct dc_entry	*e;

	for (e = dc->buckets[bucket_of(id)]; e != NULL; e = e->hnext)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

static void
lru_unlink(struct diskcache *dc, struct dc_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		dc->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		dc->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push_head(struct diskcache *dc, struct dc_entry *e)
{
	e->prev = NULL;
	e->next = dc->head;
	if (dc->head != NULL)
		dc->head->prev = e;
	dc->head = e;
	if (dc->tail == NULL)
		dc->tail = e;
}

static void
hook(struct diskcache *dc, struct dc_entry *e)
{
	size_t	 b = bucket_of(e->id);

	e->hnext = dc->buckets[b];
	dc->buckets[b] = e;
	lru_push_head(dc, e);
	dc->bytes += e->len;
	dc->count++;
}

static void
unhook(struct diskcache *dc, struct dc_entry *e)
{
	struct dc_entry	**pp;

	for (pp = &dc->buckets[bucket_of(e->id)]; *pp != e; pp = &(*pp)->hnext)
		;
	*pp = e->hnext;
	lru_unlink(dc, e);
	dc->bytes -= e->len;
	dc->count--;
}

static void
remove_file(struct diskcache *dc, const char *id)
{
	char	*path = xasprintf("%s/%s", dc->dir, id);

	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("diskcache: unlink %s", path);
	free(path);
}

/* Evicts from the tail until extra more bytes fit; called with the lock. */
static struct dc_entry *
evict_locked(struct diskcache *dc, uint64_t extra)
{
	struct dc_entry	*victims = NULL, *v;

	while (dc->bytes + extra > dc->max_bytes && dc->tail != NULL) {
		v = dc->tail;
		unhook(dc, v);
		v->hnext = victims;
		victims = v;
	}
	return victims;
}

static void
drop_victims(struct diskcache *dc, struct dc_entry *victims)
{
	struct dc_entry	*v;

	while ((v = victims) != NULL) {
		victims = v->hnext;
		remove_file(dc, v->id);
		free(v);
	}
}

static int
by_mtime(const void *a, const void *b)
{
	const struct dc_entry *ea = *(struct dc_entry *const *)a;
	const struct dc_entry *eb = *(struct dc_entry *const *)b;

	return (ea->mtime > eb->mtime) - (ea->mtime < eb->mtime);
}

/* Adopts the blocks already in the directory, oldest first so the newest end
 * up most recent. */
static int
adopt(struct diskcache *dc, char *err, size_t errlen)
{
	DIR		 *d;
	struct dirent	 *de;
	struct stat	  st;
	struct dc_entry	**v = NULL, *e;
	size_t		  n = 0, cap = 0;
	char		 *path;

	if ((d = opendir(dc->dir)) == NULL) {
		int	 rc = -errno;

		snprintf(err, errlen, "opendir %s: %s", dc->dir, strerror(-rc));
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		size_t	 nl = strlen(de->d_name);

		path = xasprintf("%s/%s", dc->dir, de->d_name);
		if (nl > strlen(DC_TMP_SUFFIX) && strcmp(de->d_name + nl -
		    strlen(DC_TMP_SUFFIX), DC_TMP_SUFFIX) == 0) {
			/* a write interrupted by a crash */
			(void)unlink(path);
		} else if (blockid_valid(de->d_name) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xrealloc(v, cap * sizeof(*v));
			}
			e = xcalloc(1, sizeof(*e));
			memcpy(e->id, de->d_name, BLOCKID_BUFSZ);
			e->len = (uint64_t)st.st_size;
			e->mtime = st.st_mtime;
			v[n++] = e;
		}
		free(path);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), by_mtime);
	for (size_t i = 0; i < n; i++)
		hook(dc, v[i]);
	free(v);
	drop_victims(dc, evict_locked(dc, 0));
	return 0;
}

int
diskcache_open(const char *dir, uint64_t max_bytes, struct diskcache **out,
    char *err, size_t errlen)
{
	struct diskcache	*dc;
	struct stat		 st;
	int			 rc;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return rc;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -ENOTDIR;
	}
	dc = xcalloc(1, sizeof(*dc));
	dc->dir = xstrdup(dir);
	dc->max_bytes = max_bytes;
	pthread_mutex_init(&dc->put_lock, NULL);
	pthread_mutex_init(&dc->lock, NULL);
	if ((rc = adopt(dc, err, errlen)) != 0) {
		diskcache_free(dc);
		return rc;
	}
	*out = dc;
	return 0;
}

void
diskcache_free(struct diskcache *dc)
{
	struct dc_entry	*e, *next;

	if (dc == NULL)
		return;
	for (e = dc->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	pthread_mutex_destroy(&dc->lock);
	pthread_mutex_destroy(&dc->put_lock);
	free(dc->dir);
	free(dc);
}

static void
forget(struct diskcache *dc, const char *id)
{
	struct dc_entry	*e;

	pthread_mutex_lock(&dc->lock);
	if ((e = find(dc, id)) != NULL)
		unhook(dc, e);
	pthread_mutex_unlock(&dc->lock);
	free(e);
	remove_file(dc, id);
}

int
diskcache_get(struct diskcache *dc, const char *id, void **data, size_t *len)
{
	struct dc_entry	*e;
	struct stat	 st;
	char		*path, got[BLOCKID_BUFSZ];
	void		*p;
	size_t		 done = 0;
	ssize_t		 r;
	int		 fd, rc;

	pthread_mutex_lock(&dc->lock);
	if ((e = find(dc, id)) != NULL) {
		lru_unlink(dc, e);
		lru_push_head(dc, e);
	}
	pthread_mutex_unlock(&dc->lock);
	if (e == NULL)
		return -ENOENT;

	path = xasprintf("%s/%s", dc->dir, id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1 || fstat(fd, &st) == -1) {
		if (fd != -1)
			close(fd);
		forget(dc, id);
		return -ENOENT;
	}
	if ((p = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		r = read(fd, (char *)p + done, (size_t)st.st_size - done);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	close(fd);
	if (done != (size_t)st.st_size ||
	    (rc = blockid_of(p, done, got)) != 0 || strcmp(got, id) != 0) {
		log_warnx("diskcache: block %s is damaged, dropped", id);
		free(p);
		forget(dc, id);
		return -EIO;
	}
	*data = p;
	*len = done;
	return 0;
}

void
diskcache_put(struct diskcache *dc, const char *id, const void *data,
    size_t len)
{
	struct dc_entry	*e, *victims;
	char		*tmp, *path;
	size_t		 done = 0;
	ssize_t		 w;
	uint64_t	 seq;
	int		 fd;

	if (len > dc->max_bytes || !blockid_valid(id))
		return;
	pthread_mutex_lock(&dc->put_lock);
	pthread_mutex_lock(&dc->lock);
	if (find(dc, id) != NULL) {
		pthread_mutex_unlock(&dc->lock);
		pthread_mutex_unlock(&dc->put_lock);
		return;
	}
	seq = dc->seq++;
	victims = evict_locked(dc, len);
	pthread_mutex_unlock(&dc->lock);
	drop_victims(dc, victims);

	tmp = xasprintf("%s/%s.%llu%s", dc->dir, id, (unsigned long long)seq,
	    DC_TMP_SUFFIX);
	path = xasprintf("%s/%s", dc->dir, id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		log_warn("diskcache: create %s", tmp);
		goto out;
	}
	while (done < len) {
		w = write(fd, (const char *)data + done, len - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (close(fd) == -1 || done != len || rename(tmp, path) == -1) {
		log_warn("diskcache: write %s", path);
		(void)unlink(tmp);
		goto out;
	}
	e = xcalloc(1, sizeof(*e));
	memcpy(e->id, id, BLOCKID_BUFSZ);
	e->len = len;
	pthread_mutex_lock(&dc->lock);
	if (find(dc, id) == NULL) {
		hook(dc, e);
		e = NULL;
	}
	victims = evict_locked(dc, 0);
	pthread_mutex_unlock(&dc->lock);
	free(e);
	drop_victims(dc, victims);
out:
	pthread_mutex_unlock(&dc->put_lock);
	free(tmp);
	free(path);
}

void
diskcache_stats(struct diskcache *dc, uint64_t *bytes, uint64_t *blocks)
{
	pthread_mutex_lock(&dc->lock);
	if (bytes != NULL)
		*bytes = dc->bytes;
	if (blocks != NULL)
		*blocks = dc->count;
	pthread_mutex_unlock(&dc->lock);
}
