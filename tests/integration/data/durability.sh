#!/bin/bash
# durability: a restart keeps every block (and sweeps leftover temp files and
# orphan checksum files); SIGTERM during a write lets the write finish, is
# acknowledged, exits 0 and the block survives the restart; concurrent PUTs
# of one id store it once; concurrent PUTs of many ids all land; a stored
# block's pages leave the page cache unless storage.drop_behind_writes is off.
# TIMEOUT: 180
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
W=$CLUSTER_DIR/w
mkdir -p "$W"

dataserver_start ds1 || tap_bail "ds1 did not start"
ids=""
for i in $(seq 1 20); do
	mkblock "$W/b$i" $(( i * 37001 ))
	id=$(blockid "$W/b$i")
	ids="$ids $id"
	http PUT "$(ds_url ds1 /v1/blocks/$id)" --data-binary @"$W/b$i" >/dev/null
done

# concurrent PUTs of the same id
mkblock "$W/same" 3000000
same=$(blockid "$W/same")
for i in $(seq 1 8); do
	curl -s -o /dev/null -w '%{http_code}\n' -X PUT --data-binary @"$W/same" \
	    "$(ds_url ds1 /v1/blocks/$same)" >"$W/same.$i" &
done
wait_for 30 eval "[ \$(cat $W/same.* | grep -c .) -eq 8 ]"
codes=$(cat "$W"/same.* | sort | uniq -c | awk '{print $2}' | sort -u | tr '\n' ' ')
ok "8 concurrent PUTs of one id all succeed (codes: $codes)" \
    test -z "$(cat "$W"/same.* | grep -v -e '^200$' -e '^201$')"
ok "at least one of them stored it (201)" grep -qx 201 "$W"/same.*
ok "the block is stored intact" cmp -s "$W/same" "$(block_path ds1 $same)"
ok_eq "the block is counted once" 21 \
    "$(curl -s "$(ds_url ds1 /v1/stats)" | jq -r .blocks)"

# concurrent PUTs of different ids
for i in $(seq 1 12); do
	mkblock "$W/c$i" 500000
	curl -s -o /dev/null -w '%{http_code}\n' -X PUT --data-binary @"$W/c$i" \
	    "$(ds_url ds1 /v1/blocks/$(blockid "$W/c$i"))" >"$W/c$i.code" &
done
wait_for 30 eval "[ \$(cat $W/c*.code | grep -c 201) -eq 12 ]"
ok "12 concurrent PUTs of different ids all answer 201" \
    test "$(cat "$W"/c*.code | grep -c 201)" -eq 12
n=0
for i in $(seq 1 12); do
	cmp -s "$W/c$i" "$(block_path ds1 $(blockid "$W/c$i"))" && n=$((n + 1))
done
ok_eq "all 12 are stored intact" 12 "$n"
ids="$ids $same"
for i in $(seq 1 12); do ids="$ids $(blockid "$W/c$i")"; done

# SIGTERM during a write: the write completes and is acknowledged
mkblock "$W/slow" 2000000
slow=$(blockid "$W/slow")
curl -s -o "$W/slow.json" -w '%{http_code}' --limit-rate 500k -X PUT \
    --data-binary @"$W/slow" "$(ds_url ds1 /v1/blocks/$slow)" >"$W/slow.code" &
cpid=$!
sleep 1
kill_node ds1 TERM
sleep 0.5
code=$(http PUT "$(ds_url ds1 /v1/blocks/$(blockid "$W/b1"))" --data-binary @"$W/b1")
ok "a new PUT during shutdown is refused (503) or the port closed ($code)" \
    test "$code" = 503 -o "$code" = 000
wait $cpid
ok_eq "the write in flight at SIGTERM is acknowledged" 201 "$(cat "$W/slow.code")"
node_wait_exit ds1 30
ok_eq "SIGTERM: exit status 0" 0 "$NODE_STATUS"
ok "the log says the node waited for the write" \
    grep -q 'waiting up to 20s for 1 write' "$CLUSTER_DIR/ds1/log"
ids="$ids $slow"

# leftovers a crash could leave: a temp file and an orphan checksum file
d=$(ds_data ds1)
echo junk >"$d/tmp/$slow.AbCdEf"
orphan=$(printf orphan | sha256sum | cut -d' ' -f1)
mkdir -p "$d/blocks/${orphan:0:2}/${orphan:2:2}"
echo junk >"$d/blocks/${orphan:0:2}/${orphan:2:2}/$orphan.sum"

dataserver_start ds1 || tap_bail "ds1 did not restart"
ok "restart swept the temp file" test -z "$(ls -A "$d/tmp")"
ok "restart removed the orphan checksum file" \
    test ! -e "$d/blocks/${orphan:0:2}/${orphan:2:2}/$orphan.sum"
ok_eq "restart counts every block" 34 \
    "$(curl -s "$(ds_url ds1 /v1/stats)" | jq -r .blocks)"
bad=0
for id in $ids; do
	code=$(http GET "$(ds_url ds1 /v1/blocks/$id)")
	[ "$code" = 200 ] && [ "$(blockid "$CLUSTER_DIR/body")" = "$id" ] ||
	    bad=$((bad + 1))
done
ok_eq "every block reads back verified after the restart" 0 "$bad"
ok "the SIGTERM-time block survived" cmp -s "$W/slow" "$(block_path ds1 $slow)"
# drop behind writes: a stored block is on disk, not in the page cache
resident() { fincore --bytes --noheadings --output RES "$1" | tr -d " "; }
mkblock "$W/drop" 4194304
drop=$(blockid "$W/drop")
ok_eq "a 4 MiB PUT is stored" 201 \
    "$(http PUT "$(ds_url ds1 /v1/blocks/$drop)" --data-binary @"$W/drop")"
ok_eq "its block file has no pages in the page cache" 0 \
    "$(resident "$(block_path ds1 $drop)")"
dataserver_start ds2 --storage.drop_behind_writes=false ||
    tap_bail "ds2 did not start"
ok_eq "with drop_behind_writes false the PUT is stored too" 201 \
    "$(http PUT "$(ds_url ds2 /v1/blocks/$drop)" --data-binary @"$W/drop")"
ok "and its block file stays in the page cache" \
    test "$(resident "$(block_path ds2 $drop)")" -gt 0
tap_done
