#!/bin/bash
# fuse/writeback: -o writeback_cache (the kernel's page cache keeps written
# data and sends it in pages).  Mount a has it, mount b does not; what a
# writes and closes (or fsyncs, or msyncs) b reads back byte for byte:
# thousands of small writes, dd bs=512, partial-page overwrites through an
# O_WRONLY handle (the kernel reads the pages first, through that handle),
# O_APPEND from two processes, fsync before close, mmap, truncates down and
# up, a truncate and touch by a non-owner (the kernel sends its own "now"
# as an explicit mtime); SEEK_DATA/SEEK_HOLE see pages still in the kernel.
# Writing a file costs a commit and no setattr (the kernel's mtime goes
# with the commit) and b sees the mtime a shows; the same small writes
# reach the daemon as far fewer WRITE requests (libfuse -d logs every
# request); with every dataserver dead a write and close through a
# writeback mount fails instead of succeeding.  It also times 100 MiB of
# dd bs=4k with and without the writeback cache (diagnostics only).
# TIMEOUT: 600
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start
chmod 755 "$CLUSTER_DIR"	# the unprivileged checks walk through it
A=$CLUSTER_DIR/mnt-a
B=$CLUSTER_DIR/mnt-b
# -d: libfuse logs every request, so the READs and WRITEs can be counted
mount_at a "$A" "$META_ADDR" -d -o writeback_cache,allow_other
wait_mount a || tap_bail "mount a failed"
mount_at b "$B" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount b || tap_bail "mount b failed"
ok "mount a runs with the kernel's writeback cache" \
    wait_for 5 grep -q "writeback cache is on" "$CLUSTER_DIR/a/log"
ok "mount b does not" eval '! grep -q "writeback cache is on" \
    "$CLUSTER_DIR/b/log"'
BS=$(curl -s "$(meta_url m1 /v1/fs/info)" | jq -r .block_size)
W=$CLUSTER_DIR/work
mkdir -p "$W"
sha() { sha256sum <"$1" | cut -d' ' -f1; }
PY=/usr/bin/python3	# the system python: nobody can run it

# smallwrites PATH N SIZE: N unbuffered writes of SIZE bytes (a pattern
# that differs in every write), then close
smallwrites() {
	python3 - "$@" <<'PY'
import os, sys
path, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
for i in range(n):
    b = (b"%08d" % i) * (size // 8 + 1)
    os.write(fd, b[:size])
os.close(fd)
PY
}

# ---- small writes, then close ------------------------------------------------
smallwrites "$A/small" 4096 100
smallwrites "$W/small" 4096 100
ok_eq "4096 writes of 100 bytes through a: b has the bytes" \
    "$(sha "$W/small")" "$(sha "$B/small")"
ok_eq "and the size" 409600 "$(stat -c %s "$B/small")"
ok_eq "a shows the same size" 409600 "$(stat -c %s "$A/small")"
head -c $((3 * BS + 777)) /dev/urandom >"$W/src"
dd if="$W/src" of="$A/dd512" bs=512 status=none
ok_eq "dd bs=512 of $((3 * BS + 777)) bytes through a: b has them" \
    "$(sha "$W/src")" "$(sha "$B/dd512")"
ok_eq "and a reads them back" "$(sha "$W/src")" "$(sha "$A/dd512")"

# ---- partial-page overwrites through O_WRONLY ------------------------------
# the file comes from b, so a's kernel has none of its pages: every
# overwrite that does not cover a whole page makes it read the page first
cp "$W/src" "$B/pp"
cp "$W/src" "$W/pp"
reads_before=$(grep -c 'opcode: READ ' "$CLUSTER_DIR/a/log")
overwrite() {
	python3 - "$1" "$BS" <<'PY'
import os, sys
path, bs = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_WRONLY)
size = os.fstat(fd).st_size
for off, n in ((5000, 100), (bs - 3, 10), (2 * bs + 4095, 2),
               (size - 5, 7)):
    os.pwrite(fd, bytes([0x41 + off % 26]) * n, off)
os.close(fd)
PY
}
overwrite "$A/pp"
overwrite "$W/pp"
ok_eq "partial-page overwrites through an O_WRONLY handle of a: b sees them" \
    "$(sha "$W/pp")" "$(sha "$B/pp")"
ok_eq "the file grew by the write past its end" $((3 * BS + 779)) \
    "$(stat -c %s "$B/pp")"
ok "the kernel read pages through the write-only handle" \
    test "$(grep -c 'opcode: READ ' "$CLUSTER_DIR/a/log")" -gt "$reads_before"

# ---- O_APPEND from two processes -------------------------------------------
printf 'head\n' >"$A/log"
appender() {
	python3 - "$A/log" "$1" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
for i in range(2000):
    os.write(fd, b"%s %05d\n" % (sys.argv[2].encode(), i))
os.close(fd)
PY
}
appender p1 & P1=$!
appender p2 & P2=$!
wait "$P1" "$P2"
ok_eq "two O_APPEND writers in a: b has every line" 4001 \
    "$(wc -l <"$B/log")"
ok_eq "each writer's lines complete and in order" "p1 2000 p2 2000 0" \
    "$(awk 'NR > 1 { n[$1]++; if ($2 + 0 != seen[$1]++) bad++ }
    END { print "p1", n["p1"], "p2", n["p2"], bad + 0 }' "$B/log")"
ok_eq "the first line is still there" head "$(head -n 1 "$B/log")"

# ---- fsync before close ------------------------------------------------------
out=$(python3 - "$A/fs" "$B/fs" <<'PY'
import hashlib, os, sys
a, b = sys.argv[1], sys.argv[2]
fd = os.open(a, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
data = b"".join(b"%07d\n" % i for i in range(40000))
for i in range(0, len(data), 1000):
    os.write(fd, data[i:i + 1000])
os.fsync(fd)
with open(b, "rb") as f:
    seen = f.read()
print(hashlib.sha256(data).hexdigest() == hashlib.sha256(seen).hexdigest(),
      len(seen))
os.close(fd)
PY
)
ok_eq "fsync through a: b has the data before the close" "True 320000" "$out"

# ---- SEEK_DATA / SEEK_HOLE before the pages reached the daemon ---------------
out=$(python3 - "$A/seek" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o644)
os.write(fd, b"s" * 10000)
print(os.lseek(fd, 5000, os.SEEK_DATA), os.lseek(fd, 0, os.SEEK_HOLE))
os.close(fd)
PY
)
ok_eq "SEEK_DATA and SEEK_HOLE see the kernel's unwritten pages" \
    "5000 10000" "$out"

# ---- mmap ------------------------------------------------------------------
out=$(python3 - "$A/mm" "$W/mm" <<'PY'
import mmap, os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o644)
    os.ftruncate(fd, 3 * 4096 + 100)
    m = mmap.mmap(fd, 3 * 4096 + 100)
    m[10:20] = b"0123456789"
    m[4095:4097] = b"XY"
    m[3 * 4096 + 90:3 * 4096 + 100] = b"abcdefghij"
    m.flush()
    m.close()
    os.close(fd)
print("done")
PY
)
ok_eq "mmap writes, msync and close through a: b has them" \
    "$(sha "$W/mm")" "$(sha "$B/mm")"

# ---- truncate down and up ----------------------------------------------------
cp "$W/src" "$W/tr"
cp "$W/src" "$A/tr"
truncate -s 5000 "$A/tr" "$W/tr"
ok_eq "truncate down through a: b sees the size" 5000 "$(stat -c %s "$B/tr")"
ok_eq "and the bytes" "$(sha "$W/tr")" "$(sha "$B/tr")"
truncate -s $((BS + 10)) "$A/tr" "$W/tr"
ok_eq "truncate up through a: b sees the size" $((BS + 10)) \
    "$(stat -c %s "$B/tr")"
ok_eq "and zeros past the old end" "$(sha "$W/tr")" "$(sha "$B/tr")"
ok_eq "a reads the same" "$(sha "$W/tr")" "$(sha "$A/tr")"

# ---- a non-owner's truncate and touch ----------------------------------------
# the kernel sends its own "now" as an explicit mtime, which the metaserver
# allows the owner only: the daemon sends that part as the mount
mkdir "$A/d" && chmod 777 "$A/d"
printf 'some bytes\n' >"$A/d/shared" && chmod 666 "$A/d/shared"
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" -c "
import errno, os
try:
    $1
    print('OK')
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))"
}
ok_eq "nobody truncates root's writable file through a" OK \
    "$(as_nobody "os.truncate('$A/d/shared', 4)")"
ok_eq "b sees the new size" 4 "$(stat -c %s "$B/d/shared")"
ok_eq "nobody touches it (utimensat now)" OK \
    "$(as_nobody "os.utime('$A/d/shared')")"
ok_eq "nobody may not set an explicit time" EPERM \
    "$(as_nobody "os.utime('$A/d/shared', (1, 1))")"
ok_eq "nobody writes and closes it" OK \
    "$(as_nobody "f = open('$A/d/shared', 'r+b'); f.write(b'wxyz'); f.close()")"
ok_eq "b has the write" wxyz "$(cat "$B/d/shared")"

# ---- the kernel's mtime goes with the commit ---------------------------------
# before the FLUSH of a close the kernel sends its mtime of the file in a
# setattr: that costs no metaserver request of its own, for a file this
# mount created (root's deferred utimes, writer.c point 6) or not
mtime_ns() {
	python3 -c 'import os, sys; print(os.stat(sys.argv[1]).st_mtime_ns)' "$1"
}
set0=$(fs_logged setattr)
commit0=$(fs_logged commit)
smallwrites "$A/new" 300 100
ok_eq "a new file written and closed through a: no setattr" 0 \
    $(( $(fs_logged setattr) - set0 ))
ok_eq "one commit" 1 $(( $(fs_logged commit) - commit0 ))
ok_eq "b sees the mtime a shows" "$(mtime_ns "$A/new")" "$(mtime_ns "$B/new")"
set0=$(fs_logged setattr)
commit0=$(fs_logged commit)
python3 - "$A/small" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
for i in range(300):
    os.write(fd, b"r" * 100)
os.close(fd)
PY
ok_eq "an old file rewritten and closed through a: no setattr" 0 \
    $(( $(fs_logged setattr) - set0 ))
ok_eq "one commit" 1 $(( $(fs_logged commit) - commit0 ))
ok_eq "b sees its mtime as a shows it" "$(mtime_ns "$A/small")" \
    "$(mtime_ns "$B/small")"
ok_eq "and the bytes" "$(head -c 30000 /dev/zero | tr '\0' r)" \
    "$(head -c 30000 "$B/small")"

# ---- fewer WRITE requests ----------------------------------------------------
# the same 4096 writes of 100 bytes through a and through a plain mount d,
# counted in their libfuse -d logs
D=$CLUSTER_DIR/mnt-d
mount_at d "$D" "$META_ADDR" -d
wait_mount d || tap_bail "mount d failed"
writes_of() { grep -c 'opcode: WRITE ' "$CLUSTER_DIR/$1/log"; }
a0=$(writes_of a)
smallwrites "$A/count-wb" 4096 100
NWB=$(( $(writes_of a) - a0 ))
d0=$(writes_of d)
smallwrites "$D/count-plain" 4096 100
NPLAIN=$(( $(writes_of d) - d0 ))
tap_diag "WRITE requests for 4096 writes of 100 bytes: $NWB with the" \
    "writeback cache, $NPLAIN without"
ok "the writeback cache makes far fewer WRITE requests" \
    test "$NWB" -ge 1 -a $(( NWB * 20 )) -le "$NPLAIN"
ok_eq "and the same bytes" "$(sha "$B/count-plain")" "$(sha "$B/count-wb")"
unmount a
ok_eq "mount a unmounts cleanly" 0 "$NODE_STATUS"
unmount d
ok_eq "mount d unmounts cleanly" 0 "$NODE_STATUS"

# ---- timing (diagnostics only): 100 MiB with dd bs=4k ------------------------
# fresh random data for every run (no block is stored already: dedup), in
# the order wb, plain, plain, wb (the load of the machine changes)
mount_at e "$A" "$META_ADDR" -o writeback_cache
wait_mount e || tap_bail "mount e failed"
mount_at f "$D" "$META_ADDR"
wait_mount f || tap_bail "mount f failed"
mibs() {	# mibs FILE: MiB/s of dd bs=4k of fresh data into FILE, close included
	local t0 t1
	head -c $((100 * 1024 * 1024)) /dev/urandom >"$W/big"
	t0=$(date +%s.%N)
	dd if="$W/big" of="$1" bs=4k status=none || return 1
	t1=$(date +%s.%N)
	sha "$W/big" >"$W/${1##*/}.sha"
	echo "100 / ($t1 - $t0)" | bc -l | xargs printf '%.1f'
}
R1=$(mibs "$A/dd-wb1")
R2=$(mibs "$D/dd-plain1")
R3=$(mibs "$D/dd-plain2")
R4=$(mibs "$A/dd-wb2")
tap_diag "dd bs=4k of 100 MiB, close included: $R1 and $R4 MiB/s with the" \
    "writeback cache, $R2 and $R3 MiB/s without"
ok_eq "the dd through the writeback mount stored the bytes" \
    "$(cat "$W/dd-wb2.sha")" "$(sha "$B/dd-wb2")"
ok_eq "and the one through the plain mount" \
    "$(cat "$W/dd-plain2.sha")" "$(sha "$B/dd-plain2")"
unmount e
unmount f
unmount b
ok_eq "mount b unmounts cleanly" 0 "$NODE_STATUS"

# ---- every dataserver dead: close fails --------------------------------------
for ds in ds1 ds2 ds3; do
	kill_node "$ds" KILL
done
mount_at g "$A" "$META_ADDR" -o writeback_cache,retry_time=3
wait_mount g || tap_bail "mount g failed"
out=$(python3 - "$A/doomed" <<'PY'
import errno, os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
try:
    for i in range(2000):
        os.write(fd, b"x" * 100)
    os.close(fd)
    print("close OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
PY
)
ok "write and close through a writeback mount with no dataserver fail" \
    test "$out" = EIO -o "$out" = ETIMEDOUT
tap_diag "close said: $out"
tap_done
