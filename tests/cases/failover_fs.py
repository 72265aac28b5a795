# SPDX-License-Identifier: GPL-2.0
"""A file system through a failover: ext4 on a volume of node a, a
killed while files are being written and fsynced, node b's daemon takes
the pool over.  What ext4 was told is durable must be on b: the file
system is consistent (e2fsck after the journal replay) and every file
whose fsync returned before the kill has its content."""

import random
import re
import time

from hvm import wait_for
from failover import node_up, served_here, wait_possible, timeline, POOL
from mirror import wait_sync
from pool import expect, MKFS, FSCK, DD

VOL = "/dev/mapper/%s:fs" % POOL
NFILES = 30


def sums(text):
    """sha256sum output: {name: sha}."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]{64})\s+/mnt/(\S+)$", line)
        if m:
            out[m.group(2)] = m.group(1)
    return out


def test_ext4(h):
    """ext4 on a's volume; 30 files synced, more written with fsync
    while a is killed; on b after the takeover e2fsck is clean and every
    file reported durable has its checksum."""
    rng = random.Random(5)
    a, b = h.pair(luns=2, links=2, local_disk_mb=64)
    node_up(a)
    db = node_up(b)
    a.out("hactl pool create %s /dev/shared/lun1 /dev/shared/lun2 && "
          "hactl vol create %s/fs --size 64M" % (POOL, POOL))
    a.out("%s %s && mkdir -p /mnt && mount %s /mnt" % (MKFS, VOL, VOL),
          timeout=300)
    # Sizes around the edges of blocks and extents, and some big ones.
    sizes = [0, 1, 511, 4095, 4096, 4097, 65536, 1 << 20, 3 << 20]
    sizes += [rng.randint(1, 600000) for _ in range(NFILES - len(sizes))]
    a.out("; ".join("head -c %d /dev/urandom > /mnt/f%02d" % (n, i)
                    for i, n in enumerate(sizes)) + "; sync", timeout=300)
    synced = sums(a.out("sha256sum /mnt/f*"))
    expect(len(synced) == NFILES, "%d files summed: %s", len(synced), synced)
    wait_sync(a)
    wait_possible(b)

    # Each file: written, fsynced, the file system synced (its directory
    # entry with it), then reported with its checksum.  A "DONE" line
    # the host has seen is a promise ext4 made before the kill.
    loop = a.spawn(
        "i=0; while :; do n=g$i; s=$(( (i * 7919) %% 400000 + 1 )); "
        "%s if=/dev/urandom of=/mnt/$n bs=$s count=1 iflag=fullblock "
        "conv=fsync status=none || { echo FAIL $n; exit 1; }; "
        "sync -f /mnt/$n || { echo FAIL $n; exit 1; }; "
        "echo DONE $(sha256sum /mnt/$n); i=$((i + 1)); done" % DD)
    target = rng.randint(3, 8)
    loop.wait_output(r"^DONE \S+ /mnt/g%d$" % (target - 1), timeout=300)
    a.kill()
    t0 = time.time()
    # A line cut short by the kill could name another file: whole lines.
    text = loop.output
    text = text[:text.rfind("\n") + 1]
    done = sums(re.sub(r"^DONE ", "", text, flags=re.M))
    wait_for(lambda: served_here(b), 300, "b takes %s over" % POOL,
             interval=0.5)
    took = time.time() - t0

    # The journal is replayed by a mount, as after any crash; then the
    # file system must be clean as it stands.
    b.out("mkdir -p /mnt && mount %s /mnt && umount /mnt" % VOL,
          timeout=300)
    rc, out = b.run("%s %s" % (FSCK, VOL), timeout=300, check=False)
    expect(rc == 0, "e2fsck on b: exit %d:\n%s", rc, out)
    b.out("mount -o ro %s /mnt" % VOL)
    found = sums(b.out("sha256sum /mnt/f* /mnt/g* 2>/dev/null; true",
                       timeout=300))
    want = dict(synced)
    want.update(done)
    bad = ["%s: %s, want %s" % (n, found.get(n), s)
           for n, s in sorted(want.items()) if found.get(n) != s]
    expect(not bad, "%d of %d durable files wrong or missing on b: %s",
           len(bad), len(want), bad[:5])
    b.out("umount /mnt")
    h.note("failover_fs: %d files synced + %d fsynced before the kill, "
           "all on b with their checksums; e2fsck clean; kill -> served "
           "%.1f s; %s" % (len(synced), len(done), took, timeline(db)))
