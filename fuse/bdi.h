/*
 * bdi: the kernel's backing device (bdi) of our own mount, reached through
 * /proc/self/mountinfo and /sys/class/bdi, never through the mount itself
 * (a stat() of the mount point before or outside the session loop would
 * wait for a GETATTR nobody serves).  It offers the mountinfo parser that
 * finds the device number of a mount point (octal escapes such as \040
 * undone, the last of stacked mounts wins) and the write of a bdi's
 * read_ahead_kb, which the kernel turns into the bdi's readahead window
 * (ra_pages) on the spot.
 */
#ifndef MINIDFS_FUSE_BDI_H
#define MINIDFS_FUSE_BDI_H

#include <stdio.h>

/* The device (major, minor) of the FUSE mount ("fuse" or "fuse.*" type)
 * on mountpoint (an absolute path as mountinfo shows it: realpath'd) among
 * the mountinfo lines of f; the last such line, the mount on top, wins.
 * 0, or -ENOENT when there is none. */
int	 bdi_parse_mountinfo(FILE *f, const char *mountpoint, unsigned *maj,
	    unsigned *min);

/* The same from /proc/self/mountinfo: 0 or -errno. */
int	 bdi_mount_dev(const char *mountpoint, unsigned *maj, unsigned *min);

/* Writes kb to /sys/class/bdi/MAJ:MIN/read_ahead_kb: 0 or -errno (EACCES
 * or EROFS when not root, ENOENT without sysfs). */
int	 bdi_set_read_ahead_kb(unsigned maj, unsigned min, unsigned kb);

#endif /* MINIDFS_FUSE_BDI_H */
