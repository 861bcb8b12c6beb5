/*
 * h_blocks: the block routes.  PUT streams the body into the block store
 * while chain.c streams the same bytes to the next node; GET and HEAD serve
 * verified bytes (a Range is checked against the sub-block checksums, the
 * whole block against its id); DELETE, pull copy and push copy.
 *
 * Idempotent PUT: when the block is already stored the body is only hashed
 * (no disk write) and the answer is 200 instead of 201.  The body is still
 * forwarded down the chain, so a client that retries a PUT after a partial
 * failure completes the replicas that are missing; a downstream that has the
 * block answers cheaply the same way.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/blockid.h"
#include "common/errmap.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/strnum.h"
#include "common/xalloc.h"
#include "server/data/blockstore.h"
#include "server/data/chain.h"
#include "server/data/data.h"
#include "server/data/h_blocks.h"

struct put_state {
	struct data_server *ds;
	char		 id[BLOCKID_BUFSZ];
	int		 counted;	/* data_write_begin succeeded */
	int		 existing;	/* stored already: hash only */
	int		 hashing;	/* hash is initialised */
	struct blockid_ctx hash;
	struct bs_writer *w;
	struct chain_fwd *fwd;
	uint64_t	 received;
};

static void
put_release(struct put_state *st, int abort)
{
	if (st == NULL)
		return;
	if (st->fwd != NULL)
		chain_fwd_finish(st->fwd, abort, NULL, NULL);
	blockstore_writer_abort(st->w);
	if (st->hashing)
		blockid_release(&st->hash);
	if (st->counted)
		data_write_end(st->ds);
	free(st);
}

/* The error answer for a failed local write. */
static void
put_error(struct httpd_resp *resp, const char *id, int rc)
{
	switch (rc) {
	case -ENOSPC:
		httpd_resp_error(resp, ENOSPC, "no space for block %s", id);
		break;
	case -EFBIG:
		httpd_resp_error(resp, EFBIG, "block larger than allowed");
		break;
	case -EILSEQ:
		httpd_resp_error(resp, EILSEQ,
		    "content does not hash to %s", id);
		break;
	default:
		httpd_resp_error(resp, -rc, "storing block %s: %s", id,
		    strerror(-rc));
		break;
	}
}

void
data_h_blocks_put_begin(struct httpd_req *req, struct httpd_resp *resp)
{
	struct data_server	*ds = httpd_arg(req);
	struct put_state	*st;
	const char		*addrs[MDFS_MAX_CHAIN];
	char			*copy = NULL;
	int64_t			 len;
	size_t			 i;
	int			 n, rc;

	st = xcalloc(1, sizeof(*st));
	st->ds = ds;
	snprintf(st->id, sizeof(st->id), "%s", httpd_param(req, "id"));
	httpd_set_state(req, st);
	DATA_STAT_ADD(ds, put_requests, 1);

	if (data_write_begin(ds) < 0) {
		httpd_resp_error(resp, ESHUTDOWN, "server is shutting down");
		return;
	}
	st->counted = 1;
	len = httpd_content_length(req);
	if (len > (int64_t)ds->conf.block_size) {
		httpd_resp_error(resp, EFBIG, "block of %" PRId64 " bytes over "
		    "the block size of %" PRIu64, len, ds->conf.block_size);
		return;
	}
	n = chain_parse(httpd_header(req, HTTP_HDR_CHAIN), &copy, addrs,
	    MDFS_MAX_CHAIN - 1);
	if (n < 0) {
		httpd_resp_error(resp, EINVAL, "bad %s header (\"host:port,"
		    "...\", at most %d nodes)", HTTP_HDR_CHAIN,
		    MDFS_MAX_CHAIN - 1);
		return;
	}
	for (i = 0; i < (size_t)n; i++)
		if (strcmp(addrs[i], ds->addr) == 0) {
			free(copy);
			httpd_resp_error(resp, EINVAL, "%s names this node "
			    "(%s)", HTTP_HDR_CHAIN, ds->addr);
			return;
		}

	rc = blockstore_has(ds->store, st->id, NULL);
	if (rc == 1) {
		st->existing = 1;
		if (blockid_init(&st->hash) < 0) {
			free(copy);
			httpd_resp_error(resp, ENOMEM, "out of memory");
			return;
		}
		st->hashing = 1;
	} else if (rc < 0 || (rc = blockstore_writer_new(ds->store, st->id,
	    len >= 0 ? len : -1, &st->w)) < 0) {
		free(copy);
		put_error(resp, st->id, rc);
		return;
	}
	if (n > 0)
		st->fwd = chain_fwd_start(ds->chain, st->id, addrs, (size_t)n,
		    httpd_header(req, HTTP_HDR_TOKEN), len);
	free(copy);
}

void
data_h_blocks_put_data(struct httpd_req *req, const char *p, size_t n,
    struct httpd_resp *resp)
{
	struct put_state	*st = httpd_state(req);
	struct data_server	*ds = st->ds;
	int			 rc;

	st->received += n;
	if (st->received > ds->conf.block_size) {
		httpd_resp_error(resp, EFBIG, "body over the block size of %"
		    PRIu64 " bytes", ds->conf.block_size);
		return;
	}
	/* downstream first: it works while we write */
	if (st->fwd != NULL)
		(void)chain_fwd_push(st->fwd, p, n);
	if (st->w != NULL) {
		if ((rc = blockstore_writer_write(st->w, p, n)) < 0)
			put_error(resp, st->id, rc);
	} else
		blockid_update(&st->hash, p, n);
	DATA_STAT_ADD(ds, put_bytes, n);
}

void
data_h_blocks_put(struct httpd_req *req, struct httpd_resp *resp)
{
	struct put_state	*st = httpd_state(req);
	struct data_server	*ds = st->ds;
	struct cJSON		*ans, *stored, *failed, *me;
	char			 hex[BLOCKID_BUFSZ];
	int			 rc = 0, existed = 1;

	if (st->fwd != NULL)
		chain_fwd_eof(st->fwd);
	if (st->w != NULL) {
		rc = blockstore_writer_commit(st->w, &existed);
		st->w = NULL;
	} else {
		blockid_final(&st->hash, hex);
		st->hashing = 0;
		if (strcmp(hex, st->id) != 0)
			rc = -EILSEQ;
	}
	stored = json_new_array();
	failed = json_new_array();
	if (rc == 0) {
		me = json_new_object();
		json_add_str(me, JF_ID, ds->conf.id);
		json_add_str(me, JF_ADDR, ds->addr);
		cJSON_AddItemToArray(stored, me);
	}
	if (st->fwd != NULL) {
		chain_fwd_finish(st->fwd, 0, stored, failed);
		st->fwd = NULL;
	}
	if (rc < 0) {
		DATA_STAT_ADD(ds, put_errors, 1);
		cJSON_Delete(stored);
		cJSON_Delete(failed);
		put_error(resp, st->id, rc);
	} else {
		ans = json_new_object();
		json_add_str(ans, JF_ID, st->id);
		json_add_u64(ans, JF_SIZE, st->received);
		cJSON_AddItemToObject(ans, JF_STORED, stored);
		cJSON_AddItemToObject(ans, JF_FAILED, failed);
		httpd_resp_json(resp, existed ? 200 : 201, ans);
		if (!existed)
			log_info("block %s stored (%" PRIu64 " bytes, "
			    "%d downstream failure(s))", st->id,
			    st->received, cJSON_GetArraySize(failed));
	}
	put_release(st, 0);
}

void
data_h_blocks_put_abort(struct httpd_req *req)
{
	struct put_state	*st = httpd_state(req);

	if (st != NULL && st->received > 0)
		log_info("PUT of block %s abandoned after %" PRIu64 " bytes: "
		    "nothing stored", st->id, st->received);
	put_release(st, 1);
	httpd_set_state(req, NULL);
}

/*
 * Parses a Range header against size: "bytes=a-b", "bytes=a-" or
 * "bytes=-n" (one range only).  Returns 0 with off/len or -ERANGE.
 */
static int
parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	char		 a[32], b[32];
	const char	*dash;
	uint64_t	 x, y;
	size_t		 la;

	if (strncmp(h, "bytes=", 6) != 0)
		return -ERANGE;
	h += 6;
	if ((dash = strchr(h, '-')) == NULL)
		return -ERANGE;
	la = (size_t)(dash - h);
	if (la >= sizeof(a) || strlen(dash + 1) >= sizeof(b))
		return -ERANGE;
	memcpy(a, h, la);
	a[la] = '\0';
	snprintf(b, sizeof(b), "%s", dash + 1);
	if (la == 0) {		/* suffix: the last y bytes */
		if (parse_u64(b, 1, UINT64_MAX, &y) < 0 || size == 0)
			return -ERANGE;
		if (y > size)
			y = size;
		*off = size - y;
		*len = y;
		return 0;
	}
	if (parse_u64(a, 0, UINT64_MAX, &x) < 0 || x >= size)
		return -ERANGE;
	if (b[0] == '\0')
		y = size - 1;
	else if (parse_u64(b, 0, UINT64_MAX, &y) < 0 || y < x)
		return -ERANGE;
	if (y >= size)
		y = size - 1;
	*off = x;
	*len = y - x + 1;
	return 0;
}

void
data_h_blocks_get(struct httpd_req *req, struct httpd_resp *resp)
{
	struct data_server	*ds = httpd_arg(req);
	const char		*id = httpd_param(req, "id");
	const char		*range;
	char			 cr[96];
	uint64_t		 size, off, len;
	int			 fd, rc, head;

	head = strcmp(httpd_method(req), "HEAD") == 0;
	DATA_STAT_ADD(ds, get_requests, 1);
	if ((rc = blockstore_open_read(ds->store, id, &fd, &size)) < 0) {
		if (rc != -ENOENT)
			DATA_STAT_ADD(ds, get_errors, 1);
		httpd_resp_error(resp, -rc, rc == -ENOENT ? "no block %s" :
		    "block %s unreadable", id);
		return;
	}
	off = 0;
	len = size;
	range = head ? NULL : httpd_header(req, "Range");
	if (range != NULL && parse_range(range, size, &off, &len) < 0) {
		close(fd);
		httpd_resp_error(resp, ERANGE, "unsatisfiable range \"%s\" for "
		    "a block of %" PRIu64 " bytes", range, size);
		snprintf(cr, sizeof(cr), "bytes */%" PRIu64, size);
		(void)httpd_resp_header(resp, "Content-Range", cr);
		return;
	}
	if (!head && (rc = blockstore_verify(ds->store, id, fd, size, off,
	    len)) < 0) {
		close(fd);
		DATA_STAT_ADD(ds, get_errors, 1);
		if (rc == -EUCLEAN) {
			DATA_STAT_ADD(ds, verify_failures, 1);
			httpd_resp_error(resp, EUCLEAN, "block %s failed "
			    "verification and was quarantined", id);
		} else
			httpd_resp_error(resp, -rc, "verifying block %s: %s",
			    id, strerror(-rc));
		return;
	}
	resp->fd = fd;
	resp->fd_offset = off;
	resp->fd_len = len;
	resp->status = 200;
	(void)httpd_resp_header(resp, "Accept-Ranges", "bytes");
	if (range != NULL) {
		resp->status = 206;
		snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%"
		    PRIu64, off, off + len - 1, size);
		(void)httpd_resp_header(resp, "Content-Range", cr);
	}
	if (!head)
		DATA_STAT_ADD(ds, get_bytes, len);
}

void
data_h_blocks_delete(struct httpd_req *req, struct httpd_resp *resp)
{
	struct data_server	*ds = httpd_arg(req);
	const char		*id = httpd_param(req, "id");
	struct cJSON		*ans;
	int			 rc;

	DATA_STAT_ADD(ds, delete_requests, 1);
	rc = blockstore_delete(ds->store, id);
	if (rc < 0 && rc != -ENOENT) {
		httpd_resp_error(resp, -rc, "deleting block %s: %s", id,
		    strerror(-rc));
		return;
	}
	ans = json_new_object();
	json_add_str(ans, JF_ID, id);
	json_add_bool(ans, JF_DELETED, rc == 0);
	httpd_resp_json(resp, 200, ans);
}

/* The answer for a failed copy: a peer's failure is a 502. */
static void
copy_error(struct httpd_resp *resp, int rc, const char *msg)
{
	if (rc == -EREMOTEIO)
		httpd_resp_error(resp, EREMOTEIO, "%s", msg);
	else
		httpd_resp_error(resp, -rc, "%s", msg);
}

void
data_h_blocks_fetch(struct httpd_req *req, struct httpd_resp *resp)
{
	struct data_server	*ds = httpd_arg(req);
	const char		*id = httpd_param(req, "id");
	const char		*from;
	struct cJSON		*ans;
	char			 msg[512];
	uint64_t		 size;
	int			 rc;

	if (json_get_str(httpd_json(req), JF_FROM, &from) < 0 ||
	    !chain_addr_valid(from)) {
		httpd_resp_error(resp, EINVAL, "\"%s\" must be a host:port",
		    JF_FROM);
		return;
	}
	DATA_STAT_ADD(ds, fetches, 1);
	if ((rc = chain_fetch(ds->chain, id, from, &size, msg,
	    sizeof(msg))) < 0) {
		DATA_STAT_ADD(ds, copy_failures, 1);
		copy_error(resp, rc, msg);
		return;
	}
	ans = json_new_object();
	json_add_str(ans, JF_ID, id);
	json_add_u64(ans, JF_SIZE, size);
	httpd_resp_json(resp, 200, ans);
}

void
data_h_blocks_push(struct httpd_req *req, struct httpd_resp *resp)
{
	struct data_server	*ds = httpd_arg(req);
	const char		*id = httpd_param(req, "id");
	const char		*to;
	const struct cJSON	*arr;
	struct cJSON		*ans, *tans = NULL;
	char			 msg[512];
	int			 rc;

	if (json_get_str(httpd_json(req), JF_TO, &to) < 0 ||
	    !chain_addr_valid(to)) {
		httpd_resp_error(resp, EINVAL, "\"%s\" must be a host:port",
		    JF_TO);
		return;
	}
	DATA_STAT_ADD(ds, pushes, 1);
	if ((rc = chain_push(ds->chain, id, to, &tans, msg,
	    sizeof(msg))) < 0) {
		DATA_STAT_ADD(ds, copy_failures, 1);
		copy_error(resp, rc, msg);
		return;
	}
	ans = json_new_object();
	json_add_str(ans, JF_ID, id);
	if (json_get_array(tans, JF_STORED, &arr) == 0)
		cJSON_AddItemToObject(ans, JF_STORED, cJSON_Duplicate(arr, 1));
	else
		cJSON_AddItemToObject(ans, JF_STORED, json_new_array());
	cJSON_Delete(tans);
	httpd_resp_json(resp, 200, ans);
}
