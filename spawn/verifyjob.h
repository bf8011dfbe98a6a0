/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	verifyjob.h - authenticate one message as it streams in (dkimmod-spawn)
 */
#ifndef DKIMMOD_SPAWN_VERIFYJOB_H
#define DKIMMOD_SPAWN_VERIFYJOB_H

#include <glib.h>

#include "config-load.h"
#include "dkimmod.h"
#include "job.h"

G_BEGIN_DECLS

/* What verify mode sets up once per process: the methods and their
 * options, the DNS source, our authserv-id, the actions. */
typedef struct {
  DkimmodVerifyOptions opts;  /* DKIM's (max_signatures sizes the headroom) */
  DkimmodAuthOptions auth;    /* methods, DKIM options, DMARC overrides */
  char **allow_domains;       /* auth.dmarc_allow_domains points here */
  char **trusted_sealers;     /* auth.dmarc_trusted_sealers points here */
  char *authserv_id;
  DkimmodResolver *resolver;  /* NULL when key_file is used */
  DkimmodDnsFile *dns_file;   /* verifying.key_file: a DNS file (key-file lines too) */
  gboolean x_header;          /* add X-DKIM-Authentication-Results */
  DkimmodVerifyAction on_temperror;       /* accept or tempfail (451 4.7.5) */
  DkimmodVerifyAction on_fail;            /* DKIM: accept or reject (550 5.7.20) */
  DkimmodVerifyAction on_dmarc_reject;    /* accept or reject (550 5.7.1) */
  DkimmodVerifyAction on_dmarc_quarantine;/* accept or header */
  char *quarantine_header;
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

/* The SMTP session's part of the message: from XFORWARD (ADDR, HELO)
 * and MAIL FROM. Each may be NULL (unknown). */
typedef struct {
  const char *client_ip;      /* an IP address, no "IPv6:" prefix */
  const char *helo;
  const char *mail_from;      /* the reverse-path, "" for <> */
} DkimmodVerifyEnvelope;

typedef enum {
  DKIMMOD_VERIFYJOB_DONE,        /* results ready: relay with the fields added */
  DKIMMOD_VERIFYJOB_HEADER_LIMIT,/* header block over the limits: refuse (552) */
  DKIMMOD_VERIFYJOB_FAILED,      /* internal error: 451 */
} DkimmodVerifyJobResult;

/* What the results mean for the message (data.c decides the reply). */
typedef struct {
  DkimmodResult dkim;         /* the DKIM summary */
  gboolean temperror;         /* SPF or DMARC said temperror (DKIM's is in .dkim) */
  gboolean dmarc_reject;      /* dmarc=fail and the disposition is reject */
  gboolean dmarc_quarantine;  /* dmarc=fail and the disposition is quarantine */
  char *dmarc_domain;         /* the author domain, sanitised, for replies and logs */
} DkimmodVerifyOutcome;

void dkimmod_verify_outcome_clear (DkimmodVerifyOutcome *out);

/* Feed it with dkimmod_job_feed, free it with dkimmod_job_free. PEER
 * ("name[addr]" from XFORWARD, nullable) goes into the log line; the
 * caller gives it when there is no queue id (before-queue). ENVELOPE is
 * copied; SPF's questions are asked here. */
DkimmodJob *dkimmod_verifyjob_new (const DkimmodVerifyEnv *env, DkimmodContext *ctx,
                                   const char *queue_id, const char *peer,
                                   const DkimmodVerifyEnvelope *envelope);

/* Ends the message. On DONE: *PREPEND (transfer full) holds our
 * Authentication-Results field (and X-DKIM-Authentication-Results, and
 * the quarantine field when on_dmarc_quarantine = header asks for it),
 * *DROP (transfer none, sorted) the fields to leave out, *OUT what the
 * results mean. *DETAIL (transfer full) is the log text after
 * "DKIM verify - " (or the error). */
DkimmodVerifyJobResult dkimmod_verifyjob_finish (DkimmodJob *job, GBytes **prepend,
                                                 GArray **drop, DkimmodVerifyOutcome *out,
                                                 char **detail);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_VERIFYJOB_H */
