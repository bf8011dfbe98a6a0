/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-session.c - fuzz a whole dkimmod-spawn SMTP session
 * DESCRIPTION
 *	Input: one control byte, then everything a Postfix SMTP client sends.
 *	The session runs as in the helper (dkimmod_session_run): the client
 *	side reads a memory file, the next hop is a thread on a socketpair
 *	that answers like smtp-sink. The configuration signs every sender
 *	with an Ed25519 key and d=$senderdomain (so the From domain, which the
 *	input controls, goes through the macro checks), and spills messages
 *	over 2 KB to a spool file. Control bits make the next hop refuse:
 *	bit 0 RCPT (550), bit 1 DATA (554), bit 2 the message (451), bit 3
 *	closes with 421 after MAIL, bit 4 announces SIZE 500; bits 5 and 6
 *	make it misbehave: bit 5 answers DATA with its end-of-data 250 (a
 *	desynchronised reply stream), bit 6 answers "." with 354.
 *	Checks: the session ends with a sysexits status the helper may use,
 *	every line we sent the client is an SMTP reply ("ddd" then space or
 *	dash), the next hop never receives more messages than the client
 *	sent DATA commands, and the client saw 2xx at end of data only for
 *	messages the next hop received whole (its end-of-data "250 2.0.0
 *	queued" reaches the client at most once per message received).
 * STANDARDS
 *	RFC 5321 sections 4.1, 4.2, 4.5.2; RFC 2920.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "config-load.h"
#include "fuzz.h"
#include "log.h"
#include "session.h"

/* The next hop's end-of-data 2xx: the client must see it only for a
 * message the next hop received whole. */
#define HOP_QUEUED "250 2.0.0 queued"

typedef struct {
  int fd;
  guint8 control;
  guint messages;   /* complete messages received */
} NextHop;

/* hop_say - one reply; errors ignored (the session may be gone) */
static void
hop_say (NextHop *h, const char *text)
{
  gsize len = strlen (text);

  while (len > 0)
    {
      ssize_t n = send (h->fd, text, len, MSG_NOSIGNAL);

      if (n <= 0)
        return;
      text += n;
      len -= (gsize) n;
    }
}

/* hop_answer - the reply to one command LINE; FALSE: close */
static gboolean
hop_answer (NextHop *h, const char *line, gboolean *in_data)
{
  if (g_ascii_strncasecmp (line, "EHLO", 4) == 0)
    hop_say (h, (h->control & 16) ? "250-sink\r\n250-PIPELINING\r\n250-SIZE 500\r\n250 8BITMIME\r\n"
                                  : "250-sink\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                                    "250-XFORWARD NAME ADDR PROTO HELO IDENT\r\n"
                                    "250-STARTTLS\r\n250 ENHANCEDSTATUSCODES\r\n");
  else if (g_ascii_strncasecmp (line, "MAIL", 4) == 0 && (h->control & 8))
    {
      hop_say (h, "421 4.3.0 closing\r\n");
      return FALSE;
    }
  else if (g_ascii_strncasecmp (line, "RCPT", 4) == 0 && (h->control & 1))
    hop_say (h, "550 5.1.1 no\r\n");
  else if (g_ascii_strncasecmp (line, "DATA", 4) == 0)
    {
      *in_data = !(h->control & (2 | 32));
      hop_say (h, *in_data ? "354 go\r\n" : (h->control & 32) ? HOP_QUEUED "\r\n"
                                                                 : "554 5.5.1 no\r\n");
    }
  else if (g_ascii_strncasecmp (line, "QUIT", 4) == 0)
    {
      hop_say (h, "221 2.0.0 bye\r\n");
      return FALSE;
    }
  else
    hop_say (h, "250 2.0.0 ok\r\n");
  return TRUE;
}

/* hop_main - the next hop thread: lines in, replies out, until EOF */
static gpointer
hop_main (gpointer data)
{
  NextHop *h = data;
  g_autoptr (GString) line = g_string_new (NULL);
  gboolean in_data = FALSE;
  char buf[8192];
  ssize_t n;

  while ((n = recv (h->fd, buf, sizeof buf, 0)) > 0)
    {
      /* FUZZ_SESSION_DUMP=1: show what the next hop gets (debugging seeds) */
      if (g_getenv ("FUZZ_SESSION_DUMP") != NULL)
        fwrite (buf, 1, (gsize) n, stderr);
      for (ssize_t i = 0; i < n; i++)
        {
          if (buf[i] != '\n')
            {
              if (line->len < 100000)
                g_string_append_c (line, buf[i]);
              continue;
            }
          if (in_data && strcmp (line->str, ".\r") == 0)
            {
              in_data = FALSE;
              h->messages++;
              hop_say (h, (h->control & 4) ? "451 4.3.0 later\r\n"
                          : (h->control & 64) ? "354 more\r\n" : HOP_QUEUED "\r\n");
            }
          else if (!in_data && !hop_answer (h, line->str, &in_data))
            return NULL;
          g_string_truncate (line, 0);
        }
    }
  return NULL;
}

static DkimmodConfig *cfg;
static char *tmp_dir;

/* remove_tmp - atexit: the configuration and the spool directory */
static void
remove_tmp (void)
{
  g_autofree char *conf = g_build_filename (tmp_dir, "dkimmod.conf", NULL);
  g_autofree char *key = g_build_filename (tmp_dir, "key.pem", NULL);

  dkimmod_config_free (cfg);
  (void) g_unlink (conf);
  (void) g_unlink (key);
  (void) g_rmdir (tmp_dir);
}

/* load_config - once per process: sign everything with the Ed25519 key */
static void
load_config (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *text = NULL;
  g_autofree char *key = NULL;
  g_autofree char *pem = NULL;
  gsize pem_len;

  tmp_dir = g_dir_make_tmp ("fuzz-session-XXXXXX", &error);
  fuzz_check (tmp_dir != NULL);
  conf = g_build_filename (tmp_dir, "dkimmod.conf", NULL);
  /* A private copy with mode 0600: a git checkout leaves the test key
   * world-readable, and the helper refuses such keys. */
  key = g_build_filename (tmp_dir, "key.pem", NULL);
  fuzz_check (g_file_get_contents (FUZZ_SRCDIR "/tests/module/data/ed25519.pem", &pem, &pem_len,
                                   NULL));
  fuzz_check (g_file_set_contents_full (key, pem, (gssize) pem_len, G_FILE_SET_CONTENTS_NONE,
                                        0600, NULL));
  text = g_strdup_printf (
    "signing = { sender_map = ( { sender = \".\"; sign = ( { d = \"$senderdomain\"; "
    "s = \"fuzz\"; key = \"%s\"; } ); } ); };\n"
    "spawn = { spool_directory = \"%s\"; spool_memory_max = 2048; "
    "timeout_command = 1; timeout_data = 1; timeout_next_hop = 5; };\n", key, tmp_dir);
  fuzz_check (g_file_set_contents (conf, text, -1, NULL));
  cfg = dkimmod_config_load (conf, 0, NULL, &error);
  if (cfg == NULL)
    fprintf (stderr, "fuzz-session: %s\n", error->message);
  fuzz_check (cfg != NULL);
  atexit (remove_tmp);
}

/* check_output - every line the client got is an SMTP reply, and the
 * next hop's end-of-data 2xx came at most once per message it received */
static void
check_output (int fd, guint messages)
{
  guint queued = 0;

  off_t size = lseek (fd, 0, SEEK_END);
  g_autofree char *out = g_malloc ((gsize) size + 1);
  char *save = NULL;

  fuzz_check (pread (fd, out, (gsize) size, 0) == size);
  out[size] = '\0';
  fuzz_check (size == 0 || g_str_has_suffix (out, "\r\n"));
  for (char *l = strtok_r (out, "\n", &save); l != NULL; l = strtok_r (NULL, "\n", &save))
    {
      fuzz_check (strlen (l) >= 4 && g_ascii_isdigit (l[0]) && g_ascii_isdigit (l[1])
                  && g_ascii_isdigit (l[2]) && (l[3] == ' ' || l[3] == '-' || l[3] == '\r'));
      if (g_str_has_prefix (l, HOP_QUEUED))
        queued++;
    }
  fuzz_check (queued <= messages);
}

/* count_data - DATA commands in the input: an upper bound on messages */
static guint
count_data (const char *text, gsize len)
{
  guint n = 0;

  for (gsize i = 0; i + 4 <= len; i++)
    if ((i == 0 || text[i - 1] == '\n') && g_ascii_strncasecmp (text + i, "DATA", 4) == 0)
      n++;
  return n;
}

/* The helper's own log writer (it routes GLib messages to the mail log;
 * GLib takes only one). Without /dev/log the lines are dropped. */
void
fuzz_init (void)
{
  dkimmod_log_open ("fuzz-session", "mail", NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static DkimmodContext *ctx;
  int pair[2], in_fd, out_fd, status;
  NextHop hop = { 0 };
  GThread *thread;

  if (size < 1)
    return 0;
  if (cfg == NULL)
    {
      load_config ();
      ctx = dkimmod_context_new ();
    }
  in_fd = memfd_create ("fuzz-in", MFD_CLOEXEC);
  out_fd = memfd_create ("fuzz-out", MFD_CLOEXEC);
  fuzz_check (in_fd >= 0 && out_fd >= 0);
  fuzz_check (write (in_fd, data + 1, size - 1) == (ssize_t) (size - 1));
  fuzz_check (lseek (in_fd, 0, SEEK_SET) == 0);
  fuzz_check (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  hop.fd = pair[1];
  hop.control = data[0];
  thread = g_thread_new ("next-hop", hop_main, &hop);
  {
    g_autoptr (DkimmodStream) client = dkimmod_stream_new (in_fd, out_fd, "client");
    g_autoptr (DkimmodStream) next = dkimmod_stream_new (pair[0], pair[0], "next hop fuzz");
    DkimmodSession sess = { .cfg = cfg, .set = dkimmod_config_spawn (cfg), .ctx = ctx,
                            .client = client, .next = next, .next_name = "fuzz" };

    dkimmod_stream_set_timeout (client, sess.set->timeout_command);
    dkimmod_stream_set_timeout (next, sess.set->timeout_next_hop);
    status = dkimmod_session_run (&sess);
    dkimmod_session_reset (&sess);
    (void) dkimmod_stream_flush (client, NULL);
  }
  shutdown (pair[0], SHUT_RDWR);
  g_thread_join (thread);
  close (pair[0]);
  close (pair[1]);
  fuzz_check (status == DKIMMOD_EXIT_OK || status == DKIMMOD_EXIT_TEMPFAIL);
  fuzz_check (hop.messages <= count_data ((const char *) data + 1, size - 1));
  check_output (out_fd, hop.messages);
  close (in_fd);
  close (out_fd);
  return 0;
}
