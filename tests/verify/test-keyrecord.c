/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-keyrecord - RFC 6376 3.6.1 key record vectors
 */
#include <string.h>
#include <glib.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "keyrecord.h"
#include "keyrecord-cache.h"

/* RFC 8463 A.2 */
#define ED_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static char *rsa1024_p;

static char *
spki_b64 (EVP_PKEY *pkey)
{
  unsigned char *der = NULL;
  int n = i2d_PUBKEY (pkey, &der);
  char *b64;

  g_assert_cmpint (n, >, 0);
  b64 = g_base64_encode (der, n);
  OPENSSL_free (der);
  return b64;
}

static char *
rsa_p (unsigned bits)
{
  EVP_PKEY *pkey = EVP_RSA_gen (bits);
  char *b64;

  g_assert_nonnull (pkey);
  b64 = spki_b64 (pkey);
  EVP_PKEY_free (pkey);
  return b64;
}

static DkimmodKeyRecord *
parse (const char *txt, GError **error)
{
  return dkimmod_key_record_parse (txt, strlen (txt), NULL, error);
}

static void
expect_error (const char *txt, int code, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodKeyRecord) rec = parse (txt, &error);

  g_assert_null (rec);
  g_assert_error (error, DKIMMOD_RECORD_ERROR, code);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

static void
test_rsa_ok (void)
{
  g_autofree char *txt = g_strdup_printf ("v=DKIM1; k=rsa; p=%s", rsa1024_p);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodKeyRecord) rec = parse (txt, &error);

  g_assert_no_error (error);
  g_assert_cmpint (rec->type, ==, DKIMMOD_KEY_TYPE_RSA);
  g_assert_cmpuint (rec->bits, ==, 1024);
  g_assert_cmpuint (rec->hashes, ==, DKIMMOD_KEY_HASH_SHA1 | DKIMMOD_KEY_HASH_SHA256);
  g_assert_false (rec->testing);
  g_assert_false (rec->strict);
}

static void
test_rsa_folded_p (void)
{
  /* p= split by FWS, as a zone file's strings often are once joined */
  g_autofree char *head = g_strndup (rsa1024_p, 40);
  g_autofree char *txt = g_strdup_printf ("p=%s \r\n\t %s; t=y:s; h=sha256; s=email:*", head,
                                          rsa1024_p + 40);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodKeyRecord) rec = parse (txt, &error);

  g_assert_no_error (error);
  g_assert_true (rec->testing);
  g_assert_true (rec->strict);
  g_assert_cmpuint (rec->hashes, ==, DKIMMOD_KEY_HASH_SHA256);
}

static void
test_ed25519_ok (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodKeyRecord) rec = parse ("v=DKIM1; k=ed25519; p=" ED_P, &error);

  g_assert_no_error (error);
  g_assert_cmpint (rec->type, ==, DKIMMOD_KEY_TYPE_ED25519);
  g_assert_cmpint (EVP_PKEY_get_base_id (rec->pkey), ==, EVP_PKEY_ED25519);
}

/* Issue 9 item 8: k= literals are case-insensitive (RFC 5234 2.3), as
 * h=, s= and t= items already were; v=DKIM1 is exact (%x44.4B.49.4D.31). */
static void
test_literals_case_insensitive (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodKeyRecord) rec = parse ("v=DKIM1; k=ED25519; h=SHA256; s=EMAIL; t=Y; p="
                                            ED_P, &error);

  g_assert_no_error (error);
  g_assert_cmpint (rec->type, ==, DKIMMOD_KEY_TYPE_ED25519);
  g_assert_true (rec->testing);
}

static void
test_revoked (void)
{
  expect_error ("v=DKIM1; p=", DKIMMOD_RECORD_ERROR_REVOKED, "key revoked");
  expect_error ("v=DKIM1; k=ed25519; p= ;", DKIMMOD_RECORD_ERROR_REVOKED, "key revoked");
}

static void
test_bad (void)
{
  expect_error ("v=DKIM1; k=dsa; p=" ED_P, DKIMMOD_RECORD_ERROR_UNSUPPORTED,
                "unsupported key type k=dsa");
  expect_error ("v=DKIM2; p=" ED_P, DKIMMOD_RECORD_ERROR_UNSUPPORTED,
                "unsupported key record version");
  expect_error ("v=spf1 -all", DKIMMOD_RECORD_ERROR_UNSUPPORTED, NULL);
  expect_error ("k=rsa; v=DKIM1; p=" ED_P, DKIMMOD_RECORD_ERROR_SYNTAX, "v= is not the first tag");
  expect_error ("v=DKIM1; k=rsa", DKIMMOD_RECORD_ERROR_SYNTAX, "missing p= tag");
  expect_error ("v=DKIM1; p=MIGf!MA0G", DKIMMOD_RECORD_ERROR_SYNTAX, "bad base64 in p=");
  expect_error ("v=DKIM1; p=MIGfMA0", DKIMMOD_RECORD_ERROR_SYNTAX, "bad base64 in p=");
  expect_error ("v=DKIM1; p=AAAA", DKIMMOD_RECORD_ERROR_SYNTAX, "p= is not an RSA public key");
  expect_error ("v=DKIM1; k=ed25519; p=AAAA", DKIMMOD_RECORD_ERROR_SYNTAX,
                "ed25519 p= must be 32 bytes, not 3");
  expect_error ("v=DKIM1; s=chat; p=" ED_P, DKIMMOD_RECORD_ERROR_UNSUPPORTED,
                "key not for email (s= service)");
  expect_error ("v=DKIM1; p=a; p=b", DKIMMOD_RECORD_ERROR_SYNTAX, "duplicate tag p");
}

static void
test_hash_sha1_only (void)
{
  g_autoptr (DkimmodKeyRecord) rec = parse ("v=DKIM1; k=ed25519; h=sha1; p=" ED_P, NULL);

  g_assert_nonnull (rec);
  g_assert_cmpuint (rec->hashes, ==, DKIMMOD_KEY_HASH_SHA1);
  g_autoptr (DkimmodKeyRecord) rec2 = parse ("v=DKIM1; k=ed25519; h=md5:sha512; p=" ED_P, NULL);
  g_assert_cmpuint (rec2->hashes, ==, 0);
}

static void
test_too_small (void)
{
  g_autofree char *p = rsa_p (512);
  g_autofree char *txt = g_strdup_printf ("v=DKIM1; p=%s", p);
  g_autoptr (GError) error = NULL;
  guint bits = 0;
  DkimmodKeyRecord *rec = dkimmod_key_record_parse (txt, strlen (txt), &bits, &error);

  g_assert_null (rec);
  g_assert_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_POLICY);
  g_assert_cmpstr (error->message, ==, "key too small: 512 bits");
  g_assert_cmpuint (bits, ==, 512);
}

static void
test_too_large (void)
{
  /* An 8200-bit modulus built from parameters: generating one would take
   * seconds, and the parser never does arithmetic with it. */
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new ();
  BIGNUM *n = BN_new (), *e = BN_new ();
  OSSL_PARAM *params;
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL);
  EVP_PKEY *pkey = NULL;

  BN_set_bit (n, 8199);
  BN_set_bit (n, 0);
  BN_set_word (e, 65537);
  OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_E, e);
  params = OSSL_PARAM_BLD_to_param (bld);
  g_assert_cmpint (EVP_PKEY_fromdata_init (pctx), ==, 1);
  g_assert_cmpint (EVP_PKEY_fromdata (pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), ==, 1);
  g_autofree char *p = spki_b64 (pkey);
  g_autofree char *txt = g_strdup_printf ("v=DKIM1; p=%s", p);
  expect_error (txt, DKIMMOD_RECORD_ERROR_LIMIT, "key too large: 8200 bits");
  OSSL_PARAM_free (params);
  OSSL_PARAM_BLD_free (bld);
  EVP_PKEY_free (pkey);
  EVP_PKEY_CTX_free (pctx);
  BN_free (n);
  BN_free (e);
}

static void
test_p_too_long (void)
{
  g_autofree char *big = g_strnfill (DKIMMOD_LIMIT_KEY_P_CHARS + 4, 'A');
  g_autofree char *txt = g_strdup_printf ("p=%s", big);

  expect_error (txt, DKIMMOD_RECORD_ERROR_LIMIT, NULL);
}

/* The hand-written DER reader: every damaged SPKI is refused cleanly. */
static void
test_bad_der (void)
{
  EVP_PKEY *pkey = EVP_RSA_gen (1024);
  unsigned char *der = NULL;
  int n = i2d_PUBKEY (pkey, &der);
  g_autofree guchar *buf = g_malloc (n + 1);

  for (int cut = 1; cut < n; cut += 7)
    {
      g_autofree char *b64 = g_base64_encode (der, cut);
      g_autofree char *txt = g_strdup_printf ("p=%s", b64);
      expect_error (txt, DKIMMOD_RECORD_ERROR_SYNTAX, "p= is not an RSA public key");
    }
  memcpy (buf, der, n);
  buf[n] = 0;  /* trailing garbage */
  g_autofree char *b64a = g_base64_encode (buf, n + 1);
  g_autofree char *txta = g_strdup_printf ("p=%s", b64a);
  expect_error (txta, DKIMMOD_RECORD_ERROR_SYNTAX, "p= is not an RSA public key");
  buf[14] ^= 1;  /* inside the rsaEncryption OID */
  g_autofree char *b64b = g_base64_encode (buf, n);
  g_autofree char *txtb = g_strdup_printf ("p=%s", b64b);
  expect_error (txtb, DKIMMOD_RECORD_ERROR_SYNTAX, "p= is not an RSA public key");
  /* random bytes never crash */
  for (int i = 0; i < 2000; i++)
    {
      memcpy (buf, der, n);
      buf[g_random_int_range (0, n)] = g_random_int () & 0xff;
      g_autofree char *b64 = g_base64_encode (buf, n);
      g_autofree char *txt = g_strdup_printf ("p=%s", b64);
      g_autoptr (DkimmodKeyRecord) rec = parse (txt, NULL);
      (void) rec;
    }
  OPENSSL_free (der);
  EVP_PKEY_free (pkey);
}

static void
test_pkcs1 (void)
{
  /* RFC 6376's text says RSAPublicKey; accept it as well as SPKI */
  EVP_PKEY *pkey = EVP_RSA_gen (1024);
  unsigned char *der = NULL;
  int n = i2d_PublicKey (pkey, &der);
  g_autofree char *b64 = g_base64_encode (der, n);
  g_autofree char *txt = g_strdup_printf ("p=%s", b64);
  g_autoptr (DkimmodKeyRecord) rec = parse (txt, NULL);

  g_assert_nonnull (rec);
  g_assert_cmpuint (rec->bits, ==, 1024);
  OPENSSL_free (der);
  EVP_PKEY_free (pkey);
}

/* The per-context cache (keyrecord-cache.c): the same text gives the same
 * record, each caller a reference to the one parsed; other text
 * (other tags, a revoked key) is another entry; errors are not kept; the
 * cache stays bounded. */
static void
test_cache (void)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autofree char *txt = g_strdup_printf ("v=DKIM1; k=rsa; p=%s", rsa1024_p);
  g_autofree char *testing = g_strdup_printf ("v=DKIM1; k=rsa; t=y; p=%s", rsa1024_p);
  g_autoptr (GError) error = NULL;
  guint bits = 0;
  DkimmodKeyRecord *a = dkimmod_context_key_record (ctx, txt, strlen (txt), &bits, &error);
  DkimmodKeyRecord *b;

  g_assert_no_error (error);
  g_assert_cmpuint (bits, ==, 1024);
  g_assert_cmpuint (dkimmod_context_key_record_cache_size (ctx), ==, 1);
  bits = 0;
  b = dkimmod_context_key_record (ctx, txt, strlen (txt), &bits, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bits, ==, 1024);
  g_assert_true (a == b);                      /* the one parsed record */
  g_assert_cmpint (g_atomic_int_get (&a->ref), ==, 3);   /* a, b and the cache */
  g_assert_cmpuint (dkimmod_context_key_record_cache_size (ctx), ==, 1);
  dkimmod_key_record_unref (a);
  dkimmod_key_record_unref (b);                 /* the cache still holds its reference */
  b = dkimmod_context_key_record (ctx, testing, strlen (testing), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (b->testing);                  /* other text: parsed on its own */
  g_assert_cmpuint (dkimmod_context_key_record_cache_size (ctx), ==, 2);
  dkimmod_key_record_unref (b);
  /* a revoked key and garbage: errors each time, never cached */
  for (int i = 0; i < 2; i++)
    {
      g_assert_null (dkimmod_context_key_record (ctx, "v=DKIM1; p=", 11, NULL, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      g_assert_null (dkimmod_context_key_record (ctx, "p=!!", 4, NULL, &error));
      g_clear_error (&error);
    }
  g_assert_cmpuint (dkimmod_context_key_record_cache_size (ctx), ==, 2);
  /* bounded: 300 distinct texts (n= notes) of the same key */
  for (int i = 0; i < 300; i++)
    {
      g_autofree char *t = g_strdup_printf ("v=DKIM1; n=%d; k=rsa; p=%s", i, rsa1024_p);
      g_autoptr (DkimmodKeyRecord) r = dkimmod_context_key_record (ctx, t, strlen (t), NULL,
                                                                   &error);

      g_assert_no_error (error);
      g_assert_cmpuint (dkimmod_context_key_record_cache_size (ctx), <=, 256);
    }
  /* without a context: parsed, as dkimmod_key_record_parse */
  a = dkimmod_context_key_record (NULL, txt, strlen (txt), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->bits, ==, 1024);
  dkimmod_key_record_unref (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  rsa1024_p = rsa_p (1024);
  g_test_add_func ("/keyrecord/rsa", test_rsa_ok);
  g_test_add_func ("/keyrecord/literals-case-insensitive", test_literals_case_insensitive);
  g_test_add_func ("/keyrecord/rsa-folded-p-and-flags", test_rsa_folded_p);
  g_test_add_func ("/keyrecord/rsa-pkcs1", test_pkcs1);
  g_test_add_func ("/keyrecord/rsa-bad-der", test_bad_der);
  g_test_add_func ("/keyrecord/ed25519", test_ed25519_ok);
  g_test_add_func ("/keyrecord/revoked", test_revoked);
  g_test_add_func ("/keyrecord/bad", test_bad);
  g_test_add_func ("/keyrecord/h-sha1-only", test_hash_sha1_only);
  g_test_add_func ("/keyrecord/too-small", test_too_small);
  g_test_add_func ("/keyrecord/too-large", test_too_large);
  g_test_add_func ("/keyrecord/p-too-long", test_p_too_long);
  g_test_add_func ("/keyrecord/cache", test_cache);
  int rc = g_test_run ();
  g_free (rsa1024_p);
  return rc;
}
