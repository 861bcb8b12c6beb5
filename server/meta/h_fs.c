/*
 * h_fs: the filesystem routes of the metaserver (common/protocol.h,
 * "metaserver filesystem routes"): each handler checks the leader, reads
 * and checks its fields with the json_* getters (400 EINVAL naming the
 * field), calls ns (and cluster for block placement), and answers; errors
 * from ns are errnos answered through errmap.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/blockid.h"
#include "common/errmap.h"
#include "common/etcd.h"
#include "common/httpd.h"
#include "common/json.h"
#include "common/names.h"
#include "common/protocol.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "server/meta/cluster.h"
#include "server/meta/election.h"
#include "server/meta/h_fs.h"
#include "server/meta/meta.h"
#include "server/meta/ns.h"

/* inodes reported as the total */
#define FS_STATFS_FILES	(UINT64_C(1) << 40)

int
h_fs_bad_field(struct httpd_resp *resp, const char *field)
{
	httpd_resp_error(resp, EINVAL, "field \"%s\": missing or invalid",
	    field);
	return -1;
}

int
h_fs_need_u64(const cJSON *j, const char *f, uint64_t *v,
    struct httpd_resp *resp)
{
	return json_get_u64(j, f, v) == 0 ? 0 : h_fs_bad_field(resp, f);
}

int
h_fs_need_u32(const cJSON *j, const char *f, uint32_t *v,
    struct httpd_resp *resp)
{
	return json_get_u32(j, f, v) == 0 ? 0 : h_fs_bad_field(resp, f);
}

/* An optional u32: absent leaves *v alone. */
int
h_fs_opt_u32(const cJSON *j, const char *f, uint32_t *v,
    struct httpd_resp *resp)
{
	int	 rc = json_get_u32(j, f, v);

	return rc == 0 || rc == -ENOENT ? 0 : h_fs_bad_field(resp, f);
}

int
h_fs_need_ino(const cJSON *j, const char *f, uint64_t *v,
    struct httpd_resp *resp)
{
	if (json_get_u64(j, f, v) != 0 || *v == 0)
		return h_fs_bad_field(resp, f);
	return 0;
}

/* A name field: names_valid's errno (ENAMETOOLONG, EINVAL) as 400. */
int
h_fs_need_name(const cJSON *j, const char *f, const char **v,
    struct httpd_resp *resp)
{
	int	 rc;

	if (json_get_str(j, f, v) != 0)
		return h_fs_bad_field(resp, f);
	if ((rc = names_valid_str(*v)) != 0) {
		httpd_resp_error(resp, -rc, "field \"%s\": not a valid name",
		    f);
		return -1;
	}
	return 0;
}

int
h_fs_need_session(const cJSON *j, uint64_t *v, struct httpd_resp *resp)
{
	return h_fs_need_u64(j, JF_SESSION, v, resp);
}

/* The optional caller object; absent: uid 0. */
int
h_fs_get_cred(const cJSON *j, struct ns_cred *c, struct httpd_resp *resp)
{
	const cJSON	*o, *g, *e;
	int		 rc;

	memset(c, 0, sizeof(*c));
	if ((rc = json_get_object(j, JF_CALLER, &o)) == -ENOENT)
		return 0;
	if (rc != 0 || !cJSON_IsObject(o))
		return h_fs_bad_field(resp, JF_CALLER);
	if (h_fs_need_u32(o, JF_UID, &c->uid, resp) != 0 ||
	    h_fs_need_u32(o, JF_GID, &c->gid, resp) != 0)
		return -1;
	if ((rc = json_get_array(o, JF_GROUPS, &g)) == -ENOENT)
		return 0;
	if (rc != 0 || !cJSON_IsArray(g) ||
	    cJSON_GetArraySize(g) > NS_GROUPS_MAX)
		return h_fs_bad_field(resp, JF_GROUPS);
	cJSON_ArrayForEach(e, g) {
		if (!cJSON_IsNumber(e) || e->valuedouble < 0 ||
		    e->valuedouble > UINT32_MAX ||
		    e->valuedouble != (double)(uint32_t)e->valuedouble)
			return h_fs_bad_field(resp, JF_GROUPS);
		c->groups[c->ngroups++] = (uint32_t)e->valuedouble;
	}
	return 0;
}

cJSON *
h_fs_attr_json(const struct meta *m, const struct ns_attr *a)
{
	cJSON	*o = json_new_object();

	json_add_u64(o, JF_INO, a->ino);
	json_add_uint(o, JF_MODE, a->mode);
	json_add_uint(o, JF_UID, a->uid);
	json_add_uint(o, JF_GID, a->gid);
	json_add_u64(o, JF_SIZE, a->size);
	json_add_uint(o, JF_NLINK, a->nlink);
	json_add_u64(o, JF_RDEV, a->rdev);
	json_add_i64(o, JF_ATIME, a->atime);
	json_add_i64(o, JF_MTIME, a->mtime);
	json_add_i64(o, JF_CTIME, a->ctime);
	json_add_uint(o, JF_BLKSIZE, m->conf.block_size);
	json_add_u64(o, JF_BLOCKS, a->blocks);
	json_add_u64(o, JF_GENERATION, 0);
	return o;
}

cJSON *
h_fs_add_dirs(const struct meta *m, cJSON *o, uint64_t d1, uint64_t d2)
{
	struct ns_attr	 a;
	cJSON		*arr = json_new_array();

	if (ns_getattr(m->ns, d1, &a) == 0)
		cJSON_AddItemToArray(arr, h_fs_attr_json(m, &a));
	if (d2 != d1 && ns_getattr(m->ns, d2, &a) == 0)
		cJSON_AddItemToArray(arr, h_fs_attr_json(m, &a));
	cJSON_AddItemToObject(o, JF_DIRS, arr);
	return o;
}

/* {"attr":{...}} plus whatever the caller adds. */
cJSON *
h_fs_entry_json(const struct meta *m, const struct ns_attr *a)
{
	cJSON	*o = json_new_object();

	cJSON_AddItemToObject(o, JF_ATTR, h_fs_attr_json(m, a));
	return o;
}

void
h_fs_answer(struct httpd_resp *resp, int rc, cJSON *ok)
{
	if (rc != 0) {
		cJSON_Delete(ok);
		httpd_resp_error(resp, -rc, "%s", strerror(-rc));
		return;
	}
	httpd_resp_json(resp, 200, ok != NULL ? ok : json_new_object());
}

/* ---- entries and attributes --------------------------------------------- */

void
meta_h_fs_lookup(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_attr	 a;
	uint64_t	 parent;
	const char	*name;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_PARENT, &parent, resp) != 0 ||
	    h_fs_need_name(j, JF_NAME, &name, resp) != 0)
		return;
	rc = ns_lookup(m->ns, parent, name, &a);
	h_fs_answer(resp, rc, rc == 0 ? h_fs_entry_json(m, &a) : NULL);
}

void
meta_h_fs_getattr(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_attr	 a;
	uint64_t	 ino;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0)
		return;
	rc = ns_getattr(m->ns, ino, &a);
	h_fs_answer(resp, rc, rc == 0 ? h_fs_entry_json(m, &a) : NULL);
}

/* An optional 32-bit field: absent is fine, present sets its bit in
 * *valid, anything else is a 400 naming the field. */
static int
get_u32(const cJSON *j, const char *f, unsigned set, uint32_t *v,
    unsigned *valid, struct httpd_resp *resp)
{
	int	 rc;

	if ((rc = json_get_u32(j, f, v)) == -ENOENT)
		return 0;
	if (rc != 0)
		return h_fs_bad_field(resp, f);
	*valid |= set;
	return 0;
}

/* "now" or signed nanoseconds. */
static int
get_time(const cJSON *j, const char *f, unsigned set, unsigned now,
    int64_t *v, unsigned *valid, struct httpd_resp *resp)
{
	const char	*s;
	int		 rc;

	if (json_get_str(j, f, &s) == 0 && strcmp(s, JF_TIME_NOW) == 0) {
		*valid |= now;
		return 0;
	}
	if ((rc = json_get_i64(j, f, v)) == -ENOENT)
		return 0;
	if (rc != 0)
		return h_fs_bad_field(resp, f);
	*valid |= set;
	return 0;
}

int
h_fs_get_setattr(const cJSON *j, struct ns_setattr *sa,
    struct httpd_resp *resp)
{
	int	 rc;

	memset(sa, 0, sizeof(*sa));
	if (get_u32(j, JF_MODE, NS_SET_MODE, &sa->mode, &sa->valid,
	    resp) != 0 ||
	    get_u32(j, JF_UID, NS_SET_UID, &sa->uid, &sa->valid, resp) != 0 ||
	    get_u32(j, JF_GID, NS_SET_GID, &sa->gid, &sa->valid, resp) != 0)
		return -1;
	if ((rc = json_get_u64(j, JF_SIZE, &sa->size)) == 0)
		sa->valid |= NS_SET_SIZE;
	else if (rc != -ENOENT)
		return h_fs_bad_field(resp, JF_SIZE);
	if (get_time(j, JF_ATIME, NS_SET_ATIME, NS_SET_ATIME_NOW, &sa->atime,
	    &sa->valid, resp) != 0 ||
	    get_time(j, JF_MTIME, NS_SET_MTIME, NS_SET_MTIME_NOW, &sa->mtime,
	    &sa->valid, resp) != 0)
		return -1;
	return 0;
}

void
meta_h_fs_setattr(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_setattr sa;
	struct ns_cred	 c;
	struct ns_attr	 a;
	uint64_t	 ino;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0 ||
	    h_fs_get_cred(j, &c, resp) != 0 ||
	    h_fs_get_setattr(j, &sa, resp) != 0)
		return;
	rc = ns_setattr(m->ns, ino, &sa, &c, &a);
	h_fs_answer(resp, rc, rc == 0 ? h_fs_entry_json(m, &a) : NULL);
}

/* A read's atime touch: no caller, nothing but atime (ns_touch_atime). */
void
meta_h_fs_atime(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_attr	 a;
	uint64_t	 ino;
	int		 rc, strict = 0, touched = 0;
	cJSON		*o = NULL;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0)
		return;
	if ((rc = json_get_bool(j, JF_STRICT, &strict)) != 0 &&
	    rc != -ENOENT) {
		h_fs_bad_field(resp, JF_STRICT);
		return;
	}
	rc = ns_touch_atime(m->ns, ino, strict, &touched, &a);
	if (rc == 0) {
		o = h_fs_entry_json(m, &a);
		json_add_bool(o, JF_TOUCHED, touched);
	}
	h_fs_answer(resp, rc, o);
}

/* mknod, mkdir, symlink: the common part. */
static void
make(struct httpd_req *req, struct httpd_resp *resp, int kind)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_cred	 c;
	struct ns_attr	 a;
	uint64_t	 parent, rdev = 0;
	uint32_t	 mode = 0;
	const char	*name, *target = NULL;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_PARENT, &parent, resp) != 0 ||
	    h_fs_need_name(j, JF_NAME, &name, resp) != 0 ||
	    h_fs_get_cred(j, &c, resp) != 0)
		return;
	if (kind != 's' && h_fs_need_u32(j, JF_MODE, &mode, resp) != 0)
		return;
	if (kind == 'n' && (rc = json_get_u64(j, JF_RDEV, &rdev)) != 0 &&
	    rc != -ENOENT) {
		h_fs_bad_field(resp, JF_RDEV);
		return;
	}
	if (kind == 's' && json_get_str(j, JF_TARGET, &target) != 0) {
		h_fs_bad_field(resp, JF_TARGET);
		return;
	}
	if (kind == 'n')
		rc = ns_mknod(m->ns, parent, name, mode, rdev, &c, &a);
	else if (kind == 'd')
		rc = ns_mkdir(m->ns, parent, name, mode, &c, &a);
	else
		rc = ns_symlink(m->ns, parent, name, target, &c, &a);
	h_fs_answer(resp, rc, rc == 0 ?
	    h_fs_add_dirs(m, h_fs_entry_json(m, &a), parent, parent) : NULL);
}

void
meta_h_fs_mknod(struct httpd_req *req, struct httpd_resp *resp)
{
	make(req, resp, 'n');
}

void
meta_h_fs_mkdir(struct httpd_req *req, struct httpd_resp *resp)
{
	make(req, resp, 'd');
}

void
meta_h_fs_symlink(struct httpd_req *req, struct httpd_resp *resp)
{
	make(req, resp, 's');
}

void
meta_h_fs_create(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_cred	 c;
	struct ns_attr	 a;
	uint64_t	 parent, session, fh = 0;
	uint32_t	 mode, flags = 0;
	const char	*name;
	cJSON		*o = NULL;
	int		 created = 0, rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_PARENT, &parent, resp) != 0 ||
	    h_fs_need_name(j, JF_NAME, &name, resp) != 0 ||
	    h_fs_need_u32(j, JF_MODE, &mode, resp) != 0 ||
	    h_fs_opt_u32(j, JF_FLAGS, &flags, resp) != 0 ||
	    h_fs_need_session(j, &session, resp) != 0 ||
	    h_fs_get_cred(j, &c, resp) != 0)
		return;
	rc = ns_create(m->ns, parent, name, mode, (int)flags, session, &c, &a,
	    &fh, &created);
	if (rc == 0) {
		o = h_fs_add_dirs(m, h_fs_entry_json(m, &a), parent, parent);
		json_add_u64(o, JF_FH, fh);
		json_add_bool(o, JF_CREATED, created);
	}
	h_fs_answer(resp, rc, o);
}

void
meta_h_fs_readlink(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	uint64_t	 ino;
	char		*target = NULL;
	cJSON		*o = NULL;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0)
		return;
	if ((rc = ns_readlink(m->ns, ino, &target)) == 0) {
		o = json_new_object();
		json_add_str(o, JF_TARGET, target);
		free(target);
	}
	h_fs_answer(resp, rc, o);
}

void
meta_h_fs_link(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_attr	 a;
	uint64_t	 ino, parent;
	const char	*name;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0 ||
	    h_fs_need_ino(j, JF_PARENT, &parent, resp) != 0 ||
	    h_fs_need_name(j, JF_NAME, &name, resp) != 0)
		return;
	rc = ns_link(m->ns, ino, parent, name, &a);
	h_fs_answer(resp, rc, rc == 0 ?
	    h_fs_add_dirs(m, h_fs_entry_json(m, &a), parent, parent) : NULL);
}

static void
remove_entry(struct httpd_req *req, struct httpd_resp *resp, int dir)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_cred	 c;
	uint64_t	 parent;
	const char	*name;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_PARENT, &parent, resp) != 0 ||
	    h_fs_need_name(j, JF_NAME, &name, resp) != 0 ||
	    h_fs_get_cred(j, &c, resp) != 0)
		return;
	rc = dir ? ns_rmdir(m->ns, parent, name, &c) :
	    ns_unlink(m->ns, parent, name, &c);
	h_fs_answer(resp, rc, rc == 0 ?
	    h_fs_add_dirs(m, json_new_object(), parent, parent) : NULL);
}

void
meta_h_fs_unlink(struct httpd_req *req, struct httpd_resp *resp)
{
	remove_entry(req, resp, 0);
}

void
meta_h_fs_rmdir(struct httpd_req *req, struct httpd_resp *resp)
{
	remove_entry(req, resp, 1);
}

void
meta_h_fs_rename(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	struct ns_cred	 c;
	uint64_t	 parent, newparent;
	uint32_t	 flags = 0;
	const char	*name, *newname;
	int		 rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_PARENT, &parent, resp) != 0 ||
	    h_fs_need_name(j, JF_NAME, &name, resp) != 0 ||
	    h_fs_need_ino(j, JF_NEWPARENT, &newparent, resp) != 0 ||
	    h_fs_need_name(j, JF_NEWNAME, &newname, resp) != 0 ||
	    h_fs_opt_u32(j, JF_FLAGS, &flags, resp) != 0 ||
	    h_fs_get_cred(j, &c, resp) != 0)
		return;
	rc = ns_rename(m->ns, parent, name, newparent, newname, flags, &c);
	h_fs_answer(resp, rc, rc == 0 ?
	    h_fs_add_dirs(m, json_new_object(), parent, newparent) : NULL);
}

struct readdir_ctx {
	const struct meta *m;
	cJSON		*arr;
};

static int
readdir_cb(const char *name, uint64_t cookie, const struct ns_attr *a,
    void *arg)
{
	struct readdir_ctx *ctx = arg;
	cJSON		*e = json_new_object();

	json_add_str(e, JF_NAME, name);
	json_add_u64(e, JF_COOKIE, cookie);
	cJSON_AddItemToObject(e, JF_ATTR, h_fs_attr_json(ctx->m, a));
	cJSON_AddItemToArray(ctx->arr, e);
	return 0;
}

void
meta_h_fs_readdir(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	struct readdir_ctx ctx;
	uint64_t	 ino, cookie = 0;
	uint32_t	 limit = MDFS_READDIR_MAX;
	cJSON		*o;
	int		 eof, rc;

	FS_BEGIN(req, resp, m, j);
	if (h_fs_need_ino(j, JF_INO, &ino, resp) != 0 ||
	    h_fs_opt_u32(j, JF_LIMIT, &limit, resp) != 0)
		return;
	if ((rc = json_get_u64(j, JF_COOKIE, &cookie)) != 0 && rc != -ENOENT) {
		h_fs_bad_field(resp, JF_COOKIE);
		return;
	}
	if (limit == 0 || limit > MDFS_READDIR_MAX) {
		h_fs_bad_field(resp, JF_LIMIT);
		return;
	}
	o = json_new_object();
	ctx.m = m;
	ctx.arr = json_new_array();
	cJSON_AddItemToObject(o, JF_ENTRIES, ctx.arr);
	rc = ns_readdir(m->ns, ino, cookie, limit, readdir_cb, &ctx, &eof);
	if (rc == 0)
		json_add_bool(o, JF_EOF, eof);
	h_fs_answer(resp, rc, o);
}

void
meta_h_fs_statfs(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m;
	const cJSON	*j;
	uint64_t	 total = 0, freeb = 0, nodes = 0, inodes, files, dirs;
	uint64_t	 bytes, r;
	cJSON		*o;

	FS_BEGIN(req, resp, m, j);
	if (m->cluster != NULL)
		cluster_capacity(m->cluster, &total, &freeb, &nodes);
	ns_stats(m->ns, &inodes, &files, &dirs, &bytes);
	r = m->conf.cluster.replicas != 0 ? m->conf.cluster.replicas : 1;
	o = json_new_object();
	json_add_u64(o, JF_BLOCK_SIZE, m->conf.block_size);
	json_add_u64(o, JF_TOTAL, total / r);
	json_add_u64(o, JF_FREE, freeb / r);
	json_add_u64(o, JF_AVAIL, freeb / r);
	json_add_u64(o, JF_FILES, FS_STATFS_FILES);
	json_add_u64(o, JF_FFREE, FS_STATFS_FILES - inodes);
	json_add_num(o, JF_NAME_MAX, NAMES_MAX);
	json_add_num(o, JF_NODES, (double)nodes);
	httpd_resp_json(resp, 200, o);
}

void
meta_h_fs_info(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	char		 leader[MDFS_ADDR_MAX];
	cJSON		*o = json_new_object();

	election_leader(m->election, leader, sizeof(leader));
	json_add_u64(o, JF_BLOCK_SIZE, m->conf.block_size);
	json_add_num(o, JF_REPLICAS, (double)m->conf.cluster.replicas);
	json_add_str(o, JF_LEADER, leader);
	json_add_bool(o, JF_IS_LEADER, election_is_leader(m->election));
	json_add_u64(o, JF_ROOT, MDFS_ROOT_INO);
	json_add_num(o, JF_NAME_MAX, NAMES_MAX);
	httpd_resp_json(resp, 200, o);
}
