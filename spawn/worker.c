/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	worker.c - a serve-mode worker: accept, serve, up to max_use
 * SYNOPSIS
 *	dkimmod_worker_run
 * DESCRIPTION
 *	A worker is forked by the listener (pool.c) and serves connections
 *	from the shared listening socket one at a time, exactly as a
 *	spawn-mode helper serves its one (connection.c), then exits after
 *	max_use connections, as Postfix's daemons do, so that whatever a
 *	long life accumulates (heap fragmentation, a leak) is bounded.
 *
 *	The parsed configuration, the verifier's environment and the key
 *	cache (a DkimmodContext) live as long as the worker and are what
 *	makes a connection cheap. "No reload step" stays true: before each
 *	connection the worker stats every file they came from (filewatch.c:
 *	the configuration with its @includes and sender_map_dir files, the
 *	verifying key file, every private key used) and, if any changed,
 *	drops them all and reads everything again, as a new spawn-mode
 *	helper would. A configuration that does not load answers that
 *	connection "421 4.3.0" (spawn mode's answer) and is tried again at
 *	the next.
 *
 *	A worker also keeps the next-hop connection its last session left
 *	clean (nexthop-cache.c) for the next one, at most --next-hop-cache-time
 *	seconds idle: its wait for a client wakes then to close it. A new
 *	configuration closes it too.
 *
 *	Each worker's crypto state is its own: OpenSSL is initialised after
 *	fork, at the worker's first configuration load (cryptoinit.c, through
 *	setup.c), keys are parsed here, and OpenSSL's DRBG is first used here
 *	(the listener never calls OpenSSL). OpenSSL 3.0 also
 *	reseeds a DRBG whose recorded fork id (the pid) differs from the
 *	caller's, but nothing here relies on it.
 *
 *	The listening socket is non-blocking and watched by every idle
 *	worker through its own epoll set with EPOLLEXCLUSIVE, so a new
 *	connection wakes one idle worker, not all of them (with plain poll
 *	every idle worker woke, and all but one lost the accept(2) race:
 *	wake-ups that cost the pooled mode CPU per message,
 *	docs/benchmarks.md); a worker whose accept finds nothing waits
 *	again. SIGTERM is blocked except inside that wait (epoll_pwait), so a stop
 *	request takes effect between connections and never in the middle
 *	of one; the listener bounds how long a busy worker may take.
 * NEVER
 *	Write to stderr (it is /dev/null); serve a connection with files
 *	that changed since they were read; exit in the middle of a
 *	connection except by a crash.
 */
#define _GNU_SOURCE 1 /* epoll_pwait, accept4 */
#include "worker.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connection.h"
#include "filewatch.h"
#include "log.h"
#include "nexthop-cache.h"
#include "pool.h"
#include "session.h"

/* What one worker keeps between connections. */
typedef struct {
  const DkimmodWorkerSettings *set;
  DkimmodConfig *cfg;          /* NULL until loaded, or after a failed load */
  DkimmodVerifyEnv *verify;
  DkimmodContext *ctx;
  DkimmodFileWatch *watch;
  DkimmodNexthopCache *nexthop;  /* the idle next-hop connection */
  gboolean retire;             /* exit after this connection */
} WorkerState;

/* state_clear - drop the configuration and everything parsed from it */
static void
state_clear (WorkerState *st)
{
  /* A new configuration may name another next hop, or other timeouts. */
  dkimmod_nexthop_cache_close (st->nexthop);
  g_clear_pointer (&st->verify, dkimmod_verify_env_free);
  g_clear_pointer (&st->cfg, dkimmod_config_free);
  g_clear_pointer (&st->ctx, dkimmod_context_unref);
  g_clear_pointer (&st->watch, dkimmod_filewatch_free);
}

/* refresh - the configuration is loaded and unchanged; FALSE (logged)
 * when it cannot be loaded */
static gboolean
refresh (WorkerState *st)
{
  g_autoptr (GError) error = NULL;
  const char *which = NULL;
  const DkimmodSpawnSettings *spawn;

  if (st->cfg != NULL && !dkimmod_filewatch_changed (st->watch, &which))
    return TRUE;
  if (which != NULL)
    dkimmod_log (LOG_INFO, "serve: %s changed: reading the configuration again", which);
  state_clear (st);
  st->watch = dkimmod_filewatch_new ();
  /* Before the read, so that an edit made during it shows next time. */
  dkimmod_filewatch_add (st->watch, st->set->args->config_path);
  st->cfg = dkimmod_spawn_load (st->set->args, &st->verify, &error);
  if (st->cfg == NULL)
    {
      dkimmod_log (LOG_ERR, "configuration error: %s", error->message);
      return FALSE;
    }
  dkimmod_config_foreach_file (st->cfg, dkimmod_filewatch_add_func, st->watch);
  st->ctx = dkimmod_context_new ();
  spawn = dkimmod_config_spawn (st->cfg);
  dkimmod_log_reopen (spawn->syslog_ident, spawn->syslog_facility);
  /* OpenSSL took its settings at this process's first load: a new
   * openssl_config needs a new worker. */
  if (g_strcmp0 (spawn->openssl_config, dkimmod_spawn_crypto_config ()) != 0)
    {
      dkimmod_log (LOG_INFO, "serve: openssl_config changed: this worker exits after this "
                   "connection, the next one starts with it");
      st->retire = TRUE;
    }
  return TRUE;
}

/* serve_one - one accepted connection, start to end */
static void
serve_one (WorkerState *st, int fd)
{
  DkimmodConnectionEnv env;
  int status = DKIMMOD_EXIT_TEMPFAIL;

  if (!refresh (st))
    dkimmod_connection_refuse (fd, fd,
                               "421 4.3.0 dkimmod-spawn: configuration error, see the mail log");
  else
    {
      env = (DkimmodConnectionEnv) { .cfg = st->cfg, .verify = st->verify, .ctx = st->ctx,
                                     .key_watch = st->watch,
                                     .stopping = dkimmod_pool_stop_pending,
                                     .nexthop_cache = st->nexthop };
      status = dkimmod_connection_serve (&env, fd, fd);
      /* sender_map_dir files the lookups read join the watch. */
      dkimmod_config_foreach_file (st->cfg, dkimmod_filewatch_add_func, st->watch);
    }
  /* spawn(8) logs a helper's non-zero exit status; here the worker does. */
  if (status != DKIMMOD_EXIT_OK)
    dkimmod_log (LOG_INFO, "serve: session ended with status %d", status);
}

/* next_connection - wait (in EPFD, which watches LISTEN_FD) for and
 * accept one, closing the cached next-hop connection when its idle time
 * is up; -1 when stopping */
static int
next_connection (WorkerState *st, int epfd, int listen_fd)
{
  while (!dkimmod_pool_stopping ())
    {
      struct epoll_event ev;
      int n = epoll_pwait (epfd, &ev, 1, dkimmod_nexthop_cache_wait_ms (st->nexthop),
                           dkimmod_pool_wait_mask ());
      int fd;

      if (n < 0)
        {
          if (errno != EINTR)
            {
              dkimmod_log (LOG_ERR, "serve: epoll_wait: %s", g_strerror (errno));
              return -1;
            }
          continue;
        }
      if (n == 0)
        {
          dkimmod_nexthop_cache_expire (st->nexthop);
          continue;
        }
      fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0)
        return fd;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
        continue;  /* another worker was faster, or the client gave up */
      dkimmod_log (LOG_WARNING, "serve: accept: %s", g_strerror (errno));
      /* EMFILE and friends: do not spin. */
      g_usleep (100 * 1000);
    }
  return -1;
}

/* watch_listener - an epoll set of this worker's own on LISTEN_FD that
 * wakes one waiting worker per connection (EPOLLEXCLUSIVE); -1 on error */
static int
watch_listener (int listen_fd)
{
  struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listen_fd };
  int epfd = epoll_create1 (EPOLL_CLOEXEC);

  if (epfd < 0 || epoll_ctl (epfd, EPOLL_CTL_ADD, listen_fd, &ev) != 0)
    {
      dkimmod_log (LOG_ERR, "serve: epoll: %s", g_strerror (errno));
      if (epfd >= 0)
        close (epfd);
      return -1;
    }
  return epfd;
}

int
dkimmod_worker_run (int listen_fd, int status_fd, gpointer data)
{
  WorkerState st = { .set = data };
  guint served = 0;
  int epfd = watch_listener (listen_fd);

  st.nexthop = dkimmod_nexthop_cache_new (st.set->next_hop_cache_time);
  while (epfd >= 0 && served < st.set->max_use)
    {
      int fd = next_connection (&st, epfd, listen_fd);

      if (fd < 0)
        break;
      dkimmod_pool_report (status_fd, TRUE);
      served++;
      serve_one (&st, fd);
      close (fd);
      dkimmod_pool_report (status_fd, FALSE);
      if (st.retire)
        break;
    }
  state_clear (&st);
  dkimmod_nexthop_cache_free (st.nexthop);
  if (epfd >= 0)
    close (epfd);
  return epfd >= 0 ? 0 : 1;
}
