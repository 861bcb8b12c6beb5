/*
 * h_cluster: the metaserver's HTTP handlers for the dataserver protocol, the
 * admin routes, sessions and locks, and the status pages (h_cluster.c,
 * h_locks.c, h_status.c).  routes.c puts them into the one route table;
 * protocol.h documents every request and answer.  Each handler gets the
 * struct meta through httpd_arg(req).
 */
#ifndef MINIDFS_H_CLUSTER_H
#define MINIDFS_H_CLUSTER_H

struct cJSON;
struct httpd_req;
struct httpd_resp;
struct meta;

/* h_cluster.c: dataservers (leader only, HTTPD_JSON | HTTPD_AUTH) */
void	 meta_h_cluster_heartbeat(struct httpd_req *, struct httpd_resp *);
void	 meta_h_cluster_blockreport(struct httpd_req *, struct httpd_resp *);
/* h_cluster.c: admin (HTTPD_AUTH; the POSTs with HTTPD_JSON) */
void	 meta_h_nodes_list(struct httpd_req *, struct httpd_resp *);
void	 meta_h_nodes_get(struct httpd_req *, struct httpd_resp *);
void	 meta_h_nodes_decommission(struct httpd_req *, struct httpd_resp *);
void	 meta_h_gc_run(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fsck(struct httpd_req *, struct httpd_resp *);
/* Every known dataserver as a JSON array of node objects (protocol.h,
 * GET /v1/nodes); caller owns it.  Also used by h_status.c. */
struct cJSON *meta_nodes_json(struct meta *);

/* h_locks.c: sessions and locks (leader only, HTTPD_JSON | HTTPD_AUTH) */
void	 meta_h_session_open(struct httpd_req *, struct httpd_resp *);
void	 meta_h_session_renew(struct httpd_req *, struct httpd_resp *);
void	 meta_h_session_close(struct httpd_req *, struct httpd_resp *);
void	 meta_h_locks_get(struct httpd_req *, struct httpd_resp *);
void	 meta_h_locks_set(struct httpd_req *, struct httpd_resp *);
void	 meta_h_locks_release(struct httpd_req *, struct httpd_resp *);

/* h_status.c: any metaserver, no auth, no body */
void	 meta_h_status_page(struct httpd_req *, struct httpd_resp *);
void	 meta_h_status_json(struct httpd_req *, struct httpd_resp *);
void	 meta_h_metrics(struct httpd_req *, struct httpd_resp *);

#endif /* MINIDFS_H_CLUSTER_H */
