/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dkimmod.c - the dkimmod command-line tool: subcommand dispatch
 * SYNOPSIS
 *	main
 * DESCRIPTION
 *	"dkimmod COMMAND [options]": sign (cmd-sign.c), verify
 *	(cmd-verify.c), keygen (cmd-keygen.c), testkey (cmd-testkey.c),
 *	check-config (cmd-check-config.c). Each subcommand
 *	parses its own options and returns a sysexits(3) status, which
 *	becomes the exit status. See dkimmod(1).
 * DIAGNOSTICS
 *	Exit 64 (EX_USAGE) for an unknown command or no command.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dkimmod-build-config.h"

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} DkimmodCommand;

static const DkimmodCommand commands[] = {
  { "sign", dkimmod_cmd_sign, "add DKIM-Signature fields to a message on stdin" },
  { "verify", dkimmod_cmd_verify, "check the DKIM signatures of a message on stdin" },
  { "keygen", dkimmod_cmd_keygen, "generate a key pair and its DNS TXT record" },
  { "testkey", dkimmod_cmd_testkey, "check that DNS publishes the key of a private key" },
  { "check-config", dkimmod_cmd_check_config, "validate a dkimmod.conf and its keys" },
  { "rotate", dkimmod_cmd_rotate, "make a domain's next key; switch to it once DNS has it" },
  { "import", dkimmod_cmd_import, "convert a DKIMproxy or OpenDKIM setup to dkimmod.conf" },
  { "postfix-setup", dkimmod_cmd_postfix_setup, "hook the filter into Postfix with postconf" },
  { "explain", dkimmod_cmd_explain, "why a sender's mail is (not) signed, and with which key" },
};

/* usage - the command list on STREAM. */
static void
usage (FILE *stream)
{
  fputs ("usage: dkimmod COMMAND [options]\n"
         "       dkimmod COMMAND --help\n"
         "       dkimmod --version\n\ncommands:\n",
         stream);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-14s %s\n", commands[i].name, commands[i].summary);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      usage (stderr);
      return EX_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return EX_OK;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-V") == 0)
    {
      printf ("dkimmod %s (libdkimmod %s)\n", DKIMMOD_VERSION, dkimmod_version ());
      return EX_OK;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);
  dkimmod_cli_warn ("unknown command: %s", argv[1]);
  usage (stderr);
  return EX_USAGE;
}
