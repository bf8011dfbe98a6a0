/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-keyder.c - private keys without OSSL_DECODER (module/keyder.c, der.c)
 * DESCRIPTION
 *	/keyder/forms: every key form that `dkimmod keygen`, `openssl
 *	genpkey`, `openssl genrsa -traditional` (PKCS#1) and OpenDKIM's
 *	opendkim-genkey write is read by keyder.c (not handed on), and gives
 *	byte-identical signatures to the same file read by OpenSSL's
 *	PEM_read_bio_PrivateKey (OSSL_DECODER): RSA PKCS#1 v1.5 and Ed25519
 *	are both deterministic. A missing generator is a failure.
 *	/keyder/odd: non-canonical DER, trailing bytes, huge lengths,
 *	negative integers, p*q != n, every truncation and every byte flip of
 *	a real key: refused or handed on, never a crash, never a key that
 *	differs from the decoder's.
 *	/keyder/pem: encrypted keys, headers, two blocks, text around the
 *	block are handed on to OSSL_DECODER (DKIMMOD_KEYDER_OTHER).
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "der-private.h"
#include "error-private.h"
#include "key-private.h"
#include "keyder-private.h"

#define DATA_DIR "module", "data"

static const char *cli_path;

/* read_text - a file's contents (not inlined: GCC 12's -Wdangling-pointer
 * misreads the out-parameter of g_file_get_contents once it is) */
static G_GNUC_NO_INLINE char *
read_text (const char *path, gsize *len)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, len, NULL));
  return text;
}

/* decoder_key - the key as OpenSSL's decoders read it */
static EVP_PKEY *
decoder_key (const char *pem, gsize len)
{
  BIO *bio = BIO_new_mem_buf (pem, (int) len);
  EVP_PKEY *pkey = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);

  BIO_free (bio);
  return pkey;
}

/* sign - one signature of DATA (SHA-256 for RSA; Ed25519 signs DATA) */
static GBytes *
sign (EVP_PKEY *pkey, const char *data)
{
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  const EVP_MD *digest = EVP_PKEY_get_base_id (pkey) == EVP_PKEY_RSA ? EVP_sha256 () : NULL;
  size_t n = 0;
  guchar *sig;

  g_assert_cmpint (EVP_DigestSignInit (md, NULL, digest, NULL, pkey), ==, 1);
  g_assert_cmpint (EVP_DigestSign (md, NULL, &n, (const guchar *) data, strlen (data)), ==, 1);
  sig = g_malloc (n);
  g_assert_cmpint (EVP_DigestSign (md, sig, &n, (const guchar *) data, strlen (data)), ==, 1);
  EVP_MD_CTX_free (md);
  return g_bytes_new_take (sig, n);
}

/* assert_same_key - keyder reads PEM itself, to a key that signs as the
 * decoder's */
static void
assert_same_key (const char *pem, gsize len, const char *what)
{
  static const char *const msgs[] = { "", "hello", "DKIM-Signature: v=1; a=rsa-sha256" };
  g_autoptr (GError) error = NULL;
  EVP_PKEY *ours = NULL, *theirs = decoder_key (pem, len);

  g_test_message ("%s", what);
  g_assert_nonnull (theirs);
  g_assert_cmpint (dkimmod_keyder_parse_pem (pem, len, &ours, &error), ==, DKIMMOD_KEYDER_OK);
  g_assert_no_error (error);
  g_assert_cmpint (EVP_PKEY_eq (ours, theirs), ==, 1);
  for (guint k = 0; k < G_N_ELEMENTS (msgs); k++)
    {
      g_autoptr (GBytes) a = sign (ours, msgs[k]);
      g_autoptr (GBytes) b = sign (theirs, msgs[k]);

      g_assert_true (g_bytes_equal (a, b));
    }
  EVP_PKEY_free (ours);
  EVP_PKEY_free (theirs);
}

/* run - a shell command that must succeed */
static void
run (const char *cmd)
{
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { "/bin/sh", "-c", cmd, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", cmd, err);
}

/* expand - CMD with @DIR@ and @CLI@ replaced */
static char *
expand (const char *cmd, const char *dir)
{
  g_auto (GStrv) a = g_strsplit (cmd, "@DIR@", -1);
  g_autofree char *s = g_strjoinv (dir, a);
  g_auto (GStrv) b = g_strsplit (s, "@CLI@", -1);

  return g_strjoinv (cli_path, b);
}

static void
test_forms (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-keyder-XXXXXX", NULL);
  static const struct {
    const char *file;
    const char *cmd;  /* @DIR@ the directory, @CLI@ the CLI */
  } gens[] = {
    { "rsa.key", "@CLI@ keygen -a rsa -d example.com -s rsa -o @DIR@ > /dev/null" },
    { "ed.key", "@CLI@ keygen -a ed25519 -d example.com -s ed -o @DIR@ > /dev/null" },
    { "genpkey-rsa.pem", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
                         "-out @DIR@/genpkey-rsa.pem 2>/dev/null" },
    { "genpkey-ed.pem", "openssl genpkey -algorithm ED25519 -out @DIR@/genpkey-ed.pem" },
    { "genrsa-pkcs1.pem", "openssl genrsa -traditional -out @DIR@/genrsa-pkcs1.pem 2048 "
                          "2>/dev/null" },
    { "genrsa-pkcs8.pem", "openssl genrsa -out @DIR@/genrsa-pkcs8.pem 2048 2>/dev/null" },
    { "genrsa-3.pem", "openssl genrsa -traditional -3 -out @DIR@/genrsa-3.pem 1024 2>/dev/null" },
    { "sel.private", "opendkim-genkey -D @DIR@ -d example.com -s sel" },
    { "odk-pkcs8.pem", "openssl pkcs8 -topk8 -nocrypt -in @DIR@/sel.private "
                       "-out @DIR@/odk-pkcs8.pem" },
  };

  g_assert_nonnull (dir);
  for (guint k = 0; k < G_N_ELEMENTS (gens); k++)
    {
      g_autofree char *cmd = expand (gens[k].cmd, dir);
      g_autofree char *path = g_build_filename (dir, gens[k].file, NULL);
      g_autofree char *pem = NULL;
      gsize len;

      run (cmd);
      pem = read_text (path, &len);
      assert_same_key (pem, len, gens[k].cmd);
    }
  {
    g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", dir);

    run (rm);
  }
  /* The test keys of the repository, too. */
  for (guint k = 0; k < 4; k++)
    {
      static const char *const names[] = { "rsa2048.pem", "rsa2048-pkcs1.pem", "ed25519.pem",
                                           "rfc8463-ed25519.pem" };
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", names[k], NULL);
      gsize len;
      g_autofree char *pem = read_text (path, &len);

      assert_same_key (pem, len, names[k]);
    }
}

/* pkcs1_der - the DER of the repository's PKCS#1 test key */
static guchar *
pkcs1_der (gsize *len)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "rsa2048-pkcs1.pem", NULL);
  gsize n;
  g_autofree char *pem = read_text (path, &n);
  gsize from = (gsize) (strstr (pem, "-----\n") - pem) + 6;
  gsize to = (gsize) (strstr (pem, "-----END") - pem);
  g_autofree char *b64 = g_strndup (pem + from, to - from);

  return g_base64_decode (b64, len);
}

/* status_of - keyder's verdict on DER as PKCS#1 (or PKCS#8) */
static DkimmodKeyderStatus
status_of (const guchar *der, gsize len, gboolean pkcs8)
{
  g_autoptr (GError) error = NULL;
  EVP_PKEY *pkey = NULL;
  DkimmodKeyderStatus st = pkcs8 ? dkimmod_keyder_parse_pkcs8 (der, len, &pkey, &error)
                                 : dkimmod_keyder_parse_pkcs1 (der, len, &pkey, &error);

  g_assert_true ((st == DKIMMOD_KEYDER_OK) == (pkey != NULL));
  g_assert_true ((st == DKIMMOD_KEYDER_REFUSED) == (error != NULL));
  EVP_PKEY_free (pkey);
  return st;
}

static void
test_odd (void)
{
  gsize len;
  g_autofree guchar *der = pkcs1_der (&len);
  g_autofree guchar *buf = g_malloc (len + 8);
  DkimmodDer top, seq, v;
  gsize p_at;
  guint32 ver;

  g_assert_cmpint (status_of (der, len, FALSE), ==, DKIMMOD_KEYDER_OK);
  /* trailing bytes */
  memcpy (buf, der, len);
  buf[len] = 0;
  g_assert_cmpint (status_of (buf, len + 1, FALSE), ==, DKIMMOD_KEYDER_REFUSED);
  /* the outer length with a redundant leading zero octet: 30 83 00 LL LL */
  g_assert_cmpint (der[1], ==, 0x82);
  buf[0] = 0x30, buf[1] = 0x83, buf[2] = 0;
  memcpy (buf + 3, der + 2, len - 2);
  g_assert_cmpint (status_of (buf, len + 1, FALSE), ==, DKIMMOD_KEYDER_REFUSED);
  /* a huge length (16 MiB - 1) and one past the limit (4 octets) */
  memcpy (buf, der, len);
  buf[1] = 0x83, buf[2] = 0xff, buf[3] = 0xff;
  g_assert_cmpint (status_of (buf, len, FALSE), ==, DKIMMOD_KEYDER_REFUSED);
  {
    static const guchar four[] = { 0x30, 0x84, 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00 };
    static const guchar indefinite[] = { 0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00 };
    static const guchar negative[] = { 0x30, 0x03, 0x02, 0x01, 0xff };
    static const guchar short_long[] = { 0x30, 0x81, 0x03, 0x02, 0x01, 0x00 };
    static const guchar leading_zero[] = { 0x30, 0x04, 0x02, 0x02, 0x00, 0x01 };

    g_assert_cmpint (status_of (four, sizeof four, FALSE), ==, DKIMMOD_KEYDER_REFUSED);
    g_assert_cmpint (status_of (indefinite, sizeof indefinite, FALSE), ==, DKIMMOD_KEYDER_REFUSED);
    g_assert_cmpint (status_of (negative, sizeof negative, FALSE), ==, DKIMMOD_KEYDER_REFUSED);
    g_assert_cmpint (status_of (short_long, sizeof short_long, FALSE), ==, DKIMMOD_KEYDER_REFUSED);
    g_assert_cmpint (status_of (leading_zero, sizeof leading_zero, TRUE), ==,
                     DKIMMOD_KEYDER_REFUSED);
    dkimmod_der_init (&top, negative + 2, 3);
    g_assert_false (dkimmod_der_uint (&top, &v));
    g_assert_true (top.p == negative + 2);  /* not moved */
  }
  /* p*q != n: the last octet of p changed */
  dkimmod_der_init (&top, der, len);
  g_assert_true (dkimmod_der_element (&top, 0x30, &seq));
  g_assert_true (dkimmod_der_small_uint (&seq, &ver));
  for (guint k = 0; k < 4; k++)
    g_assert_true (dkimmod_der_uint (&seq, &v));  /* n e d p */
  p_at = (gsize) (v.end - der) - 1;
  memcpy (buf, der, len);
  buf[p_at] ^= 0x02;
  {
    g_autoptr (GError) error = NULL;
    EVP_PKEY *pkey = NULL;

    g_assert_cmpint (dkimmod_keyder_parse_pkcs1 (buf, len, &pkey, &error), ==,
                     DKIMMOD_KEYDER_REFUSED);
    g_assert_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY);
    g_assert_nonnull (strstr (error->message, "p*q != n"));
  }
  /* every truncation is refused; every byte flip is refused or a key */
  for (gsize n = 0; n < len; n++)
    g_assert_cmpint (status_of (der, n, FALSE), ==, DKIMMOD_KEYDER_REFUSED);
  for (gsize i = 0; i < len; i += 7)
    {
      memcpy (buf, der, len);
      buf[i] ^= 0x80;
      (void) status_of (buf, len, FALSE);
      (void) status_of (buf, len, TRUE);
    }
  /* a multi-prime key (version 1) is handed on */
  memcpy (buf, der, len);
  g_assert_cmpint (buf[6], ==, 0x00);  /* 30 82 LL LL 02 01 00 */
  buf[6] = 0x01;
  g_assert_cmpint (status_of (buf, len, FALSE), ==, DKIMMOD_KEYDER_OTHER);
}

static void
test_pem (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "rsa2048.pem", NULL);
  g_autofree char *enc_path = g_test_build_filename (G_TEST_DIST, "data", "rsa1024-encrypted.pem",
                                                     NULL);
  g_autofree char *ec_path = g_test_build_filename (G_TEST_DIST, "data", "ec-p256.pem", NULL);
  gsize len, elen, clen;
  g_autofree char *pem = read_text (path, &len);
  g_autofree char *enc = read_text (enc_path, &elen);
  g_autofree char *ec = read_text (ec_path, &clen);
  g_autofree char *two = g_strconcat (pem, pem, NULL);
  g_autofree char *text = g_strconcat ("a key:\n", pem, NULL);
  g_autofree char *bad64 = g_strdup (pem);
  EVP_PKEY *pkey = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodKey) key = NULL;

  g_assert_cmpint (dkimmod_keyder_parse_pem (enc, elen, &pkey, &error), ==, DKIMMOD_KEYDER_OTHER);
  g_assert_cmpint (dkimmod_keyder_parse_pem (ec, clen, &pkey, &error), ==, DKIMMOD_KEYDER_OTHER);
  g_assert_cmpint (dkimmod_keyder_parse_pem (two, strlen (two), &pkey, &error), ==,
                   DKIMMOD_KEYDER_OTHER);
  g_assert_cmpint (dkimmod_keyder_parse_pem (text, strlen (text), &pkey, &error), ==,
                   DKIMMOD_KEYDER_OTHER);
  bad64[40] = '*';
  g_assert_cmpint (dkimmod_keyder_parse_pem (bad64, len, &pkey, &error), ==, DKIMMOD_KEYDER_OTHER);
  g_assert_null (pkey);
  g_assert_no_error (error);
  /* handed on, the decoder still reads text around a block */
  key = dkimmod_key_parse_pem (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_path = g_getenv ("DKIMMOD_TEST_CLI");
  g_assert_nonnull (cli_path);
  g_test_add_func ("/keyder/forms", test_forms);
  g_test_add_func ("/keyder/odd", test_odd);
  g_test_add_func ("/keyder/pem", test_pem);
  return g_test_run ();
}
