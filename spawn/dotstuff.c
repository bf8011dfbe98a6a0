/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dotstuff.c - end of DATA, dot-unstuffing and dot-stuffing
 * SYNOPSIS
 *	dkimmod_unstuffer_init, dkimmod_unstuff, dkimmod_stuffer_init,
 *	dkimmod_stuff
 * DESCRIPTION
 *	Input: the message ends only at CRLF "." CRLF. Lines are delimited by
 *	CRLF alone: a bare LF or bare CR is an ordinary content byte, kept as
 *	it is, so "\n.\n", "\r.\r", "\n.\r\n" and "\r\n.\n" never end the
 *	message (SMTP smuggling, CVE-2023-51764 and its kin). A line that
 *	starts with "." loses that dot. The byte state machine survives any
 *	split of the input, including between CR and LF.
 *
 *	Output: a "." is doubled at the start of every CRLF line, and also
 *	after a bare LF. The second case protects a lenient next hop (one
 *	that ends lines at a bare LF, as many do) from reading a smuggled
 *	end-of-data in content we were told to keep verbatim; a strict next
 *	hop then keeps one extra dot in such a (non-conforming) line.
 * STANDARDS
 *	RFC 5321 section 4.5.2 (transparency), 4.1.1.4 (end of data),
 *	2.3.8 (bare CR and LF are not line ends).
 * SECURITY
 *	Constant memory; no byte is interpreted except CR, LF and ".".
 */
#include "dotstuff.h"

#include <string.h>

enum {
  AT_LINE_START,    /* after CRLF, or at the start */
  IN_LINE,
  AFTER_CR,         /* a CR inside a line; LF would end the line */
  AFTER_DOT,        /* "." at line start, already dropped */
  AFTER_DOT_CR,     /* ".\r" at line start, CR held back */
};

void
dkimmod_unstuffer_init (DkimmodUnstuffer *u)
{
  u->state = AT_LINE_START;
}

/* emit_span - pass DATA[FROM, TO) on when not empty */
static void
emit_span (DkimmodEmitFunc emit, gpointer user_data, const char *data, gsize from, gsize to)
{
  if (to > from)
    (void) emit (data + from, to - from, user_data, NULL);
}

gsize
dkimmod_unstuff (DkimmodUnstuffer *u, const char *data, gsize len, gboolean *end,
                 DkimmodEmitFunc emit, gpointer user_data)
{
  gsize i = 0;
  gsize span = 0;

  *end = FALSE;
  while (i < len)
    {
      char c = data[i];

      switch (u->state)
        {
        case AT_LINE_START:
          if (c == '.')
            {
              emit_span (emit, user_data, data, span, i);
              span = i + 1;
              u->state = AFTER_DOT;
            }
          else
            u->state = c == '\r' ? AFTER_CR : IN_LINE;
          i++;
          break;
        case IN_LINE:
          {
            const char *cr = memchr (data + i, '\r', len - i);

            if (cr == NULL)
              i = len;
            else
              {
                i = (gsize) (cr - data) + 1;
                u->state = AFTER_CR;
              }
          }
          break;
        case AFTER_CR:
          u->state = c == '\n' ? AT_LINE_START : c == '\r' ? AFTER_CR : IN_LINE;
          i++;
          break;
        case AFTER_DOT:
          if (c == '\r')
            {
              emit_span (emit, user_data, data, span, i);
              span = i + 1;
              u->state = AFTER_DOT_CR;
            }
          else
            u->state = IN_LINE;
          i++;
          break;
        case AFTER_DOT_CR:
        default:
          if (c == '\n')
            {
              *end = TRUE;
              u->state = AT_LINE_START;
              return i + 1;
            }
          /* ".\r" then something else: the held CR is content. Here
           * span == i, so order is kept. */
          (void) emit ("\r", 1, user_data, NULL);
          u->state = AFTER_CR;
          break;
        }
    }
  emit_span (emit, user_data, data, span, len);
  return len;
}

void
dkimmod_stuffer_init (DkimmodStuffer *st)
{
  st->at_line_start = TRUE;
}

gboolean
dkimmod_stuff (DkimmodStuffer *st, const char *data, gsize len, DkimmodEmitFunc emit,
               gpointer user_data, GError **error)
{
  gsize span = 0;
  gsize i = 0;

  if (len == 0)
    return TRUE;
  if (st->at_line_start && data[0] == '.' && !emit (".", 1, user_data, error))
    return FALSE;
  for (;;)
    {
      const char *lf = memchr (data + i, '\n', len - i);
      gsize j;

      if (lf == NULL)
        break;
      j = (gsize) (lf - data) + 1;
      if (j < len && data[j] == '.')
        {
          if (!emit (data + span, j - span, user_data, error) || !emit (".", 1, user_data, error))
            return FALSE;
          span = j;
        }
      i = j;
    }
  st->at_line_start = data[len - 1] == '\n';
  return emit (data + span, len - span, user_data, error);
}
