/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dmarc.h - the DMARC evaluator of one message (private; the aggregate auth.c drives it)
 * DESCRIPTION
 *	dkimmod_dmarc_add_header() sees every header field (it keeps From and
 *	Message-ID); dkimmod_dmarc_ask() puts the policy and Organizational
 *	Domain questions into the message's question set at the end of the
 *	header; dkimmod_dmarc_step() says whether they are answered (and asks
 *	the author domain's existence when an np= may apply);
 *	dkimmod_dmarc_evaluate() decides from the answers and the other
 *	methods' results.
 */
#ifndef DKIMMOD_DMARC_H
#define DKIMMOD_DMARC_H

#include <glib.h>

#include "dkimmod.h"
#include "dnsquery.h"

G_BEGIN_DECLS

/* The most From addresses read, and the most DKIM domains whose
 * Organizational Domain is looked up. */
#define DKIMMOD_LIMIT_DMARC_FROM_ADDRESSES 32u
#define DKIMMOD_LIMIT_DMARC_DKIM_DOMAINS 16u

typedef struct DkimmodDmarc DkimmodDmarc;

/* What the other methods established, for alignment and overrides. */
typedef struct {
  const char *const *dkim_pass_domains;  /* d= of the passing signatures */
  gsize n_dkim_pass;
  const char *spf_pass_domain;    /* MAIL FROM domain when SPF passed for it, else NULL */
  gboolean arc_pass;              /* the ARC chain validated (cv=pass) */
  const char *const *arc_sealers; /* its sealing domains */
  gsize n_arc_sealers;
} DkimmodDmarcInputs;

/* ALLOW and SEALERS are NULL-terminated (copied; NULL = empty). */
DkimmodDmarc *dkimmod_dmarc_new (DkimmodDmarcStandard standard, const char *const *allow,
                                 const char *const *sealers);
void dkimmod_dmarc_free (DkimmodDmarc *d);
/* One header field, "Name: value" as on the wire. */
void dkimmod_dmarc_add_header (DkimmodDmarc *d, const char *field, gsize len);
/* At the end of the header: the author domain, then its questions, and
 * those for the Organizational Domains of DKIM_DOMAINS (every d=, passing
 * or not yet known) and SPF_DOMAIN (MAIL FROM's, or NULL). */
void dkimmod_dmarc_ask (DkimmodDmarc *d, DkimmodDnsQueries *q, const char *const *dkim_domains,
                        gsize n_dkim, const char *spf_domain);
/* TRUE when DMARC waits for no open question. */
gboolean dkimmod_dmarc_step (DkimmodDmarc *d, DkimmodDnsQueries *q);
/* The verdict; questions still open count as temperror. */
void dkimmod_dmarc_evaluate (DkimmodDmarc *d, const DkimmodDnsQueries *q,
                             const DkimmodDmarcInputs *in);
/* (transfer none): valid until dkimmod_dmarc_free; after evaluate. */
const DkimmodDmarcResultInfo *dkimmod_dmarc_result (const DkimmodDmarc *d);

/* The dmarc= resinfo's words (authres.h) for R. */
GPtrArray *dkimmod_dmarc_authres_words (const DkimmodDmarcResultInfo *r);

/* Private (tests): the pct= sample of a Message-ID value, 0..99. */
guint dkimmod_dmarc_sample (const char *message_id);
/* Private (tests): the RFC 9989 tree walk's names for DOMAIN (NULL-terminated). */
char **dkimmod_dmarc_walk_names (const char *domain);

G_END_DECLS

#endif /* DKIMMOD_DMARC_H */
