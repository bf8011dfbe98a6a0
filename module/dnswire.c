/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dnswire.c - DNS query building and response parsing
 * SYNOPSIS
 *	dkimmod_dns_wire_query, dkimmod_dns_wire_parse,
 *	dkimmod_dns_response_clear, dkimmod_dns_same_name
 * DESCRIPTION
 *	A query asks one question (A, AAAA, MX, PTR or TXT, class IN) with
 *	RD, AD (RFC 6840 5.7: ask for the AD bit) and an EDNS0 OPT record
 *	offering 1232 bytes. A response is parsed with libresolv's
 *	ns_initparse()/ns_parserr()/dn_expand(), which bound-check the
 *	packet. The answer section's records of the asked type owned by the
 *	question's name are taken; when there are none, a CNAME owned by
 *	that name leads to its target, at most DKIMMOD_LIMIT_CNAME_DEPTH
 *	times (RFC 1034 3.6.2: the recursive server puts the chain in the
 *	answer). Record text: TXT character-strings concatenated (RFC 6376
 *	3.6.2.2, RFC 7208 3.3), A and AAAA in inet_ntop() form, MX
 *	"PREF EXCHANGE", PTR the target, names without their trailing dot
 *	(the root is ".").
 *	RCODE mapping: NOERROR: the records (none: NODATA); NXDOMAIN;
 *	everything else (SERVFAIL, REFUSED, FORMERR...): SERVFAIL.
 * STANDARDS
 *	RFC 1035 (messages), RFC 3596 (AAAA), RFC 6891 (EDNS0), RFC 6840.
 * SECURITY
 *	Wire input from the nameserver: every length is checked by the
 *	libresolv parsers; RDATA of the wrong size for its type is skipped.
 * NEVER
 *	Read past the packet, or follow CNAMEs without a bound.
 */
#include "dkimmod-build-config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <string.h>

#include "dnswire.h"

#define EDNS_UDP_SIZE 1232

static void
put16 (guchar *p, guint v)
{
  p[0] = (v >> 8) & 0xff;
  p[1] = v & 0xff;
}

gsize
dkimmod_dns_wire_query (guchar *q, guint16 id, const char *name, DkimmodDnsType type)
{
  gsize n = 12, name_len = strlen (name);
  const char *p = name, *end = name + name_len;

  if (name_len > 0 && end[-1] == '.')
    end--;
  if (p == end)
    return 0;
  memset (q, 0, 12);
  put16 (q, id);
  put16 (q + 2, 0x0120);  /* RD | AD */
  put16 (q + 4, 1);
  put16 (q + 10, 1);
  while (p < end)
    {
      const char *dot = memchr (p, '.', end - p);
      gsize label = (dot != NULL ? dot : end) - p;

      if (label == 0 || label > 63 || n + 1 + label > 12 + 254)
        return 0;
      q[n++] = (guchar) label;
      memcpy (q + n, p, label);
      n += label;
      p += label + (dot != NULL ? 1 : 0);
    }
  q[n++] = 0;
  put16 (q + n, type);
  put16 (q + n + 2, ns_c_in);
  n += 4;
  /* OPT: root name, type 41, class = UDP payload size, TTL 0, no data */
  q[n++] = 0;
  put16 (q + n, ns_t_opt);
  put16 (q + n + 2, EDNS_UDP_SIZE);
  memset (q + n + 4, 0, 6);
  return n + 10;
}

gboolean
dkimmod_dns_same_name (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);

  while (la > 0 && a[la - 1] == '.')
    la--;
  while (lb > 0 && b[lb - 1] == '.')
    lb--;
  return la == lb && g_ascii_strncasecmp (a, b, la) == 0;
}

/* add_record - appends LEN bytes at P as one record */
static void
add_record (DkimmodDnsResponse *r, const char *p, gsize len)
{
  char *rec = g_malloc (len + 1);

  memcpy (rec, p, len);
  rec[len] = '\0';
  g_ptr_array_add (r->records, rec);
  g_array_append_val (r->lens, len);
}

/* expand_name - the domain name at P in H's packet, "." for the root;
 * FALSE when it does not parse */
static gboolean
expand_name (const ns_msg *h, const guchar *p, char *out, gsize size)
{
  if (dn_expand (ns_msg_base (*h), ns_msg_end (*h), p, out, (int) size) < 0)
    return FALSE;
  if (out[0] == '\0')
    g_strlcpy (out, ".", size);
  return TRUE;
}

/* format_rr - RR's RDATA as record text appended to R; malformed: skipped */
static void
format_rr (const ns_msg *h, const ns_rr *rr, DkimmodDnsResponse *r)
{
  const guchar *rd = ns_rr_rdata (*rr);
  gsize len = ns_rr_rdlen (*rr);
  char buf[NS_MAXDNAME + 8];
  char name[NS_MAXDNAME];

  switch (ns_rr_type (*rr))
    {
    case ns_t_a:
      if (len == 4 && inet_ntop (AF_INET, rd, buf, sizeof buf) != NULL)
        add_record (r, buf, strlen (buf));
      break;
    case ns_t_aaaa:
      if (len == 16 && inet_ntop (AF_INET6, rd, buf, sizeof buf) != NULL)
        add_record (r, buf, strlen (buf));
      break;
    case ns_t_mx:
      if (len >= 3 && expand_name (h, rd + 2, name, sizeof name))
        {
          int n = g_snprintf (buf, sizeof buf, "%u %s", (rd[0] << 8) | rd[1], name);

          add_record (r, buf, (gsize) n);
        }
      break;
    case ns_t_ptr:
      if (expand_name (h, rd, name, sizeof name))
        add_record (r, name, strlen (name));
      break;
    case ns_t_txt:
      {
        GString *s = g_string_new (NULL);

        for (gsize i = 0; i < len;)
          {
            gsize n = rd[i++];

            n = MIN (n, len - i);
            g_string_append_len (s, (const char *) rd + i, n);
            i += n;
          }
        add_record (r, s->str, s->len);
        g_string_free (s, TRUE);
      }
      break;
    default:
      break;
    }
}

/* take_answers - the answer section's QTYPE records at the question's
 * name, following a bounded CNAME chain */
static void
take_answers (ns_msg *h, DkimmodDnsResponse *r)
{
  g_autofree char *owner = g_strdup (r->qname);

  for (guint depth = 0; depth <= DKIMMOD_LIMIT_CNAME_DEPTH; depth++)
    {
      g_autofree char *target = NULL;

      for (int i = 0; i < ns_msg_count (*h, ns_s_an); i++)
        {
          ns_rr rr;
          char name[NS_MAXDNAME];

          if (ns_parserr (h, ns_s_an, i, &rr) != 0)
            return;
          if (ns_rr_class (rr) != ns_c_in || !dkimmod_dns_same_name (ns_rr_name (rr), owner))
            continue;
          if (ns_rr_type (rr) == r->qtype)
            format_rr (h, &rr, r);
          else if (ns_rr_type (rr) == ns_t_cname && target == NULL
                   && expand_name (h, ns_rr_rdata (rr), name, sizeof name))
            target = g_strdup (name);
        }
      if (r->records->len > 0 || target == NULL)
        return;
      g_free (owner);
      owner = g_steal_pointer (&target);
    }
}

gboolean
dkimmod_dns_wire_parse (const guchar *buf, gsize len, DkimmodDnsResponse *r)
{
  ns_msg h;
  ns_rr q;

  memset (r, 0, sizeof *r);
  r->records = g_ptr_array_new_with_free_func (g_free);
  r->lens = g_array_new (FALSE, FALSE, sizeof (gsize));
  if (len > G_MAXINT || ns_initparse (buf, (int) len, &h) != 0 || !ns_msg_getflag (h, ns_f_qr)
      || ns_msg_count (h, ns_s_qd) != 1 || ns_parserr (&h, ns_s_qd, 0, &q) != 0)
    return FALSE;
  r->id = ns_msg_id (h);
  r->qname = g_strdup (ns_rr_name (q));
  r->qtype = ns_rr_type (q);
  r->truncated = ns_msg_getflag (h, ns_f_tc);
  r->ad = ns_msg_getflag (h, ns_f_ad);
  switch (ns_msg_getflag (h, ns_f_rcode))
    {
    case ns_r_noerror:
      r->status = DKIMMOD_DNS_OK;
      take_answers (&h, r);
      break;
    case ns_r_nxdomain:
      r->status = DKIMMOD_DNS_NXDOMAIN;
      break;
    default:
      r->status = DKIMMOD_DNS_SERVFAIL;
    }
  return TRUE;
}

void
dkimmod_dns_response_clear (DkimmodDnsResponse *r)
{
  g_clear_pointer (&r->qname, g_free);
  g_clear_pointer (&r->records, g_ptr_array_unref);
  if (r->lens != NULL)
    g_array_unref (g_steal_pointer (&r->lens));
}
