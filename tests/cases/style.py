# SPDX-License-Identifier: GPL-2.0
"""Kernel coding style: checkpatch.pl from the test kernel's source tree
must report no error on any kernel file or the uapi header."""

import glob
import os
import subprocess

from hvm import TOP, HarnessError


def test_checkpatch(h):
    kdir = subprocess.run([os.path.join(TOP, "tests/kernel/build.sh")],
                          check=True, capture_output=True,
                          text=True).stdout.strip()
    script = os.path.join(kdir, "source", "scripts", "checkpatch.pl")
    files = sorted(f for f in glob.glob(os.path.join(TOP, "kernel/**/*.[ch]"),
                                        recursive=True)
                   if not f.endswith(".mod.c"))
    files.append(os.path.join(TOP, "include/uapi/linux/hastor.h"))
    errors = warnings = 0
    report = []
    for path in files:
        r = subprocess.run(["perl", script, "--no-tree", "-f", "--quiet",
                            "--show-types", path],
                           capture_output=True, text=True)
        errors += r.stdout.count("ERROR:")
        warnings += r.stdout.count("WARNING:")
        if r.stdout.strip():
            report.append(r.stdout.strip())
    with open(os.path.join(h.dir, "checkpatch.txt"), "w") as f:
        f.write("\n\n".join(report) + "\n")
    h.note("checkpatch: %d files, %d errors, %d warnings"
           % (len(files), errors, warnings))
    if errors:
        raise HarnessError("checkpatch errors:\n" + "\n".join(report))
