/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	bench-sign.c - signing throughput of libdkimmod
 * SYNOPSIS
 *	bench-sign [-s SECONDS] [-k KEYDIR] [-H]
 *	bench-sign --corpus DIR [-s SECONDS] [-r ROUNDS]
 * DESCRIPTION
 *	Measures, on one core: messages per second for a 2 KB message signed
 *	with RSA-2048, Ed25519 and both at once (relaxed/relaxed, keys
 *	parsed once through the context cache, as the spawn helper does);
 *	the one-off PEM parse cost; and body canonicalization + SHA-256
 *	throughput on a 1 MB body (relaxed and simple) against plain
 *	SHA-256 on the same bytes. Prints the machine line first (CPU model,
 *	cores, OpenSSL and dkimmod versions) so numbers can be compared.
 *	Not run by meson test.
 *
 *	With --corpus (the directory make-corpus.py writes, shared with the
 *	libopendkim, dkimpy and Mail::DKIM harnesses), it signs msg-SIZE.eml
 *	and verifies signed-ALG-SIZE.eml instead, for ALG rsa and ed and
 *	SIZE 2k, 64k, 1m, keys parsed once, key records from keys.txt parsed
 *	once, and prints one line per case for run-all.sh:
 *	  RESULT dkimmod sign|verify rsa|ed SIZE MESSAGES_PER_SECOND
 *	the median of ROUNDS rounds (default 3) of SECONDS of CPU time each
 *	(messages per CPU second, as openssl speed counts), and after
 *	each case the same-moment limit "RESULT openssl-inproc ...": SHA-256
 *	of the message plus one raw OpenSSL operation with the same key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <glib.h>

#include "dkimmod.h"
#include "canon-private.h"

static double seconds = 2.0;
static gboolean hash_only = FALSE;
static char *corpus = NULL;
static int rounds = 3;

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

/* cpu_us - CPU time of this process: rates are per CPU second, as openssl
 * speed counts them, so that other work on a shared machine does not
 * lower them */
static gint64
cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
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

/* bench_hash - MB per CPU second of canonicalization + SHA-256 (or plain SHA-256) */
static double
bench_hash (int mode, const GString *body)
{
  gint64 start = cpu_us ();
  guint64 bytes = 0;
  double el;

  while ((el = (double) (cpu_us () - start) / G_USEC_PER_SEC) < seconds)
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

/* --- corpus mode (run-all.sh) ------------------------------------------ */

/* A message split once, outside the timed loops: header fields (folding
 * kept) and the body, so only library work is timed. */
typedef struct {
  char *data;
  gsize len;
  GArray *fields; /* gsize offsets: start of field i, and the body start last */
} Split;

static void
split_free (Split *m)
{
  g_free (m->data);
  g_array_unref (m->fields);
}

static void
split_load (Split *m, const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  gsize pos = 0;

  if (!g_file_get_contents (path, &m->data, &m->len, NULL))
    g_error ("cannot read %s", path);
  m->fields = g_array_new (FALSE, FALSE, sizeof (gsize));
  while (pos + 1 < m->len && !(m->data[pos] == '\r' && m->data[pos + 1] == '\n'))
    {
      g_array_append_val (m->fields, pos);
      /* a field ends at a CRLF not followed by WSP */
      do
        pos = (gsize) (strstr (m->data + pos, "\r\n") - m->data) + 2;
      while (m->data[pos] == ' ' || m->data[pos] == '\t');
    }
  pos += 2;
  g_array_append_val (m->fields, pos);
}

static gsize
split_field (const Split *m, guint i, gsize *len)
{
  gsize a = g_array_index (m->fields, gsize, i), b = g_array_index (m->fields, gsize, i + 1);

  if (i + 2 == m->fields->len)
    b -= 2; /* the last field ends before the empty line */
  *len = b - a;
  return a;
}

static void
corpus_sign (DkimmodContext *ctx, DkimmodKey *key, const char *sel, const Split *m)
{
  g_autoptr (DkimmodSigner) s = dkimmod_signer_new (ctx);
  DkimmodSignSpec spec;
  DkimmodError err;
  gsize body = g_array_index (m->fields, gsize, m->fields->len - 1);
  char *out;

  dkimmod_sign_spec_init (&spec);
  spec.domain = "example.net";
  spec.selector = sel;
  spec.key = key;
  if (dkimmod_signer_add_signature (s, &spec, &err) != 0)
    g_error ("%s", err.message);
  for (guint i = 0; i + 1 < m->fields->len; i++)
    {
      gsize len, off = split_field (m, i, &len);

      dkimmod_signer_add_header (s, m->data + off, len, &err);
    }
  dkimmod_signer_end_headers (s, &err);
  dkimmod_signer_add_body (s, m->data + body, m->len - body, &err);
  out = dkimmod_signer_finish (s, NULL, &err);
  if (out == NULL)
    g_error ("%s", err.message);
  dkimmod_free (out);
}

static void
corpus_verify (DkimmodContext *ctx, const DkimmodKeyFile *kf, const Split *m)
{
  g_autoptr (DkimmodVerifier) v = dkimmod_verifier_new (ctx, NULL);
  gsize body = g_array_index (m->fields, gsize, m->fields->len - 1);

  for (guint i = 0; i + 1 < m->fields->len; i++)
    {
      gsize len, off = split_field (m, i, &len);

      dkimmod_verifier_add_header (v, m->data + off, len, NULL);
    }
  dkimmod_verifier_end_headers (v, NULL);
  dkimmod_verifier_answer_from_key_file (v, kf, NULL);
  dkimmod_verifier_add_body (v, m->data + body, m->len - body, NULL);
  dkimmod_verifier_finish (v, NULL);
  if (dkimmod_verifier_summary (v) != DKIMMOD_RESULT_PASS)
    g_error ("verification failed: %s", dkimmod_verifier_result (v, 0)->reason);
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* corpus_case - median messages/s over ROUNDS rounds of SECONDS each */
static double
corpus_case (DkimmodContext *ctx, DkimmodKey *key, const char *sel, const DkimmodKeyFile *kf,
             const Split *m)
{
  g_autofree double *rate = g_new (double, rounds);

  for (int r = 0; r < rounds; r++)
    {
      gint64 start = cpu_us (), now;
      guint64 n = 0;

      do
        {
          if (kf == NULL)
            corpus_sign (ctx, key, sel, m);
          else
            corpus_verify (ctx, kf, m);
          n++;
          now = cpu_us ();
        }
      while (now - start < seconds * G_USEC_PER_SEC);
      rate[r] = (double) n * G_USEC_PER_SEC / (double) (now - start);
    }
  qsort (rate, rounds, sizeof *rate, cmp_double);
  return rate[rounds / 2];
}

/* The same-moment limit: SHA-256 of the whole message plus one raw
 * key operation on the same key, as a minimal caller of OpenSSL does it
 * (a new context per message), so that load on a shared machine moves
 * both sides alike. */
typedef struct {
  EVP_PKEY *pkey;
  const Split *m;
  gboolean verify;
  guchar sig[512];
  size_t siglen;
} Raw;

static void
raw_once (Raw *r)
{
  guchar md[EVP_MAX_MD_SIZE];
  guint mdlen;
  gboolean ed = EVP_PKEY_get_id (r->pkey) == EVP_PKEY_ED25519;
  int ok;

  EVP_Digest (r->m->data, r->m->len, md, &mdlen, EVP_sha256 (), NULL);
  if (ed)
    {
      EVP_MD_CTX *mc = EVP_MD_CTX_new ();
      size_t len = sizeof r->sig;

      if (r->verify)
        ok = EVP_DigestVerifyInit (mc, NULL, NULL, NULL, r->pkey) == 1
             && EVP_DigestVerify (mc, r->sig, r->siglen, md, mdlen) == 1;
      else
        ok = EVP_DigestSignInit (mc, NULL, NULL, NULL, r->pkey) == 1
             && EVP_DigestSign (mc, r->sig, &len, md, mdlen) == 1;
      if (!r->verify)
        r->siglen = len;
      EVP_MD_CTX_free (mc);
    }
  else
    {
      EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new (r->pkey, NULL);
      size_t len = sizeof r->sig;

      if (r->verify)
        ok = EVP_PKEY_verify_init (pc) == 1 && EVP_PKEY_CTX_set_signature_md (pc, EVP_sha256 ()) == 1
             && EVP_PKEY_verify (pc, r->sig, r->siglen, md, mdlen) == 1;
      else
        ok = EVP_PKEY_sign_init (pc) == 1 && EVP_PKEY_CTX_set_signature_md (pc, EVP_sha256 ()) == 1
             && EVP_PKEY_sign (pc, r->sig, &len, md, mdlen) == 1;
      if (!r->verify)
        r->siglen = len;
      EVP_PKEY_CTX_free (pc);
    }
  if (!ok)
    g_error ("raw OpenSSL operation failed");
}

static double
raw_case (Raw *r)
{
  g_autofree double *rate = g_new (double, rounds);

  for (int i = 0; i < rounds; i++)
    {
      gint64 start = cpu_us (), now;
      guint64 n = 0;

      do
        {
          raw_once (r);
          n++;
          now = cpu_us ();
        }
      while (now - start < seconds * G_USEC_PER_SEC);
      rate[i] = (double) n * G_USEC_PER_SEC / (double) (now - start);
    }
  qsort (rate, rounds, sizeof *rate, cmp_double);
  return rate[rounds / 2];
}

static EVP_PKEY *
read_pkey (const char *path)
{
  FILE *f = fopen (path, "r");
  EVP_PKEY *k = f ? PEM_read_PrivateKey (f, NULL, NULL, NULL) : NULL;

  if (f)
    fclose (f);
  if (k == NULL)
    g_error ("%s: cannot read the key", path);
  return k;
}

static int
bench_corpus (DkimmodContext *ctx, const char *dir)
{
  static const char *const sizes[] = { "2k", "64k", "1m" };
  static const char *const algs[] = { "rsa", "ed" };
  g_autofree char *keys = g_build_filename (dir, "keys.txt", NULL);
  DkimmodError err;
  DkimmodKeyFile *kf = dkimmod_key_file_load (keys, &err);

  if (kf == NULL)
    g_error ("%s: %s", keys, err.message);
  rounds = MAX (rounds, 1);
  for (gsize a = 0; a < G_N_ELEMENTS (algs); a++)
    {
      g_autofree char *kp = g_strdup_printf ("%s/%s.pem", dir, algs[a]);
      DkimmodKey *key = dkimmod_key_load_file (ctx, kp, 0, &err);

      EVP_PKEY *pkey = read_pkey (kp);

      if (key == NULL)
        g_error ("%s: %s", kp, err.message);
      for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
        {
          g_autofree char *plain = g_strdup_printf ("msg-%s.eml", sizes[i]);
          g_autofree char *signd = g_strdup_printf ("signed-%s-%s.eml", algs[a], sizes[i]);
          Split m, sm;

          split_load (&m, dir, plain);
          split_load (&sm, dir, signd);
          printf ("RESULT dkimmod sign %s %s %.1f\n", algs[a], sizes[i],
                  corpus_case (ctx, key, algs[a], NULL, &m));
          fflush (stdout);
          printf ("RESULT dkimmod verify %s %s %.1f\n", algs[a], sizes[i],
                  corpus_case (ctx, NULL, NULL, kf, &sm));
          {
            Raw r = { .pkey = pkey, .m = &m, .verify = FALSE };

            printf ("RESULT openssl-inproc sign %s %s %.1f\n", algs[a], sizes[i], raw_case (&r));
            /* a signature over the signed message's digest, then verify it */
            r.m = &sm;
            raw_once (&r);
            r.verify = TRUE;
            printf ("RESULT openssl-inproc verify %s %s %.1f\n", algs[a], sizes[i], raw_case (&r));
          }
          fflush (stdout);
          split_free (&m);
          split_free (&sm);
        }
      dkimmod_key_unref (key);
      EVP_PKEY_free (pkey);
    }
  dkimmod_key_file_free (kf);
  return 0;
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
    { "corpus", 0, 0, G_OPTION_ARG_FILENAME, &corpus, "run the corpus cases of run-all.sh", "DIR" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "rounds per corpus case (median)", "N" },
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
  if (corpus != NULL)
    return bench_corpus (ctx, corpus);
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
