/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	session.c - dkimmod-spawn's SMTP command loop
 * SYNOPSIS
 *	dkimmod_session_run, dkimmod_session_relay, dkimmod_session_reset,
 *	dkimmod_session_abort, dkimmod_session_queue_id
 * DESCRIPTION
 *	One SMTP server session on fds 0/1, bound to one client session with
 *	the next hop, which is already connected and has greeted us.
 *
 *	Commands are relayed one at a time, in order, and the next hop's reply
 *	goes back verbatim; the client's replies are queued and leave in one
 *	write once its pipelined batch is consumed (smtp-io.c). What is not
 *	relayed:
 *	  - EHLO's reply is reduced to the extensions we handle (nexthop.c);
 *	  - DATA is ours (data.c): the next hop only sees DATA once the whole
 *	    message is in and signed;
 *	  - STARTTLS, AUTH, BDAT and anything unknown get 502: we never
 *	    advertise them, and a tunnel we cannot read cannot be signed.
 *	XFORWARD is relayed verbatim and never cached: the Postfix client
 *	sends it again for each transaction (postfix-rig.md section 7). Its
 *	IDENT, NAME and ADDR are remembered only for our log lines until the
 *	transaction ends (a before-queue proxy gets no IDENT: the queue file
 *	does not exist yet, so the log names the client instead).
 *
 *	End of session: QUIT (relayed, its reply passed back), or EOF from the
 *	client, which Postfix's connection cache does routinely and which ends
 *	quietly. A 421 from the next hop is passed on and ends the session.
 * STANDARDS
 *	RFC 5321 sections 4.1.1 (commands), 4.1.4 (order), 4.3.2 (replies);
 *	RFC 2920 (pipelining); Postfix XFORWARD_README.
 * SECURITY
 *	Command lines are bounded (DKIMMOD_SMTP_LINE_MAX; longer lines are
 *	skipped and answered 500), lines with NUL or bare CR are refused so
 *	nothing odd is relayed, and every read has timeout_command.
 * DIAGNOSTICS
 *	Timeouts and lost connections are logged with the last command; the
 *	exit status is 75 (EX_TEMPFAIL) for those, 0 for QUIT or a quiet EOF.
 */
#include "session.h"

#include <string.h>

#include "log.h"
#include "nexthop.h"

void
dkimmod_session_reset (DkimmodSession *sess)
{
  sess->in_mail = FALSE;
  sess->rcpt_ok = 0;
  g_clear_pointer (&sess->envelope, g_free);
  g_clear_pointer (&sess->queue_id, g_free);
  g_clear_pointer (&sess->client_name, g_free);
  g_clear_pointer (&sess->client_addr, g_free);
}

const char *
dkimmod_session_queue_id (const DkimmodSession *sess)
{
  return sess->queue_id ? sess->queue_id : "NOQUEUE";
}

int
dkimmod_session_abort (DkimmodSession *sess, GError *error, const char *where)
{
  gboolean client_side = !dkimmod_stream_broken (sess->next);

  /* Postfix's connection cache ends idle sessions with EOF: not news. */
  if (client_side && !sess->in_mail
      && g_error_matches (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_EOF))
    return DKIMMOD_EXIT_OK;
  dkimmod_log (LOG_WARNING, "%s: %s after %s", dkimmod_session_queue_id (sess), error->message,
               where);
  if (!client_side || g_error_matches (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_TIMEOUT))
    {
      const char *text = client_side ? "4.4.2 Error: timeout exceeded"
                                     : "4.4.2 Error: lost connection with next hop";

      /* Best effort: the client may be gone too. */
      if (dkimmod_stream_printf (sess->client, NULL, "421 %s\r\n", text))
        (void) dkimmod_stream_flush (sess->client, NULL);
    }
  return DKIMMOD_EXIT_TEMPFAIL;
}

gboolean
dkimmod_session_relay (DkimmodSession *sess, const char *line, int *code, GError **error)
{
  return dkimmod_stream_printf (sess->next, error, "%s\r\n", line)
         && dkimmod_smtp_read_reply (sess->next, sess->reply, code, error);
}

/* reply - queue one reply line for the client */
static gboolean
reply (DkimmodSession *sess, const char *text, GError **error)
{
  return dkimmod_stream_printf (sess->client, error, "%s\r\n", text);
}

/* verb_is - case-insensitive SMTP verb match, followed by end or a space */
static gboolean
verb_is (const char *line, const char *verb)
{
  gsize n = strlen (verb);

  return g_ascii_strncasecmp (line, verb, n) == 0 && (line[n] == '\0' || line[n] == ' ');
}

/* mail_address - the address in "MAIL FROM:<addr> params" ("" for <>) */
static char *
mail_address (const char *line)
{
  const char *p = strchr (line, ':');
  const char *end;

  if (p == NULL)
    return g_strdup ("");
  p++;
  while (*p == ' ')
    p++;
  if (*p == '<')
    {
      p++;
      end = strchr (p, '>');
    }
  else
    end = p + strcspn (p, " ");
  if (end == NULL)
    end = p + strlen (p);
  return g_strndup (p, (gsize) (end - p));
}

/* xforward_attr - the sanitised VALUE of NAME=VALUE in an XFORWARD line,
 * or NULL (absent, empty, or [UNAVAILABLE]) */
static char *
xforward_attr (char **words, const char *name)
{
  gsize n = strlen (name);

  for (guint i = 1; words[i] != NULL; i++)
    if (g_ascii_strncasecmp (words[i], name, n) == 0 && words[i][n] == '='
        && words[i][n + 1] != '\0' && strcmp (words[i] + n + 1, "[UNAVAILABLE]") != 0)
      return dkimmod_log_sanitize (words[i] + n + 1, strlen (words[i] + n + 1), 64);
  return NULL;
}

/* xforward_keep - replace *SLOT with VALUE when VALUE is set */
static void
xforward_keep (char **slot, char *value)
{
  if (value == NULL)
    return;
  g_free (*slot);
  *slot = value;
}

/* xforward_remember - IDENT, NAME and ADDR of an XFORWARD command (the
 * attributes may be spread over several commands) */
static void
xforward_remember (DkimmodSession *sess, const char *line)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);

  xforward_keep (&sess->queue_id, xforward_attr (words, "IDENT"));
  xforward_keep (&sess->client_name, xforward_attr (words, "NAME"));
  xforward_keep (&sess->client_addr, xforward_attr (words, "ADDR"));
}

/* relay_command - the generic relay; TRUE when the session goes on */
static gboolean
relay_command (DkimmodSession *sess, const char *line, int *code, GError **error)
{
  if (!dkimmod_session_relay (sess, line, code, error))
    return FALSE;
  return dkimmod_stream_write (sess->client, sess->reply->str, sess->reply->len, error);
}

/* do_ehlo - relay EHLO, pass back only the extensions we handle */
static gboolean
do_ehlo (DkimmodSession *sess, const char *line, GError **error)
{
  g_autoptr (GString) filtered = NULL;
  guint64 next_size = 0;
  int code;

  dkimmod_session_reset (sess);
  if (!dkimmod_session_relay (sess, line, &code, error))
    return FALSE;
  if (code / 100 != 2)
    return dkimmod_stream_write (sess->client, sess->reply->str, sess->reply->len, error);
  filtered = dkimmod_ehlo_filter (sess->reply->str, sess->set->message_size_max, &sess->ext,
                                  &next_size);
  sess->size_limit = sess->set->message_size_max;
  if (next_size > 0 && (sess->size_limit == 0 || next_size < sess->size_limit))
    sess->size_limit = next_size;
  if (sess->size_limit == 0)
    sess->size_limit = DKIMMOD_SPAWN_MESSAGE_HARD_MAX;
  return dkimmod_stream_write (sess->client, filtered->str, filtered->len, error);
}

/* do_command - one command line; FALSE with *DONE when the session ends */
static gboolean
do_command (DkimmodSession *sess, const char *line, gboolean *done, int *status,
            GError **error)
{
  int code = 0;

  if (verb_is (line, "EHLO"))
    return do_ehlo (sess, line, error);
  if (verb_is (line, "HELO") || verb_is (line, "RSET"))
    {
      dkimmod_session_reset (sess);
      return relay_command (sess, line, &code, error);
    }
  if (verb_is (line, "MAIL"))
    {
      if (sess->in_mail)
        return reply (sess, "503 5.5.1 Error: nested MAIL command", error);
      if (!relay_command (sess, line, &code, error))
        return FALSE;
      if (code / 100 == 2)
        {
          sess->in_mail = TRUE;
          sess->rcpt_ok = 0;
          g_free (sess->envelope);
          sess->envelope = mail_address (line);
        }
      return TRUE;
    }
  if (verb_is (line, "RCPT"))
    {
      if (!relay_command (sess, line, &code, error))
        return FALSE;
      if (code / 100 == 2 && sess->in_mail)
        sess->rcpt_ok++;
      return TRUE;
    }
  if (verb_is (line, "DATA"))
    {
      if (line[4] != '\0')
        return reply (sess, "501 5.5.4 Syntax: DATA", error);
      *done = !dkimmod_session_data (sess, status);
      return TRUE;
    }
  if (verb_is (line, "XFORWARD"))
    {
      if (!relay_command (sess, line, &code, error))
        return FALSE;
      if (code / 100 == 2)
        xforward_remember (sess, line);
      return TRUE;
    }
  if (verb_is (line, "NOOP"))
    return relay_command (sess, line, &code, error);
  if (verb_is (line, "QUIT"))
    {
      *done = TRUE;
      *status = DKIMMOD_EXIT_OK;
      return relay_command (sess, line, &code, error) && dkimmod_stream_flush (sess->client, error);
    }
  return reply (sess, "502 5.5.2 Error: command not recognized", error);
}

/* next_hop_closing - the next hop said 421: pass it on (already queued), end */
static gboolean
next_hop_closing (DkimmodSession *sess)
{
  return g_str_has_prefix (sess->reply->str, "421");
}

/* line_is_clean - no NUL or CR inside a command line */
static gboolean
line_is_clean (const GString *line)
{
  return memchr (line->str, '\0', line->len) == NULL && memchr (line->str, '\r', line->len) == NULL;
}

int
dkimmod_session_run (DkimmodSession *sess)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *last = g_strdup ("CONNECT");
  gboolean done = FALSE;
  int status = DKIMMOD_EXIT_OK;

  sess->reply = g_string_new (NULL);
  sess->size_limit = sess->set->message_size_max ? sess->set->message_size_max
                                                 : DKIMMOD_SPAWN_MESSAGE_HARD_MAX;
  if (!dkimmod_stream_printf (sess->client, &error, "220 %s ESMTP dkimmod-spawn\r\n",
                              g_get_host_name ()))
    return dkimmod_session_abort (sess, error, last);
  while (!done)
    {
      guint flags;

      g_string_truncate (sess->reply, 0);
      if (!dkimmod_stream_read_line (sess->client, line, DKIMMOD_SMTP_LINE_MAX, &flags, &error))
        return dkimmod_session_abort (sess, error, last);
      g_free (last);
      last = dkimmod_log_sanitize (line->str, strcspn (line->str, " "), 16);
      if (flags & DKIMMOD_LINE_TRUNCATED)
        {
          if (!reply (sess, "500 5.5.2 Error: line too long", &error))
            return dkimmod_session_abort (sess, error, last);
          continue;
        }
      if (!line_is_clean (line))
        {
          if (!reply (sess, "500 5.5.2 Error: bad syntax", &error))
            return dkimmod_session_abort (sess, error, last);
          continue;
        }
      if (!do_command (sess, line->str, &done, &status, &error))
        return dkimmod_session_abort (sess, error, last);
      if (!done && next_hop_closing (sess))
        {
          g_autofree char *said = dkimmod_log_sanitize (sess->reply->str, sess->reply->len,
                                                        DKIMMOD_LOG_TEXT_MAX);

          dkimmod_log (LOG_WARNING, "%s: next hop %s closed the session after %s: %s",
                       dkimmod_session_queue_id (sess), sess->next_name, last, said);
          (void) dkimmod_stream_flush (sess->client, NULL);
          return DKIMMOD_EXIT_TEMPFAIL;
        }
    }
  (void) dkimmod_stream_flush (sess->client, NULL);
  return status;
}
