/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	check-risks.h - risky but valid setups, for "dkimmod check-config"
 */
#ifndef DKIMMOD_CHECK_RISKS_H
#define DKIMMOD_CHECK_RISKS_H

#include "config-load.h"

G_BEGIN_DECLS

/* Prints one warning per risk on stderr ("ORIGIN: warning: ...") and
 * returns their number. DNS: also check each selector's record (through
 * NAMESERVER, or resolv.conf when NULL). */
guint dkimmod_check_risks (const DkimmodConfig *cfg, DkimmodContext *ctx, gboolean dns,
                           const char *nameserver);

G_END_DECLS

#endif /* DKIMMOD_CHECK_RISKS_H */
