/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	signjob.c - choose signatures for one message and hash it as it arrives
 * SYNOPSIS
 *	dkimmod_signjob_new, dkimmod_signjob_watch_keys, dkimmod_signjob_finish
 * DESCRIPTION
 *	A job (job.c) fed by the DATA reader. At the end of the header
 *	block the job knows everything it needs to pick signatures:
 *	  - the sender, by sender_source: the From header (default; a message
 *	    with zero or several From fields is not signed), Sender then From
 *	    (DKIMproxy's behaviour), or the envelope sender;
 *	  - its domain as A-labels (SMTPUTF8 mail may carry U-labels in all
 *	    three; dkimmod_config_sender_to_ascii): a domain that is no valid
 *	    IDN means "skipped", with the reason in the log;
 *	  - the sender_map entry for it (dkimmod_config_lookup_checked); none
 *	    means "skipped" and the message is relayed unsigned, while a
 *	    sender_map_dir file that cannot be read is an error (451);
 *	  - with signing.match_envelope_sender, whether the envelope sender's
 *	    domain may speak for the sender's (config-sender-policy.c): if
 *	    not, "skipped", relayed unsigned, the reason in the log;
 *	  - the keys, through the context's per-process cache, so a connection
 *	    carrying 50 messages parses each key once.
 *	It then feeds the header fields and streams the body into the signer,
 *	so the body is hashed while it is being read and nothing but the
 *	spool holds the message.
 *
 *	Errors do not interrupt the reader (the client is still sending): the
 *	first one is kept and reported by dkimmod_signjob_finish.
 * SEE ALSO
 *	job.c (header/body split), verifyjob.c (the verify mode's job).
 * STANDARDS
 *	RFC 6376 section 5.4 (what is signed: the library decides), RFC 5322
 *	section 3.6 (exactly one From field).
 * SECURITY
 *	The header block is bounded by msgparse (DKIMMOD_LIMIT_HEADER_BYTES,
 *	_HEADER_COUNT); header text reaches the log only sanitised.
 */
#include "signjob.h"

#include <string.h>

#include "log.h"
#include "job.h"
#include "msgparse.h"

typedef struct {
  DkimmodJob base;            /* parser, skipped, failed, queue id */
  const DkimmodConfig *cfg;
  DkimmodContext *ctx;
  char *envelope;
  DkimmodSigner *signer;      /* NULL when skipped or failed */
  GString *summary;           /* the log line's fields */
  char *from_log;             /* sanitised sender for the summary */
  gboolean summary_from_done;
  DkimmodFileWatch *watch;    /* serve mode: key files read (borrowed), or NULL */
} DkimmodSignJob;

/* clear - the class's own fields */
static void
clear (DkimmodJob *base)
{
  DkimmodSignJob *job = (DkimmodSignJob *) base;

  g_free (job->envelope);
  if (job->signer != NULL)
    dkimmod_signer_free (job->signer);
  g_string_free (job->summary, TRUE);
  g_free (job->from_log);
}

/* fail - keep the first error; the signer is of no use afterwards */
#define fail(job, ...) \
  G_STMT_START { \
    dkimmod_job_fail (&(job)->base, __VA_ARGS__); \
    g_clear_pointer (&(job)->signer, dkimmod_signer_free); \
  } G_STMT_END

/* header_address - the address of the only NAME field; NULL + *why if none */
static char *
header_address (DkimmodSignJob *job, const char *name, char **why)
{
  guint n = dkimmod_msgparser_count (job->base.parser, name);
  g_autofree char *value = NULL;
  char *addr;

  if (n != 1)
    {
      *why = n == 0 ? g_strdup_printf ("no %s header", name)
                    : g_strdup_printf ("%u %s headers", n, name);
      return NULL;
    }
  value = dkimmod_msgparser_value (job->base.parser, name);
  addr = value ? dkimmod_address_first (value) : NULL;
  if (addr == NULL)
    *why = g_strdup_printf ("no address in %s header", name);
  return addr;
}

/* choose_sender - the address that selects the sender_map entry */
static char *
choose_sender (DkimmodSignJob *job, char **why)
{
  switch (dkimmod_config_sender_source (job->cfg))
    {
    case DKIMMOD_SENDER_ENVELOPE:
      if (job->envelope[0] == '\0')
        {
          *why = g_strdup ("null envelope sender");
          return NULL;
        }
      return g_ascii_strdown (job->envelope, -1);
    case DKIMMOD_SENDER_SENDER_THEN_FROM:
      if (dkimmod_msgparser_count (job->base.parser, "Sender") > 0)
        return header_address (job, "Sender", why);
      return header_address (job, "From", why);
    case DKIMMOD_SENDER_FROM:
    default:
      return header_address (job, "From", why);
    }
}

/* add_signature - load SIG's key (cached) and add it to the signer */
static gboolean
add_signature (DkimmodSignJob *job, const DkimmodConfigSignature *sig)
{
  const DkimmodSpawnSettings *set = dkimmod_config_spawn (job->cfg);
  unsigned flags = set->allow_group_readable_keys ? DKIMMOD_KEY_ALLOW_GROUP_READABLE : 0;
  DkimmodError err = { 0 };
  g_autoptr (DkimmodKey) key = NULL;
  DkimmodSignSpec spec;
  DkimmodAlgorithm alg;

  /* Stat before the read: a change made meanwhile shows next time. */
  if (job->watch != NULL)
    dkimmod_filewatch_add (job->watch, sig->key_path);
  key = dkimmod_key_load_file (job->ctx, sig->key_path, flags, &err);
  if (key == NULL)
    {
      fail (job, "key %s: %s", sig->key_path, err.message);
      return FALSE;
    }
  dkimmod_sign_spec_init (&spec);
  dkimmod_config_signature_to_spec (sig, key, &spec);
  if (dkimmod_signer_add_signature (job->signer, &spec, &err) != 0)
    {
      fail (job, "signature d=%s s=%s (%s): %s", sig->domain, sig->selector,
            sig->origin ? sig->origin : "?", err.message);
      return FALSE;
    }
  alg = sig->algorithm != DKIMMOD_ALG_FROM_KEY ? sig->algorithm : dkimmod_key_algorithm (key);
  /* DKIMproxy's order: signer, from, then the signature's details. */
  g_string_append_printf (job->summary, ", signer=<%s%s>", sig->identity ? "" : "@",
                          sig->identity ? sig->identity : sig->domain);
  if (!job->summary_from_done)
    g_string_append_printf (job->summary, ", from=<%s>", job->from_log);
  job->summary_from_done = TRUE;
  g_string_append_printf (job->summary, ", s=%s, a=%s", sig->selector,
                          dkimmod_algorithm_name (alg));
  return TRUE;
}

/* add_headers - every header field into the signer, then end of headers */
static void
add_headers (DkimmodSignJob *job)
{
  GPtrArray *fields = dkimmod_msgparser_fields (job->base.parser);
  DkimmodError err = { 0 };

  for (guint i = 0; i < fields->len && job->signer != NULL; i++)
    {
      gsize len;
      const char *f = g_bytes_get_data (fields->pdata[i], &len);

      if (dkimmod_signer_add_header (job->signer, f, len, &err) != 0)
        {
          job->base.header_limit = job->base.header_limit || err.code == DKIMMOD_E_LIMIT;
          fail (job, "header field %u: %s", i + 1, err.message);
        }
    }
  if (job->signer != NULL && dkimmod_signer_end_headers (job->signer, &err) != 0)
    fail (job, "end of headers: %s", err.message);
}

/* start_body - the header block is complete: choose, load, set up */
static void
start_body (DkimmodJob *base)
{
  DkimmodSignJob *job = (DkimmodSignJob *) base;
  g_autofree char *msgid_log = dkimmod_job_message_id (base);
  g_autofree char *why = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *sender_log = NULL;
  const char *idn_why = NULL;
  const char *matched = NULL;
  g_autoptr (GPtrArray) sigs = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dropped = NULL;
  GString *fields = g_string_new (NULL);

  g_string_append (fields, msgid_log);
  raw = choose_sender (job, &why);
  if (raw != NULL && (sender = dkimmod_config_sender_to_ascii (raw, &idn_why)) == NULL)
    {
      g_autofree char *raw_log = dkimmod_log_sanitize (raw, strlen (raw), DKIMMOD_LOG_TEXT_MAX);

      why = g_strdup_printf ("sender <%s>: domain is not an internationalized domain name: %s",
                             raw_log, idn_why);
    }
  if (sender == NULL)
    {
      job->base.skipped = g_strdup_printf ("%s, %s", fields->str, why);
      g_string_free (fields, TRUE);
      return;
    }
  sender_log = dkimmod_log_sanitize (sender, strlen (sender), DKIMMOD_LOG_TEXT_MAX);
  sigs = dkimmod_config_lookup_checked (job->cfg, sender, &matched, &dropped, &error);
  if (dropped != NULL)
    dkimmod_log (LOG_WARNING, "%s: sender_map entry for <%s>: signature left out: %s",
                 job->base.queue_id, sender_log, dropped);
  if (error != NULL)
    {
      fail (job, "sender_map lookup for <%s>: %s", sender_log, error->message);
      g_string_free (fields, TRUE);
      return;
    }
  if (sigs == NULL || sigs->len == 0)
    {
      /* which keys were tried, so "why was this not signed?" is answered
       * by the log line (dkimmod explain says the same at length) */
      g_autoptr (GPtrArray) tried = dkimmod_config_lookup_chain (sender);
      g_autofree char *list = NULL;
      g_autofree char *list_log = NULL;

      g_ptr_array_add (tried, NULL);
      list = g_strjoinv (", ", (char **) tried->pdata);
      list_log = dkimmod_log_sanitize (list, strlen (list), DKIMMOD_LOG_TEXT_MAX);
      job->base.skipped = g_strdup_printf ("%s, no sender_map entry for <%s> (tried %s)",
                                           fields->str, sender_log, list_log);
      g_string_free (fields, TRUE);
      return;
    }
  if (!dkimmod_config_sender_policy_allows (job->cfg, sender, job->envelope, &why))
    {
      g_autofree char *env_log = dkimmod_log_sanitize (job->envelope, strlen (job->envelope),
                                                       DKIMMOD_LOG_TEXT_MAX);

      job->base.skipped = g_strdup_printf ("%s, sender <%s>, envelope sender <%s>, %s",
                                           fields->str, sender_log, env_log, why);
      g_string_free (fields, TRUE);
      return;
    }
  job->signer = dkimmod_signer_new (job->ctx);
  job->from_log = g_strdup (sender_log);
  g_string_assign (job->summary, fields->str);
  for (guint i = 0; i < sigs->len && job->signer != NULL; i++)
    add_signature (job, sigs->pdata[i]);
  /* "why was this signed so?": the entry that matched, and where it is */
  if (matched != NULL)
    {
      /* the entry's own line, as dkimmod explain names it */
      const char *origin = dkimmod_config_entry_origin (job->cfg, matched);
      g_autofree char *entry_log = dkimmod_log_sanitize (matched, strlen (matched),
                                                         DKIMMOD_LOG_TEXT_MAX);

      g_string_append_printf (job->summary, ", entry=\"%s\" (%s)", entry_log,
                              origin ? origin : "?");
    }
  g_string_free (fields, TRUE);
  if (job->signer != NULL)
    add_headers (job);
}

/* add_body - body bytes into the signer */
static void
add_body (DkimmodJob *base, const char *data, gsize len)
{
  DkimmodSignJob *job = (DkimmodSignJob *) base;
  DkimmodError err = { 0 };

  if (job->signer != NULL && dkimmod_signer_add_body (job->signer, data, len, &err) != 0)
    fail (job, "body: %s", err.message);
}

static const DkimmodJobClass signjob_class = { start_body, add_body, clear };

DkimmodJob *
dkimmod_signjob_new (const DkimmodConfig *cfg, DkimmodContext *ctx, const char *envelope_sender,
                     const char *queue_id)
{
  DkimmodSignJob *job = dkimmod_job_new (&signjob_class, sizeof *job, queue_id);

  job->cfg = cfg;
  job->ctx = ctx;
  job->envelope = g_strdup (envelope_sender ? envelope_sender : "");
  job->summary = g_string_new (NULL);
  return &job->base;
}

void
dkimmod_signjob_watch_keys (DkimmodJob *base, DkimmodFileWatch *watch)
{
  ((DkimmodSignJob *) base)->watch = watch;
}

DkimmodSignJobResult
dkimmod_signjob_finish (DkimmodJob *base, GBytes **headers, char **detail)
{
  DkimmodSignJob *job = (DkimmodSignJob *) base;
  DkimmodError err = { 0 };
  size_t hlen = 0;
  char *hdrs;

  *headers = NULL;
  dkimmod_job_end (&job->base);
  if (job->base.failed == NULL && job->base.skipped != NULL)
    {
      *detail = g_strdup (job->base.skipped);
      return DKIMMOD_SIGNJOB_SKIPPED;
    }
  if (job->base.failed == NULL)
    {
      hdrs = dkimmod_signer_finish (job->signer, &hlen, &err);
      if (hdrs == NULL)
        fail (job, "signing: %s", err.message);
      else
        {
          *headers = g_bytes_new (hdrs, hlen);
          dkimmod_free (hdrs);
          *detail = g_strdup (job->summary->str);
          return DKIMMOD_SIGNJOB_SIGNED;
        }
    }
  *detail = g_strdup (job->base.failed);
  return job->base.header_limit ? DKIMMOD_SIGNJOB_HEADER_LIMIT : DKIMMOD_SIGNJOB_FAILED;
}
