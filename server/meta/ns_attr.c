/*
 * ns_attr: the namespace mutations of attributes -- setattr (with
 * truncation), xattrs and the per-directory replication override, and the
 * block map commit.  The pattern is ns_ops.c's: check, batch, commit, then
 * apply under the write lock.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/protocol.h"
#include "common/relatime.h"
#include "common/strnum.h"
#include "common/xalloc.h"
#include "server/meta/ns.h"
#include "server/meta/ns_impl.h"

/* ---- attributes ---------------------------------------------------------- */

/*
 * The owner, mode and times that sa asks for, with c's authority, computed
 * into *n (a copy of *ip on entry): setattr's rules, kept here once for
 * setattr and commit.  mode keeps ip's file type; a uid or gid change
 * without a mode clears S_ISUID of a non-directory, and S_ISGID when
 * S_IXGRP is set.  Size is not handled here.  Returns 0, -EPERM or -EACCES
 * (then *n is garbage and nothing may be written).
 */
static int
attr_compute(const struct inode *ip, const struct ns_setattr *sa,
    const struct ns_cred *c, int64_t now, struct inode *n)
{
	uint32_t	 m;
	int		 owner = c->uid == 0 || c->uid == ip->uid;

	if (sa->valid & NS_SET_UID) {
		if (c->uid != 0 && (sa->uid != ip->uid || c->uid != ip->uid))
			return -EPERM;
		n->uid = sa->uid;
	}
	if (sa->valid & NS_SET_GID) {
		if (c->uid != 0 && (c->uid != ip->uid ||
		    (sa->gid != ip->gid && !ns_in_group(c, sa->gid))))
			return -EPERM;
		n->gid = sa->gid;
	}
	if (sa->valid & NS_SET_MODE) {
		if (!owner)
			return -EPERM;
		m = sa->mode & 07777;
		if (c->uid != 0 && !ns_in_group(c, n->gid))
			m &= ~(uint32_t)S_ISGID;
		n->mode = (ip->mode & S_IFMT) | m;
	} else if ((sa->valid & (NS_SET_UID | NS_SET_GID)) && !ns_is_dir(ip)) {
		n->mode &= ~(uint32_t)S_ISUID;
		if (n->mode & S_IXGRP)
			n->mode &= ~(uint32_t)S_ISGID;
	}
	if (((sa->valid & NS_SET_ATIME) || (sa->valid & NS_SET_MTIME)) &&
	    !owner)
		return -EPERM;
	if ((sa->valid & (NS_SET_ATIME_NOW | NS_SET_MTIME_NOW)) && !owner &&
	    !ns_may_write(c, ip))
		return -EACCES;
	if (sa->valid & NS_SET_ATIME)
		n->atime = sa->atime;
	if (sa->valid & NS_SET_ATIME_NOW)
		n->atime = now;
	if (sa->valid & NS_SET_MTIME)
		n->mtime = sa->mtime;
	if (sa->valid & NS_SET_MTIME_NOW)
		n->mtime = now;
	return 0;
}

int
ns_setattr(struct ns *ns, uint64_t ino, const struct ns_setattr *sa,
    const struct ns_cred *cred, struct ns_attr *attr)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	const struct ns_cred *c = ns_cred_or_root(cred);
	struct inode	*ip, n;
	int64_t		 now = ns_now();
	int		 rc = 0;

	pthread_mutex_lock(&ns->mu);
	if ((ip = ns_inode_get(ns, ino)) == NULL) {
		rc = -ENOENT;
		goto out;
	}
	n = *ip;
	if ((rc = attr_compute(ip, sa, c, now, &n)) != 0)
		goto out;
	if (sa->valid & NS_SET_SIZE) {
		if (ns_is_dir(ip)) {
			rc = -EISDIR;
			goto out;
		}
		if (!ns_is_reg(ip)) {
			rc = -EINVAL;
			goto out;
		}
		if (sa->size > (uint64_t)INT64_MAX) {
			rc = -EFBIG;
			goto out;
		}
		n.size = sa->size;
		if (!(sa->valid & (NS_SET_MTIME | NS_SET_MTIME_NOW)))
			n.mtime = now;
	}
	n.ctime = now;
	/* the size first: chunks past it are dropped again at load */
	ns_put_inode(&b, &n, ns_dir_parent(ip));
	if ((sa->valid & NS_SET_SIZE) && sa->size < ip->size)
		ns_truncate_batch(ns, &b, ip, sa->size);
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		goto out;
	pthread_rwlock_wrlock(&ns->rw);
	if ((sa->valid & NS_SET_SIZE) && sa->size < ip->size)
		ns_truncate_apply(ns, ip, sa->size);
	ip->mode = n.mode;
	ip->uid = n.uid;
	ip->gid = n.gid;
	ip->size = n.size;
	ip->atime = n.atime;
	ip->mtime = n.mtime;
	ip->ctime = n.ctime;
	ns_fill_attr(ns, ip, attr);
	pthread_rwlock_unlock(&ns->rw);
out:
	return ns_mut_end(ns, rc);
}

/* ---- atime of reads ------------------------------------------------------ */

/*
 * The rule is applied here and not in the mounts: a mount decides on what
 * it last saw, which may be stale (another mount's write, a utimensat), so
 * it only asks; the metaserver answers from the current inode under ns->mu,
 * the same serialisation as setattr, and a touch that arrives late cannot
 * undo a later utimensat (that set ctime = now, so the touch finds
 * atime <= ctime and writes now: what a read after it would do) nor move
 * atime back.  No ownership check: the reader passed open's or opendir's
 * permission check, and only atime can change.
 */
int
ns_touch_atime(struct ns *ns, uint64_t ino, int strict, int *touched,
    struct ns_attr *attr)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	struct inode	*ip, n;
	int64_t		 now = ns_now();
	int		 rc = 0;

	if (touched != NULL)
		*touched = 0;
	pthread_mutex_lock(&ns->mu);
	if ((ip = ns_inode_get(ns, ino)) == NULL) {
		rc = -ENOENT;
		goto out;
	}
	if (!relatime_due(ip->atime, ip->mtime, ip->ctime, now, strict)) {
		/* ns->mu keeps mutations out: reading needs no rw lock */
		ns_fill_attr(ns, ip, attr);
		goto out;
	}
	n = *ip;
	n.atime = now;
	ns_put_inode(&b, &n, ns_dir_parent(ip));
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		goto out;
	pthread_rwlock_wrlock(&ns->rw);
	ip->atime = n.atime;
	ns_fill_attr(ns, ip, attr);
	pthread_rwlock_unlock(&ns->rw);
	if (touched != NULL)
		*touched = 1;
out:
	return ns_mut_end(ns, rc);
}

/* ---- xattrs ---------------------------------------------------------- */

static void
chunk_ref_r(struct ns *ns, struct inode *ip, unsigned replicas, int delta)
{
	uint8_t	 saved = ip->replicas;
	size_t	 i;

	if (!ns_is_reg(ip) || ip->u.chunks == NULL)
		return;
	ip->replicas = (uint8_t)replicas;
	for (i = 0; i < ip->u.chunks->n; i++)
		ns_chunk_ref(ns, ip, &ip->u.chunks->v[i], delta);
	ip->replicas = saved;
}

/* Sets (value != NULL) or removes the replication override. */
static int
set_replicas(struct ns *ns, struct inode *ip, const char *value, size_t len,
    int flags)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	struct inode	 n = *ip;
	char		 text[8];
	uint64_t	 v = 0;
	unsigned	 before;
	int		 rc;

	if (value != NULL) {
		if (len == 0 || len >= sizeof(text))
			return -EINVAL;
		memcpy(text, value, len);
		text[len] = '\0';
		if (parse_u64(text, 1, MDFS_REPLICAS_MAX, &v) != 0)
			return -EINVAL;
		if ((flags & NS_XATTR_CREATE) && ip->replicas != 0)
			return -EEXIST;
		if ((flags & NS_XATTR_REPLACE) && ip->replicas == 0)
			return -ENODATA;
	} else if (ip->replicas == 0)
		return -ENODATA;
	n.replicas = (uint8_t)v;
	n.ctime = ns_now();
	ns_put_inode(&b, &n, ns_dir_parent(ip));
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		return rc;
	pthread_rwlock_wrlock(&ns->rw);
	before = ns_inode_replicas(ns, ip);
	ip->replicas = n.replicas;
	ip->ctime = n.ctime;
	if (ns_inode_replicas(ns, ip) != before) {
		chunk_ref_r(ns, ip, ns_inode_replicas(ns, ip), 1);
		chunk_ref_r(ns, ip, before, -1);
	}
	pthread_rwlock_unlock(&ns->rw);
	return 0;
}

static int
xattr_name_check(const char *name)
{
	size_t	 len = strlen(name);

	return len == 0 || len > MDFS_XATTR_NAME_MAX ? -ERANGE : 0;
}

int
ns_setxattr(struct ns *ns, uint64_t ino, const char *name, const void *value,
    size_t len, int flags)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	struct inode	*ip, n;
	struct xattr	*x, *old, **pp = NULL, *y;
	size_t		 nlen = strlen(name), total = 0;
	char		*v;
	int		 rc;

	if ((rc = xattr_name_check(name)) != 0)
		return rc;
	if (flags != 0 && flags != NS_XATTR_CREATE && flags != NS_XATTR_REPLACE)
		return -EINVAL;
	if (len > MDFS_XATTR_VALUE_MAX)
		return -E2BIG;
	pthread_mutex_lock(&ns->mu);
	if ((ip = ns_inode_get(ns, ino)) == NULL) {
		rc = -ENOENT;
		goto out;
	}
	if (strcmp(name, MDFS_XATTR_REPLICAS) == 0) {
		rc = set_replicas(ns, ip, value, len, flags);
		goto out;
	}
	old = ns_xattr_find(ip, name, &pp);
	if ((flags & NS_XATTR_CREATE) && old != NULL) {
		rc = -EEXIST;
		goto out;
	}
	if ((flags & NS_XATTR_REPLACE) && old == NULL) {
		rc = -ENODATA;
		goto out;
	}
	for (y = ip->xattrs; y != NULL; y = y->next)
		if (y != old)
			total += y->nlen + y->vlen;
	if (total + nlen + len > MDFS_XATTR_TOTAL_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	n = *ip;
	n.ctime = ns_now();
	v = xmalloc(len + 1);
	memcpy(v, value, len);
	ns_batch_put(&b, ns_key_xattr(ino, name), v, len);
	ns_put_inode(&b, &n, ns_dir_parent(ip));
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		goto out;
	x = xmalloc(sizeof(*x) + nlen + len + 2);
	x->nlen = (uint32_t)nlen;
	x->vlen = (uint32_t)len;
	memcpy(x->data, name, nlen + 1);
	memcpy(x->data + nlen + 1, value, len);
	x->data[nlen + 1 + len] = '\0';
	pthread_rwlock_wrlock(&ns->rw);
	if (old != NULL) {
		x->next = old->next;
		*pp = x;
		free(old);
	} else {
		x->next = ip->xattrs;
		ip->xattrs = x;
	}
	ip->ctime = n.ctime;
	pthread_rwlock_unlock(&ns->rw);
out:
	return ns_mut_end(ns, rc);
}

int
ns_removexattr(struct ns *ns, uint64_t ino, const char *name)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	struct inode	*ip, n;
	struct xattr	*x, **pp = NULL;
	int		 rc;

	if ((rc = xattr_name_check(name)) != 0)
		return rc;
	pthread_mutex_lock(&ns->mu);
	if ((ip = ns_inode_get(ns, ino)) == NULL) {
		rc = -ENOENT;
		goto out;
	}
	if (strcmp(name, MDFS_XATTR_REPLICAS) == 0) {
		rc = set_replicas(ns, ip, NULL, 0, 0);
		goto out;
	}
	if ((x = ns_xattr_find(ip, name, &pp)) == NULL) {
		rc = -ENODATA;
		goto out;
	}
	n = *ip;
	n.ctime = ns_now();
	ns_batch_del(&b, ns_key_xattr(ino, name), 0);
	ns_put_inode(&b, &n, ns_dir_parent(ip));
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		goto out;
	pthread_rwlock_wrlock(&ns->rw);
	*pp = x->next;
	free(x);
	ip->ctime = n.ctime;
	pthread_rwlock_unlock(&ns->rw);
out:
	return ns_mut_end(ns, rc);
}

/* ---- block map ----------------------------------------------------------- */

static int
chunk_in_cmp(const void *a, const void *b)
{
	const struct ns_chunk_in *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

int
ns_commit(struct ns *ns, uint64_t ino, uint64_t session, uint64_t size,
    int has_mtime, int64_t mtime, const struct ns_chunk_in *chunks,
    size_t nchunks, struct ns_attr *attr)
{
	return ns_commit_attr(ns, ino, session, size, has_mtime, mtime, chunks,
	    nchunks, NULL, attr);
}

int
ns_commit_attr(struct ns *ns, uint64_t ino, uint64_t session, uint64_t size,
    int has_mtime, int64_t mtime, const struct ns_chunk_in *chunks,
    size_t nchunks, const struct ns_setattr *sa, struct ns_attr *attr)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	struct ns_chunk_in *sorted = NULL;
	struct chunk	*cv = NULL, old;
	struct inode	*ip, n;
	uint64_t	 B = ns->conf.block_size, newsize;
	int64_t		 now = ns_now();
	size_t		 i;
	int		 rc = 0;

	if (sa != NULL && (sa->valid & ~NS_COMMIT_SET) != 0)
		return -EINVAL;
	if (!ns_session_ok(ns, session))
		return -ESRCH;
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	if (nchunks > MDFS_BLOCKMAP_MAX)
		return -EINVAL;
	pthread_mutex_lock(&ns->mu);
	if ((ip = ns_inode_get(ns, ino)) == NULL) {
		rc = -ENOENT;
		goto out;
	}
	if (ns_is_dir(ip) || !ns_is_reg(ip)) {
		rc = ns_is_dir(ip) ? -EISDIR : -EINVAL;
		goto out;
	}
	newsize = size > ip->size ? size : ip->size;
	if (nchunks > 0) {
		sorted = xcalloc(nchunks, sizeof(*sorted));
		memcpy(sorted, chunks, nchunks * sizeof(*sorted));
		qsort(sorted, nchunks, sizeof(*sorted), chunk_in_cmp);
		cv = xcalloc(nchunks, sizeof(*cv));
	}
	for (i = 0; i < nchunks; i++) {
		if (sorted[i].len == 0 || sorted[i].len > B ||
		    sorted[i].index > ((uint64_t)INT64_MAX - B) / B ||
		    sorted[i].index * B + sorted[i].len > newsize ||
		    (i > 0 && sorted[i].index == sorted[i - 1].index) ||
		    ns_hex_to_bin(sorted[i].id, cv[i].id) != 0) {
			rc = -EINVAL;
			goto out;
		}
		cv[i].index = sorted[i].index;
		cv[i].len = sorted[i].len;
	}
	n = *ip;
	/* as root: a mount folds only root's deferred changes in here */
	if (sa != NULL && (rc = attr_compute(ip, sa, ns_cred_or_root(NULL),
	    now, &n)) != 0)
		goto out;
	n.size = newsize;
	n.mtime = has_mtime ? mtime : now;
	n.ctime = now;
	/* chunks first, the size last: see nsstore.c on split commits */
	for (i = 0; i < nchunks; i++)
		ns_put_chunk(&b, ino, &cv[i]);
	ns_put_inode(&b, &n, 0);
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		goto out;
	pthread_rwlock_wrlock(&ns->rw);
	for (i = 0; i < nchunks; i++) {
		if (ns_chunks_set(ip, &cv[i], &old)) {
			if (memcmp(old.id, cv[i].id, BLOCKID_LEN) == 0)
				continue;
			ns_chunk_ref(ns, ip, &old, -1);
		}
		ns_chunk_ref(ns, ip, &cv[i], 1);
	}
	ip->mode = n.mode;
	ip->uid = n.uid;
	ip->gid = n.gid;
	ip->atime = n.atime;
	ip->size = n.size;
	ip->mtime = n.mtime;
	ip->ctime = n.ctime;
	ns_fill_attr(ns, ip, attr);
	pthread_rwlock_unlock(&ns->rw);
out:
	rc = ns_mut_end(ns, rc);
	free(sorted);
	free(cv);
	return rc;
}
