/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	authres.h - Authentication-Results building and removal (the public API is in dkimmod.h)
 * DESCRIPTION
 *	Kept so that library units and tests can include one header per
 *	unit; the public declarations of this unit live in dkimmod.h, the
 *	two private helpers the other methods share are here.
 *	The public part lives in dkimmod.h. Private: the pieces every
 *	method's resinfo is built from (words: "method=result", comments,
 *	properties quoted when they are not tokens) and the folding of
 *	several resinfos into one field.
 */
#ifndef DKIMMOD_AUTHRES_H
#define DKIMMOD_AUTHRES_H

#include <glib.h>

#include "verifier.h"

G_BEGIN_DECLS

/* Private, for every method's resinfo (dkim, spf, ...): VALUE appended
 * to OUT as an RFC 8601 pvalue: bare when it is a token (or with
 * IDENTITY an addr-spec of atext and dots), else a quoted-string with
 * CTLs dropped, so no value can inject ';' or CRLF into the field. */
void dkimmod_authres_append_pvalue (GString *out, const char *value, gboolean identity);

/* Private, for the other methods' resinfo: past RFC 5322 CFWS (WSP,
 * folding, nested comments) from P; NULL when a comment is unterminated. */
const char *dkimmod_authres_skip_cfws (const char *p, const char *end);
/* Appends "NAME=VALUE" (a char* for WORDS, g_free) with VALUE bare when
 * it is an RFC 2045 token, else an escaped quoted-string without CTLs. */
void dkimmod_authres_add_property (GPtrArray *words, const char *name, const char *value);
/* A resinfo is a GPtrArray of words (g_free'd strings). */
GPtrArray *dkimmod_authres_words_new (const char *method, const char *result);
/* Appends "NAME=VALUE", quoted unless a token (or, IDENTITY, a bare
 * local-part@domain). */
void dkimmod_authres_property (GPtrArray *words, const char *name, const char *value,
                               gboolean identity);
/* Appends "(TEXT)", escaped. */
void dkimmod_authres_comment (GPtrArray *words, const char *text);
/* One DKIM signature's resinfo, header.b unique among ALL_B. */
GPtrArray *dkimmod_authres_dkim_words (const DkimmodSignatureResult *r, const char *const *all_b,
                                       gsize n_all_b);
/* The whole field, folded, CRLF-terminated; "none" for N == 0. */
char *dkimmod_authres_field (const char *authserv_id, GPtrArray *const *resinfos, gsize n);
/* One resinfo on one line. */
char *dkimmod_authres_line (GPtrArray *words);

G_END_DECLS

#endif /* DKIMMOD_AUTHRES_H */
