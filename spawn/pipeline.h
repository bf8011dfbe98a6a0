/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	pipeline.h - commands answered at once and sent to the next hop with
 *	the next exchange (RFC 2920), dkimmod-spawn
 */
#ifndef DKIMMOD_SPAWN_PIPELINE_H
#define DKIMMOD_SPAWN_PIPELINE_H

#include <glib.h>

#include "smtp-io.h"

G_BEGIN_DECLS

/* Commands held at once: a Postfix client sends one or two XFORWARD lines
 * and one MAIL before the first RCPT. More go out at once. */
#define DKIMMOD_PIPELINE_MAX 4u

typedef struct {
  char *line[DKIMMOD_PIPELINE_MAX];   /* without CRLF */
  const char *what[DKIMMOD_PIPELINE_MAX]; /* "XFORWARD", "MAIL FROM": log and soften */
  guint n;
} DkimmodPipeline;

/* Whether there is room for one more command. */
gboolean dkimmod_pipeline_room (const DkimmodPipeline *p);
/* Holds LINE (copied); WHAT is a static name. Needs room. */
void dkimmod_pipeline_hold (DkimmodPipeline *p, const char *line, const char *what);
/* Queues every held line on S (one write with the command after them);
 * they stay held until dkimmod_pipeline_clear, so a new connection can
 * get them again. */
gboolean dkimmod_pipeline_queue (const DkimmodPipeline *p, DkimmodStream *s, GError **error);
/* Forgets the held lines (sent and answered, or never to be sent). */
void dkimmod_pipeline_clear (DkimmodPipeline *p);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_PIPELINE_H */
