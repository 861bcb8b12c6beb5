#!/bin/bash
# failover: two metaservers; a standby answers with the leader's address
# (307); kill -9 the leader in the middle of a stream of creates: the
# standby takes over within the lease TTL plus a few seconds, and every
# create that was answered with success exists there.
# TIMEOUT: 180
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
META_LEASE_TTL=3

etcd_start
metaserver_start m1 || tap_bail "m1 did not start"
metaserver_start m2 || tap_bail "m2 did not start"
L=$(meta_wait_leader 15 m1 m2) || tap_bail "no leader"
if [ "$L" = m1 ]; then S=m2; else S=m1; fi
ok "exactly one leader" eval "! meta_is_leader $S"
j() { jq -r "$1" <"$CLUSTER_DIR/body"; }

code=$(fs "$S" getattr '{"ino":"1"}')
ok_eq "the standby answers 307" 307 "$code"
ok_eq "the standby names the leader" "$(meta_addr "$L")" "$(j .leader)"
ok_eq "with the error code ENOTLEADER" ENOTLEADER "$(j .error)"
hdr=$(curl -s -m 5 -D - -o /dev/null -X POST -d '{"ino":"1"}' \
    "$(meta_url "$S" /v1/fs/getattr)" | tr -d '\r')
ok "X-Minidfs-Leader header" grep -qi "^X-Minidfs-Leader: $(meta_addr "$L")\$" \
    <<<"$hdr"
ok "Location header" grep -qi "^Location: http://$(meta_addr "$L")/v1/fs/getattr\$" \
    <<<"$hdr"
ok_eq "a client following the redirect gets the answer" 200 \
    "$(curl -s -m 5 -L -o /dev/null -w '%{http_code}' -X POST -d '{"ino":"1"}' \
    "$(meta_url "$S" /v1/fs/getattr)")"
ok_eq "info works on the standby" false "$(curl -s -m 5 \
    "$(meta_url "$S" /v1/fs/info)" | jq -r .is_leader)"

# the stream: each create goes to whichever metaserver takes it
: >"$CLUSTER_DIR/acked"
killed_at=0
first_after=0
for i in $(seq 1 120); do
	deadline=$(( $(date +%s) + 30 ))
	while :; do
		done_one=0
		for m in m1 m2; do
			meta_alive "$m" || continue
			code=$(fs "$m" mkdir "{\"parent\":\"1\",\"name\":\"n$i\",\"mode\":493}")
			if [ "$code" = 200 ]; then
				echo "n$i" >>"$CLUSTER_DIR/acked"
				done_one=1
				break
			elif [ "$code" = 409 ]; then
				# an earlier unanswered attempt landed
				done_one=1
				break
			fi
		done
		[ $done_one = 1 ] && break
		[ "$(date +%s)" -ge $deadline ] && break
		sleep 0.1
	done
	if [ "$killed_at" != 0 ] && [ "$first_after" = 0 ] && [ $done_one = 1 ]; then
		first_after=$(date +%s.%N)
	fi
	if [ "$i" = 40 ]; then
		kill_meta "$L" KILL
		killed_at=$(date +%s.%N)
	fi
done
acked=$(wc -l <"$CLUSTER_DIR/acked")
ok "most creates were acknowledged" test "$acked" -ge 100
ok "the standby took over" meta_is_leader "$S"
took=$(awk "BEGIN { print $first_after - $killed_at }")
tap_diag "takeover: first acknowledged create ${took}s after kill -9"
ok "takeover within TTL + 5 s" awk "BEGIN { exit !($took < $META_LEASE_TTL + 5) }"
missing=0
while read -r name; do
	[ "$(fs "$S" lookup "{\"parent\":\"1\",\"name\":\"$name\"}")" = 200 ] ||
	    { missing=$((missing + 1)); tap_diag "lost: $name"; }
done <"$CLUSTER_DIR/acked"
ok_eq "every acknowledged create exists on the new leader" 0 "$missing"
fs "$S" getattr '{"ino":"1"}' >/dev/null
ok "the root's link count matches" test "$(j .attr.nlink)" -ge $((acked + 2))

# the old leader comes back as a standby
metaserver_start "$L" || tap_bail "$L did not restart"
sleep 1
ok "the restarted node is a standby" eval "! meta_is_leader $L"
ok_eq "and redirects to the new leader" 307 "$(fs "$L" getattr '{"ino":"1"}')"
ok_eq "naming it" "$(meta_addr "$S")" "$(j .leader)"

tap_done
