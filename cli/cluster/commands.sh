# commands.sh: up, status, down and the command dispatch
# (a part of minidfs-cluster, joined in the order of CLUSTER_PARTS in
# Makefile.am.)

# ---- commands --------------------------------------------------------------------

cmd_up() {
	local dir=$DEFAULT_DIR mnt='' metas='' datas='' reps='' host='' n
	local all_alive fresh=0
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_up; exit 0 ;;
		--dir | --dir=*) take_value "$@"; shift $?; dir=$OPTVAL ;;
		--mount | --mount=*) take_value "$@"; shift $?; mnt=$OPTVAL ;;
		--metaservers | --metaservers=*)
			take_value "$@"; shift $?; metas=$OPTVAL
			check_count --metaservers "$metas" 1 $MAX_METASERVERS ;;
		--dataservers | --dataservers=*)
			take_value "$@"; shift $?; datas=$OPTVAL
			check_count --dataservers "$datas" 1 $MAX_DATASERVERS ;;
		--replicas | --replicas=*)
			take_value "$@"; shift $?; reps=$OPTVAL
			check_count --replicas "$reps" 1 $MAX_REPLICAS ;;
		--set | --set=*)
			take_value "$@"; shift $?; check_set "$OPTVAL"
			SETS+=("$OPTVAL") ;;
		--listen | --listen=*)
			take_value "$@"; shift $?; host=$OPTVAL
			is_ipv4 "$host" ||
			    usage_error "--listen: '$host' is not an IPv4 address" ;;
		-q | --quiet) QUIET=1; shift ;;
		*) usage_error "unknown argument '$1'" ;;
		esac
	done
	dir=$(abs_path --dir "$dir")
	[ -z "$mnt" ] || mnt=$(abs_path --mount "$mnt")
	need_tools setsid flock findmnt mountpoint fusermount3 curl jq openssl \
	    base64 timeout
	# before anything is created
	find_programs
	need_program etcd "$ETCD" ETCD_BIN
	need_program minidfs-metaserver "$METASERVER" MINIDFS_METASERVER
	need_program minidfs-dataserver "$DATASERVER" MINIDFS_DATASERVER
	[ -z "$mnt" ] || need_program minidfs "$MOUNTER" MINIDFS_MOUNT
	set_dir "$dir"
	if [ -n "$mnt" ]; then
		case $mnt/ in
		"$dir"/*) usage_error "--mount $mnt lies inside --dir $dir" ;;
		esac
	fi
	if [ ! -f "$STATE" ] && [ -n "$reps" ] && [ "$reps" -gt "${datas:-3}" ]
	then
		usage_error "--replicas $reps needs at least $reps dataservers"
	fi
	mkdir -p "$DIR" || die "cannot create $DIR"
	lock_dir

	if [ -f "$STATE" ]; then
		load_state
		[ -z "$metas" ] || [ "$metas" = "$S_METAS" ] || die "$DIR" \
		    "holds a cluster of $S_METAS metaservers, not $metas" \
		    "(down --purge to start afresh)"
		[ -z "$datas" ] || [ "$datas" = "$S_DATAS" ] || die "$DIR" \
		    "holds a cluster of $S_DATAS dataservers, not $datas" \
		    "(down --purge to start afresh)"
		[ -z "$reps" ] || [ "$reps" = "$S_REPLICAS" ] || die "$DIR" \
		    "holds a cluster with $S_REPLICAS replicas, not $reps" \
		    "(down --purge to start afresh)"
		[ -z "$host" ] || [ "$host" = "$S_HOST" ] || die "$DIR" \
		    "holds a cluster listening on $S_HOST, not $host" \
		    "(down --purge to start afresh)"
		if [ -n "$mnt" ] && [ "$mnt" != "$S_MOUNT" ]; then
			if [ -n "$S_MOUNT" ] && { node_alive mount ||
			    is_our_mount; }; then
				die "the cluster in $DIR is mounted on" \
				    "$S_MOUNT; unmount it first ($PROG" \
				    "down --dir $DIR)"
			fi
			S_MOUNT=$mnt
			save_state
			node_names
		fi
	else
		fresh=1
		S_METAS=${metas:-2}
		S_DATAS=${datas:-3}
		S_REPLICAS=${reps:-$((S_DATAS < 3 ? S_DATAS : 3))}
		S_MOUNT=$mnt
		S_HOST=${host:-$DEFAULT_HOST}
		free_port
		S_ETCD_PORT=$PORT
		free_port
		S_PEER_PORT=$PORT
		META_PORTS=() DATA_PORTS=()
		for n in $(seq 1 "$S_METAS"); do
			free_port
			META_PORTS+=("$PORT")
		done
		for n in $(seq 1 "$S_DATAS"); do
			free_port
			DATA_PORTS+=("$PORT")
		done
		S_VERSION=$STATE_VERSION
		save_state
		node_names
	fi
	mkdir -p "$DIR/conf" "$DIR/logs" "$DIR/run" "$DIR/data" ||
	    die "cannot create the directories in $DIR"
	write_secret
	write_configs
	apply_sets

	all_alive=1
	for n in "${NAMES[@]}"; do
		node_alive "$n" || all_alive=0
	done
	if [ "$all_alive" = 1 ] && { [ -z "$S_MOUNT" ] || is_our_mount; }; then
		sets_keep
		say "the cluster in $DIR is already up"
		[ "$QUIET" = 1 ] || show_status
		exit 0
	fi

	[ -z "$S_MOUNT" ] || need_program minidfs "$MOUNTER" MINIDFS_MOUNT
	trap 'fail_start "" "interrupted"' INT TERM

	[ "$fresh" = 1 ] && say "new cluster in $DIR"
	start_node etcd
	WAIT_LOG=etcd
	wait_until "etcd to answer on $(etcd_addr)" etcd_healthy
	for n in $(seq 1 "$S_METAS"); do start_node "meta$n"; done
	WAIT_LOG=meta1
	wait_until "the metaservers to answer" metas_answer
	wait_until "a leading metaserver" have_leader
	for n in $(seq 1 "$S_DATAS"); do start_node "data$n"; done
	WAIT_LOG=data1
	wait_until "the dataservers to register in etcd" datas_registered
	wait_until "the leader to see every dataserver live" datas_live
	if [ -n "$S_MOUNT" ]; then
		if ! node_alive mount || ! is_our_mount; then
			node_alive mount && QUIET=1 stop_nodes mount
			start_node mount
		fi
		WAIT_LOG=mount
		wait_until "the mount on $S_MOUNT to answer" mount_ready
	fi
	trap - INT TERM
	sets_keep

	say ""
	say "minidfs is up (state in $DIR)"
	if [ -n "$S_MOUNT" ]; then
		say "  mounted on:    $S_MOUNT"
	else
		say "  mount it with: $(mount_hint)"
	fi
	say "  status page:   http://$LEADER/"
	say "  metaservers:   $(meta_source)"
	say "  status:        $PROG status --dir $DIR"
	say "  stop it with:  $PROG down --dir $DIR"
	exit 0
}

mount_hint() {
	find_programs
	printf '%s %s MNT -o conf=%s' "$MOUNTER" "$(meta_source)" \
	    "$(node_conf mount)"
}

# Prints the table of processes; returns 1 when something is down.
show_status() {
	local n pid st addr extra bad=0 leader nodes_rc=1 view
	leader=$(etcd_healthy && current_leader) || leader=
	if [ -n "$leader" ]; then
		leader_nodes "$leader"
		nodes_rc=$?
	fi
	printf 'minidfs cluster in %s: %s metaservers, %s dataservers,' \
	    "$DIR" "$S_METAS" "$S_DATAS"
	printf ' %s replicas\n' "$S_REPLICAS"
	printf '  %-8s %-8s %-8s %-22s %s\n' NAME PID STATE ADDRESS ''
	for n in "${NAMES[@]}"; do
		pid=$(node_pid "$n") || pid=-
		if node_alive "$n"; then
			st=running
		else
			st=down
			bad=1
		fi
		addr=$(node_addr "$n")
		extra=
		case $n in
		meta*)
			[ "$addr" = "$leader" ] && extra=leader
			;;
		data*)
			if [ "$nodes_rc" = 0 ]; then
				view=$(printf '%s' "$NODES_JSON" | jq -r \
				    --arg id "$(data_id "$n")" '.nodes[]? |
				    select(.id == $id) | .state' 2>/dev/null)
				extra="leader sees: ${view:-unknown}"
			fi
			;;
		mount)
			if is_our_mount; then
				extra=mounted
			else
				extra="not mounted"
				bad=1
			fi
			;;
		esac
		if [ "$st" = down ] && [ -n "$(node_ended "$n")" ]; then
			extra="$(node_ended "$n")${extra:+; $extra}"
		fi
		printf '  %-8s %-8s %-8s %-22s %s\n' "$n" "$pid" "$st" "$addr" \
		    "$extra"
	done
	if [ -n "$leader" ]; then
		printf 'leader:       %s\n' "$leader"
		printf 'status page:  http://%s/\n' "$leader"
	else
		printf 'leader:       none\n'
		bad=1
	fi
	[ -n "$S_MOUNT" ] || printf 'not mounted;  mount it with: %s\n' \
	    "$(mount_hint)"
	return $bad
}

cmd_status() {
	local dir=$DEFAULT_DIR
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_status; exit 0 ;;
		--dir | --dir=*) take_value "$@"; shift $?; dir=$OPTVAL ;;
		-q | --quiet) QUIET=1; shift ;;
		*) usage_error "unknown argument '$1'" ;;
		esac
	done
	need_tools findmnt curl jq openssl base64
	set_dir "$(abs_path --dir "$dir")"
	if [ ! -f "$STATE" ]; then
		[ "$QUIET" = 1 ] || printf '%s: no cluster in %s\n' "$PROG" \
		    "$DIR" >&2
		exit 1
	fi
	load_state
	if [ "$QUIET" = 1 ]; then
		show_status >/dev/null
	else
		show_status
	fi
}

cmd_down() {
	local dir=$DEFAULT_DIR purge=0 n
	local -a datas=() metas=()
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_down; exit 0 ;;
		--dir | --dir=*) take_value "$@"; shift $?; dir=$OPTVAL ;;
		--purge) purge=1; shift ;;
		-q | --quiet) QUIET=1; shift ;;
		*) usage_error "unknown argument '$1'" ;;
		esac
	done
	need_tools flock findmnt fusermount3
	set_dir "$(abs_path --dir "$dir")"
	[ -f "$STATE" ] || die "no cluster in $DIR"
	lock_dir
	load_state
	if [ -n "$S_MOUNT" ]; then
		unmount_fs
		stop_nodes mount
		is_our_mount && die "$S_MOUNT is still mounted"
	fi
	for n in $(seq 1 "$S_DATAS"); do datas+=("data$n"); done
	for n in $(seq 1 "$S_METAS"); do metas+=("meta$n"); done
	stop_nodes "${datas[@]}"
	stop_nodes "${metas[@]}"
	stop_nodes etcd
	for n in "${NAMES[@]}"; do
		node_alive "$n" && die "$n (pid $(node_pid "$n")) still runs"
	done
	if [ "$purge" = 1 ]; then
		rm -rf "$DIR/etcd" "$DIR/data" "$DIR/conf" "$DIR/logs" \
		    "$DIR/run" "$SECRET" "$STATE" "$DIR/.lock" ||
		    die "cannot delete the cluster in $DIR"
		rmdir "$DIR" 2>/dev/null
		say "the cluster in $DIR is stopped and deleted"
	else
		say "the cluster in $DIR is stopped; its data is kept" \
		    "($PROG up --dir $DIR starts it again)"
	fi
}

# ---- main ---------------------------------------------------------------------------

QUIET=0
SETS=()
CMD=
WAIT_LOG=
[ $# -gt 0 ] || { usage_main >&2; exit 2; }
CMD=$1
shift
case $CMD in
up) cmd_up "$@" ;;
status) cmd_status "$@" ;;
down) cmd_down "$@" ;;
help | -h | --help)
	CMD=
	case ${1:-} in
	up) usage_up ;;
	status) usage_status ;;
	down) usage_down ;;
	'') usage_main ;;
	*) usage_error "no such command '$1'" ;;
	esac
	;;
--version | -V) printf '%s %s\n' "$PROG" "$VERSION" ;;
*)
	unknown=$CMD
	CMD=
	usage_error "unknown command '$unknown'"
	;;
esac
