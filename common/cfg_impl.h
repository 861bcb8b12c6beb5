/*
 * cfg_impl: what cfg.c (the key table: lookups, value parsing, storing,
 * defaults, overrides, usage, dump, release) shares with cfg_yaml.c (the
 * libyaml walker behind cfg_load and cfg_load_mem).  Private to those two
 * files; everyone else uses common/cfg.h.  Not thread-safe, like cfg.h.
 */
#ifndef MINIDFS_CFG_IMPL_H
#define MINIDFS_CFG_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "common/cfg.h"
#include "common/log.h"

#define CFG_MSG_MAX	512	/* bytes of one error message */

/* A parsed value waiting to be stored; which member is used follows the
 * key's type.  Strings and list entries are malloc'ed and owned by the
 * value until cfg_store() moves them or cfg_value_clear() frees them. */
struct cfg_value {
	int			 set;
	char			*s;
	struct cfg_strlist	 l;
	uint64_t		 u;
	int			 b;
	enum log_level		 lv;
};

/* "a string", "a number", ... for messages. */
const char	*cfg_type_name(enum cfg_type);
/* The number of rows before the { NULL } end. */
size_t		 cfg_table_len(const struct cfg_key *);
/* The row whose path is exactly path[0..len), or NULL. */
const struct cfg_key *cfg_lookup(const struct cfg_key *, const char *path,
		    size_t len);
/* Whether path names a section: some key is "path.something". */
int		 cfg_is_section(const struct cfg_key *, const char *path);

/* Frees what v owns and zeroes it. */
void		 cfg_value_clear(struct cfg_value *);
/* Appends a copy of the len bytes at s to l.  Returns 0, -EINVAL (empty
 * entry), -ERANGE (list full) or -ENOMEM, with msg filled; l is unchanged
 * on error. */
int		 cfg_list_add(struct cfg_strlist *, const char *s, size_t len,
		    char *msg, size_t msglen);
/* Parses text as key k's value into *v.  Returns 0, -EINVAL, -ERANGE or
 * -ENOMEM with msg filled (without the key's name); *v is left clear on
 * error. */
int		 cfg_parse_value(const struct cfg_key *k, const char *text,
		    struct cfg_value *v, char *msg, size_t msglen);
/* Moves v into conf, freeing what the field held before; v ends clear. */
void		 cfg_store(const struct cfg_key *k, void *conf,
		    struct cfg_value *v);

#endif /* MINIDFS_CFG_IMPL_H */
