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
  GRWLock key_lock;      /* guards keys, the only mutable part once built:
                            lookups share it, inserts take it alone */
  GHashTable *keys;      /* path -> KeyCacheEntry */
};

/* Number of keys in the cache (tests). */
guint dkimmod_context_key_cache_size (DkimmodContext *ctx);

G_END_DECLS

#endif /* DKIMMOD_CONTEXT_PRIVATE_H */
