/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	msgparse.h - split a raw message's header block into fields (private)
 * DESCRIPTION
 *	Shared by dkimmod-spawn and the CLI (linked from the static module
 *	library, never exported). Feed raw CRLF bytes in chunks of any size;
 *	the parser collects complete header fields (continuation lines
 *	included, each field keeping its CRLFs) until the empty line that ends
 *	the header block, then reports how many bytes it consumed so the
 *	caller treats the rest as body. A message with no empty line is all
 *	header (RFC 5322 permits no body).
 *	Also extracts the first mailbox address from From/Sender values.
 * SECURITY
 *	Bounded by DKIMMOD_LIMIT_HEADER_BYTES / _HEADER_COUNT (limits-private.h):
 *	over a limit is a G_IO_ERROR_MESSAGE_TOO_LARGE-style error, never
 *	unbounded memory.
 * NEVER
 *	Modify the bytes: signing needs the fields exactly as they will be sent.
 */
#ifndef DKIMMOD_MSGPARSE_H
#define DKIMMOD_MSGPARSE_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct DkimmodMsgParser DkimmodMsgParser;

DkimmodMsgParser *dkimmod_msgparser_new (void);
void dkimmod_msgparser_free (DkimmodMsgParser *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodMsgParser, dkimmod_msgparser_free)

/* Feeds header bytes. Returns how many bytes of DATA were consumed (all of
 * them until the header block ends); sets *done once the empty line (or
 * its CRLF) was consumed. Returns (gsize)-1 with ERROR set when a limit is
 * exceeded. */
gsize dkimmod_msgparser_feed (DkimmodMsgParser *p, const char *data, gsize len, gboolean *done,
                              GError **error);
/* Signals end of input: a pending last field (no empty line, no body) is
 * completed. */
void dkimmod_msgparser_finish (DkimmodMsgParser *p);

/* The fields in order: each a GBytes holding the complete field with its
 * CRLFs (the final CRLF included when present). Owned by the parser. */
GPtrArray *dkimmod_msgparser_fields (DkimmodMsgParser *p);
/* Number of fields named NAME (case-insensitive). */
guint dkimmod_msgparser_count (DkimmodMsgParser *p, const char *name);
/* The unfolded value of the first field named NAME (transfer full), or NULL. */
char *dkimmod_msgparser_value (DkimmodMsgParser *p, const char *name);

/* Splits FIELD into name and value bounds; FALSE when it has no colon or
 * the name is not RFC 5322 ftext. */
gboolean dkimmod_header_split (const char *field, gsize len, gsize *name_len, gsize *value_off);
/* FIELD (LEN bytes) is a field named NAME (ASCII case ignored); then
 * *VALUE_OFF (nullable) is where its value starts. */
gboolean dkimmod_header_is_named (const char *field, gsize len, const char *name,
                                  gsize *value_off);

/* The first mailbox's addr-spec in an RFC 5322 From/Sender value
 * ("Alice <a@example.net>", "a@example.net (Alice)", groups, quoted local
 * parts), lower-cased domain, or NULL when none (transfer full). */
/* The addr-specs of an address list (at most MAX), in order (transfer full). */
GPtrArray *dkimmod_address_list (const char *value, guint max);
char *dkimmod_address_first (const char *value);
/* Pointer to the domain part of ADDRESS (after the last '@'), or ADDRESS
 * itself when it has no '@'. */
const char *dkimmod_address_domain (const char *address);

G_END_DECLS

#endif /* DKIMMOD_MSGPARSE_H */
