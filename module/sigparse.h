/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	sigparse.h - DKIM-Signature tag list into a signature (private)
 * DESCRIPTION
 *	The verifier's side of tagspec-private.h: reads what a signer wrote.
 *	Every problem found here is a permerror (RFC 6376 6.1.1); the
 *	GError message (DKIMMOD_RECORD_ERROR domain) is the reason a
 *	postmaster reads.
 */
#ifndef DKIMMOD_SIGPARSE_H
#define DKIMMOD_SIGPARSE_H

#include <glib.h>
#include <openssl/evp.h>

#include "dkimmod.h"
#include "header-private.h"
#include "tagparse.h"

G_BEGIN_DECLS

/* Names in one h= list we are willing to hash (oversigning doubles a
 * normal list; 512 is far above any real signer). */
#define DKIMMOD_VERIFY_LIMIT_H_NAMES 512u

/* The three fields that share DKIM-Signature's tag set: a
 * DKIM-Signature, an ARC-Message-Signature (RFC 8617 4.1.2: no v=, i= is
 * the instance) and an ARC-Seal (4.1.3: i= and cv=, no h=, bh=, c= or
 * l=). */
typedef enum {
  DKIMMOD_SIG_DKIM,
  DKIMMOD_SIG_AMS,
  DKIMMOD_SIG_AS,
} DkimmodSigKind;

/* An ARC-Seal's cv= (RFC 8617 4.1.3). */
typedef enum {
  DKIMMOD_ARC_CV_NONE,
  DKIMMOD_ARC_CV_FAIL,
  DKIMMOD_ARC_CV_PASS,
} DkimmodArcCv;

/* ARC instances (RFC 8617 4.2.1: i= is 1 to 50). */
#define DKIMMOD_ARC_MAX_INSTANCE 50u

/* One parsed DKIM-Signature, AMS or AS. Fields are filled in tag order as
 * parsing goes, so a signature that failed still reports what was read
 * (d=, s=). */
typedef struct {
  char *domain, *identity, *selector, *algorithm_name, *b;
  DkimmodAlgorithm alg;
  DkimmodCanon hcanon, bcanon;
  GPtrArray *h;              /* lower-case names (AMS: may be empty or hold "") */
  GBytes *bh, *sig;
  gint64 l;                  /* -1 when absent */
  guint instance;            /* AMS, AS: i= (1..50); DKIM: 0 (identity is NULL) */
  DkimmodArcCv cv;           /* AS only */
} DkimmodSigSpec;

/* The tag-list of a DKIM-Signature field F (its final CRLF excluded). */
gboolean dkimmod_sigparse_field_tags (const DkimmodHeaderField *f, DkimmodTagList *tags,
                                      GError **error);
/* Fills SPEC from TAGS; NOW and CLOCK_DRIFT judge t= and x=. FALSE with
 * ERROR set (the permerror reason) on any problem. */
gboolean dkimmod_sigparse (const DkimmodTagList *tags, gint64 now, gint64 clock_drift,
                           DkimmodSigSpec *spec, GError **error);
/* As dkimmod_sigparse for a field of KIND: the tags RFC 8617 requires
 * of an AMS or AS, i= as the instance, cv=; an AMS h= may be empty and
 * must not name ARC-Seal, an AS must have no h=. */
gboolean dkimmod_sigparse_kind (const DkimmodTagList *tags, DkimmodSigKind kind, gint64 now,
                                gint64 clock_drift, DkimmodSigSpec *spec, GError **error);
/* The instance of an ARC field: one or two decimal digits (RFC 8617
 * 4.2.1 i-value) worth 1 to 50; 0 when it is not one. */
guint dkimmod_sigparse_instance (const char *value, gsize len);
void dkimmod_sigspec_clear (DkimmodSigSpec *spec);
/* The digest a= names. */
const EVP_MD *dkimmod_sigspec_md (const DkimmodSigSpec *spec);
/* The i= domain equals d= (EXACT) or is d= or a subdomain of it. */
gboolean dkimmod_sigparse_identity_within_domain (const char *identity, const char *domain,
                                                  gboolean exact);

G_END_DECLS

#endif /* DKIMMOD_SIGPARSE_H */
