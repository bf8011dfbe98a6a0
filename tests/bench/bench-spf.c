/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	bench-spf.c - the cost of one SPF check of a typical record
 * SYNOPSIS
 *	bench-spf [N]
 * DESCRIPTION
 *	Runs N (default 1) SPF checks of MAIL FROM alice@example.com from
 *	198.51.100.20 against a typical record tree: example.com
 *	"v=spf1 ip4:203.0.113.0/24 include:_spf.example.net mx -all" (the
 *	include no match, the second MX exchange the match: every term
 *	evaluated), answered from a DNS file parsed once (the host's side:
 *	copying the answers into the question set is counted). Each check
 *	is a new question set and DkimmodSpf, stepped to its result (4
 *	rounds). Run under callgrind with N = 1 and N = 101: the difference
 *	over 100 is the instructions of one check without start-up
 *	(tests/bench/run-all.sh, docs/benchmarks.md). Prints the result of
 *	the last check; exits 1 unless it is pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkimmod.h"

static const char zone[] =
  "example.com TXT \"v=spf1 ip4:203.0.113.0/24 include:_spf.example.net mx -all\"\n"
  "example.com MX 10 mx1.example.com\n"
  "example.com MX 20 mx2.example.com\n"
  "mx1.example.com A 198.51.100.10\n"
  "mx2.example.com A 198.51.100.20\n"
  "_spf.example.net TXT \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all\"\n";

int
main (int argc, char **argv)
{
  long n = argc > 1 ? strtol (argv[1], NULL, 10) : 1;
  DkimmodError err;
  DkimmodContext *ctx = dkimmod_context_new ();
  DkimmodDnsFile *f = dkimmod_dns_file_parse (zone, strlen (zone), &err);
  int pass = 0;

  if (f == NULL)
    return 2;
  for (long i = 0; i < n; i++)
    {
      DkimmodDnsQueries *q = dkimmod_dns_queries_new ();
      DkimmodSpf *spf = dkimmod_spf_new (ctx, NULL);

      dkimmod_spf_check_mail_from (spf, "198.51.100.20", "mx.example.org", "alice@example.com",
                                   &err);
      while (dkimmod_spf_step (spf, q, &err) == 0)
        dkimmod_dns_file_answer (f, q, &err);
      pass = dkimmod_spf_result (spf)->result == DKIMMOD_SPF_PASS;
      if (i == n - 1)
        {
          char *r = dkimmod_spf_resinfo (spf);

          printf ("%s (%s)\n", r, dkimmod_spf_result (spf)->mechanism);
          dkimmod_free (r);
        }
      dkimmod_spf_free (spf);
      dkimmod_dns_queries_free (q);
    }
  dkimmod_dns_file_free (f);
  dkimmod_context_unref (ctx);
  return pass ? 0 : 1;
}
