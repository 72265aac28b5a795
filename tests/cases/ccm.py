# SPDX-License-Identifier: GPL-2.0
"""The interconnect between two nodes: links come up authenticated on both
interconnect networks, a wrong secret is refused, hostile frames are
refused and counted, and the ping channel loses, duplicates, reorders or
corrupts nothing while links are cut and restored.  No assertion depends
on timing: every wait is for a state, with a timeout sized for TCG."""

import json
import re

from hvm import HarnessError, wait_for

MODULE = "/lib/modules/hastor/hastor.ko"
SECRET = "hastor-test-secret-0123456789abcdef"
PORT = 11100
# Fast enough for tests, slow enough for two TCG guests on a busy host.
HB = "--hb-interval 300 --hb-timeout 4000"


def expect(cond, msg, *args):
    if not cond:
        raise HarnessError(msg % args if args else msg)


def links(vm):
    return json.loads(vm.out("hactl -j link show"))["links"]


def partner(vm):
    return json.loads(vm.out("hactl -j partner show"))["partner"]


def monitor(vm):
    """`hactl -j monitor`, once it provably receives events."""
    mon = vm.spawn("exec hactl -j monitor")
    for i in range(100):
        vm.out("hactl node set --name probe-%d" % i)
        try:
            mon.wait_output(r'"name":\s*"probe-%d"' % i, timeout=2)
            return mon
        except HarnessError:
            continue
    raise HarnessError("%s: monitor saw no event: %s" % (vm, mon.output))


def configure(vm, secret=SECRET, extra=HB):
    idx = vm.index
    peer = 3 - idx
    vm.out("printf '%%s' '%s' > /tmp/secret" % secret)
    vm.out("hactl partner set --id %d --link 192.0.2.%d,192.0.2.%d "
           "--link 192.0.2.%d,192.0.2.%d --secret-file /tmp/secret %s"
           % (peer, idx, peer, 16 + idx, 16 + peer, extra))


def start(h, monitors=False):
    a, b = h.pair(luns=0, links=2, local_disk_mb=0)
    mons = []
    for vm in (a, b):
        vm.out("insmod %s" % MODULE)
        vm.out("hactl node set --id %d --cluster 7 --name %s"
               % (vm.index, vm.name))
        if monitors:
            mons.append(monitor(vm))
    return a, b, mons


def wait_links(vm, want, timeout=120):
    """Until every link's state is in want (a dict index -> state)."""
    def ok():
        ls = links(vm)
        return all(ls[i]["state"] == s for i, s in want.items()) and ls
    return wait_for(ok, timeout, "%s links %s" % (vm, want), interval=1)


def wait_partner(vm, state, timeout=120):
    return wait_for(lambda: partner(vm)["state"] == state and partner(vm),
                    timeout, "%s partner %s" % (vm, state), interval=1)


def ping(vm, count, size=256, check=True, timeout=600):
    st, out = vm.run("hactl -j partner ping --count %d --size %d"
                     % (count, size), timeout=timeout, check=False)
    if not check:
        return st, out
    if st:
        raise HarnessError("%s: ping failed (%d): %s" % (vm, st, out))
    return json.loads(out)["ping"]


def clean(p, count):
    expect(p["sent"] == count and p["echoed"] == count and p["lost"] == 0
           and p["duplicated"] == 0 and p["out_of_order"] == 0
           and p["corrupted"] == 0, "ping not clean: %s", p)


def test_links_up(h):
    a, b, mons = start(h, monitors=True)
    configure(a)
    configure(b)
    for vm in (a, b):
        wait_links(vm, {0: "up", 1: "up"})
        wait_partner(vm, "reachable")
    # RTT comes from heartbeat echoes; wait for one on every link.
    for vm in (a, b):
        ls = wait_for(lambda: all(l["rtt_us"] for l in links(vm))
                      and links(vm), 60, "RTT on every link", interval=1)
        for l in ls:
            expect(l["auth_failures"] == 0 and l["bad_frames"] == 0,
                   "errors on a good link: %s", l)
        h.note("%s: rtt link0 %.3f ms, link1 %.3f ms" % (
            vm, ls[0]["rtt_us"] / 1000.0, ls[1]["rtt_us"] / 1000.0))
    expect(partner(a)["session"] == partner(b)["session"],
           "sessions differ: %s / %s", partner(a), partner(b))
    for mon in mons:
        mon.wait_output(r'"event":"partner","what":"reachable"')
        mon.wait_output(r'"event":"link","link":\{"index":0,[^}]*'
                        r'"state":"up"')
        mon.wait_output(r'"event":"link","link":\{"index":1,[^}]*'
                        r'"state":"up"')
    p = ping(a, 100)
    clean(p, 100)
    h.note("ping 100 x 256 B: rtt min/avg/max %d/%d/%d us"
           % (p["rtt_min_us"], p["rtt_avg_us"], p["rtt_max_us"]))
    human = a.out("hactl link show")
    expect("192.0.2.17" in human and "up" in human, "link show: %s", human)
    show = a.out("hactl partner show")
    expect("reachable" in show and SECRET not in show, "partner show: %s",
           show)
    # Clearing and setting again tears everything down and comes back.
    a.out("hactl partner clear")
    wait_partner(b, "unreachable")
    configure(a)
    wait_partner(a, "reachable")
    clean(ping(b, 50), 50)
    for mon in mons:
        mon.kill()
        mon.wait()


def test_wrong_secret(h):
    a, b, _ = start(h)
    configure(a)
    configure(b, secret="not-the-right-secret-at-all-42")

    def refused(vm):
        return all(l["auth_failures"] >= 2 for l in links(vm))
    for vm in (a, b):
        wait_for(lambda: refused(vm), 120, "%s counts auth failures" % vm,
                 interval=1)
    for vm in (a, b):
        expect(partner(vm)["state"] == "unreachable", "%s reachable" % vm)
        for l in links(vm):
            expect(l["state"] != "up" and l["uptimes"] == 0,
                   "%s: link up with a wrong secret: %s", vm, l)
    st, out = ping(a, 1, check=False)
    expect(st == 1 and "unreachable" in out, "ping: %d %s", st, out)
    # The right secret, and all is well.
    configure(b)
    for vm in (a, b):
        wait_partner(vm, "reachable")
    clean(ping(a, 20), 20)


def test_hostile_frames(h):
    a, b, _ = start(h)
    configure(a)
    configure(b)
    for vm in (a, b):
        wait_links(vm, {0: "up", 1: "up"})
    before = links(b)[0]
    cases = a.out("icbad list").split()
    for case in cases:
        # From node a to b's listening port, claiming a's identities.
        st, out = a.run("icbad 192.0.2.2 %d %s 7 1 2 0" % (PORT, case),
                        timeout=60, check=False)
        expect(st == 0 and "closed" in out, "icbad %s: %d %s", case, st, out)
    after = links(b)[0]
    # 13 malformed frames, one wrong version, three wrong identities
    # and one wrong proof; a truncated frame is only a closed connection.
    for key, least in (("bad_frames", 13), ("version_mismatch", 1),
                       ("auth_failures", 4)):
        expect(after[key] - before[key] >= least,
               "%s counted %d, want >= %d", key, after[key] - before[key],
               least)
    h.note("hostile: %d cases; b link0 bad_frames +%d, version_mismatch +%d,"
           " auth_failures +%d" % (
               len(cases), after["bad_frames"] - before["bad_frames"],
               after["version_mismatch"] - before["version_mismatch"],
               after["auth_failures"] - before["auth_failures"]))
    # The good connections never noticed.
    for vm in (a, b):
        for l in links(vm):
            expect(l["state"] == "up" and l["uptimes"] == 1,
                   "%s: a good link went down: %s", vm, l)
    clean(ping(a, 50), 50)


def link_counter(vm, i, key):
    return links(vm)[i][key]


def test_link_cut(h):
    a, b, mons = start(h, monitors=True)
    configure(a)
    configure(b)
    for vm in (a, b):
        wait_links(vm, {0: "up", 1: "up"})
    expect(links(a)[0]["active"] == 1, "link 0 not active: %s", links(a))
    tx1 = link_counter(a, 1, "tx_msgs")
    count = 4000
    job = a.spawn("hactl -j partner ping --count %d --size 1024" % count)
    # Cut link 0 while messages flow on it.
    wait_for(lambda: link_counter(a, 0, "tx_msgs") > 300, 120,
             "ping traffic on link 0", interval=0.5)
    a.set_link(0, False)
    for vm in (a, b):
        wait_links(vm, {0: "down", 1: "up"}, timeout=120)
    st = job.wait(900)
    expect(st == 0, "ping during the cut failed (%d): %s", st, job.output)
    p = json.loads(job.output)["ping"]
    clean(p, count)
    la = links(a)
    expect(la[1]["tx_msgs"] > tx1, "link 1 carried nothing: %s", la[1])
    expect(la[1]["active"] == 1, "link 1 not active: %s", la)
    resends = la[0]["resends"] + la[1]["resends"]
    h.note("cut link 0 under ping %d x 1 KiB: lost 0, dup 0, reordered 0,"
           " corrupted 0; a resends %d (link1 tx_msgs %d), rtt avg %d us"
           % (count, resends, la[1]["tx_msgs"] - tx1, p["rtt_avg_us"]))
    for mon in mons:
        mon.wait_output(r'"event":"link","link":\{"index":0,[^}]*'
                        r'"state":"down"')
    expect(partner(a)["state"] == "reachable", "partner lost with one link")
    # Restore: link 0 comes back and carries the channels again.
    a.set_link(0, True)
    for vm in (a, b):
        wait_links(vm, {0: "up", 1: "up"}, timeout=180)
    tx0 = link_counter(a, 0, "tx_msgs")
    clean(ping(a, 200), 200)
    la = links(a)
    expect(la[0]["tx_msgs"] > tx0 and la[0]["active"] == 1,
           "link 0 not used again: %s", la[0])
    for mon in mons:
        mon.kill()
        mon.wait()


def test_partner_lost(h):
    a, b, mons = start(h, monitors=True)
    configure(a)
    configure(b)
    for vm in (a, b):
        wait_partner(vm, "reachable")
        wait_links(vm, {0: "up", 1: "up"})
    session = partner(a)["session"]
    clean(ping(a, 20), 20)
    for link in (0, 1):
        a.set_link(link, False)
    for vm in (a, b):
        wait_partner(vm, "unreachable", timeout=180)
    for mon in mons:
        mon.wait_output(r'"event":"partner","what":"unreachable"')
    st, out = ping(a, 10, check=False)
    expect(st == 1 and "unreachable" in out, "ping while cut: %d %s", st,
           out)
    for link in (0, 1):
        a.set_link(link, True)
    for vm in (a, b):
        wait_partner(vm, "reachable", timeout=180)
    new = partner(a)["session"]
    expect(new != session and new == partner(b)["session"],
           "no new common session: %s -> %s / %s", session, new,
           partner(b)["session"])
    for mon in mons:
        n = len(re.findall(r'"what":"reachable"', mon.output))
        expect(n >= 2, "%d reachable events", n)
    clean(ping(a, 100), 100)
    clean(ping(b, 100), 100)
    for mon in mons:
        mon.kill()
        mon.wait()
    # A partner that comes back with a new boot id (module reloaded, well
    # within the heartbeat timeout) gets a new session too.
    b.out("rmmod hastor && insmod %s && hactl node set --id 2 --cluster 7"
          % MODULE)
    configure(b)
    wait_for(lambda: partner(a)["state"] == "reachable" and
             partner(a)["session"] not in (new, "0" * 16) and
             partner(a)["session"] == partner(b)["session"], 180,
             "a new session with the reloaded partner", interval=1)
    clean(ping(a, 50), 50)


def test_partner_refused(h):
    """PARTNER_SET refusals, by hactl and by the kernel, change nothing."""
    vm = h.vm()
    vm.out("insmod %s" % MODULE)
    vm.out("printf '%%s' '%s' > /tmp/secret && printf short > /tmp/short"
           % SECRET)
    ok_link = "--link 192.0.2.1,192.0.2.2"
    st, out = vm.run("hactl partner set --id 2 %s --secret-file /tmp/secret"
                     % ok_link, check=False)
    expect(st == 1 and "configure the node" in out, "before node set: %s",
           out)
    vm.out("hactl node set --id 1 --cluster 7")
    # The kernel refuses these even when hactl lets them through.
    kernel = [
        ("--id 1 %s" % ok_link, "cannot be this node"),
        ("--id 0 %s" % ok_link, "out of range"),
        ("--id 2 %s --secret-file /tmp/short" % ok_link, "out of range"),
        ("--id 2 %s --hb-interval 1000 --hb-timeout 1500" % ok_link,
         "two intervals"),
        ("--id 2 %s --hb-interval 10" % ok_link, "out of range"),
        ("--id 2 " + " ".join("--link 192.0.2.%d,192.0.2.%d" % (i, i + 100)
                              for i in range(1, 6)), "too many links"),
        ("--id 2 --link 192.0.2.1,192.0.2.2 --link 192.0.2.1,192.0.2.3",
         "share a local address"),
        ("--id 2 --link 192.0.2.1,192.0.2.1", "the same"),
        ("--id 2 --link 0.0.0.0,192.0.2.2", "unicast"),
    ]
    for args, msg in kernel:
        if "--secret-file" not in args:
            args += " --secret-file /tmp/secret"
        st, out = vm.run("HACTL_NO_CLIENT_CHECKS=1 hactl partner set %s"
                         % args, check=False)
        expect(st == 1 and msg in out, "kernel check of %s: %d %s", args,
               st, out)
        expect(partner(vm) is None, "%s configured a partner", args)
    for args in ("--id 0 %s --secret-file /tmp/secret" % ok_link,
                 "--id 2 --secret-file /tmp/secret",
                 "--id 2 %s" % ok_link,
                 "--id 2 --link 192.0.2.1 --secret-file /tmp/secret",
                 "--id 2 %s --secret-file /tmp/short" % ok_link,
                 "--id 2 %s --secret-file /tmp/secret --port 70000"
                 % ok_link,
                 "--id 2 %s --secret-file /tmp/secret --bogus" % ok_link):
        st, out = vm.run("hactl partner set %s" % args, check=False)
        expect(st == 2, "client check of %s: %d %s", args, st, out)
    st, out = vm.run("hactl partner ping", check=False)
    expect(st == 1 and "unreachable" in out, "ping alone: %d %s", st, out)
    st, out = vm.run("hactl partner clear", check=False)
    expect(st == 1 and "no partner" in out, "clear: %d %s", st, out)

    # A partner that never answers: configured, unreachable, links down;
    # a refused change leaves it as it was.
    vm.out("hactl partner set --id 2 %s --secret-file /tmp/secret" % ok_link)
    p = partner(vm)
    expect(p["id"] == 2 and p["state"] == "unreachable" and
           p["secret_len"] == len(SECRET), "partner: %s", p)
    st, out = vm.run("HACTL_NO_CLIENT_CHECKS=1 hactl partner set --id 1 %s "
                     "--secret-file /tmp/secret" % ok_link, check=False)
    expect(st == 1 and partner(vm)["id"] == 2, "refused set changed it")
    ls = links(vm)
    expect(len(ls) == 1 and ls[0]["state"] != "up", "links: %s", ls)
    st, out = vm.run("/usr/bin/setpriv --reuid=65534 --regid=65534 "
                     "--clear-groups hactl link show", check=False)
    expect(st == 1 and "not permitted" in out, "unprivileged: %d %s", st,
           out)
    vm.out("hactl partner clear")
    expect(partner(vm) is None and links(vm) == [], "clear left something")


def test_stock_pair(h):
    """Two guests on Debian's stock kernel: its crypto API and sockets
    carry the same handshake and channels."""
    a, b = h.pair(luns=0, links=2, local_disk_mb=0, kernel="stock")
    for vm in (a, b):
        vm.out("insmod %s" % MODULE)
        vm.out("hactl node set --id %d --cluster 7" % vm.index)
        configure(vm)
    for vm in (a, b):
        wait_links(vm, {0: "up", 1: "up"})
    clean(ping(a, 200, size=4096), 200)
    clean(ping(b, 200, size=4096), 200)
