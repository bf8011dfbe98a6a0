/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	auth.c - one message, every inbound method: DKIM, SPF, ARC and DMARC over one DNS question set
 * SYNOPSIS
 *	dkimmod_auth_options_init, dkimmod_auth_new, dkimmod_auth_free,
 *	dkimmod_auth_set_envelope, dkimmod_auth_add_header,
 *	dkimmod_auth_end_headers, dkimmod_auth_add_body, dkimmod_auth_queries,
 *	dkimmod_auth_step, dkimmod_auth_finish, dkimmod_auth_dkim,
 *	dkimmod_auth_spf, dkimmod_auth_dmarc, dkimmod_auth_resinfo_count, dkimmod_auth_resinfo,
 *	dkimmod_auth_authres
 * DESCRIPTION
 *	The aggregate a host drives for an inbound message. Each method puts
 *	its DNS questions into one DkimmodDnsQueries: SPF's when the envelope
 *	is known (before DATA), the DKIM keys' and DMARC's policy and
 *	Organizational Domain walks at the end of the header, so that one
 *	concurrent round answers all of them while the body streams.
 *	dkimmod_auth_step() is the one loop: it hands the answers to the
 *	methods, which ask what follows from them (SPF's include: and
 *	redirect=, DMARC's np= existence check), and returns 1 when nobody
 *	waits. dkimmod_auth_finish() ends the message (with a resolver it
 *	runs the rounds itself first), then DMARC is decided from the DKIM,
 *	SPF and ARC results computed here, never from fields already in the
 *	message.
 *
 *	The Authentication-Results field holds, in this order: dkim= for each
 *	evaluated signature (dkim=none without one), spf=, dmarc=, arc=, each
 *	built with authres.h's helpers and folded by one formatter.
 * STANDARDS
 *	RFC 8601 (Authentication-Results); RFC 6376, RFC 7208, RFC 8617,
 *	RFC 9989 / RFC 7489 through their units.
 * DIAGNOSTICS
 *	Faults (call order, bad arguments) return -1 with the DkimmodError
 *	set; outcomes are results.
 * NEVER
 *	Do I/O without a resolver from the host; read a verdict from the
 *	message's own Authentication-Results or ARC-Authentication-Results.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "arc.h"
#include "authres.h"
#include "dmarc.h"
#include "dnsquery.h"
#include "error-private.h"
#include "spf.h"
#include "verifier.h"

/* The most rounds finish() runs: SPF's chains are bounded by its own
 * 10-lookup limit; this only stops a method that would keep asking. */
#define AUTH_MAX_ROUNDS 16

typedef enum { STATE_ENVELOPE, STATE_HEADERS, STATE_BODY, STATE_DONE } AuthState;

struct DkimmodAuth {
  DkimmodContext *ctx;
  unsigned methods;
  DkimmodDnsQueries *q;
  DkimmodVerifier *dkim;
  DkimmodDmarc *dmarc;
  DkimmodSpf *spf;         /* NULL without SPF or a client address */
  DkimmodArcVerifier *arc; /* NULL without ARC */
  char *client_ip;         /* for arc='s smtp.remote-ip; NULL = unknown */
  unsigned spf_flags;
  AuthState state;
  char *mail_from_domain;  /* NULL for the null reverse-path */
  GPtrArray *resinfos;     /* after finish: GPtrArray of words each */
};

/**
 * dkimmod_auth_options_init:
 *
 * Every method, DKIM defaults, RFC 9989, no local overrides.
 */
void
dkimmod_auth_options_init (DkimmodAuthOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof *opts);
  opts->methods = DKIMMOD_AUTH_ALL;
  dkimmod_verify_options_init (&opts->dkim);
  opts->dmarc_standard = DKIMMOD_DMARC_RFC9989;
}

static gboolean
options_valid (const DkimmodAuthOptions *o)
{
  for (gsize i = 0; i < G_N_ELEMENTS (o->reserved); i++)
    if (o->reserved[i] != NULL)
      return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (o->dkim.reserved); i++)
    if (o->dkim.reserved[i] != NULL)
      return FALSE;
  return o->dmarc_standard == DKIMMOD_DMARC_RFC9989 || o->dmarc_standard == DKIMMOD_DMARC_RFC7489;
}

/**
 * dkimmod_auth_new:
 * @ctx: the context
 * @opts: (nullable): copied; NULL for dkimmod_auth_options_init()'s
 *
 * Returns: (transfer full) (nullable): the aggregate for one message;
 *   NULL when @opts is not valid (reserved[] not zero, unknown standard).
 */
DkimmodAuth *
dkimmod_auth_new (DkimmodContext *ctx, const DkimmodAuthOptions *opts)
{
  DkimmodAuthOptions defaults;
  DkimmodAuth *a;

  g_return_val_if_fail (ctx != NULL, NULL);
  if (opts == NULL)
    {
      dkimmod_auth_options_init (&defaults);
      opts = &defaults;
    }
  if (!options_valid (opts))
    return NULL;
  a = g_new0 (DkimmodAuth, 1);
  a->ctx = dkimmod_context_ref (ctx);
  a->methods = opts->methods;
  a->spf_flags = opts->spf_flags;
  a->q = dkimmod_dns_queries_new ();
  /* DMARC needs the DKIM results, so DKIM runs when DMARC does. */
  if (a->methods & (DKIMMOD_AUTH_DKIM | DKIMMOD_AUTH_DMARC))
    a->dkim = dkimmod_verifier_new (ctx, &opts->dkim);
  if (a->methods & DKIMMOD_AUTH_DMARC)
    a->dmarc = dkimmod_dmarc_new (opts->dmarc_standard, opts->dmarc_allow_domains,
                                  opts->dmarc_trusted_sealers);
  /* ARC asks its keys into the same set, so a key DKIM needs too is asked once */
  if (a->methods & DKIMMOD_AUTH_ARC)
    a->arc = dkimmod_arc_verifier_new (ctx, &opts->dkim, a->q);
  a->resinfos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  return a;
}

void
dkimmod_auth_free (DkimmodAuth *a)
{
  if (a == NULL)
    return;
  dkimmod_verifier_free (a->dkim);
  dkimmod_dmarc_free (a->dmarc);
  dkimmod_spf_free (a->spf);
  dkimmod_arc_verifier_free (a->arc);   /* before the question set it points to */
  dkimmod_dns_queries_free (a->q);
  g_ptr_array_unref (a->resinfos);
  g_free (a->mail_from_domain);
  g_free (a->client_ip);
  dkimmod_context_unref (a->ctx);
  g_free (a);
}

static int G_GNUC_PRINTF (2, 3)
fault (DkimmodError *err, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (err != NULL)
    {
      err->code = DKIMMOD_E_INVAL;
      g_strlcpy (err->message, msg, sizeof err->message);
    }
  return -1;
}

/* bare_path - a reverse-path without its angle brackets ("<u@d>" -> "u@d",
 * "<>" -> "") (transfer full) */
static char *
bare_path (const char *mail_from)
{
  char *path = g_strstrip (g_strdup (mail_from));
  gsize n = strlen (path);

  if (n >= 2 && path[0] == '<' && path[n - 1] == '>')
    {
      memmove (path, path + 1, n - 2);
      path[n - 2] = '\0';
    }
  return path;
}

/* mail_from_domain - the domain of a reverse-path ("<u@d>", "u@d"), or
 * NULL for the null path and one without a domain (transfer full) */
static char *
mail_from_domain (const char *mail_from)
{
  g_autofree char *path = bare_path (mail_from);
  const char *at = strrchr (path, '@');

  if (at == NULL || at[1] == '\0')
    return NULL;
  return g_ascii_strdown (at + 1, -1);
}

/**
 * dkimmod_auth_set_envelope:
 * @client_ip: (nullable): the SMTP client's address; NULL = unknown
 * @helo: (nullable): its HELO/EHLO name
 * @mail_from: (nullable): the reverse-path; NULL, "" or "<>" = null
 *
 * Returns: 0, or -1 with @err set (after the first header field).
 */
int
dkimmod_auth_set_envelope (DkimmodAuth *a, const char *client_ip, const char *helo,
                           const char *mail_from, DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (a == NULL || a->state != STATE_ENVELOPE)
    return fault (err, "auth_set_envelope: bad argument or after the header");
  g_clear_pointer (&a->mail_from_domain, g_free);
  g_clear_pointer (&a->spf, dkimmod_spf_free);
  g_free (a->client_ip);
  a->client_ip = g_strdup (client_ip);
  if (mail_from != NULL)
    a->mail_from_domain = mail_from_domain (mail_from);
  if (!(a->methods & DKIMMOD_AUTH_SPF) || client_ip == NULL
      || (mail_from == NULL && helo == NULL))
    return 0;   /* nothing to check: no spf= */
  {
    DkimmodSpfOptions so;

    dkimmod_spf_options_init (&so);
    so.flags = a->spf_flags;
    a->spf = dkimmod_spf_new (a->ctx, &so);
  }
  /* SPF's questions go into the set now, before DATA */
  g_autofree char *path = mail_from != NULL ? bare_path (mail_from) : NULL;
  if ((path != NULL ? dkimmod_spf_check_mail_from (a->spf, client_ip, helo, path, err)
                         : dkimmod_spf_check_helo (a->spf, client_ip, helo, err)) != 0
      || dkimmod_spf_step (a->spf, a->q, err) < 0)
    {
      g_clear_pointer (&a->spf, dkimmod_spf_free);
      return -1;
    }
  return 0;
}

/**
 * dkimmod_auth_add_header:
 *
 * Returns: 0, or -1 with @err set (call order, limits).
 */
int
dkimmod_auth_add_header (DkimmodAuth *a, const char *field, size_t len, DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (a == NULL || field == NULL || a->state > STATE_HEADERS)
    return fault (err, "auth_add_header: bad argument or call order");
  a->state = STATE_HEADERS;
  if (a->dkim != NULL && dkimmod_verifier_add_header (a->dkim, field, len, err) < 0)
    return -1;
  if (a->dmarc != NULL)
    dkimmod_dmarc_add_header (a->dmarc, field, len);
  if (a->arc != NULL && dkimmod_arc_verifier_add_header (a->arc, field, len, err) < 0)
    return -1;
  return 0;
}

/* key_domain - the d= of a key query "selector._domainkey.domain" */
static const char *
key_domain (const char *name)
{
  const char *p = g_strrstr (name, "._domainkey.");

  return p != NULL ? p + strlen ("._domainkey.") : name;
}

/**
 * dkimmod_auth_end_headers:
 *
 * The DKIM keys' and DMARC's questions are asked here.
 * Returns: 0, or -1 with @err set.
 */
int
dkimmod_auth_end_headers (DkimmodAuth *a, DkimmodError *err)
{
  g_autoptr (GPtrArray) domains = g_ptr_array_new ();

  dkimmod_error_clear (err);
  if (a == NULL || a->state > STATE_HEADERS)
    return fault (err, "auth_end_headers: bad argument or call order");
  a->state = STATE_BODY;
  if (a->dkim != NULL)
    {
      if (dkimmod_verifier_end_headers (a->dkim, err) < 0)
        return -1;
      dkimmod_dns_queries_ask_dkim_keys (a->q, a->dkim);
      for (size_t i = 0; i < dkimmod_verifier_key_query_count (a->dkim); i++)
        g_ptr_array_add (domains,
                         (gpointer) key_domain (dkimmod_verifier_key_query_name (a->dkim, i)));
    }
  if (a->dmarc != NULL)
    dkimmod_dmarc_ask (a->dmarc, a->q, (const char *const *) domains->pdata, domains->len,
                       a->mail_from_domain);
  if (a->arc != NULL && dkimmod_arc_verifier_end_headers (a->arc, err) < 0)
    return -1;
  return 0;
}

/**
 * dkimmod_auth_add_body:
 *
 * Returns: 0, or -1 with @err set.
 */
int
dkimmod_auth_add_body (DkimmodAuth *a, const void *data, size_t len, DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (a == NULL || a->state != STATE_BODY)
    return fault (err, "auth_add_body: bad argument or call order");
  if (a->dkim != NULL && dkimmod_verifier_add_body (a->dkim, data, len, err) < 0)
    return -1;
  if (a->arc != NULL && dkimmod_arc_verifier_add_body (a->arc, data, len, err) < 0)
    return -1;
  return 0;
}

/**
 * dkimmod_auth_queries:
 *
 * Returns: (transfer none): the message's question set.
 */
DkimmodDnsQueries *
dkimmod_auth_queries (DkimmodAuth *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  return a->q;
}

/* keys_done - the verifier has every key answer it asked for */
static gboolean
keys_done (const DkimmodVerifier *v)
{
  for (size_t i = 0; v != NULL && i < dkimmod_verifier_key_query_count (v); i++)
    if (!dkimmod_verifier_key_query_answered (v, i))
      return FALSE;
  return TRUE;
}

/**
 * dkimmod_auth_step:
 *
 * Returns: 1 when no method waits for an open question, 0 when some do,
 *   -1 with @err set.
 */
int
dkimmod_auth_step (DkimmodAuth *a, DkimmodError *err)
{
  gboolean done = TRUE;
  int st;

  dkimmod_error_clear (err);
  if (a == NULL || a->state == STATE_DONE)
    return fault (err, "auth_step: bad argument or after finish");
  if (a->spf != NULL)
    {
      if ((st = dkimmod_spf_step (a->spf, a->q, err)) < 0)
        return -1;
      done &= st == 1;
    }
  if (a->state == STATE_BODY)
    {
      if (a->dkim != NULL && dkimmod_dns_queries_answer_dkim_keys (a->q, a->dkim, err) != 0)
        return -1;
      done &= keys_done (a->dkim);
      if (a->dmarc != NULL)
        done &= dkimmod_dmarc_step (a->dmarc, a->q);
      /* ARC's own step decides only after the body (finish); until then
       * it waits only for its key answers */
      if (a->arc != NULL)
        done &= dkimmod_arc_verifier_answered (a->arc);
    }
  return done ? 1 : 0;
}

/* collect_resinfos - the A-R's resinfos, in their order */
static void
collect_resinfos (DkimmodAuth *a)
{
  if (a->dkim != NULL && (a->methods & DKIMMOD_AUTH_DKIM))
    {
      gsize n_b;
      const char *const *all_b = dkimmod_verifier_all_b (a->dkim, &n_b);
      size_t n = dkimmod_verifier_result_count (a->dkim);

      if (n == 0)
        g_ptr_array_add (a->resinfos, dkimmod_authres_words_new ("dkim", "none"));
      for (size_t i = 0; i < n; i++)
        g_ptr_array_add (a->resinfos,
                         dkimmod_authres_dkim_words (dkimmod_verifier_result (a->dkim, i),
                                                     all_b, n_b));
    }
  if (a->spf != NULL)
    g_ptr_array_add (a->resinfos, dkimmod_spf_authres_words (a->spf));
  if (a->dmarc != NULL)
    g_ptr_array_add (a->resinfos,
                     dkimmod_dmarc_authres_words (dkimmod_dmarc_result (a->dmarc)));
  /* arc= only for a message that has ARC fields (as dkimmod verify did) */
  if (a->arc != NULL)
    {
      const DkimmodArcResultInfo *r = dkimmod_arc_verifier_result (a->arc);

      if (r != NULL && r->result != DKIMMOD_RESULT_NONE)
        g_ptr_array_add (a->resinfos, dkimmod_arc_authres_words (r, a->client_ip));
    }
}

/* evaluate_dmarc - DMARC from our own DKIM, SPF and ARC results */
static void
evaluate_dmarc (DkimmodAuth *a)
{
  g_autoptr (GPtrArray) pass = g_ptr_array_new ();
  DkimmodDmarcInputs in = { 0 };

  for (size_t i = 0; i < dkimmod_verifier_result_count (a->dkim); i++)
    {
      const DkimmodSignatureResult *r = dkimmod_verifier_result (a->dkim, i);

      if (r->result == DKIMMOD_RESULT_PASS)
        g_ptr_array_add (pass, (gpointer) r->domain);
    }
  in.dkim_pass_domains = (const char *const *) pass->pdata;
  in.n_dkim_pass = pass->len;
  /* SPF counts for DMARC only as a pass of a MAIL FROM that is not null
   * (the HELO identity, and postmaster@HELO for <>, do not) */
  if (a->spf != NULL && a->mail_from_domain != NULL)
    {
      const DkimmodSpfResultInfo *spf = dkimmod_spf_result (a->spf);

      if (spf->result == DKIMMOD_SPF_PASS && spf->identity == DKIMMOD_SPF_IDENTITY_MAILFROM)
        in.spf_pass_domain = spf->domain;
    }
  /* a validated chain's sealers, for the trusted_forwarder override */
  if (a->arc != NULL)
    {
      const DkimmodArcResultInfo *arc = dkimmod_arc_verifier_result (a->arc);

      if (arc != NULL && arc->result == DKIMMOD_RESULT_PASS)
        {
          in.arc_pass = TRUE;
          in.arc_sealers = arc->sealers;
          in.n_arc_sealers = arc->n_sealers;
        }
    }
  dkimmod_dmarc_evaluate (a->dmarc, a->q, &in);
}

/* time_out_open - every open question answered TIMEOUT: what is still open
 * at the end of the message gives temperror, in every method alike */
static int
time_out_open (DkimmodDnsQueries *q, DkimmodError *err)
{
  for (size_t i = 0; i < dkimmod_dns_queries_count (q); i++)
    if (!dkimmod_dns_queries_answered (q, i)
        && dkimmod_dns_queries_answer (q, dkimmod_dns_queries_name (q, i),
                                       dkimmod_dns_queries_type (q, i), DKIMMOD_DNS_TIMEOUT,
                                       NULL, NULL, 0, 0, err) != 0)
      return -1;
  return 0;
}

/**
 * dkimmod_auth_finish:
 * @r: (nullable): a resolver to run the DNS rounds with, or NULL when
 *   the host answered the questions itself
 *
 * Returns: 0, or -1 with @err set.
 */
int
dkimmod_auth_finish (DkimmodAuth *a, DkimmodResolver *r, DkimmodError *err)
{
  int done = 0;

  dkimmod_error_clear (err);
  if (a == NULL || a->state != STATE_BODY)
    return fault (err, "auth_finish: bad argument or call order");
  if (a->arc != NULL && dkimmod_arc_verifier_finish (a->arc, err) < 0)
    return -1;
  for (int round = 0; round <= AUTH_MAX_ROUNDS; round++)
    {
      if ((done = dkimmod_auth_step (a, err)) < 0)
        return -1;
      if (done || round == AUTH_MAX_ROUNDS)
        break;
      if (r != NULL)
        {
          /* the resolver keeps the message's one deadline across rounds */
          if (dkimmod_resolver_resolve (r, a->q, err) < 0)
            return -1;
        }
      else if (time_out_open (a->q, err) < 0)
        return -1;
    }
  /* a method still asking after the last round: what is open times out */
  if (!done && (time_out_open (a->q, err) < 0 || dkimmod_auth_step (a, err) < 0))
    return -1;
  if (a->dkim != NULL && dkimmod_verifier_finish (a->dkim, err) < 0)
    return -1;
  if (a->arc != NULL && dkimmod_arc_verifier_step (a->arc, err) < 0)
    return -1;
  if (a->dmarc != NULL)
    evaluate_dmarc (a);
  a->state = STATE_DONE;
  collect_resinfos (a);
  return 0;
}

/**
 * dkimmod_auth_dkim:
 *
 * Returns: (transfer none) (nullable): the DKIM verifier (its results),
 *   NULL when neither DKIM nor DMARC ran.
 */
const DkimmodVerifier *
dkimmod_auth_dkim (const DkimmodAuth *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  return a->dkim;
}

/**
 * dkimmod_auth_spf:
 *
 * Returns: (transfer none) (nullable): the SPF result after finish; NULL
 *   before, or when SPF did not run (off, or no client address).
 */
const DkimmodSpfResultInfo *
dkimmod_auth_spf (const DkimmodAuth *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  return a->spf != NULL && a->state == STATE_DONE ? dkimmod_spf_result (a->spf) : NULL;
}

/**
 * dkimmod_auth_dmarc:
 *
 * Returns: (transfer none) (nullable): the DMARC result after finish;
 *   NULL before, or when DMARC did not run.
 */
const DkimmodDmarcResultInfo *
dkimmod_auth_dmarc (const DkimmodAuth *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  return a->dmarc != NULL && a->state == STATE_DONE ? dkimmod_dmarc_result (a->dmarc) : NULL;
}

size_t
dkimmod_auth_resinfo_count (const DkimmodAuth *a)
{
  g_return_val_if_fail (a != NULL, 0);
  return a->resinfos->len;
}

/**
 * dkimmod_auth_resinfo:
 *
 * Returns: (transfer full) (nullable): resinfo @i on one line.
 */
char *
dkimmod_auth_resinfo (const DkimmodAuth *a, size_t i)
{
  g_return_val_if_fail (a != NULL && i < a->resinfos->len, NULL);
  return dkimmod_authres_line (a->resinfos->pdata[i]);
}

/**
 * dkimmod_auth_authres:
 * @authserv_id: ours
 *
 * Returns: (transfer full) (nullable): the field, folded, CRLF-terminated.
 */
char *
dkimmod_auth_authres (const DkimmodAuth *a, const char *authserv_id, DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (a == NULL || authserv_id == NULL || a->state != STATE_DONE)
    {
      fault (err, "auth_authres: bad argument or before finish");
      return NULL;
    }
  return dkimmod_authres_field (authserv_id, (GPtrArray *const *) a->resinfos->pdata,
                                a->resinfos->len);
}
