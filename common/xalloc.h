/*
 * xalloc: allocation of small, fixed-size objects that cannot fail (tmux
 * xmalloc.c).  On out-of-memory they log and abort.  When the size comes from
 * input (block buffers, request bodies) use plain malloc and return -ENOMEM.
 * The caller frees everything returned with free(3).
 */
#ifndef MINIDFS_XALLOC_H
#define MINIDFS_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif /* MINIDFS_XALLOC_H */
