# lib.sh: what every tests/integration/faults/*.sh shares (sourced after
# tap.sh, cluster.sh and fuse/lib.sh).
#
#   faults_cluster_start [up args...]   fuse_cluster_start 1 4: etcd,
#                               metaserver m1 (R=3) and ds1..ds4, all live
#   adm ARGS...                 minidfs-admin against m1; prints the exit
#                               status, stdout in $CLUSTER_DIR/adm.out
#   fsck_clean                  fsck --json exits 0 and reports no
#                               under-replicated or missing chunk
#   wait_fsck_clean SECONDS     polls fsck_clean; prints the seconds it took
#                               (fails when it never got clean)
#   tree_digest DIR             one line per entry below DIR: type, mode,
#                               size and name (and sha256 of regular files),
#                               sorted; what a user compares after a fault

ADMIN_BIN="$top_builddir/cli/minidfs-admin"

faults_cluster_start() {
	[ -x "$ADMIN_BIN" ] || tap_bail "$ADMIN_BIN not built"
	fuse_cluster_start 1 4 "$@"
}

adm() {
	"$ADMIN_BIN" -m "$META_ADDR" -t 10 \
	    ${CLUSTER_SECRET:+--secret-file "$CLUSTER_SECRET"} "$@" \
	    >"$CLUSTER_DIR/adm.out" \
	    2>"$CLUSTER_DIR/adm.err"
	echo $?
}

fsck_clean() {
	[ "$(adm fsck --json)" = 0 ] &&
	    [ "$(jq -r '"\(.healthy) \(.under_replicated) \(.missing)"' \
	    "$CLUSTER_DIR/adm.out")" = "true 0 0" ]
}

wait_fsck_clean() {
	local secs=$1 t0 i
	t0=$(date +%s.%N)
	for i in $(seq 1 "$secs"); do
		if fsck_clean; then
			echo "$t0 $(date +%s.%N)" |
			    awk '{ printf "%.1f\n", $2 - $1 }'
			return 0
		fi
		sleep 1
	done
	fsck_clean || { echo never; return 1; }
	echo "$secs"
}

tree_digest() {
	(cd "$1" && find . -mindepth 1 -printf '%y %m %s %p\n' | sort) |
	while read -r y m s p; do
		if [ "$y" = f ]; then
			echo "$y $m $s $p $(sha256sum <"$1/$p" | cut -d' ' -f1)"
		else
			echo "$y $m $s $p"
		fi
	done
}
