# SPDX-License-Identifier: GPL-2.0
"""Capture on panic (kdump) with the partner's takeover alongside.

Node a serves a pool on lun1 and lun2 with writers running, and is armed
(`hactl coredump arm`: its kernel and the capture initramfs loaded into
the memory `crashkernel=` reserved).  A sysrq crash boots the capture
kernel, whose init (tests/vm/capture-init) writes /proc/vmcore to the
dump disk lun3 and reboots; QEMU (-no-reboot) exits and the test starts
a again.  Meanwhile b's daemon learns from lun3's dump attributes alone
that a is dumping, fences a's pool disks (not lun3), imports the pool
and serves it while the dump is still being written.

test_capture: the takeover with the dump signal; from the capture
environment a's raw write to a pool disk is refused by the reservation
while its dump disk still takes writes; every acknowledged write is on
b; the dump is complete on both nodes' lists and saved (to lun4, read
on the host: readelf -h, same bytes as on lun3).

test_torn: b ignores the signal (--ignore-dump-signal: heartbeats only),
the capture environment panics after 48 MiB (a second crash): the dump
is reported torn and its verified prefix saved."""

import json
import os
import re
import subprocess
import time

from hvm import TOP, wait_for, HarnessError
from failover import node_up, make_pool, served_here, wait_possible, POOL, \
    VOLS, PER, timeline
from mirror import wait_sync
from pool import writes, verify_after_crash, hswriter_blocks, expect

MEM = 768
CRASH = "256M"
LUN_MB = 1024
DUMP_DISK = "/dev/shared/lun3"
HB_MS = 10000
DATA_OFFSET = 256 * 4096
ARM = ("hactl coredump arm --kernel /boot/vmlinuz "
       "--initrd /boot/hastor-capture.img")


def kdump_pair(h, b_daemon):
    """a armed-capable (crashkernel), b not; lun3 a dump disk."""
    a, b = h.pair(luns=4, links=2, local_disk_mb=64, lun_mb=LUN_MB,
                  mem=MEM, a_kw={"crashkernel": CRASH})
    node_up(a)
    # A slow disk heartbeat (dead after 3 x 10 s), as on a busy array:
    # slower than the capture kernel's boot, so that the dump signal,
    # not the heartbeat, decides the takeover in test_capture.
    a.out("echo %d > /sys/module/hastor/parameters/diskhb_ms" % HB_MS)
    db = node_up(b, b_daemon)
    make_pool(a)
    a.out("hactl disk assign %s --owner 1 --role dump" % DUMP_DISK)
    return a, b, db


def arm(a, append):
    # The capture kernel skips the early TSC calibration (the running
    # kernel measured the same TSC): under TCG on a loaded host the
    # PIT/HPET calibration loops are where an early boot can stall.
    mhz = a.out("dmesg | sed -n 's/.*Refined TSC clocksource calibration: "
                "\\([0-9.]*\\) MHz.*/\\1/p' | tail -n 1").strip()
    if mhz:
        append += " tsc_early_khz=%d" % int(float(mhz) * 1000)
    out = a.out("%s --append '%s'" % (ARM, append))
    expect("armed:" in out, "arm: %s", out)
    st = json.loads(a.out("hactl -j coredump status"))["coredump_status"]
    expect(st["armed"] and st["kernel"] == "/boot/vmlinuz" and
           st["disk"] and st["disk"].endswith(a.out(
               "readlink -f %s" % DUMP_DISK).strip()),
           "status after arm: %s", st)
    return st


def pr_keys(vm, dev):
    out = vm.out("sg_persist -n --in --read-keys %s" % dev)
    return {int(k, 16) for k in re.findall(r"0x[0-9a-fA-F]+", out)}


def dumps(vm):
    return json.loads(vm.out("hactl -j coredump list --all"))["dumps"]


def crash(h, a, b, rnd):
    """Writers on a, then a sysrq crash; returns (writer jobs, panic
    time).  The crash's own reports are allowed only after a's console
    was checked clean."""
    wait_sync(a)
    wait_possible(b)
    jobs = [a.spawn("exec hswriter write /dev/mapper/%s:v%d --blocks %d "
                    "--count 100000 --seed %d --tag %d"
                    % (POOL, t, PER, rnd * 10 + t, t)) for t in range(VOLS)]
    jobs[0].wait_output(r"^W 0 \d+ 40$", timeout=300)
    found = a.problems()
    expect(not found, "a's console before the crash: %s", found)
    for p in (r"sysrq", r"Kernel panic - not syncing", r"Call Trace:",
              r"RIP: ", r"Oops", r"BUG:"):
        a.allow(p)
    t0 = time.time()
    a.spawn("echo c > /proc/sysrq-trigger")
    return jobs, t0


def console_line(a, rx, timeout):
    def seen():
        m = re.search(rx, a.console(), re.M)
        if not m and a.proc.poll() is not None:
            raise HarnessError("a exited without %r; console:\n%s"
                               % (rx, a.console()[-3000:]))
        return m
    return wait_for(seen, timeout, "a's console: %s" % rx, interval=0.5)


def check_writes(b, jobs, rnd):
    n = 0
    for t, j in enumerate(jobs):
        acked, _ = writes(j.output)
        found = hswriter_blocks(b, "/dev/mapper/%s:v%d" % (POOL, t), PER,
                                "on the survivor: ")
        mine = {t: acked.get(t, [])}
        last = {t: mine[t][-1][0]} if mine[t] else {}
        lost = verify_after_crash(found, mine, last, {t: rnd * 10 + t})
        expect(not lost, "%d acknowledged writes of v%d lost, e.g. %s",
               len(lost), t, lost[:3])
        n += len(mine[t])
    return n


def restart(a):
    """The capture init rebooted; QEMU (-no-reboot) exited: boot again."""
    wait_for(lambda: a.proc.poll() is not None, 600, "a's capture to end",
             interval=1)
    a.kill()
    a.start()


def save_to_lun4(h, b, dump_id, size):
    """Saves on b onto lun4 (a guest has no room for the core in RAM);
    returns the save report and the saved bytes as the host sees them."""
    out = b.run("hactl -j coredump save %s /dev/shared/lun4 && sync"
                % dump_id, timeout=900, check=False)
    sv = json.loads(out[1].splitlines()[0])["save"]
    img = os.path.join(h.dir, "fabric", "lun4.img")
    core = os.path.join(h.dir, "core-%s.elf" % dump_id)
    with open(img, "rb") as f, open(core, "wb") as o:
        o.write(f.read(sv["saved"]))
    return out[0], sv, core


def readelf(core):
    r = subprocess.run(["readelf", "-h", core], capture_output=True,
                       text=True)
    expect(r.returncode == 0 and "Type:" in r.stdout and
           "CORE" in r.stdout and not r.stderr.strip(),
           "readelf -h on the saved core:\n%s%s", r.stdout, r.stderr)


def test_cli(h):
    """arm, disarm and status refuse bad arguments with exit 2 (host;
    nothing here may load or unload the host's own capture kernel, so
    only refusals and status, which reads, are run)."""
    hactl = os.path.join(TOP, "tools", "hactl", "hactl")
    env = dict(os.environ, HASTOR_MODULE="/nonexistent/hastor.ko")
    env.pop("HACTL_NO_CLIENT_CHECKS", None)
    cases = [
        (["arm", "--kernel", "vmlinuz"], 2), (["arm", "--initrd", "x"], 2),
        (["arm", "--kernel", ""], 2), (["arm", "x"], 2),
        (["arm", "--append", 'a="b c"'], 2),
        (["arm", "--append", "a\tb"], 2),
        (["arm", "--append", "x" * 513], 2), (["arm", "--bogus"], 2),
        (["arm", "--kernel"], 2), (["disarm", "x"], 2),
        (["disarm", "--bogus"], 2), (["status", "x"], 2),
        (["arm", "--help"], 0), (["status", "--help"], 0),
    ]
    for args, want in cases:
        r = subprocess.run([hactl, "coredump"] + args, env=env,
                           capture_output=True, text=True)
        expect(r.returncode == want, "hactl coredump %s: exit %d, want %d\n%s",
               args, r.returncode, want, r.stderr)
        expect(want != 2 or "Usage:" in r.stderr, "%s: no usage: %s", args,
               r.stderr)
    h.note("%d argument cases" % len(cases))


def test_capture(h):
    a, b, db = kdump_pair(h, "--no-auto-giveback --grace 2000")
    key_a = int(json.loads(a.out("hactl -j node show"))["node"]["pr_key"],
                16)
    arm(a, "kmemleak=off hastor.capture_probe=lun1")
    jobs, t0 = crash(h, a, b, 0)

    # b serves a's volumes; at that moment lun3 still says "writing".
    dumping_seen = []

    def served():
        if time.time() - t0 > 240 and "hastor-capture:" not in a.console():
            raise HarnessError("the capture kernel never reached its init "
                               "(an early-boot stall under TCG?):\n%s"
                               % a.console()[-1500:])
        s = json.loads(b.out("hactl -j ha status"))
        if s.get("partner_dumping"):
            dumping_seen.append(s)
        return served_here(b)
    wait_for(served, 600, "b takes %s over" % POOL, interval=0.5)
    t_served = time.time() - t0
    during = [d for d in dumps(b) if d.get("node") == 1]
    expect(during and during[0]["state"] == "in-progress",
           "b serves, but the dump is not in progress: %s", during)
    expect(re.search(r"partner node 1 is dead \(no interconnect, dumping "
                     r"core to /dev/", db.output),
           "b's daemon did not take over on the dump signal:\n%s",
           db.output[-2000:])
    expect(dumping_seen, "hactl ha status never showed the partner dumping")
    # The pool disks fenced (a's key preempted), the dump disk not: a's
    # key is still registered there and its dump goes on.
    for lun, want in ((DUMP_DISK, True), ("/dev/shared/lun1", False),
                      ("/dev/shared/lun2", False)):
        keys = pr_keys(b, lun)
        expect((key_a in keys) == want, "%s: a's key %x %s: %s", lun, key_a,
               "lost" if want else "still registered",
               ["%x" % k for k in keys])

    m = console_line(a, r"hastor-capture: probe lun1: write refused "
                     r"(\d+) s into the dump: (.*)$", 600)
    expect("Invalid exchange" in m.group(2) or "conflict" in m.group(2),
           "a's pool write refused, not by the reservation: %s", m.group(0))
    m2 = console_line(a, r"hastor-capture: probe dump disk (\S+): write "
                      r"(\S+)", 60)
    expect(m2.group(2) == "accepted", "dump disk after the fence: %s",
           m2.group(0))
    console_line(a, r"hastor-capture: dump complete", 900)
    t_done = time.time() - t0
    expect(t_served < t_done, "b served %.1f s after the panic, the dump "
           "was done at %.1f s", t_served, t_done)
    rate = re.search(r"complete: (\d+) bytes in ([\d.]+) s", a.console())
    n = check_writes(b, jobs, 0)

    restart(a)
    lists = {}
    for vm in (a, b):
        ds = [d for d in dumps(vm) if d.get("node") == 1]
        expect(len(ds) == 1 and ds[0]["state"] == "complete",
               "%s lists: %s", vm, ds)
        lists[vm.name] = ds[0]
    d = lists["b"]
    status, sv, core = save_to_lun4(h, b, d["id"], d["size"])
    expect(status == 0 and sv["whole"] and sv["saved"] == d["size"],
           "save: status %d %s", status, sv)
    readelf(core)
    with open(os.path.join(h.dir, "fabric", "lun3.img"), "rb") as f:
        f.seek(DATA_OFFSET)
        ondisk = f.read(d["size"])
    with open(core, "rb") as f:
        expect(f.read() == ondisk, "the saved core differs from lun3's data")
    os.unlink(core)
    b.out("hactl coredump clear %s" % d["id"])
    size, secs = (int(rate.group(1)), float(rate.group(2))) if rate else (0, 0)
    h.note("kdump: panic -> b serves a's volumes %.1f s (dump signal), "
           "dump complete %.1f s after the panic; %s"
           % (t_served, t_done, timeline(db)))
    h.note("kdump: %d MiB dumped in %.1f s: %.1f s per GiB of guest "
           "memory (%.1f MiB/s); %d acknowledged writes checked, none lost; "
           "pool write refused %s s into the dump, dump disk writable"
           % (size >> 20, secs, secs / (size / 2**30) if size else 0,
              size / 2**20 / secs if secs else 0, n, m.group(1)))


def test_torn(h):
    a, b, db = kdump_pair(h, "--no-auto-giveback --grace 2000 "
                          "--ignore-dump-signal")
    arm(a, "kmemleak=off hastor.capture_panic_mb=48")
    jobs, t0 = crash(h, a, b, 1)
    a.allow(r"hastor-capture: panicking")
    wait_for(lambda: served_here(b), 600, "b takes %s over" % POOL,
             interval=0.5)
    t_served = time.time() - t0
    expect(re.search(r"partner node 1 is dead \(no interconnect, disk "
                     r"heartbeat stopped\)", db.output),
           "b's daemon did not judge by the heartbeats:\n%s",
           db.output[-2000:])
    console_line(a, r"hastor-capture: panicking at (\d+) bytes", 900)
    n = check_writes(b, jobs, 1)
    restart(a)

    def torn():
        ds = [d for d in dumps(b) if d.get("node") == 1]
        return ds and ds[0]["state"] == "torn" and ds[0]
    d = wait_for(torn, 120, "b to list the dump as torn", interval=2)
    ds = [x for x in dumps(a) if x.get("node") == 1]
    expect(ds and ds[0]["state"] == "torn", "a lists: %s", ds)
    status, sv, core = save_to_lun4(h, b, d["id"], d["size"])
    expect(status == 0 and not sv["whole"] and
           d["written"] <= sv["saved"] < d["size"] and
           sv["saved"] >= 32 << 20, "torn save: status %d %s (listed %s)",
           status, sv, d)
    readelf(core)
    os.unlink(core)
    h.note("kdump torn: panic -> b serves %.1f s without the dump signal "
           "(heartbeats only); %s; second panic after %d MiB, %d MiB of "
           "%d recovered verified; %d acknowledged writes checked"
           % (t_served, timeline(db), d["written"] >> 20,
              sv["saved"] >> 20, d["size"] >> 20, n))
