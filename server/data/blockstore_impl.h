/*
 * blockstore_impl: helpers shared by blockstore.c and blockstore_verify.c,
 * not part of the module's interface.
 */
#ifndef MINIDFS_DATA_BLOCKSTORE_IMPL_H
#define MINIDFS_DATA_BLOCKSTORE_IMPL_H

#include <stdint.h>
#include <sys/types.h>

struct blockstore;

/* snprintf into a PATH_MAX buffer; -ENAMETOOLONG when it does not fit. */
int	 bs_pathf(char *out, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The directory, block and .sum paths (PATH_MAX buffers; path and sum may
 * be NULL) of a valid id. */
void	 bs_block_paths(const struct blockstore *, const char *id, char *dir,
	    char *path, char *sum);
/* pread until n bytes or EOF; the count or -errno. */
ssize_t	 bs_pread_all(int fd, void *p, size_t n, uint64_t off);
/* Records id as removed in the change log (it was expected but is not
 * here), so the next heartbeat tells the metaserver. */
void	 bs_note_removed(struct blockstore *, const char *id);

#endif /* MINIDFS_DATA_BLOCKSTORE_IMPL_H */
