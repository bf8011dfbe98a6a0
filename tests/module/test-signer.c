/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-signer.c - the signer: chunking, golden output, multiple
 *	signatures, refusals, oversigning, folding, RFC 8463 vectors
 */
#include <string.h>
#include <sys/resource.h>

#include "test-util.h"
#include "canon-private.h"
#include "header-private.h"
#include "key-private.h"
#include "msgparse.h"
#include "signer-private.h"

typedef struct {
  const char *key;
  const char *domain;
  const char *selector;
  DkimmodCanon hc, bc;
} SigDef;

static const SigDef ed_rsa[] = {
  { "ed25519.pem", "example.net", "ed1", DKIMMOD_CANON_RELAXED, DKIMMOD_CANON_RELAXED },
  { "rsa2048.pem", "example.net", "rsa1", DKIMMOD_CANON_RELAXED, DKIMMOD_CANON_RELAXED },
};

/* new_signer - a signer with the signatures of DEFS and the fixed clock */
static DkimmodSigner *
new_signer (const SigDef *defs, gsize n)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  DkimmodSigner *s;

  dkimmod_context_set_clock (ctx, test_clock, NULL);
  s = dkimmod_signer_new (ctx);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (DkimmodKey) key = test_key_load (defs[i].key);
      DkimmodSignSpec spec;
      DkimmodError err;

      dkimmod_sign_spec_init (&spec);
      spec.domain = defs[i].domain;
      spec.selector = defs[i].selector;
      spec.header_canon = defs[i].hc;
      spec.body_canon = defs[i].bc;
      spec.key = key;
      g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, 0);
    }
  return s;
}

/* feed - hands one chunk to the parser and, past the headers, to the body */
static void
feed (DkimmodSigner *s, DkimmodMsgParser *p, gboolean *in_body, const char *data, gsize len)
{
  DkimmodError err;

  if (!*in_body)
    {
      gboolean done = FALSE;
      gsize used = dkimmod_msgparser_feed (p, data, len, &done, NULL);
      GPtrArray *fields;

      g_assert_cmpuint (used, !=, (gsize) -1);
      if (!done)
        return;
      fields = dkimmod_msgparser_fields (p);
      for (guint i = 0; i < fields->len; i++)
        {
          gsize flen;
          const char *f = g_bytes_get_data (g_ptr_array_index (fields, i), &flen);

          g_assert_cmpint (dkimmod_signer_add_header (s, f, flen, &err), ==, 0);
        }
      g_assert_cmpint (dkimmod_signer_end_headers (s, &err), ==, 0);
      *in_body = TRUE;
      data += used;
      len -= used;
    }
  g_assert_cmpint (dkimmod_signer_add_body (s, data, len, &err), ==, 0);
}

/* sign_cut - signs MSG fed as the CLI would, in chunks ending at CUTS */
static char *
sign_cut (DkimmodSigner *s, const char *msg, gsize len, const gsize *cuts, gsize ncuts)
{
  g_autoptr (DkimmodMsgParser) p = dkimmod_msgparser_new ();
  gboolean in_body = FALSE;
  gsize prev = 0;
  DkimmodError err;
  char *out;

  for (gsize i = 0; i <= ncuts; i++)
    {
      gsize end = i < ncuts ? cuts[i] : len;

      feed (s, p, &in_body, msg + prev, end - prev);
      prev = end;
    }
  g_assert_true (in_body);
  out = dkimmod_signer_finish (s, NULL, &err);
  if (out == NULL)
    g_error ("finish: %s", err.message);
  return out;
}

/* sign_msg - signs MSG whole with DEFS */
static char *
sign_msg (const SigDef *defs, gsize n, const char *msg)
{
  g_autoptr (DkimmodSigner) s = new_signer (defs, n);

  return sign_cut (s, msg, strlen (msg), NULL, 0);
}

static void
test_chunking (void)
{
  g_autoptr (GBytes) b = test_data_read ("roundtrip.eml");
  gsize len;
  const char *msg = g_bytes_get_data (b, &len);
  g_autofree char *ref = NULL;
  g_autofree gsize *bytewise = g_new (gsize, len);

  {
    g_autoptr (DkimmodSigner) s = new_signer (ed_rsa, 2);

    ref = sign_cut (s, msg, len, NULL, 0);
  }
  /* every cut offset: in the header block, at the boundary, in the body
   * (between CR and LF too) */
  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autoptr (DkimmodSigner) s = new_signer (ed_rsa, 2);
      g_autofree char *got = sign_cut (s, msg, len, &cut, 1);

      g_assert_cmpstr (got, ==, ref);
    }
  for (gsize i = 0; i + 1 < len; i++)
    bytewise[i] = i + 1;
  {
    g_autoptr (DkimmodSigner) s = new_signer (ed_rsa, 2);
    g_autofree char *got = sign_cut (s, msg, len, bytewise, len - 1);

    g_assert_cmpstr (got, ==, ref);
  }
}

static void
test_golden (void)
{
  g_autoptr (GBytes) msg = test_data_read ("roundtrip.eml");
  g_autoptr (GBytes) want = test_data_read ("roundtrip.golden");
  g_autofree char *m = g_strndup (g_bytes_get_data (msg, NULL), g_bytes_get_size (msg));
  g_autofree char *w = g_strndup (g_bytes_get_data (want, NULL), g_bytes_get_size (want));
  g_autofree char *got = sign_msg (ed_rsa, 2, m);

  /* Ed25519 and RSASSA-PKCS1-v1_5 are deterministic: with the fixed clock
   * the output is byte for byte the same (dkimpy verified the file). */
  g_assert_cmpstr (got, ==, w);
}

static const char simple_msg[] =
  "From: Alice <alice@example.net>\r\n"
  "To: bob@example.org\r\n"
  "Subject: hi\r\n"
  "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
  "Message-ID: <1@example.net>\r\n"
  "\r\n"
  "Hello.\r\n";

static void
test_body_hashed_once (void)
{
  const SigDef three[] = {
    { "ed25519.pem", "example.net", "ed1", DKIMMOD_CANON_RELAXED, DKIMMOD_CANON_RELAXED },
    { "rsa2048.pem", "example.org", "rsa1", DKIMMOD_CANON_SIMPLE, DKIMMOD_CANON_RELAXED },
    { "rsa2048-pkcs1.pem", "service.example", "s1", DKIMMOD_CANON_RELAXED, DKIMMOD_CANON_SIMPLE },
  };
  gsize body_len = strlen ("Hello.\r\n");
  g_autoptr (DkimmodSigner) two = new_signer (three, 2);
  g_autoptr (DkimmodSigner) all = new_signer (three, 3);
  g_autofree char *out2 = sign_cut (two, simple_msg, strlen (simple_msg), NULL, 0);
  g_autofree char *out3 = sign_cut (all, simple_msg, strlen (simple_msg), NULL, 0);

  /* ed25519 + rsa, two domains, one body canonicalization: one pass */
  g_assert_nonnull (out2);
  g_assert_cmpuint (dkimmod_signer_body_hash_count (two), ==, 1);
  g_assert_cmpuint (dkimmod_signer_body_bytes_hashed (two), ==, body_len);
  /* a third signature with simple body canonicalization: a second pass */
  g_assert_cmpuint (dkimmod_signer_body_hash_count (all), ==, 2);
  g_assert_cmpuint (dkimmod_signer_body_bytes_hashed (all), ==, 2 * body_len);
  g_assert_true (g_str_has_prefix (out3, "DKIM-Signature: v=1; a=ed25519-sha256;"));
  g_assert_nonnull (strstr (out3, "d=example.org;"));
  g_assert_nonnull (strstr (out3, "d=service.example;"));
  g_assert_nonnull (strstr (out3, "c=relaxed/simple;"));
}

/* tag - the unfolded value of TAG in the first signature of SIGS */
static char *
tag (const char *sigs, const char *name)
{
  g_autoptr (GString) flat = g_string_new (NULL);
  g_autofree char *needle = g_strdup_printf (" %s=", name);
  const char *end = strstr (sigs, "\r\nDKIM-Signature:");
  const char *p, *q;

  for (p = sigs; *p != '\0' && (end == NULL || p < end); p++)
    if (*p == '\r' || *p == '\n')
      continue;
    else
      g_string_append_c (flat, *p == '\t' ? ' ' : *p);
  p = strstr (flat->str, needle);
  if (p == NULL)
    return NULL;
  p += strlen (needle);
  q = strchr (p, ';');
  if (q == NULL)
    q = p + strlen (p);
  /* folding whitespace inside a value (h=, bh=, b=) is not part of it */
  {
    GString *v = g_string_new (NULL);

    for (; p < q; p++)
      if (*p != ' ')
        g_string_append_c (v, *p);
    return g_string_free (v, FALSE);
  }
}

typedef struct {
  const char *headers, *oversign;
  const char *msg;
  const char *h;
} HCase;

static const HCase h_cases[] = {
  /* defaults: From/To/Cc/Subject/Reply-To always +1; Date, Message-ID +1 as present */
  { NULL, NULL, simple_msg,
    "from:from:reply-to:subject:subject:date:date:to:to:cc:message-id:message-id" },
  /* no Date, no Message-ID: never reserved for a later MTA */
  { NULL, NULL, "From: a@example.net\r\nSubject: s\r\n\r\n",
    "from:from:reply-to:subject:subject:to:cc" },
  /* instances counted, Content-* and MIME-Version oversigned when present */
  { NULL, NULL,
    "From: a@example.net\r\nTo: b@example.org\r\nTo: c@example.org\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain\r\nX-Mailer: m\r\nReceived: r\r\n\r\n",
    "from:from:reply-to:subject:to:to:to:cc:mime-version:mime-version:content-type:content-type" },
  /* custom list, no oversigning at all */
  { "From:Subject:X-Custom", "", "From: a@example.net\r\nX-Custom: 1\r\nx-custom: 2\r\n\r\n",
    "from:x-custom:x-custom" },
  /* custom oversign list replaces the always set, keeps "when present" */
  { "From:Subject:Date", "From:X-Mailer",
    "From: a@example.net\r\nSubject: s\r\nDate: d\r\nX-Mailer: m\r\n\r\n",
    "from:from:subject:date:date:x-mailer:x-mailer" },
  /* names are case-insensitive, duplicates dropped */
  { "FROM:from: Subject ", NULL, "from: a@example.net\r\n\r\n",
    "from:from:subject:to:cc:reply-to" },
};

static void
test_oversigning (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (h_cases); i++)
    {
      g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
      g_autoptr (DkimmodSigner) s = dkimmod_signer_new (ctx);
      g_autoptr (DkimmodKey) key = test_key_load ("ed25519.pem");
      g_autofree char *out = NULL, *h = NULL;
      DkimmodSignSpec spec;
      DkimmodError err;

      dkimmod_sign_spec_init (&spec);
      spec.domain = "example.net";
      spec.selector = "ed1";
      spec.key = key;
      spec.headers = h_cases[i].headers;
      spec.oversign = h_cases[i].oversign;
      g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, 0);
      out = sign_cut (s, h_cases[i].msg, strlen (h_cases[i].msg), NULL, 0);
      h = tag (out, "h");
      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_cmpstr (h, ==, h_cases[i].h);
    }
}

/* assert_folded - every line at most 78 columns (TAB = 8), CRLF TAB folds */
static void
assert_folded (const char *sigs)
{
  g_auto (GStrv) lines = g_strsplit (sigs, "\r\n", -1);
  guint n = g_strv_length (lines);

  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpstr (lines[n - 1], ==, "");
  for (guint i = 0; i + 1 < n; i++)
    {
      gsize cols = strlen (lines[i]) + (lines[i][0] == '\t' ? 7 : 0);

      if (cols > 78)
        g_error ("line %u has %" G_GSIZE_FORMAT " columns: %s", i, cols, lines[i]);
      g_assert_true (lines[i][0] == '\t' || g_str_has_prefix (lines[i], "DKIM-Signature: "));
      g_assert_null (strchr (lines[i], '\n'));
    }
  g_assert_null (strstr (sigs, " l="));
}

static void
test_folding_and_tags (void)
{
  g_autoptr (GBytes) msg = test_data_read ("roundtrip.eml");
  g_autofree char *m = g_strndup (g_bytes_get_data (msg, NULL), g_bytes_get_size (msg));
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodSigner) s = NULL;
  g_autoptr (DkimmodKey) rsa = test_key_load ("rsa2048.pem");
  g_autofree char *out = NULL, *t = NULL, *x = NULL, *i = NULL, *c = NULL, *a = NULL;
  g_autofree char *expect_x = g_strdup_printf ("%" G_GINT64_FORMAT, TEST_TIME + 3600);
  DkimmodSignSpec spec;
  DkimmodError err;

  dkimmod_context_set_clock (ctx, test_clock, NULL);
  s = dkimmod_signer_new (ctx);
  dkimmod_sign_spec_init (&spec);
  spec.domain = "a-rather-long-subdomain.of.a-fairly-long-signing-domain.test";
  spec.selector = "selector-2026-november";
  spec.identity = "x;y@a-rather-long-subdomain.of.a-fairly-long-signing-domain.test";
  spec.headers = "From:To:Cc:Subject:Date:Message-ID:List-Id:List-Unsubscribe:List-Unsubscribe-Post:"
                 "X-Very-Long-Header-Name-Number-One:X-Very-Long-Header-Name-Number-Two";
  spec.header_canon = DKIMMOD_CANON_SIMPLE;
  spec.expire_after = 3600;
  spec.key = rsa;
  g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, 0);
  out = sign_cut (s, m, strlen (m), NULL, 0);
  g_test_message ("%s", out);
  assert_folded (out);
  t = tag (out, "t");
  x = tag (out, "x");
  i = tag (out, "i");
  c = tag (out, "c");
  a = tag (out, "a");
  g_assert_cmpstr (t, ==, "1795874400");
  g_assert_cmpstr (x, ==, expect_x);
  /* dkim-quoted-printable: ';' and '=' encoded */
  g_assert_cmpstr (i, ==, "x=3By@a-rather-long-subdomain.of.a-fairly-long-signing-domain.test");
  /* ...kept on one line, unbroken (exactly 78 columns here) */
  g_assert_nonnull (strstr (out, "\ti=x=3By@a-rather-long-subdomain.of.a-fairly-long-signing-domain.test;\r\n"));
  g_assert_cmpstr (c, ==, "simple/relaxed");
  g_assert_cmpstr (a, ==, "rsa-sha256");
  /* b= is the last tag and holds the whole RSA-2048 signature */
  {
    g_autofree char *b = tag (out, "b");

    g_assert_cmpuint (strlen (b), ==, 344);
    g_assert_null (strchr (g_strrstr (out, "b="), ';'));
  }
}

static void
test_folding_default (void)
{
  g_autoptr (GBytes) msg = test_data_read ("roundtrip.eml");
  g_autofree char *m = g_strndup (g_bytes_get_data (msg, NULL), g_bytes_get_size (msg));
  g_autofree char *out = sign_msg (ed_rsa, 2, m);

  assert_folded (out);
}

/* add_spec - tries one spec on a fresh signer, returns the status */
static DkimmodStatus
try_spec (DkimmodSignSpec *spec, DkimmodError *err)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodSigner) s = dkimmod_signer_new (ctx);

  dkimmod_signer_add_signature (s, spec, err);
  return err->code;
}

static void
test_refusals (void)
{
  g_autoptr (DkimmodKey) rsa = test_key_load ("rsa2048.pem");
  g_autoptr (DkimmodKey) ed = test_key_load ("ed25519.pem");
  DkimmodSignSpec spec;
  DkimmodError err;
  static const char *bad_domains[] = {
    "", "exa mple.net", "-bad.example", "bad-.example", "a..b", "trailing.dot.", "under_score.example",
    "x.example;", NULL,
  };

  dkimmod_sign_spec_init (&spec);
  spec.domain = "example.net";
  spec.selector = "s1";
  spec.key = rsa;
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_OK);
  spec.algorithm = DKIMMOD_ALG_RSA_SHA256;
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_OK);
  /* rsa-sha1: never for signing */
  spec.algorithm = DKIMMOD_ALG_RSA_SHA1;
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_ALGORITHM);
  g_assert_nonnull (strstr (err.message, "RFC 8301"));
  /* algorithm must match the key */
  spec.algorithm = DKIMMOD_ALG_ED25519_SHA256;
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_ALGORITHM);
  g_assert_nonnull (strstr (err.message, "does not match the key"));
  spec.key = ed;
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_OK);
  spec.algorithm = DKIMMOD_ALG_RSA_SHA256;
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_ALGORITHM);
  spec.algorithm = DKIMMOD_ALG_FROM_KEY;
  /* d= and s= syntax */
  for (int i = 0; bad_domains[i] != NULL; i++)
    {
      spec.domain = bad_domains[i];
      g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_SYNTAX);
      g_assert_nonnull (strstr (err.message, "d="));
      spec.domain = "example.net";
      spec.selector = bad_domains[i];
      g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_SYNTAX);
      g_assert_nonnull (strstr (err.message, "s="));
      spec.selector = "s1";
    }
  /* i= within d= */
  spec.identity = "user@mail.example.net";
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_OK);
  spec.identity = "@example.net";
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_OK);
  spec.identity = "user@badexample.net";
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_SYNTAX);
  g_assert_nonnull (strstr (err.message, "not within d=example.net"));
  spec.identity = "no-at-sign";
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_SYNTAX);
  spec.identity = NULL;
  /* missing parts, reserved fields */
  spec.key = NULL;
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_INVAL);
  spec.key = ed;
  spec.reserved[0] = &spec;
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_INVAL);
  spec.reserved[0] = NULL;
  spec.headers = "Subject:To";
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_INVAL);
  g_assert_nonnull (strstr (err.message, "From"));
  spec.headers = "From:Bad Name";
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_SYNTAX);
}

static void
test_call_order (void)
{
  g_autoptr (DkimmodSigner) s = new_signer (ed_rsa, 1);
  g_autoptr (DkimmodSigner) none = NULL;
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodKey) ed = test_key_load ("ed25519.pem");
  DkimmodSignSpec spec;
  DkimmodError err;

  g_assert_null (dkimmod_signer_finish (s, NULL, &err));
  g_assert_cmpint (err.code, ==, DKIMMOD_E_INVAL);
  g_assert_cmpint (dkimmod_signer_add_header (s, "From: a@example.net\r\n", 21, &err), ==, 0);
  g_assert_cmpint (dkimmod_signer_end_headers (s, &err), ==, 0);
  dkimmod_sign_spec_init (&spec);
  spec.domain = "example.net";
  spec.selector = "x";
  spec.key = ed;
  g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_INVAL);
  /* no signature at all */
  none = dkimmod_signer_new (ctx);
  g_assert_cmpint (dkimmod_signer_end_headers (none, &err), ==, -1);
  g_assert_nonnull (strstr (err.message, "no signature"));
  g_assert_cmpint (dkimmod_signer_add_body (NULL, "x", 1, &err), ==, -1);
}

static void
test_not_a_field_is_unsigned (void)
{
  static const char with_junk[] =
    "From: a@example.net\r\nthis line has no colon\r\n: nor this one a name\r\nSubject: s\r\n\r\nbody\r\n";
  static const char without[] = "From: a@example.net\r\nSubject: s\r\n\r\nbody\r\n";
  g_autofree char *a = sign_msg (ed_rsa, 1, with_junk);
  g_autofree char *b = sign_msg (ed_rsa, 1, without);

  /* accepted, not signed: the signature is the one of the clean message */
  g_assert_cmpstr (a, ==, b);
}

static void
test_bad_header_is_sticky (void)
{
  static const char *bad[] = {
    "From: a\r\nTo: b\r\n", "Subject: x\r\n\r\nbody",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (DkimmodSigner) s = new_signer (ed_rsa, 1);
      DkimmodError err;

      g_assert_cmpint (dkimmod_signer_add_header (s, bad[i], strlen (bad[i]), &err), ==, -1);
      g_assert_cmpint (err.code, ==, DKIMMOD_E_SYNTAX);
      /* the message can no longer be signed */
      g_assert_cmpint (dkimmod_signer_end_headers (s, &err), ==, -1);
      g_assert_null (dkimmod_signer_finish (s, NULL, &err));
    }
}

static void
test_header_limits (void)
{
  g_autoptr (DkimmodSigner) s = new_signer (ed_rsa, 1);
  g_autoptr (DkimmodSigner) big = new_signer (ed_rsa, 1);
  g_autofree char *huge = g_strnfill (300 * 1024, 'a');
  DkimmodError err;
  guint i;

  for (i = 0; i < 1000; i++)
    g_assert_cmpint (dkimmod_signer_add_header (s, "X-A: b\r\n", 8, &err), ==, 0);
  g_assert_cmpint (dkimmod_signer_add_header (s, "X-A: b\r\n", 8, &err), ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_LIMIT);
  memcpy (huge, "X-Big: ", 7);
  g_assert_cmpint (dkimmod_signer_add_header (big, huge, strlen (huge), &err), ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_LIMIT);
}

static void
test_other_limits (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodSigner) s = dkimmod_signer_new (ctx);
  g_autoptr (DkimmodSigner) many_to = new_signer (ed_rsa, 1);
  g_autoptr (DkimmodKey) ed = test_key_load ("ed25519.pem");
  g_autoptr (GString) msg = g_string_new ("From: a@example.net\r\n");
  g_autoptr (GString) dom = g_string_new (NULL);
  g_autofree char *out = NULL, *h = NULL;
  g_auto (GStrv) names = NULL;
  DkimmodSignSpec spec;
  DkimmodError err;

  /* DKIMMOD_LIMIT_SIGNATURES: the 17th is refused */
  dkimmod_sign_spec_init (&spec);
  spec.domain = "example.net";
  spec.selector = "ed1";
  spec.key = ed;
  for (int i = 0; i < 16; i++)
    g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, 0);
  g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_LIMIT);
  /* DKIMMOD_LIMIT_DOMAIN_BYTES / _SELECTOR_BYTES: 253 accepted, 254 not */
  while (dom->len < 253)
    g_string_append (dom, dom->len + 4 <= 253 ? "abc." : "x");
  while (dom->len > 253)
    g_string_truncate (dom, 253);
  g_assert_true (dkimmod_domain_name_valid (dom->str, 253));
  g_string_prepend_c (dom, 'a');
  g_assert_false (dkimmod_domain_name_valid (dom->str, 253));
  spec.domain = dom->str;
  g_assert_cmpint (try_spec (&spec, &err), ==, DKIMMOD_E_SYNTAX);
  /* DKIMMOD_LIMIT_SIGNED_HEADERS: 200 To fields, h= stops at 128 names */
  for (int i = 0; i < 200; i++)
    g_string_append_printf (msg, "To: r%d@example.org\r\n", i);
  g_string_append (msg, "\r\nbody\r\n");
  out = sign_cut (many_to, msg->str, msg->len, NULL, 0);
  h = tag (out, "h");
  names = g_strsplit (h, ":", -1);
  g_assert_cmpuint (g_strv_length (names), ==, 128);
}

/* rfc8463_field - the N-th DKIM-Signature of the RFC message, b= emptied */
static char *
rfc8463_field (GPtrArray *fields, guint n, char **b_out)
{
  gsize len;
  const char *f = g_bytes_get_data (g_ptr_array_index (fields, n), &len);
  g_autofree char *text = g_strndup (f, len - 2);   /* without final CRLF */
  char *b = strstr (text, " b=") + 3;
  g_autoptr (GString) b64 = g_string_new (NULL);

  for (const char *p = b; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (b64, *p);
  *b_out = g_string_free (g_steal_pointer (&b64), FALSE);
  *b = '\0';
  return g_steal_pointer (&text);
}

static void
test_rfc8463 (void)
{
  g_autoptr (GBytes) msg = test_data_read ("rfc8463-signed.eml");
  g_autoptr (DkimmodMsgParser) p = dkimmod_msgparser_new ();
  g_autoptr (GPtrArray) stored = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_header_field_free);
  g_autoptr (GPtrArray) h = g_ptr_array_new ();
  g_autoptr (GString) data = g_string_new (NULL);
  static const char *names[] = { "from", "to", "subject", "date", "message-id", "from", "subject", "date" };
  static const char *keys[] = { "rfc8463-ed25519.pem", "rfc8463-rsa.pem" };
  gsize len, used;
  const char *m = g_bytes_get_data (msg, &len);
  gboolean done = FALSE;
  GPtrArray *fields;

  used = dkimmod_msgparser_feed (p, m, len, &done, NULL);
  g_assert_true (done);
  fields = dkimmod_msgparser_fields (p);
  g_assert_cmpuint (fields->len, ==, 7);
  for (guint i = 2; i < fields->len; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (g_ptr_array_index (fields, i), &flen);

      g_ptr_array_add (stored, dkimmod_header_field_new (f, flen, NULL));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    g_ptr_array_add (h, (gpointer) names[i]);
  dkimmod_header_hash_input (stored, h, DKIMMOD_CANON_RELAXED, data);
  /* the published b= of both signatures, reproduced exactly */
  for (guint n = 0; n < 2; n++)
    {
      g_autoptr (DkimmodKey) key = test_key_load (keys[n]);
      g_autofree char *want = NULL;
      g_autofree char *field = rfc8463_field (fields, n, &want);
      g_autoptr (GError) error = NULL;
      g_autofree char *got = dkimmod_sign_header_data (key, DKIMMOD_CANON_RELAXED, data, field,
                                                       strlen (field), &error);

      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, want);
    }
  /* and our signer over the same message gives the published bh= */
  {
    const SigDef def[] = { { "rfc8463-ed25519.pem", "football.example.com", "brisbane",
                             DKIMMOD_CANON_RELAXED, DKIMMOD_CANON_RELAXED } };
    g_autofree char *plain = g_strdup (m + (strstr (m, "From: Joe") - m));
    g_autofree char *out = sign_msg (def, 1, plain);
    g_autofree char *bh = tag (out, "bh");

    g_assert_cmpstr (bh, ==, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  }
  (void) used;
}

/* max_rss_kb - peak resident set size so far */
static long
max_rss_kb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void
test_constant_memory (void)
{
  g_autoptr (DkimmodSigner) s = new_signer (ed_rsa, 2);
  g_autofree char *chunk = g_malloc (64 * 1024);
  g_autofree char *out = NULL;
  DkimmodError err;
  long before;

  for (gsize i = 0; i < 64 * 1024; i++)
    chunk[i] = (i % 80 == 78) ? '\r' : (i % 80 == 79) ? '\n' : (i % 7 == 0) ? ' ' : 'a' + (char) (i % 26);
  g_assert_cmpint (dkimmod_signer_add_header (s, "From: a@example.net\r\n", 21, &err), ==, 0);
  g_assert_cmpint (dkimmod_signer_end_headers (s, &err), ==, 0);
  /* warm up, then 64 MiB more (lines and runs of blank lines): the peak
   * RSS may not grow with the body */
  dkimmod_signer_add_body (s, chunk, 64 * 1024, &err);
  before = max_rss_kb ();
  for (int i = 0; i < 1024; i++)
    {
      g_assert_cmpint (dkimmod_signer_add_body (s, chunk, 64 * 1024, &err), ==, 0);
      g_assert_cmpint (dkimmod_signer_add_body (s, "\r\n\r\n  \r\n", 8, &err), ==, 0);
    }
  out = dkimmod_signer_finish (s, NULL, &err);
  g_assert_nonnull (out);
  g_assert_cmpint (max_rss_kb () - before, <, 1024);
}

typedef struct {
  DkimmodContext *ctx;
  DkimmodKey *keys[2];
  const char *ref;
} ThreadJob;

/* sign_in_thread - signs simple_msg 30 times with the shared context/keys */
static gpointer
sign_in_thread (gpointer data)
{
  ThreadJob *job = data;

  for (int i = 0; i < 30; i++)
    {
      g_autoptr (DkimmodSigner) s = dkimmod_signer_new (job->ctx);
      g_autofree char *out = NULL;

      for (int k = 0; k < 2; k++)
        {
          DkimmodSignSpec spec;
          DkimmodError err;

          dkimmod_sign_spec_init (&spec);
          spec.domain = "example.net";
          spec.selector = k == 0 ? "ed1" : "rsa1";
          spec.key = job->keys[k];
          g_assert_cmpint (dkimmod_signer_add_signature (s, &spec, &err), ==, 0);
        }
      out = sign_cut (s, simple_msg, strlen (simple_msg), NULL, 0);
      g_assert_cmpstr (out, ==, job->ref);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodKey) ed = test_key_load ("ed25519.pem");
  g_autoptr (DkimmodKey) rsa = test_key_load ("rsa2048.pem");
  g_autofree char *ref = NULL;
  ThreadJob job = { ctx, { ed, rsa }, NULL };
  GThread *t[4];

  dkimmod_context_set_clock (ctx, test_clock, NULL);
  ref = sign_msg (ed_rsa, 2, simple_msg);
  job.ref = ref;
  /* one context and two keys shared by four threads, as a threaded MTA
   * would: every signature is the same as the single-threaded one */
  for (int i = 0; i < 4; i++)
    t[i] = g_thread_new ("sign", sign_in_thread, &job);
  for (int i = 0; i < 4; i++)
    g_thread_join (t[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/signer/chunking/every-cut", test_chunking);
  g_test_add_func ("/signer/golden/ed25519-rsa", test_golden);
  g_test_add_func ("/signer/multiple/body-hashed-once", test_body_hashed_once);
  g_test_add_func ("/signer/headers/oversigning", test_oversigning);
  g_test_add_func ("/signer/format/folding-and-tags", test_folding_and_tags);
  g_test_add_func ("/signer/format/folding-default", test_folding_default);
  g_test_add_func ("/signer/spec/refusals", test_refusals);
  g_test_add_func ("/signer/api/call-order", test_call_order);
  g_test_add_func ("/signer/api/bad-header-is-sticky", test_bad_header_is_sticky);
  g_test_add_func ("/signer/api/not-a-field-is-unsigned", test_not_a_field_is_unsigned);
  g_test_add_func ("/signer/limits/headers", test_header_limits);
  g_test_add_func ("/signer/limits/signatures-names-domains", test_other_limits);
  g_test_add_func ("/signer/rfc8463/appendix-a", test_rfc8463);
  g_test_add_func ("/signer/threads/shared-context", test_threads);
  g_test_add_func ("/signer/body/constant-memory", test_constant_memory);
  return g_test_run ();
}
