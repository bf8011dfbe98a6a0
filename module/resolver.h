/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	resolver.h - the default DNS key lookup (to be merged into dkimmod.h)
 * DESCRIPTION
 *	A small stub resolver for TXT key records: one nameserver (the site's
 *	local recursive resolver, or a test server on loopback with a port),
 *	all of a message's queries in flight at once over UDP with EDNS0, TCP
 *	for truncated answers, one deadline for the whole message.
 */
#ifndef DKIMMOD_RESOLVER_H
#define DKIMMOD_RESOLVER_H

#include "verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DkimmodResolver DkimmodResolver;

/* NAMESERVER is "ADDR", "ADDR:PORT", "[V6ADDR]:PORT" or NULL for the first
 * nameserver of /etc/resolv.conf (else 127.0.0.1). TIMEOUT_MS is the
 * deadline per message (0: 5000). The AD bit (DNSSEC) is trusted only from
 * a loopback nameserver. */
DKIMMOD_API DkimmodResolver *dkimmod_resolver_new (const char *nameserver, unsigned timeout_ms,
                                                   DkimmodError *err);
DKIMMOD_API void dkimmod_resolver_free (DkimmodResolver *r);

/* Resolves every lookup the verifier still needs, concurrently, and
 * answers them (NXDOMAIN, SERVFAIL, TIMEOUT or the records). Blocks at
 * most the resolver's deadline. */
DKIMMOD_API int dkimmod_verifier_lookup_keys (DkimmodVerifier *v, DkimmodResolver *r,
                                              DkimmodError *err);

/* One TXT lookup: *RECORDS_OUT receives a NULL-terminated array of the
 * records, each with its strings concatenated (transfer full: free each
 * and the array with dkimmod_free), or NULL. */
DKIMMOD_API int dkimmod_resolver_query_txt (DkimmodResolver *r, const char *name,
                                            DkimmodDnsStatus *status, char ***records_out,
                                            unsigned *flags_out, DkimmodError *err);

#ifdef __cplusplus
}
#endif

#ifdef G_DEFINE_AUTOPTR_CLEANUP_FUNC
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodResolver, dkimmod_resolver_free)
#endif

#endif /* DKIMMOD_RESOLVER_H */
