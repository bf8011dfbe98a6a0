/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dkimmod.h - public interface of libdkimmod, the DKIM plugin core
 * DESCRIPTION
 *	The only installed header. Plain C: opaque handles, size_t lengths,
 *	an error code plus message. It never forces GLib on a host; GLib users
 *	get g_autoptr() support when they include <glib.h> first.
 *
 *	Call order for signing one message:
 *	  ctx = dkimmod_context_new ();
 *	  key = dkimmod_key_load_file (ctx, "/etc/dkimmod/k.pem", 0, &err);
 *	  s = dkimmod_signer_new (ctx);
 *	  dkimmod_sign_spec_init (&spec); spec.domain=...; spec.selector=...;
 *	  spec.key = key;
 *	  dkimmod_signer_add_signature (s, &spec, &err);   (one or more)
 *	  dkimmod_signer_add_header (s, field, len, &err); (each header field)
 *	  dkimmod_signer_end_headers (s, &err);
 *	  dkimmod_signer_add_body (s, chunk, len, &err);   (any chunking)
 *	  hdrs = dkimmod_signer_finish (s, &hlen, &err);   (DKIM-Signature fields)
 *	  dkimmod_free (hdrs); dkimmod_signer_free (s);
 *
 *	Call order for verifying one message:
 *	  v = dkimmod_verifier_new (ctx, &opts);            (opts may be NULL)
 *	  dkimmod_verifier_add_header (v, field, len, &err); (each header field)
 *	  dkimmod_verifier_end_headers (v, &err);
 *	  for i < dkimmod_verifier_key_query_count (v):     (sans-I/O key lookups)
 *	    name = dkimmod_verifier_key_query_name (v, i);  "sel._domainkey.dom"
 *	    ... the host resolves NAME, now or while the body streams ...
 *	    dkimmod_verifier_key_answer (v, name, DKIMMOD_DNS_OK, txts, lens, n, 0, &err);
 *	  (or: dkimmod_verifier_lookup_keys (v, resolver, &err), or
 *	   dkimmod_verifier_answer_from_key_file (v, kf, &err))
 *	  dkimmod_verifier_add_body (v, chunk, len, &err);  (any chunking)
 *	  dkimmod_verifier_finish (v, &err);
 *	  for i < dkimmod_verifier_result_count (v): dkimmod_verifier_result (v, i)
 *	  ar = dkimmod_verifier_authres (v, "mx.example.net", &err);
 *	  dkimmod_free (ar); dkimmod_verifier_free (v);
 *	Key lookups not answered by finish() give temperror.
 *
 * THREADS
 *	A context is shared read-only across threads once built (its key
 *	cache is internally locked). Context and key reference counts are
 *	atomic: any thread may ref and unref them. A signer, a verifier and a resolver
 *	belong to one thread at a time; a key file is read-only once loaded
 *	and may be shared.
 * NEVER
 *	This header must never include GLib, OpenSSL or libconfig headers.
 */
#ifndef DKIMMOD_H
#define DKIMMOD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DKIMMOD_ABI_MAJOR 1
#define DKIMMOD_ABI_MINOR 3

#if defined(DKIMMOD_COMPILATION)
#define DKIMMOD_API __attribute__ ((visibility ("default")))
#else
#define DKIMMOD_API
#endif

/* Faults (not verification outcomes, which are data). */
typedef enum {
  DKIMMOD_OK = 0,
  DKIMMOD_E_INVAL,      /* caller bug: bad argument or call order */
  DKIMMOD_E_KEY,        /* private key unreadable, malformed, unsupported, too small */
  DKIMMOD_E_ALGORITHM,  /* algorithm refused (rsa-sha1 for signing) or not matching key */
  DKIMMOD_E_SYNTAX,     /* malformed input (header field, tag, domain) */
  DKIMMOD_E_LIMIT,      /* input over a named limit */
  DKIMMOD_E_CRYPTO,     /* the crypto library failed */
  DKIMMOD_E_IO,         /* file or network I/O */
  DKIMMOD_E_CONFIG,     /* configuration error */
} DkimmodStatus;

/* Out-parameter for faults; stack-allocatable, nothing to free. */
typedef struct {
  DkimmodStatus code;
  char message[256];
} DkimmodError;

typedef enum {
  DKIMMOD_CANON_SIMPLE = 0,
  DKIMMOD_CANON_RELAXED = 1,
} DkimmodCanon;

typedef enum {
  DKIMMOD_ALG_FROM_KEY = 0,   /* signing: follow the key type */
  DKIMMOD_ALG_RSA_SHA256,
  DKIMMOD_ALG_ED25519_SHA256,
  DKIMMOD_ALG_RSA_SHA1,       /* verification of legacy mail only; never signs */
} DkimmodAlgorithm;

typedef struct DkimmodContext DkimmodContext;
typedef struct DkimmodKey DkimmodKey;
typedef struct DkimmodSigner DkimmodSigner;

/* Seconds since the epoch; injectable so tests get reproducible t=. */
typedef int64_t (*DkimmodClockFunc) (void *user_data);

/* What the library has to say besides return values: DEBUG notes (a
 * header line without a field name was not signed, ...). MESSAGE is one
 * line, valid during the call. The callback may run in any thread that
 * uses the context, at the same time in several. */
typedef enum {
  DKIMMOD_LOG_ERROR = 0,
  DKIMMOD_LOG_WARNING,
  DKIMMOD_LOG_INFO,
  DKIMMOD_LOG_DEBUG,
} DkimmodLogLevel;
typedef void (*DkimmodLogFunc) (DkimmodLogLevel level, const char *message, void *user_data);

/* --- library ------------------------------------------------------------ */
DKIMMOD_API const char *dkimmod_version (void);
DKIMMOD_API const char *dkimmod_status_name (DkimmodStatus code);
DKIMMOD_API const char *dkimmod_algorithm_name (DkimmodAlgorithm alg);
/* Parses "rsa-sha256" etc.; returns -1 when unknown. */
DKIMMOD_API int dkimmod_algorithm_from_name (const char *name);
/* Parses "relaxed", "simple/relaxed" (RFC 6376 3.5 c=); 0 on success. */
DKIMMOD_API int dkimmod_canon_from_name (const char *name, DkimmodCanon *header, DkimmodCanon *body);
/* Frees any buffer the library returned. */
DKIMMOD_API void dkimmod_free (void *ptr);

/* --- context: shared, immutable once built, holds the key cache --------- */
DKIMMOD_API DkimmodContext *dkimmod_context_new (void);
DKIMMOD_API DkimmodContext *dkimmod_context_ref (DkimmodContext *ctx);
DKIMMOD_API void dkimmod_context_unref (DkimmodContext *ctx);
DKIMMOD_API void dkimmod_context_set_clock (DkimmodContext *ctx, DkimmodClockFunc clock, void *user_data);
DKIMMOD_API int64_t dkimmod_context_now (const DkimmodContext *ctx);
/* The library never prints: without a log function its messages are
 * dropped. Set it before the context is shared; NULL drops them again. */
DKIMMOD_API void dkimmod_context_set_log (DkimmodContext *ctx, DkimmodLogFunc log,
                                          void *user_data);

/* --- private keys: parsed once per process, reused for every message ---- */
/* Also accept a key that a group the process is not in may read (a key
 * of one of the process's own groups is accepted without it). */
#define DKIMMOD_KEY_ALLOW_GROUP_READABLE (1u << 0)
/* Loads a PEM private key (PKCS#1 or PKCS#8, RSA or Ed25519). The context
 * caches it by path, so a second call returns the same parsed key.
 * Returns a new reference (transfer full) or NULL with err set. RSA keys
 * under 1024 bits are refused (RFC 8301); so are keys owned by a uid other
 * than root or the effective uid, keys that others may access, and keys on
 * a path whose directories or links another user can change. */
DKIMMOD_API DkimmodKey *dkimmod_key_load_file (DkimmodContext *ctx, const char *path,
                                               unsigned flags, DkimmodError *err);
DKIMMOD_API DkimmodKey *dkimmod_key_load_pem (const char *pem, size_t len, DkimmodError *err);
DKIMMOD_API DkimmodKey *dkimmod_key_ref (DkimmodKey *key);
DKIMMOD_API void dkimmod_key_unref (DkimmodKey *key);
/* DKIMMOD_ALG_RSA_SHA256 or DKIMMOD_ALG_ED25519_SHA256. */
DKIMMOD_API DkimmodAlgorithm dkimmod_key_algorithm (const DkimmodKey *key);
DKIMMOD_API unsigned dkimmod_key_bits (const DkimmodKey *key);
/* "v=DKIM1; k=rsa; p=..." for the public half (transfer full, dkimmod_free). */
DKIMMOD_API char *dkimmod_key_dns_record (const DkimmodKey *key, DkimmodError *err);

/* --- signing ------------------------------------------------------------- */
typedef struct {
  const char *domain;       /* d=, required */
  const char *selector;     /* s=, required */
  const char *identity;     /* i=, or NULL for none */
  DkimmodAlgorithm algorithm; /* FROM_KEY by default; must match the key */
  DkimmodCanon header_canon;  /* default relaxed */
  DkimmodCanon body_canon;    /* default relaxed */
  const char *headers;      /* colon-separated names to sign (must include From);
                               NULL = RFC 6376 5.4.1 set plus Sender, Message-ID,
                               MIME-Version, Content-Type/-Transfer-Encoding/-ID/
                               -Description/-Disposition */
  const char *oversign;     /* colon-separated names always oversigned (h= names
                               them once more than they occur, even when absent);
                               NULL = From:To:Cc:Subject:Reply-To, "" = none.
                               Unless "", Date, Message-ID, MIME-Version,
                               Content-*, In-Reply-To and References are also
                               oversigned when present (never when absent). */
  uint64_t expire_after;    /* x= is t= plus this many seconds; 0 = no x= */
  DkimmodKey *key;          /* required; the signer takes its own reference */
  void *reserved[6];        /* ABI padding: must be zero (spec_init does it) */
} DkimmodSignSpec;

DKIMMOD_API void dkimmod_sign_spec_init (DkimmodSignSpec *spec);

DKIMMOD_API DkimmodSigner *dkimmod_signer_new (DkimmodContext *ctx);
/* Any number of signatures, all before end_headers. */
DKIMMOD_API int dkimmod_signer_add_signature (DkimmodSigner *signer, const DkimmodSignSpec *spec,
                                              DkimmodError *err);
/* One complete header field as on the wire ("Name: value", folding CRLFs
 * included), with or without its final CRLF. A line with no field name
 * and colon is accepted and never signed; a field holding a line that is
 * not a continuation (two fields in one call) is an error. */
DKIMMOD_API int dkimmod_signer_add_header (DkimmodSigner *signer, const char *field, size_t len,
                                           DkimmodError *err);
DKIMMOD_API int dkimmod_signer_end_headers (DkimmodSigner *signer, DkimmodError *err);
/* Body bytes in CRLF form, in chunks of any size cut anywhere. */
DKIMMOD_API int dkimmod_signer_add_body (DkimmodSigner *signer, const void *data, size_t len,
                                         DkimmodError *err);
/* Returns the DKIM-Signature fields, each folded at 78 columns and ending
 * in CRLF, in the order they should be prepended (transfer full,
 * dkimmod_free). *len_out may be NULL. */
DKIMMOD_API char *dkimmod_signer_finish (DkimmodSigner *signer, size_t *len_out, DkimmodError *err);
DKIMMOD_API void dkimmod_signer_free (DkimmodSigner *signer);

/* --- verification: outcomes are data, not faults ----------------------- */
/* RFC 8601 section 2.7.1 dkim result values. */
typedef enum {
  DKIMMOD_RESULT_NONE = 0,
  DKIMMOD_RESULT_PASS,
  DKIMMOD_RESULT_FAIL,
  DKIMMOD_RESULT_NEUTRAL,
  DKIMMOD_RESULT_POLICY,
  DKIMMOD_RESULT_TEMPERROR,
  DKIMMOD_RESULT_PERMERROR,
} DkimmodResult;

/* How a key lookup ended. */
typedef enum {
  DKIMMOD_DNS_OK = 0,       /* records supplied (possibly none: NODATA) */
  DKIMMOD_DNS_NXDOMAIN,     /* name does not exist: permerror, no key */
  DKIMMOD_DNS_SERVFAIL,     /* temperror */
  DKIMMOD_DNS_TIMEOUT,      /* temperror */
} DkimmodDnsStatus;

/* key_answer flags */
#define DKIMMOD_DNS_FLAG_SECURE (1u << 0)  /* DNSSEC-validated (AD from a trusted resolver) */

typedef struct {
  unsigned max_signatures;  /* signatures evaluated with a key lookup (From-aligned d=
                               first); unparsable ones take none and at most this
                               many are reported; default 5 */
  int64_t clock_drift;      /* seconds tolerated for t= in the future and x=; default 300 */
  int accept_rsa_sha1;      /* 1: rsa-sha1 may pass (legacy); default 0 = policy */
  int accept_body_length;   /* 1: a body beyond l= may pass; default 0 = policy */
  void *reserved[6];        /* must be zero (options_init does it) */
} DkimmodVerifyOptions;

/* The outcome for one DKIM-Signature, in header order (top first). All
 * strings are owned by the verifier (valid until dkimmod_verifier_free)
 * and NUL-terminated; those that the signature did not carry are "".
 * Hosts may build arrays of these for dkimmod_authres_format: zero the
 * whole struct first (= { 0 }). The size never changes within ABI major
 * 1: new fields take the place of reserved[] entries, and zero (NULL)
 * always means "absent", so an old host's results stay valid; functions
 * taking results refuse ones whose reserved[] is not all zero. */
typedef struct {
  DkimmodResult result;
  const char *reason;       /* "" on pass; else why, for a postmaster */
  const char *domain;       /* d= */
  const char *identity;     /* i= as signed, or "@" d= when absent */
  const char *selector;     /* s= */
  const char *algorithm;    /* a= */
  const char *b;            /* b= without whitespace (for header.b) */
  unsigned key_bits;        /* 0 when no key was loaded */
  int testing;              /* key record t=y */
  int secure;               /* key came with DKIMMOD_DNS_FLAG_SECURE */
  int key_record;           /* index of the TXT record used, -1 when none */
  void *reserved[8];        /* ABI padding: zero */
} DkimmodSignatureResult;

typedef struct DkimmodVerifier DkimmodVerifier;
typedef struct DkimmodKeyFile DkimmodKeyFile;
typedef struct DkimmodResolver DkimmodResolver;

/* "pass", "fail", ... (static string). */
DKIMMOD_API const char *dkimmod_result_name (DkimmodResult result);
DKIMMOD_API void dkimmod_verify_options_init (DkimmodVerifyOptions *opts);

/* OPTS is copied; NULL means defaults. */
DKIMMOD_API DkimmodVerifier *dkimmod_verifier_new (DkimmodContext *ctx,
                                                   const DkimmodVerifyOptions *opts);
/* One complete header field, as for dkimmod_signer_add_header. */
DKIMMOD_API int dkimmod_verifier_add_header (DkimmodVerifier *v, const char *field, size_t len,
                                             DkimmodError *err);
DKIMMOD_API int dkimmod_verifier_end_headers (DkimmodVerifier *v, DkimmodError *err);
/* Distinct key names needed, after end_headers. */
DKIMMOD_API size_t dkimmod_verifier_key_query_count (const DkimmodVerifier *v);
/* "selector._domainkey.domain" (owned by the verifier). */
DKIMMOD_API const char *dkimmod_verifier_key_query_name (const DkimmodVerifier *v, size_t i);
/* 1 once lookup I has been answered. */
DKIMMOD_API int dkimmod_verifier_key_query_answered (const DkimmodVerifier *v, size_t i);
/* Answers one lookup: N TXT records (each its strings concatenated), any
 * time between end_headers and finish. NAME is compared case-insensitively.
 * The records are copied. */
DKIMMOD_API int dkimmod_verifier_key_answer (DkimmodVerifier *v, const char *name,
                                             DkimmodDnsStatus status,
                                             const char *const *records, const size_t *lens,
                                             size_t n, unsigned flags, DkimmodError *err);
/* Answers every open lookup from a key file (missing names: NXDOMAIN). */
DKIMMOD_API int dkimmod_verifier_answer_from_key_file (DkimmodVerifier *v,
                                                       const DkimmodKeyFile *kf,
                                                       DkimmodError *err);
/* Body bytes in CRLF form, in chunks of any size cut anywhere. */
DKIMMOD_API int dkimmod_verifier_add_body (DkimmodVerifier *v, const void *data, size_t len,
                                           DkimmodError *err);
DKIMMOD_API int dkimmod_verifier_finish (DkimmodVerifier *v, DkimmodError *err);
DKIMMOD_API size_t dkimmod_verifier_result_count (const DkimmodVerifier *v);
/* (transfer none): valid until dkimmod_verifier_free. */
DKIMMOD_API const DkimmodSignatureResult *dkimmod_verifier_result (const DkimmodVerifier *v,
                                                                   size_t i);
/* The message's overall outcome: PASS if any signature passed, else
 * TEMPERROR if any had a temporary error (retrying may pass), else FAIL,
 * POLICY, NEUTRAL, PERMERROR in that order of precedence; NONE when the
 * message had no signature. For DKIMproxy's X-DKIM-Authentication-Results
 * (pass|fail|none) and exit statuses. */
DKIMMOD_API DkimmodResult dkimmod_verifier_summary (const DkimmodVerifier *v);
/* Signature I's resinfo on one line (see dkimmod_authres_resinfo),
 * header.b unique among the message's signatures (transfer full,
 * dkimmod_free). */
DKIMMOD_API char *dkimmod_verifier_resinfo (const DkimmodVerifier *v, size_t i);
/* The Authentication-Results field for this message, folded, ending in
 * CRLF (transfer full, dkimmod_free). */
DKIMMOD_API char *dkimmod_verifier_authres (const DkimmodVerifier *v, const char *authserv_id,
                                            DkimmodError *err);
DKIMMOD_API void dkimmod_verifier_free (DkimmodVerifier *v);

/* --- Authentication-Results helpers (RFC 8601) --------------------------- */
/* Builds "Authentication-Results: ID; dkim=..." for N results (N == 0:
 * dkim=none), header.b shortened to the shortest unique prefix of at least
 * 8 characters among ALL_B (N_ALL_B values; may be the results' own)
 * (transfer full, dkimmod_free). */
DKIMMOD_API char *dkimmod_authres_format (const char *authserv_id,
                                          const DkimmodSignatureResult *results, size_t n,
                                          const char *const *all_b, size_t n_all_b);
/* One resinfo on one line, "dkim=fail (1024-bit key) reason=... header.d=...",
 * for logs and the CLI (transfer full, dkimmod_free). */
DKIMMOD_API char *dkimmod_authres_resinfo (const DkimmodSignatureResult *result,
                                           const char *const *all_b, size_t n_all_b);
/* 1 when FIELD is an Authentication-Results field whose authserv-id is
 * AUTHSERV_ID (case-insensitive): the host removes it (RFC 8601 section 5). */
DKIMMOD_API int dkimmod_authres_is_ours (const char *field, size_t len, const char *authserv_id);

/* --- key file: key records for offline use and tests --------------------- */
/* Lines "selector._domainkey.domain record-text" (OpenDKIM TestPublicKeys);
 * the record may be quoted strings, concatenated. '#' starts a comment. */
DKIMMOD_API DkimmodKeyFile *dkimmod_key_file_load (const char *path, DkimmodError *err);
DKIMMOD_API DkimmodKeyFile *dkimmod_key_file_parse (const char *text, size_t len,
                                                    DkimmodError *err);
/* Records for NAME (case-insensitive, trailing dot ignored): returns
 * their number; *records_out (may be NULL) points at an array owned by
 * the key file. */
DKIMMOD_API size_t dkimmod_key_file_lookup (const DkimmodKeyFile *kf, const char *name,
                                            const char *const **records_out);
DKIMMOD_API void dkimmod_key_file_free (DkimmodKeyFile *kf);

/* --- default DNS resolver ------------------------------------------------ */
/* NAMESERVER is "ADDR", "ADDR:PORT", "[V6ADDR]:PORT", a list of up to
 * three of those separated by spaces or commas (tried in turn), or NULL
 * for the nameservers and "options timeout:N attempts:N rotate" of
 * /etc/resolv.conf (else 127.0.0.1). TIMEOUT_MS is the deadline per
 * message (0: 5000): every nameserver gets its try within it, each at
 * most timeout:N seconds (default 5) and its share of what is left;
 * one where nothing listens is passed over at once. The AD bit (DNSSEC)
 * is trusted only from a loopback nameserver. */
DKIMMOD_API DkimmodResolver *dkimmod_resolver_new (const char *nameserver, unsigned timeout_ms,
                                                   DkimmodError *err);
DKIMMOD_API void dkimmod_resolver_free (DkimmodResolver *r);
/* Resolves every lookup the verifier still needs, concurrently, and
 * answers them (NXDOMAIN, SERVFAIL, TIMEOUT or the records). Blocks at
 * most the resolver's deadline. */
DKIMMOD_API int dkimmod_verifier_lookup_keys (DkimmodVerifier *v, DkimmodResolver *r,
                                              DkimmodError *err);
/* One TXT lookup: *RECORDS_OUT receives a NULL-terminated array of the
 * records, each with its strings concatenated (transfer full: free each
 * and the array with dkimmod_free), or NULL. */
DKIMMOD_API int dkimmod_resolver_query_txt (DkimmodResolver *r, const char *name,
                                            DkimmodDnsStatus *status, char ***records_out,
                                            unsigned *flags_out, DkimmodError *err);

/* --- DNS questions: one set per message, shared by every method -------- */
/* All inbound methods of one message (DKIM keys, SPF, DMARC, ARC) ask
 * their DNS questions into one set, so one round answers everything open
 * at once; a host that does its own DNS answers the questions itself
 * (sans-I/O), the default resolver or a DNS file can answer them too.
 * Methods are step-driven: a later question may depend on an earlier
 * answer, so the host answers what is open, steps the methods, and
 * answers again until nothing is open. */
typedef enum {                        /* RFC 1035 type numbers */
  DKIMMOD_DNS_A = 1,
  DKIMMOD_DNS_PTR = 12,
  DKIMMOD_DNS_MX = 15,
  DKIMMOD_DNS_TXT = 16,
  DKIMMOD_DNS_AAAA = 28,
} DkimmodDnsType;

typedef struct DkimmodDnsQueries DkimmodDnsQueries;
typedef struct DkimmodDnsFile DkimmodDnsFile;

DKIMMOD_API DkimmodDnsQueries *dkimmod_dns_queries_new (void);
DKIMMOD_API void dkimmod_dns_queries_free (DkimmodDnsQueries *q);
/* Questions asked so far (answered or not); they keep their index. */
DKIMMOD_API size_t dkimmod_dns_queries_count (const DkimmodDnsQueries *q);
/* Question I's name (lower case, no trailing dot; owned by the set). */
DKIMMOD_API const char *dkimmod_dns_queries_name (const DkimmodDnsQueries *q, size_t i);
DKIMMOD_API DkimmodDnsType dkimmod_dns_queries_type (const DkimmodDnsQueries *q, size_t i);
/* 1 once question I has its answer. */
DKIMMOD_API int dkimmod_dns_queries_answered (const DkimmodDnsQueries *q, size_t i);
/* Questions still without an answer. */
DKIMMOD_API size_t dkimmod_dns_queries_open_count (const DkimmodDnsQueries *q);
/* The host answers one question: NAME (case-insensitive, trailing dot
 * ignored) and TYPE as asked, STATUS, and for DKIMMOD_DNS_OK N records
 * (none: NODATA), copied. Record text: TXT = the record's strings
 * concatenated; A and AAAA = the inet_ntop() form; MX = "PREF EXCHANGE";
 * PTR = the target name; names without their trailing dot. LENS may be
 * NULL (NUL-terminated records). FLAGS: DKIMMOD_DNS_FLAG_SECURE. A
 * question answered already keeps its first answer; answering a question
 * never asked is an error (DKIMMOD_E_INVAL). */
DKIMMOD_API int dkimmod_dns_queries_answer (DkimmodDnsQueries *q, const char *name,
                                            DkimmodDnsType type, DkimmodDnsStatus status,
                                            const char *const *records, const size_t *lens,
                                            size_t n, unsigned flags, DkimmodError *err);
/* "A", "AAAA", "MX", "PTR", "TXT" (static string; "?" for others). */
DKIMMOD_API const char *dkimmod_dns_type_name (DkimmodDnsType type);
/* The default resolver answers every open question of Q concurrently.
 * The first call on Q starts Q's deadline (the resolver's timeout_ms):
 * later rounds for the same message share what is left of it, and a
 * round after the deadline answers DKIMMOD_DNS_TIMEOUT at once. CNAMEs
 * in answers are followed (at most 8). */
DKIMMOD_API int dkimmod_resolver_resolve (DkimmodResolver *r, DkimmodDnsQueries *q,
                                          DkimmodError *err);

/* DNS file: any record type, NXDOMAIN, SERVFAIL and timeout from a file,
 * for offline use and tests (`dkimmod verify --dns-file`). One record a
 * line, '#' comments, blank lines ignored:
 *   NAME TXT "string" "string"    one TXT record, its strings concatenated
 *   NAME TXT rest of line         unquoted: the rest of the line is the record
 *   NAME A 192.0.2.1   NAME AAAA 2001:db8::1   NAME MX 10 mx.example
 *   NAME PTR host.example         NAME CNAME target.example (any type, 8 deep)
 *   NAME TYPE NXDOMAIN|SERVFAIL|TIMEOUT   that answer for TYPE at NAME
 *   NAME NXDOMAIN|SERVFAIL|TIMEOUT        that answer for every type at NAME
 *   sel._domainkey.d v=DKIM1; ...  second word no keyword: TXT (key files)
 * A name not in the file is NXDOMAIN; a name with other types only is
 * NODATA (DKIMMOD_DNS_OK, no records). In quoted strings \", \\ and \DDD
 * (a decimal byte) are escapes. */
DKIMMOD_API DkimmodDnsFile *dkimmod_dns_file_load (const char *path, DkimmodError *err);
DKIMMOD_API DkimmodDnsFile *dkimmod_dns_file_parse (const char *text, size_t len,
                                                    DkimmodError *err);
/* Answers every open question of Q from F. */
DKIMMOD_API int dkimmod_dns_file_answer (const DkimmodDnsFile *f, DkimmodDnsQueries *q,
                                         DkimmodError *err);
DKIMMOD_API void dkimmod_dns_file_free (DkimmodDnsFile *f);
/* --- DMARC (RFC 9989; RFC 7489 on request) -------------------------------- */
/* RFC 8601 / RFC 7489 section 11.1 dmarc result values. */
typedef enum {
  DKIMMOD_DMARC_NONE = 0,     /* no DMARC policy record applies (or DMARC not run) */
  DKIMMOD_DMARC_PASS,         /* an aligned DKIM or SPF pass */
  DKIMMOD_DMARC_FAIL,         /* a policy record, and no aligned pass */
  DKIMMOD_DMARC_TEMPERROR,    /* a DNS answer needed for the verdict did not come */
  DKIMMOD_DMARC_PERMERROR,    /* no single author domain, or a record with an invalid p= */
} DkimmodDmarcResult;

/* A Domain Owner Assessment Policy (p=, sp=, np=) or a disposition. */
typedef enum {
  DKIMMOD_DMARC_POLICY_ABSENT = 0,  /* nothing to apply (no record, error) */
  DKIMMOD_DMARC_POLICY_NONE,
  DKIMMOD_DMARC_POLICY_QUARANTINE,
  DKIMMOD_DMARC_POLICY_REJECT,
} DkimmodDmarcPolicy;

/* Why the disposition is milder than the policy (the PolicyOverride
 * reasons of DMARC aggregate reports, RFC 7489 section 7.2.1, RFC 9990). */
typedef enum {
  DKIMMOD_DMARC_OVERRIDE_NONE = 0,
  DKIMMOD_DMARC_OVERRIDE_LOCAL_POLICY,       /* author domain on the site's allow-list */
  DKIMMOD_DMARC_OVERRIDE_TRUSTED_FORWARDER,  /* ARC pass chain sealed by a listed domain */
  DKIMMOD_DMARC_OVERRIDE_SAMPLED_OUT,        /* RFC 7489 pct= left this message out */
  DKIMMOD_DMARC_OVERRIDE_POLICY_TEST_MODE,   /* RFC 9989 t=y: one level milder */
} DkimmodDmarcOverride;

/* Which DMARC: RFC 9989 (DNS tree walk, t=, np=, psd=; pct= ignored) or
 * RFC 7489 (Public Suffix List, pct=). */
typedef enum {
  DKIMMOD_DMARC_RFC9989 = 0,
  DKIMMOD_DMARC_RFC7489 = 1,
} DkimmodDmarcStandard;

/* The DMARC outcome of one message. Strings are owned by the aggregate
 * (valid until dkimmod_auth_free), "" when absent. Same ABI rules as
 * DkimmodSignatureResult: fields only ever take reserved[] slots. */
typedef struct {
  DkimmodDmarcResult result;
  const char *reason;           /* "" on pass; else why, for a postmaster */
  const char *header_from;      /* the Author Domain (lower case, A-label) */
  const char *policy_domain;    /* where the applied record was found */
  const char *org_domain;       /* the Author Domain's Organizational Domain */
  DkimmodDmarcPolicy policy;    /* what the domain asks: p=, or sp=/np= for a subdomain */
  DkimmodDmarcPolicy disposition; /* what to do (policy.dmarc): on fail the policy after
                                   pct=/t= and local overrides; NONE on pass */
  DkimmodDmarcOverride override;  /* why disposition is milder than policy */
  const char *override_domain;  /* the allow-listed author domain or ARC sealer */
  int dkim_aligned;             /* a passing DKIM signature's d= is aligned */
  int spf_aligned;              /* SPF passed for an aligned MAIL FROM domain */
  const char *dkim_domain;      /* d= of the first aligned passing signature */
  const char *spf_domain;       /* the MAIL FROM domain SPF passed for */
  int strict_dkim;              /* adkim=s */
  int strict_spf;               /* aspf=s */
  unsigned pct;                 /* RFC 7489 pct= (100 when absent or RFC 9989) */
  int testing;                  /* RFC 9989 t=y */
  void *reserved[8];            /* ABI padding: zero */
} DkimmodDmarcResultInfo;

/* "pass", "quarantine", "trusted_forwarder", ... (static strings). */
DKIMMOD_API const char *dkimmod_dmarc_result_name (DkimmodDmarcResult result);
DKIMMOD_API const char *dkimmod_dmarc_policy_name (DkimmodDmarcPolicy policy);
DKIMMOD_API const char *dkimmod_dmarc_override_name (DkimmodDmarcOverride override);

/* --- SPF (RFC 7208) ----------------------------------------------------- */
/* check_host() for the MAIL FROM identity (HELO's when MAIL FROM is null,
 * section 2.4) or for HELO, step-driven over a DNS question set:
 *   spf = dkimmod_spf_new (ctx, NULL);
 *   dkimmod_spf_check_mail_from (spf, "192.0.2.1", "mx.example.org",
 *                                "alice@example.org", &err);
 *   while (dkimmod_spf_step (spf, q, &err) == 0)   (0: questions open)
 *     dkimmod_resolver_resolve (r, q, &err);       (or the host answers)
 *   info = dkimmod_spf_result (spf);
 * Limits: 10 DNS mechanisms and modifiers, 2 void lookups, 10 MX and
 * 10 PTR names, a time budget; exceeding one is permerror (time:
 * temperror). */
typedef enum {
  DKIMMOD_SPF_NONE = 0,
  DKIMMOD_SPF_NEUTRAL,
  DKIMMOD_SPF_PASS,
  DKIMMOD_SPF_FAIL,
  DKIMMOD_SPF_SOFTFAIL,
  DKIMMOD_SPF_TEMPERROR,
  DKIMMOD_SPF_PERMERROR,
} DkimmodSpfResult;

typedef enum {
  DKIMMOD_SPF_IDENTITY_MAILFROM = 0,  /* RFC 8601 smtp.mailfrom */
  DKIMMOD_SPF_IDENTITY_HELO,          /* smtp.helo */
} DkimmodSpfIdentity;

/* Options flags */
#define DKIMMOD_SPF_FLAG_EXPLANATION (1u << 0)  /* on fail, fetch exp= (one more round) */

typedef struct {
  unsigned time_budget_ms;  /* from the first step; 0: 20000 (RFC 7208 4.6.4); the
                               resolver's message deadline may end it sooner */
  const char *receiver;     /* %{r} in explanations; NULL: "unknown" (copied) */
  unsigned flags;           /* DKIMMOD_SPF_FLAG_* */
  void *reserved[6];        /* must be zero (options_init does it) */
} DkimmodSpfOptions;

/* The outcome (strings owned by the DkimmodSpf, "" when absent). Zero
 * in a reserved[] slot means absent, as in DkimmodSignatureResult. */
typedef struct {
  DkimmodSpfResult result;
  DkimmodSpfIdentity identity;
  const char *sender;       /* <sender> checked: MAIL FROM, or postmaster@HELO */
  const char *domain;       /* its domain: the <domain> of the top check_host() */
  const char *helo;
  const char *client_ip;    /* as given */
  const char *mechanism;    /* the matching term ("-all", "ip4:192.0.2.0/24"),
                               "default" when none matched, "" on error */
  const char *reason;       /* "" on a match; else why, for a postmaster */
  const char *explanation;  /* exp= text (fail, DKIMMOD_SPF_FLAG_EXPLANATION), or "" */
  unsigned dns_lookups;     /* DNS mechanisms and modifiers evaluated */
  unsigned void_lookups;
  void *reserved[8];        /* ABI padding: zero */
} DkimmodSpfResultInfo;

typedef struct DkimmodSpf DkimmodSpf;

/* "pass", "fail", "softfail", ... (RFC 8601 2.7.2; static string). */
DKIMMOD_API const char *dkimmod_spf_result_name (DkimmodSpfResult result);
DKIMMOD_API void dkimmod_spf_options_init (DkimmodSpfOptions *opts);
/* OPTS is copied; NULL means defaults. */
DKIMMOD_API DkimmodSpf *dkimmod_spf_new (DkimmodContext *ctx, const DkimmodSpfOptions *opts);
/* Checks MAIL_FROM ("local@domain"; NULL, "" or "<>" is the null
 * reverse-path: then postmaster@HELO, RFC 7208 2.4) for CLIENT_IP (IPv4
 * or IPv6 text; IPv4-mapped IPv6 is IPv4). HELO may be NULL for the
 * MAIL FROM identity. Once per DkimmodSpf, before the first step. */
DKIMMOD_API int dkimmod_spf_check_mail_from (DkimmodSpf *spf, const char *client_ip,
                                             const char *helo, const char *mail_from,
                                             DkimmodError *err);
/* Checks the HELO identity (RFC 7208 2.3). */
DKIMMOD_API int dkimmod_spf_check_helo (DkimmodSpf *spf, const char *client_ip, const char *helo,
                                        DkimmodError *err);
/* Evaluates as far as Q's answers allow, asking what it needs next into
 * Q: 1 when the result is known, 0 while questions it needs are open
 * (answer them, step again), -1 with ERR on a caller bug. */
DKIMMOD_API int dkimmod_spf_step (DkimmodSpf *spf, DkimmodDnsQueries *q, DkimmodError *err);
/* NULL until a step returned 1 (transfer none). */
DKIMMOD_API const DkimmodSpfResultInfo *dkimmod_spf_result (const DkimmodSpf *spf);
/* The result as an RFC 8601 resinfo on one line, "spf=pass
 * smtp.mailfrom=alice@example.org" (smtp.helo= for HELO; both for a
 * null MAIL FROM), for the Authentication-Results field (transfer full,
 * dkimmod_free). */
DKIMMOD_API char *dkimmod_spf_resinfo (const DkimmodSpf *spf);
DKIMMOD_API void dkimmod_spf_free (DkimmodSpf *spf);

/* --- ARC verification (RFC 8617) ------------------------------------------ */
/* Validates a message's Authenticated Received Chain: the ARC-Seal,
 * ARC-Message-Signature and ARC-Authentication-Results sets, their
 * instances and cv= values, the newest ARC-Message-Signature and every
 * ARC-Seal (RFC 8617 section 5.2). Fed the same header fields and body
 * chunks as a DKIM verifier; its key lookups (selector._domainkey.domain
 * TXT) go into the message's DNS question set, where DKIM's are asked
 * too, so a key both need is asked once. Call order:
 *   a = dkimmod_arc_verifier_new (ctx, &opts, queries);  (queries may be NULL)
 *   dkimmod_arc_verifier_add_header (a, field, len, &err);  (each header field)
 *   dkimmod_arc_verifier_end_headers (a, &err);             (asks its questions)
 *   dkimmod_arc_verifier_add_body (a, chunk, len, &err);    (any chunking)
 *   dkimmod_arc_verifier_finish (a, &err);                  (end of body)
 *   while (dkimmod_arc_verifier_step (a, &err) == 0)
 *     ... answer the open questions of dkimmod_arc_verifier_queries (a) ...
 *   r = dkimmod_arc_verifier_result (a);
 *   line = dkimmod_arc_resinfo (r, client_ip);  "arc=pass (i=2) ..." */
typedef struct DkimmodArcVerifier DkimmodArcVerifier;

/* The chain's outcome. Strings are owned by the verifier (valid until
 * dkimmod_arc_verifier_free), NUL-terminated. Hosts may build one for
 * dkimmod_arc_resinfo: zero it first (= { 0 }); reserved[] must stay
 * zero, as for DkimmodSignatureResult. */
typedef struct {
  DkimmodResult result;       /* DKIMMOD_RESULT_NONE, _PASS or _FAIL (RFC 8617 "arc") */
  const char *reason;         /* "" on pass and none; else why, for a postmaster */
  unsigned instances;         /* the chain's highest instance N; 0 without ARC fields */
  unsigned oldest_pass;       /* on pass: the lowest instance whose AMS verifies with
                                 every newer one (RFC 8617 5.2 step 5); else 0 */
  size_t n_sealers;           /* on pass: N; else 0 */
  const char *const *sealers; /* on pass: d= of each ARC-Seal, instance 1 (oldest)
                                 first, lower case; else NULL */
  int temporary;              /* fail because a key lookup had a temporary DNS error
                                 (SERVFAIL, timeout): retrying may pass */
  void *reserved[8];          /* ABI padding: zero */
} DkimmodArcResultInfo;

/* OPTS: the DKIM verification options (clock_drift for t= and x=,
 * accept_rsa_sha1), copied; NULL = defaults. QUERIES: the message's
 * question set, not owned, which must outlive the verifier; NULL = the
 * verifier makes its own (see dkimmod_arc_verifier_queries). */
DKIMMOD_API DkimmodArcVerifier *dkimmod_arc_verifier_new (DkimmodContext *ctx,
                                                          const DkimmodVerifyOptions *opts,
                                                          DkimmodDnsQueries *queries);
/* One complete header field, as for dkimmod_verifier_add_header. */
DKIMMOD_API int dkimmod_arc_verifier_add_header (DkimmodArcVerifier *a, const char *field,
                                                 size_t len, DkimmodError *err);
/* Reads the chain and asks the key questions it needs. */
DKIMMOD_API int dkimmod_arc_verifier_end_headers (DkimmodArcVerifier *a, DkimmodError *err);
/* The question set the verifier asks into (transfer none). */
DKIMMOD_API DkimmodDnsQueries *dkimmod_arc_verifier_queries (DkimmodArcVerifier *a);
/* Body bytes in CRLF form, in chunks of any size cut anywhere. */
DKIMMOD_API int dkimmod_arc_verifier_add_body (DkimmodArcVerifier *a, const void *data,
                                               size_t len, DkimmodError *err);
/* Ends the body. */
DKIMMOD_API int dkimmod_arc_verifier_finish (DkimmodArcVerifier *a, DkimmodError *err);
/* 1 once the result is known (after finish), 0 while questions it needs
 * are open (answer them, then step again), -1 with ERR set on a fault. */
DKIMMOD_API int dkimmod_arc_verifier_step (DkimmodArcVerifier *a, DkimmodError *err);
/* The result once step returned 1, else NULL (transfer none). */
DKIMMOD_API const DkimmodArcResultInfo *dkimmod_arc_verifier_result (const DkimmodArcVerifier *a);
DKIMMOD_API void dkimmod_arc_verifier_free (DkimmodArcVerifier *a);
/* The "arc=" resinfo on one line: "arc=pass (i=2) smtp.remote-ip=192.0.2.1
 * header.oldest-pass=1", "arc=fail reason=\"...\" ...", "arc=none"
 * (RFC 8617 section 10.1 registers smtp.remote-ip and header.oldest-pass);
 * CLIENT_IP NULL or "" leaves smtp.remote-ip out. NULL when R's
 * reserved[] is not zero (transfer full, dkimmod_free). */
DKIMMOD_API char *dkimmod_arc_resinfo (const DkimmodArcResultInfo *r, const char *client_ip);

/* --- one message, every method: DKIM, SPF, ARC, DMARC --------------------- */
/* The aggregate runs the methods over one shared DNS question set:
 *   opts: dkimmod_auth_options_init (&o); o.dmarc_trusted_sealers = ...;
 *   a = dkimmod_auth_new (ctx, &o);
 *   dkimmod_auth_set_envelope (a, "192.0.2.1", "mx.example", "u@example", &err);
 *   dkimmod_auth_add_header (a, field, len, &err);   (each header field)
 *   dkimmod_auth_end_headers (a, &err);
 *   dkimmod_auth_add_body (a, chunk, len, &err);     (any chunking)
 *   either: dkimmod_auth_finish (a, resolver, &err); (the rounds, one deadline)
 *   or, sans-I/O: while (dkimmod_auth_step (a, &err) == 0)
 *                   answer dkimmod_auth_queries (a)'s open questions;
 *                 dkimmod_auth_finish (a, NULL, &err);
 *   ar = dkimmod_auth_authres (a, "mx.example.net", &err);
 * Questions may be answered at any time after they are asked (SPF's before
 * DATA, DKIM's and DMARC's while the body streams). */
#define DKIMMOD_AUTH_DKIM  (1u << 0)
#define DKIMMOD_AUTH_SPF   (1u << 1)
#define DKIMMOD_AUTH_DMARC (1u << 2)
#define DKIMMOD_AUTH_ARC   (1u << 3)
#define DKIMMOD_AUTH_ALL   (DKIMMOD_AUTH_DKIM | DKIMMOD_AUTH_SPF | DKIMMOD_AUTH_DMARC \
                            | DKIMMOD_AUTH_ARC)

typedef struct {
  unsigned methods;               /* DKIMMOD_AUTH_* bits; options_init: all */
  DkimmodVerifyOptions dkim;      /* the DKIM verifier's options (copied) */
  DkimmodDmarcStandard dmarc_standard;
  /* NULL-terminated lists (copied; NULL = empty). A listed domain covers
   * its subdomains. A DMARC fail of a listed author domain is accepted
   * (override local_policy); so is one whose ARC chain passed and was
   * sealed by a listed domain (override trusted_forwarder). */
  const char *const *dmarc_allow_domains;
  const char *const *dmarc_trusted_sealers;
  unsigned spf_flags;             /* DKIMMOD_SPF_FLAG_* for the SPF check (0) */
  void *reserved[8];              /* must be zero (options_init does it) */
} DkimmodAuthOptions;

typedef struct DkimmodAuth DkimmodAuth;

DKIMMOD_API void dkimmod_auth_options_init (DkimmodAuthOptions *opts);
/* OPTS is copied; NULL means defaults. NULL when OPTS' reserved[] is not zero. */
DKIMMOD_API DkimmodAuth *dkimmod_auth_new (DkimmodContext *ctx, const DkimmodAuthOptions *opts);
DKIMMOD_API void dkimmod_auth_free (DkimmodAuth *a);
/* The SMTP envelope, before the header: CLIENT_IP NULL = unknown (spf=none),
 * MAIL_FROM "" or "<>" = null reverse-path (SPF checks the HELO identity,
 * which never counts for DMARC). */
DKIMMOD_API int dkimmod_auth_set_envelope (DkimmodAuth *a, const char *client_ip,
                                           const char *helo, const char *mail_from,
                                           DkimmodError *err);
/* As dkimmod_verifier_add_header / _end_headers / _add_body. */
DKIMMOD_API int dkimmod_auth_add_header (DkimmodAuth *a, const char *field, size_t len,
                                         DkimmodError *err);
DKIMMOD_API int dkimmod_auth_end_headers (DkimmodAuth *a, DkimmodError *err);
DKIMMOD_API int dkimmod_auth_add_body (DkimmodAuth *a, const void *data, size_t len,
                                       DkimmodError *err);
/* The message's DNS questions (transfer none), for a host that answers them. */
DKIMMOD_API DkimmodDnsQueries *dkimmod_auth_queries (DkimmodAuth *a);
/* Hands the answers to the methods and lets them ask what follows from
 * them. Returns 1 when no method waits for an open question, 0 when some
 * do (answer them, step again), -1 with ERR set on a fault. */
DKIMMOD_API int dkimmod_auth_step (DkimmodAuth *a, DkimmodError *err);
/* The end of the message. With a resolver, first runs the rounds (ask,
 * resolve concurrently, step) within the resolver's one deadline; without
 * one, what is still open gives temperror. Then every result is known. */
DKIMMOD_API int dkimmod_auth_finish (DkimmodAuth *a, DkimmodResolver *r, DkimmodError *err);
/* (transfer none) valid until dkimmod_auth_free; after finish. */
DKIMMOD_API const DkimmodVerifier *dkimmod_auth_dkim (const DkimmodAuth *a);
DKIMMOD_API const DkimmodSpfResultInfo *dkimmod_auth_spf (const DkimmodAuth *a);
DKIMMOD_API const DkimmodDmarcResultInfo *dkimmod_auth_dmarc (const DkimmodAuth *a);
/* The resinfos of the Authentication-Results field, in its order (dkim=
 * per signature, spf=, dmarc=, arc=), one line each, for logs and the CLI. */
DKIMMOD_API size_t dkimmod_auth_resinfo_count (const DkimmodAuth *a);
DKIMMOD_API char *dkimmod_auth_resinfo (const DkimmodAuth *a, size_t i);
/* ONE Authentication-Results field for every method, folded, ending in
 * CRLF (transfer full, dkimmod_free). */
DKIMMOD_API char *dkimmod_auth_authres (const DkimmodAuth *a, const char *authserv_id,
                                        DkimmodError *err);

/* --- loadable plugin entry point ----------------------------------------- */
/* A host that dlopen()s the module looks up "dkimmod_plugin_v1", calls it,
 * and refuses a table whose abi_major differs from the one it was built
 * for. Fields are only ever appended; struct_size tells what is present.
 * Every exported function but dkimmod_plugin_v1 is in the table. */
typedef struct {
  uint32_t abi_major;
  uint32_t abi_minor;
  size_t struct_size;
  const char *(*version) (void);
  const char *(*status_name) (DkimmodStatus code);
  void (*free) (void *ptr);
  DkimmodContext *(*context_new) (void);
  DkimmodContext *(*context_ref) (DkimmodContext *ctx);
  void (*context_unref) (DkimmodContext *ctx);
  void (*context_set_clock) (DkimmodContext *ctx, DkimmodClockFunc clock, void *user_data);
  DkimmodKey *(*key_load_file) (DkimmodContext *ctx, const char *path, unsigned flags, DkimmodError *err);
  DkimmodKey *(*key_load_pem) (const char *pem, size_t len, DkimmodError *err);
  void (*key_unref) (DkimmodKey *key);
  char *(*key_dns_record) (const DkimmodKey *key, DkimmodError *err);
  void (*sign_spec_init) (DkimmodSignSpec *spec);
  DkimmodSigner *(*signer_new) (DkimmodContext *ctx);
  int (*signer_add_signature) (DkimmodSigner *s, const DkimmodSignSpec *spec, DkimmodError *err);
  int (*signer_add_header) (DkimmodSigner *s, const char *field, size_t len, DkimmodError *err);
  int (*signer_end_headers) (DkimmodSigner *s, DkimmodError *err);
  int (*signer_add_body) (DkimmodSigner *s, const void *data, size_t len, DkimmodError *err);
  char *(*signer_finish) (DkimmodSigner *s, size_t *len_out, DkimmodError *err);
  void (*signer_free) (DkimmodSigner *s);
  /* abi_minor 1: verification */
  const char *(*result_name) (DkimmodResult result);
  void (*verify_options_init) (DkimmodVerifyOptions *opts);
  DkimmodVerifier *(*verifier_new) (DkimmodContext *ctx, const DkimmodVerifyOptions *opts);
  int (*verifier_add_header) (DkimmodVerifier *v, const char *field, size_t len, DkimmodError *err);
  int (*verifier_end_headers) (DkimmodVerifier *v, DkimmodError *err);
  size_t (*verifier_key_query_count) (const DkimmodVerifier *v);
  const char *(*verifier_key_query_name) (const DkimmodVerifier *v, size_t i);
  int (*verifier_key_query_answered) (const DkimmodVerifier *v, size_t i);
  int (*verifier_key_answer) (DkimmodVerifier *v, const char *name, DkimmodDnsStatus status,
                              const char *const *records, const size_t *lens, size_t n,
                              unsigned flags, DkimmodError *err);
  int (*verifier_answer_from_key_file) (DkimmodVerifier *v, const DkimmodKeyFile *kf,
                                        DkimmodError *err);
  int (*verifier_add_body) (DkimmodVerifier *v, const void *data, size_t len, DkimmodError *err);
  int (*verifier_finish) (DkimmodVerifier *v, DkimmodError *err);
  size_t (*verifier_result_count) (const DkimmodVerifier *v);
  const DkimmodSignatureResult *(*verifier_result) (const DkimmodVerifier *v, size_t i);
  DkimmodResult (*verifier_summary) (const DkimmodVerifier *v);
  char *(*verifier_resinfo) (const DkimmodVerifier *v, size_t i);
  char *(*verifier_authres) (const DkimmodVerifier *v, const char *authserv_id, DkimmodError *err);
  void (*verifier_free) (DkimmodVerifier *v);
  int (*authres_is_ours) (const char *field, size_t len, const char *authserv_id);
  char *(*authres_format) (const char *authserv_id, const DkimmodSignatureResult *results,
                           size_t n, const char *const *all_b, size_t n_all_b);
  char *(*authres_resinfo) (const DkimmodSignatureResult *result, const char *const *all_b,
                            size_t n_all_b);
  DkimmodKeyFile *(*key_file_load) (const char *path, DkimmodError *err);
  DkimmodKeyFile *(*key_file_parse) (const char *text, size_t len, DkimmodError *err);
  size_t (*key_file_lookup) (const DkimmodKeyFile *kf, const char *name,
                             const char *const **records_out);
  void (*key_file_free) (DkimmodKeyFile *kf);
  DkimmodResolver *(*resolver_new) (const char *nameserver, unsigned timeout_ms, DkimmodError *err);
  void (*resolver_free) (DkimmodResolver *r);
  int (*verifier_lookup_keys) (DkimmodVerifier *v, DkimmodResolver *r, DkimmodError *err);
  int (*resolver_query_txt) (DkimmodResolver *r, const char *name, DkimmodDnsStatus *status,
                             char ***records_out, unsigned *flags_out, DkimmodError *err);
  /* abi_minor 2: every other public function, and the log function */
  const char *(*algorithm_name) (DkimmodAlgorithm alg);
  int (*algorithm_from_name) (const char *name);
  int (*canon_from_name) (const char *name, DkimmodCanon *header, DkimmodCanon *body);
  int64_t (*context_now) (const DkimmodContext *ctx);
  void (*context_set_log) (DkimmodContext *ctx, DkimmodLogFunc log, void *user_data);
  DkimmodKey *(*key_ref) (DkimmodKey *key);
  DkimmodAlgorithm (*key_algorithm) (const DkimmodKey *key);
  unsigned (*key_bits) (const DkimmodKey *key);
  /* abi_minor 3: DNS question sets, the DNS file */
  DkimmodDnsQueries *(*dns_queries_new) (void);
  void (*dns_queries_free) (DkimmodDnsQueries *q);
  size_t (*dns_queries_count) (const DkimmodDnsQueries *q);
  const char *(*dns_queries_name) (const DkimmodDnsQueries *q, size_t i);
  DkimmodDnsType (*dns_queries_type) (const DkimmodDnsQueries *q, size_t i);
  int (*dns_queries_answered) (const DkimmodDnsQueries *q, size_t i);
  size_t (*dns_queries_open_count) (const DkimmodDnsQueries *q);
  int (*dns_queries_answer) (DkimmodDnsQueries *q, const char *name, DkimmodDnsType type,
                             DkimmodDnsStatus status, const char *const *records,
                             const size_t *lens, size_t n, unsigned flags, DkimmodError *err);
  const char *(*dns_type_name) (DkimmodDnsType type);
  int (*resolver_resolve) (DkimmodResolver *r, DkimmodDnsQueries *q, DkimmodError *err);
  DkimmodDnsFile *(*dns_file_load) (const char *path, DkimmodError *err);
  DkimmodDnsFile *(*dns_file_parse) (const char *text, size_t len, DkimmodError *err);
  int (*dns_file_answer) (const DkimmodDnsFile *f, DkimmodDnsQueries *q, DkimmodError *err);
  void (*dns_file_free) (DkimmodDnsFile *f);
  /* abi_minor 3: SPF */
  const char *(*spf_result_name) (DkimmodSpfResult result);
  void (*spf_options_init) (DkimmodSpfOptions *opts);
  DkimmodSpf *(*spf_new) (DkimmodContext *ctx, const DkimmodSpfOptions *opts);
  int (*spf_check_mail_from) (DkimmodSpf *spf, const char *client_ip, const char *helo,
                              const char *mail_from, DkimmodError *err);
  int (*spf_check_helo) (DkimmodSpf *spf, const char *client_ip, const char *helo,
                         DkimmodError *err);
  int (*spf_step) (DkimmodSpf *spf, DkimmodDnsQueries *q, DkimmodError *err);
  const DkimmodSpfResultInfo *(*spf_result) (const DkimmodSpf *spf);
  char *(*spf_resinfo) (const DkimmodSpf *spf);
  void (*spf_free) (DkimmodSpf *spf);

  /* abi_minor 3: ARC verification */
  DkimmodArcVerifier *(*arc_verifier_new) (DkimmodContext *ctx, const DkimmodVerifyOptions *opts,
                                           DkimmodDnsQueries *queries);
  int (*arc_verifier_add_header) (DkimmodArcVerifier *a, const char *field, size_t len,
                                  DkimmodError *err);
  int (*arc_verifier_end_headers) (DkimmodArcVerifier *a, DkimmodError *err);
  DkimmodDnsQueries *(*arc_verifier_queries) (DkimmodArcVerifier *a);
  int (*arc_verifier_add_body) (DkimmodArcVerifier *a, const void *data, size_t len,
                                DkimmodError *err);
  int (*arc_verifier_finish) (DkimmodArcVerifier *a, DkimmodError *err);
  int (*arc_verifier_step) (DkimmodArcVerifier *a, DkimmodError *err);
  const DkimmodArcResultInfo *(*arc_verifier_result) (const DkimmodArcVerifier *a);
  void (*arc_verifier_free) (DkimmodArcVerifier *a);
  char *(*arc_resinfo) (const DkimmodArcResultInfo *r, const char *client_ip);
  /* abi_minor 3 (continued): DMARC names and the message aggregate */
  const char *(*dmarc_result_name) (DkimmodDmarcResult result);
  const char *(*dmarc_policy_name) (DkimmodDmarcPolicy policy);
  const char *(*dmarc_override_name) (DkimmodDmarcOverride override);
  void (*auth_options_init) (DkimmodAuthOptions *opts);
  DkimmodAuth *(*auth_new) (DkimmodContext *ctx, const DkimmodAuthOptions *opts);
  void (*auth_free) (DkimmodAuth *a);
  int (*auth_set_envelope) (DkimmodAuth *a, const char *client_ip, const char *helo,
                            const char *mail_from, DkimmodError *err);
  int (*auth_add_header) (DkimmodAuth *a, const char *field, size_t len, DkimmodError *err);
  int (*auth_end_headers) (DkimmodAuth *a, DkimmodError *err);
  int (*auth_add_body) (DkimmodAuth *a, const void *data, size_t len, DkimmodError *err);
  DkimmodDnsQueries *(*auth_queries) (DkimmodAuth *a);
  int (*auth_step) (DkimmodAuth *a, DkimmodError *err);
  int (*auth_finish) (DkimmodAuth *a, DkimmodResolver *r, DkimmodError *err);
  const DkimmodVerifier *(*auth_dkim) (const DkimmodAuth *a);
  const DkimmodDmarcResultInfo *(*auth_dmarc) (const DkimmodAuth *a);
  size_t (*auth_resinfo_count) (const DkimmodAuth *a);
  char *(*auth_resinfo) (const DkimmodAuth *a, size_t i);
  char *(*auth_authres) (const DkimmodAuth *a, const char *authserv_id, DkimmodError *err);
  const DkimmodSpfResultInfo *(*auth_spf) (const DkimmodAuth *a);
} DkimmodPluginV1;

DKIMMOD_API const DkimmodPluginV1 *dkimmod_plugin_v1 (void);

#ifdef __cplusplus
}
#endif

#ifdef G_DEFINE_AUTOPTR_CLEANUP_FUNC
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodContext, dkimmod_context_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodKey, dkimmod_key_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodSigner, dkimmod_signer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodVerifier, dkimmod_verifier_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodKeyFile, dkimmod_key_file_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodResolver, dkimmod_resolver_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodDnsQueries, dkimmod_dns_queries_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodDnsFile, dkimmod_dns_file_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodSpf, dkimmod_spf_free)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodArcVerifier, dkimmod_arc_verifier_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodAuth, dkimmod_auth_free)
#endif

#endif /* DKIMMOD_H */
