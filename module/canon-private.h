/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	canon-private.h - DKIM canonicalization and body hashing (private)
 * DESCRIPTION
 *	Header fields are canonicalized whole (they are small and bounded);
 *	the body is canonicalized and hashed as it streams in, in chunks cut
 *	anywhere, with memory constant in the body size. Used by the signer
 *	and the verifier.
 */
#ifndef DKIMMOD_CANON_PRIVATE_H
#define DKIMMOD_CANON_PRIVATE_H

#include "error-private.h"

G_BEGIN_DECLS

/* Appends FIELD ("Name: value", with or without its final CRLF) in
 * canonical form, always ending in CRLF, to OUT. FALSE (OUT untouched)
 * when FIELD has no valid name and colon. */
gboolean dkimmod_canon_header (DkimmodCanon canon, const char *field, gsize len, GString *out);

typedef struct DkimmodBodyHash DkimmodBodyHash;

/* MD is the digest (EVP_sha256 ()); NULL collects the canonical body in
 * memory instead (tests and diagnostics only). */
DkimmodBodyHash *dkimmod_body_hash_new (DkimmodCanon canon, const EVP_MD *md, GError **error);
void dkimmod_body_hash_free (DkimmodBodyHash *bh);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodBodyHash, dkimmod_body_hash_free)
/* Only the first LIMIT canonical bytes are hashed (the verifier's l=). */
void dkimmod_body_hash_set_limit (DkimmodBodyHash *bh, guint64 limit);
/* Feeds body bytes (CRLF lines) cut anywhere. */
void dkimmod_body_hash_update (DkimmodBodyHash *bh, const void *data, gsize len);
/* Ends the body and writes the digest (at most EVP_MAX_MD_SIZE bytes);
 * no update afterwards. */
gboolean dkimmod_body_hash_finish (DkimmodBodyHash *bh, guchar *digest, guint *digest_len,
                                   GError **error);
/* Canonical body length (all of it, not capped by the limit); complete
 * only after finish. */
guint64 dkimmod_body_hash_length (const DkimmodBodyHash *bh);
/* The canonical body when MD was NULL (owned by BH), else NULL. */
GByteArray *dkimmod_body_hash_collected (DkimmodBodyHash *bh);
DkimmodCanon dkimmod_body_hash_canon (const DkimmodBodyHash *bh);

G_END_DECLS

#endif /* DKIMMOD_CANON_PRIVATE_H */
