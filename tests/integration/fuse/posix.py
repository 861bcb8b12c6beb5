#!/usr/bin/env python3
"""posix.py DIR: a small POSIX conformance suite, run as root against a
directory (a minidfs mount, or a local ext4/tmpfs one as the reference).
Each check prints one TAP line; the exit status is 1 when one failed.
Covers results and errnos of open/creat, chmod, chown/lchown, link, mkdir,
mkfifo, mknod, rename, rmdir, symlink, truncate/ftruncate, unlink,
utimensat and posix_fallocate, and which of atime/mtime/ctime each call
updates on the file and its parent."""
import errno
import os
import stat
import sys
import time

D = os.path.join(sys.argv[1], "posix.%d" % os.getpid())
N = 0
FAILED = 0


def check(what, cond, detail=""):
    global N, FAILED
    N += 1
    if cond:
        print("ok %d - %s" % (N, what))
    else:
        FAILED += 1
        print("not ok %d - %s" % (N, what))
        if detail:
            print("# %s" % detail)


def err(fn, *a, **kw):
    try:
        fn(*a, **kw)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def expect(what, want, fn, *a, **kw):
    got = err(fn, *a, **kw)
    check("%s: %s" % (what, want), got == want, "got %s" % got)


def p(*parts):
    return os.path.join(D, *parts)


def times(path):
    st = os.lstat(path)
    return st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns


def tick():
    time.sleep(0.02)


os.mkdir(D)
os.chmod(D, 0o755)

# ---- open / creat ------------------------------------------------------------
fd = os.open(p("f"), os.O_CREAT | os.O_WRONLY, 0o640)
os.write(fd, b"hello")
os.close(fd)
check("creat makes a regular file with the mode",
      stat.S_ISREG(os.stat(p("f")).st_mode) and
      stat.S_IMODE(os.stat(p("f")).st_mode) == 0o640)
expect("O_CREAT|O_EXCL on an existing name", "EEXIST", os.open, p("f"),
       os.O_CREAT | os.O_EXCL | os.O_WRONLY)
expect("open of a missing name", "ENOENT", os.open, p("nope"), os.O_RDONLY)
expect("open of a dir for writing", "EISDIR", os.open, D, os.O_WRONLY)
expect("a file used as a directory", "ENOTDIR", os.open, p("f", "x"),
       os.O_RDONLY)
expect("a 256-byte name", "ENAMETOOLONG", os.open, p("n" * 256),
       os.O_CREAT | os.O_WRONLY)
expect("a path past PATH_MAX", "ENAMETOOLONG", os.open,
       p(*(["d" * 200] * 25)), os.O_RDONLY)
fd = os.open(p("f"), os.O_WRONLY | os.O_TRUNC)
os.close(fd)
check("O_TRUNC empties the file", os.stat(p("f")).st_size == 0)
fd = os.open(p("f"), os.O_WRONLY | os.O_APPEND)
os.write(fd, b"ab")
os.lseek(fd, 0, os.SEEK_SET)
os.write(fd, b"cd")
os.close(fd)
with open(p("f"), "rb") as f:
    check("O_APPEND writes at the end", f.read() == b"abcd")
expect("O_DIRECTORY on a file", "ENOTDIR", os.open, p("f"),
       os.O_RDONLY | os.O_DIRECTORY)

# ---- timestamps of create and write --------------------------------------------
tick()
pa, pm, pc = times(D)
tick()
os.close(os.open(p("t"), os.O_CREAT | os.O_WRONLY, 0o644))
na, nm, nc = times(D)
check("create updates the parent's mtime and ctime", nm > pm and nc > pc)
fa, fm, fc = times(p("t"))
tick()
fd = os.open(p("t"), os.O_WRONLY)
os.write(fd, b"x")
os.close(fd)
a2, m2, c2 = times(p("t"))
check("write updates mtime and ctime", m2 > fm and c2 > fc)
tick()
os.truncate(p("t"), 0)
a3, m3, c3 = times(p("t"))
check("truncate updates mtime and ctime", m3 > m2 and c3 > c2)

# ---- chmod ------------------------------------------------------------------
tick()
os.chmod(p("t"), 0o4755)
a4, m4, c4 = times(p("t"))
check("chmod sets the mode bits incl. setuid",
      stat.S_IMODE(os.stat(p("t")).st_mode) == 0o4755)
check("chmod updates ctime, not mtime", c4 > c3 and m4 == m3)
expect("chmod of a missing name", "ENOENT", os.chmod, p("nope"), 0o644)

# ---- chown / lchown -----------------------------------------------------------
os.chmod(p("t"), 0o6755)
os.chown(p("t"), 1234, 5678)
st = os.stat(p("t"))
check("chown sets owner and group", (st.st_uid, st.st_gid) == (1234, 5678))
check("chown of a file clears setuid and setgid (group-exec)",
      stat.S_IMODE(st.st_mode) & 0o6000 == 0, "mode %o" % st.st_mode)
os.symlink("t", p("sl"))
os.lchown(p("sl"), 4321, 8765)
check("lchown changes the link, not the target",
      os.lstat(p("sl")).st_uid == 4321 and os.stat(p("sl")).st_uid == 1234)
tick()
c_before = times(p("t"))[2]
os.chown(p("t"), -1, -1)
check("chown(-1, -1) still updates ctime", times(p("t"))[2] >= c_before)

# ---- link -------------------------------------------------------------------
tick()
c_before = times(p("f"))[2]
os.link(p("f"), p("f2"))
check("link raises the count", os.stat(p("f")).st_nlink == 2)
check("link updates the file's ctime", times(p("f"))[2] > c_before)
expect("link to an existing name", "EEXIST", os.link, p("f"), p("t"))
expect("link of a directory", "EPERM", os.link, D, p("dl"))
expect("link of a missing file", "ENOENT", os.link, p("nope"), p("x"))

# ---- mkdir / rmdir -------------------------------------------------------------
os.mkdir(p("d"), 0o750)
check("mkdir makes a directory with the mode",
      stat.S_IMODE(os.stat(p("d")).st_mode) == 0o750)
check("a new dir has 2 links", os.stat(p("d")).st_nlink == 2)
n0 = os.stat(D).st_nlink
os.mkdir(p("d", "sub"))
check("a subdir adds a link to its parent", os.stat(p("d")).st_nlink == 3)
expect("mkdir of an existing name", "EEXIST", os.mkdir, p("d"))
expect("mkdir under a missing dir", "ENOENT", os.mkdir, p("no", "d"))
expect("rmdir of a non-empty dir", "ENOTEMPTY", os.rmdir, p("d"))
expect("rmdir of a file", "ENOTDIR", os.rmdir, p("f"))
expect("rmdir of '.'", "EINVAL", os.rmdir, p("d", "sub", "."))
os.rmdir(p("d", "sub"))
check("rmdir drops the parent's link", os.stat(p("d")).st_nlink == 2)

# ---- mkfifo / mknod ------------------------------------------------------------
os.mkfifo(p("fifo"), 0o600)
check("mkfifo makes a FIFO", stat.S_ISFIFO(os.stat(p("fifo")).st_mode))
expect("mkfifo on an existing name", "EEXIST", os.mkfifo, p("fifo"))
os.mknod(p("chr"), 0o600 | stat.S_IFCHR, os.makedev(1, 3))
st = os.stat(p("chr"))
check("mknod makes a char device with its number",
      stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3))
os.mknod(p("sock"), 0o600 | stat.S_IFSOCK)
check("mknod makes a socket", stat.S_ISSOCK(os.stat(p("sock")).st_mode))

# ---- rename -------------------------------------------------------------------
os.mkdir(p("r1"))
os.mkdir(p("r2"))
with open(p("r1", "a"), "w") as f:
    f.write("A")
with open(p("r2", "b"), "w") as f:
    f.write("B")
tick()
ra, rm, rc = times(p("r1"))
os.rename(p("r1", "a"), p("r2", "b"))
with open(p("r2", "b")) as f:
    check("rename replaces the target", f.read() == "A")
check("rename updates the source dir's mtime", times(p("r1"))[1] > rm)
expect("rename of a missing name", "ENOENT", os.rename, p("nope"), p("x"))
expect("rename a dir onto a file", "ENOTDIR", os.rename, p("r1"), p("f"))
expect("rename a file onto a dir", "EISDIR", os.rename, p("f"), p("r1"))
os.mkdir(p("r1", "in"))
expect("rename onto a non-empty dir", "ENOTEMPTY", os.rename, p("r2"),
       p("r1"))
expect("rename a dir into itself", "EINVAL", os.rename, p("r1"),
       p("r1", "in", "x"))
os.rename(p("f2"), p("f"))
check("rename onto a hard link of itself keeps both names",
      os.path.exists(p("f2")) and os.path.exists(p("f")))

# ---- symlink / ELOOP --------------------------------------------------------------
os.symlink("loop2", p("loop1"))
os.symlink("loop1", p("loop2"))
expect("following a loop", "ELOOP", os.stat, p("loop1"))
expect("symlink on an existing name", "EEXIST", os.symlink, "x", p("f"))
check("readlink returns the target", os.readlink(p("sl")) == "t")
expect("readlink of a file", "EINVAL", os.readlink, p("f"))

# ---- truncate / ftruncate -------------------------------------------------------
os.truncate(p("f"), 100)
with open(p("f"), "rb") as f:
    data = f.read()
check("truncate up reads zeros", len(data) == 100 and data[4:] == b"\0" * 96)
fd = os.open(p("f"), os.O_RDWR)
os.ftruncate(fd, 2)
os.close(fd)
check("ftruncate down", os.stat(p("f")).st_size == 2)
expect("truncate of a dir", "EISDIR", os.truncate, D, 0)
expect("truncate to a negative size", "EINVAL", os.truncate, p("f"), -1)
fd = os.open(p("f"), os.O_RDONLY)
expect("ftruncate of a read-only descriptor", "EINVAL", os.ftruncate, fd, 0)
os.close(fd)

# ---- unlink ----------------------------------------------------------------------
tick()
c_before = times(p("f"))[2]
os.unlink(p("f2"))
check("unlink drops the count", os.stat(p("f")).st_nlink == 1)
check("unlink updates the remaining file's ctime",
      times(p("f"))[2] > c_before)
expect("unlink of a dir", "EISDIR", os.unlink, p("d"))
expect("unlink of a missing name", "ENOENT", os.unlink, p("nope"))

# ---- utimensat ------------------------------------------------------------------
os.utime(p("f"), ns=(1000000001, 2000000002))
a, m, c = times(p("f"))
check("utimensat sets both times to the ns", (a, m) == (1000000001, 2000000002))
os.utime(p("f"), ns=(5000000005, 2000000002))
check("utimensat with the same mtime keeps it",
      times(p("f"))[1] == 2000000002)
before = time.time_ns()
os.utime(p("f"))
a, m, c = times(p("f"))
check("utimensat(NULL) sets now", m >= before - 10**9 and a >= before - 10**9)
os.utime(p("sl"), ns=(7, 8), follow_symlinks=False)
check("utimensat on a link with AT_SYMLINK_NOFOLLOW",
      os.lstat(p("sl")).st_mtime_ns == 8)

# ---- posix_fallocate ----------------------------------------------------------------
fd = os.open(p("fa"), os.O_CREAT | os.O_RDWR, 0o644)
os.posix_fallocate(fd, 0, 8192)
check("posix_fallocate extends the size", os.fstat(fd).st_size == 8192)
os.posix_fallocate(fd, 0, 10)
check("posix_fallocate inside never shrinks", os.fstat(fd).st_size == 8192)
expect("posix_fallocate with len 0", "EINVAL", os.posix_fallocate, fd, 0, 0)
os.close(fd)

# ---- as an unprivileged user (permission checks, EACCES and EPERM) -------
os.chmod(p("d"), 0o755)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    res = [err(os.open, p("d", "x"), os.O_CREAT | os.O_WRONLY, 0o644),
           err(os.chmod, p("fa"), 0o777),
           err(os.chown, p("fa"), 65534, -1),
           err(os.utime, p("fa"), ns=(1, 1)),
           err(os.utime, p("fa")),
           err(os.unlink, p("fa")),
           err(os.open, p("fa"), os.O_WRONLY)]
    os.write(w, " ".join(res).encode())
    os._exit(0)
os.close(w)
got = os.read(r, 4096).decode().split()
os.close(r)
os.waitpid(pid, 0)
want = ["EACCES", "EPERM", "EPERM", "EPERM", "EACCES", "EACCES", "EACCES"]
names = ["create in another's 0755 dir", "chmod of another's file",
         "chown by a non-root user", "setting another's times",
         "touching another's unwritable file", "unlink in another's dir",
         "opening another's 0644 file for writing"]
for i, name in enumerate(names):
    g = got[i] if i < len(got) else "nothing"
    check("as nobody, %s: %s" % (name, want[i]), g == want[i], "got %s" % g)

print("1..%d" % N)
sys.exit(1 if FAILED else 0)
