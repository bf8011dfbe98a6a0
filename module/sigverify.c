/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	sigverify.c - the checks DKIM-Signature, ARC-Message-Signature and ARC-Seal share
 * SYNOPSIS
 *	dkimmod_sigverify_append_self, dkimmod_body_set_new,
 *	dkimmod_body_set_entry, dkimmod_body_set_update,
 *	dkimmod_body_set_finish, dkimmod_body_entry_matches,
 *	dkimmod_sigverify_records
 * DESCRIPTION
 *	Once sigparse.c has read a signature field, checking it is the same
 *	for the three kinds: the header hash ends in the field itself with
 *	b= emptied; body hashers are shared by signatures with the same
 *	(body canonicalization, hash, l=), so the body is hashed once per
 *	distinct triple however many signatures there are; and each TXT
 *	record of the key name is tried until one verifies, a record that
 *	does not fit the signature (key type, h=, t=s) being skipped.
 * STANDARDS
 *	RFC 6376 sections 3.6.2.2 (several records), 3.7 (hash input),
 *	6.1.2, 6.1.3; RFC 8463 section 3 (Ed25519 signs the SHA-256 digest);
 *	RFC 8617 section 4.1 (ARC fields verified as DKIM signatures).
 * SECURITY
 *	Records tried per name bounded by DKIMMOD_VERIFY_LIMIT_RECORDS;
 *	keys by keyrecord.c's limits.
 * NEVER
 *	Report a verified signature for a record that did not fit it.
 */
#include "dkimmod-build-config.h"

#include <string.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "keyrecord-cache.h"
#include "keyrecord.h"
#include "sigverify.h"

gboolean
dkimmod_sigverify_append_self (DkimmodCanon canon, const DkimmodHeaderField *self,
                               const DkimmodTag *b, GString *data)
{
  g_autoptr (GString) field = g_string_sized_new (self->len);
  gsize cut = b->raw_value - self->data;

  g_string_append_len (field, self->data, cut);
  g_string_append_len (field, b->raw_value + b->raw_value_len,
                       self->len - cut - b->raw_value_len);
  if (!dkimmod_canon_header (canon, field->str, field->len, data))
    return FALSE;
  g_string_truncate (data, data->len - 2);
  return TRUE;
}

static void
body_entry_free (DkimmodBodyEntry *e)
{
  dkimmod_body_hash_free (e->hash);
  g_free (e);
}

GPtrArray *
dkimmod_body_set_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) body_entry_free);
}

DkimmodBodyEntry *
dkimmod_body_set_entry (GPtrArray *set, const DkimmodSigSpec *spec, guint max, GError **error)
{
  const EVP_MD *md = dkimmod_sigspec_md (spec);
  DkimmodBodyEntry *e;

  for (guint i = 0; i < set->len; i++)
    {
      e = g_ptr_array_index (set, i);
      if (e->canon == spec->bcanon && e->md == md && e->limit == spec->l)
        return e;
    }
  if (max > 0 && set->len >= max)
    return NULL;
  e = g_new0 (DkimmodBodyEntry, 1);
  e->canon = spec->bcanon;
  e->md = md;
  e->limit = spec->l;
  e->hash = dkimmod_body_hash_new (e->canon, e->md, error);
  if (e->hash == NULL)
    {
      g_free (e);
      return NULL;
    }
  if (spec->l >= 0)
    dkimmod_body_hash_set_limit (e->hash, (guint64) spec->l);
  g_ptr_array_add (set, e);
  return e;
}

void
dkimmod_body_set_update (GPtrArray *set, const void *data, gsize len)
{
  for (guint i = 0; i < set->len; i++)
    dkimmod_body_hash_update (((DkimmodBodyEntry *) g_ptr_array_index (set, i))->hash, data, len);
}

gboolean
dkimmod_body_set_finish (GPtrArray *set, GError **error)
{
  for (guint i = 0; i < set->len; i++)
    {
      DkimmodBodyEntry *e = g_ptr_array_index (set, i);

      if (!dkimmod_body_hash_finish (e->hash, e->digest, &e->digest_len, error))
        return FALSE;
      e->length = dkimmod_body_hash_length (e->hash);
    }
  return TRUE;
}

gboolean
dkimmod_body_entry_matches (const DkimmodBodyEntry *entry, const DkimmodSigSpec *spec)
{
  return entry->digest_len == g_bytes_get_size (spec->bh)
         && memcmp (entry->digest, g_bytes_get_data (spec->bh, NULL), entry->digest_len) == 0;
}

/* verify_crypto - SPEC's b= over DIGEST under PKEY */
static gboolean
verify_crypto (const DkimmodSigSpec *spec, const guchar *digest, guint digest_len, EVP_PKEY *pkey)
{
  gsize slen;
  const guchar *s = g_bytes_get_data (spec->sig, &slen);
  gboolean ok = FALSE;

  if (spec->alg == DKIMMOD_ALG_ED25519_SHA256)
    {
      g_autoptr (EVP_MD_CTX) md = EVP_MD_CTX_new ();

      /* RFC 8463 section 3: Ed25519 signs the SHA-256 of the header data */
      ok = EVP_DigestVerifyInit (md, NULL, NULL, NULL, pkey) == 1
           && EVP_DigestVerify (md, s, slen, digest, digest_len) == 1;
    }
  else
    {
      g_autoptr (EVP_PKEY_CTX) pctx = EVP_PKEY_CTX_new (pkey, NULL);

      ok = pctx != NULL && EVP_PKEY_verify_init (pctx) == 1
           && EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PADDING) == 1
           && EVP_PKEY_CTX_set_signature_md (pctx, dkimmod_sigspec_md (spec)) == 1
           && EVP_PKEY_verify (pctx, s, slen, digest, digest_len) == 1;
    }
  ERR_clear_error ();
  return ok;
}

/* record_usable - the key record fits the signature (type, h=, and t=s
 * for a DKIM-Signature's i=; ARC fields have no i= identity) */
static gboolean
record_usable (const DkimmodSigSpec *spec, const DkimmodKeyRecord *rec, GError **error)
{
  guint need = spec->alg == DKIMMOD_ALG_RSA_SHA1 ? DKIMMOD_KEY_HASH_SHA1 : DKIMMOD_KEY_HASH_SHA256;
  gboolean ed = spec->alg == DKIMMOD_ALG_ED25519_SHA256;

  if (ed != (rec->type == DKIMMOD_KEY_TYPE_ED25519))
    g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_UNSUPPORTED,
                 "key type does not match a=");
  else if ((rec->hashes & need) == 0)
    g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_UNSUPPORTED,
                 "key h= does not allow %s", need == DKIMMOD_KEY_HASH_SHA1 ? "sha1" : "sha256");
  else if (rec->strict && spec->identity != NULL
           && !dkimmod_sigparse_identity_within_domain (spec->identity, spec->domain, TRUE))
    g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_UNSUPPORTED,
                 "key t=s forbids i= in a subdomain of d=");
  else
    return TRUE;
  return FALSE;
}

void
dkimmod_sigverify_records (DkimmodContext *ctx, const DkimmodSigSpec *spec, const guchar *digest,
                           guint digest_len,
                           const char *const *records, gsize n, DkimmodKeyOutcome *out,
                           GError **first_error)
{
  out->usable = 0;
  out->key_bits = 0;
  out->testing = FALSE;
  out->key_record = -1;
  for (gsize i = 0; i < n && i < DKIMMOD_VERIFY_LIMIT_RECORDS; i++)
    {
      g_autoptr (GError) error = NULL;
      guint bits = 0;
      g_autoptr (DkimmodKeyRecord) rec = dkimmod_context_key_record (ctx, records[i],
                                                                     strlen (records[i]), &bits,
                                                                     &error);

      if (rec != NULL && !record_usable (spec, rec, &error))
        g_clear_pointer (&rec, dkimmod_key_record_unref);
      if (rec == NULL)
        {
          if (bits > 0 && out->key_bits == 0)
            out->key_bits = bits;
          if (*first_error == NULL)
            *first_error = g_steal_pointer (&error);
          continue;
        }
      out->usable++;
      out->key_bits = rec->bits;
      out->testing = rec->testing;
      if (verify_crypto (spec, digest, digest_len, rec->pkey))
        {
          out->key_record = (int) i;
          return;
        }
    }
}
