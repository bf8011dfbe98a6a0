# SPDX-License-Identifier: MIT
"""tap - run (name, function) cases and print TAP, for meson test's protocol : 'tap'.

A case passes when its function returns, fails when it raises; the
traceback goes to TAP comments. run_tap returns the exit status (0 or 1).
"""

import traceback


def run_tap(tests):
    print("1..%d" % len(tests))
    failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        try:
            fn()
            print("ok %d - %s" % (i, name))
        except Exception:
            failed += 1
            print("not ok %d - %s" % (i, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
    return 1 if failed else 0
