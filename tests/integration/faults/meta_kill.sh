#!/bin/bash
# faults/meta_kill: two metaservers; kill -9 the leader (by PID) while a
# loop creates files through the mount and writes known content into them.
# The standby takes over; every file whose create+write+close returned
# success is there with the right sha256 (through the same mount and through
# a fresh one); the mount keeps working without a remount: creates made
# after the takeover succeed on the same daemon.
# TIMEOUT: 240
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"
. "$top_srcdir/tests/integration/faults/lib.sh"

META_LEASE_TTL=3
fuse_cluster_start 2 3
L=$FUSE_LEADER
if [ "$L" = m1 ]; then S=m2; else S=m1; fi
META_ADDR=$(meta_addr "$L")

A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$(meta_addr m1),$(meta_addr m2)" \
    -o attr_timeout=0,entry_timeout=0,retry_time=30
wait_mount a || tap_bail "mount a failed"
APID=${MNT_PID[a]}

# the stream: f$i gets 64 KiB + i bytes of its own random content; the
# outcome of each create+write+close (cp checks close) is recorded
W=$CLUSTER_DIR/w
mkdir -p "$W"
: >"$W/acked"
: >"$W/failed"
(
	for i in $(seq 1 400); do
		[ -e "$W/stop" ] && break
		head -c $((65536 + i)) /dev/urandom >"$W/s$i"
		if cp "$W/s$i" "$A/f$i" 2>>"$W/cp.err"; then
			echo "$i" >>"$W/acked"
		else
			echo "$i" >>"$W/failed"
		fi
	done
) &
WRITER=$!

wait_for 60 eval '[ "$(wc -l <"$W/acked")" -ge 10 ]' ||
    tap_bail "the writer never got 10 files written"
BEFORE=$(wc -l <"$W/acked")
kill_meta "$L"
KILLED=$(date +%s.%N)
ok "the leader $L was killed by PID" eval "! meta_alive $L"

NL=$(meta_wait_leader 30 "$S")
ok_eq "the standby $S takes over" "$S" "$NL"
tap_diag "takeover $(echo "$KILLED $(date +%s.%N)" |
    awk '{ printf "%.1f", $2 - $1 }') s after the kill"
META_ADDR=$(meta_addr "$S")

# the writer goes on through the same mount: 15 more files acknowledged
ok "files are acknowledged again after the takeover" wait_for 60 eval \
    "[ \"\$(wc -l <'$W/acked')\" -ge $((BEFORE + 15)) ]"
touch "$W/stop"
wait "$WRITER"
NACK=$(wc -l <"$W/acked")
NFAIL=$(wc -l <"$W/failed")
tap_diag "$NACK files acknowledged ($BEFORE before the kill), $NFAIL failed"
[ "$NFAIL" -gt 0 ] && sed 's/^/# /' "$W/cp.err" | tail -n 5

ok "the mount daemon is the same process" kill -0 "$APID"
ok "the directory is still mounted" mountpoint -q "$A"

check_acked() {
	local dir=$1 bad=0 i
	while read -r i; do
		if [ "$(sha256sum <"$dir/f$i" 2>/dev/null | cut -d' ' -f1)" != \
		    "$(sha256sum <"$W/s$i" | cut -d' ' -f1)" ]; then
			echo "# f$i wrong or missing in $dir" >&2
			bad=$((bad + 1))
		fi
	done <"$W/acked"
	echo "$bad"
}
ok_eq "every acknowledged file has its content (same mount)" 0 \
    "$(check_acked "$A")"

# a new create and a rename after the takeover, no remount
head -c 100000 /dev/urandom >"$W/late"
ok "a new create+write after the takeover succeeds" cp "$W/late" "$A/late"
ok "a rename after the takeover succeeds" mv "$A/late" "$A/late2"
ok_eq "... and reads back" "$(sha256sum <"$W/late" | cut -d' ' -f1)" \
    "$(sha256sum <"$A/late2" | cut -d' ' -f1)"

B=$CLUSTER_DIR/mnt-b
mount_at b "$B" "$(meta_addr "$S")" -o attr_timeout=0,entry_timeout=0
wait_mount b || tap_bail "mount b failed"
ok_eq "every acknowledged file has its content (fresh mount)" 0 \
    "$(check_acked "$B")"
ok_eq "the fresh mount sees the late file" \
    "$(sha256sum <"$W/late" | cut -d' ' -f1)" \
    "$(sha256sum <"$B/late2" | cut -d' ' -f1)"
ok "fsck is clean on the new leader" wait_for 30 fsck_clean

unmount a
ok_eq "clean unmount of a" 0 "$NODE_STATUS"
unmount b
ok_eq "clean unmount of b" 0 "$NODE_STATUS"
tap_done
