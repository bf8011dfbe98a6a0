/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	context-private.h - the shared library context (private)
 */
#ifndef DKIMMOD_CONTEXT_PRIVATE_H
#define DKIMMOD_CONTEXT_PRIVATE_H

#include "error-private.h"

G_BEGIN_DECLS

struct DkimmodContext {
  gatomicrefcount ref;   /* atomic: shared across threads (dkimmod.h THREADS) */
  DkimmodClockFunc clock;
  void *clock_data;
  DkimmodLogFunc log;    /* NULL: messages are dropped */
  void *log_data;
  GRWLock key_lock;      /* guards keys, the only mutable part once built:
                            lookups share it, inserts take it alone */
  GHashTable *keys;      /* path -> KeyCacheEntry */
  GRWLock record_lock;   /* guards records (keyrecord-cache.c) */
  GHashTable *records;   /* key record text -> DkimmodKeyRecord, NULL until the first */
};

/* Formats a message and hands it to the context's log function, if any:
 * the library never prints (a host's stderr may be anything). */
void dkimmod_context_log (const DkimmodContext *ctx, DkimmodLogLevel level, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

/* Number of keys in the cache (tests). */
guint dkimmod_context_key_cache_size (DkimmodContext *ctx);

/* Empties and frees the key record cache (keyrecord-cache.c). */
void dkimmod_context_key_record_cache_free (DkimmodContext *ctx);

G_END_DECLS

#endif /* DKIMMOD_CONTEXT_PRIVATE_H */
