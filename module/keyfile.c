/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyfile.c - key records from a file (OpenDKIM TestPublicKeys format)
 * SYNOPSIS
 *	dkimmod_key_file_load, dkimmod_key_file_parse, dkimmod_key_file_lookup,
 *	dkimmod_key_file_free
 * DESCRIPTION
 *	One record per line: "selector._domainkey.domain record-text". The
 *	record is either plain text to the end of the line or a sequence of
 *	quoted strings, as in a zone file ("v=DKIM1; k=rsa; " "p=MIIB..."),
 *	optionally inside parentheses; the strings are concatenated, as a
 *	resolver concatenates a TXT record's strings. Backslash escapes \" and
 *	\\ work inside quotes. Blank lines and lines starting with '#' are
 *	ignored. A name may appear on several lines: several TXT records.
 *	Names are matched case-insensitively, a trailing dot ignored.
 * STANDARDS
 *	RFC 6376 section 3.6.2.2 (TXT strings concatenated); RFC 1035 section
 *	5.1 (character-string quoting).
 * SECURITY
 *	Local, trusted input, still bounded: DKIMMOD_LIMIT_KEY_FILE_BYTES.
 * NEVER
 *	Guess at a malformed line: it is an error naming the line.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "error-private.h"
#include "keyfile.h"

/* A key file for tests or an offline site: a few thousand keys at most. */
#define DKIMMOD_LIMIT_KEY_FILE_TOTAL (16u * 1024u * 1024u)

struct DkimmodKeyFile {
  GHashTable *names;  /* lower-case name -> GPtrArray of char*, NULL-terminated */
};

/* normalize_name - lower case, no trailing dot (transfer full) */
static char *
normalize_name (const char *name, gsize len)
{
  while (len > 0 && name[len - 1] == '.')
    len--;
  return g_ascii_strdown (name, len);
}

/* unquote_strings - concatenates "..." "..." (parentheses allowed) */
static char *
unquote_strings (const char *p, const char *end, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  while (p < end)
    {
      if (g_ascii_isspace (*p) || *p == '(' || *p == ')')
        {
          p++;
          continue;
        }
      if (*p != '"')
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "text outside quotes");
          return NULL;
        }
      for (p++; p < end && *p != '"'; p++)
        {
          if (*p == '\\' && p + 1 < end)
            p++;
          g_string_append_c (out, *p);
        }
      if (p >= end)
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "unterminated quoted string");
          return NULL;
        }
      p++;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* add_record - appends RECORD under NAME */
static void
add_record (DkimmodKeyFile *kf, char *name, char *record)
{
  GPtrArray *list = g_hash_table_lookup (kf->names, name);

  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (list, NULL);
      g_hash_table_insert (kf->names, g_strdup (name), list);
    }
  g_ptr_array_insert (list, list->len - 1, record);
}

/* parse_line - one non-comment line */
static gboolean
parse_line (DkimmodKeyFile *kf, const char *p, const char *end, GError **error)
{
  const char *name = p;
  g_autofree char *lname = NULL;
  char *record;

  while (p < end && !g_ascii_isspace (*p))
    p++;
  lname = normalize_name (name, p - name);
  while (p < end && g_ascii_isspace (*p))
    p++;
  while (end > p && g_ascii_isspace (end[-1]))
    end--;
  if (p == end)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "name without a record");
      return FALSE;
    }
  if (*p == '"' || *p == '(')
    record = unquote_strings (p, end, error);
  else
    record = g_strndup (p, end - p);
  if (record == NULL)
    return FALSE;
  add_record (kf, lname, record);
  return TRUE;
}

static DkimmodKeyFile *
key_file_parse (const char *text, gsize len, const char *origin, GError **error)
{
  g_autoptr (DkimmodKeyFile) kf = g_new0 (DkimmodKeyFile, 1);
  const char *p = text, *end = text + len;
  guint line = 0;

  kf->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) g_ptr_array_unref);
  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *next = eol != NULL ? eol + 1 : end;
      const char *s = p;
      g_autoptr (GError) local = NULL;

      line++;
      if (eol == NULL)
        eol = end;
      while (s < eol && g_ascii_isspace (*s))
        s++;
      if (s < eol && *s != '#' && !parse_line (kf, s, eol, &local))
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "%s:%u: %s", origin, line,
                       local->message);
          return NULL;
        }
      p = next;
    }
  return g_steal_pointer (&kf);
}

/**
 * dkimmod_key_file_parse:
 * @text: (array length=len): the file's contents
 *
 * Returns: (transfer full) (nullable): the key file, or NULL with @err set.
 */
DkimmodKeyFile *
dkimmod_key_file_parse (const char *text, size_t len, DkimmodError *err)
{
  GError *error = NULL;
  DkimmodKeyFile *kf;

  dkimmod_error_clear (err);
  if (text == NULL && len > 0)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "no text");
      dkimmod_error_take (err, error);
      return NULL;
    }
  kf = key_file_parse (text, len, "key file", &error);
  if (kf == NULL)
    dkimmod_error_take (err, error);
  return kf;
}

/**
 * dkimmod_key_file_load:
 * @path: the file
 *
 * Returns: (transfer full) (nullable): the key file, or NULL with @err set.
 */
DkimmodKeyFile *
dkimmod_key_file_load (const char *path, DkimmodError *err)
{
  GError *error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  DkimmodKeyFile *kf = NULL;
  g_autoptr (GError) local = NULL;

  dkimmod_error_clear (err);
  if (!g_file_get_contents (path, &text, &len, &local))
    g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_IO, "%s", local->message);
  else if (len > DKIMMOD_LIMIT_KEY_FILE_TOTAL)
    g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "%s: larger than %u bytes", path,
                 DKIMMOD_LIMIT_KEY_FILE_TOTAL);
  else
    kf = key_file_parse (text, len, path, &error);
  if (kf == NULL)
    dkimmod_error_take (err, error);
  return kf;
}

/**
 * dkimmod_key_file_lookup:
 * @records_out: (out) (optional) (transfer none): the NULL-terminated records
 *
 * Returns: the number of records for @name.
 */
size_t
dkimmod_key_file_lookup (const DkimmodKeyFile *kf, const char *name,
                         const char *const **records_out)
{
  g_autofree char *lname = NULL;
  GPtrArray *list;

  g_return_val_if_fail (kf != NULL && name != NULL, 0);
  lname = normalize_name (name, strlen (name));
  list = g_hash_table_lookup (kf->names, lname);
  if (records_out != NULL)
    *records_out = list != NULL ? (const char *const *) list->pdata : NULL;
  return list != NULL ? list->len - 1 : 0;
}

void
dkimmod_key_file_free (DkimmodKeyFile *kf)
{
  if (kf == NULL)
    return;
  g_clear_pointer (&kf->names, g_hash_table_unref);
  g_free (kf);
}
