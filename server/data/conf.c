/*
 * conf: the dataserver's one configuration table.  Every key of the seed's
 * config.yaml (server, storage, etcd, metaServer) plus ours (security, tuning)
 * with its type, bounds, default and help line; common/cfg turns it into the
 * defaults, the YAML loader, --section.key=value overrides, --help and the
 * key list of minidfs-dataserver(8).  Defaults live here and nowhere else.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "common/cfg.h"
#include "common/protocol.h"
#include "server/data/data.h"

#define OFF(f)	offsetof(struct data_config, f)
#define U64MAX	UINT64_MAX

const struct cfg_key data_cfg_keys[] = {
	{ "server.listen_address", CFG_STR, 0, 0, "0.0.0.0:8001",
	  OFF(listen_address), "host:port to listen on" },
	{ "server.advertise_address", CFG_STR, 0, 0, NULL,
	  OFF(advertise_address),
	  "host:port other nodes use to reach us; unset: listen_address "
	  "(the host name for a wildcard host)" },
	{ "server.dataServer_id", CFG_STR, 0, 0, "dataServer-01", OFF(id),
	  "unique id of this dataserver (1-64 of [A-Za-z0-9._-])" },
	{ "server.shutdown_timeout", CFG_U64, 1, 3600, "30",
	  OFF(shutdown_timeout),
	  "seconds to wait for in-flight writes on SIGTERM" },
	{ "server.max_connections", CFG_U64, 1, 65536, "1024",
	  OFF(max_connections), "concurrent HTTP connections" },
	{ "server.peer_timeout", CFG_U64, 1, 3600, "120", OFF(peer_timeout),
	  "seconds one block transfer to or from a peer may take" },
	{ "server.log_level", CFG_LEVEL, 0, 0, "info", OFF(log_level),
	  "error, warn, info or debug" },
	{ "server.syslog", CFG_BOOL, 0, 0, "false", OFF(syslog),
	  "log to syslog instead of stderr" },

	{ "storage.data_root_path", CFG_STR, 0, 0, "./data", OFF(data_root),
	  "directory holding blocks/, tmp/ and quarantine/" },
	{ "storage.max_storage_size", CFG_SIZE, 0, U64MAX, "0",
	  OFF(max_storage), "bytes this node may store (0: the disk's size)" },
	{ "storage.block_size", CFG_SIZE, 1, MDFS_BLOCK_SIZE_MAX, "4M",
	  OFF(block_size), "largest block accepted (bytes)" },
	{ "storage.scrub_rate", CFG_SIZE, 0, U64MAX, "8M", OFF(scrub_rate),
	  "bytes/s the scrubber may read (0: no scrubbing)" },
	{ "storage.scrub_interval", CFG_U64, 0, 365ull * 86400, "86400",
	  OFF(scrub_interval), "seconds between the starts of two scrub passes" },
	{ "storage.drop_behind_writes", CFG_BOOL, 0, 0, "true",
	  OFF(drop_behind_writes),
	  "drop a stored block's pages from the page cache" },

	{ "etcd.endpoints", CFG_STRLIST, 0, 0, "localhost:2379",
	  OFF(etcd_endpoints), "etcd client endpoints (list or a,b,c)" },
	{ "etcd.dial_timeout", CFG_U64, 1, 600, "5", OFF(etcd_dial_timeout),
	  "seconds an etcd call may take" },
	{ "etcd.lease_ttl", CFG_U64, 2, 3600, "30", OFF(lease_ttl),
	  "seconds our registration outlives us" },
	{ "etcd.prefix", CFG_STR, 0, 0, MDFS_ETCD_PREFIX, OFF(etcd_prefix),
	  "key prefix of the cluster in etcd" },

	{ "metaServer.address", CFG_STR, 0, 0, "localhost:8000",
	  OFF(meta_address),
	  "metaserver host:port, used when etcd names no leader" },
	{ "metaServer.heartbeat_interval", CFG_U64, 1, 3600, "10",
	  OFF(heartbeat_interval), "seconds between heartbeats" },
	{ "metaServer.connection_timeout", CFG_U64, 1, 600, "5",
	  OFF(meta_timeout), "seconds to connect to a metaserver or peer" },
	{ "metaServer.full_report_interval", CFG_U64, 60, 7ull * 86400, "3600",
	  OFF(full_report_interval),
	  "seconds between full block reports" },

	{ "security.secret_file", CFG_STR, 0, 0, NULL, OFF(secret_file),
	  "cluster secret (mode 0600); unset: no tokens required" },
	{ "security.tls_cert_file", CFG_STR, 0, 0, NULL, OFF(tls_cert),
	  "PEM certificate: serve HTTPS and talk HTTPS to peers" },
	{ "security.tls_key_file", CFG_STR, 0, 0, NULL, OFF(tls_key),
	  "PEM private key for tls_cert_file" },
	{ "security.tls_ca_file", CFG_STR, 0, 0, NULL, OFF(tls_ca),
	  "CA bundle to verify peers; unset: the system's" },
	{ "security.tls_no_verify", CFG_BOOL, 0, 0, "false",
	  OFF(tls_no_verify), "accept any peer certificate (tests only)" },
	{ NULL, 0, 0, 0, NULL, 0, NULL },
};
