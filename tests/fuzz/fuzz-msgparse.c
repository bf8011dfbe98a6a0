/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-msgparse.c - fuzz header field splitting and address parsing
 * DESCRIPTION
 *	Input: one control byte (chunk pattern), then a raw message. The
 *	header block is split once fed whole and once fed in chunks cut
 *	anywhere; both must give the same fields, the same bytes consumed and
 *	the same error. The fields concatenated must be exactly the bytes
 *	consumed (minus the empty line): nothing lost, nothing added, so a
 *	signature covers what is sent. Each field then goes through
 *	dkimmod_header_split and relaxed canonicalization, and From/Sender
 *	through the RFC 5322 address tokenizer.
 * STANDARDS
 *	RFC 5322 sections 2.2, 3.4; RFC 6376 section 3.4.2.
 */
#include <string.h>
#include <glib.h>

#include "canon-private.h"
#include "fuzz.h"
#include "msgparse.h"

typedef struct {
  DkimmodMsgParser *p;
  gsize consumed;
  gboolean done;
  gboolean failed;
} Run;

/* run - feeds DATA in chunks of PATTERN (0: whole) */
static void
run (Run *r, const char *data, gsize len, guint pattern)
{
  gsize off = 0, step = 1;

  r->p = dkimmod_msgparser_new ();
  while (off < len && !r->done)
    {
      g_autoptr (GError) error = NULL;
      gsize n = pattern == 0 ? len - off : MIN (step, len - off);
      gsize used = dkimmod_msgparser_feed (r->p, data + off, n, &r->done, &error);

      if (used == (gsize) -1)
        {
          fuzz_check (error != NULL);
          r->failed = TRUE;
          return;
        }
      fuzz_check (used <= n);
      fuzz_check (r->done || used == n);
      r->consumed += used;
      off += used;
      step = step % MAX (pattern, 1) + 1;
    }
  if (!r->done)
    dkimmod_msgparser_finish (r->p);
}

/* check_fields - per-field helpers on every field of R */
static void
check_fields (Run *r)
{
  GPtrArray *fields = dkimmod_msgparser_fields (r->p);

  for (guint i = 0; i < fields->len; i++)
    {
      gsize len, name_len, value_off;
      const char *f = g_bytes_get_data (fields->pdata[i], &len);
      g_autoptr (GString) out = g_string_new (NULL);

      if (dkimmod_header_split (f, len, &name_len, &value_off))
        {
          fuzz_check (name_len > 0 && name_len < value_off && value_off <= len);
          fuzz_check (dkimmod_canon_header (DKIMMOD_CANON_RELAXED, f, len, out));
        }
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *value = dkimmod_msgparser_value (r->p, i ? "Sender" : "From");
      g_autofree char *addr = value ? dkimmod_address_first (value) : NULL;

      if (addr != NULL)
        {
          const char *domain = dkimmod_address_domain (addr);

          fuzz_check (domain >= addr && domain <= addr + strlen (addr));
        }
    }
  (void) dkimmod_msgparser_count (r->p, "DKIM-Signature");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Run whole = { 0 }, cut = { 0 };
  const char *msg;
  gsize len;

  if (size < 1)
    return 0;
  msg = (const char *) data + 1;
  len = size - 1;
  run (&whole, msg, len, 0);
  run (&cut, msg, len, (data[0] & 31) + 1);
  fuzz_check (whole.failed == cut.failed);
  if (!whole.failed)
    {
      GPtrArray *a = dkimmod_msgparser_fields (whole.p);
      GPtrArray *b = dkimmod_msgparser_fields (cut.p);
      g_autoptr (GByteArray) joined = g_byte_array_new ();

      fuzz_check (whole.done == cut.done && whole.consumed == cut.consumed);
      fuzz_check (a->len == b->len);
      for (guint i = 0; i < a->len; i++)
        {
          gsize n;
          const guint8 *f = g_bytes_get_data (a->pdata[i], &n);

          fuzz_check (g_bytes_equal (a->pdata[i], b->pdata[i]));
          g_byte_array_append (joined, f, n);
        }
      /* fields + the empty line (when one ended the block) = consumed */
      fuzz_check (joined->len + (whole.done ? 2 : 0) == whole.consumed);
      fuzz_check (joined->len == 0 || memcmp (joined->data, msg, joined->len) == 0);
      check_fields (&whole);
    }
  dkimmod_msgparser_free (whole.p);
  dkimmod_msgparser_free (cut.p);
  return 0;
}
