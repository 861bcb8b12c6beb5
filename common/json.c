/*
 * json: the typed field getters and setters over cJSON that every handler and
 * client uses, so type and range checks are written once.  64-bit integers
 * travel as decimal strings and are parsed by common/strnum.c; a JSON number
 * is accepted where an integer is wanted only when it is exactly an integer
 * below 2^53 (beyond that a double cannot hold every integer).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "common/log.h"
#include "common/strnum.h"

#define JSON_EXACT_LIMIT	9007199254740992.0	/* 2^53 */

static void
seterr(char *err, size_t errlen, const char *fmt, size_t off)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, off);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * cJSON's own require_null_terminated check cannot be used on a buffer that
 * is not NUL-terminated, so trailing data after the value is checked here:
 * only JSON whitespace may follow it.  The error offset comes from
 * return_parse_end, not from cJSON_GetErrorPtr(), which is a global.
 */
struct cJSON *
json_parse(const char *p, size_t len, char *err, size_t errlen)
{
	cJSON		*root;
	const char	*end = NULL;
	size_t		 off;

	if (p == NULL || len == 0) {
		seterr(err, errlen, "empty JSON text (offset %zu)", 0);
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(p, len, &end, 0);
	if (root == NULL) {
		off = (end != NULL && end >= p && end <= p + len) ?
		    (size_t)(end - p) : 0;
		seterr(err, errlen, "invalid JSON at offset %zu", off);
		return NULL;
	}
	off = (end != NULL && end >= p && end <= p + len) ?
	    (size_t)(end - p) : len;
	while (off < len && is_space(p[off]))
		off++;
	if (off < len) {
		cJSON_Delete(root);
		seterr(err, errlen, "unexpected data after JSON value at "
		    "offset %zu", off);
		return NULL;
	}
	return root;
}

char *
json_print(const struct cJSON *item)
{
	char	*s;

	/* NULL only for a NULL item (a caller's bug) or out of memory. */
	if ((s = cJSON_PrintUnformatted(item)) == NULL)
		fatalx("json_print: %s", item == NULL ? "NULL item" :
		    "out of memory");
	return s;
}

/*
 * The member named key of obj.  -EINVAL when obj is not an object (a caller
 * asked for a field of a value of the wrong type), -ENOENT when the key is
 * absent or its value is null.
 */
static int
member(const struct cJSON *obj, const char *key, const cJSON **out)
{
	const cJSON	*it;

	if (obj == NULL || !cJSON_IsObject(obj) || key == NULL)
		return -EINVAL;
	it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (it == NULL || cJSON_IsNull(it))
		return -ENOENT;
	*out = it;
	return 0;
}

int
json_get_str(const struct cJSON *obj, const char *key, const char **out)
{
	const cJSON	*it;
	int		 rc;

	if ((rc = member(obj, key, &it)) != 0)
		return rc;
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return -EINVAL;
	*out = it->valuestring;
	return 0;
}

/* An exact integer in [lo, hi] held by a JSON number. */
static int
exact_number(const cJSON *it, double lo, double hi, double *out)
{
	double	 d = it->valuedouble;

	/* Within +-2^53 the cast is exact, so it tells integers apart. */
	if (!(d >= lo && d <= hi) || (double)(int64_t)d != d)
		return -EINVAL;
	*out = d;
	return 0;
}

int
json_get_u64(const struct cJSON *obj, const char *key, uint64_t *out)
{
	const cJSON	*it;
	uint64_t	 v;
	double		 d;
	int		 rc;

	if ((rc = member(obj, key, &it)) != 0)
		return rc;
	if (cJSON_IsString(it)) {
		if (parse_u64(it->valuestring, 0, UINT64_MAX, &v) != 0)
			return -EINVAL;
	} else if (cJSON_IsNumber(it)) {
		if (exact_number(it, 0.0, JSON_EXACT_LIMIT - 1, &d) != 0)
			return -EINVAL;
		v = (uint64_t)d;
	} else
		return -EINVAL;
	*out = v;
	return 0;
}

int
json_get_i64(const struct cJSON *obj, const char *key, int64_t *out)
{
	const cJSON	*it;
	int64_t		 v;
	double		 d;
	int		 rc;

	if ((rc = member(obj, key, &it)) != 0)
		return rc;
	if (cJSON_IsString(it)) {
		if (parse_i64(it->valuestring, INT64_MIN, INT64_MAX, &v) != 0)
			return -EINVAL;
	} else if (cJSON_IsNumber(it)) {
		if (exact_number(it, -(JSON_EXACT_LIMIT - 1),
		    JSON_EXACT_LIMIT - 1, &d) != 0)
			return -EINVAL;
		v = (int64_t)d;
	} else
		return -EINVAL;
	*out = v;
	return 0;
}

int
json_get_u32(const struct cJSON *obj, const char *key, uint32_t *out)
{
	uint64_t	 v;
	int		 rc;

	if ((rc = json_get_u64(obj, key, &v)) != 0)
		return rc;
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
json_get_bool(const struct cJSON *obj, const char *key, int *out)
{
	const cJSON	*it;
	int		 rc;

	if ((rc = member(obj, key, &it)) != 0)
		return rc;
	if (!cJSON_IsBool(it))
		return -EINVAL;
	*out = cJSON_IsTrue(it) ? 1 : 0;
	return 0;
}

int
json_get_array(const struct cJSON *obj, const char *key,
    const struct cJSON **out)
{
	const cJSON	*it;
	int		 rc;

	if ((rc = member(obj, key, &it)) != 0)
		return rc;
	if (!cJSON_IsArray(it))
		return -EINVAL;
	*out = it;
	return 0;
}

int
json_get_object(const struct cJSON *obj, const char *key,
    const struct cJSON **out)
{
	const cJSON	*it;
	int		 rc;

	if ((rc = member(obj, key, &it)) != 0)
		return rc;
	if (!cJSON_IsObject(it))
		return -EINVAL;
	*out = it;
	return 0;
}

/* Hands item to obj; a NULL item is the allocation that failed. */
static void
add(struct cJSON *obj, const char *key, cJSON *item)
{
	if (item == NULL || !cJSON_AddItemToObject(obj, key, item))
		fatalx("json: adding \"%s\": out of memory", key);
}

void
json_add_str(struct cJSON *obj, const char *key, const char *v)
{
	add(obj, key, cJSON_CreateString(v));
}

void
json_add_u64(struct cJSON *obj, const char *key, uint64_t v)
{
	char	 s[24];

	snprintf(s, sizeof(s), "%" PRIu64, v);
	add(obj, key, cJSON_CreateString(s));
}

void
json_add_i64(struct cJSON *obj, const char *key, int64_t v)
{
	char	 s[24];

	snprintf(s, sizeof(s), "%" PRId64, v);
	add(obj, key, cJSON_CreateString(s));
}

void
json_add_num(struct cJSON *obj, const char *key, double v)
{
	add(obj, key, cJSON_CreateNumber(v));
}

void
json_add_uint(struct cJSON *obj, const char *key, uint64_t v)
{
	char	 s[24];

	if (v > JSON_UINT_MAX)
		fatalx("json: \"%s\": %" PRIu64 " is past 2^53", key, v);
	snprintf(s, sizeof(s), "%" PRIu64, v);
	add(obj, key, cJSON_CreateRaw(s));
}

void
json_add_bool(struct cJSON *obj, const char *key, int v)
{
	add(obj, key, cJSON_CreateBool(v ? 1 : 0));
}

struct cJSON *
json_new_object(void)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("json_new_object: out of memory");
	return o;
}

struct cJSON *
json_new_array(void)
{
	cJSON	*a;

	if ((a = cJSON_CreateArray()) == NULL)
		fatalx("json_new_array: out of memory");
	return a;
}
