#!/bin/bash
# restart: the namespace lives in etcd -- after a clean stop (SIGTERM, exit
# 0, lease revoked) and after kill -9, a restarted metaserver loads the same
# tree, attributes, xattrs and block maps, and hands out new inode numbers.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init

etcd_start
metaserver_start m1 || tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not lead"
j() { jq -r "$1" <"$CLUSTER_DIR/body"; }

fs m1 mkdir '{"parent":"1","name":"dir","mode":448}' >/dev/null
D=$(j .attr.ino)
for i in $(seq 1 50); do
	fs m1 mknod "{\"parent\":\"$D\",\"name\":\"file$i\",\"mode\":33188}" \
	    >/dev/null
done
F=$(j .attr.ino)
fs m1 symlink "{\"parent\":\"1\",\"name\":\"ln\",\"target\":\"dir/file50\"}" \
    >/dev/null
fs m1 setxattr "{\"ino\":\"$F\",\"name\":\"user.k\",\"value\":\"$(b64 v)\"}" \
    >/dev/null
fs m1 setattr "{\"ino\":\"$F\",\"mtime\":\"-5\",\"size\":\"9\"}" >/dev/null
S=$(meta_session m1)
ID=$(printf 'y' | sha256sum | cut -d' ' -f1)
ok_eq "commit a chunk" 200 "$(fs m1 commit "{\"ino\":\"$F\",\"session\":\"$S\",
    \"size\":\"9\",\"mtime\":\"-5\",\"chunks\":[{\"index\":\"0\",\"id\":\"$ID\",\"len\":\"9\"}]}")"
snapshot() {
	fs m1 readdir "{\"ino\":\"$D\"}" >/dev/null
	j '[.entries[] | "\(.name) \(.attr.ino) \(.attr.mode) \(.attr.nlink) \(.attr.size) \(.attr.mtime)"] | join(",")'
	fs m1 getattr "{\"ino\":\"$F\"}" >/dev/null
	j '.attr | "\(.size) \(.mtime) \(.blocks)"'
	fs m1 getxattr "{\"ino\":\"$F\",\"name\":\"user.k\"}" >/dev/null
	j .value
	fs m1 lookup '{"parent":"1","name":"ln"}' >/dev/null
	fs m1 readlink "{\"ino\":\"$(j .attr.ino)\"}" >/dev/null
	j .target
	fs m1 blockmap "{\"ino\":\"$F\",\"first\":\"0\",\"count\":4}" >/dev/null
	j '[.chunks[] | "\(.index) \(.id) \(.len)"] | join(",")'
}
before=$(snapshot)
ok "the snapshot has the 50 files" test "$(echo "$before" | head -1 |
    tr ',' '\n' | wc -l)" -eq 52

kill_meta m1 TERM
meta_wait_exit m1 20
ok_eq "SIGTERM: exit status 0" 0 "$NODE_STATUS"
ok "SIGTERM revoked the lease: meta/leader is gone" eval "! etcd_get meta/leader"
metaserver_start m1 || tap_bail "m1 did not restart"
ok "m1 leads again" wait_for 15 meta_is_leader m1
ok_eq "after a clean restart: the same namespace" "$before" "$(snapshot)"

kill_meta m1 KILL
metaserver_start m1 || tap_bail "m1 did not restart after kill -9"
ok "m1 leads again after kill -9 (its old lease expires)" \
    wait_for 20 meta_is_leader m1
ok_eq "after kill -9: the same namespace" "$before" "$(snapshot)"
fs m1 mknod '{"parent":"1","name":"new","mode":33188}' >/dev/null
ok "new inode numbers are fresh" test "$(j .attr.ino)" -gt "$F"
grep -q 'namespace loaded: 53 inodes' "$CLUSTER_DIR/m1/log"
ok "the log reports the load" test $? -eq 0

tap_done
