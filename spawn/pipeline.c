/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	pipeline.c - commands answered at once, sent with the next exchange
 * SYNOPSIS
 *	dkimmod_pipeline_room, dkimmod_pipeline_hold, dkimmod_pipeline_queue,
 *	dkimmod_pipeline_clear
 * DESCRIPTION
 *	A Postfix before-queue smtpd talks to its proxy filter one command at
 *	a time (smtpd_proxy.c waits for every reply), so relaying each of its
 *	commands costs one round trip with the next hop, and on a virtual
 *	machine each round trip's two wake-ups are most of a filter's CPU.
 *	When the next hop announced PIPELINING, the session (session.c)
 *	answers XFORWARD and MAIL itself and holds them here; they leave in
 *	one write with the next command that needs the next hop's answer
 *	(RCPT, as Postfix's own smtp client sends XFORWARD, MAIL and RCPT
 *	in one group), and their replies are read first.
 *
 *	This is where Postfix's smtpd puts a sender's rejection by default
 *	(smtpd_delay_reject = yes): at RCPT. A held command the next hop
 *	refuses becomes the answer to every RCPT of the transaction.
 * STANDARDS
 *	RFC 2920 section 3.1 (XFORWARD, MAIL and RCPT may be pipelined; the
 *	group ends with a command whose reply we wait for).
 * NEVER
 *	Hold DATA, EHLO, HELO, RSET or QUIT; hold a command when the next hop
 *	did not announce PIPELINING.
 */
#include "pipeline.h"

gboolean
dkimmod_pipeline_room (const DkimmodPipeline *p)
{
  return p->n < DKIMMOD_PIPELINE_MAX;
}

void
dkimmod_pipeline_hold (DkimmodPipeline *p, const char *line, const char *what)
{
  g_return_if_fail (p->n < DKIMMOD_PIPELINE_MAX);
  p->line[p->n] = g_strdup (line);
  p->what[p->n] = what;
  p->n++;
}

gboolean
dkimmod_pipeline_queue (const DkimmodPipeline *p, DkimmodStream *s, GError **error)
{
  for (guint i = 0; i < p->n; i++)
    if (!dkimmod_stream_printf (s, error, "%s\r\n", p->line[i]))
      return FALSE;
  return TRUE;
}

void
dkimmod_pipeline_clear (DkimmodPipeline *p)
{
  for (guint i = 0; i < p->n; i++)
    g_clear_pointer (&p->line[i], g_free);
  p->n = 0;
}
