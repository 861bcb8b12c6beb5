/*
 * scrub: the background scrubber.  One thread walks the block store again and
 * again, re-verifying every block against its id at no more than
 * storage.scrub_rate bytes/s; a pass starts every storage.scrub_interval
 * seconds (right after the previous one when that is 0).  A block that fails
 * is quarantined by the store, which records it for the next heartbeat.
 * Thread-safety: start and stop from one thread (main).
 */
#ifndef MINIDFS_DATA_SCRUB_H
#define MINIDFS_DATA_SCRUB_H

struct data_server;
struct scrub;

/* Starts the thread; NULL when scrubbing is disabled (rate 0). */
struct scrub	*scrub_start(struct data_server *);
/* Stops the thread (promptly, mid-pass) and frees.  NULL is a no-op. */
void		 scrub_stop(struct scrub *);

#endif /* MINIDFS_DATA_SCRUB_H */
