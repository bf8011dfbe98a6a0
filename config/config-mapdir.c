/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-mapdir.c - sender_map_dir: one file per sender key, read on demand
 * SYNOPSIS
 *	dkimmod_config_mapdir_name_ok, dkimmod_config_mapdir_read,
 *	dkimmod_config_mapdir_check_all
 * DESCRIPTION
 *	With signing.sender_map_dir = "domains.d", the entry for the sender
 *	key K lives in domains.d/K.conf ("example.com.conf",
 *	"jason@example.com.conf"), which holds the settings of one entry:
 *	"sign = ...;" and optionally "sender", equal to K. A lookup tries, for
 *	each key of the lookup order, the main file's index and then this
 *	file, so start-up costs the same for ten domains as for a million:
 *	only the files a message needs are read, once per process (absent
 *	ones are remembered too). check-config reads them all.
 * SECURITY
 *	The key comes from the message. It is lower case, was split from a
 *	sender whose domain part is used only after the hash probes, and is
 *	used as a file name only if it holds no '/' and does not start with
 *	'.' (so neither "..", nor the catch-all ".", nor hidden files).
 * NEVER
 *	List the directory in the per-connection helper.
 */
#include "config-private.h"

#include <errno.h>
#include <string.h>

/* Longest key used as a file name (NAME_MAX 255 minus ".conf"). */
#define KEY_NAME_MAX 250

/**
 * dkimmod_config_mapdir_name_ok:
 * @key: a lower-case sender key
 *
 * Returns: whether @key may name a file of the sender_map_dir.
 */
gboolean
dkimmod_config_mapdir_name_ok (const char *key)
{
  return key[0] != '\0' && key[0] != '.' && strchr (key, '/') == NULL
         && strlen (key) <= KEY_NAME_MAX;
}

/**
 * dkimmod_config_mapdir_read:
 * @cfg: a configuration with a sender_map_dir
 * @key: a sender key that passed dkimmod_config_mapdir_name_ok()
 * @diag: the error collector
 * @entry: (out) (transfer none): the entry read, owned by @cfg
 *
 * Returns: ABSENT when there is no such file, FOUND, or BROKEN with the
 * faults in @diag.
 */
DkimmodMapdirStatus
dkimmod_config_mapdir_read (DkimmodConfig *cfg, const char *key, DkimmodConfigDiag *diag,
                            DkimmodConfigEntry **entry)
{
  g_autofree char *name = g_strconcat (key, ".conf", NULL);
  g_autofree char *path = g_build_filename (cfg->map_dir, name, NULL);
  guint before = diag->count;
  g_autofree char *why = NULL;
  int os_error = 0;
  config_t lc;

  *entry = NULL;
  config_init (&lc);
  /* Absent files too: a reload check must see one appear. */
  g_ptr_array_add (cfg->files, g_strdup (path));
  switch (dkimmod_config_read_libconfig (&lc, path, cfg->include_dir, cfg->files, &os_error,
                                         &why))
    {
    case DKIMMOD_CONFIG_READ_OK:
      break;
    case DKIMMOD_CONFIG_READ_OS:
      config_destroy (&lc);
      if (os_error == ENOENT)
        return DKIMMOD_MAPDIR_ABSENT;
      dkimmod_config_diag_add_at (diag, path, NULL, NULL, "cannot read: %s",
                                  g_strerror (os_error));
      return DKIMMOD_MAPDIR_BROKEN;
    case DKIMMOD_CONFIG_READ_REFUSED:
      {
        /* "FILE:LINE: @include ..." or "FILE: contains a NUL byte": the
         * origin, then what is wrong */
        char *sep = strstr (why, ": @include");

        if (sep == NULL)
          sep = strstr (why, ": contains a NUL byte");
        config_destroy (&lc);
        *sep = '\0';
        dkimmod_config_diag_add_at (diag, why, NULL, NULL, "%s", sep + 2);
        return DKIMMOD_MAPDIR_BROKEN;
      }
    case DKIMMOD_CONFIG_READ_SYNTAX:
    default:
      {
        g_autofree char *origin = g_strdup_printf ("%s:%d", config_error_file (&lc)
                                                   ? config_error_file (&lc) : path,
                                                   config_error_line (&lc));

        dkimmod_config_diag_add_at (diag, origin, NULL, NULL, "%s", config_error_text (&lc));
        config_destroy (&lc);
        return DKIMMOD_MAPDIR_BROKEN;
      }
    }
  {
    /* Read from a string, libconfig knows no file name for the settings
     * of this file: their origin is PATH (dkimmod_config_diag_origin). */
    const char *main_path = diag->main_path;

    diag->main_path = path;
    *entry = dkimmod_config_read_file_entry (cfg, config_root_setting (&lc), key, diag);
    diag->main_path = main_path;
  }
  config_destroy (&lc);
  return diag->count > before || *entry == NULL ? DKIMMOD_MAPDIR_BROKEN : DKIMMOD_MAPDIR_FOUND;
}

/* check_one - reads NAME of the directory for check-config */
static void
check_one (DkimmodConfig *cfg, const char *name, DkimmodConfigDiag *diag)
{
  g_autofree char *key = g_strndup (name, strlen (name) - strlen (".conf"));
  g_autofree char *path = g_build_filename (cfg->map_dir, name, NULL);
  g_autofree char *norm = NULL;
  DkimmodConfigEntry *entry, *other;
  const char *why = "not a sender key";

  if (!dkimmod_config_mapdir_name_ok (key)
      || (norm = dkimmod_config_normalise_sender (key, &why)) == NULL)
    {
      dkimmod_config_diag_add_at (diag, path, "signing.sender_map_dir", NULL,
                                  "the file name is no sender key: %s", why);
      return;
    }
  if (!g_str_equal (norm, key))
    {
      dkimmod_config_diag_add_at (diag, path, "signing.sender_map_dir", NULL,
                                  "the file name must be lower case (%s.conf)", norm);
      return;
    }
  if ((other = g_hash_table_lookup (cfg->index, key)))
    {
      dkimmod_config_diag_add_at (diag, path, "signing.sender_map_dir", NULL,
                                  "\"%s\" is already mapped at %s", key, other->origin);
      return;
    }
  if (dkimmod_config_mapdir_read (cfg, key, diag, &entry) == DKIMMOD_MAPDIR_FOUND)
    g_hash_table_insert (cfg->dir_cache, g_strdup (key), entry);
}

/* compare_names - sorts file names, so reports come in a stable order */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/**
 * dkimmod_config_mapdir_check_all:
 * @cfg: a configuration with a sender_map_dir
 * @diag: the error collector
 *
 * Reads every "*.conf" file of the directory (check-config), reporting
 * bad names, duplicates of main-file entries and faults inside.
 */
void
dkimmod_config_mapdir_check_all (DkimmodConfig *cfg, DkimmodConfigDiag *diag)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (cfg->map_dir, 0, &error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    {
      dkimmod_config_diag_add_at (diag, cfg->map_dir, "signing.sender_map_dir", NULL, "%s",
                                  error->message);
      return;
    }
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".conf") && strlen (name) > strlen (".conf"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint k = 0; k < names->len; k++)
    check_one (cfg, names->pdata[k], diag);
}
