/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-load.c - load dkimmod.conf (libconfig) into a DkimmodConfig
 * SYNOPSIS
 *	dkimmod_config_error_quark, dkimmod_config_new_default,
 *	dkimmod_config_load, dkimmod_config_free, dkimmod_config_spawn,
 *	dkimmod_config_sender_source, dkimmod_config_authserv_id,
 *	dkimmod_config_path, dkimmod_config_foreach_file,
 *	dkimmod_config_entry_count, dkimmod_config_foreach_signature,
 *	dkimmod_config_check_keys, dkimmod_config_diag_add,
 *	dkimmod_config_diag_add_at, dkimmod_config_diag_origin
 * DESCRIPTION
 *	Reads the file with libconfig, @include files resolved against the
 *	directory of the main file (libconfig 1.5 has no globbing: write one
 *	@include per file). Then walks the three sections, signing, spawn and
 *	verifying; anything else is an error. Every fault is collected with
 *	its file, line and setting, so the GError of a failed load holds all
 *	of them, one "FILE:LINE: SETTING: what is wrong" per line. libconfig
 *	knows the file and line of every setting, also inside @include files.
 *
 *	The sender_map is indexed by a GHashTable, so a lookup costs one
 *	probe per label of the sender, however many entries there are
 *	(config-lookup.c). Private keys are not opened unless asked
 *	(DKIMMOD_CONFIG_VALIDATE_KEYS, config-keys.c).
 * DIAGNOSTICS
 *	DKIMMOD_CONFIG_ERROR_IO (unreadable file), _SYNTAX (libconfig parse
 *	error, "FILE:LINE: message"), _INVALID (settings), _KEY (only key
 *	files failed).
 * NEVER
 *	Stop at the first error, or accept a setting it does not know.
 */
#include "config-private.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (dkimmod-config-error-quark, dkimmod_config_error)

/**
 * dkimmod_config_diag_origin:
 * @diag: the collector (knows the include directory)
 * @where: (nullable): a setting
 *
 * Returns: (transfer full): "FILE:LINE" of @where. Files of @include are
 * named as the user can open them (include directory prepended).
 */
char *
dkimmod_config_diag_origin (DkimmodConfigDiag *diag, const config_setting_t *where)
{
  const char *file = where ? config_setting_source_file (where) : NULL;
  guint line = where ? config_setting_source_line (where) : 0;

  if (file == NULL)
    file = diag->main_path ? diag->main_path : "(config)";
  if (!g_str_equal (file, diag->main_path ? diag->main_path : "") && !g_path_is_absolute (file)
      && diag->include_dir && !g_str_equal (diag->include_dir, "."))
    {
      g_autofree char *full = g_build_filename (diag->include_dir, file, NULL);

      return g_strdup_printf ("%s:%u", full, line);
    }
  return g_strdup_printf ("%s:%u", file, line);
}

/* diag_vadd - appends "ORIGIN: SETTING[.FIELD]: message\n" */
static void G_GNUC_PRINTF (5, 0)
diag_vadd (DkimmodConfigDiag *diag, const char *origin, const char *setting, const char *field,
           const char *format, va_list ap)
{
  g_string_append_printf (diag->text, "%s: ", origin);
  if (setting || field)
    g_string_append_printf (diag->text, "%s%s%s: ", setting ? setting : "",
                            setting && field ? "." : "", field ? field : "");
  g_string_append_vprintf (diag->text, format, ap);
  g_string_append_c (diag->text, '\n');
  diag->count++;
}

/**
 * dkimmod_config_diag_add:
 * @diag: the collector
 * @where: (nullable): the setting at fault (gives file and line)
 * @setting: (nullable): its path, "signing.sender_map[2].sign[0]"
 * @field: (nullable): the name under @setting, "a"
 * @format: printf format of what is wrong
 */
void
dkimmod_config_diag_add (DkimmodConfigDiag *diag, const config_setting_t *where,
                         const char *setting, const char *field, const char *format, ...)
{
  g_autofree char *origin = dkimmod_config_diag_origin (diag, where);
  va_list ap;

  va_start (ap, format);
  diag_vadd (diag, origin, setting, field, format, ap);
  va_end (ap);
}

/**
 * dkimmod_config_diag_add_at:
 * @diag: the collector
 * @origin: "FILE:LINE"
 * @setting: (nullable): the setting path
 * @field: (nullable): the name under @setting
 * @format: printf format of what is wrong
 */
void
dkimmod_config_diag_add_at (DkimmodConfigDiag *diag, const char *origin, const char *setting,
                            const char *field, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  diag_vadd (diag, origin, setting, field, format, ap);
  va_end (ap);
}

/* config_alloc - an empty configuration with the built-in defaults */
static DkimmodConfig *
config_alloc (void)
{
  DkimmodConfig *cfg = g_new0 (DkimmodConfig, 1);

  dkimmod_config_spawn_defaults (&cfg->spawn);
  dkimmod_config_verify_defaults (&cfg->verify);
  cfg->sender_source = DKIMMOD_SENDER_FROM;
  cfg->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_config_entry_free);
  cfg->index = g_hash_table_new (g_str_hash, g_str_equal);
  cfg->defaults = dkimmod_config_defaults_new ();
  cfg->dir_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cfg->files = g_ptr_array_new_with_free_func (g_free);
  return cfg;
}

/**
 * dkimmod_config_new_default:
 *
 * Returns: (transfer full): a configuration with the built-in defaults:
 * the spawn defaults of dkimmod.conf(5) and an empty sender_map.
 */
DkimmodConfig *
dkimmod_config_new_default (void)
{
  return config_alloc ();
}

/**
 * dkimmod_config_free:
 * @cfg: (transfer full) (nullable): a configuration
 */
void
dkimmod_config_free (DkimmodConfig *cfg)
{
  if (cfg == NULL)
    return;
  dkimmod_config_spawn_clear (&cfg->spawn);
  dkimmod_config_verify_clear (&cfg->verify);
  dkimmod_config_sender_policy_clear (cfg);
  g_free (cfg->key_file_origin);
  g_free (cfg->path);
  g_hash_table_unref (cfg->index);
  g_hash_table_unref (cfg->dir_cache);
  g_ptr_array_unref (cfg->entries);
  dkimmod_config_defaults_free (cfg->defaults);
  g_free (cfg->include_dir);
  g_free (cfg->map_dir);
  g_ptr_array_unref (cfg->files);
  g_free (cfg);
}

/* read_root - the top-level sections */
static void
read_root (DkimmodConfig *cfg, const config_setting_t *root, DkimmodConfigDiag *diag)
{
  for (int k = 0; k < config_setting_length (root); k++)
    {
      config_setting_t *s = config_setting_get_elem (root, k);
      const char *name = config_setting_name (s);

      if (g_str_equal (name, "signing"))
        dkimmod_config_read_signing (cfg, s, diag);
      else if (g_str_equal (name, "spawn"))
        dkimmod_config_read_spawn (cfg, s, diag);
      else if (g_str_equal (name, "verifying"))
        dkimmod_config_read_verifying (cfg, s, diag);
      else
        dkimmod_config_diag_add (diag, s, name, NULL,
                                 "unknown section (expected signing, spawn or verifying)");
    }
}

/* parse_file - libconfig parse of PATH into LC, the file read once;
 * FALSE with ERROR set. The files PATH includes are appended to FILES. */
static gboolean
parse_file (config_t *lc, const char *path, DkimmodConfigDiag *diag, GPtrArray *files,
            GError **error)
{
  g_autofree char *why = NULL;
  int os_error = 0;

  switch (dkimmod_config_read_libconfig (lc, path, diag->include_dir, files, &os_error, &why))
    {
    case DKIMMOD_CONFIG_READ_OK:
      return TRUE;
    case DKIMMOD_CONFIG_READ_OS:
      g_set_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO, "%s: cannot read: %s",
                   path, g_strerror (os_error));
      return FALSE;
    case DKIMMOD_CONFIG_READ_REFUSED:
      g_set_error_literal (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_SYNTAX, why);
      return FALSE;
    case DKIMMOD_CONFIG_READ_SYNTAX:
    default:
      break;
    }
  {
    const char *file = config_error_file (lc) ? config_error_file (lc) : path;
    g_autofree char *full = NULL;

    if (!g_str_equal (file, path) && !g_path_is_absolute (file)
        && !g_str_equal (diag->include_dir, "."))
      file = full = g_build_filename (diag->include_dir, file, NULL);
    g_set_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_SYNTAX, "%s:%d: %s", file,
                 config_error_line (lc), config_error_text (lc));
  }
  return FALSE;
}

/* diag_take_error - turns the collected faults into ERROR */
static void
diag_take_error (DkimmodConfigDiag *diag, guint key_errors, GError **error)
{
  if (diag->text->len && diag->text->str[diag->text->len - 1] == '\n')
    g_string_truncate (diag->text, diag->text->len - 1);
  g_set_error_literal (error, DKIMMOD_CONFIG_ERROR,
                       key_errors == diag->count ? DKIMMOD_CONFIG_ERROR_KEY
                       : DKIMMOD_CONFIG_ERROR_INVALID, diag->text->str);
}

/**
 * dkimmod_config_load:
 * @path: the configuration file
 * @flags: 0 or DKIMMOD_CONFIG_VALIDATE_KEYS (open and check every key file
 *   whose path holds no macro, and that a= matches the key type)
 * @ctx: (nullable): the context whose key cache to use for key checks;
 *   NULL makes a temporary one
 * @error: return location for a DKIMMOD_CONFIG_ERROR; the message holds
 *   every fault found, one "FILE:LINE: SETTING: what is wrong" per line
 *
 * Returns: (transfer full) (nullable): the configuration, or NULL.
 */
DkimmodConfig *
dkimmod_config_load (const char *path, unsigned flags, DkimmodContext *ctx, GError **error)
{
  g_autofree char *dir = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  DkimmodConfigDiag diag = { .text = text, .main_path = path };
  g_autoptr (DkimmodConfig) cfg = NULL;
  config_t lc;
  guint before_keys;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  dir = g_path_get_dirname (path);
  diag.include_dir = dir;
  cfg = config_alloc ();
  g_ptr_array_add (cfg->files, g_strdup (path));
  config_init (&lc);
  if (!parse_file (&lc, path, &diag, cfg->files, error))
    {
      config_destroy (&lc);
      return NULL;
    }
  cfg->path = g_strdup (path);
  cfg->include_dir = g_strdup (dir);
  read_root (cfg, config_root_setting (&lc), &diag);
  config_destroy (&lc);
  if (diag.count == 0 && cfg->map_dir && (flags & DKIMMOD_CONFIG_VALIDATE_KEYS))
    dkimmod_config_mapdir_check_all (cfg, &diag);
  before_keys = diag.count;
  if (diag.count == 0 && (flags & DKIMMOD_CONFIG_VALIDATE_KEYS))
    dkimmod_config_check_keys_diag (cfg, ctx, &diag);
  if (diag.count)
    {
      diag_take_error (&diag, diag.count - before_keys, error);
      return NULL;
    }
  return g_steal_pointer (&cfg);
}

/**
 * dkimmod_config_check_keys:
 * @cfg: a configuration
 * @ctx: (nullable): the context whose key cache to use, or NULL
 * @error: return location for a DKIMMOD_CONFIG_ERROR_KEY error listing
 *   every fault
 *
 * Opens every key file named without macros, as DKIMMOD_CONFIG_VALIDATE_KEYS
 * does at load, but after any -o overrides (allow_group_readable_keys),
 * and reads verifying.key_file when one is set.
 *
 * Returns: TRUE if every key loads and matches its a=.
 */
gboolean
dkimmod_config_check_keys (const DkimmodConfig *cfg, DkimmodContext *ctx, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  DkimmodConfigDiag diag = { .text = text, .main_path = cfg->path,
                            .include_dir = cfg->include_dir };

  g_return_val_if_fail (cfg != NULL, FALSE);
  dkimmod_config_check_keys_diag (cfg, ctx, &diag);
  if (diag.count == 0)
    return TRUE;
  diag_take_error (&diag, diag.count, error);
  return FALSE;
}

/**
 * dkimmod_config_spawn:
 * @cfg: a configuration
 *
 * Returns: (transfer none): the spawn settings, overrides applied.
 */
const DkimmodSpawnSettings *
dkimmod_config_spawn (const DkimmodConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL, NULL);
  return &cfg->spawn;
}

/**
 * dkimmod_config_sender_source:
 * @cfg: a configuration
 *
 * Returns: which address selects the sender_map entry.
 */
DkimmodSenderSource
dkimmod_config_sender_source (const DkimmodConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL, DKIMMOD_SENDER_FROM);
  return cfg->sender_source;
}

/**
 * dkimmod_config_authserv_id:
 * @cfg: a configuration
 *
 * Returns: (transfer none) (nullable): verifying.authserv_id as set in the
 * file or with -o, or NULL (dkimmod_config_verifying has the default).
 */
const char *
dkimmod_config_authserv_id (const DkimmodConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL, NULL);
  return cfg->authserv_id_set ? cfg->verify.authserv_id : NULL;
}

/**
 * dkimmod_config_path:
 * @cfg: a configuration
 *
 * Returns: (transfer none) (nullable): the file loaded, NULL for defaults.
 */
const char *
dkimmod_config_path (const DkimmodConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL, NULL);
  return cfg->path;
}

/**
 * dkimmod_config_foreach_file:
 * @cfg: a configuration
 * @func: called with each file name (const char *) and @user_data
 *
 * Every file the configuration was read from so far, in the order read:
 * the main file, its @include files (also those that did not exist), the
 * sender_map_dir files looked up (absent ones too, so that one appearing
 * counts as a change) and verifying.key_file. Private key files are not
 * listed: they are read through the context's cache. A name may repeat.
 * dkimmod-spawn serve stats them before each connection to see whether
 * the configuration must be read again.
 */
void
dkimmod_config_foreach_file (const DkimmodConfig *cfg, GFunc func, gpointer user_data)
{
  g_return_if_fail (cfg != NULL && func != NULL);
  for (guint i = 0; i < cfg->files->len; i++)
    func (cfg->files->pdata[i], user_data);
  if (cfg->verify.key_file != NULL)
    func (cfg->verify.key_file, user_data);
}

/**
 * dkimmod_config_entry_count:
 * @cfg: a configuration
 *
 * Returns: the number of sender_map entries.
 */
guint
dkimmod_config_entry_count (const DkimmodConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL, 0);
  return cfg->entries->len;
}

/**
 * dkimmod_config_foreach_signature:
 * @cfg: a configuration
 * @func: called for each signature of each entry, in file order, with
 *   the entry's sender key and the signature as configured (macros in
 *   d, i and key not expanded)
 * @user_data: passed to @func
 *
 * For check-config's review of risky setups. Entries of
 * signing.sender_map_dir are included once they were read (all of them
 * after a load with DKIMMOD_CONFIG_VALIDATE_KEYS).
 */
void
dkimmod_config_foreach_signature (const DkimmodConfig *cfg, DkimmodConfigSignatureFunc func,
                                  gpointer user_data)
{
  g_return_if_fail (cfg != NULL && func != NULL);
  for (guint i = 0; i < cfg->entries->len; i++)
    {
      const DkimmodConfigEntry *e = g_ptr_array_index (cfg->entries, i);

      for (guint k = 0; e->sigs != NULL && k < e->sigs->len; k++)
        func (e->sender, &((const DkimmodConfigTemplate *) g_ptr_array_index (e->sigs, k))->sig,
              user_data);
    }
}
