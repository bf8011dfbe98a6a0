/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	headroom.h - bytes dkimmod-spawn may add to a message, and the SIZE
 *	it can therefore accept
 */
#ifndef DKIMMOD_SPAWN_HEADROOM_H
#define DKIMMOD_SPAWN_HEADROOM_H

#include <glib.h>

G_BEGIN_DECLS

/* Longest header field name the signing bound assumes in h= (the longest
 * registered field names are around 30 bytes; h= holds at most
 * DKIMMOD_LIMIT_SIGNED_HEADERS names). */
#define DKIMMOD_HEADROOM_H_NAME_BYTES 40u
/* Longest reason= text an Authentication-Results resinfo carries. */
#define DKIMMOD_HEADROOM_REASON_BYTES 200u

/* The largest set of DKIM-Signature fields one sender_map entry can
 * produce (DKIMMOD_LIMIT_SIGNATURES signatures with 8192-bit RSA keys). */
guint64 dkimmod_headroom_signing (void);

/* The largest Authentication-Results field (MAX_SIGNATURES dkim=
 * resinfos, spf=, dmarc=, arc=), twice with X-DKIM-Authentication-Results
 * (X_HEADER), and the quarantine field. */
guint64 dkimmod_headroom_verifying (guint max_signatures, gboolean x_header);

/* What we advertise and accept: the smaller non-zero of SIZE_MAX
 * (message_size_max) and NEXT_SIZE (the next hop's SIZE) minus HEADROOM,
 * at least 1; 0 when neither is set (no limit announced). */
guint64 dkimmod_headroom_limit (guint64 size_max, guint64 next_size, guint64 headroom);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_HEADROOM_H */
