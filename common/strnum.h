/*
 * strnum: the one strict number parser (curl strparse.h).  Every number that
 * comes from a user, a file or a peer goes through here: decimal only, no sign
 * unless signed, no leading/trailing junk or whitespace, bounds checked.
 * Nothing is allocated.
 */
#ifndef MINIDFS_STRNUM_H
#define MINIDFS_STRNUM_H

#include <stdint.h>

/* Returns 0, or -EINVAL (not a number, junk) or -ERANGE (outside [min,max]).
 * *out is written only on success. */
int	 parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
	    __attribute__((warn_unused_result));
int	 parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
	    __attribute__((warn_unused_result));
/* Exactly 16 lowercase hex digits or fewer (no 0x): inode numbers. */
int	 parse_hex_u64(const char *s, uint64_t *out)
	    __attribute__((warn_unused_result));
/* A byte count with an optional binary suffix K, M, G, T (KiB...), e.g. "4M".
 * Same errors as parse_u64. */
int	 parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
	    __attribute__((warn_unused_result));
/* "true"/"yes"/"on"/"1" and "false"/"no"/"off"/"0"; -EINVAL otherwise. */
int	 parse_bool(const char *s, int *out) __attribute__((warn_unused_result));

#endif /* MINIDFS_STRNUM_H */
