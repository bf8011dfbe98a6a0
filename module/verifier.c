/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	verifier.c - streaming DKIM verification with sans-I/O key lookups
 * SYNOPSIS
 *	dkimmod_verify_options_init, dkimmod_verifier_new,
 *	dkimmod_verifier_add_header, dkimmod_verifier_end_headers,
 *	dkimmod_verifier_key_query_count, dkimmod_verifier_key_query_name,
 *	dkimmod_verifier_key_query_answered,
 *	dkimmod_verifier_key_answer, dkimmod_verifier_answer_from_key_file,
 *	dkimmod_verifier_add_body, dkimmod_verifier_finish,
 *	dkimmod_verifier_result_count, dkimmod_verifier_result,
 *	dkimmod_verifier_summary, dkimmod_verifier_resinfo,
 *	dkimmod_verifier_authres, dkimmod_verifier_free
 * DESCRIPTION
 *	The host feeds header fields, then body chunks. At end of headers
 *	every DKIM-Signature is parsed and checked (RFC 6376 6.1.1,
 *	sigparse.c); a malformed one gets its permerror at once and takes no
 *	place in the max_signatures budget (so junk fields cannot push a
 *	valid signature out), but at most max_signatures of them are kept.
 *	The budget is for signatures that need a key: d= equal to the From
 *	domain or a parent of it first, then the others, top first. For each valid one the header hash is computed right away
 *	(all headers are known), a body hasher is shared by all signatures
 *	with the same (body canonicalization, hash, l=), and the key name is
 *	added to the list of lookups the host must answer. Answers may come
 *	at any time before finish(). finish() ends the body hashes, then
 *	decides each signature in the RFC's order: key (6.1.2), body hash,
 *	then header signature (6.1.3). When a name has several TXT records,
 *	each usable one is tried until one verifies (RFC 6376 3.6.2.2).
 *
 *	Outcomes are data (DkimmodSignatureResult), never faults: faults are
 *	caller errors (call order) and input over a limit.
 *
 *	Choices where the RFCs leave room, all in the verifier's favour:
 *	rsa-sha1 is "policy" (RFC 8301) unless accept_rsa_sha1; a body longer
 *	than l= is "policy" unless accept_body_length (the appended-content
 *	attack); t= further in the future than clock_drift and x= in the
 *	past are permerror; From must be in h= (RFC 6376 5.4 MUST); a
 *	signature that verifies is still "fail" ("unsigned From field") when
 *	an RFC 5322 singleton it signs (From, Sender, Reply-To, To, Cc,
 *	Subject, Date) occurs more often than h= names it (RFC 6376 8.15;
 *	docs/design.md says why fail, not policy).
 * STANDARDS
 *	RFC 6376 sections 3.5, 3.7, 5.4.2, 6.1; RFC 8301; RFC 8463;
 *	RFC 8601 section 2.7.1 (result names).
 * SECURITY
 *	Header count and bytes bounded (limits-private.h), signatures
 *	evaluated bounded by max_signatures, h= names by
 *	DKIMMOD_VERIFY_LIMIT_H_NAMES (sigparse.h), key records per name by
 *	DKIMMOD_VERIFY_LIMIT_RECORDS. The body is hashed as it streams, once
 *	per distinct (canon, hash, l=).
 * NEVER
 *	Let a verification outcome become a fault, or a fault a pass.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "authres.h"
#include "canon-private.h"
#include "context-private.h"
#include "dnsquery.h"
#include "header-private.h"
#include "keyfile.h"
#include "keyrecord.h"
#include "limits-private.h"
#include "msgparse.h"
#include "sigparse.h"
#include "sigverify.h"
#include "tagparse.h"
#include "verifier.h"

#define DEFAULT_MAX_SIGNATURES 5u
#define DEFAULT_CLOCK_DRIFT 300

typedef enum { STATE_HEADERS, STATE_BODY, STATE_DONE } State;

typedef struct {
  char *name;                /* lower case */
  gboolean answered;
  DkimmodDnsStatus status;
  unsigned flags;
  GPtrArray *records;        /* char* */
} KeyQuery;

typedef struct {
  DkimmodResult result;      /* NONE while still undecided */
  char *reason;
  DkimmodSigSpec spec;       /* what the field says (sigparse.c) */
  guchar hdigest[EVP_MAX_MD_SIZE];
  guint hdigest_len;
  DkimmodBodyEntry *body;    /* owned by the verifier */
  KeyQuery *query;           /* owned by the verifier */
  unsigned key_bits;
  gboolean testing, secure;
  int key_record;
  const char *unsigned_field; /* a singleton with more fields than h= names */
  guint field;               /* index in fields */
  int wanted;                /* end_headers: 1 reported, 0 candidate, -1 dropped */
} Sig;

struct DkimmodVerifier {
  DkimmodContext *ctx;
  DkimmodVerifyOptions opts;
  State state;
  GPtrArray *fields;         /* DkimmodHeaderField* */
  gsize header_bytes;
  guint header_count;
  GPtrArray *sigs;           /* Sig* */
  GPtrArray *all_b;          /* char*, every DKIM-Signature's b= */
  GPtrArray *bodies;         /* DkimmodBodyEntry* (sigverify.c) */
  GPtrArray *queries;        /* KeyQuery* */
  GArray *results;           /* DkimmodSignatureResult, built by finish */
};

/* --- small helpers ------------------------------------------------------- */

/* decide - records SIG's final result, unless already decided */
static void G_GNUC_PRINTF (3, 4)
decide (Sig *sig, DkimmodResult result, const char *fmt, ...)
{
  va_list ap;

  if (sig->result != DKIMMOD_RESULT_NONE)
    return;
  sig->result = result;
  va_start (ap, fmt);
  sig->reason = g_strdup_vprintf (fmt, ap);
  va_end (ap);
}

static void
sig_free (Sig *sig)
{
  g_free (sig->reason);
  dkimmod_sigspec_clear (&sig->spec);
  g_free (sig);
}

static void
key_query_free (KeyQuery *q)
{
  g_free (q->name);
  g_clear_pointer (&q->records, g_ptr_array_unref);
  g_free (q);
}

/* --- public: options and lifetime ---------------------------------------- */

void
dkimmod_verify_options_init (DkimmodVerifyOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof *opts);
  opts->max_signatures = DEFAULT_MAX_SIGNATURES;
  opts->clock_drift = DEFAULT_CLOCK_DRIFT;
}

/**
 * dkimmod_verifier_new:
 * @ctx: the context (its clock is used for t= and x=)
 * @opts: (nullable): options, copied; NULL for the defaults
 *
 * Returns: (transfer full): a verifier for one message.
 */
DkimmodVerifier *
dkimmod_verifier_new (DkimmodContext *ctx, const DkimmodVerifyOptions *opts)
{
  DkimmodVerifier *v;

  g_return_val_if_fail (ctx != NULL, NULL);
  v = g_new0 (DkimmodVerifier, 1);
  v->ctx = dkimmod_context_ref (ctx);
  if (opts != NULL)
    v->opts = *opts;
  else
    dkimmod_verify_options_init (&v->opts);
  v->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_header_field_free);
  v->sigs = g_ptr_array_new_with_free_func ((GDestroyNotify) sig_free);
  v->all_b = g_ptr_array_new_with_free_func (g_free);
  v->bodies = dkimmod_body_set_new ();
  v->queries = g_ptr_array_new_with_free_func ((GDestroyNotify) key_query_free);
  v->results = g_array_new (FALSE, TRUE, sizeof (DkimmodSignatureResult));
  return v;
}

void
dkimmod_verifier_free (DkimmodVerifier *v)
{
  if (v == NULL)
    return;
  g_ptr_array_unref (v->fields);
  g_ptr_array_unref (v->sigs);
  g_ptr_array_unref (v->all_b);
  g_ptr_array_unref (v->bodies);
  g_ptr_array_unref (v->queries);
  g_array_unref (v->results);
  dkimmod_context_unref (v->ctx);
  g_free (v);
}

/**
 * dkimmod_verifier_add_header:
 * @field: one complete field as received, folding CRLFs included
 *
 * A field that is not a field (no name or colon) is kept out of the
 * selection for h= (no signature can name it) but is not a fault.
 * Returns: 0, or -1 with @err set (call order, limits).
 */
int
dkimmod_verifier_add_header (DkimmodVerifier *v, const char *field, size_t len,
                             DkimmodError *err)
{
  GError *error = NULL;

  dkimmod_error_clear (err);
  if (v == NULL || field == NULL || v->state != STATE_HEADERS)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL,
                                "add_header: bad argument or called after end_headers");
  if (!dkimmod_header_keep (v->fields, &v->header_count, &v->header_bytes, field, len, &error))
    return dkimmod_error_take (err, error);
  return 0;
}

/* --- header hash, body hashers, key queries ------------------------------- */

/* header_digest - RFC 6376 3.7: the h= fields, then this DKIM-Signature
 * with b='s value emptied and no final CRLF */
static gboolean
header_digest (DkimmodVerifier *v, const DkimmodHeaderField *f, const DkimmodTag *b, Sig *sig)
{
  g_autoptr (GString) data = g_string_new (NULL);

  dkimmod_header_hash_input (v->fields, sig->spec.h, sig->spec.hcanon, data);
  if (!dkimmod_sigverify_append_self (sig->spec.hcanon, f, b, data))
    return FALSE;
  return EVP_Digest (data->str, data->len, sig->hdigest, &sig->hdigest_len, dkimmod_sigspec_md (&sig->spec), NULL)
         == 1;
}

/* key_query_for - the lookup of selector._domainkey.domain, shared */
static KeyQuery *
key_query_for (DkimmodVerifier *v, const Sig *sig)
{
  g_autofree char *raw = g_strdup_printf ("%s._domainkey.%s", sig->spec.selector, sig->spec.domain);
  g_autofree char *name = g_ascii_strdown (raw, -1);
  KeyQuery *q;

  for (guint i = 0; i < v->queries->len; i++)
    {
      q = g_ptr_array_index (v->queries, i);
      if (strcmp (q->name, name) == 0)
        return q;
    }
  q = g_new0 (KeyQuery, 1);
  q->name = g_steal_pointer (&name);
  q->records = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (v->queries, q);
  return q;
}

/* unsigned_singleton - the first RFC 5322 singleton that h= names but
 * that occurs more often than h= names it (an instance nobody signed, which
 * a reader may be shown instead of the signed one: RFC 6376 8.15); NULL
 * when there is none. A singleton h= does not name at all is simply not
 * signed, which is the signer's choice (From always is: sigparse.c). */
static const char *
unsigned_singleton (const DkimmodVerifier *v, const Sig *sig)
{
  static const char *const singletons[] = {
    "From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date",
  };

  for (gsize k = 0; k < G_N_ELEMENTS (singletons); k++)
    {
      guint in_h = 0, in_header = 0;

      for (guint i = 0; i < sig->spec.h->len; i++)
        in_h += g_ascii_strcasecmp (g_ptr_array_index (sig->spec.h, i), singletons[k]) == 0;
      if (in_h == 0)
        continue;
      for (guint i = 0; i < v->fields->len; i++)
        in_header += g_ascii_strcasecmp (((const DkimmodHeaderField *)
                                          g_ptr_array_index (v->fields, i))->lname,
                                         singletons[k]) == 0;
      if (in_header > in_h)
        return singletons[k];
    }
  return NULL;
}

/* first_from_domain - the domain of the first From field's first
 * mailbox, lower case, or NULL */
static char *
first_from_domain (const DkimmodVerifier *v)
{
  for (guint i = 0; i < v->fields->len; i++)
    {
      const DkimmodHeaderField *f = g_ptr_array_index (v->fields, i);
      gsize name_len, value_off;
      g_autofree char *value = NULL, *addr = NULL;

      if (strcmp (f->lname, "from") != 0
          || !dkimmod_header_split (f->data, f->len, &name_len, &value_off))
        continue;
      value = g_strndup (f->data + value_off, f->len - value_off);
      addr = dkimmod_address_first (value);
      return addr != NULL ? g_ascii_strdown (dkimmod_address_domain (addr), -1) : NULL;
    }
  return NULL;
}

/* aligned_with - D (d=) equals FROM or is a parent domain of it */
static gboolean
aligned_with (const char *d, const char *from)
{
  gsize dl, fl;

  if (d == NULL || from == NULL)
    return FALSE;
  dl = strlen (d);
  fl = strlen (from);
  if (g_ascii_strcasecmp (d, from) == 0)
    return TRUE;
  return fl > dl && from[fl - dl - 1] == '.' && g_ascii_strcasecmp (from + fl - dl, d) == 0;
}

/* parse_field - SIG from field F (RFC 6376 6.1.1); TRUE when it needs a
 * key lookup, FALSE when it is decided already (permerror, rsa-sha1) */
static gboolean
parse_field (DkimmodVerifier *v, const DkimmodHeaderField *f, Sig *sig)
{
  DkimmodTagList tags;
  g_autoptr (GError) local = NULL;

  sig->key_record = -1;
  if (!dkimmod_sigparse_field_tags (f, &tags, &local))
    {
      decide (sig, DKIMMOD_RESULT_PERMERROR, "malformed signature: %s", local->message);
      return FALSE;
    }
  if (!dkimmod_sigparse (&tags, dkimmod_context_now (v->ctx), v->opts.clock_drift,
                         &sig->spec, &local))
    {
      decide (sig, DKIMMOD_RESULT_PERMERROR, "%s", local->message);
      return FALSE;
    }
  if (sig->spec.alg == DKIMMOD_ALG_RSA_SHA1 && !v->opts.accept_rsa_sha1)
    {
      /* decided without DNS: no key can make it acceptable */
      decide (sig, DKIMMOD_RESULT_POLICY, "rsa-sha1 not accepted (RFC 8301)");
      return FALSE;
    }
  return TRUE;
}

/* attach_signature - hash headers, attach hasher and key query to a
 * signature chosen for evaluation */
static gboolean
attach_signature (DkimmodVerifier *v, const DkimmodHeaderField *f, Sig *sig, GError **error)
{
  DkimmodTagList tags;

  if (!dkimmod_sigparse_field_tags (f, &tags, error)
      || !header_digest (v, f, dkimmod_tag_list_find (&tags, "b"), sig))
    {
      g_clear_error (error);
      decide (sig, DKIMMOD_RESULT_PERMERROR, "cannot hash the header");
      return TRUE;
    }
  sig->unsigned_field = unsigned_singleton (v, sig);
  sig->body = dkimmod_body_set_entry (v->bodies, &sig->spec, 0, error);
  sig->query = key_query_for (v, sig);
  return sig->body != NULL;
}

/* collect_b - every DKIM-Signature's b= (for header.b uniqueness) */
static void
collect_b (DkimmodVerifier *v, const DkimmodHeaderField *f)
{
  DkimmodTagList tags;
  const DkimmodTag *b;

  if (dkimmod_sigparse_field_tags (f, &tags, NULL)
      && (b = dkimmod_tag_list_find (&tags, "b")) != NULL)
    g_ptr_array_add (v->all_b, dkimmod_tag_value_strip_fws (b));
}

/**
 * dkimmod_verifier_end_headers:
 *
 * Parses the signatures and computes their header hashes. Afterwards
 * dkimmod_verifier_key_query_count() says which keys are needed.
 * Returns: 0, or -1 with @err set.
 */
int
dkimmod_verifier_end_headers (DkimmodVerifier *v, DkimmodError *err)
{
  GError *error = NULL;
  g_autoptr (GPtrArray) cands = g_ptr_array_new_with_free_func ((GDestroyNotify) sig_free);
  g_autoptr (GArray) cand_field = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *from_domain = NULL;
  guint chosen = 0, decided = 0;

  dkimmod_error_clear (err);
  if (v == NULL || v->state != STATE_HEADERS)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL, "end_headers: called twice or too late");
  v->state = STATE_BODY;
  from_domain = first_from_domain (v);
  /* every field is parsed (cost bounded by the header limits); only
   * those that need a key count against max_signatures */
  for (guint i = 0; i < v->fields->len; i++)
    {
      const DkimmodHeaderField *f = g_ptr_array_index (v->fields, i);
      Sig *sig;

      if (strcmp (f->lname, "dkim-signature") != 0)
        continue;
      collect_b (v, f);
      sig = g_new0 (Sig, 1);
      sig->field = i;
      if (parse_field (v, f, sig))
        sig->wanted = 0;
      else if (decided++ < v->opts.max_signatures)
        sig->wanted = 1;      /* reported, bounded too */
      else
        sig->wanted = -1;
      g_ptr_array_add (cands, sig);
    }
  /* key lookups: d= aligned with From first, then the others, in order */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < cands->len && chosen < v->opts.max_signatures; i++)
      {
        Sig *sig = g_ptr_array_index (cands, i);

        if (sig->wanted == 0 && (pass == 1 || aligned_with (sig->spec.domain, from_domain)))
          {
            sig->wanted = 1;
            chosen++;
          }
      }
  for (guint i = 0; i < cands->len; i++)
    {
      Sig *sig = g_ptr_array_index (cands, i);

      if (sig->wanted != 1)
        continue;
      g_ptr_array_add (v->sigs, g_ptr_array_steal_index (cands, i));
      i--;
      if (sig->result == DKIMMOD_RESULT_NONE
          && !attach_signature (v, g_ptr_array_index (v->fields, sig->field), sig, &error))
        return dkimmod_error_take (err, error);
    }
  return 0;
}

/* --- key answers --------------------------------------------------------- */

size_t
dkimmod_verifier_key_query_count (const DkimmodVerifier *v)
{
  g_return_val_if_fail (v != NULL, 0);
  return v->queries->len;
}

/**
 * dkimmod_verifier_key_query_name:
 *
 * Returns: (transfer none) (nullable): "selector._domainkey.domain", lower case.
 */
const char *
dkimmod_verifier_key_query_name (const DkimmodVerifier *v, size_t i)
{
  g_return_val_if_fail (v != NULL, NULL);
  if (i >= v->queries->len)
    return NULL;
  return ((KeyQuery *) g_ptr_array_index (v->queries, i))->name;
}

int
dkimmod_verifier_key_query_answered (const DkimmodVerifier *v, size_t i)
{
  g_return_val_if_fail (v != NULL, 0);
  if (i >= v->queries->len)
    return 0;
  return ((KeyQuery *) g_ptr_array_index (v->queries, i))->answered;
}

/**
 * dkimmod_verifier_key_answer:
 * @name: a name from dkimmod_verifier_key_query_name()
 * @status: how the lookup ended
 * @records: (array length=n) (nullable): the TXT records, strings joined
 * @lens: (array length=n) (nullable): their lengths; NULL: NUL-terminated
 * @flags: DKIMMOD_DNS_FLAG_SECURE when DNSSEC-validated
 *
 * Returns: 0, or -1 with @err set (unknown name, call order).
 */
int
dkimmod_verifier_key_answer (DkimmodVerifier *v, const char *name, DkimmodDnsStatus status,
                             const char *const *records, const size_t *lens, size_t n,
                             unsigned flags, DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (v == NULL || name == NULL || v->state != STATE_BODY || (n > 0 && records == NULL))
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL, "key_answer: bad argument or call order");
  for (guint i = 0; i < v->queries->len; i++)
    {
      KeyQuery *q = g_ptr_array_index (v->queries, i);

      if (g_ascii_strcasecmp (q->name, name) != 0)
        continue;
      q->answered = TRUE;
      q->status = status;
      q->flags = flags;
      g_ptr_array_set_size (q->records, 0);
      for (size_t r = 0; r < n && r < DKIMMOD_VERIFY_LIMIT_RECORDS; r++)
        g_ptr_array_add (q->records, lens != NULL ? g_strndup (records[r], lens[r])
                                                  : g_strdup (records[r]));
      return 0;
    }
  return dkimmod_error_fault (err, DKIMMOD_E_INVAL, "key_answer: %s was not asked for", name);
}

/**
 * dkimmod_verifier_answer_from_key_file:
 * @kf: the key file
 *
 * Answers every lookup not yet answered, as dkimmod_dns_file_answer()
 * would: a name absent from the file is NXDOMAIN, status lines give
 * their status.
 */
int
dkimmod_verifier_answer_from_key_file (DkimmodVerifier *v, const DkimmodKeyFile *kf,
                                       DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (v == NULL || kf == NULL || v->state != STATE_BODY)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL,
                                "answer_from_key_file: bad argument or call order");
  /* one path for every DNS source: the key file is a DNS file */
  g_autoptr (DkimmodDnsQueries) q = dkimmod_dns_queries_new ();

  dkimmod_dns_queries_ask_dkim_keys (q, v);
  if (dkimmod_dns_file_answer (dkimmod_key_file_dns (kf), q, err) != 0)
    return -1;
  return dkimmod_dns_queries_answer_dkim_keys (q, v, err);
}

/* --- body ---------------------------------------------------------------- */

int
dkimmod_verifier_add_body (DkimmodVerifier *v, const void *data, size_t len, DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (v == NULL || (data == NULL && len > 0) || v->state != STATE_BODY)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL, "add_body: bad argument or call order");
  dkimmod_body_set_update (v->bodies, data, len);
  return 0;
}

/* --- decisions ----------------------------------------------------------- */

/* decide_from_record_error - the first key record problem becomes the result */
static void
decide_from_record_error (Sig *sig, const GError *error)
{
  DkimmodResult r = DKIMMOD_RESULT_PERMERROR;

  if (error->code == DKIMMOD_RECORD_ERROR_POLICY)
    r = DKIMMOD_RESULT_POLICY;
  if (error->code == DKIMMOD_RECORD_ERROR_REVOKED || error->code == DKIMMOD_RECORD_ERROR_POLICY)
    decide (sig, r, "%s", error->message);
  else
    decide (sig, r, "key record: %s", error->message);
}

/* decide_signature - RFC 6376 6.1.2 then 6.1.3 for one signature */
static void
decide_signature (DkimmodVerifier *v, Sig *sig)
{
  const KeyQuery *q = sig->query;
  const DkimmodBodyEntry *body = sig->body;
  g_autoptr (GError) first_error = NULL;
  DkimmodKeyOutcome key;

  if (!q->answered)
    decide (sig, DKIMMOD_RESULT_TEMPERROR, "key lookup not answered");
  else if (q->status == DKIMMOD_DNS_TIMEOUT)
    decide (sig, DKIMMOD_RESULT_TEMPERROR, "DNS timeout");
  else if (q->status == DKIMMOD_DNS_SERVFAIL)
    decide (sig, DKIMMOD_RESULT_TEMPERROR, "DNS error");
  else if (q->status == DKIMMOD_DNS_NXDOMAIN || q->records->len == 0)
    decide (sig, DKIMMOD_RESULT_PERMERROR, "no key for signature");
  if (sig->result != DKIMMOD_RESULT_NONE)
    return;
  sig->secure = (q->flags & DKIMMOD_DNS_FLAG_SECURE) != 0;
  dkimmod_sigverify_records (v->ctx, &sig->spec, sig->hdigest, sig->hdigest_len,
                             (const char *const *) q->records->pdata, q->records->len, &key,
                             &first_error);
  sig->key_bits = key.key_bits;
  sig->testing = key.testing;
  sig->key_record = key.key_record;
  if (key.usable == 0)
    decide_from_record_error (sig, first_error);
  else if (!dkimmod_body_entry_matches (body, &sig->spec))
    decide (sig, DKIMMOD_RESULT_FAIL, "body hash did not verify");
  else if (sig->key_record < 0)
    decide (sig, DKIMMOD_RESULT_FAIL, "signature did not verify");
  else if (sig->unsigned_field != NULL)
    decide (sig, DKIMMOD_RESULT_FAIL, "unsigned %s field", sig->unsigned_field);
  else if (sig->spec.l >= 0 && (guint64) sig->spec.l > body->length)
    decide (sig, DKIMMOD_RESULT_PERMERROR, "l= is longer than the body");
  else if (sig->spec.l >= 0 && (guint64) sig->spec.l < body->length && !v->opts.accept_body_length)
    decide (sig, DKIMMOD_RESULT_POLICY, "body beyond l= not signed");
  decide (sig, DKIMMOD_RESULT_PASS, "%s", "");
}

/* publish_results - the public views of the signatures */
static void
publish_results (DkimmodVerifier *v)
{
  for (guint i = 0; i < v->sigs->len; i++)
    {
      const Sig *sig = g_ptr_array_index (v->sigs, i);
      DkimmodSignatureResult r = {
        .result = sig->result,
        .reason = sig->reason != NULL ? sig->reason : "",
        .domain = sig->spec.domain != NULL ? sig->spec.domain : "",
        .identity = sig->spec.identity != NULL ? sig->spec.identity : "",
        .selector = sig->spec.selector != NULL ? sig->spec.selector : "",
        .algorithm = sig->spec.algorithm_name != NULL ? sig->spec.algorithm_name : "",
        .b = sig->spec.b != NULL ? sig->spec.b : "",
        .key_bits = sig->key_bits,
        .testing = sig->testing,
        .secure = sig->secure,
        .key_record = sig->key_record,
      };
      g_array_append_val (v->results, r);
    }
}

/**
 * dkimmod_verifier_finish:
 *
 * Ends the body and decides every signature.
 * Returns: 0, or -1 with @err set (call order, crypto library failure).
 */
int
dkimmod_verifier_finish (DkimmodVerifier *v, DkimmodError *err)
{
  GError *error = NULL;

  dkimmod_error_clear (err);
  if (v == NULL || v->state != STATE_BODY)
    return dkimmod_error_fault (err, DKIMMOD_E_INVAL, "finish: call order");
  v->state = STATE_DONE;
  if (!dkimmod_body_set_finish (v->bodies, &error))
    return dkimmod_error_take (err, error);
  for (guint i = 0; i < v->sigs->len; i++)
    {
      Sig *sig = g_ptr_array_index (v->sigs, i);

      if (sig->result == DKIMMOD_RESULT_NONE)
        decide_signature (v, sig);
    }
  publish_results (v);
  return 0;
}

size_t
dkimmod_verifier_result_count (const DkimmodVerifier *v)
{
  g_return_val_if_fail (v != NULL, 0);
  return v->results->len;
}

/**
 * dkimmod_verifier_result:
 *
 * Returns: (transfer none) (nullable): the result of signature @i (top first).
 */
const DkimmodSignatureResult *
dkimmod_verifier_result (const DkimmodVerifier *v, size_t i)
{
  g_return_val_if_fail (v != NULL, NULL);
  if (i >= v->results->len)
    return NULL;
  return &g_array_index (v->results, DkimmodSignatureResult, i);
}

/**
 * dkimmod_verifier_summary:
 *
 * Returns: the best outcome among the signatures (see verifier.h).
 */
DkimmodResult
dkimmod_verifier_summary (const DkimmodVerifier *v)
{
  static const DkimmodResult rank[] = {
    DKIMMOD_RESULT_PASS, DKIMMOD_RESULT_TEMPERROR, DKIMMOD_RESULT_FAIL,
    DKIMMOD_RESULT_POLICY, DKIMMOD_RESULT_NEUTRAL, DKIMMOD_RESULT_PERMERROR,
  };

  g_return_val_if_fail (v != NULL, DKIMMOD_RESULT_NONE);
  for (gsize k = 0; k < G_N_ELEMENTS (rank); k++)
    for (guint i = 0; i < v->results->len; i++)
      if (g_array_index (v->results, DkimmodSignatureResult, i).result == rank[k])
        return rank[k];
  return DKIMMOD_RESULT_NONE;
}

/**
 * dkimmod_verifier_resinfo:
 *
 * Returns: (transfer full) (nullable): signature @i's resinfo, one line.
 */
char *
dkimmod_verifier_resinfo (const DkimmodVerifier *v, size_t i)
{
  g_return_val_if_fail (v != NULL, NULL);
  if (i >= v->results->len)
    return NULL;
  return dkimmod_authres_resinfo (&g_array_index (v->results, DkimmodSignatureResult, i),
                                  (const char *const *) v->all_b->pdata, v->all_b->len);
}

size_t
dkimmod_verifier_body_hash_count (const DkimmodVerifier *v)
{
  return v->bodies->len;
}

/* dkimmod_verifier_all_b - the b= values seen, for header.b prefixes */
const char *const *
dkimmod_verifier_all_b (const DkimmodVerifier *v, gsize *n)
{
  *n = v->all_b->len;
  return (const char *const *) v->all_b->pdata;
}

/**
 * dkimmod_verifier_authres:
 * @authserv_id: ours
 *
 * Returns: (transfer full) (nullable): the Authentication-Results field.
 */
char *
dkimmod_verifier_authres (const DkimmodVerifier *v, const char *authserv_id, DkimmodError *err)
{
  dkimmod_error_clear (err);
  if (v == NULL || authserv_id == NULL || v->state != STATE_DONE)
    {
      dkimmod_error_fault (err, DKIMMOD_E_INVAL, "authres: bad argument or before finish");
      return NULL;
    }
  return dkimmod_authres_format (authserv_id, (const DkimmodSignatureResult *) v->results->data,
                                 v->results->len, (const char *const *) v->all_b->pdata,
                                 v->all_b->len);
}
