/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	bench-sign.c - signing throughput of libdkimmod
 * SYNOPSIS
 *	bench-sign [-s SECONDS] [-k KEYDIR] [-H]
 * DESCRIPTION
 *	Measures, on one core: messages per second for a 2 KB message signed
 *	with RSA-2048, Ed25519 and both at once (relaxed/relaxed, keys
 *	parsed once through the context cache, as the spawn helper does);
 *	the one-off PEM parse cost; and body canonicalization + SHA-256
 *	throughput on a 1 MB body (relaxed and simple) against plain
 *	SHA-256 on the same bytes. Prints the machine line first (CPU model,
 *	cores, OpenSSL and dkimmod versions) so numbers can be compared.
 *	Not run by meson test.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <glib.h>

#include "dkimmod.h"
#include "canon-private.h"

static double seconds = 2.0;
static gboolean hash_only = FALSE;

/* cpu_model - "model name" from /proc/cpuinfo */
static char *
cpu_model (void)
{
  g_autofree char *info = NULL;

  if (g_file_get_contents ("/proc/cpuinfo", &info, NULL, NULL))
    {
      g_auto (GStrv) lines = g_strsplit (info, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        if (g_str_has_prefix (lines[i], "model name"))
          return g_strdup (g_strstrip (strchr (lines[i], ':') + 1));
    }
  return g_strdup ("unknown CPU");
}

/* make_message - a 2 KB message: 8 headers and a text body */
static GString *
make_message (gsize body_bytes)
{
  GString *m = g_string_new ("From: Alice Example <alice@example.net>\r\n"
                             "To: Bob Example <bob@example.org>\r\n"
                             "Cc: carol@example.org\r\n"
                             "Subject: Quarterly report, please review before Friday\r\n"
                             "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
                             "Message-ID: <20261128120000.12345@mail.example.net>\r\n"
                             "MIME-Version: 1.0\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\n"
                             "\r\n");
  static const char *line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do  eiusmod\r\n";

  while (m->len < body_bytes)
    g_string_append (m, line);
  return m;
}

typedef struct {
  const char *label;
  DkimmodKey *keys[2];
  guint nkeys;
} SignCase;

/* sign_one - one full message through a new signer */
static void
sign_one (DkimmodContext *ctx, const SignCase *c, const char *msg, gsize hdr_len, gsize len)
{
  DkimmodSigner *s = dkimmod_signer_new (ctx);
  DkimmodError err;
  const char *p = msg, *end = msg + hdr_len - 2;
  char *out;

  for (guint i = 0; i < c->nkeys; i++)
    {
      DkimmodSignSpec spec;

      dkimmod_sign_spec_init (&spec);
      spec.domain = "example.net";
      spec.selector = i == 0 ? "s1" : "s2";
      spec.key = c->keys[i];
      if (dkimmod_signer_add_signature (s, &spec, &err) != 0)
        g_error ("%s", err.message);
    }
  /* header fields: lines not starting with WSP (this message has none folded) */
  while (p < end)
    {
      const char *nl = strstr (p, "\r\n") + 2;

      dkimmod_signer_add_header (s, p, (size_t) (nl - p), &err);
      p = nl;
    }
  dkimmod_signer_end_headers (s, &err);
  dkimmod_signer_add_body (s, msg + hdr_len, len - hdr_len, &err);
  out = dkimmod_signer_finish (s, NULL, &err);
  if (out == NULL)
    g_error ("%s", err.message);
  dkimmod_free (out);
  dkimmod_signer_free (s);
}

static void
bench_sign (DkimmodContext *ctx, const SignCase *c, const GString *msg)
{
  gsize hdr_len = (gsize) (strstr (msg->str, "\r\n\r\n") - msg->str) + 4;
  g_autoptr (GTimer) t = g_timer_new ();
  guint64 n = 0;
  double el;

  while ((el = g_timer_elapsed (t, NULL)) < seconds)
    for (int i = 0; i < 20; i++, n++)
      sign_one (ctx, c, msg->str, hdr_len, msg->len);
  printf ("sign %-20s %5" G_GSIZE_FORMAT " B message: %8.0f messages/s  (%.1f us each)\n",
          c->label, msg->len, (double) n / el, el * 1e6 / (double) n);
}

/* bench_hash - MB/s of canonicalization + SHA-256 (or plain SHA-256) */
static double
bench_hash (int mode, const GString *body)
{
  g_autoptr (GTimer) t = g_timer_new ();
  guint64 bytes = 0;
  double el;

  while ((el = g_timer_elapsed (t, NULL)) < seconds)
    {
      guchar d[EVP_MAX_MD_SIZE];
      guint dl;

      if (mode < 2)
        {
          g_autoptr (DkimmodBodyHash) bh = dkimmod_body_hash_new (mode ? DKIMMOD_CANON_RELAXED
                                                                       : DKIMMOD_CANON_SIMPLE,
                                                                  EVP_sha256 (), NULL);

          /* fed as an SMTP reader would: 64 KiB chunks */
          for (gsize off = 0; off < body->len; off += 65536)
            dkimmod_body_hash_update (bh, body->str + off, MIN (65536, body->len - off));
          dkimmod_body_hash_finish (bh, d, &dl, NULL);
        }
      else
        EVP_Digest (body->str, body->len, d, &dl, EVP_sha256 (), NULL);
      bytes += body->len;
    }
  return (double) bytes / el / 1e6;
}

int
main (int argc, char **argv)
{
  g_autofree char *keydir = g_strdup (DKIMMOD_BENCH_KEYDIR);
  g_autofree char *cpu = cpu_model ();
  GOptionEntry entries[] = {
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds, "time per measurement", "S" },
    { "hash-only", 'H', 0, G_OPTION_ARG_NONE, &hash_only, "only the body hashing figures", NULL },
    { "keydir", 'k', 0, G_OPTION_ARG_FILENAME, &keydir, "directory with rsa2048.pem, ed25519.pem", "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) oc = g_option_context_new ("- libdkimmod signing benchmark");
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (GString) msg = make_message (2048);
  g_autoptr (GString) mb = make_message (1024 * 1024);
  g_autoptr (GTimer) pt = g_timer_new ();
  DkimmodKey *rsa, *ed;
  char *pem;
  gsize pem_len;
  double rel, sim, sha;

  g_option_context_add_main_entries (oc, entries, NULL);
  if (!g_option_context_parse (oc, &argc, &argv, &error))
    g_error ("%s", error->message);
  printf ("machine: %s, %u cores, %s, libdkimmod %s\n", cpu, g_get_num_processors (),
          OpenSSL_version (OPENSSL_VERSION), dkimmod_version ());
  {
    g_autofree char *p = g_build_filename (keydir, "rsa2048.pem", NULL);
    DkimmodError err;

    g_assert_true (g_file_get_contents (p, &pem, &pem_len, NULL));
    g_timer_start (pt);
    rsa = dkimmod_key_load_pem (pem, pem_len, &err);
    printf ("PEM parse (once per process): RSA-2048 %.0f us", g_timer_elapsed (pt, NULL) * 1e6);
    g_free (pem);
    g_free (p);
    p = g_build_filename (keydir, "ed25519.pem", NULL);
    g_assert_true (g_file_get_contents (p, &pem, &pem_len, NULL));
    g_timer_start (pt);
    ed = dkimmod_key_load_pem (pem, pem_len, &err);
    printf (", Ed25519 %.0f us\n", g_timer_elapsed (pt, NULL) * 1e6);
    g_free (pem);
    g_assert_nonnull (rsa);
    g_assert_nonnull (ed);
  }
  if (!hash_only)
  {
    SignCase cases[] = {
      { "rsa-sha256 (2048)", { rsa, NULL }, 1 },
      { "ed25519-sha256", { ed, NULL }, 1 },
      { "ed25519 + rsa", { ed, rsa }, 2 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
      bench_sign (ctx, &cases[i], msg);
  }
  rel = bench_hash (1, mb);
  sim = bench_hash (0, mb);
  sha = bench_hash (2, mb);
  printf ("body 1 MB: relaxed+SHA-256 %.0f MB/s, simple+SHA-256 %.0f MB/s, SHA-256 alone %.0f MB/s "
          "(relaxed at %.0f%% of SHA-256)\n", rel, sim, sha, 100.0 * rel / sha);
  dkimmod_key_unref (rsa);
  dkimmod_key_unref (ed);
  return 0;
}
