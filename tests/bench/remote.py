# SPDX-License-Identifier: GPL-2.0
"""`make bench B=remote`: volume I/O forwarded over the interconnect
(hastor-remote on node b) against the same volume on its own node (a's
hastor-vol) and dm-linear, in one run, on the same two guests.

Node a serves pool tank (shared iSCSI LUN 1, no write log) with volume
v; node b reads and writes it through a hastor-remote device over link
0 and link 1.  dm-linear runs on a over LUN 2, a LUN of the same size
and backing as LUN 1 (LUN 1 holds the pool).  The volume is written
once before it is measured, so writes go in place and reads find data.
Tests: 4 KiB sequential and random write and read, QD1 and QD16, fio
direct libaio, time based; the rows of one test run back to back.
The table gives IOPS, MB/s, p50/p99 completion latency and the ratios
remote/local and local/linear.  Nothing is asserted.
Writes build/bench/remote.txt and build/bench/remote.json.
"""

import json
import os
import time

from hvm import TOP, HarnessError
from ccm import configure, wait_partner, MODULE

RUNTIME = int(os.environ.get("HASTOR_BENCH_SECONDS", "5"))
SIZE_MB = 128
DD = "/usr/bin/dd"
FIO = ("/opt/tools/lib64/ld-linux-x86-64.so.2 --library-path "
       "/opt/tools/lib/x86_64-linux-gnu:/opt/tools/usr/lib/x86_64-linux-gnu:"
       "/opt/tools/usr/lib/x86_64-linux-gnu/ceph "
       "/opt/tools/usr/bin/fio")
VOL = "/dev/mapper/tank:v"
REMOTE = "/dev/mapper/rv"
LINEAR = "/dev/mapper/lin"

TESTS = [(rw, qd) for rw in ("write", "randwrite", "read", "randread")
         for qd in (1, 16)]
ROWS = ["remote (b)", "local (a)", "dm-linear (a)"]


def fio(vm, dev, rw, qd):
    args = ("--name=b --filename='%s' --direct=1 --ioengine=libaio "
            "--rw=%s --bs=4k --iodepth=%d --size=%dM --runtime=%d "
            "--time_based --randrepeat=0 --output-format=json"
            % (dev.replace(":", "\\:"), rw, qd, SIZE_MB, RUNTIME))
    out = vm.out("%s %s" % (FIO, args), timeout=RUNTIME + 600)
    job = json.loads(out[out.index("{"):])["jobs"][0]
    if job["error"]:
        raise HarnessError("%s: fio %s %s QD%d failed (error %d)"
                           % (vm, dev, rw, qd, job["error"]))
    d = job["read" if "read" in rw else "write"]
    pct = d["clat_ns"].get("percentile", {})
    return {"iops": d["iops"], "mbps": d["bw_bytes"] / 1e6,
            "p50_us": pct.get("50.000000", 0) / 1000,
            "p99_us": pct.get("99.000000", 0) / 1000}


def setup(h):
    a, b = h.pair(luns=2, links=2, local_disk_mb=0,
                  tools_disk=h.tools_disk())
    for vm in (a, b):
        vm.out("insmod %s && hactl node set --id %d --cluster 7 --name %s"
               % (MODULE, vm.index, vm.name))
        configure(vm)
    for vm in (a, b):
        wait_partner(vm, "reachable")
    a.out("hactl pool create tank /dev/shared/lun1 >/dev/null && "
          "hactl vol create tank/v --size %dM >/dev/null" % SIZE_MB)
    uuid = json.loads(a.out("hactl -j pool show tank"))["pool"]["uuid"]
    vol_id = json.loads(a.out("hactl -j vol show tank/v"))["vol"]["id"]
    sectors = SIZE_MB * 2048
    b.out("dmsetup create rv --table '0 %d hastor-remote %s %d' && "
          "dmsetup mknodes" % (sectors, uuid.replace("-", ""), vol_id))
    a.out("dmsetup create lin --table '0 %d linear /dev/shared/lun2 0' && "
          "dmsetup mknodes" % sectors)
    for dev in (VOL, LINEAR):
        a.out("%s if=/dev/zero of=%s bs=1M count=%d oflag=direct "
              "status=none" % (DD, dev, SIZE_MB), timeout=1200)
    return a, b


def run(h):
    a, b = setup(h)
    where = {"remote (b)": (b, REMOTE), "local (a)": (a, VOL),
             "dm-linear (a)": (a, LINEAR)}
    results = {row: {} for row in ROWS}
    for rw, qd in TESTS:
        test = "%s-4k-qd%d" % (rw, qd)
        for row in ROWS:
            vm, dev = where[row]
            r = fio(vm, dev, rw, qd)
            results[row][test] = r
            print("  %-14s %-18s %8.0f IOPS %7.1f MB/s p50 %7.0f p99 "
                  "%7.0f us" % (row, test, r["iops"], r["mbps"],
                                r["p50_us"], r["p99_us"]), flush=True)
    info = {"runtime_s": RUNTIME, "size_mb": SIZE_MB,
            "remote_status": b.out("dmsetup status rv").strip(),
            "link0_rtt_us": json.loads(a.out("hactl -j link show"))
            ["links"][0].get("rtt_us"), "time": time.time()}
    b.out("dmsetup remove rv")
    a.out("dmsetup remove lin")
    report(results, info)


def ratio(x, y):
    return x / y if x and y else float("nan")


def report(results, info):
    lines = [
        "hastor-remote (b, over the interconnect) vs hastor-vol (a) vs "
        "dm-linear (a), 4 KiB fio, %ds per test, %d MiB, two TCG guests"
        % (RUNTIME, SIZE_MB),
        "pool and dm-linear on two iSCSI LUNs of the same fabric; no write "
        "log; the volume written once before.", ""]
    head = "%-18s %-14s %8s %7s %8s %8s %8s %8s" % (
        "test", "row", "IOPS", "MB/s", "p50 us", "p99 us", "/local",
        "/linear")
    lines += [head, "-" * len(head)]
    for rw, qd in TESTS:
        test = "%s-4k-qd%d" % (rw, qd)
        for row in ROWS:
            r = results[row][test]
            lines.append("%-18s %-14s %8.0f %7.1f %8.0f %8.0f %8.2f %8.2f"
                         % (test, row, r["iops"], r["mbps"], r["p50_us"],
                            r["p99_us"],
                            ratio(r["iops"],
                                  results["local (a)"][test]["iops"]),
                            ratio(r["iops"],
                                  results["dm-linear (a)"][test]["iops"])))
    lines.append("")
    lines.append("b's hastor-remote status after the run (outstanding "
                 "retried failed): %s" % info["remote_status"])
    lines.append("link 0 heartbeat RTT %s us" % info["link0_rtt_us"])
    text = "\n".join(lines) + "\n"
    out = os.path.join(TOP, "build", "bench")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "remote.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "remote.json"), "w") as f:
        json.dump({"results": results, "info": info}, f, indent=1)
    print(text)
