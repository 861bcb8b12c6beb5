/*
 * meta: the metaserver's context, shared by every handler (httpd_arg()) and
 * module, and its configuration (the table is in main.c).  The pointers are
 * set before the HTTP server starts and never change until shutdown.
 */
#ifndef MINIDFS_META_H
#define MINIDFS_META_H

#include <stddef.h>
#include <stdint.h>

#include "common/cfg.h"
#include "server/meta/cluster.h"

struct meta_config {
	char		*listen;	/* server.listen_address */
	char		*advertise;	/* server.advertise_address */
	char		*id;		/* server.id */
	char		*tls_cert;	/* server.tls_cert_file */
	char		*tls_key;	/* server.tls_key_file */
	struct cfg_strlist etcd_endpoints; /* etcd.endpoints */
	char		*etcd_prefix;	/* etcd.prefix */
	uint64_t	 etcd_timeout;	/* etcd.timeout, ms */
	uint64_t	 lease_ttl;	/* election.lease_ttl, s */
	uint64_t	 block_size;	/* blocks.block_size, bytes */
	char		*secret_file;	/* security.secret_file */
	int		 log_level;	/* log.level */
	struct cluster_config cluster;	/* meta-cluster's rows */
};

struct meta {
	struct meta_config	 conf;		/* from the config table */
	struct etcd_client	*etcd;
	struct election		*election;	/* meta-ns */
	struct ns		*ns;		/* meta-ns */
	struct nsstore		*nsstore;	/* meta-ns */
	struct cluster		*cluster;	/* meta-cluster */
	struct sessions		*sessions;	/* meta-cluster */
	struct locks		*locks;		/* meta-cluster */
	struct httpd		*httpd;
	char			*secret;	/* cluster secret or NULL */
	size_t			 secret_len;
};

/* The route table (routes.c). */
extern const struct httpd_route meta_routes[];

#endif /* MINIDFS_META_H */
