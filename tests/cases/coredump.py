# SPDX-License-Identifier: GPL-2.0
"""The coredump disk (Documentation/coredump.md).

`rank`: the ranking's unit test (tests/tools/cdrank.c), on the host.
`cli`: hactl coredump's argument checks, on the host.
`dump`: two guests on shared LUNs: lun1 a dump disk, lun2 a spare,
lun3 a pool member of b, lun4 unlabelled.  a writes a dump of an ELF file; both nodes
list it from the disks alone; b saves it (same sha256, an ELF header
readelf accepts).  a is killed while writing a second dump, which b
lists as torn and saves the verified prefix of; damaged attribute
slots are reported, not trusted; clear frees the disks; a dump sent to
the unlabelled disk labels it as the writer's spare first."""

import json
import os
import re
import subprocess
import time

from hvm import TOP, HarnessError, wait_for

MODULE = "/lib/modules/hastor/hastor.ko"
L1, L2, L3, L4 = ("/dev/shared/lun1", "/dev/shared/lun2",
                  "/dev/shared/lun3", "/dev/shared/lun4")
HACTL = os.path.join(TOP, "tools/hactl/hactl")
MiB = 1 << 20
# HASTOR_DUMP_ATTR_BLOCK, HASTOR_RESERVED_BLOCKS (hastor_format.h)
ATTR_BLOCK = 8
DATA_OFFSET = 256 * 4096


def expect(cond, msg, *args):
    if not cond:
        raise HarnessError(msg % args if args else msg)


def test_rank(h):
    r = subprocess.run(["make", "-s", "-C", os.path.join(TOP, "tests/tools"),
                        "test-cdrank"], capture_output=True, text=True)
    with open(os.path.join(h.dir, "cdrank.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    m = re.search(r"^(\d+) passed, (\d+) failed$", r.stdout, re.M)
    if not m or r.returncode or int(m.group(2)):
        raise HarnessError("cdrank: exit %d\n%s" % (
            r.returncode, (r.stdout + r.stderr)[-3000:]))
    h.note("ranking: %s table cases passed" % m.group(1))


def test_cli(h):
    """Refused arguments exit 2 before any disk is read or written."""
    env = dict(os.environ, HASTOR_MODULE="/nonexistent/hastor.ko")
    env.pop("HACTL_NO_CLIENT_CHECKS", None)
    cases = [
        (["select", "--size", "0"], 2), (["select", "--size", "1X"], 2),
        (["select", "--size"], 2), (["select", "x"], 2),
        (["select", "--bogus"], 2),
        (["write", "--disk", "sda"], 2), (["write", "--disk", "/" + "a" * 300], 2),
        (["write", "--from", ""], 2), (["write", "x"], 2),
        (["list", "relative"], 2), (["save", "12"], 2),
        (["save", "zz", "/tmp/x"], 2), (["save", "0", "/tmp/x"], 2),
        (["save", "1" * 17, "/tmp/x"], 2), (["save", "-1", "/tmp/x"], 2),
        (["save", "12", ""], 2), (["save", "1", "2", "3"], 2),
        (["clear"], 2), (["clear", "a", "b"], 2), (["clear", "xyz"], 2),
        (["clear", "0x12"], 2), (["bogus"], 2),
        (["select", "--help"], 0), (["save", "--help"], 0),
        # accepted, then the module is missing
        (["select", "--size", "64M", "--dry-run"], 1),
        (["write", "--from", "/nonexistent"], 1),
    ]
    for args, want in cases:
        r = subprocess.run([HACTL, "coredump"] + args, env=env,
                           capture_output=True, text=True)
        expect(r.returncode == want, "hactl coredump %s: exit %d, want %d\n%s",
               args, r.returncode, want, r.stderr)
        expect(want != 2 or "Usage:" in r.stderr, "%s: no usage: %s", args,
               r.stderr)
    h.note("%d argument cases" % len(cases))


def setup(vm):
    vm.out("insmod %s && hactl node set --id %d --cluster 7 --name %s"
           % (MODULE, vm.index, vm.name))


def dumps(vm, *extra):
    out = json.loads(vm.out("hactl -j coredump list %s" % " ".join(extra)))
    return out["dumps"]


def by_disk(vm, ds):
    names = {}
    for lun in (L1, L2, L3, L4):
        names[vm.out("readlink -f %s" % lun).strip()] = lun
    return {names.get(d["disk"], d["disk"]): d for d in ds}


def ranking(vm, size, status=0):
    """The ranking; exit status 1 when no disk is eligible."""
    st, out = vm.run("hactl -j coredump select --dry-run --size %d" % size,
                     check=False)
    expect(st == status, "select: exit %d, want %d: %s", st, status, out)
    out = json.loads(out.splitlines()[0])
    return out, by_disk(vm, [dict(d, disk=d["path"]) for d in out["disks"]])


def sha(vm, path):
    return vm.out("sha256sum %s" % path).split()[0]


def host_readelf(h, lun, size):
    """readelf -h on the dump as it lies on the LUN's backing file."""
    img = os.path.join(h.dir, "fabric", "lun%d.img" % lun)
    out = os.path.join(h.dir, "dump-lun%d.elf" % lun)
    with open(img, "rb") as f, open(out, "wb") as o:
        f.seek(DATA_OFFSET)
        o.write(f.read(size))
    r = subprocess.run(["readelf", "-h", out], capture_output=True, text=True)
    expect(r.returncode == 0 and "ELF Header" in r.stdout and
           not r.stderr.strip(), "readelf -h on the dump:\n%s%s",
           r.stdout, r.stderr)
    os.unlink(out)


def test_dump(h):
    a, b = h.pair(luns=4, links=0, local_disk_mb=0)
    for vm in (a, b):
        setup(vm)
    a.out("hactl disk assign %s --owner 1 --role dump && "
          "hactl disk assign %s --owner 1" % (L1, L2))
    lab = by_disk(a, [dict(d, disk=d["path"]) for d in json.loads(
        a.out("hactl -j disk list"))["disks"]])[L1]["label"]
    expect(lab["type"] == "spare" and lab["role"] == "dump",
           "lun1 label: %s", lab)
    b.out("hactl pool create tank %s" % L3, timeout=300)

    # The ranking, with a reason for each disk.
    sel, r = ranking(a, 32 * MiB)
    a.log(a.out("hactl coredump select --dry-run --size 32M"))
    expect(r[L1]["rank"] == 1 and "ahead on role" in r[L1]["reason"] and
           r[L2]["rank"] == 2 and "behind on role" in r[L2]["reason"] and
           not r[L3]["eligible"] and "pool member" in r[L3]["reason"] and
           r[L4]["rank"] == 3 and "unlabelled" in r[L4]["reason"],
           "ranking: %s", sel)
    # Something at an unlabelled disk's start (btrfs's place, block 16):
    # not free.
    dd = ("head -c 4096 /dev/%s | /usr/bin/dd of=%s bs=4096 seek=16 "
          "oflag=direct conv=notrunc status=none")
    a.out(dd % ("urandom", L4))
    _, r = ranking(a, 32 * MiB)
    expect(not r[L4]["eligible"] and "not blank" in r[L4]["reason"],
           "lun4 with data: %s", r[L4])
    a.out(dd % ("zero", L4))
    _, r = ranking(a, 512 * MiB, 1)
    expect(not any(d["eligible"] for d in r.values()) and
           "too small" in r[L1]["reason"], "512 MiB: %s", r)
    st, _ = a.run("hactl coredump select --size 512M", check=False)
    expect(st == 1, "select without an eligible disk: exit %d", st)

    # A 24 MiB file that starts as an ELF executable.
    size = 24 * MiB
    a.out("{ cat /usr/sbin/hactl; head -c %d /dev/urandom; } | head -c %d "
          "> /tmp/core" % (size, size))
    want = sha(a, "/tmp/core")
    out = a.out("hactl coredump write --from /tmp/core", timeout=600)
    m = re.search(r"complete: (\d+) bytes in ([\d.]+) s, ([\d.]+) MiB/s", out)
    expect(m and int(m.group(1)) == size, "write: %s", out)
    speed = float(m.group(3))
    dm = re.search(r"^dump ([0-9a-f]{16}) to (\S+)", out, re.M)
    expect(dm, "no dump id: %s", out)
    dump_id = dm.group(1)
    for vm in (a, b):
        d = by_disk(vm, dumps(vm))
        expect(list(d) == [L1] and d[L1]["state"] == "complete" and
               d[L1]["id"] == dump_id and d[L1]["node"] == 1 and
               d[L1]["size"] == size and d[L1]["written"] == size and
               d[L1]["node_name"] == "a", "%s lists %s", vm, d)
    b.log(b.out("hactl coredump list"))
    out = b.out("hactl coredump save %s /tmp/saved" % dump_id, timeout=600)
    expect("all 24 chunks verified" in out, "save: %s", out)
    expect(sha(b, "/tmp/saved") == want, "saved dump differs")
    expect(b.out("head -c 4 /tmp/saved | od -An -tx1").split() ==
           ["7f", "45", "4c", "46"], "no ELF magic")
    host_readelf(h, 1, size)

    # lun1 holds a dump now: the next one goes to lun2.
    _, r = ranking(a, 32 * MiB)
    expect(not r[L1]["eligible"] and "not cleared" in r[L1]["reason"] and
           r[L2]["rank"] == 1, "ranking with a dump on lun1: %s", r)

    # Killed while writing: torn, and the verified prefix is saved.  The
    # source is eight copies of the first, which b has as /tmp/saved.
    big = 8 * size
    src = "for i in 1 2 3 4 5 6 7 8; do cat %s; done > /tmp/big"
    a.out(src % "/tmp/core")
    job = a.spawn("hactl coredump write --from /tmp/big")
    job.wait_output(r"^written \d+ of", timeout=300)
    a.kill()
    d = by_disk(b, dumps(b))
    expect(d[L2]["state"] in ("in-progress", "torn"), "after the kill: %s", d)
    torn_id = d[L2]["id"]
    d = wait_for(lambda: (lambda x: x[L2]["state"] == "torn" and x)(
        by_disk(b, dumps(b))), 60, "the dump to be torn", interval=2)
    written = d[L2]["written"]
    expect(0 < written < big and d[L2]["size"] == big,
           "torn dump: %s", d[L2])
    out = b.out("hactl -j coredump save %s /tmp/torn" % torn_id, timeout=600)
    sv = json.loads(out.splitlines()[-1])["save"]
    expect(sv["state"] == "torn" and not sv["whole"] and
           written <= sv["saved"] < big and sv["saved"] % MiB == 0,
           "torn save: %s", sv)
    prefix = b.out("for i in 1 2 3 4 5 6 7 8; do cat /tmp/saved; done | "
                   "head -c %d | sha256sum" % sv["saved"]).split()[0]
    expect(sha(b, "/tmp/torn") == prefix,
           "the torn dump's prefix differs from what was written")
    b.out("rm -f /tmp/torn")

    # One damaged slot: the other one is used and the damage noted.
    d = by_disk(b, dumps(b))[L1]
    older = ATTR_BLOCK + (d["generation"] + 1) % 2
    b.out("head -c 4096 /dev/urandom | /usr/bin/dd of=%s bs=4096 seek=%d "
          "oflag=direct conv=notrunc status=none" % (L1, older))
    d = by_disk(b, dumps(b))[L1]
    expect(d["state"] == "complete" and "does not check" in d.get("note", ""),
           "one slot damaged: %s", d)
    # Both slots damaged: corrupt, not trusted, not chosen.
    b.out("head -c 8192 /dev/urandom | /usr/bin/dd of=%s bs=4096 seek=%d "
          "oflag=direct conv=notrunc status=none" % (L2, ATTR_BLOCK))
    d = by_disk(b, dumps(b))[L2]
    expect(d["state"] == "corrupt" and "id" not in d, "garbage: %s", d)
    st, out = b.run("hactl coredump save %s /tmp/x" % torn_id, check=False)
    expect(st == 1 and "no dump" in out, "save of a corrupt dump: %s", out)
    _, r = ranking(b, 32 * MiB)
    expect(r[L4]["rank"] == 1 and not r[L2]["eligible"] and "do not check" in r[L2]["reason"],
           "corrupt lun2 ranked: %s", r[L2])
    b.log(b.out("hactl coredump list"))

    # Clear frees both disks.
    b.out("hactl coredump clear %s && hactl coredump clear %s" % (dump_id, L2))
    expect(dumps(b) == [], "after clear: %s", dumps(b))
    cleared = by_disk(b, dumps(b, "--all"))
    expect(cleared[L1]["state"] == "cleared", "cleared: %s", cleared)
    _, r = ranking(b, 32 * MiB)
    expect(r[L1]["rank"] == 1 and r[L2]["rank"] == 2 and r[L4]["rank"] == 3,
           "after clear: %s", r)
    st, out = b.run("hactl coredump save %s /tmp/x" % dump_id, check=False)
    expect(st == 1, "save of a cleared dump: %s", out)

    # The unlabelled disk, named: labelled as b's spare, b registered.
    b.out("head -c %d /tmp/saved > /tmp/small && hactl coredump write "
          "--from /tmp/small --disk %s" % (2 * MiB, L4))
    disk = by_disk(b, [dict(x, disk=x["path"]) for x in json.loads(
        b.out("hactl -j disk list"))["disks"]])[L4]
    expect(disk["label"]["type"] == "spare" and disk["label"]["owner"] == 2
           and [k["node"] for k in disk["pr"]["keys"]] == [2],
           "lun4 after a dump: %s", disk)
    d = by_disk(b, dumps(b))
    expect(d[L4]["state"] == "complete" and d[L4]["node"] == 2,
           "lun4's dump: %s", d)
    # A pool member, named, is refused with the reason.
    st, out = b.run("hactl coredump write --from /tmp/small --disk %s" % L3,
                    check=False)
    expect(st == 1 and "a pool member" in out, "write to lun3: %s", out)
    h.note("coredump write: %.1f MiB/s (24 MiB, TCG, iSCSI LUN); torn "
           "dump: %d of %d MiB recovered" % (speed, sv["saved"] // MiB,
                                              big // MiB))
