# cluster.sh: real processes on loopback for the integration tests (sourced
# after tap.sh).  Everything a test starts is recorded and killed by the EXIT
# trap; everything it writes lives in one private mktemp directory.
#
#   cluster_init                 work dir $CLUSTER_DIR, EXIT trap
#   cluster_up METAS DATAS ...   a whole cluster from minidfs-cluster up
#                                (tests/lib/launched.sh)
#   free_port                    prints a free TCP port on $CLUSTER_HOST
#   etcd_start / etcd_kill / etcd_restart      $ETCD_EP = $CLUSTER_HOST:port
#   etcd_get KEY / etcd_put KEY VALUE / etcd_del KEY   (under $ETCD_PREFIX)
#   dataserver_start ID [--key=value ...]     config in $CLUSTER_DIR/ID/,
#                                data in $CLUSTER_DIR/ID/data; waits for
#                                /v1/stats; a second start of the same ID
#                                reuses its port and data (a restart)
#   kill_node ID [signal]        signal (default KILL) the node by its PID
#   node_wait_exit ID [seconds]  waits for the node to exit; its status (or
#                                "timeout") in $NODE_STATUS
#   node_alive ID                succeeds while the node runs
#   ds_addr ID, ds_url ID PATH, ds_data ID
#   http METHOD URL [curl args]  prints the status; body in $CLUSTER_DIR/body
#   mkblock FILE SIZE            random content; blockid FILE prints its id
#   wait_for SECONDS CMD...      polls CMD every 0.1 s until it succeeds
#   mktoken SECRET_FILE OPS SUBJECT [EXPIRY]   prints a signed token
#   fake_meta_start NAME [SECRET_FILE]   the metaserver test double
#                                (tests/lib/fake_meta) in $CLUSTER_DIR/NAME,
#                                address in FM_ADDR[NAME]; a second start
#                                reuses the port; fake_meta_stop NAME
#
# Every server listens on $CLUSTER_HOST (127.0.0.1 unless the test sets it
# before starting anything: an address of a network namespace it made
# itself).  A dataserver may live elsewhere: DS_HOST[ID] is its listen host
# and DS_EXEC[ID] a command prefix it is started with (e.g. "nsenter
# --net=/var/run/netns/NS"); both are set before dataserver_start ID.
#
# Needs: bash 4, curl, jq, openssl, sha256sum, etcd (ETCD_BIN).

: "${top_builddir:=$(pwd)}"
: "${ETCD_BIN:=etcd}"
: "${ETCD_PREFIX:=/minidfs}"
: "${CLUSTER_HOST:=127.0.0.1}"
DATASERVER_BIN="$top_builddir/server/data/minidfs-dataserver"

declare -A DS_PID DS_PORT DS_HOST DS_EXEC FM_PID FM_ADDR
CLUSTER_PIDS=""

cluster_cleanup() {
	local pid rc=$?
	for pid in $CLUSTER_PIDS; do
		kill -KILL "$pid" 2>/dev/null
	done
	for pid in $CLUSTER_PIDS; do
		wait "$pid" 2>/dev/null
	done
	if { [ "${TAP_FAILED:-0}" -gt 0 ] || [ $rc -ne 0 ]; } &&
	    [ -d "$CLUSTER_DIR" ]; then
		for f in "$CLUSTER_DIR"/*/log "$CLUSTER_DIR"/etcd.log \
		    "$CLUSTER_DIR"/cluster/logs/*.log \
		    "$CLUSTER_DIR"/launcher.log; do
			[ -f "$f" ] || continue
			tap_diag "---- last lines of $f"
			tail -n 25 "$f" | sed 's/^/# /'
		done
	fi
	port_release_all
	if [ -n "${CLUSTER_KEEP:-}" ]; then
		echo "# kept $CLUSTER_DIR"
	else
		rm -rf "$CLUSTER_DIR"
	fi
	return $rc
}

cluster_init() {
	CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/minidfs-test.XXXXXX") ||
	    tap_bail "mktemp failed"
	trap cluster_cleanup EXIT
	trap 'exit 130' INT TERM
	for tool in curl jq openssl sha256sum; do
		command -v $tool >/dev/null || tap_bail "$tool not installed"
	done
	[ -x "$DATASERVER_BIN" ] || tap_bail "$DATASERVER_BIN not built"
}

cluster_record() {
	CLUSTER_PIDS="$CLUSTER_PIDS $1"
}

# Ports are reserved across every test running on the machine at once (make
# -j): a reservation is a directory $PORT_RESERVE_DIR/<port> made with mkdir,
# which is atomic, holding the owner's $CLUSTER_DIR; cluster_cleanup drops
# ours, and one whose owner directory is gone is stale and reused.  Ports come
# from below the kernel's ephemeral range so outgoing connections never sit
# on them.
PORT_RESERVE_DIR=${TMPDIR:-/tmp}/minidfs-test-ports

port_reserve() {
	local p=$1 d owner
	mkdir -p "$PORT_RESERVE_DIR" 2>/dev/null
	d=$PORT_RESERVE_DIR/$p
	if ! mkdir "$d" 2>/dev/null; then
		owner=$(cat "$d/owner" 2>/dev/null) || return 1
		[ -n "$owner" ] && [ ! -d "$owner" ] || return 1
		rm -rf "$d" && mkdir "$d" 2>/dev/null || return 1
	fi
	echo "${CLUSTER_DIR:-/nonexistent}" >"$d/owner"
}

port_release_all() {
	local d
	for d in "$PORT_RESERVE_DIR"/*; do
		[ "$(cat "$d/owner" 2>/dev/null)" = "${CLUSTER_DIR:-}" ] &&
		    rm -rf "$d"
	done
	return 0
}

free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$(( (RANDOM * 32768 + RANDOM) % 22000 + 10000 ))
		if (exec 3<>"/dev/tcp/$CLUSTER_HOST/$p") 2>/dev/null; then
			continue
		fi
		port_reserve "$p" || continue
		echo "$p"
		return 0
	done
	return 1
}

wait_for() {
	local secs=$1 i n
	shift
	n=$(( secs * 10 ))
	for i in $(seq 1 "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

etcd_healthy() {
	curl -s -m 1 "http://$ETCD_EP/health" 2>/dev/null | grep -q true
}

# Starts etcd on $ETCD_EP; returns 1 when it died or did not answer.
etcd_launch() {
	local i
	"$ETCD_BIN" --name cluster --data-dir "$CLUSTER_DIR/etcd" \
	    --listen-client-urls "http://$ETCD_EP" \
	    --advertise-client-urls "http://$ETCD_EP" \
	    --listen-peer-urls "http://$CLUSTER_HOST:$ETCD_PEER_PORT" \
	    --initial-advertise-peer-urls "http://$CLUSTER_HOST:$ETCD_PEER_PORT" \
	    --initial-cluster "cluster=http://$CLUSTER_HOST:$ETCD_PEER_PORT" \
	    --initial-cluster-state new \
	    >>"$CLUSTER_DIR/etcd.log" 2>&1 &
	ETCD_PID=$!
	cluster_record $ETCD_PID
	for i in $(seq 1 300); do
		etcd_healthy && return 0
		kill -0 $ETCD_PID 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Starts a private etcd on free ports (trying new ports if they were taken).
etcd_start() {
	local try
	for try in 1 2 3; do
		ETCD_EP="$CLUSTER_HOST:$(free_port)"
		ETCD_PEER_PORT=$(free_port)
		rm -rf "$CLUSTER_DIR/etcd"
		etcd_launch && return 0
		etcd_kill
		tap_diag "etcd did not start on $ETCD_EP (try $try)"
	done
	tap_bail "etcd did not start"
}

etcd_kill() {
	kill -KILL "$ETCD_PID" 2>/dev/null
	wait "$ETCD_PID" 2>/dev/null
	wait_for 10 eval "! kill -0 $ETCD_PID 2>/dev/null"
	return 0
}

etcd_restart() {
	if [ -n "$LAUNCH_DIR" ]; then
		launched_start || tap_bail "etcd did not restart"
	else
		etcd_launch || tap_bail "etcd did not restart"
	fi
}

b64() {
	printf '%s' "$1" | base64 -w0
}

etcd_get() {
	local out
	out=$(curl -s -m 5 -X POST "http://$ETCD_EP/v3/kv/range" \
	    -d "{\"key\":\"$(b64 "$ETCD_PREFIX/$1")\"}") || return 2
	printf '%s' "$out" | jq -e '.kvs[0].value' >/dev/null 2>&1 || return 1
	printf '%s' "$out" | jq -r '.kvs[0].value' | base64 -d
}

etcd_put() {
	curl -s -m 5 -X POST "http://$ETCD_EP/v3/kv/put" \
	    -d "{\"key\":\"$(b64 "$ETCD_PREFIX/$1")\",\"value\":\"$(b64 "$2")\"}" \
	    >/dev/null
}

etcd_del() {
	curl -s -m 5 -X POST "http://$ETCD_EP/v3/kv/deleterange" \
	    -d "{\"key\":\"$(b64 "$ETCD_PREFIX/$1")\"}" >/dev/null
}

ds_addr() {
	echo "${DS_HOST[$1]:-$CLUSTER_HOST}:${DS_PORT[$1]}"
}

ds_url() {
	echo "http://${DS_HOST[$1]:-$CLUSTER_HOST}:${DS_PORT[$1]}$2"
}

ds_data() {
	if [ -n "${LAUNCHED[$1]:-}" ]; then
		echo "$LAUNCH_DIR/data/${LAUNCHED[$1]}"
	else
		echo "$CLUSTER_DIR/$1/data"
	fi
}

node_alive() {
	[ -n "${DS_PID[$1]:-}" ] && kill -0 "${DS_PID[$1]}" 2>/dev/null
}

ds_answers() {
	curl -s -m 1 -o /dev/null "$(ds_url "$1" /v1/stats)"
}

# dataserver_start ID [--section.key=value ...]
# Defaults: etcd at $ETCD_EP (or a dead port), metaserver at $META_ADDR (or a
# dead port), heartbeats every second, lease TTL $DS_LEASE_TTL (5 s).
dataserver_start() {
	local id=$1 dir port i
	shift
	if [ -n "${LAUNCHED[$id]:-}" ]; then
		launched_restart "$id" "$@"
		return
	fi
	dir="$CLUSTER_DIR/$id"
	mkdir -p "$dir"
	port=${DS_PORT[$id]:-$(free_port)}
	DS_PORT[$id]=$port
	: "${DEAD_ADDR:=$CLUSTER_HOST:$(free_port)}"
	cat >"$dir/config.yaml" <<-EOF
	server:
	  listen_address: "${DS_HOST[$id]:-$CLUSTER_HOST}:$port"
	  dataServer_id: "$id"
	  log_level: debug
	  shutdown_timeout: 20
	storage:
	  data_root_path: "$dir/data"
	  max_storage_size: 0
	etcd:
	  endpoints: ["${ETCD_EP:-$DEAD_ADDR}"]
	  dial_timeout: 2
	  lease_ttl: ${DS_LEASE_TTL:-5}
	  prefix: "$ETCD_PREFIX"
	metaServer:
	  address: "${META_ADDR:-$DEAD_ADDR}"
	  heartbeat_interval: 1
	  connection_timeout: 2
	EOF
	[ -z "${CLUSTER_SECRET:-}" ] || printf 'security:\n  secret_file: "%s"\n' \
	    "$CLUSTER_SECRET" >>"$dir/config.yaml"
	${DS_EXEC[$id]:-} "$DATASERVER_BIN" -c "$dir/config.yaml" "$@" \
	    >>"$dir/log" 2>&1 &
	DS_PID[$id]=$!
	cluster_record "${DS_PID[$id]}"
	for i in $(seq 1 100); do
		if ! kill -0 "${DS_PID[$id]}" 2>/dev/null; then
			tap_diag "dataserver $id exited at start:"
			tail -n 20 "$dir/log" | sed 's/^/# /'
			return 1
		fi
		ds_answers "$id" && return 0
		sleep 0.1
	done
	tap_diag "dataserver $id did not answer within 10 s"
	return 1
}

# pid_kill PID ID SIGNAL: a KILL returns once the process is gone.
pid_kill() {
	kill -s "$3" "$1" 2>/dev/null || return 1
	if [ "$3" = KILL ]; then
		if [ -n "${LAUNCHED[$2]:-}" ]; then
			wait_for 10 eval "! kill -0 $1 2>/dev/null"
		else
			wait "$1" 2>/dev/null
		fi
	fi
	return 0
}

kill_node() {
	pid_kill "${DS_PID[$1]}" "$1" "${2:-KILL}"
}

# Sets NODE_STATUS to the node's exit status (or "timeout").  Not in a
# subshell: only this shell can wait for its children.
node_wait_exit() {
	pid_wait_exit "${DS_PID[$1]}" "$1" "${2:-30}"
}

# http METHOD URL [curl args]: prints the status code, body in $CLUSTER_DIR/body
http() {
	local m=$1 u=$2
	shift 2
	curl -s -m 60 -o "$CLUSTER_DIR/body" -w '%{http_code}' -X "$m" "$@" \
	    "$u"
}

body() {
	cat "$CLUSTER_DIR/body"
}

mkblock() {
	head -c "$2" /dev/urandom >"$1"
}

blockid() {
	sha256sum "$1" | cut -d' ' -f1
}

# mktoken SECRET_FILE OPS SUBJECT [EXPIRY]: the text of common/token.h.
mktoken() {
	local secret exp=${4:-$(( $(date +%s) + 600 ))} mac
	secret=$(cat "$1")
	mac=$(printf 'minidfs-token-v1\n%s\n%s\n%s' "$exp" "$2" "$3" |
	    openssl dgst -sha256 -hmac "$secret" | sed 's/.*= //')
	echo "$exp.$2.$3.$mac"
}

# Path of block ID in node NODE's store.
block_path() {
	local id=$2
	echo "$(ds_data "$1")/blocks/${id:0:2}/${id:2:2}/$id"
}

fake_meta_answers() {
	curl -s -m 1 -o /dev/null -X POST "http://${FM_ADDR[$1]}/v1/cluster/heartbeat"
}

fake_meta_start() {
	local name=$1 dir="$CLUSTER_DIR/$1"
	mkdir -p "$dir"
	FM_ADDR[$name]=${FM_ADDR[$name]:-$CLUSTER_HOST:$(free_port)}
	"$top_builddir/tests/lib/fake_meta" -l "${FM_ADDR[$name]}" -d "$dir" \
	    ${2:+-s "$2"} >>"$dir/log" 2>&1 &
	FM_PID[$name]=$!
	cluster_record "${FM_PID[$name]}"
	wait_for 10 fake_meta_answers "$name" ||
	    tap_bail "fake metaserver $name did not start"
}

fake_meta_stop() {
	kill -TERM "${FM_PID[$1]}" 2>/dev/null
	wait "${FM_PID[$1]}" 2>/dev/null
	return 0
}

# ---- metaservers -----------------------------------------------------------
#   metaserver_start ID [--key=value ...]   config in $CLUSTER_DIR/ID/,
#                                lease TTL $META_LEASE_TTL (3 s), etcd at
#                                $ETCD_EP; waits for GET /v1/fs/info; a second
#                                start of the same ID reuses its port
#   meta_addr ID, meta_url ID PATH, meta_alive ID
#   kill_meta ID [signal]        signal (default KILL) the metaserver by PID
#   meta_wait_exit ID [seconds]  its exit status (or "timeout") in $NODE_STATUS
#   meta_is_leader ID            succeeds while ID says it leads
#   meta_wait_leader SECONDS ID...   prints the first ID that leads
#   meta_post ID PATH JSON       POST JSON to metaserver ID; prints the
#                                status, body in $CLUSTER_DIR/body
#   fs ID OP JSON                meta_post ID /v1/fs/OP JSON
#   meta_session ID              opens a client session on ID, prints its id

METASERVER_BIN="$top_builddir/server/meta/minidfs-metaserver"
declare -A MS_PID MS_PORT MS_FIXED

meta_addr() {
	echo "$CLUSTER_HOST:${MS_PORT[$1]}"
}

meta_url() {
	echo "http://$CLUSTER_HOST:${MS_PORT[$1]}$2"
}

meta_alive() {
	[ -n "${MS_PID[$1]:-}" ] && kill -0 "${MS_PID[$1]}" 2>/dev/null
}

meta_answers() {
	curl -s -m 1 -o /dev/null "$(meta_url "$1" /v1/fs/info)"
}

metaserver_start() {
	local id=$1 dir port i
	shift
	if [ -n "${LAUNCHED[$id]:-}" ]; then
		launched_restart "$id" "$@"
		return
	fi
	[ -x "$METASERVER_BIN" ] || { tap_diag "$METASERVER_BIN not built"; \
	    return 1; }
	dir="$CLUSTER_DIR/$id"
	mkdir -p "$dir"
	port=${MS_PORT[$id]:-$(free_port)}
	MS_PORT[$id]=$port
	: "${DEAD_ADDR:=$CLUSTER_HOST:$(free_port)}"
	cat >"$dir/config.yaml" <<-EOF
	server:
	  listen_address: "$CLUSTER_HOST:$port"
	  id: "$id"
	etcd:
	  endpoints: ["${ETCD_EP:-$DEAD_ADDR}"]
	  prefix: "$ETCD_PREFIX"
	  timeout: 2000
	election:
	  lease_ttl: ${META_LEASE_TTL:-3}
	log:
	  level: debug
	EOF
	[ -z "${CLUSTER_SECRET:-}" ] || printf 'security:\n  secret_file: "%s"\n' \
	    "$CLUSTER_SECRET" >>"$dir/config.yaml"
	"$METASERVER_BIN" -c "$dir/config.yaml" "$@" >>"$dir/log" 2>&1 &
	MS_PID[$id]=$!
	cluster_record "${MS_PID[$id]}"
	for i in $(seq 1 100); do
		if ! kill -0 "${MS_PID[$id]}" 2>/dev/null; then
			# a free port taken meanwhile by another test: once more
			# on another one (first starts only)
			if [ -z "${MS_RETRY:-}" ] && [ -z "${MS_FIXED[$id]:-}" ] &&
			    tail -n 3 "$dir/log" | grep -q 'Address already in use'; then
				unset "MS_PORT[$id]"
				MS_RETRY=1 metaserver_start "$id" "$@"
				return
			fi
			tap_diag "metaserver $id exited at start:"
			tail -n 20 "$dir/log" | sed 's/^/# /'
			return 1
		fi
		meta_answers "$id" && { MS_FIXED[$id]=1; return 0; }
		sleep 0.1
	done
	tap_diag "metaserver $id did not answer within 10 s"
	return 1
}

kill_meta() {
	pid_kill "${MS_PID[$1]}" "$1" "${2:-KILL}"
}

meta_wait_exit() {
	pid_wait_exit "${MS_PID[$1]}" "$1" "${2:-30}"
}

meta_is_leader() {
	curl -s -m 1 "$(meta_url "$1" /v1/fs/info)" 2>/dev/null |
	    jq -e '.is_leader == true' >/dev/null 2>&1
}

meta_wait_leader() {
	local secs=$1 i id
	shift
	for i in $(seq 1 $(( secs * 10 ))); do
		for id in "$@"; do
			if meta_is_leader "$id"; then
				echo "$id"
				return 0
			fi
		done
		sleep 0.1
	done
	return 1
}

# cluster_auth: curl arguments signing a call with the cluster secret.
cluster_auth() {
	[ -n "${CLUSTER_SECRET:-}" ] || return 0
	printf '%s\n' -H "X-Minidfs-Auth: $(mktoken "$CLUSTER_SECRET" a '*')"
}

# meta_post ID PATH JSON: prints the status, body in $CLUSTER_DIR/body
meta_post() {
	local -a auth
	mapfile -t auth < <(cluster_auth)
	curl -s -m 30 -o "$CLUSTER_DIR/body" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' "${auth[@]}" -d "$3" \
	    "$(meta_url "$1" "$2")"
}

fs() {
	meta_post "$1" "/v1/fs/$2" "$3"
}

meta_session() {
	local -a auth
	mapfile -t auth < <(cluster_auth)
	curl -s -m 10 -X POST -H 'Content-Type: application/json' \
	    "${auth[@]}" -d '{"client":"test"}' \
	    "$(meta_url "$1" /v1/session/open)" | jq -er .session
}

# ---- mounts (fuse/minidfs) -------------------------------------------------
#   mount_at NAME DIR SOURCE [minidfs args...]   runs the mount daemon in the
#                                foreground (-f) with its log in
#                                $CLUSTER_DIR/NAME/log, PID in MNT_PID[NAME]
#   wait_mount NAME [seconds]    waits until DIR is mounted; fails at once
#                                when the daemon died (its log is shown)
#   unmount NAME                 fusermount3 -u, then waits for the daemon
#                                to exit; its status in $NODE_STATUS
# The EXIT trap unmounts (lazily) every mount left before anything is killed
# or removed, so no test leaves a dead mount behind.

MINIDFS_BIN="$top_builddir/fuse/minidfs"
declare -A MNT_PID MNT_DIR

mount_cleanup() {
	local n
	for n in "${!MNT_DIR[@]}"; do
		if mountpoint -q "${MNT_DIR[$n]}" 2>/dev/null; then
			fusermount3 -u -z "${MNT_DIR[$n]}" 2>/dev/null ||
			    umount -l "${MNT_DIR[$n]}" 2>/dev/null
		fi
	done
	return 0
}

mount_at() {
	local name=$1 dir=$2 src=$3
	shift 3
	[ -x "$MINIDFS_BIN" ] || { tap_diag "$MINIDFS_BIN not built"; return 1; }
	mkdir -p "$dir" "$CLUSTER_DIR/$name"
	MNT_DIR[$name]=$dir
	trap 'rc=$?; mount_cleanup; (exit $rc); cluster_cleanup' EXIT
	"$MINIDFS_BIN" "$src" "$dir" -f "$@" \
	    ${CLUSTER_SECRET:+-o "secret_file=$CLUSTER_SECRET"} \
	    >>"$CLUSTER_DIR/$name/log" 2>&1 &
	MNT_PID[$name]=$!
	cluster_record "${MNT_PID[$name]}"
}

wait_mount() {
	local name=$1 secs=${2:-20} i
	for i in $(seq 1 $(( secs * 10 ))); do
		if ! kill -0 "${MNT_PID[$name]}" 2>/dev/null; then
			tap_diag "mount $name: daemon exited:"
			tail -n 20 "$CLUSTER_DIR/$name/log" | sed 's/^/# /'
			return 1
		fi
		mountpoint -q "${MNT_DIR[$name]}" && return 0
		sleep 0.1
	done
	tap_diag "mount $name: not mounted within $secs s"
	return 1
}

unmount() {
	local name=$1 pid=${MNT_PID[$1]}
	fusermount3 -u "${MNT_DIR[$name]}" || return 1
	if wait_for 30 eval "! kill -0 $pid 2>/dev/null"; then
		wait "$pid" 2>/dev/null
		NODE_STATUS=$?
	else
		NODE_STATUS=timeout
	fi
	return 0
}


# the cluster of the launcher (cluster_up): tests/lib/launched.sh
. "$(dirname "${BASH_SOURCE[0]}")/launched.sh"
