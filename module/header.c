/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	header.c - header field syntax and the choice of signed headers
 * SYNOPSIS
 *	dkimmod_header_split, dkimmod_header_field_new,
 *	dkimmod_header_field_free, dkimmod_header_keep, dkimmod_header_plan_new,
 *	dkimmod_header_plan_free, dkimmod_header_name_list,
 *	dkimmod_header_select, dkimmod_header_hash_input
 * DESCRIPTION
 *	By default a signature covers the RFC 6376 5.4.1 recommended set plus
 *	Sender, Message-ID, MIME-Version and the Content-* fields.
 *	Oversigning (h= names a field once more than it occurs, so a copy
 *	added later breaks the signature): From, To, Cc, Subject and
 *	Reply-To always, even when absent; Date, Message-ID, MIME-Version,
 *	Content-*, In-Reply-To and References only when present, because a
 *	later MTA may legitimately add a missing Message-ID or Date.
 *	Other fields are signed once per instance present.
 * STANDARDS
 *	RFC 5322 section 2.2 and 3.6.8 (field-name = 1*ftext), RFC 6376
 *	sections 3.5 (h=), 5.4, 5.4.1, 5.4.2 (bottom-up instance order),
 *	8.15 (oversigning).
 * SECURITY
 *	One field at most DKIMMOD_LIMIT_FIELD_BYTES; h= at most
 *	DKIMMOD_LIMIT_SIGNED_HEADERS names (further instances are left
 *	unsigned rather than failing the message).
 * NEVER
 *	Oversign a field a later MTA may add when it is absent.
 */
#include <string.h>

#include "canon-private.h"
#include "header-private.h"
#include "limits-private.h"
#include "msgparse.h"

static const char *const default_sign[] = {
  "from", "reply-to", "subject", "date", "to", "cc",
  "resent-date", "resent-from", "resent-to", "resent-cc",
  "in-reply-to", "references",
  "list-id", "list-help", "list-unsubscribe", "list-subscribe",
  "list-post", "list-owner", "list-archive",
  "sender", "message-id", "mime-version",
  "content-type", "content-transfer-encoding", "content-id",
  "content-description", "content-disposition",
};

static const char *const default_oversign[] = { "from", "to", "cc", "subject", "reply-to" };

static const char *const oversign_if_present[] = {
  "date", "message-id", "mime-version", "in-reply-to", "references",
};

/* is_ftext - RFC 5322 ftext: printable US-ASCII except colon */
static inline gboolean
is_ftext (guchar c)
{
  return c >= 33 && c <= 126 && c != ':';
}

/**
 * dkimmod_header_split:
 * @field: a header field, not necessarily NUL-terminated
 * @len: its length
 * @name_len: (out): length of the field name
 * @value_off: (out): offset of the value (just after the colon)
 *
 * WSP between the name and the colon (RFC 5322 obsolete syntax) is
 * accepted and not counted in @name_len.
 *
 * Returns: FALSE when there is no colon or the name is not ftext.
 */
gboolean
dkimmod_header_split (const char *field, gsize len, gsize *name_len, gsize *value_off)
{
  gsize i = 0, n;

  while (i < len && is_ftext ((guchar) field[i]))
    i++;
  n = i;
  while (i < len && (field[i] == ' ' || field[i] == '\t'))
    i++;
  if (n == 0 || i >= len || field[i] != ':')
    return FALSE;
  *name_len = n;
  *value_off = i + 1;
  return TRUE;
}

gboolean
dkimmod_header_is_named (const char *field, gsize len, const char *name, gsize *value_off)
{
  gsize name_len, off;

  if (!dkimmod_header_split (field, len, &name_len, &off) || name_len != strlen (name)
      || g_ascii_strncasecmp (field, name, name_len) != 0)
    return FALSE;
  if (value_off != NULL)
    *value_off = off;
  return TRUE;
}

DkimmodHeaderField *
dkimmod_header_field_new (const char *field, gsize len, GError **error)
{
  DkimmodHeaderField *f;
  gsize name_len, value_off, body_len = len, i;

  if (len > DKIMMOD_LIMIT_FIELD_BYTES)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT,
                   "header field of %" G_GSIZE_FORMAT " bytes is over the limit of %u",
                   len, DKIMMOD_LIMIT_FIELD_BYTES);
      return NULL;
    }
  if (field == NULL || !dkimmod_header_split (field, len, &name_len, &value_off))
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
                   "malformed header field (no name followed by a colon)");
      return NULL;
    }
  if (body_len >= 2 && field[body_len - 2] == '\r' && field[body_len - 1] == '\n')
    body_len -= 2;
  for (i = 0; i + 1 < body_len; i++)
    if (field[i] == '\r' && field[i + 1] == '\n'
        && (i + 2 >= body_len || (field[i + 2] != ' ' && field[i + 2] != '\t')))
      {
        g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
                     "header field %.*s holds a line that is not a continuation",
                     (int) MIN (name_len, 64), field);
        return NULL;
      }
  f = g_new0 (DkimmodHeaderField, 1);
  f->lname = g_ascii_strdown (field, (gssize) name_len);
  f->data = g_memdup2 (field, len);
  f->len = len;
  return f;
}

void
dkimmod_header_field_free (DkimmodHeaderField *f)
{
  if (f == NULL)
    return;
  g_free (f->lname);
  g_free (f->data);
  g_free (f);
}

gboolean
dkimmod_header_keep (GPtrArray *fields, guint *count, gsize *bytes, const char *field, gsize len,
                     GError **error)
{
  g_autoptr (GError) local = NULL;
  DkimmodHeaderField *f;

  if (++*count > DKIMMOD_LIMIT_HEADER_COUNT || (*bytes += len) > DKIMMOD_LIMIT_HEADER_BYTES)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "header over %u fields or %u bytes",
                   DKIMMOD_LIMIT_HEADER_COUNT, DKIMMOD_LIMIT_HEADER_BYTES);
      return FALSE;
    }
  f = dkimmod_header_field_new (field, len, &local);
  if (f == NULL && g_error_matches (local, DKIMMOD_ERROR, DKIMMOD_E_LIMIT))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (f != NULL)
    g_ptr_array_add (fields, f);
  return TRUE;
}

/* name_in - is NAME (lower-case) in ARRAY */
static gboolean
name_in (const GPtrArray *array, const char *name)
{
  for (guint i = 0; i < array->len; i++)
    if (strcmp (g_ptr_array_index (array, i), name) == 0)
      return TRUE;
  return FALSE;
}

GPtrArray *
dkimmod_header_name_list (const char *list, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) parts = g_strsplit (list, ":", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *name = g_strstrip (parts[i]);
      gsize n = strlen (name);

      if (n == 0)
        continue;
      for (gsize j = 0; j < n; j++)
        if (!is_ftext ((guchar) name[j]))
          {
            g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
                         "\"%s\" is not a header field name", name);
            return NULL;
          }
      name = g_ascii_strdown (name, (gssize) n);
      if (name_in (names, name) || names->len >= DKIMMOD_LIMIT_SIGNED_HEADERS)
        g_free (name);
      else
        g_ptr_array_add (names, name);
    }
  return g_steal_pointer (&names);
}

/* static_list - a GPtrArray pointing into a static table (no copies:
 * the default plan costs no allocation per name and message) */
static GPtrArray *
static_list (const char *const *table, gsize n)
{
  GPtrArray *a = g_ptr_array_sized_new ((guint) n);

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (a, (gpointer) table[i]);
  return a;
}

DkimmodHeaderPlan *
dkimmod_header_plan_new (const char *headers, const char *oversign, GError **error)
{
  g_autoptr (DkimmodHeaderPlan) plan = g_new0 (DkimmodHeaderPlan, 1);

  if (headers == NULL)
    plan->sign = static_list (default_sign, G_N_ELEMENTS (default_sign));
  else if ((plan->sign = dkimmod_header_name_list (headers, error)) == NULL)
    return NULL;
  if (!name_in (plan->sign, "from"))
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_INVAL,
                   "the signed header list must include From (RFC 6376 5.4)");
      return NULL;
    }
  if (oversign == NULL)
    plan->oversign = static_list (default_oversign, G_N_ELEMENTS (default_oversign));
  else if ((plan->oversign = dkimmod_header_name_list (oversign, error)) == NULL)
    return NULL;
  /* "" switches oversigning off entirely; a list replaces the "always"
   * set and keeps the harmless "when present" one. */
  plan->oversign_present = oversign == NULL || plan->oversign->len > 0;
  return g_steal_pointer (&plan);
}

void
dkimmod_header_plan_free (DkimmodHeaderPlan *plan)
{
  if (plan == NULL)
    return;
  if (plan->sign != NULL)
    g_ptr_array_unref (plan->sign);
  if (plan->oversign != NULL)
    g_ptr_array_unref (plan->oversign);
  g_free (plan);
}

/* count_fields - instances of NAME in FIELDS */
static guint
count_fields (const GPtrArray *fields, const char *name)
{
  guint n = 0;

  for (guint i = 0; i < fields->len; i++)
    if (strcmp (((DkimmodHeaderField *) g_ptr_array_index (fields, i))->lname, name) == 0)
      n++;
  return n;
}

/* oversigned_when_present - Date, Message-ID, ..., Content-* */
static gboolean
oversigned_when_present (const char *name)
{
  if (g_str_has_prefix (name, "content-"))
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (oversign_if_present); i++)
    if (strcmp (oversign_if_present[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* add_name - appends NAME COUNT times to H within the h= limit */
static void
add_name (GPtrArray *h, const char *name, guint count)
{
  while (count-- > 0 && h->len < DKIMMOD_LIMIT_SIGNED_HEADERS)
    g_ptr_array_add (h, (gpointer) name);
}

GPtrArray *
dkimmod_header_select (const DkimmodHeaderPlan *plan, const GPtrArray *fields)
{
  GPtrArray *h = g_ptr_array_new ();

  for (guint i = 0; i < plan->sign->len; i++)
    {
      const char *name = g_ptr_array_index (plan->sign, i);
      guint n = count_fields (fields, name);

      if (name_in (plan->oversign, name))
        n++;
      else if (n > 0 && plan->oversign_present && oversigned_when_present (name))
        n++;
      add_name (h, name, n);
    }
  /* Oversigned names outside the sign list still get their extra entry
   * (and their instances, which would otherwise be unprotected). */
  for (guint i = 0; i < plan->oversign->len; i++)
    {
      const char *name = g_ptr_array_index (plan->oversign, i);

      if (!name_in (plan->sign, name))
        add_name (h, name, count_fields (fields, name) + 1);
    }
  return h;
}

void
dkimmod_header_hash_input (const GPtrArray *fields, const GPtrArray *h, DkimmodCanon canon,
                           GString *out)
{
  for (guint i = 0; i < h->len; i++)
    {
      const char *name = g_ptr_array_index (h, i);
      guint skip = 0;

      /* the k-th mention of a name takes its k-th instance from the
       * bottom (h= is short: counting earlier mentions beats a table) */
      for (guint k = 0; k < i; k++)
        skip += strcmp (g_ptr_array_index (h, k), name) == 0;
      for (guint j = fields->len; j > 0; j--)
        {
          const DkimmodHeaderField *f = g_ptr_array_index (fields, j - 1);

          if (strcmp (f->lname, name) != 0)
            continue;
          if (skip-- == 0)
            {
              dkimmod_canon_header (canon, f->data, f->len, out);
              break;
            }
        }
    }
}
