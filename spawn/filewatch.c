/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	filewatch.c - has any of these files changed? (dkimmod-spawn serve)
 * SYNOPSIS
 *	dkimmod_filewatch_new, dkimmod_filewatch_free, dkimmod_filewatch_add,
 *	dkimmod_filewatch_add_func, dkimmod_filewatch_changed,
 *	dkimmod_filewatch_count
 * DESCRIPTION
 *	A serve-mode worker keeps its parsed configuration and keys from one
 *	connection to the next. To keep "no reload step" true it records one
 *	stat(2) per file it read (the configuration with its @includes and
 *	sender_map_dir files, the verifying key file, every private key
 *	used) and compares them before each connection: any difference and
 *	the worker reads everything again, as a spawn-mode helper would.
 *
 *	The state compared is device, inode, size, mode, owner, group,
 *	modification and status-change time (nanoseconds), or the errno of
 *	a failed stat: an editor's rename, an in-place write, a truncate,
 *	chmod or chown, and a file appearing or vanishing all count. The
 *	status-change time also catches a write that keeps mtime and size
 *	(touch -r), since the kernel sets ctime on every change.
 *	Timestamps tick at the kernel's clock granularity (a few ms): two
 *	writes of the same size within one tick, with a stat between them,
 *	look alike; an editor's save (a new inode) never does.
 * NEVER
 *	Read a file's contents: a change is only ever answered by reading
 *	everything again through the normal loaders.
 */
#include "filewatch.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  char *path;
  int err;                    /* 0, or errno of the stat */
  dev_t dev;
  ino_t ino;
  off_t size;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  struct timespec mtime;
  struct timespec ctime;
} WatchedFile;

struct DkimmodFileWatch {
  GArray *files;              /* WatchedFile */
  GHashTable *seen;           /* path (borrowed from files) -> TRUE */
};

/* snapshot - the state of PATH into F */
static void
snapshot (const char *path, WatchedFile *f)
{
  struct stat st;
  char *keep = f->path;

  memset (f, 0, sizeof *f);
  f->path = keep;
  if (stat (path, &st) < 0)
    {
      f->err = errno ? errno : EIO;
      return;
    }
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  f->size = st.st_size;
  f->mode = st.st_mode;
  f->uid = st.st_uid;
  f->gid = st.st_gid;
  f->mtime = st.st_mtim;
  f->ctime = st.st_ctim;
}

/* same_state - A and B describe the same file state */
static gboolean
same_state (const WatchedFile *a, const WatchedFile *b)
{
  if (a->err != 0 || b->err != 0)
    return a->err == b->err;
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mode == b->mode
         && a->uid == b->uid && a->gid == b->gid
         && a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec
         && a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static void
watched_file_clear (gpointer p)
{
  g_free (((WatchedFile *) p)->path);
}

DkimmodFileWatch *
dkimmod_filewatch_new (void)
{
  DkimmodFileWatch *watch = g_new0 (DkimmodFileWatch, 1);

  watch->files = g_array_new (FALSE, TRUE, sizeof (WatchedFile));
  g_array_set_clear_func (watch->files, watched_file_clear);
  watch->seen = g_hash_table_new (g_str_hash, g_str_equal);
  return watch;
}

void
dkimmod_filewatch_free (DkimmodFileWatch *watch)
{
  if (watch == NULL)
    return;
  g_hash_table_unref (watch->seen);
  g_array_unref (watch->files);
  g_free (watch);
}

void
dkimmod_filewatch_add (DkimmodFileWatch *watch, const char *path)
{
  WatchedFile f = { .path = g_strdup (path) };

  if (path == NULL || g_hash_table_contains (watch->seen, path))
    {
      g_free (f.path);
      return;
    }
  snapshot (path, &f);
  g_array_append_val (watch->files, f);
  /* The key borrows the copy now inside the array; the array only ever
   * grows while the watch lives, and the strings do not move. */
  g_hash_table_add (watch->seen, f.path);
}

void
dkimmod_filewatch_add_func (gpointer path, gpointer watch)
{
  dkimmod_filewatch_add (watch, path);
}

gboolean
dkimmod_filewatch_changed (DkimmodFileWatch *watch, const char **which)
{
  for (guint i = 0; i < watch->files->len; i++)
    {
      const WatchedFile *was = &g_array_index (watch->files, WatchedFile, i);
      WatchedFile now = { 0 };

      snapshot (was->path, &now);
      if (!same_state (was, &now))
        {
          if (which != NULL)
            *which = was->path;
          return TRUE;
        }
    }
  return FALSE;
}

guint
dkimmod_filewatch_count (const DkimmodFileWatch *watch)
{
  return watch->files->len;
}
