/*
 * heartbeat: the dataserver's side of the metaserver protocol
 * (common/protocol.h, META_ROUTE_HEARTBEAT and META_ROUTE_BLOCKREPORT).
 *
 * A thread finds the leader (etcd key meta/leader, else metaServer.address),
 * sends a full block report at start, after any failure or leader change,
 * when asked ("full_report": true) and every metaServer.full_report_interval,
 * and a heartbeat with the store's stats and the changes since the last one
 * every metaServer.heartbeat_interval.  The commands that come back (delete,
 * fetch, push) are queued for a worker thread so a long copy never delays a
 * heartbeat.  With no metaserver answering it retries with back-off (1 s,
 * doubling, up to the interval) and the server keeps serving.
 * Thread-safety: start and stop from one thread (main).
 */
#ifndef MINIDFS_DATA_HEARTBEAT_H
#define MINIDFS_DATA_HEARTBEAT_H

struct data_server;
struct heartbeat;

#define HB_CMD_QUEUE_MAX	4096	/* commands waiting for the worker */

struct heartbeat *heartbeat_start(struct data_server *);
/* Stops both threads (a running command finishes first) and frees. */
void		 heartbeat_stop(struct heartbeat *);

#endif /* MINIDFS_DATA_HEARTBEAT_H */
