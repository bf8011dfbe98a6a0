/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	setup.c - what both modes of dkimmod-spawn read before serving
 * SYNOPSIS
 *	dkimmod_spawn_quiet_stderr, dkimmod_spawn_mode_ok,
 *	dkimmod_spawn_load_config, dkimmod_spawn_load, dkimmod_spawn_crypto_config
 * DESCRIPTION
 *	Configuration: -c names the file (default DKIMMOD_SYSCONFDIR
 *	"/dkimmod.conf"); when the default file does not exist the built-in
 *	defaults are used, so "-o next_hop=..." alone is a working filter that
 *	signs nothing. -o overrides any spawn setting, as Postfix daemons
 *	accept -o, so one file serves several master.cf services.
 *
 *	A spawn-mode helper calls dkimmod_spawn_load once per connection; a
 *	serve-mode worker once, then again whenever one of the files changed
 *	(worker.c), so both read the same settings the same way. OpenSSL is
 *	initialised at the first load of a process only (OPENSSL_init_crypto
 *	takes its flags once): a worker whose spawn.openssl_config changed
 *	exits after that connection, and its replacement starts with the
 *	new value (worker.c).
 * NEVER
 *	Parse private keys here: they are loaded lazily, per message, through
 *	the context's cache.
 */
#include "setup.h"

#include "cryptoinit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
dkimmod_spawn_quiet_stderr (void)
{
  int fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);

  if (fd >= 0 && fd != STDERR_FILENO)
    {
      (void) dup2 (fd, STDERR_FILENO);
      close (fd);
    }
}

gboolean
dkimmod_spawn_mode_ok (const char *mode)
{
  return strcmp (mode, "sign") == 0 || strcmp (mode, "verify") == 0;
}

/* Process state, set once: OpenSSL's initialisation and its setting. */
static struct {
  gboolean done;
  char *openssl_config;
} crypto_state;

DkimmodConfig *
dkimmod_spawn_load_config (const DkimmodSpawnArgs *args, GError **error)
{
  g_autoptr (DkimmodConfig) cfg = NULL;
  struct stat st;

  if (!args->config_explicit && stat (args->config_path, &st) < 0 && errno == ENOENT)
    cfg = dkimmod_config_new_default ();
  else
    cfg = dkimmod_config_load (args->config_path, 0, NULL, error);
  if (cfg == NULL)
    return NULL;
  for (guint i = 0; args->overrides != NULL && i < args->overrides->len; i++)
    if (!dkimmod_config_set_override (cfg, args->overrides->pdata[i], error))
      return NULL;
  return g_steal_pointer (&cfg);
}

DkimmodConfig *
dkimmod_spawn_load (const DkimmodSpawnArgs *args, DkimmodVerifyEnv **verify, GError **error)
{
  g_autoptr (DkimmodConfig) cfg = dkimmod_spawn_load_config (args, error);
  const DkimmodSpawnSettings *set;

  *verify = NULL;
  if (cfg == NULL)
    return NULL;
  set = dkimmod_config_spawn (cfg);
  /* The first OpenSSL call of the process: the loader above never
   * touches OpenSSL. */
  if (!crypto_state.done)
    {
      if (!dkimmod_spawn_init_crypto (set->openssl_config, error))
        return NULL;
      crypto_state.done = TRUE;
      crypto_state.openssl_config = g_strdup (set->openssl_config);
    }
  if (strcmp (args->mode, "verify") == 0
      && (*verify = dkimmod_verify_env_new (cfg, error)) == NULL)
    return NULL;
  return g_steal_pointer (&cfg);
}

const char *
dkimmod_spawn_crypto_config (void)
{
  return crypto_state.openssl_config;
}
