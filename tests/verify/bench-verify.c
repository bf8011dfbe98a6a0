/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	bench-verify - verification throughput (built, not run by meson test)
 * SYNOPSIS
 *	bench-verify [SECONDS]
 * DESCRIPTION
 *	Signs a 2 KB message with the library's signer (RSA-2048, then
 *	Ed25519, relaxed/relaxed), then verifies it in a loop for SECONDS
 *	(default 2) each, keys answered from a key file parsed once, as
 *	dkimmod verify --key-file does, and prints messages per second on one
 *	core.
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "verifier.h"

static DkimmodKey *
make_key (EVP_PKEY *pkey)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *pem;
  long len;
  DkimmodKey *key;

  PEM_write_bio_PrivateKey (bio, pkey, NULL, NULL, 0, NULL, NULL);
  len = BIO_get_mem_data (bio, &pem);
  key = dkimmod_key_load_pem (pem, len, NULL);
  BIO_free (bio);
  EVP_PKEY_free (pkey);
  return key;
}

static const char *const headers[] = {
  "From: Alice <alice@example.net>\r\n",
  "To: Bob <bob@example.org>\r\n",
  "Subject: benchmark\r\n",
  "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n",
  "Message-ID: <bench@example.net>\r\n",
};

static double
bench (DkimmodContext *ctx, DkimmodKey *key, const char *name, double seconds)
{
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (DkimmodSigner) s = dkimmod_signer_new (ctx);
  DkimmodSignSpec spec;
  g_autofree char *rec = dkimmod_key_dns_record (key, NULL);
  g_autofree char *keytext = g_strdup_printf ("bench._domainkey.example.net %s\n", rec);
  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_parse (keytext, strlen (keytext), NULL);
  guint n = 0;
  gint64 start, now;

  while (body->len < 1800)
    g_string_append (body, "The quick brown fox jumps over the lazy dog, again and again.\r\n");
  dkimmod_sign_spec_init (&spec);
  spec.domain = "example.net";
  spec.selector = "bench";
  spec.key = key;
  dkimmod_signer_add_signature (s, &spec, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
    dkimmod_signer_add_header (s, headers[i], strlen (headers[i]), NULL);
  dkimmod_signer_end_headers (s, NULL);
  dkimmod_signer_add_body (s, body->str, body->len, NULL);
  g_autofree char *sig = dkimmod_signer_finish (s, NULL, NULL);

  start = g_get_monotonic_time ();
  do
    {
      g_autoptr (DkimmodVerifier) v = dkimmod_verifier_new (ctx, NULL);

      dkimmod_verifier_add_header (v, sig, strlen (sig), NULL);
      for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
        dkimmod_verifier_add_header (v, headers[i], strlen (headers[i]), NULL);
      dkimmod_verifier_end_headers (v, NULL);
      dkimmod_verifier_answer_from_key_file (v, kf, NULL);
      dkimmod_verifier_add_body (v, body->str, body->len, NULL);
      dkimmod_verifier_finish (v, NULL);
      if (dkimmod_verifier_result (v, 0)->result != DKIMMOD_RESULT_PASS)
        g_error ("%s: %s", name, dkimmod_verifier_result (v, 0)->reason);
      n++;
      now = g_get_monotonic_time ();
    }
  while (now - start < seconds * G_USEC_PER_SEC);
  g_print ("%-16s %8.0f messages/s (%u in %.2f s, %zu-byte messages)\n", name,
           n / ((now - start) / (double) G_USEC_PER_SEC), n,
           (now - start) / (double) G_USEC_PER_SEC, strlen (sig) + body->len + 150);
  return n;
}

int
main (int argc, char **argv)
{
  double seconds = argc > 1 ? atof (argv[1]) : 2.0;
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  DkimmodKey *rsa = make_key (EVP_RSA_gen (2048));
  DkimmodKey *ed = make_key (EVP_PKEY_Q_keygen (NULL, NULL, "ED25519"));

  bench (ctx, rsa, "rsa-sha256/2048", seconds);
  bench (ctx, ed, "ed25519-sha256", seconds);
  dkimmod_key_unref (rsa);
  dkimmod_key_unref (ed);
  return 0;
}
