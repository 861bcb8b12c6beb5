/*
 * check_token: tokens against vectors computed outside (Python's hmac), the
 * round trip for every ops set, each tampered field, expiry, wrong secret,
 * wrong subject, malformed texts (-EINVAL each), subject "*", op 'a', and
 * token_load_secret's refusals of loose modes, short and long secrets.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/token.h"
#include "tests/lib/check_main.h"

#define SECRET		"0123456789abcdef"
#define SECRET_LEN	(sizeof(SECRET) - 1)
#define SUBJ		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define OTHER_SUBJ	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define NOW		INT64_C(1700000000)

/* Computed with Python: hmac.new(SECRET, b"minidfs-token-v1\n<expiry>\n
 * <ops>\n<subject>", sha256).hexdigest(). */
#define VECTOR_RW	"1700000000.rw." SUBJ ".b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687"
#define VECTOR_ALL	"0.a.*.464a8cc377e763c9050237da4652497bac117b87bf22d805e71ac5822259702a"

static char	*tmpdir;

static void
tmp_setup(void)
{
	char	 t[] = "/tmp/check_token.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(t));
	tmpdir = strdup(t);
	ck_assert_ptr_nonnull(tmpdir);
}

/* The tests create only these names in tmpdir. */
static void
tmp_teardown(void)
{
	static const char *const names[] = { "secret", "s" };
	char	 path[512];
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	if (rmdir(tmpdir) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	free(tmpdir);
	tmpdir = NULL;
}

static char *
sign_ok(const char *subject, unsigned ops, int64_t expiry)
{
	static char	 tok[TOKEN_MAX_LEN];

	ck_assert_int_eq(token_sign(SECRET, SECRET_LEN, subject, ops, expiry,
	    tok, sizeof(tok)), 0);
	return tok;
}

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_vector)
{
	ck_assert_str_eq(sign_ok(SUBJ, TOKEN_OP_READ | TOKEN_OP_WRITE, NOW),
	    VECTOR_RW);
	ck_assert_str_eq(sign_ok("*", TOKEN_OP_ALL, 0), VECTOR_ALL);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, VECTOR_RW, SUBJ,
	    TOKEN_OP_READ, NOW), 0);
}
END_TEST

START_TEST(test_round_trip)
{
	char	*t = sign_ok(SUBJ, TOKEN_OP_READ | TOKEN_OP_WRITE, NOW + 600);

	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, NOW), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_WRITE, NOW), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ | TOKEN_OP_WRITE, NOW), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ, 0, NOW), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_DELETE, NOW), -EACCES);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ | TOKEN_OP_DELETE, NOW), -EACCES);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_ALL, NOW), -EACCES);
}
END_TEST

/* Every non-empty ops set: letters in "rwda" order, and it verifies. */
START_TEST(test_every_ops)
{
	unsigned	 ops = (unsigned)_i, need;
	char		*t, want[8], *p = want;
	const char	*l;

	if (ops & TOKEN_OP_READ)
		*p++ = 'r';
	if (ops & TOKEN_OP_WRITE)
		*p++ = 'w';
	if (ops & TOKEN_OP_DELETE)
		*p++ = 'd';
	if (ops & TOKEN_OP_ALL)
		*p++ = 'a';
	*p = '\0';
	t = sign_ok(SUBJ, ops, NOW);
	l = strchr(t, '.') + 1;
	ck_assert_int_eq(strncmp(l, want, strlen(want)), 0);
	ck_assert_int_eq(l[strlen(want)], '.');
	for (need = 0; need < 16; need++)
		ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
		    need, NOW), (ops & TOKEN_OP_ALL) || (need & ~ops) == 0 ?
		    0 : -EACCES);
}
END_TEST

START_TEST(test_subject_any)
{
	char	*t = sign_ok(TOKEN_SUBJECT_ANY, TOKEN_OP_READ, NOW);

	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, NOW), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, OTHER_SUBJ,
	    TOKEN_OP_READ, NOW), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, NULL,
	    TOKEN_OP_READ, NOW), 0);
	/* "*" widens the subject, not the ops. */
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_WRITE, NOW), -EACCES);
}
END_TEST

START_TEST(test_op_all)
{
	char	*t = sign_ok(TOKEN_SUBJECT_ANY, TOKEN_OP_ALL, NOW);

	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ | TOKEN_OP_WRITE | TOKEN_OP_DELETE, NOW), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, NULL,
	    TOKEN_OP_ALL, NOW), 0);
	/* 'a' grants every op on every subject, even when signed for one. */
	t = sign_ok(SUBJ, TOKEN_OP_ALL, NOW);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, OTHER_SUBJ,
	    TOKEN_OP_DELETE, NOW), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, "*",
	    TOKEN_OP_ALL, NOW), 0);
	/* ... but not past its expiry. */
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_ALL, NOW + 1), -EKEYEXPIRED);
}
END_TEST

START_TEST(test_load_secret)
{
	char	 path[512], *s = NULL, err[256] = "";
	size_t	 len = 0;
	FILE	*f;

	snprintf(path, sizeof(path), "%s/secret", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("0123456789abcdefXYZ\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(token_load_secret(path, &s, &len, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(len, 19);
	ck_assert_int_eq(memcmp(s, "0123456789abcdefXYZ", 19), 0);
	ck_assert_int_eq(s[len], '\0');
	/* The secret signs tokens that verify with the same bytes. */
	{
		char	 t[TOKEN_MAX_LEN];

		ck_assert_int_eq(token_sign(s, len, SUBJ, TOKEN_OP_READ, NOW,
		    t, sizeof(t)), 0);
		ck_assert_int_eq(token_verify("0123456789abcdefXYZ", 19, t,
		    SUBJ, TOKEN_OP_READ, NOW), 0);
	}
	free(s);
	/* Owner-only read, no write bit at all: still fine. */
	ck_assert_int_eq(chmod(path, 0400), 0);
	ck_assert_int_eq(token_load_secret(path, &s, &len, NULL, 0), 0);
	free(s);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

/* Flips the character at position pos to another of the same class. */
static void
flip(char *t, size_t pos)
{
	if (t[pos] >= '0' && t[pos] <= '8')
		t[pos]++;
	else if (t[pos] == '9')
		t[pos] = '0';
	else if (t[pos] >= 'a' && t[pos] <= 'e')
		t[pos]++;
	else
		t[pos] = 'a';
}

START_TEST(test_tampered_mac)
{
	char	 t[TOKEN_MAX_LEN];
	size_t	 i, start;

	strcpy(t, VECTOR_RW);
	start = strlen(t) - 64;
	for (i = start; i < strlen(t); i++) {
		flip(t, i);
		ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
		    TOKEN_OP_READ, NOW), -EACCES);
		strcpy(t, VECTOR_RW);
	}
}
END_TEST

static const struct {
	const char	*token;
	const char	*subject;
} tampered[] = {
	/* later expiry */
	{ "1700000001.rw." SUBJ ".b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687", SUBJ },
	{ "2700000000.rw." SUBJ ".b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687", SUBJ },
	/* more ops */
	{ "1700000000.rwd." SUBJ ".b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687", SUBJ },
	{ "1700000000.a." SUBJ ".b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687", SUBJ },
	{ "1700000000.r." SUBJ ".b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687", SUBJ },
	/* another subject, or "*" */
	{ "1700000000.rw." OTHER_SUBJ ".b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687", OTHER_SUBJ },
	{ "1700000000.rw.*.b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687", SUBJ },
	/* the mac of another token */
	{ "1700000000.rw." SUBJ ".464a8cc377e763c9050237da4652497bac117b87bf22d805e71ac5822259702a", SUBJ },
};

START_TEST(test_tampered_fields)
{
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, tampered[_i].token,
	    tampered[_i].subject, TOKEN_OP_READ, NOW), -EACCES);
}
END_TEST

START_TEST(test_expired)
{
	char	*t = sign_ok(SUBJ, TOKEN_OP_READ, NOW);

	/* Valid through the second of its expiry, expired after. */
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, NOW), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, NOW + 1), -EKEYEXPIRED);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, INT64_MAX), -EKEYEXPIRED);
	/* A forged token learns nothing about expiry: bad mac first. */
	ck_assert_int_eq(token_verify("another secret!!", 16, t, SUBJ,
	    TOKEN_OP_READ, NOW + 1), -EACCES);
}
END_TEST

START_TEST(test_wrong_secret)
{
	char	*t = sign_ok(SUBJ, TOKEN_OP_READ, NOW);

	ck_assert_int_eq(token_verify("0123456789abcdeF", SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, NOW), -EACCES);
	/* A prefix of the right secret is another secret. */
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN - 1, t, SUBJ,
	    TOKEN_OP_READ, NOW), -EACCES);
	ck_assert_int_eq(token_verify(SECRET "x", SECRET_LEN + 1, t, SUBJ,
	    TOKEN_OP_READ, NOW), -EACCES);
	ck_assert_int_eq(token_verify(SECRET, 0, t, SUBJ, TOKEN_OP_READ, NOW),
	    -EINVAL);
	ck_assert_int_eq(token_verify(NULL, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, NOW), -EINVAL);
}
END_TEST

START_TEST(test_wrong_subject)
{
	char	*t = sign_ok(SUBJ, TOKEN_OP_READ, NOW);

	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, OTHER_SUBJ,
	    TOKEN_OP_READ, NOW), -EACCES);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, "*",
	    TOKEN_OP_READ, NOW), -EACCES);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, NULL,
	    TOKEN_OP_READ, NOW), -EACCES);
	/* A prefix or extension of the subject is not the subject. */
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ "0",
	    TOKEN_OP_READ, NOW), -EACCES);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
	    TOKEN_OP_READ, NOW), -EACCES);
}
END_TEST

#define MAC	"b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687"

static const char *const malformed[] = {
	"",
	"garbage",
	".",
	"...",
	"1700000000.rw." SUBJ,				/* 3 fields */
	"1700000000.rw." SUBJ ".",			/* empty mac */
	"1700000000.rw." SUBJ "." MAC ".x",		/* 5 fields */
	"1700000000.rw." SUBJ "." MAC "0",		/* 65-digit mac */
	"1700000000.rw." SUBJ ".b167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f59618068",
	"1700000000.rw." SUBJ ".B167279A72C5BCE09B82AD1A28868306C4C2290B59BDEB927C1F28F596180687",
	"1700000000.rw." SUBJ ".g167279a72c5bce09b82ad1a28868306c4c2290b59bdeb927c1f28f596180687",
	"1700000000.rw." SUBJ "." MAC "\n",
	".rw." SUBJ "." MAC,				/* empty expiry */
	"01700000000.rw." SUBJ "." MAC,			/* leading zero */
	"+1700000000.rw." SUBJ "." MAC,
	"-1700000000.rw." SUBJ "." MAC,
	"-0.rw." SUBJ "." MAC,
	" 1700000000.rw." SUBJ "." MAC,
	"1700000000x.rw." SUBJ "." MAC,
	"0x65.rw." SUBJ "." MAC,
	"99999999999999999999.rw." SUBJ "." MAC,	/* overflow */
	"1700000000.." SUBJ "." MAC,			/* no ops */
	"1700000000.wr." SUBJ "." MAC,			/* out of order */
	"1700000000.rr." SUBJ "." MAC,			/* twice */
	"1700000000.R." SUBJ "." MAC,
	"1700000000.x." SUBJ "." MAC,
	"1700000000.r w." SUBJ "." MAC,
	"1700000000.rw.." MAC,				/* empty subject */
	"1700000000.rw.a b." MAC,			/* space */
	"1700000000.rw.a\tb." MAC,
	"1700000000.rw.\xc3\xa9." MAC,			/* not ASCII */
};

START_TEST(test_malformed)
{
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, malformed[_i], SUBJ,
	    TOKEN_OP_READ, NOW), -EINVAL);
}
END_TEST

START_TEST(test_malformed_long)
{
	char	 t[TOKEN_MAX_LEN + 100];

	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, NULL, SUBJ,
	    TOKEN_OP_READ, NOW), -EINVAL);
	memset(t, 'a', sizeof(t));
	t[sizeof(t) - 1] = '\0';
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, NOW), -EINVAL);
}
END_TEST

static const struct {
	const char	*subject;
	unsigned	 ops;
	int64_t		 expiry;
	size_t		 outlen;
	size_t		 secret_len;
} sign_bad[] = {
	{ SUBJ, 0, NOW, TOKEN_MAX_LEN, SECRET_LEN },		/* no ops */
	{ SUBJ, 0x10, NOW, TOKEN_MAX_LEN, SECRET_LEN },		/* unknown */
	{ SUBJ, TOKEN_OP_READ | 0x100, NOW, TOKEN_MAX_LEN, SECRET_LEN },
	{ "", TOKEN_OP_READ, NOW, TOKEN_MAX_LEN, SECRET_LEN },
	{ NULL, TOKEN_OP_READ, NOW, TOKEN_MAX_LEN, SECRET_LEN },
	{ "a.b", TOKEN_OP_READ, NOW, TOKEN_MAX_LEN, SECRET_LEN },
	{ ".", TOKEN_OP_READ, NOW, TOKEN_MAX_LEN, SECRET_LEN },
	{ "a b", TOKEN_OP_READ, NOW, TOKEN_MAX_LEN, SECRET_LEN },
	{ "a\nb", TOKEN_OP_READ, NOW, TOKEN_MAX_LEN, SECRET_LEN },
	{ SUBJ, TOKEN_OP_READ, -1, TOKEN_MAX_LEN, SECRET_LEN },
	{ SUBJ, TOKEN_OP_READ, INT64_MIN, TOKEN_MAX_LEN, SECRET_LEN },
	{ SUBJ, TOKEN_OP_READ, NOW, TOKEN_MAX_LEN - 1, SECRET_LEN },
	{ SUBJ, TOKEN_OP_READ, NOW, 0, SECRET_LEN },
	{ SUBJ, TOKEN_OP_READ, NOW, TOKEN_MAX_LEN, 0 },
	{ SUBJ, TOKEN_OP_READ, NOW, TOKEN_MAX_LEN, TOKEN_SECRET_MAX + 1 },
};

START_TEST(test_sign_bad)
{
	static char	 secret[TOKEN_SECRET_MAX + 1];
	char		 out[TOKEN_MAX_LEN];

	memset(secret, 's', sizeof(secret));
	ck_assert_int_eq(token_sign(secret, sign_bad[_i].secret_len,
	    sign_bad[_i].subject, sign_bad[_i].ops, sign_bad[_i].expiry, out,
	    sign_bad[_i].outlen), -EINVAL);
}
END_TEST

/* Writes content (n bytes) to tmpdir/name with mode; returns the path. */
static const char *
write_file(const char *name, const void *content, size_t n, mode_t mode)
{
	static char	 path[512];
	int		 fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, n), (ssize_t)n);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

static const struct {
	const char	*content;
	mode_t		 mode;
	int		 err;
	const char	*msg;		/* a part of the message */
} load_bad[] = {
	{ "0123456789abcdef", 0644, -EACCES, "too open" },
	{ "0123456789abcdef", 0640, -EACCES, "0640" },
	{ "0123456789abcdef", 0604, -EACCES, "too open" },
	{ "0123456789abcdef", 0620, -EACCES, "too open" },
	{ "0123456789abcdef", 0602, -EACCES, "too open" },
	{ "0123456789abcdef", 0610, -EACCES, "too open" },
	{ "0123456789abcde", 0600, -EINVAL, "shorter than 16" },
	{ "0123456789abcde\n", 0600, -EINVAL, "shorter than 16" },
	{ "0123456789abcd\r\n", 0600, -EINVAL, "shorter than 16" },
	{ "", 0600, -EINVAL, "shorter than 16" },
	{ "\n", 0600, -EINVAL, "shorter than 16" },
};

START_TEST(test_load_bad)
{
	const char	*path;
	char		*s = (char *)1, err[256] = "";
	size_t		 len = 7;

	path = write_file("secret", load_bad[_i].content,
	    strlen(load_bad[_i].content), load_bad[_i].mode);
	ck_assert_int_eq(token_load_secret(path, &s, &len, err, sizeof(err)),
	    load_bad[_i].err);
	ck_assert_msg(strstr(err, load_bad[_i].msg) != NULL, "message: %s",
	    err);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
	    "message names no file: %s", err);
	/* Outputs untouched. */
	ck_assert_ptr_eq(s, (char *)1);
	ck_assert_uint_eq(len, 7);
}
END_TEST

START_TEST(test_load_not_file)
{
	char	 path[512], *s = NULL, err[256] = "";
	size_t	 len = 0;

	snprintf(path, sizeof(path), "%s/absent", tmpdir);
	ck_assert_int_eq(token_load_secret(path, &s, &len, err, sizeof(err)),
	    -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_int_eq(chmod(tmpdir, 0700), 0);
	ck_assert_int_eq(token_load_secret(tmpdir, &s, &len, err,
	    sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	ck_assert_ptr_null(s);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

START_TEST(test_secret_sizes)
{
	static char	 content[TOKEN_SECRET_MAX + 3];
	const char	*path;
	char		*s = NULL, err[256];
	size_t		 len = 0;

	memset(content, 'k', sizeof(content));
	/* Exactly TOKEN_SECRET_MIN, with and without a newline. */
	path = write_file("s", content, TOKEN_SECRET_MIN, 0600);
	ck_assert_int_eq(token_load_secret(path, &s, &len, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(len, TOKEN_SECRET_MIN);
	free(s);
	content[TOKEN_SECRET_MIN] = '\n';
	path = write_file("s", content, TOKEN_SECRET_MIN + 1, 0600);
	ck_assert_int_eq(token_load_secret(path, &s, &len, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(len, TOKEN_SECRET_MIN);
	free(s);
	content[TOKEN_SECRET_MIN] = 'k';

	/* Exactly TOKEN_SECRET_MAX, then with a CRLF, then one byte more. */
	path = write_file("s", content, TOKEN_SECRET_MAX, 0600);
	ck_assert_int_eq(token_load_secret(path, &s, &len, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(len, TOKEN_SECRET_MAX);
	free(s);
	content[TOKEN_SECRET_MAX] = '\r';
	content[TOKEN_SECRET_MAX + 1] = '\n';
	path = write_file("s", content, TOKEN_SECRET_MAX + 2, 0600);
	ck_assert_int_eq(token_load_secret(path, &s, &len, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(len, TOKEN_SECRET_MAX);
	free(s);
	s = NULL;
	content[TOKEN_SECRET_MAX] = 'k';
	path = write_file("s", content, TOKEN_SECRET_MAX + 1, 0600);
	ck_assert_int_eq(token_load_secret(path, &s, &len, err, sizeof(err)),
	    -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, "longer than 4096"));
	ck_assert_ptr_null(s);
	/* Only one trailing newline is stripped: two mean a longer secret. */
	content[TOKEN_SECRET_MAX] = '\n';
	content[TOKEN_SECRET_MAX + 1] = '\n';
	path = write_file("s", content, TOKEN_SECRET_MAX + 2, 0600);
	ck_assert_int_eq(token_load_secret(path, &s, &len, err, sizeof(err)),
	    -EFBIG);
	/* A big file is refused without reading it whole. */
	path = write_file("s", content, sizeof(content), 0600);
	ck_assert_int_eq(token_load_secret(path, &s, &len, NULL, 0), -EFBIG);
}
END_TEST

START_TEST(test_sign_secret_sizes)
{
	static char	 secret[TOKEN_SECRET_MAX];
	char		 t[TOKEN_MAX_LEN];

	memset(secret, 'q', sizeof(secret));
	ck_assert_int_eq(token_sign(secret, sizeof(secret), SUBJ,
	    TOKEN_OP_READ, NOW, t, sizeof(t)), 0);
	ck_assert_int_eq(token_verify(secret, sizeof(secret), t, SUBJ,
	    TOKEN_OP_READ, NOW), 0);
	ck_assert_int_eq(token_verify(secret, sizeof(secret) - 1, t, SUBJ,
	    TOKEN_OP_READ, NOW), -EACCES);
	ck_assert_int_eq(token_sign(secret, 1, SUBJ, TOKEN_OP_READ, NOW, t,
	    sizeof(t)), 0);
	ck_assert_int_eq(token_verify(secret, 1, t, SUBJ, TOKEN_OP_READ, NOW),
	    0);
}
END_TEST

/* The longest subject that fits in TOKEN_MAX_LEN with the longest expiry
 * and all four ops, and one byte more. */
START_TEST(test_subject_length)
{
	char	 subj[TOKEN_MAX_LEN], t[TOKEN_MAX_LEN + 10];
	size_t	 fit = TOKEN_MAX_LEN - 1 - 19 - 4 - 64 - 3;
	unsigned ops = TOKEN_OP_READ | TOKEN_OP_WRITE | TOKEN_OP_DELETE |
	    TOKEN_OP_ALL;

	memset(subj, 's', sizeof(subj));
	subj[fit] = '\0';
	ck_assert_int_eq(token_sign(SECRET, SECRET_LEN, subj, ops, INT64_MAX,
	    t, sizeof(t)), 0);
	ck_assert_uint_eq(strlen(t), TOKEN_MAX_LEN - 1);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, subj,
	    TOKEN_OP_DELETE, INT64_MAX), 0);
	subj[fit] = 's';
	subj[fit + 1] = '\0';
	ck_assert_int_eq(token_sign(SECRET, SECRET_LEN, subj, ops, INT64_MAX,
	    t, sizeof(t)), -EINVAL);
}
END_TEST

START_TEST(test_expiry_bounds)
{
	char	*t;

	t = sign_ok(SUBJ, TOKEN_OP_READ, 0);
	ck_assert_int_eq(strncmp(t, "0.r.", 4), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, 0), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, 1), -EKEYEXPIRED);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, INT64_MIN), 0);
	t = sign_ok(SUBJ, TOKEN_OP_READ, INT64_MAX);
	ck_assert_int_eq(strncmp(t, "9223372036854775807.r.", 22), 0);
	ck_assert_int_eq(token_verify(SECRET, SECRET_LEN, t, SUBJ,
	    TOKEN_OP_READ, INT64_MAX), 0);
}
END_TEST

static Suite *
token_suite(void)
{
	Suite	*s = suite_create("token");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_vector);
	tcase_add_test(tc, test_round_trip);
	tcase_add_loop_test(tc, test_every_ops, 1, 16);
	tcase_add_test(tc, test_subject_any);
	tcase_add_test(tc, test_op_all);
	tcase_add_test(tc, test_load_secret);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_tampered_mac);
	tcase_add_loop_test(tc, test_tampered_fields, 0,
	    sizeof(tampered) / sizeof(tampered[0]));
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_wrong_secret);
	tcase_add_test(tc, test_wrong_subject);
	tcase_add_loop_test(tc, test_malformed, 0,
	    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(tc, test_malformed_long);
	tcase_add_loop_test(tc, test_sign_bad, 0,
	    sizeof(sign_bad) / sizeof(sign_bad[0]));
	tcase_add_loop_test(tc, test_load_bad, 0,
	    sizeof(load_bad) / sizeof(load_bad[0]));
	tcase_add_test(tc, test_load_not_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_secret_sizes);
	tcase_add_test(tc, test_sign_secret_sizes);
	tcase_add_test(tc, test_subject_length);
	tcase_add_test(tc, test_expiry_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(token_suite());
}
