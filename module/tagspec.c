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
 *	anywhere (FWS is allowed inside base64string). d=, s= and i= are
 *	never broken (no FWS in a domain name; verifiers mishandle FWS in
 *	i=), so only values longer than a line make a longer line. b= comes last, so the
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

/* put_parts - writes the concatenation of A, B and C as one unit, on a
 * new line if it would pass the limit; SPACE asks for a separating SP
 * when it stays on the same line (no formatting: this runs per tag) */
static void
put_parts (Folder *f, gboolean space, const char *a, const char *b, const char *c)
{
  gsize na = strlen (a), nb = strlen (b), nc = strlen (c), n = na + nb + nc;
  gsize sep = (space && !f->fresh) ? 1 : 0;

  if (!f->fresh && f->col + sep + n > DKIMMOD_FOLD_COLUMNS)
    {
      fold (f);
      sep = 0;
    }
  if (sep)
    g_string_append_c (f->s, ' ');
  g_string_append_len (f->s, a, (gssize) na);
  g_string_append_len (f->s, b, (gssize) nb);
  g_string_append_len (f->s, c, (gssize) nc);
  f->col += sep + n;
  f->fresh = FALSE;
}

/* put_unit - TEXT as one unit */
static void
put_unit (Folder *f, const char *text, gboolean space)
{
  put_parts (f, space, text, "", "");
}

/* put_tag - "name=value;" as one unit */
static void
put_tag (Folder *f, const char *name, const char *value)
{
  char head[8];

  g_snprintf (head, sizeof head, "%s=", name);
  put_parts (f, TRUE, head, value, ";");
}

/* unit_len - length of the unbreakable unit at P: "=XX" in
 * quoted-printable, otherwise one character */
static gsize
unit_len (const char *p, gboolean qp)
{
  if (qp && p[0] == '=' && p[1] != '\0' && p[2] != '\0')
    return 3;
  return 1;
}

/* put_split - "name=value;" whole if it fits on this or a new line, else
 * broken between units of VALUE (FWS is allowed inside base64 and
 * dkim-quoted-printable values, RFC 6376 2.4 and 2.11) */
static void
put_split (Folder *f, const char *name, const char *value, gboolean qp)
{
  gsize head = strlen (name) + 1, n = strlen (value);

  if (f->col + 1 + head + n + 1 <= DKIMMOD_FOLD_COLUMNS || 8 + head + n + 1 <= DKIMMOD_FOLD_COLUMNS)
    {
      put_tag (f, name, value);
      return;
    }
  {
    g_autofree char *h = g_strdup_printf ("%s=", name);

    /* start on this line only if a few units fit after the name */
    if (!f->fresh && f->col + 1 + head + 8 > DKIMMOD_FOLD_COLUMNS)
      fold (f);
    put_unit (f, h, TRUE);
  }
  while (*value != '\0')
    {
      gsize u = unit_len (value, qp), last = value[u] == '\0' ? 1 : 0;

      if (f->col + u + last > DKIMMOD_FOLD_COLUMNS)
        fold (f);
      g_string_append_len (f->s, value, (gssize) u);
      f->col += u;
      f->fresh = FALSE;
      value += u;
    }
  g_string_append_c (f->s, ';');
  f->col++;
}

/* put_h - h= broken after colons */
static void
put_h (Folder *f, const GPtrArray *names)
{
  for (guint i = 0; i < names->len; i++)
    put_parts (f, i == 0, i == 0 ? "h=" : "", g_ptr_array_index (names, i),
               i + 1 == names->len ? ";" : ":");
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

      /* Moved whole, never broken: RFC 6376 2.11 allows FWS inside i=,
       * but verifiers (dkimpy) compare it without unfolding. An i= over
       * 69 characters makes a line longer than 78 (998 is the limit). */
      put_tag (&f, "i", i);
    }
  put_h (&f, ts->headers);
  put_split (&f, "bh", ts->body_hash, FALSE);
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
