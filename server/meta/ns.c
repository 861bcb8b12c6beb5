/*
 * ns: the in-memory namespace of the metaserver -- hash tables of inodes,
 * directory entries and open handles, block maps in memory, the etcd
 * records they are persisted as, and the life cycle.  Reads are in
 * ns_read.c, mutations and their POSIX rules in ns_ops.c and ns_attr.c,
 * loading in ns_load.c; the private structures in ns_impl.h.
 *
 * Memory: inodes come from slabs of SLAB_INODES (no malloc per inode); an
 * entry is one malloc with its name; a file's block map is one array.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "common/log.h"
#include "common/names.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "server/meta/ns.h"
#include "server/meta/ns_impl.h"

#define HTAB_MIN	1024	/* initial buckets */

/* ---- small helpers ------------------------------------------------------ */

int64_t
ns_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
ns_is_dir(const struct inode *ip)
{
	return S_ISDIR(ip->mode);
}

int
ns_is_reg(const struct inode *ip)
{
	return S_ISREG(ip->mode);
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t
fnv1a(const char *p, size_t len, uint64_t h)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * A readdir cookie is a 63-bit hash of the name: it needs no storage and
 * stays valid across changes and leader changes.  0 starts, 1 and 2 are
 * "." and "..".  Equal cookies (collisions) are never split across pages.
 */
uint64_t
ns_cookie(const char *name, size_t len)
{
	uint64_t	 h;

	h = mix64(fnv1a(name, len, 0xcbf29ce484222325ULL)) >> 1;
	if (h < 3)
		h += 3;
	return h;
}

static uint64_t
dentry_hash(uint64_t parent, const char *name, size_t len)
{
	return mix64(fnv1a(name, len, 0xcbf29ce484222325ULL) ^ mix64(parent));
}

static void
htab_init(struct htab *t)
{
	t->b = xcalloc(HTAB_MIN, sizeof(*t->b));
	t->mask = HTAB_MIN - 1;
	t->n = 0;
}

/* Grows a table; next_of gives the chain link of an element. */
#define HTAB_GROW(t, type, hashfn) do {					\
	size_t	 nb_ = ((t)->mask + 1) * 2, i_;				\
	void	**b_ = xcalloc(nb_, sizeof(*b_));			\
	for (i_ = 0; i_ <= (t)->mask; i_++) {				\
		type *e_ = (t)->b[i_], *nx_;				\
		for (; e_ != NULL; e_ = nx_) {				\
			size_t h_ = hashfn(e_) & (nb_ - 1);		\
			nx_ = e_->hnext;				\
			e_->hnext = b_[h_];				\
			b_[h_] = e_;					\
		}							\
	}								\
	free((t)->b);							\
	(t)->b = b_;							\
	(t)->mask = nb_ - 1;						\
} while (0)

static size_t
inode_hashfn(const struct inode *ip)
{
	return mix64(ip->ino);
}

static size_t
dentry_hashfn(const struct dentry *de)
{
	return dentry_hash(de->parent, de->name, de->len);
}

static size_t
handle_hashfn(const struct handle *h)
{
	return mix64(h->fh);
}

/* ---- inodes ------------------------------------------------------------ */

struct inode *
ns_inode_get(struct ns *ns, uint64_t ino)
{
	struct inode	*ip;

	for (ip = ns->inodes.b[mix64(ino) & ns->inodes.mask]; ip != NULL;
	    ip = ip->hnext)
		if (ip->ino == ino)
			return ip;
	return NULL;
}

struct inode *
ns_inode_alloc(struct ns *ns)
{
	struct inode	*slab, *ip;
	size_t		 i;

	if (ns->free_inodes == NULL) {
		slab = xcalloc(SLAB_INODES, sizeof(*slab));
		ns->slabs = xrealloc(ns->slabs,
		    (ns->nslabs + 1) * sizeof(*ns->slabs));
		ns->slabs[ns->nslabs++] = slab;
		for (i = 0; i < SLAB_INODES; i++) {
			slab[i].hnext = ns->free_inodes;
			ns->free_inodes = &slab[i];
		}
	}
	ip = ns->free_inodes;
	ns->free_inodes = ip->hnext;
	memset(ip, 0, sizeof(*ip));
	return ip;
}

void
ns_inode_insert(struct ns *ns, struct inode *ip)
{
	size_t	 h;

	if (ns->inodes.n >= ns->inodes.mask + 1)
		HTAB_GROW(&ns->inodes, struct inode, inode_hashfn);
	h = mix64(ip->ino) & ns->inodes.mask;
	ip->hnext = ns->inodes.b[h];
	ns->inodes.b[h] = ip;
	ns->inodes.n++;
}

static void
inode_free_parts(struct inode *ip)
{
	struct xattr	*x, *nx;

	if (ns_is_dir(ip) && ip->u.dir != NULL) {
		free(ip->u.dir->sorted);
		free(ip->u.dir);
	} else if (S_ISLNK(ip->mode))
		free(ip->u.target);
	else if (ns_is_reg(ip))
		free(ip->u.chunks);
	for (x = ip->xattrs; x != NULL; x = nx) {
		nx = x->next;
		free(x);
	}
	ip->xattrs = NULL;
	ip->u.dir = NULL;
}

/* Unhashes and frees an inode (its chunks' references must be dropped by
 * the caller). */
void
ns_inode_destroy(struct ns *ns, struct inode *ip)
{
	struct inode	**pp;

	for (pp = (struct inode **)&ns->inodes.b[mix64(ip->ino) &
	    ns->inodes.mask]; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == ip) {
			*pp = ip->hnext;
			ns->inodes.n--;
			break;
		}
	}
	inode_free_parts(ip);
	ip->hnext = ns->free_inodes;
	ns->free_inodes = ip;
}

unsigned
ns_inode_replicas(const struct ns *ns, const struct inode *ip)
{
	return ip->replicas != 0 ? ip->replicas : ns->conf.replicas;
}

void
ns_fill_attr(const struct ns *ns, const struct inode *ip, struct ns_attr *a)
{
	uint64_t	 used = 0;
	size_t		 i;

	memset(a, 0, sizeof(*a));
	a->ino = ip->ino;
	a->mode = ip->mode;
	a->uid = ip->uid;
	a->gid = ip->gid;
	a->nlink = ip->nlink;
	a->size = ip->size;
	a->rdev = ip->rdev;
	a->atime = ip->atime;
	a->mtime = ip->mtime;
	a->ctime = ip->ctime;
	if (ns_is_reg(ip) && ip->u.chunks != NULL)
		for (i = 0; i < ip->u.chunks->n; i++)
			used += ip->u.chunks->v[i].len;
	a->blocks = (used + 511) / 512;
}

/* ---- entries ---------------------------------------------------------- */

struct dentry *
ns_dentry_get(struct ns *ns, uint64_t parent, const char *name)
{
	struct dentry	*de;
	size_t		 len = strlen(name);

	for (de = ns->dentries.b[dentry_hash(parent, name, len) &
	    ns->dentries.mask]; de != NULL; de = de->hnext)
		if (de->parent == parent && de->len == len &&
		    memcmp(de->name, name, len) == 0)
			return de;
	return NULL;
}

/* Adds name -> child to directory dp (no link counts change here). */
struct dentry *
ns_dentry_add(struct ns *ns, struct inode *dp, const char *name,
    struct inode *child)
{
	struct dentry	*de;
	struct dir	*d = dp->u.dir;
	size_t		 len = strlen(name), h;

	de = xmalloc(sizeof(*de) + len + 1);
	de->parent = dp->ino;
	de->child = child;
	de->len = (uint16_t)len;
	memcpy(de->name, name, len + 1);
	de->cookie = ns_cookie(name, len);
	if (ns->dentries.n >= ns->dentries.mask + 1)
		HTAB_GROW(&ns->dentries, struct dentry, dentry_hashfn);
	h = dentry_hash(de->parent, name, len) & ns->dentries.mask;
	de->hnext = ns->dentries.b[h];
	ns->dentries.b[h] = de;
	ns->dentries.n++;
	de->prev = NULL;
	de->next = d->head;
	if (d->head != NULL)
		d->head->prev = de;
	d->head = de;
	d->n++;
	d->sorted_ok = 0;
	return de;
}

void
ns_dentry_remove(struct ns *ns, struct dentry *de)
{
	struct dentry	**pp;
	struct inode	*dp = ns_inode_get(ns, de->parent);
	struct dir	*d = dp->u.dir;

	for (pp = (struct dentry **)&ns->dentries.b[dentry_hashfn(de) &
	    ns->dentries.mask]; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == de) {
			*pp = de->hnext;
			ns->dentries.n--;
			break;
		}
	}
	if (de->prev != NULL)
		de->prev->next = de->next;
	else
		d->head = de->next;
	if (de->next != NULL)
		de->next->prev = de->prev;
	d->n--;
	d->sorted_ok = 0;
	free(de);
}

/* ---- handles ------------------------------------------------------------ */

struct handle *
ns_handle_get(struct ns *ns, uint64_t fh)
{
	struct handle	*h;

	for (h = ns->handles.b[mix64(fh) & ns->handles.mask]; h != NULL;
	    h = h->hnext)
		if (h->fh == fh)
			return h;
	return NULL;
}

void
ns_handle_add(struct ns *ns, struct handle *h)
{
	size_t	 b;

	if (ns->handles.n >= ns->handles.mask + 1)
		HTAB_GROW(&ns->handles, struct handle, handle_hashfn);
	b = mix64(h->fh) & ns->handles.mask;
	h->hnext = ns->handles.b[b];
	ns->handles.b[b] = h;
	ns->handles.n++;
}

/* Unhashes and frees h. */
void
ns_handle_del(struct ns *ns, struct handle *h)
{
	struct handle	**pp;

	for (pp = (struct handle **)&ns->handles.b[mix64(h->fh) &
	    ns->handles.mask]; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == h) {
			*pp = h->hnext;
			ns->handles.n--;
			break;
		}
	}
	free(h);
}

/* ---- chunks ------------------------------------------------------------- */

/* Position of the first chunk with index >= the given one. */
size_t
ns_chunk_find(const struct chunks *c, uint64_t index)
{
	size_t	 lo = 0, hi, mid;

	if (c == NULL)
		return 0;
	hi = c->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->v[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
ns_chunk_ref(struct ns *ns, const struct inode *ip, const struct chunk *c,
    int delta)
{
	char	 hex[BLOCKID_BUFSZ];

	if (ns->hooks.block_ref == NULL)
		return;
	blockid_hex(c->id, BLOCKID_LEN, hex);
	ns->hooks.block_ref(ns->hooks.arg, hex, c->len,
	    ns_inode_replicas(ns, ip), delta);
}

int
ns_hex_to_bin(const char *hex, uint8_t *out)
{
	return blockid_parse(hex, out);
}

/* Inserts or replaces a chunk in memory; returns 1 when it replaced one
 * (copied to *old), else 0. */
int
ns_chunks_set(struct inode *ip, const struct chunk *c, struct chunk *old)
{
	struct chunks	*cs = ip->u.chunks;
	size_t		 pos, ncap;

	pos = ns_chunk_find(cs, c->index);
	if (cs != NULL && pos < cs->n && cs->v[pos].index == c->index) {
		*old = cs->v[pos];
		cs->v[pos] = *c;
		return 1;
	}
	if (cs == NULL || cs->n == cs->cap) {
		ncap = cs == NULL ? 4 : cs->cap * 2;
		cs = xrealloc(cs, sizeof(*cs) + ncap * sizeof(cs->v[0]));
		if (ip->u.chunks == NULL)
			cs->n = 0;
		cs->cap = ncap;
		ip->u.chunks = cs;
	}
	memmove(&cs->v[pos + 1], &cs->v[pos], (cs->n - pos) * sizeof(cs->v[0]));
	cs->v[pos] = *c;
	cs->n++;
	return 0;
}

/* The chunk (by position) that survives truncation to size, and its length:
 * chunks with index >= ceil(size / B) go, the one holding the end keeps
 * size - index * B bytes at most. */
void
ns_truncate_plan(const struct ns *ns, const struct chunks *cs, uint64_t size,
    size_t *keep, uint64_t *lastlen)
{
	uint64_t	 B = ns->conf.block_size;
	uint64_t	 first_gone = size / B + (size % B != 0);
	size_t		 k;

	k = ns_chunk_find(cs, first_gone);
	*keep = k;
	*lastlen = 0;
	if (k > 0 && cs->v[k - 1].index == first_gone - 1 && size % B != 0 &&
	    cs->v[k - 1].len > size % B)
		*lastlen = size % B;
}

void
ns_truncate_batch(struct ns *ns, struct ns_batch *b, const struct inode *ip,
    uint64_t size)
{
	const struct chunks	*cs = ip->u.chunks;
	struct chunk		 c;
	size_t			 keep, i;
	uint64_t		 lastlen;

	if (cs == NULL || cs->n == 0)
		return;
	if (size == 0) {
		ns_batch_del(b, ns_key_chunks(ip->ino), 1);
		return;
	}
	ns_truncate_plan(ns, cs, size, &keep, &lastlen);
	if (lastlen != 0) {
		c = cs->v[keep - 1];
		c.len = lastlen;
		ns_put_chunk(b, ip->ino, &c);
	}
	for (i = keep; i < cs->n; i++)
		ns_batch_del(b, ns_key_chunk(ip->ino, cs->v[i].index), 0);
}

void
ns_truncate_apply(struct ns *ns, struct inode *ip, uint64_t size)
{
	struct chunks	*cs = ip->u.chunks;
	size_t		 keep, i;
	uint64_t	 lastlen;

	if (cs == NULL)
		return;
	ns_truncate_plan(ns, cs, size, &keep, &lastlen);
	if (lastlen != 0)
		cs->v[keep - 1].len = lastlen;
	for (i = keep; i < cs->n; i++)
		ns_chunk_ref(ns, ip, &cs->v[i], -1);
	cs->n = keep;
}

/* ---- records ------------------------------------------------------------ */

char *
ns_key_inode(uint64_t ino)
{
	return xasprintf(EK_INODE "%016" PRIx64, ino);
}

char *
ns_key_dentry(uint64_t parent, const char *name)
{
	return xasprintf(EK_DENTRY "%016" PRIx64 "/%s", parent, name);
}

char *
ns_key_chunk(uint64_t ino, uint64_t index)
{
	return xasprintf(EK_CHUNK "%016" PRIx64 "/%016" PRIx64, ino, index);
}

char *
ns_key_chunks(uint64_t ino)
{
	return xasprintf(EK_CHUNK "%016" PRIx64 "/", ino);
}

char *
ns_key_xattr(uint64_t ino, const char *name)
{
	return xasprintf(EK_XATTR "%016" PRIx64 "/%s", ino, name);
}

char *
ns_key_xattrs(uint64_t ino)
{
	return xasprintf(EK_XATTR "%016" PRIx64 "/", ino);
}

char *
ns_key_orphan(uint64_t ino)
{
	return xasprintf(EK_ORPHAN "%016" PRIx64, ino);
}

static void
put_json(struct ns_batch *b, char *key, cJSON *o)
{
	char	*s = json_print(o);

	cJSON_Delete(o);
	ns_batch_put(b, key, s, strlen(s));
}

/*
 * The inode record (fs/i/<ino>): {"mode":n,"uid":n,"gid":n,"nlink":n,
 * "size":"n","rdev":"n","atime":"ns","mtime":"ns","ctime":"ns",
 * "parent":"ino" (directories),"target":"..." (symlinks),"replicas":n (when
 * set)}.
 */
void
ns_put_inode(struct ns_batch *b, const struct inode *ip, uint64_t dir_parent)
{
	cJSON	*o = json_new_object();

	json_add_uint(o, JF_MODE, ip->mode);
	json_add_uint(o, JF_UID, ip->uid);
	json_add_uint(o, JF_GID, ip->gid);
	json_add_uint(o, JF_NLINK, ip->nlink);
	json_add_u64(o, JF_SIZE, ip->size);
	json_add_u64(o, JF_RDEV, ip->rdev);
	json_add_i64(o, JF_ATIME, ip->atime);
	json_add_i64(o, JF_MTIME, ip->mtime);
	json_add_i64(o, JF_CTIME, ip->ctime);
	if (ns_is_dir(ip))
		json_add_u64(o, JF_PARENT, dir_parent);
	if (S_ISLNK(ip->mode))
		json_add_str(o, JF_TARGET, ip->u.target);
	if (ip->replicas != 0)
		json_add_uint(o, JF_REPLICAS, ip->replicas);
	put_json(b, ns_key_inode(ip->ino), o);
}

/* The entry record (fs/d/<parent>/<name>): the child as 16 hex digits. */
void
ns_put_dentry(struct ns_batch *b, uint64_t parent, const char *name,
    uint64_t child)
{
	char	*v = xasprintf("%016" PRIx64, child);

	ns_batch_put(b, ns_key_dentry(parent, name), v, strlen(v));
}

/* The chunk record (fs/c/<ino>/<index>): {"id":"<hex>","len":"n"}. */
void
ns_put_chunk(struct ns_batch *b, uint64_t ino, const struct chunk *c)
{
	cJSON	*o = json_new_object();
	char	 hex[BLOCKID_BUFSZ];

	blockid_hex(c->id, BLOCKID_LEN, hex);
	json_add_str(o, JF_ID, hex);
	json_add_u64(o, JF_LEN, c->len);
	put_json(b, ns_key_chunk(ino, c->index), o);
}

void
ns_del_inode_all(struct ns_batch *b, uint64_t ino)
{
	ns_batch_del(b, ns_key_inode(ino), 0);
	ns_batch_del(b, ns_key_chunks(ino), 1);
	ns_batch_del(b, ns_key_xattrs(ino), 1);
	ns_batch_del(b, ns_key_orphan(ino), 0);
}

/*
 * The orphan record (fs/o/<ino>): {"handles":[{"session":"n","fh":"n"}]},
 * the open handles of an inode that lost its last name.  skip is a handle
 * about to go, extra one about to come.  Without handles it is deleted.
 */
void
ns_put_orphan(struct ns *ns, struct ns_batch *b, uint64_t ino,
    const struct handle *skip, const struct handle *extra)
{
	cJSON		*o, *arr, *e;
	struct handle	*h;
	size_t		 i, n = 0;

	o = json_new_object();
	arr = json_new_array();
	cJSON_AddItemToObject(o, "handles", arr);
	for (i = 0; i <= ns->handles.mask; i++) {
		for (h = ns->handles.b[i]; h != NULL; h = h->hnext) {
			if (h->ino != ino || h == skip)
				continue;
			e = json_new_object();
			json_add_u64(e, JF_SESSION, h->session);
			json_add_u64(e, JF_FH, h->fh);
			cJSON_AddItemToArray(arr, e);
			n++;
		}
	}
	if (extra != NULL) {
		e = json_new_object();
		json_add_u64(e, JF_SESSION, extra->session);
		json_add_u64(e, JF_FH, extra->fh);
		cJSON_AddItemToArray(arr, e);
		n++;
	}
	if (n == 0) {
		cJSON_Delete(o);
		ns_batch_del(b, ns_key_orphan(ino), 0);
		return;
	}
	put_json(b, ns_key_orphan(ino), o);
}

/* ---- batches ------------------------------------------------------------ */

static void
batch_add(struct ns_batch *b, int del, int prefix, char *key, char *val,
    size_t len)
{
	if (b->n == b->cap) {
		b->cap = b->cap == 0 ? 8 : b->cap * 2;
		b->ops = xrealloc(b->ops, b->cap * sizeof(*b->ops));
	}
	b->ops[b->n].del = del;
	b->ops[b->n].prefix = prefix;
	b->ops[b->n].key = key;
	b->ops[b->n].val = val;
	b->ops[b->n].len = len;
	b->n++;
}

void
ns_batch_put(struct ns_batch *b, char *key, char *val, size_t len)
{
	batch_add(b, 0, 0, key, val, len);
}

void
ns_batch_del(struct ns_batch *b, char *key, int prefix)
{
	batch_add(b, 1, prefix, key, NULL, 0);
}

void
ns_batch_release(struct ns_batch *b)
{
	size_t	 i;

	for (i = 0; i < b->n; i++) {
		free(b->ops[i].key);
		free(b->ops[i].val);
	}
	free(b->ops);
	b->ops = NULL;
	b->n = b->cap = 0;
}

/* ---- life cycle -------------------------------------------------------- */

static struct inode *
make_root(struct ns *ns)
{
	struct inode	*ip = ns_inode_alloc(ns);

	ip->ino = MDFS_ROOT_INO;
	ip->mode = S_IFDIR | 0755;
	ip->nlink = 2;
	ip->atime = ip->mtime = ip->ctime = ns_now();
	ip->u.dir = xcalloc(1, sizeof(*ip->u.dir));
	ip->u.dir->parent = MDFS_ROOT_INO;
	ns_inode_insert(ns, ip);
	return ip;
}

struct ns *
ns_new(const struct ns_config *conf, const struct ns_hooks *hooks)
{
	struct ns	*ns = xcalloc(1, sizeof(*ns));

	ns->conf = *conf;
	if (ns->conf.block_size == 0)
		ns->conf.block_size = MDFS_BLOCK_SIZE_DEFAULT;
	if (ns->conf.replicas == 0)
		ns->conf.replicas = MDFS_REPLICAS_DEFAULT;
	if (ns->conf.max_txn_ops == 0)
		ns->conf.max_txn_ops = 128;
	if (hooks != NULL)
		ns->hooks = *hooks;
	pthread_mutex_init(&ns->mu, NULL);
	pthread_rwlock_init(&ns->rw, NULL);
	pthread_mutex_init(&ns->sort_mu, NULL);
	ns_commit_init(ns);
	htab_init(&ns->inodes);
	htab_init(&ns->dentries);
	htab_init(&ns->handles);
	ns->next_ino = MDFS_ROOT_INO + 1;
	ns->ino_limit = ns->next_ino;
	ns->next_fh = 1;
	make_root(ns);
	return ns;
}

void
ns_free(struct ns *ns)
{
	size_t		 i;
	struct dentry	*de, *nde;
	struct handle	*h, *nh;
	struct inode	*ip;

	if (ns == NULL)
		return;
	for (i = 0; i <= ns->dentries.mask; i++)
		for (de = ns->dentries.b[i]; de != NULL; de = nde) {
			nde = de->hnext;
			free(de);
		}
	for (i = 0; i <= ns->handles.mask; i++)
		for (h = ns->handles.b[i]; h != NULL; h = nh) {
			nh = h->hnext;
			free(h);
		}
	for (i = 0; i <= ns->inodes.mask; i++)
		for (ip = ns->inodes.b[i]; ip != NULL; ip = ip->hnext)
			inode_free_parts(ip);
	for (i = 0; i < ns->nslabs; i++)
		free(ns->slabs[i]);
	free(ns->slabs);
	free(ns->inodes.b);
	free(ns->dentries.b);
	free(ns->handles.b);
	pthread_mutex_destroy(&ns->mu);
	pthread_rwlock_destroy(&ns->rw);
	pthread_mutex_destroy(&ns->sort_mu);
	ns_commit_destroy(ns);
	free(ns);
}

void
ns_swap(struct ns *a, struct ns *b)
{
	struct ns	 t;

	pthread_mutex_lock(&a->mu);
	ns_commit_reset(a);
	pthread_rwlock_wrlock(&a->rw);
	pthread_mutex_lock(&a->sort_mu);
	t = *a;
	a->inodes = b->inodes;
	a->dentries = b->dentries;
	a->handles = b->handles;
	a->free_inodes = b->free_inodes;
	a->slabs = b->slabs;
	a->nslabs = b->nslabs;
	a->next_ino = b->next_ino;
	a->ino_limit = b->ino_limit;
	a->next_fh = b->next_fh;
	a->root_loaded = b->root_loaded;
	b->inodes = t.inodes;
	b->dentries = t.dentries;
	b->handles = t.handles;
	b->free_inodes = t.free_inodes;
	b->slabs = t.slabs;
	b->nslabs = t.nslabs;
	pthread_mutex_unlock(&a->sort_mu);
	pthread_rwlock_unlock(&a->rw);
	pthread_mutex_unlock(&a->mu);
}

void
ns_set_handle_base(struct ns *ns, uint64_t base)
{
	pthread_mutex_lock(&ns->mu);
	ns->conf.handle_base = base;
	ns->next_fh = 1;
	pthread_mutex_unlock(&ns->mu);
}

uint64_t
ns_block_size(const struct ns *ns)
{
	return ns->conf.block_size;
}

/* The directory ino, or NULL with *err (-ENOENT, -ENOTDIR). */
struct inode *
ns_get_dir(struct ns *ns, uint64_t ino, int *err)
{
	struct inode	*ip = ns_inode_get(ns, ino);

	if (ip == NULL) {
		*err = -ENOENT;
		return NULL;
	}
	if (!ns_is_dir(ip)) {
		*err = -ENOTDIR;
		return NULL;
	}
	return ip;
}

struct xattr *
ns_xattr_find(struct inode *ip, const char *name, struct xattr ***pp)
{
	struct xattr	**xp;

	for (xp = &ip->xattrs; *xp != NULL; xp = &(*xp)->next)
		if (strcmp((*xp)->data, name) == 0) {
			if (pp != NULL)
				*pp = xp;
			return *xp;
		}
	return NULL;
}
