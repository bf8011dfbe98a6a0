/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-dnsfile.c - fuzz the DNS file parser and its answers
 * DESCRIPTION
 *	The input is a DNS file (dkimmod.h, "DNS file"): parsed, and when
 *	it parses, a few questions about names it mentions answered from it,
 *	through a question set. Properties: a parse failure has an error
 *	naming a line; an answer has records only with DKIMMOD_DNS_OK; every
 *	record is NUL-terminated at its length.
 * STANDARDS
 *	RFC 1035 section 5.1 (master file strings).
 */
#include <string.h>
#include <glib.h>

#include "dnsfile.h"
#include "dnsquery.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  DkimmodError err;
  g_autoptr (DkimmodDnsFile) f = dkimmod_dns_file_parse ((const char *) data, size, &err);
  g_autoptr (DkimmodDnsQueries) q = NULL;
  static const DkimmodDnsType types[] = { DKIMMOD_DNS_A, DKIMMOD_DNS_AAAA, DKIMMOD_DNS_MX,
                                          DKIMMOD_DNS_PTR, DKIMMOD_DNS_TXT };
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto (GStrv) lines = NULL;

  if (f == NULL)
    {
      fuzz_check (err.code == DKIMMOD_E_SYNTAX && strstr (err.message, "DNS file:") != NULL);
      return 0;
    }
  q = dkimmod_dns_queries_new ();
  lines = g_strsplit (text, "\n", 8);
  for (char **l = lines; *l != NULL; l++)
    {
      g_auto (GStrv) words = g_strsplit_set (*l, " \t", 2);

      if (words[0] != NULL && words[0][0] != '\0')
        for (guint t = 0; t < G_N_ELEMENTS (types); t++)
          (void) dkimmod_dns_queries_ask (q, words[0], types[t]);
    }
  fuzz_check (dkimmod_dns_file_answer (f, q, &err) == 0);
  fuzz_check (dkimmod_dns_queries_open_count (q) == 0);
  for (size_t i = 0; i < dkimmod_dns_queries_count (q); i++)
    {
      const DkimmodDnsAnswer *a = dkimmod_dns_queries_answer_at (q, i);

      fuzz_check (a != NULL);
      fuzz_check (a->status == DKIMMOD_DNS_OK || a->n == 0);
      for (size_t k = 0; k < a->n; k++)
        fuzz_check (a->records[k][a->lens[k]] == '\0');
    }
  return 0;
}
