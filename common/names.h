/*
 * names: the rules for a directory entry name (smtpd's valid_*): 1 to 255
 * bytes, no '/', no NUL, not "." or "..", and for a dataserver id.  Nothing
 * is allocated; every function is thread-safe.
 */
#ifndef MINIDFS_NAMES_H
#define MINIDFS_NAMES_H

#include <stddef.h>

#define NAMES_MAX	255	/* bytes in one name (NAME_MAX) */

/* Returns 0, -ENAMETOOLONG (over NAMES_MAX bytes) or -EINVAL (empty, '/', NUL,
 * "." or ".."). len is the length in bytes (a NUL inside makes it invalid). */
int	 names_valid(const char *name, size_t len);
/* The same for a NUL-terminated string. */
int	 names_valid_str(const char *name);

/* 1 when id can name a dataserver: 1..MDFS_NODE_ID_MAX bytes of
 * [A-Za-z0-9._-] (it becomes part of an etcd key and of URLs); 0 otherwise,
 * NULL included.  The one rule the metaserver and the command line share. */
int	 names_node_id_valid(const char *id);

#endif /* MINIDFS_NAMES_H */
