# SPDX-License-Identifier: GPL-2.0
"""Failover driven by `hactl daemon`, two guests sharing iSCSI LUNs.

A pool lives on shared LUNs; the node serving it logs every write and
mirrors the log to its partner.  Killing that node (QMP quit) must make
the partner's daemon take the pool over by itself: detect the death
(interconnect silent *and* disk heartbeat stopped), freeze its mirror,
fence the disks with PR, import the pool (replaying the mirror while
the volumes serve), and every write the dead node acknowledged must be
on the survivor's volumes, content included."""

import json
import os
import random
import re
import time

from hvm import wait_for
from ccm import configure
from mirror import wait_sync
from pool import writes, verify_after_crash, hswriter_blocks, expect
from wlog import LOG_SECTORS
from ccm import MODULE

POOL = "tank"
VOLS = 2
PER = 1024          # hswriter blocks per volume


def node_up(vm, daemon="--no-auto-giveback --grace 2000"):
    """Module, identity, write log on the local disk, partner, daemon."""
    vm.out("insmod %s && hactl node set --id %d --cluster 7 --name %s"
           % (MODULE, vm.index, vm.name))
    vm.out("dmsetup create nv --table '0 %d linear /dev/vda 0' && "
           "dmsetup mknodes" % LOG_SECTORS)
    vm.out("hactl node set --nvram /dev/mapper/nv")
    configure(vm)
    job = vm.spawn("exec hactl daemon %s 2>&1" % daemon)
    vm.out("for i in $(seq 300); do [ -S /run/hastor/ha.sock ] && exit 0; "
           "sleep 0.1; done; echo no daemon socket; exit 1")
    return job


def ha(vm):
    return json.loads(vm.out("hactl -j ha status"))


def pool_of(st, name=POOL):
    for p in st["pools"]:
        if p["name"] == name:
            return p
    return None


def served_here(vm, name=POOL):
    p = pool_of(ha(vm), name)
    return p and p["here"] and p["state"] in ("active", "replaying") and p


def wait_possible(vm, timeout=240):
    """Until vm's daemon says it could take its partner's pools over."""
    def ok():
        st = ha(vm)
        return st["takeover_possible"] and st
    return wait_for(ok, timeout, "%s: takeover possible" % vm, interval=1)


def make_pool(vm, luns=(1, 2)):
    vm.out("hactl pool create %s %s" % (
        POOL, " ".join("/dev/shared/lun%d" % i for i in luns)))
    for v in range(VOLS):
        vm.out("hactl vol create %s/v%d --size 16M" % (POOL, v))


def timeline(daemon_job):
    m = re.findall(r"timeline: .*", daemon_job.output)
    return m[-1] if m else "(no timeline)"


def kill_and_check(h, owner, other, daemon_other, r, rng):
    """Writers on owner, owner killed, other takes over; returns the
    acknowledged writes checked."""
    wait_sync(owner)
    wait_possible(other)
    jobs = [owner.spawn("exec hswriter write /dev/mapper/%s:v%d "
                        "--blocks %d --count 100000 --seed %d --tag %d"
                        % (POOL, t, PER, r * 10 + t, t))
            for t in range(VOLS)]
    target = rng.randint(5, 120)
    jobs[0].wait_output(r"^W 0 \d+ %d$" % target, timeout=300)
    owner.kill()
    t0 = time.time()
    outputs = [j.output for j in jobs]
    wait_for(lambda: served_here(other), 300,
             "%s takes %s over" % (other, POOL), interval=0.5)
    took = time.time() - t0
    checked = 0
    for t, text in enumerate(outputs):
        acked, _ = writes(text)
        found = hswriter_blocks(other, "/dev/mapper/%s:v%d" % (POOL, t),
                                PER, "on the survivor: ")
        mine = {t: acked.get(t, [])}
        last = {t: mine[t][-1][0]} if mine[t] else {}
        lost = verify_after_crash(found, mine, last, {t: r * 10 + t})
        expect(not lost, "round %d: %d acknowledged writes of v%d lost "
               "in the takeover, e.g. %s", r, len(lost), t, lost[:3])
        checked += len(mine[t])
    return checked, took


def test_kills(h):
    """Kill the node serving the pool at random moments, HASTOR_KILLS
    times (default 20); the partner's daemon takes over each time and
    every acknowledged write is on its volumes.  The roles alternate: the
    killed node comes back and is the survivor of the next round."""
    rounds = int(os.environ.get("HASTOR_KILLS", "20"))
    rng = random.Random(int(os.environ.get("HASTOR_SEED", "1")))
    a, b = h.pair(luns=2, links=2, local_disk_mb=64)
    daemons = {}
    for vm in (a, b):
        daemons[vm.name] = node_up(vm)
    make_pool(a)
    owner, other = a, b
    total, times = 0, []
    for r in range(rounds):
        n, took = kill_and_check(h, owner, other, daemons[other.name],
                                 r, rng)
        total += n
        times.append(took)
        h.note("round %d: %s killed after %d writes checked; %s" % (
            r, owner.name, n, timeline(daemons[other.name])))
        owner.start()
        daemons[owner.name] = node_up(owner)
        owner, other = other, owner
    h.note("failover: %d kills, %d acknowledged writes checked on the "
           "survivor, none lost; kill -> served %.1f-%.1f s (median %.1f)"
           % (rounds, total, min(times), max(times),
              sorted(times)[len(times) // 2]))


def test_giveback(h):
    """A killed, B takes over; A comes back: automatic giveback after
    the delay, A serves its pool again with every write of both
    periods."""
    a, b = h.pair(luns=2, links=2, local_disk_mb=64)
    da = node_up(a, "--giveback-delay 3 --grace 2000")
    db = node_up(b, "--giveback-delay 3 --grace 2000")
    make_pool(a)
    rng = random.Random(3)
    n, _ = kill_and_check(h, a, b, db, 0, rng)
    # B serves; a writer on B adds a second generation of writes.
    w = b.spawn("exec hswriter write /dev/mapper/%s:v0 --blocks %d "
                "--count 300 --seed 77 --tag 5" % (POOL, PER))
    w.wait_output(r"^W 5 \d+ 299$", timeout=300)
    acked_b, _ = writes(w.output)
    a.start()
    da = node_up(a, "--giveback-delay 3 --grace 2000")
    wait_for(lambda: served_here(a), 300, "a serves its pool again",
             interval=1)
    st = ha(b)
    expect(not pool_of(st)["here"], "b still serves the pool: %s", st)
    found = hswriter_blocks(a, "/dev/mapper/%s:v0" % POOL, PER,
                            "after giveback: ")
    lost = verify_after_crash(found, acked_b,
                              {5: acked_b[5][-1][0]}, {5: 77})
    expect(not lost, "%d writes made on b lost in the giveback, e.g. %s",
           len(lost), lost[:3])
    h.note("giveback: %d writes of a checked on b after the takeover, %d "
           "writes made on b found on a after the giveback" % (
               n, len(acked_b[5])))
