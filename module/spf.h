/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	spf.h - SPF internals: parsed records and macro expansion
 * DESCRIPTION
 *	The public SPF API (DkimmodSpf, DkimmodSpfResultInfo) is in
 *	dkimmod.h. spf-record.c parses a record into terms, spf-macro.c
 *	checks and expands macro-strings, spf.c evaluates check_host()
 *	step by step over the message's DNS question set.
 * NEVER
 *	Installed.
 */
#ifndef DKIMMOD_SPF_H
#define DKIMMOD_SPF_H

#include <glib.h>

#include "dkimmod.h"

G_BEGIN_DECLS

/* RFC 7208 section 4.6.4 */
#define DKIMMOD_SPF_LIMIT_DNS_MECHANISMS 10u  /* include a mx ptr exists redirect */
#define DKIMMOD_SPF_LIMIT_VOID_LOOKUPS 2u
#define DKIMMOD_SPF_LIMIT_MX_NAMES 10u         /* more: permerror */
#define DKIMMOD_SPF_LIMIT_PTR_NAMES 10u        /* more: ignored */
/* One TXT record we consider as a policy (the DNS can carry 64 KiB). */
#define DKIMMOD_SPF_LIMIT_RECORD_BYTES 4096u
/* A macro's DIGIT transformer, and labels kept by it. */
#define DKIMMOD_SPF_LIMIT_MACRO_DIGITS 128u
/* Expanded macro-strings (explanations included). */
#define DKIMMOD_SPF_LIMIT_EXPANSION_BYTES 8192u
/* RFC 7208 4.6.4: at least 20 s; the message's DNS deadline may be less. */
#define DKIMMOD_SPF_DEFAULT_TIME_BUDGET_MS 20000u

typedef enum {
  DKIMMOD_SPF_M_ALL,
  DKIMMOD_SPF_M_INCLUDE,
  DKIMMOD_SPF_M_A,
  DKIMMOD_SPF_M_MX,
  DKIMMOD_SPF_M_PTR,
  DKIMMOD_SPF_M_IP4,
  DKIMMOD_SPF_M_IP6,
  DKIMMOD_SPF_M_EXISTS,
} DkimmodSpfMechanism;

typedef struct {
  DkimmodSpfMechanism kind;
  DkimmodSpfResult qualifier;   /* PASS, FAIL, SOFTFAIL, NEUTRAL */
  char *domain_spec;            /* NULL: the current <domain> (a, mx, ptr) */
  guint8 network[16];           /* ip4 (first 4 bytes), ip6 */
  guint cidr4, cidr6;           /* prefix lengths, 32 and 128 when absent */
  char *text;                   /* the term as written */
} DkimmodSpfTerm;

typedef struct {
  GPtrArray *terms;             /* DkimmodSpfTerm*, the directives in order */
  char *redirect;               /* domain-spec, or NULL */
  char *exp;                    /* domain-spec, or NULL */
  gboolean has_all;
} DkimmodSpfRecord;

/* The record TEXT (already selected: starts with "v=spf1"), or NULL
 * with ERROR (DKIMMOD_E_SYNTAX: the reason for permerror). */
DkimmodSpfRecord *dkimmod_spf_record_parse (const char *text, gsize len, GError **error);
void dkimmod_spf_record_free (DkimmodSpfRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodSpfRecord, dkimmod_spf_record_free)
/* TRUE for "v=spf1" alone or followed by a space (RFC 7208 4.5). */
gboolean dkimmod_spf_record_is_spf1 (const char *text, gsize len);

/* What macros expand to (RFC 7208 section 7.3). */
typedef struct {
  const char *sender;           /* s */
  const char *local;            /* l */
  const char *sender_domain;    /* o */
  const char *domain;           /* d */
  const char *ip_macro;         /* i: dotted quad or 32 dotted nibbles */
  gboolean ipv6;                /* v: "ip6" or "in-addr" */
  const char *helo;             /* h */
  const char *validated;        /* p (NULL: not known yet) */
  const char *client_ip;        /* c (exp only) */
  const char *receiver;         /* r (exp only) */
  gint64 now;                   /* t (exp only) */
} DkimmodSpfMacroEnv;

/* Syntax of a macro-string (EXP: c, r, t allowed), and for a
 * domain-spec also its domain-end (RFC 7208 section 12). */
gboolean dkimmod_spf_macro_check (const char *s, gsize len, gboolean exp, gboolean domain_spec,
                                  GError **error);
/* TRUE when S uses the p macro (a PTR lookup is needed first). */
gboolean dkimmod_spf_macro_uses_p (const char *s);
/* S expanded (transfer full), or NULL with ERROR. A domain-spec's
 * expansion is cut from the left to 253 bytes (7.3) and loses a final
 * dot. */
char *dkimmod_spf_macro_expand (const char *s, const DkimmodSpfMacroEnv *env, gboolean exp,
                                gboolean domain_spec, GError **error);
/* The i macro's form of the address (4 or 16 bytes). */
char *dkimmod_spf_ip_macro (const guint8 *addr, gboolean ipv6);

/* The spf= resinfo of a decided check as authres.h words (the aggregate
 * folds its one field between them); dkimmod_spf_resinfo joins them. */
GPtrArray *dkimmod_spf_authres_words (const DkimmodSpf *spf);

G_END_DECLS

#endif /* DKIMMOD_SPF_H */
