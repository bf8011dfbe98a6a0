/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	authres.h - RFC 8601 Authentication-Results building and removal (to be merged into dkimmod.h)
 */
#ifndef DKIMMOD_AUTHRES_H
#define DKIMMOD_AUTHRES_H

#include "verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- Authentication-Results helpers (authres.c) ------------------------- */
/* Builds "Authentication-Results: ID; dkim=..." for N results (N == 0:
 * dkim=none), header.b shortened to the shortest unique prefix of at least
 * 8 characters among ALL_B (N_ALL_B values; may be the results' own). */
DKIMMOD_API char *dkimmod_authres_format (const char *authserv_id,
                                          const DkimmodSignatureResult *results, size_t n,
                                          const char *const *all_b, size_t n_all_b);
/* One resinfo on one line, "dkim=fail (1024-bit key) reason=... header.d=...",
 * for logs and the CLI (transfer full, dkimmod_free). */
DKIMMOD_API char *dkimmod_authres_resinfo (const DkimmodSignatureResult *result,
                                           const char *const *all_b, size_t n_all_b);
/* 1 when FIELD is an Authentication-Results field whose authserv-id is
 * AUTHSERV_ID (case-insensitive): the host removes it (RFC 8601 section 5). */
DKIMMOD_API int dkimmod_authres_is_ours (const char *field, size_t len, const char *authserv_id);


#ifdef __cplusplus
}
#endif

#endif /* DKIMMOD_AUTHRES_H */
