# launched.sh: a whole cluster started by cli/minidfs-cluster for the
# integration tests, with the helpers of cluster.sh working on its
# processes (sourced by cluster.sh, at its end).

#   cluster_up METAS DATAS [up args...]   etcd, metaservers m1..mMETAS and
#                                dataservers ds1..dsDATAS (3 replicas, or
#                                DATAS if fewer), started by `minidfs-cluster
#                                up` in $LAUNCH_DIR ($CLUSTER_DIR/cluster)
#                                with the test timings of CLUSTER_TEST_SETS;
#                                sets ETCD_EP/ETCD_PID, MS_PORT/MS_PID,
#                                DS_PORT/DS_PID and CLUSTER_SECRET; waits
#                                until the leader sees every dataserver.
#                                Later starts of these IDs (metaserver_start,
#                                dataserver_start, etcd_restart) are an `up`
#                                again, which starts what is not running.
#   node_log ID                  the log file of ID
#   launched_status ID           how ID ended: its exit status as the
#                                launcher recorded it (run/NAME.exit)
# Its ports are reserved like free_port's (they go into the launcher's
# state file before the first up), so tests running at once never share one.
# The cluster has a secret (CLUSTER_SECRET): the helpers of cluster.sh sign
# what they send with it (meta_post, fs, meta_session), mount_at passes it
# to the mount, and servers a test starts itself get it in their config.

LAUNCHER="$top_builddir/cli/minidfs-cluster"
LAUNCH_DIR=
declare -A LAUNCHED
CLUSTER_TEST_SETS=(
	--set "meta.election.lease_ttl=${META_LEASE_TTL:-3}"
	--set meta.etcd.timeout=2000
	--set meta.log.level=debug
	--set data.server.log_level=debug
	--set data.server.shutdown_timeout=20
	--set data.etcd.dial_timeout=2
	--set "data.etcd.lease_ttl=${DS_LEASE_TTL:-5}"
	--set data.metaServer.heartbeat_interval=1
	--set data.metaServer.connection_timeout=2
)

launcher() {
	ETCD_BIN=$(command -v "$ETCD_BIN") MINIDFS_CLUSTER_STOP_TIMEOUT=30 \
	    "$LAUNCHER" "$@" --dir "$LAUNCH_DIR" \
	    >>"$CLUSTER_DIR/launcher.log" 2>&1 && return 0
	tap_diag "minidfs-cluster $1 failed:"
	tail -n 30 "$CLUSTER_DIR/launcher.log" | sed 's/^/# /'
	return 1
}

# Reads the PIDs the launcher recorded into MS_PID/DS_PID/ETCD_PID.
cluster_adopt() {
	local id name pid
	for id in "${!LAUNCHED[@]}"; do
		name=${LAUNCHED[$id]}
		pid=$(cat "$LAUNCH_DIR/run/$name.pid" 2>/dev/null) || continue
		case $name in
		etcd) ETCD_PID=$pid ;;
		meta*) MS_PID[$id]=$pid ;;
		data*) DS_PID[$id]=$pid ;;
		esac
		cluster_record "$pid"
	done
}

cluster_up() {
	local metas=$1 datas=$2 i mp='' dp='' reps
	local -a ids=()
	shift 2
	[ -x "$LAUNCHER" ] || tap_bail "$LAUNCHER not built"
	reps=$(( datas < 3 ? datas : 3 ))
	LAUNCH_DIR=$CLUSTER_DIR/cluster
	mkdir -p "$LAUNCH_DIR"
	ETCD_EP="$CLUSTER_HOST:$(free_port)"
	ETCD_PEER_PORT=$(free_port)
	LAUNCHED[etcd]=etcd
	for i in $(seq 1 "$metas"); do
		MS_PORT[m$i]=$(free_port)
		MS_FIXED[m$i]=1
		LAUNCHED[m$i]=meta$i
		mp="$mp${mp:+ }${MS_PORT[m$i]}"
	done
	for i in $(seq 1 "$datas"); do
		DS_PORT[ds$i]=$(free_port)
		LAUNCHED[ds$i]=data$i
		dp="$dp${dp:+ }${DS_PORT[ds$i]}"
	done
	cat >"$LAUNCH_DIR/cluster.state" <<-EOF
	version=1
	metaservers=$metas
	dataservers=$datas
	replicas=$reps
	etcd_client_port=${ETCD_EP##*:}
	etcd_peer_port=$ETCD_PEER_PORT
	meta_ports=$mp
	data_ports=$dp
	mount=
	listen=$CLUSTER_HOST
	EOF
	CLUSTER_SECRET=$LAUNCH_DIR/secret
	# the servers call themselves by the test's IDs
	for i in $(seq 1 "$metas"); do
		ids+=(--set "meta$i.server.id=m$i")
	done
	for i in $(seq 1 "$datas"); do
		ids+=(--set "data$i.server.dataServer_id=ds$i")
	done
	launcher up -q "${CLUSTER_TEST_SETS[@]}" "${ids[@]}" "$@" || return 1
	cluster_adopt
}

# An `up` again for ID (a restart of what is down), extra args: --set.
launched_start() {
	launcher up -q "$@" || return 1
	cluster_adopt
}

node_log() {
	if [ -n "${LAUNCHED[$1]:-}" ]; then
		echo "$LAUNCH_DIR/logs/${LAUNCHED[$1]}.log"
	else
		echo "$CLUSTER_DIR/$1/log"
	fi
}

# launched_status ID: waits up to 5 s for the launcher's record of how ID
# ended and prints it (an exit status; 128+N for signal N).
launched_status() {
	local f=$LAUNCH_DIR/run/${LAUNCHED[$1]}.exit
	wait_for 5 test -s "$f" || { echo unknown; return 1; }
	cat "$f"
}

# pid_wait_exit PID ID [seconds]: NODE_STATUS as node_wait_exit sets it,
# for a child of this shell or a process the launcher started.
pid_wait_exit() {
	local pid=$1 id=$2 secs=${3:-30}
	if wait_for "$secs" eval "! kill -0 $pid 2>/dev/null"; then
		if [ -n "${LAUNCHED[$id]:-}" ]; then
			NODE_STATUS=$(launched_status "$id")
		else
			wait "$pid" 2>/dev/null
			NODE_STATUS=$?
		fi
	else
		NODE_STATUS=timeout
	fi
}

# launched_restart ID [--SECTION.KEY=VALUE ...]: an up again, the options
# as --set for ID's config.
launched_restart() {
	local id=$1 a
	local -a sets=()
	shift
	for a in "$@"; do
		case $a in
		--*.*=*) sets+=(--set "${LAUNCHED[$id]}.${a#--}") ;;
		*) tap_diag "$id: '$a' is not --SECTION.KEY=VALUE"; return 1 ;;
		esac
	done
	launched_start "${sets[@]}"
}
