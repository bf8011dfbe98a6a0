/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	limits-private.h - every bound on untrusted input, in one place
 * DESCRIPTION
 *	Named constants for what the core accepts. Each has a test just over
 *	it. Settable ones are documented in dkimmod.conf(5).
 * NEVER
 *	Scatter a literal limit in a .c file: add it here.
 */
#ifndef DKIMMOD_LIMITS_PRIVATE_H
#define DKIMMOD_LIMITS_PRIVATE_H

/* Header block of one message (all fields, with CRLFs). */
#define DKIMMOD_LIMIT_HEADER_BYTES   (1024u * 1024u)
/* Header fields in one message. */
#define DKIMMOD_LIMIT_HEADER_COUNT   1000u
/* One header field, continuation lines included. */
#define DKIMMOD_LIMIT_FIELD_BYTES    (256u * 1024u)
/* Signatures one signer may produce. */
#define DKIMMOD_LIMIT_SIGNATURES     16u
/* Names in one h= list (oversigning included). */
#define DKIMMOD_LIMIT_SIGNED_HEADERS 128u
/* RSA key size, bits (RFC 8301: at least 1024; verifiers refuse > 8192). */
#define DKIMMOD_LIMIT_RSA_MIN_BITS   1024u
#define DKIMMOD_LIMIT_RSA_MAX_BITS   8192u
/* A private key file. */
#define DKIMMOD_LIMIT_KEY_FILE_BYTES (64u * 1024u)
/* Length of d=, s= and i= values. */
#define DKIMMOD_LIMIT_DOMAIN_BYTES   253u
#define DKIMMOD_LIMIT_SELECTOR_BYTES 253u

#endif /* DKIMMOD_LIMITS_PRIVATE_H */
