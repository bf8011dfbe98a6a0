/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	verifier.h - private parts of the verifier (the public API is in dkimmod.h)
 * DESCRIPTION
 *	The public verification API (DkimmodVerifier, DkimmodResult,
 *	DkimmodVerifyOptions, DkimmodSignatureResult) lives in dkimmod.h;
 *	this header keeps what only the library and its tests may use.
 * NEVER
 *	Installed, or declare anything with DKIMMOD_API.
 */
#ifndef DKIMMOD_VERIFIER_H
#define DKIMMOD_VERIFIER_H

#include "dkimmod.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Private (auth.c): every DKIM-Signature's b= (for header.b uniqueness). */
const char *const *dkimmod_verifier_all_b (const DkimmodVerifier *v, gsize *n);

/* Private (tests): distinct body hashers, one per (canon, hash, l=). */
size_t dkimmod_verifier_body_hash_count (const DkimmodVerifier *v);

#ifdef __cplusplus
}
#endif

#endif /* DKIMMOD_VERIFIER_H */
