#!/bin/bash
# fuse/attrs: root's chmod, chown and utimes of a file this mount created and
# still holds open wait for its close and go inside its commit, or in one
# setattr when there is nothing to commit (writer.c, point 6).  Checks that the writing mount shows them at once, that a second mount
# sees exactly them after close (or fsync), that a write after utimes moves
# mtime on, that chown clears setuid, that hard links and truncates keep
# nlink and size right, that a non-root caller's errors still come from the
# call itself, and that a tar-like file costs fewer metaserver requests and
# etcd writes: no setattr at all, create and commit only.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start
chmod 755 "$CLUSTER_DIR"	# the unprivileged checks walk through it
A=$CLUSTER_DIR/mnt-a
B=$CLUSTER_DIR/mnt-b
mount_at a "$A" "$META_ADDR" -o allow_other
wait_mount a || tap_bail "mount a failed"
mount_at b "$B" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount b || tap_bail "mount b failed"
mkdir "$A/d" && chmod 777 "$A/d"
PY=/usr/bin/python3	# the system python: nobody can run it

# prints mode(octal) uid gid mtime_ns size nlink of a path
st() {
	python3 -c "
import os, sys
s = os.stat(sys.argv[1])
print('%o %d %d %d %d %d' % (s.st_mode & 0o7777, s.st_uid, s.st_gid,
    s.st_mtime_ns, s.st_size, s.st_nlink))" "$1"
}

# ---- tar's sequence: write, futimens, fchown, fchmod, close ---------------
out=$(python3 - "$A/d/f1" "$B/d/f1" <<'PY'
import os, sys
a, b = sys.argv[1], sys.argv[2]
fd = os.open(a, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
os.write(fd, b"x" * 5000)
os.utime(fd, ns=(111000000000, 222000000000))
os.fchown(fd, 1234, 5678)
os.fchmod(fd, 0o640)
s = os.fstat(fd)
print("open-a %o %d %d %d %d" % (s.st_mode & 0o7777, s.st_uid, s.st_gid,
    s.st_mtime_ns, s.st_size))
s = os.stat(a)
print("path-a %o %d %d %d" % (s.st_mode & 0o7777, s.st_uid, s.st_gid,
    s.st_mtime_ns))
os.close(fd)
PY
)
ok_eq "the writing mount shows the changes while open" \
    "open-a 640 1234 5678 222000000000 5000" "$(echo "$out" | grep open-a)"
ok_eq "and by path" "path-a 640 1234 5678 222000000000" \
    "$(echo "$out" | grep path-a)"
ok_eq "after close the other mount sees all of them" \
    "640 1234 5678 222000000000 5000 1" "$(st "$B/d/f1")"
# (atime before the data: reading it is a relatime touch)
atime=$(python3 -c "import os; print(os.stat('$B/d/f1').st_atime_ns)")
ok_eq "atime too" 111000000000 "$atime"
ok_eq "and the data" 5000 "$(tr -d x <"$B/d/f1" | wc -c | awk '{print 5000 - $1}')"

# ---- an empty file: nothing to commit, the attributes still go ------------
python3 -c "
import os
fd = os.open('$A/d/e', os.O_CREAT | os.O_WRONLY, 0o600)
os.fchmod(fd, 0o604)
os.utime(fd, ns=(5, 7000000000))
os.close(fd)"
ok_eq "empty file: mode and mtime reach the other mount" \
    "604 0 0 7000000000 0 1" "$(st "$B/d/e")"

# ---- a write after utimes moves mtime on -----------------------------------
now=$(date +%s)
python3 -c "
import os
fd = os.open('$A/d/w', os.O_CREAT | os.O_WRONLY, 0o644)
os.write(fd, b'a')
os.utime(fd, ns=(1, 1000000000))
os.write(fd, b'b')
os.close(fd)"
m=$(st "$B/d/w" | awk '{print int($4 / 1000000000)}')
ok "a write after utimes sets mtime to now ($m >= $((now - 5)))" \
    test "$m" -ge $((now - 5))
ok_eq "and both bytes are there" ab "$(cat "$B/d/w")"

# ---- chown without a mode clears setuid (the kernel asks for it) ----------
python3 -c "
import os
fd = os.open('$A/d/s', os.O_CREAT | os.O_WRONLY, 0o644)
os.fchmod(fd, 0o4755)
os.fchown(fd, 42, 43)
os.close(fd)"
ok_eq "chown after chmod 4755 clears setuid" "755 42 43" \
    "$(st "$B/d/s" | cut -d' ' -f1-3)"

# ---- fsync makes them durable and visible before close ---------------------
python3 - "$A/d/y" "$B/d/y" <<'PY' >"$CLUSTER_DIR/fsync.out"
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644)
os.write(fd, b"data")
os.fchmod(fd, 0o600)
os.fsync(fd)
s = os.stat(sys.argv[2])
print("%o %d" % (s.st_mode & 0o7777, s.st_size))
os.close(fd)
PY
ok_eq "after fsync the other mount sees mode and size" "600 4" \
    "$(cat "$CLUSTER_DIR/fsync.out")"

# ---- a hard link and a truncate while open keep nlink and size right --------
out=$(python3 -c "
import os
fd = os.open('$A/d/h', os.O_CREAT | os.O_RDWR, 0o644)
os.write(fd, b'12345678')
os.link('$A/d/h', '$A/d/h2')
os.fchmod(fd, 0o664)
s = os.fstat(fd)
print(s.st_nlink, '%o' % (s.st_mode & 0o7777))
os.truncate('$A/d/h', 3)
os.fchmod(fd, 0o644)
s = os.fstat(fd)
print(s.st_size, '%o' % (s.st_mode & 0o7777))
os.close(fd)")
ok_eq "nlink after a link, then a deferred chmod" "2 664" \
    "$(echo "$out" | sed -n 1p)"
ok_eq "size after a truncate, then a deferred chmod" "3 644" \
    "$(echo "$out" | sed -n 2p)"
ok_eq "the other mount agrees" "644 0 0 3 2" \
    "$(st "$B/d/h" | awk '{print $1, $2, $3, $5, $6}')"

# ---- a non-root caller: not deferred, its errors come from the call --------
ok_eq "nobody: chown to root fails at the call" EPERM "$(setpriv \
    --reuid=65534 --regid=65534 --clear-groups $PY -c "
import errno, os
fd = os.open('$A/d/n', os.O_CREAT | os.O_WRONLY, 0o644)
try:
    os.fchown(fd, 0, 0)
    print('OK')
except OSError as e:
    print(errno.errorcode[e.errno])
os.close(fd)")"
setpriv --reuid=65534 --regid=65534 --clear-groups $PY -c "
import os
fd = os.open('$A/d/n2', os.O_CREAT | os.O_WRONLY, 0o644)
os.fchmod(fd, 0o600)
os.close(fd)"
ok_eq "nobody: its own chmod is stored" "600 65534" \
    "$(st "$B/d/n2" | cut -d' ' -f1-2)"

# ---- getattr of an open new file: answered by the mount only within -------
# attr_timeout (1 s on a) of the metaserver's last answer, like the
# kernel's cache; another mount's chmod shows once that has passed
out=$(python3 - "$A/d/g1" "$B/d/g1" <<'PY'
import os, sys, time
a, b = sys.argv[1], sys.argv[2]
fd = os.open(a, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
os.write(fd, b"y" * 100)
os.fsync(fd)
os.chmod(b, 0o604)
time.sleep(1.5)
print("%o" % (os.fstat(fd).st_mode & 0o7777), "%o" % (os.stat(a).st_mode & 0o7777))
os.close(fd)
PY
)
ok_eq "open new file: another mount's chmod shows after attr_timeout" \
    "604 604" "$out"

# ---- round trips: a tar-like file costs at most 6 metaserver requests ------
# etcd writes: raft proposals committed (each txn is one)
etcd_writes() {
	curl -s "http://$ETCD_EP/metrics" |
	    awk '/^etcd_server_proposals_committed_total/ {print $2}'
}
mkdir "$A/t"
stat "$A/t" >/dev/null
r0=$(fs_requests)
s0=$(fs_logged setattr)
w0=$(etcd_writes)
python3 -c "
import os
for i in range(50):
    fd = os.open('$A/t/f%d' % i, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
    os.write(fd, b'%d' % i * 100)
    os.utime(fd, ns=(10**9, 2 * 10**9))
    os.fchown(fd, 7, 8)
    os.fchmod(fd, 0o640)
    os.close(fd)"
r1=$(fs_requests)
s1=$(fs_logged setattr)
w1=$(etcd_writes)
per=$(( (r1 - r0) / 50 ))
ok "metaserver requests per tar-like file: $per (at most 6; 7 with a separate setattr, 11 without deferring)" \
    test "$per" -le 6
ok_eq "no setattr request for tar-like files ending in close" 0 \
    "$((s1 - s0))"
# create + commit = 2; a background write (a lease grant, a repair) may
# add a few, but not one per file as a setattr did (3 per file)
ok "etcd writes per tar-like file: $(( (w1 - w0) * 100 / 50 ))/100 (2 + noise; 3 with a separate setattr)" \
    test $(( (w1 - w0) * 100 / 50 )) -lt 250
# an empty file: lookup, create, release; the getattr of the directory the
# kernel sends after each create is answered from the create's "dirs"
mkdir "$A/e"
stat "$A/e" >/dev/null
r2=$(fs_requests)
for i in $(seq 1 50); do : >"$A/e/f$i"; done
sleep 0.5	# releases are sent after close returns
r3=$(fs_requests)
ok "metaserver requests per empty file: $(( (r3 - r2) / 50 )) (3; 4 with the directory's getattr)" \
    test $(( (r3 - r2) / 50 )) -le 3
# ... and another mount's change to that directory shows once
# attr_timeout (1 s on a) has passed
m0=$(st "$A/e" | cut -d' ' -f4)
: >"$B/e/other"
sleep 1.2
ok "another mount's create in the directory shows its new mtime after attr_timeout" \
    test "$(st "$A/e" | cut -d' ' -f4)" = "$(st "$B/e" | cut -d' ' -f4)" -a \
    "$(st "$A/e" | cut -d' ' -f4)" != "$m0"

ok_eq "all 50 stored with their attributes" 50 "$(for i in $(seq 0 49); do
    st "$B/t/f$i"; done | grep -c '^640 7 8 2000000000 ')"

# ---- atime (relatime, the default; fuse/atime.h) -------------------------
# prints atime_ns ctime_ns of a path
ac() {
	python3 -c "
import os, sys
s = os.stat(sys.argv[1])
print(s.st_atime_ns, s.st_ctime_ns)" "$1"
}
atime_moved() { [ "$(ac "$1" | cut -d' ' -f1)" -gt "$2" ]; }
printf data >"$A/at"
touch -a -d @1000000000 "$A/at"	# atime older than mtime and ctime
read -r a0 c0 <<<"$(ac "$B/at")"
t0=$(fs_logged atime)
cat "$A/at" >/dev/null
ok "the reading mount shows the new atime at once" atime_moved "$A/at" "$a0"
ok "another mount sees it once the touch reached the metaserver" \
    wait_for 10 atime_moved "$B/at" "$a0"
read -r a1 c1 <<<"$(ac "$B/at")"
ok_eq "a read leaves ctime alone" "$c0" "$c1"
cat "$A/at" >/dev/null
cat "$A/at" >/dev/null
sleep 0.5	# a touch would be sent in the background
ok_eq "one touch for the first read, none for the reads right after" 1 \
    "$(( $(fs_logged atime) - t0 ))"
ok_eq "... and atime stays" "$a1" "$(ac "$B/at" | cut -d' ' -f1)"
mkdir "$A/ld" && : >"$A/ld/x"
touch -a -d @1000000000 "$A/ld"
ls "$A/ld" >/dev/null
ok "a listing updates the directory's atime, seen from another mount" \
    wait_for 10 atime_moved "$B/ld" 1000000000000000000
# -o noatime: no touch at all, and the kernel mount says noatime
C=$CLUSTER_DIR/mnt-c
mount_at c "$C" "$META_ADDR" -o noatime,attr_timeout=0,entry_timeout=0
wait_mount c || tap_bail "mount c failed"
touch -a -d @1000000000 "$A/at" "$A/ld"
t0=$(fs_logged atime)
cat "$C/at" >/dev/null
ls "$C/ld" >/dev/null
sleep 0.5
ok_eq "with -o noatime reads and listings send no touch" 0 \
    "$(( $(fs_logged atime) - t0 ))"
ok_eq "... and atime stays, there and on another mount" \
    "1000000000000000000 1000000000000000000 1000000000000000000" \
    "$(ac "$C/at" | cut -d' ' -f1) $(ac "$B/at" | cut -d' ' -f1) $(ac "$B/ld" | cut -d' ' -f1)"
ok "-o noatime reaches the kernel's mount flags" \
    grep -q " $C fuse.minidfs [^ ]*noatime" /proc/mounts
unmount c
ok_eq "clean unmount (noatime)" 0 "$NODE_STATUS"

unmount a
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
