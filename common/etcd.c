/*
 * etcd: the client for etcd 3.4's v3 JSON gateway.  Every call is one POST
 * of a JSON body to /v3/<service>/<method> through etcd_call(), which walks
 * the endpoints from the one that answered last, bounded by the client's
 * timeout, and turns gateway errors ({"error","message","code":<grpc>})
 * into negative errnos.  Keys and values travel base64-encoded; int64
 * fields come back as decimal strings and are omitted when zero, as are
 * empty lists and false booleans.  Transactions, leases and the watch
 * thread live in etcd_txn.c, etcd_lease.c and etcd_watch.c.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "common/buf.h"
#include "common/etcd.h"
#include "common/etcd_impl.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strnum.h"
#include "common/xalloc.h"

#define ETCD_CONNECT_MAX_MS	2000	/* default connect timeout cap */
#define ETCD_HOST_MAX		253	/* bytes of a host name */

/* gRPC status codes that the gateway puts in "code" */
#define GRPC_NOT_FOUND		5
#define GRPC_UNAVAILABLE	14

long
etcd_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- base64 ------------------------------------------------------------ */

char *
etcd_b64_encode(const void *p, size_t len)
{
	unsigned char	*out;

	if (len > (size_t)INT_MAX / 4 * 3 - 3)
		return NULL;
	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock(out, p, (int)len);
	return (char *)out;
}

static int
b64_char(int ch)
{
	return isalnum((unsigned char)ch) || ch == '+' || ch == '/';
}

/* Strict: groups of four alphabet characters, '=' only as the last one or
 * two, no whitespace (EVP_DecodeBlock alone would skip blanks and could not
 * tell padding from zero bytes). */
void *
etcd_b64_decode(const char *s, size_t *len)
{
	unsigned char	*out;
	size_t		 n, i, pad = 0;
	int		 r;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n % 4 != 0 || n > (size_t)INT_MAX)
		return NULL;
	if (n > 0 && s[n - 1] == '=')
		pad = (n > 1 && s[n - 2] == '=') ? 2 : 1;
	for (i = 0; i < n - pad; i++)
		if (!b64_char(s[i]))
			return NULL;
	if ((out = malloc(n / 4 * 3 + 1)) == NULL)
		return NULL;
	r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (r < 0 || (size_t)r < pad) {
		free(out);
		return NULL;
	}
	r -= (int)pad;
	out[r] = '\0';
	if (len != NULL)
		*len = (size_t)r;
	return out;
}

/* ---- keys and fields --------------------------------------------------- */

char *
etcd_full_key(const struct etcd_client *c, const char *key, size_t *len)
{
	size_t	 klen = strlen(key);
	char	*s;

	s = xmalloc(c->prefix_len + klen + 1);
	memcpy(s, c->prefix, c->prefix_len);
	memcpy(s + c->prefix_len, key, klen + 1);
	if (len != NULL)
		*len = c->prefix_len + klen;
	return s;
}

char *
etcd_prefix_end(const char *p, size_t len, size_t *outlen)
{
	char	*end;

	while (len > 0 && (unsigned char)p[len - 1] == 0xff)
		len--;
	if (len == 0) {
		end = xmalloc(2);
		end[0] = end[1] = '\0';
		*outlen = 1;
		return end;
	}
	end = xmalloc(len + 1);
	memcpy(end, p, len);
	end[len - 1] = (char)((unsigned char)end[len - 1] + 1);
	end[len] = '\0';
	*outlen = len;
	return end;
}

int
etcd_add_b64(struct cJSON *obj, const char *name, const void *p, size_t len)
{
	char	*s;

	if ((s = etcd_b64_encode(p, len)) == NULL)
		return len > (size_t)INT_MAX / 4 * 3 - 3 ? -E2BIG : -ENOMEM;
	json_add_str(obj, name, s);
	free(s);
	return 0;
}

int
etcd_get_i64(const struct cJSON *obj, const char *name, int64_t *out)
{
	int	 rc;

	rc = json_get_i64(obj, name, out);
	if (rc == -ENOENT) {
		*out = 0;
		return 0;
	}
	return rc == 0 ? 0 : -EPROTO;
}

void
etcd_kv_release(struct etcd_kv *kv)
{
	if (kv == NULL)
		return;
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

int
etcd_parse_kv(const struct etcd_client *c, const struct cJSON *obj,
    struct etcd_kv *kv)
{
	const char	*k, *v;
	char		*key;
	size_t		 klen;
	int		 rc;

	memset(kv, 0, sizeof(*kv));
	if (json_get_str(obj, "key", &k) != 0)
		return -EPROTO;
	if ((key = etcd_b64_decode(k, &klen)) == NULL)
		return -EPROTO;
	if (klen >= c->prefix_len &&
	    memcmp(key, c->prefix, c->prefix_len) == 0)
		memmove(key, key + c->prefix_len, klen - c->prefix_len + 1);
	kv->key = key;
	rc = json_get_str(obj, "value", &v);
	if (rc == -ENOENT)
		v = "";
	else if (rc != 0)
		goto bad;
	if ((kv->value = etcd_b64_decode(v, &kv->value_len)) == NULL)
		goto bad;
	if (etcd_get_i64(obj, "create_revision", &kv->create_revision) != 0 ||
	    etcd_get_i64(obj, "mod_revision", &kv->mod_revision) != 0 ||
	    etcd_get_i64(obj, "version", &kv->version) != 0 ||
	    etcd_get_i64(obj, "lease", &kv->lease) != 0)
		goto bad;
	return 0;
bad:
	etcd_kv_release(kv);
	return -EPROTO;
}

/* ---- the client -------------------------------------------------------- */

/* Normalises "host:port" or "http[s]://host:port[/]" into a URL base. */
static int
parse_endpoint(const char *s, char **out, char *err, size_t errlen)
{
	const char	*scheme = "http", *p = s, *colon, *end;
	char		 port[8];
	uint64_t	 n;
	size_t		 hlen, plen;

	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strncmp(p, "https://", 8) == 0) {
		scheme = "https";
		p += 8;
	} else if (strstr(p, "://") != NULL) {
		httpc_set_err(err, errlen, "etcd endpoint \"%s\": only http:// "
		    "and https:// are supported", s);
		return -EINVAL;
	}
	end = p + strlen(p);
	if (end > p && end[-1] == '/')
		end--;
	if (*p == '[') {
		/* [v6addr]:port */
		if ((colon = memchr(p, ']', end - p)) == NULL ||
		    colon[1] != ':') {
			httpc_set_err(err, errlen, "etcd endpoint \"%s\": want "
			    "[address]:port", s);
			return -EINVAL;
		}
		colon++;
	} else
		colon = memchr(p, ':', end - p);
	if (colon == NULL || colon == p) {
		httpc_set_err(err, errlen, "etcd endpoint \"%s\": want "
		    "host:port", s);
		return -EINVAL;
	}
	hlen = colon - p;
	plen = end - colon - 1;
	if (hlen > ETCD_HOST_MAX || memchr(p, '/', hlen) != NULL ||
	    memchr(p, ' ', hlen) != NULL || memchr(p, '@', hlen) != NULL) {
		httpc_set_err(err, errlen, "etcd endpoint \"%s\": bad host", s);
		return -EINVAL;
	}
	if (plen == 0 || plen >= sizeof(port)) {
		httpc_set_err(err, errlen, "etcd endpoint \"%s\": bad port", s);
		return -EINVAL;
	}
	memcpy(port, colon + 1, plen);
	port[plen] = '\0';
	if (parse_u64(port, 1, 65535, &n) != 0) {
		httpc_set_err(err, errlen, "etcd endpoint \"%s\": bad port "
		    "\"%s\"", s, port);
		return -EINVAL;
	}
	*out = xasprintf("%s://%.*s:%u", scheme, (int)hlen, p, (unsigned)n);
	return 0;
}

struct etcd_client *
etcd_new(const struct etcd_options *opts, char *err, size_t errlen)
{
	struct etcd_client	*c;
	struct httpc_options	 hopts;
	size_t			 i;

	if (opts == NULL || opts->endpoints == NULL ||
	    opts->nendpoints == 0) {
		httpc_set_err(err, errlen, "etcd: no endpoints");
		return NULL;
	}
	if (opts->nendpoints > ETCD_MAX_ENDPOINTS) {
		httpc_set_err(err, errlen, "etcd: %zu endpoints, at most %d",
		    opts->nendpoints, ETCD_MAX_ENDPOINTS);
		return NULL;
	}
	if (opts->timeout_ms < 0 || opts->connect_timeout_ms < 0) {
		httpc_set_err(err, errlen, "etcd: negative timeout");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->endpoints = xcalloc(opts->nendpoints, sizeof(*c->endpoints));
	for (i = 0; i < opts->nendpoints; i++) {
		if (opts->endpoints[i] == NULL) {
			httpc_set_err(err, errlen, "etcd: endpoint %zu is NULL",
			    i);
			goto fail;
		}
		if (parse_endpoint(opts->endpoints[i], &c->endpoints[i], err,
		    errlen) != 0)
			goto fail;
		c->nendpoints++;
	}
	/* "/minidfs" and "/minidfs/" mean the same: keys live below the
	 * prefix as a directory, so "/minidfsx/..." is never ours. */
	if (opts->prefix == NULL || opts->prefix[0] == '\0')
		c->prefix = xstrdup("");
	else if (opts->prefix[strlen(opts->prefix) - 1] == '/')
		c->prefix = xstrdup(opts->prefix);
	else
		c->prefix = xasprintf("%s/", opts->prefix);
	c->prefix_len = strlen(c->prefix);
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms :
	    ETCD_DEFAULT_TIMEOUT_MS;
	c->connect_ms = opts->connect_timeout_ms > 0 ?
	    opts->connect_timeout_ms : c->timeout_ms < ETCD_CONNECT_MAX_MS ?
	    c->timeout_ms : ETCD_CONNECT_MAX_MS;
	memset(&hopts, 0, sizeof(hopts));
	hopts.connect_timeout_ms = c->connect_ms;
	hopts.timeout_ms = c->timeout_ms;
	c->pool = httpc_pool_new(&hopts, ETCD_POOL_IDLE);
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		httpc_set_err(err, errlen, "etcd: pthread_mutex_init failed");
		httpc_pool_free(c->pool);
		c->pool = NULL;
		goto fail;
	}
	return c;
fail:
	for (i = 0; i < c->nendpoints; i++)
		free(c->endpoints[i]);
	free(c->endpoints);
	free(c->prefix);
	free(c);
	return NULL;
}

void
etcd_free(struct etcd_client *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	httpc_pool_free(c->pool);
	pthread_mutex_destroy(&c->lock);
	for (i = 0; i < c->nendpoints; i++)
		free(c->endpoints[i]);
	free(c->endpoints);
	free(c->prefix);
	free(c);
}

size_t
etcd_cur(struct etcd_client *c)
{
	size_t	 i;

	pthread_mutex_lock(&c->lock);
	i = c->cur;
	pthread_mutex_unlock(&c->lock);
	return i;
}

void
etcd_set_cur(struct etcd_client *c, size_t i)
{
	pthread_mutex_lock(&c->lock);
	c->cur = i;
	pthread_mutex_unlock(&c->lock);
}

const char *
etcd_endpoint(struct etcd_client *c)
{
	return c->endpoints[etcd_cur(c)];
}

static int
is_unreachable(int rc)
{
	return rc == -ECONNREFUSED || rc == -ETIMEDOUT ||
	    rc == -EHOSTUNREACH || rc == -ECONNRESET;
}

/*
 * POSTs body to path on each endpoint in turn, starting with the one that
 * answered last, until one answers or the client's timeout runs out (each
 * endpoint gets an equal share of the time left, so that one that accepts
 * connections but never answers cannot starve the rest).  On 0
 * *out is the parsed answer (caller cJSON_Delete()s).  An endpoint that
 * cannot be reached, or answers "unavailable", passes the call to the next.
 */
int
etcd_call(struct etcd_client *c, const char *path, const cJSON *body,
    cJSON **out, char *err, size_t errlen)
{
	struct httpc_req	 req;
	struct httpc		*h;
	struct buf		 ans = BUF_INIT(BUF_MAX_ETCD);
	cJSON			*root;
	char			 url[ETCD_URL_MAX], herr[256], perr[64];
	char			*text;
	const char		*msg;
	long			 left, deadline;
	int64_t			 code;
	size_t			 start, i, idx;
	int			 rc, last = -ECONNREFUSED, timed_out = 0;

	*out = NULL;
	text = json_print(body);
	deadline = etcd_now_ms() + c->timeout_ms;
	start = etcd_cur(c);
	httpc_set_err(err, errlen, "etcd %s: no endpoint", path);
	for (i = 0; i < c->nendpoints; i++) {
		idx = (start + i) % c->nendpoints;
		if ((left = deadline - etcd_now_ms()) <= 0) {
			timed_out = 1;
			break;
		}
		snprintf(url, sizeof(url), "%s%s", c->endpoints[idx], path);
		memset(&req, 0, sizeof(req));
		req.method = "POST";
		req.url = url;
		req.body = text;
		req.body_len = strlen(text);
		req.resp = &ans;
		/* a silent endpoint must leave time for the others */
		req.timeout_ms = left / (long)(c->nendpoints - i);
		if (req.timeout_ms <= 0)
			req.timeout_ms = left;
		if (httpc_req_header(&req, "Content-Type",
		    "application/json") != 0)
			fatalx("etcd: no room for the first header");
		buf_reset(&ans);
		h = httpc_pool_get(c->pool);
		rc = httpc_do(h, &req, herr, sizeof(herr));
		httpc_pool_put(c->pool, h);
		if (rc != 0) {
			httpc_set_err(err, errlen, "etcd %s at %s: %s", path,
			    c->endpoints[idx], herr);
			if (!is_unreachable(rc)) {
				last = rc;
				goto done;
			}
			if (rc == -ETIMEDOUT)
				timed_out = 1;
			continue;
		}
		root = ans.len > 0 ? json_parse(ans.data, ans.len, perr,
		    sizeof(perr)) : NULL;
		if (req.status >= 200 && req.status < 300) {
			etcd_set_cur(c, idx);
			if (root == NULL) {
				httpc_set_err(err, errlen, "etcd %s at %s: bad "
				    "answer: %s", path, c->endpoints[idx],
				    ans.len > 0 ? perr : "empty body");
				last = -EPROTO;
				goto done;
			}
			*out = root;
			last = 0;
			goto done;
		}
		/* {"error":"...","message":"...","code":<grpc code>} */
		msg = NULL;
		code = 0;
		if (root != NULL) {
			if (json_get_str(root, "message", &msg) != 0 &&
			    json_get_str(root, "error", &msg) != 0)
				msg = NULL;
			if (json_get_i64(root, "code", &code) != 0)
				code = 0;
		}
		httpc_set_err(err, errlen, "etcd %s at %s: HTTP %ld: %s", path,
		    c->endpoints[idx], req.status,
		    msg != NULL ? msg : "no error message");
		cJSON_Delete(root);
		if (req.status >= 500 || code == GRPC_UNAVAILABLE) {
			last = -EIO;
			continue;
		}
		etcd_set_cur(c, idx);
		last = code == GRPC_NOT_FOUND || req.status == 404 ?
		    -ENOENT : -EINVAL;
		goto done;
	}
	if (timed_out)
		last = -ETIMEDOUT;
	else if (last != -EIO)
		last = -ECONNREFUSED;
	if (err != NULL && errlen > 0) {
		/* keep the last endpoint's reason, say that all failed */
		size_t	 l = strlen(err);

		if (l + 1 < errlen)
			snprintf(err + l, errlen - l, " (%s)", timed_out ?
			    "out of time" : "no endpoint answered");
	}
done:
	buf_release(&ans);
	free(text);
	return last;
}

/* ---- ranges ------------------------------------------------------------ */

void
etcd_range_release(struct etcd_range *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->count; i++)
		etcd_kv_release(&r->kvs[i]);
	free(r->kvs);
	memset(r, 0, sizeof(*r));
}

/* Fills res from a RangeResponse; on error res is left empty. */
int
etcd_parse_range(const struct etcd_client *c, const cJSON *o,
    struct etcd_range *res)
{
	const cJSON	*kvs = NULL, *hdr, *item;
	size_t		 n;
	int		 rc;

	memset(res, 0, sizeof(*res));
	rc = json_get_array(o, "kvs", &kvs);
	if ((rc != 0 && rc != -ENOENT) || (kvs != NULL && !cJSON_IsArray(kvs)))
		return -EPROTO;
	if (etcd_get_i64(o, "count", &res->total) != 0 ||
	    json_get_bool(o, "more", &res->more) == -EINVAL)
		return -EPROTO;
	if (json_get_object(o, "header", &hdr) == 0 &&
	    etcd_get_i64(hdr, "revision", &res->revision) != 0)
		return -EPROTO;
	n = kvs != NULL ? (size_t)cJSON_GetArraySize(kvs) : 0;
	if (n == 0)
		return 0;
	if ((res->kvs = calloc(n, sizeof(*res->kvs))) == NULL)
		return -ENOMEM;
	cJSON_ArrayForEach(item, kvs) {
		if ((rc = etcd_parse_kv(c, item, &res->kvs[res->count])) != 0) {
			etcd_range_release(res);
			return rc;
		}
		res->count++;
	}
	return 0;
}

/* Adds key/range_end for [start, end), end NULL meaning start's prefix. */
static int
add_range_keys(struct etcd_client *c, cJSON *o, const char *start,
    size_t startlen_extra, const char *end, const char *prefix_of)
{
	char	*k, *e;
	size_t	 klen, elen;
	int	 rc;

	k = etcd_full_key(c, start, &klen);
	if (startlen_extra) {
		/* start just after "start": start + "\0" */
		k = xrealloc(k, klen + 2);
		k[++klen] = '\0';
	}
	if (end != NULL)
		e = etcd_full_key(c, end, &elen);
	else {
		char	*p;
		size_t	 plen;

		p = etcd_full_key(c, prefix_of, &plen);
		e = etcd_prefix_end(p, plen, &elen);
		free(p);
	}
	if ((rc = etcd_add_b64(o, "key", k, klen)) == 0)
		rc = etcd_add_b64(o, "range_end", e, elen);
	free(k);
	free(e);
	return rc;
}

static int
do_range(struct etcd_client *c, const char *start, int after,
    const char *end, const char *prefix_of, int64_t limit, int64_t rev,
    int keys_only, struct etcd_range *res, char *err, size_t errlen)
{
	cJSON	*req, *ans = NULL;
	int	 rc;

	req = json_new_object();
	if ((rc = add_range_keys(c, req, start, after, end, prefix_of)) != 0) {
		httpc_set_err(err, errlen, "etcd range: encoding keys: %s",
		    strerror(-rc));
		cJSON_Delete(req);
		return rc;
	}
	if (limit > 0)
		json_add_i64(req, "limit", limit);
	if (rev > 0)
		json_add_i64(req, "revision", rev);
	if (keys_only)
		json_add_bool(req, "keys_only", 1);
	rc = etcd_call(c, "/v3/kv/range", req, &ans, err, errlen);
	cJSON_Delete(req);
	if (rc != 0)
		return rc;
	if ((rc = etcd_parse_range(c, ans, res)) != 0)
		httpc_set_err(err, errlen,
		    "etcd /v3/kv/range at %s: bad answer", etcd_endpoint(c));
	cJSON_Delete(ans);
	return rc;
}

int
etcd_range(struct etcd_client *c, const char *start, const char *end,
    int64_t limit, int64_t rev, int keys_only, struct etcd_range *res,
    char *err, size_t errlen)
{
	etcd_range_release(res);
	if (start == NULL || limit < 0 || rev < 0) {
		httpc_set_err(err, errlen, "etcd range: bad arguments");
		return -EINVAL;
	}
	return do_range(c, start, 0, end, start, limit, rev, keys_only, res,
	    err, errlen);
}

int
etcd_range_next(struct etcd_client *c, const char *start, const char *end,
    int64_t limit, int keys_only, struct etcd_range *res, char *err,
    size_t errlen)
{
	struct etcd_range	 next = ETCD_RANGE_INIT;
	int			 rc;

	if (start == NULL || limit < 0 || res->count == 0) {
		httpc_set_err(err, errlen, "etcd range: no page to continue");
		return -EINVAL;
	}
	rc = do_range(c, res->kvs[res->count - 1].key, 1, end, start, limit,
	    res->revision, keys_only, &next, err, errlen);
	if (rc != 0)
		return rc;
	etcd_range_release(res);
	*res = next;
	return 0;
}

int
etcd_get(struct etcd_client *c, const char *key, struct etcd_kv *kv,
    char *err, size_t errlen)
{
	struct etcd_range	 r = ETCD_RANGE_INIT;
	cJSON			*req, *ans = NULL;
	char			*k;
	size_t			 klen;
	int			 rc;

	if (key == NULL) {
		httpc_set_err(err, errlen, "etcd get: no key");
		return -EINVAL;
	}
	req = json_new_object();
	k = etcd_full_key(c, key, &klen);
	rc = etcd_add_b64(req, "key", k, klen);
	free(k);
	if (rc == 0)
		rc = etcd_call(c, "/v3/kv/range", req, &ans, err, errlen);
	cJSON_Delete(req);
	if (rc != 0)
		return rc;
	if ((rc = etcd_parse_range(c, ans, &r)) != 0)
		httpc_set_err(err, errlen,
		    "etcd /v3/kv/range at %s: bad answer", etcd_endpoint(c));
	cJSON_Delete(ans);
	if (rc != 0)
		return rc;
	if (r.count == 0) {
		httpc_set_err(err, errlen, "etcd get %s: no such key", key);
		etcd_range_release(&r);
		return -ENOENT;
	}
	*kv = r.kvs[0];
	memset(&r.kvs[0], 0, sizeof(r.kvs[0]));
	etcd_range_release(&r);
	return 0;
}

/* ---- writes ------------------------------------------------------------ */

int
etcd_header_revision(const cJSON *ans, int64_t *rev)
{
	const cJSON	*hdr;

	if (json_get_object(ans, "header", &hdr) != 0)
		return -EPROTO;
	return etcd_get_i64(hdr, "revision", rev);
}

/* The body of a put, also used inside transactions. */
cJSON *
etcd_put_body(struct etcd_client *c, const char *key, const void *value,
    size_t len, int64_t lease)
{
	cJSON	*o;
	char	*k;
	size_t	 klen;
	int	 rc;

	o = json_new_object();
	k = etcd_full_key(c, key, &klen);
	rc = etcd_add_b64(o, "key", k, klen);
	free(k);
	if (rc == 0)
		rc = etcd_add_b64(o, "value", value != NULL ? value : "", len);
	if (rc != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	if (lease != 0)
		json_add_i64(o, "lease", lease);
	return o;
}

cJSON *
etcd_delete_body(struct etcd_client *c, const char *key, int prefix)
{
	cJSON	*o;
	char	*k, *e;
	size_t	 klen, elen;
	int	 rc;

	o = json_new_object();
	k = etcd_full_key(c, key, &klen);
	rc = etcd_add_b64(o, "key", k, klen);
	if (rc == 0 && prefix) {
		e = etcd_prefix_end(k, klen, &elen);
		rc = etcd_add_b64(o, "range_end", e, elen);
		free(e);
	}
	free(k);
	if (rc != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int
etcd_put(struct etcd_client *c, const char *key, const void *value,
    size_t value_len, int64_t lease, int64_t *rev, char *err, size_t errlen)
{
	cJSON	*req, *ans = NULL;
	int64_t	 r;
	int	 rc;

	if (key == NULL || (value == NULL && value_len > 0) || lease < 0) {
		httpc_set_err(err, errlen, "etcd put: bad arguments");
		return -EINVAL;
	}
	if ((req = etcd_put_body(c, key, value, value_len, lease)) == NULL) {
		httpc_set_err(err, errlen, "etcd put %s: value too large", key);
		return -E2BIG;
	}
	rc = etcd_call(c, "/v3/kv/put", req, &ans, err, errlen);
	cJSON_Delete(req);
	if (rc != 0)
		return rc;
	if ((rc = etcd_header_revision(ans, &r)) != 0)
		httpc_set_err(err, errlen, "etcd /v3/kv/put at %s: no revision "
		    "in the answer", etcd_endpoint(c));
	else if (rev != NULL)
		*rev = r;
	cJSON_Delete(ans);
	return rc;
}

int
etcd_delete(struct etcd_client *c, const char *key, int prefix,
    int64_t *deleted, char *err, size_t errlen)
{
	cJSON	*req, *ans = NULL;
	int64_t	 n;
	int	 rc;

	if (key == NULL) {
		httpc_set_err(err, errlen, "etcd delete: no key");
		return -EINVAL;
	}
	if ((req = etcd_delete_body(c, key, prefix)) == NULL) {
		httpc_set_err(err, errlen, "etcd delete %s: out of memory",
		    key);
		return -ENOMEM;
	}
	rc = etcd_call(c, "/v3/kv/deleterange", req, &ans, err, errlen);
	cJSON_Delete(req);
	if (rc != 0)
		return rc;
	if ((rc = etcd_get_i64(ans, "deleted", &n)) != 0)
		httpc_set_err(err, errlen, "etcd /v3/kv/deleterange at %s: bad "
		    "\"deleted\"", etcd_endpoint(c));
	else if (deleted != NULL)
		*deleted = n;
	cJSON_Delete(ans);
	return rc;
}
