# SPDX-License-Identifier: GPL-2.0
"""Self-tests of the QEMU harness: the shared fabric, real SCSI-3
persistent reservations through it, and the interconnect links.  Every
later test builds on these three facts."""

from hvm import HarnessError

LUN = "/dev/shared/lun1"


def write_block(vm, dev, offset, pattern):
    """Direct 4 KiB write of a repeated pattern at block `offset`."""
    return vm.run("head -c 4096 /dev/zero | tr '\\000' '%s' | "
                  "/usr/bin/dd of=%s bs=4096 seek=%d count=1 oflag=direct "
                  "conv=notrunc status=none" % (pattern, dev, offset),
                  check=False)


def expect_conflict(vm, offset, pattern):
    """The write must fail, and with EBADE: sd's errno for a SCSI
    reservation conflict, so any other failure does not pass for one."""
    st, out = write_block(vm, LUN, offset, pattern)
    if st == 0:
        raise HarnessError("%s wrote through a reservation it lacks" % vm)
    if "Invalid exchange" not in out:
        raise HarnessError("%s: write failed, but not by a reservation "
                           "conflict: %s" % (vm, out))


def read_block_sum(vm, dev, offset):
    return vm.out("/usr/bin/dd if=%s bs=4096 skip=%d count=1 iflag=direct "
                  "status=none | sha256sum" % (dev, offset)).split()[0]


def test_shared_disk(h):
    a, b = h.pair(links=0, local_disk_mb=0)
    # Both guests see the same LUNs under the same names.
    for vm in (a, b):
        vm.out("for i in 1 2 3 4; do test -b /dev/shared/lun$i; done")
    a.out("head -c 4096 /dev/urandom > /tmp/blk && "
          "/usr/bin/dd if=/tmp/blk of=%s bs=4096 seek=7 oflag=direct conv=notrunc "
          "status=none" % LUN)
    want = a.out("sha256sum < /tmp/blk").split()[0]
    got = read_block_sum(b, LUN, 7)
    if got != want:
        raise HarnessError("B read %s, A wrote %s" % (got, want))


def test_persistent_reservations(h):
    a, b = h.pair(links=0, local_disk_mb=0)
    key_a, key_b = "0xaaaa", "0xbbbb"
    for vm, key in ((a, key_a), (b, key_b)):
        vm.out("sg_persist -n --out --register --param-sark=%s %s"
               % (key, LUN))
    keys = a.out("sg_persist -n --in --read-keys %s" % LUN)
    for key in (key_a, key_b):
        if key not in keys:
            raise HarnessError("key %s not registered:\n%s" % (key, keys))
    # Write Exclusive (type 1) held by A.
    a.out("sg_persist -n --out --reserve --param-rk=%s --prout-type=1 %s"
          % (key_a, LUN))
    res = b.out("sg_persist -n --in --read-reservation %s" % LUN)
    if key_a not in res:
        raise HarnessError("reservation not held by A:\n%s" % res)
    expect_conflict(b, 3, "b")
    st, out = write_block(a, LUN, 3, "a")
    if st:
        raise HarnessError("A could not write its reserved LUN: %s" % out)
    # B preempts A: A's registration and reservation go, B holds it.
    b.out("sg_persist -n --out --preempt --param-rk=%s --param-sark=%s "
          "--prout-type=1 %s" % (key_b, key_a, LUN))
    expect_conflict(a, 3, "A")
    st, out = write_block(b, LUN, 3, "B")
    if st:
        raise HarnessError("B could not write after preempting: %s" % out)
    want = b.out("head -c 4096 /dev/zero | tr '\\000' B | sha256sum"
                 ).split()[0]
    if read_block_sum(a, LUN, 3) != want:
        raise HarnessError("block 3 does not hold B's write")
    # The sd driver logs each refused write; those lines are expected.
    for vm in (a, b):
        vm.allow(r"reservation conflict")


def rx_packets(vm, dev):
    return int(vm.out("cat /sys/class/net/%s/statistics/rx_packets" % dev))


def test_link_cut(h):
    a, b = h.pair(luns=0, links=2, local_disk_mb=0)
    peer = {0: "192.0.2.2", 1: "192.0.2.18"}
    for link in (0, 1):
        a.out("ping -c 2 -W 5 %s" % peer[link])
    a.set_link(0, False)
    before = rx_packets(b, "ic0")
    st, _ = a.run("ping -c 3 -W 1 %s" % peer[0], check=False)
    if st == 0:
        raise HarnessError("ping crossed the cut link 0")
    if rx_packets(b, "ic0") != before:
        raise HarnessError("B still receives on the cut link 0")
    a.out("ping -c 2 -W 5 %s" % peer[1])
    a.set_link(0, True)
    a.out("ping -c 2 -W 5 %s" % peer[0])


def test_detects_kernel_reports(h):
    """A WARNING on a guest console must be caught by the teardown check.
    A kernel-format line written to /dev/kmsg reaches the console like a
    real one; once seen, the test allows it so that it passes."""
    from hvm import wait_for
    vm = h.vm()
    marker = "WARNING: CPU: 0 PID: 1 at hastor-harness-selftest"
    vm.out("echo '<4>%s' > /dev/kmsg" % marker)
    wait_for(lambda: any(marker in p for p in vm.problems()), 30,
             "the console check to report the marker")
    vm.allow("hastor-harness-selftest")
    if vm.problems():
        raise HarnessError("unexpected reports: %s" % vm.problems())
