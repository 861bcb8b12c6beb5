/*
 * cfg: table-driven configuration (redis config.c rows, passthrough_ll.c
 * lo_opts).  Each program has ONE table of struct cfg_key rows; the same
 * table drives
 *   - the defaults (cfg_defaults: defaults live only in the table),
 *   - YAML loading through libyaml events (cfg_load), nested mappings
 *     giving dotted paths: `server: {listen_address: x}` -> server.listen_address,
 *   - command-line overrides (cfg_set, e.g. --server.listen_address=x),
 *   - --help (cfg_usage) and the man page's key list.
 * Errors read "file:line: section.key: message"; loading goes on after an
 * error so every mistake is reported, then fails.
 *
 * The config struct is the caller's; strings and string lists in it are
 * malloc'ed by config and freed by cfg_release().  Not thread-safe: load
 * before starting threads.  (Named cfg.h, not config.h, which is autoconf's.)
 */
#ifndef MINIDFS_CFG_H
#define MINIDFS_CFG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_MAX_LIST		16	/* entries in a string list */
#define CFG_MAX_FILE		(1024 * 1024)	/* bytes of a config file */

enum cfg_type {
	CFG_STR,	/* char *; NULL default allowed */
	CFG_STRLIST,	/* struct cfg_strlist; YAML sequence or "a,b,c" */
	CFG_U64,	/* uint64_t within [min, max] */
	CFG_SIZE,	/* uint64_t bytes, suffixes K M G T, within [min, max] */
	CFG_BOOL,	/* int 0/1 */
	CFG_LEVEL,	/* enum log_level: error|warn|info|debug */
};

struct cfg_strlist {
	char	*v[CFG_MAX_LIST];
	size_t	 n;
};

struct cfg_key {
	const char	*path;		/* "server.listen_address" */
	enum cfg_type type;
	uint64_t	 min;		/* numbers: bounds (inclusive) */
	uint64_t	 max;
	const char	*def;		/* default as text; NULL for none */
	size_t		 offset;	/* offsetof(struct x_config, field) */
	const char	*help;		/* one line for --help and the man page */
};
/* A table ends with { NULL }. */

/* Sets every key to its default (must be called first). */
void	 cfg_defaults(const struct cfg_key *, void *conf);
/* Loads a YAML file over the current values.  Unknown keys, wrong types and
 * out-of-range values are errors.  Every error is logged with log_warnx as
 * "file:line: key: message"; returns 0, or -EINVAL after all errors were
 * reported, or -errno when the file cannot be read (err gets the first
 * message in both cases). */
int	 cfg_load(const struct cfg_key *, void *conf, const char *path,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
/* Same from memory (tests); name is used in messages. */
int	 cfg_load_mem(const struct cfg_key *, void *conf,
	    const char *name, const char *text, size_t len, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/* Sets one key from text ("server.listen_address", "0.0.0.0:8001").
 * Returns 0, -ENOENT (no such key) or -EINVAL / -ERANGE (bad value). */
int	 cfg_set(const struct cfg_key *, void *conf, const char *path,
	    const char *value, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* Handles one "--section.key=value" or "--section.key value" argument:
 * returns the number of argv entries consumed (1 or 2), 0 if arg is not a
 * config key, or -1 after logging an error. */
int	 cfg_arg(const struct cfg_key *, void *conf, int argc,
	    char **argv, int i);
/* Writes one line per key: "  --path=VALUE  help (default: x)". */
void	 cfg_usage(const struct cfg_key *, FILE *);
/* Writes "path: value" for every key (the effective config, -n output). */
void	 cfg_dump(const struct cfg_key *, const void *conf, FILE *);
/* Frees the strings and lists in conf. */
void	 cfg_release(const struct cfg_key *, void *conf);

#endif /* MINIDFS_CFG_H */
