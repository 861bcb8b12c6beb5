#!/bin/bash
# chain: three dataservers; a PUT to the head with the chain "n2,n3" lands
# byte-identical on all three for blocks of 0, 1, 64 KiB-1, 64 KiB+1 and
# 4 MiB; the answer lists every node.  A dead chain member is reported as
# failed while the others keep their copies; the middle node killed
# mid-transfer leaves the head with its copy and a failure report; a re-PUT
# completes missing replicas; pull and push copy between nodes.
# TIMEOUT: 180
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init

for n in n1 n2 n3; do
	dataserver_start $n || tap_bail "$n did not start"
done
W=$CLUSTER_DIR/w
mkdir -p "$W"
chain="$(ds_addr n2),$(ds_addr n3)"

for size in 0 1 65535 65537 4194304; do
	f=$W/b$size
	mkblock "$f" $size
	id=$(blockid "$f")
	code=$(http PUT "$(ds_url n1 /v1/blocks/$id)" --data-binary @"$f" \
	    -H "X-Minidfs-Chain: $chain")
	ok_eq "chain PUT $size answers 201" 201 "$code"
	ok_eq "chain PUT $size: stored on n1, n2, n3 in order" "n1 n2 n3" \
	    "$(body | jq -r '[.stored[].id]|join(" ")')"
	ok_eq "chain PUT $size: addresses reported" \
	    "$(ds_addr n1) $(ds_addr n2) $(ds_addr n3)" \
	    "$(body | jq -r '[.stored[].addr]|join(" ")')"
	ok_eq "chain PUT $size: nothing failed" "[]" "$(body | jq -c .failed)"
	for n in n1 n2 n3; do
		ok "chain PUT $size: byte-identical on $n" \
		    cmp -s "$f" "$(block_path $n $id)"
	done
	code=$(http GET "$(ds_url n3 /v1/blocks/$id)")
	ok "chain PUT $size: GET from the tail is identical" \
	    test "$code" = 200 -a -n "$(cmp "$f" "$CLUSTER_DIR/body" && echo y)"
done

# chunked through the chain
f=$W/chunked
mkblock "$f" 1000001
id=$(blockid "$f")
code=$(http PUT "$(ds_url n1 /v1/blocks/$id)" --data-binary @"$f" \
    -H 'Transfer-Encoding: chunked' -H "X-Minidfs-Chain: $chain")
ok_eq "chunked chain PUT answers 201" 201 "$code"
for n in n1 n2 n3; do
	ok "chunked chain PUT: identical on $n" cmp -s "$f" "$(block_path $n $id)"
done

# a chain member that does not exist
dead=127.0.0.1:$(free_port)
f=$W/dead
mkblock "$f" 100000
id=$(blockid "$f")
code=$(http PUT "$(ds_url n1 /v1/blocks/$id)" --data-binary @"$f" \
    -H "X-Minidfs-Chain: $(ds_addr n2),$dead")
ok_eq "PUT with a dead tail still answers 201" 201 "$code"
ok_eq "dead tail: stored on n1, n2" "n1 n2" \
    "$(body | jq -r '[.stored[].id]|join(" ")')"
ok_eq "dead tail: reported failed with ECONNREFUSED" "$dead ECONNREFUSED" \
    "$(body | jq -r '.failed[]|"\(.addr) \(.error)"')"
code=$(http PUT "$(ds_url n1 /v1/blocks/$id)" --data-binary @"$f" \
    -H "X-Minidfs-Chain: $dead,$(ds_addr n3)")
ok_eq "PUT with a dead middle answers 200 (head had it)" 200 "$code"
ok_eq "dead middle: middle failed, tail not reached" \
    "$dead:ECONNREFUSED $(ds_addr n3):ECANCELED" \
    "$(body | jq -r '[.failed[]|"\(.addr):\(.error)"]|join(" ")')"

# re-PUT completes a missing replica (idempotent and still forwarded)
f=$W/repair
mkblock "$f" 70000
id=$(blockid "$f")
http PUT "$(ds_url n1 /v1/blocks/$id)" --data-binary @"$f" >/dev/null
ok "block only on n1 before the re-PUT" test ! -e "$(block_path n2 $id)"
code=$(http PUT "$(ds_url n1 /v1/blocks/$id)" --data-binary @"$f" \
    -H "X-Minidfs-Chain: $chain")
ok_eq "re-PUT with a chain answers 200" 200 "$code"
ok_eq "re-PUT stored on all three" "n1 n2 n3" \
    "$(body | jq -r '[.stored[].id]|join(" ")')"
ok "re-PUT completed n3's replica" cmp -s "$f" "$(block_path n3 $id)"

# pull copy and push copy
f=$W/copy
mkblock "$f" 200000
id=$(blockid "$f")
http PUT "$(ds_url n1 /v1/blocks/$id)" --data-binary @"$f" >/dev/null
code=$(http POST "$(ds_url n2 /v1/blocks/$id/fetch)" \
    -d "{\"from\":\"$(ds_addr n1)\"}")
ok_eq "fetch answers 200" 200 "$code"
ok_eq "fetch reports the size" '"200000"' "$(body | jq -c .size)"
ok "fetch stored the block on n2" cmp -s "$f" "$(block_path n2 $id)"
code=$(http POST "$(ds_url n1 /v1/blocks/$id/push)" \
    -d "{\"to\":\"$(ds_addr n3)\"}")
ok_eq "push answers 200" 200 "$code"
ok_eq "push reports the target's copy" n3 "$(body | jq -r '.stored[0].id')"
ok "push stored the block on n3" cmp -s "$f" "$(block_path n3 $id)"
missing=$(printf 'nothing' | sha256sum | cut -d' ' -f1)
code=$(http POST "$(ds_url n2 /v1/blocks/$missing/fetch)" \
    -d "{\"from\":\"$(ds_addr n1)\"}")
ok_eq "fetch of a block the source lacks is 502" 502 "$code"
ok "failed fetch stored nothing" test ! -e "$(block_path n2 $missing)"
code=$(http POST "$(ds_url n2 /v1/blocks/$id/fetch)" -d "{\"from\":\"$dead\"}")
ok_eq "fetch of a block already here is 200 without the source" 200 "$code"
code=$(http POST "$(ds_url n1 /v1/blocks/$missing/push)" \
    -d "{\"to\":\"$(ds_addr n3)\"}")
ok_eq "push of a block not here is 404" 404 "$code"
code=$(http POST "$(ds_url n1 /v1/blocks/$id/push)" -d "{\"to\":\"$dead\"}")
ok_eq "push to a dead target is 502" 502 "$code"

# the middle node killed mid-transfer
f=$W/big
mkblock "$f" 4194304
id=$(blockid "$f")
curl -s -o "$W/killed.json" -w '%{http_code}' --limit-rate 512k \
    -X PUT --data-binary @"$f" -H "X-Minidfs-Chain: $chain" \
    "$(ds_url n1 /v1/blocks/$id)" >"$W/killed.code" &
cpid=$!
sleep 2
kill_node n2 KILL
wait $cpid
ok_eq "middle killed: head still answers 201" 201 "$(cat "$W/killed.code")"
ok_eq "middle killed: head stored its copy" n1 \
    "$(jq -r '[.stored[].id]|join(" ")' "$W/killed.json")"
ok "middle killed: head's copy is intact" cmp -s "$f" "$(block_path n1 $id)"
ok_eq "middle killed: middle and tail reported failed" \
    "$(ds_addr n2) $(ds_addr n3)" \
    "$(jq -r '[.failed[].addr]|join(" ")' "$W/killed.json")"
ok "middle killed: tail stored nothing" test ! -e "$(block_path n3 $id)"
ok "middle killed: tail left no temp file" \
    wait_for 5 test -z "$(ls -A "$(ds_data n3)/tmp")"
tap_done
