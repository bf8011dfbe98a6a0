/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	opendmarc-check.c - one DMARC case through OpenDMARC's library and through ours
 * SYNOPSIS
 *	opendmarc-check PORT < cases
 * DESCRIPTION
 *	The driver of test-opendmarc.py. Each input line is a case, fields
 *	separated by TAB: the From field's value, the DKIM results
 *	("d=pass,d2=fail"), the SPF result for the MAIL FROM domain
 *	("domain=pass" or ""), and the zone ("NAME TXT record" lines joined
 *	by '|'). OpenDMARC (libopendmarc, Debian's libopendmarc-dev) asks the
 *	dnsmasq on 127.0.0.1:PORT that serves the same zone, with the Public
 *	Suffix List of the publicsuffix package; ours answers its questions
 *	from the zone text. Each output line is
 *	"opendmarc=R/P rfc7489=R/P rfc9989=R/P": the result and the policy
 *	the domain asks (p= or sp=), "-" for none.
 * NEVER
 *	Read DNS for our side: the comparison is of DMARC logic, the zone is
 *	the same.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <opendmarc/dmarc.h>

#include "dmarc.h"
#include "zone.h"

#define PSL_FILE "/usr/share/publicsuffix/public_suffix_list.dat"

static const char *
od_policy_name (int p)
{
  return p == DMARC_RECORD_P_REJECT ? "reject" : p == DMARC_RECORD_P_QUARANTINE ? "quarantine"
         : p == DMARC_RECORD_P_NONE ? "none" : "-";
}

/* opendmarc_case - "RESULT/POLICY" by libopendmarc (transfer full) */
static char *
opendmarc_case (const char *from, char **dkim, const char *spf)
{
  DMARC_POLICY_T *p = opendmarc_policy_connect_init ((u_char *) "192.0.2.1", DMARC_POLICY_IP_TYPE_IPV4);
  OPENDMARC_STATUS_T st;
  const char *result;
  int pol = 0, used, asked = 0;
  g_autofree char *from_domain = NULL;
  char buf[256];

  st = opendmarc_policy_store_from_domain (p, (u_char *) from);
  if (st != DMARC_PARSE_OKAY)
    {
      opendmarc_policy_connect_shutdown (p);
      return g_strdup_printf ("permerror/-");
    }
  for (guint i = 0; dkim[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (dkim[i], "=", 2);

      if (g_strv_length (kv) == 2)
        opendmarc_policy_store_dkim (p, (u_char *) kv[0], (u_char *) "sel",
                                     strcmp (kv[1], "pass") == 0 ? DMARC_POLICY_DKIM_OUTCOME_PASS
                                                                 : DMARC_POLICY_DKIM_OUTCOME_FAIL,
                                     (u_char *) "");
    }
  if (spf != NULL && *spf != '\0')
    {
      g_auto (GStrv) kv = g_strsplit (spf, "=", 2);

      opendmarc_policy_store_spf (p, (u_char *) kv[0],
                                  strcmp (kv[1], "pass") == 0 ? DMARC_POLICY_SPF_OUTCOME_PASS
                                                              : DMARC_POLICY_SPF_OUTCOME_FAIL,
                                  DMARC_POLICY_SPF_ORIGIN_MAILFROM, (u_char *) "");
    }
  if (opendmarc_policy_fetch_from_domain (p, (u_char *) buf, sizeof buf) == DMARC_PARSE_OKAY)
    from_domain = g_strdup (buf);
  st = opendmarc_policy_query_dmarc (p, (u_char *) from_domain);
  switch (st)
    {
    case DMARC_PARSE_OKAY:
      break;
    case DMARC_DNS_ERROR_NO_RECORD:
    case DMARC_DNS_ERROR_NXDOMAIN:
      opendmarc_policy_connect_shutdown (p);
      return g_strdup ("none/-");
    case DMARC_DNS_ERROR_TMPERR:
      opendmarc_policy_connect_shutdown (p);
      return g_strdup ("temperror/-");
    default:
      opendmarc_policy_connect_shutdown (p);
      return g_strdup ("permerror/-");
    }
  used = opendmarc_get_policy_token_used (p);
  if (used == DMARC_USED_POLICY_IS_SP)
    opendmarc_policy_fetch_sp (p, &pol);
  else
    opendmarc_policy_fetch_p (p, &pol);
  asked = pol;
  switch (opendmarc_get_policy_to_enforce (p))
    {
    case DMARC_POLICY_PASS: result = "pass"; break;
    case DMARC_POLICY_ABSENT: result = "none"; break;
    case DMARC_FROM_DOMAIN_ABSENT: result = "permerror"; break;
    default: result = "fail"; break;
    }
  opendmarc_policy_connect_shutdown (p);
  return g_strdup_printf ("%s/%s", result, od_policy_name (asked));
}

/* ours_case - "RESULT/POLICY" by module/dmarc.c (transfer full) */
static char *
ours_case (DkimmodDmarcStandard std, const char *from, char **dkim, const char *spf,
           const char *zone)
{
  g_autofree char *field = g_strconcat ("From: ", from, NULL);
  g_autoptr (GPtrArray) all = g_ptr_array_new (), pass = g_ptr_array_new ();
  g_autofree char *spf_domain = NULL;
  DkimmodDnsQueries *q = dkimmod_dns_queries_new ();
  DkimmodDmarc *d = dkimmod_dmarc_new (std, NULL, NULL);
  DkimmodDmarcInputs in = { 0 };
  const DkimmodDmarcResultInfo *r;
  char *out;

  for (guint i = 0; dkim[i] != NULL; i++)
    {
      char *eq = strchr (dkim[i], '=');

      if (eq == NULL)
        continue;
      *eq = '\0';
      g_ptr_array_add (all, dkim[i]);
      if (strcmp (eq + 1, "pass") == 0)
        g_ptr_array_add (pass, dkim[i]);
    }
  if (spf != NULL && g_str_has_suffix (spf, "=pass"))
    spf_domain = g_strndup (spf, strlen (spf) - 5);
  dkimmod_dmarc_add_header (d, field, strlen (field));
  dkimmod_dmarc_ask (d, q, (const char *const *) all->pdata, all->len, spf_domain);
  for (int round = 0; round < 3 && !dkimmod_dmarc_step (d, q); round++)
    answer_from_zone (q, zone);
  in.dkim_pass_domains = (const char *const *) pass->pdata;
  in.n_dkim_pass = pass->len;
  in.spf_pass_domain = spf_domain;
  dkimmod_dmarc_evaluate (d, q, &in);
  r = dkimmod_dmarc_result (d);
  out = g_strdup_printf ("%s/%s", dkimmod_dmarc_result_name (r->result),
                         r->policy != DKIMMOD_DMARC_POLICY_ABSENT
                         ? dkimmod_dmarc_policy_name (r->policy) : "-");
  dkimmod_dmarc_free (d);
  dkimmod_dns_queries_free (q);
  return out;
}

int
main (int argc, char **argv)
{
  OPENDMARC_LIB_T lib;
  char line[8192];

  if (argc != 2)
    {
      fprintf (stderr, "usage: opendmarc-check PORT < cases\n");
      return 64;
    }
  memset (&lib, 0, sizeof lib);
  lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
  g_strlcpy ((char *) lib.tld_source_file, PSL_FILE, sizeof lib.tld_source_file);
  lib.nscount = 1;
  lib.nsaddr_list[0].sin_family = AF_INET;
  lib.nsaddr_list[0].sin_port = htons ((uint16_t) atoi (argv[1]));
  lib.nsaddr_list[0].sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (opendmarc_policy_library_init (&lib) != DMARC_PARSE_OKAY)
    {
      fprintf (stderr, "opendmarc_policy_library_init failed\n");
      return 70;
    }
  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_auto (GStrv) f = NULL;

      line[strcspn (line, "\n")] = '\0';
      f = g_strsplit (line, "\t", 4);
      g_auto (GStrv) d1 = NULL, d2 = NULL, d3 = NULL, zl = NULL;
      g_autofree char *zone = NULL, *od = NULL, *o7 = NULL, *o9 = NULL;

      if (g_strv_length (f) != 4)
        {
          fprintf (stderr, "bad case line\n");
          return 65;
        }
      d1 = f[1][0] ? g_strsplit (f[1], ",", -1) : g_new0 (char *, 1);
      d2 = g_strdupv (d1);
      d3 = g_strdupv (d1);
      zl = g_strsplit (f[3], "|", -1);
      zone = g_strjoinv ("\n", zl);
      od = opendmarc_case (f[0], d1, f[2]);
      o7 = ours_case (DKIMMOD_DMARC_RFC7489, f[0], d2, f[2], zone);
      o9 = ours_case (DKIMMOD_DMARC_RFC9989, f[0], d3, f[2], zone);
      printf ("opendmarc=%s rfc7489=%s rfc9989=%s\n", od, o7, o9);
      fflush (stdout);
    }
  opendmarc_policy_library_shutdown (&lib);
  return 0;
}
