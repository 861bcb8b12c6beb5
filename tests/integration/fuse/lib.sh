# lib.sh: what every tests/integration/fuse/*.sh shares (sourced after tap.sh
# and cluster.sh): a cluster of etcd, one metaserver and three dataservers,
# and helpers to check errnos from the shell.
#
#   fuse_cluster_start [METAS [DATAS [up args...]]]
#                               the cluster of cluster_up (minidfs-cluster):
#                               etcd, metaservers m1.. (default 1) and
#                               dataservers ds1.. (default 3), every one
#                               live; META_ADDR (m1) is the SOURCE for mounts
#   errno_of PYTHON-STATEMENT   runs one os.* call, prints OK or the errno
#                               name (EEXIST, ENOTEMPTY, ...)
#   fs_requests                 filesystem requests m1 answered so far
#                               (its /metrics)
#   fs_logged OP                /v1/fs/OP requests m1 logged so far

fuse_cluster_start() {
	local metas=${1:-1} datas=${2:-3}
	shift $(( $# < 2 ? $# : 2 ))
	[ -e /dev/fuse ] || { tap_skip "no /dev/fuse"; tap_done; exit 0; }
	command -v fusermount3 >/dev/null || tap_bail "fusermount3 missing"
	cluster_init
	cluster_up "$metas" "$datas" "$@" || tap_bail "the cluster did not start"
	META_ADDR=$(meta_addr m1)
	FUSE_LEADER=$(meta_wait_leader 30 $(seq -f 'm%g' 1 "$metas")) ||
	    tap_bail "no metaserver leads"
	wait_for 30 fuse_nodes_live "$datas" ||
	    tap_bail "the metaserver does not see $datas dataservers"
}

fuse_nodes_live() {
	[ "$(fs "${FUSE_LEADER:-m1}" statfs '{}')" = 200 ] &&
	    [ "$(jq -r .nodes "$CLUSTER_DIR/body")" -ge "$1" ] 2>/dev/null
}

errno_of() {
	python3 -c "
import errno, os, sys
try:
    $1
    print('OK')
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
"
}

fs_requests() {
	curl -s "$(meta_url m1 /metrics)" |
	    awk '/^minidfs_meta_requests_total\{kind="fs"\}/ {print $2}'
}

# (one httpd line per request)
fs_logged() {
	grep -c " POST /v1/fs/$1 " "$(node_log m1)"
}
