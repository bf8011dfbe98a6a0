/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	resolver.h - the default DNS key lookup (the public API is in dkimmod.h)
 * DESCRIPTION
 *	Kept so that library units and tests can include one header per
 *	unit; the public declarations of this unit live in dkimmod.h.
 */
#ifndef DKIMMOD_RESOLVER_H
#define DKIMMOD_RESOLVER_H

#include "verifier.h"

/* A resolver configured from PATH in resolv.conf(5) form (nameserver
 * lines, up to three, and options timeout:N attempts:N rotate); the
 * loopback nameserver when PATH has none. dkimmod_resolver_new (NULL)
 * reads /etc/resolv.conf this way; tests give their own file. A
 * nameserver line may name a port ("127.0.0.1:5353"), an extension
 * glibc does not have. */
DkimmodResolver *dkimmod_resolver_new_from_conf (const char *path, unsigned timeout_ms);

#endif /* DKIMMOD_RESOLVER_H */
