# SPDX-License-Identifier: GPL-2.0
"""A partition: both interconnect links cut while both nodes live.

Node a serves pool tank on two shared LUNs under writers, both HA
daemons run, a's log is mirrored to b.  With every link cut, b cannot
tell a dead a from a cut interconnect but by the disk heartbeat, and a
goes on acknowledging writes from its own log only (after a heartbeat
round says so on disk).  b must not take over: a's local-only writes
are nowhere but in a's log.  What still decides, should an operator
force a takeover, is SCSI-3 PR: from b's preemption on, a's disks
refuse its writes, its pool goes fenced and exactly one node serves the
pool.  And if a dies behind the cut, b's daemon must still not take
over (a's last heartbeat says its log was not in sync): a, back, finds
every write it acknowledged in its own log."""

import re
import time

from hvm import wait_for
from failover import node_up, ha, pool_of, served_here, wait_possible, POOL
from mirror import wait_sync
from pool import writes, verify_after_crash, hswriter_blocks, expect
from fence import expect_conflict
from diskhb import writer as kmsg_writer, dmesg_lines, stamp

LUNS = ("/dev/shared/lun1", "/dev/shared/lun2")
PER = 1024              # hswriter blocks per volume
# How long b is watched not taking over: several times the detection
# (interconnect timeout 4 s, heartbeat dead after 3 s) plus a takeover.
OBSERVE_S = 20
NOT_IN_SYNC = 2         # enum hastor_wlog_sync


def start(h, vols):
    """Two nodes with daemons, tank on both LUNs, a's log in sync with
    b's mirror and b able to take over."""
    a, b = h.pair(luns=2, links=2, local_disk_mb=64)
    da, db = node_up(a), node_up(b)
    a.out("hactl pool create %s %s" % (POOL, " ".join(LUNS)))
    for v in range(vols):
        a.out("hactl vol create %s/v%d --size 16M" % (POOL, v))
    wait_sync(a)
    wait_possible(b)
    return a, b, da, db


def hswriters(a, seed):
    """One endless hswriter per volume v0, v1 (tag = volume)."""
    return [a.spawn("exec hswriter write /dev/mapper/%s:v%d --blocks %d "
                    "--count 10000000 --seed %d --tag %d"
                    % (POOL, t, PER, seed + t, t)) for t in range(2)]


def nacked(jobs):
    return sum(len(re.findall(r"^W ", j.output, re.M)) for j in jobs)


def last_seq(jobs):
    """{tag: last acknowledged sequence number} the host has seen."""
    last = {}
    for j in jobs:
        acked, _ = writes(j.output)
        for tag, ws in acked.items():
            last[tag] = ws[-1][0]
    return last


def cut(a, b, up=False):
    for vm in (a, b):
        for link in (0, 1):
            vm.set_link(link, up)


def wait_cut_seen(b):
    """b sees a alive behind a cut interconnect, its log not in sync."""
    def ok():
        st = ha(b)
        p = pool_of(st)
        expect(st["partner_state"] != "dead" and not (p and p["here"]),
               "b takes a live partner for dead: %s", st)
        return (st["partner_state"] == "interconnect down" and p and
                p["heartbeat"]["alive"] and
                p["heartbeat"]["sync"] == NOT_IN_SYNC and st)
    return wait_for(ok, 120, "b: a alive, interconnect down, not in sync",
                    interval=0.5)


def no_takeover(b, daemon, seconds, want_state):
    """For `seconds`, b's daemon keeps its hands off tank; the reason it
    gives, checked every poll, says why."""
    end = time.time() + seconds
    polls = 0
    while time.time() < end:
        st = ha(b)
        p = pool_of(st)
        expect(p and not p["here"], "b serves %s: %s", POOL, st)
        expect(st["partner_state"] == want_state,
               "b sees the partner %s, not %s: %s", st["partner_state"],
               want_state, st)
        expect(not st["takeover_possible"] and
               "log is not in sync" in st["takeover_reason"],
               "b would take over: %s", st)
        expect("last_takeover" not in st, "b took over: %s", st)
        polls += 1
        time.sleep(1)
    expect(not re.search(r"takeover: partner node", daemon.output),
           "b's daemon started a takeover:\n%s", daemon.output[-2000:])
    return polls


def test_both_links_cut(h):
    """Both links cut under writers: b reports a alive and does not take
    over, its raw writes and `hactl takeover` are refused, a goes on
    acknowledging.  Then b forces a takeover (freeze, import
    --takeover): a is fenced, acknowledges nothing more, its daemon
    takes its pool offline; every block is a's from before the
    preemption or b's from after it."""
    a, b, da, db = start(h, 3)
    mon = a.spawn("exec hactl -j monitor")
    jobs = hswriters(a, 10)
    # Each of its acknowledgements is in a's kernel log ("hbw N"), to be
    # ordered against the fencing and against b's import.
    probe = kmsg_writer(a, "/dev/mapper/%s:v2" % POOL)
    jobs[0].wait_output(r"^W 0 \d+ 50$", timeout=300)
    before_cut = last_seq(jobs)
    cut(a, b)
    t_cut = time.time()
    wait_cut_seen(b)
    seen_s = time.time() - t_cut
    n_cut = n0 = nacked(jobs)
    polls = no_takeover(b, db, OBSERVE_S, "interconnect down")
    n1 = nacked(jobs)
    expect(n1 > n0 + 20, "a acknowledged %d writes in %d s of partition",
           n1 - n0, OBSERVE_S)
    expect(served_here(a), "a stopped serving: %s", ha(a))
    text = b.out("hactl ha status")
    expect(re.search(r"^1\s+2\s+interconnect down\s", text, re.M) and
           "log is not in sync" in text, "b's ha status:\n%s", text)
    expect(re.search(r"interconnect down: partner node 1 alive on disk",
                     db.output), "b's daemon said nothing of the "
           "partition:\n%s", db.output[-2000:])

    for lun in LUNS:
        expect_conflict(b, lun)
    rc, out = b.run("hactl takeover", check=False)
    expect(rc == 1 and "partner node 1 is interconnect down" in out,
           "hactl takeover on b: %d: %s", rc, out)
    expect(not pool_of(ha(b))["here"], "b serves after hactl takeover")

    # The backstop: an operator forces the takeover on b.
    a.out("echo 'hsprobe: forced import starts' > /dev/kmsg")
    t0 = time.time()
    b.out("hactl wlog freeze && hactl pool import %s --takeover --disks %s"
          % (POOL, " ".join(LUNS)), timeout=300)
    at_import = last_seq(jobs)
    n_import = nacked(jobs)
    a.out("echo 'hsprobe: forced import returned' > /dev/kmsg")
    import_s = time.time() - t0
    mon.wait_output(r'"state":\s*"fenced"', timeout=60)
    fenced_host_s = time.time() - t0
    for j in jobs:
        j.wait(timeout=120)
        expect("pwrite" in j.output, "a's writer did not fail: %s",
               j.output[-300:])
    probe.wait(timeout=120)
    expect("FAIL" in probe.output, "a's probe writer did not fail: %s",
           probe.output[-300:])
    lines = dmesg_lines(a)
    starts = next(i for i, l in enumerate(lines)
                  if "hsprobe: forced import starts" in l)
    returned = next(i for i, l in enumerate(lines)
                    if "hsprobe: forced import returned" in l)
    fenced = next((i for i, l in enumerate(lines)
                   if "%s: reservation conflict: this node is fenced"
                   % POOL in l), None)
    expect(fenced is not None and fenced > starts,
           "no fencing in a's kernel log after the preemption:\n%s",
           "\n".join(lines[starts:][-40:]))
    late = [l for l in lines[returned:] if re.search(r"hbw \d+", l)]
    expect(not late, "a acknowledged writes after b's import returned: %s",
           late[:5])
    fenced_s = stamp(lines[fenced]) - stamp(lines[starts])

    # a's daemon takes the fenced pool offline: one node serves tank.
    wait_for(lambda: not pool_of(ha(a))["here"], 120,
             "a's daemon drops the fenced pool", interval=1)
    expect(re.search(r"pool %s is fenced" % POOL, da.output),
           "a's daemon: %s", da.output[-2000:])
    p = served_here(b)
    expect(p and p["owner"] == 2, "b does not serve %s: %s", POOL, ha(b))
    for lun in LUNS:
        expect_conflict(a, lun)

    # On b's volumes: a's blocks, none acknowledged after the import
    # returned; every write a acknowledged before the cut (the mirror
    # had it) is there.
    found = {}
    lost_partition = 0
    for t in range(2):
        found[t] = hswriter_blocks(b, "/dev/mapper/%s:v%d" % (POOL, t), PER,
                                   "b after the forced import: ")
        acked, _ = writes(jobs[t].output)
        for blk, (tag, seq, seed) in found[t].items():
            expect(tag == t and seed == 10 + t and seq <= at_import[t],
                   "v%d block %d: tag %d seq %d seed %d, a's last write "
                   "before b's import returned was seq %d", t, blk, tag,
                   seq, seed, at_import[t])
        lost = verify_after_crash(found[t], {t: acked[t]},
                                  {t: before_cut.get(t, 0)}, {t: 10 + t})
        expect(not lost, "v%d: %d writes a acknowledged before the cut "
               "lost, e.g. %s", t, len(lost), lost[:3])
        latest = {}
        for seq, blk in acked[t]:
            latest[blk] = seq
        lost_partition += sum(1 for blk, seq in latest.items()
                              if found[t].get(blk, (0, 0))[1] < seq)

    # b writes over a's blocks; each block ends up a's or b's, whole.
    w = b.spawn("exec hswriter write /dev/mapper/%s:v0 --blocks %d "
                "--count 400 --seed 77 --tag 5" % (POOL, PER))
    w.wait(timeout=300)
    expect(w.status == 0, "b's writer failed: %s", w.output[-300:])
    acked_b, _ = writes(w.output)
    b.out("sync")
    final = hswriter_blocks(b, "/dev/mapper/%s:v0" % POOL, PER,
                            "b after its own writes: ")
    lost = verify_after_crash(final, acked_b, {5: 400}, {5: 77})
    expect(not lost, "%d writes of b lost, e.g. %s", len(lost), lost[:3])
    mine = {blk for _, blk in acked_b[5]}
    for blk, (tag, seq, seed) in final.items():
        if blk in mine:
            continue
        expect((tag, seq, seed) == found[0].get(blk),
               "v0 block %d: %s, was %s before b wrote", blk,
               (tag, seq, seed), found[0].get(blk))
    for vm in (a, b):
        vm.allow(r"reservation conflict")
        vm.allow(r"persistent reservation")
    h.note("partition: b saw a alive behind the cut after %.1f s; %d s "
           "watched (%d polls), no takeover; a acknowledged %d writes "
           "meanwhile, %d from b seeing the cut to b's import"
           % (seen_s, OBSERVE_S, polls, n1 - n0, n_import - n_cut))
    h.note("partition: forced import on b took %.1f s; a fenced %.2f s "
           "after it started (kernel log), seen on the host after %.1f s; "
           "no write of a acknowledged after it returned; %d of a's "
           "local-only writes not in b's pool (the price of forcing)"
           % (import_s, fenced_s, fenced_host_s, lost_partition))
    h.note("partition: %d blocks of a, %d of b on v0; none written by "
           "both" % (sum(1 for v in final.values() if v[0] == 0),
                     sum(1 for v in final.values() if v[0] == 5)))


def test_kill_while_cut(h):
    """a dies behind a cut interconnect after acknowledging writes from
    its own log only: b sees it dead but does not take over (a's last
    heartbeat says its log was not in sync), and says why; a, back,
    imports its pool with every write it acknowledged."""
    a, b, _, db = start(h, 2)
    jobs = hswriters(a, 20)
    jobs[0].wait_output(r"^W 0 \d+ 50$", timeout=300)
    cut(a, b)
    wait_cut_seen(b)
    n0 = nacked(jobs)
    wait_for(lambda: nacked(jobs) > n0 + 100, 300,
             "a acknowledges writes behind the cut", interval=0.5)
    a.kill()
    t_kill = time.time()
    outputs = [j.output for j in jobs]
    local_only = nacked(jobs) - n0
    wait_for(lambda: ha(b)["partner_state"] == "dead", 120,
             "b sees a dead", interval=0.5)
    dead_s = time.time() - t_kill
    polls = no_takeover(b, db, OBSERVE_S, "dead")
    expect(re.search(r"partner node 1 is dead; takeover disabled: pool %s: "
                     r"the partner's log is not in sync" % POOL,
                     db.output), "b's daemon gave no reason:\n%s",
           db.output[-2000:])
    text = b.out("hactl ha status")
    expect(re.search(r"^1\s+2\s+dead\s", text, re.M) and
           "log is not in sync" in text, "b's ha status:\n%s", text)
    rc, out = b.run("hactl takeover", check=False)
    expect(rc == 1 and "takeover disabled" in out and
           "not in sync" in out, "hactl takeover on b: %d: %s", rc, out)

    # a comes back on mended links and imports its pool from its log.
    for link in (0, 1):
        b.set_link(link, True)
    a.start()
    node_up(a)
    t0 = time.time()
    wait_for(lambda: served_here(a), 300, "a serves its pool again",
             interval=1)
    back_s = time.time() - t0
    expect(not pool_of(ha(b))["here"], "b serves %s", POOL)
    checked = 0
    for t, text in enumerate(outputs):
        acked, _ = writes(text)
        found = hswriter_blocks(a, "/dev/mapper/%s:v%d" % (POOL, t), PER,
                                "a after its return: ")
        lost = verify_after_crash(found, {t: acked[t]},
                                  {t: acked[t][-1][0]}, {t: 20 + t})
        expect(not lost, "v%d: %d acknowledged writes lost, e.g. %s", t,
               len(lost), lost[:3])
        checked += len(acked[t])
    h.note("kill while cut: a acknowledged %d writes from its own log, "
           "killed; b saw it dead after %.1f s, %d s watched (%d polls), "
           "no takeover (log not in sync)" % (local_only, dead_s,
                                              OBSERVE_S, polls))
    h.note("kill while cut: a back, pool served %.1f s after its daemon "
           "started; all %d acknowledged writes found" % (back_s, checked))
