#!/bin/bash
# replicas: minidfs-admin set-replicas / get-replicas and the paged fsck
# against a real etcd, one metaserver (R=3, 64 KiB blocks, fsck pages of 4
# chunks) and four dataservers.  A file written with R=3 set to 2 is trimmed
# to exactly 2 copies of every block (counted on the dataservers' disks)
# and fsck stays clean; set to 4 it gets a 4th copy of every block within a
# bounded time (printed); -r on a directory reaches every file below and is
# inherited by files created afterwards; every bad input is one line and a
# non-zero exit.  fsck walks every page (the raw route's pages add up to the
# unpaged answer, the admin's totals count every file and chunk) and finds
# a block missing in a file that is on a later page.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/meta.sh"
cluster_init

ADMIN="$top_builddir/cli/minidfs-admin"
[ -x "$ADMIN" ] || tap_bail "$ADMIN not built"
[ -x "$METASERVER_BIN" ] || tap_bail "$METASERVER_BIN not built"
NODES="ds1 ds2 ds3 ds4"
PAGE=4

# adm ARGS...: minidfs-admin against $M; prints the exit status, stdout in
# $CLUSTER_DIR/out, stderr in $CLUSTER_DIR/err.
adm() {
	"$ADMIN" -m "$M" -t 10 "$@" >"$CLUSTER_DIR/out" 2>"$CLUSTER_DIR/err"
	echo $?
}
jo() { jq -r "$1" <"$CLUSTER_DIR/out"; }
one_line() {
	[ "$(wc -l <"$CLUSTER_DIR/err")" = 1 ] &&
	    grep -q "^minidfs-admin: .*$1" "$CLUSTER_DIR/err"
}
# ino PATH: the inode number of PATH
ino() {
	"$ADMIN" -m "$M" --json get-replicas "$1" | jq -r .ino
}
# blocks INO: the block ids of INO's chunks (fsck's listing of every chunk)
blocks() {
	"$ADMIN" -m "$M" --json fsck -a 2>/dev/null |
	    jq -r --arg i "$1" '.problems[] | select(.ino == $i) | .id'
}
# copies_all INO N: every block of INO is on exactly N dataservers' disks
copies_all() {
	local b n=0
	for b in $(blocks "$1"); do
		[ "$(holders "$b" $NODES)" = "$2" ] || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}
fsck_clean() {
	[ "$(adm --json fsck)" = 0 ] &&
	    [ "$(jo '"\(.healthy) \(.under_replicated) \(.missing)"')" = \
	    "true 0 0" ]
}
# seconds_until SECONDS CMD...: polls CMD every 0.5 s; prints the seconds
# it took, fails when it never held
seconds_until() {
	local secs=$1 t0=$SECONDS
	shift
	while ! "$@"; do
		[ $((SECONDS - t0)) -ge "$secs" ] && { echo never; return 1; }
		sleep 0.5
	done
	echo $((SECONDS - t0))
}

etcd_start
metaserver_start m1 --cluster.replicas=3 --cluster.fsck_page=$PAGE \
    --blocks.block_size=64K --cluster.heartbeat_timeout=5 ||
    tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not become the leader"
META_ADDR=$(meta_addr m1)
for n in $NODES; do
	dataserver_start "$n" || tap_bail "$n did not start"
done
ok "four live dataservers" wait_for 30 eval '[ "$(live_nodes m1)" = 4 ]'
M=$META_ADDR

# ---- a file with R=3, lowered to 2, raised to 4 ---------------------------------
head -c 200000 /dev/urandom >"$CLUSTER_DIR/a"	# 4 blocks of 64 KiB
ok_eq "put /a" 0 "$(adm put "$CLUSTER_DIR/a" /a)"
A=$(ino /a)
ok_eq "/a has 4 blocks" 4 "$(blocks "$A" | wc -l)"
ok "every block of /a on 3 nodes" wait_for 20 copies_all "$A" 3
ok_eq "get-replicas /a: exit 0" 0 "$(adm --json get-replicas /a)"
ok_eq "... 3, the default" "3 false file" \
    "$(jo '"\(.replicas) \(.explicit) \(.type)"')"
ok_eq "get-replicas (table)" 0 "$(adm get-replicas /a)"
ok_eq "... one line" "/a: 3 (the cluster default)" "$(cat "$CLUSTER_DIR/out")"

ok_eq "set-replicas /a 2: exit 0" 0 "$(adm set-replicas /a 2)"
ok_eq "... says what changed" "/a: replicas 2 (was 3, the default)" \
    "$(cat "$CLUSTER_DIR/out")"
ok_eq "get-replicas /a: 2, set" "2 true" \
    "$(adm --json get-replicas /a >/dev/null; jo '"\(.replicas) \(.explicit)"')"
T=$(seconds_until 60 copies_all "$A" 2)
ok "lowered to 2: every block trimmed to exactly 2 copies (${T}s)" \
    [ "$T" != never ]
ok "... and fsck is clean" fsck_clean
ok_eq "... wanted 2 in fsck's listing" 2 \
    "$(adm --json fsck -a >/dev/null; jo "[.problems[] | select(.ino == \"$A\") | .wanted] | unique | .[]")"
# the trimmed copies stay gone (no repair fights the trim)
sleep 3
ok "... still exactly 2 copies 3 s later" copies_all "$A" 2

ok_eq "set-replicas --json /a 4: exit 0" 0 "$(adm --json set-replicas /a 4)"
ok_eq "... JSON" "4 2 true 1 0" \
    "$(jo '"\(.replicas) \(.previous) \(.previous_explicit) \(.files) \(.failed)"')"
T=$(seconds_until 60 copies_all "$A" 4)
ok "raised to 4: every block on all 4 nodes (${T}s)" [ "$T" != never ]
tap_diag "re-replication to 4 copies took ${T}s"
ok "... and fsck is clean" fsck_clean
ok_eq "the content is intact" "$(sha256sum <"$CLUSTER_DIR/a")" \
    "$("$ADMIN" -m "$M" get /a - | sha256sum)"

# ---- -r on a directory tree -----------------------------------------------------
ok_eq "mkdir /d" 0 "$(adm mkdir /d)"
ok_eq "mkdir /d/e" 0 "$(adm mkdir /d/e)"
head -c 70000 /dev/urandom >"$CLUSTER_DIR/f1"
head -c 70000 /dev/urandom >"$CLUSTER_DIR/f2"
ok_eq "put /d/f1" 0 "$(adm put "$CLUSTER_DIR/f1" /d/f1)"
ok_eq "put /d/e/f2" 0 "$(adm put "$CLUSTER_DIR/f2" /d/e/f2)"
F1=$(ino /d/f1)
F2=$(ino /d/e/f2)
ok "both on 3 nodes" wait_for 20 eval 'copies_all "$F1" 3 && copies_all "$F2" 3'
ok_eq "set-replicas without -r on a directory: exit 0" 0 \
    "$(adm set-replicas /d 1)"
ok "... says it is for new entries" grep -q 'new files and directories' \
    "$CLUSTER_DIR/out"
ok_eq "... the files below keep 3" 3 \
    "$("$ADMIN" -m "$M" --json get-replicas /d/f1 | jq -r .replicas)"
ok_eq "set-replicas -r /d 2: exit 0" 0 "$(adm --json set-replicas -r /d 2)"
ok_eq "... 2 directories, 2 files, nothing failed" "2 2 0 true" \
    "$(jo '"\(.directories) \(.files) \(.failed) \(.recursive)"')"
for p in /d /d/e /d/f1 /d/e/f2; do
	ok_eq "get-replicas $p: 2" 2 \
	    "$("$ADMIN" -m "$M" --json get-replicas "$p" | jq -r .replicas)"
done
ok "the files below are trimmed to 2 copies" \
    wait_for 60 eval 'copies_all "$F1" 2 && copies_all "$F2" 2'
head -c 70000 /dev/urandom >"$CLUSTER_DIR/f3"
ok_eq "a file created afterwards in /d/e" 0 \
    "$(adm put "$CLUSTER_DIR/f3" /d/e/f3)"
ok_eq "... inherits 2" "2 true" \
    "$(adm --json get-replicas /d/e/f3 >/dev/null; jo '"\(.replicas) \(.explicit)"')"
F3=$(ino /d/e/f3)
ok "... and its blocks are on exactly 2 nodes" wait_for 20 copies_all "$F3" 2
ok_eq "set-replicas -r (table)" 0 "$(adm set-replicas -r /d/e 3)"
ok "... counts what it set" grep -q '^set on 1 directories and 2 files$' \
    "$CLUSTER_DIR/out"

# ---- bad input: one line, non-zero, nothing changed -----------------------------
ok_eq "unknown path: exit 1" 1 "$(adm set-replicas /nope 2)"
ok "... one line" one_line '/nope: No such file or directory'
ok_eq "below a file: exit 1" 1 "$(adm set-replicas /a/b 2)"
ok "... one line" one_line '/a/b: Not a directory'
ok_eq "relative path: exit 1" 1 "$(adm set-replicas a 2)"
ok "... one line" one_line 'a: not an absolute path'
ok_eq "-r on a file: exit 1" 1 "$(adm set-replicas -r /a 2)"
ok "... one line" one_line '/a: -r needs a directory'
for bad in 0 17 x 2x -1 "" 99999999999999999999; do
	ok_eq "N \"$bad\": exit 2" 2 "$(adm set-replicas /a "$bad")"
	ok "... one line: 1..16" one_line "N \"$bad\": want 1..16"
done
ok_eq "missing N: exit 2" 2 "$(adm set-replicas /a)"
ok "... one line" one_line 'set-replicas: missing arguments'
ok_eq "unknown flag: exit 2" 2 "$(adm set-replicas --bogus /a 2)"
ok "... one line" one_line 'unknown option --bogus'
ok_eq "get-replicas of an unknown path: exit 1" 1 "$(adm get-replicas /nope)"
ok "... one line" one_line '/nope: No such file or directory'
ok_eq "/a kept 4 after all that" 4 \
    "$("$ADMIN" -m "$M" --json get-replicas /a | jq -r .replicas)"
DEAD="127.0.0.1:$(free_port)"
ok_eq "unreachable metaserver: exit 1" 1 \
    "$("$ADMIN" -m "$DEAD" -t 1 set-replicas /a 2 2>"$CLUSTER_DIR/err"; echo $?)"
ok "... one line" one_line ''

# ---- fsck pages ------------------------------------------------------------------
ok_eq "mkdir /p" 0 "$(adm mkdir /p)"
put_failed=0
for i in 1 2 3 4 5 6 7 8; do
	head -c 1000 /dev/urandom >"$CLUSTER_DIR/p$i"
	[ "$(adm put "$CLUSTER_DIR/p$i" "/p/f$i")" = 0 ] ||
	    put_failed=$((put_failed + 1))
done
ok_eq "eight one-block files in /p" 0 "$put_failed"
FILES=12	# /a, /d/f1, /d/e/f2, /d/e/f3, /p/f1..f8
CHUNKS=$((4 + 2 + 2 + 2 + 8))
ok_eq "unpaged route (old clients): every chunk at once" \
    "200 $FILES $CHUNKS false null" \
    "$(mget m1 /v1/fsck; echo " $(jb '"\(.files) \(.chunks) \(.truncated) \(.next)"')")"
# walk the raw pages
cursor=0 pages=0 seen=0 last_ino=$(ino /p/f8) last_page=0 ordered=1 prev=""
while :; do
	code=$(mget m1 "/v1/fsck?all=1&after=$cursor")
	[ "$code" = 200 ] || break
	pages=$((pages + 1))
	n=$(jb '.problems | length')
	seen=$((seen + n))
	[ "$n" -le $PAGE ] || ordered=0
	jb '.problems[].ino' | grep -qx "$last_ino" && last_page=$pages
	# (ino, index) ascending within and across pages
	keys=$(jb '.problems[] | "\(.ino) \(.index)"')
	[ -z "$(printf '%s\n%s\n' "$prev" "$keys" | sed '/^$/d' |
	    sort -c -k1,1n -k2,2n 2>&1)" ] || ordered=0
	prev=$(printf '%s\n' "$keys" | tail -n 1)
	cursor=$(jb '.next // empty')
	[ -n "$cursor" ] || break
	[ $pages -lt 100 ] || break
done
ok_eq "raw pages: every chunk once" "200 $CHUNKS" "$code $seen"
ok_eq "... in pages of $PAGE" $(( (CHUNKS + PAGE - 1) / PAGE )) "$pages"
ok "... in (ino, index) order, none over the page size" [ "$ordered" = 1 ]
ok "/p/f8 is on a later page ($last_page)" [ "$last_page" -ge 2 ]
ok_eq "bad cursor: 400" 400 "$(mget m1 '/v1/fsck?after=x')"
ok_eq "... EINVAL" EINVAL "$(jb .error)"
ok_eq "empty cursor: 400" 400 "$(mget m1 '/v1/fsck?after=')"
ok_eq "cursor with junk: 400" 400 "$(mget m1 '/v1/fsck?after=1:2:3')"
ok_eq "cursor past the end: an empty last page" "200 0 null" \
    "$(mget m1 '/v1/fsck?after=18446744073709551615'; echo " $(jb '"\(.problems | length) \(.next)"')")"

ok "admin fsck: clean over every page (once /d/e is back at 3)" \
    wait_for 60 fsck_clean
ok_eq "... visited every file and chunk" "$FILES $CHUNKS $CHUNKS" \
    "$(jo '"\(.files) \(.checked) \(.chunks)"')"
ok "... in several pages" [ "$(jo .pages)" -ge 2 ]

# a block of /p/f8 (on a later page) deleted behind the metaserver's back
B=$(blocks "$last_ino")
ok "found /p/f8's block" [ -n "$B" ]
for n in $NODES; do
	rm -f "$(block_path "$n" "$B")"
done
ok_eq "fsck: exit 3" 3 "$(adm --json fsck)"
ok_eq "... one chunk missing, the rest healthy" \
    "false 1 $((CHUNKS - 1)) $FILES" \
    "$(jo '"\(.healthy) \(.missing) \(.healthy_chunks) \(.files)"')"
ok_eq "... it is /p/f8's" "$last_ino 0 missing $B" \
    "$(jo '.problems[] | "\(.ino) \(.index) \(.state) \(.id)"')"
ok_eq "fsck (table): exit 3" 3 "$(adm fsck)"
ok "... the totals line" grep -q "^$FILES files, $CHUNKS chunks checked on 4 nodes: $((CHUNKS - 1)) healthy, 0 under-replicated, 1 missing$" \
    "$CLUSTER_DIR/out"

tap_done
