/*
 * cfg_yaml: the YAML side of cfg_load() and cfg_load_mem().  It reads a
 * config file through libyaml's event API, walks nested mappings building
 * dotted paths (`server: {listen_address: x}` -> server.listen_address),
 * checks each node's kind against the key table (a section must be a
 * mapping, a string list a sequence of scalars, anything else a scalar),
 * refuses unknown, duplicate and dotted keys, and parses every value with
 * the same cfg_parse_value() that cfg_set() uses.
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
#include "common/cfg_impl.h"
#include "common/log.h"
#include "common/xalloc.h"

#define CFG_READ_CHUNK	4096	/* bytes of the first read buffer */

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

	cfg_value_clear(slot);
	*slot = *v;
	memset(v, 0, sizeof(*v));
}

/* Reports an unknown key or section, or a section used as a value. */
static void
report_unknown(struct cfg_loader *ld, unsigned long line,
    const yaml_event_t *ev, const char *path)
{
	if (cfg_is_section(ld->tab, path))
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

	if ((k = cfg_lookup(ld->tab, path, strlen(path))) == NULL) {
		/* "server:" with every key commented out is an empty
		 * section, not a mistake. */
		if (ev->data.scalar.length == 0 &&
		    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    cfg_is_section(ld->tab, path))
			return;
		report_unknown(ld, kline, ev, path);
		return;
	}
	if (ev->data.scalar.length == 0 &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		report(ld, line_of(ev), path, "missing value (%s)",
		    cfg_type_name(k->type));
		return;
	}
	if (strlen(text) != ev->data.scalar.length) {
		report(ld, line_of(ev), path, "value contains a NUL byte");
		return;
	}
	if ((rc = cfg_parse_value(k, text, &v, msg, sizeof(msg))) != 0) {
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

	k = cfg_lookup(ld->tab, path, strlen(path));
	if (k == NULL || k->type != CFG_STRLIST) {
		if (k == NULL)
			report_unknown(ld, kline, ev, path);
		else
			report(ld, kline, path, "expected %s, got a list",
			    cfg_type_name(k->type));
		return skip_node(ld, ev);
	}
	memset(&v, 0, sizeof(v));
	for (;;) {
		if (next(ld, &e) != 0) {
			cfg_value_clear(&v);
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
				cfg_value_clear(&v);
				return -1;
			}
			continue;
		}
		if (strlen((char *)e.data.scalar.value) !=
		    e.data.scalar.length) {
			report(ld, line_of(&e), path, "list entry contains a "
			    "NUL byte");
			bad = 1;
		} else if (!full && (rc = cfg_list_add(&v.l,
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
			cfg_value_clear(&v);
			return -1;
		}
	}
	if (bad) {
		cfg_value_clear(&v);
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
		if ((k = cfg_lookup(ld->tab, path, strlen(path))) != NULL) {
			report(ld, kline, path, "expected %s, got a mapping",
			    cfg_type_name(k->type));
			return skip_node(ld, ev);
		}
		if (!cfg_is_section(ld->tab, path)) {
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
	n = cfg_table_len(tab);
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
			cfg_store(&tab[i], conf, &ld.stage[i]);
		else
			cfg_value_clear(&ld.stage[i]);
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
