/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	run-as-user.c - check files as the user the spawn service runs as
 * SYNOPSIS
 *	dkimmod_user_lookup, dkimmod_run_as_user
 * DESCRIPTION
 *	Root can read every key, so a check run as root says nothing about
 *	the filter. spawn(8) runs the filter with the uid of user= and one
 *	group only (user=NAME:GROUP, else NAME's login group: Postfix's
 *	set_ugid calls setgroups with that one gid), so the check runs in a
 *	forked child that takes exactly those ids; the kernel's answers are
 *	then the filter's answers (no emulation of permission bits).
 * STANDARDS
 *	spawn(8), user= attribute.
 * NEVER
 *	Change the ids of the calling process; keep supplementary groups
 *	root had.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "run-as-user.h"

gboolean
dkimmod_user_lookup (const char *spec, uid_t *uid, gid_t *gid, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (spec, ":", 2);
  struct passwd *pw = parts[0] ? getpwnam (parts[0]) : NULL;

  if (pw == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "user %s does not exist: create it (adduser --system --group "
                   "--no-create-home --home /nonexistent %s)", parts[0] ? parts[0] : "",
                   parts[0] ? parts[0] : "NAME");
      return FALSE;
    }
  *uid = pw->pw_uid;
  *gid = pw->pw_gid;
  if (parts[0] && parts[1])
    {
      struct group *gr = getgrnam (parts[1]);

      if (gr == NULL)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "group %s (of user=%s) does "
                       "not exist", parts[1], spec);
          return FALSE;
        }
      *gid = gr->gr_gid;
    }
  return TRUE;
}

int
dkimmod_run_as_user (const char *spec, int (*fn) (gpointer data), gpointer data, GError **error)
{
  uid_t uid;
  gid_t gid;
  pid_t pid;
  int status = 0;

  if (!dkimmod_user_lookup (spec, &uid, &gid, error))
    return EX_NOUSER;
  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid < 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "fork: %s", g_strerror (errno));
      return EX_OSERR;
    }
  if (pid == 0)
    {
      int rc;

      if (setgroups (1, &gid) != 0 || setgid (gid) != 0 || setuid (uid) != 0
          || (uid != 0 && setuid (0) == 0))
        {
          fprintf (stderr, "dkimmod: cannot switch to user %s: %s\n", spec, g_strerror (errno));
          _exit (EX_OSERR);
        }
      rc = fn (data);
      fflush (stdout);
      fflush (stderr);
      _exit (rc);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "waitpid: %s", g_strerror (errno));
        return EX_OSERR;
      }
  return WIFEXITED (status) ? WEXITSTATUS (status) : EX_SOFTWARE;
}
