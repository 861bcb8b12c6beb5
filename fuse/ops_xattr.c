/*
 * ops_xattr: extended attributes, stored by the metaserver.  Only the
 * "user." and "trusted." namespaces are kept: "security." and "system."
 * (capabilities, POSIX ACLs) are not supported -- setting them fails with
 * EOPNOTSUPP and reading them answers ENODATA here without a network call,
 * which matters because the kernel asks for security.capability before
 * every write.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "common/protocol.h"
#include "fuse/mdfs.h"
#include "common/metaclient.h"
#include "fuse/ops.h"

/* 0 for a namespace we store, -EOPNOTSUPP otherwise; -ERANGE bad length. */
static int
name_ok(const char *name)
{
	size_t	 len = strlen(name);

	if (len == 0 || len > MDFS_XATTR_NAME_MAX)
		return -ERANGE;
	if (strncmp(name, "user.", 5) == 0 || strncmp(name, "trusted.", 8) == 0)
		return 0;
	return -EOPNOTSUPP;
}

void
mdfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
    const char *value, size_t size, int flags)
{
	struct mdfs	*fs = mdfs_of(req);
	int		 rc;

	if ((rc = name_ok(name)) == 0 && size > MDFS_XATTR_VALUE_MAX)
		rc = -E2BIG;
	if (rc == 0 && (flags & ~(XATTR_CREATE | XATTR_REPLACE)) != 0)
		rc = -EINVAL;
	if (rc == 0)
		rc = mc_setxattr(fs->mc, ino, name, value, size, flags);
	if (rc == 0)
		mdfs_ctime_moved(fs, ino);
	mdfs_reply_err(req, rc);
}

void
mdfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct mdfs	*fs = mdfs_of(req);
	void		*v = NULL;
	size_t		 len = 0;
	int		 rc;

	if ((rc = name_ok(name)) == -EOPNOTSUPP)
		rc = -ENODATA;
	if (rc == 0)
		rc = mc_getxattr(fs->mc, ino, name, &v, &len);
	if (rc != 0)
		mdfs_reply_err(req, rc);
	else if (size == 0)
		fuse_reply_xattr(req, len);
	else if (len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, v, len);
	free(v);
}

void
mdfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct mdfs	*fs = mdfs_of(req);
	char		*list = NULL;
	size_t		 len = 0;
	int		 rc;

	rc = mc_listxattr(fs->mc, ino, &list, &len);
	if (rc != 0)
		mdfs_reply_err(req, rc);
	else if (size == 0)
		fuse_reply_xattr(req, len);
	else if (len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, list, len);
	free(list);
}

void
mdfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct mdfs	*fs = mdfs_of(req);
	int		 rc;

	if ((rc = name_ok(name)) == -EOPNOTSUPP)
		rc = -ENODATA;
	if (rc == 0)
		rc = mc_removexattr(fs->mc, ino, name);
	if (rc == 0)
		mdfs_ctime_moved(fs, ino);
	mdfs_reply_err(req, rc);
}
