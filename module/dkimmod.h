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
 * THREADS
 *	A context is shared read-only across threads once built (its key
 *	cache is internally locked). A signer belongs to one thread.
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
#define DKIMMOD_ABI_MINOR 0

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

/* --- private keys: parsed once per process, reused for every message ---- */
#define DKIMMOD_KEY_ALLOW_GROUP_READABLE (1u << 0)
/* Loads a PEM private key (PKCS#1 or PKCS#8, RSA or Ed25519). The context
 * caches it by path, so a second call returns the same parsed key.
 * Returns a new reference (transfer full) or NULL with err set. RSA keys
 * under 1024 bits are refused (RFC 8301). */
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

/* --- loadable plugin entry point ----------------------------------------- */
/* A host that dlopen()s the module looks up "dkimmod_plugin_v1", calls it,
 * and refuses a table whose abi_major differs from the one it was built
 * for. Fields are only ever appended; struct_size tells what is present. */
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
} DkimmodPluginV1;

DKIMMOD_API const DkimmodPluginV1 *dkimmod_plugin_v1 (void);

#ifdef __cplusplus
}
#endif

#ifdef G_DEFINE_AUTOPTR_CLEANUP_FUNC
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodContext, dkimmod_context_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodKey, dkimmod_key_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodSigner, dkimmod_signer_free)
#endif

#endif /* DKIMMOD_H */
