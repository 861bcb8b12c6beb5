#!/bin/bash
# bench/metaserver.sh: request rates and memory of minidfs-metaserver on this
# machine, next to raw etcd puts measured in the same run.  Prints figures;
# asserts nothing.
#
#   bench/metaserver.sh [BUILD_DIR]        (default: $top_builddir or .)
#   BENCH_N=2000          requests per figure
#   BENCH_INODES=100000   inodes written straight into etcd for the load
#                         (takeover) and memory figures (1000000 for the
#                         issue's target; needs python3 to generate them)
#
# Figures, at concurrency 1 and 16 (bench/loadgen: C threads, one keep-alive
# connection each): etcd puts/s (one key per request), etcd txns/s shaped like
# a create's (fencing compare + 3 puts: what one create costs etcd when
# there is nothing to batch it with), creates (mknod), lookups, getattrs,
# readdirs (100 entries with attributes) per second, and how many creates
# each etcd txn carried (etcd's revision grows by one per txn: above 1, the
# group commit joined concurrent creates); then the takeover time and the
# RSS per inode of a namespace of BENCH_INODES files.  A request that did
# not answer 200 is counted and reported under its figure.  Everything runs on
# 127.0.0.1 in a private mktemp directory and is stopped at the end.
set -u
top_builddir=${1:-${top_builddir:-.}}
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
export top_builddir top_srcdir
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
N=${BENCH_N:-2000}
NI=${BENCH_INODES:-100000}
B=$CLUSTER_DIR/bench
mkdir -p "$B"

now() { date +%s.%N; }

# run CONC CONFIG: runs the curl config, prints requests per second
LOADGEN=$top_builddir/bench/loadgen
[ -x "$LOADGEN" ] || tap_bail "$LOADGEN is missing: run make first"

# load C URL BODY-FORMAT: N POSTs over C keep-alive connections (the body's
# %d is the request number, %e its base64, see bench/loadgen.c); prints the
# rate, and says on stderr when requests did not answer 200
load() {
	local rate
	rate=$("$LOADGEN" -c "$1" -n "$N" "$2" "$3" 2>"$B/load.err") ||
	    echo "  ($(cat "$B/load.err"))" >&2
	printf '%8.0f' "${rate:-0}"
}

# b64key PREFIX: base64 of an etcd key prefix after which loadgen's %e
# continues the key (the prefix's length must be a multiple of 3)
b64key() {
	[ $((${#1} % 3)) = 0 ] || tap_bail "key prefix $1: length not a multiple of 3"
	b64 "$1"
}

# etcd puts, one key per request
load_put() {
	local c=$1 v
	v=$(b64 '{"mode":33188,"uid":0,"gid":0,"nlink":1,"size":"0","rdev":"0","atime":"1","mtime":"1","ctime":"1"}')
	load "$c" "http://$ETCD_EP/v3/kv/put" \
	    "{\"key\":\"$(b64key "$(printf '/bench/put/c%02d/' "$c")")%e\",\"value\":\"$v\"}"
}

# txns shaped like a create's (the fencing compare and three puts: inode
# record, entry, parent record), the floor of what a create costs etcd at
# concurrency 1, where there is nothing to batch
load_txn() {
	local c=$1 v p
	v=$(b64 '{"mode":33188,"uid":0,"gid":0,"nlink":1,"size":"0","rdev":"0","atime":"1795333277816543182","mtime":"1795333277816543182","ctime":"1795333277816543182"}')
	p=$(printf '/bench/txn/c%02d/' "$c")
	load "$c" "http://$ETCD_EP/v3/kv/txn" \
	    "{\"compare\":[{\"key\":\"$(b64 /bench/fence)\",\"target\":\"CREATE\",\"result\":\"EQUAL\",\"create_revision\":\"$FENCE_REV\"}],\"success\":[{\"request_put\":{\"key\":\"$(b64key "${p}ii/")%e\",\"value\":\"$v\"}},{\"request_put\":{\"key\":\"$(b64key "${p}dd/")%e\",\"value\":\"$(b64 0000000000000123)\"}},{\"request_put\":{\"key\":\"$(b64 "${p}dir")\",\"value\":\"$v\"}}]}"
}

# load_fs C OP BODY-FORMAT: metaserver requests
load_fs() {
	load "$1" "$(meta_url m1 "/v1/fs/$2")" "$3"
}

etcd_start
# the key the create-shaped txns compare against, like the leader key
curl -s "http://$ETCD_EP/v3/kv/put" -d "{\"key\":\"$(b64 /bench/fence)\",\"value\":\"$(b64 x)\"}" >/dev/null
FENCE_REV=$(curl -s "http://$ETCD_EP/v3/kv/range" -d "{\"key\":\"$(b64 /bench/fence)\"}" | jq -r '.kvs[0].create_revision')
# etcd's revision: one per committed txn, so its growth over the creates
# says how many creates each group commit carried
etcd_rev() {
	curl -s "http://$ETCD_EP/v3/kv/range" \
	    -d "{\"key\":\"$(b64 /bench/fence)\"}" | jq -r .header.revision
}
metaserver_start m1 --log.level=warn || tap_bail "metaserver did not start"
wait_for 20 meta_is_leader m1 || tap_bail "metaserver did not lead"

echo "minidfs-metaserver, $N requests per figure, $(nproc) cores"
printf '%-12s %10s %10s %10s %10s %10s %10s %9s %9s %11s\n' concurrency \
    "etcd put/s" "etcd txn/s" "create/s" "lookup/s" "getattr/s" "readdir/s" \
    "create %" "of txn %" "creates/txn"
for c in 1 16; do
	e=$(load_put "$c")
	tx=$(load_txn "$c")
	fs m1 mkdir "{\"parent\":\"1\",\"name\":\"c$c\",\"mode\":493}" >/dev/null
	d=$(jq -r .attr.ino <"$CLUSTER_DIR/body")
	r0=$(etcd_rev)
	cr=$(load_fs "$c" mknod "{\"parent\":\"$d\",\"name\":\"f%d\",\"mode\":33188}")
	r1=$(etcd_rev)
	lk=$(load_fs "$c" lookup "{\"parent\":\"$d\",\"name\":\"f%d\"}")
	fs m1 lookup "{\"parent\":\"$d\",\"name\":\"f1\"}" >/dev/null
	f=$(jq -r .attr.ino <"$CLUSTER_DIR/body")
	ga=$(load_fs "$c" getattr "{\"ino\":\"$f\",\"n\":%d}")
	rd=$(load_fs "$c" readdir "{\"ino\":\"$d\",\"limit\":100,\"n\":%d}")
	printf '%-12s %10s %10s %10s %10s %10s %10s %8.0f%% %8.0f%% %11.2f\n' \
	    "$c" "$e" "$tx" "$cr" "$lk" "$ga" "$rd" \
	    "$(awk -v a="$cr" -v b="$e" 'BEGIN { print 100 * a / b }')" \
	    "$(awk -v a="$cr" -v b="$tx" 'BEGIN { print 100 * a / b }')" \
	    "$(awk -v n="$N" -v r="$((r1 - r0))" 'BEGIN { print r ? n / r : 0 }')"
done

# ---- takeover and memory at NI inodes ---------------------------------------
if ! command -v python3 >/dev/null; then
	echo "takeover/memory: skipped (python3 generates the records)"
	exit 0
fi
kill_meta m1 TERM
meta_wait_exit m1 20
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
echo "writing $NI inodes (record + entry each) straight into etcd..."
t0=$(now)
python3 - "$ETCD_EP" "${ETCD_PREFIX%/}/" "$NI" <<'PY' || exit 1
import base64, http.client, json, sys, threading
ep, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
b64 = lambda s: base64.b64encode(s.encode()).decode()
dirs = max(1, n // 1000)          # 1000 files per directory
rec = lambda mode, nlink, parent=None: json.dumps(dict(mode=mode, uid=0,
    gid=0, nlink=nlink, size="0", rdev="0", atime="1", mtime="1",
    ctime="1", **({"parent": str(parent)} if parent else {})))
def ops():
    yield prefix + "fs/i/%016x" % 1, rec(16877, 2 + dirs, 1)
    for d in range(dirs):
        dino = 2 + d
        yield prefix + "fs/i/%016x" % dino, rec(16877, 2, 1)
        yield prefix + "fs/d/%016x/d%d" % (1, d), "%016x" % dino
    ino = 2 + dirs
    for i in range(n - dirs - 1):
        yield prefix + "fs/i/%016x" % ino, rec(33188, 1)
        yield prefix + "fs/d/%016x/f%d" % (2 + i % dirs, i), "%016x" % ino
        ino += 1
    yield prefix + "fs/next_ino", str(ino)
def call(c, path, body):
    c.request("POST", path, json.dumps(body))
    r = c.getresponse(); r.read()
    if r.status != 200:
        sys.exit("etcd %s: %d" % (path, r.status))
# a fresh namespace: drop what the rate figures created
call(http.client.HTTPConnection(ep), "/v3/kv/deleterange",
    {"key": b64(prefix + "fs/"), "range_end": b64(prefix + "fs0")})
lock = threading.Lock()
it = ops()
def worker():
    c = http.client.HTTPConnection(ep)
    while True:
        with lock:
            batch = [x for _, x in zip(range(128), it)]
        if not batch:
            return
        call(c, "/v3/kv/txn", {"success": [{"request_put": {"key": b64(k),
            "value": b64(v)}} for k, v in batch]})
ts = [threading.Thread(target=worker) for _ in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
PY
t1=$(now)
echo "  written in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
metaserver_start m1 --log.level=debug || tap_bail "metaserver did not restart"
idle=$(rss_kb "${MS_PID[m1]}")
t0=$(now)
wait_for 600 meta_is_leader m1 || tap_bail "no takeover"
t1=$(now)
sleep 1
full=$(rss_kb "${MS_PID[m1]}")
loaded=$(grep -o 'namespace loaded: .*' "$CLUSTER_DIR/m1/log" | tail -1)
echo "takeover at $NI inodes: $loaded (leader after $(awk -v a="$t0" \
    -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
echo "RSS: $idle KiB before the load, $full KiB after:" \
    "$(awk -v a="$idle" -v b="$full" -v n="$NI" \
    'BEGIN { printf "%.0f", (b - a) * 1024 / n }') bytes per inode"
