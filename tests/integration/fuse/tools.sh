#!/bin/bash
# fuse/tools: ordinary programs on a mount -- rsync -a, git, sqlite3 writing
# from two mounts at once (cluster-wide fcntl locks), lseek SEEK_DATA /
# SEEK_HOLE, posix_fallocate -- and the permission rules the kernel enforces
# with default_permissions, checked as an unprivileged user: EACCES, the
# sticky bit, setgid directories, setuid cleared by a write, chown by a
# non-owner.
# TIMEOUT: 600
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start
A=$CLUSTER_DIR/mnt-a
B=$CLUSTER_DIR/mnt-b
OPTS=attr_timeout=0,entry_timeout=0,allow_other
mount_at a "$A" "$META_ADDR" -o $OPTS
wait_mount a || tap_bail "mount a failed"
mount_at b "$B" "$META_ADDR" -o $OPTS
wait_mount b || tap_bail "mount b failed"
chmod 755 "$A"

# ---- rsync -a ----------------------------------------------------------------
SRC=/usr/include/linux
if [ -d "$SRC" ]; then
	ok "rsync -a into the mount" rsync -a "$SRC/" "$A/rs/"
	ok "diff -r finds no difference" diff -r "$SRC" "$B/rs"
	ok_eq "rsync again copies nothing" 0 \
	    "$(rsync -a --out-format=%n "$SRC/" "$A/rs/" | grep -vc '/$')"
else
	tap_skip "no $SRC"
fi

# ---- git ---------------------------------------------------------------------------
G=$A/repo
mkdir "$G"
(
	cd "$G" && git init -q && git config user.email t@t && \
	    git config user.name t && echo one >a && git add a && \
	    git commit -qm one && git checkout -qb side && echo two >a && \
	    git commit -qam two && git checkout -q master 2>/dev/null ||
	    git checkout -q main
) >/dev/null 2>&1
ok_eq "git checkout restores the first version" one "$(cat "$G/a")"
ok "git fsck is clean" git -C "$B/repo" fsck --no-progress
ok_eq "two commits on side" 2 "$(git -C "$B/repo" rev-list --count side)"

# ---- sqlite3 from two mounts at once -----------------------------------------------
sqlite3 "$A/db" 'create table t (m text, n int);' || tap_bail "sqlite3"
SPIDS=""
for m in a b; do
	d=$A; [ $m = b ] && d=$B
	python3 - "$d/db" "$m" <<-'PY' &
	import sqlite3, sys
	db = sqlite3.connect(sys.argv[1], timeout=60)
	for i in range(100):
	    with db:
	        db.execute("insert into t values (?, ?)", (sys.argv[2], i))
	PY
	SPIDS="$SPIDS $!"
done
wait $SPIDS
ok_eq "200 rows from two mounts" 200 "$(sqlite3 "$B/db" 'select count(*) from t;')"
ok_eq "integrity" ok "$(sqlite3 "$A/db" 'pragma integrity_check;')"

# ---- lseek SEEK_DATA / SEEK_HOLE, posix_fallocate ------------------------------
BS=$(curl -s "$(meta_url m1 /v1/fs/info)" | jq -r .block_size)
ok_eq "SEEK_DATA and SEEK_HOLE" "$((2 * BS)) $((3 * BS)) $((3 * BS))" \
    "$(python3 -c "
import os
fd = os.open('$A/holes', os.O_CREAT | os.O_RDWR, 0o644)
os.pwrite(fd, b'x' * 10, 2 * $BS)
os.ftruncate(fd, 3 * $BS)
os.fsync(fd)
print(os.lseek(fd, 0, os.SEEK_DATA), os.lseek(fd, 2 * $BS, os.SEEK_HOLE),
      os.lseek(fd, 0, os.SEEK_END))")"
ok_eq "SEEK_DATA at the end: ENXIO" ENXIO "$(errno_of "
    fd = os.open('$A/holes', os.O_RDONLY)
    os.lseek(fd, 3 * $BS, os.SEEK_DATA)")"
ok_eq "SEEK_DATA inside the hole skips it" $((2 * BS)) "$(python3 -c "
import os
fd = os.open('$A/holes', os.O_RDONLY)
print(os.lseek(fd, 5, os.SEEK_DATA))")"
ok_eq "posix_fallocate extends the size" 12345 "$(python3 -c "
import os
fd = os.open('$A/falloc', os.O_CREAT | os.O_RDWR, 0o644)
os.posix_fallocate(fd, 0, 12345)
print(os.fstat(fd).st_size)")"

# ---- permissions as an unprivileged user -------------------------------------------
as_nobody() {
	# the system python: a user's python may live where nobody cannot go
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c "
import errno, os
try:
    $1
    print('OK')
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
"
}
# the private work dir must be traversable for the unprivileged user
chmod 755 "$CLUSTER_DIR"
ok_eq "nobody can read the mount" OK "$(as_nobody "os.listdir('$B')")"
mkdir "$A/private" && chmod 700 "$A/private"
ok_eq "create in a 0700 root dir: EACCES" EACCES \
    "$(as_nobody "open('$B/private/x', 'w')")"
mkdir "$A/sticky" && chmod 1777 "$A/sticky"
touch "$A/sticky/owned" && chown 1234 "$A/sticky/owned"
ok_eq "unlink of another's file in a sticky dir: EPERM" EPERM \
    "$(as_nobody "os.unlink('$B/sticky/owned')")"
ok_eq "own file in the sticky dir" OK "$(as_nobody "
    open('$B/sticky/mine', 'w').close()
    os.unlink('$B/sticky/mine')")"
ok_eq "chown by a non-owner: EPERM" EPERM \
    "$(as_nobody "os.chown('$B/sticky/owned', 65534, -1)")"
mkdir "$A/sgid" && chgrp 5678 "$A/sgid" && chmod 2775 "$A/sgid"
touch "$A/sgid/f" && mkdir "$A/sgid/sub"
ok_eq "setgid dir: new file gets its group" 5678 "$(stat -c %g "$B/sgid/f")"
SUBMODE=$(stat -c %a "$B/sgid/sub")
ok_eq "setgid dir: subdir inherits setgid" 2 "${SUBMODE:0:1}"
touch "$A/suid" && chmod 4777 "$A/suid"
as_nobody "open('$B/suid', 'a').write('x')" >/dev/null
ok_eq "a write by another user clears setuid" 777 "$(stat -c %a "$A/suid")"
unmount b
unmount a
ok_eq "clean unmount" 0 "$NODE_STATUS"
tap_done
