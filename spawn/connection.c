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

int
dkimmod_connection_serve (const DkimmodConnectionEnv *env, int in_fd, int out_fd)
{
  const DkimmodSpawnSettings *set = dkimmod_config_spawn (env->cfg);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodStream) client = dkimmod_stream_new (in_fd, out_fd, "client");
  g_autoptr (DkimmodStream) next = NULL;
  g_autofree char *next_label = g_strdup_printf ("next hop %s", set->next_hop ? set->next_hop : "");
  g_autofree char *unavailable = g_strdup_printf ("421 4.4.1 next hop %s unavailable",
                                                  set->next_hop ? set->next_hop : "(none)");
  DkimmodSession sess = { .cfg = env->cfg, .set = set, .ctx = env->ctx, .verify = env->verify,
                          .client = client, .next_name = set->next_hop,
                          .key_watch = env->key_watch,
                          .stopping = env->stopping };
  int fd = dkimmod_nexthop_connect (set->next_hop, set->timeout_connect, &error);
  int status;

  dkimmod_stream_set_timeout (client, set->timeout_command);
  dkimmod_stream_set_nodelay (client);
  if (fd < 0)
    {
      dkimmod_log (LOG_WARNING, "NOQUEUE: %s", error->message);
      dkimmod_connection_refuse (in_fd, out_fd, unavailable);
      return DKIMMOD_EXIT_TEMPFAIL;
    }
  next = dkimmod_stream_new (fd, fd, next_label);
  dkimmod_stream_set_timeout (next, set->timeout_next_hop);
  dkimmod_stream_set_nodelay (next);
  sess.next = next;
  if (!greeted (next, set->next_hop))
    {
      dkimmod_connection_refuse (in_fd, out_fd, unavailable);
      close (fd);
      return DKIMMOD_EXIT_TEMPFAIL;
    }
  status = dkimmod_session_run (&sess);
  dkimmod_session_reset (&sess);
  close (fd);
  return status;
}
