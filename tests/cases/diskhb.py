# SPDX-License-Identifier: GPL-2.0
"""The disk heartbeat, two guests on shared LUNs.

Node a serves a pool on /dev/shared/lun1 with its write log mirrored to
b; b reads a's heartbeat from the LUN the way the HA daemon will
(`hactl disk heartbeat`).  The pool sits on a dm-delay device on a (1 s
per write), so a heartbeat write takes long enough that a write
acknowledged before it would show in the kernel log's order: the test
of the ordering rule can fail.  The fencing test uses real SCSI-3
persistent reservations through the fabric."""

import json
import re
import time

from hvm import wait_for
from ccm import configure, MODULE
from pool import expect

LUN = "/dev/shared/lun1"
DELAY_MS = 1000
# a local log of 64 MiB on each node, the same size on both
LOCAL_MB = 64


def heartbeat(vm, disk=LUN, check=True):
    """b's view of a heartbeat: the one object `hactl -j disk heartbeat
    DISK` prints for it."""
    st, out = vm.run("hactl -j disk heartbeat %s" % disk, check=False)
    hbs = json.loads(out.strip().splitlines()[-1])["heartbeats"]
    expect(len(hbs) == 1, "one heartbeat expected: %s", out)
    expect(not check or (st == 0 and hbs[0]["valid"]),
           "heartbeat of %s invalid: %s", disk, out)
    return hbs[0]


def boot(vm):
    vm.out("insmod %s && hactl node set --id %d --cluster 7 --name %s && "
           "hactl node set --nvram /dev/vda" % (MODULE, vm.index, vm.name))
    configure(vm)


def wlog_sync(vm):
    return json.loads(vm.out("hactl -j wlog show"))["wlog"]["sync"]


def dmesg_lines(vm):
    return vm.out("dmesg").splitlines()


def stamp(line):
    m = re.match(r"\[\s*(\d+\.\d+)\]", line)
    return float(m.group(1)) if m else None


def writer(vm, dev):
    """Sequential 4 KiB direct writes; each acknowledged one is marked in
    the kernel log ("hbw N"), so its order against the kernel's own
    messages is known exactly.  It stops, its last write done, once
    /tmp/stop exists."""
    return vm.spawn(
        "rm -f /tmp/stop; i=0; while [ ! -e /tmp/stop ]; do /usr/bin/dd if=/dev/urandom of=%s bs=4096 "
        "count=1 seek=$((i %% 2048)) oflag=direct conv=notrunc "
        "status=none || { echo FAIL $i; exit 1; }; "
        "echo \"hbw $i\" > /dev/kmsg; echo \"W $i\"; i=$((i+1)); done"
        % dev)


def acked(job):
    return len(re.findall(r"^W \d+$", job.output, re.M))


def check_order(lines):
    """Between the partner becoming unreachable and the first heartbeat
    saying the log is not in sync, no write may be acknowledged: any
    write then completes without the partner's ACK.  Returns the seconds
    from one to the other."""
    start = next((i for i, l in enumerate(lines)
                  if re.search(r"hastor: partner \d+ unreachable", l)), None)
    expect(start is not None, "no 'partner unreachable' in dmesg")
    hb = next((i for i in range(start, len(lines))
               if re.search(r"pool tank: disk heartbeat \d+: log not in "
                            r"sync", lines[i])), None)
    expect(hb is not None, "no heartbeat 'not in sync' after the cut:\n%s",
           "\n".join(lines[start:][-40:]))
    early = [l for l in lines[start:hb] if re.search(r"hbw \d+", l)]
    expect(not early, "writes acknowledged before the heartbeat said "
           "'not in sync': %s", early)
    after = [l for l in lines[hb:] if re.search(r"hbw \d+", l)]
    expect(after, "no write acknowledged after the heartbeat")
    return stamp(lines[hb]) - stamp(lines[start])


def test_beats(h):
    """Heartbeat running (node, counter, in sync), the ordering rule on a
    cut interconnect, STOPPED on export, frozen when a dies, invalid
    when damaged."""
    a, b = h.pair(luns=1, links=2, local_disk_mb=LOCAL_MB)
    # The interval is checked: out of range, the module does not load.
    st, _ = b.run("insmod %s diskhb_ms=50" % MODULE, check=False)
    expect(st != 0, "diskhb_ms=50 accepted")
    for vm in (a, b):
        boot(vm)
    sectors = int(a.out("blockdev --getsz %s" % LUN))
    a.out("dmsetup create slow --table '0 %d delay %s 0 0 %s 0 %d' && "
          "dmsetup mknodes" % (sectors, LUN, LUN, DELAY_MS))
    a.out("hactl pool create tank /dev/mapper/slow && "
          "hactl vol create tank/v --size 16M", timeout=300)
    wait_for(lambda: wlog_sync(a) == "in-sync", 180, "a's log in sync",
             interval=1)

    # b sees a beat, and in sync once the mirror is.
    hb = wait_for(lambda: (lambda x: x["sync"] == "in-sync" and x)(
        heartbeat(b)), 60, "heartbeat in sync", interval=1)
    expect(hb["node"] == 1 and hb["cluster"] == 7 and
           hb["state"] == "running" and hb["interval_ms"] == 1000,
           "heartbeat: %s", hb)
    c1 = hb["counter"]
    time.sleep(4)
    hb = heartbeat(b)
    expect(hb["counter"] >= c1 + 2, "counter %d -> %d in 4 s", c1,
           hb["counter"])
    expect(hb["boot_id"] != 0, "no boot id: %s", hb)

    # Both links cut while a writes: local only, and only after the
    # heartbeat says so.
    w = writer(a, "/dev/mapper/tank:v")
    w.wait_output(r"^W 5$", timeout=120)
    for link in (0, 1):
        a.set_link(link, False)
    wait_for(lambda: heartbeat(b)["sync"] == "not-in-sync", 60,
             "heartbeat not in sync", interval=0.5)
    n = acked(w)
    wait_for(lambda: acked(w) >= n + 5, 120, "writes while cut", interval=1)
    secs = check_order(dmesg_lines(a))
    # One beat (DELAY_MS) after the partner is declared gone, plus slack.
    expect(secs < 5, "heartbeat said 'not in sync' %.1f s after the cut",
           secs)
    h.note("diskhb: 'not in sync' on disk %.2f s after the partner was "
           "lost; no write acknowledged in between" % secs)
    for link in (0, 1):
        a.set_link(link, True)
    wait_for(lambda: heartbeat(b)["sync"] == "in-sync", 180,
             "heartbeat back in sync", interval=1)
    a.out("touch /tmp/stop")
    w.wait(timeout=120)
    expect("FAIL" not in w.output, "a write failed: %s", w.output[-500:])

    # Export: the last beat says STOPPED, and stays.
    a.out("hactl pool export tank", timeout=300)
    hb = heartbeat(b)
    expect(hb["stopped"] and hb["state"] == "stopped", "after export: %s",
           hb)
    stopped_at = hb["counter"]
    time.sleep(3)
    expect(heartbeat(b)["counter"] == stopped_at, "beats after export")

    # Import again: it goes on from the counter on disk.
    a.out("hactl pool import tank --disks /dev/mapper/slow", timeout=300)
    hb = wait_for(lambda: (lambda x: not x["stopped"] and x)(heartbeat(b)),
                  30, "beats after import", interval=1)
    expect(hb["counter"] > stopped_at, "counter went back: %d after %d",
           hb["counter"], stopped_at)

    # a dies: the counter stops, not STOPPED.
    a.kill()
    last = heartbeat(b)
    time.sleep(4)
    hb = heartbeat(b)
    expect(hb["counter"] == last["counter"] and not hb["stopped"],
           "after a died: %s then %s", last, hb)

    # Damage: one byte (checksum), then garbage (magic).
    b.out("/usr/bin/dd if=%s of=/tmp/hb bs=4096 skip=4 count=1 "
          "iflag=direct status=none && printf '\\377' | /usr/bin/dd "
          "of=/tmp/hb bs=1 seek=100 conv=notrunc status=none && "
          "/usr/bin/dd if=/tmp/hb of=%s bs=4096 seek=4 count=1 "
          "oflag=direct conv=notrunc status=none" % (LUN, LUN))
    hb = heartbeat(b, check=False)
    expect(not hb["valid"] and hb["state"] == "invalid" and
           "checksum" in hb["reason"], "one byte flipped: %s", hb)
    b.out("/usr/bin/dd if=/dev/urandom of=%s bs=4096 seek=4 count=1 "
          "oflag=direct conv=notrunc status=none" % LUN)
    hb = heartbeat(b, check=False)
    expect(not hb["valid"] and hb["reason"], "garbage: %s", hb)
    st, out = b.run("hactl disk heartbeat %s" % LUN, check=False)
    expect(st == 1 and "invalid" in out, "text output: %d %s", st, out)
    # The scan finds the labelled LUN and reports it invalid too.
    st, out = b.run("hactl -j disk heartbeat", check=False)
    expect(st == 1 and '"state":"invalid"' in out.replace(" ", ""),
           "scan: %d %s", st, out)


def pool_state(vm, name):
    pools = json.loads(vm.out("hactl -j pool list"))["pools"]
    return next((p["state"] for p in pools if p["name"] == name), None)


def test_fenced(h):
    """b preempts a's reservation: a's pool goes FENCED (event, one
    warning), its writes fail, its heartbeat stops, export works."""
    a, b = h.pair(luns=1, links=0, local_disk_mb=0)
    for vm in (a, b):
        vm.out("insmod %s && hactl node set --id %d --cluster 7"
               % (MODULE, vm.index))
    # The import registers a's key and takes the reservation (fence.c).
    mon = a.spawn("exec hactl -j monitor")
    a.out("hactl pool create fen %s && hactl vol create fen/v --size 8M"
          % LUN)
    vol = "/dev/mapper/fen:v"
    a.out("/usr/bin/dd if=/dev/urandom of=%s bs=4096 count=16 "
          "oflag=direct status=none" % vol)
    hb = wait_for(lambda: (lambda x: x["valid"] and x)(
        heartbeat(b, check=False)), 30, "a's heartbeat", interval=1)
    expect(hb["node"] == 1, "heartbeat: %s", hb)

    key_a = json.loads(a.out("hactl -j node show"))["node"]["pr_key"]
    b.out("hactl disk pr %s register && hactl disk pr %s preempt %s"
          % (LUN, LUN, key_a))
    t0 = time.monotonic()
    wait_for(lambda: pool_state(a, "fen") == "fenced", 30, "fenced",
             interval=0.5)
    h.note("diskhb: pool fenced %.1f s after the preemption"
           % (time.monotonic() - t0))
    mon.wait_output(r'"state":\s*"fenced"', timeout=30)
    st, out = a.run("/usr/bin/dd if=/dev/zero of=%s bs=4096 count=1 "
                    "oflag=direct status=none" % vol, check=False)
    expect(st != 0, "a wrote to a fenced pool: %s", out)
    warns = [l for l in dmesg_lines(a)
             if "fen: reservation conflict: this node is fenced" in l]
    expect(len(warns) == 1, "fencing warnings: %s", warns)
    # Nothing more is written: the heartbeat on disk stands still.
    last = heartbeat(b)["counter"]
    time.sleep(3)
    expect(heartbeat(b)["counter"] == last, "a still beats when fenced")
    a.out("hactl pool export fen", timeout=120)
    expect(pool_state(a, "fen") is None, "pool still listed after export")
    for vm in (a, b):
        vm.allow(r"reservation conflict")
