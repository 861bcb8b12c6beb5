#!/bin/bash
# fuse/cache: reads survive replicas with bad bytes (the next replica is
# used), random reads fetch ranges right, the on-disk cache serves blocks no dataserver still has intact,
# and a damaged disk-cache file is detected and refetched.
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
tap_done
