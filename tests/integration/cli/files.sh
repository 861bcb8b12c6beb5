#!/bin/bash
# cli/files: minidfs-admin as a FUSE-less client of a real cluster (etcd, a
# metaserver with 64 KiB blocks, three dataservers).  put/get round trips
# byte for byte for 0, 1, block-1, block, block+1 bytes and a multi-block
# file, from and to files and stdin/stdout; a re-put of a shorter file; a
# file put by the CLI read through a FUSE mount and one written through the
# mount fetched by the CLI; ls (plain, -l, --json, of a file), mkdir and rm
# with their one-line errors and exit statuses (missing path, not a
# directory, exists, not empty, bad path, missing local file, a directory
# as target).  The mount parts are skipped without /dev/fuse.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

ADMIN="$top_builddir/cli/minidfs-admin"
[ -x "$ADMIN" ] || tap_bail "$ADMIN not built"
BS=65536

cluster_init
cluster_up 1 3 --set meta.blocks.block_size=$BS ||
    tap_bail "the cluster did not start"
meta_wait_leader 30 m1 >/dev/null || tap_bail "no metaserver leads"
wait_for 30 fuse_nodes_live 3 || tap_bail "the metaserver does not see 3 dataservers"
M=$(meta_addr m1)
ok_eq "block size from the metaserver" $BS \
    "$(curl -s "$(meta_url m1 /v1/fs/info)" | jq -r .block_size)"

# adm ARGS...: prints the exit status; stdout in $OUT, stderr in $ERR.
OUT=$CLUSTER_DIR/out
ERR=$CLUSTER_DIR/err
adm() {
	"$ADMIN" -m "$M" -t 5 --secret-file "$CLUSTER_SECRET" "$@" >"$OUT" \
	    2>"$ERR"
	echo $?
}
# one_line PATTERN: stderr is exactly one line "minidfs-admin: ...PATTERN..."
one_line() {
	[ "$(wc -l <"$ERR")" = 1 ] && grep -q "^minidfs-admin: .*$1" "$ERR"
}

SRC=$CLUSTER_DIR/src
mkdir -p "$SRC"

# ---- put / get round trips --------------------------------------------------
ok_eq "mkdir /d" 0 "$(adm mkdir /d)"
ok "... silent" test ! -s "$OUT" -a ! -s "$ERR"
for n in 0 1 $((BS - 1)) $BS $((BS + 1)) $((5 * BS + 777)); do
	head -c "$n" /dev/urandom >"$SRC/f$n"
	ok_eq "put $n bytes" 0 "$(adm put "$SRC/f$n" "/d/f$n")"
	ok_eq "get $n bytes" 0 "$(adm get "/d/f$n" "$SRC/g$n")"
	ok "$n bytes back identical" cmp "$SRC/f$n" "$SRC/g$n"
	ok_eq "get - of $n bytes" 0 "$(adm get "/d/f$n" -)"
	ok "... identical on stdout" cmp "$SRC/f$n" "$OUT"
done
head -c $((3 * BS + 5)) /dev/urandom >"$SRC/stdin"
ok_eq "put - from stdin" 0 \
    "$("$ADMIN" -m "$M" -t 5 -s "$CLUSTER_SECRET" put - /d/stdin <"$SRC/stdin" 2>"$ERR"; echo $?)"
ok_eq "get it back" 0 "$(adm get /d/stdin "$SRC/stdin.back")"
ok "stdin put identical" cmp "$SRC/stdin" "$SRC/stdin.back"
ok_eq "put a shorter file over a longer one" 0 \
    "$(adm put "$SRC/f1" "/d/f$((5 * BS + 777))")"
ok_eq "... get" 0 "$(adm get "/d/f$((5 * BS + 777))" "$SRC/short")"
ok "... truncated to the new content" cmp "$SRC/f1" "$SRC/short"
ok_eq "same content twice (blocks already present)" 0 \
    "$(adm put "$SRC/f$BS" /d/again)"
ok_eq "... get" 0 "$(adm get /d/again "$SRC/again")"
ok "... identical" cmp "$SRC/f$BS" "$SRC/again"

# ---- ls ---------------------------------------------------------------------
ok_eq "ls /" 0 "$(adm ls /)"
ok_eq "... lists d only" d "$(cat "$OUT")"
ok_eq "ls /d" 0 "$(adm ls /d)"
ok_eq "... 8 names" 8 "$(wc -l <"$OUT")"
ok "... f1 among them" grep -qx f1 "$OUT"
ok_eq "ls -l /d" 0 "$(adm ls -l /d)"
ok "... f$BS with its size" \
    awk -v s=$BS -v n="f$BS" '$NF == n && $5 == s { f = 1 } END { exit !f }' "$OUT"
ok "... a header" grep -q '^MODE' "$OUT"
ok_eq "ls of a file" 0 "$(adm ls -l /d/f1)"
ok "... one row for it" awk '$NF == "f1" && $1 ~ /^-rw/ && $5 == 1 { f = 1 } END { exit !f }' "$OUT"
ok_eq "ls --json" 0 "$(adm --json ls /d)"
ok_eq "... size of f1" 1 "$(jq -r '.[] | select(.name == "f1") | .size' "$OUT")"
ok_eq "... 8 entries" 8 "$(jq length "$OUT")"

# ---- errors -----------------------------------------------------------------
ok_eq "ls of a missing path: exit 1" 1 "$(adm ls /nope)"
ok "... one line" one_line '/nope: No such file or directory'
ok_eq "ls through a file: exit 1" 1 "$(adm ls /d/f1/x)"
ok "... one line" one_line '/d/f1/x: Not a directory'
ok_eq "ls of a relative path: exit 1" 1 "$(adm ls d)"
ok "... one line" one_line 'd: not an absolute path'
ok_eq "ls without a path: exit 2" 2 "$(adm ls)"
ok "... one line" one_line 'ls: missing arguments'
ok_eq "ls with a bad flag: exit 2" 2 "$(adm ls -x /)"
ok_eq "mkdir existing: exit 1" 1 "$(adm mkdir /d)"
ok "... one line" one_line '/d: File exists'
ok_eq "mkdir under a missing dir: exit 1" 1 "$(adm mkdir /x/y)"
ok "... one line" one_line '/x/y: No such file or directory'
ok_eq "mkdir under a file: exit 1" 1 "$(adm mkdir /d/f1/y)"
ok "... one line" one_line 'Not a directory'
ok_eq "mkdir /: exit 1" 1 "$(adm mkdir /)"
ok "... one line" one_line '/: not an absolute path'
ok_eq "mkdir with ..: exit 1" 1 "$(adm mkdir /d/..)"
ok_eq "rm a non-empty directory: exit 1" 1 "$(adm rm /d)"
ok "... one line" one_line '/d: Directory not empty'
ok_eq "rm a missing file: exit 1" 1 "$(adm rm /d/nope)"
ok "... one line" one_line '/d/nope: No such file or directory'
ok_eq "put a missing local file: exit 1" 1 "$(adm put "$SRC/nope" /d/x)"
ok "... one line" one_line "$SRC/nope: No such file or directory"
ok_eq "... nothing created" 1 "$(adm ls /d/x)"
ok_eq "put into a missing dir: exit 1" 1 "$(adm put "$SRC/f1" /x/y)"
ok "... one line" one_line '/x/y: No such file or directory'
ok_eq "put onto a directory: exit 1" 1 "$(adm put "$SRC/f1" /d)"
ok "... one line" one_line '/d: create: Is a directory'
ok_eq "get of a directory: exit 1" 1 "$(adm get /d "$SRC/x")"
ok "... one line" one_line '/d: Is a directory'
ok_eq "get of a missing file: exit 1" 1 "$(adm get /d/nope "$SRC/x")"
ok "... no local file made" test ! -e "$SRC/x"
ok_eq "put with one argument: exit 2" 2 "$(adm put "$SRC/f1")"

# ---- rm ---------------------------------------------------------------------
ok_eq "rm a file" 0 "$(adm rm /d/again)"
ok_eq "... gone" 1 "$(adm ls /d/again)"
ok_eq "mkdir /d/e" 0 "$(adm mkdir /d/e/)"
ok_eq "rm an empty directory" 0 "$(adm rm /d/e)"
ok_eq "... gone" 1 "$(adm ls /d/e)"

# ---- with a FUSE mount --------------------------------------------------------
if [ -e /dev/fuse ] && command -v fusermount3 >/dev/null; then
	A=$CLUSTER_DIR/mnt-a
	mount_at a "$A" "$M" -o attr_timeout=0,entry_timeout=0
	wait_mount a || tap_bail "mount a failed"
	ok "CLI-put multi-block file read through the mount" \
	    cmp "$SRC/stdin" "$A/d/stdin"
	ok "CLI-put one-block file read through the mount" \
	    cmp "$SRC/f$((BS + 1))" "$A/d/f$((BS + 1))"
	head -c $((4 * BS + 99)) /dev/urandom >"$SRC/viamount"
	cp "$SRC/viamount" "$A/d/viamount"
	ok_eq "a file written through the mount: get" 0 \
	    "$(adm get /d/viamount "$SRC/viamount.back")"
	ok "... identical" cmp "$SRC/viamount" "$SRC/viamount.back"
	ok "mkdir through the mount" mkdir "$A/m"
	ok_eq "... seen by ls" m "$(adm ls / >/dev/null; "$ADMIN" -m "$M" -s "$CLUSTER_SECRET" ls / | grep -x m)"
	ok_eq "rm by the CLI" 0 "$(adm rm /d/viamount)"
	ok "... gone from the mount" test ! -e "$A/d/viamount"
	ok "unmount" unmount a
else
	tap_skip "no /dev/fuse: mount checks"
fi

tap_done
