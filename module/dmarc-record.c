/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dmarc-record.c - parse a DMARC policy record's tags
 * SYNOPSIS
 *	dkimmod_dmarc_record_parse
 * DESCRIPTION
 *	A DMARC record is "v=DMARC1" followed by ';'-separated tag=value
 *	pairs. The version is matched exactly (RFC 9989 writes it %s"DMARC1");
 *	tag names and the keyword values (none, quarantine, reject, r, s, y, n)
 *	are ABNF quoted strings, so ASCII case is ignored for them. The first
 *	occurrence of a tag counts. Tags that only matter to reports (rua,
 *	ruf, fo, rf, ri) are read only as far as RFC 7489 6.6.3 and RFC 9989
 *	section 4.10.1 need: whether rua= has a valid URI, which turns a record
 *	with a bad p= into one read as p=none.
 * STANDARDS
 *	RFC 9989 sections 4.7 (tags), 4.8 (formal definition); RFC 7489
 *	sections 6.3 and 6.4; RFC 3986 section 3.1 (URI scheme).
 * SECURITY
 *	Linear in the record, bounded by DKIMMOD_LIMIT_DMARC_RECORD_BYTES;
 *	nothing is allocated.
 * NEVER
 *	Treat a record that does not start with v=DMARC1 as DMARC.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "dmarc-record.h"

typedef struct {
  const char *p;
  gsize n;
} Span;

/* trim - SPAN without WSP at either end (RFC 9989: *WSP around ';' and '=') */
static Span
trim (const char *p, gsize n)
{
  while (n > 0 && (*p == ' ' || *p == '\t'))
    p++, n--;
  while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  return (Span) { p, n };
}

static gboolean
span_is (Span s, const char *word)
{
  return s.n == strlen (word) && g_ascii_strncasecmp (s.p, word, s.n) == 0;
}

/* request - dmarc-request: "none" / "quarantine" / "reject" */
static DkimmodDmarcPolicy
request (Span v)
{
  if (span_is (v, "none"))
    return DKIMMOD_DMARC_POLICY_NONE;
  if (span_is (v, "quarantine"))
    return DKIMMOD_DMARC_POLICY_QUARANTINE;
  if (span_is (v, "reject"))
    return DKIMMOD_DMARC_POLICY_REJECT;
  return DKIMMOD_DMARC_POLICY_ABSENT;
}

/* set_request - one of p=, sp=, np= */
static void
set_request (Span v, DkimmodDmarcPolicy *out, gboolean *invalid)
{
  *out = request (v);
  *invalid = *out == DKIMMOD_DMARC_POLICY_ABSENT;
}

/* percent - 1*3DIGIT in 0..100, else -1 */
static int
percent (Span v)
{
  int n = 0;

  if (v.n == 0 || v.n > 3)
    return -1;
  for (gsize i = 0; i < v.n; i++)
    {
      if (!g_ascii_isdigit (v.p[i]))
        return -1;
      n = n * 10 + (v.p[i] - '0');
    }
  return n <= 100 ? n : -1;
}

/* uri_valid - enough of RFC 3986 to tell a URI from junk: a scheme
 * (ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")), a colon, something after */
static gboolean
uri_valid (Span u)
{
  gsize i = 0;

  if (u.n == 0 || !g_ascii_isalpha (u.p[0]))
    return FALSE;
  while (i < u.n && (g_ascii_isalnum (u.p[i]) || strchr ("+-.", u.p[i]) != NULL))
    i++;
  if (i >= u.n || u.p[i] != ':' || i + 1 >= u.n)
    return FALSE;
  for (; i < u.n; i++)
    if ((unsigned char) u.p[i] <= ' ' || (unsigned char) u.p[i] >= 0x7f)
      return FALSE;
  return TRUE;
}

/* urilist_has_valid - dmarc-urilist: any element a valid URI */
static gboolean
urilist_has_valid (Span v)
{
  const char *p = v.p, *end = v.p + v.n;

  while (p <= end)
    {
      const char *c = memchr (p, ',', (gsize) (end - p));
      const char *e = c != NULL ? c : end;

      if (uri_valid (trim (p, (gsize) (e - p))))
        return TRUE;
      p = e + 1;
    }
  return FALSE;
}

/* version_first - the record's first tag is v=DMARC1 (WSP around '='
 * allowed); *REST points after it */
static gboolean
version_first (const char *txt, gsize len, gsize *rest)
{
  const char *semi = memchr (txt, ';', len);
  gsize n = semi != NULL ? (gsize) (semi - txt) : len;
  const char *eq = memchr (txt, '=', n);
  Span name, value;

  if (eq == NULL)
    return FALSE;
  name = trim (txt, (gsize) (eq - txt));
  value = trim (eq + 1, n - (gsize) (eq + 1 - txt));
  /* The ABNF's "v" is a quoted string (any case); the value is exact. */
  if (!span_is (name, "v") || value.n != 6 || memcmp (value.p, "DMARC1", 6) != 0)
    return FALSE;
  *rest = semi != NULL ? n + 1 : len;
  return TRUE;
}

/* apply_tag - one NAME=VALUE; SEEN keeps first occurrences */
static void
apply_tag (DkimmodDmarcRecord *rec, Span name, Span v, guint *seen)
{
  static const char *const names[] = { "p", "sp", "np", "adkim", "aspf", "pct", "t", "psd", "rua" };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (names); k++)
    if (span_is (name, names[k]))
      break;
  if (k == G_N_ELEMENTS (names) || (*seen & (1u << k)) != 0)
    return;  /* unknown tags MUST be ignored; a repeated tag is not read again */
  *seen |= 1u << k;
  switch (k)
    {
    case 0: set_request (v, &rec->p, &rec->p_invalid); break;
    case 1: set_request (v, &rec->sp, &rec->sp_invalid); break;
    case 2: set_request (v, &rec->np, &rec->np_invalid); break;
    case 3: rec->strict_dkim = span_is (v, "s"); break;
    case 4: rec->strict_spf = span_is (v, "s"); break;
    case 5: rec->pct = percent (v) >= 0 ? (guint) percent (v) : 100; break;
    case 6: rec->testing = span_is (v, "y"); break;
    case 7: rec->psd = span_is (v, "y") ? 'y' : span_is (v, "n") ? 'n' : 'u'; break;
    default: rec->rua_valid = urilist_has_valid (v); break;
    }
}

/**
 * dkimmod_dmarc_record_parse:
 * @txt: one TXT record, its strings concatenated
 * @len: its length
 * @rec: (out): the tags
 *
 * Returns: TRUE when @txt is a DMARC record.
 */
gboolean
dkimmod_dmarc_record_parse (const char *txt, gsize len, DkimmodDmarcRecord *rec)
{
  gsize off;
  guint seen = 0;

  memset (rec, 0, sizeof *rec);
  rec->pct = 100;
  rec->psd = 'u';
  if (txt == NULL || len > DKIMMOD_LIMIT_DMARC_RECORD_BYTES || !version_first (txt, len, &off))
    return FALSE;
  while (off < len)
    {
      const char *p = txt + off;
      const char *semi = memchr (p, ';', len - off);
      gsize n = semi != NULL ? (gsize) (semi - p) : len - off;
      const char *eq = memchr (p, '=', n);

      if (eq != NULL)
        apply_tag (rec, trim (p, (gsize) (eq - p)), trim (eq + 1, n - (gsize) (eq + 1 - p)),
                   &seen);
      off += n + 1;
    }
  return TRUE;
}
