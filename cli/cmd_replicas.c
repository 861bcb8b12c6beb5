/*
 * cmd_replicas: "set-replicas [-r] PATH N" and "get-replicas PATH", the
 * replication of files and directory trees.  Replication lives in the
 * virtual xattr MDFS_XATTR_REPLICAS (common/protocol.h): on a file it is
 * the file's number of replicas (the metaserver re-references its blocks,
 * so repair copies or trims them to N); on a directory it is inherited by
 * the files and directories created in it afterwards.  So the commands are
 * plain filesystem calls: PATH is resolved by lookups from the root
 * (admin_resolve) and the xattr set or read; with -r a directory's tree is
 * walked with readdir, depth first with an explicit stack, and every
 * directory and regular file below gets N too (symlinks and special files
 * hold no blocks and are left alone).  Nothing is cached: an entry removed
 * during the walk is reported and the walk goes on.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/admin.h"
#include "cli/output.h"
#include "common/json.h"
#include "common/metaclient.h"
#include "common/protocol.h"
#include "common/strnum.h"
#include "common/xalloc.h"

#define REPL_HTTP_TIMEOUT_MS	60000	/* one HTTP request */
#define REPL_VALUE_LEN		8	/* bytes of "16" and the NUL, rounded */
#define REPL_STACK_MIN		16	/* directories on the walk's stack */

static const struct admin_flag set_flags[] = {
	{ 'r', "recursive", 0, NULL, "also every directory and file below "
	    "PATH" },
	{ 0 }
};

/* What one run holds. */
struct repl {
	struct admin_ctx	*ctx;
	struct metaclient	*mc;
	struct mc_info		 info;
	char			 value[REPL_VALUE_LEN];	/* N as text */
	uint64_t		 files, dirs, failed;
	uint64_t		*stack;		/* -r: directories to list */
	size_t			 nstack, capstack;
};

static int
repl_open(struct repl *r, struct admin_ctx *ctx)
{
	char	 err[ADMIN_ERR_LEN];
	int	 rc;

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	if (mc_new(ctx->meta, ctx->secret, ctx->secret_len, ctx->retry_ms,
	    REPL_HTTP_TIMEOUT_MS, &r->mc, err, sizeof(err)) != 0)
		return admin_usage_error(ctx, "-m: %s", err);
	if ((rc = mc_info(r->mc, &r->info)) != 0)
		return admin_fail(ctx, "metaserver: %s", strerror(-rc));
	return ADMIN_EXIT_OK;
}

static void
repl_close(struct repl *r)
{
	free(r->stack);
	mc_free(r->mc);
}

static int
path_error(struct admin_ctx *ctx, const char *path, int rc)
{
	if (rc == -EINVAL)
		return admin_fail(ctx, "%s: not an absolute path of valid "
		    "names", path);
	return admin_fail(ctx, "%s: %s", path, strerror(-rc));
}

/* The replication of ino: its own value (*explicit 1), or the cluster
 * default (*explicit 0).  Returns 0 or -errno (-EIO for a value that is not
 * a replica count). */
static int
get_replicas(struct repl *r, uint64_t ino, unsigned *n, int *explicit)
{
	void		*v = NULL;
	size_t		 len = 0;
	char		 text[REPL_VALUE_LEN];
	uint64_t	 u;
	int		 rc;

	rc = mc_getxattr(r->mc, ino, MDFS_XATTR_REPLICAS, &v, &len);
	if (rc == -ENODATA) {
		*n = r->info.replicas;
		*explicit = 0;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (len == 0 || len >= sizeof(text)) {
		free(v);
		return -EIO;
	}
	memcpy(text, v, len);
	text[len] = '\0';
	free(v);
	if (parse_u64(text, 1, MDFS_REPLICAS_MAX, &u) != 0)
		return -EIO;
	*n = (unsigned)u;
	*explicit = 1;
	return 0;
}

static int
set_one(struct repl *r, uint64_t ino)
{
	return mc_setxattr(r->mc, ino, MDFS_XATTR_REPLICAS, r->value,
	    strlen(r->value), 0);
}

static void
push_dir(struct repl *r, uint64_t ino)
{
	if (r->nstack == r->capstack) {
		r->capstack = r->capstack ? r->capstack * 2 : REPL_STACK_MIN;
		r->stack = xrealloc(r->stack, r->capstack *
		    sizeof(*r->stack));
	}
	r->stack[r->nstack++] = ino;
}

/* One failure during the walk: one line, and the run will exit 1. */
static void
walk_error(struct repl *r, uint64_t ino, const char *name, int rc)
{
	fprintf(r->ctx->err, "%s: set-replicas: inode %" PRIu64 "%s%s: %s\n",
	    r->ctx->prog, ino, name != NULL ? " entry " : "",
	    name != NULL ? name : "", strerror(-rc));
	r->failed++;
}

/* Sets N on every directory and regular file below the directories on the
 * stack (the directories themselves are already set). */
static void
walk(struct repl *r)
{
	struct mc_dirent	*ents;
	uint64_t		 dir, cookie;
	size_t			 n;
	int			 rc, eof;

	while (r->nstack > 0) {
		dir = r->stack[--r->nstack];
		cookie = 0;
		eof = 0;
		while (!eof) {
			if ((rc = mc_readdir(r->mc, dir, cookie,
			    MDFS_READDIR_MAX, &ents, &n, &eof)) != 0) {
				walk_error(r, dir, NULL, rc);
				break;
			}
			for (size_t i = 0; i < n; i++) {
				const struct mc_dirent *e = &ents[i];

				cookie = e->cookie;
				if (strcmp(e->name, ".") == 0 ||
				    strcmp(e->name, "..") == 0)
					continue;
				if (!S_ISDIR(e->attr.mode) &&
				    !S_ISREG(e->attr.mode))
					continue;
				if ((rc = set_one(r, e->attr.ino)) != 0) {
					walk_error(r, dir, e->name, rc);
					continue;
				}
				if (S_ISDIR(e->attr.mode)) {
					r->dirs++;
					push_dir(r, e->attr.ino);
				} else
					r->files++;
			}
			mc_dirents_free(ents, n);
			if (n == 0)
				break;
		}
	}
}

static const char *
kind(const struct mc_attr *a)
{
	if (S_ISDIR(a->mode))
		return "directory";
	if (S_ISREG(a->mode))
		return "file";
	return "other";
}

/* ---- set-replicas -------------------------------------------------------- */

static int
set_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct repl	 r;
	struct mc_attr	 a;
	const char	*path = args->argv[0], *arg = args->argv[1];
	uint64_t	 n;
	unsigned	 was;
	int		 rec = admin_has(&admin_cmd_set_replicas, args, 'r');
	int		 rc, st, was_explicit;

	if (parse_u64(arg, 1, MDFS_REPLICAS_MAX, &n) != 0)
		return admin_usage_error(ctx, "set-replicas: N \"%s\": want "
		    "1..%d", arg, MDFS_REPLICAS_MAX);
	if ((st = repl_open(&r, ctx)) != ADMIN_EXIT_OK)
		goto out;
	snprintf(r.value, sizeof(r.value), "%" PRIu64, n);
	if ((rc = admin_resolve(r.mc, r.info.root, path, &a)) != 0) {
		st = path_error(ctx, path, rc);
		goto out;
	}
	if (!S_ISDIR(a.mode) && !S_ISREG(a.mode)) {
		st = admin_fail(ctx, "%s: not a file or directory", path);
		goto out;
	}
	if (rec && !S_ISDIR(a.mode)) {
		st = admin_fail(ctx, "%s: -r needs a directory", path);
		goto out;
	}
	if ((rc = get_replicas(&r, a.ino, &was, &was_explicit)) != 0 ||
	    (rc = set_one(&r, a.ino)) != 0) {
		st = path_error(ctx, path, rc);
		goto out;
	}
	if (S_ISDIR(a.mode))
		r.dirs++;
	else
		r.files++;
	if (rec) {
		push_dir(&r, a.ino);
		walk(&r);
	}
	if (ctx->json) {
		cJSON	*o = json_new_object();

		json_add_str(o, "path", path);
		json_add_u64(o, JF_INO, a.ino);
		json_add_str(o, "type", kind(&a));
		json_add_num(o, JF_REPLICAS, (double)n);
		json_add_num(o, "previous", was);
		json_add_bool(o, "previous_explicit", was_explicit);
		json_add_bool(o, "recursive", rec);
		json_add_u64(o, "files", r.files);
		json_add_u64(o, "directories", r.dirs);
		json_add_u64(o, "failed", r.failed);
		out_json(ctx->out, o);
		cJSON_Delete(o);
	} else {
		fprintf(ctx->out, "%s: replicas %" PRIu64 " (was %u%s)\n",
		    path, n, was, was_explicit ? "" : ", the default");
		if (rec)
			fprintf(ctx->out, "set on %" PRIu64 " directories and %"
			    PRIu64 " files%s\n", r.dirs, r.files,
			    r.failed > 0 ? "; some entries failed" : "");
		else if (S_ISDIR(a.mode))
			fprintf(ctx->out, "new files and directories in %s "
			    "get %" PRIu64 " replicas (existing ones: -r)\n",
			    path, n);
	}
	st = r.failed > 0 ? ADMIN_EXIT_FAIL : ADMIN_EXIT_OK;
out:
	repl_close(&r);
	return st;
}

const struct admin_cmd admin_cmd_set_replicas = {
	.name = "set-replicas",
	.usage = "[-r] PATH N",
	.help = "set the replicas of a file or directory (-r: its tree)",
	.flags = set_flags,
	.min_args = 2,
	.max_args = 2,
	.exec = set_exec,
};

/* ---- get-replicas -------------------------------------------------------- */

static int
get_exec(struct admin_ctx *ctx, const struct admin_args *args)
{
	struct repl	 r;
	struct mc_attr	 a;
	const char	*path = args->argv[0];
	unsigned	 n;
	int		 rc, st, explicit;

	if ((st = repl_open(&r, ctx)) != ADMIN_EXIT_OK)
		goto out;
	if ((rc = admin_resolve(r.mc, r.info.root, path, &a)) != 0 ||
	    (rc = get_replicas(&r, a.ino, &n, &explicit)) != 0) {
		st = path_error(ctx, path, rc);
		goto out;
	}
	if (ctx->json) {
		cJSON	*o = json_new_object();

		json_add_str(o, "path", path);
		json_add_u64(o, JF_INO, a.ino);
		json_add_str(o, "type", kind(&a));
		json_add_num(o, JF_REPLICAS, n);
		json_add_bool(o, "explicit", explicit);
		out_json(ctx->out, o);
		cJSON_Delete(o);
	} else
		fprintf(ctx->out, "%s: %u%s\n", path, n,
		    explicit ? "" : " (the cluster default)");
out:
	repl_close(&r);
	return st;
}

const struct admin_cmd admin_cmd_get_replicas = {
	.name = "get-replicas",
	.usage = "PATH",
	.help = "show the replication of a file or directory",
	.min_args = 1,
	.max_args = 1,
	.exec = get_exec,
};
