# shellcheck shell=bash
# bench/lib/moosefs.sh: a private MooseFS cluster for bench/compare.sh
# (sourced).  Debian's moosefs-master, three moosefs-chunkserver instances
# and moosefs-client's mfsmount, with every bit of state under one directory;
# every process is recorded by PID.
#
# Network: mfschunkserver refuses a master on any 127.x.x.x address
# ("localhost can't be used for connecting with master").  So the whole
# cluster runs in a private network namespace (unshare -n, held by a
# `sleep` whose PID we record) whose only device is its own loopback,
# carrying 127.0.0.1 and the TEST-NET address $MFS_IP.  Nothing outside that
# namespace can reach any of its ports; the FUSE mount itself lives in the
# ordinary mount namespace, so the benchmark uses it like any other.
#
#   mfs_install              apt-get installs the three packages if missing
#   mfs_start DIR MNT GOAL   master + 3 chunkservers + mount on MNT, goal
#                            GOAL on the root; waits until the master
#                            counts three chunkservers; MFS_PIDS, MFS_MNT
#   mfs_stop                 unmounts and stops what mfs_start started
#
# Needs from the caller: bench_say, bench_die, BENCH_DIR.

MFS_PACKAGES="moosefs-master moosefs-chunkserver moosefs-client"
MFS_PIDS=""
MFS_MNT=""
MFS_DIR=""
MFS_NS_PID=""
MFS_IP=192.0.2.1		# RFC 5737 TEST-NET-1, only inside the namespace
MFS_PORT_ML=9419		# master <- metaloggers
MFS_PORT_CS=9420		# master <- chunkservers
MFS_PORT_CL=9421		# master <- clients (mfsmount)
MFS_PORT_CSSERV=9422		# chunkserver i listens on 9421 + i

mfs_missing() {
	local p missing=""
	for p in $MFS_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	printf '%s' "${missing# }"
}

mfs_install() {
	local missing
	missing=$(mfs_missing)
	[ -n "$missing" ] || return 0
	bench_say "installing with apt-get: $missing"
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing \
	    >"$BENCH_DIR/apt.log" 2>&1; then
		bench_say "apt-get install failed; running apt-get update once"
		apt-get update -q >>"$BENCH_DIR/apt.log" 2>&1
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing \
		    >>"$BENCH_DIR/apt.log" 2>&1 || {
			tail -n 20 "$BENCH_DIR/apt.log" >&2
			bench_die "cannot install$missing"
		}
	fi
	missing=$(mfs_missing)
	[ -z "$missing" ] || bench_die "still not installed: $missing"
	bench_say "installed: $MFS_PACKAGES"
}

# mfs_spawn LOG PROGRAM ARGS...: starts it in the background inside the
# namespace (nsenter execs it, so $! is its PID) and records its PID.
mfs_spawn() {
	local log=$1
	shift
	nsenter -t "$MFS_NS_PID" -n "$@" </dev/null >>"$log" 2>&1 &
	MFS_LAST_PID=$!
	MFS_PIDS="$MFS_PIDS $MFS_LAST_PID"
}

# The chunkservers the master has accepted: it logs one line per
# registration (in the foreground it logs to stderr as well as to syslog).
mfs_registered() {
	grep -c "chunkserver register end" \
	    "$MFS_DIR/master/log" 2>/dev/null
}

# mfs_wait SECONDS WHAT CMD...: polls CMD every 0.2 s; dies when the time is
# up or a process of the cluster has exited.
mfs_wait() {
	local end=$((SECONDS + $1)) what=$2 pid
	shift 2
	until "$@"; do
		for pid in $MFS_PIDS; do
			kill -0 "$pid" 2>/dev/null && continue
			mfs_logs_tail
			bench_die "a MooseFS process (pid $pid) exited while" \
			    "waiting for $what"
		done
		[ $SECONDS -lt $end ] || {
			mfs_logs_tail
			bench_die "timed out waiting for $what"
		}
		sleep 0.2
	done
}

mfs_logs_tail() {
	local f
	for f in "$MFS_DIR"/*/log; do
		[ -f "$f" ] || continue
		printf '%s\n' "---- last lines of $f" >&2
		grep -v '^mfs' "$f" | tail -n 8 >&2
	done
}

# mfs_tool PROGRAM ARGS...: a moosefs-client tool, run inside the namespace
mfs_tool() {
	nsenter -t "$MFS_NS_PID" -n "$@"
}

mfs_listens() {
	nsenter -t "$MFS_NS_PID" -n bash -c \
	    "(exec 3<>/dev/tcp/$MFS_IP/$MFS_PORT_CL) 2>/dev/null"
}

mfs_ns_ready() {
	local ns
	ns=$(readlink "/proc/$MFS_NS_PID/ns/net" 2>/dev/null) &&
	    [ "$ns" != "$(readlink /proc/self/ns/net)" ]
}

mfs_has_space() {
	[ "$(stat -f -c %b "$MFS_MNT" 2>/dev/null || echo 0)" -gt 0 ]
}

mfs_has_chunkservers() {
	[ "$(mfs_registered)" -ge 3 ] 2>/dev/null
}

mfs_start() {
	local dir=$1 mnt=$2 goal=$3 i
	MFS_DIR=$dir
	MFS_MNT=$mnt
	mkdir -p "$dir/master/data" "$mnt" ||
	    bench_die "cannot create $dir/master or $mnt"
	cp /var/lib/mfs/metadata.mfs.empty "$dir/master/data/metadata.mfs" ||
	    bench_die "no /var/lib/mfs/metadata.mfs.empty (moosefs-master)"

	unshare -n sleep infinity </dev/null >/dev/null 2>&1 &
	MFS_NS_PID=$!
	MFS_PIDS="$MFS_NS_PID"
	# never configure the namespace before it exists: that would be ours
	mfs_wait 10 "the network namespace" mfs_ns_ready
	if ! nsenter -t "$MFS_NS_PID" -n ip link set lo up ||
	    ! nsenter -t "$MFS_NS_PID" -n ip addr add "$MFS_IP/32" dev lo; then
		bench_die "cannot set up the network namespace (unshare -n," \
		    "nsenter, ip: needs root)"
	fi

	cat >"$dir/master/mfsexports.cfg" <<-EOF
	*	/	rw,alldirs,admin,maproot=0:0
	*	.	rw
	EOF
	: >"$dir/master/mfstopology.cfg"
	cat >"$dir/master/mfsmaster.cfg" <<-EOF
	WORKING_USER = root
	WORKING_GROUP = root
	SYSLOG_IDENT = mfsmaster-bench
	NICE_LEVEL = 0
	DATA_PATH = $dir/master/data
	EXPORTS_FILENAME = $dir/master/mfsexports.cfg
	TOPOLOGY_FILENAME = $dir/master/mfstopology.cfg
	MATOML_LISTEN_HOST = $MFS_IP
	MATOML_LISTEN_PORT = $MFS_PORT_ML
	MATOCS_LISTEN_HOST = $MFS_IP
	MATOCS_LISTEN_PORT = $MFS_PORT_CS
	MATOCL_LISTEN_HOST = $MFS_IP
	MATOCL_LISTEN_PORT = $MFS_PORT_CL
	EOF
	mfs_spawn "$dir/master/log" mfsmaster -c "$dir/master/mfsmaster.cfg" \
	    -f start
	mfs_wait 30 "mfsmaster to listen" mfs_listens

	for i in 1 2 3; do
		mkdir -p "$dir/cs$i/data" "$dir/cs$i/hdd" ||
		    bench_die "cannot create $dir/cs$i"
		echo "$dir/cs$i/hdd" >"$dir/cs$i/mfshdd.cfg"
		cat >"$dir/cs$i/mfschunkserver.cfg" <<-EOF
		WORKING_USER = root
		WORKING_GROUP = root
		SYSLOG_IDENT = mfschunkserver-bench$i
		NICE_LEVEL = 0
		DATA_PATH = $dir/cs$i/data
		HDD_CONF_FILENAME = $dir/cs$i/mfshdd.cfg
		BIND_HOST = $MFS_IP
		MASTER_HOST = $MFS_IP
		MASTER_PORT = $MFS_PORT_CS
		CSSERV_LISTEN_HOST = $MFS_IP
		CSSERV_LISTEN_PORT = $((MFS_PORT_CSSERV + i - 1))
		EOF
		mfs_spawn "$dir/cs$i/log" mfschunkserver \
		    -c "$dir/cs$i/mfschunkserver.cfg" -f start
	done
	mfs_wait 60 "three chunkservers to register" mfs_has_chunkservers

	mfs_spawn "$dir/mount.log" mfsmount "$mnt" -f -H "$MFS_IP" \
	    -P "$MFS_PORT_CL"
	mfs_wait 30 "mfsmount on $mnt" mountpoint -q "$mnt"
	mfs_wait 60 "the chunkservers to report their space" mfs_has_space
	# the tools read the master's address from MNT/.masterinfo and talk to
	# it directly: from inside the namespace
	mfs_tool mfssetgoal -r "$goal" "$mnt" >"$dir/setgoal.log" 2>&1 ||
	    bench_die "mfssetgoal -r $goal $mnt failed: $(tail -n 3 \
	    "$dir/setgoal.log")"
	mfs_tool mfsgetgoal "$mnt" 2>/dev/null | grep -q ": $goal\$" ||
	    bench_die "goal of $mnt is not $goal:" \
	    "$(mfs_tool mfsgetgoal "$mnt" 2>&1)"
}

mfs_stop() {
	local pid
	[ -n "$MFS_DIR" ] || return 0
	if [ -n "$MFS_MNT" ] && mountpoint -q "$MFS_MNT" 2>/dev/null; then
		umount "$MFS_MNT" 2>/dev/null || umount -l "$MFS_MNT" 2>/dev/null
	fi
	# the mount first, then chunkservers and master, the namespace last
	for pid in $MFS_PIDS; do
		[ "$pid" = "$MFS_NS_PID" ] || kill -TERM "$pid" 2>/dev/null
	done
	for pid in $MFS_PIDS; do
		[ "$pid" = "$MFS_NS_PID" ] || wait "$pid" 2>/dev/null
	done
	kill -TERM "$MFS_NS_PID" 2>/dev/null
	wait "$MFS_NS_PID" 2>/dev/null
	MFS_PIDS=""
	MFS_DIR=""
}
