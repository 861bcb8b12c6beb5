#!/bin/bash
# bench/fuse.sh: figures for the mount daemon next to the local disk, in
# the same run: sequential write and read, random 4 KiB reads, creates /
# stats / unlinks per second, an untar of /usr/include, and the daemon's
# peak RSS.  Starts its own cluster (etcd, a metaserver, three dataservers
# on loopback) like the integration tests.  Prints figures, asserts nothing.
#
#   top_builddir=/path/to/build bench/fuse.sh [SIZE_MB] [NFILES]
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
: "${ETCD_BIN:=etcd}"
export top_srcdir top_builddir ETCD_BIN
SIZE_MB=${1:-1024}
NFILES=${2:-2000}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start
MNT=$CLUSTER_DIR/mnt
LOCAL=$CLUSTER_DIR/local
mkdir -p "$LOCAL"
mount_at m "$MNT" "$META_ADDR"
wait_mount m || tap_bail "mount failed"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }

# random content: zeros would all be one block (dedup) and measure nothing
RND=$CLUSTER_DIR/random
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$RND"

bench_dir() {
	local d=$1 name=$2 t0 t1
	cat "$RND" >/dev/null
	sync
	t0=$(now)
	dd if="$RND" of="$d/seq" bs=1M conv=fsync 2>/dev/null
	t1=$(now)
	printf '%-8s seq write   %8s MiB/s\n' "$name" "$(rate "$SIZE_MB" "$t0" "$t1")"
	echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
	t0=$(now)
	dd if="$d/seq" of=/dev/null bs=1M 2>/dev/null
	t1=$(now)
	printf '%-8s seq read    %8s MiB/s\n' "$name" "$(rate "$SIZE_MB" "$t0" "$t1")"
	t0=$(now)
	python3 - "$d/seq" "$SIZE_MB" <<-'PY'
	import os, random, sys
	fd = os.open(sys.argv[1], os.O_RDONLY)
	size = int(sys.argv[2]) * 1024 * 1024
	random.seed(1)
	for _ in range(2000):
	    os.pread(fd, 4096, random.randrange(0, size - 4096) & ~4095)
	PY
	t1=$(now)
	printf '%-8s 4K random   %8s reads/s\n' "$name" "$(rate 2000 "$t0" "$t1")"
	rm -f "$d/seq"
	python3 - "$d/many" "$NFILES" "$name" <<-'PY'
	import os, sys, time
	d, n, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	os.mkdir(d)
	for what in ("creates", "stats", "unlinks"):
	    t0 = time.monotonic()
	    for i in range(n):
	        p = "%s/f%d" % (d, i)
	        if what == "creates":
	            os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o644))
	        elif what == "stats":
	            os.stat(p)
	        else:
	            os.unlink(p)
	    print("%-8s %-11s %8.1f /s" % (name, what, n / (time.monotonic() - t0)))
	os.rmdir(d)
	PY
	if [ -d /usr/include ]; then
		t0=$(now)
		tar -C /usr -cf - include 2>/dev/null | tar -C "$d" -xf -
		sync
		t1=$(now)
		printf '%-8s untar /usr/include %6.1f s\n' "$name" \
		    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
		rm -rf "$d/include"
	fi
}

echo "# $SIZE_MB MiB sequential, $NFILES small files"
bench_dir "$LOCAL" local
bench_dir "$MNT" minidfs
printf 'minidfs  daemon peak RSS %s KiB (cache_size and write_buffer at their defaults)\n' \
    "$(awk '/VmHWM/ {print $2}' "/proc/${MNT_PID[m]}/status")"
unmount m
