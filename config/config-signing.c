/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-signing.c - the "signing" section: defaults and sender_map
 * SYNOPSIS
 *	dkimmod_config_read_signing, dkimmod_config_read_file_entry,
 *	dkimmod_config_entry_free, dkimmod_config_template_free,
 *	dkimmod_config_defaults_new, dkimmod_config_defaults_free
 * DESCRIPTION
 *	Reads signing.sender_source, signing.defaults and signing.sender_map
 *	(match_envelope_sender and envelope_sender_aliases: config-sender-policy.c)
 *	into DkimmodConfigEntry records indexed by their lower-case sender
 *	key. A signature is a group ({ s = "sel"; d = "example.net"; ... })
 *	or, as in a DKIMproxy sender_map file, a string of signature specs
 *	("dkim(s=sel,d=example.net,c=relaxed), dkim(s=ed1,...)"); both are
 *	read into the same raw form (field, value, where) and checked by the
 *	same code, field by field, then completed from signing.defaults and
 *	from built-in defaults.
 *
 *	Field names are DKIMproxy's, short or long: s|selector, d|domain,
 *	c|method, a|algorithm, key|keyfile, i|identity, h|headers, plus
 *	oversign and expire. A field given twice (s and selector) is an
 *	error. d= defaults to the matched sender key with any local@ removed
 *	(DKIMproxy); the catch-all "." has no such default.
 *
 *	The same entry reader serves the files of signing.sender_map_dir
 *	(config-mapdir.c), whose root holds "sign" (and optionally "sender");
 *	the defaults are kept in the config for them.
 *
 *	Every fault goes to the DkimmodConfigDiag collector and reading goes
 *	on, so that check-config lists all of them.
 * STANDARDS
 *	RFC 6376 section 3.5 (tags), RFC 8301 (algorithms).
 * NEVER
 *	Open key files here (config-keys.c does, on request), or stop at the
 *	first error.
 */
#include "config-private.h"

#include <string.h>

#include "limits-private.h"

/* Ten years: longer x= values are surely a typo. */
#define EXPIRE_MAX_SECONDS (3650ull * 86400ull)

enum {
  F_S, F_D, F_C, F_A, F_KEY, F_I, F_HEADERS, F_OVERSIGN, F_EXPIRE, F_COUNT
};

static const struct {
  const char *name;
  int field;
} field_names[] = {
  { "s", F_S }, { "selector", F_S }, { "d", F_D }, { "domain", F_D },
  { "c", F_C }, { "method", F_C }, { "a", F_A }, { "algorithm", F_A },
  { "key", F_KEY }, { "keyfile", F_KEY }, { "i", F_I }, { "identity", F_I },
  { "h", F_HEADERS }, { "headers", F_HEADERS }, { "oversign", F_OVERSIGN },
  { "expire", F_EXPIRE },
};

#define FIELD_LIST "s, d, c, a, key, i, headers, oversign, expire"

/* One signature as written, before checking. */
typedef struct {
  char *value[F_COUNT];
  const char *spelled[F_COUNT];                 /* name as written */
  const config_setting_t *where[F_COUNT];
  const config_setting_t *self;                 /* the group or the sign string */
  guint given_bad;                              /* fields present with a bad type */
  char *path;                                   /* "signing.sender_map[1].sign[0]" */
} RawSig;

/* Checked values, and which were given. */
struct DkimmodConfigDefaults {
  DkimmodConfigTemplate t;
  guint set;
};
typedef struct DkimmodConfigDefaults SigFields;

typedef struct {
  DkimmodConfig *cfg;
  DkimmodConfigDiag *diag;
  SigFields *defaults;          /* cfg->defaults */
  const char *include_dir;
} Reader;

/* raw_free - frees a RawSig */
static void
raw_free (RawSig *raw)
{
  for (int f = 0; f < F_COUNT; f++)
    g_free (raw->value[f]);
  g_free (raw->path);
  g_free (raw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawSig, raw_free)

/* field_of - the field NAME stands for, or -1 */
static int
field_of (const char *name, const char **spelled)
{
  for (guint k = 0; k < G_N_ELEMENTS (field_names); k++)
    if (g_ascii_strcasecmp (name, field_names[k].name) == 0)
      {
        *spelled = field_names[k].name;
        return field_names[k].field;
      }
  return -1;
}

/* raw_set - records NAME=VALUE in RAW; FALSE (and an error) if bad */
static gboolean
raw_set (Reader *r, RawSig *raw, const char *name, char *value, const config_setting_t *where)
{
  const char *spelled = NULL;
  int f = field_of (name, &spelled);

  if (f < 0)
    {
      dkimmod_config_diag_add (r->diag, where, raw->path, name,
                               "unknown setting (expected one of " FIELD_LIST ")");
      g_free (value);
      return FALSE;
    }
  if (raw->value[f])
    {
      dkimmod_config_diag_add (r->diag, where, raw->path, name, "given twice (as %s and %s)",
                               raw->spelled[f], spelled);
      g_free (value);
      return FALSE;
    }
  raw->value[f] = value;
  raw->spelled[f] = spelled;
  raw->where[f] = where;
  return TRUE;
}

/* raw_from_group - a { s = ...; d = ...; } group */
static RawSig *
raw_from_group (Reader *r, const config_setting_t *group, char *path)
{
  g_autoptr (RawSig) raw = g_new0 (RawSig, 1);

  raw->self = group;
  raw->path = path;
  for (int k = 0; k < config_setting_length (group); k++)
    {
      config_setting_t *s = config_setting_get_elem (group, k);
      const char *name = config_setting_name (s);
      int type = config_setting_type (s);
      char *value;

      if (type == CONFIG_TYPE_STRING)
        value = g_strdup (config_setting_get_string (s));
      else if ((type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
               && g_ascii_strcasecmp (name, "expire") == 0)
        {
          long long n = config_setting_get_int64 (s);

          if (n < 0)
            {
              dkimmod_config_diag_add (r->diag, s, raw->path, name, "must not be negative");
              continue;
            }
          value = g_strdup_printf ("%lld", n);
        }
      else
        {
          const char *spelled;
          int f = field_of (name, &spelled);

          if (f >= 0)
            raw->given_bad |= 1u << f;  /* no "missing" error for it as well */
          dkimmod_config_diag_add (r->diag, s, raw->path, name,
                                   g_ascii_strcasecmp (name, "expire") == 0
                                   ? "must be a number of seconds or a string (\"7d\")"
                                   : "must be a string");
          continue;
        }
      raw_set (r, raw, name, value, s);
    }
  return g_steal_pointer (&raw);
}

/* split_top_commas - splits S at commas outside parentheses (DKIMproxy split_by_commas) */
static GPtrArray *
split_top_commas (const char *s)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_free);
  const char *start = s;
  int depth = 0;

  for (const char *p = s;; p++)
    {
      if (*p == '(')
        depth++;
      else if (*p == ')' && depth > 0)
        depth--;
      else if ((*p == ',' && depth == 0) || *p == '\0')
        {
          g_ptr_array_add (items, g_strstrip (g_strndup (start, p - start)));
          start = p + 1;
        }
      if (*p == '\0')
        return items;
    }
}

/* is_spec_type - whether SPEC starts with the type word WORD */
static gboolean
is_spec_type (const char *spec, gsize tlen, const char *word)
{
  return tlen == strlen (word) && g_ascii_strncasecmp (spec, word, tlen) == 0;
}

/* raw_from_spec - one "dkim(s=sel,d=example.net,...)" */
static RawSig *
raw_from_spec (Reader *r, const config_setting_t *sign, const char *spec, char *path)
{
  g_autoptr (RawSig) raw = g_new0 (RawSig, 1);
  gsize tlen = strspn (spec, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
  const char *open = spec + tlen;
  const char *close = strrchr (open, ')');
  g_autofree char *inner = NULL;
  g_auto (GStrv) opts = NULL;

  raw->self = sign;
  raw->path = path;
  if (is_spec_type (spec, tlen, "domainkeys"))
    {
      dkimmod_config_diag_add (r->diag, sign, path, NULL,
                               "DomainKeys (RFC 4870) is obsolete and not supported; use dkim(...)");
      return NULL;
    }
  if (!is_spec_type (spec, tlen, "dkim")
      || (*open != '\0' && (*open != '(' || close == NULL || close[1] != '\0')))
    {
      dkimmod_config_diag_add (r->diag, sign, path, NULL, "\"%s\": expected dkim(name=value,...)", spec);
      return NULL;
    }
  if (*open == '\0')
    return g_steal_pointer (&raw);  /* "dkim" alone: all defaults */
  inner = g_strndup (open + 1, close - open - 1);
  opts = g_strsplit (inner, ",", -1);
  for (guint k = 0; opts[k]; k++)
    {
      char *opt = g_strstrip (opts[k]), *eq = strchr (opt, '=');

      if (*opt == '\0')
        continue;
      if (eq == NULL)
        {
          dkimmod_config_diag_add (r->diag, sign, path, NULL, "\"%s\": expected name=value", opt);
          continue;
        }
      *eq = '\0';
      raw_set (r, raw, g_strstrip (opt), g_strdup (g_strstrip (eq + 1)), sign);
    }
  return g_steal_pointer (&raw);
}

/* check_macros - scans VALUE of field F; FALSE (and an error) if bad */
static gboolean
check_macros (Reader *r, RawSig *raw, int f, DkimmodMacroUse *uses)
{
  g_autofree char *bad = NULL;

  if (!dkimmod_config_macro_scan (raw->value[f], uses, &bad))
    {
      dkimmod_config_diag_add (r->diag, raw->where[f], raw->path, raw->spelled[f],
                               "unknown macro %s (known: $sender, $senderdomain, $$)", bad);
      return FALSE;
    }
  if (f == F_KEY && (*uses & DKIMMOD_MACRO_SENDER))
    {
      dkimmod_config_diag_add (r->diag, raw->where[f], raw->path, raw->spelled[f],
                               "$sender is not allowed in a key path (a local part may hold '/'); "
                               "use $senderdomain");
      return FALSE;
    }
  return TRUE;
}

/* check_domain_field - d= as configured: macros, or a domain name */
static gboolean
check_domain_field (Reader *r, RawSig *raw, SigFields *out)
{
  DkimmodMacroUse uses;
  const char *why;

  if (!check_macros (r, raw, F_D, &uses))
    return FALSE;
  out->t.macros_d = (uses & (DKIMMOD_MACRO_SENDER | DKIMMOD_MACRO_SENDERDOMAIN)) != 0;
  out->t.sig.domain = dkimmod_config_macro_expand (raw->value[F_D], "", "");
  if (!out->t.macros_d && !dkimmod_config_check_domain (out->t.sig.domain, 2, &why))
    {
      dkimmod_config_diag_add (r->diag, raw->where[F_D], raw->path, raw->spelled[F_D],
                               "\"%s\": %s", raw->value[F_D], why);
      return FALSE;
    }
  g_free (out->t.sig.domain);
  out->t.sig.domain = g_ascii_strdown (raw->value[F_D], -1);
  return TRUE;
}

/* check_key_field - key= as configured: an absolute path, or one relative
 * to the configuration file's directory */
static gboolean
check_key_field (Reader *r, RawSig *raw, SigFields *out)
{
  DkimmodMacroUse uses;
  const char *v = raw->value[F_KEY];

  if (!check_macros (r, raw, F_KEY, &uses))
    return FALSE;
  if (*v == '\0')
    {
      dkimmod_config_diag_add (r->diag, raw->where[F_KEY], raw->path, raw->spelled[F_KEY],
                               "empty key path");
      return FALSE;
    }
  out->t.macros_key = (uses & DKIMMOD_MACRO_SENDERDOMAIN) != 0;
  if (g_path_is_absolute (v) || r->include_dir == NULL || g_str_equal (r->include_dir, "."))
    out->t.sig.key_path = g_strdup (v);
  else
    out->t.sig.key_path = g_build_filename (r->include_dir, v, NULL);
  if (!out->t.macros_key && (uses & DKIMMOD_MACRO_DOLLAR))
    {
      char *lit = dkimmod_config_macro_expand (out->t.sig.key_path, "", "");

      g_free (out->t.sig.key_path);
      out->t.sig.key_path = lit;  /* "$$" only: store the literal path */
    }
  return TRUE;
}

/* check_field - checks and stores the value of field F */
static gboolean
check_field (Reader *r, RawSig *raw, int f, SigFields *out)
{
  const char *v = raw->value[f], *why = NULL;
  DkimmodConfigSignature *sig = &out->t.sig;
  DkimmodMacroUse uses;
  gboolean ok = TRUE;

  switch (f)
    {
    case F_S:
      if ((ok = dkimmod_config_check_selector (v, &why)))
        sig->selector = g_ascii_strdown (v, -1);
      break;
    case F_D:
      return check_domain_field (r, raw, out);
    case F_KEY:
      return check_key_field (r, raw, out);
    case F_I:
      if (!check_macros (r, raw, F_I, &uses))
        return FALSE;
      out->t.macros_i = (uses & (DKIMMOD_MACRO_SENDER | DKIMMOD_MACRO_SENDERDOMAIN)) != 0;
      sig->identity = out->t.macros_i ? g_strdup (v) : dkimmod_config_macro_expand (v, "", "");
      break;
    case F_C:
      ok = dkimmod_config_parse_canon (v, &sig->header_canon, &sig->body_canon, &why);
      break;
    case F_A:
      ok = dkimmod_config_parse_algorithm (v, &sig->algorithm, &why);
      break;
    case F_HEADERS:
      ok = (sig->headers = dkimmod_config_normalise_field_list (v, TRUE, FALSE, &why)) != NULL;
      break;
    case F_OVERSIGN:
      ok = (sig->oversign = dkimmod_config_normalise_field_list (v, FALSE, TRUE, &why)) != NULL;
      break;
    case F_EXPIRE:
      ok = dkimmod_config_parse_duration (v, EXPIRE_MAX_SECONDS, &sig->expire_after, &why);
      break;
    default:
      break;
    }
  if (!ok)
    dkimmod_config_diag_add (r->diag, raw->where[f], raw->path, raw->spelled[f], "\"%s\": %s", v,
                             why);
  return ok;
}

/* fields_from_raw - checks every field given in RAW into OUT */
static gboolean
fields_from_raw (Reader *r, RawSig *raw, gboolean is_defaults, SigFields *out)
{
  gboolean ok = TRUE;

  for (int f = 0; f < F_COUNT; f++)
    {
      if (raw->value[f] == NULL)
        continue;
      if (is_defaults && (f == F_D || f == F_I))
        {
          dkimmod_config_diag_add (r->diag, raw->where[f], raw->path, raw->spelled[f],
                                   "not allowed in defaults (d= defaults to the matched sender)");
          ok = FALSE;
          continue;
        }
      if (!check_field (r, raw, f, out))
        {
          ok = FALSE;
          continue;
        }
      out->set |= 1u << f;
      if (f == F_KEY)
        out->t.key_origin = dkimmod_config_diag_origin (r->diag, raw->where[f]);
      if (f == F_A)
        out->t.a_origin = dkimmod_config_diag_origin (r->diag, raw->where[f]);
    }
  return ok;
}

/* pick_string - the entry's value, else the default's, else NULL */
static char *
pick_string (const SigFields *f, const SigFields *def, int field, char *const *f_value,
             char *const *def_value)
{
  if (f->set & (1u << field))
    return g_strdup (*f_value);
  if (def->set & (1u << field))
    return g_strdup (*def_value);
  return NULL;
}

#define PICK(field, member) \
  pick_string (f, r->defaults, field, &f->t.member, &r->defaults->t.member)

/* complete_domain - d=: given, or the sender key without local@ */
static gboolean
complete_domain (Reader *r, RawSig *raw, SigFields *f, DkimmodConfigTemplate *t,
                 const char *sender)
{
  const char *at = strrchr (sender, '@'), *why;

  if (f->set & (1u << F_D))
    {
      t->sig.domain = g_strdup (f->t.sig.domain);
      t->macros_d = f->t.macros_d;
      return TRUE;
    }
  if (g_str_equal (sender, "."))
    {
      dkimmod_config_diag_add (r->diag, raw->self, raw->path, "d",
                               "missing: the catch-all sender \".\" needs d= "
                               "(for example d = \"$senderdomain\")");
      return FALSE;
    }
  t->sig.domain = g_strdup (at ? at + 1 : sender);
  if (!dkimmod_config_check_domain (t->sig.domain, 2, &why))
    {
      dkimmod_config_diag_add (r->diag, raw->self, raw->path, "d",
                               "missing, and the sender \"%s\" is no domain to sign for: %s",
                               sender, why);
      return FALSE;
    }
  return TRUE;
}

/* complete_template - applies defaults to F; checks what needs all fields */
static DkimmodConfigTemplate *
complete_template (Reader *r, RawSig *raw, SigFields *f, const char *sender)
{
  g_autoptr (DkimmodConfigTemplate) t = g_new0 (DkimmodConfigTemplate, 1);
  const SigFields *def = r->defaults;
  gboolean ok = complete_domain (r, raw, f, t, sender);
  const char *why;

  t->sig.selector = PICK (F_S, sig.selector);
  t->sig.key_path = PICK (F_KEY, sig.key_path);
  t->key_origin = PICK (F_KEY, key_origin);
  t->a_origin = PICK (F_A, a_origin);
  t->macros_key = (f->set & (1u << F_KEY)) ? f->t.macros_key : def->t.macros_key;
  t->sig.identity = PICK (F_I, sig.identity);
  t->macros_i = f->t.macros_i;
  t->sig.headers = PICK (F_HEADERS, sig.headers);
  t->sig.oversign = PICK (F_OVERSIGN, sig.oversign);
  t->sig.algorithm = ((f->set & (1u << F_A)) ? f : def)->t.sig.algorithm;
  t->sig.expire_after = ((f->set & (1u << F_EXPIRE)) ? f : def)->t.sig.expire_after;
  t->sig.header_canon = DKIMMOD_CANON_RELAXED;
  t->sig.body_canon = DKIMMOD_CANON_RELAXED;
  if ((f->set | def->set) & (1u << F_C))
    {
      t->sig.header_canon = ((f->set & (1u << F_C)) ? f : def)->t.sig.header_canon;
      t->sig.body_canon = ((f->set & (1u << F_C)) ? f : def)->t.sig.body_canon;
    }
  t->setting = g_strdup (raw->path);
  t->sig.origin = dkimmod_config_diag_origin (r->diag, raw->self);
  if (t->sig.selector == NULL && !(raw->given_bad & (1u << F_S)))
    {
      dkimmod_config_diag_add (r->diag, raw->self, raw->path, "s",
                               "missing (set s here or in signing.defaults)");
      ok = FALSE;
    }
  if (t->sig.key_path == NULL && !(raw->given_bad & (1u << F_KEY)))
    {
      dkimmod_config_diag_add (r->diag, raw->self, raw->path, "key",
                               "missing (set key here or in signing.defaults)");
      ok = FALSE;
    }
  ok = ok && t->sig.selector && t->sig.key_path;
  if (ok && t->sig.identity && !t->macros_i && !t->macros_d
      && !dkimmod_config_check_identity (t->sig.identity, t->sig.domain, &why))
    {
      dkimmod_config_diag_add (r->diag, raw->where[F_I], raw->path, raw->spelled[F_I],
                               "\"%s\": %s", t->sig.identity, why);
      ok = FALSE;
    }
  return ok ? g_steal_pointer (&t) : NULL;
}

/**
 * dkimmod_config_template_free:
 * @tmpl: (transfer full) (nullable): a template
 */
void
dkimmod_config_template_free (DkimmodConfigTemplate *tmpl)
{
  if (tmpl == NULL)
    return;
  g_free (tmpl->setting);
  g_free (tmpl->key_origin);
  g_free (tmpl->a_origin);
  g_free (tmpl->sig.domain);
  g_free (tmpl->sig.selector);
  g_free (tmpl->sig.identity);
  g_free (tmpl->sig.key_path);
  g_free (tmpl->sig.headers);
  g_free (tmpl->sig.oversign);
  g_free (tmpl->sig.origin);
  g_free (tmpl);
}

/* fields_clear - frees the strings of F */
static void
fields_clear (SigFields *f)
{
  DkimmodConfigTemplate *t = g_memdup2 (&f->t, sizeof f->t);

  dkimmod_config_template_free (t);
  memset (f, 0, sizeof *f);
}

/**
 * dkimmod_config_entry_free:
 * @entry: (transfer full) (nullable): an entry
 */
void
dkimmod_config_entry_free (DkimmodConfigEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->sender);
  g_free (entry->origin);
  g_clear_pointer (&entry->sigs, g_ptr_array_unref);
  g_free (entry);
}

/* add_template - checks RAW and appends its template to SIGS */
static void
add_template (Reader *r, RawSig *raw, const char *sender, GPtrArray *sigs)
{
  SigFields f = { 0 };
  DkimmodConfigTemplate *t;

  if (fields_from_raw (r, raw, FALSE, &f) && (t = complete_template (r, raw, &f, sender)))
    g_ptr_array_add (sigs, t);
  fields_clear (&f);
}

/* read_sign - the sign setting of one entry: a list, a group or a string */
static GPtrArray *
read_sign (Reader *r, const config_setting_t *sign, const char *path, const char *sender)
{
  GPtrArray *sigs = g_ptr_array_new_with_free_func ((GDestroyNotify) dkimmod_config_template_free);
  int type = config_setting_type (sign);
  const char *pre = path ? path : "", *dot = path ? "." : "";  /* no path: a map dir file */
  guint n = 0;

  if (type == CONFIG_TYPE_STRING)
    {
      g_autoptr (GPtrArray) specs = split_top_commas (config_setting_get_string (sign));

      for (n = 0; n < specs->len; n++)
        {
          char *spath = g_strdup_printf ("%s%ssign[%u]", pre, dot, n);
          g_autoptr (RawSig) raw = NULL;

          if (*(char *) specs->pdata[n] == '\0')
            {
              dkimmod_config_diag_add (r->diag, sign, spath, NULL, "empty signature spec");
              g_free (spath);
            }
          else if ((raw = raw_from_spec (r, sign, specs->pdata[n], spath)))
            add_template (r, raw, sender, sigs);
        }
    }
  else if (type == CONFIG_TYPE_GROUP)
    {
      g_autoptr (RawSig) raw = raw_from_group (r, sign, g_strdup_printf ("%s%ssign", pre, dot));

      n = 1;
      add_template (r, raw, sender, sigs);
    }
  else if (type == CONFIG_TYPE_LIST)
    for (n = 0; n < (guint) config_setting_length (sign); n++)
      {
        config_setting_t *g = config_setting_get_elem (sign, n);
        char *spath = g_strdup_printf ("%s%ssign[%u]", pre, dot, n);

        if (config_setting_is_group (g))
          {
            g_autoptr (RawSig) raw = raw_from_group (r, g, spath);

            add_template (r, raw, sender, sigs);
            continue;
          }
        dkimmod_config_diag_add (r->diag, g, spath, NULL, "must be a group { s = ...; ... }");
        g_free (spath);
      }
  else
    dkimmod_config_diag_add (r->diag, sign, path, "sign", "must be a list of groups "
                             "( { s = ...; }, ... ) or a string \"dkim(s=...,...)\"");
  if (n == 0 && (type == CONFIG_TYPE_STRING || type == CONFIG_TYPE_LIST))
    dkimmod_config_diag_add (r->diag, sign, path, "sign", "no signature");
  if (n > DKIMMOD_LIMIT_SIGNATURES)
    dkimmod_config_diag_add (r->diag, sign, path, "sign", "more than %u signatures",
                             DKIMMOD_LIMIT_SIGNATURES);
  return sigs;
}

/* entry_sender - the normalised sender of ELEM, or NULL after an error.
 * FILE_KEY: the key a sender_map_dir file stands for ("sender" optional). */
static char *
entry_sender (Reader *r, const config_setting_t *elem, const char *path, const char *file_key)
{
  config_setting_t *s = config_setting_get_member (elem, "sender");
  DkimmodConfigEntry *other;
  const char *why;
  char *key;

  if (s == NULL && file_key)
    return g_strdup (file_key);
  if (s == NULL)
    {
      dkimmod_config_diag_add (r->diag, elem, path, "sender", "missing");
      return NULL;
    }
  if (config_setting_type (s) != CONFIG_TYPE_STRING)
    {
      dkimmod_config_diag_add (r->diag, s, path, "sender", "must be a string");
      return NULL;
    }
  key = dkimmod_config_normalise_sender (config_setting_get_string (s), &why);
  if (key == NULL)
    {
      dkimmod_config_diag_add (r->diag, s, path, "sender", "\"%s\": %s",
                               config_setting_get_string (s), why);
      return NULL;
    }
  if (file_key && !g_str_equal (key, file_key))
    {
      dkimmod_config_diag_add (r->diag, s, path, "sender", "\"%s\": differs from the file "
                               "name (%s.conf)", key, file_key);
      g_free (key);
      return NULL;
    }
  if (!file_key && (other = g_hash_table_lookup (r->cfg->index, key)))
    {
      dkimmod_config_diag_add (r->diag, s, path, "sender", "\"%s\" is already mapped at %s",
                               key, other->origin);
      g_free (key);
      return NULL;
    }
  return key;
}

/* read_rotation_key - an entry's "next" or "previous" key, written by
 * dkimmod rotate: { s = ...; key = ...; created/retired = ...; }. Never
 * used for signing; checked so that a hand edit cannot hide a typo. */
static void
read_rotation_key (Reader *r, const config_setting_t *g, const char *path, const char *name)
{
  const char *v, *why = NULL;

  if (!config_setting_is_group (g))
    {
      dkimmod_config_diag_add (r->diag, g, path, name, "must be a group { s = ...; key = ...; }");
      return;
    }
  for (int k = 0; k < config_setting_length (g); k++)
    {
      const char *m = config_setting_name (config_setting_get_elem (g, k));

      if (!g_str_equal (m, "s") && !g_str_equal (m, "key") && !g_str_equal (m, "a")
          && !g_str_equal (m, "created") && !g_str_equal (m, "retired"))
        dkimmod_config_diag_add (r->diag, g, path, name, "unknown setting %s (expected s, key, "
                                 "a, created, retired)", m);
    }
  if (!config_setting_lookup_string (g, "s", &v) || !dkimmod_config_check_selector (v, &why))
    dkimmod_config_diag_add (r->diag, g, path, name, "s: %s", why ? why : "missing");
  if (!config_setting_lookup_string (g, "key", &v) || *v == '\0')
    dkimmod_config_diag_add (r->diag, g, path, name, "key: missing");
}

/* read_entry - one { sender = ...; sign = ...; } of sender_map (PATH
 * "signing.sender_map[N]"), or the root of a sender_map_dir file (PATH
 * NULL, FILE_KEY its key); the entry is added to cfg->entries */
static DkimmodConfigEntry *
read_entry (Reader *r, const config_setting_t *elem, const char *path, const char *file_key)
{
  g_autofree char *sender = NULL;
  config_setting_t *sign;
  DkimmodConfigEntry *entry;

  if (!config_setting_is_group (elem))
    {
      dkimmod_config_diag_add (r->diag, elem, path, NULL,
                               "must be a group { sender = ...; sign = ...; }");
      return NULL;
    }
  for (int k = 0; k < config_setting_length (elem); k++)
    {
      config_setting_t *s = config_setting_get_elem (elem, k);
      const char *name = config_setting_name (s);

      if (g_str_equal (name, "next") || g_str_equal (name, "previous"))
        read_rotation_key (r, s, path, name);
      else if (!g_str_equal (name, "sender") && !g_str_equal (name, "sign"))
        dkimmod_config_diag_add (r->diag, s, path, name,
                                 "unknown setting (expected sender, sign, next, previous)");
    }
  sender = entry_sender (r, elem, path, file_key);
  if ((sign = config_setting_get_member (elem, "sign")) == NULL)
    {
      dkimmod_config_diag_add (r->diag, elem, path, "sign", "missing");
      return NULL;
    }
  if (sender == NULL)
    return NULL;
  entry = g_new0 (DkimmodConfigEntry, 1);
  entry->sender = g_steal_pointer (&sender);
  entry->origin = dkimmod_config_diag_origin (r->diag, elem);
  entry->sigs = read_sign (r, sign, path, entry->sender);
  g_ptr_array_add (r->cfg->entries, entry);
  return entry;
}

/* read_map_dir - signing.sender_map_dir: a directory of KEY.conf files */
static void
read_map_dir (DkimmodConfig *cfg, const config_setting_t *s, DkimmodConfigDiag *diag)
{
  const char *v = config_setting_get_string (s);

  if (v == NULL || *v == '\0')
    {
      dkimmod_config_diag_add (diag, s, "signing", "sender_map_dir", "must be a directory name");
      return;
    }
  g_free (cfg->map_dir);
  cfg->map_dir = g_path_is_absolute (v) || g_str_equal (diag->include_dir, ".")
                 ? g_strdup (v) : g_build_filename (diag->include_dir, v, NULL);
  if (!g_file_test (cfg->map_dir, G_FILE_TEST_IS_DIR))
    dkimmod_config_diag_add (diag, s, "signing", "sender_map_dir", "\"%s\": not a directory",
                             cfg->map_dir);
}

/* read_defaults - signing.defaults */
static void
read_defaults (Reader *r, const config_setting_t *defaults)
{
  g_autoptr (RawSig) raw = NULL;

  if (!config_setting_is_group (defaults))
    {
      dkimmod_config_diag_add (r->diag, defaults, "signing.defaults", NULL,
                               "must be a group { a = ...; c = ...; }");
      return;
    }
  raw = raw_from_group (r, defaults, g_strdup ("signing.defaults"));
  fields_from_raw (r, raw, TRUE, r->defaults);
}

/* read_sender_map - signing.sender_map */
static void
read_sender_map (Reader *r, const config_setting_t *map)
{
  if (!config_setting_is_list (map))
    {
      dkimmod_config_diag_add (r->diag, map, "signing.sender_map", NULL,
                               "must be a list ( { sender = ...; sign = ...; }, ... )");
      return;
    }
  for (int k = 0; k < config_setting_length (map); k++)
    {
      g_autofree char *path = g_strdup_printf ("signing.sender_map[%d]", k);
      DkimmodConfigEntry *e = read_entry (r, config_setting_get_elem (map, k), path, NULL);

      if (e)
        g_hash_table_insert (r->cfg->index, e->sender, e);
    }
}

/**
 * dkimmod_config_read_signing:
 * @cfg: the configuration being loaded
 * @signing: the "signing" group
 * @diag: the error collector
 *
 * Reads the signing section into @cfg; faults go to @diag.
 */
void
dkimmod_config_read_signing (DkimmodConfig *cfg, const config_setting_t *signing,
                             DkimmodConfigDiag *diag)
{
  Reader r = { .cfg = cfg, .diag = diag, .include_dir = diag->include_dir,
               .defaults = cfg->defaults };
  config_setting_t *defaults;

  if (!config_setting_is_group (signing))
    {
      dkimmod_config_diag_add (diag, signing, "signing", NULL, "must be a group { ... }");
      return;
    }
  if ((defaults = config_setting_get_member (signing, "defaults")))
    read_defaults (&r, defaults);
  for (int k = 0; k < config_setting_length (signing); k++)
    {
      config_setting_t *s = config_setting_get_elem (signing, k);
      const char *name = config_setting_name (s);

      if (g_str_equal (name, "sender_map"))
        read_sender_map (&r, s);
      else if (g_str_equal (name, "sender_source"))
        {
          const char *v = config_setting_get_string (s);

          if (v == NULL || !dkimmod_config_parse_sender_source (v, &cfg->sender_source))
            dkimmod_config_diag_add (diag, s, "signing", name,
                                     "must be \"from\", \"sender-then-from\" or \"envelope\"");
        }
      else if (g_str_equal (name, "sender_map_dir"))
        read_map_dir (cfg, s, diag);
      else if (dkimmod_config_read_sender_policy (cfg, s, diag))
        continue;
      else if (!g_str_equal (name, "defaults"))
        dkimmod_config_diag_add (diag, s, "signing", name, "unknown setting (expected "
                                 "sender_source, defaults, sender_map, sender_map_dir, "
                                 "match_envelope_sender, envelope_sender_aliases)");
    }
}

/**
 * dkimmod_config_read_file_entry:
 * @cfg: the configuration
 * @root: the root group of a sender_map_dir file
 * @key: the sender key, from the file name
 * @diag: the error collector
 *
 * Reads "sign = ...;" (and an optional "sender", which must be @key).
 *
 * Returns: (transfer none) (nullable): the entry, added to @cfg->entries.
 */
DkimmodConfigEntry *
dkimmod_config_read_file_entry (DkimmodConfig *cfg, const config_setting_t *root, const char *key,
                                DkimmodConfigDiag *diag)
{
  Reader r = { .cfg = cfg, .diag = diag, .include_dir = diag->include_dir,
               .defaults = cfg->defaults };

  return read_entry (&r, root, NULL, key);
}

/**
 * dkimmod_config_defaults_new:
 *
 * Returns: (transfer full): empty signing defaults.
 */
DkimmodConfigDefaults *
dkimmod_config_defaults_new (void)
{
  return g_new0 (DkimmodConfigDefaults, 1);
}

/**
 * dkimmod_config_defaults_free:
 * @defaults: (transfer full) (nullable): defaults
 */
void
dkimmod_config_defaults_free (DkimmodConfigDefaults *defaults)
{
  if (defaults == NULL)
    return;
  fields_clear (defaults);
  g_free (defaults);
}
