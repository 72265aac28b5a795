# SPDX-License-Identifier: GPL-2.0
"""`make bench B=takeover`: how long a takeover takes, broken down.

Two guests share two iSCSI LUNs; a pool on them has 1 volume, then 50.
A writer runs on the node serving it (no flushes, so the mirrored log
holds records to replay); that node is killed with QMP quit, the
partner's `hactl daemon` takes the pool over, and its timeline is read
from `hactl -j ha status` (last_takeover): link loss -> detection,
then fencing, import (volumes online), first I/O, replay finished, each
from the detection.  The killed node comes back and serves the next
round's kill as the survivor (roles alternate).  The interconnect uses
its default heartbeat (500 ms) and timeout (5 s).

Targets reported as met or not (nothing is asserted): first I/O within
2 s of detection; the 50-volume first I/O at most 1.5x the 1-volume
one; first I/O before the replay ends.
Writes build/bench/takeover.txt and build/bench/takeover.json.
"""

import json
import os
import statistics

import failover
from ccm import configure
from hvm import TOP, wait_for
from failover import node_up, served_here, ha, POOL
from mirror import wait_sync

KILLS = int(os.environ.get("HASTOR_BENCH_KILLS", "10"))
KEYS = ("detect_ms", "fence_ms", "import_ms", "first_io_ms", "replay_ms")


def setup(h):
    a, b = h.pair(luns=2, links=2, local_disk_mb=64)
    # Default heartbeat interval and timeout: what an operator gets.
    failover.configure = lambda vm: configure(vm, extra="")
    daemons = {vm.name: node_up(vm) for vm in (a, b)}
    a.out("hactl pool create %s /dev/shared/lun1 /dev/shared/lun2" % POOL)
    return {"owner": a, "other": b, "daemons": daemons, "vols": 0}


def add_volumes(st, nvols):
    st["owner"].out("for i in $(seq %d %d); do hactl vol create %s/v$i "
                    "--size 8M >/dev/null || exit 1; done"
                    % (st["vols"], nvols - 1, POOL), timeout=900)
    st["vols"] = nvols


def rounds(st):
    out = []
    for r in range(KILLS):
        owner, other = st["owner"], st["other"]
        wait_sync(owner)
        wait_for(lambda: ha(other)["takeover_possible"], 240,
                 "takeover possible", interval=1)
        w = owner.spawn("exec hswriter write /dev/mapper/%s:v0 --blocks "
                        "2048 --count 100000 --seed %d --tag 0"
                        % (POOL, r))
        w.wait_output(r"^W 0 \d+ 300$", timeout=300)
        before = ha(other).get("last_takeover")
        owner.kill()
        wait_for(lambda: served_here(other), 300, "takeover", interval=0.5)

        def done():
            t = ha(other).get("last_takeover")
            return t and t != before and t["replay_ms"] >= 0 and t
        t = wait_for(done, 600, "replay finished", interval=1)
        t["volumes_online"] = st["vols"]
        out.append(t)
        owner.start()
        st["daemons"][owner.name] = node_up(owner)
        st["owner"], st["other"] = other, owner
    return out


def med(rows, key):
    vals = [r[key] for r in rows if r[key] >= 0]
    return statistics.median(vals) if vals else -1


def run(h):
    results = {}
    st = setup(h)
    for nvols in (1, 50):
        add_volumes(st, nvols)
        results[nvols] = rounds(st)
    lines = ["takeover time, median of %d kills (ms; detection from the "
             "loss of the interconnect, the rest from the detection)" % KILLS,
             "%-8s %9s %9s %9s %9s %9s %9s" % (("volumes",) + KEYS +
                                               ("records",))]
    for nvols, rows in results.items():
        lines.append("%-8d %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f" % (
            (nvols,) + tuple(med(rows, k) for k in KEYS) +
            (med(rows, "records"),)))
    one, fifty = med(results[1], "first_io_ms"), med(results[50],
                                                      "first_io_ms")
    before = all(r["first_io_ms"] <= r["replay_ms"]
                 for rows in results.values() for r in rows)
    lines += [
        "target first I/O <= 2000 ms after detection: %s (%.0f ms, %.0f ms)"
        % ("met" if max(one, fifty) <= 2000 else "NOT met", one, fifty),
        "target 50 volumes <= 1.5x 1 volume: %s (%.2fx)"
        % ("met" if one > 0 and fifty <= 1.5 * one else "NOT met",
           fifty / one if one > 0 else 0),
        "target first I/O before replay ends, every kill: %s"
        % ("met" if before else "NOT met"),
    ]
    os.makedirs(os.path.join(TOP, "build", "bench"), exist_ok=True)
    with open(os.path.join(TOP, "build", "bench", "takeover.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(TOP, "build", "bench", "takeover.json"),
              "w") as f:
        json.dump({str(k): v for k, v in results.items()}, f, indent=1)
    print("\n".join(lines))
