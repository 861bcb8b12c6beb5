/*
 * admin: the framework of minidfs-admin (tmux's cmd_entry / cmd_table).
 * Each command is a const struct admin_cmd in its family's file
 * (cmd_status.c, cmd_fsck.c, cmd_maint.c, cmd_files.c, cmd_replicas.c);
 * admin.c holds the table, parses the global options and, before exec
 * runs, the command's own flags and the count of its arguments, so no exec
 * parses argv again.
 *
 * Exit statuses (ADMIN_EXIT_*): 0 done and healthy; 1 the command failed
 * (metaserver unreachable, an error answer such as an unknown node); 2 usage
 * (unknown command or flag, wrong argument count, a bad number, node name or
 * metaserver list); 3 the command ran and found the cluster unhealthy (fsck
 * problems, dead nodes, missing or under-replicated blocks).
 *
 * Single-threaded; the context lives for the whole run.
 */
#ifndef MINIDFS_CLI_ADMIN_H
#define MINIDFS_CLI_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct adminapi_node;
struct cJSON;
struct httpc;
struct mc_attr;
struct metaclient;
struct metaconn;

#define ADMIN_EXIT_OK		0
#define ADMIN_EXIT_FAIL		1
#define ADMIN_EXIT_USAGE	2
#define ADMIN_EXIT_UNHEALTHY	3

#define ADMIN_MAX_FLAGS		8	/* flags of one command */
#define ADMIN_MAX_ARGS		8	/* positional arguments kept */
#define ADMIN_ERR_LEN		512	/* bytes of one error message */
#define ADMIN_DEFAULT_META	"127.0.0.1:8000"	/* -m default */
#define ADMIN_META_ENV		"MINIDFS_META"	/* -m from the environment */
#define ADMIN_DEFAULT_RETRY_S	10	/* -t: seconds of fail-over per call */

/* A flag of a command: "-l" / "--long"; with has_value "--wait=30" or
 * "-w 30" / "--wait 30". */
struct admin_flag {
	char		 letter;
	const char	*name;		/* long name, without "--" */
	int		 has_value;
	const char	*value_name;	/* for the usage line ("SECONDS") */
	const char	*help;
};

/* The parsed command line of one command. */
struct admin_args {
	size_t		 argc;
	const char	*argv[ADMIN_MAX_ARGS];	/* borrowed from main's argv */
	unsigned	 present;	/* bit i: flags[i] given */
	const char	*value[ADMIN_MAX_FLAGS];	/* values of flags */
};

struct admin_ctx;

struct admin_cmd {
	const char	*name;
	const char	*usage;		/* arguments, e.g. "[-l] PATH" */
	const char	*help;		/* one line */
	const struct admin_flag *flags;	/* ends with { 0 }; may be NULL */
	size_t		 min_args;
	size_t		 max_args;
	/* Returns an ADMIN_EXIT_* status; reports its own errors. */
	int		(*exec)(struct admin_ctx *, const struct admin_args *);
};

/* What every command gets. */
struct admin_ctx {
	const char	*meta;		/* -m: "h:p[,h:p]" */
	char		*secret;	/* --secret-file contents, or NULL */
	size_t		 secret_len;
	long		 retry_ms;	/* fail-over bound per call */
	int		 json;		/* --json */
	FILE		*out;		/* results (stdout) */
	FILE		*err;		/* the one-line errors (stderr) */
	const char	*prog;		/* "minidfs-admin" */
	struct metaconn	*conn;		/* made on first use (admin_meta) */
	struct httpc	*data;		/* dataserver calls (admin_data) */
};

/* The commands, one family per file. */
extern const struct admin_cmd admin_cmd_status;
extern const struct admin_cmd admin_cmd_nodes;
extern const struct admin_cmd admin_cmd_fsck;
extern const struct admin_cmd admin_cmd_gc;
extern const struct admin_cmd admin_cmd_decommission;
extern const struct admin_cmd admin_cmd_put;
extern const struct admin_cmd admin_cmd_get;
extern const struct admin_cmd admin_cmd_ls;
extern const struct admin_cmd admin_cmd_rm;
extern const struct admin_cmd admin_cmd_mkdir;
extern const struct admin_cmd admin_cmd_set_replicas;
extern const struct admin_cmd admin_cmd_get_replicas;

/* The table (NULL-terminated) and a lookup by exact name (NULL: none). */
extern const struct admin_cmd *const admin_cmds[];
const struct admin_cmd *admin_find(const char *name);

/* Parses a command's flags and arguments (argv[0] is the first word after
 * the command name).  "--" ends the flags; "-" alone is an argument.
 * "--json" and "-h"/"--help" are accepted by every command and reported
 * in *json / *help.  Returns 0, or -EINVAL with the message in err
 * (unknown flag, missing value, too few or too many arguments). */
int	 admin_parse(const struct admin_cmd *, int argc, char **argv,
	    struct admin_args *, int *json, int *help, char *err,
	    size_t errlen);
/* Whether flag letter was given, and its value (NULL when absent). */
int	 admin_has(const struct admin_cmd *, const struct admin_args *,
	    char letter);
const char *admin_value(const struct admin_cmd *, const struct admin_args *,
	    char letter);
/* Writes a command's usage and flags. */
void	 admin_cmd_usage(const struct admin_cmd *, const char *prog, FILE *);

/* cmd_status.c: a node as JSON (caller owns) and the nodes table, for
 * every command that shows nodes. */
struct cJSON	*admin_node_json(const struct adminapi_node *);
void	 admin_nodes_table(FILE *, const struct adminapi_node *, size_t n);

/* cmd_files.c: resolves an absolute path by lookups from root into *a.
 * Returns 0 or -errno: -EINVAL (not absolute, or a bad component),
 * -ENOENT, -ENOTDIR, or the metaclient's error. */
int	 admin_resolve(struct metaclient *, uint64_t root, const char *path,
	    struct mc_attr *a);

/* The whole program: global options, the command, its exit status.
 * main() is admin_run(argc, argv, stdout, stderr). */
int	 admin_run(int argc, char **argv, FILE *out, FILE *err);

/* The client for the metaservers, made on first use.  NULL after
 * reporting why (bad -m list). */
struct metaconn	*admin_meta(struct admin_ctx *);
/* The HTTP client for dataserver calls, made on first use. */
struct httpc	*admin_data(struct admin_ctx *);
/* Prints "prog: message" to ctx->err; returns ADMIN_EXIT_FAIL. */
int	 admin_fail(struct admin_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* The same with ADMIN_EXIT_USAGE. */
int	 admin_usage_error(struct admin_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* MINIDFS_CLI_ADMIN_H */
