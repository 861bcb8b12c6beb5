/*
 * data: the dataserver's configuration and its one server context.
 *
 * struct data_config is filled from data_cfg_keys (conf.c) by common/cfg and
 * is read-only once the server runs.  struct data_server ties the subsystems
 * together; main.c creates it, every handler reaches it through httpd_arg().
 * Fields that change at run time carry their lock in a comment.
 */
#ifndef MINIDFS_DATA_H
#define MINIDFS_DATA_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cfg.h"
#include "common/httpd.h"
#include "common/log.h"
#include "common/protocol.h"

struct blockstore;
struct chain;
struct scrub;
struct regist;
struct heartbeat;
struct httpd;
struct etcd_client;
struct httpc_header;

/* Limits and timings of the dataserver (units in the names). */
#define DATA_SHUTDOWN_TIMEOUT_S	30	/* default wait for in-flight writes */
#define DATA_JSON_BODY_MAX	4096	/* bytes of a fetch/push request */
#define DATA_CLUSTER_TOKEN_TTL_S 120	/* lifetime of our outgoing auth */

struct data_config {
	char		*listen_address;	/* server.listen_address */
	char		*advertise_address;	/* server.advertise_address */
	char		*id;			/* server.dataServer_id */
	uint64_t	 shutdown_timeout;	/* server.shutdown_timeout, s */
	uint64_t	 max_connections;	/* server.max_connections */
	uint64_t	 peer_timeout;		/* server.peer_timeout, s */
	enum log_level	 log_level;	/* server.log_level */
	int		 syslog;		/* server.syslog */
	char		*data_root;		/* storage.data_root_path */
	uint64_t	 max_storage;		/* storage.max_storage_size */
	uint64_t	 block_size;		/* storage.block_size */
	uint64_t	 scrub_rate;		/* storage.scrub_rate, bytes/s */
	uint64_t	 scrub_interval;	/* storage.scrub_interval, s */
	int		 drop_behind_writes;	/* storage.drop_behind_writes */
	struct cfg_strlist etcd_endpoints;	/* etcd.endpoints */
	uint64_t	 etcd_dial_timeout;	/* etcd.dial_timeout, s */
	uint64_t	 lease_ttl;		/* etcd.lease_ttl, s */
	char		*etcd_prefix;		/* etcd.prefix */
	char		*meta_address;		/* metaServer.address */
	uint64_t	 heartbeat_interval;	/* metaServer.heartbeat_interval, s */
	uint64_t	 meta_timeout;		/* metaServer.connection_timeout, s */
	uint64_t	 full_report_interval;	/* metaServer.full_report_interval */
	char		*secret_file;		/* security.secret_file */
	char		*tls_cert;		/* security.tls_cert_file */
	char		*tls_key;		/* security.tls_key_file */
	char		*tls_ca;		/* security.tls_ca_file */
	int		 tls_no_verify;		/* security.tls_no_verify */
};

extern const struct cfg_key data_cfg_keys[];
extern const struct httpd_route data_routes[];

/* Counters for /metrics; all updated with __atomic builtins. */
struct data_metrics {
	uint64_t	 put_requests;
	uint64_t	 put_bytes;
	uint64_t	 put_errors;
	uint64_t	 get_requests;
	uint64_t	 get_bytes;
	uint64_t	 get_errors;
	uint64_t	 delete_requests;
	uint64_t	 chain_failures;
	uint64_t	 fetches;
	uint64_t	 pushes;
	uint64_t	 copy_failures;
	uint64_t	 verify_failures;
	uint64_t	 heartbeats;
	uint64_t	 heartbeat_failures;
	uint64_t	 commands;
	uint64_t	 scrub_bytes;
	uint64_t	 scrub_passes;
	uint64_t	 registrations;
	uint64_t	 full_reports;
};

struct data_server {
	struct data_config	 conf;
	char			 addr[MDFS_ADDR_MAX];	/* advertised h:p */
	const char		*scheme;		/* "http" or "https" */
	char			*secret;		/* NULL: no auth */
	size_t			 secret_len;

	struct etcd_client	*etcd;
	struct blockstore	*store;
	struct chain		*chain;
	struct scrub		*scrub;
	struct regist		*reg;
	struct heartbeat	*hb;
	struct httpd		*httpd;

	pthread_mutex_t		 lock;
	pthread_cond_t		 idle;		/* signalled when inflight drops */
	unsigned		 inflight;	/* PUTs running; protected by lock */
	int			 draining;	/* refuse new PUTs; protected by lock */

	struct data_metrics	 m;
};

/*
 * Fills buf (TOKEN_MAX_LEN bytes) with a fresh cluster token (TOKEN_OP_ALL,
 * subject "*", short expiry) and returns 1, or returns 0 when no secret is
 * configured (then no auth header is sent).
 */
int	 data_cluster_token(struct data_server *, char *buf, size_t len);

/* Builds "<scheme>://<addr><path>" into a malloc'ed string. */
char	*data_url(const struct data_server *, const char *addr,
	    const char *path);

/* Inflight-write accounting for graceful shutdown: begin returns -ESHUTDOWN
 * once draining started. */
int	 data_write_begin(struct data_server *);
void	 data_write_end(struct data_server *);

/*
 * Sleeps up to s seconds on cond (made with CLOCK_MONOTONIC) under lock,
 * waking early when *stop is set and cond signalled; returns *stop.  Takes
 * and releases lock itself; *stop is read only under it.
 */
int	 data_nap(pthread_mutex_t *lock, pthread_cond_t *cond, const int *stop,
	    unsigned s);

#define DATA_STAT_ADD(ds, field, n) \
	__atomic_add_fetch(&(ds)->m.field, (uint64_t)(n), __ATOMIC_RELAXED)

#endif /* MINIDFS_DATA_H */
