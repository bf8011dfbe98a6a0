/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-api.c - names, parsing, error copying and the plugin entry point
 * DESCRIPTION
 *	The dlopen test loads the built libdkimmod.so (path in
 *	DKIMMOD_TEST_LIBRARY) the way a host would and checks that private
 *	symbols are not visible, then signs and verifies a message through
 *	the function table alone (abi_minor 1), and that every function the
 *	library exports (nm -D) is in the table. The log tests check that
 *	the library prints nothing by itself and hands its messages to the
 *	context's log function.
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
  /* abi_minor 1 appended the verifier after signer_free */
  g_assert_cmpuint (t->abi_minor, >=, 1);
  g_assert_cmpuint (t->struct_size, >=, G_STRUCT_OFFSET (DkimmodPluginV1, resolver_query_txt)
                    + sizeof (void *));
  g_assert_cmpuint (G_STRUCT_OFFSET (DkimmodPluginV1, result_name), >,
                    G_STRUCT_OFFSET (DkimmodPluginV1, signer_free));
  g_assert_true (t->verifier_new == dkimmod_verifier_new);
  g_assert_true (t->verifier_authres == dkimmod_verifier_authres);
  g_assert_true (t->resolver_query_txt == dkimmod_resolver_query_txt);
  g_assert_true (t->authres_is_ours == dkimmod_authres_is_ours);
}

/* plugin_sign - sign MSG_HEADERS/MSG_BODY with KEY through table T */
static char *
plugin_sign (const DkimmodPluginV1 *t, DkimmodContext *ctx, DkimmodKey *key,
             const char *const *headers, const char *body)
{
  DkimmodSignSpec spec;
  DkimmodError err;
  DkimmodSigner *s = t->signer_new (ctx);
  char *sig;

  t->sign_spec_init (&spec);
  spec.domain = "example.net";
  spec.selector = "sel";
  spec.key = key;
  g_assert_cmpint (t->signer_add_signature (s, &spec, &err), ==, 0);
  for (gsize i = 0; headers[i] != NULL; i++)
    g_assert_cmpint (t->signer_add_header (s, headers[i], strlen (headers[i]), &err), ==, 0);
  g_assert_cmpint (t->signer_end_headers (s, &err), ==, 0);
  g_assert_cmpint (t->signer_add_body (s, body, strlen (body), &err), ==, 0);
  sig = t->signer_finish (s, NULL, &err);
  g_assert_nonnull (sig);
  t->signer_free (s);
  return sig;
}

/* plugin_verify - verify SIG + headers + BODY through T; the summary */
static DkimmodResult
plugin_verify (const DkimmodPluginV1 *t, DkimmodContext *ctx, const DkimmodKeyFile *kf,
               const char *sig, const char *const *headers, const char *body, char **ar_out)
{
  DkimmodError err;
  DkimmodVerifier *v = t->verifier_new (ctx, NULL);
  DkimmodResult r;

  g_assert_cmpint (t->verifier_add_header (v, sig, strlen (sig), &err), ==, 0);
  for (gsize i = 0; headers[i] != NULL; i++)
    g_assert_cmpint (t->verifier_add_header (v, headers[i], strlen (headers[i]), &err), ==, 0);
  g_assert_cmpint (t->verifier_end_headers (v, &err), ==, 0);
  g_assert_cmpuint (t->verifier_key_query_count (v), ==, 1);
  g_assert_cmpstr (t->verifier_key_query_name (v, 0), ==, "sel._domainkey.example.net");
  g_assert_cmpint (t->verifier_answer_from_key_file (v, kf, &err), ==, 0);
  g_assert_true (t->verifier_key_query_answered (v, 0));
  g_assert_cmpint (t->verifier_add_body (v, body, strlen (body), &err), ==, 0);
  g_assert_cmpint (t->verifier_finish (v, &err), ==, 0);
  g_assert_cmpuint (t->verifier_result_count (v), ==, 1);
  r = t->verifier_summary (v);
  g_assert_cmpint (t->verifier_result (v, 0)->result, ==, r);
  *ar_out = t->verifier_authres (v, "mx.example.org", &err);
  t->verifier_free (v);
  return r;
}

/* test_plugin_roundtrip - a host that knows only the table signs and verifies */
static void
plugin_roundtrip (const DkimmodPluginV1 *t)
{
  static const char *const headers[] = {
    "From: a@example.net\r\n", "To: b@example.org\r\n", "Subject: hi\r\n", NULL };
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "ed25519.pem", NULL);
  DkimmodContext *ctx = t->context_new ();
  DkimmodError err;
  g_autofree char *pem = NULL;
  gsize pem_len = 0;
  DkimmodKey *key;
  char *record, *sig, *text, *ar = NULL;
  DkimmodKeyFile *kf;

  /* key_load_pem: a git checkout leaves data files mode 0644, which
   * key_load_file rightly refuses (test-key covers that path). */
  g_assert_true (g_file_get_contents (path, &pem, &pem_len, NULL));
  key = t->key_load_pem (pem, pem_len, &err);
  g_assert_nonnull (key);
  record = t->key_dns_record (key, &err);
  text = g_strdup_printf ("sel._domainkey.example.net %s\n", record);
  kf = t->key_file_parse (text, strlen (text), &err);
  g_assert_nonnull (kf);
  sig = plugin_sign (t, ctx, key, headers, "Hello.\r\n");
  g_assert_cmpint (plugin_verify (t, ctx, kf, sig, headers, "Hello.\r\n", &ar), ==,
                   DKIMMOD_RESULT_PASS);
  g_assert_nonnull (strstr (ar, "dkim=pass"));
  g_assert_true (t->authres_is_ours (ar, strlen (ar), "MX.example.org"));
  t->free (ar);
  g_assert_cmpint (plugin_verify (t, ctx, kf, sig, headers, "Hello!\r\n", &ar), ==,
                   DKIMMOD_RESULT_FAIL);
  g_assert_nonnull (strstr (ar, "body hash did not verify"));
  g_assert_cmpstr (t->result_name (DKIMMOD_RESULT_FAIL), ==, "fail");
  t->free (ar);
  t->free (sig);
  t->free (record);
  g_free (text);
  t->key_file_free (kf);
  t->key_unref (key);
  t->context_unref (ctx);
}

static void
test_plugin_roundtrip (void)
{
  plugin_roundtrip (dkimmod_plugin_v1 ());
}

/* open_built_library - dlopen()s the built libdkimmod.so as a host
 * would: its table, with *H the handle; NULL (test skipped) without one */
static const DkimmodPluginV1 *
open_built_library (void **h)
{
  const char *lib = g_getenv ("DKIMMOD_TEST_LIBRARY");
  const DkimmodPluginV1 *(*entry) (void);

  if (lib == NULL)
    {
      g_test_skip ("DKIMMOD_TEST_LIBRARY not set");
      return NULL;
    }
  *h = dlopen (lib, RTLD_NOW | RTLD_LOCAL);
  g_assert_nonnull (*h);
  entry = (const DkimmodPluginV1 *(*) (void)) dlsym (*h, "dkimmod_plugin_v1");
  g_assert_nonnull (entry);
  return entry ();
}

static void
test_dlopen (void)
{
  DkimmodContext *ctx;
  void *h = NULL;
  const DkimmodPluginV1 *t = open_built_library (&h);

  if (t == NULL)
    return;
  g_assert_cmpuint (t->abi_major, ==, DKIMMOD_ABI_MAJOR);
  g_assert_cmpstr (t->version (), ==, DKIMMOD_TEST_VERSION);
  ctx = t->context_new ();
  g_assert_nonnull (ctx);
  t->context_unref (ctx);
  /* private functions stay hidden */
  g_assert_null (dlsym (h, "dkimmod_key_sign"));
  g_assert_null (dlsym (h, "dkimmod_body_hash_new"));
  g_assert_null (dlsym (h, "dkimmod_msgparser_new"));
  g_assert_null (dlsym (h, "dkimmod_verifier_body_hash_count"));
  g_assert_cmpuint (t->abi_minor, >=, 1);
  g_assert_cmpuint (t->struct_size, >=, G_STRUCT_OFFSET (DkimmodPluginV1, resolver_query_txt)
                    + sizeof (void *));
  plugin_roundtrip (t);
  dlclose (h);
}

/* table_has - whether FN is one of the table's function pointers */
static gboolean
table_has (const DkimmodPluginV1 *t, void *fn)
{
  gsize first = G_STRUCT_OFFSET (DkimmodPluginV1, version);

  for (gsize off = first; off + sizeof (void *) <= t->struct_size; off += sizeof (void *))
    {
      void *slot;

      memcpy (&slot, (const char *) t + off, sizeof slot);
      if (slot == fn)
        return TRUE;
    }
  return FALSE;
}

static void
test_plugin_complete (void)
{
  g_autofree char *nm_out = NULL, *nm_cmd = NULL;
  g_auto (GStrv) lines = NULL;
  int status = -1;
  guint checked = 0;
  void *h = NULL;
  const DkimmodPluginV1 *t = open_built_library (&h);

  if (t == NULL)
    return;
  g_assert_cmpuint (t->struct_size, ==, sizeof (DkimmodPluginV1));
  for (gsize off = G_STRUCT_OFFSET (DkimmodPluginV1, version); off < t->struct_size;
       off += sizeof (void *))
    {
      void *slot;

      memcpy (&slot, (const char *) t + off, sizeof slot);
      g_assert_nonnull (slot);
    }
  nm_cmd = g_strdup_printf ("nm -D --defined-only '%s'", g_getenv ("DKIMMOD_TEST_LIBRARY"));
  g_assert_true (g_spawn_command_line_sync (nm_cmd, &nm_out, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (nm_out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) w = g_strsplit_set (lines[i], " ", -1);
      char *at;

      /* "name@@DKIMMOD_1.0": the default version of the symbol */
      if (g_strv_length (w) == 3 && (at = strchr (w[2], '@')) != NULL)
        *at = '\0';
      if (g_strv_length (w) != 3 || strcmp (w[1], "T") != 0
          || strcmp (w[2], "dkimmod_plugin_v1") == 0)
        continue;
      g_test_message ("%s", w[2]);
      if (!table_has (t, dlsym (h, w[2])))
        g_error ("%s is exported but not in DkimmodPluginV1", w[2]);
      checked++;
    }
  g_assert_cmpuint (checked, ==, (t->struct_size - G_STRUCT_OFFSET (DkimmodPluginV1, version))
                                   / sizeof (void *));
  dlclose (h);
}

/* caller_bugs - wrong calls the library must survive without a word */
static void
caller_bugs (void)
{
  DkimmodSignatureResult bad = { 0 };

  g_assert_null (dkimmod_context_ref (NULL));
  g_assert_cmpuint (dkimmod_key_bits (NULL), ==, 0);
  g_assert_cmpint (dkimmod_key_algorithm (NULL), ==, DKIMMOD_ALG_FROM_KEY);
  g_assert_null (dkimmod_authres_format (NULL, NULL, 0, NULL, 0));
  g_assert_cmpuint (dkimmod_verifier_result_count (NULL), ==, 0);
  bad.reserved[0] = &bad;
  g_assert_null (dkimmod_authres_resinfo (&bad, NULL, 0));
}

static void
test_log_silent (void)
{
  if (g_test_subprocess ())
    {
      g_log_set_always_fatal (0);
      caller_bugs ();
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
  g_test_trap_assert_stdout ("");
}

static void
collect_log (DkimmodLogLevel level, const char *message, void *user_data)
{
  g_string_append_printf (user_data, "%d %s\n", (int) level, message);
}

static void
test_log_callback (void)
{
  static const char line[] = "this line has no colon\r\n";
  g_autoptr (GString) got = g_string_new ("");
  DkimmodContext *ctx = dkimmod_context_new ();
  DkimmodSigner *s;
  DkimmodError err;

  dkimmod_context_set_log (ctx, collect_log, got);
  s = dkimmod_signer_new (ctx);
  g_assert_cmpint (dkimmod_signer_add_header (s, line, strlen (line), &err), ==, 0);
  g_assert_cmpstr (got->str, ==, "3 header line without a field name: not signed\n");
  dkimmod_signer_free (s);
  /* NULL: dropped again */
  dkimmod_context_set_log (ctx, NULL, NULL);
  s = dkimmod_signer_new (ctx);
  g_assert_cmpint (dkimmod_signer_add_header (s, line, strlen (line), &err), ==, 0);
  g_assert_cmpuint (got->len, ==, strlen ("3 header line without a field name: not signed\n"));
  dkimmod_signer_free (s);
  dkimmod_context_unref (ctx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api/names", test_names);
  g_test_add_func ("/api/error-copy", test_error_copy);
  g_test_add_func ("/api/plugin/table", test_plugin_table);
  g_test_add_func ("/api/plugin/roundtrip", test_plugin_roundtrip);
  g_test_add_func ("/api/plugin/dlopen", test_dlopen);
  g_test_add_func ("/api/plugin/complete", test_plugin_complete);
  g_test_add_func ("/api/log/silent-by-default", test_log_silent);
  g_test_add_func ("/api/log/callback", test_log_callback);
  return g_test_run ();
}
