/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-smtp-io.c - bounded line reads, deadlines, write batching,
 *	reply parsing and EHLO filtering (spawn/smtp-io.c, spawn/nexthop.c)
 */
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nexthop.h"
#include "smtp-io.h"
#include "xforward.h"

typedef struct {
  int peer;                 /* the test's end */
  DkimmodStream *s;         /* the stream's end */
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  int sv[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
  f->peer = sv[0];
  f->s = dkimmod_stream_new (sv[1], sv[1], "client");
  dkimmod_stream_set_timeout (f->s, 1);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  dkimmod_stream_free (f->s);
  close (f->peer);
}

static void
put (Fixture *f, const char *text)
{
  g_assert_cmpint (write (f->peer, text, strlen (text)), ==, (gssize) strlen (text));
}

static void
test_lines (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) line = g_string_new (NULL);
  guint flags;

  put (f, "EHLO a\r\nNOOP\nRSET\r");
  g_assert_true (dkimmod_stream_read_line (f->s, line, 100, &flags, NULL));
  g_assert_cmpstr (line->str, ==, "EHLO a");
  g_assert_cmpuint (flags, ==, 0);
  g_assert_true (dkimmod_stream_read_line (f->s, line, 100, &flags, NULL));
  g_assert_cmpstr (line->str, ==, "NOOP");
  g_assert_cmpuint (flags, ==, 0);   /* a bare LF ends a line too */
  /* CR and LF in different reads */
  put (f, "\nQUIT\r\n");
  g_assert_true (dkimmod_stream_read_line (f->s, line, 100, &flags, NULL));
  g_assert_cmpstr (line->str, ==, "RSET");
  g_assert_cmpuint (flags, ==, 0);
  g_assert_cmpuint (dkimmod_stream_pending (f->s), ==, 6);
}

/* An overlong line is cut and the rest skipped: the next line is intact. */
static void
test_overlong_stays_in_sync (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autofree char *big = g_strnfill (20000, 'x');
  guint flags;

  put (f, big);
  put (f, "\r\nNOOP\r\n");
  g_assert_true (dkimmod_stream_read_line (f->s, line, 512, &flags, NULL));
  g_assert_cmpuint (line->len, ==, 512);
  g_assert_true (flags & DKIMMOD_LINE_TRUNCATED);
  g_assert_true (dkimmod_stream_read_line (f->s, line, 512, &flags, NULL));
  g_assert_cmpstr (line->str, ==, "NOOP");
  g_assert_cmpuint (flags, ==, 0);
}

/* A line that never ends times out; so does silence. */
static void
test_deadline (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  guint flags;

  put (f, "MAIL FROM:<a@b>");
  g_assert_false (dkimmod_stream_read_line (f->s, line, 512, &flags, &error));
  g_assert_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC * 3);
  g_assert_true (dkimmod_stream_broken (f->s));
}

static void
test_eof (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  guint flags;

  shutdown (f->peer, SHUT_WR);
  g_assert_false (dkimmod_stream_read_line (f->s, line, 512, &flags, &error));
  g_assert_error (error, DKIMMOD_STREAM_ERROR, DKIMMOD_STREAM_ERROR_EOF);
}

/* Replies queue until the stream must wait for input: one write. */
static void
test_write_batching (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autofree char *big = g_malloc0 (DKIMMOD_STREAM_WRITE_BATCH);
  char buf[256];
  guint flags;

  g_assert_true (dkimmod_stream_printf (f->s, NULL, "250 a\r\n"));
  g_assert_true (dkimmod_stream_printf (f->s, NULL, "250 b\r\n"));
  g_assert_cmpuint (dkimmod_stream_write_calls (f->s), ==, 0);
  put (f, "NOOP\r\n");
  /* Input is ready, yet the buffer was empty: reading flushes first. */
  g_assert_true (dkimmod_stream_read_line (f->s, line, 512, &flags, NULL));
  g_assert_cmpuint (dkimmod_stream_write_calls (f->s), ==, 1);
  g_assert_cmpint (read (f->peer, buf, sizeof buf), ==, 14);
  /* A full batch leaves at once. */
  g_assert_true (dkimmod_stream_write (f->s, big, DKIMMOD_STREAM_WRITE_BATCH, NULL));
  g_assert_cmpuint (dkimmod_stream_write_calls (f->s), ==, 2);
}

static void
test_reply (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) reply = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  int code = 0;

  put (f, "250-one\r\n250-two\r\n250 three\r\n354\r\n25x bad\r\n");
  g_assert_true (dkimmod_smtp_read_reply (f->s, reply, &code, NULL));
  g_assert_cmpint (code, ==, 250);
  g_assert_cmpstr (reply->str, ==, "250-one\r\n250-two\r\n250 three\r\n");
  g_assert_true (dkimmod_smtp_read_reply (f->s, reply, &code, NULL));
  g_assert_cmpint (code, ==, 354);
  g_assert_false (dkimmod_smtp_read_reply (f->s, reply, &code, &error));
  g_assert_nonnull (error);
  g_assert_true (dkimmod_stream_broken (f->s));
}

static void
test_reply_mixed_codes (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) reply = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  int code = 0;

  put (f, "250-one\r\n550 two\r\n");
  g_assert_false (dkimmod_smtp_read_reply (f->s, reply, &code, &error));
  g_assert_nonnull (error);
}

/* string_free_all - g_string_free (s, TRUE) for g_clear_pointer */
static void
string_free_all (GString *s)
{
  g_string_free (s, TRUE);
}

static void
test_ehlo_filter (void)
{
  const char *in = "250-next.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                   "250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n"
                   "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"
                   "250-XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT\r\n250 CHUNKING\r\n";
  guint64 size;
  guint xf;
  guint ext;
  g_autoptr (GString) out = dkimmod_ehlo_filter (in, 0, 0, &size, &xf, &ext);
  g_autoptr (GString) small = NULL;
  g_autoptr (GString) none = NULL;
  g_autoptr (GString) room = NULL;
  g_autoptr (GString) unlimited = NULL;

  g_assert_cmpstr (out->str, ==,
                   "250-next.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                   "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"
                   "250 XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT\r\n");
  g_assert_cmpuint (size, ==, 10240000);
  g_assert_cmpuint (xf, ==, DKIMMOD_XF_ALL);
  /* What the next hop offers us: CHUNKING too, which the client never sees. */
  g_assert_cmpuint (ext, ==,
                    DKIMMOD_EXT_PIPELINING | DKIMMOD_EXT_SIZE | DKIMMOD_EXT_ENHANCEDSTATUSCODES
                    | DKIMMOD_EXT_8BITMIME | DKIMMOD_EXT_DSN | DKIMMOD_EXT_SMTPUTF8
                    | DKIMMOD_EXT_XFORWARD | DKIMMOD_EXT_CHUNKING);
  /* The greeting line's name is no keyword. */
  g_clear_pointer (&small, string_free_all);
  small = dkimmod_ehlo_filter ("250 PIPELINING\r\n", 0, 0, &size, &xf, &ext);
  g_assert_cmpuint (ext, ==, 0);
  g_clear_pointer (&small, string_free_all);
  small = dkimmod_ehlo_filter ("250-x\r\n250 pipelining\r\n", 0, 0, &size, &xf, &ext);
  g_assert_cmpuint (ext, ==, DKIMMOD_EXT_PIPELINING);
  g_clear_pointer (&small, string_free_all);
  small = dkimmod_ehlo_filter (in, 1000, 0, &size, &xf, NULL);
  g_assert_nonnull (strstr (small->str, "250-SIZE 1000\r\n"));
  /* XFORWARD is ours to announce even when the next hop has none; an
   * older next hop's shorter list says what it takes. */
  none = dkimmod_ehlo_filter ("250-x\r\n250 STARTTLS\r\n", 5000, 0, &size, &xf, NULL);
  g_assert_cmpstr (none->str, ==,
                   "250-x\r\n250-SIZE 5000\r\n250 XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT\r\n");
  g_assert_cmpuint (xf, ==, 0);
  g_clear_pointer (&none, string_free_all);
  none = dkimmod_ehlo_filter ("250-x\r\n250 XFORWARD name ADDR HELO\r\n", 0, 0, &size, &xf, NULL);
  g_assert_cmpuint (xf, ==, DKIMMOD_XF_BIT (DKIMMOD_XF_NAME) | DKIMMOD_XF_BIT (DKIMMOD_XF_ADDR)
                    | DKIMMOD_XF_BIT (DKIMMOD_XF_HELO));
  /* The headroom comes off the next hop's SIZE (issue 9 item 2). */
  room = dkimmod_ehlo_filter (in, 0, 4000, &size, &xf, NULL);
  g_assert_nonnull (strstr (room->str, "250-SIZE 10236000\r\n"));
  g_assert_cmpuint (size, ==, 10236000);
  /* "SIZE" alone: no limit, left as it is. */
  unlimited = dkimmod_ehlo_filter ("250-x\r\n250 SIZE\r\n", 0, 4000, &size, &xf, NULL);
  g_assert_cmpstr (unlimited->str, ==, "250-x\r\n250-SIZE\r\n250 " DKIMMOD_XFORWARD_EHLO "\r\n");
  g_assert_cmpuint (size, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/smtp-io/lines", Fixture, NULL, setup, test_lines, teardown);
  g_test_add ("/smtp-io/overlong-stays-in-sync", Fixture, NULL, setup,
              test_overlong_stays_in_sync, teardown);
  g_test_add ("/smtp-io/deadline", Fixture, NULL, setup, test_deadline, teardown);
  g_test_add ("/smtp-io/eof", Fixture, NULL, setup, test_eof, teardown);
  g_test_add ("/smtp-io/write-batching", Fixture, NULL, setup, test_write_batching, teardown);
  g_test_add ("/nexthop/reply", Fixture, NULL, setup, test_reply, teardown);
  g_test_add ("/nexthop/reply-mixed-codes", Fixture, NULL, setup, test_reply_mixed_codes,
              teardown);
  g_test_add_func ("/nexthop/ehlo-filter", test_ehlo_filter);
  return g_test_run ();
}
