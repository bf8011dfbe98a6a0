#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""rfc7208-suite.py - the openspf RFC 7208 test suite against our SPF (TAP).

usage: rfc7208-suite.py DKIMMOD [SUITE.yml] [SCENARIO...]

Reads the suite's YAML (python3-yaml) where it lies, outside this
repository (meson option `testsuites`, or DKIMMOD_TESTSUITES at run
time); a missing suite is a failure that says where it was looked for.
Each scenario's zone data becomes a DNS file (dkimmod(1) --dns-file;
spfzone.py):
  - TXT records as quoted strings, every byte outside printable ASCII as
    \\DDD (strings are UTF-8, as the suite's reference driver sends them);
  - SPF-type (99) records are not queried by RFC 7208 (section 3.1, type
    SPF removed); as the suite's own driver does, a name without TXT
    records has its SPF records served as TXT, so one zone tests both
    (the "Selecting records" section is the one about type SPF);
  - a bare TIMEOUT in a name's list times out every type that has no
    record before it; {TYPE: TIMEOUT} times out that type;
  - MX [PREF, ""] is an exchange with no name: the null MX ".".
Each test runs `dkimmod verify --dns-file Z --client-ip HOST --helo HELO
--mail-from MAILFROM` and compares the spf= result with the expected one
(any of them when the suite allows several) and the explanation when the
suite gives one other than DEFAULT. Exceptions, each justified by an RFC
7208 erratum, are listed in EXCEPTIONS and docs/interop.md (none today).
"""

import os
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spfzone  # noqa: E402

# scenario/test -> why (an RFC 7208 erratum); the result is then not counted
EXCEPTIONS = {}

MESSAGE = b"From: <postmaster@example.com>\r\nSubject: SPF conformance\r\n\r\nbody\r\n"


def suites_dir():
    """DKIMMOD_TESTSUITES, else what meson configured (-Dtestsuites), else
    ../shared/testsuites beside the source tree."""
    here = os.path.dirname(os.path.abspath(__file__))
    return (os.environ.get("DKIMMOD_TESTSUITES") or os.environ.get("DKIMMOD_TESTSUITES_DEFAULT")
            or os.path.join(here, "..", "..", "..", "shared", "testsuites"))


def run_test(dkimmod, zone_path, t):
    args = [dkimmod, "verify", "--dns-file", zone_path, "--client-ip", str(t["host"]),
            "--helo", str(t.get("helo", "")), "--mail-from", str(t.get("mailfrom", ""))]
    p = subprocess.run(args, input=MESSAGE, capture_output=True, timeout=60)
    result = explanation = None
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("spf="):
            result = line[4:].split(" ", 1)[0]
        elif line.startswith("spf-explanation: "):
            explanation = line[len("spf-explanation: "):]
    return result, explanation, p.stderr.decode("utf-8", "replace")


def main():
    if len(sys.argv) < 2:
        print("usage: rfc7208-suite.py DKIMMOD [SUITE.yml] [SCENARIO...]", file=sys.stderr)
        return 2
    dkimmod = sys.argv[1]
    args = sys.argv[2:]
    if args and args[0].endswith(".yml"):
        suite = args.pop(0)
    else:
        suite = os.path.join(suites_dir(), "spf", "rfc7208-tests.yml")
    only = set(args)
    if not os.path.isfile(suite) and os.environ.get("DKIMMOD_TESTSUITES_OPTIONAL") == "1":
        print("1..0 # SKIP the RFC 7208 suite is not at %s and .ci/run found no copy "
              "on this machine" % suite)
        return 0
    if not os.path.isfile(suite):
        print("1..1")
        print("not ok 1 - the RFC 7208 test suite is not at %s: give its directory with "
              "meson setup -Dtestsuites=DIR or DKIMMOD_TESTSUITES=DIR "
              "(DIR/spf/rfc7208-tests.yml, the openspf suite release 2014.04)" % suite)
        return 1
    with open(suite, encoding="utf-8") as f:
        scenarios = list(yaml.safe_load_all(f))
    tmp = tempfile.mkdtemp(prefix="dkimmod-spf-suite.")
    results = []
    try:
        for n, sc in enumerate(scenarios):
            zone_path = os.path.join(tmp, "zone-%d.txt" % n)
            with open(zone_path, "w", encoding="utf-8") as f:
                f.write(spfzone.from_suite(sc.get("zonedata")).dns_file())
            for name, t in sc["tests"].items():
                if only and name not in only:
                    continue
                want = t["result"] if isinstance(t["result"], list) else [t["result"]]
                got, expl, err = run_test(dkimmod, zone_path, t)
                good = got in want
                detail = "got %s, want %s" % (got, "|".join(want))
                want_expl = t.get("explanation")
                if good and want_expl is not None and want_expl != "DEFAULT" and got == "fail":
                    good = expl == want_expl
                    detail = "explanation %r, want %r" % (expl, want_expl)
                key = "%s/%s" % (sc["description"], name)
                why = EXCEPTIONS.get(key)
                results.append((good, key, detail if not good else "", why, err))
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)
    print("1..%d" % len(results))
    passed = 0
    for i, (good, key, detail, why, err) in enumerate(results, 1):
        if good:
            passed += 1
            print("ok %d - %s" % (i, key))
        elif why:
            print("ok %d - %s # TODO %s (%s)" % (i, key, why, detail))
        else:
            print("not ok %d - %s: %s" % (i, key, detail))
            for line in err.splitlines()[:3]:
                print("# stderr: " + line)
    print("# %d of %d scenarios' tests pass" % (passed, len(results)))
    return 0 if all(g or w for g, _, _, w, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
