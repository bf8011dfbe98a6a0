/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	authres.c - RFC 8601 Authentication-Results: build ours, spot forgeries
 * SYNOPSIS
 *	dkimmod_result_name, dkimmod_authres_format, dkimmod_authres_resinfo,
 *	dkimmod_authres_is_ours; for every method's resinfo (authres.h):
 *	dkimmod_authres_words_new, dkimmod_authres_property,
 *	dkimmod_authres_comment, dkimmod_authres_dkim_words,
 *	dkimmod_authres_field, dkimmod_authres_line
 * DESCRIPTION
 *	dkimmod_authres_format() writes one field with one "dkim=" resinfo per
 *	evaluated signature (or "dkim=none"), each on its own folded line:
 *	result, a comment with the key size (and "testing", "secure"), a
 *	reason= for anything but pass, then header.d, header.i, header.s,
 *	header.a and header.b. Values that are not RFC 2045 tokens (a base64
 *	b= with '/', odd bytes from a hostile d=) are written as
 *	quoted-strings, escaped. header.b is the shortest prefix, at least 8
 *	characters, that tells this signature apart from every other
 *	signature in the message (RFC 6008 section 4).
 *
 *	Every method (dkim, spf, dmarc, arc) builds its resinfo as an array
 *	of words with the same helpers, and dkimmod_authres_field() folds
 *	them into one field, so quoting and folding exist once.
 *
 *	dkimmod_authres_is_ours() reads just enough of a received field
 *	(name, CFWS with nested comments, the authserv-id as token or
 *	quoted-string) to say whether it claims our authserv-id, so the host
 *	can remove it before adding ours (RFC 8601 section 5).
 * STANDARDS
 *	RFC 8601 sections 2.2 (syntax), 2.7.1 (dkim results), 5 (removal);
 *	RFC 6008 (header.b); RFC 2045 section 5.1 (token); RFC 5322 3.2.2
 *	(CFWS), 3.2.4 (quoted-string).
 * SECURITY
 *	Values come from the wire: quoted and escaped, CTLs dropped, so a
 *	signature cannot inject a CRLF or a ';' into our field. The removal
 *	scanner is linear and bounded by the field's length; comment depth is
 *	a counter, not recursion.
 * NEVER
 *	Emit a value unquoted that is not a token.
 */
#include "dkimmod-build-config.h"

#include <string.h>
#include <glib.h>

#include "authres.h"

#define FOLD_COLUMN 78
#define HEADER_B_MIN 8

static const char *const result_names[] = {
  [DKIMMOD_RESULT_NONE] = "none",
  [DKIMMOD_RESULT_PASS] = "pass",
  [DKIMMOD_RESULT_FAIL] = "fail",
  [DKIMMOD_RESULT_NEUTRAL] = "neutral",
  [DKIMMOD_RESULT_POLICY] = "policy",
  [DKIMMOD_RESULT_TEMPERROR] = "temperror",
  [DKIMMOD_RESULT_PERMERROR] = "permerror",
};

/**
 * dkimmod_result_name:
 *
 * Returns: (transfer none): the RFC 8601 name of @result.
 */
const char *
dkimmod_result_name (DkimmodResult result)
{
  if ((unsigned) result >= G_N_ELEMENTS (result_names))
    return "permerror";
  return result_names[result];
}

/* is_tspecial - RFC 2045 tspecials */
static gboolean
is_tspecial (char c)
{
  return strchr ("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* is_token_char - RFC 2045 token character (printable ASCII, no tspecial) */
static gboolean
is_token_char (unsigned char c)
{
  return c > 0x20 && c < 0x7f && !is_tspecial (c);
}

/* is_token - a non-empty run of token characters */
static gboolean
is_token (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!is_token_char (*s))
      return FALSE;
  return TRUE;
}

/* append_quoted - RFC 5322 quoted-string, CTLs dropped */
static void
append_quoted (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (; *s != '\0'; s++)
    {
      unsigned char c = *s;

      if (c < 0x20 || c == 0x7f)
        continue;
      if (c == '"' || c == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* is_domain_name - RFC 6376 domain-name: sub-domain 1*("." sub-domain),
 * each a letter or digit, then letters, digits and hyphens, not ending
 * in a hyphen */
static gboolean
is_domain_name (const char *s)
{
  guint labels = 0;

  while (*s != '\0')
    {
      const char *start = s;

      if (!g_ascii_isalnum (*s))
        return FALSE;
      while (g_ascii_isalnum (*s) || *s == '-')
        s++;
      if (s[-1] == '-' || s - start > 63)
        return FALSE;
      labels++;
      if (*s == '.')
        {
          s++;
          if (*s == '\0')
            return FALSE;
        }
      else if (*s != '\0')
        return FALSE;
    }
  return labels >= 2;
}

/* is_identity_pvalue - [local-part] "@" domain-name, the form RFC 8601's
 * pvalue allows bare: a dot-atom local-part (RFC 5321 Dot-string) */
static gboolean
is_identity_pvalue (const char *s)
{
  const char *at = strrchr (s, '@');
  gboolean atom_start = TRUE;

  if (at == NULL || !is_domain_name (at + 1))
    return FALSE;
  for (const char *p = s; p < at; p++)
    {
      if (*p == '.')
        {
          if (atom_start)
            return FALSE;   /* a leading dot or ".." */
          atom_start = TRUE;
        }
      else if (g_ascii_isalnum (*p) || strchr ("!#$%&'*+-/=?^_`{|}~", *p) != NULL)
        atom_start = FALSE;
      else
        return FALSE;
    }
  return at == s || !atom_start;   /* no trailing dot */
}

/* dkimmod_authres_append_pvalue - VALUE as an RFC 8601 pvalue: bare when
 * it is a token (or, IDENTITY, a dot-atom "@" domain-name), else a
 * quoted-string with CTLs dropped */
void
dkimmod_authres_append_pvalue (GString *out, const char *value, gboolean identity)
{
  if (is_token (value) || (identity && is_identity_pvalue (value)))
    g_string_append (out, value);
  else
    append_quoted (out, value);
}

/* dkimmod_authres_property - "NAME=VALUE", VALUE bare when it may be, else
 * quoted; CTLs dropped first, and nothing written when nothing is left
 * (an empty value says nothing) */
void
dkimmod_authres_property (GPtrArray *words, const char *name, const char *value,
                          gboolean identity)
{
  GString *w;
  g_autoptr (GString) clean = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    if ((unsigned char) *p >= 0x20 && *p != 0x7f)
      g_string_append_c (clean, *p);
  if (clean->len == 0)
    return;
  w = g_string_new (name);
  g_string_append_c (w, '=');
  dkimmod_authres_append_pvalue (w, clean->str, identity);
  g_ptr_array_add (words, g_string_free (w, FALSE));
}

void
dkimmod_authres_add_property (GPtrArray *words, const char *name, const char *value)
{
  dkimmod_authres_property (words, name, value, FALSE);
}

/* header_b_prefix_len - shortest unique prefix of B (>= 8) among ALL */
static gsize
header_b_prefix_len (const char *b, const char *const *all, gsize n_all)
{
  gsize len = strlen (b);
  gsize need = HEADER_B_MIN;

  for (gsize i = 0; i < n_all; i++)
    {
      gsize common = 0;

      if (all[i] == NULL || strcmp (all[i], b) == 0)
        continue;
      while (b[common] != '\0' && all[i][common] == b[common])
        common++;
      need = MAX (need, common + 1);
    }
  return MIN (need, len);
}

/* dkimmod_authres_words_new - a resinfo's first word, "METHOD=RESULT" */
GPtrArray *
dkimmod_authres_words_new (const char *method, const char *result)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (words, g_strconcat (method, "=", result, NULL));
  return words;
}

/* dkimmod_authres_comment - "(TEXT)", parentheses and backslashes in TEXT
 * escaped, CTLs dropped (RFC 5322 3.2.2 ccontent) */
void
dkimmod_authres_comment (GPtrArray *words, const char *text)
{
  GString *w = g_string_new ("(");

  for (const char *p = text; *p != '\0'; p++)
    {
      unsigned char c = *p;

      if (c < 0x20 || c == 0x7f)
        continue;
      if (c == '(' || c == ')' || c == '\\')
        g_string_append_c (w, '\\');
      g_string_append_c (w, c);
    }
  g_string_append_c (w, ')');
  g_ptr_array_add (words, g_string_free (w, FALSE));
}

/* dkimmod_authres_dkim_words - the words of one dkim= resinfo, in RFC 8601 order */
GPtrArray *
dkimmod_authres_dkim_words (const DkimmodSignatureResult *r, const char *const *all_b,
                            gsize n_all_b)
{
  GPtrArray *words = dkimmod_authres_words_new ("dkim", dkimmod_result_name (r->result));
  g_autoptr (GString) comment = g_string_new (NULL);

  if (r->key_bits > 0)
    g_string_append_printf (comment, "%u-bit key", r->key_bits);
  if (r->testing)
    g_string_append_printf (comment, "%stesting", comment->len ? "; " : "");
  if (r->secure)
    g_string_append_printf (comment, "%ssecure", comment->len ? "; " : "");
  if (comment->len > 0)
    dkimmod_authres_comment (words, comment->str);
  if (r->result != DKIMMOD_RESULT_PASS && r->reason != NULL && r->reason[0] != '\0')
    dkimmod_authres_property (words, "reason", r->reason, FALSE);
  if (r->domain != NULL && r->domain[0] != '\0')
    dkimmod_authres_property (words, "header.d", r->domain, FALSE);
  if (r->identity != NULL && r->identity[0] != '\0')
    dkimmod_authres_property (words, "header.i", r->identity, TRUE);
  if (r->selector != NULL && r->selector[0] != '\0')
    dkimmod_authres_property (words, "header.s", r->selector, FALSE);
  if (r->algorithm != NULL && r->algorithm[0] != '\0')
    dkimmod_authres_property (words, "header.a", r->algorithm, FALSE);
  if (r->b != NULL && r->b[0] != '\0')
    {
      g_autofree char *prefix = g_strndup (r->b, header_b_prefix_len (r->b, all_b, n_all_b));
      dkimmod_authres_property (words, "header.b", prefix, FALSE);
    }
  return words;
}

/* append_folded - each resinfo on its own line, wrapped before 78 columns */
static void
append_folded (GString *out, GPtrArray *words, gboolean last)
{
  gsize column = 8;  /* a tab */

  g_string_append (out, "\r\n\t");
  for (guint i = 0; i < words->len; i++)
    {
      const char *w = words->pdata[i];
      gsize wl = strlen (w) + (last || i + 1 < words->len ? 0 : 1);

      if (i > 0 && column + 1 + wl > FOLD_COLUMN)
        {
          g_string_append (out, "\r\n\t ");
          column = 9;
        }
      else if (i > 0)
        {
          g_string_append_c (out, ' ');
          column++;
        }
      g_string_append (out, w);
      column += strlen (w);
    }
  if (!last)
    g_string_append_c (out, ';');
}

/**
 * dkimmod_authres_format:
 * @authserv_id: our authserv-id (a host name)
 * @results: (array length=n): the signatures' results
 * @n: how many; 0 writes dkim=none
 * @all_b: (array length=n_all_b) (nullable): every b= in the message
 * @n_all_b: their number
 *
 * Returns: (transfer full) (nullable): the whole field, folded, ending
 *   in CRLF; NULL when a result's reserved[] is not zero.
 */
/* reserved_zero - whether R's padding is zero: a field a later version
 * put there would be misread as absent */
static gboolean
reserved_zero (const DkimmodSignatureResult *r)
{
  for (gsize i = 0; i < G_N_ELEMENTS (r->reserved); i++)
    if (r->reserved[i] != NULL)
      return FALSE;
  return TRUE;
}

char *
dkimmod_authres_format (const char *authserv_id, const DkimmodSignatureResult *results, size_t n,
                        const char *const *all_b, size_t n_all_b)
{
  g_autofree const char **own_b = NULL;
  g_autoptr (GPtrArray) resinfos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  g_return_val_if_fail (authserv_id != NULL && (results != NULL || n == 0), NULL);
  for (size_t i = 0; i < n; i++)
    if (!reserved_zero (&results[i]))
      return NULL;
  if (all_b == NULL)
    {
      own_b = g_new0 (const char *, n + 1);
      for (size_t i = 0; i < n; i++)
        own_b[i] = results[i].b;
      all_b = own_b;
      n_all_b = n;
    }
  if (n == 0)
    g_ptr_array_add (resinfos, dkimmod_authres_words_new ("dkim", "none"));
  for (size_t i = 0; i < n; i++)
    g_ptr_array_add (resinfos, dkimmod_authres_dkim_words (&results[i], all_b, n_all_b));
  return dkimmod_authres_field (authserv_id, (GPtrArray *const *) resinfos->pdata, resinfos->len);
}

/* dkimmod_authres_field - "Authentication-Results: ID;" then each resinfo
 * (an array of words) on its own folded line; "none" when there is none
 * (RFC 8601 2.2 no-result) (transfer full) */
char *
dkimmod_authres_field (const char *authserv_id, GPtrArray *const *resinfos, gsize n)
{
  GString *out = g_string_new ("Authentication-Results: ");

  if (is_token (authserv_id))
    g_string_append (out, authserv_id);
  else
    append_quoted (out, authserv_id);
  g_string_append_c (out, ';');
  if (n == 0)
    g_string_append (out, " none");
  else if (n == 1 && resinfos[0]->len == 1)
    g_string_append_printf (out, " %s", (const char *) resinfos[0]->pdata[0]);  /* "dkim=none" */
  else
    for (gsize i = 0; i < n; i++)
      append_folded (out, resinfos[i], i + 1 == n);
  g_string_append (out, "\r\n");
  return g_string_free (out, FALSE);
}

/* dkimmod_authres_line - one resinfo's words on one line (transfer full) */
char *
dkimmod_authres_line (GPtrArray *words)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; i < words->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, words->pdata[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * dkimmod_authres_resinfo:
 * @result: one signature's result
 * @all_b: (array length=n_all_b) (nullable): every b= in the message
 *
 * Returns: (transfer full) (nullable): the resinfo on one line, no CRLF;
 *   NULL when @result's reserved[] is not zero.
 */
char *
dkimmod_authres_resinfo (const DkimmodSignatureResult *result, const char *const *all_b,
                         size_t n_all_b)
{
  const char *own[1];
  g_autoptr (GPtrArray) words = NULL;

  g_return_val_if_fail (result != NULL, NULL);
  if (!reserved_zero (result))
    return NULL;
  if (all_b == NULL)
    {
      own[0] = result->b;
      all_b = own;
      n_all_b = 1;
    }
  words = dkimmod_authres_dkim_words (result, all_b, n_all_b);
  return dkimmod_authres_line (words);
}

typedef struct {
  const char *p;
  const char *end;
} Scan;

const char *
dkimmod_authres_skip_cfws (const char *p, const char *end)
{
  guint depth = 0;

  while (p < end)
    {
      char c = *p;

      if (depth > 0 && c == '\\' && end - p >= 2)
        p += 2;
      else if (c == '(')
        depth++, p++;
      else if (c == ')' && depth > 0)
        depth--, p++;
      else if (depth > 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n')
        p++;
      else
        break;
    }
  return depth == 0 ? p : NULL;
}

/* cfws - skips WSP, folding CRLFs and (nested) comments; FALSE if a
 * comment is unterminated */
static gboolean
cfws (Scan *s)
{
  const char *p = dkimmod_authres_skip_cfws (s->p, s->end);

  if (p == NULL)
    return FALSE;
  s->p = p;
  return TRUE;
}

/* authserv_id_value - the token or quoted-string at S, unescaped */
static char *
authserv_id_value (Scan *s)
{
  GString *v = g_string_new (NULL);

  if (s->p < s->end && *s->p == '"')
    {
      for (s->p++; s->p < s->end && *s->p != '"'; s->p++)
        {
          if (*s->p == '\\' && s->end - s->p >= 2)
            s->p++;
          g_string_append_c (v, *s->p);
        }
      if (s->p >= s->end)
        return g_string_free (v, TRUE), NULL;
      s->p++;
      return g_string_free (v, FALSE);
    }
  /* bytes >= 0x80 allowed: RFC 8616 permits a UTF-8 authserv-id */
  while (s->p < s->end && (is_token_char (*s->p) || (unsigned char) *s->p >= 0x80))
    g_string_append_c (v, *s->p++);
  return g_string_free (v, FALSE);
}

/* same_authserv_id - A and B name the same host: ASCII case ignored and
 * one final dot ignored on either ("mx.example.com." is an absolute
 * spelling of "mx.example.com", and a forger would use it) */
static gboolean
same_authserv_id (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);

  if (la > 1 && a[la - 1] == '.')
    la--;
  if (lb > 1 && b[lb - 1] == '.')
    lb--;
  return la == lb && g_ascii_strncasecmp (a, b, la) == 0;
}

/**
 * dkimmod_authres_is_ours:
 * @field: one header field as received ("Name: value", CRLFs included)
 * @len: its length (no NUL needed)
 * @authserv_id: ours
 *
 * Returns: 1 when @field is Authentication-Results for @authserv_id.
 */
int
dkimmod_authres_is_ours (const char *field, size_t len, const char *authserv_id)
{
  static const char name[] = "Authentication-Results";
  Scan s = { field, field + len };
  g_autofree char *id = NULL;

  g_return_val_if_fail (field != NULL && authserv_id != NULL, 0);
  if (len < sizeof name || g_ascii_strncasecmp (field, name, sizeof name - 1) != 0)
    return 0;
  s.p += sizeof name - 1;
  while (s.p < s.end && (*s.p == ' ' || *s.p == '\t'))
    s.p++;  /* RFC 5322 obs-optional: WSP before the colon */
  if (s.p >= s.end || *s.p++ != ':' || !cfws (&s))
    return 0;
  id = authserv_id_value (&s);
  if (id == NULL || id[0] == '\0' || !same_authserv_id (id, authserv_id))
    return 0;
  /* what follows must end the id: CFWS, a version, ';' or the end */
  return s.p == s.end || strchr (" \t\r\n(;", *s.p) != NULL;
}
