/*
 * buf: a growable byte buffer with a hard cap fixed at init (curl dynbuf.h).
 *
 * Invariants: data is NULL or holds len+1 bytes with data[len] == '\0'; len
 * never exceeds max.  Going over the cap frees the buffer and returns -EFBIG.
 * The caps every module uses are the BUF_MAX_* constants below.
 * Not thread-safe; a buf is owned by whoever embeds it.
 */
#ifndef MINIDFS_BUF_H
#define MINIDFS_BUF_H

#include <stddef.h>

#define BUF_MAX_JSON		(4u * 1024 * 1024)	/* a JSON request/answer body */
#define BUF_MAX_ETCD		(64u * 1024 * 1024)	/* one etcd gateway answer */
#define BUF_MAX_ERRBODY		(64u * 1024)		/* an error body we read */
#define BUF_MAX_WATCH_LINE	(16u * 1024 * 1024)	/* one watch event message */

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;	/* allocated */
	size_t	 max;	/* hard cap on len */
};
#define BUF_INIT(max_) { NULL, 0, 0, (max_) }

void	 buf_init(struct buf *, size_t max);
/* Like buf_init, but the buf starts with mem (malloc'ed, cap bytes; NULL
 * for none) and owns it from now on: filling up to cap-1 bytes allocates
 * nothing. */
void	 buf_init_with(struct buf *, size_t max, void *mem, size_t cap);
/* Appends; returns 0, -ENOMEM, or -EFBIG (cap exceeded; buffer released). */
int	 buf_append(struct buf *, const void *, size_t)
	    __attribute__((warn_unused_result));
int	 buf_appendf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3), warn_unused_result));
/* Empties, keeping the memory. */
void	 buf_reset(struct buf *);
/* Frees the memory; the buf is empty and reusable. */
void	 buf_release(struct buf *);
/* Hands the NUL-terminated data to the caller (free(3) it); *len if non-NULL.
 * Never returns NULL (an empty buffer gives ""). The buf is left empty. */
char	*buf_detach(struct buf *, size_t *len);

#endif /* MINIDFS_BUF_H */
