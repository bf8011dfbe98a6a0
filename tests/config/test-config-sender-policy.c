/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-config-sender-policy.c - signing.match_envelope_sender and its aliases
 * DESCRIPTION
 *	Loads configurations with the policy and asks
 *	dkimmod_config_sender_policy_allows about sender/envelope pairs: off
 *	by default; on, only the envelope's own domain or an alias listed for
 *	it (exactly, case folded, IDN as A-labels), "<>" for the null sender;
 *	and the exact error text of each bad setting (file, line, setting).
 */
#include "config-test-util.h"

#include <string.h>

#define MAP "sender_map = ( { sender = \".\"; sign = ( { s = \"s\"; d = \"example.net\"; " \
            "key = \"/k\"; } ); } );\n"

static DkimmodConfig *
load (const char *dir, const char *signing_extra)
{
  g_autofree char *text = g_strdup_printf ("signing = {\n%s" MAP "};\n", signing_extra);
  g_autoptr (GError) error = NULL;
  DkimmodConfig *cfg = tcu_load_text (dir, text, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cfg);
  return cfg;
}

static void
expect (const DkimmodConfig *cfg, const char *sender, const char *envelope, gboolean allowed,
        const char *why_wanted)
{
  g_autofree char *why = NULL;

  g_assert_cmpint (dkimmod_config_sender_policy_allows (cfg, sender, envelope, &why), ==, allowed);
  if (allowed)
    g_assert_null (why);
  else
    g_assert_cmpstr (why, ==, why_wanted);
}

static void
test_off_by_default (void)
{
  g_autofree char *dir = tcu_tmpdir ();
  g_autoptr (DkimmodConfig) cfg = load (dir, "");

  expect (cfg, "ceo@example.org", "alice@example.net", TRUE, NULL);
  expect (cfg, "mailer-daemon@mx.example.net", "", TRUE, NULL);
  tcu_rmrf (dir);
}

static void
test_same_domain_only (void)
{
  g_autofree char *dir = tcu_tmpdir ();
  g_autoptr (DkimmodConfig) cfg = load (dir, "match_envelope_sender = true;\n");

  expect (cfg, "alice@example.net", "bob@example.net", TRUE, NULL);
  expect (cfg, "alice@example.net", "Bob@EXAMPLE.net", TRUE, NULL);
  /* the sender as the lookup has it: a domain key alone */
  expect (cfg, "example.net", "bob@example.net", TRUE, NULL);
  /* U-label envelope, A-label sender: the same domain */
  expect (cfg, "a@xn--fa-hia.de", "b@fa\xc3\x9f.de", TRUE, NULL);
  expect (cfg, "ceo@example.org", "alice@example.net", FALSE,
          "match_envelope_sender: sender domain example.org is not the envelope sender's "
          "domain example.net");
  /* no parent or subdomain matching */
  expect (cfg, "a@mx.example.net", "b@example.net", FALSE,
          "match_envelope_sender: sender domain mx.example.net is not the envelope sender's "
          "domain example.net");
  expect (cfg, "mailer-daemon@mx.example.net", "", FALSE,
          "match_envelope_sender: sender domain mx.example.net is not among the "
          "envelope_sender_aliases of the null envelope sender <>");
  expect (cfg, "mailer-daemon@mx.example.net", NULL, FALSE,
          "match_envelope_sender: sender domain mx.example.net is not among the "
          "envelope_sender_aliases of the null envelope sender <>");
  expect (cfg, "a@example.net", "b@\xff.example", FALSE,
          "match_envelope_sender: envelope sender domain is not valid: "
          "the sender domain is not valid UTF-8");
  tcu_rmrf (dir);
}

static void
test_aliases (void)
{
  g_autofree char *dir = tcu_tmpdir ();
  g_autoptr (DkimmodConfig) cfg = load (dir,
      "match_envelope_sender = \"yes\";\n"
      "envelope_sender_aliases = (\n"
      "  { envelope = \"example.net\"; from = [ \"example.org\", \"Example.COM\" ]; },\n"
      "  { envelope = \"lists.example.net\"; from = \"example.net\"; },\n"
      "  { envelope = \"<>\"; from = [ \"mx.example.net\" ]; }\n"
      ");\n");

  expect (cfg, "ceo@example.org", "alice@example.net", TRUE, NULL);
  expect (cfg, "ceo@example.com", "alice@EXAMPLE.NET", TRUE, NULL);
  expect (cfg, "alice@example.net", "owner@lists.example.net", TRUE, NULL);
  expect (cfg, "mailer-daemon@mx.example.net", "", TRUE, NULL);
  /* an alias goes one way: example.org's envelope may not sign for example.net */
  expect (cfg, "alice@example.net", "ceo@example.org", FALSE,
          "match_envelope_sender: sender domain example.net is not the envelope sender's "
          "domain example.org");
  expect (cfg, "x@example.info", "alice@example.net", FALSE,
          "match_envelope_sender: sender domain example.info is not the envelope sender's "
          "domain example.net nor one of its envelope_sender_aliases");
  expect (cfg, "mailer-daemon@other.example", "", FALSE,
          "match_envelope_sender: sender domain other.example is not among the "
          "envelope_sender_aliases of the null envelope sender <>");
  tcu_rmrf (dir);
}

typedef struct {
  const char *name;
  const char *extra;
  const char *error;
} BadCase;

static const BadCase bad_cases[] = {
  { "not-bool", "match_envelope_sender = 3;\n",
    "dkimmod.conf:2: signing.match_envelope_sender: must be true or false" },
  { "not-list", "envelope_sender_aliases = \"example.net\";\n",
    "dkimmod.conf:2: signing.envelope_sender_aliases: must be a list ( { envelope = ...; "
    "from = [ ... ]; }, ... )" },
  { "address", "envelope_sender_aliases = (\n { envelope = \"a@example.net\"; from = "
    "\"example.org\"; } );\n",
    "dkimmod.conf:3: signing.envelope_sender_aliases[0].envelope: must be a domain or \"<>\"" },
  { "from-address", "envelope_sender_aliases = (\n { envelope = \"example.net\";\n"
    "   from = [ \"example.org\", \"ceo@example.com\" ]; } );\n",
    "dkimmod.conf:4: signing.envelope_sender_aliases[0].from: must be a domain" },
  { "missing-from", "envelope_sender_aliases = (\n { envelope = \"example.net\"; } );\n",
    "dkimmod.conf:3: signing.envelope_sender_aliases[0].from: is missing" },
  { "unknown", "envelope_sender_aliases = (\n { envelope = \"example.net\"; from = "
    "\"example.org\"; to = \"x\"; } );\n",
    "dkimmod.conf:3: signing.envelope_sender_aliases[0].to: unknown setting (expected "
    "envelope, from)" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *dir = tcu_tmpdir ();
  g_autofree char *text = g_strdup_printf ("signing = {\n%s" MAP "};\n", c->extra);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = tcu_load_text (dir, text, 0, &error);
  g_autofree char *msg = NULL;

  g_assert_null (cfg);
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID);
  msg = tcu_strip_dir (error->message, dir);
  g_assert_cmpstr (msg, ==, c->error);
  tcu_rmrf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/sender-policy/off-by-default", test_off_by_default);
  g_test_add_func ("/config/sender-policy/same-domain-only", test_same_domain_only);
  g_test_add_func ("/config/sender-policy/aliases", test_aliases);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/config/sender-policy/bad/%s", bad_cases[i].name);

      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  return g_test_run ();
}
