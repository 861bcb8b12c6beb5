/*
 * cfg: one table of keys drives defaults, YAML loading, command-line
 * overrides, --help and the effective-config dump.  YAML is read through
 * libyaml's event API: nested mappings are walked with a dotted path prefix,
 * and every value is parsed by the same function that cfg_set() uses, so a
 * value means the same in a file and on the command line.
 *
 * A load is all or nothing: values are parsed into a staging area (one slot
 * per table row) and copied into the caller's struct only when the whole
 * file was clean, so a bad file changes nothing.  Every error is reported as
 * "file:line: section.key: message" and the walk goes on, so one run shows
 * every mistake; only a YAML syntax error (after which libyaml cannot go on)
 * or out-of-memory stops it early.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "common/cfg.h"
#include "common/log.h"
#include "common/strnum.h"
#include "common/xalloc.h"

#define CFG_MSG_MAX	512	/* bytes of one error message */
#define CFG_QUOTE_MAX	64	/* bytes of a bad value quoted in a message */
#define CFG_READ_CHUNK	4096	/* bytes of the first read buffer */

/* A parsed value waiting to be stored; which member is used follows the
 * key's type. */
struct cfg_value {
	int			 set;
	char			*s;
	struct cfg_strlist	 l;
	uint64_t		 u;
	int			 b;
	enum log_level		 lv;
};

/* One key seen in the mapping being walked (duplicate detection). */
struct cfg_seen {
	char		*key;
	unsigned long	 line;
};

struct cfg_loader {
	const struct cfg_key	*tab;
	const char		*name;		/* file name for messages */
	yaml_parser_t		 parser;
	struct cfg_value	*stage;		/* one per table row */
	int			 nerr;
	int			 stop;		/* 0, or -EINVAL / -ENOMEM */
	char			*err;
	size_t			 errlen;
};

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static const char *
type_name(enum cfg_type t)
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

static size_t
table_len(const struct cfg_key *tab)
{
	size_t n = 0;

	while (tab[n].path != NULL)
		n++;
	return n;
}

static const struct cfg_key *
lookup(const struct cfg_key *tab, const char *path, size_t len)
{
	for (; tab->path != NULL; tab++) {
		if (strncmp(tab->path, path, len) == 0 &&
		    tab->path[len] == '\0')
			return tab;
	}
	return NULL;
}

/* Whether path names a section: some key is "path.something". */
static int
is_section(const struct cfg_key *tab, const char *path)
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

static void
value_clear(struct cfg_value *v)
{
	free(v->s);
	list_clear(&v->l);
	memset(v, 0, sizeof(*v));
}

/*
 * Appends the len bytes at s to l.  Returns 0, -EINVAL (empty entry),
 * -ERANGE (list full) or -ENOMEM, with msg filled.
 */
static int
list_add(struct cfg_strlist *l, const char *s, size_t len, char *msg,
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
		if ((rc = list_add(l, p, len, msg, msglen)) != 0) {
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
static int
parse_value(const struct cfg_key *k, const char *text, struct cfg_value *v,
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
		value_clear(v);
	else
		v->set = 1;
	return rc;
}

/* Moves v into conf, freeing what the field held before. */
static void
store(const struct cfg_key *k, void *conf, struct cfg_value *v)
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
	value_clear(v);
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
		if (parse_value(k, k->def, &v, msg, sizeof(msg)) != 0)
			fatalx("cfg: default of %s: %s", k->path, msg);
		store(k, conf, &v);
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

	if ((k = lookup(tab, path, strlen(path))) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: unknown key", path);
		return -ENOENT;
	}
	if ((rc = parse_value(k, value, &v, msg, sizeof(msg))) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, msg);
		return rc;
	}
	store(k, conf, &v);
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
		if ((k = lookup(tab, name, (size_t)(eq - name))) == NULL)
			return 0;
		value = eq + 1;
		used = 1;
	} else {
		if ((k = lookup(tab, name, strlen(name))) == NULL)
			return 0;
		if (i + 1 >= argc || argv[i + 1] == NULL) {
			log_warnx("--%s: missing value (%s)", k->path,
			    type_name(k->type));
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

/* ---- YAML ------------------------------------------------------------- */

/* Reports one error as "name:line: path: message" (path may be NULL). */
static void __attribute__((format(printf, 4, 5)))
report(struct cfg_loader *ld, unsigned long line, const char *path,
    const char *fmt, ...)
{
	char msg[CFG_MSG_MAX], full[CFG_MSG_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path != NULL)
		snprintf(full, sizeof(full), "%s:%lu: %s: %s", ld->name, line,
		    path, msg);
	else
		snprintf(full, sizeof(full), "%s:%lu: %s", ld->name, line,
		    msg);
	log_warnx("%s", full);
	if (ld->nerr++ == 0 && ld->err != NULL && ld->errlen > 0)
		snprintf(ld->err, ld->errlen, "%s", full);
}

static unsigned long
line_of(const yaml_event_t *ev)
{
	return (unsigned long)ev->start_mark.line + 1;
}

/* Reads the next event; on a syntax error reports it and stops the load. */
static int
next(struct cfg_loader *ld, yaml_event_t *ev)
{
	yaml_parser_t *p = &ld->parser;

	if (yaml_parser_parse(p, ev))
		return 0;
	if (p->error == YAML_MEMORY_ERROR) {
		report(ld, (unsigned long)p->problem_mark.line + 1, NULL,
		    "out of memory");
		ld->stop = -ENOMEM;
	} else {
		/* The context (an unclosed quote, say) often began lines
		 * before the point where libyaml gave up. */
		if (p->context != NULL)
			report(ld, (unsigned long)p->problem_mark.line + 1,
			    NULL, "syntax error: %s %s started at line %lu",
			    p->problem != NULL ? p->problem : "invalid YAML",
			    p->context,
			    (unsigned long)p->context_mark.line + 1);
		else
			report(ld, (unsigned long)p->problem_mark.line + 1,
			    NULL, "syntax error: %s", p->problem != NULL ?
			    p->problem : "invalid YAML");
		ld->stop = -EINVAL;
	}
	return -1;
}

/* Consumes the rest of the node that ev starts (nothing for a scalar). */
static int
skip_node(struct cfg_loader *ld, const yaml_event_t *ev)
{
	yaml_event_t e;
	int depth;

	if (ev->type != YAML_MAPPING_START_EVENT &&
	    ev->type != YAML_SEQUENCE_START_EVENT)
		return 0;
	for (depth = 1; depth > 0;) {
		if (next(ld, &e) != 0)
			return -1;
		if (e.type == YAML_MAPPING_START_EVENT ||
		    e.type == YAML_SEQUENCE_START_EVENT)
			depth++;
		else if (e.type == YAML_MAPPING_END_EVENT ||
		    e.type == YAML_SEQUENCE_END_EVENT)
			depth--;
		yaml_event_delete(&e);
	}
	return 0;
}

static const char *
node_name(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_ALIAS_EVENT:
		return "an alias";
	default:
		return "a scalar";
	}
}

static void
stage(struct cfg_loader *ld, const struct cfg_key *k, struct cfg_value *v)
{
	struct cfg_value *slot = &ld->stage[k - ld->tab];

	value_clear(slot);
	*slot = *v;
	memset(v, 0, sizeof(*v));
}

/* Reports an unknown key or section, or a section used as a value. */
static void
report_unknown(struct cfg_loader *ld, unsigned long line,
    const yaml_event_t *ev, const char *path)
{
	if (is_section(ld->tab, path))
		report(ld, line, path, "expected a mapping (a section), got "
		    "%s", node_name(ev));
	else
		report(ld, line, path, "unknown key");
}

static void
handle_scalar(struct cfg_loader *ld, unsigned long kline, const char *path,
    const yaml_event_t *ev)
{
	const struct cfg_key *k;
	const char *text = (const char *)ev->data.scalar.value;
	struct cfg_value v;
	char msg[CFG_MSG_MAX];
	int rc;

	if ((k = lookup(ld->tab, path, strlen(path))) == NULL) {
		/* "server:" with every key commented out is an empty
		 * section, not a mistake. */
		if (ev->data.scalar.length == 0 &&
		    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    is_section(ld->tab, path))
			return;
		report_unknown(ld, kline, ev, path);
		return;
	}
	if (ev->data.scalar.length == 0 &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		report(ld, line_of(ev), path, "missing value (%s)",
		    type_name(k->type));
		return;
	}
	if (strlen(text) != ev->data.scalar.length) {
		report(ld, line_of(ev), path, "value contains a NUL byte");
		return;
	}
	if ((rc = parse_value(k, text, &v, msg, sizeof(msg))) != 0) {
		report(ld, line_of(ev), path, "%s", msg);
		if (rc == -ENOMEM)
			ld->stop = rc;
		return;
	}
	stage(ld, k, &v);
}

/* ev is the SEQUENCE_START; consumes the sequence. */
static int
handle_seq(struct cfg_loader *ld, unsigned long kline, const char *path,
    const yaml_event_t *ev)
{
	const struct cfg_key *k;
	struct cfg_value v;
	yaml_event_t e;
	char msg[CFG_MSG_MAX];
	int bad = 0, full = 0, rc;

	k = lookup(ld->tab, path, strlen(path));
	if (k == NULL || k->type != CFG_STRLIST) {
		if (k == NULL)
			report_unknown(ld, kline, ev, path);
		else
			report(ld, kline, path, "expected %s, got a list",
			    type_name(k->type));
		return skip_node(ld, ev);
	}
	memset(&v, 0, sizeof(v));
	for (;;) {
		if (next(ld, &e) != 0) {
			value_clear(&v);
			return -1;
		}
		if (e.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		if (e.type != YAML_SCALAR_EVENT) {
			report(ld, line_of(&e), path, "list entries must be "
			    "strings, got %s", node_name(&e));
			bad = 1;
			rc = skip_node(ld, &e);
			yaml_event_delete(&e);
			if (rc != 0) {
				value_clear(&v);
				return -1;
			}
			continue;
		}
		if (strlen((char *)e.data.scalar.value) !=
		    e.data.scalar.length) {
			report(ld, line_of(&e), path, "list entry contains a "
			    "NUL byte");
			bad = 1;
		} else if (!full && (rc = list_add(&v.l,
		    (const char *)e.data.scalar.value, e.data.scalar.length,
		    msg, sizeof(msg))) != 0) {
			/* Report a full list once, not once per extra entry. */
			report(ld, line_of(&e), path, "%s", msg);
			if (rc == -ERANGE)
				full = 1;
			if (rc == -ENOMEM)
				ld->stop = rc;
			bad = 1;
		}
		yaml_event_delete(&e);
		if (ld->stop != 0) {
			value_clear(&v);
			return -1;
		}
	}
	if (bad) {
		value_clear(&v);
		return 0;
	}
	v.set = 1;
	stage(ld, k, &v);
	return 0;
}

static char *
join_path(const char *prefix, const char *key, size_t len)
{
	size_t plen = strlen(prefix);
	char *p;

	if ((p = malloc(plen + 1 + len + 1)) == NULL)
		return NULL;
	if (plen > 0) {
		memcpy(p, prefix, plen);
		p[plen++] = '.';
	}
	memcpy(p + plen, key, len);
	p[plen + len] = '\0';
	return p;
}

/* Appends key to the keys seen in one mapping; returns 0 or -ENOMEM. */
static int
seen_add(struct cfg_seen **seen, size_t *n, const char *key,
    unsigned long line)
{
	struct cfg_seen *tmp;
	char *copy;

	if ((copy = strdup(key)) == NULL)
		return -ENOMEM;
	if ((tmp = realloc(*seen, (*n + 1) * sizeof(**seen))) == NULL) {
		free(copy);
		return -ENOMEM;
	}
	tmp[*n].key = copy;
	tmp[*n].line = line;
	*seen = tmp;
	(*n)++;
	return 0;
}

static int walk_mapping(struct cfg_loader *, const char *);

/*
 * Handles the value node of key path (whose key is on line kline); ev is
 * its first event.  Errors about the key or the kind of node point at the
 * key's line, errors about a value's text at the value's line.
 */
static int
handle_value(struct cfg_loader *ld, unsigned long kline, const char *path,
    const yaml_event_t *ev)
{
	const struct cfg_key *k;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		handle_scalar(ld, kline, path, ev);
		return ld->stop != 0 ? -1 : 0;
	case YAML_SEQUENCE_START_EVENT:
		return handle_seq(ld, kline, path, ev);
	case YAML_MAPPING_START_EVENT:
		if ((k = lookup(ld->tab, path, strlen(path))) != NULL) {
			report(ld, kline, path, "expected %s, got a mapping",
			    type_name(k->type));
			return skip_node(ld, ev);
		}
		if (!is_section(ld->tab, path)) {
			report(ld, kline, path, "unknown section");
			return skip_node(ld, ev);
		}
		return walk_mapping(ld, path);
	default:
		report(ld, kline, path, "aliases are not supported");
		return 0;
	}
}

/*
 * Walks a mapping whose MAPPING_START was just read, up to and including its
 * MAPPING_END.  prefix is "" at the top.  Returns 0, or -1 once the load
 * must stop.
 */
static int
walk_mapping(struct cfg_loader *ld, const char *prefix)
{
	struct cfg_seen *seen = NULL;
	size_t nseen = 0, i;
	yaml_event_t key, val;
	const char *ktext;
	size_t klen;
	unsigned long kline;
	char *path;
	int rc = 0, skip;

	for (;;) {
		if (next(ld, &key) != 0) {
			rc = -1;
			break;
		}
		if (key.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&key);
			break;
		}
		if (key.type != YAML_SCALAR_EVENT) {
			report(ld, line_of(&key), prefix[0] != '\0' ? prefix :
			    NULL, "keys must be plain strings, got %s",
			    node_name(&key));
			rc = skip_node(ld, &key);
			yaml_event_delete(&key);
			if (rc != 0 || next(ld, &val) != 0) {
				rc = -1;
				break;
			}
			rc = skip_node(ld, &val);
			yaml_event_delete(&val);
			if (rc != 0)
				break;
			continue;
		}
		ktext = (const char *)key.data.scalar.value;
		klen = key.data.scalar.length;
		if ((path = join_path(prefix, ktext, klen)) == NULL) {
			yaml_event_delete(&key);
			ld->stop = -ENOMEM;
			rc = -1;
			break;
		}
		kline = line_of(&key);
		skip = 0;
		if (klen == 0 || memchr(ktext, '.', klen) != NULL ||
		    strlen(ktext) != klen) {
			/* A dotted key would give a second spelling of a
			 * path and dodge duplicate detection. */
			report(ld, kline, path, "bad key (empty, or contains "
			    "'.' or a NUL byte)");
			skip = 1;
		} else {
			for (i = 0; i < nseen; i++) {
				if (strcmp(seen[i].key, ktext) == 0)
					break;
			}
			if (i < nseen) {
				report(ld, kline, path, "duplicate key (first "
				    "at line %lu)", seen[i].line);
				skip = 1;
			} else if (seen_add(&seen, &nseen, ktext, kline) != 0)
				ld->stop = -ENOMEM;
		}
		yaml_event_delete(&key);
		if (ld->stop != 0 || next(ld, &val) != 0) {
			free(path);
			rc = -1;
			break;
		}
		if (skip)
			rc = skip_node(ld, &val);
		else
			rc = handle_value(ld, kline, path, &val);
		yaml_event_delete(&val);
		free(path);
		if (rc != 0)
			break;
	}
	for (i = 0; i < nseen; i++)
		free(seen[i].key);
	free(seen);
	return rc;
}

/* Walks the whole stream: at most one document, whose root is a mapping
 * (or empty). */
static void
walk_stream(struct cfg_loader *ld)
{
	yaml_event_t ev;
	int ndocs = 0, rc;

	for (;;) {
		if (next(ld, &ev) != 0)
			return;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			return;
		case YAML_DOCUMENT_START_EVENT:
			if (ndocs++ > 0) {
				report(ld, line_of(&ev), NULL, "only one YAML "
				    "document is allowed");
				yaml_event_delete(&ev);
				return;
			}
			break;
		case YAML_MAPPING_START_EVENT:
			yaml_event_delete(&ev);
			if (walk_mapping(ld, "") != 0)
				return;
			continue;
		case YAML_SCALAR_EVENT:
			/* "---" alone: an empty document. */
			if (ev.data.scalar.length == 0 &&
			    ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
				break;
			/* FALLTHROUGH */
		case YAML_SEQUENCE_START_EVENT:
		case YAML_ALIAS_EVENT:
			report(ld, line_of(&ev), NULL, "the top level must be "
			    "a mapping of sections, got %s", node_name(&ev));
			rc = skip_node(ld, &ev);
			yaml_event_delete(&ev);
			if (rc != 0)
				return;
			continue;
		default:	/* STREAM_START, DOCUMENT_END */
			break;
		}
		yaml_event_delete(&ev);
	}
}

static int __attribute__((format(printf, 4, 5)))
file_error(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[CFG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return rc;
}

int
cfg_load_mem(const struct cfg_key *tab, void *conf, const char *name,
    const char *text, size_t len, char *err, size_t errlen)
{
	struct cfg_loader ld;
	size_t i, n;
	int rc;

	if (len > CFG_MAX_FILE)
		return file_error(-EFBIG, err, errlen, "%s: file too large "
		    "(%zu bytes, at most %d)", name, len, CFG_MAX_FILE);
	memset(&ld, 0, sizeof(ld));
	ld.tab = tab;
	ld.name = name;
	ld.err = err;
	ld.errlen = errlen;
	n = table_len(tab);
	ld.stage = xcalloc(n + 1, sizeof(*ld.stage));
	if (!yaml_parser_initialize(&ld.parser)) {
		free(ld.stage);
		return file_error(-ENOMEM, err, errlen, "%s: out of memory",
		    name);
	}
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)text,
	    len);
	walk_stream(&ld);
	yaml_parser_delete(&ld.parser);

	if (ld.stop == -ENOMEM)
		rc = -ENOMEM;
	else
		rc = ld.nerr > 0 ? -EINVAL : 0;
	for (i = 0; i < n; i++) {
		if (rc == 0 && ld.stage[i].set)
			store(&tab[i], conf, &ld.stage[i]);
		else
			value_clear(&ld.stage[i]);
	}
	free(ld.stage);
	return rc;
}

/* Reads all of fd into *out (malloc'ed), failing past CFG_MAX_FILE bytes. */
static int
read_all(int fd, char **out, size_t *outlen)
{
	size_t cap = CFG_READ_CHUNK, len = 0;
	char *buf, *tmp;
	ssize_t r;

	if ((buf = malloc(cap)) == NULL)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > CFG_MAX_FILE) {
				free(buf);
				return -EFBIG;
			}
			cap *= 2;
			if ((tmp = realloc(buf, cap)) == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = tmp;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > CFG_MAX_FILE) {
		free(buf);
		return -EFBIG;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int
cfg_load(const struct cfg_key *tab, void *conf, const char *path,
    char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return file_error(-errno, err, errlen, "%s: cannot open: %s",
		    path, strerror(errno));
	/* Refuse a large regular file before reading any of it. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > CFG_MAX_FILE) {
		close(fd);
		return file_error(-EFBIG, err, errlen, "%s: file too large "
		    "(%jd bytes, at most %d)", path, (intmax_t)st.st_size,
		    CFG_MAX_FILE);
	}
	rc = read_all(fd, &buf, &len);
	close(fd);
	if (rc == -EFBIG)
		return file_error(rc, err, errlen, "%s: file too large (more "
		    "than %d bytes)", path, CFG_MAX_FILE);
	if (rc != 0)
		return file_error(rc, err, errlen, "%s: cannot read: %s",
		    path, strerror(-rc));
	rc = cfg_load_mem(tab, conf, path, buf, len, err, errlen);
	free(buf);
	return rc;
}
