/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	replay.c - feed every corpus file to a fuzz target (meson test)
 * SYNOPSIS
 *	replay-<target> DIR|FILE...
 * DESCRIPTION
 *	The libFuzzer main() replaced by a plain one, so the corpora are a
 *	regression test with any compiler. Files are fed in name order and
 *	listed as TAP lines; a crash or fuzz_check failure aborts the test,
 *	and the last "# file" line names the culprit. An empty corpus is a
 *	failure: a directory that lost its files must not pass silently.
 */
#include <string.h>
#include <glib.h>

#include "fuzz.h"

/* replay_file - one input; FALSE when it cannot be read */
static gboolean
replay_file (const char *path, guint *n)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      printf ("not ok %u - %s: %s\n", ++*n, path, error->message);
      return FALSE;
    }
  printf ("# file %s\n", path);
  fflush (stdout);
  /* A copy of exactly LEN bytes, so ASan sees any read past the end;
   * never NULL, as under libFuzzer. */
  g_autofree guint8 *copy = g_malloc (MAX (len, 1));

  memcpy (copy, data, len);
  LLVMFuzzerTestOneInput (copy, len);
  printf ("ok %u - %s (%zu bytes)\n", ++*n, path, (size_t) len);
  return TRUE;
}

/* compare_paths - GPtrArray sort order: by name */
static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* replay_dir - every regular file in DIR, sorted */
static gboolean
replay_dir (const char *dir, guint *n)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  gboolean ok = TRUE;

  if (d == NULL)
    {
      printf ("not ok %u - %s: %s\n", ++*n, dir, error->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    if (g_file_test (names->pdata[i], G_FILE_TEST_IS_REGULAR))
      ok &= replay_file (names->pdata[i], n);
  return ok;
}

int
main (int argc, char **argv)
{
  guint n = 0;
  gboolean ok = TRUE;

  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    ok &= g_file_test (argv[i], G_FILE_TEST_IS_DIR) ? replay_dir (argv[i], &n)
                                                    : replay_file (argv[i], &n);
  if (n == 0)
    {
      printf ("not ok 1 - no corpus files\n");
      n = 1;
      ok = FALSE;
    }
  printf ("1..%u\n", n);
  return ok ? 0 : 1;
}
