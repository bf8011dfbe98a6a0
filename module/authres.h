/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	authres.h - Authentication-Results building and removal (the public API is in dkimmod.h)
 * DESCRIPTION
 *	Kept so that library units and tests can include one header per
 *	unit; the public declarations of this unit live in dkimmod.h.
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

#endif /* DKIMMOD_AUTHRES_H */
