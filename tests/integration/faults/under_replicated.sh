#!/bin/bash
# faults/under_replicated: the mount never reports success for data stored
# on fewer dataservers than it needs.  With R=3 and two of the three
# dataservers killed (-9), a write through a mount needing 3 replicas fails
# at fsync and at close with an errno, within retry_time and a margin, and
# another mount sees none of the new bytes; the same write succeeds through
# a mount with -o min_replicas=1, and through the first mount for a file
# whose user.minidfs.replicas asks for 1; with none left the write fails
# with EIO (not ENOSPC: no disk is full).  Once the dataservers are back
# the first mount writes again, and every acknowledged file reads right.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"
. "$top_srcdir/tests/integration/faults/lib.sh"

RETRY=5
fuse_cluster_start 1 3
A=$CLUSTER_DIR/mnt-a
B=$CLUSTER_DIR/mnt-b
C=$CLUSTER_DIR/mnt-c
OPTS=attr_timeout=0,entry_timeout=0,retry_time=$RETRY
mount_at a "$A" "$META_ADDR" -o "$OPTS"
mount_at b "$B" "$META_ADDR" -o "$OPTS"
mount_at c "$C" "$META_ADDR" -o "$OPTS,min_replicas=1"
for m in a b c; do wait_mount $m || tap_bail "mount $m failed"; done

# fresh content for each write (content already stored is not sent again)
mksrc() { head -c $((5 * 1024 * 1024 + 7)) /dev/urandom >"$CLUSTER_DIR/$1.src"; }
mksrc before
ok "with every dataserver up a write succeeds" \
    cp "$CLUSTER_DIR/before.src" "$A/before"

# write_fsync_close PATH NAME: writes NAME.src to PATH, fsync, close; prints
# "FSYNC CLOSE SECONDS" with OK or the errno name of each step
write_fsync_close() {
	python3 - "$CLUSTER_DIR/$2.src" "$1" <<-'PY'
	import errno, os, sys, time
	data = open(sys.argv[1], "rb").read()
	name = lambda e: errno.errorcode.get(e.errno, str(e.errno))
	t0 = time.monotonic()
	fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
	os.write(fd, data)
	try:
	    os.fsync(fd)
	    f = "OK"
	except OSError as e:
	    f = name(e)
	try:
	    os.close(fd)
	    c = "OK"
	except OSError as e:
	    c = name(e)
	print(f, c, int(time.monotonic() - t0))
	PY
}

# the kill: two of three, so one node is left for R=3
for n in ds2 ds3; do
	kill -KILL "${DS_PID[$n]}"
	wait "${DS_PID[$n]}" 2>/dev/null
done
ok "ds2 and ds3 are dead" wait_for 10 sh -c "! kill -0 ${DS_PID[ds2]} 2>/dev/null &&
    ! kill -0 ${DS_PID[ds3]} 2>/dev/null"

mksrc short
read -r F CL SECS < <(write_fsync_close "$A/short" short)
tap_diag "one dataserver of three, min_replicas 3: fsync $F, close $CL, ${SECS}s"
ok "fsync with one replica of 3 fails ($F)" \
    eval '[ "$F" = EIO ] || [ "$F" = ETIMEDOUT ]'
ok "close fails too ($CL): nothing acknowledged" test "$CL" != OK
# fsync and close each retry for up to retry_time
ok "the errors came within 2 x retry_time and a margin (${SECS}s)" \
    test "$SECS" -le $((2 * RETRY + 20))
ok_eq "another mount sees none of the bytes" 0 "$(stat -c %s "$B/short")"
ok "the mount still answers" ls "$A"

mksrc one
read -r F CL SECS < <(write_fsync_close "$C/one" one)
ok_eq "with -o min_replicas=1 the write succeeds" "OK OK" "$F $CL"
ok "... and another mount reads it back" cmp -s "$CLUSTER_DIR/one.src" "$B/one"

touch "$A/few"
setfattr -n user.minidfs.replicas -v 1 "$A/few"
mksrc few
read -r F CL SECS < <(write_fsync_close "$A/few" few)
ok_eq "a file asking for 1 replica is written by the R=3 mount" "OK OK" \
    "$F $CL"
ok "... and another mount reads it back" cmp -s "$CLUSTER_DIR/few.src" "$B/few"

# none left: no dataserver to write to is EIO, not a full disk (ENOSPC)
kill -KILL "${DS_PID[ds1]}"
wait "${DS_PID[ds1]}" 2>/dev/null
ok "ds1 is dead too" wait_for 10 sh -c "! kill -0 ${DS_PID[ds1]} 2>/dev/null"
mksrc none
read -r F CL SECS < <(write_fsync_close "$C/none" none)
tap_diag "no dataserver: fsync $F, close $CL, ${SECS}s"
ok_eq "with no dataserver the write fails with EIO, even with min_replicas=1" \
    "EIO EIO" "$F $CL"

# back: the same mount writes again without a remount
launched_start || tap_bail "the dataservers did not restart"
wait_for 30 fuse_nodes_live 3 || tap_bail "the dataservers are not back"
read -r F CL SECS < <(write_fsync_close "$A/short" short)
ok_eq "with the dataservers back the failed file is written" "OK OK" "$F $CL"
ok "... and another mount reads it back" cmp -s "$CLUSTER_DIR/short.src" "$B/short"
ok "the file written before the kill is intact" \
    cmp -s "$CLUSTER_DIR/before.src" "$B/before"

for m in a b c; do
	unmount $m
	ok_eq "mount $m unmounts cleanly" 0 "$NODE_STATUS"
done
tap_done
