/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-authres - Authentication-Results formatting and removal
 */
#include <string.h>
#include <glib.h>

#include "authres.h"

static DkimmodSignatureResult
result (DkimmodResult res, const char *reason, const char *b)
{
  DkimmodSignatureResult r = { 0 };

  r.result = res;
  r.reason = reason;
  r.domain = "example.net";
  r.identity = "@example.net";
  r.selector = "sel";
  r.algorithm = "rsa-sha256";
  r.b = b;
  r.key_bits = 2048;
  r.key_record = 0;
  return r;
}

static void
test_pass (void)
{
  DkimmodSignatureResult r = result (DKIMMOD_RESULT_PASS, "", "AbCdEfGhIjKl");
  g_autofree char *ar = dkimmod_authres_format ("mx.example.net", &r, 1, NULL, 0);

  g_assert_cmpstr (ar, ==,
                   "Authentication-Results: mx.example.net;\r\n"
                   "\tdkim=pass (2048-bit key) header.d=example.net header.i=@example.net\r\n"
                   "\t header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh\r\n");
}

static void
test_none (void)
{
  g_autofree char *ar = dkimmod_authres_format ("mx.example.net", NULL, 0, NULL, 0);

  g_assert_cmpstr (ar, ==, "Authentication-Results: mx.example.net; dkim=none\r\n");
}

static void
test_two_with_reason_and_unique_b (void)
{
  DkimmodSignatureResult r[2] = {
    result (DKIMMOD_RESULT_FAIL, "body hash \"did\" not verify", "AbCdEfGhIjKl+x"),
    result (DKIMMOD_RESULT_PASS, "", "AbCdEfGhIjZZ/y"),
  };
  g_autofree char *ar = dkimmod_authres_format ("mx.example.net", r, 2, NULL, 0);

  g_assert_cmpstr (ar, ==,
                   "Authentication-Results: mx.example.net;\r\n"
                   "\tdkim=fail (2048-bit key) reason=\"body hash \\\"did\\\" not verify\"\r\n"
                   "\t header.d=example.net header.i=@example.net header.s=sel\r\n"
                   "\t header.a=rsa-sha256 header.b=AbCdEfGhIjK;\r\n"
                   "\tdkim=pass (2048-bit key) header.d=example.net header.i=@example.net\r\n"
                   "\t header.s=sel header.a=rsa-sha256 header.b=AbCdEfGhIjZ\r\n");
}

static void
test_quoting (void)
{
  /* '/' is an RFC 2045 tspecial: the value must be quoted; a CRLF and a
   * ';' from a hostile d= must not escape the quotes */
  DkimmodSignatureResult r = result (DKIMMOD_RESULT_PERMERROR, "key revoked", "ab/cdefghij");
  r.domain = "evil.example;\r\n dkim=pass";
  r.identity = "j\"oe@example.net";
  r.key_bits = 0;
  g_autofree char *ar = dkimmod_authres_format ("mx.example.net", &r, 1, NULL, 0);

  g_assert_nonnull (strstr (ar, "header.b=\"ab/cdefg\""));
  g_assert_nonnull (strstr (ar, "header.d=\"evil.example; dkim=pass\""));
  g_assert_nonnull (strstr (ar, "header.i=\"j\\\"oe@example.net\""));
  g_assert_nonnull (strstr (ar, "reason=\"key revoked\""));
  g_assert_null (strstr (ar, "bit key"));
  /* only the folding CRLFs (each followed by WSP) and the final one */
  for (const char *p = strstr (ar, "\r\n"); p != NULL; p = strstr (p + 2, "\r\n"))
    g_assert_true (p[2] == '\0' || p[2] == '\t' || p[2] == ' ');
}

/* header.i is bare only as [dot-atom] "@" domain-name (RFC 8601 pvalue):
 * an empty label or a leading dot must be quoted (python3-authres found
 * header.i=@.a.example written bare) */
static void
test_identity_pvalue (void)
{
  static const char *const bare[] = { "@a.example", "j.doe@a-b.example", "@1.example" };
  static const char *const quoted[] = { "@.a.example", "@a..example", "@a.example.", ".j@a.example",
                                        "j..d@a.example", "j.@a.example", "@-a.example",
                                        "@a-.example", "@example", "@" };

  for (gsize i = 0; i < G_N_ELEMENTS (bare) + G_N_ELEMENTS (quoted); i++)
    {
      gboolean is_bare = i < G_N_ELEMENTS (bare);
      const char *id = is_bare ? bare[i] : quoted[i - G_N_ELEMENTS (bare)];
      DkimmodSignatureResult r = result (DKIMMOD_RESULT_PASS, "", "abcdefghij");
      g_autofree char *line = NULL, *want = NULL;

      r.identity = id;
      line = dkimmod_authres_resinfo (&r, NULL, 0);
      want = g_strdup_printf (is_bare ? " header.i=%s " : " header.i=\"%s\" ", id);
      g_test_message ("%s", line);
      g_assert_nonnull (strstr (line, want));
    }
}

static void
test_comment_flags (void)
{
  DkimmodSignatureResult r = result (DKIMMOD_RESULT_PASS, "", "abcdefghij");
  r.testing = 1;
  r.secure = 1;
  r.algorithm = "ed25519-sha256";
  r.key_bits = 256;
  g_autofree char *ar = dkimmod_authres_format ("mx", &r, 1, NULL, 0);

  g_assert_nonnull (strstr (ar, "dkim=pass (256-bit key; testing; secure) header.d="));
}

static void
test_fold_width (void)
{
  DkimmodSignatureResult r = result (DKIMMOD_RESULT_FAIL, "signature did not verify",
                                     "abcdefghijklmnop");
  r.domain = "a-rather-long-subdomain.of-a-rather-long-domain.example.net";
  r.identity = "someone.with.a.long.name@a-rather-long-subdomain.of-a-rather-long-domain.example.net";
  g_autofree char *ar = dkimmod_authres_format ("mx.example.net", &r, 1, NULL, 0);
  g_auto (GStrv) lines = g_strsplit (ar, "\r\n", -1);

  /* a line over 78 columns may only be one unbreakable word */
  for (char **l = lines; *l != NULL; l++)
    if (strlen (*l) + (**l == '\t' ? 7 : 0) > 78)
      g_assert_null (strchr (g_strstrip (*l), ' '));
  g_assert_cmpuint (g_strv_length (lines), >=, 4);
}

static void
test_header_b_among_all (void)
{
  /* a signature not evaluated (over the limit) still counts for uniqueness */
  DkimmodSignatureResult r = result (DKIMMOD_RESULT_PASS, "", "12345678901234");
  const char *all[] = { "12345678901234", "1234567890XX" };
  g_autofree char *ar = dkimmod_authres_format ("mx", &r, 1, all, 2);

  g_assert_nonnull (strstr (ar, "header.b=12345678901\r\n"));
}

typedef struct {
  const char *field;
  int ours;
} RemovalCase;

static const RemovalCase removal[] = {
  { "Authentication-Results: mx.example.net; dkim=pass header.d=x", 1 },
  { "authentication-results:MX.Example.NET;dkim=pass", 1 },
  { "Authentication-Results : mx.example.net; none", 1 },
  { "Authentication-Results: (forged (nested) comment)\r\n mx.example.net 1; dkim=pass", 1 },
  { "Authentication-Results: \"mx.example.net\"; dkim=pass", 1 },
  { "Authentication-Results: mx.example.net (comment); dkim=pass", 1 },
  { "Authentication-Results: mx.example.net", 1 },
  /* issue 9 item 8: the absolute spelling is ours too, in any case */
  { "Authentication-Results: mx.example.net.; dkim=pass", 1 },
  { "AUTHENTICATION-RESULTS: MX.EXAMPLE.NET.; dkim=pass", 1 },
  { "Authentication-Results: \"mx.example.net.\"; dkim=pass", 1 },
  { "Authentication-Results: mx.example.net..; dkim=pass", 0 },
  { "Authentication-Results: mx.example.net.evil.example; dkim=pass", 0 },
  { "Authentication-Results: other.example.net; dkim=pass header.d=mx.example.net", 0 },
  { "Authentication-Results: mx.example.ne; dkim=pass", 0 },
  { "Authentication-Results-Foo: mx.example.net; dkim=pass", 0 },
  { "X-Authentication-Results: mx.example.net; dkim=pass", 0 },
  { "Authentication-Results: (unterminated mx.example.net; dkim=pass", 0 },
  { "Authentication-Results:", 0 },
  { "Received: from mx.example.net", 0 },
};

static void
test_removal (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (removal); i++)
    {
      g_test_message ("case %s", removal[i].field);
      g_assert_cmpint (dkimmod_authres_is_ours (removal[i].field, strlen (removal[i].field),
                                                "mx.example.net"), ==, removal[i].ours);
    }
  /* length is honoured: cut inside the id, it is another id */
  g_assert_cmpint (dkimmod_authres_is_ours (removal[0].field, 30, "mx.example.net"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/authres/pass", test_pass);
  g_test_add_func ("/authres/none", test_none);
  g_test_add_func ("/authres/two-reason-unique-b", test_two_with_reason_and_unique_b);
  g_test_add_func ("/authres/quoting", test_quoting);
  g_test_add_func ("/authres/identity-pvalue", test_identity_pvalue);
  g_test_add_func ("/authres/comment-flags", test_comment_flags);
  g_test_add_func ("/authres/fold-width", test_fold_width);
  g_test_add_func ("/authres/header-b-among-all", test_header_b_among_all);
  g_test_add_func ("/authres/removal", test_removal);
  return g_test_run ();
}
