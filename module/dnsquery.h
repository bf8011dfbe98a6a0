/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dnsquery.h - the DNS question set, the methods' side
 * DESCRIPTION
 *	The public half (the host's side: list, answer) is in dkimmod.h.
 *	Here is what the methods use: ask a question, find its answer, and
 *	the bridge that puts a verifier's DKIM key lookups into a set. The
 *	resolver keeps the message's DNS deadline in the set.
 * NEVER
 *	Installed, or declare anything with DKIMMOD_API.
 */
#ifndef DKIMMOD_DNSQUERY_H
#define DKIMMOD_DNSQUERY_H

#include <glib.h>

#include "dkimmod.h"

G_BEGIN_DECLS

/* One answer: STATUS, and for DKIMMOD_DNS_OK N records (each
 * NUL-terminated too, LENS[i] bytes before the NUL), FLAGS. */
typedef struct {
  DkimmodDnsStatus status;
  size_t n;
  char **records;
  size_t *lens;
  unsigned flags;
} DkimmodDnsAnswer;

/* Questions in one set: a message's methods ask far fewer (SPF at most
 * about 120, DKIM keys a handful); beyond this a question is answered
 * SERVFAIL at once, so a method gets temperror rather than waiting. */
#define DKIMMOD_LIMIT_DNS_QUESTIONS 1000u

/* Adds NAME/TYPE unless present (case-insensitive, trailing dot ignored);
 * returns its index, or (size_t) -1 when the set is full (then find()
 * gives SERVFAIL for it). */
size_t dkimmod_dns_queries_ask (DkimmodDnsQueries *q, const char *name, DkimmodDnsType type);
/* The answer once answered, else NULL (still open, or never asked). */
const DkimmodDnsAnswer *dkimmod_dns_queries_find (const DkimmodDnsQueries *q, const char *name,
                                                  DkimmodDnsType type);
/* Question I's answer, or NULL while open. */
const DkimmodDnsAnswer *dkimmod_dns_queries_answer_at (const DkimmodDnsQueries *q, size_t i);

/* The message's DNS deadline (monotonic microseconds), 0 until a
 * resolver round set it; the resolver sets it once. */
gint64 dkimmod_dns_queries_deadline (const DkimmodDnsQueries *q);
void dkimmod_dns_queries_set_deadline (DkimmodDnsQueries *q, gint64 deadline);

/* Lower case, trailing dots removed (transfer full). */
char *dkimmod_dns_name_normalize (const char *name, gsize len);

/* The verifier's open key lookups asked as TXT questions. */
void dkimmod_dns_queries_ask_dkim_keys (DkimmodDnsQueries *q, const DkimmodVerifier *v);
/* The verifier's open key lookups answered from Q where Q has answers. */
int dkimmod_dns_queries_answer_dkim_keys (const DkimmodDnsQueries *q, DkimmodVerifier *v,
                                          DkimmodError *err);

G_END_DECLS

#endif /* DKIMMOD_DNSQUERY_H */
