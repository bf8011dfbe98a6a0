/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	check-bypass.h - Postfix mail that skips the signing filter, for "dkimmod check-config"
 */
#ifndef DKIMMOD_CHECK_BYPASS_H
#define DKIMMOD_CHECK_BYPASS_H

#include <glib.h>

G_BEGIN_DECLS

/* With a signing dkimmod-spawn in the master.cf of POSTFIX_DIR (NULL: the
 * Postfix of MAIL_CONFIG, else the default one; read with postconf): one
 * warning on stderr per path that bypasses it (pickup; bounce, defer,
 * trace) and their number; 0 without postconf or such a filter. */
guint dkimmod_check_bypass (const char *postfix_dir);

G_END_DECLS

#endif /* DKIMMOD_CHECK_BYPASS_H */
