#!/bin/bash
# faults/mount_kill: kill -9 the mount daemon while it writes a big file.
# The files closed before the kill are intact, the dead mount is cleaned up
# with fusermount3 -uz, a new mount on the same directory works (new files,
# and the interrupted copy done again), what the interrupted file holds is a
# prefix of what was written (never other bytes), and fsck is clean.
# The big file is 200 MiB (not 1 GiB): the script takes ~10 s on 2 cores.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"
. "$top_srcdir/tests/integration/faults/lib.sh"

SIZE=$((200 * 1024 * 1024))
faults_cluster_start
A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount a || tap_bail "mount a failed"

# ---- files closed before the kill ----------------------------------------------
W=$CLUSTER_DIR/w
mkdir -p "$W"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$W/c1"
head -c 4321 /dev/urandom >"$W/c2"
head -c $((20 * 1024 * 1024 + 7)) /dev/urandom >"$W/c3"
head -c "$SIZE" /dev/urandom >"$W/big"
mkdir "$A/dir"
ok "c1 written and closed" cp "$W/c1" "$A/c1"
ok "c2 written and closed" cp "$W/c2" "$A/c2"
ok "dir/c3 written and closed" cp "$W/c3" "$A/dir/c3"
echo "appended line" >>"$A/c2"
cat "$W/c2" - >"$W/c2+" <<<"appended line"

# ---- kill -9 the daemon mid-write ----------------------------------------------
cp "$W/big" "$A/big" 2>"$CLUSTER_DIR/cp.err" &
CP=$!
wait_for 60 eval '[ "$(stat -c %s "$A/big" 2>/dev/null || echo 0)" -ge $((40 * 1024 * 1024)) ]' ||
    tap_bail "the big file never reached 40 MiB"
kill -KILL "${MNT_PID[a]}"
wait "${MNT_PID[a]}" 2>/dev/null
wait "$CP"
CPST=$?
ok "the interrupted cp fails (status $CPST)" test "$CPST" -ne 0
tap_diag "cp said: $(head -n 1 "$CLUSTER_DIR/cp.err")"
ok "the mount is dead: stat fails" sh -c "! stat '$A/c1' >/dev/null 2>&1"
ok "fusermount3 -uz cleans up the dead mount" fusermount3 -uz "$A"
ok "... nothing is mounted there any more" sh -c "! mountpoint -q '$A'"

# ---- a new mount on the same directory -----------------------------------------
mount_at a2 "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount a2 || tap_bail "the new mount failed"
ok "c1 is intact" cmp -s "$W/c1" "$A/c1"
ok "c2 is intact, with its appended line" cmp -s "$W/c2+" "$A/c2"
ok "dir/c3 is intact" cmp -s "$W/c3" "$A/dir/c3"
ok "the interrupted file exists" test -e "$A/big"
BSIZE=$(stat -c %s "$A/big")
tap_diag "the interrupted file holds $BSIZE of $SIZE bytes"
ok "... no longer than what was written" test "$BSIZE" -le "$SIZE"
ok "... and what it holds is a prefix of it" \
    cmp -s -n "$BSIZE" "$W/big" "$A/big"
echo new >"$A/new"
ok_eq "the new mount takes new files" new "$(cat "$A/new")"
ok "the interrupted copy can be done again" \
    timeout 120 cp "$W/big" "$A/big"
ok "... and is intact" cmp -s "$W/big" "$A/big"
TOOK=$(wait_fsck_clean 60)
ok "fsck is clean (took $TOOK s)" test "$TOOK" != never
ok_eq "fsck checked every chunk (2 + 1 + 6 + 50 + 1)" 60 \
    "$(jq -r .healthy_chunks "$CLUSTER_DIR/adm.out")"
unmount a2
ok_eq "clean unmount of the new mount" 0 "$NODE_STATUS"
tap_done
