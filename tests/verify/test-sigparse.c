/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-sigparse - DKIM-Signature tag lists into signatures (sigparse.c)
 * DESCRIPTION
 *	Table-driven: each case is a tag list, the clock, and either the
 *	permerror reason or what the parsed signature must hold. The issue 9
 *	item 8 cases: i= is dkim-quoted-printable (decoded before the i=/d=
 *	check), x= equal to t= is a permerror, and a=, c= and q= literals
 *	are case-insensitive.
 */
#include <string.h>
#include <glib.h>

#include "sigparse.h"

#define BH "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA"
#define NOW 1800000000

typedef struct {
  const char *path;
  const char *tags;
  const char *reason;     /* NULL: must parse */
  const char *identity;   /* when it parses */
  DkimmodCanon hcanon, bcanon;
} Case;

static const Case cases[] = {
  { "/sigparse/plain", "v=1; a=rsa-sha256; d=example.org; s=s; h=from; " BH,
    NULL, "@example.org", DKIMMOD_CANON_SIMPLE, DKIMMOD_CANON_SIMPLE },
  { "/sigparse/i-qp-decoded", "v=1; a=rsa-sha256; d=example.org; s=s; h=from; "
    "i=user=3Bx@sub=2Eexample.org; " BH,
    NULL, "user;x@sub.example.org", DKIMMOD_CANON_SIMPLE, DKIMMOD_CANON_SIMPLE },
  { "/sigparse/i-qp-folded", "v=1; a=rsa-sha256; d=example.org; s=s; h=from; "
    "i=a=\r\n 40b@example.org; " BH,
    NULL, "a@b@example.org", DKIMMOD_CANON_SIMPLE, DKIMMOD_CANON_SIMPLE },
  { "/sigparse/bad/i-qp-short", "v=1; a=rsa-sha256; d=example.org; s=s; h=from; "
    "i=a=4@example.org; " BH, "bad quoted-printable in i=", NULL, 0, 0 },
  { "/sigparse/bad/i-qp-nul", "v=1; a=rsa-sha256; d=example.org; s=s; h=from; "
    "i=a=00@example.org; " BH, "bad quoted-printable in i=", NULL, 0, 0 },
  { "/sigparse/bad/i-qp-outside", "v=1; a=rsa-sha256; d=example.org; s=s; h=from; "
    "i=a@example=2Enet; " BH, "i= not within d=", NULL, 0, 0 },
  { "/sigparse/bad/x-equals-t", "v=1; a=rsa-sha256; d=example.org; s=s; h=from; "
    "t=1800000000; x=1800000000; " BH, "x= is not after t=", NULL, 0, 0 },
  { "/sigparse/x-after-t", "v=1; a=rsa-sha256; d=example.org; s=s; h=from; "
    "t=1800000000; x=1800000001; " BH,
    NULL, "@example.org", DKIMMOD_CANON_SIMPLE, DKIMMOD_CANON_SIMPLE },
  { "/sigparse/case-insensitive-literals", "v=1; a=RSA-SHA256; c=Relaxed/SIMPLE; "
    "q=DNS/TXT; d=example.org; s=s; h=From; " BH,
    NULL, "@example.org", DKIMMOD_CANON_RELAXED, DKIMMOD_CANON_SIMPLE },
  { "/sigparse/bad/version-is-exact", "v=01; a=rsa-sha256; d=example.org; s=s; h=from; " BH,
    "unsupported signature version", NULL, 0, 0 },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  DkimmodTagList tags;
  DkimmodSigSpec spec = { 0 };
  g_autoptr (GError) error = NULL;
  gboolean ok;

  g_assert_true (dkimmod_tag_list_parse (c->tags, strlen (c->tags), &tags, NULL));
  ok = dkimmod_sigparse (&tags, NOW, 300, &spec, &error);
  if (c->reason != NULL)
    {
      g_assert_false (ok);
      g_assert_cmpstr (error->message, ==, c->reason);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpstr (spec.identity, ==, c->identity);
      g_assert_cmpint (spec.alg, ==, DKIMMOD_ALG_RSA_SHA256);
      g_assert_cmpint (spec.hcanon, ==, c->hcanon);
      g_assert_cmpint (spec.bcanon, ==, c->bcanon);
    }
  dkimmod_sigspec_clear (&spec);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], test_case);
  return g_test_run ();
}
