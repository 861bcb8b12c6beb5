/*
 * h_stats: what the dataserver tells about itself: GET /v1/stats (JSON, the
 * same figures the heartbeat carries) and GET /metrics (Prometheus text
 * exposition format 0.0.4: gauges for the store, counters for requests).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/protocol.h"
#include "server/data/blockstore.h"
#include "server/data/data.h"
#include "server/data/h_stats.h"

#define METRICS_MAX	(64u * 1024)	/* bytes of the /metrics page */

void
data_h_stats_get(struct httpd_req *req, struct httpd_resp *resp)
{
	struct data_server	*ds = httpd_arg(req);
	struct blockstore_stats	 st;
	struct cJSON		*o;

	blockstore_stats(ds->store, &st);
	o = json_new_object();
	json_add_str(o, JF_ID, ds->conf.id);
	json_add_str(o, JF_ADDR, ds->addr);
	json_add_u64(o, JF_CAPACITY, st.capacity);
	json_add_u64(o, JF_USED, st.used);
	json_add_u64(o, JF_FREE, st.free);
	json_add_u64(o, JF_BLOCKS, st.blocks);
	json_add_u64(o, JF_QUARANTINED, st.quarantined);
	json_add_num(o, JF_INFLIGHT, (double)st.writes_inflight);
	httpd_resp_json(resp, 200, o);
}

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* One metric with its HELP and TYPE lines. */
static int
metric(struct buf *b, const char *name, const char *type, const char *help,
    uint64_t v)
{
	return buf_appendf(b, "# HELP minidfs_data_%s %s\n"
	    "# TYPE minidfs_data_%s %s\nminidfs_data_%s %" PRIu64 "\n",
	    name, help, name, type, name, v);
}

void
data_h_metrics_get(struct httpd_req *req, struct httpd_resp *resp)
{
	struct data_server	*ds = httpd_arg(req);
	struct data_metrics	*m = &ds->m;
	struct blockstore_stats	 st;
	struct buf		 b = BUF_INIT(METRICS_MAX);
	int			 rc = 0;

	blockstore_stats(ds->store, &st);
#define G(n, h, v)	if (rc == 0) rc = metric(&b, n, "gauge", h, v)
#define C(n, h, v)	if (rc == 0) rc = metric(&b, n, "counter", h, v)
	G("capacity_bytes", "Bytes this node may store.", st.capacity);
	G("used_bytes", "Bytes in stored blocks.", st.used);
	G("free_bytes", "Bytes a new block may still take.", st.free);
	G("reserved_bytes", "Bytes reserved by writes in progress.",
	    st.reserved);
	G("blocks", "Blocks stored.", st.blocks);
	G("writes_inflight", "Block writes in progress.", st.writes_inflight);
	C("quarantined_total", "Blocks moved to quarantine.", st.quarantined);
	C("put_requests_total", "PUT requests.", get(&m->put_requests));
	C("put_bytes_total", "Body bytes received by PUT.",
	    get(&m->put_bytes));
	C("put_errors_total", "PUT requests that failed.",
	    get(&m->put_errors));
	C("get_requests_total", "GET and HEAD requests.",
	    get(&m->get_requests));
	C("get_bytes_total", "Block bytes served.", get(&m->get_bytes));
	C("get_errors_total", "GET requests that failed.",
	    get(&m->get_errors));
	C("delete_requests_total", "DELETE requests.",
	    get(&m->delete_requests));
	C("chain_failures_total", "Downstream chain transfers that failed.",
	    get(&m->chain_failures));
	C("fetches_total", "Pull copies.", get(&m->fetches));
	C("pushes_total", "Push copies.", get(&m->pushes));
	C("copy_failures_total", "Pull or push copies that failed.",
	    get(&m->copy_failures));
	C("verify_failures_total", "Reads that failed verification.",
	    get(&m->verify_failures));
	C("heartbeats_total", "Heartbeats answered by a metaserver.",
	    get(&m->heartbeats));
	C("heartbeat_failures_total", "Heartbeats and block reports that failed.",
	    get(&m->heartbeat_failures));
	C("commands_total", "Metaserver commands executed.",
	    get(&m->commands));
	C("scrub_bytes_total", "Bytes re-verified by the scrubber.",
	    get(&m->scrub_bytes));
	C("scrub_passes_total", "Scrub passes completed.",
	    get(&m->scrub_passes));
	C("registrations_total", "Registrations in etcd (new leases).",
	    get(&m->registrations));
	C("full_reports_total", "Full block reports sent.",
	    get(&m->full_reports));
#undef G
#undef C
	if (rc < 0) {
		buf_release(&b);
		httpd_resp_error(resp, -rc, "metrics page too large");
		return;
	}
	resp->status = 200;
	resp->body = buf_detach(&b, &resp->body_len);
	resp->content_type = "text/plain; version=0.0.4";
}
