/*
 * ofile: the state of a regular file open in this mount, shared by every
 * handle of the same inode (so two processes of one mount see each other's
 * writes at once).  Created at the first open, freed after the last release
 * (inode.c counts the references).  reader.c reads it, writer.c buffers
 * writes in it and commits them.
 *
 * Locking: every field below `lock` is protected by it; cond signals the
 * end of an upload, of a commit and of a map load.  Network calls are never
 * made with lock held.  Lock order: ofile lock, then writer/reader locks.
 */
#ifndef MINIDFS_FUSE_OFILE_H
#define MINIDFS_FUSE_OFILE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/metaclient.h"

struct mdfs;

enum wb_state {
	WB_DIRTY,	/* in memory, changed since the last upload */
	WB_UPLOADING,	/* owned by an uploader: nobody writes data */
	WB_DONE,	/* stored on dataservers, waiting for the commit */
};

/* One block of the file with pending changes. */
struct wblock {
	uint64_t	 index;
	enum wb_state	 state;
	char		*data;		/* DIRTY/UPLOADING: cap bytes, NULL DONE */
	size_t		 cap;
	size_t		 len;		/* bytes [0, len) are valid */
	uint64_t	 gen;		/* bumped by every change */
	struct mc_chunk	 ch;		/* DONE: where it is */
	struct mc_commit cm;		/* DONE: what to commit */
	struct wblock	*next;
};

struct ofile {
	struct mdfs	*fs;
	uint64_t	 ino;
	unsigned	 refs;		/* protected by the inode table lock */
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	uint64_t	 size;		/* as this mount sees it */
	uint64_t	 wend;		/* furthest write end since last commit */
	int64_t		 mtime;		/* ns of the last write, -1 none */
	uint64_t	 wseq;		/* counts writes */
	int		 dirty;		/* writes not yet committed */
	int		 werr;		/* upload error for the next flush */
	unsigned	 uploading;	/* blocks with an uploader */
	int		 committing;
	unsigned	 need;		/* replicas a write needs (0: unknown) */
	int		 locked;	/* POSIX locks were set through it */
	uint64_t	 last_end;	/* where the last read ended */
	int		 last_near;	/* it started near the one before */
	struct wblock	*wb;		/* pending blocks, unordered */
	size_t		 nwb;
	struct mc_chunk	*map;		/* committed chunks by index */
	size_t		 nmap;
	int		 map_valid;
	int		 map_loading;
	uint64_t	 map_gen;	/* bumped when the map goes stale */
	uint64_t	 commit_gen;	/* fs->commit_gen of its last commit */
	int		 created;	/* made by this mount's create() */
	struct mc_setattr pend;		/* deferred attributes (set 0: none) */
	uint64_t	 pend_wseq;	/* wseq when pend.mtime was set */
	uint64_t	 pend_seq;	/* counts deferred setattrs */
	int64_t		 pend_ctime;	/* ns of the last deferred change */
	struct mc_attr	 base;		/* the metaserver's, as of base_gen */
	uint64_t	 base_gen;	/* fs->names_gen read before asking */
	int64_t		 base_at;	/* CLOCK_MONOTONIC ns of the answer */
	int		 base_valid;
};

/* A new ofile for ino with the given size, no map loaded yet. */
struct ofile	*ofile_new(struct mdfs *, uint64_t ino, uint64_t size);
/* Frees it and any pending blocks (whose data is lost: call writer_flush
 * first).  NULL is a no-op. */
void		 ofile_free(struct ofile *);

#endif /* MINIDFS_FUSE_OFILE_H */
