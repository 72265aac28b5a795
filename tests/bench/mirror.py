# SPDX-License-Identifier: GPL-2.0
"""`make bench B=mirror`: hastor's mirrored write log against DRBD
protocol C, on the same two guests, link and kind of backing device.

Two guests (a, b) each cut their local disk (/dev/vda, virtio-blk on a
host file, cache=none) with dm-linear into nv (hastor's write log,
64 MiB), pd (hastor's pool disk, 512 MiB) and dr (DRBD's backing device,
520 MiB with DRBD's internal metadata at its end).  Both replicate over
interconnect link 0 only (192.0.2.1 <-> 192.0.2.2): hastor's partner has
that one link, DRBD its one connection on another port.

Rows:   hastor mirrored    volume tank/v on a, log mirrored to b ("in-sync")
        hastor unmirrored  the same volume after `hactl partner clear` on a
        drbd C             DRBD 8.4 protocol C, /dev/drbd0 primary on a
        drbd C dsync       the same with O_DSYNC (FUA on every write), the
                           durability hastor gives every acknowledged write
Tests:  4 KiB random write QD1 and QD32, 1 MiB sequential write QD4;
        fio, direct, libaio, time based, each ending with an fsync.
Every region is written once before it is measured (hastor: so that the
rows measure logging, not allocation; DRBD: so that the host file is
allocated and every activity-log extent is hot).  The rows of one test
run back to back (mirrored, unmirrored, DRBD), so that drift of a shared
host hits them alike.  Nothing here asserts a timing: the targets of the
mirror (mirrored >= DRBD at QD1, >= 1.5x DRBD at QD32, >= 0.8x unmirrored
at QD32) are reported as met or not.
Writes build/bench/mirror.txt and build/bench/mirror.json.
"""

import json
import os
import re
import time
import traceback

from hvm import TOP, BAD_PATTERNS, HarnessError, wait_for

RUNTIME = int(os.environ.get("HASTOR_BENCH_SECONDS", "10"))
SIZE_MB = 256                       # volume, DRBD region and fio's range
NV_MB, PD_MB, DR_MB = 64, 512, 520  # slices of each guest's /dev/vda
MODULE = "/lib/modules/hastor/hastor.ko"
SECRET = "hastor-bench-secret-0123456789abcdef"
HB = "--hb-interval 300 --hb-timeout 4000"
DRBD_PORT = 7789
VOL = "/dev/mapper/tank:v"
DRBD = "/dev/drbd0"
DD = "/usr/bin/dd"
FIO = ("/opt/tools/lib64/ld-linux-x86-64.so.2 --library-path "
       "/opt/tools/lib/x86_64-linux-gnu:/opt/tools/usr/lib/x86_64-linux-gnu:"
       "/opt/tools/usr/lib/x86_64-linux-gnu/ceph "
       "/opt/tools/usr/bin/fio")

TESTS = [
    ("randwrite-4k-qd1", "randwrite", "4k", 1),
    ("randwrite-4k-qd32", "randwrite", "4k", 32),
    ("seqwrite-1m-qd4", "write", "1m", 4),
]
ROWS = ["hastor mirrored", "hastor unmirrored", "drbd C", "drbd C dsync"]

# DRBD 8.4 (the kernel's): protocol C and every other setting at its
# default; what the kernel ends up using is saved by `drbdsetup show`.
DRBD_CONF = """global { usage-count no; }
resource r0 {
	net { protocol C; }
	on a { device %s minor 0; disk /dev/mapper/dr; meta-disk internal;
	       address 192.0.2.1:%d; }
	on b { device %s minor 0; disk /dev/mapper/dr; meta-disk internal;
	       address 192.0.2.2:%d; }
}
""" % (DRBD, DRBD_PORT, DRBD, DRBD_PORT)


def wlog(vm):
    return json.loads(vm.out("hactl -j wlog show"))["wlog"]


def wait_sync(vm, want, timeout=240):
    try:
        return wait_for(lambda: (lambda w: w["sync"] == want and w)(wlog(vm)),
                        timeout, "%s: log %s" % (vm, want), interval=1)
    except HarnessError:
        raise HarnessError("%s: log never %s within %ds; last: %s"
                           % (vm, want, timeout, wlog(vm)))


def partner_set(vm):
    peer = 3 - vm.index
    vm.out("hactl partner set --id %d --link 192.0.2.%d,192.0.2.%d "
           "--secret-file /tmp/secret %s" % (peer, vm.index, peer, HB))


def boot(vm):
    vm.out("insmod %s wlog_cp_ms=5000 && "
           "hactl node set --id %d --cluster 7 --name %s"
           % (MODULE, vm.index, vm.name))
    nv, pd, dr = NV_MB * 2048, PD_MB * 2048, DR_MB * 2048
    vm.out("dmsetup create nv --table '0 %d linear /dev/vda 0' && "
           "dmsetup create pd --table '0 %d linear /dev/vda %d' && "
           "dmsetup create dr --table '0 %d linear /dev/vda %d' && "
           "dmsetup mknodes" % (nv, pd, nv, dr, nv + pd))
    # The log is attached before the partner is named: attaching it while
    # the partner is already reachable oopses (b6bf878: hs_ccm_chan_open()
    # calls the state callback before hs_wlog_mirror_start() has stored
    # m->chan, and send_state() passes NULL to hs_ccm_send()).
    vm.out("hactl node set --nvram /dev/mapper/nv")
    vm.out("printf '%%s' '%s' > /tmp/secret" % SECRET)
    partner_set(vm)


def fill(vm, dev):
    t = time.monotonic()
    vm.out("%s if=/dev/zero of=%s bs=1M oflag=direct status=none "
           "count=%d && sync" % (DD, dev, SIZE_MB), timeout=1200)
    return SIZE_MB / (time.monotonic() - t)


def setup_hastor(a, b):
    a.out("hactl pool create tank /dev/mapper/pd >/dev/null && "
          "hactl vol create tank/v --size %dM >/dev/null" % SIZE_MB)
    wait_sync(a, "in-sync")
    mbps = fill(a, VOL)
    wait_sync(a, "in-sync")
    return mbps


def drbd_state(vm):
    return vm.out("drbdadm cstate r0; drbdadm dstate r0; "
                  "drbdadm role r0").split()


def setup_drbd(a, b):
    for vm in (a, b):
        vm.out("cat > /etc/drbd.conf <<'EOF'\n%sEOF" % DRBD_CONF)
        vm.out("drbdadm create-md --force r0 </dev/null", timeout=300)
        vm.out("drbdadm up r0")
    wait_for(lambda: drbd_state(a)[0] == "Connected", 180,
             "DRBD connected", interval=1)
    # Both backing devices are fresh: no initial sync.
    a.out("drbdadm new-current-uuid --clear-bitmap r0")
    a.out("drbdadm primary r0")
    wait_for(lambda: drbd_state(a)[1] == "UpToDate/UpToDate", 120,
             "DRBD UpToDate/UpToDate", interval=1)
    mbps = fill(a, DRBD)
    return mbps, a.out("drbdsetup show r0 --show-defaults 2>/dev/null || "
                       "drbdsetup show r0")


def fio(vm, dev, rw, bs, qd, extra=""):
    # fio splits file names at ':' unless it is escaped.
    args = ("--name=b --filename='%s' --direct=1 --ioengine=libaio "
            "--rw=%s --bs=%s --iodepth=%d --size=%dM --runtime=%d "
            "--time_based --end_fsync=1 --randrepeat=0 "
            "--output-format=json %s"
            % (dev.replace(":", "\\:"), rw, bs, qd, SIZE_MB, RUNTIME, extra))
    out = vm.out("%s %s" % (FIO, args), timeout=RUNTIME + 600)
    job = json.loads(out[out.index("{"):])["jobs"][0]
    if job["error"]:
        raise HarnessError("%s: fio %s %s QD%d failed (error %d): %s"
                           % (vm, dev, rw, qd, job["error"], out[:1000]))
    w = job["write"]
    pct = w["clat_ns"].get("percentile", {})
    return {
        "iops": w["iops"],
        "mbps": w["bw_bytes"] / 1e6,
        "p50_us": pct.get("50.000000", 0) / 1000,
        "p99_us": pct.get("99.000000", 0) / 1000,
        "p999_us": pct.get("99.900000", 0) / 1000,
        "ios": w["total_ios"],
    }


def log_delta(r, before, after):
    """What the log did during one fio run: entries (log writes, each
    FUA and, mirrored, one round trip) and records (volume writes) in
    them; records per entry is what group commit achieved."""
    for k in ("entries", "records", "bytes", "cps", "waits"):
        r["log_" + k] = after[k] - before[k]


def show(row, test, r):
    print("  %-18s %-18s %8.0f IOPS %7.1f MB/s  p50 %7.0f p99 %7.0f "
          "p99.9 %7.0f us" % (row, test, r["iops"], r["mbps"], r["p50_us"],
                              r["p99_us"], r["p999_us"]), flush=True)


def dmesg_tail(vm, n=60):
    try:
        return vm.out("dmesg | tail -n %d" % n, timeout=60)
    except HarnessError as e:
        return "(dmesg failed: %s)" % e


def allow_drbd_might_sleep(vm):
    """DRBD 8.4's worker takes a mutex between prepare_to_wait() and
    schedule() (wait_for_work -> maybe_send_barrier ->
    conn_prepare_command), which the test kernel's atomic-sleep checks
    report once per boot.  That report is DRBD's, not hastor's: exempt
    exactly its lines, nothing else."""
    lines = vm.console().splitlines()
    found = 0
    for i, line in enumerate(lines):
        if not ("WARNING:" in line and "__might_sleep" in line and i and
                "do not call blocking ops" in lines[i - 1]):
            continue
        block = [line]
        for more in lines[i + 1:]:
            block.append(more)
            if "---[ end trace" in more:
                break
        if any("drbd_worker" in b for b in block):
            found += 1
            for b in block:
                if any(re.search(p, b) for p in BAD_PATTERNS):
                    vm.allow(re.escape(b))
    return found


def run(h):
    a, b = h.pair(luns=0, links=2,
                  local_disk_mb=NV_MB + PD_MB + DR_MB + 16,
                  tools_disk=h.tools_disk())
    for vm in (a, b):
        boot(vm)
    info = {"runtime_s": RUNTIME, "size_mb": SIZE_MB,
            "vda_write_cache": a.out("cat /sys/block/vda/queue/write_cache")
            .strip()}
    results = {row: {} for row in ROWS}
    problems = []
    hastor_ok = True

    def hastor_failed(what):
        nonlocal hastor_ok
        hastor_ok = False
        text = "%s:\n%s\nnode a dmesg:\n%s\nnode b dmesg:\n%s" % (
            what, traceback.format_exc(), dmesg_tail(a), dmesg_tail(b))
        problems.append(text)
        print("hastor problem: " + text, flush=True)

    try:
        info["hastor_fill_mbps"] = setup_hastor(a, b)
    except Exception:
        hastor_failed("hastor setup (pool, volume, sync, first write)")
    info["drbd_fill_mbps"], info["drbd_settings"] = setup_drbd(a, b)
    info["link0_rtt_us"] = json.loads(a.out("hactl -j link show"))[
        "links"][0].get("rtt_us")
    info["wlog"] = {}

    for test, rw, bs, qd in TESTS:
        if hastor_ok:
            try:
                wait_sync(a, "in-sync")
                before = wlog(a)
                r = fio(a, VOL, rw, bs, qd)
                w = wlog(a)
                log_delta(r, before, w)
                info["wlog"][test] = w
                # A mirror that fell back to local during the run makes
                # the row something else: say so.
                r["sync_after"] = w["sync"]
                results["hastor mirrored"][test] = r
                show("hastor mirrored", test, r)
                a.out("hactl partner clear")
                before = wait_sync(a, "local-only")
                r = fio(a, VOL, rw, bs, qd)
                log_delta(r, before, wlog(a))
                results["hastor unmirrored"][test] = r
                show("hastor unmirrored", test, r)
                partner_set(a)
            except Exception:
                hastor_failed("hastor %s" % test)
        for row, extra in (("drbd C", ""), ("drbd C dsync", "--sync=dsync")):
            r = fio(a, DRBD, rw, bs, qd, extra)
            results[row][test] = r
            show(row, test, r)
    info["drbd_state"] = drbd_state(a)
    a.out("drbdadm down r0")
    b.out("drbdadm down r0")
    info["drbd_might_sleep_reports"] = sum(allow_drbd_might_sleep(vm)
                                           for vm in (a, b))
    report(results, info, problems)


def ratio(a, b):
    return a / b if a and b else float("nan")


def iops(results, row, test):
    return results.get(row, {}).get(test, {}).get("iops", 0)


def report(results, info, problems):
    lines = [
        "hastor mirrored write log vs DRBD 8.4 protocol C (fio, %ds per "
        "test, %d MiB region, two TCG guests, one link)" % (RUNTIME, SIZE_MB),
        "hastor rows on a provisioned volume (written once before): they "
        "measure logging, not allocation.",
        "Backing: dm-linear slices of virtio-blk (host file, cache=none; "
        "guest write cache: %s); hastor log 64 MiB, FUA per log write;"
        % info["vda_write_cache"],
        "DRBD at defaults (disk-flushes, md-flushes on; al-extents cover "
        "the whole region, made hot by the first write).",
        ""]
    head = "%-18s %-18s %8s %8s %8s %8s %8s %7s %7s %7s" % (
        "row", "test", "IOPS", "MB/s", "p50 us", "p99 us", "p99.9 us",
        "/drbd", "/unmirr", "rec/ent")
    lines += [head, "-" * len(head)]
    for row in ROWS:
        for test, _, _, _ in TESTS:
            r = results[row].get(test)
            if not r:
                lines.append("%-18s %-18s %8s" % (row, test, "failed"))
                continue
            note = ""
            if r.get("sync_after", "in-sync") != "in-sync":
                note = "  (log %s after the run)" % r["sync_after"]
            rpe = ("%.1f" % (r["log_records"] / r["log_entries"])
                   if r.get("log_entries") else "-")
            lines.append("%-18s %-18s %8.0f %8.1f %8.0f %8.0f %8.0f %7.2f "
                         "%7.2f %7s%s" % (
                             row, test, r["iops"], r["mbps"], r["p50_us"],
                             r["p99_us"], r["p999_us"],
                             ratio(r["iops"], iops(results, "drbd C", test)),
                             ratio(r["iops"], iops(results,
                                                   "hastor unmirrored",
                                                   test)), rpe, note))
    m = "hastor mirrored"
    targets = [
        ("mirrored / drbd C, 4k QD1", ratio(
            iops(results, m, "randwrite-4k-qd1"),
            iops(results, "drbd C", "randwrite-4k-qd1")), 1.0),
        ("mirrored / drbd C, 4k QD32", ratio(
            iops(results, m, "randwrite-4k-qd32"),
            iops(results, "drbd C", "randwrite-4k-qd32")), 1.5),
        ("mirrored / unmirrored, 4k QD32", ratio(
            iops(results, m, "randwrite-4k-qd32"),
            iops(results, "hastor unmirrored", "randwrite-4k-qd32")), 0.8),
    ]
    lines += ["", "targets (IOPS ratios, this run):"]
    for what, got, want in targets:
        verdict = ("no result" if got != got else
                   "met" if got >= want else "NOT met")
        lines.append("  %-32s %6.2f  want >= %.1f  %s" % (what, got, want,
                                                          verdict))
    lines.append("  (against drbd C dsync: QD1 %.2f, QD32 %.2f)" % (
        ratio(iops(results, m, "randwrite-4k-qd1"),
              iops(results, "drbd C dsync", "randwrite-4k-qd1")),
        ratio(iops(results, m, "randwrite-4k-qd32"),
              iops(results, "drbd C dsync", "randwrite-4k-qd32"))))
    lines.append("first write of the region: hastor mirrored %.1f MB/s, "
                 "drbd C %.1f MB/s" % (info.get("hastor_fill_mbps", 0),
                                       info.get("drbd_fill_mbps", 0)))
    lines.append("rec/ent: log records per log entry (4 KiB: writes per "
                 "entry, i.e. group commit); link 0 heartbeat RTT %s us"
                 % info.get("link0_rtt_us"))
    if problems:
        lines += ["", "hastor problems (details in mirror.json):"]
        lines += ["  " + p.splitlines()[0] for p in problems]
    text = "\n".join(lines) + "\n"
    out = os.path.join(TOP, "build", "bench")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "mirror.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "mirror.json"), "w") as f:
        json.dump({"results": results, "info": info, "problems": problems},
                  f, indent=1)
    print(text)
