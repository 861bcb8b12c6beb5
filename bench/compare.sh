#!/bin/bash
# bench/compare.sh: minidfs next to MooseFS and the local disk, on this one
# machine, in one run (issue #7).  See --help.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
PROG=compare.sh
BENCH_LIB=$top_srcdir/bench/lib

usage() {
	cat <<-EOF
	usage: top_builddir=BUILD bench/compare.sh [--quick] [--runs N]
	                                           [--only LIST]
	Runs the same workloads on the local disk, on MooseFS and on minidfs,
	one after another on this machine, and prints a table: workload, unit,
	local disk, MooseFS, minidfs, minidfs/MooseFS (> 1 always means minidfs
	is faster: for rows in seconds the ratio is inverted).  Progress goes to
	stderr, the report to stdout.  Must run as root (drop_caches, mounts,
	a network namespace).

	  --quick      256 MiB instead of 1 GiB, 500 small files instead of
	               2,000, 2,000 empty files instead of 10,000, 1,000
	               random reads instead of 2,000, and the long rows
	               (marked * in the table) run once (16 minutes on a
	               busy 2-core machine, most of it minidfs's tar and git)
	  --runs N     runs of each short row, the median is shown (default 3;
	               without --quick the long rows run N times too)
	  --only LIST  comma-separated subset of local,moosefs,minidfs (the
	               other columns print "-"); for debugging the harness
	  -h, --help   this text

	What it does, in order:
	  1. apt-get installs Debian's moosefs-master, moosefs-chunkserver and
	     moosefs-client if missing (says what; one apt-get update and a
	     second try if the first install fails).
	  2. Makes a temp dir (mktemp -d under \${TMPDIR:-/tmp}) that holds
	     every bit of state, a random source file of the benchmark size
	     (incompressible, not dedupable) and a tar of /usr/include.
	  3. Physical bounds in this run: local disk write bandwidth (dd of
	     the size with conv=fsync into the temp dir; the three-replica
	     bound is a third of it) and loopback HTTP bandwidth (curl from
	     python3 -m http.server on 127.0.0.1 serving the page-cached
	     random file; and from a minidfs dataserver: GETs of one 4 MiB
	     block it holds, which includes its checksum verification).
	  4. Local disk: the workloads in a directory of the temp dir.
	  5. MooseFS: mfsmaster (own config, DATA_PATH in the temp dir), three
	     mfschunkserver (own config, data and HDD directory each, running
	     as root via WORKING_USER/WORKING_GROUP) and mfsmount, waits until
	     the master logged three chunkserver registrations, sets goal 3
	     (mfssetgoal -r 3), runs the workloads, prints each process's
	     memory and stops it all.  mfschunkserver refuses a master on any
	     127.x address, so the MooseFS processes run in a private network
	     namespace (unshare -n) whose only device is its own loopback,
	     with 192.0.2.1 (TEST-NET-1) added to it: unreachable from
	     anywhere else.  Debian's defaults otherwise (no fsync on chunk
	     close, changelog written in the background).
	  6. minidfs: \$top_builddir/cli/minidfs-cluster up with etcd, one
	     metaserver, three dataservers, replicas 3, mounted in the temp
	     dir (mount config: the launcher's defaults); runs the workloads,
	     prints VmRSS and VmHWM of each minidfs process, stops it
	     (minidfs-cluster down --purge).
	  7. Prints the table, the FAIL details and the bounds.

	Workloads (directory on the filesystem under test):
	  - sequential write of the size from the random file, dd bs=1M
	    conv=fsync; sequential read of it after syncfs + drop_caches
	    (echo 3 >/proc/sys/vm/drop_caches), checked with cmp once
	  - four parallel dd writers, a quarter of the size each, conv=fsync;
	    aggregate MiB/s over the wall time of all four
	  - random 4 KiB preads at 4 KiB-aligned offsets of that file, one at a
	    time, after drop_caches (IOPS); every read checked
	    (drop_caches empties the kernel's caches only: the minidfs mount
	    keeps the blocks it wrote in its own cache, cache_size, 256 MiB by
	    default, so with --quick's 256 MiB file both read rows measure
	    that cache; the full size does not fit in it)
	  - N 4 KiB files (different content each): create+write+close, stat,
	    read (each after drop_caches, content checked), unlink; ops/s
	  - M empty files: create, rename, \`ls -l\` of the directory (after
	    drop_caches, seconds, entries counted), unlink; ops/s
	  - tar -xf of the /usr/include tar plus sync -f (seconds); re-archive
	    after drop_caches with tar -cf into the temp dir (seconds) and
	    compare every member's type, mode, mtime, size, link target and
	    content sha256 with the original tar
	  - git init (not timed), then git add -A && git commit of that tree
	    (seconds); git status must be clean afterwards
	A workload that fails (non-zero exit, errno, wrong content) shows FAIL
	in its cell and is explained under the table; the rest still runs.

	Page caches are dropped for the whole machine; the daemons' own caches
	(mfsmount's, minidfs's cache_size) are not, and are part of what is
	measured.  Everything started is stopped by PID on exit (EXIT trap),
	both mounts are unmounted and the temp dir is removed.

	Environment: top_builddir (the minidfs build tree, default .),
	ETCD_BIN (etcd for minidfs-cluster), TMPDIR.
	EOF
}

QUICK=0
RUNS=3
ONLY=local,moosefs,minidfs
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--quick) QUICK=1; shift ;;
	--runs | --runs=*)
		case $1 in
		*=*) RUNS=${1#*=}; shift ;;
		*) [ $# -ge 2 ] || { echo "$PROG: --runs needs a value" >&2;
			exit 2; }
		   RUNS=$2; shift 2 ;;
		esac
		case $RUNS in
		'' | *[!0-9]* | 0*) echo "$PROG: --runs: '$RUNS' is not a" \
		    "positive number" >&2; exit 2 ;;
		esac
		[ "$RUNS" -le 99 ] || { echo "$PROG: --runs: at most 99" >&2;
			exit 2; }
		;;
	--only | --only=*)
		case $1 in
		*=*) ONLY=${1#*=}; shift ;;
		*) [ $# -ge 2 ] || { echo "$PROG: --only needs a value" >&2;
			exit 2; }
		   ONLY=$2; shift 2 ;;
		esac
		for t in ${ONLY//,/ }; do
			case $t in
			local | moosefs | minidfs) ;;
			*) echo "$PROG: --only: unknown target '$t'" >&2; exit 2 ;;
			esac
		done
		;;
	*) echo "$PROG: unknown argument '$1'; try --help" >&2; exit 2 ;;
	esac
done

if [ "$QUICK" = 1 ]; then
	SIZE_MIB=256 NSMALL=500 NEMPTY=2000 NRAND=1000 LONG_RUNS=1
else
	SIZE_MIB=1024 NSMALL=2000 NEMPTY=10000 NRAND=2000 LONG_RUNS=$RUNS
fi

bench_say() {
	printf '%s: %s\n' "$PROG" "$*" >&2
}

bench_die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

want() {
	case ",$ONLY," in *",$1,"*) return 0 ;; esac
	return 1
}

[ "$(id -u)" = 0 ] || bench_die "must run as root (drop_caches, mounts)"
CLUSTER=$top_builddir/cli/minidfs-cluster
if want minidfs; then
	[ -x "$CLUSTER" ] || bench_die "$CLUSTER not built (set top_builddir)"
fi
for tool in python3 curl dd cmp tar git openssl unshare nsenter ip \
    mountpoint fusermount3; do
	command -v "$tool" >/dev/null || bench_die "$tool not installed"
done

# ---- the temp dir and the EXIT trap -------------------------------------

BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mfsbench.XXXXXX") ||
    bench_die "mktemp failed"
MDFS_DIR=$BENCH_DIR/minidfs
MDFS_MNT=$BENCH_DIR/mnt-minidfs
MDFS_UP=0
HTTP_PID=""

. "$BENCH_LIB/moosefs.sh"

cleanup() {
	local rc=$?
	trap - INT TERM
	[ -z "$HTTP_PID" ] || { kill -TERM "$HTTP_PID" 2>/dev/null;
		wait "$HTTP_PID" 2>/dev/null; }
	mfs_stop
	if [ "$MDFS_UP" = 1 ]; then
		"$CLUSTER" down --dir "$MDFS_DIR" --purge --quiet ||
		    bench_say "minidfs-cluster down failed; left $MDFS_DIR"
	fi
	if mountpoint -q "$MDFS_MNT" 2>/dev/null || mountpoint -q \
	    "$BENCH_DIR/mnt-moosefs" 2>/dev/null; then
		bench_say "a mount is still in place; left $BENCH_DIR"
	else
		rm -rf "$BENCH_DIR"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

# ---- set-up -------------------------------------------------------------

want moosefs && mfs_install
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
bench_say "temp dir $BENCH_DIR; $SIZE_MIB MiB, $NSMALL small files," \
    "$NEMPTY empty files, runs $RUNS (long rows $LONG_RUNS)"
RND=$BENCH_DIR/random
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$RND" ||
    bench_die "cannot write $RND"
INC_TAR=$BENCH_DIR/include.tar
tar -C /usr -cf "$INC_TAR" include 2>/dev/null ||
    bench_die "cannot archive /usr/include"
mkdir -p "$BENCH_DIR/scratch" "$BENCH_DIR/local"
cat >"$BENCH_DIR/meta.json" <<-EOF
{"size_mib": $SIZE_MIB, "small": $NSMALL, "empty": $NEMPTY, "runs": $RUNS,
 "long_runs": $LONG_RUNS}
EOF

# run_workloads DIR NAME: the workloads into $BENCH_DIR/NAME.json
run_workloads() {
	bench_say "workloads on $2 ($1)"
	python3 "$BENCH_LIB/workloads.py" run "$1" "$2" "$BENCH_DIR/$2.json" \
	    --rnd "$RND" --scratch "$BENCH_DIR/scratch" --tar "$INC_TAR" \
	    --size-mib "$SIZE_MIB" --runs "$RUNS" --long-runs "$LONG_RUNS" \
	    --small "$NSMALL" --empty "$NEMPTY" --rand "$NRAND" ||
	    bench_say "the workloads on $2 stopped early (see above)"
	[ -s "$BENCH_DIR/$2.json" ] ||
	    echo "{\"name\": \"$2\", \"results\": {}}" >"$BENCH_DIR/$2.json"
}

# proc_mem NAME PID: one line of VmRSS and VmHWM
proc_mem() {
	local rss hwm
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$2/status" 2>/dev/null)
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$2/status" 2>/dev/null)
	printf '  %-16s pid %-8s VmRSS %8s KiB   VmHWM %8s KiB\n' "$1" "$2" \
	    "${rss:-?}" "${hwm:-?}"
}

# ---- physical bounds ----------------------------------------------------

BOUNDS=$BENCH_DIR/bounds.txt
: >"$BOUNDS"
bench_say "physical bounds"
cat "$RND" >/dev/null
sync -f "$BENCH_DIR"
t0=$(now)
dd if="$RND" of="$BENCH_DIR/bound" bs=1M conv=fsync status=none
t1=$(now)
rm -f "$BENCH_DIR/bound"
DISK=$(rate "$SIZE_MIB" "$t0" "$t1")
{
	printf '  local disk write, dd %d MiB conv=fsync: %s MiB/s;' \
	    "$SIZE_MIB" "$DISK"
	printf ' three-replica write bound (a third): %s MiB/s\n' \
	    "$((DISK / 3))"
} >>"$BOUNDS"

http_bound() {
	local port i speed
	for _ in 1 2 3 4 5; do
		port=$(( (RANDOM * 32768 + RANDOM) % 20000 + 20000 ))
		python3 -m http.server --bind 127.0.0.1 --directory "$BENCH_DIR" \
		    "$port" >"$BENCH_DIR/http.log" 2>&1 &
		HTTP_PID=$!
		for _ in $(seq 1 50); do
			curl -s -o /dev/null "http://127.0.0.1:$port/meta.json" &&
			    break
			sleep 0.1
		done
		if kill -0 "$HTTP_PID" 2>/dev/null; then
			speed=$(curl -s -o /dev/null -w '%{speed_download}' \
			    "http://127.0.0.1:$port/random")
			kill -TERM "$HTTP_PID" 2>/dev/null
			wait "$HTTP_PID" 2>/dev/null
			HTTP_PID=""
			printf '  loopback HTTP, curl of the %d MiB file from python3' \
			    "$SIZE_MIB"
			printf ' http.server on 127.0.0.1 (page-cached): %s MiB/s\n' \
			    "$(awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1048576 }')"
			return 0
		fi
		wait "$HTTP_PID" 2>/dev/null
		HTTP_PID=""
	done
	echo "  loopback HTTP via python3 http.server: FAIL (did not start)"
}
http_bound >>"$BOUNDS"

# The dataserver's GET of one block it holds, repeated to the benchmark size
# over one keep-alive connection.
dataserver_bound() {
	local addr secret blk id exp mac token n cfg t0 t1 bytes
	sync -f "$MDFS_MNT"
	blk=$(find "$MDFS_DIR/data/data1/blocks" -type f -size +4095k \
	    -regextype posix-extended -regex '.*/[0-9a-f]{64}' 2>/dev/null |
	    head -n 1)
	addr=$(sed -n 's/^ *listen_address: *"\(.*\)".*/\1/p' \
	    "$MDFS_DIR/conf/data1.yaml")
	if [ -z "$blk" ] || [ -z "$addr" ]; then
		echo "  loopback HTTP, minidfs dataserver GET: FAIL (no 4 MiB" \
		    "block in data1 or no address)"
		return
	fi
	id=$(basename "$blk")
	bytes=$(stat -c %s "$blk")
	secret=$(cat "$MDFS_DIR/secret")
	exp=$(( $(date +%s) + 600 ))
	mac=$(printf 'minidfs-token-v1\n%s\n%s\n%s' "$exp" r "$id" |
	    openssl dgst -sha256 -hmac "$secret" | sed 's/.*= //')
	token="$exp.r.$id.$mac"
	n=$(( SIZE_MIB * 1048576 / bytes ))
	cfg=$BENCH_DIR/curl.cfg
	{
		echo "header = \"X-Minidfs-Token: $token\""
		echo "silent"
		echo "fail"
		for _ in $(seq 1 "$n"); do
			echo "url = \"http://$addr/v1/blocks/$id\""
			echo "output = \"/dev/null\""
		done
	} >"$cfg"
	curl -s -f -o /dev/null -H "X-Minidfs-Token: $token" \
	    "http://$addr/v1/blocks/$id" || {
		echo "  loopback HTTP, minidfs dataserver GET: FAIL (curl GET" \
		    "http://$addr/v1/blocks/$id exited $?)"
		return
	}
	t0=$(now)
	if ! curl -K "$cfg"; then
		echo "  loopback HTTP, minidfs dataserver GET: FAIL (curl -K)"
		return
	fi
	t1=$(now)
	printf '  loopback HTTP, minidfs dataserver GET of a %d-byte block,' \
	    "$bytes"
	printf ' %d times on one connection (verified reads): %s MiB/s\n' "$n" \
	    "$(rate $((n * bytes / 1048576)) "$t0" "$t1")"
}

MEM=$BENCH_DIR/memory.txt
: >"$MEM"

# ---- local disk ---------------------------------------------------------

if want local; then
	run_workloads "$BENCH_DIR/local" local
else
	echo '{"name": "local", "results": {}}' >"$BENCH_DIR/local.json"
fi

# ---- MooseFS ------------------------------------------------------------

if want moosefs; then
	bench_say "starting MooseFS (master, 3 chunkservers, mfsmount, goal 3)"
	mfs_start "$BENCH_DIR/moosefs" "$BENCH_DIR/mnt-moosefs" 3
	run_workloads "$BENCH_DIR/mnt-moosefs" moosefs
	{
		echo "MooseFS $(mfsmaster -v 2>&1 | head -n 1 | sed 's/.*version: //'):"
		for pid in $MFS_PIDS; do
			[ "$pid" = "$MFS_NS_PID" ] && continue
			proc_mem "$(cut -d ' ' -f1 "/proc/$pid/cmdline" 2>/dev/null |
			    tr '\0' ' ' | cut -d' ' -f1)" "$pid"
		done
	} >>"$MEM"
	bench_say "stopping MooseFS"
	mfs_stop
else
	echo '{"name": "moosefs", "results": {}}' >"$BENCH_DIR/moosefs.json"
fi

# ---- minidfs ------------------------------------------------------------

if want minidfs; then
	bench_say "starting minidfs (etcd, 1 metaserver, 3 dataservers," \
	    "replicas 3, mount)"
	MDFS_UP=1
	"$CLUSTER" up --dir "$MDFS_DIR" --mount "$MDFS_MNT" --metaservers 1 \
	    --dataservers 3 --replicas 3 --quiet ||
	    bench_die "minidfs-cluster up failed"
	run_workloads "$MDFS_MNT" minidfs
	{
		echo "minidfs (binaries of $top_builddir; source tree now at" \
		    "$(git -C "$top_srcdir" rev-parse --short HEAD \
		    2>/dev/null)$(git -C "$top_srcdir" diff --quiet HEAD 2>/dev/null ||
		    echo ' + uncommitted changes')):"
		for f in "$MDFS_DIR"/run/*.pid; do
			proc_mem "$(basename "$f" .pid)" "$(cat "$f")"
		done
	} >>"$MEM"
	bench_say "loopback bound through a minidfs dataserver"
	dd if="$RND" of="$MDFS_MNT/bound" bs=1M count=16 conv=fsync status=none
	dataserver_bound >>"$BOUNDS"
	rm -f "$MDFS_MNT/bound"
	bench_say "stopping minidfs"
	"$CLUSTER" down --dir "$MDFS_DIR" --purge --quiet ||
	    bench_say "minidfs-cluster down failed"
	MDFS_UP=0
else
	echo '{"name": "minidfs", "results": {}}' >"$BENCH_DIR/minidfs.json"
fi

# ---- the report ---------------------------------------------------------

echo "# bench/compare.sh$([ "$QUICK" = 1 ] && echo ' --quick') --runs $RUNS," \
    "$(date -u '+%F %T UTC')"
echo "# $(nproc) cores ($(sed -n 's/^model name\t*: //p' /proc/cpuinfo |
    head -n 1)), load average at start $LOAD_START, at end" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$BENCH_LIB/workloads.py" table "$BENCH_DIR/meta.json" \
    "$BENCH_DIR/local.json" "$BENCH_DIR/moosefs.json" \
    "$BENCH_DIR/minidfs.json"
echo ""
echo "Physical bounds, measured in this run:"
cat "$BOUNDS"
echo ""
echo "Memory at the end of each cluster's workloads (KiB):"
cat "$MEM"
