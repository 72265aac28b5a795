# SPDX-License-Identifier: GPL-2.0
"""Volume I/O forwarded over the interconnect: the hastor-remote target.

Node a serves a pool on a shared LUN; node b, with the module loaded and
the interconnect up but without the pool, makes a hastor-remote device
for a's volume with dmsetup and uses it: what b writes through it, a
reads on its own device, and the other way round.  A remote device of a
pool that nobody serves blocks until someone imports the pool, or fails
once its deadline (remote_timeout_s) passes.  Under a writer, b's table
is swapped with a noflush suspend: to another hastor-remote table, and,
after a exported the pool and b imported it, to a local hastor-vol
table, and back (a giveback); the writer sees no error and every write
it was acknowledged is on the volume."""

import json
import re
import time

from ccm import configure, wait_partner, MODULE
from hvm import wait_for
from pool import expect, hswriter_blocks, writes

LUN = "/dev/shared/lun1"
POOLDEV = "/dev/mapper/hastor-pool-tank"
VOLDEV = "/dev/mapper/tank:v"
RDEV = "/dev/mapper/rv"
DD = "/usr/bin/dd"
PARAM = "/sys/module/hastor/parameters/remote_timeout_s"
PER = 2048      # blocks of the writers' region (8 MiB)


def boot(vm):
    vm.out("insmod %s && hactl node set --id %d --cluster 7 --name %s"
           % (MODULE, vm.index, vm.name))
    configure(vm)


def pair(h):
    a, b = h.pair(luns=1, links=2, local_disk_mb=0)
    for vm in (a, b):
        boot(vm)
    for vm in (a, b):
        wait_partner(vm, "reachable")
    return a, b


def make_pool(a, size="32M"):
    """The pool on a with volume v: (uuid as 32 hex digits, volume id,
    sectors)."""
    a.out("hactl pool create tank %s && hactl vol create tank/v --size %s"
          % (LUN, size))
    pool = json.loads(a.out("hactl -j pool show tank"))["pool"]
    vol = json.loads(a.out("hactl -j vol show tank/v"))["vol"]
    uuid = pool["uuid"].replace("-", "")
    sectors = int(a.out("blockdev --getsz %s" % VOLDEV))
    return uuid, vol["id"], sectors


def remote_table(uuid, vol_id, sectors):
    return "0 %d hastor-remote %s %d" % (sectors, uuid, vol_id)


def status(vm, dev="rv"):
    """hastor-remote's status: (outstanding, retried, failed)."""
    f = vm.out("dmsetup status %s" % dev).split()
    expect(f[2] == "hastor-remote", "status of %s: %s", dev, f)
    return int(f[3]), int(f[4]), int(f[5])


def last_writes(text):
    """Per block, the last acknowledged write of one hswriter: (tag, seq)."""
    acked, _ = writes(text)
    last = {}
    for tag, ws in acked.items():
        for seq, block in ws:
            last[block] = (tag, seq)
    return last


def check_blocks(vm, dev, text, seed, what, first=0):
    """Every block's last acknowledged write is what dev holds (or a
    later one that was under way when the writer stopped)."""
    found = hswriter_blocks(vm, dev, first + PER, what + ": ")
    last = last_writes(text)
    bad = []
    for block, (tag, seq) in last.items():
        got = found.get(block)
        if not got or got[0] != tag or got[1] < seq or got[2] != seed:
            bad.append("block %d: wrote tag %d seq %d, found %s"
                       % (block, tag, seq, got))
    expect(not bad, "%s: %d acknowledged writes missing, e.g. %s", what,
           len(bad), bad[:3])
    return len(last)


def test_data(h):
    """b writes through its remote device, a reads it on its volume, and
    the other way round; flushes, FUA writes and a discard go through;
    bad tables are refused."""
    a, b = pair(h)
    uuid, vol_id, sectors = make_pool(a)

    for bad in ("0 %d hastor-remote %s" % (sectors, uuid),
                "0 %d hastor-remote %s %d" % (sectors, uuid[:-1], vol_id),
                "0 %d hastor-remote %s %d" % (sectors, uuid.upper(),
                                              vol_id),
                "0 %d hastor-remote %sx %d" % (sectors, uuid[:-1], vol_id),
                "0 %d hastor-remote %s -1" % (sectors, uuid),
                "0 %d hastor-remote %s 1x" % (sectors, uuid),
                "0 %d hastor-remote %s %d" % (sectors - 1, uuid, vol_id)):
        st, out = b.run("dmsetup create bad --table '%s'" % bad, check=False)
        expect(st != 0, "table %r accepted: %s", bad, out)
    b.run("dmsetup remove bad", check=False)

    b.out("dmsetup create rv --table '%s' && dmsetup mknodes"
          % remote_table(uuid, vol_id, sectors))
    table = b.out("dmsetup table rv").split()
    expect(table[3:] == [uuid, str(vol_id)], "table: %s", table)

    # b writes (with flushes), a reads.
    text = b.out("hswriter write %s --blocks %d --count 600 --seed 11 "
                 "--tag 1 --flush-every 50" % (RDEV, PER), timeout=600)
    expect(re.search(r"^F 1 600$", text, re.M), "no final flush: %s",
           text[-300:])
    n = check_blocks(a, VOLDEV, text, 11, "b's writes on a")
    # a writes, b reads through the interconnect.
    text2 = a.out("hswriter write %s --blocks %d --first %d --count 400 "
                  "--seed 12 --tag 2" % (VOLDEV, PER, PER), timeout=600)
    m = check_blocks(b, RDEV, text2, 12, "a's writes read on b", first=PER)
    h.note("%d blocks written on b checked on a, %d the other way"
           % (n, m))

    # FUA (O_DIRECT|O_DSYNC) writes and a discard.
    b.out("%s if=/dev/urandom of=/tmp/x bs=64k count=16 status=none && "
          "%s if=/tmp/x of=%s bs=64k seek=256 oflag=direct,dsync "
          "status=none" % (DD, DD, RDEV))
    sums = [vm.out("%s if=%s bs=64k skip=256 count=16 iflag=direct "
                   "status=none | sha256sum" % (DD, dev)).split()[0]
            for vm, dev in ((a, VOLDEV), (b, RDEV))]
    want = b.out("sha256sum /tmp/x").split()[0]
    expect(sums == [want, want], "FUA data: %s, want %s", sums, want)
    b.out("blkdiscard -o %d -l %d %s" % (256 * 65536, 8 * 65536, RDEV))
    nonzero = a.out("%s if=%s bs=64k skip=256 count=8 iflag=direct "
                    "status=none | tr -d '\\000' | wc -c" % (DD, VOLDEV))
    expect(int(nonzero) == 0, "discarded range on a: %s bytes not zero",
           nonzero.strip())
    kept = a.out("%s if=%s bs=64k skip=264 count=8 iflag=direct "
                 "status=none | sha256sum" % (DD, VOLDEV)).split()[0]
    tail = b.out("%s if=/tmp/x bs=64k skip=8 count=8 status=none | "
                 "sha256sum" % DD).split()[0]
    expect(kept == tail, "data after the discarded range changed")

    out, retried, failed = status(b)
    expect(out == 0 and failed == 0, "status: %d outstanding, %d failed",
           out, failed)
    # A volume the pool lacks: an error at once, no waiting.
    b.out("dmsetup create nv --table '%s' && dmsetup mknodes"
          % remote_table(uuid, 999, sectors))
    t0 = time.time()
    st, _ = b.run("%s if=/dev/zero of=/dev/mapper/nv bs=4k count=1 "
                  "oflag=direct status=none" % DD, check=False)
    expect(st != 0, "a write to a volume the pool lacks succeeded")
    expect(time.time() - t0 < 30, "no such volume took %.0f s",
           time.time() - t0)
    expect(status(b, "nv")[2] >= 1, "failure not counted")
    b.out("dmsetup remove nv && dmsetup remove rv")


def test_not_served(h):
    """A pool nobody serves: a write waits and completes once a imports
    the pool within the deadline; with a short deadline and no importer
    it fails with EIO."""
    a, b = pair(h)
    uuid, vol_id, sectors = make_pool(a)
    a.out("hactl pool export tank")
    b.out("dmsetup create rv --table '%s' && dmsetup mknodes"
          % remote_table(uuid, vol_id, sectors))
    job = b.spawn("exec hswriter write %s --blocks %d --count 50 "
                  "--seed 21 --tag 1" % (RDEV, PER))
    wait_for(lambda: status(b)[1] >= 5, 120, "retries while unserved",
             interval=1)
    expect(job.status is None, "the write completed with no server: %s",
           job.output)
    expect(status(b)[0] >= 1, "nothing outstanding while unserved")
    a.out("hactl pool import tank --disks %s" % LUN)
    st = job.wait(300)
    expect(st == 0, "writer failed after the import: %s", job.output)
    check_blocks(a, VOLDEV, job.output, 21, "writes that waited")
    expect(status(b)[2] == 0, "failures counted: %s", status(b))

    a.out("hactl pool export tank")
    b.out("echo 3 > %s" % PARAM)
    t0 = time.time()
    st, out = b.run("%s if=/dev/zero of=%s bs=4k count=1 oflag=direct "
                    "status=none" % (DD, RDEV), check=False, timeout=120)
    took = time.time() - t0
    expect(st != 0 and "Input/output error" in out,
           "write with no server: status %d: %s", st, out)
    expect(took >= 2, "failed after %.1f s, before its deadline", took)
    expect(status(b)[2] >= 1 and status(b)[0] == 0, "status: %s", status(b))
    b.out("echo 60 > %s && dmsetup remove rv" % PARAM)


def swap(b, table):
    b.out("dmsetup suspend --noflush rv && dmsetup load rv --table '%s' "
          "&& dmsetup resume rv && dmsetup mknodes" % table)


def progress(job, after):
    """Until the writer acknowledged more than after writes."""
    def n():
        return len(re.findall(r"^W ", job.output, re.M))
    wait_for(lambda: n() > after + 20 or job.status is not None, 300,
             "writer progress", interval=0.5)
    expect(job.status is None, "writer ended: %s", job.output[-500:])
    return n()


def test_swap_under_load(h):
    """A writer on b's remote device while its table is swapped (noflush)
    to another hastor-remote table, then to a local hastor-vol table
    after a exported the pool and b imported it (a takeover), then back
    to hastor-remote after b exported and a imported (a giveback): no
    I/O error, every acknowledged write on the volume."""
    a, b = pair(h)
    uuid, vol_id, sectors = make_pool(a)
    remote = remote_table(uuid, vol_id, sectors)
    b.out("dmsetup create rv --table '%s' && dmsetup mknodes" % remote)
    job = b.spawn("exec hswriter write %s --blocks %d --count 1000000 "
                  "--seed 31 --tag 1 --flush-every 64" % (RDEV, PER))
    done = progress(job, 0)
    for _ in range(3):
        swap(b, remote)
        done = progress(job, done)
    requeued = status(b)

    # Takeover: a lets go, b imports; b's device turns local.
    a.out("hactl pool export tank", timeout=300)
    b.out("hactl pool import tank --disks %s" % LUN, timeout=300)
    swap(b, "0 %d hastor-vol %s %d" % (sectors, POOLDEV, vol_id))
    done = progress(job, done)
    # Giveback: b's device turns remote again, b lets go, a imports.
    swap(b, remote)
    b.out("hactl pool export tank", timeout=300)
    a.out("hactl pool import tank --disks %s" % LUN, timeout=300)
    done = progress(job, done)
    job.kill()
    job.wait(120)
    text = job.output
    expect("rror" not in text, "writer saw an error: %s", text[-500:])
    n = check_blocks(a, VOLDEV, text, 31, "after takeover and giveback")
    out, retried, failed = status(b)
    expect(failed == 0, "failures counted: %d", failed)
    h.note("%d writes acknowledged, %d blocks checked; before the "
           "takeover %s (outstanding, retried, failed), at the end %s"
           % (len(re.findall(r"^W ", text, re.M)), n, requeued,
              (out, retried, failed)))
    b.out("dmsetup remove rv")


def test_session_loss(h):
    """Both links cut under a writer on b's remote device: the session
    ends, what was on the wire is sent again in the next one, and the
    writer sees no error; every acknowledged write is on a's volume."""
    a, b = pair(h)
    uuid, vol_id, sectors = make_pool(a)
    b.out("dmsetup create rv --table '%s' && dmsetup mknodes"
          % remote_table(uuid, vol_id, sectors))
    job = b.spawn("exec hswriter write %s --blocks %d --count 1000000 "
                  "--seed 41 --tag 1 --flush-every 64" % (RDEV, PER))
    done = progress(job, 0)
    for rnd in range(2):
        for link in (0, 1):
            b.set_link(link, False)
        wait_partner(b, "unreachable")
        time.sleep(2)
        expect(job.status is None, "writer ended: %s", job.output[-500:])
        for link in (0, 1):
            b.set_link(link, True)
        wait_partner(b, "reachable")
        wait_partner(a, "reachable")
        done = progress(job, done)
    job.kill()
    job.wait(120)
    text = job.output
    expect("rror" not in text, "writer saw an error: %s", text[-500:])
    n = check_blocks(a, VOLDEV, text, 41, "after two session losses")
    out, retried, failed = status(b)
    expect(failed == 0, "failures counted: %d", failed)
    expect(retried >= 1, "nothing was sent again: %s", (out, retried))
    h.note("%d writes acknowledged, %d blocks checked, %d requests sent "
           "again" % (len(re.findall(r"^W ", text, re.M)), n, retried))
    b.out("dmsetup remove rv")
