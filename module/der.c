/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	der.c - a small bounded reader of DER for key structures
 * SYNOPSIS
 *	dkimmod_der_init, dkimmod_der_at_end, dkimmod_der_element,
 *	dkimmod_der_uint, dkimmod_der_small_uint, dkimmod_der_oid_is
 * DESCRIPTION
 *	Just enough DER to read the key structures DKIM uses, so that they
 *	need not go through OpenSSL 3's decoder framework (about 7 million
 *	instructions for the first private key of a process, 140 µs for a
 *	public key from DNS): SubjectPublicKeyInfo and RSAPublicKey from a
 *	key record (keyrecord.c), RSAPrivateKey and PrivateKeyInfo from a
 *	PEM file (keyder.c). A cursor holds a start and an end; every read
 *	checks against the end first and moves the cursor only on success.
 *	Only single-octet tags (universal, context-specific) are read; a
 *	caller names the tag it expects.
 * STANDARDS
 *	ITU-T X.690 (08/2015) sections 8.1.3 (length octets), 8.3 (INTEGER),
 *	8.19 (OBJECT IDENTIFIER), 10.1 (DER: the definite form with the
 *	minimum number of length octets), 8.3.2 (no redundant leading octet
 *	in an INTEGER).
 * SECURITY
 *	Input is hostile (DNS, or a key file of the wrong kind). Refused:
 *	the indefinite length form, lengths in non-minimal form (long form
 *	for a length under 128, leading zero length octets), more than 3
 *	length octets (DKIMMOD_DER_MAX_LENGTH), a length past the end of its
 *	container, negative INTEGERs and INTEGERs with a redundant leading
 *	octet. Nothing is allocated; no pointer outside [p, end) is formed.
 * NEVER
 *	Read past the cursor's end, allocate, recurse, accept BER-only forms,
 *	or interpret a structure (that is the caller's job).
 */
#include <string.h>

#include "der-private.h"

/**
 * dkimmod_der_init:
 * @d: (out caller-allocates): the cursor
 * @data: DER bytes
 * @len: their length
 */
void
dkimmod_der_init (DkimmodDer *d, const guchar *data, gsize len)
{
  d->p = data;
  d->end = data + len;
}

/**
 * dkimmod_der_at_end:
 *
 * Returns: TRUE when the cursor has nothing left.
 */
gboolean
dkimmod_der_at_end (const DkimmodDer *d)
{
  return d->p == d->end;
}

/**
 * dkimmod_der_element:
 * @d: the cursor, moved past the element on success
 * @tag: the identifier octet expected
 * @inner: (out caller-allocates): a cursor over the contents
 *
 * Returns: TRUE when the next element has tag @tag and a length in
 *   minimal definite form that fits in @d.
 */
gboolean
dkimmod_der_element (DkimmodDer *d, guchar tag, DkimmodDer *inner)
{
  const guchar *p = d->p;
  gsize avail = (gsize) (d->end - d->p);
  gsize len, used = 2;

  if (avail < 2 || p[0] != tag)
    return FALSE;
  len = p[1];
  if (len & 0x80)
    {
      guint n = len & 0x7f;

      /* 0x80 is the indefinite form (BER only); 0xff is reserved. */
      if (n == 0 || n > 3 || avail - 2 < n || p[2] == 0)
        return FALSE;
      len = 0;
      for (guint k = 0; k < n; k++)
        len = (len << 8) | p[2 + k];
      if (len < 0x80)
        return FALSE;  /* fits the short form */
      used += n;
    }
  if (len > avail - used)
    return FALSE;
  inner->p = p + used;
  inner->end = p + used + len;
  d->p = inner->end;
  return TRUE;
}

/**
 * dkimmod_der_uint:
 * @d: the cursor
 * @value: (out caller-allocates): the magnitude, big-endian, without a
 *   leading zero octet (one octet 0 for zero)
 *
 * Returns: TRUE for a non-negative INTEGER in minimal form.
 */
gboolean
dkimmod_der_uint (DkimmodDer *d, DkimmodDer *value)
{
  DkimmodDer save = *d, v;

  if (!dkimmod_der_element (d, 0x02, &v) || v.p == v.end || (v.p[0] & 0x80))
    {
      *d = save;
      return FALSE;
    }
  if (v.end - v.p > 1 && v.p[0] == 0)
    {
      if (!(v.p[1] & 0x80))
        {
          *d = save;
          return FALSE;  /* redundant leading zero (X.690 8.3.2) */
        }
      v.p++;
    }
  *value = v;
  return TRUE;
}

/**
 * dkimmod_der_small_uint:
 *
 * Returns: TRUE for a non-negative INTEGER below 2^32 in minimal form.
 */
gboolean
dkimmod_der_small_uint (DkimmodDer *d, guint32 *value)
{
  DkimmodDer save = *d, v;
  guint32 n = 0;

  if (!dkimmod_der_uint (d, &v) || v.end - v.p > 4)
    {
      *d = save;
      return FALSE;
    }
  for (; v.p < v.end; v.p++)
    n = (n << 8) | *v.p;
  *value = n;
  return TRUE;
}

/**
 * dkimmod_der_oid_is:
 * @oid: the encoded contents of the OBJECT IDENTIFIER expected
 *
 * Returns: TRUE, the cursor moved past it, when the next element is that
 *   OBJECT IDENTIFIER.
 */
gboolean
dkimmod_der_oid_is (DkimmodDer *d, const guchar *oid, gsize oid_len)
{
  DkimmodDer save = *d, v;

  if (!dkimmod_der_element (d, 0x06, &v) || (gsize) (v.end - v.p) != oid_len
      || memcmp (v.p, oid, oid_len) != 0)
    {
      *d = save;
      return FALSE;
    }
  return TRUE;
}
