#!/bin/bash
# heartbeat: the dataserver against a metaserver test double
# (tests/lib/fake_meta, real common/httpd with cluster auth).  A full block
# report at start, after a metaserver outage and when asked; heartbeats with
# stats and the blocks added, removed and found bad; the delete, fetch and
# push commands of an answer are executed, malformed ones ignored; without
# the cluster secret heartbeats are refused; the leader named in etcd
# (meta/leader) takes over from the configured address.
# TIMEOUT: 180
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
etcd_start
W=$CLUSTER_DIR/w
mkdir -p "$W"
printf 'heartbeat-test-secret-0123456789abcdef\n' >"$W/secret"
chmod 600 "$W/secret"
SEC=--security.secret_file="$W/secret"

fake_meta_start meta "$W/secret"
META_ADDR=${FM_ADDR[meta]}
HB=$CLUSTER_DIR/meta/heartbeat.log
BR=$CLUSTER_DIR/meta/blockreport.log

seen() {	# file jq-condition: some line satisfies it
	[ -s "$1" ] && jq -e -s "any(.[]; $2)" "$1" >/dev/null 2>&1
}
nlines() {
	if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}
answer() {	# ds1's next heartbeat answer, atomically (fake_meta may read any
		# time; ds2 heartbeats to the same double and must not take it)
	cat >"$CLUSTER_DIR/meta/answer.tmp"
	mv "$CLUSTER_DIR/meta/answer.tmp" "$CLUSTER_DIR/meta/answer.ds1.json"
}
token() {	# id ops
	mktoken "$W/secret" "$2" "$1"
}
put() {	# node file
	local id
	id=$(blockid "$2")
	http PUT "$(ds_url $1 /v1/blocks/$id)" --data-binary @"$2" \
	    -H "X-Minidfs-Token: $(token $id w)"
}

for i in 1 2 3 4 5 6; do mkblock "$W/b$i" $((i * 10000)); done
b() { blockid "$W/b$1"; }

# a full report at start lists what the store holds
dataserver_start ds1 "$SEC" || tap_bail "ds1 did not start"
put ds1 "$W/b1" >/dev/null
kill_node ds1 TERM
node_wait_exit ds1 20
: >"$BR"
dataserver_start ds1 "$SEC" || tap_bail "ds1 did not restart"
dataserver_start ds2 "$SEC" || tap_bail "ds2 did not start"
ok "full report at start: last batch, seq 0, the stored block" \
    wait_for 10 seen "$BR" ".id == \"ds1\" and .seq == 0 and .last == true and
    .blocks == [{\"id\":\"$(b 1)\",\"size\":\"10000\"}]"
ok "ds2's empty full report arrives too" \
    wait_for 10 seen "$BR" '.id == "ds2" and .last == true and .blocks == []'
ok "heartbeats arrive with stats as strings" \
    wait_for 10 seen "$HB" ".id == \"ds1\" and .addr == \"$(ds_addr ds1)\" and
    (.capacity|type) == \"string\" and .blocks == \"1\" and .used == \"10000\"
    and (.free|tonumber) > 0"

# incremental report: added, removed, bad
put ds1 "$W/b2" >/dev/null
ok "a stored block is reported as added with its size" wait_for 10 seen "$HB" \
    ".id == \"ds1\" and .added == [{\"id\":\"$(b 2)\",\"size\":\"20000\"}]"
http DELETE "$(ds_url ds1 /v1/blocks/$(b 1))" \
    -H "X-Minidfs-Token: $(token $(b 1) d)" >/dev/null
ok "a deleted block is reported as removed" wait_for 10 seen "$HB" \
    ".id == \"ds1\" and .removed == [\"$(b 1)\"]"
put ds1 "$W/b3" >/dev/null
p=$(block_path ds1 $(b 3))
printf 'X' | dd of="$p" bs=1 seek=100 conv=notrunc status=none
http GET "$(ds_url ds1 /v1/blocks/$(b 3))" -H "X-Minidfs-Token: $(token $(b 3) r)" \
    >/dev/null
ok "a corrupt block is reported as bad" wait_for 10 seen "$HB" \
    ".id == \"ds1\" and .bad == [\"$(b 3)\"]"

# commands: delete b2 here, fetch b4 from ds2, push b5 to ds2
put ds2 "$W/b4" >/dev/null
put ds1 "$W/b5" >/dev/null
answer <<JSON
{"full_report":false,"commands":[
 {"op":"delete","id":"$(b 2)"},
 {"op":"fetch","id":"$(b 4)","from":"$(ds_addr ds2)"},
 {"op":"push","id":"$(b 5)","to":"$(ds_addr ds2)"}]}
JSON
ok "the answer was given" wait_for 10 test -e "$CLUSTER_DIR/meta/answer.ds1.json.sent"
ok "delete command: b2 gone from ds1" wait_for 10 test ! -e "$(block_path ds1 $(b 2))"
ok "fetch command: b4 copied from ds2 to ds1" \
    wait_for 10 cmp -s "$W/b4" "$(block_path ds1 $(b 4))"
ok "push command: b5 copied from ds1 to ds2" \
    wait_for 10 cmp -s "$W/b5" "$(block_path ds2 $(b 5))"
ok "the next heartbeats report the fetched block" wait_for 10 seen "$HB" \
    ".id == \"ds1\" and any(.added[]; .id == \"$(b 4)\")"
ok "and the deleted one" wait_for 10 seen "$HB" \
    ".id == \"ds1\" and any(.removed[]; . == \"$(b 2)\")"
ok "metrics count 3 commands" eval \
    "curl -s '$(ds_url ds1 /metrics)' | grep -q '^minidfs_data_commands_total 3$'"

# malformed commands are ignored, the node goes on
answer <<JSON
{"commands":[{"op":"explode","id":"$(b 5)"},{"op":"delete","id":"../../x"},
 {"op":"fetch","id":"$(b 6)"},{"op":"push","id":"$(b 5)","to":"nohost"},
 {"id":"$(b 5)"},7,"delete"]}
JSON
ok "the malformed answer was given" \
    wait_for 10 test ! -e "$CLUSTER_DIR/meta/answer.ds1.json"
sleep 1.5
ok "malformed commands executed nothing" \
    eval "curl -s '$(ds_url ds1 /metrics)' | grep -q '^minidfs_data_commands_total 3$'"
ok "b5 is still on ds1" test -e "$(block_path ds1 $(b 5))"
ok "the bad commands were logged" grep -q 'bad command "explode"' "$CLUSTER_DIR/ds1/log"
ok "ds1 is still alive" node_alive ds1

# a full report on request
n0=$(grep -c '"id":"ds1"' "$BR")
echo '{"full_report":true,"commands":[]}' | answer
ok "full_report:true brings a new full report" \
    wait_for 10 eval "[ \$(grep -c '\"id\":\"ds1\"' '$BR') -gt $n0 ]"
ok "the new report lists b4 and b5" seen "$BR" \
    ".id == \"ds1\" and ([.blocks[].id]|sort) == ([\"$(b 4)\",\"$(b 5)\"]|sort)"

# without the secret the metaserver refuses the heartbeats
dataserver_start ds3 || tap_bail "ds3 did not start"
sleep 2
ok "heartbeats without cluster auth are refused" eval "! seen '$HB' '.id == \"ds3\"'"
ok "ds3 counts failed heartbeats" eval \
    "curl -s '$(ds_url ds3 /metrics)' | grep -Eq '^minidfs_data_heartbeat_failures_total [1-9]'"
kill_node ds3 KILL

# metaserver outage: the node keeps serving, keeps its changes, reports fully
fake_meta_stop meta
put ds1 "$W/b6" >/dev/null
ok_eq "with the metaserver down a PUT still works" 201 \
    "$(put ds1 "$W/b1")"
sleep 3
: >"$HB"
: >"$BR"
fake_meta_start meta "$W/secret"
ok "after the outage a full report comes first" \
    wait_for 15 seen "$BR" '.id == "ds1" and .last == true'
ok "changes made during the outage are reported" wait_for 10 seen "$HB" \
    ".id == \"ds1\" and any(.added[]; .id == \"$(b 6)\")"
ok "the outage was logged once as a state change" \
    test "$(grep -c 'not answering; retrying' "$CLUSTER_DIR/ds1/log")" -ge 1

# the leader named in etcd wins over metaServer.address
fake_meta_start meta2 "$W/secret"
etcd_put meta/leader "${FM_ADDR[meta2]}"
ok "heartbeats move to the leader named in etcd" \
    wait_for 10 seen "$CLUSTER_DIR/meta2/heartbeat.log" '.id == "ds1"'
ok "a new leader gets a full report" \
    wait_for 10 seen "$CLUSTER_DIR/meta2/blockreport.log" '.id == "ds1" and .last'
ok "the leader change was logged" \
    grep -q "leader is now ${FM_ADDR[meta2]}" "$CLUSTER_DIR/ds1/log"
tap_done
