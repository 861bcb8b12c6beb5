#!/bin/bash
# loadgen: the benchmarks' load generator against a real etcd.  Every
# request is sent once with its number (%d) and base64 number (%e, etcd
# keys); a run with any answer other than 200 exits 1 and says how many;
# bad command lines exit 2 with a one-line reason.
# TIMEOUT: 60
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
LOADGEN=$top_builddir/bench/loadgen
[ -x "$LOADGEN" ] || tap_bail "$LOADGEN not built"
etcd_start || tap_bail "etcd did not start"

# lg ARGS...: prints the exit status; stdout in $OUT, stderr in $ERR
OUT=$CLUSTER_DIR/out ERR=$CLUSTER_DIR/err
lg() { "$LOADGEN" "$@" >"$OUT" 2>"$ERR"; echo $?; }

url="http://$ETCD_EP/v3/kv/put"
ok_eq "25 puts over 4 connections succeed" 0 \
    "$(lg -c 4 -n 25 "$url" "{\"key\":\"$(b64 /bench/lg12/)%e\",\"value\":\"$(b64 v)\"}")"
ok "it prints a rate" grep -qE '^[0-9]+$' "$OUT"
keys=$(curl -s "http://$ETCD_EP/v3/kv/range" -d "{\"key\":\"$(b64 /bench/lg12/)\",\"range_end\":\"$(b64 /bench/lg120)\"}" |
    jq -r '.kvs[].key | @base64d' | tr '\n' ' ')
want=$(for i in $(seq 1 25); do printf '/bench/lg12/%09d ' "$i"; done)
ok_eq "every request landed once, keyed by its number" "$want" "$keys"

ok_eq "answers other than 200 exit 1" 1 \
    "$(lg -c 2 -n 10 "http://$ETCD_EP/v3/kv/nope" '{}')"
ok_eq "and say how many" "loadgen: 10 of 10 requests did not answer 200" \
    "$(cat "$ERR")"
ok_eq "a closed port exits 1" 1 \
    "$(lg -c 1 -n 3 "http://$CLUSTER_HOST:$(free_port)/" '{}')"

bad() {
	local what=$1 msg=$2
	shift 2
	ok_eq "$what: exit 2" 2 "$(lg "$@")"
	ok_eq "$what: the reason" "$msg" "$(head -n 1 "$ERR")"
}
bad "no arguments" "usage: loadgen -c CONC -n N URL BODY-FORMAT"
bad "-c 0" "loadgen: -c: a number of connections from 1 to 1024" \
    -c 0 -n 1 "$url" '{}'
bad "-n abc" "loadgen: -n: a number of requests from 1 to 999999999" \
    -c 1 -n abc "$url" '{}'
bad "a URL without http://" \
    "loadgen: URL: not an http:// or https:// address" -c 1 -n 1 nowhere '{}'
bad "a body format over 3000 bytes" \
    "loadgen: BODY-FORMAT: longer than 3000 bytes" \
    -c 1 -n 1 "$url" "$(head -c 3001 /dev/zero | tr '\0' x)"
tap_done
