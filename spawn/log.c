/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	log.c - dkimmod-spawn logging to syslog or to Postfix's postlogd
 * SYNOPSIS
 *	dkimmod_log_open, dkimmod_log_reopen, dkimmod_log, dkimmod_log_sanitize
 * DESCRIPTION
 *	Under spawn(8) stderr is the SMTP socket, so nothing may ever be
 *	printed: every diagnostic goes through dkimmod_log.
 *
 *	Where the host runs a syslog daemon (/dev/log exists) lines go to
 *	syslog(3) with LOG_PID|LOG_NDELAY and facility mail by default. In
 *	containers Postfix often logs through postlogd (maillog_file) and there
 *	is no syslog socket; spawn starts us in the queue directory, whose
 *	public/postlog is postlogd's unix-dgram socket. We then send each line
 *	as one datagram, formatted as a syslog file line
 *	("Mon DD HH:MM:SS host ident[pid]: text"), which postlogd writes as
 *	is. The socket is reachable only with group postdrop, hence
 *	user=nobody:postdrop in master.cf.
 *
 *	GLib's own log calls (from libdkimmod) are routed here too, so a
 *	library warning can never reach stderr.
 * SECURITY
 *	Wire text is logged only through dkimmod_log_sanitize (printable ASCII,
 *	truncated to DKIMMOD_LOG_TEXT_MAX), like Postfix's printable().
 * NEVER
 *	Write to fd 2.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define POSTLOG_CWD_PATH "public/postlog"
#define LOG_LINE_MAX 2048
/* Seconds one log datagram may wait for room in postlogd's queue. */
#define POSTLOG_SEND_TIMEOUT 2

/* The one piece of process state: where log lines go. Set once in main. */
static struct {
  char *ident;
  int facility;
  int postlog_fd;   /* -1: use syslog */
  char host[256];
  gboolean writer_set;
} log_state = { .postlog_fd = -1 };

/* facility_from_name - "mail", "local0".."local7", "daemon", "user" */
static int
facility_from_name (const char *name)
{
  static const struct { const char *name; int value; } table[] = {
    { "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
    { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
    { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
    { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
  };

  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (table); i++)
    if (g_ascii_strcasecmp (name, table[i].name) == 0)
      return table[i].value;
  return LOG_MAIL;
}

/* postlog_connect - a connected unix-dgram socket to PATH, or -1 */
static int
postlog_connect (const char *path)
{
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  struct timeval timeout = { .tv_sec = POSTLOG_SEND_TIMEOUT };
  int fd;

  if (strlen (path) >= sizeof sun.sun_path)
    return -1;
  strcpy (sun.sun_path, path);
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  if (connect (fd, (struct sockaddr *) &sun, sizeof sun) < 0)
    {
      close (fd);
      return -1;
    }
  (void) setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  return fd;
}

/* glib_writer - route libdkimmod/GLib messages to our log, never stderr */
static GLogWriterOutput
glib_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *msg = NULL;
  int prio = LOG_WARNING;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      msg = fields[i].value;
  if (level & G_LOG_LEVEL_DEBUG || level & G_LOG_LEVEL_INFO)
    return G_LOG_WRITER_HANDLED;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    prio = LOG_ERR;
  dkimmod_log (prio, "%s", msg ? msg : "(no message)");
  return G_LOG_WRITER_HANDLED;
}

void
dkimmod_log_open (const char *ident, const char *facility, const char *postlog_path)
{
  struct stat st;

  if (gethostname (log_state.host, sizeof log_state.host - 1) < 0)
    g_strlcpy (log_state.host, "localhost", sizeof log_state.host);
  if (log_state.postlog_fd >= 0)
    close (log_state.postlog_fd);
  log_state.postlog_fd = -1;
  if (postlog_path != NULL)
    log_state.postlog_fd = postlog_connect (postlog_path);
  else if (stat ("/dev/log", &st) < 0 && stat (POSTLOG_CWD_PATH, &st) == 0
           && S_ISSOCK (st.st_mode))
    log_state.postlog_fd = postlog_connect (POSTLOG_CWD_PATH);
  dkimmod_log_reopen (ident, facility);
  if (!log_state.writer_set)
    g_log_set_writer_func (glib_writer, NULL, NULL);
  log_state.writer_set = TRUE;
}

void
dkimmod_log_reopen (const char *ident, const char *facility)
{
  g_free (log_state.ident);
  log_state.ident = g_strdup (ident ? ident : "dkimmod-spawn");
  log_state.facility = facility_from_name (facility);
  if (log_state.postlog_fd < 0)
    {
      closelog ();
      openlog (log_state.ident, LOG_PID | LOG_NDELAY, log_state.facility);
    }
}

/* postlog_send - one syslog-file-style line as one datagram */
static void
postlog_send (int priority, const char *text)
{
  char stamp[32];
  time_t now = time (NULL);
  struct tm tm;
  g_autofree char *line = NULL;
  static const char *const level[] = {
    "fatal: ", "fatal: ", "fatal: ", "error: ", "warning: ", "", "", "",
  };

  localtime_r (&now, &tm);
  strftime (stamp, sizeof stamp, "%b %d %H:%M:%S", &tm);
  line = g_strdup_printf ("%s %s %s[%ld]: %s%s", stamp, log_state.host, log_state.ident,
                          (long) getpid (), level[LOG_PRI (priority)], text);
  /* Blocking, but bounded by SO_SNDTIMEO: a busy postlogd must not make
   * us drop lines (MSG_DONTWAIT lost 2 of 500 under load). */
  (void) send (log_state.postlog_fd, line, strlen (line), MSG_NOSIGNAL);
}

void
dkimmod_log (int priority, const char *fmt, ...)
{
  char text[LOG_LINE_MAX];
  va_list ap;
  int saved = errno;

  va_start (ap, fmt);
  g_vsnprintf (text, sizeof text, fmt, ap);
  va_end (ap);
  if (log_state.ident == NULL)
    dkimmod_log_open (NULL, NULL, NULL);
  if (log_state.postlog_fd >= 0)
    postlog_send (priority, text);
  else
    syslog (priority, "%s", text);
  errno = saved;
}

char *
dkimmod_log_sanitize (const char *text, gsize len, gsize maxlen)
{
  GString *out = g_string_sized_new (MIN (len, maxlen) + 4);

  for (gsize i = 0; i < len && text != NULL; i++)
    {
      if (out->len >= maxlen)
        {
          g_string_append (out, "...");
          break;
        }
      g_string_append_c (out, g_ascii_isprint (text[i]) ? text[i] : '?');
    }
  return g_string_free (out, FALSE);
}
