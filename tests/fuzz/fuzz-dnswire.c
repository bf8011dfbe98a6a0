/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-dnswire.c - fuzz the DNS response parser
 * DESCRIPTION
 *	The input is a DNS response as a nameserver (or anyone who can
 *	spoof one) sends it: parsed as the resolver parses it, CNAME chains
 *	followed. Properties: records only with NOERROR; each record is
 *	NUL-terminated at its length; A and AAAA records parse back as
 *	addresses; MX records start with a preference.
 * STANDARDS
 *	RFC 1035, RFC 3596.
 */
#include <arpa/inet.h>
#include <string.h>
#include <glib.h>

#include "dnswire.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  DkimmodDnsResponse r;
  guchar addr[16];

  if (dkimmod_dns_wire_parse (data, size, &r))
    {
      fuzz_check (r.qname != NULL);
      fuzz_check (r.status == DKIMMOD_DNS_OK || r.records->len == 0);
      fuzz_check (r.records->len == r.lens->len);
      for (guint i = 0; i < r.records->len; i++)
        {
          const char *rec = g_ptr_array_index (r.records, i);
          gsize len = g_array_index (r.lens, gsize, i);

          fuzz_check (rec[len] == '\0');
          if (r.qtype == DKIMMOD_DNS_A)
            fuzz_check (inet_pton (AF_INET, rec, addr) == 1);
          else if (r.qtype == DKIMMOD_DNS_AAAA)
            fuzz_check (inet_pton (AF_INET6, rec, addr) == 1);
          else if (r.qtype == DKIMMOD_DNS_MX)
            fuzz_check (g_ascii_isdigit (rec[0]) && strchr (rec, ' ') != NULL);
        }
    }
  dkimmod_dns_response_clear (&r);
  return 0;
}
