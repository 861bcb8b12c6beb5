/*
 * nodes: the dataserver table of the cluster module.  A node enters when its
 * etcd key appears (cl_node_register, from the nodes/ watch) or when it
 * heartbeats; it is live while its key exists and its last heartbeat is
 * younger than cluster.heartbeat_timeout.  Nodes are never removed from the
 * array, so the uint16_t indexes the block table keeps stay valid; a node
 * that comes back reuses its slot.  Each node also has an outbox: commands
 * for it that wait for its next heartbeat answer.
 * All functions expect cluster->lock held.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/names.h"
#include "common/xalloc.h"
#include "server/meta/cluster_int.h"

struct cnode *
cl_node_find(struct cluster *c, const char *id, size_t *idx)
{
	size_t	 i;

	for (i = 0; i < c->nnodes; i++)
		if (strcmp(c->nodes[i].id, id) == 0) {
			if (idx != NULL)
				*idx = i;
			return &c->nodes[i];
		}
	return NULL;
}

/* Finds or adds a node (id must be valid).  NULL when the table is full. */
struct cnode *
cl_node_get(struct cluster *c, const char *id, size_t *idx)
{
	struct cnode	*n;

	if ((n = cl_node_find(c, id, idx)) != NULL)
		return n;
	if (c->nnodes >= CLUSTER_MAX_NODES)
		return NULL;
	if (c->nnodes == c->capnodes) {
		c->capnodes = c->capnodes ? c->capnodes * 2 : 16;
		c->nodes = xrealloc(c->nodes, c->capnodes * sizeof(*c->nodes));
	}
	n = &c->nodes[c->nnodes];
	memset(n, 0, sizeof(*n));
	strncpy(n->id, id, sizeof(n->id) - 1);
	n->last_hb_ms = cl_now(c);	/* a grace period to send a heartbeat */
	n->need_report = 1;
	if (idx != NULL)
		*idx = c->nnodes;
	c->nnodes++;
	return n;
}

/* Heartbeats go to the leader only: a standby counts a node live while its
 * etcd key exists (the dataserver's lease is alive). */
int
cl_node_live(struct cluster *c, const struct cnode *n, int64_t now)
{
	if (!c->leader)
		return n->registered;
	return n->registered &&
	    now - n->last_hb_ms <= (int64_t)c->conf.heartbeat_timeout * 1000;
}

/* Free bytes for placement: the last reported free space (or, before the
 * first heartbeat, the capacity from etcd) minus what was placed since. */
uint64_t
cl_node_free(const struct cnode *n)
{
	uint64_t f = n->heartbeated ? n->free : n->capacity;

	return f > n->reserved ? f - n->reserved : 0;
}

void
cl_node_register(struct cluster *c, const char *id, const char *addr,
    uint64_t capacity)
{
	struct cnode	*n;

	if (!names_node_id_valid(id) || addr == NULL || addr[0] == '\0' ||
	    strlen(addr) >= MDFS_ADDR_MAX) {
		log_warnx("cluster: ignoring node registration with a bad "
		    "id or address");
		return;
	}
	if ((n = cl_node_get(c, id, NULL)) == NULL) {
		log_warnx("cluster: node table full, ignoring %s", id);
		return;
	}
	if (!n->registered) {
		/* a grace period to heartbeat; what it holds is known from
		 * its report (it may have come first) or will be asked for */
		log_info("cluster: node %s registered at %s", id, addr);
		if (!n->heartbeated)
			n->last_hb_ms = cl_now(c);
	}
	n->registered = 1;
	snprintf(n->addr, sizeof(n->addr), "%s", addr);
	/* heartbeats carry fresher figures than the registration */
	if (!n->heartbeated && capacity != 0)
		n->capacity = capacity;
}

void
cl_node_unregister(struct cluster *c, const char *id)
{
	struct cnode	*n;

	if ((n = cl_node_find(c, id, NULL)) == NULL || !n->registered)
		return;
	log_info("cluster: node %s unregistered", id);
	n->registered = 0;
	n->reported = 0;
	n->report_active = 0;
	n->out_head = n->out_n = 0;	/* nobody will fetch them */
}

int
cl_node_drain(struct cluster *c, const char *id, int on)
{
	struct cnode	*n;

	if ((n = cl_node_find(c, id, NULL)) == NULL)
		return -ENOENT;
	if (n->draining != on)
		log_info("cluster: node %s %s", id,
		    on ? "draining" : "no longer draining");
	n->draining = on ? 1 : 0;
	n->drain_remaining = on ? n->nblocks : 0;
	return 0;
}

size_t
cl_outbox_room(struct cluster *c, const struct cnode *n)
{
	size_t cap = c->conf.commands_per_heartbeat * CLUSTER_OUTBOX_FACTOR;

	return n->out_n >= cap ? 0 : cap - n->out_n;
}

/* Queues a command.  Returns 0 or -ENOBUFS when the outbox is full. */
int
cl_outbox_push(struct cluster *c, struct cnode *n, enum cluster_cmd_op op,
    const char *id, const char *addr)
{
	struct cluster_cmd *cmd;

	if (cl_outbox_room(c, n) == 0)
		return -ENOBUFS;
	if (n->out_head + n->out_n == n->out_cap) {
		if (n->out_head > 0) {
			memmove(n->out, n->out + n->out_head,
			    n->out_n * sizeof(*n->out));
			n->out_head = 0;
		} else {
			n->out_cap = n->out_cap ? n->out_cap * 2 : 16;
			n->out = xrealloc(n->out,
			    n->out_cap * sizeof(*n->out));
		}
	}
	cmd = &n->out[n->out_head + n->out_n++];
	memset(cmd, 0, sizeof(*cmd));
	cmd->op = op;
	memcpy(cmd->id, id, BLOCKID_BUFSZ);
	if (addr != NULL)
		snprintf(cmd->addr, sizeof(cmd->addr), "%s", addr);
	return 0;
}

/* Drops the queued (not yet handed out) delete of block hexid. */
void
cl_outbox_cancel_delete(struct cnode *n, const char *hexid)
{
	size_t	 i, j;

	for (i = j = n->out_head; i < n->out_head + n->out_n; i++) {
		struct cluster_cmd *cmd = &n->out[i];

		if (cmd->op == CLUSTER_CMD_DELETE &&
		    strcmp(cmd->id, hexid) == 0)
			continue;
		if (i != j)
			n->out[j] = *cmd;
		j++;
	}
	n->out_n = j - n->out_head;
}

void
cl_node_info(struct cluster *c, const struct cnode *n, int64_t now,
    struct cluster_node_info *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->id, n->id, sizeof(out->id));
	memcpy(out->addr, n->addr, sizeof(out->addr));
	if (!cl_node_live(c, n, now))
		out->state = CLUSTER_NODE_DEAD;
	else if (n->draining)
		out->state = (n->reported && n->drain_remaining == 0) ?
		    CLUSTER_NODE_DRAINED : CLUSTER_NODE_DRAINING;
	else
		out->state = CLUSTER_NODE_LIVE;
	out->registered = n->registered;
	out->reported = n->reported;
	out->capacity = n->capacity;
	out->used = n->used;
	out->free = n->heartbeated ? n->free : n->capacity;
	out->blocks = n->nblocks;
	out->drain_remaining = n->drain_remaining;
	out->last_heartbeat_ms = n->heartbeated ? now - n->last_hb_ms : -1;
	out->queued = n->out_n;
}

const char *
cluster_node_state_name(enum cluster_node_state s)
{
	switch (s) {
	case CLUSTER_NODE_LIVE:
		return "live";
	case CLUSTER_NODE_DEAD:
		return "dead";
	case CLUSTER_NODE_DRAINING:
		return "draining";
	case CLUSTER_NODE_DRAINED:
		return "drained";
	}
	return "unknown";
}
