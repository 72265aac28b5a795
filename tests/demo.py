# SPDX-License-Identifier: GPL-2.0
"""`make demo`: a local two-node hastor cluster in QEMU.

Boots nodes a and b on the test kernel, both attached to the same four
iSCSI LUNs (real SCSI-3 PR) and joined by two interconnect links; loads
hastor on both, gives them identities, and shows what each node sees.
Then a pool on the shared LUNs, its write log mirrored to the partner,
and a takeover: a writer on a, a killed, b's HA daemon takes the pool
over (timeline printed), every acknowledged write checked on b; a comes
back and the pool is given back.  Last, a planned takeover and giveback
while a writer runs on a: its volume device forwards to b meanwhile,
and it sees no error.
"""

import re
import time

from hvm import wait_for
from failover import node_up, served_here, ha, POOL
from pool import writes, verify_after_crash, hswriter_blocks

MODULE = "/lib/modules/hastor/hastor.ko"


def section(title):
    print("\n== %s ==" % title, flush=True)


def indent(text):
    return "\n".join("    " + line for line in text.rstrip().splitlines())


def run(h):
    t0 = time.monotonic()
    print("Booting a two-node cluster under QEMU/TCG (logs: build/logs/demo)",
          flush=True)
    a, b = h.pair(luns=4, links=2)
    print("both nodes up in %.0fs" % (time.monotonic() - t0))

    section("hastor on each node")
    for vm, nid in ((a, 1), (b, 2)):
        vm.out("hactl -m %s node set --id %d --cluster 7 --name %s"
               % (MODULE, nid, vm.name))
        print("node %s: hactl node show" % vm.name)
        print(indent(vm.out("hactl node show")))

    section("shared disks, as each node sees them")
    script = ("for d in /dev/shared/lun*; do "
              "dev=$(readlink -f $d); "
              "sz=$(( $(cat /sys/class/block/${dev##*/}/size) / 2048 )); "
              "sn=$(sg_inq -p 0x80 $d 2>/dev/null | "
              "sed -n 's/.*Unit serial number: *//p'); "
              "echo \"${d##*/}  $dev  ${sz} MiB  serial $sn\"; done")
    for vm in (a, b):
        print("node %s:" % vm.name)
        print(indent(vm.out(script)))

    section("interconnect links")
    peers = {a: ("192.0.2.2", "192.0.2.18"), b: ("192.0.2.1", "192.0.2.17")}
    for vm in (a, b):
        print("node %s:" % vm.name)
        for link in (0, 1):
            addr = vm.out("ip -4 addr show dev ic%d | "
                          "sed -n 's/.*inet \\([^ ]*\\).*/\\1/p'" % link)
            rtt = vm.out("ping -c 3 -q %s | tail -n 1" % peers[vm][link])
            print("    ic%d %-16s -> %-11s %s"
                  % (link, addr.strip(), peers[vm][link], rtt.strip()))
    section("a pool on shared LUNs (node a), checked from node b")
    for cmd in ("hactl pool create tank /dev/shared/lun1 /dev/shared/lun2",
                "hactl vol create tank/db --size 64M",
                "hswriter write /dev/mapper/tank:db --blocks 16384 "
                "--count 2000 --seed 1 | tail -n 1",
                "hactl snapshot create tank/db@monday",
                "hactl clone create tank/db@monday tank/test",
                "hswriter write /dev/mapper/tank:test --blocks 16384 "
                "--count 500 --seed 2 | tail -n 1",
                "hactl vol list tank --space",
                "dmsetup status",
                "hactl pool export tank"):
        print("node a$ %s" % cmd)
        print(indent(a.out(cmd)))
    print("node b$ hactl pool check /dev/shared/lun1 /dev/shared/lun2")
    print(indent(b.out("hactl pool check /dev/shared/lun1 "
                       "/dev/shared/lun2")))
    takeover(a, b)
    print("\ndemo finished in %.0fs; shutting the cluster down"
          % (time.monotonic() - t0))


def takeover(a, b):
    section("write logs mirrored to the partner, HA daemons")
    daemon = "--giveback-delay 5 --grace 2000"
    for vm in (a, b):
        vm.out("rmmod hastor")
    jobs = {vm.name: node_up(vm, daemon) for vm in (a, b)}
    # a's daemon imports its home pool itself: exported cleanly, its
    # disk heartbeat says stopped.
    wait_for(lambda: served_here(a), 300, "a's daemon imports %s" % POOL,
             interval=1)
    print("a's daemon imported its home pool %s" % POOL)
    wait_for(lambda: ha(b)["takeover_possible"], 240,
             "b ready to take over", interval=1)
    for vm in (a, b):
        print("node %s$ hactl ha status" % vm.name)
        print(indent(vm.out("hactl ha status")))

    section("a writer on a; a is killed (QMP quit)")
    w = a.spawn("exec hswriter write /dev/mapper/%s:db --blocks 16384 "
                "--count 1000000 --seed 9 --tag 3" % POOL)
    w.wait_output(r"^W 3 \d+ 400$", timeout=300)
    t0 = time.monotonic()
    a.kill()
    acked, _ = writes(w.output)
    print("a acknowledged %d writes; killed" % len(acked[3]))
    wait_for(lambda: served_here(b), 300, "b takes over", interval=0.5)
    print("b serves %s %.1fs after the kill" % (POOL, time.monotonic() - t0))
    wait_for(lambda: re.search(r"timeline: .*", jobs["b"].output), 300,
             "the takeover timeline", interval=1)
    print(indent(re.findall(r"timeline: .*", jobs["b"].output)[-1]))
    print("node b$ hactl ha status")
    print(indent(b.out("hactl ha status")))
    found = hswriter_blocks(b, "/dev/mapper/%s:db" % POOL, 16384)
    lost = verify_after_crash(found, acked, {3: acked[3][-1][0]}, {3: 9})
    print("every write a acknowledged checked on b: %d, lost: %d"
          % (len(acked[3]), len(lost)))

    section("a comes back; b gives the pool back after 5 s")
    a.start()
    jobs["a"] = node_up(a, daemon)
    wait_for(lambda: served_here(a), 300, "a serves its pool again",
             interval=1)
    for vm in (a, b):
        print("node %s$ hactl ha status" % vm.name)
        print(indent(vm.out("hactl ha status")))
    planned(a, b)


def planned(a, b):
    section("planned takeover and giveback under load (writer on a)")
    w = a.spawn("exec hswriter write /dev/mapper/%s:db --blocks 16384 "
                "--count 1000000 --seed 11 --tag 4 2>&1" % POOL)
    w.wait_output(r"^W 4 \d+ 200$", timeout=300)
    print("node b$ hactl takeover")
    print(indent(b.out("hactl takeover")))
    t0 = time.monotonic()
    wait_for(lambda: served_here(b), 300, "b takes over", interval=0.5)
    print("b serves %s %.1fs later; a's volume device now forwards:"
          % (POOL, time.monotonic() - t0))
    print("node a$ dmsetup table %s:db" % POOL)
    print(indent(a.out("dmsetup table %s:db" % POOL)))
    n = len(writes(w.output)[0].get(4, []))
    wait_for(lambda: len(writes(w.output)[0].get(4, [])) >= n + 200, 300,
             "a's writer goes on through b", interval=0.5)
    print("a's writer: %d more writes acknowledged through b"
          % (len(writes(w.output)[0][4]) - n))
    print("node b$ hactl giveback")
    print(indent(b.out("hactl giveback")))
    wait_for(lambda: served_here(a), 300, "a serves again", interval=0.5)
    w.kill()
    w.wait()
    acked = writes(w.output)[0]
    errors = [ln for ln in w.output.splitlines() if "error" in ln.lower()]
    found = hswriter_blocks(a, "/dev/mapper/%s:db" % POOL, 16384)
    lost = verify_after_crash(found, acked, {4: acked[4][-1][0]}, {4: 11})
    print("a's writer: %d writes, %d I/O errors, %d lost"
          % (len(acked[4]), len(errors), len(lost)))
