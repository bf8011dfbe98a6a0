/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd-import.c - "dkimmod import": convert a DKIMproxy or OpenDKIM setup
 * SYNOPSIS
 *	dkimmod_cmd_import
 * DESCRIPTION
 *	dkimmod import dkimproxy --sender-map FILE [--conf dkimproxy_out.conf]
 *	dkimmod import opendkim --key-table FILE --signing-table FILE
 *	Both write a dkimmod.conf on stdout (or -o FILE, created with mode
 *	0644 and never over an existing file) and warnings on stderr; the
 *	readers are import-dkimproxy.c and import-opendkim.c.
 * DIAGNOSTICS
 *	Exit 0 (also with warnings), 64 usage, 65 an input the old program
 *	could not have used, 66 an unreadable input, 73 output not created.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"

static const char import_usage[] =
  "usage: dkimmod import dkimproxy --sender-map FILE [--conf dkimproxy_out.conf] [-o FILE]\n"
  "       dkimmod import opendkim --key-table FILE --signing-table FILE [-o FILE]\n"
  "\n"
  "Writes an equivalent dkimmod.conf on stdout (or to FILE, never overwritten);\n"
  "warnings on stderr say where the result differs and why.\n"
  "\n"
  "  --sender-map FILE      DKIMproxy's sender_map file\n"
  "  --conf FILE            dkimproxy_out.conf (keyfile, selector, domain, method,\n"
  "                         signature lines)\n"
  "  --key-table FILE       OpenDKIM's KeyTable (file:, or a plain path)\n"
  "  --signing-table FILE   OpenDKIM's SigningTable (refile: for wildcard patterns)\n"
  "  -o, --output FILE      where to write\n"
  "  -h, --help             this text\n";

enum { OPT_SENDER_MAP = 256, OPT_CONF, OPT_KEY_TABLE, OPT_SIGNING_TABLE };

static const struct option import_long_options[] = {
  { "sender-map", required_argument, NULL, OPT_SENDER_MAP },
  { "conf", required_argument, NULL, OPT_CONF },
  { "key-table", required_argument, NULL, OPT_KEY_TABLE },
  { "signing-table", required_argument, NULL, OPT_SIGNING_TABLE },
  { "output", required_argument, NULL, 'o' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

typedef struct
{
  const char *sender_map, *conf, *key_table, *signing_table, *output;
} ImportOptions;

/* import_parse_args - argv into OPT; an exit status, or -1 after --help */
static int
import_parse_args (int argc, char **argv, ImportOptions *opt)
{
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "o:h", import_long_options, NULL)) != -1)
    switch (c)
      {
      case OPT_SENDER_MAP: opt->sender_map = optarg; break;
      case OPT_CONF: opt->conf = optarg; break;
      case OPT_KEY_TABLE: opt->key_table = optarg; break;
      case OPT_SIGNING_TABLE: opt->signing_table = optarg; break;
      case 'o': opt->output = optarg; break;
      case 'h':
        fputs (import_usage, stdout);
        return -1;
      default:
        fputs (import_usage, stderr);
        return EX_USAGE;
      }
  return EX_OK;
}

/* write_output - TEXT to stdout or a new file */
static int
write_output (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;
  int fd = path ? open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : 1;
  gboolean ok;

  if (fd < 0)
    {
      dkimmod_cli_warn ("%s: %s%s", path, g_strerror (errno),
                        errno == EEXIST ? " (refusing to overwrite)" : "");
      return EX_CANTCREAT;
    }
  ok = dkimmod_cli_write_all (fd, text, strlen (text), &error);
  if (path != NULL && close (fd) != 0 && ok)
    ok = FALSE, g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s",
                             g_strerror (errno));
  if (!ok)
    {
      dkimmod_cli_warn ("%s: %s", path ? path : "stdout", error->message);
      return EX_IOERR;
    }
  return EX_OK;
}

int
dkimmod_cmd_import (int argc, char **argv)
{
  ImportOptions opt = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (ImportConf) conf = NULL;
  g_autofree char *text = NULL;
  int status = import_parse_args (argc, argv, &opt);
  const char *what = optind < argc ? argv[optind] : "";
  gboolean ok;

  if (status != EX_OK)
    return status == -1 ? EX_OK : status;
  if (optind + 1 != argc
      || (strcmp (what, "dkimproxy") == 0 && (opt.sender_map == NULL || opt.key_table || opt.signing_table))
      || (strcmp (what, "opendkim") == 0 && (opt.key_table == NULL || opt.signing_table == NULL
                                             || opt.sender_map || opt.conf))
      || (strcmp (what, "dkimproxy") != 0 && strcmp (what, "opendkim") != 0))
    {
      fputs (import_usage, stderr);
      return EX_USAGE;
    }
  if (strcmp (what, "dkimproxy") == 0)
    {
      conf = dkimmod_import_conf_new ("DKIMproxy");
      ok = dkimmod_import_dkimproxy (conf, opt.sender_map, opt.conf, &error);
    }
  else
    {
      conf = dkimmod_import_conf_new ("OpenDKIM");
      ok = dkimmod_import_opendkim (conf, opt.key_table, opt.signing_table, &error);
    }
  if (!ok)
    {
      dkimmod_cli_warn ("import: %s", error->message);
      return error->domain == G_FILE_ERROR && error->code == G_FILE_ERROR_INVAL ? EX_DATAERR
                                                                                  : EX_NOINPUT;
    }
  text = dkimmod_import_write (conf);
  status = write_output (opt.output, text);
  if (status == EX_OK && conf->warnings > 0)
    dkimmod_cli_warn ("import: %u warnings; read them, then run dkimmod check-config", conf->warnings);
  return status;
}
