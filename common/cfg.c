/*
 * cfg: one table of keys drives defaults, YAML loading, command-line
 * overrides, --help and the effective-config dump.  This file holds the
 * table operations: lookups, the one value parser that both cfg_set() and
 * the YAML loader use (so a value means the same in a file and on the
 * command line), storing a value into the caller's struct, defaults,
 * overrides, usage, the dump and release.  The YAML side (libyaml's event
 * loop, dotted paths, the all-or-nothing staging of a file's values) is in
 * cfg_yaml.c; what the two share is in cfg_impl.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/cfg_impl.h"
#include "common/log.h"
#include "common/strnum.h"

#define CFG_QUOTE_MAX	64	/* bytes of a bad value quoted in a message */

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

const char *
cfg_type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_STR:
		return "a string";
	case CFG_STRLIST:
		return "a list of strings";
	case CFG_U64:
		return "a number";
	case CFG_SIZE:
		return "a size";
	case CFG_BOOL:
		return "a boolean";
	case CFG_LEVEL:
		return "a log level";
	}
	return "a value";
}

static const char *
type_meta(enum cfg_type t)
{
	switch (t) {
	case CFG_STR:
		return "STRING";
	case CFG_STRLIST:
		return "A,B,...";
	case CFG_U64:
		return "N";
	case CFG_SIZE:
		return "SIZE";
	case CFG_BOOL:
		return "BOOL";
	case CFG_LEVEL:
		return "LEVEL";
	}
	return "VALUE";
}

size_t
cfg_table_len(const struct cfg_key *tab)
{
	size_t n = 0;

	while (tab[n].path != NULL)
		n++;
	return n;
}

const struct cfg_key *
cfg_lookup(const struct cfg_key *tab, const char *path, size_t len)
{
	for (; tab->path != NULL; tab++) {
		if (strncmp(tab->path, path, len) == 0 &&
		    tab->path[len] == '\0')
			return tab;
	}
	return NULL;
}

/* Whether path names a section: some key is "path.something". */
int
cfg_is_section(const struct cfg_key *tab, const char *path)
{
	size_t len = strlen(path);

	for (; tab->path != NULL; tab++) {
		if (strncmp(tab->path, path, len) == 0 &&
		    tab->path[len] == '.')
			return 1;
	}
	return 0;
}

static void *
field(const struct cfg_key *k, void *conf)
{
	return (char *)conf + k->offset;
}

static void
list_clear(struct cfg_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	memset(l, 0, sizeof(*l));
}

void
cfg_value_clear(struct cfg_value *v)
{
	free(v->s);
	list_clear(&v->l);
	memset(v, 0, sizeof(*v));
}

/*
 * Appends the len bytes at s to l.  Returns 0, -EINVAL (empty entry),
 * -ERANGE (list full) or -ENOMEM, with msg filled.
 */
int
cfg_list_add(struct cfg_strlist *l, const char *s, size_t len, char *msg,
    size_t msglen)
{
	char *copy;

	if (len == 0) {
		snprintf(msg, msglen, "empty list entry");
		return -EINVAL;
	}
	if (l->n == CFG_MAX_LIST) {
		snprintf(msg, msglen, "too many entries (max %d)",
		    CFG_MAX_LIST);
		return -ERANGE;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	l->v[l->n++] = copy;
	return 0;
}

/* "a, b,c" -> {"a", "b", "c"}; spaces around entries are dropped and ""
 * is the empty list. */
static int
split_list(const char *text, struct cfg_strlist *l, char *msg, size_t msglen)
{
	const char *p = text, *end;
	size_t len;
	int rc;

	if (*text == '\0')
		return 0;
	for (;;) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if ((rc = cfg_list_add(l, p, len, msg, msglen)) != 0) {
			list_clear(l);
			return rc;
		}
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

/*
 * Parses text as key k's value into *v.  Returns 0, -EINVAL, -ERANGE or
 * -ENOMEM with msg filled (without the key's name); *v is left clear on
 * error.
 */
int
cfg_parse_value(const struct cfg_key *k, const char *text, struct cfg_value *v,
    char *msg, size_t msglen)
{
	int rc = 0;

	memset(v, 0, sizeof(*v));
	switch (k->type) {
	case CFG_STR:
		if ((v->s = strdup(text)) == NULL) {
			snprintf(msg, msglen, "out of memory");
			rc = -ENOMEM;
		}
		break;
	case CFG_STRLIST:
		rc = split_list(text, &v->l, msg, msglen);
		break;
	case CFG_U64:
	case CFG_SIZE:
		if (k->type == CFG_U64)
			rc = parse_u64(text, k->min, k->max, &v->u);
		else
			rc = parse_size(text, k->min, k->max, &v->u);
		if (rc == -ERANGE)
			snprintf(msg, msglen, "out of range [%" PRIu64
			    ", %" PRIu64 "]: \"%.*s\"", k->min, k->max,
			    CFG_QUOTE_MAX, text);
		else if (rc != 0 && k->type == CFG_U64)
			snprintf(msg, msglen, "not a number: \"%.*s\"",
			    CFG_QUOTE_MAX, text);
		else if (rc != 0)
			snprintf(msg, msglen, "not a size (digits with an "
			    "optional K, M, G or T): \"%.*s\"", CFG_QUOTE_MAX,
			    text);
		break;
	case CFG_BOOL:
		if ((rc = parse_bool(text, &v->b)) != 0)
			snprintf(msg, msglen, "not a boolean (true, false, "
			    "yes, no, on, off, 1, 0): \"%.*s\"",
			    CFG_QUOTE_MAX, text);
		break;
	case CFG_LEVEL:
		if ((rc = log_parse_level(text, &v->lv)) != 0)
			snprintf(msg, msglen, "not a log level (error, warn, "
			    "info, debug): \"%.*s\"", CFG_QUOTE_MAX, text);
		break;
	}
	if (rc != 0)
		cfg_value_clear(v);
	else
		v->set = 1;
	return rc;
}

/* Moves v into conf, freeing what the field held before. */
void
cfg_store(const struct cfg_key *k, void *conf, struct cfg_value *v)
{
	void *p = field(k, conf);

	switch (k->type) {
	case CFG_STR:
		free(*(char **)p);
		*(char **)p = v->s;
		v->s = NULL;
		break;
	case CFG_STRLIST:
		list_clear(p);
		*(struct cfg_strlist *)p = v->l;
		memset(&v->l, 0, sizeof(v->l));
		break;
	case CFG_U64:
	case CFG_SIZE:
		*(uint64_t *)p = v->u;
		break;
	case CFG_BOOL:
		*(int *)p = v->b;
		break;
	case CFG_LEVEL:
		*(enum log_level *)p = v->lv;
		break;
	}
	cfg_value_clear(v);
}

void
cfg_defaults(const struct cfg_key *tab, void *conf)
{
	const struct cfg_key *k;
	struct cfg_value v;
	char msg[CFG_MSG_MAX];

	for (k = tab; k->path != NULL; k++) {
		void *p = field(k, conf);

		/* conf may be uninitialised: clear without freeing. */
		switch (k->type) {
		case CFG_STR:
			*(char **)p = NULL;
			break;
		case CFG_STRLIST:
			memset(p, 0, sizeof(struct cfg_strlist));
			break;
		case CFG_U64:
		case CFG_SIZE:
			*(uint64_t *)p = 0;
			break;
		case CFG_BOOL:
			*(int *)p = 0;
			break;
		case CFG_LEVEL:
			*(enum log_level *)p = LOG_LEVEL_ERROR;
			break;
		}
		if (k->def == NULL)
			continue;
		/* A bad default is a bug in the program's table. */
		if (cfg_parse_value(k, k->def, &v, msg, sizeof(msg)) != 0)
			fatalx("cfg: default of %s: %s", k->path, msg);
		cfg_store(k, conf, &v);
	}
}

void
cfg_release(const struct cfg_key *tab, void *conf)
{
	const struct cfg_key *k;

	for (k = tab; k->path != NULL; k++) {
		if (k->type == CFG_STR) {
			free(*(char **)field(k, conf));
			*(char **)field(k, conf) = NULL;
		} else if (k->type == CFG_STRLIST)
			list_clear(field(k, conf));
	}
}

int
cfg_set(const struct cfg_key *tab, void *conf, const char *path,
    const char *value, char *err, size_t errlen)
{
	const struct cfg_key *k;
	struct cfg_value v;
	char msg[CFG_MSG_MAX];
	int rc;

	if ((k = cfg_lookup(tab, path, strlen(path))) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: unknown key", path);
		return -ENOENT;
	}
	if ((rc = cfg_parse_value(k, value, &v, msg, sizeof(msg))) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, msg);
		return rc;
	}
	cfg_store(k, conf, &v);
	return 0;
}

int
cfg_arg(const struct cfg_key *tab, void *conf, int argc, char **argv, int i)
{
	const struct cfg_key *k;
	const char *arg, *name, *eq, *value;
	char err[CFG_MSG_MAX];
	int used;

	if (i < 0 || i >= argc || argv[i] == NULL)
		return 0;
	arg = argv[i];
	if (strncmp(arg, "--", 2) != 0)
		return 0;
	name = arg + 2;
	if ((eq = strchr(name, '=')) != NULL) {
		if ((k = cfg_lookup(tab, name, (size_t)(eq - name))) == NULL)
			return 0;
		value = eq + 1;
		used = 1;
	} else {
		if ((k = cfg_lookup(tab, name, strlen(name))) == NULL)
			return 0;
		if (i + 1 >= argc || argv[i + 1] == NULL) {
			log_warnx("--%s: missing value (%s)", k->path,
			    cfg_type_name(k->type));
			return -1;
		}
		value = argv[i + 1];
		used = 2;
	}
	if (cfg_set(tab, conf, k->path, value, err, sizeof(err)) != 0) {
		log_warnx("--%s", err);
		return -1;
	}
	return used;
}

void
cfg_usage(const struct cfg_key *tab, FILE *fp)
{
	const struct cfg_key *k;

	for (k = tab; k->path != NULL; k++) {
		fprintf(fp, "  --%s=%s  %s", k->path, type_meta(k->type),
		    k->help != NULL ? k->help : "");
		if (k->def != NULL)
			fprintf(fp, " (default: %s)\n",
			    k->def[0] != '\0' ? k->def : "\"\"");
		else
			fprintf(fp, " (default: none)\n");
	}
}

/* A string in double quotes, escaped so the dump stays one line. */
static void
dump_str(FILE *fp, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		fputc('~', fp);
		return;
	}
	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

void
cfg_dump(const struct cfg_key *tab, const void *conf, FILE *fp)
{
	const struct cfg_key *k;
	const struct cfg_strlist *l;
	size_t i;

	for (k = tab; k->path != NULL; k++) {
		const void *p = (const char *)conf + k->offset;

		fprintf(fp, "%s: ", k->path);
		switch (k->type) {
		case CFG_STR:
			dump_str(fp, *(char *const *)p);
			break;
		case CFG_STRLIST:
			l = p;
			fputc('[', fp);
			for (i = 0; i < l->n; i++) {
				if (i > 0)
					fputs(", ", fp);
				dump_str(fp, l->v[i]);
			}
			fputc(']', fp);
			break;
		case CFG_U64:
		case CFG_SIZE:
			fprintf(fp, "%" PRIu64, *(const uint64_t *)p);
			break;
		case CFG_BOOL:
			fputs(*(const int *)p ? "true" : "false", fp);
			break;
		case CFG_LEVEL: {
			enum log_level lv = *(const enum log_level *)p;

			fputs((size_t)lv < sizeof(level_names) /
			    sizeof(level_names[0]) ? level_names[lv] : "?",
			    fp);
			break;
		}
		}
		fputc('\n', fp);
	}
}
