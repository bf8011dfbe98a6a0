/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyrecord-cache.h - key records parsed once per context (keyrecord-cache.c)
 */
#ifndef DKIMMOD_KEYRECORD_CACHE_H
#define DKIMMOD_KEYRECORD_CACHE_H

#include "dkimmod.h"
#include "keyrecord.h"

G_BEGIN_DECLS

/* The record TXT (LEN bytes) as dkimmod_key_record_parse gives it, from
 * CTX's cache when the same text was parsed before (CTX NULL: parsed, not
 * cached); the caller's own copy (transfer full). */
DkimmodKeyRecord *dkimmod_context_key_record (DkimmodContext *ctx, const char *txt, gsize len,
                                              guint *bits_out, GError **error);
/* Records in CTX's cache (tests). */
guint dkimmod_context_key_record_cache_size (DkimmodContext *ctx);

G_END_DECLS

#endif /* DKIMMOD_KEYRECORD_CACHE_H */
