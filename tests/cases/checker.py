# SPDX-License-Identifier: GPL-2.0
"""The offline checker on host-built pool images (tests/tools/mkpool):
valid pools are clean, each of 30 kinds of damage is named, random
damage never crashes it (tests/tools/test-check.sh)."""

import os
import re
import subprocess

from hvm import TOP, HarnessError


def test_offline_checker(h):
    r = subprocess.run(["make", "-s", "-C", os.path.join(TOP, "tests/tools"),
                        "test-check"], capture_output=True, text=True)
    with open(os.path.join(h.dir, "test-check.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    m = re.search(r"^(\d+) passed, (\d+) failed$", r.stdout, re.M)
    if not m or r.returncode or int(m.group(2)):
        raise HarnessError("test-check: exit %d\n%s" % (
            r.returncode, (r.stdout + r.stderr)[-3000:]))
    h.note("offline checker: %s passed" % m.group(1))
