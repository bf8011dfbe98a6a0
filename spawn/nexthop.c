/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	nexthop.c - SMTP client side: connect to the next hop, read replies,
 *	filter its EHLO extensions
 * SYNOPSIS
 *	dkimmod_nexthop_connect, dkimmod_split_host_port, dkimmod_smtp_read_reply,
 *	dkimmod_ehlo_filter
 * DESCRIPTION
 *	dkimmod-spawn connects to the next hop before it greets its client, so
 *	a next hop that is down costs the client one 421 and Postfix defers
 *	(the client has sent nothing yet, so nothing is half done). The connect is non-blocking with a poll
 *	deadline; every address getaddrinfo(3) returns is tried in turn.
 *
 *	Replies are read line by line with the same bounds as commands and
 *	kept verbatim, because the next hop's final reply is what the client
 *	must see.
 *
 *	EHLO: only extensions the filter really handles are passed back, and
 *	SIZE is what we accept: the next hop's (or message_size_max) minus
 *	the bytes we may add (headroom.c). XFORWARD is always announced,
 *	with every attribute (the filter keeps them itself, xforward.c); the
 *	next hop's own XFORWARD line only tells which of them it takes.
 *	STARTTLS would encrypt a session the filter must read, CHUNKING would
 *	bring BDAT, which it does not parse, and AUTH belongs to the real
 *	submission server; all other unknown keywords are dropped too. What
 *	the next hop offers us is a separate question: its PIPELINING lets
 *	the session hold XFORWARD and MAIL (pipeline.c) and its CHUNKING
 *	takes the message as BDAT (data.c); dkimmod_ehlo_filter says which.
 * STANDARDS
 *	RFC 5321 section 4.2 (reply syntax) and 4.1.1.1 (EHLO reply), RFC 1870
 *	(SIZE), RFC 2920 (PIPELINING), RFC 3030 (CHUNKING: used, never offered).
 * SECURITY
 *	A reply has at most DKIMMOD_SMTP_REPLY_LINES_MAX lines of at most
 *	DKIMMOD_SMTP_LINE_MAX bytes; anything else is a broken next hop.
 */
#include "nexthop.h"

#include "headroom.h"
#include "xforward.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* connect_wait - finish a non-blocking connect within TIMEOUT seconds */
static int
connect_wait (int fd, const struct sockaddr *sa, socklen_t len, guint timeout)
{
  struct pollfd pfd = { .fd = fd, .events = POLLOUT };
  int err = 0;
  socklen_t el = sizeof err;
  int n;

  if (connect (fd, sa, len) == 0)
    return 0;
  if (errno != EINPROGRESS)
    return -1;
  do
    n = poll (&pfd, 1, (int) MIN (timeout, 86400u) * 1000);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    {
      errno = ETIMEDOUT;
      return -1;
    }
  if (n < 0 || getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
    return -1;
  errno = err;
  return err == 0 ? 0 : -1;
}

/* connect_unix - SOCK_STREAM to PATH */
static int
connect_unix (const char *path, guint timeout)
{
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  int fd;

  if (strlen (path) >= sizeof sun.sun_path)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  strcpy (sun.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect_wait (fd, (struct sockaddr *) &sun, sizeof sun, timeout) < 0)
    {
      int e = errno;

      close (fd);
      errno = e;
      fd = -1;
    }
  return fd;
}

gboolean
dkimmod_split_host_port (const char *spec, char **host, char **port)
{
  const char *colon;

  if (spec[0] == '[')
    {
      const char *end = strchr (spec, ']');

      if (end == NULL || end[1] != ':' || end[2] == '\0')
        return FALSE;
      *host = g_strndup (spec + 1, (gsize) (end - spec - 1));
      *port = g_strdup (end + 2);
      return TRUE;
    }
  colon = strrchr (spec, ':');
  if (colon == NULL || colon == spec || colon[1] == '\0' || strchr (spec, ':') != colon)
    return FALSE;
  *host = g_strndup (spec, (gsize) (colon - spec));
  *port = g_strdup (colon + 1);
  return TRUE;
}

/* connect_inet - try every address of HOST:PORT */
static int
connect_inet (const char *host, const char *port, guint timeout, GError **error)
{
  /* A literal address and port (the usual 127.0.0.1:10026) first: no
   * resolver, no /etc/services, no AI_ADDRCONFIG netlink query. A name
   * goes the whole way. */
  struct addrinfo literal = { .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
  struct addrinfo *res = NULL;
  int fd = -1;
  int e = ECONNREFUSED;
  int rc = getaddrinfo (host, port, &literal, &res);

  if (rc != 0)
    rc = getaddrinfo (host, port, &hints, &res);
  if (rc != 0)
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO, "%s:%s: %s", host, port,
                   gai_strerror (rc));
      return -1;
    }
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
    {
      fd = socket (ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   ai->ai_protocol);
      if (fd >= 0 && connect_wait (fd, ai->ai_addr, ai->ai_addrlen, timeout) < 0)
        {
          e = errno;
          close (fd);
          fd = -1;
        }
    }
  freeaddrinfo (res);
  if (fd < 0)
    g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO, "connect to %s:%s: %s", host,
                 port, g_strerror (e));
  return fd;
}

int
dkimmod_nexthop_connect (const char *spec, guint timeout, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;

  if (spec == NULL || *spec == '\0')
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO, "no next_hop configured");
      return -1;
    }
  if (g_str_has_prefix (spec, "unix:"))
    {
      int fd = connect_unix (spec + 5, timeout);

      if (fd < 0)
        g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO, "connect to %s: %s",
                     spec, g_strerror (errno));
      return fd;
    }
  if (g_str_has_prefix (spec, "inet:"))
    spec += 5;
  if (!dkimmod_split_host_port (spec, &host, &port))
    {
      g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO,
                   "next_hop \"%s\": expected host:port, [address]:port or unix:/path", spec);
      return -1;
    }
  return connect_inet (host, port, timeout, error);
}

/* reply_line_ok - "ddd", "ddd text" or "ddd-text", same code as the first */
static gboolean
reply_line_ok (const GString *line, const char *first_code)
{
  if (line->len < 3 || !g_ascii_isdigit (line->str[0]) || !g_ascii_isdigit (line->str[1])
      || !g_ascii_isdigit (line->str[2]))
    return FALSE;
  if (line->len > 3 && line->str[3] != ' ' && line->str[3] != '-')
    return FALSE;
  return first_code == NULL || memcmp (line->str, first_code, 3) == 0;
}

gboolean
dkimmod_smtp_read_reply (DkimmodStream *s, GString *reply, int *code, GError **error)
{
  g_autoptr (GString) line = g_string_new (NULL);
  char first[4] = "";

  g_string_truncate (reply, 0);
  for (guint n = 0; n < DKIMMOD_SMTP_REPLY_LINES_MAX; n++)
    {
      guint flags;

      if (!dkimmod_stream_read_line (s, line, DKIMMOD_SMTP_LINE_MAX, &flags, error))
        return FALSE;
      if ((flags & DKIMMOD_LINE_TRUNCATED) || !reply_line_ok (line, n ? first : NULL))
        break;
      if (n == 0)
        memcpy (first, line->str, 3);
      g_string_append_len (reply, line->str, (gssize) line->len);
      g_string_append (reply, "\r\n");
      if (line->len == 3 || line->str[3] == ' ')
        {
          *code = (int) g_ascii_strtoull (first, NULL, 10);
          return TRUE;
        }
    }
  dkimmod_stream_set_broken (s);
  g_set_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_IO, "malformed reply from %s",
               dkimmod_stream_name (s));
  return FALSE;
}

/* ehlo_keyword - the extension bit for an EHLO line's keyword, 0 to drop */
static guint
ehlo_keyword (const char *text)
{
  static const struct { const char *word; guint bit; } known[] = {
    { "PIPELINING", DKIMMOD_EXT_PIPELINING },
    { "SIZE", DKIMMOD_EXT_SIZE },
    { "8BITMIME", DKIMMOD_EXT_8BITMIME },
    { "SMTPUTF8", DKIMMOD_EXT_SMTPUTF8 },
    { "DSN", DKIMMOD_EXT_DSN },
    { "ENHANCEDSTATUSCODES", DKIMMOD_EXT_ENHANCEDSTATUSCODES },
    { "XFORWARD", DKIMMOD_EXT_XFORWARD },
    { "CHUNKING", DKIMMOD_EXT_CHUNKING },
  };
  gsize wl = strcspn (text, " ");

  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (wl == strlen (known[i].word) && g_ascii_strncasecmp (text, known[i].word, wl) == 0)
      return known[i].bit;
  return 0;
}

GString *
dkimmod_ehlo_filter (const char *reply, guint64 size_max, guint64 headroom, guint64 *limit,
                     guint *xforward, guint *ext)
{
  guint64 next_size = 0;
  guint size_at = 0;          /* index in KEEP of the SIZE line, 0: none */
  g_auto (GStrv) lines = g_strsplit (reply, "\r\n", -1);
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);

  *xforward = 0;
  if (ext != NULL)
    *ext = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *text = strlen (lines[i]) > 4 ? lines[i] + 4 : "";
      guint bit = ehlo_keyword (text);

      if (lines[i][0] == '\0')
        continue;
      if (i == 0)
        {
          g_ptr_array_add (keep, g_strdup (text));
          continue;
        }
      if (ext != NULL)
        *ext |= bit;
      /* CHUNKING is for our side of the next hop (data.c): a client's
       * BDAT would bypass the dot-unstuffing we sign through. */
      if (bit == 0 || bit == DKIMMOD_EXT_CHUNKING)
        continue;
      /* XFORWARD is ours to announce (xforward.c): the next hop's list
       * only says which attributes we pass on. */
      if (bit == DKIMMOD_EXT_XFORWARD)
        {
          *xforward |= dkimmod_xforward_announced (text);
          continue;
        }
      if (bit == DKIMMOD_EXT_SIZE)
        {
          next_size = g_ascii_strtoull (text + MIN (strlen (text), 5), NULL, 10);
          size_at = keep->len;
        }
      g_ptr_array_add (keep, g_strdup (text));
    }
  /* Our limit replaces the next hop's, and is announced even when the
   * next hop has none. */
  *limit = dkimmod_headroom_limit (size_max, next_size, headroom);
  if (*limit > 0 && keep->len > 0)
    {
      char *size = g_strdup_printf ("SIZE %" G_GUINT64_FORMAT, *limit);

      if (size_at > 0)
        {
          g_free (keep->pdata[size_at]);
          keep->pdata[size_at] = size;
        }
      else
        g_ptr_array_add (keep, size);
    }
  if (keep->len > 0)
    g_ptr_array_add (keep, g_strdup (DKIMMOD_XFORWARD_EHLO));
  for (guint i = 0; i < keep->len; i++)
    g_string_append_printf (out, "250%c%s\r\n", i + 1 < keep->len ? '-' : ' ',
                            (const char *) keep->pdata[i]);
  return out;
}
