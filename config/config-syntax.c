/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-syntax.c - syntax checkers for dkimmod.conf values
 * SYNOPSIS
 *	dkimmod_config_check_domain, dkimmod_config_check_selector,
 *	dkimmod_config_check_identity, dkimmod_config_normalise_field_list,
 *	dkimmod_config_parse_duration, dkimmod_config_parse_size,
 *	dkimmod_config_parse_bool, dkimmod_config_check_next_hop,
 *	dkimmod_config_parse_algorithm, dkimmod_config_parse_canon,
 *	dkimmod_config_normalise_sender
 * DESCRIPTION
 *	Small pure functions, one per kind of value, shared by the file
 *	reader, the "-o name=value" overrides and the lookup (which checks
 *	d= and i= again after macro expansion, because $senderdomain comes
 *	from the message). On failure each sets *why to a static English
 *	phrase that completes "SETTING: ...".
 * STANDARDS
 *	RFC 6376 section 3.5 (d=, s=, i=, c=, h=, x=), section 3.4 (c= values;
 *	"relaxed" alone is relaxed/simple), section 5.4 (From must be signed);
 *	RFC 8301 section 3.1 (rsa-sha1 must not be used for signing);
 *	RFC 5321 section 4.1.2 (Domain, Let-dig, Ldh-str); RFC 5322 section
 *	3.2.3 (atext).
 * SECURITY
 *	These checks also guard values taken from a message header (sender
 *	domains used in d=, i= and key paths): a domain can hold neither '/'
 *	nor "..", so a key path template cannot be steered outside its
 *	directory.
 * NEVER
 *	Accept rsa-sha1 for signing, or a header list without From.
 */
#include "config-private.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/un.h>

#include "limits-private.h"

/* is_let_dig - RFC 5321 Let-dig */
static gboolean
is_let_dig (char c)
{
  return g_ascii_isalnum (c);
}

/* check_label - one RFC 5321 sub-domain of LEN bytes */
static gboolean
check_label (const char *s, gsize len, const char **why)
{
  if (len == 0)
    return (*why = "empty label (\"..\", or a dot at either end)", FALSE);
  if (len > 63)
    return (*why = "a label is longer than 63 characters", FALSE);
  for (gsize i = 0; i < len; i++)
    if (!is_let_dig (s[i]) && s[i] != '-')
      return (*why = "only letters, digits, '-' and '.' are allowed (write an IDN as xn--)", FALSE);
  if (s[0] == '-' || s[len - 1] == '-')
    return (*why = "a label starts or ends with '-'", FALSE);
  return TRUE;
}

/* check_labels - dot-separated sub-domains; counts them into *n */
static gboolean
check_labels (const char *s, guint *n, const char **why)
{
  const char *p = s;

  *n = 0;
  for (;;)
    {
      const char *dot = strchr (p, '.');
      gsize len = dot ? (gsize) (dot - p) : strlen (p);

      if (!check_label (p, len, why))
        return FALSE;
      (*n)++;
      if (!dot)
        return TRUE;
      p = dot + 1;
    }
}

/**
 * dkimmod_config_check_domain:
 * @s: a domain name
 * @min_labels: 2 for d= (RFC 6376 domain-name), 1 for sender_map keys
 * @why: (out): the fault
 *
 * Returns: whether @s is an ASCII domain name of at least @min_labels labels.
 */
gboolean
dkimmod_config_check_domain (const char *s, guint min_labels, const char **why)
{
  guint n;

  if (s == NULL || *s == '\0')
    return (*why = "empty domain", FALSE);
  if (strlen (s) > DKIMMOD_LIMIT_DOMAIN_BYTES)
    return (*why = "domain longer than 253 characters", FALSE);
  if (!check_labels (s, &n, why))
    return FALSE;
  if (n < min_labels)
    return (*why = "not a domain name (needs at least two labels, as example.net)", FALSE);
  return TRUE;
}

/**
 * dkimmod_config_check_selector:
 * @s: an s= value
 * @why: (out): the fault
 *
 * Returns: whether @s is an RFC 6376 selector (sub-domains, dots allowed).
 */
gboolean
dkimmod_config_check_selector (const char *s, const char **why)
{
  guint n;

  if (s == NULL || *s == '\0')
    return (*why = "empty selector", FALSE);
  if (strlen (s) > DKIMMOD_LIMIT_SELECTOR_BYTES)
    return (*why = "selector longer than 253 characters", FALSE);
  return check_labels (s, &n, why);
}

/* is_identity_char - RFC 5322 atext without '=' (dkim-safe-char needs no encoding) */
static gboolean
is_identity_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-/?^_`{|}~.", c) != NULL);
}

/**
 * dkimmod_config_check_identity:
 * @i: an i= value, "[local-part]@domain"
 * @d: the d= of the same signature
 * @why: (out): the fault
 *
 * Returns: whether @i is well formed and its domain is @d or a subdomain
 * of @d (RFC 6376 section 3.5, i= tag).
 */
gboolean
dkimmod_config_check_identity (const char *i, const char *d, const char **why)
{
  const char *at = strrchr (i, '@');
  const char *dom;
  gsize dlen = strlen (d), ilen;

  if (at == NULL)
    return (*why = "must be [local-part]@domain", FALSE);
  for (const char *p = i; p < at; p++)
    if (!is_identity_char (*p))
      return (*why = "the local part may hold only letters, digits, '.' and !#$%&'*+-/?^_`{|}~",
              FALSE);
  if (at > i && (i[0] == '.' || at[-1] == '.' || g_strstr_len (i, at - i, "..")))
    return (*why = "the local part has a misplaced '.'", FALSE);
  dom = at + 1;
  if (!dkimmod_config_check_domain (dom, 1, why))
    return FALSE;
  ilen = strlen (dom);
  if (g_ascii_strcasecmp (dom, d) == 0)
    return TRUE;
  if (ilen > dlen && dom[ilen - dlen - 1] == '.' && g_ascii_strcasecmp (dom + ilen - dlen, d) == 0)
    return TRUE;
  return (*why = "its domain is neither d= nor a subdomain of d=", FALSE);
}

/* is_ftext - RFC 5322 field-name character */
static gboolean
is_ftext (char c)
{
  return c >= 33 && c <= 126 && c != ':';
}

/**
 * dkimmod_config_normalise_field_list:
 * @list: "From:To : Subject"
 * @need_from: refuse a list without From (h=, RFC 6376 section 5.4)
 * @allow_empty: "" is a valid (empty) list
 * @why: (out): the fault
 *
 * Returns: (transfer full) (nullable): the list without blanks around the
 * names ("From:To:Subject"), or NULL.
 */
char *
dkimmod_config_normalise_field_list (const char *list, gboolean need_from, gboolean allow_empty,
                                     const char **why)
{
  g_auto (GStrv) names = g_strsplit (list, ":", -1);
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean has_from = FALSE;
  guint n = 0;

  if (list[strspn (list, " \t")] == '\0')
    {
      if (allow_empty)
        return g_strdup ("");
      return (*why = "empty header field list", NULL);
    }
  for (guint k = 0; names[k]; k++)
    {
      const char *name = g_strstrip (names[k]);

      if (*name == '\0')
        return (*why = "empty name in the list (\"::\" or a ':' at either end)", NULL);
      for (const char *p = name; *p; p++)
        if (!is_ftext (*p))
          return (*why = "a header field name holds a space or a control character", NULL);
      if (++n > DKIMMOD_LIMIT_SIGNED_HEADERS)
        return (*why = "more than 128 header field names", NULL);
      has_from |= g_ascii_strcasecmp (name, "from") == 0;
      if (out->len)
        g_string_append_c (out, ':');
      g_string_append (out, name);
    }
  if (need_from && !has_from)
    return (*why = "must include From (RFC 6376 section 5.4)", NULL);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* parse_number - leading decimal digits of S into *out; *end after them */
static gboolean
parse_number (const char *s, guint64 *out, const char **end, const char **why)
{
  guint64 n = 0;

  if (!g_ascii_isdigit (*s))
    return (*why = "not a number", FALSE);
  for (; g_ascii_isdigit (*s); s++)
    {
      if (n > (G_MAXUINT64 - 9) / 10)
        return (*why = "number too large", FALSE);
      n = n * 10 + (guint64) (*s - '0');
    }
  *out = n;
  *end = s;
  return TRUE;
}

/* parse_scaled - number with one optional unit from UNITS/SCALES */
static gboolean
parse_scaled (const char *s, const char *units, const guint64 *scales, guint64 max,
              guint64 *out, const char **why)
{
  const char *end, *u;
  guint64 n, scale = 1;

  if (!parse_number (s, &n, &end, why))
    return FALSE;
  if (*end != '\0')
    {
      if (end[1] != '\0' || (u = strchr (units, *end)) == NULL)
        return (*why = "unknown unit", FALSE);
      scale = scales[u - units];
    }
  if (n > max / scale)
    return (*why = "out of range", FALSE);
  *out = n * scale;
  return TRUE;
}

/**
 * dkimmod_config_parse_duration:
 * @s: "300", "300s", "5m", "12h", "7d" or "2w"
 * @max: the largest number of seconds allowed
 * @out: (out): seconds
 * @why: (out): the fault
 */
gboolean
dkimmod_config_parse_duration (const char *s, guint64 max, guint64 *out, const char **why)
{
  static const guint64 scales[] = { 1, 60, 3600, 86400, 604800 };

  if (!parse_scaled (s, "smhdw", scales, max, out, why))
    {
      if (g_str_equal (*why, "unknown unit"))
        *why = "not a duration (seconds, or a number with s, m, h, d or w)";
      return FALSE;
    }
  return TRUE;
}

/**
 * dkimmod_config_parse_size:
 * @s: "1048576", "1024k", "1M" or "1G" (powers of 1024)
 * @max: the largest size allowed
 * @out: (out): bytes
 * @why: (out): the fault
 */
gboolean
dkimmod_config_parse_size (const char *s, guint64 max, guint64 *out, const char **why)
{
  static const guint64 scales[] = { 1024, 1024, 1048576, 1048576, 1073741824, 1073741824 };

  if (!parse_scaled (s, "kKmMgG", scales, max, out, why))
    {
      if (g_str_equal (*why, "unknown unit"))
        *why = "not a size (bytes, or a number with k, M or G)";
      return FALSE;
    }
  return TRUE;
}

/**
 * dkimmod_config_parse_bool:
 * @s: yes/no, true/false, on/off, 1/0 (any case)
 * @out: (out): the value
 */
gboolean
dkimmod_config_parse_bool (const char *s, gboolean *out)
{
  static const char *const yes[] = { "yes", "true", "on", "1" };
  static const char *const no[] = { "no", "false", "off", "0" };

  for (guint k = 0; k < G_N_ELEMENTS (yes); k++)
    {
      if (g_ascii_strcasecmp (s, yes[k]) == 0)
        return (*out = TRUE, TRUE);
      if (g_ascii_strcasecmp (s, no[k]) == 0)
        return (*out = FALSE, TRUE);
    }
  return FALSE;
}

/* check_port - decimal 1..65535 */
static gboolean
check_port (const char *s, const char **why)
{
  guint64 port;
  const char *end;

  if (!parse_number (s, &port, &end, why) || *end != '\0' || port == 0 || port > 65535)
    return (*why = "the port must be a number from 1 to 65535", FALSE);
  return TRUE;
}

/**
 * dkimmod_config_check_next_hop:
 * @s: "host:port", "[ipv6]:port" or "unix:/path"
 * @why: (out): the fault
 */
gboolean
dkimmod_config_check_next_hop (const char *s, const char **why)
{
  struct in6_addr a6;
  struct in_addr a4;
  const char *colon;

  if (g_str_has_prefix (s, "unix:"))
    {
      if (s[5] != '/')
        return (*why = "a unix socket path must be absolute (unix:/path)", FALSE);
      if (strlen (s + 5) >= sizeof (((struct sockaddr_un *) NULL)->sun_path))
        return (*why = "the unix socket path is too long", FALSE);
      return TRUE;
    }
  if (s[0] == '[')
    {
      const char *close = strchr (s, ']');
      g_autofree char *addr = NULL;

      if (close == NULL || close[1] != ':')
        return (*why = "expected [ipv6-address]:port", FALSE);
      addr = g_strndup (s + 1, close - s - 1);
      if (inet_pton (AF_INET6, addr, &a6) != 1)
        return (*why = "not an IPv6 address inside [ ]", FALSE);
      return check_port (close + 2, why);
    }
  colon = strrchr (s, ':');
  if (colon == NULL || colon == s)
    return (*why = "expected host:port, [ipv6-address]:port or unix:/path", FALSE);
  {
    g_autofree char *host = g_strndup (s, colon - s);

    if (strchr (host, ':'))
      return (*why = "write an IPv6 address in brackets: [::1]:port", FALSE);
    if (inet_pton (AF_INET, host, &a4) != 1 && !dkimmod_config_check_domain (host, 1, why))
      return FALSE;
  }
  return check_port (colon + 1, why);
}

/**
 * dkimmod_config_parse_algorithm:
 * @s: an a= value
 * @out: (out): the algorithm
 * @why: (out): the fault
 */
gboolean
dkimmod_config_parse_algorithm (const char *s, DkimmodAlgorithm *out, const char **why)
{
  if (g_ascii_strcasecmp (s, "rsa-sha256") == 0)
    return (*out = DKIMMOD_ALG_RSA_SHA256, TRUE);
  if (g_ascii_strcasecmp (s, "ed25519-sha256") == 0)
    return (*out = DKIMMOD_ALG_ED25519_SHA256, TRUE);
  if (g_ascii_strcasecmp (s, "rsa-sha1") == 0)
    return (*why = "rsa-sha1 must not be used for signing (RFC 8301); use rsa-sha256", FALSE);
  return (*why = "unknown algorithm (use rsa-sha256 or ed25519-sha256)", FALSE);
}

/* parse_one_canon - "simple" or "relaxed" */
static gboolean
parse_one_canon (const char *s, gsize len, DkimmodCanon *out)
{
  if (len == 6 && g_ascii_strncasecmp (s, "simple", 6) == 0)
    return (*out = DKIMMOD_CANON_SIMPLE, TRUE);
  if (len == 7 && g_ascii_strncasecmp (s, "relaxed", 7) == 0)
    return (*out = DKIMMOD_CANON_RELAXED, TRUE);
  return FALSE;
}

/**
 * dkimmod_config_parse_canon:
 * @s: a c= value: "relaxed", "simple", "relaxed/relaxed", ...
 * @header: (out): header canonicalization
 * @body: (out): body canonicalization ("relaxed" alone means a simple body)
 * @why: (out): the fault
 */
gboolean
dkimmod_config_parse_canon (const char *s, DkimmodCanon *header, DkimmodCanon *body,
                            const char **why)
{
  const char *slash = strchr (s, '/');
  gsize hlen = slash ? (gsize) (slash - s) : strlen (s);

  if (g_ascii_strcasecmp (s, "nowsp") == 0 || g_ascii_strcasecmp (s, "nofws") == 0)
    return (*why = "nowsp/nofws are pre-RFC methods; use relaxed", FALSE);
  if (!parse_one_canon (s, hlen, header))
    return (*why = "must be simple or relaxed, optionally /simple or /relaxed", FALSE);
  *body = DKIMMOD_CANON_SIMPLE;
  if (slash && !parse_one_canon (slash + 1, strlen (slash + 1), body))
    return (*why = "must be simple or relaxed, optionally /simple or /relaxed", FALSE);
  return TRUE;
}

/**
 * dkimmod_config_normalise_sender:
 * @key: a sender_map key: ".", "domain" or "local@domain"
 * @why: (out): the fault
 *
 * Returns: (transfer full) (nullable): @key in lower case, or NULL.
 */
char *
dkimmod_config_normalise_sender (const char *key, const char **why)
{
  g_autofree char *low = g_ascii_strdown (key, -1);
  const char *at = strrchr (low, '@');
  const char *dom = at ? at + 1 : low;

  if (g_str_equal (low, "."))
    return g_steal_pointer (&low);
  if (at)
    {
      if (at == low)
        return (*why = "the local part before '@' is empty", NULL);
      if (!g_utf8_validate (low, at - low, NULL))
        return (*why = "the local part is not UTF-8", NULL);
      for (const char *p = low; p < at; p++)
        if ((guchar) *p <= ' ' || *p == 0x7f || *p == '@' || *p == '<' || *p == '>')
          return (*why = "the local part holds a space, a control character, '@', '<' or '>'",
                  NULL);
    }
  for (const char *p = dom; *p; p++)
    if ((guchar) *p >= 0x80)
      return (*why = "the domain is not ASCII: write an internationalized domain as A-labels"
                     " (xn--...; senders in U-labels are converted before the lookup)", NULL);
  if (!dkimmod_config_check_domain (dom, 1, why))
    return NULL;
  return g_steal_pointer (&low);
}
