#!/bin/bash
# faults/restart_all: a tree of files (empty, small, block-sized, multi-block,
# a symlink, an empty directory, odd modes) written through the mount; then
# every process of the cluster gets SIGTERM by its PID (mount, metaserver,
# dataservers, etcd) and is started again on the same data (minidfs-cluster up).  Everything is
# there: the sha256 of every file, `ls -lR` identical, fsck clean.
# About 30 MiB of data, so the script takes ~10 s on 2 cores.
# TIMEOUT: 240
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"
. "$top_srcdir/tests/integration/faults/lib.sh"

NODES="ds1 ds2 ds3 ds4"
faults_cluster_start
A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount a || tap_bail "mount a failed"

# ---- the tree ----------------------------------------------------------------
W=$CLUSTER_DIR/w
mkdir -p "$W"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$W/block"
head -c $((10 * 1024 * 1024 + 12345)) /dev/urandom >"$W/multi"
mkdir -p "$A/d1/d2/d3" "$A/empty" "$A/d1/many"
: >"$A/zero"
echo hello >"$A/d1/small"
cp "$W/block" "$A/d1/d2/block"
head -c $((4 * 1024 * 1024 + 1)) /dev/urandom >"$A/d1/d2/d3/block+1"
cp "$W/multi" "$A/d1/multi"
for i in $(seq 1 40); do
	head -c $((i * 1000)) /dev/urandom >"$A/d1/many/f$i"
done
ln -s d1/small "$A/link"
chmod 0600 "$A/d1/small"
chmod 0750 "$A/d1/d2"
chmod 0755 "$A/d1/multi"
mv "$A/d1/many/f40" "$A/d1/renamed"
rm "$A/d1/many/f39"
sync
ok "fsck is clean after writing the tree" wait_for 30 fsck_clean
BEFORE_DIGEST=$(tree_digest "$A")
BEFORE_LS=$(cd "$A" && ls -lR --time-style=full-iso)
ok_eq "the tree has 50 entries" 50 "$(echo "$BEFORE_DIGEST" | wc -l)"
ok "multi is intact before the restart" cmp -s "$W/multi" "$A/d1/multi"

# ---- stop everything by PID ----------------------------------------------------
kill -TERM "${MNT_PID[a]}"
if wait_for 30 eval "! kill -0 ${MNT_PID[a]} 2>/dev/null"; then
	wait "${MNT_PID[a]}" 2>/dev/null
	st=$?
else
	st=timeout
fi
ok_eq "the mount daemon exits 0 on SIGTERM" 0 "$st"
ok "... and its mount is gone" sh -c "! mountpoint -q '$A'"
kill_meta m1 TERM
meta_wait_exit m1
ok_eq "the metaserver exits 0 on SIGTERM" 0 "$NODE_STATUS"
for d in $NODES; do
	kill_node "$d" TERM
	node_wait_exit "$d"
	ok_eq "dataserver $d exits 0 on SIGTERM" 0 "$NODE_STATUS"
done
kill -TERM "$ETCD_PID"
if wait_for 30 eval "! kill -0 $ETCD_PID 2>/dev/null"; then
	wait "$ETCD_PID" 2>/dev/null
	st=$?
else
	st=timeout
fi
# etcd 3.4 exits 143 (killed by SIGTERM) once it has shut down
ok "etcd exits on SIGTERM (status $st)" test "$st" != timeout

# ---- start everything again on the same data ----------------------------------
# what a user runs: minidfs-cluster up starts every process again
ok "minidfs-cluster up restarts the cluster" launched_start
meta_wait_leader 30 m1 >/dev/null || tap_bail "no metaserver leads"
ok "the metaserver sees the 4 dataservers again" wait_for 30 fuse_nodes_live 4
mount_at a2 "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount a2 || tap_bail "mount a2 failed"

AFTER_DIGEST=$(tree_digest "$A")
ok_eq "every entry, mode, size and sha256 is the same" "$BEFORE_DIGEST" \
    "$AFTER_DIGEST"
ok_eq "ls -lR is identical" "$BEFORE_LS" \
    "$(cd "$A" && ls -lR --time-style=full-iso)"
ok_eq "the symlink still points where it did" d1/small "$(readlink "$A/link")"
ok_eq "... and reads through" hello "$(cat "$A/link")"
ok "multi is intact after the restart" cmp -s "$W/multi" "$A/d1/multi"
ok "block is intact after the restart" cmp -s "$W/block" "$A/d1/d2/block"
TOOK=$(wait_fsck_clean 60)
ok "fsck is clean after the restart (took $TOOK s)" test "$TOOK" != never
ok_eq "fsck checked every chunk" 46 \
    "$(jq -r .healthy_chunks "$CLUSTER_DIR/adm.out")"
echo after >"$A/d1/new"
ok_eq "the restarted cluster takes new files" after "$(cat "$A/d1/new")"
unmount a2
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
