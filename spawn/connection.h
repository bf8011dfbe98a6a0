/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	connection.h - serve one SMTP client connection (both modes)
 */
#ifndef DKIMMOD_SPAWN_CONNECTION_H
#define DKIMMOD_SPAWN_CONNECTION_H

#include <glib.h>

#include "config-load.h"
#include "dkimmod.h"
#include "filewatch.h"
#include "nexthop-cache.h"
#include "verifyjob.h"

G_BEGIN_DECLS

/* What a connection is served with; all borrowed. */
typedef struct {
  const DkimmodConfig *cfg;
  const DkimmodVerifyEnv *verify;  /* verify mode; NULL when signing */
  DkimmodContext *ctx;             /* key cache (per process) */
  DkimmodFileWatch *key_watch;     /* serve mode: key files read; NULL in spawn mode */
  gboolean (*stopping) (void);     /* serve mode: draining? NULL in spawn mode */
  DkimmodNexthopCache *nexthop_cache; /* serve mode: the idle next-hop connection
                                   * (nexthop-cache.c); NULL in spawn mode */
} DkimmodConnectionEnv;

/* Connects the next hop (or takes the cached connection), reads its
 * greeting and runs the session with the client on IN_FD/OUT_FD (fds 0/1
 * under spawn(8), the accepted socket in serve mode). Returns the exit
 * status spawn mode exits with (session.h). The fds stay open. */
int dkimmod_connection_serve (const DkimmodConnectionEnv *env, int in_fd, int out_fd);
/* One reply line TEXT ("421 4.3.0 ...") to a client we will not serve. */
void dkimmod_connection_refuse (int in_fd, int out_fd, const char *text);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_CONNECTION_H */
