# SPDX-License-Identifier: MIT
"""tap.py - the TAP output of the tests/arc drivers: collect, then print."""
import sys

results = []


def ok(good, name, detail=""):
    """one check; DETAIL is printed as a comment when it failed"""
    results.append((bool(good), name, detail))


def finish():
    """prints the plan and every check; the exit status for sys.exit"""
    print("1..%d" % len(results))
    for i, (good, name, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, name))
        if not good:
            for line in str(detail).splitlines():
                print("#   " + line)
    sys.stdout.flush()
    return 0 if all(r[0] for r in results) else 1
