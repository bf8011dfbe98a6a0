/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	tagspec-private.h - the DKIM-Signature field text (private)
 */
#ifndef DKIMMOD_TAGSPEC_PRIVATE_H
#define DKIMMOD_TAGSPEC_PRIVATE_H

#include "error-private.h"

G_BEGIN_DECLS

/* Lines of the emitted field are at most this many columns (a TAB that
 * starts a continuation line counts as 8). */
#define DKIMMOD_FOLD_COLUMNS 78

typedef struct {
  DkimmodAlgorithm algorithm;
  DkimmodCanon header_canon;
  DkimmodCanon body_canon;
  const char *domain;
  const char *selector;
  const char *identity;       /* raw, NULL for none; quoted-printable encoded here */
  gint64 timestamp;           /* t= */
  gint64 expiration;          /* x=, or < 0 for none */
  const GPtrArray *headers;   /* h= names, lower-case */
  const char *body_hash;      /* bh=, base64 */
} DkimmodTagSpec;

/* "DKIM-Signature: v=1; a=...; ...; bh=...; b=" folded, without CRLF:
 * exactly the text the header hash covers (RFC 6376 3.7). */
GString *dkimmod_tagspec_format (const DkimmodTagSpec *ts);
/* Appends the b= value (folded anywhere) and the final CRLF. */
void dkimmod_tagspec_append_b (GString *field, const char *b64);
/* RFC 6376 2.11 dkim-quoted-printable of S (transfer full). */
char *dkimmod_tagspec_qp_encode (const char *s);

G_END_DECLS

#endif /* DKIMMOD_TAGSPEC_PRIVATE_H */
