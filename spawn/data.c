/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	data.c - dkimmod-spawn's DATA: receive, sign or verify, forward, answer
 * SYNOPSIS
 *	dkimmod_session_data
 * DESCRIPTION
 *	The next hop sees DATA only when the message is complete and signed
 *	or verified, so we answer 354 ourselves (only once the next hop
 *	accepted at least one recipient), read the message up to CRLF.CRLF
 *	(dotstuff.c), and hand every content byte both to the spool (spool.c)
 *	and to the job (job.c): the sign job (signjob.c) or, in verify mode,
 *	the verify job (verifyjob.c), which hash the body while it arrives.
 *	Both modes share everything here but the decision at the end.
 *
 *	Signing, in order:
 *	  - over message size: 552 5.3.4; spool failure: 452 4.3.1;
 *	  - a header block over the library's limits: 552 5.3.4 (retrying
 *	    cannot help), or unsigned with on_error = relay; logged;
 *	  - signing failed: 451 4.7.1, so Postfix keeps the message, unless
 *	    on_error = relay, which sends it unsigned (DKIMproxy's behaviour
 *	    without reject_error); either way it is logged;
 *	  - nothing to sign (no sender_map entry, no single From): unsigned,
 *	    logged as "skipped";
 *	  - otherwise DATA to the next hop, its 354, the DKIM-Signature fields
 *	    and the message dot-stuffed in large writes, ".", and the next
 *	    hop's final reply goes back verbatim: the client hears 250 only
 *	    when the next hop said 250 after ".", and a next-hop rejection
 *	    (4xx, 5xx) is exactly what the client gets. A reply of the wrong
 *	    class (2xx or 1xx to DATA, 3xx after ".") leaves the next hop in
 *	    an unknown state: 451 4.3.0 and the session ends (session.c).
 *	    A next hop that announced CHUNKING (Postfix's smtpd does) gets
 *	    one "BDAT n LAST" instead, with the same bytes unstuffed, in the
 *	    same write: no 354 to wait for, one round trip less per message;
 *	    its reply is the final reply, and after a refusal a RSET ends the
 *	    transaction there.
 *	Verifying: the same size and spool checks; a header block over the
 *	library's limits is refused with 552 5.3.4 (it cannot be verified or
 *	cleaned of forged fields); an internal error is 451 4.3.0. Then, in
 *	this order: a DKIM, SPF or DMARC temperror is 451 4.7.5 only with
 *	on_temperror = tempfail; dmarc=fail with a reject disposition (no
 *	override applied) is 550 5.7.1 only with on_dmarc_reject = reject; a
 *	DKIM fail summary is 550 5.7.20 (RFC 7372) only with on_fail = reject.
 *	The two rejections apply only before the queue: a message whose
 *	XFORWARD names a queue id (content_filter) is Postfix's already, and
 *	a 5xx would turn it into a bounce; it is relayed and the log says so.
 *	Otherwise the message goes on with our one Authentication-Results
 *	field (and X-DKIM-Authentication-Results, and the quarantine field)
 *	on top, and without the fields the job marked for removal: the
 *	header block is streamed from the spool minus those spans, then the
 *	body. Results reject nothing otherwise.
 *
 *	When signing, lines longer than smtp_line_length_limit are folded or
 *	broken (linefold.c) before the bytes reach the spool and the job, as
 *	the outbound smtp client would break them after us; verify mode
 *	relays what it verified, byte for byte.
 *
 *	When we answer the client ourselves the next hop still holds MAIL and
 *	RCPT, so it gets a RSET.
 * STANDARDS
 *	RFC 8601 section 5 (fields claiming our authserv-id are removed);
 *	RFC 5321 sections 4.1.1.4 (DATA), 4.5.2 (transparency), 4.5.3.1.7
 *	(message size), 3.3 (reply only after the message is safe);
 *	RFC 3030 (BDAT, toward the next hop only); RFC 3463 (enhanced status
 *	codes).
 * SECURITY
 *	Message size is bounded (message_size_max, the next hop's SIZE or
 *	DKIMMOD_SPAWN_MESSAGE_HARD_MAX); over it, input is read and dropped
 *	until end of data, so the session stays in sync. timeout_data applies
 *	to every read, and DATA as a whole must go at least
 *	DKIMMOD_SPAWN_MIN_DATA_RATE bytes/s after its first timeout_data
 *	seconds (a trickling client gets 421 4.4.2).
 * DIAGNOSTICS
 *	One log line per message: "QUEUEID: DKIM signing - signed; ...",
 *	before it, when lines were shortened, "DKIM signing - message changed
 *	before signing: N header lines folded, M lines broken with CRLF SP",
 *	"- skipped; ...", "- error; ..." (with what happened next), or
 *	"QUEUEID: DKIM verify - pass; ..." (see verifyjob.c).
 */
#include "session.h"

#include <string.h>

#include "dotstuff.h"
#include "linefold.h"
#include "log.h"
#include "nexthop.h"
#include "signjob.h"
#include "spool.h"
#include "verifyjob.h"

/* Postfix's smtpd_min_data_rate default: slow links pass, a trickle not. */
#define DKIMMOD_SPAWN_MIN_DATA_RATE 500u

typedef struct {
  DkimmodSession *sess;
  DkimmodSpool *spool;
  DkimmodJob *job;            /* a DkimmodSignJob or a DkimmodVerifyJob */
  guint64 size;
  gboolean too_big;
  gboolean last_was_cr;       /* the previous content byte was CR */
  DkimmodLinefold *fold;      /* signing: lines shaped as they will leave, or NULL */
  GError *spool_error;
} DataSink;

/* sink_put - content bytes to the spool and the job */
static void
sink_put (DataSink *sink, const char *data, gsize len)
{
  if (len == 0)
    return;
  sink->size += len;
  if (sink->too_big || sink->size > sink->sess->size_limit)
    {
      sink->too_big = TRUE;
      return;
    }
  if (sink->spool_error == NULL)
    (void) dkimmod_spool_append (sink->spool, data, len, &sink->spool_error);
  dkimmod_job_feed (sink->job, data, len);
}

/* fold_out - the line folder's output */
static void
fold_out (const char *data, gsize len, gpointer user_data)
{
  sink_put (user_data, data, len);
}

/* sink_shape - content to sink_put, through the line folder when signing */
static void
sink_shape (DataSink *sink, const char *data, gsize len)
{
  if (sink->fold != NULL)
    dkimmod_linefold_feed (sink->fold, data, len, fold_out, sink);
  else
    sink_put (sink, data, len);
}

/* sink_emit - one span of message content from the unstuffer. A bare LF
 * (never an end of data here: only CRLF.CRLF is) becomes CRLF, as
 * Postfix's smtpd and every verifier read it, so the bytes we hash are
 * the bytes we relay and the bytes a verifier downstream canonicalizes.
 * Bare CR stays content, as in Postfix. */
static gboolean
sink_emit (const char *data, gsize len, gpointer user_data, GError **unused)
{
  DataSink *sink = user_data;
  gsize start = 0, pos = 0;
  const char *lf;

  while (pos < len && (lf = memchr (data + pos, '\n', len - pos)) != NULL)
    {
      gsize i = (gsize) (lf - data);

      if (!(i > 0 ? data[i - 1] == '\r' : sink->last_was_cr))
        {
          sink_shape (sink, data + start, i - start);
          sink_shape (sink, "\r", 1);
          start = i;                /* the LF itself goes out with the rest */
        }
      pos = i + 1;
    }
  sink_shape (sink, data + start, len - start);
  if (len > 0)
    sink->last_was_cr = data[len - 1] == '\r';
  return TRUE;
}

/* data_deadline - timeout_data bounds each read, and the whole of DATA
 * may take timeout_data plus one second per DKIMMOD_SPAWN_MIN_DATA_RATE
 * bytes received (Postfix's smtpd_min_data_rate): a client trickling a
 * byte at a time cannot hold the helper. Sets the stream timeout to what
 * is left; FALSE with a timeout error once nothing is. */
static gboolean
data_deadline (DkimmodSession *sess, gint64 start, guint64 got, GError **error)
{
  guint64 allowed = (guint64) sess->set->timeout_data + got / DKIMMOD_SPAWN_MIN_DATA_RATE;
  gint64 used = (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  guint64 left = used < 0 || (guint64) used < allowed ? allowed - (guint64) MAX (used, 0) : 0;

  if (left == 0)
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_TIMEOUT,
                   "DATA slower than %u bytes/s", DKIMMOD_SPAWN_MIN_DATA_RATE);
      return FALSE;
    }
  dkimmod_stream_set_timeout (sess->client, (guint) MIN (left, sess->set->timeout_data));
  return TRUE;
}

/* receive - read the message from the client up to end of data */
static gboolean
receive (DataSink *sink, GError **error)
{
  DkimmodStream *client = sink->sess->client;
  DkimmodUnstuffer u;
  gboolean end = FALSE;

  gint64 start = g_get_monotonic_time ();
  guint64 got = 0;

  dkimmod_unstuffer_init (&u);
  while (!end)
    {
      gsize len;
      const char *buf;

      if (!data_deadline (sink->sess, start, got, error))
        return FALSE;
      buf = dkimmod_stream_peek (client, &len, error);
      if (buf == NULL)
        return FALSE;
      len = dkimmod_unstuff (&u, buf, len, &end, sink_emit, sink);
      got += len;
      dkimmod_stream_consume (client, len);
    }
  if (sink->fold != NULL)
    dkimmod_linefold_finish (sink->fold, fold_out, sink);
  if (sink->spool_error == NULL)
    (void) dkimmod_spool_finish (sink->spool, &sink->spool_error);
  return TRUE;
}

/* reset_next_hop - RSET after an answer of our own; its reply is not the
 * client's, but one that ends the session (421, unexpected) sets
 * R->closing. FALSE: I/O error, session over. */
static gboolean
reset_next_hop (DkimmodSession *sess, DkimmodReply *r, GError **error)
{
  g_autoptr (DkimmodReply) rset = dkimmod_reply_new ();

  if (!dkimmod_session_relay (sess, "RSET", DKIMMOD_WANT_OK, rset, error))
    return FALSE;
  r->closing = r->closing || rset->closing;
  return TRUE;
}

/* answer_locally - our own reply TEXT for an abandoned transaction */
static gboolean
answer_locally (DkimmodSession *sess, DkimmodReply *r, const char *text, GError **error)
{
  dkimmod_reply_set (r, text);
  return reset_next_hop (sess, r, error)
         && dkimmod_stream_write (sess->client, r->text->str, r->text->len, error);
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
  gboolean bdat;              /* BDAT: the bytes as they are, no dot-stuffing */
  GArray *drop;               /* DkimmodRange in message order, or NULL */
  guint next_drop;            /* first range not yet passed */
  guint64 pos;                /* message offset of the next spool byte */
} StuffCtx;

/* stuff_chunk - bytes through the stuffer (DATA) or as they are (BDAT) */
static gboolean
stuff_chunk (const char *data, gsize len, gpointer user_data, GError **error)
{
  StuffCtx *sc = user_data;

  if (sc->bdat)
    return write_next (data, len, sc->sess, error);
  return dkimmod_stuff (&sc->st, data, len, write_next, sc->sess, error);
}

/* stuff_kept - a spool chunk minus the dropped spans (whole header
 * fields, so the stuffer's line state stays right) */
static gboolean
stuff_kept (const char *data, gsize len, gpointer user_data, GError **error)
{
  StuffCtx *sc = user_data;

  while (len > 0)
    {
      const DkimmodRange *r = sc->drop != NULL && sc->next_drop < sc->drop->len
                              ? &g_array_index (sc->drop, DkimmodRange, sc->next_drop) : NULL;
      gsize n = len;

      if (r != NULL && sc->pos >= r->offset)
        {
          guint64 left = r->offset + r->len - sc->pos;

          n = (gsize) MIN ((guint64) len, left);
          if (n == left)
            sc->next_drop++;
        }
      else
        {
          if (r != NULL)
            n = (gsize) MIN ((guint64) len, r->offset - sc->pos);
          if (!stuff_chunk (data, n, sc, error))
            return FALSE;
        }
      data += n;
      len -= n;
      sc->pos += n;
    }
  return TRUE;
}

/* bdat_size - the bytes forward sends: our fields and the spool minus DROP */
static guint64
bdat_size (DkimmodSpool *spool, GBytes *headers, GArray *drop)
{
  guint64 n = dkimmod_spool_size (spool) + (headers != NULL ? g_bytes_get_size (headers) : 0);

  for (guint i = 0; drop != NULL && i < drop->len; i++)
    n -= g_array_index (drop, DkimmodRange, i).len;
  return n;
}

/* forward - our fields and the message (minus DROP) to the next hop: with
 * CHUNKING one "BDAT n LAST" and the bytes, in the write that carries the
 * command (RFC 3030: no 354 to wait for); else DATA, its 354, the bytes
 * dot-stuffed, ".". The reply for the client is in R: the next hop's
 * final reply (2xx, 4xx, 5xx), its refusal of DATA, or 451 4.3.0 with
 * R->closing for a reply of the wrong class (a 2xx to DATA, a 3xx at the
 * end). FALSE only for I/O failures. */
static gboolean
forward (DkimmodSession *sess, DkimmodSpool *spool, GBytes *headers, GArray *drop,
         DkimmodReply *r, GError **error)
{
  StuffCtx sc = { .sess = sess, .drop = drop,
                  .bdat = (sess->next_ext & DKIMMOD_EXT_CHUNKING) != 0 };
  gboolean ok;

  /* Nothing is held here (pipeline.c): DATA needs an accepted RCPT, and
   * the RCPT exchange sent whatever was held before it. */
  if (sc.bdat)
    {
      if (!dkimmod_stream_printf (sess->next, error, "BDAT %" G_GUINT64_FORMAT " LAST\r\n",
                                  bdat_size (spool, headers, drop)))
        return FALSE;
      /* The command and its bytes are one exchange: the next hop now holds
       * our transaction, whatever happens on the way. */
      sess->next_dirty = TRUE;
    }
  else
    {
      if (!dkimmod_session_relay (sess, "DATA", DKIMMOD_WANT_MORE, r, error))
        return FALSE;
      if (r->closing)
        return TRUE;
      if (r->code / 100 != 3)
        return reset_next_hop (sess, r, error);
      dkimmod_stuffer_init (&sc.st);
    }
  if (headers != NULL && g_bytes_get_size (headers) > 0
      && !stuff_chunk (g_bytes_get_data (headers, NULL), g_bytes_get_size (headers), &sc, error))
    return FALSE;
  if (!dkimmod_spool_foreach (spool, stuff_kept, &sc, error))
    return FALSE;
  if (!sc.bdat && !dkimmod_stream_write (sess->next, ".\r\n", 3, error))
    return FALSE;
  /* The next hop has the whole message now: wait as long as Postfix's
   * smtp client would (smtp_data_done_timeout), since giving up here
   * leaves the client retrying a message that may already be queued. */
  dkimmod_stream_set_timeout (sess->next, sess->set->timeout_data_done);
  ok = dkimmod_session_read_reply (sess, "end of data", DKIMMOD_WANT_OK, r, error);
  dkimmod_stream_set_timeout (sess->next, sess->set->timeout_next_hop);
  /* Whatever the reply to ".", the transaction is over at the next hop
   * (Postfix's smtpd resets it, XFORWARD attributes too): a clean
   * connection. A refused BDAT may leave the transaction open there (RFC
   * 3030 does not end it): a RSET does. */
  if (!ok || r->closing)
    return ok;
  if (sc.bdat && r->code / 100 != 2)
    return reset_next_hop (sess, r, error);
  sess->next_dirty = FALSE;
  return TRUE;
}

/* mode_label - "DKIM signing" or "DKIM verify", the log lines' tag */
static const char *
mode_label (const DkimmodSession *sess)
{
  return sess->verify != NULL ? "DKIM verify" : "DKIM signing";
}

/* next_queue_id - "; next hop queued as ID" from a Postfix 250 reply, for
 * a transaction with no queue id of its own (before-queue), else "" */
static char *
next_queue_id (const DkimmodSession *sess, const DkimmodReply *r)
{
  const char *p = dkimmod_xforward_known (&sess->xforward, DKIMMOD_XF_IDENT) == NULL
                  ? strstr (r->text->str, "queued as ") : NULL;
  g_autofree char *id = NULL;

  if (p == NULL)
    return g_strdup ("");
  p += strlen ("queued as ");
  id = dkimmod_log_sanitize (p, strcspn (p, " \r\n"), 32);
  return g_strdup_printf ("; next hop queued as %s", id);
}

/* log_outcome - the one line per message, TEXT after "DKIM ... - " */
static void
log_outcome (DkimmodSession *sess, int priority, const char *text, const char *extra,
             const DkimmodReply *r)
{
  g_autofree char *said = NULL;

  if (r->code / 100 == 2)
    {
      g_autofree char *queued = next_queue_id (sess, r);

      dkimmod_log (priority, "%s: %s - %s%s%s", dkimmod_session_queue_id (sess),
                   mode_label (sess), text, extra, queued);
      return;
    }
  said = dkimmod_log_sanitize (r->text->str, strcspn (r->text->str, "\r\n"),
                               DKIMMOD_LOG_TEXT_MAX);
  dkimmod_log (LOG_INFO, "%s: %s - %s; next hop %s said: %s", dkimmod_session_queue_id (sess),
               mode_label (sess), text, sess->next_name, said);
}

/* relay_and_answer - forward, log, pass the next hop's reply back */
static gboolean
relay_and_answer (DkimmodSession *sess, DkimmodSpool *spool, GBytes *fields, GArray *drop,
                  DkimmodReply *r, int priority, const char *text, const char *extra,
                  GError **error)
{
  if (!forward (sess, spool, fields, drop, r, error))
    return FALSE;
  log_outcome (sess, priority, text, extra, r);
  return dkimmod_stream_write (sess->client, r->text->str, r->text->len, error);
}

/* finish_signing - sign, then relay (or 451) */
static gboolean
finish_signing (DkimmodSession *sess, DataSink *sink, DkimmodReply *r, GError **error)
{
  static const char *const word[] = { "signed", "skipped", "error", "error" };
  g_autoptr (GBytes) headers = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *text = NULL;
  DkimmodSignJobResult result;

  result = dkimmod_signjob_finish (sink->job, &headers, &detail);
  /* Retrying cannot shrink a header block: 451 would only delay the
   * bounce by days. 552 as in verify mode, or unsigned with relay. */
  if (result == DKIMMOD_SIGNJOB_HEADER_LIMIT && sess->set->on_error != DKIMMOD_ON_ERROR_RELAY)
    {
      g_autofree char *d = dkimmod_log_sanitize (detail, strlen (detail), 400);

      dkimmod_log (LOG_WARNING, "%s: DKIM signing - error; %s; answered 552 (header block over "
                   "the limits, cannot be signed)", dkimmod_session_queue_id (sess), d);
      return answer_locally (sess, r, "552 5.3.4 Error: message header too big", error);
    }
  if (result == DKIMMOD_SIGNJOB_FAILED && sess->set->on_error != DKIMMOD_ON_ERROR_RELAY)
    {
      g_autofree char *d = dkimmod_log_sanitize (detail, strlen (detail), 400);

      dkimmod_log (LOG_ERR, "%s: DKIM signing - error; %s; answered 451, message kept",
                   dkimmod_session_queue_id (sess), d);
      return answer_locally (sess, r, "451 4.7.1 Error: DKIM signing failed, try again later",
                             error);
    }
  if (sink->fold != NULL && sink->fold->folded + sink->fold->broken > 0)
    dkimmod_log (LOG_INFO, "%s: DKIM signing - message changed before signing: %u header "
                 "lines folded, %u lines broken with CRLF SP (smtp_line_length_limit %u)",
                 dkimmod_session_queue_id (sess), sink->fold->folded, sink->fold->broken,
                 sink->fold->limit);
  text = g_strdup_printf ("%s; %s", word[result], detail);
  if (result == DKIMMOD_SIGNJOB_FAILED || result == DKIMMOD_SIGNJOB_HEADER_LIMIT)
    return relay_and_answer (sess, sink->spool, headers, NULL, r, LOG_WARNING, text,
                             "; relayed unsigned (on_error=relay)", error);
  return relay_and_answer (sess, sink->spool, headers, NULL, r, LOG_INFO, text, "", error);
}

/* finish_verifying - authenticate, then relay with our fields (or 4xx/5xx
 * for faults, never for a result unless the site's actions ask) */
static gboolean
finish_verifying (DkimmodSession *sess, DataSink *sink, DkimmodReply *r, GError **error)
{
  const DkimmodVerifyEnv *env = sess->verify;
  g_autoptr (GBytes) fields = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *text = NULL;
  const char *qid = dkimmod_session_queue_id (sess);
  /* The reject actions are for the smtpd_proxy_filter position, where the
   * client still holds the message. After the queue (content_filter) the
   * message is Postfix's, and a 5xx would make it a bounce to a sender
   * that DMARC or DKIM just said may be forged. Before the queue is known
   * only from XFORWARD without a queue id: Postfix's smtpd_proxy always
   * sends XFORWARD to a filter that announces it, as we do, and has no
   * queue id yet; its smtp client sends IDENT, and sends no XFORWARD at
   * all unless smtp_send_xforward_command = yes. So no XFORWARD means
   * "cannot tell", and that never rejects. */
  gboolean queued = dkimmod_xforward_known (&sess->xforward, DKIMMOD_XF_IDENT) != NULL;
  gboolean may_reject = !queued && dkimmod_xforward_sent (&sess->xforward);
  GArray *drop = NULL;
  DkimmodVerifyOutcome o;
  gboolean ok;

  switch (dkimmod_verifyjob_finish (sink->job, &fields, &drop, &o, &detail))
    {
    case DKIMMOD_VERIFYJOB_HEADER_LIMIT:
      dkimmod_log (LOG_WARNING, "%s: DKIM verify - error; %s; answered 552", qid, detail);
      return answer_locally (sess, r, "552 5.3.4 Error: message header too big", error);
    case DKIMMOD_VERIFYJOB_FAILED:
      dkimmod_log (LOG_ERR, "%s: DKIM verify - error; %s; answered 451", qid, detail);
      return answer_locally (sess, r, "451 4.3.0 Error: DKIM verification failed, try again later",
                             error);
    case DKIMMOD_VERIFYJOB_DONE:
    default:
      break;
    }
  /* A temporary DNS failure may hide a pass: retrying is the safe
   * answer when the site asks for it, before any rejection. */
  if ((o.dkim == DKIMMOD_RESULT_TEMPERROR || o.temperror)
      && env->on_temperror == DKIMMOD_VERIFY_TEMPFAIL)
    {
      dkimmod_log (LOG_INFO, "%s: DKIM verify - %s; answered 451 (on_temperror=tempfail)", qid,
                   detail);
      ok = answer_locally (sess, r, o.dkim == DKIMMOD_RESULT_TEMPERROR
                           ? "451 4.7.5 Error: DKIM key lookup failed, try again later"
                           : "451 4.7.5 Error: SPF or DMARC lookup failed, try again later",
                           error);
    }
  else if (o.dmarc_reject && env->on_dmarc_reject == DKIMMOD_VERIFY_REJECT && may_reject)
    {
      dkimmod_log (LOG_INFO, "%s: DKIM verify - %s; answered 550 (on_dmarc_reject=reject)", qid,
                   detail);
      text = g_strdup_printf ("550 5.7.1 Error: rejected by the DMARC policy of %s",
                              o.dmarc_domain);
      ok = answer_locally (sess, r, text, error);
    }
  else if (o.dkim == DKIMMOD_RESULT_FAIL && env->on_fail == DKIMMOD_VERIFY_REJECT && may_reject)
    {
      dkimmod_log (LOG_INFO, "%s: DKIM verify - %s; answered 550 (on_fail=reject)", qid, detail);
      ok = answer_locally (sess, r, "550 5.7.20 Error: no passing DKIM signature found", error);
    }
  else
    {
      gboolean held = !may_reject
                      && ((o.dmarc_reject && env->on_dmarc_reject == DKIMMOD_VERIFY_REJECT)
                          || (o.dkim == DKIMMOD_RESULT_FAIL
                              && env->on_fail == DKIMMOD_VERIFY_REJECT));

      ok = relay_and_answer (sess, sink->spool, fields, drop, r, LOG_INFO, detail,
                             !held ? ""
                             : queued ? "; not rejected: already queued (reject applies before the "
                                        "queue, as smtpd_proxy_filter)"
                             : "; not rejected: no XFORWARD, so not known to be before the queue "
                               "(Postfix's smtpd_proxy_filter sends it)", error);
    }
  dkimmod_verify_outcome_clear (&o);
  return ok;
}

/* finish_transaction - decide, forward, answer; FALSE: session over */
static gboolean
finish_transaction (DkimmodSession *sess, DataSink *sink, DkimmodReply *r, GError **error)
{
  const char *qid = dkimmod_session_queue_id (sess);

  if (sink->too_big)
    {
      dkimmod_log (LOG_WARNING, "%s: %s - error; message larger than %" G_GUINT64_FORMAT
                   " bytes refused", qid, mode_label (sess), sess->size_limit);
      return answer_locally (sess, r, "552 5.3.4 Error: message too big", error);
    }
  if (sink->spool_error != NULL)
    {
      dkimmod_log (LOG_ERR, "%s: %s - error; %s", qid, mode_label (sess),
                   sink->spool_error->message);
      return answer_locally (sess, r, "452 4.3.1 Error: insufficient system storage", error);
    }
  if (sess->verify != NULL)
    return finish_verifying (sess, sink, r, error);
  return finish_signing (sess, sink, r, error);
}

/* new_job - the sign or verify job for this transaction */
static DkimmodJob *
new_job (DkimmodSession *sess)
{
  const char *qid = dkimmod_session_queue_id (sess);
  DkimmodJob *job;

  if (sess->verify != NULL)
    {
      g_autofree char *peer = NULL;

      g_autofree char *ip = dkimmod_xforward_client_ip (&sess->xforward);
      DkimmodVerifyEnvelope envelope = {
        .client_ip = ip,
        .helo = dkimmod_xforward_known (&sess->xforward, DKIMMOD_XF_HELO),
        .mail_from = sess->envelope,
      };

      /* Before-queue there is no queue id yet: name the client instead. */
      if (dkimmod_xforward_known (&sess->xforward, DKIMMOD_XF_IDENT) == NULL)
        peer = dkimmod_session_peer (sess);
      return dkimmod_verifyjob_new (sess->verify, sess->ctx, qid, peer, &envelope);
    }
  job = dkimmod_signjob_new (sess->cfg, sess->ctx, sess->envelope, qid);
  dkimmod_signjob_watch_keys (job, sess->key_watch);
  return job;
}

gboolean
dkimmod_session_data (DkimmodSession *sess, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodSpool) spool = NULL;
  g_autoptr (DkimmodReply) r = dkimmod_reply_new ();
  DataSink sink = { .sess = sess };
  DkimmodLinefold fold;
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
  sink.spool = spool;
  sink.job = new_job (sess);
  /* Verify mode relays the bytes it verified, unchanged. */
  dkimmod_linefold_init (&fold, sess->verify != NULL ? 0
                                : (guint) sess->set->smtp_line_length_limit);
  sink.fold = fold.limit > 0 ? &fold : NULL;
  dkimmod_stream_set_timeout (sess->client, sess->set->timeout_data);
  ok = dkimmod_stream_printf (sess->client, &error, "354 End data with <CR><LF>.<CR><LF>\r\n")
       && receive (&sink, &error);
  dkimmod_stream_set_timeout (sess->client, sess->set->timeout_command);
  if (ok)
    ok = finish_transaction (sess, &sink, r, &error);
  g_clear_error (&sink.spool_error);
  g_clear_pointer (&sink.job, dkimmod_job_free);
  dkimmod_linefold_clear (&fold);
  if (!ok && !dkimmod_stream_broken (sess->client) && !dkimmod_stream_broken (sess->next))
    {
      /* A spool read failed halfway through the next hop's DATA: the only
       * clean way out is to drop both connections; Postfix keeps the mail. */
      dkimmod_log (LOG_ERR, "%s: %s - error; %s", dkimmod_session_queue_id (sess),
                   mode_label (sess), error->message);
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
  if (r->closing)
    {
      dkimmod_log (LOG_WARNING, "%s: next hop %s: session ended after DATA",
                   dkimmod_session_queue_id (sess), sess->next_name);
      (void) dkimmod_stream_flush (sess->client, NULL);
      *status = DKIMMOD_EXIT_TEMPFAIL;
      return FALSE;
    }
  dkimmod_session_reset (sess);
  return TRUE;
}
