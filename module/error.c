/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	error.c - error domain, status and name tables of libdkimmod
 * SYNOPSIS
 *	dkimmod_error_quark, dkimmod_error_set, dkimmod_error_take,
 *	dkimmod_error_clear, dkimmod_set_crypto_error, dkimmod_status_name,
 *	dkimmod_version, dkimmod_free, dkimmod_algorithm_name,
 *	dkimmod_algorithm_from_name, dkimmod_canon_from_name
 * DESCRIPTION
 *	The library reports faults inside with GError (domain DKIMMOD_ERROR,
 *	codes DkimmodStatus) and copies them into the caller's plain-C
 *	DkimmodError at the public boundary. The message is truncated to the
 *	fixed buffer without cutting a UTF-8 sequence in two.
 * STANDARDS
 *	RFC 6376 section 3.5 (a= and c= tag values; "c=relaxed" alone means
 *	relaxed header and simple body canonicalization).
 * NEVER
 *	Hold mutable global state: the tables here are static const.
 */
#include "dkimmod-build-config.h"

#include <string.h>
#include <openssl/err.h>

#include "error-private.h"

G_DEFINE_QUARK (dkimmod-error-quark, dkimmod_error)

static const char *const status_names[] = {
  [DKIMMOD_OK] = "ok",
  [DKIMMOD_E_INVAL] = "invalid argument",
  [DKIMMOD_E_KEY] = "key error",
  [DKIMMOD_E_ALGORITHM] = "algorithm refused",
  [DKIMMOD_E_SYNTAX] = "syntax error",
  [DKIMMOD_E_LIMIT] = "limit exceeded",
  [DKIMMOD_E_CRYPTO] = "crypto library error",
  [DKIMMOD_E_IO] = "I/O error",
  [DKIMMOD_E_CONFIG] = "configuration error",
};

/**
 * dkimmod_status_name:
 * @code: a status
 *
 * Returns: (transfer none): a short English name for @code.
 */
const char *
dkimmod_status_name (DkimmodStatus code)
{
  if ((unsigned) code >= G_N_ELEMENTS (status_names) || status_names[code] == NULL)
    return "unknown status";
  return status_names[code];
}

/**
 * dkimmod_version:
 *
 * Returns: (transfer none): the library version, "MAJOR.MINOR.MICRO".
 */
const char *
dkimmod_version (void)
{
  return DKIMMOD_VERSION;
}

/**
 * dkimmod_free:
 * @ptr: (nullable): a buffer the library returned
 */
void
dkimmod_free (void *ptr)
{
  g_free (ptr);
}

int
dkimmod_error_fault (DkimmodError *err, DkimmodStatus code, const char *fmt, ...)
{
  va_list ap;
  GError *error;

  va_start (ap, fmt);
  error = g_error_new_valist (DKIMMOD_ERROR, code, fmt, ap);
  va_end (ap);
  return dkimmod_error_take (err, error);
}

void
dkimmod_error_clear (DkimmodError *err)
{
  if (err == NULL)
    return;
  err->code = DKIMMOD_OK;
  err->message[0] = '\0';
}

/* utf8_cut - length of S cut to at most MAX bytes on a character boundary */
static gsize
utf8_cut (const char *s, gsize max)
{
  gsize len = strlen (s);

  if (len <= max)
    return len;
  /* Back up over UTF-8 continuation bytes (10xxxxxx). */
  while (max > 0 && ((guchar) s[max] & 0xC0) == 0x80)
    max--;
  return max;
}

void
dkimmod_error_set (DkimmodError *err, const GError *error)
{
  gsize n;

  if (err == NULL)
    return;
  if (error == NULL)
    {
      dkimmod_error_clear (err);
      return;
    }
  err->code = error->domain == DKIMMOD_ERROR ? (DkimmodStatus) error->code : DKIMMOD_E_INVAL;
  n = utf8_cut (error->message, sizeof err->message - 1);
  memcpy (err->message, error->message, n);
  err->message[n] = '\0';
}

int
dkimmod_error_take (DkimmodError *err, GError *error)
{
  dkimmod_error_set (err, error);
  g_clear_error (&error);
  return -1;
}

void
dkimmod_set_crypto_error (GError **error, const char *what)
{
  unsigned long e = ERR_peek_error ();
  char buf[256];

  if (e != 0)
    {
      ERR_error_string_n (e, buf, sizeof buf);
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_CRYPTO, "%s: %s", what, buf);
    }
  else
    g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_CRYPTO, "%s failed", what);
  ERR_clear_error ();
}

/**
 * dkimmod_algorithm_name:
 * @alg: an algorithm
 *
 * Returns: (transfer none): the a= tag value ("rsa-sha256"...), "from-key"
 *   for DKIMMOD_ALG_FROM_KEY, or "unknown".
 */
const char *
dkimmod_algorithm_name (DkimmodAlgorithm alg)
{
  switch (alg)
    {
    case DKIMMOD_ALG_FROM_KEY:
      return "from-key";
    case DKIMMOD_ALG_RSA_SHA256:
      return "rsa-sha256";
    case DKIMMOD_ALG_ED25519_SHA256:
      return "ed25519-sha256";
    case DKIMMOD_ALG_RSA_SHA1:
      return "rsa-sha1";
    default:
      return "unknown";
    }
}

/**
 * dkimmod_algorithm_from_name:
 * @name: an a= value, case-insensitive
 *
 * Returns: a #DkimmodAlgorithm, or -1 when @name is unknown or NULL.
 */
int
dkimmod_algorithm_from_name (const char *name)
{
  if (name == NULL)
    return -1;
  if (g_ascii_strcasecmp (name, "rsa-sha256") == 0)
    return DKIMMOD_ALG_RSA_SHA256;
  if (g_ascii_strcasecmp (name, "ed25519-sha256") == 0)
    return DKIMMOD_ALG_ED25519_SHA256;
  if (g_ascii_strcasecmp (name, "rsa-sha1") == 0)
    return DKIMMOD_ALG_RSA_SHA1;
  return -1;
}

/* canon_word - parses "simple" or "relaxed" of length LEN */
static gboolean
canon_word (const char *s, gsize len, DkimmodCanon *out)
{
  if (len == 6 && g_ascii_strncasecmp (s, "simple", 6) == 0)
    *out = DKIMMOD_CANON_SIMPLE;
  else if (len == 7 && g_ascii_strncasecmp (s, "relaxed", 7) == 0)
    *out = DKIMMOD_CANON_RELAXED;
  else
    return FALSE;
  return TRUE;
}

/**
 * dkimmod_canon_from_name:
 * @name: "relaxed", "simple", or "header/body"
 * @header: (out): header canonicalization
 * @body: (out): body canonicalization
 *
 * A single word names the header canonicalization; the body one is then
 * simple (RFC 6376 section 3.5, c= tag).
 *
 * Returns: 0 on success, -1 when @name is malformed (outputs untouched).
 */
int
dkimmod_canon_from_name (const char *name, DkimmodCanon *header, DkimmodCanon *body)
{
  const char *slash;
  DkimmodCanon h, b = DKIMMOD_CANON_SIMPLE;

  if (name == NULL)
    return -1;
  slash = strchr (name, '/');
  if (slash == NULL)
    {
      if (!canon_word (name, strlen (name), &h))
        return -1;
    }
  else if (!canon_word (name, slash - name, &h) || !canon_word (slash + 1, strlen (slash + 1), &b))
    return -1;
  if (header != NULL)
    *header = h;
  if (body != NULL)
    *body = b;
  return 0;
}
