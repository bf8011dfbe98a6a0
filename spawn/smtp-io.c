/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	smtp-io.c - bounded, deadline-driven SMTP stream I/O
 * SYNOPSIS
 *	dkimmod_stream_new, dkimmod_stream_free, dkimmod_stream_set_timeout,
 *	dkimmod_stream_set_nodelay, dkimmod_stream_read_line,
 *	dkimmod_stream_peek, dkimmod_stream_consume, dkimmod_stream_pending,
 *	dkimmod_stream_write, dkimmod_stream_printf, dkimmod_stream_flush
 * DESCRIPTION
 *	The helper talks to two peers: the Postfix SMTP client on fds 0/1 and
 *	the next hop. Both go through this small buffered stream, in the
 *	manner of Postfix's smtp_stream: every wait is a poll(2) with a
 *	deadline, so neither a silent client nor a hung next hop can keep the
 *	process alive: spawn(8)'s command_time_limit kill runs with the
 *	postfix euid against a process owned by the service user and fails
 *	(EPERM), so our own deadlines are the only ones.
 *
 *	Output is queued and written at once when the stream must wait for
 *	input. A pipelined batch of commands therefore gets all its replies
 *	in one segment, and with TCP_NODELAY set no reply waits for Nagle
 *	plus delayed ACK (about 41 ms per exchange otherwise). Message data
 *	leaves in writes of at least DKIMMOD_STREAM_WRITE_BATCH bytes.
 *
 *	The fds are switched to O_NONBLOCK, so a write never blocks past its
 *	deadline, and EAGAIN/EINTR simply mean "poll again".
 * STANDARDS
 *	RFC 5321 section 4.5.3.1.4 (line length), RFC 2920 (pipelining).
 * SECURITY
 *	Lines are kept up to the caller's MAXLEN; the rest of an overlong line
 *	is read and dropped so the session stays in sync. The input buffer has
 *	a fixed size (DKIMMOD_STREAM_READ_BUFFER).
 * NEVER
 *	Block without a deadline; write to fd 2.
 */
#include "smtp-io.h"

#include <glib/gprintf.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct DkimmodStream {
  int rfd;
  int wfd;
  char *name;
  guint timeout;        /* seconds per operation */
  char *ibuf;
  gsize ipos;           /* first unread byte */
  gsize ilen;           /* end of buffered bytes */
  GByteArray *obuf;
  guint64 write_calls;
  gboolean broken;      /* an I/O error or EOF happened */
};

G_DEFINE_QUARK (dkimmod-stream-error-quark, dkimmod_stream_error)

/* set_nonblock - make waits ours, not the kernel's */
static void
set_nonblock (int fd)
{
  int fl = fcntl (fd, F_GETFL);

  if (fl >= 0 && !(fl & O_NONBLOCK))
    (void) fcntl (fd, F_SETFL, fl | O_NONBLOCK);
}

DkimmodStream *
dkimmod_stream_new (int read_fd, int write_fd, const char *name)
{
  DkimmodStream *s = g_new0 (DkimmodStream, 1);

  s->rfd = read_fd;
  s->wfd = write_fd;
  s->name = g_strdup (name);
  s->timeout = 300;
  s->ibuf = g_malloc (DKIMMOD_STREAM_READ_BUFFER);
  s->obuf = g_byte_array_sized_new (4096);
  set_nonblock (read_fd);
  if (write_fd != read_fd)
    set_nonblock (write_fd);
  return s;
}

void
dkimmod_stream_free (DkimmodStream *s)
{
  if (s == NULL)
    return;
  g_free (s->name);
  g_free (s->ibuf);
  g_byte_array_unref (s->obuf);
  g_free (s);
}

const char *
dkimmod_stream_name (const DkimmodStream *s)
{
  return s->name;
}

void
dkimmod_stream_set_timeout (DkimmodStream *s, guint seconds)
{
  s->timeout = seconds > 0 ? seconds : 1;
}

/* nodelay_fd - TCP_NODELAY when FD is a TCP socket; silently not otherwise */
static void
nodelay_fd (int fd)
{
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  int on = 1;

  if (getsockname (fd, (struct sockaddr *) &ss, &sl) < 0)
    return;
  if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
    return;
  (void) setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void
dkimmod_stream_set_nodelay (DkimmodStream *s)
{
  nodelay_fd (s->rfd);
  if (s->wfd != s->rfd)
    nodelay_fd (s->wfd);
}

guint64
dkimmod_stream_write_calls (const DkimmodStream *s)
{
  return s->write_calls;
}

gboolean
dkimmod_stream_broken (const DkimmodStream *s)
{
  return s->broken;
}

void
dkimmod_stream_set_broken (DkimmodStream *s)
{
  s->broken = TRUE;
}

gsize
dkimmod_stream_pending (const DkimmodStream *s)
{
  return s->ilen - s->ipos;
}

/* wait_fd - poll FD for EVENTS until DEADLINE (monotonic microseconds) */
static gboolean
wait_fd (DkimmodStream *s, int fd, short events, gint64 deadline, GError **error)
{
  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      struct pollfd pfd = { .fd = fd, .events = events };
      int n;

      if (left <= 0)
        {
          s->broken = TRUE;
          g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_TIMEOUT,
                       "timeout on %s", s->name);
          return FALSE;
        }
      n = poll (&pfd, 1, (int) MIN ((left + 999) / 1000, G_MAXINT));
      if (n > 0)
        return TRUE;
      if (n < 0 && errno != EINTR)
        {
          s->broken = TRUE;
          g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
                       "poll %s: %s", s->name, g_strerror (errno));
          return FALSE;
        }
    }
}

/* deadline_from_now - the stream timeout as an absolute monotonic time */
static gint64
deadline_from_now (const DkimmodStream *s)
{
  return g_get_monotonic_time () + (gint64) s->timeout * G_USEC_PER_SEC;
}

/* write_all - write LEN bytes by DEADLINE, as few write(2) calls as the kernel allows */
static gboolean
write_all (DkimmodStream *s, const guint8 *p, gsize len, gint64 deadline, GError **error)
{
  while (len > 0)
    {
      ssize_t n = write (s->wfd, p, len);

      if (n > 0)
        {
          s->write_calls++;
          p += n;
          len -= (gsize) n;
          continue;
        }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        {
          if (!wait_fd (s, s->wfd, POLLOUT, deadline, error))
            return FALSE;
          continue;
        }
      s->broken = TRUE;
      g_set_error (error, DKIMMOD_STREAM_ERROR,
                   errno == EPIPE || errno == ECONNRESET ? DKIMMOD_STREAM_ERROR_EOF
                                                         : DKIMMOD_STREAM_ERROR_IO,
                   "write %s: %s", s->name, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
dkimmod_stream_flush (DkimmodStream *s, GError **error)
{
  gboolean ok;

  if (s->obuf->len == 0)
    return TRUE;
  ok = write_all (s, s->obuf->data, s->obuf->len, deadline_from_now (s), error);
  g_byte_array_set_size (s->obuf, 0);
  return ok;
}

gboolean
dkimmod_stream_write (DkimmodStream *s, const void *data, gsize len, GError **error)
{
  g_byte_array_append (s->obuf, data, (guint) len);
  if (s->obuf->len >= DKIMMOD_STREAM_WRITE_BATCH)
    return dkimmod_stream_flush (s, error);
  return TRUE;
}

gboolean
dkimmod_stream_printf (DkimmodStream *s, GError **error, const char *fmt, ...)
{
  g_autofree char *text = NULL;
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = g_vasprintf (&text, fmt, ap);
  va_end (ap);
  return dkimmod_stream_write (s, text, (gsize) MAX (n, 0), error);
}

/* fill - read more input by DEADLINE; queued output goes out first */
static gboolean
fill (DkimmodStream *s, gint64 deadline, GError **error)
{
  if (!dkimmod_stream_flush (s, error))
    return FALSE;
  if (s->ipos == s->ilen)
    s->ipos = s->ilen = 0;
  else if (s->ilen == DKIMMOD_STREAM_READ_BUFFER)
    {
      memmove (s->ibuf, s->ibuf + s->ipos, s->ilen - s->ipos);
      s->ilen -= s->ipos;
      s->ipos = 0;
    }
  for (;;)
    {
      ssize_t n = read (s->rfd, s->ibuf + s->ilen, DKIMMOD_STREAM_READ_BUFFER - s->ilen);

      if (n > 0)
        {
          s->ilen += (gsize) n;
          return TRUE;
        }
      if (n == 0)
        {
          s->broken = TRUE;
          g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_EOF,
                       "lost connection with %s", s->name);
          return FALSE;
        }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        {
          if (!wait_fd (s, s->rfd, POLLIN, deadline, error))
            return FALSE;
          continue;
        }
      s->broken = TRUE;
      g_set_error (error, DKIMMOD_STREAM_ERROR,
                   errno == ECONNRESET ? DKIMMOD_STREAM_ERROR_EOF : DKIMMOD_STREAM_ERROR_IO,
                   "read %s: %s", s->name, g_strerror (errno));
      return FALSE;
    }
}

gboolean
dkimmod_stream_read_line (DkimmodStream *s, GString *line, gsize maxlen, guint *flags,
                          GError **error)
{
  gint64 deadline = deadline_from_now (s);
  char last = 0;

  g_string_truncate (line, 0);
  *flags = 0;
  for (;;)
    {
      const char *p = s->ibuf + s->ipos;
      gsize avail = s->ilen - s->ipos;
      const char *lf = memchr (p, '\n', avail);
      gsize take = lf ? (gsize) (lf - p) : avail;
      gsize room = line->len < maxlen ? maxlen - line->len : 0;

      g_string_append_len (line, p, (gssize) MIN (take, room));
      if (take > room)
        *flags |= DKIMMOD_LINE_TRUNCATED;
      if (take > 0)
        last = p[take - 1];
      s->ipos += take;
      if (lf != NULL)
        {
          s->ipos++;
          /* A bare LF ends a line too, as in Postfix's smtpd; a truncated
           * line already lost its final CR with the excess. */
          if (last == '\r' && !(*flags & DKIMMOD_LINE_TRUNCATED))
            g_string_truncate (line, line->len - 1);
          return TRUE;
        }
      if (!fill (s, deadline, error))
        return FALSE;
    }
}

const char *
dkimmod_stream_peek (DkimmodStream *s, gsize *len, GError **error)
{
  if (s->ipos == s->ilen && !fill (s, deadline_from_now (s), error))
    return NULL;
  *len = s->ilen - s->ipos;
  return s->ibuf + s->ipos;
}

void
dkimmod_stream_consume (DkimmodStream *s, gsize len)
{
  s->ipos += MIN (len, s->ilen - s->ipos);
}
