# SPDX-License-Identifier: GPL-2.0
"""`make bench`: hastor volumes against dm-linear and dm-thin, side by
side in one guest, on the same RAM disk (brd), with fio.

Rows:   hastor first write (fresh volume), hastor provisioned overwrite,
        hastor clone first write to shared blocks, dm-linear, dm-thin
        fresh, dm-thin provisioned (default 64 KiB chunks).
Tests:  4 KiB random write QD1 and QD32, 1 MiB sequential write, 4 KiB
        random read QD1 (on the written device).
Every write test starts from its row's state made anew.  "dev/app" is
the bytes the RAM disks saw written per byte fio wrote, metadata
included (each write job ends with an fsync, which for hastor is a CP).
Absolute numbers under TCG mean little; the ratios are the result.
Writes build/bench/pool.txt and build/bench/pool.json.
"""

import json
import os

from hvm import TOP

SIZE_MB = 256
SECTORS = SIZE_MB * 2048
RUNTIME = int(os.environ.get("HASTOR_BENCH_SECONDS", "5"))
FIO = ("/opt/tools/lib64/ld-linux-x86-64.so.2 --library-path "
       "/opt/tools/lib/x86_64-linux-gnu:/opt/tools/usr/lib/x86_64-linux-gnu:"
       "/opt/tools/usr/lib/x86_64-linux-gnu/ceph "
       "/opt/tools/usr/bin/fio")

TESTS = [
    ("randwrite-4k-qd1", "randwrite", "4k", 1),
    ("randwrite-4k-qd32", "randwrite", "4k", 32),
    ("seqwrite-1m", "write", "1m", 4),
    ("randread-4k-qd1", "randread", "4k", 1),
]


def written_sectors(vm):
    # brd keeps no I/O statistics; the dm-linear devices under every row
    # (d0 over ram0, d1 over ram1) do.
    out = vm.out("for d in d0 d1; do m=$(dmsetup info -c --noheadings "
                 "-o minor $d); cat /sys/block/dm-$m/stat; done")
    return sum(int(line.split()[6]) for line in out.splitlines())


def fio(vm, dev, rw, bs, qd):
    # fio splits file names at ':' unless it is escaped.
    args = ("--name=b --filename='%s' --direct=1 --ioengine=libaio "
            "--rw=%s --bs=%s --iodepth=%d --size=%dM --runtime=%d "
            "--output-format=json --randrepeat=0"
            % (dev.replace(":", "\\:"), rw, bs, qd, SIZE_MB, RUNTIME))
    if rw != "write":
        args += " --time_based"
    if rw != "randread":
        args += " --end_fsync=1"
    before = written_sectors(vm)
    out = vm.out("%s %s" % (FIO, args), timeout=600)
    after = written_sectors(vm)
    job = json.loads(out[out.index("{"):])["jobs"][0]
    side = job["read"] if rw == "randread" else job["write"]
    pct = side["clat_ns"].get("percentile", {})
    app = side["io_bytes"]
    return {
        "iops": side["iops"],
        "mbps": side["bw_bytes"] / 1e6,
        "p50_us": pct.get("50.000000", 0) / 1000,
        "p99_us": pct.get("99.000000", 0) / 1000,
        "dev_per_app": ((after - before) * 512 / app) if app and
        rw != "randread" else None,
    }


def wipe(vm):
    # brd has no discard in 6.1; clearing labels and metadata heads is
    # enough to start over (every row writes what it reads).
    vm.out("for d in $(dmsetup ls | cut -f1); do case $d in d0|d1) ;; "
           "*) dmsetup remove $d;; esac; done; "
           "dmsetup remove d0 2>/dev/null; dmsetup remove d1 2>/dev/null; "
           "for d in ram0 ram1; do /usr/bin/dd if=/dev/zero of=/dev/$d "
           "bs=1M count=2 status=none; done; "
           "for i in 0 1; do dmsetup create d$i --table \"0 $(blockdev "
           "--getsz /dev/ram$i) linear /dev/ram$i 0\" && "
           "dmsetup mknodes d$i; done")


def fill(vm, dev):
    # Zeros: neither target looks at the data, and urandom is slow in TCG.
    vm.out("/usr/bin/dd if=/dev/zero of=%s bs=1M oflag=direct "
           "status=none count=%d; sync" % (dev, SIZE_MB), timeout=600)


def setup_hastor(vm, state):
    wipe(vm)
    vm.out("hactl pool create bench /dev/mapper/d0 >/dev/null && "
           "hactl vol create bench/v --size %dM >/dev/null" % SIZE_MB)
    dev = "/dev/mapper/bench:v"
    if state in ("provisioned", "clone"):
        fill(vm, dev)
    if state == "clone":
        vm.out("hactl snapshot create bench/v@s >/dev/null && "
               "hactl clone create bench/v@s bench/c >/dev/null")
        dev = "/dev/mapper/bench:c"
    return dev


def setup_linear(vm, state):
    wipe(vm)
    vm.out("dmsetup create lin --table '0 %d linear /dev/mapper/d0 0' && "
           "dmsetup mknodes lin" % SECTORS)
    return "/dev/mapper/lin"


def setup_thin(vm, state):
    wipe(vm)
    # Metadata on ram1, data on ram0, default 64 KiB blocks.
    vm.out("/usr/bin/dd if=/dev/zero of=/dev/mapper/d1 bs=4096 count=1 "
           "status=none && dmsetup create tpool --table "
           "'0 %d thin-pool /dev/mapper/d1 /dev/mapper/d0 128 0' && "
           "dmsetup mknodes tpool && "
           "dmsetup message tpool 0 'create_thin 0' && "
           "dmsetup create thin --table '0 %d thin /dev/mapper/tpool 0' && "
           "dmsetup mknodes" % (SECTORS + 65536, SECTORS))
    dev = "/dev/mapper/thin"
    if state == "provisioned":
        fill(vm, dev)
    return dev


ROWS = [
    ("hastor first write", setup_hastor, "fresh"),
    ("hastor overwrite", setup_hastor, "provisioned"),
    ("hastor clone-break", setup_hastor, "clone"),
    ("dm-linear", setup_linear, None),
    ("dm-thin fresh", setup_thin, "fresh"),
    ("dm-thin provisioned", setup_thin, "provisioned"),
]


def run(h):
    vm = h.vm(mem=2560, tools_disk=h.tools_disk(),
              append="brd.rd_size=%d" % ((2 * SIZE_MB + 64) * 1024))
    vm.out("insmod /lib/modules/hastor/hastor.ko && "
           "hactl node set --id 1 --cluster 1 --name bench >/dev/null")
    results = {}
    for row, setup, state in ROWS:
        results[row] = {}
        for test, rw, bs, qd in TESTS:
            dev = setup(vm, state)
            if rw == "randread" and state in ("fresh", None):
                fill(vm, dev)
            results[row][test] = fio(vm, dev, rw, bs, qd)
            print("  %-22s %-18s %8.0f IOPS %7.1f MB/s"
                  % (row, test, results[row][test]["iops"],
                     results[row][test]["mbps"]), flush=True)
    wipe(vm)
    report(results)


def ratio(a, b):
    return a / b if b else float("nan")


def report(results):
    lines = ["hastor pool benchmark (fio, %ds per test, %d MiB RAM disk, "
             "TCG guest)" % (RUNTIME, SIZE_MB), ""]
    head = "%-22s %-18s %9s %8s %8s %8s %8s %8s" % (
        "row", "test", "IOPS", "MB/s", "p50 us", "p99 us", "/linear",
        "dev/app")
    lines += [head, "-" * len(head)]
    lin = results["dm-linear"]
    for row, tests in results.items():
        for test, r in tests.items():
            dpa = "%.2f" % r["dev_per_app"] if r["dev_per_app"] else "-"
            lines.append("%-22s %-18s %9.0f %8.1f %8.0f %8.0f %8.2f %8s" % (
                row, test, r["iops"], r["mbps"], r["p50_us"], r["p99_us"],
                ratio(r["iops"], lin[test]["iops"]), dpa))
    lines += ["", "ratios to dm-thin (IOPS):"]
    pairs = [("hastor first write", "dm-thin fresh"),
             ("hastor clone-break", "dm-thin fresh"),
             ("hastor overwrite", "dm-thin provisioned")]
    for ours, theirs in pairs:
        for test, _, _, _ in TESTS:
            lines.append("  %-20s / %-20s %-18s %6.2f" % (
                ours, theirs, test, ratio(results[ours][test]["iops"],
                                          results[theirs][test]["iops"])))
    text = "\n".join(lines) + "\n"
    out = os.path.join(TOP, "build", "bench")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "pool.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "pool.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(text)
