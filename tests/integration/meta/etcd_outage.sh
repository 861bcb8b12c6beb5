#!/bin/bash
# etcd_outage: while etcd is down a namespace write fails within a bounded
# time with the errors protocol.h promises (503 ENOTCONN, 504 ETIMEDOUT, or
# 503 EAGAIN once the leader stepped down) -- never a transport errno such as
# ECONNREFUSED -- and nothing half-done stays behind: after etcd returns a
# leader is back and the failed name either exists whole or not at all.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init

etcd_start
metaserver_start m1 || tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not lead"
j() { jq -r "$1" <"$CLUSTER_DIR/body"; }

ok_eq "mkdir before the outage" 200 \
    "$(fs m1 mkdir '{"parent":"1","name":"before","mode":448}')"

etcd_kill
t0=$(date +%s)
st=$(fs m1 mkdir '{"parent":"1","name":"during","mode":448}')
t1=$(date +%s)
code=$(j .error)
ok "mkdir during the outage fails: $st $code" \
    eval "[ \"$st\" = 503 ] || [ \"$st\" = 504 ]"
ok "with ENOTCONN, ETIMEDOUT or EAGAIN (got $code)" \
    eval "case $code in ENOTCONN|ETIMEDOUT|EAGAIN) true;; *) false;; esac"
ok "within 30 s (took $((t1 - t0)) s)" test $((t1 - t0)) -le 30

etcd_restart
ok "a leader is back after etcd returns" wait_for 40 meta_is_leader m1
ok_eq "the earlier directory is intact" 200 \
    "$(fs m1 lookup '{"parent":"1","name":"before"}')"
st=$(fs m1 lookup '{"parent":"1","name":"during"}')
ok "the failed mkdir left all or nothing ($st)" \
    eval "[ \"$st\" = 200 ] || [ \"$st\" = 404 ]"
ok_eq "writes work again" 200 \
    "$(fs m1 mkdir '{"parent":"1","name":"after","mode":448}')"
tap_done
