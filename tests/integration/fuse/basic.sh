#!/bin/bash
# fuse/basic: a real cluster and two real mounts of it, driven by ordinary
# tools: file sizes around the block size checked byte for byte through the
# second mount, namespace calls and their errnos, attributes, truncate,
# sparse files, links, xattrs, a file unlinked while open, close-to-open
# between the mounts, df, and a clean unmount; and what -n prints for the
# mount's own options (max_threads, writeback_cache) and --help lists.
# TIMEOUT: 600
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start
A=$CLUSTER_DIR/mnt-a
B=$CLUSTER_DIR/mnt-b
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount a || tap_bail "mount a failed"
mount_at b "$B" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount b || tap_bail "mount b failed"
ok "mount a is a fuse.minidfs mount" \
    sh -c "grep -q ' $A fuse.minidfs ' /proc/mounts"

BS=$(curl -s "$(meta_url m1 /v1/fs/info)" | jq -r .block_size)
ok "block size known" test "$BS" -gt 0

# ---- the mount's options: -n prints what would be in effect ----------------
# opt_n KEY ARGS...: KEY's line of `minidfs SOURCE DIR -n ARGS...`
opt_n() {
	local key=$1
	shift
	"$MINIDFS_BIN" "$META_ADDR" "$CLUSTER_DIR/nomnt" -n "$@" 2>&1 |
	    sed -n "s/^mount\.$key: //p"
}
mkdir -p "$CLUSTER_DIR/nomnt"
printf 'mount:\n  max_threads: 7\n' >"$CLUSTER_DIR/threads.yaml"
printf 'mount:\n  writeback_cache: true\n' >"$CLUSTER_DIR/wb.yaml"
ok_eq "max_threads is 16 by default" 16 "$(opt_n max_threads)"
ok_eq "-o max_threads=4 is in effect" 4 "$(opt_n max_threads -o max_threads=4)"
ok_eq "-o max_threads=10, libfuse's default, too" 10 \
    "$(opt_n max_threads -o max_threads=10)"
ok_eq "the conf file's max_threads" 7 \
    "$(opt_n max_threads -o "conf=$CLUSTER_DIR/threads.yaml")"
ok_eq "-o max_threads=10 wins over the conf file" 10 \
    "$(opt_n max_threads -o "conf=$CLUSTER_DIR/threads.yaml,max_threads=10")"
ok_eq "writeback_cache is off by default" false "$(opt_n writeback_cache)"
ok_eq "-o writeback_cache turns it on" true \
    "$(opt_n writeback_cache -o writeback_cache)"
ok_eq "the conf file's writeback_cache" true \
    "$(opt_n writeback_cache -o "conf=$CLUSTER_DIR/wb.yaml")"
ok_eq "-o writeback_cache=0 wins over the conf file" false \
    "$(opt_n writeback_cache -o "conf=$CLUSTER_DIR/wb.yaml,writeback_cache=0")"
ok "-o writeback_cache=maybe is refused" \
    eval '! "$MINIDFS_BIN" "$META_ADDR" "$CLUSTER_DIR/nomnt" -n \
    -o writeback_cache=maybe >/dev/null 2>&1'
ok_eq "--help names max_threads once" 1 \
    "$("$MINIDFS_BIN" --help | grep -c 'max_threads')"
ok_eq "and writeback_cache as an option" 1 \
    "$("$MINIDFS_BIN" --help | grep -c -- '-o writeback_cache')"

# ---- sizes around the block size, through the other mount ----------------
SRC=$CLUSTER_DIR/src
mkdir -p "$SRC"
for n in 0 1 $((BS - 1)) $BS $((BS + 1)) $((3 * BS + 12345)); do
	head -c "$n" /dev/urandom >"$SRC/f$n"
	cp "$SRC/f$n" "$A/f$n"
	ok "file of $n bytes reads back through mount b" cmp "$SRC/f$n" "$B/f$n"
	ok_eq "size of the $n-byte file in mount b" "$n" "$(stat -c %s "$B/f$n")"
done
head -c $((100 * 1024 * 1024)) /dev/urandom >"$SRC/big"
ok "100 MiB file copied in" cp "$SRC/big" "$A/big"
ok "100 MiB file identical through mount b" cmp "$SRC/big" "$B/big"
ok "and through mount a" cmp "$SRC/big" "$A/big"

# ---- namespace errnos -------------------------------------------------------
ok_eq "mkdir" OK "$(errno_of "os.mkdir('$A/d')")"
ok_eq "mkdir again: EEXIST" EEXIST "$(errno_of "os.mkdir('$A/d')")"
ok_eq "mkdir in a missing dir: ENOENT" ENOENT \
    "$(errno_of "os.mkdir('$A/nope/d')")"
ok_eq "mkdir under a file: ENOTDIR" ENOTDIR \
    "$(errno_of "os.mkdir('$A/f1/d')")"
ok_eq "name of 256 bytes: ENAMETOOLONG" ENAMETOOLONG \
    "$(errno_of "open('$A/$(printf 'x%.0s' $(seq 256))', 'w')")"
ok_eq "name of 255 bytes works" OK \
    "$(errno_of "open('$A/$(printf 'y%.0s' $(seq 255))', 'w').close()")"
echo hello >"$A/d/file"
ok_eq "rmdir of a non-empty dir: ENOTEMPTY" ENOTEMPTY \
    "$(errno_of "os.rmdir('$A/d')")"
ok_eq "rmdir of a file: ENOTDIR" ENOTDIR "$(errno_of "os.rmdir('$A/f1')")"
ok_eq "unlink of a dir: EISDIR" EISDIR "$(errno_of "os.unlink('$A/d')")"
ok_eq "unlink of a missing name: ENOENT" ENOENT \
    "$(errno_of "os.unlink('$A/nope')")"
ok_eq "rename dir into itself: EINVAL" EINVAL \
    "$(errno_of "os.rename('$A/d', '$A/d/sub')")"
ok_eq "rename file over dir: EISDIR" EISDIR \
    "$(errno_of "os.rename('$A/f1', '$A/d')")"
mkdir "$A/e"
ok_eq "rename across directories" OK \
    "$(errno_of "os.rename('$A/d/file', '$A/e/moved')")"
ok_eq "moved file content" hello "$(cat "$B/e/moved")"
ok_eq "rmdir of the emptied dir" OK "$(errno_of "os.rmdir('$A/d')")"
ok "the removed dir is gone in mount b" test ! -e "$B/d"
ok_eq "open O_CREAT|O_EXCL on an existing file: EEXIST" EEXIST \
    "$(errno_of "os.open('$A/f1', os.O_CREAT | os.O_EXCL | os.O_WRONLY)")"
ok_eq "rename to another filesystem: EXDEV" EXDEV \
    "$(errno_of "os.rename('$A/f1', '$CLUSTER_DIR/f1')")"

# ---- ls -l, chmod, chown, touch -d ----------------------------------------
ok "ls -l lists the files" sh -c "ls -l '$A' | grep -q ' f$BS\$'"
chmod 640 "$A/f1"
ok_eq "chmod seen in mount b" 640 "$(stat -c %a "$B/f1")"
chown 1234:5678 "$A/f1"
ok_eq "chown seen in mount b" 1234:5678 "$(stat -c %u:%g "$B/f1")"
touch -d '2001-02-03 04:05:06.123456789 UTC' "$A/f1"
ok_eq "touch -d sets mtime to the nanosecond" 981173106.123456789 \
    "$(stat -c %.9Y "$B/f1")"
touch -a -d '2002-01-01 00:00:00 UTC' "$A/f1"
ok_eq "touch -a sets atime only" 1009843200 "$(stat -c %X "$B/f1")"
ok_eq "... and leaves mtime" 981173106 "$(stat -c %Y "$B/f1")"

# ---- truncate and sparse files ------------------------------------------------
cp "$SRC/f$((BS + 1))" "$A/t"
truncate -s 10 "$A/t"
ok_eq "truncate down" 10 "$(stat -c %s "$B/t")"
ok "truncated content is the prefix" \
    cmp "$B/t" <(head -c 10 "$SRC/f$((BS + 1))")
truncate -s $((2 * BS)) "$A/t"
ok_eq "truncate up" $((2 * BS)) "$(stat -c %s "$B/t")"
ok "truncated-up tail reads zeros" cmp "$B/t" \
    <(head -c 10 "$SRC/f$((BS + 1))"; head -c $((2 * BS - 10)) /dev/zero)
dd if=/dev/urandom of="$SRC/part" bs=1000 count=1 2>/dev/null
dd if="$SRC/part" of="$A/sparse" bs=1000 seek=$((3 * BS / 1000 + 7)) \
    2>/dev/null
ok_eq "sparse file size" $(( (3 * BS / 1000 + 8) * 1000 )) \
    "$(stat -c %s "$B/sparse")"
ok "sparse hole reads zeros" cmp <(head -c $(( (3 * BS / 1000 + 7) * 1000 )) \
    "$B/sparse") <(head -c $(( (3 * BS / 1000 + 7) * 1000 )) /dev/zero)
ok "sparse data after the hole" cmp <(tail -c 1000 "$B/sparse") "$SRC/part"
printf 'abcdefghij' >"$A/rmw"
printf 'XY' | dd of="$A/rmw" bs=1 seek=4 conv=notrunc 2>/dev/null
ok_eq "partial overwrite keeps the rest" abcdXYghij "$(cat "$B/rmw")"
printf 'more' >>"$A/rmw"
ok_eq "append" abcdXYghijmore "$(cat "$B/rmw")"

# ---- links ------------------------------------------------------------------------
ln -s f1 "$A/sym"
ok_eq "symlink target" f1 "$(readlink "$B/sym")"
ok "symlink resolves" cmp "$B/sym" "$SRC/f1"
ln "$A/f$BS" "$A/hard"
ok_eq "hard link count" 2 "$(stat -c %h "$B/f$BS")"
ok "hard link has the content" cmp "$B/hard" "$SRC/f$BS"
ok_eq "link to a dir: EPERM" EPERM "$(errno_of "os.link('$A/e', '$A/e2')")"
rm "$A/hard"
ok_eq "count after unlink" 1 "$(stat -c %h "$B/f$BS")"

# ---- xattrs -----------------------------------------------------------------------
ok "setfattr" setfattr -n user.color -v blue "$A/f1"
ok_eq "getfattr through mount b" blue \
    "$(getfattr --only-values -n user.color "$B/f1")"
ok "listed" sh -c "getfattr -d '$B/f1' | grep -q user.color"
ok "removed" setfattr -x user.color "$A/f1"
ok_eq "absent after removal: ENODATA" ENODATA \
    "$(errno_of "os.getxattr('$B/f1', 'user.color')")"
ok_eq "create flag on an existing one: EEXIST" EEXIST "$(errno_of "
    os.setxattr('$A/f1', 'user.a', b'1')
    os.setxattr('$A/f1', 'user.a', b'2', os.XATTR_CREATE)")"

# ---- unlinked while open ----------------------------------------------------------
printf 'still here' >"$A/ghost"
exec 7<"$A/ghost"
rm "$A/ghost"
ok "unlinked name is gone" test ! -e "$B/ghost"
ok_eq "unlinked file still readable" "still here" "$(cat <&7)"
exec 7<&-
ok_eq "unlinked while open, written after" "written late" "$(python3 -c "
import os
fd = os.open('$A/ghost2', os.O_CREAT | os.O_RDWR, 0o644)
os.unlink('$A/ghost2')
os.write(fd, b'written late')
os.fsync(fd)
print(os.pread(fd, 100, 0).decode(), end='')
os.close(fd)")"

# ---- close-to-open between the mounts -----------------------------------------
echo one >"$A/c2o"
ok_eq "b sees a's closed file" one "$(cat "$B/c2o")"
echo two >"$B/c2o"
ok_eq "a sees b's rewrite" two "$(cat "$A/c2o")"
echo three >>"$A/c2o"
ok_eq "b sees a's append" "$(printf 'two\nthree')" "$(cat "$B/c2o")"

# ---- df and unmount -------------------------------------------------------------
ok "df shows the filesystem" \
    test "$(df --output=fstype "$A" | tail -1)" = fuse.minidfs
ok "df reports a size" test "$(df -P "$A" | awk 'NR==2 {print $2}')" -gt 0
unmount b
ok_eq "unmount of b exits 0" 0 "$NODE_STATUS"
unmount a
ok_eq "unmount of a exits 0" 0 "$NODE_STATUS"
tap_done
