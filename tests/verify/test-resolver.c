/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-resolver - the default resolver against a real DNS server
 * DESCRIPTION
 *	Starts dnsmasq (Debian's dnsmasq-base) on a free loopback port with
 *	key records: the RFC 8463 keys, a record dnsmasq splits into several
 *	strings, one that needs EDNS0 (about 800 bytes), a name whose answer
 *	only TCP can carry (about 2.8 KB), explicit strings, two records for
 *	one name. Checks the texts arrive intact, NXDOMAIN and REFUSED map to
 *	permerror and temperror, the RFC 8463 message verifies through DNS,
 *	and a stopped server gives a timeout within the deadline. Failover
 *	(resolv.conf(5): up to three nameservers, options timeout: and
 *	attempts:): a first nameserver where nothing listens or that never
 *	answers is passed over for the second within the deadline; none
 *	answering is a timeout at the deadline.
 *	Needs root (dnsmasq changes user) and dnsmasq: skipped otherwise.
 */
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "dnsquery.h"
#include "resolver.h"

#define DNSMASQ "/usr/sbin/dnsmasq"

static GPid dns_pid;
static char *dns_dir;
static char nameserver[64];
static char *big_record, *huge_record;

static const char rfc8463_ed[] =
  "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
static const char rfc8463_rsa[] =
  "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
  "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/b"
  "yYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKr"
  "M3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K"
  "4w3QIDAQAB";

static guint
free_port (void)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (0x7f000001) };
  socklen_t len = sizeof sin;
  int fd = socket (AF_INET, SOCK_DGRAM, 0);

  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sin, &len), ==, 0);
  close (fd);
  return ntohs (sin.sin_port);
}

static char *
random_record (gsize raw_bytes)
{
  g_autofree guchar *raw = g_malloc (raw_bytes);

  for (gsize i = 0; i < raw_bytes; i++)
    raw[i] = g_random_int () & 0xff;
  g_autofree char *b64 = g_base64_encode (raw, raw_bytes);
  return g_strconcat ("v=DKIM1; k=rsa; p=", b64, NULL);
}

static void
start_dnsmasq (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) conf = g_string_new (NULL);
  guint port = free_port ();
  g_autofree char *conf_path = NULL;

  dns_dir = g_dir_make_tmp ("dnsmasq-XXXXXX", &error);
  g_assert_no_error (error);
  g_snprintf (nameserver, sizeof nameserver, "127.0.0.1:%u", port);
  big_record = random_record (560);     /* ~770 bytes: EDNS0 over UDP */
  /* three ~900-byte records under one name: ~2.8 KB, over EDNS0's 1232
   * (dnsmasq's config lines are too short for one such record) */
  huge_record = random_record (640);
  g_string_append_printf (conf,
                          "no-resolv\nno-hosts\nno-poll\nbind-interfaces\n"
                          "listen-address=127.0.0.1\nport=%u\n"
                          "local=/example.net/\nlocal=/football.example.com/\n"
                          "txt-record=brisbane._domainkey.football.example.com,\"%s\"\n"
                          "txt-record=test._domainkey.football.example.com,\"%s\"\n"
                          "txt-record=big._domainkey.example.net,\"%s\"\n"
                          "txt-record=huge._domainkey.example.net,\"1%s\"\n"
                          "txt-record=huge._domainkey.example.net,\"2%s\"\n"
                          "txt-record=huge._domainkey.example.net,\"3%s\"\n"
                          "txt-record=split._domainkey.example.net,\"v=DKIM1; k=rsa; \","
                          "\"p=ABCD\",\"EFGH\"\n"
                          "txt-record=two._domainkey.example.net,\"v=DKIM1; p=AAAA\"\n"
                          "txt-record=two._domainkey.example.net,\"v=DKIM1; p=BBBB\"\n"
                          /* the other types of a question set (SPF) */
                          "host-record=mail.example.net,192.0.2.10,2001:db8::10\n"
                          "mx-host=example.net,mail.example.net,10\n"
                          "mx-host=example.net,mx2.example.net,20\n"
                          "ptr-record=20.2.0.192.in-addr.arpa,host.example.net\n"
                          "cname=alias.example.net,mail.example.net\n"
                          "cname=alias2.example.net,alias.example.net\n"
                          "txt-record=example.net,\"v=spf1 mx \",\"-all\"\n",
                          port, rfc8463_ed, rfc8463_rsa, big_record, huge_record, huge_record,
                          huge_record);
  conf_path = g_build_filename (dns_dir, "dnsmasq.conf", NULL);
  g_assert_true (g_file_set_contents (conf_path, conf->str, conf->len, NULL));
  g_autofree char *conf_arg = g_strconcat ("--conf-file=", conf_path, NULL);
  const char *argv[] = { DNSMASQ, "-k", conf_arg, "--pid-file=", "--log-facility=-", NULL };
  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                NULL, NULL, &dns_pid, &error));
  g_assert_no_error (error);

  /* wait until it answers (at most 5 s; the resolver returns at once
   * while nothing listens there yet) */
  g_autoptr (DkimmodResolver) r = dkimmod_resolver_new (nameserver, 200, NULL);
  for (int i = 0; i < 25; i++)
    {
      DkimmodDnsStatus st;
      char **recs = NULL;

      if (i > 0)
        g_usleep (200 * 1000);
      dkimmod_resolver_query_txt (r, "two._domainkey.example.net", &st, &recs, NULL, NULL);
      g_strfreev (recs);
      if (st == DKIMMOD_DNS_OK)
        return;
    }
  g_error ("dnsmasq did not answer on %s", nameserver);
}

static void
stop_dnsmasq (void)
{
  if (dns_pid > 0)
    {
      kill (dns_pid, SIGTERM);
      waitpid (dns_pid, NULL, 0);
      g_spawn_close_pid (dns_pid);
      dns_pid = 0;
    }
}

static char **
query (const char *name, DkimmodDnsStatus *status, unsigned timeout_ms)
{
  g_autoptr (DkimmodResolver) r = dkimmod_resolver_new (nameserver, timeout_ms, NULL);
  char **recs = NULL;

  g_assert_nonnull (r);
  g_assert_cmpint (dkimmod_resolver_query_txt (r, name, status, &recs, NULL, NULL), ==, 0);
  return recs;
}

static void
test_records (void)
{
  const struct {
    const char *name;
    const char *want;
  } *c, cases[] = {
    { "brisbane._domainkey.football.example.com", rfc8463_ed },
    { "TEST._domainkey.football.example.com.", rfc8463_rsa },
    { "split._domainkey.example.net", "v=DKIM1; k=rsa; p=ABCDEFGH" },
  };

  for (c = cases; c < cases + G_N_ELEMENTS (cases); c++)
    {
      DkimmodDnsStatus st;
      g_auto (GStrv) recs = query (c->name, &st, 2000);

      g_assert_cmpint (st, ==, DKIMMOD_DNS_OK);
      g_assert_cmpuint (g_strv_length (recs), ==, 1);
      g_assert_cmpstr (recs[0], ==, c->want);
    }
}

static void
test_two_records (void)
{
  DkimmodDnsStatus st;
  g_auto (GStrv) recs = query ("two._domainkey.example.net", &st, 2000);

  g_assert_cmpint (st, ==, DKIMMOD_DNS_OK);
  g_assert_cmpuint (g_strv_length (recs), ==, 2);
  g_assert_true (g_strv_contains ((const char *const *) recs, "v=DKIM1; p=AAAA"));
  g_assert_true (g_strv_contains ((const char *const *) recs, "v=DKIM1; p=BBBB"));
}

static void
test_long_records (void)
{
  DkimmodDnsStatus st;
  g_auto (GStrv) big = query ("big._domainkey.example.net", &st, 2000);

  g_assert_cmpint (st, ==, DKIMMOD_DNS_OK);
  g_assert_cmpstr (big[0], ==, big_record);
  g_auto (GStrv) huge = query ("huge._domainkey.example.net", &st, 2000);
  g_assert_cmpint (st, ==, DKIMMOD_DNS_OK);
  g_assert_cmpuint (g_strv_length (huge), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpstr (huge[i] + 1, ==, huge_record);
      g_assert_true (huge[i][0] >= '1' && huge[i][0] <= '3');
    }
}

static void
test_errors (void)
{
  DkimmodDnsStatus st;
  g_auto (GStrv) a = query ("nosuch._domainkey.example.net", &st, 2000);

  g_assert_cmpint (st, ==, DKIMMOD_DNS_NXDOMAIN);
  g_assert_cmpuint (g_strv_length (a), ==, 0);
  /* outside the local zones dnsmasq has no upstream: REFUSED, temporary */
  g_auto (GStrv) b = query ("sel._domainkey.elsewhere.example", &st, 2000);
  g_assert_cmpint (st, ==, DKIMMOD_DNS_SERVFAIL);
  g_assert_cmpuint (g_strv_length (b), ==, 0);
  /* a name DNS cannot carry is no key, without a query */
  g_auto (GStrv) c = query ("a..b._domainkey.example.net", &st, 2000);
  g_assert_cmpint (st, ==, DKIMMOD_DNS_NXDOMAIN);
  g_assert_cmpuint (g_strv_length (c), ==, 0);
}

static void
test_bad_nameserver (void)
{
  DkimmodError err;

  g_assert_null (dkimmod_resolver_new ("not-an-address", 0, &err));
  g_assert_cmpint (err.code, ==, DKIMMOD_E_CONFIG);
  g_autoptr (DkimmodResolver) r6 = dkimmod_resolver_new ("[::1]:5353", 0, &err);
  g_assert_nonnull (r6);
  g_autoptr (DkimmodResolver) r4 = dkimmod_resolver_new ("127.0.0.1", 0, &err);
  g_assert_nonnull (r4);
}

/* RFC 8463 Appendix A.3, verified with keys fetched from DNS */
static const char rfc8463_message[] =
  "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
  " d=football.example.com; i=@football.example.com;\r\n"
  " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
  " subject : date : message-id : from : subject : date;\r\n"
  " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
  " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
  " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n",
  rfc8463_message2[] =
  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
  " d=football.example.com; i=@football.example.com;\r\n"
  " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
  " date : message-id : from : subject : date;\r\n"
  " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
  " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
  " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
  " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n";
static const char *const rfc8463_rest[] = {
  "From: Joe SixPack <joe@football.example.com>\r\n",
  "To: Suzie Q <suzie@shopping.example.net>\r\n",
  "Subject: Is dinner ready?\r\n",
  "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n",
  "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n",
};
static const char rfc8463_body[] = "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";

/* verify_rfc8463_with - the RFC 8463 message verified through R; the
 * time the key lookups took in *ELAPSED_MS */
static DkimmodVerifier *
verify_rfc8463_with (DkimmodResolver *r, gint64 *elapsed_ms)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  DkimmodVerifier *v = dkimmod_verifier_new (ctx, NULL);
  DkimmodError err;
  gint64 start;

  dkimmod_verifier_add_header (v, rfc8463_message, strlen (rfc8463_message), &err);
  dkimmod_verifier_add_header (v, rfc8463_message2, strlen (rfc8463_message2), &err);
  for (gsize i = 0; i < G_N_ELEMENTS (rfc8463_rest); i++)
    dkimmod_verifier_add_header (v, rfc8463_rest[i], strlen (rfc8463_rest[i]), &err);
  g_assert_cmpint (dkimmod_verifier_end_headers (v, &err), ==, 0);
  start = g_get_monotonic_time ();
  g_assert_cmpint (dkimmod_verifier_lookup_keys (v, r, &err), ==, 0);
  *elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (dkimmod_verifier_add_body (v, rfc8463_body, strlen (rfc8463_body), &err), ==,
                   0);
  g_assert_cmpint (dkimmod_verifier_finish (v, &err), ==, 0);
  return v;
}

static DkimmodVerifier *
verify_rfc8463 (unsigned timeout_ms, gint64 *elapsed_ms)
{
  g_autoptr (DkimmodResolver) r = dkimmod_resolver_new (nameserver, timeout_ms, NULL);

  g_assert_nonnull (r);
  return verify_rfc8463_with (r, elapsed_ms);
}

/* silent_port - a bound UDP socket that never answers; *FD to close */
static guint
silent_port (int *fd)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (0x7f000001) };
  socklen_t len = sizeof sin;

  *fd = socket (AF_INET, SOCK_DGRAM, 0);
  g_assert_cmpint (bind (*fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (getsockname (*fd, (struct sockaddr *) &sin, &len), ==, 0);
  return ntohs (sin.sin_port);
}

static void
assert_results (DkimmodVerifier *v, DkimmodResult want)
{
  g_assert_cmpuint (dkimmod_verifier_result_count (v), ==, 2);
  for (size_t i = 0; i < 2; i++)
    g_assert_cmpint (dkimmod_verifier_result (v, i)->result, ==, want);
}

static void
test_failover_refused (void)
{
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u %s", free_port (), nameserver);
  g_autoptr (DkimmodResolver) r = dkimmod_resolver_new (spec, 2000, NULL);
  gint64 ms;

  g_assert_nonnull (r);
  g_autoptr (DkimmodVerifier) v = verify_rfc8463_with (r, &ms);
  assert_results (v, DKIMMOD_RESULT_PASS);
  g_assert_cmpint (ms, <, 500);   /* port unreachable: on to the next at once */
}

static void
test_failover_silent (void)
{
  int fd;
  guint silent = silent_port (&fd);
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u,%s", silent, nameserver);
  g_autoptr (DkimmodResolver) r = dkimmod_resolver_new (spec, 2000, NULL);
  gint64 ms;

  g_assert_nonnull (r);
  g_autoptr (DkimmodVerifier) v = verify_rfc8463_with (r, &ms);
  assert_results (v, DKIMMOD_RESULT_PASS);
  /* four tries (2 nameservers, 2 attempts) share 2 s: 500 ms for the first */
  g_assert_cmpint (ms, >=, 400);
  g_assert_cmpint (ms, <, 1000);
  close (fd);
}

static void
test_failover_resolv_conf (void)
{
  int fd;
  guint silent = silent_port (&fd);
  g_autofree char *path = g_build_filename (dns_dir, "resolv.conf", NULL);
  g_autofree char *text = g_strdup_printf ("# first never answers\n"
                                           "nameserver 127.0.0.1:%u\n"
                                           "nameserver \t %s\n"
                                           "options ndots:1 timeout:1 attempts:1\n",
                                           silent, nameserver);
  gint64 ms;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (DkimmodResolver) r = dkimmod_resolver_new_from_conf (path, 8000);
  g_autoptr (DkimmodVerifier) v = verify_rfc8463_with (r, &ms);
  assert_results (v, DKIMMOD_RESULT_PASS);
  /* timeout:1 bounds the first try to 1 s (without it: 8 s / 4 tries) */
  g_assert_cmpint (ms, >=, 900);
  g_assert_cmpint (ms, <, 1600);
  g_unlink (path);
  close (fd);
}

static void
test_failover_none_answers (void)
{
  int fd1, fd2;
  guint p1 = silent_port (&fd1), p2 = silent_port (&fd2);
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u 127.0.0.1:%u 127.0.0.1:%u", p1,
                                           free_port (), p2);
  g_autoptr (DkimmodResolver) r = dkimmod_resolver_new (spec, 700, NULL);
  gint64 ms;

  g_assert_nonnull (r);
  g_autoptr (DkimmodVerifier) v = verify_rfc8463_with (r, &ms);
  assert_results (v, DKIMMOD_RESULT_TEMPERROR);
  g_assert_cmpint (ms, >=, 650);
  g_assert_cmpint (ms, <, 1500);
  close (fd1);
  close (fd2);
}

/* --- question sets ---------------------------------------------------------- */

/* assert_answer - Q's answer to NAME/TYPE has STATUS and exactly the
 * records WANT (NULL-terminated, any order) */
static void
assert_answer (DkimmodDnsQueries *q, const char *name, DkimmodDnsType type,
               DkimmodDnsStatus status, const char *const *want)
{
  const DkimmodDnsAnswer *a = dkimmod_dns_queries_find (q, name, type);
  guint n = want != NULL ? g_strv_length ((char **) want) : 0;

  g_assert_nonnull (a);
  g_assert_cmpint (a->status, ==, status);
  g_assert_cmpuint (a->n, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (g_strv_contains ((const char *const *) a->records, want[i]));
      g_assert_cmpuint (a->lens[i], ==, strlen (a->records[i]));
    }
}

static void
test_set_types (void)
{
  g_autoptr (DkimmodResolver) r = dkimmod_resolver_new (nameserver, 2000, NULL);
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();
  DkimmodError err;
  const char *const a[] = { "192.0.2.10", NULL }, *const aaaa[] = { "2001:db8::10", NULL },
                    *const mx[] = { "10 mail.example.net", "20 mx2.example.net", NULL },
                    *const ptr[] = { "host.example.net", NULL },
                    *const ptr2[] = { "mail.example.net", NULL },
                    *const txt[] = { "v=spf1 mx -all", NULL };
  gint64 start;

  dkimmod_dns_queries_ask (q, "mail.example.net", DKIMMOD_DNS_A);
  dkimmod_dns_queries_ask (q, "Mail.Example.NET.", DKIMMOD_DNS_AAAA);
  dkimmod_dns_queries_ask (q, "example.net", DKIMMOD_DNS_MX);
  dkimmod_dns_queries_ask (q, "20.2.0.192.in-addr.arpa", DKIMMOD_DNS_PTR);
  dkimmod_dns_queries_ask (q, "10.2.0.192.in-addr.arpa", DKIMMOD_DNS_PTR);
  dkimmod_dns_queries_ask (q, "example.net", DKIMMOD_DNS_TXT);
  dkimmod_dns_queries_ask (q, "alias2.example.net", DKIMMOD_DNS_A);
  dkimmod_dns_queries_ask (q, "nosuch.example.net", DKIMMOD_DNS_A);
  dkimmod_dns_queries_ask (q, "example.net", DKIMMOD_DNS_AAAA);
  dkimmod_dns_queries_ask (q, "mail.example.net", DKIMMOD_DNS_A);  /* asked once */
  g_assert_cmpuint (dkimmod_dns_queries_count (q), ==, 9);
  g_assert_cmpuint (dkimmod_dns_queries_open_count (q), ==, 9);
  start = g_get_monotonic_time ();
  g_assert_cmpint (dkimmod_resolver_resolve (r, q, &err), ==, 0);
  /* one concurrent round on loopback */
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 500);
  g_assert_cmpuint (dkimmod_dns_queries_open_count (q), ==, 0);
  assert_answer (q, "mail.example.net", DKIMMOD_DNS_A, DKIMMOD_DNS_OK, a);
  assert_answer (q, "mail.example.net", DKIMMOD_DNS_AAAA, DKIMMOD_DNS_OK, aaaa);
  assert_answer (q, "example.net", DKIMMOD_DNS_MX, DKIMMOD_DNS_OK, mx);
  assert_answer (q, "20.2.0.192.in-addr.arpa", DKIMMOD_DNS_PTR, DKIMMOD_DNS_OK, ptr);
  assert_answer (q, "10.2.0.192.in-addr.arpa", DKIMMOD_DNS_PTR, DKIMMOD_DNS_OK, ptr2);
  assert_answer (q, "example.net", DKIMMOD_DNS_TXT, DKIMMOD_DNS_OK, txt);
  /* alias2 -> alias -> mail: the chain in the answer is followed */
  assert_answer (q, "alias2.example.net", DKIMMOD_DNS_A, DKIMMOD_DNS_OK, a);
  assert_answer (q, "nosuch.example.net", DKIMMOD_DNS_A, DKIMMOD_DNS_NXDOMAIN, NULL);
  assert_answer (q, "example.net", DKIMMOD_DNS_AAAA, DKIMMOD_DNS_OK, NULL);  /* NODATA */
  /* a later round asks only what is new */
  dkimmod_dns_queries_ask (q, "mx2.example.net", DKIMMOD_DNS_A);
  g_assert_cmpuint (dkimmod_dns_queries_open_count (q), ==, 1);
  g_assert_cmpint (dkimmod_resolver_resolve (r, q, &err), ==, 0);
  assert_answer (q, "mx2.example.net", DKIMMOD_DNS_A, DKIMMOD_DNS_NXDOMAIN, NULL);
}

static void
test_set_deadline_shared (void)
{
  int fd;
  guint silent = silent_port (&fd);
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u", silent);
  g_autoptr (DkimmodResolver) r = dkimmod_resolver_new (spec, 400, NULL);
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();
  DkimmodError err;
  gint64 start, ms;

  g_assert_nonnull (r);
  dkimmod_dns_queries_ask (q, "mail.example.net", DKIMMOD_DNS_A);
  dkimmod_dns_queries_ask (q, "example.net", DKIMMOD_DNS_TXT);
  start = g_get_monotonic_time ();
  g_assert_cmpint (dkimmod_resolver_resolve (r, q, &err), ==, 0);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (ms, >=, 350);
  g_assert_cmpint (ms, <, 1000);
  assert_answer (q, "mail.example.net", DKIMMOD_DNS_A, DKIMMOD_DNS_TIMEOUT, NULL);
  assert_answer (q, "example.net", DKIMMOD_DNS_TXT, DKIMMOD_DNS_TIMEOUT, NULL);
  /* the message's deadline has passed: a second round times out at once */
  dkimmod_dns_queries_ask (q, "example.net", DKIMMOD_DNS_MX);
  start = g_get_monotonic_time ();
  g_assert_cmpint (dkimmod_resolver_resolve (r, q, &err), ==, 0);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 100);
  assert_answer (q, "example.net", DKIMMOD_DNS_MX, DKIMMOD_DNS_TIMEOUT, NULL);
  close (fd);
}

static void
test_verify_via_dns (void)
{
  gint64 ms;
  g_autoptr (DkimmodVerifier) v = verify_rfc8463 (2000, &ms);

  g_assert_cmpuint (dkimmod_verifier_result_count (v), ==, 2);
  for (size_t i = 0; i < 2; i++)
    g_assert_cmpint (dkimmod_verifier_result (v, i)->result, ==, DKIMMOD_RESULT_PASS);
}

static void
test_server_down (void)
{
  gint64 ms;

  stop_dnsmasq ();
  g_autoptr (DkimmodVerifier) v = verify_rfc8463 (700, &ms);
  for (size_t i = 0; i < 2; i++)
    {
      g_assert_cmpint (dkimmod_verifier_result (v, i)->result, ==, DKIMMOD_RESULT_TEMPERROR);
      g_assert_cmpstr (dkimmod_verifier_result (v, i)->reason, ==, "DNS timeout");
    }
  /* nothing listens: port unreachable ends the wait before the deadline */
  g_assert_cmpint (ms, <, 1500);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  if (geteuid () != 0 || !g_file_test (DNSMASQ, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_print ("1..0 # SKIP needs root and %s\n", DNSMASQ);
      return 0;
    }
  start_dnsmasq ();
  g_test_add_func ("/resolver/records", test_records);
  g_test_add_func ("/resolver/two-records", test_two_records);
  g_test_add_func ("/resolver/long-records-edns-tcp", test_long_records);
  g_test_add_func ("/resolver/errors", test_errors);
  g_test_add_func ("/resolver/bad-nameserver", test_bad_nameserver);
  g_test_add_func ("/resolver/verify-rfc8463-via-dns", test_verify_via_dns);
  g_test_add_func ("/resolver/failover-first-refused", test_failover_refused);
  g_test_add_func ("/resolver/failover-first-silent", test_failover_silent);
  g_test_add_func ("/resolver/failover-resolv-conf-options", test_failover_resolv_conf);
  g_test_add_func ("/resolver/failover-none-answers", test_failover_none_answers);
  g_test_add_func ("/resolver/set-all-types-one-round", test_set_types);
  g_test_add_func ("/resolver/set-deadline-shared-by-rounds", test_set_deadline_shared);
  g_test_add_func ("/resolver/server-down-timeout", test_server_down);
  rc = g_test_run ();
  stop_dnsmasq ();
  g_autofree char *conf = g_build_filename (dns_dir, "dnsmasq.conf", NULL);
  g_unlink (conf);
  g_rmdir (dns_dir);
  return rc;
}
