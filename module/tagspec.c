/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	tagspec.c - write the DKIM-Signature tag list, folded
 * SYNOPSIS
 *	dkimmod_tagspec_format, dkimmod_tagspec_append_b,
 *	dkimmod_tagspec_qp_encode
 * DESCRIPTION
 *	Writes "v=1; a=; c=; d=; s=; t=; [x=;] [i=;] h=; bh=; b=" folded with
 *	CRLF TAB so that no line is longer than 78 columns: tags move whole
 *	to a new line, h= breaks after a colon, bh= and b= base64 break
 *	anywhere (FWS is allowed inside base64string). b= comes last, so the
 *	text the header hash covers is exactly the emitted field up to "b=",
 *	and a verifier that deletes the b= value (folding included) finds the
 *	same bytes. Never l=: a body length lets anyone append content.
 * STANDARDS
 *	RFC 6376 sections 3.5 (tags), 3.7 (b= empty while hashing), 2.11
 *	(dkim-quoted-printable for i=), 8.2 (why no l=); RFC 5322 section
 *	2.1.1 (78 characters per line).
 * NEVER
 *	Emit l=; put any tag after b=.
 */
#include <string.h>

#include "tagspec-private.h"

typedef struct {
  GString *s;
  gsize col;          /* columns used on the current line */
  gboolean fresh;     /* nothing yet on this continuation line */
} Folder;

/* fold - starts a continuation line */
static void
fold (Folder *f)
{
  g_string_append_len (f->s, "\r\n\t", 3);
  f->col = 8;
  f->fresh = TRUE;
}

/* put_unit - writes TEXT, on a new line if it would pass the limit;
 * SPACE asks for a separating SP when it stays on the same line */
static void
put_unit (Folder *f, const char *text, gboolean space)
{
  gsize n = strlen (text), sep = (space && !f->fresh) ? 1 : 0;

  if (!f->fresh && f->col + sep + n > DKIMMOD_FOLD_COLUMNS)
    {
      fold (f);
      sep = 0;
    }
  if (sep)
    g_string_append_c (f->s, ' ');
  g_string_append_len (f->s, text, n);
  f->col += sep + n;
  f->fresh = FALSE;
}

/* put_tag - "name=value;" as one unit */
static void
put_tag (Folder *f, const char *name, const char *value)
{
  g_autofree char *t = g_strdup_printf ("%s=%s;", name, value);

  put_unit (f, t, TRUE);
}

/* put_h - h= broken after colons */
static void
put_h (Folder *f, const GPtrArray *names)
{
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *unit = g_strdup_printf ("%s%s%s", i == 0 ? "h=" : "",
                                               (const char *) g_ptr_array_index (names, i),
                                               i + 1 == names->len ? ";" : ":");
      put_unit (f, unit, i == 0);
    }
}

char *
dkimmod_tagspec_qp_encode (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    {
      /* dkim-safe-char: 0x21-0x3A, 0x3C, 0x3E-0x7E */
      if (*p >= 0x21 && *p <= 0x7E && *p != ';' && *p != '=')
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "=%02X", *p);
    }
  return g_string_free (out, FALSE);
}

static const char *
canon_name (DkimmodCanon c)
{
  return c == DKIMMOD_CANON_RELAXED ? "relaxed" : "simple";
}

GString *
dkimmod_tagspec_format (const DkimmodTagSpec *ts)
{
  Folder f = { g_string_sized_new (512), 0, FALSE };
  g_autofree char *c = g_strdup_printf ("%s/%s", canon_name (ts->header_canon),
                                        canon_name (ts->body_canon));
  g_autofree char *t = g_strdup_printf ("%" G_GINT64_FORMAT, ts->timestamp);

  put_unit (&f, "DKIM-Signature:", FALSE);
  put_tag (&f, "v", "1");
  put_tag (&f, "a", dkimmod_algorithm_name (ts->algorithm));
  put_tag (&f, "c", c);
  put_tag (&f, "d", ts->domain);
  put_tag (&f, "s", ts->selector);
  put_tag (&f, "t", t);
  if (ts->expiration >= 0)
    {
      g_autofree char *x = g_strdup_printf ("%" G_GINT64_FORMAT, ts->expiration);

      put_tag (&f, "x", x);
    }
  if (ts->identity != NULL)
    {
      g_autofree char *i = dkimmod_tagspec_qp_encode (ts->identity);

      put_tag (&f, "i", i);
    }
  put_h (&f, ts->headers);
  put_tag (&f, "bh", ts->body_hash);
  /* Room for "b=" and a few characters of the value, or a new line. */
  if (f.col + 1 + 2 + 8 > DKIMMOD_FOLD_COLUMNS)
    fold (&f);
  put_unit (&f, "b=", TRUE);
  return f.s;
}

/* last_line_columns - width of the last line of S (leading TAB = 8) */
static gsize
last_line_columns (const GString *s)
{
  gsize i = s->len, n;
  const char *start;

  while (i > 0 && s->str[i - 1] != '\n')
    i--;
  start = s->str + i;
  n = s->len - i;
  if (n > 0 && *start == '\t')
    n += 7;
  return n;
}

void
dkimmod_tagspec_append_b (GString *field, const char *b64)
{
  gsize col = last_line_columns (field), len = strlen (b64);

  while (len > 0)
    {
      gsize room = col < DKIMMOD_FOLD_COLUMNS ? DKIMMOD_FOLD_COLUMNS - col : 0, n = MIN (room, len);

      if (n == 0)
        {
          g_string_append_len (field, "\r\n\t", 3);
          col = 8;
          continue;
        }
      g_string_append_len (field, b64, n);
      b64 += n;
      len -= n;
      col += n;
    }
  g_string_append_len (field, "\r\n", 2);
}
