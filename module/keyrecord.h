/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyrecord.h - DKIM public key records (private)
 * DESCRIPTION
 *	Parses one TXT record text ("v=DKIM1; k=rsa; p=...") into a public key
 *	and its restrictions. Problems are DKIMMOD_RECORD_ERROR codes
 *	(tagparse.h) whose message is the reason a postmaster reads.
 */
#ifndef DKIMMOD_KEYRECORD_H
#define DKIMMOD_KEYRECORD_H

#include <glib.h>
#include <openssl/evp.h>

#include "tagparse.h"

G_BEGIN_DECLS

/* p= after FWS removal: base64 of an 8192-bit SPKI is about 1.4 KB, so
 * 4096 leaves room and stops absurd records early (rspamd's bound). */
#define DKIMMOD_LIMIT_KEY_P_CHARS 4096u
/* One key record, all strings concatenated. */
#define DKIMMOD_LIMIT_KEY_RECORD_BYTES 8192u
/* RFC 8301 bounds (mirroring limits-private.h for the verifier). */
#define DKIMMOD_VERIFY_RSA_MIN_BITS 1024u
#define DKIMMOD_VERIFY_RSA_MAX_BITS 8192u

typedef enum {
  DKIMMOD_KEY_TYPE_RSA,
  DKIMMOD_KEY_TYPE_ED25519,
} DkimmodKeyType;

/* Bits of DkimmodKeyRecord.hashes (h= tag). */
#define DKIMMOD_KEY_HASH_SHA1   (1u << 0)
#define DKIMMOD_KEY_HASH_SHA256 (1u << 1)

/* A parsed record is never changed: a context's cache (keyrecord-cache.c)
 * hands the same one to every verifier, each holding a reference. */
typedef struct {
  gint ref;          /* atomic (g_atomic_int_*, inline, so ThreadSanitizer
                        sees the ordering that OpenSSL's own count hides) */
  DkimmodKeyType type;
  EVP_PKEY *pkey;
  guint bits;        /* RSA modulus size; 256 for Ed25519 */
  guint hashes;      /* allowed hashes; both when h= is absent */
  gboolean testing;  /* t=y */
  gboolean strict;   /* t=s: i= domain must equal d= */
} DkimmodKeyRecord;

/* Parses TXT (LEN bytes). On DKIMMOD_RECORD_ERROR_POLICY (RSA key under
 * 1024 bits) *BITS_OUT still receives the size; it may be NULL. */
DkimmodKeyRecord *dkimmod_key_record_parse (const char *txt, gsize len, guint *bits_out,
                                            GError **error);
/* A new reference to REC (any thread). */
DkimmodKeyRecord *dkimmod_key_record_ref (DkimmodKeyRecord *rec);
/* Drops one reference; the last frees the record and its key (any thread). */
void dkimmod_key_record_unref (DkimmodKeyRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodKeyRecord, dkimmod_key_record_unref)

/* Decodes strict RFC 4648 base64 (no whitespace, padding required).
 * Returns NULL on any bad character or length (transfer full). */
GBytes *dkimmod_base64_decode_strict (const char *s, gsize len);

G_END_DECLS

#endif /* DKIMMOD_KEYRECORD_H */
