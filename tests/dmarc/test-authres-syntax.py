#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-authres-syntax.py - our Authentication-Results fields read by python3-authres (TAP).

usage: test-authres-syntax.py AUTHRES-GEN [COUNT]

authres-gen builds many fields with the library's one formatter from
generated DKIM and DMARC results whose strings hold what must be quoted or
escaped; Debian's python3-authres (an independent RFC 8601 parser) must
parse each one back to the same authserv-id, methods in the same order,
results, reasons and properties. A field it cannot parse, or one that
parses to something else, fails the test.
"""

import json
import re
import subprocess
import sys

import authres
import authres.arc
import authres.dmarc

GEN = sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
CONTEXT = authres.FeatureContext(authres.dmarc, authres.arc)
QUOTED_PAIR = re.compile(r"\\(.)")


def semantic(value):
    """python3-authres returns a quoted-string's content with its
    quoted-pairs still escaped (docs/interop.md); RFC 5322 3.2.4 says the
    backslash is not part of the value."""
    return None if value is None else QUOTED_PAIR.sub(r"\1", value)


def quoted_alone(resinfo, method, result, name):
    """python3-authres 1.2 drops a property whose value is a quoted-string
    when another property follows it (docs/interop.md); such a value is
    checked by parsing it alone after the method: our quoting must read
    back to the value."""
    m = re.search(r'(?:^|\s)%s=("(?:[^"\\]|\\.)*")' % re.escape(name), resinfo)
    if m is None:
        return None
    h = CONTEXT.parse("Authentication-Results: x; %s=%s %s=%s" % (method, result, name,
                                                                  m.group(1)))
    return semantic(h.results[0].properties[0].value)


def check(case):
    field = case["field"]
    if not field.endswith("\r\n"):
        return "no CRLF at the end"
    for line in field[:-2].split("\r\n")[1:]:
        if not line.startswith(("\t", " ")):
            return "a line that is no continuation: %r" % line
    if any(len(line) > 998 for line in field.split("\r\n")):
        return "a line over 998 characters"
    h = CONTEXT.parse(field[:-2].replace("\r\n", ""))
    if h.authserv_id != case["authserv_id"]:
        return "authserv-id %r" % h.authserv_id
    if len(h.results) != len(case["results"]):
        return "%d results, not %d" % (len(h.results), len(case["results"]))
    parts = field[:-2].split(";\r\n\t")
    texts = parts[1:] if len(parts) > 1 else [field[:-2].split("; ", 1)[1]]
    for got, want, text in zip(h.results, case["results"], texts):
        if got.method != want["method"] or got.result != want["result"]:
            return "%s=%s, not %s=%s" % (got.method, got.result, want["method"], want["result"])
        if semantic(got.reason or None) != want["reason"]:
            return "reason %r, not %r" % (got.reason, want["reason"])
        props = {"%s.%s" % (p.type, p.name): semantic(p.value) for p in got.properties}
        for name, value in want["props"].items():
            if name not in props:
                props[name] = quoted_alone(text.replace("\r\n", ""), want["method"],
                                           want["result"], name)
            if props.get(name) != value:
                return "%s=%r, not %r" % (name, props.get(name), value)
    return None


def main():
    out = subprocess.run([GEN, str(COUNT), "7"], capture_output=True, check=True,
                         text=True).stdout.splitlines()
    print("1..%d" % len(out))
    bad = 0
    for i, line in enumerate(out):
        case = json.loads(line)
        try:
            why = check(case)
        except Exception as e:  # a parse error is a failure of ours
            why = "python3-authres: %s" % e
        bad += why is not None
        print("%s %d%s" % ("ok" if why is None else "not ok", i + 1,
                           "" if why is None else " - %s\n# %r" % (why, case["field"])))
    return 1 if bad else 0


sys.exit(main())
