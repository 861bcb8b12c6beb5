#!/bin/bash
# fuse/cache: reads survive replicas with bad bytes (the next replica is
# used), random reads fetch ranges right, the on-disk cache serves blocks no dataserver still has intact,
# and a damaged disk-cache file is detected and refetched; an open brings the
# block map, so a cold read of a small file costs no blockmap request, and
# files grown by another mount or longer than that map still read right.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start
A=$CLUSTER_DIR/mnt-a
B=$CLUSTER_DIR/mnt-b
C=$CLUSTER_DIR/mnt-c
DC=$CLUSTER_DIR/diskcache
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount a || tap_bail "mount a failed"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$CLUSTER_DIR/src"
cp "$CLUSTER_DIR/src" "$A/f" || tap_bail "write failed"
INO=$(stat -c %i "$A/f")
[ "$(fs m1 blockmap "{\"ino\":\"$INO\",\"first\":\"0\",\"count\":8}")" = 200 ] ||
    tap_bail "blockmap failed"
IDS=$(jq -r '.chunks[].id' "$CLUSTER_DIR/body")
ok_eq "two chunks" 2 "$(echo "$IDS" | wc -l)"

# damage: flips the first byte of each block's file on node $1
damage() {
	local id p
	for id in $IDS; do
		p=$(block_path "$1" "$id")
		[ -f "$p" ] || continue
		printf '\xff' | dd of="$p" bs=1 count=1 conv=notrunc 2>/dev/null
	done
}

# ---- bad replicas are skipped ----------------------------------------------
damage ds1
damage ds2
mount_at b "$B" "$META_ADDR" -o cache_size=0,readahead=0
wait_mount b || tap_bail "mount b failed"
ok "reads are right with two damaged replicas" cmp "$CLUSTER_DIR/src" "$B/f"
ok "random reads (ranged GETs) are right too" python3 -c "
import os, random, sys
want = open('$CLUSTER_DIR/src', 'rb').read()
fd = os.open('$B/f', os.O_RDONLY)
random.seed(7)
for _ in range(200):
    off = random.randrange(0, len(want))
    n = random.choice([1, 4096, 65536, 200000])
    if os.pread(fd, n, off) != want[off:off + n]:
        sys.exit('mismatch at %d+%d' % (off, n))"
unmount b

# ---- the disk cache ------------------------------------------------------------
mount_at c "$C" "$META_ADDR" -o cache_size=0,readahead=0,disk_cache=$DC
wait_mount c || tap_bail "mount c failed"
ok "first read through the disk-cache mount" cmp "$CLUSTER_DIR/src" "$C/f"
ok_eq "both blocks are in the disk cache" 2 \
    "$(ls "$DC" | grep -c '^[0-9a-f]\{64\}$')"
damage ds3
ok "served from the disk cache after every replica was damaged" \
    cmp "$CLUSTER_DIR/src" "$C/f"
unmount c
FIRST=$(echo "$IDS" | head -1)
printf 'X' | dd of="$DC/$FIRST" bs=1 count=1 conv=notrunc 2>/dev/null
mount_at c "$C" "$META_ADDR" -o cache_size=0,readahead=0,disk_cache=$DC
wait_mount c || tap_bail "mount c failed again"
# (repair may have made a good replica again meanwhile: the read then
# succeeds from it; either way the damaged cache file must not be served)
if cat "$C/f" >"$CLUSTER_DIR/out" 2>/dev/null; then
	ok "a damaged disk-cache block is not served" \
	    cmp "$CLUSTER_DIR/src" "$CLUSTER_DIR/out"
else
	ok "a damaged disk-cache block is not served (no good copy left)" true
fi
ok "the damaged cache file was dropped or replaced" sh -c \
    "[ ! -e '$DC/$FIRST' ] || [ \"\$(sha256sum <'$DC/$FIRST' | cut -c1-64)\" = '$FIRST' ]"
unmount c
ok_eq "clean unmount" 0 "$NODE_STATUS"

# ---- the open brings the block map ------------------------------------------
# A cold read of a small file costs lookup, open and release: the open's
# answer carries the block map, so its first read asks for none (it did:
# 4 requests a file).
D=$CLUSTER_DIR/mnt-d
N=200
http GET "$(meta_url m1 /v1/fs/info)" >/dev/null
B=$(jq -r .block_size "$CLUSTER_DIR/body")
mkdir "$CLUSTER_DIR/small"
python3 -c "
import os
for i in range($N):
    with open('$CLUSTER_DIR/small/f%d' % i, 'wb') as f:
        f.write(os.urandom(100 + 37 * i))"
cp -r "$CLUSTER_DIR/small" "$A/small" || tap_bail "writing the small files failed"
# noatime: the first read of a file written since its atime sends a touch
# (fuse/atime.h, checked in attrs.sh); this counts the read path alone
mount_at d "$D" "$META_ADDR" -o noatime
wait_mount d || tap_bail "mount d failed"
stat "$D/small" >/dev/null
r0=$(fs_requests)
b0=$(fs_logged blockmap)
for i in $(seq 0 $((N - 1))); do cat "$D/small/f$i"; done >"$CLUSTER_DIR/small.d"
sleep 0.5	# releases are sent after close returns
r1=$(fs_requests)
b1=$(fs_logged blockmap)
for i in $(seq 0 $((N - 1))); do cat "$CLUSTER_DIR/small/f$i"; done \
    >"$CLUSTER_DIR/small.src"
ok "$N cold cats read the right bytes" cmp "$CLUSTER_DIR/small.src" \
    "$CLUSTER_DIR/small.d"
ok_eq "$N cold cats send no blockmap request" 0 "$((b1 - b0))"
ok "metaserver requests for $N cold cats: $((r1 - r0)) (3 a file: lookup, open, release; 4 with a blockmap)" \
    test "$((r1 - r0))" -le $((3 * N))

# close-to-open: a file another mount grew past a block between two opens
# reads whole through the second open (held open meanwhile, so the second
# open shares the first one's state and its map), and after a close
out=$(python3 - "$A/small/f1" "$D/small/f1" "$B" <<'PY'
import os, sys
a, d, B = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd1 = os.open(d, os.O_RDONLY)
old = os.read(fd1, 1 << 20)
with open(a, "ab") as f:
    f.write(b"g" * (B + 1000))
fd2 = os.open(d, os.O_RDONLY)
held = os.pread(fd2, 3 * B, 0) == old + b"g" * (B + 1000)
os.close(fd1)
os.close(fd2)
with open(a, "ab") as f:
    f.write(b"h" * 3000)
with open(d, "rb") as f:
    closed = f.read() == old + b"g" * (B + 1000) + b"h" * 3000
print(held, closed)
PY
)
ok_eq "a file grown by another mount reads right at the next open" \
    "True True" "$out"

# a file longer than the map an open brings (64 chunks): the first read
# loads the whole map, and the chunk past 64 blocks reads right
truncate -s $((70 * B)) "$A/big" &&
    printf 'head' | dd of="$A/big" conv=notrunc 2>/dev/null &&
    printf 'tail' | dd of="$A/big" bs=1 seek=$((68 * B)) conv=notrunc \
    2>/dev/null || tap_bail "writing big failed"
b0=$(fs_logged blockmap)
out=$(python3 -c "
import os
fd = os.open('$D/big', os.O_RDONLY)
print(os.pread(fd, 4, 0).decode(), os.pread(fd, 4, $((68 * B))).decode(),
      os.pread(fd, 4, $((40 * B))) == bytes(4), os.fstat(fd).st_size)")
b1=$(fs_logged blockmap)
ok_eq "a file past the open's map reads right" \
    "head tail True $((70 * B))" "$out"
ok "... through a blockmap request ($((b1 - b0)))" test $((b1 - b0)) -ge 1
unmount d
ok_eq "clean unmount of d" 0 "$NODE_STATUS"
tap_done
