/*
 * ns_read: the namespace's read operations (lookup, getattr, readlink,
 * readdir with its per-directory index, xattrs, block maps, statistics).
 * They take the read lock only and never wait for etcd.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/names.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "server/meta/ns.h"
#include "server/meta/ns_impl.h"

/* A read's answer waits until every change it may have seen is durable. */
static int
read_barrier(struct ns *ns, uint64_t seq, int rc)
{
	int	 wrc = ns_wait_durable(ns, seq);

	return wrc != 0 ? wrc : rc;
}

int
ns_lookup(struct ns *ns, uint64_t parent, const char *name,
    struct ns_attr *attr)
{
	struct dentry	*de;
	uint64_t	 seq;
	int		 rc = 0;

	if ((rc = names_valid_str(name)) != 0)
		return rc;
	pthread_rwlock_rdlock(&ns->rw);
	if (ns_get_dir(ns, parent, &rc) != NULL) {
		if ((de = ns_dentry_get(ns, parent, name)) == NULL)
			rc = -ENOENT;
		else
			ns_fill_attr(ns, de->child, attr);
	}
	seq = ns_queued_seq(ns);
	pthread_rwlock_unlock(&ns->rw);
	return read_barrier(ns, seq, rc);
}

int
ns_getattr(struct ns *ns, uint64_t ino, struct ns_attr *attr)
{
	struct inode	*ip;
	uint64_t	 seq;
	int		 rc = 0;

	pthread_rwlock_rdlock(&ns->rw);
	if ((ip = ns_inode_get(ns, ino)) == NULL)
		rc = -ENOENT;
	else
		ns_fill_attr(ns, ip, attr);
	seq = ns_queued_seq(ns);
	pthread_rwlock_unlock(&ns->rw);
	return read_barrier(ns, seq, rc);
}

int
ns_readlink(struct ns *ns, uint64_t ino, char **target)
{
	struct inode	*ip;
	uint64_t	 seq;
	int		 rc = 0;

	pthread_rwlock_rdlock(&ns->rw);
	if ((ip = ns_inode_get(ns, ino)) == NULL)
		rc = -ENOENT;
	else if (!S_ISLNK(ip->mode))
		rc = -EINVAL;
	else
		*target = xstrdup(ip->u.target);
	seq = ns_queued_seq(ns);
	pthread_rwlock_unlock(&ns->rw);
	if (rc == 0 && (rc = read_barrier(ns, seq, 0)) != 0) {
		free(*target);
		*target = NULL;
		return rc;
	}
	return read_barrier(ns, seq, rc);
}

static int
dentry_cmp(const void *a, const void *b)
{
	const struct dentry	*x = *(const struct dentry *const *)a;
	const struct dentry	*y = *(const struct dentry *const *)b;

	if (x->cookie != y->cookie)
		return x->cookie < y->cookie ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Rebuilds the directory's readdir index if a change invalidated it
 * (caller holds the read lock and sort_mu). */
static void
dir_sort(struct dir *d)
{
	struct dentry	*de;
	size_t		 i = 0;

	if (d->sorted_ok)
		return;
	free(d->sorted);
	d->sorted = xcalloc(d->n + 1, sizeof(*d->sorted));
	for (de = d->head; de != NULL; de = de->next)
		d->sorted[i++] = de;
	d->nsorted = i;
	qsort(d->sorted, d->nsorted, sizeof(*d->sorted), dentry_cmp);
	d->sorted_ok = 1;
}

int
ns_readdir(struct ns *ns, uint64_t ino, uint64_t cookie, size_t limit,
    ns_readdir_cb cb, void *arg, int *eof)
{
	struct inode	*dp, *pp;
	struct dir	*d;
	struct ns_attr	 a;
	size_t		 lo, hi, mid, sent = 0;
	uint64_t	 last = 0;
	uint64_t	 seq;
	int		 rc = 0;

	*eof = 0;
	if (limit == 0)
		return -EINVAL;
	pthread_rwlock_rdlock(&ns->rw);
	if ((dp = ns_get_dir(ns, ino, &rc)) == NULL)
		goto out;
	d = dp->u.dir;
	if (cookie < 1) {
		ns_fill_attr(ns, dp, &a);
		if (cb(".", 1, &a, arg) != 0)
			goto out;
		cookie = 1;
		sent++;
	}
	if (cookie < 2 && sent < limit) {
		pp = ns_inode_get(ns, d->parent);
		ns_fill_attr(ns, pp != NULL ? pp : dp, &a);
		if (cb("..", 2, &a, arg) != 0)
			goto out;
		cookie = 2;
		sent++;
	}
	if (sent >= limit)
		goto out;
	/* the index is rebuilt under sort_mu when a change invalidated it;
	 * it stays valid while we hold the read lock (only writers clear
	 * sorted_ok), so it is read without sort_mu */
	pthread_mutex_lock(&ns->sort_mu);
	dir_sort(d);
	pthread_mutex_unlock(&ns->sort_mu);
	lo = 0;
	hi = d->nsorted;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d->sorted[mid]->cookie <= cookie)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->nsorted; lo++) {
		struct dentry *de = d->sorted[lo];

		if (sent >= limit && de->cookie != last)
			break;
		ns_fill_attr(ns, de->child, &a);
		if (cb(de->name, de->cookie, &a, arg) != 0)
			break;
		last = de->cookie;
		sent++;
	}
	if (lo == d->nsorted)
		*eof = 1;
out:
	seq = ns_queued_seq(ns);
	pthread_rwlock_unlock(&ns->rw);
	return read_barrier(ns, seq, rc);
}

int
ns_getxattr(struct ns *ns, uint64_t ino, const char *name, char **value,
    size_t *len)
{
	struct inode	*ip;
	struct xattr	*x;
	uint64_t	 seq;
	int		 rc = 0;

	if (*name == '\0' || strlen(name) > MDFS_XATTR_NAME_MAX)
		return -ERANGE;
	pthread_rwlock_rdlock(&ns->rw);
	if ((ip = ns_inode_get(ns, ino)) == NULL)
		rc = -ENOENT;
	else if (strcmp(name, MDFS_XATTR_REPLICAS) == 0) {
		if (ip->replicas == 0)
			rc = -ENODATA;
		else {
			*value = xasprintf("%u", ip->replicas);
			*len = strlen(*value);
		}
	} else if ((x = ns_xattr_find(ip, name, NULL)) == NULL)
		rc = -ENODATA;
	else {
		*value = xmalloc(x->vlen + 1);
		memcpy(*value, x->data + x->nlen + 1, x->vlen + 1);
		*len = x->vlen;
	}
	seq = ns_queued_seq(ns);
	pthread_rwlock_unlock(&ns->rw);
	if (rc == 0 && (rc = read_barrier(ns, seq, 0)) != 0) {
		free(*value);
		*value = NULL;
		return rc;
	}
	return read_barrier(ns, seq, rc);
}

int
ns_listxattr(struct ns *ns, uint64_t ino, void (*cb)(const char *, void *),
    void *arg)
{
	struct inode	*ip;
	struct xattr	*x;
	uint64_t	 seq;
	int		 rc = 0;

	pthread_rwlock_rdlock(&ns->rw);
	if ((ip = ns_inode_get(ns, ino)) == NULL)
		rc = -ENOENT;
	else {
		if (ip->replicas != 0)
			cb(MDFS_XATTR_REPLICAS, arg);
		for (x = ip->xattrs; x != NULL; x = x->next)
			cb(x->data, arg);
	}
	seq = ns_queued_seq(ns);
	pthread_rwlock_unlock(&ns->rw);
	return read_barrier(ns, seq, rc);
}

static int
file_check(const struct inode *ip)
{
	if (ip == NULL)
		return -ENOENT;
	if (ns_is_dir(ip))
		return -EISDIR;
	if (!ns_is_reg(ip))
		return -EINVAL;
	return 0;
}

int
ns_blockmap(struct ns *ns, uint64_t ino, uint64_t first, uint64_t count,
    ns_chunk_cb cb, void *arg, uint64_t *size, unsigned *replicas)
{
	struct inode	*ip;
	struct chunks	*cs;
	char		 hex[BLOCKID_BUFSZ];
	size_t		 i;
	uint64_t	 seq;
	int		 rc;

	pthread_rwlock_rdlock(&ns->rw);
	ip = ns_inode_get(ns, ino);
	if ((rc = file_check(ip)) == 0) {
		*size = ip->size;
		*replicas = ns_inode_replicas(ns, ip);
		cs = ip->u.chunks;
		for (i = ns_chunk_find(cs, first); cs != NULL && i < cs->n &&
		    cs->v[i].index - first < count; i++) {
			blockid_hex(cs->v[i].id, BLOCKID_LEN, hex);
			cb(cs->v[i].index, hex, cs->v[i].len, arg);
		}
	}
	seq = ns_queued_seq(ns);
	pthread_rwlock_unlock(&ns->rw);
	return read_barrier(ns, seq, rc);
}

int
ns_file_info(struct ns *ns, uint64_t ino, unsigned *replicas, uint64_t *size)
{
	struct inode	*ip;
	uint64_t	 seq;
	int		 rc;

	pthread_rwlock_rdlock(&ns->rw);
	ip = ns_inode_get(ns, ino);
	if ((rc = file_check(ip)) == 0) {
		*replicas = ns_inode_replicas(ns, ip);
		*size = ip->size;
	}
	seq = ns_queued_seq(ns);
	pthread_rwlock_unlock(&ns->rw);
	return read_barrier(ns, seq, rc);
}

void
ns_stats(struct ns *ns, uint64_t *inodes, uint64_t *files, uint64_t *dirs,
    uint64_t *bytes)
{
	struct inode	*ip;
	size_t		 i;

	*inodes = *files = *dirs = *bytes = 0;
	pthread_rwlock_rdlock(&ns->rw);
	for (i = 0; i <= ns->inodes.mask; i++)
		for (ip = ns->inodes.b[i]; ip != NULL; ip = ip->hnext) {
			(*inodes)++;
			if (ns_is_dir(ip))
				(*dirs)++;
			else if (ns_is_reg(ip)) {
				(*files)++;
				*bytes += ip->size;
			}
		}
	pthread_rwlock_unlock(&ns->rw);
}

void
ns_foreach_chunk(struct ns *ns, void (*cb)(uint64_t, uint64_t, const char *,
    uint64_t, void *), void *arg)
{
	struct inode	*ip;
	char		 hex[BLOCKID_BUFSZ];
	size_t		 i, j;

	pthread_rwlock_rdlock(&ns->rw);
	for (i = 0; i <= ns->inodes.mask; i++)
		for (ip = ns->inodes.b[i]; ip != NULL; ip = ip->hnext) {
			if (!ns_is_reg(ip) || ip->u.chunks == NULL)
				continue;
			for (j = 0; j < ip->u.chunks->n; j++) {
				blockid_hex(ip->u.chunks->v[j].id, BLOCKID_LEN,
				    hex);
				cb(ip->ino, ip->u.chunks->v[j].index, hex,
				    ip->u.chunks->v[j].len, arg);
			}
		}
	pthread_rwlock_unlock(&ns->rw);
}
