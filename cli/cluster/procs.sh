# procs.sh: starting, waiting for and stopping the processes
# (a part of minidfs-cluster, joined in the order of CLUSTER_PARTS in
# Makefile.am.)

# ---- starting ---------------------------------------------------------------------

STARTED=()

# spawn NAME PROGRAM ARGS...: runs it in its own session (it outlives this
# shell and the terminal), output appended to its log.  A small shell
# stays its parent: it writes PROGRAM's PID to run/NAME.pid and, when
# PROGRAM ends, its exit status to run/NAME.exit (128+N: killed by signal
# N), which status shows.  Job control (set -m) keeps SIGINT and SIGQUIT
# at their defaults for PROGRAM.
spawn() {
	local name=$1 pidf log i
	shift
	pidf=$(node_pidfile "$name")
	log=$(node_log "$name")
	rm -f "$pidf" "$(node_exitfile "$name")"
	printf '==== %s: %s started by %s up\n' "$(date '+%F %T')" "$name" \
	    "$PROG" >>"$log"
	setsid bash -c 'set -m; "$@" & echo $! >"$0.t" && mv -f "$0.t" "$0";'\
'wait $!; echo $? >"$0.t" && mv -f "$0.t" "${0%.pid}.exit"' \
	    "$pidf" "$@" </dev/null >>"$log" 2>&1 9>&- &
	STARTED+=("$name")
	for i in $(seq 1 50); do
		[ -s "$pidf" ] && return 0
		sleep 0.1
	done
	fail_start "$name" "did not start"
}

start_node() {
	local name=$1 port
	if node_alive "$name"; then
		return 0
	fi
	if [ "$name" != mount ]; then
		port=${S_ETCD_PORT}
		case $name in
		meta*) port=${META_PORTS[$((${name#meta} - 1))]} ;;
		data*) port=${DATA_PORTS[$((${name#data} - 1))]} ;;
		esac
		port_in_use "$port" && fail_start "" "port $port of $name" \
		    "is taken by another program"
		if [ "$name" = etcd ] && port_in_use "$S_PEER_PORT"; then
			fail_start "" "port $S_PEER_PORT of etcd is taken by" \
			    "another program"
		fi
	fi
	say "starting $name"
	case $name in
	etcd)
		spawn etcd "$ETCD" --config-file "$(node_conf etcd)"
		;;
	meta*)
		spawn "$name" "$METASERVER" -c "$(node_conf "$name")"
		;;
	data*)
		mkdir -p "$DIR/data/$name" || die "cannot create $DIR/data/$name"
		spawn "$name" "$DATASERVER" -c "$(node_conf "$name")"
		;;
	mount)
		start_mount
		;;
	esac
}

start_mount() {
	local fstype
	# first: a stale FUSE mount point cannot even be stat()ed
	fstype=$(findmnt -n -M "$S_MOUNT" -o FSTYPE 2>/dev/null | tail -n 1)
	case $fstype in
	'') ;;
	fuse.minidfs)
		# left behind by a mount daemon that died
		say "removing the stale mount on $S_MOUNT"
		fusermount3 -u -z "$S_MOUNT" 2>/dev/null ||
		    fail_start "" "cannot unmount the stale mount on $S_MOUNT"
		;;
	*)
		fail_start "" "$S_MOUNT already has a $fstype filesystem mounted"
		;;
	esac
	mkdir -p "$S_MOUNT" 2>/dev/null || fail_start "" "cannot create $S_MOUNT"
	[ -d "$S_MOUNT" ] || fail_start "" "$S_MOUNT is not a directory"
	spawn mount "$MOUNTER" "$(meta_source)" "$S_MOUNT" -f \
	    -o "conf=$(node_conf mount)"
}

# fail_start NAME|"" MESSAGE...: what went wrong, the log tail of NAME,
# then every process this up started is stopped again.
fail_start() {
	local name=$1 log
	shift
	printf '%s: %s\n' "$PROG" "$*" >&2
	if [ -n "$name" ]; then
		log=$(node_log "$name")
		if [ -s "$log" ]; then
			printf '%s: last lines of %s:\n' "$PROG" "$log" >&2
			tail -n 20 "$log" | sed 's/^/  /' >&2
		fi
	fi
	rollback
	sets_undo
	exit 1
}

rollback() {
	local n kind
	local -a group
	trap - INT TERM
	[ "${#STARTED[@]}" -gt 0 ] || return 0
	printf '%s: stopping what this up started\n' "$PROG" >&2
	# the reverse of the start order: the servers still reach etcd while
	# they deregister
	for kind in mount data meta etcd; do
		group=()
		for n in "${STARTED[@]}"; do
			case $n in "$kind"*) group+=("$n") ;; esac
		done
		[ "${#group[@]}" -gt 0 ] || continue
		[ "$kind" = mount ] && unmount_fs
		QUIET=1 stop_nodes "${group[@]}"
	done
	STARTED=()
}

# Fails the start when a process this up started has exited.
check_started() {
	local n pid
	for n in "${STARTED[@]}"; do
		node_alive "$n" && continue
		pid=$(node_pid "$n" || echo '?')
		fail_start "$n" "$n (pid $pid) exited while starting"
	done
}

# wait_until WHAT CMD...: polls CMD every 0.2 s for $TIMEOUT seconds,
# failing fast when a started process died.
wait_until() {
	local what=$1 end
	shift
	end=$((SECONDS + TIMEOUT))
	while :; do
		"$@" && return 0
		check_started
		[ "$SECONDS" -lt "$end" ] || fail_start "$WAIT_LOG" \
		    "timed out after $TIMEOUT s waiting for $what"
		sleep 0.2
	done
}

metas_answer() {
	local i
	for i in $(seq 1 "$S_METAS"); do
		answers "$(meta_addr "$i")" /v1/fs/info || return 1
	done
}

datas_registered() {
	local i
	for i in $(seq 1 "$S_DATAS"); do
		answers "$(data_addr "$i")" /v1/stats || return 1
		etcd_get "nodes/$(data_id "data$i")" >/dev/null || return 1
	done
}

LEADER=
have_leader() {
	LEADER=$(current_leader)
}

# Every dataserver live in the leader's view.  A leader without the admin
# route (GET /v1/nodes) is taken at its etcd registrations.
datas_live() {
	local rc live i
	leader_nodes "$LEADER"
	rc=$?
	[ "$rc" -eq 2 ] && return 0
	[ "$rc" -eq 0 ] || return 1
	live=$(printf '%s' "$NODES_JSON" | jq -r '.nodes[]? |
	    select(.state == "live") | .id' 2>/dev/null)
	for i in $(seq 1 "$S_DATAS"); do
		printf '%s\n' "$live" | grep -qxF -- "$(data_id "data$i")" ||
		    return 1
	done
}

mount_ready() {
	is_our_mount && mountpoint -q "$S_MOUNT" &&
	    timeout -k 2 10 stat "$S_MOUNT" >/dev/null 2>&1
}

# ---- stopping --------------------------------------------------------------------

unmount_fs() {
	is_our_mount || return 0
	if fusermount3 -u "$S_MOUNT" 2>/dev/null; then
		say "unmounted $S_MOUNT"
	elif fusermount3 -u -z "$S_MOUNT" 2>/dev/null; then
		say "unmounted $S_MOUNT lazily (it was busy)"
	else
		printf '%s: cannot unmount %s\n' "$PROG" "$S_MOUNT" >&2
		return 1
	fi
}

# stop_nodes NAME...: SIGTERM to each that runs, up to STOP_TIMEOUT s for
# all of them to exit, SIGKILL to the rest.  PID files go.
stop_nodes() {
	local n pid end left
	local -a run=()
	for n in "$@"; do
		if node_alive "$n"; then
			pid=$(node_pid "$n")
			kill -TERM "$pid" 2>/dev/null
			run+=("$n")
		else
			rm -f "$(node_pidfile "$n")"
		fi
	done
	[ "${#run[@]}" -gt 0 ] || return 0
	end=$((SECONDS + STOP_TIMEOUT))
	while :; do
		left=0
		for n in "${run[@]}"; do
			node_alive "$n" && left=1
		done
		[ "$left" = 0 ] && break
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.2
	done
	for n in "${run[@]}"; do
		pid=$(node_pid "$n")
		if node_alive "$n"; then
			kill -KILL "$pid" 2>/dev/null
			say "killed $n (pid $pid): still running after" \
			    "$STOP_TIMEOUT s"
		else
			say "stopped $n (pid $pid)"
		fi
		rm -f "$(node_pidfile "$n")"
	done
}

