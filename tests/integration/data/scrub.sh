#!/bin/bash
# scrub: a byte flipped on disk is caught by a whole GET (500, quarantined),
# by a range GET of the damaged sub-block only, and by the background
# scrubber; bad blocks land in quarantine/ and are counted.  The scrubber
# keeps to its rate.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
W=$CLUSTER_DIR/w
mkdir -p "$W"

flip() {	# file offset: flips the bits of one byte in place
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(( b ^ 255 )))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
put() {
	http PUT "$(ds_url $1 /v1/blocks/$(blockid "$2"))" --data-binary @"$2"
}

dataserver_start ds1 --storage.scrub_rate=0 || tap_bail "ds1 did not start"
mkblock "$W/a" 300000
a=$(blockid "$W/a")
put ds1 "$W/a" >/dev/null
flip "$(block_path ds1 $a)" 200000
code=$(http GET "$(ds_url ds1 /v1/blocks/$a)" -H 'Range: bytes=0-65535')
ok_eq "a range away from the flipped byte is still served" 206 "$code"
ok "that range is correct" cmp -s "$CLUSTER_DIR/body" <(head -c 65536 "$W/a")
code=$(http GET "$(ds_url ds1 /v1/blocks/$a)" -H 'Range: bytes=199990-200010')
ok_eq "a range over the flipped byte is 500" 500 "$code"
ok_eq "the error says EUCLEAN" EUCLEAN "$(body | jq -r .error)"
ok "the block went to quarantine" test -e "$(ds_data ds1)/quarantine/$a"
ok "the block left the store" test ! -e "$(block_path ds1 $a)"
code=$(http GET "$(ds_url ds1 /v1/blocks/$a)")
ok_eq "the quarantined block is 404 afterwards" 404 "$code"

mkblock "$W/b" 100000
b=$(blockid "$W/b")
put ds1 "$W/b" >/dev/null
flip "$(block_path ds1 $b)" 5
code=$(http GET "$(ds_url ds1 /v1/blocks/$b)")
ok_eq "a whole GET of a flipped block is 500" 500 "$code"
ok "and quarantines it" test -e "$(ds_data ds1)/quarantine/$b"
stats=$(curl -s "$(ds_url ds1 /v1/stats)")
ok_eq "stats count 2 quarantined" '"2"' "$(jq -c .quarantined <<<"$stats")"
ok_eq "stats count 0 blocks" '"0"' "$(jq -c .blocks <<<"$stats")"
ok "metrics count the verification failures" \
    eval "curl -s '$(ds_url ds1 /metrics)' | grep -q '^minidfs_data_verify_failures_total 2$'"
code=$(put ds1 "$W/b")
ok_eq "the block can be stored again (a repair)" 201 "$code"
ok "the repaired copy is intact" cmp -s "$W/b" "$(block_path ds1 $b)"

# a truncated checksum file is caught by a range read
mkblock "$W/c" 200000
c=$(blockid "$W/c")
put ds1 "$W/c" >/dev/null
: >"$(block_path ds1 $c).sum"
code=$(http GET "$(ds_url ds1 /v1/blocks/$c)" -H 'Range: bytes=0-9')
ok_eq "a damaged checksum file fails a range read" 500 "$code"

# a block of one sub-block has no .sum: a range read checks it whole
mkblock "$W/d" 4000
d=$(blockid "$W/d")
put ds1 "$W/d" >/dev/null
code=$(http GET "$(ds_url ds1 /v1/blocks/$d)" -H 'Range: bytes=100-199')
ok_eq "a range of a small block is served" 206 "$code"
ok "that range is correct" cmp -s "$CLUSTER_DIR/body" \
    <(tail -c +101 "$W/d" | head -c 100)
flip "$(block_path ds1 $d)" 3000
code=$(http GET "$(ds_url ds1 /v1/blocks/$d)" -H 'Range: bytes=100-199')
ok_eq "a flip outside the range of a small block still fails it" 500 "$code"
ok "and quarantines it" test -e "$(ds_data ds1)/quarantine/$d"

# the scrubber: 3 good blocks and one flipped, 1 MiB/s, a pass per second
dataserver_start ds2 --storage.scrub_rate=1M --storage.scrub_interval=1 ||
    tap_bail "ds2 did not start"
for i in 1 2 3 4; do
	mkblock "$W/s$i" 400000
	put ds2 "$W/s$i" >/dev/null
done
bad=$(blockid "$W/s3")
flip "$(block_path ds2 $bad)" 123456
ok "the scrubber quarantines the flipped block" \
    wait_for 15 test -e "$(ds_data ds2)/quarantine/$bad"
ok "the scrubber logged it" grep -q "scrub: block $bad is bad" "$CLUSTER_DIR/ds2/log"
for i in 1 2 4; do
	ok "the scrubber left good block s$i alone" \
	    test -e "$(block_path ds2 $(blockid "$W/s$i"))"
done
# a pass over 3 or 4 blocks of 400 kB at 1 MiB/s takes at least 1.1 s
ok "a pass over the blocks completes" \
    wait_for 15 grep -qE 'scrub: pass done, [34] blocks' "$CLUSTER_DIR/ds2/log"
took=$(grep -E 'scrub: pass done, [34] blocks' "$CLUSTER_DIR/ds2/log" |
    head -1 | awk '{ sub("s$", "", $NF); print $NF }')
ok "the pass kept to the rate (took ${took}s >= 1.1s)" \
    awk -v t="$took" 'BEGIN { exit !(t != "" && t >= 1.1) }'
tap_done
