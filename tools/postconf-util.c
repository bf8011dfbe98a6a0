/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	postconf-util.c - read (and change) Postfix's configuration through postconf(1)
 * SYNOPSIS
 *	dkimmod_postconf_run, dkimmod_postconf_master, dkimmod_master_entry_free,
 *	dkimmod_master_entry_attr, dkimmod_master_entry_argv,
 *	dkimmod_master_entry_runs_spawn,
 *	dkimmod_master_find_spawn_user
 * DESCRIPTION
 *	Runs postconf (the one in PATH, else /usr/sbin/postconf) with
 *	"-c DIR" when a configuration directory is given, and parses the
 *	master.cf entries that "postconf -M" prints, one a line:
 *	service type private unpriv chroot wakeup maxproc command args...
 *	The spawn(8) entry that runs dkimmod-spawn gives the user the filter
 *	runs as (its user= attribute); check-config and postfix-setup check
 *	files as that user.
 * STANDARDS
 *	master(5) (the entry fields), spawn(8) (user=, argv=), postconf(1)
 *	(-c, -M, -P, -e, -n).
 * NEVER
 *	Read or write master.cf or main.cf as text: postconf is Postfix's
 *	own parser and editor; run a shell.
 */
#include <string.h>

#include "postconf-util.h"
#include "cli.h"

/* postconf_path - postconf in PATH, else Debian's place */
static char *
postconf_path (void)
{
  char *p = g_find_program_in_path ("postconf");

  return p ? p : g_strdup ("/usr/sbin/postconf");
}

char *
dkimmod_postconf_run (const char *config_dir, const char *const *args, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;

  g_ptr_array_add (argv, postconf_path ());
  if (config_dir != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-c"));
      g_ptr_array_add (argv, g_strdup (config_dir));
    }
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, error))
    return NULL;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_strstrip (err);
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s failed: %s",
                   (char *) argv->pdata[0], err[0] ? err : "no message");
      return NULL;
    }
  return g_steal_pointer (&out);
}

void
dkimmod_master_entry_free (DkimmodMasterEntry *e)
{
  if (e == NULL)
    return;
  g_strfreev (e->fields);
  g_free (e->line);
  g_free (e);
}

GPtrArray *
dkimmod_postconf_master (const char *config_dir, GError **error)
{
  const char *const args[] = { "-M", NULL };
  g_autofree char *out = dkimmod_postconf_run (config_dir, args, error);
  g_auto (GStrv) lines = NULL;
  GPtrArray *entries;

  if (out == NULL)
    return NULL;
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_master_entry_free);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr (GPtrArray) kept = g_ptr_array_new ();
      DkimmodMasterEntry *e;

      for (guint j = 0; f[j] != NULL; j++)
        if (f[j][0] != '\0')
          g_ptr_array_add (kept, g_strdup (f[j]));
      if (kept->len < DKIMMOD_MASTER_COMMAND + 1)
        {
          g_ptr_array_set_free_func (kept, g_free);
          continue;
        }
      g_ptr_array_add (kept, NULL);
      e = g_new0 (DkimmodMasterEntry, 1);
      e->fields = (char **) g_ptr_array_steal (kept, NULL);
      e->nfields = g_strv_length (e->fields);
      e->line = g_strdup (lines[i]);
      g_ptr_array_add (entries, e);
    }
  return entries;
}

const char *
dkimmod_master_entry_attr (const DkimmodMasterEntry *e, const char *name)
{
  gsize n = strlen (name);

  /* spawn(8) attributes come before argv=, which takes the rest */
  for (guint i = DKIMMOD_MASTER_COMMAND + 1; i < e->nfields; i++)
    {
      if (g_str_has_prefix (e->fields[i], "argv="))
        return strcmp (name, "argv") == 0 ? e->fields[i] + 5 : NULL;
      if (strncmp (e->fields[i], name, n) == 0 && e->fields[i][n] == '=')
        return e->fields[i] + n + 1;
    }
  return NULL;
}

const char *const *
dkimmod_master_entry_argv (const DkimmodMasterEntry *e)
{
  for (guint i = DKIMMOD_MASTER_COMMAND + 1; i < e->nfields; i++)
    if (g_str_has_prefix (e->fields[i], "argv="))
      return (const char *const *) e->fields + i;
  return NULL;
}

gboolean
dkimmod_master_entry_runs_spawn (const DkimmodMasterEntry *e, const char **config)
{
  const char *const *argv = dkimmod_master_entry_argv (e);

  *config = NULL;
  if (strcmp (e->fields[DKIMMOD_MASTER_COMMAND], "spawn") != 0 || argv == NULL
      || !g_str_has_suffix (argv[0] + 5, "dkimmod-spawn"))
    return FALSE;
  for (guint i = 1; argv[i] != NULL; i++)
    if (strcmp (argv[i], "-c") == 0 && argv[i + 1] != NULL)
      *config = argv[i + 1];
  return TRUE;
}

char *
dkimmod_master_find_spawn_user (GPtrArray *entries, const char *config_path, char **service,
                                GError **error)
{
  g_autofree char *want = config_path ? g_canonicalize_filename (config_path, NULL) : NULL;
  g_autoptr (GString) users = g_string_new (NULL);
  const DkimmodMasterEntry *found = NULL;
  guint matches = 0, pass;

  /* first the entries naming CONFIG_PATH with -c, then any dkimmod-spawn */
  for (pass = 0; pass < 2 && matches == 0; pass++)
    for (guint i = 0; i < entries->len; i++)
      {
        const DkimmodMasterEntry *e = g_ptr_array_index (entries, i);
        const char *conf, *user;
        g_autofree char *canon = NULL;

        if (!dkimmod_master_entry_runs_spawn (e, &conf))
          continue;
        canon = conf ? g_canonicalize_filename (conf, NULL) : NULL;
        if (pass == 0 && (want == NULL || canon == NULL || strcmp (canon, want) != 0))
          continue;
        user = dkimmod_master_entry_attr (e, "user");
        if (user == NULL)
          continue;
        if (found != NULL && strcmp (user, dkimmod_master_entry_attr (found, "user")) != 0)
          matches++;
        else if (found == NULL)
          matches = 1;
        g_string_append_printf (users, "%s%s/%s user=%s", users->len ? ", " : "",
                                e->fields[DKIMMOD_MASTER_NAME], e->fields[DKIMMOD_MASTER_TYPE],
                                user);
        if (found == NULL)
          found = e;
      }
  if (found == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "no spawn service in master.cf runs dkimmod-spawn");
      return NULL;
    }
  if (matches > 1)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "the dkimmod-spawn services of master.cf run as different users (%s): "
                   "name one with --user", users->str);
      return NULL;
    }
  if (service != NULL)
    *service = g_strdup_printf ("%s/%s", found->fields[DKIMMOD_MASTER_NAME],
                                found->fields[DKIMMOD_MASTER_TYPE]);
  return g_strdup (dkimmod_master_entry_attr (found, "user"));
}
