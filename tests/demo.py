# SPDX-License-Identifier: GPL-2.0
"""`make demo`: a local two-node hastor cluster in QEMU.

Boots nodes a and b on the test kernel, both attached to the same four
iSCSI LUNs (real SCSI-3 PR) and joined by two interconnect links; loads
hastor on both, gives them identities, and shows what each node sees.
"""

import time

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
        vm.out("hactl -m %s node set --id %d --cluster 1 --name node-%s"
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
    print("\ndemo finished in %.0fs; shutting the cluster down"
          % (time.monotonic() - t0))
