/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd-testkey.c - "dkimmod testkey": does DNS publish the key of this private key?
 * SYNOPSIS
 *	dkimmod_cmd_testkey
 * DESCRIPTION
 *	Loads the private key, asks DNS (or a key file) for the TXT records
 *	at SELECTOR._domainkey.DOMAIN and checks each one as a verifier
 *	would read it: syntax, version, key type, revocation, size (RFC
 *	8301), and that its public key is the private key's. It says what is
 *	wrong in a postmaster's words and prints the record to publish when
 *	it is missing or does not match. A record that is fine but was not
 *	DNSSEC-validated (no AD bit from a loopback resolver) is reported as
 *	a note, not an error: most domains are not signed.
 * STANDARDS
 *	RFC 6376 section 3.6.1 (key record tags), 3.6.2.2 (TXT strings);
 *	RFC 8301 section 3.2 (key sizes); RFC 8463 (Ed25519 keys).
 * DIAGNOSTICS
 *	Exit 0 when a published record matches the private key; 1 when none
 *	does (missing, revoked, mismatched, too small, malformed); 75 on a
 *	temporary DNS error; 64 usage; 65 the private key is unusable; 66 a
 *	file is missing.
 * NEVER
 *	Print or log the private key.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "keyrecord.h"

#define TESTKEY_EXIT_BAD 1

typedef struct
{
  char *domain;
  char *selector;
  char *key_path;
  char *nameserver;
  char *key_file;
  guint timeout;
} TestkeyOptions;

static void
testkey_options_clear (TestkeyOptions *o)
{
  g_clear_pointer (&o->domain, g_free);
  g_clear_pointer (&o->selector, g_free);
  g_clear_pointer (&o->key_path, g_free);
  g_clear_pointer (&o->nameserver, g_free);
  g_clear_pointer (&o->key_file, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestkeyOptions, testkey_options_clear)

static const char testkey_usage[] =
  "usage: dkimmod testkey -d DOMAIN -s SELECTOR -k KEYFILE [--nameserver ADDR[:PORT]]\n"
  "                       [--key-file FILE] [--timeout SECONDS]\n"
  "\n"
  "Checks that DNS publishes, at SELECTOR._domainkey.DOMAIN, the public key that\n"
  "matches the private key KEYFILE, and says what is wrong when it does not.\n"
  "\n"
  "  -d, --domain DOMAIN        signing domain (d=)\n"
  "  -s, --selector SELECTOR    selector (s=)\n"
  "  -k, --key KEYFILE          PEM private key\n"
  "      --nameserver ADDR[:PORT]  DNS server to ask (default: /etc/resolv.conf)\n"
  "      --key-file FILE        records from FILE instead of DNS\n"
  "      --timeout SECONDS      DNS deadline (default 5)\n"
  "  -h, --help                 this text\n";

enum
{
  OPT_NAMESERVER = 256,
  OPT_KEY_FILE,
  OPT_TIMEOUT,
};

static const struct option testkey_long_options[] = {
  { "domain", required_argument, NULL, 'd' },
  { "selector", required_argument, NULL, 's' },
  { "key", required_argument, NULL, 'k' },
  { "nameserver", required_argument, NULL, OPT_NAMESERVER },
  { "key-file", required_argument, NULL, OPT_KEY_FILE },
  { "timeout", required_argument, NULL, OPT_TIMEOUT },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* set_string - replaces *FIELD with a copy of VALUE */
static void
set_string (char **field, const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* testkey_parse_args - argv into OPT; an exit status, EX_OK, or -1 after --help */
static int
testkey_parse_args (int argc, char **argv, TestkeyOptions *opt)
{
  guint64 n;
  int c;

  opt->timeout = 5;
  optind = 1;
  while ((c = getopt_long (argc, argv, "d:s:k:h", testkey_long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'h':
          fputs (testkey_usage, stdout);
          return -1;
        case 'd': set_string (&opt->domain, optarg); break;
        case 's': set_string (&opt->selector, optarg); break;
        case 'k': set_string (&opt->key_path, optarg); break;
        case OPT_NAMESERVER: set_string (&opt->nameserver, optarg); break;
        case OPT_KEY_FILE: set_string (&opt->key_file, optarg); break;
        case OPT_TIMEOUT:
          if (!dkimmod_cli_parse_u64 (optarg, 1, 100, &n))
            {
              dkimmod_cli_warn ("--timeout: must be 1 to 100 seconds: %s", optarg);
              return EX_USAGE;
            }
          opt->timeout = (guint) n;
          break;
        default:
          fputs (testkey_usage, stderr);
          return EX_USAGE;
        }
    }
  if (optind < argc || opt->domain == NULL || opt->selector == NULL || opt->key_path == NULL)
    {
      fputs (testkey_usage, stderr);
      return EX_USAGE;
    }
  return EX_OK;
}

/* fetch_records - the TXT records at NAME (NULL-terminated, transfer full,
 * each freed with g_free) or NULL with *STATUS and a message */
static char **
fetch_records (const TestkeyOptions *opt, const char *name, gboolean *secure, int *status)
{
  DkimmodError err = { 0 };
  DkimmodDnsStatus dns = DKIMMOD_DNS_OK;
  char **records = NULL;
  unsigned flags = 0;

  *secure = FALSE;
  if (opt->key_file != NULL)
    {
      g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_load (opt->key_file, &err);
      const char *const *recs = NULL;
      size_t n;

      if (kf == NULL)
        {
          dkimmod_cli_warn ("%s", err.message);
          *status = err.code == DKIMMOD_E_IO ? EX_NOINPUT : EX_DATAERR;
          return NULL;
        }
      n = dkimmod_key_file_lookup (kf, name, &recs);
      return n > 0 ? g_strdupv ((char **) recs) : g_new0 (char *, 1);
    }
  {
    g_autoptr (DkimmodResolver) r = dkimmod_resolver_new (opt->nameserver, opt->timeout * 1000u,
                                                          &err);

    if (r == NULL)
      {
        dkimmod_cli_warn ("--nameserver: %s", err.message);
        *status = EX_USAGE;
        return NULL;
      }
    if (dkimmod_resolver_query_txt (r, name, &dns, &records, &flags, &err) != 0)
      {
        dkimmod_cli_warn ("%s: %s", name, err.message);
        *status = EX_TEMPFAIL;
        return NULL;
      }
  }
  if (dns == DKIMMOD_DNS_SERVFAIL || dns == DKIMMOD_DNS_TIMEOUT)
    {
      /* the library returns an empty array here too */
      for (gsize i = 0; records != NULL && records[i] != NULL; i++)
        dkimmod_free (records[i]);
      dkimmod_free (records);
      printf ("%s: temporary DNS error (%s): try again\n", name,
              dns == DKIMMOD_DNS_TIMEOUT ? "timeout" : "SERVFAIL");
      *status = EX_TEMPFAIL;
      return NULL;
    }
  *secure = (flags & DKIMMOD_DNS_FLAG_SECURE) != 0;
  {
    /* library-allocated: copy into GLib memory for one way of freeing */
    char **copy = g_strdupv (records ? records : (char *[]) { NULL });

    for (gsize i = 0; records != NULL && records[i] != NULL; i++)
      dkimmod_free (records[i]);
    dkimmod_free (records);
    return copy;
  }
}

/* check_record - why TXT does not publish OURS, or NULL when it does */
static char *
check_record (const char *txt, const DkimmodKeyRecord *ours)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodKeyRecord) rec = NULL;
  guint bits = 0;

  rec = dkimmod_key_record_parse (txt, strlen (txt), &bits, &error);
  if (rec == NULL)
    {
      if (g_error_matches (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_REVOKED))
        return g_strdup ("key revoked (empty p=)");
      if (g_error_matches (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_POLICY) && bits)
        return g_strdup_printf ("key too small: %u bits (RFC 8301: at least 1024)", bits);
      return g_strdup_printf ("record syntax: %s", error->message);
    }
  if (rec->type != ours->type)
    return g_strdup_printf ("key type k=%s, but the private key is %s",
                            rec->type == DKIMMOD_KEY_TYPE_RSA ? "rsa" : "ed25519",
                            ours->type == DKIMMOD_KEY_TYPE_RSA ? "rsa" : "ed25519");
  if (EVP_PKEY_eq (rec->pkey, ours->pkey) != 1)
    return g_strdup_printf ("published key (%u bits) does not match the private key", rec->bits);
  if (!(rec->hashes & DKIMMOD_KEY_HASH_SHA256))
    return g_strdup ("h= does not allow sha256");
  return NULL;
}

/* report - checks every record; the exit status */
static int
report (const char *name, char **records, gboolean secure, const char *our_txt,
        const DkimmodKeyRecord *ours)
{
  int status = TESTKEY_EXIT_BAD;
  guint n = records ? g_strv_length (records) : 0;

  if (n == 0)
    printf ("%s: missing: no TXT record\n", name);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *why = check_record (records[i], ours);

      if (why == NULL)
        {
          printf ("%s: ok: record %u matches the private key (%u-bit %s)\n", name, i + 1,
                  ours->bits, ours->type == DKIMMOD_KEY_TYPE_RSA ? "rsa" : "ed25519");
          status = EX_OK;
        }
      else
        printf ("%s: record %u: %s\n", name, i + 1, why);
    }
  if (status == EX_OK && !secure)
    printf ("%s: note: not DNSSEC-signed (no AD bit from a loopback resolver)\n", name);
  if (status != EX_OK)
    {
      /* zone-file form: character-strings of at most 255 bytes (RFC 1035 3.3) */
      gsize len = strlen (our_txt);

      printf ("publish:\n%s. IN TXT (", name);
      for (gsize off = 0; off < len; off += 255)
        printf (" \"%.*s\"", (int) MIN ((gsize) 255, len - off), our_txt + off);
      printf (" )\n");
    }
  return status;
}

/* testkey - the whole check */
static int
testkey (const TestkeyOptions *opt)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodKey) key = NULL;
  g_autoptr (DkimmodKeyRecord) ours = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("%s._domainkey.%s", opt->selector, opt->domain);
  g_auto (GStrv) records = NULL;
  DkimmodError err = { 0 };
  char *our_txt;
  gboolean secure = FALSE;
  int status = EX_OK;

  if (access (opt->key_path, R_OK) != 0)
    {
      dkimmod_cli_warn ("%s: %s", opt->key_path, g_strerror (errno));
      return EX_NOINPUT;
    }
  key = dkimmod_key_load_file (ctx, opt->key_path, DKIMMOD_KEY_ALLOW_GROUP_READABLE, &err);
  our_txt = key ? dkimmod_key_dns_record (key, &err) : NULL;
  if (our_txt == NULL)
    {
      dkimmod_cli_warn ("%s: %s", opt->key_path, err.message);
      return EX_DATAERR;
    }
  ours = dkimmod_key_record_parse (our_txt, strlen (our_txt), NULL, &error);
  if (ours != NULL && (records = fetch_records (opt, name, &secure, &status)) != NULL)
    status = report (name, records, secure, our_txt, ours);
  else if (ours == NULL)
    {
      dkimmod_cli_warn ("%s: %s", opt->key_path, error->message);
      status = EX_SOFTWARE;
    }
  dkimmod_free (our_txt);
  return status;
}

int
dkimmod_cmd_testkey (int argc, char **argv)
{
  g_auto (TestkeyOptions) opt = { 0 };
  int status = testkey_parse_args (argc, argv, &opt);

  if (status == -1)
    return EX_OK;
  if (status != EX_OK)
    return status;
  return testkey (&opt);
}
