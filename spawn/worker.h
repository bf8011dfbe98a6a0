/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	worker.h - a serve-mode worker: accept, serve, up to max_use
 */
#ifndef DKIMMOD_SPAWN_WORKER_H
#define DKIMMOD_SPAWN_WORKER_H

#include <glib.h>

#include "setup.h"

G_BEGIN_DECLS

typedef struct {
  const DkimmodSpawnArgs *args;  /* -c, -l, -o and the mode */
  guint max_use;                 /* connections per worker, then it exits */
  guint next_hop_cache_time;     /* seconds an idle next-hop connection is kept
                                  * (0: none; nexthop-cache.c) */
} DkimmodWorkerSettings;

/* The DkimmodPoolWorkerFunc of serve mode; DATA is a DkimmodWorkerSettings. */
int dkimmod_worker_run (int listen_fd, int status_fd, gpointer data);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_WORKER_H */
