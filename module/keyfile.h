/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyfile.h - key records from a file (the public API is in dkimmod.h)
 * DESCRIPTION
 *	Kept so that library units and tests can include one header per
 *	unit; every declaration of this unit is public and lives in dkimmod.h.
 */
#ifndef DKIMMOD_KEYFILE_H
#define DKIMMOD_KEYFILE_H

#include "verifier.h"

#endif /* DKIMMOD_KEYFILE_H */
