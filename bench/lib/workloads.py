#!/usr/bin/env python3
"""bench/lib/workloads.py: the workloads of bench/compare.sh, and its table.

  workloads.py run DIR NAME OUT.json --rnd FILE --size-mib S --runs R
                   --long-runs L --small N --empty M --tar TAR --rand K
      runs every workload in DIR (a directory on the filesystem under test),
      writes {key: {"runs": [...], "value": median, "fail": msg}} to OUT.json
  workloads.py table LOCAL.json MOOSEFS.json MINIDFS.json
      prints the comparison table

A workload that fails (an exception, a non-zero exit, wrong content) is
recorded as FAIL with the command and the errno or the difference found;
the others still run.  Page caches are dropped (echo 3 >
/proc/sys/vm/drop_caches, after syncfs of DIR) where the table says so.
"""

import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import time

# key, label, unit, higher is better
WORKLOADS = [
    ("seq_write", "sequential write {size}, fsync at end", "MiB/s", True),
    ("seq_read", "sequential read {size}, caches dropped", "MiB/s", True),
    ("par_write", "4 parallel writers, {quarter} each, fsync", "MiB/s", True),
    ("rand_read", "random 4 KiB reads, caches dropped, QD1", "IOPS", True),
    ("small_create", "{small} x 4 KiB files: create+write", "ops/s", True),
    ("small_stat", "{small} x 4 KiB files: stat (cold)", "ops/s", True),
    ("small_read", "{small} x 4 KiB files: read (cold)", "ops/s", True),
    ("small_delete", "{small} x 4 KiB files: delete", "ops/s", True),
    ("empty_create", "{empty} empty files: create", "ops/s", True),
    ("empty_rename", "{empty} empty files: rename", "ops/s", True),
    ("ls_l", "ls -l of {empty} entries (cold)", "s", False),
    ("empty_delete", "{empty} empty files: delete", "ops/s", True),
    ("tar_x", "extract tar of /usr/include + syncfs", "s", False),
    ("tar_c", "re-archive it (cold), content checked", "s", False),
    ("git", "git add -A && git commit of it", "s", False),
]
LONG = {"seq_write", "seq_read", "par_write", "tar_x", "tar_c", "git"}
MIB = 1024 * 1024


class Fail(Exception):
    """A workload failed; the message says how (command, errno, content)."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    """Runs cmd (a list); raises Fail with its stderr when it fails."""
    p = subprocess.run(cmd, stdout=kw.pop("stdout", subprocess.DEVNULL),
                       stderr=subprocess.PIPE, **kw)
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip().splitlines()
        raise Fail("`%s` exited %d: %s" % (" ".join(cmd), p.returncode,
                                           " | ".join(err[:3])))
    return p


def oserr(what, e):
    import errno as errmod
    name = errmod.errorcode.get(e.errno, str(e.errno))
    return Fail("%s: %s (%s)" % (what, name, e.strerror))


def drop_caches(d):
    subprocess.run(["sync", "-f", d], check=False)
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError as e:
        raise oserr("echo 3 >/proc/sys/vm/drop_caches", e)


def warm(path):
    with open(path, "rb") as f:
        while f.read(8 * MIB):
            pass


class Bench:
    def __init__(self, a):
        self.d = os.path.abspath(a.dir)
        self.name = a.name
        self.a = a
        self.res = {k: {"runs": []} for k, _, _, _ in WORKLOADS}

    def record(self, key, value):
        self.res[key]["runs"].append(value)

    def fail(self, key, msg):
        if "fail" not in self.res[key]:
            self.res[key]["fail"] = msg
        log("  %s %s: FAIL %s" % (self.name, key, msg))

    def guarded(self, keys, fn, *args):
        """Runs fn; on failure marks every key in keys as FAIL."""
        try:
            fn(*args)
            return True
        except Fail as e:
            for k in keys:
                self.fail(k, str(e))
        except OSError as e:
            for k in keys:
                self.fail(k, str(oserr(getattr(e, "filename", "") or
                                       "os call", e)))
        return False

    # ---- large files ----------------------------------------------------

    def seq_group(self, run):
        a, seq = self.a, os.path.join(self.d, "seq")
        long_run = run < a.long_runs
        if long_run or not os.path.exists(seq):
            warm(a.rnd)
            t0 = time.monotonic()
            sh(["dd", "if=" + a.rnd, "of=" + seq, "bs=1M", "conv=fsync",
                "count=%d" % a.size_mib, "status=none"])
            t = time.monotonic() - t0
            if long_run:
                self.record("seq_write", a.size_mib / t)
            if os.path.getsize(seq) != a.size_mib * MIB:
                raise Fail("%s is %d bytes after dd, not %d" % (
                    seq, os.path.getsize(seq), a.size_mib * MIB))
        if long_run:
            drop_caches(self.d)
            t0 = time.monotonic()
            sh(["dd", "if=" + seq, "of=/dev/null", "bs=1M", "status=none"])
            t = time.monotonic() - t0
            self.record("seq_read", a.size_mib / t)
            if run == 0:
                p = subprocess.run(["cmp", a.rnd, seq], capture_output=True)
                if p.returncode != 0:
                    raise Fail("cmp %s %s: %s" % (a.rnd, seq, p.stdout.decode(
                        errors="replace").strip() or p.stderr.decode(
                            errors="replace").strip()))

    def rand_read(self, run):
        a, seq = self.a, os.path.join(self.d, "seq")
        size = a.size_mib * MIB
        rng = random.Random(run + 1)
        offs = [rng.randrange(0, size // 4096) * 4096 for _ in range(a.rand)]
        drop_caches(self.d)
        got = []
        fd = os.open(seq, os.O_RDONLY)
        try:
            t0 = time.monotonic()
            for o in offs:
                got.append(os.pread(fd, 4096, o))
            t = time.monotonic() - t0
        finally:
            os.close(fd)
        with open(a.rnd, "rb") as f:
            for o, g in zip(offs, got):
                f.seek(o)
                if f.read(4096) != g:
                    raise Fail("pread(%s, 4096, %d): wrong content" % (seq, o))
        self.record("rand_read", a.rand / t)

    def par_write(self, run):
        a = self.a
        q = a.size_mib // 4
        warm(a.rnd)
        t0 = time.monotonic()
        procs = []
        for i in range(4):
            cmd = ["dd", "if=" + a.rnd, "of=%s/par%d" % (self.d, i), "bs=1M",
                   "skip=%d" % (i * q), "count=%d" % q, "conv=fsync",
                   "status=none"]
            procs.append((cmd, subprocess.Popen(cmd, stderr=subprocess.PIPE)))
        errs = []
        for cmd, p in procs:
            _, err = p.communicate()
            if p.returncode != 0:
                errs.append("`%s` exited %d: %s" % (" ".join(cmd), p.returncode,
                            err.decode(errors="replace").strip()))
        t = time.monotonic() - t0
        if errs:
            raise Fail("; ".join(errs))
        for i in range(4):
            n = os.path.getsize("%s/par%d" % (self.d, i))
            if n != q * MIB:
                raise Fail("%s/par%d is %d bytes, not %d" % (self.d, i, n,
                                                              q * MIB))
        self.record("par_write", 4 * q / t)
        for i in range(4):
            os.unlink("%s/par%d" % (self.d, i))

    # ---- many files -----------------------------------------------------

    def small_files(self, run):
        n = self.a.small
        d = os.path.join(self.d, "small%d" % run)
        os.mkdir(d)
        datas = [os.urandom(4096) for _ in range(n)]
        paths = ["%s/f%d" % (d, i) for i in range(n)]
        phase = "create"
        try:
            t0 = time.monotonic()
            for p, b in zip(paths, datas):
                fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                try:
                    if os.write(fd, b) != 4096:
                        raise Fail("write(%s, 4096): short write" % p)
                finally:
                    os.close(fd)
            self.record("small_create", n / (time.monotonic() - t0))
            phase = "stat"
            drop_caches(self.d)
            t0 = time.monotonic()
            for p in paths:
                st = os.stat(p)
                if st.st_size != 4096:
                    raise Fail("stat(%s): size %d, not 4096" % (p, st.st_size))
            self.record("small_stat", n / (time.monotonic() - t0))
            phase = "read"
            drop_caches(self.d)
            t0 = time.monotonic()
            for p, b in zip(paths, datas):
                fd = os.open(p, os.O_RDONLY)
                try:
                    if os.read(fd, 8192) != b:
                        raise Fail("read(%s): wrong content" % p)
                finally:
                    os.close(fd)
            self.record("small_read", n / (time.monotonic() - t0))
            phase = "delete"
            t0 = time.monotonic()
            for p in paths:
                os.unlink(p)
            self.record("small_delete", n / (time.monotonic() - t0))
            os.rmdir(d)
        except Fail as e:
            self.fail("small_" + phase, str(e))
        except OSError as e:
            self.fail("small_" + phase, str(oserr(e.filename or phase, e)))
        if os.path.isdir(d):
            shutil.rmtree(d, ignore_errors=True)

    def empty_files(self, run):
        m = self.a.empty
        d = os.path.join(self.d, "empty%d" % run)
        os.mkdir(d)
        phase = "empty_create"
        try:
            t0 = time.monotonic()
            for i in range(m):
                os.close(os.open("%s/f%d" % (d, i),
                                 os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            self.record(phase, m / (time.monotonic() - t0))
            phase = "empty_rename"
            t0 = time.monotonic()
            for i in range(m):
                os.rename("%s/f%d" % (d, i), "%s/g%d" % (d, i))
            self.record(phase, m / (time.monotonic() - t0))
            phase = "ls_l"
            drop_caches(self.d)
            t0 = time.monotonic()
            p = sh(["ls", "-l", d], stdout=subprocess.PIPE,
                   env=dict(os.environ, LC_ALL="C"))
            t = time.monotonic() - t0
            lines = p.stdout.decode(errors="replace").splitlines()
            gs = sum(1 for ln in lines if ln.split()[-1:] and
                     ln.split()[-1].startswith("g"))
            if gs != m:
                raise Fail("ls -l %s: %d entries named g*, not %d" % (d, gs, m))
            self.record(phase, t)
            phase = "empty_delete"
            t0 = time.monotonic()
            for i in range(m):
                os.unlink("%s/g%d" % (d, i))
            self.record(phase, m / (time.monotonic() - t0))
            os.rmdir(d)
        except Fail as e:
            self.fail(phase, str(e))
        except OSError as e:
            self.fail(phase, str(oserr(e.filename or phase, e)))
        if os.path.isdir(d):
            shutil.rmtree(d, ignore_errors=True)

    # ---- a source tree --------------------------------------------------

    def tree(self, run, manifest):
        a = self.a
        t = os.path.join(self.d, "tree%d" % run)
        out = os.path.join(a.scratch, "%s-rearchive.tar" % self.name)
        os.mkdir(t)
        key = "tar_x"
        try:
            t0 = time.monotonic()
            sh(["tar", "-C", t, "-xf", a.tar])
            sh(["sync", "-f", t])
            self.record(key, time.monotonic() - t0)
            key = "tar_c"
            drop_caches(self.d)
            t0 = time.monotonic()
            sh(["tar", "-C", t, "-cf", out, "include"])
            el = time.monotonic() - t0
            diff = compare_manifest(manifest, tar_manifest(out))
            os.unlink(out)
            if diff:
                raise Fail("re-archive differs from the original: " + diff)
            self.record(key, el)
            key = "git"
            g = ["git", "-c", "safe.directory=*", "-c", "gc.auto=0",
                 "-c", "user.name=bench", "-c", "user.email=bench@localhost",
                 "-C", os.path.join(t, "include")]
            sh(g + ["init", "-q"])
            t0 = time.monotonic()
            sh(g + ["add", "-A"])
            sh(g + ["commit", "-q", "-m", "bench"])
            el = time.monotonic() - t0
            p = sh(g + ["status", "--porcelain"], stdout=subprocess.PIPE)
            if p.stdout.strip():
                raise Fail("git status after the commit is not clean: %s" %
                           p.stdout.decode(errors="replace").splitlines()[0])
            self.record(key, el)
        except Fail as e:
            self.fail(key, str(e))
        except OSError as e:
            self.fail(key, str(oserr(e.filename or key, e)))
        if os.path.exists(out):
            os.unlink(out)
        sh(["rm", "-rf", t])

    def run(self):
        a = self.a
        manifest = tar_manifest(a.tar)
        seq_ok = True
        for r in range(max(a.runs, a.long_runs)):
            log("  %s: run %d" % (self.name, r + 1))
            if seq_ok and (r < a.long_runs or r < a.runs):
                seq_ok = self.guarded(["seq_write", "seq_read", "rand_read"],
                                      self.seq_group, r)
                if seq_ok and r < a.runs:
                    self.guarded(["rand_read"], self.rand_read, r)
            if r < a.long_runs:
                self.guarded(["par_write"], self.par_write, r)
            if r < a.runs:
                self.guarded(["small_create"], self.small_files, r)
                self.guarded(["empty_create"], self.empty_files, r)
            if r < a.long_runs:
                self.guarded(["tar_x"], self.tree, r, manifest)
        seq = os.path.join(self.d, "seq")
        if os.path.exists(seq):
            os.unlink(seq)
        for k, v in self.res.items():
            if v["runs"] and "fail" not in v:
                v["value"] = statistics.median(v["runs"])
        return self.res


def tar_manifest(path):
    """{name: (type, mode, mtime, size, linkname, sha256)} of a tar file."""
    m = {}
    with tarfile.open(path) as tf:
        for ti in tf:
            h = ""
            if ti.isfile():
                f = tf.extractfile(ti)
                h = hashlib.sha256(f.read()).hexdigest()
            m[ti.name.rstrip("/")] = (ti.type.decode(), ti.mode, ti.mtime,
                                      ti.size if ti.isfile() else 0,
                                      ti.linkname, h)
    return m


def compare_manifest(want, got):
    fields = ("type", "mode", "mtime", "size", "link target", "content")
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    out = []
    if missing:
        out.append("%d missing (%s)" % (len(missing), missing[0]))
    if extra:
        out.append("%d extra (%s)" % (len(extra), extra[0]))
    bad = [n for n in sorted(set(want) & set(got)) if want[n] != got[n]]
    if bad:
        n = bad[0]
        f = [fields[i] for i in range(6) if want[n][i] != got[n][i]]
        out.append("%d differ (%s: %s %s -> %s)" % (
            len(bad), n, f[0], want[n][fields.index(f[0])],
            got[n][fields.index(f[0])]))
    return "; ".join(out)


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        return "%.2f" % v
    return "%.0f" % v if v >= 100 else "%.1f" % v


def cell(r, unit):
    if "fail" in r:
        return "FAIL"
    return fmt(r.get("value"), unit)


def table(paths, meta):
    cols = [json.load(open(p)) for p in paths]
    res = [c["results"] for c in cols]
    labels = {"size": "%d MiB" % meta["size_mib"],
              "quarter": "%d MiB" % (meta["size_mib"] // 4),
              "small": "{:,}".format(meta["small"]),
              "empty": "{:,}".format(meta["empty"])}
    print("minidfs/MooseFS > 1 means minidfs is faster (for rows in seconds "
          "the ratio is MooseFS s / minidfs s).")
    def runs(n):
        return "1 run" if n == 1 else "%d runs" % n
    print("Medians: %s of the short rows, %s of the long ones (marked *)."
          % (runs(meta["runs"]), runs(meta["long_runs"])))
    w = max(len(lb.format(**labels)) for _, lb, _, _ in WORKLOADS) + 2
    head = "%-*s %-6s %11s %11s %11s %9s" % (w, "workload", "unit",
                                             "local disk", "MooseFS",
                                             "minidfs", "mdfs/mfs")
    print(head)
    print("-" * len(head))
    fails = []
    for key, label, unit, higher in WORKLOADS:
        lb = label.format(**labels) + (" *" if key in LONG else "")
        cells = [cell(r.get(key, {}), unit) for r in res]
        mfs = res[1].get(key, {}).get("value")
        mdfs = res[2].get(key, {}).get("value")
        ratio = "-"
        if mfs and mdfs and "fail" not in res[1].get(key, {}) and \
                "fail" not in res[2].get(key, {}):
            ratio = "%.2fx" % ((mdfs / mfs) if higher else (mfs / mdfs))
        print("%-*s %-6s %11s %11s %11s %9s" % (w, lb, unit, cells[0],
                                                cells[1], cells[2], ratio))
        for c, r in zip(("local disk", "MooseFS", "minidfs"), res):
            if "fail" in r.get(key, {}):
                fails.append("%s on %s: %s" % (key, c, r[key]["fail"]))
    if fails:
        print("")
        print("FAIL cells:")
        for f in fails:
            print("  " + f)


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("dir")
    r.add_argument("name")
    r.add_argument("out")
    r.add_argument("--rnd", required=True)
    r.add_argument("--scratch", required=True)
    r.add_argument("--tar", required=True)
    for o in ("size-mib", "runs", "long-runs", "small", "empty", "rand"):
        r.add_argument("--" + o, type=int, required=True)
    t = sub.add_parser("table")
    t.add_argument("meta")
    t.add_argument("results", nargs=3)
    a = ap.parse_args()
    if a.cmd == "table":
        table(a.results, json.load(open(a.meta)))
        return 0
    res = Bench(a).run()
    with open(a.out, "w") as f:
        json.dump({"name": a.name, "results": res}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
