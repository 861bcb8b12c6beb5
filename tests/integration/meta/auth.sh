#!/bin/bash
# auth: with a cluster secret, every filesystem route needs a cluster token
# (X-Minidfs-Auth) -- none, a bad one and an expired one are refused and
# change nothing; GET /v1/fs/info stays open; block maps (and the ones open
# answers carry) hold signed read tokens for their blocks.
# TIMEOUT: 90
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init

SECRET=$CLUSTER_DIR/secret
printf 'a-test-secret-of-enough-length' >"$SECRET"
chmod 600 "$SECRET"
etcd_start
metaserver_start m1 --security.secret_file="$SECRET" ||
    tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not lead"
TOK=$(mktoken "$SECRET" a '*')
j() { jq -r "$1" <"$CLUSTER_DIR/body"; }
# afs OP JSON [TOKEN]: fs with a token
afs() {
	curl -s -m 30 -o "$CLUSTER_DIR/body" -w '%{http_code}' -X POST \
	    ${3:+-H "X-Minidfs-Auth: $3"} -d "$2" "$(meta_url m1 "/v1/fs/$1")"
}

code=$(afs mkdir '{"parent":"1","name":"x","mode":493}')
ok "no token: refused" test "$code" = 401 -o "$code" = 403
code=$(afs mkdir '{"parent":"1","name":"x","mode":493}' "$(mktoken "$CLUSTER_DIR/secret" a '*' 1000)")
ok "an expired token: refused" test "$code" = 401 -o "$code" = 403
printf 'another-secret-of-enough-length' >"$CLUSTER_DIR/other"
code=$(afs mkdir '{"parent":"1","name":"x","mode":493}' "$(mktoken "$CLUSTER_DIR/other" a '*')")
ok "a token of another secret: refused" test "$code" = 401 -o "$code" = 403
ok_eq "a valid cluster token: accepted" 200 \
    "$(afs mkdir '{"parent":"1","name":"y","mode":493}' "$TOK")"
ok_eq "the refused mkdirs changed nothing" 404 "$(afs lookup '{"parent":"1","name":"x"}' "$TOK")"
ok_eq "info needs no token" 200 "$(http GET "$(meta_url m1 /v1/fs/info)")"
# every other route of the metaserver's table refuses a request without a
# token, before looking at the body
refused=0 total=0
for r in fs/lookup fs/getattr fs/setattr fs/mknod fs/mkdir fs/symlink \
    fs/create fs/readlink fs/link fs/unlink fs/rmdir fs/rename fs/readdir \
    fs/statfs fs/setxattr fs/getxattr fs/listxattr fs/removexattr fs/open \
    fs/release fs/blockmap fs/alloc fs/commit cluster/heartbeat \
    cluster/blockreport session/open session/renew session/close locks/get \
    locks/set locks/release nodes/d1/decommission gc; do
	total=$((total + 1))
	code=$(http POST "$(meta_url m1 "/v1/$r")" -d '{}')
	[ "$code" = 403 ] && refused=$((refused + 1)) ||
	    tap_diag "POST /v1/$r without a token: $code"
done
for r in nodes nodes/d1 fsck; do
	total=$((total + 1))
	code=$(http GET "$(meta_url m1 "/v1/$r")")
	[ "$code" = 403 ] && refused=$((refused + 1)) ||
	    tap_diag "GET /v1/$r without a token: $code"
done
ok_eq "every token route refuses a request without a token (403)" \
    "$total" "$refused"

S=$(curl -s -m 10 -X POST -H "X-Minidfs-Auth: $TOK" -d '{}' \
    "$(meta_url m1 /v1/session/open)" | jq -r .session)
ok "a session opens with the token" test -n "$S" -a "$S" != null
ID=$(printf 'z' | sha256sum | cut -d' ' -f1)
ok_eq "create" 200 "$(afs create "{\"parent\":\"1\",\"name\":\"f\",\"mode\":420,\"session\":\"$S\"}" "$TOK")"
F=$(j .attr.ino)
ok_eq "commit" 200 "$(afs commit "{\"ino\":\"$F\",\"session\":\"$S\",\"size\":\"1\",
    \"chunks\":[{\"index\":\"0\",\"id\":\"$ID\",\"len\":\"1\"}]}" "$TOK")"
ok_eq "blockmap" 200 "$(afs blockmap "{\"ino\":\"$F\",\"first\":\"0\",\"count\":1}" "$TOK")"
t=$(j '.chunks[0].token')
exp=${t%%.*}
ok_eq "the block token grants read of that block" "$(mktoken "$SECRET" r "$ID" "$exp")" "$t"
ok "and expires within the token TTL" test "$exp" -le $(( $(date +%s) + 601 ))
ok_eq "open with map" 200 "$(afs open "{\"ino\":\"$F\",\"flags\":0,\"session\":\"$S\",\"map\":4}" "$TOK")"
t=$(j '.chunks[0].token')
exp=${t%%.*}
ok_eq "the open's map carries the read token of the block" \
    "$ID $(mktoken "$SECRET" r "$ID" "$exp")" "$(j '.chunks[0].id') $t"

tap_done
