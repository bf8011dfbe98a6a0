#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pyspf-compare.py - our SPF against pyspf (python3-spf), an independent
implementation, on the RFC 7208 suite's scenarios and on generated ones (TAP).

usage: pyspf-compare.py DKIMMOD [CASES [SEED]]

Each case is a zone (spfzone.Zone) and an identity (client address, HELO,
MAIL FROM). Ours runs as `dkimmod verify --dns-file`; pyspf runs in this
process with its DNSLookup answering from the same zone (strict RFC 7208
limits). Generated cases are random record trees over a few domains and
hosts: ip4/ip6 with CIDRs, a and mx with and without domain-specs and
dual CIDRs, ptr, exists with macros, include (loops too), redirect, exp,
all with every qualifier, void targets, timeouts, two records, syntax
errors, IPv4 and IPv6 clients, the null sender. Every difference must be
a documented pyspf deviation (DEVIATIONS, docs/interop.md) or it is our
bug: the test fails and prints the case. CASES (default 300; meson runs 100) and SEED
(default 7208) make the run reproducible; a failing case is printed whole.
"""

import os
import random
import subprocess
import sys
import tempfile

import yaml
import spf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spfzone  # noqa: E402

MESSAGE = b"From: <postmaster@example.com>\r\n\r\nbody\r\n"

# Known pyspf deviations (docs/interop.md): a function of the case and the
# two results that says why they may differ, or None.


def deviation(why, ours, theirs):
    # pyspf counts a void lookup for every empty address query of an mx's
    # exchanges and of a ptr's names; RFC 7208 4.6.4 counts "terms" whose
    # DNS queries are void (the mx's MX query, the ptr's PTR query).
    if theirs == "permerror" and why.startswith("Void lookup limit"):
        return "pyspf counts void lookups per address query, RFC 7208 4.6.4 per term"
    # RFC 7208 6: unknown modifiers "MUST be ignored no matter where, or how
    # often, they appear"; only redirect= and exp= are limited to one.
    if theirs == "permerror" and "MUST appear at most once" in why \
            and not why.startswith(("redirect", "exp")):
        return "pyspf refuses a repeated unknown modifier, RFC 7208 6 ignores it"
    # RFC 7208 5.5: "If a DNS error occurs while doing an A RR lookup, then
    # that domain name is skipped and the search continues."
    if theirs == "temperror" and why.startswith("ptr-validation:"):
        return "pyspf gives temperror for a PTR name's address lookup, RFC 7208 5.5 skips it"
    # pyspf refuses include:<its own domain> before evaluating the record;
    # RFC 7208 evaluates in order (a mechanism before it may match) and
    # bounds loops by the 10-lookup limit (4.6.4).
    if theirs == "permerror" and "trivial recursion" in why:
        return "pyspf refuses include of the record's own domain up front, RFC 7208 evaluates in order"
    return None


def py_check(zone, ip, sender, helo):
    """pyspf's result and why (its message; "ptr-validation: ..." when a
    timeout came from a PTR name's address lookup)."""
    state = {"ptr_names": set(), "timeout_in_ptr": False}

    def lookup(name, qtype, strict=True, timeout=None):
        try:
            answers = zone.lookup(name, qtype)
        except spf.TempError:
            if name.lower().rstrip(".") in state["ptr_names"]:
                state["timeout_in_ptr"] = True
            raise
        if qtype == "PTR":
            state["ptr_names"].update(str(v).lower().rstrip(".") for _, v in answers)
        return answers

    spf.DNSLookup = lookup
    q = spf.query(i=ip, s=sender, h=helo, strict=True)
    res, _code, expl = q.check()
    why = str(expl or "")
    if res == "temperror" and state["timeout_in_ptr"]:
        why = "ptr-validation: " + why
    if res == "permerror":
        why = str(getattr(q, "perm_error", None) or expl)
    return res, why


def our_check(dkimmod, zone, ip, helo, mailfrom, tmp):
    path = os.path.join(tmp, "zone.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(zone.dns_file())
    p = subprocess.run([dkimmod, "verify", "--dns-file", path, "--client-ip", ip, "--helo", helo,
                        "--mail-from", mailfrom], input=MESSAGE, capture_output=True, timeout=60)
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("spf="):
            return line[4:].split(" ", 1)[0], line
    return None, p.stderr.decode("utf-8", "replace")


# --- generated cases -------------------------------------------------------------

DOMAINS = ["d%d.example" % i for i in range(6)]
HOSTS = ["h%d.example" % i for i in range(5)]
IP4 = ["192.0.2.%d" % i for i in (1, 2, 3, 130)]
IP6 = ["2001:db8::%d" % i for i in (1, 2)] + ["2001:db8:1::5"]
OTHER4 = ["198.51.100.7", "203.0.113.9"]
QUAL = ["", "+", "-", "~", "?"]


def rev4(ip):
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


def term(rng, d, depth):
    q = rng.choice(QUAL)
    k = rng.randrange(16)
    if k == 0:
        return "%sip4:%s/%d" % (q, rng.choice(IP4 + OTHER4), rng.choice([32, 30, 24, 0]))
    if k == 1:
        return "%sip6:%s" % (q, rng.choice(["2001:db8::/64", "2001:db8::1", "2001:db8:1::/48"]))
    if k == 2:
        return q + "a"
    if k == 3:
        return "%sa:%s%s" % (q, rng.choice(HOSTS + ["nohost.example", "%{d}", "h%{l1r-}.example"]),
                             rng.choice(["", "/24", "//64", "/30//48"]))
    if k == 4:
        return q + "mx" + rng.choice(["", "/24", ":" + rng.choice(DOMAINS), ":%{d2}"])
    if k == 5:
        return q + "ptr" + rng.choice(["", ":example", ":" + rng.choice(HOSTS), ":%{d}"])
    if k == 6:
        return q + "exists:" + rng.choice(["%{i}.x.example", "%{l}.%{d}", "%{ir}.%{v}.e.example",
                                           "nohost.example", "%{p}.p.example"])
    if k in (7, 8):
        return q + "include:" + rng.choice(DOMAINS + ["nodomain.example"])
    if k == 9:
        return q + "a:" + rng.choice(["foo.123", "x..example", "%{z}.example"])  # errors
    if k == 10:
        return "foo=%{d}bar" if rng.random() < 0.8 else "foo=%zz"
    return q + rng.choice(["a", "mx", "ip4:192.0.2.0/24"])


def record(rng, d):
    terms = [term(rng, d, 0) for _ in range(rng.randrange(0, 6))]
    r = rng.random()
    if r < 0.5:
        terms.append(rng.choice(QUAL) + "all")
    elif r < 0.7:
        terms.append("redirect=" + rng.choice(DOMAINS + ["nodomain.example", "%{d2}"]))
    if rng.random() < 0.3:
        terms.append("exp=exp.example")
    return "v=spf1 " + " ".join(terms)


def generate(rng):
    z = spfzone.Zone()
    ip = rng.choice(IP4 + IP6 + OTHER4)
    for h in HOSTS:
        for _ in range(rng.randrange(0, 3)):
            z.add(h, "A", rng.choice(IP4 + OTHER4))
        if rng.random() < 0.4:
            z.add(h, "AAAA", rng.choice(IP6))
    for d in DOMAINS:
        if rng.random() < 0.85:
            z.add(d, "TXT", record(rng, d))
        if rng.random() < 0.1:
            z.add(d, "TXT", record(rng, d))      # two SPF records: permerror
        if rng.random() < 0.1:
            z.add(d, "TXT", "not an spf record")
        for i in range(rng.choice([0, 0, 1, 2, 3, 11])):
            z.add(d, "MX", (i, rng.choice(HOSTS + ["nohost.example"])))
        if rng.random() < 0.3:
            z.add(d, "A", rng.choice(IP4 + OTHER4))
    for a in IP4 + OTHER4:
        for _ in range(rng.randrange(0, 3)):
            z.add(rev4(a), "PTR", rng.choice(HOSTS + ["nohost.example"]))
    for a in IP4:
        if rng.random() < 0.3:
            z.add(a + ".x.example", "A", "127.0.0.2")
    z.add("exp.example", "TXT", "%{i} is not allowed for %{d}")
    if rng.random() < 0.15:
        z.timeout(rng.choice(HOSTS + DOMAINS), rng.choice(["A", "AAAA", "MX", "TXT", "PTR"]))
    helo = rng.choice(DOMAINS)
    mailfrom = "" if rng.random() < 0.1 else "%s@%s" % (rng.choice(["u", "a.b", "x-y"]),
                                                        rng.choice(DOMAINS))
    return z, ip, helo, mailfrom


def main():
    dkimmod = sys.argv[1]
    n_cases = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7208
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="dkimmod-pyspf.")
    tap = []
    stats = {"same": 0, "deviation": 0}
    try:
        cases = []
        suite = os.path.join(os.environ.get("DKIMMOD_TESTSUITES")
                             or os.environ.get("DKIMMOD_TESTSUITES_DEFAULT")
                             or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "..", "..", "..", "shared", "testsuites"),
                             "spf", "rfc7208-tests.yml")
        if not os.path.isfile(suite) and os.environ.get("DKIMMOD_TESTSUITES_OPTIONAL") == "1":
            pass  # CI without the shared suites: the generated cases still run
        elif not os.path.isfile(suite):
            tap.append((False, "the RFC 7208 suite is not at %s (-Dtestsuites=DIR or "
                        "DKIMMOD_TESTSUITES=DIR)" % suite, ""))
        else:
            with open(suite, encoding="utf-8") as f:
                for sc in yaml.safe_load_all(f):
                    z = spfzone.from_suite(sc.get("zonedata"))
                    for name, t in sc["tests"].items():
                        cases.append(("suite %s/%s" % (sc["description"], name), z, str(t["host"]),
                                      str(t.get("helo", "")), str(t.get("mailfrom", ""))))
        for i in range(n_cases):
            z, ip, helo, mailfrom = generate(rng)
            cases.append(("generated %d (seed %d)" % (i, seed), z, ip, helo, mailfrom))
        for name, z, ip, helo, mailfrom in cases:
            sender = mailfrom if mailfrom else "postmaster@" + helo
            theirs, why = py_check(z, ip, sender, helo)
            ours, line = our_check(dkimmod, z, ip, helo, mailfrom, tmp)
            if ours == theirs:
                stats["same"] += 1
                continue
            dev = deviation(why, ours, theirs)
            if dev is not None:
                stats["deviation"] += 1
                tap.append((True, "%s: ours %s, pyspf %s # SKIP pyspf deviation: %s"
                            % (name, ours, theirs, dev), ""))
                continue
            tap.append((False, "%s: ours %s, pyspf %s" % (name, ours, theirs),
                        "client %s helo %s mail from <%s>\npyspf: %s\nours: %s\nzone:\n%s"
                        % (ip, helo, mailfrom, why, line, z.dns_file())))
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)
    tap.insert(0, (True, "%d cases: %d the same, %d documented pyspf deviations"
                   % (len(cases), stats["same"], stats["deviation"]), ""))
    print("1..%d" % len(tap))
    for i, (good, name, detail) in enumerate(tap, 1):
        print("%sok %d - %s" % ("" if good else "not ", i, name))
        if not good:
            for line in detail.splitlines():
                print("# " + line)
    return 0 if all(g for g, _, _ in tap) else 1


if __name__ == "__main__":
    sys.exit(main())
