/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-spf - SPF (RFC 7208): macros, record syntax, check_host() stepped
 * DESCRIPTION
 *	Macro expansion against the examples of RFC 7208 section 7.4 and its
 *	errors; record syntax (what is permerror before evaluation); the
 *	step-driven evaluation with the host answering (sans-I/O): which
 *	questions are open after each step, the mx exchanges asked together;
 *	the limits (10 DNS terms, 2 void lookups, 10 MX names, the time
 *	budget); results for both identities and their resinfo; call-order
 *	errors. The whole RFC 7208 suite runs in rfc7208-suite.py.
 */
#include <string.h>
#include <glib.h>

#include "dnsquery.h"
#include "spf.h"

/* --- macros ------------------------------------------------------------------- */

static const guint8 ip4[4] = { 192, 0, 2, 3 };
static const guint8 ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0x01 };

static char *
expand (const char *s, gboolean v6, gboolean exp, GError **error)
{
  g_autofree char *i = dkimmod_spf_ip_macro (v6 ? ip6 : ip4, v6);
  DkimmodSpfMacroEnv env = {
    .sender = "strong-bad@email.example.com", .local = "strong-bad",
    .sender_domain = "email.example.com", .domain = "email.example.com", .ip_macro = i,
    .ipv6 = v6, .helo = "mx.example.org", .validated = NULL, .client_ip = "192.0.2.3",
    .receiver = "mx.example.net", .now = 1700000000,
  };

  return dkimmod_spf_macro_expand (s, &env, exp, !exp, error);
}

static void
test_macro_rfc_examples (void)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    { "%{s}", "strong-bad@email.example.com" },
    { "%{o}", "email.example.com" },
    { "%{d}", "email.example.com" },
    { "%{d4}", "email.example.com" },
    { "%{d3}", "email.example.com" },
    { "%{d2}", "example.com" },
    { "%{d1}", "com" },
    { "%{dr}", "com.example.email" },
    { "%{d2r}", "example.email" },
    { "%{l}", "strong-bad" },
    { "%{l-}", "strong.bad" },
    { "%{lr}", "strong-bad" },
    { "%{lr-}", "bad.strong" },
    { "%{l1r-}", "strong" },
    { "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
    { "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
    { "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
    { "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com" },
    { "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net" },
    { "%{ir}.%{v}._spf.%{d2}",
      "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com" },
    { "%{h}.%%.%_.%-.example", "mx.example.org.%. .%20.example" },
    { "%{S}.example", "strong-bad%40email.example.com.example" },
    { "%{p}.example", "unknown.example" },
    { "%{d99999999999}", "email.example.com" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      /* the IPv6 example is the one whose result names ip6 */
      gboolean v6 = strstr (cases[i].out, ".ip6.") != NULL;
      g_autofree char *got = expand (cases[i].in, v6, FALSE, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, cases[i].out);
    }
}

static void
test_macro_exp_and_errors (void)
{
  g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
  g_autofree char *exp = expand ("%{c} via %{r} at %{t}: see %{l}", FALSE, TRUE, NULL);
  g_autofree char *long_spec = NULL;
  g_autofree char *got = NULL;

  g_assert_cmpstr (exp, ==, "192.0.2.3 via mx.example.net at 1700000000: see strong-bad");
  g_assert_null (expand ("%{c}.example", FALSE, FALSE, &e1));     /* c only in exp text */
  g_assert_nonnull (strstr (e1->message, "bad macro letter"));
  g_assert_null (expand ("%{d0}", FALSE, FALSE, &e2));
  g_assert_null (expand ("%{x}", FALSE, FALSE, &e3));
  g_assert_null (expand ("100%", FALSE, FALSE, &e4));
  g_assert_null (expand ("%{d", FALSE, FALSE, &e5));
  /* 7.3: over 253 bytes, labels are cut from the left */
  {
    g_autoptr (GString) ls = g_string_new ("a.");

    for (char c = 'b'; c <= 'e'; c++)
      {
        for (int k = 0; k < 63; k++)
          g_string_append_c (ls, c);
        g_string_append_c (ls, '.');
      }
    g_string_append (ls, "%{d}");       /* 2 + 4 * 64 + 17 = 275 bytes */
    long_spec = g_string_free (g_steal_pointer (&ls), FALSE);
  }
  got = expand (long_spec, FALSE, FALSE, NULL);
  g_assert_cmpuint (strlen (got), <=, 253);
  g_assert_true (g_str_has_prefix (got, "ccc"));
  g_assert_true (g_str_has_suffix (got, ".email.example.com"));
  /* domain-end */
  g_assert_true (dkimmod_spf_macro_check ("%{d}", 4, FALSE, TRUE, NULL));
  g_assert_true (dkimmod_spf_macro_check ("foo.example.", 12, FALSE, TRUE, NULL));
  g_assert_true (dkimmod_spf_macro_check ("x.1-2", 5, FALSE, TRUE, NULL));
  g_assert_false (dkimmod_spf_macro_check ("foo.123", 7, FALSE, TRUE, NULL));
  g_assert_false (dkimmod_spf_macro_check ("foo.-com", 8, FALSE, TRUE, NULL));
  g_assert_false (dkimmod_spf_macro_check ("localhost", 9, FALSE, TRUE, NULL));
  g_assert_true (dkimmod_spf_macro_uses_p ("x.%{p}.y"));
  g_assert_false (dkimmod_spf_macro_uses_p ("x.%%{p}.y"));
}

/* --- records -------------------------------------------------------------------- */

static void
test_record_syntax (void)
{
  static const char *const good[] = {
    "v=spf1", "v=spf1 ", "V=SPF1 -ALL", "v=spf1 a mx ptr ~all", "v=spf1 a:%{d}/24//64 -all",
    "v=spf1 a//64 mx/0", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip6:::1",
    "v=spf1 include:_spf.example.com ?all", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d}",
    "v=spf1 redirect=_spf.example.com", "v=spf1 -all exp=explain._spf.%{d}",
    "v=spf1 moo.cow-far_out=man:dog/cat ip4:192.0.2.1", "v=spf1 a:foo:bar/baz.example.com",
  };
  static const char *const bad[] = {
    "v=spf1 a:foo.123", "v=spf1 ip4:192.0.2.1/33", "v=spf1 ip4:192.0.2.01",
    "v=spf1 ip6:2001:db8::/129", "v=spf1 a/024", "v=spf1 a/", "v=spf1 mx//",
    "v=spf1 redirect=a.example redirect=b.example", "v=spf1 exp=a.example exp=b.example",
    "v=spf1 -exp=a.example", "v=spf1 allx", "v=spf1 all:foo.example", "v=spf1 include",
    "v=spf1 include:", "v=spf1 exists", "v=spf1 ptr/24", "v=spf1 a:", "v=spf1 a:%{z}.example",
    "v=spf1 foo=%abc", "v=spf1 a\tmx", "v=spf1 a:b\xc3\xa4.example", "v=spf1 -all a:foo.1",
    "v=spf10",
  };
  g_autoptr (DkimmodSpfRecord) rec = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (DkimmodSpfRecord) r = dkimmod_spf_record_parse (good[i], strlen (good[i]),
                                                                 &error);

      if (r == NULL)
        g_error ("\"%s\" did not parse: %s", good[i], error->message);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (DkimmodSpfRecord) r = dkimmod_spf_record_parse (bad[i], strlen (bad[i]),
                                                                 &error);

      if (r != NULL)
        g_error ("\"%s\" parsed", bad[i]);
      g_assert_nonnull (error);
    }
  rec = dkimmod_spf_record_parse ("v=spf1 ~a:%{d}/24//64 -all", 26, NULL);
  g_assert_nonnull (rec);
  g_assert_cmpuint (rec->terms->len, ==, 2);
  {
    const DkimmodSpfTerm *t = g_ptr_array_index (rec->terms, 0);

    g_assert_cmpint (t->kind, ==, DKIMMOD_SPF_M_A);
    g_assert_cmpint (t->qualifier, ==, DKIMMOD_SPF_SOFTFAIL);
    g_assert_cmpstr (t->domain_spec, ==, "%{d}");
    g_assert_cmpuint (t->cidr4, ==, 24);
    g_assert_cmpuint (t->cidr6, ==, 64);
  }
  g_assert_true (rec->has_all);
}

/* --- check_host(), stepped ------------------------------------------------------- */

static DkimmodContext *ctx;

static int
cmp_strp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* open_questions - "TYPE name" of every open question, sorted, joined by ", " */
static char *
open_questions (const DkimmodDnsQueries *q)
{
  g_autoptr (GPtrArray) open = g_ptr_array_new_with_free_func (g_free);

  for (size_t i = 0; i < dkimmod_dns_queries_count (q); i++)
    if (!dkimmod_dns_queries_answered (q, i))
      g_ptr_array_add (open, g_strdup_printf ("%s %s",
                                              dkimmod_dns_type_name (dkimmod_dns_queries_type (q, i)),
                                              dkimmod_dns_queries_name (q, i)));
  g_ptr_array_sort (open, cmp_strp);
  g_ptr_array_add (open, NULL);
  return g_strjoinv (", ", (char **) open->pdata);
}

/* run - SPF of (IP, HELO, MAIL_FROM; MAIL_FROM "-": the HELO check)
 * against the DNS file ZONE, answered round by round; *ROUNDS counted */
static DkimmodSpf *
run (const char *zone, const char *ip, const char *helo, const char *mail_from,
     const DkimmodSpfOptions *opts, guint *rounds)
{
  DkimmodError err;
  g_autoptr (DkimmodDnsFile) f = dkimmod_dns_file_parse (zone, strlen (zone), &err);
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();
  DkimmodSpf *spf = dkimmod_spf_new (ctx, opts);
  guint n = 0;
  int rc;

  g_assert_nonnull (f);
  if (g_strcmp0 (mail_from, "-") == 0)
    g_assert_cmpint (dkimmod_spf_check_helo (spf, ip, helo, &err), ==, 0);
  else
    g_assert_cmpint (dkimmod_spf_check_mail_from (spf, ip, helo, mail_from, &err), ==, 0);
  g_assert_null (dkimmod_spf_result (spf));
  while ((rc = dkimmod_spf_step (spf, q, &err)) == 0)
    {
      g_assert_cmpuint (dkimmod_dns_queries_open_count (q), >, 0);
      g_assert_cmpint (dkimmod_dns_file_answer (f, q, &err), ==, 0);
      n++;
    }
  g_assert_cmpint (rc, ==, 1);
  if (rounds != NULL)
    *rounds = n;
  return spf;
}

static void
assert_result (DkimmodSpf *spf, DkimmodSpfResult want, const char *reason_part)
{
  const DkimmodSpfResultInfo *r = dkimmod_spf_result (spf);

  g_assert_nonnull (r);
  if (r->result != want)
    g_error ("result %s (%s), want %s", dkimmod_spf_result_name (r->result), r->reason,
             dkimmod_spf_result_name (want));
  if (reason_part != NULL && strstr (r->reason, reason_part) == NULL)
    g_error ("reason \"%s\" lacks \"%s\"", r->reason, reason_part);
  g_assert_true (r->reserved[0] == NULL && r->reserved[7] == NULL);
}

static const char zone[] =
  "example.com TXT \"v=spf1 ip4:192.0.2.0/24 mx include:inc.example ~all\"\n"
  "example.com MX 10 mx1.example.com\n"
  "example.com MX 20 mx2.example.com\n"
  "example.com MX 30 mx3.example.com\n"
  "mx1.example.com A 198.51.100.1\n"
  "mx2.example.com A 198.51.100.2\n"
  "mx3.example.com AAAA 2001:db8::3\n"
  "inc.example TXT \"v=spf1 a:host.inc.example -all\"\n"
  "host.inc.example A 203.0.113.9\n"
  "helo.example.org TXT \"v=spf1 a -all\"\n"
  "helo.example.org A 203.0.113.50\n";

static void
test_step_questions (void)
{
  DkimmodError err;
  g_autoptr (DkimmodDnsFile) f = dkimmod_dns_file_parse (zone, strlen (zone), &err);
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();
  g_autoptr (DkimmodSpf) spf = dkimmod_spf_new (ctx, NULL);
  g_autofree char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL;

  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, -1);   /* no identity yet */
  g_assert_cmpint (err.code, ==, DKIMMOD_E_INVAL);
  g_assert_cmpint (dkimmod_spf_check_mail_from (spf, "203.0.113.9", "mx.example.org",
                                                "alice@Example.COM", &err), ==, 0);
  g_assert_cmpint (dkimmod_spf_check_helo (spf, "203.0.113.9", "x.example", &err), ==, -1);
  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, 0);
  g_assert_cmpstr ((o1 = open_questions (q)), ==, "TXT example.com");
  dkimmod_dns_file_answer (f, q, &err);
  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, 0);
  g_assert_cmpstr ((o2 = open_questions (q)), ==, "MX example.com");
  dkimmod_dns_file_answer (f, q, &err);
  /* all three exchanges at once, not one round each */
  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, 0);
  g_assert_cmpstr ((o3 = open_questions (q)), ==,
                   "A mx1.example.com, A mx2.example.com, A mx3.example.com");
  dkimmod_dns_file_answer (f, q, &err);
  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, 0);
  g_assert_cmpstr ((o4 = open_questions (q)), ==, "TXT inc.example");
  dkimmod_dns_file_answer (f, q, &err);
  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, 0);
  dkimmod_dns_file_answer (f, q, &err);
  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, 1);
  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, 1);   /* stays done */
  assert_result (spf, DKIMMOD_SPF_PASS, NULL);
  g_assert_cmpstr (dkimmod_spf_result (spf)->mechanism, ==, "include:inc.example");
  g_assert_cmpuint (dkimmod_spf_result (spf)->dns_lookups, ==, 3);  /* mx include a */
  g_assert_cmpstr (dkimmod_spf_result (spf)->domain, ==, "Example.COM");
}

static void
test_results (void)
{
  static const struct {
    const char *ip, *mail_from;
    DkimmodSpfResult want;
    const char *mechanism;
  } cases[] = {
    { "192.0.2.77", "a@example.com", DKIMMOD_SPF_PASS, "ip4:192.0.2.0/24" },
    { "::ffff:192.0.2.77", "a@example.com", DKIMMOD_SPF_PASS, "ip4:192.0.2.0/24" },
    { "198.51.100.2", "a@example.com", DKIMMOD_SPF_PASS, "mx" },
    { "2001:db8::3", "a@example.com", DKIMMOD_SPF_PASS, "mx" },
    { "10.1.1.1", "a@example.com", DKIMMOD_SPF_SOFTFAIL, "~all" },
    { "10.1.1.1", "a@nosuch.example", DKIMMOD_SPF_NONE, "" },
    { "10.1.1.1", "@example.com", DKIMMOD_SPF_SOFTFAIL, "~all" },
    { "203.0.113.50", "", DKIMMOD_SPF_PASS, "a" },              /* null: postmaster@HELO */
    { "203.0.113.51", "<>", DKIMMOD_SPF_FAIL, "-all" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (DkimmodSpf) spf = run (zone, cases[i].ip, "helo.example.org", cases[i].mail_from,
                                        NULL, NULL);

      assert_result (spf, cases[i].want, NULL);
      g_assert_cmpstr (dkimmod_spf_result (spf)->mechanism, ==, cases[i].mechanism);
    }
}

static void
test_resinfo (void)
{
  g_autoptr (DkimmodSpf) a = run (zone, "192.0.2.1", "helo.example.org", "alice@example.com",
                                  NULL, NULL);
  g_autoptr (DkimmodSpf) b = run (zone, "203.0.113.50", "helo.example.org", "", NULL, NULL);
  g_autoptr (DkimmodSpf) c = run (zone, "203.0.113.51", "helo.example.org", "-", NULL, NULL);
  g_autoptr (DkimmodSpf) d = run ("x.example TXT \"v=spf1 a:foo.123\"\n", "192.0.2.1", "h.example",
                                  "\"odd; local\"@x.example", NULL, NULL);
  g_autofree char *ra = dkimmod_spf_resinfo (a), *rb = dkimmod_spf_resinfo (b);
  g_autofree char *rc = dkimmod_spf_resinfo (c), *rd = dkimmod_spf_resinfo (d);

  g_assert_cmpstr (ra, ==, "spf=pass smtp.mailfrom=alice@example.com");
  g_assert_cmpstr (rb, ==, "spf=pass smtp.mailfrom=postmaster@helo.example.org "
                           "smtp.helo=helo.example.org");
  g_assert_cmpstr (rc, ==, "spf=fail smtp.helo=helo.example.org");
  g_assert_cmpint (dkimmod_spf_result (c)->identity, ==, DKIMMOD_SPF_IDENTITY_HELO);
  /* a hostile local part is quoted, never bare */
  g_assert_true (g_str_has_prefix (rd, "spf=permerror reason=\""));
  g_assert_true (g_str_has_suffix (rd, " smtp.mailfrom=\"\\\"odd; local\\\"@x.example\""));
}

static void
test_limits (void)
{
  g_autoptr (GString) z = g_string_new ("lim.example TXT \"v=spf1");
  g_autoptr (GString) mx = g_string_new ("mx.example TXT \"v=spf1 mx -all\"\n");
  const char *voids = "void.example TXT \"v=spf1 a:n1.example a:n2.example a:n3.example -all\"\n"
                      "n1.example TXT \"x\"\n";
  const char *voids2 = "void2.example TXT \"v=spf1 a:n1.example a:n2.example +all\"\n";
  const char *timeouts = "t.example TXT \"v=spf1 include:slow.example -all\"\n"
                         "slow.example TIMEOUT\n";
  guint rounds;

  for (guint i = 0; i < 11; i++)
    g_string_append_printf (z, " a:h%u.example", i);
  g_string_append (z, " -all\"\n");
  for (guint i = 0; i < 11; i++)
    g_string_append_printf (z, "h%u.example A 10.0.0.%u\n", i, i);
  {
    g_autoptr (DkimmodSpf) s = run (z->str, "192.0.2.1", "h", "a@lim.example", NULL, NULL);

    assert_result (s, DKIMMOD_SPF_PERMERROR, "more than 10 DNS lookups");
    g_assert_cmpuint (dkimmod_spf_result (s)->dns_lookups, ==, 11);
  }
  {
    g_autoptr (DkimmodSpf) s = run (z->str, "10.0.0.9", "h", "a@lim.example", NULL, NULL);

    assert_result (s, DKIMMOD_SPF_PASS, NULL);   /* the tenth matches before the limit */
  }
  {
    g_autoptr (DkimmodSpf) s = run (voids, "192.0.2.1", "h", "a@void.example", NULL, NULL);

    assert_result (s, DKIMMOD_SPF_PERMERROR, "more than 2 void lookups");
    g_assert_cmpuint (dkimmod_spf_result (s)->void_lookups, ==, 3);
  }
  {
    g_autoptr (DkimmodSpf) s = run (voids2, "192.0.2.1", "h", "a@void2.example", NULL, NULL);

    assert_result (s, DKIMMOD_SPF_PASS, NULL);   /* two voids are allowed */
  }
  for (guint i = 0; i < 11; i++)
    g_string_append_printf (mx, "mx.example MX %u m%u.example\n", i, i);
  {
    g_autoptr (DkimmodSpf) s = run (mx->str, "192.0.2.1", "h", "a@mx.example", NULL, &rounds);

    assert_result (s, DKIMMOD_SPF_PERMERROR, "more than 10 MX names");
    g_assert_cmpuint (rounds, ==, 2);            /* no exchange was looked up */
  }
  {
    g_autoptr (DkimmodSpf) s = run (timeouts, "192.0.2.1", "h", "a@t.example", NULL, NULL);

    assert_result (s, DKIMMOD_SPF_TEMPERROR, "slow.example");
  }
}

static void
test_time_budget (void)
{
  DkimmodError err;
  DkimmodSpfOptions o;
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();
  g_autoptr (DkimmodSpf) spf = NULL;

  dkimmod_spf_options_init (&o);
  o.time_budget_ms = 20;
  spf = dkimmod_spf_new (ctx, &o);
  g_assert_cmpint (dkimmod_spf_check_mail_from (spf, "192.0.2.1", "h.example", "a@example.com",
                                                &err), ==, 0);
  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, 0);
  g_usleep (40 * 1000);                          /* the host never answers in time */
  g_assert_cmpint (dkimmod_spf_step (spf, q, &err), ==, 1);
  assert_result (spf, DKIMMOD_SPF_TEMPERROR, "time budget of 20 ms");
}

static void
test_explanation (void)
{
  const char *z = "e.example TXT \"v=spf1 -all exp=why.%{d}\"\n"
                  "why.e.example TXT \"%{i} may not send for %{d} (%{l})\"\n"
                  "r.example TXT \"v=spf1 redirect=e.example exp=other.example\"\n";
  DkimmodSpfOptions o;
  guint r1, r2;

  dkimmod_spf_options_init (&o);
  o.flags = DKIMMOD_SPF_FLAG_EXPLANATION;
  {
    g_autoptr (DkimmodSpf) s = run (z, "192.0.2.1", "h", "bob@e.example", &o, &r1);
    g_autoptr (DkimmodSpf) t = run (z, "192.0.2.1", "h", "bob@e.example", NULL, &r2);

    assert_result (s, DKIMMOD_SPF_FAIL, NULL);
    g_assert_cmpstr (dkimmod_spf_result (s)->explanation, ==,
                     "192.0.2.1 may not send for e.example (bob)");
    g_assert_cmpuint (r1, ==, r2 + 1);           /* the text costs one round */
    g_assert_cmpstr (dkimmod_spf_result (t)->explanation, ==, "");
  }
  {
    /* 6.1: after redirect=, the target's exp= is used, the original's not */
    g_autoptr (DkimmodSpf) s = run (z, "192.0.2.1", "h", "bob@r.example", &o, NULL);

    assert_result (s, DKIMMOD_SPF_FAIL, NULL);
    g_assert_cmpstr (dkimmod_spf_result (s)->explanation, ==,
                     "192.0.2.1 may not send for e.example (bob)");
  }
}

static void
test_bad_arguments (void)
{
  DkimmodError err;
  g_autoptr (DkimmodSpf) spf = dkimmod_spf_new (ctx, NULL);

  g_assert_cmpint (dkimmod_spf_check_mail_from (spf, "not-an-ip", "h", "a@b.example", &err), ==,
                   -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_SYNTAX);
  g_assert_cmpint (dkimmod_spf_check_mail_from (spf, NULL, "h", "a@b.example", &err), ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_INVAL);
  g_assert_null (dkimmod_spf_resinfo (spf));
  g_assert_cmpstr (dkimmod_spf_result_name (DKIMMOD_SPF_SOFTFAIL), ==, "softfail");
  g_assert_cmpstr (dkimmod_spf_result_name (99), ==, "permerror");
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  ctx = dkimmod_context_new ();
  g_test_add_func ("/spf/macro/rfc7208-examples", test_macro_rfc_examples);
  g_test_add_func ("/spf/macro/exp-and-errors", test_macro_exp_and_errors);
  g_test_add_func ("/spf/record/syntax", test_record_syntax);
  g_test_add_func ("/spf/step/questions-per-round", test_step_questions);
  g_test_add_func ("/spf/results", test_results);
  g_test_add_func ("/spf/resinfo", test_resinfo);
  g_test_add_func ("/spf/limits", test_limits);
  g_test_add_func ("/spf/time-budget", test_time_budget);
  g_test_add_func ("/spf/explanation", test_explanation);
  g_test_add_func ("/spf/bad-arguments", test_bad_arguments);
  rc = g_test_run ();
  dkimmod_context_unref (ctx);
  return rc;
}
