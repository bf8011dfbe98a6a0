/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyder-private.h - private keys from PEM without OSSL_DECODER (keyder.c)
 */
#ifndef DKIMMOD_KEYDER_PRIVATE_H
#define DKIMMOD_KEYDER_PRIVATE_H

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* What dkimmod_keyder_parse_pem made of the text. */
typedef enum {
  DKIMMOD_KEYDER_OK,        /* *PKEY set */
  DKIMMOD_KEYDER_OTHER,     /* not a form read here: use OSSL_DECODER */
  DKIMMOD_KEYDER_REFUSED,   /* a form read here, but inconsistent (*ERROR set) */
} DkimmodKeyderStatus;

/* PKCS#1 RSAPrivateKey ("BEGIN RSA PRIVATE KEY") or PKCS#8 PrivateKeyInfo
 * ("BEGIN PRIVATE KEY", RSA or Ed25519) from PEM text of LEN bytes. */
DkimmodKeyderStatus dkimmod_keyder_parse_pem (const char *pem, gsize len, EVP_PKEY **pkey,
                                              GError **error);
/* The same from DER bytes of the given structure (tests, fuzzing). */
DkimmodKeyderStatus dkimmod_keyder_parse_pkcs1 (const guchar *der, gsize len, EVP_PKEY **pkey,
                                                GError **error);
DkimmodKeyderStatus dkimmod_keyder_parse_pkcs8 (const guchar *der, gsize len, EVP_PKEY **pkey,
                                                GError **error);
/* An RSA public key from the big-endian magnitudes of N and E. */
EVP_PKEY *dkimmod_keyder_rsa_public (const guchar *n, gsize n_len, const guchar *e, gsize e_len);

G_END_DECLS

#endif /* DKIMMOD_KEYDER_PRIVATE_H */
