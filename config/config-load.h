/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-load.h - dkimmod.conf (libconfig) into typed options
 * DESCRIPTION
 *	The only place that knows libconfig. Loads the file (with @include),
 *	validates every setting and sender_map entry, applies "-o name=value"
 *	overrides, and answers "which signatures for this sender?".
 *	The core (module/) never sees libconfig: embedders configure it by API.
 * THREADS
 *	A loaded config is read-only, except that with signing.sender_map_dir
 *	a lookup caches the per-key files it reads: use one config per thread
 *	then (dkimmod-spawn and the CLI are single-threaded).
 * NEVER
 *	Parse every private key at start-up in the per-connection helper:
 *	keys are loaded lazily through the DkimmodContext cache (design.md,
 *	"startup cost must stay flat"). check-config asks for full validation.
 */
#ifndef DKIMMOD_CONFIG_LOAD_H
#define DKIMMOD_CONFIG_LOAD_H

#include <glib.h>
#include "dkimmod.h"

G_BEGIN_DECLS

#define DKIMMOD_CONFIG_ERROR (dkimmod_config_error_quark ())
GQuark dkimmod_config_error_quark (void);

typedef enum {
  DKIMMOD_CONFIG_ERROR_IO,        /* cannot read the file */
  DKIMMOD_CONFIG_ERROR_SYNTAX,    /* libconfig parse error */
  DKIMMOD_CONFIG_ERROR_INVALID,   /* a setting has a bad value or is missing */
  DKIMMOD_CONFIG_ERROR_KEY,       /* a key file fails validation */
} DkimmodConfigError;

/* Which address selects the sender_map entry. */
typedef enum {
  DKIMMOD_SENDER_FROM = 0,          /* From header (default) */
  DKIMMOD_SENDER_SENDER_THEN_FROM,  /* Sender, else From (DKIMproxy) */
  DKIMMOD_SENDER_ENVELOPE,          /* MAIL FROM */
} DkimmodSenderSource;

typedef enum {
  DKIMMOD_ON_ERROR_TEMPFAIL = 0,    /* 451: Postfix keeps the message (default) */
  DKIMMOD_ON_ERROR_RELAY,           /* relay unsigned (DKIMproxy without reject_error) */
} DkimmodOnError;

/* One signature of a sender_map entry, after defaults are applied. */
typedef struct {
  char *domain;           /* d=; may hold $sender / $senderdomain macros */
  char *selector;         /* s= */
  char *identity;         /* i= or NULL; may hold macros */
  DkimmodAlgorithm algorithm;
  DkimmodCanon header_canon;
  DkimmodCanon body_canon;
  char *key_path;         /* key= */
  char *headers;          /* colon list or NULL for the library default */
  char *oversign;         /* colon list or NULL for the library default */
  guint64 expire_after;   /* seconds, 0 = none */
  char *origin;           /* "file:line" of the entry, for log and errors */
} DkimmodConfigSignature;

typedef struct {
  /* spawn = { ... } section; every field can be set with -o name=value */
  char *next_hop;            /* "127.0.0.1:10018", "[::1]:10018" or "unix:/path" */
  char *spool_directory;     /* default /var/tmp (spawn's cwd is not writable) */
  guint64 spool_memory_max;  /* bytes kept in memory before spilling to a file */
  guint64 message_size_max;  /* SIZE advertised and enforced; 0 = next hop's */
  guint timeout_command;     /* seconds per SMTP command read */
  guint timeout_data;        /* seconds per DATA block read */
  guint timeout_next_hop;    /* seconds for each next-hop exchange */
  guint timeout_connect;     /* seconds to connect to one next-hop address */
  guint timeout_data_done;   /* seconds for the next hop's reply after "." */
  DkimmodOnError on_error;
  char *syslog_ident;        /* default "dkimmod-spawn" */
  char *syslog_facility;     /* default "mail" */
  gboolean allow_group_readable_keys;
  guint64 smtp_line_length_limit; /* signing: lines longer are folded/broken; 0 = off */
  char *openssl_config;      /* "none" (default), "system" or a path (cryptoinit.c) */
} DkimmodSpawnSettings;

typedef struct DkimmodConfig DkimmodConfig;

/* Flags for dkimmod_config_load. */
#define DKIMMOD_CONFIG_VALIDATE_KEYS (1u << 0)  /* parse every key and every sender_map_dir
                                                   file (check-config) */

/* A config with built-in defaults only (no file). */
DkimmodConfig *dkimmod_config_new_default (void);
/* Loads and validates PATH. With DKIMMOD_CONFIG_VALIDATE_KEYS every key file
 * is parsed through CTX (which may be NULL otherwise). Errors read
 * "FILE:LINE: SETTING: what is wrong". */
DkimmodConfig *dkimmod_config_load (const char *path, unsigned flags, DkimmodContext *ctx,
                                    GError **error);
void dkimmod_config_free (DkimmodConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodConfig, dkimmod_config_free)

/* Applies one "-o name=value" override, e.g. "next_hop=127.0.0.1:10018"
 * or "spool_directory=/var/spool/dkimmod". Error names the setting. */
gboolean dkimmod_config_set_override (DkimmodConfig *cfg, const char *assignment, GError **error);

const DkimmodSpawnSettings *dkimmod_config_spawn (const DkimmodConfig *cfg);
DkimmodSenderSource dkimmod_config_sender_source (const DkimmodConfig *cfg);

/* signing.match_envelope_sender (config-sender-policy.c): TRUE when the
 * policy is off, or SENDER's domain (the address that selected the
 * sender_map entry) is ENVELOPE's domain ("" or NULL: the null sender,
 * "<>") or one of its envelope_sender_aliases; else FALSE and *WHY. */
gboolean dkimmod_config_sender_policy_allows (const DkimmodConfig *cfg, const char *sender,
                                              const char *envelope, char **why);

/* Finds the most specific sender_map entry for SENDER (an address or a
 * domain; case-insensitive): full address, address without +extension,
 * domain, parent domains, ".". Returns the signatures with $sender and
 * $senderdomain expanded (transfer full: free with g_ptr_array_unref), or
 * NULL when nothing matches ("skipped"). MATCHED (nullable) receives the key
 * that matched, owned by the config. */
GPtrArray *dkimmod_config_lookup (const DkimmodConfig *cfg, const char *sender,
                                  const char **matched);

/* Number of sender_map entries (for logs and check-config); with
 * signing.sender_map_dir, those of the main file plus the files read so far
 * (all of them after a load with DKIMMOD_CONFIG_VALIDATE_KEYS). */
guint dkimmod_config_entry_count (const DkimmodConfig *cfg);

/* Every signature of every entry as configured (macros unexpanded), with
 * its entry's sender key, in file order (for check-config). */
typedef void (*DkimmodConfigSignatureFunc) (const char *sender, const DkimmodConfigSignature *sig,
                                            gpointer user_data);
void dkimmod_config_foreach_signature (const DkimmodConfig *cfg, DkimmodConfigSignatureFunc func,
                                       gpointer user_data);

/* As dkimmod_config_lookup_full, but a sender_map_dir file that cannot be
 * read or is invalid gives NULL with ERROR set (answer 4xx, as for an
 * unreadable key); lookup_full reports it in *DROPPED instead. */
GPtrArray *dkimmod_config_lookup_checked (const DkimmodConfig *cfg, const char *sender,
                                          const char **matched, char **dropped,
                                          GError **error);

/* SENDER (an address or a domain, as taken from From, Sender or MAIL FROM)
 * with ASCII letters lower-cased and its domain as A-labels (UTS #46
 * non-transitional); the local part is kept. NULL with *WHY (static text)
 * when the domain is not valid UTF-8 or not a valid IDN. The lookups do
 * this themselves; callers use it to say why a message is not signed. */
char *dkimmod_config_sender_to_ascii (const char *sender, const char **why);

/* As dkimmod_config_lookup; *DROPPED (nullable, transfer full) receives one
 * line per signature left out because its $sender/$senderdomain expansion
 * is invalid ("FILE:LINE: SETTING.d: expands to "...": why"), or why the
 * sender's domain has no A-label form (nothing matches then), for the log. */
GPtrArray *dkimmod_config_lookup_full (const DkimmodConfig *cfg, const char *sender,
                                       const char **matched, char **dropped);

/* The sender_map keys a lookup of SENDER tries, most specific first
 * (address, without +extension, domain, parents, "."): the chain the
 * lookups above walk. NULL when the domain has no A-label form. */
GPtrArray *dkimmod_config_lookup_chain (const char *sender);
/* "FILE:LINE" of the entry for sender_map KEY, or NULL when there is none. */
const char *dkimmod_config_entry_origin (const DkimmodConfig *cfg, const char *key);

/* verifying.authserv_id, or NULL when not set. */
const char *dkimmod_config_authserv_id (const DkimmodConfig *cfg);
/* The file loaded, or NULL for dkimmod_config_new_default. */
const char *dkimmod_config_path (const DkimmodConfig *cfg);
/* Calls FUNC (name, USER_DATA) for every file read so far: the main file,
 * its @includes, the sender_map_dir files looked up (absent ones too) and
 * verifying.key_file; not the private keys. Names may repeat. For a
 * reload check (dkimmod-spawn serve). */
void dkimmod_config_foreach_file (const DkimmodConfig *cfg, GFunc func, gpointer user_data);
/* Opens every key file named without macros and checks a= against it, as
 * DKIMMOD_CONFIG_VALIDATE_KEYS does, but after -o overrides (for
 * allow_group_readable_keys). CTX may be NULL. Error lists every fault. */
gboolean dkimmod_config_check_keys (const DkimmodConfig *cfg, DkimmodContext *ctx,
                                    GError **error);

void dkimmod_config_signature_free (DkimmodConfigSignature *sig);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodConfigSignature, dkimmod_config_signature_free)
/* Fills a DkimmodSignSpec that borrows strings from SIG; KEY is borrowed. */
void dkimmod_config_signature_to_spec (const DkimmodConfigSignature *sig, DkimmodKey *key,
                                       DkimmodSignSpec *spec);

/* What dkimmod-spawn does with a message whose overall result
 * (dkimmod_verifier_summary) is temperror or fail (dkimproxy.in's
 * reject_fail and OpenDKIM's On-DNSError / On-BadSignature). */
typedef enum {
  DKIMMOD_VERIFY_ACCEPT = 0,   /* add Authentication-Results and relay (default) */
  DKIMMOD_VERIFY_TEMPFAIL,     /* 451 4.7.5: the client retries later */
  DKIMMOD_VERIFY_REJECT,       /* 550 5.7.x */
  DKIMMOD_VERIFY_HEADER,       /* on_dmarc_quarantine: add quarantine_header and relay */
} DkimmodVerifyAction;

/* verifying = { ... } section (issue 3); every field can be set with
 * -o name=value (names as below). Filled with defaults when absent. */
typedef struct {
  char *authserv_id;          /* NULL unless set: dkimmod_config_default_authserv_id () */
  guint max_signatures;       /* signatures evaluated per message, default 5 */
  char *nameserver;           /* "127.0.0.1", "127.0.0.1:5353", "[::1]:53"; NULL = resolv.conf */
  guint dns_timeout;          /* seconds for all key lookups of one message, default 5 */
  guint clock_drift;          /* seconds of t= in the future tolerated, default 300 */
  gboolean accept_rsa_sha1;   /* legacy sites only; default false (RFC 8301) */
  gboolean accept_body_length;/* content beyond l= still passes; default false */
  gboolean x_dkim_authentication_results; /* add DKIMproxy's X-DKIM-Authentication-Results */
  char *key_file;             /* TestPublicKeys-format file instead of DNS (offline, tests) */
  DkimmodVerifyAction on_temperror; /* summary temperror: accept (default) or tempfail (451 4.7.5) */
  DkimmodVerifyAction on_fail;      /* summary fail: accept (default) or reject (550 5.7.x) */
  /* Inbound authentication beside DKIM (issue 10); DKIM always runs. */
  gboolean spf;               /* RFC 7208 check of MAIL FROM (or HELO), default true */
  gboolean dmarc;             /* RFC 7489 author-domain policy, default true */
  gboolean arc;               /* RFC 8617 chain validation, default true */
  DkimmodVerifyAction on_dmarc_reject;     /* dmarc=fail, p=reject: accept (default) or
                                            * reject (550 5.7.1) */
  DkimmodVerifyAction on_dmarc_quarantine; /* dmarc=fail, p=quarantine: accept (default)
                                            * or header (quarantine_header added) */
  char *quarantine_header;    /* field name, default "X-DMARC-Quarantine" */
  char **dmarc_override_domains; /* author domains whose DMARC fail is accepted (RFC 7489
                                  * section 6.7 local policy); NULL-terminated or NULL */
  char **dmarc_override_arc_sealers; /* ARC sealing domains whose forwarded DMARC
                                      * fail is accepted when arc=pass */
  DkimmodDmarcStandard dmarc_standard; /* rfc9989 (default: DNS tree walk) or rfc7489 (PSL) */
} DkimmodVerifySettings;

/* The verifying section with defaults applied (authserv_id is NULL
 * when not set; callers then use dkimmod_config_default_authserv_id). */
const DkimmodVerifySettings *dkimmod_config_verifying (const DkimmodConfig *cfg);
/* The host's fully qualified name, as Postfix's default myhostname: newly
 * allocated; never NULL. */
char *dkimmod_config_default_authserv_id (void);
/* The library's verifier options from the verifying section. */
void dkimmod_config_verify_options (const DkimmodConfig *cfg, DkimmodVerifyOptions *opts);
/* The message aggregate's options from the verifying section: the
 * methods (DKIM always; spf, dmarc, arc), the DKIM options, the DMARC
 * standard and override lists (borrowed from CFG: valid while it lives). */
void dkimmod_config_auth_options (const DkimmodConfig *cfg, DkimmodAuthOptions *opts);

G_END_DECLS

#endif /* DKIMMOD_CONFIG_LOAD_H */
