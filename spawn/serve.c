/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	serve.c - dkimmod-spawn serve: the pooled mode's command line
 * SYNOPSIS
 *	dkimmod-spawn serve [-c CONFIG] [-l POSTLOG-SOCKET] [-o name=value]...
 *		[--listen unix:PATH | --listen inet:HOST:PORT]
 *		[--socket-mode MODE] [--socket-owner USER[:GROUP]]
 *		[--workers-min N] [--workers-max N] [--max-use N]
 *		[--idle-timeout SECONDS] [--drain-timeout SECONDS]
 *		[--next-hop-cache-time SECONDS] [sign|verify]
 * DESCRIPTION
 *	The same filter as spawn mode (same -c, -l, -o, modes, settings and
 *	log lines), served by a bounded pool of prefork workers from one
 *	listening socket that Postfix's smtpd_proxy_filter or a
 *	content_filter transport connects to (pool.c, worker.c).
 *
 *	The socket comes from systemd when the process is socket-activated
 *	(LISTEN_PID/LISTEN_FDS; --listen is then ignored, and the listener
 *	exits after --idle-timeout, default 60 s, so nothing runs when no
 *	mail comes); otherwise --listen names it and it is bound here
 *	(listen.c; no idle exit unless --idle-timeout is given).
 *
 *	--next-hop-cache-time: how long a worker keeps an idle next-hop
 *	connection for its next session (nexthop-cache.c; default 2 s, 0:
 *	never).
 *
 *	Errors found before serving (usage, the socket) go to stderr as well
 *	as to the log, since a person or systemd's journal reads them; once
 *	serving, stderr is /dev/null. A configuration that does not load is
 *	logged but is not fatal: as in spawn mode, each connection then gets
 *	"421 4.3.0" until the file is fixed, with no restart needed.
 * DIAGNOSTICS
 *	Exit status: 0 after SIGTERM, SIGINT or the idle timeout, 64 for a
 *	usage error, 69 (EX_UNAVAILABLE) when the socket cannot be had.
 * NEVER
 *	Load keys or sign in the listener (workers do, after fork).
 */
#include "serve.h"

#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "pool.h"
#include "session.h"
#include "setup.h"
#include "worker.h"

#define EX_UNAVAILABLE 69
#define DEFAULT_WORKERS_MIN 1
#define DEFAULT_WORKERS_MAX 16
#define DEFAULT_MAX_USE 100
#define DEFAULT_IDLE_ACTIVATED 60
#define DEFAULT_DRAIN 30
#define DEFAULT_NEXT_HOP_CACHE 2 /* Postfix's smtp_connection_cache_time_limit */

typedef struct {
  DkimmodSpawnArgs filter;
  const char *listen;
  DkimmodListenUnixPerm perm;
  guint workers_min, workers_max, max_use, drain_timeout, next_hop_cache;
  gint64 idle_timeout;          /* -1: the default for how the socket came */
} ServeArgs;

enum { OPT_LISTEN = 256, OPT_MODE, OPT_OWNER, OPT_MIN, OPT_MAX, OPT_MAX_USE, OPT_IDLE,
       OPT_DRAIN, OPT_NEXT_HOP_CACHE };

static const struct option long_options[] = {
  { "listen", required_argument, NULL, OPT_LISTEN },
  { "socket-mode", required_argument, NULL, OPT_MODE },
  { "socket-owner", required_argument, NULL, OPT_OWNER },
  { "workers-min", required_argument, NULL, OPT_MIN },
  { "workers-max", required_argument, NULL, OPT_MAX },
  { "max-use", required_argument, NULL, OPT_MAX_USE },
  { "idle-timeout", required_argument, NULL, OPT_IDLE },
  { "drain-timeout", required_argument, NULL, OPT_DRAIN },
  { "next-hop-cache-time", required_argument, NULL, OPT_NEXT_HOP_CACHE },
  { NULL, 0, NULL, 0 },
};

/* complain - before serving: the log and stderr */
static void G_GNUC_PRINTF (1, 2)
complain (const char *fmt, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  dkimmod_log (LOG_ERR, "serve: %s", text);
  fprintf (stderr, "dkimmod-spawn serve: %s\n", text);
}

/* number - a decimal option value in MIN..MAX */
static gboolean
number (const char *name, const char *text, guint64 min, guint64 max, guint *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL))
    {
      complain ("--%s %s: expected a number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                name, text, min, max);
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

/* owner - "user", "user:group", ":group", numeric ids allowed */
static gboolean
owner (const char *text, DkimmodListenUnixPerm *perm)
{
  g_auto (GStrv) parts = g_strsplit (text, ":", 2);
  guint64 id;

  if (parts[0] != NULL && parts[0][0] != '\0')
    {
      struct passwd *pw = getpwnam (parts[0]);

      if (pw != NULL)
        {
          perm->uid = pw->pw_uid;
          if (parts[1] == NULL)
            perm->gid = pw->pw_gid;
        }
      else if (g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT32 - 1, &id, NULL))
        perm->uid = (uid_t) id;
      else
        {
          complain ("--socket-owner %s: no such user", text);
          return FALSE;
        }
    }
  if (parts[0] != NULL && parts[1] != NULL)
    {
      struct group *gr = getgrnam (parts[1]);

      if (gr != NULL)
        perm->gid = gr->gr_gid;
      else if (g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT32 - 1, &id, NULL))
        perm->gid = (gid_t) id;
      else
        {
          complain ("--socket-owner %s: no such group", text);
          return FALSE;
        }
    }
  return TRUE;
}

/* parse - argv after "serve"; FALSE on a usage error (reported) */
static gboolean
parse (int argc, char **argv, ServeArgs *a)
{
  guint idle = 0;
  guint64 mode;
  int c;

  optind = 1;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "c:l:o:", long_options, NULL)) != -1)
    {
      gboolean ok = TRUE;

      switch (c)
        {
        case 'c':
          a->filter.config_path = optarg;
          a->filter.config_explicit = TRUE;
          break;
        case 'l':
          a->filter.postlog = optarg;
          break;
        case 'o':
          g_ptr_array_add (a->filter.overrides, optarg);
          break;
        case OPT_LISTEN:
          a->listen = optarg;
          break;
        case OPT_MODE:
          ok = g_ascii_string_to_unsigned (optarg, 8, 0, 0777, &mode, NULL);
          if (!ok)
            complain ("--socket-mode %s: expected an octal mode such as 0660", optarg);
          a->perm.mode = (guint) mode;
          break;
        case OPT_OWNER:
          ok = owner (optarg, &a->perm);
          break;
        case OPT_MIN:
          ok = number ("workers-min", optarg, 1, 1000, &a->workers_min);
          break;
        case OPT_MAX:
          ok = number ("workers-max", optarg, 1, 1000, &a->workers_max);
          break;
        case OPT_MAX_USE:
          ok = number ("max-use", optarg, 1, 1000000, &a->max_use);
          break;
        case OPT_IDLE:
          ok = number ("idle-timeout", optarg, 0, 86400 * 365, &idle);
          a->idle_timeout = idle;
          break;
        case OPT_DRAIN:
          ok = number ("drain-timeout", optarg, 0, 86400, &a->drain_timeout);
          break;
        case OPT_NEXT_HOP_CACHE:
          ok = number ("next-hop-cache-time", optarg, 0, 3600, &a->next_hop_cache);
          break;
        default:
          complain ("usage: dkimmod-spawn serve [-c config] [-l postlog-socket] "
                    "[-o name=value]... [--listen unix:PATH|inet:HOST:PORT] "
                    "[--socket-mode MODE] [--socket-owner USER[:GROUP]] [--workers-min N] "
                    "[--workers-max N] [--max-use N] [--idle-timeout S] [--drain-timeout S] "
                    "[--next-hop-cache-time S] [sign|verify]");
          ok = FALSE;
        }
      if (!ok)
        return FALSE;
    }
  if (optind < argc)
    a->filter.mode = argv[optind++];
  if (optind < argc || !dkimmod_spawn_mode_ok (a->filter.mode))
    {
      complain ("usage: unknown mode or extra argument \"%s\"", argv[optind - 1]);
      return FALSE;
    }
  if (a->workers_min > a->workers_max)
    {
      complain ("--workers-min %u is more than --workers-max %u", a->workers_min,
                a->workers_max);
      return FALSE;
    }
  return TRUE;
}

/* check_config - load it once, for the log's ident and to report a broken
 * file early; not fatal (connections get 421 until it is fixed). The
 * listener keeps nothing of it, and makes no verifier environment and no
 * OpenSSL call: workers do, after fork. */
static void
check_config (const ServeArgs *a)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = dkimmod_spawn_load_config (&a->filter, &error);
  const DkimmodSpawnSettings *set;

  if (cfg == NULL)
    {
      complain ("configuration error: %s (connections get 421 until it is fixed)",
                error->message);
      return;
    }
  set = dkimmod_config_spawn (cfg);
  dkimmod_log_reopen (set->syslog_ident, set->syslog_facility);
}

/* get_socket - inherited, or bound from --listen; -1 when neither */
static int
get_socket (ServeArgs *a, gboolean *activated)
{
  g_autoptr (GError) error = NULL;
  int fd = -1;
  int found = dkimmod_listen_inherited (&fd, &error);

  *activated = found == 1;
  if (found < 0)
    {
      complain ("%s", error->message);
      return -1;
    }
  if (found == 1)
    {
      if (a->listen != NULL)
        dkimmod_log (LOG_INFO, "serve: socket-activated: --listen %s ignored", a->listen);
      return fd;
    }
  if (a->listen == NULL)
    {
      complain ("no socket: give --listen unix:PATH or inet:HOST:PORT, or start from a "
                "systemd socket unit");
      return -1;
    }
  fd = dkimmod_listen_bind (a->listen, &a->perm, &error);
  if (fd < 0)
    complain ("%s", error->message);
  return fd;
}

int
dkimmod_serve_main (int argc, char **argv)
{
  g_autoptr (GPtrArray) overrides = g_ptr_array_new ();
  ServeArgs a = {
    .filter = { .config_path = DKIMMOD_SPAWN_DEFAULT_CONFIG, .mode = "sign",
                .overrides = overrides },
    .perm = { .mode = 0660, .uid = (uid_t) -1, .gid = (gid_t) -1 },
    .workers_min = DEFAULT_WORKERS_MIN, .workers_max = DEFAULT_WORKERS_MAX,
    .max_use = DEFAULT_MAX_USE, .drain_timeout = DEFAULT_DRAIN, .idle_timeout = -1,
    .next_hop_cache = DEFAULT_NEXT_HOP_CACHE,
  };
  DkimmodWorkerSettings worker = { .args = &a.filter };
  DkimmodPoolSettings pool = { 0 };
  gboolean activated = FALSE;
  int status;

  /* A write to a client that went away must be an error, not a signal. */
  signal (SIGPIPE, SIG_IGN);
  dkimmod_log_open ("dkimmod-spawn", "mail", NULL);
  if (!parse (argc, argv, &a))
    return DKIMMOD_EXIT_USAGE;
  if (a.filter.postlog != NULL)
    dkimmod_log_open ("dkimmod-spawn", "mail", a.filter.postlog);
  check_config (&a);
  pool.listen_fd = get_socket (&a, &activated);
  if (pool.listen_fd < 0)
    return EX_UNAVAILABLE;
  dkimmod_spawn_quiet_stderr ();
  worker.max_use = a.max_use;
  worker.next_hop_cache_time = a.next_hop_cache;
  pool.workers_min = a.workers_min;
  pool.workers_max = a.workers_max;
  pool.drain_timeout = a.drain_timeout;
  pool.idle_timeout = a.idle_timeout >= 0 ? (guint) a.idle_timeout
                      : activated ? DEFAULT_IDLE_ACTIVATED : 0;
  pool.unlink_path = activated ? NULL : dkimmod_listen_unix_path (a.listen);
  status = dkimmod_pool_run (&pool, dkimmod_worker_run, &worker);
  close (pool.listen_fd);
  return status;
}
