/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	verifyjob.c - authenticate one message as it streams in (dkimmod-spawn)
 * SYNOPSIS
 *	dkimmod_verify_env_new, dkimmod_verify_env_free,
 *	dkimmod_verifyjob_new, dkimmod_verifyjob_finish,
 *	dkimmod_verify_outcome_clear
 * DESCRIPTION
 *	The environment is made once per process: the methods that run
 *	(DKIM always; verifying.spf, dmarc, arc), DKIM's options, the DMARC
 *	overrides, our authserv-id (verifying.authserv_id, else the host's
 *	fully qualified name), and the DNS source: verifying.key_file when
 *	set (a DNS file; key-file lines are TXT records), else the library's
 *	default resolver (verifying.nameserver, verifying.dns_timeout: one
 *	deadline for all the message's rounds).
 *
 *	A job is one DkimmodAuth, the library's aggregate of every method.
 *	It gets the SMTP envelope when it is made (client address and HELO
 *	from XFORWARD, MAIL FROM), which asks SPF's questions. At the end of
 *	the header block every field goes to it as received, and the fields
 *	to leave out when relaying are noted by their place in the message:
 *	Authentication-Results claiming our authserv-id (nobody outside may
 *	speak for us; case and a final dot ignored), every
 *	X-DKIM-Authentication-Results (only we may add one), and the
 *	quarantine field when on_dmarc_quarantine = header. The DNS rounds
 *	then run (SPF's, the DKIM keys', DMARC's policy walk and ARC's keys
 *	together, then what follows from the answers) while the client is
 *	still sending the body, which streams into the aggregate.
 *
 *	finish gives the fields to prepend (the one Authentication-Results
 *	field of every method), the spans to drop, the log text and what the
 *	results mean: fail, permerror or temperror never stop the message
 *	here; data.c answers for the site's actions (on_temperror,
 *	on_fail, on_dmarc_reject).
 * STANDARDS
 *	RFC 8601 (one Authentication-Results field; section 5, removing
 *	fields that claim our authserv-id); RFC 6376 section 6, RFC 7208,
 *	RFC 7489 / RFC 9989 section 6.7 (local policy), RFC 8617, through
 *	the library.
 * SECURITY
 *	The library bounds the work (max_signatures, header limits, SPF's
 *	lookup limits, one DNS deadline, a bounded number of rounds here);
 *	what reaches the log is sanitised.
 * DIAGNOSTICS
 *	The detail for the one log line per message: the DKIM summary,
 *	message-id, each signature's d=, s=, a= and reason, then the spf=,
 *	dmarc= and arc= results with their properties.
 */
#include "verifyjob.h"

#include <string.h>

#include "log.h"

/* Rounds of DNS per message: SPF's chains are bounded by its 10 lookups
 * and the one deadline; this only stops a method that keeps asking. */
#define VERIFYJOB_MAX_ROUNDS 16

typedef struct {
  DkimmodJob base;
  const DkimmodVerifyEnv *env;
  DkimmodAuth *auth;
  GArray *drop;               /* DkimmodRange, in message order */
  char *peer;
} DkimmodVerifyJob;

DkimmodVerifyEnv *
dkimmod_verify_env_new (const DkimmodConfig *cfg, GError **error)
{
  const DkimmodVerifySettings *set = dkimmod_config_verifying (cfg);
  g_autoptr (DkimmodVerifyEnv) env = g_new0 (DkimmodVerifyEnv, 1);
  DkimmodError err = { 0 };

  dkimmod_config_verify_options (cfg, &env->opts);
  dkimmod_config_auth_options (cfg, &env->auth);
  /* The lists are borrowed from CFG: the environment keeps its own. */
  env->allow_domains = g_strdupv (set->dmarc_override_domains);
  env->trusted_sealers = g_strdupv (set->dmarc_override_arc_sealers);
  env->auth.dmarc_allow_domains = (const char *const *) env->allow_domains;
  env->auth.dmarc_trusted_sealers = (const char *const *) env->trusted_sealers;
  env->on_temperror = set->on_temperror;
  env->on_fail = set->on_fail;
  env->on_dmarc_reject = set->on_dmarc_reject;
  env->on_dmarc_quarantine = set->on_dmarc_quarantine;
  env->quarantine_header = g_strdup (set->quarantine_header);
  env->authserv_id = set->authserv_id ? g_strdup (set->authserv_id)
                                      : dkimmod_config_default_authserv_id ();
  env->x_header = set->x_dkim_authentication_results;
  if (set->key_file != NULL)
    env->dns_file = dkimmod_dns_file_load (set->key_file, &err);
  else
    env->resolver = dkimmod_resolver_new (set->nameserver, set->dns_timeout * 1000u, &err);
  if (env->dns_file == NULL && env->resolver == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "verifying.%s: %s",
                   set->key_file ? "key_file" : "nameserver", err.message);
      return NULL;
    }
  return g_steal_pointer (&env);
}

void
dkimmod_verify_env_free (DkimmodVerifyEnv *env)
{
  if (env == NULL)
    return;
  g_free (env->authserv_id);
  g_free (env->quarantine_header);
  g_strfreev (env->allow_domains);
  g_strfreev (env->trusted_sealers);
  if (env->resolver != NULL)
    dkimmod_resolver_free (env->resolver);
  if (env->dns_file != NULL)
    dkimmod_dns_file_free (env->dns_file);
  g_free (env);
}

void
dkimmod_verify_outcome_clear (DkimmodVerifyOutcome *out)
{
  g_clear_pointer (&out->dmarc_domain, g_free);
  memset (out, 0, sizeof *out);
}

/* clear - the class's own fields */
static void
clear (DkimmodJob *base)
{
  DkimmodVerifyJob *job = (DkimmodVerifyJob *) base;

  if (job->auth != NULL)
    dkimmod_auth_free (job->auth);
  g_array_unref (job->drop);
  g_free (job->peer);
}

/* not_passed_on - a field only we may write: Authentication-Results
 * claiming our authserv-id, any X-DKIM-Authentication-Results (dkimproxy-
 * era filters downstream trust it, whether or not we add one), and the
 * quarantine field when we may add it */
static gboolean
not_passed_on (const DkimmodVerifyEnv *env, const char *f, gsize len)
{
  return dkimmod_authres_is_ours (f, len, env->authserv_id)
         || dkimmod_header_is_named (f, len, "X-DKIM-Authentication-Results", NULL)
         || (env->on_dmarc_quarantine == DKIMMOD_VERIFY_HEADER
             && dkimmod_header_is_named (f, len, env->quarantine_header, NULL));
}

/* note_drops - which fields are not sent on, by offset in the message */
static void
note_drops (DkimmodVerifyJob *job, GPtrArray *fields)
{
  guint64 offset = 0;

  for (guint i = 0; i < fields->len; i++)
    {
      gsize len;
      const char *f = g_bytes_get_data (fields->pdata[i], &len);

      if (not_passed_on (job->env, f, len))
        {
          DkimmodRange r = { offset, len };

          g_array_append_val (job->drop, r);
        }
      offset += len;
    }
}

/* answer_open - the open questions answered from the DNS file or by the
 * resolver, concurrently, within the message's one deadline */
static void
answer_open (DkimmodVerifyJob *job)
{
  DkimmodDnsQueries *q = dkimmod_auth_queries (job->auth);
  DkimmodError err = { 0 };
  int rc;

  if (dkimmod_dns_queries_open_count (q) == 0)
    return;
  if (job->env->dns_file != NULL)
    rc = dkimmod_dns_file_answer (job->env->dns_file, q, &err);
  else
    rc = dkimmod_resolver_resolve (job->env->resolver, q, &err);
  /* Questions left unanswered end as temperror: a result, not a failure. */
  if (rc != 0)
    dkimmod_log (LOG_WARNING, "%s: DKIM verify: DNS: %s", job->base.queue_id, err.message);
}

/* dns_rounds - step the methods and answer their questions until no
 * method waits; a fault fails the job (451) */
static void
dns_rounds (DkimmodVerifyJob *job)
{
  DkimmodError err = { 0 };

  for (int round = 0; round < VERIFYJOB_MAX_ROUNDS; round++)
    {
      int rc = dkimmod_auth_step (job->auth, &err);

      if (rc < 0)
        {
          dkimmod_job_fail (&job->base, "DNS round: %s", err.message);
          return;
        }
      if (rc == 1)
        return;
      answer_open (job);
    }
}

/* start_body - fields into the aggregate, drops noted, DNS rounds */
static void
start_body (DkimmodJob *base)
{
  DkimmodVerifyJob *job = (DkimmodVerifyJob *) base;
  GPtrArray *fields = dkimmod_msgparser_fields (base->parser);
  DkimmodError err = { 0 };

  note_drops (job, fields);
  for (guint i = 0; i < fields->len; i++)
    {
      gsize len;
      const char *f = g_bytes_get_data (fields->pdata[i], &len);

      if (dkimmod_auth_add_header (job->auth, f, len, &err) != 0)
        {
          base->header_limit = err.code == DKIMMOD_E_LIMIT;
          dkimmod_job_fail (base, "header field %u: %s", i + 1, err.message);
          return;
        }
    }
  if (dkimmod_auth_end_headers (job->auth, &err) != 0)
    {
      dkimmod_job_fail (base, "end of headers: %s", err.message);
      return;
    }
  dns_rounds (job);
}

/* add_body - body bytes into the aggregate */
static void
add_body (DkimmodJob *base, const char *data, gsize len)
{
  DkimmodVerifyJob *job = (DkimmodVerifyJob *) base;
  DkimmodError err = { 0 };

  if (dkimmod_auth_add_body (job->auth, data, len, &err) != 0)
    dkimmod_job_fail (base, "body: %s", err.message);
}

static const DkimmodJobClass verifyjob_class = { start_body, add_body, clear };

DkimmodJob *
dkimmod_verifyjob_new (const DkimmodVerifyEnv *env, DkimmodContext *ctx, const char *queue_id,
                       const char *peer, const DkimmodVerifyEnvelope *envelope)
{
  DkimmodVerifyJob *job = dkimmod_job_new (&verifyjob_class, sizeof *job, queue_id);
  DkimmodError err = { 0 };

  job->env = env;
  job->drop = g_array_new (FALSE, FALSE, sizeof (DkimmodRange));
  job->peer = g_strdup (peer);
  job->auth = dkimmod_auth_new (ctx, &env->auth);
  if (job->auth == NULL)
    dkimmod_job_fail (&job->base, "authentication: options refused by the library");
  else if (dkimmod_auth_set_envelope (job->auth, envelope->client_ip, envelope->helo,
                                      envelope->mail_from, &err) != 0)
    dkimmod_job_fail (&job->base, "envelope: %s", err.message);
  return &job->base;
}

/* clean - sanitised copy of a wire string for the log */
static char *
clean (const char *s)
{
  return dkimmod_log_sanitize (s, strlen (s), 64);
}

/* append_signature - ", d=..., s=..., a=...[, reason=\"...\"]" */
static void
append_signature (GString *out, const DkimmodSignatureResult *r)
{
  g_autofree char *d = clean (r->domain);
  g_autofree char *s = clean (r->selector);
  g_autofree char *a = clean (r->algorithm);

  g_string_append_printf (out, ", d=%s, s=%s, a=%s", d, s, a);
  if (r->reason[0] != '\0')
    g_string_append_printf (out, ", reason=\"%s\"", r->reason);
}

/* append_methods - "; spf=...; dmarc=...; arc=..." from the A-R's
 * resinfos (DKIM's are written out per signature before) */
static void
append_methods (GString *out, const DkimmodAuth *auth)
{
  for (size_t i = 0; i < dkimmod_auth_resinfo_count (auth); i++)
    {
      char *line = dkimmod_auth_resinfo (auth, i);

      if (line != NULL && !g_str_has_prefix (line, "dkim="))
        {
          g_autofree char *c = dkimmod_log_sanitize (line, strlen (line), DKIMMOD_LOG_TEXT_MAX);

          g_string_append_printf (out, "; %s", c);
        }
      dkimmod_free (line);
    }
}

/* describe - the log text: DKIM summary; [client, ]message-id and each
 * signature; the other methods */
static char *
describe (DkimmodVerifyJob *job, DkimmodResult summary)
{
  const DkimmodVerifier *v = dkimmod_auth_dkim (job->auth);
  size_t n = v != NULL ? dkimmod_verifier_result_count (v) : 0;
  g_autofree char *msgid = dkimmod_job_message_id (&job->base);
  GString *out = g_string_new (dkimmod_result_name (summary));

  g_string_append (out, "; ");
  if (job->peer != NULL)
    g_string_append_printf (out, "client=%s, ", job->peer);
  g_string_append (out, msgid);
  if (n == 0)
    g_string_append (out, ", no signature");
  else if (n == 1)
    append_signature (out, dkimmod_verifier_result (v, 0));
  else
    for (size_t i = 0; i < n; i++)
      {
        const DkimmodSignatureResult *r = dkimmod_verifier_result (v, i);

        g_string_append_printf (out, "; %s", dkimmod_result_name (r->result));
        append_signature (out, r);
      }
  append_methods (out, job->auth);
  if (job->drop->len > 0)
    g_string_append_printf (out, "; removed %u field%s claiming authserv-id %s", job->drop->len,
                            job->drop->len == 1 ? "" : "s", job->env->authserv_id);
  return g_string_free (out, FALSE);
}

/* fields_to_prepend - our Authentication-Results (and X-DKIM-..., and the
 * quarantine field); NULL when the job failed */
static GBytes *
fields_to_prepend (DkimmodVerifyJob *job, const DkimmodVerifyOutcome *o)
{
  DkimmodError err = { 0 };
  char *ar = dkimmod_auth_authres (job->auth, job->env->authserv_id, &err);
  GString *out;

  if (ar == NULL)
    {
      dkimmod_job_fail (&job->base, "Authentication-Results: %s", err.message);
      return NULL;
    }
  out = g_string_new (ar);
  dkimmod_free (ar);
  if (job->env->x_header)
    g_string_append_printf (out, "X-DKIM-Authentication-Results: %s\r\n",
                            o->dkim == DKIMMOD_RESULT_PASS ? "pass"
                            : o->dkim == DKIMMOD_RESULT_NONE ? "none" : "fail");
  if (o->dmarc_quarantine && job->env->on_dmarc_quarantine == DKIMMOD_VERIFY_HEADER)
    g_string_append_printf (out, "%s: p=quarantine header.from=%s\r\n",
                            job->env->quarantine_header, o->dmarc_domain);
  return g_string_free_to_bytes (out);
}

/* outcome_of - what the results mean for the message */
static void
outcome_of (DkimmodVerifyJob *job, DkimmodVerifyOutcome *o)
{
  const DkimmodVerifier *v = dkimmod_auth_dkim (job->auth);
  const DkimmodDmarcResultInfo *dmarc = dkimmod_auth_dmarc (job->auth);

  const DkimmodSpfResultInfo *spf = dkimmod_auth_spf (job->auth);

  o->dkim = v != NULL ? dkimmod_verifier_summary (v) : DKIMMOD_RESULT_NONE;
  o->temperror = (spf != NULL && spf->result == DKIMMOD_SPF_TEMPERROR)
                 || (dmarc != NULL && dmarc->result == DKIMMOD_DMARC_TEMPERROR);
  if (dmarc == NULL)
    return;
  o->dmarc_reject = dmarc->result == DKIMMOD_DMARC_FAIL
                    && dmarc->disposition == DKIMMOD_DMARC_POLICY_REJECT;
  o->dmarc_quarantine = dmarc->result == DKIMMOD_DMARC_FAIL
                        && dmarc->disposition == DKIMMOD_DMARC_POLICY_QUARANTINE;
  o->dmarc_domain = dkimmod_log_sanitize (dmarc->header_from, strlen (dmarc->header_from),
                                          DKIMMOD_LOG_TEXT_MAX);
}

DkimmodVerifyJobResult
dkimmod_verifyjob_finish (DkimmodJob *base, GBytes **prepend, GArray **drop,
                          DkimmodVerifyOutcome *out, char **detail)
{
  DkimmodVerifyJob *job = (DkimmodVerifyJob *) base;
  DkimmodError err = { 0 };

  *prepend = NULL;
  *drop = job->drop;
  memset (out, 0, sizeof *out);
  out->dkim = DKIMMOD_RESULT_NONE;
  dkimmod_job_end (&job->base);
  /* The rounds ran at the end of the header block: nothing is left for
   * a resolver here, and what is still open is temperror. */
  if (job->base.failed == NULL && dkimmod_auth_finish (job->auth, NULL, &err) != 0)
    dkimmod_job_fail (&job->base, "authentication: %s", err.message);
  if (job->base.failed == NULL)
    {
      outcome_of (job, out);
      *prepend = fields_to_prepend (job, out);
    }
  if (job->base.failed != NULL)
    {
      /* the caller answers 4xx/552 and reads nothing else of OUT */
      dkimmod_verify_outcome_clear (out);
      *detail = g_strdup (job->base.failed);
      return job->base.header_limit ? DKIMMOD_VERIFYJOB_HEADER_LIMIT : DKIMMOD_VERIFYJOB_FAILED;
    }
  *detail = describe (job, out->dkim);
  return DKIMMOD_VERIFYJOB_DONE;
}
