/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	linefold.h - lines over smtp_line_length_limit, shortened before
 *	signing the way the outbound Postfix smtp client would (dkimmod-spawn)
 */
#ifndef DKIMMOD_SPAWN_LINEFOLD_H
#define DKIMMOD_SPAWN_LINEFOLD_H

#include <glib.h>

G_BEGIN_DECLS

/* Receives a span of output bytes. */
typedef void (*DkimmodLinefoldOut) (const char *data, gsize len, gpointer user_data);

typedef struct {
  guint limit;              /* bytes per line without CRLF; 0: copy */
  gboolean in_body;         /* the empty line that ends the header was seen */
  gboolean cr;              /* a CR was the last byte, not yet known to end a line */
  GString *hold;            /* header: the current line (at most limit + 1 bytes) */
  guint col;                /* body: bytes on the current output line */
  gboolean line_folded;     /* this input line was folded at white space */
  gboolean line_broken;     /* this input line got a CRLF SP */
  guint folded;             /* input lines folded at white space only */
  guint broken;             /* input lines broken with CRLF SP */
} DkimmodLinefold;

/* LIMIT 0 turns the transformer into a copy. */
void dkimmod_linefold_init (DkimmodLinefold *f, guint limit);
/* Message content (CRLF lines, header then body), in any split. */
void dkimmod_linefold_feed (DkimmodLinefold *f, const char *data, gsize len,
                            DkimmodLinefoldOut out, gpointer user_data);
/* End of content: passes on what is still held. */
void dkimmod_linefold_finish (DkimmodLinefold *f, DkimmodLinefoldOut out, gpointer user_data);
void dkimmod_linefold_clear (DkimmodLinefold *f);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_LINEFOLD_H */
