/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd-verify.c - "dkimmod verify": check every DKIM signature of a message
 * SYNOPSIS
 *	dkimmod_cmd_verify
 * DESCRIPTION
 *	Reads one message on stdin, verifies each DKIM-Signature (at most
 *	verifying.max_signatures, top first) and prints one line per
 *	signature in the form of an Authentication-Results resinfo
 *	("dkim=pass (2048-bit key) header.d=... header.s=..."), then the
 *	Authentication-Results field itself. With --authres only the field
 *	is printed, ready to be prepended to the message. With --client-ip
 *	(and --mail-from or --helo) it checks SPF too (RFC 7208) and prints
 *	its resinfo line ("spf=pass smtp.mailfrom=...") and, on fail, the
 *	domain's explanation ("spf-explanation: ..."); the exit status stays
 *	the DKIM verdict's.
 *
 *	Settings come from the verifying section of --config (or the built-in
 *	defaults), then from the options, which are applied as the same
 *	"-o name=value" overrides dkimmod-spawn takes, so they are checked by
 *	the same code. DNS answers come from --dns-file (any record type and
 *	status; --key-file and verifying.key_file are DNS files too) when
 *	given, else from DNS through the library's resolver
 *	(verifying.nameserver, one verifying.dns_timeout for the message),
 *	all of the message's questions in one question set.
 *
 *	The message is verified in the CRLF form SMTP carries: every LF not
 *	preceded by CR counts as CRLF, as for "dkimmod sign" (cli-util.c).
 * STANDARDS
 *	RFC 6376 section 6 (verification); RFC 8601 (Authentication-Results);
 *	RFC 8301 (rsa-sha1 and small keys do not pass).
 * DIAGNOSTICS
 *	Exit 0 when at least one signature passed; 1 when none passed (fail,
 *	policy, neutral, permerror, or no signature at all); 75 when the best
 *	result is temperror (retrying may pass); 64 usage; 65 the message
 *	could not be read or is over a limit; 66 key file or config missing;
 *	78 configuration error.
 * NEVER
 *	Let a failed lookup or a malformed signature end the run with a fault:
 *	those are results, printed with their reason.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config-load.h"
#include "dnsquery.h"

/* The verdict statuses (DIAGNOSTICS); 75 is EX_TEMPFAIL. */
#define VERIFY_EXIT_NONE_PASSED 1

typedef struct
{
  char *config_path;
  char *key_file;
  char *dns_file;
  char *client_ip, *helo, *mail_from;   /* SPF: --client-ip, --helo, --mail-from */
  gboolean has_mail_from;
  GPtrArray *overrides;   /* "name=value", applied in order */
  GPtrArray *labels;      /* the option each came from ("--nameserver"), or "" for -o */
  gboolean authres_only;
  gboolean has_time;
  gint64 time;
} VerifyOptions;

static void
verify_options_clear (VerifyOptions *o)
{
  g_clear_pointer (&o->config_path, g_free);
  g_clear_pointer (&o->key_file, g_free);
  g_clear_pointer (&o->dns_file, g_free);
  g_clear_pointer (&o->client_ip, g_free);
  g_clear_pointer (&o->helo, g_free);
  g_clear_pointer (&o->mail_from, g_free);
  g_clear_pointer (&o->overrides, g_ptr_array_unref);
  g_clear_pointer (&o->labels, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VerifyOptions, verify_options_clear)

static const char verify_usage[] =
  "usage: dkimmod verify [--config FILE] [--key-file FILE | --dns-file FILE]\n"
  "                      [--nameserver ADDR[:PORT]]\n"
  "                      [--authserv-id ID] [--accept-rsa-sha1] [--accept-body-length]\n"
  "                      [--client-ip ADDR [--helo NAME] [--mail-from ADDRESS]]\n"
  "                      [-o NAME=VALUE]... [--time T] [--authres] < message\n"
  "\n"
  "Verifies every DKIM signature of the message on stdin, prints one result per\n"
  "signature and the Authentication-Results field. Exit 0: a signature passed;\n"
  "1: none passed; 75: temporary DNS error; 64: usage; 65: unreadable message.\n"
  "\n"
  "      --config FILE          settings from the verifying section of FILE\n"
  "      --key-file FILE        key records from FILE (selector._domainkey.domain record)\n"
  "                             instead of DNS\n"
  "      --dns-file FILE        every DNS answer from FILE (any record type, NXDOMAIN,\n"
  "                             SERVFAIL, TIMEOUT; libdkimmod(3)) instead of DNS\n"
  "      --nameserver ADDR[:PORT]  DNS server to ask (default: /etc/resolv.conf)\n"
  "      --client-ip ADDR       the SMTP client's address: checks SPF (RFC 7208)\n"
  "      --helo NAME            its HELO/EHLO name (without --mail-from: SPF of HELO)\n"
  "      --mail-from ADDRESS    the envelope sender (\"\" for the null sender)\n"
  "      --authserv-id ID       name in Authentication-Results (default: host name)\n"
  "      --accept-rsa-sha1      let rsa-sha1 signatures pass (RFC 8301 says no)\n"
  "      --accept-body-length   let a body longer than l= pass\n"
  "  -o NAME=VALUE              any verifying setting of dkimmod.conf(5)\n"
  "      --time T               verify as if now were T (seconds since the epoch)\n"
  "      --authres              print only the Authentication-Results field\n"
  "  -h, --help                 this text\n";

enum
{
  OPT_CONFIG = 256,
  OPT_KEY_FILE,
  OPT_DNS_FILE,
  OPT_CLIENT_IP,
  OPT_HELO,
  OPT_MAIL_FROM,
  OPT_NAMESERVER,
  OPT_AUTHSERV_ID,
  OPT_ACCEPT_RSA_SHA1,
  OPT_ACCEPT_BODY_LENGTH,
  OPT_TIME,
  OPT_AUTHRES,
};

static const struct option verify_long_options[] = {
  { "config", required_argument, NULL, OPT_CONFIG },
  { "key-file", required_argument, NULL, OPT_KEY_FILE },
  { "dns-file", required_argument, NULL, OPT_DNS_FILE },
  { "client-ip", required_argument, NULL, OPT_CLIENT_IP },
  { "helo", required_argument, NULL, OPT_HELO },
  { "mail-from", required_argument, NULL, OPT_MAIL_FROM },
  { "nameserver", required_argument, NULL, OPT_NAMESERVER },
  { "authserv-id", required_argument, NULL, OPT_AUTHSERV_ID },
  { "accept-rsa-sha1", no_argument, NULL, OPT_ACCEPT_RSA_SHA1 },
  { "accept-body-length", no_argument, NULL, OPT_ACCEPT_BODY_LENGTH },
  { "time", required_argument, NULL, OPT_TIME },
  { "authres", no_argument, NULL, OPT_AUTHRES },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* add_override - NAME=VALUE from option LABEL ("" for -o) */
static void
add_override (VerifyOptions *opt, const char *label, const char *name, const char *value)
{
  g_ptr_array_add (opt->overrides, name ? g_strconcat (name, "=", value, NULL) : g_strdup (value));
  g_ptr_array_add (opt->labels, (gpointer) label);
}

/* verify_parse_args - argv into OPT; an exit status, EX_OK to go on, or -1
 * after --help. */
static int
verify_parse_args (int argc, char **argv, VerifyOptions *opt)
{
  int c;
  guint64 t;

  opt->overrides = g_ptr_array_new_with_free_func (g_free);
  opt->labels = g_ptr_array_new ();
  optind = 1;
  while ((c = getopt_long (argc, argv, "o:h", verify_long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'h':
          fputs (verify_usage, stdout);
          return -1;
        case OPT_CONFIG:
          g_free (opt->config_path);
          opt->config_path = g_strdup (optarg);
          break;
        case OPT_KEY_FILE:
          g_free (opt->key_file);
          opt->key_file = g_strdup (optarg);
          break;
        case OPT_DNS_FILE:
          g_free (opt->dns_file);
          opt->dns_file = g_strdup (optarg);
          break;
        case OPT_CLIENT_IP:
          g_free (opt->client_ip);
          opt->client_ip = g_strdup (optarg);
          break;
        case OPT_HELO:
          g_free (opt->helo);
          opt->helo = g_strdup (optarg);
          break;
        case OPT_MAIL_FROM:
          g_free (opt->mail_from);
          opt->mail_from = g_strdup (optarg);
          opt->has_mail_from = TRUE;
          break;
        case 'o':
          add_override (opt, "", NULL, optarg);
          break;
        case OPT_NAMESERVER:
          add_override (opt, "--nameserver", "nameserver", optarg);
          break;
        case OPT_AUTHSERV_ID:
          add_override (opt, "--authserv-id", "authserv_id", optarg);
          break;
        case OPT_ACCEPT_RSA_SHA1:
          add_override (opt, "--accept-rsa-sha1", "accept_rsa_sha1", "yes");
          break;
        case OPT_ACCEPT_BODY_LENGTH:
          add_override (opt, "--accept-body-length", "accept_body_length", "yes");
          break;
        case OPT_AUTHRES:
          opt->authres_only = TRUE;
          break;
        case OPT_TIME:
          if (!dkimmod_cli_parse_u64 (optarg, 0, G_MAXINT64 / 2, &t))
            {
              dkimmod_cli_warn ("--time: not a number of seconds: %s", optarg);
              return EX_USAGE;
            }
          opt->has_time = TRUE;
          opt->time = (gint64) t;
          break;
        default:
          fputs (verify_usage, stderr);
          return EX_USAGE;
        }
    }
  if ((opt->helo != NULL || opt->has_mail_from) && opt->client_ip == NULL)
    {
      dkimmod_cli_warn ("--helo and --mail-from need --client-ip (SPF checks the client)");
      return EX_USAGE;
    }
  if (opt->client_ip != NULL && !opt->has_mail_from && opt->helo == NULL)
    {
      dkimmod_cli_warn ("--client-ip needs --mail-from or --helo (the identity SPF checks)");
      return EX_USAGE;
    }
  if (opt->dns_file != NULL && opt->key_file != NULL)
    {
      dkimmod_cli_warn ("--dns-file and --key-file: give one (a key file is a DNS file)");
      return EX_USAGE;
    }
  if (optind < argc)
    {
      dkimmod_cli_warn ("unexpected argument: %s (the message is read from stdin)", argv[optind]);
      return EX_USAGE;
    }
  return EX_OK;
}

/* load_settings - the configuration with the options applied */
static DkimmodConfig *
load_settings (const VerifyOptions *opt, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;

  if (opt->config_path != NULL)
    cfg = dkimmod_config_load (opt->config_path, 0, NULL, &error);
  else
    cfg = dkimmod_config_new_default ();
  if (cfg == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      *status = g_error_matches (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO)
        ? EX_NOINPUT : EX_CONFIG;
      return NULL;
    }
  for (guint i = 0; i < opt->overrides->len; i++)
    if (!dkimmod_config_set_override (cfg, opt->overrides->pdata[i], &error))
      {
        const char *label = opt->labels->pdata[i];
        const char *why = error->message;

        /* "-o nameserver: "x": ..." becomes "--nameserver: "x": ..." */
        if (*label && g_str_has_prefix (why, "-o ") && strstr (why, ": "))
          why = strstr (why, ": ") + 2;
        dkimmod_cli_warn ("%s%s%s", label, *label ? ": " : "", why);
        *status = EX_USAGE;
        return NULL;
      }
  return g_steal_pointer (&cfg);
}

/* feed_headers - every header field of PARSER into A, then the end of
 * the header (the DKIM keys' and DMARC's questions are asked there) */
static int
feed_headers (DkimmodAuth *a, DkimmodMsgParser *parser)
{
  GPtrArray *fields = dkimmod_msgparser_fields (parser);
  DkimmodError err = { 0 };

  for (guint i = 0; i < fields->len && err.code == DKIMMOD_OK; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (g_ptr_array_index (fields, i), &flen);

      dkimmod_auth_add_header (a, f, flen, &err);
    }
  if (err.code == DKIMMOD_OK)
    dkimmod_auth_end_headers (a, &err);
  if (err.code == DKIMMOD_OK)
    return EX_OK;
  dkimmod_cli_warn ("message header: %s", err.message);
  return EX_DATAERR;
}

/* DnsSource - where the message's DNS answers come from: a DNS file
 * (--dns-file, --key-file, verifying.key_file) or the resolver */
typedef struct
{
  DkimmodDnsFile *file;
  DkimmodResolver *resolver;
} DnsSource;

static void
dns_source_clear (DnsSource *src)
{
  g_clear_pointer (&src->file, dkimmod_dns_file_free);
  g_clear_pointer (&src->resolver, dkimmod_resolver_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DnsSource, dns_source_clear)

/* dns_source_open - the file PATH, else a resolver from SET */
static int
dns_source_open (DnsSource *src, const DkimmodVerifySettings *set, const char *path)
{
  DkimmodError err = { 0 };

  if (path != NULL)
    {
      if ((src->file = dkimmod_dns_file_load (path, &err)) == NULL)
        {
          dkimmod_cli_warn ("%s%s%s", strstr (err.message, path) ? "" : path,
                            strstr (err.message, path) ? "" : ": ", err.message);
          return err.code == DKIMMOD_E_IO ? EX_NOINPUT : EX_DATAERR;
        }
      return EX_OK;
    }
  src->resolver = dkimmod_resolver_new (set->nameserver, set->dns_timeout * 1000u, &err);
  if (src->resolver == NULL)
    {
      dkimmod_cli_warn ("nameserver: %s", err.message);
      return EX_CONFIG;
    }
  return EX_OK;
}

/* dns_source_answer - every open question of Q; what the resolver could
 * not answer by the message's deadline is a timeout (temperror) */
static void
dns_source_answer (const DnsSource *src, DkimmodDnsQueries *q)
{
  DkimmodError err = { 0 };

  if (dkimmod_dns_queries_open_count (q) == 0)
    return;
  if (src->file != NULL)
    dkimmod_dns_file_answer (src->file, q, &err);
  else
    dkimmod_resolver_resolve (src->resolver, q, &err);
  if (err.code != DKIMMOD_OK)
    dkimmod_cli_warn ("DNS: %s", err.message);
}

/* The most DNS rounds: the methods' own limits end them sooner (SPF's 10
 * lookups); a resolver past the deadline answers at once. */
#define VERIFY_MAX_ROUNDS 32

/* answer_questions - every DNS question of the message (DKIM keys, SPF,
 * DMARC, ARC), in as few concurrent rounds as the methods allow: each
 * round answers all that is open, then the methods ask what follows */
static int
answer_questions (DkimmodAuth *a, const DnsSource *src)
{
  DkimmodError err = { 0 };
  int st = 0;

  for (int round = 0; round < VERIFY_MAX_ROUNDS; round++)
    {
      if ((st = dkimmod_auth_step (a, &err)) != 0)
        break;
      dns_source_answer (src, dkimmod_auth_queries (a));
    }
  if (st < 0)
    dkimmod_cli_warn ("DNS answers: %s", err.message);
  return st < 0 ? EX_SOFTWARE : EX_OK;
}

/* print_results - every method's resinfo line (and SPF's explanation),
 * then the one field, in LF form */
static int
print_results (const DkimmodAuth *a, const DkimmodConfig *cfg, gboolean authres_only)
{
  const DkimmodVerifySettings *set = dkimmod_config_verifying (cfg);
  g_autofree char *id = set->authserv_id ? g_strdup (set->authserv_id)
                                         : dkimmod_config_default_authserv_id ();
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  const DkimmodSpfResultInfo *spf = dkimmod_auth_spf (a);
  DkimmodError err = { 0 };
  char *ar;

  for (size_t i = 0; !authres_only && i < dkimmod_auth_resinfo_count (a); i++)
    {
      char *line = dkimmod_auth_resinfo (a, i);

      g_string_append_printf (out, "%s\n", line);
      if (spf != NULL && g_str_has_prefix (line, "spf=") && *spf->explanation != '\0')
        g_string_append_printf (out, "spf-explanation: %s\n", spf->explanation);
      dkimmod_free (line);
    }
  ar = dkimmod_auth_authres (a, id, &err);
  if (ar == NULL)
    {
      dkimmod_cli_warn ("Authentication-Results: %s", err.message);
      return EX_SOFTWARE;
    }
  g_string_append_len (out, ar, dkimmod_cli_crlf_to_lf (ar, strlen (ar)));
  dkimmod_free (ar);
  if (set->x_dkim_authentication_results)
    {
      DkimmodResult s = dkimmod_verifier_summary (dkimmod_auth_dkim (a));

      g_string_append_printf (out, "X-DKIM-Authentication-Results: %s\n",
                              s == DKIMMOD_RESULT_PASS ? "pass"
                              : s == DKIMMOD_RESULT_NONE ? "none" : "fail");
    }
  if (!dkimmod_cli_write_all (STDOUT_FILENO, out->str, out->len, &error))
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

/* verdict_status - the exit status for the message's overall result */
static int
verdict_status (DkimmodResult summary)
{
  switch (summary)
    {
    case DKIMMOD_RESULT_PASS:
      return EX_OK;
    case DKIMMOD_RESULT_TEMPERROR:
      return EX_TEMPFAIL;
    default:
      return VERIFY_EXIT_NONE_PASSED;
    }
}

/* run_auth - envelope, headers, DNS rounds, body and results of the
 * message MSG, through the filter's aggregate (DkimmodAuth) */
static int
run_auth (DkimmodAuth *a, const DkimmodConfig *cfg, const VerifyOptions *opt, GBytes *msg)
{
  const DkimmodVerifySettings *set = dkimmod_config_verifying (cfg);
  g_autoptr (DkimmodMsgParser) parser = NULL;
  g_auto (DnsSource) src = { 0 };
  DkimmodError err = { 0 };
  gsize len, body_off = 0;
  const char *data = g_bytes_get_data (msg, &len);
  int status = EX_OK;

  if (dkimmod_auth_set_envelope (a, opt->client_ip, opt->helo,
                                 opt->has_mail_from ? opt->mail_from : NULL, &err) != 0)
    {
      dkimmod_cli_warn ("--client-ip: %s", err.message);
      return EX_USAGE;
    }
  parser = dkimmod_cli_parse_header_block (msg, &body_off, &status);
  if (parser == NULL)
    return status;
  if ((status = dns_source_open (&src, set, opt->dns_file   ? opt->dns_file
                                           : opt->key_file ? opt->key_file
                                                           : set->key_file))
      != EX_OK)
    return status;
  if ((status = feed_headers (a, parser)) != EX_OK)
    return status;
  if (dkimmod_auth_add_body (a, data + body_off, len - body_off, &err) != 0)
    {
      dkimmod_cli_warn ("message: %s", err.message);
      return dkimmod_cli_status_exit (err.code);
    }
  if ((status = answer_questions (a, &src)) != EX_OK)
    return status;
  if (dkimmod_auth_finish (a, NULL, &err) != 0)
    {
      dkimmod_cli_warn ("message: %s", err.message);
      return dkimmod_cli_status_exit (err.code);
    }
  if ((status = print_results (a, cfg, opt->authres_only)) != EX_OK)
    return status;
  return verdict_status (dkimmod_verifier_summary (dkimmod_auth_dkim (a)));
}

/* verify_message - the whole job for one message on stdin */
static int
verify_message (VerifyOptions *opt)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autoptr (GBytes) input = NULL;
  g_autoptr (GBytes) crlf = NULL;
  g_autoptr (DkimmodContext) ctx = NULL;
  g_autoptr (DkimmodAuth) a = NULL;
  DkimmodAuthOptions aopts;
  int status = EX_OK;

  if ((cfg = load_settings (opt, &status)) == NULL)
    return status;
  if ((input = dkimmod_cli_read_fd (STDIN_FILENO, &error)) == NULL)
    {
      dkimmod_cli_warn ("stdin: %s", error->message);
      return EX_DATAERR;
    }
  crlf = dkimmod_cli_to_crlf (input);
  ctx = dkimmod_context_new ();
  if (opt->has_time)
    dkimmod_context_set_clock (ctx, fixed_clock, &opt->time);
  dkimmod_config_auth_options (cfg, &aopts);
  aopts.methods |= DKIMMOD_AUTH_SPF;  /* asked for with --client-ip */
  aopts.spf_flags = DKIMMOD_SPF_FLAG_EXPLANATION;  /* a person reads it: worth a round */
  a = dkimmod_auth_new (ctx, &aopts);
  return run_auth (a, cfg, opt, crlf);
}

int
dkimmod_cmd_verify (int argc, char **argv)
{
  g_auto (VerifyOptions) opt = { 0 };
  int status = verify_parse_args (argc, argv, &opt);

  if (status == -1)
    return EX_OK;
  if (status != EX_OK)
    return status;
  return verify_message (&opt);
}
