/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	nexthop-cache.h - serve mode: one idle next-hop connection per worker
 */
#ifndef DKIMMOD_SPAWN_NEXTHOP_CACHE_H
#define DKIMMOD_SPAWN_NEXTHOP_CACHE_H

#include <glib.h>

G_BEGIN_DECLS

/* How long a connection may be reused at all, as Postfix's
 * smtp_connection_reuse_time_limit default. */
#define DKIMMOD_NEXTHOP_REUSE_TIME_MAX 300u

typedef struct _DkimmodNexthopCache DkimmodNexthopCache;

/* A cache that keeps a connection idle for at most IDLE_LIMIT seconds
 * (0: never keeps one). */
DkimmodNexthopCache *dkimmod_nexthop_cache_new (guint idle_limit);
/* Closes what it holds (QUIT, without waiting for the reply). */
void dkimmod_nexthop_cache_free (DkimmodNexthopCache *cache);
void dkimmod_nexthop_cache_close (DkimmodNexthopCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodNexthopCache, dkimmod_nexthop_cache_free)

/* What a cached connection carries besides its fd: when it was
 * connected, and the EHLO line it last accepted with the next hop's
 * reply, verbatim (NULL, NULL when it has had none or a HELO since). */
typedef struct {
  gint64 since;               /* g_get_monotonic_time at connect */
  char *ehlo;                 /* "EHLO name" as sent */
  char *ehlo_reply;           /* its 2xx reply, every line with CRLF */
} DkimmodNexthopState;

void dkimmod_nexthop_state_clear (DkimmodNexthopState *st);

/* The cached connection to SPEC (the next_hop setting) when it is still
 * open and has said nothing since; -1 otherwise (whatever was held is
 * closed). *ST gets its state (transfer full). */
int dkimmod_nexthop_cache_take (DkimmodNexthopCache *cache, const char *spec,
                                DkimmodNexthopState *st);
/* Keeps FD, connected to SPEC and idle at a clean point (no transaction,
 * nothing unread), with its state ST (taken over, *ST is cleared), or
 * closes it when the cache keeps nothing or the connection is older than
 * DKIMMOD_NEXTHOP_REUSE_TIME_MAX. */
void dkimmod_nexthop_cache_put (DkimmodNexthopCache *cache, const char *spec, int fd,
                                DkimmodNexthopState *st);
/* Milliseconds until what is held expires (-1: nothing held), for the
 * worker's wait for its next client. */
int dkimmod_nexthop_cache_wait_ms (const DkimmodNexthopCache *cache);
/* Closes what is held once it has been idle for the limit. */
void dkimmod_nexthop_cache_expire (DkimmodNexthopCache *cache);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_NEXTHOP_CACHE_H */
