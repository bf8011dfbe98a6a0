/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	der-private.h - a small bounded reader of DER (ITU-T X.690) for keys (der.c)
 */
#ifndef DKIMMOD_DER_PRIVATE_H
#define DKIMMOD_DER_PRIVATE_H

#include <glib.h>

G_BEGIN_DECLS

/* A cursor over DER bytes: reads never go past END. */
typedef struct {
  const guchar *p;
  const guchar *end;
} DkimmodDer;

/* The longest contents the reader accepts (3 length octets). */
#define DKIMMOD_DER_MAX_LENGTH 0xffffffu

void dkimmod_der_init (DkimmodDer *d, const guchar *data, gsize len);
/* TRUE when nothing is left. */
gboolean dkimmod_der_at_end (const DkimmodDer *d);
/* The next element if its tag is TAG (no multi-octet tags), contents into
 * *INNER; its length must be in minimal DER form. */
gboolean dkimmod_der_element (DkimmodDer *d, guchar tag, DkimmodDer *inner);
/* A non-negative INTEGER in minimal form; *VALUE gets its magnitude
 * without the sign octet (at least one octet; 0 is one zero octet). */
gboolean dkimmod_der_uint (DkimmodDer *d, DkimmodDer *value);
/* A non-negative INTEGER of at most 4 octets, e.g. a version. */
gboolean dkimmod_der_small_uint (DkimmodDer *d, guint32 *value);
/* An OBJECT IDENTIFIER equal to the encoded OID bytes. */
gboolean dkimmod_der_oid_is (DkimmodDer *d, const guchar *oid, gsize oid_len);

G_END_DECLS

#endif /* DKIMMOD_DER_PRIVATE_H */
