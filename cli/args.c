/*
 * args: the argument checks every minidfs-admin command gets before its
 * exec runs (tmux's args_parse against cmd_entry.args): the command's own
 * flags from its struct admin_flag table, the shared --json and -h, and the
 * count of positional arguments.  Pure functions; admin.h documents them.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/admin.h"

static int
flag_index(const struct admin_cmd *cmd, char letter, const char *name,
    size_t namelen)
{
	const struct admin_flag	*f;

	for (size_t i = 0; cmd->flags != NULL &&
	    cmd->flags[i].letter != '\0'; i++) {
		f = &cmd->flags[i];
		if (name == NULL && f->letter == letter)
			return (int)i;
		if (name != NULL && f->name != NULL &&
		    strlen(f->name) == namelen &&
		    strncmp(f->name, name, namelen) == 0)
			return (int)i;
	}
	return -1;
}

/* One "--name[=value]" word; may take the next word as its value. */
static int
long_flag(const struct admin_cmd *cmd, int argc, char **argv, int *i,
    struct admin_args *a, int *json, int *help, char *err, size_t errlen)
{
	const char	*name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t		 len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	int		 fi;

	if (eq == NULL && strcmp(name, "json") == 0) {
		*json = 1;
		return 0;
	}
	if (eq == NULL && strcmp(name, "help") == 0) {
		*help = 1;
		return 0;
	}
	if ((fi = flag_index(cmd, 0, name, len)) < 0) {
		snprintf(err, errlen, "%s: unknown option --%.*s", cmd->name,
		    (int)len, name);
		return -EINVAL;
	}
	if (!cmd->flags[fi].has_value) {
		if (eq != NULL) {
			snprintf(err, errlen, "%s: option --%s takes no value",
			    cmd->name, cmd->flags[fi].name);
			return -EINVAL;
		}
		a->present |= 1u << fi;
		return 0;
	}
	if (eq != NULL)
		a->value[fi] = eq + 1;
	else if (*i + 1 < argc)
		a->value[fi] = argv[++*i];
	else {
		snprintf(err, errlen, "%s: option --%s needs a value",
		    cmd->name, cmd->flags[fi].name);
		return -EINVAL;
	}
	a->present |= 1u << fi;
	return 0;
}

/* One "-abc" word (letters bundled; a value flag takes the rest of the word
 * or the next word). */
static int
short_flags(const struct admin_cmd *cmd, int argc, char **argv, int *i,
    struct admin_args *a, int *help, char *err, size_t errlen)
{
	const char	*p = argv[*i] + 1;
	int		 fi;

	for (; *p != '\0'; p++) {
		if (*p == 'h') {
			*help = 1;
			continue;
		}
		if ((fi = flag_index(cmd, *p, NULL, 0)) < 0) {
			snprintf(err, errlen, "%s: unknown option -%c",
			    cmd->name, *p);
			return -EINVAL;
		}
		a->present |= 1u << fi;
		if (!cmd->flags[fi].has_value)
			continue;
		if (p[1] != '\0')
			a->value[fi] = p + 1;
		else if (*i + 1 < argc)
			a->value[fi] = argv[++*i];
		else {
			snprintf(err, errlen, "%s: option -%c needs a value",
			    cmd->name, *p);
			return -EINVAL;
		}
		break;
	}
	return 0;
}

int
admin_parse(const struct admin_cmd *cmd, int argc, char **argv,
    struct admin_args *a, int *json, int *help, char *err, size_t errlen)
{
	int	 rc, flags_done = 0;

	memset(a, 0, sizeof(*a));
	*help = 0;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (!flags_done && strcmp(w, "--") == 0) {
			flags_done = 1;
			continue;
		}
		if (!flags_done && w[0] == '-' && w[1] == '-') {
			rc = long_flag(cmd, argc, argv, &i, a, json, help, err,
			    errlen);
		} else if (!flags_done && w[0] == '-' && w[1] != '\0' &&
		    !(w[1] >= '0' && w[1] <= '9')) {
			/* ("-1" is an argument: a bad count, not a flag) */
			rc = short_flags(cmd, argc, argv, &i, a, help, err,
			    errlen);
		} else {
			if (a->argc == cmd->max_args ||
			    a->argc == ADMIN_MAX_ARGS) {
				snprintf(err, errlen, "%s: too many arguments "
				    "(usage: %s%s%s)", cmd->name, cmd->name,
				    cmd->usage[0] != '\0' ? " " : "",
				    cmd->usage);
				return -EINVAL;
			}
			a->argv[a->argc++] = w;
			rc = 0;
		}
		if (rc != 0)
			return rc;
	}
	if (!*help && a->argc < cmd->min_args) {
		snprintf(err, errlen, "%s: missing arguments (usage: %s%s%s)",
		    cmd->name, cmd->name, cmd->usage[0] != '\0' ? " " : "",
		    cmd->usage);
		return -EINVAL;
	}
	return 0;
}

int
admin_has(const struct admin_cmd *cmd, const struct admin_args *a,
    char letter)
{
	int	 fi = flag_index(cmd, letter, NULL, 0);

	return fi >= 0 && (a->present & (1u << fi)) != 0;
}

const char *
admin_value(const struct admin_cmd *cmd, const struct admin_args *a,
    char letter)
{
	int	 fi = flag_index(cmd, letter, NULL, 0);

	return fi >= 0 && (a->present & (1u << fi)) ? a->value[fi] : NULL;
}

void
admin_cmd_usage(const struct admin_cmd *cmd, const char *prog, FILE *f)
{
	const struct admin_flag	*fl;
	char			 left[64];

	fprintf(f, "usage: %s [options] %s%s%s\n  %s\n", prog, cmd->name,
	    cmd->usage[0] != '\0' ? " " : "", cmd->usage, cmd->help);
	for (size_t i = 0; cmd->flags != NULL && cmd->flags[i].letter != '\0';
	    i++) {
		fl = &cmd->flags[i];
		snprintf(left, sizeof(left), "-%c, --%s%s%s", fl->letter,
		    fl->name, fl->has_value ? " " : "",
		    fl->has_value ? fl->value_name : "");
		fprintf(f, "  %-24s %s\n", left, fl->help);
	}
	fprintf(f, "  %-24s %s\n  %-24s %s\n", "--json",
	    "print JSON for scripts", "-h, --help", "this help");
}
