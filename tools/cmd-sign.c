/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd-sign.c - "dkimmod sign": add DKIM-Signature fields to a message
 * SYNOPSIS
 *	dkimmod_cmd_sign
 * DESCRIPTION
 *	Reads one message on stdin and writes it to stdout with one
 *	DKIM-Signature field per requested signature prepended; every other
 *	byte is the input's. The signatures come either from the command line
 *	(groups of -d/-s/-k, see sign_group_get) or from a dkimmod.conf
 *	sender_map, chosen by --sender or the From header as dkimmod-spawn
 *	chooses them.
 *
 *	The message is signed in the CRLF form SMTP carries (cli-util.c
 *	explains the line-ending rule). The whole message is held in memory:
 *	the signatures must be written before the message, and a file given
 *	to a command-line tool is not the unbounded stream the spawn helper
 *	handles.
 * STANDARDS
 *	RFC 6376 section 3.5 (the signature field), section 5 (signing);
 *	RFC 5322 section 3.6 (exactly one From).
 * DIAGNOSTICS
 *	Exit 0 when signed (or, with --config, when no sender_map entry
 *	matches, or the sender's domain is no valid IDN, and the message is
 *	copied unsigned, with a warning); 64 usage,
 *	65 malformed message or key, 66 key or config file missing, 74 output
 *	error, 78 configuration error, 70 internal error.
 * NEVER
 *	Modify the message bytes; sign a message with more than one From.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config-load.h"
#include "msgparse.h"

/* One signature requested on the command line. */
typedef struct
{
  char *domain;
  char *selector;
  char *key_path;
  char *identity;
  char *headers;
  char *oversign;
  int algorithm;        /* DkimmodAlgorithm; FROM_KEY unless -a */
  gboolean has_algorithm;
  gboolean has_canon;
  DkimmodCanon header_canon;
  DkimmodCanon body_canon;
  gboolean has_expire;
  guint64 expire_after;
} SignGroup;

typedef struct
{
  GPtrArray *groups;    /* SignGroup */
  char *config_path;
  char *sender;
  gboolean has_time;
  gint64 time;
} SignOptions;

static void
sign_group_free (gpointer data)
{
  SignGroup *g = data;

  g_free (g->domain);
  g_free (g->selector);
  g_free (g->key_path);
  g_free (g->identity);
  g_free (g->headers);
  g_free (g->oversign);
  g_free (g);
}

static void
sign_options_clear (SignOptions *o)
{
  g_clear_pointer (&o->groups, g_ptr_array_unref);
  g_clear_pointer (&o->config_path, g_free);
  g_clear_pointer (&o->sender, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SignOptions, sign_options_clear)

static const char sign_usage[] =
  "usage: dkimmod sign -d DOMAIN -s SELECTOR -k KEYFILE [-a ALGORITHM] [-c CANON]\n"
  "                    [-i IDENTITY] [-x SECONDS] [--headers LIST] [--oversign LIST]\n"
  "                    [-d DOMAIN -s SELECTOR -k KEYFILE ...] [--time T] < in > out\n"
  "       dkimmod sign --config FILE [--sender ADDRESS] [--time T] < in > out\n"
  "\n"
  "Reads a message on stdin, writes it to stdout with DKIM-Signature fields\n"
  "prepended. Each -d/-s/-k group is one signature; repeating an option that\n"
  "the current group already has starts the next group.\n"
  "\n"
  "  -d, --domain DOMAIN        signing domain (d=)\n"
  "  -s, --selector SELECTOR    selector (s=)\n"
  "  -k, --key KEYFILE          PEM private key, RSA or Ed25519\n"
  "  -a, --algorithm ALG        rsa-sha256 or ed25519-sha256 (default: from the key)\n"
  "  -c, --canonicalization C   header/body: simple or relaxed (default relaxed/relaxed)\n"
  "  -i, --identity AUID        agent or user identifier (i=)\n"
  "  -x, --expire SECONDS       add x= this many seconds after t=\n"
  "      --headers LIST         colon-separated header names to sign\n"
  "      --oversign LIST        names signed once more than present (\"\" = none)\n"
  "      --config FILE          signatures from the sender_map of FILE\n"
  "      --sender ADDRESS       sender for the sender_map (default: From header)\n"
  "      --time T               fixed signature time t= (seconds since the epoch)\n"
  "  -h, --help                 this text\n";

enum
{
  OPT_HEADERS = 256,
  OPT_OVERSIGN,
  OPT_CONFIG,
  OPT_SENDER,
  OPT_TIME,
};

static const struct option sign_long_options[] = {
  { "domain", required_argument, NULL, 'd' },
  { "selector", required_argument, NULL, 's' },
  { "key", required_argument, NULL, 'k' },
  { "algorithm", required_argument, NULL, 'a' },
  { "canonicalization", required_argument, NULL, 'c' },
  { "identity", required_argument, NULL, 'i' },
  { "expire", required_argument, NULL, 'x' },
  { "headers", required_argument, NULL, OPT_HEADERS },
  { "oversign", required_argument, NULL, OPT_OVERSIGN },
  { "config", required_argument, NULL, OPT_CONFIG },
  { "sender", required_argument, NULL, OPT_SENDER },
  { "time", required_argument, NULL, OPT_TIME },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* sign_group_get - the group option C belongs to: the current one, or a
 * new one when the current group already has C (so "-d a -s x -k k1 -d b
 * -s y -k k2" is two signatures). */
static SignGroup *
sign_group_get (GPtrArray *groups, int c)
{
  SignGroup *g = groups->len > 0 ? g_ptr_array_index (groups, groups->len - 1) : NULL;
  gboolean taken = FALSE;

  if (g != NULL)
    {
      switch (c)
        {
        case 'd': taken = g->domain != NULL; break;
        case 's': taken = g->selector != NULL; break;
        case 'k': taken = g->key_path != NULL; break;
        case 'a': taken = g->has_algorithm; break;
        case 'c': taken = g->has_canon; break;
        case 'i': taken = g->identity != NULL; break;
        case 'x': taken = g->has_expire; break;
        case OPT_HEADERS: taken = g->headers != NULL; break;
        case OPT_OVERSIGN: taken = g->oversign != NULL; break;
        default: break;
        }
    }
  if (g == NULL || taken)
    {
      g = g_new0 (SignGroup, 1);
      g->algorithm = DKIMMOD_ALG_FROM_KEY;
      g->header_canon = DKIMMOD_CANON_RELAXED;
      g->body_canon = DKIMMOD_CANON_RELAXED;
      g_ptr_array_add (groups, g);
    }
  return g;
}

/* sign_group_set - store one group option; FALSE on a bad value. */
static gboolean
sign_group_set (SignGroup *g, int c, const char *arg)
{
  switch (c)
    {
    case 'd': g->domain = g_strdup (arg); return TRUE;
    case 's': g->selector = g_strdup (arg); return TRUE;
    case 'k': g->key_path = g_strdup (arg); return TRUE;
    case 'i': g->identity = g_strdup (arg); return TRUE;
    case OPT_HEADERS: g->headers = g_strdup (arg); return TRUE;
    case OPT_OVERSIGN: g->oversign = g_strdup (arg); return TRUE;
    case 'a':
      g->has_algorithm = TRUE;
      g->algorithm = dkimmod_algorithm_from_name (arg);
      return g->algorithm == DKIMMOD_ALG_RSA_SHA256 || g->algorithm == DKIMMOD_ALG_ED25519_SHA256;
    case 'c':
      g->has_canon = TRUE;
      return dkimmod_canon_from_name (arg, &g->header_canon, &g->body_canon) == 0;
    case 'x':
      g->has_expire = TRUE;
      return dkimmod_cli_parse_u64 (arg, 1, G_MAXUINT32, &g->expire_after);
    default:
      return FALSE;
    }
}

/* sign_parse_args - argv into OPT; an exit status, EX_OK to go on, or -1
 * after --help. */
static int
sign_parse_args (int argc, char **argv, SignOptions *opt)
{
  int c;
  guint64 t;

  opt->groups = g_ptr_array_new_with_free_func (sign_group_free);
  optind = 1;
  while ((c = getopt_long (argc, argv, "d:s:k:a:c:i:x:h", sign_long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'h':
          fputs (sign_usage, stdout);
          return -1;
        case OPT_CONFIG:
          g_free (opt->config_path);
          opt->config_path = g_strdup (optarg);
          break;
        case OPT_SENDER:
          g_free (opt->sender);
          opt->sender = g_strdup (optarg);
          break;
        case OPT_TIME:
          if (!dkimmod_cli_parse_u64 (optarg, 0, G_MAXINT64, &t))
            {
              dkimmod_cli_warn ("--time: not a number of seconds: %s", optarg);
              return EX_USAGE;
            }
          opt->has_time = TRUE;
          opt->time = (gint64) t;
          break;
        case '?':
          fputs (sign_usage, stderr);
          return EX_USAGE;
        default:
          if (!sign_group_set (sign_group_get (opt->groups, c), c, optarg))
            {
              dkimmod_cli_warn ("-%c: invalid value: %s", c < 256 ? c : '-', optarg);
              return EX_USAGE;
            }
          break;
        }
    }
  if (optind < argc)
    {
      dkimmod_cli_warn ("unexpected argument: %s (the message is read from stdin)", argv[optind]);
      return EX_USAGE;
    }
  if (opt->config_path != NULL && opt->groups->len > 0)
    {
      dkimmod_cli_warn ("--config excludes -d, -s, -k and the other signature options");
      return EX_USAGE;
    }
  if (opt->config_path == NULL && opt->sender != NULL)
    {
      dkimmod_cli_warn ("--sender needs --config");
      return EX_USAGE;
    }
  if (opt->config_path == NULL && opt->groups->len == 0)
    {
      fputs (sign_usage, stderr);
      return EX_USAGE;
    }
  for (guint i = 0; i < opt->groups->len; i++)
    {
      SignGroup *g = g_ptr_array_index (opt->groups, i);

      if (g->domain == NULL || g->selector == NULL || g->key_path == NULL)
        {
          dkimmod_cli_warn ("signature %u: -d, -s and -k are all required", i + 1);
          return EX_USAGE;
        }
    }
  return EX_OK;
}

/* load_key - a key through the context cache; a missing or unreadable
 * file is 66 (EX_NOINPUT), a file that is no usable key 65. */
static DkimmodKey *
load_key (DkimmodContext *ctx, const char *path, unsigned flags, int *status)
{
  DkimmodError err = { 0 };
  DkimmodKey *key;

  if (access (path, R_OK) != 0)
    {
      dkimmod_cli_warn ("%s: %s", path, g_strerror (errno));
      *status = EX_NOINPUT;
      return NULL;
    }
  key = dkimmod_key_load_file (ctx, path, flags, &err);
  if (key == NULL)
    {
      dkimmod_cli_warn ("%s: %s", path, err.message);
      *status = err.code == DKIMMOD_E_IO ? EX_NOINPUT : EX_DATAERR;
    }
  return key;
}

/* add_spec - one signature into the signer; STATUS for a refusal. */
static gboolean
add_spec (DkimmodSigner *signer, const DkimmodSignSpec *spec, int bad_status, int *status)
{
  DkimmodError err = { 0 };

  if (dkimmod_signer_add_signature (signer, spec, &err) == 0)
    return TRUE;
  dkimmod_cli_warn ("signature d=%s s=%s: %s", spec->domain, spec->selector, err.message);
  *status = err.code == DKIMMOD_E_CRYPTO ? EX_SOFTWARE : bad_status;
  return FALSE;
}

/* add_command_line_signatures - the -d/-s/-k groups. */
static int
add_command_line_signatures (DkimmodContext *ctx, DkimmodSigner *signer, GPtrArray *groups)
{
  int status = EX_OK;

  for (guint i = 0; i < groups->len; i++)
    {
      SignGroup *g = g_ptr_array_index (groups, i);
      g_autoptr (DkimmodKey) key = load_key (ctx, g->key_path, 0, &status);
      DkimmodSignSpec spec;

      if (key == NULL)
        return status;
      dkimmod_sign_spec_init (&spec);
      spec.domain = g->domain;
      spec.selector = g->selector;
      spec.identity = g->identity;
      spec.algorithm = (DkimmodAlgorithm) g->algorithm;
      spec.header_canon = g->header_canon;
      spec.body_canon = g->body_canon;
      spec.headers = g->headers;
      spec.oversign = g->oversign;
      spec.expire_after = g->expire_after;
      spec.key = key;
      if (!add_spec (signer, &spec, EX_USAGE, &status))
        return status;
    }
  return EX_OK;
}

/* add_config_signatures - the signatures of the matching sender_map entry.
 * *MATCHED is FALSE when no entry matches (the message goes out unsigned). */
static int
add_config_signatures (DkimmodContext *ctx, DkimmodSigner *signer, const SignOptions *opt,
                       DkimmodMsgParser *parser, gboolean *matched)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_load (opt->config_path, 0, ctx, &error);
  g_autoptr (GPtrArray) sigs = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *dropped = NULL;
  const char *idn_why = NULL;
  unsigned flags = 0;
  int status = EX_OK;

  *matched = FALSE;
  if (cfg == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return g_error_matches (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO) ? EX_NOINPUT
                                                                                     : EX_CONFIG;
    }
  raw = dkimmod_cli_config_sender (cfg, parser, opt->sender);
  if (raw == NULL)
    {
      dkimmod_cli_warn ("no sender address: give --sender (the config selects by %s)",
                        dkimmod_config_sender_source (cfg) == DKIMMOD_SENDER_ENVELOPE
                          ? "envelope sender" : "header");
      return dkimmod_config_sender_source (cfg) == DKIMMOD_SENDER_ENVELOPE ? EX_USAGE : EX_DATAERR;
    }
  sender = dkimmod_config_sender_to_ascii (raw, &idn_why);
  if (sender == NULL)
    {
      dkimmod_cli_warn ("sender <%s>: domain is not an internationalized domain name: %s: "
                        "message not signed", raw, idn_why);
      return EX_OK;
    }
  sigs = dkimmod_config_lookup_full (cfg, sender, NULL, &dropped);
  if (dropped != NULL)
    fprintf (stderr, "%s\n", dropped);
  if (sigs == NULL)
    {
      dkimmod_cli_warn ("no sender_map entry for <%s>: message not signed", sender);
      return EX_OK;
    }
  if (dkimmod_config_spawn (cfg)->allow_group_readable_keys)
    flags |= DKIMMOD_KEY_ALLOW_GROUP_READABLE;
  for (guint i = 0; i < sigs->len; i++)
    {
      const DkimmodConfigSignature *sig = g_ptr_array_index (sigs, i);
      g_autoptr (DkimmodKey) key = load_key (ctx, sig->key_path, flags, &status);
      DkimmodSignSpec spec;

      if (key == NULL)
        return status;
      dkimmod_config_signature_to_spec (sig, key, &spec);
      if (!add_spec (signer, &spec, EX_CONFIG, &status))
        return status;
    }
  *matched = TRUE;
  return EX_OK;
}

/* feed_message - header fields and body into SIGNER, then finish; the
 * DKIM-Signature fields (CRLF lines) or NULL. */
static char *
feed_message (DkimmodSigner *signer, DkimmodMsgParser *parser, GBytes *msg, gsize body_off,
              gsize *out_len, int *status)
{
  GPtrArray *fields = dkimmod_msgparser_fields (parser);
  DkimmodError err = { 0 };
  gsize len;
  const char *data = g_bytes_get_data (msg, &len);
  char *hdrs;

  for (guint i = 0; i < fields->len; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (g_ptr_array_index (fields, i), &flen);

      if (dkimmod_signer_add_header (signer, f, flen, &err) != 0)
        break;
    }
  if (err.code == DKIMMOD_OK)
    dkimmod_signer_end_headers (signer, &err);
  if (err.code == DKIMMOD_OK)
    dkimmod_signer_add_body (signer, data + body_off, len - body_off, &err);
  hdrs = err.code == DKIMMOD_OK ? dkimmod_signer_finish (signer, out_len, &err) : NULL;
  if (hdrs == NULL)
    {
      dkimmod_cli_warn ("message not signed: %s",
                        err.message[0] ? err.message : dkimmod_status_name (err.code));
      *status = dkimmod_cli_status_exit (err.code == DKIMMOD_OK ? DKIMMOD_E_CRYPTO : err.code);
    }
  return hdrs;
}

/* write_output - the new fields in the input's line ending, then INPUT. */
static int
write_output (char *hdrs, gsize hlen, GBytes *input)
{
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (input, &len);

  if (hdrs != NULL && dkimmod_cli_is_lf_form (data, len))
    hlen = dkimmod_cli_crlf_to_lf (hdrs, hlen);
  if ((hdrs != NULL && !dkimmod_cli_write_all (STDOUT_FILENO, hdrs, hlen, &error))
      || !dkimmod_cli_write_all (STDOUT_FILENO, data, len, &error))
    {
      dkimmod_cli_warn ("stdout: %s", error->message);
      return EX_IOERR;
    }
  return EX_OK;
}

static int64_t
fixed_clock (void *user_data)
{
  return *(const gint64 *) user_data;
}

/* sign_message - the whole job for one message on stdin. */
static int
sign_message (SignOptions *opt)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) input = dkimmod_cli_read_fd (STDIN_FILENO, &error);
  g_autoptr (GBytes) crlf = NULL;
  g_autoptr (DkimmodMsgParser) parser = NULL;
  g_autoptr (DkimmodContext) ctx = NULL;
  g_autoptr (DkimmodSigner) signer = NULL;
  char *hdrs = NULL;
  gsize body_off = 0, hlen = 0;
  gboolean matched = TRUE;
  int status = EX_OK;

  if (input == NULL)
    {
      dkimmod_cli_warn ("stdin: %s", error->message);
      return EX_IOERR;
    }
  crlf = dkimmod_cli_to_crlf (input);
  parser = dkimmod_cli_parse_header_block (crlf, &body_off, &status);
  if (parser == NULL)
    return status;
  if (dkimmod_msgparser_count (parser, "From") != 1)
    {
      dkimmod_cli_warn ("message has %u From header fields, not one: not signed",
                        dkimmod_msgparser_count (parser, "From"));
      return EX_DATAERR;
    }
  ctx = dkimmod_context_new ();
  if (opt->has_time)
    dkimmod_context_set_clock (ctx, fixed_clock, &opt->time);
  signer = dkimmod_signer_new (ctx);
  if (opt->config_path != NULL)
    status = add_config_signatures (ctx, signer, opt, parser, &matched);
  else
    status = add_command_line_signatures (ctx, signer, opt->groups);
  if (status != EX_OK)
    return status;
  if (matched)
    {
      hdrs = feed_message (signer, parser, crlf, body_off, &hlen, &status);
      if (hdrs == NULL)
        return status;
    }
  status = write_output (hdrs, hlen, input);
  dkimmod_free (hdrs);
  return status;
}

int
dkimmod_cmd_sign (int argc, char **argv)
{
  g_auto (SignOptions) opt = { 0 };
  int status = sign_parse_args (argc, argv, &opt);

  if (status == -1)
    return EX_OK;
  if (status != EX_OK)
    return status;
  return sign_message (&opt);
}
