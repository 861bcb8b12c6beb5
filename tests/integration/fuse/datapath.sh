#!/bin/bash
# fuse/datapath: the data path's features seen through real mounts, each
# against a control that would show it missing.  A second copy of a file
# sends no block PUT (dedup); a re-read is served by the block cache (no
# dataserver GET) and is not with cache_size=0; a sequential reader's next
# blocks are fetched before it asks for them (readahead=3) and are not with
# readahead=0, and a cache of two blocks takes only one of the three ahead;
# random reads fetch ranges, a chance near one too, and two in a row are a
# stream; the disk cache stays within disk_cache_size=8M while 41 MiB
# of distinct blocks go through it (read ahead, so several are stored at
# once), and every read is right; ls -l of 300 files after drop_caches gets
# every size from readdirplus without per-file lookups; fsyncdir succeeds;
# the mount has max_read=1048576 and a 4 MiB write(2) reaches the daemon as
# four 1 MiB writes; fcntl record locks taken in one mount are seen (F_GETLK)
# and waited for (F_SETLKW) in another.
# TIMEOUT: 180
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start
A=$CLUSTER_DIR/mnt-a	# writes; lock holder
C=$CLUSTER_DIR/mnt-c	# block cache, readahead=0
N=$CLUSTER_DIR/mnt-n	# cache_size=0
R=$CLUSTER_DIR/mnt-r	# readahead=3; lock waiter
D=$CLUSTER_DIR/mnt-d	# disk cache of 8 MiB
W=$CLUSTER_DIR/mnt-w	# -d: every kernel request logged; readdirplus
DC=$CLUSTER_DIR/diskcache
mount_at a "$A" "$META_ADDR"
mount_at c "$C" "$META_ADDR" -o readahead=0
mount_at n "$N" "$META_ADDR" -o cache_size=0,readahead=0
mount_at r "$R" "$META_ADDR" -o readahead=3
mount_at d "$D" "$META_ADDR" \
    -o cache_size=16M,readahead=2,disk_cache=$DC,disk_cache_size=8M
mount_at w "$W" "$META_ADDR" -d -o entry_timeout=30,attr_timeout=30
for m in a c n r d w; do
	wait_mount $m || tap_bail "mount $m failed"
done

http GET "$(meta_url m1 /v1/fs/info)" >/dev/null
B=$(jq -r .block_size "$CLUSTER_DIR/body")
[ "$B" -ge $((2 * 1024 * 1024)) ] 2>/dev/null ||
    tap_bail "block size ${B:-unknown}: the checks want 2 MiB or more"

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# dataserver requests logged so far (one httpd line each), all three nodes;
# METHOD [BLOCKID]
ds_logged() {
	cat "$(node_log ds1)" "$(node_log ds2)" "$(node_log ds3)" |
	    grep -c " $1 /v1/blocks/${2:-}"
}
# (a request is logged just after its answer went out, and a read-ahead
# may still be in flight when the reader is done): waits until no block
# request was logged for half a second, at most 10 s
settle() {
	local n m i
	n=$(ds_logged '[A-Z]*')
	for i in $(seq 1 20); do
		sleep 0.5
		m=$(ds_logged '[A-Z]*')
		[ "$m" = "$n" ] && return 0
		n=$m
	done
}

# block ids of FILE (under mount a), one a line, by index
block_ids() {
	local ino
	ino=$(stat -c %i "$1") &&
	    [ "$(fs m1 blockmap "{\"ino\":\"$ino\",\"first\":\"0\",\"count\":64}")" = 200 ] &&
	    jq -r '.chunks | sort_by(.index | tonumber) | .[].id' "$CLUSTER_DIR/body"
}

# ---- dedup ---------------------------------------------------------------------
head -c $((3 * B + B / 4)) /dev/urandom >"$CLUSTER_DIR/f1" # 3 blocks + tail
p0=$(ds_logged PUT)
cp "$CLUSTER_DIR/f1" "$A/f1" || tap_bail "writing f1 failed"
settle
p1=$(ds_logged PUT)
cp "$CLUSTER_DIR/f1" "$A/f2" || tap_bail "writing f2 failed"
settle
p2=$(ds_logged PUT)
ok "the first copy of 4 blocks stores them: $((p1 - p0)) block PUTs" \
    test $((p1 - p0)) -ge 4
ok_eq "the second copy of the same bytes sends no block PUT (dedup)" \
    0 $((p2 - p1))
ok_eq "... and names the same blocks" "$(block_ids "$A/f1")" \
    "$(block_ids "$A/f2")"
drop_caches
ok "... and reads back byte-identical (through a cache_size=0 mount)" \
    cmp "$CLUSTER_DIR/f1" "$N/f2"

# ---- the block cache --------------------------------------------------------------
cat "$C/f1" >/dev/null
settle
drop_caches
g0=$(ds_logged GET)
ok "a re-read through the cache (after drop_caches) is right" \
    cmp "$CLUSTER_DIR/f1" "$C/f1"
settle
ok_eq "... and asks the dataservers for nothing" 0 $(( $(ds_logged GET) - g0 ))
cat "$N/f1" >/dev/null
settle
drop_caches
g0=$(ds_logged GET)
ok "a re-read with cache_size=0 is right" cmp "$CLUSTER_DIR/f1" "$N/f1"
settle
g1=$(ds_logged GET)
ok "... and fetches again: $((g1 - g0)) GETs for 4 blocks" \
    test $((g1 - g0)) -ge 4

# ---- read-ahead -----------------------------------------------------------------
head -c $((4 * B)) /dev/urandom >"$CLUSTER_DIR/ra"
cp "$CLUSTER_DIR/ra" "$A/ra" || tap_bail "writing ra failed"
mapfile -t RA < <(block_ids "$A/ra")
[ ${#RA[@]} = 4 ] || tap_bail "ra has ${#RA[@]} blocks, not 4"
# GETs of ra's blocks 1..3 (each one a line)
later_gets() {
	local i
	for i in 1 2 3; do ds_logged GET "${RA[$i]}"; done | tr '\n' ' '
}
first_mib() {
	python3 -c "
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
sys.exit(os.read(fd, 1 << 20) != open(sys.argv[2], 'rb').read(1 << 20))" \
	    "$1" "${2:-$CLUSTER_DIR/ra}"
}
later_fetched() { ! later_gets | grep -qw 0; }
ok "reading the first MiB with readahead=0 is right" first_mib "$C/ra"
sleep 1
ok_eq "... and fetches none of the later blocks within 1 s" "0 0 0 " \
    "$(later_gets)"
ok "reading the first MiB with readahead=3 is right" first_mib "$R/ra"
wait_for 5 later_fetched
ok "... and blocks 1, 2 and 3 are fetched ahead (GETs: $(later_gets))" \
    later_fetched
# a cache of two blocks takes one ahead, not three that would push out the
# block being read (another file: ra's blocks are fetched already)
H=$CLUSTER_DIR/mnt-h
mount_at h "$H" "$META_ADDR" -o cache_size=$((2 * B)),readahead=3
wait_mount h || tap_bail "mount h failed"
head -c $((4 * B)) /dev/urandom >"$CLUSTER_DIR/rh"
cp "$CLUSTER_DIR/rh" "$A/rh" || tap_bail "writing rh failed"
mapfile -t RA < <(block_ids "$A/rh")
ok "reading the first MiB with readahead=3 and a 2-block cache is right" \
    first_mib "$H/rh" "$CLUSTER_DIR/rh"
some_ahead() { [ "$(later_gets)" != "0 0 0 " ]; }
wait_for 5 some_ahead
settle
sleep 1
ok_eq "... and fetches block 1 ahead, not 2 and 3" "1 0 0 " "$(later_gets)"

# random 4 KiB reads fetch ranges, even one that lands near the read before
# by chance (24 MiB after 28: within the 8 MiB a reordered stream may
# jump); two reads in a row near each other are a stream: whole block,
# read ahead
MIB=$((1024 * 1024))
head -c $((32 * MIB)) /dev/urandom >"$CLUSTER_DIR/rr"
cp "$CLUSTER_DIR/rr" "$A/rr" || tap_bail "writing rr failed"
mapfile -t RR < <(block_ids "$A/rr")
# whole-block GETs (200, not 206) of rr's blocks, all of them
whole_gets() {
	local id n=0
	for id in "${RR[@]}"; do
		n=$((n + $(cat "$(node_log ds1)" "$(node_log ds2)" \
		    "$(node_log ds3)" | grep -c " GET /v1/blocks/$id 200 ")))
	done
	echo "$n"
}
rr_read() {
	python3 - "$R/rr" "$CLUSTER_DIR/rr" "$@" <<-'PY'
	import os, sys
	fd = os.open(sys.argv[1], os.O_RDONLY)
	ref = open(sys.argv[2], "rb")
	for mib in sys.argv[3:]:
	    off = int(float(mib) * 1048576)
	    ref.seek(off)
	    if os.pread(fd, 4096, off) != ref.read(4096):
	        sys.exit(1)
	PY
}
ok "random 4 KiB reads of a 32 MiB file are right" rr_read 20 4 28 24 12
settle
ok_eq "... and fetch no whole block" 0 "$(whole_gets)"
ok "two 4 KiB reads in a row, the second just after the first, are right" \
    rr_read 8 8.00390625
settle
ok "... and fetch whole blocks ($(whole_gets))" test "$(whole_gets)" -ge 2

# ---- the disk cache's cap ----------------------------------------------------------
head -c $((3 * B)) /dev/urandom >"$CLUSTER_DIR/g"
cp "$CLUSTER_DIR/g" "$A/g" || tap_bail "writing g failed"
# what du says the cache takes; in the background, the most bytes its files
# (those being written too) ever held
dc_du() { du -s --block-size=1 "$DC" | cut -f1; }
python3 - "$DC" "$CLUSTER_DIR/dc.stop" >"$CLUSTER_DIR/dc.max" <<'PY' &
import os, sys, time
d, stop = sys.argv[1], sys.argv[2]
most = 0
while not os.path.exists(stop):
    n = 0
    try:
        for e in os.scandir(d):
            try:
                n += e.stat().st_size
            except FileNotFoundError:
                pass
    except FileNotFoundError:
        pass
    most = max(most, n)
    time.sleep(0.002)
print(most)
PY
sampler=$!
cap=$((8 * 1024 * 1024))
bad=0 dmax=0
for f in f1 ra g f1; do
	drop_caches
	cmp -s "$CLUSTER_DIR/$f" "$D/$f" || bad=$((bad + 1))
	d=$(dc_du)
	[ "$d" -gt "$dmax" ] && dmax=$d
done
touch "$CLUSTER_DIR/dc.stop"
wait "$sampler"
ok_eq "$(( (13 * B / 4 + 7 * B) >> 20 )) MiB of distinct blocks (and the first file again) read right through an 8 MiB disk cache" 0 "$bad"
# the cap counts block bytes; du adds the directory itself and rounding
ok "... du of the cache after each file at most 8 MiB: max $dmax" \
    test "$dmax" -le $((cap + 16384))
ok "... its files never held more than 8 MiB: max $(cat "$CLUSTER_DIR/dc.max")" \
    test "$(cat "$CLUSTER_DIR/dc.max")" -le "$cap"
ok "... and it holds blocks ($(ls "$DC" | grep -c '^[0-9a-f]\{64\}$'))" \
    test "$(ls "$DC" | grep -c '^[0-9a-f]\{64\}$')" -ge 1

# ---- readdirplus -------------------------------------------------------------------
mkdir "$A/d" || tap_bail "mkdir failed"
python3 - "$A/d" <<'PY' || tap_bail "creating 300 files failed"
import os, sys
for i in range(1, 301):
    with open("%s/f%d" % (sys.argv[1], i), "wb") as f:
        f.write(b"x" * i)
PY
drop_caches
l0=$(fs_logged lookup) a0=$(fs_logged getattr) d0=$(fs_logged readdir)
k0=$(wc -l <"$CLUSTER_DIR/w/log")
ls -l "$W/d" >"$CLUSTER_DIR/ls.out"
l1=$(fs_logged lookup) a1=$(fs_logged getattr) d1=$(fs_logged readdir)
# the kernel's requests (libfuse's -d lines)
kernel_ops() {
	tail -n +$((k0 + 1)) "$CLUSTER_DIR/w/log" |
	    grep -c "opcode: $1 "
}
kl=$(kernel_ops LOOKUP) ka=$(kernel_ops GETATTR) kp=$(kernel_ops READDIRPLUS)
ok_eq "ls -l of 300 files after drop_caches: every size right" 0 \
    "$(awk 'NR > 1 { sub(/^f/, "", $9); if ($5 != $9) bad++ } END {print bad + 0 + (NR != 301)}' "$CLUSTER_DIR/ls.out")"
ok "... listed by READDIRPLUS ($kp), the kernel sending $kl LOOKUPs and $ka GETATTRs (at most 1 + 2, for the directory; 300 without)" \
    test "$kp" -ge 1 -a "$kl" -le 1 -a "$ka" -le 2
ok "... and the metaserver getting $((l1 - l0)) lookups and $((a1 - a0)) getattrs (at most 1 + 2; 3 lookups without readdirplus, the lookahead listing answering the rest)" \
    test $((l1 - l0)) -le 1 -a $((a1 - a0)) -le 2
tap_diag "(and $((d1 - d0)) readdir requests)"

# ---- fsyncdir ----------------------------------------------------------------------
out=$(python3 - "$A/d" "$N/d" <<'PY'
import os, sys
a, n = sys.argv[1], sys.argv[2]
with open(a + "/synced", "wb") as f:
    f.write(b"abc")
fd = os.open(a, os.O_RDONLY | os.O_DIRECTORY)
try:
    print(os.fsync(fd), end=" ")
except OSError as e:
    print("fsync:", e.strerror, end=" ")
os.close(fd)
print(os.stat(n + "/synced").st_size)
PY
)
ok_eq "fsync of a directory returns 0; the file created before shows in another mount" \
    "None 3" "$out"

# ---- big kernel requests -----------------------------------------------------------
ok "the mount has max_read=1048576" \
    grep -q " ${A//\//\\/} .*max_read=1048576" /proc/self/mountinfo
w0=$(wc -l <"$CLUSTER_DIR/w/log")
dd if="$CLUSTER_DIR/ra" of="$W/big" bs=4M count=1 2>/dev/null ||
    tap_bail "dd failed"
# (libfuse's -d line of each request: insize is a 80-byte header + the data)
writes=$(tail -n +$((w0 + 1)) "$CLUSTER_DIR/w/log" |
    sed -n 's/.*opcode: WRITE .* insize: \([0-9]*\),.*/\1/p' |
    awk '{print $1 - 80}' | sort | uniq -c | awk '{print $1 "x" $2}' | xargs)
ok_eq "one 4 MiB write(2) reaches the daemon as four 1 MiB writes" \
    "4x1048576" "$writes"
ok "... and is stored right" cmp -n $((4 * 1024 * 1024)) "$CLUSTER_DIR/ra" "$A/big"
# Reads are as large as the kernel's read-ahead: the bdi's read_ahead_kb
# (128 unless raised), not max_read, bounds them.  Shown, not checked.
w0=$(wc -l <"$CLUSTER_DIR/w/log")
dd if="$W/big" of=/dev/null bs=4M 2>/dev/null
sleep 0.2
tap_diag "a 4 MiB read(2) reached the daemon as: $(tail -n +$((w0 + 1)) \
    "$CLUSTER_DIR/w/log" | grep -A20 'opcode: READ ' |
    sed -n 's/.*success, outsize: \([0-9]*\)$/\1/p' | awk '$1 > 16 {print $1 - 16}' |
    sort | uniq -c | awk '{print $1 "x" $2}' | xargs) (read_ahead_kb $(cat \
    /sys/class/bdi/"$(awk -v m="$W" '$5 == m {print $3}' /proc/self/mountinfo)"/read_ahead_kb 2>/dev/null))"

# ---- record locks across mounts ---------------------------------------------------
: >"$A/lk"
out=$(python3 - "$A/lk" "$R/lk" <<'PY'
import fcntl, os, struct, subprocess, sys, time
a, b = sys.argv[1], sys.argv[2]
FL = "hhqqi4x"          # struct flock on Linux (64-bit)
holder = subprocess.Popen([sys.executable, "-c", """
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_SETLK, struct.pack("%s", fcntl.F_WRLCK, 0, 0, 0, 0))
print("locked", flush=True)
sys.stdin.readline()
# the time before the unlock: the waiter may be granted while it is sent
t = time.monotonic()
fcntl.fcntl(fd, fcntl.F_SETLK, struct.pack("%s", fcntl.F_UNLCK, 0, 0, 0, 0))
print(t, flush=True)
sys.stdin.readline()
""" % (FL, FL), a], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
assert holder.stdout.readline() == "locked\n"
fd = os.open(b, os.O_RDWR)
got = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(FL, fcntl.F_WRLCK, 0, 0, 0, 0))
typ, _, start, length, pid = struct.unpack(FL, got)
print("getlk:", {fcntl.F_WRLCK: "F_WRLCK", fcntl.F_RDLCK: "F_RDLCK",
      fcntl.F_UNLCK: "F_UNLCK"}.get(typ, typ), start, length,
      "holder" if pid == holder.pid else "pid=%d" % pid, end="; ")
waiter = subprocess.Popen([sys.executable, "-c", """
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_SETLKW, struct.pack("%s", fcntl.F_WRLCK, 0, 0, 0, 0))
print(time.monotonic(), flush=True)
""" % FL, b], stdout=subprocess.PIPE, text=True)
time.sleep(1.2)
print("blocked after 1.2 s:", waiter.poll() is None, end="; ")
holder.stdin.write("\n")
holder.stdin.flush()
unlocked = float(holder.stdout.readline())
try:
    rc = waiter.wait(timeout=20)
    locked = float(waiter.stdout.read())
    print("setlkw:", rc, "after the unlock:", locked >= unlocked)
except subprocess.TimeoutExpired:
    waiter.kill()
    print("setlkw: still blocked 20 s after the unlock")
holder.stdin.write("\n")
holder.stdin.flush()
holder.wait()
PY
)
ok_eq "F_GETLK in mount r reports mount a's write lock; F_SETLKW waits for its unlock" \
    "getlk: F_WRLCK 0 0 holder; blocked after 1.2 s: True; setlkw: 0 after the unlock: True" \
    "$out"

for m in a c n r d w; do
	unmount $m
	ok_eq "clean unmount of $m" 0 "$NODE_STATUS"
done
tap_done
