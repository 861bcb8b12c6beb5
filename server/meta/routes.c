/*
 * routes: the metaserver's one route table.  Bodies, answers and errors of
 * every route are documented in common/protocol.h.
 */
#include "config.h"

#include <stddef.h>

#include "common/httpd.h"
#include "common/protocol.h"
#include "server/meta/h_cluster.h"
#include "server/meta/h_fs.h"
#include "server/meta/meta.h"

#define FS_FLAGS	(HTTPD_JSON | HTTPD_AUTH)
#define FS_ROUTE(path, fn) { "POST", path, MDFS_FS_MAX_BODY, FS_FLAGS, fn, \
	    NULL, NULL, NULL }

#define CL_ROUTE(method, path, max, fn) { method, path, max, \
	    HTTPD_JSON | HTTPD_AUTH, fn, NULL, NULL, NULL }

const struct httpd_route meta_routes[] = {
	/* filesystem (meta-ns) */
	{ "GET", META_ROUTE_FS_INFO, 0, 0, meta_h_fs_info, NULL, NULL, NULL },
	FS_ROUTE(META_ROUTE_FS_LOOKUP, meta_h_fs_lookup),
	FS_ROUTE(META_ROUTE_FS_GETATTR, meta_h_fs_getattr),
	FS_ROUTE(META_ROUTE_FS_SETATTR, meta_h_fs_setattr),
	FS_ROUTE(META_ROUTE_FS_ATIME, meta_h_fs_atime),
	FS_ROUTE(META_ROUTE_FS_MKNOD, meta_h_fs_mknod),
	FS_ROUTE(META_ROUTE_FS_MKDIR, meta_h_fs_mkdir),
	FS_ROUTE(META_ROUTE_FS_SYMLINK, meta_h_fs_symlink),
	FS_ROUTE(META_ROUTE_FS_CREATE, meta_h_fs_create),
	FS_ROUTE(META_ROUTE_FS_READLINK, meta_h_fs_readlink),
	FS_ROUTE(META_ROUTE_FS_LINK, meta_h_fs_link),
	FS_ROUTE(META_ROUTE_FS_UNLINK, meta_h_fs_unlink),
	FS_ROUTE(META_ROUTE_FS_RMDIR, meta_h_fs_rmdir),
	FS_ROUTE(META_ROUTE_FS_RENAME, meta_h_fs_rename),
	FS_ROUTE(META_ROUTE_FS_READDIR, meta_h_fs_readdir),
	FS_ROUTE(META_ROUTE_FS_STATFS, meta_h_fs_statfs),
	FS_ROUTE(META_ROUTE_FS_SETXATTR, meta_h_fs_setxattr),
	FS_ROUTE(META_ROUTE_FS_GETXATTR, meta_h_fs_getxattr),
	FS_ROUTE(META_ROUTE_FS_LISTXATTR, meta_h_fs_listxattr),
	FS_ROUTE(META_ROUTE_FS_RMXATTR, meta_h_fs_removexattr),
	FS_ROUTE(META_ROUTE_FS_OPEN, meta_h_fs_open),
	FS_ROUTE(META_ROUTE_FS_RELEASE, meta_h_fs_release),
	FS_ROUTE(META_ROUTE_FS_BLOCKMAP, meta_h_fs_blockmap),
	FS_ROUTE(META_ROUTE_FS_ALLOC, meta_h_fs_alloc),
	FS_ROUTE(META_ROUTE_FS_BADREPLICA, meta_h_fs_badreplica),
	FS_ROUTE(META_ROUTE_FS_COMMIT, meta_h_fs_commit),
	/* cluster, sessions, locks, status (meta-cluster) */
	CL_ROUTE("POST", META_ROUTE_HEARTBEAT, MDFS_CLUSTER_MAX_BODY,
	    meta_h_cluster_heartbeat),
	CL_ROUTE("POST", META_ROUTE_BLOCKREPORT, MDFS_CLUSTER_MAX_BODY,
	    meta_h_cluster_blockreport),
	CL_ROUTE("POST", META_ROUTE_SESSION_OPEN, MDFS_LOCKS_MAX_BODY,
	    meta_h_session_open),
	CL_ROUTE("POST", META_ROUTE_SESSION_RENEW, MDFS_LOCKS_MAX_BODY,
	    meta_h_session_renew),
	CL_ROUTE("POST", META_ROUTE_SESSION_CLOSE, MDFS_LOCKS_MAX_BODY,
	    meta_h_session_close),
	CL_ROUTE("POST", META_ROUTE_LOCKS_GET, MDFS_LOCKS_MAX_BODY,
	    meta_h_locks_get),
	CL_ROUTE("POST", META_ROUTE_LOCKS_SET, MDFS_LOCKS_MAX_BODY,
	    meta_h_locks_set),
	CL_ROUTE("POST", META_ROUTE_LOCKS_RELEASE, MDFS_LOCKS_MAX_BODY,
	    meta_h_locks_release),
	{ "GET", META_ROUTE_NODES, 0, HTTPD_AUTH, meta_h_nodes_list,
	    NULL, NULL, NULL },
	{ "GET", META_ROUTE_NODE, 0, HTTPD_AUTH, meta_h_nodes_get,
	    NULL, NULL, NULL },
	CL_ROUTE("POST", META_ROUTE_DECOMMISSION, MDFS_ADMIN_MAX_BODY,
	    meta_h_nodes_decommission),
	CL_ROUTE("POST", META_ROUTE_GC, MDFS_ADMIN_MAX_BODY, meta_h_gc_run),
	{ "GET", META_ROUTE_FSCK, 0, HTTPD_AUTH, meta_h_fsck,
	    NULL, NULL, NULL },
	{ "GET", META_ROUTE_STATUS_PAGE, 0, 0, meta_h_status_page,
	    NULL, NULL, NULL },
	{ "GET", META_ROUTE_STATUS, 0, 0, meta_h_status_json,
	    NULL, NULL, NULL },
	{ "GET", MDFS_ROUTE_METRICS, 0, 0, meta_h_metrics, NULL, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL }
};
