#!/bin/bash
# cluster_status: the status page, /metrics and /v1/status on the leader and
# on a standby; the admin node list; the dataserver protocol's error paths
# (bad JSON, bad ids, batches out of order) answered 4xx without effect.
# TIMEOUT: 90
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/meta.sh"
cluster_init

etcd_start
metaserver_start m1 --cluster.heartbeat_timeout=3 || tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not become the leader"
metaserver_start m2 || tap_bail "m2 did not start"
META_ADDR=$(meta_addr m1)
DS_LEASE_TTL=3
dataserver_start d1 || tap_bail "d1 did not start"
ok "d1 is live" wait_for 20 eval '[ "$(live_nodes m1)" = 1 ]'

# ---- status on the leader ----------------------------------------------------
ok_eq "GET / answers" 200 "$(mget m1 /)"
ok "status page is HTML" grep -q '<html>' "$CLUSTER_DIR/body"
ok "status page says leader" grep -q 'This node: <b>leader' "$CLUSTER_DIR/body"
ok "status page lists d1" grep -q "<td class=l>d1</td>" "$CLUSTER_DIR/body"
ok "status page has under-replicated" grep -q 'under-replicated' \
    "$CLUSTER_DIR/body"
ok_eq "GET /v1/status" 200 "$(mget m1 /v1/status)"
ok_eq "status: leader" "true $(meta_addr m1)" "$(jb '"\(.is_leader) \(.leader)"')"
ok_eq "status: one live node" 1 "$(jb .nodes.live)"
ok_eq "status: capacity is a string" string "$(jb '.capacity | type')"
ok_eq "status: node list" d1 "$(jb '.node_list[0].id')"
ok_eq "GET /metrics" 200 "$(mget m1 /metrics)"
ok "metrics: live nodes" grep -q '^minidfs_meta_nodes{state="live"} 1$' \
    "$CLUSTER_DIR/body"
ok "metrics: leader" grep -q '^minidfs_meta_is_leader 1$' "$CLUSTER_DIR/body"
ok "metrics: capacity" grep -Eq '^minidfs_meta_capacity_bytes [1-9]' \
    "$CLUSTER_DIR/body"
ok "metrics: heartbeats counted" grep -Eq \
    '^minidfs_meta_requests_total\{kind="heartbeat"\} [1-9]' "$CLUSTER_DIR/body"
for m in minidfs_meta_blocks minidfs_meta_blocks_under_replicated \
    minidfs_meta_blocks_missing minidfs_meta_sessions minidfs_meta_free_bytes; do
	ok "metrics: $m" grep -q "^# TYPE $m gauge" "$CLUSTER_DIR/body"
done

# ---- on the standby ------------------------------------------------------------
ok_eq "standby GET / answers" 200 "$(mget m2 /)"
ok "standby page names the leader" grep -q "$(meta_addr m1)" "$CLUSTER_DIR/body"
ok_eq "standby /v1/status" "false $(meta_addr m1)" "$(mget m2 /v1/status \
    >/dev/null; jb '"\(.is_leader) \(.leader)"')"
ok_eq "standby knows the registered node" 1 "$(mget m2 /v1/status \
    >/dev/null; jb .nodes.live)"
ok_eq "standby /metrics" 200 "$(mget m2 /metrics)"
ok "standby metrics: not leader" grep -q '^minidfs_meta_is_leader 0$' \
    "$CLUSTER_DIR/body"
ok_eq "standby: admin routes redirect" 307 "$(mget m2 /v1/nodes)"
ok_eq "standby: heartbeat redirects" 307 "$(mpost m2 /v1/cluster/heartbeat \
    '{"id":"x","addr":"127.0.0.1:1","capacity":"1","free":"1"}')"

# ---- admin ---------------------------------------------------------------------
ok_eq "GET /v1/nodes" 200 "$(mget m1 /v1/nodes)"
ok_eq "nodes: d1 live" "d1 live $(ds_addr d1)" \
    "$(jb '.nodes[0] | "\(.id) \(.state) \(.addr)"')"
ok_eq "nodes: reported" true "$(jb '.nodes[0].reported')"
ok_eq "GET /v1/nodes/d1" 200 "$(mget m1 /v1/nodes/d1)"
ok_eq "node: free as a string" string "$(jb '.free | type')"

# ---- heartbeat / blockreport error paths ---------------------------------------
hb() { mpost m1 /v1/cluster/heartbeat "$1"; }
br() { mpost m1 /v1/cluster/blockreport "$1"; }
Z=$(printf '0%.0s' $(seq 1 64))
ok_eq "heartbeat bad JSON: 400" 400 "$(hb '{"id":')"
ok_eq "heartbeat without id: 400" 400 "$(hb '{"addr":"127.0.0.1:1",
    "capacity":"1","free":"1"}')"
ok_eq "heartbeat bad node id: 400" 400 "$(hb '{"id":"a b","addr":"h:1",
    "capacity":"1","free":"1"}')"
ok_eq "heartbeat bad block id: 400" 400 "$(hb "{\"id\":\"x1\",\"addr\":\"h:1\",
    \"capacity\":\"1\",\"free\":\"1\",\"added\":[{\"id\":\"XYZ\",\"size\":\"1\"}]}")"
ok_eq "heartbeat removed not a list: 400" 400 "$(hb '{"id":"x1","addr":"h:1",
    "capacity":"1","free":"1","removed":"abc"}')"
ok_eq "heartbeat capacity negative: 400" 400 "$(hb '{"id":"x1","addr":"h:1",
    "capacity":"-1","free":"1"}')"
ok_eq "nothing recorded: still one node" 1 "$(mget m1 /v1/nodes >/dev/null;
    jb '.nodes | length')"
ok_eq "blockreport out of order: 400" 400 "$(br "{\"id\":\"d1\",\"seq\":5,
    \"last\":true,\"blocks\":[{\"id\":\"$Z\",\"size\":\"1\"}]}")"
ok_eq "blockreport without last: 400" 400 "$(br '{"id":"d1","seq":0,
    "blocks":[]}')"
ok_eq "blockreport bad entry: 400" 400 "$(br '{"id":"d1","seq":0,"last":true,
    "blocks":[{"id":"nope"}]}')"
ok_eq "gc without JSON body: 400" 400 "$(mpost m1 /v1/gc 'x')"
ok_eq "heartbeat with an unregistered id is recorded (not live)" 200 \
    "$(hb '{"id":"ghost","addr":"127.0.0.1:1","capacity":"100","free":"100"}')"
ok_eq "the ghost is not live" dead "$(mget m1 /v1/nodes/ghost >/dev/null;
    jb .state)"
ok_eq "still one live node" 1 "$(live_nodes m1)"
tap_done
