/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	data.c - dkimmod-spawn's DATA: receive, sign, forward, answer
 * SYNOPSIS
 *	dkimmod_session_data
 * DESCRIPTION
 *	The next hop sees DATA only when the message is complete and signed,
 *	so we answer 354 ourselves (only once the next hop accepted at least
 *	one recipient), read the message up to CRLF.CRLF (dotstuff.c), and
 *	hand every content byte both to the spool (spool.c) and to the sign
 *	job (signjob.c), which hashes the body while it arrives.
 *
 *	Then, in order:
 *	  - over message size: 552 5.3.4; spool failure: 452 4.3.1;
 *	  - signing failed: 451 4.7.1, so Postfix keeps the message, unless
 *	    on_error = relay, which sends it unsigned (DKIMproxy's behaviour
 *	    without reject_error); either way it is logged;
 *	  - nothing to sign (no sender_map entry, no single From): unsigned,
 *	    logged as "skipped";
 *	  - otherwise DATA to the next hop, its 354, the DKIM-Signature fields
 *	    and the message dot-stuffed in large writes, ".", and the next
 *	    hop's final reply goes back verbatim: the client hears 250 only
 *	    when the next hop said 250, and a next-hop rejection is exactly
 *	    what the client gets.
 *	When we answer the client ourselves the next hop still holds MAIL and
 *	RCPT, so it gets a RSET.
 * STANDARDS
 *	RFC 5321 sections 4.1.1.4 (DATA), 4.5.2 (transparency), 4.5.3.1.7
 *	(message size), 3.3 (reply only after the message is safe);
 *	RFC 3463 (enhanced status codes).
 * SECURITY
 *	Message size is bounded (message_size_max, the next hop's SIZE or
 *	DKIMMOD_SPAWN_MESSAGE_HARD_MAX); over it, input is read and dropped
 *	until end of data, so the session stays in sync. timeout_data applies
 *	to every read.
 * DIAGNOSTICS
 *	One log line per message: "QUEUEID: DKIM signing - signed; ...",
 *	"- skipped; ...", "- error; ..." (with what happened next).
 */
#include "session.h"

#include <string.h>

#include "dotstuff.h"
#include "log.h"
#include "nexthop.h"
#include "signjob.h"
#include "spool.h"

typedef struct {
  DkimmodSession *sess;
  DkimmodSpool *spool;
  DkimmodSignJob *job;
  guint64 size;
  gboolean too_big;
  GError *spool_error;
} DataSink;

/* sink_emit - one span of message content from the unstuffer */
static gboolean
sink_emit (const char *data, gsize len, gpointer user_data, GError **unused)
{
  DataSink *sink = user_data;

  sink->size += len;
  if (sink->too_big || sink->size > sink->sess->size_limit)
    {
      sink->too_big = TRUE;
      return TRUE;
    }
  if (sink->spool_error == NULL)
    (void) dkimmod_spool_append (sink->spool, data, len, &sink->spool_error);
  dkimmod_signjob_feed (sink->job, data, len);
  return TRUE;
}

/* receive - read the message from the client up to end of data */
static gboolean
receive (DataSink *sink, GError **error)
{
  DkimmodStream *client = sink->sess->client;
  DkimmodUnstuffer u;
  gboolean end = FALSE;

  dkimmod_unstuffer_init (&u);
  while (!end)
    {
      gsize len;
      const char *buf = dkimmod_stream_peek (client, &len, error);

      if (buf == NULL)
        return FALSE;
      dkimmod_stream_consume (client, dkimmod_unstuff (&u, buf, len, &end, sink_emit, sink));
    }
  if (sink->spool_error == NULL)
    (void) dkimmod_spool_finish (sink->spool, &sink->spool_error);
  return TRUE;
}

/* reset_next_hop - RSET after an answer of our own; FALSE: session over */
static gboolean
reset_next_hop (DkimmodSession *sess, GError **error)
{
  int code;

  return dkimmod_session_relay (sess, "RSET", &code, error);
}

/* answer_locally - our own reply for an abandoned transaction */
static gboolean
answer_locally (DkimmodSession *sess, const char *text, GError **error)
{
  return reset_next_hop (sess, error) && dkimmod_stream_printf (sess->client, error, "%s\r\n", text);
}

/* write_next - spool bytes to the next hop, dot-stuffed */
static gboolean
write_next (const char *data, gsize len, gpointer user_data, GError **error)
{
  DkimmodSession *sess = user_data;

  return dkimmod_stream_write (sess->next, data, len, error);
}

typedef struct {
  DkimmodSession *sess;
  DkimmodStuffer st;
} StuffCtx;

/* stuff_chunk - spool chunk through the stuffer */
static gboolean
stuff_chunk (const char *data, gsize len, gpointer user_data, GError **error)
{
  StuffCtx *sc = user_data;

  return dkimmod_stuff (&sc->st, data, len, write_next, sc->sess, error);
}

/* forward - DATA, signature fields, message, "."; the final reply is in
 * sess->reply. FALSE only for I/O failures (session over). */
static gboolean
forward (DkimmodSession *sess, DkimmodSpool *spool, GBytes *headers, int *code, GError **error)
{
  StuffCtx sc = { .sess = sess };

  if (!dkimmod_session_relay (sess, "DATA", code, error))
    return FALSE;
  if (*code != 354)
    {
      /* The client must see this reply; the RSET's reply is dropped. */
      g_autoptr (GString) said = g_string_new (sess->reply->str);
      gboolean ok = reset_next_hop (sess, error);

      g_string_assign (sess->reply, said->str);
      *code = (int) g_ascii_strtoull (said->str, NULL, 10);
      return ok;
    }
  dkimmod_stuffer_init (&sc.st);
  if (headers != NULL && g_bytes_get_size (headers) > 0
      && !stuff_chunk (g_bytes_get_data (headers, NULL), g_bytes_get_size (headers), &sc, error))
    return FALSE;
  if (!dkimmod_spool_foreach (spool, stuff_chunk, &sc, error))
    return FALSE;
  return dkimmod_stream_write (sess->next, ".\r\n", 3, error)
         && dkimmod_smtp_read_reply (sess->next, sess->reply, code, error);
}

/* log_outcome - the one line per message */
static void
log_outcome (DkimmodSession *sess, DkimmodSignJobResult result, const char *detail, int code)
{
  static const char *const word[] = { "signed", "skipped", "error" };
  g_autofree char *said = NULL;

  if (code / 100 == 2)
    {
      dkimmod_log (result == DKIMMOD_SIGNJOB_FAILED ? LOG_WARNING : LOG_INFO,
                   "%s: DKIM signing - %s; %s%s", dkimmod_session_queue_id (sess), word[result],
                   detail, result == DKIMMOD_SIGNJOB_FAILED ? "; relayed unsigned (on_error=relay)"
                                                            : "");
      return;
    }
  said = dkimmod_log_sanitize (sess->reply->str, strcspn (sess->reply->str, "\r\n"),
                               DKIMMOD_LOG_TEXT_MAX);
  dkimmod_log (LOG_INFO, "%s: DKIM signing - %s; %s; next hop %s said: %s",
               dkimmod_session_queue_id (sess), word[result], detail, sess->next_name, said);
}

/* finish_transaction - decide, forward, answer; FALSE: session over */
static gboolean
finish_transaction (DkimmodSession *sess, DataSink *sink, GError **error)
{
  g_autoptr (GBytes) headers = NULL;
  g_autofree char *detail = NULL;
  DkimmodSignJobResult result;
  const char *qid = dkimmod_session_queue_id (sess);
  int code = 0;

  if (sink->too_big)
    {
      dkimmod_log (LOG_WARNING, "%s: DKIM signing - error; message larger than %" G_GUINT64_FORMAT
                   " bytes refused", qid, sess->size_limit);
      return answer_locally (sess, "552 5.3.4 Error: message too big", error);
    }
  if (sink->spool_error != NULL)
    {
      dkimmod_log (LOG_ERR, "%s: DKIM signing - error; %s", qid, sink->spool_error->message);
      return answer_locally (sess, "452 4.3.1 Error: insufficient system storage", error);
    }
  result = dkimmod_signjob_finish (sink->job, &headers, &detail);
  if (result == DKIMMOD_SIGNJOB_FAILED && sess->set->on_error != DKIMMOD_ON_ERROR_RELAY)
    {
      g_autofree char *d = dkimmod_log_sanitize (detail, strlen (detail), 400);

      dkimmod_log (LOG_ERR, "%s: DKIM signing - error; %s; answered 451, message kept", qid, d);
      return answer_locally (sess, "451 4.7.1 Error: DKIM signing failed, try again later",
                             error);
    }
  if (!forward (sess, sink->spool, headers, &code, error))
    return FALSE;
  log_outcome (sess, result, detail, code);
  return dkimmod_stream_write (sess->client, sess->reply->str, sess->reply->len, error);
}

gboolean
dkimmod_session_data (DkimmodSession *sess, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodSpool) spool = NULL;
  g_autoptr (DkimmodSignJob) job = NULL;
  DataSink sink = { .sess = sess };
  gboolean ok;

  if (!sess->in_mail || sess->rcpt_ok == 0)
    {
      const char *text = !sess->in_mail ? "503 5.5.1 Error: need MAIL command"
                                        : "554 5.5.1 Error: no valid recipients";

      if (dkimmod_stream_printf (sess->client, &error, "%s\r\n", text))
        return TRUE;
      *status = dkimmod_session_abort (sess, error, "DATA");
      return FALSE;
    }
  spool = dkimmod_spool_new (sess->set->spool_directory, (gsize) sess->set->spool_memory_max);
  job = dkimmod_signjob_new (sess->cfg, sess->ctx, sess->envelope,
                             dkimmod_session_queue_id (sess));
  sink.spool = spool;
  sink.job = job;
  dkimmod_stream_set_timeout (sess->client, sess->set->timeout_data);
  ok = dkimmod_stream_printf (sess->client, &error, "354 End data with <CR><LF>.<CR><LF>\r\n")
       && receive (&sink, &error);
  dkimmod_stream_set_timeout (sess->client, sess->set->timeout_command);
  if (ok)
    ok = finish_transaction (sess, &sink, &error);
  g_clear_error (&sink.spool_error);
  if (!ok && !dkimmod_stream_broken (sess->client) && !dkimmod_stream_broken (sess->next))
    {
      /* A spool read failed halfway through the next hop's DATA: the only
       * clean way out is to drop both connections; Postfix keeps the mail. */
      dkimmod_log (LOG_ERR, "%s: DKIM signing - error; %s", dkimmod_session_queue_id (sess),
                   error->message);
      (void) dkimmod_stream_printf (sess->client, NULL, "421 4.3.0 Error: internal error\r\n");
      (void) dkimmod_stream_flush (sess->client, NULL);
      *status = DKIMMOD_EXIT_TEMPFAIL;
      return FALSE;
    }
  if (!ok)
    {
      *status = dkimmod_session_abort (sess, error, "DATA");
      return FALSE;
    }
  dkimmod_session_reset (sess);
  return TRUE;
}
