/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	authres.h - Authentication-Results building and removal (the public API is in dkimmod.h)
 * DESCRIPTION
 *	Kept so that library units and tests can include one header per
 *	unit; every declaration of this unit is public and lives in dkimmod.h.
 */
#ifndef DKIMMOD_AUTHRES_H
#define DKIMMOD_AUTHRES_H

#include "verifier.h"

#endif /* DKIMMOD_AUTHRES_H */
