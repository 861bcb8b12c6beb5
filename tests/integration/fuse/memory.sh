#!/bin/bash
# fuse/memory: the mount daemon's memory stays within its options.  With a
# 16M block cache and 32M of write buffers, eight writers at once, reads of
# four times the cache (sequential and random) and a second round of
# writers leave its peak RSS (VmHWM) under cache_size + write_buffer +
# MEM_SLACK, the allowance minidfs(8) names for threads, requests, spare
# block buffers and the allocator; and a cold read reuses block buffers
# (few page faults a MiB).
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

MIB=$((1024 * 1024))
CACHE=16 WBUF=32 MEM_SLACK=32	# MiB; MEM_SLACK as in man/minidfs.8
fuse_cluster_start
A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$META_ADDR" -o cache_size=${CACHE}M,write_buffer=${WBUF}M
wait_mount a || tap_bail "mount failed"
PID=${MNT_PID[a]}
hwm() { awk '/^VmHWM:/ {print int($2 / 1024)}' "/proc/$PID/status"; }
rss() { awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$PID/status"; }
BOUND=$((CACHE + WBUF + MEM_SLACK))

SRC=$CLUSTER_DIR/src
head -c $((64 * MIB)) /dev/urandom >"$SRC"
tap_diag "idle: peak RSS $(hwm) MiB, bound $BOUND MiB"

# eight writers at once: buffers beyond write_buffer must wait for uploads
# (waits name their jobs: the mount daemon is a job of this shell too)
jobs_=()
for i in 1 2 3 4 5 6 7 8; do
	# a file per writer, each with its own content (no dedup between them)
	{ printf 'writer %d\n' "$i"; cat "$SRC"; } >"$A/w$i" &
	jobs_+=($!)
done
wait "${jobs_[@]}"
ok "eight writers: every file stored" \
    eval 'for i in 1 2 3 4 5 6 7 8; do
	[ "$(stat -c %s "$A/w$i")" = $((64 * MIB + 9)) ] || exit 1; done'
tap_diag "after the writers: peak RSS $(hwm) MiB"
ok "eight writers: peak RSS $(hwm) MiB within $BOUND MiB" \
    test "$(hwm)" -le "$BOUND"

# reads of 8 x 64 MiB through a 16M cache, checked, then four at once and
# random 64 KiB reads over all of them
ok "the files read back intact" eval 'for i in 1 2 3 4 5 6 7 8; do
	{ printf "writer %d\n" "$i"; cat "$SRC"; } | cmp -s - "$A/w$i" || exit 1
done'
jobs_=()
for i in 1 2 3 4; do cat "$A/w$i" >/dev/null & jobs_+=($!); done
wait "${jobs_[@]}"
python3 - "$A" <<'PY'
import os, random, sys
fds = [os.open(os.path.join(sys.argv[1], "w%d" % i), os.O_RDONLY)
       for i in range(1, 9)]
random.seed(5)
for _ in range(2000):
    os.pread(random.choice(fds), 65536, random.randrange(0, 64 << 20))
PY
tap_diag "after the reads: peak RSS $(hwm) MiB, now $(rss) MiB"
# block buffers are reused (common/blockpool.h), not mapped afresh for each
# block fetched and each 1 MiB reply: 256 MiB read cold cost ~512 page
# faults a MiB that way (a fault per 4 KiB of both)
minflt() { awk '{print $10}' "/proc/$PID/stat"; }
sync; echo 3 >/proc/sys/vm/drop_caches
f0=$(minflt)
cat "$A/w5" "$A/w6" "$A/w7" "$A/w8" >/dev/null
f1=$(minflt)
ok "256 MiB read cold: $(( (f1 - f0) / 256 )) page faults a MiB, under 128" \
    test $(( (f1 - f0) / 256 )) -lt 128
ok "reads of 32x the cache: peak RSS $(hwm) MiB within $BOUND MiB" \
    test "$(hwm)" -le "$BOUND"

# a second round of writers on top of a full cache
jobs_=()
for i in 1 2 3 4; do
	{ printf 'again %d\n' "$i"; cat "$SRC"; } >"$A/v$i" &
	jobs_+=($!)
done
wait "${jobs_[@]}"
ok "second round of writers: peak RSS $(hwm) MiB within $BOUND MiB" \
    test "$(hwm)" -le "$BOUND"
ok "second round of writers: files stored" \
    cmp -s <({ printf 'again 4\n'; cat "$SRC"; }) "$A/v4"

unmount a
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
