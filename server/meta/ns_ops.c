/*
 * ns_ops: the namespace mutations and their POSIX rules.  Each one, under
 * ns->mu, checks its arguments against the state, builds the batch of etcd
 * key changes, queues it (ns_commit_batch), applies the change in memory
 * under the write lock, and leaves through ns_mut_end, which waits until
 * the batch is durable (group commit, ns_commit.c).  A check that fails
 * returns before anything changed.
 *
 * Rules kept here: link counts of directories (2 + subdirectories), ctime
 * and mtime of parents on every entry change, ctime on every attribute
 * change, the sticky bit, S_ISGID inheritance, clearing S_ISUID/S_ISGID on
 * chown, RENAME_NOREPLACE/RENAME_EXCHANGE, no directory moved into its own
 * subtree, MDFS_LINK_MAX, and orphans: an inode that loses its last name
 * while open stays until its last handle goes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/names.h"
#include "common/protocol.h"
#include "common/strnum.h"
#include "common/xalloc.h"
#include "server/meta/ns.h"
#include "server/meta/ns_impl.h"

static const struct ns_cred root_cred;	/* uid 0, gid 0 */

const struct ns_cred *
ns_cred_or_root(const struct ns_cred *c)
{
	return c != NULL ? c : &root_cred;
}

int
ns_in_group(const struct ns_cred *c, uint32_t gid)
{
	size_t	 i;

	if (c->gid == gid)
		return 1;
	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return 1;
	return 0;
}

int
ns_may_write(const struct ns_cred *c, const struct inode *ip)
{
	if (c->uid == 0)
		return 1;
	if (c->uid == ip->uid)
		return (ip->mode & S_IWUSR) != 0;
	if (ns_in_group(c, ip->gid))
		return (ip->mode & S_IWGRP) != 0;
	return (ip->mode & S_IWOTH) != 0;
}

/* In a sticky directory only the owner of the entry or of the directory
 * (or root) may remove or rename it. */
static int
sticky_denied(const struct inode *dp, const struct inode *ip,
    const struct ns_cred *c)
{
	return (dp->mode & S_ISVTX) && c->uid != 0 && c->uid != dp->uid &&
	    c->uid != ip->uid;
}

uint64_t
ns_dir_parent(const struct inode *ip)
{
	return ns_is_dir(ip) ? ip->u.dir->parent : 0;
}

/* The next inode number; reserves a new batch in the same txn when the
 * current one is used up.  *limit is the reservation after the commit. */
static uint64_t
alloc_ino(struct ns *ns, struct ns_batch *b, uint64_t *limit)
{
	uint64_t	 ino = ns->next_ino;
	char		*v;

	*limit = ns->ino_limit;
	if (ino >= ns->ino_limit) {
		*limit = ino + NS_INO_BATCH;
		v = xasprintf("%" PRIu64, *limit);
		ns_batch_put(b, xstrdup(EK_NEXT_INO), v, strlen(v));
	}
	return ino;
}

/* Frees an inode without names or handles, dropping its chunk references
 * (under the write lock). */
static void
reclaim(struct ns *ns, struct inode *ip)
{
	size_t	 i;

	if (ns_is_reg(ip) && ip->u.chunks != NULL)
		for (i = 0; i < ip->u.chunks->n; i++)
			ns_chunk_ref(ns, ip, &ip->u.chunks->v[i], -1);
	ns_inode_destroy(ns, ip);
}

/* The key changes of ip losing one name (not a directory). */
static void
drop_link_batch(struct ns *ns, struct ns_batch *b, const struct inode *ip,
    int64_t now)
{
	struct inode	 n = *ip;

	n.nlink--;
	n.ctime = now;
	if (n.nlink > 0 || ip->nopen > 0)
		ns_put_inode(b, &n, 0);
	if (n.nlink == 0 && ip->nopen > 0)
		ns_put_orphan(ns, b, ip->ino, NULL, NULL);
	else if (n.nlink == 0)
		ns_del_inode_all(b, ip->ino);
}

static void
drop_link_apply(struct ns *ns, struct inode *ip, int64_t now)
{
	ip->nlink--;
	ip->ctime = now;
	if (ip->nlink == 0 && ip->nopen == 0)
		reclaim(ns, ip);
}

static struct handle *
handle_new(struct ns *ns, uint64_t session)
{
	struct handle	*h = xcalloc(1, sizeof(*h));

	h->fh = ns->conf.handle_base + ns->next_fh;
	h->session = session;
	return h;
}

int
ns_session_ok(struct ns *ns, uint64_t session)
{
	if (ns->hooks.session_valid == NULL)
		return 1;
	return ns->hooks.session_valid(ns->hooks.arg, session);
}

/* ---- new inodes -------------------------------------------------------- */

/*
 * Creates name in parent (caller holds ns->mu).  h, when given, is opened
 * on the new inode.
 */
static int
make_node(struct ns *ns, uint64_t parent, const char *name, uint32_t mode,
    uint64_t rdev, const char *target, const struct ns_cred *cred,
    struct handle *h, struct ns_attr *attr)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	struct inode	*dp, *ip, n, pc;
	uint64_t	 limit;
	int64_t		 now;
	int		 rc = 0;

	if ((dp = ns_get_dir(ns, parent, &rc)) == NULL)
		return rc;
	if (ns_dentry_get(ns, parent, name) != NULL)
		return -EEXIST;
	if (S_ISDIR(mode) && dp->nlink >= MDFS_LINK_MAX)
		return -EMLINK;
	now = ns_now();
	memset(&n, 0, sizeof(n));
	n.mode = mode;
	n.uid = cred->uid;
	n.gid = cred->gid;
	if (dp->mode & S_ISGID) {
		n.gid = dp->gid;
		if (S_ISDIR(mode))
			n.mode |= S_ISGID;
		else if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
		    cred->uid != 0 && !ns_in_group(cred, n.gid))
			n.mode &= ~(uint32_t)S_ISGID;
	}
	n.nlink = S_ISDIR(mode) ? 2 : 1;
	n.rdev = (S_ISCHR(mode) || S_ISBLK(mode)) ? rdev : 0;
	n.atime = n.mtime = n.ctime = now;
	n.replicas = dp->replicas;
	if (target != NULL) {
		n.u.target = (char *)target;
		n.size = strlen(target);
	}
	n.ino = alloc_ino(ns, &b, &limit);
	ns_put_inode(&b, &n, parent);
	ns_put_dentry(&b, parent, name, n.ino);
	pc = *dp;
	pc.mtime = pc.ctime = now;
	if (S_ISDIR(mode))
		pc.nlink++;
	ns_put_inode(&b, &pc, dp->u.dir->parent);
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		return rc;

	pthread_rwlock_wrlock(&ns->rw);
	ns->next_ino = n.ino + 1;
	ns->ino_limit = limit;
	ip = ns_inode_alloc(ns);
	*ip = n;
	if (S_ISDIR(mode)) {
		ip->u.dir = xcalloc(1, sizeof(*ip->u.dir));
		ip->u.dir->parent = parent;
	} else if (target != NULL)
		ip->u.target = xstrdup(target);
	ns_inode_insert(ns, ip);
	ns_dentry_add(ns, dp, name, ip);
	dp->mtime = dp->ctime = now;
	dp->nlink = pc.nlink;
	if (h != NULL) {
		h->ino = ip->ino;
		ns_handle_add(ns, h);
		ns->next_fh++;
		ip->nopen++;
	}
	ns_fill_attr(ns, ip, attr);
	pthread_rwlock_unlock(&ns->rw);
	return 0;
}

int
ns_mknod(struct ns *ns, uint64_t parent, const char *name, uint32_t mode,
    uint64_t rdev, const struct ns_cred *cred, struct ns_attr *attr)
{
	int	 rc;

	if ((rc = names_valid_str(name)) != 0)
		return rc;
	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFIFO: case S_IFSOCK: case S_IFCHR: case S_IFBLK:
		break;
	default:
		return -EINVAL;
	}
	mode &= S_IFMT | 07777;
	pthread_mutex_lock(&ns->mu);
	rc = make_node(ns, parent, name, mode, rdev, NULL,
	    ns_cred_or_root(cred), NULL, attr);
	return ns_mut_end(ns, rc);
}

int
ns_mkdir(struct ns *ns, uint64_t parent, const char *name, uint32_t mode,
    const struct ns_cred *cred, struct ns_attr *attr)
{
	int	 rc;

	if ((rc = names_valid_str(name)) != 0)
		return rc;
	pthread_mutex_lock(&ns->mu);
	rc = make_node(ns, parent, name, S_IFDIR | (mode & 07777), 0, NULL,
	    ns_cred_or_root(cred), NULL, attr);
	return ns_mut_end(ns, rc);
}

int
ns_symlink(struct ns *ns, uint64_t parent, const char *name,
    const char *target, const struct ns_cred *cred, struct ns_attr *attr)
{
	size_t	 len = strlen(target);
	int	 rc;

	if ((rc = names_valid_str(name)) != 0)
		return rc;
	if (len == 0)
		return -EINVAL;
	if (len > MDFS_SYMLINK_MAX)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&ns->mu);
	rc = make_node(ns, parent, name, S_IFLNK | 0777, 0, target,
	    ns_cred_or_root(cred), NULL, attr);
	return ns_mut_end(ns, rc);
}

/* ---- open handles ------------------------------------------------------ */

/* Opens ip for the session (caller holds ns->mu). */
static int
open_locked(struct ns *ns, struct inode *ip, int flags, uint64_t session,
    uint64_t *fh, struct ns_attr *attr)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	struct handle	*h;
	struct inode	 n;
	int		 trunc, rc;
	int64_t		 now = ns_now();

	if (ns_is_dir(ip) && (flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	h = handle_new(ns, session);
	h->ino = ip->ino;
	trunc = (flags & O_TRUNC) && ns_is_reg(ip) &&
	    (flags & O_ACCMODE) != O_RDONLY && ip->size > 0;
	if (trunc) {
		n = *ip;
		n.size = 0;
		n.mtime = n.ctime = now;
		ns_put_inode(&b, &n, 0);
		ns_truncate_batch(ns, &b, ip, 0);
	}
	if (ip->nlink == 0)
		ns_put_orphan(ns, &b, ip->ino, NULL, h);
	if ((rc = ns_commit_batch(ns, &b)) != 0) {
		free(h);
		return rc;
	}
	pthread_rwlock_wrlock(&ns->rw);
	if (trunc) {
		ns_truncate_apply(ns, ip, 0);
		ip->size = 0;
		ip->mtime = ip->ctime = now;
	}
	ns_handle_add(ns, h);
	ns->next_fh++;
	ip->nopen++;
	*fh = h->fh;
	ns_fill_attr(ns, ip, attr);
	pthread_rwlock_unlock(&ns->rw);
	return 0;
}

int
ns_create(struct ns *ns, uint64_t parent, const char *name, uint32_t mode,
    int flags, uint64_t session, const struct ns_cred *cred,
    struct ns_attr *attr, uint64_t *fh, int *created)
{
	struct dentry	*de;
	struct handle	*h;
	int		 rc;

	if ((rc = names_valid_str(name)) != 0)
		return rc;
	if (!ns_session_ok(ns, session))
		return -ESRCH;
	pthread_mutex_lock(&ns->mu);
	*created = 0;
	if (ns_get_dir(ns, parent, &rc) == NULL)
		goto out;
	if ((de = ns_dentry_get(ns, parent, name)) != NULL) {
		if (flags & O_EXCL)
			rc = -EEXIST;
		else if (ns_is_dir(de->child))
			rc = -EISDIR;
		else if (!ns_is_reg(de->child))
			rc = -EEXIST;
		else
			rc = open_locked(ns, de->child, flags, session, fh,
			    attr);
		goto out;
	}
	h = handle_new(ns, session);
	rc = make_node(ns, parent, name, S_IFREG | (mode & 07777), 0, NULL,
	    ns_cred_or_root(cred), h, attr);
	if (rc != 0)
		free(h);
	else {
		*fh = h->fh;
		*created = 1;
	}
out:
	return ns_mut_end(ns, rc);
}

int
ns_open(struct ns *ns, uint64_t ino, int flags, uint64_t session,
    uint64_t *fh, struct ns_attr *attr)
{
	struct inode	*ip;
	int		 rc;

	if (!ns_session_ok(ns, session))
		return -ESRCH;
	pthread_mutex_lock(&ns->mu);
	if ((ip = ns_inode_get(ns, ino)) == NULL)
		rc = -ENOENT;
	else
		rc = open_locked(ns, ip, flags, session, fh, attr);
	return ns_mut_end(ns, rc);
}

/* Drops handle h (caller holds ns->mu). */
static int
release_locked(struct ns *ns, struct handle *h)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	struct inode	*ip = ns_inode_get(ns, h->ino);
	int		 rc;

	if (ip != NULL && ip->nlink == 0) {
		if (ip->nopen <= 1)
			ns_del_inode_all(&b, ip->ino);
		else
			ns_put_orphan(ns, &b, ip->ino, h, NULL);
	}
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		return rc;
	pthread_rwlock_wrlock(&ns->rw);
	ns_handle_del(ns, h);
	if (ip != NULL) {
		ip->nopen--;
		if (ip->nlink == 0 && ip->nopen == 0)
			reclaim(ns, ip);
	}
	pthread_rwlock_unlock(&ns->rw);
	return 0;
}

int
ns_release(struct ns *ns, uint64_t ino, uint64_t fh, uint64_t session)
{
	struct handle	*h;
	int		 rc = 0;

	pthread_mutex_lock(&ns->mu);
	h = ns_handle_get(ns, fh);
	if (h != NULL && h->ino == ino && h->session == session)
		rc = release_locked(ns, h);
	return ns_mut_end(ns, rc);
}

/* Releases every handle for which gone(session) holds. */
static void
release_where(struct ns *ns, int (*gone)(struct ns *, uint64_t, uint64_t),
    uint64_t session)
{
	struct handle	*h, **list = NULL;
	size_t		 i, n = 0, cap = 0;
	int		 rc;

	pthread_mutex_lock(&ns->mu);
	for (i = 0; i <= ns->handles.mask; i++)
		for (h = ns->handles.b[i]; h != NULL; h = h->hnext) {
			if (!gone(ns, h->session, session))
				continue;
			if (n == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				list = xrealloc(list, cap * sizeof(*list));
			}
			list[n++] = h;
		}
	for (i = 0; i < n; i++)
		if ((rc = release_locked(ns, list[i])) != 0)
			log_warnx("session %" PRIu64 ": releasing inode %"
			    PRIu64 ": %s", list[i]->session, list[i]->ino,
			    strerror(-rc));
	if ((rc = ns_mut_end(ns, 0)) != 0)
		log_warnx("releasing handles: %s", strerror(-rc));
	free(list);
}

static int
is_session(struct ns *ns, uint64_t s, uint64_t which)
{
	(void)ns;
	return s == which;
}

static int
is_dead(struct ns *ns, uint64_t s, uint64_t unused)
{
	(void)unused;
	return !ns_session_ok(ns, s);
}

void
ns_session_gone(struct ns *ns, uint64_t session)
{
	release_where(ns, is_session, session);
}

void
ns_sweep_sessions(struct ns *ns)
{
	release_where(ns, is_dead, 0);
}

/* ---- names --------------------------------------------------------------- */

int
ns_link(struct ns *ns, uint64_t ino, uint64_t parent, const char *name,
    struct ns_attr *attr)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	struct inode	*ip, *dp, n, pc;
	int64_t		 now = ns_now();
	int		 rc;

	if ((rc = names_valid_str(name)) != 0)
		return rc;
	pthread_mutex_lock(&ns->mu);
	if ((ip = ns_inode_get(ns, ino)) == NULL || ip->nlink == 0) {
		rc = -ENOENT;
		goto out;
	}
	if (ns_is_dir(ip)) {
		rc = -EPERM;
		goto out;
	}
	if ((dp = ns_get_dir(ns, parent, &rc)) == NULL)
		goto out;
	if (ns_dentry_get(ns, parent, name) != NULL) {
		rc = -EEXIST;
		goto out;
	}
	if (ip->nlink >= MDFS_LINK_MAX) {
		rc = -EMLINK;
		goto out;
	}
	n = *ip;
	n.nlink++;
	n.ctime = now;
	pc = *dp;
	pc.mtime = pc.ctime = now;
	ns_put_dentry(&b, parent, name, ino);
	ns_put_inode(&b, &n, 0);
	ns_put_inode(&b, &pc, dp->u.dir->parent);
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		goto out;
	pthread_rwlock_wrlock(&ns->rw);
	ns_dentry_add(ns, dp, name, ip);
	ip->nlink++;
	ip->ctime = now;
	dp->mtime = dp->ctime = now;
	ns_fill_attr(ns, ip, attr);
	pthread_rwlock_unlock(&ns->rw);
out:
	return ns_mut_end(ns, rc);
}

/* Removes a name: dirs = 0 for unlink, 1 for rmdir. */
static int
remove_name(struct ns *ns, uint64_t parent, const char *name,
    const struct ns_cred *cred, int dirs)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	const struct ns_cred *c = ns_cred_or_root(cred);
	struct inode	*dp, *ip, pc;
	struct dentry	*de;
	int64_t		 now = ns_now();
	int		 rc;

	if ((rc = names_valid_str(name)) != 0)
		return rc;
	pthread_mutex_lock(&ns->mu);
	if ((dp = ns_get_dir(ns, parent, &rc)) == NULL)
		goto out;
	if ((de = ns_dentry_get(ns, parent, name)) == NULL) {
		rc = -ENOENT;
		goto out;
	}
	ip = de->child;
	if (!dirs && ns_is_dir(ip)) {
		rc = -EISDIR;
		goto out;
	}
	if (dirs && !ns_is_dir(ip)) {
		rc = -ENOTDIR;
		goto out;
	}
	if (dirs && ip->u.dir->n > 0) {
		rc = -ENOTEMPTY;
		goto out;
	}
	if (sticky_denied(dp, ip, c)) {
		rc = -EPERM;
		goto out;
	}
	pc = *dp;
	pc.mtime = pc.ctime = now;
	if (dirs)
		pc.nlink--;
	ns_batch_del(&b, ns_key_dentry(parent, name), 0);
	ns_put_inode(&b, &pc, dp->u.dir->parent);
	if (dirs)
		ns_del_inode_all(&b, ip->ino);
	else
		drop_link_batch(ns, &b, ip, now);
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		goto out;
	pthread_rwlock_wrlock(&ns->rw);
	ns_dentry_remove(ns, de);
	dp->mtime = dp->ctime = now;
	dp->nlink = pc.nlink;
	if (dirs)
		ns_inode_destroy(ns, ip);
	else
		drop_link_apply(ns, ip, now);
	pthread_rwlock_unlock(&ns->rw);
out:
	return ns_mut_end(ns, rc);
}

int
ns_unlink(struct ns *ns, uint64_t parent, const char *name,
    const struct ns_cred *cred)
{
	return remove_name(ns, parent, name, cred, 0);
}

int
ns_rmdir(struct ns *ns, uint64_t parent, const char *name,
    const struct ns_cred *cred)
{
	return remove_name(ns, parent, name, cred, 1);
}

/* 1 when directory a is d or one of d's ancestors. */
static int
is_ancestor(struct ns *ns, uint64_t a, uint64_t d)
{
	struct inode	*ip;

	for (;;) {
		if (d == a)
			return 1;
		if (d == MDFS_ROOT_INO ||
		    (ip = ns_inode_get(ns, d)) == NULL || !ns_is_dir(ip))
			return 0;
		d = ip->u.dir->parent;
	}
}

int
ns_rename(struct ns *ns, uint64_t parent, const char *name,
    uint64_t newparent, const char *newname, unsigned flags,
    const struct ns_cred *cred)
{
	struct ns_batch	 b = { NULL, 0, 0 };
	const struct ns_cred *c = ns_cred_or_root(cred);
	struct inode	*sp, *tp, *src, *dst, spc, tpc, srcc, dstc;
	struct dentry	*sde, *tde;
	int64_t		 now = ns_now();
	int		 exch = (flags & NS_RENAME_EXCHANGE) != 0;
	int		 sdir, ddir, same, rc;

	if ((flags & ~(NS_RENAME_NOREPLACE | NS_RENAME_EXCHANGE)) != 0 ||
	    flags == (NS_RENAME_NOREPLACE | NS_RENAME_EXCHANGE))
		return -EINVAL;
	if ((rc = names_valid_str(name)) != 0 ||
	    (rc = names_valid_str(newname)) != 0)
		return rc;
	pthread_mutex_lock(&ns->mu);
	if ((sp = ns_get_dir(ns, parent, &rc)) == NULL ||
	    (tp = ns_get_dir(ns, newparent, &rc)) == NULL)
		goto out;
	if ((sde = ns_dentry_get(ns, parent, name)) == NULL) {
		rc = -ENOENT;
		goto out;
	}
	src = sde->child;
	tde = ns_dentry_get(ns, newparent, newname);
	dst = tde != NULL ? tde->child : NULL;
	if (exch && dst == NULL) {
		rc = -ENOENT;
		goto out;
	}
	if ((flags & NS_RENAME_NOREPLACE) && dst != NULL) {
		rc = -EEXIST;
		goto out;
	}
	if (dst == src)		/* two names of one inode: nothing to do */
		goto out;
	sdir = ns_is_dir(src);
	ddir = dst != NULL && ns_is_dir(dst);
	same = sp == tp;
	if (sticky_denied(sp, src, c) ||
	    (dst != NULL && sticky_denied(tp, dst, c))) {
		rc = -EPERM;
		goto out;
	}
	if (!exch && dst != NULL) {
		if (sdir && !ddir) {
			rc = -ENOTDIR;
			goto out;
		}
		if (!sdir && ddir) {
			rc = -EISDIR;
			goto out;
		}
		if (ddir && dst->u.dir->n > 0) {
			rc = -ENOTEMPTY;
			goto out;
		}
	}
	if (!same && ((sdir && is_ancestor(ns, src->ino, newparent)) ||
	    (exch && ddir && is_ancestor(ns, dst->ino, parent)))) {
		rc = -EINVAL;
		goto out;
	}
	spc = *sp;
	tpc = *tp;
	if (!same) {
		if (exch) {
			spc.nlink = spc.nlink - sdir + ddir;
			tpc.nlink = tpc.nlink - ddir + sdir;
		} else {
			spc.nlink -= sdir;
			tpc.nlink = tpc.nlink + sdir - ddir;
		}
		if ((tpc.nlink > tp->nlink && tpc.nlink > MDFS_LINK_MAX) ||
		    (spc.nlink > sp->nlink && spc.nlink > MDFS_LINK_MAX)) {
			rc = -EMLINK;
			goto out;
		}
	} else if (!exch)
		spc.nlink -= ddir;
	spc.mtime = spc.ctime = now;
	tpc.mtime = tpc.ctime = now;
	srcc = *src;
	srcc.ctime = now;
	if (exch) {
		dstc = *dst;
		dstc.ctime = now;
		ns_put_dentry(&b, parent, name, dst->ino);
		ns_put_dentry(&b, newparent, newname, src->ino);
		ns_put_inode(&b, &dstc, parent);
	} else {
		ns_batch_del(&b, ns_key_dentry(parent, name), 0);
		ns_put_dentry(&b, newparent, newname, src->ino);
		if (ddir)
			ns_del_inode_all(&b, dst->ino);
		else if (dst != NULL)
			drop_link_batch(ns, &b, dst, now);
	}
	ns_put_inode(&b, &srcc, newparent);
	if (same) {
		if (!exch)
			tpc.nlink = spc.nlink;
		ns_put_inode(&b, &spc, sp->u.dir->parent);
	} else {
		/* a parent moved by this rename is written by srcc/dstc */
		if (sp != src && sp != dst)
			ns_put_inode(&b, &spc, sp->u.dir->parent);
		if (tp != src && tp != dst)
			ns_put_inode(&b, &tpc, tp->u.dir->parent);
	}
	if ((rc = ns_commit_batch(ns, &b)) != 0)
		goto out;

	pthread_rwlock_wrlock(&ns->rw);
	if (exch) {
		sde->child = dst;
		tde->child = src;
		if (ddir)
			dst->u.dir->parent = parent;
		dst->ctime = now;
	} else {
		if (dst != NULL) {
			ns_dentry_remove(ns, tde);
			if (ddir)
				ns_inode_destroy(ns, dst);
			else
				drop_link_apply(ns, dst, now);
		}
		ns_dentry_remove(ns, sde);
		ns_dentry_add(ns, tp, newname, src);
	}
	if (sdir)
		src->u.dir->parent = newparent;
	src->ctime = now;
	sp->nlink = spc.nlink;
	sp->mtime = sp->ctime = now;
	if (!same)
		tp->nlink = tpc.nlink;
	tp->mtime = tp->ctime = now;
	pthread_rwlock_unlock(&ns->rw);
out:
	return ns_mut_end(ns, rc);
}
