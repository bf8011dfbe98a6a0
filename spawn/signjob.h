/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	signjob.h - sign one message as it streams in (dkimmod-spawn)
 */
#ifndef DKIMMOD_SPAWN_SIGNJOB_H
#define DKIMMOD_SPAWN_SIGNJOB_H

#include <glib.h>

#include "config-load.h"
#include "dkimmod.h"
#include "filewatch.h"
#include "job.h"

G_BEGIN_DECLS

typedef enum {
  DKIMMOD_SIGNJOB_SIGNED,    /* signatures produced */
  DKIMMOD_SIGNJOB_SKIPPED,   /* nothing to sign (no entry, no From...) */
  DKIMMOD_SIGNJOB_FAILED,    /* an error: key, signer */
  DKIMMOD_SIGNJOB_HEADER_LIMIT, /* header block over the limits: refuse (552) */
} DkimmodSignJobResult;

/* ENVELOPE_SENDER is the MAIL FROM address (may be ""); QUEUE_ID prefixes
 * the job's own log lines. */
/* Feed it with dkimmod_job_feed, free it with dkimmod_job_free. */
DkimmodJob *dkimmod_signjob_new (const DkimmodConfig *cfg, DkimmodContext *ctx,
                                 const char *envelope_sender, const char *queue_id);
/* Serve mode: each key file is recorded in WATCH (nullable) before it is
 * loaded, so that a worker sees it change (filewatch.c). */
void dkimmod_signjob_watch_keys (DkimmodJob *job, DkimmodFileWatch *watch);
/* Ends the message. On SIGNED, *HEADERS holds the DKIM-Signature fields
 * (transfer full, g_free). *DETAIL (transfer full) is the log text after
 * "signed; "/"skipped; "/"error; ". */
DkimmodSignJobResult dkimmod_signjob_finish (DkimmodJob *job, GBytes **headers,
                                             char **detail);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_SIGNJOB_H */
