/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	msgparse.c - split a raw message's header block; first mailbox
 * SYNOPSIS
 *	dkimmod_msgparser_new, dkimmod_msgparser_free, dkimmod_msgparser_feed,
 *	dkimmod_msgparser_finish, dkimmod_msgparser_fields,
 *	dkimmod_msgparser_count, dkimmod_msgparser_value,
 *	dkimmod_address_list, dkimmod_address_first, dkimmod_address_domain
 * DESCRIPTION
 *	The parser is a four-state machine over bytes cut anywhere: a line
 *	that starts with WSP continues the current field, a line that is
 *	just CRLF ends the header block, anything else starts a new field.
 *	Only CRLF ends a line (bare CR and LF stay inside the field, so
 *	SMTP smuggling tricks cannot split a field differently from what
 *	the signature covers). Fields are kept byte for byte.
 *	dkimmod_address_first tokenizes an RFC 5322 address list (atoms,
 *	quoted strings, domain literals, specials; comments skipped, nested)
 *	and returns the mailboxes' addr-specs (or the first), from an angle
 *	address when there is one, skipping group names and empty groups.
 * STANDARDS
 *	RFC 5322 sections 2.2 (fields), 2.2.3 (folding), 3.2.2 to 3.2.4
 *	(CFWS, atoms, quoted strings), 3.4 (address specification),
 *	4.4 (obs-route).
 * SECURITY
 *	DKIMMOD_LIMIT_HEADER_BYTES, _HEADER_COUNT and _FIELD_BYTES bound
 *	the memory; over a limit the feed fails with DKIMMOD_E_LIMIT.
 * NEVER
 *	Modify the bytes of a field.
 */
#include <string.h>

#include "error-private.h"
#include "limits-private.h"
#include "msgparse.h"

typedef enum {
  AT_LINE_START,  /* after CRLF (or at the very start) */
  AT_START_CR,    /* a CR at the start of a line: the end, if LF follows */
  IN_LINE,
  IN_LINE_CR,     /* a CR inside a line */
} ParseState;

struct DkimmodMsgParser {
  ParseState state;
  GByteArray *cur;     /* field being collected */
  GPtrArray *fields;   /* GBytes */
  gsize total;         /* header bytes consumed */
  gboolean done;
};

DkimmodMsgParser *
dkimmod_msgparser_new (void)
{
  DkimmodMsgParser *p = g_new0 (DkimmodMsgParser, 1);

  p->cur = g_byte_array_new ();
  p->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return p;
}

void
dkimmod_msgparser_free (DkimmodMsgParser *p)
{
  if (p == NULL)
    return;
  g_byte_array_unref (p->cur);
  g_ptr_array_unref (p->fields);
  g_free (p);
}

/* complete_field - moves the collected field to the list */
static gboolean
complete_field (DkimmodMsgParser *p, GError **error)
{
  if (p->cur->len == 0)
    return TRUE;
  if (p->fields->len >= DKIMMOD_LIMIT_HEADER_COUNT)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "more than %u header fields",
                   DKIMMOD_LIMIT_HEADER_COUNT);
      return FALSE;
    }
  g_ptr_array_add (p->fields, g_byte_array_free_to_bytes (p->cur));
  p->cur = g_byte_array_new ();
  return TRUE;
}

/* room_for_field - a new field may start; checked when its first byte
 * arrives, so that a last field cut off by the end of input (finish)
 * cannot go past the count limit unnoticed */
static gboolean
room_for_field (DkimmodMsgParser *p, GError **error)
{
  if (p->fields->len < DKIMMOD_LIMIT_HEADER_COUNT)
    return TRUE;
  g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "more than %u header fields",
               DKIMMOD_LIMIT_HEADER_COUNT);
  return FALSE;
}

/* append - adds bytes to the current field within the field limit */
static gboolean
append (DkimmodMsgParser *p, const char *data, gsize n, GError **error)
{
  if (n > DKIMMOD_LIMIT_FIELD_BYTES - p->cur->len)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "a header field is longer than %u bytes",
                   DKIMMOD_LIMIT_FIELD_BYTES);
      return FALSE;
    }
  g_byte_array_append (p->cur, (const guint8 *) data, (guint) n);
  return TRUE;
}

/* step - one byte C through the state machine; *end set at the empty line */
static gboolean
step (DkimmodMsgParser *p, char c, gboolean *end, GError **error)
{
  switch (p->state)
    {
    case AT_LINE_START:
      if (c == '\r')
        {
          p->state = AT_START_CR;
          return TRUE;
        }
      if (c != ' ' && c != '\t' && !(complete_field (p, error) && room_for_field (p, error)))
        return FALSE;
      p->state = IN_LINE;
      return append (p, &c, 1, error);
    case AT_START_CR:
      if (c == '\n')
        {
          *end = TRUE;
          return complete_field (p, error);
        }
      /* A bare CR starts a (malformed) field of its own. */
      if (!complete_field (p, error) || !room_for_field (p, error)
          || !append (p, "\r", 1, error))
        return FALSE;
      p->state = IN_LINE;
      return step (p, c, end, error);
    case IN_LINE:
      if (c == '\r')
        p->state = IN_LINE_CR;
      return append (p, &c, 1, error);
    case IN_LINE_CR:
      if (c == '\n')
        p->state = AT_LINE_START;
      else if (c != '\r')
        p->state = IN_LINE;
      return append (p, &c, 1, error);
    }
  return TRUE;
}

gsize
dkimmod_msgparser_feed (DkimmodMsgParser *p, const char *data, gsize len, gboolean *done,
                        GError **error)
{
  gsize i;

  g_return_val_if_fail (p != NULL, (gsize) -1);
  if (p->done)
    {
      *done = TRUE;
      return 0;
    }
  for (i = 0; i < len;)
    {
      gboolean end = FALSE;
      gsize run = 0;

      /* Inside a line everything up to the next CR is plain field text
       * (step() would append it byte by byte): take it as one run. */
      if (p->state == IN_LINE)
        {
          const char *cr = memchr (data + i, '\r', len - i);

          run = cr != NULL ? (gsize) (cr - (data + i)) : len - i;
        }
      if (MAX (run, 1) > DKIMMOD_LIMIT_HEADER_BYTES - p->total)
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "header block larger than %u bytes",
                       DKIMMOD_LIMIT_HEADER_BYTES);
          return (gsize) -1;
        }
      if (run > 0)
        {
          if (!append (p, data + i, run, error))
            return (gsize) -1;
          p->total += run;
          i += run;
          continue;
        }
      p->total++;
      if (!step (p, data[i], &end, error))
        return (gsize) -1;
      i++;
      if (end)
        {
          p->done = TRUE;
          *done = TRUE;
          return i;
        }
    }
  *done = FALSE;
  return len;
}

void
dkimmod_msgparser_finish (DkimmodMsgParser *p)
{
  g_return_if_fail (p != NULL);
  if (p->done)
    return;
  /* A lone CR at the very end belongs to the last field. */
  if (p->state == AT_START_CR && p->cur->len + 1 <= DKIMMOD_LIMIT_FIELD_BYTES)
    g_byte_array_append (p->cur, (const guint8 *) "\r", 1);
  if (p->cur->len > 0 && p->fields->len < DKIMMOD_LIMIT_HEADER_COUNT)
    {
      g_ptr_array_add (p->fields, g_byte_array_free_to_bytes (p->cur));
      p->cur = g_byte_array_new ();
    }
  p->done = TRUE;
}

GPtrArray *
dkimmod_msgparser_fields (DkimmodMsgParser *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return p->fields;
}

/* field_named - does the GBytes field B have name NAME */
static gboolean
field_named (GBytes *b, const char *name, gsize *value_off)
{
  gsize len;
  const char *f = g_bytes_get_data (b, &len);

  return dkimmod_header_is_named (f, len, name, value_off);
}

guint
dkimmod_msgparser_count (DkimmodMsgParser *p, const char *name)
{
  guint n = 0;
  gsize off;

  g_return_val_if_fail (p != NULL && name != NULL, 0);
  for (guint i = 0; i < p->fields->len; i++)
    if (field_named (g_ptr_array_index (p->fields, i), name, &off))
      n++;
  return n;
}

char *
dkimmod_msgparser_value (DkimmodMsgParser *p, const char *name)
{
  g_return_val_if_fail (p != NULL && name != NULL, NULL);
  for (guint i = 0; i < p->fields->len; i++)
    {
      GBytes *b = g_ptr_array_index (p->fields, i);
      gsize off, len;
      const char *f;
      GString *v;

      if (!field_named (b, name, &off))
        continue;
      f = g_bytes_get_data (b, &len);
      v = g_string_sized_new (len - off);
      for (gsize j = off; j < len; j++)
        {
          if (f[j] == '\r' && j + 1 < len && f[j + 1] == '\n')
            {
              j++;
              continue;
            }
          g_string_append_c (v, f[j]);
        }
      return g_strstrip (g_string_free (v, FALSE));
    }
  return NULL;
}

/* --- RFC 5322 address lists ------------------------------------------- */

typedef enum {
  TOK_WORD,     /* atom or dot-atom text */
  TOK_QUOTED,   /* quoted-string, quotes included */
  TOK_LITERAL,  /* domain-literal, brackets included */
  TOK_SPECIAL,  /* one of < > @ : ; , . */
} TokType;

typedef struct {
  TokType type;
  char *text;
} Token;

/* token_free - GArray element clear func */
static void
token_clear (gpointer p)
{
  g_free (((Token *) p)->text);
}

/* skip_comment - past a (possibly nested) comment starting at S */
static const char *
skip_comment (const char *s)
{
  int depth = 0;

  for (; *s != '\0'; s++)
    {
      if (*s == '\\' && s[1] != '\0')
        s++;
      else if (*s == '(')
        depth++;
      else if (*s == ')' && --depth == 0)
        return s + 1;
    }
  return s;
}

/* scan_delimited - past a quoted string or literal from S to CLOSE */
static const char *
scan_delimited (const char *s, char close)
{
  for (s++; *s != '\0'; s++)
    {
      if (*s == '\\' && s[1] != '\0')
        s++;
      else if (*s == close)
        return s + 1;
    }
  return s;
}

/* tokenize - VALUE into tokens, comments and whitespace dropped */
static GArray *
tokenize (const char *value)
{
  GArray *toks = g_array_new (FALSE, FALSE, sizeof (Token));
  const char *s = value;

  g_array_set_clear_func (toks, token_clear);
  while (*s != '\0')
    {
      Token t;
      const char *e;

      if (g_ascii_isspace (*s))
        {
          s++;
          continue;
        }
      if (*s == '(')
        {
          s = skip_comment (s);
          continue;
        }
      if (*s == ')')
        {
          s++;   /* a stray close parenthesis: nothing to keep */
          continue;
        }
      if (*s == '"' || *s == '[')
        {
          e = scan_delimited (s, *s == '"' ? '"' : ']');
          t.type = *s == '"' ? TOK_QUOTED : TOK_LITERAL;
        }
      else if (strchr ("<>@:;,.", *s) != NULL)
        {
          e = s + 1;
          t.type = TOK_SPECIAL;
        }
      else
        {
          for (e = s; *e != '\0' && !g_ascii_isspace (*e) && strchr ("()<>@:;,.\"[", *e) == NULL; e++)
            ;
          t.type = TOK_WORD;
        }
      t.text = g_strndup (s, (gsize) (e - s));
      g_array_append_val (toks, t);
      s = e;
    }
  return toks;
}

static gboolean
is_special (const Token *t, char c)
{
  return t->type == TOK_SPECIAL && t->text[0] == c;
}

/* unquote_local - "a.b" -> a.b when the content is a plain dot-atom */
static char *
unquote_local (const char *q)
{
  gsize n = strlen (q);

  if (n < 2)
    return g_strdup (q);
  for (gsize i = 1; i + 1 < n; i++)
    if (!g_ascii_isalnum (q[i]) && strchr ("!#$%&'*+-/=?^_`{|}~.", q[i]) == NULL)
      return g_strdup (q);
  if (n == 2 || q[1] == '.' || q[n - 2] == '.')
    return g_strdup (q);
  return g_strndup (q + 1, n - 2);
}

/* addr_spec - tokens [from, to) as local@domain, or NULL */
static char *
addr_spec (GArray *toks, guint from, guint to)
{
  g_autoptr (GString) local = g_string_new (NULL);
  g_autoptr (GString) domain = g_string_new (NULL);
  gboolean at = FALSE;

  for (guint i = from; i < to; i++)
    {
      Token *t = &g_array_index (toks, Token, i);

      if (is_special (t, '@'))
        {
          if (at)
            return NULL;
          at = TRUE;
        }
      else if (t->type == TOK_SPECIAL && !is_special (t, '.'))
        return NULL;
      else if (!at && t->type == TOK_QUOTED)
        {
          g_autofree char *u = unquote_local (t->text);

          g_string_append (local, u);
        }
      else
        g_string_append (at ? domain : local, t->text);
    }
  if (!at || local->len == 0 || domain->len == 0)
    return NULL;
  {
    g_autofree char *d = g_ascii_strdown (domain->str, (gssize) domain->len);

    return g_strdup_printf ("%s@%s", local->str, d);
  }
}

/* angle_addr - the addr-spec inside <...> starting after index LT */
static char *
angle_addr (GArray *toks, guint lt)
{
  guint i = lt + 1, start = i;

  for (; i < toks->len && !is_special (&g_array_index (toks, Token, i), '>'); i++)
    /* obs-route "<@a,@b:user@host>": the addr-spec follows the colon */
    if (is_special (&g_array_index (toks, Token, i), ':'))
      start = i + 1;
  return addr_spec (toks, start, i);
}

GPtrArray *
dkimmod_address_list (const char *value, guint max)
{
  g_autoptr (GArray) toks = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  guint i = 0;

  if (value == NULL)
    return out;
  toks = tokenize (value);
  while (i < toks->len && out->len < max)
    {
      guint j;
      char *addr = NULL;

      /* One list element: up to ',' or ';', or a group's ':'. */
      for (j = i; j < toks->len; j++)
        {
          Token *t = &g_array_index (toks, Token, j);

          if (is_special (t, '<') || is_special (t, ':') || is_special (t, ',')
              || is_special (t, ';'))
            break;   /* a ':' ends a group's display name: members follow */
        }
      if (j < toks->len && is_special (&g_array_index (toks, Token, j), '<'))
        {
          addr = angle_addr (toks, j);
          /* past the '>' (a malformed angle address is skipped whole) */
          while (j < toks->len && !is_special (&g_array_index (toks, Token, j), '>'))
            j++;
          while (j < toks->len && !is_special (&g_array_index (toks, Token, j), ',')
                 && !is_special (&g_array_index (toks, Token, j), ';'))
            j++;
        }
      else
        addr = addr_spec (toks, i, j);
      if (addr != NULL)
        g_ptr_array_add (out, addr);
      i = j + 1;
    }
  return out;
}

char *
dkimmod_address_first (const char *value)
{
  g_autoptr (GPtrArray) list = dkimmod_address_list (value, 1);

  return list->len > 0 ? g_strdup (list->pdata[0]) : NULL;
}

const char *
dkimmod_address_domain (const char *address)
{
  const char *at;

  g_return_val_if_fail (address != NULL, NULL);
  at = strrchr (address, '@');
  return at != NULL ? at + 1 : address;
}
