/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-smtp.c - fuzz dkimmod-spawn's SMTP command, DATA and reply readers
 * DESCRIPTION
 *	Input: one control byte, then the bytes a peer sends. The input is
 *	put in a memory file read through a real DkimmodStream (the code the
 *	helper runs on fd 0), with a 1 s timeout that the end of the file
 *	never reaches.
 *	Control bit 0 clear, client side: commands are read with
 *	dkimmod_stream_read_line as session.c does; after a "DATA" line the
 *	message is read with the unstuffer as data.c does, until CRLF.CRLF.
 *	Checks against SMTP smuggling: the raw bytes that ended DATA end in
 *	CRLF "." CRLF (or are ".\r\n" at its start); and the content,
 *	dot-stuffed again for the next hop and read back, is the same content
 *	ending at the very end, so the next hop cannot see another message.
 *	An "XFORWARD" line goes through xforward.c: accepted attributes,
 *	encoded again for the next hop, parse back to the same values, and
 *	no kept value holds a byte outside "!".."~".
 *	Control bit 0 set, next-hop side: replies with dkimmod_smtp_read_reply,
 *	and every EHLO-looking reply through dkimmod_ehlo_filter.
 * STANDARDS
 *	RFC 5321 sections 2.3.8, 4.1.1.4, 4.2, 4.5.2.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>

#include "dotstuff.h"
#include "fuzz.h"
#include "nexthop.h"
#include "smtp-io.h"
#include "xforward.h"

/* collect - emit callback: appends to a GByteArray */
static gboolean
collect (const char *data, gsize len, gpointer user_data, GError **error)
{
  g_byte_array_append (user_data, (const guint8 *) data, len);
  return TRUE;
}

/* expected_back - CONTENT as a strict reader gets it back: the stuffer
 * also doubles a "." after a bare LF (dotstuff.c), which a strict
 * unstuffer keeps */
static GByteArray *
expected_back (GByteArray *content)
{
  GByteArray *out = g_byte_array_sized_new (content->len);

  for (guint i = 0; i < content->len; i++)
    {
      const guint8 *c = content->data;

      if (c[i] == '.' && i > 0 && c[i - 1] == '\n' && (i < 2 || c[i - 2] != '\r'))
        g_byte_array_append (out, (const guint8 *) ".", 1);
      g_byte_array_append (out, c + i, 1);
    }
  return out;
}

/* check_round_trip - CONTENT stuffed + ".\r\n" unstuffs to CONTENT, ending
 * exactly at the last byte: the next hop sees one message, ours */
static void
check_round_trip (GByteArray *content)
{
  g_autoptr (GByteArray) wire = g_byte_array_new ();
  g_autoptr (GByteArray) back = g_byte_array_new ();
  DkimmodStuffer st;
  DkimmodUnstuffer u;
  gboolean end = FALSE;
  gsize used;

  dkimmod_stuffer_init (&st);
  fuzz_check (dkimmod_stuff (&st, (const char *) content->data, content->len, collect, wire,
                             NULL));
  /* data.c's forward() always sends content ending in CRLF before "."
   * (the message is canonical CRLF text); make that so here too. */
  if (content->len > 0 && !(content->len >= 2 && content->data[content->len - 2] == '\r'
                            && content->data[content->len - 1] == '\n'))
    return;
  g_byte_array_append (wire, (const guint8 *) ".\r\n", 3);
  dkimmod_unstuffer_init (&u);
  used = dkimmod_unstuff (&u, (const char *) wire->data, wire->len, &end, collect, back);
  fuzz_check (end && used == wire->len);
  g_autoptr (GByteArray) want = expected_back (content);
  fuzz_check (back->len == want->len
              && (back->len == 0 || memcmp (back->data, want->data, back->len) == 0));
}

/* read_data - DATA content from S up to end of data; FALSE at EOF */
static gboolean
read_data (DkimmodStream *s)
{
  g_autoptr (GByteArray) content = g_byte_array_new ();
  g_autoptr (GByteArray) raw = g_byte_array_new ();
  DkimmodUnstuffer u;
  gboolean end = FALSE;

  dkimmod_unstuffer_init (&u);
  while (!end)
    {
      gsize len, used;
      const char *buf = dkimmod_stream_peek (s, &len, NULL);

      if (buf == NULL)
        return FALSE;
      used = dkimmod_unstuff (&u, buf, len, &end, collect, content);
      fuzz_check (used <= len && (end || used == len));
      g_byte_array_append (raw, (const guint8 *) buf, used);
      dkimmod_stream_consume (s, used);
    }
  fuzz_check ((raw->len == 3 && memcmp (raw->data, ".\r\n", 3) == 0)
              || (raw->len >= 5 && memcmp (raw->data + raw->len - 5, "\r\n.\r\n", 5) == 0));
  fuzz_check (content->len < raw->len);
  check_round_trip (content);
  return TRUE;
}

/* check_xforward - LINE through xforward.c, and its re-encoding back */
static void
check_xforward (const char *line)
{
  DkimmodXforward cmd = { 0 }, again = { 0 };
  g_autofree char *reply = NULL;
  g_autofree char *reply2 = NULL;
  g_autofree char *next = NULL;

  if (!dkimmod_xforward_parse (line, &cmd, &reply))
    {
      fuzz_check (reply != NULL && g_str_has_prefix (reply, "501 5.5.4 "));
      fuzz_check (strpbrk (reply, "\r\n") == NULL);
      return;
    }
  for (guint a = 0; a < DKIMMOD_XF_COUNT; a++)
    for (const char *p = cmd.value[a]; p != NULL && *p != '\0'; p++)
      fuzz_check (*p >= '!' && *p <= '~');
  next = dkimmod_xforward_command (&cmd, DKIMMOD_XF_ALL);
  fuzz_check (next != NULL);
  fuzz_check (dkimmod_xforward_parse (next, &again, &reply2));
  for (guint a = 0; a < DKIMMOD_XF_COUNT; a++)
    fuzz_check (g_strcmp0 (cmd.value[a], again.value[a]) == 0);
  dkimmod_xforward_clear (&cmd);
  dkimmod_xforward_clear (&again);
}

/* client_side - commands and DATA, as session.c and data.c read them */
static void
client_side (DkimmodStream *s)
{
  g_autoptr (GString) line = g_string_new (NULL);
  guint flags;

  while (dkimmod_stream_read_line (s, line, DKIMMOD_SMTP_LINE_MAX, &flags, NULL))
    {
      fuzz_check (line->len <= DKIMMOD_SMTP_LINE_MAX);
      fuzz_check (memchr (line->str, '\n', line->len) == NULL);
      if (g_ascii_strcasecmp (line->str, "DATA") == 0 && !read_data (s))
        return;
      if (g_ascii_strncasecmp (line->str, "XFORWARD", 8) == 0
          && (line->str[8] == ' ' || line->str[8] == '\0')
          && (flags & DKIMMOD_LINE_TRUNCATED) == 0
          && memchr (line->str, '\0', line->len) == NULL)
        check_xforward (line->str);
    }
}

/* next_hop_side - replies as nexthop.c reads them */
static void
next_hop_side (DkimmodStream *s)
{
  g_autoptr (GString) reply = g_string_new (NULL);
  int code;

  while (dkimmod_smtp_read_reply (s, reply, &code, NULL))
    {
      guint64 next_size = 0;

      /* Three digits; nexthop.c takes any (also "020"), see security.md. */
      fuzz_check (code >= 0 && code <= 999);
      if (code == 250)
        {
          guint xf, ext;
          g_autoptr (GString) kept = dkimmod_ehlo_filter (reply->str, 10240000, 1000, &next_size,
                                                          &xf, &ext);

          fuzz_check (kept != NULL && (xf & ~DKIMMOD_XF_ALL) == 0);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int out_fd = -1;
  int fd;

  if (size < 1)
    return 0;
  if (out_fd < 0)
    out_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  fd = memfd_create ("fuzz-smtp", MFD_CLOEXEC);
  fuzz_check (fd >= 0);
  fuzz_check (write (fd, data + 1, size - 1) == (ssize_t) (size - 1));
  fuzz_check (lseek (fd, 0, SEEK_SET) == 0);
  {
    g_autoptr (DkimmodStream) s = dkimmod_stream_new (fd, out_fd, "fuzz");

    dkimmod_stream_set_timeout (s, 1);
    if (data[0] & 1)
      next_hop_side (s);
    else
      client_side (s);
  }
  close (fd);
  return 0;
}
