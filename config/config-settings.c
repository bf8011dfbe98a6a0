/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-settings.c - the spawn section and "-o name=value" overrides
 * SYNOPSIS
 *	dkimmod_config_spawn_defaults, dkimmod_config_spawn_clear,
 *	dkimmod_config_read_spawn, dkimmod_config_set_override,
 *	dkimmod_config_parse_sender_source
 * DESCRIPTION
 *	One table describes every spawn.* setting: its name, kind and field.
 *	The file reader and the override parser both end in set_from_string(),
 *	so a value is checked the same way whether it came from dkimmod.conf
 *	or from master.cf ("-o timeout_data=10m"). Numbers may carry units:
 *	durations s, m, h, d, w; sizes k, M, G (powers of 1024). Writing
 *	sizes as strings ("3G") also avoids libconfig 1.5's silent wrap of
 *	integers above 2^31 written without an L suffix.
 * NEVER
 *	Accept a value it cannot check, or ignore an unknown name.
 */
#include "config-private.h"

#include <string.h>

typedef enum {
  K_NEXT_HOP, K_DIRECTORY, K_SIZE, K_SECONDS, K_ON_ERROR, K_IDENT, K_FACILITY, K_BOOL,
  K_OPENSSL_CONFIG,
} Kind;

static const struct {
  const char *name;
  Kind kind;
  gsize offset;
} settings[] = {
  { "next_hop", K_NEXT_HOP, G_STRUCT_OFFSET (DkimmodSpawnSettings, next_hop) },
  { "spool_directory", K_DIRECTORY, G_STRUCT_OFFSET (DkimmodSpawnSettings, spool_directory) },
  { "spool_memory_max", K_SIZE, G_STRUCT_OFFSET (DkimmodSpawnSettings, spool_memory_max) },
  { "message_size_max", K_SIZE, G_STRUCT_OFFSET (DkimmodSpawnSettings, message_size_max) },
  { "timeout_command", K_SECONDS, G_STRUCT_OFFSET (DkimmodSpawnSettings, timeout_command) },
  { "timeout_data", K_SECONDS, G_STRUCT_OFFSET (DkimmodSpawnSettings, timeout_data) },
  { "timeout_next_hop", K_SECONDS, G_STRUCT_OFFSET (DkimmodSpawnSettings, timeout_next_hop) },
  { "timeout_connect", K_SECONDS, G_STRUCT_OFFSET (DkimmodSpawnSettings, timeout_connect) },
  { "timeout_data_done", K_SECONDS,
    G_STRUCT_OFFSET (DkimmodSpawnSettings, timeout_data_done) },
  { "on_error", K_ON_ERROR, G_STRUCT_OFFSET (DkimmodSpawnSettings, on_error) },
  { "syslog_ident", K_IDENT, G_STRUCT_OFFSET (DkimmodSpawnSettings, syslog_ident) },
  { "syslog_facility", K_FACILITY, G_STRUCT_OFFSET (DkimmodSpawnSettings, syslog_facility) },
  { "smtp_line_length_limit", K_SIZE,
    G_STRUCT_OFFSET (DkimmodSpawnSettings, smtp_line_length_limit) },
  { "allow_group_readable_keys", K_BOOL,
    G_STRUCT_OFFSET (DkimmodSpawnSettings, allow_group_readable_keys) },
  { "openssl_config", K_OPENSSL_CONFIG, G_STRUCT_OFFSET (DkimmodSpawnSettings, openssl_config) },
};

/* Longest time any single SMTP exchange may be given. */
#define TIMEOUT_MAX_SECONDS 86400u
/* Keeping more than this in memory per connection is surely a mistake. */
#define SPOOL_MEMORY_MAX (1024ull * 1024ull * 1024ull)
/* Postfix takes any int; a header line this long is held in memory. */
#define LINE_LENGTH_MAX (1024ull * 1024ull)

static const char *const facilities[] = {
  "mail", "daemon", "user", "local0", "local1", "local2", "local3",
  "local4", "local5", "local6", "local7",
};

/**
 * dkimmod_config_spawn_defaults:
 * @spawn: (out caller-allocates): settings to fill with the defaults
 */
void
dkimmod_config_spawn_defaults (DkimmodSpawnSettings *spawn)
{
  memset (spawn, 0, sizeof *spawn);
  spawn->next_hop = g_strdup ("127.0.0.1:10018");
  spawn->spool_directory = g_strdup ("/var/tmp");
  /* 256 KiB keeps nearly all mail in memory while the helper stays
   * under 8 MiB peak RSS (docs/benchmarks.md); bigger mail is spooled. */
  spawn->spool_memory_max = 256 * 1024;
  spawn->message_size_max = 0;
  spawn->timeout_command = 300;
  spawn->timeout_data = 300;
  spawn->timeout_next_hop = 300;
  /* Postfix's smtp_connect_timeout: a dead address is tried for 30 s,
   * not for a whole exchange. */
  spawn->timeout_connect = 30;
  /* Postfix's smtp_data_done_timeout: the next hop has the whole message
   * when we wait here, so giving up early is what duplicates mail. */
  spawn->timeout_data_done = 600;
  spawn->on_error = DKIMMOD_ON_ERROR_TEMPFAIL;
  spawn->syslog_ident = g_strdup ("dkimmod-spawn");
  spawn->syslog_facility = g_strdup ("mail");
  spawn->allow_group_readable_keys = FALSE;
  /* Postfix's smtp_line_length_limit default (linefold.c) */
  spawn->smtp_line_length_limit = 998;
  spawn->openssl_config = g_strdup ("none");
}

/**
 * dkimmod_config_spawn_clear:
 * @spawn: settings whose strings to free
 */
void
dkimmod_config_spawn_clear (DkimmodSpawnSettings *spawn)
{
  g_clear_pointer (&spawn->next_hop, g_free);
  g_clear_pointer (&spawn->spool_directory, g_free);
  g_clear_pointer (&spawn->syslog_ident, g_free);
  g_clear_pointer (&spawn->syslog_facility, g_free);
  g_clear_pointer (&spawn->openssl_config, g_free);
}

/**
 * dkimmod_config_parse_sender_source:
 * @s: "from", "sender-then-from" or "envelope"
 * @out: (out): the value
 */
gboolean
dkimmod_config_parse_sender_source (const char *s, DkimmodSenderSource *out)
{
  if (g_ascii_strcasecmp (s, "from") == 0)
    return (*out = DKIMMOD_SENDER_FROM, TRUE);
  if (g_ascii_strcasecmp (s, "sender-then-from") == 0)
    return (*out = DKIMMOD_SENDER_SENDER_THEN_FROM, TRUE);
  if (g_ascii_strcasecmp (s, "envelope") == 0)
    return (*out = DKIMMOD_SENDER_ENVELOPE, TRUE);
  return FALSE;
}

/* check_ident - a syslog ident: 1 to 64 printable characters, no blank */
static gboolean
check_ident (const char *s, const char **why)
{
  gsize len = strlen (s);

  if (len == 0 || len > 64)
    return (*why = "must be 1 to 64 characters", FALSE);
  for (const char *p = s; *p; p++)
    if (*p <= ' ' || *p >= 0x7f)
      return (*why = "must be printable ASCII without blanks", FALSE);
  return TRUE;
}

/* check_facility - a syslog facility name */
static gboolean
check_facility (const char *s, const char **why)
{
  for (guint k = 0; k < G_N_ELEMENTS (facilities); k++)
    if (g_str_equal (s, facilities[k]))
      return TRUE;
  return (*why = "must be mail, daemon, user or local0 to local7", FALSE);
}

/* set_string - replaces the string field at FIELD */
static void
set_string (char **field, const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* set_from_string - checks VALUE for setting K and stores it in SPAWN */
static gboolean
set_from_string (DkimmodSpawnSettings *spawn, guint k, const char *value, const char **why)
{
  gpointer field = G_STRUCT_MEMBER_P (spawn, settings[k].offset);
  guint64 n;
  gboolean b;

  switch (settings[k].kind)
    {
    case K_NEXT_HOP:
      if (!dkimmod_config_check_next_hop (value, why))
        return FALSE;
      set_string (field, value);
      return TRUE;
    case K_DIRECTORY:
      if (!g_path_is_absolute (value))
        return (*why = "must be an absolute path", FALSE);
      set_string (field, value);
      return TRUE;
    case K_SIZE:
      if (!dkimmod_config_parse_size (value, g_str_equal (settings[k].name, "spool_memory_max")
                                      ? SPOOL_MEMORY_MAX
                                      : g_str_equal (settings[k].name, "smtp_line_length_limit")
                                      ? LINE_LENGTH_MAX : G_MAXINT64, &n, why))
        return FALSE;
      *(guint64 *) field = n;
      return TRUE;
    case K_SECONDS:
      if (!dkimmod_config_parse_duration (value, TIMEOUT_MAX_SECONDS, &n, why))
        return FALSE;
      if (n == 0)
        return (*why = "must be at least 1 second", FALSE);
      *(guint *) field = (guint) n;
      return TRUE;
    case K_ON_ERROR:
      if (g_str_equal (value, "tempfail"))
        *(DkimmodOnError *) field = DKIMMOD_ON_ERROR_TEMPFAIL;
      else if (g_str_equal (value, "relay"))
        *(DkimmodOnError *) field = DKIMMOD_ON_ERROR_RELAY;
      else
        return (*why = "must be tempfail or relay", FALSE);
      return TRUE;
    case K_IDENT:
    case K_FACILITY:
      if (!(settings[k].kind == K_IDENT ? check_ident (value, why) : check_facility (value, why)))
        return FALSE;
      set_string (field, value);
      return TRUE;
    case K_OPENSSL_CONFIG:
      /* "none" (the default: the helper's start skips openssl.cnf),
       * "system" (OpenSSL's own file, with the crypto policy or FIPS
       * set-up it names), or the absolute path of a file to load. */
      if (!g_str_equal (value, "none") && !g_str_equal (value, "system")
          && !g_path_is_absolute (value))
        return (*why = "must be none, system or an absolute path", FALSE);
      set_string (field, value);
      return TRUE;
    case K_BOOL:
      if (!dkimmod_config_parse_bool (value, &b))
        return (*why = "must be yes or no", FALSE);
      *(gboolean *) field = b;
      return TRUE;
    default:
      return (*why = "internal error: unknown kind", FALSE);
    }
}

/* find_setting - index of NAME in settings[], or -1 */
static int
find_setting (const char *name)
{
  for (guint k = 0; k < G_N_ELEMENTS (settings); k++)
    if (g_str_equal (name, settings[k].name))
      return (int) k;
  return -1;
}

/* read_one - one spawn.NAME setting S from the file */
static void
read_one (DkimmodSpawnSettings *spawn, const config_setting_t *s, DkimmodConfigDiag *diag)
{
  const char *name = config_setting_name (s), *why = NULL;
  int k = find_setting (name);
  int type = config_setting_type (s);
  g_autofree char *text = NULL;

  if (k < 0)
    {
      dkimmod_config_diag_add (diag, s, "spawn", name, "unknown setting");
      return;
    }
  if (type == CONFIG_TYPE_STRING)
    text = g_strdup (config_setting_get_string (s));
  else if (type == CONFIG_TYPE_BOOL && settings[k].kind == K_BOOL)
    text = g_strdup (config_setting_get_bool (s) ? "yes" : "no");
  else if ((type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
           && (settings[k].kind == K_SIZE || settings[k].kind == K_SECONDS))
    {
      long long n = config_setting_get_int64 (s);

      if (n < 0)
        {
          dkimmod_config_diag_add (diag, s, "spawn", name, "must not be negative");
          return;
        }
      text = g_strdup_printf ("%lld", n);
    }
  else
    {
      dkimmod_config_diag_add (diag, s, "spawn", name, "must be %s",
                               settings[k].kind == K_BOOL ? "true or false"
                               : settings[k].kind == K_SIZE || settings[k].kind == K_SECONDS
                               ? "a number or a string" : "a string");
      return;
    }
  if (!set_from_string (spawn, (guint) k, text, &why))
    dkimmod_config_diag_add (diag, s, "spawn", name, "\"%s\": %s", text, why);
}

/**
 * dkimmod_config_read_spawn:
 * @cfg: the configuration being loaded
 * @spawn: the "spawn" group
 * @diag: the error collector
 */
void
dkimmod_config_read_spawn (DkimmodConfig *cfg, const config_setting_t *spawn,
                           DkimmodConfigDiag *diag)
{
  if (!config_setting_is_group (spawn))
    {
      dkimmod_config_diag_add (diag, spawn, "spawn", NULL, "must be a group { ... }");
      return;
    }
  for (int k = 0; k < config_setting_length (spawn); k++)
    read_one (&cfg->spawn, config_setting_get_elem (spawn, k), diag);
}

/**
 * dkimmod_config_set_override:
 * @cfg: a configuration
 * @assignment: "name=value", name one of the spawn settings, sender_source
 *   or a verifying setting (optionally prefixed "spawn.", "signing." or
 *   "verifying.")
 * @error: return location for a DKIMMOD_CONFIG_ERROR_INVALID error
 *
 * Applies one master.cf "-o name=value" override.
 *
 * Returns: TRUE on success; on failure @cfg is unchanged.
 */
gboolean
dkimmod_config_set_override (DkimmodConfig *cfg, const char *assignment, GError **error)
{
  const char *eq, *why = NULL, *value;
  g_autofree char *name = NULL;
  int k;

  g_return_val_if_fail (cfg != NULL && assignment != NULL, FALSE);
  if ((eq = strchr (assignment, '=')) == NULL || eq == assignment)
    {
      g_set_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID,
                   "-o %s: expected name=value", assignment);
      return FALSE;
    }
  name = g_strndup (assignment, eq - assignment);
  value = eq + 1;
  if (g_str_equal (name, "sender_source") || g_str_equal (name, "signing.sender_source"))
    {
      if (dkimmod_config_parse_sender_source (value, &cfg->sender_source))
        return TRUE;
      why = "must be from, sender-then-from or envelope";
    }
  else if ((k = dkimmod_config_verify_override (cfg, g_str_has_prefix (name, "verifying.")
                                                ? name + 10 : name, value, &why)) >= 0)
    {
      if (k == 1)
        return TRUE;
    }
  else if ((k = find_setting (g_str_has_prefix (name, "spawn.") ? name + 6 : name)) < 0)
    {
      g_set_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID,
                   "-o %s: unknown setting", name);
      return FALSE;
    }
  else if (set_from_string (&cfg->spawn, (guint) k, value, &why))
    return TRUE;
  g_set_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID, "-o %s: \"%s\": %s",
               name, value, why);
  return FALSE;
}
