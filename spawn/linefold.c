/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	linefold.c - shorten lines over smtp_line_length_limit before signing
 * SYNOPSIS
 *	dkimmod_linefold_init, dkimmod_linefold_feed, dkimmod_linefold_finish,
 *	dkimmod_linefold_clear
 * DESCRIPTION
 *	Postfix's smtp client never sends a line longer than
 *	smtp_line_length_limit (998 bytes without the CRLF by default): in
 *	smtp_text_out() (src/smtp/smtp_proto.c) it writes the first LIMIT
 *	bytes, then CRLF, then a SPACE, then up to LIMIT - 1 further bytes,
 *	and so on; a piece that ends exactly at the end of the line gets no
 *	SPACE. Header lines (one physical line at a time) and body lines are
 *	treated alike. Postfix 3.7.11 (Debian 12) and the current source
 *	(3.12 snapshots) do the same; both log "breaking line > N bytes with
 *	<CR><LF>SPACE" once per message. If that happens after we signed,
 *	simple canonicalization and the body hash of relaxed both break.
 *
 *	So, when signing, the message is given the shape it will leave in
 *	before it is hashed and spooled. After this transformer no line is
 *	longer than LIMIT, so the outbound smtp client (with the same limit)
 *	sends the bytes we signed unchanged:
 *	  - header lines (up to the first empty line) longer than LIMIT are
 *	    folded (RFC 5322 section 2.2.3): a CRLF goes in before the last
 *	    SP or HTAB that keeps the line at most LIMIT bytes and leaves at
 *	    least one non-blank byte on it. Unfolding restores the field, so
 *	    no reader sees a difference. A line with no such blank is broken
 *	    as Postfix breaks it (LIMIT bytes, CRLF SP);
 *	  - body lines longer than LIMIT are broken exactly as Postfix does.
 *	A line ends at CRLF; a bare CR is a content byte and counts, as in
 *	Postfix (a bare LF also ends a line, though data.c has already made
 *	every bare LF a CRLF).
 *
 *	Not reproduced: Postfix keeps a line longer than line_length_limit
 *	(2048) in several queue records, and a record that ends exactly
 *	where a piece ends makes it add a SPACE followed by an empty rest
 *	(a line holding one SPACE): a line of exactly LIMIT + k * (LIMIT - 1)
 *	bytes that is also a multiple of the record size. Postfix alone
 *	would send that one extra line; we do not. The signature is not
 *	affected: our output has no line over LIMIT (nor over 2048), so it
 *	is queued in single records and the smtp client changes nothing.
 * STANDARDS
 *	RFC 5322 sections 2.1.1 (998 characters) and 2.2.3 (folding);
 *	RFC 5321 section 4.5.3.1.6 (text line 1000 octets with CRLF).
 * SECURITY
 *	Memory is bounded by LIMIT + 1 bytes (the header line held back to
 *	find a place to fold); the body is passed on as it arrives.
 */
#include "linefold.h"

#include <string.h>

#define IS_BLANK(c) ((c) == ' ' || (c) == '\t')

void
dkimmod_linefold_init (DkimmodLinefold *f, guint limit)
{
  memset (f, 0, sizeof *f);
  f->limit = limit;
  f->hold = g_string_sized_new (limit > 0 && limit < 4096 ? limit + 2 : 256);
}

void
dkimmod_linefold_clear (DkimmodLinefold *f)
{
  if (f->hold != NULL)
    g_string_free (f->hold, TRUE);
  f->hold = NULL;
}

/* line_done - count the input line that just ended */
static void
line_done (DkimmodLinefold *f)
{
  if (f->line_broken)
    f->broken++;
  else if (f->line_folded)
    f->folded++;
  f->line_folded = f->line_broken = FALSE;
}

/* header_cut - the held line is LIMIT + 1 bytes: send what fits */
static void
header_cut (DkimmodLinefold *f, DkimmodLinefoldOut out, gpointer user_data)
{
  const char *h = f->hold->str;
  gsize first = 0, p;

  while (first < f->hold->len && IS_BLANK (h[first]))
    first++;
  /* Fold before the last blank that leaves a non-blank byte in front. */
  for (p = f->limit; p > first; p--)
    if (IS_BLANK (h[p]))
      {
        out (h, p, user_data);
        out ("\r\n", 2, user_data);
        g_string_erase (f->hold, 0, (gssize) p);
        f->line_folded = TRUE;
        return;
      }
  /* No blank to fold at: what Postfix's smtp client does. */
  out (h, f->limit, user_data);
  out ("\r\n", 2, user_data);
  g_string_erase (f->hold, 0, (gssize) f->limit);
  g_string_prepend_c (f->hold, ' ');
  f->line_broken = TRUE;
}

/* header_byte - one content byte of a header line */
static void
header_byte (DkimmodLinefold *f, char c, DkimmodLinefoldOut out, gpointer user_data)
{
  g_string_append_c (f->hold, c);
  if (f->hold->len > f->limit)
    header_cut (f, out, user_data);
}

/* header_line_end - CRLF after the held line; an empty one ends the header */
static void
header_line_end (DkimmodLinefold *f, DkimmodLinefoldOut out, gpointer user_data)
{
  /* After a cut the hold is never empty, so empty means an empty line. */
  if (f->hold->len == 0)
    f->in_body = TRUE;
  out (f->hold->str, f->hold->len, user_data);
  out ("\r\n", 2, user_data);
  g_string_truncate (f->hold, 0);
  line_done (f);
}

/* header_feed - header bytes until the empty line; returns bytes used */
static gsize
header_feed (DkimmodLinefold *f, const char *data, gsize len, DkimmodLinefoldOut out,
             gpointer user_data)
{
  gsize i;

  for (i = 0; i < len && !f->in_body; i++)
    {
      char c = data[i];

      if (f->cr)
        {
          f->cr = FALSE;
          if (c == '\n')
            {
              header_line_end (f, out, user_data);
              continue;
            }
          header_byte (f, '\r', out, user_data);
        }
      if (c == '\r')
        f->cr = TRUE;
      else if (c == '\n')
        header_line_end (f, out, user_data);
      else
        header_byte (f, c, out, user_data);
    }
  return i;
}

/* body_feed - body bytes, passed on in spans with CRLF SP where needed */
static void
body_feed (DkimmodLinefold *f, const char *data, gsize len, DkimmodLinefoldOut out,
           gpointer user_data)
{
  gsize start = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (f->cr)
        {
          /* The CR held back is at i - 1 in this chunk, or was the last
           * byte of the previous one: either way not yet passed on. */
          f->cr = FALSE;
          if (c == '\n')
            {
              out ("\r\n", 2, user_data);
              f->col = 0;
              line_done (f);
              start = i + 1;
              continue;
            }
          if (f->col == f->limit)
            {
              out ("\r\n ", 3, user_data);
              f->col = 1;
              f->line_broken = TRUE;
            }
          out ("\r", 1, user_data);
          f->col++;
          start = i;
        }
      if (c == '\r')
        {
          out (data + start, i - start, user_data);
          f->cr = TRUE;
          start = i + 1;
          continue;
        }
      if (c == '\n')
        {
          f->col = 0;
          line_done (f);
          continue;
        }
      if (f->col == f->limit)
        {
          out (data + start, i - start, user_data);
          out ("\r\n ", 3, user_data);
          start = i;
          f->col = 1;
          f->line_broken = TRUE;
        }
      f->col++;
    }
  out (data + start, len - start, user_data);
}

void
dkimmod_linefold_feed (DkimmodLinefold *f, const char *data, gsize len,
                       DkimmodLinefoldOut out, gpointer user_data)
{
  gsize used;

  if (f->limit == 0)
    {
      if (len > 0)
        out (data, len, user_data);
      return;
    }
  used = f->in_body ? 0 : header_feed (f, data, len, out, user_data);
  if (used < len)
    body_feed (f, data + used, len - used, out, user_data);
}

void
dkimmod_linefold_finish (DkimmodLinefold *f, DkimmodLinefoldOut out, gpointer user_data)
{
  if (f->limit == 0)
    return;
  if (!f->in_body)
    {
      if (f->cr)
        header_byte (f, '\r', out, user_data);
      f->cr = FALSE;
      if (f->hold->len > 0)
        out (f->hold->str, f->hold->len, user_data);
      g_string_truncate (f->hold, 0);
    }
  else if (f->cr)
    {
      f->cr = FALSE;
      if (f->col == f->limit)
        {
          out ("\r\n ", 3, user_data);
          f->line_broken = TRUE;
        }
      out ("\r", 1, user_data);
    }
  line_done (f);
}
