# SPDX-License-Identifier: GPL-2.0
"""Parse a KUnit suite's KTAP results (debugfs .../kunit/SUITE/results)."""

import re

RESULT = re.compile(r"^( *)(ok|not ok) (\d+) ?(.*)$")
PLAN = re.compile(r"^( *)1\.\.(\d+)$")
# 6.1 keeps only the last parameterised result in the debugfs log, but
# prints a per-case summary line for parameterised cases.
COUNTS = re.compile(r"^( *)# (\S+): pass:(\d+) fail:(\d+) skip:(\d+) "
                    r"total:(\d+)$")


class SuiteResult:
    def __init__(self, name):
        self.name = name
        self.ok = None          # the suite's own line
        self.cases = []         # (ok, description) of top-level cases
        self.params = 0         # parameterised sub-results, from summaries
        self.failures = []      # every "not ok" line, any depth
        self.plan = None

    @property
    def passed(self):
        return (self.ok is True and not self.failures and
                self.plan is not None and self.plan == len(self.cases))


def parse(name, text):
    r = SuiteResult(name)
    for line in text.splitlines():
        m = RESULT.match(line)
        if m:
            depth = len(m.group(1)) // 4
            ok = m.group(2) == "ok"
            desc = m.group(4)
            if not ok:
                r.failures.append(line.strip())
            if depth == 0:
                r.ok = ok
            elif depth == 1:
                r.cases.append((ok, desc))
            continue
        m = COUNTS.match(line)
        if m and len(m.group(1)) // 4 == 1:
            r.params += int(m.group(6))
            if int(m.group(4)):
                r.failures.append(line.strip())
            continue
        m = PLAN.match(line)
        if m and len(m.group(1)) // 4 == 1:
            r.plan = int(m.group(2))
    return r
