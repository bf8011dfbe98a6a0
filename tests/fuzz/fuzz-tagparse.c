/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-tagparse.c - fuzz the RFC 6376 tag-list parser
 * DESCRIPTION
 *	The input is a DKIM-Signature value (or key record) as it comes off
 *	the wire. Every tag found must lie inside the input, and the value
 *	helpers must work on each.
 * STANDARDS
 *	RFC 6376 section 3.2.
 */
#include <string.h>
#include <glib.h>

#include "fuzz.h"
#include "tagparse.h"

/* inside - SPAN of LEN bytes lies within [BASE, BASE+SIZE) */
static gboolean
inside (const char *span, gsize len, const char *base, gsize size)
{
  return len == 0 || (span >= base && len <= size && (gsize) (span - base) <= size - len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  DkimmodTagList list;
  g_autoptr (GError) error = NULL;

  if (!dkimmod_tag_list_parse (text, size, &list, &error))
    {
      fuzz_check (error != NULL && error->domain == DKIMMOD_RECORD_ERROR);
      return 0;
    }
  fuzz_check (list.n_tags <= DKIMMOD_LIMIT_TAGS);
  for (guint i = 0; i < list.n_tags; i++)
    {
      const DkimmodTag *t = &list.tags[i];
      g_autofree char *name = g_strndup (t->name, t->name_len);
      g_autofree char *stripped = dkimmod_tag_value_strip_fws (t);
      g_autofree char *dup = dkimmod_tag_value_dup (t);

      fuzz_check (inside (t->name, t->name_len, text, size));
      fuzz_check (inside (t->value, t->value_len, text, size));
      fuzz_check (inside (t->raw_value, t->raw_value_len, text, size));
      fuzz_check (t->name_len > 0);
      fuzz_check (strlen (stripped) <= t->value_len);
      /* Names are unique, so the lookup finds this very tag. */
      fuzz_check (dkimmod_tag_list_find (&list, name) == t);
      (void) dkimmod_tag_value_equal (t, dup);
    }
  return 0;
}
