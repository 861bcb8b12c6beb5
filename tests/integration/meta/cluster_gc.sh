#!/bin/bash
# cluster_gc: garbage collection against real dataservers.  A block stored
# straight on a dataserver (no file refers to it) is deleted after the grace
# period; a file's block never is, however long we wait; an allocation
# protects a block for a grace period of its own; once its file is unlinked
# and closed the block goes too.
# TIMEOUT: 150
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/meta.sh"
cluster_init

GRACE=6
etcd_start
metaserver_start m1 --cluster.replicas=2 --cluster.gc_grace=$GRACE \
    --cluster.gc_interval=1 --cluster.heartbeat_timeout=3 ||
    tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not become the leader"
META_ADDR=$(meta_addr m1)
DS_LEASE_TTL=3
dataserver_start d1 || tap_bail "d1 did not start"
dataserver_start d2 || tap_bail "d2 did not start"
ok "two live dataservers" wait_for 20 eval '[ "$(live_nodes m1)" = 2 ]'
ok "GC runs once both nodes reported" wait_for 20 eval \
    '[ "$(mpost m1 /v1/gc "{}")" = 200 ]'
ok_eq "manual gc: counts as strings" string "$(jb '.blocks | type')"

S=$(meta_session m1) || tap_bail "no session"
mkblock "$CLUSTER_DIR/kept" 200000
read -r INO KEPT FH <<<"$(put_file m1 "$S" kept "$CLUSTER_DIR/kept")"
ok "a file's block is on d1" test -f "$(block_path d1 "$KEPT")"
ok "a file's block is on d2" test -f "$(block_path d2 "$KEPT")"

# two unreferenced blocks; one of them gets allocated a while later
mkblock "$CLUSTER_DIR/orphan" 100000
mkblock "$CLUSTER_DIR/pend" 50000
ORPHAN=$(ds_put d1 "$CLUSTER_DIR/orphan")
PEND=$(ds_put d2 "$CLUSTER_DIR/pend")
ok "the unreferenced blocks are stored" eval "[ -n '$ORPHAN' ] && [ -n '$PEND' ]"
sleep $((GRACE - 2))
ok_eq "alloc the second one (pending from now)" 200 "$(mpost m1 /v1/fs/alloc \
    "{\"ino\":\"$INO\",\"id\":\"$PEND\",\"size\":\"50000\"}")"
ok "the unreferenced block is deleted after the grace period" wait_for 20 \
    test ! -f "$(block_path d1 "$ORPHAN")"
ok "... while the allocated one is kept" test -f "$(block_path d2 "$PEND")"
ok "the allocated block goes once its allocation expired" wait_for 20 \
    test ! -f "$(block_path d2 "$PEND")"
ok "the file's block is still on d1" test -f "$(block_path d1 "$KEPT")"
ok "the file's block is still on d2" test -f "$(block_path d2 "$KEPT")"
ok_eq "deletes counted in /metrics" 1 "$(curl -s "$(meta_url m1 /metrics)" |
    grep -c '^minidfs_meta_deletes_total [1-9]')"

# unlink + release: the block loses its last reference
ok_eq "unlink the file" 200 "$(mpost m1 /v1/fs/unlink \
    '{"parent":"1","name":"kept"}')"
ok_eq "release the handle" 200 "$(mpost m1 /v1/fs/release \
    "{\"ino\":\"$INO\",\"fh\":\"$FH\",\"session\":\"$S\"}")"
ok "the unlinked file's block is collected" wait_for $((GRACE + 20)) eval \
    "[ ! -f '$(block_path d1 "$KEPT")' ] && [ ! -f '$(block_path d2 "$KEPT")' ]"
tap_done
