/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	verifier.h - DKIM verification API (to be merged into dkimmod.h)
 * DESCRIPTION
 *	Plain C, like dkimmod.h. Call order for one message:
 *	  v = dkimmod_verifier_new (ctx, &opts);            (opts may be NULL)
 *	  dkimmod_verifier_add_header (v, field, len, &err); (each header field)
 *	  dkimmod_verifier_end_headers (v, &err);
 *	  for i < dkimmod_verifier_key_query_count (v):     (sans-I/O key lookups)
 *	    name = dkimmod_verifier_key_query_name (v, i);  "sel._domainkey.dom"
 *	    ... the host resolves NAME, now or while the body streams ...
 *	    dkimmod_verifier_key_answer (v, name, DKIMMOD_DNS_OK, txts, lens, n, 0, &err);
 *	  dkimmod_verifier_add_body (v, chunk, len, &err);  (any chunking)
 *	  dkimmod_verifier_finish (v, &err);
 *	  for i < dkimmod_verifier_result_count (v): dkimmod_verifier_result (v, i)
 *	  ar = dkimmod_verifier_authres (v, "mx.example.net", &err);
 *	  dkimmod_free (ar); dkimmod_verifier_free (v);
 *	Key lookups not answered by finish() give temperror.
 *	dkimmod_verifier_lookup_keys (v, resolver-or-keyfile) answers them all
 *	with a built-in source.
 */
#ifndef DKIMMOD_VERIFIER_H
#define DKIMMOD_VERIFIER_H

#include "dkimmod.h"
#include "keyfile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 8601 section 2.7.1 dkim result values. */
typedef enum {
  DKIMMOD_RESULT_NONE = 0,
  DKIMMOD_RESULT_PASS,
  DKIMMOD_RESULT_FAIL,
  DKIMMOD_RESULT_NEUTRAL,
  DKIMMOD_RESULT_POLICY,
  DKIMMOD_RESULT_TEMPERROR,
  DKIMMOD_RESULT_PERMERROR,
} DkimmodResult;

/* How a key lookup ended. */
typedef enum {
  DKIMMOD_DNS_OK = 0,       /* records supplied (possibly none: NODATA) */
  DKIMMOD_DNS_NXDOMAIN,     /* name does not exist: permerror, no key */
  DKIMMOD_DNS_SERVFAIL,     /* temperror */
  DKIMMOD_DNS_TIMEOUT,      /* temperror */
} DkimmodDnsStatus;

/* key_answer flags */
#define DKIMMOD_DNS_FLAG_SECURE (1u << 0)  /* DNSSEC-validated (AD from a trusted resolver) */

typedef struct {
  unsigned max_signatures;  /* signatures evaluated; default 5; more are ignored */
  int64_t clock_drift;      /* seconds tolerated for t= in the future and x=; default 300 */
  int accept_rsa_sha1;      /* 1: rsa-sha1 may pass (legacy); default 0 = policy */
  int accept_body_length;   /* 1: a body beyond l= may pass; default 0 = policy */
  void *reserved[6];        /* must be zero (options_init does it) */
} DkimmodVerifyOptions;

/* The outcome for one DKIM-Signature, in header order (top first). All
 * strings are owned by the verifier and NUL-terminated; those that the
 * signature did not carry are "". */
typedef struct {
  DkimmodResult result;
  const char *reason;       /* "" on pass; else why, for a postmaster */
  const char *domain;       /* d= */
  const char *identity;     /* i= as signed, or "@" d= when absent */
  const char *selector;     /* s= */
  const char *algorithm;    /* a= */
  const char *b;            /* b= without whitespace (for header.b) */
  unsigned key_bits;        /* 0 when no key was loaded */
  int testing;              /* key record t=y */
  int secure;               /* key came with DKIMMOD_DNS_FLAG_SECURE */
  int key_record;           /* index of the TXT record used, -1 when none */
} DkimmodSignatureResult;

typedef struct DkimmodVerifier DkimmodVerifier;

DKIMMOD_API const char *dkimmod_result_name (DkimmodResult result);
DKIMMOD_API void dkimmod_verify_options_init (DkimmodVerifyOptions *opts);

/* OPTS is copied; NULL means defaults. */
DKIMMOD_API DkimmodVerifier *dkimmod_verifier_new (DkimmodContext *ctx,
                                                   const DkimmodVerifyOptions *opts);
DKIMMOD_API int dkimmod_verifier_add_header (DkimmodVerifier *v, const char *field, size_t len,
                                             DkimmodError *err);
DKIMMOD_API int dkimmod_verifier_end_headers (DkimmodVerifier *v, DkimmodError *err);
/* Distinct key names needed, after end_headers. */
DKIMMOD_API size_t dkimmod_verifier_key_query_count (const DkimmodVerifier *v);
DKIMMOD_API const char *dkimmod_verifier_key_query_name (const DkimmodVerifier *v, size_t i);
/* 1 once lookup I has been answered. */
DKIMMOD_API int dkimmod_verifier_key_query_answered (const DkimmodVerifier *v, size_t i);
/* Answers one lookup: N TXT records (each its strings concatenated), any
 * time between end_headers and finish. NAME is compared case-insensitively. */
DKIMMOD_API int dkimmod_verifier_key_answer (DkimmodVerifier *v, const char *name,
                                             DkimmodDnsStatus status,
                                             const char *const *records, const size_t *lens,
                                             size_t n, unsigned flags, DkimmodError *err);
/* Answers every open lookup from a key file (missing names: NXDOMAIN). */
DKIMMOD_API int dkimmod_verifier_answer_from_key_file (DkimmodVerifier *v,
                                                       const DkimmodKeyFile *kf,
                                                       DkimmodError *err);
DKIMMOD_API int dkimmod_verifier_add_body (DkimmodVerifier *v, const void *data, size_t len,
                                           DkimmodError *err);
DKIMMOD_API int dkimmod_verifier_finish (DkimmodVerifier *v, DkimmodError *err);
DKIMMOD_API size_t dkimmod_verifier_result_count (const DkimmodVerifier *v);
DKIMMOD_API const DkimmodSignatureResult *dkimmod_verifier_result (const DkimmodVerifier *v,
                                                                   size_t i);
/* The message's overall outcome: PASS if any signature passed, else
 * TEMPERROR if any had a temporary error (retrying may pass), else FAIL,
 * POLICY, NEUTRAL, PERMERROR in that order of precedence; NONE when the
 * message had no signature. For DKIMproxy's X-DKIM-Authentication-Results
 * (pass|fail|none) and exit statuses. */
DKIMMOD_API DkimmodResult dkimmod_verifier_summary (const DkimmodVerifier *v);
/* Signature I's resinfo on one line (see dkimmod_authres_resinfo),
 * header.b unique among the message's signatures (transfer full). */
DKIMMOD_API char *dkimmod_verifier_resinfo (const DkimmodVerifier *v, size_t i);
/* The Authentication-Results field for this message, folded, ending in
 * CRLF (transfer full, dkimmod_free). */
DKIMMOD_API char *dkimmod_verifier_authres (const DkimmodVerifier *v, const char *authserv_id,
                                            DkimmodError *err);
DKIMMOD_API void dkimmod_verifier_free (DkimmodVerifier *v);

#if defined(DKIMMOD_COMPILATION)
/* Private (tests): distinct body hashers, one per (canon, hash, l=). */
size_t dkimmod_verifier_body_hash_count (const DkimmodVerifier *v);
#endif

#ifdef __cplusplus
}
#endif

#ifdef G_DEFINE_AUTOPTR_CLEANUP_FUNC
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodVerifier, dkimmod_verifier_free)
#endif

#endif /* DKIMMOD_VERIFIER_H */
