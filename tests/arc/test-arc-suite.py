#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-arc-suite.py DKIMMOD SUITE - the ValiMail ARC validation suite (TAP).

Runs every scenario of arc-draft-validation-tests.yml (read where it lies,
never copied: SUITE, or $DKIMMOD_ARC_SUITE when set) through
`dkimmod verify`, the scenario's txt-records served as the key file, and
compares the arc= result with the suite's cv. A missing suite or a missing
python3-yaml is a failure ("Bail out!"), never a skip.

Where the suite and the RFCs differ, the RFC wins (docs/interop.md, "ARC"):
- cv blank (three cases whose newest ARC-Seal says cv=fail): RFC 8617
  section 5.2 step 2 makes such a chain fail; we expect fail.
- a=rsa-sha1 (ams_fields_a_sha1, as_fields_a_sha1, cv Pass): RFC 8301
  says verifiers must not accept rsa-sha1, so by default we expect fail;
  with --accept-rsa-sha1 (verifying.accept_rsa_sha1) the suite's Pass.
"""
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import finish, ok  # noqa: E402

DKIMMOD = sys.argv[1]
SUITE = os.environ.get("DKIMMOD_ARC_SUITE") or sys.argv[2]
SHA1_CASES = {"ams_fields_a_sha1", "as_fields_a_sha1"}
# oldest-pass where the suite's chains say what it must be
OLDEST_PASS = {"cv_pass_i1_1": 1, "cv_pass_i2_1": 1, "cv_pass_i3_1": 1, "cv_pass_i5_1": 1,
               "cv_pass_i2_1_ams1_invalid": 2}

try:
    import yaml
except ImportError:
    print("Bail out! python3-yaml is not installed (tools/debian-packages)")
    sys.exit(1)
if not os.path.isfile(SUITE) and os.environ.get("DKIMMOD_TESTSUITES_OPTIONAL") == "1":
    print("1..0 # SKIP the ARC suite is not at %s and .ci/run found no copy on this machine"
          % SUITE)
    sys.exit(0)
if not os.path.isfile(SUITE):
    print("Bail out! ARC suite not found: %s (set DKIMMOD_ARC_SUITE, or put the shared "
          "test suites beside the source tree: ../shared/testsuites/arc/)" % SUITE)
    sys.exit(1)



def verify(message, keyfile, extra=()):
    """the arc= resinfo of MESSAGE ("" for none) and the exit status"""
    p = subprocess.run([DKIMMOD, "verify", "--dns-file", keyfile] + list(extra),
                       input=message, capture_output=True)
    arc = [l for l in p.stdout.decode(errors="replace").splitlines() if l.startswith("arc=")]
    return p.returncode, (arc[0] if arc else ""), p.stderr.decode(errors="replace")


def expected(name, cv):
    cv = (cv or "").strip().lower()
    return "fail" if cv == "" else cv


def main():
    with open(SUITE, "rb") as f:
        scenarios = [s for s in yaml.safe_load_all(f) if s]
    count = 0
    with tempfile.TemporaryDirectory(prefix="dkimmod-arc-suite.") as tmp:
        for n, scenario in enumerate(scenarios):
            keyfile = os.path.join(tmp, "keys-%d" % n)
            with open(keyfile, "w") as f:
                for name, record in scenario.get("txt-records", {}).items():
                    f.write("%s %s\n" % (name, " ".join(str(record).split())))
            for name, case in scenario["tests"].items():
                count += 1
                text = case.get("message") or ""
                # the suite's messages are LF text; SMTP carries CRLF
                message = text.replace("\r\n", "\n").replace("\n", "\r\n").encode()
                want = expected(name, case.get("cv"))
                if name in SHA1_CASES:
                    code, arc, err = verify(message, keyfile)
                    ok(arc.startswith("arc=fail") and "rsa-sha1" in arc,
                       "%s: rsa-sha1 refused by default (RFC 8301)" % name,
                       "got %r, exit %d, %s" % (arc, code, err))
                    code, arc, err = verify(message, keyfile, ["--accept-rsa-sha1"])
                else:
                    code, arc, err = verify(message, keyfile)
                got = arc.split()[0][4:] if arc else "none"
                ok(got == want and code in (0, 1),
                   "%s: %s (%s)" % (name, want, case.get("description", "").strip()),
                   "got %r, exit %d, %s" % (arc, code, err))
                if name in OLDEST_PASS:
                    ok("header.oldest-pass=%d" % OLDEST_PASS[name] in arc,
                       "%s: header.oldest-pass=%d" % (name, OLDEST_PASS[name]), arc)
    ok(count >= 170, "the suite has its %d cases" % count)
    return finish()


sys.exit(main())
