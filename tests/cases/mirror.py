# SPDX-License-Identifier: GPL-2.0
"""The write log mirrored to the partner, two guests.

Node a serves a volume whose writes are logged locally and mirrored to
node b over the interconnect; b's log device holds a's log in its mirror
region.  The kill test replays b's mirror into an image with
`hactl wlog dump --partner` (offline, while a is dead) and checks every
write a acknowledged: none may be missing from b."""

import json
import os
import random

from hvm import wait_for
from ccm import configure, links, link_counter, wait_links, wait_partner, \
    MODULE
from pool import writes, verify_after_crash, hswriter_blocks, expect
from wlog import LOG_SECTORS, wlog_info


def boot(vm, partner_first=False, log_read_delay_ms=0):
    """Module, identity, the write log on the local disk (its reads
    delayed by dm-delay if asked: a slow takeover replay), partner."""
    vm.out("insmod %s wlog_cp_ms=600000 && "
           "hactl node set --id %d --cluster 7 --name %s"
           % (MODULE, vm.index, vm.name))
    if partner_first:
        configure(vm)
        wait_partner(vm, "reachable")
    total = int(vm.out("blockdev --getsz /dev/vda"))
    nv = "linear /dev/vda 0"
    if log_read_delay_ms:
        nv = "delay /dev/vda 0 %d /dev/vda 0 0" % log_read_delay_ms
    vm.out("dmsetup create nv --table '0 %d %s' && "
           "dmsetup create pd --table '0 %d linear /dev/vda %d' && "
           "dmsetup mknodes" % (LOG_SECTORS, nv, total - LOG_SECTORS,
                                LOG_SECTORS))
    vm.out("hactl node set --nvram /dev/mapper/nv")
    if not partner_first:
        configure(vm)


def wait_sync(vm, want="in-sync", timeout=180):
    return wait_for(lambda: wlog_info(vm)["sync"] == want, timeout,
                    "%s: log %s" % (vm, want), interval=1)


def mirror_image(b, vol_id, path):
    """Replay every entry of a's log that b's mirror holds, for one
    volume, into a file on b; its hswriter blocks as {block: (tag, seq,
    seed)}."""
    b.out("rm -f %s && hactl wlog dump /dev/mapper/nv --partner --all "
          "--volume %d --image %s" % (path, vol_id, path), timeout=300)
    return hswriter_blocks(b, path, 8192, "in the mirror: ")


def test_kills(h):
    """Kill a at random moments while two writers run without flushes;
    b's mirror holds every write a acknowledged, content included."""
    rounds = int(os.environ.get("HASTOR_MIRROR_KILLS", "10"))
    rng = random.Random(int(os.environ.get("HASTOR_SEED", "1")))
    a, b = h.pair(luns=0, links=2, local_disk_mb=320)
    for vm in (a, b):
        boot(vm)
    a.out("hactl pool create tank /dev/mapper/pd && "
          "hactl vol create tank/v --size 32M")
    vol_id = json.loads(a.out("hactl -j vol show tank/v"))["vol"]["id"]
    per, checked = 2048, 0
    for r in range(rounds):
        wait_sync(a)
        jobs = [a.spawn("exec hswriter write /dev/mapper/tank:v "
                        "--blocks %d --first %d --count 100000 "
                        "--seed %d --tag %d" % (per, t * per, r * 10 + t, t))
                for t in range(2)]
        target = rng.randint(20, 200)
        jobs[0].wait_output(r"^W 0 \d+ %d$" % target, timeout=300)
        a.kill()
        outputs = [j.output for j in jobs]
        found = mirror_image(b, vol_id, "/tmp/img")
        seeds = {t: r * 10 + t for t in range(2)}
        for t, text in enumerate(outputs):
            acked, _ = writes(text)
            last = {tag: ws[-1][0] for tag, ws in acked.items() if ws}
            lost = verify_after_crash(found, acked, last, seeds)
            expect(not lost, "round %d: %d acknowledged writes not in b's "
                   "mirror, e.g. %s", r, len(lost), lost[:3])
            checked += len(acked.get(t, []))
        # a comes back: local replay, then the mirror resynchronises.
        a.start()
        boot(a)
        a.out("hactl pool import tank --disks /dev/mapper/pd")
    h.note("mirror: %d kills, %d acknowledged writes found in the "
           "partner's mirror, none lost" % (rounds, checked))


def test_partner_down(h):
    """Both links cut: a goes on with its local log, says it is not in
    sync (and why, with an event); links back: in sync again.  No write
    fails and none is lost."""
    a, b = h.pair(luns=0, links=2, local_disk_mb=320)
    # The log attached while the partner is reachable already, on b.
    boot(a)
    boot(b, partner_first=True)
    mon = a.spawn("exec hactl -j monitor")
    a.out("hactl pool create tank /dev/mapper/pd && "
          "hactl vol create tank/v --size 32M")
    wait_sync(a)
    writer = a.spawn("exec hswriter write /dev/mapper/tank:v --blocks 4096 "
                     "--count 1000000 --seed 5 --tag 0")
    writer.wait_output(r"^W 0 \d+ 50$", timeout=300)
    for link in (0, 1):
        a.set_link(link, False)
    w = wait_sync(a, "not-in-sync")
    w = wlog_info(a)
    expect(w.get("sync_reason"), "no reason given: %s", w)
    n = len(writer.output.splitlines())
    wait_for(lambda: len(writer.output.splitlines()) > n + 100, 300,
             "writes while the partner is away", interval=1)
    for link in (0, 1):
        a.set_link(link, True)
    wait_sync(a)
    mon.wait_output(r'"sync":\s*"not-in-sync"', timeout=60)
    mon.wait_output(r'"sync":\s*"in-sync"', timeout=60)
    writer.kill()
    expect("pwrite" not in writer.output, "a write failed: %s",
           writer.output[-300:])
    acked, _ = writes(writer.output)
    a.out("sync")
    found = hswriter_blocks(a, "/dev/mapper/tank:v", 4096)
    last = {0: acked[0][-1][0]}
    lost = verify_after_crash(found, acked, last, {0: 5})
    expect(not lost, "%d lost writes, e.g. %s", len(lost), lost[:3])
    h.note("partner down: %d writes through both links cut and back, "
           "none failed or lost; reason shown: %s"
           % (len(acked[0]), w["sync_reason"]))


def test_link_cut(h):
    """Cut the link the mirror runs on while a writer runs: no write
    fails or is lost, the other link carries the mirror, the log stays
    in sync; the link comes back and is used again."""
    a, b = h.pair(luns=0, links=2, local_disk_mb=320)
    for vm in (a, b):
        boot(vm)
    a.out("hactl pool create tank /dev/mapper/pd && "
          "hactl vol create tank/v --size 32M")
    wait_sync(a)
    wait_links(a, {0: "up", 1: "up"})
    writer = a.spawn("exec hswriter write /dev/mapper/tank:v --blocks 4096 "
                     "--count 1000000 --seed 9 --tag 0")
    wait_for(lambda: link_counter(a, 0, "tx_msgs") > 100, 300,
             "mirror traffic on link 0", interval=0.5)
    tx1 = link_counter(a, 1, "tx_msgs")
    a.set_link(0, False)
    for vm in (a, b):
        wait_links(vm, {0: "down", 1: "up"}, timeout=180)
    wait_for(lambda: link_counter(a, 1, "tx_msgs") > tx1 + 100, 300,
             "mirror traffic on link 1", interval=1)
    expect(wlog_info(a)["sync"] == "in-sync", "out of sync with one link: "
           "%s", wlog_info(a))
    a.set_link(0, True)
    for vm in (a, b):
        wait_links(vm, {0: "up", 1: "up"}, timeout=180)
    tx0 = link_counter(a, 0, "tx_msgs")
    wait_for(lambda: link_counter(a, 0, "tx_msgs") > tx0 + 100, 300,
             "mirror traffic on link 0 again", interval=1)
    w = wlog_info(a)
    writer.kill()
    expect("pwrite" not in writer.output, "a write failed: %s",
           writer.output[-300:])
    acked, _ = writes(writer.output)
    found = hswriter_blocks(a, "/dev/mapper/tank:v", 4096)
    lost = verify_after_crash(found, acked, {0: acked[0][-1][0]}, {0: 9})
    expect(not lost, "%d lost writes, e.g. %s", len(lost), lost[:3])
    expect(w["sync"] == "in-sync", "not in sync after the cut: %s", w)
    la = links(a)
    h.note("link cut: %d writes, none failed or lost, log in sync on "
           "one link and after; resends %d" % (len(acked[0]), la[0]["resends"] +
                                       la[1]["resends"]))
