#!/bin/bash
# fuse/failover: a mount given two metaservers keeps working when the
# leader dies (the standby takes over; the mount follows its 307s or fails
# over), and with no metaserver at all a call fails within retry_time with
# an error instead of hanging.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start 2
A=$CLUSTER_DIR/mnt-a
# the standby first: the mount must follow its redirect to the leader
mount_at a "$A" "$(meta_addr m2),$(meta_addr m1)" \
    -o attr_timeout=0,entry_timeout=0,retry_time=40
wait_mount a || tap_bail "mount failed"
head -c $((6 * 1024 * 1024)) /dev/urandom >"$CLUSTER_DIR/src"
ok "write through the leader" cp "$CLUSTER_DIR/src" "$A/before"
LEADER=$(meta_wait_leader 5 m1 m2)
OTHER=m2; [ "$LEADER" = m2 ] && OTHER=m1
ok "one of them leads" test -n "$LEADER"
kill_meta "$LEADER"
ok "a new file after the leader died" cp "$CLUSTER_DIR/src" "$A/after"
ok_eq "the standby took over" "$OTHER" "$(meta_wait_leader 10 "$OTHER")"
ok "the old file reads back" cmp "$CLUSTER_DIR/src" "$A/before"
ok "the new file reads back" cmp "$CLUSTER_DIR/src" "$A/after"
ok "a mkdir works" mkdir "$A/d"

# ---- no metaserver at all: bounded failure, then recovery ---------------------
kill_meta "$OTHER"
T0=$(date +%s)
E=$(errno_of "os.stat('$A/d/none')")
T1=$(date +%s)
tap_diag "stat with no metaserver: $E after $((T1 - T0)) s"
ok_eq "stat fails with EIO while no metaserver runs (minidfs(8) retry_time)" \
    EIO "$E"
ok "... within retry_time (40 s) and a margin" test $((T1 - T0)) -le 60
metaserver_start "$OTHER" || tap_bail "restart of $OTHER failed"
meta_wait_leader 20 "$OTHER" >/dev/null
ok "the mount works again once a metaserver is back" \
    cmp "$CLUSTER_DIR/src" "$A/after"
unmount a
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
