/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-authres.c - fuzz the Authentication-Results removal check
 * DESCRIPTION
 *	A verifier deletes Authentication-Results fields that claim its own
 *	authserv-id (RFC 8601 section 5) before adding its own; any sender
 *	can forge them. The input is "authserv-id NUL field": the field is
 *	checked against that id and against a fixed one. The answer must not
 *	depend on the case of the id.
 * STANDARDS
 *	RFC 8601 sections 2.2 and 5.
 */
#include <string.h>
#include <glib.h>

#include "authres.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  const char *nul = memchr (text, '\0', MIN (size, 256));
  g_autofree char *id = NULL;
  g_autofree char *id_up = NULL;
  const char *field = text;
  size_t len = size;

  if (nul != NULL)
    {
      id = g_strndup (text, nul - text);
      field = nul + 1;
      len = size - (nul - text) - 1;
    }
  else
    id = g_strdup ("mx.example.net");
  /* An exact-length copy, so a read past LEN is caught (never NULL). */
  g_autofree char *copy = g_malloc (MAX (len, 1));
  memcpy (copy, field, len);
  int ours = dkimmod_authres_is_ours (copy, len, id);

  fuzz_check (ours == 0 || ours == 1);
  id_up = g_ascii_strup (id, -1);
  fuzz_check (dkimmod_authres_is_ours (copy, len, id_up) == ours);
  (void) dkimmod_authres_is_ours (copy, len, "example.com");
  return 0;
}
