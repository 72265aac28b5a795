# SPDX-License-Identifier: GPL-2.0
"""The hastor netlink family through hactl and through hand-made bad
requests (tests/tools/nlbad): what is accepted, what is refused, that a
refusal says why, and that it changes nothing."""

import json

from hvm import HarnessError

MODULE = "/lib/modules/hastor/hastor.ko"

# nlbad cases and whether the kernel must explain itself in the extended
# ack.  The genl core refuses unknown commands before any policy runs and
# gives no message for those.
BAD_CASES = {
    "unknown-top": True,
    "unknown-nested": True,
    "readonly-attr": True,
    "id-zero": True,
    "id-too-big": True,
    "cluster-zero": True,
    "id-short": True,
    "name-long": True,
    "name-badchar": True,
    "name-empty": True,
    "name-unterminated": True,
    "missing-nest": True,
    "empty-nest": True,
    "get-with-attr": True,
    "unknown-cmd": False,
    "ntf-cmd": False,
    "ha-send-long": True,
    "ha-send-no-msg": True,
    "ha-send-session": True,
    "ha-send-missing-nest": True,
    "ha-ntf-cmd": False,
}


def node(vm):
    return json.loads(vm.out("hactl -j node show"))["node"]


def expect(cond, msg, *args):
    if not cond:
        raise HarnessError(msg % args if args else msg)


def test_node_identity(h):
    vm = h.vm()
    st, out = vm.run("hactl node show", check=False)
    expect(st == 1 and "not loaded" in out,
           "node show without the module: status %d: %s", st, out)
    # hactl loads the module itself (libkmod) when given its path.
    show = json.loads(vm.out("hactl -m %s -j node show" % MODULE))
    expect(show["module"]["family_version"] == 1, "family version: %s", show)
    expect(show["node"]["state"] == "unconfigured", "fresh node: %s", show)
    expect("id" not in show["node"], "unconfigured node has an id: %s", show)
    ver = vm.out("hactl version")
    expect(show["module"]["version"] in ver, "version: %s", ver)

    mon = vm.spawn("exec hactl -j monitor")
    # The monitor subscribes asynchronously: configure, then change the
    # name until an event shows it is listening.
    vm.out("hactl node set --id 1 --cluster 7 --name alpha")
    for i in range(100):
        vm.out("hactl node set --name probe-%d" % i)
        try:
            mon.wait_output(r'"name":\s*"probe-%d"' % i, timeout=2)
            break
        except HarnessError:
            continue
    else:
        raise HarnessError("monitor saw no event: %s" % mon.output)
    gen = node(vm)["generation"]

    after = json.loads(vm.out("hactl -j node set --id 3 --name beta")[:])
    n = after["node"]
    expect(n["id"] == 3 and n["cluster_id"] == 7 and n["name"] == "beta"
           and n["generation"] == gen + 1, "set reply: %s", after)
    expect(n["pr_key"] == "0x4853000000070003", "PR key: %s", n)
    mon.wait_output(r'"name":\s*"beta"')
    # Setting what is already set is no change: no event, same
    # generation.  The next real change must be the next event.
    vm.out("hactl node set --id 3 --name beta")
    expect(node(vm)["generation"] == gen + 1, "no-op bumped generation")
    vm.out("hactl node set --cluster 8")
    mon.wait_output(r'"cluster_id":\s*8')
    events = [json.loads(line) for line in mon.output.splitlines()
              if line.startswith("{")]
    tail = [e["node"]["generation"] for e in events[-2:]]
    expect(tail == [gen + 1, gen + 2], "event generations: %s", tail)
    human = vm.out("hactl node show")
    for want in ("configured", "beta", "0x4853000000080003"):
        expect(want in human, "human node show lacks %s:\n%s", want, human)
    mon.kill()
    mon.wait()


def test_bad_input(h):
    vm = h.vm()
    vm.out("insmod %s" % MODULE)
    # First configuration needs both ids; a name alone is refused.
    out = vm.out("nlbad first-needs-ids")
    expect("required" in out, "first-needs-ids: %s", out)
    expect(node(vm)["state"] == "unconfigured", "refused set configured")
    vm.out("hactl node set --id 1 --cluster 7 --name alpha")
    before = node(vm)

    for case, needs_msg in BAD_CASES.items():
        st, out = vm.run("nlbad %s" % case, check=False)
        expect(st == 0, "%s: accepted or failed locally (%d): %s",
               case, st, out)
        expect("errno=0 " not in out, "%s: no error: %s", case, out)
        if needs_msg:
            expect("msg=-" not in out, "%s: no extended ack: %s", case, out)
        expect(node(vm) == before, "%s changed the node", case)
    vm.out("nlbad ok-get")

    # The kernel, not only hactl, refuses out-of-range values.
    for args in ("--id 0", "--id 65536", "--cluster 0", "--name a/b",
                 "--name " + "x" * 64):
        st, out = vm.run("hactl node set %s" % args, check=False)
        expect(st == 2, "client check of %s: status %d: %s", args, st, out)
        st, out = vm.run("HACTL_NO_CLIENT_CHECKS=1 hactl node set %s"
                         % args, check=False)
        expect(st == 1 and "hactl:" in out,
               "kernel check of %s: status %d: %s", args, st, out)
        expect(node(vm) == before, "%s changed the node", args)
    st, out = vm.run("hactl node set --bogus 1", check=False)
    expect(st == 2, "unknown option: status %d", st)
    st, out = vm.run("hactl node set", check=False)
    expect(st == 2, "empty set: status %d", st)

    # Without CAP_NET_ADMIN every command, and the events group, is
    # refused.
    for cmd in ("node show", "node set --name mallory", "monitor"):
        st, out = vm.run("/usr/bin/setpriv --reuid=65534 --regid=65534 "
                         "--clear-groups hactl %s" % cmd, check=False)
        expect(st == 1 and "not permitted" in out,
               "unprivileged %s: status %d: %s", cmd, st, out)
    expect(node(vm) == before, "unprivileged set changed the node")
