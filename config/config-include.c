/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-include.c - refuse @include of anything but a regular file
 * SYNOPSIS
 *	dkimmod_config_check_includes
 * DESCRIPTION
 *	libconfig 1.5 reads an @include'd file with its flex scanner, which
 *	calls exit(2) when the read fails, as it does for a directory (a typo
 *	such as @include "/etc/dkimmod/"). The loader would never return:
 *	dkimmod-spawn would die without a log line and check-config without
 *	FILE:LINE. libconfig 1.5 has no include hook, so before handing a
 *	file to it we find its @include lines the way its scanner does
 *	(optional blanks, @include, blanks, a quoted string, at the start of
 *	a line), resolve each against the include directory, and refuse any
 *	that exists but is not a regular file; then look into the included
 *	files too, as deep as libconfig goes (10). Missing files are left to
 *	libconfig, which reports them as errors.
 * SECURITY
 *	Only the names are read here; a file's contents are parsed by
 *	libconfig alone. Lines are capped by the file size (config files
 *	are small and owned by root).
 * NEVER
 *	Let libconfig open a path that is not a regular file.
 */
#include "config-private.h"

#include <string.h>
#include <sys/stat.h>

#define INCLUDE_DEPTH_MAX 10  /* libconfig 1.5's MAX_INCLUDE_DEPTH */

/* include_name - the quoted name of an @include line, or NULL */
static char *
include_name (const char *line)
{
  GString *name;

  while (*line == ' ' || *line == '\t')
    line++;
  if (!g_str_has_prefix (line, "@include"))
    return NULL;
  line += strlen ("@include");
  if (*line != ' ' && *line != '\t')
    return NULL;
  while (*line == ' ' || *line == '\t')
    line++;
  if (*line++ != '"')
    return NULL;
  name = g_string_new (NULL);
  for (; *line != '\0' && *line != '"'; line++)
    {
      if (*line == '\\' && line[1] != '\0')
        line++;
      g_string_append_c (name, *line);
    }
  return g_string_free (name, FALSE);
}

/* check_file - the @include lines of PATH, recursively */
static gboolean
check_file (const char *path, const char *include_dir, guint depth, char **why)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (depth > INCLUDE_DEPTH_MAX || !g_file_get_contents (path, &text, NULL, NULL))
    return TRUE;  /* libconfig reports both */
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *name = include_name (lines[i]);
      g_autofree char *full = NULL;
      struct stat st;

      if (name == NULL)
        continue;
      full = g_path_is_absolute (name) || include_dir == NULL
             ? g_strdup (name) : g_build_filename (include_dir, name, NULL);
      if (stat (full, &st) != 0)
        continue;
      if (!S_ISREG (st.st_mode))
        {
          *why = g_strdup_printf ("%s:%u: @include \"%s\": not a regular file%s", path, i + 1,
                                  name, S_ISDIR (st.st_mode) ? " (a directory)" : "");
          return FALSE;
        }
      if (!check_file (full, include_dir, depth + 1, why))
        return FALSE;
    }
  return TRUE;
}

/*
 * dkimmod_config_check_includes:
 * @path: a file about to be read with libconfig
 * @include_dir: (nullable): the directory relative @include names are
 *   taken from (config_set_include_dir)
 * @why: (out): "FILE:LINE: @include ...: not a regular file" on failure
 *
 * Returns: FALSE when an @include of PATH, or of a file it includes,
 *   names something that exists and is not a regular file.
 */
gboolean
dkimmod_config_check_includes (const char *path, const char *include_dir, char **why)
{
  *why = NULL;
  return check_file (path, include_dir, 0, why);
}
