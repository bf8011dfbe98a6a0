/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-config-syntax.c - the value checkers of config-syntax.c and macros
 * DESCRIPTION
 *	Table-driven: each value with whether it is accepted (and the
 *	result), for domains, selectors, identities, header lists, durations,
 *	sizes, next hops, algorithms, canonicalizations, sender keys and
 *	macro scanning/expansion.
 */
#include "config-private.h"

#include <string.h>

static void
test_domain (void)
{
  static const struct {
    const char *s;
    guint min;
    gboolean ok;
  } cases[] = {
    { "example.net", 2, TRUE }, { "a.b.c.d.example", 2, TRUE }, { "xn--bcher-kva.example", 2, TRUE },
    { "net", 2, FALSE }, { "net", 1, TRUE }, { "", 1, FALSE }, { "example..net", 2, FALSE },
    { ".example.net", 2, FALSE }, { "example.net.", 2, FALSE }, { "-a.example", 2, FALSE },
    { "a-.example", 2, FALSE }, { "a_b.example", 2, FALSE }, { "a b.example", 2, FALSE },
    { "bücher.example", 2, FALSE }, { "a/b.example", 2, FALSE },
  };
  const char *why;
  char label63[64], label64[65];
  g_autofree char *ok63 = NULL, *bad64 = NULL;

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_test_message ("%s", cases[k].s);
      g_assert_cmpint (dkimmod_config_check_domain (cases[k].s, cases[k].min, &why), ==,
                       cases[k].ok);
    }
  memset (label63, 'a', 63);
  label63[63] = '\0';
  memset (label64, 'a', 64);
  label64[64] = '\0';
  ok63 = g_strconcat (label63, ".example", NULL);
  bad64 = g_strconcat (label64, ".example", NULL);
  g_assert_true (dkimmod_config_check_domain (ok63, 2, &why));
  g_assert_false (dkimmod_config_check_domain (bad64, 2, &why));
  g_assert_cmpstr (why, ==, "a label is longer than 63 characters");
}

static void
test_identity (void)
{
  static const struct {
    const char *i, *d;
    gboolean ok;
  } cases[] = {
    { "@example.net", "example.net", TRUE }, { "user@example.net", "example.net", TRUE },
    { "user@mail.example.net", "example.net", TRUE }, { "user@Example.NET", "example.net", TRUE },
    { "u.s-e+r@example.net", "example.net", TRUE }, { "user@badexample.net", "example.net", FALSE },
    { "user@net", "example.net", FALSE }, { "example.net", "example.net", FALSE },
    { "a=b@example.net", "example.net", FALSE }, { "a;b@example.net", "example.net", FALSE },
    { "a b@example.net", "example.net", FALSE }, { ".a@example.net", "example.net", FALSE },
    { "a..b@example.net", "example.net", FALSE },
  };
  const char *why;

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_test_message ("%s", cases[k].i);
      g_assert_cmpint (dkimmod_config_check_identity (cases[k].i, cases[k].d, &why), ==,
                       cases[k].ok);
    }
}

static void
test_field_list (void)
{
  const char *why;
  g_autofree char *a = dkimmod_config_normalise_field_list (" From : To:subject ", TRUE, FALSE,
                                                            &why);
  g_autofree char *b = dkimmod_config_normalise_field_list ("  ", FALSE, TRUE, &why);

  g_assert_cmpstr (a, ==, "From:To:subject");
  g_assert_cmpstr (b, ==, "");
  g_assert_null (dkimmod_config_normalise_field_list ("To:Subject", TRUE, FALSE, &why));
  g_assert_null (dkimmod_config_normalise_field_list ("From::To", TRUE, FALSE, &why));
  g_assert_null (dkimmod_config_normalise_field_list ("From:", TRUE, FALSE, &why));
  g_assert_null (dkimmod_config_normalise_field_list ("From:X Y", TRUE, FALSE, &why));
  g_assert_null (dkimmod_config_normalise_field_list ("", TRUE, FALSE, &why));
}

static void
test_numbers (void)
{
  guint64 n;
  const char *why;

  g_assert_true (dkimmod_config_parse_duration ("300", 86400, &n, &why) && n == 300);
  g_assert_true (dkimmod_config_parse_duration ("5m", 86400, &n, &why) && n == 300);
  g_assert_true (dkimmod_config_parse_duration ("2w", G_MAXUINT64, &n, &why) && n == 1209600);
  g_assert_true (dkimmod_config_parse_duration ("1d", 86400, &n, &why) && n == 86400);
  g_assert_false (dkimmod_config_parse_duration ("25h", 86400, &n, &why));
  g_assert_false (dkimmod_config_parse_duration ("5 m", 86400, &n, &why));
  g_assert_false (dkimmod_config_parse_duration ("5mm", 86400, &n, &why));
  g_assert_false (dkimmod_config_parse_duration ("-5", 86400, &n, &why));
  g_assert_false (dkimmod_config_parse_duration ("", 86400, &n, &why));
  g_assert_false (dkimmod_config_parse_duration ("99999999999999999999999", G_MAXUINT64, &n,
                                                 &why));
  g_assert_true (dkimmod_config_parse_size ("1M", G_MAXUINT64, &n, &why) && n == 1048576);
  g_assert_true (dkimmod_config_parse_size ("64k", G_MAXUINT64, &n, &why) && n == 65536);
  g_assert_true (dkimmod_config_parse_size ("3G", G_MAXUINT64, &n, &why) && n == 3221225472u);
  g_assert_false (dkimmod_config_parse_size ("17179869184G", G_MAXUINT64, &n, &why));
  g_assert_false (dkimmod_config_parse_size ("1T", G_MAXUINT64, &n, &why));
}

static void
test_next_hop (void)
{
  static const struct {
    const char *s;
    gboolean ok;
  } cases[] = {
    { "127.0.0.1:10018", TRUE }, { "[::1]:10018", TRUE }, { "mail.example.net:25", TRUE },
    { "localhost:25", TRUE }, { "unix:/run/x.sock", TRUE }, { "unix:run/x", FALSE },
    { "127.0.0.1", FALSE }, { ":25", FALSE }, { "127.0.0.1:65536", FALSE },
    { "127.0.0.1:x", FALSE }, { "[::1]10018", FALSE }, { "[nothex]:25", FALSE },
    { "::1:25", FALSE }, { "bad host:25", FALSE },
  };
  const char *why;

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_test_message ("%s", cases[k].s);
      g_assert_cmpint (dkimmod_config_check_next_hop (cases[k].s, &why), ==, cases[k].ok);
    }
}

static void
test_algorithm_canon (void)
{
  DkimmodAlgorithm a;
  DkimmodCanon h, b;
  const char *why;

  g_assert_true (dkimmod_config_parse_algorithm ("rsa-sha256", &a, &why));
  g_assert_cmpint (a, ==, DKIMMOD_ALG_RSA_SHA256);
  g_assert_true (dkimmod_config_parse_algorithm ("ed25519-sha256", &a, &why));
  g_assert_cmpint (a, ==, DKIMMOD_ALG_ED25519_SHA256);
  g_assert_false (dkimmod_config_parse_algorithm ("rsa-sha1", &a, &why));
  g_assert_nonnull (strstr (why, "RFC 8301"));
  g_assert_true (dkimmod_config_parse_canon ("relaxed", &h, &b, &why));
  g_assert_cmpint (h, ==, DKIMMOD_CANON_RELAXED);
  g_assert_cmpint (b, ==, DKIMMOD_CANON_SIMPLE);
  g_assert_true (dkimmod_config_parse_canon ("simple/relaxed", &h, &b, &why));
  g_assert_cmpint (h, ==, DKIMMOD_CANON_SIMPLE);
  g_assert_cmpint (b, ==, DKIMMOD_CANON_RELAXED);
  g_assert_false (dkimmod_config_parse_canon ("relaxed/", &h, &b, &why));
  g_assert_false (dkimmod_config_parse_canon ("relaxed/relaxed/relaxed", &h, &b, &why));
  g_assert_false (dkimmod_config_parse_canon ("", &h, &b, &why));
}

static void
test_sender_key (void)
{
  const char *why;
  g_autofree char *a = dkimmod_config_normalise_sender ("Jason+X@Example.NET", &why);
  g_autofree char *b = dkimmod_config_normalise_sender (".", &why);
  g_autofree char *c = dkimmod_config_normalise_sender ("NET", &why);

  g_assert_cmpstr (a, ==, "jason+x@example.net");
  g_assert_cmpstr (b, ==, ".");
  g_assert_cmpstr (c, ==, "net");
  g_assert_null (dkimmod_config_normalise_sender ("@example.net", &why));
  g_assert_null (dkimmod_config_normalise_sender ("a b@example.net", &why));
  g_assert_null (dkimmod_config_normalise_sender ("a@", &why));
  g_assert_null (dkimmod_config_normalise_sender ("*.example.net", &why));
  g_assert_null (dkimmod_config_normalise_sender ("", &why));
}

static void
test_macros (void)
{
  DkimmodMacroUse uses;
  g_autofree char *bad = NULL;
  g_autofree char *x = NULL, *y = NULL;

  g_assert_true (dkimmod_config_macro_scan ("plain", &uses, &bad));
  g_assert_cmpint (uses, ==, DKIMMOD_MACRO_NONE);
  g_assert_true (dkimmod_config_macro_scan ("/k/$senderdomain.key", &uses, &bad));
  g_assert_cmpint (uses, ==, DKIMMOD_MACRO_SENDERDOMAIN);
  g_assert_true (dkimmod_config_macro_scan ("$sender$$", &uses, &bad));
  g_assert_cmpint (uses, ==, DKIMMOD_MACRO_SENDER | DKIMMOD_MACRO_DOLLAR);
  g_assert_false (dkimmod_config_macro_scan ("$senderdomain_key", &uses, &bad));
  g_assert_cmpstr (bad, ==, "$senderdomain_key");
  g_clear_pointer (&bad, g_free);
  g_assert_false (dkimmod_config_macro_scan ("trailing$", &uses, &bad));
  g_assert_cmpstr (bad, ==, "$");
  x = dkimmod_config_macro_expand ("$sender|$senderdomain|$$|$$sender", "a@b.example", "b.example");
  g_assert_cmpstr (x, ==, "a@b.example|b.example|$|$sender");
  y = dkimmod_config_macro_expand ("/k/$senderdomain.key", "", "");
  g_assert_cmpstr (y, ==, "/k/.key");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/syntax/domain", test_domain);
  g_test_add_func ("/config/syntax/identity", test_identity);
  g_test_add_func ("/config/syntax/field-list", test_field_list);
  g_test_add_func ("/config/syntax/numbers", test_numbers);
  g_test_add_func ("/config/syntax/next-hop", test_next_hop);
  g_test_add_func ("/config/syntax/algorithm-canon", test_algorithm_canon);
  g_test_add_func ("/config/syntax/sender-key", test_sender_key);
  g_test_add_func ("/config/syntax/macros", test_macros);
  return g_test_run ();
}
