#!/bin/bash
# fuse/fstab: `mount -t fuse.minidfs` and fstab lines (`mount -T FILE -a`)
# through util-linux mount(8) and Debian's mount.fuse3, with the programs
# `make install` puts in the default prefix.
#
# mount(8) drops PATH before it runs /sbin/mount.fuse3, which runs
# "minidfs SOURCE DIR -o opts" through /bin/sh, so the shell's default PATH
# (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin) finds the
# program.  To test exactly that without changing the system, the script
# re-runs itself in a private mount namespace (unshare -m), installs with
# DESTDIR into its work dir and bind-mounts the installed bin dir over
# /usr/local/bin there; a private tmpfs on /run/mount keeps libmount's utab
# entries out of the host's.  Every mount it makes lives and dies with the
# namespace; /etc/fstab is never read or written.
# TIMEOUT: 300
if [ -z "${FSTAB_IN_NS:-}" ]; then
	if ! command -v unshare >/dev/null || ! unshare -m true 2>/dev/null
	then
		echo "ok 1 # SKIP no mount namespaces (unshare -m)"
		echo "1..1"
		exit 0
	fi
	FSTAB_IN_NS=1 exec unshare -m --propagation private /bin/bash \
	    "${BASH_SOURCE[0]}" "$@"
fi
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

[ -x /sbin/mount.fuse3 ] || { tap_skip "no /sbin/mount.fuse3 (fuse3)"; tap_done; exit 0; }
fuse_cluster_start
chmod 755 "$CLUSTER_DIR"	# nobody checks allow_other through it

# ---- make install, seen at /usr/local/bin in this namespace only ----------
# (under `make check` the parent's MAKEFLAGS would add "Entering/Leaving
# directory" lines, so the answer is picked out by its tag)
BINDIR=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
    -C "$top_builddir" -f Makefile -f - fstab-print-bindir \
    <<<'fstab-print-bindir: ; @echo "bindir=$(bindir)"' |
    sed -n 's/^bindir=//p' | tail -n 1)
if [ "$BINDIR" != /usr/local/bin ]; then
	tap_skip "bindir is $BINDIR; this test overlays /usr/local/bin only"
	tap_done
	exit 0
fi
INST=$CLUSTER_DIR/inst
make -s --no-print-directory -C "$top_builddir" install DESTDIR="$INST" \
    >"$CLUSTER_DIR/install.log" 2>&1 || tap_bail "make install DESTDIR failed"
ok "make install puts minidfs in bindir" test -x "$INST/usr/local/bin/minidfs"
mount --bind "$INST/usr/local/bin" /usr/local/bin ||
    tap_bail "cannot bind-mount over /usr/local/bin"
mkdir -p /run/mount && mount -t tmpfs -o size=1M fstab-utab /run/mount ||
    tap_bail "cannot mount a private /run/mount"

# the plain second mount, from the build tree
B=$CLUSTER_DIR/mnt-b
mount_at b "$B" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount b || tap_bail "plain mount failed"

# daemon_pid DIR: the PID of the minidfs serving DIR (it daemonized, so
# mount(8) never told us); found by its command line.
daemon_pid() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		{ tr '\0' '\n' <"$f"; } 2>/dev/null | { read -r a0 &&
		    [ "${a0##*/}" = minidfs ] && grep -qxF "$1"; } &&
		    { f=${f#/proc/}; echo "${f%/cmdline}"; return 0; }
	done
	return 1
}
# mounted_by_us NAME DIR: records DIR and its daemon (PID in $MPID) for
# the EXIT trap.
mounted_by_us() {
	MNT_DIR[$1]=$2
	MPID=$(daemon_pid "$2") && cluster_record "$MPID"
}
gone() { ! kill -0 "$1" 2>/dev/null; }
mount_field() {	# mount_field DIR N: field N of DIR's /proc/mounts line
	awk -v d="$1" -v n="$2" '$2 == d { print $n }' /proc/mounts
}
has_opt() {	# has_opt DIR OPT: OPT is among DIR's mount options
	case ",$(mount_field "$1" 4)," in *",$2,"*) return 0 ;; esac
	return 1
}
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c "
import errno, os
try:
    $1
    print('OK')
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))"
}

# ---- mount -t fuse.minidfs SOURCE DIR -o ... -------------------------------
M1=$CLUSTER_DIR/m1
mkdir -p "$M1"
ok "mount -t fuse.minidfs succeeds" \
    mount -t fuse.minidfs "$META_ADDR" "$M1" \
    -o "entry_timeout=0,attr_timeout=0,_netdev,nofail,secret_file=$CLUSTER_SECRET"
mounted_by_us m1 "$M1"; P1=$MPID
ok "it is mounted" mountpoint -q "$M1"
ok_eq "its type is fuse.minidfs" fuse.minidfs "$(mount_field "$M1" 3)"
ok_eq "its source is SOURCE as given" "$META_ADDR" \
    "$(mount_field "$M1" 1)"
ok "it runs with default_permissions" has_opt "$M1" default_permissions
ok "without allow_other in the options there is none" \
    eval '! has_opt "$M1" allow_other'
ok_eq "then nobody cannot look inside" EACCES \
    "$(as_nobody "os.stat('$M1/.')")"
head -c 300000 /dev/urandom >"$CLUSTER_DIR/one"
cp "$CLUSTER_DIR/one" "$M1/one"
ok "a file written through it reads back through the plain mount" \
    cmp "$CLUSTER_DIR/one" "$B/one"
ok_eq "entry_timeout=0: a name made elsewhere shows at once" \
    "ENOENT OK" "$(errno_of "os.stat('$M1/late1')") $(
    touch "$B/late1"; errno_of "os.stat('$M1/late1')")"
ok "umount DIR succeeds" umount "$M1"
ok "and its daemon exits" wait_for 20 gone "$P1"
ok "and nothing is left mounted" eval '! mountpoint -q "$M1"'

# ---- an fstab line, mount -a ------------------------------------------------
M2=$CLUSTER_DIR/m2
M3=$CLUSTER_DIR/m3
mkdir -p "$M2" "$M3"
FSTAB=$CLUSTER_DIR/fstab
cat >"$FSTAB" <<EOF
# a test fstab (mount -T): never /etc/fstab
$META_ADDR  $M2  fuse.minidfs  defaults,auto,_netdev,nofail,x-systemd.requires=network-online.target,x-systemd.mount-timeout=30,allow_other,entry_timeout=3600,attr_timeout=0,cache_size=64M,secret_file=$CLUSTER_SECRET  0  0
$META_ADDR  $M3  fuse.minidfs  noauto,_netdev,ro,allow_other,secret_file=$CLUSTER_SECRET  0  0
EOF
ok "mount -a with fuse.minidfs and _netdev lines succeeds" \
    mount -T "$FSTAB" -a
mounted_by_us m2 "$M2"; P2=$MPID
ok "the auto line is mounted" mountpoint -q "$M2"
ok "the noauto line is not" eval '! mountpoint -q "$M3"'
ok_eq "fstab mount: type fuse.minidfs" fuse.minidfs "$(mount_field "$M2" 3)"
ok "fstab allow_other reaches the kernel" has_opt "$M2" allow_other
ok "fstab mount is read-write" has_opt "$M2" rw
ok_eq "allow_other is honoured: nobody reads a file" OK \
    "$(as_nobody "open('$M2/one', 'rb').read()")"
ok_eq "default_permissions still holds: nobody cannot write it" EACCES \
    "$(as_nobody "open('$M2/one', 'ab')")"
ok "a file written through the fstab mount reads back through the plain one" \
    eval 'cp "$CLUSTER_DIR/one" "$M2/two" && cmp "$CLUSTER_DIR/one" "$B/two"'
ok "and the other way round" cmp "$CLUSTER_DIR/one" "$M2/one"
# entry_timeout=3600 from the fstab line: an absent name stays cached
ok_eq "fstab entry_timeout=3600 keeps a negative entry" "ENOENT ENOENT OK" \
    "$(errno_of "os.stat('$M2/late2')") $(touch "$B/late2"
    errno_of "os.stat('$M2/late2')") $(errno_of "os.stat('$B/late2')")"
ok "mount -T FILE DIR mounts the noauto line" mount -T "$FSTAB" "$M3"
mounted_by_us m3 "$M3"; P3=$MPID
ok "fstab ro reaches the kernel" has_opt "$M3" ro
ok_eq "ro is honoured: writing fails with EROFS" EROFS \
    "$(errno_of "open('$M3/ro', 'w')")"
ok "ro mount still reads" cmp "$CLUSTER_DIR/one" "$M3/two"
ok "umount of the ro mount" umount "$M3"
ok "its daemon exits" wait_for 20 gone "$P3"

# a file written just before umount is stored
head -c 5000000 /dev/urandom >"$CLUSTER_DIR/last"
cp "$CLUSTER_DIR/last" "$M2/last" && umount "$M2"
ok_eq "umount right after writing succeeds" 0 "$?"
ok "the fstab mount's daemon exits" wait_for 20 gone "$P2"
ok "nothing is left mounted" eval '! mountpoint -q "$M2"'
ok "mount -a again" mount -T "$FSTAB" -a
mounted_by_us m2 "$M2"; P2=$MPID
ok "the file written before umount reads back from a fresh mount" \
    cmp "$CLUSTER_DIR/last" "$M2/last"
ok "and through the plain mount" cmp "$CLUSTER_DIR/last" "$B/last"
ok "mount -a skips what is mounted already" mount -T "$FSTAB" -a
ok_eq "still one mount on the dir" 1 \
    "$(awk -v d="$M2" '$2 == d' /proc/mounts | wc -l)"
ok "umount" umount "$M2"
ok "daemon exits" wait_for 20 gone "$P2"

# ---- bad fstab lines: mount -a fails, one line, nothing mounted ----------
# bad_line NAME SOURCE OPTIONS MESSAGE-PATTERN [LINES]
bad_line() {
	local name=$1 src=$2 opts=$3 pat=$4 lines=${5:-1} dir tab rc msg
	dir=$CLUSTER_DIR/bad-$name
	tab=$CLUSTER_DIR/fstab-$name
	mkdir -p "$dir"
	MNT_DIR[bad-$name]=$dir
	printf '%s %s fuse.minidfs %s 0 0\n' "$src" "$dir" "$opts" >"$tab"
	msg=$(mount -T "$tab" -a 2>&1 >/dev/null)
	rc=$?
	ok "$name: mount -a fails" test "$rc" -ne 0
	ok_eq "$name: a message of $lines line(s)" "$lines" \
	    "$(printf '%s\n' "$msg" | grep -c .)"
	ok "$name: the message says what is wrong" \
	    eval 'grep -q -- "$pat" <<<"$msg"'
	[ "$rc" -ne 0 ] && [ -n "$msg" ] || tap_diag "$name: $msg"
	ok "$name: nothing mounted" eval '! mountpoint -q "$dir"'
	ok "$name: no daemon left" eval '! daemon_pid "$dir" >/dev/null'
}
bad_line unknown-option "$META_ADDR" _netdev,bogus_option "bogus_option"
bad_line bad-value "$META_ADDR" _netdev,cache_size=lots "cache_size=lots"
bad_line bad-source nohostport _netdev "SOURCE nohostport"
bad_line bad-port "127.0.0.1:99999" _netdev "SOURCE"
# a well-formed SOURCE nobody answers: the metaclient's reason, then ours
bad_line unreachable "127.0.0.1:$(free_port)" _netdev,retry_time=1 \
    "cannot reach a metaserver" 2

unmount b
ok_eq "plain mount unmounts cleanly" 0 "$NODE_STATUS"
tap_done
