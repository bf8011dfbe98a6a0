/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyfile.h - key records from a file, for offline use and tests (to be merged into dkimmod.h)
 */
#ifndef DKIMMOD_KEYFILE_H
#define DKIMMOD_KEYFILE_H

#include "dkimmod.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DkimmodKeyFile DkimmodKeyFile;

/* --- key file (keyfile.c) ----------------------------------------------- */
/* Lines "selector._domainkey.domain record-text" (OpenDKIM TestPublicKeys);
 * the record may be quoted strings, concatenated. '#' starts a comment. */
DKIMMOD_API DkimmodKeyFile *dkimmod_key_file_load (const char *path, DkimmodError *err);
DKIMMOD_API DkimmodKeyFile *dkimmod_key_file_parse (const char *text, size_t len,
                                                    DkimmodError *err);
/* Records for NAME (case-insensitive, trailing dot ignored): returns
 * their number; *records_out (may be NULL) points at an owned array. */
DKIMMOD_API size_t dkimmod_key_file_lookup (const DkimmodKeyFile *kf, const char *name,
                                            const char *const **records_out);
DKIMMOD_API void dkimmod_key_file_free (DkimmodKeyFile *kf);


#ifdef __cplusplus
}
#endif

#ifdef G_DEFINE_AUTOPTR_CLEANUP_FUNC
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodKeyFile, dkimmod_key_file_free)
#endif

#endif /* DKIMMOD_KEYFILE_H */
