/*
 * routes: the dataserver's one route table (tmux cmd_table).  common/httpd
 * matches, caps bodies, checks tokens and validates {id} before any handler
 * runs; the handlers live in h_blocks.c and h_stats.c.
 *
 * The PUT cap here is the protocol's largest block; the configured
 * storage.block_size (smaller or equal) is enforced by the handler.
 */
#include "config.h"

#include <stddef.h>

#include "common/httpd.h"
#include "common/protocol.h"
#include "server/data/data.h"
#include "server/data/h_blocks.h"
#include "server/data/h_stats.h"

const struct httpd_route data_routes[] = {
	{ "PUT", DATA_ROUTE_BLOCK, MDFS_BLOCK_SIZE_MAX,
	  HTTPD_STREAM | HTTPD_TOKEN_W, data_h_blocks_put,
	  data_h_blocks_put_begin, data_h_blocks_put_data,
	  data_h_blocks_put_abort },
	{ "GET", DATA_ROUTE_BLOCK, 0, HTTPD_TOKEN_R, data_h_blocks_get,
	  NULL, NULL, NULL },
	{ "DELETE", DATA_ROUTE_BLOCK, 0, HTTPD_TOKEN_D, data_h_blocks_delete,
	  NULL, NULL, NULL },
	{ "POST", DATA_ROUTE_FETCH, DATA_JSON_BODY_MAX, HTTPD_JSON | HTTPD_AUTH,
	  data_h_blocks_fetch, NULL, NULL, NULL },
	{ "POST", DATA_ROUTE_PUSH, DATA_JSON_BODY_MAX, HTTPD_JSON | HTTPD_AUTH,
	  data_h_blocks_push, NULL, NULL, NULL },
	{ "GET", DATA_ROUTE_STATS, 0, 0, data_h_stats_get, NULL, NULL, NULL },
	{ "GET", MDFS_ROUTE_METRICS, 0, 0, data_h_metrics_get, NULL, NULL,
	  NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};
