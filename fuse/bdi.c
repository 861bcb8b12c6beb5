/*
 * bdi: the device number of our mount from /proc/self/mountinfo, and the
 * write of its bdi's read_ahead_kb (see bdi.h).
 */
#include "config.h"

#include "fuse/bdi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Undoes the kernel's octal escapes (\040 space, \011 tab, \012 newline,
 * \134 backslash) of a mountinfo field, in place. */
static void
unescape(char *s)
{
	char	*d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
			    (s[3] - '0'));
			s += 4;
		} else
			*d++ = *s++;
	}
	*d = '\0';
}

/*
 * One line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE
 * SOURCE SUPEROPTS".  1 when it is a FUSE mount on mountpoint (its device
 * in *maj, *min), 0 when not.
 */
static int
match_line(char *line, const char *mountpoint, unsigned *maj, unsigned *min)
{
	char		*field[5], *p, *save, *tok, *end;
	unsigned long	 a, b;
	int		 n = 0;

	for (p = line; n < 5 && (tok = strtok_r(p, " \n", &save)) != NULL;
	    p = NULL)
		field[n++] = tok;
	if (n < 5)
		return 0;
	/* the optional fields end at a lone "-", then the type */
	while ((tok = strtok_r(NULL, " \n", &save)) != NULL &&
	    strcmp(tok, "-") != 0)
		;
	if (tok == NULL || (tok = strtok_r(NULL, " \n", &save)) == NULL)
		return 0;
	if (strcmp(tok, "fuse") != 0 && strncmp(tok, "fuse.", 5) != 0)
		return 0;
	unescape(field[4]);
	if (strcmp(field[4], mountpoint) != 0)
		return 0;
	errno = 0;
	a = strtoul(field[2], &end, 10);
	if (errno != 0 || end == field[2] || *end != ':')
		return 0;
	p = end + 1;
	b = strtoul(p, &end, 10);
	if (errno != 0 || end == p || *end != '\0' || a > 0xfff ||
	    b > 0xfffff)
		return 0;
	*maj = (unsigned)a;
	*min = (unsigned)b;
	return 1;
}

int
bdi_parse_mountinfo(FILE *f, const char *mountpoint, unsigned *maj,
    unsigned *min)
{
	char	*line = NULL;
	size_t	 cap = 0;
	int	 found = 0;

	while (getline(&line, &cap, f) != -1)
		if (match_line(line, mountpoint, maj, min))
			found = 1;	/* keep going: the last one is on top */
	free(line);
	return found ? 0 : -ENOENT;
}

int
bdi_mount_dev(const char *mountpoint, unsigned *maj, unsigned *min)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -errno;
	rc = bdi_parse_mountinfo(f, mountpoint, maj, min);
	fclose(f);
	return rc;
}

int
bdi_set_read_ahead_kb(unsigned maj, unsigned min, unsigned kb)
{
	char	 path[64], val[16];
	int	 fd, len, rc = 0;

	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb",
	    maj, min);
	len = snprintf(val, sizeof(val), "%u\n", kb);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -errno;
	errno = 0;
	if (write(fd, val, (size_t)len) != len)
		rc = errno != 0 ? -errno : -EIO;
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	return rc;
}
