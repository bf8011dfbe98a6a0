/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-util.h - shared helpers of the module unit tests
 * DESCRIPTION
 *	Data files, private copies of key files with a chosen mode (git does
 *	not keep 0600, and tests must not chmod the source tree), a fixed
 *	clock.
 */
#ifndef DKIMMOD_TEST_UTIL_H
#define DKIMMOD_TEST_UTIL_H

#include <glib.h>
#include <glib/gstdio.h>

#include "dkimmod.h"

#define TEST_TIME G_GINT64_CONSTANT (1795874400)   /* fixed t= */

static inline int64_t
test_clock (void *data)
{
  return data != NULL ? *(const gint64 *) data : TEST_TIME;
}

/* test_data_path - a file under tests/module/data (transfer full) */
static inline char *
test_data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

/* test_data_read - contents of a data file (transfer full) */
static inline GBytes *
test_data_read (const char *name)
{
  g_autofree char *path = test_data_path (name);
  char *buf = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &buf, &len, NULL));
  return g_bytes_new_take (buf, len);
}

/* test_key_copy - copies data key NAME into DIR with MODE (transfer full path) */
static inline char *
test_key_copy (const char *dir, const char *name, int mode)
{
  g_autoptr (GBytes) b = test_data_read (name);
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents_full (path, g_bytes_get_data (b, NULL),
                                           (gssize) g_bytes_get_size (b),
                                           G_FILE_SET_CONTENTS_NONE, mode, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

/* test_key_load - a key parsed from data file NAME (mode not checked) */
static inline DkimmodKey *
test_key_load (const char *name)
{
  g_autoptr (GBytes) b = test_data_read (name);
  DkimmodError err;
  DkimmodKey *key = dkimmod_key_load_pem (g_bytes_get_data (b, NULL), g_bytes_get_size (b), &err);

  if (key == NULL)
    g_error ("%s: %s", name, err.message);
  return key;
}

/* test_rmdir - removes DIR and the files in it */
static inline void
test_rmdir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *e;

  while (d != NULL && (e = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, e, NULL);

      g_unlink (p);
    }
  g_rmdir (dir);
}

#endif /* DKIMMOD_TEST_UTIL_H */
