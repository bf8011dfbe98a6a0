/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	job.h - what signing and verifying share while a message streams in
 *	(dkimmod-spawn)
 */
#ifndef DKIMMOD_SPAWN_JOB_H
#define DKIMMOD_SPAWN_JOB_H

#include <glib.h>

#include "msgparse.h"

G_BEGIN_DECLS

typedef struct DkimmodJob DkimmodJob;

typedef struct {
  /* The header block is complete: JOB->parser holds its fields. */
  void (*start_body) (DkimmodJob *job);
  /* Body bytes (never called once the job failed or was skipped). */
  void (*add_body) (DkimmodJob *job, const char *data, gsize len);
  /* Frees the class's own fields (dkimmod_job_free does the rest). */
  void (*clear) (DkimmodJob *job);
} DkimmodJobClass;

/* The first member of DkimmodSignJob and DkimmodVerifyJob. */
struct DkimmodJob {
  const DkimmodJobClass *klass;
  char *queue_id;             /* prefix of the job's own log lines */
  DkimmodMsgParser *parser;
  gsize header_bytes;         /* size of the header block, empty line included */
  gboolean in_body;
  gboolean header_limit;      /* the header block broke a msgparse limit */
  char *skipped;              /* reason, or NULL */
  char *failed;               /* first error, or NULL */
};

/* A zeroed job of SIZE bytes (the class's struct, DkimmodJob first). */
gpointer dkimmod_job_new (const DkimmodJobClass *klass, gsize size, const char *queue_id);
void dkimmod_job_free (DkimmodJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodJob, dkimmod_job_free)

/* Message bytes (unstuffed, CRLF) in order, chunks of any size. Errors are
 * kept in the job, not returned: the client is still sending. */
void dkimmod_job_feed (DkimmodJob *job, const char *data, gsize len);
/* End of the message: a header block without a body is completed. */
void dkimmod_job_end (DkimmodJob *job);
/* Keeps the first error; FALSE when one was kept already. */
gboolean dkimmod_job_fail (DkimmodJob *job, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* "message-id=<...>" for log lines, sanitised (transfer full). */
char *dkimmod_job_message_id (DkimmodJob *job);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_JOB_H */
