/*
 * etcd_lease: lease grant, keepalive and revoke over the gateway.  A
 * keepalive is a stream of one request: the gateway answers one
 * {"result":{"ID":..,"TTL":".."}} and a lease that is gone comes back
 * without a TTL.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/etcd.h"
#include "common/etcd_impl.h"
#include "common/httpc.h"
#include "common/json.h"

int
etcd_lease_grant(struct etcd_client *c, int64_t ttl_s, int64_t *id,
    char *err, size_t errlen)
{
	cJSON		*req, *ans = NULL;
	const char	*e;
	int64_t		 lid;
	int		 rc;

	if (ttl_s <= 0) {
		httpc_set_err(err, errlen, "etcd lease grant: TTL %" PRId64
		    " is not positive", ttl_s);
		return -EINVAL;
	}
	req = json_new_object();
	json_add_i64(req, "TTL", ttl_s);
	rc = etcd_call(c, "/v3/lease/grant", req, &ans, err, errlen);
	cJSON_Delete(req);
	if (rc != 0)
		return rc;
	if (json_get_str(ans, "error", &e) == 0 && *e != '\0') {
		httpc_set_err(err, errlen, "etcd /v3/lease/grant at %s: %s",
		    etcd_endpoint(c), e);
		rc = -EINVAL;
	} else if (etcd_get_i64(ans, "ID", &lid) != 0 || lid <= 0) {
		httpc_set_err(err, errlen, "etcd /v3/lease/grant at %s: no "
		    "lease ID in the answer", etcd_endpoint(c));
		rc = -EPROTO;
	} else if (id != NULL)
		*id = lid;
	cJSON_Delete(ans);
	return rc;
}

int
etcd_lease_keepalive(struct etcd_client *c, int64_t id, int64_t *ttl,
    char *err, size_t errlen)
{
	cJSON		*req, *ans = NULL;
	const cJSON	*res, *e;
	int64_t		 t;
	int		 rc;

	if (id <= 0) {
		httpc_set_err(err, errlen,
		    "etcd lease keepalive: bad lease ID");
		return -EINVAL;
	}
	req = json_new_object();
	json_add_i64(req, "ID", id);
	/* a stream of one request: one {"result":{...}} comes back */
	rc = etcd_call(c, "/v3/lease/keepalive", req, &ans, err, errlen);
	cJSON_Delete(req);
	if (rc != 0)
		return rc;
	if (json_get_object(ans, "error", &e) == 0) {
		const char	*m = "stream error";

		if (json_get_str(e, "message", &m) != 0)
			m = "stream error";
		httpc_set_err(err, errlen, "etcd /v3/lease/keepalive at %s: %s",
		    etcd_endpoint(c), m);
		rc = -EIO;
	} else if (json_get_object(ans, "result", &res) != 0 ||
	    etcd_get_i64(res, "TTL", &t) != 0) {
		httpc_set_err(err, errlen,
		    "etcd /v3/lease/keepalive at %s: bad answer",
		    etcd_endpoint(c));
		rc = -EPROTO;
	} else if (t <= 0) {
		/* an unknown or expired lease comes back without a TTL */
		httpc_set_err(err, errlen, "etcd lease %" PRId64 " has expired",
		    id);
		rc = -ENOENT;
	} else if (ttl != NULL)
		*ttl = t;
	cJSON_Delete(ans);
	return rc;
}

int
etcd_lease_revoke(struct etcd_client *c, int64_t id, char *err,
    size_t errlen)
{
	cJSON	*req, *ans = NULL;
	int	 rc;

	if (id <= 0) {
		httpc_set_err(err, errlen, "etcd lease revoke: bad lease ID");
		return -EINVAL;
	}
	req = json_new_object();
	json_add_i64(req, "ID", id);
	rc = etcd_call(c, "/v3/lease/revoke", req, &ans, err, errlen);
	cJSON_Delete(req);
	cJSON_Delete(ans);
	return rc;
}
