/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-threads.c - one context and one key shared by several threads
 * DESCRIPTION
 *	dkimmod.h promises that a context and a key may be shared across
 *	threads. Each thread here takes and drops references to both in
 *	tight loops, loads the key through the context's cache, signs a
 *	message and verifies it, a bounded number of times. With
 *	non-atomic reference counts the counts drift (checked exactly at
 *	the end), an object is freed while in use (a crash, or an ASan
 *	report), and ThreadSanitizer reports the race (.ci/run runs this
 *	suite in a TSan build, where a report fails the test).
 */
#include <string.h>

#include "test-util.h"
#include "context-private.h"
#include "key-private.h"

#define N_THREADS 4
#define N_ROUNDS 20        /* sign+verify per thread */
#define N_REFS 2000        /* ref/unref pairs per round */

typedef struct {
  DkimmodContext *ctx;
  DkimmodKey *key;
  const char *key_path;
  const char *record;       /* the key's DNS record */
  gint failures;
} Shared;

static const char *const headers[] = {
  "From: Alice <alice@example.net>\r\n",
  "To: bob@example.org\r\n",
  "Subject: shared across threads\r\n",
};
static const char body[] = "One context, one key, several threads.\r\n";

/* sign_one - the DKIM-Signature field, or NULL */
static char *
sign_one (DkimmodContext *ctx, DkimmodKey *key)
{
  DkimmodSigner *s = dkimmod_signer_new (ctx);
  DkimmodSignSpec spec;
  DkimmodError err;
  char *sig = NULL;
  gsize i;

  dkimmod_sign_spec_init (&spec);
  spec.domain = "example.net";
  spec.selector = "sel";
  spec.key = key;
  if (dkimmod_signer_add_signature (s, &spec, &err) != 0)
    goto out;
  for (i = 0; i < G_N_ELEMENTS (headers); i++)
    if (dkimmod_signer_add_header (s, headers[i], strlen (headers[i]), &err) != 0)
      goto out;
  if (dkimmod_signer_end_headers (s, &err) == 0
      && dkimmod_signer_add_body (s, body, strlen (body), &err) == 0)
    sig = dkimmod_signer_finish (s, NULL, &err);
out:
  dkimmod_signer_free (s);
  return sig;
}

/* verify_one - the summary of verifying SIG over the message */
static DkimmodResult
verify_one (DkimmodContext *ctx, const char *sig, const char *record)
{
  DkimmodVerifier *v = dkimmod_verifier_new (ctx, NULL);
  DkimmodResult r = DKIMMOD_RESULT_NONE;
  DkimmodError err;
  gsize i, len = strlen (record);

  if (dkimmod_verifier_add_header (v, sig, strlen (sig), &err) != 0)
    goto out;
  for (i = 0; i < G_N_ELEMENTS (headers); i++)
    if (dkimmod_verifier_add_header (v, headers[i], strlen (headers[i]), &err) != 0)
      goto out;
  if (dkimmod_verifier_end_headers (v, &err) == 0
      && dkimmod_verifier_key_answer (v, "sel._domainkey.example.net", DKIMMOD_DNS_OK,
                                      &record, &len, 1, 0, &err) == 0
      && dkimmod_verifier_add_body (v, body, strlen (body), &err) == 0
      && dkimmod_verifier_finish (v, &err) == 0)
    r = dkimmod_verifier_summary (v);
out:
  dkimmod_verifier_free (v);
  return r;
}

/* worker - ref/unref storms between sign and verify rounds */
static gpointer
worker (gpointer data)
{
  Shared *sh = data;

  for (int round = 0; round < N_ROUNDS; round++)
    {
      DkimmodContext *ctx = dkimmod_context_ref (sh->ctx);
      DkimmodError err;
      DkimmodKey *key = dkimmod_key_load_file (ctx, sh->key_path, 0, &err);
      g_autofree char *sig = NULL;

      if (key == NULL)
        {
          g_atomic_int_inc (&sh->failures);
          dkimmod_context_unref (ctx);
          continue;
        }
      for (int i = 0; i < N_REFS; i++)
        {
          dkimmod_context_unref (dkimmod_context_ref (ctx));
          dkimmod_key_unref (dkimmod_key_ref (sh->key));
        }
      sig = sign_one (ctx, key);
      if (sig == NULL || verify_one (ctx, sig, sh->record) != DKIMMOD_RESULT_PASS)
        g_atomic_int_inc (&sh->failures);
      dkimmod_key_unref (key);
      dkimmod_context_unref (ctx);
    }
  return NULL;
}

static void
test_shared_context_and_key (void)
{
  g_autofree char *dir = g_dir_make_tmp ("dkimmod-test-threads-XXXXXX", NULL);
  g_autofree char *path = test_key_copy (dir, "ed25519.pem", 0600);
  Shared sh = { 0 };
  GThread *threads[N_THREADS];
  DkimmodError err;
  g_autofree char *record = NULL;

  sh.ctx = dkimmod_context_new ();
  sh.key_path = path;
  sh.key = dkimmod_key_load_file (sh.ctx, path, 0, &err);
  g_assert_nonnull (sh.key);
  record = dkimmod_key_dns_record (sh.key, &err);
  g_assert_nonnull (record);
  sh.record = record;

  for (int i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("dkimmod-stress", worker, &sh);
  for (int i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (sh.failures, ==, 0);
  /* Exactly the references left: ours on each, plus the cache's on the key. */
  g_assert_cmpint (g_atomic_int_get ((gint *) &sh.ctx->ref), ==, 1);
  g_assert_cmpint (g_atomic_int_get ((gint *) &sh.key->ref), ==, 2);
  g_assert_cmpuint (dkimmod_context_key_cache_size (sh.ctx), ==, 1);
  dkimmod_key_unref (sh.key);
  dkimmod_context_unref (sh.ctx);
  test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/threads/shared-context-and-key", test_shared_context_and_key);
  return g_test_run ();
}
