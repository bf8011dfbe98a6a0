/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	import-dkimproxy.c - dkimproxy.out's sender_map and conf file to the model
 * SYNOPSIS
 *	dkimmod_import_dkimproxy
 * DESCRIPTION
 *	Reads the two files the way dkimproxy.out 1.4 did, so the result
 *	signs what DKIMproxy signed, with the same d=, s= and key:
 *	- the conf file: "name value" (or name=value, name: value) lines,
 *	  '#' comments; domain, keyfile, selector, method, dkim_method,
 *	  identity and the repeatable signature lines are used;
 *	- the sender_map: lines "KEY SIGSPEC[, SIGSPEC...]", '#' and ';'
 *	  comments; a line starting with whitespace was ignored, a key with
 *	  upper-case letters never matched, the last of two equal keys won;
 *	- signature options not given fell back to keyfile, selector, the
 *	  method (relaxed) and identity; d= to the matched key without its
 *	  local@ part, which is also dkimmod's default;
 *	- a map hit replaced the default signatures (the signature lines,
 *	  with domain: one domain signs every sender, a list only senders in
 *	  those domains), so those become a "." entry or one entry per
 *	  listed domain, left out where a map entry always won.
 *	Where DKIMproxy was unsafe the output differs and a warning says so:
 *	no a= meant rsa-sha1 (we leave a= out, so an RSA key signs
 *	rsa-sha256), domainkeys signatures
 *	are dropped, upper-case keys now match.
 * STANDARDS
 *	RFC 8301 section 3.1 (rsa-sha1 must not be used for signing).
 * DIAGNOSTICS
 *	Warnings through dkimmod_import_warn; an error for a signature that
 *	DKIMproxy could never have made (no selector, no key, "." without d=,
 *	an unknown macro).
 * SEE ALSO
 *	DKIMproxy's dkimproxy.out(8) (--conf_file, --sender_map, --keyfile,
 *	--selector, --method, --signature) and docs/migration.md.
 */
#include <string.h>

#include "import.h"

/* The conf file options that matter for signing. */
typedef struct
{
  char *domain, *keyfile, *selector, *method, *identity;
  GPtrArray *signatures; /* "dkim(...)" strings */
  GArray *signature_lines;
  char *path;
  /* lines whose signatures DKIMproxy made with rsa-sha1 unasked: [0] in
   * the sender_map, [1] in the signature lines of PATH */
  GString **default_sha1;
} ProxyConf;

/* One sender_map line kept for output. */
typedef struct
{
  guint line;
  char *key;  /* as written */
  char *rhs;
} MapLine;

static void
map_line_free (gpointer data)
{
  MapLine *m = data;

  g_free (m->key);
  g_free (m->rhs);
  g_free (m);
}

static void
proxy_conf_clear (ProxyConf *pc)
{
  g_free (pc->domain);
  g_free (pc->keyfile);
  g_free (pc->selector);
  g_free (pc->method);
  g_free (pc->identity);
  g_ptr_array_unref (pc->signatures);
  g_array_unref (pc->signature_lines);
}

/* split_commas - DKIMproxy's split_by_commas: commas inside () do not split */
static GPtrArray *
split_commas (const char *text)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  const char *start = text;
  int depth = 0;

  for (const char *p = text;; p++)
    {
      if (*p == '(')
        depth++;
      else if (*p == ')' && depth > 0)
        depth--;
      else if ((*p == ',' && depth == 0) || *p == '\0')
        {
          char *item = g_strstrip (g_strndup (start, (gsize) (p - start)));

          if (*item != '\0')
            g_ptr_array_add (parts, item);
          else
            g_free (item);
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }
  return parts;
}

/* canonical_option - the dkimmod name of a DKIMproxy option, or NULL */
static const char *
canonical_option (const char *name)
{
  static const char *const names[][2] = {
    { "key", "key" }, { "keyfile", "key" }, { "s", "s" }, { "selector", "s" },
    { "d", "d" }, { "domain", "d" }, { "c", "c" }, { "method", "c" },
    { "a", "a" }, { "algorithm", "a" }, { "h", "h" }, { "headers", "h" },
    { "i", "i" }, { "identity", "i" },
  };

  for (gsize k = 0; k < G_N_ELEMENTS (names); k++)
    if (strcmp (name, names[k][0]) == 0)
      return names[k][1];
  return NULL;
}

/* sig_field - the slot of ImportSig for canonical NAME */
static char **
sig_field (ImportSig *sig, const char *name)
{
  switch (name[0])
    {
    case 's': return &sig->s;
    case 'd': return &sig->d;
    case 'c': return &sig->c;
    case 'a': return &sig->a;
    case 'h': return &sig->h;
    case 'i': return &sig->i;
    default: return &sig->key;
    }
}

/* parse_options - "s=sel,key=/k" into SIG; unknown names are warned about */
static void
parse_options (ImportConf *conf, const char *file, guint line, const char *opts, ImportSig *sig)
{
  g_auto (GStrv) items = g_strsplit (opts, ",", -1);

  for (guint k = 0; items[k] != NULL; k++)
    {
      char *item = g_strstrip (items[k]);
      char *eq = strchr (item, '=');
      const char *name;

      if (*item == '\0')
        continue;
      if (eq != NULL)
        *eq = '\0';
      name = canonical_option (item);
      if (name == NULL || eq == NULL)
        {
          dkimmod_import_warn (conf, file, line, "signature option \"%s\" ignored "
                               "(DKIMproxy ignored it too)", item);
          continue;
        }
      g_free (*sig_field (sig, name));
      *sig_field (sig, name) = g_strdup (eq + 1);
    }
}

/* parse_sigspec - one "dkim(...)"; NULL for domainkeys and other types */
static ImportSig *
parse_sigspec (ImportConf *conf, const char *file, guint line, const char *spec, GError **error)
{
  g_autoptr (ImportSig) sig = dkimmod_import_sig_new ();
  const char *open = strchr (spec, '(');
  gsize tlen = open != NULL ? (gsize) (open - spec) : strlen (spec);
  g_autofree char *type = g_strstrip (g_strndup (spec, tlen));

  if (open != NULL && spec[strlen (spec) - 1] != ')')
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s:%u: invalid signature specifier \"%s\" (DKIMproxy refused it too)",
                   file, line, spec);
      return NULL;
    }
  if (g_ascii_strcasecmp (type, "domainkeys") == 0)
    {
      dkimmod_import_warn (conf, file, line, "domainkeys signature dropped: DomainKeys "
                           "(RFC 4870) is historic and no verifier checks it");
      return NULL;
    }
  if (strcmp (type, "dkim") != 0)
    {
      dkimmod_import_warn (conf, file, line, "signature type \"%s\" dropped: DKIMproxy "
                           "failed on it at signing time and sent the mail unsigned", type);
      return NULL;
    }
  if (open != NULL)
    {
      g_autofree char *opts = g_strndup (open + 1, strlen (open + 1) - 1);

      parse_options (conf, file, line, opts, sig);
    }
  return g_steal_pointer (&sig);
}

/* expand_macros - DKIMproxy's $key and $keydomain become KEY's text; $sender,
 * $senderdomain and $$ stay (dkimmod knows them). FALSE for others. */
static gboolean
expand_macros (char **value, const char *key, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const char *at = strchr (key, '@');

  for (const char *p = *value; *p != '\0'; p++)
    {
      static const char *const kept[] = { "$senderdomain", "$sender", "$$" };
      gboolean done = FALSE;

      if (*p != '$')
        {
          g_string_append_c (out, *p);
          continue;
        }
      for (gsize k = 0; k < G_N_ELEMENTS (kept) && !done; k++)
        if (g_str_has_prefix (p, kept[k]))
          {
            g_string_append (out, kept[k]);
            p += strlen (kept[k]) - 1;
            done = TRUE;
          }
      if (!done && g_str_has_prefix (p, "$keydomain"))
        {
          g_string_append (out, at != NULL ? at + 1 : key);
          p += strlen ("$keydomain") - 1;
        }
      else if (!done && g_str_has_prefix (p, "$key"))
        {
          g_string_append (out, key);
          p += strlen ("$key") - 1;
        }
      else if (!done)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "unknown macro in \"%s\" (DKIMproxy failed on it at signing time)", *value);
          return FALSE;
        }
    }
  g_free (*value);
  *value = g_string_free (g_steal_pointer (&out), FALSE);
  return TRUE;
}

/* escape_dollars - a key path is literal in DKIMproxy; dkimmod expands '$' */
static void
escape_dollars (char **value)
{
  g_auto (GStrv) parts = NULL;

  if (*value == NULL || strchr (*value, '$') == NULL)
    return;
  parts = g_strsplit (*value, "$", -1);
  g_free (*value);
  *value = g_strjoinv ("$$", parts);
}

/* fix_algorithm - rsa-sha1 (explicit or DKIMproxy's default) becomes
 * rsa-sha256 through the defaults; other names are kept */
static void
fix_algorithm (ImportConf *conf, const char *file, guint line, ImportSig *sig)
{
  if (sig->a != NULL && g_ascii_strcasecmp (sig->a, "rsa-sha1") == 0)
    {
      dkimmod_import_warn (conf, file, line, "a=rsa-sha1 becomes rsa-sha256 (RFC 8301: "
                           "rsa-sha1 must not be used for signing)");
      g_free (sig->a);
      sig->a = g_strdup ("rsa-sha256");
    }
  if (sig->c != NULL && g_ascii_strcasecmp (sig->c, "nowsp") == 0)
    {
      dkimmod_import_warn (conf, file, line, "c=nowsp (a draft canonicalization) becomes relaxed");
      g_free (sig->c);
      sig->c = g_strdup ("relaxed");
    }
}

/* finish_sig - fallbacks, macros and the checks DKIMproxy failed on */
static gboolean
finish_sig (ImportConf *conf, const ProxyConf *pc, const char *file, guint line,
            const char *key, ImportSig *sig, GError **error)
{
  GError *local = NULL;

  if (sig->a == NULL)
    g_string_append_printf (pc->default_sha1[file == pc->path], ", %u", line);
  fix_algorithm (conf, file, line, sig);
  if (sig->i == NULL && pc->identity != NULL)
    sig->i = g_strdup (pc->identity);
  if ((sig->d != NULL && !expand_macros (&sig->d, key, &local))
      || (sig->i != NULL && !expand_macros (&sig->i, key, &local)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: %s", file, line, local->message);
      g_error_free (local);
      return FALSE;
    }
  escape_dollars (&sig->key);
  if (sig->s == NULL && pc->selector == NULL)
    return g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: no selector (s=) and "
                        "no selector option: DKIMproxy wrote signatures without s= here, which no "
                        "verifier accepts; add s=", file, line), FALSE;
  if (sig->key == NULL && pc->keyfile == NULL)
    return g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: no key= and no keyfile "
                        "option: DKIMproxy could not sign here", file, line), FALSE;
  if (sig->h != NULL)
    dkimmod_import_warn (conf, file, line, "h=%s: DKIMproxy ignored it and signed its default "
                         "list; dkimmod uses it", sig->h);
  if (sig->key != NULL && !g_path_is_absolute (sig->key))
    dkimmod_import_warn (conf, file, line, "key %s is relative: dkimmod takes it from the "
                         "directory of dkimmod.conf, DKIMproxy from its working directory",
                         sig->key);
  return TRUE;
}

/* parse_rhs - all signatures of a map line or of the signature lines */
static GPtrArray *
parse_rhs (ImportConf *conf, const ProxyConf *pc, const char *file, guint line,
           const char *key, const char *rhs, GError **error)
{
  g_autoptr (GPtrArray) items = split_commas (rhs);
  g_autoptr (GPtrArray) sigs = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_import_sig_free);

  for (guint k = 0; k < items->len; k++)
    {
      GError *local = NULL;
      ImportSig *sig = parse_sigspec (conf, file, line, g_ptr_array_index (items, k), &local);

      if (local != NULL)
        return g_propagate_error (error, local), NULL;
      if (sig == NULL)
        continue;
      g_ptr_array_add (sigs, sig);
      if (!finish_sig (conf, pc, file, line, key, sig, error))
        return NULL;
    }
  return g_steal_pointer (&sigs);
}

/* conf_line - one "name value" line of dkimproxy_out.conf into PC */
static void
conf_line (ImportConf *conf, ProxyConf *pc, guint line, const char *text)
{
  g_autoptr (GRegex) re = g_regex_new ("^\\s*(?:--)?(\\w+)(?:\\s*[=:]\\s*|\\s+)(.+)$", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  g_autofree char *name = NULL, *value = NULL;
  char **slot = NULL;

  if (!g_regex_match (re, text, 0, &m))
    return;
  name = g_match_info_fetch (m, 1);
  value = g_strstrip (g_match_info_fetch (m, 2));
  if (strcmp (name, "domain") == 0) slot = &pc->domain;
  else if (strcmp (name, "keyfile") == 0) slot = &pc->keyfile;
  else if (strcmp (name, "selector") == 0) slot = &pc->selector;
  else if (strcmp (name, "identity") == 0) slot = &pc->identity;
  else if (strcmp (name, "method") == 0 && pc->method == NULL) slot = &pc->method;
  else if (strcmp (name, "dkim_method") == 0) slot = &pc->method;
  else if (strcmp (name, "signature") == 0)
    {
      g_ptr_array_add (pc->signatures, g_steal_pointer (&value));
      g_array_append_val (pc->signature_lines, line);
    }
  else if (strcmp (name, "listid_map") == 0)
    dkimmod_import_warn (conf, pc->path, line, "listid_map is not converted: dkimmod chooses "
                         "keys by the sender only");
  else if (strcmp (name, "listen") == 0 || strcmp (name, "relay") == 0)
    g_ptr_array_add (conf->notes, g_strdup_printf ("DKIMproxy %s %s: see docs/migration.md "
                                                   "for the master.cf lines", name, value));
  if (slot != NULL)
    {
      g_free (*slot);
      *slot = g_steal_pointer (&value);
    }
}

/* read_conf - dkimproxy_out.conf; TRUE also when there is none */
static gboolean
read_conf (ImportConf *conf, ProxyConf *pc, GError **error)
{
  g_auto (GStrv) lines = NULL;
  guint n_cr;

  if (pc->path == NULL)
    return TRUE;
  lines = dkimmod_import_read_lines (pc->path, &n_cr, error);
  if (lines == NULL)
    return FALSE;
  for (guint k = 0; lines[k] != NULL; k++)
    {
      const char *t = lines[k];

      while (g_ascii_isspace (*t))
        t++;
      if (*t != '#' && *t != '\0')
        conf_line (conf, pc, k + 1, lines[k]);
    }
  if (pc->method != NULL && g_ascii_strcasecmp (pc->method, "nowsp") == 0)
    {
      dkimmod_import_warn (conf, pc->path, 0, "method nowsp (a draft canonicalization) becomes relaxed");
      g_free (pc->method);
      pc->method = g_strdup ("relaxed");
    }
  return TRUE;
}

/* has_upper - KEY holds an upper-case letter (never matched in DKIMproxy) */
static gboolean
has_upper (const char *key)
{
  for (const char *p = key; *p != '\0'; p++)
    if (g_ascii_isupper (*p))
      return TRUE;
  return FALSE;
}

/* keep_line - whether M replaces the line already kept for its key:
 * the last of equal keys won; a lower-case key beats upper-case ones,
 * which never matched */
static gboolean
keep_line (ImportConf *conf, const char *file, const MapLine *old, const MapLine *m)
{
  gboolean old_upper = has_upper (old->key), new_upper = has_upper (m->key);

  if (old_upper == new_upper)
    {
      dkimmod_import_warn (conf, file, old->line, "key %s repeated at line %u: the later line "
                           "is used, as in DKIMproxy", old->key, m->line);
      return TRUE;
    }
  dkimmod_import_warn (conf, file, (new_upper ? m : old)->line, "key %s has upper-case letters "
                       "and never matched in DKIMproxy; dropped for %s (line %u)",
                       (new_upper ? m : old)->key, (new_upper ? old : m)->key,
                       (new_upper ? old : m)->line);
  return !new_upper;
}

/* read_map_lines - the sender_map lines DKIMproxy used, in file order */
static GPtrArray *
read_map_lines (ImportConf *conf, const char *file, GError **error)
{
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (map_line_free);
  g_autoptr (GHashTable) kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = NULL;
  guint n_cr;

  if ((lines = dkimmod_import_read_lines (file, &n_cr, error)) == NULL)
    return NULL;
  if (n_cr > 0)
    dkimmod_import_warn (conf, file, 0, "%u lines end in CR LF: DKIMproxy kept the CR in the "
                         "value and failed on those lines; converted without it", n_cr);
  for (guint k = 0; lines[k] != NULL; k++)
    {
      const char *t = lines[k], *sp;
      g_autofree char *lower = NULL;
      MapLine *m, *old;

      while (g_ascii_isspace (*t))
        t++;
      if (*t == '\0' || *t == '#' || *t == ';')
        continue;
      if (t != lines[k])
        {
          dkimmod_import_warn (conf, file, k + 1, "line starts with whitespace: DKIMproxy "
                               "ignored it, so it is not converted");
          continue;
        }
      sp = t + strcspn (t, " \t");
      if (*sp == '\0')
        {
          dkimmod_import_warn (conf, file, k + 1, "key without signatures: DKIMproxy ignored "
                               "the line, so it is not converted");
          continue;
        }
      m = g_new0 (MapLine, 1);
      m->line = k + 1;
      m->key = g_strndup (t, (gsize) (sp - t));
      m->rhs = g_strstrip (g_strdup (sp));
      lower = g_ascii_strdown (m->key, -1);
      old = g_hash_table_lookup (kept, lower);
      if (old != NULL && !keep_line (conf, file, old, m))
        {
          map_line_free (m);
          continue;
        }
      if (old != NULL)
        g_ptr_array_remove (order, old);
      g_hash_table_replace (kept, g_steal_pointer (&lower), m);
      g_ptr_array_add (order, m);
    }
  return g_steal_pointer (&order);
}

/* convert_map - every kept map line into an entry */
static gboolean
convert_map (ImportConf *conf, const ProxyConf *pc, const char *file, GError **error)
{
  g_autoptr (GPtrArray) lines = read_map_lines (conf, file, error);

  if (lines == NULL)
    return FALSE;
  for (guint k = 0; k < lines->len; k++)
    {
      const MapLine *m = g_ptr_array_index (lines, k);
      g_autofree char *lower = g_ascii_strdown (m->key, -1);
      g_autofree char *origin = g_strdup_printf ("%s:%u: %s %s", file, m->line, m->key, m->rhs);
      g_autoptr (GPtrArray) sigs = parse_rhs (conf, pc, file, m->line, lower, m->rhs, error);

      if (sigs == NULL)
        return FALSE;
      if (has_upper (m->key))
        dkimmod_import_warn (conf, file, m->line, "key %s has upper-case letters and never "
                             "matched in DKIMproxy; it will match now (as %s)", m->key, lower);
      if (sigs->len == 0)
        {
          dkimmod_import_warn (conf, file, m->line, "no DKIM signature left for %s: not "
                               "converted, so its senders fall to a less specific entry", lower);
          continue;
        }
      if (strcmp (lower, ".") == 0)
        for (guint j = 0; j < sigs->len; j++)
          if (((ImportSig *) g_ptr_array_index (sigs, j))->d == NULL)
            return g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: the catch-all "
                                "\".\" without d=: DKIMproxy signed with d=. here; set "
                                "d=$senderdomain or a domain", file, m->line), FALSE;
      dkimmod_import_add_entry (conf, lower, sigs, origin);
    }
  return TRUE;
}

/* map_wins - a map entry at D or a parent of D always won over the default
 * signatures for senders in D (DKIMproxy consulted the map first) */
static gboolean
map_wins (ImportConf *conf, const char *domain)
{
  for (const char *p = domain; p != NULL; p = strchr (p + 1, '.'))
    if (dkimmod_import_find (conf, *p == '.' ? p + 1 : p) != NULL)
      return TRUE;
  return dkimmod_import_find (conf, ".") != NULL;
}

/* add_defaults_for - the signature lines as the entry for SENDER */
static gboolean
add_defaults_for (ImportConf *conf, const ProxyConf *pc, const char *sender,
                  const char *domain, GError **error)
{
  g_autoptr (GPtrArray) sigs = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_import_sig_free);
  g_autofree char *origin = g_strdup_printf ("%s: the signature lines%s%s", pc->path,
                                             domain ? ", domain " : "", domain ? domain : "");

  for (guint k = 0; k < pc->signatures->len; k++)
    {
      guint line = g_array_index (pc->signature_lines, guint, k);
      g_autoptr (GPtrArray) more = parse_rhs (conf, pc, pc->path, line, domain ? domain : "",
                                              g_ptr_array_index (pc->signatures, k), error);

      if (more == NULL)
        return FALSE;
      for (guint j = 0; j < more->len; j++)
        {
          ImportSig *sig = g_ptr_array_steal_index (more, 0);

          if (sig->d == NULL && domain != NULL)
            sig->d = g_strdup (domain);
          if (sig->d == NULL)
            return g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: no d= and no "
                                "domain option", pc->path, line), dkimmod_import_sig_free (sig), FALSE;
          g_ptr_array_add (sigs, sig);
        }
    }
  if (sigs->len > 0)
    dkimmod_import_add_entry (conf, sender, sigs, origin);
  return TRUE;
}

/* convert_defaults - DKIMproxy's default signatures, used when the map
 * had no entry: all senders (one domain, or none), or the listed domains */
static gboolean
convert_defaults (ImportConf *conf, const ProxyConf *pc, GError **error)
{
  g_auto (GStrv) domains = NULL;

  if (pc->signatures->len == 0)
    return TRUE;
  if (dkimmod_import_find (conf, ".") != NULL)
    {
      dkimmod_import_warn (conf, pc->path, 0, "the signature lines were never used (the "
                           "sender_map has a \".\" entry): not converted");
      return TRUE;
    }
  domains = g_strsplit (pc->domain ? pc->domain : "", ",", -1);
  if (g_strv_length (domains) <= 1)
    return add_defaults_for (conf, pc, ".", domains[0] ? g_strstrip (domains[0]) : NULL, error);
  for (guint k = 0; domains[k] != NULL; k++)
    {
      g_autofree char *d = g_ascii_strdown (g_strstrip (domains[k]), -1);

      if (*d == '\0')
        continue;
      if (map_wins (conf, d))
        dkimmod_import_warn (conf, pc->path, 0, "domain %s: the sender_map always won for it; "
                             "its default signatures are not converted", d);
      else if (!add_defaults_for (conf, pc, d, d, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
dkimmod_import_dkimproxy (ImportConf *conf, const char *sender_map, const char *conf_file,
                          GError **error)
{
  GString *sha1[2] = { g_string_new (NULL), g_string_new (NULL) };
  ProxyConf pc = { .path = (char *) conf_file, .default_sha1 = sha1 };
  gboolean ok;

  pc.signatures = g_ptr_array_new_with_free_func (g_free);
  pc.signature_lines = g_array_new (FALSE, FALSE, sizeof (guint));
  conf->sources = conf_file ? g_strdup_printf ("%s %s", sender_map, conf_file) : g_strdup (sender_map);
  conf->sender_source = "sender-then-from";
  g_ptr_array_add (conf->notes, g_strdup ("DKIMproxy chose the entry by the Sender field, else "
                                          "From: sender_source keeps that."));
  ok = read_conf (conf, &pc, error);
  if (ok)
    {
      /* DKIMproxy's defaults, written out so nothing silently changes.
       * Where it fell back to rsa-sha1, a= is left out: dkimmod then
       * follows the key, rsa-sha256 for an RSA key. */
      conf->defaults.c = g_strdup (pc.method ? pc.method : "relaxed");
      conf->defaults.s = g_strdup (pc.selector);
      conf->defaults.key = g_strdup (pc.keyfile);
      escape_dollars (&conf->defaults.key);
      ok = convert_map (conf, &pc, sender_map, error) && convert_defaults (conf, &pc, error);
    }
  /* each file named for its own lines (the signature lines of the
   * dkimproxy_out.conf are not the sender_map's) */
  for (guint f = 0; ok && f < 2; f++)
    if (sha1[f]->len > 0)
      dkimmod_import_warn (conf, f ? conf_file : sender_map, 0, "the signatures of line%s %s had "
                           "no a=, so DKIMproxy made them with rsa-sha1, which RFC 8301 forbids; "
                           "dkimmod follows the key: rsa-sha256 for RSA keys",
                           strchr (sha1[f]->str + 2, ',') ? "s" : "", sha1[f]->str + 2);
  g_string_free (sha1[0], TRUE);
  g_string_free (sha1[1], TRUE);
  pc.path = NULL;
  proxy_conf_clear (&pc);
  return ok;
}
