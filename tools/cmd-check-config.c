/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd-check-config.c - "dkimmod check-config": validate dkimmod.conf
 * SYNOPSIS
 *	dkimmod_cmd_check_config
 * DESCRIPTION
 *	Loads FILE with DKIMMOD_CONFIG_VALIDATE_KEYS, so every sender_map
 *	entry is checked and every key file parsed (the spawn helper loads
 *	keys lazily and would only find a bad key on the first message for
 *	it). Prints every error as the loader words it, "FILE:LINE: SETTING:
 *	what is wrong", one per line on stderr, and exits 78 (EX_CONFIG);
 *	66 when FILE itself cannot be read. On success prints a one-line
 *	summary on stdout and exits 0, after the warnings of check-risks.c
 *	(risky but valid setups; with --dns, selectors DNS does not publish).
 *	Run as root, it checks as the user the filter runs as (--user, else
 *	the user= of the master.cf spawn service that runs dkimmod-spawn
 *	with this file, found with postconf -M), in a child with that user's
 *	ids (run-as-user.c): root reads every key, the filter may not. A
 *	file that user cannot open is reported with the path component that
 *	refuses and the fix (module/key-access.c).
 * DIAGNOSTICS
 *	Exit 0, 64 (usage), 66 (no such file), 67 (no such user), 77 (--user
 *	of another user without root), 78 (configuration error).
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "check-bypass.h"
#include "check-risks.h"
#include "config-load.h"
#include "key-private.h"
#include "postconf-util.h"
#include "run-as-user.h"

static const char check_usage[] =
  "usage: dkimmod check-config [--user NAME[:GROUP]] [--postfix-config DIR]\n"
  "                            [--dns [--nameserver ADDR[:PORT]]] FILE\n"
  "\n"
  "Loads FILE, parses every key it names, and prints each error as\n"
  "FILE:LINE: SETTING: message (exit 78), or a summary (exit 0). Then warns\n"
  "about risky setups: a catch-all entry, one key for unrelated domains, RSA\n"
  "keys under 2048 bits, keys readable by their group.\n"
  "Run as root, it checks every file as the filter's user: NAME, or the user=\n"
  "of the master.cf spawn service running dkimmod-spawn -c FILE (postconf -M).\n"
  "\n"
  "      --user NAME[:GROUP]   check as this user (and only this group), as\n"
  "                            spawn(8) runs the filter with user=NAME[:GROUP]\n"
  "      --postfix-config DIR  Postfix configuration directory for postconf -c\n"
  "      --dns                 also check that DNS publishes each selector's key\n"
  "      --nameserver ADDR     DNS server for --dns (default: /etc/resolv.conf)\n"
  "  -h, --help                this text\n";

enum { OPT_DNS = 256, OPT_NAMESERVER, OPT_USER, OPT_POSTFIX_CONFIG };

static const struct option check_long_options[] = {
  { "dns", no_argument, NULL, OPT_DNS },
  { "user", required_argument, NULL, OPT_USER },
  { "postfix-config", required_argument, NULL, OPT_POSTFIX_CONFIG },
  { "nameserver", required_argument, NULL, OPT_NAMESERVER },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* print_errors - MESSAGE may hold several errors, one per line. */
static void
print_errors (const char *message)
{
  g_auto (GStrv) lines = g_strsplit (message, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      fprintf (stderr, "%s\n", lines[i]);
}

/* print_verifying - one line on how dkimmod-spawn verify would verify */
static void
print_verifying (const char *path, const DkimmodVerifySettings *v)
{
  /* A file for signing alone needs no authserv_id: say what verifying
   * would need rather than claim a verifier that is not there. */
  if (v->authserv_id == NULL)
    {
      printf ("%s: not ready for verifying: the host name is not a domain, so "
              "dkimmod-spawn verify needs verifying.authserv_id (signing does not)\n", path);
      return;
    }
  printf ("%s: verifying as %s, at most %u signatures, keys from %s%s%s, DNS deadline %u s%s%s\n",
          path, v->authserv_id,
          v->max_signatures, v->key_file ? v->key_file : "DNS",
          v->key_file || v->nameserver == NULL ? "" : " at ",
          v->key_file || v->nameserver == NULL ? "" : v->nameserver, v->dns_timeout,
          v->accept_rsa_sha1 ? ", rsa-sha1 accepted" : "",
          v->accept_body_length ? ", content beyond l= accepted" : "");
}

typedef struct
{
  const char *path, *nameserver, *postfix_dir;
  gboolean dns;
} CheckArgs;

int
dkimmod_check_config_file (const char *path, gboolean dns, const char *nameserver,
                           gboolean check_bypass, const char *postfix_dir,
                           DkimmodConfig **cfg_out)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autoptr (GError) error = NULL;
  guint warnings;

  cfg = dkimmod_config_load (path, DKIMMOD_CONFIG_VALIDATE_KEYS, ctx, &error);
  if (cfg == NULL)
    {
      print_errors (error->message);
      if (g_error_matches (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO))
        {
          if (access (path, R_OK) != 0 && errno == EACCES)
            {
              g_autofree char *why = dkimmod_path_explain_denied (path);

              fprintf (stderr, "%s: %s\n", path, why);
            }
          return EX_NOINPUT;
        }
      return EX_CONFIG;
    }
  printf ("%s: OK: %u sender_map entries, every key file loads\n", path,
          dkimmod_config_entry_count (cfg));
  print_verifying (path, dkimmod_config_verifying (cfg));
  warnings = dkimmod_check_risks (cfg, ctx, dns, nameserver);
  /* Only a signing configuration can be bypassed (check-bypass.c). */
  if (check_bypass && dkimmod_config_entry_count (cfg) > 0)
    warnings += dkimmod_check_bypass (postfix_dir);
  if (warnings > 0)
    printf ("%s: %u warnings (on stderr): the configuration works, but read them\n", path,
            warnings);
  if (cfg_out != NULL)
    *cfg_out = g_steal_pointer (&cfg);
  return EX_OK;
}

/* check_now - the check, as whoever runs it (run-as-user.c's callback) */
static int
check_now (gpointer data)
{
  const CheckArgs *a = data;

  return dkimmod_check_config_file (a->path, a->dns, a->nameserver, TRUE, a->postfix_dir, NULL);
}

/* filter_user - whom to check as: SPEC, else the spawn service's user=
 * (NULL when none is found: *WHY says why); *ORIGIN says where from */
static char *
filter_user (const char *spec, const char *postfix_dir, const char *path, char **origin,
             char **why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *service = NULL;
  char *user;

  if (spec != NULL)
    {
      if (origin)
        *origin = g_strdup ("--user");
      return g_strdup (spec);
    }
  entries = dkimmod_postconf_master (postfix_dir, &error);
  if (entries != NULL)
    user = dkimmod_master_find_spawn_user (entries, path, &service, &error);
  else
    user = NULL;
  if (user == NULL)
    {
      if (why)
        *why = g_strdup (error->message);
      return NULL;
    }
  if (origin)
    *origin = g_strdup_printf ("master.cf service %s", service);
  return user;
}

char *
dkimmod_cli_filter_user (const char *spec, const char *postfix_dir, const char *path, char **why)
{
  return filter_user (spec, postfix_dir, path, NULL, why);
}

int
dkimmod_cmd_check_config (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = NULL, *origin = NULL, *why = NULL;
  const char *spec = NULL, *postfix_dir = NULL;
  CheckArgs a = { 0 };
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "h", check_long_options, NULL)) != -1)
    {
      if (c == OPT_DNS)
        a.dns = TRUE;
      else if (c == OPT_NAMESERVER)
        a.nameserver = optarg;
      else if (c == OPT_USER)
        spec = optarg;
      else if (c == OPT_POSTFIX_CONFIG)
        postfix_dir = a.postfix_dir = optarg;
      else if (c == 'h')
        {
          fputs (check_usage, stdout);
          return EX_OK;
        }
      else
        {
          fputs (check_usage, stderr);
          return EX_USAGE;
        }
    }
  if (argc - optind != 1)
    {
      fputs (check_usage, stderr);
      return EX_USAGE;
    }
  a.path = argv[optind];
  if (geteuid () != 0)
    {
      uid_t uid;
      gid_t gid;

      if (spec != NULL && (!dkimmod_user_lookup (spec, &uid, &gid, &error) || uid != geteuid ()))
        {
          fprintf (stderr, "%s: %s\n", a.path,
                   error ? error->message : "--user names another user: run this as root");
          return error ? EX_NOUSER : EX_NOPERM;
        }
      return check_now (&a);
    }
  user = filter_user (spec, postfix_dir, a.path, &origin, &why);
  if (user == NULL)
    {
      /* stdout: a note, not a warning (the configuration may be fine) */
      printf ("%s: note: checking as root, who can read every file (%s): --user NAME checks "
              "as the filter's user\n", a.path, why);
      return check_now (&a);
    }
  printf ("%s: checking as user %s (from %s), as spawn(8) runs the filter\n", a.path, user,
          origin);
  c = dkimmod_run_as_user (user, check_now, &a, &error);
  if (error != NULL)
    fprintf (stderr, "%s: %s\n", a.path, error->message);
  return c;
}
