/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	context.c - shared, refcounted library context: clock and key cache
 * SYNOPSIS
 *	dkimmod_context_new, dkimmod_context_ref, dkimmod_context_unref,
 *	dkimmod_context_set_clock, dkimmod_context_now, dkimmod_context_set_log,
 *	dkimmod_context_log, dkimmod_key_load_file
 * DESCRIPTION
 *	Everything that would otherwise be global lives here: the clock used
 *	for t= and x= (injectable so tests are reproducible) and the cache of
 *	parsed private keys by path. A host builds one context, sets the
 *	clock, then shares it read-only across threads (the reference count
 *	is atomic); the key cache is the only part that changes afterwards
 *	and it is guarded by a reader-writer lock: lookups, the common case,
 *	run side by side.
 *	A key file is parsed once per context: parsing a PEM key costs about
 *	as much as one RSA signature under OpenSSL 3, so doing it per message
 *	would halve throughput. A new context re-reads keys (a reload).
 * SECURITY
 *	Key files are checked for their mode and size (key.c) before parsing.
 *	The library has no logger of its own: what it has to say goes to the
 *	context's log function, or nowhere. A host's stderr may be a socket
 *	(spawn(8) makes it the SMTP connection) or a terminal it owns; GLib's
 *	default handlers would write there, so module/ never calls g_log and
 *	its precondition checks return their documented value silently
 *	(quiet-private.h).
 * NEVER
 *	Parse a key once per message; keep a static cache; print.
 */
#include <stdarg.h>
#include <time.h>
#include <glib/gstdio.h>

#include "context-private.h"
#include "key-private.h"

typedef struct {
  DkimmodKey *key;
  unsigned flags;   /* flags of the load that parsed it */
} KeyCacheEntry;

/* key_cache_entry_free - GHashTable value destructor */
static void
key_cache_entry_free (gpointer p)
{
  KeyCacheEntry *e = p;

  dkimmod_key_unref (e->key);
  g_free (e);
}

/**
 * dkimmod_context_new:
 *
 * Returns: (transfer full): a new context using time() as its clock.
 */
DkimmodContext *
dkimmod_context_new (void)
{
  DkimmodContext *ctx = g_new0 (DkimmodContext, 1);

  g_atomic_ref_count_init (&ctx->ref);
  g_rw_lock_init (&ctx->key_lock);
  g_rw_lock_init (&ctx->record_lock);
  ctx->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, key_cache_entry_free);
  return ctx;
}

/**
 * dkimmod_context_ref:
 * @ctx: a context
 *
 * Returns: (transfer full): @ctx
 */
DkimmodContext *
dkimmod_context_ref (DkimmodContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, NULL);
  g_atomic_ref_count_inc (&ctx->ref);
  return ctx;
}

/**
 * dkimmod_context_unref:
 * @ctx: (nullable): a context
 */
void
dkimmod_context_unref (DkimmodContext *ctx)
{
  if (ctx == NULL || !g_atomic_ref_count_dec (&ctx->ref))
    return;
  g_hash_table_destroy (ctx->keys);
  g_rw_lock_clear (&ctx->key_lock);
  dkimmod_context_key_record_cache_free (ctx);
  g_free (ctx);
}

/**
 * dkimmod_context_set_clock:
 * @ctx: a context not yet shared with other threads
 * @clock: (nullable): seconds since the epoch, or NULL for time()
 * @user_data: passed to @clock
 */
void
dkimmod_context_set_clock (DkimmodContext *ctx, DkimmodClockFunc clock, void *user_data)
{
  g_return_if_fail (ctx != NULL);
  ctx->clock = clock;
  ctx->clock_data = user_data;
}

/**
 * dkimmod_context_now:
 * @ctx: a context
 *
 * Returns: the context clock's current time, seconds since the epoch.
 */
int64_t
dkimmod_context_now (const DkimmodContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, 0);
  if (ctx->clock != NULL)
    return ctx->clock (ctx->clock_data);
  return (int64_t) time (NULL);
}

/**
 * dkimmod_context_set_log:
 * @ctx: a context not yet shared with other threads
 * @log: (nullable): called with each message, or NULL to drop them
 * @user_data: passed to @log
 */
void
dkimmod_context_set_log (DkimmodContext *ctx, DkimmodLogFunc log, void *user_data)
{
  g_return_if_fail (ctx != NULL);
  ctx->log = log;
  ctx->log_data = user_data;
}

void
dkimmod_context_log (const DkimmodContext *ctx, DkimmodLogLevel level, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  if (ctx == NULL || ctx->log == NULL)
    return;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  ctx->log (level, msg, ctx->log_data);
}

guint
dkimmod_context_key_cache_size (DkimmodContext *ctx)
{
  guint n;

  g_rw_lock_reader_lock (&ctx->key_lock);
  n = g_hash_table_size (ctx->keys);
  g_rw_lock_reader_unlock (&ctx->key_lock);
  return n;
}

/* cache_lookup - a new reference to the cached key for PATH, or NULL */
static DkimmodKey *
cache_lookup (DkimmodContext *ctx, const char *path, unsigned *cached_flags)
{
  KeyCacheEntry *e;
  DkimmodKey *key = NULL;

  g_rw_lock_reader_lock (&ctx->key_lock);
  e = g_hash_table_lookup (ctx->keys, path);
  if (e != NULL)
    {
      key = dkimmod_key_ref (e->key);
      *cached_flags = e->flags;
    }
  g_rw_lock_reader_unlock (&ctx->key_lock);
  return key;
}

/* cache_insert - stores KEY for PATH unless another thread won the race;
 * returns a new reference to the key that is in the cache */
static DkimmodKey *
cache_insert (DkimmodContext *ctx, const char *path, DkimmodKey *key, unsigned flags)
{
  KeyCacheEntry *e;
  DkimmodKey *ret;

  g_rw_lock_writer_lock (&ctx->key_lock);
  e = g_hash_table_lookup (ctx->keys, path);
  if (e == NULL)
    {
      e = g_new0 (KeyCacheEntry, 1);
      e->key = dkimmod_key_ref (key);
      e->flags = flags;
      g_hash_table_insert (ctx->keys, g_strdup (path), e);
    }
  ret = dkimmod_key_ref (e->key);
  g_rw_lock_writer_unlock (&ctx->key_lock);
  return ret;
}

/**
 * dkimmod_key_load_file:
 * @ctx: a context (its cache keeps the parsed key)
 * @path: a PEM private key file, mode 0600 (or 0640 with
 *   DKIMMOD_KEY_ALLOW_GROUP_READABLE)
 * @flags: DKIMMOD_KEY_* flags
 * @err: (nullable): where to report a fault
 *
 * Returns: (transfer full) (nullable): the key, parsed at most once per
 *   context and path, or NULL with @err set.
 */
DkimmodKey *
dkimmod_key_load_file (DkimmodContext *ctx, const char *path, unsigned flags, DkimmodError *err)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodKey) parsed = NULL;
  DkimmodKey *key;
  unsigned cached_flags = 0;

  dkimmod_error_clear (err);
  if (ctx == NULL || path == NULL)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "no context or key path given");
      dkimmod_error_set (err, error);
      return NULL;
    }
  key = cache_lookup (ctx, path, &cached_flags);
  if (key != NULL)
    {
      /* A stricter caller than the one that filled the cache still gets
       * its permission check (one stat, no parse). */
      if ((cached_flags & ~flags & DKIMMOD_KEY_ALLOW_GROUP_READABLE) != 0)
        {
          GStatBuf st;

          if (g_stat (path, &st) == 0 && !dkimmod_key_check_access (path, &st, flags, &error))
            {
              dkimmod_key_unref (key);
              dkimmod_error_set (err, error);
              return NULL;
            }
        }
      return key;
    }
  parsed = dkimmod_key_read_file (path, flags, &error);
  if (parsed == NULL)
    {
      dkimmod_error_set (err, error);
      return NULL;
    }
  return cache_insert (ctx, path, parsed, flags);
}
