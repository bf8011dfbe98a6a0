/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dnswire.h - DNS messages on the wire: the query, the parsed response
 * DESCRIPTION
 *	The resolver's packet layer, kept apart from its sockets so the
 *	response parser can be fuzzed on its own (tests/fuzz/fuzz-dnswire.c).
 * NEVER
 *	Installed.
 */
#ifndef DKIMMOD_DNSWIRE_H
#define DKIMMOD_DNSWIRE_H

#include <glib.h>

#include "dkimmod.h"

G_BEGIN_DECLS

/* CNAMEs followed inside one answer section. */
#define DKIMMOD_LIMIT_CNAME_DEPTH 8u
/* A query: header, name (255), type, class, OPT record. */
#define DKIMMOD_DNS_QUERY_MAX 300u

typedef struct {
  guint16 id;
  char *qname;               /* as in the question section */
  guint16 qtype;
  gboolean truncated;        /* TC */
  gboolean ad;               /* AD (believed only from a trusted nameserver) */
  DkimmodDnsStatus status;   /* from the RCODE */
  GPtrArray *records;        /* char*, NUL-terminated, of QTYPE (CNAMEs followed) */
  GArray *lens;              /* gsize per record */
} DkimmodDnsResponse;

/* Writes a query for NAME/TYPE with ID, RD, AD and EDNS0 into BUF (at
 * least DKIMMOD_DNS_QUERY_MAX bytes); returns its length, 0 when NAME is
 * no valid domain name (labels of 1..63 bytes, 255 in all). */
gsize dkimmod_dns_wire_query (guchar *buf, guint16 id, const char *name, DkimmodDnsType type);
/* Parses a response into OUT (cleared first; always clear it after);
 * FALSE when BUF is no well-formed response with one question. Records
 * are formatted as dkimmod_dns_queries_answer() takes them. */
gboolean dkimmod_dns_wire_parse (const guchar *buf, gsize len, DkimmodDnsResponse *out);
void dkimmod_dns_response_clear (DkimmodDnsResponse *r);
/* DNS names equal, case-insensitively, trailing dots ignored. */
gboolean dkimmod_dns_same_name (const char *a, const char *b);

G_END_DECLS

#endif /* DKIMMOD_DNSWIRE_H */
