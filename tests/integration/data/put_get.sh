#!/bin/bash
# put_get: one dataserver without etcd or metaserver: PUT (length and
# chunked) of blocks of 0, 1, 64 KiB-1, 64 KiB, 64 KiB+1 and 4 MiB; the
# answer, idempotent re-PUT, GET byte-identical, HEAD, Range, DELETE, the
# on-disk layout, /v1/stats and /metrics.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init

dataserver_start ds1 || tap_bail "ds1 did not start"
W=$CLUSTER_DIR/w
mkdir -p "$W"

total=0
for size in 0 1 65535 65536 65537 4194304; do
	f=$W/b$size
	mkblock "$f" $size
	id=$(blockid "$f")
	code=$(http PUT "$(ds_url ds1 /v1/blocks/$id)" --data-binary @"$f")
	ok_eq "PUT $size bytes answers 201" 201 "$code"
	ok_eq "PUT $size: answer names the id" "$id" "$(body | jq -r .id)"
	ok_eq "PUT $size: answer gives the size as a string" "\"$size\"" \
	    "$(body | jq -c .size)"
	ok_eq "PUT $size: stored on ds1 only" \
	    "[{\"id\":\"ds1\",\"addr\":\"$(ds_addr ds1)\"}]" \
	    "$(body | jq -c .stored)"
	ok_eq "PUT $size: nothing failed" "[]" "$(body | jq -c .failed)"
	p=$(block_path ds1 $id)
	ok "PUT $size: stored at blocks/ab/cd/<id>" cmp -s "$f" "$p"
	nsub=$(( (size + 65535) / 65536 ))
	if [ "$size" -le 65536 ]; then
		ok "PUT $size: one sub-block, no .sum (its checksum is the id)" \
		    test ! -e "$p.sum"
	else
		ok_eq "PUT $size: one checksum line per 64 KiB" "$nsub" \
		    "$(wc -l <"$p.sum")"
	fi
	code=$(http GET "$(ds_url ds1 /v1/blocks/$id)")
	ok_eq "GET $size answers 200" 200 "$code"
	ok "GET $size is byte-identical" cmp -s "$f" "$CLUSTER_DIR/body"
	len=$(curl -s -I "$(ds_url ds1 /v1/blocks/$id)" |
	    tr -d '\r' | awk -F': ' 'tolower($1)=="content-length"{print $2}')
	ok_eq "HEAD $size gives Content-Length" "$size" "$len"
	code=$(http PUT "$(ds_url ds1 /v1/blocks/$id)" --data-binary @"$f")
	ok_eq "second PUT $size answers 200 (already stored)" 200 "$code"
	total=$((total + size))
done

# chunked upload
f=$W/chunked
mkblock "$f" 300000
id=$(blockid "$f")
code=$(http PUT "$(ds_url ds1 /v1/blocks/$id)" -H 'Transfer-Encoding: chunked' \
    --data-binary @"$f")
ok_eq "chunked PUT answers 201" 201 "$code"
ok "chunked PUT stored byte-identical" cmp -s "$f" "$(block_path ds1 $id)"
total=$((total + 300000))

# ranges over the 4 MiB block
f=$W/b4194304
id=$(blockid "$f")
url=$(ds_url ds1 /v1/blocks/$id)
check_range() {
	local hdr=$1 off=$2 len=$3
	code=$(http GET "$url" -H "Range: bytes=$hdr")
	ok_eq "Range $hdr answers 206" 206 "$code"
	ok "Range $hdr gives the right bytes" cmp -s "$CLUSTER_DIR/body" \
	    <(tail -c +$((off + 1)) "$f" | head -c "$len")
}
check_range 0-0 0 1
check_range 65530-65545 65530 16
check_range 100000- 100000 $((4194304 - 100000))
check_range -70000 $((4194304 - 70000)) 70000
check_range 4194000-9999999 4194000 304
hdrs=$(curl -s -D - -o /dev/null -H 'Range: bytes=10-19' "$url" | tr -d '\r')
ok "206 carries Content-Range" grep -q '^Content-Range: bytes 10-19/4194304$' \
    <<<"$hdrs"
for bad in 'bytes=4194304-' 'bytes=5-4' 'bytes=x-1' 'items=0-1' 'bytes=0-1,3-4' \
    'bytes=-0' 'bytes=-'; do
	code=$(http GET "$url" -H "Range: $bad")
	ok_eq "Range \"$bad\" answers 416" 416 "$code"
done
code=$(http GET "$(ds_url ds1 /v1/blocks/$(blockid $W/b0))" -H 'Range: bytes=0-0')
ok_eq "any range of an empty block is 416" 416 "$code"

# stats and metrics
code=$(http GET "$(ds_url ds1 /v1/stats)")
ok_eq "stats answers 200" 200 "$code"
ok_eq "stats counts 7 blocks" '"7"' "$(body | jq -c .blocks)"
ok_eq "stats counts the bytes" "\"$total\"" "$(body | jq -c .used)"
ok_eq "stats names the node" ds1 "$(body | jq -r .id)"
ok "stats has capacity >= used + free" test \
    "$(body | jq -r '(.capacity|tonumber) >= (.used|tonumber)')" = true
code=$(http GET "$(ds_url ds1 /metrics)")
ok_eq "metrics answers 200" 200 "$code"
ok "metrics has the blocks gauge" grep -q '^minidfs_data_blocks 7$' \
    "$CLUSTER_DIR/body"
ok "metrics counts PUTs" grep -q '^minidfs_data_put_requests_total 13$' \
    "$CLUSTER_DIR/body"
ok "metrics has TYPE lines" grep -q '^# TYPE minidfs_data_used_bytes gauge$' \
    "$CLUSTER_DIR/body"

# delete
id=$(blockid $W/b1)
code=$(http DELETE "$(ds_url ds1 /v1/blocks/$id)")
ok_eq "DELETE answers 200" 200 "$code"
ok_eq "DELETE says deleted" true "$(body | jq .deleted)"
ok "DELETE removed the file and its checksums" \
    test ! -e "$(block_path ds1 $id)" -a ! -e "$(block_path ds1 $id).sum"
code=$(http DELETE "$(ds_url ds1 /v1/blocks/$id)")
ok_eq "second DELETE answers 200" 200 "$code"
ok_eq "second DELETE says not deleted" false "$(body | jq .deleted)"
code=$(http GET "$(ds_url ds1 /v1/blocks/$id)")
ok_eq "GET of a deleted block is 404" 404 "$code"
ok_eq "404 carries ENOENT" ENOENT "$(body | jq -r .error)"
code=$(http HEAD "$(ds_url ds1 /v1/blocks/$id)")
ok_eq "HEAD of a deleted block is 404" 404 "$code"
code=$(http GET "$(ds_url ds1 /v1/stats)")
ok_eq "stats after delete: 6 blocks" '"6"' "$(body | jq -c .blocks)"

ok "temp dir is empty" test -z "$(ls -A "$(ds_data ds1)/tmp")"
tap_done
