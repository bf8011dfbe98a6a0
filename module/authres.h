/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	authres.h - Authentication-Results building and removal (the public API is in dkimmod.h)
 * DESCRIPTION
 *	Kept so that library units and tests can include one header per
 *	unit; the public declarations of this unit live in dkimmod.h, the
 *	two private helpers the other methods share are here.
 */
#ifndef DKIMMOD_AUTHRES_H
#define DKIMMOD_AUTHRES_H

#include <glib.h>

#include "verifier.h"

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

#endif /* DKIMMOD_AUTHRES_H */
