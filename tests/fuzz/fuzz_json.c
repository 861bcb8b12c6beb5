/*
 * fuzz_json: common/json.c, which every JSON body goes through (httpd parses
 * with json_parse, handlers read with the json_get_* getters).  An input is
 * a body.  json_parse never crashes and takes at most len bytes (the input
 * is not NUL-terminated here: ASan sees any read past it); an accepted body
 * prints (json_print) to text that parses again; every getter on every
 * member, at every depth, answers 0, -ENOENT or -EINVAL, and what it
 * accepts survives a trip through the matching setter; names_valid_str
 * answers 0 or a negative errno on every string.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "common/names.h"
#include "common/xalloc.h"
#include "tests/fuzz/fuzz.h"

#define DEPTH_MAX	16

static void
rc_ok(int rc, const char *what)
{
	if (rc != 0 && rc != -ENOENT && rc != -EINVAL)
		fuzz_fail("%s: %d", what, rc);
}

static void
getters(const cJSON *obj, const char *key)
{
	const cJSON	*sub;
	const char	*s;
	cJSON		*o;
	uint64_t	 u, u2;
	int64_t		 i, i2;
	uint32_t	 w;
	int		 b, rc;

	rc = json_get_str(obj, key, &s);
	rc_ok(rc, "json_get_str");
	if (rc == 0) {
		rc = names_valid_str(s);
		if (rc > 0)
			fuzz_fail("names_valid_str: %d", rc);
	}
	o = json_new_object();
	if ((rc = json_get_u64(obj, key, &u)) == 0) {
		json_add_u64(o, "v", u);
		if (json_get_u64(o, "v", &u2) != 0 || u2 != u)
			fuzz_fail("u64 round trip");
	}
	rc_ok(rc, "json_get_u64");
	if ((rc = json_get_i64(obj, key, &i)) == 0) {
		json_add_i64(o, "w", i);
		if (json_get_i64(o, "w", &i2) != 0 || i2 != i)
			fuzz_fail("i64 round trip");
	}
	rc_ok(rc, "json_get_i64");
	cJSON_Delete(o);
	rc_ok(json_get_u32(obj, key, &w), "json_get_u32");
	rc_ok(json_get_bool(obj, key, &b), "json_get_bool");
	if ((rc = json_get_array(obj, key, &sub)) == 0 && !cJSON_IsArray(sub))
		fuzz_fail("json_get_array: not an array");
	rc_ok(rc, "json_get_array");
	if ((rc = json_get_object(obj, key, &sub)) == 0 &&
	    !cJSON_IsObject(sub))
		fuzz_fail("json_get_object: not an object");
	rc_ok(rc, "json_get_object");
}

static void
walk(const cJSON *j, int depth)
{
	const cJSON	*c;

	if (depth > DEPTH_MAX)
		return;
	getters(j, "");
	getters(j, "absent");
	cJSON_ArrayForEach(c, j) {
		if (c->string != NULL)
			getters(j, c->string);
		walk(c, depth + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON	*j, *again;
	char	*buf, *text, err[256];

	/* an exact-size copy, so a read past len is a heap overflow */
	buf = xmalloc(size > 0 ? size : 1);
	memcpy(buf, data, size);
	j = json_parse(buf, size, err, sizeof(err));
	free(buf);
	if (j == NULL) {
		if (err[0] == '\0')
			fuzz_fail("json_parse refused without a message");
		return 0;
	}
	walk(j, 0);
	text = json_print(j);
	if ((again = json_parse(text, strlen(text), err, sizeof(err))) ==
	    NULL)
		fuzz_fail("printed JSON does not parse: %s", err);
	cJSON_Delete(again);
	free(text);
	cJSON_Delete(j);
	return 0;
}
