#!/bin/bash
# cluster_repair: one metaserver, four dataservers, replication 2.  A file's
# block lands on two nodes; killing one brings the block back to two live
# copies (repair); decommissioning a holder copies its block elsewhere and
# reports the node drained; /v1/nodes and /v1/fsck say so along the way.
# TIMEOUT: 180
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/meta.sh"
cluster_init

etcd_start
metaserver_start m1 --cluster.replicas=2 --cluster.heartbeat_timeout=3 \
    --cluster.repair_timeout=20 || tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not become the leader"
META_ADDR=$(meta_addr m1)
DS_LEASE_TTL=3
for n in d1 d2 d3 d4; do
	dataserver_start $n || tap_bail "dataserver $n did not start"
done
ok "four live dataservers" wait_for 20 eval '[ "$(live_nodes m1)" = 4 ]'

S=$(meta_session m1) || tap_bail "no session"
mkblock "$CLUSTER_DIR/f1" 300000
read -r INO B FH <<<"$(put_file m1 "$S" f1 "$CLUSTER_DIR/f1")"
ok "file written" test -n "$B"
ok_eq "two copies" 2 "$(holders "$B" d1 d2 d3 d4)"
ok_eq "fsck: healthy" 200 "$(mget m1 /v1/fsck)"
ok_eq "fsck: one chunk, healthy" "1 1 0 0" \
    "$(jb '"\(.chunks) \(.healthy) \(.under_replicated) \(.missing)"')"
ok_eq "fsck all=1 lists it" "$B ok 2 2" "$(mget m1 '/v1/fsck?all=1' >/dev/null;
    jb '.problems[0] | "\(.id) \(.state) \(.live) \(.wanted)"')"
ok_eq "fsck: bad query is 400" 400 "$(mget m1 '/v1/fsck?all=yes')"

# ---- kill a holder: the block returns to two copies ------------------------
victim=""
for n in d1 d2 d3 d4; do
	[ -f "$(block_path $n "$B")" ] && { victim=$n; break; }
done
kill_node "$victim"
ok "the killed node is dead for the metaserver" wait_for 20 eval \
    "mget m1 /v1/nodes/$victim >/dev/null; [ \"\$(jb .state)\" = dead ]"
ok "the block is back to two live copies" wait_for 40 eval \
    '[ "$(holders "$B" d1 d2 d3 d4)" = 2 ]'
ok "fsck: healthy again" wait_for 10 eval \
    'mget m1 /v1/fsck >/dev/null; [ "$(jb .healthy)" = 1 ]'
# every live copy has the file's bytes
intact() {
	local n
	for n in d1 d2 d3 d4; do
		if node_alive $n && [ -f "$(block_path $n "$B")" ]; then
			cmp -s "$(block_path $n "$B")" "$CLUSTER_DIR/f1" ||
			    return 1
		fi
	done
	return 0
}
ok "the data is intact on the new copy" intact
ok "repairs counted in /metrics" eval \
    'curl -s "$(meta_url m1 /metrics)" | grep -q "^minidfs_meta_repairs_total [1-9]"'

# ---- decommission a holder --------------------------------------------------
drain=""
for n in d1 d2 d3 d4; do
	node_alive $n && [ -f "$(block_path $n "$B")" ] && { drain=$n; break; }
done
ok_eq "decommission $drain" 200 "$(mpost m1 /v1/nodes/$drain/decommission '{}')"
ok_eq "decommission: state draining or drained" yes "$(case $(jb .state) in
    draining|drained) echo yes ;; *) jb .state ;; esac)"
ok "the node reports drained" wait_for 40 eval \
    "mget m1 /v1/nodes/$drain >/dev/null; [ \"\$(jb .state)\" = drained ]"
ok_eq "two copies besides the drained node" 2 "$(holders "$B" \
    $(for n in d1 d2 d3 d4; do [ $n = "$drain" ] || echo $n; done))"
ok_eq "no new block goes to a draining node" 1 "$(
    mkblock "$CLUSTER_DIR/f2" 1000
    put_file m1 "$S" f2 "$CLUSTER_DIR/f2" >/dev/null
    [ ! -f "$(block_path $drain "$(blockid "$CLUSTER_DIR/f2")")" ] && echo 1)"
ok_eq "cancel the decommission" 200 "$(mpost m1 /v1/nodes/$drain/decommission \
    '{"cancel":true}')"
ok_eq "cancelled: live" live "$(jb .state)"
ok_eq "decommission unknown node: 404" 404 "$(mpost m1 \
    /v1/nodes/nope/decommission '{}')"
ok_eq "decommission unknown node: ENXIO" ENXIO "$(jb .error)"
ok_eq "decommission bad cancel: 400" 400 "$(mpost m1 \
    /v1/nodes/$drain/decommission '{"cancel":"x"}')"
ok_eq "node unknown: 404" 404 "$(mget m1 /v1/nodes/nope)"
tap_done
