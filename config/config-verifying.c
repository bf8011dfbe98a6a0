/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-verifying.c - the verifying section and its "-o" overrides
 * SYNOPSIS
 *	dkimmod_config_verify_defaults, dkimmod_config_verify_clear,
 *	dkimmod_config_read_verifying, dkimmod_config_verify_override,
 *	dkimmod_config_check_key_file_diag, dkimmod_config_verifying,
 *	dkimmod_config_verify_options, dkimmod_config_auth_options,
 *	dkimmod_config_default_authserv_id
 * DESCRIPTION
 *	One table names every verifying.* setting, its kind and its field
 *	in DkimmodVerifySettings. Values from the file and from
 *	"-o name=value" both go through set_value(), so they are checked
 *	the same way. authserv_id, when not set, is the host's fully
 *	qualified name as Postfix's default myhostname is found
 *	(dkimmod_config_default_authserv_id; RFC 8601 section 2.5), computed
 *	only by the verifying callers. The nameserver is checked
 *	by the module's own parser (dkimmod_resolver_new only parses), so
 *	what the config accepts is exactly what the resolver accepts. A
 *	relative key_file in the file is relative to the file's directory,
 *	like key=; with -o it must be absolute (spawn(8) runs in Postfix's
 *	queue directory).
 * STANDARDS
 *	RFC 8601 section 2.5 (authserv-id), RFC 8301 (rsa-sha1), RFC 6376
 *	section 3.5 (l=, t=, x=) and section 8.2 (l= risks).
 * DIAGNOSTICS
 *	"FILE:LINE: verifying.NAME: what is wrong", through the collector.
 * NEVER
 *	Accept a value it cannot check, or ignore an unknown name.
 */
#include "config-private.h"

#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef enum {
  V_AUTHSERV_ID, V_COUNT, V_NAMESERVER, V_SECONDS, V_DRIFT, V_BOOL, V_PATH, V_ON_TEMPERROR,
  V_ON_FAIL, V_ON_QUARANTINE, V_FIELD_NAME, V_DOMAINS, V_DMARC_STANDARD,
} Kind;

static const struct {
  const char *name;
  Kind kind;
  gsize offset;
} vsettings[] = {
  { "authserv_id", V_AUTHSERV_ID, G_STRUCT_OFFSET (DkimmodVerifySettings, authserv_id) },
  { "max_signatures", V_COUNT, G_STRUCT_OFFSET (DkimmodVerifySettings, max_signatures) },
  { "nameserver", V_NAMESERVER, G_STRUCT_OFFSET (DkimmodVerifySettings, nameserver) },
  { "dns_timeout", V_SECONDS, G_STRUCT_OFFSET (DkimmodVerifySettings, dns_timeout) },
  { "clock_drift", V_DRIFT, G_STRUCT_OFFSET (DkimmodVerifySettings, clock_drift) },
  { "accept_rsa_sha1", V_BOOL, G_STRUCT_OFFSET (DkimmodVerifySettings, accept_rsa_sha1) },
  { "accept_body_length", V_BOOL,
    G_STRUCT_OFFSET (DkimmodVerifySettings, accept_body_length) },
  { "x_dkim_authentication_results", V_BOOL,
    G_STRUCT_OFFSET (DkimmodVerifySettings, x_dkim_authentication_results) },
  { "key_file", V_PATH, G_STRUCT_OFFSET (DkimmodVerifySettings, key_file) },
  { "on_temperror", V_ON_TEMPERROR, G_STRUCT_OFFSET (DkimmodVerifySettings, on_temperror) },
  { "on_fail", V_ON_FAIL, G_STRUCT_OFFSET (DkimmodVerifySettings, on_fail) },
  { "spf", V_BOOL, G_STRUCT_OFFSET (DkimmodVerifySettings, spf) },
  { "dmarc", V_BOOL, G_STRUCT_OFFSET (DkimmodVerifySettings, dmarc) },
  { "arc", V_BOOL, G_STRUCT_OFFSET (DkimmodVerifySettings, arc) },
  { "on_dmarc_reject", V_ON_FAIL, G_STRUCT_OFFSET (DkimmodVerifySettings, on_dmarc_reject) },
  { "on_dmarc_quarantine", V_ON_QUARANTINE,
    G_STRUCT_OFFSET (DkimmodVerifySettings, on_dmarc_quarantine) },
  { "quarantine_header", V_FIELD_NAME,
    G_STRUCT_OFFSET (DkimmodVerifySettings, quarantine_header) },
  { "dmarc_override_domains", V_DOMAINS,
    G_STRUCT_OFFSET (DkimmodVerifySettings, dmarc_override_domains) },
  { "dmarc_override_arc_sealers", V_DOMAINS,
    G_STRUCT_OFFSET (DkimmodVerifySettings, dmarc_override_arc_sealers) },
  { "dmarc_standard", V_DMARC_STANDARD,
    G_STRUCT_OFFSET (DkimmodVerifySettings, dmarc_standard) },
};

/* A quarantine field name: RFC 5322 ftext, and short enough to fold. */
#define FIELD_NAME_MAX 64u
/* Entries of one override list: a local policy, not a database. */
#define OVERRIDE_LIST_MAX 1000u

/* The library signs at most 16 signatures per message; evaluating more
 * than that on receipt only feeds an attacker's amplification. */
#define MAX_SIGNATURES_LIMIT 16u
/* Postfix's smtpd_proxy_timeout is 100 s: a longer DNS wait is useless. */
#define DNS_TIMEOUT_MAX 100u
#define CLOCK_DRIFT_MAX 86400u

/* Postfix's default mydomain: what myhostname gets when the host name has
 * no dot and no canonical name has one either. */
#define POSTFIX_DEFAULT_MYDOMAIN "localdomain"

/* fqdn_of - HOST when it is a dotted valid domain, lower-cased, else NULL */
static char *
fqdn_of (const char *host)
{
  const char *why;

  if (host == NULL || strchr (host, '.') == NULL || !dkimmod_config_check_domain (host, 2, &why))
    return NULL;
  return g_ascii_strdown (host, -1);
}

/**
 * dkimmod_config_default_authserv_id:
 *
 * The host's fully qualified name, found the way Postfix finds the
 * default myhostname: gethostname() when it has a dot; else the
 * canonical name of that host (getaddrinfo AI_CANONNAME: /etc/hosts,
 * then DNS, as nsswitch.conf says); else the short name with
 * ".localdomain" (Postfix's default mydomain). Called only when
 * verifying.authserv_id is not set, and only by the verifying paths, so
 * a signing helper never makes this lookup.
 *
 * Returns: (transfer full): the name, or "localhost.localdomain" when the
 * host name is no valid domain label at all.
 */
char *
dkimmod_config_default_authserv_id (void)
{
  struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_flags = AI_CANONNAME };
  struct addrinfo *res = NULL;
  char host[256] = "";
  char *name;
  const char *why;

  if (gethostname (host, sizeof host - 1) != 0 || host[0] == '\0'
      || !dkimmod_config_check_domain (host, 1, &why))
    return g_strdup ("localhost." POSTFIX_DEFAULT_MYDOMAIN);
  if ((name = fqdn_of (host)) != NULL)
    return name;
  if (getaddrinfo (host, NULL, &hints, &res) == 0 && res != NULL)
    name = fqdn_of (res->ai_canonname);
  if (res != NULL)
    freeaddrinfo (res);
  if (name != NULL)
    return name;
  name = g_strconcat (host, ".", POSTFIX_DEFAULT_MYDOMAIN, NULL);
  {
    char *fqdn = fqdn_of (name);

    g_free (name);
    return fqdn != NULL ? fqdn : g_strdup ("localhost." POSTFIX_DEFAULT_MYDOMAIN);
  }
}

/**
 * dkimmod_config_verify_defaults:
 * @verify: (out caller-allocates): settings to fill with the defaults
 */
void
dkimmod_config_verify_defaults (DkimmodVerifySettings *verify)
{
  memset (verify, 0, sizeof *verify);
  verify->authserv_id = NULL;     /* dkimmod_config_default_authserv_id () */
  verify->max_signatures = 5;
  verify->nameserver = NULL;
  verify->dns_timeout = 5;
  verify->clock_drift = 300;
  verify->spf = TRUE;
  verify->dmarc = TRUE;
  verify->arc = TRUE;
  verify->quarantine_header = g_strdup ("X-DMARC-Quarantine");
}

/**
 * dkimmod_config_verify_clear:
 * @verify: settings whose strings to free
 */
void
dkimmod_config_verify_clear (DkimmodVerifySettings *verify)
{
  g_clear_pointer (&verify->authserv_id, g_free);
  g_clear_pointer (&verify->nameserver, g_free);
  g_clear_pointer (&verify->key_file, g_free);
  g_clear_pointer (&verify->quarantine_header, g_free);
  g_clear_pointer (&verify->dmarc_override_domains, g_strfreev);
  g_clear_pointer (&verify->dmarc_override_arc_sealers, g_strfreev);
}

/* find_vsetting - index of NAME in vsettings[], or -1 */
static int
find_vsetting (const char *name)
{
  for (guint k = 0; k < G_N_ELEMENTS (vsettings); k++)
    if (g_str_equal (name, vsettings[k].name))
      return (int) k;
  return -1;
}

/* port_ok - the ":PORT" of "ADDR:PORT" or "[ADDR]:PORT", if any, is 1..65535
 * (getaddrinfo with AI_NUMERICSERV takes 99999 modulo 65536) */
static gboolean
port_ok (const char *value)
{
  const char *colon = strrchr (value, ':');
  const char *bracket = strchr (value, ']');

  if (colon == NULL || (value[0] != '[' && strchr (value, ':') != colon))
    return TRUE;            /* no port, or a bare IPv6 address */
  if (value[0] == '[' && (bracket == NULL || colon != bracket + 1))
    return bracket != NULL && bracket[1] == '\0';
  return g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, NULL, NULL);
}

/* check_nameserver - VALUE as the resolver will read it */
static gboolean
check_nameserver (const char *value, const char **why)
{
  DkimmodError err = { 0 };
  DkimmodResolver *r;

  if (*value == '\0')
    return (*why = "must not be empty", FALSE);
  if (!port_ok (value))
    return (*why = "must be ADDR, ADDR:PORT or [IPV6ADDR]:PORT with a numeric address", FALSE);
  r = dkimmod_resolver_new (value, 0, &err);
  if (r == NULL)
    return (*why = "must be ADDR, ADDR:PORT or [IPV6ADDR]:PORT with a numeric address", FALSE);
  dkimmod_resolver_free (r);
  return TRUE;
}

/* parse_count - max_signatures: 1 to MAX_SIGNATURES_LIMIT */
static gboolean
parse_count (const char *value, guint *out, const char **why)
{
  guint64 n;

  if (!g_ascii_string_to_unsigned (value, 10, 1, MAX_SIGNATURES_LIMIT, &n, NULL))
    return (*why = "must be a number from 1 to 16", FALSE);
  *out = (guint) n;
  return TRUE;
}

/* field_name_ok - VALUE is an RFC 5322 field name (ftext, 1 to
 * FIELD_NAME_MAX bytes) that is none of the fields we must not touch */
static gboolean
field_name_ok (const char *value, const char **why)
{
  static const char *const reserved[] = {
    "Authentication-Results", "X-DKIM-Authentication-Results", "DKIM-Signature", "From",
    "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results", "Received",
  };

  if (*value == '\0' || strlen (value) > FIELD_NAME_MAX)
    return (*why = "must be a header field name of 1 to 64 characters", FALSE);
  for (const char *p = value; *p != '\0'; p++)
    if (*p < '!' || *p > '~' || *p == ':')
      return (*why = "must be a header field name (printable ASCII without ':' or spaces)",
              FALSE);
  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    if (g_ascii_strcasecmp (value, reserved[i]) == 0)
      return (*why = "must not be a field that authentication reads or writes", FALSE);
  return TRUE;
}

/* parse_domains - "a.example, b.example" (commas or blanks) into a
 * lower-case list of checked domains; "" is the empty list */
static gboolean
parse_domains (const char *value, char ***out, const char **why)
{
  g_auto (GStrv) words = g_strsplit_set (value, ", \t", -1);
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (!dkimmod_config_check_domain (words[i], 2, why))
        return FALSE;
      if (list->len >= OVERRIDE_LIST_MAX)
        return (*why = "has more than 1000 domains", FALSE);
      g_ptr_array_add (list, g_ascii_strdown (words[i], -1));
    }
  g_strfreev (*out);
  *out = NULL;
  if (list->len > 0)
    {
      g_ptr_array_add (list, NULL);
      *out = (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
    }
  return TRUE;
}

/* The words of the on_* settings and what each one means. */
static const struct {
  Kind kind;
  const char *word;
  DkimmodVerifyAction action;
} actions[] = {
  { V_ON_TEMPERROR, "accept", DKIMMOD_VERIFY_ACCEPT },
  { V_ON_TEMPERROR, "tempfail", DKIMMOD_VERIFY_TEMPFAIL },
  { V_ON_FAIL, "accept", DKIMMOD_VERIFY_ACCEPT },
  { V_ON_FAIL, "reject", DKIMMOD_VERIFY_REJECT },
  { V_ON_QUARANTINE, "accept", DKIMMOD_VERIFY_ACCEPT },
  { V_ON_QUARANTINE, "header", DKIMMOD_VERIFY_HEADER },
};

/* parse_action - VALUE as one of KIND's words (the actions table) */
static gboolean
parse_action (Kind kind, const char *value, DkimmodVerifyAction *out, const char **why)
{
  for (gsize i = 0; i < G_N_ELEMENTS (actions); i++)
    if (actions[i].kind == kind && g_str_equal (value, actions[i].word))
      {
        *out = actions[i].action;
        return TRUE;
      }
  *why = kind == V_ON_TEMPERROR ? "must be accept or tempfail"
    : kind == V_ON_FAIL ? "must be accept or reject" : "must be accept or header";
  return FALSE;
}

/* set_value - checks VALUE for setting K and stores it in CFG */
static gboolean
set_value (DkimmodConfig *cfg, guint k, const char *value, const char *base_dir,
           const char **why)
{
  gpointer field = G_STRUCT_MEMBER_P (&cfg->verify, vsettings[k].offset);
  guint64 n;
  gboolean b;

  switch (vsettings[k].kind)
    {
    case V_AUTHSERV_ID:
      if (!dkimmod_config_check_domain (value, 1, why))
        return FALSE;
      g_free (*(char **) field);
      *(char **) field = g_strdup (value);
      cfg->authserv_id_set = TRUE;
      return TRUE;
    case V_COUNT:
      return parse_count (value, field, why);
    case V_NAMESERVER:
      if (!check_nameserver (value, why))
        return FALSE;
      g_free (*(char **) field);
      *(char **) field = g_strdup (value);
      return TRUE;
    case V_SECONDS:
    case V_DRIFT:
      if (!dkimmod_config_parse_duration (value, vsettings[k].kind == V_SECONDS ? DNS_TIMEOUT_MAX
                                          : CLOCK_DRIFT_MAX, &n, why))
        return FALSE;
      if (n == 0 && vsettings[k].kind == V_SECONDS)
        return (*why = "must be at least 1 second", FALSE);
      *(guint *) field = (guint) n;
      return TRUE;
    case V_BOOL:
      if (!dkimmod_config_parse_bool (value, &b))
        return (*why = "must be yes or no", FALSE);
      *(gboolean *) field = b;
      return TRUE;
    case V_PATH:
      if (*value == '\0')
        return (*why = "must not be empty", FALSE);
      if (base_dir == NULL && !g_path_is_absolute (value))
        return (*why = "must be an absolute path", FALSE);
      g_free (*(char **) field);
      *(char **) field = g_path_is_absolute (value) || g_str_equal (base_dir, ".")
        ? g_strdup (value) : g_build_filename (base_dir, value, NULL);
      return TRUE;
    case V_ON_TEMPERROR:
    case V_ON_FAIL:
    case V_ON_QUARANTINE:
      return parse_action (vsettings[k].kind, value, field, why);
    case V_FIELD_NAME:
      if (!field_name_ok (value, why))
        return FALSE;
      g_free (*(char **) field);
      *(char **) field = g_strdup (value);
      return TRUE;
    case V_DOMAINS:
      return parse_domains (value, field, why);
    case V_DMARC_STANDARD:
      if (g_str_equal (value, "rfc9989"))
        *(DkimmodDmarcStandard *) field = DKIMMOD_DMARC_RFC9989;
      else if (g_str_equal (value, "rfc7489"))
        *(DkimmodDmarcStandard *) field = DKIMMOD_DMARC_RFC7489;
      else
        return (*why = "must be rfc9989 or rfc7489", FALSE);
      return TRUE;
    default:
      return (*why = "internal error: unknown kind", FALSE);
    }
}

/* list_text - a libconfig array or list of strings S as "a,b,c", or
 * NULL with *why set */
static char *
list_text (const config_setting_t *s, const char **why)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (int i = 0; i < config_setting_length (s); i++)
    {
      const config_setting_t *e = config_setting_get_elem (s, (unsigned) i);

      if (config_setting_type (e) != CONFIG_TYPE_STRING)
        return (*why = "must be a list of domain strings", NULL);
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, config_setting_get_string (e));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* setting_text - S as text for set_value, or NULL with *why set */
static char *
setting_text (const config_setting_t *s, Kind kind, const char **why)
{
  int type = config_setting_type (s);

  if (type == CONFIG_TYPE_STRING)
    return g_strdup (config_setting_get_string (s));
  if ((type == CONFIG_TYPE_ARRAY || type == CONFIG_TYPE_LIST) && kind == V_DOMAINS)
    return list_text (s, why);
  if (type == CONFIG_TYPE_BOOL && kind == V_BOOL)
    return g_strdup (config_setting_get_bool (s) ? "yes" : "no");
  if ((type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
      && (kind == V_COUNT || kind == V_SECONDS || kind == V_DRIFT))
    {
      long long n = config_setting_get_int64 (s);

      if (n < 0)
        return (*why = "must not be negative", NULL);
      return g_strdup_printf ("%lld", n);
    }
  *why = kind == V_DOMAINS ? "must be a list of domain strings or one string"
    : kind == V_BOOL ? "must be true or false"
    : kind == V_COUNT ? "must be a number"
    : kind == V_SECONDS || kind == V_DRIFT ? "must be a number or a string" : "must be a string";
  return NULL;
}

/* read_one - one verifying.NAME setting S from the file */
static void
read_one (DkimmodConfig *cfg, const config_setting_t *s, DkimmodConfigDiag *diag)
{
  const char *name = config_setting_name (s), *why = NULL;
  int k = find_vsetting (name);
  g_autofree char *text = NULL;

  if (k < 0)
    {
      dkimmod_config_diag_add (diag, s, "verifying", name, "unknown setting");
      return;
    }
  if ((text = setting_text (s, vsettings[k].kind, &why)) == NULL)
    {
      dkimmod_config_diag_add (diag, s, "verifying", name, "%s", why);
      return;
    }
  if (!set_value (cfg, (guint) k, text, diag->include_dir ? diag->include_dir : ".", &why))
    {
      dkimmod_config_diag_add (diag, s, "verifying", name, "\"%s\": %s", text, why);
      return;
    }
  if (vsettings[k].kind == V_PATH)
    {
      g_free (cfg->key_file_origin);
      cfg->key_file_origin = dkimmod_config_diag_origin (diag, s);
    }
}

/**
 * dkimmod_config_read_verifying:
 * @cfg: the configuration being loaded
 * @group: the "verifying" group
 * @diag: the error collector
 */
void
dkimmod_config_read_verifying (DkimmodConfig *cfg, const config_setting_t *group,
                               DkimmodConfigDiag *diag)
{
  if (!config_setting_is_group (group))
    {
      dkimmod_config_diag_add (diag, group, "verifying", NULL, "must be a group { ... }");
      return;
    }
  for (int k = 0; k < config_setting_length (group); k++)
    read_one (cfg, config_setting_get_elem (group, k), diag);
}

/**
 * dkimmod_config_verify_override:
 * @cfg: a configuration
 * @name: a verifying setting name, without the "verifying." prefix
 * @value: its new value
 * @why: (out): the fault when the value is refused
 *
 * Returns: 1 when set, 0 when @value is refused, -1 when @name is not a
 * verifying setting.
 */
int
dkimmod_config_verify_override (DkimmodConfig *cfg, const char *name, const char *value,
                                const char **why)
{
  int k = find_vsetting (name);

  if (k < 0)
    return -1;
  if (!set_value (cfg, (guint) k, value, NULL, why))
    return 0;
  if (vsettings[k].kind == V_PATH)
    {
      g_free (cfg->key_file_origin);
      cfg->key_file_origin = g_strdup ("-o");
    }
  return 1;
}

/**
 * dkimmod_config_check_key_file_diag:
 * @cfg: a configuration
 * @diag: the error collector
 *
 * Loads verifying.key_file, when set, and reports why it cannot be used.
 */
void
dkimmod_config_check_key_file_diag (const DkimmodConfig *cfg, DkimmodConfigDiag *diag)
{
  DkimmodError err = { 0 };
  DkimmodKeyFile *kf;

  if (cfg->verify.key_file == NULL)
    return;
  kf = dkimmod_key_file_load (cfg->verify.key_file, &err);
  if (kf == NULL)
    dkimmod_config_diag_add_at (diag, cfg->key_file_origin ? cfg->key_file_origin : "(config)",
                                "verifying", "key_file", "%s%s%s",
                                strstr (err.message, cfg->verify.key_file) ? ""
                                : cfg->verify.key_file,
                                strstr (err.message, cfg->verify.key_file) ? "" : ": ",
                                err.message);
  dkimmod_key_file_free (kf);
}

/**
 * dkimmod_config_verifying:
 * @cfg: a configuration
 *
 * Returns: (transfer none): the verifying section with defaults and
 * overrides applied.
 */
const DkimmodVerifySettings *
dkimmod_config_verifying (const DkimmodConfig *cfg)
{
  g_return_val_if_fail (cfg != NULL, NULL);
  return &cfg->verify;
}

/**
 * dkimmod_config_verify_options:
 * @cfg: a configuration
 * @opts: (out caller-allocates): library options to fill
 *
 * Fills the module's DkimmodVerifyOptions from the verifying section.
 */
void
dkimmod_config_verify_options (const DkimmodConfig *cfg, DkimmodVerifyOptions *opts)
{
  g_return_if_fail (cfg != NULL && opts != NULL);
  dkimmod_verify_options_init (opts);
  opts->max_signatures = cfg->verify.max_signatures;
  opts->clock_drift = cfg->verify.clock_drift;
  opts->accept_rsa_sha1 = cfg->verify.accept_rsa_sha1 ? 1 : 0;
  opts->accept_body_length = cfg->verify.accept_body_length ? 1 : 0;
}

/**
 * dkimmod_config_auth_options:
 * @cfg: a configuration
 * @opts: (out caller-allocates): the aggregate's options to fill
 *
 * Fills the module's DkimmodAuthOptions from the verifying section, for
 * the filter and `dkimmod verify` alike; the override lists point into
 * @cfg.
 */
void
dkimmod_config_auth_options (const DkimmodConfig *cfg, DkimmodAuthOptions *opts)
{
  g_return_if_fail (cfg != NULL && opts != NULL);
  dkimmod_auth_options_init (opts);
  dkimmod_config_verify_options (cfg, &opts->dkim);
  opts->methods = DKIMMOD_AUTH_DKIM | (cfg->verify.spf ? DKIMMOD_AUTH_SPF : 0)
                  | (cfg->verify.dmarc ? DKIMMOD_AUTH_DMARC : 0)
                  | (cfg->verify.arc ? DKIMMOD_AUTH_ARC : 0);
  opts->dmarc_standard = cfg->verify.dmarc_standard;
  opts->dmarc_allow_domains = (const char *const *) cfg->verify.dmarc_override_domains;
  opts->dmarc_trusted_sealers = (const char *const *) cfg->verify.dmarc_override_arc_sealers;
}
