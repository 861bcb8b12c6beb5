# lib.sh: what every tests/integration/fuse/*.sh shares (sourced after tap.sh
# and cluster.sh): a cluster of etcd, one metaserver and three dataservers,
# and helpers to check errnos from the shell.
#
#   fuse_cluster_start          etcd + metaserver m1 + ds1..ds3, waits until
#                               the metaserver sees the three dataservers;
#                               META_ADDR is the SOURCE for mounts
#   errno_of PYTHON-STATEMENT   runs one os.* call, prints OK or the errno
#                               name (EEXIST, ENOTEMPTY, ...)

fuse_cluster_start() {
	[ -e /dev/fuse ] || { tap_skip "no /dev/fuse"; tap_done; exit 0; }
	command -v fusermount3 >/dev/null || tap_bail "fusermount3 missing"
	cluster_init
	etcd_start
	metaserver_start m1 || tap_bail "metaserver did not start"
	META_ADDR=$(meta_addr m1)
	meta_wait_leader 30 m1 >/dev/null || tap_bail "no metaserver leads"
	for d in ds1 ds2 ds3; do
		dataserver_start "$d" || tap_bail "dataserver $d did not start"
	done
	wait_for 30 fuse_nodes_live 3 ||
	    tap_bail "the metaserver does not see 3 dataservers"
}

fuse_nodes_live() {
	[ "$(fs m1 statfs '{}')" = 200 ] &&
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
