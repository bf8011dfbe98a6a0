/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	sigparse.c - read a DKIM-Signature tag list into a signature
 * SYNOPSIS
 *	dkimmod_sigparse_field_tags, dkimmod_sigparse, dkimmod_sigspec_clear,
 *	dkimmod_sigspec_md, dkimmod_sigparse_identity_within_domain
 * DESCRIPTION
 *	The verifier's half of tagspec.c: tagspec.c writes the tag list a
 *	signer emits, this file reads one back. dkimmod_sigparse() checks
 *	the tags RFC 6376 6.1.1 requires and v=1, then d=, s=, i= (decoded
 *	from dkim-quoted-printable, then within d=), a=, c=, h= (From must be named, RFC 6376 5.4), bh= and b=
 *	(strict base64, bh= sized for the hash), t=, x= and l= (decimal,
 *	judged against the caller's clock; x= must be after t=), and q=
 *	(must offer dns/txt). The literal values of a=, c= and q= are
 *	compared ignoring case, as RFC 5234 reads ABNF strings.
 *	The first problem ends parsing; its message is the permerror reason.
 *
 *	dkimmod_sigparse_kind() reads the ARC fields that borrow this tag
 *	set (RFC 8617 4.1.2, 4.1.3): an ARC-Message-Signature has no v=
 *	(ignored if seen), i= is the instance, and its h= may be empty or
 *	hold empty names (they select nothing), but never ARC-Seal; an
 *	ARC-Seal has i= and cv= and no bh=, c= or l=, and an h= makes it
 *	invalid (what it covers is fixed by RFC 8617 5.1.1).
 *
 *	Nothing here hashes or looks keys up: evaluation is verifier.c's.
 * STANDARDS
 *	RFC 8617 sections 4.1.2, 4.1.3, 4.2.1 (ARC fields);
 *	RFC 6376 sections 3.5 (tags; x= "MUST be greater than" t=),
 *	2.11 (dkim-quoted-printable, i=), 3.3 (algorithms), 3.4 (c=),
 *	5.4 (From in h=), 6.1.1 (validating the signature field);
 *	RFC 8463 (ed25519-sha256); RFC 5234 section 2.3 (literal strings
 *	are case-insensitive).
 * SECURITY
 *	Input is one header field already bounded by the header limits
 *	(limits-private.h); the tag list by tagparse.c's limits; h= names by
 *	DKIMMOD_VERIFY_LIMIT_H_NAMES; numbers to 18 digits (no overflow);
 *	d= and s= by DKIMMOD_LIMIT_DOMAIN_BYTES and _SELECTOR_BYTES.
 * NEVER
 *	Accept a signature with a problem: every problem is a permerror.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "keyrecord.h"
#include "limits-private.h"
#include "sigparse.h"

/* reject - sets ERROR (the permerror reason) and returns FALSE */
static gboolean G_GNUC_PRINTF (2, 3)
reject (GError **error, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  g_propagate_error (error, g_error_new_valist (DKIMMOD_RECORD_ERROR,
                                                DKIMMOD_RECORD_ERROR_SYNTAX, fmt, ap));
  va_end (ap);
  return FALSE;
}

/* parse_canon - c= ("simple", "relaxed/simple", ...; default simple/simple) */
static gboolean
parse_canon (const DkimmodTag *c, DkimmodSigSpec *spec)
{
  g_autofree char *val = NULL;
  char *slash;

  spec->hcanon = spec->bcanon = DKIMMOD_CANON_SIMPLE;
  if (c == NULL)
    return TRUE;
  val = dkimmod_tag_value_strip_fws (c);
  slash = strchr (val, '/');
  if (slash != NULL)
    *slash++ = '\0';
  for (int i = 0; i < 2; i++)
    {
      const char *word = i == 0 ? val : slash;
      DkimmodCanon *out = i == 0 ? &spec->hcanon : &spec->bcanon;

      if (word == NULL)
        break;
      if (g_ascii_strcasecmp (word, "relaxed") == 0)
        *out = DKIMMOD_CANON_RELAXED;
      else if (g_ascii_strcasecmp (word, "simple") != 0)
        return FALSE;
    }
  return TRUE;
}

/* parse_uint - a decimal tag value (t=, x=, l=) into *OUT; FALSE on
 * anything but digits or on overflow of 63 bits */
static gboolean
parse_uint (const DkimmodTag *tag, gint64 *out)
{
  guint64 n = 0;

  if (tag->value_len == 0 || tag->value_len > 18)
    return FALSE;
  for (gsize i = 0; i < tag->value_len; i++)
    {
      if (!g_ascii_isdigit (tag->value[i]))
        return FALSE;
      n = n * 10 + (tag->value[i] - '0');
    }
  *out = (gint64) n;
  return TRUE;
}

/* parse_h - h= into lower-case names; NULL on an empty name, unless
 * EMPTY_OK (an AMS: an empty name selects no field) */
static GPtrArray *
parse_h (const DkimmodTag *h, gboolean empty_ok)
{
  g_autofree char *flat = dkimmod_tag_value_strip_fws (h);
  g_auto (GStrv) names = g_strsplit (flat, ":", -1);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  for (char **n = names; *n != NULL; n++)
    {
      if ((**n == '\0' && !empty_ok) || out->len == DKIMMOD_VERIFY_LIMIT_H_NAMES)
        return NULL;
      g_ptr_array_add (out, g_ascii_strdown (*n, -1));
    }
  return g_steal_pointer (&out);
}

/* h_names - whether h= names NAME (lower case) */
static gboolean
h_names (const GPtrArray *h, const char *name)
{
  for (guint i = 0; i < h->len; i++)
    if (strcmp (g_ptr_array_index (h, i), name) == 0)
      return TRUE;
  return FALSE;
}

gboolean
dkimmod_sigparse_identity_within_domain (const char *identity, const char *domain,
                                         gboolean exact)
{
  const char *at = strrchr (identity, '@');
  gsize il, dl = strlen (domain);

  if (at == NULL)
    return FALSE;
  at++;
  il = strlen (at);
  if (g_ascii_strcasecmp (at, domain) == 0)
    return TRUE;
  return !exact && il > dl && at[il - dl - 1] == '.'
         && g_ascii_strcasecmp (at + il - dl, domain) == 0;
}

/* parse_algorithm - a= */
static gboolean
parse_algorithm (const DkimmodTag *a, DkimmodSigSpec *spec)
{
  static const struct { const char *name; DkimmodAlgorithm alg; } table[] = {
    { "rsa-sha256", DKIMMOD_ALG_RSA_SHA256 },
    { "ed25519-sha256", DKIMMOD_ALG_ED25519_SHA256 },
    { "rsa-sha1", DKIMMOD_ALG_RSA_SHA1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (dkimmod_tag_value_equal_ci (a, table[i].name))
      {
        spec->alg = table[i].alg;
        return TRUE;
      }
  return FALSE;
}

const EVP_MD *
dkimmod_sigspec_md (const DkimmodSigSpec *spec)
{
  return spec->alg == DKIMMOD_ALG_RSA_SHA1 ? EVP_sha1 () : EVP_sha256 ();
}

/* check_required - the tags RFC 6376 6.1.1 requires (and v=1), or for
 * an ARC field those RFC 8617 4.1.2 and 4.1.3 require (v= ignored) */
static gboolean
check_required (const DkimmodTagList *tags, DkimmodSigKind kind, GError **error)
{
  static const char *const required[][8] = {
    [DKIMMOD_SIG_DKIM] = { "v", "a", "b", "bh", "d", "h", "s", NULL },
    [DKIMMOD_SIG_AMS] = { "i", "a", "b", "bh", "d", "h", "s", NULL },
    [DKIMMOD_SIG_AS] = { "i", "a", "b", "cv", "d", "s", NULL },
  };

  for (gsize i = 0; required[kind][i] != NULL; i++)
    if (dkimmod_tag_list_find (tags, required[kind][i]) == NULL)
      return reject (error, "missing %s= tag", required[kind][i]);
  if (kind == DKIMMOD_SIG_DKIM
      && !dkimmod_tag_value_equal (dkimmod_tag_list_find (tags, "v"), "1"))
    return reject (error, "unsupported signature version");
  if (kind == DKIMMOD_SIG_AS && dkimmod_tag_list_find (tags, "h") != NULL)
    return reject (error, "h= in an ARC-Seal");
  return TRUE;
}

guint
dkimmod_sigparse_instance (const char *value, gsize len)
{
  guint n = 0;

  if (len == 0 || len > 2)
    return 0;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        return 0;
      n = n * 10 + (guint) (value[i] - '0');
    }
  return n <= DKIMMOD_ARC_MAX_INSTANCE ? n : 0;
}

/* parse_arc_tags - an ARC field's i= (the instance) and an AS's cv= */
static gboolean
parse_arc_tags (const DkimmodTagList *tags, DkimmodSigKind kind, DkimmodSigSpec *spec,
                GError **error)
{
  static const char *const cv_names[] = {
    [DKIMMOD_ARC_CV_NONE] = "none", [DKIMMOD_ARC_CV_FAIL] = "fail", [DKIMMOD_ARC_CV_PASS] = "pass",
  };
  const DkimmodTag *i = dkimmod_tag_list_find (tags, "i");
  const DkimmodTag *cv = dkimmod_tag_list_find (tags, "cv");

  spec->instance = dkimmod_sigparse_instance (i->value, i->value_len);
  if (spec->instance == 0)
    return reject (error, "bad instance i=");
  if (kind != DKIMMOD_SIG_AS)
    return TRUE;
  for (gsize k = 0; k < G_N_ELEMENTS (cv_names); k++)
    if (dkimmod_tag_value_equal_ci (cv, cv_names[k]))
      {
        spec->cv = (DkimmodArcCv) k;
        return TRUE;
      }
  return reject (error, "bad cv=");
}

/* qp_decode - RFC 6376 2.11 dkim-quoted-printable (FWS already gone):
 * "=" and two hex digits for one byte; NULL when an "=" is not so
 * followed, or when a byte decodes to NUL (transfer full) */
static char *
qp_decode (const char *s)
{
  g_autoptr (GString) out = g_string_sized_new (strlen (s));

  for (; *s != '\0'; s++)
    {
      int hi, lo;

      if (*s != '=')
        {
          g_string_append_c (out, *s);
          continue;
        }
      hi = g_ascii_xdigit_value (s[1]);
      lo = hi >= 0 ? g_ascii_xdigit_value (s[2]) : -1;
      if (lo < 0 || (hi == 0 && lo == 0))
        return NULL;
      g_string_append_c (out, (char) (hi * 16 + lo));
      s += 2;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* parse_identity - d=, s=, and for a DKIM-Signature i= (decoded) */
static gboolean
parse_identity (const DkimmodTagList *tags, DkimmodSigKind kind, DkimmodSigSpec *spec,
                GError **error)
{
  const DkimmodTag *i = dkimmod_tag_list_find (tags, "i");

  spec->domain = dkimmod_tag_value_dup (dkimmod_tag_list_find (tags, "d"));
  spec->selector = dkimmod_tag_value_dup (dkimmod_tag_list_find (tags, "s"));
  if (kind != DKIMMOD_SIG_DKIM)
    {
      if (spec->domain[0] == '\0' || strlen (spec->domain) > DKIMMOD_LIMIT_DOMAIN_BYTES
          || spec->selector[0] == '\0' || strlen (spec->selector) > DKIMMOD_LIMIT_SELECTOR_BYTES)
        return reject (error, "bad d= or s=");
      return TRUE;
    }
  if (i != NULL)
    {
      g_autofree char *raw = dkimmod_tag_value_strip_fws (i);

      spec->identity = qp_decode (raw);
      if (spec->identity == NULL)
        {
          spec->identity = g_steal_pointer (&raw);
          return reject (error, "bad quoted-printable in i=");
        }
    }
  else
    spec->identity = g_strconcat ("@", spec->domain, NULL);
  if (spec->domain[0] == '\0' || strlen (spec->domain) > DKIMMOD_LIMIT_DOMAIN_BYTES
      || spec->selector[0] == '\0' || strlen (spec->selector) > DKIMMOD_LIMIT_SELECTOR_BYTES)
    return reject (error, "bad d= or s=");
  if (!dkimmod_sigparse_identity_within_domain (spec->identity, spec->domain, FALSE))
    return reject (error, "i= not within d=");
  return TRUE;
}

/* parse_hashes - b= and (but in an AS) bh= (base64), bh= sized for the hash */
static gboolean
parse_hashes (const DkimmodTagList *tags, DkimmodSigKind kind, DkimmodSigSpec *spec,
              GError **error)
{
  g_autofree char *bh = NULL;

  spec->sig = dkimmod_base64_decode_strict (spec->b, strlen (spec->b));
  if (spec->sig == NULL)
    return reject (error, "bad base64 in b=");
  if (kind == DKIMMOD_SIG_AS)
    return TRUE;
  bh = dkimmod_tag_value_strip_fws (dkimmod_tag_list_find (tags, "bh"));
  spec->bh = dkimmod_base64_decode_strict (bh, strlen (bh));
  if (spec->bh == NULL)
    return reject (error, "bad base64 in bh=");
  if (g_bytes_get_size (spec->bh) != (gsize) EVP_MD_get_size (dkimmod_sigspec_md (spec)))
    return reject (error, "bh= has the wrong length for %s", spec->algorithm_name);
  return TRUE;
}

/* parse_times - t=, x= and (but in an AS) l= against the caller's clock */
static gboolean
parse_times (const DkimmodTagList *tags, DkimmodSigKind kind, gint64 now, gint64 clock_drift,
             DkimmodSigSpec *spec, GError **error)
{
  const DkimmodTag *t = dkimmod_tag_list_find (tags, "t");
  const DkimmodTag *x = dkimmod_tag_list_find (tags, "x");
  const DkimmodTag *l = kind != DKIMMOD_SIG_AS ? dkimmod_tag_list_find (tags, "l") : NULL;
  gint64 tv = -1, xv = -1;

  spec->l = -1;
  if ((t != NULL && !parse_uint (t, &tv)) || (x != NULL && !parse_uint (x, &xv))
      || (l != NULL && !parse_uint (l, &spec->l)))
    return reject (error, "bad number in t=, x= or l=");
  if (tv >= 0 && xv >= 0 && xv <= tv)
    return reject (error, "x= is not after t=");
  if (xv >= 0 && xv + clock_drift < now)
    return reject (error, "signature expired");
  if (tv > now + clock_drift)
    return reject (error, "signature timestamp in the future");
  return TRUE;
}

/* check_query_method - q= must offer dns/txt when present */
static gboolean
check_query_method (const DkimmodTagList *tags, GError **error)
{
  const DkimmodTag *q = dkimmod_tag_list_find (tags, "q");
  g_autofree char *flat = NULL;
  g_auto (GStrv) items = NULL;

  if (q == NULL)
    return TRUE;
  flat = dkimmod_tag_value_strip_fws (q);
  items = g_strsplit (flat, ":", -1);
  for (char **it = items; *it != NULL; it++)
    if (g_ascii_strcasecmp (*it, "dns/txt") == 0)
      return TRUE;
  return reject (error, "unsupported query method q=");
}

gboolean
dkimmod_sigparse_field_tags (const DkimmodHeaderField *f, DkimmodTagList *tags, GError **error)
{
  gsize name_len, value_off, len = f->len;

  if (len >= 2 && f->data[len - 2] == '\r' && f->data[len - 1] == '\n')
    len -= 2;
  if (!dkimmod_header_split (f->data, len, &name_len, &value_off))
    return reject (error, "no value");
  return dkimmod_tag_list_parse (f->data + value_off, len - value_off, tags, error);
}

gboolean
dkimmod_sigparse (const DkimmodTagList *tags, gint64 now, gint64 clock_drift,
                  DkimmodSigSpec *spec, GError **error)
{
  return dkimmod_sigparse_kind (tags, DKIMMOD_SIG_DKIM, now, clock_drift, spec, error);
}

/* parse_header_list - h= (none in an AS): From must be named in a
 * DKIM-Signature (RFC 6376 5.4), ARC-Seal must not be in an AMS (RFC
 * 8617 4.1.2) */
static gboolean
parse_header_list (const DkimmodTagList *tags, DkimmodSigKind kind, DkimmodSigSpec *spec,
                   GError **error)
{
  if (kind == DKIMMOD_SIG_AS)
    return TRUE;
  spec->h = parse_h (dkimmod_tag_list_find (tags, "h"), kind == DKIMMOD_SIG_AMS);
  if (spec->h == NULL)
    return reject (error, "bad h= list");
  if (kind == DKIMMOD_SIG_DKIM && !h_names (spec->h, "from"))
    return reject (error, "From not signed");
  if (kind == DKIMMOD_SIG_AMS && h_names (spec->h, "arc-seal"))
    return reject (error, "ARC-Seal in h=");
  return TRUE;
}

gboolean
dkimmod_sigparse_kind (const DkimmodTagList *tags, DkimmodSigKind kind, gint64 now,
                       gint64 clock_drift, DkimmodSigSpec *spec, GError **error)
{
  const DkimmodTag *a, *b = dkimmod_tag_list_find (tags, "b");

  spec->b = b != NULL ? dkimmod_tag_value_strip_fws (b) : g_strdup ("");
  if (!check_required (tags, kind, error))
    return FALSE;
  if (kind != DKIMMOD_SIG_DKIM && !parse_arc_tags (tags, kind, spec, error))
    return FALSE;
  a = dkimmod_tag_list_find (tags, "a");
  spec->algorithm_name = dkimmod_tag_value_dup (a);
  if (!parse_identity (tags, kind, spec, error))
    return FALSE;
  if (!parse_algorithm (a, spec))
    return reject (error, "unsupported algorithm");
  if (kind == DKIMMOD_SIG_AS)
    spec->hcanon = spec->bcanon = DKIMMOD_CANON_RELAXED;  /* RFC 8617 5.1.1 */
  else if (!parse_canon (dkimmod_tag_list_find (tags, "c"), spec))
    return reject (error, "unsupported canonicalization");
  return parse_header_list (tags, kind, spec, error) && parse_hashes (tags, kind, spec, error)
         && parse_times (tags, kind, now, clock_drift, spec, error)
         && check_query_method (tags, error);
}

void
dkimmod_sigspec_clear (DkimmodSigSpec *spec)
{
  g_clear_pointer (&spec->domain, g_free);
  g_clear_pointer (&spec->identity, g_free);
  g_clear_pointer (&spec->selector, g_free);
  g_clear_pointer (&spec->algorithm_name, g_free);
  g_clear_pointer (&spec->b, g_free);
  g_clear_pointer (&spec->h, g_ptr_array_unref);
  g_clear_pointer (&spec->bh, g_bytes_unref);
  g_clear_pointer (&spec->sig, g_bytes_unref);
}
