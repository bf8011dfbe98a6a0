/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	signer-private.h - signer internals reachable by tests
 */
#ifndef DKIMMOD_SIGNER_PRIVATE_H
#define DKIMMOD_SIGNER_PRIVATE_H

#include "error-private.h"

G_BEGIN_DECLS

/* How many body hashes the signer runs: one per distinct (body
 * canonicalization, hash) pair among its signatures. */
guint dkimmod_signer_body_hash_count (const DkimmodSigner *signer);
/* Body bytes fed into body hashes so far, summed over them (so a body
 * hashed twice would show up). */
guint64 dkimmod_signer_body_bytes_hashed (const DkimmodSigner *signer);

/* The b= value (base64) for HEADER_DATA (the canonical signed fields)
 * followed by FIELD (a DKIM-Signature field whose b= value is empty),
 * canonicalized with HEADER_CANON, without its final CRLF. */
char *dkimmod_sign_header_data (const DkimmodKey *key, DkimmodCanon header_canon,
                                const GString *header_data, const char *field, gsize len,
                                GError **error);

/* Checks d= / s= syntax (RFC 6376 3.5: sub-domain *("." sub-domain)). */
gboolean dkimmod_domain_name_valid (const char *name, gsize max);

G_END_DECLS

#endif /* DKIMMOD_SIGNER_PRIVATE_H */
