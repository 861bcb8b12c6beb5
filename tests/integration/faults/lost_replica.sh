#!/bin/bash
# faults/lost_replica: one replica's block file deleted behind its
# dataserver's back (a disk replaced, an operator's rm).  The metaserver
# still lists the node, so a read that tries it gets a 404: the read goes on
# to the next replica and returns the right data, and the mount reports the
# replica (POST /v1/fs/badreplica); the metaserver tells the node to verify
# it, the node says it is gone, and repair puts a third copy back.  Without
# the report the metaserver would believe in the lost copy until the node's
# next full block report.
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

faults_cluster_start
A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount a || tap_bail "mount a failed"
head -c 1000000 /dev/urandom >"$CLUSTER_DIR/f1"
cp "$CLUSTER_DIR/f1" "$A/f1" && sync "$A/f1" || tap_bail "writing f1 failed"
ok "fsck is clean after writing f1" wait_for 20 fsck_clean
unmount a

B1=$(sha256sum <"$CLUSTER_DIR/f1" | cut -d' ' -f1)
HOLDERS=$(holders_of "$B1")
ok_eq "f1's block is on 3 nodes" 3 "$(echo "$HOLDERS" | wc -l)"

# bad requests to the route change nothing
code=$(mpost m1 /v1/fs/badreplica '{"id":"zz","node":"ds1"}')
ok_eq "badreplica with a bad id: 400" 400 "$code"
code=$(mpost m1 /v1/fs/badreplica "{\"id\":\"$B1\"}")
ok_eq "badreplica without a node: 400" 400 "$code"
code=$(mpost m1 /v1/fs/badreplica "{\"id\":\"$B1\",\"node\":\"nosuch\"}")
ok_eq "badreplica of an unknown node: 404" 404 "$code"
ok_eq "... with ENOENT" ENOENT "$(jq -r .error "$CLUSTER_DIR/body")"
NOT=$(for d in ds1 ds2 ds3 ds4; do echo "$HOLDERS" | grep -qx $d || echo $d; done)
code=$(mpost m1 /v1/fs/badreplica "{\"id\":\"$B1\",\"node\":\"$NOT\"}")
ok_eq "badreplica of a node without the block: 404" 404 "$code"
ok "no node was asked to verify anything" \
    sh -c "! grep -q 'command verify' '$CLUSTER_DIR'/ds*/log"

# every holder loses its copy but one, so any read hits a lost one first
# unless it tries the survivor first: read through fresh mounts until one
# has reported
KEEP=$(echo "$HOLDERS" | tail -n 1)
for d in $HOLDERS; do
	[ "$d" = "$KEEP" ] || rm "$(block_path "$d" "$B1")"
done
ok_eq "two replicas are gone from disk" 1 "$(holders_of "$B1" | wc -l)"
reads=0 reads_ok=0
for i in $(seq 1 10); do
	M=$CLUSTER_DIR/mnt-r$i
	mount_at r$i "$M" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
	wait_mount r$i || tap_bail "mount r$i failed"
	reads=$((reads + 1))
	cmp -s "$CLUSTER_DIR/f1" "$M/f1" && reads_ok=$((reads_ok + 1))
	unmount r$i
	grep -q "reported .*'s replica of $B1 bad" "$CLUSTER_DIR/m1/log" && break
done
ok_eq "every read through a fresh mount is right ($reads mounts)" \
    "$reads" "$reads_ok"
ok "a mount reported a lost replica to the metaserver" \
    grep -q "reported .*'s replica of $B1 bad" "$CLUSTER_DIR/m1/log"
ok "the node was told to verify it and found it gone" \
    wait_for 20 sh -c "grep -q 'command verify $B1: not here' '$CLUSTER_DIR'/ds*/log"
ok "repair puts the block back on 3 nodes" \
    wait_for 60 eval '[ "$(holders_of "$B1" | wc -l)" -ge 3 ]'
TOOK=$(wait_fsck_clean 60)
ok "fsck is clean again (took $TOOK s)" test "$TOOK" != never
M=$CLUSTER_DIR/mnt-after
mount_at after "$M" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount after || tap_bail "mount after failed"
ok "f1 reads right after the repair" cmp -s "$CLUSTER_DIR/f1" "$M/f1"
unmount after
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
