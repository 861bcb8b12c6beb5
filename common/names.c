/*
 * names: the one check of a directory entry name (smtpd util.c valid_*), so
 * the metaserver, the mount daemon and the command line refuse the same
 * names.  Nothing is allocated.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/names.h"
#include "common/protocol.h"

/*
 * The length is checked before the content, so an over-long name is
 * -ENAMETOOLONG whatever bytes it holds (what the kernel answers too).
 */
int
names_valid(const char *name, size_t len)
{
	if (name == NULL || len == 0)
		return -EINVAL;
	if (len > NAMES_MAX)
		return -ENAMETOOLONG;
	if (memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL)
		return -EINVAL;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return -EINVAL;
	return 0;
}

int
names_valid_str(const char *name)
{
	if (name == NULL)
		return -EINVAL;
	/* Scan no further than one byte past the limit. */
	return names_valid(name, strnlen(name, NAMES_MAX + 1));
}

int
names_node_id_valid(const char *id)
{
	size_t	 i;

	if (id == NULL || id[0] == '\0')
		return 0;
	for (i = 0; id[i] != '\0'; i++) {
		char c = id[i];

		if (i >= MDFS_NODE_ID_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return 0;
	}
	return 1;
}
