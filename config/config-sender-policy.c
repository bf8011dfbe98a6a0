/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-sender-policy.c - sign only for a sender domain the envelope speaks for
 * SYNOPSIS
 *	dkimmod_config_read_sender_policy, dkimmod_config_sender_policy_allows,
 *	dkimmod_config_sender_policy_clear
 * DESCRIPTION
 *	signing.match_envelope_sender = true makes the signer refuse a message
 *	whose signing address (the one that selects the sender_map entry: the
 *	From field by default) has a domain other than the envelope sender's
 *	domain, unless signing.envelope_sender_aliases lets that envelope
 *	domain speak for it:
 *
 *	  envelope_sender_aliases = (
 *	    { envelope = "example.net"; from = [ "example.org" ]; },
 *	    { envelope = "<>"; from = [ "mx.example.net" ]; }   # bounces
 *	  );
 *
 *	Postfix ties the envelope sender to the SASL login
 *	(reject_sender_login_mismatch with smtpd_sender_login_maps); this
 *	ties the signing domain to the envelope, so an authenticated user of
 *	one hosted domain cannot get a signature that aligns with another
 *	domain's From (DMARC, RFC 7489 section 3.1). "<>" stands for the null
 *	envelope sender of bounces and delivery status notifications, whose
 *	From is MAILER-DAEMON@$myorigin.
 *
 *	Domains are compared exactly (no parent or subdomain matching), case
 *	folded, as A-labels (dkimmod_config_sender_to_ascii), on both sides.
 * STANDARDS
 *	RFC 5321 section 4.1.2 (the null reverse-path), RFC 7489 section 3.1
 *	(identifier alignment).
 * NEVER
 *	Sign when the envelope domain cannot be read: a policy that is on
 *	and cannot decide says "do not sign".
 */
#include "config-private.h"

#include <string.h>

/* The envelope key of the null sender. */
#define NULL_SENDER "<>"

/* domain_of - the domain of an address (or the whole string), A-labels,
 * lower case; "<>" for the empty address; NULL if not a valid domain */
static char *
domain_of (const char *address, const char **why)
{
  g_autofree char *ascii = NULL;
  const char *at;

  if (address == NULL || address[0] == '\0')
    return g_strdup (NULL_SENDER);
  ascii = dkimmod_config_sender_to_ascii (address, why);
  if (ascii == NULL)
    return NULL;
  at = strrchr (ascii, '@');
  return g_strdup (at ? at + 1 : ascii);
}

/* alias_domain - a domain written in an alias (no '@'), as domain_of
 * gives it; NULL with *WHY (may stay NULL) when it is not one */
static char *
alias_domain (const char *text, const char **why)
{
  *why = NULL;
  if (text == NULL || strchr (text, '@') != NULL || !dkimmod_config_check_domain (text, 1, why))
    return NULL;
  return domain_of (text, why);
}

/* read_alias - one { envelope = "..."; from = [ ... ]; } group */
static void
read_alias (DkimmodConfig *cfg, const config_setting_t *g, const char *path,
            DkimmodConfigDiag *diag)
{
  const config_setting_t *env = NULL, *from = NULL;
  const char *env_text, *why = NULL;
  g_autofree char *env_key = NULL;
  GPtrArray *list;

  if (!config_setting_is_group (g))
    {
      dkimmod_config_diag_add (diag, g, path, NULL,
                               "must be a group { envelope = \"DOMAIN\"; from = [ ... ]; }");
      return;
    }
  for (int k = 0; k < config_setting_length (g); k++)
    {
      const config_setting_t *s = config_setting_get_elem (g, k);
      const char *name = config_setting_name (s);

      if (g_str_equal (name, "envelope"))
        env = s;
      else if (g_str_equal (name, "from"))
        from = s;
      else
        dkimmod_config_diag_add (diag, s, path, name, "unknown setting (expected envelope, from)");
    }
  if (env == NULL || from == NULL)
    {
      dkimmod_config_diag_add (diag, g, path, env == NULL ? "envelope" : "from", "is missing");
      return;
    }
  env_text = config_setting_get_string (env);
  if (env_text != NULL && g_str_equal (env_text, NULL_SENDER))
    env_key = g_strdup (NULL_SENDER);
  else if ((env_key = alias_domain (env_text, &why)) == NULL)
    {
      dkimmod_config_diag_add (diag, env, path, "envelope", "must be a domain or \"<>\"%s%s",
                               why ? ": " : "", why ? why : "");
      return;
    }
  if (!config_setting_is_aggregate (from) && config_setting_type (from) != CONFIG_TYPE_STRING)
    {
      dkimmod_config_diag_add (diag, from, path, "from", "must be a domain or a list of domains");
      return;
    }
  list = g_hash_table_lookup (cfg->envelope_aliases, env_key);
  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (cfg->envelope_aliases, g_strdup (env_key), list);
    }
  for (int k = 0; k < (config_setting_is_aggregate (from) ? config_setting_length (from) : 1); k++)
    {
      const config_setting_t *d = config_setting_is_aggregate (from)
                                      ? config_setting_get_elem (from, k) : from;
      const char *text = config_setting_get_string (d);
      char *dom = alias_domain (text, &why);

      if (dom == NULL)
        {
          dkimmod_config_diag_add (diag, d, path, "from", "must be a domain%s%s",
                                   why ? ": " : "", why ? why : "");
          continue;
        }
      g_ptr_array_add (list, dom);
    }
}

/**
 * dkimmod_config_read_sender_policy:
 * @cfg: the configuration being loaded
 * @s: signing.match_envelope_sender or signing.envelope_sender_aliases
 * @diag: the error collector
 *
 * Returns: TRUE if @s is one of the two settings (read, faults to @diag).
 */
gboolean
dkimmod_config_read_sender_policy (DkimmodConfig *cfg, const config_setting_t *s,
                                   DkimmodConfigDiag *diag)
{
  const char *name = config_setting_name (s);

  if (g_str_equal (name, "match_envelope_sender"))
    {
      const char *text = config_setting_get_string (s);

      if (config_setting_type (s) == CONFIG_TYPE_BOOL)
        cfg->match_envelope_sender = config_setting_get_bool (s);
      else if (text == NULL || !dkimmod_config_parse_bool (text, &cfg->match_envelope_sender))
        dkimmod_config_diag_add (diag, s, "signing", name, "must be true or false");
      return TRUE;
    }
  if (g_str_equal (name, "envelope_sender_aliases"))
    {
      if (!config_setting_is_list (s))
        {
          dkimmod_config_diag_add (diag, s, "signing", name,
                                   "must be a list ( { envelope = ...; from = [ ... ]; }, ... )");
          return TRUE;
        }
      if (cfg->envelope_aliases == NULL)
        cfg->envelope_aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) g_ptr_array_unref);
      for (int k = 0; k < config_setting_length (s); k++)
        {
          g_autofree char *path = g_strdup_printf ("signing.envelope_sender_aliases[%d]", k);

          read_alias (cfg, config_setting_get_elem (s, k), path, diag);
        }
      return TRUE;
    }
  return FALSE;
}

/**
 * dkimmod_config_sender_policy_allows:
 * @cfg: the configuration
 * @sender: the signing address (or domain) that selected the entry
 * @envelope: (nullable): the envelope sender as received; "" or NULL is <>
 * @why: (out) (optional): when not allowed, the reason for the log
 *
 * Returns: TRUE when match_envelope_sender is off, or the domain of
 * @sender is the envelope sender's domain or one of its aliases.
 */
gboolean
dkimmod_config_sender_policy_allows (const DkimmodConfig *cfg, const char *sender,
                                     const char *envelope, char **why)
{
  g_autofree char *from_dom = NULL;
  g_autofree char *env_dom = NULL;
  const char *bad = NULL;
  GPtrArray *aliases;

  if (!cfg->match_envelope_sender)
    return TRUE;
  from_dom = domain_of (sender, &bad);
  env_dom = domain_of (envelope, &bad);
  if (from_dom == NULL || env_dom == NULL)
    {
      if (why)
        *why = g_strdup_printf ("match_envelope_sender: %s domain is not valid: %s",
                                from_dom == NULL ? "sender" : "envelope sender", bad);
      return FALSE;
    }
  if (g_str_equal (from_dom, env_dom))
    return TRUE;
  aliases = cfg->envelope_aliases ? g_hash_table_lookup (cfg->envelope_aliases, env_dom) : NULL;
  for (guint i = 0; aliases != NULL && i < aliases->len; i++)
    if (g_str_equal (aliases->pdata[i], from_dom))
      return TRUE;
  if (why && g_str_equal (env_dom, NULL_SENDER))
    *why = g_strdup_printf ("match_envelope_sender: sender domain %s is not among the "
                            "envelope_sender_aliases of the null envelope sender <>", from_dom);
  else if (why)
    *why = g_strdup_printf ("match_envelope_sender: sender domain %s is not the envelope "
                            "sender's domain %s%s", from_dom, env_dom,
                            aliases ? " nor one of its envelope_sender_aliases" : "");
  return FALSE;
}

/**
 * dkimmod_config_sender_policy_clear:
 * @cfg: the configuration whose policy to free
 */
void
dkimmod_config_sender_policy_clear (DkimmodConfig *cfg)
{
  g_clear_pointer (&cfg->envelope_aliases, g_hash_table_unref);
}
