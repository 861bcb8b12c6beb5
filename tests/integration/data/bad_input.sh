#!/bin/bash
# bad_input: every refusal of the block routes, each answered with the right
# status and JSON error and leaving nothing behind: malformed ids (400), path
# traversal attempts, content that does not hash to the id (422), bodies over
# the block size (413), missing or bad tokens (403), a full store (507), a
# client that disconnects mid-upload, bad chain headers and copy requests.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
W=$CLUSTER_DIR/w
mkdir -p "$W"

dataserver_start ds1 --storage.block_size=1M || tap_bail "ds1 did not start"
nothing_left() {	# node: no temp file, no writer in flight
	test -z "$(ls -A "$(ds_data $1)/tmp")" &&
	    curl -s "$(ds_url $1 /metrics)" |
	    grep -q '^minidfs_data_writes_inflight 0$'
}
blocks_of() {
	curl -s "$(ds_url $1 /v1/stats)" | jq -r .blocks
}

mkblock "$W/ok" 1000
good=$(blockid "$W/ok")

# malformed ids
for bad in abc "${good:0:63}" "${good}0" "$(echo "$good" | tr a-f A-F)" \
    "$(printf 'g%.0s' $(seq 64))" "${good:0:63}%20"; do
	code=$(http PUT "$(ds_url ds1 /v1/blocks/$bad)" --data-binary @"$W/ok")
	ok_eq "PUT with id \"${bad:0:12}...\" (${#bad} chars) is 400" 400 "$code"
	for m in GET DELETE; do
		code=$(http $m "$(ds_url ds1 /v1/blocks/$bad)")
		ok_eq "$m with id \"${bad:0:12}...\" (${#bad} chars) is 400" 400 "$code"
	done
done
ok_eq "the 400 carries EINVAL" EINVAL "$(body | jq -r .error)"
ok_eq "nothing stored for malformed ids" 0 "$(blocks_of ds1)"

# path traversal
for p in "/v1/blocks/../../../etc/passwd" "/v1/blocks/%2e%2e/%2e%2e/evil" \
    "/v1/blocks/..%2f..%2fevil" "/v1/blocks/%2e%2e%2f%2e%2e%2fevil" \
    "/v1/blocks/$good/../../evil" "/v1/blocks/$good%2f..%2fevil" \
    "/v1/blocks/%00$good"; do
	code=$(http PUT "http://$(ds_addr ds1)$p" --path-as-is --data-binary @"$W/ok")
	ok "PUT $p is refused ($code)" test "$code" = 400 -o "$code" = 404 \
	    -o "$code" = 405
	code=$(http GET "http://$(ds_addr ds1)$p" --path-as-is)
	ok "GET $p is refused ($code)" test "$code" = 400 -o "$code" = 404 \
	    -o "$code" = 405
done
ok "no file named evil anywhere" test -z "$(find "$CLUSTER_DIR" -name 'evil*')"
ok_eq "nothing stored by traversal attempts" 0 "$(blocks_of ds1)"

# content that does not match the id
mkblock "$W/other" 1000
code=$(http PUT "$(ds_url ds1 /v1/blocks/$good)" --data-binary @"$W/other")
ok_eq "mismatched content is 422" 422 "$code"
ok_eq "422 carries EILSEQ" EILSEQ "$(body | jq -r .error)"
ok "mismatched content: no block" test ! -e "$(block_path ds1 $good)"
ok "mismatched content: temp file removed" nothing_left ds1
code=$(http PUT "$(ds_url ds1 /v1/blocks/$good)" --data-binary @"$W/other" \
    -H 'Transfer-Encoding: chunked')
ok_eq "mismatched chunked content is 422" 422 "$code"
http PUT "$(ds_url ds1 /v1/blocks/$good)" --data-binary @"$W/ok" >/dev/null
code=$(http PUT "$(ds_url ds1 /v1/blocks/$good)" --data-binary @"$W/other")
ok_eq "mismatched content for a stored id is still 422" 422 "$code"
ok "the stored block is untouched" cmp -s "$W/ok" "$(block_path ds1 $good)"

# too large
mkblock "$W/big" $((1024 * 1024 + 1))
big=$(blockid "$W/big")
code=$(http PUT "$(ds_url ds1 /v1/blocks/$big)" --data-binary @"$W/big")
ok_eq "body over block_size (Content-Length) is 413" 413 "$code"
ok_eq "413 carries EFBIG" EFBIG "$(body | jq -r .error)"
code=$(http PUT "$(ds_url ds1 /v1/blocks/$big)" --data-binary @"$W/big" \
    -H 'Transfer-Encoding: chunked')
ok_eq "chunked body over block_size is 413" 413 "$code"
ok "too large: nothing stored" test ! -e "$(block_path ds1 $big)"
ok "too large: no temp file" wait_for 5 nothing_left ds1
mkblock "$W/max" $((1024 * 1024))
code=$(http PUT "$(ds_url ds1 /v1/blocks/$(blockid "$W/max"))" --data-binary @"$W/max")
ok_eq "a body of exactly block_size is 201" 201 "$code"

# client disconnecting mid-upload
mkblock "$W/slow" 1000000
slow=$(blockid "$W/slow")
curl -s -m 1 --limit-rate 100k -X PUT --data-binary @"$W/slow" \
    "$(ds_url ds1 /v1/blocks/$slow)" >/dev/null 2>&1
ok "disconnect: nothing stored" test ! -e "$(block_path ds1 $slow)"
ok "disconnect: temp file removed, no write in flight" wait_for 5 nothing_left ds1
curl -s -m 1 --limit-rate 100k -X PUT --data-binary @"$W/slow" \
    -H 'Transfer-Encoding: chunked' "$(ds_url ds1 /v1/blocks/$slow)" \
    >/dev/null 2>&1
ok "chunked disconnect: temp file removed" wait_for 5 nothing_left ds1
ok "chunked disconnect: nothing stored" test ! -e "$(block_path ds1 $slow)"

# bad chain headers
for ch in nonsense "host" "h:0" "h:99999" "h:12,,h:13" "h:1 2" "h/x:80" \
    "$(ds_addr ds1)" "$(seq -s, -f 'h%g:1' 16)"; do
	code=$(http PUT "$(ds_url ds1 /v1/blocks/$slow)" -H "X-Minidfs-Chain: $ch" \
	    --data-binary @"$W/slow")
	ok_eq "chain \"${ch:0:20}\" is 400" 400 "$code"
done
ok "bad chains stored nothing" test ! -e "$(block_path ds1 $slow)"

# A refusal from the headers alone reads the body first, so the client that
# is still sending gets its answer and keeps its connection; one waiting for
# "100 Continue" is answered at once and sends nothing.
out=$(curl -s -o /dev/null -w '%{http_code} %{num_connects}\n' \
    -H 'Expect:' -H 'X-Minidfs-Chain: nonsense' -X PUT --data-binary @"$W/slow" \
    "$(ds_url ds1 /v1/blocks/$slow)" --next -o /dev/null \
    -w '%{http_code} %{num_connects}\n' "$(ds_url ds1 /v1/stats)" | tr '\n' ' ')
ok_eq "refused upload answered, connection kept for the next request" \
    "400 1 200 0 " "$out"
out=$(curl -s -o /dev/null -w '%{http_code} %{size_upload}' \
    -H 'Expect: 100-continue' -H 'X-Minidfs-Chain: nonsense' -X PUT \
    --data-binary @"$W/slow" "$(ds_url ds1 /v1/blocks/$slow)")
ok_eq "refused upload waiting for 100 Continue: answered, body not sent" \
    "400 0" "$out"

# bad copy requests
for b in '' '{' '[]' '{}' '{"from":7}' '{"from":"nohost"}' '{"from":"a:b"}'; do
	code=$(http POST "$(ds_url ds1 /v1/blocks/$slow/fetch)" -d "$b")
	ok_eq "fetch body '$b' is 400" 400 "$code"
done
for b in '{' '{"to":""}' '{"to":"x:0"}'; do
	code=$(http POST "$(ds_url ds1 /v1/blocks/$good/push)" -d "$b")
	ok_eq "push body '$b' is 400" 400 "$code"
done
code=$(http POST "$(ds_url ds1 /v1/blocks/$good)")
ok_eq "POST on a block is 405" 405 "$code"
code=$(http GET "$(ds_url ds1 /v1/nothing)")
ok_eq "unknown path is 404" 404 "$code"

# a full store
dataserver_start full --storage.max_storage_size=100K || tap_bail "full did not start"
mkblock "$W/f1" 60000
mkblock "$W/f2" 60000
code=$(http PUT "$(ds_url full /v1/blocks/$(blockid "$W/f1"))" --data-binary @"$W/f1")
ok_eq "first 60 KB fits in 100 KiB" 201 "$code"
code=$(http PUT "$(ds_url full /v1/blocks/$(blockid "$W/f2"))" --data-binary @"$W/f2")
ok_eq "second 60 KB is 507" 507 "$code"
ok_eq "507 carries ENOSPC" ENOSPC "$(body | jq -r .error)"
code=$(http PUT "$(ds_url full /v1/blocks/$(blockid "$W/f2"))" --data-binary @"$W/f2" \
    -H 'Transfer-Encoding: chunked')
ok_eq "chunked second 60 KB is 507" 507 "$code"
ok "full: nothing stored" test ! -e "$(block_path full $(blockid "$W/f2"))"
ok "full: no temp file" wait_for 5 nothing_left full
ok_eq "full: free space reported below 60 KB" true \
    "$(curl -s "$(ds_url full /v1/stats)" | jq '(.free|tonumber) < 60000')"
code=$(http DELETE "$(ds_url full /v1/blocks/$(blockid "$W/f1"))")
code=$(http PUT "$(ds_url full /v1/blocks/$(blockid "$W/f2"))" --data-binary @"$W/f2")
ok_eq "after a delete the block fits" 201 "$code"

# tokens
printf 'this-is-the-cluster-secret-0123456789\n' >"$W/secret"
chmod 600 "$W/secret"
printf 'another-secret-entirely-9876543210\n' >"$W/secret2"
chmod 600 "$W/secret2"
dataserver_start s1 --security.secret_file="$W/secret" || tap_bail "s1"
dataserver_start s2 --security.secret_file="$W/secret" || tap_bail "s2"
dataserver_start s3 --security.secret_file="$W/secret2" || tap_bail "s3"
url=$(ds_url s1 /v1/blocks/$good)
code=$(http PUT "$url" --data-binary @"$W/ok")
ok_eq "PUT without a token is 403" 403 "$code"
ok_eq "403 carries EACCES" EACCES "$(body | jq -r .error)"
code=$(http PUT "$url" --data-binary @"$W/ok" -H 'X-Minidfs-Token: garbage')
ok_eq "PUT with a malformed token is 403" 403 "$code"
code=$(http PUT "$url" --data-binary @"$W/ok" \
    -H "X-Minidfs-Token: $(mktoken "$W/secret" rw "$big")")
ok_eq "PUT with a token for another block is 403" 403 "$code"
code=$(http PUT "$url" --data-binary @"$W/ok" \
    -H "X-Minidfs-Token: $(mktoken "$W/secret" r "$good")")
ok_eq "PUT with a read-only token is 403" 403 "$code"
code=$(http PUT "$url" --data-binary @"$W/ok" \
    -H "X-Minidfs-Token: $(mktoken "$W/secret2" rw "$good")")
ok_eq "PUT with a token of another secret is 403" 403 "$code"
code=$(http PUT "$url" --data-binary @"$W/ok" \
    -H "X-Minidfs-Token: $(mktoken "$W/secret" rw "$good" $(( $(date +%s) - 5 )))")
ok_eq "PUT with an expired token is 403" 403 "$code"
ok_eq "expired token says EKEYEXPIRED" EKEYEXPIRED "$(body | jq -r .error)"
ok "refused PUTs stored nothing" test ! -e "$(block_path s1 $good)"
code=$(http PUT "$url" --data-binary @"$W/ok" \
    -H "X-Minidfs-Token: $(mktoken "$W/secret" w "$good")" \
    -H "X-Minidfs-Chain: $(ds_addr s2),$(ds_addr s3)")
ok_eq "PUT with a write token is 201" 201 "$code"
ok_eq "the chain passed auth to s2 (same secret) only" "s1 s2" \
    "$(body | jq -r '[.stored[].id]|join(" ")')"
ok_eq "s3 (other secret) refused the forwarded PUT" "$(ds_addr s3) EACCES" \
    "$(body | jq -r '.failed[]|"\(.addr) \(.error)"')"
code=$(http GET "$url")
ok_eq "GET without a token is 403" 403 "$code"
code=$(http GET "$url" -H "X-Minidfs-Token: $(mktoken "$W/secret" w "$good")")
ok_eq "GET with a write-only token is 403" 403 "$code"
code=$(http GET "$url" -H "X-Minidfs-Token: $(mktoken "$W/secret" r "$good")")
ok_eq "GET with a read token is 200" 200 "$code"
ok "GET with a read token gives the block" cmp -s "$W/ok" "$CLUSTER_DIR/body"
code=$(http GET "$url" -H "X-Minidfs-Auth: $(mktoken "$W/secret" a '*')")
ok_eq "GET with a cluster token is 200" 200 "$code"
code=$(http DELETE "$url" -H "X-Minidfs-Token: $(mktoken "$W/secret" rw "$good")")
ok_eq "DELETE with an rw token is 403" 403 "$code"
code=$(http POST "$(ds_url s2 /v1/blocks/$good/push)" -d "{\"to\":\"$(ds_addr s1)\"}")
ok_eq "push without cluster auth is 403" 403 "$code"
code=$(http POST "$(ds_url s2 /v1/blocks/$good/push)" -d "{\"to\":\"$(ds_addr s1)\"}" \
    -H "X-Minidfs-Auth: $(mktoken "$W/secret" rwd "$good")")
ok_eq "push with a block token instead of a cluster token is 403" 403 "$code"
code=$(http POST "$(ds_url s2 /v1/blocks/$good/fetch)" -d "{\"from\":\"$(ds_addr s1)\"}")
ok_eq "fetch without cluster auth is 403" 403 "$code"
code=$(http POST "$(ds_url s2 /v1/blocks/$good/fetch)" -d "{\"from\":\"$(ds_addr s1)\"}" \
    -H "X-Minidfs-Auth: $(mktoken "$W/secret2" a '*')")
ok_eq "fetch with a cluster token of another secret is 403" 403 "$code"
mkblock "$W/cp" 5000
cp=$(blockid "$W/cp")
http PUT "$(ds_url s1 /v1/blocks/$cp)" --data-binary @"$W/cp" \
    -H "X-Minidfs-Token: $(mktoken "$W/secret" w "$cp")" >/dev/null
code=$(http POST "$(ds_url s2 /v1/blocks/$cp/fetch)" -d "{\"from\":\"$(ds_addr s1)\"}" \
    -H "X-Minidfs-Auth: $(mktoken "$W/secret" a '*')")
ok_eq "fetch with cluster auth (s2 authenticates to s1) is 200" 200 "$code"
ok "fetch stored the block on s2" cmp -s "$W/cp" "$(block_path s2 $cp)"
code=$(http DELETE "$url" -H "X-Minidfs-Token: $(mktoken "$W/secret" d "$good")")
ok_eq "DELETE with a delete token is 200" 200 "$code"
ok_eq "DELETE with a delete token deleted it" true "$(body | jq .deleted)"
code=$(http GET "$(ds_url s1 /v1/stats)")
ok_eq "stats need no token" 200 "$code"

# configuration errors are reported and refused
bin=$DATASERVER_BIN
ok "-n accepts a good configuration" \
    eval "'$bin' -n -c '$CLUSTER_DIR/ds1/config.yaml' >/dev/null"
ok "-n refuses a bad node id" eval "! '$bin' -n --server.dataServer_id='a/b' 2>/dev/null"
ok "-n refuses an unknown key" eval "! '$bin' -n --storage.nothing=1 2>/dev/null"
ok "-n refuses a bad size" eval "! '$bin' -n --storage.block_size=65M 2>/dev/null"
ok "-n refuses a bad metaserver address" \
    eval "! '$bin' -n --metaServer.address=nohost 2>/dev/null"
chmod 644 "$W/secret2"
ok "-n refuses a secret readable by others" \
    eval "! '$bin' -n --security.secret_file='$W/secret2' 2>/dev/null"
ok "-n refuses a cert without a key" \
    eval "! '$bin' -n --security.tls_cert_file=/x 2>/dev/null"
printf 'server:\n  listen_address: [1\n' >"$W/broken.yaml"
ok "a malformed YAML file is refused" eval "! '$bin' -n -c '$W/broken.yaml' 2>/dev/null"
ok "a missing config file is refused" eval "! '$bin' -n -c '$W/none.yaml' 2>/dev/null"
ok "an unknown argument is refused" eval "! '$bin' -x 2>/dev/null"
tap_done
