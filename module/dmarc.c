/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dmarc.c - DMARC for one message: author domain, policy discovery, alignment, disposition
 * SYNOPSIS
 *	dkimmod_dmarc_new, dkimmod_dmarc_free, dkimmod_dmarc_add_header,
 *	dkimmod_dmarc_ask, dkimmod_dmarc_step, dkimmod_dmarc_evaluate,
 *	dkimmod_dmarc_result, dkimmod_dmarc_result_name,
 *	dkimmod_dmarc_policy_name, dkimmod_dmarc_override_name
 * DESCRIPTION
 *	The Author Domain is the domain of the one From field's address
 *	(several addresses of one domain count as that domain). No From
 *	field, several From fields, no address, several domains, or a domain
 *	that is not a host name give permerror: RFC 9989 section 5.3.3 (and
 *	RFC 7489 6.6.1) say DMARC validation is not possible then, and RFC
 *	8601's permerror is the result that says "a later attempt will not
 *	do better"; the filter decides what to do with it.
 *
 *	RFC 9989 (the default) finds the policy record and Organizational
 *	Domains by its DNS tree walk. All names of the walk of the author
 *	domain, and of every DKIM d= and the MAIL FROM domain that share its
 *	top-level label (others cannot be aligned), are asked at the end of
 *	the header at once, so one concurrent round answers them while the
 *	body streams; the walk's stopping rules (psd=y/n, several records at
 *	a name discarded) are then applied to the answers in order. Only an
 *	np= policy record from a parent domain asks a second round: whether
 *	the author domain exists (A, AAAA, MX; NXDOMAIN or NODATA for all
 *	three means it does not). RFC 7489 (dmarc_standard) asks _dmarc.AUTHOR
 *	and _dmarc.ORG, with ORG from the Public Suffix List (libpsl's newest
 *	of its built-in list and the publicsuffix package's file), and then
 *	applies pct=.
 *
 *	pct= sampling is deterministic: the message is in the sample when
 *	FNV-1a-32 of its Message-ID value (CFWS at the ends removed) modulo
 *	100 is below pct, so one message always gets the same treatment and
 *	tests can pick Message-IDs on either side. Out of the sample, and
 *	under RFC 9989's t=y, the policy is applied one level milder
 *	(RFC 7489 6.6.4, RFC 9989 section 4.7).
 *
 *	A DMARC fail whose author domain is on the site's allow-list, or
 *	whose ARC chain passed and was sealed by a listed domain, keeps
 *	result fail but gets disposition none with the override reason
 *	(RFC 7489 section 6.7, PolicyOverride local_policy and
 *	trusted_forwarder).
 * STANDARDS
 *	RFC 9989 sections 3.2.x (alignment), 4.10 (tree walk, policy
 *	discovery, Organizational Domain), 5.3 (receiver actions); RFC 7489
 *	sections 3.2, 6.6 (receiver actions), 6.7 (local overrides).
 * SECURITY
 *	Nothing is read from Authentication-Results or ARC fields already in
 *	the message: DKIM, SPF and ARC results come from our own methods. At
 *	most 8 names per tree walk (RFC 9989's shortcut), at most
 *	DKIMMOD_LIMIT_DMARC_DKIM_DOMAINS walks for d= domains, and
 *	DKIMMOD_LIMIT_DMARC_FROM_ADDRESSES From addresses are read.
 * NEVER
 *	Trust a dmarc= result or policy found in the message; apply a policy
 *	when a needed DNS answer is missing (that is temperror).
 */
#include "dkimmod-build-config.h"

#include <string.h>
#include <libpsl.h>

#include "authres.h"
#include "dmarc.h"
#include "dmarc-record.h"
#include "msgparse.h"
#include "limits-private.h"
#include "lazylib-private.h"

/* RFC 9989 section 4.10: at most eight queries per walk. */
#define WALK_MAX 8u

struct DkimmodDmarc {
  DkimmodDmarcStandard standard;
  GPtrArray *allow;       /* normalised domains */
  GPtrArray *sealers;
  guint n_from;           /* From fields seen */
  char *from_value;       /* the first one's value */
  char *message_id;
  char *author;           /* after ask; NULL when author_error */
  char *author_error;
  GPtrArray *id_domains;  /* DKIM/SPF domains whose walks were asked */
  GPtrArray *asked;       /* "_dmarc.X" TXT names asked */
  gboolean existence_asked;
  DkimmodDmarcResultInfo info;
  GPtrArray *strings;     /* what info's strings point at */
};

static const char *const result_names[] = {
  [DKIMMOD_DMARC_NONE] = "none",
  [DKIMMOD_DMARC_PASS] = "pass",
  [DKIMMOD_DMARC_FAIL] = "fail",
  [DKIMMOD_DMARC_TEMPERROR] = "temperror",
  [DKIMMOD_DMARC_PERMERROR] = "permerror",
};

static const char *const policy_names[] = {
  [DKIMMOD_DMARC_POLICY_ABSENT] = "",
  [DKIMMOD_DMARC_POLICY_NONE] = "none",
  [DKIMMOD_DMARC_POLICY_QUARANTINE] = "quarantine",
  [DKIMMOD_DMARC_POLICY_REJECT] = "reject",
};

static const char *const override_names[] = {
  [DKIMMOD_DMARC_OVERRIDE_NONE] = "",
  [DKIMMOD_DMARC_OVERRIDE_LOCAL_POLICY] = "local_policy",
  [DKIMMOD_DMARC_OVERRIDE_TRUSTED_FORWARDER] = "trusted_forwarder",
  [DKIMMOD_DMARC_OVERRIDE_SAMPLED_OUT] = "sampled_out",
  [DKIMMOD_DMARC_OVERRIDE_POLICY_TEST_MODE] = "policy_test_mode",
};

/**
 * dkimmod_dmarc_result_name:
 *
 * Returns: (transfer none): "none", "pass", "fail", "temperror" or "permerror".
 */
const char *
dkimmod_dmarc_result_name (DkimmodDmarcResult result)
{
  return (unsigned) result < G_N_ELEMENTS (result_names) ? result_names[result] : "permerror";
}

/**
 * dkimmod_dmarc_policy_name:
 *
 * Returns: (transfer none): "none", "quarantine", "reject", or "" for ABSENT.
 */
const char *
dkimmod_dmarc_policy_name (DkimmodDmarcPolicy policy)
{
  return (unsigned) policy < G_N_ELEMENTS (policy_names) ? policy_names[policy] : "";
}

/**
 * dkimmod_dmarc_override_name:
 *
 * Returns: (transfer none): the PolicyOverride reason ("trusted_forwarder", ...), "" for none.
 */
const char *
dkimmod_dmarc_override_name (DkimmodDmarcOverride override)
{
  return (unsigned) override < G_N_ELEMENTS (override_names) ? override_names[override] : "";
}

/* normal_domain - lower case, one final dot removed (transfer full) */
static char *
normal_domain (const char *s)
{
  char *d = g_ascii_strdown (s, -1);
  gsize n = strlen (d);

  if (n > 1 && d[n - 1] == '.')
    d[n - 1] = '\0';
  return d;
}

static GPtrArray *
domain_list (const char *const *list)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (; list != NULL && *list != NULL; list++)
    if (**list != '\0')
      g_ptr_array_add (out, normal_domain (*list));
  return out;
}

/* under - D is DOMAIN or one of its subdomains */
static gboolean
under (const char *d, const char *domain)
{
  gsize dl = strlen (d), l = strlen (domain);

  return strcmp (d, domain) == 0
         || (dl > l && d[dl - l - 1] == '.' && strcmp (d + dl - l, domain) == 0);
}

/* covered - D is under a domain of LIST; that domain, or NULL */
static const char *
covered (const GPtrArray *list, const char *d)
{
  for (guint i = 0; i < list->len; i++)
    if (under (d, list->pdata[i]))
      return list->pdata[i];
  return NULL;
}

DkimmodDmarc *
dkimmod_dmarc_new (DkimmodDmarcStandard standard, const char *const *allow,
                   const char *const *sealers)
{
  DkimmodDmarc *d = g_new0 (DkimmodDmarc, 1);

  d->standard = standard;
  d->allow = domain_list (allow);
  d->sealers = domain_list (sealers);
  d->id_domains = g_ptr_array_new_with_free_func (g_free);
  d->asked = g_ptr_array_new_with_free_func (g_free);
  d->strings = g_ptr_array_new_with_free_func (g_free);
  return d;
}

void
dkimmod_dmarc_free (DkimmodDmarc *d)
{
  if (d == NULL)
    return;
  g_ptr_array_unref (d->allow);
  g_ptr_array_unref (d->sealers);
  g_ptr_array_unref (d->id_domains);
  g_ptr_array_unref (d->asked);
  g_ptr_array_unref (d->strings);
  g_free (d->from_value);
  g_free (d->message_id);
  g_free (d->author);
  g_free (d->author_error);
  g_free (d);
}

/* field_value - the value of FIELD if its name is NAME (lower case) */
static char *
field_value (const char *field, gsize len, const char *name)
{
  gsize value_off;

  if (!dkimmod_header_is_named (field, len, name, &value_off))
    return NULL;
  return g_strndup (field + value_off, len - value_off);
}

void
dkimmod_dmarc_add_header (DkimmodDmarc *d, const char *field, gsize len)
{
  char *v;

  if ((v = field_value (field, len, "from")) != NULL)
    {
      if (d->n_from++ == 0)
        d->from_value = v;
      else
        g_free (v);
    }
  else if (d->message_id == NULL && (v = field_value (field, len, "message-id")) != NULL)
    d->message_id = v;
}

/* host_name - D is a DNS host name we may query (LDH labels and '_',
 * 1-63 bytes each, at most 253 in all) */
static gboolean
host_name (const char *d)
{
  gsize label = 0, n = strlen (d);

  if (n == 0 || n > DKIMMOD_LIMIT_DOMAIN_BYTES)
    return FALSE;
  for (const char *p = d; ; p++)
    {
      if (*p == '.' || *p == '\0')
        {
          if (label == 0 || label > 63)
            return FALSE;
          if (*p == '\0')
            return TRUE;
          label = 0;
        }
      else if (g_ascii_isalnum (*p) || *p == '-' || *p == '_')
        label++;
      else
        return FALSE;
    }
}

/* author_domain - the Author Domain of the From field, or NULL with
 * *WHY (RFC 9989 section 5.3.3; U-labels become A-labels) */
static char *
author_domain (const DkimmodDmarc *d, char **why)
{
  g_autoptr (GPtrArray) addrs = NULL;
  g_autofree char *domain = NULL;

  if (d->n_from != 1)
    {
      *why = d->n_from == 0 ? g_strdup ("no From field")
                            : g_strdup_printf ("%u From fields", d->n_from);
      return NULL;
    }
  addrs = dkimmod_address_list (d->from_value, DKIMMOD_LIMIT_DMARC_FROM_ADDRESSES);
  for (guint i = 0; i < addrs->len; i++)
    {
      g_autofree char *one = normal_domain (dkimmod_address_domain (addrs->pdata[i]));

      if (domain == NULL)
        domain = g_steal_pointer (&one);
      else if (strcmp (domain, one) != 0)
        {
          *why = g_strdup ("From names several domains");
          return NULL;
        }
    }
  if (domain == NULL)
    {
      *why = g_strdup ("From has no address with a domain");
      return NULL;
    }
  if (!g_str_is_ascii (domain))
    {
      g_autofree char *ace = g_hostname_to_ascii (domain);

      g_free (domain);
      domain = ace != NULL ? normal_domain (ace) : g_strdup ("");
    }
  if (!host_name (domain))
    {
      *why = g_strdup ("From domain is not a host name");
      return NULL;
    }
  return g_steal_pointer (&domain);
}

/* label_count - labels of a host name */
static guint
label_count (const char *d)
{
  guint n = 1;

  for (; *d != '\0'; d++)
    n += *d == '.';
  return n;
}

/* last_labels - the suffix of D with N labels (transfer none) */
static const char *
last_labels (const char *d, guint n)
{
  guint have = label_count (d);

  while (have > n)
    {
      d = strchr (d, '.') + 1;
      have--;
    }
  return d;
}

/**
 * dkimmod_dmarc_walk_names:
 *
 * RFC 9989 section 4.10.1: DOMAIN, then (eight labels or more) its last
 * seven labels, then one label less each time, down to the top level.
 * Returns: (transfer full): the domains (without "_dmarc."), NULL-terminated.
 */
char **
dkimmod_dmarc_walk_names (const char *domain)
{
  GPtrArray *out = g_ptr_array_new ();
  guint x = label_count (domain);

  g_ptr_array_add (out, g_strdup (domain));
  if (x >= 8)
    x = 7;
  else
    x--;
  for (; x >= 1; x--)
    g_ptr_array_add (out, g_strdup (last_labels (domain, x)));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* libpsl's registrable-domain function, set with the list. Only the
 * RFC 7489 mode needs libpsl, so the dynamic build opens it at its first
 * use (lazylib.c) and a process that never asks (the RFC 9989 default)
 * never loads it. */
static const char *(*psl_registrable) (const psl_ctx_t *psl, const char *domain);

/* public_suffix_list - libpsl's newest list, loaded once per process and
 * read-only afterwards (psl_latest: its built-in list or the
 * publicsuffix package's file, whichever is newer); NULL when libpsl
 * cannot be loaded */
static const psl_ctx_t *
public_suffix_list (void)
{
  static gsize once = 0;
  static const psl_ctx_t *psl = NULL;

  if (g_once_init_enter (&once))
    {
#ifdef DKIMMOD_PSL_DLOPEN
      static const char *const names[] = { "psl_latest", "psl_builtin",
                                           "psl_registrable_domain", NULL };
      static void (*fns[3]) (void);
      static DkimmodLazyLib lib = { "libpsl.so.5", names, fns, 0, FALSE };

      if (dkimmod_lazylib_open (&lib))
        {
          /* the addresses as libpsl.h declares them */
          psl_ctx_t *(*latest) (const char *) = (psl_ctx_t *(*) (const char *)) fns[0];
          const psl_ctx_t *(*builtin) (void) = (const psl_ctx_t *(*) (void)) fns[1];

          psl_registrable = (const char *(*) (const psl_ctx_t *, const char *)) fns[2];
          if ((psl = latest (NULL)) == NULL)
            psl = builtin ();
        }
#else
      psl_registrable = psl_registrable_domain;
      if ((psl = psl_latest (NULL)) == NULL)
        psl = psl_builtin ();
#endif
      g_once_init_leave (&once, 1);
    }
  return psl;
}

/* psl_org - RFC 7489 3.2: the Organizational Domain by the Public Suffix
 * List (the domain itself when it is a public suffix, or when the list
 * cannot be loaded: only exact alignment then) (transfer none) */
static const char *
psl_org (const char *domain)
{
  const psl_ctx_t *psl = public_suffix_list ();
  const char *reg = psl != NULL ? psl_registrable (psl, domain) : NULL;

  return reg != NULL ? reg : domain;
}

/* ask_txt - asks _dmarc.DOMAIN's TXT */
static void
ask_txt (DkimmodDmarc *d, DkimmodDnsQueries *q, const char *domain)
{
  char *name = g_strconcat ("_dmarc.", domain, NULL);

  dkimmod_dns_queries_ask (q, name, DKIMMOD_DNS_TXT);
  g_ptr_array_add (d->asked, name);
}

/* ask_walk - every name of DOMAIN's walk (RFC 9989) or DOMAIN and its
 * PSL Organizational Domain (RFC 7489) */
static void
ask_walk (DkimmodDmarc *d, DkimmodDnsQueries *q, const char *domain)
{
  if (d->standard == DKIMMOD_DMARC_RFC7489)
    {
      ask_txt (d, q, domain);
      if (strcmp (psl_org (domain), domain) != 0)
        ask_txt (d, q, psl_org (domain));
      return;
    }
  {
    g_auto (GStrv) names = dkimmod_dmarc_walk_names (domain);

    for (guint i = 0; names[i] != NULL; i++)
      ask_txt (d, q, names[i]);
  }
}

/* may_align - D and the author domain share a top-level label (else no
 * Organizational Domain can be common to both) and D is not the author
 * domain itself (aligned without a lookup) */
static gboolean
may_align (const DkimmodDmarc *d, const char *dom)
{
  return strcmp (dom, d->author) != 0
         && strcmp (last_labels (dom, 1), last_labels (d->author, 1)) == 0;
}

/* ask_identifier - the walk of one DKIM or SPF domain, once */
static void
ask_identifier (DkimmodDmarc *d, DkimmodDnsQueries *q, const char *domain)
{
  g_autofree char *dom = normal_domain (domain);

  if (!host_name (dom) || !may_align (d, dom))
    return;
  for (guint i = 0; i < d->id_domains->len; i++)
    if (strcmp (d->id_domains->pdata[i], dom) == 0)
      return;
  if (d->id_domains->len >= DKIMMOD_LIMIT_DMARC_DKIM_DOMAINS + 1)
    return;
  /* RFC 7489 aligns by the Public Suffix List: no lookup */
  if (d->standard == DKIMMOD_DMARC_RFC9989)
    ask_walk (d, q, dom);
  g_ptr_array_add (d->id_domains, g_steal_pointer (&dom));
}

void
dkimmod_dmarc_ask (DkimmodDmarc *d, DkimmodDnsQueries *q, const char *const *dkim_domains,
                   gsize n_dkim, const char *spf_domain)
{
  g_clear_pointer (&d->author, g_free);
  g_clear_pointer (&d->author_error, g_free);
  d->author = author_domain (d, &d->author_error);
  if (d->author == NULL)
    return;
  ask_walk (d, q, d->author);
  for (gsize i = 0; i < n_dkim; i++)
    ask_identifier (d, q, dkim_domains[i]);
  if (spf_domain != NULL && *spf_domain != '\0')
    ask_identifier (d, q, spf_domain);
}

typedef enum {
  AT_OPEN,        /* not answered (yet) */
  AT_TEMPERROR,   /* SERVFAIL or timeout */
  AT_NONE,        /* NXDOMAIN, NODATA, or no DMARC record among the TXT */
  AT_MULTIPLE,    /* several DMARC records */
  AT_ONE,
} AtStatus;

/* record_at - what _dmarc.DOMAIN holds */
static AtStatus
record_at (const DkimmodDnsQueries *q, const char *domain, DkimmodDmarcRecord *rec)
{
  g_autofree char *name = g_strconcat ("_dmarc.", domain, NULL);
  const DkimmodDnsAnswer *a = dkimmod_dns_queries_find (q, name, DKIMMOD_DNS_TXT);
  guint found = 0;

  if (a == NULL)
    return AT_OPEN;
  if (a->status == DKIMMOD_DNS_SERVFAIL || a->status == DKIMMOD_DNS_TIMEOUT)
    return AT_TEMPERROR;
  if (a->status != DKIMMOD_DNS_OK)
    return AT_NONE;
  for (gsize i = 0; i < a->n; i++)
    {
      DkimmodDmarcRecord r;

      if (dkimmod_dmarc_record_parse (a->records[i], a->lens[i], &r) && found++ == 0)
        *rec = r;
    }
  return found == 0 ? AT_NONE : found == 1 ? AT_ONE : AT_MULTIPLE;
}

/* One tree walk's outcome: the names reached and their single records. */
typedef struct {
  char **names;
  guint n;                    /* names reached */
  gboolean has[WALK_MAX];
  DkimmodDmarcRecord rec[WALK_MAX];
  gboolean failed;            /* a name reached gave no answer */
  char *failed_name;          /* (transfer none, into names) */
} Walk;

static void
walk_clear (Walk *w)
{
  g_strfreev (w->names);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Walk, walk_clear)

/* walk_run - RFC 9989 4.10.1 over the answers: stop at a single record
 * with psd=y or psd=n, discard several records at one name */
static void
walk_run (const DkimmodDnsQueries *q, const char *start, Walk *w)
{
  memset (w, 0, sizeof *w);
  w->names = dkimmod_dmarc_walk_names (start);
  for (guint i = 0; w->names[i] != NULL && i < WALK_MAX; i++)
    {
      AtStatus st = record_at (q, w->names[i], &w->rec[i]);

      w->n = i + 1;
      if (st == AT_OPEN || st == AT_TEMPERROR)
        {
          w->failed = TRUE;
          w->failed_name = w->names[i];
          return;
        }
      w->has[i] = st == AT_ONE;
      if (w->has[i] && w->rec[i].psd != 'u')
        return;
    }
}

/* walk_org - RFC 9989 4.10.2's selection: the last record reached (the
 * walk stopped at any psd=y/n one); psd=n: it; psd=y (not the start): the
 * domain one label below it; otherwise the fewest labels, i.e. it; no
 * record: the start (transfer full) */
static char *
walk_org (const Walk *w, const char *start)
{
  for (guint i = w->n; i-- > 0;)
    {
      if (!w->has[i])
        continue;
      if (w->rec[i].psd == 'y' && i > 0)
        {
          const char *psd = w->names[i];
          guint want = label_count (psd) + 1;

          return g_strdup (last_labels (start, want));
        }
      return g_strdup (w->names[i]);
    }
  return g_strdup (start);
}

/* Where the policy came from. */
typedef struct {
  DkimmodDmarcResult early;   /* NONE with a record found; else the final result */
  char *reason;
  char *policy_domain;
  char *org_domain;
  DkimmodDmarcRecord rec;
  gboolean found;
  gboolean org_unknown;       /* the walk failed past the author's own record */
} Discovery;

static void
discovery_clear (Discovery *s)
{
  g_free (s->reason);
  g_free (s->policy_domain);
  g_free (s->org_domain);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Discovery, discovery_clear)

/* discover_9989 - RFC 9989 4.10.1 policy discovery */
static void
discover_9989 (const DkimmodDnsQueries *q, const char *author, Discovery *s)
{
  g_auto (Walk) w = { 0 };

  walk_run (q, author, &w);
  if (w.failed && w.has[0])
    {
      /* The author domain's own record applies; its Organizational Domain
       * is unknown, which matters only to relaxed alignment with another
       * domain (RFC 9989 4.10.2: equal domains and strict mode need no walk). */
      s->found = TRUE;
      s->org_unknown = TRUE;
      s->rec = w.rec[0];
      s->policy_domain = g_strdup (author);
      s->org_domain = g_strdup ("");
      return;
    }
  if (w.failed)
    {
      s->early = DKIMMOD_DMARC_TEMPERROR;
      s->reason = g_strdup_printf ("DNS lookup of _dmarc.%s failed", w.failed_name);
      return;
    }
  s->org_domain = walk_org (&w, author);
  for (guint pass = 0; pass < 3 && !s->found; pass++)
    for (guint i = 0; i < w.n && !s->found; i++)
      {
        /* the Author Domain, its Organizational Domain, its PSD */
        gboolean take = w.has[i] && (pass == 0 ? i == 0
                                     : pass == 1 ? strcmp (w.names[i], s->org_domain) == 0
                                     : w.rec[i].psd == 'y');

        if (take)
          {
            s->found = TRUE;
            s->rec = w.rec[i];
            s->policy_domain = g_strdup (w.names[i]);
          }
      }
  if (!s->found)
    s->reason = g_strdup ("no DMARC record");
}

/* discover_7489 - RFC 7489 6.6.3 */
static void
discover_7489 (const DkimmodDnsQueries *q, const char *author, Discovery *s)
{
  const char *names[2] = { author, psl_org (author) };

  s->org_domain = g_strdup (names[1]);
  for (guint i = 0; i < 2; i++)
    {
      AtStatus st;

      if (i == 1 && strcmp (names[1], author) == 0)
        break;
      st = record_at (q, names[i], &s->rec);
      if (st == AT_OPEN || st == AT_TEMPERROR)
        {
          s->early = DKIMMOD_DMARC_TEMPERROR;
          s->reason = g_strdup_printf ("DNS lookup of _dmarc.%s failed", names[i]);
          return;
        }
      if (st == AT_MULTIPLE)
        {
          /* 6.6.3 step 5: policy discovery terminates */
          s->reason = g_strdup_printf ("several DMARC records at _dmarc.%s", names[i]);
          return;
        }
      if (st == AT_ONE)
        {
          s->found = TRUE;
          s->policy_domain = g_strdup (names[i]);
          return;
        }
    }
  s->reason = g_strdup ("no DMARC record");
}

static void
discover (const DkimmodDmarc *d, const DkimmodDnsQueries *q, Discovery *s)
{
  memset (s, 0, sizeof *s);
  if (d->standard == DKIMMOD_DMARC_RFC7489)
    discover_7489 (q, d->author, s);
  else
    discover_9989 (q, d->author, s);
}

/* np_applies - RFC 9989: the record is a parent's and has a valid np= */
static gboolean
np_applies (const DkimmodDmarc *d, const Discovery *s)
{
  return d->standard == DKIMMOD_DMARC_RFC9989 && s->found
         && strcmp (s->policy_domain, d->author) != 0 && s->rec.np != DKIMMOD_DMARC_POLICY_ABSENT;
}

static const DkimmodDnsType existence_types[] = { DKIMMOD_DNS_A, DKIMMOD_DNS_AAAA, DKIMMOD_DNS_MX };

gboolean
dkimmod_dmarc_step (DkimmodDmarc *d, DkimmodDnsQueries *q)
{
  g_auto (Discovery) s = { 0 };

  if (d->author == NULL)
    return TRUE;
  for (guint i = 0; i < d->asked->len; i++)
    if (dkimmod_dns_queries_find (q, d->asked->pdata[i], DKIMMOD_DNS_TXT) == NULL)
      return FALSE;
  discover (d, q, &s);
  if (!np_applies (d, &s))
    return TRUE;
  if (!d->existence_asked)
    {
      for (guint i = 0; i < G_N_ELEMENTS (existence_types); i++)
        dkimmod_dns_queries_ask (q, d->author, existence_types[i]);
      d->existence_asked = TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (existence_types); i++)
    if (dkimmod_dns_queries_find (q, d->author, existence_types[i]) == NULL)
      return FALSE;
  return TRUE;
}

/* author_missing - RFC 9989 section 4.10.3 (Non-existent Domains): NXDOMAIN
 * or NODATA for A, AAAA and MX; an error or a missing answer counts as
 * existing (sp= then, the milder reading) */
static gboolean
author_missing (const DkimmodDmarc *d, const DkimmodDnsQueries *q)
{
  for (guint i = 0; i < G_N_ELEMENTS (existence_types); i++)
    {
      const DkimmodDnsAnswer *a = dkimmod_dns_queries_find (q, d->author, existence_types[i]);

      if (a == NULL || a->status == DKIMMOD_DNS_SERVFAIL || a->status == DKIMMOD_DNS_TIMEOUT
          || (a->status == DKIMMOD_DNS_OK && a->n > 0))
        return FALSE;
    }
  return TRUE;
}

/* Alignment of one identifier with the author domain. */
typedef enum { ALIGN_NO, ALIGN_YES, ALIGN_UNKNOWN } Align;

/* aligned - DOMAIN against the author domain: strict is equality,
 * relaxed is the same Organizational Domain */
static Align
aligned (const DkimmodDmarc *d, const DkimmodDnsQueries *q, const Discovery *s, const char *domain,
         gboolean strict)
{
  const char *org = s->org_domain;
  g_autofree char *dom = normal_domain (domain);
  g_auto (Walk) w = { 0 };
  g_autofree char *dom_org = NULL;

  if (strcmp (dom, d->author) == 0)
    return ALIGN_YES;
  if (strict)
    return ALIGN_NO;
  if (d->standard == DKIMMOD_DMARC_RFC7489)
    return strcmp (psl_org (dom), org) == 0 ? ALIGN_YES : ALIGN_NO;
  if (!host_name (dom) || !may_align (d, dom))
    return ALIGN_NO;
  if (s->org_unknown)
    return ALIGN_UNKNOWN;
  walk_run (q, dom, &w);
  if (w.failed)
    return ALIGN_UNKNOWN;
  dom_org = walk_org (&w, dom);
  return strcmp (dom_org, org) == 0 ? ALIGN_YES : ALIGN_NO;
}

/* keep - a string info points at (transfer none) */
static const char *
keep (DkimmodDmarc *d, char *s)
{
  g_ptr_array_add (d->strings, s != NULL ? s : g_strdup (""));
  return d->strings->pdata[d->strings->len - 1];
}

static DkimmodDmarcPolicy
milder (DkimmodDmarcPolicy p)
{
  return p == DKIMMOD_DMARC_POLICY_REJECT ? DKIMMOD_DMARC_POLICY_QUARANTINE
                                          : p == DKIMMOD_DMARC_POLICY_ABSENT ? p
                                                                             : DKIMMOD_DMARC_POLICY_NONE;
}

/**
 * dkimmod_dmarc_sample:
 *
 * Returns: FNV-1a-32 of MESSAGE_ID (blanks at the ends removed) modulo 100.
 */
guint
dkimmod_dmarc_sample (const char *message_id)
{
  guint32 h = 2166136261u;
  g_autofree char *id = g_strstrip (g_strdup (message_id != NULL ? message_id : ""));

  for (const char *p = id; *p != '\0'; p++)
    {
      if (*p == '\r' || *p == '\n')
        continue;   /* folding does not change the identifier */
      h ^= (guchar) *p;
      h *= 16777619u;
    }
  return h % 100u;
}

/* requested - the policy the record asks for this author domain: p= for
 * the domain itself, else np= (it does not exist, RFC 9989) or sp= or
 * p=; a record with a bad p= (or sp=, np=) reads as p=none when rua= has a
 * valid URI; -1 when it is not usable at all */
static int
requested (const DkimmodDmarc *d, const DkimmodDnsQueries *q, const Discovery *s)
{
  const DkimmodDmarcRecord *r = &s->rec;
  gboolean bad = r->p_invalid || r->sp_invalid
                 || (d->standard == DKIMMOD_DMARC_RFC9989 && r->np_invalid)
                 || (d->standard == DKIMMOD_DMARC_RFC7489 && r->p == DKIMMOD_DMARC_POLICY_ABSENT);

  if (bad)
    return r->rua_valid ? DKIMMOD_DMARC_POLICY_NONE : -1;
  if (strcmp (s->policy_domain, d->author) == 0)
    return r->p != DKIMMOD_DMARC_POLICY_ABSENT ? r->p : DKIMMOD_DMARC_POLICY_NONE;
  if (np_applies (d, s) && author_missing (d, q))
    return r->np;
  if (r->sp != DKIMMOD_DMARC_POLICY_ABSENT)
    return r->sp;
  return r->p != DKIMMOD_DMARC_POLICY_ABSENT ? r->p : DKIMMOD_DMARC_POLICY_NONE;
}

/* check_alignment - DKIM and SPF identifiers; the result */
static DkimmodDmarcResult
check_alignment (DkimmodDmarc *d, const DkimmodDnsQueries *q, const Discovery *s,
                 const DkimmodDmarcInputs *in)
{
  DkimmodDmarcResultInfo *info = &d->info;
  gboolean unknown = FALSE;

  for (gsize i = 0; i < in->n_dkim_pass && !info->dkim_aligned; i++)
    {
      Align al = aligned (d, q, s, in->dkim_pass_domains[i], s->rec.strict_dkim);

      unknown |= al == ALIGN_UNKNOWN;
      if (al == ALIGN_YES)
        {
          info->dkim_aligned = 1;
          info->dkim_domain = keep (d, normal_domain (in->dkim_pass_domains[i]));
        }
    }
  if (in->spf_pass_domain != NULL && *in->spf_pass_domain != '\0')
    {
      Align al = aligned (d, q, s, in->spf_pass_domain, s->rec.strict_spf);

      unknown |= al == ALIGN_UNKNOWN;
      if (al == ALIGN_YES)
        {
          info->spf_aligned = 1;
          info->spf_domain = keep (d, normal_domain (in->spf_pass_domain));
        }
    }
  if (info->dkim_aligned || info->spf_aligned)
    return DKIMMOD_DMARC_PASS;
  return unknown ? DKIMMOD_DMARC_TEMPERROR : DKIMMOD_DMARC_FAIL;
}

/* dispose - the disposition of a fail: the policy, milder out of the
 * pct= sample or under t=y, none under a local override */
static void
dispose (DkimmodDmarc *d, const Discovery *s, const DkimmodDmarcInputs *in)
{
  DkimmodDmarcResultInfo *info = &d->info;
  const char *who;

  info->disposition = info->policy;
  if (d->standard == DKIMMOD_DMARC_RFC7489 && info->pct < 100
      && dkimmod_dmarc_sample (d->message_id) >= info->pct
      && info->disposition > DKIMMOD_DMARC_POLICY_NONE)
    {
      info->disposition = milder (info->disposition);
      info->override = DKIMMOD_DMARC_OVERRIDE_SAMPLED_OUT;
    }
  if (info->testing && info->disposition > DKIMMOD_DMARC_POLICY_NONE)
    {
      info->disposition = milder (info->disposition);
      info->override = DKIMMOD_DMARC_OVERRIDE_POLICY_TEST_MODE;
    }
  if (info->disposition <= DKIMMOD_DMARC_POLICY_NONE)
    return;
  if ((who = covered (d->allow, d->author)) != NULL)
    {
      info->disposition = DKIMMOD_DMARC_POLICY_NONE;
      info->override = DKIMMOD_DMARC_OVERRIDE_LOCAL_POLICY;
      info->override_domain = keep (d, g_strdup (who));
      return;
    }
  for (gsize i = 0; in->arc_pass && i < in->n_arc_sealers; i++)
    {
      g_autofree char *sealer = normal_domain (in->arc_sealers[i]);

      if (covered (d->sealers, sealer) != NULL)
        {
          info->disposition = DKIMMOD_DMARC_POLICY_NONE;
          info->override = DKIMMOD_DMARC_OVERRIDE_TRUSTED_FORWARDER;
          info->override_domain = keep (d, g_steal_pointer (&sealer));
          return;
        }
    }
}

void
dkimmod_dmarc_evaluate (DkimmodDmarc *d, const DkimmodDnsQueries *q,
                        const DkimmodDmarcInputs *in)
{
  DkimmodDmarcResultInfo *info = &d->info;
  g_auto (Discovery) s = { 0 };
  int want;

  memset (info, 0, sizeof *info);
  g_ptr_array_set_size (d->strings, 0);
  info->pct = 100;
  info->reason = info->header_from = info->policy_domain = info->org_domain = "";
  info->override_domain = info->dkim_domain = info->spf_domain = "";
  if (d->author == NULL)
    {
      info->result = DKIMMOD_DMARC_PERMERROR;
      info->reason = keep (d, g_strdup (d->author_error != NULL ? d->author_error
                                        : "the header has not ended"));
      return;
    }
  info->header_from = keep (d, g_strdup (d->author));
  discover (d, q, &s);
  info->org_domain = keep (d, g_strdup (s.org_domain));
  if (!s.found)
    {
      info->result = s.early;
      info->reason = keep (d, g_steal_pointer (&s.reason));
      return;
    }
  info->policy_domain = keep (d, g_strdup (s.policy_domain));
  info->strict_dkim = s.rec.strict_dkim;
  info->strict_spf = s.rec.strict_spf;
  info->testing = d->standard == DKIMMOD_DMARC_RFC9989 && s.rec.testing;
  info->pct = d->standard == DKIMMOD_DMARC_RFC7489 ? s.rec.pct : 100;
  if ((want = requested (d, q, &s)) < 0)
    {
      info->result = DKIMMOD_DMARC_PERMERROR;
      info->reason = keep (d, g_strdup_printf ("invalid p=, sp= or np= at _dmarc.%s "
                                               "(and no valid rua=)", s.policy_domain));
      return;
    }
  info->policy = (DkimmodDmarcPolicy) want;
  info->result = check_alignment (d, q, &s, in);
  switch (info->result)
    {
    case DKIMMOD_DMARC_PASS:
      info->disposition = DKIMMOD_DMARC_POLICY_NONE;
      break;
    case DKIMMOD_DMARC_TEMPERROR:
      info->reason = keep (d, g_strdup ("Organizational Domain of an identifier unknown "
                                        "(DNS failed)"));
      break;
    default:
      info->reason = keep (d, g_strdup ("no aligned DKIM or SPF pass"));
      dispose (d, &s, in);
      break;
    }
}

const DkimmodDmarcResultInfo *
dkimmod_dmarc_result (const DkimmodDmarc *d)
{
  return &d->info;
}

/**
 * dkimmod_dmarc_authres_words:
 *
 * "dmarc=RESULT (p=POLICY dis=DISPOSITION[ override=REASON DOMAIN])
 * [reason=...] header.from=DOMAIN [policy.dmarc=DISPOSITION]": the
 * comment in OpenDMARC's spelling that postmasters know, policy.dmarc as
 * RFC 7489 section 11.2 registers it (the policy applied after sp=, pct=
 * and, here, local overrides: none, quarantine or reject).
 * Returns: (transfer full): the words.
 */
GPtrArray *
dkimmod_dmarc_authres_words (const DkimmodDmarcResultInfo *r)
{
  GPtrArray *words = dkimmod_authres_words_new ("dmarc", dkimmod_dmarc_result_name (r->result));
  g_autoptr (GString) comment = g_string_new (NULL);

  if (r->policy != DKIMMOD_DMARC_POLICY_ABSENT)
    g_string_append_printf (comment, "p=%s", dkimmod_dmarc_policy_name (r->policy));
  if (r->disposition != DKIMMOD_DMARC_POLICY_ABSENT)
    g_string_append_printf (comment, " dis=%s", dkimmod_dmarc_policy_name (r->disposition));
  if (r->override != DKIMMOD_DMARC_OVERRIDE_NONE)
    g_string_append_printf (comment, " override=%s%s%s", dkimmod_dmarc_override_name (r->override),
                            r->override_domain[0] != '\0' ? " " : "", r->override_domain);
  if (comment->len > 0)
    dkimmod_authres_comment (words, comment->str);
  if (r->result != DKIMMOD_DMARC_PASS && r->reason[0] != '\0')
    dkimmod_authres_property (words, "reason", r->reason, FALSE);
  if (r->header_from[0] != '\0')
    dkimmod_authres_property (words, "header.from", r->header_from, FALSE);
  if (r->disposition != DKIMMOD_DMARC_POLICY_ABSENT)
    dkimmod_authres_property (words, "policy.dmarc", dkimmod_dmarc_policy_name (r->disposition),
                              FALSE);
  return words;
}
