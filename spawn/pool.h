/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	pool.h - serve mode's listener: a bounded pool of prefork workers
 */
#ifndef DKIMMOD_SPAWN_POOL_H
#define DKIMMOD_SPAWN_POOL_H

#include <glib.h>
#include <signal.h>

G_BEGIN_DECLS

typedef struct {
  int listen_fd;              /* non-blocking listening socket */
  guint workers_min;          /* kept running, at least 1 */
  guint workers_max;          /* never more */
  guint idle_timeout;         /* seconds without a connection, no worker busy,
                               * before the listener exits; 0 = never */
  guint drain_timeout;        /* seconds busy workers get after SIGTERM */
  const char *unlink_path;    /* socket file to remove at exit (we bound it), or NULL */
} DkimmodPoolSettings;

/* What a worker process runs after fork; returns its exit status.
 * STATUS_FD is where it reports busy/idle (dkimmod_pool_report). */
typedef int (*DkimmodPoolWorkerFunc) (int listen_fd, int status_fd, gpointer data);

/* Runs the listener until SIGTERM/SIGINT (drain, then exit) or the idle
 * timeout; restarts workers that exit or crash. Returns the exit status. */
int dkimmod_pool_run (const DkimmodPoolSettings *set, DkimmodPoolWorkerFunc func,
                      gpointer data);

/* Worker side: tell the listener this worker now serves a connection
 * (BUSY) or waits for one. */
void dkimmod_pool_report (int status_fd, gboolean busy);
/* Worker side: SIGTERM or SIGINT arrived (the listener is draining). */
gboolean dkimmod_pool_stopping (void);
/* Worker side, inside a connection (SIGTERM blocked): a stop request is
 * pending, or was seen. One sigpending(2). */
gboolean dkimmod_pool_stop_pending (void);
/* Worker side: the signal mask to wait with (ppoll): SIGTERM and SIGINT
 * are blocked otherwise, so that a stop request is seen only between
 * connections and never lost between a check and the wait. */
const sigset_t *dkimmod_pool_wait_mask (void);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_POOL_H */
