/*
 * h_status: what an operator looks at -- the HTML status page at /, the
 * Prometheus text at /metrics and the same facts as JSON at /v1/status.
 * Every metaserver answers them (a standby shows the leader's address, its
 * membership view and the namespace counts it holds); only the leader hears
 * heartbeats, so block figures are the leader's.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/httpd.h"
#include "common/json.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "server/meta/cluster.h"
#include "server/meta/election.h"
#include "server/meta/h_cluster.h"
#include "server/meta/locks.h"
#include "server/meta/meta.h"
#include "server/meta/ns.h"
#include "server/meta/sessions.h"

#define STATUS_PAGE_MAX	(4u * 1024 * 1024)	/* bytes of the HTML page */

struct facts {
	char		 leader[MDFS_ADDR_MAX];
	int		 is_leader;
	struct cluster_summary cs;
	uint64_t	 inodes, files, dirs, bytes;
	size_t		 sessions, locks;
};

static void
gather(struct meta *m, struct facts *f)
{
	memset(f, 0, sizeof(*f));
	election_leader(m->election, f->leader, sizeof(f->leader));
	f->is_leader = election_is_leader(m->election);
	cluster_summarize(m->cluster, &f->cs);
	ns_stats(m->ns, &f->inodes, &f->files, &f->dirs, &f->bytes);
	f->sessions = sessions_count(m->sessions);
	f->locks = locks_count(m->locks);
}

/* A growing text; xrealloc aborts on OOM, the cap keeps it bounded. */
struct text {
	char	*p;
	size_t	 len, cap;
	int	 full;
};

static void __attribute__((format(printf, 2, 3)))
tprintf(struct text *t, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (t->full)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		if (t->cap >= STATUS_PAGE_MAX) {
			t->full = 1;
			t->p[t->len] = '\0';
			return;
		}
		t->cap *= 2;
		t->p = xrealloc(t->p, t->cap);
	}
}

/* HTML-escapes s into t. */
static void
tesc(struct text *t, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '<':
			tprintf(t, "&lt;");
			break;
		case '>':
			tprintf(t, "&gt;");
			break;
		case '&':
			tprintf(t, "&amp;");
			break;
		case '"':
			tprintf(t, "&quot;");
			break;
		default:
			tprintf(t, "%c", *s);
		}
}

static void
text_init(struct text *t)
{
	t->cap = 8192;
	t->len = 0;
	t->full = 0;
	t->p = xmalloc(t->cap);
	t->p[0] = '\0';
}

static void
human(uint64_t b, char *out, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB" };
	double	 v = (double)b;
	size_t	 u = 0;

	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	snprintf(out, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void
meta_h_status_page(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	struct facts	 f;
	struct text	 t;
	struct cluster_node_info *nv = NULL;
	struct sessions_info *sv = NULL;
	size_t		 nn = 0, ns = 0, i;
	char		 a[32], b[32], c[32];

	cluster_count_request(m->cluster, CLUSTER_REQ_STATUS);
	gather(m, &f);
	if (cluster_nodes(m->cluster, &nv, &nn) != 0)
		nn = 0;
	if (sessions_list(m->sessions, &sv, &ns) != 0)
		ns = 0;
	text_init(&t);
	tprintf(&t, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>minidfs metaserver</title>"
	    "<style>body{font-family:sans-serif}table{border-collapse:"
	    "collapse}td,th{border:1px solid #999;padding:2px 8px;"
	    "text-align:right}th{background:#eee}.l{text-align:left}"
	    "</style></head><body>\n<h1>minidfs metaserver</h1>\n");
	tprintf(&t, "<p>This node: <b>%s</b>. Leader: <b>",
	    f.is_leader ? "leader" : "standby");
	tesc(&t, f.leader[0] ? f.leader : "unknown");
	tprintf(&t, "</b></p>\n");
	human(f.cs.capacity, a, sizeof(a));
	human(f.cs.free, b, sizeof(b));
	human(f.bytes, c, sizeof(c));
	tprintf(&t, "<h2>Summary</h2>\n<table>"
	    "<tr><th class=l>dataservers live / dead / draining</th>"
	    "<td>%" PRIu64 " / %" PRIu64 " / %" PRIu64 "</td></tr>"
	    "<tr><th class=l>capacity / free</th><td>%s / %s</td></tr>"
	    "<tr><th class=l>blocks (referenced)</th><td>%" PRIu64
	    " (%" PRIu64 ")</td></tr>"
	    "<tr><th class=l>under-replicated</th><td>%" PRIu64 "</td></tr>"
	    "<tr><th class=l>missing</th><td>%" PRIu64 "</td></tr>"
	    "<tr><th class=l>pending allocations</th><td>%" PRIu64
	    "</td></tr>"
	    "<tr><th class=l>queued commands</th><td>%" PRIu64 "</td></tr>"
	    "<tr><th class=l>inodes / files / dirs</th><td>%" PRIu64 " / %"
	    PRIu64 " / %" PRIu64 "</td></tr>"
	    "<tr><th class=l>file bytes</th><td>%s</td></tr>"
	    "<tr><th class=l>sessions / locks</th><td>%zu / %zu</td></tr>"
	    "<tr><th class=l>garbage collection</th><td>",
	    f.cs.nodes_live, f.cs.nodes_dead, f.cs.nodes_draining, a, b,
	    f.cs.blocks, f.cs.referenced, f.cs.under_replicated,
	    f.cs.missing, f.cs.pending, f.cs.queued_commands, f.inodes,
	    f.files, f.dirs, c, f.sessions, f.locks);
	if (f.cs.gc_held) {
		tprintf(&t, "held: ");
		tesc(&t, f.cs.gc_held_reason);
	} else
		tprintf(&t, "running");
	tprintf(&t, "</td></tr></table>\n<h2>Dataservers</h2>\n<table><tr>"
	    "<th class=l>id</th><th class=l>address</th><th>state</th>"
	    "<th>capacity</th><th>free</th><th>blocks</th>"
	    "<th>last heartbeat</th><th>queued</th></tr>\n");
	for (i = 0; i < nn; i++) {
		human(nv[i].capacity, a, sizeof(a));
		human(nv[i].free, b, sizeof(b));
		tprintf(&t, "<tr><td class=l>");
		tesc(&t, nv[i].id);
		tprintf(&t, "</td><td class=l>");
		tesc(&t, nv[i].addr);
		tprintf(&t, "</td><td>%s", cluster_node_state_name(
		    nv[i].state));
		if (nv[i].state == CLUSTER_NODE_DRAINING)
			tprintf(&t, " (%" PRIu64 " left)",
			    nv[i].drain_remaining);
		tprintf(&t, "</td><td>%s</td><td>%s</td><td>%" PRIu64
		    "</td>", a, b, nv[i].blocks);
		if (nv[i].last_heartbeat_ms < 0)
			tprintf(&t, "<td>never</td>");
		else
			tprintf(&t, "<td>%.1f s ago</td>",
			    (double)nv[i].last_heartbeat_ms / 1000.0);
		tprintf(&t, "<td>%" PRIu64 "</td></tr>\n", nv[i].queued);
	}
	tprintf(&t, "</table>\n<h2>Sessions</h2>\n<table><tr>"
	    "<th class=l>id</th><th class=l>client</th><th>expires in</th>"
	    "</tr>\n");
	for (i = 0; i < ns; i++) {
		tprintf(&t, "<tr><td class=l>%" PRIu64 "</td><td class=l>",
		    sv[i].id);
		tesc(&t, sv[i].client);
		tprintf(&t, "</td><td>%.1f s</td></tr>\n",
		    (double)sv[i].expires_in_ms / 1000.0);
	}
	tprintf(&t, "</table>\n</body></html>\n");
	free(nv);
	free(sv);
	resp->status = 200;
	resp->body = t.p;
	resp->body_len = t.len;
	resp->content_type = "text/html; charset=utf-8";
}

void
meta_h_status_json(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	struct facts	 f;
	cJSON		*o, *nodes;
	uint64_t	 requests = 0;
	unsigned	 k;

	cluster_count_request(m->cluster, CLUSTER_REQ_STATUS);
	gather(m, &f);
	for (k = 0; k < CLUSTER_REQ_KINDS; k++)
		requests += cluster_requests(m->cluster,
		    (enum cluster_req_kind)k);
	o = json_new_object();
	json_add_str(o, JF_LEADER, f.leader);
	json_add_bool(o, JF_IS_LEADER, f.is_leader);
	nodes = json_new_object();
	json_add_num(nodes, "live", (double)f.cs.nodes_live);
	json_add_num(nodes, "dead", (double)f.cs.nodes_dead);
	json_add_num(nodes, "draining", (double)f.cs.nodes_draining);
	cJSON_AddItemToObject(o, JF_NODES, nodes);
	json_add_u64(o, JF_CAPACITY, f.cs.capacity);
	json_add_u64(o, JF_FREE, f.cs.free);
	json_add_u64(o, JF_BLOCKS, f.cs.blocks);
	json_add_u64(o, "referenced", f.cs.referenced);
	json_add_u64(o, "under_replicated", f.cs.under_replicated);
	json_add_u64(o, "missing", f.cs.missing);
	json_add_u64(o, "pending", f.cs.pending);
	json_add_u64(o, "queued_commands", f.cs.queued_commands);
	json_add_num(o, "sessions", (double)f.sessions);
	json_add_num(o, "locks", (double)f.locks);
	json_add_bool(o, "gc_held", f.cs.gc_held);
	json_add_str(o, "gc_held_reason", f.cs.gc_held_reason);
	json_add_u64(o, "inodes", f.inodes);
	json_add_u64(o, "files", f.files);
	json_add_u64(o, "dirs", f.dirs);
	json_add_u64(o, "bytes", f.bytes);
	json_add_u64(o, "requests", requests);
	cJSON_AddItemToObject(o, "node_list", meta_nodes_json(m));
	httpd_resp_json(resp, 200, o);
}

void
meta_h_metrics(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	struct facts	 f;
	struct text	 t;
	unsigned	 k;

	cluster_count_request(m->cluster, CLUSTER_REQ_STATUS);
	gather(m, &f);
	text_init(&t);
#define GAUGE(name, help, fmt, v) \
	tprintf(&t, "# HELP " name " " help "\n# TYPE " name " gauge\n" \
	    name " " fmt "\n", v)
	GAUGE("minidfs_meta_is_leader", "1 on the leading metaserver", "%d",
	    f.is_leader);
	tprintf(&t, "# HELP minidfs_meta_nodes Dataservers by state.\n"
	    "# TYPE minidfs_meta_nodes gauge\n"
	    "minidfs_meta_nodes{state=\"live\"} %" PRIu64 "\n"
	    "minidfs_meta_nodes{state=\"dead\"} %" PRIu64 "\n"
	    "minidfs_meta_nodes{state=\"draining\"} %" PRIu64 "\n",
	    f.cs.nodes_live, f.cs.nodes_dead, f.cs.nodes_draining);
	GAUGE("minidfs_meta_capacity_bytes", "Capacity of the live "
	    "dataservers.", "%" PRIu64, f.cs.capacity);
	GAUGE("minidfs_meta_free_bytes", "Free space of the live "
	    "dataservers.", "%" PRIu64, f.cs.free);
	GAUGE("minidfs_meta_blocks", "Blocks in the block table.",
	    "%" PRIu64, f.cs.blocks);
	GAUGE("minidfs_meta_blocks_referenced", "Blocks some file "
	    "references.", "%" PRIu64, f.cs.referenced);
	GAUGE("minidfs_meta_blocks_under_replicated", "Referenced blocks "
	    "with fewer live replicas than wanted.", "%" PRIu64,
	    f.cs.under_replicated);
	GAUGE("minidfs_meta_blocks_missing", "Referenced blocks without a "
	    "live replica.", "%" PRIu64, f.cs.missing);
	GAUGE("minidfs_meta_blocks_pending", "Allocations not committed "
	    "yet.", "%" PRIu64, f.cs.pending);
	GAUGE("minidfs_meta_commands_queued", "Commands waiting for a "
	    "heartbeat.", "%" PRIu64, f.cs.queued_commands);
	GAUGE("minidfs_meta_gc_held", "1 while garbage collection is held.",
	    "%d", f.cs.gc_held);
	GAUGE("minidfs_meta_sessions", "Client sessions.", "%zu", f.sessions);
	GAUGE("minidfs_meta_locks", "Lock ranges held.", "%zu", f.locks);
	GAUGE("minidfs_meta_inodes", "Inodes in the namespace.", "%" PRIu64,
	    f.inodes);
	GAUGE("minidfs_meta_files", "Regular files.", "%" PRIu64, f.files);
	GAUGE("minidfs_meta_dirs", "Directories.", "%" PRIu64, f.dirs);
	GAUGE("minidfs_meta_file_bytes", "Sum of file sizes.", "%" PRIu64,
	    f.bytes);
#undef GAUGE
	tprintf(&t, "# HELP minidfs_meta_repairs_total Copy commands "
	    "issued.\n# TYPE minidfs_meta_repairs_total counter\n"
	    "minidfs_meta_repairs_total %" PRIu64 "\n"
	    "# HELP minidfs_meta_deletes_total Delete commands issued.\n"
	    "# TYPE minidfs_meta_deletes_total counter\n"
	    "minidfs_meta_deletes_total %" PRIu64 "\n",
	    f.cs.repairs_issued, f.cs.deletes_issued);
	tprintf(&t, "# HELP minidfs_meta_requests_total Requests by kind.\n"
	    "# TYPE minidfs_meta_requests_total counter\n");
	for (k = 0; k < CLUSTER_REQ_KINDS; k++)
		tprintf(&t, "minidfs_meta_requests_total{kind=\"%s\"} %"
		    PRIu64 "\n", cluster_req_kind_name(
		    (enum cluster_req_kind)k), cluster_requests(m->cluster,
		    (enum cluster_req_kind)k));
	resp->status = 200;
	resp->body = t.p;
	resp->body_len = t.len;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
