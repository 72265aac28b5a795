# SPDX-License-Identifier: GPL-2.0
"""Disk ownership and SCSI-3 PR fencing (Documentation/fencing.md): two
nodes on shared iSCSI LUNs whose reservations tgtd enforces.  The
importing node holds a Write Exclusive reservation, so the other can
read but not write; a takeover preempts the old holder's key, after
which the old holder cannot write either, and the labels name the new
owner.  Bad requests change nothing."""

import json

from hvm import HarnessError
from harness import write_block, read_block_sum

MODULE = "/lib/modules/hastor/hastor.ko"
L1, L2, L3 = "/dev/shared/lun1", "/dev/shared/lun2", "/dev/shared/lun3"
# A block of the reserved area nothing uses yet: safe to scribble on.
SCRATCH = 200


def expect(cond, msg, *args):
    if not cond:
        raise HarnessError(msg % args if args else msg)


def setup(vm, node_id):
    vm.out("insmod %s && hactl node set --id %d --cluster 7 --name %s"
           % (MODULE, node_id, vm.name))


def key_of(node_id):
    return "0x%016x" % (0x4853 << 48 | 7 << 16 | node_id)


def disk_list(vm, *extra):
    """hactl -j disk list, keyed by the /dev/shared name of each LUN."""
    out = json.loads(vm.out("hactl -j disk list %s" % " ".join(extra)))
    names = {}
    for lun in (L1, L2, L3):
        names[vm.out("readlink -f %s" % lun).strip()] = lun
    return {names.get(d["path"], d["path"]): d for d in out["disks"]}


def expect_conflict(vm, dev):
    """A raw write that the target must refuse with a reservation
    conflict (EBADE, "Invalid exchange"), not fail some other way."""
    st, out = write_block(vm, dev, SCRATCH, "x")
    expect(st != 0, "%s wrote %s through a reservation it lacks", vm, dev)
    expect("Invalid exchange" in out,
           "%s: write to %s failed, not by a reservation conflict: %s",
           vm, dev, out)


def expect_disk(d, what, label=None, owner=None, home=None, keys=(),
                holder=None):
    lab = d["label"]
    expect(lab["type"] == (label or "none"), "%s: label %s", what, lab)
    if owner is not None:
        expect(lab["owner"] == owner and lab["home"] == home,
               "%s: owner/home %s, want %s/%s", what, lab, owner, home)
    pr = d["pr"]
    expect(pr["supported"], "%s: no PR: %s", what, pr)
    got = sorted(k["key"] for k in pr["keys"])
    expect(got == sorted(key_of(n) for n in keys),
           "%s: keys %s, want nodes %s", what, pr["keys"], keys)
    if holder is None:
        expect(pr["holder"] is None, "%s: reserved: %s", what, pr)
    else:
        expect(pr["holder"] and pr["holder"]["node"] == holder and
               pr["holder"]["key"] == key_of(holder) and
               pr["reservation"]["type"] == "write-exclusive",
               "%s: holder %s, want node %d write-exclusive", what, pr,
               holder)


def test_takeover(h):
    a, b = h.pair(luns=3, links=0, local_disk_mb=0)
    setup(a, 1)
    setup(b, 2)
    # Create imports: both members registered and reserved by node 1.
    a.out("hactl pool create tank %s %s" % (L1, L2))
    a.out("hactl vol create tank/v --size 8M")
    a.out("dd if=/dev/urandom of=/dev/mapper/tank:v bs=4096 count=64 "
          "oflag=direct status=none")
    for vm in (a, b):
        disks = disk_list(vm)
        for i, lun in enumerate((L1, L2)):
            expect_disk(disks[lun], "%s %s" % (vm, lun), "pool", 1, 1,
                        keys=[1], holder=1)
            expect(disks[lun]["label"]["pool"] == "tank" and
                   disks[lun]["label"]["member"] == i and
                   disks[lun]["label"]["members"] == 2,
                   "%s %s: label %s", vm, lun, disks[lun]["label"])
        expect_disk(disks[L3], "%s %s" % (vm, L3))

    # B reads the members, but cannot write them.
    for lun in (L1, L2):
        expect(read_block_sum(a, lun, 0) == read_block_sum(b, lun, 0),
               "B reads another label block of %s than A", lun)
        expect_conflict(b, lun)

    # Without --takeover B is refused, and the reservation stays A's.
    st, out = b.run("hactl pool import tank", check=False)
    expect(st == 1 and "pool tank is reserved by node 1" in out,
           "import on B without --takeover: %d: %s", st, out)
    expect(not b.run("test -e /dev/mapper/hastor-pool-tank",
                     check=False)[0] == 0, "B made the pool device")
    disks = disk_list(b)
    for lun in (L1, L2):
        # B registered (it must, to preempt later), nothing else moved.
        expect_disk(disks[lun], "after refusal: %s" % lun, "pool", 1, 1,
                    keys=[1, 2], holder=1)

    # Takeover while A is alive: B preempts A's key.
    out = b.out("hactl pool import tank --takeover")
    expect("imported pool tank" in out, "takeover import: %s", out)
    for vm in (a, b):
        disks = disk_list(vm)
        for lun in (L1, L2):
            expect_disk(disks[lun], "%s after takeover: %s" % (vm, lun),
                        "pool", 2, 1, keys=[2], holder=2)
    show = json.loads(b.out("hactl -j pool show tank"))["pool"]
    expect(show["owner"] == 2 and show["home"] == 1,
           "B's pool: owner %s home %s", show["owner"], show["home"])
    b.out("dd if=/dev/urandom of=/dev/mapper/tank:v bs=4096 count=16 "
          "oflag=direct status=none")

    # A is fenced: raw writes and its pool's writes fail; it still reads.
    for lun in (L1, L2):
        expect_conflict(a, lun)
        expect(read_block_sum(a, lun, 0) == read_block_sum(b, lun, 0),
               "A reads another label of %s than B", lun)
    st, out = a.run("dd if=/dev/zero of=/dev/mapper/tank:v bs=4096 "
                    "count=4 oflag=direct status=none", check=False)
    expect(st != 0, "A's fenced pool took a write")
    # A's export lets go of the devices; it holds no reservation.
    a.run("hactl pool export tank", check=False)
    disks = disk_list(a)
    for lun in (L1, L2):
        expect_disk(disks[lun], "after A's export: %s" % lun, "pool", 2, 1,
                    keys=[2], holder=2)

    # B's export releases the reservation; the registration stays.
    b.out("hactl pool export tank")
    disks = disk_list(b)
    for lun in (L1, L2):
        expect_disk(disks[lun], "after B's export: %s" % lun, "pool", 2, 1,
                    keys=[2])
    # Now A imports as usual (reserve a free disk) and owns it again.
    a.out("hactl pool import tank")
    disks = disk_list(b)
    for lun in (L1, L2):
        expect_disk(disks[lun], "A again: %s" % lun, "pool", 1, 1,
                    keys=[1, 2], holder=1)
    a.out("hactl pool export tank")


def test_pr_commands(h):
    """hactl disk pr, one command at a time, seen from the other node."""
    a, b = h.pair(luns=1, links=0, local_disk_mb=0)
    setup(a, 1)
    setup(b, 2)
    for vm in (a, b):
        vm.out("hactl disk pr %s register" % L1)
        vm.out("hactl disk pr %s register" % L1)   # idempotent
    a.out("hactl disk pr %s reserve" % L1)
    expect_disk(disk_list(b)[L1], "reserved", keys=[1, 2], holder=1)
    st, out = b.run("hactl disk pr %s reserve" % L1, check=False)
    expect(st == 1 and "reservation conflict" in out,
           "second reserve: %d: %s", st, out)
    write_block(a, L1, SCRATCH, "a")
    expect_conflict(b, L1)
    # Release by a node that does not hold it changes nothing.
    b.out("hactl disk pr %s release" % L1)
    expect_disk(disk_list(b)[L1], "foreign release", keys=[1, 2], holder=1)
    # The holder preempting its own key keeps the reservation.
    a.out("hactl disk pr %s preempt %s" % (L1, key_of(1)))
    expect_disk(disk_list(b)[L1], "self-preempt", keys=[1, 2], holder=1)
    write_block(a, L1, SCRATCH, "a")
    b.out("hactl disk pr %s preempt %s" % (L1, key_of(1)))
    expect_disk(disk_list(a)[L1], "preempted", keys=[2], holder=2)
    expect_conflict(a, L1)
    # A's key is gone: its commands but register are conflicts now.
    st, out = a.run("hactl disk pr %s reserve" % L1, check=False)
    expect(st == 1 and "reservation conflict" in out,
           "preempted node reserves: %d: %s", st, out)
    b.out("hactl disk pr %s release" % L1)
    expect_disk(disk_list(a)[L1], "released", keys=[2])
    a.out("hactl disk pr %s register" % L1)
    b.out("hactl disk pr %s unregister" % L1)
    expect_disk(disk_list(a)[L1], "unregistered", keys=[1])
    b.out("hactl disk pr %s unregister" % L1)      # idempotent
    a.out("hactl disk pr %s reserve" % L1)
    a.out("hactl disk pr %s clear" % L1)
    expect_disk(disk_list(b)[L1], "cleared", keys=[])
    st, out = write_block(b, L1, SCRATCH, "b")
    expect(st == 0, "B cannot write a cleared disk: %s", out)


NLBAD = ["disk-pr-bad-action", "disk-pr-key-zero", "disk-pr-no-action",
         "disk-pr-no-path", "disk-pr-owner-attr", "disk-pr-relative",
         "disk-pr-path-long", "disk-pr-key-not-preempt",
         "disk-pr-missing-nest", "disk-label-owner-zero",
         "disk-label-home-big", "disk-label-no-owner",
         "disk-label-key-attr"]


def test_bad_input(h):
    vm = h.vm("a", 1, fabric=h.fabric(3), links=0, local_disk_mb=16)
    vm.out("insmod %s" % MODULE)
    # No identity, no key: refused before the disk is touched.
    st, out = vm.run("hactl disk pr %s register" % L1, check=False)
    expect(st == 1 and "configure the node" in out, "unconfigured: %s", out)
    st, out = vm.run("hactl disk assign %s --owner 1" % L3, check=False)
    expect(st == 1 and "configure the node" in out, "unconfigured: %s", out)
    vm.out("hactl node set --id 1 --cluster 7 --name a")
    vm.out("hactl disk pr %s register && hactl disk pr %s reserve"
           % (L1, L1))
    vm.out("hactl pool create tank %s --no-import" % L2)
    before = disk_list(vm)
    expect_disk(before[L1], "L1", keys=[1], holder=1)
    expect(before[L2]["label"]["type"] == "pool", "L2: %s", before[L2])

    def refused(cmd, why, status=1):
        st, out = vm.run(cmd, check=False)
        expect(st == status and why in out,
               "%s: status %d, want %d and '%s': %s", cmd, st, status,
               why, out)
        expect(disk_list(vm) == before, "%s changed a disk", cmd)

    refused("hactl disk pr /dev/nonexistent register", "cannot open")
    refused("hactl disk pr /dev/vda register",
            "does not support persistent reservations")
    refused("HACTL_NO_CLIENT_CHECKS=1 hactl disk pr %s preempt" % L1,
            "preempt needs the key")
    refused("hactl disk pr %s bogus" % L1, "unknown action", 2)
    refused("hactl disk pr %s preempt" % L1, "needs the KEY", 2)
    refused("hactl disk pr %s preempt 12zz" % L1, "invalid key", 2)
    refused("hactl disk pr relative register", "absolute path", 2)
    refused("HACTL_NO_CLIENT_CHECKS=1 hactl disk pr relative register",
            "absolute path")
    for case in NLBAD:
        st, out = vm.run("nlbad %s" % case, check=False)
        expect(st == 0 and "errno=0 " not in out and "msg=-" not in out,
               "nlbad %s: %d: %s", case, st, out)
        expect(disk_list(vm) == before, "nlbad %s changed a disk", case)

    # Labels: a pool member is no spare; one in use cannot be labelled.
    refused("hactl disk assign %s --owner 2" % L2, "holds a pool label")
    refused("hactl disk assign %s --owner 0" % L3, "invalid node id", 2)
    refused("HACTL_NO_CLIENT_CHECKS=1 hactl disk assign %s --owner 0" % L3,
            "Numerical result out of range")
    refused("hactl disk assign /dev/nonexistent --owner 1", "cannot open")
    vm.out("hactl pool import tank")
    before = disk_list(vm)
    refused("hactl disk assign %s --owner 2" % L2, "in use")
    vm.out("hactl pool export tank")

    # A spare: owner and home as asked; a new owner keeps the disk uuid.
    vm.out("hactl disk assign %s --owner 1 --home 2" % L3)
    d = disk_list(vm)[L3]["label"]
    expect(d["type"] == "spare" and d["owner"] == 1 and d["home"] == 2 and
           d["cluster"] == 7, "spare: %s", d)
    vm.out("hactl disk assign %s --owner 2" % L3)
    d2 = disk_list(vm)[L3]["label"]
    expect(d2["owner"] == 2 and d2["home"] == 2 and
           d2["generation"] == d["generation"] + 1 and
           d2["disk_uuid"] == d["disk_uuid"], "reassigned: %s / %s", d, d2)
    # A spare is in no pool: import and create refuse it, with a reason.
    st, out = vm.run("hactl pool import tank --disks %s" % L3, check=False)
    expect(st == 1 and "is a spare disk" in out, "import spare: %s", out)
    st, out = vm.run("dmsetup create sparetest --table '0 8 hastor-pool 1 "
                     "%s'" % L3, check=False)
    expect(st != 0, "the kernel imported a spare: %s", out)
    expect("a spare disk" in vm.out("dmesg | tail -5"),
           "the kernel's refusal does not name the spare")
    st, out = vm.run("hactl pool create t2 %s" % L3, check=False)
    expect(st == 1 and "hastor label" in out, "create on spare: %s", out)
