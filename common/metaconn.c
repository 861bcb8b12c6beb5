/*
 * metaconn: leader tracking, fail-over, bounded retries and auth for every
 * call to the metaservers (see metaconn.h).  One function, metaconn_call(),
 * sends; the rest keeps the state it needs: the address list, the known
 * leader, the next address to try and the signed auth token.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/buf.h"
#include "common/errmap.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/metaconn.h"
#include "common/strnum.h"
#include "common/token.h"
#include "common/xalloc.h"

#define METACONN_POOL_IDLE	8	/* idle HTTP clients kept */
#define METACONN_AUTH_REFRESH_S	(MDFS_TOKEN_TTL_S / 2)	/* re-sign after */
#define METACONN_PORT_LEN	8	/* bytes of a port with the NUL */
#define METACONN_URL_MAX	(MDFS_ADDR_MAX + 512)	/* bytes of a URL */

struct metaconn {
	char		 addrs[METACONN_ADDRS_MAX][MDFS_ADDR_MAX];
	size_t		 naddrs;
	char		*secret;
	size_t		 secret_len;
	long		 retry_ms;
	struct httpc_pool *pool;
	pthread_mutex_t	 lock;
	char		 leader[MDFS_ADDR_MAX];	/* protected by lock; "" unknown */
	size_t		 next;		/* protected by lock: next to try */
	char		 auth[TOKEN_MAX_LEN];	/* protected by lock */
	int64_t		 auth_signed;	/* protected by lock: unix s */
};

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
metaconn_parse_list(const char *list,
    char addrs[METACONN_ADDRS_MAX][MDFS_ADDR_MAX], char *err, size_t errlen)
{
	const char	*p = list, *end, *colon;
	size_t		 n = 0, len, plen;
	uint64_t	 port;
	char		 portbuf[METACONN_PORT_LEN];

	if (list == NULL || *list == '\0') {
		snprintf(err, errlen, "empty metaserver list");
		return -EINVAL;
	}
	for (;;) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0) {
			snprintf(err, errlen, "%s: empty address", list);
			return -EINVAL;
		}
		if (len >= MDFS_ADDR_MAX) {
			snprintf(err, errlen, "metaserver address too long "
			    "(%zu bytes, at most %d)", len, MDFS_ADDR_MAX - 1);
			return -EINVAL;
		}
		if (n == METACONN_ADDRS_MAX) {
			snprintf(err, errlen, "%s: more than %d metaservers",
			    list, METACONN_ADDRS_MAX);
			return -EINVAL;
		}
		colon = memrchr(p, ':', len);
		plen = colon != NULL ? (size_t)(p + len - colon - 1) : 0;
		/* a host with ':' must be a bracketed IPv6 address */
		if (colon == NULL || colon == p || plen == 0 ||
		    plen >= sizeof(portbuf) ||
		    (memchr(p, ':', (size_t)(colon - p)) != NULL &&
		    (p[0] != '[' || colon[-1] != ']'))) {
			snprintf(err, errlen, "%.*s: want host:port", (int)len,
			    p);
			return -EINVAL;
		}
		memcpy(portbuf, colon + 1, plen);
		portbuf[plen] = '\0';
		if (parse_u64(portbuf, 1, 65535, &port) != 0) {
			snprintf(err, errlen, "%.*s: bad port", (int)len, p);
			return -EINVAL;
		}
		memcpy(addrs[n], p, len);
		addrs[n][len] = '\0';
		n++;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return (int)n;
}

int
metaconn_new(const char *list, const void *secret, size_t secret_len,
    long retry_ms, long timeout_ms, struct metaconn **out, char *err,
    size_t errlen)
{
	struct metaconn		*mc;
	struct httpc_options	 ho = { 0 };
	int			 n;

	mc = xcalloc(1, sizeof(*mc));
	if ((n = metaconn_parse_list(list, mc->addrs, err, errlen)) < 0) {
		free(mc);
		return n;
	}
	mc->naddrs = (size_t)n;
	if (secret != NULL) {
		mc->secret = xmalloc(secret_len);
		memcpy(mc->secret, secret, secret_len);
		mc->secret_len = secret_len;
	}
	mc->retry_ms = retry_ms;
	ho.timeout_ms = timeout_ms;
	mc->pool = httpc_pool_new(&ho, METACONN_POOL_IDLE);
	pthread_mutex_init(&mc->lock, NULL);
	*out = mc;
	return 0;
}

void
metaconn_free(struct metaconn *mc)
{
	if (mc == NULL)
		return;
	httpc_pool_free(mc->pool);
	pthread_mutex_destroy(&mc->lock);
	if (mc->secret != NULL) {
		OPENSSL_cleanse(mc->secret, mc->secret_len);
		free(mc->secret);
	}
	free(mc);
}

void
metaconn_leader(struct metaconn *mc, char *buf, size_t len)
{
	pthread_mutex_lock(&mc->lock);
	snprintf(buf, len, "%s", mc->leader);
	pthread_mutex_unlock(&mc->lock);
}

/* The address to send to: the leader when known, else the next in turn. */
static void
pick(struct metaconn *mc, char *addr)
{
	pthread_mutex_lock(&mc->lock);
	if (mc->leader[0] != '\0')
		memcpy(addr, mc->leader, MDFS_ADDR_MAX);
	else
		memcpy(addr, mc->addrs[mc->next % mc->naddrs], MDFS_ADDR_MAX);
	pthread_mutex_unlock(&mc->lock);
}

/* addr did not answer usefully: forget it as leader, move on. */
static void
skip(struct metaconn *mc, const char *addr)
{
	pthread_mutex_lock(&mc->lock);
	if (strcmp(mc->leader, addr) == 0)
		mc->leader[0] = '\0';
	if (strcmp(mc->addrs[mc->next % mc->naddrs], addr) == 0)
		mc->next++;
	pthread_mutex_unlock(&mc->lock);
}

static void
set_leader(struct metaconn *mc, const char *addr)
{
	pthread_mutex_lock(&mc->lock);
	snprintf(mc->leader, sizeof(mc->leader), "%s", addr);
	pthread_mutex_unlock(&mc->lock);
}

/* Fills the auth header value; "" without a secret. */
static int
auth_token(struct metaconn *mc, char *out)
{
	int64_t	 now = (int64_t)time(NULL);
	int	 rc = 0;

	out[0] = '\0';
	if (mc->secret == NULL)
		return 0;
	pthread_mutex_lock(&mc->lock);
	if (mc->auth[0] == '\0' ||
	    now - mc->auth_signed > METACONN_AUTH_REFRESH_S) {
		rc = token_sign(mc->secret, mc->secret_len, TOKEN_SUBJECT_ANY,
		    TOKEN_OP_ALL, now + MDFS_TOKEN_TTL_S, mc->auth,
		    sizeof(mc->auth));
		if (rc == 0)
			mc->auth_signed = now;
		else
			mc->auth[0] = '\0';
	}
	memcpy(out, mc->auth, TOKEN_MAX_LEN);
	pthread_mutex_unlock(&mc->lock);
	return rc;
}

static void
on_header(const char *name, const char *value, void *arg)
{
	char	*leader = arg;

	if (strcasecmp(name, HTTP_HDR_LEADER) == 0)
		snprintf(leader, MDFS_ADDR_MAX, "%s", value);
}

/* A 503 is retried elsewhere when it is a standby's "no leader yet"
 * (its body names "leader"), a metaserver shutting down, or not ours (no
 * JSON); other 503s (EAGAIN of a held GC, ENOTCONN of an unreachable
 * etcd) are the leader's final answer. */
static int
no_leader(const struct buf *out)
{
	const char	*code;
	cJSON		*root;
	int		 retry;

	if (out->len == 0 ||
	    (root = json_parse(out->data, out->len, NULL, 0)) == NULL)
		return 1;
	retry = cJSON_HasObjectItem(root, JF_LEADER) ||
	    (json_get_str(root, JF_ERROR, &code) == 0 &&
	    strcmp(code, "ESHUTDOWN") == 0);
	cJSON_Delete(root);
	return retry;
}

/* Decodes a final answer (2xx or an error status) of addr. */
static int
answer(struct metaconn *mc, const char *addr, const char *method,
    const char *path, long status, const struct buf *out, cJSON **resp,
    char *err, size_t errlen)
{
	char	 perr[128], msg[256] = "";
	cJSON	*root = NULL;
	int	 e;

	if (out->len > 0 &&
	    (root = json_parse(out->data, out->len, perr, sizeof(perr))) ==
	    NULL) {
		snprintf(err, errlen, "%s %s: %s answered HTTP %ld with bad "
		    "JSON: %s", method, path, addr, status, perr);
		return -EIO;
	}
	if (status >= 200 && status < 300) {
		set_leader(mc, addr);
		*resp = root;
		return 0;
	}
	e = errmap_decode(root, (int)status, msg, sizeof(msg));
	cJSON_Delete(root);
	snprintf(err, errlen, "%s %s: %s%s%s", method, path, errmap_code(e),
	    msg[0] != '\0' ? ": " : "", msg);
	log_debug("metaconn: %s %s on %s: HTTP %ld %s", method, path, addr,
	    status, err);
	return -e;
}

int
metaconn_call(struct metaconn *mc, const char *method, const char *path,
    const cJSON *body, cJSON **resp, char *err, size_t errlen)
{
	char		 addr[MDFS_ADDR_MAX], url[METACONN_URL_MAX];
	char		 auth[TOKEN_MAX_LEN], perr[160];
	char		 last_err[MDFS_ADDR_MAX + 192] = "";
	char		 leader[MDFS_ADDR_MAX], dummy[8];
	char		*text = NULL;
	int64_t		 deadline = now_ms() + mc->retry_ms;
	long		 backoff = METACONN_BACKOFF_MIN_MS;
	int		 redirects = 0, rc, last = -ETIMEDOUT;
	struct buf	 out = BUF_INIT(BUF_MAX_JSON);
	struct httpc	*h;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	*resp = NULL;
	if (body != NULL)
		text = json_print(body);
	for (;;) {
		struct httpc_req req = { 0 };

		leader[0] = '\0';
		pick(mc, addr);
		snprintf(url, sizeof(url), "http://%s%s", addr, path);
		req.method = method;
		req.url = url;
		req.body = text;
		req.body_len = text != NULL ? strlen(text) : 0;
		req.header_cb = on_header;
		req.header_arg = leader;
		req.resp = &out;
		buf_reset(&out);
		if ((rc = auth_token(mc, auth)) != 0) {
			snprintf(err, errlen, "signing the auth token failed");
			goto done;
		}
		if ((text != NULL && (rc = httpc_req_header(&req,
		    "Content-Type", "application/json")) != 0) ||
		    (auth[0] != '\0' && (rc = httpc_req_header(&req,
		    HTTP_HDR_AUTH, auth)) != 0)) {
			snprintf(err, errlen, "too many request headers");
			goto done;
		}
		h = httpc_pool_get(mc->pool);
		rc = httpc_do(h, &req, perr, sizeof(perr));
		httpc_pool_put(mc->pool, h);
		if (rc < 0) {
			log_debug("metaconn: %s %s: %s", method, url, perr);
			snprintf(last_err, sizeof(last_err), "%s: %s", addr,
			    perr);
			last = rc == -ETIMEDOUT ? -ETIMEDOUT : -EIO;
			skip(mc, addr);
		} else if (req.status == 307 && leader[0] != '\0' &&
		    strcmp(leader, addr) != 0 &&
		    redirects < METACONN_REDIRECTS_MAX) {
			set_leader(mc, leader);
			redirects++;
			continue;
		} else if (req.status == 307 || (req.status == 503 &&
		    no_leader(&out))) {
			/* a standby without a leader, or one in transition */
			snprintf(last_err, sizeof(last_err), "%s: no leader "
			    "(HTTP %ld)", addr, req.status);
			last = -ETIMEDOUT;
			skip(mc, addr);
		} else {
			rc = answer(mc, addr, method, path, req.status, &out,
			    resp, err, errlen);
			goto done;
		}
		if (now_ms() + backoff > deadline) {
			snprintf(err, errlen, "%s %s: no metaserver answered "
			    "within %ld ms (last: %s)", method, path,
			    mc->retry_ms, last_err);
			rc = last;
			goto done;
		}
		sleep_ms(backoff);
		backoff = backoff * 2 > METACONN_BACKOFF_MAX_MS ?
		    METACONN_BACKOFF_MAX_MS : backoff * 2;
		redirects = 0;
	}
done:
	buf_release(&out);
	free(text);
	return rc;
}
