/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-dmarc.c - DMARC records, author domain, tree walk, alignment, dispositions, overrides
 * DESCRIPTION
 *	Drives the DMARC unit (module/dmarc.c) with header fields, DNS
 *	answers from a zone table written like a DNS file, and DKIM/SPF/ARC
 *	results given as data; checks every field of the result and the
 *	dmarc= resinfo. Cases follow RFC 9989 section 4.10 (the walk and its
 *	examples), RFC 7489 6.6 (PSL, pct=) and 6.7 (local overrides).
 */
#include <string.h>
#include <glib.h>

#include "dmarc.h"
#include "dmarc-record.h"
#include "authres.h"
#include "zone.h"

typedef struct {
  const char *name;
  DkimmodDmarcStandard standard;
  const char *headers;        /* "\n"-separated fields */
  const char *zone;
  const char *dkim_pass;      /* ","-separated d= that passed */
  const char *dkim_other;     /* ","-separated d= that did not */
  const char *spf_pass;       /* MAIL FROM domain SPF passed for, or NULL */
  const char *allow;          /* ","-separated, or NULL */
  const char *sealers;
  gboolean arc_pass;
  const char *arc_sealers;
  /* expected */
  DkimmodDmarcResult result;
  const char *header_from;
  const char *policy_domain;
  const char *org_domain;
  DkimmodDmarcPolicy policy;
  DkimmodDmarcPolicy disposition;
  DkimmodDmarcOverride override;
  const char *authres;        /* the resinfo, or NULL not to check */
} Case;

static GStrv
split_list (const char *s)
{
  return s != NULL && *s != '\0' ? g_strsplit (s, ",", -1) : g_new0 (char *, 1);
}

static DkimmodDmarc *
run_case (const Case *c, DkimmodDnsQueries *q)
{
  g_auto (GStrv) allow = split_list (c->allow), sealers = split_list (c->sealers);
  g_auto (GStrv) pass = split_list (c->dkim_pass), other = split_list (c->dkim_other);
  g_auto (GStrv) arc = split_list (c->arc_sealers);
  g_auto (GStrv) fields = g_strsplit (c->headers, "\n", -1);
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  DkimmodDmarc *d = dkimmod_dmarc_new (c->standard, (const char *const *) allow,
                                       (const char *const *) sealers);
  DkimmodDmarcInputs in = { 0 };
  int rounds = 0;

  for (guint i = 0; fields[i] != NULL; i++)
    if (fields[i][0] != '\0')
      dkimmod_dmarc_add_header (d, fields[i], strlen (fields[i]));
  for (guint i = 0; pass[i] != NULL; i++)
    g_ptr_array_add (all, pass[i]);
  for (guint i = 0; other[i] != NULL; i++)
    g_ptr_array_add (all, other[i]);
  dkimmod_dmarc_ask (d, q, (const char *const *) all->pdata, all->len, c->spf_pass);
  while (!dkimmod_dmarc_step (d, q))
    {
      g_assert_cmpint (++rounds, <=, 2);
      answer_from_zone (q, c->zone);
    }
  in.dkim_pass_domains = (const char *const *) pass;
  in.n_dkim_pass = g_strv_length (pass);
  in.spf_pass_domain = c->spf_pass;
  in.arc_pass = c->arc_pass;
  in.arc_sealers = (const char *const *) arc;
  in.n_arc_sealers = g_strv_length (arc);
  dkimmod_dmarc_evaluate (d, q, &in);
  return d;
}

#define FROM_EX "From: a@example.com"

static const Case cases[] = {
  { "/dmarc/pass/dkim-aligned", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject",
    "example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PASS, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, 0,
    "dmarc=pass (p=reject dis=none) header.from=example.com policy.dmarc=none" },
  { "/dmarc/pass/dkim-relaxed-subdomain", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject",
    "mail.example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PASS, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  { "/dmarc/fail/dkim-strict-subdomain", 0, FROM_EX,
    "_dmarc.example.com TXT v=DMARC1; p=reject; adkim=s",
    "mail.example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0,
    "dmarc=fail (p=reject dis=reject) reason=\"no aligned DKIM or SPF pass\" "
    "header.from=example.com policy.dmarc=reject" },
  { "/dmarc/fail/dkim-other-domain", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=quarantine",
    "example.net", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_QUARANTINE, DKIMMOD_DMARC_POLICY_QUARANTINE, 0, NULL },
  { "/dmarc/fail/dkim-not-passing", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject",
    NULL, "example.com", NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  { "/dmarc/pass/spf-relaxed", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject",
    NULL, NULL, "bounce.example.com", NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PASS, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  { "/dmarc/fail/spf-strict", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject; aspf=s",
    NULL, NULL, "bounce.example.com", NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  { "/dmarc/none/no-record", 0, FROM_EX, "",
    "example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_NONE, "example.com", "", "example.com",
    DKIMMOD_DMARC_POLICY_ABSENT, DKIMMOD_DMARC_POLICY_ABSENT, 0,
    "dmarc=none reason=\"no DMARC record\" header.from=example.com" },
  { "/dmarc/none/not-dmarc-txt", 0, FROM_EX, "_dmarc.example.com TXT v=spf1 -all",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_NONE, "example.com", "", "example.com", 0, 0, 0, NULL },
  { "/dmarc/none/version-case", 0, FROM_EX, "_dmarc.example.com TXT v=dmarc1; p=reject",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_NONE, "example.com", "", "example.com", 0, 0, 0, NULL },
  /* RFC 9989: several records at one name are discarded; the walk goes on */
  { "/dmarc/rfc9989/multiple-records-walk-on", 0, "From: a@mail.example.com",
    "_dmarc.mail.example.com TXT v=DMARC1; p=none\n"
    "_dmarc.mail.example.com TXT v=DMARC1; p=quarantine\n"
    "_dmarc.example.com TXT v=DMARC1; p=reject; sp=quarantine",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "mail.example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_QUARANTINE, DKIMMOD_DMARC_POLICY_QUARANTINE, 0, NULL },
  /* RFC 7489 6.6.3: several records end discovery: none */
  { "/dmarc/rfc7489/multiple-records-none", 1, FROM_EX,
    "_dmarc.example.com TXT v=DMARC1; p=none\n_dmarc.example.com TXT v=DMARC1; p=reject",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_NONE, "example.com", "", "example.com", 0, 0, 0, NULL },
  { "/dmarc/sp/subdomain", 0, "From: x@a.b.example.com",
    "_dmarc.example.com TXT v=DMARC1; p=none; sp=reject",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "a.b.example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  { "/dmarc/sp/own-record-uses-p", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=none; sp=reject",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_NONE, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  /* RFC 9989 np=: a subdomain without A, AAAA, MX */
  { "/dmarc/np/nonexistent", 0, "From: x@ghost.example.com",
    "_dmarc.example.com TXT v=DMARC1; p=none; sp=quarantine; np=reject",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "ghost.example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  { "/dmarc/np/existing", 0, "From: x@host.example.com",
    "_dmarc.example.com TXT v=DMARC1; p=none; sp=quarantine; np=reject\n"
    "host.example.com A 192.0.2.1",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "host.example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_QUARANTINE, DKIMMOD_DMARC_POLICY_QUARANTINE, 0, NULL },
  /* RFC 9989 4.10.2 examples: records at mail.example.com and example.com */
  { "/dmarc/org/fewest-labels", 0, "From: x@a.mail.example.com",
    "_dmarc.mail.example.com TXT v=DMARC1; p=quarantine\n_dmarc.example.com TXT v=DMARC1; p=reject",
    "example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PASS, "a.mail.example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  { "/dmarc/org/psd-n", 0, "From: x@a.mail.example.com",
    "_dmarc.mail.example.com TXT v=DMARC1; p=quarantine; psd=n\n"
    "_dmarc.example.com TXT v=DMARC1; p=reject",
    "example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "a.mail.example.com", "mail.example.com", "mail.example.com",
    DKIMMOD_DMARC_POLICY_QUARANTINE, DKIMMOD_DMARC_POLICY_QUARANTINE, 0, NULL },
  { "/dmarc/org/psd-y-at-tld", 0, "From: x@a.mail.example.com",
    "_dmarc.com TXT v=DMARC1; p=reject; psd=y",
    "mail.example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PASS, "a.mail.example.com", "com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  { "/dmarc/org/psd-y-unaligned", 0, "From: x@example.com",
    "_dmarc.com TXT v=DMARC1; p=reject; psd=y",
    "other.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  /* the d= domain's own walk: psd=n below the author's Organizational Domain */
  { "/dmarc/org/identifier-own-org", 0, FROM_EX,
    "_dmarc.example.com TXT v=DMARC1; p=reject\n_dmarc.shop.example.com TXT v=DMARC1; p=none; psd=n",
    "shop.example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  { "/dmarc/temperror/author-servfail", 0, FROM_EX, "_dmarc.example.com TXT SERVFAIL",
    "example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_TEMPERROR, "example.com", "", "", 0, 0, 0,
    "dmarc=temperror reason=\"DNS lookup of _dmarc.example.com failed\" header.from=example.com" },
  /* the author's own record and an identical d=: no walk needed (RFC 9989 4.10.2) */
  { "/dmarc/pass/own-record-parent-servfail", 0, "From: x@mail.example.com",
    "_dmarc.mail.example.com TXT v=DMARC1; p=reject\n_dmarc.example.com TXT SERVFAIL",
    "mail.example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PASS, "mail.example.com", "mail.example.com", "",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  { "/dmarc/fail/own-record-parent-servfail-strict", 0, "From: x@mail.example.com",
    "_dmarc.mail.example.com TXT v=DMARC1; p=reject; adkim=s\n_dmarc.example.com TXT SERVFAIL",
    "example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "mail.example.com", "mail.example.com", "",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  { "/dmarc/temperror/own-record-parent-servfail-relaxed", 0, "From: x@mail.example.com",
    "_dmarc.mail.example.com TXT v=DMARC1; p=reject\n_dmarc.example.com TXT SERVFAIL",
    "example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_TEMPERROR, "mail.example.com", "mail.example.com", "",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_ABSENT, 0, NULL },
  { "/dmarc/temperror/parent-timeout", 0, "From: x@mail.example.com",
    "_dmarc.example.com TXT TIMEOUT",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_TEMPERROR, "mail.example.com", "", "", 0, 0, 0, NULL },
  { "/dmarc/temperror/identifier-walk", 0, FROM_EX,
    "_dmarc.example.com TXT v=DMARC1; p=reject\n_dmarc.mail.example.com TXT SERVFAIL",
    "mail.example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_TEMPERROR, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_ABSENT, 0, NULL },
  { "/dmarc/permerror/no-from", 0, "Subject: x", "", NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PERMERROR, "", "", "", 0, 0, 0, "dmarc=permerror reason=\"no From field\"" },
  { "/dmarc/permerror/two-from-fields", 0, FROM_EX "\nFrom: b@example.com", "",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PERMERROR, "", "", "", 0, 0, 0, NULL },
  { "/dmarc/permerror/two-domains", 0, "From: a@example.com, b@example.net", "",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PERMERROR, "", "", "", 0, 0, 0, NULL },
  { "/dmarc/permerror/no-address", 0, "From: undisclosed-recipients:;", "",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PERMERROR, "", "", "", 0, 0, 0, NULL },
  { "/dmarc/permerror/domain-literal", 0, "From: a@[192.0.2.1]", "",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PERMERROR, "", "", "", 0, 0, 0, NULL },
  { "/dmarc/author/same-domain-twice", 0, "From: A <a@Example.COM>, \"b, c\" <b@example.com.>",
    "_dmarc.example.com TXT v=DMARC1; p=reject", "example.com", NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PASS, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  { "/dmarc/author/idn", 0, "From: j@b\xc3\xbc" "cher.example",
    "_dmarc.xn--bcher-kva.example TXT v=DMARC1; p=reject", "xn--bcher-kva.example", NULL, NULL,
    NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PASS, "xn--bcher-kva.example", "xn--bcher-kva.example", "xn--bcher-kva.example",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  /* invalid p=: permerror unless rua= has a valid URI (then p=none) */
  { "/dmarc/record/bad-p", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=bogus",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PERMERROR, "example.com", "example.com", "example.com", 0, 0, 0, NULL },
  { "/dmarc/record/bad-p-with-rua", 0, FROM_EX,
    "_dmarc.example.com TXT v=DMARC1; p=bogus; rua=mailto:d@example.com",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_NONE, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  { "/dmarc/record/no-p-rfc9989", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; adkim=s",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_NONE, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  { "/dmarc/record/no-p-rfc7489", 1, FROM_EX, "_dmarc.example.com TXT v=DMARC1; adkim=s",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_PERMERROR, "example.com", "example.com", "example.com", 0, 0, 0, NULL },
  /* RFC 9989 t=y: one level milder */
  { "/dmarc/testing/t-y", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject; t=y",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_QUARANTINE,
    DKIMMOD_DMARC_OVERRIDE_POLICY_TEST_MODE,
    "dmarc=fail (p=reject dis=quarantine override=policy_test_mode) "
    "reason=\"no aligned DKIM or SPF pass\" header.from=example.com policy.dmarc=quarantine" },
  /* RFC 7489 uses the PSL: example.co.uk is the Organizational Domain */
  { "/dmarc/rfc7489/psl-org", 1, "From: x@a.b.example.co.uk",
    "_dmarc.example.co.uk TXT v=DMARC1; p=reject", "b.example.co.uk", NULL, NULL, NULL, NULL,
    FALSE, NULL,
    DKIMMOD_DMARC_PASS, "a.b.example.co.uk", "example.co.uk", "example.co.uk",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, 0, NULL },
  { "/dmarc/rfc7489/no-walk-of-intermediate", 1, "From: x@a.b.example.com",
    "_dmarc.b.example.com TXT v=DMARC1; p=reject", NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_NONE, "a.b.example.com", "", "example.com", 0, 0, 0, NULL },
  { "/dmarc/rfc9989/walk-finds-intermediate", 0, "From: x@a.b.example.com",
    "_dmarc.b.example.com TXT v=DMARC1; p=reject", NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "a.b.example.com", "b.example.com", "b.example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  /* RFC 7489 pct=0: every message is out of the sample */
  { "/dmarc/rfc7489/pct-0", 1, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject; pct=0",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_QUARANTINE,
    DKIMMOD_DMARC_OVERRIDE_SAMPLED_OUT, NULL },
  { "/dmarc/rfc9989/pct-ignored", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject; pct=0",
    NULL, NULL, NULL, NULL, NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  /* RFC 7489 6.7 local overrides */
  { "/dmarc/override/allow-list", 0, "From: x@news.example.com",
    "_dmarc.example.com TXT v=DMARC1; p=reject", NULL, NULL, NULL, "example.com", NULL, FALSE, NULL,
    DKIMMOD_DMARC_FAIL, "news.example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE, DKIMMOD_DMARC_OVERRIDE_LOCAL_POLICY,
    "dmarc=fail (p=reject dis=none override=local_policy example.com) "
    "reason=\"no aligned DKIM or SPF pass\" header.from=news.example.com policy.dmarc=none" },
  { "/dmarc/override/trusted-sealer", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject",
    NULL, NULL, NULL, NULL, "lists.example.org", TRUE, "lists.example.org",
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_NONE,
    DKIMMOD_DMARC_OVERRIDE_TRUSTED_FORWARDER, NULL },
  { "/dmarc/override/sealer-arc-failed", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject",
    NULL, NULL, NULL, NULL, "lists.example.org", FALSE, "lists.example.org",
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
  { "/dmarc/override/sealer-not-listed", 0, FROM_EX, "_dmarc.example.com TXT v=DMARC1; p=reject",
    NULL, NULL, NULL, NULL, "lists.example.org", TRUE, "evil.example.net",
    DKIMMOD_DMARC_FAIL, "example.com", "example.com", "example.com",
    DKIMMOD_DMARC_POLICY_REJECT, DKIMMOD_DMARC_POLICY_REJECT, 0, NULL },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  DkimmodDnsQueries *q = dkimmod_dns_queries_new ();
  DkimmodDmarc *d = run_case (c, q);
  const DkimmodDmarcResultInfo *r = dkimmod_dmarc_result (d);

  g_test_message ("reason: %s", r->reason);
  g_assert_cmpstr (dkimmod_dmarc_result_name (r->result), ==, dkimmod_dmarc_result_name (c->result));
  g_assert_cmpstr (r->header_from, ==, c->header_from);
  g_assert_cmpstr (r->policy_domain, ==, c->policy_domain);
  g_assert_cmpstr (r->org_domain, ==, c->org_domain);
  g_assert_cmpstr (dkimmod_dmarc_policy_name (r->policy), ==, dkimmod_dmarc_policy_name (c->policy));
  g_assert_cmpstr (dkimmod_dmarc_policy_name (r->disposition), ==,
                   dkimmod_dmarc_policy_name (c->disposition));
  g_assert_cmpstr (dkimmod_dmarc_override_name (r->override), ==,
                   dkimmod_dmarc_override_name (c->override));
  for (gsize i = 0; i < G_N_ELEMENTS (r->reserved); i++)
    g_assert_null (r->reserved[i]);
  if (c->authres != NULL)
    {
      g_autoptr (GPtrArray) w = dkimmod_dmarc_authres_words (r);
      g_autofree char *line = dkimmod_authres_line (w);

      g_assert_cmpstr (line, ==, c->authres);
    }
  dkimmod_dmarc_free (d);
  dkimmod_dns_queries_free (q);
}

/* RFC 9989 4.10.1's example: a.b.c.d.e.f.g.h.i.j.mail.example.com walks eight names */
static void
test_walk_names (void)
{
  static const char *const want[] = {
    "a.b.c.d.e.f.g.h.i.j.mail.example.com", "g.h.i.j.mail.example.com", "h.i.j.mail.example.com",
    "i.j.mail.example.com", "j.mail.example.com", "mail.example.com", "example.com", "com",
  };
  g_auto (GStrv) names = dkimmod_dmarc_walk_names ("a.b.c.d.e.f.g.h.i.j.mail.example.com");
  g_auto (GStrv) short_names = dkimmod_dmarc_walk_names ("mail.example.com");
  g_auto (GStrv) one = dkimmod_dmarc_walk_names ("localhost");

  g_assert_cmpuint (g_strv_length (names), ==, G_N_ELEMENTS (want));
  for (gsize i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpstr (names[i], ==, want[i]);
  g_assert_cmpuint (g_strv_length (short_names), ==, 3);
  g_assert_cmpstr (short_names[2], ==, "com");
  g_assert_cmpuint (g_strv_length (one), ==, 1);
}

static void
test_record (void)
{
  DkimmodDmarcRecord r;

  g_assert_true (dkimmod_dmarc_record_parse ("v=DMARC1", 8, &r));
  g_assert_cmpint (r.p, ==, DKIMMOD_DMARC_POLICY_ABSENT);
  g_assert_false (r.p_invalid);
  g_assert_cmpuint (r.pct, ==, 100);
  g_assert_true (dkimmod_dmarc_record_parse ("v = DMARC1 ;P=Reject; sp=none;adkim=S; aspf=x; pct=050; "
                                             "t=y; psd=n; foo=bar; p=none", 82, &r));
  g_assert_cmpint (r.p, ==, DKIMMOD_DMARC_POLICY_REJECT);  /* the first p= counts */
  g_assert_cmpint (r.sp, ==, DKIMMOD_DMARC_POLICY_NONE);
  g_assert_true (r.strict_dkim);
  g_assert_false (r.strict_spf);
  g_assert_cmpuint (r.pct, ==, 50);
  g_assert_true (r.testing);
  g_assert_cmpint (r.psd, ==, 'n');
  g_assert_true (dkimmod_dmarc_record_parse ("v=DMARC1; pct=101; rua=junk, mailto:a@b", 38, &r));
  g_assert_cmpuint (r.pct, ==, 100);
  g_assert_true (r.rua_valid);
  g_assert_true (dkimmod_dmarc_record_parse ("v=DMARC1; rua=junk", 18, &r));
  g_assert_false (r.rua_valid);
  g_assert_false (dkimmod_dmarc_record_parse ("v=DMARC10; p=none", 17, &r));
  g_assert_false (dkimmod_dmarc_record_parse ("p=none; v=DMARC1", 16, &r));
  g_assert_false (dkimmod_dmarc_record_parse ("", 0, &r));
  g_assert_false (dkimmod_dmarc_record_parse ("v=spf1 -all", 11, &r));
}

/* pct= sampling is a function of the Message-ID: the same id always
 * gets the same treatment, and about pct% of ids are in */
static void
test_sample (void)
{
  guint in = 0;

  g_assert_cmpuint (dkimmod_dmarc_sample (" <a@b>\r\n "), ==, dkimmod_dmarc_sample ("<a@b>"));
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *id = g_strdup_printf ("<%u@example.com>", i);

      g_assert_cmpuint (dkimmod_dmarc_sample (id), <, 100);
      in += dkimmod_dmarc_sample (id) < 30;
    }
  g_assert_cmpuint (in, >, 2700);
  g_assert_cmpuint (in, <, 3300);
}

/* pct=50: a Message-ID below the sample line gets the policy, one above it the milder one */
static void
test_pct_sampled (void)
{
  for (guint want_in = 0; want_in < 2; want_in++)
    {
      g_autofree char *id = NULL, *headers = NULL;
      DkimmodDnsQueries *q = dkimmod_dns_queries_new ();
      Case c = { .name = "pct", .standard = DKIMMOD_DMARC_RFC7489,
                 .zone = "_dmarc.example.com TXT v=DMARC1; p=reject; pct=50" };
      DkimmodDmarc *d;

      for (guint i = 0; id == NULL; i++)
        {
          g_autofree char *try = g_strdup_printf ("<%u@example.com>", i);

          if ((dkimmod_dmarc_sample (try) < 50) == (gboolean) want_in)
            id = g_steal_pointer (&try);
        }
      headers = g_strdup_printf ("From: a@example.com\nMessage-ID: %s", id);
      c.headers = headers;
      d = run_case (&c, q);
      g_assert_cmpint (dkimmod_dmarc_result (d)->disposition, ==,
                       want_in ? DKIMMOD_DMARC_POLICY_REJECT : DKIMMOD_DMARC_POLICY_QUARANTINE);
      g_assert_cmpuint (dkimmod_dmarc_result (d)->pct, ==, 50);
      dkimmod_dmarc_free (d);
      dkimmod_dns_queries_free (q);
    }
}

/* One concurrent round: at the end of the header every question of the
 * author's walk and of the d= walks is asked at once; only np= asks more */
static void
test_one_round (void)
{
  DkimmodDnsQueries *q = dkimmod_dns_queries_new ();
  DkimmodDmarc *d = dkimmod_dmarc_new (DKIMMOD_DMARC_RFC9989, NULL, NULL);
  const char *dkim[] = { "mail.example.com", "example.net", "a.example.com" };
  const char *from = "From: x@news.example.com";

  dkimmod_dmarc_add_header (d, from, strlen (from));
  dkimmod_dmarc_ask (d, q, dkim, G_N_ELEMENTS (dkim), "bounce.example.com");
  /* news.example.com, example.com, com, mail.example.com, a.example.com,
   * bounce.example.com; example.net cannot align: not asked */
  g_assert_cmpuint (dkimmod_dns_queries_count (q), ==, 6);
  g_assert_false (dkimmod_dmarc_step (d, q));
  answer_from_zone (q, "_dmarc.example.com TXT v=DMARC1; p=reject");
  g_assert_true (dkimmod_dmarc_step (d, q));
  g_assert_cmpuint (dkimmod_dns_queries_count (q), ==, 6);
  dkimmod_dmarc_free (d);
  dkimmod_dns_queries_free (q);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].name, &cases[i], test_case);
  g_test_add_func ("/dmarc/walk-names", test_walk_names);
  g_test_add_func ("/dmarc/record", test_record);
  g_test_add_func ("/dmarc/sample", test_sample);
  g_test_add_func ("/dmarc/pct-sampled", test_pct_sampled);
  g_test_add_func ("/dmarc/one-round", test_one_round);
  return g_test_run ();
}
