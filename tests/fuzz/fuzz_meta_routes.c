/*
 * fuzz_meta_routes: requests through the metaserver's real route table
 * (server/meta/routes.c: every method, pattern, body cap and flag) and the
 * real httpd pipeline (httpd_synth): route match, Content-Length and body
 * caps, JSON parsing, cluster tokens, {name} parameters.
 *
 * The metaserver's handlers need a leader with a namespace in etcd, so the
 * route table is copied with every handler replaced by check_body(), which
 * runs the parse-and-validate layer the filesystem handlers run first (the
 * h_fs_* field getters of server/meta/h_fs.c, the caller object, names) on
 * every field a request may carry, and checks what httpd promised the
 * handler: a JSON object for JSON routes, a non-empty {name} without '/'.
 * No input reaches namespace or cluster state.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/httpd.h"
#include "common/httpd_impl.h"
#include "common/httpd_synth.h"
#include "common/json.h"
#include "common/log.h"
#include "common/protocol.h"
#include "server/meta/h_fs.h"
#include "server/meta/meta.h"
#include "server/meta/ns.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_http.h"

#define FUZZ_MAX_ROUTES	64

static struct httpd *with_secret, *without_secret;
static struct httpd_route routes[FUZZ_MAX_ROUTES];

/* Fields by the getter the filesystem handlers read them with. */
static const char *const ino_fields[] = { JF_INO, JF_PARENT, JF_NEWPARENT,
	NULL };
static const char *const name_fields[] = { JF_NAME, JF_NEWNAME, NULL };
static const char *const u64_fields[] = { JF_SIZE, JF_SESSION, JF_FH,
	JF_COOKIE, JF_FIRST, JF_INDEX, JF_LEN, JF_ATIME, JF_MTIME, JF_SEQ,
	JF_CAPACITY, JF_FREE, JF_USED, NULL };
static const char *const u32_fields[] = { JF_MODE, JF_UID, JF_GID, JF_RDEV,
	JF_FLAGS, JF_LIMIT, JF_COUNT, JF_REPLICAS, JF_TTL, NULL };
static const char *const str_fields[] = { JF_ID, JF_ADDR, JF_TARGET,
	JF_VALUE, JF_CLIENT, JF_OWNER, JF_KIND, JF_TYPE, NULL };

/* Runs a getter and frees the 400 it may have prepared. */
#define TRY(call) do {							\
	struct httpd_resp r_;						\
	httpd_resp_init(&r_);						\
	if ((call(&r_)) != 0 && r_.status != 400 && r_.status != 413 &&	\
	    r_.status != 414)						\
		fuzz_fail("a field getter answered %d", r_.status);	\
	httpd_resp_release(&r_);					\
} while (0)

static void
check_fields(const cJSON *j)
{
	struct ns_cred	 cred;
	const cJSON	*a;
	const char	*s;
	uint64_t	 u64;
	uint32_t	 u32;
	size_t		 i;

#define INO(r) h_fs_need_ino(j, ino_fields[i], &u64, r)
#define NAME(r) h_fs_need_name(j, name_fields[i], &s, r)
#define U64(r) h_fs_need_u64(j, u64_fields[i], &u64, r)
#define U32(r) h_fs_need_u32(j, u32_fields[i], &u32, r)
#define OPT32(r) h_fs_opt_u32(j, u32_fields[i], &u32, r)
#define CRED(r) h_fs_get_cred(j, &cred, r)
	for (i = 0; ino_fields[i] != NULL; i++)
		TRY(INO);
	for (i = 0; name_fields[i] != NULL; i++)
		TRY(NAME);
	for (i = 0; u64_fields[i] != NULL; i++)
		TRY(U64);
	for (i = 0; u32_fields[i] != NULL; i++) {
		TRY(U32);
		TRY(OPT32);
	}
	TRY(CRED);
	if (cred.ngroups > NS_GROUPS_MAX)
		fuzz_fail("%zu groups kept", (size_t)cred.ngroups);
	for (i = 0; str_fields[i] != NULL; i++)
		if (json_get_str(j, str_fields[i], &s) == 0 && s == NULL)
			fuzz_fail("json_get_str gave NULL");
	if (json_get_array(j, JF_CHUNKS, &a) == 0 && !cJSON_IsArray(a))
		fuzz_fail("json_get_array gave a non-array");
	if (json_get_array(j, JF_BLOCKS, &a) == 0 && !cJSON_IsArray(a))
		fuzz_fail("json_get_array gave a non-array");
#undef INO
#undef NAME
#undef U64
#undef U32
#undef OPT32
#undef CRED
}

static void
check_body(struct httpd_req *req, struct httpd_resp *resp)
{
	const struct cJSON *j = httpd_json(req);
	const char	*name;

	if (req->route->flags & HTTPD_JSON) {
		if (j == NULL)
			fuzz_fail("a JSON route without a JSON body");
		check_fields(j);
	} else if (j != NULL)
		fuzz_fail("JSON parsed for a route that takes none");
	if (strstr(req->route->pattern, "{name}") != NULL) {
		name = httpd_param(req, "name");
		if (name == NULL || name[0] == '\0' ||
		    strchr(name, '/') != NULL)
			fuzz_fail("bad {name} reached a handler");
	}
	(void)httpd_query(req, "all");
	httpd_resp_json(resp, 200, json_new_object());
}

static void
setup(void)
{
	char	 err[256];
	size_t	 i;

	log_init("fuzz", LOG_LEVEL_ERROR, 0);
	for (i = 0; meta_routes[i].method != NULL; i++) {
		if (i + 1 >= FUZZ_MAX_ROUTES)
			fuzz_fail("route table larger than %d",
			    FUZZ_MAX_ROUTES);
		routes[i] = meta_routes[i];
		routes[i].handler = check_body;
	}
	with_secret = httpd_synth_new(routes, NULL, FUZZ_SECRET,
	    strlen(FUZZ_SECRET), err, sizeof(err));
	without_secret = httpd_synth_new(routes, NULL, NULL, 0, err,
	    sizeof(err));
	if (with_secret == NULL || without_secret == NULL)
		fuzz_fail("httpd_synth_new: %s", err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 ready;
	struct fuzz_http	 fh;
	struct httpd_synth_ans	 ans;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (fuzz_http_parse(&fh, data, size) == 0) {
		if (httpd_synth_dispatch(fh.with_secret ? with_secret :
		    without_secret, &fh.sr, &ans) != 0)
			fuzz_fail("httpd_synth_dispatch: out of memory");
		fuzz_http_check(&fh, &ans);
		httpd_synth_ans_release(&ans);
	}
	fuzz_http_release(&fh);
	return 0;
}
