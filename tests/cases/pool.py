# SPDX-License-Identifier: GPL-2.0
"""Pools, thin volumes, snapshots and clones, in one guest.

Data is checked with tests/tools/hswriter, whose blocks say what they
are; crash tests kill the guest with QMP quit while writers run and check,
after re-import, every write acknowledged before the last completed
flush."""

import json
import os
import random

from hvm import HarnessError

MODULE = "/lib/modules/hastor/hastor.ko"
MKFS = "/usr/sbin/mke2fs -q -t ext4"
FSCK = "/usr/sbin/e2fsck -fn"
DD = "/usr/bin/dd"


def digest(vm, dev):
    return vm.out("%s if=%s bs=1M iflag=direct status=none | sha256sum"
                  % (DD, dev)).split()[0]


def expect(cond, msg, *args):
    if not cond:
        raise HarnessError(msg % args if args else msg)


def setup(vm, node_id=1):
    vm.out("insmod %s && hactl node set --id %d --cluster 1 --name %s"
           % (MODULE, node_id, vm.name))


def vol_info(vm, spec, space=False):
    return json.loads(vm.out("hactl -j vol show %s%s"
                             % (spec, " --space" if space else "")))["vol"]


def pool_info(vm, name):
    return json.loads(vm.out("hactl -j pool show %s" % name))["pool"]


def check_offline(vm, pool, disks):
    """Export, run the offline checker, import again."""
    vm.out("hactl pool export %s" % pool)
    out = vm.out("hactl pool check %s" % disks)
    expect("clean" in out, "checker: %s", out)
    vm.out("hactl pool import %s --disks %s" % (pool, disks))


def writes(job_output):
    """Parse hswriter write output: per tag, the writes in order and the
    last flushed sequence number."""
    acked, flushed = {}, {}
    for line in job_output.splitlines():
        f = line.split()
        if len(f) == 4 and f[0] == "W":
            acked.setdefault(int(f[1]), []).append((int(f[3]), int(f[2])))
        elif len(f) == 3 and f[0] == "F":
            flushed[int(f[1])] = int(f[2])
    return acked, flushed


def verify_after_crash(found, acked, flushed, seeds):
    """found: {block: (tag, seq, seed)}; seeds: {tag: this writer's seed}.
    Every write acknowledged before its writer's last flush must be
    there, or a later write of the same writer to the same block.  The
    seed tells this writer's blocks from an earlier round's with the same
    tag: the host may not have heard of the writer's last few writes
    when the guest died, so their sequence numbers cannot tell."""
    lost = []
    for tag, ws in acked.items():
        f = flushed.get(tag, 0)
        must = {}
        for seq, block in ws:
            if seq <= f:
                must[block] = seq
        for block, seq in must.items():
            got = found.get(block)
            if not got or got[0] != tag or got[1] < seq or \
                    got[2] != seeds[tag]:
                lost.append("tag %d block %d: wrote seq %d before flush "
                            "%d, found %s" % (tag, block, seq, f, got))
    return lost


def test_volume_data(h):
    vm = h.vm()
    setup(vm)
    vm.out("hactl pool create tank /dev/ram0 /dev/ram1")
    vm.out("hactl vol create tank/v1 --size 96M")
    # Blocks on both members (the pool spans them).
    out = vm.out("hswriter write /dev/mapper/tank:v1 --blocks 24576 "
                 "--count 3000 --flush-every 100 --seed 7")
    acked, _ = writes(out)
    last = {}
    for seq, block in acked[0]:
        last[block] = seq
    found = {}
    for line in vm.out("hswriter verify /dev/mapper/tank:v1 "
                       "--blocks 24576").splitlines():
        f = line.split()
        expect(f[0] == "B", "damaged block: %s", line)
        found[int(f[2])] = int(f[3])
    expect(found == last, "read back differs from what was written")
    info = vol_info(vm, "tank/v1")
    expect(info["mapped"] == len(last) * 4096, "mapped %s for %d blocks",
           info["mapped"], len(last))
    # Discard frees exactly what it unmaps.
    used = pool_info(vm, "tank")["used"]
    vm.out("blkdiscard -o 0 -l 16777216 /dev/mapper/tank:v1")
    gone = sum(1 for b in last if b < 4096)
    info = vol_info(vm, "tank/v1")
    expect(info["mapped"] == (len(last) - gone) * 4096,
           "after discard mapped %s", info["mapped"])
    vm.out("sync")
    check_offline(vm, "tank", "/dev/ram0 /dev/ram1")
    used2 = pool_info(vm, "tank")["used"]
    expect(used - used2 >= gone * 4096, "discard freed %d of %d blocks",
           (used - used2) // 4096, gone)
    h.note("volume: %d blocks written and verified; discard freed %d"
           % (len(last), (used - used2) // 4096))


def test_snapshots_and_clones(h):
    vm = h.vm()
    setup(vm)
    vm.out("hactl pool create tank /dev/ram0")
    vm.out("hactl vol create tank/v --size 16M")
    vm.out("hswriter write /dev/mapper/tank:v --blocks 4096 --count 800 "
           "--seed 1 --tag 1")
    base = digest(vm, "/dev/mapper/tank:v")
    vm.out("hactl snapshot create tank/v@s1")
    # The volume changes; the snapshot does not.
    vm.out("hswriter write /dev/mapper/tank:v --blocks 4096 --count 500 "
           "--seed 2 --tag 2")
    snap = digest(vm, "/dev/mapper/tank:v@s1")
    expect(snap == base, "snapshot changed with its volume")
    st, out = vm.run("%s if=/dev/zero of=/dev/mapper/tank:v@s1 bs=4096 "
                     "count=1 oflag=direct" % DD, check=False)
    expect(st != 0, "a snapshot accepted a write")
    vm.allow(r"Buffer I/O error|critical target error|write error")

    # A clone starts as the snapshot and diverges on its own.
    vm.out("hactl clone create tank/v@s1 tank/c1")
    c1 = digest(vm, "/dev/mapper/tank:c1")
    expect(c1 == base, "clone differs from its snapshot")
    vm.out("hswriter write /dev/mapper/tank:c1 --blocks 4096 --count 300 "
           "--seed 3 --tag 3")
    v_now = digest(vm, "/dev/mapper/tank:v")
    vm.out("hswriter write /dev/mapper/tank:v --blocks 4096 --count 50 "
           "--seed 4 --tag 4")
    expect(digest(vm, "/dev/mapper/tank:v@s1") == base, "snapshot changed")
    expect(digest(vm, "/dev/mapper/tank:v") != v_now, "volume did not change")

    # Large writes (whole runs of blocks provisioned at once), to fresh
    # blocks and to blocks the clone shares, read back byte for byte.
    vm.out("head -c 3145728 /dev/urandom > /tmp/big")
    for dev, seek in (("tank:c1", 3), ("tank:v", 10)):
        vm.out("%s if=/tmp/big of=/dev/mapper/%s bs=128k seek=%d "
               "oflag=direct conv=notrunc status=none && "
               "%s if=/dev/mapper/%s bs=128k skip=%d count=24 "
               "iflag=direct status=none | cmp - /tmp/big"
               % (DD, dev, seek * 8, DD, dev, seek * 8))
    expect(digest(vm, "/dev/mapper/tank:v@s1") == base,
           "snapshot changed by large writes")

    # Clones of clones.
    vm.out("hactl snapshot create tank/c1@s2")
    vm.out("hactl clone create tank/c1@s2 tank/c2")
    c1_now = digest(vm, "/dev/mapper/tank:c1")
    expect(digest(vm, "/dev/mapper/tank:c2") == c1_now, "clone of clone differs")

    # A snapshot that backs a clone stays, and the refusal names the clone.
    st, out = vm.run("hactl snapshot delete tank/v@s1", check=False)
    expect(st == 1 and "c1" in out, "delete of a backing snapshot: %s", out)

    # Space: blocks unique to each volume plus shared ones add up.
    space = {v["name"]: v for v in
             json.loads(vm.out("hactl -j vol list tank --space"))["volumes"]}
    expect(space["v"]["unique"] > 0 and space["v"]["shared"] > 0,
           "space accounting: %s", space["v"])
    # Deleting a clone frees exactly the blocks only it held.
    used = pool_info(vm, "tank")["used"]
    unique_c2 = vol_info(vm, "tank/c2", space=True)["unique"]
    vm.out("hswriter write /dev/mapper/tank:c2 --blocks 4096 --count 200 "
           "--seed 5 --tag 5")
    unique_c2 = vol_info(vm, "tank/c2", space=True)["unique"]
    used = pool_info(vm, "tank")["used"]
    vm.out("hactl vol delete tank/c2")
    vm.out("sync")
    check_offline(vm, "tank", "/dev/ram0")
    freed = used - pool_info(vm, "tank")["used"]
    expect(freed >= unique_c2, "deleting c2 freed %d bytes, it held %d "
           "alone", freed, unique_c2)
    h.note("clone c2 held %d KiB alone; deleting it freed %d KiB (data "
           "and metadata)" % (unique_c2 // 1024, freed // 1024))


def test_ext4(h):
    vm = h.vm()
    setup(vm)
    vm.out("hactl pool create tank /dev/ram0 /dev/ram1")
    vm.out("hactl vol create tank/fs --size 64M")
    vm.out("%s /dev/mapper/tank:fs" % MKFS, timeout=300)
    vm.out("mkdir -p /mnt && mount /dev/mapper/tank:fs /mnt && "
           "head -c 4000000 /dev/urandom > /mnt/a && "
           "sha256sum /mnt/a > /tmp/a.sum && umount /mnt")
    vm.out("%s /dev/mapper/tank:fs" % FSCK, timeout=300)
    vm.out("hactl snapshot create tank/fs@s && "
           "hactl clone create tank/fs@s tank/fs2")
    vm.out("mount /dev/mapper/tank:fs2 /mnt && sha256sum -c /tmp/a.sum && "
           "head -c 2000000 /dev/urandom > /mnt/b && umount /mnt")
    for dev in ("tank:fs", "tank:fs2", "tank:fs@s"):
        vm.out("%s /dev/mapper/%s" % (FSCK, dev), timeout=300)
    check_offline(vm, "tank", "/dev/ram0 /dev/ram1")
    vm.out("mount -o ro /dev/mapper/tank:fs2 /mnt && "
           "sha256sum -c /tmp/a.sum && test -s /mnt/b && umount /mnt")


def test_crash_consistency(h):
    """Kill the guest while four writers run; after each kill, the pool
    imports, checks clean, and holds every write acknowledged before
    each writer's last flush.  A snapshot each round puts writes on the
    shared-block path too."""
    rounds = int(os.environ.get("HASTOR_KILLS", "4"))
    rng = random.Random(int(os.environ.get("HASTOR_SEED", "1")))
    vm = h.vm(local_disk_mb=256)
    setup(vm)
    vm.out("hactl pool create tank /dev/vda")
    vm.out("hactl vol create tank/v --size 64M")
    per = 4096  # blocks per writer
    checked = 0
    for r in range(rounds):
        vm.out("hactl snapshot create tank/v@r%d" % r)
        jobs = [vm.spawn("exec hswriter write /dev/mapper/tank:v "
                         "--blocks %d --first %d --count 100000 "
                         "--flush-every %d --seed %d --tag %d"
                         % (per, t * per, rng.choice((7, 20, 50)),
                            r * 10 + t, t))
                for t in range(4)]
        target = rng.randint(30, 300)
        jobs[0].wait_output(r"^W 0 \d+ %d$" % target, timeout=300)
        vm.kill()
        outputs = [j.output for j in jobs]
        vm.start()
        setup(vm)
        out = vm.out("hactl pool check /dev/vda")
        expect("clean" in out, "round %d: checker: %s", r, out)
        vm.out("hactl pool import tank --disks /dev/vda")
        found = {}
        for line in vm.out("hswriter verify /dev/mapper/tank:v --blocks "
                           "%d" % (4 * per), timeout=300).splitlines():
            f = line.split()
            expect(f[0] == "B", "round %d: damaged block %s", r, line)
            found[int(f[2])] = (int(f[1]), int(f[3]), int(f[4]))
        for t, text in enumerate(outputs):
            acked, flushed = writes(text)
            lost = verify_after_crash(found, acked, flushed,
                                      {t: r * 10 + t})
            expect(not lost, "round %d: %d lost writes, e.g. %s", r,
                   len(lost), lost[:3])
            checked += sum(1 for seq, _ in acked.get(t, [])
                           if seq <= flushed.get(t, 0))
    h.note("crash: %d kills, %d flushed writes checked, none lost"
           % (rounds, checked))


def test_enospc(h):
    vm = h.vm()
    setup(vm)
    # A small member: 8 MiB of data area.
    vm.out("dmsetup create small --table '0 18432 linear /dev/ram2 0' && "
           "dmsetup mknodes small")
    vm.out("hactl pool create tiny /dev/mapper/small")
    vm.out("hactl vol create tiny/big --size 64M")
    st, out = vm.run("%s if=/dev/urandom of=/dev/mapper/tiny:big bs=64k "
                     "oflag=direct" % DD, check=False, timeout=300)
    expect(st != 0 and "No space left" in out, "fill: %s", out)
    vm.allow(r"Buffer I/O error|write error|critical space allocation")
    pool = pool_info(vm, "tiny")
    expect(pool["state"] == "active", "pool state after ENOSPC: %s", pool)
    vm.out("sync", timeout=300)
    check_offline(vm, "tiny", "/dev/mapper/small")
    # Free space, and writes work again.
    vm.out("blkdiscard /dev/mapper/tiny:big")
    vm.out("%s if=/dev/urandom of=/dev/mapper/tiny:big bs=64k count=16 "
           "oflag=direct" % DD)
    vm.out("sync")
    check_offline(vm, "tiny", "/dev/mapper/small")


def test_bad_input(h):
    vm = h.vm()
    setup(vm)
    vm.out("hactl pool create tank /dev/ram0")
    pool_dev = vm.out("dmsetup info -c --noheadings -o major,minor "
                      "hastor-pool-tank").strip()
    # Bad dm table lines are refused, and nothing changes.
    for table in ("0 8 hastor-pool", "0 8 hastor-pool 0",
                  "0 8 hastor-pool 2 /dev/ram0",
                  "0 8 hastor-pool 1 /dev/ram3",
                  "0 8 hastor-pool x /dev/ram0",
                  "0 8 hastor-vol", "0 8 hastor-vol %s" % pool_dev,
                  "0 8 hastor-vol %s 99" % pool_dev,
                  "0 8 hastor-vol /dev/ram3 1",
                  "0 8 hastor-vol %s abc" % pool_dev,
                  "0 7 hastor-vol %s 1" % pool_dev):
        st, out = vm.run("dmsetup create bad --table '%s'" % table,
                         check=False)
        expect(st != 0, "table accepted: %s", table)
        vm.run("dmsetup remove bad", check=False)
    vm.out("hactl vol create tank/v --size 4M")
    st, out = vm.run("dmsetup create big --table '0 16384 hastor-vol %s 1'"
                     % pool_dev, check=False)
    expect(st != 0, "a table longer than its volume was accepted")
    vm.run("dmsetup remove big", check=False)
    # Names and sizes the kernel refuses even when hactl lets them by.
    for args in ("vol create tank/%s --size 4M" % ("x" * 64),
                 "vol create tank/a@b --size 4M",
                 "vol create tank/w --size 4097",
                 "vol create tank/w --size 0",
                 "vol create tank/w --size 9999999999999999999",
                 "vol create nosuch/w --size 4M",
                 "vol resize tank/v --size 4096",
                 "snapshot create tank/v@%s" % ("s" * 64),
                 "clone create tank/v@nosuch tank/c",
                 "pool create %s /dev/ram1" % ("p" * 64),
                 "pool create tank2 /dev/ram0"):
        st, out = vm.run("HACTL_NO_CLIENT_CHECKS=1 hactl %s" % args,
                         check=False)
        expect(st in (1, 2) and "hactl" in out, "%s: %d %s", args, st, out)
    vols = json.loads(vm.out("hactl -j vol list tank"))["volumes"]
    expect(len(vols) == 1, "volumes changed: %s", vols)
    vm.allow(r"device-mapper: table: .*hastor|device-mapper: ioctl")


def flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x5a]))


def sha(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_corruption(h):
    """Damage metadata on the disk: import is refused naming the block,
    nothing is written, the checker names it; undo it, and all is well."""
    vm = h.vm(local_disk_mb=128)
    img = os.path.join(vm.workdir, "local.img")
    setup(vm)
    vm.out("hactl pool create tank /dev/vda && "
           "hactl vol create tank/v --size 32M")
    vm.out("hswriter write /dev/mapper/tank:v --blocks 8192 --count 1500 "
           "--seed 3 && hactl snapshot create tank/v@s")
    vm.out("hactl pool export tank")
    listing = vm.out("hactl pool check -v /dev/vda")
    targets = {}
    for line in listing.splitlines():
        f = line.split()
        if line.startswith("checked pvbn") and "(" in line:
            kind = line.split("(", 1)[1].split(")")[0]
            kind = kind.split(" of volume")[0].split(", chunk")[0]
            targets.setdefault(kind, int(f[2]))
    expect(len(targets) >= 3, "block kinds found: %s", targets)
    vm.allow(r"hastor|device-mapper")
    for kind, pvbn in sorted(targets.items()):
        offset = (256 + pvbn) * 4096 + 1000
        flip(img, offset)
        before = sha(img)
        st, out = vm.run("hactl pool import tank --disks /dev/vda",
                         check=False)
        expect(st == 1, "%s damaged at %d: import %d: %s", kind, pvbn, st,
               out)
        dmesg = vm.out("dmesg | tail -n 20")
        expect("%d" % pvbn in dmesg, "kernel log does not name block %d:\n%s",
               pvbn, dmesg)
        expect(sha(img) == before, "a refused import wrote to the disk")
        st, out = vm.run("hactl pool check /dev/vda", check=False)
        expect(st == 1 and str(pvbn) in out, "checker on %s at %d: %s",
               kind, pvbn, out)
        flip(img, offset)
    # One damaged label copy: the other serves; both: refused.
    flip(img, 2000)
    vm.out("hactl pool import tank --disks /dev/vda && "
           "hactl pool export tank")
    flip(img, 4096 + 2000)
    before = sha(img)
    st, out = vm.run("hactl pool import tank --disks /dev/vda", check=False)
    expect(st == 1, "import with both labels damaged: %s", out)
    expect(sha(img) == before, "a refused import wrote to the disk")
    st, out = vm.run("hactl pool check /dev/vda", check=False)
    expect(st == 1 and "label" in out, "checker on labels: %s", out)
    flip(img, 2000)
    flip(img, 4096 + 2000)
    vm.out("hactl pool import tank --disks /dev/vda")
    vm.out("hswriter verify /dev/mapper/tank:v --blocks 8192 | grep -c ^B")
    h.note("corruption: %d metadata kinds and labels: refused, named, "
           "nothing written" % len(targets))


def test_pool_device_removed_under_volumes(h):
    """dmsetup remove --force on the pool device while a volume is open
    replaces its table: the volume keeps working on the pool, which ends
    (with a final CP) when its last volume goes."""
    vm = h.vm()
    setup(vm)
    vm.out("hactl pool create tank /dev/ram0 && "
           "hactl vol create tank/v --size 16M")
    vm.out("hswriter write /dev/mapper/tank:v --blocks 4096 --count 300 "
           "--seed 9 --tag 1 > /tmp/w1")
    vm.run("dmsetup remove --force hastor-pool-tank", check=False)
    table = vm.out("dmsetup table hastor-pool-tank")
    expect("hastor-pool" not in table, "pool table still there: %s", table)
    # The volume still reads and writes.
    vm.out("hswriter write /dev/mapper/tank:v --blocks 4096 --count 300 "
           "--seed 10 --tag 2 > /tmp/w2 && sync")
    st, out = vm.run("dmsetup create again --table '0 8 hastor-pool 1 "
                     "/dev/ram0'", check=False)
    expect(st != 0, "a second import while volumes use the pool: %s", out)
    vm.allow(r"device-mapper|hastor-pool")
    vm.out("dmsetup remove tank:v && dmsetup remove hastor-pool-tank")
    out = vm.out("hactl pool check /dev/ram0")
    expect("clean" in out, "checker: %s", out)
    vm.out("hactl pool import tank --disks /dev/ram0")
    found = {}
    for line in vm.out("hswriter verify /dev/mapper/tank:v "
                       "--blocks 4096").splitlines():
        f = line.split()
        found[int(f[2])] = (int(f[1]), int(f[3]))
    for name in ("/tmp/w1", "/tmp/w2"):
        acked, _ = writes(vm.out("cat %s" % name))
        for tag, ws in acked.items():
            last = {}
            for seq, block in ws:
                last[block] = seq
            for block, seq in last.items():
                got = found.get(block)
                expect(got and (got[0] > tag or got == (tag, seq)),
                       "block %d: wrote tag %d seq %d, found %s", block,
                       tag, seq, got)


def crc32c(data, crc=0xffffffff):
    """Bitwise CRC-32C without final inversion, as the kernel's crc32c()
    (slow; only for re-sealing a few forged blocks)."""
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc


def reseal(block):
    import struct
    csum = crc32c(block[4:]) ^ 0x4853746f
    return struct.pack("<I", csum) + block[4:]


def test_forged_refcount(h):
    """A pool whose counts say a live metadata node is free (with every
    checksum and total made consistent) is refused at import, naming it;
    the offline checker agrees."""
    import struct
    vm = h.vm(local_disk_mb=64)
    img = os.path.join(vm.workdir, "local.img")
    setup(vm)
    vm.out("hactl pool create tank /dev/vda && "
           "hactl vol create tank/v --size 8M && "
           "hswriter write /dev/mapper/tank:v --blocks 2048 --count 100 "
           "&& hactl pool export tank")
    voltab = refblk = None
    for line in vm.out("hactl pool check -v /dev/vda").splitlines():
        f = line.split()
        if "(btree node, volume table)" in line:
            voltab = int(f[2])
        if "(refcount block, chunk %d)" % 0 in line:
            refblk = int(f[2])
    expect(voltab is not None and refblk is not None and voltab < 2016,
           "layout: voltab %s refcount block %s", voltab, refblk)
    with open(img, "r+b") as d:
        # The newer superblock slot.
        supers = []
        for slot in (2, 3):
            d.seek(slot * 4096)
            blk = d.read(4096)
            supers.append((struct.unpack_from("<Q", blk, 16)[0], slot, blk))
        gen, slot, sb = max(supers)
        d.seek((256 + refblk) * 4096)
        rb = bytearray(d.read(4096))
        off = 64 + 2 * voltab
        expect(struct.unpack_from("<H", rb, off)[0] == 1, "count not 1")
        struct.pack_into("<H", rb, off, 0)
        d.seek((256 + refblk) * 4096)
        d.write(reseal(bytes(rb)))
        sb = bytearray(sb)
        used = struct.unpack_from("<Q", sb, 96)[0]     # used_blocks
        meta = struct.unpack_from("<Q", sb, 104)[0]    # meta_blocks
        struct.pack_into("<Q", sb, 96, used - 1)
        struct.pack_into("<Q", sb, 104, meta - 1)
        d.seek(slot * 4096)
        d.write(reseal(bytes(sb)))
    st, out = vm.run("hactl pool import tank --disks /dev/vda", check=False)
    expect(st == 1, "forged pool imported: %s", out)
    dmesg = vm.out("dmesg | tail -n 5")
    expect("%d has no reference count" % voltab in dmesg,
           "kernel log: %s", dmesg)
    st, out = vm.run("hactl pool check /dev/vda", check=False)
    expect(st == 1 and str(voltab) in out, "checker: %s", out)
    vm.allow(r"hastor|device-mapper")
