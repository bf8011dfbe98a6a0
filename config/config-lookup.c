/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-lookup.c - which signatures for this sender?
 * SYNOPSIS
 *	dkimmod_config_lookup, dkimmod_config_lookup_full,
 *	dkimmod_config_lookup_checked,
 *	dkimmod_config_signature_free, dkimmod_config_signature_to_spec
 * DESCRIPTION
 *	The sender's domain is first converted to A-labels
 *	(config-idna.c), so "user@bücher.example" is looked up, and fills
 *	$sender and $senderdomain, as "user@xn--bcher-kva.example".
 *
 *	DKIMproxy's sender_map order, case-insensitive: for
 *	"jason+extra@Sub.Long.Name" the keys tried are
 *	jason+extra@sub.long.name, jason@sub.long.name (only when the local
 *	part has a '+'), sub.long.name, long.name, name (DKIMproxy tries the
 *	top-level domain too; it is harmless), then ".". The first key
 *	present wins: the most specific entry. Each probe is one hash
 *	lookup, so the cost grows with the labels of the sender, never with
 *	the number of entries. With signing.sender_map_dir, each key not in
 *	the main file is also looked for as a file KEY.conf there
 *	(config-mapdir.c).
 *
 *	The signatures of the entry are copied with $sender, $senderdomain
 *	and $$ expanded. Because the sender comes from the message, the
 *	results are checked again: d= must be a domain name, i= must lie
 *	within d=, and a key path may only be built from a sender domain
 *	that is a domain name. A signature that fails is left out, and
 *	dkimmod_config_lookup_full() says which and why, for the log.
 * STANDARDS
 *	RFC 6376 section 3.5 (d=, i=).
 * SECURITY
 *	The sender is untrusted. At most MAPDIR_CACHE_MAX sender_map_dir
 *	misses are remembered, so a long-lived host cannot be made to grow
 *	without bound. The sender is lower-cased, used as a hash key and
 *	substituted only into values that are then checked; a key path gets
 *	a sender domain only after dkimmod_config_check_domain() (no '/',
 *	no ".."). Text quoted from it in the report is made printable and
 *	truncated.
 * NEVER
 *	Scan the entries one by one, or return a signature whose expanded
 *	d=, i= or key path was not checked.
 */
#include "config-private.h"

#include <string.h>

/* Longest piece of sender text quoted in a report. */
#define QUOTE_MAX 100
/* sender_map_dir keys remembered per process; beyond, misses are not cached. */
#define MAPDIR_CACHE_MAX 4096u

/* printable - VALUE truncated, with bytes outside printable ASCII as '?' */
static char *
printable (const char *value)
{
  gsize len = MIN (strlen (value), QUOTE_MAX);
  char *out = g_strndup (value, len);

  for (char *p = out; *p; p++)
    if (*p < 0x20 || *p >= 0x7f)
      *p = '?';
  return out;
}

/* report - notes in DROPPED why the signature of T was left out */
static void
report (GString *dropped, const DkimmodConfigTemplate *t, const char *field, const char *value,
        const char *why)
{
  g_autofree char *shown = printable (value);

  if (dropped == NULL)
    return;
  if (dropped->len)
    g_string_append_c (dropped, '\n');
  g_string_append_printf (dropped, "%s: %s.%s: expands to \"%s\": %s", t->sig.origin, t->setting,
                          field, shown, why);
}

/* expand - T for SENDER (lower case) in SENDERDOMAIN, or NULL if invalid */
static DkimmodConfigSignature *
expand (const DkimmodConfigTemplate *t, const char *sender, const char *senderdomain,
        GString *dropped)
{
  g_autoptr (DkimmodConfigSignature) sig = g_new0 (DkimmodConfigSignature, 1);
  const char *why;

  *sig = t->sig;
  sig->domain = t->macros_d ? dkimmod_config_macro_expand (t->sig.domain, sender, senderdomain)
                            : g_strdup (t->sig.domain);
  sig->identity = t->macros_i ? dkimmod_config_macro_expand (t->sig.identity, sender, senderdomain)
                              : g_strdup (t->sig.identity);
  sig->selector = g_strdup (t->sig.selector);
  sig->key_path = NULL;
  sig->headers = g_strdup (t->sig.headers);
  sig->oversign = g_strdup (t->sig.oversign);
  sig->origin = g_strdup (t->sig.origin);
  if (t->macros_d && !dkimmod_config_check_domain (sig->domain, 2, &why))
    return (report (dropped, t, "d", sig->domain, why), NULL);
  if (sig->identity && (t->macros_i || t->macros_d)
      && !dkimmod_config_check_identity (sig->identity, sig->domain, &why))
    return (report (dropped, t, "i", sig->identity, why), NULL);
  if (t->macros_key && !dkimmod_config_check_domain (senderdomain, 1, &why))
    return (report (dropped, t, "key", senderdomain, why), NULL);
  sig->key_path = t->macros_key
                  ? dkimmod_config_macro_expand (t->sig.key_path, sender, senderdomain)
                  : g_strdup (t->sig.key_path);
  return g_steal_pointer (&sig);
}

/* probe - the entry for KEY: the main file's, else KEY.conf of the
 * sender_map_dir (read once, absent files remembered). FALSE when there
 * is none; TRUE with *out NULL and BROKEN filled when the file is bad */
static gboolean
probe (const DkimmodConfig *cfg, const char *key, const DkimmodConfigEntry **out,
       GString *broken)
{
  /* The cache is the only state a lookup changes; see "THREADS" in config-load.h. */
  DkimmodConfig *mut = (DkimmodConfig *) cfg;
  g_autoptr (GString) text = NULL;
  DkimmodConfigDiag diag = { 0 };
  DkimmodConfigEntry *entry;
  gpointer cached;

  if ((*out = g_hash_table_lookup (cfg->index, key)))
    return TRUE;
  if (cfg->map_dir == NULL || !dkimmod_config_mapdir_name_ok (key))
    return FALSE;
  if (g_hash_table_lookup_extended (cfg->dir_cache, key, NULL, &cached))
    return (*out = cached) != NULL;
  text = g_string_new (NULL);
  diag = (DkimmodConfigDiag) { .text = text, .main_path = cfg->path,
                               .include_dir = cfg->include_dir };
  switch (dkimmod_config_mapdir_read (mut, key, &diag, &entry))
    {
    case DKIMMOD_MAPDIR_ABSENT:
      /* senders are chosen by strangers: remember only so many misses */
      if (g_hash_table_size (mut->dir_cache) < MAPDIR_CACHE_MAX)
        g_hash_table_insert (mut->dir_cache, g_strdup (key), NULL);
      return FALSE;
    case DKIMMOD_MAPDIR_FOUND:
      g_hash_table_insert (mut->dir_cache, g_strdup (key), entry);
      *out = entry;
      return TRUE;
    default:
      if (text->len && text->str[text->len - 1] == '\n')
        g_string_truncate (text, text->len - 1);
      g_string_append (broken, text->str);
      return TRUE;
    }
}

/* chain - the keys a lookup of LOW (a lower-case sender, AT its last
 * '@' or NULL) tries, most specific first: the address, the address
 * without +extension, the domain, each parent domain, "." */
static GPtrArray *
chain (const char *low, const char *at)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  const char *dom = at ? at + 1 : low;
  const char *plus = at ? memchr (low, '+', at - low) : NULL;

  if (at)
    g_ptr_array_add (keys, g_strdup (low));
  if (plus)
    g_ptr_array_add (keys, g_strdup_printf ("%.*s%s", (int) (plus - low), low, at));
  for (const char *p = dom; *p;)
    {
      const char *dot = strchr (p, '.');

      g_ptr_array_add (keys, g_strdup (p));
      if (dot == NULL)
        break;
      p = dot + 1;
    }
  g_ptr_array_add (keys, g_strdup ("."));
  return keys;
}

/* find_entry - the most specific entry for LOW (a lower-case sender), in
 * *OUT; FALSE when none matched, TRUE with *OUT NULL if a file is bad */
static gboolean
find_entry (const DkimmodConfig *cfg, const char *low, const char *at,
            const DkimmodConfigEntry **out, GString *broken)
{
  g_autoptr (GPtrArray) keys = chain (low, at);

  for (guint i = 0; i + 1 < keys->len; i++)
    if (probe (cfg, g_ptr_array_index (keys, i), out, broken))
      return TRUE;
  /* "." is never a sender_map_dir file */
  return (*out = g_hash_table_lookup (cfg->index, ".")) != NULL;
}

/**
 * dkimmod_config_lookup_chain:
 * @sender: the sender address or domain
 *
 * Returns: (transfer full) (nullable): the sender_map keys a lookup of
 * @sender tries, in order (free with g_ptr_array_unref); NULL when its
 * domain has no A-label form.
 */
GPtrArray *
dkimmod_config_lookup_chain (const char *sender)
{
  const char *why = NULL;
  g_autofree char *low = dkimmod_config_sender_to_ascii (sender, &why);

  return low ? chain (low, strrchr (low, '@')) : NULL;
}

/**
 * dkimmod_config_entry_origin:
 * @cfg: a configuration
 * @key: a sender_map key, as dkimmod_config_lookup_chain gives it
 *
 * Returns: (transfer none) (nullable): "FILE:LINE" of the entry for @key
 * (from the main file or its sender_map_dir file), or NULL when none.
 */
const char *
dkimmod_config_entry_origin (const DkimmodConfig *cfg, const char *key)
{
  const DkimmodConfigEntry *e = NULL;
  g_autoptr (GString) broken = g_string_new (NULL);

  if (strcmp (key, ".") == 0)
    e = g_hash_table_lookup (cfg->index, ".");
  else if (!probe (cfg, key, &e, broken))
    e = NULL;
  return e ? e->origin : NULL;
}

/**
 * dkimmod_config_lookup_checked:
 * @cfg: a configuration
 * @sender: (nullable): the sender address or domain (case-insensitive)
 * @matched: (out) (optional) (transfer none): the sender_map key that
 *   matched, owned by @cfg; NULL when none did
 * @dropped: (out) (optional) (transfer full): when signatures of the
 *   matched entry were left out because their expansion for @sender is
 *   invalid, one line each "FILE:LINE: SETTING: expands to "...": why";
 *   when the sender's domain has no A-label form, that reason (and NULL
 *   is returned); NULL otherwise
 * @error: return location for a DKIMMOD_CONFIG_ERROR_INVALID error when
 *   the sender_map_dir file of the best key cannot be read or is invalid
 *   (the caller should answer 4xx, as for an unreadable key)
 *
 * Returns: (transfer full) (nullable): the DkimmodConfigSignature list
 * (free with g_ptr_array_unref), or NULL when nothing matched, every
 * signature was left out, or @error is set.
 */
GPtrArray *
dkimmod_config_lookup_checked (const DkimmodConfig *cfg, const char *sender, const char **matched,
                               char **dropped, GError **error)
{
  const char *idn_why = NULL;
  g_autofree char *low = dkimmod_config_sender_to_ascii (sender, &idn_why);
  const char *at = low ? strrchr (low, '@') : NULL;
  const DkimmodConfigEntry *e = NULL;
  g_autoptr (GString) why = g_string_new (NULL);
  g_autoptr (GString) broken = g_string_new (NULL);
  g_autoptr (GPtrArray) out = NULL;

  g_return_val_if_fail (cfg != NULL, NULL);
  if (matched)
    *matched = NULL;
  if (dropped)
    *dropped = NULL;
  if (low == NULL)
    {
      /* no entry, not even ".", may sign for a domain that has no A-label */
      if (dropped)
        {
          g_autofree char *shown = printable (sender);

          *dropped = g_strdup_printf ("sender <%s>: not an internationalized domain name: %s",
                                      shown, idn_why);
        }
      return NULL;
    }
  if (!find_entry (cfg, low, at, &e, broken))
    return NULL;
  if (e == NULL)
    {
      g_set_error_literal (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID, broken->str);
      return NULL;
    }
  if (matched)
    *matched = e->sender;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_config_signature_free);
  for (guint k = 0; k < e->sigs->len; k++)
    {
      DkimmodConfigSignature *sig = expand (e->sigs->pdata[k], low, at ? at + 1 : low, why);

      if (sig)
        g_ptr_array_add (out, sig);
    }
  if (dropped && why->len)
    *dropped = g_strdup (why->str);
  return out->len ? g_steal_pointer (&out) : NULL;
}

/**
 * dkimmod_config_lookup_full:
 * @cfg: a configuration
 * @sender: (nullable): the sender address or domain
 * @matched: (out) (optional) (transfer none): the key that matched
 * @dropped: (out) (optional) (transfer full): why signatures were left
 *   out, or why the sender_map_dir file of the best key is unusable
 *
 * As dkimmod_config_lookup_checked(), with a bad sender_map_dir file
 * reported in @dropped (and no signature returned) instead of an error.
 *
 * Returns: (transfer full) (nullable): the signatures, or NULL.
 */
GPtrArray *
dkimmod_config_lookup_full (const DkimmodConfig *cfg, const char *sender, const char **matched,
                            char **dropped)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *sigs = dkimmod_config_lookup_checked (cfg, sender, matched, dropped, &error);

  if (error && dropped)
    *dropped = g_strdup (error->message);
  return sigs;
}

/**
 * dkimmod_config_lookup:
 * @cfg: a configuration
 * @sender: (nullable): the sender address or domain
 * @matched: (out) (optional) (transfer none): the key that matched
 *
 * As dkimmod_config_lookup_full() without the report of left-out
 * signatures.
 *
 * Returns: (transfer full) (nullable): the signatures, or NULL.
 */
GPtrArray *
dkimmod_config_lookup (const DkimmodConfig *cfg, const char *sender, const char **matched)
{
  return dkimmod_config_lookup_full (cfg, sender, matched, NULL);
}

/**
 * dkimmod_config_signature_free:
 * @sig: (transfer full) (nullable): a signature from a lookup
 */
void
dkimmod_config_signature_free (DkimmodConfigSignature *sig)
{
  if (sig == NULL)
    return;
  g_free (sig->domain);
  g_free (sig->selector);
  g_free (sig->identity);
  g_free (sig->key_path);
  g_free (sig->headers);
  g_free (sig->oversign);
  g_free (sig->origin);
  g_free (sig);
}

/**
 * dkimmod_config_signature_to_spec:
 * @sig: a signature from a lookup
 * @key: (transfer none): its loaded key
 * @spec: (out caller-allocates): the spec to fill; it borrows from @sig
 */
void
dkimmod_config_signature_to_spec (const DkimmodConfigSignature *sig, DkimmodKey *key,
                                  DkimmodSignSpec *spec)
{
  g_return_if_fail (sig != NULL && spec != NULL);
  dkimmod_sign_spec_init (spec);
  spec->domain = sig->domain;
  spec->selector = sig->selector;
  spec->identity = sig->identity;
  spec->algorithm = sig->algorithm;
  spec->header_canon = sig->header_canon;
  spec->body_canon = sig->body_canon;
  spec->headers = sig->headers;
  spec->oversign = sig->oversign;
  spec->expire_after = sig->expire_after;
  spec->key = key;
}
