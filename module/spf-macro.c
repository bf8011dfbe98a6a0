/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	spf-macro.c - SPF macro-strings: syntax check and expansion
 * SYNOPSIS
 *	dkimmod_spf_macro_check, dkimmod_spf_macro_uses_p,
 *	dkimmod_spf_macro_expand, dkimmod_spf_ip_macro
 * DESCRIPTION
 *	A macro-string is literal visible ASCII and macro-expands: "%%",
 *	"%_" (a space), "%-" ("%20") and "%{" letter [digits] ["r"]
 *	[delimiters] "}". Letters s l o d i p h v everywhere, c r t only in
 *	explanation text; an upper-case letter is URL-escaped after the
 *	transformers (RFC 3986 unreserved characters kept). Transformers
 *	split the value at the delimiters (default "."), reverse the parts
 *	with "r", keep the rightmost DIGITS of them (never 0), and join them
 *	with ".". A domain-spec must end in "." toplabel ["."] or in a
 *	macro-expand, and its expansion is cut from the left, whole labels
 *	at a time, to 253 bytes.
 * STANDARDS
 *	RFC 7208 section 7 (macros), section 12 (ABNF: macro-string,
 *	domain-spec, toplabel); RFC 3986 section 2.3 (unreserved).
 * SECURITY
 *	Records are attacker-controlled. Expansion is one pass, never
 *	recursive (an expanded value is not scanned again), and bounded:
 *	DKIMMOD_SPF_LIMIT_EXPANSION_BYTES in all, digits capped at
 *	DKIMMOD_SPF_LIMIT_MACRO_DIGITS. This is where CVE-2021-20314 and
 *	CVE-2023-42118 hit libspf2: here lengths are GString's, not
 *	hand-kept counters.
 * NEVER
 *	Expand a string that failed the syntax check; write past a buffer.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "error-private.h"
#include "spf.h"

#define DOMAIN_MAX 253u

/* Macro letters: which are allowed where. */
static gboolean
letter_ok (char c, gboolean exp)
{
  c = g_ascii_tolower (c);
  if (strchr ("slodiphv", c) != NULL)
    return TRUE;
  return exp && strchr ("crt", c) != NULL;
}

static gboolean
is_delimiter (char c)
{
  return c != '\0' && strchr (".-+,/_=", c) != NULL;
}

/* Visible ASCII but '%' (macro-literal); a space too in explanations. */
static gboolean
is_literal (guchar c, gboolean exp)
{
  return (c >= 0x21 && c <= 0x7e && c != '%') || (exp && c == ' ');
}

/* toplabel - RFC 7208 12: alphanumerics and inner hyphens, not all digits */
static gboolean
is_toplabel (const char *s, gsize len)
{
  gboolean letter_or_hyphen = FALSE;

  if (len == 0 || !g_ascii_isalnum (s[0]) || !g_ascii_isalnum (s[len - 1]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (s[i]) && s[i] != '-')
        return FALSE;
      letter_or_hyphen |= g_ascii_isalpha (s[i]) || s[i] == '-';
    }
  return letter_or_hyphen;
}

/* Parsed "%{...}": letter, digits (0: all), reverse, delimiters. */
typedef struct {
  char letter;
  guint digits;
  gboolean reverse;
  char delims[8];
  gsize len;                    /* bytes of the whole "%{...}" */
} Macro;

/* parse_macro - the macro-expand at S ("%{"), FALSE on a syntax error */
static gboolean
parse_macro (const char *s, const char *end, gboolean exp, Macro *m, GError **error)
{
  const char *p = s + 2;
  guint nd = 0;

  memset (m, 0, sizeof *m);
  if (p >= end || !letter_ok (*p, exp))
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "bad macro letter in \"%.*s\"",
                   (int) MIN (end - s, 32), s);
      return FALSE;
    }
  m->letter = *p++;
  if (p < end && g_ascii_isdigit (*p))
    {
      guint64 v = 0;

      while (p < end && g_ascii_isdigit (*p))
        {
          v = MIN (v * 10 + (*p - '0'), (guint64) G_MAXUINT);
          p++;
        }
      if (v == 0)
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "macro digits of 0");
          return FALSE;
        }
      m->digits = (guint) MIN (v, DKIMMOD_SPF_LIMIT_MACRO_DIGITS);
    }
  if (p < end && g_ascii_tolower (*p) == 'r')
    {
      m->reverse = TRUE;
      p++;
    }
  while (p < end && is_delimiter (*p))
    {
      if (strchr (m->delims, *p) == NULL && nd < sizeof m->delims - 1)
        m->delims[nd++] = *p;
      p++;
    }
  if (p >= end || *p != '}')
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "unterminated macro \"%.*s\"",
                   (int) MIN (end - s, 32), s);
      return FALSE;
    }
  m->len = p + 1 - s;
  return TRUE;
}

/* scan - walks S; with ENV expands into OUT. *LAST_MACRO_END: offset just
 * after the last macro-expand (0 when none). */
static gboolean
scan (const char *s, gsize len, gboolean exp, const DkimmodSpfMacroEnv *env, GString *out,
      gsize *last_macro_end, GError **error);

gboolean
dkimmod_spf_macro_check (const char *s, gsize len, gboolean exp, gboolean domain_spec,
                         GError **error)
{
  gsize last = 0;
  const char *tail, *dot;
  gsize tail_len;

  if (!scan (s, len, exp, NULL, NULL, &last, error))
    return FALSE;
  if (!domain_spec)
    return TRUE;
  if (len == 0)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "empty domain-spec");
      return FALSE;
    }
  /* domain-end: "." toplabel ["."], or a macro-expand last */
  tail = s + last;
  tail_len = len - last;
  if (tail_len == 0 && last > 0)
    return TRUE;
  if (tail_len > 0 && tail[tail_len - 1] == '.')
    tail_len--;
  dot = g_strrstr_len (tail, tail_len, ".");
  if (dot == NULL || !is_toplabel (dot + 1, tail + tail_len - dot - 1))
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
                   "\"%.*s\" does not end in a top-level label", (int) MIN (len, 64), s);
      return FALSE;
    }
  return TRUE;
}

gboolean
dkimmod_spf_macro_uses_p (const char *s)
{
  for (const char *p = s; (p = strchr (p, '%')) != NULL; p++)
    {
      if (p[1] == '{' && g_ascii_tolower (p[2]) == 'p')
        return TRUE;
      if (p[1] != '\0')
        p++;                    /* "%%" is no macro start */
    }
  return FALSE;
}

/* letter_value - the value of macro letter C (lower case) in ENV */
static char *
letter_value (char c, const DkimmodSpfMacroEnv *env)
{
  switch (g_ascii_tolower (c))
    {
    case 's':
      return g_strdup (env->sender);
    case 'l':
      return g_strdup (env->local);
    case 'o':
      return g_strdup (env->sender_domain);
    case 'd':
      return g_strdup (env->domain);
    case 'i':
      return g_strdup (env->ip_macro);
    case 'p':
      return g_strdup (env->validated != NULL ? env->validated : "unknown");
    case 'h':
      return g_strdup (env->helo);
    case 'v':
      return g_strdup (env->ipv6 ? "ip6" : "in-addr");
    case 'c':
      return g_strdup (env->client_ip);
    case 'r':
      return g_strdup (env->receiver != NULL ? env->receiver : "unknown");
    case 't':
      return g_strdup_printf ("%" G_GINT64_FORMAT, env->now);
    default:
      return g_strdup ("");
    }
}

/* transform - VALUE split at M's delimiters, reversed, cut, joined by "." */
static void
transform (const char *value, const Macro *m, GString *out)
{
  const char *delims = m->delims[0] != '\0' ? m->delims : ".";
  g_auto (GStrv) parts = g_strsplit_set (value, delims, -1);
  guint n = g_strv_length (parts), first = 0;

  if (m->reverse)
    for (guint i = 0; i < n / 2; i++)
      {
        char *t = parts[i];

        parts[i] = parts[n - 1 - i];
        parts[n - 1 - i] = t;
      }
  if (m->digits > 0 && m->digits < n)
    first = n - m->digits;
  for (guint i = first; i < n; i++)
    {
      if (i > first)
        g_string_append_c (out, '.');
      g_string_append (out, parts[i]);
    }
}

/* url_escape - RFC 3986 2.3 unreserved kept, the rest %XX */
static void
url_escape (const char *s, GString *out)
{
  for (; *s != '\0'; s++)
    {
      guchar c = *s;

      if (g_ascii_isalnum (c) || strchr ("-._~", c) != NULL)
        g_string_append_c (out, c);
      else
        g_string_append_printf (out, "%%%02X", c);
    }
}

static gboolean
scan (const char *s, gsize len, gboolean exp, const DkimmodSpfMacroEnv *env, GString *out,
      gsize *last_macro_end, GError **error)
{
  const char *p = s, *end = s + len;

  *last_macro_end = 0;
  while (p < end)
    {
      if (out != NULL && out->len > DKIMMOD_SPF_LIMIT_EXPANSION_BYTES)
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "macro expansion over %u bytes",
                       DKIMMOD_SPF_LIMIT_EXPANSION_BYTES);
          return FALSE;
        }
      if (*p != '%')
        {
          if (!is_literal (*p, exp))
            {
              g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
                           "character 0x%02x not allowed in a macro-string", (guchar) *p);
              return FALSE;
            }
          if (out != NULL)
            g_string_append_c (out, *p);
          p++;
          continue;
        }
      if (p + 1 < end && (p[1] == '%' || p[1] == '_' || p[1] == '-'))
        {
          if (out != NULL)
            g_string_append (out, p[1] == '%' ? "%" : p[1] == '_' ? " " : "%20");
          p += 2;
        }
      else if (p + 1 < end && p[1] == '{')
        {
          Macro m;

          if (!parse_macro (p, end, exp, &m, error))
            return FALSE;
          if (out != NULL)
            {
              g_autofree char *value = letter_value (m.letter, env);
              g_autoptr (GString) t = g_string_new (NULL);

              transform (value, &m, t);
              if (g_ascii_isupper (m.letter))
                url_escape (t->str, out);
              else
                g_string_append_len (out, t->str, t->len);
            }
          p += m.len;
        }
      else
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "bad macro \"%.*s\"",
                       (int) MIN (end - p, 8), p);
          return FALSE;
        }
      *last_macro_end = p - s;
    }
  return TRUE;
}

char *
dkimmod_spf_macro_expand (const char *s, const DkimmodSpfMacroEnv *env, gboolean exp,
                          gboolean domain_spec, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  gsize last;
  const char *start;

  if (!scan (s, strlen (s), exp, env, out, &last, error))
    return NULL;
  if (out->len > DKIMMOD_SPF_LIMIT_EXPANSION_BYTES)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "macro expansion over %u bytes",
                   DKIMMOD_SPF_LIMIT_EXPANSION_BYTES);
      return NULL;
    }
  if (!domain_spec)
    return g_string_free (g_steal_pointer (&out), FALSE);
  if (out->len > 0 && out->str[out->len - 1] == '.')
    g_string_truncate (out, out->len - 1);
  /* 7.3: over 253 bytes, labels are removed from the left */
  start = out->str;
  while (strlen (start) > DOMAIN_MAX)
    {
      const char *dot = strchr (start, '.');

      if (dot == NULL)
        break;
      start = dot + 1;
    }
  return g_strdup (start);
}

/* i: IPv6 as 32 dot-separated nibbles, upper case as the RFC 7208 test
 * suite expects (the RFC's text names no case; its 7.4 examples are
 * lower case; DNS compares either the same; docs/interop.md) */
char *
dkimmod_spf_ip_macro (const guint8 *addr, gboolean ipv6)
{
  GString *s = g_string_new (NULL);

  if (!ipv6)
    g_string_append_printf (s, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
  else
    for (guint i = 0; i < 16; i++)
      g_string_append_printf (s, "%s%X.%X", i > 0 ? "." : "", addr[i] >> 4, addr[i] & 0xf);
  return g_string_free (s, FALSE);
}
