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
 *                   {"op":"push","id":"<hex>","to":"h:p"}]}
 *   "full_report": true asks the node to send a full block report now.
 * POST /v1/cluster/blockreport (cluster auth)
 *   {"id":"ds1","seq":n,"last":bool,"blocks":[{"id":"<hex>","size":"n"}...]}
 *   One batch of at most MDFS_REPORT_BATCH blocks; seq counts from 0; the
 *   report replaces the node's block list when "last" arrives.
 *   -> {}
 */
#define META_ROUTE_HEARTBEAT	"/v1/cluster/heartbeat"
#define META_ROUTE_BLOCKREPORT	"/v1/cluster/blockreport"

/* Commands in a heartbeat answer */
#define CMD_DELETE	"delete"
#define CMD_FETCH	"fetch"
#define CMD_PUSH	"push"

/* ---- JSON field names --------------------------------------------------- */

#define JF_ERROR	"error"
#define JF_MESSAGE	"message"
#define JF_ID		"id"
#define JF_ADDR		"addr"
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

/* ---- etcd keys (relative to the prefix, MDFS_ETCD_PREFIX by default) ---- */

#define EK_NODES	"nodes/"	/* nodes/<id> -> {"id","addr","capacity",...} */
#define EK_LEADER	"meta/leader"	/* "host:port" of the leading metaserver */
#define EK_MEMBERS	"meta/members/"	/* meta/members/<id> -> "host:port" */
#define EK_INODE	"fs/i/"		/* fs/i/<ino %016llx> -> inode JSON */
#define EK_DENTRY	"fs/d/"		/* fs/d/<parent %016llx>/<name> -> ino */
#define EK_CHUNK	"fs/c/"		/* fs/c/<ino>/<index %016llx> -> {"id","len"} */
#define EK_XATTR	"fs/x/"		/* fs/x/<ino>/<name> -> value */

#endif /* MINIDFS_PROTOCOL_H */
