/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	listen.c - serve mode's listening socket: inherited or bound
 * SYNOPSIS
 *	dkimmod_listen_inherited, dkimmod_listen_bind, dkimmod_listen_unix_path
 * DESCRIPTION
 *	Socket activation: systemd (a .socket unit with Accept=no) or
 *	systemd-socket-activate(1) starts us with the listening socket as fd
 *	3 and LISTEN_PID=our pid, LISTEN_FDS=1 (sd_listen_fds(3)'s protocol;
 *	the few lines it takes are here, so the helper needs no libsystemd).
 *	LISTEN_PID must be ours: a variable inherited from a parent that
 *	was itself activated does not describe our fds. The variables are
 *	removed, so nothing we start sees them.
 *
 *	Started by hand, "unix:/path" or "inet:host:port" is bound here. A
 *	unix socket file left by a listener that died is removed only when
 *	it is a socket and nothing answers on it (connect gives
 *	ECONNREFUSED): a running instance, or a file that is not a socket,
 *	is never touched. The socket is created under umask 0177 and then
 *	given its mode and owner, so it is never reachable by more than
 *	the owner before the chmod.
 * STANDARDS
 *	sd_listen_fds(3) (LISTEN_PID, LISTEN_FDS, SD_LISTEN_FDS_START = 3).
 * NEVER
 *	Unlink anything but a stale socket; accept on a blocking socket
 *	(several workers poll the same one).
 */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nexthop.h"
#include "smtp-io.h"

#define SD_LISTEN_FDS_START 3
#define LISTEN_BACKLOG 128

/* prepare - non-blocking and close-on-exec */
static void
prepare (int fd)
{
  int fl = fcntl (fd, F_GETFL);

  if (fl >= 0)
    (void) fcntl (fd, F_SETFL, fl | O_NONBLOCK);
  (void) fcntl (fd, F_SETFD, FD_CLOEXEC);
}

int
dkimmod_listen_inherited (int *fd, GError **error)
{
  const char *pid_s = g_getenv ("LISTEN_PID");
  const char *fds_s = g_getenv ("LISTEN_FDS");
  guint64 pid = 0, n = 0;
  int accepting = 0, type = 0;
  socklen_t len = sizeof accepting;

  *fd = -1;
  if (pid_s == NULL || fds_s == NULL
      || !g_ascii_string_to_unsigned (pid_s, 10, 1, G_MAXINT, &pid, NULL)
      || (pid_t) pid != getpid ())
    return 0;
  if (!g_ascii_string_to_unsigned (fds_s, 10, 0, 1024, &n, NULL) || n != 1)
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
                   "LISTEN_FDS=%s: expected exactly one socket", fds_s);
      return -1;
    }
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
  if (getsockopt (SD_LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) < 0
      || !accepting
      || (len = sizeof type, getsockopt (SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &len)) < 0
      || type != SOCK_STREAM)
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
                   "fd %d from LISTEN_FDS is not a listening stream socket (use Accept=no "
                   "and ListenStream=)", SD_LISTEN_FDS_START);
      return -1;
    }
  prepare (SD_LISTEN_FDS_START);
  *fd = SD_LISTEN_FDS_START;
  return 1;
}

const char *
dkimmod_listen_unix_path (const char *spec)
{
  return g_str_has_prefix (spec, "unix:") ? spec + 5 : NULL;
}

/* remove_stale - PATH may be bound: absent, or a socket nobody answers on */
static gboolean
remove_stale (const char *path, const struct sockaddr_un *sun, GError **error)
{
  struct stat st;
  int fd;
  int e;

  if (lstat (path, &st) < 0)
    return TRUE;
  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
                   "%s exists and is not a socket: not removed", path);
      return FALSE;
    }
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return TRUE;  /* bind reports it */
  e = connect (fd, (const struct sockaddr *) sun, sizeof *sun) == 0 ? 0 : errno;
  close (fd);
  if (e != ECONNREFUSED)
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
                   "%s: %s", path, e == 0 ? "another listener is running there"
                   : g_strerror (e));
      return FALSE;
    }
  (void) unlink (path);
  return TRUE;
}

/* bind_unix - a listening unix socket at PATH with PERM */
static int
bind_unix (const char *path, const DkimmodListenUnixPerm *perm, GError **error)
{
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  mode_t old_mask;
  int fd;
  int rc;

  if (*path != '/' || strlen (path) >= sizeof sun.sun_path)
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
                   "unix:%s: expected an absolute path shorter than %zu bytes", path,
                   sizeof sun.sun_path);
      return -1;
    }
  strcpy (sun.sun_path, path);
  if (!remove_stale (path, &sun, error))
    return -1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    goto fail;
  old_mask = umask (0177);
  rc = bind (fd, (struct sockaddr *) &sun, sizeof sun);
  umask (old_mask);
  if (rc < 0)
    goto fail;
  if ((perm->uid != (uid_t) -1 || perm->gid != (gid_t) -1)
      && chown (path, perm->uid, perm->gid) < 0)
    goto fail_bound;
  if (chmod (path, perm->mode) < 0 || listen (fd, LISTEN_BACKLOG) < 0)
    goto fail_bound;
  prepare (fd);
  return fd;

fail_bound:
  {
    int e = errno;

    (void) unlink (path);
    errno = e;
  }
fail:
  g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO, "unix:%s: %s", path,
               g_strerror (errno));
  if (fd >= 0)
    close (fd);
  return -1;
}

/* bind_inet - a listening TCP socket on the first address of HOST:PORT
 * that binds */
static int
bind_inet (const char *spec, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
  struct addrinfo *res = NULL;
  int fd = -1;
  int e = EADDRNOTAVAIL;
  int rc;

  if (!dkimmod_split_host_port (spec, &host, &port))
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
                   "inet:%s: expected inet:host:port or inet:[address]:port", spec);
      return -1;
    }
  rc = getaddrinfo (host, port, &hints, &res);
  if (rc != 0)
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO, "inet:%s: %s", spec,
                   gai_strerror (rc));
      return -1;
    }
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
    {
      int one = 1;

      fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0)
        {
          e = errno;
          continue;
        }
      (void) setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind (fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen (fd, LISTEN_BACKLOG) < 0)
        {
          e = errno;
          close (fd);
          fd = -1;
        }
    }
  freeaddrinfo (res);
  if (fd < 0)
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO, "inet:%s: %s", spec,
                   g_strerror (e));
      return -1;
    }
  prepare (fd);
  return fd;
}

int
dkimmod_listen_bind (const char *spec, const DkimmodListenUnixPerm *perm, GError **error)
{
  if (g_str_has_prefix (spec, "unix:"))
    return bind_unix (spec + 5, perm, error);
  if (g_str_has_prefix (spec, "inet:"))
    return bind_inet (spec + 5, error);
  g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
               "listen address \"%s\": expected unix:/path or inet:host:port", spec);
  return -1;
}
