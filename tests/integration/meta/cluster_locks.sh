#!/bin/bash
# cluster_locks: sessions and locks over HTTP on a real metaserver.  Two
# sessions: fcntl ranges conflict across them (getlk names the holder),
# flock and fcntl locks are independent, a blocking request waits and is
# woken by the release, or answers "retry" after sessions.lock_wait; a
# session that stops renewing expires and its locks are freed; every error
# path answers 4xx and changes nothing.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/meta.sh"
cluster_init

TTL=6
etcd_start
metaserver_start m1 --sessions.ttl=$TTL --sessions.lock_wait=2 ||
    tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not become the leader"

ok_eq "open session A" 200 "$(mpost m1 /v1/session/open '{"client":"a"}')"
A=$(jb .session)
ok_eq "open: ttl" $TTL "$(jb .ttl)"
ok_eq "open: session id is a string" string "$(jb '.session | type')"
ok_eq "open session B" 200 "$(mpost m1 /v1/session/open '{}')"
B=$(jb .session)
ok "two distinct sessions" test "$A" != "$B"

# lk SESSION OWNER TYPE START END [extra JSON]: POST /v1/locks/set
lk() {
	mpost m1 /v1/locks/set "{\"session\":\"$1\",\"ino\":\"7\",
	    \"owner\":\"$2\",\"kind\":\"posix\",\"type\":\"$3\",
	    \"start\":\"$4\",\"end\":\"$5\",\"pid\":$(( ${#1} + 100 ))$6}"
}

ok_eq "A write-locks 0-99" 200 "$(lk "$A" 1 write 0 99)"
ok_eq "A: granted" true "$(jb .granted)"
ok_eq "B's overlapping write lock: 200" 200 "$(lk "$B" 1 write 50 60)"
ok_eq "B: not granted" false "$(jb .granted)"
ok_eq "B: no retry without wait" false "$(jb .retry)"
ok_eq "B: the conflict is A's" "$A write 0 99" \
    "$(jb '.conflict | "\(.session) \(.type) \(.start) \(.end)"')"
ok_eq "B: the holder's pid" $(( ${#A} + 100 )) "$(jb .conflict.pid)"
ok_eq "getlk for B names A" 200 "$(mpost m1 /v1/locks/get "{\"session\":\"$B\",
    \"ino\":\"7\",\"owner\":\"1\",\"kind\":\"posix\",\"type\":\"read\",
    \"start\":\"10\",\"end\":\"10\"}")"
ok_eq "getlk: write lock of A" "write $A" "$(jb '"\(.type) \(.session)"')"
ok_eq "B locks past A's range" 200 "$(lk "$B" 1 write 100 199)"
ok_eq "B: granted" true "$(jb .granted)"
ok_eq "B's flock on the same inode is independent" 200 "$(mpost m1 \
    /v1/locks/set "{\"session\":\"$B\",\"ino\":\"7\",\"owner\":\"5\",
    \"kind\":\"flock\",\"type\":\"write\"}")"
ok_eq "flock: granted" true "$(jb .granted)"

# blocking: B waits for A's range; A unlocks part of it; B is woken
lk "$B" 1 write 10 20 ',"wait":true' >"$CLUSTER_DIR/waited" &
WAITER=$!
sleep 0.5
ok "B is still waiting" kill -0 $WAITER
t0=$(date +%s%N)
ok_eq "A unlocks 0-49" 200 "$(lk "$A" 1 unlock 0 49)"
wait $WAITER
ok_eq "B's blocking request answered 200" 200 "$(cat "$CLUSTER_DIR/waited")"
ok_eq "B granted after the release" true "$(jb .granted)"
ok "woken at once, not at the timeout" test \
    $(( ($(date +%s%N) - t0) / 1000000 )) -lt 1500
# blocking with the conflict outliving sessions.lock_wait
ok_eq "B waits on 60-70" 200 "$(lk "$B" 1 write 60 70 ',"wait":true')"
ok_eq "... then is told to retry" "false true" "$(jb '"\(.granted) \(.retry)"')"

renew() { mpost m1 /v1/session/renew "{\"session\":\"$1\"}"; }
ok_eq "renew A" 200 "$(renew "$A")"
ok_eq "renew B" 200 "$(renew "$B")"

# ---- errors ---------------------------------------------------------------
ok_eq "unknown session: 404" 404 "$(lk 12345 1 write 0 1)"
ok_eq "unknown session: ESRCH" ESRCH "$(jb .error)"
ok_eq "missing session: 400" 400 "$(mpost m1 /v1/locks/set '{"ino":"7"}')"
ok_eq "bad kind: 400" 400 "$(mpost m1 /v1/locks/set "{\"session\":\"$A\",
    \"ino\":\"7\",\"owner\":\"1\",\"kind\":\"lockf\",\"type\":\"read\"}")"
ok_eq "bad type: 400" 400 "$(lk "$A" 1 exclusive 0 1)"
ok_eq "start after end: 400" 400 "$(lk "$A" 1 read 9 3)"
ok_eq "getlk of unlock: 400" 400 "$(mpost m1 /v1/locks/get \
    "{\"session\":\"$A\",\"ino\":\"7\",\"owner\":\"1\",\"kind\":\"posix\",
    \"type\":\"unlock\"}")"
ok_eq "ino 0: 400" 400 "$(mpost m1 /v1/locks/set "{\"session\":\"$A\",
    \"ino\":\"0\",\"owner\":\"1\",\"kind\":\"posix\",\"type\":\"read\"}")"
ok_eq "bad JSON: 400" 400 "$(mpost m1 /v1/locks/set '{"session":')"
ok_eq "renew unknown: 404" 404 "$(mpost m1 /v1/session/renew \
    '{"session":"99"}')"
ok_eq "renew without session: 400" 400 "$(mpost m1 /v1/session/renew '{}')"
long=$(printf 'c%.0s' $(seq 1 200))
ok_eq "client name too long: 400" 400 "$(mpost m1 /v1/session/open \
    "{\"client\":\"$long\"}")"
ok_eq "nothing changed: B still conflicts with A at 50" false \
    "$(lk "$B" 2 write 50 50 >/dev/null; jb .granted)"

# ---- expiry: A stops renewing, B renews ------------------------------------
ok_eq "renew A once more" 200 "$(renew "$A")"
ok_eq "renew B once more" 200 "$(renew "$B")"
ok_eq "release B's own waiting leftovers" 200 "$(mpost m1 /v1/locks/release \
    "{\"session\":\"$B\",\"ino\":\"7\",\"owner\":\"1\",\"kind\":\"posix\"}")"
ok_eq "B's posix locks are gone, its flock stays" false "$(mpost m1 \
    /v1/locks/set "{\"session\":\"$A\",\"ino\":\"7\",\"owner\":\"9\",
    \"kind\":\"flock\",\"type\":\"read\"}" >/dev/null; jb .granted)"
for i in $(seq 1 $((TTL * 2 + 2))); do
	sleep 0.5
	mpost m1 /v1/session/renew "{\"session\":\"$B\"}" >/dev/null
done
ok "A expired" wait_for $((TTL + 5)) eval \
    '[ "$(mpost m1 /v1/session/renew "{\"session\":\"$A\"}")" = 404 ]'
ok_eq "B renews fine" 200 "$(mpost m1 /v1/session/renew \
    "{\"session\":\"$B\"}")"
ok_eq "B now gets A's former range" true "$(lk "$B" 1 write 50 60 >/dev/null;
    jb .granted)"
ok_eq "the expired session cannot lock" 404 "$(lk "$A" 1 write 500 600)"
ok_eq "close B" 200 "$(mpost m1 /v1/session/close "{\"session\":\"$B\"}")"
ok_eq "close B again: 404" 404 "$(mpost m1 /v1/session/close \
    "{\"session\":\"$B\"}")"
ok_eq "no locks left" 0 "$(curl -s "$(meta_url m1 /v1/status)" | jq .locks)"
tap_done
