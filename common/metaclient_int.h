/*
 * metaclient_int: what metaclient.c (transport, sessions, locks) shares with
 * metaclient_fs.c (the /v1/fs routes).  Internal to the module.
 */
#ifndef MINIDFS_METACLIENT_INT_H
#define MINIDFS_METACLIENT_INT_H

#include <stdint.h>

struct cJSON;
struct metaclient;
struct mc_attr;
struct mc_caller;

/* Sends one request, following the leader and failing over for at most
 * the client's retry time.  Returns 0 with *resp (may be NULL: empty body;
 * caller cJSON_Delete()s), or -errno. */
int	 mc_call(struct metaclient *, const char *method, const char *path,
	    const struct cJSON *body, struct cJSON **resp);
/* A new object {"key":"ino"}. */
struct cJSON	*mc_obj_ino(const char *key, uint64_t ino);
/* Sends o (freed here); decodes an {"attr":{...}} answer into a when a is
 * not NULL. */
int	 mc_send_attr(struct metaclient *, const char *route, struct cJSON *o,
	    struct mc_attr *a);
/* Decodes an attr object; -EIO when a field is missing or ill-typed. */
int	 mc_decode_attr(const struct cJSON *, struct mc_attr *);
/* Decodes {"attr":{...}}. */
int	 mc_attr_of(const struct cJSON *resp, struct mc_attr *);
/* Adds "caller" to o (nothing for NULL: the metaserver takes root). */
void	 mc_add_caller(struct cJSON *o, const struct mc_caller *);
/* After an ESRCH for session `failed`: opens a new session unless another
 * thread did.  0 when the call may be retried. */
int	 mc_session_refresh(struct metaclient *, uint64_t failed);

#endif /* MINIDFS_METACLIENT_INT_H */
