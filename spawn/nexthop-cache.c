/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	nexthop-cache.c - serve mode: one idle next-hop connection per worker
 * SYNOPSIS
 *	dkimmod_nexthop_cache_new, dkimmod_nexthop_cache_take,
 *	dkimmod_nexthop_cache_put, dkimmod_nexthop_cache_wait_ms,
 *	dkimmod_nexthop_cache_expire, dkimmod_nexthop_cache_close
 * DESCRIPTION
 *	Before the queue, Postfix's smtpd opens one proxy connection per
 *	message, so without this every message also costs the next hop a
 *	whole SMTP session (connect, greeting, QUIT, and for Postfix's
 *	second smtpd the connect and disconnect work with their log lines).
 *	A worker keeps the connection its last client session left clean
 *	and gives it to the next client session, with the EHLO line it last
 *	accepted and the reply (session.c answers the same EHLO with it);
 *	the next hop misses the greeting, QUIT and a repeated EHLO.
 *
 *	This is what Postfix's smtp(8) connection cache does, with its
 *	limits: a connection is kept idle for at most the idle limit
 *	(serve --next-hop-cache-time, default 2 s as
 *	smtp_connection_cache_time_limit), since it holds one next-hop
 *	process while idle, and reused for at most 300 s
 *	(smtp_connection_reuse_time_limit). A connection that has become
 *	readable while idle (the next hop closed it, or sent a 421) is not
 *	used. The session decides what is clean (session.c: nothing of a
 *	transaction or XFORWARD left at the next hop, nothing unread).
 * STANDARDS
 *	RFC 5321 section 4.1.4 (EHLO may be sent again and resets the
 *	session), Postfix CONNECTION_CACHE_README.
 * NEVER
 *	Keep more than one connection, hand one out that has unread input,
 *	or keep one across a configuration change (worker.c closes it).
 */
#define _GNU_SOURCE 1 /* POLLRDHUP */
#include "nexthop-cache.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

struct _DkimmodNexthopCache {
  guint idle_limit;           /* seconds */
  int fd;                     /* -1: nothing held */
  char *spec;
  DkimmodNexthopState st;
  gint64 idle_since;          /* put at */
};

void
dkimmod_nexthop_state_clear (DkimmodNexthopState *st)
{
  g_clear_pointer (&st->ehlo, g_free);
  g_clear_pointer (&st->ehlo_reply, g_free);
  st->since = 0;
}

DkimmodNexthopCache *
dkimmod_nexthop_cache_new (guint idle_limit)
{
  DkimmodNexthopCache *cache = g_new0 (DkimmodNexthopCache, 1);

  cache->idle_limit = idle_limit;
  cache->fd = -1;
  return cache;
}

void
dkimmod_nexthop_cache_close (DkimmodNexthopCache *cache)
{
  static const char quit[] = "QUIT\r\n";

  if (cache->fd < 0)
    return;
  /* Polite, not waited for: the next hop logs an orderly end. The fd is
   * non-blocking, and a full socket buffer or a peer that is gone just
   * loses the QUIT (MSG_NOSIGNAL: no SIGPIPE). */
  (void) send (cache->fd, quit, sizeof quit - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  close (cache->fd);
  cache->fd = -1;
  g_clear_pointer (&cache->spec, g_free);
  dkimmod_nexthop_state_clear (&cache->st);
}

void
dkimmod_nexthop_cache_free (DkimmodNexthopCache *cache)
{
  if (cache == NULL)
    return;
  dkimmod_nexthop_cache_close (cache);
  g_free (cache);
}

/* still_quiet - open, and nothing arrived while idle */
static gboolean
still_quiet (int fd)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };

  return poll (&pfd, 1, 0) == 0;
}

int
dkimmod_nexthop_cache_take (DkimmodNexthopCache *cache, const char *spec,
                            DkimmodNexthopState *st)
{
  int fd = cache->fd;

  if (fd < 0)
    return -1;
  if (g_strcmp0 (spec, cache->spec) != 0 || !still_quiet (fd))
    {
      /* Whatever arrived (EOF, a 421) is not read: we are leaving. */
      dkimmod_nexthop_cache_close (cache);
      return -1;
    }
  *st = cache->st;
  cache->st = (DkimmodNexthopState) { 0 };
  cache->fd = -1;
  g_clear_pointer (&cache->spec, g_free);
  return fd;
}

void
dkimmod_nexthop_cache_put (DkimmodNexthopCache *cache, const char *spec, int fd,
                           DkimmodNexthopState *st)
{
  gint64 now = g_get_monotonic_time ();

  dkimmod_nexthop_cache_close (cache);
  cache->fd = fd;
  cache->spec = g_strdup (spec);
  cache->st = *st;
  *st = (DkimmodNexthopState) { 0 };
  cache->idle_since = now;
  if (cache->idle_limit == 0
      || now - cache->st.since >= (gint64) DKIMMOD_NEXTHOP_REUSE_TIME_MAX * G_USEC_PER_SEC)
    dkimmod_nexthop_cache_close (cache);
}

int
dkimmod_nexthop_cache_wait_ms (const DkimmodNexthopCache *cache)
{
  gint64 left;

  if (cache->fd < 0)
    return -1;
  left = cache->idle_since + (gint64) cache->idle_limit * G_USEC_PER_SEC - g_get_monotonic_time ();
  return left <= 0 ? 0 : (int) MIN ((left + 999) / 1000, G_MAXINT);
}

void
dkimmod_nexthop_cache_expire (DkimmodNexthopCache *cache)
{
  if (cache->fd >= 0 && dkimmod_nexthop_cache_wait_ms (cache) == 0)
    dkimmod_nexthop_cache_close (cache);
}
