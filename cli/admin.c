/*
 * minidfs-admin: the cluster administration tool (status, nodes, fsck, gc,
 * decommission, set-replicas, get-replicas) and FUSE-less file client
 * (put, get, ls, rm, mkdir).  This file holds main(), the global options
 * and the command table (tmux cmd.c); each command family lives in its
 * cmd_*.c file and gets its arguments checked by admin_parse() before its
 * exec runs.
 * minidfs-admin(8) documents the commands, their JSON and exit statuses.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin.h"
#include "common/httpc.h"
#include "common/log.h"
#include "common/metaconn.h"
#include "common/strnum.h"
#include "common/token.h"

#define ADMIN_RETRY_MAX_S	3600	/* -t bound */
#define ADMIN_HTTP_TIMEOUT_MS	60000	/* one HTTP request */

const struct admin_cmd *const admin_cmds[] = {
	&admin_cmd_status,
	&admin_cmd_nodes,
	&admin_cmd_fsck,
	&admin_cmd_gc,
	&admin_cmd_decommission,
	&admin_cmd_put,
	&admin_cmd_get,
	&admin_cmd_ls,
	&admin_cmd_rm,
	&admin_cmd_mkdir,
	&admin_cmd_set_replicas,
	&admin_cmd_get_replicas,
	NULL
};

const struct admin_cmd *
admin_find(const char *name)
{
	for (size_t i = 0; admin_cmds[i] != NULL; i++)
		if (strcmp(admin_cmds[i]->name, name) == 0)
			return admin_cmds[i];
	return NULL;
}

static int
vreport(struct admin_ctx *ctx, int status, const char *fmt, va_list ap)
{
	fprintf(ctx->err, "%s: ", ctx->prog);
	vfprintf(ctx->err, fmt, ap);
	fputc('\n', ctx->err);
	return status;
}

int
admin_fail(struct admin_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = vreport(ctx, ADMIN_EXIT_FAIL, fmt, ap);
	va_end(ap);
	return rc;
}

int
admin_usage_error(struct admin_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = vreport(ctx, ADMIN_EXIT_USAGE, fmt, ap);
	va_end(ap);
	return rc;
}

struct metaconn *
admin_meta(struct admin_ctx *ctx)
{
	char	 err[ADMIN_ERR_LEN];

	if (ctx->conn == NULL && metaconn_new(ctx->meta, ctx->secret,
	    ctx->secret_len, ctx->retry_ms, ADMIN_HTTP_TIMEOUT_MS,
	    &ctx->conn, err, sizeof(err)) != 0) {
		admin_usage_error(ctx, "-m: %s", err);
		return NULL;
	}
	return ctx->conn;
}

struct httpc *
admin_data(struct admin_ctx *ctx)
{
	struct httpc_options	 ho = { 0 };

	ho.timeout_ms = ADMIN_HTTP_TIMEOUT_MS;
	if (ctx->data == NULL && (ctx->data = httpc_new(&ho)) == NULL)
		fatalx("out of memory");
	return ctx->data;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [-m host:port[,host:port...]] [--secret-file "
	    "FILE] [-t SECONDS] [--json] COMMAND [ARGS]\n\n", prog);
	fprintf(f, "options:\n"
	    "  -m, --meta LIST        metaservers (default $%s or %s)\n"
	    "  -s, --secret-file FILE the cluster secret (calls are signed)\n"
	    "  -t, --timeout SECONDS  fail-over time per call (default %d)\n"
	    "      --json             JSON output for scripts\n"
	    "  -v, --verbose          log the protocol to stderr\n"
	    "  -h, --help             this help (COMMAND -h: its usage)\n\n"
	    "commands:\n", ADMIN_META_ENV, ADMIN_DEFAULT_META,
	    ADMIN_DEFAULT_RETRY_S);
	for (size_t i = 0; admin_cmds[i] != NULL; i++)
		fprintf(f, "  %-14s %s\n", admin_cmds[i]->name,
		    admin_cmds[i]->help);
	fprintf(f, "\nexit status: 0 ok, 1 failed, 2 usage, 3 cluster "
	    "unhealthy\n");
}

static const struct option global_opts[] = {
	{ "meta",		required_argument,	NULL, 'm' },
	{ "secret-file",	required_argument,	NULL, 's' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "json",		no_argument,		NULL, 'j' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int
admin_run(int argc, char **argv, FILE *out, FILE *errf)
{
	struct admin_ctx	 ctx;
	const struct admin_cmd	*cmd;
	struct admin_args	 args;
	const char		*secret_file = NULL;
	char			 err[ADMIN_ERR_LEN];
	uint64_t		 secs = ADMIN_DEFAULT_RETRY_S;
	int			 ch, help = 0, rc, verbose = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.prog = "minidfs-admin";
	ctx.out = out;
	ctx.err = errf;
	ctx.meta = getenv(ADMIN_META_ENV);
	if (ctx.meta == NULL || ctx.meta[0] == '\0')
		ctx.meta = ADMIN_DEFAULT_META;
	/* "+": stop at the command name; its flags are admin_parse's.
	 * optind 0 starts getopt afresh (admin_run may run more than once). */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+m:s:t:vh", global_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'm':
			ctx.meta = optarg;
			break;
		case 's':
			secret_file = optarg;
			break;
		case 't':
			if (parse_u64(optarg, 1, ADMIN_RETRY_MAX_S, &secs) != 0)
				return admin_usage_error(&ctx, "-t %s: want "
				    "1..%d seconds", optarg, ADMIN_RETRY_MAX_S);
			break;
		case 'j':
			ctx.json = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			help = 1;
			break;
		default:
			return admin_usage_error(&ctx, "unknown option %s "
			    "(try -h)", argv[optind - 1]);
		}
	}
	log_init(ctx.prog, verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR, 0);
	if (help) {
		usage(out, ctx.prog);
		return ADMIN_EXIT_OK;
	}
	if (optind >= argc) {
		usage(errf, ctx.prog);
		return ADMIN_EXIT_USAGE;
	}
	if ((cmd = admin_find(argv[optind])) == NULL)
		return admin_usage_error(&ctx, "unknown command \"%s\" (try -h)",
		    argv[optind]);
	if (admin_parse(cmd, argc - optind - 1, argv + optind + 1, &args,
	    &ctx.json, &help, err, sizeof(err)) != 0)
		return admin_usage_error(&ctx, "%s", err);
	if (help) {
		admin_cmd_usage(cmd, ctx.prog, out);
		return ADMIN_EXIT_OK;
	}
	ctx.retry_ms = (long)secs * 1000;
	if (secret_file != NULL && token_load_secret(secret_file, &ctx.secret,
	    &ctx.secret_len, err, sizeof(err)) != 0)
		return admin_fail(&ctx, "%s", err);
	httpc_global_init();
	rc = cmd->exec(&ctx, &args);
	if (fflush(ctx.out) != 0 && rc == ADMIN_EXIT_OK)
		rc = admin_fail(&ctx, "writing the output failed");
	metaconn_free(ctx.conn);
	httpc_free(ctx.data);
	if (ctx.secret != NULL) {
		OPENSSL_cleanse(ctx.secret, ctx.secret_len);
		free(ctx.secret);
	}
	return rc;
}

#ifndef ADMIN_UNIT_TEST	/* the unit tests call admin_run themselves */
int
main(int argc, char **argv)
{
	return admin_run(argc, argv, stdout, stderr);
}
#endif
