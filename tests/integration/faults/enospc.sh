#!/bin/bash
# faults/enospc: three dataservers of 24 MiB each (storage.max_storage_size,
# R=3, so the filesystem holds ~24 MiB).  A writer filling it gets "No space
# left on device" from dd; the files written before stay intact (sha256);
# once a file and the filler are deleted and GC (cluster.gc_grace of 3 s)
# has run, the freed space is reusable: a new file of the deleted file's
# size is written and reads back right.
# TIMEOUT: 240
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"
. "$top_srcdir/tests/integration/faults/lib.sh"

[ -x "$ADMIN_BIN" ] || tap_bail "$ADMIN_BIN not built"
MAX=$((24 * 1024 * 1024))
fuse_cluster_start 1 3 --set meta.cluster.gc_grace=3 \
    --set meta.cluster.gc_interval=1 --set data.storage.max_storage_size=$MAX
ok_eq "a dataserver reports its capacity" "$MAX" \
    "$(curl -s -m 5 "$(ds_url ds1 /v1/stats)" | jq -r .capacity)"

A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0,retry_time=10
wait_mount a || tap_bail "mount a failed"

W=$CLUSTER_DIR/w
mkdir -p "$W"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$W/f1"
head -c 123457 /dev/urandom >"$W/f2"
ok "f1 (8 MiB) written" cp "$W/f1" "$A/f1"
ok "f2 (120 KiB) written" cp "$W/f2" "$A/f2"
sum() { sha256sum <"$1" | cut -d' ' -f1; }

# the filler: 64 MiB into a filesystem with ~16 MiB left
T0=$(date +%s)
timeout 120 dd if=/dev/urandom of="$A/fill" bs=1M count=64 conv=fsync \
    2>"$W/dd.err"
RC=$?
T1=$(date +%s)
tap_diag "dd: exit $RC after $((T1 - T0)) s: $(tail -n 1 "$W/dd.err")"
ok "dd filling the filesystem fails" test "$RC" != 0 -a "$RC" != 124
ok "... with \"No space left on device\"" \
    grep -q 'No space left on device' "$W/dd.err"
ok_eq "ENOSPC from a new create+write too" ENOSPC "$(errno_of "
    fd = os.open('$A/more', os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, os.urandom(8 << 20))
        os.fsync(fd)
    finally:
        os.close(fd)")"
ok_eq "f1 is intact" "$(sum "$W/f1")" "$(sum "$A/f1")"
ok_eq "f2 is intact" "$(sum "$W/f2")" "$(sum "$A/f2")"

# free f1's 8 MiB and whatever the filler stored, then let GC run
used() {
	curl -s -m 5 "$(ds_url "$1" /v1/stats)" | jq -r .used
}
declare -A U0
for d in ds1 ds2 ds3; do U0[$d]=$(used $d); done
freed() {
	local d
	for d in ds1 ds2 ds3; do
		[ "$(used $d)" -lt $((1024 * 1024)) ] || return 1
	done
}
ok "delete f1" rm "$A/f1"
ok "delete the filler" rm -f "$A/fill" "$A/more"
ok_eq "minidfs-admin gc succeeds" 0 "$(wait_for 20 eval '[ "$(adm gc)" = 0 ]'
    echo $?)"
ok "GC leaves only f2's block on each dataserver" wait_for 60 freed
tap_diag "ds1 used ${U0[ds1]} before, $(used ds1) after GC"
avail() {
	stat -f -c '%a %S' "$A" | awk '{ print $1 * $2 }'
}
ok "df on the mount shows the 8 MiB free again" wait_for 20 eval \
    '[ "$(avail)" -ge $((8 * 1024 * 1024)) ]'
tap_diag "df: $(df -B1 "$A" | tail -n 1); metaserver: $(fs m1 statfs '{}'; cat "$CLUSTER_DIR/body")"

head -c $((8 * 1024 * 1024)) /dev/urandom >"$W/f3"
ok "a new 8 MiB file is written in the freed space" cp "$W/f3" "$A/f3"
ok_eq "... and reads back" "$(sum "$W/f3")" "$(sum "$A/f3")"
ok_eq "f2 is still intact" "$(sum "$W/f2")" "$(sum "$A/f2")"
ok "fsck is clean" wait_for 30 fsck_clean

unmount a
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
