/*
 * replay: a main() for a fuzz target without libFuzzer, so the gcc build
 * replays the seed corpus in `make check`.  Arguments are files or
 * directories (every regular file in them, in name order); without
 * arguments it replays $srcdir/tests/fuzz/corpus/<x> for a program named
 * replay_<x>.  One TAP case: ok when every input ran (a broken invariant
 * aborts, ASan or UBSan report and stop the run).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

static int
replay_file(const char *path)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap > 0 ? 2 * cap : 4096;
			if ((buf = realloc(buf, cap)) == NULL) {
				fclose(f);
				return -1;
			}
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	fflush(stdout);
	(void)LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	return 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replays path (a file or a directory); the number of inputs or -1. */
static int
replay(const char *path)
{
	struct dirent	**ents;
	struct stat	 st;
	char		 p[4096];
	int		 i, n, count = 0;

	if (stat(path, &st) != 0) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) == 0 ? 1 : -1;
	if ((n = scandir(path, &ents, NULL, by_name)) < 0) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", path, ents[i]->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && count >= 0)
			count = replay_file(p) == 0 ? count + 1 : -1;
		free(ents[i]);
	}
	free(ents);
	return count;
}

int
main(int argc, char **argv)
{
	const char	*name, *srcdir;
	char		 dflt[4096];
	int		 i, n, total = 0;

	name = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	if (strncmp(name, "replay_", 7) == 0)
		name += 7;
	if (strncmp(name, "lt-", 3) == 0)
		name += 3;
	printf("1..1\n");
	if (argc < 2) {
		srcdir = getenv("srcdir") != NULL ? getenv("srcdir") : ".";
		snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/%s",
		    srcdir, name);
		if ((total = replay(dflt)) <= 0) {
			printf("not ok 1 - %s: no seed corpus in %s\n", name,
			    dflt);
			return 1;
		}
	} else
		for (i = 1; i < argc; i++) {
			if ((n = replay(argv[i])) < 0) {
				printf("not ok 1 - %s: cannot read %s\n", name,
				    argv[i]);
				return 1;
			}
			total += n;
		}
	printf("ok 1 - %s: %d inputs replayed, no invariant broken\n", name,
	    total);
	return 0;
}
