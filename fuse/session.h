/*
 * session: the mount's client session with the metaserver.  Open handles
 * and locks belong to it; the metaserver drops them when the session
 * expires (the mount died).  session_start opens it and starts a thread that
 * renews it at a third of its TTL; when the metaserver no longer knows the
 * session (it expired while the metaserver or the network was away) a new
 * one is opened and the loss of locks is logged.  session_stop closes it.
 */
#ifndef MINIDFS_FUSE_SESSION_H
#define MINIDFS_FUSE_SESSION_H

struct mdfs;

#define SESSION_RETRY_S	1	/* pause after a failed renewal */

/* Opens the session and starts the renewal thread: 0 or -errno. */
int	 session_start(struct mdfs *);
/* Stops the thread and closes the session (best effort). */
void	 session_stop(struct mdfs *);

#endif /* MINIDFS_FUSE_SESSION_H */
