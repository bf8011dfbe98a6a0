/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	connection.c - serve one SMTP client connection (both modes)
 * SYNOPSIS
 *	dkimmod_connection_serve, dkimmod_connection_refuse
 * DESCRIPTION
 *	What one connection costs, whoever accepted it: spawn(8) hands the
 *	helper the client on fds 0/1 (filter.c); a serve-mode worker hands
 *	over the socket it accepted (worker.c). The next hop is connected
 *	and must greet with 220 before the client hears anything: a client
 *	gets our 220 only when its mail can go somewhere. Otherwise it gets
 *	"421 4.4.1 next hop ... unavailable" and Postfix defers.
 *
 *	Serve mode gives a cache (nexthop-cache.c): the connection the last
 *	session left clean is taken instead of a new one, and this session's
 *	is kept when it ends clean (session.c decides). A cached connection
 *	that proves closed at the first command is replaced by a new one
 *	with its greeting, so the client never sees the difference.
 * STANDARDS
 *	RFC 5321 section 3.1 (greeting), 4.2.5 (421).
 * NEVER
 *	Pass a next hop's non-220 greeting back: a 5xx greeting (a
 *	submission port's "530") would make Postfix bounce mail that only
 *	waits for a configuration fix. Read client data before the next hop
 *	is connected. Exit: a worker serves the next connection afterwards.
 */
#include "connection.h"

#include <unistd.h>

#include "log.h"
#include "nexthop-cache.h"
#include "nexthop.h"
#include "session.h"

void
dkimmod_connection_refuse (int in_fd, int out_fd, const char *text)
{
  g_autoptr (DkimmodStream) client = dkimmod_stream_new (in_fd, out_fd, "client");

  dkimmod_stream_set_timeout (client, 10);
  if (dkimmod_stream_printf (client, NULL, "%s\r\n", text))
    (void) dkimmod_stream_flush (client, NULL);
}

/* greeted - the next hop's greeting is a 220; logs why not */
static gboolean
greeted (DkimmodStream *next, const char *next_hop)
{
  g_autoptr (DkimmodReply) greeting = dkimmod_reply_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *said = NULL;

  if (dkimmod_smtp_read_reply (next, greeting->text, &greeting->code, &error)
      && greeting->code == 220)
    return TRUE;
  said = error ? g_strdup (error->message)
               : dkimmod_log_sanitize (greeting->text->str, greeting->text->len,
                                       DKIMMOD_LOG_TEXT_MAX);
  dkimmod_log (LOG_WARNING, "NOQUEUE: next hop %s greeting: %s", next_hop, said);
  return FALSE;
}

/* The next-hop side of one client connection, as the redial callback
 * needs it. */
typedef struct {
  const DkimmodSpawnSettings *set;
  DkimmodSession *sess;
  DkimmodStream *next;        /* owned */
  int fd;                     /* -1: none */
  DkimmodNexthopState st;     /* when FD was connected, its EHLO */
  char *label;
} NextHop;

/* next_hop_attach - FD as NH's stream; FRESH: a new connection, whose
 * socket options are set (a cached one has them already) */
static void
next_hop_attach (NextHop *nh, int fd, gboolean fresh)
{
  g_clear_pointer (&nh->next, dkimmod_stream_free);
  if (nh->fd >= 0)
    close (nh->fd);
  nh->fd = fd;
  nh->next = dkimmod_stream_new (fd, fd, nh->label);
  dkimmod_stream_set_timeout (nh->next, nh->set->timeout_next_hop);
  if (fresh)
    dkimmod_stream_set_nodelay (nh->next);
  if (nh->sess != NULL)
    nh->sess->next = nh->next;
}

/* next_hop_connect - a new connection that greeted with 220, in NH; FALSE
 * (logged, ERROR set) when there is none */
static gboolean
next_hop_connect (NextHop *nh, GError **error)
{
  int fd = dkimmod_nexthop_connect (nh->set->next_hop, nh->set->timeout_connect, error);

  if (fd < 0)
    {
      dkimmod_log (LOG_WARNING, "NOQUEUE: %s", (*error)->message);
      return FALSE;
    }
  next_hop_attach (nh, fd, TRUE);
  dkimmod_nexthop_state_clear (&nh->st);
  nh->st.since = g_get_monotonic_time ();
  if (!greeted (nh->next, nh->set->next_hop))
    {
      dkimmod_stream_set_broken (nh->next);
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO, "no greeting");
      return FALSE;
    }
  return TRUE;
}

/* redial - the session's callback for a cached connection found closed */
static gboolean
redial (gpointer data, GError **error)
{
  return next_hop_connect (data, error);
}

/* next_hop_take - a cached connection in NH when there is a usable one */
static gboolean
next_hop_take (NextHop *nh, DkimmodNexthopCache *cache)
{
  int fd = cache != NULL ? dkimmod_nexthop_cache_take (cache, nh->set->next_hop, &nh->st) : -1;

  if (fd < 0)
    return FALSE;
  next_hop_attach (nh, fd, FALSE);
  return TRUE;
}

int
dkimmod_connection_serve (const DkimmodConnectionEnv *env, int in_fd, int out_fd)
{
  const DkimmodSpawnSettings *set = dkimmod_config_spawn (env->cfg);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodStream) client = dkimmod_stream_new (in_fd, out_fd, "client");
  g_autofree char *unavailable = g_strdup_printf ("421 4.4.1 next hop %s unavailable",
                                                  set->next_hop ? set->next_hop : "(none)");
  NextHop nh = { .set = set, .fd = -1,
                 .label = g_strdup_printf ("next hop %s", set->next_hop ? set->next_hop : "") };
  DkimmodSession sess = { .cfg = env->cfg, .set = set, .ctx = env->ctx, .verify = env->verify,
                          .client = client, .next_name = set->next_hop,
                          .key_watch = env->key_watch,
                          .stopping = env->stopping };
  int status;

  dkimmod_stream_set_timeout (client, set->timeout_command);
  dkimmod_stream_set_nodelay (client);
  if (next_hop_take (&nh, env->nexthop_cache))
    {
      sess.next_reused = TRUE;
      sess.redial = redial;
      sess.redial_data = &nh;
    }
  else if (!next_hop_connect (&nh, &error))
    {
      dkimmod_connection_refuse (in_fd, out_fd, unavailable);
      status = DKIMMOD_EXIT_TEMPFAIL;
      goto out;
    }
  nh.sess = &sess;
  sess.next = nh.next;
  if (env->nexthop_cache != NULL)
    sess.next_state = &nh.st;
  status = dkimmod_session_run (&sess);
  dkimmod_session_reset (&sess);
  if (sess.next_kept && nh.fd >= 0)
    {
      dkimmod_nexthop_cache_put (env->nexthop_cache, set->next_hop, nh.fd, &nh.st);
      nh.fd = -1;
    }
out:
  g_clear_pointer (&nh.next, dkimmod_stream_free);
  if (nh.fd >= 0)
    close (nh.fd);
  g_free (nh.label);
  dkimmod_nexthop_state_clear (&nh.st);
  return status;
}
