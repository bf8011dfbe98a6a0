/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	pool.c - serve mode's listener: a bounded pool of prefork workers
 * SYNOPSIS
 *	dkimmod_pool_run, dkimmod_pool_report, dkimmod_pool_stopping,
 *	dkimmod_pool_stop_pending, dkimmod_pool_wait_mask
 * DESCRIPTION
 *	The Postfix master(8) way, for one service: the listener (this
 *	process) owns the listening socket and forks workers that inherit
 *	it; each worker accepts and serves one connection at a time, up to
 *	its max_use, then exits (worker.c). Every worker tells the listener
 *	through a pipe when it takes a connection and when it is done (one
 *	write of a few bytes, atomic under PIPE_BUF), so the listener knows
 *	how many are idle:
 *	  - workers_min are kept running (forked again when one exits);
 *	  - when none is idle and fewer than workers_max run, the listener
 *	    watches the listening socket itself and forks one more as soon
 *	    as a connection waits (it never accepts: the new worker does);
 *	  - a worker that dies (a crash, SIGKILL) costs its own connection
 *	    only: the kernel closes the socket and Postfix gets a lost
 *	    connection, which it retries; the listener logs it and forks a
 *	    replacement. Replacements for workers that die abnormally are
 *	    throttled (100 ms per failure in a row, at most 1 s), so a worker
 *	    that crashes at start cannot make the listener spin.
 *
 *	Idle exit (for socket activation): after idle_timeout seconds in
 *	which no worker reported anything and none is busy, the listener
 *	stops its workers and exits 0; systemd keeps the socket and starts
 *	us again on the next connection, which waits in the backlog
 *	meanwhile, so none is lost.
 *
 *	SIGTERM or SIGINT: stop accepting (the socket file we bound is
 *	removed, the workers get SIGTERM: idle ones exit at once, busy ones
 *	after their connection, which they end at its next MAIL with 421
 *	4.3.2), wait at most drain_timeout seconds, then
 *	SIGKILL what is left (their clients see a lost connection and retry),
 *	and exit 0.
 *
 *	Signals reach the loop through a self-pipe, so the loop is one
 *	poll(2) with no race between a signal and the wait.
 * SECURITY
 *	The listener never loads keys, signs or verifies, and never touches
 *	the DRBG: each worker initialises its own crypto after fork, so no
 *	random state or RSA blinding value is ever shared between workers
 *	(docs/design.md, "serve mode").
 * NEVER
 *	Accept a connection; read a message; write to stderr.
 */
#define _GNU_SOURCE 1 /* pipe2 */
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#define THROTTLE_STEP_US (100 * 1000)
#define THROTTLE_MAX_US (1000 * 1000)

typedef struct {
  pid_t pid;
  gint32 busy;
} StatusMsg;

typedef struct {
  const DkimmodPoolSettings *set;
  DkimmodPoolWorkerFunc func;
  gpointer data;
  GHashTable *workers;        /* pid -> GINT_TO_POINTER (busy + 1) */
  guint busy;
  int status[2];              /* workers write, we read */
  gint64 last_activity;       /* monotonic us */
  gint64 next_fork;           /* throttle: no fork before this */
  guint failures;             /* abnormal worker exits in a row */
  gboolean stopping;
  gint64 drain_deadline;
  gboolean killed;            /* SIGKILL sent after the drain timeout */
} Pool;

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t worker_stop;
static sigset_t worker_wait_mask;

/* on_signal - the listener's handler: the signal number into the pipe */
static void
on_signal (int signo)
{
  int saved = errno;
  unsigned char c = (unsigned char) signo;

  /* A full pipe already holds a wake-up; nothing else to do here. */
  if (write (signal_pipe[1], &c, 1) < 0)
    errno = saved;
  errno = saved;
}

/* on_worker_stop - a worker's handler for SIGTERM/SIGINT */
static void
on_worker_stop (int signo)
{
  (void) signo;
  worker_stop = 1;
}

void
dkimmod_pool_report (int status_fd, gboolean busy)
{
  StatusMsg m = { .pid = getpid (), .busy = busy ? 1 : 0 };

  /* A listener that is gone cannot be told; the worker goes on. (An
   * if, not a (void) cast: glibc's fortified write() warns on a cast.) */
  if (write (status_fd, &m, sizeof m) < 0)
    return;
}

gboolean
dkimmod_pool_stopping (void)
{
  return worker_stop != 0;
}

gboolean
dkimmod_pool_stop_pending (void)
{
  sigset_t pending;

  if (worker_stop)
    return TRUE;
  return sigpending (&pending) == 0
         && (sigismember (&pending, SIGTERM) == 1 || sigismember (&pending, SIGINT) == 1);
}

const sigset_t *
dkimmod_pool_wait_mask (void)
{
  return &worker_wait_mask;
}

/* set_handler - sigaction without SA_RESTART */
static void
set_handler (int signo, void (*handler) (int))
{
  struct sigaction sa = { .sa_handler = handler };

  sigemptyset (&sa.sa_mask);
  (void) sigaction (signo, &sa, NULL);
}

/* worker_main - the child after fork: its own signals, then FUNC */
static G_NORETURN void
worker_main (Pool *pool, pid_t listener)
{
  sigset_t block;
  int status;

  close (signal_pipe[0]);
  close (signal_pipe[1]);
  close (pool->status[0]);
  set_handler (SIGCHLD, SIG_DFL);
  set_handler (SIGHUP, SIG_IGN);
  set_handler (SIGTERM, on_worker_stop);
  set_handler (SIGINT, on_worker_stop);
  sigemptyset (&block);
  sigaddset (&block, SIGTERM);
  sigaddset (&block, SIGINT);
  sigprocmask (SIG_BLOCK, &block, &worker_wait_mask);
  sigdelset (&worker_wait_mask, SIGTERM);
  sigdelset (&worker_wait_mask, SIGINT);
  /* A listener killed with SIGKILL must not leave workers behind. */
  (void) prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != listener)
    _exit (0);
  status = pool->func (pool->set->listen_fd, pool->status[1], pool->data);
  /* exit(), not _exit(): the listener registers no atexit handler and
   * has no buffered output, and LeakSanitizer checks a worker's heap at
   * exit, after up to max_use connections. */
  g_hash_table_unref (pool->workers);
  exit (status);
}

/* fork_worker - one more worker, counted idle */
static void
fork_worker (Pool *pool)
{
  pid_t listener = getpid ();
  pid_t pid = fork ();

  if (pid < 0)
    {
      dkimmod_log (LOG_WARNING, "serve: fork: %s", g_strerror (errno));
      pool->next_fork = g_get_monotonic_time () + THROTTLE_MAX_US;
      return;
    }
  if (pid == 0)
    worker_main (pool, listener);
  g_hash_table_insert (pool->workers, GINT_TO_POINTER (pid), GINT_TO_POINTER (1));
}

/* idle_count - workers running that are not busy */
static guint
idle_count (const Pool *pool)
{
  return g_hash_table_size (pool->workers) - pool->busy;
}

/* read_status - every busy/idle message waiting in the pipe */
static void
read_status (Pool *pool)
{
  StatusMsg m;

  while (read (pool->status[0], &m, sizeof m) == (ssize_t) sizeof m)
    {
      gpointer was = g_hash_table_lookup (pool->workers, GINT_TO_POINTER (m.pid));

      if (was == NULL)
        continue;  /* reaped already */
      if (GPOINTER_TO_INT (was) - 1 != m.busy)
        {
          if (m.busy)
            pool->busy++;
          else
            pool->busy--;
        }
      g_hash_table_insert (pool->workers, GINT_TO_POINTER (m.pid),
                           GINT_TO_POINTER (m.busy + 1));
      pool->last_activity = g_get_monotonic_time ();
      if (m.busy)
        pool->failures = 0;
    }
}

/* reap - collect exited workers, log the abnormal ends */
static void
reap (Pool *pool)
{
  int wstatus;
  pid_t pid;

  /* Status messages sent before the exit are in the pipe: take them
   * first, so a worker is not counted busy after it is gone. */
  read_status (pool);
  while ((pid = waitpid (-1, &wstatus, WNOHANG)) > 0)
    {
      gpointer was = g_hash_table_lookup (pool->workers, GINT_TO_POINTER (pid));
      gboolean busy = was != NULL && GPOINTER_TO_INT (was) == 2;
      gboolean abnormal = WIFSIGNALED (wstatus) || (WIFEXITED (wstatus)
                                                    && WEXITSTATUS (wstatus) != 0);

      if (was == NULL)
        continue;
      g_hash_table_remove (pool->workers, GINT_TO_POINTER (pid));
      if (busy)
        pool->busy--;
      if (WIFSIGNALED (wstatus) && !(pool->killed && WTERMSIG (wstatus) == SIGKILL))
        dkimmod_log (LOG_WARNING, "serve: worker %ld killed by signal %d%s", (long) pid,
                     WTERMSIG (wstatus),
                     busy ? "; its connection was dropped (the client retries)" : "");
      else if (abnormal && WIFEXITED (wstatus))
        dkimmod_log (LOG_WARNING, "serve: worker %ld exit status %d", (long) pid,
                     WEXITSTATUS (wstatus));
      if (abnormal && !pool->stopping)
        {
          pool->failures++;
          pool->next_fork = g_get_monotonic_time ()
                            + MIN ((gint64) pool->failures * THROTTLE_STEP_US, THROTTLE_MAX_US);
        }
    }
}

/* stop - begin the drain */
static void
stop (Pool *pool, const char *why)
{
  GHashTableIter it;
  gpointer pid;

  if (pool->stopping)
    return;
  pool->stopping = TRUE;
  pool->drain_deadline = g_get_monotonic_time ()
                         + (gint64) pool->set->drain_timeout * G_USEC_PER_SEC;
  dkimmod_log (LOG_INFO, "serve: %s; %u busy worker%s finishing", why, pool->busy,
               pool->busy == 1 ? "" : "s");
  /* New clients get "connection refused" and retry later (a bound
   * socket only: systemd keeps its own for the next start). */
  if (pool->set->unlink_path != NULL)
    (void) unlink (pool->set->unlink_path);
  g_hash_table_iter_init (&it, pool->workers);
  while (g_hash_table_iter_next (&it, &pid, NULL))
    (void) kill (GPOINTER_TO_INT (pid), SIGTERM);
}

/* kill_all - the drain timeout expired */
static void
kill_all (Pool *pool)
{
  GHashTableIter it;
  gpointer pid;

  dkimmod_log (LOG_WARNING, "serve: drain timeout (%u s): %u worker%s killed; their clients "
               "retry", pool->set->drain_timeout, g_hash_table_size (pool->workers),
               g_hash_table_size (pool->workers) == 1 ? "" : "s");
  pool->killed = TRUE;
  g_hash_table_iter_init (&it, pool->workers);
  while (g_hash_table_iter_next (&it, &pid, NULL))
    (void) kill (GPOINTER_TO_INT (pid), SIGKILL);
}

/* handle_signals - what the self-pipe holds */
static void
handle_signals (Pool *pool)
{
  unsigned char sig[16];
  ssize_t n;

  while ((n = read (signal_pipe[0], sig, sizeof sig)) > 0)
    for (ssize_t i = 0; i < n; i++)
      {
        if (sig[i] == SIGCHLD)
          reap (pool);
        else if (sig[i] == SIGTERM || sig[i] == SIGINT)
          stop (pool, sig[i] == SIGTERM ? "SIGTERM" : "SIGINT");
      }
}

/* timeout_ms - how long the loop may wait: until the drain deadline, the
 * idle deadline or the fork throttle ends; -1 for ever */
static int
timeout_ms (const Pool *pool, gint64 now)
{
  gint64 until = G_MAXINT64;

  if (pool->stopping)
    until = pool->killed ? G_MAXINT64 : pool->drain_deadline;
  else
    {
      if (pool->set->idle_timeout > 0 && pool->busy == 0)
        until = pool->last_activity + (gint64) pool->set->idle_timeout * G_USEC_PER_SEC;
      if (pool->next_fork > now)
        until = MIN (until, pool->next_fork);
    }
  if (until == G_MAXINT64)
    return -1;
  return until <= now ? 0 : (int) MIN ((until - now + 999) / 1000, G_MAXINT);
}

/* setup - pipes and handlers; FALSE (logged) when a pipe cannot be made */
static gboolean
setup (Pool *pool)
{
  if (pipe2 (signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0
      || pipe2 (pool->status, O_CLOEXEC) < 0
      || fcntl (pool->status[0], F_SETFL, O_NONBLOCK) < 0)
    {
      dkimmod_log (LOG_ERR, "serve: pipe: %s", g_strerror (errno));
      return FALSE;
    }
  set_handler (SIGCHLD, on_signal);
  set_handler (SIGTERM, on_signal);
  set_handler (SIGINT, on_signal);
  set_handler (SIGHUP, SIG_IGN);
  return TRUE;
}

int
dkimmod_pool_run (const DkimmodPoolSettings *set, DkimmodPoolWorkerFunc func, gpointer data)
{
  Pool pool = { .set = set, .func = func, .data = data };

  pool.workers = g_hash_table_new (NULL, NULL);
  if (!setup (&pool))
    return 71; /* EX_OSERR */
  pool.last_activity = g_get_monotonic_time ();
  dkimmod_log (LOG_INFO, "serve: listening; workers %u..%u", set->workers_min, set->workers_max);
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      struct pollfd pfd[3] = {
        { .fd = signal_pipe[0], .events = POLLIN },
        { .fd = pool.status[0], .events = POLLIN },
        { .fd = -1, .events = POLLIN },
      };
      guint running = g_hash_table_size (pool.workers);

      if (pool.stopping && running == 0)
        break;
      if (pool.stopping && !pool.killed && now >= pool.drain_deadline)
        kill_all (&pool);
      if (!pool.stopping && set->idle_timeout > 0 && pool.busy == 0
          && now - pool.last_activity >= (gint64) set->idle_timeout * G_USEC_PER_SEC)
        {
          stop (&pool, "idle timeout");
          continue;
        }
      if (!pool.stopping && now >= pool.next_fork && running < MAX (set->workers_min, 1))
        {
          fork_worker (&pool);
          continue;
        }
      /* All busy: a waiting connection gets a new worker. */
      if (!pool.stopping && idle_count (&pool) == 0 && running < set->workers_max
          && now >= pool.next_fork)
        pfd[2].fd = set->listen_fd;
      if (poll (pfd, 3, timeout_ms (&pool, now)) < 0 && errno != EINTR)
        {
          dkimmod_log (LOG_ERR, "serve: poll: %s", g_strerror (errno));
          stop (&pool, "internal error");
        }
      if (pfd[1].revents & POLLIN)
        read_status (&pool);
      if (pfd[0].revents & POLLIN)
        handle_signals (&pool);
      if (pfd[2].fd >= 0 && (pfd[2].revents & POLLIN) && !pool.stopping
          && idle_count (&pool) == 0 && g_hash_table_size (pool.workers) < set->workers_max)
        fork_worker (&pool);
    }
  dkimmod_log (LOG_INFO, "serve: stopped");
  g_hash_table_unref (pool.workers);
  close (pool.status[0]);
  close (pool.status[1]);
  return 0;
}
