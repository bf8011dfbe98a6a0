/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-api.c - names, parsing, error copying and the plugin entry point
 * DESCRIPTION
 *	The dlopen test loads the built libdkimmod.so (path in
 *	DKIMMOD_TEST_LIBRARY) the way a host would and checks that private
 *	symbols are not visible.
 */
#include <dlfcn.h>
#include <string.h>

#include "error-private.h"

static void
test_names (void)
{
  DkimmodCanon h = DKIMMOD_CANON_SIMPLE, b = DKIMMOD_CANON_SIMPLE;

  g_assert_cmpstr (dkimmod_status_name (DKIMMOD_OK), ==, "ok");
  g_assert_cmpstr (dkimmod_status_name (DKIMMOD_E_LIMIT), ==, "limit exceeded");
  g_assert_cmpstr (dkimmod_status_name ((DkimmodStatus) 99), ==, "unknown status");
  g_assert_cmpstr (dkimmod_version (), ==, DKIMMOD_TEST_VERSION);
  g_assert_cmpstr (dkimmod_algorithm_name (DKIMMOD_ALG_ED25519_SHA256), ==, "ed25519-sha256");
  g_assert_cmpstr (dkimmod_algorithm_name (DKIMMOD_ALG_RSA_SHA256), ==, "rsa-sha256");
  g_assert_cmpint (dkimmod_algorithm_from_name ("RSA-SHA256"), ==, DKIMMOD_ALG_RSA_SHA256);
  g_assert_cmpint (dkimmod_algorithm_from_name ("ed25519-sha256"), ==, DKIMMOD_ALG_ED25519_SHA256);
  g_assert_cmpint (dkimmod_algorithm_from_name ("rsa-sha1"), ==, DKIMMOD_ALG_RSA_SHA1);
  g_assert_cmpint (dkimmod_algorithm_from_name ("dsa"), ==, -1);
  g_assert_cmpint (dkimmod_algorithm_from_name (NULL), ==, -1);
  /* RFC 6376 3.5: c=relaxed is relaxed/simple */
  g_assert_cmpint (dkimmod_canon_from_name ("relaxed", &h, &b), ==, 0);
  g_assert_cmpint (h, ==, DKIMMOD_CANON_RELAXED);
  g_assert_cmpint (b, ==, DKIMMOD_CANON_SIMPLE);
  g_assert_cmpint (dkimmod_canon_from_name ("simple/relaxed", &h, &b), ==, 0);
  g_assert_cmpint (h, ==, DKIMMOD_CANON_SIMPLE);
  g_assert_cmpint (b, ==, DKIMMOD_CANON_RELAXED);
  g_assert_cmpint (dkimmod_canon_from_name ("relaxed/", &h, &b), ==, -1);
  g_assert_cmpint (dkimmod_canon_from_name ("nowsp", &h, &b), ==, -1);
  g_assert_cmpint (dkimmod_canon_from_name ("relaxed/relaxed/x", &h, &b), ==, -1);
  g_assert_cmpint (h, ==, DKIMMOD_CANON_SIMPLE);   /* untouched on error */
}

static void
test_error_copy (void)
{
  g_autoptr (GString) long_msg = g_string_new (NULL);
  g_autoptr (GError) e = NULL;
  DkimmodError err;
  gsize n;

  /* 2-byte UTF-8 characters straddling the 255-byte cut */
  g_string_append_c (long_msg, 'x');
  while (long_msg->len < 400)
    g_string_append (long_msg, "\xc3\xa9");
  e = g_error_new_literal (DKIMMOD_ERROR, DKIMMOD_E_KEY, long_msg->str);
  dkimmod_error_set (&err, e);
  n = strlen (err.message);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_KEY);
  g_assert_cmpuint (n, <=, 255);
  g_assert_cmpuint (n, >=, 253);
  g_assert_true (g_utf8_validate (err.message, -1, NULL));
  dkimmod_error_set (&err, NULL);
  g_assert_cmpint (err.code, ==, DKIMMOD_OK);
  g_assert_cmpstr (err.message, ==, "");
  dkimmod_error_set (NULL, e);   /* NULL err is allowed */
}

static void
test_plugin_table (void)
{
  const DkimmodPluginV1 *t = dkimmod_plugin_v1 ();

  g_assert_cmpuint (t->abi_major, ==, DKIMMOD_ABI_MAJOR);
  g_assert_cmpuint (t->struct_size, ==, sizeof (DkimmodPluginV1));
  g_assert_true (t->signer_finish == dkimmod_signer_finish);
  g_assert_true (t->key_load_file == dkimmod_key_load_file);
  g_assert_true (t->version == dkimmod_version);
}

static void
test_dlopen (void)
{
  const char *lib = g_getenv ("DKIMMOD_TEST_LIBRARY");
  const DkimmodPluginV1 *(*entry) (void);
  const DkimmodPluginV1 *t;
  DkimmodContext *ctx;
  void *h;

  if (lib == NULL)
    {
      g_test_skip ("DKIMMOD_TEST_LIBRARY not set");
      return;
    }
  h = dlopen (lib, RTLD_NOW | RTLD_LOCAL);
  g_assert_nonnull (h);
  entry = (const DkimmodPluginV1 *(*) (void)) dlsym (h, "dkimmod_plugin_v1");
  g_assert_nonnull (entry);
  t = entry ();
  g_assert_cmpuint (t->abi_major, ==, DKIMMOD_ABI_MAJOR);
  g_assert_cmpstr (t->version (), ==, DKIMMOD_TEST_VERSION);
  ctx = t->context_new ();
  g_assert_nonnull (ctx);
  t->context_unref (ctx);
  /* private functions stay hidden */
  g_assert_null (dlsym (h, "dkimmod_key_sign"));
  g_assert_null (dlsym (h, "dkimmod_body_hash_new"));
  g_assert_null (dlsym (h, "dkimmod_msgparser_new"));
  dlclose (h);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api/names", test_names);
  g_test_add_func ("/api/error-copy", test_error_copy);
  g_test_add_func ("/api/plugin/table", test_plugin_table);
  g_test_add_func ("/api/plugin/dlopen", test_dlopen);
  return g_test_run ();
}
