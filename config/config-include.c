/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-include.c - read a file once for libconfig, refusing @include of anything but a regular file
 * SYNOPSIS
 *	dkimmod_config_read_libconfig
 * DESCRIPTION
 *	dkimmod_config_read_libconfig reads a configuration file once (one
 *	open, one fstat, reads until EOF), checks its @include lines and
 *	hands the text to libconfig's config_read_string: the per-connection
 *	helper used to open the main file three times (a readability probe,
 *	this check, libconfig's own read). Settings of the main file then
 *	carry no file name in libconfig (config_setting_source_file is NULL),
 *	which dkimmod_config_diag_origin replaces with the main path; those
 *	of @include files keep theirs. A file holding a NUL byte is refused:
 *	config_read_string would stop there and silently drop the rest.
 *
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

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* check_file - the @include lines of PATH (whose contents are TEXT, or
 * NULL to read them), recursively; each included file's full name is
 * appended to FOUND (nullable) */
static gboolean
check_file (const char *path, const char *text, const char *include_dir, guint depth,
            GPtrArray *found, char **why)
{
  g_autofree char *read = NULL;
  g_auto (GStrv) lines = NULL;

  if (text == NULL && (depth > INCLUDE_DEPTH_MAX || !g_file_get_contents (path, &read, NULL, NULL)))
    return TRUE;  /* libconfig reports both */
  lines = g_strsplit (text ? text : read, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *name = include_name (lines[i]);
      g_autofree char *full = NULL;
      struct stat st;

      if (name == NULL)
        continue;
      full = g_path_is_absolute (name) || include_dir == NULL
             ? g_strdup (name) : g_build_filename (include_dir, name, NULL);
      if (found != NULL)
        g_ptr_array_add (found, g_strdup (full));
      if (stat (full, &st) != 0)
        continue;
      if (!S_ISREG (st.st_mode))
        {
          *why = g_strdup_printf ("%s:%u: @include \"%s\": not a regular file%s", path, i + 1,
                                  name, S_ISDIR (st.st_mode) ? " (a directory)" : "");
          return FALSE;
        }
      if (!check_file (full, NULL, include_dir, depth + 1, found, why))
        return FALSE;
    }
  return TRUE;
}

/* read_whole - the contents of PATH, NUL-terminated, length in *LEN;
 * NULL with *OS_ERROR */
static char *
read_whole (const char *path, gsize *len, int *os_error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  gsize size, used = 0;
  char *buf;

  if (fd < 0)
    return (*os_error = errno, NULL);
  if (fstat (fd, &st) != 0 || S_ISDIR (st.st_mode))
    {
      *os_error = S_ISDIR (st.st_mode) ? EISDIR : errno;
      close (fd);
      return NULL;
    }
  size = (S_ISREG (st.st_mode) ? (gsize) st.st_size : 0) + 4096;
  buf = g_malloc (size);
  for (;;)
    {
      gssize n;

      if (size - used < 2)
        buf = g_realloc (buf, size *= 2);
      n = read (fd, buf + used, size - used - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *os_error = errno;
          close (fd);
          g_free (buf);
          return NULL;
        }
      if (n == 0)
        break;
      used += (gsize) n;
    }
  close (fd);
  buf[used] = '\0';
  *len = used;
  return buf;
}

/*
 * dkimmod_config_read_libconfig:
 * @lc: an initialised config_t
 * @path: the file
 * @include_dir: (nullable): the directory relative @include names are
 *   taken from (config_set_include_dir)
 * @found: (nullable): receives the full name of every file included (also
 *   of those that do not exist), for dkimmod_config_foreach_file
 * @os_error: (out): errno when the file cannot be read
 * @why: (out): "FILE:LINE: @include ...: not a regular file" or "PATH:
 *   contains a NUL byte"; g_free
 *
 * Returns: DKIMMOD_CONFIG_READ_OK, _OS (@os_error set), _REFUSED (@why
 *   set) or _SYNTAX (libconfig's error in @lc).
 */
DkimmodConfigRead
dkimmod_config_read_libconfig (config_t *lc, const char *path, const char *include_dir,
                               GPtrArray *found, int *os_error, char **why)
{
  gsize len = 0;
  g_autofree char *text = read_whole (path, &len, os_error);

  *why = NULL;
  if (text == NULL)
    return DKIMMOD_CONFIG_READ_OS;
  if (memchr (text, '\0', len) != NULL)
    {
      *why = g_strdup_printf ("%s: contains a NUL byte", path);
      return DKIMMOD_CONFIG_READ_REFUSED;
    }
  if (!check_file (path, text, include_dir, 0, found, why))
    return DKIMMOD_CONFIG_READ_REFUSED;
  config_set_include_dir (lc, include_dir);
  return config_read_string (lc, text) == CONFIG_TRUE ? DKIMMOD_CONFIG_READ_OK
                                                     : DKIMMOD_CONFIG_READ_SYNTAX;
}
