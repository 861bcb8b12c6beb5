/*
 * check_bdi: the mount daemon's search of /proc/self/mountinfo for the
 * device of its own mount (fuse/bdi.c): escaped mount points, optional
 * fields, other filesystem types on the same path, stacked mounts.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuse/bdi.h"
#include "tests/lib/check_main.h"

static const char mountinfo[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "25 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw,size=1k\n"
    /* no optional fields at all */
    "40 22 0:41 / /mnt/a rw,nosuid,nodev,relatime - fuse.minidfs "
    "minidfs#h:1 rw,user_id=0,group_id=0\n"
    /* several optional fields; a space and a backslash in the path */
    "41 22 0:42 / /mnt/my\\040dir\\134x rw,relatime shared:7 master:3 "
    "propagate_from:2 - fuse.minidfs minidfs rw,user_id=0\n"
    /* a tab and a newline */
    "42 22 0:43 / /mnt/t\\011n\\012 rw - fuse minidfs rw\n"
    /* not FUSE, on a path that a FUSE mount then covers */
    "43 22 0:44 / /mnt/st rw - tmpfs tmpfs rw\n"
    "44 43 0:45 / /mnt/st rw - fuse.minidfs minidfs rw\n"
    /* two FUSE mounts stacked: the one on top is later */
    "45 44 0:46 / /mnt/st rw - fuse.minidfs minidfs rw\n"
    /* only tmpfs here */
    "46 22 0:47 / /mnt/tmp rw - tmpfs tmpfs rw\n"
    /* fuseblk and big device numbers */
    "47 22 259:1048575 / /mnt/blk rw - fuseblk /dev/sdb1 rw\n"
    /* a truncated line and garbage */
    "48 22 0:48 / /mnt/short\n"
    "junk\n"
    "\n"
    "49 22 x:y / /mnt/bad rw - fuse.minidfs minidfs rw\n";

static int
find(const char *text, const char *mnt, unsigned *maj, unsigned *min)
{
	FILE	*f;
	int	 rc;

	f = fmemopen((void *)text, strlen(text), "r");
	ck_assert_ptr_nonnull(f);
	*maj = *min = 12345;
	rc = bdi_parse_mountinfo(f, mnt, maj, min);
	fclose(f);
	return rc;
}

START_TEST(test_plain)
{
	unsigned	 maj, min;

	ck_assert_int_eq(find(mountinfo, "/mnt/a", &maj, &min), 0);
	ck_assert_uint_eq(maj, 0);
	ck_assert_uint_eq(min, 41);
}
END_TEST

START_TEST(test_escapes)
{
	unsigned	 maj, min;

	ck_assert_int_eq(find(mountinfo, "/mnt/my dir\\x", &maj, &min), 0);
	ck_assert_uint_eq(min, 42);
	ck_assert_int_eq(find(mountinfo, "/mnt/t\tn\n", &maj, &min), 0);
	ck_assert_uint_eq(min, 43);
	/* the escaped form is not the path */
	ck_assert_int_eq(find(mountinfo, "/mnt/my\\040dir\\134x", &maj,
	    &min), -ENOENT);
	ck_assert_int_eq(find(mountinfo, "/mnt/my dir", &maj, &min),
	    -ENOENT);
}
END_TEST

START_TEST(test_stacked)
{
	unsigned	 maj, min;

	ck_assert_int_eq(find(mountinfo, "/mnt/st", &maj, &min), 0);
	ck_assert_uint_eq(maj, 0);
	ck_assert_uint_eq(min, 46);
}
END_TEST

START_TEST(test_types)
{
	unsigned	 maj, min;

	ck_assert_int_eq(find(mountinfo, "/mnt/tmp", &maj, &min), -ENOENT);
	ck_assert_uint_eq(maj, 12345);	/* untouched */
	ck_assert_int_eq(find(mountinfo, "/", &maj, &min), -ENOENT);
	ck_assert_int_eq(find(mountinfo, "/dev", &maj, &min), -ENOENT);
	/* fuseblk is neither "fuse" nor "fuse.*" */
	ck_assert_int_eq(find(mountinfo, "/mnt/blk", &maj, &min), -ENOENT);
}
END_TEST

START_TEST(test_bad_lines)
{
	unsigned	 maj, min;

	ck_assert_int_eq(find(mountinfo, "/mnt/short", &maj, &min), -ENOENT);
	ck_assert_int_eq(find(mountinfo, "/mnt/bad", &maj, &min), -ENOENT);
	ck_assert_int_eq(find(mountinfo, "/mnt/none", &maj, &min), -ENOENT);
	ck_assert_int_eq(find("", "/mnt/a", &maj, &min), -ENOENT);
}
END_TEST

/* a line longer than any fixed buffer, without a final newline */
START_TEST(test_long_line)
{
	static char	 mnt[10001], text[10100];
	unsigned	 maj, min;

	memcpy(mnt, "/mnt/", 5);
	memset(mnt + 5, 'L', sizeof(mnt) - 6);
	snprintf(text, sizeof(text), "50 22 0:99 / %s rw - fuse.minidfs "
	    "minidfs rw", mnt);
	ck_assert_int_eq(find(text, mnt, &maj, &min), 0);
	ck_assert_uint_eq(min, 99);
}
END_TEST

START_TEST(test_own_mountinfo)
{
	unsigned	 maj, min;
	int		 rc;

	/* /proc may be there or not; "/" is no FUSE mount either way */
	rc = bdi_mount_dev("/", &maj, &min);
	ck_assert(rc == -ENOENT || rc == -EACCES);
	ck_assert_int_eq(bdi_set_read_ahead_kb(4095, 1048575, 1024) < 0, 1);
}
END_TEST

static Suite *
bdi_suite(void)
{
	Suite	*s = suite_create("bdi");
	TCase	*tc = tcase_create("mountinfo");

	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_stacked);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_own_mountinfo);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(bdi_suite());
}
