/*
 * check_placement: cluster_alloc without etcd -- R distinct live nodes,
 * weighted by free space, excluded addresses, draining and dead nodes,
 * ENOSPC, fewer nodes than replicas, reservations between heartbeats,
 * spreading of first hops, dedup ("present") and bad arguments.
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
};

static void
fx_init(struct fx *f, unsigned nodes, uint64_t free)
{
	struct cluster_config conf = test_config();
	unsigned i;

	f->clock.ms = 1000000;
	f->c = cluster_new(&conf, NULL, NULL, 0);
	cluster_set_clock(f->c, tclock_now, &f->clock);
	cluster_set_leader(f->c, 1);
	for (i = 0; i < nodes; i++)
		test_node(f->c, i, free);
}

static int
chain_has(const struct chain *ch, const char *id)
{
	size_t	 i;

	for (i = 0; i < ch->n; i++)
		if (strcmp(ch->nodes[i].id, id) == 0)
			return 1;
	return 0;
}

START_TEST(test_distinct)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	int		 present, k;
	size_t		 i, j;

	fx_init(&f, 5, 100 * GiB);
	for (k = 0; k < 200; k++) {
		test_id((unsigned)k + 1, bid);
		ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, NULL, 0,
		    &ch, &present), 0);
		ck_assert_int_eq(present, 0);
		ck_assert_uint_eq(ch.n, 3);
		for (i = 0; i < ch.n; i++)
			for (j = i + 1; j < ch.n; j++)
				ck_assert_str_ne(ch.nodes[i].id,
				    ch.nodes[j].id);
	}
	cluster_free(f.c);
}
END_TEST

START_TEST(test_weighted)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	int		 present, k, big = 0;

	fx_init(&f, 0, 0);
	test_node(f.c, 0, 900 * GiB);
	test_node(f.c, 1, 100 * GiB);
	for (k = 0; k < 2000; k++) {
		test_id((unsigned)k + 1, bid);
		ck_assert_int_eq(cluster_alloc(f.c, bid, 4096, 1, NULL, 0,
		    &ch, &present), 0);
		ck_assert_uint_eq(ch.n, 1);
		if (strcmp(ch.nodes[0].id, "ds0") == 0)
			big++;
	}
	/* expected 1800 (90 %) */
	ck_assert_int_ge(big, 1650);
	ck_assert_int_le(big, 1950);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_excluded)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	const char	*ex[] = { "127.0.0.1:9000", "127.0.0.1:9002" };
	int		 present, k;

	fx_init(&f, 4, 100 * GiB);
	for (k = 0; k < 100; k++) {
		test_id((unsigned)k + 1, bid);
		ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, ex, 2,
		    &ch, &present), 0);
		ck_assert_uint_eq(ch.n, 2);
		ck_assert(!chain_has(&ch, "ds0"));
		ck_assert(!chain_has(&ch, "ds2"));
	}
	{
		const char *all[] = { "127.0.0.1:9000", "127.0.0.1:9001",
		    "127.0.0.1:9002", "127.0.0.1:9003" };

		/* every node excluded: none to write to, not ENOSPC */
		test_id(1000, bid);
		ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, all, 4,
		    &ch, &present), -EHOSTDOWN);
	}
	cluster_free(f.c);
}
END_TEST

START_TEST(test_draining_dead_unregistered)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	struct cluster_cmd cmds[4];
	size_t		 n;
	int		 present, full, k;

	fx_init(&f, 5, 100 * GiB);
	ck_assert_int_eq(cluster_decommission(f.c, "ds1", 1), 0);
	cluster_node_unregister(f.c, "ds2");
	/* ds3 stops heartbeating; the others go on */
	f.clock.ms += 11000;
	ck_assert_int_eq(test_hb(f.c, 0, 100 * GiB, cmds, 4, &n, &full), 0);
	ck_assert_int_eq(test_hb(f.c, 1, 100 * GiB, cmds, 4, &n, &full), 0);
	ck_assert_int_eq(test_hb(f.c, 4, 100 * GiB, cmds, 4, &n, &full), 0);
	for (k = 0; k < 50; k++) {
		test_id((unsigned)k + 1, bid);
		ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, NULL, 0,
		    &ch, &present), 0);
		ck_assert_uint_eq(ch.n, 2);
		ck_assert(chain_has(&ch, "ds0"));
		ck_assert(chain_has(&ch, "ds4"));
	}
	/* a heartbeat alone does not make an unregistered node usable */
	ck_assert_int_eq(test_hb(f.c, 2, 100 * GiB, cmds, 4, &n, &full), 0);
	test_id(999, bid);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, NULL, 0, &ch,
	    &present), 0);
	ck_assert(!chain_has(&ch, "ds2"));
	/* cancelling the decommission makes ds1 usable again */
	ck_assert_int_eq(cluster_decommission(f.c, "ds1", 0), 0);
	test_id(1000, bid);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, NULL, 0, &ch,
	    &present), 0);
	ck_assert_uint_eq(ch.n, 3);
	ck_assert(chain_has(&ch, "ds1"));
	ck_assert_int_eq(cluster_decommission(f.c, "nope", 1), -ENOENT);
	ck_assert_int_eq(cluster_decommission(f.c, "bad/id", 1), -EINVAL);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_enospc)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	int		 present;

	test_id(1, bid);
	fx_init(&f, 0, 0);
	/* no dataserver at all: none to write to, which is not a full disk */
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, NULL, 0, &ch,
	    &present), -EHOSTDOWN);
	ck_assert_uint_eq(ch.n, 0);
	test_node(f.c, 0, 1 * MiB);
	test_node(f.c, 1, 2 * MiB);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, NULL, 0, &ch,
	    &present), -ENOSPC);
	/* a small block fits */
	ck_assert_int_eq(cluster_alloc(f.c, bid, 512 * 1024, 3, NULL, 0,
	    &ch, &present), 0);
	ck_assert_uint_eq(ch.n, 2);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_reservation)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	struct cluster_cmd cmds[4];
	size_t		 n;
	int		 present, full;

	fx_init(&f, 0, 0);
	test_node(f.c, 0, 10 * MiB);
	test_id(1, bid);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 1, NULL, 0, &ch,
	    &present), 0);
	test_id(2, bid);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 1, NULL, 0, &ch,
	    &present), 0);
	/* 8 MiB placed since the heartbeat: no room for 4 more */
	test_id(3, bid);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 1, NULL, 0, &ch,
	    &present), -ENOSPC);
	/* the next heartbeat's figure replaces the estimate */
	ck_assert_int_eq(test_hb(f.c, 0, 10 * MiB, cmds, 4, &n, &full), 0);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 1, NULL, 0, &ch,
	    &present), 0);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_first_hops)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	int		 present, k, first[3] = { 0, 0, 0 };

	fx_init(&f, 3, 100 * GiB);
	for (k = 0; k < 300; k++) {
		test_id((unsigned)k + 1, bid);
		ck_assert_int_eq(cluster_alloc(f.c, bid, 4096, 3, NULL, 0,
		    &ch, &present), 0);
		ck_assert_uint_eq(ch.n, 3);
		first[ch.nodes[0].id[2] - '0']++;
	}
	/* every node heads about a third of the chains */
	for (k = 0; k < 3; k++) {
		ck_assert_int_ge(first[k], 80);
		ck_assert_int_le(first[k], 120);
	}
	cluster_free(f.c);
}
END_TEST

START_TEST(test_dedup)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	const char	*stored[] = { "ds0", "ds1", "unknown-node" };
	int		 present;

	fx_init(&f, 4, 100 * GiB);
	test_id(7, bid);
	cluster_block_stored(f.c, bid, 4 * MiB, stored, 3);
	/* two replicas: not enough for R = 3 */
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, NULL, 0, &ch,
	    &present), 0);
	ck_assert_int_eq(present, 0);
	ck_assert_uint_eq(ch.n, 3);
	/* ... but for R = 2 */
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 2, NULL, 0, &ch,
	    &present), 0);
	ck_assert_int_eq(present, 1);
	ck_assert_uint_eq(ch.n, 2);
	ck_assert(chain_has(&ch, "ds0"));
	ck_assert(chain_has(&ch, "ds1"));
	test_added(f.c, 3, bid, 100 * GiB);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4 * MiB, 3, NULL, 0, &ch,
	    &present), 0);
	ck_assert_int_eq(present, 1);
	ck_assert_uint_eq(ch.n, 3);
	ck_assert(chain_has(&ch, "ds3"));
	/* locations: the same three, plus ds2 while it has not sent its full
	 * report (it may hold the block); only the three once it has */
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 4);
	ck_assert_str_eq(ch.nodes[3].id, "ds2");
	ck_assert_int_eq(test_report(f.c, 2, NULL, 0), 0);
	ck_assert_uint_eq(cluster_block_locations(f.c, bid, &ch), 3);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_bad_args)
{
	struct fx	 f;
	struct chain	 ch;
	char		 bid[BLOCKID_BUFSZ];
	int		 present;

	fx_init(&f, 3, 100 * GiB);
	test_id(1, bid);
	ck_assert_int_eq(cluster_alloc(f.c, "abc", 4096, 3, NULL, 0, &ch,
	    &present), -EINVAL);
	bid[0] = 'A';	/* uppercase hex is not an id */
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4096, 3, NULL, 0, &ch,
	    &present), -EINVAL);
	test_id(1, bid);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4096, 0, NULL, 0, &ch,
	    &present), -EINVAL);
	ck_assert_int_eq(cluster_alloc(f.c, bid, 4096, MDFS_MAX_CHAIN + 1,
	    NULL, 0, &ch, &present), -EINVAL);
	ck_assert_int_eq(cluster_alloc(f.c, bid, MDFS_BLOCK_SIZE_MAX + 1ull, 3,
	    NULL, 0, &ch, &present), -EINVAL);
	ck_assert_uint_eq(cluster_block_locations(f.c, "xyz", &ch), 0);
	cluster_free(f.c);
}
END_TEST

START_TEST(test_capacity)
{
	struct fx	 f;
	uint64_t	 total, free, live;

	fx_init(&f, 3, 100 * GiB);
	cluster_capacity(f.c, &total, &free, &live);
	ck_assert_uint_eq(live, 3);
	ck_assert_uint_eq(total, 3000 * GiB);
	ck_assert_uint_eq(free, 300 * GiB);
	f.clock.ms += 11000;
	cluster_capacity(f.c, &total, &free, &live);
	ck_assert_uint_eq(live, 0);
	ck_assert_uint_eq(total, 0);
	/* a standby hears no heartbeats: registered nodes count as live */
	cluster_set_leader(f.c, 0);
	cluster_node_unregister(f.c, "ds2");
	cluster_capacity(f.c, &total, &free, &live);
	ck_assert_uint_eq(live, 2);
	cluster_free(f.c);
}
END_TEST

static Suite *
placement_suite(void)
{
	Suite	*s = suite_create("placement");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_distinct);
	tcase_add_test(tc, test_weighted);
	tcase_add_test(tc, test_excluded);
	tcase_add_test(tc, test_draining_dead_unregistered);
	tcase_add_test(tc, test_first_hops);
	tcase_add_test(tc, test_dedup);
	tcase_add_test(tc, test_capacity);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_bad_args);
	tcase_add_test(tc, test_enospc);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_reservation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(placement_suite());
}
