/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	arc.c - streaming ARC chain validation with its key lookups in the message's question set
 * SYNOPSIS
 *	dkimmod_arc_verifier_new, dkimmod_arc_verifier_add_header,
 *	dkimmod_arc_verifier_end_headers, dkimmod_arc_verifier_queries,
 *	dkimmod_arc_verifier_add_body, dkimmod_arc_verifier_finish,
 *	dkimmod_arc_verifier_step, dkimmod_arc_verifier_result,
 *	dkimmod_arc_verifier_free, dkimmod_arc_resinfo
 * DESCRIPTION
 *	The host feeds the header fields, then the body, as to a DKIM
 *	verifier. At the end of the header block the ARC sets are collected
 *	and their structure checked (arc-set.c, RFC 8617 5.2 steps 1-3); a
 *	chain that fails there, or that is absent, is decided at once and
 *	asks nothing. Otherwise every header hash is computed right away
 *	(all fields are known): each ARC-Seal's over the sets 1..i in the
 *	order of RFC 8617 5.1.1 (AAR, AMS, AS per instance, relaxed, the
 *	seal itself last with b= empty), each ARC-Message-Signature's over
 *	its h= as a DKIM signature would, against the header as it was when
 *	that instance sealed it (sets of a later instance, and the AMS and
 *	AS of its own, left out). The AMS body hashes run as the body
 *	streams (sigverify.c's shared hashers), and the key names
 *	(selector._domainkey.domain TXT) are asked into the question set,
 *	where DKIM's are asked too, so a name asked by both is asked once.
 *
 *	step() decides once the body has ended and the answers are in, in
 *	the RFC's order: the newest AMS must verify (step 4); then the
 *	older ones are verified from N-1 down until one does not, the last
 *	that did being oldest-pass (step 5); then every AS from N down to 1
 *	must verify (step 6). A pass lists the sealers' d=, oldest first,
 *	for a DMARC local policy that trusts a sealer (RFC 7489 6.7).
 *
 *	The DKIM verification options apply: t= beyond clock_drift in the
 *	future and x= in the past make a field invalid, rsa-sha1 fails
 *	unless accept_rsa_sha1 (RFC 8301 updates the signature algorithm
 *	that RFC 8617 borrows), keys under 1024 bits fail, content beyond
 *	an AMS l= fails unless accept_body_length.
 * STANDARDS
 *	RFC 8617 sections 4.1, 5.1.1 (AS hash input), 5.2 (validator
 *	actions), 10.1 (header.oldest-pass, smtp.remote-ip); RFC 6376 3.7,
 *	5.4.2 (AMS hash input, bottom-up); RFC 8301; RFC 8601 2.2.
 * SECURITY
 *	Header count and bytes bounded as for DKIM (limits-private.h);
 *	at most 50 sets (RFC 8617); distinct key names asked at most
 *	DKIMMOD_ARC_LIMIT_KEY_NAMES, body hashers at most
 *	DKIMMOD_ARC_LIMIT_BODY_HASHES (older AMSes beyond them end
 *	oldest-pass there, never the chain). The body is never stored.
 * NEVER
 *	Pass a chain with any ARC-Seal unverified, or let a fault become a pass.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "arc.h"
#include "arc-set.h"
#include "authres.h"
#include "context-private.h"
#include "dnsquery.h"
#include "keyrecord.h"
#include "limits-private.h"
#include "sigverify.h"

/* Distinct key names one chain may ask for: every AS and the newest AMS
 * need theirs for a pass; a real chain has one or two per hop. */
#define DKIMMOD_ARC_LIMIT_KEY_NAMES 16u
/* Body hashers one chain may run (each AMS (c=, a=, l=) needs one). */
#define DKIMMOD_ARC_LIMIT_BODY_HASHES 4u

typedef enum { STATE_HEADERS, STATE_BODY, STATE_DONE } State;

/* One AMS or AS to check. */
typedef struct {
  gboolean ready;            /* digest, body and key name are set */
  guchar digest[EVP_MAX_MD_SIZE];
  guint digest_len;
  DkimmodBodyEntry *body;    /* AMS only; owned by the verifier's set */
  char *key_name;
} Check;

struct DkimmodArcVerifier {
  DkimmodContext *ctx;
  DkimmodVerifyOptions opts;
  State state;
  GPtrArray *fields;         /* DkimmodHeaderField* */
  gsize header_bytes;
  guint header_count;
  DkimmodDnsQueries *queries;
  gboolean own_queries;
  DkimmodArcChain *chain;
  GPtrArray *bodies;         /* DkimmodBodyEntry* */
  GPtrArray *key_names;      /* char*, distinct, asked */
  Check ams[DKIMMOD_ARC_MAX_INSTANCE], as[DKIMMOD_ARC_MAX_INSTANCE];
  gboolean decided;
  DkimmodArcResultInfo info;
  char *reason;
  GPtrArray *sealers;        /* char*, then NULL */
};

/* decide - the chain's result, once */
static void G_GNUC_PRINTF (3, 4)
decide (DkimmodArcVerifier *a, DkimmodResult result, const char *fmt, ...)
{
  va_list ap;

  if (a->decided)
    return;
  a->decided = TRUE;
  va_start (ap, fmt);
  a->reason = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  a->info.result = result;
  a->info.reason = a->reason;
  a->info.instances = a->chain != NULL ? a->chain->n : 0;
}

/**
 * dkimmod_arc_verifier_new:
 * @ctx: the context (its clock judges t= and x=)
 * @opts: (nullable): DKIM verification options, copied
 * @queries: (nullable): the message's question set, not owned
 *
 * Returns: (transfer full): an ARC verifier for one message.
 */
DkimmodArcVerifier *
dkimmod_arc_verifier_new (DkimmodContext *ctx, const DkimmodVerifyOptions *opts,
                          DkimmodDnsQueries *queries)
{
  DkimmodArcVerifier *a;

  g_return_val_if_fail (ctx != NULL, NULL);
  a = g_new0 (DkimmodArcVerifier, 1);
  a->ctx = dkimmod_context_ref (ctx);
  if (opts != NULL)
    a->opts = *opts;
  else
    dkimmod_verify_options_init (&a->opts);
  a->own_queries = queries == NULL;
  a->queries = queries != NULL ? queries : dkimmod_dns_queries_new ();
  a->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_header_field_free);
  a->bodies = dkimmod_body_set_new ();
  a->key_names = g_ptr_array_new_with_free_func (g_free);
  a->sealers = g_ptr_array_new_with_free_func (g_free);
  return a;
}

void
dkimmod_arc_verifier_free (DkimmodArcVerifier *a)
{
  if (a == NULL)
    return;
  for (guint i = 0; i < DKIMMOD_ARC_MAX_INSTANCE; i++)
    {
      g_free (a->ams[i].key_name);
      g_free (a->as[i].key_name);
    }
  if (a->own_queries)
    dkimmod_dns_queries_free (a->queries);
  dkimmod_arc_chain_free (a->chain);
  g_ptr_array_unref (a->fields);
  g_ptr_array_unref (a->bodies);
  g_ptr_array_unref (a->key_names);
  g_ptr_array_unref (a->sealers);
  g_free (a->reason);
  dkimmod_context_unref (a->ctx);
  g_free (a);
}

DkimmodDnsQueries *
dkimmod_arc_verifier_queries (DkimmodArcVerifier *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  return a->queries;
}

int
dkimmod_arc_verifier_add_header (DkimmodArcVerifier *a, const char *field, size_t len,
                                 DkimmodError *err)
{
  GError *error = NULL;

  dkimmod_error_clear (err);
  if (a == NULL || field == NULL || a->state != STATE_HEADERS)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL,
                                "arc add_header: bad argument or called after end_headers");
  if (!dkimmod_header_keep (a->fields, &a->header_count, &a->header_bytes, field, len, &error))
    return dkimmod_error_take (err, error);
  return 0;
}

/* --- hash inputs ---------------------------------------------------------- */

static const DkimmodHeaderField *
field_at (const DkimmodArcVerifier *a, guint index_plus_1)
{
  return g_ptr_array_index (a->fields, index_plus_1 - 1);
}

/* self_b - the b= tag of signature field F (parsed before, so present) */
static gboolean
append_signature_self (const DkimmodHeaderField *f, DkimmodCanon canon, GString *data)
{
  DkimmodTagList tags;
  const DkimmodTag *b;

  return dkimmod_sigparse_field_tags (f, &tags, NULL)
         && (b = dkimmod_tag_list_find (&tags, "b")) != NULL
         && dkimmod_sigverify_append_self (canon, f, b, data);
}

/* seal_digest - RFC 8617 5.1.1: for each instance 1..K its AAR, AMS and
 * AS, relaxed, AS K last with b= empty and no final CRLF */
static gboolean
seal_digest (DkimmodArcVerifier *a, guint k, Check *check)
{
  g_autoptr (GString) data = g_string_new (NULL);
  const DkimmodArcSet *sets = a->chain->sets;

  for (guint i = 1; i <= k; i++)
    {
      const DkimmodHeaderField *aar = field_at (a, sets[i - 1].aar);
      const DkimmodHeaderField *ams = field_at (a, sets[i - 1].ams);
      const DkimmodHeaderField *as = field_at (a, sets[i - 1].as);

      if (!dkimmod_canon_header (DKIMMOD_CANON_RELAXED, aar->data, aar->len, data)
          || !dkimmod_canon_header (DKIMMOD_CANON_RELAXED, ams->data, ams->len, data))
        return FALSE;
      if (i < k && !dkimmod_canon_header (DKIMMOD_CANON_RELAXED, as->data, as->len, data))
        return FALSE;
    }
  if (!append_signature_self (field_at (a, sets[k - 1].as), DKIMMOD_CANON_RELAXED, data))
    return FALSE;
  return EVP_Digest (data->str, data->len, check->digest, &check->digest_len,
                     dkimmod_sigspec_md (&sets[k - 1].as_spec), NULL) == 1;
}

/* message_digest - AMS K over its h= (RFC 6376 3.7, 5.4.2), selected from
 * the fields as they were when instance K was sealed: every non-ARC field,
 * the sets before K, and AAR K (RFC 8617 5.1: AAR, then AMS, then AS) */
static gboolean
message_digest (DkimmodArcVerifier *a, guint k, Check *check)
{
  const DkimmodArcChain *chain = a->chain;
  const DkimmodSigSpec *spec = &chain->sets[k - 1].ams_spec;
  g_autoptr (GPtrArray) seen = g_ptr_array_sized_new (a->fields->len);
  g_autoptr (GString) data = g_string_new (NULL);

  for (guint i = 0; i < a->fields->len; i++)
    {
      guint inst = chain->field_instance[i];

      if (chain->field_kind[i] == DKIMMOD_ARC_FIELD_NONE || inst < k
          || (inst == k && chain->field_kind[i] == DKIMMOD_ARC_FIELD_AAR))
        g_ptr_array_add (seen, g_ptr_array_index (a->fields, i));
    }
  dkimmod_header_hash_input (seen, spec->h, spec->hcanon, data);
  if (!append_signature_self (field_at (a, chain->sets[k - 1].ams), spec->hcanon, data))
    return FALSE;
  return EVP_Digest (data->str, data->len, check->digest, &check->digest_len,
                     dkimmod_sigspec_md (spec), NULL) == 1;
}

/* key_name_for - SPEC's key name, counted against the limit; NULL when
 * it would be one too many (transfer full) */
static char *
key_name_for (DkimmodArcVerifier *a, const DkimmodSigSpec *spec)
{
  g_autofree char *raw = g_strdup_printf ("%s._domainkey.%s", spec->selector, spec->domain);
  char *name = g_ascii_strdown (raw, -1);

  for (guint i = 0; i < a->key_names->len; i++)
    if (strcmp (g_ptr_array_index (a->key_names, i), name) == 0)
      return name;
  if (a->key_names->len >= DKIMMOD_ARC_LIMIT_KEY_NAMES)
    {
      g_free (name);
      return NULL;
    }
  g_ptr_array_add (a->key_names, g_strdup (name));
  return name;
}

/* sha1_refused - rsa-sha1 without accept_rsa_sha1 (RFC 8301) */
static gboolean
sha1_refused (const DkimmodArcVerifier *a, const DkimmodSigSpec *spec)
{
  return spec->alg == DKIMMOD_ALG_RSA_SHA1 && !a->opts.accept_rsa_sha1;
}

/* prepare_seals - every AS's digest and key name (all are needed); FALSE
 * when the chain is decided (fail) */
static gboolean
prepare_seals (DkimmodArcVerifier *a)
{
  for (guint k = a->chain->n; k >= 1; k--)
    {
      const DkimmodSigSpec *spec = &a->chain->sets[k - 1].as_spec;
      Check *c = &a->as[k - 1];
      g_autofree char *why = NULL;

      if (sha1_refused (a, spec))
        why = g_strdup ("rsa-sha1 not accepted (RFC 8301)");
      else if (!seal_digest (a, k, c))
        why = g_strdup ("cannot hash the ARC sets");
      else if ((c->key_name = key_name_for (a, spec)) == NULL)
        why = g_strdup_printf ("more than %u distinct ARC keys", DKIMMOD_ARC_LIMIT_KEY_NAMES);
      if (why != NULL)
        {
          decide (a, DKIMMOD_RESULT_FAIL, "ARC-Seal i=%u: %s", k, why);
          return FALSE;
        }
      c->ready = TRUE;
    }
  return TRUE;
}

/* prepare_message_signature - AMS K's digest, body hasher and key name;
 * NULL when it is ready, else why it cannot be verified (transfer full) */
static char *
prepare_message_signature (DkimmodArcVerifier *a, guint k, GError **error)
{
  const DkimmodArcSet *set = &a->chain->sets[k - 1];
  Check *c = &a->ams[k - 1];

  if (set->ams_error != NULL)
    return g_strdup (set->ams_error);
  if (sha1_refused (a, &set->ams_spec))
    return g_strdup ("rsa-sha1 not accepted (RFC 8301)");
  if (!message_digest (a, k, c))
    return g_strdup ("cannot hash the header");
  c->body = dkimmod_body_set_entry (a->bodies, &set->ams_spec, DKIMMOD_ARC_LIMIT_BODY_HASHES,
                                    error);
  if (c->body == NULL)
    return g_strdup_printf ("more than %u ARC body hashes", DKIMMOD_ARC_LIMIT_BODY_HASHES);
  c->key_name = key_name_for (a, &set->ams_spec);
  if (c->key_name == NULL)
    return g_strdup_printf ("more than %u distinct ARC keys", DKIMMOD_ARC_LIMIT_KEY_NAMES);
  c->ready = TRUE;
  return NULL;
}

/**
 * dkimmod_arc_verifier_end_headers:
 *
 * Reads the chain, computes its header hashes and asks its key names.
 * Returns: 0, or -1 with @err set (call order, crypto library failure).
 */
int
dkimmod_arc_verifier_end_headers (DkimmodArcVerifier *a, DkimmodError *err)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  guint n;

  dkimmod_error_clear (err);
  if (a == NULL || a->state != STATE_HEADERS)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL, "arc end_headers: call order");
  a->state = STATE_BODY;
  a->chain = dkimmod_arc_chain_collect (a->fields, dkimmod_context_now (a->ctx),
                                        a->opts.clock_drift);
  n = a->chain->n;
  if (n == 0)
    decide (a, DKIMMOD_RESULT_NONE, "%s", "");
  else if (a->chain->fail != NULL)
    decide (a, DKIMMOD_RESULT_FAIL, "%s", a->chain->fail);
  if (a->decided)
    return 0;
  /* the newest AMS and every AS are needed for a pass; older AMSes only
   * for oldest-pass, within what is left of the bounds */
  why = prepare_message_signature (a, n, &error);
  if (error != NULL)
    return dkimmod_error_take (err, g_steal_pointer (&error));
  if (why != NULL)
    {
      decide (a, DKIMMOD_RESULT_FAIL, "ARC-Message-Signature i=%u: %s", n, why);
      return 0;
    }
  if (!prepare_seals (a))
    return 0;
  for (guint k = n - 1; k >= 1; k--)
    {
      g_autofree char *older = prepare_message_signature (a, k, &error);

      if (error != NULL)
        return dkimmod_error_take (err, g_steal_pointer (&error));
      if (older != NULL)
        break;
    }
  for (guint i = 0; i < a->key_names->len; i++)
    (void) dkimmod_dns_queries_ask (a->queries, g_ptr_array_index (a->key_names, i),
                                    DKIMMOD_DNS_TXT);
  return 0;
}

int
dkimmod_arc_verifier_add_body (DkimmodArcVerifier *a, const void *data, size_t len,
                               DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (a == NULL || (data == NULL && len > 0) || a->state != STATE_BODY)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL, "arc add_body: bad argument or call order");
  dkimmod_body_set_update (a->bodies, data, len);
  return 0;
}

int
dkimmod_arc_verifier_finish (DkimmodArcVerifier *a, DkimmodError *err)
{
  GError *error = NULL;

  dkimmod_error_clear (err);
  if (a == NULL || a->state != STATE_BODY)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL, "arc finish: call order");
  a->state = STATE_DONE;
  if (!dkimmod_body_set_finish (a->bodies, &error))
    return dkimmod_error_take (err, error);
  return 0;
}

/* --- decisions ------------------------------------------------------------ */

typedef enum { CHECK_PASS, CHECK_FAIL, CHECK_TEMPORARY } CheckResult;

/* check_signature - SPEC's b= over C's digest with the key of C's name;
 * *WHY on failure (transfer full) */
static CheckResult
check_signature (const DkimmodArcVerifier *a, const DkimmodSigSpec *spec, const Check *c,
                 char **why)
{
  const DkimmodDnsAnswer *ans = dkimmod_dns_queries_find (a->queries, c->key_name,
                                                          DKIMMOD_DNS_TXT);
  g_autoptr (GError) first_error = NULL;
  DkimmodKeyOutcome key;

  if (ans->status == DKIMMOD_DNS_TIMEOUT || ans->status == DKIMMOD_DNS_SERVFAIL)
    {
      *why = g_strdup_printf ("key %s: %s", c->key_name,
                              ans->status == DKIMMOD_DNS_TIMEOUT ? "DNS timeout" : "DNS error");
      return CHECK_TEMPORARY;
    }
  if (ans->status == DKIMMOD_DNS_NXDOMAIN || ans->n == 0)
    {
      *why = g_strdup_printf ("no key %s", c->key_name);
      return CHECK_FAIL;
    }
  dkimmod_sigverify_records (a->ctx, spec, c->digest, c->digest_len, (const char *const *) ans->records,
                             ans->n, &key, &first_error);
  if (key.usable == 0)
    *why = g_strdup_printf ("key %s: %s", c->key_name,
                            first_error != NULL ? first_error->message : "unusable");
  else if (c->body != NULL && !dkimmod_body_entry_matches (c->body, spec))
    *why = g_strdup ("body hash did not verify");
  else if (key.key_record < 0)
    *why = g_strdup ("signature did not verify");
  else if (c->body != NULL && spec->l >= 0 && (guint64) spec->l > c->body->length)
    *why = g_strdup ("l= is longer than the body");
  else if (c->body != NULL && spec->l >= 0 && (guint64) spec->l < c->body->length
           && !a->opts.accept_body_length)
    *why = g_strdup ("body beyond l= not signed");
  return *why == NULL ? CHECK_PASS : CHECK_FAIL;
}

/* answered - every name the chain asked has its answer */
static gboolean
answered (const DkimmodArcVerifier *a)
{
  return dkimmod_arc_verifier_answered (a);
}

/**
 * dkimmod_arc_verifier_answered:
 *
 * Returns: whether every key question of the chain has its answer (the
 *   aggregate asks this while the body streams, before finish).
 */
gboolean
dkimmod_arc_verifier_answered (const DkimmodArcVerifier *a)
{
  for (guint i = 0; i < a->key_names->len; i++)
    if (dkimmod_dns_queries_find (a->queries, g_ptr_array_index (a->key_names, i),
                                  DKIMMOD_DNS_TXT) == NULL)
      return FALSE;
  return TRUE;
}

/* fail_check - the chain fails on instance K's KIND */
static void
fail_check (DkimmodArcVerifier *a, const char *kind, guint k, CheckResult r, const char *why)
{
  decide (a, DKIMMOD_RESULT_FAIL, "%s i=%u: %s", kind, k, why);
  a->info.temporary = r == CHECK_TEMPORARY;
}

/* decide_chain - RFC 8617 5.2 steps 4 to 7 */
static void
decide_chain (DkimmodArcVerifier *a)
{
  const DkimmodArcSet *sets = a->chain->sets;
  guint n = a->chain->n, oldest = n;
  g_autofree char *why = NULL;
  CheckResult r;

  r = check_signature (a, &sets[n - 1].ams_spec, &a->ams[n - 1], &why);
  if (r != CHECK_PASS)
    return fail_check (a, "ARC-Message-Signature", n, r, why);
  for (guint k = n - 1; k >= 1 && a->ams[k - 1].ready; k--)
    {
      g_autofree char *older = NULL;

      if (check_signature (a, &sets[k - 1].ams_spec, &a->ams[k - 1], &older) != CHECK_PASS)
        break;
      oldest = k;
    }
  for (guint k = n; k >= 1; k--)
    {
      r = check_signature (a, &sets[k - 1].as_spec, &a->as[k - 1], &why);
      if (r != CHECK_PASS)
        return fail_check (a, "ARC-Seal", k, r, why);
    }
  for (guint k = 1; k <= n; k++)
    g_ptr_array_add (a->sealers, g_ascii_strdown (sets[k - 1].as_spec.domain, -1));
  decide (a, DKIMMOD_RESULT_PASS, "%s", "");
  a->info.oldest_pass = oldest;
  a->info.n_sealers = a->sealers->len;
  g_ptr_array_add (a->sealers, NULL);
  a->info.sealers = (const char *const *) a->sealers->pdata;
}

/**
 * dkimmod_arc_verifier_step:
 *
 * Returns: 1 when the result is known, 0 while questions are open or
 *   before finish, -1 with @err set (call order).
 */
int
dkimmod_arc_verifier_step (DkimmodArcVerifier *a, DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (a == NULL || a->state == STATE_HEADERS)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL, "arc step: before end_headers");
  if (a->decided)
    return a->state == STATE_DONE ? 1 : 0;
  if (a->state != STATE_DONE || !answered (a))
    return 0;
  decide_chain (a);
  return 1;
}

const DkimmodArcResultInfo *
dkimmod_arc_verifier_result (const DkimmodArcVerifier *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  return a->decided && a->state == STATE_DONE ? &a->info : NULL;
}

/**
 * dkimmod_arc_resinfo:
 * @r: a chain's result
 * @client_ip: (nullable): the SMTP client's address, for smtp.remote-ip
 *
 * Returns: (transfer full) (nullable): "arc=..." on one line.
 */
char *
dkimmod_arc_resinfo (const DkimmodArcResultInfo *r, const char *client_ip)
{
  g_autoptr (GPtrArray) words = NULL;

  g_return_val_if_fail (r != NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (r->reserved); i++)
    if (r->reserved[i] != NULL)
      return NULL;
  words = dkimmod_arc_authres_words (r, client_ip);
  return dkimmod_authres_line (words);
}

/**
 * dkimmod_arc_authres_words:
 *
 * Returns: (transfer full): the arc= resinfo as authres.h words.
 */
GPtrArray *
dkimmod_arc_authres_words (const DkimmodArcResultInfo *r, const char *client_ip)
{
  GPtrArray *words = dkimmod_authres_words_new ("arc", dkimmod_result_name (r->result));

  if (r->result == DKIMMOD_RESULT_PASS)
    g_ptr_array_add (words, g_strdup_printf ("(i=%u)", r->instances));
  if (r->result == DKIMMOD_RESULT_FAIL && r->reason != NULL && r->reason[0] != '\0')
    dkimmod_authres_add_property (words, "reason", r->reason);
  if (r->result != DKIMMOD_RESULT_NONE && client_ip != NULL && client_ip[0] != '\0')
    dkimmod_authres_add_property (words, "smtp.remote-ip", client_ip);
  if (r->result == DKIMMOD_RESULT_PASS && r->oldest_pass > 0)
    g_ptr_array_add (words, g_strdup_printf ("header.oldest-pass=%u", r->oldest_pass));
  return words;
}
