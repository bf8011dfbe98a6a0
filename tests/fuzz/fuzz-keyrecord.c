/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-keyrecord.c - fuzz the DKIM key record parser
 * DESCRIPTION
 *	The input is the text of a TXT record under _domainkey, which any
 *	domain owner controls: tags, base64 p= and the DER SubjectPublicKeyInfo
 *	inside it (the bounds-checked reader in keyrecord.c). Also the
 *	strict base64 decoder on its own.
 * STANDARDS
 *	RFC 6376 section 3.6.1; RFC 8301; RFC 8463.
 */
#include <glib.h>

#include "fuzz.h"
#include "keyrecord.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodKeyRecord) rec = NULL;
  g_autoptr (GBytes) raw = NULL;
  guint bits = 0;

  rec = dkimmod_key_record_parse (text, size, &bits, &error);
  if (rec == NULL)
    fuzz_check (error != NULL && error->domain == DKIMMOD_RECORD_ERROR);
  else
    {
      fuzz_check (error == NULL && rec->pkey != NULL);
      /* h= naming no known hash parses; no signature can use the key */
      fuzz_check ((rec->hashes & ~(DKIMMOD_KEY_HASH_SHA1 | DKIMMOD_KEY_HASH_SHA256)) == 0);
      if (rec->type == DKIMMOD_KEY_TYPE_RSA)
        fuzz_check (rec->bits >= DKIMMOD_VERIFY_RSA_MIN_BITS
                    && rec->bits <= DKIMMOD_VERIFY_RSA_MAX_BITS);
      else
        fuzz_check (rec->bits == 256);
    }
  raw = dkimmod_base64_decode_strict (text, size);
  if (raw != NULL)
    fuzz_check (g_bytes_get_size (raw) <= size / 4 * 3);
  return 0;
}
