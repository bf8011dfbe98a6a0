#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-import.py - `dkimmod import` converts DKIMproxy and OpenDKIM setups (TAP).

usage: test-import.py DKIMMOD

Realistic old configurations are converted; `dkimmod check-config` must
accept the result, and `dkimmod sign --config` must then sign each sender
with the d=, s= and key the old program would have used (the signature is
verified with a key file holding only the expected key's record under the
expected name), and leave unsigned what it left unsigned. Warnings for
DKIMproxy's unsafe behaviour are checked by their text.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback

DKIMMOD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="dkimmod-import.")
TESTS = []
RECORDS = {}  # key path -> DNS record text

MSG = ("From: {sender}\r\nTo: bob@example.com\r\nSubject: migration\r\n"
       "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n")


def test(fn):
    TESTS.append(fn)
    return fn


def run(args, stdin=b"", code=0):
    p = subprocess.run([DKIMMOD] + args, input=stdin, capture_output=True)
    assert code is None or p.returncode == code, "dkimmod %s: exit %d, expected %d; stderr: %s" % (
        " ".join(args), p.returncode, code, p.stderr.decode(errors="replace"))
    return p


def keygen(name, alg="ed25519"):
    """A key at TMP/keys/NAME.key (Ed25519 is quick to make; DKIMproxy
    sites have RSA keys, so a few are RSA); its record in RECORDS."""
    d = os.path.join(TMP, "keys")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name + ".key")
    if path not in RECORDS:
        p = run(["keygen", "-a", alg, "-d", "example.net", "-s", name, "-o", d])
        RECORDS[path] = "".join(re.findall(r'"([^"]*)"', p.stdout.decode()))
    return path


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def convert(kind, args, code=0):
    p = run(["import", kind] + args, code=code)
    return p.stdout.decode(), p.stderr.decode()


def check_signs(conf, sender, d, s, key, envelope=None):
    """Signing SENDER's mail gives exactly one signature, d= and s= as
    given, made with KEY (it verifies against KEY's record at s._domainkey.d)."""
    msg = MSG.format(sender=sender).encode()
    args = ["sign", "--config", conf] + (["--sender", envelope] if envelope else [])
    out = run(args, stdin=msg).stdout
    sigs = re.findall(rb"^DKIM-Signature:[^\n]*\n(?:[ \t][^\n]*\n)*", out, re.M)
    assert len(sigs) == 1, "%s: %d signatures:\n%s" % (sender, len(sigs), out.decode())
    tags = dict((m.group(1), m.group(2)) for m in
                re.finditer(r"\b([a-z]+)=([^;\s]+)", re.sub(r"\s+", "", sigs[0].decode())))
    assert (tags.get("d"), tags.get("s")) == (d, s), "%s: d=%s s=%s, expected d=%s s=%s" % (
        sender, tags.get("d"), tags.get("s"), d, s)
    kf = write("keys.txt", "%s._domainkey.%s \"%s\"\n" % (s, d, RECORDS[key]))
    v = run(["verify", "--key-file", kf], stdin=out, code=None)
    assert v.returncode == 0, "%s: not made with %s: %s" % (sender, key, v.stdout.decode())


def check_unsigned(conf, sender):
    p = run(["sign", "--config", conf], stdin=MSG.format(sender=sender).encode())
    assert b"DKIM-Signature" not in p.stdout, sender + " was signed"
    assert "not signed" in p.stderr.decode(), p.stderr.decode()


def save_conf(name, text):
    path = write(name, text)
    p = run(["check-config", path], code=None)
    assert p.returncode == 0, "check-config refused the output:\n%s\n%s" % (
        p.stdout.decode() + p.stderr.decode(), text)
    return path


def proxy_files():
    k = {n: keygen(n) for n in ("upper", "info")}
    k.update({n: keygen(n, "rsa") for n in ("selector1", "news", "mondomaine")})
    smap = write("sender_map", f"""# DKIMproxy sender_map of a small hosting site
example.net  dkim(s=mondomaine-dkim,d=example.net,c=relaxed,a=rsa-sha256,key={k['mondomaine']})
example.org  dkim(c=relaxed), domainkeys(c=nofws)
news@example.org dkim(s=news,key={k['news']},i=news@example.org,a=rsa-sha1)
Example.COM  dkim(s=upper,key={k['upper']})
  indented.example  dkim(s=x,key={k['info']})
; comments may start with a semicolon
example.info dkim(s=info,key={k['info']},d=$keydomain)
example.info dkim(s=info,key={k['info']},d=$keydomain,i=@$senderdomain)
""")
    conf = write("dkimproxy_out.conf", f"""# dkimproxy_out.conf
listen    127.0.0.1:10027
relay     127.0.0.1:10028
domain    example.net,example.org,example.biz
signature dkim(c=relaxed)
keyfile   {k['selector1']}
selector  selector1
sender_map {smap}
""")
    return smap, conf, k


@test
def dkimproxy_multi_domain():
    smap, pconf, k = proxy_files()
    text, err = convert("dkimproxy", ["--sender-map", smap, "--conf", pconf])
    conf = save_conf("proxy.conf", text)
    check_signs(conf, "alice@example.net", "example.net", "mondomaine-dkim", k["mondomaine"])
    check_signs(conf, "carol@example.org", "example.org", "selector1", k["selector1"])
    check_signs(conf, "news@example.org", "example.org", "news", k["news"])
    check_signs(conf, "dave@shop.example.org", "example.org", "selector1", k["selector1"])
    # The domain list's default signatures: example.biz and its subdomains.
    check_signs(conf, "erin@example.biz", "example.biz", "selector1", k["selector1"])
    check_signs(conf, "erin@mail.example.biz", "example.biz", "selector1", k["selector1"])
    check_signs(conf, "frank@example.info", "example.info", "info", k["info"])
    # DKIMproxy keyed on Sender before From.
    check_signs(conf, "x@unrelated.test\r\nSender: news@example.org", "example.org", "news",
                k["news"])
    check_unsigned(conf, "mallory@unrelated.test")
    check_unsigned(conf, "someone@indented.example")


@test
def dkimproxy_warnings():
    smap, pconf, k = proxy_files()
    text, err = convert("dkimproxy", ["--sender-map", smap, "--conf", pconf])
    for want in ["sender_map:3: domainkeys signature dropped",
                 "sender_map:4: a=rsa-sha1 becomes rsa-sha256",
                 # each file blamed for its own lines: the sender_map's, and
                 # the signature line (5) of dkimproxy_out.conf
                 "sender_map: the signatures of lines 3, 5, 9 had no a=, so DKIMproxy "
                 "made them with rsa-sha1",
                 "dkimproxy_out.conf: the signatures of line 5 had no a=, so DKIMproxy made "
                 "them with rsa-sha1",
                 "sender_map:5: key Example.COM has upper-case letters and never matched "
                 "in DKIMproxy; it will match now (as example.com)",
                 "sender_map:6: line starts with whitespace: DKIMproxy ignored it",
                 "sender_map:8: key example.info repeated at line 9: the later line is used",
                 "domain example.net: the sender_map always won for it"]:
        assert want in err, "no warning %r in:\n%s" % (want, err)
    settings = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    assert not [ln for ln in settings if "rsa-sha1" in ln or "domainkeys" in ln], text
    assert 'sender_source = "sender-then-from"' in text
    # The upper-case key matches now, with its own key.
    conf = save_conf("proxy-upper.conf", text)
    check_signs(conf, "gina@example.com", "example.com", "upper", k["upper"])
    # The later of the two example.info lines won: it has i=.
    assert 'i = "@$senderdomain"' in text


@test
def dkimproxy_single_domain_and_upper_duplicate():
    k = {n: keygen(n) for n in ("selector1", "lower", "upper")}
    smap = write("sender_map2", f"EXAMPLE.org dkim(s=upper,key={k['upper']})\n"
                 f"example.org dkim(s=lower,key={k['lower']})\n")
    pconf = write("single.conf", f"domain example.net\nkeyfile {k['selector1']}\n"
                  "selector selector1\nsignature dkim(c=relaxed/relaxed)\n")
    text, err = convert("dkimproxy", ["--sender-map", smap, "--conf", pconf])
    assert "key EXAMPLE.org has upper-case letters and never matched in DKIMproxy; " \
           "dropped for example.org" in err, err
    conf = save_conf("single-out.conf", text)
    check_signs(conf, "a@example.org", "example.org", "lower", k["lower"])
    # One domain: DKIMproxy signed every other sender with d=example.net.
    check_signs(conf, "b@elsewhere.test", "example.net", "selector1", k["selector1"])


@test
def dkimproxy_sender_map_only():
    k = keygen("only", "rsa")
    smap = write("sender_map3", f"example.net dkim(s=only,key={k},a=rsa-sha256)\n")
    text, err = convert("dkimproxy", ["--sender-map", smap])
    assert err == "", err
    conf = save_conf("only.conf", text)
    check_signs(conf, "a@example.net", "example.net", "only", k)
    check_unsigned(conf, "b@example.org")


@test
def dkimproxy_refusals():
    k = keygen("only")
    for line, why in [(". dkim(s=x,key=%s)" % k, 'catch-all "." without d='),
                      ("example.net dkim(key=%s)" % k, "no selector"),
                      ("example.net dkim(s=x,d=$bogus,key=%s)" % k, "unknown macro"),
                      ("example.net dkim(s=x)", "no key= and no keyfile")]:
        smap = write("bad_map", line + "\n")
        text, err = convert("dkimproxy", ["--sender-map", smap], code=65)
        assert why in err and text == "", err
    run(["import", "dkimproxy", "--sender-map", os.path.join(TMP, "missing")], code=66)
    run(["import", "dkimproxy"], code=64)
    run(["import", "opendkim", "--key-table", "x"], code=64)


@test
def dkimproxy_output_file():
    k = keygen("only", "rsa")
    smap = write("sender_map4", f"example.net dkim(s=only,key={k},a=rsa-sha256)\n")
    out = os.path.join(TMP, "written.conf")
    run(["import", "dkimproxy", "--sender-map", smap, "-o", out])
    save_conf("written-check.conf", open(out).read())
    run(["import", "dkimproxy", "--sender-map", smap, "-o", out], code=73)


def opendkim_files(prefix):
    k = {n: keygen(n) for n in ("mail", "sub", "news", "catch", "shadow")}
    d = os.path.join(TMP, "keys")
    kt = write("KeyTable", f"""# OpenDKIM KeyTable
mail._domainkey.example.com   example.com:mail:{k['mail']}
sub._domainkey.example.com    example.com:sub:{k['sub']}
news._domainkey.example.org   example.org:news:{k['news']}
shadow                        example.org:shadow:{k['shadow']}
catch                         %:catch:{d}/%.key
""")
    # The "%" key path of "catch": one file per sender domain.
    shutil.copy(k["catch"], os.path.join(d, "other.test.key"))
    return k, kt


@test
def opendkim_refile():
    k, kt = opendkim_files("re")
    st = write("SigningTable", """# refile: first match wins
news@example.org         news._domainkey.example.org
*@example.com            mail._domainkey.example.com
*@*.example.com          sub._domainkey.example.com
*@example.org            news._domainkey.example.org  @example.org
*@example.org            shadow
sales-*@example.net      mail._domainkey.example.com
*                        catch
newsletter@example.com   shadow
""")
    text, err = convert("opendkim", ["--key-table", "file:" + kt, "--signing-table", "refile:" + st])
    conf = save_conf("odkim.conf", text)
    assert 'sender_source = "from"' in text
    check_signs(conf, "a@example.com", "example.com", "mail", k["mail"])
    check_signs(conf, "news@example.org", "example.org", "news", k["news"])
    check_signs(conf, "b@example.org", "example.org", "news", k["news"])
    # "%" in the KeyTable: d= is the sender's domain.
    check_signs(conf, "c@other.test", "other.test", "catch", k["catch"])
    # newsletter@example.com came after "*@example.com": OpenDKIM never used it.
    check_signs(conf, "newsletter@example.com", "example.com", "mail", k["mail"])
    for want in ["SigningTable:6: ", "SigningTable:7: sales-*@example.net",
                 "cannot be said", "SigningTable:9: ",
                 "the subdomains of example.com now use the key of example.com"]:
        assert want in err, "no warning %r in:\n%s" % (want, err)
    assert re.search(r"SigningTable:6: .*line 5 matched first", err), err
    assert re.search(r"SigningTable:9: .*line 3 matched first", err), err


@test
def opendkim_plain_file():
    k, kt = opendkim_files("plain")
    st = write("SigningTable.plain", f"""news@example.org   news._domainkey.example.org
example.com        mail._domainkey.example.com
.example.com       mail._domainkey.example.com
example.org        news._domainkey.example.org
bob@.example.org   shadow
""")
    text, err = convert("opendkim", ["--key-table", kt, "--signing-table", st])
    conf = save_conf("odkim-plain.conf", text)
    check_signs(conf, "a@example.com", "example.com", "mail", k["mail"])
    check_signs(conf, "a@www.example.com", "example.com", "mail", k["mail"])
    check_signs(conf, "news@example.org", "example.org", "news", k["news"])
    check_unsigned(conf, "c@other.test")
    assert "bob@.example.org shadow cannot be said" in err, err
    assert "now cover the domain and its subdomains" in err  # example.org alone


@test
def opendkim_refusals():
    k, kt = opendkim_files("bad")
    st = write("SigningTable.bad", "*@example.com nokey\n")
    text, err = convert("opendkim", ["--key-table", kt, "--signing-table", "refile:" + st], code=65)
    assert "nokey is not in the KeyTable" in err, err
    kt2 = write("KeyTable.bad", "name example.com:sel\n")
    text, err = convert("opendkim", ["--key-table", kt2, "--signing-table", st], code=65)
    assert "not DOMAIN:SELECTOR:KEYPATH" in err, err


def main():
    print("1..%d" % len(TESTS))
    failed = 0
    for n, fn in enumerate(TESTS, 1):
        try:
            fn()
            print("ok %d - %s" % (n, fn.__name__))
        except Exception:
            failed += 1
            print("not ok %d - %s" % (n, fn.__name__))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
