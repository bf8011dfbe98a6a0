/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	keyfile.c - key records from a file (OpenDKIM TestPublicKeys format)
 * SYNOPSIS
 *	dkimmod_key_file_load, dkimmod_key_file_parse, dkimmod_key_file_lookup,
 *	dkimmod_key_file_free; private: dkimmod_key_file_dns
 * DESCRIPTION
 *	A key file is a DNS file (dnsfile.c): its lines
 *	"selector._domainkey.domain record-text" are TXT records there, and
 *	the DNS file's other lines (status lines, CNAMEs) work in it too.
 *	This unit keeps the key file's older API as a view of TXT records.
 * STANDARDS
 *	As dnsfile.c.
 * NEVER
 *	Parse on its own: one parser (dnsfile.c) serves both.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "dnsfile.h"
#include "error-private.h"
#include "keyfile.h"

struct DkimmodKeyFile {
  DkimmodDnsFile *dns;
};

static DkimmodKeyFile *
wrap (DkimmodDnsFile *dns)
{
  DkimmodKeyFile *kf;

  if (dns == NULL)
    return NULL;
  kf = g_new0 (DkimmodKeyFile, 1);
  kf->dns = dns;
  return kf;
}

/**
 * dkimmod_key_file_parse:
 * @text: (array length=len): the file's contents
 *
 * Returns: (transfer full) (nullable): the key file, or NULL with @err set.
 */
DkimmodKeyFile *
dkimmod_key_file_parse (const char *text, size_t len, DkimmodError *err)
{
  return wrap (dkimmod_dns_file_parse_named (text, len, "key file", err));
}

/**
 * dkimmod_key_file_load:
 * @path: the file
 *
 * Returns: (transfer full) (nullable): the key file, or NULL with @err set.
 */
DkimmodKeyFile *
dkimmod_key_file_load (const char *path, DkimmodError *err)
{
  return wrap (dkimmod_dns_file_load (path, err));
}

/**
 * dkimmod_key_file_lookup:
 * @records_out: (out) (optional) (transfer none): the NULL-terminated records
 *
 * Returns: the number of TXT records for @name.
 */
size_t
dkimmod_key_file_lookup (const DkimmodKeyFile *kf, const char *name,
                         const char *const **records_out)
{
  const char *const *records;
  const gsize *lens;
  gsize n;

  g_return_val_if_fail (kf != NULL && name != NULL, 0);
  if (dkimmod_dns_file_lookup (kf->dns, name, DKIMMOD_DNS_TXT, &records, &lens, &n)
      != DKIMMOD_DNS_OK)
    {
      records = NULL;
      n = 0;
    }
  if (records_out != NULL)
    *records_out = records;
  return n;
}

const DkimmodDnsFile *
dkimmod_key_file_dns (const DkimmodKeyFile *kf)
{
  return kf->dns;
}

void
dkimmod_key_file_free (DkimmodKeyFile *kf)
{
  if (kf == NULL)
    return;
  dkimmod_dns_file_free (kf->dns);
  g_free (kf);
}
