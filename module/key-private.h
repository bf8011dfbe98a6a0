/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	key-private.h - parsed private keys (private)
 * DESCRIPTION
 *	A DkimmodKey wraps one EVP_PKEY parsed once and shared (atomically refcounted)
 *	by every signature that uses it, across threads: OpenSSL 3 allows
 *	concurrent signing with one EVP_PKEY.
 */
#ifndef DKIMMOD_KEY_PRIVATE_H
#define DKIMMOD_KEY_PRIVATE_H

#include <sys/stat.h>
#include <sys/types.h>

#include "error-private.h"

G_BEGIN_DECLS

struct DkimmodKey {
  gatomicrefcount ref;   /* atomic: shared across threads (dkimmod.h THREADS) */
  EVP_PKEY *pkey;
  DkimmodAlgorithm algorithm;  /* RSA_SHA256 or ED25519_SHA256 */
  unsigned bits;
};

/* Parses PEM bytes into a key, checking type and size. */
DkimmodKey *dkimmod_key_parse_pem (const char *pem, gsize len, GError **error);
/* Reads and parses PATH, checking its mode first. */
DkimmodKey *dkimmod_key_read_file (const char *path, unsigned flags, GError **error);
/* key-access.c: refuses a file owned by a uid other than root or the effective uid. */
gboolean dkimmod_key_check_owner (const char *path, uid_t owner, unsigned mode, GError **error);
/* Refuses a file readable by others, or by a group not ours (unless
 * FLAGS allow reading by it). */
gboolean dkimmod_key_check_mode (const char *path, unsigned mode, gid_t group, unsigned flags,
                                 GError **error);
/* The whole rule for the key opened as PATH (ST from fstat): owner,
 * mode, and every directory and symbolic link on its resolved path. */
gboolean dkimmod_key_check_access (const char *path, const struct stat *st, unsigned flags,
                                   GError **error);
/* Which component of PATH denies the effective ids access, and the fix
 * (after open(2) said EACCES). */
char *dkimmod_path_explain_denied (const char *path);
/* Signs DATA: RSASSA-PKCS1-v1_5 with SHA-256 for RSA keys; for Ed25519
 * DATA must already be the SHA-256 digest (RFC 8463 section 3). */
GBytes *dkimmod_key_sign (const DkimmodKey *key, const guchar *data, gsize len, GError **error);

G_END_DECLS

#endif /* DKIMMOD_KEY_PRIVATE_H */
