/*
 * ns_impl: the namespace's private structures, shared by ns.c (tables,
 * records), ns_read.c (reads), ns_ops.c and ns_attr.c (mutations) and
 * ns_load.c (loading).  Nothing else includes it.
 *
 * Locking: ns->mu serializes mutations from their first check to their
 * apply; ns->rw guards the state (readers hold it shared, a mutation takes
 * it exclusive only to apply a committed change).  A mutation may read the
 * state without ns->rw because only mutations write it and they hold ns->mu.
 * ns->sort_mu guards the per-directory readdir index (rebuilt by readers).
 */
#ifndef MINIDFS_NS_IMPL_H
#define MINIDFS_NS_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "server/meta/ns.h"

struct xattr {
	struct xattr	*next;
	uint32_t	 nlen;		/* name bytes */
	uint32_t	 vlen;		/* value bytes */
	char		 data[];	/* name, NUL, value, NUL */
};

struct chunk {
	uint64_t	 index;
	uint64_t	 len;
	uint8_t		 id[BLOCKID_LEN];
};

/* A regular file's block map, sorted by index. */
struct chunks {
	size_t		 n;
	size_t		 cap;
	struct chunk	 v[];
};

struct dentry {
	struct dentry	*hnext;		/* dentry hash chain */
	struct dentry	*prev;		/* the directory's list */
	struct dentry	*next;
	uint64_t	 parent;
	struct inode	*child;
	uint64_t	 cookie;
	uint16_t	 len;
	char		 name[];
};

struct dir {
	uint64_t	 parent;	/* ".." (the root: itself) */
	struct dentry	*head;
	size_t		 n;
	/* readdir index, sorted by (cookie, name): rebuilt under sort_mu
	 * by a reader, invalidated (sorted_ok = 0) under the write lock */
	struct dentry	**sorted;
	size_t		 nsorted;
	int		 sorted_ok;	/* cleared under the write lock */
};

struct inode {
	struct inode	*hnext;		/* inode hash chain; free list */
	uint64_t	 ino;
	uint32_t	 mode, uid, gid, nlink;
	uint64_t	 size;		/* symlinks: target length */
	uint64_t	 rdev;
	int64_t		 atime, mtime, ctime;
	uint32_t	 nopen;		/* open handles */
	uint32_t	 nref;		/* entries naming it (loading only) */
	uint8_t		 replicas;	/* 0: cluster default */
	union {
		struct dir	*dir;
		struct chunks	*chunks;	/* files, may be NULL */
		char		*target;	/* symlinks */
	} u;
	struct xattr	*xattrs;
};

struct handle {
	struct handle	*hnext;
	uint64_t	 fh;
	uint64_t	 session;
	uint64_t	 ino;
};

struct htab {
	void		**b;
	size_t		 mask;		/* buckets - 1 */
	size_t		 n;
};

#define SLAB_INODES	1024	/* inodes per slab allocation */

struct ns {
	struct ns_config conf;
	struct ns_hooks	 hooks;
	pthread_mutex_t	 mu;		/* mutations */
	pthread_rwlock_t rw;		/* state */
	pthread_mutex_t	 sort_mu;	/* dir->sorted */
	struct htab	 inodes;	/* ino -> struct inode */
	struct htab	 dentries;	/* (parent, name) -> struct dentry */
	struct htab	 handles;	/* fh -> struct handle */
	struct inode	*free_inodes;	/* slab free list */
	void		**slabs;
	size_t		 nslabs;
	uint64_t	 next_ino;	/* next inode number to hand out */
	uint64_t	 ino_limit;	/* first number not reserved in etcd */
	uint64_t	 next_fh;
	int		 root_loaded;	/* loading: the root came from etcd */
	uint64_t	 mut_seq;	/* the running mutation's batch; ns->mu */

	/* group commit (ns_commit.c), protected by gc_mu */
	pthread_mutex_t	 gc_mu;
	pthread_cond_t	 gc_cond;
	struct ns_batch	 pending;	/* ops of queued mutations, in order */
	size_t		*marks;		/* first op of each queued mutation */
	size_t		 nmarks, capmarks;
	uint64_t	 queued_seq;	/* mutations queued */
	uint64_t	 durable_seq;	/* mutations committed */
	uint64_t	 epoch;		/* bumped by ns_swap */
	int		 committing;
	int		 poisoned;	/* -errno of a failed commit, or 0 */
};

/* ns.c internals used by ns_ops.c and ns_load.c */
struct inode	*ns_get_dir(struct ns *, uint64_t ino, int *err);
struct xattr	*ns_xattr_find(struct inode *, const char *name,
		    struct xattr ***pp);
/* Truncation to size: chunks from position *keep on go; the one before
 * keeps *lastlen bytes when that is not 0. */
void		 ns_truncate_plan(const struct ns *, const struct chunks *,
		    uint64_t size, size_t *keep, uint64_t *lastlen);
int64_t		 ns_now(void);
struct inode	*ns_inode_get(struct ns *, uint64_t ino);
struct dentry	*ns_dentry_get(struct ns *, uint64_t parent, const char *name);
struct inode	*ns_inode_alloc(struct ns *);
void		 ns_inode_insert(struct ns *, struct inode *);
void		 ns_inode_destroy(struct ns *, struct inode *);
struct dentry	*ns_dentry_add(struct ns *, struct inode *dir, const char *name,
		    struct inode *child);
void		 ns_dentry_remove(struct ns *, struct dentry *);
void		 ns_fill_attr(const struct ns *, const struct inode *,
		    struct ns_attr *);
unsigned	 ns_inode_replicas(const struct ns *, const struct inode *);
/* Group commit (ns_commit.c).  ns_commit_batch queues a mutation's batch
 * (caller holds ns->mu; the batch is taken over and emptied); the change
 * is then applied in memory, and ns_mut_end(ns, rc) unlocks ns->mu and
 * waits until the batch (or, for a mutation without one, everything
 * queued before) is durable.  Returns rc, or the commit's error.  Readers
 * take ns_queued_seq() under the read lock and ns_wait_durable() after. */
int		 ns_commit_batch(struct ns *, struct ns_batch *);
int		 ns_mut_end(struct ns *, int rc);
uint64_t	 ns_queued_seq(struct ns *);
int		 ns_wait_durable(struct ns *, uint64_t seq);
void		 ns_commit_init(struct ns *);
void		 ns_commit_destroy(struct ns *);
/* Waits for a running commit, drops the queue, clears the poison. */
void		 ns_commit_reset(struct ns *);
void		 ns_chunk_ref(struct ns *, const struct inode *,
		    const struct chunk *, int delta);
int		 ns_hex_to_bin(const char *hex, uint8_t *out);
int		 ns_chunks_set(struct inode *, const struct chunk *,
		    struct chunk *old);
size_t		 ns_chunk_find(const struct chunks *, uint64_t index);
uint64_t	 ns_cookie(const char *name, size_t len);
int		 ns_is_dir(const struct inode *);
int		 ns_is_reg(const struct inode *);
struct handle	*ns_handle_get(struct ns *, uint64_t fh);
void		 ns_handle_add(struct ns *, struct handle *);
void		 ns_handle_del(struct ns *, struct handle *);

/* ns_ops.c helpers used by ns_attr.c */
const struct ns_cred *ns_cred_or_root(const struct ns_cred *);
int		 ns_in_group(const struct ns_cred *, uint32_t gid);
int		 ns_may_write(const struct ns_cred *, const struct inode *);
uint64_t	 ns_dir_parent(const struct inode *);
int		 ns_session_ok(struct ns *, uint64_t session);

/* records (keys and values of common/protocol.h's fs/ keys); malloc'ed */
char		*ns_key_inode(uint64_t ino);
char		*ns_key_dentry(uint64_t parent, const char *name);
char		*ns_key_chunk(uint64_t ino, uint64_t index);
char		*ns_key_chunks(uint64_t ino);	/* prefix of all chunks */
char		*ns_key_xattr(uint64_t ino, const char *name);
char		*ns_key_xattrs(uint64_t ino);	/* prefix */
char		*ns_key_orphan(uint64_t ino);
/* Adds the put of ino's record; dir_parent is a directory's parent. */
void		 ns_put_inode(struct ns_batch *, const struct inode *,
		    uint64_t dir_parent);
void		 ns_put_dentry(struct ns_batch *, uint64_t parent,
		    const char *name, uint64_t child);
void		 ns_put_chunk(struct ns_batch *, uint64_t ino,
		    const struct chunk *);
/* Deletes every key of an inode (record, chunks, xattrs, orphan mark). */
void		 ns_del_inode_all(struct ns_batch *, uint64_t ino);
/* Puts (or deletes, without handles) ino's orphan record. */
void		 ns_put_orphan(struct ns *, struct ns_batch *, uint64_t ino,
		    const struct handle *skip, const struct handle *extra);
/* Removes the inode's chunks at and past index first_gone and shortens
 * the one holding the new end, in memory; drops their references. */
void		 ns_truncate_apply(struct ns *, struct inode *, uint64_t size);
/* Adds the key changes of truncating ino to size. */
void		 ns_truncate_batch(struct ns *, struct ns_batch *,
		    const struct inode *, uint64_t size);

#endif /* MINIDFS_NS_IMPL_H */
