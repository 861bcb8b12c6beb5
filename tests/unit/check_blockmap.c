/*
 * check_blockmap: the cluster's block table and its leader-side decisions
 * without etcd -- heartbeats (added, removed, quarantined), full block
 * reports, repair (most endangered first, rate limits, per-heartbeat cap,
 * trimming, quarantine), GC (grace, pending allocations, references, held
 * until every live node reported and while references are being reloaded,
 * revival cancelling queued deletes) and decommission.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server/meta/cluster.h"
#include "tests/lib/check_main.h"
#include "tests/unit/cluster_test.h"

struct fx {
	struct tclock	 clock;
	struct cluster	*c;
	struct cluster_config conf;
};

/* nodes ds0..ds<n-1>, leader, every node reported (empty) */
static void
fx_init(struct fx *f, unsigned nodes)
{
	unsigned i;

	f->conf = test_config();
	f->clock.ms = 1000000;
	f->c = cluster_new(&f->conf, NULL, NULL, 0);
	cluster_set_clock(f->c, tclock_now, &f->clock);
	for (i = 0; i < nodes; i++)
		test_node(f->c, i, 100 * GiB);
	cluster_set_leader(f->c, 1);
	for (i = 0; i < nodes; i++)
		ck_assert_int_eq(test_report(f->c, i, NULL, 0), 0);
}

static void
fx_free(struct fx *f)
{
	cluster_free(f->c);
}

/* Heartbeats node i (no block changes); returns the commands. */
static size_t
hb(struct fx *f, unsigned i, struct cluster_cmd *cmds, size_t max)
{
	size_t	 n;
	int	 full;

	ck_assert_int_eq(test_hb(f->c, i, 100 * GiB, cmds, max, &n, &full), 0);
	return n;
}

/* Moves the clock by dt ms, heartbeating nodes [0, n) except skip every
 * 5 s (within the 10 s timeout) so they stay alive. */
static void
advance(struct fx *f, int64_t dt, unsigned n, int skip)
{
	struct cluster_cmd cmds[1];
	unsigned i;

	while (dt > 0) {
		int64_t step = dt < 5000 ? dt : 5000;

		f->clock.ms += step;
		dt -= step;
		for (i = 0; i < n; i++)
			if ((int)i != skip) {
				size_t k;
				int full;

				ck_assert_int_eq(test_hb(f->c, i, 100 * GiB,
				    cmds, 0, &k, &full), 0);
			}
	}
}

/* Puts block bid (ref'd with wanted R) on the given nodes. */
static void
place(struct fx *f, const char *bid, unsigned wanted, const unsigned *on,
    size_t n)
{
	size_t	 i;

	cluster_block_ref(f->c, bid, 4 * MiB, wanted, +1);
	for (i = 0; i < n; i++)
		test_added(f->c, on[i], bid, 100 * GiB);
}

/* ---- heartbeats and reports ------------------------------------------------ */

START_TEST(test_heartbeat_changes)
{
	struct fx	 f;
	struct chain	 ch;
	struct cluster_block_info bi;
	struct cluster_hb h;
	struct cluster_cmd cmds[4];
	char		 bid[BLOCKID_BUFSZ];
	const char	*ids[1];
	size_t		 n;
	int		 full;
	const unsigned	 on[] = { 0, 1, 2 };

	fx_init(&f, 3);
	test_id(1, bid);
	place(&f, bid, 3, on, 3);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 3);
	ck_assert_int_eq(cluster_block_info(f.c, bid, &bi), 0);
	ck_assert(bi.known);
	ck_assert_uint_eq(bi.refs, 1);
	ck_assert_uint_eq(bi.wanted, 3);
	ck_assert_uint_eq(bi.live, 3);
	ck_assert_uint_eq(bi.size, 4 * MiB);

	ids[0] = bid;
	memset(&h, 0, sizeof(h));
	h.id = "ds1";
	h.addr = "127.0.0.1:9001";
	h.free = 100 * GiB;
	h.removed = ids;
	h.nremoved = 1;
	ck_assert_int_eq(cluster_heartbeat(f.c, &h, cmds, 4, &n, &full), 0);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 2);
	h.id = "ds2";
	h.addr = "127.0.0.1:9002";
	h.removed = NULL;
	h.nremoved = 0;
	h.bad = ids;
	h.nbad = 1;
	ck_assert_int_eq(cluster_heartbeat(f.c, &h, cmds, 4, &n, &full), 0);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 1);
	ck_assert_str_eq(ch.nodes[0].id, "ds0");
	fx_free(&f);
}
END_TEST

/* A client's report of a bad replica: one verify command for that node,
 * the replica listed last until the node's next full report lists it. */
START_TEST(test_suspect)
{
	struct fx	 f;
	struct chain	 ch;
	struct cluster_cmd cmds[4];
	char		 bid[BLOCKID_BUFSZ], other[BLOCKID_BUFSZ];
	const char	*ids[1];
	const unsigned	 on[] = { 0, 1, 2 };
	size_t		 n, i;

	fx_init(&f, 4);
	test_id(1, bid);
	test_id(2, other);
	place(&f, bid, 3, on, 3);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 3);
	ck_assert_str_ne(ch.nodes[2].id, ch.nodes[0].id);
	/* report the one offered first */
	char first[sizeof(ch.nodes[0].id)];
	size_t fi;

	memcpy(first, ch.nodes[0].id, sizeof(first));
	fi = (size_t)(first[2] - '0');
	ck_assert_int_eq(cluster_suspect(f.c, bid, first), 0);
	ck_assert_int_eq(cluster_suspect(f.c, bid, first), 0);	/* once */
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 3);
	ck_assert_str_eq(ch.nodes[2].id, first);
	n = hb(&f, (unsigned)fi, cmds, 4);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cmds[0].op, CLUSTER_CMD_VERIFY);
	ck_assert_str_eq(cmds[0].id, bid);
	ck_assert_uint_eq(hb(&f, (unsigned)fi, cmds, 4), 0);
	/* errors: bad id, unknown node or block, a node without it */
	ck_assert_int_eq(cluster_suspect(f.c, "zz", first), -EINVAL);
	ck_assert_int_eq(cluster_suspect(f.c, bid, "nosuch"), -ENOENT);
	ck_assert_int_eq(cluster_suspect(f.c, other, first), -ENOENT);
	ck_assert_int_eq(cluster_suspect(f.c, bid, "ds3"), -ENOENT);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(hb(&f, (unsigned)i, cmds, 4), 0);
	/* the node's full report still lists it: it checked out good */
	ids[0] = bid;
	ck_assert_int_eq(test_report(f.c, (unsigned)fi, ids, 1), 0);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 3);
	ck_assert_str_ne(ch.nodes[2].id, first);
	fx_free(&f);
}
END_TEST

/* A live node that has not sent its full report since the takeover may hold
 * any block: it is offered after the known replicas until it reports. */
START_TEST(test_locations_unreported)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ], other[BLOCKID_BUFSZ];
	const unsigned	 on[] = { 0 };

	fx_init(&f, 3);
	test_id(1, bid);
	test_id(2, other);
	place(&f, bid, 3, on, 1);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 1);
	test_node(f.c, 3, 100 * GiB);	/* live, no full report yet */
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 2);
	ck_assert_str_eq(ch.nodes[0].id, "ds0");
	ck_assert_str_eq(ch.nodes[1].id, "ds3");
	ck_assert_uint_eq(cluster_block_locations(f.c, other, &ch), 1);
	ck_assert_str_eq(ch.nodes[0].id, "ds3");
	ck_assert_int_eq(test_report(f.c, 3, NULL, 0), 0);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 1);
	ck_assert_str_eq(ch.nodes[0].id, "ds0");
	ck_assert_uint_eq(cluster_block_locations(f.c, other, &ch), 0);
	fx_free(&f);
}
END_TEST

START_TEST(test_heartbeat_errors)
{
	struct fx	 f;
	struct chain	 ch;
	struct cluster_hb h;
	struct cluster_cmd cmds[4];
	char		 bid[BLOCKID_BUFSZ];
	const char	*ids[2];
	size_t		 n;
	int		 full;

	fx_init(&f, 1);
	test_id(1, bid);
	ids[0] = bid;
	ids[1] = "not-an-id";
	memset(&h, 0, sizeof(h));
	h.id = "ds0";
	h.addr = "127.0.0.1:9000";
	h.added = ids;
	h.nadded = 2;
	/* one bad id refuses the whole heartbeat: nothing recorded */
	ck_assert_int_eq(cluster_heartbeat(f.c, &h, cmds, 4, &n, &full),
	    -EINVAL);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 0);
	h.nadded = 1;
	h.id = "bad id";
	ck_assert_int_eq(cluster_heartbeat(f.c, &h, cmds, 4, &n, &full),
	    -EINVAL);
	h.id = "";
	ck_assert_int_eq(cluster_heartbeat(f.c, &h, cmds, 4, &n, &full),
	    -EINVAL);
	h.id = "ds0";
	h.addr = "";
	ck_assert_int_eq(cluster_heartbeat(f.c, &h, cmds, 4, &n, &full),
	    -EINVAL);
	h.addr = NULL;
	ck_assert_int_eq(cluster_heartbeat(f.c, &h, cmds, 4, &n, &full),
	    -EINVAL);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 0);
	fx_free(&f);
}
END_TEST

START_TEST(test_full_report)
{
	struct fx	 f;
	struct chain	 ch;
	struct cluster_cmd cmds[4];
	char		 a[BLOCKID_BUFSZ], b[BLOCKID_BUFSZ], c[BLOCKID_BUFSZ];
	const char	*ids[2];
	uint64_t	 sizes[2] = { 10, 20 };
	size_t		 n;
	int		 full;

	f.conf = test_config();
	f.clock.ms = 1000000;
	f.c = cluster_new(&f.conf, NULL, NULL, 0);
	cluster_set_clock(f.c, tclock_now, &f.clock);
	cluster_node_register(f.c, "ds0", "127.0.0.1:9000", GiB);
	/* not the leader: no report asked */
	ck_assert_int_eq(test_hb(f.c, 0, GiB, cmds, 4, &n, &full), 0);
	ck_assert_int_eq(full, 0);
	cluster_set_leader(f.c, 1);
	ck_assert_int_eq(test_hb(f.c, 0, GiB, cmds, 4, &n, &full), 0);
	ck_assert_int_eq(full, 1);
	/* asked once per heartbeat timeout, not every heartbeat */
	ck_assert_int_eq(test_hb(f.c, 0, GiB, cmds, 4, &n, &full), 0);
	ck_assert_int_eq(full, 0);

	test_id(1, a);
	test_id(2, b);
	test_id(3, c);
	test_added(f.c, 0, c, GiB);	/* c is not in the report: dropped */
	ids[0] = a;
	ids[1] = b;
	ck_assert_int_eq(cluster_blockreport(f.c, "ds0", 0, 0, ids, sizes, 1),
	    0);
	ck_assert_int_eq(cluster_blockreport(f.c, "ds0", 1, 1, ids + 1,
	    sizes + 1, 1), 0);
	ck_assert_uint_eq(cluster_block_locations(f.c, a, &ch), 1);
	ck_assert_uint_eq(cluster_block_locations(f.c, b, &ch), 1);
	ck_assert_uint_eq(cluster_block_locations(f.c, c, &ch), 0);
	f.clock.ms += 20000;
	ck_assert_int_eq(test_hb(f.c, 0, GiB, cmds, 4, &n, &full), 0);
	/* it was dead for a moment: a new report is wanted */
	ck_assert_int_eq(full, 1);
	/* a dataserver reports before its first heartbeat: not asked again */
	ck_assert_int_eq(cluster_blockreport(f.c, "ds7", 0, 1, ids, sizes, 2),
	    0);
	cluster_node_register(f.c, "ds7", "127.0.0.1:9007", GiB);
	ck_assert_int_eq(test_hb(f.c, 7, GiB, cmds, 4, &n, &full), 0);
	ck_assert_int_eq(full, 0);
	ck_assert_uint_eq(cluster_block_locations(f.c, a, &ch), 2);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_report_errors)
{
	struct fx	 f;
	struct chain	 ch;
	char		 a[BLOCKID_BUFSZ];
	const char	*ids[1] = { a };
	const char	*bad[1] = { "zz" };
	static const char *many[MDFS_REPORT_BATCH + 1];
	size_t		 i;

	fx_init(&f, 1);
	test_id(1, a);
	/* a report may come before the first heartbeat (and registration):
	 * the replica is known, but not offered while the node is not live */
	ck_assert_int_eq(cluster_blockreport(f.c, "ds9", 0, 1, ids, NULL, 1),
	    0);
	ck_assert_uint_eq(cluster_block_locations(f.c, a, &ch), 0);
	ck_assert_int_eq(cluster_blockreport(f.c, "d/s", 0, 1, ids, NULL, 1),
	    -EINVAL);
	ck_assert_int_eq(cluster_blockreport(f.c, "ds0", 0, 1, bad, NULL, 1),
	    -EINVAL);
	/* out of order: seq 1 without seq 0 */
	ck_assert_int_eq(cluster_blockreport(f.c, "ds0", 1, 1, ids, NULL, 1),
	    -EINVAL);
	ck_assert_int_eq(cluster_blockreport(f.c, "ds0", 0, 0, ids, NULL, 1),
	    0);
	ck_assert_int_eq(cluster_blockreport(f.c, "ds0", 2, 1, ids, NULL, 1),
	    -EINVAL);
	/* the partial report was dropped: the next must start at 0 */
	ck_assert_int_eq(cluster_blockreport(f.c, "ds0", 1, 1, ids, NULL, 1),
	    -EINVAL);
	ck_assert_uint_eq(cluster_block_locations(f.c, a, &ch), 0);
	for (i = 0; i < MDFS_REPORT_BATCH + 1; i++)
		many[i] = a;
	ck_assert_int_eq(cluster_blockreport(f.c, "ds0", 0, 1, many, NULL,
	    MDFS_REPORT_BATCH + 1), -E2BIG);
	ck_assert_int_eq(cluster_blockreport(f.c, "ds0", 0, 1, many, NULL,
	    MDFS_REPORT_BATCH), 0);
	ck_assert_uint_eq(cluster_block_locations(f.c, a, &ch), 1);
	fx_free(&f);
}
END_TEST

/* ---- repair ---------------------------------------------------------------- */

START_TEST(test_repair_dead_node)
{
	struct fx	 f;
	struct cluster_cmd cmds[8];
	struct cluster_summary s;
	char		 bid[BLOCKID_BUFSZ];
	const unsigned	 on[] = { 0, 1, 2 };
	size_t		 n;

	fx_init(&f, 4);
	test_id(5, bid);
	place(&f, bid, 3, on, 3);
	cluster_tick(f.c);
	ck_assert_uint_eq(hb(&f, 3, cmds, 8), 0);	/* healthy */
	/* ds0 dies */
	advance(&f, 11000, 4, 0);
	cluster_tick(f.c);
	cluster_summarize(f.c, &s);
	ck_assert_uint_eq(s.under_replicated, 1);
	ck_assert_uint_eq(s.nodes_dead, 1);
	n = hb(&f, 3, cmds, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cmds[0].op, CLUSTER_CMD_FETCH);
	ck_assert_str_eq(cmds[0].id, bid);
	ck_assert(strcmp(cmds[0].addr, "127.0.0.1:9001") == 0 ||
	    strcmp(cmds[0].addr, "127.0.0.1:9002") == 0);
	/* in flight: not commanded again */
	cluster_tick(f.c);
	ck_assert_uint_eq(hb(&f, 3, cmds, 8), 0);
	/* confirmed: healthy again */
	test_added(f.c, 3, bid, 100 * GiB);
	cluster_tick(f.c);
	cluster_summarize(f.c, &s);
	ck_assert_uint_eq(s.under_replicated, 0);
	ck_assert_uint_eq(s.repairs_issued, 1);
	fx_free(&f);
}
END_TEST

/* Two copies missing: the second is commanded to another node while the
 * first is unconfirmed (the same node again would never give a 4th). */
START_TEST(test_repair_distinct_targets)
{
	struct fx	 f;
	struct cluster_cmd cmds[8];
	struct cluster_block_info bi;
	char		 bid[BLOCKID_BUFSZ];
	const unsigned	 on[] = { 0, 1 };
	unsigned	 target[2] = { 0, 0 };
	size_t		 n, i, k;

	fx_init(&f, 4);
	test_id(21, bid);
	place(&f, bid, 4, on, 2);
	for (k = 0; k < 2; k++) {
		cluster_tick(f.c);
		n = 0;
		for (i = 2; i < 4; i++) {
			size_t got = hb(&f, (unsigned)i, cmds, 8);

			if (got > 0) {
				ck_assert_int_eq(cmds[0].op, CLUSTER_CMD_FETCH);
				target[k] = (unsigned)i;
			}
			n += got;
		}
		ck_assert_uint_eq(n, 1);
		f.clock.ms += 1000;
	}
	ck_assert_uint_ne(target[0], target[1]);
	/* both in flight: nothing more */
	cluster_tick(f.c);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(hb(&f, (unsigned)i, cmds, 8), 0);
	test_added(f.c, target[0], bid, 100 * GiB);
	test_added(f.c, target[1], bid, 100 * GiB);
	ck_assert_int_eq(cluster_block_info(f.c, bid, &bi), 0);
	ck_assert_uint_eq(bi.live, 4);
	cluster_tick(f.c);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(hb(&f, (unsigned)i, cmds, 8), 0);
	fx_free(&f);
}
END_TEST

START_TEST(test_repair_order_and_rate)
{
	struct fx	 f;
	struct cluster_cmd cmds[8];
	char		 x[BLOCKID_BUFSZ], y[BLOCKID_BUFSZ];
	const unsigned	 one[] = { 0 }, two[] = { 0, 1 };
	size_t		 n, i;

	/* like fx_init, with repair_per_second = 1 */
	f.conf = test_config();
	f.clock.ms = 1000000;
	f.conf.repair_per_second = 1;
	f.c = cluster_new(&f.conf, NULL, NULL, 0);
	cluster_set_clock(f.c, tclock_now, &f.clock);
	for (i = 0; i < 5; i++)
		test_node(f.c, (unsigned)i, 100 * GiB);
	cluster_set_leader(f.c, 1);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(test_report(f.c, (unsigned)i, NULL, 0), 0);
	test_id(1, y);		/* y sorts first by id */
	test_id(2, x);
	place(&f, y, 3, two, 2);	/* one missing */
	place(&f, x, 3, one, 1);	/* two missing: more endangered */
	cluster_tick(f.c);
	n = 0;
	for (i = 0; i < 5; i++)
		n += hb(&f, (unsigned)i, cmds + n, 8 - n);
	ck_assert_uint_eq(n, 1);			/* rate limit */
	ck_assert_str_eq(cmds[0].id, x);		/* most endangered */
	ck_assert_str_eq(cmds[0].addr, "127.0.0.1:9000");
	/* a second later: x still has fewer live replicas than y */
	f.clock.ms += 1000;
	cluster_tick(f.c);
	n = 0;
	for (i = 0; i < 5; i++)
		n += hb(&f, (unsigned)i, cmds + n, 8 - n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(cmds[0].id, x);
	f.clock.ms += 1000;
	cluster_tick(f.c);
	n = 0;
	for (i = 0; i < 5; i++)
		n += hb(&f, (unsigned)i, cmds + n, 8 - n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(cmds[0].id, y);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_per_heartbeat_cap)
{
	struct fx	 f;
	struct cluster_cmd cmds[16];
	char		 bid[BLOCKID_BUFSZ];
	unsigned	 k;
	size_t		 i, total = 0, n;

	f.conf = test_config();
	f.conf.commands_per_heartbeat = 2;
	f.clock.ms = 1000000;
	f.c = cluster_new(&f.conf, NULL, NULL, 0);
	cluster_set_clock(f.c, tclock_now, &f.clock);
	test_node(f.c, 0, 100 * GiB);
	test_node(f.c, 1, 100 * GiB);
	cluster_set_leader(f.c, 1);
	ck_assert_int_eq(test_report(f.c, 0, NULL, 0), 0);
	ck_assert_int_eq(test_report(f.c, 1, NULL, 0), 0);
	for (k = 1; k <= 5; k++) {
		const unsigned on[] = { 0 };

		test_id(k, bid);
		place(&f, bid, 2, on, 1);
	}
	cluster_tick(f.c);
	for (i = 0; i < 4; i++) {
		n = hb(&f, 1, cmds, 16);
		ck_assert_uint_le(n, 2);
		total += n;
	}
	ck_assert_uint_eq(total, 5);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_trim)
{
	struct fx	 f;
	struct cluster_cmd cmds[8];
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	const unsigned	 on[] = { 0, 1, 2, 3 };
	size_t		 n = 0, i;

	fx_init(&f, 4);
	test_id(9, bid);
	place(&f, bid, 3, on, 4);
	cluster_tick(f.c);
	for (i = 0; i < 4; i++) {
		size_t k = hb(&f, (unsigned)i, cmds + n, 8 - n);

		n += k;
	}
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cmds[0].op, CLUSTER_CMD_DELETE);
	ck_assert_str_eq(cmds[0].id, bid);
	/* the condemned replica is no longer offered */
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 3);
	/* and not trimmed twice */
	cluster_tick(f.c);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(hb(&f, (unsigned)i, cmds, 8), 0);
	fx_free(&f);
}
END_TEST

/* set-replicas: the namespace re-references the file's blocks at the new
 * level and drops the old one; the block's wanted follows both ways, and a
 * lowered block is trimmed down to it (never below). */
START_TEST(test_wanted_follows_refs)
{
	struct fx	 f;
	struct cluster_cmd cmds[8];
	struct cluster_block_info bi;
	char		 bid[BLOCKID_BUFSZ], shared[BLOCKID_BUFSZ];
	const unsigned	 on[] = { 0, 1, 2 };
	size_t		 n = 0, i;

	fx_init(&f, 4);
	test_id(11, bid);
	place(&f, bid, 3, on, 3);
	cluster_block_ref(f.c, bid, 4 * MiB, 2, +1);
	cluster_block_ref(f.c, bid, 4 * MiB, 3, -1);
	ck_assert_int_eq(cluster_block_info(f.c, bid, &bi), 0);
	ck_assert_uint_eq(bi.refs, 1);
	ck_assert_uint_eq(bi.wanted, 2);
	cluster_tick(f.c);
	for (i = 0; i < 4; i++)
		n += hb(&f, (unsigned)i, cmds + n, 8 - n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cmds[0].op, CLUSTER_CMD_DELETE);
	ck_assert_str_eq(cmds[0].id, bid);
	ck_assert_int_eq(cluster_block_info(f.c, bid, &bi), 0);
	ck_assert_uint_eq(bi.live, 2);
	/* no second trim: 2 live replicas are what is wanted */
	cluster_tick(f.c);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(hb(&f, (unsigned)i, cmds, 8), 0);

	/* raised again: wanted 4 */
	cluster_block_ref(f.c, bid, 4 * MiB, 4, +1);
	cluster_block_ref(f.c, bid, 4 * MiB, 2, -1);
	ck_assert_int_eq(cluster_block_info(f.c, bid, &bi), 0);
	ck_assert_uint_eq(bi.refs, 1);
	ck_assert_uint_eq(bi.wanted, 4);

	/* a block shared by files of replication 3, 2 and 2 */
	test_id(12, shared);
	cluster_block_ref(f.c, shared, 4 * MiB, 2, +1);
	cluster_block_ref(f.c, shared, 4 * MiB, 3, +1);
	cluster_block_ref(f.c, shared, 4 * MiB, 2, +1);
	ck_assert_int_eq(cluster_block_info(f.c, shared, &bi), 0);
	ck_assert_uint_eq(bi.wanted, 3);
	cluster_block_ref(f.c, shared, 4 * MiB, 2, -1);
	ck_assert_int_eq(cluster_block_info(f.c, shared, &bi), 0);
	ck_assert_uint_eq(bi.wanted, 3);
	cluster_block_ref(f.c, shared, 4 * MiB, 3, -1);
	ck_assert_int_eq(cluster_block_info(f.c, shared, &bi), 0);
	ck_assert_uint_eq(bi.wanted, 2);
	ck_assert_uint_eq(bi.refs, 1);
	/* an unknown level (0) leaves the highest one standing */
	cluster_block_ref(f.c, shared, 4 * MiB, 5, +1);
	cluster_block_ref(f.c, shared, 4 * MiB, 0, -1);
	ck_assert_int_eq(cluster_block_info(f.c, shared, &bi), 0);
	ck_assert_uint_eq(bi.wanted, 5);
	cluster_block_ref(f.c, shared, 4 * MiB, 5, -1);
	ck_assert_int_eq(cluster_block_info(f.c, shared, &bi), 0);
	ck_assert_uint_eq(bi.refs, 0);
	ck_assert_uint_eq(bi.wanted, 0);
	/* and the next reference starts afresh */
	cluster_block_ref(f.c, shared, 4 * MiB, 1, +1);
	ck_assert_int_eq(cluster_block_info(f.c, shared, &bi), 0);
	ck_assert_uint_eq(bi.wanted, 1);
	fx_free(&f);
}
END_TEST

START_TEST(test_quarantine_replaced)
{
	struct fx	 f;
	struct cluster_cmd cmds[8];
	struct cluster_hb h;
	char		 bid[BLOCKID_BUFSZ];
	const char	*ids[1];
	const unsigned	 on[] = { 0, 1 };
	size_t		 n;
	int		 full;

	fx_init(&f, 3);
	test_id(3, bid);
	place(&f, bid, 2, on, 2);
	ids[0] = bid;
	memset(&h, 0, sizeof(h));
	h.id = "ds0";
	h.addr = "127.0.0.1:9000";
	h.free = 100 * GiB;
	h.bad = ids;
	h.nbad = 1;
	ck_assert_int_eq(cluster_heartbeat(f.c, &h, cmds, 8, &n, &full), 0);
	cluster_tick(f.c);
	n = hb(&f, 2, cmds, 8);
	if (n == 0)	/* ds0 may be chosen as the new home instead */
		n = hb(&f, 0, cmds, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cmds[0].op, CLUSTER_CMD_FETCH);
	ck_assert_str_eq(cmds[0].addr, "127.0.0.1:9001");
	fx_free(&f);
}
END_TEST

START_TEST(test_decommission)
{
	struct fx	 f;
	struct cluster_cmd cmds[8];
	struct cluster_node_info ni;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	const unsigned	 on[] = { 0, 1 };
	size_t		 n;

	fx_init(&f, 3);
	test_id(4, bid);
	place(&f, bid, 2, on, 2);
	cluster_tick(f.c);
	ck_assert_int_eq(cluster_decommission(f.c, "ds0", 1), 0);
	cluster_tick(f.c);
	ck_assert_int_eq(cluster_node(f.c, "ds0", &ni), 0);
	ck_assert_int_eq(ni.state, CLUSTER_NODE_DRAINING);
	ck_assert_uint_eq(ni.drain_remaining, 1);
	ck_assert_str_eq(cluster_node_state_name(ni.state), "draining");
	n = hb(&f, 2, cmds, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cmds[0].op, CLUSTER_CMD_FETCH);
	/* the draining node still serves reads, after the others */
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 2);
	ck_assert_str_eq(ch.nodes[1].id, "ds0");
	test_added(f.c, 2, bid, 100 * GiB);
	cluster_tick(f.c);
	ck_assert_int_eq(cluster_node(f.c, "ds0", &ni), 0);
	ck_assert_int_eq(ni.state, CLUSTER_NODE_DRAINED);
	ck_assert_uint_eq(ni.drain_remaining, 0);
	/* no trim on the drained node: it goes away by itself */
	ck_assert_uint_eq(hb(&f, 0, cmds, 8), 0);
	ck_assert_int_eq(cluster_node(f.c, "nope", &ni), -ENOENT);
	fx_free(&f);
}
END_TEST

/* ---- GC -------------------------------------------------------------------- */

START_TEST(test_gc_grace_and_refs)
{
	struct fx	 f;
	struct cluster_cmd cmds[8];
	struct cluster_gc_result r;
	struct cluster_block_info bi;
	char		 orphan[BLOCKID_BUFSZ], kept[BLOCKID_BUFSZ];
	char		 err[128];
	size_t		 n;

	fx_init(&f, 2);
	test_id(1, orphan);
	test_id(2, kept);
	test_added(f.c, 0, orphan, 100 * GiB);
	test_added(f.c, 0, kept, 100 * GiB);
	cluster_block_ref(f.c, kept, 4 * MiB, 1, +1);
	/* within the grace period: nothing */
	advance(&f, 99000, 2, -1);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.blocks, 0);
	advance(&f, 1000, 2, -1);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.blocks, 1);
	ck_assert_uint_eq(r.commands, 1);
	n = hb(&f, 0, cmds, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cmds[0].op, CLUSTER_CMD_DELETE);
	ck_assert_str_eq(cmds[0].id, orphan);
	/* referenced: never, however old */
	advance(&f, 1000000, 2, -1);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.blocks, 0);
	/* once dereferenced, its grace starts then */
	cluster_block_ref(f.c, kept, 0, 0, -1);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.blocks, 0);
	advance(&f, 100000, 2, -1);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.blocks, 1);
	/* after the node confirms the removal the entry goes */
	{
		struct cluster_hb h;
		const char *ids[1] = { orphan };
		int full;

		memset(&h, 0, sizeof(h));
		h.id = "ds0";
		h.addr = "127.0.0.1:9000";
		h.removed = ids;
		h.nremoved = 1;
		ck_assert_int_eq(cluster_heartbeat(f.c, &h, cmds, 8, &n,
		    &full), 0);
	}
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(cluster_block_info(f.c, orphan, &bi), 0);
	ck_assert(!bi.known);
	fx_free(&f);
}
END_TEST

START_TEST(test_gc_pending)
{
	struct fx	 f;
	struct cluster_gc_result r;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ], err[128];
	int		 present;

	fx_init(&f, 2);
	test_id(1, bid);
	test_added(f.c, 0, bid, 100 * GiB);
	advance(&f, 90000, 2, -1);
	/* a client allocates it (dedup or upload): pending for gc_grace */
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 1, NULL, 0, &ch,
	    &present), 0);
	ck_assert_int_eq(present, 1);
	advance(&f, 20000, 2, -1);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.blocks, 0);
	advance(&f, 80000, 2, -1);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.blocks, 1);
	fx_free(&f);
}
END_TEST

START_TEST(test_gc_held)
{
	struct fx	 f;
	struct cluster_gc_result r;
	struct cluster_summary s;
	char		 bid[BLOCKID_BUFSZ], err[128];

	f.conf = test_config();
	f.clock.ms = 1000000;
	f.c = cluster_new(&f.conf, NULL, NULL, 0);
	cluster_set_clock(f.c, tclock_now, &f.clock);
	test_node(f.c, 0, 100 * GiB);
	test_node(f.c, 1, 100 * GiB);
	test_id(1, bid);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), -EAGAIN);
	ck_assert_ptr_nonnull(strstr(err, "not the leader"));
	cluster_set_leader(f.c, 1);
	ck_assert_int_eq(test_report(f.c, 0, NULL, 0), 0);
	test_added(f.c, 0, bid, 100 * GiB);
	advance(&f, 200000, 2, -1);
	/* ds1 has not reported yet */
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), -EAGAIN);
	ck_assert_ptr_nonnull(strstr(err, "ds1"));
	cluster_summarize(f.c, &s);
	ck_assert_int_eq(s.gc_held, 1);
	/* nor does the tick collect anything meanwhile */
	cluster_tick(f.c);
	{
		struct cluster_cmd cmds[4];

		ck_assert_uint_eq(hb(&f, 0, cmds, 4), 0);
	}
	ck_assert_int_eq(test_report(f.c, 1, NULL, 0), 0);
	/* a reference reload in progress holds it as well */
	cluster_block_refs_reset(f.c);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), -EAGAIN);
	ck_assert_ptr_nonnull(strstr(err, "references"));
	cluster_set_leader(f.c, 1);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.blocks, 1);
	cluster_summarize(f.c, &s);
	ck_assert_int_eq(s.gc_held, 0);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_gc_takeover_restarts_grace)
{
	struct fx	 f;
	struct cluster_gc_result r;
	char		 bid[BLOCKID_BUFSZ], err[128];

	fx_init(&f, 1);
	test_id(1, bid);
	test_added(f.c, 0, bid, 100 * GiB);
	advance(&f, 99000, 1, -1);
	cluster_set_leader(f.c, 0);
	cluster_set_leader(f.c, 1);
	ck_assert_int_eq(test_report(f.c, 0, (const char *const *)&(const
	    char *){ bid }, 1), 0);
	advance(&f, 2000, 1, -1);
	/* 101 s old, but only 2 s under this leadership */
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.blocks, 0);
	fx_free(&f);
}
END_TEST

START_TEST(test_gc_revive)
{
	struct fx	 f;
	struct cluster_gc_result r;
	struct cluster_cmd cmds[8];
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ], err[128];
	int		 present;

	fx_init(&f, 2);
	test_id(1, bid);
	test_added(f.c, 0, bid, 100 * GiB);
	test_added(f.c, 1, bid, 100 * GiB);
	advance(&f, 100000, 2, -1);
	ck_assert_int_eq(cluster_gc_now(f.c, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.commands, 2);
	/* ds0 gets its delete; then a file references the block again */
	ck_assert_uint_eq(hb(&f, 0, cmds, 8), 1);
	cluster_block_ref(f.c, bid, 4 * MiB, 2, +1);
	/* ds1's queued delete was cancelled */
	ck_assert_uint_eq(hb(&f, 1, cmds, 8), 0);
	/* ds0 is never offered nor chosen for this block again */
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 1);
	ck_assert_str_eq(ch.nodes[0].id, "ds1");
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 2, NULL, 0, &ch,
	    &present), 0);
	ck_assert_int_eq(present, 0);
	ck_assert_uint_eq(ch.n, 1);
	ck_assert_str_eq(ch.nodes[0].id, "ds1");
	fx_free(&f);
}
END_TEST

START_TEST(test_bad_refs)
{
	struct fx	 f;
	struct cluster_block_info bi;
	char		 bid[BLOCKID_BUFSZ];

	fx_init(&f, 1);
	test_id(1, bid);
	cluster_block_ref(f.c, "nope", 1, 1, +1);
	cluster_block_ref(f.c, bid, 1, 1, -1);	/* below zero: ignored */
	ck_assert_int_eq(cluster_block_info(f.c, bid, &bi), 0);
	ck_assert_uint_eq(bi.refs, 0);
	cluster_block_ref(f.c, bid, 1, 99, +1);	/* capped */
	ck_assert_int_eq(cluster_block_info(f.c, bid, &bi), 0);
	ck_assert_uint_eq(bi.wanted, MDFS_REPLICAS_MAX);
	ck_assert_int_eq(cluster_block_info(f.c, "x", &bi), -EINVAL);
	fx_free(&f);
}
END_TEST

static Suite *
blockmap_suite(void)
{
	Suite	*s = suite_create("blockmap");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_heartbeat_changes);
	tcase_add_test(tc, test_suspect);
	tcase_add_test(tc, test_locations_unreported);
	tcase_add_test(tc, test_full_report);
	tcase_add_test(tc, test_repair_dead_node);
	tcase_add_test(tc, test_repair_order_and_rate);
	tcase_add_test(tc, test_repair_distinct_targets);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_wanted_follows_refs);
	tcase_add_test(tc, test_quarantine_replaced);
	tcase_add_test(tc, test_decommission);
	tcase_add_test(tc, test_gc_grace_and_refs);
	tcase_add_test(tc, test_gc_pending);
	tcase_add_test(tc, test_gc_held);
	tcase_add_test(tc, test_gc_takeover_restarts_grace);
	tcase_add_test(tc, test_gc_revive);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_heartbeat_errors);
	tcase_add_test(tc, test_report_errors);
	tcase_add_test(tc, test_bad_refs);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_per_heartbeat_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(blockmap_suite());
}
