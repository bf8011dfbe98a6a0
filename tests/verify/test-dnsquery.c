/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-dnsquery - the DNS question set, the DNS file and the packet parser
 * DESCRIPTION
 *	Question sets: dedup by name (any case, trailing dot) and type,
 *	answers copied with their bytes, the first answer kept, questions
 *	never asked refused, the bound. DNS file: every line form of
 *	dkimmod.h, key-file lines, status lines for a type and for a name,
 *	CNAME chains and loops, NODATA and NXDOMAIN, errors naming the line.
 *	Wire format: responses built here byte by byte (compression, a CNAME
 *	chain, wrong-sized RDATA, RCODEs, truncated packets).
 */
#include <string.h>
#include <glib.h>

#include "dnsfile.h"
#include "dnsquery.h"
#include "dnswire.h"

static void
test_set_dedup (void)
{
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();
  DkimmodError err;
  const char *recs[] = { "a\0b", "v=spf1 -all" };
  const size_t lens[] = { 3, 11 };
  const DkimmodDnsAnswer *a;

  g_assert_cmpuint (dkimmod_dns_queries_ask (q, "Example.COM.", DKIMMOD_DNS_TXT), ==, 0);
  g_assert_cmpuint (dkimmod_dns_queries_ask (q, "example.com", DKIMMOD_DNS_TXT), ==, 0);
  g_assert_cmpuint (dkimmod_dns_queries_ask (q, "example.com", DKIMMOD_DNS_A), ==, 1);
  g_assert_cmpuint (dkimmod_dns_queries_count (q), ==, 2);
  g_assert_cmpstr (dkimmod_dns_queries_name (q, 0), ==, "example.com");
  g_assert_cmpint (dkimmod_dns_queries_type (q, 1), ==, DKIMMOD_DNS_A);
  g_assert_false (dkimmod_dns_queries_answered (q, 0));
  g_assert_null (dkimmod_dns_queries_find (q, "example.com", DKIMMOD_DNS_TXT));
  g_assert_null (dkimmod_dns_queries_find (q, "other.example", DKIMMOD_DNS_TXT));

  g_assert_cmpint (dkimmod_dns_queries_answer (q, "EXAMPLE.com.", DKIMMOD_DNS_TXT, DKIMMOD_DNS_OK,
                                               recs, lens, 2, DKIMMOD_DNS_FLAG_SECURE, &err),
                   ==, 0);
  a = dkimmod_dns_queries_find (q, "example.com", DKIMMOD_DNS_TXT);
  g_assert_nonnull (a);
  g_assert_cmpuint (a->n, ==, 2);
  g_assert_cmpuint (a->lens[0], ==, 3);
  g_assert_cmpmem (a->records[0], 4, "a\0b", 4);
  g_assert_cmpstr (a->records[1], ==, "v=spf1 -all");
  g_assert_cmpuint (a->flags, ==, DKIMMOD_DNS_FLAG_SECURE);
  g_assert_true (dkimmod_dns_queries_answered (q, 0));
  g_assert_cmpuint (dkimmod_dns_queries_open_count (q), ==, 1);
  /* the first answer stays */
  g_assert_cmpint (dkimmod_dns_queries_answer (q, "example.com", DKIMMOD_DNS_TXT,
                                               DKIMMOD_DNS_NXDOMAIN, NULL, NULL, 0, 0, &err),
                   ==, 0);
  g_assert_cmpint (dkimmod_dns_queries_find (q, "example.com", DKIMMOD_DNS_TXT)->status, ==,
                   DKIMMOD_DNS_OK);
  /* never asked */
  g_assert_cmpint (dkimmod_dns_queries_answer (q, "example.com", DKIMMOD_DNS_MX,
                                               DKIMMOD_DNS_OK, NULL, NULL, 0, 0, &err),
                   ==, -1);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_INVAL);
  g_assert_nonnull (strstr (err.message, "example.com MX was not asked"));
  /* a status other than records ignores N */
  g_assert_cmpint (dkimmod_dns_queries_answer (q, "example.com", DKIMMOD_DNS_A,
                                               DKIMMOD_DNS_TIMEOUT, recs, NULL, 1, 0, &err),
                   ==, 0);
  g_assert_cmpuint (dkimmod_dns_queries_find (q, "example.com", DKIMMOD_DNS_A)->n, ==, 0);
  g_assert_cmpstr (dkimmod_dns_type_name (DKIMMOD_DNS_AAAA), ==, "AAAA");
}

static void
test_set_limit (void)
{
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();
  const DkimmodDnsAnswer *a;

  for (guint i = 0; i < DKIMMOD_LIMIT_DNS_QUESTIONS; i++)
    {
      g_autofree char *name = g_strdup_printf ("n%u.example", i);

      g_assert_cmpuint (dkimmod_dns_queries_ask (q, name, DKIMMOD_DNS_A), ==, i);
    }
  g_assert_cmpuint (dkimmod_dns_queries_ask (q, "one-more.example", DKIMMOD_DNS_A), ==,
                    (size_t) -1);
  g_assert_cmpuint (dkimmod_dns_queries_count (q), ==, DKIMMOD_LIMIT_DNS_QUESTIONS);
  /* beyond the limit: a temporary error at once, never an open wait */
  a = dkimmod_dns_queries_find (q, "one-more.example", DKIMMOD_DNS_A);
  g_assert_nonnull (a);
  g_assert_cmpint (a->status, ==, DKIMMOD_DNS_SERVFAIL);
  /* those inside it are still open */
  g_assert_null (dkimmod_dns_queries_find (q, "n7.example", DKIMMOD_DNS_A));
}

static const char dns_text[] =
  "# every line form\n"
  "example.com TXT \"v=spf1 \" \"a -all\"\n"
  "example.com TXT plain text record\n"
  "example.com A 192.0.2.1\n"
  "example.com A 192.0.2.2\n"
  "Example.Com. AAAA 2001:DB8:0:0::1\n"
  "example.com MX 10 MX.Example.com.\n"
  "null.example MX 0 .\n"
  "1.2.0.192.in-addr.arpa PTR Example.COM.\n"
  "sel._domainkey.example.com v=DKIM1; p=AB\n"
  "esc.example TXT \"a\\\"b\\\\c\\065\\000z\"\n"
  "alias.example CNAME alias2.example\n"
  "alias2.example cname example.com\n"
  "loop1.example CNAME loop2.example\n"
  "loop2.example CNAME loop1.example\n"
  "dead.example TIMEOUT\n"
  "half.example A SERVFAIL\n"
  "half.example TXT \"ok\"\n"
  "gone.example NXDOMAIN\n"
  "   \n";

static DkimmodDnsStatus
file_lookup (const DkimmodDnsFile *f, const char *name, DkimmodDnsType type, gsize *n,
             const char *const **recs, const gsize **lens)
{
  return dkimmod_dns_file_lookup (f, name, type, recs, lens, n);
}

static void
test_file_forms (void)
{
  DkimmodError err;
  g_autoptr (DkimmodDnsFile) f = dkimmod_dns_file_parse (dns_text, strlen (dns_text), &err);
  const char *const *r;
  const gsize *l;
  gsize n;

  g_assert_nonnull (f);
  g_assert_cmpint (file_lookup (f, "EXAMPLE.com.", DKIMMOD_DNS_TXT, &n, &r, &l), ==,
                   DKIMMOD_DNS_OK);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (r[0], ==, "v=spf1 a -all");
  g_assert_cmpstr (r[1], ==, "plain text record");
  g_assert_null (r[2]);
  g_assert_cmpint (file_lookup (f, "example.com", DKIMMOD_DNS_A, &n, &r, &l), ==, DKIMMOD_DNS_OK);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (r[1], ==, "192.0.2.2");
  file_lookup (f, "example.com", DKIMMOD_DNS_AAAA, &n, &r, &l);
  g_assert_cmpstr (r[0], ==, "2001:db8::1");   /* inet_ntop form */
  file_lookup (f, "example.com", DKIMMOD_DNS_MX, &n, &r, &l);
  g_assert_cmpstr (r[0], ==, "10 mx.example.com");
  file_lookup (f, "null.example", DKIMMOD_DNS_MX, &n, &r, &l);
  g_assert_cmpstr (r[0], ==, "0 .");
  file_lookup (f, "1.2.0.192.in-addr.arpa", DKIMMOD_DNS_PTR, &n, &r, &l);
  g_assert_cmpstr (r[0], ==, "example.com");
  file_lookup (f, "sel._domainkey.example.com", DKIMMOD_DNS_TXT, &n, &r, &l);
  g_assert_cmpstr (r[0], ==, "v=DKIM1; p=AB");
  file_lookup (f, "esc.example", DKIMMOD_DNS_TXT, &n, &r, &l);
  g_assert_cmpuint (l[0], ==, 8);
  g_assert_cmpmem (r[0], 8, "a\"b\\cA\0z", 8);
  /* CNAME chain, any type */
  g_assert_cmpint (file_lookup (f, "alias.example", DKIMMOD_DNS_A, &n, &r, &l), ==,
                   DKIMMOD_DNS_OK);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (file_lookup (f, "loop1.example", DKIMMOD_DNS_TXT, &n, &r, &l), ==,
                   DKIMMOD_DNS_SERVFAIL);
  /* status lines */
  g_assert_cmpint (file_lookup (f, "dead.example", DKIMMOD_DNS_MX, &n, &r, &l), ==,
                   DKIMMOD_DNS_TIMEOUT);
  g_assert_cmpint (file_lookup (f, "half.example", DKIMMOD_DNS_A, &n, &r, &l), ==,
                   DKIMMOD_DNS_SERVFAIL);
  g_assert_cmpint (file_lookup (f, "half.example", DKIMMOD_DNS_TXT, &n, &r, &l), ==,
                   DKIMMOD_DNS_OK);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (file_lookup (f, "gone.example", DKIMMOD_DNS_A, &n, &r, &l), ==,
                   DKIMMOD_DNS_NXDOMAIN);
  /* NODATA and NXDOMAIN */
  g_assert_cmpint (file_lookup (f, "half.example", DKIMMOD_DNS_AAAA, &n, &r, &l), ==,
                   DKIMMOD_DNS_OK);
  g_assert_cmpuint (n, ==, 0);
  g_assert_null (r);
  g_assert_cmpint (file_lookup (f, "nosuch.example", DKIMMOD_DNS_TXT, &n, &r, &l), ==,
                   DKIMMOD_DNS_NXDOMAIN);
}

static void
test_file_answers_set (void)
{
  DkimmodError err;
  g_autoptr (DkimmodDnsFile) f = dkimmod_dns_file_parse (dns_text, strlen (dns_text), &err);
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();

  dkimmod_dns_queries_ask (q, "example.com", DKIMMOD_DNS_TXT);
  dkimmod_dns_queries_ask (q, "dead.example", DKIMMOD_DNS_A);
  dkimmod_dns_queries_ask (q, "nosuch.example", DKIMMOD_DNS_MX);
  g_assert_cmpint (dkimmod_dns_file_answer (f, q, &err), ==, 0);
  g_assert_cmpuint (dkimmod_dns_queries_open_count (q), ==, 0);
  g_assert_cmpuint (dkimmod_dns_queries_find (q, "example.com", DKIMMOD_DNS_TXT)->n, ==, 2);
  g_assert_cmpint (dkimmod_dns_queries_find (q, "dead.example", DKIMMOD_DNS_A)->status, ==,
                   DKIMMOD_DNS_TIMEOUT);
  g_assert_cmpint (dkimmod_dns_queries_find (q, "nosuch.example", DKIMMOD_DNS_MX)->status, ==,
                   DKIMMOD_DNS_NXDOMAIN);
}

static void
test_file_errors (void)
{
  static const struct {
    const char *text;
    const char *want;
  } cases[] = {
    { "ok.example A 192.0.2.1\nbad.example A 192.0.2.300\n", ":2: \"192.0.2.300\" is no IPv4" },
    { "x AAAA 192.0.2.1\n", ":1: \"192.0.2.1\" is no IPv6" },
    { "x MX mail.example\n", ":1: MX: \"mail.example\" is no preference" },
    { "x MX 70000 mail.example\n", "is no preference" },
    { "x MX 10\n", ":1: expected one domain name" },
    { "x PTR a b\n", ":1: expected one domain name" },
    { "x CNAME a\nx CNAME b\n", ":2: a second CNAME" },
    { "x TXT \"open\n", ":1: unterminated quoted string" },
    { "x TXT \"a\" b\n", ":1: text outside quotes" },
    { "x TXT \"\\300\"\n", ":1: \\300 is not a byte" },
    { "\n\nlonely.name\n", ":3: name without a record" },
    { "x A\n", ":1: A without data" },
  };
  DkimmodError err;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_null (dkimmod_dns_file_parse (cases[i].text, strlen (cases[i].text), &err));
      g_assert_cmpint (err.code, ==, DKIMMOD_E_SYNTAX);
      if (strstr (err.message, cases[i].want) == NULL)
        g_error ("case %u: \"%s\" lacks \"%s\"", i, err.message, cases[i].want);
      g_assert_nonnull (strstr (err.message, "DNS file:"));
    }
  g_assert_null (dkimmod_dns_file_load ("/nonexistent/dns", &err));
  g_assert_cmpint (err.code, ==, DKIMMOD_E_IO);
}

/* --- wire format -------------------------------------------------------------- */

/* put_name - NAME as labels, or a pointer to OFFSET when >= 0 */
static void
put_name (GByteArray *p, const char *name)
{
  g_auto (GStrv) labels = g_strsplit (name, ".", -1);

  for (char **l = labels; *l != NULL; l++)
    if (**l != '\0')
      {
        guint8 len = strlen (*l);

        g_byte_array_append (p, &len, 1);
        g_byte_array_append (p, (const guint8 *) *l, len);
      }
  g_byte_array_append (p, (const guint8 *) "", 1);
}

static void
put16 (GByteArray *p, guint v)
{
  guint8 b[2] = { v >> 8, v & 0xff };

  g_byte_array_append (p, b, 2);
}

/* put_rr - owner as a pointer to the question (offset 12) or NAME */
static void
put_rr (GByteArray *p, const char *owner, guint type, const guint8 *rdata, guint rdlen)
{
  if (owner == NULL)
    put16 (p, 0xc00c);
  else
    put_name (p, owner);
  put16 (p, type);
  put16 (p, 1);
  put16 (p, 0);
  put16 (p, 300);
  put16 (p, rdlen);
  g_byte_array_append (p, rdata, rdlen);
}

static GByteArray *
response (guint rcode, guint flags, const char *qname, guint qtype, guint ancount)
{
  GByteArray *p = g_byte_array_new ();

  put16 (p, 0x1234);
  put16 (p, 0x8180 | flags | rcode);
  put16 (p, 1);
  put16 (p, ancount);
  put16 (p, 0);
  put16 (p, 0);
  put_name (p, qname);
  put16 (p, qtype);
  put16 (p, 1);
  return p;
}

static void
test_wire_cname_chain (void)
{
  g_autoptr (GByteArray) p = response (0, 0, "www.example", 1, 5);
  g_autoptr (GByteArray) target = g_byte_array_new ();
  DkimmodDnsResponse r;
  const guint8 a1[] = { 192, 0, 2, 7 }, a_bad[] = { 1, 2, 3 }, a_other[] = { 10, 0, 0, 1 };

  put_name (target, "host.example");
  put_rr (p, NULL, 5, target->data, target->len);            /* www -> host */
  put_rr (p, "other.example", 1, a_other, 4);                 /* not on the chain */
  put_rr (p, "HOST.example", 1, a1, 4);
  put_rr (p, "host.example", 1, a_bad, 3);                    /* wrong size: skipped */
  put_rr (p, "host.example", 28, a1, 4);                      /* other type */
  g_assert_true (dkimmod_dns_wire_parse (p->data, p->len, &r));
  g_assert_cmpuint (r.id, ==, 0x1234);
  g_assert_cmpstr (r.qname, ==, "www.example");
  g_assert_cmpint (r.status, ==, DKIMMOD_DNS_OK);
  g_assert_cmpuint (r.records->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (r.records, 0), ==, "192.0.2.7");
  dkimmod_dns_response_clear (&r);
}

static void
test_wire_types (void)
{
  DkimmodDnsResponse r;
  g_autoptr (GByteArray) mx = response (0, 0x20 /* AD */, "example.org", 15, 1);
  g_autoptr (GByteArray) txt = response (0, 0, "example.org", 16, 1);
  g_autoptr (GByteArray) ptr = response (0, 0, "1.2.0.192.in-addr.arpa", 12, 1);
  /* MX 10, exchange "mail" + pointer to example.org in the question */
  const guint8 mx_rd[] = { 0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12 };
  const guint8 txt_rd[] = { 3, 'a', 'b', 'c', 0, 2, 'd', 'e' };
  const guint8 ptr_rd[] = { 0 };  /* the root */

  put_rr (mx, NULL, 15, mx_rd, sizeof mx_rd);
  g_assert_true (dkimmod_dns_wire_parse (mx->data, mx->len, &r));
  g_assert_true (r.ad);
  g_assert_cmpstr (g_ptr_array_index (r.records, 0), ==, "10 mail.example.org");
  dkimmod_dns_response_clear (&r);
  put_rr (txt, NULL, 16, txt_rd, sizeof txt_rd);
  g_assert_true (dkimmod_dns_wire_parse (txt->data, txt->len, &r));
  g_assert_cmpstr (g_ptr_array_index (r.records, 0), ==, "abcde");
  dkimmod_dns_response_clear (&r);
  put_rr (ptr, NULL, 12, ptr_rd, sizeof ptr_rd);
  g_assert_true (dkimmod_dns_wire_parse (ptr->data, ptr->len, &r));
  g_assert_cmpstr (g_ptr_array_index (r.records, 0), ==, ".");
  dkimmod_dns_response_clear (&r);
}

static void
test_wire_rcodes_and_garbage (void)
{
  DkimmodDnsResponse r;
  g_autoptr (GByteArray) nx = response (3, 0, "x.example", 1, 0);
  g_autoptr (GByteArray) sf = response (2, 0, "x.example", 1, 0);
  g_autoptr (GByteArray) refused = response (5, 0x200 /* TC */, "x.example", 1, 0);
  g_autoptr (GByteArray) lying = response (0, 0, "x.example", 1, 3);
  guint8 query[DKIMMOD_DNS_QUERY_MAX];

  g_assert_true (dkimmod_dns_wire_parse (nx->data, nx->len, &r));
  g_assert_cmpint (r.status, ==, DKIMMOD_DNS_NXDOMAIN);
  dkimmod_dns_response_clear (&r);
  g_assert_true (dkimmod_dns_wire_parse (sf->data, sf->len, &r));
  g_assert_cmpint (r.status, ==, DKIMMOD_DNS_SERVFAIL);
  dkimmod_dns_response_clear (&r);
  g_assert_true (dkimmod_dns_wire_parse (refused->data, refused->len, &r));
  g_assert_cmpint (r.status, ==, DKIMMOD_DNS_SERVFAIL);
  g_assert_true (r.truncated);
  dkimmod_dns_response_clear (&r);
  /* ANCOUNT says 3, none present: the packet does not parse */
  g_assert_false (dkimmod_dns_wire_parse (lying->data, lying->len, &r));
  dkimmod_dns_response_clear (&r);
  g_assert_false (dkimmod_dns_wire_parse (nx->data, 11, &r));
  dkimmod_dns_response_clear (&r);
  /* a query is no response */
  gsize qlen = dkimmod_dns_wire_query (query, 7, "x.example", DKIMMOD_DNS_MX);
  g_assert_cmpuint (qlen, >, 12);
  g_assert_false (dkimmod_dns_wire_parse (query, qlen, &r));
  dkimmod_dns_response_clear (&r);
  /* names DNS cannot carry */
  g_assert_cmpuint (dkimmod_dns_wire_query (query, 7, "a..b", DKIMMOD_DNS_A), ==, 0);
  g_assert_cmpuint (dkimmod_dns_wire_query (query, 7, "", DKIMMOD_DNS_A), ==, 0);
  g_autofree char *long_label = g_strnfill (64, 'a');
  g_assert_cmpuint (dkimmod_dns_wire_query (query, 7, long_label, DKIMMOD_DNS_A), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dnsquery/set-dedup-answer", test_set_dedup);
  g_test_add_func ("/dnsquery/set-limit", test_set_limit);
  g_test_add_func ("/dnsfile/forms", test_file_forms);
  g_test_add_func ("/dnsfile/answers-a-set", test_file_answers_set);
  g_test_add_func ("/dnsfile/errors", test_file_errors);
  g_test_add_func ("/dnswire/cname-chain", test_wire_cname_chain);
  g_test_add_func ("/dnswire/types", test_wire_types);
  g_test_add_func ("/dnswire/rcodes-garbage", test_wire_rcodes_and_garbage);
  return g_test_run ();
}
