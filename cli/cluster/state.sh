# state.sh: the state directory, ports, and the calls to etcd and the servers
# (a part of minidfs-cluster, joined in the order of CLUSTER_PARTS in
# Makefile.am.)

# ---- the state directory -------------------------------------------------------

set_dir() {
	DIR=$1
	STATE=$DIR/cluster.state
	SECRET=$DIR/secret
}

# Takes DIR's lock for the rest of this process (up and down never run at
# the same time on one DIR).  fd 9 is closed for every process started.
lock_dir() {
	exec 9>>"$DIR/.lock" || die "cannot create $DIR/.lock"
	flock -n 9 && return 0
	say "waiting for the other $PROG working on $DIR"
	flock -w "$LOCK_TIMEOUT" 9 ||
	    die "another $PROG has been working on $DIR for $LOCK_TIMEOUT s"
}

# Loads cluster.state (KEY=VALUE lines, nothing executed) and checks it.
load_state() {
	local k v line=0
	S_VERSION='' S_METAS='' S_DATAS='' S_REPLICAS='' S_ETCD_PORT='' S_PEER_PORT=''
	S_META_PORTS='' S_DATA_PORTS='' S_MOUNT='' S_HOST=$DEFAULT_HOST
	while IFS= read -r v || [ -n "$v" ]; do
		line=$((line + 1))
		case $v in '' | '#'*) continue ;; esac
		k=${v%%=*}
		[ "$k" != "$v" ] || die "$STATE:$line: not KEY=VALUE"
		v=${v#*=}
		case $k in
		version) S_VERSION=$v ;;
		metaservers) S_METAS=$v ;;
		dataservers) S_DATAS=$v ;;
		replicas) S_REPLICAS=$v ;;
		etcd_client_port) S_ETCD_PORT=$v ;;
		etcd_peer_port) S_PEER_PORT=$v ;;
		meta_ports) S_META_PORTS=$v ;;
		data_ports) S_DATA_PORTS=$v ;;
		mount) S_MOUNT=$v ;;
		listen) S_HOST=$v ;;
		*) die "$STATE:$line: unknown key '$k'" ;;
		esac
	done <"$STATE" || die "cannot read $STATE"
	[ "$S_VERSION" = "$STATE_VERSION" ] ||
	    die "$STATE: version '$S_VERSION' is not $STATE_VERSION"
	state_number metaservers "$S_METAS" 1 $MAX_METASERVERS
	state_number dataservers "$S_DATAS" 1 $MAX_DATASERVERS
	state_number replicas "$S_REPLICAS" 1 "$S_DATAS"
	state_number etcd_client_port "$S_ETCD_PORT" 1 65535
	state_number etcd_peer_port "$S_PEER_PORT" 1 65535
	read -r -a META_PORTS <<<"$S_META_PORTS"
	read -r -a DATA_PORTS <<<"$S_DATA_PORTS"
	[ "${#META_PORTS[@]}" -eq "$S_METAS" ] ||
	    die "$STATE: meta_ports does not list $S_METAS ports"
	[ "${#DATA_PORTS[@]}" -eq "$S_DATAS" ] ||
	    die "$STATE: data_ports does not list $S_DATAS ports"
	for v in "${META_PORTS[@]}" "${DATA_PORTS[@]}"; do
		state_number port "$v" 1 65535
	done
	case $S_MOUNT in '' | /*) ;; *) die "$STATE: mount must be absolute" ;;
	esac
	is_ipv4 "$S_HOST" || die "$STATE: listen '$S_HOST' is not an IPv4 address"
	node_names
}

state_number() {
	case $2 in
	'' | *[!0-9]*) die "$STATE: $1 '$2' is not a number" ;;
	esac
	[ "${#2}" -le 5 ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
	    die "$STATE: $1 $2 is out of range ($3-$4)"
}

save_state() {
	local tmp=$STATE.tmp
	cat >"$tmp" <<-EOF || die "cannot write $tmp"
	# minidfs-cluster state, read by every later up/status/down.
	version=$STATE_VERSION
	metaservers=$S_METAS
	dataservers=$S_DATAS
	replicas=$S_REPLICAS
	etcd_client_port=$S_ETCD_PORT
	etcd_peer_port=$S_PEER_PORT
	meta_ports=${META_PORTS[*]}
	data_ports=${DATA_PORTS[*]}
	mount=$S_MOUNT
	listen=$S_HOST
	EOF
	mv -f "$tmp" "$STATE" || die "cannot write $STATE"
}

# NAMES: every process in start order (the mount last, if there is one).
node_names() {
	local i
	NAMES=(etcd)
	for i in $(seq 1 "$S_METAS"); do NAMES+=("meta$i"); done
	for i in $(seq 1 "$S_DATAS"); do NAMES+=("data$i"); done
	[ -z "$S_MOUNT" ] || NAMES+=(mount)
}

meta_addr() { printf '%s:%s' "$S_HOST" "${META_PORTS[$(($1 - 1))]}"; }
data_addr() { printf '%s:%s' "$S_HOST" "${DATA_PORTS[$(($1 - 1))]}"; }
etcd_addr() { printf '%s:%s' "$S_HOST" "$S_ETCD_PORT"; }

# The metaservers as the mount's SOURCE: host:port,host:port
meta_source() {
	local i s=
	for i in $(seq 1 "$S_METAS"); do
		s=$s${s:+,}$(meta_addr "$i")
	done
	printf '%s' "$s"
}

node_addr() {
	case $1 in
	etcd) etcd_addr ;;
	meta*) meta_addr "${1#meta}" ;;
	data*) data_addr "${1#data}" ;;
	mount) printf '%s' "$S_MOUNT" ;;
	esac
}

node_conf() { printf '%s' "$DIR/conf/$1.yaml"; }

# data_id dataN: the node id in dataN's config (server.dataServer_id,
# which may have been edited or --set), dataN when it has none.
data_id() {
	local id
	id=$(awk '/^[A-Za-z_]/ { s = $1 } s == "server:" &&
	    $1 == "dataServer_id:" { v = $2; gsub(/"/, "", v); print v; exit }' \
	    "$(node_conf "$1")" 2>/dev/null)
	printf '%s' "${id:-$1}"
}
node_log() { printf '%s' "$DIR/logs/$1.log"; }
node_pidfile() { printf '%s' "$DIR/run/$1.pid"; }
node_exitfile() { printf '%s' "$DIR/run/$1.exit"; }

# How a node that is not running ended, from run/NAME.exit: "exited N",
# "killed by SIGNAME" or nothing when unknown.
node_ended() {
	local st
	st=$(cat "$(node_exitfile "$1")" 2>/dev/null) || return 0
	case $st in '' | *[!0-9]*) return 0 ;; esac
	if [ "$st" -gt 128 ] && [ "$st" -lt 160 ]; then
		printf 'killed by SIG%s' "$(kill -l $((st - 128)) 2>/dev/null)"
	else
		printf 'exited %s' "$st"
	fi
}

node_pid() {
	local p
	p=$(cat "$(node_pidfile "$1")" 2>/dev/null) || return 1
	case $p in '' | *[!0-9]*) return 1 ;; esac
	printf '%s' "$p"
}

# A recorded PID counts as the node only while that process runs (not a
# zombie) with the node's config file on its command line: a PID reused by
# another program is not ours.
node_alive() {
	local pid state
	pid=$(node_pid "$1") || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' \
	    "/proc/$pid/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] || return 1
	tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" |
	    grep -qF -- "$(node_conf "$1")"
}

# ---- ports -------------------------------------------------------------------

port_in_use() {
	(exec 3<>"/dev/tcp/$S_HOST/$1") 2>/dev/null
}

# Sets PORT to a free port (not one handed out before in this run), below
# the kernel's ephemeral range so that no outgoing connection holds it.
USED_PORTS=" "
PORT=
free_port() {
	local p i low=32768 high base span
	read -r low high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	base=10000
	span=$((low - base))
	if [ "$span" -lt 2000 ]; then
		base=$((high < 64535 ? high + 1 : 20000))
		span=$((65535 - base))
		[ "$span" -ge 2000 ] || { base=20000; span=30000; }
	fi
	for i in $(seq 1 500); do
		p=$(((RANDOM * 32768 + RANDOM) % span + base))
		case $USED_PORTS in *" $p "*) continue ;; esac
		if ! port_in_use "$p"; then
			USED_PORTS="$USED_PORTS$p "
			PORT=$p
			return 0
		fi
	done
	die "found no free port on $S_HOST"
}

# ---- etcd and HTTP --------------------------------------------------------------

b64() { printf '%s' "$1" | base64 -w0; }

# etcd_get KEY: prints the value of PREFIX/KEY; fails when absent.
etcd_get() {
	local out
	out=$(curl -s -m 2 -X POST "http://$(etcd_addr)/v3/kv/range" \
	    -d "{\"key\":\"$(b64 "$ETCD_PREFIX/$1")\"}" 2>/dev/null) ||
	    return 1
	out=$(printf '%s' "$out" | jq -er '.kvs[0].value' 2>/dev/null) ||
	    return 1
	printf '%s' "$out" | base64 -d 2>/dev/null
}

etcd_healthy() {
	curl -s -m 2 "http://$(etcd_addr)/health" 2>/dev/null |
	    jq -e '.health == "true"' >/dev/null 2>&1
}

answers() {
	curl -s -m 2 -o /dev/null "http://$1$2" 2>/dev/null
}

# A cluster token (common/token.h) for the leader's admin routes.
cluster_token() {
	local exp mac
	exp=$(($(date +%s) + 300))
	mac=$(printf 'minidfs-token-v1\n%s\na\n*' "$exp" |
	    openssl dgst -sha256 -hmac "$(cat "$SECRET")" 2>/dev/null |
	    sed 's/.*= //') || return 1
	printf '%s.a.*.%s' "$exp" "$mac"
}

# The leader's view of the dataservers: sets NODES_JSON and returns 0 when
# GET /v1/nodes answered 200, returns 2 when the leader has no such route.
NODES_JSON=
leader_nodes() {
	local code tok
	NODES_JSON=
	tok=$(cluster_token) || return 1
	NODES_JSON=$(curl -s -m 3 -H "X-Minidfs-Auth: $tok" \
	    -w '\n%{http_code}' "http://$1/v1/nodes" 2>/dev/null) || return 1
	code=${NODES_JSON##*$'\n'}
	NODES_JSON=${NODES_JSON%$'\n'*}
	case $code in
	200) return 0 ;;
	404 | 405) return 2 ;;
	*) return 1 ;;
	esac
}

# The leader's address when etcd names one of ours and it says it leads.
current_leader() {
	local l i
	l=$(etcd_get meta/leader) || return 1
	for i in $(seq 1 "$S_METAS"); do
		if [ "$l" = "$(meta_addr "$i")" ]; then
			curl -s -m 2 "http://$l/v1/fs/info" 2>/dev/null |
			    jq -e '.is_leader == true' >/dev/null 2>&1 ||
			    return 1
			printf '%s' "$l"
			return 0
		fi
	done
	return 1
}

is_our_mount() {
	[ -n "$S_MOUNT" ] &&
	    [ "$(findmnt -n -M "$S_MOUNT" -o FSTYPE 2>/dev/null | tail -n 1)" = \
	    fuse.minidfs ]
}

