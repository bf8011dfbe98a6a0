/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-auth.c - the message aggregate: one question set, the step loop, one A-R
 * DESCRIPTION
 *	Messages signed by our signer go through DkimmodAuth; the host
 *	answers the questions from a zone table. Checks that DKIM's and
 *	DMARC's questions are asked together at the end of the header (one
 *	round), that step says when nothing is open, that unanswered
 *	questions give temperror at finish, and the one field's contents.
 */
#include <string.h>
#include <glib.h>

#include "dkimmod.h"
#include "dnsquery.h"
#include "zone.h"

static DkimmodKey *
test_key (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "module", "data", "rsa2048.pem", NULL);
  g_autofree char *pem = NULL;
  gsize len;
  DkimmodError err;
  DkimmodKey *key;

  g_assert_true (g_file_get_contents (path, &pem, &len, NULL));
  key = dkimmod_key_load_pem (pem, len, &err);
  g_assert_nonnull (key);
  return key;
}

/* fields - the header fields of HEADERS (CRLF lines, folded ones joined) */
static GPtrArray *
fields (const char *headers)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *p = headers;

  while (*p != '\0')
    {
      const char *e = p;

      for (;;)
        {
          const char *crlf = strstr (e, "\r\n");

          if (crlf == NULL)
            {
              e = p + strlen (p);
              break;
            }
          e = crlf + 2;
          if (*e != ' ' && *e != '\t')
            break;
        }
      g_ptr_array_add (out, g_strndup (p, (gsize) (e - p)));
      p = e;
    }
  return out;
}

typedef struct {
  DkimmodContext *ctx;
  DkimmodKey *key;
  char *key_record;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  DkimmodError err;

  f->ctx = dkimmod_context_new ();
  f->key = test_key ();
  f->key_record = dkimmod_key_dns_record (f->key, &err);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  dkimmod_free (f->key_record);
  dkimmod_key_unref (f->key);
  dkimmod_context_unref (f->ctx);
}

#define BODY "Hello.\r\n"

/* signed_headers - the signature fields of d=DOMAIN plus HEADERS */
static char *
signed_headers (Fixture *f, const char *domain, const char *headers)
{
  DkimmodSigner *s = dkimmod_signer_new (f->ctx);
  DkimmodSignSpec spec;
  DkimmodError err;
  g_autoptr (GPtrArray) fs = fields (headers);
  g_autofree char *sigs = NULL;

  dkimmod_sign_spec_init (&spec);
  spec.domain = domain;
  spec.selector = "sel";
  spec.key = f->key;
  g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, 0);
  for (guint i = 0; i < fs->len; i++)
    g_assert_cmpint (dkimmod_signer_add_header (s, fs->pdata[i], strlen (fs->pdata[i]), &err), ==, 0);
  g_assert_cmpint (dkimmod_signer_end_headers (s, &err), ==, 0);
  g_assert_cmpint (dkimmod_signer_add_body (s, BODY, strlen (BODY), &err), ==, 0);
  sigs = dkimmod_signer_finish (s, NULL, &err);
  dkimmod_signer_free (s);
  return g_strconcat (sigs, headers, NULL);
}

/* run - the aggregate over HEADERS + BODY; ZONE answers (NULL: nothing) */
static DkimmodAuth *
run (Fixture *f, const DkimmodAuthOptions *opts, const char *headers, const char *zone,
     guint *rounds)
{
  DkimmodAuth *a = dkimmod_auth_new (f->ctx, opts);
  g_autoptr (GPtrArray) fs = fields (headers);
  DkimmodError err;
  int st;

  g_assert_nonnull (a);
  g_assert_cmpint (dkimmod_auth_set_envelope (a, "192.0.2.1", "mx.example.com",
                                              "<bounce@example.com>", &err), ==, 0);
  for (guint i = 0; i < fs->len; i++)
    g_assert_cmpint (dkimmod_auth_add_header (a, fs->pdata[i], strlen (fs->pdata[i]), &err), ==, 0);
  g_assert_cmpint (dkimmod_auth_end_headers (a, &err), ==, 0);
  g_assert_cmpint (dkimmod_auth_add_body (a, BODY, strlen (BODY), &err), ==, 0);
  *rounds = 0;
  while (zone != NULL && (st = dkimmod_auth_step (a, &err)) == 0)
    {
      g_assert_cmpuint (++*rounds, <=, 3);
      answer_from_zone (dkimmod_auth_queries (a), zone);
    }
  g_assert_cmpint (dkimmod_auth_finish (a, NULL, &err), ==, 0);
  return a;
}

static char *
zone_for (Fixture *f, const char *domain, const char *dmarc)
{
  return g_strdup_printf ("sel._domainkey.%s TXT %s\n_dmarc.%s TXT %s\n", domain, f->key_record,
                          domain, dmarc);
}

#define HDRS(from) "From: " from "\r\nTo: b@example.net\r\nSubject: hi\r\n" \
                   "Message-ID: <1@example.com>\r\n"

static void
test_pass (Fixture *f, gconstpointer data)
{
  g_autofree char *headers = signed_headers (f, "example.com", HDRS ("A <a@example.com>"));
  g_autofree char *zone = zone_for (f, "example.com", "v=DMARC1; p=reject");
  guint rounds;
  g_autoptr (DkimmodAuth) a = run (f, NULL, headers, zone, &rounds);
  const DkimmodDmarcResultInfo *r = dkimmod_auth_dmarc (a);
  DkimmodError err;
  g_autofree char *ar = dkimmod_auth_authres (a, "mx.example.net", &err);
  g_autofree char *line0 = dkimmod_auth_resinfo (a, 0), *line1 = dkimmod_auth_resinfo (a, 2);
  g_autofree char *spf_line = dkimmod_auth_resinfo (a, 1);

  g_assert_cmpuint (rounds, ==, 1);   /* keys and DMARC in one round */
  g_assert_nonnull (r);
  g_assert_cmpint (r->result, ==, DKIMMOD_DMARC_PASS);
  g_assert_true (r->dkim_aligned);
  g_assert_cmpstr (r->dkim_domain, ==, "example.com");
  g_assert_cmpint (dkimmod_verifier_summary (dkimmod_auth_dkim (a)), ==, DKIMMOD_RESULT_PASS);
  g_assert_cmpuint (dkimmod_auth_resinfo_count (a), ==, 3);   /* dkim, spf, dmarc */
  g_assert_cmpstr (spf_line, ==, "spf=none smtp.mailfrom=bounce@example.com");
  g_assert_nonnull (dkimmod_auth_spf (a));
  g_assert_true (g_str_has_prefix (line0, "dkim=pass (2048-bit key) header.d=example.com"));
  g_assert_cmpstr (line1, ==, "dmarc=pass (p=reject dis=none) header.from=example.com "
                              "policy.dmarc=none");
  g_assert_true (g_str_has_prefix (ar, "Authentication-Results: mx.example.net;\r\n\tdkim=pass"));
  g_assert_nonnull (strstr (ar, ";\r\n\tdmarc=pass (p=reject dis=none) header.from=example.com"));
  g_assert_true (g_str_has_suffix (ar, "policy.dmarc=none\r\n"));
}

static void
test_fail_reject (Fixture *f, gconstpointer data)
{
  /* signed by example.com, From example.org, which publishes p=reject */
  g_autofree char *headers = signed_headers (f, "example.com", HDRS ("a@example.org"));
  g_autofree char *zone = g_strdup_printf ("sel._domainkey.example.com TXT %s\n"
                                           "_dmarc.example.org TXT v=DMARC1; p=reject\n",
                                           f->key_record);
  guint rounds;
  g_autoptr (DkimmodAuth) a = run (f, NULL, headers, zone, &rounds);
  const DkimmodDmarcResultInfo *r = dkimmod_auth_dmarc (a);

  g_assert_cmpint (r->result, ==, DKIMMOD_DMARC_FAIL);
  g_assert_cmpint (r->disposition, ==, DKIMMOD_DMARC_POLICY_REJECT);
  g_assert_cmpint (dkimmod_verifier_summary (dkimmod_auth_dkim (a)), ==, DKIMMOD_RESULT_PASS);
}

static void
test_allow_list (Fixture *f, gconstpointer data)
{
  static const char *const allow[] = { "example.org", NULL };
  g_autofree char *headers = signed_headers (f, "example.com", HDRS ("a@example.org"));
  g_autofree char *zone = g_strdup_printf ("sel._domainkey.example.com TXT %s\n"
                                           "_dmarc.example.org TXT v=DMARC1; p=reject\n",
                                           f->key_record);
  DkimmodAuthOptions o;
  guint rounds;

  dkimmod_auth_options_init (&o);
  o.dmarc_allow_domains = allow;
  {
    g_autoptr (DkimmodAuth) a = run (f, &o, headers, zone, &rounds);
    const DkimmodDmarcResultInfo *r = dkimmod_auth_dmarc (a);

    g_assert_cmpint (r->result, ==, DKIMMOD_DMARC_FAIL);
    g_assert_cmpint (r->disposition, ==, DKIMMOD_DMARC_POLICY_NONE);
    g_assert_cmpint (r->override, ==, DKIMMOD_DMARC_OVERRIDE_LOCAL_POLICY);
  }
}

/* nothing answered: DKIM and DMARC are temperror, nothing is applied */
static void
test_unanswered (Fixture *f, gconstpointer data)
{
  g_autofree char *headers = signed_headers (f, "example.com", HDRS ("a@example.com"));
  guint rounds;
  g_autoptr (DkimmodAuth) a = run (f, NULL, headers, NULL, &rounds);
  const DkimmodDmarcResultInfo *r = dkimmod_auth_dmarc (a);

  g_assert_cmpint (dkimmod_verifier_summary (dkimmod_auth_dkim (a)), ==, DKIMMOD_RESULT_TEMPERROR);
  g_assert_cmpint (r->result, ==, DKIMMOD_DMARC_TEMPERROR);
  g_assert_cmpint (r->disposition, ==, DKIMMOD_DMARC_POLICY_ABSENT);
}

static void
test_methods (Fixture *f, gconstpointer data)
{
  g_autofree char *headers = signed_headers (f, "example.com", HDRS ("a@example.com"));
  g_autofree char *zone = zone_for (f, "example.com", "v=DMARC1; p=none");
  DkimmodAuthOptions o;
  guint rounds;

  dkimmod_auth_options_init (&o);
  o.methods = DKIMMOD_AUTH_DKIM;
  {
    g_autoptr (DkimmodAuth) a = run (f, &o, headers, zone, &rounds);
    DkimmodError err;
    g_autofree char *ar = dkimmod_auth_authres (a, "mx", &err);

    g_assert_null (dkimmod_auth_dmarc (a));
    g_assert_cmpuint (dkimmod_auth_resinfo_count (a), ==, 1);
    g_assert_null (strstr (ar, "dmarc="));
  }
  o.methods = DKIMMOD_AUTH_ALL;
  o.reserved[0] = &o;
  g_assert_null (dkimmod_auth_new (f->ctx, &o));
}

/* unsigned mail with no From: dkim=none, dmarc=permerror, one field */
static void
test_unsigned (Fixture *f, gconstpointer data)
{
  guint rounds;
  g_autoptr (DkimmodAuth) a = run (f, NULL, "Subject: x\r\n", "", &rounds);
  DkimmodError err;
  g_autofree char *ar = dkimmod_auth_authres (a, "mx.example.net", &err);

  g_assert_cmpstr (ar, ==, "Authentication-Results: mx.example.net;\r\n\tdkim=none;\r\n"
                           "\tspf=none smtp.mailfrom=bounce@example.com;\r\n"
                           "\tdmarc=permerror reason=\"no From field\"\r\n");
}

static void
test_call_order (Fixture *f, gconstpointer data)
{
  g_autoptr (DkimmodAuth) a = dkimmod_auth_new (f->ctx, NULL);
  DkimmodError err;

  g_assert_cmpint (dkimmod_auth_add_body (a, "x", 1, &err), ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_INVAL);
  g_assert_null (dkimmod_auth_authres (a, "mx", &err));
  g_assert_cmpint (dkimmod_auth_finish (a, NULL, &err), ==, -1);
  g_assert_null (dkimmod_auth_dmarc (a));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/auth/pass", test_pass);
  ADD ("/auth/fail-reject", test_fail_reject);
  ADD ("/auth/allow-list", test_allow_list);
  ADD ("/auth/unanswered", test_unanswered);
  ADD ("/auth/methods", test_methods);
  ADD ("/auth/unsigned", test_unsigned);
  ADD ("/auth/call-order", test_call_order);
  return g_test_run ();
}
