#!/bin/bash
# faults/flipped_byte: one byte flipped in one replica's block file on a
# dataserver's disk.  Reads through a fresh mount (no cache) return the right
# data; the bad replica is quarantined (quarantine/ and the dataserver's
# stats) and replaced: fsck is clean again within 60 s.
# The file is 8 MiB (two 4 MiB blocks): the script takes ~30 s.
# TIMEOUT: 240
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"
. "$top_srcdir/tests/integration/faults/lib.sh"

flip() {	# file offset: flips the bits of one byte in place
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(( b ^ 255 )))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# holders_of ID: the live dataservers storing block ID, one per line
holders_of() {
	local d
	for d in ds1 ds2 ds3 ds4; do
		[ -f "$(block_path $d "$1")" ] && echo "$d"
	done
}
stat_of() {	# node field
	curl -s -m 5 "$(ds_url "$1" /v1/stats)" | jq -r ".$2"
}

faults_cluster_start
A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount a || tap_bail "mount a failed"

head -c $((8 * 1024 * 1024)) /dev/urandom >"$CLUSTER_DIR/f1"
cp "$CLUSTER_DIR/f1" "$A/f1" && sync "$A/f1" || tap_bail "writing f1 failed"
ok "fsck is clean after writing f1" wait_for 20 fsck_clean
unmount a

# the first block of f1: the one holding byte 0
B1=$(head -c $((4 * 1024 * 1024)) "$CLUSTER_DIR/f1" | sha256sum | cut -d' ' -f1)
HOLDERS=$(holders_of "$B1")
ok_eq "f1's first block is on 3 nodes" 3 "$(echo "$HOLDERS" | wc -l)"
BAD=$(echo "$HOLDERS" | head -n 1)
Q0=$(stat_of "$BAD" quarantined)
flip "$(block_path "$BAD" "$B1")" 1000000
ok "the replica on $BAD no longer matches its id" \
    sh -c "[ \"\$(sha256sum <'$(block_path "$BAD" "$B1")' | cut -d' ' -f1)\" != '$B1' ]"

# fresh mounts (nothing cached) read f1 until the bad replica was hit: the
# mount picks its replica, so read through up to 20 mounts, each must be right
reads_ok=0
reads=0
for i in $(seq 1 20); do
	M=$CLUSTER_DIR/mnt-r$i
	mount_at r$i "$M" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
	wait_mount r$i || tap_bail "mount r$i failed"
	reads=$((reads + 1))
	cmp -s "$CLUSTER_DIR/f1" "$M/f1" && reads_ok=$((reads_ok + 1))
	unmount r$i
	[ -e "$(ds_data "$BAD")/quarantine/$B1" ] && break
done
ok_eq "every read through a fresh mount is right ($reads mounts)" \
    "$reads" "$reads_ok"
ok "the bad replica is quarantined on $BAD" \
    wait_for 30 test -e "$(ds_data "$BAD")/quarantine/$B1"
ok "... and left $BAD's store" test ! -e "$(block_path "$BAD" "$B1")"
ok_eq "$BAD's stats count one more quarantined block" $((Q0 + 1)) \
    "$(stat_of "$BAD" quarantined)"
TOOK=$(wait_fsck_clean 60)
ok "fsck is clean again within 60 s (took $TOOK s)" test "$TOOK" != never
tap_diag "the bad replica was replaced $TOOK s after it was quarantined"
ok_eq "f1's first block is on 3 nodes again" 3 "$(holders_of "$B1" | wc -l)"
good=0
for d in $(holders_of "$B1"); do
	[ "$(sha256sum <"$(block_path $d "$B1")" | cut -d' ' -f1)" = "$B1" ] &&
	    good=$((good + 1))
done
ok_eq "... and every replica of it is intact" 3 "$good"
M=$CLUSTER_DIR/mnt-after
mount_at after "$M" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount after || tap_bail "mount after failed"
ok "f1 reads right through a fresh mount after the repair" \
    cmp -s "$CLUSTER_DIR/f1" "$M/f1"
unmount after
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
