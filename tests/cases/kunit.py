# SPDX-License-Identifier: GPL-2.0
"""Load hastor's KUnit module in a guest and check every suite's KTAP.

The expected suites are read from the sources, so a suite that silently
did not run counts as a failure, not as nothing."""

import glob
import os
import re

import ktap
from hvm import TOP, HarnessError


def expected_suites():
    names = []
    for path in sorted(glob.glob(os.path.join(TOP, "kernel/tests/*.c"))):
        with open(path) as f:
            src = f.read()
        for m in re.finditer(r"struct kunit_suite \w+ = \{[^}]*?"
                             r"\.name = \"([^\"]+)\"", src, re.S):
            names.append(m.group(1))
    return names


def test_kunit(h):
    suites = expected_suites()
    if not suites:
        raise HarnessError("no KUnit suites found in kernel/tests")
    vm = h.vm()
    vm.out("insmod /lib/modules/hastor/hastor.ko && "
           "insmod /lib/modules/hastor/hastor_kunit.ko", timeout=600)
    cases = params = 0
    bad = []
    for name in suites:
        st, text = vm.run("cat /sys/kernel/debug/kunit/%s/results" % name,
                          check=False)
        if st:
            bad.append("%s: no results (suite did not run)" % name)
            continue
        r = ktap.parse(name, text)
        cases += len(r.cases)
        params += r.params
        if not r.passed:
            bad.append("%s: suite %s, %d/%s cases, failures: %s"
                       % (name, "ok" if r.ok else "not ok", len(r.cases),
                          r.plan, "; ".join(r.failures) or "none"))
    h.note("kunit: %d suites, %d cases, %d parameterised results"
           % (len(suites), cases, params))
    if bad:
        raise HarnessError("KUnit failures:\n  " + "\n  ".join(bad))
