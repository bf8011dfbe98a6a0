/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-config-mapdir.c - signing.sender_map_dir: per-key files read on demand
 * DESCRIPTION
 *	A directory of KEY.conf files: start-up reads none of them, a lookup
 *	reads the ones it needs in the lookup order (a more specific file
 *	beats a less specific main-file entry and vice versa), a broken file
 *	is an error rather than a fall-through, names taken from the sender
 *	cannot leave the directory, and a validating load (check-config)
 *	reports every faulty file.
 */
#include "config-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

static const char main_conf[] =
  "signing = {\n"
  "  sender_map_dir = \"domains.d\";\n"
  "  defaults = { s = \"def\"; key = \"/k/$senderdomain.key\"; };\n"
  "  sender_map = (\n"
  "    { sender = \"example.net\"; sign = ( { s = \"main\"; } ); },\n"
  "    { sender = \".\"; sign = ( { s = \"any\"; d = \"$senderdomain\"; } ); }\n"
  "  );\n"
  "};\n";

static char *
setup (void)
{
  char *dir = tcu_tmpdir ();

  g_free (tcu_write (dir, "domains.d/example.com.conf", "sign = ( { s = \"com\"; } );\n"));
  g_free (tcu_write (dir, "domains.d/user@example.net.conf", "sign = \"dkim(s=user)\";\n"));
  g_free (tcu_write (dir, "domains.d/sub.example.org.conf",
                     "# comment\nsender = \"Sub.Example.ORG\";\nsign = ( { s = \"org\"; } );\n"));
  g_free (tcu_write (dir, "domains.d/broken.example.conf",
                     "sign = ( { s = \"b\";\n  a = \"rsa-sha1\"; } );\n"));
  g_free (tcu_write (dir, "domains.d/syntax.example.conf", "sign = (;\n"));
  /* outside the directory: must never be reached from a sender */
  g_free (tcu_write (dir, "evil.conf", "sign = ( { s = \"evil\"; } );\n"));
  return dir;
}

/* selector_for - the first selector for SENDER and the key that matched */
static char *
selector_for (DkimmodConfig *cfg, const char *sender, const char *want_key)
{
  g_autoptr (GError) error = NULL;
  const char *matched = NULL;
  g_autoptr (GPtrArray) sigs = dkimmod_config_lookup_checked (cfg, sender, &matched, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sigs);
  g_assert_cmpstr (matched, ==, want_key);
  return g_strdup (((DkimmodConfigSignature *) sigs->pdata[0])->selector);
}

#define ASSERT_SELECTOR(cfg, sender, key, want) \
  G_STMT_START { \
    g_autofree char *got_ = selector_for (cfg, sender, key); \
    g_assert_cmpstr (got_, ==, want); \
  } G_STMT_END

static void
test_lookup (void)
{
  g_autofree char *dir = setup ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = tcu_load_text (dir, main_conf, 0, &error);
  g_autofree char *file = g_build_filename (dir, "domains.d", "example.com.conf", NULL);

  g_assert_no_error (error);
  g_assert_cmpuint (dkimmod_config_entry_count (cfg), ==, 2);  /* no file read yet */
  ASSERT_SELECTOR (cfg, "a@example.com", "example.com", "com");
  ASSERT_SELECTOR (cfg, "a@mail.EXAMPLE.com", "example.com", "com");
  ASSERT_SELECTOR (cfg, "User@example.net", "user@example.net", "user");   /* file beats main */
  ASSERT_SELECTOR (cfg, "user+x@example.net", "user@example.net", "user");
  ASSERT_SELECTOR (cfg, "other@mx.example.net", "example.net", "main");     /* main beats "." */
  ASSERT_SELECTOR (cfg, "x@deep.sub.example.org", "sub.example.org", "org");
  ASSERT_SELECTOR (cfg, "x@example.org", ".", "any");
  /* read once: the file can go away */
  g_assert_cmpint (g_unlink (file), ==, 0);
  ASSERT_SELECTOR (cfg, "b@example.com", "example.com", "com");
  g_assert_cmpuint (dkimmod_config_entry_count (cfg), ==, 5);
  tcu_rmrf (dir);
}

static void
test_broken (void)
{
  g_autofree char *dir = setup ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = tcu_load_text (dir, main_conf, 0, &error);
  g_autofree char *dropped = NULL, *msg = NULL;
  GPtrArray *sigs;

  g_assert_no_error (error);
  /* a broken file is an error, not a fall-through to "." */
  sigs = dkimmod_config_lookup_checked (cfg, "a@broken.example", NULL, NULL, &error);
  g_assert_null (sigs);
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID);
  msg = tcu_strip_dir (error->message, dir);
  g_assert_cmpstr (msg, ==, "domains.d/broken.example.conf:2: sign[0].a: \"rsa-sha1\": "
                   "rsa-sha1 must not be used for signing (RFC 8301); use rsa-sha256");
  g_clear_error (&error);
  g_clear_pointer (&msg, g_free);
  sigs = dkimmod_config_lookup_checked (cfg, "a@syntax.example", NULL, NULL, &error);
  g_assert_null (sigs);
  msg = tcu_strip_dir (error->message, dir);
  g_assert_cmpstr (msg, ==, "domains.d/syntax.example.conf:1: syntax error");
  /* lookup_full says it in DROPPED */
  g_assert_null (dkimmod_config_lookup_full (cfg, "a@syntax.example", NULL, &dropped));
  g_assert_nonnull (strstr (dropped, "syntax.example.conf:1: syntax error"));
  tcu_rmrf (dir);
}

static void
test_no_escape (void)
{
  g_autofree char *dir = setup ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = tcu_load_text (dir, main_conf, 0, &error);
  static const char *const senders[] = {
    "../evil", "..", "a@../evil", "../evil@x", "x/../../evil@a", "a@.", "a@.conf",
  };

  g_assert_no_error (error);
  for (guint k = 0; k < G_N_ELEMENTS (senders); k++)
    {
      const char *matched = NULL;
      g_autoptr (GPtrArray) sigs = dkimmod_config_lookup_checked (cfg, senders[k], &matched, NULL,
                                                                   &error);

      g_test_message ("%s", senders[k]);
      g_assert_no_error (error);
      g_assert_true (matched == NULL || g_str_equal (matched, "."));
      g_assert_true (sigs == NULL || matched != NULL);
    }
  tcu_rmrf (dir);
}

static void
test_check_all (void)
{
  g_autofree char *dir = setup ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autofree char *msg = NULL;

  g_free (tcu_write (dir, "domains.d/Upper.example.conf", "sign = \"dkim\";\n"));
  g_free (tcu_write (dir, "domains.d/example.net.conf", "sign = \"dkim\";\n"));
  g_free (tcu_write (dir, "domains.d/other.example.conf",
                     "sender = \"another.example\";\nsign = \"dkim\";\n"));
  g_free (tcu_write (dir, "domains.d/README", "not a .conf file: ignored\n"));
  cfg = tcu_load_text (dir, main_conf, DKIMMOD_CONFIG_VALIDATE_KEYS, &error);
  g_assert_null (cfg);
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID);
  msg = tcu_strip_dir (error->message, dir);
  g_assert_cmpstr (msg, ==,
                   "domains.d/Upper.example.conf: signing.sender_map_dir: the file name must be "
                   "lower case (upper.example.conf)\n"
                   "domains.d/broken.example.conf:2: sign[0].a: \"rsa-sha1\": rsa-sha1 must not be "
                   "used for signing (RFC 8301); use rsa-sha256\n"
                   "domains.d/example.net.conf: signing.sender_map_dir: \"example.net\" is already "
                   "mapped at dkimmod.conf:5\n"
                   "domains.d/other.example.conf:1: sender: \"another.example\": differs from the "
                   "file name (other.example.conf)\n"
                   "domains.d/syntax.example.conf:1: syntax error");
  tcu_rmrf (dir);
}

static void
test_not_a_directory (void)
{
  g_autofree char *dir = tcu_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = tcu_load_text (dir, "signing = {\n"
                                                 "  sender_map_dir = \"nowhere\"; };\n", 0, &error);
  g_autofree char *msg = NULL;

  g_assert_null (cfg);
  msg = tcu_strip_dir (error->message, dir);
  g_assert_nonnull (g_strrstr (msg, "dkimmod.conf:2: signing.sender_map_dir: \""));
  g_assert_true (g_str_has_suffix (msg, "nowhere\": not a directory"));
  tcu_rmrf (dir);
}

/* test_include_directory - a file of the directory that @includes a
 * directory is an error with FILE:LINE (libconfig 1.5 would exit(2)) */
static void
test_include_directory (void)
{
  g_autofree char *dir = tcu_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autofree char *msg = NULL;

  g_free (tcu_write (dir, "domains.d/example.com.conf",
                     "@include \"domains.d\"\nsign = ( { s = \"com\"; key = \"/k\"; } );\n"));
  cfg = tcu_load_text (dir, "signing = { sender_map_dir = \"domains.d\"; };\n",
                       DKIMMOD_CONFIG_VALIDATE_KEYS, &error);
  g_assert_null (cfg);
  msg = tcu_strip_dir (error->message, dir);
  g_assert_cmpstr (msg, ==, "domains.d/example.com.conf:1: @include \"domains.d\": not a regular "
                   "file (a directory)");
  tcu_rmrf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/mapdir/lookup", test_lookup);
  g_test_add_func ("/config/mapdir/broken", test_broken);
  g_test_add_func ("/config/mapdir/no-escape", test_no_escape);
  g_test_add_func ("/config/mapdir/check-all", test_check_all);
  g_test_add_func ("/config/mapdir/not-a-directory", test_not_a_directory);
  g_test_add_func ("/config/mapdir/include-directory", test_include_directory);
  return g_test_run ();
}
