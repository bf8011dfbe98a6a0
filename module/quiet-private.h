/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	quiet-private.h - precondition checks that never print (private)
 * DESCRIPTION
 *	Included before every source file of module/ (meson.build passes
 *	-include). GLib's g_return_if_fail and g_return_val_if_fail log a
 *	critical, which GLib's default handler writes to stderr: in a host
 *	that may be a socket (spawn(8) makes it the SMTP connection) or a
 *	terminal the library does not own. Here they return their value
 *	just the same, without a word: every public function documents what
 *	it returns for a bad argument, and those taking a DkimmodError set
 *	DKIMMOD_E_INVAL. (G_DISABLE_CHECKS would remove the checks as well.)
 * NEVER
 *	Print; drop the check itself.
 */
#ifndef DKIMMOD_QUIET_PRIVATE_H
#define DKIMMOD_QUIET_PRIVATE_H

#include <glib.h>

#undef g_return_if_fail
#undef g_return_val_if_fail
#define g_return_if_fail(expr) \
  G_STMT_START { if (G_UNLIKELY (!(expr))) return; } G_STMT_END
#define g_return_val_if_fail(expr, val) \
  G_STMT_START { if (G_UNLIKELY (!(expr))) return (val); } G_STMT_END

#endif /* DKIMMOD_QUIET_PRIVATE_H */
