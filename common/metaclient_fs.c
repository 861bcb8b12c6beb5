/*
 * metaclient_fs: the /v1/fs routes of the metaserver client -- one small
 * function per route that builds the request and decodes the answer.  The
 * transport (leader, fail-over, retries) is mc_call() in metaclient.c.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "common/json.h"
#include "common/log.h"
#include "common/names.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "common/metaclient.h"
#include "common/metaclient_int.h"

static int
decode_loc(const cJSON *arr, struct mc_chunk *c)
{
	const cJSON	*it;
	const char	*id, *addr;

	c->nloc = 0;
	if (arr == NULL)
		return 0;
	cJSON_ArrayForEach(it, arr) {
		if (c->nloc == MDFS_MAX_CHAIN)
			break;
		if (json_get_str(it, JF_ID, &id) != 0 ||
		    json_get_str(it, JF_ADDR, &addr) != 0 ||
		    strlen(id) > MDFS_NODE_ID_MAX ||
		    strlen(addr) >= MDFS_ADDR_MAX)
			return -EIO;
		snprintf(c->loc[c->nloc].id, sizeof(c->loc[0].id), "%s", id);
		snprintf(c->loc[c->nloc].addr, sizeof(c->loc[0].addr), "%s",
		    addr);
		c->nloc++;
	}
	return 0;
}

static int
decode_token(const cJSON *o, struct mc_chunk *c)
{
	const char	*tok;

	c->token[0] = '\0';
	if (json_get_str(o, JF_TOKEN, &tok) == 0) {
		if (strlen(tok) >= TOKEN_MAX_LEN)
			return -EIO;
		memcpy(c->token, tok, strlen(tok) + 1);
	}
	return 0;
}

int
mc_info(struct metaclient *mc, struct mc_info *info)
{
	cJSON		*resp = NULL;
	uint64_t	 root = MDFS_ROOT_INO;
	uint32_t	 nm = NAMES_MAX;
	int		 rc;

	if ((rc = mc_call(mc, "GET", META_ROUTE_FS_INFO, NULL, &resp)) != 0)
		return rc;
	if (resp == NULL ||
	    json_get_u64(resp, JF_BLOCK_SIZE, &info->block_size) != 0 ||
	    json_get_u32(resp, JF_REPLICAS, &info->replicas) != 0 ||
	    info->block_size == 0 || info->block_size > MDFS_BLOCK_SIZE_MAX ||
	    info->replicas == 0 || info->replicas > MDFS_REPLICAS_MAX) {
		cJSON_Delete(resp);
		log_warnx("metaclient: bad answer to %s", META_ROUTE_FS_INFO);
		return -EIO;
	}
	(void)json_get_u64(resp, JF_ROOT, &root);
	(void)json_get_u32(resp, JF_NAME_MAX, &nm);
	info->root = root;
	info->name_max = nm;
	cJSON_Delete(resp);
	return 0;
}

int
mc_lookup(struct metaclient *mc, uint64_t parent, const char *name,
    struct mc_attr *a)
{
	cJSON	*o = mc_obj_ino(JF_PARENT, parent);

	json_add_str(o, JF_NAME, name);
	return mc_send_attr(mc, META_ROUTE_FS_LOOKUP, o, a);
}

int
mc_getattr(struct metaclient *mc, uint64_t ino, struct mc_attr *a)
{
	return mc_send_attr(mc, META_ROUTE_FS_GETATTR, mc_obj_ino(JF_INO, ino), a);
}

static void
add_time(cJSON *o, const char *key, int now, int64_t ns)
{
	if (now)
		json_add_str(o, key, JF_TIME_NOW);
	else
		json_add_i64(o, key, ns);
}

/* The fields of s that its `set` names, added to o: the setattr route's
 * encoding, also used by commit's "attr". */
static void
add_setattr(cJSON *o, const struct mc_setattr *s)
{
	if (s->set & MC_SET_MODE)
		json_add_num(o, JF_MODE, s->mode);
	if (s->set & MC_SET_UID)
		json_add_num(o, JF_UID, s->uid);
	if (s->set & MC_SET_GID)
		json_add_num(o, JF_GID, s->gid);
	if (s->set & MC_SET_SIZE)
		json_add_u64(o, JF_SIZE, s->size);
	if (s->set & (MC_SET_ATIME | MC_SET_ATIME_NOW))
		add_time(o, JF_ATIME, (s->set & MC_SET_ATIME_NOW) != 0,
		    s->atime);
	if (s->set & (MC_SET_MTIME | MC_SET_MTIME_NOW))
		add_time(o, JF_MTIME, (s->set & MC_SET_MTIME_NOW) != 0,
		    s->mtime);
}

int
mc_setattr(struct metaclient *mc, const struct mc_caller *c, uint64_t ino,
    const struct mc_setattr *s, struct mc_attr *a)
{
	cJSON	*o = mc_obj_ino(JF_INO, ino);

	mc_add_caller(o, c);
	add_setattr(o, s);
	return mc_send_attr(mc, META_ROUTE_FS_SETATTR, o, a);
}

int
mc_atime(struct metaclient *mc, uint64_t ino, int strict, struct mc_attr *a)
{
	cJSON	*o = mc_obj_ino(JF_INO, ino);

	if (strict)
		json_add_bool(o, JF_STRICT, 1);
	return mc_send_attr(mc, META_ROUTE_FS_ATIME, o, a);
}

static cJSON *
obj_entry(const struct mc_caller *c, uint64_t parent, const char *name)
{
	cJSON	*o = mc_obj_ino(JF_PARENT, parent);

	json_add_str(o, JF_NAME, name);
	mc_add_caller(o, c);
	return o;
}

int
mc_mknod(struct metaclient *mc, const struct mc_caller *c, uint64_t parent,
    const char *name, uint32_t mode, uint64_t rdev, struct mc_attr *a)
{
	cJSON	*o = obj_entry(c, parent, name);

	json_add_num(o, JF_MODE, mode);
	json_add_u64(o, JF_RDEV, rdev);
	return mc_send_attr(mc, META_ROUTE_FS_MKNOD, o, a);
}

int
mc_mkdir(struct metaclient *mc, const struct mc_caller *c, uint64_t parent,
    const char *name, uint32_t mode, struct mc_attr *a)
{
	cJSON	*o = obj_entry(c, parent, name);

	json_add_num(o, JF_MODE, mode);
	return mc_send_attr(mc, META_ROUTE_FS_MKDIR, o, a);
}

int
mc_symlink(struct metaclient *mc, const struct mc_caller *c, uint64_t parent,
    const char *name, const char *target, struct mc_attr *a)
{
	cJSON	*o = obj_entry(c, parent, name);

	json_add_str(o, JF_TARGET, target);
	return mc_send_attr(mc, META_ROUTE_FS_SYMLINK, o, a);
}

static int
decode_fh(const cJSON *resp, struct mc_attr *a, uint64_t *fh)
{
	int	 rc;

	if ((rc = mc_attr_of(resp, a)) != 0)
		return rc;
	if (json_get_u64(resp, JF_FH, fh) != 0)
		return -EIO;
	return 0;
}

int
mc_create(struct metaclient *mc, const struct mc_caller *c, uint64_t parent,
    const char *name, uint32_t mode, int flags, struct mc_attr *a,
    uint64_t *fh, int *created)
{
	cJSON	*o = obj_entry(c, parent, name), *resp = NULL;
	int	 rc, cr = 1;

	json_add_num(o, JF_MODE, mode);
	json_add_num(o, JF_FLAGS, flags);
	for (int again = 1;; again = 0) {
		uint64_t	 sess = mc_session(mc);

		cJSON_DeleteItemFromObject(o, JF_SESSION);
		json_add_u64(o, JF_SESSION, sess);
		rc = mc_call(mc, "POST", META_ROUTE_FS_CREATE, o, &resp);
		if (rc != -ESRCH || !again || mc_session_refresh(mc, sess) != 0)
			break;
	}
	cJSON_Delete(o);
	if (rc == 0)
		rc = decode_fh(resp, a, fh);
	if (rc == 0 && json_get_bool(resp, JF_CREATED, &cr) == 0)
		*created = cr;
	else if (rc == 0)
		*created = 1;
	cJSON_Delete(resp);
	return rc;
}

int
mc_readlink(struct metaclient *mc, uint64_t ino, char *target, size_t size)
{
	cJSON		*o = mc_obj_ino(JF_INO, ino), *resp = NULL;
	const char	*t;
	int		 rc;

	rc = mc_call(mc, "POST", META_ROUTE_FS_READLINK, o, &resp);
	cJSON_Delete(o);
	if (rc == 0) {
		if (resp == NULL || json_get_str(resp, JF_TARGET, &t) != 0)
			rc = -EIO;
		else if (strlen(t) >= size)
			rc = -ERANGE;
		else
			memcpy(target, t, strlen(t) + 1);
	}
	cJSON_Delete(resp);
	return rc;
}

int
mc_link(struct metaclient *mc, uint64_t ino, uint64_t parent,
    const char *name, struct mc_attr *a)
{
	cJSON	*o = mc_obj_ino(JF_INO, ino);

	json_add_u64(o, JF_PARENT, parent);
	json_add_str(o, JF_NAME, name);
	return mc_send_attr(mc, META_ROUTE_FS_LINK, o, a);
}

int
mc_unlink(struct metaclient *mc, const struct mc_caller *c, uint64_t parent,
    const char *name)
{
	return mc_send_attr(mc, META_ROUTE_FS_UNLINK, obj_entry(c, parent, name),
	    NULL);
}

int
mc_rmdir(struct metaclient *mc, const struct mc_caller *c, uint64_t parent,
    const char *name)
{
	return mc_send_attr(mc, META_ROUTE_FS_RMDIR, obj_entry(c, parent, name),
	    NULL);
}

int
mc_rename(struct metaclient *mc, const struct mc_caller *c, uint64_t parent,
    const char *name, uint64_t newparent, const char *newname, unsigned flags)
{
	cJSON	*o = obj_entry(c, parent, name);

	json_add_u64(o, JF_NEWPARENT, newparent);
	json_add_str(o, JF_NEWNAME, newname);
	json_add_num(o, JF_FLAGS, flags);
	return mc_send_attr(mc, META_ROUTE_FS_RENAME, o, NULL);
}

void
mc_dirents_free(struct mc_dirent *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].name);
	free(d);
}

int
mc_readdir(struct metaclient *mc, uint64_t ino, uint64_t cookie,
    unsigned limit, struct mc_dirent **ents, size_t *n, int *eof)
{
	cJSON		*o = mc_obj_ino(JF_INO, ino), *resp = NULL;
	const cJSON	*arr, *it, *ao;
	const char	*name;
	struct mc_dirent *d = NULL;
	size_t		 k = 0, cnt;
	int		 rc, e = 0;

	json_add_u64(o, JF_COOKIE, cookie);
	json_add_num(o, JF_LIMIT, limit);
	rc = mc_call(mc, "POST", META_ROUTE_FS_READDIR, o, &resp);
	cJSON_Delete(o);
	if (rc != 0)
		return rc;
	if (resp == NULL || json_get_array(resp, JF_ENTRIES, &arr) != 0 ||
	    json_get_bool(resp, JF_EOF, &e) != 0) {
		rc = -EIO;
		goto out;
	}
	cnt = (size_t)cJSON_GetArraySize(arr);
	d = xcalloc(cnt > 0 ? cnt : 1, sizeof(*d));
	cJSON_ArrayForEach(it, arr) {
		if (json_get_str(it, JF_NAME, &name) != 0 ||
		    json_get_u64(it, JF_COOKIE, &d[k].cookie) != 0 ||
		    json_get_object(it, JF_ATTR, &ao) != 0 ||
		    mc_decode_attr(ao, &d[k].attr) != 0) {
			rc = -EIO;
			goto out;
		}
		d[k].name = xstrdup(name);
		k++;
	}
	*ents = d;
	*n = k;
	*eof = e;
	d = NULL;
out:
	if (rc != 0)
		log_warnx("metaclient: bad answer to %s", META_ROUTE_FS_READDIR);
	if (d != NULL)
		mc_dirents_free(d, k);
	cJSON_Delete(resp);
	return rc;
}

int
mc_statfs(struct metaclient *mc, struct statvfs *st)
{
	cJSON		*o = json_new_object(), *resp = NULL;
	uint64_t	 bs, total, fr, avail, files, ffree;
	uint32_t	 nm = NAMES_MAX;
	int		 rc;

	rc = mc_call(mc, "POST", META_ROUTE_FS_STATFS, o, &resp);
	cJSON_Delete(o);
	if (rc != 0)
		return rc;
	if (resp == NULL || json_get_u64(resp, JF_BLOCK_SIZE, &bs) != 0 ||
	    bs == 0 || json_get_u64(resp, JF_TOTAL, &total) != 0 ||
	    json_get_u64(resp, JF_FREE, &fr) != 0 ||
	    json_get_u64(resp, JF_AVAIL, &avail) != 0 ||
	    json_get_u64(resp, JF_FILES, &files) != 0 ||
	    json_get_u64(resp, JF_FFREE, &ffree) != 0) {
		cJSON_Delete(resp);
		log_warnx("metaclient: bad answer to %s", META_ROUTE_FS_STATFS);
		return -EIO;
	}
	(void)json_get_u32(resp, JF_NAME_MAX, &nm);
	cJSON_Delete(resp);
	memset(st, 0, sizeof(*st));
	st->f_bsize = bs;
	st->f_frsize = bs;
	st->f_blocks = total / bs;
	st->f_bfree = fr / bs;
	st->f_bavail = avail / bs;
	st->f_files = files;
	st->f_ffree = ffree;
	st->f_favail = ffree;
	st->f_namemax = nm;
	return 0;
}

int
mc_setxattr(struct metaclient *mc, uint64_t ino, const char *name,
    const void *value, size_t len, int flags)
{
	cJSON	*o = mc_obj_ino(JF_INO, ino);
	char	*b64;
	size_t	 blen = 4 * ((len + 2) / 3) + 1;

	if ((b64 = malloc(blen)) == NULL) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	EVP_EncodeBlock((unsigned char *)b64, value, (int)len);
	json_add_str(o, JF_NAME, name);
	json_add_str(o, JF_VALUE, b64);
	json_add_num(o, JF_FLAGS, flags);
	free(b64);
	return mc_send_attr(mc, META_ROUTE_FS_SETXATTR, o, NULL);
}

int
mc_getxattr(struct metaclient *mc, uint64_t ino, const char *name,
    void **value, size_t *len)
{
	cJSON		*o = mc_obj_ino(JF_INO, ino), *resp = NULL;
	const char	*b64;
	unsigned char	*v;
	size_t		 bl;
	int		 rc, n;

	json_add_str(o, JF_NAME, name);
	rc = mc_call(mc, "POST", META_ROUTE_FS_GETXATTR, o, &resp);
	cJSON_Delete(o);
	if (rc != 0)
		return rc;
	if (resp == NULL || json_get_str(resp, JF_VALUE, &b64) != 0 ||
	    (bl = strlen(b64)) % 4 != 0) {
		rc = -EIO;
		goto out;
	}
	if ((v = malloc(bl / 4 * 3 + 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	n = bl > 0 ? EVP_DecodeBlock(v, (const unsigned char *)b64, (int)bl) :
	    0;
	if (n < 0) {
		free(v);
		rc = -EIO;
		goto out;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (bl > 0 && b64[bl - 1] == '=')
		n--;
	if (bl > 1 && b64[bl - 2] == '=')
		n--;
	*value = v;
	*len = (size_t)n;
out:
	cJSON_Delete(resp);
	return rc;
}

int
mc_listxattr(struct metaclient *mc, uint64_t ino, char **list, size_t *len)
{
	cJSON		*o = mc_obj_ino(JF_INO, ino), *resp = NULL;
	const cJSON	*arr, *it;
	size_t		 total = 0, off = 0;
	char		*l;
	int		 rc;

	rc = mc_call(mc, "POST", META_ROUTE_FS_LISTXATTR, o, &resp);
	cJSON_Delete(o);
	if (rc != 0)
		return rc;
	if (resp == NULL || json_get_array(resp, JF_NAMES, &arr) != 0) {
		cJSON_Delete(resp);
		return -EIO;
	}
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it)) {
			cJSON_Delete(resp);
			return -EIO;
		}
		total += strlen(it->valuestring) + 1;
	}
	l = xmalloc(total > 0 ? total : 1);
	cJSON_ArrayForEach(it, arr) {
		memcpy(l + off, it->valuestring, strlen(it->valuestring) + 1);
		off += strlen(it->valuestring) + 1;
	}
	cJSON_Delete(resp);
	*list = l;
	*len = total;
	return 0;
}

int
mc_removexattr(struct metaclient *mc, uint64_t ino, const char *name)
{
	cJSON	*o = mc_obj_ino(JF_INO, ino);

	json_add_str(o, JF_NAME, name);
	return mc_send_attr(mc, META_ROUTE_FS_RMXATTR, o, NULL);
}

void
mc_map_release(struct mc_map *m)
{
	free(m->chunks);
	memset(m, 0, sizeof(*m));
}

/* The fields of a blockmap answer in resp (the blockmap route's, or the
 * ones an open answer carries) into *m (valid set).  -EIO (logged, naming
 * route) when they are malformed, -ENOMEM; *m is untouched then. */
static int
decode_map(const cJSON *resp, const char *route, struct mc_map *m)
{
	const cJSON	*arr, *it, *locs;
	const char	*id;
	struct mc_chunk	*c = NULL;
	uint64_t	 size, bs = 0;
	size_t		 k = 0, cnt;
	int		 rc = -EIO;

	if (resp == NULL || json_get_u64(resp, JF_SIZE, &size) != 0 ||
	    (json_get_u64(resp, JF_BLOCK_SIZE, &bs) != 0 &&
	    cJSON_GetObjectItemCaseSensitive(resp, JF_BLOCK_SIZE) != NULL) ||
	    json_get_array(resp, JF_CHUNKS, &arr) != 0)
		goto out;
	cnt = (size_t)cJSON_GetArraySize(arr);
	if ((c = calloc(cnt > 0 ? cnt : 1, sizeof(*c))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(it, arr) {
		locs = NULL;
		if (json_get_u64(it, JF_INDEX, &c[k].index) != 0 ||
		    json_get_u64(it, JF_LEN, &c[k].len) != 0 ||
		    json_get_str(it, JF_ID, &id) != 0 || !blockid_valid(id) ||
		    (json_get_array(it, JF_LOCATIONS, &locs) != 0 &&
		    locs != NULL) || decode_loc(locs, &c[k]) != 0 ||
		    decode_token(it, &c[k]) != 0)
			goto out;
		memcpy(c[k].id, id, BLOCKID_BUFSZ);
		k++;
	}
	m->valid = 1;
	m->size = size;
	m->block_size = bs;
	m->chunks = c;
	m->n = k;
	return 0;
out:
	if (rc == -EIO)
		log_warnx("metaclient: bad block map in the answer to %s",
		    route);
	free(c);
	return rc;
}

int
mc_open(struct metaclient *mc, uint64_t ino, int flags, struct mc_attr *a,
    uint64_t *fh)
{
	return mc_open_map(mc, ino, flags, 0, a, fh, NULL);
}

int
mc_open_map(struct metaclient *mc, uint64_t ino, int flags, unsigned map,
    struct mc_attr *a, uint64_t *fh, struct mc_map *m)
{
	cJSON	*o, *resp = NULL;
	int	 rc;

	if (m != NULL)
		memset(m, 0, sizeof(*m));
	if (map > MDFS_BLOCKMAP_MAX || (map > 0 && m == NULL))
		return -EINVAL;
	o = mc_obj_ino(JF_INO, ino);
	json_add_num(o, JF_FLAGS, flags);
	if (map > 0)
		json_add_num(o, JF_MAP, map);
	for (int again = 1;; again = 0) {
		uint64_t	 sess = mc_session(mc);

		cJSON_DeleteItemFromObject(o, JF_SESSION);
		json_add_u64(o, JF_SESSION, sess);
		rc = mc_call(mc, "POST", META_ROUTE_FS_OPEN, o, &resp);
		if (rc != -ESRCH || !again || mc_session_refresh(mc, sess) != 0)
			break;
	}
	cJSON_Delete(o);
	if (rc == 0)
		rc = decode_fh(resp, a, fh);
	/* an answer without a map (not a regular file, an older metaserver)
	 * is no error, and neither is a bad one: the handle is open, and
	 * the caller can still ask for the map */
	if (rc == 0 && map > 0 &&
	    cJSON_GetObjectItemCaseSensitive(resp, JF_CHUNKS) != NULL)
		(void)decode_map(resp, META_ROUTE_FS_OPEN, m);
	cJSON_Delete(resp);
	return rc;
}

int
mc_release(struct metaclient *mc, uint64_t ino, uint64_t fh)
{
	cJSON	*o = mc_obj_ino(JF_INO, ino);

	json_add_u64(o, JF_FH, fh);
	json_add_u64(o, JF_SESSION, mc_session(mc));
	return mc_send_attr(mc, META_ROUTE_FS_RELEASE, o, NULL);
}

int
mc_blockmap(struct metaclient *mc, uint64_t ino, uint64_t first,
    unsigned count, struct mc_chunk **chunks, size_t *n, uint64_t *size)
{
	cJSON		*o = mc_obj_ino(JF_INO, ino), *resp = NULL;
	struct mc_map	 m;
	int		 rc;

	json_add_u64(o, JF_FIRST, first);
	json_add_num(o, JF_COUNT, count);
	rc = mc_call(mc, "POST", META_ROUTE_FS_BLOCKMAP, o, &resp);
	cJSON_Delete(o);
	if (rc == 0 && (rc = decode_map(resp, META_ROUTE_FS_BLOCKMAP,
	    &m)) == 0) {
		*chunks = m.chunks;
		*n = m.n;
		*size = m.size;
	}
	cJSON_Delete(resp);
	return rc;
}

int
mc_alloc(struct metaclient *mc, uint64_t ino, const char *id, uint64_t size,
    const char (*exclude)[MDFS_ADDR_MAX], size_t nexclude,
    struct mc_chunk *out, int *present)
{
	cJSON		*o = mc_obj_ino(JF_INO, ino), *resp = NULL, *ex;
	const cJSON	*chain;
	int		 rc, p = 0;

	json_add_str(o, JF_ID, id);
	json_add_u64(o, JF_SIZE, size);
	ex = json_new_array();
	for (size_t i = 0; i < nexclude && i < MDFS_EXCLUDE_MAX; i++)
		cJSON_AddItemToArray(ex, cJSON_CreateString(exclude[i]));
	cJSON_AddItemToObject(o, JF_EXCLUDE, ex);
	rc = mc_call(mc, "POST", META_ROUTE_FS_ALLOC, o, &resp);
	cJSON_Delete(o);
	if (rc != 0)
		return rc;
	if (resp == NULL || json_get_bool(resp, JF_PRESENT, &p) != 0 ||
	    json_get_array(resp, JF_CHAIN, &chain) != 0 ||
	    decode_loc(chain, out) != 0 || decode_token(resp, out) != 0 ||
	    (!p && out->nloc == 0)) {
		cJSON_Delete(resp);
		log_warnx("metaclient: bad answer to %s", META_ROUTE_FS_ALLOC);
		return -EIO;
	}
	memcpy(out->id, id, BLOCKID_BUFSZ);
	out->len = size;
	*present = p;
	cJSON_Delete(resp);
	return 0;
}

int
mc_report_bad(struct metaclient *mc, const char *id, const char *node_id)
{
	cJSON	*o = json_new_object(), *resp = NULL;
	int	 rc;

	json_add_str(o, JF_ID, id);
	json_add_str(o, JF_NODE, node_id);
	rc = mc_call(mc, "POST", META_ROUTE_FS_BADREPLICA, o, &resp);
	cJSON_Delete(o);
	cJSON_Delete(resp);
	return rc;
}

int
mc_commit(struct metaclient *mc, uint64_t ino, uint64_t size, int64_t mtime,
    const struct mc_commit *chunks, size_t n, struct mc_attr *a)
{
	return mc_commit_attr(mc, ino, size, mtime, chunks, n, NULL, a);
}

int
mc_commit_attr(struct metaclient *mc, uint64_t ino, uint64_t size,
    int64_t mtime, const struct mc_commit *chunks, size_t n,
    const struct mc_setattr *attrs, struct mc_attr *a)
{
	cJSON	*o, *arr, *c, *st, *resp = NULL;
	int	 rc;

	if (attrs != NULL && (attrs->set & ~MC_COMMIT_SET) != 0)
		return -EINVAL;
	o = mc_obj_ino(JF_INO, ino);
	if (attrs != NULL && attrs->set != 0) {
		c = json_new_object();
		add_setattr(c, attrs);
		cJSON_AddItemToObject(o, JF_ATTR, c);
	}
	json_add_u64(o, JF_SIZE, size);
	if (mtime >= 0)
		json_add_i64(o, JF_MTIME, mtime);
	arr = json_new_array();
	for (size_t i = 0; i < n; i++) {
		c = json_new_object();
		json_add_u64(c, JF_INDEX, chunks[i].index);
		json_add_str(c, JF_ID, chunks[i].id);
		json_add_u64(c, JF_LEN, chunks[i].len);
		st = json_new_array();
		for (size_t j = 0; j < chunks[i].nstored; j++)
			cJSON_AddItemToArray(st,
			    cJSON_CreateString(chunks[i].stored[j]));
		cJSON_AddItemToObject(c, JF_STORED, st);
		cJSON_AddItemToArray(arr, c);
	}
	cJSON_AddItemToObject(o, JF_CHUNKS, arr);
	for (int again = 1;; again = 0) {
		uint64_t	 sess = mc_session(mc);

		cJSON_DeleteItemFromObject(o, JF_SESSION);
		json_add_u64(o, JF_SESSION, sess);
		rc = mc_call(mc, "POST", META_ROUTE_FS_COMMIT, o, &resp);
		if (rc != -ESRCH || !again || mc_session_refresh(mc, sess) != 0)
			break;
	}
	cJSON_Delete(o);
	if (rc == 0)
		rc = mc_attr_of(resp, a);
	cJSON_Delete(resp);
	return rc;
}

