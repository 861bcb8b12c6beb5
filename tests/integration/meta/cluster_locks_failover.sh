#!/bin/bash
# cluster_locks_failover: sessions and locks survive a leader change.  Two
# metaservers; session A holds a lock, B conflicts; the leader is killed;
# on the new leader both sessions renew, A's lock still excludes B, and once
# A stops renewing it expires there and B gets the range.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/meta.sh"
cluster_init

TTL=12
etcd_start
metaserver_start m1 --sessions.ttl=$TTL || tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not become the leader"
metaserver_start m2 --sessions.ttl=$TTL || tap_bail "m2 did not start"

lk() {	# lk META SESSION TYPE START END
	mpost "$1" /v1/locks/set "{\"session\":\"$2\",\"ino\":\"9\",
	    \"owner\":\"3\",\"kind\":\"posix\",\"type\":\"$3\",
	    \"start\":\"$4\",\"end\":\"$5\",\"pid\":42}"
}

ok_eq "session A" 200 "$(mpost m1 /v1/session/open '{"client":"a"}')"
A=$(jb .session)
ok_eq "session B" 200 "$(mpost m1 /v1/session/open '{"client":"b"}')"
B=$(jb .session)
ok_eq "A locks 0-99" true "$(lk m1 "$A" write 0 99 >/dev/null; jb .granted)"
ok_eq "A's flock" true "$(mpost m1 /v1/locks/set "{\"session\":\"$A\",
    \"ino\":\"9\",\"owner\":\"8\",\"kind\":\"flock\",\"type\":\"read\"}" \
    >/dev/null; jb .granted)"
ok_eq "B conflicts" false "$(lk m1 "$B" write 50 50 >/dev/null; jb .granted)"

kill_meta m1
ok "m2 takes over" wait_for 20 meta_is_leader m2
ok_eq "A's session survived" 200 "$(mpost m2 /v1/session/renew \
    "{\"session\":\"$A\"}")"
ok_eq "B's session survived" 200 "$(mpost m2 /v1/session/renew \
    "{\"session\":\"$B\"}")"
ok_eq "A's range still excludes B" false "$(lk m2 "$B" write 50 50 >/dev/null;
    jb .granted)"
ok_eq "... the conflict is A's, with its pid" "$A 42" \
    "$(jb '"\(.conflict.session) \(.conflict.pid)"')"
ok_eq "A's flock still excludes B's flock write" false "$(mpost m2 \
    /v1/locks/set "{\"session\":\"$B\",\"ino\":\"9\",\"owner\":\"1\",
    \"kind\":\"flock\",\"type\":\"write\"}" >/dev/null; jb .granted)"
ok_eq "A unlocks 0-49 on the new leader" true "$(lk m2 "$A" unlock 0 49 \
    >/dev/null; jb .granted)"
ok_eq "B locks 0-49" true "$(lk m2 "$B" write 0 49 >/dev/null; jb .granted)"
# A stops renewing; B keeps renewing.  a_alive asks without renewing.
a_alive() {
	mpost m2 /v1/locks/get "{\"session\":\"$A\",\"ino\":\"9\",
	    \"owner\":\"3\",\"kind\":\"posix\",\"type\":\"read\"}"
}
for i in $(seq 1 $((TTL + 6))); do
	sleep 1
	mpost m2 /v1/session/renew "{\"session\":\"$B\"}" >/dev/null
	[ "$(a_alive)" = 404 ] && break
done
ok_eq "A expired on the new leader" 404 "$(a_alive)"
ok_eq "B now gets A's former range" true "$(lk m2 "$B" write 50 99 \
    >/dev/null; jb .granted)"
ok_eq "A's lock records are gone from etcd" "" "$(curl -s -X POST \
    "http://$ETCD_EP/v3/kv/range" -d "{\"key\":\"$(b64 \
    "$ETCD_PREFIX/meta/locks/$(printf %016x "$A")")\",\"range_end\":\"$(b64 \
    "$ETCD_PREFIX/meta/locks/$(printf %016x "$A")0")\"}" | jq -r '.kvs // empty')"
tap_done
