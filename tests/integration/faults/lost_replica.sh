#!/bin/bash
# faults/lost_replica: block files deleted behind their dataservers' backs
# (a disk replaced, an operator's rm).  The metaserver still lists those
# nodes, so a read that tries one gets a 404, goes on to the next replica
# and reports the one that failed (POST /v1/fs/badreplica); the metaserver
# tells the node to verify its copy, the node says it is gone, and repair
# puts a copy back.  Without the reports the metaserver would believe in
# the lost copies until the nodes' next full block reports.
#   f1: every copy deleted: the read fails with EIO, all three nodes are
#       asked and say gone, fsck then reports the block missing (it would
#       claim a healthy file otherwise).
#   f2: one copy deleted and reported: back to three copies, fsck clean,
#       and the reported replica is offered last until then.
# TIMEOUT: 240
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/meta.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"
. "$top_srcdir/tests/integration/faults/lib.sh"

# holders_of ID: the dataservers storing block ID, one per line
holders_of() {
	local d
	for d in ds1 ds2 ds3 ds4; do
		[ -f "$(block_path $d "$1")" ] && echo "$d"
	done
}
# gone_on ID NODES: how many of NODES found their copy of ID gone
gone_on() {
	local id=$1 d n=0
	shift
	for d in "$@"; do
		grep -q "command verify $id: not here" "$(node_log "$d")" &&
		    n=$((n + 1))
	done
	echo $n
}
# locations INO: the node ids the metaserver lists for the inode's block
locations() {
	mpost m1 /v1/fs/blockmap "{\"ino\":\"$1\",\"first\":\"0\",\"count\":1}" \
	    >/dev/null && jq -r '.chunks[0].locations[].id' "$CLUSTER_DIR/body"
}

faults_cluster_start
A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount a || tap_bail "mount a failed"
for f in f1 f2; do
	head -c 1000000 /dev/urandom >"$CLUSTER_DIR/$f"
	cp "$CLUSTER_DIR/$f" "$A/$f" && sync "$A/$f" ||
	    tap_bail "writing $f failed"
done
ok "fsck is clean after writing f1 and f2" wait_for 20 fsck_clean
INO2=$(stat -c %i "$A/f2")
unmount a
B1=$(sha256sum <"$CLUSTER_DIR/f1" | cut -d' ' -f1)
B2=$(sha256sum <"$CLUSTER_DIR/f2" | cut -d' ' -f1)
H1=$(holders_of "$B1")
H2=$(holders_of "$B2")
ok_eq "f1's block is on 3 nodes" 3 "$(echo "$H1" | wc -l)"
ok_eq "f2's block is on 3 nodes" 3 "$(echo "$H2" | wc -l)"

# ---- the route's bad inputs change nothing --------------------------------
code=$(mpost m1 /v1/fs/badreplica '{"id":"zz","node":"ds1"}')
ok_eq "badreplica with a bad id: 400" 400 "$code"
code=$(mpost m1 /v1/fs/badreplica "{\"id\":\"$B1\"}")
ok_eq "badreplica without a node: 400" 400 "$code"
code=$(mpost m1 /v1/fs/badreplica "{\"id\":\"$B1\",\"node\":\"../ds1\"}")
ok_eq "badreplica with a node id that is no node id: 400" 400 "$code"
code=$(mpost m1 /v1/fs/badreplica "{\"id\":\"$B1\",\"node\":\"nosuch\"}")
ok_eq "badreplica of an unknown node: 404" 404 "$code"
ok_eq "... with ENOENT" ENOENT "$(jq -r .error "$CLUSTER_DIR/body")"
NOT=$(for d in ds1 ds2 ds3 ds4; do echo "$H1" | grep -qx $d || echo $d; done)
code=$(mpost m1 /v1/fs/badreplica "{\"id\":\"$B1\",\"node\":\"$NOT\"}")
ok_eq "badreplica of a node without the block: 404" 404 "$code"
ok "no node was asked to verify anything" \
    sh -c "! grep -q 'command verify' $(for d in ds1 ds2 ds3 ds4; do
    node_log $d; done | tr '\n' ' ')"

# ---- f1: every copy gone: the mount reports each one it tried -------------
for d in $H1; do rm "$(block_path "$d" "$B1")"; done
M=$CLUSTER_DIR/mnt-r1
mount_at r1 "$M" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount r1 || tap_bail "mount r1 failed"
ok_eq "reading f1 fails with EIO" EIO "$(python3 -c "
import errno, sys
try:
    open(sys.argv[1], 'rb').read()
    print('OK')
except OSError as e:
    print(errno.errorcode[e.errno])" "$M/f1")"
unmount r1
# shellcheck disable=SC2086
ok "all three nodes were told to verify their copy and found it gone" \
    wait_for 20 eval '[ "$(gone_on "$B1" $H1)" = 3 ]'
ok "fsck now reports f1's block missing" \
    wait_for 20 eval '[ "$(adm fsck --json)" != 0 ] &&
	[ "$(jq -r .missing "$CLUSTER_DIR/adm.out")" = 1 ]'

# ---- f2: one copy gone and reported: repair restores it -------------------
LOST=$(locations "$INO2" | head -n 1)
rm "$(block_path "$LOST" "$B2")"
ok_eq "one of f2's copies is gone from disk" 2 "$(holders_of "$B2" | wc -l)"
code=$(mpost m1 /v1/fs/badreplica "{\"id\":\"$B2\",\"node\":\"$LOST\"}")
ok_eq "a report of it is taken" 200 "$code"
ok_eq "the reported replica is offered last" "$LOST" \
    "$(locations "$INO2" | tail -n 1)"
ok "$LOST was told to verify its copy and found it gone" \
    wait_for 20 eval '[ "$(gone_on "$B2" "$LOST")" = 1 ]'
ok "repair puts f2's block back on 3 nodes" \
    wait_for 60 eval '[ "$(holders_of "$B2" | wc -l)" -ge 3 ]'
M=$CLUSTER_DIR/mnt-after
mount_at after "$M" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount after || tap_bail "mount after failed"
ok "f2 reads right after the repair" cmp -s "$CLUSTER_DIR/f2" "$M/f2"
unmount after
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
