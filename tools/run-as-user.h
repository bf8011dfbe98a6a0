/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	run-as-user.h - check files as the filter's user (run-as-user.c)
 */
#ifndef DKIMMOD_RUN_AS_USER_H
#define DKIMMOD_RUN_AS_USER_H

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* SPEC is "NAME" or "NAME:GROUP", as spawn(8)'s user= attribute. Fills
 * the uid and the one gid spawn(8) gives the process (GROUP, else NAME's
 * login group); FALSE with ERROR when the user or group does not exist. */
gboolean dkimmod_user_lookup (const char *spec, uid_t *uid, gid_t *gid, GError **error);
/* Runs FN (DATA) in a forked child with exactly the ids spawn(8) gives
 * the filter for SPEC (setgroups to the one gid, setgid, setuid), and
 * returns the child's exit status; EX_NOUSER when SPEC is unknown,
 * EX_OSERR when the switch fails. Standard output is flushed first. */
int dkimmod_run_as_user (const char *spec, int (*fn) (gpointer data), gpointer data,
                         GError **error);

G_END_DECLS

#endif /* DKIMMOD_RUN_AS_USER_H */
