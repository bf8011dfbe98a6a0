/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dnsquery.c - the DNS question set of one message
 * SYNOPSIS
 *	dkimmod_dns_queries_new, dkimmod_dns_queries_free,
 *	dkimmod_dns_queries_count, dkimmod_dns_queries_name,
 *	dkimmod_dns_queries_type, dkimmod_dns_queries_answered,
 *	dkimmod_dns_queries_open_count, dkimmod_dns_queries_answer,
 *	dkimmod_dns_type_name; private: dkimmod_dns_queries_ask,
 *	dkimmod_dns_queries_find
 * DESCRIPTION
 *	Every method verifying one message (DKIM keys, SPF, DMARC, ARC)
 *	asks its questions here, so whoever answers (the host, the default
 *	resolver, a DNS file) sees them all at once and can answer them in
 *	one concurrent round. A question is a (name, type) pair, kept once
 *	(names compared case-insensitively, trailing dots ignored) and in
 *	the order asked; its answer is copied in and never changes.
 * SECURITY
 *	Names and records come from untrusted mail and DNS. The set is
 *	bounded (DKIMMOD_LIMIT_DNS_QUESTIONS); records are copied with their
 *	lengths and NUL-terminated.
 * NEVER
 *	Do I/O: answering is the host's, the resolver's or the DNS file's.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "dnsquery.h"
#include "error-private.h"

typedef struct {
  char *name;                /* normalized */
  DkimmodDnsType type;
  gboolean answered;
  DkimmodDnsAnswer answer;
} Question;

struct DkimmodDnsQueries {
  GPtrArray *questions;      /* Question* in the order asked */
  GHashTable *index;         /* "TYPE name" -> index + 1 */
  gint64 deadline;           /* monotonic µs, 0 = not started */
};

/* What a question beyond the limit gets: a temporary error. */
static const DkimmodDnsAnswer overflow_answer = { .status = DKIMMOD_DNS_SERVFAIL };

char *
dkimmod_dns_name_normalize (const char *name, gsize len)
{
  while (len > 0 && name[len - 1] == '.')
    len--;
  return g_ascii_strdown (name, len);
}

/* question_key - the index key of NAME/TYPE into BUF (SIZE bytes): the
 * type's number as one byte (all are 1..255), then the name lower-cased
 * without trailing dots; NULL when it does not fit. No printf and no
 * allocation: every step of every method looks its answers up here. */
static char *
question_key (const char *name, DkimmodDnsType type, char *buf, gsize size)
{
  gsize len = strlen (name);

  while (len > 0 && name[len - 1] == '.')
    len--;
  if (len + 2 > size)
    return NULL;
  buf[0] = (char) type;
  for (gsize i = 0; i < len; i++)
    buf[i + 1] = g_ascii_tolower (name[i]);
  buf[len + 1] = '\0';
  return buf;
}

static void
question_free (Question *qu)
{
  for (size_t i = 0; i < qu->answer.n; i++)
    g_free (qu->answer.records[i]);
  g_free (qu->answer.records);
  g_free (qu->answer.lens);
  g_free (qu->name);
  g_free (qu);
}

/* lookup - index + 1 of NAME/TYPE, 0 when not asked */
static guint
lookup (const DkimmodDnsQueries *q, const char *name, DkimmodDnsType type)
{
  char buf[512];
  g_autofree char *heap = NULL;
  const char *key = question_key (name, type, buf, sizeof buf);

  if (key == NULL)
    key = question_key (name, type, heap = g_malloc (strlen (name) + 2), strlen (name) + 2);
  return GPOINTER_TO_UINT (g_hash_table_lookup (q->index, key));
}

/**
 * dkimmod_dns_queries_new:
 *
 * Returns: (transfer full): an empty question set.
 */
DkimmodDnsQueries *
dkimmod_dns_queries_new (void)
{
  DkimmodDnsQueries *q = g_new0 (DkimmodDnsQueries, 1);

  q->questions = g_ptr_array_new_with_free_func ((GDestroyNotify) question_free);
  q->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return q;
}

void
dkimmod_dns_queries_free (DkimmodDnsQueries *q)
{
  if (q == NULL)
    return;
  g_ptr_array_unref (q->questions);
  g_hash_table_unref (q->index);
  g_free (q);
}

size_t
dkimmod_dns_queries_count (const DkimmodDnsQueries *q)
{
  g_return_val_if_fail (q != NULL, 0);
  return q->questions->len;
}

const char *
dkimmod_dns_queries_name (const DkimmodDnsQueries *q, size_t i)
{
  g_return_val_if_fail (q != NULL && i < q->questions->len, NULL);
  return ((Question *) g_ptr_array_index (q->questions, i))->name;
}

DkimmodDnsType
dkimmod_dns_queries_type (const DkimmodDnsQueries *q, size_t i)
{
  g_return_val_if_fail (q != NULL && i < q->questions->len, 0);
  return ((Question *) g_ptr_array_index (q->questions, i))->type;
}

int
dkimmod_dns_queries_answered (const DkimmodDnsQueries *q, size_t i)
{
  g_return_val_if_fail (q != NULL && i < q->questions->len, 0);
  return ((Question *) g_ptr_array_index (q->questions, i))->answered;
}

size_t
dkimmod_dns_queries_open_count (const DkimmodDnsQueries *q)
{
  size_t open = 0;

  g_return_val_if_fail (q != NULL, 0);
  for (guint i = 0; i < q->questions->len; i++)
    open += !((Question *) g_ptr_array_index (q->questions, i))->answered;
  return open;
}

const char *
dkimmod_dns_type_name (DkimmodDnsType type)
{
  switch (type)
    {
    case DKIMMOD_DNS_A:
      return "A";
    case DKIMMOD_DNS_PTR:
      return "PTR";
    case DKIMMOD_DNS_MX:
      return "MX";
    case DKIMMOD_DNS_TXT:
      return "TXT";
    case DKIMMOD_DNS_AAAA:
      return "AAAA";
    }
  return "?";
}

/* known_type - one of the types a question may have */
static gboolean
known_type (DkimmodDnsType type)
{
  return strcmp (dkimmod_dns_type_name (type), "?") != 0;
}

size_t
dkimmod_dns_queries_ask (DkimmodDnsQueries *q, const char *name, DkimmodDnsType type)
{
  guint at;
  Question *qu;
  gsize len;
  char *key;

  g_return_val_if_fail (q != NULL && name != NULL && known_type (type), (size_t) -1);
  at = lookup (q, name, type);
  if (at != 0)
    return at - 1;
  if (q->questions->len >= DKIMMOD_LIMIT_DNS_QUESTIONS)
    return (size_t) -1;
  len = strlen (name) + 2;
  key = question_key (name, type, g_malloc (len), len);
  qu = g_new0 (Question, 1);
  qu->name = g_strdup (key + 1);
  qu->type = type;
  g_ptr_array_add (q->questions, qu);
  g_hash_table_insert (q->index, key, GUINT_TO_POINTER (q->questions->len));
  return q->questions->len - 1;
}

const DkimmodDnsAnswer *
dkimmod_dns_queries_answer_at (const DkimmodDnsQueries *q, size_t i)
{
  Question *qu;

  g_return_val_if_fail (q != NULL && i < q->questions->len, NULL);
  qu = g_ptr_array_index (q->questions, i);
  return qu->answered ? &qu->answer : NULL;
}

const DkimmodDnsAnswer *
dkimmod_dns_queries_find (const DkimmodDnsQueries *q, const char *name, DkimmodDnsType type)
{
  guint at;

  g_return_val_if_fail (q != NULL && name != NULL, NULL);
  at = lookup (q, name, type);
  if (at == 0)
    return q->questions->len >= DKIMMOD_LIMIT_DNS_QUESTIONS ? &overflow_answer : NULL;
  return dkimmod_dns_queries_answer_at (q, at - 1);
}

/**
 * dkimmod_dns_queries_answer:
 * @records: (array length=n) (nullable): the records
 * @lens: (array length=n) (nullable): their lengths, NULL for strlen()
 *
 * Returns: 0, or -1 with @err set (never asked, bad argument).
 */
int
dkimmod_dns_queries_answer (DkimmodDnsQueries *q, const char *name, DkimmodDnsType type,
                            DkimmodDnsStatus status, const char *const *records,
                            const size_t *lens, size_t n, unsigned flags, DkimmodError *err)
{
  GError *error = NULL;
  Question *qu;
  guint at;

  dkimmod_error_clear (err);
  if (q == NULL || name == NULL || (n > 0 && records == NULL) || status > DKIMMOD_DNS_TIMEOUT)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "dns_queries_answer: bad argument");
      return dkimmod_error_take (err, error);
    }
  at = lookup (q, name, type);
  if (at == 0)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL,
                   "dns_queries_answer: %s %s was not asked for", name,
                   dkimmod_dns_type_name (type));
      return dkimmod_error_take (err, error);
    }
  qu = g_ptr_array_index (q->questions, at - 1);
  if (qu->answered)
    return 0;
  qu->answered = TRUE;
  qu->answer.status = status;
  qu->answer.flags = flags;
  if (status != DKIMMOD_DNS_OK)
    return 0;
  qu->answer.n = n;
  qu->answer.records = g_new0 (char *, n + 1);
  qu->answer.lens = g_new0 (size_t, n + 1);
  for (size_t i = 0; i < n; i++)
    {
      size_t len = lens != NULL ? lens[i] : strlen (records[i]);

      /* every byte kept (a TXT record may hold a NUL), then a NUL */
      qu->answer.records[i] = g_malloc (len + 1);
      memcpy (qu->answer.records[i], records[i], len);
      qu->answer.records[i][len] = '\0';
      qu->answer.lens[i] = len;
    }
  return 0;
}

gint64
dkimmod_dns_queries_deadline (const DkimmodDnsQueries *q)
{
  return q->deadline;
}

void
dkimmod_dns_queries_set_deadline (DkimmodDnsQueries *q, gint64 deadline)
{
  q->deadline = deadline;
}

/* --- the bridge to the DKIM verifier ---------------------------------------- */

void
dkimmod_dns_queries_ask_dkim_keys (DkimmodDnsQueries *q, const DkimmodVerifier *v)
{
  size_t n = dkimmod_verifier_key_query_count (v);

  for (size_t i = 0; i < n; i++)
    if (!dkimmod_verifier_key_query_answered (v, i))
      (void) dkimmod_dns_queries_ask (q, dkimmod_verifier_key_query_name (v, i), DKIMMOD_DNS_TXT);
}

int
dkimmod_dns_queries_answer_dkim_keys (const DkimmodDnsQueries *q, DkimmodVerifier *v,
                                      DkimmodError *err)
{
  size_t n = dkimmod_verifier_key_query_count (v);

  dkimmod_error_clear (err);
  for (size_t i = 0; i < n; i++)
    {
      const char *name = dkimmod_verifier_key_query_name (v, i);
      const DkimmodDnsAnswer *a;

      if (dkimmod_verifier_key_query_answered (v, i)
          || (a = dkimmod_dns_queries_find (q, name, DKIMMOD_DNS_TXT)) == NULL)
        continue;
      if (dkimmod_verifier_key_answer (v, name, a->status, (const char *const *) a->records,
                                       a->lens, a->n, a->flags, err) != 0)
        return -1;
    }
  return 0;
}
