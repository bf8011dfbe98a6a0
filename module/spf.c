/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	spf.c - SPF check_host(), step-driven over a DNS question set
 * SYNOPSIS
 *	dkimmod_spf_new, dkimmod_spf_check_mail_from, dkimmod_spf_check_helo,
 *	dkimmod_spf_step, dkimmod_spf_result, dkimmod_spf_free
 * DESCRIPTION
 *	check_host(<ip>, <domain>, <sender>) as RFC 7208 section 4 defines
 *	it, for the MAIL FROM identity (postmaster@HELO when MAIL FROM is
 *	null, 2.4) or the HELO identity. Evaluation is an explicit stack of
 *	frames (the top check_host(), one per include: being evaluated; a
 *	redirect= replaces its frame), so it can stop wherever an answer is
 *	missing and carry on at the same term when stepped again: every step
 *	re-reads the question set, asks what it still needs and returns 0
 *	while any of it is open. A mechanism asks all its questions at once
 *	(mx: the exchanges' addresses together; ptr: every name's address),
 *	then reads the answers in the order a sequential evaluation would.
 *	Limits (4.6.4): 10 terms that cause DNS lookups (include, a, mx,
 *	ptr, exists, redirect) and 2 void lookups (NXDOMAIN or no records
 *	for a term's own query), more is permerror; an mx with more than 10
 *	names is permerror; a ptr uses the first 10 names; the time budget
 *	(from the first step) ends evaluation with temperror. The exp= of
 *	the record that failed is fetched only with
 *	DKIMMOD_SPF_FLAG_EXPLANATION: a further round the A-R does not need.
 *	%{p} and ptr validate the client's PTR names against their
 *	addresses once per check, shared.
 * STANDARDS
 *	RFC 7208 (SPF) sections 2.3, 2.4, 4, 5, 6, 7, 8; RFC 4291 2.5.5.2
 *	(IPv4-mapped addresses are IPv4).
 * SECURITY
 *	Records and answers are attacker-controlled. Work is bounded by the
 *	limits above and DKIMMOD_LIMIT_DNS_QUESTIONS; the frame stack by the
 *	10-lookup limit; every string through GString/g_strdup.
 * NEVER
 *	Do I/O (the host or the resolver answers); loop on a term without
 *	counting it once; evaluate a record that did not parse whole.
 */
#include "dkimmod-build-config.h"

#include <arpa/inet.h>
#include <string.h>

#include "context-private.h"
#include "dnsquery.h"
#include "error-private.h"
#include "authres.h"
#include "spf.h"

typedef enum { FRAME_TOP, FRAME_INCLUDE } FrameKind;

typedef struct {
  FrameKind kind;
  gboolean redirected;          /* its <domain> came from redirect= */
  char *domain;                 /* this check_host()'s <domain> */
  DkimmodSpfRecord *record;     /* NULL until found */
  guint term;                   /* the term being evaluated */
  gboolean counted;             /* its DNS lookup is counted */
  gboolean voided;              /* its void lookup is counted */
  gboolean child_done;          /* an include's frame has finished */
  DkimmodSpfResult child_result;
  char *child_reason;
} Frame;

/* What evaluating a term or a frame gave. */
typedef enum { EVAL_WAIT, EVAL_DONE, EVAL_PUSHED } Eval;
typedef enum { M_NOMATCH, M_MATCH, M_WAIT, M_ERROR, M_PUSHED } Match;

struct DkimmodSpf {
  DkimmodContext *ctx;
  DkimmodSpfOptions opts;
  char *receiver;
  gboolean checking, done, explaining;
  gboolean null_sender;         /* MAIL FROM was null: postmaster@HELO */
  DkimmodSpfIdentity identity;
  char *client_ip, *c_macro, *ip_macro, *sender, *local, *sender_domain, *helo;
  guint8 ip[16];
  gboolean ipv6;
  GPtrArray *frames;            /* Frame*, innermost last */
  guint lookups, voids;
  gint64 start_us;
  /* ptr and %{p}: the client's PTR names that resolve back to it */
  gboolean ptr_known;
  GPtrArray *validated;         /* char* */
  /* the outcome */
  DkimmodSpfResult result;
  char *mechanism, *reason, *explanation;
  char *exp_spec, *exp_domain;  /* the failing record's exp= and <domain> */
  DkimmodSpfResultInfo info;
};

static const char *const result_names[] = {
  [DKIMMOD_SPF_NONE] = "none",           [DKIMMOD_SPF_NEUTRAL] = "neutral",
  [DKIMMOD_SPF_PASS] = "pass",           [DKIMMOD_SPF_FAIL] = "fail",
  [DKIMMOD_SPF_SOFTFAIL] = "softfail",   [DKIMMOD_SPF_TEMPERROR] = "temperror",
  [DKIMMOD_SPF_PERMERROR] = "permerror",
};

const char *
dkimmod_spf_result_name (DkimmodSpfResult result)
{
  if ((unsigned) result >= G_N_ELEMENTS (result_names))
    return "permerror";
  return result_names[result];
}

void
dkimmod_spf_options_init (DkimmodSpfOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof *opts);
}

static void
frame_free (Frame *f)
{
  g_free (f->domain);
  dkimmod_spf_record_free (f->record);
  g_free (f->child_reason);
  g_free (f);
}

/**
 * dkimmod_spf_new:
 * @opts: (nullable): copied
 *
 * Returns: (transfer full): an SPF check, or NULL on a bad argument.
 */
DkimmodSpf *
dkimmod_spf_new (DkimmodContext *ctx, const DkimmodSpfOptions *opts)
{
  DkimmodSpf *spf;

  g_return_val_if_fail (ctx != NULL, NULL);
  spf = g_new0 (DkimmodSpf, 1);
  spf->ctx = dkimmod_context_ref (ctx);
  if (opts != NULL)
    spf->opts = *opts;
  spf->receiver = g_strdup (spf->opts.receiver != NULL ? spf->opts.receiver : "unknown");
  spf->opts.receiver = spf->receiver;
  if (spf->opts.time_budget_ms == 0)
    spf->opts.time_budget_ms = DKIMMOD_SPF_DEFAULT_TIME_BUDGET_MS;
  spf->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) frame_free);
  spf->validated = g_ptr_array_new_with_free_func (g_free);
  return spf;
}

void
dkimmod_spf_free (DkimmodSpf *spf)
{
  if (spf == NULL)
    return;
  g_ptr_array_unref (spf->frames);
  g_ptr_array_unref (spf->validated);
  g_free (spf->receiver);
  g_free (spf->client_ip);
  g_free (spf->ip_macro);
  g_free (spf->c_macro);
  g_free (spf->sender);
  g_free (spf->local);
  g_free (spf->sender_domain);
  g_free (spf->helo);
  g_free (spf->mechanism);
  g_free (spf->reason);
  g_free (spf->explanation);
  g_free (spf->exp_spec);
  g_free (spf->exp_domain);
  dkimmod_context_unref (spf->ctx);
  g_free (spf);
}

/* --- the identity -------------------------------------------------------------- */

/* parse_ip - IPv4 or IPv6 text into SPF; IPv4-mapped IPv6 is IPv4 */
static gboolean
parse_ip (DkimmodSpf *spf, const char *text)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  guint8 a6[16];

  if (inet_pton (AF_INET, text, spf->ip) == 1)
    spf->ipv6 = FALSE;
  else if (inet_pton (AF_INET6, text, a6) == 1)
    {
      spf->ipv6 = memcmp (a6, mapped, 12) != 0;
      memcpy (spf->ip, spf->ipv6 ? a6 : a6 + 12, spf->ipv6 ? 16 : 4);
    }
  else
    return FALSE;
  spf->ip_macro = dkimmod_spf_ip_macro (spf->ip, spf->ipv6);
  /* c: the address in its usual (inet_ntop) form, whatever was given */
  spf->c_macro = g_malloc (INET6_ADDRSTRLEN);
  inet_ntop (spf->ipv6 ? AF_INET6 : AF_INET, spf->ip, spf->c_macro, INET6_ADDRSTRLEN);
  return TRUE;
}

/* begin - the shared part of both checks: SENDER = LOCAL@DOMAIN */
static int
begin (DkimmodSpf *spf, const char *client_ip, const char *helo, const char *local,
       const char *domain, DkimmodSpfIdentity identity, DkimmodError *err)
{
  GError *error = NULL;
  Frame *f;

  dkimmod_error_clear (err);
  if (spf == NULL || client_ip == NULL || domain == NULL || spf->checking)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "spf: bad argument or call order");
      return dkimmod_error_take (err, error);
    }
  if (!parse_ip (spf, client_ip))
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "spf: \"%s\" is no IP address",
                   client_ip);
      return dkimmod_error_take (err, error);
    }
  spf->checking = TRUE;
  spf->identity = identity;
  spf->client_ip = g_strdup (client_ip);
  spf->helo = g_strdup (helo != NULL && *helo != '\0' ? helo : "unknown");
  spf->local = g_strdup (*local != '\0' ? local : "postmaster");
  spf->sender_domain = g_strdup (domain);
  spf->sender = g_strconcat (spf->local, "@", domain, NULL);
  f = g_new0 (Frame, 1);
  f->kind = FRAME_TOP;
  f->domain = g_strdup (domain);
  g_ptr_array_add (spf->frames, f);
  return 0;
}

int
dkimmod_spf_check_mail_from (DkimmodSpf *spf, const char *client_ip, const char *helo,
                             const char *mail_from, DkimmodError *err)
{
  g_autofree char *local = NULL;
  const char *at;

  if (mail_from == NULL || *mail_from == '\0' || strcmp (mail_from, "<>") == 0)
    {
      if (begin (spf, client_ip, helo, "postmaster", helo != NULL ? helo : "",
                 DKIMMOD_SPF_IDENTITY_MAILFROM, err) != 0)
        return -1;
      spf->null_sender = TRUE;
      return 0;
    }
  at = strrchr (mail_from, '@');
  local = at != NULL ? g_strndup (mail_from, at - mail_from) : g_strdup ("");
  return begin (spf, client_ip, helo, local, at != NULL ? at + 1 : mail_from,
                DKIMMOD_SPF_IDENTITY_MAILFROM, err);
}

int
dkimmod_spf_check_helo (DkimmodSpf *spf, const char *client_ip, const char *helo,
                        DkimmodError *err)
{
  return begin (spf, client_ip, helo, "postmaster", helo != NULL ? helo : "",
                DKIMMOD_SPF_IDENTITY_HELO, err);
}

/* --- helpers ----------------------------------------------------------------- */

/* label_count - the labels of D (a final dot ignored) when a DNS query
 * can carry it (labels of 1..63 bytes, 253 in all), else 0 */
static guint
label_count (const char *d)
{
  gsize len = strlen (d), label = 0;
  guint labels = 0;

  if (len > 0 && d[len - 1] == '.')
    len--;
  if (len == 0 || len > 253)
    return 0;
  for (gsize i = 0; i <= len; i++)
    if (i == len || d[i] == '.')
      {
        if (label == 0 || label > 63)
          return 0;
        labels++;
        label = 0;
      }
    else
      label++;
  return labels;
}

/* valid_domain - RFC 7208 4.3: queryable, and at least two labels */
static gboolean
valid_domain (const char *d)
{
  return label_count (d) >= 2;
}

/* answer_for - the answer to NAME/TYPE, asked if need be; NULL while open */
static const DkimmodDnsAnswer *
answer_for (DkimmodDnsQueries *q, const char *name, DkimmodDnsType type)
{
  const DkimmodDnsAnswer *a = dkimmod_dns_queries_find (q, name, type);

  if (a == NULL && dkimmod_dns_queries_ask (q, name, type) == (size_t) -1)
    a = dkimmod_dns_queries_find (q, name, type);  /* the set is full: SERVFAIL */
  return a;
}

static gboolean
is_temp (const DkimmodDnsAnswer *a)
{
  return a->status == DKIMMOD_DNS_SERVFAIL || a->status == DKIMMOD_DNS_TIMEOUT;
}

static gboolean
is_void (const DkimmodDnsAnswer *a)
{
  return a->status == DKIMMOD_DNS_NXDOMAIN || (a->status == DKIMMOD_DNS_OK && a->n == 0);
}

/* cidr_match - the first BITS bits of A and B agree */
static gboolean
cidr_match (const guint8 *a, const guint8 *b, guint bits)
{
  guint whole = bits / 8, rest = bits % 8;

  if (memcmp (a, b, whole) != 0)
    return FALSE;
  return rest == 0 || ((a[whole] ^ b[whole]) & (0xff << (8 - rest))) == 0;
}

/* address_matches - one of A's address records is the client within the CIDR */
static gboolean
address_matches (const DkimmodSpf *spf, const DkimmodDnsAnswer *a, guint cidr4, guint cidr6)
{
  guint8 addr[16];

  for (size_t i = 0; i < a->n; i++)
    if (inet_pton (spf->ipv6 ? AF_INET6 : AF_INET, a->records[i], addr) == 1
        && cidr_match (addr, spf->ip, spf->ipv6 ? cidr6 : cidr4))
      return TRUE;
  return FALSE;
}

static DkimmodDnsType
address_type (const DkimmodSpf *spf)
{
  return spf->ipv6 ? DKIMMOD_DNS_AAAA : DKIMMOD_DNS_A;
}

/* same_or_sub - NAME is DOMAIN or a name under it (case-insensitive) */
static gboolean
same_or_sub (const char *name, const char *domain)
{
  gsize ln = strlen (name), ld = strlen (domain);

  while (ln > 0 && name[ln - 1] == '.')
    ln--;
  while (ld > 0 && domain[ld - 1] == '.')
    ld--;
  if (ln < ld || g_ascii_strncasecmp (name + ln - ld, domain, ld) != 0)
    return FALSE;
  return ln == ld || name[ln - ld - 1] == '.';
}

/* reverse_name - the in-addr.arpa or ip6.arpa name of the client */
static char *
reverse_name (const DkimmodSpf *spf)
{
  GString *s = g_string_new (NULL);

  if (!spf->ipv6)
    g_string_printf (s, "%u.%u.%u.%u.in-addr.arpa", spf->ip[3], spf->ip[2], spf->ip[1],
                     spf->ip[0]);
  else
    {
      for (int i = 15; i >= 0; i--)
        g_string_append_printf (s, "%x.%x.", spf->ip[i] & 0xf, spf->ip[i] >> 4);
      g_string_append (s, "ip6.arpa");
    }
  return g_string_free (s, FALSE);
}

/* ptr_validate - the client's validated names (5.5): its PTR names (the
 * first 10) whose addresses include it; DNS errors skip a name. FALSE
 * while answers are open. *PTR_ANSWER: the PTR answer (for void counting). */
static gboolean
ptr_validate (DkimmodSpf *spf, DkimmodDnsQueries *q, const DkimmodDnsAnswer **ptr_answer)
{
  g_autofree char *rev = reverse_name (spf);
  const DkimmodDnsAnswer *ptr = answer_for (q, rev, DKIMMOD_DNS_PTR);
  gboolean open = FALSE;
  size_t n;

  *ptr_answer = ptr;
  if (ptr == NULL)
    return FALSE;
  if (spf->ptr_known)
    return TRUE;
  n = ptr->status == DKIMMOD_DNS_OK ? MIN (ptr->n, DKIMMOD_SPF_LIMIT_PTR_NAMES) : 0;
  for (size_t i = 0; i < n; i++)
    open |= answer_for (q, ptr->records[i], address_type (spf)) == NULL;
  if (open)
    return FALSE;
  for (size_t i = 0; i < n; i++)
    {
      const DkimmodDnsAnswer *a = answer_for (q, ptr->records[i], address_type (spf));

      if (a->status == DKIMMOD_DNS_OK && address_matches (spf, a, 32, 128))
        g_ptr_array_add (spf->validated, dkimmod_dns_name_normalize (ptr->records[i],
                                                                     ptr->lens[i]));
    }
  spf->ptr_known = TRUE;
  return TRUE;
}

/* validated_for - %{p} for DOMAIN: a validated name equal to it, else one
 * under it, else any, else "unknown" (7.3) */
static const char *
validated_for (const DkimmodSpf *spf, const char *domain)
{
  for (guint i = 0; i < spf->validated->len; i++)
    if (g_ascii_strcasecmp (spf->validated->pdata[i], domain) == 0)
      return spf->validated->pdata[i];
  for (guint i = 0; i < spf->validated->len; i++)
    if (same_or_sub (spf->validated->pdata[i], domain))
      return spf->validated->pdata[i];
  return spf->validated->len > 0 ? spf->validated->pdata[0] : "unknown";
}

/* macro_env - what macros expand to for <domain> DOMAIN */
static void
macro_env (const DkimmodSpf *spf, const char *domain, DkimmodSpfMacroEnv *env)
{
  *env = (DkimmodSpfMacroEnv) {
    .sender = spf->sender,
    .local = spf->local,
    .sender_domain = spf->sender_domain,
    .domain = domain,
    .ip_macro = spf->ip_macro,
    .ipv6 = spf->ipv6,
    .helo = spf->helo,
    .validated = spf->ptr_known ? validated_for (spf, domain) : NULL,
    .client_ip = spf->c_macro,
    .receiver = spf->receiver,
    .now = dkimmod_context_now (spf->ctx),
  };
}

/* expand_spec - SPEC expanded for FRAME; M_WAIT while %{p} needs answers,
 * M_ERROR (permerror, *REASON) on a macro error */
static Match
expand_spec (DkimmodSpf *spf, DkimmodDnsQueries *q, const char *spec, const char *domain,
             gboolean exp, char **out, char **reason)
{
  DkimmodSpfMacroEnv env;
  const DkimmodDnsAnswer *ptr;
  g_autoptr (GError) error = NULL;

  if (dkimmod_spf_macro_uses_p (spec) && !ptr_validate (spf, q, &ptr))
    return M_WAIT;
  macro_env (spf, domain, &env);
  *out = dkimmod_spf_macro_expand (spec, &env, exp, !exp, &error);
  if (*out == NULL)
    {
      *reason = g_strdup (error->message);
      return M_ERROR;
    }
  return M_MATCH;
}

/* --- mechanisms ------------------------------------------------------------------ */

typedef struct {
  DkimmodSpfResult result;      /* for M_ERROR */
  char *reason;
} Outcome;

static Match
error_outcome (Outcome *o, DkimmodSpfResult result, char *reason)
{
  o->result = result;
  g_free (o->reason);
  o->reason = reason;
  return M_ERROR;
}

/* count_once - *COUNTER + 1 the first time for this term (*DONE); FALSE
 * once it is over LIMIT (the term is counted however often it is stepped) */
static gboolean
count_once (gboolean *done, guint *counter, guint limit)
{
  if (!*done)
    {
      *done = TRUE;
      (*counter)++;
    }
  return *counter <= limit;
}

static gboolean
count_lookup (DkimmodSpf *spf, Frame *f)
{
  return count_once (&f->counted, &spf->lookups, DKIMMOD_SPF_LIMIT_DNS_MECHANISMS);
}

static gboolean
count_void (DkimmodSpf *spf, Frame *f)
{
  return count_once (&f->voided, &spf->voids, DKIMMOD_SPF_LIMIT_VOID_LOOKUPS);
}

/* dns_outcome - a temporary error or void answer of a term's own query:
 * M_ERROR (temperror, void limit), M_NOMATCH (void), M_MATCH (records) */
static Match
dns_outcome (DkimmodSpf *spf, Frame *f, const DkimmodDnsAnswer *a, const char *name,
             DkimmodDnsType type, Outcome *o)
{
  if (is_temp (a))
    return error_outcome (o, DKIMMOD_SPF_TEMPERROR,
                          g_strdup_printf ("DNS %s looking up %s %s",
                                           a->status == DKIMMOD_DNS_TIMEOUT ? "timeout"
                                                                            : "error",
                                           dkimmod_dns_type_name (type), name));
  if (!is_void (a))
    return M_MATCH;
  if (!count_void (spf, f))
    return error_outcome (o, DKIMMOD_SPF_PERMERROR,
                          g_strdup_printf ("more than %u void lookups",
                                           DKIMMOD_SPF_LIMIT_VOID_LOOKUPS));
  return M_NOMATCH;
}

typedef struct {
  guint pref;
  const char *name;
} MxName;

static int
mx_cmp (gconstpointer a, gconstpointer b)
{
  const MxName *x = a, *y = b;

  return x->pref < y->pref ? -1 : x->pref > y->pref;
}

/* eval_mx - 5.4: the exchanges' addresses, all asked at once */
static Match
eval_mx (DkimmodSpf *spf, DkimmodDnsQueries *q, Frame *f, const DkimmodSpfTerm *t,
         const char *target, Outcome *o)
{
  const DkimmodDnsAnswer *mx = answer_for (q, target, DKIMMOD_DNS_MX);
  g_autoptr (GArray) names = NULL;
  gboolean open = FALSE;
  Match m;

  if (mx == NULL)
    return M_WAIT;
  if ((m = dns_outcome (spf, f, mx, target, DKIMMOD_DNS_MX, o)) != M_MATCH)
    return m;
  if (mx->n > DKIMMOD_SPF_LIMIT_MX_NAMES)
    return error_outcome (o, DKIMMOD_SPF_PERMERROR,
                          g_strdup_printf ("more than %u MX names for %s",
                                           DKIMMOD_SPF_LIMIT_MX_NAMES, target));
  names = g_array_new (FALSE, FALSE, sizeof (MxName));
  for (size_t i = 0; i < mx->n; i++)
    {
      const char *sp = strchr (mx->records[i], ' ');
      MxName n = { .pref = (guint) g_ascii_strtoull (mx->records[i], NULL, 10) };

      if (sp == NULL || strcmp (sp + 1, ".") == 0)
        continue;               /* RFC 7505 null MX: no exchange */
      n.name = sp + 1;
      g_array_append_val (names, n);
      open |= answer_for (q, n.name, address_type (spf)) == NULL;
    }
  if (open)
    return M_WAIT;
  g_array_sort (names, mx_cmp);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_array_index (names, MxName, i).name;
      const DkimmodDnsAnswer *a = answer_for (q, name, address_type (spf));

      if (is_temp (a))
        return error_outcome (o, DKIMMOD_SPF_TEMPERROR,
                              g_strdup_printf ("DNS error looking up %s %s",
                                               dkimmod_dns_type_name (address_type (spf)), name));
      if (a->status == DKIMMOD_DNS_OK && address_matches (spf, a, t->cidr4, t->cidr6))
        return M_MATCH;
    }
  return M_NOMATCH;
}

/* eval_ptr - 5.5: a validated name equal to or under the target */
static Match
eval_ptr (DkimmodSpf *spf, DkimmodDnsQueries *q, Frame *f, const char *target, Outcome *o)
{
  const DkimmodDnsAnswer *ptr;

  if (!ptr_validate (spf, q, &ptr))
    return M_WAIT;
  if (is_void (ptr) && !count_void (spf, f))
    return error_outcome (o, DKIMMOD_SPF_PERMERROR,
                          g_strdup_printf ("more than %u void lookups",
                                           DKIMMOD_SPF_LIMIT_VOID_LOOKUPS));
  for (guint i = 0; i < spf->validated->len; i++)
    if (same_or_sub (spf->validated->pdata[i], target))
      return M_MATCH;
  return M_NOMATCH;
}

/* include_outcome - 5.2: the include's check_host() result as a match */
static Match
include_outcome (Frame *f, const char *target, Outcome *o)
{
  f->child_done = FALSE;
  switch (f->child_result)
    {
    case DKIMMOD_SPF_PASS:
      return M_MATCH;
    case DKIMMOD_SPF_FAIL:
    case DKIMMOD_SPF_SOFTFAIL:
    case DKIMMOD_SPF_NEUTRAL:
      return M_NOMATCH;
    case DKIMMOD_SPF_TEMPERROR:
      return error_outcome (o, DKIMMOD_SPF_TEMPERROR, g_steal_pointer (&f->child_reason));
    case DKIMMOD_SPF_NONE:
      return error_outcome (o, DKIMMOD_SPF_PERMERROR,
                            g_strdup_printf ("include:%s has no SPF record", target));
    default:
      return error_outcome (o, DKIMMOD_SPF_PERMERROR, g_steal_pointer (&f->child_reason));
    }
}

static void push_frame (DkimmodSpf *spf, FrameKind kind, const char *domain);

/* eval_term - one directive of frame F */
static Match
eval_term (DkimmodSpf *spf, DkimmodDnsQueries *q, Frame *f, const DkimmodSpfTerm *t, Outcome *o)
{
  g_autofree char *target = NULL;
  const DkimmodDnsAnswer *a;
  Match m;

  switch (t->kind)
    {
    case DKIMMOD_SPF_M_ALL:
      return M_MATCH;
    case DKIMMOD_SPF_M_IP4:
      return !spf->ipv6 && cidr_match (t->network, spf->ip, t->cidr4) ? M_MATCH : M_NOMATCH;
    case DKIMMOD_SPF_M_IP6:
      return spf->ipv6 && cidr_match (t->network, spf->ip, t->cidr6) ? M_MATCH : M_NOMATCH;
    default:
      break;
    }
  if (!count_lookup (spf, f))
    return error_outcome (o, DKIMMOD_SPF_PERMERROR,
                          g_strdup_printf ("more than %u DNS lookups",
                                           DKIMMOD_SPF_LIMIT_DNS_MECHANISMS));
  if (t->domain_spec == NULL)
    target = g_strdup (f->domain);
  else if ((m = expand_spec (spf, q, t->domain_spec, f->domain, FALSE, &target, &o->reason))
           != M_MATCH)
    {
      o->result = DKIMMOD_SPF_PERMERROR;
      return m;
    }
  /* A name no query can carry (an empty or long label, often from a
   * macro): no such name, no match, and no query, so no void lookup
   * (the RFC 7208 suite's invalid-domain-* cases; 4.6.4 counts answers) */
  if (t->kind != DKIMMOD_SPF_M_INCLUDE && t->kind != DKIMMOD_SPF_M_PTR && label_count (target) == 0)
    return M_NOMATCH;
  switch (t->kind)
    {
    case DKIMMOD_SPF_M_INCLUDE:
      if (f->child_done)
        return include_outcome (f, target, o);
      push_frame (spf, FRAME_INCLUDE, target);
      return M_PUSHED;
    case DKIMMOD_SPF_M_A:
      if ((a = answer_for (q, target, address_type (spf))) == NULL)
        return M_WAIT;
      if ((m = dns_outcome (spf, f, a, target, address_type (spf), o)) != M_MATCH)
        return m;
      return address_matches (spf, a, t->cidr4, t->cidr6) ? M_MATCH : M_NOMATCH;
    case DKIMMOD_SPF_M_MX:
      return eval_mx (spf, q, f, t, target, o);
    case DKIMMOD_SPF_M_PTR:
      return eval_ptr (spf, q, f, target, o);
    case DKIMMOD_SPF_M_EXISTS:
      /* 5.7: always an A query, whatever the client's family */
      if ((a = answer_for (q, target, DKIMMOD_DNS_A)) == NULL)
        return M_WAIT;
      return dns_outcome (spf, f, a, target, DKIMMOD_DNS_A, o);
    default:
      return M_NOMATCH;
    }
}

/* --- frames -------------------------------------------------------------------- */

static void
push_frame (DkimmodSpf *spf, FrameKind kind, const char *domain)
{
  Frame *f = g_new0 (Frame, 1);

  f->kind = kind;
  f->domain = g_strdup (domain);
  g_ptr_array_add (spf->frames, f);
}

/* fetch_record - 4.4, 4.5: F's record; EVAL_DONE with *RESULT when there
 * is none to evaluate */
static Eval
fetch_record (DkimmodSpf *spf, DkimmodDnsQueries *q, Frame *f, Outcome *o)
{
  const DkimmodDnsAnswer *a;
  g_autoptr (GError) error = NULL;
  int found = -1;

  if (!valid_domain (f->domain))
    {
      o->result = DKIMMOD_SPF_NONE;
      o->reason = g_strdup_printf ("\"%s\" is no valid domain name", f->domain);
      return EVAL_DONE;
    }
  if ((a = answer_for (q, f->domain, DKIMMOD_DNS_TXT)) == NULL)
    return EVAL_WAIT;
  if (is_temp (a))
    {
      o->result = DKIMMOD_SPF_TEMPERROR;
      o->reason = g_strdup_printf ("DNS %s looking up the SPF record of %s",
                                   a->status == DKIMMOD_DNS_TIMEOUT ? "timeout" : "error",
                                   f->domain);
      return EVAL_DONE;
    }
  for (size_t i = 0; i < a->n; i++)
    if (dkimmod_spf_record_is_spf1 (a->records[i], a->lens[i]))
      {
        if (found >= 0)
          {
            o->result = DKIMMOD_SPF_PERMERROR;
            o->reason = g_strdup_printf ("more than one SPF record for %s", f->domain);
            return EVAL_DONE;
          }
        found = (int) i;
      }
  if (found < 0)
    {
      o->result = DKIMMOD_SPF_NONE;
      o->reason = g_strdup_printf ("no SPF record for %s", f->domain);
      return EVAL_DONE;
    }
  f->record = dkimmod_spf_record_parse (a->records[found], a->lens[found], &error);
  if (f->record == NULL)
    {
      o->result = DKIMMOD_SPF_PERMERROR;
      o->reason = g_strdup_printf ("SPF record of %s: %s", f->domain, error->message);
      return EVAL_DONE;
    }
  return EVAL_PUSHED;           /* a record to evaluate */
}

/* eval_frame - the innermost frame as far as the answers go */
static Eval
eval_frame (DkimmodSpf *spf, DkimmodDnsQueries *q, Frame *f, Outcome *o, char **mechanism)
{
  Eval e;

  if (f->record == NULL && (e = fetch_record (spf, q, f, o)) != EVAL_PUSHED)
    return e;
  for (; f->term < f->record->terms->len; f->term++, f->counted = f->voided = FALSE)
    {
      const DkimmodSpfTerm *t = g_ptr_array_index (f->record->terms, f->term);

      switch (eval_term (spf, q, f, t, o))
        {
        case M_WAIT:
          return EVAL_WAIT;
        case M_PUSHED:
          return EVAL_PUSHED;
        case M_ERROR:
          return EVAL_DONE;
        case M_MATCH:
          o->result = t->qualifier;
          *mechanism = g_strdup (t->text);
          return EVAL_DONE;
        case M_NOMATCH:
          break;
        }
    }
  if (f->record->redirect != NULL && !f->record->has_all)
    {
      g_autofree char *target = NULL;
      Match m;

      if (!count_lookup (spf, f))
        {
          error_outcome (o, DKIMMOD_SPF_PERMERROR,
                         g_strdup_printf ("more than %u DNS lookups",
                                          DKIMMOD_SPF_LIMIT_DNS_MECHANISMS));
          return EVAL_DONE;
        }
      m = expand_spec (spf, q, f->record->redirect, f->domain, FALSE, &target, &o->reason);
      if (m == M_WAIT)
        return EVAL_WAIT;
      if (m == M_ERROR)
        {
          o->result = DKIMMOD_SPF_PERMERROR;
          return EVAL_DONE;
        }
      /* 6.1: the target's check_host() is this one's, with its own exp= */
      g_free (f->domain);
      f->domain = g_steal_pointer (&target);
      g_clear_pointer (&f->record, dkimmod_spf_record_free);
      f->redirected = TRUE;
      f->term = 0;
      f->counted = f->voided = FALSE;
      return EVAL_PUSHED;
    }
  o->result = DKIMMOD_SPF_NEUTRAL;
  *mechanism = g_strdup ("default");
  return EVAL_DONE;
}

/* --- the outcome ---------------------------------------------------------------- */

/* over_budget - the time budget is spent */
static gboolean
over_budget (const DkimmodSpf *spf)
{
  return g_get_monotonic_time () - spf->start_us > (gint64) spf->opts.time_budget_ms * 1000;
}

/* conclude - the result, as the info the host reads */
static void
conclude (DkimmodSpf *spf, DkimmodSpfResult result, char *mechanism, char *reason)
{
  spf->result = result;
  g_free (spf->mechanism);
  spf->mechanism = mechanism != NULL ? mechanism : g_strdup ("");
  g_free (spf->reason);
  spf->reason = reason != NULL ? reason : g_strdup ("");
}

static void
finish (DkimmodSpf *spf)
{
  spf->done = TRUE;
  spf->explaining = FALSE;
  if (spf->explanation == NULL)
    spf->explanation = g_strdup ("");
  spf->info = (DkimmodSpfResultInfo) {
    .result = spf->result,
    .identity = spf->identity,
    .sender = spf->sender,
    .domain = spf->sender_domain,
    .helo = spf->helo,
    .client_ip = spf->client_ip,
    .mechanism = spf->mechanism,
    .reason = spf->reason,
    .explanation = spf->explanation,
    .dns_lookups = spf->lookups,
    .void_lookups = spf->voids,
  };
}

/* explain - 6.2: the exp= text of the failing record; any problem (DNS,
 * not exactly one record, not ASCII, a macro error) leaves none */
static Eval
explain (DkimmodSpf *spf, DkimmodDnsQueries *q)
{
  g_autofree char *name = NULL, *reason = NULL, *text = NULL;
  const DkimmodDnsAnswer *a;
  Match m = expand_spec (spf, q, spf->exp_spec, spf->exp_domain, FALSE, &name, &reason);

  if (m != M_MATCH)
    return m == M_WAIT ? EVAL_WAIT : EVAL_DONE;
  if ((a = answer_for (q, name, DKIMMOD_DNS_TXT)) == NULL)
    return EVAL_WAIT;
  if (a->status != DKIMMOD_DNS_OK || a->n != 1)
    return EVAL_DONE;
  for (size_t i = 0; i < a->lens[0]; i++)
    if ((guchar) a->records[0][i] < 0x20 || (guchar) a->records[0][i] > 0x7e)
      return EVAL_DONE;
  m = expand_spec (spf, q, a->records[0], spf->exp_domain, TRUE, &text, &reason);
  if (m == M_WAIT)
    return EVAL_WAIT;
  if (m == M_MATCH)
    spf->explanation = g_steal_pointer (&text);
  return EVAL_DONE;
}

/* top_done - the top frame's result: the check's, then maybe exp= */
static void
top_done (DkimmodSpf *spf, Frame *f, Outcome *o, char *mechanism)
{
  conclude (spf, o->result, mechanism, g_steal_pointer (&o->reason));
  if (spf->result == DKIMMOD_SPF_FAIL && (spf->opts.flags & DKIMMOD_SPF_FLAG_EXPLANATION)
      && f->record != NULL && f->record->exp != NULL)
    {
      spf->exp_spec = g_strdup (f->record->exp);
      spf->exp_domain = g_strdup (f->domain);
      spf->explaining = TRUE;
    }
  else
    finish (spf);
}

/**
 * dkimmod_spf_step:
 *
 * Returns: 1 when the result is known, 0 while questions are open, -1
 *   with @err set on a bad argument or call order.
 */
int
dkimmod_spf_step (DkimmodSpf *spf, DkimmodDnsQueries *q, DkimmodError *err)
{
  GError *error = NULL;

  dkimmod_error_clear (err);
  if (spf == NULL || q == NULL || !spf->checking)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "spf_step: bad argument or call order");
      return dkimmod_error_take (err, error);
    }
  if (spf->start_us == 0)
    spf->start_us = g_get_monotonic_time ();
  while (!spf->done)
    {
      Frame *f = g_ptr_array_index (spf->frames, spf->frames->len - 1);
      Outcome o = { 0 };
      char *mechanism = NULL;
      Eval e;

      if (spf->explaining)
        {
          if (explain (spf, q) == EVAL_WAIT && !over_budget (spf))
            return 0;
          finish (spf);         /* the result stands, with or without the text */
          break;
        }
      e = eval_frame (spf, q, f, &o, &mechanism);
      if (e == EVAL_WAIT)
        {
          g_free (o.reason);
          if (!over_budget (spf))
            return 0;
          conclude (spf, DKIMMOD_SPF_TEMPERROR, NULL,
                    g_strdup_printf ("over the time budget of %u ms", spf->opts.time_budget_ms));
          finish (spf);
          break;
        }
      if (e == EVAL_PUSHED)
        continue;
      if (o.result == DKIMMOD_SPF_NONE && f->redirected)
        {
          /* 6.1: a redirect= target without a record is permerror */
          g_free (o.reason);
          o.result = DKIMMOD_SPF_PERMERROR;
          o.reason = g_strdup_printf ("redirect=%s has no SPF record", f->domain);
        }
      if (spf->frames->len > 1)
        {
          Frame *parent = g_ptr_array_index (spf->frames, spf->frames->len - 2);

          parent->child_done = TRUE;
          parent->child_result = o.result;
          g_free (parent->child_reason);
          parent->child_reason = o.reason;
          g_free (mechanism);
          g_ptr_array_remove_index (spf->frames, spf->frames->len - 1);
          continue;
        }
      top_done (spf, f, &o, mechanism);
    }
  return 1;
}

/**
 * dkimmod_spf_result:
 *
 * Returns: (transfer none) (nullable): the outcome, once known.
 */
const DkimmodSpfResultInfo *
dkimmod_spf_result (const DkimmodSpf *spf)
{
  g_return_val_if_fail (spf != NULL, NULL);
  return spf->done ? &spf->info : NULL;
}

/**
 * dkimmod_spf_resinfo:
 *
 * Returns: (transfer full) (nullable): "spf=RESULT ...", NULL before the
 *   result is known.
 */
char *
dkimmod_spf_resinfo (const DkimmodSpf *spf)
{
  g_autoptr (GPtrArray) words = NULL;

  g_return_val_if_fail (spf != NULL, NULL);
  if (!spf->done)
    return NULL;
  words = dkimmod_spf_authres_words (spf);
  return dkimmod_authres_line (words);
}

/**
 * dkimmod_spf_authres_words:
 *
 * Returns: (transfer full): the spf= resinfo as authres.h words, for the
 *   aggregate's one field (folded between words); after the result.
 */
GPtrArray *
dkimmod_spf_authres_words (const DkimmodSpf *spf)
{
  GPtrArray *words = dkimmod_authres_words_new ("spf", dkimmod_spf_result_name (spf->result));

  if (spf->result == DKIMMOD_SPF_TEMPERROR || spf->result == DKIMMOD_SPF_PERMERROR)
    dkimmod_authres_property (words, "reason", spf->reason, FALSE);
  if (spf->identity == DKIMMOD_SPF_IDENTITY_MAILFROM)
    dkimmod_authres_property (words, "smtp.mailfrom", spf->sender, TRUE);
  if (spf->identity == DKIMMOD_SPF_IDENTITY_HELO || spf->null_sender)
    dkimmod_authres_property (words, "smtp.helo", spf->helo, FALSE);
  return words;
}
