/*
 * protocol: everything two minidfs programs must agree on, defined once:
 * routes, header names, JSON field names, etcd keys, limits and defaults.
 * Each route carries a comment with its request and answer bodies.
 *
 * Conventions for every JSON route:
 *  - 64-bit integers (inode numbers, sizes, offsets, revisions, times in
 *    nanoseconds) are decimal strings; small counts may be numbers.
 *  - Errors answer with a 4xx/5xx status and {"error":"ENOENT","message":"..."}
 *    (common/errmap.h maps errno <-> status <-> code).
 *  - When a cluster secret is set, calls carry HTTP_HDR_AUTH (a token signed
 *    with TOKEN_OP_ALL), block calls carry HTTP_HDR_TOKEN (common/token.h).
 */
#ifndef MINIDFS_PROTOCOL_H
#define MINIDFS_PROTOCOL_H

/* ---- sizes and defaults ------------------------------------------------ */

#define MDFS_BLOCK_SIZE_DEFAULT	(4u * 1024 * 1024)	/* bytes */
#define MDFS_BLOCK_SIZE_MAX	(64u * 1024 * 1024)	/* bytes */
#define MDFS_SUBBLOCK_SIZE	(64u * 1024)	/* bytes per stored checksum */
#define MDFS_REPLICAS_DEFAULT	3
#define MDFS_REPLICAS_MAX	16
#define MDFS_ETCD_PREFIX	"/minidfs"
#define MDFS_PORT_ETCD		2379
#define MDFS_PORT_META		8000
#define MDFS_PORT_DATA		8001
#define MDFS_NODE_ID_MAX	64	/* bytes of a dataserver id */
#define MDFS_ADDR_MAX		256	/* bytes of "host:port" */
#define MDFS_TOKEN_TTL_S	600	/* block tokens live this long */
#define MDFS_MAX_CHAIN		MDFS_REPLICAS_MAX /* nodes in one chain */
#define MDFS_REPORT_BATCH	10000	/* block ids per report message */

/* ---- HTTP headers ------------------------------------------------------ */

#define HTTP_HDR_TOKEN		"X-Minidfs-Token"  /* block token (token.h) */
#define HTTP_HDR_AUTH		"X-Minidfs-Auth"   /* cluster token */
/* PUT /v1/blocks: the nodes after this one, "host:port,host:port" */
#define HTTP_HDR_CHAIN		"X-Minidfs-Chain"
/* A standby metaserver names the leader, "host:port" (with 307) */
#define HTTP_HDR_LEADER		"X-Minidfs-Leader"

/* ---- dataserver routes -------------------------------------------------- */

/*
 * PUT /v1/blocks/{id}          body: the block's bytes (length or chunked)
 *   headers: HTTP_HDR_TOKEN (write), HTTP_HDR_CHAIN (optional)
 *   Stores the block locally while streaming it to the first node of the
 *   chain (which gets the rest of the chain).  Answers after its own write
 *   and the downstream's answer:
 *   201/200 {"id":"<hex>","size":"n",
 *            "stored":[{"id":"ds1","addr":"h:p"},...],
 *            "failed":[{"addr":"h:p","error":"ECONNREFUSED"},...]}
 *   400 bad id, 403 token, 413 too big, 422 content does not match id,
 *   507 no space (max_storage_size or disk).
 *   201: newly stored here; 200: it was already here (the body is only
 *   hashed, and still forwarded, so a re-PUT completes missing replicas).
 *   "failed" names the downstream that failed with its error, and every
 *   node behind it with "ECANCELED" (not reached).  503 ESHUTDOWN while
 *   the node drains on SIGTERM.
 * GET /v1/blocks/{id}          (Range: bytes=a-b allowed) -> the bytes, 206
 *   for a range; only bytes verified against the id/sub-block checksums.
 *   404 absent, 416 bad range, 500 + quarantine when verification fails.
 * HEAD /v1/blocks/{id}         -> 200 with Content-Length, or 404.
 * DELETE /v1/blocks/{id}       -> 200 {"id":...,"deleted":true|false}
 */
#define DATA_ROUTE_BLOCK	"/v1/blocks/{id}"
#define DATA_PATH_BLOCKS	"/v1/blocks/"
/*
 * POST /v1/blocks/{id}/fetch   {"from":"h:p"}   (cluster auth)
 *   Pull copy: fetch the block from another dataserver, verify, store.
 *   -> 200 {"id":...,"size":"n"}; 502 when the source failed.
 * POST /v1/blocks/{id}/push    {"to":"h:p"}     (cluster auth)
 *   Push copy: send the local block to a target dataserver (its PUT).
 *   -> 200 {"id":...,"stored":[...]}; 404 not here; 502 target failed.
 */
#define DATA_ROUTE_FETCH	"/v1/blocks/{id}/fetch"
#define DATA_ROUTE_PUSH		"/v1/blocks/{id}/push"
/*
 * GET /v1/stats  -> {"id","addr","capacity":"n","used":"n","free":"n",
 *                    "blocks":"n","quarantined":"n","inflight":n}
 * GET /metrics   -> Prometheus text format (both servers).
 */
#define DATA_ROUTE_STATS	"/v1/stats"
#define MDFS_ROUTE_METRICS	"/metrics"

/* ---- metaserver cluster routes (dataserver -> metaserver) -------------- */

/*
 * POST /v1/cluster/heartbeat   (cluster auth)
 *   {"id":"ds1","addr":"h:p","capacity":"n","used":"n","free":"n",
 *    "blocks":"n","added":[{"id":"<hex>","size":"n"}...],"removed":["<hex>"...],
 *    "bad":["<hex>"...]}
 *   -> {"full_report":false,
 *       "commands":[{"op":"delete","id":"<hex>"},
 *                   {"op":"fetch","id":"<hex>","from":"h:p"},
 *                   {"op":"push","id":"<hex>","to":"h:p"},
 *                   {"op":"verify","id":"<hex>"}]}
 *   "full_report": true asks the node to send a full block report now.
 *   "verify": a client reported the node's replica bad or missing
 *   (POST /v1/fs/badreplica): the node reads it whole and checks it against
 *   its id; a bad one is quarantined (reported in "bad"), a missing one is
 *   reported in "removed".
 * POST /v1/cluster/blockreport (cluster auth)
 *   {"id":"ds1","seq":n,"last":bool,"blocks":[{"id":"<hex>","size":"n"}...]}
 *   One batch of at most MDFS_REPORT_BATCH blocks; seq counts from 0; the
 *   report replaces the node's block list when "last" arrives.
 *   -> {}
 */
#define META_ROUTE_HEARTBEAT	"/v1/cluster/heartbeat"
#define META_ROUTE_BLOCKREPORT	"/v1/cluster/blockreport"
/* Metaserver side of both: leader only (standby answer as for the
 * filesystem routes).  Errors: 400 EINVAL (bad node id, address or block
 * id: nothing recorded; blockreport: seq out of order -- the partial report
 * is dropped and the next heartbeat asks for a new one), 413 E2BIG (more
 * than MDFS_REPORT_BATCH ids in one list).  A report may precede the first
 * heartbeat.  A node is used for new blocks only while its nodes/<id> key
 * exists and it heartbeats within cluster.heartbeat_timeout. */
#define MDFS_CLUSTER_MAX_BODY	(4u * 1024 * 1024)	/* bytes of a heartbeat
							 * or report batch */

/* Commands in a heartbeat answer */
#define CMD_DELETE	"delete"
#define CMD_FETCH	"fetch"
#define CMD_PUSH	"push"
#define CMD_VERIFY	"verify"

/* ---- JSON field names --------------------------------------------------- */

#define JF_ERROR	"error"
#define JF_MESSAGE	"message"
#define JF_ID		"id"
#define JF_ADDR		"addr"
#define JF_NODE		"node"
#define JF_SIZE		"size"
#define JF_STORED	"stored"
#define JF_FAILED	"failed"
#define JF_DELETED	"deleted"
#define JF_FROM		"from"
#define JF_TO		"to"
#define JF_CAPACITY	"capacity"
#define JF_USED		"used"
#define JF_FREE		"free"
#define JF_BLOCKS	"blocks"
#define JF_QUARANTINED	"quarantined"
#define JF_INFLIGHT	"inflight"
#define JF_ADDED	"added"
#define JF_REMOVED	"removed"
#define JF_BAD		"bad"
#define JF_COMMANDS	"commands"
#define JF_OP		"op"
#define JF_FULL_REPORT	"full_report"
#define JF_SEQ		"seq"
#define JF_LAST		"last"

/* ---- metaserver filesystem routes (mount daemon / cli -> metaserver) ---- */

/*
 * An inode-based API mapping one-to-one onto FUSE low-level calls.  Every
 * route is POST /v1/fs/<op> with a JSON body (HTTPD_JSON | HTTPD_AUTH: with
 * a cluster secret the call carries HTTP_HDR_AUTH), except GET /v1/fs/info.
 * Only the leader answers; see "standby answer" below.
 *
 * Values:
 *  - inode numbers, sizes, offsets, rdev, handles, sessions, cookies: decimal
 *    strings ("ino":"1"); MDFS_ROOT_INO is the root directory.
 *  - times: nanoseconds since the epoch as signed decimal strings
 *    ("-1000000000" is 1969-12-31T23:59:59Z), so 64-bit seconds and every
 *    nanosecond survive.
 *  - mode, uid, gid, nlink, blksize, flags: JSON numbers (32 bits).
 *  - names: 1..NAMES_MAX bytes, no '/' or NUL, not "." or ".." (else 400
 *    EINVAL, or ENAMETOOLONG); xattr values: base64 (JF_VALUE).
 *  - "caller" (JF_CALLER): {"uid":n,"gid":n,"groups":[n,...]} -- the FUSE
 *    request's credentials.  New inodes are owned by caller uid and gid (gid
 *    of the parent when the parent has S_ISGID).  The mount checks access
 *    with default_permissions; the metaserver enforces the rules that need
 *    state: the sticky bit on unlink/rmdir/rename (EPERM unless the caller
 *    owns the entry or the directory, or is uid 0), and on setattr: mode and
 *    times by owner or root (EPERM), uid changes by root only, gid changes by
 *    the owner to a group in gid/groups, or by root (EPERM).  A missing caller
 *    is uid 0 (cluster-internal tools).
 *
 * The attr object (JF_ATTR), in every answer that carries attributes:
 *   {"ino":"n","mode":n,"uid":n,"gid":n,"size":"n","nlink":n,"rdev":"n",
 *    "atime":"ns","mtime":"ns","ctime":"ns","blksize":n,"blocks":"n",
 *    "generation":"n"}
 *   blocks: 512-byte units allocated (chunk lengths); blksize: block size.
 * An "entry" answer is {"attr":{...}} (ino and generation are in attr).
 *
 * Chunk model: a regular file is cut at the cluster-wide block size B
 * (GET /v1/fs/info, statfs).  Chunk `index` covers bytes [index*B,
 * (index+1)*B); a chunk is {"id":"<sha256 hex>","len":"n"} with 1 <= len <= B:
 * bytes past len inside the chunk, and chunks that are absent (holes), read
 * as zeros up to the file size.  Truncating shortens the chunk that holds
 * the new end and drops those past it; sparse files cost nothing.
 *
 * Per-directory replication: the virtual xattr MDFS_XATTR_REPLICAS
 * ("user.minidfs.replicas", decimal 1..MDFS_REPLICAS_MAX) on a directory is
 * inherited by every file and directory created in it; on a file it is the
 * file's replication (used by alloc, commit and repair).  Absent: the
 * cluster default.  A bad value is 400 EINVAL.
 *
 * Standby answer: a metaserver that is not the leader answers every route
 * (except GET /v1/fs/info and the status pages) with
 *   307, HTTP_HDR_LEADER: "h:p", Location: http://h:p<same path>,
 *   {"error":"ENOTLEADER","message":"...","leader":"h:p"}
 * and, while no leader is known, 503 {"error":"EAGAIN","message":...,
 * "leader":""}.  Clients resend the same request to the leader.
 *
 * Errors common to every route: 400 EBADMSG (malformed JSON), 400 EINVAL
 * (missing or ill-typed field), 404 ENOENT (unknown inode), 403 (auth),
 * 503 ENOTCONN / 504 ETIMEDOUT (etcd unreachable: nothing changed or the
 * outcome is unknown to the leader, which then steps down), 503 ESHUTDOWN.
 */
#define MDFS_ROOT_INO		1
#define MDFS_LINK_MAX		65000	/* hard links / subdirectories */
#define MDFS_SYMLINK_MAX	4095	/* bytes of a symlink target */
#define MDFS_XATTR_NAME_MAX	255	/* bytes of an xattr name */
#define MDFS_XATTR_VALUE_MAX	(64u * 1024)	/* bytes of an xattr value */
#define MDFS_XATTR_TOTAL_MAX	(256u * 1024)	/* bytes of names+values per inode */
#define MDFS_XATTR_REPLICAS	"user.minidfs.replicas"
#define MDFS_READDIR_MAX	1024	/* entries per readdir answer */
#define MDFS_BLOCKMAP_MAX	1024	/* chunks per blockmap read / commit */
#define MDFS_EXCLUDE_MAX	MDFS_REPLICAS_MAX /* addresses in alloc */
#define MDFS_FS_MAX_BODY	(1024u * 1024)	/* bytes of a /v1/fs request */
#define MDFS_ERR_NOTLEADER	"ENOTLEADER"	/* JSON error code of a 307 */

/*
 * GET /v1/fs/info  (no auth; answered by standbys too)
 *   -> {"block_size":"n","replicas":n,"leader":"h:p","is_leader":bool,
 *       "root":"1","name_max":255}
 */
#define META_ROUTE_FS_INFO	"/v1/fs/info"
/*
 * POST /v1/fs/lookup   {"parent":"ino","name":"x"}  -> entry
 *   ENOENT (no such parent or name), ENOTDIR (parent not a directory).
 * POST /v1/fs/getattr  {"ino":"n"}  -> {"attr":{...}}    ENOENT.
 */
#define META_ROUTE_FS_LOOKUP	"/v1/fs/lookup"
#define META_ROUTE_FS_GETATTR	"/v1/fs/getattr"
/*
 * POST /v1/fs/setattr  {"ino":"n","caller":{...},
 *                       "mode":n?,"uid":n?,"gid":n?,"size":"n"?,
 *                       "atime":"ns"|"now"?,"mtime":"ns"|"now"?}
 *   A field present is a field to set (FUSE's to_set mask).  mode keeps the
 *   file type (only the 07777 bits are taken).  size truncates or extends a
 *   regular file (chunks past it dropped, the last one shortened) and sets
 *   mtime.  A uid or gid change of a non-directory clears S_ISUID, and
 *   S_ISGID when S_IXGRP is set, unless mode is set in the same call.  ctime
 *   is always set to now.  -> {"attr":{...}}
 *   ENOENT; EISDIR (size on a directory); EINVAL (size on another non-file,
 *   bad time); EFBIG (size over 2^63-1); EPERM (see caller).
 */
#define META_ROUTE_FS_SETATTR	"/v1/fs/setattr"
/*
 * POST /v1/fs/atime    {"ino":"n","strict":bool?}
 *   -> {"attr":{...},"touched":bool}
 *   A read or a listing of ino happened (a mount's relatime): sets atime to
 *   now when the rule holds on the metaserver's own attributes -- relatime
 *   (default): atime <= mtime, or atime <= ctime, or atime older than
 *   MDFS_RELATIME_AGE_NS; "strict":true (strictatime): always -- and never
 *   moves atime backwards (an atime in the future stays).  Only atime
 *   changes: not ctime, nothing else, and no "dirs".  Needs no caller (the
 *   reader was allowed to read); "touched": whether atime was written.
 *   attr: the attributes after.  ENOENT.
 */
#define META_ROUTE_FS_ATIME	"/v1/fs/atime"
#define MDFS_RELATIME_AGE_NS	(86400LL * 1000000000LL) /* ns: 24 h */
/*
 * POST /v1/fs/mknod    {"parent":"ino","name":"x","mode":n,"rdev":"n",
 *                       "caller":{...}}  -> entry
 *   mode's type: S_IFREG, S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK (else EINVAL;
 *   0 means S_IFREG).  mode is final (the kernel applied the umask).
 * POST /v1/fs/mkdir    {"parent":"ino","name":"x","mode":n,"caller":{...}}
 *   -> entry.  The new directory inherits S_ISGID from its parent.
 * POST /v1/fs/symlink  {"parent":"ino","name":"x","target":"path",
 *                       "caller":{...}}  -> entry
 *   target: 1..MDFS_SYMLINK_MAX bytes (ENAMETOOLONG / EINVAL).
 * POST /v1/fs/create   {"parent":"ino","name":"x","mode":n,"flags":n,
 *                       "session":"n","caller":{...}}
 *   -> {"attr":{...},"fh":"n","created":bool}
 *   Creates a regular file and opens it for the session.  Without O_EXCL in
 *   flags an existing regular file is opened instead ("created":false; with
 *   O_TRUNC it is truncated).
 *   Errors of all four: ENOENT (parent), ENOTDIR (parent), EEXIST (name
 *   taken; create with O_EXCL, or the name is not a regular file: EISDIR for
 *   a directory), EMLINK (mkdir: parent has MDFS_LINK_MAX links), ESRCH
 *   (create: unknown or expired session), ENAMETOOLONG / EINVAL (name).
 */
#define META_ROUTE_FS_MKNOD	"/v1/fs/mknod"
#define META_ROUTE_FS_MKDIR	"/v1/fs/mkdir"
#define META_ROUTE_FS_SYMLINK	"/v1/fs/symlink"
#define META_ROUTE_FS_CREATE	"/v1/fs/create"
/*
 * POST /v1/fs/readlink {"ino":"n"}  -> {"target":"path"}
 *   ENOENT; EINVAL (not a symlink).
 * POST /v1/fs/link     {"ino":"n","parent":"ino","name":"x"}  -> entry
 *   ENOENT; EPERM (ino is a directory); ENOTDIR (parent); EEXIST;
 *   EMLINK (ino has MDFS_LINK_MAX links).
 */
#define META_ROUTE_FS_READLINK	"/v1/fs/readlink"
#define META_ROUTE_FS_LINK	"/v1/fs/link"
/*
 * POST /v1/fs/unlink   {"parent":"ino","name":"x","caller":{...}}  -> {}
 *   ENOENT; ENOTDIR (parent); EISDIR (name is a directory); EPERM (sticky).
 *   An inode whose last link goes while a handle is open stays (an orphan)
 *   until the last release or until its sessions expire.
 * POST /v1/fs/rmdir    {"parent":"ino","name":"x","caller":{...}}  -> {}
 *   ENOENT; ENOTDIR (parent, or name not a directory); ENOTEMPTY; EPERM
 *   (sticky).  ("." and ".." are not names: EINVAL.)
 */
#define META_ROUTE_FS_UNLINK	"/v1/fs/unlink"
#define META_ROUTE_FS_RMDIR	"/v1/fs/rmdir"
/*
 * POST /v1/fs/rename   {"parent":"ino","name":"x","newparent":"ino",
 *                       "newname":"y","flags":n,"caller":{...}}  -> {}
 *   flags: 0, RENAME_NOREPLACE (1) or RENAME_EXCHANGE (2) (<linux/fs.h>).
 *   Replaces an existing target of a compatible type (a directory only when
 *   empty) atomically; renaming onto the same inode is a no-op.
 *   ENOENT (source; target with EXCHANGE); ENOTDIR (a parent; a directory
 *   onto a non-directory); EISDIR (a non-directory onto a directory);
 *   ENOTEMPTY; EEXIST (NOREPLACE); EINVAL (bad flags, both flags, a
 *   directory into its own subtree); EMLINK (newparent full); EPERM
 *   (sticky).
 */
#define META_ROUTE_FS_RENAME	"/v1/fs/rename"
/*
 * Every answer of mknod, mkdir, symlink, create, link, unlink, rmdir and
 * rename also carries "dirs":[{...attr...},...]: the attributes of the
 * directories the call changed (the parent; for rename also newparent when
 * it differs), as committed.  The kernel re-reads a directory's attributes
 * after every change in it; a mount answers that from these for its
 * attribute timeout instead of asking again.
 */
/*
 * POST /v1/fs/readdir  {"ino":"n","cookie":"n","limit":n}
 *   -> {"entries":[{"name":"x","cookie":"n","attr":{...}},...],"eof":bool}
 *   cookie 0 starts; each entry's cookie resumes after it.  "." (cookie 1)
 *   and ".." (cookie 2) come first; other cookies are a 63-bit hash of the
 *   name, so they stay valid across changes and leader changes.  limit:
 *   1..MDFS_READDIR_MAX (default MDFS_READDIR_MAX).
 *   ENOENT; ENOTDIR.
 */
#define META_ROUTE_FS_READDIR	"/v1/fs/readdir"
/*
 * POST /v1/fs/statfs   {}  -> {"block_size":"n","total":"bytes",
 *       "free":"bytes","avail":"bytes","files":"n","ffree":"n",
 *       "name_max":255,"nodes":n}
 *   Capacity is the sum over live dataservers divided by the default
 *   replication; files is a fixed 2^40, ffree that minus the inodes.
 */
#define META_ROUTE_FS_STATFS	"/v1/fs/statfs"
/*
 * POST /v1/fs/setxattr    {"ino":"n","name":"user.x","value":"<base64>",
 *                          "flags":n}  -> {}
 *   flags: 0, XATTR_CREATE (1) or XATTR_REPLACE (2).  EEXIST (CREATE and
 *   present), ENODATA (REPLACE and absent), ERANGE (name empty or over
 *   MDFS_XATTR_NAME_MAX), E2BIG (value over MDFS_XATTR_VALUE_MAX), ENOSPC
 *   (the inode's xattrs over MDFS_XATTR_TOTAL_MAX), EINVAL (bad base64,
 *   flags, or MDFS_XATTR_REPLICAS value).
 * POST /v1/fs/getxattr    {"ino":"n","name":"user.x"} -> {"value":"<base64>"}
 *   ENODATA.
 * POST /v1/fs/listxattr   {"ino":"n"}  -> {"names":["user.x",...]}
 * POST /v1/fs/removexattr {"ino":"n","name":"user.x"}  -> {}   ENODATA.
 */
#define META_ROUTE_FS_SETXATTR	"/v1/fs/setxattr"
#define META_ROUTE_FS_GETXATTR	"/v1/fs/getxattr"
#define META_ROUTE_FS_LISTXATTR	"/v1/fs/listxattr"
#define META_ROUTE_FS_RMXATTR	"/v1/fs/removexattr"
/*
 * POST /v1/fs/open     {"ino":"n","flags":n,"session":"n","map":n?}
 *   -> {"fh":"n","attr":{...}}
 *   Registers an open handle of the session (O_TRUNC truncates a regular
 *   file).  ENOENT; EISDIR (write access to a directory); ESRCH (session);
 *   EINVAL (map not a number in 1..MDFS_BLOCKMAP_MAX: nothing opened).
 *   "map" (JF_MAP, optional): the answer also carries the block map of
 *   chunks [0, map), read after the open, exactly as a blockmap answer
 *   with "first":"0","count":map holds it: "size" (the size the map
 *   belongs to, which may differ from attr's when a commit came between),
 *   "block_size" and "chunks".  Absent when the inode is not a regular
 *   file (or its map could not be read: the open still succeeded); a
 *   client then asks POST /v1/fs/blockmap.  The map is the whole file when
 *   size <= map * block_size.
 * POST /v1/fs/release  {"ino":"n","fh":"n","session":"n"}  -> {}
 *   Drops the handle; an orphan whose last handle goes is reclaimed.  An
 *   unknown handle is not an error (the leader may have changed).
 */
#define META_ROUTE_FS_OPEN	"/v1/fs/open"
#define META_ROUTE_FS_RELEASE	"/v1/fs/release"
/*
 * POST /v1/fs/blockmap {"ino":"n","first":"index","count":n}
 *   -> {"size":"n","block_size":"n","chunks":[{"index":"n","id":"<hex>",
 *       "len":"n","locations":[{"id":"ds1","addr":"h:p"},...],
 *       "token":"..."},...]}
 *   The chunks present among [first, first+count) (count 1..
 *   MDFS_BLOCKMAP_MAX), in index order; locations best first; token (read)
 *   only with a cluster secret.  ENOENT; EISDIR / EINVAL (not a file).
 * POST /v1/fs/alloc    {"ino":"n","id":"<hex>","size":"n",
 *                       "exclude":["h:p",...]}
 *   -> {"present":bool,"chain":[{"id":"ds1","addr":"h:p"},...],
 *       "token":"..."}
 *   A chain of the file's replication count of live dataservers for a new
 *   block (the first is the PUT target, the rest go in HTTP_HDR_CHAIN);
 *   present: the block is already stored often enough (skip the upload).
 *   token (write) only with a cluster secret.  ENOENT; EINVAL (bad id, size
 *   0 or over the block size); ENOSPC (no live dataserver with room);
 *   502 EHOSTDOWN (no dataserver to write to: all dead, draining or in
 *   "exclude").
 * POST /v1/fs/commit   {"ino":"n","session":"n","size":"n","mtime":"ns"?,
 *                       "chunks":[{"index":"n","id":"<hex>","len":"n",
 *                                  "stored":["ds1",...]},...],
 *                       "attr":{"mode":n?,"uid":n?,"gid":n?,
 *                               "atime":"ns"|"now"?}?}
 *   -> {"attr":{...}}
 *   "attr" (optional): attributes applied in the same etcd write as the
 *   chunks and the size (a mount's deferred chmod/chown/utimes of a file it
 *   created), encoded as in setattr and applied with setattr's rules as
 *   setattr with caller root does (the route takes no caller: only root's
 *   changes may be sent here): mode keeps the file type, a uid or gid
 *   without mode clears S_ISUID (and S_ISGID when S_IXGRP).  Any other
 *   field in it ("size", "mtime": the commit's own mtime is the one) or a
 *   bad value is EINVAL and nothing changes.
 *   Sets the chunks (replacing those at the same index) and the size to
 *   max(current, size); mtime (default now) and ctime.  "chunks" may be
 *   empty (a size-only commit), at most MDFS_BLOCKMAP_MAX, each within the
 *   new size; "stored" (optional) names the dataservers holding the block
 *   (the PUT answer's ids), for placement.  A commit
 *   too large for one etcd txn is written in several: chunks first, the
 *   inode (size) last, so a crash in between leaves the old size and whole
 *   chunks, never a size covering chunks not written.
 *   ENOENT; EINVAL (index/len out of range, bad id); EISDIR / EINVAL (not
 *   a regular file); EFBIG (size); ESRCH (session).
 */
/*
 * POST /v1/fs/badreplica {"id":"<hex>","node":"ds1"}  -> {}
 *   A client read the block from that node and got bad bytes, a 404 or a
 *   server error: the node is told to verify its replica (a "verify"
 *   command in its next heartbeat answer) and quarantines it if it is bad,
 *   after which repair replaces it.  A report is a hint: the metaserver
 *   takes no replica away on a client's word, but until the node has
 *   checked, the replica is listed after the others (blockmap) and is a
 *   copy source for repair only when no other is left.
 *   EINVAL (bad id, or node not a valid node id); ENOENT (no such block,
 *   node, or replica of it on that node).
 */
#define META_ROUTE_FS_BADREPLICA "/v1/fs/badreplica"
#define META_ROUTE_FS_BLOCKMAP	"/v1/fs/blockmap"
#define META_ROUTE_FS_ALLOC	"/v1/fs/alloc"
#define META_ROUTE_FS_COMMIT	"/v1/fs/commit"

/* JSON fields of the filesystem routes */
#define JF_INO		"ino"
#define JF_DIRS		"dirs"
#define JF_PARENT	"parent"
#define JF_NAME		"name"
#define JF_NEWPARENT	"newparent"
#define JF_NEWNAME	"newname"
#define JF_ATTR		"attr"
#define JF_MODE		"mode"
#define JF_UID		"uid"
#define JF_GID		"gid"
#define JF_GROUPS	"groups"
#define JF_CALLER	"caller"
#define JF_NLINK	"nlink"
#define JF_RDEV		"rdev"
#define JF_ATIME	"atime"
#define JF_MTIME	"mtime"
#define JF_CTIME	"ctime"
#define JF_BLKSIZE	"blksize"
#define JF_GENERATION	"generation"
#define JF_TIME_NOW	"now"		/* setattr atime/mtime value */
#define JF_STRICT	"strict"	/* atime: strictatime */
#define JF_TOUCHED	"touched"	/* atime: atime was written */
#define JF_TARGET	"target"
#define JF_FLAGS	"flags"
#define JF_FH		"fh"
#define JF_SESSION	"session"
#define JF_CREATED	"created"
#define JF_COOKIE	"cookie"
#define JF_LIMIT	"limit"
#define JF_ENTRIES	"entries"
#define JF_EOF		"eof"
#define JF_VALUE	"value"
#define JF_NAMES	"names"
#define JF_INDEX	"index"
#define JF_LEN		"len"
#define JF_FIRST	"first"
#define JF_COUNT	"count"
#define JF_MAP		"map"		/* open: chunks of the map to answer */
#define JF_CHUNKS	"chunks"
#define JF_LOCATIONS	"locations"
#define JF_TOKEN	"token"
#define JF_EXCLUDE	"exclude"
#define JF_PRESENT	"present"
#define JF_CHAIN	"chain"
#define JF_BLOCK_SIZE	"block_size"
#define JF_REPLICAS	"replicas"
#define JF_LEADER	"leader"
#define JF_IS_LEADER	"is_leader"
#define JF_ROOT		"root"
#define JF_NAME_MAX	"name_max"
#define JF_TOTAL	"total"
#define JF_AVAIL	"avail"
#define JF_FILES	"files"
#define JF_FFREE	"ffree"
#define JF_NODES	"nodes"

/* ---- sessions and locks (mount -> metaserver leader) ----------------------
 *
 * Every route: POST, JSON body, cluster auth, leader only (standby answer as
 * for the filesystem routes).  Sessions are etcd leases: they survive a
 * leader change; one that is not renewed within its ttl expires, and its
 * open handles and locks are released.
 *
 * POST /v1/session/open   {"client":"host:/mnt"?}
 *   -> {"session":"n","ttl":n,"block_size":"n","replicas":n}
 *   Renew every ttl/3 seconds.  EINVAL (client over 127 bytes).
 * POST /v1/session/renew  {"session":"n"}  -> {"ttl":n}
 *   ESRCH: unknown or expired -- open a new session; every lock and open
 *   handle of the old one is gone.
 * POST /v1/session/close  {"session":"n"}  -> {}   ESRCH.
 *
 * Locks: "kind" is "posix" (fcntl byte ranges) or "flock" (whole file);
 * "type" is "read", "write" or "unlock"; an owner is (session, "owner" =
 * fuse's lock_owner); "end" is inclusive, "end" omitted or
 * "18446744073709551615" means to the end of the file (flock ignores both).
 * POSIX merge/split per owner; flock and posix locks never conflict.
 * POST /v1/locks/get  {"session":"n","ino":"n","owner":"n","kind":k,
 *                      "type":"read"|"write","start":"n","end":"n"?,"pid":n}
 *   -> {"type":"unlock"} when the lock could be set, else the first
 *      conflicting lock {"type":t,"start":"n","end":"n","pid":n,
 *      "session":"n","owner":"n"}.
 * POST /v1/locks/set  {... as get, "type" may be "unlock", "wait":bool?}
 *   -> {"granted":true}
 *    | {"granted":false,"retry":false,"conflict":{...as get}}  (F_SETLK:
 *      the caller returns EAGAIN)
 *    | {"granted":false,"retry":true,"conflict":{...}}  ("wait": the
 *      conflict outlived sessions.lock_wait seconds of waiting inside the
 *      call; the client re-issues the request, or gives up when its caller
 *      was interrupted -- and then sends an unlock of the same range).
 *   ENOLCK (over LOCKS_MAX_PER_OWNER ranges), ESRCH (session), EINVAL.
 * POST /v1/locks/release {"session":"n","ino":"n","owner":"n","kind":k?}
 *   -> {}  Drops every lock of the owner on the inode, of kind k or (kind
 *   absent) of both kinds (close/flush/release).  ESRCH, EINVAL.
 */
#define META_ROUTE_SESSION_OPEN		"/v1/session/open"
#define META_ROUTE_SESSION_RENEW	"/v1/session/renew"
#define META_ROUTE_SESSION_CLOSE	"/v1/session/close"
#define META_ROUTE_LOCKS_GET		"/v1/locks/get"
#define META_ROUTE_LOCKS_SET		"/v1/locks/set"
#define META_ROUTE_LOCKS_RELEASE	"/v1/locks/release"
#define MDFS_LOCKS_MAX_BODY		4096	/* bytes of a session/lock request */

#define JF_CLIENT	"client"
#define JF_TTL		"ttl"
#define JF_OWNER	"owner"
#define JF_KIND		"kind"
#define JF_TYPE		"type"
#define JF_START	"start"
#define JF_END		"end"
#define JF_PID		"pid"
#define JF_WAIT		"wait"
#define JF_GRANTED	"granted"
#define JF_RETRY	"retry"
#define JF_CONFLICT	"conflict"
#define LOCK_KIND_POSIX	"posix"
#define LOCK_KIND_FLOCK	"flock"
#define LOCK_TYPE_READ	"read"
#define LOCK_TYPE_WRITE	"write"
#define LOCK_TYPE_UNLOCK "unlock"

/* ---- admin (minidfs-admin -> metaserver leader) ---------------------------
 *
 * Cluster auth; leader only (standby answer as above).
 * GET /v1/nodes  -> {"nodes":[node,...]} sorted by id, node =
 *   {"id","addr","state":"live"|"dead"|"draining"|"drained",
 *    "registered":bool,"reported":bool,"capacity":"n","used":"n",
 *    "free":"n","blocks":"n","drain_remaining":"n",
 *    "last_heartbeat_ms":"n" (age; "-1" never),"queued":"n"}
 * GET /v1/nodes/{name}  -> node (decommission progress: "state" becomes
 *   "drained" once every block it holds has its wanted replicas on other
 *   live nodes: then it is safe to stop it).   ENXIO unknown node.
 * POST /v1/nodes/{name}/decommission {"cancel":bool?}  -> node
 *   Starts (or cancels) draining: no new blocks go there, its blocks are
 *   copied elsewhere.  Persisted in etcd (meta/drain/<id>).  ENXIO.
 * POST /v1/gc  {}  -> {"blocks":"n","commands":"n"}
 *   Runs a GC pass now (blocks condemned, delete commands queued).
 *   EAGAIN with the reason while GC is held (after a takeover until every
 *   live node sent its full report).
 * GET /v1/fsck  (query: ?all=1 lists healthy blocks too; ?after=CURSOR
 *                pages, see below)
 *   -> {"files":"n","chunks":"n","healthy":"n","under_replicated":"n",
 *       "missing":"n","unknown":"n","truncated":bool,"next":"CURSOR"?,
 *       "problems":[{"ino":"n","index":"n","id":"<hex>","len":"n",
 *                    "state":"under"|"missing"|"unknown"|"ok",
 *                    "live":n,"wanted":n},...]}
 *   Relates file chunks to the replica table; "unknown": the block is in
 *   no report yet.
 *   Without "after" (old clients): one answer for the whole namespace, at
 *   most MDFS_FSCK_MAX problems listed ("truncated":true beyond).
 *   Paged: "after" is "0" for the first page, then the "next" of the
 *   previous answer.  A page holds the metaserver's cluster.fsck_page
 *   (1..MDFS_FSCK_MAX) chunks that follow the cursor in (ino, index)
 *   order, listed in that order, so "truncated" is always false; the
 *   counters are the page's (a file split between two pages counts in
 *   both: count distinct "ino" of ?all=1 for a total).  "next" is present
 *   while chunks follow: pass it back verbatim (it is "INO:INDEX", the
 *   last chunk of the page; "INO" alone means after every chunk of INO).
 *   Files created meanwhile with a higher inode number are seen, removed
 *   ones are not.  400 EINVAL for a malformed cursor.
 */
#define META_ROUTE_NODES	"/v1/nodes"
#define META_ROUTE_NODE		"/v1/nodes/{name}"
#define META_ROUTE_DECOMMISSION	"/v1/nodes/{name}/decommission"
#define META_ROUTE_GC		"/v1/gc"
#define META_ROUTE_FSCK		"/v1/fsck"
#define MDFS_FSCK_MAX		10000	/* problems listed by /v1/fsck */
#define MDFS_FSCK_CURSOR_MAX	48	/* bytes of a "next" cursor, NUL too */
#define MDFS_ADMIN_MAX_BODY	4096	/* bytes of an admin request */

#define JF_STATE	"state"
#define JF_REGISTERED	"registered"
#define JF_REPORTED	"reported"
#define JF_DRAIN_REMAINING "drain_remaining"
#define JF_LAST_HEARTBEAT "last_heartbeat_ms"
#define JF_QUEUED	"queued"
#define JF_CANCEL	"cancel"
#define JF_PROBLEMS	"problems"
#define JF_TRUNCATED	"truncated"
#define JF_AFTER	"after"		/* fsck query: the page cursor */
#define JF_NEXT		"next"		/* fsck: cursor of the next page */
#define JF_LIVE		"live"
#define JF_WANTED	"wanted"

/* ---- status (any metaserver, no auth) ------------------------------------
 *
 * GET /           HTML status page: leader, nodes (capacity, free, state,
 *                 last heartbeat), blocks, under-replicated, sessions.
 * GET /metrics    Prometheus text (MDFS_ROUTE_METRICS): minidfs_meta_* .
 * GET /v1/status  -> {"leader":"h:p","is_leader":bool,
 *   "nodes":{"live":n,"dead":n,"draining":n},
 *   "capacity":"n","free":"n","blocks":"n","referenced":"n",
 *   "under_replicated":"n","missing":"n","pending":"n","sessions":n,
 *   "locks":n,"gc_held":bool,"gc_held_reason":"...","inodes":"n",
 *   "files":"n","dirs":"n","bytes":"n","requests":"n",
 *   "node_list":[node as in /v1/nodes,...]}
 *   A standby knows membership and the namespace counts it loaded, not the
 *   block table (only the leader hears heartbeats).
 */
#define META_ROUTE_STATUS_PAGE	"/"
#define META_ROUTE_STATUS	"/v1/status"

/* ---- etcd keys (relative to the prefix, MDFS_ETCD_PREFIX by default) ---- */

#define EK_NODES	"nodes/"	/* nodes/<id> -> {"id","addr","capacity",...} */
#define EK_LEADER	"meta/leader"	/* "host:port" of the leading metaserver */
#define EK_MEMBERS	"meta/members/"	/* meta/members/<id> -> "host:port" */
#define EK_INODE	"fs/i/"		/* fs/i/<ino %016llx> -> inode JSON */
#define EK_DENTRY	"fs/d/"		/* fs/d/<parent %016llx>/<name> -> ino */
#define EK_CHUNK	"fs/c/"		/* fs/c/<ino>/<index %016llx> -> {"id","len"} */
#define EK_XATTR	"fs/x/"		/* fs/x/<ino>/<name> -> value */
#define EK_ORPHAN	"fs/o/"		/* fs/o/<ino> -> {"handles":[{"session","fh"}]}:
				 * unlinked while open */
#define EK_SESSIONS	"meta/sessions/"	/* meta/sessions/<id %016llx> ->
				 * {"id":"n","client":"..."}, under the
				 * session's lease (the id is the lease) */
#define EK_DRAIN	"meta/drain/"	/* meta/drain/<node id> -> "1": decommission */
#define EK_LOCKS	"meta/locks/"	/* meta/locks/<session>/<ino>/<p|f><owner>
				 * (%016llx each) -> {"ranges":[{"type",
				 * "start","end","pid"}...]}, under the
				 * session's lease */
#define EK_NEXT_INO	"fs/next_ino"	/* decimal: inode numbers below it are
				 * handed out (allocated in batches) */

#endif /* MINIDFS_PROTOCOL_H */
