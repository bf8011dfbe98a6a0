/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	signer.c - sign one message with one or more DKIM signatures
 * SYNOPSIS
 *	dkimmod_sign_spec_init, dkimmod_signer_new,
 *	dkimmod_signer_add_signature, dkimmod_signer_add_header,
 *	dkimmod_signer_end_headers, dkimmod_signer_add_body,
 *	dkimmod_signer_finish, dkimmod_signer_free,
 *	dkimmod_signer_body_hash_count, dkimmod_signer_body_bytes_hashed,
 *	dkimmod_sign_header_data,
 *	dkimmod_domain_name_valid
 * DESCRIPTION
 *	A signer takes signature specs, then header fields, then body bytes
 *	in chunks of any size, and returns the DKIM-Signature fields.
 *	Header fields are kept (bounded) until end of headers; there each
 *	signature's h= list and canonical header data are fixed and the
 *	fields are dropped. The body is canonicalized and hashed once per
 *	distinct body canonicalization (all signing uses SHA-256), however
 *	many signatures share it: an ed25519 and an rsa signature cost one
 *	body pass.
 *	After a failed add_header / add_body the signer refuses to finish, so
 *	a message is never signed over a header or body it did not see. A
 *	header line that is no field at all (no name and colon) is accepted
 *	and left unsigned: h= cannot name it, and refusing the message would
 *	make a filter defer it forever.
 * STANDARDS
 *	RFC 6376 sections 3.5 (tags, i= within d=), 3.7 (hash order),
 *	5 (signer actions); RFC 8301 section 3.1 (no rsa-sha1);
 *	RFC 8463 section 3 (ed25519-sha256 signs the SHA-256 hash).
 * DIAGNOSTICS
 *	DKIMMOD_E_INVAL (call order, missing d=/s=/key), E_SYNTAX (bad d=,
 *	s=, i=, header field), E_ALGORITHM (rsa-sha1, key mismatch),
 *	E_LIMIT (header size/count, signature count), E_CRYPTO.
 * SECURITY
 *	DKIMMOD_LIMIT_HEADER_BYTES, _HEADER_COUNT, _FIELD_BYTES,
 *	_SIGNATURES, _SIGNED_HEADERS, _DOMAIN_BYTES, _SELECTOR_BYTES.
 * NEVER
 *	Sign with rsa-sha1; emit l=; hash the body more than once per
 *	(canonicalization, hash) pair.
 */
#include <string.h>

#include <openssl/sha.h>

#include "canon-private.h"
#include "context-private.h"
#include "header-private.h"
#include "key-private.h"
#include "limits-private.h"
#include "msgparse.h"
#include "signer-private.h"
#include "tagspec-private.h"

typedef struct {
  DkimmodKey *key;
  DkimmodAlgorithm algorithm;
  DkimmodCanon header_canon;
  DkimmodCanon body_canon;
  char *domain;
  char *selector;
  char *identity;
  guint64 expire_after;
  DkimmodHeaderPlan *plan;
  GPtrArray *h;           /* h= names (owned by plan), fixed at end of headers */
  GString *header_data;   /* canonical signed fields, fixed at end of headers */
} Signature;

typedef enum {
  STATE_HEADERS,
  STATE_BODY,
  STATE_DONE,
  STATE_FAILED,
} SignerState;

struct DkimmodSigner {
  DkimmodContext *ctx;
  GPtrArray *sigs;             /* Signature* */
  GPtrArray *fields;           /* DkimmodHeaderField* until end of headers */
  gsize header_bytes;
  DkimmodBodyHash *bodies[2];  /* by body canonicalization */
  guint64 body_bytes;          /* input bytes fed, summed over body hashes */
  SignerState state;
};

/* signature_free - GPtrArray element destructor */
static void
signature_free (gpointer p)
{
  Signature *sig = p;

  dkimmod_key_unref (sig->key);
  g_free (sig->domain);
  g_free (sig->selector);
  g_free (sig->identity);
  if (sig->h != NULL)
    g_ptr_array_unref (sig->h);
  if (sig->header_data != NULL)
    g_string_free (sig->header_data, TRUE);
  dkimmod_header_plan_free (sig->plan);
  g_free (sig);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Signature, signature_free)

/**
 * dkimmod_sign_spec_init:
 * @spec: a spec to reset
 *
 * Zeroes @spec and sets relaxed/relaxed, algorithm from the key, the
 * default header list and oversigning.
 */
void
dkimmod_sign_spec_init (DkimmodSignSpec *spec)
{
  g_return_if_fail (spec != NULL);
  memset (spec, 0, sizeof *spec);
  spec->algorithm = DKIMMOD_ALG_FROM_KEY;
  spec->header_canon = DKIMMOD_CANON_RELAXED;
  spec->body_canon = DKIMMOD_CANON_RELAXED;
}

/**
 * dkimmod_signer_new:
 * @ctx: a context (the signer keeps a reference)
 *
 * Returns: (transfer full): a signer for one message.
 */
DkimmodSigner *
dkimmod_signer_new (DkimmodContext *ctx)
{
  DkimmodSigner *s;

  g_return_val_if_fail (ctx != NULL, NULL);
  s = g_new0 (DkimmodSigner, 1);
  s->ctx = dkimmod_context_ref (ctx);
  s->sigs = g_ptr_array_new_with_free_func (signature_free);
  s->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_header_field_free);
  return s;
}

/**
 * dkimmod_signer_free:
 * @signer: (nullable): a signer
 */
void
dkimmod_signer_free (DkimmodSigner *signer)
{
  if (signer == NULL)
    return;
  g_ptr_array_unref (signer->sigs);
  g_ptr_array_unref (signer->fields);
  for (guint i = 0; i < G_N_ELEMENTS (signer->bodies); i++)
    dkimmod_body_hash_free (signer->bodies[i]);
  dkimmod_context_unref (signer->ctx);
  g_free (signer);
}

gboolean
dkimmod_domain_name_valid (const char *name, gsize max)
{
  gsize len = strlen (name), label = 0;

  if (len == 0 || len > max)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) name[i];

      if (c == '.')
        {
          if (label == 0 || name[i - 1] == '-')
            return FALSE;
          label = 0;
          continue;
        }
      if (!g_ascii_isalnum (c) && !(c == '-' && label > 0))
        return FALSE;
      if (++label > 63)
        return FALSE;
    }
  return name[len - 1] != '.' && name[len - 1] != '-';
}

/* identity_valid - i= is "[local-part]@domain", domain d= or below it */
static gboolean
identity_valid (const char *identity, const char *domain, GError **error)
{
  const char *at = strrchr (identity, '@');
  const char *idom;
  gsize il, dl;

  if (at == NULL || !dkimmod_domain_name_valid (at + 1, DKIMMOD_LIMIT_DOMAIN_BYTES))
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
                   "i=%s is not an identity of the form [local-part]@domain", identity);
      return FALSE;
    }
  idom = at + 1;
  il = strlen (idom);
  dl = strlen (domain);
  if (g_ascii_strcasecmp (idom, domain) == 0
      || (il > dl && idom[il - dl - 1] == '.' && g_ascii_strcasecmp (idom + il - dl, domain) == 0))
    return TRUE;
  g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
               "i=%s is not within d=%s: the identity's domain must be d= or a subdomain "
               "of it (RFC 6376 3.5)", identity, domain);
  return FALSE;
}

/* check_algorithm - resolves FROM_KEY, refuses rsa-sha1 and mismatches */
static gboolean
check_algorithm (const DkimmodSignSpec *spec, DkimmodAlgorithm *out, GError **error)
{
  DkimmodAlgorithm key_alg = dkimmod_key_algorithm (spec->key);

  if (spec->algorithm == DKIMMOD_ALG_RSA_SHA1)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_ALGORITHM,
                   "rsa-sha1 is not used for signing (RFC 8301 forbids it): "
                   "use rsa-sha256 or ed25519-sha256");
      return FALSE;
    }
  if (spec->algorithm != DKIMMOD_ALG_FROM_KEY && spec->algorithm != key_alg)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_ALGORITHM,
                   "a=%s does not match the key, which is %s (%s key)",
                   dkimmod_algorithm_name (spec->algorithm), dkimmod_algorithm_name (key_alg),
                   key_alg == DKIMMOD_ALG_RSA_SHA256 ? "an RSA" : "an Ed25519");
      return FALSE;
    }
  *out = key_alg;
  return TRUE;
}

/* check_spec - everything about SPEC that does not need the message */
static gboolean
check_spec (const DkimmodSignSpec *spec, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (spec->reserved); i++)
    if (spec->reserved[i] != NULL)
      {
        g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_INVAL,
                     "reserved fields of the sign spec must be zero (use dkimmod_sign_spec_init)");
        return FALSE;
      }
  if (spec->domain == NULL || spec->selector == NULL || spec->key == NULL)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_INVAL,
                   "a signature needs a domain (d=), a selector (s=) and a key");
      return FALSE;
    }
  if ((unsigned) spec->header_canon > DKIMMOD_CANON_RELAXED
      || (unsigned) spec->body_canon > DKIMMOD_CANON_RELAXED)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "unknown canonicalization");
      return FALSE;
    }
  if (!dkimmod_domain_name_valid (spec->domain, DKIMMOD_LIMIT_DOMAIN_BYTES))
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
                   "d=%s is not a domain name (letters, digits, hyphens, dot-separated labels)",
                   spec->domain);
      return FALSE;
    }
  if (!dkimmod_domain_name_valid (spec->selector, DKIMMOD_LIMIT_SELECTOR_BYTES))
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX,
                   "s=%s is not a valid selector (letters, digits, hyphens, dot-separated labels)",
                   spec->selector);
      return FALSE;
    }
  if (spec->identity != NULL
      && (strlen (spec->identity) > DKIMMOD_LIMIT_DOMAIN_BYTES + 64
          || !identity_valid (spec->identity, spec->domain, error)))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "i= is too long");
      return FALSE;
    }
  return TRUE;
}

/* add_signature - validates SPEC and appends a Signature */
static gboolean
add_signature (DkimmodSigner *s, const DkimmodSignSpec *spec, GError **error)
{
  g_autoptr (Signature) sig = NULL;
  DkimmodAlgorithm alg;

  if (s->state != STATE_HEADERS)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_INVAL,
                   "signatures must be added before the end of the headers");
      return FALSE;
    }
  if (s->sigs->len >= DKIMMOD_LIMIT_SIGNATURES)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "more than %u signatures on one message",
                   DKIMMOD_LIMIT_SIGNATURES);
      return FALSE;
    }
  if (!check_spec (spec, error) || !check_algorithm (spec, &alg, error))
    return FALSE;
  sig = g_new0 (Signature, 1);
  sig->plan = dkimmod_header_plan_new (spec->headers, spec->oversign, error);
  if (sig->plan == NULL)
    return FALSE;
  if (s->bodies[spec->body_canon] == NULL)
    {
      s->bodies[spec->body_canon] = dkimmod_body_hash_new (spec->body_canon, EVP_sha256 (), error);
      if (s->bodies[spec->body_canon] == NULL)
        return FALSE;
    }
  sig->key = dkimmod_key_ref (spec->key);
  sig->algorithm = alg;
  sig->header_canon = spec->header_canon;
  sig->body_canon = spec->body_canon;
  sig->domain = g_strdup (spec->domain);
  sig->selector = g_strdup (spec->selector);
  sig->identity = g_strdup (spec->identity);
  sig->expire_after = spec->expire_after;
  g_ptr_array_add (s->sigs, g_steal_pointer (&sig));
  return TRUE;
}

/**
 * dkimmod_signer_add_signature:
 * @signer: a signer still taking headers
 * @spec: what to sign with; copied (the key gets a new reference)
 * @err: (nullable): where to report a fault
 *
 * A refused spec leaves the signer usable.
 *
 * Returns: 0, or -1 with @err set.
 */
int
dkimmod_signer_add_signature (DkimmodSigner *signer, const DkimmodSignSpec *spec, DkimmodError *err)
{
  GError *error = NULL;

  if (signer == NULL || spec == NULL)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "no signer or spec given");
      return dkimmod_error_take (err, error);
    }
  if (!add_signature (signer, spec, &error))
    return dkimmod_error_take (err, error);
  dkimmod_error_clear (err);
  return 0;
}

/* fail - makes the signer refuse to finish, reports ERROR */
static int
fail (DkimmodSigner *s, DkimmodError *err, GError *error)
{
  s->state = STATE_FAILED;
  return dkimmod_error_take (err, error);
}

/**
 * dkimmod_signer_add_header:
 * @signer: a signer
 * @field: one complete header field
 * @len: its length
 * @err: (nullable): where to report a fault
 *
 * Returns: 0, or -1 with @err set (the signer then cannot finish).
 */
int
dkimmod_signer_add_header (DkimmodSigner *signer, const char *field, size_t len, DkimmodError *err)
{
  GError *error = NULL;
  DkimmodHeaderField *f;
  gsize name_len, value_off;

  if (signer == NULL || signer->state != STATE_HEADERS)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "header field added out of order");
      return signer != NULL ? fail (signer, err, error) : dkimmod_error_take (err, error);
    }
  if (signer->fields->len >= DKIMMOD_LIMIT_HEADER_COUNT
      || len > DKIMMOD_LIMIT_HEADER_BYTES - signer->header_bytes)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT,
                   "header block over the limit of %u fields or %u bytes",
                   DKIMMOD_LIMIT_HEADER_COUNT, DKIMMOD_LIMIT_HEADER_BYTES);
      return fail (signer, err, error);
    }
  if (field != NULL && len <= DKIMMOD_LIMIT_FIELD_BYTES
      && !dkimmod_header_split (field, len, &name_len, &value_off))
    {
      /* A line that is no field (no name and colon, as in broken mail):
       * h= cannot name it, so it is simply not signed. Failing here
       * would make a filter defer such a message forever. */
      dkimmod_context_log (signer->ctx, DKIMMOD_LOG_DEBUG,
                           "header line without a field name: not signed");
      signer->header_bytes += len;
      dkimmod_error_clear (err);
      return 0;
    }
  f = dkimmod_header_field_new (field, len, &error);
  if (f == NULL)
    return fail (signer, err, error);
  signer->header_bytes += len;
  g_ptr_array_add (signer->fields, f);
  dkimmod_error_clear (err);
  return 0;
}

/**
 * dkimmod_signer_end_headers:
 * @signer: a signer with at least one signature
 * @err: (nullable): where to report a fault
 *
 * Fixes each signature's h= list and signed header data.
 *
 * Returns: 0, or -1 with @err set.
 */
int
dkimmod_signer_end_headers (DkimmodSigner *signer, DkimmodError *err)
{
  GError *error = NULL;

  if (signer == NULL || signer->state != STATE_HEADERS || signer->sigs->len == 0)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL,
                   signer != NULL && signer->state == STATE_HEADERS
                     ? "no signature was added before the end of the headers"
                     : "end of headers out of order");
      return signer != NULL ? fail (signer, err, error) : dkimmod_error_take (err, error);
    }
  for (guint i = 0; i < signer->sigs->len; i++)
    {
      Signature *sig = g_ptr_array_index (signer->sigs, i);

      sig->h = dkimmod_header_select (sig->plan, signer->fields);
      sig->header_data = g_string_sized_new (1024);
      dkimmod_header_hash_input (signer->fields, sig->h, sig->header_canon, sig->header_data);
    }
  g_ptr_array_set_size (signer->fields, 0);
  signer->state = STATE_BODY;
  dkimmod_error_clear (err);
  return 0;
}

/**
 * dkimmod_signer_add_body:
 * @signer: a signer past end of headers
 * @data: body bytes (CRLF lines), any chunk
 * @len: their length
 * @err: (nullable): where to report a fault
 *
 * Returns: 0, or -1 with @err set.
 */
int
dkimmod_signer_add_body (DkimmodSigner *signer, const void *data, size_t len, DkimmodError *err)
{
  GError *error = NULL;

  if (signer == NULL || signer->state != STATE_BODY || (data == NULL && len > 0))
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "body added out of order");
      return signer != NULL ? fail (signer, err, error) : dkimmod_error_take (err, error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (signer->bodies); i++)
    if (signer->bodies[i] != NULL)
      {
        dkimmod_body_hash_update (signer->bodies[i], data, len);
        signer->body_bytes += len;
      }
  dkimmod_error_clear (err);
  return 0;
}

char *
dkimmod_sign_header_data (const DkimmodKey *key, DkimmodCanon header_canon, const GString *header_data,
                          const char *field, gsize len, GError **error)
{
  g_autoptr (GString) data = g_string_new_len (header_data->str, (gssize) header_data->len);
  g_autoptr (GBytes) b = NULL;
  guchar digest[SHA256_DIGEST_LENGTH];
  gsize n;
  const guchar *p;

  /* RFC 6376 3.7: the signature field itself, b= empty, no final CRLF. */
  if (!dkimmod_canon_header (header_canon, field, len, data))
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "malformed signature field");
      return NULL;
    }
  g_string_truncate (data, data->len - 2);
  if (key->algorithm == DKIMMOD_ALG_ED25519_SHA256)
    {
      /* RFC 8463 section 3: Ed25519 (pure) over the SHA-256 hash. */
      SHA256 ((const guchar *) data->str, data->len, digest);
      b = dkimmod_key_sign (key, digest, sizeof digest, error);
    }
  else
    b = dkimmod_key_sign (key, (const guchar *) data->str, data->len, error);
  if (b == NULL)
    return NULL;
  p = g_bytes_get_data (b, &n);
  return g_base64_encode (p, n);
}

/* sign_one - appends the complete DKIM-Signature field of SIG to OUT */
static gboolean
sign_one (Signature *sig, const char *bh, gint64 now, GString *out, GError **error)
{
  DkimmodTagSpec ts = {
    .algorithm = sig->algorithm, .header_canon = sig->header_canon,
    .body_canon = sig->body_canon, .domain = sig->domain, .selector = sig->selector,
    .identity = sig->identity, .timestamp = now,
    .expiration = sig->expire_after > 0 ? now + (gint64) MIN (sig->expire_after, G_MAXINT32) : -1,
    .headers = sig->h, .body_hash = bh,
  };
  g_autoptr (GString) field = dkimmod_tagspec_format (&ts);
  g_autofree char *b64 = dkimmod_sign_header_data (sig->key, sig->header_canon, sig->header_data,
                                                   field->str, field->len, error);

  if (b64 == NULL)
    return FALSE;
  dkimmod_tagspec_append_b (field, b64);
  g_string_append_len (out, field->str, (gssize) field->len);
  return TRUE;
}

/* body_hashes - finishes the body hashes into base64 BH[canon] */
static gboolean
body_hashes (DkimmodSigner *s, GStrv bh, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (s->bodies); i++)
    {
      guchar digest[EVP_MAX_MD_SIZE];
      guint dlen = 0;

      if (s->bodies[i] == NULL)
        {
          bh[i] = g_strdup ("");
          continue;
        }
      if (!dkimmod_body_hash_finish (s->bodies[i], digest, &dlen, error))
        return FALSE;
      bh[i] = g_base64_encode (digest, dlen);
    }
  return TRUE;
}

/* finish - the concatenated signature fields */
static GString *
finish (DkimmodSigner *s, GError **error)
{
  g_auto (GStrv) bh = g_new0 (char *, G_N_ELEMENTS (s->bodies) + 1);
  g_autoptr (GString) out = g_string_sized_new (1024);
  gint64 now = dkimmod_context_now (s->ctx);

  /* body_hashes fills every slot in order (unused ones with ""), so
   * the GStrv frees them all. */
  if (!body_hashes (s, bh, error))
    return NULL;
  for (guint i = 0; i < s->sigs->len; i++)
    {
      Signature *sig = g_ptr_array_index (s->sigs, i);

      if (!sign_one (sig, bh[sig->body_canon], now, out, error))
        return NULL;
    }
  return g_steal_pointer (&out);
}

/**
 * dkimmod_signer_finish:
 * @signer: a signer past end of headers
 * @len_out: (out) (optional): length of the result
 * @err: (nullable): where to report a fault
 *
 * Returns: (transfer full) (nullable): the DKIM-Signature fields, each
 *   ending in CRLF, NUL-terminated; free with dkimmod_free().
 */
char *
dkimmod_signer_finish (DkimmodSigner *signer, size_t *len_out, DkimmodError *err)
{
  GError *error = NULL;
  GString *out;

  if (len_out != NULL)
    *len_out = 0;
  if (signer == NULL || signer->state != STATE_BODY)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL,
                   signer != NULL && signer->state == STATE_FAILED
                     ? "an earlier step failed: the message cannot be signed"
                     : "finish called out of order");
      dkimmod_error_take (err, error);
      return NULL;
    }
  out = finish (signer, &error);
  if (out == NULL)
    {
      fail (signer, err, error);
      return NULL;
    }
  signer->state = STATE_DONE;
  if (len_out != NULL)
    *len_out = out->len;
  dkimmod_error_clear (err);
  return g_string_free (out, FALSE);
}

guint
dkimmod_signer_body_hash_count (const DkimmodSigner *signer)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (signer->bodies); i++)
    n += signer->bodies[i] != NULL;
  return n;
}

guint64
dkimmod_signer_body_bytes_hashed (const DkimmodSigner *signer)
{
  return signer->body_bytes;
}
