/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	key-access.c - who may read and replace a private key file
 * SYNOPSIS
 *	dkimmod_key_check_access, dkimmod_key_check_owner,
 *	dkimmod_key_check_mode, dkimmod_path_explain_denied
 * DESCRIPTION
 *	The permission rule for key files, one place for the filter, the
 *	CLI and check-config. A key opened as PATH is accepted when:
 *	- the file is owned by root or by the effective uid ("the filter's
 *	  user"), and its mode gives others nothing (no r, no w);
 *	- group bits are set only for a group the process is in (its
 *	  effective gid or a supplementary group: Kubernetes' fsGroup, the
 *	  group of spawn's user=), so root:dkimmod 0440 passes; a foreign
 *	  group may read (never write) only with
 *	  DKIMMOD_KEY_ALLOW_GROUP_READABLE;
 *	- every directory on its resolved path (symbolic links followed
 *	  one component at a time, as the kernel does: a Kubernetes secret
 *	  mount is "key -> ..data/key", "..data -> ..2026_12_02_10_00_00.1")
 *	  and every symbolic link on the way is owned by root or the
 *	  filter's user, and no directory can be written by others or by a
 *	  foreign group, unless it is sticky (then only the owner of an
 *	  entry can rename or remove it, and those owners are checked).
 *	Whoever can write a directory on the path can swap the key for one
 *	of their own, so the rule is about the whole path, not the file.
 *	dkimmod_path_explain_denied names the component that denies the
 *	effective ids access (search on a directory, read on the file) when
 *	open(2) said EACCES.
 * DIAGNOSTICS
 *	DKIMMOD_E_KEY naming the component, its owner and mode, and the
 *	command that fixes it.
 * NEVER
 *	Trust a name that another user can change; print anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "key-private.h"

/* Symbolic links followed before giving up (the kernel's limit). */
#define KEY_PATH_MAX_LINKS 40

/* in_own_groups - GID is the effective gid or a supplementary group */
static gboolean
in_own_groups (gid_t gid)
{
  gid_t groups[NGROUPS_MAX];
  int n;

  if (gid == getegid ())
    return TRUE;
  n = getgroups (G_N_ELEMENTS (groups), groups);
  for (int i = 0; i < n; i++)
    if (groups[i] == gid)
      return TRUE;
  return FALSE;
}

/* id_text - "uid 998 (dkimmod)": the number always, the name when known */
static char *
uid_text (uid_t uid)
{
  struct passwd *pw = getpwuid (uid);

  return pw ? g_strdup_printf ("uid %lu (%s)", (unsigned long) uid, pw->pw_name)
            : g_strdup_printf ("uid %lu", (unsigned long) uid);
}

static char *
gid_text (gid_t gid)
{
  struct group *gr = getgrgid (gid);

  return gr ? g_strdup_printf ("gid %lu (%s)", (unsigned long) gid, gr->gr_name)
            : g_strdup_printf ("gid %lu", (unsigned long) gid);
}

/* dkimmod_key_check_owner - refuses a key owned by a uid other than root
 * or ours: whoever owns the file can change its mode or replace it, so a
 * key of another account (nobody, a mailbox user) is not ours to trust */
gboolean
dkimmod_key_check_owner (const char *path, uid_t owner, unsigned mode, GError **error)
{
  uid_t self = geteuid ();

  if (owner == 0 || owner == self)
    return TRUE;
  if (self == 0)
    /* root checking the filter's keys (check-config, sign): chown would
     * take them away from the filter; check as the filter's user instead */
    g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                 "private key %s is owned by uid %lu (mode %04o), not by root or by this "
                 "process's uid 0: check it as the key's user (dkimmod check-config --user "
                 "NAME, or runuser -u NAME -- ...)",
                 path, (unsigned long) owner, mode & 07777);
  else
    g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                 "private key %s is owned by uid %lu (mode %04o), not by root or by this "
                 "process's uid %lu: chown it to %lu (mode 0600) or to root:%lu (mode 0440)",
                 path, (unsigned long) owner, mode & 07777, (unsigned long) self,
                 (unsigned long) self, (unsigned long) getegid ());
  return FALSE;
}

/* dkimmod_key_check_mode - others get nothing; group bits only for our
 * own group (read for a foreign group with ALLOW_GROUP_READABLE) */
gboolean
dkimmod_key_check_mode (const char *path, unsigned mode, gid_t group, unsigned flags,
                        GError **error)
{
  if ((mode & (S_IROTH | S_IWOTH)) != 0)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                   "private key %s is accessible by others (mode %04o): run `chmod 600 %s` "
                   "(or 0440 with the filter's group)", path, mode & 07777, path);
      return FALSE;
    }
  if ((mode & (S_IRGRP | S_IWGRP)) == 0 || in_own_groups (group))
    return TRUE;
  if ((mode & S_IWGRP) == 0 && (flags & DKIMMOD_KEY_ALLOW_GROUP_READABLE) != 0)
    return TRUE;
  {
    g_autofree char *g = gid_text (group);

    g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                 "private key %s is accessible by its group %s (mode %04o), not a group of "
                 "this process: run `chmod 600 %s`, or chgrp it to one%s", path, g,
                 mode & 07777, path,
                 (mode & S_IWGRP) ? " and `chmod g-w` it" : " (or allow group-readable keys)");
  }
  return FALSE;
}

/* check_component - one directory or symbolic link NAME on the path of
 * the key PATH: owned by root or us; a directory not writable by others
 * or a foreign group unless sticky */
static gboolean
check_component (const char *path, const char *name, const struct stat *st, GError **error)
{
  uid_t self = geteuid ();
  const char *what = S_ISLNK (st->st_mode) ? "symbolic link" : "directory";
  unsigned mode = st->st_mode & 07777;

  if (st->st_uid != 0 && st->st_uid != self)
    {
      g_autofree char *owner = uid_text (st->st_uid);

      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                   "private key %s: %s %s on its path is owned by %s (mode %04o), not root or "
                   "uid %lu, who could replace the key: `chown root` it", path, what, name,
                   owner, mode, (unsigned long) self);
      return FALSE;
    }
  if (S_ISLNK (st->st_mode) || (mode & S_ISVTX) != 0)
    return TRUE;
  if ((mode & S_IWOTH) != 0)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                   "private key %s: directory %s on its path is writable by others (mode "
                   "%04o), who could replace the key: `chmod o-w` it", path, name, mode);
      return FALSE;
    }
  if ((mode & S_IWGRP) != 0 && !in_own_groups (st->st_gid))
    {
      g_autofree char *g = gid_text (st->st_gid);

      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY,
                   "private key %s: directory %s on its path is writable by group %s (mode "
                   "%04o), who could replace the key: `chmod g-w` it", path, name, g, mode);
      return FALSE;
    }
  return TRUE;
}

/* push_components - puts the components of TEXT in front of TODO */
static void
push_components (GQueue *todo, const char *text)
{
  g_auto (GStrv) parts = g_strsplit (text, "/", -1);

  for (gint i = (gint) g_strv_length (parts) - 1; i >= 0; i--)
    if (parts[i][0] != '\0' && strcmp (parts[i], ".") != 0)
      g_queue_push_head (todo, g_strdup (parts[i]));
}

/* check_path - walks PATH from "/" as the kernel resolves it, checking
 * every directory and symbolic link on the way; the last component (the
 * file itself) is checked by the caller on the opened descriptor */
static gboolean
check_path (const char *path, GError **error)
{
  g_autoptr (GQueue) todo = g_queue_new ();
  g_autoptr (GString) cur = g_string_new ("/");
  g_autofree char *cwd = NULL;
  struct stat st;
  guint links = 0;
  gboolean ok = TRUE;

  if (!g_path_is_absolute (path))
    {
      cwd = g_get_current_dir ();
      push_components (todo, cwd);
    }
  push_components (todo, path);
  if (lstat ("/", &st) == 0 && !check_component (path, "/", &st, error))
    return FALSE;
  while (ok && !g_queue_is_empty (todo))
    {
      g_autofree char *c = g_queue_pop_head (todo);
      gsize keep = cur->len;

      if (strcmp (c, "..") == 0)
        {
          /* CUR holds no symbolic links, so its parent is textual */
          char *slash = strrchr (cur->str, '/');

          g_string_truncate (cur, slash == cur->str ? 1 : (gsize) (slash - cur->str));
          continue;
        }
      if (cur->len > 1)
        g_string_append_c (cur, '/');
      g_string_append (cur, c);
      if (lstat (cur->str, &st) != 0)
        break; /* open(2) succeeded on a name that is gone now: fstat decides */
      if (g_queue_is_empty (todo) && !S_ISLNK (st.st_mode))
        break; /* the file itself */
      if (!check_component (path, cur->str, &st, error))
        ok = FALSE;
      else if (S_ISLNK (st.st_mode))
        {
          char target[PATH_MAX];
          ssize_t n = readlink (cur->str, target, sizeof target - 1);

          if (n < 0 || ++links > KEY_PATH_MAX_LINKS)
            break;
          target[n] = '\0';
          if (target[0] == '/')
            g_string_assign (cur, "/");
          else
            g_string_truncate (cur, keep);
          push_components (todo, target);
        }
    }
  return ok;
}

gboolean
dkimmod_key_check_access (const char *path, const struct stat *st, unsigned flags,
                          GError **error)
{
  return dkimmod_key_check_owner (path, st->st_uid, st->st_mode, error)
         && dkimmod_key_check_mode (path, st->st_mode, st->st_gid, flags, error)
         && check_path (path, error);
}

char *
dkimmod_path_explain_denied (const char *path)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *who = uid_text (geteuid ());
  g_autofree char *grp = gid_text (getegid ());
  struct group *own = getgrgid (getegid ());
  /* copied now: getgrgid's buffer is reused below */
  g_autofree char *mine = own ? g_strdup (own->gr_name)
                              : g_strdup_printf ("%lu", (unsigned long) getegid ());
  g_auto (GStrv) parts = g_strsplit (abs, "/", -1);
  g_autoptr (GString) cur = g_string_new ("");
  guint n = g_strv_length (parts);

  /* Textual walk: a directory refusing search is found on the way; past
   * a symbolic link the kernel's answer for the whole name is used. */
  for (guint i = 0; i < n; i++)
    {
      gboolean last = i + 1 == n;
      struct stat st;

      if (i > 0 && parts[i][0] == '\0')
        continue;
      g_string_append (cur, i == 0 ? "/" : parts[i]);
      if (stat (cur->str, &st) == 0)
        {
          gboolean dir = S_ISDIR (st.st_mode) && !last;

          if (faccessat (AT_FDCWD, cur->str, dir ? X_OK : R_OK, AT_EACCESS) != 0
              && errno == EACCES)
            {
              struct passwd *pw = getpwuid (st.st_uid);
              struct group *gr = getgrgid (st.st_gid);
              g_autofree char *o = pw ? g_strdup (pw->pw_name)
                                      : g_strdup_printf ("%lu", (unsigned long) st.st_uid);
              g_autofree char *g = gr ? g_strdup (gr->gr_name)
                                      : g_strdup_printf ("%lu", (unsigned long) st.st_gid);

              if (dir)
                return g_strdup_printf ("%s with %s may not search directory %s (%s:%s %04o): "
                                        "`chgrp %s` and `chmod g+x` it", who, grp, cur->str, o,
                                        g, (unsigned) (st.st_mode & 07777), mine);
              return g_strdup_printf ("%s with %s may not read it (%s:%s %04o): `chgrp %s` and "
                                      "`chmod g+r` it, or chown it to that user", who, grp, o, g,
                                      (unsigned) (st.st_mode & 07777), mine);
            }
        }
      if (i > 0 && !last)
        g_string_append_c (cur, '/');
    }
  return g_strdup_printf ("%s with %s may not open it", who, grp);
}
