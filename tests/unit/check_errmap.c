/*
 * check_errmap: the statuses fixed by the design, the exact round trip of
 * every filesystem errno through its code, the fallbacks for unknown errnos,
 * codes and statuses, and the error body in both directions.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/errmap.h"
#include "common/json.h"
#include "tests/lib/check_main.h"

/* ---- core ---------------------------------------------------------------- */

/* Every errno the design names, with its status and code. */
static const struct {
	int		 err;
	int		 status;
	const char	*code;
} fixed[] = {
	{ EINVAL, 400, "EINVAL" },
	{ EBADMSG, 400, "EBADMSG" },
	{ ENAMETOOLONG, 400, "ENAMETOOLONG" },
	{ EACCES, 403, "EACCES" },
	{ EPERM, 403, "EPERM" },
	{ EKEYEXPIRED, 403, "EKEYEXPIRED" },
	{ ENOENT, 404, "ENOENT" },
	{ EEXIST, 409, "EEXIST" },
	{ ENOTEMPTY, 409, "ENOTEMPTY" },
	{ EFBIG, 413, "EFBIG" },
	{ ERANGE, 416, "ERANGE" },
	{ EILSEQ, 422, "EILSEQ" },
	{ EIO, 500, "EIO" },
	{ EAGAIN, 503, "EAGAIN" },
	{ ETIMEDOUT, 504, "ETIMEDOUT" },
	{ ENOSPC, 507, "ENOSPC" },
	{ ENOTDIR, 409, "ENOTDIR" },
	{ EISDIR, 409, "EISDIR" },
	{ ESTALE, 410, "ESTALE" },
	{ ELOOP, 508, "ELOOP" },
	{ EMLINK, 409, "EMLINK" },
	{ EXDEV, 400, "EXDEV" },
	{ ENODATA, 404, "ENODATA" },
	{ E2BIG, 413, "E2BIG" },
	{ EDQUOT, 507, "EDQUOT" },
	{ EROFS, 403, "EROFS" },
	{ EBUSY, 409, "EBUSY" },
	{ EDEADLK, 409, "EDEADLK" },
	{ ENOLCK, 503, "ENOLCK" },
	{ ECONNREFUSED, 502, "ECONNREFUSED" },
	{ EHOSTUNREACH, 502, "EHOSTUNREACH" },
	{ EPROTO, 502, "EPROTO" },
	{ EOVERFLOW, 400, "EOVERFLOW" },
	{ EOPNOTSUPP, 501, "EOPNOTSUPP" },
	{ EBADF, 400, "EBADF" },
	{ ENXIO, 404, "ENXIO" },
	{ ENOKEY, 401, "ENOKEY" },
};

START_TEST(test_fixed)
{
	ck_assert_int_eq(errmap_status(fixed[_i].err), fixed[_i].status);
	ck_assert_str_eq(errmap_code(fixed[_i].err), fixed[_i].code);
	ck_assert_int_eq(errmap_from_code(fixed[_i].code), fixed[_i].err);
}
END_TEST

/* Aliases: the same errno under two names decodes from either. */
START_TEST(test_aliases)
{
	ck_assert_int_eq(errmap_from_code("ENOTSUP"), ENOTSUP);
	ck_assert_int_eq(errmap_from_code("EOPNOTSUPP"), EOPNOTSUPP);
	ck_assert_int_eq(errmap_status(ENOTSUP), 501);
	ck_assert_int_eq(errmap_from_code("EWOULDBLOCK"), EWOULDBLOCK);
	ck_assert_int_eq(errmap_from_code("EDEADLOCK"), EDEADLOCK);
	ck_assert_int_eq(errmap_from_code(errmap_code(ENOTSUP)), ENOTSUP);
}
END_TEST

static const struct {
	int	 status;
	int	 err;
} by_status[] = {
	{ 400, EINVAL }, { 401, EACCES }, { 403, EACCES }, { 404, ENOENT },
	{ 408, ETIMEDOUT }, { 409, EEXIST }, { 410, ESTALE }, { 413, EFBIG },
	{ 414, ENAMETOOLONG }, { 416, ERANGE }, { 422, EILSEQ },
	{ 429, EAGAIN }, { 500, EIO }, { 501, EOPNOTSUPP }, { 502, EIO },
	{ 503, EAGAIN }, { 504, ETIMEDOUT }, { 507, ENOSPC }, { 508, ELOOP },
};

START_TEST(test_from_status)
{
	ck_assert_int_eq(errmap_from_status(by_status[_i].status),
	    by_status[_i].err);
}
END_TEST

START_TEST(test_body_round_trip)
{
	cJSON		*b, *r;
	char		*text, msg[64], err[128];
	const char	*s;

	b = errmap_body(ENOTEMPTY, "directory \"d\" not empty");
	text = json_print(b);
	ck_assert_str_eq(text, "{\"error\":\"ENOTEMPTY\","
	    "\"message\":\"directory \\\"d\\\" not empty\"}");
	r = json_parse(text, strlen(text), err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	memset(msg, 'x', sizeof(msg));
	ck_assert_int_eq(errmap_decode(r, 409, msg, sizeof(msg)), ENOTEMPTY);
	ck_assert_str_eq(msg, "directory \"d\" not empty");
	/* The code wins over the status, and msg may be omitted. */
	ck_assert_int_eq(errmap_decode(r, 500, NULL, 0), ENOTEMPTY);
	free(text);
	cJSON_Delete(r);
	cJSON_Delete(b);

	/* A NULL message becomes the system's text. */
	b = errmap_body(ENOENT, NULL);
	ck_assert_int_eq(json_get_str(b, "error", &s), 0);
	ck_assert_str_eq(s, "ENOENT");
	ck_assert_int_eq(json_get_str(b, "message", &s), 0);
	ck_assert_str_eq(s, strerror(ENOENT));
	cJSON_Delete(b);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

/* ENOSYS is deliberately absent: FUSE takes it as "never call this op
 * again", so no server error may turn into it. */
static const int unknown_errs[] = { 0, -1, -ENOENT, 4095, 100000, ENOSYS };

START_TEST(test_unknown_errno)
{
	int	 e = unknown_errs[_i];

	ck_assert_int_eq(errmap_status(e), 500);
	ck_assert_str_eq(errmap_code(e), "EIO");
}
END_TEST

static const char *const unknown_codes[] = {
	"", "enoent", "ENOENT ", " ENOENT", "ENOEN", "ENOENTX", "EUNKNOWN",
	"404", "E", "ENOSYS",
};

START_TEST(test_unknown_code)
{
	ck_assert_int_eq(errmap_from_code(unknown_codes[_i]), 0);
}
END_TEST

START_TEST(test_from_code_null)
{
	ck_assert_int_eq(errmap_from_code(NULL), 0);
}
END_TEST

START_TEST(test_unknown_status)
{
	static const int	 st[] = { 0, 200, 204, 307, 418, 499, 599, -1 };
	size_t			 i;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		ck_assert_int_eq(errmap_from_status(st[i]), EIO);
}
END_TEST

/* Bodies that carry no usable code fall back on the status. */
static const struct {
	const char	*body;		/* NULL: no body at all */
	int		 status;
	int		 want;
	const char	*msg;
} decode_bad[] = {
	{ NULL, 404, ENOENT, "" },
	{ NULL, 418, EIO, "" },
	{ "{}", 409, EEXIST, "" },
	{ "{\"error\":\"EBOGUS\",\"message\":\"m\"}", 503, EAGAIN, "m" },
	{ "{\"error\":\"EBOGUS\"}", 299, EIO, "" },
	{ "{\"error\":2,\"message\":7}", 404, ENOENT, "" },
	{ "{\"error\":null}", 413, EFBIG, "" },
	{ "{\"error\":\"enoent\"}", 500, EIO, "" },
	{ "[\"ENOENT\"]", 400, EINVAL, "" },
	{ "\"ENOENT\"", 400, EINVAL, "" },
	{ "{\"message\":\"only a message\"}", 507, ENOSPC,
	    "only a message" },
};

START_TEST(test_decode_bad)
{
	cJSON	*b = NULL;
	char	 msg[64];

	if (decode_bad[_i].body != NULL) {
		b = json_parse(decode_bad[_i].body,
		    strlen(decode_bad[_i].body), NULL, 0);
		ck_assert_ptr_nonnull(b);
	}
	memset(msg, 'x', sizeof(msg));
	ck_assert_int_eq(errmap_decode(b, decode_bad[_i].status, msg,
	    sizeof(msg)), decode_bad[_i].want);
	ck_assert_str_eq(msg, decode_bad[_i].msg);
	cJSON_Delete(b);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

/* Over every errno number: a 4xx/5xx status, and a code that decodes back to
 * exactly the same errno whenever the errno is known. */
START_TEST(test_all_errnos)
{
	const char	*code;
	cJSON		*body;
	int		 e, st, known = 0;

	for (e = 1; e < 4096; e++) {
		st = errmap_status(e);
		ck_assert_msg(st >= 400 && st <= 599, "errno %d: status %d",
		    e, st);
		code = errmap_code(e);
		ck_assert_ptr_nonnull(code);
		ck_assert_int_ne(errmap_from_code(code), 0);
		if (strcmp(code, "EIO") == 0 && e != EIO) {
			ck_assert_int_eq(st, 500);
			continue;
		}
		known++;
		ck_assert_msg(errmap_from_code(code) == e, "errno %d: code %s "
		    "decodes to %d", e, code, errmap_from_code(code));
		/* Its body decodes back to it whatever the status says. */
		body = errmap_body(e, NULL);
		ck_assert_int_eq(errmap_decode(body, 500, NULL, 0), e);
		cJSON_Delete(body);
	}
	ck_assert_int_ge(known, 40);
}
END_TEST

START_TEST(test_decode_msg_truncated)
{
	cJSON	*b = errmap_body(EIO, "a rather long message text");
	char	 msg[8];

	ck_assert_int_eq(errmap_decode(b, 500, msg, sizeof(msg)), EIO);
	ck_assert_str_eq(msg, "a rathe");
	/* msglen 0: msg is not touched at all. */
	msg[0] = '#';
	ck_assert_int_eq(errmap_decode(b, 500, msg, 0), EIO);
	ck_assert_int_eq(msg[0], '#');
	cJSON_Delete(b);
}
END_TEST

START_TEST(test_body_unknown_errno)
{
	cJSON		*b = errmap_body(4000, "odd");
	const char	*s;

	ck_assert_int_eq(json_get_str(b, "error", &s), 0);
	ck_assert_str_eq(s, "EIO");
	ck_assert_int_eq(errmap_decode(b, 200, NULL, 0), EIO);
	cJSON_Delete(b);
}
END_TEST

static Suite *
errmap_suite(void)
{
	Suite	*s = suite_create("errmap");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_fixed, 0, sizeof(fixed) / sizeof(fixed[0]));
	tcase_add_test(tc, test_aliases);
	tcase_add_loop_test(tc, test_from_status, 0,
	    sizeof(by_status) / sizeof(by_status[0]));
	tcase_add_test(tc, test_body_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_unknown_errno, 0,
	    sizeof(unknown_errs) / sizeof(unknown_errs[0]));
	tcase_add_loop_test(tc, test_unknown_code, 0,
	    sizeof(unknown_codes) / sizeof(unknown_codes[0]));
	tcase_add_test(tc, test_from_code_null);
	tcase_add_test(tc, test_unknown_status);
	tcase_add_loop_test(tc, test_decode_bad, 0,
	    sizeof(decode_bad) / sizeof(decode_bad[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_all_errnos);
	tcase_add_test(tc, test_decode_msg_truncated);
	tcase_add_test(tc, test_body_unknown_errno);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(errmap_suite());
}
