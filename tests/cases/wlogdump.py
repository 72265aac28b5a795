# SPDX-License-Identifier: GPL-2.0
"""hactl wlog dump on host-built write-log images (tests/tools/mkwlog):
halves, where they end and why, records, replays into a file, damaged
superblocks and random damage, under valgrind
(tests/tools/test-wlogdump.sh)."""

import os
import re
import subprocess

from hvm import TOP, HarnessError


def test_offline_wlog_dump(h):
    r = subprocess.run(["make", "-s", "-C", os.path.join(TOP, "tests/tools"),
                        "test-wlogdump"], capture_output=True, text=True)
    with open(os.path.join(h.dir, "test-wlogdump.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    m = re.search(r"^(\d+) passed, (\d+) failed$", r.stdout, re.M)
    if not m or r.returncode or int(m.group(2)):
        raise HarnessError("test-wlogdump: exit %d\n%s" % (
            r.returncode, (r.stdout + r.stderr)[-3000:]))
    h.note("wlog dump: %s passed" % m.group(1))
