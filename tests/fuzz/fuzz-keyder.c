/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-keyder.c - fuzz the DER reader and the private key parser
 * DESCRIPTION
 *	The first byte picks the entry point, the rest is the input:
 *	0 the PEM parser (dkimmod_keyder_parse_pem), 1 a DER RSAPrivateKey,
 *	2 a DER PrivateKeyInfo, 3 a walk of der.c alone (every element, every
 *	INTEGER). Checked: a status is one of the three, OK comes with a key
 *	and no error, REFUSED with an error and no key, OTHER with neither;
 *	a walk never leaves [data, data + size).
 * STANDARDS
 *	ITU-T X.690; RFC 8017 A.1.2; RFC 5208; RFC 8410.
 */
#include <glib.h>
#include <openssl/evp.h>

#include "der-private.h"
#include "error-private.h"
#include "fuzz.h"
#include "keyder-private.h"

/* walk - every element and INTEGER of D, recursing into constructed ones
 * to DEPTH */
static void
walk (DkimmodDer d, const guchar *lo, const guchar *hi, guint depth)
{
  while (!dkimmod_der_at_end (&d))
    {
      DkimmodDer inner, v, save = d;
      guchar tag = d.p[0];

      if (dkimmod_der_uint (&d, &v))
        {
          fuzz_check (v.p >= lo && v.end <= hi && v.p < v.end);
          continue;
        }
      fuzz_check (d.p == save.p);
      if (!dkimmod_der_element (&d, tag, &inner))
        {
          fuzz_check (d.p == save.p);
          return;
        }
      fuzz_check (inner.p >= lo && inner.end <= hi && inner.p <= inner.end && d.p == inner.end);
      if ((tag & 0x20) && depth < 8)
        walk (inner, lo, hi, depth + 1);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  EVP_PKEY *pkey = NULL;
  DkimmodKeyderStatus st;
  DkimmodDer d;

  if (size < 1)
    return 0;
  switch (data[0] & 3)
    {
    case 0:
      st = dkimmod_keyder_parse_pem ((const char *) data + 1, size - 1, &pkey, &error);
      break;
    case 1:
      st = dkimmod_keyder_parse_pkcs1 (data + 1, size - 1, &pkey, &error);
      break;
    case 2:
      st = dkimmod_keyder_parse_pkcs8 (data + 1, size - 1, &pkey, &error);
      break;
    default:
      dkimmod_der_init (&d, data + 1, size - 1);
      walk (d, data + 1, data + size, 0);
      return 0;
    }
  fuzz_check (st == DKIMMOD_KEYDER_OK || st == DKIMMOD_KEYDER_OTHER
              || st == DKIMMOD_KEYDER_REFUSED);
  fuzz_check ((st == DKIMMOD_KEYDER_OK) == (pkey != NULL));
  fuzz_check ((st == DKIMMOD_KEYDER_REFUSED) == (error != NULL));
  EVP_PKEY_free (pkey);
  return 0;
}
