# SPDX-License-Identifier: GPL-2.0
"""The node-local write log ("NVRAM"), in one guest.

The guest's local disk is cut in two with dm-linear: the log device and
the pool's disk, so both survive a QMP kill.  With a log, every write a
volume acknowledges must survive a crash, flushed or not: the crash test
checks every acknowledged write after the re-import has replayed the
log."""

import json
import os
import random

from hvm import wait_for
from pool import setup, writes, verify_after_crash, hswriter_blocks, \
    expect, DD

LOG_SECTORS = 131072        # 64 MiB of the local disk
SMALL_LOG = 20480           # 10 MiB: 2.25 MiB halves, many switches


def disks(vm, log_sectors=LOG_SECTORS):
    """/dev/mapper/nv (the log) and /dev/mapper/pd (the pool's disk)."""
    total = int(vm.out("blockdev --getsz /dev/vda"))
    vm.out("dmsetup create nv --table '0 %d linear /dev/vda 0' && "
           "dmsetup create pd --table '0 %d linear /dev/vda %d' && "
           "dmsetup mknodes" % (log_sectors, total - log_sectors,
                                log_sectors))


def wlog_info(vm):
    return json.loads(vm.out("hactl -j wlog show"))["wlog"]


def test_local_replay(h):
    """Kill the guest while writers run with no flushes at all; after
    each reboot the import replays the log, and every acknowledged write
    is there.  A snapshot each round sends writes down the shared-block
    path too."""
    rounds = int(os.environ.get("HASTOR_KILLS", "3"))
    rng = random.Random(int(os.environ.get("HASTOR_SEED", "1")))
    vm = h.vm(local_disk_mb=320)
    setup(vm)
    disks(vm)
    vm.out("hactl node set --nvram /dev/mapper/nv")
    vm.out("hactl pool create tank /dev/mapper/pd")
    vm.out("hactl vol create tank/v --size 64M")
    per = 2048
    checked = 0
    replayed = []
    for r in range(rounds):
        vm.out("hactl snapshot create tank/v@r%d" % r)
        jobs = [vm.spawn("exec hswriter write /dev/mapper/tank:v "
                         "--blocks %d --first %d --count 100000 "
                         "--seed %d --tag %d" % (per, t * per, r * 10 + t, t))
                for t in range(4)]
        target = rng.randint(50, 400)
        jobs[0].wait_output(r"^W 0 \d+ %d$" % target, timeout=300)
        w = wlog_info(vm)
        expect(w["entries"] > 0 and w["sync"] == "local-only",
               "round %d: log state %s", r, w)
        vm.kill()
        outputs = [j.output for j in jobs]
        vm.start()
        setup(vm)
        disks(vm)
        # The pool is consistent at its last CP before any replay.
        out = vm.out("hactl pool check /dev/mapper/pd")
        expect("clean" in out, "round %d: checker: %s", r, out)
        vm.out("hactl node set --nvram /dev/mapper/nv")
        vm.out("hactl pool import tank --disks /dev/mapper/pd")
        found = hswriter_blocks(vm, "/dev/mapper/tank:v", 4 * per,
                                "round %d: " % r)
        seeds = {t: r * 10 + t for t in range(4)}
        for t, text in enumerate(outputs):
            acked, _ = writes(text)
            # Every acknowledged write counts as flushed.
            last = {tag: ws[-1][0] for tag, ws in acked.items() if ws}
            lost = verify_after_crash(found, acked, last, seeds)
            expect(not lost, "round %d: %d lost writes, e.g. %s", r,
                   len(lost), lost[:3])
            checked += len(acked.get(t, []))
        for line in vm.out("dmesg").splitlines():
            if "replayed" in line:
                replayed.append(line.split("replayed ")[1].split()[0])
    h.note("local replay: %d kills, %d acknowledged writes checked, none "
           "lost; records replayed per import: %s"
           % (rounds, checked, ", ".join(replayed) or "none"))


def test_log_space(h):
    """A log far smaller than what is written: halves fill, CPs free
    them, writes never fail; exporting covers everything, so a re-attach
    finds nothing to replay."""
    vm = h.vm(local_disk_mb=320)
    setup(vm)
    disks(vm, SMALL_LOG)
    vm.out("hactl node set --nvram /dev/mapper/nv")
    vm.out("hactl pool create tank /dev/mapper/pd")
    vm.out("hactl vol create tank/v --size 64M")
    w = wlog_info(vm)
    expect(w["half_size"] == 4608 * 512, "half size %s", w["half_size"])
    vm.out("%s if=/dev/urandom of=/tmp/data bs=1M count=24 status=none"
           % DD)
    vm.out("%s if=/tmp/data of=/dev/mapper/tank:v bs=64k oflag=direct "
           "status=none" % DD, timeout=600)
    vm.out("%s if=/tmp/data of=/dev/mapper/tank:v bs=4k seek=8192 "
           "oflag=direct,dsync count=512 status=none" % DD, timeout=600)
    w = wlog_info(vm)
    expect(w["bytes"] > 24 << 20, "log bytes %s", w)
    expect(w["cps"] >= 4, "only %d log CPs for 26 MiB through 4.5 MiB of "
           "log halves", w["cps"])
    got = vm.out("%s if=/dev/mapper/tank:v bs=1M count=24 iflag=direct "
                 "status=none | sha256sum" % DD)
    want = vm.out("sha256sum < /tmp/data")
    expect(got.split()[0] == want.split()[0], "data differs")
    # Still in use: no detach.
    st, out = vm.run("hactl node set --nvram-detach", check=False)
    expect(st != 0 and "export" in out, "detach while in use: %s", out)
    vm.out("hactl pool export tank")
    w = wlog_info(vm)
    expect(w["covered_seq"] == w["next_seq"] - 1,
           "after export, not everything covered: %s", w)
    expect(not any(x["live"] for x in w["halves"]), "live half: %s", w)
    vm.out("hactl node set --nvram-detach")
    st, out = vm.run("hactl wlog show", check=False)
    expect(st == 1 and "no write log" in out, "after detach: %s", out)
    vm.out("hactl node set --nvram /dev/mapper/nv")
    vm.out("hactl pool import tank --disks /dev/mapper/pd")
    got = vm.out("%s if=/dev/mapper/tank:v bs=1M count=24 iflag=direct "
                 "status=none | sha256sum" % DD)
    expect(got.split()[0] == want.split()[0], "data differs after "
           "re-import")
    h.note("log space: %d MiB through a %d MiB log, %d CPs, %d waits"
           % (w["bytes"] >> 20, SMALL_LOG >> 11, w["cps"], w["waits"]))


def test_bad_input(h):
    """Bad log devices and requests are refused and change nothing."""
    vm = h.vm(local_disk_mb=320)
    st, out = vm.run("insmod /lib/modules/hastor/hastor.ko && "
                     "hactl node set --nvram /dev/vda", check=False)
    expect(st != 0 and "configure" in out, "unconfigured node: %s", out)
    vm.out("hactl node set --id 1 --cluster 1 --name a")
    disks(vm)
    vm.out("dmsetup create tiny --table '0 4096 linear /dev/ram3 0' && "
           "dmsetup mknodes")
    for dev, why in (("/dev/nonexistent", ""), ("relative", "absolute"),
                     ("/dev/mapper/tiny", "too small")):
        st, out = vm.run("hactl node set --nvram %s" % dev, check=False)
        expect(st != 0 and why in out, "nvram %s: %s", dev, out)
    st, out = vm.run("hactl node set --nvram-format", check=False)
    expect(st != 0, "format without a device: %s", out)
    vm.out("hactl node set --nvram /dev/mapper/nv")
    uuid = wlog_info(vm)["uuid"]
    st, out = vm.run("hactl node set --id 2", check=False)
    expect(st != 0 and "detach" in out, "identity change: %s", out)
    st, out = vm.run("hactl node set --nvram /dev/mapper/pd", check=False)
    expect(st != 0, "second log: %s", out)
    vm.out("hactl node set --nvram-detach")
    # A damaged superblock is refused unless formatted explicitly.
    vm.out("printf 'XXXX' | %s of=/dev/mapper/nv bs=1 seek=100 conv=notrunc"
           " status=none && printf 'XXXX' | %s of=/dev/mapper/nv bs=1 "
           "seek=4196 conv=notrunc status=none" % (DD, DD))
    st, out = vm.run("hactl node set --nvram /dev/mapper/nv", check=False)
    expect(st != 0 and "damaged" in out, "damaged log: %s", out)
    vm.out("hactl node set --nvram /dev/mapper/nv --nvram-format")
    expect(wlog_info(vm)["uuid"] != uuid, "format kept the uuid")
    # Another node's log is refused.
    vm.out("hactl node set --nvram-detach && hactl node set --id 5")
    st, out = vm.run("hactl node set --nvram /dev/mapper/nv", check=False)
    expect(st != 0 and "another node" in out, "other node's log: %s", out)
    vm.allow(r"write log on .* damaged")


def test_two_pools(h):
    """Entries of a pool not imported yet survive the import of another:
    pool b's entries sit in the older half, pool a's alone in the newer
    one; after a crash, importing a first must leave b's to b.  Timed
    CPs are off (wlog_cp_ms), so only the log's own CP at half fill runs
    and b's data is in the log alone."""
    vm = h.vm(local_disk_mb=320)
    total = None

    def boot():
        vm.out("insmod /lib/modules/hastor/hastor.ko wlog_cp_ms=600000 && "
               "hactl node set --id 1 --cluster 1 --name a")
        vm.out("dmsetup create nv --table '0 %d linear /dev/vda 0' && "
               "dmsetup create pa --table '0 131072 linear /dev/vda %d' && "
               "dmsetup create pb --table '0 131072 linear /dev/vda %d' && "
               "dmsetup mknodes" % (SMALL_LOG, SMALL_LOG,
                                    SMALL_LOG + 131072))
        vm.out("hactl node set --nvram /dev/mapper/nv")

    def dd(vol, seek, count):
        vm.out("%s if=/dev/urandom of=/dev/mapper/%s:v bs=64k seek=%d "
               "count=%d oflag=direct status=none" % (DD, vol, seek, count))

    def digest(vol, count):
        return vm.out("%s if=/dev/mapper/%s:v bs=64k count=%d iflag=direct "
                      "status=none | sha256sum" % (DD, vol, count)).split()[0]

    boot()
    for p in ("a", "b"):
        vm.out("hactl pool create %s /dev/mapper/p%s && "
               "hactl vol create %s/v --size 16M" % (p, p, p))
    dd("a", 0, 18)              # past half the half: one CP
    wait_for(lambda: wlog_info(vm)["cps"] == 1, 60, "the CP at half fill",
             interval=0.5)
    dd("b", 0, 2)               # b's entries: older half, not covered
    dd("a", 18, 18)             # a's: the switch, then the newer half
    w = wlog_info(vm)
    expect(w["cps"] == 1, "a second CP ran: %s", w)
    live = [x for x in w["halves"] if x["live"]]
    expect(len(live) == 2, "expected both halves live: %s", w)
    want_a, want_b = digest("a", 36), digest("b", 2)
    vm.kill()
    vm.start()
    boot()
    vm.out("hactl pool import a --disks /dev/mapper/pa")
    w = wlog_info(vm)
    expect(any(x["live"] for x in w["halves"]), "b's half freed: %s", w)
    vm.out("hactl pool import b --disks /dev/mapper/pb")
    expect(digest("a", 36) == want_a, "pool a's data differs")
    expect(digest("b", 2) == want_b, "pool b's data differs (its log "
           "entries were dropped)")
    w = wlog_info(vm)
    expect(not any(x["live"] for x in w["halves"]),
           "halves still live with both pools imported: %s", w)


def test_unclean_import(h):
    """A pool that was not exported cleanly is refused without its log;
    with it, it replays.  A clean export needs no log."""
    vm = h.vm(local_disk_mb=320)
    setup(vm)
    disks(vm)
    vm.out("hactl node set --nvram /dev/mapper/nv")
    vm.out("hactl pool create tank /dev/mapper/pd && "
           "hactl vol create tank/v --size 16M")
    vm.out("%s if=/dev/urandom of=/dev/mapper/tank:v bs=64k count=4 "
           "oflag=direct status=none" % DD)
    want = vm.out("%s if=/dev/mapper/tank:v bs=64k count=4 iflag=direct "
                  "status=none | sha256sum" % DD).split()[0]
    vm.kill()
    vm.start()
    setup(vm)
    disks(vm)
    st, out = vm.run("hactl pool import tank --disks /dev/mapper/pd",
                     check=False)
    expect(st != 0, "import without its log succeeded: %s", out)
    dmesg = vm.out("dmesg | tail -n 5")
    expect("attach the node's write log" in dmesg,
           "import without log, kernel log: %s", dmesg)
    vm.out("hactl node set --nvram /dev/mapper/nv")
    vm.out("hactl pool import tank --disks /dev/mapper/pd")
    got = vm.out("%s if=/dev/mapper/tank:v bs=64k count=4 iflag=direct "
                 "status=none | sha256sum" % DD).split()[0]
    expect(got == want, "data differs after replay")
    # Exported cleanly: importable with no log at all.
    vm.out("hactl pool export tank && hactl node set --nvram-detach")
    vm.out("hactl pool import tank --disks /dev/mapper/pd")
    got = vm.out("%s if=/dev/mapper/tank:v bs=64k count=4 iflag=direct "
                 "status=none | sha256sum" % DD).split()[0]
    expect(got == want, "data differs after a clean export")


def test_failed_reimport(h):
    """A pool that fails (its disk errors, so no final CP) and is
    imported again in the same boot: the log's attach-time scan lacks
    what the pool wrote since, so the import is refused; with the log
    attached again (a new scan) it replays, and every acknowledged write
    is there."""
    vm = h.vm(local_disk_mb=320)
    setup(vm)
    disks(vm)
    pd_table = vm.out("dmsetup table pd").strip()
    sectors = pd_table.split()[1]
    vm.out("hactl node set --nvram /dev/mapper/nv")
    vm.out("hactl pool create tank /dev/mapper/pd && "
           "hactl vol create tank/v --size 16M")
    # Written after the log's attach: new blocks whose mappings only the
    # log holds until the next CP.
    vm.out("%s if=/dev/urandom of=/dev/mapper/tank:v bs=64k count=16 "
           "oflag=direct status=none" % DD)
    want = vm.out("%s if=/dev/mapper/tank:v bs=64k count=16 iflag=direct "
                  "status=none | sha256sum" % DD).split()[0]
    # The disk fails: the export's final CP cannot be written.
    vm.out("dmsetup suspend --noflush pd && dmsetup load pd --table "
           "'0 %s error' && dmsetup resume pd" % sectors)
    vm.run("hactl pool export tank", check=False)
    vm.out("dmsetup ls | grep -q hastor-pool-tank && exit 1; "
           "dmsetup suspend pd && dmsetup load pd --table '%s' && "
           "dmsetup resume pd" % pd_table)
    st, out = vm.run("hactl pool import tank --disks /dev/mapper/pd",
                     check=False)
    expect(st != 0, "same-boot re-import of the failed pool succeeded: %s",
           out)
    dmesg = vm.out("dmesg | tail -n 8")
    expect("without a final CP since the log was attached" in dmesg,
           "refusal not explained: %s", dmesg)
    # A new scan of the log has the pool's entries.
    vm.out("hactl node set --nvram-detach && "
           "hactl node set --nvram /dev/mapper/nv")
    vm.out("hactl pool import tank --disks /dev/mapper/pd")
    got = vm.out("%s if=/dev/mapper/tank:v bs=64k count=16 iflag=direct "
                 "status=none | sha256sum" % DD).split()[0]
    expect(got == want, "acknowledged writes lost after the re-import")
    h.note("failed pool: same-boot re-import refused; replayed after the "
           "log was attached again, data intact")


def test_accept_loss(h):
    """The log a crashed pool needs is gone (not attached, then
    reformatted): the import is refused, `--accept-loss` imports it at
    its last CP with a warning, and the pool is consistent and imports
    normally afterwards."""
    vm = h.vm(local_disk_mb=320)

    def crash_with_writes():
        vm.out("%s if=/dev/urandom of=/dev/mapper/tank:v bs=64k count=8 "
               "oflag=direct status=none" % DD)
        vm.kill()
        vm.start()
        setup(vm)
        disks(vm)

    def import_refused_then_forced(what):
        st, out = vm.run("hactl pool import tank --disks /dev/mapper/pd",
                         check=False)
        expect(st != 0, "%s: import succeeded: %s", what, out)
        vm.out("hactl pool import tank --accept-loss --disks /dev/mapper/pd")
        dmesg = vm.out("dmesg | grep 'accept_loss' | tail -n 1")
        expect("are lost" in dmesg, "%s: no warning: %s", what, dmesg)
        vm.out("%s if=/dev/mapper/tank:v of=/dev/null bs=64k count=8 "
               "iflag=direct status=none" % DD)
        vm.out("hactl pool export tank")
        out = vm.out("hactl pool check /dev/mapper/pd")
        expect("clean" in out, "%s: checker: %s", what, out)

    setup(vm)
    disks(vm)
    vm.out("hactl node set --nvram /dev/mapper/nv")
    vm.out("hactl pool create tank /dev/mapper/pd && "
           "hactl vol create tank/v --size 16M")
    crash_with_writes()
    # No log attached at all.
    import_refused_then_forced("no log")
    # Clean now: imports with the log, takes writes, crashes again.
    vm.out("hactl node set --nvram /dev/mapper/nv")
    vm.out("hactl pool import tank --disks /dev/mapper/pd")
    crash_with_writes()
    # The log device was replaced: a new, empty log.
    vm.out("hactl node set --nvram /dev/mapper/nv --nvram-format")
    import_refused_then_forced("reformatted log")
    vm.out("hactl pool import tank --disks /dev/mapper/pd")
    h.note("accept-loss: refused without the log and with a reformatted "
           "one; imported at the last CP with --accept-loss, checker clean")
