/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	resolver.h - the default DNS key lookup (the public API is in dkimmod.h)
 * DESCRIPTION
 *	Kept so that library units and tests can include one header per
 *	unit; every declaration of this unit is public and lives in dkimmod.h.
 */
#ifndef DKIMMOD_RESOLVER_H
#define DKIMMOD_RESOLVER_H

#include "verifier.h"

#endif /* DKIMMOD_RESOLVER_H */
