#!/bin/bash
# fencing: SIGSTOP the leader past its lease; the standby takes over; after
# SIGCONT the old leader's writes are refused (it answers as a standby and
# its etcd txns would fail the fencing compare) and nothing it was asked to
# do reaches the namespace.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
META_LEASE_TTL=3

etcd_start
metaserver_start m1 || tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not lead"
metaserver_start m2 || tap_bail "m2 did not start"
j() { jq -r "$1" <"$CLUSTER_DIR/body"; }

ok_eq "m1 writes while it leads" 200 "$(fs m1 mkdir '{"parent":"1","name":"a","mode":493}')"
kill_meta m1 STOP
ok "m2 takes over while m1 is paused" wait_for $((META_LEASE_TTL + 8)) meta_is_leader m2
ok_eq "m2 sees m1's write" 200 "$(fs m2 lookup '{"parent":"1","name":"a"}')"
ok_eq "m2 writes" 200 "$(fs m2 mkdir '{"parent":"1","name":"b","mode":493}')"
kill_meta m1 CONT
code=$(fs m1 mkdir '{"parent":"1","name":"c","mode":493}')
ok "the woken old leader refuses the write" test "$code" != 200
tap_diag "old leader answered $code: $(cat "$CLUSTER_DIR/body")"
ok_eq "the refused write is not in the namespace" 404 \
    "$(fs m2 lookup '{"parent":"1","name":"c"}')"
ok "nor in etcd" eval "! etcd_get fs/d/0000000000000001/c"
ok "m1 becomes a standby" wait_for 10 eval "! meta_is_leader m1"
ok_eq "and redirects to m2" 307 "$(fs m1 mkdir '{"parent":"1","name":"c","mode":493}')"
ok_eq "naming m2" "$(meta_addr m2)" "$(j .leader)"
ok "m1 logged the lost lease" grep -q 'lease lost\|stepping down\|no longer the leader' \
    "$CLUSTER_DIR/m1/log"
ok_eq "m2 still leads and writes" 200 "$(fs m2 mkdir '{"parent":"1","name":"d","mode":493}')"

tap_done
