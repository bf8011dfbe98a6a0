/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	setup.h - what both modes of dkimmod-spawn read before serving
 */
#ifndef DKIMMOD_SPAWN_SETUP_H
#define DKIMMOD_SPAWN_SETUP_H

#include <glib.h>

#include "config-load.h"
#include "dkimmod-build-config.h"
#include "verifyjob.h"

G_BEGIN_DECLS

#define DKIMMOD_SPAWN_DEFAULT_CONFIG DKIMMOD_SYSCONFDIR "/dkimmod.conf"

/* The command line's say on the filter (argv strings, borrowed). */
typedef struct {
  const char *config_path;    /* -c, or DKIMMOD_SPAWN_DEFAULT_CONFIG */
  gboolean config_explicit;   /* -c given: a missing file is an error */
  const char *postlog;        /* -l */
  GPtrArray *overrides;       /* -o name=value, in order */
  const char *mode;           /* "sign" or "verify" */
} DkimmodSpawnArgs;

/* fd 2 to /dev/null: under spawn(8) it is the SMTP socket. */
void dkimmod_spawn_quiet_stderr (void);
/* ARGS's mode word is "sign" or "verify". */
gboolean dkimmod_spawn_mode_ok (const char *mode);
/* The file (or the built-in defaults when the default file does not
 * exist) and the -o overrides; nothing else (the serve listener's check,
 * which must not touch OpenSSL). NULL with ERROR set. */
DkimmodConfig *dkimmod_spawn_load_config (const DkimmodSpawnArgs *args, GError **error);
/* dkimmod_spawn_load_config, then OpenSSL's one initialisation of the
 * process (cryptoinit.c, with the spawn.openssl_config just read; the
 * first call only), then in verify mode the verifier's environment in
 * *VERIFY. NULL with ERROR set (a configuration error). */
DkimmodConfig *dkimmod_spawn_load (const DkimmodSpawnArgs *args, DkimmodVerifyEnv **verify,
                                   GError **error);
/* The spawn.openssl_config OpenSSL was initialised with in this process
 * (NULL for none, or before the first dkimmod_spawn_load). */
const char *dkimmod_spawn_crypto_config (void);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_SETUP_H */
