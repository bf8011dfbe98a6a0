/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dnsfile.h - DNS answers from a file, the private half
 * DESCRIPTION
 *	The public API (load, parse, answer, free) is in dkimmod.h; here is
 *	the lookup the key file (keyfile.c) and tests use.
 * NEVER
 *	Installed.
 */
#ifndef DKIMMOD_DNSFILE_H
#define DKIMMOD_DNSFILE_H

#include <glib.h>

#include "dkimmod.h"

G_BEGIN_DECLS

/* As dkimmod_dns_file_parse, errors naming ORIGIN ("key file"). */
DkimmodDnsFile *dkimmod_dns_file_parse_named (const char *text, size_t len, const char *origin,
                                              DkimmodError *err);
/* The answer for NAME/TYPE: the status, and for DKIMMOD_DNS_OK the
 * records (NULL-terminated, owned by F; NULL when none), their lengths
 * and number. */
DkimmodDnsStatus dkimmod_dns_file_lookup (const DkimmodDnsFile *f, const char *name,
                                          DkimmodDnsType type, const char *const **records_out,
                                          const gsize **lens_out, gsize *n_out);

G_END_DECLS

#endif /* DKIMMOD_DNSFILE_H */
