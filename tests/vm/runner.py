# SPDX-License-Identifier: GPL-2.0
"""Discover and run hastor's QEMU tests; print one line per test and the
summary line "N passed, N failed".

A test is a function test_NAME(h) in tests/cases/FILE.py, named FILE.NAME.
`h` (a Harness) starts guests and the shared-disk fabric, and tears them
down afterwards: a guest whose console shows a kernel report, or whose
kmemleak scan finds a leak, fails the test even if its checks passed.
Logs go to build/logs/FILE.NAME/.
"""

import glob
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvm  # noqa: E402

TOP = hvm.TOP
BUILD = os.path.join(TOP, "build")


def sh(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout.strip()


class Artifacts:
    """Kernels and initramfs images, made fresh for each run."""

    def __init__(self):
        kdir = sh(os.path.join(TOP, "tests/kernel/build.sh"))
        self.kernels = {"test": os.path.join(kdir, "arch/x86/boot/bzImage")}
        self.initrds = {}
        # Per run, so that two runs in one tree never share an image.
        vmdir = os.path.join(BUILD, "vm", str(os.getpid()))
        shutil.rmtree(vmdir, ignore_errors=True)
        os.makedirs(vmdir)
        self.vmdir = vmdir
        mk = os.path.join(TOP, "tests/vm/mkinitramfs.sh")
        self.initrds["test"] = os.path.join(vmdir, "test.cpio")
        sh(mk, self.initrds["test"], os.path.join(TOP, "kernel"))
        deps = sh("dpkg-query", "-W", "-f=${Depends}", "linux-image-amd64")
        kver = deps.split("linux-image-")[1].split()[0].rstrip(",")
        self.stock_kver = kver
        self.kernels["stock"] = "/boot/vmlinuz-%s" % kver
        stock_mod = os.path.join(BUILD, "stock", "kernel")
        if os.path.exists(os.path.join(stock_mod, "hastor.ko")):
            self.initrds["stock"] = os.path.join(vmdir, "stock.cpio")
            sh(mk, self.initrds["stock"], stock_mod, kver)


def tools_disk(art):
    """An ext4 image holding fio and every library it needs, at their
    own paths under the image's root (made once per run)."""
    img = os.path.join(art.vmdir, "tools.img")
    if os.path.exists(img):
        return img
    root = os.path.join(art.vmdir, "tools")
    progs = ["/usr/bin/fio"]
    files = set(progs)
    for prog in progs:
        out = sh("ldd", prog)
        files.update(w for w in out.split() if w.startswith("/"))
    for f in files:
        dst = os.path.join(root, f.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(os.path.realpath(f), dst)
    size = sum(os.path.getsize(os.path.join(d, f))
               for d, _, fs in os.walk(root) for f in fs)
    sh("mke2fs", "-q", "-t", "ext4", "-d", root, img,
       "%dk" % (size // 1024 * 3 // 2 + 16384))
    shutil.rmtree(root)
    return img


class Harness:
    def __init__(self, name, art):
        self.name = name
        self.art = art
        self.dir = os.path.join(BUILD, "logs", name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.vms = []
        self.fabrics = []
        self.notes = []

    def note(self, text):
        """A line for the run's output: what the test measured."""
        self.notes.append(text)

    def fabric(self, luns=4, size_mb=256):
        f = hvm.Fabric(os.path.join(self.dir, "fabric"), luns, size_mb)
        self.fabrics.append(f)
        f.start()
        return f

    def vm(self, name="a", index=1, kernel="test", start=True, **kw):
        if kernel not in self.art.initrds:
            raise hvm.HarnessError("no initramfs for kernel %r" % kernel)
        v = hvm.VM(name, index, os.path.join(self.dir, name),
                   self.art.kernels[kernel], self.art.initrds[kernel], **kw)
        self.vms.append(v)
        if start:
            v.start()
        return v

    def pair(self, luns=4, links=2, local_disk_mb=256, lun_mb=256,
             a_kw=None, b_kw=None, **kw):
        """Two nodes, a (index 1) and b (index 2), sharing the fabric's
        LUNs and joined by `links` interconnect links; booted in parallel.
        a_kw and b_kw add options for one node only (crashkernel=...)."""
        fab = self.fabric(luns, lun_mb) if luns else None
        a = self.vm("a", 1, start=False, fabric=fab, links=links,
                    local_disk_mb=local_disk_mb, **dict(kw, **(a_kw or {})))
        b = self.vm("b", 2, start=False, fabric=fab, links=links,
                    local_disk_mb=local_disk_mb, **dict(kw, **(b_kw or {})))
        errors = []

        def boot(v):
            try:
                v.start()
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=boot, args=(v,)) for v in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return a, b

    def teardown(self):
        problems = []
        for v in self.vms:
            problems += v.finish()
        for f in self.fabrics:
            f.stop()
        return problems


def discover(filters):
    tests = []
    # Test modules may share helpers: wlog.py uses pool.py's.
    sys.path.insert(0, os.path.join(TOP, "tests/cases"))
    for path in sorted(glob.glob(os.path.join(TOP, "tests/cases/*.py"))):
        mod_name = os.path.basename(path)[:-3]
        spec = importlib.util.spec_from_file_location(mod_name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for attr in dir(mod):
            if attr.startswith("test_") and callable(getattr(mod, attr)):
                name = "%s.%s" % (mod_name, attr[5:])
                if not filters or any(f in name for f in filters):
                    tests.append((name, getattr(mod, attr)))
    return tests


def run_one(name, fn, art):
    h = Harness(name, art)
    err = None
    try:
        fn(h)
    except Exception:
        err = traceback.format_exc()
    try:
        problems = h.teardown()
    except Exception:
        problems = [traceback.format_exc()]
    if problems:
        err = (err or "") + "kernel reports:\n  " + "\n  ".join(problems)
    if err:
        with open(os.path.join(h.dir, "failure.txt"), "w") as f:
            f.write(err)
    return err, h.notes


def main(argv):
    if "--list" in argv:
        for name, _ in discover([a for a in argv if a != "--list"]):
            print(name)
        return 0
    t0 = time.monotonic()
    art = Artifacts()
    if "--demo" in argv or "--bench" in argv:
        # A script with run(h): the demo, or a benchmark (tests/bench/).
        if "--demo" in argv:
            path, name = os.path.join(TOP, "tests", "demo.py"), "demo"
        else:
            name = argv[argv.index("--bench") + 1]
            path = os.path.join(TOP, "tests", "bench", name + ".py")
        # They use the test cases' helpers (failover.py, pool.py).
        sys.path.insert(0, os.path.join(TOP, "tests/cases"))
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        h = Harness(name, art)
        h.tools_disk = lambda: tools_disk(art)
        try:
            mod.run(h)
        finally:
            problems = h.teardown()
            shutil.rmtree(art.vmdir, ignore_errors=True)
        for p in problems:
            print("%s: kernel report: %s" % (name, p))
        return 1 if problems else 0

    tests = discover(argv)
    if not tests:
        print("no test matches %s" % " ".join(argv))
        return 2
    print("1..%d" % len(tests))
    passed = failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        start = time.monotonic()
        err, notes = run_one(name, fn, art)
        dt = time.monotonic() - start
        if err:
            failed += 1
            print("not ok %d %s (%.1fs)" % (i, name, dt))
            for line in err.rstrip().splitlines()[-25:]:
                print("#   " + line)
            print("#   logs: %s" % os.path.relpath(
                os.path.join(BUILD, "logs", name), TOP))
        else:
            passed += 1
            print("ok %d %s (%.1fs)" % (i, name, dt))
        for n in notes:
            print("#   " + n)
    print("# total time %.0fs" % (time.monotonic() - t0))
    shutil.rmtree(art.vmdir, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
