/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-test-util.c - temporary configuration files for the config tests
 * SYNOPSIS
 *	tcu_tmpdir, tcu_write, tcu_rmrf, tcu_load_text, tcu_strip_dir,
 *	tcu_srcroot
 */
#include "config-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

char *
tcu_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("dkimmod-config-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

char *
tcu_write (const char *dir, const char *name, const char *text)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

void
tcu_rmrf (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    {
      g_unlink (dir);
      return;
    }
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        tcu_rmrf (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

DkimmodConfig *
tcu_load_text (const char *dir, const char *text, unsigned flags, GError **error)
{
  g_autofree char *path = tcu_write (dir, "dkimmod.conf", text);

  return dkimmod_config_load (path, flags, NULL, error);
}

char *
tcu_strip_dir (const char *message, const char *dir)
{
  g_autofree char *prefix = g_strconcat (dir, "/", NULL);
  g_auto (GStrv) parts = g_strsplit (message, prefix, -1);

  return g_strjoinv ("", parts);
}

const char *
tcu_srcroot (void)
{
  const char *root = g_getenv ("DKIMMOD_SRCROOT");

  g_assert_nonnull (root);
  return root;
}
