#!/bin/bash
# launcher.sh: minidfs-cluster, the one-command local cluster.  up on a
# private DIR and MNT gives a mounted filesystem that stores and returns
# files; a second up is harmless; status says when a process died and up
# restarts only that one; down stops every recorded PID and unmounts; up on
# the same DIR brings back the same cluster with its data; a process that
# dies during up fails it fast and leaves nothing running; status tells how
# a process ended; --set writes a config key (and one a server refuses is
# undone); bad arguments and a bad state file are refused.
# TIMEOUT: 400
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
. "$top_srcdir/tests/lib/tap.sh"

L=$top_builddir/cli/minidfs-cluster
export MINIDFS_CLUSTER_TIMEOUT=60 MINIDFS_CLUSTER_STOP_TIMEOUT=15
case ${ETCD_BIN:-} in no | '') unset ETCD_BIN ;; esac

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}
[ -x "$L" ] || tap_bail "$L not built"
[ -x "${MINIDFS_METASERVER:-$top_builddir/server/meta/minidfs-metaserver}" ] ||
    skip_all "minidfs-metaserver is not built"
command -v "${ETCD_BIN:-etcd}" >/dev/null || skip_all "etcd not installed"
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
command -v fusermount3 >/dev/null || skip_all "fusermount3 not installed"

W=$(mktemp -d "${TMPDIR:-/tmp}/minidfs-launcher.XXXXXX") ||
    tap_bail "mktemp failed"
DIR=$W/cluster
MNT=$W/mnt
SEEN_PIDS=""

# Every PID any up recorded is remembered here, so the cleanup can kill
# them even if down itself is what failed.
remember_pids() {
	local f
	for f in "$1"/run/*.pid; do
		[ -f "$f" ] && SEEN_PIDS="$SEEN_PIDS $(cat "$f")"
	done
}

# A process of this test: its command line names the work directory.
ours() {
	tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "$W"
}

cleanup() {
	local rc=$? pid f
	trap - EXIT
	if [ "$TAP_FAILED" -gt 0 ] || [ "$rc" -ne 0 ]; then
		for f in "$W"/*/logs/*.log; do
			[ -f "$f" ] || continue
			tap_diag "---- last lines of $f"
			tail -n 15 "$f" | sed 's/^/# /'
		done
	fi
	for d in "$W"/*/; do
		[ -f "$d/cluster.state" ] || continue
		remember_pids "$d"
		MINIDFS_CLUSTER_STOP_TIMEOUT=5 "$L" down --dir "$d" --purge -q \
		    >/dev/null 2>&1
	done
	for pid in $SEEN_PIDS; do
		ours "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	findmnt -n -M "$MNT" >/dev/null 2>&1 && fusermount3 -u -z "$MNT"
	if [ -n "${CLUSTER_KEEP:-}" ]; then
		echo "# kept $W"
	else
		rm -rf "$W"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run CMD...: output in $OUT, status in $RC (never fails the script)
run() {
	OUT=$("$@" 2>&1)
	RC=$?
}

pid_of() {
	cat "$DIR/run/$1.pid" 2>/dev/null
}

alive() {
	kill -0 "$1" 2>/dev/null && ours "$1"
}

mounted() {
	[ "$(findmnt -n -M "$MNT" -o FSTYPE 2>/dev/null)" = fuse.minidfs ]
}

all_pids() {
	local n
	for n in etcd meta1 meta2 data1 data2 data3 mount; do
		printf '%s ' "$(pid_of $n)"
	done
}

# ---- bad arguments change nothing ------------------------------------------

run "$L" up --dir "$DIR" --dataservers 0
ok_eq "up --dataservers 0 is a usage error" 2 "$RC"
ok "... saying what is wrong" grep -q -- "--dataservers: 0 is out of range" \
    <<<"$OUT"
ok "... and creates nothing" test ! -e "$DIR"
run "$L" up --dir "$DIR" --dataservers 2 --replicas 3
ok_eq "up --replicas 3 with 2 dataservers is a usage error" 2 "$RC"
run "$L" up --dir "$DIR" --replicas 4
ok_eq "up --replicas 4 with the default 3 dataservers is a usage error" 2 "$RC"
run "$L" up --dir "$DIR" --mount "$DIR/m"
ok_eq "a mount point inside DIR is refused" 2 "$RC"
run "$L" up --dir "$DIR" --bogus
ok_eq "an unknown option is refused" 2 "$RC"
run "$L" frobnicate
ok_eq "an unknown command is refused" 2 "$RC"
ok "... by name" grep -q "unknown command 'frobnicate'" <<<"$OUT"
run "$L" up --dir "$DIR" --metaservers
ok_eq "an option without its value is refused" 2 "$RC"
run env MINIDFS_METASERVER=/nonexistent/minidfs-metaserver "$L" up \
    --dir "$DIR"
ok_eq "up without a metaserver program fails" 1 "$RC"
ok "... naming the path" grep -qF "not found at /nonexistent/" <<<"$OUT"
ok "nothing was created by any of them" test ! -e "$DIR"
run "$L" status --dir "$DIR"
ok_eq "status of a DIR without a cluster fails" 1 "$RC"
run "$L" down --dir "$DIR"
ok_eq "down of a DIR without a cluster fails" 1 "$RC"
run "$L" up --dir "$DIR" --set data.log_level=debug
ok_eq "a --set without SECTION.KEY is a usage error" 2 "$RC"
run "$L" up --dir "$DIR" --set etcd.server.x=1
ok_eq "a --set for another WHO is a usage error" 2 "$RC"
ok "... naming the choices" grep -q "WHO must be meta, data, mount" <<<"$OUT"
ok "... and nothing was created" test ! -e "$DIR"
run "$L" up --dir "$DIR" --listen 10.1.2
ok_eq "--listen with three parts is a usage error" 2 "$RC"
ok "... saying so" grep -q "'10.1.2' is not an IPv4 address" <<<"$OUT"
run "$L" up --dir "$DIR" --listen 10.1.2.256
ok_eq "--listen with a part over 255 is a usage error" 2 "$RC"
run "$L" up --dir "$DIR" --listen localhost
ok_eq "--listen with a name is a usage error" 2 "$RC"
ok "... and nothing was created" test ! -e "$DIR"
run "$L" up --help
ok "up --help describes --replicas" grep -q -- "--replicas R" <<<"$OUT"
ok_eq "... and exits 0" 0 "$RC"

# ---- up ------------------------------------------------------------------------

run "$L" up --dir "$DIR" --mount "$MNT" --metaservers 2 --dataservers 3
remember_pids "$DIR"
ok_eq "up starts the cluster" 0 "$RC"
[ "$RC" -eq 0 ] || tap_diag "$OUT"
ok "up says where it is mounted" grep -qF "mounted on:    $MNT" <<<"$OUT"
ok "up gives the status page" grep -q \
    "status page:   http://127\.0\.0\.1:[0-9]*/" <<<"$OUT"
ok "up says how to stop it" grep -qF "down --dir $DIR" <<<"$OUT"
ok "the filesystem is mounted" mounted
PIDS1=$(all_pids)
n=0
for p in $PIDS1; do alive "$p" && n=$((n + 1)); done
ok_eq "seven processes run (etcd, 2 meta, 3 data, mount)" 7 "$n"
ok "the secret is private" test "$(stat -c %a "$DIR/secret")" = 600
ok "every server listens on 127.0.0.1 only" bash -c \
    "! grep -h 'listen_address\|listen-.*-urls' '$DIR'/conf/*.yaml |
    grep -v 127.0.0.1"
page=$(sed -n 's|.*status page: *\(http://[^ ]*\)|\1|p' <<<"$OUT")
ok "the status page answers" curl -sf -m 5 -o /dev/null "$page"

head -c $((5 * 1024 * 1024 + 123)) /dev/urandom >"$W/file"
ok "a file is written through the mount" cp "$W/file" "$MNT/file"
ok "a directory is made" mkdir "$MNT/d"
ok "... and a small file in it" sh -c "echo hello >'$MNT/d/small'"
ok "the file reads back equal" cmp "$W/file" "$MNT/file"
ok_eq "the small file reads back" hello "$(cat "$MNT/d/small" 2>&1)"

run "$L" status --dir "$DIR"
ok_eq "status exits 0 while everything runs" 0 "$RC"
ok "status names the leader" grep -q "^leader: *127\.0\.0\.1:[0-9]" <<<"$OUT"
ok "status shows the mount" grep -q "^  mount .* running .* mounted" <<<"$OUT"

run "$L" up --dir "$DIR" --mount "$MNT"
ok_eq "a second up succeeds" 0 "$RC"
ok "... says the cluster is already up" grep -q "already up" <<<"$OUT"
ok_eq "... and starts nothing" "$PIDS1" "$(all_pids)"

run "$L" up --dir "$DIR" --dataservers 4
ok_eq "up with another count for an existing DIR fails" 1 "$RC"
ok "... saying why" grep -q "holds a cluster of 3 dataservers" <<<"$OUT"

# ---- a dead dataserver -------------------------------------------------------

d2=$(pid_of data2)
kill -KILL "$d2"
ok "data2 is killed" bash -c "for i in \$(seq 50); do
    kill -0 $d2 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
run "$L" status --dir "$DIR"
ok_eq "status exits 1 while a dataserver is down" 1 "$RC"
ok "status shows data2 down" grep -q "^  data2 .* down" <<<"$OUT"
ok "... and how it ended" grep -q "^  data2 .* down .* killed by SIGKILL" \
    <<<"$OUT"
run "$L" status --dir "$DIR" --quiet
ok_eq "status --quiet says it by its exit status" 1 "$RC"
ok_eq "... and prints nothing" "" "$OUT"

run "$L" up --dir "$DIR" --set data2.server.log_level=debug
remember_pids "$DIR"
ok_eq "up restarts what is down" 0 "$RC"
ok "--set data2.server.log_level wrote data2's config" \
    grep -qx "  log_level: debug" "$DIR/conf/data2.yaml"
ok "... and no other's" bash -c "! grep -q 'log_level: debug' \
    '$DIR/conf/data1.yaml' '$DIR/conf/data3.yaml'"
ok "... which data2 now runs with" grep -q " debug httpd: " \
    "$DIR/logs/data2.log"
ok "... only data2" grep -q "^starting data2$" <<<"$OUT"
ok_eq "... exactly one process started" 1 "$(grep -c '^starting' <<<"$OUT")"
ok "data2 runs again" alive "$(pid_of data2)"
ok_eq "the others kept their PIDs" \
    "$(sed "s/ $d2 / $(pid_of data2) /" <<<"$PIDS1")" "$(all_pids)"
ok "the file still reads back" cmp "$W/file" "$MNT/file"

# ---- a dead mount daemon leaves a stale mount; up mounts again ---------------

m=$(pid_of mount)
kill -KILL "$m"
ok "the mount daemon is killed" bash -c "for i in \$(seq 50); do
    kill -0 $m 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
run "$L" status --dir "$DIR"
ok_eq "status exits 1 without the mount daemon" 1 "$RC"
ok "status shows the mount down" grep -q "^  mount .* down" <<<"$OUT"
run "$L" up --dir "$DIR"
remember_pids "$DIR"
ok_eq "up mounts again" 0 "$RC"
[ "$RC" -eq 0 ] || tap_diag "$OUT"
ok "... over the stale mount" grep -q "removing the stale mount" <<<"$OUT"
ok "the new mount daemon runs" alive "$(pid_of mount)"
ok_eq "exactly one minidfs mount is on MNT" 1 \
    "$(findmnt -n -M "$MNT" -o FSTYPE | grep -c fuse.minidfs)"
ok "the file reads back through the new mount" cmp "$W/file" "$MNT/file"

# ---- down and up again ---------------------------------------------------------

PIDS2=$(all_pids)
cp "$DIR/cluster.state" "$W/state.before"
run "$L" down --dir "$DIR"
ok_eq "down succeeds" 0 "$RC"
ok "the filesystem is unmounted" bash -c "! findmnt -n -M '$MNT' >/dev/null"
left=""
for p in $PIDS2; do alive "$p" && left="$left $p"; done
ok_eq "no recorded process runs any more" "" "$left"
ok "the data is kept" test -d "$DIR/etcd" -a -d "$DIR/data/data1"
run "$L" status --dir "$DIR"
ok_eq "status exits 1 after down" 1 "$RC"
run "$L" down --dir "$DIR"
ok_eq "a second down is harmless" 0 "$RC"

cat "$DIR"/conf/*.yaml >"$W/conf.before"
run "$L" up --dir "$DIR" --set data.nosuch.key=1
remember_pids "$DIR"
ok_eq "up with a --set the dataservers refuse fails" 1 "$RC"
ok "... showing the dataserver's complaint" grep -q "nosuch: unknown section" \
    <<<"$OUT"
ok "... and leaves the configs as they were" \
    bash -c "cat '$DIR'/conf/*.yaml | cmp -s - '$W/conf.before'"
left=$(for p in /proc/[0-9]*; do
	tr '\0' '\n' 2>/dev/null <"$p/cmdline" | grep -qF -- "$DIR/conf/" &&
	    echo "${p#/proc/}"
done)
ok_eq "... with nothing left running" "" "$left"

run "$L" up --dir "$DIR"
remember_pids "$DIR"
ok_eq "up on the same DIR starts the cluster again" 0 "$RC"
[ "$RC" -eq 0 ] || tap_diag "$OUT"
ok "... with the same ports" cmp "$DIR/cluster.state" "$W/state.before"
ok "... mounted on the remembered mount point" mounted
ok "the file written before down reads back equal" cmp "$W/file" "$MNT/file"
ok_eq "so does the small one" hello "$(cat "$MNT/d/small" 2>&1)"

PIDS3=$(all_pids)
run "$L" down --dir "$DIR" --purge
ok_eq "down --purge succeeds" 0 "$RC"
left=""
for p in $PIDS3; do alive "$p" && left="$left $p"; done
ok_eq "... stops everything" "" "$left"
ok "... unmounts" bash -c "! findmnt -n -M '$MNT' >/dev/null"
ok "... and deletes the cluster" test ! -e "$DIR"
ok "... but not the mount point" test -d "$MNT"

# ---- a process that dies during up -------------------------------------------

D3=$W/broken
run env MINIDFS_METASERVER=/bin/false "$L" up --dir "$D3"
remember_pids "$D3"
ok_eq "up fails when a metaserver exits at start" 1 "$RC"
ok "... naming it" grep -q "meta1 (pid [0-9]*) exited while starting" \
    <<<"$OUT"
ok "... with the tail of its log" grep -q "last lines of $D3/logs/meta1.log" \
    <<<"$OUT"
left=$(for p in /proc/[0-9]*; do
	tr '\0' '\n' 2>/dev/null <"$p/cmdline" | grep -qF -- "$D3/" &&
	    echo "${p#/proc/}"
done)
ok_eq "... and stops the etcd it had started" "" "$left"

# ---- a bad state file ----------------------------------------------------------

D4=$W/badstate
mkdir -p "$D4"
printf 'version=1\nmetaservers=2\ncolour=blue\n' >"$D4/cluster.state"
run "$L" status --dir "$D4"
ok_eq "a state file with an unknown key is refused" 1 "$RC"
ok "... with its line" grep -qF "$D4/cluster.state:3: unknown key 'colour'" \
    <<<"$OUT"
printf 'version=1\nmetaservers=x\n' >"$D4/cluster.state"
run "$L" status --dir "$D4"
ok "a bad number in it is refused" grep -q "metaservers 'x' is not a number" \
    <<<"$OUT"
sed "s/^listen=.*/listen=127.0.0.1.5/" "$W/state.before" >"$D4/cluster.state"
run "$L" status --dir "$D4"
ok_eq "a bad listen address in it is refused" 1 "$RC"
ok "... naming it" grep -q "listen '127.0.0.1.5' is not an IPv4 address" \
    <<<"$OUT"

tap_done
