/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	verifyjob.h - verify one message as it streams in (dkimmod-spawn)
 */
#ifndef DKIMMOD_SPAWN_VERIFYJOB_H
#define DKIMMOD_SPAWN_VERIFYJOB_H

#include <glib.h>

#include "config-load.h"
#include "dkimmod.h"
#include "job.h"

G_BEGIN_DECLS

/* What verify mode sets up once per process: options, key source, our
 * authserv-id, policy. */
typedef struct {
  DkimmodVerifyOptions opts;
  char *authserv_id;
  DkimmodResolver *resolver;  /* NULL when key_file is used */
  DkimmodKeyFile *key_file;
  gboolean x_header;          /* add X-DKIM-Authentication-Results */
  DkimmodVerifyAction on_temperror; /* accept or tempfail (451 4.7.5) */
  DkimmodVerifyAction on_fail;      /* accept or reject (550 5.7.20) */
} DkimmodVerifyEnv;

DkimmodVerifyEnv *dkimmod_verify_env_new (const DkimmodConfig *cfg, GError **error);
void dkimmod_verify_env_free (DkimmodVerifyEnv *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodVerifyEnv, dkimmod_verify_env_free)

/* A span of the message that is not sent on (an Authentication-Results
 * field claiming our authserv-id). */
typedef struct {
  guint64 offset;
  guint64 len;
} DkimmodRange;

typedef enum {
  DKIMMOD_VERIFYJOB_DONE,        /* results ready: relay with the fields added */
  DKIMMOD_VERIFYJOB_HEADER_LIMIT,/* header block over the limits: refuse (552) */
  DKIMMOD_VERIFYJOB_FAILED,      /* internal error: 451 */
} DkimmodVerifyJobResult;

/* Feed it with dkimmod_job_feed, free it with dkimmod_job_free. PEER
 * ("name[addr]" from XFORWARD, nullable) goes into the log line; the
 * caller gives it when there is no queue id (before-queue). */
DkimmodJob *dkimmod_verifyjob_new (const DkimmodVerifyEnv *env, DkimmodContext *ctx,
                                   const char *queue_id, const char *peer);

/* Ends the message. On DONE: *PREPEND (transfer full) holds our
 * Authentication-Results (and X-DKIM-Authentication-Results) fields,
 * *DROP (transfer none, sorted) the fields to leave out, *SUMMARY the
 * message's overall result. *DETAIL (transfer full) is the log text after
 * "DKIM verify - " (or the error). */
DkimmodVerifyJobResult dkimmod_verifyjob_finish (DkimmodJob *job, GBytes **prepend,
                                                 GArray **drop, DkimmodResult *summary,
                                                 char **detail);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_VERIFYJOB_H */
