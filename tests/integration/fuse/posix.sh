#!/bin/bash
# fuse/posix: tests/integration/fuse/posix.py, our POSIX conformance suite,
# first against a local directory as the reference (it must pass there:
# the suite itself is right), then against a minidfs mount.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start
chmod 755 "$CLUSTER_DIR"	# the unprivileged checks walk through it
REF=$CLUSTER_DIR/reference
A=$CLUSTER_DIR/mnt-a
mkdir -p "$REF" && chmod 755 "$REF"
mount_at a "$A" "$META_ADDR" -o attr_timeout=0,entry_timeout=0,allow_other
wait_mount a || tap_bail "mount failed"
PY=/usr/bin/python3	# the system python: nobody can run it

# Re-emits the suite's TAP lines as checks of this script.
run_suite() {
	local where=$1 dir=$2 line
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$where: ${line#ok * - }" true ;;
		"not ok "*) ok "$where: ${line#not ok * - }" false ;;
		"# "*) tap_diag "${line#\# }" ;;
		esac
	done < <("$PY" "$top_srcdir/tests/integration/fuse/posix.py" "$dir" 2>&1)
}

run_suite reference "$REF"
run_suite minidfs "$A"
unmount a
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
