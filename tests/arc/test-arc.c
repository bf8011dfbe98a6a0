/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-arc - ARC fields, set structure and the verifier's sans-I/O steps
 * DESCRIPTION
 *	Table-driven cases for the AAR instance prefix and for the AMS and AS
 *	tag sets (sigparse.c), the structure rules of RFC 8617 section 5.2
 *	steps 1-3 (arc-set.c) on chains of well-formed fields whose
 *	signatures are not real, and the verifier's steps: a chain asks its
 *	key names into a shared question set (once each, beside a DKIM key of
 *	the same name), step() waits for the answers and the end of the
 *	body, a DNS SERVFAIL is a temporary fail, a message without ARC
 *	fields is none and asks nothing. Chains with real signatures are
 *	tests/arc/test-arc-dkimpy.py's and the ValiMail suite's.
 */
#include <string.h>
#include <glib.h>

#include "arc-set.h"
#include "dnsquery.h"
#include "sigparse.h"

#define BH "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define NOW G_GINT64_CONSTANT (1800000000)

/* --- AAR instance ----------------------------------------------------------- */

static void
test_aar_instance (void)
{
  static const struct { const char *value; guint want; } cases[] = {
    { " i=1; mx.example; spf=pass", 1 },
    { "i=50;mx.example", 50 },
    { " i = 12 ; mx.example", 12 },
    { "\r\n (hop) i=(two)2; mx", 2 },
    { " I=3; mx", 3 },
    { " i=0; mx", 0 },
    { " i=51; mx", 0 },
    { " i=100; mx", 0 },
    { " i=1 mx.example;", 0 },      /* no ';' after the instance */
    { " mx.example; i=1;", 0 },     /* not first */
    { " i=; mx", 0 },
    { " i=x; mx", 0 },
    { " (unterminated i=1;", 0 },
    { "", 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (dkimmod_arc_aar_instance (cases[i].value, strlen (cases[i].value)), ==,
                      cases[i].want);
}

/* --- AMS and AS tag sets ----------------------------------------------------- */

typedef struct {
  const char *name;
  DkimmodSigKind kind;
  const char *tags;
  const char *reason;   /* NULL: parses */
  guint instance;
} TagCase;

static const TagCase tag_cases[] = {
  { "ams", DKIMMOD_SIG_AMS, "i=2; a=rsa-sha256; d=example.org; s=s; h=from:to; " BH "; b=AAAA",
    NULL, 2 },
  { "ams-v-ignored", DKIMMOD_SIG_AMS, "v=9; i=1; a=rsa-sha256; d=e.org; s=s; h=from; " BH "; b=AAAA",
    NULL, 1 },
  { "ams-h-empty", DKIMMOD_SIG_AMS, "i=1; a=rsa-sha256; d=e.org; s=s; h=; " BH "; b=AAAA", NULL, 1 },
  { "ams-h-empty-name", DKIMMOD_SIG_AMS, "i=1; a=rsa-sha256; d=e.org; s=s; h=from::to; " BH "; b=AAAA",
    NULL, 1 },
  { "ams-no-from", DKIMMOD_SIG_AMS, "i=1; a=rsa-sha256; d=e.org; s=s; h=subject; " BH "; b=AAAA",
    NULL, 1 },
  { "ams-h-arc-seal", DKIMMOD_SIG_AMS, "i=1; a=rsa-sha256; d=e.org; s=s; h=from:ARC-Seal; " BH "; b=AAAA",
    "ARC-Seal in h=", 0 },
  { "ams-no-i", DKIMMOD_SIG_AMS, "a=rsa-sha256; d=e.org; s=s; h=from; " BH "; b=AAAA",
    "missing i= tag", 0 },
  { "ams-i-51", DKIMMOD_SIG_AMS, "i=51; a=rsa-sha256; d=e.org; s=s; h=from; " BH "; b=AAAA",
    "bad instance i=", 0 },
  { "ams-i-identity", DKIMMOD_SIG_AMS, "i=@e.org; a=rsa-sha256; d=e.org; s=s; h=from; " BH "; b=AAAA",
    "bad instance i=", 0 },
  { "ams-no-bh", DKIMMOD_SIG_AMS, "i=1; a=rsa-sha256; d=e.org; s=s; h=from; b=AAAA",
    "missing bh= tag", 0 },
  { "as", DKIMMOD_SIG_AS, "i=1; a=rsa-sha256; cv=none; d=e.org; s=s; t=12345; b=AAAA", NULL, 1 },
  { "as-cv-case", DKIMMOD_SIG_AS, "i=2; a=rsa-sha256; cv=Pass; d=e.org; s=s; b=AAAA", NULL, 2 },
  { "as-h", DKIMMOD_SIG_AS, "i=1; a=rsa-sha256; cv=none; d=e.org; s=s; h=from; b=AAAA",
    "h= in an ARC-Seal", 0 },
  { "as-no-cv", DKIMMOD_SIG_AS, "i=1; a=rsa-sha256; d=e.org; s=s; b=AAAA", "missing cv= tag", 0 },
  { "as-cv-bad", DKIMMOD_SIG_AS, "i=1; a=rsa-sha256; cv=maybe; d=e.org; s=s; b=AAAA", "bad cv=", 0 },
  { "as-future", DKIMMOD_SIG_AS, "i=1; a=rsa-sha256; cv=none; d=e.org; s=s; t=1900000000; b=AAAA",
    "signature timestamp in the future", 0 },
  { "as-no-bh-needed", DKIMMOD_SIG_AS, "i=1; a=ed25519-sha256; cv=none; d=e.org; s=s; b=AAAA",
    NULL, 1 },
};

static void
test_tags (gconstpointer data)
{
  const TagCase *c = data;
  DkimmodTagList tags;
  DkimmodSigSpec spec = { 0 };
  g_autoptr (GError) error = NULL;
  gboolean okay;

  g_assert_true (dkimmod_tag_list_parse (c->tags, strlen (c->tags), &tags, NULL));
  okay = dkimmod_sigparse_kind (&tags, c->kind, NOW, 300, &spec, &error);
  if (c->reason != NULL)
    {
      g_assert_false (okay);
      g_assert_cmpstr (error->message, ==, c->reason);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_true (okay);
      g_assert_cmpuint (spec.instance, ==, c->instance);
      g_assert_null (spec.identity);   /* i= is no identity in ARC */
      if (c->kind == DKIMMOD_SIG_AS)
        g_assert_cmpint (spec.hcanon, ==, DKIMMOD_CANON_RELAXED);
    }
  dkimmod_sigspec_clear (&spec);
}

/* --- chains of well-formed fields --------------------------------------------- */

/* as_field - "ARC-Seal: i=I; cv=CV; ..." (signature not real) */
static char *
as_field (guint i, const char *cv, const char *d)
{
  return g_strdup_printf ("ARC-Seal: i=%u; a=rsa-sha256; cv=%s; d=%s; s=s%u; t=12345;\r\n"
                          "    b=AAAA\r\n", i, cv, d, i);
}

static char *
ams_field (guint i, const char *d)
{
  return g_strdup_printf ("ARC-Message-Signature: i=%u; a=rsa-sha256; c=relaxed/relaxed;\r\n"
                          "    d=%s; s=s%u; h=from:to; " BH "; b=AAAA\r\n", i, d, i);
}

static char *
aar_field (guint i)
{
  return g_strdup_printf ("ARC-Authentication-Results: i=%u; mx%u.example; spf=pass\r\n", i, i);
}

/* chain_fields - sets N..1 (newest on top), then the message's own;
 * SPEC mutates them: "gap2" leaves out set 2, "dup-ams1", "no-aar1",
 * "cv1-pass", "cv2-none", "cvN-fail" */
static GPtrArray *
chain_fields (guint n, const char *spec)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);

  for (guint i = n; i >= 1; i--)
    {
      const char *cv = i == 1 ? "none" : "pass";

      if (g_strcmp0 (spec, "gap2") == 0 && i == 2)
        continue;
      if ((g_strcmp0 (spec, "cv1-pass") == 0 && i == 1) || (g_strcmp0 (spec, "cv2-none") == 0 && i == 2))
        cv = i == 1 ? "pass" : "none";
      if (g_strcmp0 (spec, "cvN-fail") == 0 && i == n)
        cv = "fail";
      g_ptr_array_add (fields, as_field (i, cv, i % 2 ? "Odd.Example" : "even.example"));
      g_ptr_array_add (fields, ams_field (i, "example.org"));
      if (g_strcmp0 (spec, "dup-ams1") == 0 && i == 1)
        g_ptr_array_add (fields, ams_field (i, "example.org"));
      if (g_strcmp0 (spec, "no-aar1") != 0 || i != 1)
        g_ptr_array_add (fields, aar_field (i));
    }
  g_ptr_array_add (fields, g_strdup ("From: a@example.org\r\n"));
  g_ptr_array_add (fields, g_strdup ("To: b@example.net\r\n"));
  return fields;
}

static GPtrArray *
header_fields (GPtrArray *texts)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_header_field_free);

  for (guint i = 0; i < texts->len; i++)
    {
      const char *t = g_ptr_array_index (texts, i);

      g_ptr_array_add (out, dkimmod_header_field_new (t, strlen (t), NULL));
    }
  return out;
}

typedef struct {
  const char *name;
  guint n;
  const char *mutation;
  const char *fail;   /* NULL: structure holds */
} ChainCase;

static const ChainCase chain_cases[] = {
  { "one", 1, NULL, NULL },
  { "three", 3, NULL, NULL },
  { "fifty", 50, NULL, NULL },
  { "gap", 3, "gap2", "instance 2 has no ARC-Seal" },
  { "duplicate", 2, "dup-ams1", "two ARC-Message-Signature fields with i=1" },
  { "missing-aar", 2, "no-aar1", "instance 1 has no ARC-Authentication-Results" },
  { "cv1-pass", 2, "cv1-pass", "ARC-Seal i=1 has cv=pass, not none" },
  { "cv2-none", 3, "cv2-none", "ARC-Seal i=2 has cv=none, not pass" },
  { "newest-cv-fail", 3, "cvN-fail", "ARC-Seal i=3 says cv=fail" },
};

static void
test_chain (gconstpointer data)
{
  const ChainCase *c = data;
  g_autoptr (GPtrArray) texts = chain_fields (c->n, c->mutation);
  g_autoptr (GPtrArray) fields = header_fields (texts);
  g_autoptr (DkimmodArcChain) chain = dkimmod_arc_chain_collect (fields, NOW, 300);

  g_assert_cmpstr (chain->fail, ==, c->fail);
  g_assert_cmpuint (chain->n, ==, c->n);
  if (c->fail == NULL)
    for (guint i = 1; i <= c->n; i++)
      {
        g_assert_cmpuint (chain->sets[i - 1].as_spec.instance, ==, i);
        g_assert_cmpuint (chain->sets[i - 1].ams_spec.instance, ==, i);
        g_assert_null (chain->sets[i - 1].ams_error);
      }
}

static void
test_chain_over_fifty (void)
{
  g_autoptr (GPtrArray) texts = chain_fields (50, NULL);
  g_autoptr (GPtrArray) fields = NULL;
  g_autoptr (DkimmodArcChain) chain = NULL;

  g_ptr_array_insert (texts, 0, aar_field (50));   /* a 151st ARC field */
  fields = header_fields (texts);
  chain = dkimmod_arc_chain_collect (fields, NOW, 300);
  g_assert_cmpstr (chain->fail, ==, "more than 50 ARC sets");
}

static void
test_chain_none (void)
{
  g_autoptr (GPtrArray) texts = chain_fields (0, NULL);
  g_autoptr (GPtrArray) fields = header_fields (texts);
  g_autoptr (DkimmodArcChain) chain = dkimmod_arc_chain_collect (fields, NOW, 300);

  g_assert_cmpuint (chain->n, ==, 0);
  g_assert_null (chain->fail);
}

static void
test_chain_bad_ams_is_no_structure_fail (void)
{
  g_autoptr (GPtrArray) texts = chain_fields (2, NULL);
  g_autoptr (GPtrArray) fields = NULL;
  g_autoptr (DkimmodArcChain) chain = NULL;

  /* an older AMS that cannot be read only ends oldest-pass (RFC 8617 5.2 step 5) */
  g_free (texts->pdata[4]);
  texts->pdata[4] = g_strdup ("ARC-Message-Signature: i=1; a=rsa-md5; d=e.org; s=s; h=from; "
                              BH "; b=AAAA\r\n");
  fields = header_fields (texts);
  chain = dkimmod_arc_chain_collect (fields, NOW, 300);
  g_assert_null (chain->fail);
  g_assert_cmpstr (chain->sets[0].ams_error, ==, "unsupported algorithm");
}

/* --- the verifier's steps ------------------------------------------------------- */

static int64_t
fixed_now (void *data)
{
  (void) data;
  return NOW;
}

/* feed - TEXTS and a short body into a new verifier on Q */
static DkimmodArcVerifier *
feed (DkimmodContext *ctx, DkimmodDnsQueries *q, GPtrArray *texts)
{
  DkimmodArcVerifier *a = dkimmod_arc_verifier_new (ctx, NULL, q);
  DkimmodError err = { 0 };

  for (guint i = 0; i < texts->len; i++)
    g_assert_cmpint (dkimmod_arc_verifier_add_header (a, texts->pdata[i],
                                                      strlen (texts->pdata[i]), &err), ==, 0);
  g_assert_cmpint (dkimmod_arc_verifier_end_headers (a, &err), ==, 0);
  g_assert_cmpint (dkimmod_arc_verifier_add_body (a, "Hi\r\n", 4, &err), ==, 0);
  return a;
}

static void
test_verifier_none (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (GPtrArray) texts = chain_fields (0, NULL);
  g_autoptr (DkimmodArcVerifier) a = feed (ctx, NULL, texts);
  const DkimmodArcResultInfo *r;
  DkimmodError err = { 0 };
  char *line;

  g_assert_cmpuint (dkimmod_dns_queries_count (dkimmod_arc_verifier_queries (a)), ==, 0);
  g_assert_null (dkimmod_arc_verifier_result (a));
  g_assert_cmpint (dkimmod_arc_verifier_step (a, &err), ==, 0);   /* body not ended */
  g_assert_cmpint (dkimmod_arc_verifier_finish (a, &err), ==, 0);
  g_assert_cmpint (dkimmod_arc_verifier_step (a, &err), ==, 1);
  r = dkimmod_arc_verifier_result (a);
  g_assert_cmpint (r->result, ==, DKIMMOD_RESULT_NONE);
  g_assert_cmpuint (r->instances, ==, 0);
  g_assert_null (r->sealers);
  line = dkimmod_arc_resinfo (r, "192.0.2.1");
  g_assert_cmpstr (line, ==, "arc=none");
  dkimmod_free (line);
}

static void
test_verifier_shared_questions (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  DkimmodDnsQueries *q = dkimmod_dns_queries_new ();
  g_autoptr (GPtrArray) texts = chain_fields (2, NULL);
  DkimmodArcVerifier *a = NULL;
  const DkimmodArcResultInfo *r;
  DkimmodError err = { 0 };
  g_autofree char *line = NULL;

  dkimmod_context_set_clock (ctx, fixed_now, NULL);
  /* a DKIM key of the same name asked first: ARC asks no second copy */
  (void) dkimmod_dns_queries_ask (q, "S1._domainkey.Odd.Example", DKIMMOD_DNS_TXT);
  a = feed (ctx, q, texts);
  g_assert_true (dkimmod_arc_verifier_queries (a) == q);
  /* s1._domainkey.odd.example (AS 1), s2._domainkey.even.example (AS 2),
   * s1 and s2 ._domainkey.example.org (the AMSes) */
  g_assert_cmpuint (dkimmod_dns_queries_count (q), ==, 4);
  g_assert_cmpint (dkimmod_arc_verifier_finish (a, &err), ==, 0);
  g_assert_cmpint (dkimmod_arc_verifier_step (a, &err), ==, 0);
  for (size_t i = 0; i < dkimmod_dns_queries_count (q); i++)
    {
      const char *name = dkimmod_dns_queries_name (q, i);

      g_assert_cmpint (dkimmod_arc_verifier_step (a, &err), ==, 0);
      g_assert_cmpint (dkimmod_dns_queries_answer (q, name, DKIMMOD_DNS_TXT,
                                                   strcmp (name, "s2._domainkey.example.org") == 0
                                                     ? DKIMMOD_DNS_SERVFAIL : DKIMMOD_DNS_NXDOMAIN,
                                                   NULL, NULL, 0, 0, &err), ==, 0);
    }
  g_assert_cmpint (dkimmod_arc_verifier_step (a, &err), ==, 1);
  r = dkimmod_arc_verifier_result (a);
  /* the newest AMS (i=2) is checked first: its key had a temporary error */
  g_assert_cmpint (r->result, ==, DKIMMOD_RESULT_FAIL);
  g_assert_true (r->temporary);
  g_assert_cmpuint (r->instances, ==, 2);
  g_assert_cmpuint (r->oldest_pass, ==, 0);
  g_assert_cmpuint (r->n_sealers, ==, 0);
  g_assert_cmpstr (r->reason, ==, "ARC-Message-Signature i=2: key s2._domainkey.example.org: DNS error");
  line = dkimmod_arc_resinfo (r, "2001:db8::1");
  g_assert_cmpstr (line, ==, "arc=fail reason=\"ARC-Message-Signature i=2: key "
                   "s2._domainkey.example.org: DNS error\" smtp.remote-ip=\"2001:db8::1\"");
  dkimmod_arc_verifier_free (a);   /* before the set it asks into */
  dkimmod_dns_queries_free (q);
}

static void
test_verifier_structure_fail_asks_nothing (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (GPtrArray) texts = chain_fields (3, "gap2");
  g_autoptr (DkimmodArcVerifier) a = feed (ctx, NULL, texts);
  DkimmodError err = { 0 };

  g_assert_cmpuint (dkimmod_dns_queries_count (dkimmod_arc_verifier_queries (a)), ==, 0);
  g_assert_cmpint (dkimmod_arc_verifier_finish (a, &err), ==, 0);
  g_assert_cmpint (dkimmod_arc_verifier_step (a, &err), ==, 1);
  g_assert_cmpint (dkimmod_arc_verifier_result (a)->result, ==, DKIMMOD_RESULT_FAIL);
  g_assert_false (dkimmod_arc_verifier_result (a)->temporary);
}

static void
test_verifier_call_order (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodArcVerifier) a = dkimmod_arc_verifier_new (ctx, NULL, NULL);
  DkimmodError err = { 0 };

  g_assert_cmpint (dkimmod_arc_verifier_step (a, &err), ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_INVAL);
  g_assert_cmpint (dkimmod_arc_verifier_add_body (a, "x", 1, &err), ==, -1);
  g_assert_cmpint (dkimmod_arc_verifier_finish (a, &err), ==, -1);
  g_assert_cmpint (dkimmod_arc_verifier_end_headers (a, &err), ==, 0);
  g_assert_cmpint (dkimmod_arc_verifier_add_header (a, "X: y\r\n", 6, &err), ==, -1);
}

static void
test_resinfo (void)
{
  static const char *const sealers[] = { "a.example", "b.example", NULL };
  DkimmodArcResultInfo r = { 0 };
  char *line;

  r.result = DKIMMOD_RESULT_PASS;
  r.reason = "";
  r.instances = 2;
  r.oldest_pass = 1;
  r.n_sealers = 2;
  r.sealers = sealers;
  line = dkimmod_arc_resinfo (&r, "192.0.2.1");
  g_assert_cmpstr (line, ==, "arc=pass (i=2) smtp.remote-ip=192.0.2.1 header.oldest-pass=1");
  dkimmod_free (line);
  line = dkimmod_arc_resinfo (&r, NULL);
  g_assert_cmpstr (line, ==, "arc=pass (i=2) header.oldest-pass=1");
  dkimmod_free (line);
  r.result = DKIMMOD_RESULT_FAIL;
  r.reason = "bad \"seal\"\r\n; x";
  line = dkimmod_arc_resinfo (&r, "");
  g_assert_cmpstr (line, ==, "arc=fail reason=\"bad \\\"seal\\\"; x\"");
  dkimmod_free (line);
  r.reserved[3] = &r;
  g_assert_null (dkimmod_arc_resinfo (&r, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arc/aar-instance", test_aar_instance);
  for (gsize i = 0; i < G_N_ELEMENTS (tag_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/arc/tags/", tag_cases[i].name, NULL);
      g_test_add_data_func (path, &tag_cases[i], test_tags);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (chain_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/arc/chain/", chain_cases[i].name, NULL);
      g_test_add_data_func (path, &chain_cases[i], test_chain);
    }
  g_test_add_func ("/arc/chain/over-fifty", test_chain_over_fifty);
  g_test_add_func ("/arc/chain/none", test_chain_none);
  g_test_add_func ("/arc/chain/bad-older-ams", test_chain_bad_ams_is_no_structure_fail);
  g_test_add_func ("/arc/verifier/none", test_verifier_none);
  g_test_add_func ("/arc/verifier/shared-questions", test_verifier_shared_questions);
  g_test_add_func ("/arc/verifier/structure-fail", test_verifier_structure_fail_asks_nothing);
  g_test_add_func ("/arc/verifier/call-order", test_verifier_call_order);
  g_test_add_func ("/arc/resinfo", test_resinfo);
  return g_test_run ();
}
