/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	import-opendkim.c - OpenDKIM's KeyTable and SigningTable to the model
 * SYNOPSIS
 *	dkimmod_import_opendkim
 * DESCRIPTION
 *	KeyTable lines are "NAME DOMAIN:SELECTOR:KEYPATH"; SigningTable lines
 *	"PATTERN NAME [SIGNER]" (opendkim.conf(5)). A "%" in DOMAIN, KEYPATH
 *	or SIGNER is the sender's domain, dkimmod's $senderdomain.
 *	A "refile:" SigningTable holds wildcard patterns tried in file order,
 *	the first match winning; dkimmod instead takes the most specific
 *	entry, so a pattern wholly covered by an earlier one (which always
 *	won in OpenDKIM) is left out. These patterns convert: "*" (the
 *	catch-all "."), "*@example.com", "*@*.example.com" or
 *	"*.example.com" (subdomains), and plain addresses; others are left
 *	out with a warning. A plain ("file:") SigningTable is looked up by
 *	user@host, host, .parent domains and "*", which convert the same
 *	way; "user@.domain" and "user@*" keys do not.
 *	A dkimmod domain entry covers its subdomains too: where OpenDKIM
 *	signed a domain but not its subdomains (or the reverse), a warning
 *	counts the entries that now sign more.
 * DIAGNOSTICS
 *	Warnings through dkimmod_import_warn; an error for a SigningTable
 *	line naming a key that is not in the KeyTable, or a KeyTable line
 *	that is not DOMAIN:SELECTOR:KEYPATH.
 */
#include <string.h>

#include "import.h"

typedef enum { PAT_ALL, PAT_DOMAIN, PAT_SUBDOMAINS, PAT_ADDRESS } PatternKind;

/* A converted SigningTable pattern, kept to find later shadowed ones. */
typedef struct
{
  PatternKind kind;
  char *value;  /* domain or address, lower case; "" for PAT_ALL */
  guint line;
} Pattern;

typedef struct
{
  ImportConf *conf;
  GHashTable *keys;       /* name -> GStrv { domain, selector, keypath } */
  GArray *patterns;       /* of Pattern, refile order */
  const char *st_path;
  gboolean refile;
  guint n_wider;          /* entries that now also cover subdomains or the domain */
} OpenDkimState;

/* strip_prefix - "file:" or "refile:" off PATH; sets *REFILE */
static const char *
strip_prefix (const char *path, gboolean *refile)
{
  *refile = g_str_has_prefix (path, "refile:");
  if (*refile)
    return path + strlen ("refile:");
  return g_str_has_prefix (path, "file:") ? path + strlen ("file:") : path;
}

/* split_line - "KEY VALUE..." with '#' comments; FALSE for blank lines */
static gboolean
split_line (char *line, char **key, char **value)
{
  char *hash = strchr (line, '#');

  if (hash != NULL)
    *hash = '\0';
  g_strstrip (line);
  if (*line == '\0')
    return FALSE;
  *key = line;
  *value = line + strcspn (line, " \t");
  if (**value != '\0')
    *(*value)++ = '\0';
  g_strchug (*value);
  return TRUE;
}

/* percent - OpenDKIM's "%" as $senderdomain, other '$' made literal */
static char *
percent (const char *value)
{
  g_auto (GStrv) dollars = g_strsplit (value, "$", -1);
  g_autofree char *escaped = g_strjoinv ("$$", dollars);
  g_auto (GStrv) parts = g_strsplit (escaped, "%", -1);

  return g_strjoinv ("$senderdomain", parts);
}

/* read_key_table - NAME -> { domain, selector, keypath } */
static gboolean
read_key_table (OpenDkimState *st, const char *arg, GError **error)
{
  gboolean refile;
  const char *path = strip_prefix (arg, &refile);
  g_auto (GStrv) lines = NULL;
  guint n_cr;

  if ((lines = dkimmod_import_read_lines (path, &n_cr, error)) == NULL)
    return FALSE;
  for (guint k = 0; lines[k] != NULL; k++)
    {
      char *name, *value;
      GStrv f;

      if (!split_line (lines[k], &name, &value))
        continue;
      f = g_strsplit (value, ":", 3);
      if (g_strv_length (f) != 3 || *f[0] == '\0' || *f[1] == '\0' || *f[2] == '\0')
        {
          g_strfreev (f);
          return g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: %s: not "
                              "DOMAIN:SELECTOR:KEYPATH", path, k + 1, name), FALSE;
        }
      if (f[2][0] != '/' && !g_str_has_prefix (f[2], "./") && !g_str_has_prefix (f[2], "../"))
        {
          dkimmod_import_warn (st->conf, path, k + 1, "key %s is given inline, not as a file: "
                               "write it to a file (mode 0600) and name that", name);
          g_strfreev (f);
          continue;
        }
      g_hash_table_replace (st->keys, g_strdup (name), f);
    }
  return TRUE;
}

/* classify - a SigningTable key as a pattern; FALSE if dkimmod cannot say it */
static gboolean
classify (const char *key, gboolean refile, Pattern *p)
{
  const char *rest = NULL;

  if (strcmp (key, "*") == 0)
    p->kind = PAT_ALL, rest = "";
  else if (refile && g_str_has_prefix (key, "*@*."))
    p->kind = PAT_SUBDOMAINS, rest = key + 4;
  else if (refile && g_str_has_prefix (key, "*@"))
    p->kind = PAT_DOMAIN, rest = key + 2;
  else if (refile && g_str_has_prefix (key, "*."))
    p->kind = PAT_SUBDOMAINS, rest = key + 2;
  else if (!refile && key[0] == '.')
    p->kind = PAT_SUBDOMAINS, rest = key + 1;
  else if (strchr (key, '@') != NULL && key[0] != '@')
    p->kind = PAT_ADDRESS, rest = key;
  else if (!refile && strchr (key, '@') == NULL)
    p->kind = PAT_DOMAIN, rest = key;
  if (rest == NULL || strpbrk (rest, "*?[]") != NULL
      || (p->kind == PAT_ADDRESS && (strchr (rest, '@')[1] == '.' || strchr (rest, '@')[1] == '\0')))
    return FALSE;
  p->value = g_ascii_strdown (rest, -1);
  return TRUE;
}

/* in_domain - NAME is DOMAIN or below it; STRICT: below only */
static gboolean
in_domain (const char *name, const char *domain, gboolean strict)
{
  gsize n = strlen (name), d = strlen (domain);

  if (n == d)
    return !strict && strcmp (name, domain) == 0;
  return n > d && name[n - d - 1] == '.' && strcmp (name + n - d, domain) == 0;
}

/* covers - every address P matches was matched by the earlier pattern E */
static gboolean
covers (const Pattern *e, const Pattern *p)
{
  const char *host = p->kind == PAT_ADDRESS ? strchr (p->value, '@') + 1 : p->value;

  switch (e->kind)
    {
    case PAT_ALL: return TRUE;
    case PAT_ADDRESS: return p->kind == PAT_ADDRESS && strcmp (e->value, p->value) == 0;
    case PAT_DOMAIN: return p->kind != PAT_ALL && p->kind != PAT_SUBDOMAINS && strcmp (host, e->value) == 0;
    case PAT_SUBDOMAINS: return p->kind != PAT_ALL && in_domain (host, e->value, p->kind != PAT_SUBDOMAINS);
    default: return FALSE;
    }
}

/* make_sig - the signature for key NAME and optional SIGNER */
static ImportSig *
make_sig (OpenDkimState *st, guint line, const char *name, const char *signer, GError **error)
{
  GStrv f = g_hash_table_lookup (st->keys, name);
  ImportSig *sig;

  if (f == NULL)
    return g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: key name %s is not in "
                        "the KeyTable", st->st_path, line, name), NULL;
  sig = dkimmod_import_sig_new ();
  sig->d = percent (f[0]);
  sig->s = g_strdup (f[1]);
  sig->key = percent (f[2]);
  if (signer != NULL && *signer != '\0')
    sig->i = percent (signer);
  return sig;
}

/* same_key - A and B sign alike (d, s, key) */
static gboolean
same_key (const ImportSig *a, const ImportSig *b)
{
  return g_strcmp0 (a->d, b->d) == 0 && g_strcmp0 (a->s, b->s) == 0
         && g_strcmp0 (a->key, b->key) == 0 && g_strcmp0 (a->i, b->i) == 0;
}

/* add_pattern - P (line TEXT) with SIG as an entry, unless shadowed or
 * already there */
static void
add_pattern (OpenDkimState *st, Pattern *p, ImportSig *sig, const char *text)
{
  const char *sender = p->kind == PAT_ALL ? "." : p->value;
  g_autofree char *origin = g_strdup_printf ("%s:%u: %s", st->st_path, p->line, text);
  g_autoptr (GPtrArray) sigs = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_import_sig_free);
  ImportEntry *e;

  for (guint k = 0; k < st->patterns->len; k++)
    if (covers (&g_array_index (st->patterns, Pattern, k), p))
      {
        dkimmod_import_warn (st->conf, st->st_path, p->line, "%s is never reached: line %u "
                             "matched first in OpenDKIM; not converted", text,
                             g_array_index (st->patterns, Pattern, k).line);
        dkimmod_import_sig_free (sig);
        g_free (p->value);
        return;
      }
  g_ptr_array_add (sigs, sig);
  e = dkimmod_import_find (st->conf, sender);
  if (e == NULL)
    {
      st->n_wider += p->kind == PAT_DOMAIN || p->kind == PAT_SUBDOMAINS;
      dkimmod_import_add_entry (st->conf, sender, sigs, origin);
    }
  else if (!same_key (g_ptr_array_index (e->sigs, 0), sig))
    dkimmod_import_warn (st->conf, st->st_path, p->line, "%s: the subdomains of %s now use "
                         "the key of %s itself (dkimmod entries cover both)", text, sender, sender);
  else
    st->n_wider--;  /* domain and subdomains both there with one key: exact */
  /* Only a refile's order matters for shadowing; SENDER may be p->value. */
  if (st->refile)
    g_array_append_val (st->patterns, *p);
  else
    g_free (p->value);
}

/* read_signing_table - every line into entries */
static gboolean
read_signing_table (OpenDkimState *st, GError **error)
{
  g_auto (GStrv) lines = NULL;
  guint n_cr;

  if ((lines = dkimmod_import_read_lines (st->st_path, &n_cr, error)) == NULL)
    return FALSE;
  for (guint k = 0; lines[k] != NULL; k++)
    {
      char *key, *value, *signer;
      g_autofree char *text = NULL;
      Pattern p = { .line = k + 1 };
      ImportSig *sig;

      if (!split_line (lines[k], &key, &value))
        continue;
      text = g_strdup_printf ("%s %s", key, value);
      signer = value + strcspn (value, " \t");
      if (*signer != '\0')
        *signer++ = '\0';
      if (strcmp (value, "%") == 0 || !classify (key, st->refile, &p))
        {
          dkimmod_import_warn (st->conf, st->st_path, k + 1, "%s cannot be said in dkimmod's "
                               "sender_map: not converted%s", text,
                               !st->refile && strchr (key, '*') && strcmp (key, "*") != 0
                                 ? " (a wildcard table is given as refile:FILE)" : "");
          continue;
        }
      if ((sig = make_sig (st, k + 1, value, g_strstrip (signer), error)) == NULL)
        return g_free (p.value), FALSE;
      add_pattern (st, &p, sig, text);
    }
  return TRUE;
}

static void
pattern_clear (gpointer data)
{
  g_free (((Pattern *) data)->value);
}

gboolean
dkimmod_import_opendkim (ImportConf *conf, const char *key_table, const char *signing_table,
                         GError **error)
{
  OpenDkimState st = { .conf = conf };
  gboolean ok;

  st.keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  st.patterns = g_array_new (FALSE, FALSE, sizeof (Pattern));
  g_array_set_clear_func (st.patterns, pattern_clear);
  st.st_path = strip_prefix (signing_table, &st.refile);
  conf->sources = g_strdup_printf ("%s %s", key_table, signing_table);
  conf->sender_source = "from";
  g_ptr_array_add (conf->notes, g_strdup ("OpenDKIM chose the key by the From field, as "
                                          "sender_source = \"from\" does."));
  g_ptr_array_add (conf->notes, g_strdup ("OpenDKIM's Canonicalization defaulted to "
                                          "simple/simple; dkimmod's is relaxed/relaxed."));
  ok = read_key_table (&st, key_table, error) && read_signing_table (&st, error);
  if (ok && st.n_wider > 0)
    dkimmod_import_warn (conf, st.st_path, 0, "%u domain entries now cover the domain and its "
                         "subdomains, where OpenDKIM matched only one of them", st.n_wider);
  g_hash_table_unref (st.keys);
  g_array_unref (st.patterns);
  return ok;
}
