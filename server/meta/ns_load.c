/*
 * ns_load: building a namespace from the records nsstore reads at takeover
 * (see ns.h, "loading"), and the checks that make memory and etcd agree
 * after a crash: unreachable inodes, link counts, chunks past a size,
 * orphan marks.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/names.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "server/meta/ns.h"
#include "server/meta/ns_impl.h"

int
ns_load_inode(struct ns *ns, const struct ns_load_inode *r)
{
	struct inode	*ip;

	if (r->ino == 0 || r->replicas > MDFS_REPLICAS_MAX)
		return -EUCLEAN;
	switch (r->mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFIFO:
	case S_IFSOCK: case S_IFCHR: case S_IFBLK:
		break;
	default:
		return -EUCLEAN;
	}
	if (S_ISLNK(r->mode) && r->target == NULL)
		return -EUCLEAN;
	if ((ip = ns_inode_get(ns, r->ino)) != NULL) {
		/* ns_new's root is replaced by the stored one */
		if (r->ino != MDFS_ROOT_INO || ip->nref != 0)
			return -EUCLEAN;
		ns_inode_destroy(ns, ip);
	}
	ip = ns_inode_alloc(ns);
	ip->ino = r->ino;
	ip->mode = r->mode;
	ip->uid = r->uid;
	ip->gid = r->gid;
	ip->nlink = r->nlink;
	ip->size = r->size;
	ip->rdev = r->rdev;
	ip->atime = r->atime;
	ip->mtime = r->mtime;
	ip->ctime = r->ctime;
	ip->replicas = (uint8_t)r->replicas;
	if (S_ISDIR(r->mode)) {
		ip->u.dir = xcalloc(1, sizeof(*ip->u.dir));
		ip->u.dir->parent = r->parent != 0 ? r->parent : MDFS_ROOT_INO;
	} else if (S_ISLNK(r->mode)) {
		ip->u.target = xstrdup(r->target);
		ip->size = strlen(r->target);
	}
	if (r->ino == MDFS_ROOT_INO) {
		ip->nref = 1;	/* reached by definition */
		ns->root_loaded = 1;
	}
	ns_inode_insert(ns, ip);
	return 0;
}

int
ns_load_dentry(struct ns *ns, uint64_t parent, const char *name,
    uint64_t child)
{
	struct inode	*dp, *ip;
	int		 rc = 0;

	if (names_valid_str(name) != 0)
		return -EUCLEAN;
	if ((dp = ns_get_dir(ns, parent, &rc)) == NULL ||
	    (ip = ns_inode_get(ns, child)) == NULL ||
	    ip->ino == MDFS_ROOT_INO || ns_dentry_get(ns, parent, name) != NULL)
		return -EUCLEAN;
	/* a directory has exactly one name, under its recorded parent */
	if (ns_is_dir(ip) && (ip->nref != 0 || ip->u.dir->parent != parent))
		return -EUCLEAN;
	ns_dentry_add(ns, dp, name, ip);
	ip->nref++;
	return 0;
}

int
ns_load_chunk(struct ns *ns, uint64_t ino, uint64_t index,
    const char *blockid, uint64_t len)
{
	struct inode	*ip = ns_inode_get(ns, ino);
	struct chunk	 c, old;

	if (ip == NULL || !ns_is_reg(ip) || len == 0 ||
	    len > ns->conf.block_size ||
	    index > (uint64_t)INT64_MAX / ns->conf.block_size)
		return -EUCLEAN;
	c.index = index;
	c.len = len;
	if (ns_hex_to_bin(blockid, c.id) != 0)
		return -EUCLEAN;
	ns_chunks_set(ip, &c, &old);
	return 0;
}

int
ns_load_xattr(struct ns *ns, uint64_t ino, const char *name,
    const void *value, size_t len)
{
	struct inode	*ip = ns_inode_get(ns, ino);
	struct xattr	*x;
	size_t		 nlen = strlen(name);

	if (ip == NULL || nlen == 0 || nlen > MDFS_XATTR_NAME_MAX ||
	    len > MDFS_XATTR_VALUE_MAX || ns_xattr_find(ip, name, NULL) != NULL)
		return -EUCLEAN;
	x = xmalloc(sizeof(*x) + nlen + len + 2);
	x->nlen = (uint32_t)nlen;
	x->vlen = (uint32_t)len;
	memcpy(x->data, name, nlen + 1);
	memcpy(x->data + nlen + 1, value, len);
	x->data[nlen + 1 + len] = '\0';
	x->next = ip->xattrs;
	ip->xattrs = x;
	return 0;
}

int
ns_load_orphan_handle(struct ns *ns, uint64_t ino, uint64_t session,
    uint64_t fh)
{
	struct inode	*ip = ns_inode_get(ns, ino);
	struct handle	*h;

	if (ip == NULL || ns_is_dir(ip) || ns_handle_get(ns, fh) != NULL)
		return -EUCLEAN;
	h = xcalloc(1, sizeof(*h));
	h->fh = fh;
	h->session = session;
	h->ino = ino;
	ns_handle_add(ns, h);
	ip->nopen++;
	return 0;
}

/* Counts in nref the names of every inode reachable from the root. */
static void
load_reach(struct ns *ns, struct inode *root)
{
	struct inode	**stack, *ip;
	struct dentry	*de;
	size_t		 n = 0, cap = 64, i;

	for (i = 0; i <= ns->inodes.mask; i++)
		for (ip = ns->inodes.b[i]; ip != NULL; ip = ip->hnext)
			ip->nref = 0;
	root->nref = 1;
	stack = xcalloc(cap, sizeof(*stack));
	stack[n++] = root;
	while (n > 0) {
		ip = stack[--n];
		for (de = ip->u.dir->head; de != NULL; de = de->next) {
			if (de->child->nref++ != 0 || !ns_is_dir(de->child))
				continue;
			if (n == cap) {
				cap *= 2;
				stack = xrealloc(stack, cap * sizeof(*stack));
			}
			stack[n++] = de->child;
		}
	}
	free(stack);
}

int
ns_load_finish(struct ns *ns, uint64_t next_ino, struct ns_batch *cleanup)
{
	struct inode	*ip, *nip, *root;
	struct dentry	*de;
	struct chunks	*cs;
	uint64_t	 max = MDFS_ROOT_INO, lastlen;
	uint32_t	 nlink;
	size_t		 i, j, keep;

	root = ns_inode_get(ns, MDFS_ROOT_INO);
	if (root == NULL || !ns_is_dir(root))
		return -EUCLEAN;
	root->u.dir->parent = MDFS_ROOT_INO;
	if (!ns->root_loaded)	/* a new filesystem */
		ns_put_inode(cleanup, root, MDFS_ROOT_INO);
	load_reach(ns, root);
	/* first the leftovers no name reaches and no handle holds */
	for (i = 0; i <= ns->inodes.mask; i++) {
		for (ip = ns->inodes.b[i]; ip != NULL; ip = nip) {
			nip = ip->hnext;
			if (ip->nref != 0 || ip->nopen != 0)
				continue;
			log_warnx("ns load: inode %" PRIu64 " is unreachable; "
			    "removed", ip->ino);
			if (ns_is_dir(ip)) {
				while ((de = ip->u.dir->head) != NULL)
					ns_dentry_remove(ns, de);
				ns_batch_del(cleanup, xasprintf(EK_DENTRY
				    "%016" PRIx64 "/", ip->ino), 1);
			}
			ns_del_inode_all(cleanup, ip->ino);
			ns_inode_destroy(ns, ip);
		}
	}
	for (i = 0; i <= ns->inodes.mask; i++) {
		for (ip = ns->inodes.b[i]; ip != NULL; ip = ip->hnext) {
			if (ip->ino > max)
				max = ip->ino;
			if (ns_is_dir(ip)) {
				nlink = 2;
				for (de = ip->u.dir->head; de != NULL;
				    de = de->next)
					if (ns_is_dir(de->child))
						nlink++;
			} else
				nlink = ip->nref;
			if (nlink != ip->nlink) {
				log_warnx("ns load: inode %" PRIu64 " nlink %u "
				    "corrected to %u", ip->ino, ip->nlink,
				    nlink);
				ip->nlink = nlink;
				ns_put_inode(cleanup, ip, ns_is_dir(ip) ?
				    ip->u.dir->parent : 0);
			}
			if (ns_is_reg(ip) && (cs = ip->u.chunks) != NULL) {
				/* chunks a crash left past the size */
				ns_truncate_plan(ns, cs, ip->size, &keep,
				    &lastlen);
				if (lastlen != 0) {
					cs->v[keep - 1].len = lastlen;
					ns_put_chunk(cleanup, ip->ino,
					    &cs->v[keep - 1]);
				}
				for (j = keep; j < cs->n; j++)
					ns_batch_del(cleanup, ns_key_chunk(
					    ip->ino, cs->v[j].index), 0);
				cs->n = keep;
				for (j = 0; j < cs->n; j++)
					ns_chunk_ref(ns, ip, &cs->v[j], 1);
			}
			if (ip->nopen > 0 && ip->nlink == 0)
				/* rewritten without the dead sessions */
				ns_put_orphan(ns, cleanup, ip->ino, NULL, NULL);
			else if (ip->nopen > 0)
				/* a stale mark: the inode has names */
				ns_batch_del(cleanup, ns_key_orphan(ip->ino), 0);
			ip->nref = 0;
		}
	}
	ns->next_ino = next_ino > max + 1 ? next_ino : max + 1;
	ns->ino_limit = ns->next_ino;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

size_t
ns_load_dirs(struct ns *ns, uint64_t **inos)
{
	struct inode	*ip;
	size_t		 i, n = 0, cap = 64;
	uint64_t	*v = xcalloc(cap, sizeof(*v));

	for (i = 0; i <= ns->inodes.mask; i++)
		for (ip = ns->inodes.b[i]; ip != NULL; ip = ip->hnext) {
			if (!ns_is_dir(ip))
				continue;
			if (n == cap) {
				cap *= 2;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = ip->ino;
		}
	qsort(v, n, sizeof(*v), cmp_u64);
	*inos = v;
	return n;
}
