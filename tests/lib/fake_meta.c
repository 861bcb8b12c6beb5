/*
 * fake_meta: a metaserver test double for the dataserver's heartbeat client.
 * It serves only POST /v1/cluster/heartbeat and /v1/cluster/blockreport
 * (through common/httpd, so auth and JSON checks are the real ones), appends
 * every body it receives as one JSON line to DIR/heartbeat.log or
 * DIR/blockreport.log, and answers a heartbeat with the JSON in
 * DIR/answer.<node id>.json, or else DIR/answer.json, when that file exists
 * (renaming it to <name>.sent, so each answer is given once), else with no
 * commands.  A per-node answer keeps a test's commands away from the other
 * nodes heartbeating to the same double.
 *
 *   fake_meta -l 127.0.0.1:PORT -d DIR [-s SECRET_FILE]
 *
 * Runs until SIGTERM or SIGINT.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/names.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/token.h"

struct fake {
	const char	*dir;
	pthread_mutex_t	 lock;
};

static void
record(struct fake *f, const char *name, const struct cJSON *body)
{
	char	 path[PATH_MAX], *text;
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	text = json_print(body);
	pthread_mutex_lock(&f->lock);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644)) != -1) {
		if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0)
			log_warn("write %s", path);
		close(fd);
	}
	pthread_mutex_unlock(&f->lock);
	free(text);
}

/* The canned answer for node id (NULL: none named), once; NULL when there
 * is none. */
static struct cJSON *
canned_file(struct fake *f, const char *id)
{
	char	 path[PATH_MAX], sent[PATH_MAX], b[65536], err[128];
	struct cJSON *j = NULL;
	ssize_t	 n;
	int	 fd;

	if (id != NULL)
		snprintf(path, sizeof(path), "%s/answer.%s.json", f->dir, id);
	else
		snprintf(path, sizeof(path), "%s/answer.json", f->dir);
	snprintf(sent, sizeof(sent), "%s.sent", path);
	pthread_mutex_lock(&f->lock);
	if ((fd = open(path, O_RDONLY)) != -1) {
		n = read(fd, b, sizeof(b));
		close(fd);
		if (n > 0 && (j = json_parse(b, (size_t)n, err,
		    sizeof(err))) == NULL)
			log_warnx("%s: %s", path, err);
		rename(path, sent);
	}
	pthread_mutex_unlock(&f->lock);
	return j;
}

static struct cJSON *
canned(struct fake *f, const struct cJSON *hb)
{
	struct cJSON	*j = NULL;
	const char	*id;

	if (json_get_str(hb, JF_ID, &id) == 0 && names_node_id_valid(id))
		j = canned_file(f, id);
	return j != NULL ? j : canned_file(f, NULL);
}

static void
h_heartbeat(struct httpd_req *req, struct httpd_resp *resp)
{
	struct fake	*f = httpd_arg(req);
	struct cJSON	*a;

	record(f, "heartbeat.log", httpd_json(req));
	if ((a = canned(f, httpd_json(req))) == NULL) {
		a = json_new_object();
		json_add_bool(a, JF_FULL_REPORT, 0);
		cJSON_AddItemToObject(a, JF_COMMANDS, json_new_array());
	}
	httpd_resp_json(resp, 200, a);
}

static void
h_blockreport(struct httpd_req *req, struct httpd_resp *resp)
{
	record(httpd_arg(req), "blockreport.log", httpd_json(req));
	httpd_resp_json(resp, 200, json_new_object());
}

static const struct httpd_route fake_routes[] = {
	{ "POST", META_ROUTE_HEARTBEAT, BUF_MAX_JSON, HTTPD_JSON | HTTPD_AUTH,
	  h_heartbeat, NULL, NULL, NULL },
	{ "POST", META_ROUTE_BLOCKREPORT, BUF_MAX_JSON,
	  HTTPD_JSON | HTTPD_AUTH, h_blockreport, NULL, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct fake		 f;
	struct httpd_options	 o;
	struct httpd		*h;
	const char		*listen = NULL, *secret_file = NULL;
	char			*secret = NULL, err[256];
	size_t			 secret_len = 0;
	sigset_t		 sigs;
	int			 c, sig;

	log_init("fake_meta", LOG_LEVEL_INFO, 0);
	memset(&f, 0, sizeof(f));
	while ((c = getopt(argc, argv, "l:d:s:")) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'd':
			f.dir = optarg;
			break;
		case 's':
			secret_file = optarg;
			break;
		default:
			fprintf(stderr, "usage: fake_meta -l addr -d dir "
			    "[-s secret]\n");
			return 2;
		}
	}
	if (listen == NULL || f.dir == NULL) {
		fprintf(stderr, "usage: fake_meta -l addr -d dir [-s secret]\n");
		return 2;
	}
	if (secret_file != NULL && token_load_secret(secret_file, &secret,
	    &secret_len, err, sizeof(err)) < 0)
		fatalx("%s", err);
	pthread_mutex_init(&f.lock, NULL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	memset(&o, 0, sizeof(o));
	o.listen = listen;
	o.routes = fake_routes;
	o.arg = &f;
	o.secret = secret;
	o.secret_len = secret_len;
	if ((h = httpd_start(&o, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	while (sigwait(&sigs, &sig) != 0)
		;
	httpd_stop(h);
	free(secret);
	return 0;
}
