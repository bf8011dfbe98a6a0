/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-api.c - names, parsing, error copying and the plugin entry point
 * DESCRIPTION
 *	The dlopen test loads the built libdkimmod.so (path in
 *	DKIMMOD_TEST_LIBRARY) the way a host would and checks that private
 *	symbols are not visible, then signs and verifies a message through
 *	the function table alone (abi_minor 1).
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
  g_assert_null (dlsym (h, "dkimmod_verifier_body_hash_count"));
  g_assert_cmpuint (t->abi_minor, >=, 1);
  g_assert_cmpuint (t->struct_size, >=, G_STRUCT_OFFSET (DkimmodPluginV1, resolver_query_txt)
                    + sizeof (void *));
  plugin_roundtrip (t);
  dlclose (h);
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
  return g_test_run ();
}
