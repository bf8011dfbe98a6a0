/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	job.c - the part of a sign or verify job that splits the message
 * SYNOPSIS
 *	dkimmod_job_new, dkimmod_job_free,
 *	dkimmod_job_feed, dkimmod_job_end, dkimmod_job_fail,
 *	dkimmod_job_message_id
 * DESCRIPTION
 *	The DATA reader hands every unstuffed byte to a job while it also
 *	spools it. Until the empty line that ends the header block the bytes
 *	go to msgparse, which splits the header fields; then the job's class
 *	decides what to do with them (start_body: choose and add signatures,
 *	or hand the fields to the verifier and look up keys) and receives
 *	the body as it arrives, so nothing but the spool holds the message.
 *
 *	Errors do not interrupt the reader: the first one is kept and the
 *	class's finish function reports it.
 * STANDARDS
 *	RFC 5322 section 2.1 (header block, empty line, body).
 * SECURITY
 *	The header block is bounded by msgparse (DKIMMOD_LIMIT_HEADER_BYTES,
 *	_HEADER_COUNT); over a limit, header_limit is set and the job fails.
 *	Header text reaches the log only sanitised.
 */
#include "job.h"

#include <string.h>

#include "log.h"

gpointer
dkimmod_job_new (const DkimmodJobClass *klass, gsize size, const char *queue_id)
{
  DkimmodJob *job = g_malloc0 (MAX (size, sizeof (DkimmodJob)));

  job->klass = klass;
  job->queue_id = g_strdup (queue_id);
  job->parser = dkimmod_msgparser_new ();
  return job;
}

void
dkimmod_job_free (DkimmodJob *job)
{
  if (job == NULL)
    return;
  job->klass->clear (job);
  g_free (job->queue_id);
  dkimmod_msgparser_free (job->parser);
  g_free (job->skipped);
  g_free (job->failed);
  g_free (job);
}

gboolean
dkimmod_job_fail (DkimmodJob *job, const char *fmt, ...)
{
  va_list ap;

  if (job->failed != NULL)
    return FALSE;
  va_start (ap, fmt);
  job->failed = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return TRUE;
}

/* start_body - the header block is complete */
static void
start_body (DkimmodJob *job)
{
  job->in_body = TRUE;
  job->klass->start_body (job);
}

void
dkimmod_job_feed (DkimmodJob *job, const char *data, gsize len)
{
  if (job->failed != NULL || job->skipped != NULL)
    return;
  if (!job->in_body)
    {
      g_autoptr (GError) error = NULL;
      gboolean done = FALSE;
      gsize used = dkimmod_msgparser_feed (job->parser, data, len, &done, &error);

      if (used == (gsize) -1)
        {
          job->header_limit = TRUE;
          dkimmod_job_fail (job, "header block: %s", error ? error->message : "limit exceeded");
          return;
        }
      job->header_bytes += used;
      if (!done)
        return;
      start_body (job);
      data += used;
      len -= MIN (used, len);
    }
  if (len > 0 && job->failed == NULL && job->skipped == NULL)
    job->klass->add_body (job, data, len);
}

void
dkimmod_job_end (DkimmodJob *job)
{
  if (job->failed == NULL && job->skipped == NULL && !job->in_body)
    {
      dkimmod_msgparser_finish (job->parser);
      start_body (job);
    }
}

char *
dkimmod_job_message_id (DkimmodJob *job)
{
  g_autofree char *msgid = dkimmod_msgparser_value (job->parser, "Message-ID");
  g_autofree char *clean = NULL;

  if (msgid == NULL)
    return g_strdup ("message-id=");
  g_strstrip (msgid);
  clean = dkimmod_log_sanitize (msgid, strlen (msgid), DKIMMOD_LOG_TEXT_MAX);
  return g_strconcat ("message-id=", clean, NULL);
}
