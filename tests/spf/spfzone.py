# SPDX-License-Identifier: MIT
"""spfzone.py - one zone, two views: a dkimmod DNS file, and pyspf's DNS.

A Zone maps names to records ({type: [values]}) and timeouts (types
whose lookup times out). dns_file() writes it for `dkimmod verify
--dns-file`; lookup() answers pyspf's DNSLookup(name, qtype) the way
pyspf's dnspython driver does (A/AAAA text, MX (pref, name), PTR name,
TXT a list of byte strings, CNAME followed by pyspf itself), raising
spf.TempError for a timeout. from_suite() reads the openspf suite's
zonedata (rfc7208-suite.py describes the conventions).
"""

TYPES = ("A", "AAAA", "MX", "PTR", "TXT")


def quote_bytes(data):
    out = ['"']
    for b in data:
        c = chr(b)
        if 0x20 <= b < 0x7f and c not in '"\\':
            out.append(c)
        else:
            out.append("\\%03d" % b)
    out.append('"')
    return "".join(out)


def quote_name(name):
    out = []
    for b in name.encode("utf-8"):
        c = chr(b)
        if 0x20 < b < 0x7f and c not in '\\#"':
            out.append(c)
        else:
            out.append("\\%03d" % b)
    return "".join(out)


class Zone:
    def __init__(self):
        self.records = {}    # name -> {type: [value]}; TXT values: lists of str
        self.timeouts = {}   # name -> set of types
        self.cnames = {}     # name -> target

    def add(self, name, rtype, value):
        self.records.setdefault(name.lower().rstrip("."), {}).setdefault(rtype, []).append(value)

    def timeout(self, name, rtype):
        self.timeouts.setdefault(name.lower().rstrip("."), set()).add(rtype)

    def cname(self, name, target):
        self.cnames[name.lower().rstrip(".")] = target

    def dns_file(self):
        lines = []
        for name, types in self.records.items():
            q = quote_name(name)
            for t, values in types.items():
                for v in values:
                    if t == "TXT":
                        strings = v if isinstance(v, list) else [v]
                        lines.append("%s TXT %s" % (q, " ".join(
                            quote_bytes(str(s).encode("utf-8")) for s in strings) if strings
                            else '""'))
                    elif t == "MX":
                        lines.append("%s MX %d %s" % (q, v[0], quote_name(v[1]) or "."))
                    else:
                        lines.append("%s %s %s" % (q, t, quote_name(str(v))))
        for name, types in self.timeouts.items():
            for t in sorted(types):
                lines.append("%s %s TIMEOUT" % (quote_name(name), t))
        for name, target in self.cnames.items():
            lines.append("%s CNAME %s" % (quote_name(name), quote_name(target)))
        return "\n".join(lines) + "\n"

    def lookup(self, name, qtype):
        """pyspf's DNSLookup for this zone."""
        import spf
        key = name.lower().rstrip(".")
        if qtype in self.timeouts.get(key, ()):
            raise spf.TempError("DNS timeout")
        out = []
        if key in self.cnames:
            return [((name, "CNAME"), self.cnames[key])]
        for v in self.records.get(key, {}).get(qtype, []):
            if qtype == "TXT":
                strings = v if isinstance(v, list) else [v]
                out.append(((name, qtype), [str(s).encode("utf-8") for s in strings]))
            elif qtype == "MX":
                out.append(((name, qtype), (v[0], v[1])))
            else:
                out.append(((name, qtype), str(v)))
        return out


def from_suite(zonedata):
    """The suite's zonedata as a Zone."""
    z = Zone()
    for name, records in (zonedata or {}).items():
        has_txt = any(isinstance(r, dict) and "TXT" in r for r in records)
        seen = set()     # types with a record so far (a later bare TIMEOUT spares them)
        for r in records:
            if r == "TIMEOUT":
                for t in TYPES:
                    if t not in seen:
                        z.timeout(name, t)
                break
            for t, v in r.items():
                if t == "SPF":
                    if has_txt:
                        continue
                    t = "TXT"
                if v == "TIMEOUT":
                    z.timeout(name, t)
                elif v == "NONE":
                    continue          # no record of type T, and no SPF served as TXT
                elif t == "CNAME":
                    z.cname(name, v)
                else:
                    z.add(name, t, v)
                seen.add(t)
    return z
