/*
 * fuzz_data_routes: requests through the dataserver's real route table and
 * handlers (server/data/routes.c, h_blocks.c, h_stats.c) and the real httpd
 * pipeline (httpd_synth), against a real block store in a temporary
 * directory.  Reaches: route match, Content-Length and body caps, path
 * parameters and block ids, tokens, the PUT stream (size checks, the chain
 * header, hashing and the store's temp files, verification against the id),
 * GET and HEAD with Range headers over stored blocks (ranges, sub-block
 * verification, the file answer), DELETE, fetch and push bodies, stats.
 *
 * Left out, so that no input makes the process talk to the network: a
 * chain header that parses to peers other than this node is emptied before
 * the request (chain_parse itself still runs on it in the handler, as do
 * the refusals of bad lists and of lists naming this node), and fetch and
 * push run their real handler only while the address in the body is
 * invalid; a valid one is answered 200 here without a copy.
 *
 * Two blocks are always stored (re-stored after a DELETE): FUZZ_SMALL
 * ("minidfs fuzz block\n") and a 3-sub-block one whose byte i is
 * (i * 7 + 3) & 0xff, so Range seeds find something.
 */
#include "config.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blockid.h"
#include "common/httpd.h"
#include "common/httpd_synth.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "server/data/blockstore.h"
#include "server/data/chain.h"
#include "server/data/data.h"
#include "server/data/h_blocks.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_http.h"

#define FUZZ_SMALL	"minidfs fuzz block\n"
#define FUZZ_BIG_LEN	(3 * MDFS_SUBBLOCK_SIZE + 17)
#define FUZZ_SELF	"127.0.0.1:7001"
#define FUZZ_MAX_ROUTES	16

static struct data_server ds;
static struct httpd *with_secret, *without_secret;
static struct httpd_route routes[FUZZ_MAX_ROUTES];
static char	 dir[] = "/tmp/minidfs-fuzz-data-XXXXXX";
static char	*big;
static char	 small_id[BLOCKID_BUFSZ], big_id[BLOCKID_BUFSZ];

/* Valid addresses in a fetch/push body would mean a copy over the network:
 * answered here; anything else goes to the real handler. */
static void
guard_copy(struct httpd_req *req, struct httpd_resp *resp, const char *f,
    void (*real)(struct httpd_req *, struct httpd_resp *))
{
	const char	*addr;

	if (json_get_str(httpd_json(req), f, &addr) == 0 &&
	    chain_addr_valid(addr)) {
		httpd_resp_json(resp, 200, json_new_object());
		return;
	}
	real(req, resp);
}

static void
guard_fetch(struct httpd_req *req, struct httpd_resp *resp)
{
	guard_copy(req, resp, JF_FROM, data_h_blocks_fetch);
}

static void
guard_push(struct httpd_req *req, struct httpd_resp *resp)
{
	guard_copy(req, resp, JF_TO, data_h_blocks_push);
}

static void
store(const char *id, const char *p, size_t n)
{
	struct bs_writer *w;
	int		 existed;

	if (blockstore_has(ds.store, id, NULL) == 1)
		return;
	if (blockstore_writer_new(ds.store, id, (int64_t)n, &w) != 0 ||
	    blockstore_writer_write(w, p, n) != 0 ||
	    blockstore_writer_commit(w, &existed) != 0)
		fuzz_fail("cannot store block %s", id);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

static void
cleanup(void)
{
	httpd_synth_free(with_secret);
	httpd_synth_free(without_secret);
	chain_free(ds.chain);
	blockstore_close(ds.store);
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(big);
}

static void
setup(void)
{
	char	 err[256];
	size_t	 i;

	log_init("fuzz", LOG_LEVEL_ERROR, 0);
	if (mkdtemp(dir) == NULL)
		fuzz_fail("mkdtemp %s", dir);
	ds.conf.id = "fuzz-ds";
	ds.conf.block_size = 1024 * 1024;
	ds.conf.peer_timeout = 1;
	ds.conf.meta_timeout = 1;
	snprintf(ds.addr, sizeof(ds.addr), "%s", FUZZ_SELF);
	ds.scheme = "http";
	pthread_mutex_init(&ds.lock, NULL);
	pthread_cond_init(&ds.idle, NULL);
	if ((ds.store = blockstore_open(dir, 256u * 1024 * 1024, err,
	    sizeof(err))) == NULL)
		fuzz_fail("blockstore_open: %s", err);
	ds.chain = chain_new(&ds);
	for (i = 0; data_routes[i].method != NULL; i++) {
		if (i + 1 >= FUZZ_MAX_ROUTES)
			fuzz_fail("route table larger than %d",
			    FUZZ_MAX_ROUTES);
		routes[i] = data_routes[i];
		if (strcmp(routes[i].pattern, DATA_ROUTE_FETCH) == 0)
			routes[i].handler = guard_fetch;
		if (strcmp(routes[i].pattern, DATA_ROUTE_PUSH) == 0)
			routes[i].handler = guard_push;
	}
	with_secret = httpd_synth_new(routes, &ds, FUZZ_SECRET,
	    strlen(FUZZ_SECRET), err, sizeof(err));
	without_secret = httpd_synth_new(routes, &ds, NULL, 0, err,
	    sizeof(err));
	if (with_secret == NULL || without_secret == NULL)
		fuzz_fail("httpd_synth_new: %s", err);
	big = xmalloc(FUZZ_BIG_LEN);
	for (i = 0; i < FUZZ_BIG_LEN; i++)
		big[i] = (char)((i * 7 + 3) & 0xff);
	if (blockid_of(FUZZ_SMALL, strlen(FUZZ_SMALL), small_id) != 0 ||
	    blockid_of(big, FUZZ_BIG_LEN, big_id) != 0)
		fuzz_fail("blockid_of");
	atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 ready;
	struct fuzz_http	 fh;
	struct httpd_synth_ans	 ans;
	const char		*chain, *addrs[MDFS_MAX_CHAIN];
	char			*copy = NULL;
	int			 n, i, self = 0;

	if (!ready) {
		setup();
		ready = 1;
	}
	store(small_id, FUZZ_SMALL, strlen(FUZZ_SMALL));
	store(big_id, big, FUZZ_BIG_LEN);
	if (fuzz_http_parse(&fh, data, size) != 0) {
		fuzz_http_release(&fh);
		return 0;
	}
	chain = fuzz_http_header(&fh, HTTP_HDR_CHAIN);
	if (chain != NULL && (n = chain_parse(chain, &copy, addrs,
	    MDFS_MAX_CHAIN - 1)) > 0) {
		for (i = 0; i < n; i++)
			self |= strcmp(addrs[i], FUZZ_SELF) == 0;
		if (!self)
			fuzz_http_set_header(&fh, HTTP_HDR_CHAIN, "");
	}
	free(copy);
	if (httpd_synth_dispatch(fh.with_secret ? with_secret :
	    without_secret, &fh.sr, &ans) != 0)
		fuzz_fail("httpd_synth_dispatch: out of memory");
	fuzz_http_check(&fh, &ans);
	if (ans.status == 206 && ans.body_len == 0)
		fuzz_fail("206 with an empty range");
	httpd_synth_ans_release(&ans);
	fuzz_http_release(&fh);
	return 0;
}
