/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	resolver.c - default DNS resolver: answers a message's question set
 * SYNOPSIS
 *	dkimmod_resolver_new, dkimmod_resolver_free, dkimmod_resolver_resolve,
 *	dkimmod_resolver_query_txt, dkimmod_verifier_lookup_keys
 * DESCRIPTION
 *	A stub resolver talking to up to three (MAXNS) recursive nameservers,
 *	given by the host or read from resolv.conf with its options
 *	timeout:N, attempts:N and rotate (resolv.conf(5)). All open
 *	questions of a message's set (dnsquery.c: A, AAAA, MX, PTR, TXT)
 *	leave at once on one connected UDP socket per
 *	nameserver (so the kernel drops datagrams from anyone but that
 *	nameserver), each with a random ID, RD, AD (RFC 6840 5.7: ask for
 *	the AD bit) and an EDNS0 OPT record offering 1232 bytes. As
 *	res_send does, the open queries go to each nameserver in turn, for
 *	attempts rounds; each try waits at most timeout seconds and never
 *	more than its share of what is left of the deadline, so the last
 *	nameserver still gets its turn; port unreachable skips a nameserver
 *	at once. A late answer from an earlier nameserver is still taken. A
 *	truncated answer is retried over TCP to the nameserver that sent it.
 *	Everything shares one deadline, the message's: the first round on a
 *	question set starts it, later rounds (SPF's includes, DMARC's
 *	fallback) get what is left; what is not answered by then is a
 *	timeout (temperror).
 *	Answers are matched by ID and question (name and type); the packet
 *	layer (dnswire.c) builds queries and parses responses, following
 *	CNAMEs in the answer. The verifier's key lookups and the one-name
 *	TXT query are question sets too: one code path. The AD bit is
 *	believed only from a loopback nameserver, as Postfix does
 *	(smtp_dns_support_level=dnssec).
 * STANDARDS
 *	RFC 1035 (messages, TCP length prefix), RFC 6891 (EDNS0), RFC 7766
 *	(TCP fallback), RFC 6840 section 5.7 (AD in queries), RFC 6376 section
 *	3.6.2.2 (TXT strings), RFC 8301-era practice: 2048+-bit keys need
 *	more than 512 bytes.
 * SECURITY
 *	Wire input from the nameserver. Packets are bounded (64 KiB), parsed
 *	with length checks, matched on ID, source (connected socket) and
 *	question. Query names are checked (labels 1..63 bytes, 255 total).
 *	Queries per call are those of one message (bounded by the question
 *	set's limit); the whole call is bounded by the deadline.
 * NEVER
 *	Block past the deadline, or trust AD from a remote nameserver.
 */
#include "dkimmod-build-config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnsquery.h"
#include "dnswire.h"
#include "error-private.h"
#include "resolver.h"

#define DEFAULT_TIMEOUT_MS 5000u
#define MAX_PACKET 65535

typedef struct {
  struct sockaddr_storage addr;
  socklen_t addr_len;
  gboolean trust_ad;
} Nameserver;

struct DkimmodResolver {
  Nameserver ns[MAXNS];      /* resolv.conf(5): at most MAXNS (3) are used */
  guint n_ns;
  unsigned timeout_ms;       /* the whole call's deadline */
  unsigned try_ms;           /* options timeout:N, per nameserver try */
  unsigned attempts;         /* options attempts:N, rounds over the list */
  gboolean rotate;           /* options rotate */
  guint next_ns;             /* where the next call starts when rotating */
};

typedef struct {
  const char *name;
  DkimmodDnsType type;
  guint16 id;
  guchar query[DKIMMOD_DNS_QUERY_MAX];
  gsize query_len;
  gboolean done;
  gboolean truncated;
  DkimmodDnsStatus status;
  DkimmodDnsResponse response; /* records, once answered */
  unsigned flags;
  guint ns;                  /* the nameserver that answered (for TCP) */
} Lookup;

/* --- nameserver address ---------------------------------------------------- */

/* split_host_port - "a.b.c.d[:p]", "[v6]:p", "v6" */
static gboolean
split_host_port (const char *spec, char **host, char **port)
{
  const char *colon = strrchr (spec, ':');

  if (spec[0] == '[')
    {
      const char *close = strchr (spec, ']');

      if (close == NULL || (close[1] != '\0' && close[1] != ':'))
        return FALSE;
      *host = g_strndup (spec + 1, close - spec - 1);
      *port = g_strdup (close[1] == ':' ? close + 2 : "53");
    }
  else if (colon != NULL && strchr (spec, ':') == colon)
    {
      *host = g_strndup (spec, colon - spec);
      *port = g_strdup (colon + 1);
    }
  else
    {
      *host = g_strdup (spec);
      *port = g_strdup ("53");
    }
  return TRUE;
}

/* is_loopback - 127.0.0.0/8 or ::1 */
static gboolean
is_loopback (const struct sockaddr_storage *ss)
{
  if (ss->ss_family == AF_INET)
    return (ntohl (((const struct sockaddr_in *) ss)->sin_addr.s_addr) >> 24) == 127;
  if (ss->ss_family == AF_INET6)
    return IN6_IS_ADDR_LOOPBACK (&((const struct sockaddr_in6 *) ss)->sin6_addr);
  return FALSE;
}

/* parse_nameserver - SPEC appended to R's nameservers (beyond MAXNS: ignored) */
static gboolean
parse_nameserver (DkimmodResolver *r, const char *spec, GError **error)
{
  Nameserver *ns = &r->ns[MIN (r->n_ns, MAXNS - 1)];

  g_autofree char *host = NULL, *port = NULL;
  struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                            .ai_socktype = SOCK_DGRAM };
  struct addrinfo *res = NULL;

  if (!split_host_port (spec, &host, &port) || getaddrinfo (host, port, &hints, &res) != 0)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_CONFIG,
                   "nameserver \"%s\" is not ADDR, ADDR:PORT or [ADDR]:PORT", spec);
      return FALSE;
    }
  if (r->n_ns < MAXNS)
    {
      memcpy (&ns->addr, res->ai_addr, res->ai_addrlen);
      ns->addr_len = res->ai_addrlen;
      ns->trust_ad = is_loopback (&ns->addr);
      r->n_ns++;
    }
  freeaddrinfo (res);
  return TRUE;
}

/* parse_option - one word of an "options" line (resolv.conf(5)); others
 * (ndots:, edns0, ...) do not apply to key lookups and are ignored */
static void
parse_option (DkimmodResolver *r, const char *word)
{
  guint64 v;

  if (g_str_has_prefix (word, "timeout:")
      && g_ascii_string_to_unsigned (word + 8, 10, 1, G_MAXUINT, &v, NULL))
    r->try_ms = (unsigned) MIN (v, RES_MAXRETRANS) * 1000u;
  else if (g_str_has_prefix (word, "attempts:")
           && g_ascii_string_to_unsigned (word + 9, 10, 1, G_MAXUINT, &v, NULL))
    r->attempts = (unsigned) MIN (v, RES_MAXRETRY);
  else if (strcmp (word, "rotate") == 0)
    r->rotate = TRUE;
}

/* read_resolv_conf - nameserver and options lines of PATH into R; a
 * missing file or no usable nameserver leaves R without nameservers */
static void
read_resolv_conf (DkimmodResolver *r, const char *path)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      g_auto (GStrv) split = g_strsplit_set (g_strstrip (*l), " \t", -1);
      g_autofree char **words = g_new0 (char *, g_strv_length (split) + 1);
      guint nw = 0;

      /* runs of blanks separate words: drop the empty strings between */
      for (char **w = split; *w != NULL; w++)
        if (**w != '\0')
          words[nw++] = *w;
      if (nw < 2)
        continue;
      if (strcmp (words[0], "nameserver") == 0)
        (void) parse_nameserver (r, words[1], NULL);
      else if (strcmp (words[0], "options") == 0)
        for (char **w = words + 1; *w != NULL; w++)
          parse_option (r, *w);
    }
}

/* resolver_alloc - a resolver with resolv.conf(5)'s defaults */
static DkimmodResolver *
resolver_alloc (unsigned timeout_ms)
{
  DkimmodResolver *r = g_new0 (DkimmodResolver, 1);

  r->timeout_ms = timeout_ms != 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
  r->try_ms = RES_TIMEOUT * 1000u;
  r->attempts = RES_DFLRETRY;
  return r;
}

DkimmodResolver *
dkimmod_resolver_new_from_conf (const char *path, unsigned timeout_ms)
{
  DkimmodResolver *r = resolver_alloc (timeout_ms);

  read_resolv_conf (r, path);
  if (r->n_ns == 0)
    (void) parse_nameserver (r, "127.0.0.1", NULL);
  return r;
}

/**
 * dkimmod_resolver_new:
 * @nameserver: (nullable): "ADDR[:PORT]", "[ADDR]:PORT", NULL for resolv.conf
 * @timeout_ms: deadline per message, 0 for 5000
 *
 * Returns: (transfer full) (nullable): a resolver, or NULL with @err set.
 */
DkimmodResolver *
dkimmod_resolver_new (const char *nameserver, unsigned timeout_ms, DkimmodError *err)
{
  DkimmodResolver *r;
  g_auto (GStrv) specs = NULL;
  GError *error = NULL;

  dkimmod_error_clear (err);
  if (nameserver == NULL)
    return dkimmod_resolver_new_from_conf ("/etc/resolv.conf", timeout_ms);
  r = resolver_alloc (timeout_ms);
  specs = g_strsplit_set (nameserver, " \t,", -1);
  for (char **sp = specs; *sp != NULL; sp++)
    if (**sp != '\0' && !parse_nameserver (r, *sp, &error))
      {
        g_free (r);
        dkimmod_error_take (err, error);
        return NULL;
      }
  if (r->n_ns == 0)
    {
      g_free (r);
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_CONFIG, "no nameserver in \"%s\"", nameserver);
      dkimmod_error_take (err, error);
      return NULL;
    }
  return r;
}

void
dkimmod_resolver_free (DkimmodResolver *r)
{
  g_free (r);
}

/* --- responses ------------------------------------------------------------ */

/* handle_response - matches BUF to a pending lookup and records the outcome */
static void
handle_response (const DkimmodResolver *r, guint ns, Lookup *lookups, guint n,
                 const guchar *buf, gsize len, gboolean tcp)
{
  DkimmodDnsResponse resp;
  Lookup *l = NULL;

  if (!dkimmod_dns_wire_parse (buf, len, &resp))
    {
      dkimmod_dns_response_clear (&resp);
      return;
    }
  for (guint i = 0; i < n && l == NULL; i++)
    if (!lookups[i].done && lookups[i].id == resp.id && lookups[i].type == resp.qtype
        && dkimmod_dns_same_name (resp.qname, lookups[i].name))
      l = &lookups[i];
  if (l == NULL)
    {
      dkimmod_dns_response_clear (&resp);
      return;
    }
  l->done = TRUE;
  l->ns = ns;
  l->truncated = resp.truncated && !tcp;
  if (!l->truncated)
    {
      l->status = resp.status;
      if (r->ns[ns].trust_ad && resp.ad)
        l->flags |= DKIMMOD_DNS_FLAG_SECURE;
      dkimmod_dns_response_clear (&l->response);
      l->response = resp;
    }
  else
    dkimmod_dns_response_clear (&resp);
}

/* --- transports ------------------------------------------------------------ */

/* remaining_ms - milliseconds to DEADLINE (monotonic µs), at least 0 */
static int
remaining_ms (gint64 deadline)
{
  gint64 left = deadline - g_get_monotonic_time ();

  return left <= 0 ? 0 : (int) MIN ((left + 999) / 1000, G_MAXINT);
}

/* open_socket - nonblocking socket connected to nameserver NS */
static int
open_socket (const Nameserver *ns, int type)
{
  int fd = socket (ns->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  if (connect (fd, (const struct sockaddr *) &ns->addr, ns->addr_len) != 0
      && errno != EINPROGRESS)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* wait_fd - poll FD for EVENTS until DEADLINE */
static gboolean
wait_fd (int fd, short events, gint64 deadline)
{
  struct pollfd pfd = { .fd = fd, .events = events };
  int rc;

  do
    rc = poll (&pfd, 1, remaining_ms (deadline));
  while (rc < 0 && errno == EINTR);
  return rc > 0 && (pfd.revents & (events | POLLHUP | POLLERR)) != 0;
}

/* io_full - reads or writes exactly LEN bytes before DEADLINE */
static gboolean
io_full (int fd, guchar *buf, gsize len, gboolean writing, gint64 deadline)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n;

      if (!wait_fd (fd, writing ? POLLOUT : POLLIN, deadline))
        return FALSE;
      n = writing ? send (fd, buf + done, len - done, MSG_NOSIGNAL)
                  : recv (fd, buf + done, len - done, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

/* tcp_query - one lookup over TCP (RFC 7766), within DEADLINE */
static void
tcp_query (const DkimmodResolver *r, Lookup *lookups, guint n, Lookup *l, gint64 deadline)
{
  guint ns = l->ns;
  int fd = open_socket (&r->ns[ns], SOCK_STREAM);
  guchar lenbuf[2];
  g_autofree guchar *buf = NULL;
  gsize len;
  int soerr = 0;
  socklen_t sl = sizeof soerr;

  l->done = FALSE;
  if (fd < 0)
    return;
  if (wait_fd (fd, POLLOUT, deadline) && getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0
      && soerr == 0)
    {
      lenbuf[0] = (l->query_len >> 8) & 0xff;
      lenbuf[1] = l->query_len & 0xff;
      if (io_full (fd, lenbuf, 2, TRUE, deadline)
          && io_full (fd, l->query, l->query_len, TRUE, deadline)
          && io_full (fd, lenbuf, 2, FALSE, deadline))
        {
          len = (lenbuf[0] << 8) | lenbuf[1];
          buf = g_malloc (len);
          if (io_full (fd, buf, len, FALSE, deadline))
            handle_response (r, ns, lookups, n, buf, len, TRUE);
        }
    }
  close (fd);
}

/* pending_count - lookups still without an answer */
static guint
pending_count (const Lookup *lookups, guint n)
{
  guint pending = 0;

  for (guint i = 0; i < n; i++)
    pending += !lookups[i].done;
  return pending;
}

/* udp_collect - reads every answer waiting on the nameservers' sockets
 * until UNTIL, all answered, or nameserver CURRENT refused (ICMP port
 * unreachable: nothing listens there, go on to the next at once) */
static void
udp_collect (const DkimmodResolver *r, int *fds, gboolean *refused, guint current,
             Lookup *lookups, guint n, guchar *buf, gint64 until)
{
  while (pending_count (lookups, n) > 0 && !refused[current])
    {
      struct pollfd pfd[MAXNS];
      guint map[MAXNS], np = 0;
      int rc;

      for (guint k = 0; k < r->n_ns; k++)
        if (fds[k] >= 0 && !refused[k])
          {
            pfd[np] = (struct pollfd) { .fd = fds[k], .events = POLLIN };
            map[np++] = k;
          }
      do
        rc = poll (pfd, np, remaining_ms (until));
      while (rc < 0 && errno == EINTR);
      if (rc <= 0)
        return;
      for (guint j = 0; j < np; j++)
        if (pfd[j].revents != 0)
          {
            ssize_t got = recv (pfd[j].fd, buf, MAX_PACKET, 0);

            if (got > 0)
              handle_response (r, map[j], lookups, n, buf, got, FALSE);
            else if (got < 0 && errno == ECONNREFUSED)
              refused[map[j]] = TRUE;
          }
    }
}

/* udp_exchange - resolv.conf(5)'s order: each round (attempts) sends the
 * open queries to each nameserver in turn and waits for it a slice of
 * the deadline (at most options timeout, and the rest of the deadline
 * shared among the tries left, so every nameserver gets its turn before
 * the one deadline); answers that come late from an earlier nameserver
 * are still taken */
static void
udp_exchange (DkimmodResolver *r, Lookup *lookups, guint n, gint64 deadline)
{
  g_autofree guchar *buf = g_malloc (MAX_PACKET);
  int fds[MAXNS] = { -1, -1, -1 };
  gboolean refused[MAXNS] = { FALSE };
  guint tries = r->n_ns * r->attempts, start = 0;

  if (r->rotate)
    start = r->next_ns++ % r->n_ns;
  for (guint t = 0; t < tries && pending_count (lookups, n) > 0; t++)
    {
      guint k = (start + t) % r->n_ns, live = 0;
      gint64 left = deadline - g_get_monotonic_time (), slice;

      for (guint j = 0; j < r->n_ns; j++)
        live += !refused[j];
      if (left <= 0 || live == 0)
        break;
      if (refused[k])
        continue;
      if (fds[k] < 0 && (fds[k] = open_socket (&r->ns[k], SOCK_DGRAM)) < 0)
        {
          refused[k] = TRUE;
          continue;
        }
      /* On loopback the port-unreachable error arrives at once and is
       * reported by the next call on the socket: this loop's send(). */
      for (guint i = 0; i < n && !refused[k]; i++)
        if (!lookups[i].done
            && send (fds[k], lookups[i].query, lookups[i].query_len, MSG_NOSIGNAL) < 0
            && errno == ECONNREFUSED)
          refused[k] = TRUE;
      slice = MIN ((gint64) r->try_ms * 1000, left / (gint64) (tries - t));
      udp_collect (r, fds, refused, k, lookups, n, buf,
                   t + 1 == tries ? deadline : g_get_monotonic_time () + slice);
    }
  for (guint k = 0; k < MAXNS; k++)
    if (fds[k] >= 0)
      close (fds[k]);
}

/* resolve_all - every lookup answered or timed out by DEADLINE */
static void
resolve_all (DkimmodResolver *r, Lookup *lookups, guint n, gint64 deadline)
{
  for (guint i = 0; i < n; i++)
    {
      Lookup *l = &lookups[i];

      l->status = DKIMMOD_DNS_TIMEOUT;
      /* IDs distinct within the round: a reply matches one lookup */
      for (gboolean clash = TRUE; clash;)
        {
          l->id = g_random_int () & 0xffff;
          clash = FALSE;
          for (guint j = 0; j < i; j++)
            clash |= lookups[j].id == l->id;
        }
      l->query_len = dkimmod_dns_wire_query (l->query, l->id, l->name, l->type);
      if (l->query_len == 0)
        {
          /* not a name DNS can carry: there is no such name */
          l->done = TRUE;
          l->status = DKIMMOD_DNS_NXDOMAIN;
        }
    }
  if (g_get_monotonic_time () < deadline)
    udp_exchange (r, lookups, n, deadline);
  for (guint i = 0; i < n; i++)
    if (lookups[i].truncated)
      tcp_query (r, lookups, n, &lookups[i], deadline);
  for (guint i = 0; i < n; i++)
    if (!lookups[i].done)
      lookups[i].status = DKIMMOD_DNS_TIMEOUT;
}

/* --- public ---------------------------------------------------------------- */

/**
 * dkimmod_resolver_resolve:
 *
 * Returns: 0, or -1 with @err set (bad argument).
 */
int
dkimmod_resolver_resolve (DkimmodResolver *r, DkimmodDnsQueries *q, DkimmodError *err)
{
  size_t total;
  g_autofree Lookup *lookups = NULL;
  guint n = 0;
  gint64 deadline;
  int rc = 0;

  dkimmod_error_clear (err);
  g_return_val_if_fail (r != NULL && q != NULL, -1);
  deadline = dkimmod_dns_queries_deadline (q);
  if (deadline == 0)
    {
      deadline = g_get_monotonic_time () + (gint64) r->timeout_ms * 1000;
      dkimmod_dns_queries_set_deadline (q, deadline);
    }
  total = dkimmod_dns_queries_count (q);
  lookups = g_new0 (Lookup, total + 1);
  for (size_t i = 0; i < total; i++)
    if (!dkimmod_dns_queries_answered (q, i))
      {
        lookups[n].name = dkimmod_dns_queries_name (q, i);
        lookups[n++].type = dkimmod_dns_queries_type (q, i);
      }
  if (n == 0)
    return 0;
  resolve_all (r, lookups, n, deadline);
  for (guint i = 0; i < n; i++)
    {
      Lookup *l = &lookups[i];
      DkimmodDnsResponse *resp = &l->response;
      guint nrec = resp->records != NULL ? resp->records->len : 0;

      if (rc == 0)
        rc = dkimmod_dns_queries_answer (q, l->name, l->type, l->status,
                                         nrec > 0 ? (const char *const *) resp->records->pdata
                                                  : NULL,
                                         nrec > 0 ? (const gsize *) resp->lens->data : NULL,
                                         nrec, l->flags, err);
      dkimmod_dns_response_clear (resp);
    }
  return rc;
}

/**
 * dkimmod_verifier_lookup_keys:
 *
 * Returns: 0, or -1 with @err set (call order).
 */
int
dkimmod_verifier_lookup_keys (DkimmodVerifier *v, DkimmodResolver *r, DkimmodError *err)
{
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();

  dkimmod_error_clear (err);
  g_return_val_if_fail (v != NULL && r != NULL, -1);
  dkimmod_dns_queries_ask_dkim_keys (q, v);
  if (dkimmod_resolver_resolve (r, q, err) != 0)
    return -1;
  return dkimmod_dns_queries_answer_dkim_keys (q, v, err);
}

/**
 * dkimmod_resolver_query_txt:
 * @records_out: (out) (transfer full) (nullable): the records
 * @flags_out: (out) (optional): DKIMMOD_DNS_FLAG_SECURE when validated
 *
 * Returns: 0 (the outcome is in @status), or -1 with @err set.
 */
int
dkimmod_resolver_query_txt (DkimmodResolver *r, const char *name, DkimmodDnsStatus *status,
                            char ***records_out, unsigned *flags_out, DkimmodError *err)
{
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();
  const DkimmodDnsAnswer *a;
  char **records;

  dkimmod_error_clear (err);
  g_return_val_if_fail (r != NULL && name != NULL && status != NULL, -1);
  (void) dkimmod_dns_queries_ask (q, name, DKIMMOD_DNS_TXT);
  if (dkimmod_resolver_resolve (r, q, err) != 0)
    return -1;
  a = dkimmod_dns_queries_find (q, name, DKIMMOD_DNS_TXT);
  *status = a->status;
  if (flags_out != NULL)
    *flags_out = a->flags;
  records = g_new0 (char *, a->n + 1);
  for (size_t i = 0; i < a->n; i++)
    records[i] = g_strdup (a->records[i]);
  if (records_out != NULL)
    *records_out = records;
  else
    g_strfreev (records);
  return 0;
}
