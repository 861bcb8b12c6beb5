/*
 * relatime: the rule that decides whether a read or a directory listing
 * updates an inode's atime -- Linux's relatime (the default of its local
 * filesystems), or strictatime.  Kept once here: the metaserver applies it
 * to its current attributes (server/meta/ns_attr.c, ns_touch_atime) and a
 * mount applies it to what it knows only to decide whether to ask
 * (fuse/atime.c).  Pure; thread-safe.
 */
#ifndef MINIDFS_COMMON_RELATIME_H
#define MINIDFS_COMMON_RELATIME_H

#include <stdint.h>

#include "common/protocol.h"

/*
 * 1 when a read at now (ns) should set atime to now: never when now <=
 * atime (atime never moves backwards); strict: always otherwise; else when
 * atime <= mtime or atime <= ctime (the first read after a change), or
 * atime is older than MDFS_RELATIME_AGE_NS.
 */
static inline int
relatime_due(int64_t atime, int64_t mtime, int64_t ctime, int64_t now,
    int strict)
{
	if (now <= atime)
		return 0;
	if (strict)
		return 1;
	return atime <= mtime || atime <= ctime ||
	    now - atime > MDFS_RELATIME_AGE_NS;
}

#endif /* MINIDFS_COMMON_RELATIME_H */
