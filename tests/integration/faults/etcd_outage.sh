#!/bin/bash
# faults/etcd_outage: etcd killed (by PID) for ~10 s under a mounted
# filesystem (-o retry_time=5).  Calls made through the mount meanwhile
# (mkdir, create+write, stat, read, readdir, chmod) each return -- success
# or an error -- within retry_time plus 15 s of slack: none hangs.  Once etcd
# is back (same data) a leader returns, the same mount works again without a
# remount, nothing acknowledged before the outage is lost (tree digest with
# sha256, also from a fresh mount), and what the outage calls acknowledged
# is there too.
# TIMEOUT: 240
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"
. "$top_srcdir/tests/integration/faults/lib.sh"

RT=5
LIMIT=$((RT + 15))
faults_cluster_start
A=$CLUSTER_DIR/mnt-a
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0,retry_time=$RT
wait_mount a || tap_bail "mount a failed"
APID=${MNT_PID[a]}

W=$CLUSTER_DIR/w
mkdir -p "$W"
head -c $((5 * 1024 * 1024 + 3)) /dev/urandom >"$W/f1"
head -c 777 /dev/urandom >"$W/f2"
head -c $((1024 * 1024)) /dev/urandom >"$W/new"
ok "f1 written before the outage" cp "$W/f1" "$A/f1"
ok "d/f2 written before the outage" eval "mkdir '$A/d' && cp '$W/f2' '$A/d/f2'"
ok "f1 appended to before the outage" eval "echo tail >>'$A/f1'"
echo tail >>"$W/f1"
PRE=$(tree_digest "$A")
ok "the digest before the outage names f1 and d/f2" eval \
    "grep -q ' ./f1 ' <<<'$PRE' && grep -q ' ./d/f2 ' <<<'$PRE'"

# each call runs in the background; its exit status and duration go to
# $W/op.NAME as "rc seconds"
op() {
	local name=$1
	shift
	(
		t0=$(date +%s.%N)
		timeout 120 "$@" >/dev/null 2>"$W/op.$name.err"
		rc=$?
		echo "$rc $(echo "$t0 $(date +%s.%N)" |
		    awk '{ printf "%.1f", $2 - $1 }')" >"$W/op.$name"
	) &
	OPS="$OPS $!"
}

etcd_kill
T0=$(date +%s)
OPS=""
op mkdir mkdir "$A/o_dir"
op create cp "$W/new" "$A/o_file"
op stat stat "$A/f1"
op read cat "$A/d/f2"
op readdir ls -la "$A"
op chmod chmod 600 "$A/f1"
sleep 10
etcd_restart
tap_diag "etcd was down for $(( $(date +%s) - T0 )) s"
for p in $OPS; do
	wait "$p"
done
for name in mkdir create stat read readdir chmod; do
	read -r rc secs <"$W/op.$name"
	tap_diag "$name during the outage: exit $rc in $secs s" \
	    "$(head -c 200 "$W/op.$name.err" | tr '\n' ' ')"
	ok "$name returned (not killed by timeout 120)" test "$rc" != 124
	ok "$name returned within $LIMIT s ($secs s)" \
	    awk -v s="$secs" -v l="$LIMIT" 'BEGIN { exit !(s <= l) }'
done

ok "a leader is back after etcd returned" wait_for 30 meta_is_leader m1
ok "the mount daemon is the same process" kill -0 "$APID"

# the same mount works again
after_ok() {
	mkdir -p "$A/after" && cp "$W/new" "$A/after/n" 2>/dev/null
}
ok "a create+write through the same mount works again" wait_for 30 after_ok
ok_eq "... and reads back" "$(sha256sum <"$W/new" | cut -d' ' -f1)" \
    "$(sha256sum <"$A/after/n" | cut -d' ' -f1)"

# nothing acknowledged before the outage is lost (chmod may have changed
# f1's mode if it succeeded: compare without the mode column)
nomode() { awk '{ $2 = ""; print }'; }
read -r CHMOD_RC _ <"$W/op.chmod"
post=$(tree_digest "$A" | grep -E ' \./(f1|d|d/f2)( |$)')
ok_eq "f1, d and d/f2 are intact (same mount)" "$(nomode <<<"$PRE")" \
    "$(nomode <<<"$post")"
if [ "$CHMOD_RC" = 0 ]; then
	ok_eq "the acknowledged chmod stuck" 600 "$(stat -c %a "$A/f1")"
else
	ok_eq "the failed chmod left the mode alone" 644 "$(stat -c %a "$A/f1")"
fi
ok_eq "f1's content" "$(sha256sum <"$W/f1" | cut -d' ' -f1)" \
    "$(sha256sum <"$A/f1" | cut -d' ' -f1)"

read -r MKDIR_RC _ <"$W/op.mkdir"
read -r CREATE_RC _ <"$W/op.create"
B=$CLUSTER_DIR/mnt-b
mount_at b "$B" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount b || tap_bail "mount b failed"
post=$(tree_digest "$B" | grep -E ' \./(f1|d|d/f2)( |$)')
ok_eq "f1, d and d/f2 are intact (fresh mount)" "$(nomode <<<"$PRE")" \
    "$(nomode <<<"$post")"
if [ "$MKDIR_RC" = 0 ]; then
	ok "the acknowledged mkdir is there" test -d "$B/o_dir"
else
	ok "mkdir failed: o_dir is absent or a whole directory" \
	    eval "[ ! -e '$B/o_dir' ] || [ -d '$B/o_dir' ]"
fi
if [ "$CREATE_RC" = 0 ]; then
	ok_eq "the acknowledged create has its content" \
	    "$(sha256sum <"$W/new" | cut -d' ' -f1)" \
	    "$(sha256sum <"$B/o_file" | cut -d' ' -f1)"
else
	ok "the failed create left no file or a readable one" \
	    eval "[ ! -e '$B/o_file' ] || cat '$B/o_file' >/dev/null"
fi
ok "fsck is clean" wait_for 30 fsck_clean

unmount a
ok_eq "clean unmount of a" 0 "$NODE_STATUS"
unmount b
ok_eq "clean unmount of b" 0 "$NODE_STATUS"
tap_done
