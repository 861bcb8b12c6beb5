#!/bin/bash
# fuse/tar: a tar of /usr/include extracted into a mount and archived back
# (both sorted by name, numeric owners) is byte-identical; rm -rf empties it.
# TIMEOUT: 1200
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

[ -d /usr/include ] || { tap_skip "no /usr/include"; tap_done; exit 0; }
fuse_cluster_start
A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$META_ADDR"
wait_mount a || tap_bail "mount failed"

TAROPTS="--sort=name --numeric-owner --format=posix --pax-option=delete=atime,delete=ctime"
tar -C /usr $TAROPTS -cf "$CLUSTER_DIR/in.tar" include 2>/dev/null ||
    tap_bail "cannot archive /usr/include"
ok "extract into the mount" tar -C "$A" -xpf "$CLUSTER_DIR/in.tar"
ok "archive it back" tar -C "$A" $TAROPTS -cf "$CLUSTER_DIR/out.tar" include
ok "archives are byte-identical" cmp "$CLUSTER_DIR/in.tar" "$CLUSTER_DIR/out.tar"
ok_eq "same number of entries" "$(find /usr/include | wc -l)" \
    "$(find "$A/include" | wc -l)"
ok "rm -rf empties it" rm -rf "$A/include"
ok_eq "nothing left" "" "$(ls -A "$A")"
unmount a
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
