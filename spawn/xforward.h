/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	xforward.h - Postfix's XFORWARD attributes: parse, check, pass on
 *	(dkimmod-spawn)
 */
#ifndef DKIMMOD_SPAWN_XFORWARD_H
#define DKIMMOD_SPAWN_XFORWARD_H

#include <glib.h>

G_BEGIN_DECLS

/* The attributes Postfix's smtpd announces and its smtp client and
 * before-queue proxy client send (XFORWARD_README). */
typedef enum {
  DKIMMOD_XF_NAME,
  DKIMMOD_XF_ADDR,
  DKIMMOD_XF_PORT,
  DKIMMOD_XF_PROTO,
  DKIMMOD_XF_HELO,
  DKIMMOD_XF_IDENT,
  DKIMMOD_XF_SOURCE,
  DKIMMOD_XF_COUNT
} DkimmodXforwardAttr;

#define DKIMMOD_XF_BIT(a) (1u << (a))
#define DKIMMOD_XF_ALL    ((1u << DKIMMOD_XF_COUNT) - 1u)

/* Our EHLO line: every attribute, as Postfix's smtpd announces them. */
#define DKIMMOD_XFORWARD_EHLO "XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT"

/* Values as decoded and checked: NULL when not sent; "[UNAVAILABLE]" or
 * "[TEMPUNAVAIL]" kept as such (they are passed on as such). */
typedef struct {
  char *value[DKIMMOD_XF_COUNT];
} DkimmodXforward;

void dkimmod_xforward_clear (DkimmodXforward *xf);

/* Checks every attribute of LINE ("XFORWARD NAME=VALUE ..."), as
 * Postfix's smtpd does. TRUE: they are in *CMD (cleared first; the
 * caller merges them with dkimmod_xforward_merge once the command is
 * accepted). FALSE: *REPLY (transfer full) is the 501 refusal and *CMD
 * is cleared. */
gboolean dkimmod_xforward_parse (const char *line, DkimmodXforward *cmd, char **reply);

/* Moves the attributes set in FROM into INTO (replacing earlier values:
 * XFORWARD is incremental); FROM is cleared. */
void dkimmod_xforward_merge (DkimmodXforward *into, DkimmodXforward *from);

/* The attributes the next hop announced in its EHLO keyword line TEXT
 * ("XFORWARD NAME ADDR ..."), as DKIMMOD_XF_BIT mask. */
guint dkimmod_xforward_announced (const char *text);

/* The XFORWARD command (no CRLF) with CMD's attributes that are in MASK,
 * xtext-encoded; NULL when none is left. */
char *dkimmod_xforward_command (const DkimmodXforward *cmd, guint mask);

/* TRUE when any attribute was sent (in this transaction: the session
 * clears them at its end, as Postfix's smtpd does). */
gboolean dkimmod_xforward_sent (const DkimmodXforward *xf);

/* A usable value: NULL when not sent or [UNAVAILABLE]/[TEMPUNAVAIL]. */
const char *dkimmod_xforward_known (const DkimmodXforward *xf, DkimmodXforwardAttr a);

/* ADDR as an IP address in inet_ntop form (the "IPv6:" prefix removed),
 * or NULL when the client address is unknown (transfer full). */
char *dkimmod_xforward_client_ip (const DkimmodXforward *xf);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_XFORWARD_H */
