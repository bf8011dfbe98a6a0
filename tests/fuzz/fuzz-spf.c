/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-spf.c - fuzz SPF: records, macros and check_host() over a DNS file
 * DESCRIPTION
 *	Byte 0 picks the mode. 0-127: the rest is a DNS file (dkimmod.h);
 *	the MAIL FROM a@x.example from 192.0.2.1 (IPv6 2001:db8::1 when bit
 *	0 is set) is checked against it, round by round, with explanations.
 *	128-255: the rest is an SPF record (after "v=spf1 ") and, after a
 *	NUL, a macro-string, parsed and expanded. Properties: the check ends
 *	within 100 rounds; lookups and void lookups stop one over their
 *	limits; the resinfo is one line; an expansion of a domain-spec is at
 *	most 253 bytes.
 * STANDARDS
 *	RFC 7208.
 */
#include <string.h>
#include <glib.h>

#include "dnsquery.h"
#include "fuzz.h"
#include "spf.h"

static void
check_host_mode (const uint8_t *data, size_t size, gboolean v6)
{
  DkimmodError err;
  g_autoptr (DkimmodDnsFile) f = dkimmod_dns_file_parse ((const char *) data, size, &err);
  g_autoptr (DkimmodContext) ctx = NULL;
  g_autoptr (DkimmodDnsQueries) q = NULL;
  g_autoptr (DkimmodSpf) spf = NULL;
  g_autofree char *resinfo = NULL;
  const DkimmodSpfResultInfo *r;
  DkimmodSpfOptions o;
  guint rounds = 0;
  int rc;

  if (f == NULL)
    return;
  ctx = dkimmod_context_new ();
  q = dkimmod_dns_queries_new ();
  dkimmod_spf_options_init (&o);
  o.flags = DKIMMOD_SPF_FLAG_EXPLANATION;
  spf = dkimmod_spf_new (ctx, &o);
  fuzz_check (dkimmod_spf_check_mail_from (spf, v6 ? "2001:db8::1" : "192.0.2.1", "h.example",
                                           "a@x.example", &err) == 0);
  while ((rc = dkimmod_spf_step (spf, q, &err)) == 0)
    {
      fuzz_check (dkimmod_dns_queries_open_count (q) > 0);
      fuzz_check (dkimmod_dns_file_answer (f, q, &err) == 0);
      fuzz_check (++rounds <= 100);
    }
  fuzz_check (rc == 1);
  r = dkimmod_spf_result (spf);
  fuzz_check (r != NULL && r->result <= DKIMMOD_SPF_PERMERROR);
  fuzz_check (r->dns_lookups <= DKIMMOD_SPF_LIMIT_DNS_MECHANISMS + 1);
  fuzz_check (r->void_lookups <= DKIMMOD_SPF_LIMIT_VOID_LOOKUPS + 1);
  resinfo = dkimmod_spf_resinfo (spf);
  fuzz_check (resinfo != NULL && strpbrk (resinfo, "\r\n") == NULL);
}

static void
record_mode (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, 0, size);
  gsize rlen = nul != NULL ? (gsize) (nul - data) : size;
  g_autofree char *record = g_strdup_printf ("v=spf1 %.*s", (int) rlen, data);
  g_autoptr (DkimmodSpfRecord) rec = NULL;
  g_autoptr (GError) error = NULL;
  static const guint8 ip[4] = { 192, 0, 2, 1 };
  g_autofree char *i = dkimmod_spf_ip_macro (ip, FALSE);
  DkimmodSpfMacroEnv env = { .sender = "a@x.example", .local = "a", .sender_domain = "x.example",
                             .domain = "x.example", .ip_macro = i, .helo = "h.example",
                             .client_ip = "192.0.2.1" };

  rec = dkimmod_spf_record_parse (record, strlen (record), &error);
  fuzz_check ((rec == NULL) == (error != NULL));
  if (nul != NULL)
    {
      g_autofree char *macro = g_strndup ((const char *) nul + 1, size - rlen - 1);
      gboolean ok = dkimmod_spf_macro_check (macro, strlen (macro), FALSE, TRUE, NULL);
      g_autofree char *out = dkimmod_spf_macro_expand (macro, &env, FALSE, TRUE, NULL);
      g_autofree char *text = dkimmod_spf_macro_expand (macro, &env, TRUE, FALSE, NULL);

      /* what passes the syntax check expands, within the domain bound */
      if (ok)
        fuzz_check (out != NULL && strlen (out) <= 253);
      (void) text;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  if (data[0] < 128)
    check_host_mode (data + 1, size - 1, data[0] & 1);
  else
    record_mode (data + 1, size - 1);
  return 0;
}
