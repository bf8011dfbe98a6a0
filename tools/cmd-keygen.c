/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd-keygen.c - "dkimmod keygen": a private key and its DNS TXT record
 * SYNOPSIS
 *	dkimmod_cmd_keygen, dkimmod_cli_keygen
 * DESCRIPTION
 *	Generates an RSA (default 2048 bits, at least 1024) or Ed25519 key
 *	with OpenSSL, writes DIR/SELECTOR.key (PEM, PKCS#8) created with mode
 *	0600 and O_EXCL, so the key is never readable by others for a moment
 *	and an existing key is never overwritten, and writes DIR/SELECTOR.txt,
 *	the TXT record in zone-file form, which it also prints on stdout.
 *	The record text comes from the library (dkimmod_key_dns_record) read
 *	back from the PEM just written, so what is published is what the
 *	signer will use; optional t= and h= tags are inserted before p=.
 *	A TXT character-string holds at most 255 bytes (RFC 1035 section
 *	3.3.14); verifiers concatenate the strings of one record (RFC 6376
 *	section 3.6.2.2), so the record is split into such strings.
 * STANDARDS
 *	RFC 6376 section 3.6.1 (key record tags), 3.6.2.2 (strings);
 *	RFC 8301 section 3.2 (RSA sizes); RFC 8463 section 4 (Ed25519 keys).
 * SECURITY
 *	The private key lives in OpenSSL secure-heap BIOs, cleansed on free.
 *	SELECTOR becomes a file name, so it must be an RFC 6376 selector
 *	(letters, digits, hyphens, dots), never a path.
 * NEVER
 *	Create the key file with wider permissions and chmod later; overwrite
 *	an existing key.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "cli.h"
#include "limits-private.h"

#define TXT_STRING_MAX 255u /* RFC 1035 section 3.3.14 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

typedef struct
{
  gboolean ed25519;
  guint64 bits;
  const char *domain;
  const char *selector;
  const char *dir;
  const char *flags;    /* t= value or NULL */
  gboolean hash_sha256; /* h=sha256 */
  uid_t owner;          /* the key file's owner, or (uid_t) -1: whoever runs this */
  gid_t group;
} KeygenOptions;

static const char keygen_usage[] =
  "usage: dkimmod keygen [-a rsa|ed25519] [-b BITS] -d DOMAIN -s SELECTOR [-o DIR]\n"
  "                      [-t FLAGS] [--h-sha256]\n"
  "\n"
  "Writes DIR/SELECTOR.key (private key, mode 0600) and DIR/SELECTOR.txt (the\n"
  "DNS TXT record in zone-file form), and prints the record.\n"
  "\n"
  "  -a, --algorithm ALG   rsa (default) or ed25519\n"
  "  -b, --bits BITS       RSA key size, 1024 to 8192 (default 2048)\n"
  "  -d, --domain DOMAIN   signing domain\n"
  "  -s, --selector SEL    selector; also the file names\n"
  "  -o, --directory DIR   where to write (default: the current directory)\n"
  "  -t, --flags FLAGS     t= tag of the record: s, y or y:s\n"
  "      --h-sha256        add h=sha256 (the key is refused for rsa-sha1)\n"
  "  -h, --help            this text\n";

enum
{
  OPT_H_SHA256 = 256,
};

static const struct option keygen_long_options[] = {
  { "algorithm", required_argument, NULL, 'a' },
  { "bits", required_argument, NULL, 'b' },
  { "domain", required_argument, NULL, 'd' },
  { "selector", required_argument, NULL, 's' },
  { "directory", required_argument, NULL, 'o' },
  { "flags", required_argument, NULL, 't' },
  { "h-sha256", no_argument, NULL, OPT_H_SHA256 },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* is_dns_name - NAME is dot-separated labels of letters, digits and inner
 * hyphens (RFC 6376 section 3.1 selector, RFC 5321 Domain). */
static gboolean
is_dns_name (const char *name, gsize max)
{
  gsize len = strlen (name), label = 0;

  if (len == 0 || len > max)
    return FALSE;
  for (gsize i = 0; i <= len; i++)
    {
      char c = name[i];

      if (c == '.' || c == '\0')
        {
          if (label == 0 || label > 63 || name[i - 1] == '-')
            return FALSE;
          label = 0;
        }
      else if (g_ascii_isalnum (c) || (c == '-' && label > 0))
        label++;
      else
        return FALSE;
    }
  return TRUE;
}

/* is_flags - FLAGS is a colon list of "y" and "s" (RFC 6376 3.6.1 t=). */
static gboolean
is_flags (const char *flags)
{
  g_auto (GStrv) parts = g_strsplit (flags, ":", -1);

  if (parts[0] == NULL)
    return FALSE;
  for (guint i = 0; parts[i] != NULL; i++)
    if (strcmp (parts[i], "y") != 0 && strcmp (parts[i], "s") != 0)
      return FALSE;
  return TRUE;
}

/* keygen_parse_args - argv into OPT; an exit status, or -1 after --help. */
static int
keygen_parse_args (int argc, char **argv, KeygenOptions *opt)
{
  int c;

  opt->bits = 2048;
  opt->dir = ".";
  optind = 1;
  while ((c = getopt_long (argc, argv, "a:b:d:s:o:t:h", keygen_long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'a':
          if (strcmp (optarg, "rsa") == 0 || strcmp (optarg, "rsa-sha256") == 0)
            opt->ed25519 = FALSE;
          else if (strcmp (optarg, "ed25519") == 0 || strcmp (optarg, "ed25519-sha256") == 0)
            opt->ed25519 = TRUE;
          else
            {
              dkimmod_cli_warn ("-a: rsa or ed25519, not %s", optarg);
              return EX_USAGE;
            }
          break;
        case 'b':
          if (!dkimmod_cli_parse_u64 (optarg, DKIMMOD_LIMIT_RSA_MIN_BITS,
                                      DKIMMOD_LIMIT_RSA_MAX_BITS, &opt->bits))
            {
              dkimmod_cli_warn ("-b: RSA key size from %u to %u bits (RFC 8301), not %s",
                                DKIMMOD_LIMIT_RSA_MIN_BITS, DKIMMOD_LIMIT_RSA_MAX_BITS, optarg);
              return EX_USAGE;
            }
          break;
        case 'd': opt->domain = optarg; break;
        case 's': opt->selector = optarg; break;
        case 'o': opt->dir = optarg; break;
        case 't': opt->flags = optarg; break;
        case OPT_H_SHA256: opt->hash_sha256 = TRUE; break;
        case 'h':
          fputs (keygen_usage, stdout);
          return -1;
        default:
          fputs (keygen_usage, stderr);
          return EX_USAGE;
        }
    }
  if (optind < argc || opt->domain == NULL || opt->selector == NULL)
    {
      fputs (keygen_usage, stderr);
      return EX_USAGE;
    }
  if (!is_dns_name (opt->selector, DKIMMOD_LIMIT_SELECTOR_BYTES)
      || !is_dns_name (opt->domain, DKIMMOD_LIMIT_DOMAIN_BYTES))
    {
      dkimmod_cli_warn ("-d/-s: not a domain name or selector: %s / %s", opt->domain,
                        opt->selector);
      return EX_USAGE;
    }
  if (opt->flags != NULL && !is_flags (opt->flags))
    {
      dkimmod_cli_warn ("-t: a colon list of y and s, not %s", opt->flags);
      return EX_USAGE;
    }
  return EX_OK;
}

/* generate_key - a fresh key of the chosen kind, or NULL. */
static EVP_PKEY *
generate_key (const KeygenOptions *opt)
{
  g_autoptr (EVP_PKEY_CTX) pctx = EVP_PKEY_CTX_new_from_name (NULL,
                                                             opt->ed25519 ? "ED25519" : "RSA",
                                                             NULL);
  EVP_PKEY *pkey = NULL;

  if (pctx == NULL || EVP_PKEY_keygen_init (pctx) <= 0)
    return NULL;
  if (!opt->ed25519 && EVP_PKEY_CTX_set_rsa_keygen_bits (pctx, (int) opt->bits) <= 0)
    return NULL;
  if (EVP_PKEY_generate (pctx, &pkey) <= 0)
    return NULL;
  return pkey;
}

/* record_with_tags - the library's record with t= and h= put before p=. */
static char *
record_with_tags (const char *record, const KeygenOptions *opt)
{
  g_autoptr (GString) extra = g_string_new (NULL);
  const char *p = record;

  if (!opt->hash_sha256 && opt->flags == NULL)
    return g_strdup (record);
  if (opt->hash_sha256)
    g_string_append (extra, "h=sha256; ");
  if (opt->flags != NULL)
    g_string_append_printf (extra, "t=%s; ", opt->flags);
  /* The p= tag: at the start or after a ';' and optional spaces. */
  while ((p = strstr (p, "p=")) != NULL)
    {
      const char *q = p;

      while (q > record && (q[-1] == ' ' || q[-1] == '\t'))
        q--;
      if (q == record || q[-1] == ';')
        break;
      p += 2;
    }
  if (p == NULL)
    return g_strdup_printf ("%s; %.*s", record, (int) extra->len - 2, extra->str);
  return g_strdup_printf ("%.*s%s%s", (int) (p - record), record, extra->str, p);
}

/* zone_text - RECORD as "NAME IN TXT ( "..." "..." )", each string at
 * most TXT_STRING_MAX bytes: the tags before p= first, then p= split. */
static char *
zone_text (const char *name, const char *record)
{
  g_autoptr (GString) z = g_string_new (NULL);
  const char *p = strstr (record, "p=");
  gsize head = p != NULL && p > record ? (gsize) (p - record) : 0;
  gsize len = strlen (record);

  g_string_append_printf (z, "%s IN TXT (", name);
  if (head > TXT_STRING_MAX)
    head = 0;
  if (head > 0)
    g_string_append_printf (z, " \"%.*s\"", (int) head, record);
  for (gsize off = head; off < len; off += TXT_STRING_MAX)
    {
      gsize n = MIN (TXT_STRING_MAX, len - off);

      g_string_append_printf (z, "%s\"%.*s\"", off == 0 ? " " : "\n\t", (int) n, record + off);
    }
  g_string_append (z, " )\n");
  return g_string_free (g_steal_pointer (&z), FALSE);
}

/* write_new_file - PATH created with MODE; EXCL refuses an existing file.
 * OWNER and GROUP ((uid_t) -1: unchanged) are set on the descriptor
 * before a byte is written, so the key never belongs to root with its
 * contents in it. */
static int
write_new_file (const char *path, const void *data, gsize len, int mode, gboolean excl,
                uid_t owner, gid_t group)
{
  g_autoptr (GError) error = NULL;
  int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (excl ? O_EXCL : O_TRUNC);
  int fd = open (path, flags, mode);
  gboolean ok;

  if (fd < 0)
    {
      dkimmod_cli_warn ("%s: %s%s", path, g_strerror (errno),
                        errno == EEXIST ? " (refusing to overwrite)" : "");
      return EX_CANTCREAT;
    }
  if (owner != (uid_t) -1 && fchown (fd, owner, group) != 0)
    {
      dkimmod_cli_warn ("%s: cannot give it to uid %u: %s", path, (unsigned) owner,
                        g_strerror (errno));
      close (fd);
      unlink (path);
      return EX_CANTCREAT;
    }
  ok = dkimmod_cli_write_all (fd, data, len, &error);
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno), "close: %s",
                   g_strerror (errno));
    }
  if (!ok)
    {
      dkimmod_cli_warn ("%s: %s", path, error->message);
      unlink (path);
      return EX_IOERR;
    }
  return EX_OK;
}

/* dns_record - the record for PEM, through the library. */
static char *
dns_record (const char *pem, gsize len, const KeygenOptions *opt)
{
  DkimmodError err = { 0 };
  g_autoptr (DkimmodKey) key = dkimmod_key_load_pem (pem, len, &err);
  char *lib_record;
  char *record;

  if (key == NULL || (lib_record = dkimmod_key_dns_record (key, &err)) == NULL)
    {
      dkimmod_cli_warn ("generated key rejected by the library: %s", err.message);
      return NULL;
    }
  record = record_with_tags (lib_record, opt);
  dkimmod_free (lib_record);
  return record;
}

/* keygen_run - the key, its files and the zone text (*ZONE_OUT) */
static int
keygen_run (const KeygenOptions *opt, char **zone_out)
{
  g_autoptr (EVP_PKEY) pkey = generate_key (opt);
  g_autoptr (BIO) bio = BIO_new (BIO_s_secmem ());
  g_autofree char *record = NULL, *name = NULL, *zone = NULL, *key_path = NULL, *txt_path = NULL;
  char *pem = NULL;
  long pem_len;
  int status;

  if (pkey == NULL || bio == NULL
      || !PEM_write_bio_PrivateKey (bio, pkey, NULL, NULL, 0, NULL, NULL)
      || (pem_len = BIO_get_mem_data (bio, &pem)) <= 0)
    {
      dkimmod_cli_warn ("key generation failed in OpenSSL");
      return EX_SOFTWARE;
    }
  record = dns_record (pem, (gsize) pem_len, opt);
  if (record == NULL)
    return EX_SOFTWARE;
  name = g_strdup_printf ("%s._domainkey.%s.", opt->selector, opt->domain);
  zone = zone_text (name, record);
  key_path = g_strdup_printf ("%s/%s.key", opt->dir, opt->selector);
  txt_path = g_strdup_printf ("%s/%s.txt", opt->dir, opt->selector);
  status = write_new_file (key_path, pem, (gsize) pem_len, 0600, TRUE, opt->owner, opt->group);
  if (status == EX_OK)
    status = write_new_file (txt_path, zone, strlen (zone), 0644, FALSE, (uid_t) -1,
                             (gid_t) -1);
  if (status == EX_OK)
    *zone_out = g_steal_pointer (&zone);
  return status;
}

int
dkimmod_cli_keygen (gboolean ed25519, guint bits, const char *domain, const char *selector,
                    const char *dir, uid_t owner, gid_t group, char **zone_out)
{
  KeygenOptions opt = { .ed25519 = ed25519, .bits = bits ? bits : 2048, .domain = domain,
                        .selector = selector, .dir = dir, .owner = owner, .group = group };

  if (!is_dns_name (selector, DKIMMOD_LIMIT_SELECTOR_BYTES)
      || !is_dns_name (domain, DKIMMOD_LIMIT_DOMAIN_BYTES))
    {
      dkimmod_cli_warn ("not a domain name or selector: %s / %s", domain, selector);
      return EX_USAGE;
    }
  return keygen_run (&opt, zone_out);
}

int
dkimmod_cmd_keygen (int argc, char **argv)
{
  KeygenOptions opt = { .owner = (uid_t) -1, .group = (gid_t) -1 };
  int status = keygen_parse_args (argc, argv, &opt);
  g_autofree char *zone = NULL;

  if (status != EX_OK)
    return status == -1 ? EX_OK : status;
  status = keygen_run (&opt, &zone);
  if (status == EX_OK)
    fputs (zone, stdout);
  return status;
}
