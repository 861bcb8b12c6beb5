/*
 * chain: the dataserver's outgoing block transfers: streaming chain
 * forwarding, pull copy and push copy, over one httpc_pool per peer.
 *
 * Forwarding is a producer/consumer pair around a ring buffer of
 * CHAIN_QUEUE_BYTES: the request thread (httpd's on_data) pushes, the
 * forwarding thread's httpc read_cb pops.  Three flags end the stream: eof
 * (the upstream body is complete: read_cb returns 0 once the ring is empty),
 * abort (the upstream failed: read_cb aborts the downstream upload so the
 * downstream stores nothing) and done (the downstream call returned: pushes
 * are dropped from then on).  Memory per forwarded PUT is bounded by the ring,
 * whatever the block size.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/blockid.h"
#include "common/buf.h"
#include "common/errmap.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "server/data/blockstore.h"
#include "server/data/chain.h"
#include "server/data/data.h"

struct peer {
	char		 addr[MDFS_ADDR_MAX];
	struct httpc_pool *pool;
	struct peer	*next;
};

struct chain {
	struct data_server *ds;
	struct httpc_options opts;
	pthread_mutex_t	 lock;
	struct peer	*peers;		/* protected by lock */
	size_t		 npeers;	/* protected by lock */
};

struct chain_fwd {
	struct chain	*c;
	struct httpc_pool *pool;
	char		 id[BLOCKID_BUFSZ];
	char		**addrs;	/* the chain from the downstream on */
	size_t		 naddrs;
	char		*rest;		/* HTTP_HDR_CHAIN for the downstream */
	char		*token;		/* client block token or NULL */
	int64_t		 len;
	pthread_t	 thread;

	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;		/* ring changed or a flag was set */
	char		*ring;
	size_t		 head;		/* protected by lock */
	size_t		 count;		/* protected by lock */
	int		 eof;		/* protected by lock */
	int		 abort;		/* protected by lock */
	int		 done;		/* protected by lock */

	/* written by the forwarding thread before done is set */
	int		 rc;
	long		 status;
	struct buf	 resp;
	char		 err[256];
};

struct chain *
chain_new(struct data_server *ds)
{
	struct chain	*c;

	c = xcalloc(1, sizeof(*c));
	c->ds = ds;
	c->opts.connect_timeout_ms = (long)ds->conf.meta_timeout * 1000;
	c->opts.timeout_ms = (long)ds->conf.peer_timeout * 1000;
	c->opts.ca_file = ds->conf.tls_ca;
	c->opts.tls_no_verify = ds->conf.tls_no_verify;
	c->opts.recv_buffer = HTTPC_BULK_RECV_BUFFER;	/* pull copies */
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
chain_free(struct chain *c)
{
	struct peer	*p, *next;

	if (c == NULL)
		return;
	for (p = c->peers; p != NULL; p = next) {
		next = p->next;
		httpc_pool_free(p->pool);
		free(p);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The pool for addr, made on first use.  Beyond CHAIN_MAX_PEERS new peers
 * share the newest pool: calls still work, only connection reuse suffers. */
static struct httpc_pool *
peer_pool(struct chain *c, const char *addr)
{
	struct peer	*p;

	pthread_mutex_lock(&c->lock);
	for (p = c->peers; p != NULL; p = p->next)
		if (strcmp(p->addr, addr) == 0)
			break;
	if (p == NULL && c->npeers >= CHAIN_MAX_PEERS)
		p = c->peers;
	if (p == NULL) {
		p = xcalloc(1, sizeof(*p));
		snprintf(p->addr, sizeof(p->addr), "%s", addr);
		p->pool = httpc_pool_new(&c->opts, CHAIN_POOL_IDLE);
		if (p->pool == NULL)
			fatalx("httpc_pool_new: out of memory");
		p->next = c->peers;
		c->peers = p;
		c->npeers++;
	}
	pthread_mutex_unlock(&c->lock);
	return p->pool;
}

int
chain_addr_valid(const char *s)
{
	const char	*colon, *q;
	size_t		 len;
	unsigned	 port = 0;

	len = strlen(s);
	if (len < 3 || len >= MDFS_ADDR_MAX)
		return 0;
	if ((colon = strrchr(s, ':')) == NULL || colon == s || colon[1] == '\0')
		return 0;
	for (q = s; q < colon; q++)
		if (*q <= ' ' || *q == '/' || *q == ',' || *q == '?' ||
		    *q == '#' || *q == '@' || *q == 0x7f)
			return 0;
	for (q = colon + 1; *q != '\0'; q++) {
		if (*q < '0' || *q > '9' || port > 65535)
			return 0;
		port = port * 10 + (unsigned)(*q - '0');
	}
	return port >= 1 && port <= 65535;
}

int
chain_parse(const char *hdr, char **copy, const char **addrs, size_t max)
{
	char	*s, *p, *comma;
	size_t	 n = 0;

	*copy = NULL;
	if (hdr == NULL || *hdr == '\0')
		return 0;
	s = xstrdup(hdr);
	for (p = s; p != NULL; p = comma) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma++ = '\0';
		while (*p == ' ')
			p++;
		if (!chain_addr_valid(p)) {
			free(s);
			return -EINVAL;
		}
		if (n == max) {
			free(s);
			return -E2BIG;
		}
		addrs[n++] = p;
	}
	*copy = s;
	return (int)n;
}

/* Adds the auth headers: the block token (or the cluster token when there is
 * none) and the cluster token.  tok must hold TOKEN_MAX_LEN bytes. */
static void
auth_headers(struct chain *c, struct httpc_req *req, const char *block_token,
    char *tok)
{
	int	 have;

	have = data_cluster_token(c->ds, tok, TOKEN_MAX_LEN);
	if (block_token != NULL)
		(void)!httpc_req_header(req, HTTP_HDR_TOKEN, block_token);
	else if (have)
		(void)!httpc_req_header(req, HTTP_HDR_TOKEN, tok);
	if (have)
		(void)!httpc_req_header(req, HTTP_HDR_AUTH, tok);
}

static size_t
fwd_read(char *dst, size_t max, void *arg)
{
	struct chain_fwd	*f = arg;
	size_t			 n, first;

	pthread_mutex_lock(&f->lock);
	while (f->count == 0 && !f->eof && !f->abort)
		pthread_cond_wait(&f->cond, &f->lock);
	if (f->abort) {
		pthread_mutex_unlock(&f->lock);
		return HTTPC_READ_ABORT;
	}
	n = f->count < max ? f->count : max;
	first = CHAIN_QUEUE_BYTES - f->head;
	if (first > n)
		first = n;
	memcpy(dst, f->ring + f->head, first);
	memcpy(dst + first, f->ring, n - first);
	f->head = (f->head + n) % CHAIN_QUEUE_BYTES;
	f->count -= n;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return n;
}

static void *
fwd_main(void *arg)
{
	struct chain_fwd	*f = arg;
	struct data_server	*ds = f->c->ds;
	struct httpc_req	 req;
	struct httpc		*h;
	char			 tok[TOKEN_MAX_LEN], path[128], *url;

	memset(&req, 0, sizeof(req));
	snprintf(path, sizeof(path), "%s%s", DATA_PATH_BLOCKS, f->id);
	url = data_url(ds, f->addrs[0], path);
	req.method = "PUT";
	req.url = url;
	auth_headers(f->c, &req, f->token, tok);
	if (f->rest != NULL)
		(void)!httpc_req_header(&req, HTTP_HDR_CHAIN, f->rest);
	(void)!httpc_req_header(&req, "Content-Type",
	    "application/octet-stream");
	req.read_cb = fwd_read;
	req.read_arg = f;
	req.upload_len = f->len;
	req.resp = &f->resp;
	h = httpc_pool_get(f->pool);
	f->rc = httpc_do(h, &req, f->err, sizeof(f->err));
	httpc_pool_put(f->pool, h);
	f->status = req.status;
	free(url);

	pthread_mutex_lock(&f->lock);
	f->done = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

struct chain_fwd *
chain_fwd_start(struct chain *c, const char *id, const char * const *addrs,
    size_t n, const char *token, int64_t len)
{
	struct chain_fwd	*f;
	struct buf		 rest = BUF_INIT(MDFS_MAX_CHAIN * MDFS_ADDR_MAX);
	size_t			 i;
	int			 rc;

	f = xcalloc(1, sizeof(*f));
	f->c = c;
	memcpy(f->id, id, BLOCKID_BUFSZ);
	f->addrs = xcalloc(n, sizeof(*f->addrs));
	for (i = 0; i < n; i++)
		f->addrs[i] = xstrdup(addrs[i]);
	f->naddrs = n;
	for (i = 1; i < n; i++)
		if (buf_appendf(&rest, "%s%s", i > 1 ? "," : "", addrs[i]) < 0)
			fatalx("chain header: out of memory");
	f->rest = n > 1 ? buf_detach(&rest, NULL) : NULL;
	f->token = token != NULL ? xstrdup(token) : NULL;
	f->len = len;
	f->ring = xmalloc(CHAIN_QUEUE_BYTES);
	buf_init(&f->resp, BUF_MAX_JSON);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->pool = peer_pool(c, addrs[0]);
	if ((rc = pthread_create(&f->thread, NULL, fwd_main, f)) != 0) {
		/* no thread: behave like a downstream that failed at once */
		f->rc = -rc;
		snprintf(f->err, sizeof(f->err), "pthread_create: %s",
		    strerror(rc));
		f->done = 1;
		f->thread = pthread_self();
	}
	return f;
}

int
chain_fwd_push(struct chain_fwd *f, const char *p, size_t n)
{
	size_t	 tail, take, first;

	pthread_mutex_lock(&f->lock);
	while (n > 0) {
		while (f->count == CHAIN_QUEUE_BYTES && !f->done)
			pthread_cond_wait(&f->cond, &f->lock);
		if (f->done) {
			pthread_mutex_unlock(&f->lock);
			return f->rc < 0 ? f->rc : -EREMOTEIO;
		}
		take = CHAIN_QUEUE_BYTES - f->count;
		if (take > n)
			take = n;
		tail = (f->head + f->count) % CHAIN_QUEUE_BYTES;
		first = CHAIN_QUEUE_BYTES - tail;
		if (first > take)
			first = take;
		memcpy(f->ring + tail, p, first);
		memcpy(f->ring, p + first, take - first);
		f->count += take;
		p += take;
		n -= take;
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	return 0;
}

void
chain_fwd_eof(struct chain_fwd *f)
{
	pthread_mutex_lock(&f->lock);
	f->eof = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void
add_failed(struct cJSON *failed, const char *addr, const char *code)
{
	struct cJSON	*o;

	if (failed == NULL)
		return;
	o = json_new_object();
	json_add_str(o, JF_ADDR, addr);
	json_add_str(o, JF_ERROR, code);
	cJSON_AddItemToArray(failed, o);
}

/* Copies the well-formed entries of the downstream's list src to dst. */
static void
copy_list(const struct cJSON *ans, const char *key, struct cJSON *dst)
{
	const struct cJSON	*arr, *it;

	if (dst == NULL || json_get_array(ans, key, &arr) < 0)
		return;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsObject(it))
			cJSON_AddItemToArray(dst, cJSON_Duplicate(it, 1));
}

int
chain_fwd_finish(struct chain_fwd *f, int abort, struct cJSON *stored,
    struct cJSON *failed)
{
	struct cJSON	*ans = NULL;
	const char	*code;
	char		 msg[256];
	int		 nfail = 0, e;
	size_t		 i;

	pthread_mutex_lock(&f->lock);
	if (abort)
		f->abort = 1;
	else
		f->eof = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	if (!pthread_equal(f->thread, pthread_self()))
		pthread_join(f->thread, NULL);

	if (f->rc == 0 && f->status >= 200 && f->status < 300) {
		ans = json_parse(f->resp.data ? f->resp.data : "",
		    f->resp.len, msg, sizeof(msg));
		copy_list(ans, JF_STORED, stored);
		copy_list(ans, JF_FAILED, failed);
		if (ans == NULL) {
			/* stored, but we cannot tell where: list it failed */
			add_failed(failed, f->addrs[0], "EPROTO");
			nfail = (int)f->naddrs;
			for (i = 1; i < f->naddrs; i++)
				add_failed(failed, f->addrs[i], "ECANCELED");
		} else {
			const struct cJSON *arr;

			if (json_get_array(ans, JF_FAILED, &arr) == 0)
				nfail = cJSON_GetArraySize(arr);
		}
	} else {
		if (f->rc < 0)
			code = errmap_code(-f->rc);
		else {
			ans = json_parse(f->resp.data ? f->resp.data : "",
			    f->resp.len, msg, sizeof(msg));
			e = errmap_decode(ans, (int)f->status, f->err,
			    sizeof(f->err));
			code = errmap_code(e);
		}
		if (!abort) {
			log_warnx("chain: block %s to %s failed: %s (%s)",
			    f->id, f->addrs[0], code,
			    f->err[0] ? f->err : "no detail");
			DATA_STAT_ADD(f->c->ds, chain_failures, 1);
		}
		add_failed(failed, f->addrs[0], code);
		for (i = 1; i < f->naddrs; i++)
			add_failed(failed, f->addrs[i], "ECANCELED");
		nfail = (int)f->naddrs;
	}
	cJSON_Delete(ans);

	for (i = 0; i < f->naddrs; i++)
		free(f->addrs[i]);
	free(f->addrs);
	free(f->rest);
	free(f->token);
	free(f->ring);
	buf_release(&f->resp);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f);
	return nfail;
}

/* ---- pull copy ----------------------------------------------------------- */

struct fetch_ctx {
	struct bs_writer *w;
	int		 rc;	/* first local write error */
};

static int
fetch_write(const char *p, size_t n, void *arg)
{
	struct fetch_ctx	*fc = arg;
	int			 rc;

	if ((rc = blockstore_writer_write(fc->w, p, n)) < 0) {
		fc->rc = rc;
		return rc;
	}
	return 0;
}

int
chain_fetch(struct chain *c, const char *id, const char *from,
    uint64_t *size, char *err, size_t errlen)
{
	struct data_server	*ds = c->ds;
	struct httpc_pool	*pool;
	struct httpc_req	 req;
	struct httpc		*h;
	struct fetch_ctx	 fc = { NULL, 0 };
	struct buf		 resp = BUF_INIT(BUF_MAX_ERRBODY);
	char			 tok[TOKEN_MAX_LEN], path[128], msg[256];
	char			*url;
	int			 rc, existed;

	*size = 0;
	if (!blockid_valid(id) || !chain_addr_valid(from)) {
		snprintf(err, errlen, "bad block id or source address");
		return -EINVAL;
	}
	if (blockstore_has(ds->store, id, size) == 1)
		return 0;
	if ((rc = blockstore_writer_new(ds->store, id, -1, &fc.w)) < 0) {
		snprintf(err, errlen, "local store: %s", strerror(-rc));
		return rc;
	}
	memset(&req, 0, sizeof(req));
	snprintf(path, sizeof(path), "%s%s", DATA_PATH_BLOCKS, id);
	url = data_url(ds, from, path);
	req.method = "GET";
	req.url = url;
	auth_headers(c, &req, NULL, tok);
	req.write_cb = fetch_write;
	req.write_arg = &fc;
	req.resp = &resp;
	pool = peer_pool(c, from);
	h = httpc_pool_get(pool);
	rc = httpc_do(h, &req, msg, sizeof(msg));
	httpc_pool_put(pool, h);
	free(url);

	if (fc.rc < 0) {
		rc = fc.rc;
		snprintf(err, errlen, "storing block from %s: %s", from,
		    strerror(-rc));
		blockstore_writer_abort(fc.w);
		goto out;
	}
	if (rc < 0) {
		snprintf(err, errlen, "fetch from %s: %s", from, msg);
		blockstore_writer_abort(fc.w);
		rc = -EREMOTEIO;
		goto out;
	}
	if (req.status != 200) {
		snprintf(err, errlen, "fetch from %s: HTTP %ld", from,
		    req.status);
		blockstore_writer_abort(fc.w);
		rc = -EREMOTEIO;
		goto out;
	}
	*size = blockstore_writer_len(fc.w);
	rc = blockstore_writer_commit(fc.w, &existed);
	if (rc == -EILSEQ) {
		snprintf(err, errlen, "%s sent bytes that do not match the id",
		    from);
		rc = -EREMOTEIO;
	} else if (rc < 0)
		snprintf(err, errlen, "storing block: %s", strerror(-rc));
	else
		log_info("block %s fetched from %s (%llu bytes)", id, from,
		    (unsigned long long)*size);
out:
	buf_release(&resp);
	return rc;
}

/* ---- push copy ----------------------------------------------------------- */

struct push_ctx {
	int		 fd;
	int		 rc;
};

static size_t
push_read(char *dst, size_t max, void *arg)
{
	struct push_ctx	*pc = arg;
	ssize_t		 r;

	do
		r = read(pc->fd, dst, max);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		pc->rc = -errno;
		return HTTPC_READ_ABORT;
	}
	return (size_t)r;
}

int
chain_push(struct chain *c, const char *id, const char *to,
    struct cJSON **answer, char *err, size_t errlen)
{
	struct data_server	*ds = c->ds;
	struct httpc_pool	*pool;
	struct httpc_req	 req;
	struct httpc		*h;
	struct push_ctx		 pc = { -1, 0 };
	struct buf		 resp = BUF_INIT(BUF_MAX_JSON);
	struct cJSON		*ans;
	char			 tok[TOKEN_MAX_LEN], path[128], msg[256];
	char			*url;
	uint64_t		 size;
	int			 rc, e;

	if (answer != NULL)
		*answer = NULL;
	if (!blockid_valid(id) || !chain_addr_valid(to)) {
		snprintf(err, errlen, "bad block id or target address");
		return -EINVAL;
	}
	if ((rc = blockstore_open_read(ds->store, id, &pc.fd, &size)) < 0) {
		snprintf(err, errlen, "block %s: %s", id, strerror(-rc));
		return rc;
	}
	if ((rc = blockstore_verify(ds->store, id, pc.fd, size, 0, size)) < 0) {
		snprintf(err, errlen, "block %s failed verification", id);
		close(pc.fd);
		return rc;
	}
	memset(&req, 0, sizeof(req));
	snprintf(path, sizeof(path), "%s%s", DATA_PATH_BLOCKS, id);
	url = data_url(ds, to, path);
	req.method = "PUT";
	req.url = url;
	auth_headers(c, &req, NULL, tok);
	(void)!httpc_req_header(&req, "Content-Type",
	    "application/octet-stream");
	req.read_cb = push_read;
	req.read_arg = &pc;
	req.upload_len = (int64_t)size;
	req.resp = &resp;
	pool = peer_pool(c, to);
	h = httpc_pool_get(pool);
	rc = httpc_do(h, &req, msg, sizeof(msg));
	httpc_pool_put(pool, h);
	free(url);
	close(pc.fd);

	if (pc.rc < 0) {
		snprintf(err, errlen, "reading block %s: %s", id,
		    strerror(-pc.rc));
		rc = pc.rc;
		goto out;
	}
	if (rc < 0) {
		snprintf(err, errlen, "push to %s: %s", to, msg);
		rc = -EREMOTEIO;
		goto out;
	}
	ans = json_parse(resp.data ? resp.data : "", resp.len, msg,
	    sizeof(msg));
	if (req.status < 200 || req.status >= 300) {
		e = errmap_decode(ans, (int)req.status, msg, sizeof(msg));
		snprintf(err, errlen, "push to %s: HTTP %ld %s: %s", to,
		    req.status, errmap_code(e), msg);
		cJSON_Delete(ans);
		rc = -EREMOTEIO;
		goto out;
	}
	log_info("block %s pushed to %s", id, to);
	if (answer != NULL)
		*answer = ans;
	else
		cJSON_Delete(ans);
	rc = 0;
out:
	buf_release(&resp);
	return rc;
}
