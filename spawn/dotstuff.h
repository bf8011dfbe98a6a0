/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dotstuff.h - SMTP DATA transparency: end-of-data detection,
 *	dot-unstuffing on input, dot-stuffing on output (dkimmod-spawn)
 */
#ifndef DKIMMOD_SPAWN_DOTSTUFF_H
#define DKIMMOD_SPAWN_DOTSTUFF_H

#include <glib.h>

G_BEGIN_DECLS

/* Receives a span of output bytes; a FALSE return stops dkimmod_stuff. */
typedef gboolean (*DkimmodEmitFunc) (const char *data, gsize len, gpointer user_data,
                                     GError **error);

typedef struct {
  int state;
} DkimmodUnstuffer;

typedef struct {
  gboolean at_line_start;
} DkimmodStuffer;

void dkimmod_unstuffer_init (DkimmodUnstuffer *u);
/* Consumes DATA up to and including the end-of-data line (then sets *END)
 * or all of it; passes the message content to EMIT (its return value is
 * ignored here). Returns the bytes consumed. */
gsize dkimmod_unstuff (DkimmodUnstuffer *u, const char *data, gsize len, gboolean *end,
                       DkimmodEmitFunc emit, gpointer user_data);

void dkimmod_stuffer_init (DkimmodStuffer *st);
/* Passes DATA to EMIT with a '.' added before every '.' that starts a line
 * (after CRLF, and also after a bare LF, see dotstuff.c). */
gboolean dkimmod_stuff (DkimmodStuffer *st, const char *data, gsize len, DkimmodEmitFunc emit,
                        gpointer user_data, GError **error);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_DOTSTUFF_H */
