/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd-explain.c - "dkimmod explain": why a message is (not) signed
 * SYNOPSIS
 *	dkimmod_cmd_explain
 * DESCRIPTION
 *	For --sender ADDR, or the sender the configuration takes from
 *	--message FILE (sender_source: From, Sender then From, or the
 *	envelope sender given with --mail-from), prints the sender and where
 *	it came from, every sender_map key the lookup tries in order (the
 *	address, without +extension, the domain, its parents, ".") with the
 *	entry found for it (FILE:LINE) or "no entry", and for the entry that
 *	wins each signature's d=, s=, a=, key file and whether the key loads
 *	(with the loader's reason when not); or why nothing is signed. The
 *	lookup is the filter's own (dkimmod_config_lookup_chain and
 *	dkimmod_config_lookup_checked), so the answer cannot drift from what
 *	dkimmod-spawn does. Run as root, keys are loaded as the filter's
 *	user (--user, or the spawn service's user= as for check-config).
 * DIAGNOSTICS
 *	Exit 0 when the message would be signed, 1 when not (the reason is
 *	printed), 64 usage, 66 unreadable input, 78 configuration error.
 * NEVER
 *	Sign or send anything.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config-load.h"
#include "dkimmod-build-config.h"
#include "run-as-user.h"

static const char explain_usage[] =
  "usage: dkimmod explain [--config FILE] [--user NAME[:GROUP]]\n"
  "                       (--sender ADDR | --message FILE [--mail-from ADDR])\n"
  "\n"
  "Says which sender_map entry signs a message from ADDR (or the message in\n"
  "FILE), with its FILE:LINE, the keys of the lookup tried in order, each\n"
  "signature's d=, s=, a= and key, and whether the key loads; or why nothing\n"
  "is signed. Exit 0 when it would be signed, 1 when not.\n"
  "\n"
  "      --config FILE      the configuration (" DKIMMOD_SYSCONFDIR "/dkimmod.conf)\n"
  "      --sender ADDR      the sender address (or domain) to look up\n"
  "      --message FILE     take the sender from this message, as the filter does\n"
  "      --mail-from ADDR   the envelope sender (sender_source = \"envelope\")\n"
  "      --user NAME        load keys as this user (as root; default: the spawn\n"
  "                         service's user= from postconf -M)\n"
  "  -h, --help             this text\n";

enum { OPT_CONFIG = 256, OPT_SENDER, OPT_MESSAGE, OPT_MAIL_FROM, OPT_USER };

static const struct option explain_long_options[] = {
  { "config", required_argument, NULL, OPT_CONFIG },
  { "sender", required_argument, NULL, OPT_SENDER },
  { "message", required_argument, NULL, OPT_MESSAGE },
  { "mail-from", required_argument, NULL, OPT_MAIL_FROM },
  { "user", required_argument, NULL, OPT_USER },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

typedef struct
{
  const char *config, *sender, *message, *mail_from;
} Explain;

static const char *
source_name (DkimmodSenderSource s)
{
  switch (s)
    {
    case DKIMMOD_SENDER_ENVELOPE:
      return "the envelope sender (sender_source = \"envelope\")";
    case DKIMMOD_SENDER_SENDER_THEN_FROM:
      return "the Sender field, else From (sender_source = \"sender-then-from\")";
    case DKIMMOD_SENDER_FROM:
    default:
      return "the From field (sender_source = \"from\")";
    }
}

/* message_sender - the sender the filter takes from FILE */
static char *
message_sender (const Explain *x, const DkimmodConfig *cfg, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) msg = NULL;
  g_autoptr (DkimmodMsgParser) parser = NULL;
  g_autofree char *text = NULL;
  gsize len, body_off;

  if (!g_file_get_contents (x->message, &text, &len, &error))
    {
      dkimmod_cli_warn ("%s", error->message);
      *status = EX_NOINPUT;
      return NULL;
    }
  msg = dkimmod_cli_to_crlf (g_bytes_new_take (g_steal_pointer (&text), len));
  parser = dkimmod_cli_parse_header_block (msg, &body_off, status);
  if (parser == NULL)
    return NULL;
  return dkimmod_cli_config_sender (cfg, parser, x->mail_from);
}

/* print_chain - each key tried, and the entry found for it */
static void
print_chain (const DkimmodConfig *cfg, const char *sender, const char *matched)
{
  g_autoptr (GPtrArray) chain = dkimmod_config_lookup_chain (sender);

  printf ("lookup, most specific first:\n");
  for (guint i = 0; chain && i < chain->len; i++)
    {
      const char *key = g_ptr_array_index (chain, i);
      const char *origin = dkimmod_config_entry_origin (cfg, key);

      printf ("  %-40s %s%s%s\n", key, origin ? "entry at " : "no entry", origin ? origin : "",
              matched && strcmp (matched, key) == 0 ? "  <- used" : "");
      if (matched && strcmp (matched, key) == 0)
        break;
    }
}

/* print_signature - one signature and whether its key loads; FALSE when not */
static gboolean
print_signature (DkimmodContext *ctx, const DkimmodConfig *cfg, guint n,
                 const DkimmodConfigSignature *sig)
{
  unsigned flags = dkimmod_config_spawn (cfg)->allow_group_readable_keys
                     ? DKIMMOD_KEY_ALLOW_GROUP_READABLE : 0;
  DkimmodError err = { 0 };
  g_autoptr (DkimmodKey) key = dkimmod_key_load_file (ctx, sig->key_path, flags, &err);

  printf ("signature %u (%s): d=%s s=%s a=%s\n  key %s: ", n, sig->origin, sig->domain,
          sig->selector, sig->algorithm == DKIMMOD_ALG_FROM_KEY
                           ? (key ? dkimmod_algorithm_name (dkimmod_key_algorithm (key))
                                  : "(from the key)")
                           : dkimmod_algorithm_name (sig->algorithm),
          sig->key_path);
  if (key == NULL)
    {
      printf ("does not load: %s\n", err.message);
      return FALSE;
    }
  printf ("loads (%s, %u bits)\n", dkimmod_algorithm_name (dkimmod_key_algorithm (key)),
          dkimmod_key_bits (key));
  return TRUE;
}

static int
explain_now (gpointer data)
{
  const Explain *x = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_load (x->config, 0, ctx, &error);
  g_autoptr (GPtrArray) sigs = NULL;
  g_autofree char *raw = NULL, *sender = NULL, *dropped = NULL;
  const char *idn_why = NULL, *matched = NULL;
  int status = EX_OK;
  gboolean all_load = TRUE;

  if (cfg == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return g_error_matches (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO) ? EX_NOINPUT
                                                                                     : EX_CONFIG;
    }
  if (x->sender != NULL)
    {
      raw = g_strdup (x->sender);
      printf ("sender: <%s> (given with --sender)\n", raw);
    }
  else
    {
      raw = message_sender (x, cfg, &status);
      if (raw == NULL)
        {
          if (status != EX_OK)
            return status;
          printf ("not signed: no sender address: %s is missing%s\n",
                  source_name (dkimmod_config_sender_source (cfg)),
                  dkimmod_config_sender_source (cfg) == DKIMMOD_SENDER_ENVELOPE
                    ? " (give --mail-from)" : " or holds no address");
          return 1;
        }
      printf ("sender: <%s> from %s\n", raw, source_name (dkimmod_config_sender_source (cfg)));
    }
  sender = dkimmod_config_sender_to_ascii (raw, &idn_why);
  if (sender == NULL)
    {
      printf ("not signed: the domain is not an internationalized domain name: %s\n", idn_why);
      return 1;
    }
  sigs = dkimmod_config_lookup_checked (cfg, sender, &matched, &dropped, &error);
  print_chain (cfg, sender, matched);
  if (dropped != NULL)
    printf ("left out: %s\n", dropped);
  if (error != NULL)
    {
      printf ("not signed, answered 4xx: %s\n", error->message);
      return 1;
    }
  if (sigs == NULL)
    {
      printf ("not signed: %s; the message is relayed unsigned and logged as \"skipped\"\n",
              matched ? "every signature of the entry was left out"
                      : "no sender_map entry matches, not even \".\"");
      return 1;
    }
  for (guint i = 0; i < sigs->len; i++)
    all_load &= print_signature (ctx, cfg, i + 1, g_ptr_array_index (sigs, i));
  if (!all_load)
    {
      printf ("not signed: a key does not load, so the filter answers 4xx (on_error = "
              "\"%s\")\n", dkimmod_config_spawn (cfg)->on_error == DKIMMOD_ON_ERROR_RELAY
                             ? "relay\": relayed unsigned" : "tempfail");
      return 1;
    }
  printf ("signed: %u signature%s\n", sigs->len, sigs->len == 1 ? "" : "s");
  return EX_OK;
}

int
dkimmod_cmd_explain (int argc, char **argv)
{
  Explain x = { .config = DKIMMOD_SYSCONFDIR "/dkimmod.conf" };
  g_autoptr (GError) error = NULL;
  g_autofree char *user = NULL;
  const char *spec = NULL;
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "h", explain_long_options, NULL)) != -1)
    switch (c)
      {
      case OPT_CONFIG: x.config = optarg; break;
      case OPT_SENDER: x.sender = optarg; break;
      case OPT_MESSAGE: x.message = optarg; break;
      case OPT_MAIL_FROM: x.mail_from = optarg; break;
      case OPT_USER: spec = optarg; break;
      case 'h':
        fputs (explain_usage, stdout);
        return EX_OK;
      default:
        fputs (explain_usage, stderr);
        return EX_USAGE;
      }
  if (optind != argc || (x.sender == NULL) == (x.message == NULL))
    {
      fputs (explain_usage, stderr);
      return EX_USAGE;
    }
  if (geteuid () != 0 || (user = dkimmod_cli_filter_user (spec, NULL, x.config, NULL)) == NULL)
    return explain_now (&x);
  printf ("(keys loaded as user %s, as the filter loads them)\n", user);
  c = dkimmod_run_as_user (user, explain_now, &x, &error);
  if (error != NULL)
    fprintf (stderr, "dkimmod: %s\n", error->message);
  return c;
}
