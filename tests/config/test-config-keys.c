/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-config-keys.c - key file validation (DKIMMOD_CONFIG_VALIDATE_KEYS)
 * DESCRIPTION
 *	Makes keys with `openssl genpkey` in a temporary directory (mode
 *	0600) and checks that a validating load reports, with file, line and
 *	setting: a missing key, an RSA key under 1024 bits, a file that is no
 *	key, a key readable by its group or by others, and an a= that does
 *	not match the key type; and that good keys, paths with macros and
 *	the allow_group_readable_keys setting pass. Root (the group key
 *	belongs to a group the process is not in).
 */
#include "config-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *keydir;

/* genkey - writes keydir/NAME with openssl genpkey ARGS, mode 0600 */
static void
genkey (const char *name, const char *args)
{
  g_autofree char *path = g_build_filename (keydir, name, NULL);
  g_autofree char *cmd = g_strdup_printf ("openssl genpkey %s -out %s", args, path);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;

  /* captured: openssl's progress dots would corrupt the TAP stream */
  g_spawn_command_line_sync (cmd, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
}

/* load - TEXT with "KEYS/" replaced by the key directory, validating keys */
static DkimmodConfig *
load (const char *text, GError **error)
{
  g_autofree char *dir = tcu_tmpdir ();
  g_auto (GStrv) parts = g_strsplit (text, "KEYS/", -1);
  g_autofree char *sep = g_strconcat (keydir, "/", NULL);
  g_autofree char *expanded = g_strjoinv (sep, parts);
  DkimmodConfig *cfg = tcu_load_text (dir, expanded, DKIMMOD_CONFIG_VALIDATE_KEYS, error);

  if (error && *error)
    {
      g_autofree char *once = tcu_strip_dir ((*error)->message, dir);
      char *stripped = tcu_strip_dir (once, keydir);

      g_free ((*error)->message);
      (*error)->message = stripped;
    }
  tcu_rmrf (dir);
  return cfg;
}

static void
test_good (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = load (
    "signing = { sender_map = (\n"
    "  { sender = \"example.org\"; sign = (\n"
    "    { s = \"ed1\"; a = \"ed25519-sha256\"; key = \"KEYS/ed.key\"; },\n"
    "    { s = \"rsa1\"; a = \"rsa-sha256\"; key = \"KEYS/rsa.key\"; },\n"
    "    { s = \"auto\"; key = \"KEYS/rsa.key\"; } ); },\n"
    "  { sender = \".\"; sign = ( { s = \"s\"; d = \"$senderdomain\";\n"
    "      key = \"/nonexistent/$senderdomain.key\"; } ); }\n"
    "); };\n", &error);

  g_assert_no_error (error);
  g_assert_nonnull (cfg);
}

static void
test_bad_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = load (
    "signing = { sender_map = (\n"
    "  { sender = \"a.example\"; sign = ( { s = \"s\"; key = \"KEYS/none.key\"; } ); },\n"
    "  { sender = \"b.example\"; sign = ( { s = \"s\"; key = \"KEYS/small.key\"; } ); },\n"
    "  { sender = \"c.example\"; sign = ( { s = \"s\"; key = \"KEYS/junk.key\"; } ); },\n"
    "  { sender = \"d.example\"; sign = ( { s = \"s\"; key = \"KEYS/group.key\"; } ); },\n"
    "  { sender = \"e.example\"; sign = ( { s = \"s\"; key = \"KEYS/world.key\"; } ); },\n"
    "  { sender = \"f.example\"; sign = ( { s = \"s\"; a = \"rsa-sha256\";\n"
    "      key = \"KEYS/ed.key\"; } ); },\n"
    "  { sender = \"g.example\"; sign = ( { s = \"s\"; key = \"KEYS/small.key\"; } ); }\n"
    "); };\n", &error);
  g_auto (GStrv) lines = NULL;

  g_assert_null (cfg);
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_KEY);
  g_test_message ("%s", error->message);
  lines = g_strsplit (error->message, "\n", -1);
  /* one line per bad key; small.key, named twice, is reported once */
  g_assert_cmpuint (g_strv_length (lines), ==, 6);
  g_assert_true (g_str_has_prefix (lines[0], "dkimmod.conf:2: signing.sender_map[0].sign[0].key: "));
  g_assert_nonnull (strstr (lines[0], "none.key"));
  g_assert_true (g_str_has_prefix (lines[1], "dkimmod.conf:3: signing.sender_map[1].sign[0].key: "));
  g_assert_nonnull (strstr (lines[1], "512"));
  g_assert_true (g_str_has_prefix (lines[2], "dkimmod.conf:4: signing.sender_map[2].sign[0].key: "));
  g_assert_true (g_str_has_prefix (lines[3], "dkimmod.conf:5: signing.sender_map[3].sign[0].key: "));
  g_assert_nonnull (strstr (lines[3], "chmod 600"));
  g_assert_true (g_str_has_prefix (lines[4], "dkimmod.conf:6: signing.sender_map[4].sign[0].key: "));
  g_assert_nonnull (strstr (lines[4], "chmod 600"));
  g_assert_cmpstr (lines[5], ==, "dkimmod.conf:7: signing.sender_map[5].sign[0].a: rsa-sha256 "
                   "does not match the key ed.key (ed25519-sha256)");
}

/* The line named is where key= and a= are written, also when inherited. */
static void
test_lines (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = load (
    "signing = {\n"
    "  defaults = {\n"
    "    key = \"KEYS/none.key\";\n"
    "  };\n"
    "  sender_map = (\n"
    "    { sender = \"a.example\";\n"
    "      sign = ( { s = \"s\"; } ); },\n"
    "    { sender = \"b.example\";\n"
    "      sign = ( { s = \"s\";\n"
    "                 a = \"rsa-sha256\";\n"
    "                 key = \"KEYS/ed.key\"; } ); }\n"
    "  );\n"
    "};\n", &error);

  g_assert_null (cfg);
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_KEY);
  g_assert_cmpstr (error->message, ==,
                   "dkimmod.conf:3: signing.sender_map[0].sign[0].key: cannot open private key "
                   "none.key: No such file or directory\n"
                   "dkimmod.conf:10: signing.sender_map[1].sign[0].a: rsa-sha256 does not match "
                   "the key ed.key (ed25519-sha256)");
}

static void
test_group_readable (void)
{
  static const char text[] =
    "spawn = { allow_group_readable_keys = true; };\n"
    "signing = { sender_map = ( { sender = \"d.example\";\n"
    "  sign = ( { s = \"s\"; key = \"KEYS/group.key\"; } ); } ); };\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = load (text, &error);
  g_autoptr (DkimmodConfig) strict = NULL;
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autofree char *dir = tcu_tmpdir ();
  g_auto (GStrv) parts = g_strsplit (text, "KEYS/", -1);
  g_autofree char *sep = g_strconcat (keydir, "/", NULL);
  g_autofree char *expanded = g_strjoinv (sep, parts);

  g_assert_no_error (error);
  g_assert_nonnull (cfg);
  /* the same, loaded without key checks, then checked after -o overrides */
  strict = tcu_load_text (dir, expanded, 0, &error);
  g_assert_no_error (error);
  g_assert_true (dkimmod_config_check_keys (strict, ctx, &error));
  g_assert_true (dkimmod_config_set_override (strict, "allow_group_readable_keys=no", NULL));
  g_assert_false (dkimmod_config_check_keys (strict, ctx, &error));
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_KEY);
  g_assert_nonnull (strstr (error->message, "dkimmod.conf:3: signing.sender_map[0].sign[0].key: "));
  tcu_rmrf (dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *junk = NULL, *group = NULL, *world = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* group.key must belong to a group this process is not in: readable by
   * its own group, a key is accepted (module/key-access.c) */
  if (geteuid () != 0)
    return 77;
  keydir = tcu_tmpdir ();
  genkey ("ed.key", "-algorithm ED25519");
  genkey ("rsa.key", "-algorithm RSA -pkeyopt rsa_keygen_bits:1024");
  genkey ("small.key", "-algorithm RSA -pkeyopt rsa_keygen_bits:512");
  genkey ("group.key", "-algorithm ED25519");
  genkey ("world.key", "-algorithm ED25519");
  junk = tcu_write (keydir, "junk.key", "this is no key\n");
  g_assert_cmpint (g_chmod (junk, 0600), ==, 0);
  group = g_build_filename (keydir, "group.key", NULL);
  g_assert_cmpint (g_chmod (group, 0640), ==, 0);
  g_assert_cmpint (chown (group, 0, 12348), ==, 0);
  world = g_build_filename (keydir, "world.key", NULL);
  g_assert_cmpint (g_chmod (world, 0644), ==, 0);

  g_test_add_func ("/config/keys/good", test_good);
  g_test_add_func ("/config/keys/bad", test_bad_keys);
  g_test_add_func ("/config/keys/lines", test_lines);
  g_test_add_func ("/config/keys/group-readable", test_group_readable);
  ret = g_test_run ();
  tcu_rmrf (keydir);
  g_free (keydir);
  return ret;
}
