/*
 * cmd_files: the FUSE-less client.  "put LOCAL|- REMOTE" stores a local file
 * (or standard input), "get REMOTE LOCAL|-" fetches one, "ls [-l] PATH",
 * "rm PATH" and "mkdir PATH" work on the namespace.  Paths are absolute and
 * resolved from the root by lookups.  Every call is one of the shared
 * client functions (common/metaclient for the metaserver, common/dataapi
 * for the blocks), so a file put here is stored exactly as the mount
 * daemon stores it: cut into blocks of the cluster's block size, each
 * hashed (common/blockid), allocated, PUT along its chain (skipped when
 * the cluster has it) and committed, under a session opened for the run.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/admin.h"
#include "cli/output.h"
#include "common/blockpool.h"
#include "common/dataapi.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/metaclient.h"
#include "common/names.h"
#include "common/protocol.h"

#define FILES_HTTP_TIMEOUT_MS	60000	/* one HTTP request */
#define FILES_POOL_IDLE		2	/* idle dataserver clients kept */
#define FILES_FILE_MODE		0644	/* put: a new file */
#define FILES_DIR_MODE		0755	/* mkdir */
#define FILES_MAP_PAGE		256	/* get: chunks asked per blockmap */

/* What one command holds for its run. */
struct files {
	struct admin_ctx	*ctx;
	struct metaclient	*mc;
	struct httpc_pool	*pool;		/* NULL unless data moves */
	struct mc_info		 info;
	int			 session;	/* 1 while one is open */
	unsigned		 ttl_s;
	time_t			 renewed;
};

/* dataapi_report: a bad replica goes to the metaserver at once (a command
 * waits for it; a failed report changes nothing for the read). */
static void
report_bad(void *arg, const char *id, const char *node_id)
{
	struct files	*f = arg;

	(void)mc_report_bad(f->mc, id, node_id);
}

/* Connects and reads the cluster's parameters.  Returns ADMIN_EXIT_OK or
 * the status after reporting. */
static int
files_open(struct files *f, struct admin_ctx *ctx, int data)
{
	char	 err[ADMIN_ERR_LEN];
	int	 rc;

	memset(f, 0, sizeof(*f));
	f->ctx = ctx;
	if (mc_new(ctx->meta, ctx->secret, ctx->secret_len, ctx->retry_ms,
	    FILES_HTTP_TIMEOUT_MS, &f->mc, err, sizeof(err)) != 0)
		return admin_usage_error(ctx, "-m: %s", err);
	if ((rc = mc_info(f->mc, &f->info)) != 0)
		return admin_fail(ctx, "metaserver: %s", strerror(-rc));
	if (f->info.block_size == 0 ||
	    f->info.block_size > MDFS_BLOCK_SIZE_MAX)
		return admin_fail(ctx, "metaserver: bad block size %" PRIu64,
		    f->info.block_size);
	if (data) {
		struct httpc_options	 ho = { 0 };

		ho.timeout_ms = FILES_HTTP_TIMEOUT_MS;
		ho.recv_buffer = HTTPC_BULK_RECV_BUFFER;
		if ((f->pool = httpc_pool_new(&ho, FILES_POOL_IDLE)) == NULL)
			return admin_fail(ctx, "out of memory");
	}
	return ADMIN_EXIT_OK;
}

static int
files_session(struct files *f, const char *what)
{
	char	 client[64];
	int	 rc;

	snprintf(client, sizeof(client), "minidfs-admin %s", what);
	if ((rc = mc_session_open(f->mc, client, &f->ttl_s)) != 0)
		return admin_fail(f->ctx, "session: %s", strerror(-rc));
	f->session = 1;
	f->renewed = time(NULL);
	return ADMIN_EXIT_OK;
}

/* Renews the session when a third of its TTL went by (between blocks). An
 * expired one is reopened by the metaclient on the next call. */
static void
files_keepalive(struct files *f)
{
	time_t	 now = time(NULL);

	if (!f->session || now - f->renewed < (time_t)(f->ttl_s / 3))
		return;
	(void)mc_session_renew(f->mc, &f->ttl_s);
	f->renewed = now;
}

static void
files_close(struct files *f)
{
	if (f->session)
		(void)mc_session_close(f->mc);
	httpc_pool_free(f->pool);
	mc_free(f->mc);
}

static int
is_dir(const struct mc_attr *a)
{
	return S_ISDIR(a->mode);
}

int
admin_resolve(struct metaclient *mc, uint64_t root, const char *path,
    struct mc_attr *a)
{
	const char	*p = path, *e;
	char		 name[NAMES_MAX + 1];
	int		 rc;

	if (path[0] != '/')
		return -EINVAL;
	if ((rc = mc_getattr(mc, root, a)) != 0)
		return rc;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return 0;
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		if ((rc = names_valid(p, (size_t)(e - p))) != 0)
			return rc;
		if (!is_dir(a))
			return -ENOTDIR;
		memcpy(name, p, (size_t)(e - p));
		name[e - p] = '\0';
		if ((rc = mc_lookup(mc, a->ino, name, a)) != 0)
			return rc;
		p = e;
	}
}

static int
resolve(struct files *f, const char *path, struct mc_attr *a)
{
	return admin_resolve(f->mc, f->info.root, path, a);
}

/* Resolves the directory of path into *dir and copies its last component
 * into name.  -EINVAL also for the root itself (no last component). */
static int
resolve_parent(struct files *f, const char *path, struct mc_attr *dir,
    char name[NAMES_MAX + 1])
{
	char	*copy, *slash;
	size_t	 len = strlen(path);
	int	 rc;

	if (path[0] != '/')
		return -EINVAL;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if ((copy = strndup(path, len)) == NULL)
		return -ENOMEM;
	slash = strrchr(copy, '/');
	if ((rc = names_valid_str(slash + 1)) != 0) {
		free(copy);
		return rc;
	}
	snprintf(name, NAMES_MAX + 1, "%s", slash + 1);
	slash[1] = '\0';
	rc = resolve(f, copy, dir);
	free(copy);
	if (rc == 0 && !is_dir(dir))
		rc = -ENOTDIR;
	return rc;
}

static int
path_fail(struct files *f, const char *path, int rc)
{
	if (rc == -EINVAL)
		return admin_fail(f->ctx, "%s: not an absolute path of valid "
		    "names", path);
	return admin_fail(f->ctx, "%s: %s", path, strerror(-rc));
}

/* ---- mkdir, rm ------------------------------------------------------------- */

static int
mkdir_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct files	 f;
	struct mc_attr	 dir, a;
	char		 name[NAMES_MAX + 1];
	const char	*path = args->argv[0];
	int		 rc, st;

	if ((st = files_open(&f, ctx, 0)) != ADMIN_EXIT_OK)
		goto out;
	if ((rc = resolve_parent(&f, path, &dir, name)) != 0 ||
	    (rc = mc_mkdir(f.mc, NULL, dir.ino, name, FILES_DIR_MODE, &a)) != 0)
		st = path_fail(&f, path, rc);
out:
	files_close(&f);
	return st;
}

const struct admin_cmd admin_cmd_mkdir = {
	.name = "mkdir",
	.usage = "PATH",
	.help = "make a directory (its parent must exist)",
	.min_args = 1,
	.max_args = 1,
	.exec = mkdir_exec,
};

static int
rm_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct files	 f;
	struct mc_attr	 dir, a;
	char		 name[NAMES_MAX + 1];
	const char	*path = args->argv[0];
	int		 rc, st;

	if ((st = files_open(&f, ctx, 0)) != ADMIN_EXIT_OK)
		goto out;
	if ((rc = resolve_parent(&f, path, &dir, name)) == 0 &&
	    (rc = mc_lookup(f.mc, dir.ino, name, &a)) == 0)
		rc = is_dir(&a) ? mc_rmdir(f.mc, NULL, dir.ino, name) :
		    mc_unlink(f.mc, NULL, dir.ino, name);
	if (rc != 0)
		st = path_fail(&f, path, rc);
out:
	files_close(&f);
	return st;
}

const struct admin_cmd admin_cmd_rm = {
	.name = "rm",
	.usage = "PATH",
	.help = "remove a file, or an empty directory",
	.min_args = 1,
	.max_args = 1,
	.exec = rm_exec,
};

/* ---- ls -------------------------------------------------------------------- */

static const struct admin_flag ls_flags[] = {
	{ 'l', "long", 0, NULL, "mode, links, owner, size, mtime and name" },
	{ 0 }
};

static void
ls_add(struct admin_ctx *ctx, struct out_table *t, cJSON *arr,
    const char *name, const struct mc_attr *a)
{
	char		 mode[16], nl[OUT_NUM_LEN], uid[OUT_NUM_LEN],
			 gid[OUT_NUM_LEN], size[OUT_NUM_LEN], when[32];
	time_t		 sec = (time_t)(a->mtime / 1000000000);
	struct tm	 tm;

	if (arr != NULL) {
		cJSON *o = json_new_object();

		json_add_str(o, JF_NAME, name);
		json_add_u64(o, JF_INO, a->ino);
		json_add_num(o, JF_MODE, a->mode);
		json_add_u64(o, JF_SIZE, a->size);
		json_add_num(o, JF_NLINK, a->nlink);
		json_add_num(o, JF_UID, a->uid);
		json_add_num(o, JF_GID, a->gid);
		json_add_i64(o, JF_MTIME, a->mtime);
		cJSON_AddItemToArray(arr, o);
		return;
	}
	if (t == NULL) {
		fprintf(ctx->out, "%s\n", name);
		return;
	}
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	{
		const char	*row[7] = { out_mode(a->mode, mode),
				    out_u64(a->nlink, nl), out_u64(a->uid, uid),
				    out_u64(a->gid, gid), out_u64(a->size, size),
				    when, name };

		out_table_row(t, row);
	}
}

static const struct out_col ls_cols[] = {
	{ "MODE", OUT_LEFT }, { "LINKS", OUT_RIGHT }, { "UID", OUT_RIGHT },
	{ "GID", OUT_RIGHT }, { "SIZE", OUT_RIGHT }, { "MTIME (UTC)", OUT_LEFT },
	{ "NAME", OUT_LEFT },
};

static int
ls_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct files		 f;
	struct mc_attr		 a;
	struct out_table	*t = NULL;
	struct mc_dirent	*ents;
	cJSON			*arr = NULL;
	const char		*path = args->argv[0];
	uint64_t		 cookie = 0;
	size_t			 n;
	int			 lng = admin_has(&admin_cmd_ls, args, 'l');
	int			 rc, st, eof = 0;

	if ((st = files_open(&f, ctx, 0)) != ADMIN_EXIT_OK)
		goto out;
	if ((rc = resolve(&f, path, &a)) != 0) {
		st = path_fail(&f, path, rc);
		goto out;
	}
	if (ctx->json)
		arr = cJSON_CreateArray();
	else if (lng)
		t = out_table_new(ls_cols, sizeof(ls_cols) / sizeof(ls_cols[0]));
	if (!is_dir(&a)) {
		const char	*base = strrchr(path, '/') + 1;

		ls_add(ctx, t, arr, base[0] != '\0' ? base : path, &a);
	}
	while (is_dir(&a) && !eof) {
		if ((rc = mc_readdir(f.mc, a.ino, cookie, MDFS_READDIR_MAX,
		    &ents, &n, &eof)) != 0) {
			st = path_fail(&f, path, rc);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			cookie = ents[i].cookie;
			if (strcmp(ents[i].name, ".") != 0 &&
			    strcmp(ents[i].name, "..") != 0)
				ls_add(ctx, t, arr, ents[i].name,
				    &ents[i].attr);
		}
		mc_dirents_free(ents, n);
		if (n == 0)
			break;
	}
	if (arr != NULL)
		out_json(ctx->out, arr);
	else if (t != NULL)
		out_table_print(t, ctx->out);
out:
	cJSON_Delete(arr);
	out_table_free(t);
	files_close(&f);
	return st;
}

const struct admin_cmd admin_cmd_ls = {
	.name = "ls",
	.usage = "[-l] PATH",
	.help = "list a directory (or show a file)",
	.flags = ls_flags,
	.min_args = 1,
	.max_args = 1,
	.exec = ls_exec,
};

/* ---- put ------------------------------------------------------------------- */

/* Reads up to n bytes (fewer only at the end of the input).  Returns the
 * count, or -1 on a read error. */
static ssize_t
read_full(FILE *in, char *buf, size_t n)
{
	size_t	 got = 0, r;

	while (got < n) {
		r = fread(buf + got, 1, n - got, in);
		if (r == 0)
			return ferror(in) ? -1 : (ssize_t)got;
		got += r;
	}
	return (ssize_t)got;
}

/* Commits the n chunks gathered so far and the size. */
static int
put_commit(struct files *f, uint64_t ino, uint64_t size,
    const struct mc_commit *cm, size_t n)
{
	struct mc_attr	 a;

	return mc_commit(f->mc, ino, size, -1, cm, n, &a);
}

/* Stores the whole input as inode ino (opened with O_TRUNC).  Returns 0 or
 * -errno; *what names the failing step. */
static int
put_data(struct files *f, FILE *in, uint64_t ino, const char **what)
{
	uint64_t	 bs = f->info.block_size, size = 0, index = 0;
	struct mc_commit *cm;
	struct mc_chunk	 ch;
	unsigned	 need = f->info.replicas > 0 ? f->info.replicas : 1;
	size_t		 ncm = 0;
	ssize_t		 n;
	char		*buf;
	int		 rc = 0;

	if ((buf = malloc(bs)) == NULL)
		return -ENOMEM;
	if ((cm = calloc(MDFS_BLOCKMAP_MAX, sizeof(*cm))) == NULL) {
		free(buf);
		return -ENOMEM;
	}
	for (;;) {
		if ((n = read_full(in, buf, bs)) < 0) {
			*what = "reading the input";
			rc = errno != 0 ? -errno : -EIO;
			break;
		}
		if (n > 0) {
			files_keepalive(f);
			*what = "storing a block";
			if ((rc = dataapi_store(f->mc, f->pool, ino, buf,
			    (size_t)n, (unsigned)(f->ctx->retry_ms / 1000),
			    &need, &ch, &cm[ncm])) != 0)
				break;
			cm[ncm++].index = index++;
			size += (uint64_t)n;
		}
		if (ncm == MDFS_BLOCKMAP_MAX || (n < (ssize_t)bs && ncm > 0) ||
		    (n == 0 && size == 0)) {
			*what = "commit";
			if ((rc = put_commit(f, ino, size, cm, ncm)) != 0)
				break;
			ncm = 0;
		}
		if (n < (ssize_t)bs)
			break;
	}
	free(cm);
	free(buf);
	return rc;
}

static int
put_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct files	 f;
	struct mc_attr	 dir, a;
	char		 name[NAMES_MAX + 1];
	const char	*local = args->argv[0], *path = args->argv[1];
	const char	*what = "create";
	FILE		*in = NULL;
	uint64_t	 fh = 0;
	int		 rc, st, created, opened = 0;

	if (strcmp(local, "-") == 0)
		in = stdin;
	else if ((in = fopen(local, "rb")) == NULL)
		return admin_fail(ctx, "%s: %s", local, strerror(errno));
	if ((st = files_open(&f, ctx, 1)) != ADMIN_EXIT_OK)
		goto out;
	if ((rc = resolve_parent(&f, path, &dir, name)) != 0) {
		st = path_fail(&f, path, rc);
		goto out;
	}
	if ((st = files_session(&f, "put")) != ADMIN_EXIT_OK)
		goto out;
	if ((rc = mc_create(f.mc, NULL, dir.ino, name, S_IFREG |
	    FILES_FILE_MODE, O_WRONLY | O_CREAT | O_TRUNC, &a, &fh,
	    &created)) == 0) {
		opened = 1;
		if (!S_ISREG(a.mode))
			rc = -EISDIR;
		else
			rc = put_data(&f, in, a.ino, &what);
	}
	if (rc != 0)
		st = admin_fail(ctx, "%s: %s: %s", path, what, strerror(-rc));
	if (opened)
		(void)mc_release(f.mc, a.ino, fh);
out:
	files_close(&f);
	if (in != NULL && in != stdin)
		fclose(in);
	return st;
}

const struct admin_cmd admin_cmd_put = {
	.name = "put",
	.usage = "LOCAL|- REMOTE",
	.help = "store a local file (- standard input) as REMOTE",
	.min_args = 2,
	.max_args = 2,
	.exec = put_exec,
};

/* ---- get ------------------------------------------------------------------- */

static int
write_zeros(FILE *out, uint64_t n)
{
	static const char	 zeros[4096];

	while (n > 0) {
		size_t	 k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);

		if (fwrite(zeros, 1, k, out) != k)
			return -EIO;
		n -= k;
	}
	return 0;
}

/* Writes the file ino (size bytes at open) to out: each block verified
 * against its id, holes as zeros.  *what names the failing step. */
static int
get_data(struct files *f, uint64_t ino, uint64_t size, FILE *out,
    const char **what)
{
	uint64_t	 bs = f->info.block_size;
	uint64_t	 nblocks = (size + bs - 1) / bs;
	/* each block's GET lands in the memory of the one before */
	struct blockpool *bp = blockpool_new((size_t)bs + 1, 1);
	int		 rc = 0;

	for (uint64_t first = 0; first < nblocks && rc == 0;
	    first += FILES_MAP_PAGE) {
		struct mc_chunk	*chunks = NULL;
		size_t		 n = 0, k = 0;
		uint64_t	 msize;

		files_keepalive(f);
		*what = "block map";
		if ((rc = mc_blockmap(f->mc, ino, first, FILES_MAP_PAGE,
		    &chunks, &n, &msize)) != 0)
			break;
		for (uint64_t i = first; i < first + FILES_MAP_PAGE &&
		    i < nblocks && rc == 0; i++) {
			uint64_t	 want = size - i * bs < bs ?
					    size - i * bs : bs;
			uint64_t	 have = 0;
			void		*data = NULL;
			size_t		 len = 0;

			while (k < n && chunks[k].index < i)
				k++;
			if (k < n && chunks[k].index == i) {
				struct dataapi_report rep = { report_bad, f };

				*what = "reading a block";
				if ((rc = dataapi_get(f->pool, &chunks[k], bs,
				    &rep, bp, &data, &len)) != 0)
					break;
				have = chunks[k].len < want ? chunks[k].len :
				    want;
				if (have > len)
					have = len;
			}
			*what = "writing the output";
			errno = 0;
			if ((have > 0 && fwrite(data, 1, (size_t)have, out) !=
			    have) || write_zeros(out, want - have) != 0)
				rc = errno != 0 ? -errno : -EIO;
			blockpool_put(bp, data);
		}
		free(chunks);
	}
	blockpool_free(bp);
	return rc;
}

static int
get_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct files	 f;
	struct mc_attr	 a;
	const char	*path = args->argv[0], *local = args->argv[1];
	const char	*what = "open";
	FILE		*out = NULL;
	uint64_t	 fh = 0;
	int		 rc, st, opened = 0;

	if ((st = files_open(&f, ctx, 1)) != ADMIN_EXIT_OK)
		goto out;
	if ((rc = resolve(&f, path, &a)) != 0) {
		st = path_fail(&f, path, rc);
		goto out;
	}
	if (is_dir(&a)) {
		st = path_fail(&f, path, -EISDIR);
		goto out;
	}
	if ((st = files_session(&f, "get")) != ADMIN_EXIT_OK)
		goto out;
	if ((rc = mc_open(f.mc, a.ino, O_RDONLY, &a, &fh)) == 0) {
		opened = 1;
		if (strcmp(local, "-") == 0)
			out = ctx->out;
		else if ((out = fopen(local, "wb")) == NULL) {
			what = local;
			rc = -errno;
		}
	}
	if (rc == 0)
		rc = get_data(&f, a.ino, a.size, out, &what);
	if (out != NULL && out != ctx->out) {
		if (fclose(out) != 0 && rc == 0) {
			what = "writing the output";
			rc = errno != 0 ? -errno : -EIO;
		}
		if (rc != 0)
			unlink(local);	/* no partial copy left behind */
	} else if (rc == 0 && fflush(out) != 0) {
		what = "writing the output";
		rc = errno != 0 ? -errno : -EIO;
	}
	if (rc != 0)
		st = admin_fail(ctx, "%s: %s: %s", path, what, strerror(-rc));
	if (opened)
		(void)mc_release(f.mc, a.ino, fh);
out:
	files_close(&f);
	return st;
}

const struct admin_cmd admin_cmd_get = {
	.name = "get",
	.usage = "REMOTE LOCAL|-",
	.help = "copy REMOTE to a local file (- standard output)",
	.min_args = 2,
	.max_args = 2,
	.exec = get_exec,
};
