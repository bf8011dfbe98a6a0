/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	ref-sign.c - the minimal signing process: the floor for dkimmod sign
 * SYNOPSIS
 *	ref-sign KEYFILE < message > signed-message
 * DESCRIPTION
 *	The reference of issue 4 for the per-process cost: links OpenSSL only,
 *	parses the PEM private key (RSA or Ed25519), reads the message, hashes
 *	it with SHA-256, signs the digest (RSA PKCS#1 v1.5, or Ed25519 over
 *	the 32-byte digest as RFC 8463 does), and writes a header line with
 *	the base64 signature followed by the message. No canonicalization, no
 *	configuration: what any signing process pays at the least, so that
 *	run-all.sh can compare the CPU time of `dkimmod sign` with it in the
 *	same run. A measurement program, not part of dkimmod.
 * DIAGNOSTICS
 *	Exit 1 on any error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

int
main (int argc, char **argv)
{
  static unsigned char msg[1 << 20];
  unsigned char md[EVP_MAX_MD_SIZE], sig[1024], b64[1400];
  unsigned int mdlen;
  size_t len = 0, got, siglen = sizeof sig;
  EVP_PKEY *key;
  EVP_PKEY_CTX *pctx;
  FILE *f;
  int ok;

  if (argc != 2 || (f = fopen (argv[1], "r")) == NULL)
    return 1;
  key = PEM_read_PrivateKey (f, NULL, NULL, NULL);
  fclose (f);
  if (key == NULL)
    return 1;
  while ((got = fread (msg + len, 1, sizeof msg - len, stdin)) > 0)
    len += got;
  if (!EVP_Digest (msg, len, md, &mdlen, EVP_sha256 (), NULL))
    return 1;
  if (EVP_PKEY_get_id (key) == EVP_PKEY_ED25519)
    {
      /* Ed25519 signs the digest itself (pure EdDSA, RFC 8463 section 3) */
      EVP_MD_CTX *mctx = EVP_MD_CTX_new ();

      ok = EVP_DigestSignInit (mctx, NULL, NULL, NULL, key) == 1
           && EVP_DigestSign (mctx, sig, &siglen, md, mdlen) == 1;
      EVP_MD_CTX_free (mctx);
    }
  else
    {
      pctx = EVP_PKEY_CTX_new (key, NULL);
      ok = pctx != NULL && EVP_PKEY_sign_init (pctx) == 1
           && EVP_PKEY_CTX_set_signature_md (pctx, EVP_sha256 ()) == 1
           && EVP_PKEY_sign (pctx, sig, &siglen, md, mdlen) == 1;
      EVP_PKEY_CTX_free (pctx);
    }
  if (!ok)
    return 1;
  EVP_EncodeBlock (b64, sig, (int) siglen);
  printf ("X-Ref-Signature: b=%s\r\n", b64);
  fwrite (msg, 1, len, stdout);
  EVP_PKEY_free (key);
  return fflush (stdout) == 0 ? 0 : 1;
}
