/*
 * etcd_txn: building and committing etcd transactions.  A struct etcd_txn
 * only records compares and operations (with relative keys, copied), since
 * the client and its prefix are known only at commit; etcd_txn_commit()
 * turns them into one POST /v3/kv/txn
 *     {"compare":[{"target":"VALUE","result":"EQUAL","key":..,"value":..}],
 *      "success":[{"request_put":{..}},{"request_range":{..}}],
 *      "failure":[{"request_delete_range":{..}}]}
 * and picks the range answers of the branch taken out of "responses".
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/etcd.h"
#include "common/etcd_impl.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/xalloc.h"

enum txn_kind { TXN_PUT, TXN_DELETE, TXN_GET };

struct txn_cmp {
	char			*key;
	enum etcd_cmp_target	 target;
	enum etcd_cmp_op	 op;
	int64_t			 n;
	char			*value;
	size_t			 value_len;
};

struct txn_op {
	int			 then;
	enum txn_kind		 kind;
	char			*key;
	char			*value;
	size_t			 value_len;
	int64_t			 lease;
	int			 prefix;
};

struct etcd_txn {
	struct txn_cmp	*cmps;
	size_t		 ncmps;
	struct txn_op	*ops;
	size_t		 nops;
};

struct etcd_txn *
etcd_txn_new(void)
{
	return xcalloc(1, sizeof(struct etcd_txn));
}

void
etcd_txn_free(struct etcd_txn *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncmps; i++) {
		free(t->cmps[i].key);
		free(t->cmps[i].value);
	}
	for (i = 0; i < t->nops; i++) {
		free(t->ops[i].key);
		free(t->ops[i].value);
	}
	free(t->cmps);
	free(t->ops);
	free(t);
}

static struct txn_cmp *
txn_add_cmp(struct etcd_txn *t, const char *key)
{
	struct txn_cmp	*cmp;

	t->cmps = xrealloc(t->cmps, (t->ncmps + 1) * sizeof(*t->cmps));
	cmp = &t->cmps[t->ncmps++];
	memset(cmp, 0, sizeof(*cmp));
	cmp->key = xstrdup(key);
	return cmp;
}

void
etcd_txn_cmp(struct etcd_txn *t, const char *key, enum etcd_cmp_target tgt,
    enum etcd_cmp_op op, int64_t n)
{
	struct txn_cmp	*cmp = txn_add_cmp(t, key);

	cmp->target = tgt;
	cmp->op = op;
	cmp->n = n;
}

void
etcd_txn_cmp_value(struct etcd_txn *t, const char *key, enum etcd_cmp_op op,
    const void *value, size_t len)
{
	struct txn_cmp	*cmp = txn_add_cmp(t, key);

	cmp->target = ETCD_CMP_VALUE;
	cmp->op = op;
	cmp->value = xmalloc(len + 1);
	if (len > 0)
		memcpy(cmp->value, value, len);
	cmp->value_len = len;
}

static struct txn_op *
txn_add_op(struct etcd_txn *t, int then, enum txn_kind kind, const char *key)
{
	struct txn_op	*op;

	t->ops = xrealloc(t->ops, (t->nops + 1) * sizeof(*t->ops));
	op = &t->ops[t->nops++];
	memset(op, 0, sizeof(*op));
	op->then = then != 0;
	op->kind = kind;
	op->key = xstrdup(key);
	return op;
}

void
etcd_txn_put(struct etcd_txn *t, int then, const char *key,
    const void *value, size_t len, int64_t lease)
{
	struct txn_op	*op = txn_add_op(t, then, TXN_PUT, key);

	op->value = xmalloc(len + 1);
	if (len > 0)
		memcpy(op->value, value, len);
	op->value_len = len;
	op->lease = lease;
}

void
etcd_txn_delete(struct etcd_txn *t, int then, const char *key, int prefix)
{
	txn_add_op(t, then, TXN_DELETE, key)->prefix = prefix;
}

void
etcd_txn_get(struct etcd_txn *t, int then, const char *key)
{
	txn_add_op(t, then, TXN_GET, key);
}

size_t
etcd_txn_ops(const struct etcd_txn *t)
{
	return t->nops;
}

void
etcd_txn_result_release(struct etcd_txn_result *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nranges; i++)
		etcd_range_release(&r->ranges[i]);
	free(r->ranges);
	memset(r, 0, sizeof(*r));
}

static const char *const cmp_targets[] = {
	[ETCD_CMP_VALUE] = "VALUE",
	[ETCD_CMP_VERSION] = "VERSION",
	[ETCD_CMP_CREATE] = "CREATE",
	[ETCD_CMP_MOD] = "MOD",
};
static const char *const cmp_target_fields[] = {
	[ETCD_CMP_VALUE] = "value",
	[ETCD_CMP_VERSION] = "version",
	[ETCD_CMP_CREATE] = "create_revision",
	[ETCD_CMP_MOD] = "mod_revision",
};
static const char *const cmp_results[] = {
	[ETCD_EQUAL] = "EQUAL",
	[ETCD_NOT_EQUAL] = "NOT_EQUAL",
	[ETCD_GREATER] = "GREATER",
	[ETCD_LESS] = "LESS",
};

static cJSON *
txn_body(struct etcd_client *c, const struct etcd_txn *t)
{
	cJSON		*o, *cmps, *succ, *fail, *item, *op;
	const char	*name;
	char		*k;
	size_t		 i, klen;
	int		 rc = 0;

	o = json_new_object();
	cmps = json_new_array();
	succ = json_new_array();
	fail = json_new_array();
	cJSON_AddItemToObject(o, "compare", cmps);
	cJSON_AddItemToObject(o, "success", succ);
	cJSON_AddItemToObject(o, "failure", fail);
	for (i = 0; i < t->ncmps && rc == 0; i++) {
		const struct txn_cmp *cmp = &t->cmps[i];

		if ((unsigned)cmp->target > ETCD_CMP_MOD ||
		    (unsigned)cmp->op > ETCD_LESS) {
			rc = -EINVAL;
			break;
		}
		item = json_new_object();
		cJSON_AddItemToArray(cmps, item);
		json_add_str(item, "target", cmp_targets[cmp->target]);
		json_add_str(item, "result", cmp_results[cmp->op]);
		k = etcd_full_key(c, cmp->key, &klen);
		rc = etcd_add_b64(item, "key", k, klen);
		free(k);
		if (rc == 0 && cmp->target == ETCD_CMP_VALUE)
			rc = etcd_add_b64(item, "value", cmp->value,
			    cmp->value_len);
		else if (rc == 0)
			json_add_i64(item, cmp_target_fields[cmp->target],
			    cmp->n);
	}
	for (i = 0; i < t->nops && rc == 0; i++) {
		const struct txn_op *top = &t->ops[i];

		switch (top->kind) {
		case TXN_PUT:
			name = "request_put";
			op = etcd_put_body(c, top->key, top->value,
			    top->value_len, top->lease);
			break;
		case TXN_DELETE:
			name = "request_delete_range";
			op = etcd_delete_body(c, top->key, top->prefix);
			break;
		default:
			name = "request_range";
			op = json_new_object();
			k = etcd_full_key(c, top->key, &klen);
			if (etcd_add_b64(op, "key", k, klen) != 0) {
				cJSON_Delete(op);
				op = NULL;
			}
			free(k);
			break;
		}
		if (op == NULL) {
			rc = -E2BIG;
			break;
		}
		item = json_new_object();
		cJSON_AddItemToObject(item, name, op);
		cJSON_AddItemToArray(top->then ? succ : fail, item);
	}
	if (rc != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The ranges of the gets on the branch taken, in order. */
static int
txn_ranges(struct etcd_client *c, const struct etcd_txn *t, const cJSON *ans,
    struct etcd_txn_result *res)
{
	const cJSON	*resps = NULL, *item, *rr;
	size_t		 i, want = 0;
	int		 rc;

	for (i = 0; i < t->nops; i++)
		if (t->ops[i].then == res->succeeded &&
		    t->ops[i].kind == TXN_GET)
			want++;
	if (want == 0)
		return 0;
	if (json_get_array(ans, "responses", &resps) != 0 ||
	    !cJSON_IsArray(resps))
		return -EPROTO;
	if ((res->ranges = calloc(want, sizeof(*res->ranges))) == NULL)
		return -ENOMEM;
	cJSON_ArrayForEach(item, resps) {
		if (json_get_object(item, "response_range", &rr) != 0)
			continue;
		if (res->nranges == want)
			return -EPROTO;
		rc = etcd_parse_range(c, rr, &res->ranges[res->nranges]);
		if (rc != 0)
			return rc;
		if (res->ranges[res->nranges].revision == 0)
			res->ranges[res->nranges].revision = res->revision;
		res->nranges++;
	}
	return res->nranges == want ? 0 : -EPROTO;
}

int
etcd_txn_commit(struct etcd_client *c, struct etcd_txn *t,
    struct etcd_txn_result *res, char *err, size_t errlen)
{
	struct etcd_txn_result	 r = ETCD_TXN_RESULT_INIT;
	cJSON			*req, *ans = NULL;
	int			 rc;

	if (res != NULL)
		etcd_txn_result_release(res);
	if (t == NULL) {
		httpc_set_err(err, errlen, "etcd txn: no transaction");
		return -EINVAL;
	}
	if ((req = txn_body(c, t)) == NULL) {
		httpc_set_err(err, errlen,
		    "etcd txn: a compare is invalid or a value too large");
		return -EINVAL;
	}
	rc = etcd_call(c, "/v3/kv/txn", req, &ans, err, errlen);
	cJSON_Delete(req);
	if (rc != 0)
		return rc;
	rc = json_get_bool(ans, "succeeded", &r.succeeded);
	if (rc == -ENOENT) {
		r.succeeded = 0;
		rc = 0;
	}
	if (rc == 0)
		rc = etcd_header_revision(ans, &r.revision);
	if (rc == 0)
		rc = txn_ranges(c, t, ans, &r);
	cJSON_Delete(ans);
	if (rc != 0) {
		rc = rc == -ENOMEM ? rc : -EPROTO;
		httpc_set_err(err, errlen, "etcd /v3/kv/txn at %s: bad answer",
		    etcd_endpoint(c));
		etcd_txn_result_release(&r);
		return rc;
	}
	if (res != NULL)
		*res = r;
	else
		etcd_txn_result_release(&r);
	return 0;
}
