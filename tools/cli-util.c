/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cli-util.c - diagnostics, exit statuses, file I/O and line endings
 * SYNOPSIS
 *	dkimmod_cli_warn, dkimmod_cli_status_exit, dkimmod_cli_read_fd,
 *	dkimmod_cli_write_all, dkimmod_cli_is_lf_form, dkimmod_cli_to_crlf,
 *	dkimmod_cli_crlf_to_lf, dkimmod_cli_parse_header_block,
 *	dkimmod_cli_parse_u64
 * DESCRIPTION
 *	DKIM is defined over CRLF lines (RFC 6376 section 3.4, RFC 5322
 *	section 2.1), but a message kept in a Unix file ends its lines in LF.
 *	The tool signs the form that SMTP will carry: every LF that is not
 *	already preceded by CR counts as a line end and is hashed as CRLF,
 *	which is also what Postfix's sendmail(1) and smtpd(8) do with a bare
 *	LF. The bytes written back are the input's own; only the lines the
 *	tool adds take the input's ending, chosen by its first line: CRLF if
 *	the first line ends in CRLF, LF otherwise. A lone CR is data (RFC 6376
 *	simple canonicalization keeps it) and is never touched.
 * STANDARDS
 *	RFC 6376 section 3.4 (canonicalization over CRLF lines); sysexits(3).
 * NEVER
 *	Change a byte of the message on output.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config-load.h"

void
dkimmod_cli_warn (const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "dkimmod: %s\n", msg);
}

int
dkimmod_cli_status_exit (DkimmodStatus code)
{
  switch (code)
    {
    case DKIMMOD_OK:
      return EX_OK;
    case DKIMMOD_E_SYNTAX:
    case DKIMMOD_E_LIMIT:
    case DKIMMOD_E_KEY:
      return EX_DATAERR;
    case DKIMMOD_E_ALGORITHM:
    case DKIMMOD_E_INVAL:
      return EX_USAGE;
    case DKIMMOD_E_IO:
      return EX_IOERR;
    case DKIMMOD_E_CONFIG:
      return EX_CONFIG;
    case DKIMMOD_E_CRYPTO:
    default:
      return EX_SOFTWARE;
    }
}

GBytes *
dkimmod_cli_read_fd (int fd, GError **error)
{
  g_autoptr (GByteArray) buf = g_byte_array_sized_new (64 * 1024);
  guint8 chunk[64 * 1024];

  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n == 0)
        break;
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "read: %s",
                       g_strerror (errno));
          return NULL;
        }
      g_byte_array_append (buf, chunk, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

gboolean
dkimmod_cli_write_all (int fd, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "write: %s",
                       g_strerror (errno));
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

gboolean
dkimmod_cli_is_lf_form (const guint8 *data, gsize len)
{
  const guint8 *nl = memchr (data, '\n', len);

  /* No line end at all: a Unix file is the likelier origin. */
  if (nl == NULL)
    return TRUE;
  return nl == data || nl[-1] != '\r';
}

GBytes *
dkimmod_cli_to_crlf (GBytes *data)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);
  gsize bare = 0;
  g_autoptr (GByteArray) out = NULL;

  for (gsize i = 0; i < len; i++)
    if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
      bare++;
  if (bare == 0)
    return g_bytes_ref (data);

  out = g_byte_array_sized_new ((guint) (len + bare));
  for (gsize i = 0, start = 0; i <= len; i++)
    {
      if (i == len || (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')))
        {
          g_byte_array_append (out, p + start, (guint) (i - start));
          if (i < len)
            g_byte_array_append (out, (const guint8 *) "\r\n", 2);
          start = i + 1;
        }
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

gsize
dkimmod_cli_crlf_to_lf (char *text, gsize len)
{
  gsize o = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
        continue;
      text[o++] = text[i];
    }
  if (o < len)
    text[o] = '\0';
  return o;
}

DkimmodMsgParser *
dkimmod_cli_parse_header_block (GBytes *msg, gsize *body_off, int *status)
{
  g_autoptr (DkimmodMsgParser) parser = dkimmod_msgparser_new ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (msg, &len);
  gboolean done = FALSE;
  gsize used = dkimmod_msgparser_feed (parser, data, len, &done, &error);

  if (used == (gsize) -1)
    {
      dkimmod_cli_warn ("message header: %s", error->message);
      *status = EX_DATAERR;
      return NULL;
    }
  if (!done)
    dkimmod_msgparser_finish (parser);
  *body_off = used;
  return g_steal_pointer (&parser);
}

gboolean
dkimmod_cli_parse_u64 (const char *text, guint64 min, guint64 max, guint64 *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL))
    return FALSE;
  *out = v;
  return TRUE;
}

char *
dkimmod_cli_config_sender (const DkimmodConfig *cfg, DkimmodMsgParser *parser, const char *given)
{
  g_autofree char *value = NULL;

  if (given != NULL)
    return g_strdup (given);
  switch (dkimmod_config_sender_source (cfg))
    {
    case DKIMMOD_SENDER_ENVELOPE:
      return NULL;
    case DKIMMOD_SENDER_SENDER_THEN_FROM:
      value = dkimmod_msgparser_value (parser, "Sender");
      if (value != NULL)
        break;
      G_GNUC_FALLTHROUGH;
    case DKIMMOD_SENDER_FROM:
    default:
      value = dkimmod_msgparser_value (parser, "From");
      break;
    }
  return value != NULL ? dkimmod_address_first (value) : NULL;
}
