/*
 * h_locks: the session and lock routes (common/protocol.h, "sessions and
 * locks").  Sessions come from sessions.c, locks from locks.c; a lock call
 * needs a live session, and a lock granted to a session that expired while
 * the call waited is released again at once.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/httpd.h"
#include "common/json.h"
#include "common/protocol.h"
#include "server/meta/cluster.h"
#include "server/meta/election.h"
#include "server/meta/h_cluster.h"
#include "server/meta/locks.h"
#include "server/meta/meta.h"
#include "server/meta/sessions.h"

static void
bad_field(struct httpd_resp *resp, const char *field)
{
	httpd_resp_error(resp, EINVAL, "field \"%s\": missing or invalid",
	    field);
}

/* The "session" field of a live session; -1 after answering. */
static int
need_session(struct meta *m, const cJSON *j, uint64_t *id,
    struct httpd_resp *resp)
{
	if (json_get_u64(j, JF_SESSION, id) != 0 || *id == 0) {
		bad_field(resp, JF_SESSION);
		return -1;
	}
	if (!sessions_valid(m->sessions, *id)) {
		httpd_resp_error(resp, ESRCH, "no such session (expired?)");
		return -1;
	}
	return 0;
}

void
meta_h_session_open(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	const cJSON	*j = httpd_json(req);
	const char	*client = "";
	uint64_t	 id;
	int		 rc;
	cJSON		*o;

	cluster_count_request(m->cluster, CLUSTER_REQ_SESSION);
	if (meta_require_leader(req, resp))
		return;
	if ((rc = json_get_str(j, JF_CLIENT, &client)) == -EINVAL ||
	    strlen(client) >= SESSIONS_CLIENT_MAX) {
		bad_field(resp, JF_CLIENT);
		return;
	}
	if ((rc = sessions_open(m->sessions, client, &id)) != 0) {
		httpd_resp_error(resp, -rc, "opening a session failed");
		return;
	}
	o = json_new_object();
	json_add_u64(o, JF_SESSION, id);
	json_add_num(o, JF_TTL, sessions_ttl(m->sessions));
	json_add_u64(o, JF_BLOCK_SIZE, m->conf.block_size);
	json_add_num(o, JF_REPLICAS, (double)m->conf.cluster.replicas);
	httpd_resp_json(resp, 200, o);
}

void
meta_h_session_renew(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	uint64_t	 id;
	unsigned	 ttl;
	int		 rc;
	cJSON		*o;

	cluster_count_request(m->cluster, CLUSTER_REQ_SESSION);
	if (meta_require_leader(req, resp))
		return;
	if (json_get_u64(httpd_json(req), JF_SESSION, &id) != 0 || id == 0) {
		bad_field(resp, JF_SESSION);
		return;
	}
	if ((rc = sessions_renew(m->sessions, id, &ttl)) != 0) {
		if (rc == -ENOENT)
			httpd_resp_error(resp, ESRCH, "no such session "
			    "(expired): open a new one");
		else
			httpd_resp_error(resp, -rc, "renewing failed");
		return;
	}
	o = json_new_object();
	json_add_num(o, JF_TTL, ttl);
	httpd_resp_json(resp, 200, o);
}

void
meta_h_session_close(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	uint64_t	 id;

	cluster_count_request(m->cluster, CLUSTER_REQ_SESSION);
	if (meta_require_leader(req, resp))
		return;
	if (json_get_u64(httpd_json(req), JF_SESSION, &id) != 0 || id == 0) {
		bad_field(resp, JF_SESSION);
		return;
	}
	if (sessions_close(m->sessions, id) != 0) {
		httpd_resp_error(resp, ESRCH, "no such session");
		return;
	}
	httpd_resp_json(resp, 200, json_new_object());
}

/* ---- locks --------------------------------------------------------------- */

static const char *
type_name(enum locks_type t)
{
	switch (t) {
	case LOCKS_READ:
		return LOCK_TYPE_READ;
	case LOCKS_WRITE:
		return LOCK_TYPE_WRITE;
	case LOCKS_UNLOCK:
		return LOCK_TYPE_UNLOCK;
	}
	return LOCK_TYPE_UNLOCK;
}

/* Reads a lock request; unlock_ok: "unlock" is a valid type.  Returns 0
 * or -1 after answering. */
static int
parse_lock(struct meta *m, const cJSON *j, int unlock_ok,
    enum locks_kind *kind, struct locks_req *r, struct httpd_resp *resp)
{
	const char	*k, *t;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if (need_session(m, j, &r->session, resp) != 0)
		return -1;
	if (json_get_u64(j, JF_INO, &r->ino) != 0 || r->ino == 0) {
		bad_field(resp, JF_INO);
		return -1;
	}
	if (json_get_u64(j, JF_OWNER, &r->owner) != 0) {
		bad_field(resp, JF_OWNER);
		return -1;
	}
	if (json_get_str(j, JF_KIND, &k) != 0) {
		bad_field(resp, JF_KIND);
		return -1;
	}
	if (strcmp(k, LOCK_KIND_POSIX) == 0)
		*kind = LOCKS_POSIX;
	else if (strcmp(k, LOCK_KIND_FLOCK) == 0)
		*kind = LOCKS_FLOCK;
	else {
		bad_field(resp, JF_KIND);
		return -1;
	}
	if (json_get_str(j, JF_TYPE, &t) != 0) {
		bad_field(resp, JF_TYPE);
		return -1;
	}
	if (strcmp(t, LOCK_TYPE_READ) == 0)
		r->type = LOCKS_READ;
	else if (strcmp(t, LOCK_TYPE_WRITE) == 0)
		r->type = LOCKS_WRITE;
	else if (unlock_ok && strcmp(t, LOCK_TYPE_UNLOCK) == 0)
		r->type = LOCKS_UNLOCK;
	else {
		bad_field(resp, JF_TYPE);
		return -1;
	}
	r->start = 0;
	r->end = LOCKS_EOF;
	if (*kind == LOCKS_POSIX) {
		if ((rc = json_get_u64(j, JF_START, &r->start)) != 0 &&
		    rc != -ENOENT) {
			bad_field(resp, JF_START);
			return -1;
		}
		if ((rc = json_get_u64(j, JF_END, &r->end)) != 0 &&
		    rc != -ENOENT) {
			bad_field(resp, JF_END);
			return -1;
		}
		if (r->start > r->end) {
			httpd_resp_error(resp, EINVAL, "start after end");
			return -1;
		}
	}
	if (json_get_u32(j, JF_PID, &r->pid) == -EINVAL) {
		bad_field(resp, JF_PID);
		return -1;
	}
	return 0;
}

/* A conflicting lock whose session expired a moment ago (the expiry
 * thread has not swept it yet) or is gone must not count: ends the expired
 * sessions now and drops that session's locks.  Returns 1 when the caller
 * should look again. */
static int
reap(struct meta *m, const struct locks_req *conflict)
{
	if (sessions_valid(m->sessions, conflict->session))
		return 0;
	(void)sessions_tick(m->sessions);
	locks_session_gone(conflict->session, m->locks);
	return 1;
}

/* Persists the owner's locks after a change (sessions.h); -1 after
 * answering.  A failure leaves the change in this leader's memory: the
 * client sees the error and retries (set and unlock are idempotent). */
static int
save(struct meta *m, enum locks_kind kind, const struct locks_req *r,
    struct httpd_resp *resp)
{
	int	 rc;

	rc = sessions_save_locks(m->sessions, kind, r->ino, r->session,
	    r->owner);
	if (rc == 0)
		return 0;
	if (rc == -ESRCH)
		httpd_resp_error(resp, ESRCH, "the session expired");
	else
		httpd_resp_error(resp, -rc, "saving the lock failed");
	return -1;
}

static cJSON *
lock_json(const struct locks_req *r)
{
	cJSON	*o = json_new_object();

	json_add_str(o, JF_TYPE, type_name(r->type));
	json_add_u64(o, JF_START, r->start);
	json_add_u64(o, JF_END, r->end);
	json_add_num(o, JF_PID, r->pid);
	json_add_u64(o, JF_SESSION, r->session);
	json_add_u64(o, JF_OWNER, r->owner);
	return o;
}

void
meta_h_locks_get(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	struct locks_req r, c;
	enum locks_kind	 kind;
	cJSON		*o;
	int		 rc;

	cluster_count_request(m->cluster, CLUSTER_REQ_LOCK);
	if (meta_require_leader(req, resp))
		return;
	if (parse_lock(m, httpd_json(req), 0, &kind, &r, resp) != 0)
		return;
	if ((rc = locks_get(m->locks, kind, &r, &c)) == 1 && reap(m, &c))
		rc = locks_get(m->locks, kind, &r, &c);
	if (rc < 0) {
		httpd_resp_error(resp, -rc, "bad lock request");
		return;
	}
	if (rc == 0) {
		o = json_new_object();
		json_add_str(o, JF_TYPE, LOCK_TYPE_UNLOCK);
	} else
		o = lock_json(&c);
	httpd_resp_json(resp, 200, o);
}

void
meta_h_locks_set(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	const cJSON	*j = httpd_json(req);
	struct locks_req r, c;
	enum locks_kind	 kind;
	unsigned	 wait_ms = 0;
	int		 wait = 0, rc;
	cJSON		*o;

	cluster_count_request(m->cluster, CLUSTER_REQ_LOCK);
	if (meta_require_leader(req, resp))
		return;
	if (parse_lock(m, j, 1, &kind, &r, resp) != 0)
		return;
	if (json_get_bool(j, JF_WAIT, &wait) == -EINVAL) {
		bad_field(resp, JF_WAIT);
		return;
	}
	if (wait)
		wait_ms = (unsigned)m->conf.cluster.lock_wait * 1000;
	rc = locks_set(m->locks, kind, &r, wait_ms, &c);
	if (rc == -EAGAIN && reap(m, &c))
		rc = locks_set(m->locks, kind, &r, wait_ms, &c);
	if (rc == -EAGAIN) {
		o = json_new_object();
		json_add_bool(o, JF_GRANTED, 0);
		json_add_bool(o, JF_RETRY, wait);
		cJSON_AddItemToObject(o, JF_CONFLICT, lock_json(&c));
		httpd_resp_json(resp, 200, o);
		return;
	}
	if (rc != 0) {
		httpd_resp_error(resp, -rc, rc == -ENOLCK ?
		    "too many lock ranges" : "bad lock request");
		return;
	}
	if (r.type != LOCKS_UNLOCK && !sessions_valid(m->sessions, r.session)) {
		/* it expired while we waited: nobody would ever release it */
		locks_session_gone(r.session, m->locks);
		httpd_resp_error(resp, ESRCH, "the session expired");
		return;
	}
	if (save(m, kind, &r, resp) != 0)
		return;
	o = json_new_object();
	json_add_bool(o, JF_GRANTED, 1);
	httpd_resp_json(resp, 200, o);
}

void
meta_h_locks_release(struct httpd_req *req, struct httpd_resp *resp)
{
	struct meta	*m = httpd_arg(req);
	const cJSON	*j = httpd_json(req);
	uint64_t	 session, ino, owner;
	struct locks_req r;
	enum locks_kind	 kind;
	const char	*k;
	int		 rc;

	cluster_count_request(m->cluster, CLUSTER_REQ_LOCK);
	if (meta_require_leader(req, resp))
		return;
	if (need_session(m, j, &session, resp) != 0)
		return;
	if (json_get_u64(j, JF_INO, &ino) != 0 || ino == 0) {
		bad_field(resp, JF_INO);
		return;
	}
	if (json_get_u64(j, JF_OWNER, &owner) != 0) {
		bad_field(resp, JF_OWNER);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.ino = ino;
	r.session = session;
	r.owner = owner;
	if ((rc = json_get_str(j, JF_KIND, &k)) == -ENOENT) {
		locks_release_owner(m->locks, ino, session, owner);
		if (save(m, LOCKS_POSIX, &r, resp) != 0 ||
		    save(m, LOCKS_FLOCK, &r, resp) != 0)
			return;
	} else if (rc == 0 && (strcmp(k, LOCK_KIND_POSIX) == 0 ||
	    strcmp(k, LOCK_KIND_FLOCK) == 0)) {
		kind = strcmp(k, LOCK_KIND_POSIX) == 0 ? LOCKS_POSIX :
		    LOCKS_FLOCK;
		locks_release_kind(m->locks, kind, ino, session, owner);
		if (save(m, kind, &r, resp) != 0)
			return;
	} else {
		bad_field(resp, JF_KIND);
		return;
	}
	httpd_resp_json(resp, 200, json_new_object());
}
