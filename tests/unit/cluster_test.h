/*
 * cluster_test: helpers shared by the cluster unit tests (check_placement,
 * check_blockmap): a cluster without etcd, a clock the test moves, nodes fed
 * in through the registration hook and heartbeats.
 */
#ifndef MINIDFS_CLUSTER_TEST_H
#define MINIDFS_CLUSTER_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "server/meta/cluster.h"

#define GiB	(UINT64_C(1) << 30)
#define MiB	(UINT64_C(1) << 20)

struct tclock {
	int64_t	 ms;
};

static inline int64_t
tclock_now(void *arg)
{
	return ((struct tclock *)arg)->ms;
}

static inline struct cluster_config
test_config(void)
{
	struct cluster_config c;

	memset(&c, 0, sizeof(c));
	c.replicas = 3;
	c.heartbeat_timeout = 10;
	c.commands_per_heartbeat = 100;
	c.repair_per_second = 100;
	c.repair_timeout = 60;
	c.gc_grace = 100;
	c.gc_interval = 1;
	c.session_ttl = 30;
	c.lock_wait = 1;
	return c;
}

/* A block id made from a small number. */
static inline void
test_id(unsigned n, char out[BLOCKID_BUFSZ])
{
	snprintf(out, BLOCKID_BUFSZ, "%064x", n);
}

static inline void
test_node_name(unsigned i, char id[16], char addr[32])
{
	snprintf(id, 16, "ds%u", i);
	snprintf(addr, 32, "127.0.0.1:%u", 9000 + i);
}

/* A heartbeat with stats and no block changes; returns cluster_heartbeat's
 * value, commands in cmds (*n), full report request in *full. */
static inline int
test_hb(struct cluster *c, unsigned i, uint64_t free, struct cluster_cmd *cmds,
    size_t max, size_t *n, int *full)
{
	struct cluster_hb hb;
	char	 id[16], addr[32];

	test_node_name(i, id, addr);
	memset(&hb, 0, sizeof(hb));
	hb.id = id;
	hb.addr = addr;
	hb.capacity = 1000 * GiB;
	hb.free = free;
	hb.used = hb.capacity - free;
	return cluster_heartbeat(c, &hb, cmds, max, n, full);
}

/* Registers node i and heartbeats it with free bytes. */
static inline void
test_node(struct cluster *c, unsigned i, uint64_t free)
{
	struct cluster_cmd cmds[4];
	char	 id[16], addr[32];
	size_t	 n;
	int	 full;

	test_node_name(i, id, addr);
	cluster_node_register(c, id, addr, 1000 * GiB);
	(void)test_hb(c, i, free, cmds, 4, &n, &full);
}

/* An empty full report from node i (so GC and repair are not held). */
static inline int
test_report(struct cluster *c, unsigned i, const char *const *ids, size_t n)
{
	char	 id[16], addr[32];

	test_node_name(i, id, addr);
	return cluster_blockreport(c, id, 0, 1, ids, NULL, n);
}

/* Node i reports that it now stores block bid. */
static inline void
test_added(struct cluster *c, unsigned i, const char *bid, uint64_t free)
{
	struct cluster_hb hb;
	struct cluster_cmd cmds[4];
	char	 id[16], addr[32];
	size_t	 n;
	int	 full;
	uint64_t size = 4 * MiB;

	test_node_name(i, id, addr);
	memset(&hb, 0, sizeof(hb));
	hb.id = id;
	hb.addr = addr;
	hb.capacity = 1000 * GiB;
	hb.free = free;
	hb.added = &bid;
	hb.added_size = &size;
	hb.nadded = 1;
	(void)cluster_heartbeat(c, &hb, cmds, 0, &n, &full);
}

#endif /* MINIDFS_CLUSTER_TEST_H */
