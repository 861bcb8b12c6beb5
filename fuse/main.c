/*
 * minidfs: the mount daemon.  `minidfs SOURCE MOUNTPOINT [-o opts]` mounts
 * the filesystem served by the metaservers in SOURCE (host:port[,...]) with
 * the libfuse3 low-level API.  main() runs straight through: options,
 * config, the metaserver handshake, the mount, daemonizing, the data path
 * threads, the session loop; then it flushes what is pending and tears
 * everything down in reverse order (a goto ladder).  The FUSE operations
 * table is at the bottom of this file.
 */
#include "config.h"

#include "fuse/ops.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blockpool.h"
#include "common/cfg.h"
#include "common/httpc.h"
#include "common/log.h"
#include "common/metaconn.h"
#include "common/protocol.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "fuse/atime.h"
#include "fuse/bdi.h"
#include "fuse/blockcache.h"
#include "fuse/diskcache.h"
#include "fuse/dirattrs.h"
#include "fuse/lookahead.h"
#include "fuse/inode.h"
#include "fuse/opendirs.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/ofile.h"
#include "fuse/reader.h"
#include "fuse/session.h"
#include "fuse/writer.h"

#define MDFS_MAX_IO		(1024u * 1024)	/* bytes: max_write, max_read */
#define MDFS_READ_AHEAD_KB	(MDFS_MAX_IO / 1024)	/* raise_readahead */
#define MDFS_DATA_POOL_IDLE	32	/* idle HTTP clients for dataservers */
#define MDFS_IDLE_THREADS	4	/* FUSE threads kept idle */
/* Block buffers (up to the block size) always come from mmap, so a freed
 * block goes back to the system at once.  Without a fixed threshold glibc
 * raises it after the first free and keeps freed blocks in its heaps, and
 * the daemon's RSS would outgrow cache_size + write_buffer. */
#define MDFS_MMAP_THRESHOLD	(256 * 1024)	/* bytes */
/* ...which costs a page fault per 4 KiB of every block fetched or written
 * and of every big READ's reply: a few buffers of each are kept for the
 * next one instead (blockpool.h; minidfs(8) counts them in the 32 MiB). */
#define MDFS_SPARE_BLOCKS	2
#define MDFS_SPARE_REPLIES	4	/* of MDFS_MAX_IO */

/*
 * The configuration table: defaults live here only.  A YAML file (conf=)
 * sets keys under "mount:", then -o options of the same names override.
 */
static const struct cfg_key mdfs_cfg[] = {
	{ "mount.entry_timeout", CFG_U64, 0, 3600, "1",
	    offsetof(struct mdfs_config, entry_timeout),
	    "seconds the kernel caches names (and absent names)" },
	{ "mount.attr_timeout", CFG_U64, 0, 3600, "1",
	    offsetof(struct mdfs_config, attr_timeout),
	    "seconds attributes are cached (kernel and daemon)" },
	{ "mount.cache_size", CFG_SIZE, 0, UINT64_C(1) << 40, "256M",
	    offsetof(struct mdfs_config, cache_size),
	    "bytes of blocks cached in memory" },
	{ "mount.disk_cache", CFG_STR, 0, 0, NULL,
	    offsetof(struct mdfs_config, disk_cache),
	    "directory of an on-disk block cache (none by default)" },
	{ "mount.disk_cache_size", CFG_SIZE, 0, UINT64_C(1) << 50, "1G",
	    offsetof(struct mdfs_config, disk_cache_size),
	    "bytes the on-disk cache may hold" },
	{ "mount.min_replicas", CFG_U64, 0, MDFS_REPLICAS_MAX, "0",
	    offsetof(struct mdfs_config, min_replicas),
	    "stored replicas a write needs (0: the cluster's replication)" },
	{ "mount.uploaders", CFG_U64, 1, 64, "8",
	    offsetof(struct mdfs_config, uploaders),
	    "threads uploading blocks" },
	{ "mount.write_buffer", CFG_SIZE, 1024 * 1024, UINT64_C(1) << 40,
	    "128M", offsetof(struct mdfs_config, write_buffer),
	    "bytes of write buffers before writers wait for uploads" },
	{ "mount.readahead", CFG_U64, 0, 64, "4",
	    offsetof(struct mdfs_config, readahead),
	    "blocks fetched ahead of a reader" },
	{ "mount.retry_time", CFG_U64, 1, 86400, "60",
	    offsetof(struct mdfs_config, retry_time),
	    "seconds a call retries and fails over before it fails" },
	{ "mount.io_timeout", CFG_U64, 1, 3600, "30",
	    offsetof(struct mdfs_config, io_timeout),
	    "seconds one HTTP request may take" },
	{ "mount.atime", CFG_STR, 0, 0, "relatime",
	    offsetof(struct mdfs_config, atime),
	    "relatime, noatime or strictatime: which reads and listings "
	    "update atime\n        (also -o noatime, -o strictatime)" },
	{ "mount.secret_file", CFG_STR, 0, 0, NULL,
	    offsetof(struct mdfs_config, secret_file),
	    "file holding the cluster secret (mode 0600)" },
	{ "mount.max_threads", CFG_U64, 1, 256, "16",
	    offsetof(struct mdfs_config, max_threads),
	    "threads serving kernel requests" },
	{ "mount.writeback_cache", CFG_BOOL, 0, 0, "false",
	    offsetof(struct mdfs_config, writeback_cache),
	    "kernel writeback cache: for a tree only this mount changes" },
	{ "mount.log_level", CFG_LEVEL, 0, 0, "info",
	    offsetof(struct mdfs_config, log_level),
	    "error, warn, info or debug" },
	{ NULL }
};

/* -o options as given (strings), validated through mdfs_cfg afterwards. */
struct mdfs_opts {
	char	*source;
	char	*conf;
	char	*entry_timeout;
	char	*attr_timeout;
	char	*cache_size;
	char	*disk_cache;
	char	*disk_cache_size;
	char	*min_replicas;
	char	*uploaders;
	char	*write_buffer;
	char	*readahead;
	char	*retry_time;
	char	*io_timeout;
	char	*atime;
	char	*secret_file;
	char	*max_threads;
	char	*writeback_cache;
	char	*log_level;
	int	 check_only;
};

#define MDFS_OPT(t, f)	{ t, offsetof(struct mdfs_opts, f), 0 }
#define MDFS_KEY_NOATIME	2	/* opt_proc keys: -o noatime, ... */
#define MDFS_KEY_RELATIME	3
#define MDFS_KEY_STRICTATIME	4
#define MDFS_KEY_WRITEBACK	1	/* opt_proc: bare -o writeback_cache */
static const struct fuse_opt mdfs_opts_table[] = {
	MDFS_OPT("conf=%s", conf),
	MDFS_OPT("entry_timeout=%s", entry_timeout),
	MDFS_OPT("attr_timeout=%s", attr_timeout),
	MDFS_OPT("cache_size=%s", cache_size),
	MDFS_OPT("disk_cache=%s", disk_cache),
	MDFS_OPT("disk_cache_size=%s", disk_cache_size),
	MDFS_OPT("min_replicas=%s", min_replicas),
	MDFS_OPT("uploaders=%s", uploaders),
	MDFS_OPT("write_buffer=%s", write_buffer),
	MDFS_OPT("readahead=%s", readahead),
	MDFS_OPT("retry_time=%s", retry_time),
	MDFS_OPT("io_timeout=%s", io_timeout),
	MDFS_OPT("atime=%s", atime),
	/* the standard mount options, also libfuse's mount flags (opt_proc) */
	FUSE_OPT_KEY("noatime", MDFS_KEY_NOATIME),
	FUSE_OPT_KEY("relatime", MDFS_KEY_RELATIME),
	FUSE_OPT_KEY("strictatime", MDFS_KEY_STRICTATIME),
	MDFS_OPT("secret_file=%s", secret_file),
	/* ours, so libfuse's fuse_parse_cmdline never sees it: its default
	 * (10) could not be told from an explicit -o max_threads=10 */
	MDFS_OPT("max_threads=%s", max_threads),
	MDFS_OPT("writeback_cache=%s", writeback_cache),
	/* the bare flag means =1 (opt_proc) */
	FUSE_OPT_KEY("writeback_cache", MDFS_KEY_WRITEBACK),
	MDFS_OPT("log_level=%s", log_level),
	{ "-n", offsetof(struct mdfs_opts, check_only), 1 },
	/* accepted from fstab and mount(8), meaningless here */
	FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END
};

/* The -o option name of each config key, in table order. */
static const struct {
	const char	*key;
	size_t		 off;
} mdfs_opt_keys[] = {
	{ "mount.entry_timeout", offsetof(struct mdfs_opts, entry_timeout) },
	{ "mount.attr_timeout", offsetof(struct mdfs_opts, attr_timeout) },
	{ "mount.cache_size", offsetof(struct mdfs_opts, cache_size) },
	{ "mount.disk_cache", offsetof(struct mdfs_opts, disk_cache) },
	{ "mount.disk_cache_size", offsetof(struct mdfs_opts, disk_cache_size) },
	{ "mount.min_replicas", offsetof(struct mdfs_opts, min_replicas) },
	{ "mount.uploaders", offsetof(struct mdfs_opts, uploaders) },
	{ "mount.write_buffer", offsetof(struct mdfs_opts, write_buffer) },
	{ "mount.readahead", offsetof(struct mdfs_opts, readahead) },
	{ "mount.retry_time", offsetof(struct mdfs_opts, retry_time) },
	{ "mount.io_timeout", offsetof(struct mdfs_opts, io_timeout) },
	{ "mount.atime", offsetof(struct mdfs_opts, atime) },
	{ "mount.secret_file", offsetof(struct mdfs_opts, secret_file) },
	{ "mount.max_threads", offsetof(struct mdfs_opts, max_threads) },
	{ "mount.writeback_cache",
	    offsetof(struct mdfs_opts, writeback_cache) },
	{ "mount.log_level", offsetof(struct mdfs_opts, log_level) },
};

static int
opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct mdfs_opts	*o = data;

	if (key == FUSE_OPT_KEY_NONOPT && o->source == NULL) {
		o->source = xstrdup(arg);
		return 0;	/* consumed: the rest is libfuse's */
	}
	if (key == MDFS_KEY_NOATIME || key == MDFS_KEY_RELATIME ||
	    key == MDFS_KEY_STRICTATIME) {
		free(o->atime);		/* the last one given wins */
		o->atime = xstrdup(arg);
		/* noatime stays for libfuse, which mounts with MS_NOATIME
		 * (/proc/mounts shows it); relatime is the kernel's default
		 * and strictatime libfuse does not know */
		return key == MDFS_KEY_NOATIME;
	}
	if (key == MDFS_KEY_WRITEBACK) {
		free(o->writeback_cache);	/* the last one given wins */
		o->writeback_cache = xstrdup("1");
		return 0;
	}
	return 1;
}

/* mc_set_dirs_hook: directories an entry call changed */
static void
dirs_answered(void *arg, const struct mc_attr *a)
{
	dirattrs_put(arg, a);
}

static void
usage(const char *prog)
{
	printf("usage: %s SOURCE MOUNTPOINT [options]\n"
	    "  SOURCE is host:port[,host:port...] of the metaservers.\n\n"
	    "minidfs options (-o name=value; also keys under \"mount:\" in "
	    "the conf= file):\n"
	    "    -o conf=FILE           YAML configuration file\n"
	    "    -n                     check the configuration and exit\n",
	    prog);
	for (const struct cfg_key *k = mdfs_cfg; k->path != NULL; k++)
		printf("    -o %s=VALUE\n        %s (default: %s)\n",
		    k->path + strlen("mount."), k->help,
		    k->def != NULL ? k->def : "none");
	printf("    (writeback_cache: the kernel gathers small writes in its "
	    "page cache and sends\n"
	    "     them in pages, so fewer requests reach the daemon; close, "
	    "fsync and flush\n"
	    "     still store the data before they return.  The cost: the "
	    "kernel keeps its\n"
	    "     own size and mtime of files it has cached, so another "
	    "mount's changes to\n"
	    "     them may be missed until the inode leaves the kernel's "
	    "cache.  For a tree\n"
	    "     only this mount changes: a build or scratch directory, "
	    "one writer per file\n"
	    "     at a time cluster-wide.)\n");
	/* Not fuse_cmdline_help(): it lists max_threads with libfuse's
	 * default and max_idle_threads, which are not what this daemon
	 * uses.  These are the generic ones it honours. */
	printf("\nFUSE options:\n"
	    "    -h   --help            print help\n"
	    "    -V   --version         print version\n"
	    "    -d   -o debug          enable debug output (implies -f)\n"
	    "    -f                     foreground operation\n"
	    "    -s                     disable multi-threaded operation\n"
	    "    -o clone_fd            use separate fuse device fd for each "
	    "thread\n");
	fuse_lowlevel_help();
}

static void __attribute__((format(printf, 2, 3)))
log_at(enum log_level l, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(l, fmt, ap);
	va_end(ap);
}

/*
 * libfuse's messages go through our logger.  libfuse prints some messages
 * in pieces ("unknown option(s): `", "-o ", "bogus", "'\n"), so pieces
 * are gathered per thread until the newline and logged as one line.  The
 * callback has no user data, hence the thread-local buffer.
 */
static void
fuse_log_to_ours(enum fuse_log_level level, const char *fmt, va_list ap)
{
	static _Thread_local char	 line[512];
	static _Thread_local size_t	 len;
	enum log_level	 l;
	int		 n;

	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n < 0)
		return;
	len += (size_t)n < sizeof(line) - len ? (size_t)n :
	    sizeof(line) - len - 1;
	if (len < sizeof(line) - 1 && (len == 0 || line[len - 1] != '\n'))
		return;		/* wait for the rest of the line */
	while (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	len = 0;
	if (level <= FUSE_LOG_ERR)
		l = LOG_LEVEL_ERROR;
	else if (level <= FUSE_LOG_WARNING)
		l = LOG_LEVEL_WARN;
	else if (level <= FUSE_LOG_INFO)
		l = LOG_LEVEL_INFO;
	else
		l = LOG_LEVEL_DEBUG;
	log_at(l, "%s", line);
}

/*
 * The kernel gives a FUSE mount's bdi the default readahead window
 * (read_ahead_kb 128) and at INIT lowers it to our max_readahead, never
 * raises it: without this, sequential reads arrive in 128 KiB READs
 * however big max_read is.  Done between the mount and the session loop,
 * from mountinfo (the mount itself would not answer yet); INIT then
 * leaves min(this, max_readahead).  Only root may write sysfs.
 */
static void
raise_readahead(const char *mountpoint)
{
	unsigned	 maj, min;
	int		 rc;

	if ((rc = bdi_mount_dev(mountpoint, &maj, &min)) == 0 &&
	    (rc = bdi_set_read_ahead_kb(maj, min, MDFS_READ_AHEAD_KB)) == 0)
		log_debug("bdi %u:%u: read_ahead_kb %u", maj, min,
		    MDFS_READ_AHEAD_KB);
	else
		log_info("cannot set the mount's read_ahead_kb to %u (%s): "
		    "sequential reads go in 128 KiB requests",
		    MDFS_READ_AHEAD_KB, strerror(-rc));
}

static void
mdfs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct mdfs	*fs = userdata;

	conn->max_write = MDFS_MAX_IO;
	conn->max_read = MDFS_MAX_IO;	/* as -o max_read, or libfuse refuses */
	conn->max_readahead = MDFS_MAX_IO;
	/*
	 * The writeback cache only when asked for (-o writeback_cache).
	 * With it the kernel keeps written data in dirty pages and sends it
	 * later, in pages; close and fsync still mean stored: fuse_flush()
	 * and fuse_fsync() write the dirty pages back (and return their
	 * errors) before the FLUSH or FSYNC that commits them, and release
	 * writes back what raced the close.  What is lost is close-to-open
	 * between mounts for the size and times: the kernel trusts its own
	 * i_size, mtime and ctime of a regular file whose inode it has
	 * cached and ignores what we answer (fuse_change_attributes), so
	 * another mount's growth or truncation may go unseen here.  Hence
	 * opt-in, for trees only this mount changes.  What the kernel does
	 * differently, and the ops handle: READs through write-only handles
	 * (read does not look at the handle's mode), appends placed by the
	 * kernel at its own i_size (attach() drops O_APPEND), and its own
	 * mtime and ctime sent as explicit times in setattr (mdfs_setattr).
	 */
	if (fs->conf.writeback_cache &&
	    (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) {
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
		fs->writeback = 1;
		log_info("the kernel's writeback cache is on");
	} else {
		if (fs->conf.writeback_cache)
			log_warnx("the kernel offers no writeback cache: "
			    "writeback_cache is off");
		conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
		fs->writeback = 0;
	}
	/* The kernel clears setuid/setgid on write and chown through setattr
	 * (not us in write). */
	conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
	/* O_TRUNC arrives as a setattr(size 0) before open. */
	conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	if (conn->capable & FUSE_CAP_ASYNC_READ)
		conn->want |= FUSE_CAP_ASYNC_READ;
	/* cluster-wide locks through the metaserver */
	if (conn->capable & FUSE_CAP_POSIX_LOCKS)
		conn->want |= FUSE_CAP_POSIX_LOCKS;
	if (conn->capable & FUSE_CAP_FLOCK_LOCKS)
		conn->want |= FUSE_CAP_FLOCK_LOCKS;
}

static void
flush_one(struct ofile *of, void *arg)
{
	int	*failed = arg;
	int	 rc;

	if ((rc = writer_flush(of)) != 0) {
		log_warnx("inode %llu: pending data not stored: %s",
		    (unsigned long long)of->ino, strerror(-rc));
		(*failed)++;
	}
}

/* Applies the -o strings over the config; 0 or -1 after logging. */
static int
apply_opts(struct mdfs_config *conf, const struct mdfs_opts *o)
{
	char	 err[256];
	int	 bad = 0;

	for (size_t i = 0; i < sizeof(mdfs_opt_keys) / sizeof(mdfs_opt_keys[0]);
	    i++) {
		const char *v = *(char *const *)((const char *)o +
		    mdfs_opt_keys[i].off);

		if (v == NULL)
			continue;
		if (cfg_set(mdfs_cfg, conf, mdfs_opt_keys[i].key, v, err,
		    sizeof(err)) != 0) {
			log_warnx("-o %s=%s: %s", mdfs_opt_keys[i].key + 6, v,
			    err);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

static void
opts_release(struct mdfs_opts *o)
{
	free(o->source);
	free(o->conf);
	for (size_t i = 0; i < sizeof(mdfs_opt_keys) / sizeof(mdfs_opt_keys[0]);
	    i++)
		free(*(char **)((char *)o + mdfs_opt_keys[i].off));
}

/*
 * "fsname=SOURCE" with the commas escaped for libfuse's parser.  The source
 * in /proc/mounts must be SOURCE as written in fstab: that is how mount -a
 * tells an fstab line is mounted already (the type says fuse.minidfs).
 */
static char *
fsname_opt(const char *source)
{
	size_t	 n = 0;
	char	*s = xmalloc(strlen("-ofsname=") + 2 * strlen(source) + 1);

	n = (size_t)sprintf(s, "-ofsname=");
	for (const char *p = source; *p != '\0'; p++) {
		if (*p == ',' || *p == '\\')
			s[n++] = '\\';
		s[n++] = *p;
	}
	s[n] = '\0';
	return s;
}

static const struct fuse_lowlevel_ops mdfs_ops;

int
main(int argc, char *argv[])
{
	struct fuse_args	 args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cl = { 0 };
	struct fuse_loop_config	*lc = NULL;
	struct mdfs_opts	 o = { 0 };
	struct mdfs		 fs = { 0 };
	struct mc_info		 info;
	enum atime_mode		 atime;
	char			 err[256], *fsname = NULL;
	char			 addrs[METACONN_ADDRS_MAX][MDFS_ADDR_MAX];
	int			 rc, ret = 1, failed = 0;

	log_init("minidfs", LOG_LEVEL_INFO, 0);
	fuse_set_log_func(fuse_log_to_ours);
	(void)mallopt(M_MMAP_THRESHOLD, MDFS_MMAP_THRESHOLD);
	if (fuse_opt_parse(&args, &o, mdfs_opts_table, opt_proc) == -1)
		goto out_args;
	if (fuse_parse_cmdline(&args, &cl) != 0)
		goto out_args;
	if (cl.show_help) {
		usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (cl.show_version) {
		printf("minidfs %s, libfuse %s\n", PACKAGE_VERSION,
		    fuse_pkgversion());
		ret = 0;
		goto out_args;
	}

	cfg_defaults(mdfs_cfg, &fs.conf);
	if (o.conf != NULL && cfg_load(mdfs_cfg, &fs.conf, o.conf, err,
	    sizeof(err)) != 0) {
		log_warnx("%s", err);
		goto out_conf;
	}
	if (apply_opts(&fs.conf, &o) != 0)
		goto out_conf;
	if (atime_mode_parse(fs.conf.atime, &atime) != 0) {
		log_warnx("atime=%s: not relatime, noatime or strictatime",
		    fs.conf.atime);
		goto out_conf;
	}
	log_setlevel(cl.debug ? LOG_LEVEL_DEBUG : fs.conf.log_level);
	if (o.source == NULL || cl.mountpoint == NULL) {
		log_warnx("usage: %s SOURCE MOUNTPOINT [-o options] (-h: help)",
		    argv[0]);
		goto out_conf;
	}
	if (metaconn_parse_list(o.source, addrs, err, sizeof(err)) < 0) {
		log_warnx("SOURCE %s", err);
		goto out_conf;
	}
	if (o.check_only) {
		cfg_dump(mdfs_cfg, &fs.conf, stdout);
		printf("configuration OK\n");
		ret = 0;
		goto out_conf;
	}
	fs.entry_timeout = (double)fs.conf.entry_timeout;
	fs.attr_timeout = (double)fs.conf.attr_timeout;

	httpc_global_init();
	if (fs.conf.secret_file != NULL &&
	    token_load_secret(fs.conf.secret_file, &fs.secret,
	    &fs.secret_len, err, sizeof(err)) != 0) {
		log_warnx("secret_file: %s", err);
		goto out_conf;
	}
	if (mc_new(o.source, fs.secret, fs.secret_len,
	    (long)fs.conf.retry_time * 1000, (long)fs.conf.io_timeout * 1000,
	    &fs.mc, err, sizeof(err)) != 0) {
		log_warnx("SOURCE: %s", err);
		goto out_secret;
	}
	if ((rc = mc_info(fs.mc, &info)) != 0) {
		log_warnx("cannot reach a metaserver of %s: %s", o.source,
		    strerror(-rc));
		goto out_mc;
	}
	if (info.root != MDFS_ROOT_INO) {
		log_warnx("metaserver root inode is %llu, expected %d",
		    (unsigned long long)info.root, MDFS_ROOT_INO);
		goto out_mc;
	}
	fs.block_size = info.block_size;
	fs.replicas = info.replicas;
	fs.min_replicas = fs.conf.min_replicas > 0 ?
	    (uint32_t)fs.conf.min_replicas : info.replicas;
	if (fs.conf.disk_cache != NULL && diskcache_open(fs.conf.disk_cache,
	    fs.conf.disk_cache_size, &fs.dc, err, sizeof(err)) != 0) {
		log_warnx("disk_cache: %s", err);
		goto out_mc;
	}
	fs.bpool = blockpool_new((size_t)fs.block_size + 1, MDFS_SPARE_BLOCKS);
	fs.rpool = blockpool_new(MDFS_MAX_IO, MDFS_SPARE_REPLIES);
	fs.bc = blockcache_new(fs.conf.cache_size, fs.bpool);
	fs.inodes = inodes_new();
	fs.dirattrs = dirattrs_new();
	fs.lookahead = lookahead_new();
	fs.opendirs = opendirs_new();
	mc_set_dirs_hook(fs.mc, dirs_answered, fs.dirattrs);

	/* always: the kernel checks permissions (sticky, setgid, access) */
	fsname = fsname_opt(o.source);
	if (fuse_opt_add_arg(&args, "-odefault_permissions") != 0 ||
	    fuse_opt_add_arg(&args, "-osubtype=minidfs") != 0 ||
	    fuse_opt_add_arg(&args, fsname) != 0 ||
	    fuse_opt_add_arg(&args, "-omax_read=1048576") != 0)
		goto out_caches;
	fs.se = fuse_session_new(&args, &mdfs_ops, sizeof(mdfs_ops), &fs);
	if (fs.se == NULL)
		goto out_caches;
	if (fuse_set_signal_handlers(fs.se) != 0)
		goto out_session;
	if (fuse_session_mount(fs.se, cl.mountpoint) != 0)
		goto out_signals;
	/* after the mount is live, before any thread exists */
	if (fuse_daemonize(cl.foreground) != 0)
		goto out_unmount;
	if (!cl.foreground)
		log_init("minidfs", cl.debug ? LOG_LEVEL_DEBUG :
		    fs.conf.log_level, 1);
	raise_readahead(cl.mountpoint);

	fs.data = httpc_pool_new(&(struct httpc_options){
	    .timeout_ms = (long)fs.conf.io_timeout * 1000,
	    .recv_buffer = HTTPC_BULK_RECV_BUFFER },
	    MDFS_DATA_POOL_IDLE);
	if ((rc = session_start(&fs)) != 0) {
		log_warnx("cannot open a session: %s", strerror(-rc));
		goto out_data;
	}
	if ((fs.rd = reader_new(&fs)) == NULL ||
	    (fs.wr = writer_new(&fs)) == NULL ||
	    (fs.atimes = atimes_new(fs.mc, atime)) == NULL)
		goto out_threads;
	log_info("mounted %s on %s (block size %llu, %u replicas, writes "
	    "need %u)", o.source, cl.mountpoint,
	    (unsigned long long)fs.block_size, fs.replicas, fs.min_replicas);

	if (cl.singlethread) {
		rc = fuse_session_loop(fs.se);
	} else {
		lc = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(lc, cl.clone_fd);
		fuse_loop_cfg_set_idle_threads(lc, MDFS_IDLE_THREADS);
		/* -o max_threads is ours (mdfs_opts_table): cl.max_threads
		 * is libfuse's default, never what was asked */
		fuse_loop_cfg_set_max_threads(lc,
		    (unsigned)fs.conf.max_threads);
		rc = fuse_session_loop_mt(fs.se, lc);
		fuse_loop_cfg_destroy(lc);
	}
	/* SIGTERM or unmount: store what is still buffered, then go */
	inodes_foreach_open(fs.inodes, flush_one, &failed);
	/* the loop returns the number of the signal that ended it */
	if (rc == SIGTERM || rc == SIGINT || rc == SIGHUP)
		rc = 0;
	else if (rc != 0)
		log_warnx("the FUSE session ended with an error: %s",
		    rc < 0 ? strerror(-rc) : "unknown");
	ret = rc == 0 && failed == 0 ? 0 : 1;
	log_info("unmounting %s%s", cl.mountpoint,
	    failed ? " (some data was not stored)" : "");

out_threads:
	atimes_free(fs.atimes);		/* sends the touches still queued */
	writer_free(fs.wr);
	reader_free(fs.rd);
	session_stop(&fs);
out_data:
	httpc_pool_free(fs.data);
out_unmount:
	fuse_session_unmount(fs.se);
out_signals:
	fuse_remove_signal_handlers(fs.se);
out_session:
	fuse_session_destroy(fs.se);
out_caches:
	inodes_free(fs.inodes);
	dirattrs_free(fs.dirattrs);
	lookahead_free(fs.lookahead);
	opendirs_free(fs.opendirs);
	blockcache_free(fs.bc);
	blockpool_free(fs.bpool);
	blockpool_free(fs.rpool);
	diskcache_free(fs.dc);
out_mc:
	mc_free(fs.mc);
out_secret:
	free(fs.secret);
out_conf:
	cfg_release(mdfs_cfg, &fs.conf);
out_args:
	free(fsname);
	free(cl.mountpoint);
	opts_release(&o);
	fuse_opt_free_args(&args);
	return ret;
}

static const struct fuse_lowlevel_ops mdfs_ops = {
	.init		= mdfs_init,
	.lookup		= mdfs_lookup,
	.forget		= mdfs_forget,
	.forget_multi	= mdfs_forget_multi,
	.getattr	= mdfs_getattr,
	.setattr	= mdfs_setattr,
	.readlink	= mdfs_readlink,
	.mknod		= mdfs_mknod,
	.mkdir		= mdfs_mkdir,
	.unlink		= mdfs_unlink,
	.rmdir		= mdfs_rmdir,
	.symlink	= mdfs_symlink,
	.rename		= mdfs_rename,
	.link		= mdfs_link,
	.open		= mdfs_open,
	.read		= mdfs_read,
	.write		= mdfs_write,
	.flush		= mdfs_flush,
	.release	= mdfs_release,
	.fsync		= mdfs_fsync,
	.opendir	= mdfs_opendir,
	.readdir	= mdfs_readdir,
	.readdirplus	= mdfs_readdirplus,
	.releasedir	= mdfs_releasedir,
	.fsyncdir	= mdfs_fsyncdir,
	.statfs		= mdfs_statfs,
	.setxattr	= mdfs_setxattr,
	.getxattr	= mdfs_getxattr,
	.listxattr	= mdfs_listxattr,
	.removexattr	= mdfs_removexattr,
	.create		= mdfs_create,
	.getlk		= mdfs_getlk,
	.setlk		= mdfs_setlk,
	.flock		= mdfs_flock,
	.fallocate	= mdfs_fallocate,
	.lseek		= mdfs_lseek,
};
