/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	spool.c - hold one message between end of DATA and the next hop
 * SYNOPSIS
 *	dkimmod_spool_new, dkimmod_spool_append, dkimmod_spool_finish,
 *	dkimmod_spool_size, dkimmod_spool_spilled, dkimmod_spool_foreach,
 *	dkimmod_spool_free
 * DESCRIPTION
 *	The message cannot go to the next hop before its signature exists, and
 *	the signature exists only after the last body byte. So it waits here:
 *	the first spool_memory_max bytes in memory, the rest in a temporary
 *	file created with mkostemp(3) in spool_directory and unlinked at once,
 *	so nothing is left behind whatever happens to the process. Under
 *	spawn(8) the working directory is the queue directory, which user
 *	nobody cannot write, and there is no TMPDIR: the directory always
 *	comes from the configuration.
 *
 *	File writes are batched in DKIMMOD_SPOOL_FILE_BATCH blocks.
 * SECURITY
 *	The caller bounds the total (message_size_max). The file is mode 0600
 *	(mkostemp) and has no name once created.
 * DIAGNOSTICS
 *	G_FILE_ERROR with errno's text for any create/write/read failure; the
 *	caller answers 452 or 451 and the message is not accepted.
 */
#define _GNU_SOURCE 1 /* mkostemp */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define DKIMMOD_SPOOL_FILE_BATCH (64u * 1024u)

struct DkimmodSpool {
  char *directory;
  gsize memory_max;
  GByteArray *memory;      /* the first memory_max bytes */
  GByteArray *pending;     /* file bytes not yet written */
  int fd;                  /* -1 until the spool spills */
  guint64 file_size;       /* bytes written to fd */
};

DkimmodSpool *
dkimmod_spool_new (const char *directory, gsize memory_max)
{
  DkimmodSpool *sp = g_new0 (DkimmodSpool, 1);

  sp->directory = g_strdup (directory ? directory : "/var/tmp");
  sp->memory_max = memory_max;
  sp->memory = g_byte_array_new ();
  sp->pending = g_byte_array_new ();
  sp->fd = -1;
  return sp;
}

void
dkimmod_spool_free (DkimmodSpool *sp)
{
  if (sp == NULL)
    return;
  if (sp->fd >= 0)
    close (sp->fd);
  g_byte_array_unref (sp->memory);
  g_byte_array_unref (sp->pending);
  g_free (sp->directory);
  g_free (sp);
}

/* set_errno_error - a G_FILE_ERROR from errno */
static gboolean
set_errno_error (GError **error, const char *what, const char *path)
{
  int e = errno;

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), "%s %s: %s", what, path,
               g_strerror (e));
  return FALSE;
}

/* spill - create the unlinked file */
static gboolean
spill (DkimmodSpool *sp, GError **error)
{
  g_autofree char *path = g_build_filename (sp->directory, "dkimmod-spool.XXXXXX", NULL);

  sp->fd = mkostemp (path, O_CLOEXEC);
  if (sp->fd < 0)
    return set_errno_error (error, "create spool file in", sp->directory);
  if (unlink (path) < 0)
    return set_errno_error (error, "unlink", path);
  return TRUE;
}

/* write_pending - write the file batch */
static gboolean
write_pending (DkimmodSpool *sp, GError **error)
{
  const guint8 *p = sp->pending->data;
  gsize left = sp->pending->len;

  if (left > 0 && sp->fd < 0 && !spill (sp, error))
    return FALSE;
  while (left > 0)
    {
      ssize_t n = write (sp->fd, p, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = ENOSPC;
          return set_errno_error (error, "write spool file in", sp->directory);
        }
      p += n;
      left -= (gsize) n;
      sp->file_size += (guint64) n;
    }
  g_byte_array_set_size (sp->pending, 0);
  return TRUE;
}

gboolean
dkimmod_spool_append (DkimmodSpool *sp, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;

  if (sp->memory->len < sp->memory_max)
    {
      gsize take = MIN (len, sp->memory_max - sp->memory->len);

      g_byte_array_append (sp->memory, p, (guint) take);
      p += take;
      len -= take;
    }
  if (len == 0)
    return TRUE;
  g_byte_array_append (sp->pending, p, (guint) len);
  if (sp->pending->len >= DKIMMOD_SPOOL_FILE_BATCH)
    return write_pending (sp, error);
  return TRUE;
}

gboolean
dkimmod_spool_finish (DkimmodSpool *sp, GError **error)
{
  return write_pending (sp, error);
}

guint64
dkimmod_spool_size (const DkimmodSpool *sp)
{
  return sp->memory->len + sp->file_size + sp->pending->len;
}

gboolean
dkimmod_spool_spilled (const DkimmodSpool *sp)
{
  return sp->fd >= 0;
}

gboolean
dkimmod_spool_foreach (DkimmodSpool *sp, DkimmodSpoolFunc func, gpointer user_data,
                       GError **error)
{
  g_autofree char *buf = NULL;
  guint64 off = 0;

  if (sp->memory->len > 0
      && !func ((const char *) sp->memory->data, sp->memory->len, user_data, error))
    return FALSE;
  if (sp->fd < 0)
    return TRUE;
  buf = g_malloc (DKIMMOD_SPOOL_FILE_BATCH);
  while (off < sp->file_size)
    {
      ssize_t n = pread (sp->fd, buf, DKIMMOD_SPOOL_FILE_BATCH, (off_t) off);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = EIO;
          return set_errno_error (error, "read spool file in", sp->directory);
        }
      if (!func (buf, (gsize) n, user_data, error))
        return FALSE;
      off += (guint64) n;
    }
  return TRUE;
}
