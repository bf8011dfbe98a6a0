/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	verifyjob.c - verify one message as it streams in (dkimmod-spawn)
 * SYNOPSIS
 *	dkimmod_verify_env_new, dkimmod_verify_env_free,
 *	dkimmod_verifyjob_new, dkimmod_verifyjob_finish
 * DESCRIPTION
 *	The environment is made once per process: verification options, our
 *	authserv-id (verifying.authserv_id, else the host's fully qualified
 *	name), and the key
 *	source: verifying.key_file when set, else the library's default
 *	resolver (verifying.nameserver, verifying.dns_timeout per message).
 *
 *	The job is fed by the DATA reader (job.c). At the end of the header
 *	block every field goes to the verifier as received, and the fields to
 *	leave out when relaying are noted by their place in the message:
 *	Authentication-Results claiming our authserv-id (nobody outside may
 *	speak for us; case and a final dot ignored), and, whether or not
 *	x_dkim_authentication_results is set, every
 *	X-DKIM-Authentication-Results, which only we may add. The key lookups
 *	then run while the client is still sending the body (the resolver
 *	bounds them by its per-message deadline), and the body streams into
 *	the verifier.
 *
 *	finish gives the fields to prepend, the spans to drop and the log
 *	text. Results are data: fail, permerror or temperror do not stop the
 *	message, unless the site asks for it (on_temperror = tempfail,
 *	on_fail = reject; data.c answers then).
 * STANDARDS
 *	RFC 6376 section 6 (verifier actions), RFC 8601 sections 2.7.1 (dkim
 *	results) and 5 (removing fields that claim our authserv-id).
 * SECURITY
 *	The verifier bounds its work (max_signatures, header limits, DNS
 *	deadline); domains and selectors reach the log only sanitised.
 * DIAGNOSTICS
 *	The detail for the one log line per message: the overall result,
 *	message-id, and each signature's d=, s=, a= and reason.
 */
#include "verifyjob.h"

#include <string.h>

#include "log.h"

typedef struct {
  DkimmodJob base;
  const DkimmodVerifyEnv *env;
  DkimmodVerifier *verifier;
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
  env->on_temperror = set->on_temperror;
  env->on_fail = set->on_fail;
  env->authserv_id = set->authserv_id ? g_strdup (set->authserv_id)
                                      : dkimmod_config_default_authserv_id ();
  env->x_header = set->x_dkim_authentication_results;
  if (set->key_file != NULL)
    env->key_file = dkimmod_key_file_load (set->key_file, &err);
  else
    env->resolver = dkimmod_resolver_new (set->nameserver, set->dns_timeout * 1000u, &err);
  if (env->key_file == NULL && env->resolver == NULL)
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
  if (env->resolver != NULL)
    dkimmod_resolver_free (env->resolver);
  if (env->key_file != NULL)
    dkimmod_key_file_free (env->key_file);
  g_free (env);
}

/* clear - the class's own fields */
static void
clear (DkimmodJob *base)
{
  DkimmodVerifyJob *job = (DkimmodVerifyJob *) base;

  if (job->verifier != NULL)
    dkimmod_verifier_free (job->verifier);
  g_array_unref (job->drop);
  g_free (job->peer);
}

/* is_x_dkim_ar - an X-DKIM-Authentication-Results field (any spelling) */
static gboolean
is_x_dkim_ar (const char *field, gsize len)
{
  gsize name_len, value_off;

  return dkimmod_header_split (field, len, &name_len, &value_off)
         && name_len == strlen ("X-DKIM-Authentication-Results")
         && g_ascii_strncasecmp (field, "X-DKIM-Authentication-Results", name_len) == 0;
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

      /* X-DKIM-Authentication-Results goes whether or not we add one:
       * dkimproxy-era filters downstream trust it, and it can only have
       * come from outside */
      if (dkimmod_authres_is_ours (f, len, job->env->authserv_id) || is_x_dkim_ar (f, len))
        {
          DkimmodRange r = { offset, len };

          g_array_append_val (job->drop, r);
        }
      offset += len;
    }
}

/* look_up_keys - answer the verifier's key queries from the file or DNS */
static void
look_up_keys (DkimmodVerifyJob *job)
{
  DkimmodError err = { 0 };
  int rc;

  if (dkimmod_verifier_key_query_count (job->verifier) == 0)
    return;
  if (job->env->key_file != NULL)
    rc = dkimmod_verifier_answer_from_key_file (job->verifier, job->env->key_file, &err);
  else
    rc = dkimmod_verifier_lookup_keys (job->verifier, job->env->resolver, &err);
  /* Lookups left unanswered end as temperror: a result, not a failure. */
  if (rc != 0)
    dkimmod_log (LOG_WARNING, "%s: DKIM verify: key lookup: %s", job->base.queue_id,
                 err.message);
}

/* start_body - fields into the verifier, drops noted, keys looked up */
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

      if (dkimmod_verifier_add_header (job->verifier, f, len, &err) != 0)
        {
          base->header_limit = err.code == DKIMMOD_E_LIMIT;
          dkimmod_job_fail (base, "header field %u: %s", i + 1, err.message);
          return;
        }
    }
  if (dkimmod_verifier_end_headers (job->verifier, &err) != 0)
    {
      dkimmod_job_fail (base, "end of headers: %s", err.message);
      return;
    }
  look_up_keys (job);
}

/* add_body - body bytes into the verifier */
static void
add_body (DkimmodJob *base, const char *data, gsize len)
{
  DkimmodVerifyJob *job = (DkimmodVerifyJob *) base;
  DkimmodError err = { 0 };

  if (dkimmod_verifier_add_body (job->verifier, data, len, &err) != 0)
    dkimmod_job_fail (base, "body: %s", err.message);
}

static const DkimmodJobClass verifyjob_class = { start_body, add_body, clear };

DkimmodJob *
dkimmod_verifyjob_new (const DkimmodVerifyEnv *env, DkimmodContext *ctx, const char *queue_id,
                       const char *peer)
{
  DkimmodVerifyJob *job = dkimmod_job_new (&verifyjob_class, sizeof *job, queue_id);

  job->env = env;
  job->verifier = dkimmod_verifier_new (ctx, &env->opts);
  job->drop = g_array_new (FALSE, FALSE, sizeof (DkimmodRange));
  job->peer = g_strdup (peer);
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

/* describe - the log text: summary; [client, ]message-id and each result */
static char *
describe (DkimmodVerifyJob *job, DkimmodResult summary)
{
  size_t n = dkimmod_verifier_result_count (job->verifier);
  g_autofree char *msgid = dkimmod_job_message_id (&job->base);
  GString *out = g_string_new (dkimmod_result_name (summary));

  g_string_append (out, "; ");
  if (job->peer != NULL)
    g_string_append_printf (out, "client=%s, ", job->peer);
  g_string_append (out, msgid);
  if (n == 0)
    g_string_append (out, ", no signature");
  else if (n == 1)
    append_signature (out, dkimmod_verifier_result (job->verifier, 0));
  else
    for (size_t i = 0; i < n; i++)
      {
        const DkimmodSignatureResult *r = dkimmod_verifier_result (job->verifier, i);

        g_string_append_printf (out, "; %s", dkimmod_result_name (r->result));
        append_signature (out, r);
      }
  if (job->drop->len > 0)
    g_string_append_printf (out, "; removed %u field%s claiming authserv-id %s", job->drop->len,
                            job->drop->len == 1 ? "" : "s", job->env->authserv_id);
  return g_string_free (out, FALSE);
}

/* fields_to_prepend - our Authentication-Results (and X-DKIM-...);
 * NULL when the job failed */
static GBytes *
fields_to_prepend (DkimmodVerifyJob *job, DkimmodResult summary)
{
  DkimmodError err = { 0 };
  char *ar = dkimmod_verifier_authres (job->verifier, job->env->authserv_id, &err);
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
                            summary == DKIMMOD_RESULT_PASS ? "pass"
                            : summary == DKIMMOD_RESULT_NONE ? "none" : "fail");
  return g_string_free_to_bytes (out);
}

DkimmodVerifyJobResult
dkimmod_verifyjob_finish (DkimmodJob *base, GBytes **prepend, GArray **drop,
                          DkimmodResult *summary, char **detail)
{
  DkimmodVerifyJob *job = (DkimmodVerifyJob *) base;
  DkimmodError err = { 0 };

  *prepend = NULL;
  *drop = job->drop;
  *summary = DKIMMOD_RESULT_NONE;
  dkimmod_job_end (&job->base);
  if (job->base.failed == NULL && dkimmod_verifier_finish (job->verifier, &err) != 0)
    dkimmod_job_fail (&job->base, "verifier: %s", err.message);
  if (job->base.failed == NULL)
    {
      *summary = dkimmod_verifier_summary (job->verifier);
      *prepend = fields_to_prepend (job, *summary);
    }
  if (job->base.failed != NULL)
    {
      *detail = g_strdup (job->base.failed);
      return job->base.header_limit ? DKIMMOD_VERIFYJOB_HEADER_LIMIT : DKIMMOD_VERIFYJOB_FAILED;
    }
  *detail = describe (job, *summary);
  return DKIMMOD_VERIFYJOB_DONE;
}
