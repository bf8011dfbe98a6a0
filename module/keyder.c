/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyder.c - RSA and Ed25519 private keys from PEM, without OSSL_DECODER
 * SYNOPSIS
 *	dkimmod_keyder_parse_pem, dkimmod_keyder_parse_pkcs1,
 *	dkimmod_keyder_parse_pkcs8, dkimmod_keyder_rsa_public
 * DESCRIPTION
 *	OpenSSL 3's decoder framework costs about 7 million instructions the
 *	first time a process decodes a private key (it builds and searches
 *	its method stores), a quarter of a signing connection. The key forms
 *	that `dkimmod keygen`, `openssl genpkey`/`genrsa` and OpenDKIM's
 *	opendkim-genkey write are few and fixed, so this file reads them
 *	itself with the bounded DER reader (der.c) and builds the key with
 *	EVP_PKEY_fromdata (RSA: n, e, d, p, q, dp, dq, qinv) or
 *	EVP_PKEY_new_raw_private_key (Ed25519: the 32-byte seed), the same
 *	public EVP interface the rest of the library uses (no deprecated
 *	RSA_* calls). Read here:
 *	  - one PEM block "RSA PRIVATE KEY" without headers (PKCS#1
 *	    RSAPrivateKey, two-prime, version 0);
 *	  - one PEM block "PRIVATE KEY" (PKCS#8 PrivateKeyInfo, version 0,
 *	    no attributes) of rsaEncryption with NULL parameters or of
 *	    id-Ed25519 without parameters.
 *	Anything else (encrypted keys, Proc-Type headers, several PEM blocks,
 *	multi-prime RSA, OneAsymmetricKey with a public key, attributes,
 *	other algorithms) is DKIMMOD_KEYDER_OTHER: key.c hands it to
 *	OSSL_DECODER as before. A form read here whose numbers do not make a
 *	key (p*q != n, zero components) is refused with an error, never
 *	handed on.
 * STANDARDS
 *	RFC 7468 (PEM labels, base64 lines), RFC 8017 appendix A.1.2
 *	(RSAPrivateKey), RFC 5208 section 5 (PrivateKeyInfo), RFC 8410
 *	sections 3 and 7 (id-Ed25519, CurvePrivateKey), RFC 3279 section
 *	2.3.1 (rsaEncryption with NULL parameters).
 * SECURITY
 *	The PEM text comes from a key file (at most
 *	DKIMMOD_LIMIT_KEY_FILE_BYTES, checked by the caller) or from a
 *	fuzzer. The decoded DER holds private key material: it and every
 *	intermediate BIGNUM and OSSL_PARAM are wiped before they are freed.
 *	Every length is checked by der.c.
 * NEVER
 *	Hand a malformed form of the structures above to OSSL_DECODER (the
 *	two paths must not disagree on a key); leave private bytes in freed
 *	memory; use the deprecated RSA_* interface.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "der-private.h"
#include "error-private.h"
#include "keyder-private.h"

/* 1.2.840.113549.1.1.1 rsaEncryption, 1.3.101.112 id-Ed25519 */
static const guchar rsa_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
static const guchar ed25519_oid[] = { 0x2b, 0x65, 0x70 };

#define RSA_FIELDS 8  /* n e d p q dp dq qinv */

/* refuse - DKIMMOD_KEYDER_REFUSED with a DKIMMOD_E_KEY error */
static DkimmodKeyderStatus
refuse (GError **error, const char *why)
{
  g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY, "invalid private key: %s", why);
  return DKIMMOD_KEYDER_REFUSED;
}

/* b64_value - the value of a base64 character, or -1 */
static int
b64_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* b64_decode - base64 of [P, END) with line breaks into OUT (room for
 * 3/4 of the input); FALSE for any other character or bad padding */
static gboolean
b64_decode (const char *p, const char *end, guchar *out, gsize *out_len)
{
  guint32 acc = 0;
  guint bits = 0, pad = 0;
  gsize n = 0;

  for (; p < end; p++)
    {
      guchar c = (guchar) *p;
      int v;

      if (c == '\r' || c == '\n')
        continue;
      if (c == '=')
        {
          pad++;
          continue;
        }
      v = b64_value (c);
      if (v < 0 || pad > 0)
        return FALSE;
      acc = (acc << 6) | (guint32) v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[n++] = (guchar) (acc >> bits);
        }
    }
  /* 4-character groups: a dangling group, or padding that does not make
   * one whole, is not base64. */
  if (pad > 2 || ((n + pad) % 3) != 0 || (pad == 0 && bits != 0) || (pad > 0 && bits != 2 * pad))
    return FALSE;
  if ((acc & ((1u << bits) - 1)) != 0)
    return FALSE;  /* non-zero bits in the last character */
  *out_len = n;
  return TRUE;
}

/* pem_block - the base64 text between "-----BEGIN LABEL-----" and its
 * END line; FALSE unless PEM holds exactly one PEM block, with that
 * label, without headers, and nothing but whitespace around it */
static gboolean
pem_block (const char *pem, gsize len, const char *label, const char **b64, const char **b64_end)
{
  g_autofree char *begin = g_strdup_printf ("-----BEGIN %s-----", label);
  g_autofree char *endl = g_strdup_printf ("-----END %s-----", label);
  const char *end = pem + len, *p = pem, *q;
  gsize blen = strlen (begin), elen = strlen (endl);

  while (p < end && g_ascii_isspace (*p))
    p++;
  if ((gsize) (end - p) < blen || memcmp (p, begin, blen) != 0)
    return FALSE;
  p += blen;
  if (p < end && *p == '\r')
    p++;
  if (p >= end || *p != '\n')
    return FALSE;
  p++;
  /* the END line; nothing else may contain a dash (no second block) */
  for (q = p; q < end && *q != '-'; q++)
    if (*q == ':')
      return FALSE;  /* a header such as Proc-Type: an encrypted PKCS#1 key */
  if ((gsize) (end - q) < elen || memcmp (q, endl, elen) != 0)
    return FALSE;
  *b64 = p;
  *b64_end = q;
  for (q += elen; q < end; q++)
    if (!g_ascii_isspace (*q))
      return FALSE;
  return TRUE;
}

/* bn_from - a BIGNUM of the DER magnitude V (NULL when out of memory).
 * BN_secure_new: OSSL_PARAM_BLD then puts the numbers in the block that
 * OSSL_PARAM_free wipes (OpenSSL 3.0 has no OSSL_PARAM_clear_free). */
static BIGNUM *
bn_from (const DkimmodDer *v)
{
  BIGNUM *bn = BN_secure_new ();

  if (bn != NULL && BN_bin2bn (v->p, (int) (v->end - v->p), bn) == NULL)
    {
      BN_clear_free (bn);
      return NULL;
    }
  return bn;
}

/* rsa_from_fields - EVP_PKEY_fromdata of the eight RSA numbers F[] */
static DkimmodKeyderStatus
rsa_from_fields (const DkimmodDer f[RSA_FIELDS], EVP_PKEY **pkey, GError **error)
{
  static const char *const names[RSA_FIELDS] = {
    OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
    OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
    OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
  };
  BIGNUM *bn[RSA_FIELDS] = { NULL };
  BIGNUM *pq = BN_new ();
  BN_CTX *bnctx = BN_CTX_new ();
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new ();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  DkimmodKeyderStatus status = DKIMMOD_KEYDER_REFUSED;
  gboolean ok = pq != NULL && bnctx != NULL && bld != NULL;

  for (guint k = 0; ok && k < RSA_FIELDS; k++)
    ok = (bn[k] = bn_from (&f[k])) != NULL;
  if (!ok)
    {
      dkimmod_set_crypto_error (error, "BN_bin2bn");
      goto out;
    }
  for (guint k = 0; k < RSA_FIELDS; k++)
    if (BN_is_zero (bn[k]))
      {
        refuse (error, "an RSA component is zero");
        goto out;
      }
  /* The CRT numbers are what signs; a key whose factors are not those of
   * n would sign with other numbers than it publishes. */
  if (BN_mul (pq, bn[3], bn[4], bnctx) != 1 || BN_cmp (pq, bn[0]) != 0)
    {
      ERR_clear_error ();
      refuse (error, "RSA factors do not multiply to the modulus (p*q != n)");
      goto out;
    }
  for (guint k = 0; ok && k < RSA_FIELDS; k++)
    ok = OSSL_PARAM_BLD_push_BN (bld, names[k], bn[k]) == 1;
  ok = ok && (params = OSSL_PARAM_BLD_to_param (bld)) != NULL
       && (ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL)) != NULL
       && EVP_PKEY_fromdata_init (ctx) == 1
       && EVP_PKEY_fromdata (ctx, pkey, EVP_PKEY_KEYPAIR, params) == 1;
  if (!ok)
    dkimmod_set_crypto_error (error, "EVP_PKEY_fromdata");
  else
    status = DKIMMOD_KEYDER_OK;
out:
  for (guint k = 0; k < RSA_FIELDS; k++)
    BN_clear_free (bn[k]);
  BN_clear_free (pq);
  BN_CTX_free (bnctx);
  OSSL_PARAM_free (params);  /* wipes the secure block: see bn_from */
  OSSL_PARAM_BLD_free (bld);
  EVP_PKEY_CTX_free (ctx);
  return status;
}

/* rsa_private_key - the contents of an RSAPrivateKey SEQUENCE; OTHER for
 * a multi-prime key (version 1), which OSSL_DECODER reads */
static DkimmodKeyderStatus
rsa_private_key (DkimmodDer *seq, EVP_PKEY **pkey, GError **error)
{
  DkimmodDer f[RSA_FIELDS];
  guint32 version;

  if (!dkimmod_der_small_uint (seq, &version))
    return refuse (error, "RSAPrivateKey without a version");
  if (version == 1)
    return DKIMMOD_KEYDER_OTHER;
  if (version != 0)
    return refuse (error, "unknown RSAPrivateKey version");
  for (guint k = 0; k < RSA_FIELDS; k++)
    if (!dkimmod_der_uint (seq, &f[k]))
      return refuse (error, "RSAPrivateKey: not a non-negative DER INTEGER");
  if (!dkimmod_der_at_end (seq))
    return refuse (error, "RSAPrivateKey: trailing bytes");
  return rsa_from_fields (f, pkey, error);
}

/**
 * dkimmod_keyder_parse_pkcs1:
 * @der: an RSAPrivateKey (RFC 8017 A.1.2)
 *
 * Returns: DKIMMOD_KEYDER_OK with *@pkey set, _OTHER for a form not read
 *   here, _REFUSED with @error set.
 */
DkimmodKeyderStatus
dkimmod_keyder_parse_pkcs1 (const guchar *der, gsize len, EVP_PKEY **pkey, GError **error)
{
  DkimmodDer top, seq;

  dkimmod_der_init (&top, der, len);
  if (!dkimmod_der_element (&top, 0x30, &seq) || !dkimmod_der_at_end (&top))
    return refuse (error, "not a DER RSAPrivateKey");
  return rsa_private_key (&seq, pkey, error);
}

/**
 * dkimmod_keyder_parse_pkcs8:
 * @der: a PrivateKeyInfo (RFC 5208 section 5)
 *
 * Returns: as dkimmod_keyder_parse_pkcs1.
 */
DkimmodKeyderStatus
dkimmod_keyder_parse_pkcs8 (const guchar *der, gsize len, EVP_PKEY **pkey, GError **error)
{
  DkimmodDer top, seq, alg, key, inner, params, seed;
  guint32 version;

  dkimmod_der_init (&top, der, len);
  if (!dkimmod_der_element (&top, 0x30, &seq) || !dkimmod_der_at_end (&top)
      || !dkimmod_der_small_uint (&seq, &version))
    return refuse (error, "not a DER PrivateKeyInfo");
  if (version != 0)
    return DKIMMOD_KEYDER_OTHER;  /* OneAsymmetricKey v2 (RFC 5958) */
  if (!dkimmod_der_element (&seq, 0x30, &alg) || !dkimmod_der_element (&seq, 0x04, &key))
    return refuse (error, "PrivateKeyInfo: no algorithm or key");
  if (!dkimmod_der_at_end (&seq))
    return DKIMMOD_KEYDER_OTHER;  /* attributes */
  if (dkimmod_der_oid_is (&alg, rsa_oid, sizeof rsa_oid))
    {
      if (!dkimmod_der_element (&alg, 0x05, &params) || !dkimmod_der_at_end (&params)
          || !dkimmod_der_at_end (&alg))
        return refuse (error, "rsaEncryption parameters are not NULL");
      if (!dkimmod_der_element (&key, 0x30, &inner) || !dkimmod_der_at_end (&key))
        return refuse (error, "PrivateKeyInfo: not an RSAPrivateKey");
      return rsa_private_key (&inner, pkey, error);
    }
  if (dkimmod_der_oid_is (&alg, ed25519_oid, sizeof ed25519_oid))
    {
      if (!dkimmod_der_at_end (&alg))
        return refuse (error, "id-Ed25519 with parameters (RFC 8410 section 3: absent)");
      if (!dkimmod_der_element (&key, 0x04, &seed) || !dkimmod_der_at_end (&key)
          || seed.end - seed.p != 32)
        return refuse (error, "Ed25519 CurvePrivateKey is not 32 bytes");
      *pkey = EVP_PKEY_new_raw_private_key (EVP_PKEY_ED25519, NULL, seed.p, 32);
      if (*pkey == NULL)
        {
          dkimmod_set_crypto_error (error, "EVP_PKEY_new_raw_private_key");
          return DKIMMOD_KEYDER_REFUSED;
        }
      return DKIMMOD_KEYDER_OK;
    }
  return DKIMMOD_KEYDER_OTHER;  /* EC, RSA-PSS, X25519, ...: key.c says what it is */
}

/**
 * dkimmod_keyder_parse_pem:
 * @pem: the text of a key file
 * @len: its length
 * @pkey: (out): the key on DKIMMOD_KEYDER_OK
 * @error: set on DKIMMOD_KEYDER_REFUSED
 *
 * Returns: OK, OTHER (not a form read here: try OSSL_DECODER) or REFUSED.
 */
DkimmodKeyderStatus
dkimmod_keyder_parse_pem (const char *pem, gsize len, EVP_PKEY **pkey, GError **error)
{
  const char *b64, *b64_end;
  gboolean pkcs1 = FALSE;
  DkimmodKeyderStatus status;
  guchar *der;
  gsize der_len = 0, room;

  *pkey = NULL;
  if (pem_block (pem, len, "RSA PRIVATE KEY", &b64, &b64_end))
    pkcs1 = TRUE;
  else if (!pem_block (pem, len, "PRIVATE KEY", &b64, &b64_end))
    return DKIMMOD_KEYDER_OTHER;
  room = (gsize) (b64_end - b64) / 4 * 3 + 3;
  der = g_malloc (room);
  if (!b64_decode (b64, b64_end, der, &der_len))
    status = DKIMMOD_KEYDER_OTHER;  /* OSSL_DECODER says what is wrong */
  else if (pkcs1)
    status = dkimmod_keyder_parse_pkcs1 (der, der_len, pkey, error);
  else
    status = dkimmod_keyder_parse_pkcs8 (der, der_len, pkey, error);
  OPENSSL_cleanse (der, room);
  g_free (der);
  return status;
}

/**
 * dkimmod_keyder_rsa_public:
 * @n: the modulus, big-endian
 * @e: the public exponent, big-endian
 *
 * Returns: (transfer full) (nullable): the public key.
 */
EVP_PKEY *
dkimmod_keyder_rsa_public (const guchar *n, gsize n_len, const guchar *e, gsize e_len)
{
  BIGNUM *bn_n = BN_bin2bn (n, (int) n_len, NULL);
  BIGNUM *bn_e = BN_bin2bn (e, (int) e_len, NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new ();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;

  if (bn_n != NULL && bn_e != NULL && bld != NULL
      && OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1
      && OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1
      && (params = OSSL_PARAM_BLD_to_param (bld)) != NULL
      && (ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL)) != NULL
      && EVP_PKEY_fromdata_init (ctx) == 1
      && EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    pkey = NULL;
  ERR_clear_error ();
  OSSL_PARAM_free (params);
  OSSL_PARAM_BLD_free (bld);
  EVP_PKEY_CTX_free (ctx);
  BN_free (bn_n);
  BN_free (bn_e);
  return pkey;
}
