/*
 * h_stats: GET /v1/stats (JSON) and GET /metrics (Prometheus text format).
 */
#ifndef MINIDFS_DATA_H_STATS_H
#define MINIDFS_DATA_H_STATS_H

struct httpd_req;
struct httpd_resp;

void	 data_h_stats_get(struct httpd_req *, struct httpd_resp *);
void	 data_h_metrics_get(struct httpd_req *, struct httpd_resp *);

#endif /* MINIDFS_DATA_H_STATS_H */
