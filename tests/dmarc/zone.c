/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	zone.c - answers a question set from a small zone table (tests)
 */
#include <string.h>

#include "zone.h"

/* A zone: "NAME TYPE DATA" lines; DATA "SERVFAIL"/"TIMEOUT"/"NXDOMAIN"
 * or a record (TXT text, A address, MX "10 host"). A name/type absent
 * from the zone is NXDOMAIN when the name is absent, else NODATA. */
void
answer_from_zone (DkimmodDnsQueries *q, const char *zone)
{
  g_auto (GStrv) lines = g_strsplit (zone != NULL ? zone : "", "\n", -1);

  for (size_t i = 0; i < dkimmod_dns_queries_count (q); i++)
    {
      const char *name = dkimmod_dns_queries_name (q, i);
      DkimmodDnsType type = dkimmod_dns_queries_type (q, i);
      const char *tname = type == DKIMMOD_DNS_TXT ? "TXT" : type == DKIMMOD_DNS_A ? "A"
                          : type == DKIMMOD_DNS_AAAA ? "AAAA" : "MX";
      g_autoptr (GPtrArray) recs = g_ptr_array_new ();
      DkimmodDnsStatus status = DKIMMOD_DNS_NXDOMAIN;

      if (dkimmod_dns_queries_answered (q, i))
        continue;
      for (guint l = 0; lines[l] != NULL; l++)
        {
          g_auto (GStrv) w = g_strsplit (g_strstrip (lines[l]), " ", 3);

          if (g_strv_length (w) < 3 || g_ascii_strcasecmp (w[0], name) != 0)
            continue;
          if (status == DKIMMOD_DNS_NXDOMAIN)
            status = DKIMMOD_DNS_OK;   /* the name exists */
          if (strcmp (w[1], tname) != 0)
            continue;
          if (strcmp (w[2], "SERVFAIL") == 0)
            status = DKIMMOD_DNS_SERVFAIL;
          else if (strcmp (w[2], "TIMEOUT") == 0)
            status = DKIMMOD_DNS_TIMEOUT;
          else
            g_ptr_array_add (recs, (char *) strstr (lines[l], w[2]));
        }
      g_assert_cmpint (dkimmod_dns_queries_answer (q, name, type, status,
                                                   (const char *const *) recs->pdata, NULL,
                                                   recs->len, 0, NULL), ==, 0);
    }
}

