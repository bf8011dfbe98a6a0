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
 * DIAGNOSTICS
 *	Exit 0, 64 (usage), 66 (no such file), 78 (configuration error).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "check-risks.h"
#include "config-load.h"

static const char check_usage[] =
  "usage: dkimmod check-config [--dns [--nameserver ADDR[:PORT]]] FILE\n"
  "\n"
  "Loads FILE, parses every key it names, and prints each error as\n"
  "FILE:LINE: SETTING: message (exit 78), or a summary (exit 0). Then warns\n"
  "about risky setups: a catch-all entry, one key for unrelated domains, RSA\n"
  "keys under 2048 bits, keys readable by their group.\n"
  "\n"
  "      --dns                 also check that DNS publishes each selector's key\n"
  "      --nameserver ADDR     DNS server for --dns (default: /etc/resolv.conf)\n"
  "  -h, --help                this text\n";

enum { OPT_DNS = 256, OPT_NAMESERVER };

static const struct option check_long_options[] = {
  { "dns", no_argument, NULL, OPT_DNS },
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
  printf ("%s: verifying as %s, at most %u signatures, keys from %s%s%s, DNS deadline %u s%s%s\n",
          path, v->authserv_id ? v->authserv_id : "(host name not a domain: set authserv_id)",
          v->max_signatures, v->key_file ? v->key_file : "DNS",
          v->key_file || v->nameserver == NULL ? "" : " at ",
          v->key_file || v->nameserver == NULL ? "" : v->nameserver, v->dns_timeout,
          v->accept_rsa_sha1 ? ", rsa-sha1 accepted" : "",
          v->accept_body_length ? ", content beyond l= accepted" : "");
}

int
dkimmod_cmd_check_config (int argc, char **argv)
{
  g_autoptr (DkimmodContext) ctx = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autoptr (GError) error = NULL;
  const char *path, *nameserver = NULL;
  gboolean dns = FALSE;
  guint warnings;
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "h", check_long_options, NULL)) != -1)
    {
      if (c == OPT_DNS)
        dns = TRUE;
      else if (c == OPT_NAMESERVER)
        nameserver = optarg;
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
  path = argv[optind];
  ctx = dkimmod_context_new ();
  cfg = dkimmod_config_load (path, DKIMMOD_CONFIG_VALIDATE_KEYS, ctx, &error);
  if (cfg == NULL)
    {
      print_errors (error->message);
      return g_error_matches (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO) ? EX_NOINPUT
                                                                                     : EX_CONFIG;
    }
  printf ("%s: OK: %u sender_map entries, every key file loads\n", path,
          dkimmod_config_entry_count (cfg));
  print_verifying (path, dkimmod_config_verifying (cfg));
  warnings = dkimmod_check_risks (cfg, ctx, dns, nameserver);
  if (warnings > 0)
    printf ("%s: %u warnings (on stderr): the configuration works, but read them\n", path,
            warnings);
  return EX_OK;
}
