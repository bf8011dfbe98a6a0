/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	sigverify.h - what DKIM and ARC signatures share at verification (private)
 * DESCRIPTION
 *	A DKIM-Signature, an ARC-Message-Signature and an ARC-Seal are all
 *	checked the same way once their tags are read (sigparse.c): a header
 *	hash that ends in the field itself with b= emptied, a body hash
 *	shared by every signature with the same (canonicalization, hash,
 *	l=), and a signature checked against each usable key record of
 *	selector._domainkey.domain. verifier.c and arc.c both use these.
 */
#ifndef DKIMMOD_SIGVERIFY_H
#define DKIMMOD_SIGVERIFY_H

#include <glib.h>
#include <openssl/evp.h>

#include "canon-private.h"
#include "header-private.h"
#include "sigparse.h"

G_BEGIN_DECLS

/* Key records tried for one key name (RFC 6376 3.6.2.2: several may be
 * published; more than this is hostile). */
#define DKIMMOD_VERIFY_LIMIT_RECORDS 8u

/* Appends SELF (a signature field) canonicalized by CANON with the value
 * of its tag B emptied and without the final CRLF, the last input of its
 * header hash (RFC 6376 3.7). FALSE when SELF cannot be canonicalized. */
gboolean dkimmod_sigverify_append_self (DkimmodCanon canon, const DkimmodHeaderField *self,
                                        const DkimmodTag *b, GString *data);

/* One body hasher of a set, shared by the signatures with its (canon,
 * digest, limit). */
typedef struct {
  DkimmodCanon canon;
  const EVP_MD *md;
  gint64 limit;              /* -1: whole body */
  DkimmodBodyHash *hash;
  guchar digest[EVP_MAX_MD_SIZE];
  guint digest_len;
  guint64 length;            /* canonical body length, after finish */
} DkimmodBodyEntry;

/* A set of body hashers: a GPtrArray of DkimmodBodyEntry that owns them. */
GPtrArray *dkimmod_body_set_new (void);
/* The hasher for SPEC's (c=, a=, l=), made when the set has none yet and
 * fewer than MAX (0: no bound); NULL without ERROR when it has MAX. */
DkimmodBodyEntry *dkimmod_body_set_entry (GPtrArray *set, const DkimmodSigSpec *spec, guint max,
                                          GError **error);
void dkimmod_body_set_update (GPtrArray *set, const void *data, gsize len);
gboolean dkimmod_body_set_finish (GPtrArray *set, GError **error);
/* The body hash of ENTRY (after finish) equals SPEC's bh=. */
gboolean dkimmod_body_entry_matches (const DkimmodBodyEntry *entry, const DkimmodSigSpec *spec);

/* What trying the key records gave. */
typedef struct {
  guint usable;              /* records that fit the signature */
  guint key_bits;            /* of the last record read, 0 when none */
  gboolean testing;          /* that record's t=y */
  int key_record;            /* index of the record that verified, -1 when none */
} DkimmodKeyOutcome;

/* Tries RECORDS (N TXT records, strings joined) in turn against SPEC's
 * b= over DIGEST until one verifies (RFC 6376 3.6.2.2), each record parsed
 * once per CTX (keyrecord-cache.c; CTX may be NULL). The first problem
 * with a record (DKIMMOD_RECORD_ERROR) goes to *FIRST_ERROR when no
 * record was usable. */
void dkimmod_sigverify_records (DkimmodContext *ctx, const DkimmodSigSpec *spec,
                                const guchar *digest,
                                guint digest_len, const char *const *records, gsize n,
                                DkimmodKeyOutcome *out, GError **first_error);

G_END_DECLS

#endif /* DKIMMOD_SIGVERIFY_H */
