/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	error-private.h - the library's GError domain and OpenSSL cleanups
 * DESCRIPTION
 *	Inside the library faults travel as GError in DKIMMOD_ERROR, whose
 *	codes are the public DkimmodStatus values; at the public boundary they
 *	are copied into a caller's DkimmodError. Also defines g_autoptr()
 *	cleanups for the OpenSSL types the module uses, once.
 * NEVER
 *	Installed: private to module/, spawn/, tools/ and tests/.
 */
#ifndef DKIMMOD_ERROR_PRIVATE_H
#define DKIMMOD_ERROR_PRIVATE_H

#include <glib.h>
#include <openssl/bio.h>
#include <openssl/evp.h>

#include "dkimmod.h"

G_BEGIN_DECLS

#define DKIMMOD_ERROR (dkimmod_error_quark ())
GQuark dkimmod_error_quark (void);

/* Copies ERROR (may be NULL: then OK) into ERR (may be NULL). */
void dkimmod_error_set (DkimmodError *err, const GError *error);
/* Copies ERROR into ERR, frees ERROR, returns -1 (for "return ..."). */
int dkimmod_error_take (DkimmodError *err, GError *error);
/* Sets ERR to CODE and the formatted message, returns -1 (for "return
 * ..." in the public functions that report faults). */
int dkimmod_error_fault (DkimmodError *err, DkimmodStatus code, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);
/* Clears ERR to DKIMMOD_OK with an empty message. */
void dkimmod_error_clear (DkimmodError *err);
/* Appends the oldest OpenSSL error queue entry to a message, then clears
 * the queue (so one failure never leaks into the next call's report). */
void dkimmod_set_crypto_error (GError **error, const char *what);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

G_END_DECLS

#endif /* DKIMMOD_ERROR_PRIVATE_H */
