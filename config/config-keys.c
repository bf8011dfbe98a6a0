/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-keys.c - check every private key file a configuration names
 * SYNOPSIS
 *	dkimmod_config_check_keys_diag
 * DESCRIPTION
 *	For check-config and the CLI (DKIMMOD_CONFIG_VALIDATE_KEYS): loads
 *	each key file whose path holds no macro through the context's key
 *	cache, so an unreadable, malformed, too small or too widely readable
 *	key is reported with the place that names it, and checks that an
 *	explicit a= matches the key type. A file named by many entries is
 *	opened once and reported once, at its first use. The verifying
 *	section's key_file (public key records) is read too.
 *
 *	Paths with $senderdomain cannot be checked without a sender; the
 *	per-connection helper finds those faults at signing time.
 * STANDARDS
 *	RFC 8301 section 3.2 (RSA keys of at least 1024 bits), enforced by
 *	dkimmod_key_load_file().
 * NEVER
 *	Run in the per-connection helper at start-up (design.md: start-up
 *	must stay flat as domains grow).
 */
#include "config-private.h"

#include <string.h>

/* key_unref0 - dkimmod_key_unref that accepts NULL (a failed load) */
static void
key_unref0 (gpointer key)
{
  if (key)
    dkimmod_key_unref (key);
}

/* check_template - loads T's key (once per path) and checks its a= */
static void
check_template (const DkimmodConfigTemplate *t, DkimmodContext *ctx, unsigned flags,
                GHashTable *seen, DkimmodConfigDiag *diag)
{
  DkimmodKey *key;
  DkimmodError err = { 0 };

  if (t->macros_key)
    return;
  if (!g_hash_table_lookup_extended (seen, t->sig.key_path, NULL, (gpointer *) &key))
    {
      key = dkimmod_key_load_file (ctx, t->sig.key_path, flags, &err);
      if (key == NULL)
        dkimmod_config_diag_add_at (diag, t->key_origin ? t->key_origin : t->sig.origin,
                                    t->setting, "key", "%s%s%s",
                                    strstr (err.message, t->sig.key_path) ? "" : t->sig.key_path,
                                    strstr (err.message, t->sig.key_path) ? "" : ": ",
                                    err.message);
      g_hash_table_insert (seen, t->sig.key_path, key);
    }
  if (key && t->sig.algorithm != DKIMMOD_ALG_FROM_KEY
      && t->sig.algorithm != dkimmod_key_algorithm (key))
    dkimmod_config_diag_add_at (diag, t->a_origin ? t->a_origin : t->sig.origin, t->setting, "a",
                                "%s does not match the key %s (%s)",
                                dkimmod_algorithm_name (t->sig.algorithm), t->sig.key_path,
                                dkimmod_algorithm_name (dkimmod_key_algorithm (key)));
}

/**
 * dkimmod_config_check_keys_diag:
 * @cfg: a loaded configuration
 * @ctx: (nullable): the context whose key cache to use; NULL makes one
 * @diag: the error collector
 */
void
dkimmod_config_check_keys_diag (const DkimmodConfig *cfg, DkimmodContext *ctx,
                                DkimmodConfigDiag *diag)
{
  g_autoptr (DkimmodContext) own = ctx ? NULL : dkimmod_context_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       key_unref0);
  unsigned flags = cfg->spawn.allow_group_readable_keys ? DKIMMOD_KEY_ALLOW_GROUP_READABLE : 0;

  for (guint e = 0; e < cfg->entries->len; e++)
    {
      const DkimmodConfigEntry *entry = cfg->entries->pdata[e];

      for (guint k = 0; k < entry->sigs->len; k++)
        check_template (entry->sigs->pdata[k], ctx ? ctx : own, flags, seen, diag);
    }
  dkimmod_config_check_key_file_diag (cfg, diag);
}
