/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyfile.h - key records from a file (the public API is in dkimmod.h)
 * DESCRIPTION
 *	A key file is a DNS file (dnsfile.h); the public declarations of
 *	this unit live in dkimmod.h. Private: the DNS file behind it.
 */
#ifndef DKIMMOD_KEYFILE_H
#define DKIMMOD_KEYFILE_H

#include "verifier.h"

/* The DNS file the key file is (owned by KF). */
const DkimmodDnsFile *dkimmod_key_file_dns (const DkimmodKeyFile *kf);

#endif /* DKIMMOD_KEYFILE_H */
