/*
 * minidfs-dataserver: options and lifecycle.  Reads the configuration (a
 * YAML file, then --section.key=value overrides), opens the block store,
 * serves HTTP, registers in etcd, heartbeats to the metaserver and scrubs.
 *
 * Signals are blocked in every thread and taken by sigwait() here.  SIGTERM
 * or SIGINT: refuse new writes, give up the etcd lease (no new placements),
 * wait up to server.shutdown_timeout for the writes in flight, stop serving,
 * stop the threads, exit 0.  A write is acknowledged only after it is
 * durable, so whatever happens to an unfinished one loses nothing that was
 * acknowledged.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
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
#include "server/data/blockstore.h"
#include "server/data/chain.h"
#include "server/data/data.h"
#include "server/data/heartbeat.h"
#include "server/data/register.h"
#include "server/data/scrub.h"

#define PROG	"minidfs-dataserver"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s [-hn] [-c file] [--section.key=value ...]\n"
	    "  -c file  configuration file (YAML)\n"
	    "  -n       check the configuration, print it, and exit\n"
	    "  -h       this help\n"
	    "configuration keys (also settable in the file):\n", PROG);
	cfg_usage(data_cfg_keys, fp);
}

static int
id_valid(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > MDFS_NODE_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* The address other nodes use to reach us. */
static int
advertise(struct data_server *ds)
{
	const struct data_config *c = &ds->conf;
	const char	*colon;
	char		 host[HOST_NAME_MAX + 1];
	size_t		 hl;

	if (c->advertise_address != NULL) {
		if (!chain_addr_valid(c->advertise_address)) {
			log_warnx("server.advertise_address: \"%s\" is not a "
			    "host:port", c->advertise_address);
			return -1;
		}
		snprintf(ds->addr, sizeof(ds->addr), "%s",
		    c->advertise_address);
		return 0;
	}
	if (!chain_addr_valid(c->listen_address)) {
		log_warnx("server.listen_address: \"%s\" is not a host:port",
		    c->listen_address);
		return -1;
	}
	colon = strrchr(c->listen_address, ':');
	hl = (size_t)(colon - c->listen_address);
	if ((hl == 7 && strncmp(c->listen_address, "0.0.0.0", 7) == 0) ||
	    (hl == 4 && strncmp(c->listen_address, "[::]", 4) == 0)) {
		if (gethostname(host, sizeof(host)) == -1) {
			log_warn("gethostname");
			return -1;
		}
		host[sizeof(host) - 1] = '\0';
		snprintf(ds->addr, sizeof(ds->addr), "%s%s", host, colon);
	} else
		snprintf(ds->addr, sizeof(ds->addr), "%s", c->listen_address);
	return 0;
}

/* Every check that needs no running service (-n runs exactly these). */
static int
check_config(struct data_server *ds)
{
	const struct data_config *c = &ds->conf;
	char	 err[256];
	int	 bad = 0;
	size_t	 i;

	if (c->id == NULL || !id_valid(c->id)) {
		log_warnx("server.dataServer_id: 1-%d of [A-Za-z0-9._-] "
		    "required", MDFS_NODE_ID_MAX);
		bad = 1;
	}
	if (advertise(ds) < 0)
		bad = 1;
	if (c->data_root == NULL || c->data_root[0] == '\0') {
		log_warnx("storage.data_root_path: required");
		bad = 1;
	}
	if (c->etcd_endpoints.n == 0) {
		log_warnx("etcd.endpoints: at least one endpoint required");
		bad = 1;
	}
	for (i = 0; i < c->etcd_endpoints.n; i++)
		if (c->etcd_endpoints.v[i][0] == '\0') {
			log_warnx("etcd.endpoints: empty entry");
			bad = 1;
		}
	if (c->meta_address == NULL || !chain_addr_valid(c->meta_address)) {
		log_warnx("metaServer.address: a host:port required");
		bad = 1;
	}
	if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
		log_warnx("security.tls_cert_file and security.tls_key_file "
		    "go together");
		bad = 1;
	}
	if (c->secret_file != NULL) {
		if (token_load_secret(c->secret_file, &ds->secret,
		    &ds->secret_len, err, sizeof(err)) < 0) {
			log_warnx("security.secret_file: %s", err);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

static void
drain(struct data_server *ds)
{
	struct timespec	 dl;
	unsigned	 left;

	pthread_mutex_lock(&ds->lock);
	ds->draining = 1;
	left = ds->inflight;
	pthread_mutex_unlock(&ds->lock);
	if (left > 0)
		log_info("waiting up to %llus for %u write(s) in flight",
		    (unsigned long long)ds->conf.shutdown_timeout, left);
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)ds->conf.shutdown_timeout;
	pthread_mutex_lock(&ds->lock);
	while (ds->inflight > 0)
		if (pthread_cond_timedwait(&ds->idle, &ds->lock, &dl) ==
		    ETIMEDOUT)
			break;
	left = ds->inflight;
	pthread_mutex_unlock(&ds->lock);
	if (left > 0)
		log_warnx("%u write(s) still running after %llus: they are "
		    "abandoned (not acknowledged, nothing stored)", left,
		    (unsigned long long)ds->conf.shutdown_timeout);
}

int
main(int argc, char **argv)
{
	static struct data_server ds;
	struct httpd_options	 ho;
	struct etcd_options	 eo;
	pthread_condattr_t	 ca;
	const char		*conffile = NULL;
	char			 err[512];
	sigset_t		 sigs;
	int			 i, n, checkonly = 0, sig, bad = 0;

	log_init(PROG, LOG_LEVEL_INFO, 0);
	cfg_defaults(data_cfg_keys, &ds.conf);

	/* options first, config keys after the file is loaded */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "-n") == 0)
			checkonly = 1;
		else if (strcmp(argv[i], "-c") == 0) {
			if (++i == argc) {
				log_warnx("-c needs a file");
				usage(stderr);
				return 1;
			}
			conffile = argv[i];
		} else if (strncmp(argv[i], "--", 2) == 0 && argv[i][2]) {
			if (strchr(argv[i], '=') == NULL)
				i++;	/* "--key value" */
		} else {
			log_warnx("unknown argument \"%s\"", argv[i]);
			usage(stderr);
			return 1;
		}
	}
	if (conffile != NULL && cfg_load(data_cfg_keys, &ds.conf, conffile,
	    err, sizeof(err)) < 0)
		bad = 1;
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] != '-')
			continue;
		if ((n = cfg_arg(data_cfg_keys, &ds.conf, argc, argv, i)) < 0)
			bad = 1;
		else if (n == 0) {
			log_warnx("unknown option %s", argv[i]);
			bad = 1;
		} else
			i += n - 1;
	}
	if (bad || check_config(&ds) < 0) {
		log_warnx("configuration has errors%s%s",
		    conffile ? " in " : "", conffile ? conffile : "");
		return 1;
	}
	if (checkonly) {
		cfg_dump(data_cfg_keys, &ds.conf, stdout);
		printf("configuration OK\n");
		return 0;
	}
	log_init(PROG, ds.conf.log_level, ds.conf.syslog);

	/* every thread inherits this mask; only sigwait() below sees them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	httpc_global_init();

	pthread_mutex_init(&ds.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ds.idle, &ca);
	pthread_condattr_destroy(&ca);
	ds.scheme = ds.conf.tls_cert != NULL ? "https" : "http";

	if ((ds.store = blockstore_open(ds.conf.data_root,
	    ds.conf.max_storage, err, sizeof(err))) == NULL)
		fatalx("block store: %s", err);
	blockstore_set_drop_behind(ds.store, ds.conf.drop_behind_writes);
	memset(&eo, 0, sizeof(eo));
	eo.endpoints = (const char * const *)ds.conf.etcd_endpoints.v;
	eo.nendpoints = ds.conf.etcd_endpoints.n;
	eo.prefix = ds.conf.etcd_prefix;
	eo.timeout_ms = (long)ds.conf.etcd_dial_timeout * 1000;
	if ((ds.etcd = etcd_new(&eo, err, sizeof(err))) == NULL)
		fatalx("etcd: %s", err);
	ds.chain = chain_new(&ds);

	memset(&ho, 0, sizeof(ho));
	ho.listen = ds.conf.listen_address;
	ho.routes = data_routes;
	ho.arg = &ds;
	ho.secret = ds.secret;
	ho.secret_len = ds.secret_len;
	ho.tls_cert_file = ds.conf.tls_cert;
	ho.tls_key_file = ds.conf.tls_key;
	ho.max_connections = (unsigned)ds.conf.max_connections;
	ho.conn_memory = HTTPD_BULK_CONN_MEMORY;
	if ((ds.httpd = httpd_start(&ho, err, sizeof(err))) == NULL)
		fatalx("listen on %s: %s", ds.conf.listen_address, err);

	ds.reg = regist_start(&ds);
	ds.hb = heartbeat_start(&ds);
	ds.scrub = scrub_start(&ds);
	log_info("started: id %s, serving %s on %s (advertised %s), data %s%s",
	    ds.conf.id, ds.scheme, ds.conf.listen_address, ds.addr,
	    ds.conf.data_root, ds.secret ? ", tokens required" : "");

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP ignored (restart to reload)");
			continue;
		}
		break;
	}
	log_info("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	regist_stop(ds.reg);
	drain(&ds);
	httpd_stop(ds.httpd);
	heartbeat_stop(ds.hb);
	scrub_stop(ds.scrub);
	chain_free(ds.chain);
	etcd_free(ds.etcd);
	blockstore_close(ds.store);
	free(ds.secret);
	cfg_release(data_cfg_keys, &ds.conf);
	log_info("stopped");
	return 0;
}
