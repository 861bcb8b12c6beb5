/*
 * register: the dataserver's membership in etcd.  A thread keeps the key
 * nodes/<id> = {"id","addr","capacity","used","free","blocks","started"}
 * under a lease of etcd.lease_ttl seconds, renews the lease every third of
 * its TTL, and registers anew by itself when the lease was lost (an etcd
 * outage longer than the TTL) or the key vanished.  While etcd is down it
 * retries with back-off and the server keeps serving.
 * Thread-safety: start and stop from one thread (main).
 */
#ifndef MINIDFS_DATA_REGISTER_H
#define MINIDFS_DATA_REGISTER_H

struct data_server;
struct regist;

#define REG_BACKOFF_MAX_S	10	/* longest wait between etcd retries */

/* Starts the thread (never fails: etcd may come later). */
struct regist	*regist_start(struct data_server *);
/* Stops the thread, revokes the lease (the key vanishes at once) and frees.
 * NULL is a no-op. */
void		 regist_stop(struct regist *);

#endif /* MINIDFS_DATA_REGISTER_H */
