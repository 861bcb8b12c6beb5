#!/bin/bash
# bench/dataserver.sh: throughput and memory figures of minidfs-dataserver on
# this machine.  Prints figures; asserts nothing.
#
#   bench/dataserver.sh [BUILD_DIR]     (default: $top_builddir or .)
#   BENCH_BLOCKS=32 BENCH_STREAMS=4     blocks of 4 MiB per run, parallel PUTs
#
# Figures: raw disk write with fsync (dd conv=fsync), single-node PUT, 3-node
# chain PUT (all three nodes on this one disk), GET, and the dataserver's RSS
# idle and at its peak under 16 concurrent PUTs of 4 MiB and of 16 MiB
# blocks.  Everything runs on 127.0.0.1 in a private mktemp directory and is
# stopped at the end.
set -u
top_builddir=${1:-${top_builddir:-.}}
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
export top_builddir top_srcdir
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init

NB=${BENCH_BLOCKS:-32}
NS=${BENCH_STREAMS:-4}
MB=$((NB * 4))
SRC=$CLUSTER_DIR/src
[ -d /dev/shm ] && SRC=$(mktemp -d /dev/shm/minidfs-bench.XXXXXX)
trap 'rm -rf "$SRC"; cluster_cleanup' EXIT

now() { date +%s.%N; }
rate() { awk -v mb="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%.1f", mb / (t1 - t0) }'; }

# source blocks, in memory so reading them costs no disk
for i in $(seq 1 "$NB"); do
	head -c 4194304 /dev/urandom >"$SRC/b$i"
done
( cd "$SRC" && sha256sum b* ) | awk '{print $1, $2}' >"$CLUSTER_DIR/ids"

# one PUT: put_one ID FILE (BENCH_ADDR, BENCH_CHAIN from the environment)
put_one() {
	curl -s -o /dev/null -w '%{http_code}\n' -X PUT \
	    --data-binary @"$BENCH_SRC/$2" \
	    ${BENCH_CHAIN:+-H "X-Minidfs-Chain: $BENCH_CHAIN"} \
	    "http://$BENCH_ADDR/v1/blocks/$1"
}
export -f put_one

# put_all NODE [CHAIN]: PUTs every source block, NS at a time; prints MiB/s
put_all() {
	local t0 t1 bad
	export BENCH_SRC=$SRC BENCH_ADDR=$(ds_addr "$1") BENCH_CHAIN=${2:-}
	t0=$(now)
	xargs -P "$NS" -n 2 bash -c 'put_one "$@"' _ <"$CLUSTER_DIR/ids" \
	    >"$CLUSTER_DIR/codes"
	t1=$(now)
	bad=$(grep -vc '^20[01]$' "$CLUSTER_DIR/codes")
	[ "$bad" -eq 0 ] || echo "  ($bad PUTs failed)" >&2
	rate "$MB" "$t0" "$t1"
}
get_all() {
	local node=$1 t0 t1
	t0=$(now)
	awk '{print $1}' "$CLUSTER_DIR/ids" |
	    xargs -P "$NS" -I{} curl -s -o /dev/null \
		"http://$(ds_addr "$node")/v1/blocks/{}"
	t1=$(now)
	rate "$MB" "$t0" "$t1"
}

rss_kb() {
	awk '/^VmRSS/ {print $2}' "/proc/${DS_PID[$1]}/status"
}

echo "minidfs-dataserver benchmark: $NB blocks of 4 MiB ($MB MiB) per run," \
    "$NS parallel streams; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$CLUSTER_DIR/dd"
ddout=$(dd if=/dev/zero of="$CLUSTER_DIR/dd/f" bs=4M count="$NB" conv=fsync 2>&1 |
    tail -1)
rm -f "$CLUSTER_DIR/dd/f"
dd_mb=$(awk -v s="$ddout" 'BEGIN { n = split(s, a, ", "); split(a[n-1], t, " ");
    split(a[1], b, " "); printf "%.1f", b[1] / 1048576 / t[1] }')
echo "raw disk write, dd bs=4M conv=fsync:   $dd_mb MiB/s"

ARGS="--server.log_level=warn --storage.scrub_rate=0"
dataserver_start one $ARGS || tap_bail "one did not start"
single=$(put_all one)
echo "single-node PUT:                       $single MiB/s" \
    "($(awk -v a="$single" -v b="$dd_mb" 'BEGIN{printf "%.0f", 100*a/b}')% of dd)"
dataserver_start one1 $ARGS || tap_bail "one1 did not start"
NS_SAVED=$NS
NS=1
single1=$(put_all one1)
NS=$NS_SAVED
echo "single-node PUT, 1 stream:             $single1 MiB/s"
reput=$(put_all one)
echo "re-PUT of stored blocks (hash only):   $reput MiB/s"

get=$(get_all one)
echo "GET (page cache warm, verified):       $get MiB/s"

for n in h m t; do dataserver_start $n $ARGS || tap_bail "$n did not start"; done
chain=$(put_all h "$(ds_addr m),$(ds_addr t)")
echo "3-node chain PUT (client MiB/s):       $chain MiB/s" \
    "($(awk -v a="$chain" -v b="$single" 'BEGIN{printf "%.0f", 100*a/b}')% of" \
    "single-node; the disk takes 3x: $(awk -v a="$chain" 'BEGIN{printf "%.1f", 3*a}')" \
    "MiB/s written, disk/3 = $(awk -v b="$dd_mb" 'BEGIN{printf "%.1f", b/3}') MiB/s)"

# small blocks, one at a time (a small file's close): BENCH_SMALL PUTs of
# 4 KiB on one keep-alive connection, PUTs per second (latency bound: the
# fsyncs of the three nodes)
small_put() {
	local node=$1 chain=$2 n=${BENCH_SMALL:-300} i f id t0 t1
	mkdir -p "$SRC/small"
	for i in $(seq 1 "$n"); do
		f=$SRC/small/s$i
		head -c 4096 /dev/urandom >"$f"
		id=$(sha256sum "$f" | cut -d' ' -f1)
		printf 'url = "http://%s/v1/blocks/%s"\nupload-file = "%s"\n' \
		    "$(ds_addr "$node")" "$id" "$f"
		[ -n "$chain" ] && printf 'header = "X-Minidfs-Chain: %s"\n' "$chain"
		printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\nnext\n'
	done >"$SRC/small.cfg"
	sed -i '$ d' "$SRC/small.cfg"	# no "next" after the last one
	t0=$(now)
	curl -s -K "$SRC/small.cfg" >"$CLUSTER_DIR/codes"
	t1=$(now)
	[ "$(grep -c '^201$' "$CLUSTER_DIR/codes")" -eq "$n" ] ||
	    echo "  (some small PUTs failed)" >&2
	rm -rf "$SRC/small" "$SRC/small.cfg"
	awk -v n="$n" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", n / (t1 - t0) }'
}
echo "4 KiB PUTs one at a time, single node:  $(small_put one "") per s"
echo "4 KiB PUTs one at a time, 3-node chain: $(small_put h "$(ds_addr m),$(ds_addr t)") per s"

# memory: idle, then the peak under 16 concurrent slow PUTs (forwarded to a
# second node, so the chain queue is in use too)
rss_run() {
	local node=$1 next=$2 size=$3 i peak=0 r pids="" running
	for i in $(seq 1 16); do
		head -c "$size" /dev/urandom >"$SRC/r$i"
	done
	for i in $(seq 1 16); do
		curl -s -o /dev/null --limit-rate 4M -X PUT \
		    --data-binary @"$SRC/r$i" -H "X-Minidfs-Chain: $(ds_addr "$next")" \
		    "http://$(ds_addr "$node")/v1/blocks/$(sha256sum "$SRC/r$i" |
		    cut -d' ' -f1)" &
		pids="$pids $!"
	done
	running=1
	while [ -n "$running" ]; do
		r=$(rss_kb "$node")
		[ "$r" -gt "$peak" ] && peak=$r
		running=""
		for i in $pids; do
			kill -0 "$i" 2>/dev/null && running=1
		done
		sleep 0.05
	done
	wait $pids
	rm -f "$SRC"/r*
	echo "$peak"
}
dataserver_start r1 $ARGS --storage.block_size=16M || tap_bail "r1"
dataserver_start r2 $ARGS --storage.block_size=16M || tap_bail "r2"
idle=$(rss_kb r1)
p4=$(rss_run r1 r2 4194304)
p16=$(rss_run r1 r2 16777216)
echo "RSS idle:                              $((idle / 1024)) MiB"
echo "RSS peak, 16 concurrent 4 MiB PUTs:    $((p4 / 1024)) MiB"
echo "RSS peak, 16 concurrent 16 MiB PUTs:   $((p16 / 1024)) MiB"
awk '{print $1}' "$CLUSTER_DIR/ids" | while read -r id; do
	curl -s -o /dev/null -X PUT --data-binary @"$SRC/$(grep "^$id" \
	    "$CLUSTER_DIR/ids" | cut -d' ' -f2)" "http://$(ds_addr r1)/v1/blocks/$id"
done
echo "RSS idle with $((NB + 32)) blocks stored:       $(( $(rss_kb r1) / 1024 )) MiB"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
