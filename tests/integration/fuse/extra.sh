#!/bin/bash
# fuse/extra: mount(8) with -t fuse.minidfs; the mount's readahead window;
# two processes appending; flock between two mounts; mkfifo; a write that
# loses a dataserver half-way; and SIGTERM storing the data of a file still
# open before the daemon exits.
# TIMEOUT: 600
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start 1 4
A=$CLUSTER_DIR/mnt-a
B=$CLUSTER_DIR/mnt-b
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0,retry_time=30
wait_mount a || tap_bail "mount a failed"
mount_at b "$B" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount b || tap_bail "mount b failed"

# ---- the daemon raises its bdi's read_ahead_kb (128 by default) to its
# max_readahead, 1 MiB, so that sequential reads come in 1 MiB READs;
# only root can write sysfs ---------------------------------------------------
if [ "$(id -u)" = 0 ]; then
	dev=$(awk -v m="$(realpath "$A")" '$5 == m { d = $3 } END { print d }' \
	    /proc/self/mountinfo)
	ok_eq "the bdi of mount a has read_ahead_kb 1024" 1024 \
	    "$(cat "/sys/class/bdi/$dev/read_ahead_kb" 2>&1)"
else
	tap_skip "read_ahead_kb: not root"
fi

# ---- the mount helper: mount(8) runs mount.fuse3 SOURCE DIR -o OPTS -t
# fuse.minidfs with PATH removed from the environment, and mount.fuse3 runs
# "minidfs SOURCE DIR -o rw,dev,suid,..." through /bin/sh's default PATH
# (which has /usr/local/bin and /usr/bin).  Here the helper is called as
# mount(8) calls it, with a PATH that finds the build's minidfs. -----------
M=$CLUSTER_DIR/mnt-helper
mkdir -p "$M"
MNT_DIR[helper]=$M
ok "mount.fuse3 -t fuse.minidfs, as mount(8) runs it" \
    env PATH="$top_builddir/fuse:$PATH" mount.fuse3 "$META_ADDR" "$M" \
    -o "rw,_netdev,nofail,attr_timeout=0,secret_file=$CLUSTER_SECRET" \
    -t fuse.minidfs
echo via-helper >"$A/h"
ok_eq "the helper's mount sees the files" via-helper "$(cat "$M/h")"
ok "umount" umount "$M"
ok "no longer mounted" sh -c "! mountpoint -q '$M'"

# ---- two processes appending in one mount ----------------------------------
APIDS=""
for p in 1 2; do
	( for i in $(seq 1 200); do echo "writer $p line $i" >>"$A/app"; done ) &
	APIDS="$APIDS $!"
done
wait $APIDS
ok_eq "400 appended lines" 400 "$(wc -l <"$B/app")"
ok_eq "no torn line" 400 "$(grep -c '^writer [12] line [0-9]*$' "$B/app")"

# ---- flock between mounts -----------------------------------------------------
touch "$A/lk"
flock -n "$A/lk" -c 'touch '"$CLUSTER_DIR"'/held; sleep 4' &
LPID=$!
wait_for 10 test -e "$CLUSTER_DIR/held"
ok "flock -n in the other mount fails while held" \
    sh -c "! flock -n '$B/lk' true"
wait $LPID
# the kernel sends the holder's unlock (FUSE_RELEASE) without waiting
ok "flock in the other mount succeeds once it is released" \
    wait_for 5 flock -n "$B/lk" true
ok "fcntl lock conflicts across mounts" python3 -c "
import fcntl, os, subprocess, sys
fd = os.open('$A/lk', os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
r = subprocess.run(['python3', '-c', '''
import fcntl, os, sys
fd = os.open(\"$B/lk\", os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    sys.exit(1)
except OSError:
    sys.exit(0)
'''])
sys.exit(r.returncode)"

# ---- mkfifo ----------------------------------------------------------------------
mkfifo "$A/fifo"
ok_eq "fifo type through mount b" fifo "$(stat -c %F "$B/fifo")"

# ---- a dataserver dies during a write ---------------------------------------------
head -c $((40 * 1024 * 1024)) /dev/urandom >"$CLUSTER_DIR/w.src"
( sleep 0.5; kill -KILL "${DS_PID[ds1]}" ) &
KPID=$!
ok "write while ds1 is killed succeeds" cp "$CLUSTER_DIR/w.src" "$A/w"
wait $KPID
ok "the file is intact through mount b" cmp "$CLUSTER_DIR/w.src" "$B/w"

# ---- SIGTERM stores what an open file still buffers --------------------------
# three full blocks (uploads in flight at the signal) and a buffered tail
head -c $((13 * 1024 * 1024 + 17)) /dev/urandom >"$CLUSTER_DIR/t.src"
python3 -c "
import os, time
fd = os.open('$A/pending', os.O_CREAT | os.O_WRONLY, 0o644)
os.write(fd, open('$CLUSTER_DIR/t.src', 'rb').read())
open('$CLUSTER_DIR/written', 'w').close()
time.sleep(60)" &
HOLDER=$!
wait_for 20 test -e "$CLUSTER_DIR/written"
kill -TERM "${MNT_PID[a]}"
if wait_for 30 eval "! kill -0 ${MNT_PID[a]} 2>/dev/null"; then
	wait "${MNT_PID[a]}" 2>/dev/null
	st=$?
else
	st=timeout
fi
ok_eq "daemon a exits 0 on SIGTERM" 0 "$st"
ok "the open file's data was stored" cmp "$CLUSTER_DIR/t.src" "$B/pending"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
unmount b
ok_eq "clean unmount of b" 0 "$NODE_STATUS"
tap_done
