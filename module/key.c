/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	key.c - DKIM private keys: PEM parsing, checks, DNS record, signing
 * SYNOPSIS
 *	dkimmod_key_load_pem, dkimmod_key_ref, dkimmod_key_unref,
 *	dkimmod_key_algorithm, dkimmod_key_bits, dkimmod_key_dns_record,
 *	dkimmod_key_parse_pem, dkimmod_key_read_file, dkimmod_key_sign
 * DESCRIPTION
 *	Accepts PEM private keys in PKCS#1 ("BEGIN RSA PRIVATE KEY") or
 *	PKCS#8 ("BEGIN PRIVATE KEY") form, RSA or Ed25519; the signing
 *	algorithm follows from the key. Encrypted keys are refused (a mail
 *	filter has nobody to ask for a passphrase). The usual forms are read
 *	by keyder.c without OpenSSL's decoder framework; OSSL_DECODER reads
 *	the others (decode_fast, then PEM_read_bio_PrivateKey).
 *	The DNS record publishes the public half: for RSA the base64 DER
 *	SubjectPublicKeyInfo, for Ed25519 the raw 32-byte key.
 * STANDARDS
 *	RFC 8301 section 3.2 (RSA keys of at least 1024 bits), RFC 8463
 *	sections 3 and 4 (Ed25519 signing over the SHA-256 hash, k=ed25519
 *	record holds the bare public key), RFC 6376 section 3.6.1 (p=).
 * DIAGNOSTICS
 *	DKIMMOD_E_KEY with a message that tells how to fix the key
 *	("chmod 600 PATH", "RSA key of 512 bits is too small: ...").
 * SECURITY
 *	Key files: at most DKIMMOD_LIMIT_KEY_FILE_BYTES, and the permission
 *	rule of key-access.c (file and every directory on its path); RSA modulus
 *	between DKIMMOD_LIMIT_RSA_MIN_BITS and _MAX_BITS.
 *	The buffer holding the file is wiped before it is freed.
 * NEVER
 *	Prompt for a passphrase; leave private key bytes in freed memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "key-private.h"
#include "keyder-private.h"
#include "limits-private.h"

/* no_passphrase - pem_password_cb refusing to prompt */
static int
no_passphrase (char *buf, int size, int rwflag, void *u)
{
  return -1;
}

/* key_new - wraps PKEY (ownership taken) after checking type and size */
static DkimmodKey *
key_new (EVP_PKEY *pkey, GError **error)
{
  g_autoptr (EVP_PKEY) owned = pkey;
  DkimmodKey *key;
  int bits = EVP_PKEY_get_bits (pkey);
  DkimmodAlgorithm alg;

  switch (EVP_PKEY_get_base_id (pkey))
    {
    case EVP_PKEY_RSA:
      if (bits < (int) DKIMMOD_LIMIT_RSA_MIN_BITS)
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                       "RSA key of %d bits is too small: RFC 8301 requires at least %u "
                       "(2048 recommended)", bits, DKIMMOD_LIMIT_RSA_MIN_BITS);
          return NULL;
        }
      if (bits > (int) DKIMMOD_LIMIT_RSA_MAX_BITS)
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                       "RSA key of %d bits is too large: verifiers refuse keys over %u bits",
                       bits, DKIMMOD_LIMIT_RSA_MAX_BITS);
          return NULL;
        }
      alg = DKIMMOD_ALG_RSA_SHA256;
      break;
    case EVP_PKEY_ED25519:
      alg = DKIMMOD_ALG_ED25519_SHA256;
      break;
    default:
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                   "unsupported key type %s: DKIM signs with RSA or Ed25519 keys",
                   OBJ_nid2sn (EVP_PKEY_get_base_id (pkey)));
      return NULL;
    }
  key = g_new0 (DkimmodKey, 1);
  g_atomic_ref_count_init (&key->ref);
  key->pkey = g_steal_pointer (&owned);
  key->algorithm = alg;
  key->bits = (unsigned) bits;
  return key;
}

/* decode_hinted - OSSL_DECODER told the key type and structure, which
 * skips trying every decoder (about 0.5 ms less per parse) */
static EVP_PKEY *
decode_hinted (const char *pem, gsize len, const char *type, const char *structure)
{
  EVP_PKEY *pkey = NULL;
  OSSL_DECODER_CTX *d = OSSL_DECODER_CTX_new_for_pkey (&pkey, "PEM", structure, type,
                                                       EVP_PKEY_KEYPAIR, NULL, NULL);
  const unsigned char *p = (const unsigned char *) pem;
  size_t n = len;

  if (d == NULL)
    return NULL;
  OSSL_DECODER_CTX_set_pem_password_cb (d, no_passphrase, NULL);
  if (OSSL_DECODER_from_data (d, &p, &n) != 1)
    {
      EVP_PKEY_free (pkey);
      pkey = NULL;
    }
  OSSL_DECODER_CTX_free (d);
  ERR_clear_error ();
  return pkey;
}

/* decode_fast - the common forms by their PEM label, or NULL */
static EVP_PKEY *
decode_fast (const char *pem, gsize len)
{
  EVP_PKEY *pkey = NULL;

  if (g_strstr_len (pem, (gssize) len, "-----BEGIN RSA PRIVATE KEY-----") != NULL)
    pkey = decode_hinted (pem, len, "RSA", "type-specific");
  else if (g_strstr_len (pem, (gssize) len, "-----BEGIN PRIVATE KEY-----") != NULL)
    {
      /* An Ed25519 PKCS#8 key always starts with the same 16 DER bytes
       * (RFC 8410 section 7), base64 "MC4CAQAwBQYDK2Vw": try it first. */
      gboolean ed = g_strstr_len (pem, (gssize) len, "MC4CAQAwBQYDK2Vw") != NULL;

      pkey = decode_hinted (pem, len, ed ? "ED25519" : "RSA", "PrivateKeyInfo");
      if (pkey == NULL)
        pkey = decode_hinted (pem, len, ed ? "RSA" : "ED25519", "PrivateKeyInfo");
    }
  return pkey;
}

DkimmodKey *
dkimmod_key_parse_pem (const char *pem, gsize len, GError **error)
{
  g_autoptr (BIO) bio = NULL;
  EVP_PKEY *pkey;

  if (pem == NULL || len == 0 || len > G_MAXINT)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY, "empty private key");
      return NULL;
    }
  /* The forms keygen, openssl and opendkim-genkey write, without the
   * decoder framework (keyder.c); OSSL_DECODER for the rest. */
  switch (dkimmod_keyder_parse_pem (pem, len, &pkey, error))
    {
    case DKIMMOD_KEYDER_OK:
      return key_new (pkey, error);
    case DKIMMOD_KEYDER_REFUSED:
      return NULL;
    case DKIMMOD_KEYDER_OTHER:
    default:
      break;
    }
  pkey = decode_fast (pem, len);
  if (pkey != NULL)
    return key_new (pkey, error);
  /* Anything else (EC, encrypted, unusual PEM): the generic reader, for
   * the diagnosis. */
  bio = BIO_new_mem_buf (pem, (int) len);
  if (bio == NULL)
    {
      dkimmod_set_crypto_error (error, "BIO_new_mem_buf");
      return NULL;
    }
  pkey = PEM_read_bio_PrivateKey (bio, NULL, no_passphrase, NULL);
  if (pkey == NULL)
    {
      gboolean encrypted = g_strstr_len (pem, len, "ENCRYPTED") != NULL;

      ERR_clear_error ();
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                   encrypted ? "the private key is encrypted: store it without a passphrase, mode 0600"
                             : "no PEM private key found (expected PKCS#1 or PKCS#8, RSA or Ed25519)");
      return NULL;
    }
  return key_new (pkey, error);
}

/* read_bounded - reads all of FD (at most LIMIT bytes) into a new buffer */
static char *
read_bounded (int fd, const char *path, gsize *len_out, GError **error)
{
  gsize cap = DKIMMOD_LIMIT_KEY_FILE_BYTES + 1, len = 0;
  char *buf = g_malloc (cap);

  for (;;)
    {
      ssize_t n = read (fd, buf + len, cap - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          OPENSSL_cleanse (buf, len);
          g_free (buf);
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_IO, "cannot read private key %s: %s",
                       path, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      len += (gsize) n;
      if (len == cap)
        {
          OPENSSL_cleanse (buf, len);
          g_free (buf);
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT,
                       "private key %s is larger than %u bytes", path, DKIMMOD_LIMIT_KEY_FILE_BYTES);
          return NULL;
        }
    }
  *len_out = len;
  return buf;
}

DkimmodKey *
dkimmod_key_read_file (const char *path, unsigned flags, GError **error)
{
  struct stat st;
  gsize len = 0;
  char *buf;
  DkimmodKey *key;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    {
      int saved = errno;
      g_autofree char *why = saved == EACCES ? dkimmod_path_explain_denied (path) : NULL;

      g_set_error (error, DKIMMOD_ERROR, saved == ENOENT ? DKIMMOD_E_KEY : DKIMMOD_E_IO,
                   "cannot open private key %s: %s%s%s", path, g_strerror (saved),
                   why ? ": " : "", why ? why : "");
      return NULL;
    }
  /* Check the file actually opened, not a name that may change. */
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY, "private key %s is not a regular file", path);
      return NULL;
    }
  if (!dkimmod_key_check_access (path, &st, flags, error))
    {
      close (fd);
      return NULL;
    }
  buf = read_bounded (fd, path, &len, error);
  close (fd);
  if (buf == NULL)
    return NULL;
  key = dkimmod_key_parse_pem (buf, len, error);
  OPENSSL_cleanse (buf, len);
  g_free (buf);
  if (key == NULL)
    g_prefix_error (error, "%s: ", path);
  return key;
}

/**
 * dkimmod_key_load_pem:
 * @pem: PEM text (need not be NUL-terminated)
 * @len: its length
 * @err: (nullable): where to report a fault
 *
 * Returns: (transfer full) (nullable): the key, or NULL with @err set.
 */
DkimmodKey *
dkimmod_key_load_pem (const char *pem, size_t len, DkimmodError *err)
{
  GError *error = NULL;
  DkimmodKey *key = dkimmod_key_parse_pem (pem, len, &error);

  if (key == NULL)
    dkimmod_error_take (err, error);
  else
    dkimmod_error_clear (err);
  return key;
}

/**
 * dkimmod_key_ref:
 * @key: a key
 *
 * Returns: (transfer full): @key
 */
DkimmodKey *
dkimmod_key_ref (DkimmodKey *key)
{
  g_return_val_if_fail (key != NULL, NULL);
  g_atomic_ref_count_inc (&key->ref);
  return key;
}

/**
 * dkimmod_key_unref:
 * @key: (nullable): a key
 */
void
dkimmod_key_unref (DkimmodKey *key)
{
  if (key == NULL || !g_atomic_ref_count_dec (&key->ref))
    return;
  EVP_PKEY_free (key->pkey);
  g_free (key);
}

/**
 * dkimmod_key_algorithm:
 * @key: a key
 *
 * Returns: DKIMMOD_ALG_RSA_SHA256 or DKIMMOD_ALG_ED25519_SHA256.
 */
DkimmodAlgorithm
dkimmod_key_algorithm (const DkimmodKey *key)
{
  g_return_val_if_fail (key != NULL, DKIMMOD_ALG_FROM_KEY);
  return key->algorithm;
}

/**
 * dkimmod_key_bits:
 * @key: a key
 *
 * Returns: the RSA modulus size, or 256 for Ed25519.
 */
unsigned
dkimmod_key_bits (const DkimmodKey *key)
{
  g_return_val_if_fail (key != NULL, 0);
  return key->bits;
}

/* public_key_bytes - the p= payload: SPKI DER (RSA) or raw key (Ed25519) */
static GBytes *
public_key_bytes (const DkimmodKey *key, GError **error)
{
  if (key->algorithm == DKIMMOD_ALG_ED25519_SHA256)
    {
      guchar raw[32];
      size_t n = sizeof raw;

      if (EVP_PKEY_get_raw_public_key (key->pkey, raw, &n) != 1)
        {
          dkimmod_set_crypto_error (error, "EVP_PKEY_get_raw_public_key");
          return NULL;
        }
      return g_bytes_new (raw, n);
    }
  else
    {
      unsigned char *der = NULL;
      int n = i2d_PUBKEY (key->pkey, &der);
      GBytes *b;

      if (n <= 0)
        {
          dkimmod_set_crypto_error (error, "i2d_PUBKEY");
          return NULL;
        }
      b = g_bytes_new (der, (gsize) n);
      OPENSSL_free (der);
      return b;
    }
}

/**
 * dkimmod_key_dns_record:
 * @key: a key
 * @err: (nullable): where to report a fault
 *
 * Returns: (transfer full) (nullable): "v=DKIM1; k=rsa; p=BASE64" or
 *   "v=DKIM1; k=ed25519; p=BASE64", free with dkimmod_free().
 */
char *
dkimmod_key_dns_record (const DkimmodKey *key, DkimmodError *err)
{
  g_autoptr (GBytes) pub = NULL;
  g_autofree char *b64 = NULL;
  GError *error = NULL;
  gsize n;
  const guchar *p;

  dkimmod_error_clear (err);
  if (key == NULL)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "no key given");
      dkimmod_error_take (err, error);
      return NULL;
    }
  pub = public_key_bytes (key, &error);
  if (pub == NULL)
    {
      dkimmod_error_take (err, error);
      return NULL;
    }
  p = g_bytes_get_data (pub, &n);
  b64 = g_base64_encode (p, n);
  return g_strdup_printf ("v=DKIM1; k=%s; p=%s",
                          key->algorithm == DKIMMOD_ALG_ED25519_SHA256 ? "ed25519" : "rsa", b64);
}

GBytes *
dkimmod_key_sign (const DkimmodKey *key, const guchar *data, gsize len, GError **error)
{
  g_autoptr (EVP_MD_CTX) md = EVP_MD_CTX_new ();
  const EVP_MD *digest = key->algorithm == DKIMMOD_ALG_RSA_SHA256 ? EVP_sha256 () : NULL;
  size_t siglen = 0;
  guchar *sig;

  if (md == NULL || EVP_DigestSignInit (md, NULL, digest, NULL, key->pkey) != 1)
    {
      dkimmod_set_crypto_error (error, "EVP_DigestSignInit");
      return NULL;
    }
  if (EVP_DigestSign (md, NULL, &siglen, data, len) != 1)
    {
      dkimmod_set_crypto_error (error, "EVP_DigestSign");
      return NULL;
    }
  sig = g_malloc (siglen);
  if (EVP_DigestSign (md, sig, &siglen, data, len) != 1)
    {
      g_free (sig);
      dkimmod_set_crypto_error (error, "EVP_DigestSign");
      return NULL;
    }
  return g_bytes_new_take (sig, siglen);
}
