#!/bin/bash
# admin_auth: minidfs-admin on a cluster that runs with a secret.  Without
# --secret-file every admin call is refused (exit 1, one line); with it the
# calls are signed, and fsck signs its block probes and its repair copies,
# which the dataservers then accept.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/meta.sh"
cluster_init

ADMIN="$top_builddir/cli/minidfs-admin"
[ -x "$ADMIN" ] || tap_bail "$ADMIN not built"
[ -x "$METASERVER_BIN" ] || tap_bail "$METASERVER_BIN not built"
SECRET=$CLUSTER_DIR/secret
printf 'a-test-secret-of-enough-length' >"$SECRET"
chmod 600 "$SECRET"

adm() {
	"$ADMIN" -m "$M" -t 5 "$@" >"$CLUSTER_DIR/out" 2>"$CLUSTER_DIR/err"
	echo $?
}
jo() { jq -r "$1" <"$CLUSTER_DIR/out"; }
one_line() {
	[ "$(wc -l <"$CLUSTER_DIR/err")" = 1 ] &&
	    grep -q "^minidfs-admin: .*$1" "$CLUSTER_DIR/err"
}
# apost PATH JSON: an authenticated POST to m1; status printed, body kept
apost() {
	curl -s -m 30 -o "$CLUSTER_DIR/body" -w '%{http_code}' -X POST \
	    -H "X-Minidfs-Auth: $(mktoken "$SECRET" a '*')" \
	    -H 'Content-Type: application/json' -d "$2" "$(meta_url m1 "$1")"
}

etcd_start
metaserver_start m1 --security.secret_file="$SECRET" --cluster.replicas=2 \
    --cluster.heartbeat_timeout=3 || tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not become the leader"
META_ADDR=$(meta_addr m1)
DS_LEASE_TTL=3
dataserver_start d1 --security.secret_file="$SECRET" || tap_bail "d1"
dataserver_start d2 --security.secret_file="$SECRET" || tap_bail "d2"
M=$(meta_addr m1)

ok_eq "nodes without the secret: exit 1" 1 "$(adm nodes)"
ok "... one line: refused" one_line 'GET /v1/nodes: EACCES\|GET /v1/nodes: EPERM'
live() {
	adm --secret-file "$SECRET" nodes --json >/dev/null
	jo '[.nodes[] | select(.state == "live")] | length'
}
ok "with the secret: two live nodes" wait_for 20 eval '[ "$(live)" = 2 ]'
ok_eq "status with the secret: exit 0" 0 \
    "$(adm --secret-file "$SECRET" status)"
ok "gc with the secret: exit 0 once both nodes reported" wait_for 20 eval \
    '[ "$(adm --secret-file "$SECRET" gc)" = 0 ]'

# one file of one block, stored through the tokens the metaserver signs
S=$(apost /v1/session/open '{}' >/dev/null; jq -r .session <"$CLUSTER_DIR/body")
mkblock "$CLUSTER_DIR/f" 150000
ID=$(blockid "$CLUSTER_DIR/f")
ok_eq "create" 200 "$(apost /v1/fs/create "{\"parent\":\"1\",\"name\":\"f\",
    \"mode\":33188,\"flags\":1,\"session\":\"$S\"}")"
INO=$(jb .attr.ino)
ok_eq "alloc" 200 "$(apost /v1/fs/alloc "{\"ino\":\"$INO\",\"id\":\"$ID\",
    \"size\":\"150000\"}")"
HEAD=$(jb '.chain[0].addr')
REST=$(jb '[.chain[1:][].addr] | join(",")')
TOKEN=$(jb .token)
ok_eq "PUT with the write token" 201 "$(curl -s -m 30 -o "$CLUSTER_DIR/put" \
    -w '%{http_code}' -X PUT --data-binary "@$CLUSTER_DIR/f" \
    -H "X-Minidfs-Token: $TOKEN" ${REST:+-H "X-Minidfs-Chain: $REST"} \
    "http://$HEAD/v1/blocks/$ID")"
STORED=$(jq -c '[.stored[].id]' <"$CLUSTER_DIR/put")
ok_eq "commit" 200 "$(apost /v1/fs/commit "{\"ino\":\"$INO\",\"session\":\"$S\",
    \"size\":\"150000\",\"chunks\":[{\"index\":\"0\",\"id\":\"$ID\",
    \"len\":\"150000\",\"stored\":$STORED}]}")"

ok_eq "fsck without the secret: exit 1" 1 "$(adm fsck)"
ok_eq "fsck with the secret (signed probes): exit 0" 0 \
    "$(adm --secret-file "$SECRET" fsck --json)"
ok_eq "... the chunk verified on both nodes" "1 2" \
    "$(adm --secret-file "$SECRET" fsck --json -a >/dev/null;
    jo '"\(.checked) \(.problems[0].verified)"')"
rm -f "$(block_path d2 "$ID")"
ok_eq "a lost replica: exit 3" 3 "$(adm --secret-file "$SECRET" fsck)"
ok_eq "fsck --repair (signed push): exit 0" 0 \
    "$(adm --secret-file "$SECRET" fsck --repair --json)"
ok_eq "... one copy made" 1 "$(jo .repairs)"
ok "... the block is back on d2" test -f "$(block_path d2 "$ID")"
tap_done
