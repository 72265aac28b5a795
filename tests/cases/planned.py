# SPDX-License-Identifier: GPL-2.0
"""Planned takeover and giveback under load: no writer sees an error.

Both nodes live; writers that retry nothing (hswriter stops at its first
failed write) run on the volume devices while the pool moves.  `hactl
takeover` on b asks a's daemon (HA message over the interconnect) to hand
its pools over: a exports with --handover, so its volume devices forward
their I/O to b (hastor-remote) instead of disappearing, and b imports.
`hactl giveback` on b moves the pool back the same way: b's devices
forward to a, and a's import turns its forwarding devices local again,
requeueing whatever waited.  Every acknowledged write of every writer is
then checked on a."""

import re
import time

from hvm import wait_for
from failover import node_up, served_here, make_pool, POOL, PER
from pool import writes, hswriter_blocks, verify_after_crash, expect

DAEMON = "--no-auto-giveback --grace 2000"


def start_writer(vm, vol, tag, seed):
    return vm.spawn("exec hswriter write /dev/mapper/%s:%s --blocks %d "
                    "--count 10000000 --seed %d --tag %d --flush-every 64 "
                    "2>&1" % (POOL, vol, PER, seed, tag))


def acked(job, tag):
    return len(re.findall(r"^W %d " % tag, job.output, re.M))


def more_writes(job, tag, n, what, timeout=300):
    """Waits for n more acknowledged writes of a writer still running."""
    start = acked(job, tag)
    wait_for(lambda: acked(job, tag) >= start + n or job.status is not None,
             timeout, "%d more writes %s" % (n, what), interval=0.5)
    expect(job.status is None, "writer %d stopped %s: %s", tag, what,
           job.output[-600:])


def stop_writer(job, tag):
    expect(job.status is None, "writer %d failed: %s", tag,
           job.output[-600:])
    job.kill()
    job.wait()
    expect(not re.search(r"pwrite|fdatasync|error", job.output),
           "writer %d saw an error: %s", tag, job.output[-600:])
    return writes(job.output)[0]


def check_all(vm, vol, acks, tag, seed, what):
    """The writers stopped cleanly: every acknowledged write is there
    (or a later one of the same writer to that block)."""
    found = hswriter_blocks(vm, "/dev/mapper/%s:%s" % (POOL, vol), PER,
                            what)
    ws = acks.get(tag, [])
    lost = verify_after_crash(found, {tag: ws},
                              {tag: ws[-1][0] if ws else 0}, {tag: seed})
    expect(not lost, "%s: %d acknowledged writes of %s lost, e.g. %s",
           what, len(lost), vol, lost[:3])
    return len(ws)


def test_takeover_giveback(h):
    """Planned takeover then giveback, writers running on both nodes:
    zero I/O errors, every acknowledged write found."""
    a, b = h.pair(luns=2, links=2, local_disk_mb=64)
    da = node_up(a, DAEMON)
    db = node_up(b, DAEMON)
    make_pool(a)
    wait_for(lambda: served_here(a), 120, "a serves its pool", interval=1)

    # Hostile messages to a's daemon: each is refused, none acted on.
    bad = ["HAv1 1 takeover", "HAv1 2 takeover now", "HAv1 2 handed",
           "HAv1 2 handed ../x", "HAv1 2 bogus tank", "HAv2 2 takeover",
           "HAv1  2 takeover", "HAv1 2 refused tank junk", "x" * 512]
    for text in bad:
        b.out("nlbad ha-raw '%s'" % text)
    b.out("nlbad ha-raw \"$(printf 'HAv1 2 handed tank\\001')\"")
    wait_for(lambda: da.output.count("HA message refused") >= len(bad) + 1,
             60, "a's daemon refuses %d bad messages" % (len(bad) + 1),
             interval=0.5)
    expect(served_here(a), "a stopped serving after bad messages")
    acted = [ln for ln in da.output.splitlines()
             if "planned takeover" in ln or "exported" in ln
             or "importing" in ln]
    expect(not acted, "a's daemon acted on a bad message: %s", acted)

    wa = start_writer(a, "v0", 1, 11)
    more_writes(wa, 1, 200, "on a before the takeover")

    t0 = time.time()
    out = b.out("hactl takeover")
    expect(out.startswith("ok: planned takeover"), "takeover: %s", out)
    wait_for(lambda: served_here(b), 120, "b serves a's pool", interval=0.5)
    took = time.time() - t0
    st = served_here(a)
    expect(not st, "a still serves the pool after the takeover: %s", st)
    table = a.out("dmsetup table %s:v0" % POOL)
    expect("hastor-remote" in table, "a's v0 does not forward: %s", table)
    # a's writer goes on through the interconnect, b's is local.
    more_writes(wa, 1, 200, "on a, forwarded to b")
    wb = start_writer(b, "v1", 2, 22)
    more_writes(wb, 2, 200, "on b before the giveback")

    t1 = time.time()
    out = b.out("hactl giveback")
    expect(out.startswith("ok:"), "giveback: %s", out)
    wait_for(lambda: served_here(a), 120, "a serves its pool again",
             interval=0.5)
    back = time.time() - t1
    table = b.out("dmsetup table %s:v1" % POOL)
    expect("hastor-remote" in table, "b's v1 does not forward: %s", table)
    more_writes(wa, 1, 200, "on a after the giveback")
    more_writes(wb, 2, 200, "on b, forwarded to a")

    acks_a = stop_writer(wa, 1)
    acks_b = stop_writer(wb, 2)
    na = check_all(a, "v0", acks_a, 1, 11, "a's writer, on a: ")
    nb = check_all(a, "v1", acks_b, 2, 22, "b's writer, on a: ")
    # And through b's forwarding device: the same data.
    nb2 = check_all(b, "v1", acks_b, 2, 22, "b's writer, through b: ")
    events = [ln for ln in (da.output + db.output).splitlines()
              if "planned takeover" in ln or "giveback" in ln
              or "handed" in ln]
    h.note("planned: takeover %.1f s, giveback %.1f s; zero I/O errors; "
           "%d writes of a's writer and %d of b's checked (%d through "
           "b's forwarding device)" % (took, back, na, nb, nb2))
    for ln in events:
        h.note(ln)
