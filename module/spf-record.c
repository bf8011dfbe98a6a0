/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	spf-record.c - parse an SPF record into its terms
 * SYNOPSIS
 *	dkimmod_spf_record_parse, dkimmod_spf_record_free,
 *	dkimmod_spf_record_is_spf1
 * DESCRIPTION
 *	"v=spf1" then terms separated by spaces: directives ([qualifier]
 *	all, include:, a[:][cidr], mx[:][cidr], ptr[:], ip4:, ip6:, exists:)
 *	and modifiers (redirect=, exp=, and unknown NAME=macro-string, which
 *	are checked and ignored). The whole record is checked before any of
 *	it is evaluated: any syntax error anywhere is permerror (4.6), also
 *	after "all". Mechanism and modifier names are case-insensitive;
 *	redirect= and exp= at most once each (6); CIDR lengths without
 *	leading zeros, at most 32 and 128 (5.6); ip4:/ip6: addresses as
 *	inet_pton() reads them (no leading zeros in a dotted quad).
 * STANDARDS
 *	RFC 7208 sections 4.5, 4.6, 5, 6 and 12 (ABNF).
 * SECURITY
 *	The record is attacker-controlled: bounded by
 *	DKIMMOD_SPF_LIMIT_RECORD_BYTES, ASCII only (3.1), parsed in one pass.
 * NEVER
 *	Evaluate anything: this only parses.
 */
#include "dkimmod-build-config.h"

#include <arpa/inet.h>
#include <string.h>

#include "error-private.h"
#include "spf.h"

static const struct {
  const char *name;
  DkimmodSpfMechanism kind;
} mechanisms[] = {
  { "all", DKIMMOD_SPF_M_ALL },       { "include", DKIMMOD_SPF_M_INCLUDE },
  { "a", DKIMMOD_SPF_M_A },           { "mx", DKIMMOD_SPF_M_MX },
  { "ptr", DKIMMOD_SPF_M_PTR },       { "ip4", DKIMMOD_SPF_M_IP4 },
  { "ip6", DKIMMOD_SPF_M_IP6 },       { "exists", DKIMMOD_SPF_M_EXISTS },
};

static void
term_free (DkimmodSpfTerm *t)
{
  g_free (t->domain_spec);
  g_free (t->text);
  g_free (t);
}

void
dkimmod_spf_record_free (DkimmodSpfRecord *rec)
{
  if (rec == NULL)
    return;
  g_ptr_array_unref (rec->terms);
  g_free (rec->redirect);
  g_free (rec->exp);
  g_free (rec);
}

gboolean
dkimmod_spf_record_is_spf1 (const char *text, gsize len)
{
  return len >= 6 && g_ascii_strncasecmp (text, "v=spf1", 6) == 0 && (len == 6 || text[6] == ' ');
}

static gboolean
syntax (GError **error, const char *term, gsize len, const char *why)
{
  g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "\"%.*s\": %s", (int) MIN (len, 80), term,
               why);
  return FALSE;
}

/* parse_cidr - "/N" with N in 0..MAX, no leading zero; *P moved past it */
static gboolean
parse_cidr (const char **p, const char *end, guint max, guint *out)
{
  const char *s = *p + 1;
  guint v = 0;

  if (*p >= end || **p != '/' || s >= end || !g_ascii_isdigit (*s) || (*s == '0' && s + 1 < end
                                                                         && g_ascii_isdigit (s[1])))
    return FALSE;
  for (; s < end && g_ascii_isdigit (*s); s++)
    {
      v = v * 10 + (*s - '0');
      if (v > max)
        return FALSE;
    }
  *out = v;
  *p = s;
  return TRUE;
}

/* cidr_start - where a dual-cidr-length ends S..END: "/N", "//N" or
 * "/N//N" with digits only, at the very end (a domain-spec may itself
 * hold '/', RFC 7208 7.1); END when there is none */
static const char *
cidr_start (const char *s, const char *end)
{
  const char *p = end;

  for (int part = 0; part < 2; part++)
    {
      const char *d = p;

      while (d > s && g_ascii_isdigit (d[-1]))
        d--;
      if (d == p || d == s || d[-1] != '/')
        break;
      p = d - 1;
      if (part == 0 && p > s && p[-1] == '/')
        {
          p--;                  /* "//N": the ip6 part; an ip4 part may precede */
          continue;
        }
      break;
    }
  return p;
}

/* parse_dual_cidr - [ "/" ip4-cidr ] [ "//" ip6-cidr ], the whole of P..END */
static gboolean
parse_dual_cidr (const char *p, const char *end, DkimmodSpfTerm *t)
{
  gboolean v6_next = end - p >= 2 && p[0] == '/' && p[1] == '/';

  if (p < end && !v6_next && !parse_cidr (&p, end, 32, &t->cidr4))
    return FALSE;
  if (p < end)
    {
      if (end - p < 2 || p[0] != '/' || p[1] != '/')
        return FALSE;
      p++;
      if (!parse_cidr (&p, end, 128, &t->cidr6))
        return FALSE;
    }
  return p == end;
}

/* parse_network - ip4:/ip6: ADDR[/N] */
static gboolean
parse_network (const char *p, const char *end, DkimmodSpfTerm *t)
{
  gboolean v6 = t->kind == DKIMMOD_SPF_M_IP6;
  const char *slash = memchr (p, '/', end - p);
  g_autofree char *addr = g_strndup (p, (slash != NULL ? slash : end) - p);

  if (inet_pton (v6 ? AF_INET6 : AF_INET, addr, t->network) != 1)
    return FALSE;
  if (slash == NULL)
    return TRUE;
  p = slash;
  return parse_cidr (&p, end, v6 ? 128 : 32, v6 ? &t->cidr6 : &t->cidr4) && p == end;
}

/* parse_directive - [qualifier] mechanism */
static gboolean
parse_directive (DkimmodSpfRecord *rec, const char *term, gsize len, GError **error)
{
  g_autoptr (GError) local = NULL;
  const char *p = term, *end = term + len, *name;
  DkimmodSpfTerm *t = g_new0 (DkimmodSpfTerm, 1);
  gsize nlen;
  gboolean ok = FALSE, found = FALSE;

  t->text = g_strndup (term, len);
  t->cidr4 = 32;
  t->cidr6 = 128;
  t->qualifier = DKIMMOD_SPF_PASS;
  g_ptr_array_add (rec->terms, t);
  switch (*p)
    {
    case '+': t->qualifier = DKIMMOD_SPF_PASS; p++; break;
    case '-': t->qualifier = DKIMMOD_SPF_FAIL; p++; break;
    case '~': t->qualifier = DKIMMOD_SPF_SOFTFAIL; p++; break;
    case '?': t->qualifier = DKIMMOD_SPF_NEUTRAL; p++; break;
    default: break;
    }
  name = p;
  while (p < end && *p != ':' && *p != '/')
    p++;
  nlen = p - name;
  for (guint i = 0; i < G_N_ELEMENTS (mechanisms) && !found; i++)
    if (strlen (mechanisms[i].name) == nlen
        && g_ascii_strncasecmp (name, mechanisms[i].name, nlen) == 0)
      {
        t->kind = mechanisms[i].kind;
        found = TRUE;
      }
  if (!found)
    return syntax (error, term, len, "unknown mechanism");
  switch (t->kind)
    {
    case DKIMMOD_SPF_M_ALL:
      ok = p == end;
      rec->has_all = TRUE;
      break;
    case DKIMMOD_SPF_M_INCLUDE:
    case DKIMMOD_SPF_M_EXISTS:
      ok = p < end && *p == ':' && p + 1 < end;
      if (ok)
        {
          t->domain_spec = g_strndup (p + 1, end - p - 1);
          ok = dkimmod_spf_macro_check (t->domain_spec, end - p - 1, FALSE, TRUE, &local);
        }
      break;
    case DKIMMOD_SPF_M_A:
    case DKIMMOD_SPF_M_MX:
    case DKIMMOD_SPF_M_PTR:
      {
        const char *spec_end = end;

        if (t->kind != DKIMMOD_SPF_M_PTR)
          spec_end = *p == ':' ? cidr_start (p + 1, end) : p;
        ok = TRUE;
        if (p < end && *p == ':')
          {
            gsize slen = spec_end - p - 1;

            t->domain_spec = g_strndup (p + 1, slen);
            ok = slen > 0 && dkimmod_spf_macro_check (t->domain_spec, slen, FALSE, TRUE, &local);
          }
        else if (p < end && t->kind == DKIMMOD_SPF_M_PTR)
          ok = FALSE;
        if (ok && t->kind != DKIMMOD_SPF_M_PTR)
          ok = parse_dual_cidr (spec_end, end, t);
      }
      break;
    case DKIMMOD_SPF_M_IP4:
    case DKIMMOD_SPF_M_IP6:
      ok = p < end && *p == ':' && parse_network (p + 1, end, t);
      break;
    }
  if (!ok)
    return syntax (error, term, len, local != NULL ? local->message : "malformed mechanism");
  return TRUE;
}

/* modifier_name_len - length of NAME in "NAME=...", 0 when TERM is no modifier */
static gsize
modifier_name_len (const char *term, gsize len)
{
  gsize i = 0;

  if (len == 0 || !g_ascii_isalpha (term[0]))
    return 0;
  while (i < len && (g_ascii_isalnum (term[i]) || strchr ("-_.", term[i]) != NULL))
    i++;
  return i < len && term[i] == '=' ? i : 0;
}

/* parse_modifier - redirect=, exp=, or an unknown one (checked, ignored) */
static gboolean
parse_modifier (DkimmodSpfRecord *rec, const char *term, gsize len, gsize nlen, GError **error)
{
  g_autoptr (GError) local = NULL;
  const char *value = term + nlen + 1;
  gsize vlen = len - nlen - 1;
  gboolean redirect = nlen == 8 && g_ascii_strncasecmp (term, "redirect", 8) == 0;
  gboolean exp = nlen == 3 && g_ascii_strncasecmp (term, "exp", 3) == 0;
  char **slot = redirect ? &rec->redirect : exp ? &rec->exp : NULL;

  if (!dkimmod_spf_macro_check (value, vlen, FALSE, slot != NULL, &local))
    return syntax (error, term, len, local->message);
  if (slot == NULL)
    return TRUE;
  if (*slot != NULL)
    return syntax (error, term, len, "modifier given twice");
  *slot = g_strndup (value, vlen);
  return TRUE;
}

DkimmodSpfRecord *
dkimmod_spf_record_parse (const char *text, gsize len, GError **error)
{
  g_autoptr (DkimmodSpfRecord) rec = g_new0 (DkimmodSpfRecord, 1);
  const char *p = text + 6, *end = text + len;

  rec->terms = g_ptr_array_new_with_free_func ((GDestroyNotify) term_free);
  if (len > DKIMMOD_SPF_LIMIT_RECORD_BYTES)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "record longer than %u bytes",
                   DKIMMOD_SPF_LIMIT_RECORD_BYTES);
      return NULL;
    }
  for (gsize i = 0; i < len; i++)
    if ((guchar) text[i] > 0x7e || ((guchar) text[i] < 0x20))
      {
        g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
                     "byte 0x%02x in the record (7-bit visible ASCII only)", (guchar) text[i]);
        return NULL;
      }
  if (!dkimmod_spf_record_is_spf1 (text, len))
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "not a v=spf1 record");
      return NULL;
    }
  while (p < end)
    {
      const char *term;
      gsize tlen, nlen;

      while (p < end && *p == ' ')
        p++;
      if (p == end)
        break;
      term = p;
      while (p < end && *p != ' ')
        p++;
      tlen = p - term;
      nlen = modifier_name_len (term, tlen);
      if (nlen > 0 ? !parse_modifier (rec, term, tlen, nlen, error)
                   : !parse_directive (rec, term, tlen, error))
        return NULL;
    }
  return g_steal_pointer (&rec);
}
