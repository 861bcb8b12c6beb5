/*
 * ns: the metaserver's namespace in memory -- inodes, directory entries,
 * block maps, xattrs, open handles and orphans -- and the POSIX rules that
 * govern them.  The leader keeps it for reads and writes every change
 * through to a store; nothing is answered before the store holds it:
 *
 *   1. a mutation checks its arguments against the current state (under the
 *      mutation mutex, so no other mutation runs meanwhile);
 *   2. it describes the change as a batch of key puts/deletes (struct
 *      ns_batch, etcd keys of common/protocol.h), queues it for the store's
 *      commit hook (nsstore.c: fenced etcd txns) and applies the change in
 *      memory under the write lock;
 *   3. it leaves the mutex and waits until its batch is committed: batches
 *      queued meanwhile by other mutations go into the same txn (group
 *      commit, ns_commit.c).  Readers (lookup, getattr, readdir, ...) take
 *      the read lock and then also wait for the batches queued when they
 *      read, so no answer ever shows a change etcd may not hold.
 * A failed commit leaves memory ahead of etcd: the namespace is poisoned
 * (every call fails, -EAGAIN) until ns_swap() installs a reloaded one; the
 * store steps the leader down on such a failure.  With a NULL commit hook
 * (unit tests) every batch is durable at once.
 *
 * Inode numbers are never reused (a counter persisted in etcd in batches of
 * NS_INO_BATCH, advanced inside the txn that first needs a new batch), so a
 * generation is not needed; it is reported as 0.
 *
 * Thread-safety: every function may be called from any thread.  Lock order:
 * ns -> cluster -> sessions -> locks; block_ref and session_valid are
 * called with ns locks held, commit without them (by whichever waiting
 * thread commits); no hook may call back into ns.
 */
#ifndef MINIDFS_NS_H
#define MINIDFS_NS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/blockid.h"

struct ns;

#define NS_INO_BATCH	1024	/* inode numbers reserved per etcd write */
#define NS_GROUPS_MAX	64	/* supplementary groups of a caller */

/* One key change of a batch; keys relative to the etcd prefix. */
struct ns_op {
	int		 del;		/* 1: delete key (prefix: all under it) */
	int		 prefix;
	char		*key;		/* malloc'ed */
	char		*val;		/* malloc'ed, puts only */
	size_t		 len;
};

/* The keys one mutation changes, in the order they may be written when the
 * batch is too large for one txn (see nsstore.c). */
struct ns_batch {
	struct ns_op	*ops;
	size_t		 n;
	size_t		 cap;
};

struct ns_hooks {
	/* Persists a batch (etcd txn with the leader's fence): at most
	 * max_txn_ops conflict-free ops, or one mutation's larger batch.
	 * Returns 0 or -errno (the namespace is then poisoned).  NULL: the
	 * batches are dropped, every change counts as durable. */
	int		(*commit)(void *arg, const struct ns_batch *);
	/* cluster_block_ref; NULL: ignored. */
	void		(*block_ref)(void *arg, const char *blockid,
			    uint64_t size, unsigned replicas, int delta);
	/* sessions_valid; NULL: every session is valid. */
	int		(*session_valid)(void *arg, uint64_t session);
	void		*arg;
};

struct ns_config {
	uint64_t	 block_size;	/* bytes per chunk */
	unsigned	 replicas;	/* cluster default */
	uint64_t	 handle_base;	/* first file handle (unique per leader
					 * term: e.g. the fencing revision << 24) */
	size_t		 max_txn_ops;	/* ops per etcd txn; 0: 128 */
};

/* The caller of a request (the FUSE request's credentials). */
struct ns_cred {
	uint32_t	 uid;
	uint32_t	 gid;
	uint32_t	 groups[NS_GROUPS_MAX];
	size_t		 ngroups;
};

struct ns_attr {
	uint64_t	 ino;
	uint32_t	 mode;
	uint32_t	 uid;
	uint32_t	 gid;
	uint32_t	 nlink;
	uint64_t	 size;
	uint64_t	 rdev;
	uint64_t	 blocks;	/* 512-byte units */
	int64_t		 atime;		/* ns since the epoch */
	int64_t		 mtime;
	int64_t		 ctime;
};

/* setattr: which fields to set */
#define NS_SET_MODE		0x01u
#define NS_SET_UID		0x02u
#define NS_SET_GID		0x04u
#define NS_SET_SIZE		0x08u
#define NS_SET_ATIME		0x10u
#define NS_SET_MTIME		0x20u
#define NS_SET_ATIME_NOW	0x40u
#define NS_SET_MTIME_NOW	0x80u

struct ns_setattr {
	unsigned	 valid;
	uint32_t	 mode;
	uint32_t	 uid;
	uint32_t	 gid;
	uint64_t	 size;
	int64_t		 atime;
	int64_t		 mtime;
};

/* One chunk given to ns_commit. */
struct ns_chunk_in {
	uint64_t	 index;
	uint64_t	 len;
	char		 id[BLOCKID_BUFSZ];
};

/* A new, empty namespace holding only the root directory (mode 0755, uid
 * and gid 0).  hooks may be NULL.  Never NULL (aborts on OOM). */
struct ns	*ns_new(const struct ns_config *, const struct ns_hooks *);
void		 ns_free(struct ns *);
/* Moves b's contents (a freshly loaded namespace) into a and a's old
 * contents into b (to be ns_free()d), under a's locks: pointers to a stay
 * valid for concurrent callers.  Both must have the same config and hooks. */
void		 ns_swap(struct ns *a, struct ns *b);
/* Replaces the handle base (a new leader term) */
void		 ns_set_handle_base(struct ns *, uint64_t base);
uint64_t	 ns_block_size(const struct ns *);

/* ---- reads: 0 or -errno ------------------------------------------------ */

/* ENOENT, ENOTDIR, ENAMETOOLONG/EINVAL (name). */
int	 ns_lookup(struct ns *, uint64_t parent, const char *name,
	    struct ns_attr *);
int	 ns_getattr(struct ns *, uint64_t ino, struct ns_attr *);
/* *target is malloc'ed (caller frees). ENOENT, EINVAL (not a symlink). */
int	 ns_readlink(struct ns *, uint64_t ino, char **target);
/* Calls cb for the entries after cookie (0: from the start, "." and ".."
 * first), at most limit, never splitting entries with the same cookie;
 * *eof = 1 when the directory has no more.  cb returns 0 to go on, nonzero
 * to stop (that entry is then not counted as delivered).  ENOENT, ENOTDIR. */
typedef int (*ns_readdir_cb)(const char *name, uint64_t cookie,
    const struct ns_attr *, void *arg);
int	 ns_readdir(struct ns *, uint64_t ino, uint64_t cookie, size_t limit,
	    ns_readdir_cb cb, void *arg, int *eof);
/* *value malloc'ed (may be empty, never NULL on success). ENOENT, ENODATA,
 * ERANGE (bad name). */
int	 ns_getxattr(struct ns *, uint64_t ino, const char *name,
	    char **value, size_t *len);
/* Calls cb for each name. ENOENT. */
int	 ns_listxattr(struct ns *, uint64_t ino,
	    void (*cb)(const char *name, void *arg), void *arg);
/* Chunks among [first, first + count) in index order; *size gets the file
 * size, *replicas its replication.  ENOENT, EISDIR, EINVAL (not a file). */
typedef void (*ns_chunk_cb)(uint64_t index, const char *blockid,
    uint64_t len, void *arg);
int	 ns_blockmap(struct ns *, uint64_t ino, uint64_t first, uint64_t count,
	    ns_chunk_cb cb, void *arg, uint64_t *size, unsigned *replicas);
/* The file's replication and size.  ENOENT, EISDIR, EINVAL. */
int	 ns_file_info(struct ns *, uint64_t ino, unsigned *replicas,
	    uint64_t *size);

/* ---- mutations: 0 or -errno; the store's error when it failed ---------- */

int	 ns_setattr(struct ns *, uint64_t ino, const struct ns_setattr *,
	    const struct ns_cred *, struct ns_attr *);
/*
 * A read or listing of ino (protocol.h, the atime route): sets its atime,
 * and nothing else (not ctime), to now when relatime_due() says so, under
 * the same lock as every other mutation, so the rule sees the current
 * attributes and atime never moves backwards.  *touched (may be NULL): 1
 * when atime was written.  *attr: the attributes after.  ENOENT.
 */
int	 ns_touch_atime(struct ns *, uint64_t ino, int strict, int *touched,
	    struct ns_attr *);
/* mode carries the type (0: S_IFREG) and permission bits. */
int	 ns_mknod(struct ns *, uint64_t parent, const char *name,
	    uint32_t mode, uint64_t rdev, const struct ns_cred *,
	    struct ns_attr *);
int	 ns_mkdir(struct ns *, uint64_t parent, const char *name,
	    uint32_t mode, const struct ns_cred *, struct ns_attr *);
int	 ns_symlink(struct ns *, uint64_t parent, const char *name,
	    const char *target, const struct ns_cred *, struct ns_attr *);
/* flags: open(2) flags (O_EXCL, O_TRUNC, O_ACCMODE). */
int	 ns_create(struct ns *, uint64_t parent, const char *name,
	    uint32_t mode, int flags, uint64_t session,
	    const struct ns_cred *, struct ns_attr *, uint64_t *fh,
	    int *created);
int	 ns_link(struct ns *, uint64_t ino, uint64_t parent, const char *name,
	    struct ns_attr *);
int	 ns_unlink(struct ns *, uint64_t parent, const char *name,
	    const struct ns_cred *);
int	 ns_rmdir(struct ns *, uint64_t parent, const char *name,
	    const struct ns_cred *);
#define NS_RENAME_NOREPLACE	1u	/* RENAME_NOREPLACE of <linux/fs.h> */
#define NS_RENAME_EXCHANGE	2u	/* RENAME_EXCHANGE */
int	 ns_rename(struct ns *, uint64_t parent, const char *name,
	    uint64_t newparent, const char *newname, unsigned flags,
	    const struct ns_cred *);
#define NS_XATTR_CREATE		1	/* XATTR_CREATE of <sys/xattr.h> */
#define NS_XATTR_REPLACE	2	/* XATTR_REPLACE */
int	 ns_setxattr(struct ns *, uint64_t ino, const char *name,
	    const void *value, size_t len, int flags);
int	 ns_removexattr(struct ns *, uint64_t ino, const char *name);
int	 ns_open(struct ns *, uint64_t ino, int flags, uint64_t session,
	    uint64_t *fh, struct ns_attr *);
int	 ns_release(struct ns *, uint64_t ino, uint64_t fh, uint64_t session);
/* has_mtime = 0: now.  EINVAL (chunk outside the size / block size, bad
 * id), EFBIG, ENOENT, EISDIR, ESRCH. */
int	 ns_commit(struct ns *, uint64_t ino, uint64_t session, uint64_t size,
	    int has_mtime, int64_t mtime, const struct ns_chunk_in *,
	    size_t nchunks, struct ns_attr *);
/* The setattr fields a commit may carry (the mtime is the commit's own). */
#define NS_COMMIT_SET	(NS_SET_MODE | NS_SET_UID | NS_SET_GID | \
			 NS_SET_ATIME | NS_SET_ATIME_NOW)
/* ns_commit that also applies sa (NULL: none; only NS_COMMIT_SET bits,
 * else EINVAL) in the same store write, as ns_setattr does with root's
 * authority: mode keeps the file type, uid/gid without mode clear S_ISUID
 * (and S_ISGID when S_IXGRP).  On any error nothing changes. */
int	 ns_commit_attr(struct ns *, uint64_t ino, uint64_t session,
	    uint64_t size, int has_mtime, int64_t mtime,
	    const struct ns_chunk_in *, size_t nchunks,
	    const struct ns_setattr *sa, struct ns_attr *);

/* ---- for meta-cluster and the status page -------------------------------- */

/* Drops the session's handles; orphans left without a handle are reclaimed
 * (one store commit each; on failure they stay for the next leader). */
void	 ns_session_gone(struct ns *, uint64_t session);
/* Drops every handle whose session is no longer valid (session_valid hook)
 * the same way: after a takeover, once the sessions are loaded. */
void	 ns_sweep_sessions(struct ns *);
void	 ns_stats(struct ns *, uint64_t *inodes, uint64_t *files,
	    uint64_t *dirs, uint64_t *bytes);
/* Calls cb for every chunk of every file, under the read lock. */
void	 ns_foreach_chunk(struct ns *, void (*cb)(uint64_t ino, uint64_t index,
	    const char *blockid, uint64_t len, void *arg), void *arg);

/* ---- loading (nsstore.c) ---------------------------------------------- */

/* The loader builds a fresh namespace from stored records, in any order
 * within each kind but kinds in this order: inodes, dentries, chunks,
 * xattrs, orphans; then ns_load_finish.  Each returns 0 or -EUCLEAN for a
 * record it cannot use (which the loader logs and skips). */
struct ns_load_inode {
	uint64_t	 ino;
	uint32_t	 mode, uid, gid, nlink;
	uint64_t	 size, rdev, parent;
	int64_t		 atime, mtime, ctime;
	unsigned	 replicas;	/* 0: default */
	const char	*target;	/* symlinks */
};
int	 ns_load_inode(struct ns *, const struct ns_load_inode *);
int	 ns_load_dentry(struct ns *, uint64_t parent, const char *name,
	    uint64_t child);
int	 ns_load_chunk(struct ns *, uint64_t ino, uint64_t index,
	    const char *blockid, uint64_t len);
int	 ns_load_xattr(struct ns *, uint64_t ino, const char *name,
	    const void *value, size_t len);
int	 ns_load_orphan_handle(struct ns *, uint64_t ino, uint64_t session,
	    uint64_t fh);
/* Checks the loaded records: inodes no entry reaches and that are not
 * orphans, entries to missing inodes, chunks past the size, orphans whose
 * sessions are gone.  Fixes memory and puts the etcd deletes that make the
 * store agree into cleanup (caller commits it, then releases it).  Sets the
 * inode counter from next_ino (0: unknown) and the loaded maximum, replays
 * block_ref +1 for every chunk.  Returns 0 or -EUCLEAN (no root). */
int	 ns_load_finish(struct ns *, uint64_t next_ino, struct ns_batch *cleanup);
/* While loading, after the inodes: the directories' inode numbers in
 * ascending order (*inos malloc'ed, caller frees), their count. */
size_t	 ns_load_dirs(struct ns *, uint64_t **inos);

/* ---- batches and records -------------------------------------------- */

void	 ns_batch_put(struct ns_batch *, char *key, char *val, size_t len);
void	 ns_batch_del(struct ns_batch *, char *key, int prefix);
void	 ns_batch_release(struct ns_batch *);

#endif /* MINIDFS_NS_H */
