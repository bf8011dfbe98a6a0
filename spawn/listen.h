/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	listen.h - serve mode's listening socket: inherited or bound
 */
#ifndef DKIMMOD_SPAWN_LISTEN_H
#define DKIMMOD_SPAWN_LISTEN_H

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Where a unix socket we bind goes, and who may connect. */
typedef struct {
  guint mode;                 /* permission bits, e.g. 0660 */
  uid_t uid;                  /* (uid_t) -1: unchanged */
  gid_t gid;                  /* (gid_t) -1: unchanged */
} DkimmodListenUnixPerm;

/* The socket systemd (or systemd-socket-activate) passed by the
 * LISTEN_PID/LISTEN_FDS protocol: 1 when found (*FD set, non-blocking,
 * close-on-exec, the variables removed from the environment), 0 when
 * none was passed, -1 with ERROR when it is not exactly one listening
 * stream socket. */
int dkimmod_listen_inherited (int *fd, GError **error);
/* Binds and listens on SPEC: "unix:/path" (a stale socket of a dead
 * listener is removed; a live one, or anything not a socket, is an
 * error), "inet:host:port" or "inet:[addr]:port". Non-blocking,
 * close-on-exec. -1 with ERROR set. */
int dkimmod_listen_bind (const char *spec, const DkimmodListenUnixPerm *perm, GError **error);
/* The path of a "unix:" SPEC, or NULL. */
const char *dkimmod_listen_unix_path (const char *spec);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_LISTEN_H */
