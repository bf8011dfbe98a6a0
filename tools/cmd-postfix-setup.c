/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd-postfix-setup.c - "dkimmod postfix-setup": hook the filter into Postfix
 * SYNOPSIS
 *	dkimmod_cmd_postfix_setup
 * DESCRIPTION
 *	Makes the master.cf (and main.cf) changes of docs/postfix-howto.md
 *	with postconf -M, -P and -e. It plans the changes from postconf -M
 *	of the live configuration, applies them to a copy of the
 *	configuration directory (postconf -c COPY) and prints the difference
 *	of postconf -M, -P and -n before and after. Only with --apply does it
 *	back up main.cf and master.cf (FILE.dkimmod-YYYYMMDD-HHMMSS) and run
 *	the same postconf commands on the real directory. When the copy
 *	shows no difference, nothing is done: a second run changes nothing.
 *	Before it changes anything it refuses (with the reason and the fix)
 *	when the result would lose or bounce mail: main.cf missing, the
 *	front service (submission, smtp) missing or already filtered by
 *	something else, a port taken by another master.cf entry or another
 *	program, the filter's user unable to read the configuration or a
 *	key or to write the spool directory (the check of check-config, run
 *	as that user), or a reinjection smtpd whose message_size_limit
 *	leaves less than the filter's headroom over the front smtpd's.
 * STANDARDS
 *	Postfix FILTER_README (after-queue content filter and its
 *	reinjection overrides), SMTPD_PROXY_README (before-queue proxy),
 *	spawn(8), postconf(1).
 * DIAGNOSTICS
 *	Exit 0 (planned or done, or nothing to do), 64 (usage), 67 (no such
 *	user), 78 (refused: the reasons on stderr), 71 (postconf failed).
 * NEVER
 *	Edit master.cf or main.cf as text; change anything without --apply;
 *	reload Postfix (the user does, after reading the diff).
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cli.h"
#include "config-load.h"
#include "dkimmod-build-config.h"
#include "headroom.h"
#include "postconf-util.h"
#include "run-as-user.h"

static const char setup_usage[] =
  "usage: dkimmod postfix-setup [--sign [--before-queue]] [--verify] [--apply]\n"
  "                             [OPTIONS]\n"
  "\n"
  "Prints the master.cf and main.cf changes that hook dkimmod-spawn into\n"
  "Postfix (a diff of postconf -M, -P and -n); --apply makes them with\n"
  "postconf, after a backup of both files. Refuses when the result would\n"
  "break mail, and says why.\n"
  "\n"
  "      --sign                  sign what the submission service receives\n"
  "      --before-queue          ...as smtpd_proxy_filter (default: content_filter)\n"
  "      --verify                verify what the smtp service (port 25) receives\n"
  "      --apply                 make the changes (default: dry run)\n"
  "      --config FILE           signing configuration (" DKIMMOD_SYSCONFDIR "/dkimmod.conf)\n"
  "      --verify-config FILE    verifying configuration (" DKIMMOD_SYSCONFDIR "/verify.conf)\n"
  "      --user NAME[:GROUP]     spawn's user= (dkimmod; dkimmod:postdrop when Postfix\n"
  "                              logs through postlogd, maillog_file)\n"
  "      --spawn PATH            the filter (" DKIMMOD_LIBEXECDIR "/dkimmod-spawn)\n"
  "      --submission NAME/TYPE  front service for --sign (submission/inet)\n"
  "      --smtp NAME/TYPE        front service for --verify (smtp/inet)\n"
  "      --sign-port N           signing filter on 127.0.0.1:N (10027)\n"
  "      --reinject-port N       smtpd for signed mail (10028)\n"
  "      --verify-port N         verifying filter (10025)\n"
  "      --verify-reinject-port N  smtpd for verified mail (10026)\n"
  "      --soft-bounce           also set soft_bounce = yes in main.cf (while testing)\n"
  "      --postfix-config DIR    Postfix configuration directory (postconf's default)\n"
  "  -h, --help                  this text\n";

enum {
  OPT_SIGN = 256, OPT_BEFORE, OPT_VERIFY, OPT_APPLY, OPT_CONFIG, OPT_VCONFIG, OPT_USER, OPT_SPAWN,
  OPT_SUBMISSION, OPT_SMTP, OPT_SIGN_PORT, OPT_REINJECT_PORT, OPT_VERIFY_PORT,
  OPT_VREINJECT_PORT, OPT_SOFT_BOUNCE, OPT_POSTFIX_CONFIG
};

static const struct option setup_long_options[] = {
  { "sign", no_argument, NULL, OPT_SIGN },
  { "before-queue", no_argument, NULL, OPT_BEFORE },
  { "verify", no_argument, NULL, OPT_VERIFY },
  { "apply", no_argument, NULL, OPT_APPLY },
  { "config", required_argument, NULL, OPT_CONFIG },
  { "verify-config", required_argument, NULL, OPT_VCONFIG },
  { "user", required_argument, NULL, OPT_USER },
  { "spawn", required_argument, NULL, OPT_SPAWN },
  { "submission", required_argument, NULL, OPT_SUBMISSION },
  { "smtp", required_argument, NULL, OPT_SMTP },
  { "sign-port", required_argument, NULL, OPT_SIGN_PORT },
  { "reinject-port", required_argument, NULL, OPT_REINJECT_PORT },
  { "verify-port", required_argument, NULL, OPT_VERIFY_PORT },
  { "verify-reinject-port", required_argument, NULL, OPT_VREINJECT_PORT },
  { "soft-bounce", no_argument, NULL, OPT_SOFT_BOUNCE },
  { "postfix-config", required_argument, NULL, OPT_POSTFIX_CONFIG },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* The reinjection smtpd's overrides: FILTER_README's list (no filter, no
 * milters, no second round of header/body checks or address rewriting,
 * loopback only, XFORWARD from the filter). */
static const char *const reinject_params[] = {
  "content_filter=",
  "receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters,"
  "no_address_mappings",
  "smtpd_helo_restrictions=",
  "smtpd_client_restrictions=",
  "smtpd_sender_restrictions=",
  "smtpd_relay_restrictions=",
  "smtpd_recipient_restrictions=permit_mynetworks,reject",
  "smtpd_data_restrictions=",
  "smtpd_end_of_data_restrictions=",
  "mynetworks=127.0.0.0/8",
  "smtpd_authorized_xforward_hosts=127.0.0.0/8",
  NULL
};

/* After a before-queue filter (signing with --before-queue, verifying):
 * the message is queued here for the first time, so address mappings
 * (virtual aliases) and header/body checks (which then see our
 * Authentication-Results) still run: SMTPD_PROXY_README's list
 * (docs/postfix-howto.md 7 and 10.2). */
static const char *const after_proxy_params[] = {
  "content_filter=",
  "receive_override_options=no_unknown_recipient_checks",
  "smtpd_helo_restrictions=",
  "smtpd_client_restrictions=",
  "smtpd_sender_restrictions=",
  "smtpd_relay_restrictions=",
  "smtpd_recipient_restrictions=permit_mynetworks,reject",
  "mynetworks=127.0.0.0/8",
  "smtpd_authorized_xforward_hosts=127.0.0.0/8",
  NULL
};

typedef struct
{
  gboolean sign, before_queue, verify, apply, soft_bounce, user_given;
  const char *config, *verify_config, *user, *spawn, *submission, *smtp, *postfix_dir;
  guint sign_port, reinject_port, verify_port, verify_reinject_port;
} Setup;

/* One postconf edit: "-M" "name/type=entry", "-P" "name/type/p=v", "-e" "p=v". */
typedef struct
{
  const char *flag;
  char *arg;
} Edit;

typedef struct
{
  GArray *edits;      /* Edit */
  GPtrArray *refusals; /* reason and fix, one each */
} Plan;

static void
edit_clear (gpointer p)
{
  g_free (((Edit *) p)->arg);
}

static void G_GNUC_PRINTF (3, 4)
plan_add (Plan *plan, const char *flag, const char *fmt, ...)
{
  Edit e = { flag, NULL };
  va_list ap;

  va_start (ap, fmt);
  e.arg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_array_append_val (plan->edits, e);
}

static void G_GNUC_PRINTF (2, 3)
refuse (Plan *plan, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  g_ptr_array_add (plan->refusals, g_strdup_vprintf (fmt, ap));
  va_end (ap);
}

/* find_entry - the master.cf entry NAME/TYPE ("submission/inet"), or NULL */
static const DkimmodMasterEntry *
find_entry (GPtrArray *entries, const char *service)
{
  for (guint i = 0; i < entries->len; i++)
    {
      const DkimmodMasterEntry *e = g_ptr_array_index (entries, i);
      g_autofree char *id = g_strdup_printf ("%s/%s", e->fields[DKIMMOD_MASTER_NAME],
                                             e->fields[DKIMMOD_MASTER_TYPE]);

      if (strcmp (id, service) == 0)
        return e;
    }
  return NULL;
}

/* entry_param - the -o NAME=value of E, or NULL */
static const char *
entry_param (const DkimmodMasterEntry *e, const char *name)
{
  gsize n = strlen (name);

  for (guint i = DKIMMOD_MASTER_COMMAND + 1; i + 1 < e->nfields; i++)
    if (strcmp (e->fields[i], "-o") == 0 && strncmp (e->fields[i + 1], name, n) == 0
        && e->fields[i + 1][n] == '=')
      return e->fields[i + 1] + n + 1;
  return NULL;
}

/* port_taken - another program listens on 127.0.0.1:PORT */
static gboolean
port_taken (guint port)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  gboolean taken;

  if (fd < 0)
    return FALSE;
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  taken = bind (fd, (struct sockaddr *) &sa, sizeof sa) != 0 && errno == EADDRINUSE;
  close (fd);
  return taken;
}

/* claim_port - 127.0.0.1:PORT/inet will be ours, running COMMAND (for
 * spawn: dkimmod-spawn); refuses another master.cf entry or program */
static void
claim_port (Plan *plan, GPtrArray *entries, guint port, const char *command, const char *opt)
{
  g_autofree char *service = g_strdup_printf ("127.0.0.1:%u/inet", port);
  const DkimmodMasterEntry *e = find_entry (entries, service);

  if (e != NULL)
    {
      const char *const *argv = dkimmod_master_entry_argv (e);
      gboolean ours = strcmp (e->fields[DKIMMOD_MASTER_COMMAND], command) == 0
                      && (strcmp (command, "spawn") != 0
                          || (argv && g_str_has_suffix (argv[0], "dkimmod-spawn")));

      if (!ours)
        refuse (plan, "master.cf already has %s running \"%s\": choose another port with %s, "
                "or remove that entry (postconf -MX %s)", service,
                e->fields[DKIMMOD_MASTER_COMMAND], opt, service);
      return; /* our own entry: master holds the port, so it is in use */
    }
  if (port_taken (port))
    refuse (plan, "127.0.0.1:%u is in use by a program outside master.cf (a DKIMproxy still "
            "running?): stop it (ss -ltnp 'sport = :%u' shows it), or choose another port "
            "with %s", port, port, opt);
}

/* size_limit - the message_size_limit of E (its -o, else main.cf's) */
static guint64
size_limit (const Setup *s, const DkimmodMasterEntry *e)
{
  const char *v = e ? entry_param (e, "message_size_limit") : NULL;
  g_autofree char *main_value = NULL;

  if (v == NULL)
    {
      const char *const args[] = { "-h", "message_size_limit", NULL };

      main_value = dkimmod_postconf_run (s->postfix_dir, args, NULL);
      v = main_value ? g_strstrip (main_value) : "10240000";
    }
  return g_ascii_strtoull (v, NULL, 10);
}

/* plan_reinject - the smtpd at 127.0.0.1:PORT with PARAMS and a size
 * limit HEADROOM over the front service's (0 stays unlimited) */
static void
plan_reinject (Plan *plan, const Setup *s, guint port, const char *const *params,
               guint64 front_limit, guint64 headroom, const char *maxproc)
{
  plan_add (plan, "-M", "127.0.0.1:%u/inet=127.0.0.1:%u inet n - n - %s smtpd", port, port,
            maxproc);
  for (guint i = 0; params[i] != NULL; i++)
    plan_add (plan, "-P", "127.0.0.1:%u/inet/%s", port, params[i]);
  plan_add (plan, "-P", "127.0.0.1:%u/inet/message_size_limit=%" G_GUINT64_FORMAT, port,
            front_limit == 0 ? 0 : front_limit + headroom);
}

/* plan_front - FILTER on the front SERVICE, refused when it is missing
 * or already filtered by something else */
static const DkimmodMasterEntry *
plan_front (Plan *plan, GPtrArray *entries, const char *service, const char *opt,
            const char *param, const char *value, const char *other)
{
  const DkimmodMasterEntry *e = find_entry (entries, service);
  const char *have, *have_other;

  if (e == NULL)
    {
      refuse (plan, "master.cf has no %s service: enable it first (Debian's master.cf has it "
              "commented out; see docs/postfix-howto.md for its TLS and SASL options), or "
              "name the front service with %s", service, opt);
      return NULL;
    }
  have = entry_param (e, param);
  have_other = entry_param (e, other);
  if (have != NULL && have[0] != '\0' && strcmp (have, value) != 0)
    refuse (plan, "%s already has -o %s=%s: dkimmod-spawn would replace that filter; chain "
            "them by hand (FILTER_README)", service, param, have);
  if (have_other != NULL && have_other[0] != '\0')
    refuse (plan, "%s already has -o %s=%s: a message would pass two filters; remove it "
            "(postconf -PX %s/%s)", service, other, have_other, service, other);
  plan_add (plan, "-P", "%s/%s=%s", service, param, value);
  return e;
}

static void
plan_sign (Plan *plan, const Setup *s, GPtrArray *entries)
{
  g_autofree char *filter = NULL;
  const DkimmodMasterEntry *front;
  guint64 limit;

  claim_port (plan, entries, s->sign_port, "spawn", "--sign-port");
  claim_port (plan, entries, s->reinject_port, "smtpd", "--reinject-port");
  if (s->before_queue)
    {
      filter = g_strdup_printf ("127.0.0.1:%u", s->sign_port);
      front = plan_front (plan, entries, s->submission, "--submission", "smtpd_proxy_filter",
                          filter, "content_filter");
      if (front)
        plan_add (plan, "-P", "%s/smtpd_proxy_options=speed_adjust", s->submission);
    }
  else
    {
      filter = g_strdup_printf ("dksign:[127.0.0.1]:%u", s->sign_port);
      front = plan_front (plan, entries, s->submission, "--submission", "content_filter",
                          filter, "smtpd_proxy_filter");
      /* the smtp client that hands each queued message to the filter:
       * XFORWARD keeps the queue id and client; 8BITMIME discarded so
       * Postfix converts 8-bit bodies before they are signed */
      plan_add (plan, "-M", "dksign/unix=dksign unix - - n - 10 smtp");
      plan_add (plan, "-P", "dksign/unix/smtp_send_xforward_command=yes");
      plan_add (plan, "-P", "dksign/unix/smtp_discard_ehlo_keywords=8bitmime,starttls");
    }
  plan_add (plan, "-M", "127.0.0.1:%u/inet=127.0.0.1:%u inet n n n - 20 spawn user=%s "
            "argv=%s -c %s -o next_hop=127.0.0.1:%u", s->sign_port, s->sign_port, s->user,
            s->spawn, s->config, s->reinject_port);
  limit = size_limit (s, front);
  plan_reinject (plan, s, s->reinject_port, s->before_queue ? after_proxy_params : reinject_params,
                 limit, dkimmod_headroom_signing (), "20");
}

/* verify_headroom - what the verifier of CONFIG may add (its
 * max_signatures and X- copy; the defaults, 5 and the X- copy, when it
 * cannot be read: the check as the filter's user says why) */
static guint64
verify_headroom (const char *config)
{
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_load (config, 0, NULL, NULL);
  const DkimmodVerifySettings *v = cfg ? dkimmod_config_verifying (cfg) : NULL;

  return v ? dkimmod_headroom_verifying (v->max_signatures, v->x_dkim_authentication_results)
           : dkimmod_headroom_verifying (5, TRUE);
}

static void
plan_verify (Plan *plan, const Setup *s, GPtrArray *entries)
{
  g_autofree char *filter = g_strdup_printf ("127.0.0.1:%u", s->verify_port);
  const DkimmodMasterEntry *front;
  guint64 limit;

  claim_port (plan, entries, s->verify_port, "spawn", "--verify-port");
  claim_port (plan, entries, s->verify_reinject_port, "smtpd", "--verify-reinject-port");
  front = plan_front (plan, entries, s->smtp, "--smtp", "smtpd_proxy_filter", filter,
                      "content_filter");
  if (front)
    plan_add (plan, "-P", "%s/smtpd_proxy_options=speed_adjust", s->smtp);
  /* maxproc 100: at least the public smtpd's (default_process_limit) */
  plan_add (plan, "-M", "127.0.0.1:%u/inet=127.0.0.1:%u inet n n n - 100 spawn user=%s "
            "argv=%s -c %s -o next_hop=127.0.0.1:%u verify", s->verify_port, s->verify_port,
            s->user, s->spawn, s->verify_config, s->verify_reinject_port);
  limit = size_limit (s, front);
  plan_reinject (plan, s, s->verify_reinject_port, after_proxy_params, limit,
                 verify_headroom (s->verify_config), "-");
}

/* run_edits - the planned postconf commands against DIR */
static gboolean
run_edits (const Plan *plan, const char *dir, GError **error)
{
  for (guint i = 0; i < plan->edits->len; i++)
    {
      const Edit *e = &g_array_index (plan->edits, Edit, i);
      const char *const args[] = { e->flag, e->arg, NULL };
      g_autofree char *out = dkimmod_postconf_run (dir, args, error);

      if (out == NULL)
        return FALSE;
    }
  return TRUE;
}

/* snapshot - what postconf FLAG (-M, -P or -n) says about DIR, without
 * the config_directory line that -c DIR adds to -n */
static char *
snapshot (const char *dir, const char *flag, GError **error)
{
  const char *const args[] = { flag, NULL };
  g_autofree char *out = dkimmod_postconf_run (dir, args, error);
  g_auto (GStrv) lines = out ? g_strsplit (out, "\n", -1) : NULL;
  GString *kept;

  if (out == NULL)
    return NULL;
  kept = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0' && !g_str_has_prefix (lines[i], "config_directory = "))
      g_string_append_printf (kept, "%s\n", lines[i]);
  return g_string_free (kept, FALSE);
}

/* copy_dir - the regular files of SRC into a new temporary directory */
static char *
copy_dir (const char *src, GError **error)
{
  g_autofree char *dst = g_dir_make_tmp ("dkimmod-postfix-setup-XXXXXX", error);
  g_autoptr (GDir) d = NULL;
  const char *name;

  if (dst == NULL || (d = g_dir_open (src, 0, error)) == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *from = g_build_filename (src, name, NULL);
      g_autofree char *to = g_build_filename (dst, name, NULL);
      g_autofree char *text = NULL;
      gsize len;

      if (!g_file_test (from, G_FILE_TEST_IS_REGULAR) || g_file_test (from, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (!g_file_get_contents (from, &text, &len, error)
          || !g_file_set_contents (to, text, (gssize) len, error))
        return NULL;
    }
  return g_steal_pointer (&dst);
}

static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      g_unlink (p);
    }
  g_rmdir (dir);
}

/* print_diff - unified diff of BEFORE and AFTER under LABEL (diff -u);
 * TRUE when they differ */
static gboolean
print_diff (const char *label, const char *before, const char *after)
{
  g_autofree char *dir = NULL, *a = NULL, *b = NULL, *out = NULL;
  g_autofree char *la = g_strdup_printf ("--label=%s (before)", label);
  g_autofree char *lb = g_strdup_printf ("--label=%s (after)", label);
  int status = 0;

  if (strcmp (before, after) == 0)
    return FALSE;
  dir = g_dir_make_tmp ("dkimmod-diff-XXXXXX", NULL);
  a = g_build_filename (dir, "a", NULL);
  b = g_build_filename (dir, "b", NULL);
  if (dir && g_file_set_contents (a, before, -1, NULL) && g_file_set_contents (b, after, -1, NULL))
    {
      const char *argv[] = { "diff", "-u", la, lb, a, b, NULL };

      if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                        &status, NULL))
        fputs (out, stdout);
    }
  if (dir)
    remove_dir (dir);
  return TRUE;
}

/* backup - FILE to FILE.dkimmod-STAMP, same mode; TRUE if FILE is absent */
static gboolean
backup (const char *dir, const char *name, const char *stamp, GError **error)
{
  g_autofree char *from = g_build_filename (dir, name, NULL);
  g_autofree char *to = g_strdup_printf ("%s.dkimmod-%s", from, stamp);
  g_autofree char *text = NULL;
  gsize len;
  struct stat st;

  if (stat (from, &st) != 0)
    return TRUE;
  if (!g_file_get_contents (from, &text, &len, error)
      || !g_file_set_contents_full (to, text, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT,
                                    (int) (st.st_mode & 07777), error))
    return FALSE;
  printf ("backup: %s\n", to);
  return TRUE;
}

/* The check as the filter's user, in run-as-user.c's child. */
typedef struct
{
  const char *configs[2];
} UserCheck;

static int
check_as_filter_user (gpointer data)
{
  const UserCheck *u = data;
  int worst = EX_OK;

  for (guint i = 0; i < G_N_ELEMENTS (u->configs) && u->configs[i]; i++)
    {
      g_autoptr (DkimmodConfig) cfg = NULL;
      int rc = dkimmod_check_config_file (u->configs[i], FALSE, NULL, FALSE, NULL, &cfg);

      if (rc != EX_OK)
        worst = rc;
      if (cfg != NULL)
        {
          const char *spool = dkimmod_config_spawn (cfg)->spool_directory;

          if (access (spool, W_OK | X_OK) != 0)
            {
              fprintf (stderr, "%s: spool_directory %s: the filter's user cannot write it "
                       "(%s): make it the user's (chown USER %s; chmod 0700 %s)\n",
                       u->configs[i], spool, g_strerror (errno), spool, spool);
              worst = EX_CONFIG;
            }
        }
    }
  return worst;
}

static gboolean
parse_port (const char *text, guint *out)
{
  guint64 v;

  if (!dkimmod_cli_parse_u64 (text, 1, 65535, &v))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static int
usage_error (void)
{
  fputs (setup_usage, stderr);
  return EX_USAGE;
}

/* parse_options - fills S; an exit status, or -1 to go on */
static int
parse_options (Setup *s, int argc, char **argv)
{
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "h", setup_long_options, NULL)) != -1)
    switch (c)
      {
      case OPT_SIGN: s->sign = TRUE; break;
      case OPT_BEFORE: s->before_queue = TRUE; break;
      case OPT_VERIFY: s->verify = TRUE; break;
      case OPT_APPLY: s->apply = TRUE; break;
      case OPT_SOFT_BOUNCE: s->soft_bounce = TRUE; break;
      case OPT_CONFIG: s->config = optarg; break;
      case OPT_VCONFIG: s->verify_config = optarg; break;
      case OPT_USER: s->user = optarg; s->user_given = TRUE; break;
      case OPT_SPAWN: s->spawn = optarg; break;
      case OPT_SUBMISSION: s->submission = optarg; break;
      case OPT_SMTP: s->smtp = optarg; break;
      case OPT_POSTFIX_CONFIG: s->postfix_dir = optarg; break;
      case OPT_SIGN_PORT:
        if (!parse_port (optarg, &s->sign_port))
          return usage_error ();
        break;
      case OPT_REINJECT_PORT:
        if (!parse_port (optarg, &s->reinject_port))
          return usage_error ();
        break;
      case OPT_VERIFY_PORT:
        if (!parse_port (optarg, &s->verify_port))
          return usage_error ();
        break;
      case OPT_VREINJECT_PORT:
        if (!parse_port (optarg, &s->verify_reinject_port))
          return usage_error ();
        break;
      case 'h':
        fputs (setup_usage, stdout);
        return EX_OK;
      default:
        return usage_error ();
      }
  if (optind != argc || (!s->sign && !s->verify) || (s->before_queue && !s->sign))
    return usage_error ();
  if (strchr (s->config, ' ') || strchr (s->verify_config, ' ') || strchr (s->spawn, ' '))
    {
      /* spawn(8) splits argv= at blanks, without quoting */
      fprintf (stderr, "dkimmod: paths in master.cf's argv= cannot contain spaces\n");
      return EX_USAGE;
    }
  return -1;
}

/* apply - backs up both files, then runs the edits on DIR */
static int
apply (const Plan *plan, const char *dir, gboolean main_too)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  if (!backup (dir, "master.cf", stamp, &error) || !backup (dir, "main.cf", stamp, &error))
    {
      fprintf (stderr, "dkimmod: backup failed, nothing changed: %s\n", error->message);
      return EX_CANTCREAT;
    }
  if (!run_edits (plan, dir, &error))
    {
      fprintf (stderr, "dkimmod: %s\n(the files before the change: *.dkimmod-%s)\n",
               error->message, stamp);
      return EX_OSERR;
    }
  printf ("changed %s/master.cf%s: now run `postfix check && postfix reload`\n", dir,
          main_too ? " and main.cf" : "");
  return EX_OK;
}

int
dkimmod_cmd_postfix_setup (int argc, char **argv)
{
  Setup s = {
    .config = DKIMMOD_SYSCONFDIR "/dkimmod.conf", .verify_config = DKIMMOD_SYSCONFDIR "/verify.conf",
    .user = "dkimmod", .spawn = DKIMMOD_LIBEXECDIR "/dkimmod-spawn",
    .submission = "submission/inet", .smtp = "smtp/inet",
    .sign_port = 10027, .reinject_port = 10028, .verify_port = 10025,
    .verify_reinject_port = 10026,
  };
  Plan plan = { g_array_new (FALSE, TRUE, sizeof (Edit)),
                g_ptr_array_new_with_free_func (g_free) };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *dir = NULL, *copy = NULL, *main_cf = NULL;
  UserCheck check = { { NULL, NULL } };
  static const char *const views[][2] = {
    { "-M", "master.cf (postconf -M)" }, { "-P", "master.cf (postconf -P)" },
    { "-n", "main.cf (postconf -n)" },
  };
  gboolean changed = FALSE;
  int rc = parse_options (&s, argc, argv);

  g_array_set_clear_func (plan.edits, edit_clear);
  if (rc >= 0)
    goto out;
  rc = EX_CONFIG;
  /* where the configuration is: -c DIR, else postconf's config_directory */
  if (s.postfix_dir != NULL)
    dir = g_strdup (s.postfix_dir);
  else
    {
      const char *const args[] = { "-d", "-h", "config_directory", NULL };
      char *d = dkimmod_postconf_run (NULL, args, &error);

      if (d == NULL)
        {
          fprintf (stderr, "dkimmod: is Postfix installed? %s\n", error->message);
          rc = EX_UNAVAILABLE;
          goto out;
        }
      dir = g_strdup (g_strstrip (d));
      g_free (d);
    }
  main_cf = g_build_filename (dir, "main.cf", NULL);
  if (!g_file_test (main_cf, G_FILE_TEST_EXISTS))
    {
      fprintf (stderr, "dkimmod: %s does not exist: Postfix is not configured yet (Debian: "
               "dpkg-reconfigure postfix, or copy /usr/share/postfix/main.cf.debian); nothing "
               "changed\n", main_cf);
      goto out;
    }
  s.postfix_dir = dir;
  if (!s.user_given)
    {
      /* With maillog_file, Postfix logs through postlogd and there may be
       * no syslog socket at all: the filter's lines reach the log only
       * through public/postlog, which only group postdrop may write. */
      const char *const args[] = { "-h", "maillog_file", NULL };
      g_autofree char *file = dkimmod_postconf_run (dir, args, NULL);

      if (file != NULL && *g_strstrip (file) != '\0')
        {
          s.user = "dkimmod:postdrop";
          printf ("note: Postfix logs to %s (postlogd): the filter runs as user=dkimmod:postdrop "
                  "so that its log lines reach it (--user to choose)\n", file);
        }
    }
  entries = dkimmod_postconf_master (dir, &error);
  if (entries == NULL)
    {
      fprintf (stderr, "dkimmod: %s\n", error->message);
      rc = EX_UNAVAILABLE;
      goto out;
    }
  if (s.sign)
    plan_sign (&plan, &s, entries);
  if (s.verify)
    plan_verify (&plan, &s, entries);
  if (s.soft_bounce)
    plan_add (&plan, "-e", "soft_bounce=yes");
  /* the filter's user must read the configurations and keys and write
   * the spool: check-config's check, run as that user */
  check.configs[0] = s.sign ? s.config : s.verify_config;
  check.configs[1] = s.sign && s.verify ? s.verify_config : NULL;
  printf ("checking %s%s%s as user %s:\n", check.configs[0], check.configs[1] ? " and " : "",
          check.configs[1] ? check.configs[1] : "", s.user);
  rc = geteuid () == 0 ? dkimmod_run_as_user (s.user, check_as_filter_user, &check, &error)
                       : check_as_filter_user (&check);
  if (error != NULL)
    refuse (&plan, "%s", error->message);
  else if (rc != EX_OK)
    refuse (&plan, "the filter's user %s cannot use the configuration (above): fix it and run "
            "this again", s.user);
  if (plan.refusals->len > 0)
    {
      for (guint i = 0; i < plan.refusals->len; i++)
        fprintf (stderr, "dkimmod: refused: %s\n", (char *) g_ptr_array_index (plan.refusals, i));
      fprintf (stderr, "dkimmod: nothing changed\n");
      rc = EX_CONFIG;
      goto out;
    }
  /* the result, computed on a copy */
  copy = copy_dir (dir, &error);
  if (copy == NULL || !run_edits (&plan, copy, &error))
    {
      fprintf (stderr, "dkimmod: %s\n", error->message);
      rc = EX_UNAVAILABLE;
      goto out;
    }
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *before = snapshot (dir, views[i][0], &error);
      g_autofree char *after = before ? snapshot (copy, views[i][0], &error) : NULL;

      if (after == NULL)
        {
          fprintf (stderr, "dkimmod: %s\n", error->message);
          rc = EX_UNAVAILABLE;
          goto out;
        }
      changed |= print_diff (views[i][1], before, after);
    }
  if (!changed)
    {
      printf ("no change: Postfix is already set up this way\n");
      rc = EX_OK;
    }
  else if (!s.apply)
    {
      printf ("dry run: nothing changed; run again with --apply to make these changes\n");
      rc = EX_OK;
    }
  else
    rc = apply (&plan, dir, s.soft_bounce);
out:
  if (copy != NULL)
    remove_dir (copy);
  g_array_unref (plan.edits);
  g_ptr_array_unref (plan.refusals);
  return rc;
}
