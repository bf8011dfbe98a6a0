/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	tagparse.c - RFC 6376 tag-list parser
 * SYNOPSIS
 *	dkimmod_record_error_quark, dkimmod_tag_list_parse,
 *	dkimmod_tag_list_find, dkimmod_tag_value_strip_fws,
 *	dkimmod_tag_value_dup, dkimmod_tag_value_equal,
 *	dkimmod_tag_value_equal_ci
 * DESCRIPTION
 *	A recursive-descent parser with one function per ABNF rule of RFC 6376
 *	section 3.2 (tag_list, tag_spec, tag_name, tag_value, fws). Tags point
 *	into the input; nothing is copied and no NUL is needed. Values keep
 *	their inner whitespace (h= and the base64 tags carry FWS); callers that
 *	need it gone use dkimmod_tag_value_strip_fws().
 *	Leniency, on purpose and only this: FWS after the final ';' is
 *	accepted (key records in the wild end in "; "), and VALCHAR is
 *	widened to bytes >= 0x80 so UTF-8 values (RFC 8616) survive.
 * STANDARDS
 *	RFC 6376 sections 2.8 (FWS), 3.2 (tag=value lists: "Tags with
 *	duplicate names MUST NOT occur within a single tag-list; if a tag name
 *	does occur more than once, the entire tag-list is invalid"), RFC 8616.
 * SECURITY
 *	Wire input. Bounded by DKIMMOD_LIMIT_TAGS; a linear scan, no
 *	recursion, no allocation while parsing.
 * NEVER
 *	Read past LEN or rely on a terminating NUL.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "tagparse.h"

G_DEFINE_QUARK (dkimmod-record-error-quark, dkimmod_record_error)

typedef struct {
  const char *p;
  const char *end;
} Cursor;

/* is_wsp - RFC 5234 WSP */
static gboolean
is_wsp (char c)
{
  return c == ' ' || c == '\t';
}

/* is_valchar - RFC 6376 VALCHAR (%x21-3A / %x3C-7E), widened to UTF-8 bytes */
static gboolean
is_valchar (unsigned char c)
{
  return (c >= 0x21 && c <= 0x3a) || (c >= 0x3c && c <= 0x7e) || c >= 0x80;
}

/* is_alnumpunc - RFC 6376 ALNUMPUNC */
static gboolean
is_alnumpunc (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* fws - skips [*WSP CRLF] 1*WSP, or any run of it; FALSE on a CRLF not
 * followed by WSP (that would end the header field, so it is malformed). */
static gboolean
fws (Cursor *c)
{
  while (c->p < c->end)
    {
      if (is_wsp (*c->p))
        c->p++;
      else if (*c->p == '\r' && c->end - c->p >= 3 && c->p[1] == '\n' && is_wsp (c->p[2]))
        c->p += 3;
      else if (*c->p == '\r' || *c->p == '\n')
        return FALSE;
      else
        break;
    }
  return TRUE;
}

/* tag_name - ALPHA *ALNUMPUNC */
static gboolean
tag_name (Cursor *c, DkimmodTag *tag)
{
  if (c->p >= c->end || !g_ascii_isalpha (*c->p))
    return FALSE;
  tag->name = c->p++;
  while (c->p < c->end && is_alnumpunc (*c->p))
    c->p++;
  tag->name_len = c->p - tag->name;
  return TRUE;
}

/* tag_value - [ tval *( 1*(WSP / FWS) tval ) ], stopping before ';' */
static gboolean
tag_value (Cursor *c, DkimmodTag *tag)
{
  const char *last = c->p;

  tag->value = c->p;
  while (c->p < c->end && *c->p != ';')
    {
      if (is_valchar ((unsigned char) *c->p))
        last = ++c->p;
      else if (!fws (c) || (c->p < c->end && *c->p != ';' && !is_valchar ((unsigned char) *c->p)))
        return FALSE;
    }
  tag->value_len = last - tag->value;
  return TRUE;
}

/* tag_spec - [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS] */
static gboolean
tag_spec (Cursor *c, DkimmodTag *tag, GError **error)
{
  if (!fws (c) || !tag_name (c, tag))
    {
      g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_SYNTAX, "bad tag name");
      return FALSE;
    }
  if (!fws (c) || c->p >= c->end || *c->p != '=')
    {
      g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_SYNTAX,
                   "tag %.*s: '=' expected", (int) MIN (tag->name_len, 32), tag->name);
      return FALSE;
    }
  c->p++;
  tag->raw_value = c->p;
  if (!fws (c) || !tag_value (c, tag))
    {
      g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_SYNTAX,
                   "tag %.*s: bad character in value", (int) MIN (tag->name_len, 32), tag->name);
      return FALSE;
    }
  tag->raw_value_len = c->p - tag->raw_value;
  return TRUE;
}

/* tag_list_has_name - duplicate check over the tags parsed so far */
static gboolean
tag_list_has_name (const DkimmodTagList *list, const DkimmodTag *tag)
{
  for (guint i = 0; i < list->n_tags; i++)
    if (list->tags[i].name_len == tag->name_len
        && memcmp (list->tags[i].name, tag->name, tag->name_len) == 0)
      return TRUE;
  return FALSE;
}

/* only_fws_left - TRUE when the rest is optional FWS (after a final ';') */
static gboolean
only_fws_left (Cursor *c)
{
  Cursor probe = *c;

  return fws (&probe) && probe.p == probe.end;
}

/**
 * dkimmod_tag_list_parse:
 * @data: the tag-list bytes (not NUL-terminated)
 * @len: their length
 * @list: (out caller-allocates): receives the tags
 * @error: DKIMMOD_RECORD_ERROR_SYNTAX or _LIMIT
 *
 * tag-list = tag-spec *( ";" tag-spec ) [ ";" ]
 */
gboolean
dkimmod_tag_list_parse (const char *data, gsize len, DkimmodTagList *list, GError **error)
{
  Cursor c = { data, data + len };

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (list != NULL, FALSE);

  list->n_tags = 0;
  if (only_fws_left (&c))
    {
      g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_SYNTAX, "empty tag list");
      return FALSE;
    }
  for (;;)
    {
      DkimmodTag tag = { 0 };

      if (list->n_tags == DKIMMOD_LIMIT_TAGS)
        {
          g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_LIMIT,
                       "more than %u tags", DKIMMOD_LIMIT_TAGS);
          return FALSE;
        }
      if (!tag_spec (&c, &tag, error))
        return FALSE;
      if (tag_list_has_name (list, &tag))
        {
          g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_SYNTAX,
                       "duplicate tag %.*s", (int) MIN (tag.name_len, 32), tag.name);
          return FALSE;
        }
      list->tags[list->n_tags++] = tag;
      if (c.p == c.end)
        return TRUE;
      c.p++;  /* the ';' that tag_value stopped at */
      if (only_fws_left (&c))
        return TRUE;
    }
}

/**
 * dkimmod_tag_list_find:
 *
 * Returns: (nullable) (transfer none): the tag named @name.
 */
const DkimmodTag *
dkimmod_tag_list_find (const DkimmodTagList *list, const char *name)
{
  gsize n = strlen (name);

  for (guint i = 0; i < list->n_tags; i++)
    if (list->tags[i].name_len == n && memcmp (list->tags[i].name, name, n) == 0)
      return &list->tags[i];
  return NULL;
}

/**
 * dkimmod_tag_value_strip_fws:
 *
 * Returns: (transfer full): the value without any WSP, CR or LF.
 */
char *
dkimmod_tag_value_strip_fws (const DkimmodTag *tag)
{
  char *out = g_malloc (tag->value_len + 1);
  gsize n = 0;

  for (gsize i = 0; i < tag->value_len; i++)
    {
      char ch = tag->value[i];

      if (!is_wsp (ch) && ch != '\r' && ch != '\n')
        out[n++] = ch;
    }
  out[n] = '\0';
  return out;
}

/**
 * dkimmod_tag_value_dup:
 *
 * Returns: (transfer full): the value as it appears, NUL-terminated.
 */
char *
dkimmod_tag_value_dup (const DkimmodTag *tag)
{
  return g_strndup (tag->value, tag->value_len);
}

gboolean
dkimmod_tag_value_equal (const DkimmodTag *tag, const char *s)
{
  gsize n = strlen (s);

  return tag->value_len == n && memcmp (tag->value, s, n) == 0;
}

gboolean
dkimmod_tag_value_equal_ci (const DkimmodTag *tag, const char *s)
{
  gsize n = strlen (s);

  return tag->value_len == n && g_ascii_strncasecmp (tag->value, s, n) == 0;
}
