/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	nexthop.h - SMTP client side of dkimmod-spawn: connect, replies, EHLO
 */
#ifndef DKIMMOD_SPAWN_NEXTHOP_H
#define DKIMMOD_SPAWN_NEXTHOP_H

#include <glib.h>

#include "smtp-io.h"

G_BEGIN_DECLS

/* Lines in one SMTP reply we accept from the next hop. */
#define DKIMMOD_SMTP_REPLY_LINES_MAX 100u

/* Extensions the filter may pass on (EHLO keywords). */
#define DKIMMOD_EXT_PIPELINING          (1u << 0)
#define DKIMMOD_EXT_SIZE                (1u << 1)
#define DKIMMOD_EXT_8BITMIME            (1u << 2)
#define DKIMMOD_EXT_SMTPUTF8            (1u << 3)
#define DKIMMOD_EXT_DSN                 (1u << 4)
#define DKIMMOD_EXT_ENHANCEDSTATUSCODES (1u << 5)
#define DKIMMOD_EXT_XFORWARD            (1u << 6)
/* Used with the next hop, never offered to the client (RFC 3030 BDAT). */
#define DKIMMOD_EXT_CHUNKING            (1u << 7)

/* Connects to SPEC ("host:port", "[addr]:port" or "unix:/path") within
 * TIMEOUT seconds; returns the socket or -1 with ERROR set. */
int dkimmod_nexthop_connect (const char *spec, guint timeout, GError **error);
/* "host:port" or "[addr]:port" into its parts (transfer full); FALSE when
 * SPEC is neither (also serve mode's --listen inet:...). */
gboolean dkimmod_split_host_port (const char *spec, char **host, char **port);

/* Reads one (multi-line) reply into REPLY, every line with its CRLF, as
 * received; *CODE is the three-digit code. A malformed reply is an error. */
gboolean dkimmod_smtp_read_reply (DkimmodStream *s, GString *reply, int *code, GError **error);

/* The next hop's EHLO reply reduced to the extensions we handle, with our
 * own XFORWARD line (DKIMMOD_XFORWARD_EHLO) at the end; *XFORWARD gets the
 * attributes the next hop's XFORWARD line announced (0: none), *EXT (when
 * not NULL) the DKIMMOD_EXT_* bits of everything it offers us. SIZE
 * becomes *LIMIT, the smaller non-zero of SIZE_MAX and the next hop's
 * SIZE minus HEADROOM (dkimmod_headroom_limit), announced also when the
 * next hop has none; *LIMIT is 0 when neither sets a limit. */
GString *dkimmod_ehlo_filter (const char *reply, guint64 size_max, guint64 headroom,
                              guint64 *limit, guint *xforward, guint *ext);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_NEXTHOP_H */
