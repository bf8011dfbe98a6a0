/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	headroom.c - the bytes we may add to a message, and the SIZE we offer
 * SYNOPSIS
 *	dkimmod_headroom_signing, dkimmod_headroom_verifying,
 *	dkimmod_headroom_limit
 * DESCRIPTION
 *	The next hop enforces its SIZE on what we send: the client's message
 *	plus our DKIM-Signature fields (signing) or Authentication-Results
 *	fields (verifying). Passed on unchanged, a message just under the
 *	next hop's SIZE would be refused with 552 after "." and, after the
 *	queue, bounced by Postfix. So we advertise and enforce the next hop's
 *	SIZE (and message_size_max) minus the largest header we can add; a
 *	message over that gets 552 5.3.4 from us at once.
 *
 *	The bound is built from the limits the configuration loader and the
 *	library enforce (signatures per sender_map entry, domain and selector
 *	length, h= names, RSA key size), each field folded as tagspec.c and
 *	authres.c fold. Verifying uses the configured max_signatures and
 *	adds spf=, dmarc= and arc= at their longest and the quarantine field
 *	(whether or not they run: a few KiB). The figures are in
 *	dkimmod-spawn(8), SIZE.
 * STANDARDS
 *	RFC 1870 (SIZE); RFC 6376 section 3.5 (DKIM-Signature tags);
 *	RFC 8601 section 2.2 (Authentication-Results); RFC 5321 section
 *	4.5.3.1.1 (local-part: 64 octets).
 */
#include "headroom.h"

#include "limits-private.h"

/* Bytes of base64 for N bytes of binary. */
#define BASE64_LEN(n) (4u * (((n) + 2u) / 3u))
/* RFC 5321 local-part limit; i= may triple it as dkim-quoted-printable. */
#define LOCAL_PART_BYTES 64u
/* Widest decimal guint64 (t=, x=). */
#define NUMBER_BYTES 20u
/* The longest b= (the largest RSA key we sign with) and bh= (SHA-256). */
#define B_VALUE_BYTES BASE64_LEN (DKIMMOD_LIMIT_RSA_MAX_BITS / 8u)
#define BH_VALUE_BYTES BASE64_LEN (32u)
/* i= at its longest: quoted-printable local-part, '@', domain. */
#define IDENTITY_BYTES (3u * LOCAL_PART_BYTES + 1u + DKIMMOD_LIMIT_DOMAIN_BYTES)
/* Folding: CRLF TAB at most once per this many bytes of a field. */
#define FOLD_EVERY 32u

/* folded - LEN bytes of field content with every fold they may need */
static guint64
folded (guint64 len)
{
  return len + (len / FOLD_EVERY + 1u) * 3u;
}

guint64
dkimmod_headroom_signing (void)
{
  guint64 tag = sizeof "v=1; " - 1 + sizeof "a=ed25519-sha256; " - 1
                + sizeof "c=relaxed/relaxed; " - 1
                + 4u + DKIMMOD_LIMIT_DOMAIN_BYTES            /* d=...; */
                + 4u + DKIMMOD_LIMIT_SELECTOR_BYTES          /* s=...; */
                + 2u * (4u + NUMBER_BYTES)                   /* t=...; x=...; */
                + 4u + IDENTITY_BYTES                        /* i=...; */
                + 4u + DKIMMOD_LIMIT_SIGNED_HEADERS * (DKIMMOD_HEADROOM_H_NAME_BYTES + 1u)
                + 5u + BH_VALUE_BYTES                        /* bh=...; */
                + 2u + B_VALUE_BYTES;                        /* b=... */
  guint64 field = sizeof "DKIM-Signature: " - 1 + folded (tag) + 2u;

  return DKIMMOD_LIMIT_SIGNATURES * field;
}

guint64
dkimmod_headroom_verifying (guint max_signatures, gboolean x_header)
{
  /* Values are quoted-strings at worst: every byte escaped, two quotes. */
  guint64 resinfo = sizeof "dkim=permerror" - 1 + sizeof " (8192-bit key; testing; secure)" - 1
                    + sizeof " reason=" - 1 + 2u * DKIMMOD_HEADROOM_REASON_BYTES + 2u
                    + sizeof " header.d=" - 1 + 2u * DKIMMOD_LIMIT_DOMAIN_BYTES + 2u
                    + sizeof " header.i=" - 1 + 2u * IDENTITY_BYTES + 2u
                    + sizeof " header.s=" - 1 + 2u * DKIMMOD_LIMIT_SELECTOR_BYTES + 2u
                    + sizeof " header.a=ed25519-sha256" - 1
                    + sizeof " header.b=" - 1 + B_VALUE_BYTES + 2u + 1u;
  /* spf=, dmarc=, arc= with every property they may carry, quoted */
  guint64 reason = sizeof " reason=" - 1 + 2u * DKIMMOD_HEADROOM_REASON_BYTES + 2u;
  guint64 quoted_domain = 2u * DKIMMOD_LIMIT_DOMAIN_BYTES + 2u;
  guint64 spf = sizeof "; spf=permerror" - 1 + reason
                + sizeof " smtp.mailfrom=" - 1 + 2u * (LOCAL_PART_BYTES + 1u) + quoted_domain
                + sizeof " smtp.helo=" - 1 + quoted_domain;
  guint64 dmarc = sizeof "; dmarc=permerror" - 1 + reason
                  + sizeof " header.from=" - 1 + quoted_domain
                  + sizeof " policy.dmarc=quarantine" - 1
                  + sizeof " (override trusted_forwarder " - 1 + quoted_domain + 1u;
  guint64 arc = sizeof "; arc=permerror" - 1 + reason
                + sizeof " header.oldest-pass=50 smtp.remote-ip=" - 1 + 45u;
  guint64 body = 2u * DKIMMOD_LIMIT_DOMAIN_BYTES + 2u + 1u   /* authserv-id; */
                 + MAX (max_signatures, 1u) * folded (resinfo)
                 + folded (spf) + folded (dmarc) + folded (arc);
  guint64 ar = sizeof "X-DKIM-Authentication-Results: " - 1 + folded (body) + 2u;
  /* on_dmarc_quarantine = header: "NAME: p=quarantine header.from=D" */
  guint64 quarantine = 64u + sizeof ": p=quarantine header.from=" - 1
                       + DKIMMOD_LIMIT_DOMAIN_BYTES + 2u;

  return (x_header ? 2u * ar : ar) + quarantine;
}

guint64
dkimmod_headroom_limit (guint64 size_max, guint64 next_size, guint64 headroom)
{
  guint64 limit = size_max;

  if (next_size > 0 && (limit == 0 || next_size < limit))
    limit = next_size;
  if (limit == 0)
    return 0;
  return limit > headroom ? limit - headroom : 1;
}
