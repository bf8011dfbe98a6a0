/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	filter.c - dkimmod-spawn: the per-connection DKIM filter for spawn(8)
 * SYNOPSIS
 *	dkimmod-spawn [-c CONFIG] [-l POSTLOG-SOCKET] [-o name=value]... [sign|verify]
 *	dkimmod-spawn serve [options] [sign|verify]
 * DESCRIPTION
 *	Postfix's spawn(8) runs one dkimmod-spawn per SMTP connection, with
 *	the connection on fds 0, 1 and 2. main() makes the process safe first
 *	(fd 2 to /dev/null: a stray message there would reach the SMTP peer),
 *	then reads argv and the configuration (setup.c) and serves the one
 *	connection (connection.c).
 *
 *	Mode "sign" (default) signs; "verify" verifies and adds
 *	Authentication-Results (verifyjob.c), for a before-queue
 *	smtpd_proxy_filter.
 *
 *	OpenSSL is initialised once, right after the configuration is read
 *	and before any key is touched (setup.c, cryptoinit.c,
 *	spawn.openssl_config).
 *
 *	"serve" as the first argument is the pooled mode instead: a
 *	listener with prefork workers that serve the same connections
 *	(serve.c).
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
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "config-load.h"
#include "connection.h"
#include "dkimmod.h"
#include "log.h"
#include "serve.h"
#include "session.h"
#include "setup.h"
#include "verifyjob.h"

/* refuse_and_exit - a single reply to an unserved client, then exit */
static G_NORETURN void
refuse_and_exit (const char *text, int status)
{
  dkimmod_connection_refuse (STDIN_FILENO, STDOUT_FILENO, text);
  exit (status);
}

/* parse_args - getopt; FALSE on a usage error (logged) */
static gboolean
parse_args (int argc, char **argv, DkimmodSpawnArgs *args)
{
  int c;

  args->config_path = DKIMMOD_SPAWN_DEFAULT_CONFIG;
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
  if (optind < argc || !dkimmod_spawn_mode_ok (args->mode))
    {
      dkimmod_log (LOG_ERR, "usage: unknown mode or extra argument \"%s\"", argv[optind - 1]);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) overrides = g_ptr_array_new ();
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodVerifyEnv) verify = NULL;
  g_autoptr (DkimmodContext) ctx = NULL;
  DkimmodSpawnArgs args = { .overrides = overrides };
  DkimmodConnectionEnv env = { 0 };
  const DkimmodSpawnSettings *set;

  if (argc > 1 && strcmp (argv[1], "serve") == 0)
    return dkimmod_serve_main (argc - 1, argv + 1);
  dkimmod_spawn_quiet_stderr ();
  /* A write to a client that went away must be an error, not a signal. */
  signal (SIGPIPE, SIG_IGN);
  dkimmod_log_open ("dkimmod-spawn", "mail", NULL);
  if (!parse_args (argc, argv, &args))
    refuse_and_exit ("421 4.3.0 dkimmod-spawn: usage error, see the mail log", DKIMMOD_EXIT_USAGE);
  if (args.postlog != NULL)
    dkimmod_log_open ("dkimmod-spawn", "mail", args.postlog);
  cfg = dkimmod_spawn_load (&args, &verify, &error);
  if (cfg == NULL)
    {
      dkimmod_log (LOG_ERR, "configuration error: %s", error->message);
      /* exit() runs no cleanups: freed by hand, so LeakSanitizer stays quiet. */
      g_clear_error (&error);
      g_clear_pointer (&overrides, g_ptr_array_unref);
      refuse_and_exit ("421 4.3.0 dkimmod-spawn: configuration error, see the mail log",
                       DKIMMOD_EXIT_TEMPFAIL);
    }
  set = dkimmod_config_spawn (cfg);
  dkimmod_log_reopen (set->syslog_ident, set->syslog_facility);
  ctx = dkimmod_context_new ();
  env = (DkimmodConnectionEnv) { .cfg = cfg, .verify = verify, .ctx = ctx };
  return dkimmod_connection_serve (&env, STDIN_FILENO, STDOUT_FILENO);
}
