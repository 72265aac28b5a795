# SPDX-License-Identifier: GPL-2.0
"""hactl's command-line checks of the pool, volume, snapshot and clone
commands, on the host: no guest, no module.  A rejected argument must
exit 2 before anything is sent; an accepted one gets as far as loading the
module, which fails here (a module path that does not exist), with exit
status 1.  Nothing here touches device-mapper or reads a disk."""

import os
import subprocess

from hvm import TOP, HarnessError

HACTL = os.path.join(TOP, "tools/hactl/hactl")


def hactl(args, checks=True):
    env = dict(os.environ, HASTOR_MODULE="/nonexistent/hastor.ko")
    env.pop("HACTL_NO_CLIENT_CHECKS", None)
    if not checks:
        env["HACTL_NO_CLIENT_CHECKS"] = "1"
    r = subprocess.run([HACTL] + args, env=env, capture_output=True)
    return r.returncode, r.stderr.decode("utf-8", "replace")


def expect(args, status, text=None, checks=True):
    st, err = hactl(args, checks)
    if st != status or (text and text not in err):
        raise HarnessError("hactl %s%s: exit %d, want %d%s:\n%s"
                           % ("" if checks else "(no client checks) ",
                              args, st, status,
                              " and '%s'" % text if text else "", err))


NOT_LOADED = "hastor module not loaded"


def test_sizes(h):
    table = [
        ("4096", 1), ("1M", 1), ("1G", 1), ("4096T", 1), ("8k", 1),
        ("0", 2), ("4097", 2), ("-1", 2), ("1X", 2), ("99999999T", 2),
        ("4097T", 2), ("", 2), (" 4096", 2), ("0x1000", 2), ("1MiB", 2),
        ("18446744073709551616", 2),
    ]
    for size, status in table:
        expect(["vol", "create", "tank/v", "--size", size], status,
               NOT_LOADED if status == 1 else "--size")
        expect(["vol", "resize", "tank/v", "--size", size], status)
    # Without client checks only the syntax is hactl's business.
    for size, status in [("0", 1), ("4097", 1), ("8192T", 1),
                         ("99999999T", 2), ("-1", 2), ("1X", 2)]:
        expect(["vol", "create", "tank/v", "--size", size], status,
               checks=False)
    h.note("%d sizes" % len(table))


def test_paths(h):
    bad = ["tank", "tank/", "/v", "tank/v/x", "tank/v@", "tank/@s",
           "ta nk/v", "tank/v@s@t", "a:b/v", "./v", "tank/..",
           "a" * 64 + "/v", "tank/" + "b" * 64]
    for arg in bad:
        expect(["vol", "show", arg], 2)
        expect(["vol", "delete", arg], 2)
    for cmd in (["vol", "create"], ["vol", "resize"]):
        expect(cmd + ["tank/v@s", "--size", "1M"], 2, "not allowed")
    expect(["vol", "show", "tank/v@s"], 1, NOT_LOADED)
    expect(["vol", "show", "a" * 63 + "/" + "b" * 63], 1, NOT_LOADED)
    expect(["snapshot", "create", "tank/v"], 2, "POOL/VOL@SNAP")
    expect(["snapshot", "delete", "tank/v"], 2, "POOL/VOL@SNAP")
    expect(["snapshot", "list", "tank/v@s"], 2)
    expect(["snapshot", "list", "tank/v"], 1, NOT_LOADED)
    # pool:vol@snap must fit a dm name (127): 31+1+63+1+31 does, +1 not.
    ok = "a" * 31 + "/" + "b" * 63 + "@" + "c" * 31
    expect(["snapshot", "create", ok], 1, NOT_LOADED)
    expect(["snapshot", "create", ok + "c"], 2, "device-mapper")
    expect(["clone", "create", "tank/v@s", "other/c"], 2, "pool")
    expect(["clone", "create", "tank/v", "tank/c"], 2, "snapshot")
    expect(["clone", "create", "tank/v@s", "tank/c@x"], 2)
    expect(["clone", "create", "tank/v@s", "tank/c"], 1, NOT_LOADED)
    # The kernel's checks, reached with hactl's off.
    for arg in ("ta nk/v", "tank/v@s", "tank/a/b", "tank/"):
        expect(["vol", "create", arg, "--size", "1M"], 1, checks=False)
    expect(["vol", "create", "tank", "--size", "1M"], 2, checks=False)


def test_escaping(h):
    """A bad name is shown escaped, never raw, in the message."""
    expect(["vol", "create", "ta\nnk/v", "--size", "1M"], 2,
           "'ta\\x0ank'")
    expect(["pool", "show", "a\x01\\b"], 2, "'a\\x01\\\\b'")
    expect(["pool", "create", "tank", "/dev/null\x7f"], 2,
           "/dev/null\\x7f")


def test_usage(h):
    usage = [
        ["pool"], ["pool", "bogus"], ["pool", "create"],
        ["pool", "create", "tank"], ["pool", "create", "bad name", "/dev/null"],
        ["pool", "create", "tank", "/dev/null"],
        ["pool", "create", "tank", "/nonexistent"],
        ["pool", "create", "tank"] + ["/dev/null"] * 65,
        ["pool", "create", "tank", "/dev/null", "--bogus"],
        ["pool", "import"], ["pool", "import", "tank", "/dev/null"],
        ["pool", "import", "tank", "--disks"], ["pool", "import", "a/b"],
        ["pool", "export"], ["pool", "export", "a", "b"],
        ["pool", "export", "a b"], ["pool", "list", "x"], ["pool", "show"],
        ["vol"], ["vol", "create", "tank/v"],
        ["vol", "create", "tank/v", "--size"],
        ["vol", "create", "tank/v", "--size", "1M", "x"],
        ["vol", "create", "tank/v", "--size", "1M", "--space"],
        ["vol", "list"], ["vol", "list", "tank", "--size", "1M"],
        ["vol", "list", "a:b"], ["snapshot", "list"],
        ["clone", "create", "tank/v@s"],
    ]
    for args in usage:
        expect(args, 2, "Usage:")
    # The import name is compared with labels: checked even without checks.
    expect(["pool", "import", "a/b"], 2, checks=False)
    for group in ("pool", "vol", "snapshot", "clone"):
        expect([group, "--help"], 0)
        expect([group, "create", "--help"], 0)
    h.note("%d usage errors" % len(usage))


def test_partner(h):
    """partner and link arguments: checked before anything is sent."""
    import tempfile
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(b"s" * 32)
        good = f.name
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(b"s" * 15)
        short = f.name
    try:
        base = ["partner", "set", "--id", "2", "--link",
                "192.0.2.1,192.0.2.2", "--secret-file"]
        expect(base + [good], 1, NOT_LOADED)
        expect(base + [good, "--link", "192.0.2.17,192.0.2.18", "--port",
                       "12000", "--hb-interval", "100", "--hb-timeout",
                       "1000"], 1, NOT_LOADED)
        bad = [
            base + [short],
            base + ["/nonexistent/secret"],
            base[:-1],
            ["partner", "set", "--id", "2", "--secret-file", good],
            ["partner", "set", "--link", "192.0.2.1,192.0.2.2",
             "--secret-file", good],
            base + [good, "--id", "0"],
            base + [good, "--id", "65536"],
            base + [good, "--link", "192.0.2.1"],
            base + [good, "--link", "192.0.2.1,2001:db8::1"],
            base + [good, "--link", "a,b"],
            base + [good, "--port", "0"],
            base + [good, "--port", "65536"],
            base + [good, "--hb-interval", "49"],
            base + [good, "--hb-timeout", "199"],
            base + [good, "--hb-interval", "1000", "--hb-timeout", "1999"],
            base + [good] + ["--link", "10.0.0.1,10.0.0.2"] * 4,
            base + [good, "extra"],
            ["partner", "show", "x"], ["partner", "clear", "x"],
            ["partner", "ping", "--count", "0"],
            ["partner", "ping", "--size", "23"],
            ["partner", "ping", "--size", "1048577"],
            ["partner", "ping", "x"], ["link", "show", "x"], ["link"],
        ]
        for args in bad:
            st, err = hactl(args)
            if st not in (1, 2) or NOT_LOADED in err:
                raise HarnessError("hactl %s: exit %d:\n%s" % (args, st, err))
        # Without client checks, ranges are the kernel's to refuse.
        expect(base + [good, "--id", "0"], 1, NOT_LOADED, checks=False)
        expect(["partner", "ping", "--count", "0"], 1, NOT_LOADED,
               checks=False)
        for args in (["partner", "show"], ["partner", "clear"],
                     ["partner", "ping"], ["link", "show"]):
            expect(args, 1, NOT_LOADED)
        expect(["partner", "--help"], 0)
        expect(["partner", "set", "--help"], 0)
        h.note("%d refused partner command lines" % len(bad))
    finally:
        os.unlink(good)
        os.unlink(short)
