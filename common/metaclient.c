/*
 * metaclient: the filesystem client of the metaserver (fuse/ and cli/).
 * This file holds the transport -- mc_call() does leader tracking, fail-over and the bounded
 * retries -- the JSON helpers the routes share, and the session and lock
 * routes; metaclient_fs.c has one small function per /v1/fs route.  See
 * metaclient.h.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/json.h"
#include "common/metaconn.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/xalloc.h"
#include "common/metaclient.h"
#include "common/metaclient_int.h"

struct metaclient {
	struct metaconn	*conn;		/* the transport (common/metaconn) */
	pthread_mutex_t	 lock;
	char		 client[128];	/* protected by lock */
	uint64_t	 session;	/* atomic: __atomic_load_n */
	pthread_mutex_t	 session_lock;	/* serializes reopening it */
	void		(*dirs_fn)(void *, const struct mc_attr *);
	void		*dirs_arg;
	uint64_t	 changes;	/* atomic: mc_changes() */
};

void
mc_set_dirs_hook(struct metaclient *mc,
    void (*fn)(void *arg, const struct mc_attr *), void *arg)
{
	mc->dirs_fn = fn;
	mc->dirs_arg = arg;
}

/* Hands the answer's "dirs" (protocol.h) to the hook. */
static void
dirs_to_hook(struct metaclient *mc, const cJSON *resp)
{
	const cJSON	*arr, *e;
	struct mc_attr	 a;

	if (json_get_array(resp, JF_DIRS, &arr) != 0)
		return;
	cJSON_ArrayForEach(e, arr)
		if (mc_decode_attr(e, &a) == 0 && S_ISDIR(a.mode))
			mc->dirs_fn(mc->dirs_arg, &a);
}

int
mc_new(const char *source, const void *secret, size_t secret_len,
    long retry_ms, long timeout_ms, struct metaclient **out, char *err,
    size_t errlen)
{
	struct metaclient	*mc = xcalloc(1, sizeof(*mc));
	int			 rc;

	if ((rc = metaconn_new(source, secret, secret_len, retry_ms,
	    timeout_ms, &mc->conn, err, errlen)) != 0) {
		free(mc);
		return rc;
	}
	pthread_mutex_init(&mc->lock, NULL);
	pthread_mutex_init(&mc->session_lock, NULL);
	*out = mc;
	return 0;
}

void
mc_free(struct metaclient *mc)
{
	if (mc == NULL)
		return;
	metaconn_free(mc->conn);
	pthread_mutex_destroy(&mc->lock);
	pthread_mutex_destroy(&mc->session_lock);
	free(mc);
}

uint64_t
mc_session(struct metaclient *mc)
{
	return __atomic_load_n(&mc->session, __ATOMIC_ACQUIRE);
}

/*
 * A call was refused with ESRCH: the session `failed` expired (every
 * metaserver was away longer than its TTL).  Opens a new one unless another
 * thread did already; returns 0 when the call may be retried.
 */
int
mc_session_refresh(struct metaclient *mc, uint64_t failed)
{
	unsigned	 ttl;
	int		 rc = 0;

	if (failed == 0)
		return -ESRCH;
	pthread_mutex_lock(&mc->session_lock);
	if (mc_session(mc) == failed) {
		log_warnx("session %llu expired: its open files and locks "
		    "were released; opening a new one",
		    (unsigned long long)failed);
		rc = mc_session_open(mc, NULL, &ttl);
	}
	pthread_mutex_unlock(&mc->session_lock);
	return rc;
}

uint64_t
mc_changes(struct metaclient *mc)
{
	return __atomic_load_n(&mc->changes, __ATOMIC_SEQ_CST);
}

/*
 * The routes that change nothing a lookup or getattr answers -- and the
 * atime touch of a read, which changes atime alone.  Counting it would kill
 * the lookahead's listings (fuse/lookahead.h) after every cat or ls, for
 * no gain: a listing holds attributes up to the attribute timeout old,
 * which is exactly what the kernel's own attribute cache would show had it
 * kept them (an atime that a later read moved, like a stale size or mtime
 * of another mount's write), and this mount overlays its own touches on
 * every attribute it answers anyway (fuse/atime.h), listings included.
 */
static const char *const reading_routes[] = {
	META_ROUTE_FS_INFO, META_ROUTE_FS_LOOKUP, META_ROUTE_FS_GETATTR,
	META_ROUTE_FS_ATIME,
	META_ROUTE_FS_READLINK, META_ROUTE_FS_READDIR, META_ROUTE_FS_STATFS,
	META_ROUTE_FS_GETXATTR, META_ROUTE_FS_LISTXATTR,
	META_ROUTE_FS_BLOCKMAP, META_ROUTE_FS_ALLOC, META_ROUTE_FS_RELEASE,
	META_ROUTE_FS_BADREPLICA, META_ROUTE_SESSION_OPEN,
	META_ROUTE_SESSION_RENEW, META_ROUTE_SESSION_CLOSE,
	META_ROUTE_LOCKS_GET, META_ROUTE_LOCKS_SET, META_ROUTE_LOCKS_RELEASE,
};

/* 1 when the request may change names or attributes (mc_changes). */
static int
changes_names(const char *path, const cJSON *body)
{
	uint32_t	 flags;

	if (strcmp(path, META_ROUTE_FS_OPEN) == 0)
		/* only O_TRUNC changes what others see of the file */
		return json_get_u32(body, JF_FLAGS, &flags) != 0 ||
		    (flags & O_TRUNC) != 0;
	for (size_t i = 0; i < sizeof(reading_routes) /
	    sizeof(reading_routes[0]); i++)
		if (strcmp(path, reading_routes[i]) == 0)
			return 0;
	return 1;
}

int
mc_call(struct metaclient *mc, const char *method, const char *path,
    const cJSON *body, cJSON **resp)
{
	char	 err[256];
	int	 rc, changes = changes_names(path, body);

	if (changes)
		__atomic_add_fetch(&mc->changes, 1, __ATOMIC_SEQ_CST);
	rc = metaconn_call(mc->conn, method, path, body, resp, err,
	    sizeof(err));
	if (changes)
		__atomic_add_fetch(&mc->changes, 1, __ATOMIC_SEQ_CST);
	if (rc == 0 && resp != NULL && *resp != NULL && mc->dirs_fn != NULL)
		dirs_to_hook(mc, *resp);
	/* EAGAIN after the whole retry time: no metaserver took the lead.
	 * Applications must not be told "try again" (write(2) and stat(2)
	 * callers do not): it is a timeout. */
	if (rc == -EAGAIN)
		rc = -ETIMEDOUT;
	if (rc == -ETIMEDOUT || rc == -EIO)
		log_warnx("metaclient: %s", err);
	else if (rc != 0 && rc != -ENOENT && rc != -EEXIST && rc != -ENODATA)
		log_debug("metaclient: %s", err);	/* an answer, logged */
	return rc;
}

/* ---- encoding helpers ---------------------------------------------------- */

void
mc_add_caller(cJSON *o, const struct mc_caller *c)
{
	cJSON	*cj, *g;

	if (c == NULL)
		return;
	cj = json_new_object();
	json_add_num(cj, JF_UID, c->uid);
	json_add_num(cj, JF_GID, c->gid);
	g = json_new_array();
	for (size_t i = 0; i < c->ngroups; i++)
		cJSON_AddItemToArray(g, cJSON_CreateNumber(c->groups[i]));
	cJSON_AddItemToObject(cj, JF_GROUPS, g);
	cJSON_AddItemToObject(o, JF_CALLER, cj);
}

static int
get_time(const cJSON *o, const char *key, int64_t *out)
{
	return json_get_i64(o, key, out);
}

int
mc_decode_attr(const cJSON *o, struct mc_attr *a)
{
	struct mc_attr	 t = { 0 };
	int		 rc;

	if (o == NULL)
		return -EIO;
	if ((rc = json_get_u64(o, JF_INO, &t.ino)) != 0 ||
	    (rc = json_get_u32(o, JF_MODE, &t.mode)) != 0 ||
	    (rc = json_get_u32(o, JF_UID, &t.uid)) != 0 ||
	    (rc = json_get_u32(o, JF_GID, &t.gid)) != 0 ||
	    (rc = json_get_u64(o, JF_SIZE, &t.size)) != 0 ||
	    (rc = json_get_u32(o, JF_NLINK, &t.nlink)) != 0 ||
	    (rc = get_time(o, JF_ATIME, &t.atime)) != 0 ||
	    (rc = get_time(o, JF_MTIME, &t.mtime)) != 0 ||
	    (rc = get_time(o, JF_CTIME, &t.ctime)) != 0) {
		log_warnx("metaclient: bad attr in answer");
		return -EIO;
	}
	/* optional fields */
	(void)json_get_u64(o, JF_RDEV, &t.rdev);
	(void)json_get_u32(o, JF_BLKSIZE, &t.blksize);
	(void)json_get_u64(o, JF_BLOCKS, &t.blocks);
	(void)json_get_u64(o, JF_GENERATION, &t.generation);
	*a = t;
	return 0;
}

/* Answers of the form {"attr":{...}}. */
int
mc_attr_of(const cJSON *resp, struct mc_attr *a)
{
	const cJSON	*o;

	if (resp == NULL || json_get_object(resp, JF_ATTR, &o) != 0)
		return -EIO;
	return mc_decode_attr(o, a);
}

cJSON *
mc_obj_ino(const char *key, uint64_t ino)
{
	cJSON	*o = json_new_object();

	json_add_u64(o, key, ino);
	return o;
}

/* Sends o (freed here), decodes an attr answer into a when a != NULL. */
int
mc_send_attr(struct metaclient *mc, const char *route, cJSON *o,
    struct mc_attr *a)
{
	cJSON	*resp = NULL;
	int	 rc;

	rc = mc_call(mc, "POST", route, o, &resp);
	cJSON_Delete(o);
	if (rc == 0 && a != NULL)
		rc = mc_attr_of(resp, a);
	cJSON_Delete(resp);
	return rc;
}

/* ---- sessions and locks ----------------------------------------------------- */

static int
get_ttl(const cJSON *resp, unsigned *ttl_s)
{
	uint32_t	 t;

	if (resp == NULL || json_get_u32(resp, JF_TTL, &t) != 0 || t == 0)
		return -EIO;
	*ttl_s = t;
	return 0;
}

int
mc_session_open(struct metaclient *mc, const char *client, unsigned *ttl_s)
{
	cJSON		*o = json_new_object(), *resp = NULL;
	uint64_t	 id;
	char		 c[sizeof(mc->client)];
	int		 rc;

	pthread_mutex_lock(&mc->lock);
	if (client != NULL)
		snprintf(mc->client, sizeof(mc->client), "%s", client);
	memcpy(c, mc->client, sizeof(c));
	pthread_mutex_unlock(&mc->lock);
	json_add_str(o, JF_CLIENT, c);
	rc = mc_call(mc, "POST", META_ROUTE_SESSION_OPEN, o, &resp);
	cJSON_Delete(o);
	if (rc == 0 && (resp == NULL || json_get_u64(resp, JF_SESSION,
	    &id) != 0 || id == 0 || get_ttl(resp, ttl_s) != 0))
		rc = -EIO;
	if (rc == 0)
		__atomic_store_n(&mc->session, id, __ATOMIC_RELEASE);
	cJSON_Delete(resp);
	return rc;
}

int
mc_session_renew(struct metaclient *mc, unsigned *ttl_s)
{
	cJSON	*o = mc_obj_ino(JF_SESSION, mc_session(mc)), *resp = NULL;
	int	 rc;

	rc = mc_call(mc, "POST", META_ROUTE_SESSION_RENEW, o, &resp);
	cJSON_Delete(o);
	if (rc == 0)
		rc = get_ttl(resp, ttl_s);
	cJSON_Delete(resp);
	return rc;
}

int
mc_session_close(struct metaclient *mc)
{
	return mc_send_attr(mc, META_ROUTE_SESSION_CLOSE,
	    mc_obj_ino(JF_SESSION, mc_session(mc)), NULL);
}

static const char *
lock_type_name(int type)
{
	return type == F_RDLCK ? LOCK_TYPE_READ : type == F_WRLCK ?
	    LOCK_TYPE_WRITE : LOCK_TYPE_UNLOCK;
}

static cJSON *
lock_obj(struct metaclient *mc, uint64_t ino, enum mc_lock_kind kind,
    uint64_t owner)
{
	cJSON	*o = mc_obj_ino(JF_INO, ino);

	json_add_u64(o, JF_SESSION, mc_session(mc));
	json_add_u64(o, JF_OWNER, owner);
	json_add_str(o, JF_KIND, kind == MC_LOCK_FLOCK ? LOCK_KIND_FLOCK :
	    LOCK_KIND_POSIX);
	return o;
}

static void
lock_fields(cJSON *o, const struct mc_lock *l)
{
	json_add_str(o, JF_TYPE, lock_type_name(l->type));
	json_add_u64(o, JF_START, l->start);
	json_add_u64(o, JF_END, l->end);
	json_add_num(o, JF_PID, l->pid);
}

int
mc_lock_get(struct metaclient *mc, uint64_t ino, struct mc_lock *l)
{
	cJSON		*o = lock_obj(mc, ino, l->kind, l->owner), *resp = NULL;
	const char	*type;
	struct mc_lock	 got = *l;
	int		 rc;

	lock_fields(o, l);
	rc = mc_call(mc, "POST", META_ROUTE_LOCKS_GET, o, &resp);
	cJSON_Delete(o);
	if (rc != 0)
		return rc;
	rc = -EIO;
	if (resp == NULL || json_get_str(resp, JF_TYPE, &type) != 0)
		goto out;
	if (strcmp(type, LOCK_TYPE_UNLOCK) == 0) {
		got.type = F_UNLCK;
	} else {
		got.type = strcmp(type, LOCK_TYPE_READ) == 0 ? F_RDLCK : F_WRLCK;
		if (json_get_u64(resp, JF_START, &got.start) != 0 ||
		    json_get_u64(resp, JF_END, &got.end) != 0)
			goto out;
		got.pid = 0;
		(void)json_get_u32(resp, JF_PID, &got.pid);
	}
	*l = got;
	rc = 0;
out:
	cJSON_Delete(resp);
	return rc;
}

int
mc_lock_set(struct metaclient *mc, uint64_t ino, const struct mc_lock *l,
    int wait)
{
	cJSON	*o = lock_obj(mc, ino, l->kind, l->owner), *resp = NULL;
	int	 rc, retry = 0, granted = 0;

	lock_fields(o, l);
	json_add_bool(o, JF_WAIT, wait);
	rc = mc_call(mc, "POST", META_ROUTE_LOCKS_SET, o, &resp);
	cJSON_Delete(o);
	if (rc == 0) {
		if (resp == NULL || json_get_bool(resp, JF_GRANTED,
		    &granted) != 0)
			rc = -EIO;
		else if (!granted)
			rc = json_get_bool(resp, JF_RETRY, &retry) == 0 &&
			    retry ? -EINPROGRESS : -EAGAIN;
	}
	cJSON_Delete(resp);
	return rc;
}

int
mc_lock_release(struct metaclient *mc, uint64_t ino, enum mc_lock_kind kind,
    uint64_t owner)
{
	return mc_send_attr(mc, META_ROUTE_LOCKS_RELEASE,
	    lock_obj(mc, ino, kind, owner), NULL);
}
