/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyrecord-cache.c - key records parsed once per context, by their text
 * SYNOPSIS
 *	private: dkimmod_context_key_record, dkimmod_context_key_record_cache_size,
 *	dkimmod_context_key_record_cache_free
 * DESCRIPTION
 *	A verifier that sees the same key record again (every message of a
 *	domain in a pooled worker or a long-lived host, and within one
 *	message an ARC set sealed with the signer's key) gets the key parsed
 *	the first time: the base64 and DER decoding, EVP_PKEY_fromdata and
 *	OpenSSL's per-key Montgomery set-up cost about a fifth of a
 *	verifying connection in a running worker (docs/benchmarks.md).
 *
 *	The cache is keyed by the whole record text as DNS (or the host)
 *	answered it, so a changed record, a revoked key (empty p=) or other
 *	tags are a new entry; parsing is a function of the text alone, so a
 *	cached record is exactly what parsing would give. Only records that
 *	parse are kept: an error is parsed (and reported) each time. A
 *	parsed record is never changed, so every caller gets a reference to
 *	the cached one, whose EVP_PKEY OpenSSL lets threads use for
 *	verification side by side. The reference count is ours
 *	(keyrecord.h), not OpenSSL's: the last holder, in whatever thread,
 *	frees the key, and ThreadSanitizer sees that every earlier use came
 *	first. (A first version gave each caller a copy sharing the EVP_PKEY
 *	through EVP_PKEY_up_ref; OpenSSL's count lives in uninstrumented
 *	libcrypto, and TSan reported the last EVP_PKEY_free as a race.)
 * SECURITY
 *	The records come from DNS, so the cache is bounded:
 *	DKIMMOD_KEY_RECORD_CACHE_MAX entries of at most
 *	DKIMMOD_LIMIT_KEY_RECORD_BYTES each; when full it is emptied and
 *	filled again (a flood of distinct records costs their parsing, as
 *	without a cache, never memory). A reader-writer lock guards it
 *	(lookups side by side, inserts alone), as the private-key cache:
 *	verifiers of one context may run in many threads. (GRWLock, not
 *	GMutex: GLib's GMutex is a bare futex that ThreadSanitizer cannot
 *	see, GRWLock is a pthread rwlock.)
 * NEVER
 *	Change a cached record, keep a record that did not parse, or grow
 *	without bound.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "context-private.h"
#include "keyrecord-cache.h"

/* Distinct records kept per context: far more domains than a message
 * names, few enough that a full cache is a few MiB at worst. */
#define DKIMMOD_KEY_RECORD_CACHE_MAX 256u

/* dkimmod_context_key_record - the record TXT (LEN bytes) parsed, from the
 * cache of CTX when it was parsed before (CTX NULL: parsed, not cached);
 * as dkimmod_key_record_parse otherwise (transfer full) */
DkimmodKeyRecord *
dkimmod_context_key_record (DkimmodContext *ctx, const char *txt, gsize len, guint *bits_out,
                            GError **error)
{
  g_autofree char *text = NULL;
  DkimmodKeyRecord *rec;

  if (ctx == NULL || len > DKIMMOD_LIMIT_KEY_RECORD_BYTES)
    return dkimmod_key_record_parse (txt, len, bits_out, error);
  text = g_strndup (txt, len);
  g_rw_lock_reader_lock (&ctx->record_lock);
  rec = ctx->records != NULL ? g_hash_table_lookup (ctx->records, text) : NULL;
  if (rec != NULL)
    {
      DkimmodKeyRecord *mine = dkimmod_key_record_ref (rec);

      g_rw_lock_reader_unlock (&ctx->record_lock);
      if (bits_out != NULL)
        *bits_out = mine->bits;
      return mine;
    }
  g_rw_lock_reader_unlock (&ctx->record_lock);

  /* parsed outside the lock: other threads' lookups go on meanwhile */
  rec = dkimmod_key_record_parse (txt, len, bits_out, error);
  if (rec == NULL || strlen (text) != len)   /* a NUL inside: no key to match it by */
    return rec;
  g_rw_lock_writer_lock (&ctx->record_lock);
  if (ctx->records == NULL)
    ctx->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) dkimmod_key_record_unref);
  if (g_hash_table_size (ctx->records) >= DKIMMOD_KEY_RECORD_CACHE_MAX)
    g_hash_table_remove_all (ctx->records);
  /* another thread may have parsed the same text meanwhile: the one
   * cached first stays, either is the same record */
  if (!g_hash_table_contains (ctx->records, text))
    g_hash_table_insert (ctx->records, g_steal_pointer (&text), dkimmod_key_record_ref (rec));
  g_rw_lock_writer_unlock (&ctx->record_lock);
  return rec;
}

/* dkimmod_context_key_record_cache_size - records cached (tests) */
guint
dkimmod_context_key_record_cache_size (DkimmodContext *ctx)
{
  guint n;

  g_rw_lock_reader_lock (&ctx->record_lock);
  n = ctx->records != NULL ? g_hash_table_size (ctx->records) : 0;
  g_rw_lock_reader_unlock (&ctx->record_lock);
  return n;
}

/* dkimmod_context_key_record_cache_free - at the context's end */
void
dkimmod_context_key_record_cache_free (DkimmodContext *ctx)
{
  g_clear_pointer (&ctx->records, g_hash_table_unref);
  g_rw_lock_clear (&ctx->record_lock);
}
