/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-verifier - the verifier against independent signers
 * DESCRIPTION
 *	make-dkimpy-vectors.py signs messages with dkimpy (rsa-sha256,
 *	rsa-sha1, ed25519-sha256, every canonicalization, l=), tampers with
 *	copies and writes a key file and a manifest of expected results; each
 *	manifest line becomes one test case here. Then the RFC 8463 Appendix
 *	A message with its published keys, and the sans-I/O DNS outcomes.
 */
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <glib.h>
#include <glib/gstdio.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "authres.h"
#include "verifier.h"

typedef struct {
  char *name;
  char *file;
  guint index;
  char *result;
  char *reason;
  char *flags;
  guint count;
} Case;

static char *vector_dir;
static GPtrArray *all_cases;
static DkimmodKeyFile *key_file;

static int64_t
clock_offset (void *data)
{
  return (int64_t) time (NULL) + GPOINTER_TO_INT (data);
}

/* split_message - header fields (each with its CRLF) and the body */
static GPtrArray *
split_message (const char *msg, gsize len, const char **body, gsize *body_len)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize start = 0, i = 0;

  while (i + 1 < len)
    {
      if (msg[i] == '\r' && msg[i + 1] == '\n')
        {
          if (i == start)
            {
              i += 2;
              break;
            }
          if (i + 2 >= len || (msg[i + 2] != ' ' && msg[i + 2] != '\t'))
            {
              g_ptr_array_add (fields, g_bytes_new (msg + start, i + 2 - start));
              start = i + 2;
            }
          i += 2;
        }
      else
        i++;
    }
  *body = msg + i;
  *body_len = len - i;
  return fields;
}

/* signer_run - feed S the header fields of HEADERS and BODY; returns its
 * signature fields (the signatures were added by the caller) */
static char *
signer_run (DkimmodSigner *s, const char *headers, const char *body)
{
  g_autoptr (GPtrArray) fields = NULL;
  DkimmodError err;
  const char *unused;
  gsize unused_len;

  fields = split_message (headers, strlen (headers), &unused, &unused_len);
  for (guint i = 0; i < fields->len; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (g_ptr_array_index (fields, i), &flen);
      g_assert_cmpint (dkimmod_signer_add_header (s, f, flen, &err), ==, 0);
    }
  g_assert_cmpint (dkimmod_signer_end_headers (s, &err), ==, 0);
  g_assert_cmpint (dkimmod_signer_add_body (s, body, strlen (body), &err), ==, 0);
  return dkimmod_signer_finish (s, NULL, &err);
}

/* verify_message - runs the whole API over MSG; KF answers the keys,
 * or (KF NULL) the caller's STATUS for every name */
static DkimmodVerifier *
verify_message (const char *msg, gsize len, const DkimmodVerifyOptions *opts, int clock_skew,
                const DkimmodKeyFile *kf, DkimmodDnsStatus status)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (GPtrArray) fields = NULL;
  DkimmodVerifier *v;
  DkimmodError err;
  const char *body;
  gsize body_len, off = 0, chunk = 1;

  dkimmod_context_set_clock (ctx, clock_offset, GINT_TO_POINTER (clock_skew));
  v = dkimmod_verifier_new (ctx, opts);
  fields = split_message (msg, len, &body, &body_len);
  for (guint i = 0; i < fields->len; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (g_ptr_array_index (fields, i), &flen);
      g_assert_cmpint (dkimmod_verifier_add_header (v, f, flen, &err), ==, 0);
    }
  g_assert_cmpint (dkimmod_verifier_end_headers (v, &err), ==, 0);
  /* body in growing chunks, cut anywhere (also inside CRLF) */
  while (off < body_len)
    {
      gsize n = MIN (chunk, body_len - off);
      g_assert_cmpint (dkimmod_verifier_add_body (v, body + off, n, &err), ==, 0);
      off += n;
      chunk = chunk % 7 + 1;
      /* answer the keys in the middle of the body: "later" is allowed */
      if (off >= body_len / 2 && kf != NULL)
        g_assert_cmpint (dkimmod_verifier_answer_from_key_file (v, kf, &err), ==, 0);
    }
  if (kf != NULL)
    g_assert_cmpint (dkimmod_verifier_answer_from_key_file (v, kf, &err), ==, 0);
  else if (status != (DkimmodDnsStatus) -1)
    for (size_t i = 0; i < dkimmod_verifier_key_query_count (v); i++)
      g_assert_cmpint (dkimmod_verifier_key_answer (v, dkimmod_verifier_key_query_name (v, i),
                                                    status, NULL, NULL, 0, 0, &err), ==, 0);
  g_assert_cmpint (dkimmod_verifier_finish (v, &err), ==, 0);
  return v;
}

static void
test_dkimpy_case (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *path = g_build_filename (vector_dir, c->file, NULL);
  g_autofree char *msg = NULL;
  gsize len;
  DkimmodVerifyOptions opts;
  int skew = 0;

  g_assert_true (g_file_get_contents (path, &msg, &len, NULL));
  dkimmod_verify_options_init (&opts);
  opts.accept_rsa_sha1 = strstr (c->flags, "sha1ok") != NULL;
  opts.accept_body_length = strstr (c->flags, "lok") != NULL;
  if (strstr (c->flags, "max2") != NULL)
    opts.max_signatures = 2;
  if (strstr (c->flags, "past") != NULL)
    skew = -86400;
  if (strstr (c->flags, "future") != NULL)
    skew = 86400;

  g_autoptr (DkimmodVerifier) v = verify_message (msg, len, &opts, skew, key_file, 0);
  g_assert_cmpuint (dkimmod_verifier_result_count (v), ==, c->count);
  const DkimmodSignatureResult *r = dkimmod_verifier_result (v, c->index);
  g_assert_nonnull (r);
  g_assert_cmpstr (dkimmod_result_name (r->result), ==, c->result);
  g_assert_cmpstr (r->reason, ==, c->reason);

  g_autofree char *ar = dkimmod_verifier_authres (v, "mx.example.net", NULL);
  g_autofree char *want = g_strdup_printf ("dkim=%s", c->result);
  g_assert_nonnull (strstr (ar, want));
  if (g_str_equal (c->name, "rsa-second-txt-record"))
    g_assert_cmpint (r->key_record, ==, 1);
  if (g_str_equal (c->name, "rsa-testing-key"))
    g_assert_true (r->testing);
  if (g_str_equal (c->result, "pass"))
    g_assert_cmpint (r->key_record, >=, 0);
}

/* RFC 8463 Appendix A.2 (keys) and A.3 (signed message) */
static const char rfc8463_keys[] =
  "brisbane._domainkey.football.example.com v=DKIM1; k=ed25519; "
  "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
  "test._domainkey.football.example.com v=DKIM1; k=rsa; "
  "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
  "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/b"
  "yYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKr"
  "M3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K"
  "4w3QIDAQAB\n";

static const char rfc8463_message[] =
  "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
  " d=football.example.com; i=@football.example.com;\r\n"
  " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
  " subject : date : message-id : from : subject : date;\r\n"
  " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
  " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
  " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
  " d=football.example.com; i=@football.example.com;\r\n"
  " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
  " date : message-id : from : subject : date;\r\n"
  " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
  " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
  " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
  " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
  "From: Joe SixPack <joe@football.example.com>\r\n"
  "To: Suzie Q <suzie@shopping.example.net>\r\n"
  "Subject: Is dinner ready?\r\n"
  "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
  "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
  "\r\n"
  "Hi.\r\n"
  "\r\n"
  "We lost the game.  Are you hungry yet?\r\n"
  "\r\n"
  "Joe.\r\n";

static void
test_rfc8463 (void)
{
  DkimmodError err;
  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_parse (rfc8463_keys, strlen (rfc8463_keys),
                                                          &err);
  g_autoptr (DkimmodVerifier) v = verify_message (rfc8463_message, strlen (rfc8463_message), NULL,
                                                  0, kf, 0);

  g_assert_cmpuint (dkimmod_verifier_key_query_count (v), ==, 2);
  g_assert_cmpstr (dkimmod_verifier_key_query_name (v, 0), ==,
                   "brisbane._domainkey.football.example.com");
  g_assert_cmpuint (dkimmod_verifier_result_count (v), ==, 2);
  for (size_t i = 0; i < 2; i++)
    {
      const DkimmodSignatureResult *r = dkimmod_verifier_result (v, i);
      g_assert_cmpstr (dkimmod_result_name (r->result), ==, "pass");
      g_assert_cmpstr (r->reason, ==, "");
    }
  g_assert_cmpstr (dkimmod_verifier_result (v, 0)->algorithm, ==, "ed25519-sha256");
  g_assert_cmpuint (dkimmod_verifier_result (v, 0)->key_bits, ==, 256);
  g_assert_cmpuint (dkimmod_verifier_result (v, 1)->key_bits, ==, 1024);

  g_autofree char *ar = dkimmod_verifier_authres (v, "mx.example.net", &err);
  g_assert_cmpstr (ar, ==,
                   "Authentication-Results: mx.example.net;\r\n"
                   "\tdkim=pass (256-bit key) header.d=football.example.com\r\n"
                   "\t header.i=@football.example.com header.s=brisbane\r\n"
                   "\t header.a=ed25519-sha256 header.b=\"/gCrinpc\";\r\n"
                   "\tdkim=pass (1024-bit key) header.d=football.example.com\r\n"
                   "\t header.i=@football.example.com header.s=test header.a=rsa-sha256\r\n"
                   "\t header.b=F45dVWDf\r\n");
}

static void
test_rfc8463_tampered (void)
{
  DkimmodError err;
  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_parse (rfc8463_keys, strlen (rfc8463_keys),
                                                          &err);
  g_autofree char *msg = g_strdup (rfc8463_message);
  char *p = strstr (msg, "hungry");

  p[0] = 'H';
  g_autoptr (DkimmodVerifier) v = verify_message (msg, strlen (msg), NULL, 0, kf, 0);
  for (size_t i = 0; i < 2; i++)
    g_assert_cmpstr (dkimmod_verifier_result (v, i)->reason, ==, "body hash did not verify");
  g_assert_cmpint (dkimmod_verifier_summary (v), ==, DKIMMOD_RESULT_FAIL);
}

static void
test_dns_outcomes (void)
{
  static const struct {
    int status;
    const char *result;
    const char *reason;
  } cases[] = {
    { DKIMMOD_DNS_TIMEOUT, "temperror", "DNS timeout" },
    { DKIMMOD_DNS_SERVFAIL, "temperror", "DNS error" },
    { DKIMMOD_DNS_NXDOMAIN, "permerror", "no key for signature" },
    { DKIMMOD_DNS_OK, "permerror", "no key for signature" },  /* NODATA */
    { -1, "temperror", "key lookup not answered" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (DkimmodVerifier) v = verify_message (rfc8463_message, strlen (rfc8463_message),
                                                      NULL, 0, NULL, cases[i].status);
      const DkimmodSignatureResult *r = dkimmod_verifier_result (v, 1);

      g_assert_cmpstr (dkimmod_result_name (r->result), ==, cases[i].result);
      g_assert_cmpstr (r->reason, ==, cases[i].reason);
      g_assert_cmpstr (dkimmod_result_name (dkimmod_verifier_summary (v)), ==, cases[i].result);
    }
}

static void
test_unsigned (void)
{
  const char msg[] = "From: a@example.net\r\nSubject: hi\r\n\r\nbody\r\n";
  g_autoptr (DkimmodVerifier) v = verify_message (msg, strlen (msg), NULL, 0, NULL, 0);

  g_assert_cmpuint (dkimmod_verifier_key_query_count (v), ==, 0);
  g_assert_cmpuint (dkimmod_verifier_result_count (v), ==, 0);
  g_assert_cmpint (dkimmod_verifier_summary (v), ==, DKIMMOD_RESULT_NONE);
  g_autofree char *ar = dkimmod_verifier_authres (v, "mx.example.net", NULL);
  g_assert_cmpstr (ar, ==, "Authentication-Results: mx.example.net; dkim=none\r\n");
}

static void
test_call_order (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodVerifier) v = dkimmod_verifier_new (ctx, NULL);
  DkimmodError err;

  g_assert_cmpint (dkimmod_verifier_add_body (v, "x", 1, &err), ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_INVAL);
  g_assert_cmpint (dkimmod_verifier_finish (v, &err), ==, -1);
  g_assert_cmpint (dkimmod_verifier_end_headers (v, &err), ==, 0);
  g_assert_cmpint (dkimmod_verifier_add_header (v, "A: b\r\n", 6, &err), ==, -1);
  g_assert_cmpint (dkimmod_verifier_key_answer (v, "nosuch._domainkey.x", DKIMMOD_DNS_OK, NULL,
                                                NULL, 0, 0, &err), ==, -1);
  g_assert_null (dkimmod_verifier_authres (v, "mx", &err));
  g_assert_cmpint (dkimmod_verifier_finish (v, &err), ==, 0);
}

static DkimmodKey *
fresh_key (EVP_PKEY *pkey)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *pem;
  long len;
  DkimmodError err;
  DkimmodKey *key;

  g_assert_cmpint (PEM_write_bio_PrivateKey (bio, pkey, NULL, NULL, 0, NULL, NULL), ==, 1);
  len = BIO_get_mem_data (bio, &pem);
  key = dkimmod_key_load_pem (pem, len, &err);
  g_assert_nonnull (key);
  BIO_free (bio);
  EVP_PKEY_free (pkey);
  return key;
}

/* Our own signer's output (both algorithms, every canonicalization,
 * oversigning by default) verifies, and an added From breaks it. */
static void
test_own_signer (void)
{
  const char headers[] = "From: Carol <carol@example.org>\r\n"
                         "To: Dave <dave@example.net>\r\n"
                         "Subject:  round  trip \r\n"
                         "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n";
  const char body[] = "line one\r\n  indented\ttab \r\n\r\n\r\n";
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  DkimmodKey *keys[2] = { fresh_key (EVP_RSA_gen (2048)),
                          fresh_key (EVP_PKEY_Q_keygen (NULL, NULL, "ED25519")) };
  g_autoptr (GString) keytext = g_string_new (NULL);
  g_autoptr (DkimmodSigner) s = dkimmod_signer_new (ctx);
  DkimmodError err;
  guint nsig = 0;

  for (guint k = 0; k < 2; k++)
    {
      g_autofree char *rec = dkimmod_key_dns_record (keys[k], &err);
      g_assert_nonnull (rec);
      g_string_append_printf (keytext, "k%u._domainkey.example.org %s\n", k, rec);
      for (guint c = 0; c < 4; c++)
        {
          DkimmodSignSpec spec;
          g_autofree char *sel = g_strdup_printf ("k%u", k);

          dkimmod_sign_spec_init (&spec);
          spec.domain = "example.org";
          spec.selector = sel;
          spec.key = keys[k];
          spec.header_canon = c & 1 ? DKIMMOD_CANON_RELAXED : DKIMMOD_CANON_SIMPLE;
          spec.body_canon = c & 2 ? DKIMMOD_CANON_RELAXED : DKIMMOD_CANON_SIMPLE;
          g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, 0);
          nsig++;
        }
    }
  g_autofree char *sigs = signer_run (s, headers, body);
  g_assert_nonnull (sigs);

  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_parse (keytext->str, keytext->len, &err);
  g_autofree char *msg = g_strconcat (sigs, headers, "\r\n", body, NULL);
  g_autoptr (DkimmodVerifier) v = NULL;
  DkimmodVerifyOptions opts;

  dkimmod_verify_options_init (&opts);
  opts.max_signatures = 16;
  v = verify_message (msg, strlen (msg), &opts, 0, kf, 0);
  g_assert_cmpuint (dkimmod_verifier_result_count (v), ==, nsig);
  for (guint i = 0; i < nsig; i++)
    {
      const DkimmodSignatureResult *r = dkimmod_verifier_result (v, i);
      g_test_message ("%s %s: %s", r->selector, r->algorithm, r->reason);
      g_assert_cmpint (r->result, ==, DKIMMOD_RESULT_PASS);
    }
  /* a second From added below the signed one: oversigning catches it */
  g_autofree char *forged = g_strconcat (sigs, headers, "From: mallory@evil.example\r\n\r\n",
                                         body, NULL);
  g_autoptr (DkimmodVerifier) v2 = verify_message (forged, strlen (forged), &opts, 0, kf, 0);
  for (guint i = 0; i < nsig; i++)
    g_assert_cmpstr (dkimmod_verifier_result (v2, i)->reason, ==, "signature did not verify");
  dkimmod_key_unref (keys[0]);
  dkimmod_key_unref (keys[1]);
}

/* sign_once - one relaxed rsa-sha256 signature by KEY over HEADERS and
 * BODY that names each of SIGNED once (no oversigning) */
static char *
sign_once (DkimmodKey *key, const char *signed_names, const char *headers, const char *body)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodSigner) s = dkimmod_signer_new (ctx);
  DkimmodSignSpec spec;
  DkimmodError err;

  dkimmod_sign_spec_init (&spec);
  spec.domain = "example.org";
  spec.selector = "once";
  spec.key = key;
  spec.headers = signed_names;
  spec.oversign = "";
  g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, 0);
  return signer_run (s, headers, body);
}

/* Issue 9 item 6: a signature whose h= names From once, over a message
 * with a second From above the signed one, verifies cryptographically
 * (the bottom From is the one hashed) but must not pass; the same for
 * every RFC 5322 singleton h= names. A singleton h= does not name is
 * not the signature's business. */
static void
test_unsigned_singleton (void)
{
  static const struct { const char *added, *reason; } cases[] = {
    { "From: Mallory <mallory@evil.example>\r\n", "unsigned From field" },
    { "from: mallory@evil.example\r\n", "unsigned From field" },
    { "Subject: pay now\r\n", "unsigned Subject field" },
    { "Reply-To: mallory@evil.example\r\n", "unsigned Reply-To field" },
    { "Sender: mallory@evil.example\r\n", "unsigned Sender field" },
    { "To: victim@example.net\r\n", "unsigned To field" },
    { "Cc: victim@example.net\r\n", "unsigned Cc field" },
    { "Date: Sun, 29 Nov 2026 12:00:00 +0000\r\n", "unsigned Date field" },
    { "Keywords: not a singleton\r\n", NULL },
  };
  const char headers[] = "From: Carol <carol@example.org>\r\n"
                         "Sender: carol@example.org\r\n"
                         "Reply-To: carol@example.org\r\n"
                         "To: Dave <dave@example.net>\r\n"
                         "Cc: eve@example.net\r\n"
                         "Subject: once\r\n"
                         "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
                         "Keywords: a\r\n";
  const char body[] = "body\r\n";
  DkimmodKey *key = fresh_key (EVP_RSA_gen (2048));
  DkimmodError err;
  g_autofree char *rec = dkimmod_key_dns_record (key, &err);
  g_autofree char *keytext = g_strdup_printf ("once._domainkey.example.org %s\n", rec);
  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_parse (keytext, strlen (keytext), &err);
  g_autofree char *sig = sign_once (key, "from:sender:reply-to:to:cc:subject:date:keywords",
                                    headers, body);
  g_autofree char *from_only = sign_once (key, "from", headers, body);

  g_assert_nonnull (strstr (sig, "h=from:sender:reply-to:to:cc:subject:date:keywords;"));
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *msg = g_strconcat (sig, cases[k].added, headers, "\r\n", body, NULL);
      g_autoptr (DkimmodVerifier) v = verify_message (msg, strlen (msg), NULL, 0, kf, 0);
      const DkimmodSignatureResult *r = dkimmod_verifier_result (v, 0);

      g_test_message ("%s: %s %s", cases[k].added, dkimmod_result_name (r->result), r->reason);
      if (cases[k].reason == NULL)
        g_assert_cmpint (r->result, ==, DKIMMOD_RESULT_PASS);
      else
        {
          g_assert_cmpint (r->result, ==, DKIMMOD_RESULT_FAIL);
          g_assert_cmpstr (r->reason, ==, cases[k].reason);
        }
    }
  /* h=from only: an added Subject is not signed anyway, an added From is */
  for (gsize k = 0; k < 3; k += 2)
    {
      g_autofree char *msg = g_strconcat (from_only, cases[k].added, headers, "\r\n", body,
                                          NULL);
      g_autoptr (DkimmodVerifier) v = verify_message (msg, strlen (msg), NULL, 0, kf, 0);

      g_assert_cmpint (dkimmod_verifier_result (v, 0)->result, ==,
                       k == 0 ? DKIMMOD_RESULT_FAIL : DKIMMOD_RESULT_PASS);
    }
  /* the untouched message passes */
  g_autofree char *msg = g_strconcat (sig, headers, "\r\n", body, NULL);
  g_autoptr (DkimmodVerifier) v = verify_message (msg, strlen (msg), NULL, 0, kf, 0);
  g_assert_cmpint (dkimmod_verifier_result (v, 0)->result, ==, DKIMMOD_RESULT_PASS);
  dkimmod_key_unref (key);
}

/* The two RFC 8463 signatures share relaxed body and sha256: one hasher.
 * A secure (DNSSEC) answer shows in the result and the A-R comment. */
static void
test_body_hash_shared_and_secure (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodVerifier) v = dkimmod_verifier_new (ctx, NULL);
  g_autoptr (GPtrArray) fields = NULL;
  const char *body, *ed = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
  gsize body_len;
  DkimmodError err;

  fields = split_message (rfc8463_message, strlen (rfc8463_message), &body, &body_len);
  for (guint i = 0; i < fields->len; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (g_ptr_array_index (fields, i), &flen);
      dkimmod_verifier_add_header (v, f, flen, &err);
    }
  dkimmod_verifier_end_headers (v, &err);
  g_assert_cmpuint (dkimmod_verifier_body_hash_count (v), ==, 1);
  g_assert_cmpint (dkimmod_verifier_key_answer (v, "Brisbane._domainkey.football.example.com.",
                                                DKIMMOD_DNS_OK, &ed, NULL, 1,
                                                DKIMMOD_DNS_FLAG_SECURE, &err), ==, -1);
  g_assert_cmpint (dkimmod_verifier_key_answer (v, "Brisbane._domainkey.football.example.com",
                                                DKIMMOD_DNS_OK, &ed, NULL, 1,
                                                DKIMMOD_DNS_FLAG_SECURE, &err), ==, 0);
  g_assert_true (dkimmod_verifier_key_query_answered (v, 0));
  g_assert_false (dkimmod_verifier_key_query_answered (v, 1));
  dkimmod_verifier_add_body (v, body, body_len, &err);
  dkimmod_verifier_finish (v, &err);
  g_assert_cmpint (dkimmod_verifier_result (v, 0)->result, ==, DKIMMOD_RESULT_PASS);
  g_assert_true (dkimmod_verifier_result (v, 0)->secure);
  g_autofree char *ar = dkimmod_verifier_authres (v, "mx", &err);
  g_assert_nonnull (strstr (ar, "dkim=pass (256-bit key; secure)"));
  g_assert_cmpint (dkimmod_verifier_summary (v), ==, DKIMMOD_RESULT_PASS);
  g_autofree char *line = dkimmod_verifier_resinfo (v, 1);
  g_assert_cmpstr (line, ==, "dkim=temperror reason=\"key lookup not answered\" "
                   "header.d=football.example.com header.i=@football.example.com "
                   "header.s=test header.a=rsa-sha256 header.b=F45dVWDf");
  g_assert_nonnull (strstr (ar, "dkim=temperror reason=\"key lookup not answered\""));
}

/* is_fws_byte - a byte relaxed canonicalization may absorb */
static gboolean
is_fws_byte (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Random damage to the two RFC 8463 signature fields never crashes, and
 * a signature whose own field changed (outside its name, its b= value
 * and whitespace) never passes. */
static void
test_mutations (void)
{
  DkimmodError err;
  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_parse (rfc8463_keys, strlen (rfc8463_keys),
                                                          &err);
  const char *m = rfc8463_message;
  gsize second = strstr (m + 1, "DKIM-Signature") - m;
  gsize sig_len = strstr (m, "From:") - m;
  gsize start[2] = { 0, second };
  gsize bval[2] = { strstr (m, " b=") - m, strstr (m + second, " b=") - m };
  g_autoptr (GRand) rand = g_rand_new_with_seed (8463);
  static const char alphabet[] = "=; \t\r\n:@.abvhdsi0129+/AZ\x80\xff\"";
  guint checked = 0;

  for (guint iter = 0; iter < 1000; iter++)
    {
      g_autofree char *msg = g_strdup (m);
      gsize pos = g_rand_int_range (rand, 0, sig_len);
      char c = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];

      if (c == m[pos])
        continue;
      msg[pos] = c;
      g_autoptr (DkimmodVerifier) v = verify_message (msg, strlen (msg), NULL, 0, kf, 0);
      g_autofree char *ar = dkimmod_verifier_authres (v, "mx", &err);
      g_assert_nonnull (ar);
      if (dkimmod_verifier_result_count (v) != 2 || is_fws_byte (c) || is_fws_byte (m[pos]))
        continue;
      for (guint i = 0; i < 2; i++)
        if (pos >= start[i] + 15 && pos < bval[i])
          {
            checked++;
            g_assert_cmpint (dkimmod_verifier_result (v, i)->result, !=, DKIMMOD_RESULT_PASS);
          }
    }
  g_assert_cmpuint (checked, >, 300);
}

static void
test_limits (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodVerifier) v = dkimmod_verifier_new (ctx, NULL);
  DkimmodError err;
  int rc = 0;

  for (guint i = 0; i <= 1000 && rc == 0; i++)
    rc = dkimmod_verifier_add_header (v, "X-A: b\r\n", 8, &err);
  g_assert_cmpint (rc, ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_LIMIT);
}

/* Fifty signatures: five evaluated (the default), keys asked for those
 * only; an h= of 600 names is refused before any hashing. */
static void
test_signature_limits (void)
{
  g_autoptr (GString) msg = g_string_new (NULL);
  g_autoptr (GString) h = g_string_new ("from");
  DkimmodVerifyOptions opts;

  for (guint i = 0; i < 599; i++)
    g_string_append (h, ":x");
  g_string_append_printf (msg, "DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=big;\r\n"
                          " h=%s; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA\r\n",
                          h->str);
  for (guint i = 0; i < 49; i++)
    g_string_append_printf (msg, "DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=s%u;"
                            " h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=B%03u\r\n",
                            i, i);
  g_string_append (msg, "From: a@example.net\r\n\r\nbody\r\n");
  dkimmod_verify_options_init (&opts);
  g_assert_cmpuint (opts.max_signatures, ==, 5);
  g_autoptr (DkimmodVerifier) v = verify_message (msg->str, msg->len, &opts, 0, NULL,
                                                  DKIMMOD_DNS_NXDOMAIN);
  /* the unparsable one is reported but takes no lookup (issue 9 item 7) */
  g_assert_cmpuint (dkimmod_verifier_result_count (v), ==, 6);
  g_assert_cmpuint (dkimmod_verifier_key_query_count (v), ==, 5);
  g_assert_cmpstr (dkimmod_verifier_result (v, 0)->reason, ==, "bad h= list");
  g_assert_cmpstr (dkimmod_verifier_result (v, 1)->reason, ==, "no key for signature");
}

/* Issue 9 item 8: a key published with t=y (testing) verifies as usual
 * and the result and the A-R comment say "testing". */
static void
test_testing_key (void)
{
  const char headers[] = "From: Carol <carol@example.org>\r\n";
  const char body[] = "body\r\n";
  DkimmodKey *key = fresh_key (EVP_PKEY_Q_keygen (NULL, NULL, "ED25519"));
  DkimmodError err;
  g_autofree char *rec = dkimmod_key_dns_record (key, &err);
  g_autofree char *keytext = g_strdup_printf ("once._domainkey.example.org %s; t=y\n", rec);
  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_parse (keytext, strlen (keytext), &err);
  g_autofree char *sig = sign_once (key, "from", headers, body);
  g_autofree char *msg = g_strconcat (sig, headers, "\r\n", body, NULL);
  g_autoptr (DkimmodVerifier) v = verify_message (msg, strlen (msg), NULL, 0, kf, 0);
  g_autofree char *ar = dkimmod_verifier_authres (v, "mx.example.net", &err);

  g_assert_cmpint (dkimmod_verifier_result (v, 0)->result, ==, DKIMMOD_RESULT_PASS);
  g_assert_true (dkimmod_verifier_result (v, 0)->testing);
  g_assert_nonnull (strstr (ar, "dkim=pass (256-bit key; testing) header.d=example.org"));
  dkimmod_key_unref (key);
}

/* Issue 9 item 7: junk DKIM-Signature fields above a valid signature do
 * not push it out of the max_signatures budget (they are permerror, at
 * most max_signatures of them reported), and the budget goes first to
 * signatures whose d= is the From domain or a parent of it. */
static void
test_push_out (void)
{
  const char headers[] = "From: Carol <carol@mail.example.org>\r\n"
                         "Subject: push\r\n";
  const char body[] = "body\r\n";
  DkimmodKey *key = fresh_key (EVP_PKEY_Q_keygen (NULL, NULL, "ED25519"));
  DkimmodError err;
  g_autofree char *rec = dkimmod_key_dns_record (key, &err);
  g_autofree char *keytext = g_strdup_printf ("once._domainkey.example.org %s\n", rec);
  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_parse (keytext, strlen (keytext), &err);
  g_autofree char *sig = sign_once (key, "from:subject", headers, body);
  g_autoptr (GString) junk = g_string_new (NULL);
  g_autoptr (GString) other = g_string_new (NULL);

  for (guint i = 0; i < 20; i++)
    g_string_append (junk, "DKIM-Signature: x\r\n");
  for (guint i = 0; i < 6; i++)
    g_string_append_printf (other, "DKIM-Signature: v=1; a=rsa-sha256; d=other.example; s=s%u;"
                            " h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=C%03u\r\n",
                            i, i);
  /* five junk fields, then the signature: all six reported, it passes */
  g_autofree char *five = g_strconcat (junk->str + 15 * 19, sig, headers, "\r\n", body, NULL);
  g_autoptr (DkimmodVerifier) v = verify_message (five, strlen (five), NULL, 0, kf, 0);
  g_assert_cmpuint (dkimmod_verifier_result_count (v), ==, 6);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (dkimmod_verifier_result (v, i)->result, ==, DKIMMOD_RESULT_PERMERROR);
  g_assert_cmpint (dkimmod_verifier_result (v, 5)->result, ==, DKIMMOD_RESULT_PASS);
  /* twenty junk fields: five of them reported, the signature still found */
  g_autofree char *twenty = g_strconcat (junk->str, sig, headers, "\r\n", body, NULL);
  g_autoptr (DkimmodVerifier) v2 = verify_message (twenty, strlen (twenty), NULL, 0, kf, 0);
  g_assert_cmpuint (dkimmod_verifier_result_count (v2), ==, 6);
  g_assert_cmpint (dkimmod_verifier_summary (v2), ==, DKIMMOD_RESULT_PASS);
  /* six signatures of another domain above: the From-aligned one
   * (d=example.org, a parent of mail.example.org) is looked up first */
  g_autofree char *six = g_strconcat (other->str, sig, headers, "\r\n", body, NULL);
  g_autoptr (DkimmodVerifier) v3 = verify_message (six, strlen (six), NULL, 0, kf, 0);
  g_assert_cmpuint (dkimmod_verifier_key_query_count (v3), ==, 5);
  g_assert_cmpuint (dkimmod_verifier_result_count (v3), ==, 5);
  g_assert_cmpstr (dkimmod_verifier_key_query_name (v3, 4), ==, "once._domainkey.example.org");
  g_assert_cmpstr (dkimmod_verifier_result (v3, 4)->domain, ==, "example.org");
  g_assert_cmpint (dkimmod_verifier_result (v3, 4)->result, ==, DKIMMOD_RESULT_PASS);
  g_assert_cmpint (dkimmod_verifier_result (v3, 0)->result, ==, DKIMMOD_RESULT_PERMERROR);
  dkimmod_key_unref (key);
}

static void
load_vectors (void)
{
  g_autoptr (GError) error = NULL;
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  g_autofree char *script = g_build_filename (srcdir != NULL ? srcdir : ".",
                                              "make-dkimpy-vectors.py", NULL);
  g_autofree char *keys = NULL, *manifest = NULL, *text = NULL;
  g_autofree char *interop = g_build_filename (srcdir != NULL ? srcdir : ".", "..", "interop",
                                               "messages", NULL);
  const char *argv[] = { "/usr/bin/python3", script, NULL, interop, NULL };
  int status = 0;
  DkimmodError err;

  vector_dir = g_dir_make_tmp ("dkimpy-XXXXXX", &error);
  g_assert_no_error (error);
  argv[2] = vector_dir;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  keys = g_build_filename (vector_dir, "keys.txt", NULL);
  key_file = dkimmod_key_file_load (keys, &err);
  g_assert_nonnull (key_file);
  manifest = g_build_filename (vector_dir, "manifest.tsv", NULL);
  g_assert_true (g_file_get_contents (manifest, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      g_auto (GStrv) col = g_strsplit (*l, "\t", -1);
      Case *c;

      if (g_strv_length (col) != 7)
        continue;
      c = g_new0 (Case, 1);
      g_ptr_array_add (all_cases, c);
      c->name = g_strdup (col[0]);
      c->file = g_strdup (col[1]);
      c->index = atoi (col[2]);
      c->result = g_strdup (col[3]);
      c->reason = g_strdup (col[4]);
      c->flags = g_strdup (col[5]);
      c->count = atoi (col[6]);
      g_autofree char *path = g_strdup_printf ("/verifier/dkimpy/%s", c->name);
      g_test_add_data_func (path, c, test_dkimpy_case);
    }
}

static void
case_free (Case *c)
{
  g_free (c->name);
  g_free (c->file);
  g_free (c->result);
  g_free (c->reason);
  g_free (c->flags);
  g_free (c);
}

static void
remove_vectors (void)
{
  g_autoptr (GDir) dir = g_dir_open (vector_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (vector_dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (vector_dir);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  all_cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_free);
  load_vectors ();
  g_test_add_func ("/verifier/rfc8463/appendix-a", test_rfc8463);
  g_test_add_func ("/verifier/rfc8463/tampered-body", test_rfc8463_tampered);
  g_test_add_func ("/verifier/dns-outcomes", test_dns_outcomes);
  g_test_add_func ("/verifier/unsigned", test_unsigned);
  g_test_add_func ("/verifier/call-order", test_call_order);
  g_test_add_func ("/verifier/own-signer", test_own_signer);
  g_test_add_func ("/verifier/unsigned-singleton", test_unsigned_singleton);
  g_test_add_func ("/verifier/body-hash-shared-and-secure", test_body_hash_shared_and_secure);
  g_test_add_func ("/verifier/mutations", test_mutations);
  g_test_add_func ("/verifier/limits", test_limits);
  g_test_add_func ("/verifier/signature-limits", test_signature_limits);
  g_test_add_func ("/verifier/push-out", test_push_out);
  g_test_add_func ("/verifier/testing-key", test_testing_key);
  rc = g_test_run ();
  remove_vectors ();
  dkimmod_key_file_free (key_file);
  g_ptr_array_unref (all_cases);
  g_free (vector_dir);
  return rc;
}
