/*
 * minidfs-metaserver: options, configuration and life cycle.  It builds the
 * context (meta.h), starts the cluster and session modules, the HTTP server
 * and the election; on winning the election it loads the namespace from
 * etcd (on_lead) before answering as leader.  SIGTERM/SIGINT: resign (the
 * lease is revoked so a standby takes over at once), stop serving, exit 0.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/etcd.h"
#include "common/httpc.h"
#include "common/httpd.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "server/meta/cluster.h"
#include "server/meta/election.h"
#include "server/meta/locks.h"
#include "server/meta/meta.h"
#include "server/meta/ns.h"
#include "server/meta/nsstore.h"
#include "server/meta/sessions.h"

#define META_FENCE_SHIFT	24	/* file handles per leader term: 2^24 */

static const struct cfg_key meta_cfg[] = {
	{ "server.listen_address", CFG_STR, 0, 0, "127.0.0.1:8000",
	  offsetof(struct meta_config, listen),
	  "host:port the metaserver listens on" },
	{ "server.advertise_address", CFG_STR, 0, 0, NULL,
	  offsetof(struct meta_config, advertise),
	  "host:port clients are sent to; none: the listen address" },
	{ "server.id", CFG_STR, 0, 0, NULL,
	  offsetof(struct meta_config, id),
	  "this metaserver's id; none: the advertised address" },
	{ "server.tls_cert_file", CFG_STR, 0, 0, NULL,
	  offsetof(struct meta_config, tls_cert),
	  "PEM certificate for HTTPS (with tls_key_file)" },
	{ "server.tls_key_file", CFG_STR, 0, 0, NULL,
	  offsetof(struct meta_config, tls_key),
	  "PEM key for HTTPS" },
	{ "etcd.endpoints", CFG_STRLIST, 0, 0, "127.0.0.1:2379",
	  offsetof(struct meta_config, etcd_endpoints),
	  "etcd endpoints, host:port[,host:port...]" },
	{ "etcd.prefix", CFG_STR, 0, 0, MDFS_ETCD_PREFIX,
	  offsetof(struct meta_config, etcd_prefix),
	  "key prefix of this filesystem in etcd" },
	{ "etcd.timeout", CFG_U64, 100, 600000, "5000",
	  offsetof(struct meta_config, etcd_timeout),
	  "milliseconds per etcd call" },
	{ "election.lease_ttl", CFG_U64, 2, 3600, "10",
	  offsetof(struct meta_config, lease_ttl),
	  "seconds of the leader lease (takeover after about this long)" },
	{ "blocks.block_size", CFG_SIZE, 4096, MDFS_BLOCK_SIZE_MAX, "4M",
	  offsetof(struct meta_config, block_size),
	  "bytes per block; cluster-wide, never change it on a live filesystem" },
	{ "security.secret_file", CFG_STR, 0, 0, NULL,
	  offsetof(struct meta_config, secret_file),
	  "file holding the cluster secret (mode 0600); none: no auth" },
	{ "log.level", CFG_LEVEL, 0, 0, "info",
	  offsetof(struct meta_config, log_level),
	  "error, warn, info or debug" },
	CLUSTER_CFG_KEYS(struct meta_config, cluster),
	{ NULL, 0, 0, 0, NULL, 0, NULL }
};

/* ---- ns hooks ------------------------------------------------------------ */

static int
hook_commit(void *arg, const struct ns_batch *b)
{
	struct meta	*m = arg;

	return nsstore_commit(m->nsstore, b);
}

static void
hook_block_ref(void *arg, const char *id, uint64_t size, unsigned replicas,
    int delta)
{
	struct meta	*m = arg;

	cluster_block_ref(m->cluster, id, size, replicas, delta);
}

static int
hook_session_valid(void *arg, uint64_t session)
{
	struct meta	*m = arg;

	return sessions_valid(m->sessions, session);
}

static void
session_gone(uint64_t session, void *arg)
{
	struct meta	*m = arg;

	ns_session_gone(m->ns, session);
}

static struct ns *
new_ns(struct meta *m)
{
	struct ns_config conf;
	struct ns_hooks	 hooks;

	memset(&conf, 0, sizeof(conf));
	conf.block_size = m->conf.block_size;
	conf.replicas = (unsigned)m->conf.cluster.replicas;
	hooks.commit = hook_commit;
	hooks.block_ref = hook_block_ref;
	hooks.session_valid = hook_session_valid;
	hooks.arg = m;
	return ns_new(&conf, &hooks);
}

/* ---- leadership ------------------------------------------------------- */

static int
on_lead(void *arg, int64_t fence_rev)
{
	struct meta	*m = arg;
	struct ns	*fresh;
	struct timespec	 t0, t1;
	uint64_t	 count = 0;
	char		 err[256];
	int		 rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cluster_block_refs_reset(m->cluster);
	fresh = new_ns(m);
	if ((rc = nsstore_load(m->nsstore, fresh, &count, err,
	    sizeof(err))) != 0) {
		log_warnx("loading the namespace: %s", err);
		ns_free(fresh);
		return rc;
	}
	ns_swap(m->ns, fresh);
	ns_free(fresh);
	/* the load's transient buffers (pages of records, parsed JSON) went
	 * back to malloc; hand them back to the system */
	malloc_trim(0);
	ns_set_handle_base(m->ns, (uint64_t)fence_rev << META_FENCE_SHIFT);
	/* the sessions after the namespace; then the orphans of sessions
	 * that ended meanwhile go */
	sessions_set_leader(m->sessions, 1);
	ns_sweep_sessions(m->ns);
	cluster_set_leader(m->cluster, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("namespace loaded: %" PRIu64 " inodes in %.3f s", count,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

static void
on_lose(void *arg)
{
	struct meta	*m = arg;

	log_warnx("no longer the leader");
	cluster_set_leader(m->cluster, 0);
	sessions_set_leader(m->sessions, 0);
}

/* ---- options ------------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f, "usage: minidfs-metaserver [-hn] [-c file] "
	    "[--section.key=value ...]\n"
	    "  -c file  configuration file (YAML)\n"
	    "  -n       check the configuration, print it and exit\n"
	    "  -h       this help\n"
	    "configuration keys (also --key=value):\n");
	cfg_usage(meta_cfg, f);
}

/* Parses the command line into m->conf: -c first, then the overrides. */
static int
parse_args(struct meta *m, int argc, char **argv, int *check_only)
{
	char	 err[512];
	int	 i, n, rc;

	cfg_defaults(meta_cfg, &m->conf);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0) {
			if (i + 1 >= argc) {
				log_warnx("-c needs a file");
				return -1;
			}
			if ((rc = cfg_load(meta_cfg, &m->conf, argv[++i], err,
			    sizeof(err))) != 0) {
				log_warnx("%s", err);
				return -1;
			}
		}
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0)
			i++;
		else if (strcmp(argv[i], "-n") == 0)
			*check_only = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if ((n = cfg_arg(meta_cfg, &m->conf, argc, argv,
		    i)) > 0)
			i += n - 1;
		else {
			if (n == 0)
				log_warnx("unknown argument: %s (see -h)",
				    argv[i]);
			return -1;
		}
	}
	if (m->conf.advertise == NULL)
		m->conf.advertise = xstrdup(m->conf.listen);
	if (m->conf.id == NULL)
		m->conf.id = xstrdup(m->conf.advertise);
	if ((m->conf.tls_cert == NULL) != (m->conf.tls_key == NULL)) {
		log_warnx("server.tls_cert_file and server.tls_key_file go "
		    "together");
		return -1;
	}
	/* keys live under "<prefix>/" (as the dataserver writes them) */
	n = (int)strlen(m->conf.etcd_prefix != NULL ? m->conf.etcd_prefix : "");
	if (n > 0 && m->conf.etcd_prefix[n - 1] != '/') {
		char	*p = xasprintf("%s/", m->conf.etcd_prefix);

		free(m->conf.etcd_prefix);
		m->conf.etcd_prefix = p;
	}
	if (m->conf.etcd_endpoints.n == 0) {
		log_warnx("etcd.endpoints: at least one endpoint is needed");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct meta		 m;
	struct etcd_options	 eo;
	struct httpd_options	 ho;
	struct election_config	 ec;
	sigset_t		 sigs;
	char			 err[512];
	int			 check_only = 0, sig, status = 1;

	memset(&m, 0, sizeof(m));
	log_init("minidfs-metaserver", LOG_LEVEL_INFO, 0);
	if (parse_args(&m, argc, argv, &check_only) != 0)
		return 1;
	log_setlevel((enum log_level)m.conf.log_level);
	if (m.conf.secret_file != NULL && token_load_secret(
	    m.conf.secret_file, &m.secret, &m.secret_len, err,
	    sizeof(err)) != 0) {
		log_warnx("%s", err);
		goto out_conf;
	}
	if (check_only) {
		cfg_dump(meta_cfg, &m.conf, stdout);
		status = 0;
		goto out_conf;
	}

	/* signals are taken by sigwait below, so every thread blocks them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	httpc_global_init();

	memset(&eo, 0, sizeof(eo));
	eo.endpoints = (const char *const *)m.conf.etcd_endpoints.v;
	eo.nendpoints = m.conf.etcd_endpoints.n;
	eo.prefix = m.conf.etcd_prefix;
	eo.timeout_ms = (long)m.conf.etcd_timeout;
	if ((m.etcd = etcd_new(&eo, err, sizeof(err))) == NULL) {
		log_warnx("etcd: %s", err);
		goto out_conf;
	}
	memset(&ec, 0, sizeof(ec));
	ec.id = m.conf.id;
	ec.addr = m.conf.advertise;
	ec.ttl_s = (int64_t)m.conf.lease_ttl;
	ec.on_lead = on_lead;
	ec.on_lose = on_lose;
	ec.arg = &m;
	m.election = election_new(m.etcd, &ec);
	m.nsstore = nsstore_new(m.etcd, m.election);
	m.ns = new_ns(&m);
	m.cluster = cluster_new(&m.conf.cluster, m.etcd, m.secret,
	    m.secret_len);
	m.sessions = sessions_new(m.etcd, (unsigned)m.conf.cluster.session_ttl,
	    election_fence, m.election);
	m.locks = locks_new();
	sessions_set_locks(m.sessions, m.locks);	/* persisted locks */
	if (sessions_on_gone(m.sessions, session_gone, &m) != 0 ||
	    sessions_on_gone(m.sessions, locks_session_gone, m.locks) != 0)
		fatalx("sessions: too many callbacks");
	if (cluster_start(m.cluster) != 0 || sessions_start(m.sessions) != 0) {
		log_warnx("starting the cluster and session modules failed");
		goto out;
	}

	memset(&ho, 0, sizeof(ho));
	ho.listen = m.conf.listen;
	ho.routes = meta_routes;
	ho.arg = &m;
	ho.secret = m.secret;
	ho.secret_len = m.secret_len;
	ho.tls_cert_file = m.conf.tls_cert;
	ho.tls_key_file = m.conf.tls_key;
	if ((m.httpd = httpd_start(&ho, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	if (election_start(m.election, err, sizeof(err)) != 0) {
		log_warnx("election: %s", err);
		goto out;
	}
	log_info("serving on %s as %s (standby until elected)",
	    m.conf.listen, m.conf.id);

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			continue;
		log_info("signal %d: shutting down", sig);
		break;
	}
	status = 0;
out:
	/* resign first: the standby takes over while we stop */
	election_stop(m.election);
	httpd_stop(m.httpd);
	election_free(m.election);
	sessions_free(m.sessions);
	locks_free(m.locks);
	cluster_free(m.cluster);
	ns_free(m.ns);
	nsstore_free(m.nsstore);
	etcd_free(m.etcd);
out_conf:
	free(m.secret);
	cfg_release(meta_cfg, &m.conf);
	return status;
}
