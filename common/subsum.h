/*
 * subsum: the checksum of one sub-block of a stored block (the lines of a
 * dataserver's .sum file, which let a range be verified without reading
 * the whole block).  XXH3-128 from libxxhash, as 32 lowercase hex digits:
 * it catches the same bit rot a SHA-256 would at a tenth of the CPU, and
 * the block as a whole is still checked against its SHA-256 id.  A .sum
 * written before this (SHA-256 lines, 64 digits) is still read: see
 * subsum_of_kind().
 *
 * A struct subsum_ctx is owned by its user and not shared between threads.
 */
#ifndef MINIDFS_SUBSUM_H
#define MINIDFS_SUBSUM_H

#include <stddef.h>

#define SUBSUM_HEX_LEN	32			/* hex digits of XXH3-128 */
#define SUBSUM_BUFSZ	(64 + 1)		/* room for either kind + NUL */

struct XXH3_state_s;

struct subsum_ctx {
	struct XXH3_state_s	*st;
};

/* Starts a checksum.  Returns 0 or -ENOMEM. */
int	 subsum_init(struct subsum_ctx *) __attribute__((warn_unused_result));
void	 subsum_update(struct subsum_ctx *, const void *, size_t);
/* Writes the SUBSUM_HEX_LEN digits and a NUL into out and starts the
 * context afresh for the next sub-block. */
void	 subsum_next(struct subsum_ctx *, char out[SUBSUM_BUFSZ]);
/* Releases the context (safe on one never started or already released). */
void	 subsum_release(struct subsum_ctx *);

/*
 * One-shot: the checksum of len bytes at p in the kind whose lines are
 * hexlen digits long: SUBSUM_HEX_LEN (XXH3-128) or BLOCKID_HEX_LEN (the
 * SHA-256 of .sum files from before XXH3).  Returns 0, -EINVAL for another
 * length or -ENOMEM.
 */
int	 subsum_of_kind(size_t hexlen, const void *p, size_t len,
	    char out[SUBSUM_BUFSZ]) __attribute__((warn_unused_result));

#endif
