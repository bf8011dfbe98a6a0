/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cryptoinit.c - the helper's one OpenSSL initialisation per process
 * SYNOPSIS
 *	dkimmod_spawn_init_crypto
 * DESCRIPTION
 *	OpenSSL 3 initialises itself on first use with everything a general
 *	program might want, and a per-connection helper pays for all of it
 *	on every connection: reading openssl.cnf, loading some 4,000 error
 *	strings, copying every legacy cipher and digest name into the
 *	provider name map, registering an atexit cleanup that frees it all
 *	again, and, when signing, a CTR-DRBG whose first use fetches AES.
 *	About half the instructions of a verifying connection went there
 *	(docs/benchmarks.md, "Instructions per connection"). This file makes
 *	one OPENSSL_init_crypto call, before anything else touches OpenSSL,
 *	that skips what a DKIM filter never uses:
 *	  - no configuration file, unless the site asks: OPENSSL_CONF in the
 *	    environment is always honoured, and spawn.openssl_config =
 *	    system loads OpenSSL's default file, a path loads that file
 *	    (none, the default, loads nothing). Skipping openssl.cnf also
 *	    skips what it sets up: a system crypto policy, the FIPS provider,
 *	    engines (dkimmod.conf(5));
 *	  - no error strings (a logged OpenSSL error shows its code, which
 *	    "openssl errstr CODE" explains);
 *	  - no legacy all-ciphers/all-digests name tables: we fetch SHA256,
 *	    RSA and ED25519 by their provider names;
 *	  - no atexit cleanup: the process exits, the kernel frees;
 *	  - a HASH-DRBG over SHA-256 for the process's DRBGs instead of the
 *	    CTR-DRBG (AES-256-CTR): SHA-256 is fetched for the message
 *	    anyway, AES is not. Only when no OpenSSL configuration is loaded,
 *	    so that a [random] section of a site's file (or FIPS) decides.
 *	RSA blinding stays on (it is OpenSSL's default and a side-channel
 *	defence); nothing here caches blinding values or keys.
 *
 *	The pooled mode (spawn serve) calls the same function once per
 *	worker process, after the fork, never in the listener: a signing
 *	DRBG or blinding state created before fork(2) would be shared by
 *	every worker. Never sign in a parent before forking.
 * STANDARDS
 *	OpenSSL 3.0 OPENSSL_init_crypto(3), RAND_set_DRBG_type(3),
 *	EVP_RAND-HASH-DRBG(7) (NIST SP 800-90A Rev. 1 Hash_DRBG).
 * DIAGNOSTICS
 *	FALSE with ERROR when OpenSSL refuses to start or the named
 *	configuration file cannot be loaded (the caller answers 421).
 * NEVER
 *	Run after another OpenSSL call in the process (the flags would be
 *	ignored); run in a parent that forks signing workers; disable RSA
 *	blinding.
 */
#include <stdlib.h>

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "config-load.h"
#include "cryptoinit.h"

/**
 * dkimmod_spawn_init_crypto:
 * @openssl_config: (nullable): spawn.openssl_config: "none" (or NULL),
 *   "system", or an absolute path
 * @error: return location for a DKIMMOD_CONFIG_ERROR
 *
 * Returns: TRUE when OpenSSL is ready.
 */
gboolean
dkimmod_spawn_init_crypto (const char *openssl_config, GError **error)
{
  const char *env = getenv ("OPENSSL_CONF");
  gboolean named = openssl_config != NULL && !g_str_equal (openssl_config, "none")
                   && !g_str_equal (openssl_config, "system");
  gboolean site = (env != NULL && *env != '\0')  /* OpenSSL reads the file it names */
                  || named || (openssl_config != NULL && g_str_equal (openssl_config, "system"));
  uint64_t opts = OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ADD_ALL_CIPHERS
                  | OPENSSL_INIT_NO_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_ATEXIT
                  | (site ? OPENSSL_INIT_LOAD_CONFIG : OPENSSL_INIT_NO_LOAD_CONFIG);
  OPENSSL_INIT_SETTINGS *settings = NULL;
  int ok;

  if (named && !(env != NULL && *env != '\0'))
    {
      settings = OPENSSL_INIT_new ();
      if (settings == NULL || OPENSSL_INIT_set_config_filename (settings, openssl_config) != 1)
        {
          OPENSSL_INIT_free (settings);
          g_set_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO,
                       "OpenSSL: out of memory");
          return FALSE;
        }
      /* A file the site named must load: no IGNORE_MISSING_FILE. */
      OPENSSL_INIT_set_config_file_flags (settings, CONF_MFLAGS_DEFAULT_SECTION);
    }
  ok = OPENSSL_init_crypto (opts, settings);
  OPENSSL_INIT_free (settings);
  if (ok != 1)
    {
      unsigned long e = ERR_peek_error ();

      ERR_clear_error ();
      g_set_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO,
                   "OpenSSL initialisation failed%s%s (OpenSSL error %08lx)",
                   settings != NULL ? ": cannot load spawn.openssl_config " : "",
                   settings != NULL ? openssl_config : "", e);
      return FALSE;
    }
  /* Before any DRBG exists (they are created on first use). */
  if (!site && RAND_set_DRBG_type (NULL, "HASH-DRBG", NULL, NULL, "SHA256") != 1)
    {
      ERR_clear_error ();
      g_set_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO,
                   "OpenSSL: cannot select HASH-DRBG");
      return FALSE;
    }
  return TRUE;
}
