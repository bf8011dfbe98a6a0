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
 *	write once its pipelined batch is consumed (smtp-io.c). When the next
 *	hop announced PIPELINING, XFORWARD and MAIL are answered here and sent
 *	with the next command that needs its answer (pipeline.c): a Postfix
 *	before-queue smtpd waits for every reply, so this saves two or three
 *	next-hop round trips per message; a refusal of one of them (softened
 *	as below) is then the answer to every RCPT of the transaction. What
 *	is not relayed:
 *	  - EHLO's reply is reduced to the extensions we handle (nexthop.c);
 *	  - DATA is ours (data.c): the next hop only sees DATA once the whole
 *	    message is in and signed;
 *	  - STARTTLS, AUTH, BDAT and anything unknown get 502: we never
 *	    advertise them, and a tunnel we cannot read cannot be signed.
 *	XFORWARD is ours (xforward.c): announced to the client whatever the
 *	next hop says, checked as Postfix's smtpd checks it (501 5.5.4 for a
 *	bad attribute, 503 inside a transaction), and passed on, reduced to
 *	the attributes the next hop announced, when it announced any; the
 *	next hop's refusal is the client's answer (a 5xx softened to 451
 *	4.3.5, like HELO's: it is the next hop's configuration,
 *	smtpd_authorized_xforward_hosts). The attributes are kept until the
 *	transaction ends, as Postfix's smtpd keeps them: the Postfix client
 *	sends them again for each transaction. IDENT names the transaction
 *	in our log lines (a before-queue proxy gets no IDENT: the queue file
 *	does not exist yet, so the log names the client instead); ADDR and
 *	HELO are the SMTP client's for SPF, since the peer of our socket is
 *	Postfix itself. Without XFORWARD the client is unknown.
 *
 *	Every next-hop exchange expects a reply class, as Postfix's
 *	smtpd_proxy.c does: 2xx for commands and end of data, 3xx for DATA;
 *	4xx and 5xx are always valid. Anything else means the next hop's state
 *	is unknown: the client gets 451 4.3.0 and the session ends. A 5xx to
 *	HELO, EHLO or MAIL is the next hop's configuration, not the message's:
 *	it becomes 451 4.3.5 (logged with the next hop's text).
 *
 *	Serve mode: once the listener drains (SIGTERM), the next MAIL is
 *	answered "421 4.3.2 Service shutting down" and the session ends, so a
 *	reused connection (Postfix's connection cache) does not hold the
 *	worker until the drain timeout; the transaction in progress, if any,
 *	finishes first. The client defers that message, nothing was sent.
 *
 *	Serve mode's next-hop cache (nexthop-cache.c): a session that ends
 *	with the next hop clean (no MAIL, RCPT or XFORWARD state left, or a
 *	RSET to make it so) leaves the connection for the next session, and
 *	QUIT is then answered here. On a connection taken from the cache, an
 *	EHLO identical to the one it last accepted gets that reply; the first
 *	command that finds the connection closed goes to a new one (with the
 *	EHLO replayed first).
 *
 *	End of session: QUIT (relayed, its reply passed back), or EOF from the
 *	client between commands, which Postfix's connection cache and a
 *	before-queue smtpd do routinely: exit 0 (EOF inside DATA is 75). A
 *	421 from the next hop is passed on and ends the session.
 * STANDARDS
 *	RFC 5321 sections 4.1.1 (commands), 4.1.4 (order), 4.3.2 (replies);
 *	RFC 2920 (pipelining); Postfix XFORWARD_README.
 * SECURITY
 *	Command lines are bounded (DKIMMOD_SMTP_LINE_MAX; longer lines are
 *	skipped and answered 500), lines with NUL or bare CR are refused so
 *	nothing odd is relayed, and every read has timeout_command.
 * DIAGNOSTICS
 *	Timeouts and lost connections are logged with the last command; the
 *	exit status is 75 (EX_TEMPFAIL) for those, 0 for QUIT or an EOF
 *	between commands (an info line when a transaction was abandoned).
 */
#include "session.h"

#include <string.h>

#include "headroom.h"
#include "log.h"
#include "nexthop.h"

void
dkimmod_session_reset (DkimmodSession *sess)
{
  sess->in_mail = FALSE;
  sess->rcpt_ok = 0;
  g_clear_pointer (&sess->envelope, g_free);
  dkimmod_xforward_clear (&sess->xforward);
  /* Held commands never reached the next hop: the reset they would get
   * there is to forget them here. */
  dkimmod_pipeline_clear (&sess->held);
  g_clear_pointer (&sess->txn_refusal, g_free);
}

const char *
dkimmod_session_queue_id (const DkimmodSession *sess)
{
  const char *id = dkimmod_xforward_known (&sess->xforward, DKIMMOD_XF_IDENT);

  return id ? id : "NOQUEUE";
}

char *
dkimmod_session_peer (const DkimmodSession *sess)
{
  const char *name = sess->xforward.value[DKIMMOD_XF_NAME];
  const char *addr = sess->xforward.value[DKIMMOD_XF_ADDR];

  if (name == NULL && addr == NULL)
    return NULL;
  return g_strdup_printf ("%s[%s]", dkimmod_xforward_known (&sess->xforward, DKIMMOD_XF_NAME)
                          ? name : "unknown",
                          dkimmod_xforward_known (&sess->xforward, DKIMMOD_XF_ADDR)
                          ? addr : "unknown");
}

int
dkimmod_session_abort (DkimmodSession *sess, GError *error, const char *where)
{
  gboolean client_side = !dkimmod_stream_broken (sess->next);

  dkimmod_log (LOG_WARNING, "%s: %s after %s", dkimmod_session_queue_id (sess), error->message,
               where);
  if (!client_side || g_error_matches (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_TIMEOUT))
    {
      gboolean timeout = g_error_matches (error, DKIMMOD_STREAM_ERROR,
                                          DKIMMOD_STREAM_ERROR_TIMEOUT);
      const char *text = client_side ? "4.4.2 Error: timeout exceeded"
                         : timeout ? "4.4.2 Error: timeout exceeded waiting for next hop"
                                   : "4.4.2 Error: lost connection with next hop";

      /* Best effort: the client may be gone too. */
      if (dkimmod_stream_printf (sess->client, NULL, "421 %s\r\n", text))
        (void) dkimmod_stream_flush (sess->client, NULL);
    }
  return DKIMMOD_EXIT_TEMPFAIL;
}

DkimmodReply *
dkimmod_reply_new (void)
{
  DkimmodReply *reply = g_new0 (DkimmodReply, 1);

  reply->text = g_string_new (NULL);
  return reply;
}

void
dkimmod_reply_free (DkimmodReply *reply)
{
  if (reply == NULL)
    return;
  g_string_free (reply->text, TRUE);
  g_free (reply);
}

void
dkimmod_reply_set (DkimmodReply *reply, const char *text)
{
  g_string_printf (reply->text, "%s\r\n", text);
  reply->code = (int) g_ascii_strtoull (text, NULL, 10);
}

/* reply_assign - REPLY becomes TEXT, a whole reply kept from the next hop
 * (every line with its CRLF) */
static void
reply_assign (DkimmodReply *reply, const char *text)
{
  g_string_assign (reply->text, text);
  reply->code = (int) g_ascii_strtoull (text, NULL, 10);
}

/* reply_expected - 4xx, 5xx, or the class WANT asks for */
static gboolean
reply_expected (int code, DkimmodWant want)
{
  return want == DKIMMOD_WANT_ANY || code / 100 == 4 || code / 100 == 5 || code / 100 == (int) want;
}

gboolean
dkimmod_session_read_reply (DkimmodSession *sess, const char *what, DkimmodWant want,
                            DkimmodReply *reply, GError **error)
{
  reply->closing = FALSE;
  if (!dkimmod_smtp_read_reply (sess->next, reply->text, &reply->code, error))
    return FALSE;
  if (!reply_expected (reply->code, want))
    {
      g_autofree char *said = dkimmod_log_sanitize (reply->text->str, reply->text->len,
                                                    DKIMMOD_LOG_TEXT_MAX);

      /* Postfix's smtpd_proxy.c passes no unexpected 2xx or 3xx either: a
       * 2xx to DATA passed back as the end-of-data answer would be a 250
       * for a message the next hop never received. */
      dkimmod_log (LOG_WARNING, "%s: next hop %s: unexpected reply to %s: %s; session ended",
                   dkimmod_session_queue_id (sess), sess->next_name, what, said);
      dkimmod_reply_set (reply, "451 4.3.0 Error: unexpected reply from next hop");
      reply->closing = TRUE;
    }
  else if (reply->code == 421)
    reply->closing = TRUE;
  return TRUE;
}

/* verb_is - case-insensitive SMTP verb match, followed by end or a space */
static gboolean
verb_is (const char *line, const char *verb)
{
  gsize n = strlen (verb);

  return g_ascii_strncasecmp (line, verb, n) == 0 && (line[n] == '\0' || line[n] == ' ');
}

/* note_next_state - what LINE, answered R, leaves at the next hop: a
 * connection holding MAIL, RCPT or XFORWARD attributes is not clean
 * until a RSET or the end of DATA (data.c) resets it. Postfix's smtpd
 * drops XFORWARD attributes only there (mail_reset), so a session that
 * ended after XFORWARD would otherwise lend its client's address to the
 * next session's message. */
static void
note_next_state (DkimmodSession *sess, const char *line, const DkimmodReply *r)
{
  if (verb_is (line, "MAIL") || verb_is (line, "RCPT") || verb_is (line, "XFORWARD"))
    sess->next_dirty = TRUE;
  else if (verb_is (line, "RSET") && r->code / 100 == 2)
    sess->next_dirty = FALSE;
}

/* replay_ehlo - on a new connection, the EHLO this session's client got
 * answered from the old one's (do_helo), so that the next hop is in the
 * state the client believes it is in */
static gboolean
replay_ehlo (DkimmodSession *sess, const char *ehlo, DkimmodReply *reply, GError **error);

/* remember_ehlo - the connection's EHLO state after LINE got R (a HELO or a
 * refused EHLO leaves none), for the next session on it (connection.c) */
static void
remember_ehlo (DkimmodSession *sess, const char *line, const DkimmodReply *r)
{
  if (sess->next_state == NULL)
    return;
  g_clear_pointer (&sess->next_state->ehlo, g_free);
  g_clear_pointer (&sess->next_state->ehlo_reply, g_free);
  if (verb_is (line, "EHLO") && r->code / 100 == 2 && !r->closing)
    {
      sess->next_state->ehlo = g_strdup (line);
      sess->next_state->ehlo_reply = g_strndup (r->text->str, r->text->len);
    }
}

/* exchange - LINE to the next hop, its reply into REPLY */
static gboolean
exchange (DkimmodSession *sess, const char *line, const char *what, DkimmodWant want,
          DkimmodReply *reply, GError **error)
{
  return dkimmod_stream_printf (sess->next, error, "%s\r\n", line)
         && dkimmod_session_read_reply (sess, what, want, reply, error);
}

static void soften_setup_reject (DkimmodSession *sess, const char *what, DkimmodReply *r);

/* send_and_read - the held commands and LINE to the next hop in one
 * write, then their replies: the first refusal of a held command goes to
 * *REFUSAL (softened as their own replies would be), one that ends the
 * session is REPLY at once; then LINE's reply into REPLY */
static gboolean
send_and_read (DkimmodSession *sess, const char *line, const char *what, DkimmodWant want,
               DkimmodReply *reply, char **refusal, GError **error)
{
  if (!dkimmod_pipeline_queue (&sess->held, sess->next, error)
      || !dkimmod_stream_printf (sess->next, error, "%s\r\n", line))
    return FALSE;
  for (guint i = 0; i < sess->held.n; i++)
    {
      if (!dkimmod_session_read_reply (sess, sess->held.what[i], DKIMMOD_WANT_OK, reply, error))
        return FALSE;
      if (reply->closing)
        return TRUE;
      if (reply->code / 100 != 2 && *refusal == NULL)
        {
          soften_setup_reject (sess, sess->held.what[i], reply);
          *refusal = g_strndup (reply->text->str, reply->text->len);
        }
    }
  return dkimmod_session_read_reply (sess, what, want, reply, error);
}

gboolean
dkimmod_session_relay (DkimmodSession *sess, const char *line, DkimmodWant want,
                       DkimmodReply *reply, GError **error)
{
  g_autofree char *what = dkimmod_log_sanitize (line, strcspn (line, " "), 16);
  g_autofree char *refusal = NULL;
  GError *local = NULL;
  gboolean ok = send_and_read (sess, line, what, want, reply, &refusal, &local);

  /* A cached connection the next hop closed just as it was taken (the
   * idle check in nexthop-cache.c saw it open): nothing of this session
   * reached it, so a new connection gets the command instead. A timeout
   * is no such case: that next hop is there but hung. */
  if (!ok && sess->next_reused && sess->redial != NULL
      && !g_error_matches (local, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_TIMEOUT))
    {
      /* The new connection starts with no EHLO state of its own. */
      g_autofree char *ehlo = sess->ehlo_from_cache ? g_strdup (sess->next_state->ehlo) : NULL;

      dkimmod_log (LOG_INFO, "%s: next hop %s: cached connection closed (%s); connecting again",
                   dkimmod_session_queue_id (sess), sess->next_name, local->message);
      g_clear_error (&local);
      sess->next_reused = FALSE;
      g_clear_pointer (&refusal, g_free);
      ok = sess->redial (sess->redial_data, &local)
           && replay_ehlo (sess, ehlo, reply, &local)
           && send_and_read (sess, line, what, want, reply, &refusal, &local);
    }
  sess->next_reused = FALSE;
  if (!ok)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  /* Held XFORWARD and MAIL are at the next hop now. */
  if (sess->held.n > 0)
    sess->next_dirty = TRUE;
  dkimmod_pipeline_clear (&sess->held);
  if (refusal != NULL && sess->txn_refusal == NULL)
    sess->txn_refusal = g_steal_pointer (&refusal);
  note_next_state (sess, line, reply);
  return TRUE;
}

/* reply - queue one reply line for the client */
static gboolean
reply (DkimmodSession *sess, const char *text, GError **error)
{
  return dkimmod_stream_printf (sess->client, error, "%s\r\n", text);
}

/* mail_size - the SIZE= parameter of a MAIL command (RFC 1870), 0 if none */
static guint64
mail_size (const char *line)
{
  const char *p = line;

  while ((p = strchr (p, ' ')) != NULL)
    {
      p++;
      if (g_ascii_strncasecmp (p, "SIZE=", 5) == 0)
        return g_ascii_strtoull (p + 5, NULL, 10);
    }
  return 0;
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

/* relay_command - the generic relay: LINE to the next hop, its reply (or
 * our replacement) to the client; FALSE for I/O errors */
static gboolean
relay_command (DkimmodSession *sess, const char *line, DkimmodWant want, DkimmodReply *r,
               GError **error)
{
  return dkimmod_session_relay (sess, line, want, r, error)
         && dkimmod_stream_write (sess->client, r->text->str, r->text->len, error);
}

static gboolean
replay_ehlo (DkimmodSession *sess, const char *ehlo, DkimmodReply *reply, GError **error)
{
  if (ehlo == NULL)
    return TRUE;
  sess->ehlo_from_cache = FALSE;
  if (!exchange (sess, ehlo, "EHLO", DKIMMOD_WANT_OK, reply, error))
    return FALSE;
  if (reply->code / 100 != 2)
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
                   "the new connection refused EHLO: %d", reply->code);
      dkimmod_stream_set_broken (sess->next);
      return FALSE;
    }
  remember_ehlo (sess, ehlo, reply);
  return TRUE;
}

/* keep_next - whether the next hop connection can serve the next client
 * session (serve mode): open, nothing unread, and clean, by a RSET when
 * this session left MAIL, RCPT or XFORWARD state there. Sets
 * sess->next_kept. */
static gboolean
keep_next (DkimmodSession *sess)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodReply) r = NULL;

  /* Held commands were answered here and need not reach it now. */
  dkimmod_pipeline_clear (&sess->held);
  if (sess->next_state == NULL || dkimmod_stream_broken (sess->next)
      || dkimmod_stream_pending (sess->next) > 0)
    return FALSE;
  if (sess->next_dirty)
    {
      r = dkimmod_reply_new ();
      /* Only a 2xx to RSET makes it clean (note_next_state): a 421 or an
       * unexpected reply leaves it dirty. */
      if (!dkimmod_session_relay (sess, "RSET", DKIMMOD_WANT_OK, r, &error) || sess->next_dirty)
        return FALSE;
    }
  sess->next_kept = TRUE;
  return TRUE;
}

/* soften_setup_reject - a 5xx to HELO/EHLO or MAIL is about the next hop's
 * configuration (next_hop pointing at a submission port: "530 5.7.0
 * authentication required"), not about this message: passed back, it
 * would make Postfix bounce mail it accepted. The client gets 451 4.3.5
 * and keeps the message; the next hop's words go to the log. */
static void
soften_setup_reject (DkimmodSession *sess, const char *what, DkimmodReply *r)
{
  g_autofree char *said = NULL;

  if (r->code / 100 != 5)
    return;
  said = dkimmod_log_sanitize (r->text->str, r->text->len, DKIMMOD_LOG_TEXT_MAX);
  dkimmod_log (LOG_WARNING, "%s: next hop %s rejected %s: %s; answered 451 4.3.5 (check next_hop)",
               dkimmod_session_queue_id (sess), sess->next_name, what, said);
  dkimmod_reply_set (r, "451 4.3.5 Error: next hop refused the session, see the mail log");
}

/* do_helo - relay HELO or EHLO; EHLO's reply keeps only the extensions
 * we handle, with SIZE lowered to what we accept */
static gboolean
do_helo (DkimmodSession *sess, const char *line, gboolean ehlo, DkimmodReply *r,
         GError **error)
{
  g_autoptr (GString) filtered = NULL;
  guint64 limit = 0;

  dkimmod_session_reset (sess);
  /* A cached connection that accepted this very EHLO line and has been
   * reset since: the next hop would answer again what it answered then
   * (RFC 5321 4.1.4: EHLO resets a session to where it is), so the
   * client gets that reply and the next hop one round trip less. If the
   * connection proves closed at the next command, the EHLO goes to the
   * new one first (replay_ehlo). */
  /* (next_reused: nothing relayed yet, so nothing made it dirty either.) */
  if (ehlo && sess->next_reused && g_strcmp0 (sess->next_state->ehlo, line) == 0)
    {
      reply_assign (r, sess->next_state->ehlo_reply);
      r->closing = FALSE;
      sess->ehlo_from_cache = TRUE;
    }
  else
    {
      if (!dkimmod_session_relay (sess, line, DKIMMOD_WANT_OK, r, error))
        return FALSE;
      remember_ehlo (sess, line, r);
      sess->ehlo_from_cache = FALSE;
    }
  soften_setup_reject (sess, ehlo ? "EHLO" : "HELO", r);
  sess->next_ext = 0;
  if (!ehlo || r->code / 100 != 2)
    return dkimmod_stream_write (sess->client, r->text->str, r->text->len, error);
  filtered = dkimmod_ehlo_filter (r->text->str, sess->set->message_size_max, sess->headroom,
                                  &limit, &sess->next_xforward, &sess->next_ext);
  sess->size_limit = limit > 0 ? limit : DKIMMOD_SPAWN_MESSAGE_HARD_MAX;
  return dkimmod_stream_write (sess->client, filtered->str, filtered->len, error);
}

/* hold - with a next hop that announced PIPELINING, LINE is answered
 * here and sent with the next exchange (pipeline.c); FALSE: relay it now */
static gboolean
hold (DkimmodSession *sess, const char *line, const char *what)
{
  if (!(sess->next_ext & DKIMMOD_EXT_PIPELINING) || !dkimmod_pipeline_room (&sess->held))
    return FALSE;
  dkimmod_pipeline_hold (&sess->held, line, what);
  return TRUE;
}

/* do_xforward - check XFORWARD, pass it on when the next hop takes any
 * of its attributes, keep them once accepted */
static gboolean
do_xforward (DkimmodSession *sess, const char *line, DkimmodReply *r, GError **error)
{
  DkimmodXforward cmd = { 0 };
  g_autofree char *refusal = NULL;
  g_autofree char *next = NULL;

  if (sess->in_mail)
    return reply (sess, "503 5.5.1 Error: MAIL transaction in progress", error);
  if (!dkimmod_xforward_parse (line, &cmd, &refusal))
    return reply (sess, refusal, error);
  next = dkimmod_xforward_command (&cmd, sess->next_xforward);
  if (next != NULL && hold (sess, next, "XFORWARD"))
    dkimmod_reply_set (r, "250 2.0.0 Ok");
  else if (next != NULL)
    {
      if (!dkimmod_session_relay (sess, next, DKIMMOD_WANT_OK, r, error))
        {
          dkimmod_xforward_clear (&cmd);
          return FALSE;
        }
      soften_setup_reject (sess, "XFORWARD", r);
    }
  else
    dkimmod_reply_set (r, "250 2.0.0 Ok");
  if (r->code / 100 == 2)
    dkimmod_xforward_merge (&sess->xforward, &cmd);
  dkimmod_xforward_clear (&cmd);
  return dkimmod_stream_write (sess->client, r->text->str, r->text->len, error);
}

/* do_command - one command line; *DONE when the session ends (*STATUS
 * then holds the exit status) */
static gboolean
do_command (DkimmodSession *sess, const char *line, DkimmodReply *r, gboolean *done,
            int *status, GError **error)
{
  if (verb_is (line, "EHLO") || verb_is (line, "HELO"))
    return do_helo (sess, line, verb_is (line, "EHLO"), r, error);
  if (verb_is (line, "RSET"))
    {
      dkimmod_session_reset (sess);
      return relay_command (sess, line, DKIMMOD_WANT_OK, r, error);
    }
  if (verb_is (line, "MAIL"))
    {
      if (sess->stopping != NULL && sess->stopping ())
        {
          *done = TRUE;
          *status = DKIMMOD_EXIT_OK;
          dkimmod_log (LOG_INFO, "%s: shutting down: 421 to MAIL", dkimmod_session_queue_id (sess));
          return reply (sess, "421 4.3.2 Service shutting down", error)
                 && dkimmod_stream_flush (sess->client, error);
        }
      if (sess->in_mail)
        return reply (sess, "503 5.5.1 Error: nested MAIL command", error);
      /* As Postfix's smtpd: a declared size over our limit is refused
       * before anything reaches the next hop. */
      if (mail_size (line) > sess->size_limit)
        return reply (sess, "552 5.3.4 Error: message file too big", error);
      if (hold (sess, line, "MAIL FROM"))
        dkimmod_reply_set (r, "250 2.1.0 Ok");
      else
        {
          if (!dkimmod_session_relay (sess, line, DKIMMOD_WANT_OK, r, error))
            return FALSE;
          soften_setup_reject (sess, "MAIL FROM", r);
        }
      if (r->code / 100 == 2)
        {
          sess->in_mail = TRUE;
          sess->rcpt_ok = 0;
          g_free (sess->envelope);
          sess->envelope = mail_address (line);
        }
      return dkimmod_stream_write (sess->client, r->text->str, r->text->len, error);
    }
  if (verb_is (line, "RCPT"))
    {
      /* A held XFORWARD or MAIL the next hop refused answers every RCPT
       * of the transaction, as a sender's rejection at RCPT does. */
      if (sess->txn_refusal == NULL
          && !dkimmod_session_relay (sess, line, DKIMMOD_WANT_OK, r, error))
        return FALSE;
      if (sess->txn_refusal != NULL && !r->closing)
        reply_assign (r, sess->txn_refusal);
      else if (r->code / 100 == 2 && sess->in_mail)
        sess->rcpt_ok++;
      return dkimmod_stream_write (sess->client, r->text->str, r->text->len, error);
    }
  if (verb_is (line, "DATA"))
    {
      if (line[4] != '\0')
        return reply (sess, "501 5.5.4 Syntax: DATA", error);
      *done = !dkimmod_session_data (sess, status);
      return TRUE;
    }
  if (verb_is (line, "XFORWARD"))
    return do_xforward (sess, line, r, error);
  if (verb_is (line, "NOOP"))
    return relay_command (sess, line, DKIMMOD_WANT_OK, r, error);
  if (verb_is (line, "QUIT"))
    {
      *done = TRUE;
      *status = DKIMMOD_EXIT_OK;
      /* A connection kept for the next client session hears no QUIT; one
       * that broke while it was made clean has nobody left to hear it. */
      if (keep_next (sess) || dkimmod_stream_broken (sess->next))
        return reply (sess, "221 2.0.0 Bye", error) && dkimmod_stream_flush (sess->client, error);
      return relay_command (sess, line, DKIMMOD_WANT_ANY, r, error)
             && dkimmod_stream_flush (sess->client, error);
    }
  return reply (sess, "502 5.5.2 Error: command not recognized", error);
}

/* line_is_clean - no NUL or CR inside a command line */
static gboolean
line_is_clean (const GString *line)
{
  return memchr (line->str, '\0', line->len) == NULL && memchr (line->str, '\r', line->len) == NULL;
}

/* client_left - EOF from the client between commands. Postfix's
 * connection cache ends idle sessions that way, and a before-queue smtpd
 * closes the proxy without QUIT whenever its client's transaction ends
 * early (a dropped spammer): a normal end, exit 0. Only an abandoned
 * transaction is worth an info line. */
static int
client_left (DkimmodSession *sess, const char *last)
{
  if (sess->in_mail)
    dkimmod_log (LOG_INFO, "%s: client ended the session without QUIT after %s; transaction "
                 "abandoned", dkimmod_session_queue_id (sess), last);
  (void) keep_next (sess);
  return DKIMMOD_EXIT_OK;
}

int
dkimmod_session_run (DkimmodSession *sess)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (DkimmodReply) r = dkimmod_reply_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *last = g_strdup ("CONNECT");
  gboolean done = FALSE;
  int status = DKIMMOD_EXIT_OK;

  sess->headroom = sess->verify != NULL
                   ? dkimmod_headroom_verifying (sess->verify->opts.max_signatures,
                                                 sess->verify->x_header)
                   : dkimmod_headroom_signing ();
  sess->size_limit = dkimmod_headroom_limit (sess->set->message_size_max, 0, sess->headroom);
  if (sess->size_limit == 0)
    sess->size_limit = DKIMMOD_SPAWN_MESSAGE_HARD_MAX;
  if (!dkimmod_stream_printf (sess->client, &error, "220 %s ESMTP dkimmod-spawn\r\n",
                              g_get_host_name ()))
    return dkimmod_session_abort (sess, error, last);
  while (!done)
    {
      guint flags;

      r->closing = FALSE;
      if (!dkimmod_stream_read_line (sess->client, line, DKIMMOD_SMTP_LINE_MAX, &flags, &error))
        {
          if (g_error_matches (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_EOF))
            return client_left (sess, last);
          return dkimmod_session_abort (sess, error, last);
        }
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
      if (!do_command (sess, line->str, r, &done, &status, &error))
        return dkimmod_session_abort (sess, error, last);
      if (!done && r->closing)
        {
          g_autofree char *said = dkimmod_log_sanitize (r->text->str, r->text->len,
                                                        DKIMMOD_LOG_TEXT_MAX);

          dkimmod_log (LOG_WARNING, "%s: next hop %s: session ended after %s: %s",
                       dkimmod_session_queue_id (sess), sess->next_name, last, said);
          (void) dkimmod_stream_flush (sess->client, NULL);
          return DKIMMOD_EXIT_TEMPFAIL;
        }
    }
  (void) dkimmod_stream_flush (sess->client, NULL);
  return status;
}
