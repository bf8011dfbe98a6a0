/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	filter.c - dkimmod-spawn: the per-connection DKIM filter for spawn(8)
 * SYNOPSIS
 *	dkimmod-spawn [-c CONFIG] [-l POSTLOG-SOCKET] [-o name=value]... [sign|verify]
 * DESCRIPTION
 *	Postfix's spawn(8) runs one dkimmod-spawn per SMTP connection, with
 *	the connection on fds 0, 1 and 2. main() makes the process safe first
 *	(fd 2 to /dev/null: a stray message there would reach the SMTP peer),
 *	then reads argv and the configuration, connects to the next hop and
 *	hands over to the session (session.c).
 *
 *	Configuration: -c names the file (default DKIMMOD_SYSCONFDIR
 *	"/dkimmod.conf"); when the default file does not exist the built-in
 *	defaults are used, so "-o next_hop=..." alone is a working filter that
 *	signs nothing. -o overrides any spawn setting, as Postfix daemons
 *	accept -o, so one file serves several master.cf services.
 *
 *	Mode "sign" (default) signs; "verify" verifies and adds
 *	Authentication-Results (verifyjob.c), for a before-queue
 *	smtpd_proxy_filter.
 *
 *	OpenSSL is initialised once, right after the configuration is read
 *	and before any key is touched (cryptoinit.c, spawn.openssl_config).
 *
 *	A configuration error is logged and answered "421 4.3.0" so Postfix
 *	defers the mail and retries; the process exits 75 (EX_TEMPFAIL).
 * DIAGNOSTICS
 *	Exit status: 0 after QUIT or a quiet EOF, 64 for a usage error, 75
 *	for a temporary failure (configuration, next hop, timeout, lost
 *	connection), which spawn(8) logs.
 * NEVER
 *	Write to stderr; read client data before the next hop is connected.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-load.h"
#include "cryptoinit.h"
#include "dkimmod-build-config.h"
#include "dkimmod.h"
#include "log.h"
#include "nexthop.h"
#include "session.h"
#include "verifyjob.h"

#define DEFAULT_CONFIG DKIMMOD_SYSCONFDIR "/dkimmod.conf"

typedef struct {
  const char *config_path;
  gboolean config_explicit;
  const char *postlog;
  GPtrArray *overrides;     /* borrowed argv strings */
  const char *mode;
} Args;

/* quiet_stderr - fd 2 to /dev/null before anything can print */
static void
quiet_stderr (void)
{
  int fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);

  if (fd >= 0 && fd != STDERR_FILENO)
    {
      (void) dup2 (fd, STDERR_FILENO);
      close (fd);
    }
}

/* reply_and_exit - a single reply to an unserved client, then exit */
static G_NORETURN void
reply_and_exit (const char *text, int status)
{
  DkimmodStream *client = dkimmod_stream_new (STDIN_FILENO, STDOUT_FILENO, "client");

  dkimmod_stream_set_timeout (client, 10);
  if (dkimmod_stream_printf (client, NULL, "%s\r\n", text))
    (void) dkimmod_stream_flush (client, NULL);
  /* exit() runs no cleanups: freed by hand, so LeakSanitizer stays quiet. */
  dkimmod_stream_free (client);
  exit (status);
}

/* parse_args - getopt; FALSE on a usage error (logged) */
static gboolean
parse_args (int argc, char **argv, Args *args)
{
  int c;

  args->config_path = DEFAULT_CONFIG;
  args->mode = "sign";
  opterr = 0;
  while ((c = getopt (argc, argv, "c:l:o:")) != -1)
    {
      switch (c)
        {
        case 'c':
          args->config_path = optarg;
          args->config_explicit = TRUE;
          break;
        case 'l':
          args->postlog = optarg;
          break;
        case 'o':
          g_ptr_array_add (args->overrides, optarg);
          break;
        default:
          dkimmod_log (LOG_ERR, "usage: dkimmod-spawn [-c config] [-l postlog-socket] "
                                "[-o name=value]... [sign|verify]");
          return FALSE;
        }
    }
  if (optind < argc)
    args->mode = argv[optind++];
  if (optind < argc || (strcmp (args->mode, "sign") != 0 && strcmp (args->mode, "verify") != 0))
    {
      dkimmod_log (LOG_ERR, "usage: unknown mode or extra argument \"%s\"", argv[optind - 1]);
      return FALSE;
    }
  return TRUE;
}

/* load_config - the file (or defaults) plus -o overrides */
static DkimmodConfig *
load_config (const Args *args, GError **error)
{
  g_autoptr (DkimmodConfig) cfg = NULL;
  struct stat st;

  if (!args->config_explicit && stat (args->config_path, &st) < 0 && errno == ENOENT)
    cfg = dkimmod_config_new_default ();
  else
    cfg = dkimmod_config_load (args->config_path, 0, NULL, error);
  if (cfg == NULL)
    return NULL;
  for (guint i = 0; i < args->overrides->len; i++)
    if (!dkimmod_config_set_override (cfg, args->overrides->pdata[i], error))
      return NULL;
  return g_steal_pointer (&cfg);
}

/* serve - connect the next hop, read its greeting, run the session */
static int
serve (const DkimmodConfig *cfg, const DkimmodVerifyEnv *verify)
{
  const DkimmodSpawnSettings *set = dkimmod_config_spawn (cfg);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodStream) client = dkimmod_stream_new (STDIN_FILENO, STDOUT_FILENO, "client");
  g_autoptr (DkimmodStream) next = NULL;
  g_autoptr (DkimmodReply) greeting = dkimmod_reply_new ();
  g_autofree char *next_label = g_strdup_printf ("next hop %s", set->next_hop ? set->next_hop : "");
  g_autofree char *unavailable = g_strdup_printf ("421 4.4.1 next hop %s unavailable",
                                                  set->next_hop ? set->next_hop : "(none)");
  DkimmodSession sess = { .cfg = cfg, .set = set, .ctx = ctx, .verify = verify,
                          .client = client, .next_name = set->next_hop };
  int fd = dkimmod_nexthop_connect (set->next_hop, set->timeout_connect, &error);
  int status;

  dkimmod_stream_set_timeout (client, set->timeout_command);
  dkimmod_stream_set_nodelay (client);
  if (fd < 0)
    {
      dkimmod_log (LOG_WARNING, "NOQUEUE: %s", error->message);
      reply_and_exit (unavailable, DKIMMOD_EXIT_TEMPFAIL);
    }
  next = dkimmod_stream_new (fd, fd, next_label);
  dkimmod_stream_set_timeout (next, set->timeout_next_hop);
  dkimmod_stream_set_nodelay (next);
  sess.next = next;
  if (!dkimmod_smtp_read_reply (next, greeting->text, &greeting->code, &error)
      || greeting->code != 220)
    {
      char *said = error ? g_strdup (error->message)
                         : dkimmod_log_sanitize (greeting->text->str, greeting->text->len,
                                                 DKIMMOD_LOG_TEXT_MAX);

      /* Not passed back: a 5xx greeting (a submission port's "530") would
       * make Postfix bounce mail that only waits for a configuration fix. */
      dkimmod_log (LOG_WARNING, "NOQUEUE: next hop %s greeting: %s", set->next_hop, said);
      /* exit() runs no cleanups: free by hand what LeakSanitizer would
       * otherwise report. */
      g_free (said);
      g_clear_pointer (&greeting, dkimmod_reply_free);
      reply_and_exit (unavailable, DKIMMOD_EXIT_TEMPFAIL);
    }
  status = dkimmod_session_run (&sess);
  dkimmod_session_reset (&sess);
  close (fd);
  return status;
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) overrides = g_ptr_array_new ();
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodVerifyEnv) verify = NULL;
  Args args = { .overrides = overrides };
  const DkimmodSpawnSettings *set;

  quiet_stderr ();
  /* A write to a client that went away must be an error, not a signal. */
  signal (SIGPIPE, SIG_IGN);
  dkimmod_log_open ("dkimmod-spawn", "mail", NULL);
  if (!parse_args (argc, argv, &args))
    reply_and_exit ("421 4.3.0 dkimmod-spawn: usage error, see the mail log", DKIMMOD_EXIT_USAGE);
  if (args.postlog != NULL)
    dkimmod_log_open ("dkimmod-spawn", "mail", args.postlog);
  cfg = load_config (&args, &error);
  if (cfg == NULL)
    {
      dkimmod_log (LOG_ERR, "configuration error: %s", error->message);
      reply_and_exit ("421 4.3.0 dkimmod-spawn: configuration error, see the mail log",
                      DKIMMOD_EXIT_TEMPFAIL);
    }
  set = dkimmod_config_spawn (cfg);
  dkimmod_log_reopen (set->syslog_ident, set->syslog_facility);
  /* The first OpenSSL call of the process (cryptoinit.c): the
   * configuration loader above never touches OpenSSL. */
  if (!dkimmod_spawn_init_crypto (set->openssl_config, &error))
    {
      dkimmod_log (LOG_ERR, "configuration error: %s", error->message);
      reply_and_exit ("421 4.3.0 dkimmod-spawn: configuration error, see the mail log",
                      DKIMMOD_EXIT_TEMPFAIL);
    }
  if (strcmp (args.mode, "verify") == 0)
    verify = dkimmod_verify_env_new (cfg, &error);
  if (error != NULL)
    {
      dkimmod_log (LOG_ERR, "configuration error: %s", error->message);
      reply_and_exit ("421 4.3.0 dkimmod-spawn: configuration error, see the mail log",
                      DKIMMOD_EXIT_TEMPFAIL);
    }
  return serve (cfg, verify);
}
