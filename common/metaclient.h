/*
 * metaclient: the client side of the metaserver's filesystem routes
 * (common/protocol.h, "metaserver filesystem routes" and the session and lock
 * routes), shared by the mount daemon (fuse/) and minidfs-admin (cli/).  Each
 * call is one function that builds the JSON request, sends it and decodes
 * the answer into plain C structs, so the callers never see JSON.
 *
 * Transport: common/metaconn (shared with the command line tools) follows
 * a standby's 307 to the leader, fails over between the metaservers of the
 * SOURCE list and bounds every call by the retry time given at creation;
 * then it returns -ETIMEDOUT (no answer) or -EIO.  An answer with an error
 * status is returned as its negative errno and never retried.  Calls that
 * carry the session and get ESRCH (the session expired while every
 * metaserver was away) open a new session and are sent once more.
 *
 * Thread-safe (metaconn's pool and locks; the session id is atomic).  Results are written to caller-owned structs; arrays
 * returned through pointers are malloc'ed and freed with the matching
 * *_free function.
 */
#ifndef MINIDFS_METACLIENT_H
#define MINIDFS_METACLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/blockid.h"
#include "common/protocol.h"
#include "common/token.h"

struct metaclient;
struct statvfs;

#define MC_GROUPS_MAX		32	/* supplementary groups sent as caller */

/* Attributes of an inode (the protocol's attr object).  Times in ns. */
struct mc_attr {
	uint64_t	 ino;
	uint64_t	 size;
	uint64_t	 rdev;
	uint64_t	 blocks;	/* 512-byte units */
	uint64_t	 generation;
	uint32_t	 mode;
	uint32_t	 uid;
	uint32_t	 gid;
	uint32_t	 nlink;
	uint32_t	 blksize;
	int64_t		 atime;
	int64_t		 mtime;
	int64_t		 ctime;
};

/* The credentials of a FUSE request, sent as "caller". */
struct mc_caller {
	uint32_t	 uid;
	uint32_t	 gid;
	size_t		 ngroups;
	uint32_t	 groups[MC_GROUPS_MAX];
};

/* setattr: a field is sent when its bit is in `set`. */
#define MC_SET_MODE		0x01u
#define MC_SET_UID		0x02u
#define MC_SET_GID		0x04u
#define MC_SET_SIZE		0x08u
#define MC_SET_ATIME		0x10u
#define MC_SET_MTIME		0x20u
#define MC_SET_ATIME_NOW	0x40u
#define MC_SET_MTIME_NOW	0x80u
struct mc_setattr {
	unsigned	 set;
	uint32_t	 mode, uid, gid;
	uint64_t	 size;
	int64_t		 atime, mtime;	/* ns */
};

/* A replica of a block. */
struct mc_loc {
	char	 id[MDFS_NODE_ID_MAX + 1];
	char	 addr[MDFS_ADDR_MAX];
};

/* A chunk of a block map, or a block being written: id and length, where
 * to find it (best first) and the block token ("" without a secret). */
struct mc_chunk {
	uint64_t	 index;
	uint64_t	 len;
	char		 id[BLOCKID_BUFSZ];
	char		 token[TOKEN_MAX_LEN];
	size_t		 nloc;
	struct mc_loc	 loc[MDFS_MAX_CHAIN];
};

/* A block map as a metaserver answer carries it (protocol.h, blockmap):
 * the chunks present, in index order.  Filled by mc_open_map; chunks is
 * malloc'ed and owned by the struct: mc_map_release() frees it. */
struct mc_map {
	int		 valid;		/* 0: the answer carried no map */
	uint64_t	 size;		/* the file size the map belongs to */
	uint64_t	 block_size;	/* 0 when the answer did not say */
	struct mc_chunk	*chunks;	/* n of them, or NULL */
	size_t		 n;
};

/* A chunk to commit: stored lists the dataserver ids that hold it. */
struct mc_commit {
	uint64_t	 index;
	uint64_t	 len;
	char		 id[BLOCKID_BUFSZ];
	size_t		 nstored;
	char		 stored[MDFS_MAX_CHAIN][MDFS_NODE_ID_MAX + 1];
};

struct mc_dirent {
	char		*name;		/* malloc'ed */
	uint64_t	 cookie;
	struct mc_attr	 attr;
};

struct mc_info {
	uint64_t	 block_size;
	uint32_t	 replicas;
	uint64_t	 root;
	uint32_t	 name_max;
};

/* Creates a client for the metaservers in source ("h:p[,h:p...]", checked
 * by metaconn_parse_list).  secret
 * (may be NULL; copied) signs HTTP_HDR_AUTH.  retry_ms bounds each call's
 * retries, timeout_ms each HTTP request.  Returns 0 and *out, or -EINVAL with
 * a message in err (bad source). */
int	 mc_new(const char *source, const void *secret, size_t secret_len,
	    long retry_ms, long timeout_ms, struct metaclient **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
void	 mc_free(struct metaclient *);
/* The session id (0 before mc_session_open). */
uint64_t mc_session(struct metaclient *);
/*
 * Counts this client's requests that may change what a lookup or getattr
 * answers: every route but the ones that only read (lookup, getattr,
 * readdir, readlink, statfs, the xattr reads, blockmap, alloc, release,
 * badreplica, info, sessions, locks), the atime touches of reads, and open
 * without O_TRUNC.  It moves
 * before such a request is sent and again after it returns, so a value
 * read before a read was sent and still current later means no change of
 * this client overlapped the read or followed it.
 */
uint64_t mc_changes(struct metaclient *);

/* fn(arg, attr) is called, in the calling thread, with the attributes of
 * each directory an answer reports changed (protocol.h, "dirs"): what a
 * mount may show for them until its attribute timeout.  Set it before the
 * client is shared between threads. */
void	 mc_set_dirs_hook(struct metaclient *,
	    void (*fn)(void *arg, const struct mc_attr *), void *arg);

/* Every call below returns 0 or a negative errno. */
int	 mc_info(struct metaclient *, struct mc_info *);
int	 mc_lookup(struct metaclient *, uint64_t parent, const char *name,
	    struct mc_attr *);
int	 mc_getattr(struct metaclient *, uint64_t ino, struct mc_attr *);
int	 mc_setattr(struct metaclient *, const struct mc_caller *, uint64_t ino,
	    const struct mc_setattr *, struct mc_attr *);
/* A read or listing of ino happened: the metaserver sets its atime, alone,
 * when relatime (strict: strictatime) says so (protocol.h, the atime
 * route).  *a: the attributes after.  Counts as no change in mc_changes()
 * (metaclient.c says why). */
int	 mc_atime(struct metaclient *, uint64_t ino, int strict,
	    struct mc_attr *a);
int	 mc_mknod(struct metaclient *, const struct mc_caller *, uint64_t parent,
	    const char *name, uint32_t mode, uint64_t rdev, struct mc_attr *);
int	 mc_mkdir(struct metaclient *, const struct mc_caller *, uint64_t parent,
	    const char *name, uint32_t mode, struct mc_attr *);
int	 mc_symlink(struct metaclient *, const struct mc_caller *,
	    uint64_t parent, const char *name, const char *target,
	    struct mc_attr *);
/* *created is 1 when the file was created, 0 when an existing one opened. */
int	 mc_create(struct metaclient *, const struct mc_caller *,
	    uint64_t parent, const char *name, uint32_t mode, int flags,
	    struct mc_attr *, uint64_t *fh, int *created);
/* target: a buffer of size bytes; the target is NUL-terminated, -ERANGE if
 * it does not fit. */
int	 mc_readlink(struct metaclient *, uint64_t ino, char *target,
	    size_t size);
int	 mc_link(struct metaclient *, uint64_t ino, uint64_t parent,
	    const char *name, struct mc_attr *);
int	 mc_unlink(struct metaclient *, const struct mc_caller *,
	    uint64_t parent, const char *name);
int	 mc_rmdir(struct metaclient *, const struct mc_caller *,
	    uint64_t parent, const char *name);
int	 mc_rename(struct metaclient *, const struct mc_caller *,
	    uint64_t parent, const char *name, uint64_t newparent,
	    const char *newname, unsigned flags);
/* One page of a directory from cookie on: *ents (mc_dirents_free) and *n,
 * *eof set when the listing ended. */
int	 mc_readdir(struct metaclient *, uint64_t ino, uint64_t cookie,
	    unsigned limit, struct mc_dirent **ents, size_t *n, int *eof);
void	 mc_dirents_free(struct mc_dirent *, size_t n);
int	 mc_statfs(struct metaclient *, struct statvfs *);
int	 mc_setxattr(struct metaclient *, uint64_t ino, const char *name,
	    const void *value, size_t len, int flags);
/* *value malloc'ed (caller frees), *len its length. */
int	 mc_getxattr(struct metaclient *, uint64_t ino, const char *name,
	    void **value, size_t *len);
/* *list: the names, each NUL-terminated, back to back (malloc'ed). */
int	 mc_listxattr(struct metaclient *, uint64_t ino, char **list,
	    size_t *len);
int	 mc_removexattr(struct metaclient *, uint64_t ino, const char *name);
int	 mc_open(struct metaclient *, uint64_t ino, int flags, struct mc_attr *,
	    uint64_t *fh);
/* mc_open that also asks for the block map of chunks [0, map) (map
 * 1..MDFS_BLOCKMAP_MAX, else -EINVAL and nothing sent; 0: none asked, m
 * may be NULL).  *m is always initialized; on success m->valid tells
 * whether the answer carried a (well-formed) map: it does not for other
 * than regular files, nor from metaservers without the field.  The map is
 * the whole file when m->size <= map * m->block_size.  The caller
 * mc_map_release()s *m, whatever the return. */
int	 mc_open_map(struct metaclient *, uint64_t ino, int flags,
	    unsigned map, struct mc_attr *, uint64_t *fh, struct mc_map *m);
/* Frees m's chunks and empties it (valid 0). */
void	 mc_map_release(struct mc_map *m);
int	 mc_release(struct metaclient *, uint64_t ino, uint64_t fh);
/* Chunks present in [first, first+count): *chunks malloc'ed (caller frees),
 * *n, *size the file size. */
int	 mc_blockmap(struct metaclient *, uint64_t ino, uint64_t first,
	    unsigned count, struct mc_chunk **chunks, size_t *n,
	    uint64_t *size);
/* A chain for a new block (out->loc, out->token; out->id/len set from the
 * arguments); *present when the upload can be skipped. */
int	 mc_alloc(struct metaclient *, uint64_t ino, const char *id,
	    uint64_t size, const char (*exclude)[MDFS_ADDR_MAX],
	    size_t nexclude, struct mc_chunk *out, int *present);
/* Tells the metaserver that node_id's replica of block id answered bad
 * bytes, a 404 or a server error (it asks the node to verify it). */
int	 mc_report_bad(struct metaclient *, const char *id,
	    const char *node_id);
/* mtime < 0: the server's now. */
int	 mc_commit(struct metaclient *, uint64_t ino, uint64_t size,
	    int64_t mtime, const struct mc_commit *chunks, size_t n,
	    struct mc_attr *);
/* The setattr bits a commit may carry (its mtime is the commit's own). */
#define MC_COMMIT_SET	(MC_SET_MODE | MC_SET_UID | MC_SET_GID | \
			 MC_SET_ATIME | MC_SET_ATIME_NOW)
/* mc_commit that also sets attrs (NULL or set == 0: none; other bits than
 * MC_COMMIT_SET: -EINVAL, nothing sent) in the same metaserver write, with
 * root's authority: only for changes root made (protocol.h, commit). */
int	 mc_commit_attr(struct metaclient *, uint64_t ino, uint64_t size,
	    int64_t mtime, const struct mc_commit *chunks, size_t n,
	    const struct mc_setattr *attrs, struct mc_attr *);

/* ---- sessions and locks (protocol.h "sessions and locks") ---------------- */

/* Opens a session (client: a description; NULL reuses the last one) and
 * makes it the one every call carries.  *ttl_s gets its TTL. */
int	 mc_session_open(struct metaclient *, const char *client,
	    unsigned *ttl_s);
/* Renews the session: 0 (*ttl_s updated), -ENOENT when it expired. */
int	 mc_session_renew(struct metaclient *, unsigned *ttl_s);
int	 mc_session_close(struct metaclient *);

enum mc_lock_kind { MC_LOCK_FLOCK, MC_LOCK_POSIX };
/* A lock: type F_RDLCK, F_WRLCK or F_UNLCK; [start, end] inclusive,
 * end MC_LOCK_EOF for "to the end". */
#define MC_LOCK_EOF	UINT64_MAX
struct mc_lock {
	enum mc_lock_kind kind;
	int		 type;
	uint64_t	 start;
	uint64_t	 end;
	uint64_t	 owner;
	uint32_t	 pid;
};
/* The first lock conflicting with l (written over l), or l->type F_UNLCK. */
int	 mc_lock_get(struct metaclient *, uint64_t ino, struct mc_lock *l);
/* Sets (or with F_UNLCK clears) l.  Returns 0, -EAGAIN (conflict), or
 * with wait -EINPROGRESS (the metaserver waited its bound: ask again). */
int	 mc_lock_set(struct metaclient *, uint64_t ino, const struct mc_lock *l,
	    int wait);
/* Drops every lock of owner on ino (the metaserver drops both kinds; kind
 * is sent for its logs). */
int	 mc_lock_release(struct metaclient *, uint64_t ino,
	    enum mc_lock_kind kind, uint64_t owner);

#endif /* MINIDFS_METACLIENT_H */
