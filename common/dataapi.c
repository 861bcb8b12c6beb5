/*
 * dataapi: the client side of the dataservers' block routes, shared by the
 * mount daemon (fuse/writer.c, fuse/reader.c) and minidfs-admin put/get.
 * dataapi_put() is the one place a block PUT along a chain is built,
 * dataapi_store() the allocate-and-upload loop around it, dataapi_get() the
 * one verified whole-block GET.  See dataapi.h.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/blockid.h"
#include "common/blockpool.h"
#include "common/buf.h"
#include "common/dataapi.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/metaclient.h"
#include "common/protocol.h"
#include "common/strnum.h"

#define DATAAPI_BACKOFF_MIN_MS	200
#define DATAAPI_BACKOFF_MAX_MS	3000

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

/* Adds addr to the exclude list unless it is there. */
static void
exclude_add(char (*ex)[MDFS_ADDR_MAX], size_t *n, const char *addr)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(ex[i], addr) == 0)
			return;
	if (*n < MDFS_EXCLUDE_MAX)
		snprintf(ex[(*n)++], MDFS_ADDR_MAX, "%s", addr);
}

int
dataapi_put(struct httpc_pool *pool, struct mc_chunk *ch, const char *data,
    size_t len, struct mc_commit *cm, char (*ex)[MDFS_ADDR_MAX], size_t *nex)
{
	struct httpc_req req = { 0 };
	struct buf	 out = BUF_INIT(BUF_MAX_JSON);
	struct httpc	*h;
	char		 url[MDFS_ADDR_MAX + 96], chain[MDFS_MAX_CHAIN *
			    MDFS_ADDR_MAX], err[128];
	const cJSON	*arr, *it;
	const char	*id, *addr;
	cJSON		*root = NULL;
	size_t		 cl = 0;
	int		 rc;

	chain[0] = '\0';
	for (size_t i = 1; i < ch->nloc; i++)
		cl += (size_t)snprintf(chain + cl, sizeof(chain) - cl, "%s%s",
		    i > 1 ? "," : "", ch->loc[i].addr);
	snprintf(url, sizeof(url), "http://%s%s%s", ch->loc[0].addr,
	    DATA_PATH_BLOCKS, ch->id);
	req.method = "PUT";
	req.url = url;
	req.body = data;
	req.body_len = len;
	req.resp = &out;
	if ((ch->token[0] != '\0' &&
	    httpc_req_header(&req, HTTP_HDR_TOKEN, ch->token) != 0) ||
	    (chain[0] != '\0' &&
	    httpc_req_header(&req, HTTP_HDR_CHAIN, chain) != 0) ||
	    httpc_req_header(&req, "Content-Type",
	    "application/octet-stream") != 0)
		return -EIO;
	h = httpc_pool_get(pool);
	rc = httpc_do(h, &req, err, sizeof(err));
	httpc_pool_put(pool, h);
	if (rc != 0) {
		log_warnx("dataapi: PUT block %s to %s: %s", ch->id,
		    ch->loc[0].addr, err);
		exclude_add(ex, nex, ch->loc[0].addr);
		buf_release(&out);
		return rc == -ETIMEDOUT ? -ETIMEDOUT : -EIO;
	}
	if (req.status != 200 && req.status != 201) {
		log_warnx("dataapi: PUT block %s to %s: HTTP %ld", ch->id,
		    ch->loc[0].addr, req.status);
		if (req.status != 403)
			exclude_add(ex, nex, ch->loc[0].addr);
		buf_release(&out);
		return req.status == 507 ? -ENOSPC : -EIO;
	}
	root = out.len > 0 ? json_parse(out.data, out.len, err, sizeof(err)) :
	    NULL;
	buf_release(&out);
	if (root == NULL || json_get_array(root, JF_STORED, &arr) != 0) {
		log_warnx("dataapi: PUT block %s to %s: bad answer", ch->id,
		    ch->loc[0].addr);
		cJSON_Delete(root);
		return -EIO;
	}
	cm->nstored = 0;
	ch->nloc = 0;
	cJSON_ArrayForEach(it, arr) {
		if (json_get_str(it, JF_ID, &id) != 0 ||
		    strlen(id) > MDFS_NODE_ID_MAX ||
		    cm->nstored == MDFS_MAX_CHAIN)
			continue;
		snprintf(cm->stored[cm->nstored++], MDFS_NODE_ID_MAX + 1, "%s",
		    id);
		if (json_get_str(it, JF_ADDR, &addr) == 0 &&
		    strlen(addr) < MDFS_ADDR_MAX) {
			snprintf(ch->loc[ch->nloc].id, MDFS_NODE_ID_MAX + 1,
			    "%s", id);
			snprintf(ch->loc[ch->nloc].addr, MDFS_ADDR_MAX, "%s",
			    addr);
			ch->nloc++;
		}
	}
	/* exclude the nodes that failed, not those only cut off behind one
	 * (ECANCELED) or that stored it without saying so (EPROTO) */
	if (json_get_array(root, JF_FAILED, &arr) == 0)
		cJSON_ArrayForEach(it, arr) {
			const char	*code = "";

			(void)json_get_str(it, JF_ERROR, &code);
			if (json_get_str(it, JF_ADDR, &addr) == 0 &&
			    strcmp(code, "ECANCELED") != 0 &&
			    strcmp(code, "EPROTO") != 0)
				exclude_add(ex, nex, addr);
		}
	cJSON_Delete(root);
	return 0;
}

/* The replicas a write needs: need (min_replicas), lowered to the file's own
 * replication (MDFS_XATTR_REPLICAS) when that is smaller.  Asked only when a
 * block came back with fewer copies than need; called without locks. */
static unsigned
file_need(struct metaclient *mc, uint64_t ino, unsigned need)
{
	void		*v;
	size_t		 len;
	uint64_t	 r;
	char		 text[32];

	if (mc_getxattr(mc, ino, MDFS_XATTR_REPLICAS, &v, &len) == 0) {
		if (len < sizeof(text)) {
			memcpy(text, v, len);
			text[len] = '\0';
			if (parse_u64(text, 1, MDFS_REPLICAS_MAX, &r) == 0 &&
			    r < need)
				need = (unsigned)r;
		}
		free(v);
	}
	return need;
}

static long
next_backoff(long ms)
{
	return ms * 2 > DATAAPI_BACKOFF_MAX_MS ? DATAAPI_BACKOFF_MAX_MS :
	    ms * 2;
}

int
dataapi_store(struct metaclient *mc, struct httpc_pool *pool, uint64_t ino,
    const char *data, size_t len, unsigned retry_s, unsigned *need,
    struct mc_chunk *ch, struct mc_commit *cm)
{
	char		 id[BLOCKID_BUFSZ];
	char		 ex[MDFS_EXCLUDE_MAX][MDFS_ADDR_MAX];
	size_t		 nex = 0;
	int64_t		 deadline = now_ms() + (int64_t)retry_s * 1000;
	long		 backoff = DATAAPI_BACKOFF_MIN_MS;
	int		 rc, present, asked = 0;

	if ((rc = blockid_of(data, len, id)) != 0)
		return rc;
	for (;;) {
		memset(ch, 0, sizeof(*ch));
		memset(cm, 0, sizeof(*cm));
		rc = mc_alloc(mc, ino, id, len, (const char (*)[
		    MDFS_ADDR_MAX])ex, nex, ch, &present);
		if ((rc == -EHOSTDOWN || (rc == -ENOSPC && nex > 0)) &&
		    now_ms() + backoff <= deadline) {
			/* no node to write to, or every one left was
			 * excluded: they may be back */
			nex = 0;
			sleep_ms(backoff);
			backoff = next_backoff(backoff);
			continue;
		}
		if (rc == -EHOSTDOWN) {
			log_warnx("dataapi: block %s of inode %llu: no "
			    "dataserver to write to after %u s", id,
			    (unsigned long long)ino, retry_s);
			return -EIO;
		}
		if (rc != 0)
			return rc;
		if (present) {
			/* dedup: the cluster has it often enough already */
			for (size_t i = 0; i < ch->nloc; i++)
				snprintf(cm->stored[cm->nstored++],
				    MDFS_NODE_ID_MAX + 1, "%s", ch->loc[i].id);
			rc = 0;
			break;
		}
		rc = dataapi_put(pool, ch, data, len, cm, ex, &nex);
		if (rc == 0 && cm->nstored < *need && !asked) {
			/* short: maybe the file wants fewer copies */
			asked = 1;
			*need = file_need(mc, ino, *need);
		}
		if (rc == 0 && cm->nstored >= *need)
			break;
		if (rc == 0) {
			log_warnx("dataapi: block %s stored on %zu of %u "
			    "replicas needed; retrying", id, cm->nstored, *need);
			rc = -EIO;
		}
		if (now_ms() + backoff > deadline) {
			log_warnx("dataapi: block %s of inode %llu: giving up "
			    "after %llu s", id, (unsigned long long)ino,
			    (unsigned long long)retry_s);
			return rc;
		}
		sleep_ms(backoff);
		backoff = next_backoff(backoff);
	}
	memcpy(ch->id, id, BLOCKID_BUFSZ);
	ch->len = len;
	memcpy(cm->id, id, BLOCKID_BUFSZ);
	cm->len = len;
	return 0;
}

int
dataapi_get(struct httpc_pool *pool, const struct mc_chunk *ch,
    uint64_t block_size, const struct dataapi_report *rep,
    struct blockpool *bp, void **data, size_t *len)
{
	char		 url[MDFS_ADDR_MAX + 96], got[BLOCKID_BUFSZ], err[128];
	int		 rc, n404 = 0, n403 = 0;

	if (blockpool_size(bp) != block_size + 1)
		bp = NULL;
	for (size_t i = 0; i < ch->nloc; i++) {
		struct httpc_req req = { 0 };
		/* a chunk may use only a prefix of its block (a truncate
		 * shortens len, not the block): take the whole block */
		struct buf	 out;
		struct httpc	*h;

		snprintf(url, sizeof(url), "http://%s%s%s", ch->loc[i].addr,
		    DATA_PATH_BLOCKS, ch->id);
		req.method = "GET";
		req.url = url;
		req.resp = &out;
		if (ch->token[0] != '\0' && httpc_req_header(&req,
		    HTTP_HDR_TOKEN, ch->token) != 0)
			return -EIO;
		buf_init_with(&out, block_size, blockpool_get(bp),
		    (size_t)block_size + 1);
		h = httpc_pool_get(pool);
		rc = httpc_do(h, &req, err, sizeof(err));
		httpc_pool_put(pool, h);
		if (rc != 0) {
			log_warnx("dataapi: block %s from %s: %s", ch->id,
			    ch->loc[i].addr, err);
		} else if (req.status != 200) {
			if (req.status == 404)
				n404++;
			else if (req.status == 403 || req.status == 401)
				n403++;
			log_warnx("dataapi: block %s from %s: HTTP %ld", ch->id,
			    ch->loc[i].addr, req.status);
			if (rep != NULL && (req.status == 404 ||
			    req.status == 500))
				rep->fn(rep->arg, ch->id, ch->loc[i].id);
		} else if (out.len < ch->len ||
		    blockid_of(out.data, out.len, got) != 0 ||
		    strcmp(got, ch->id) != 0) {
			log_warnx("dataapi: block %s from %s: bad content "
			    "(%zu bytes), replica skipped", ch->id,
			    ch->loc[i].addr, out.len);
			if (rep != NULL)
				rep->fn(rep->arg, ch->id, ch->loc[i].id);
		} else {
			void	*p, *shrunk;

			/* the buffer grew by doubling (or is a pool's) and
			 * kept a byte for a NUL: unless it holds a whole block,
			 * give the slack back before the cache holds it */
			p = buf_detach(&out, len);
			if (bp == NULL || *len != block_size) {
				shrunk = realloc(p, *len > 0 ? *len : 1);
				if (shrunk != NULL)
					p = shrunk;
			}
			*data = p;
			return 0;
		}
		/* the next replica's answer goes in the same memory */
		blockpool_put(bp, buf_detach(&out, NULL));
	}
	if (ch->nloc == 0 || (size_t)n404 == ch->nloc)
		return -ENOENT;
	if (n403 > 0)
		return -EACCES;
	return -EIO;
}
