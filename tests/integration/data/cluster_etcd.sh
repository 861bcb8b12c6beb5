#!/bin/bash
# cluster_etcd: registration in a real etcd.  nodes/<id> appears with the
# node's address under a lease, vanishes within the lease TTL after kill -9,
# comes back by itself after an etcd outage longer than the TTL and after the
# key was deleted, and is removed at once on SIGTERM (lease revoked, exit 0).
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
etcd_start
DS_LEASE_TTL=3

registered() {	# node: its key names its address
	[ "$(etcd_get nodes/$1 2>/dev/null | jq -r .addr 2>/dev/null)" = \
	    "$(ds_addr $1)" ]
}
gone() {
	! etcd_get nodes/$1 >/dev/null 2>&1
}

dataserver_start ds1 || tap_bail "ds1 did not start"
ok "nodes/ds1 appears in etcd" wait_for 5 registered ds1
v=$(etcd_get nodes/ds1)
ok_eq "the value names the id" ds1 "$(jq -r .id <<<"$v")"
ok "the value carries the capacity as a string" \
    test "$(jq -r '.capacity|type' <<<"$v")" = string
lease=$(curl -s -X POST "http://$ETCD_EP/v3/kv/range" \
    -d "{\"key\":\"$(b64 "$ETCD_PREFIX/nodes/ds1")\"}" | jq -r '.kvs[0].lease')
ok "the key is under a lease" test -n "$lease" -a "$lease" != null -a "$lease" != 0
sleep 4
ok "the lease is kept alive past its TTL" registered ds1

# the key deleted behind our back
etcd_del nodes/ds1
ok "a deleted key is put back" wait_for 5 registered ds1

# an etcd outage longer than the lease
etcd_kill
sleep 5
code=$(http GET "$(ds_url ds1 /v1/stats)")
ok_eq "the node keeps serving while etcd is down" 200 "$code"
etcd_restart
ok "after the outage the node renews or replaces its lease" wait_for 15 \
    grep -Eq 'lease [0-9]+ lost|etcd reachable again' "$CLUSTER_DIR/ds1/log"
ok "after the outage the node is registered" wait_for 15 registered ds1
sleep 4
ok "and stays registered past the TTL (the lease is renewed)" registered ds1

# kill -9: the key vanishes within the TTL
t0=$(date +%s)
kill_node ds1 KILL
ok "after kill -9 the key vanishes within the lease TTL" wait_for 6 gone ds1
tap_diag "vanished after $(( $(date +%s) - t0 )) s (ttl 3 s)"

# restart, then SIGTERM: revoked at once, exit 0
dataserver_start ds1 || tap_bail "ds1 did not restart"
ok "restarted node registers again" wait_for 5 registered ds1
kill_node ds1 TERM
node_wait_exit ds1 20
ok_eq "SIGTERM: exit status 0" 0 "$NODE_STATUS"
ok "SIGTERM: the key is gone at once (lease revoked)" gone ds1
ok "SIGTERM: the log says the lease was revoked" \
    grep -q 'revoked' "$CLUSTER_DIR/ds1/log"

# no etcd at all: the node still starts and serves
etcd_kill
dataserver_start ds2 || tap_bail "ds2 did not start without etcd"
mkblock "$CLUSTER_DIR/b" 1000
code=$(http PUT "$(ds_url ds2 /v1/blocks/$(blockid "$CLUSTER_DIR/b"))" \
    --data-binary @"$CLUSTER_DIR/b")
ok_eq "without etcd PUT still works" 201 "$code"
etcd_restart
ok "ds2 registers once etcd is up" wait_for 15 registered ds2
tap_done
