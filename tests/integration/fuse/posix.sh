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

# Re-emits the suite's TAP lines as checks of this script; a "# TODO"
# line (a known bug named in POSIX_KNOWN) stays a TODO; a suite that
# stops before its plan (a crash: its output is shown) is a failure.
run_suite() {
	local where=$1 dir=$2 line plan="" seen=0 out
	shift 2
	out=$CLUSTER_DIR/suite-$where.out
	env "$@" "$PY" "$top_srcdir/tests/integration/fuse/posix.py" "$dir" \
	    >"$out" 2>&1
	while IFS= read -r line; do
		case $line in
		"not ok "*" # TODO "*)
			seen=$((seen + 1)); TAP_N=$((TAP_N + 1))
			line=${line#not ok * - }
			printf 'not ok %d - %s: %s\n' "$TAP_N" "$where" "$line" ;;
		"ok "*) seen=$((seen + 1)); ok "$where: ${line#ok * - }" true ;;
		"not ok "*) seen=$((seen + 1))
			ok "$where: ${line#not ok * - }" false ;;
		"1.."*) plan=${line#1..} ;;
		*) tap_diag "$line" ;;
		esac
	done <"$out"
	ok_eq "$where: the suite ran to its end" "$seen" "${plan:-none}"
}

run_suite reference "$REF"
# the mount's default is relatime, as the reference's (man/minidfs.8)
run_suite minidfs "$A"
unmount a
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
