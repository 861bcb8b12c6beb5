/*
 * mdfs: the mount daemon's state, shared by every part of fuse/.  One struct
 * mdfs per mount is the libfuse userdata (passthrough_ll.c's lo_data); the
 * ops reach it through mdfs_of(req).  The parts it holds are created in
 * main() before the session starts and freed after it ends; each part
 * documents its own locking.
 */
#ifndef MINIDFS_FUSE_MDFS_H
#define MINIDFS_FUSE_MDFS_H

#include <stdint.h>

#include "common/log.h"

struct blockcache;
struct blockpool;
struct diskcache;
struct fuse_session;
struct httpc_pool;
struct inodes;
struct dirattrs;
struct opendirs;
struct atimes;
struct metaclient;
struct workq;
struct writer;
struct reader;
struct session;

/* The mount's configuration: one row per key in main.c's table (YAML file
 * given by conf=, then -o options). */
struct mdfs_config {
	uint64_t	 entry_timeout;		/* seconds */
	uint64_t	 attr_timeout;		/* seconds */
	uint64_t	 cache_size;		/* bytes of block cache in memory */
	char		*disk_cache;		/* directory, or NULL */
	uint64_t	 disk_cache_size;	/* bytes */
	uint64_t	 min_replicas;		/* 0: the cluster's replication */
	uint64_t	 uploaders;		/* upload threads */
	uint64_t	 write_buffer;		/* bytes of write buffers */
	uint64_t	 readahead;		/* blocks read ahead */
	uint64_t	 retry_time;		/* seconds of retries per call */
	uint64_t	 io_timeout;		/* seconds per HTTP request */
	char		*secret_file;		/* cluster secret, or NULL */
	char		*atime;			/* relatime|noatime|strictatime */
	uint64_t	 max_threads;		/* FUSE worker threads */
	int		 writeback_cache;	/* the kernel's (main.c init) */
	enum log_level	 log_level;
};

struct mdfs {
	struct mdfs_config	 conf;
	uint64_t		 block_size;	/* the cluster's, bytes */
	uint32_t		 replicas;	/* the cluster's default */
	uint32_t		 min_replicas;	/* effective */
	char			*secret;	/* or NULL */
	size_t			 secret_len;
	struct metaclient	*mc;
	struct httpc_pool	*data;		/* clients for dataservers */
	struct blockcache	*bc;
	struct blockpool	*bpool;		/* spare whole-block buffers */
	struct blockpool	*rpool;		/* spare READ reply buffers */
	struct diskcache	*dc;		/* or NULL */
	struct inodes		*inodes;
	struct dirattrs		*dirattrs;	/* recent directory attrs */
	struct lookahead	*lookahead;	/* listings ahead of lookups */
	struct opendirs		*opendirs;	/* directories open here */
	struct atimes		*atimes;	/* atime touches (atime.h) */
	struct writer		*wr;
	struct reader		*rd;
	struct session		*sess;		/* session.c */
	struct fuse_session	*se;
	int			 writeback;	/* the kernel's writeback cache
						 * is on (set by init) */
	double			 entry_timeout;	/* seconds, for replies */
	double			 attr_timeout;
	uint64_t		 commit_gen;	/* completed commits (atomic) */
	/* bumped before and after this mount's link, unlink, rmdir and
	 * rename (atomic): attributes read before differ in nlink or ctime */
	uint64_t		 names_gen;
	/* bumped by every change through this mount that can make a block
	 * map read before it stale, and the changes of files perhaps not
	 * open here in flight (atomic; reader.h, "map epochs") */
	uint64_t		 map_epoch;
	unsigned		 map_changing;
};

#endif /* MINIDFS_FUSE_MDFS_H */
