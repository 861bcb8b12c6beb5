#!/bin/bash
# admin: minidfs-admin against a real etcd, two metaservers and dataservers.
# Every command's success path (tables and --json parsed with jq), the
# standby redirect, the exit statuses and one-line errors of bad command
# lines, an unreachable metaserver and unknown nodes; fsck clean on a healthy
# cluster, reporting a block deleted behind the metaserver's back on one node
# (and --repair copying it back) and on every node (missing, exit 3);
# decommission with progress until drained; a dead node makes status and
# nodes exit 3.
# TIMEOUT: 240
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/meta.sh"
cluster_init

ADMIN="$top_builddir/cli/minidfs-admin"
[ -x "$ADMIN" ] || tap_bail "$ADMIN not built"
[ -x "$METASERVER_BIN" ] || tap_bail "$METASERVER_BIN not built"

# adm ARGS...: runs minidfs-admin against $M; prints the exit status,
# stdout in $CLUSTER_DIR/out, stderr in $CLUSTER_DIR/err.
adm() {
	"$ADMIN" -m "$M" -t 5 "$@" >"$CLUSTER_DIR/out" 2>"$CLUSTER_DIR/err"
	echo $?
}
out() { cat "$CLUSTER_DIR/out"; }
jo() { jq -r "$1" <"$CLUSTER_DIR/out"; }
# one_line PATTERN: stderr is exactly one line, "minidfs-admin: ...PATTERN..."
one_line() {
	[ "$(wc -l <"$CLUSTER_DIR/err")" = 1 ] &&
	    grep -q "^minidfs-admin: .*$1" "$CLUSTER_DIR/err"
}

etcd_start
metaserver_start m1 --cluster.replicas=2 --cluster.heartbeat_timeout=3 ||
    tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not become the leader"
metaserver_start m2 || tap_bail "m2 did not start"
META_ADDR=$(meta_addr m1)
DS_LEASE_TTL=3
dataserver_start d1 || tap_bail "d1 did not start"
dataserver_start d2 || tap_bail "d2 did not start"
ok "two live dataservers" wait_for 20 eval '[ "$(live_nodes m1)" = 2 ]'
M=$(meta_addr m1)

# ---- usage errors: exit 2 and one line -----------------------------------------
ok_eq "no command: exit 2" 2 "$(adm)"
ok_eq "unknown command: exit 2" 2 "$(adm frobnicate)"
ok "... one line naming it" one_line 'unknown command "frobnicate"'
ok_eq "gc with an argument: exit 2" 2 "$(adm gc extra)"
ok "... one line: too many arguments" one_line 'gc: too many arguments'
ok_eq "decommission without a node: exit 2" 2 "$(adm decommission)"
ok "... one line: missing arguments" one_line 'decommission: missing arguments'
ok_eq "unknown flag: exit 2" 2 "$(adm fsck --bogus)"
ok "... one line" one_line 'fsck: unknown option --bogus'
ok_eq "unknown global option: exit 2" 2 "$(adm --bogus status)"
ok "... one line" one_line 'unknown option --bogus'
ok_eq "bad node name: exit 2" 2 "$(adm nodes 'a b')"
ok "... one line" one_line 'bad node name "a b"'
ok_eq "bad node name to decommission: exit 2" 2 "$(adm decommission ../x)"
ok "... one line" one_line 'bad node name'
ok_eq "bad --max-wait: exit 2" 2 "$(adm decommission -w 0 d1)"
ok "... one line" one_line 'max-wait 0'
ok_eq "bad -t: exit 2" 2 "$("$ADMIN" -t 0 status 2>"$CLUSTER_DIR/err"; echo $?)"
ok "... one line" one_line '-t 0'
ok_eq "bad metaserver list: exit 2" 2 \
    "$("$ADMIN" -m nohost status 2>"$CLUSTER_DIR/err"; echo $?)"
ok "... one line" one_line 'want host:port'
ok_eq "-h: exit 0" 0 "$(adm -h)"
ok "-h lists the commands" grep -q '^  decommission ' "$CLUSTER_DIR/out"
ok_eq "fsck -h: exit 0" 0 "$(adm fsck -h)"
ok "fsck -h shows its usage" grep -q 'usage: minidfs-admin \[options\] fsck' \
    "$CLUSTER_DIR/out"
ok_eq "unreadable secret file: exit 1" 1 "$(adm --secret-file /nonexistent status)"
ok "... one line" one_line 'nonexistent'

# ---- an unreachable metaserver: exit 1, one line, bounded ------------------------
DEAD="127.0.0.1:$(free_port)"
T0=$(date +%s)
ok_eq "unreachable metaserver: exit 1" 1 \
    "$("$ADMIN" -m "$DEAD" -t 1 status >/dev/null 2>"$CLUSTER_DIR/err"; echo $?)"
ok "... one line: nobody answered" one_line 'no metaserver answered'
ok "... within the -t bound" [ $(( $(date +%s) - T0 )) -le 5 ]

# ---- status and nodes --------------------------------------------------------------
ok_eq "status: exit 0 (healthy)" 0 "$(adm status)"
ok "status names the leader" grep -q "^Leader: *$M\$" "$CLUSTER_DIR/out"
ok "status counts the nodes" grep -q '^Nodes: *2 live, 0 dead, 0 draining$' \
    "$CLUSTER_DIR/out"
ok "status has under-replicated" grep -q '^Under-replicated: *0$' \
    "$CLUSTER_DIR/out"
ok "status lists d1 in its node table" grep -q '^d1 ' "$CLUSTER_DIR/out"
ok_eq "status --json: exit 0" 0 "$(adm status --json)"
ok_eq "status --json: leader" "true $M true" \
    "$(jo '"\(.is_leader) \(.leader) \(.healthy)"')"
ok_eq "status --json: live nodes" 2 "$(jo .nodes.live)"
ok_eq "status --json: capacity as a string" string "$(jo '.capacity | type')"
ok_eq "status --json: node list" "d1 d2" "$(jo '[.node_list[].id] | join(" ")')"
M2="$(meta_addr m2)"
ok_eq "status through the standby (redirect followed)" 0 \
    "$("$ADMIN" -m "$M2" --json status >"$CLUSTER_DIR/out" 2>&1; echo $?)"
ok_eq "... answered by the leader" "true $M" "$(jo '"\(.is_leader) \(.leader)"')"
ok_eq "a dead address first is skipped" 0 \
    "$("$ADMIN" -m "$DEAD,$M" --json nodes >"$CLUSTER_DIR/out" 2>&1; echo $?)"
ok_eq "... and the nodes come" 2 "$(jo '.nodes | length')"

ok_eq "nodes: exit 0" 0 "$(adm nodes)"
ok "nodes: a header" grep -Eq '^ID +ADDRESS +STATE +CAPACITY' "$CLUSTER_DIR/out"
ok "nodes: d2 live at its address" grep -Eq "^d2 +$(ds_addr d2) +live " \
    "$CLUSTER_DIR/out"
ok_eq "nodes --json" "d1 live $(ds_addr d1)" \
    "$(adm --json nodes >/dev/null; jo '.nodes[0] | "\(.id) \(.state) \(.addr)"')"
ok_eq "nodes d2 --json" "d2 string" \
    "$(adm nodes d2 --json >/dev/null; jo '.nodes[0] | "\(.id) \(.free | type)"')"
ok_eq "nodes of an unknown node: exit 1" 1 "$(adm nodes ghost)"
ok "... one line: ENXIO" one_line 'ENXIO: no dataserver named ghost'

# ---- gc ------------------------------------------------------------------------------
ok "gc: exit 0 once both nodes reported" wait_for 20 eval \
    '[ "$(adm gc)" = 0 ]'
ok "gc: says what it did" grep -q '^gc: [0-9]* unreferenced blocks condemned' \
    "$CLUSTER_DIR/out"
ok_eq "gc --json" "string string" \
    "$(adm gc --json >/dev/null; jo '"\(.blocks | type) \(.commands | type)"')"

# ---- fsck ----------------------------------------------------------------------------
ok_eq "fsck on an empty namespace: exit 0" 0 "$(adm fsck)"
S=$(meta_session m1) || tap_bail "no session"
mkblock "$CLUSTER_DIR/f1" 300000
mkblock "$CLUSTER_DIR/f2" 200000
read -r INO1 B1 FH1 <<<"$(put_file m1 "$S" f1 "$CLUSTER_DIR/f1")"
read -r INO2 B2 FH2 <<<"$(put_file m1 "$S" f2 "$CLUSTER_DIR/f2")"
ok "two files stored" [ -n "$B1" ] && [ -n "$B2" ]
ok_eq "fsck healthy: exit 0" 0 "$(adm fsck)"
ok "fsck: summary line" grep -q '^2 files, 2 chunks checked on 2 nodes: 2 healthy, 0 under-replicated, 0 missing$' \
    "$CLUSTER_DIR/out"
ok_eq "fsck --json healthy" "true 2 0 0" \
    "$(adm fsck --json >/dev/null; jo '"\(.healthy) \(.healthy_chunks) \(.under_replicated) \(.missing)"')"
ok_eq "fsck --json -a lists healthy chunks" "2 ok" \
    "$(adm fsck --json -a >/dev/null; jo '"\(.problems | length) \(.problems[0].state)"')"

# one replica of f2 lost behind the metaserver's back
rm -f "$(block_path d1 "$B2")"
ok_eq "fsck with a lost replica: exit 3" 3 "$(adm fsck --json)"
ok_eq "... the chunk is under-replicated" "$INO2 under 1 2" \
    "$(jo '.problems[0] | "\(.ino) \(.state) \(.verified) \(.wanted)"')"
ok_eq "... held by d2 only" d2 "$(jo '.problems[0].holders | join(",")')"
ok_eq "fsck table shows it" 3 "$(adm fsck)"
ok "... as under" grep -Eq "^ +$INO2 +0 +${B2:0:12} .* under +1 +2 " \
    "$CLUSTER_DIR/out"
ok_eq "fsck --repair copies it back: exit 0" 0 "$(adm fsck --repair --json)"
ok_eq "... one repair" "1 1 ok" \
    "$(jo '"\(.repairs) \(.problems[0].repaired) \(.problems[0].state)"')"
ok "... the block is on d1 again" test -f "$(block_path d1 "$B2")"
ok_eq "fsck after the repair: exit 0" 0 "$(adm fsck)"

# ---- decommission --------------------------------------------------------------------
dataserver_start d3 || tap_bail "d3 did not start"
ok "three live dataservers" wait_for 20 eval '[ "$(live_nodes m1)" = 3 ]'
ok_eq "decommission -n d2: exit 0" 0 "$(adm decommission -n --json d2)"
ok_eq "... d2 is draining" "d2 draining" "$(jo '"\(.id) \(.state)"')"
ok_eq "decommission -c d2: exit 0" 0 "$(adm decommission -c --json d2)"
ok_eq "... d2 is live again" live "$(jo .state)"
ok_eq "decommission d2 waits until drained: exit 0" 0 \
    "$(adm decommission -w 60 d2)"
ok "... progress was shown" grep -q '^d2: draining, [0-9]* blocks to copy elsewhere$' \
    "$CLUSTER_DIR/out"
ok "... then: drained" grep -q '^d2: drained; safe to stop$' "$CLUSTER_DIR/out"
ok "... f2's block is on d3 now" wait_for 10 test -f "$(block_path d3 "$B2")"
ok_eq "nodes d2 --json: drained" drained \
    "$(adm nodes d2 --json >/dev/null; jo '.nodes[0].state')"
ok_eq "decommission of an unknown node: exit 1" 1 "$(adm decommission ghost)"
ok "... one line: ENXIO" one_line 'ENXIO'

# ---- fsck: a block lost everywhere -------------------------------------------------
# f1's block lost on every dataserver
rm -f "$(block_path d1 "$B1")" "$(block_path d2 "$B1")" \
    "$(block_path d3 "$B1")"
ok_eq "fsck with a block gone everywhere: exit 3" 3 "$(adm fsck)"
ok "... reported missing" grep -Eq "^ +$INO1 +0 +${B1:0:12} .* missing +0 +2 " \
    "$CLUSTER_DIR/out"
ok "... summary counts it" grep -q ', 1 missing$' "$CLUSTER_DIR/out"
ok_eq "fsck --json: missing" "false 1 $B1 missing" \
    "$(adm fsck --json >/dev/null; jo '"\(.healthy) \(.missing) \(.problems[0].id) \(.problems[0].state)"')"
ok_eq "fsck --repair cannot repair a missing block: exit 3" 3 \
    "$(adm fsck --repair --json)"
ok_eq "... and says so" "0 missing" \
    "$(jo '"\(.repairs) \(.problems[0].state)"')"

# ---- a dead node makes status and nodes unhealthy ------------------------------------
kill_node d3
ok "d3 is seen dead" wait_for 20 eval \
    '[ "$(adm nodes d3 --json >/dev/null; jo ".nodes[0].state")" = dead ]'
ok_eq "nodes with a dead node: exit 3" 3 "$(adm nodes)"
ok_eq "status with a dead node: exit 3" 3 "$(adm status --json)"
ok_eq "... not healthy" "false 1" "$(jo '"\(.healthy) \(.nodes.dead)"')"
tap_done
