#!/bin/bash
# fuse/lookahead: lookups of many names of one directory are answered from
# one listing fetched ahead (fuse/lookahead.h).  Checks that stat of 300
# files after drop_caches costs a handful of metaserver requests instead of
# 300 and gives every file's own attributes; that this mount's own changes
# (a write, a chmod, a rename) show at once although the listing is younger
# than the timeouts; that a name another mount just created is found; that
# a directory of more than one readdir page is listed whole; and
# that entry_timeout=0 turns it off.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/integration/fuse/lib.sh"

fuse_cluster_start
A=$CLUSTER_DIR/mnt-a
B=$CLUSTER_DIR/mnt-b
mount_at a "$A" "$META_ADDR" -o entry_timeout=5,attr_timeout=5
wait_mount a || tap_bail "mount a failed"
mount_at b "$B" "$META_ADDR" -o attr_timeout=0,entry_timeout=0
wait_mount b || tap_bail "mount b failed"

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# files PREFIX N in DIR: file PREFIX<i> holds i bytes, mode 0600 + i % 8
make_files() {
	python3 - "$1" "$2" <<'PY' || tap_bail "creating files in $1 failed"
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    p = "%s/f%d" % (d, i)
    with open(p, "wb") as f:
        f.write(b"x" * i)
    os.chmod(p, 0o600 + i % 8)
PY
}
# prints how many of f1..fN in DIR do not show their own size and mode
wrong_stats() {
	python3 - "$1" "$2" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
bad = 0
for i in range(1, n + 1):
    s = os.stat("%s/f%d" % (d, i))
    if s.st_size != i or s.st_mode & 0o7777 != 0o600 + i % 8:
        bad += 1
print(bad)
PY
}

# ---- one listing answers the lookups ---------------------------------------
mkdir "$A/d"
make_files "$A/d" 300
drop_caches
r0=$(fs_requests)
bad=$(wrong_stats "$A/d" 300)
r1=$(fs_requests)
ok_eq "stat of 300 files after drop_caches: every size and mode right" 0 "$bad"
ok "... in $((r1 - r0)) metaserver requests (at most 10; 300 without the listing)" \
    test $((r1 - r0)) -le 10
r0=$(fs_requests)
bad=$(wrong_stats "$A/d" 300)
r1=$(fs_requests)
ok_eq "again, from the kernel's caches: right" 0 "$bad"

# ---- this mount's changes show at once ---------------------------------------
# All within the 5 s timeouts of one listing: without the change count the
# listing would answer with the old size, mode and name.
out=$(python3 - "$A/d" <<'PY'
import os, sys
d = sys.argv[1]
def drop():
    os.sync()
    open("/proc/sys/vm/drop_caches", "w").write("3\n")
drop()
for i in range(1, 301):
    os.stat("%s/f%d" % (d, i))		# the listing is fetched
with open(d + "/f7", "ab") as f:
    f.write(b"abc")
os.chmod(d + "/f8", 0o640)
os.rename(d + "/f9", d + "/g9")
drop()
print(os.stat(d + "/f7").st_size, "%o" % (os.stat(d + "/f8").st_mode & 0o7777),
      os.path.exists(d + "/f9"), os.stat(d + "/g9").st_size)
PY
)
ok_eq "a write, a chmod and a rename of this mount show at once" \
    "10 640 False 9" "$out"

# ---- another mount's new name is found at once ------------------------------
out=$(python3 - "$A/d" "$B/d" <<'PY'
import os, sys
a, b = sys.argv[1], sys.argv[2]
open("/proc/sys/vm/drop_caches", "w").write("3\n")
for i in range(1, 9):
    os.stat("%s/f%d" % (a, i))		# the listing is fetched
with open(b + "/new", "wb") as f:
    f.write(b"12345")
print(os.stat(a + "/new").st_size)
PY
)
ok_eq "a name another mount just created is found through the listing's mount" \
    5 "$out"

# ---- more than one page: the listing takes the next ones too --------------
mkdir "$A/big"
make_files "$A/big" 1100
drop_caches
r0=$(fs_requests)
bad=$(wrong_stats "$A/big" 1100)
r1=$(fs_requests)
ok_eq "stat of 1100 files (more than one page of 1024): every one right" 0 \
    "$bad"
ok "... in $((r1 - r0)) requests (the listing's pages; 1100 without)" \
    test $((r1 - r0)) -le 10

# ---- off with entry_timeout=0 -------------------------------------------------
r0=$(fs_requests)
bad=$(wrong_stats "$B/big" 8)
r1=$(fs_requests)
ok_eq "a mount with entry_timeout=0 stats right" 0 "$bad"
ok "... asking once per name: $((r1 - r0)) requests for 8 stats" \
    test $((r1 - r0)) -ge 8

unmount a
ok_eq "clean unmount a" 0 "$NODE_STATUS"
unmount b
ok_eq "clean unmount b" 0 "$NODE_STATUS"
tap_done
